#!/usr/bin/python
# -*- coding: utf-8 -*-
# A pam_iampw host's IAM credential report, as facts.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: iampw_credential_report
short_description: Read a pam_iampw host's IAM credential report as facts
version_added: 0.1.0
description:
  - Runs C(iampw-admin get-credential-report --output text) on the managed host and returns its CSV as the fact
    C(iampw_credential_report), a list of rows keyed by IAM's 22 column names (C(user), C(arn),
    C(user_creation_time), C(password_enabled), C(password_last_used), C(password_last_changed),
    C(password_next_rotation), C(mfa_active), C(access_key_1_active) ... C(cert_2_last_rotated)).
  - One row per local account in scope with a login profile or a usable password, and the C(<root_account>) row,
    with IAM's values (ISO 8601 dates, C(N/A), C(no_information), C(not_supported), C(true), C(false)).
  - The playbook C(iampw-credential-report.yml) shipped with this collection merges every host's report into one CSV
    on the controller.
author:
  - pam_iampw developers (!UNKNOWN)
options: {}
extends_documentation_fragment:
  - iampw.fleet.iampw_admin
notes:
  - Read-only; runs in check mode too.
  - Accounts of a directory (LDAP, sssd) without a local password are not in the report.
seealso:
  - module: iampw.fleet.iampw_password_policy
'''

EXAMPLES = r'''
- name: Read the report
  iampw.fleet.iampw_credential_report:

- name: Users whose password was never used
  ansible.builtin.debug:
    msg: "{{ iampw_credential_report | selectattr('password_last_used', 'equalto', 'no_information')
             | map(attribute='user') | list }}"
'''

RETURN = r'''
ansible_facts:
  description: The facts set.
  returned: always
  type: dict
  contains:
    iampw_credential_report:
      description: The report's rows, in the tool's order, each a dict keyed by the CSV header (IAM's column names).
      type: list
      elements: dict
      sample:
        - user: alice
          arn: 'arn:linux:iam::web1:user/alice'
          user_creation_time: '2026-11-22T10:00:00+00:00'
          password_enabled: 'true'
          password_last_used: no_information
          password_last_changed: '2026-11-22T10:00:00+00:00'
          password_next_rotation: '2027-02-20T10:00:00+00:00'
          mfa_active: 'false'
          access_key_1_active: 'false'
    iampw_credential_report_columns:
      description: The CSV header, IAM's column names in IAM's order.
      type: list
      elements: str
      sample: [user, arn, user_creation_time]
'''

import csv

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.iampw.fleet.plugins.module_utils.iampw_admin import (
    COMMON_ARGUMENT_SPEC, IampwAdmin, IampwAdminError)


def parse_report(text):
    """The CSV as (header, rows); ValueError when it is not a report."""
    lines = text.splitlines()
    if not lines:
        raise ValueError('the report is empty')
    records = list(csv.reader(lines, strict=True))
    header = records[0]
    if not header or header[0] != 'user' or len(set(header)) != len(header):
        raise ValueError('the first line is not a credential report header: %r' % (lines[0][:200],))
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if len(record) != len(header):
            raise ValueError('line %d has %d fields, the header %d' % (number, len(record), len(header)))
        rows.append(dict(zip(header, record)))
    return header, rows


def main():
    module = AnsibleModule(argument_spec=dict(COMMON_ARGUMENT_SPEC), supports_check_mode=True)
    admin = IampwAdmin(module)
    try:
        text = admin.run('get-credential-report', output='text')
    except IampwAdminError as e:
        admin.fail(e)
    try:
        header, rows = parse_report(text)
    except (ValueError, csv.Error) as e:
        module.fail_json(msg='iampw-admin get-credential-report --output text: %s' % e)
    module.exit_json(changed=False, ansible_facts=dict(iampw_credential_report=rows,
                                                       iampw_credential_report_columns=header))


if __name__ == '__main__':
    main()
