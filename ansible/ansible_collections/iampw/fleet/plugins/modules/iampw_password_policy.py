#!/usr/bin/python
# -*- coding: utf-8 -*-
# The account password policy of a pam_iampw host, with the parameters of
# community.aws.iam_password_policy, applied through iampw-admin.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: iampw_password_policy
short_description: Set the IAM-style account password policy of a pam_iampw host
version_added: 0.1.0
description:
  - Sets, or removes, the account password policy that pam_iampw enforces on the managed host, with the parameters,
    aliases, defaults and meanings of C(community.aws.iam_password_policy), so that a playbook written for an AWS
    account carries over to Linux hosts by changing the module name.
  - The module reads the policy first (C(iampw-admin get-account-password-policy)) and writes only when a field
    differs, with C(iampw-admin update-account-password-policy --cli-input-json file://FILE). The policy is compared
    field by field, so a second run reports no change.
  - As in IAM, an update replaces the whole policy, so every parameter not given takes its default.
author:
  - pam_iampw developers (!UNKNOWN)
options:
  state:
    description:
      - C(present) makes the host's policy exactly the one described by the other options.
      - C(absent) removes the custom policy (C(iampw-admin delete-account-password-policy)), so that IAM's default
        policy applies again. With no custom policy set, nothing changes.
    required: true
    choices: ['present', 'absent']
    type: str
  min_pw_length:
    description:
      - Minimum password length (IAM's C(MinimumPasswordLength)).
    default: 6
    aliases: [minimum_password_length]
    type: int
  require_symbols:
    description:
      - Require at least one symbol in passwords (C(RequireSymbols)).
    default: false
    type: bool
  require_numbers:
    description:
      - Require at least one number in passwords (C(RequireNumbers)).
    default: false
    type: bool
  require_uppercase:
    description:
      - Require at least one uppercase letter in passwords (C(RequireUppercaseCharacters)).
    default: false
    type: bool
  require_lowercase:
    description:
      - Require at least one lowercase letter in passwords (C(RequireLowercaseCharacters)).
    default: false
    type: bool
  allow_pw_change:
    description:
      - Allow users to change their own password (C(AllowUsersToChangePassword)).
    default: false
    type: bool
    aliases: [allow_password_change]
  pw_max_age:
    description:
      - Maximum age of a password in days (C(MaxPasswordAge)). When this option is 0, passwords do not expire.
    default: 0
    aliases: [password_max_age]
    type: int
  pw_reuse_prevent:
    description:
      - Number of previous passwords a user may not reuse (C(PasswordReusePrevention)). When this option is 0,
        reuse is not checked.
    default: 0
    aliases: [password_reuse_prevent, prevent_reuse]
    type: int
  pw_expire:
    description:
      - Prevents users from changing an expired password (C(HardExpiry)); an administrator must reset it.
    default: false
    type: bool
    aliases: [password_expire, expire]
extends_documentation_fragment:
  - iampw.fleet.iampw_admin
notes:
  - Supports C(check_mode). In check mode a new policy is validated by C(iampw-admin) against a scratch copy in the
    module's temporary directory, so a value the tool refuses fails the check run as it would fail the real one.
  - Supports C(--diff); the before and after policies are shown with IAM's field names.
  - The policy is per host; pam_iampw applies it to local accounts (those in the host's C(/etc/shadow)). Accounts of
    a directory (LDAP, sssd) keep their directory's own password policy.
seealso:
  - module: community.aws.iam_password_policy
    description: The same policy for an AWS account; its parameters and meanings are this module's.
  - module: iampw.fleet.iampw_credential_report
'''

EXAMPLES = r'''
- name: The same policy as the AWS accounts, on every host
  iampw.fleet.iampw_password_policy:
    state: present
    min_pw_length: 14
    require_symbols: true
    require_numbers: true
    require_uppercase: true
    require_lowercase: true
    allow_pw_change: true
    pw_max_age: 90
    pw_reuse_prevent: 24
    pw_expire: false

- name: Back to IAM's default policy
  iampw.fleet.iampw_password_policy:
    state: absent

- name: A host whose iampw-admin is not on PATH
  iampw.fleet.iampw_password_policy:
    state: present
    min_pw_length: 12
    iampw_admin: /opt/iampw/sbin/iampw-admin
'''

RETURN = r'''
policy:
  description:
    - The host's policy after the task (what C(get-account-password-policy) reads back), with the snake_case names
      of C(community.aws.iam_password_policy). C(max_password_age) and C(password_reuse_prevention) are null when
      unset. Only with I(state=present).
  returned: when state is present
  type: dict
  sample:
    minimum_password_length: 14
    require_symbols: true
    require_numbers: true
    require_uppercase_characters: true
    require_lowercase_characters: true
    allow_users_to_change_password: true
    expire_passwords: true
    max_password_age: 90
    password_reuse_prevention: 24
    hard_expiry: false
rc:
  description: The exit status of C(iampw-admin) (252 command line, 253 configuration, 254 IAM error, 255 other).
  returned: failure
  type: int
  sample: 254
error_code:
  description: The IAM error name from the tool's error line, if it printed one.
  returned: failure
  type: str
  sample: ValidationError
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.iampw.fleet.plugins.module_utils.iampw_admin import (
    COMMON_ARGUMENT_SPEC, IampwAdmin, IampwAdminError)

# Module parameter, IAM field, snake_case name in the result.
FIELDS = (
    ('min_pw_length', 'MinimumPasswordLength', 'minimum_password_length'),
    ('require_symbols', 'RequireSymbols', 'require_symbols'),
    ('require_numbers', 'RequireNumbers', 'require_numbers'),
    ('require_uppercase', 'RequireUppercaseCharacters', 'require_uppercase_characters'),
    ('require_lowercase', 'RequireLowercaseCharacters', 'require_lowercase_characters'),
    ('allow_pw_change', 'AllowUsersToChangePassword', 'allow_users_to_change_password'),
    ('pw_max_age', 'MaxPasswordAge', 'max_password_age'),
    ('pw_reuse_prevent', 'PasswordReusePrevention', 'password_reuse_prevention'),
    ('pw_expire', 'HardExpiry', 'hard_expiry'),
)
# IAM leaves these out of the policy when unset; 0 means unset here.
OPTIONAL_NUMBERS = ('MaxPasswordAge', 'PasswordReusePrevention')


def wanted_request(params):
    """The UpdateAccountPasswordPolicy request for the module's parameters."""
    request = {}
    for param, field, dummy in FIELDS:
        value = params[param]
        if field in OPTIONAL_NUMBERS and value == 0:
            continue
        request[field] = value
    return request


def comparable(policy):
    """A policy (as the tool prints it, or a request) reduced to the fields
    the module sets, unset optional numbers as 0: two policies are the same
    when these are equal, whatever else the tool adds (ExpirePasswords ...)."""
    if policy is None:
        return None
    result = {}
    for dummy, field, dummy2 in FIELDS:
        default = 0 if field in OPTIONAL_NUMBERS else None
        result[field] = policy.get(field, default)
    return result


def snake_policy(policy):
    result = {}
    for dummy, field, name in FIELDS:
        result[name] = policy.get(field)
    result['expire_passwords'] = policy.get('ExpirePasswords', bool(policy.get('MaxPasswordAge')))
    return result


def read_policy(admin):
    """The custom policy, or None when none is set (NoSuchEntity)."""
    try:
        answer = admin.run_json('get-account-password-policy')
    except IampwAdminError as e:
        if e.is_no_such_entity():
            return None
        admin.fail(e)
    if not isinstance(answer, dict) or not isinstance(answer.get('PasswordPolicy'), dict):
        admin.module.fail_json(msg='iampw-admin get-account-password-policy: no PasswordPolicy in its answer')
    return answer['PasswordPolicy']


def validate_in_scratch(module, admin, request):
    """Check mode: let the tool validate the request by writing a scratch
    policy file in the module's temporary directory."""
    scratch = module.tmpdir + '/check-mode-policy.conf'
    try:
        admin.run_with_input('update-account-password-policy', request, policy_file=scratch)
    except IampwAdminError as e:
        admin.fail(e)


def ensure_present(module, admin, before):
    request = wanted_request(module.params)
    changed = comparable(before) != comparable(request)
    after = before
    if changed and module.check_mode:
        validate_in_scratch(module, admin, request)
        after = request
    elif changed:
        try:
            admin.run_with_input('update-account-password-policy', request)
        except IampwAdminError as e:
            admin.fail(e)
        after = read_policy(admin)
        if comparable(after) != comparable(request):
            module.fail_json(msg='the policy read back after the update differs from the one written',
                             policy=snake_policy(after or {}))
    return changed, after


def ensure_absent(module, admin, before):
    if before is None:
        return False, None
    if not module.check_mode:
        try:
            admin.run_json('delete-account-password-policy')
        except IampwAdminError as e:
            # Removed meanwhile by someone else: the state asked for holds.
            if not e.is_no_such_entity():
                admin.fail(e)
    return True, None


def main():
    # no_log=False: the aliases are named like passwords (password_max_age
    # ...), which makes AnsibleModule warn, and hide them from its log.
    argument_spec = dict(
        state=dict(type='str', required=True, choices=['present', 'absent']),
        min_pw_length=dict(type='int', default=6, aliases=['minimum_password_length'], no_log=False),
        require_symbols=dict(type='bool', default=False),
        require_numbers=dict(type='bool', default=False),
        require_uppercase=dict(type='bool', default=False),
        require_lowercase=dict(type='bool', default=False),
        allow_pw_change=dict(type='bool', default=False, aliases=['allow_password_change'], no_log=False),
        pw_max_age=dict(type='int', default=0, aliases=['password_max_age'], no_log=False),
        pw_reuse_prevent=dict(type='int', default=0, aliases=['password_reuse_prevent', 'prevent_reuse'],
                              no_log=False),
        pw_expire=dict(type='bool', default=False, aliases=['password_expire', 'expire'], no_log=False),
    )
    argument_spec.update(COMMON_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    admin = IampwAdmin(module)

    before = read_policy(admin)
    if module.params['state'] == 'present':
        changed, after = ensure_present(module, admin, before)
    else:
        changed, after = ensure_absent(module, admin, before)

    result = dict(changed=changed)
    if module.params['state'] == 'present':
        result['policy'] = snake_policy(after)
    if module._diff:
        result['diff'] = dict(before=comparable(before) or {}, after=comparable(after) or {},
                              before_header='password policy', after_header='password policy')
    module.exit_json(**result)


if __name__ == '__main__':
    main()
