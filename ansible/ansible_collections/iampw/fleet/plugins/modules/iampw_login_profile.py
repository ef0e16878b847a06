#!/usr/bin/python
# -*- coding: utf-8 -*-
# The IAM-style login profile of one local account on a pam_iampw host.
#
# Secrets: no parameter is a password (AnsibleModule logs every parameter
# to the host's syslog), the module logs nothing itself, and a generated
# password goes from iampw-admin's stdout (a pipe) to the module's result,
# never to a file.  The result is the only copy: it is not added to
# no_log_values, which would mask it in the result as well; the task must
# use no_log to keep it out of the controller's output.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: iampw_login_profile
short_description: Create, update or delete the IAM-style login profile of a local account
version_added: 0.1.0
description:
  - Manages the login profile that pam_iampw keeps for a local account (the IAM console password of a user, here
    the account's Unix password), through C(iampw-admin create-login-profile), C(update-login-profile) and
    C(delete-login-profile).
  - The module never takes a password as a parameter. A new password is generated on the host by
    C(iampw-admin --generate-password) (at least 20 characters, satisfying the host's policy) and returned once, in
    I(password).
  - B(Use C(no_log) on every task of this module that may generate a password.) Ansible has no way for a module to
    hide one return value. Without C(no_log), a generated password is shown by C(-v), by a C(debug) of the
    registered result, and in the C(ANSIBLE_LOG_PATH) log. With C(no_log), the registered variable still holds it.
author:
  - pam_iampw developers (!UNKNOWN)
options:
  name:
    description:
      - The local account (its user name).
    required: true
    aliases: [user_name, user]
    type: str
  state:
    description:
      - C(present) makes sure the account has a login profile; creating one needs I(generate_password=true).
      - C(absent) deletes the login profile, which locks the account's Unix password (as C(passwd -l)); SSH keys keep
        working. An account without a profile is left alone.
    choices: ['present', 'absent']
    default: present
    type: str
  password_reset_required:
    description:
      - Whether the user must change the password at the next login (IAM's C(PasswordResetRequired)).
      - When not given, a new profile is created without the requirement and an existing one keeps its setting.
    type: bool
  generate_password:
    description:
      - Generate a new password on the host and return it in I(password).
      - With I(update_password=on_create) (the default) a password is generated only when the profile is created,
        so that the task is idempotent; with I(update_password=always) every run sets a new password.
    type: bool
    default: false
  update_password:
    description:
      - C(on_create) generates a password only for a new profile; C(always) also replaces the password of an
        existing one (with I(generate_password=true)).
    choices: ['always', 'on_create']
    default: on_create
    type: str
extends_documentation_fragment:
  - iampw.fleet.iampw_admin
notes:
  - Supports C(check_mode) (nothing is generated or changed) and C(--diff) (whether a profile exists and its reset
    flag; never a password).
  - The module manages local accounts only. An account of a directory (LDAP, sssd) has no local password for
    pam_iampw to manage; its directory's password policy applies.
  - Should C(iampw-admin) fail after it set a generated password, its error message, which then holds that password
    so that it is not lost, is in I(msg), one more reason for C(no_log).
seealso:
  - module: iampw.fleet.iampw_password_policy
  - module: community.aws.iam_user
    description: IAM users and their login profiles in an AWS account.
'''

EXAMPLES = r'''
- name: A login profile for alice, with a generated password she must change at first login
  iampw.fleet.iampw_login_profile:
    name: alice
    generate_password: true
    password_reset_required: true
  register: alice_profile
  no_log: true

- name: Hand the password to alice's manager through the vault, not the console
  ansible.builtin.copy:
    content: "{{ alice_profile.password }}"
    dest: "/root/handover/{{ inventory_hostname }}-alice"
    mode: '0600'
  delegate_to: localhost
  when: alice_profile.password is defined
  no_log: true

- name: Rotate bob's password on every run
  iampw.fleet.iampw_login_profile:
    name: bob
    generate_password: true
    update_password: always
  register: bob_profile
  no_log: true

- name: Require carol to change her password at the next login
  iampw.fleet.iampw_login_profile:
    name: carol
    password_reset_required: true

- name: No more password logins for dave (his SSH keys keep working)
  iampw.fleet.iampw_login_profile:
    name: dave
    state: absent
'''

RETURN = r'''
login_profile:
  description: The login profile after the task (IAM's C(LoginProfile) in snake_case); null when there is none.
  returned: always
  type: dict
  contains:
    user_name:
      description: The account.
      type: str
      sample: alice
    create_date:
      description: When the profile was created, as C(iampw-admin) prints it (ISO 8601).
      type: str
      sample: '2026-11-22T10:00:00+00:00'
    password_reset_required:
      description: Whether the user must change the password at the next login.
      type: bool
      sample: true
password:
  description:
    - The password the task generated and set. Returned only when one was generated; never logged or written by the
      module. Use C(no_log) on the task.
  returned: when a password was generated
  type: str
  sample: '(the generated password)'
rc:
  description: The exit status of C(iampw-admin).
  returned: failure
  type: int
  sample: 254
error_code:
  description: The IAM error name from the tool's error line (C(NoSuchEntity), C(PasswordPolicyViolation) ...).
  returned: failure
  type: str
  sample: NoSuchEntity
'''

import pwd

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.iampw.fleet.plugins.module_utils.iampw_admin import (
    COMMON_ARGUMENT_SPEC, IampwAdmin, IampwAdminError)


def snake_profile(profile):
    if profile is None:
        return None
    return dict(user_name=profile.get('UserName'), create_date=profile.get('CreateDate'),
                password_reset_required=profile.get('PasswordResetRequired'))


def read_profile(admin, name):
    """The LoginProfile, or None when the account has none."""
    try:
        answer = admin.run_json('get-login-profile', ['--user-name', name])
    except IampwAdminError as e:
        if e.is_no_such_entity():
            return None
        admin.fail(e)
    if not isinstance(answer, dict) or not isinstance(answer.get('LoginProfile'), dict):
        admin.module.fail_json(msg='iampw-admin get-login-profile: no LoginProfile in its answer')
    return answer['LoginProfile']


def reset_flag(value):
    return ['--password-reset-required'] if value else ['--no-password-reset-required']


def plan(params, before):
    """What the task must do: (verb, arguments, generates a password)."""
    name = params['name']
    reset = params['password_reset_required']
    if params['state'] == 'absent':
        return ('delete-login-profile', ['--user-name', name], False) if before else None
    if before is None:
        args = ['--user-name', name, '--generate-password']
        if reset is not None:
            args += reset_flag(reset)
        return ('create-login-profile', args, True)
    rotate = params['generate_password'] and params['update_password'] == 'always'
    flag = reset is not None and reset != before.get('PasswordResetRequired')
    if not rotate and not flag:
        return None
    args = ['--user-name', name]
    if rotate:
        args.append('--generate-password')
    if flag:
        # With only a flag, iampw-admin changes only the flag (SPEC 6).
        args += reset_flag(reset)
    return ('update-login-profile', args, rotate)


def predicted(params, before):
    """The profile check mode reports: what the action would leave."""
    if params['state'] == 'absent':
        return None
    after = dict(before or {'UserName': params['name'], 'PasswordResetRequired': False})
    if params['password_reset_required'] is not None:
        after['PasswordResetRequired'] = params['password_reset_required']
    return after


def diff_view(profile, password_set=False):
    view = dict(login_profile=profile is not None)
    if profile is not None:
        view['password_reset_required'] = profile.get('PasswordResetRequired')
    if password_set:
        view['password'] = 'generated (returned in the password value)'
    return view


def main():
    argument_spec = dict(
        name=dict(type='str', required=True, aliases=['user_name', 'user']),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        # Named like passwords, but flags: logging them is fine.
        password_reset_required=dict(type='bool', no_log=False),
        generate_password=dict(type='bool', default=False, no_log=False),
        update_password=dict(type='str', default='on_create', choices=['always', 'on_create'], no_log=False),
    )
    argument_spec.update(COMMON_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    admin = IampwAdmin(module)

    before = read_profile(admin, params['name'])
    action = plan(params, before)
    if action is not None and action[0] == 'create-login-profile' and not params['generate_password']:
        module.fail_json(msg='%s has no login profile, and creating one sets a password: add '
                             'generate_password: true (passwords are never module parameters)' % params['name'])
    if action is not None and module.check_mode and params['state'] == 'present':
        try:
            pwd.getpwnam(params['name'])
        except KeyError:
            module.fail_json(msg='no user %s on this host' % params['name'])

    result = dict(changed=action is not None)
    password = None
    if action is None:
        after = before
    elif module.check_mode:
        after = predicted(params, before)
    else:
        verb, args, generates = action
        try:
            answer = admin.run_json(verb, args)
        except IampwAdminError as e:
            admin.fail(e)
        if generates:
            password = (answer or {}).get('Password')
            if not password:
                module.fail_json(msg='iampw-admin %s did not print the generated password' % verb)
        after = None if verb == 'delete-login-profile' else read_profile(admin, params['name'])

    result['login_profile'] = snake_profile(after)
    if password is not None:
        result['password'] = password
    if module._diff:
        result['diff'] = dict(before=diff_view(before),
                              after=diff_view(after, action is not None and action[2]))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
