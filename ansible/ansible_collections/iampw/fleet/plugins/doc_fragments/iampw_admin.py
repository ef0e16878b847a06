# -*- coding: utf-8 -*-
# The options every iampw.fleet module takes: where iampw-admin is, and its
# global options (iampw-admin(8)).

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  iampw_admin:
    description:
      - Path of C(iampw-admin) on the managed host.
      - By default it is looked up on C(PATH) and in C(/usr/sbin), C(/usr/local/sbin) and C(/sbin).
    type: path
  config:
    description:
      - Passed to C(iampw-admin) as C(--config); the host settings file (its default is C(/etc/iampw/iampw.conf)).
    type: path
  policy_file:
    description:
      - Passed to C(iampw-admin) as C(--policy); the password policy file (its default is C(/etc/iampw/policy.conf)).
    type: path
  state_dir:
    description:
      - Passed to C(iampw-admin) as C(--state-dir); the login profiles (its default is C(/var/lib/iampw)).
    type: path
notes:
  - The module runs C(iampw-admin) on the managed host, as root (use C(become) when you connect as another user).
  - C(iampw-admin) does every read and write and applies its own checks; a failure reports its error line
    (C(An error occurred (NoSuchEntity) when calling ...)) in C(msg), its exit status in C(rc) and the IAM error name in
    C(error_code).
'''
