# -*- coding: utf-8 -*-
# Shared by the iampw.fleet modules: finds iampw-admin on the managed host,
# runs one verb with the global options, and turns its exit status and its
# AWS-CLI-style error line into Ansible results.
#
# iampw-admin is the only writer of the policy and the login profiles: the
# modules never touch those files themselves, so the tool's checks (its
# locks, its validation, its PAM password stack) apply to every change.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import subprocess
import tempfile

# Options every module takes (documented in the iampw.fleet.iampw_admin
# doc fragment).
COMMON_ARGUMENT_SPEC = dict(
    iampw_admin=dict(type='path'),
    config=dict(type='path'),
    policy_file=dict(type='path'),
    state_dir=dict(type='path'),
)

# SPEC 6.1: "An error occurred (CODE) when calling the OPERATION operation: DETAIL"
_ERROR_LINE = re.compile(r'An error occurred \(([A-Za-z]+)\) when calling the [A-Za-z]+ operation')

# Exit status 254 is an IAM-style error (NoSuchEntity, ValidationError ...).
EXIT_IAM_ERROR = 254


class IampwAdminError(Exception):
    """iampw-admin exited non-zero: its status, stderr and IAM error code."""

    def __init__(self, cmd, verb, rc, stderr):
        self.cmd = cmd
        self.verb = verb
        self.rc = rc
        self.stderr = stderr.strip()
        match = _ERROR_LINE.search(self.stderr)
        self.code = match.group(1) if match else None
        Exception.__init__(self, self.message())

    def message(self):
        if self.stderr:
            return self.stderr
        return 'iampw-admin %s exited with status %d and printed no error' % (self.verb, self.rc)

    def is_no_such_entity(self):
        return self.rc == EXIT_IAM_ERROR and self.code == 'NoSuchEntity'


class IampwAdmin(object):
    """One managed host's iampw-admin, with the module's global options."""

    def __init__(self, module):
        self.module = module
        path = module.params.get('iampw_admin')
        if path:
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                module.fail_json(msg='iampw_admin: %s is not an executable file' % path)
        else:
            # get_bin_path also searches /sbin, /usr/sbin and /usr/local/sbin.
            path = module.get_bin_path('iampw-admin')
            if path is None:
                module.fail_json(msg='iampw-admin was not found on this host (PATH, /usr/sbin, '
                                     '/usr/local/sbin): install pam_iampw or set iampw_admin')
        self.path = path

    def command(self, verb, args=(), output='json', policy_file=None):
        cmd = [self.path, '--output', output]
        for option, param in (('--config', 'config'), ('--policy', 'policy_file'),
                              ('--state-dir', 'state_dir')):
            value = self.module.params.get(param)
            if param == 'policy_file' and policy_file is not None:
                value = policy_file
            if value:
                cmd += [option, value]
        return cmd + [verb] + list(args)

    def run(self, verb, args=(), output='json', policy_file=None):
        """Run a verb: its stdout, or IampwAdminError.  Stdin is /dev/null, so
        the tool can never wait at a password prompt or read a stray line."""
        cmd = self.command(verb, args, output, policy_file)
        # AWS_DEFAULT_OUTPUT would change the default format: --output is
        # always given.  LC_ALL=C keeps the error lines parseable.
        env = dict(os.environ, LC_ALL='C')
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, close_fds=True, env=env)
        out, err = proc.communicate()
        out = out.decode('utf-8', 'replace')
        if proc.returncode != 0:
            raise IampwAdminError(cmd, verb, proc.returncode, err.decode('utf-8', 'replace'))
        return out

    def run_json(self, verb, args=(), policy_file=None):
        """Run a verb and parse its JSON; None when it printed nothing."""
        out = self.run(verb, args, 'json', policy_file)
        if not out.strip():
            return None
        try:
            return json.loads(out)
        except ValueError as e:
            self.module.fail_json(msg='iampw-admin %s printed something that is not JSON: %s' % (verb, e))

    def run_with_input(self, verb, request, policy_file=None):
        """Run a verb with --cli-input-json file://F: the request goes to a
        0600 file in the module's private temporary directory, removed at once."""
        fd, path = tempfile.mkstemp(prefix='iampw-request-', suffix='.json', dir=self.module.tmpdir)
        try:
            with os.fdopen(fd, 'w') as f:
                json.dump(request, f)
            return self.run_json(verb, ['--cli-input-json', 'file://' + path], policy_file)
        finally:
            os.unlink(path)

    def fail(self, error, **kwargs):
        """Fail the task with the tool's own error line and exit status."""
        self.module.fail_json(msg=error.message(), rc=error.rc, error_code=error.code,
                              cmd=error.cmd, **kwargs)
