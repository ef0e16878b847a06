#!/usr/bin/python3
"""iampw-admin's output formats against the AWS CLI v2's own formatters.

Run by test_awsfmt.sh with Debian's python3 (where Debian's awscli 2.x
lives):  awsfmt.py FMT_DRIVER

For every response shape iampw-admin prints (one per verb, plus documents
that reach the corners of each format: nesting, lists of objects with
differing keys, long and non-ASCII values, strings YAML must quote), the
document is printed by tests/admin/fmt_driver (our output.c) and by the
AWS CLI's formatter classes (awscli.formatter, the code `aws` itself runs),
and the bytes must be equal.  Prints TAP.
"""

import difflib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import types

import awscli
import colorama
import jmespath
from awscli.formatter import get_formatter

FORMATS = ["json", "text", "table", "yaml", "yaml-stream"]

# A generated password of the kind create-login-profile prints.
GENERATED = "k7#Vq!2mZr9@Lw4$Tx8&Pb"
REPORT = ("dXNlcixhcm4scGFzc3dvcmRfZW5hYmxlZAo8cm9vdF9hY2NvdW50Pixhcm46bGludXg6aWFt"
          "Ojpob3N0OnJvb3Qsbm90X3N1cHBvcnRlZAphbGljZSxhcm46bGludXg6aWFtOjpob3N0OnVz"
          "ZXIvYWxpY2UsdHJ1ZQ==")

# (verb, operation, document): the response shapes of every verb.
CASES = [
    ("get-account-password-policy", "GetAccountPasswordPolicy", {
        "PasswordPolicy": {
            "MinimumPasswordLength": 12, "RequireSymbols": True,
            "RequireNumbers": True, "RequireUppercaseCharacters": False,
            "RequireLowercaseCharacters": True, "AllowUsersToChangePassword": True,
            "ExpirePasswords": True, "MaxPasswordAge": 90,
            "PasswordReusePrevention": 24, "HardExpiry": False}}),
    ("get-account-password-policy", "GetAccountPasswordPolicy", {
        "PasswordPolicy": {
            "MinimumPasswordLength": 6, "RequireSymbols": False,
            "RequireNumbers": False, "RequireUppercaseCharacters": False,
            "RequireLowercaseCharacters": False, "AllowUsersToChangePassword": False,
            "ExpirePasswords": False, "HardExpiry": False}}),
    ("get-login-profile", "GetLoginProfile", {
        "LoginProfile": {"UserName": "alice", "CreateDate": "2026-11-22T10:00:00+00:00",
                         "PasswordResetRequired": False}}),
    ("create-login-profile", "CreateLoginProfile", {
        "LoginProfile": {"UserName": "bob", "CreateDate": "2026-12-06T06:25:26+00:00",
                         "PasswordResetRequired": True},
        "Password": GENERATED}),
    ("update-login-profile", "UpdateLoginProfile", {"Password": GENERATED}),
    ("delete-login-profile", "DeleteLoginProfile", {}),
    ("update-account-password-policy", "UpdateAccountPasswordPolicy", {}),
    ("generate-credential-report", "GenerateCredentialReport", {
        "State": "COMPLETE",
        "Description": "No report is stored: get-credential-report generates a "
                       "current report each time it is called."}),
    ("get-credential-report", "GetCredentialReport", {
        "Content": REPORT, "ReportFormat": "text/csv",
        "GeneratedTime": "2026-11-22T10:00:00+00:00"}),
    ("adopt-user", "AdoptUser", {"LoginProfiles": [
        {"UserName": "carol", "CreateDate": "2026-12-06T06:25:26+00:00",
         "PasswordResetRequired": False},
        {"UserName": "dave", "CreateDate": "2024-01-15T00:00:00+00:00",
         "PasswordResetRequired": True}]}),
    ("adopt-user", "AdoptUser", {"LoginProfiles": []}),
    # IAM's User shape (get-user, list-users).
    ("get-user", "GetUser", {"User": {
        "Path": "/", "UserName": "alice", "UserId": "AIDAIAMPW000003E8",
        "Arn": "arn:linux:iam::host:user/alice",
        "CreateDate": "2026-11-22T10:00:00+00:00",
        "PasswordLastUsed": "2026-12-01T08:00:00+00:00"}}),
    ("list-users", "ListUsers", {"Users": [
        {"Path": "/", "UserName": "alice", "UserId": "AIDAIAMPW000003E8",
         "Arn": "arn:linux:iam::host:user/alice", "CreateDate": "2026-11-22T10:00:00+00:00",
         "PasswordLastUsed": "2026-12-01T08:00:00+00:00"},
        {"Path": "/", "UserName": "bob", "UserId": "AIDAIAMPW000003E9",
         "Arn": "arn:linux:iam::host:user/bob", "CreateDate": "2026-11-23T10:00:00+00:00"}],
        "IsTruncated": True, "Marker": "eyJNYXJrZXIiOiAiYm9iIn0="}),
    # The MFA verbs (SPEC §10).
    ("create-virtual-mfa-device", "CreateVirtualMFADevice", {
        "VirtualMFADevice": {"SerialNumber": "arn:linux:iam::host:mfa/alice-phone"}}),
    ("list-mfa-devices", "ListMFADevices", {"MFADevices": [
        {"UserName": "alice", "SerialNumber": "arn:linux:iam::host:mfa/alice-phone",
         "EnableDate": "2026-12-06T06:25:26+00:00"}]}),
    ("list-mfa-devices", "ListMFADevices", {"MFADevices": []}),
    ("list-virtual-mfa-devices", "ListVirtualMFADevices", {"VirtualMFADevices": [
        {"SerialNumber": "arn:linux:iam::host:mfa/alice-phone",
         "User": {"Path": "/", "UserName": "alice", "UserId": "AIDAIAMPW000003E8",
                  "Arn": "arn:linux:iam::host:user/alice",
                  "CreateDate": "2026-11-22T10:00:00+00:00"},
         "EnableDate": "2026-12-06T06:25:26+00:00"},
        {"SerialNumber": "arn:linux:iam::host:mfa/spare"}]}),
    ("enable-mfa-device", "EnableMFADevice", {}),
    ("delete-virtual-mfa-device", "DeleteVirtualMFADevice", {}),
    # Corners of the formats.
    ("x-names", "XNames", {"Items": [
        {"Name": "álvaro", "Note": "ünïcödé ☃ 日本語"},
        {"Name": "a very long value " * 6, "Extra": 1}], "Count": 2}),
    ("x-quote", "XQuote", {"Values": {
        "bool": "true", "yes": "yes", "int": "012", "float": "1.5", "null": "null",
        "empty": "", "date": "2026-11-22", "stamp": "2026-11-22T10:00:00+00:00",
        "colon": "a: b", "hash": "a #b", "dash": "- x", "quote": "'x'",
        "newline": "a\nb", "trail": "x\n", "tab": "a\tb", "space": " lead",
        "merge": "<<", "tilde": "~", "star": "*", "pct": "%x", "at": "@x",
        "hex": "0x1F", "exp": "1e5", "inf": ".inf", "nan": ".NaN",
        "plain": "plain text", "ctl": "a\u0001b", "del": "a\u007fb"}}),
    ("x-nested", "XNested", {"A": {"B": {"C": {"D": 1, "E": [1, 2, "x"]}}},
                             "Z": None, "N": [], "O": {}, "L": [[1, 2], [3, 4]]}),
    ("x-wide", "XWide", {"Wide": {"One": "x" * 30, "Two": "y" * 30, "Three": 3}}),
    ("x-single", "XSingle", {"Only": {"Key": "value"}}),
    ("x-listnest", "XListNest", {"Items": [
        {"Name": "a", "Tags": [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}]},
        {"Name": "b", "Tags": []}, {"Name": "c", "Extra": {"Deep": True}}]}),
    ("x-falsy", "XFalsy", {"Zero": 0, "Empty": "", "No": False, "Null": None,
                           "List": [], "Obj": {}, "Lists": [[1, "a"], [2, "b"]]}),
    # Column widths scaled to x.5: Python's round() goes to the even one.
    ("x-round", "XRound", {"T": {"A": "x", "B": "y"}, "W": {"C": "z" * 11}}),
    ("x-cjk", "XCjk", {"User": {"Name": "山田太郎", "Note": "±§ ambiguous", "Emoji": "🙂"}}),
]


# (verb, operation, document, query): --query, evaluated by jp for us and
# by the AWS CLI's jmespath, then printed.
POLICY = CASES[0][2]
PROFILE = CASES[3][2]
USERS = CASES[12][2]
QUERIES = [
    ("get-account-password-policy", "GetAccountPasswordPolicy", POLICY,
     "PasswordPolicy.MaxPasswordAge"),
    ("get-account-password-policy", "GetAccountPasswordPolicy", POLICY,
     "PasswordPolicy.[MinimumPasswordLength, MaxPasswordAge]"),
    ("get-account-password-policy", "GetAccountPasswordPolicy", POLICY,
     "PasswordPolicy.{Min: MinimumPasswordLength, Symbols: RequireSymbols}"),
    ("get-account-password-policy", "GetAccountPasswordPolicy", POLICY,
     "PasswordPolicy.HardExpiry"),
    ("get-account-password-policy", "GetAccountPasswordPolicy", POLICY, "Nothing"),
    ("create-login-profile", "CreateLoginProfile", PROFILE, "Password"),
    ("create-login-profile", "CreateLoginProfile", PROFILE, "LoginProfile"),
    ("list-users", "ListUsers", USERS, "Users[].UserName"),
    ("list-users", "ListUsers", USERS, "Users[?PasswordLastUsed].[UserName, Arn]"),
    ("list-users", "ListUsers", USERS, "Users[].{Name: UserName, Used: PasswordLastUsed}"),
    ("list-users", "ListUsers", USERS, "length(Users)"),
    ("list-users", "ListUsers", USERS, "Users[?UserName == 'nobody']"),
    ("delete-login-profile", "DeleteLoginProfile", {}, "Anything"),
    ("get-login-profile", "GetLoginProfile", CASES[2][2], "LoginProfile.UserName"),
    ("get-login-profile", "GetLoginProfile", CASES[2][2], "LoginProfile.PasswordResetRequired"),
    ("get-login-profile", "GetLoginProfile", CASES[2][2], "LoginProfile.[UserName, `0`, '']"),
]


def aws_render(fmt, operation, doc, query=None, color="off"):
    args = types.SimpleNamespace(query=jmespath.compile(query) if query else None,
                                 color=color)
    stream = io.StringIO()
    get_formatter(fmt, args)(operation, json.loads(json.dumps(doc)), stream)
    if color == "on":
        # Its ColorizedStyler wrapped our stdout (colorama.init): undo it.
        colorama.deinit()
    return stream.getvalue().encode("utf-8")


def ours(driver, fmt, verb, operation, doc, query=None, color="off"):
    text = "null" if doc == {} and verb.startswith(("delete-", "update-account")) \
        else json.dumps(doc, ensure_ascii=False)
    p = subprocess.run([driver, fmt, verb, operation] + ([query] if query else []),
                       input=text.encode("utf-8"),
                       env=dict(os.environ, FMT_DRIVER_COLOR_ON="1") if color == "on"
                       else {k: v for k, v in os.environ.items() if k != "FMT_DRIVER_COLOR_ON"},
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    return p.returncode, p.stdout, p.stderr


def contains(value, s):
    if isinstance(value, dict):
        return any(contains(v, s) for v in value.values())
    if isinstance(value, list):
        return any(contains(v, s) for v in value)
    return value == s


# --generate-cli-skeleton output: (verb, operation, extra arguments, whether
# `aws iam VERB --generate-cli-skeleton output` itself succeeds offline).
# aws refuses its own made-up response for some operations (a 0 under a
# model minimum, a null blob): for those, the response it made up is
# compared, as botocore's ArgumentGenerator builds it.
MFA_ARGS = ["--serial-number", "arn:aws:iam::123456789012:mfa/x",
            "--authentication-code1", "123456", "--authentication-code2", "654321"]
SKELETONS = [
    ("get-account-password-policy", "GetAccountPasswordPolicy", [], False),
    ("update-account-password-policy", "UpdateAccountPasswordPolicy", [], True),
    ("delete-account-password-policy", "DeleteAccountPasswordPolicy", [], True),
    ("create-login-profile", "CreateLoginProfile", ["--user-name", "x"], True),
    ("get-login-profile", "GetLoginProfile", ["--user-name", "x"], True),
    ("update-login-profile", "UpdateLoginProfile", ["--user-name", "x"], True),
    ("delete-login-profile", "DeleteLoginProfile", ["--user-name", "x"], True),
    ("generate-credential-report", "GenerateCredentialReport", [], True),
    ("get-credential-report", "GetCredentialReport", [], False),
    ("get-user", "GetUser", [], False),
    ("list-users", "ListUsers", [], False),
    ("list-mfa-devices", "ListMFADevices", [], True),
    # aws itself refuses its own made-up response (null blobs, short ids).
    ("list-virtual-mfa-devices", "ListVirtualMFADevices", [], False),
    ("enable-mfa-device", "EnableMFADevice", ["--user-name", "x"] + MFA_ARGS, True),
    ("resync-mfa-device", "ResyncMFADevice", ["--user-name", "x"] + MFA_ARGS, True),
    ("deactivate-mfa-device", "DeactivateMFADevice", ["--user-name", "x"] + MFA_ARGS[:2], True),
    ("delete-virtual-mfa-device", "DeleteVirtualMFADevice", MFA_ARGS[:2], True),
]


def aws_skeleton_cli(verb, extra, fmt, home):
    """What `aws iam VERB --generate-cli-skeleton output` prints, offline."""
    # `aws` refuses a --password-less create-login-profile before anything.
    if verb == "create-login-profile":
        extra = extra + ["--password", "x"]
    env = {"HOME": home, "PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_PAGER": ""}
    p = subprocess.run(["/usr/bin/aws", "iam", verb, "--generate-cli-skeleton", "output",
                        "--output", fmt] + extra, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120, check=False)
    return p.returncode, p.stdout


def aws_skeleton_model(operation):
    """The response aws makes up (its botocore's ArgumentGenerator), as JSON."""
    from awscli.botocore.session import get_session
    from awscli.botocore.utils import ArgumentGenerator
    model = get_session().get_service_model("iam").operation_model(operation)
    if model.output_shape is None:
        return b""
    sk = ArgumentGenerator(use_member_names=True).generate_skeleton(model.output_shape)
    if operation == "GetCredentialReport":
        sk["Content"] = ""      # a blob: null there, the empty one here (NOTES)
    if operation == "ListVirtualMFADevices":
        for d in sk["VirtualMFADevices"]:
            d["Base32StringSeed"] = d["QRCodePNG"] = ""
    return (json.dumps(sk, indent=4, default=lambda d: d.isoformat()) + "\n").encode()


# Command-line mistakes: (arguments, how much of stderr must be equal).
# "all": every byte; "last": the last line but the final empty one (the
# usage lines above it name the program, aws or iampw-admin); "accepted":
# no mistake, so both are given --generate-cli-skeleton output, which stops
# them after their checks, and stdout and stderr must be equal (empty).
BAD_INPUTS = [
    (["update-account-password-policy", "--minimum-password-length", "5"], "all"),
    (["update-account-password-policy", "--minimum-password-length", "5",
      "--max-password-age", "0", "--password-reuse-prevention", "0"], "all"),
    (["update-account-password-policy", "--cli-input-json", "{bad"], "all"),
    (["update-account-password-policy", "--cli-input-json", "[1, 2]"], "all"),
    (["update-account-password-policy", "--cli-input-json",
      '{"MinimumPasswordLength": "x"}'], "all"),
    (["update-account-password-policy", "--cli-input-json", '{"RequireSymbols": "x"}'], "all"),
    (["update-account-password-policy", "--cli-input-json", '{"Bogus": 1}'], "all"),
    (["get-login-profile", "--cli-input-json", "{}"], "all"),
    (["get-login-profile", "--cli-input-json", '{"UserName": 5}'], "all"),
    (["get-login-profile", "--user-name", ""], "all"),
    (["get-account-password-policy", "--bogus"], "last"),
    (["get-account-password-policy", "--bogus", "--other", "x"], "last"),
    (["get-login-profile", "--user-name", "x", "extra"], "last"),
] + [
    # Numbers as Python's json reads them (issue 14): integers of any size
    # quoted as written, floats as repr() shows them, and the numbers its
    # grammar refuses (json-c takes "-01" and "1.", and saturates at 64 bits).
    (["update-account-password-policy", "--cli-input-json", '{"MaxPasswordAge": %s}' % n], "all")
    for n in ("-9223372036854775809", "-99999999999999999999999999", "-0", "1e3", "1.0",
              "-0.0", "1E400", "NaN", "1e16", "0.00001", "123456789012345678901234567890.5",
              "-01", "1.", "-" + "9" * 4300, "9" * 4301)
] + [
    (["update-account-password-policy", "--cli-input-json",
      '{"MinimumPasswordLength": -18446744073709551616, '
      '"PasswordReusePrevention": -9223372036854775809}'], "all"),
    # Blanks JSON allows where YAML (the second reading) takes no tab.
    (["update-account-password-policy", "--cli-input-json",
      '\t{\n\t"MaxPasswordAge":\t-99999999999999999999\n\t}\n\t'], "all"),
] + [
    (["update-account-password-policy", "--cli-input-json", '{"RequireSymbols": %s}' % n], "all")
    for n in ("99999999999999999999", "-99999999999999999999", "9223372036854775808", "1e3")
] + [
    (["get-login-profile", "--cli-input-json", '{"UserName": 99999999999999999999}'], "all"),
    # The MFA verbs' fields are all strings.
    (["enable-mfa-device", "--cli-input-json",
      '{"UserName": "x", "SerialNumber": 18446744073709551616, '
      '"AuthenticationCode1": "123456", "AuthenticationCode2": "654321"}'], "all"),
    (["enable-mfa-device", "--cli-input-json",
      '{"UserName": "x", "SerialNumber": "arn:aws:iam::123456789012:mfa/x", '
      '"AuthenticationCode1": -99999999999999999999, "AuthenticationCode2": "654321"}'], "all"),
    (["enable-mfa-device", "--cli-input-json",
      '{"UserName": "x", "SerialNumber": "arn:aws:iam::123456789012:mfa/x", '
      '"AuthenticationCode1": 123456.0, "AuthenticationCode2": "654321"}'], "all"),
] + [
    # Accepted by the AWS CLI's validation, which checks no maximum (the
    # service's ValidationError then quotes them: test_cli.sh).
    (["update-account-password-policy", "--cli-input-json", '{"MaxPasswordAge": %s}' % n],
     "accepted")
    for n in ("9223372036854775808", "18446744073709551616", "99999999999999999999", "9" * 4300)
] + [
    # From the error line on (the program's name normalized): the choices
    # two a line, and difflib's "maybe you meant".
    (["get-account-password-policy", "--output", "tabel"], "error"),
    (["get-account-password-policy", "--output", "yam"], "error"),
    (["get-account-password-policy", "--output", "xml"], "error"),
    (["get-account-password-policy", "--color", "of"], "error"),
]


def from_error(err, prog):
    """stderr from its "PROG: error:" line on, the name made neutral."""
    at = err.find(prog + b": error:")
    return b"PROG" + err[at + len(prog):] if at >= 0 else err


def tool_argv(tool, home):
    """The tool pointed at files under the temp dir: it must write none."""
    return [tool, "--config", os.path.join(home, "iampw.conf"),
            "--policy", os.path.join(home, "policy.conf"),
            "--state-dir", os.path.join(home, "state")]


def bad_input_tests(tool, home):
    out = []
    env = {"HOME": home, "PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_PAGER": ""}
    skeleton = ["--generate-cli-skeleton", "output"]
    for args, how in BAD_INPUTS:
        # "output" makes aws stop before any request, after every check.
        a = subprocess.run(["/usr/bin/aws", "iam"] + args + skeleton,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120, check=False)
        want = a.stderr if how == "all" else from_error(a.stderr, b"aws") if how == "error" \
            else a.stdout + a.stderr if how == "accepted" else a.stderr.split(b"\n")[-3:]

        def ours(args=args, how=how):
            # What aws accepts would be done here: stop where it stops.
            p = subprocess.run(tool_argv(tool, home) + args +
                               (skeleton if how == "accepted" else []),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, check=False)
            err = p.stderr if how == "all" else \
                from_error(p.stderr, b"iampw-admin") if how == "error" else \
                p.stdout + p.stderr if how == "accepted" else \
                b"\n".join(p.stderr.split(b"\n")[-3:])
            return (0 if p.returncode == a.returncode else p.returncode), err, b""
        if how == "last":
            want = b"\n".join(want)
        shown = " ".join(args)
        if len(shown) > 160:
            shown = shown[:100] + "...(%d bytes)" % len(shown)
        out.append(("%s: exit %d and the AWS CLI's words" % (shown.replace("\n", "\\n")
                                                              .replace("\t", "\\t"),
                                                              a.returncode), want, ours))
    return out


def skeleton_tests(tool, home):
    """(description, want, got-function) for --generate-cli-skeleton output."""
    out = []
    for verb, op, extra, aws_ok in SKELETONS:
        if subprocess.run(tool_argv(tool, home) + [verb, "--help"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False).returncode != 0:
            continue    # a verb this build does not have yet

        def ours(fmt, verb=verb, extra=extra):
            p = subprocess.run(tool_argv(tool, home) + [verb, "--generate-cli-skeleton", "output",
                                "--output", fmt] + extra, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, check=False)
            return p.returncode, p.stdout, p.stderr
        out.append(("%s --generate-cli-skeleton output: the response botocore makes up" % verb,
                    aws_skeleton_model(op), lambda ours=ours: ours("json")))
        if aws_ok:
            # Dates are datetime objects there, printed differently outside
            # JSON (NOTES): those formats are compared where there are none.
            fmts = ["json"] + (["text", "table", "yaml"] if op == "GenerateCredentialReport"
                               or not aws_skeleton_model(op) else [])
            for fmt in fmts:
                rc, want = aws_skeleton_cli(verb, extra, fmt, home)
                if rc != 0:
                    want = b"aws failed with exit %d" % rc
                out.append(("%s --generate-cli-skeleton output --output %s: as aws prints it"
                            % (verb, fmt), want, lambda fmt=fmt, ours=ours: ours(fmt)))
    return out + bad_input_tests(tool, home)


def csv_itself(verb, fmt):
    return verb == "get-credential-report" and fmt == "text"


def main():
    driver = sys.argv[1]
    tool = sys.argv[2] if len(sys.argv) > 2 else None
    if not awscli.__version__.startswith("2."):
        print("Bail out! awscli %s is not the AWS CLI v2" % awscli.__version__)
        return 1
    # get-credential-report --output text is the CSV itself (§6.2), a
    # deliberate difference (NOTES) that the verb writes without the
    # printer: test_report.sh checks its bytes.
    tests = [(v, o, d, f, None, "off") for (v, o, d) in CASES for f in FORMATS
             if not csv_itself(v, f)]
    tests += [(v, o, d, f, q, "off") for (v, o, d, q) in QUERIES for f in FORMATS]
    # --color on: the AWS CLI colours tables (and only tables).
    tests += [(v, o, d, f, None, "on") for (v, o, d) in CASES[:4] + CASES[-3:]
              for f in ("table", "text") if not csv_itself(v, f)]
    skels = []
    home = tempfile.mkdtemp(prefix="awsfmt-home.")
    if tool is not None and os.geteuid() == 0:
        skels = skeleton_tests(tool, home)
    print("1..%d" % (len(tests) + max(len(skels), 1)))
    failed = 0
    for n, (verb, op, doc, fmt, query, color) in enumerate(tests, 1):
        rc, got, err = ours(driver, fmt, verb, op, doc, query, color)
        want = aws_render(fmt, op, doc, query, color)
        # A query that leaves out a generated password: it goes to stderr (§6).
        want_err = b""
        if query and isinstance(doc, dict) and "Password" in doc and \
                not contains(jmespath.search(query, doc), doc["Password"]):
            want_err = ("iampw-admin: --query left out the generated password, "
                        "which was set: %s\n" % doc["Password"]).encode("utf-8")
        desc = "%s --output %s%s%s: as the AWS CLI %s prints it" % (
            verb, fmt, " --query '%s'" % query if query else "",
            " --color on" if color == "on" else "", awscli.__version__)
        if rc == 0 and got == want and err == want_err:
            print("ok %d - %s" % (n, desc))
            continue
        failed += 1
        print("not ok %d - %s" % (n, desc))
        print("# exit %d, stderr %r" % (rc, err.decode("utf-8", "replace")))
        for line in difflib.unified_diff(
                want.decode("utf-8", "replace").splitlines(True),
                got.decode("utf-8", "replace").splitlines(True), "aws", "iampw-admin"):
            print("# " + line.rstrip("\n"))
    n = len(tests)
    if tool is None or os.geteuid() != 0:
        print("ok %d # SKIP --generate-cli-skeleton output: the tool runs only as root" % (n + 1))
    for desc, want, run in skels:
        n += 1
        rc, got, err = run()
        # Nothing here may have changed anything (the tool points at a temp dir).
        for f in ("policy.conf", "state"):
            if os.path.exists(os.path.join(home, f)):
                rc, err = 1, err + b"it wrote " + f.encode()
        if rc == 0 and got == want and not err:
            print("ok %d - %s" % (n, desc))
            continue
        failed += 1
        print("not ok %d - %s" % (n, desc))
        print("# exit %d, stderr %r" % (rc, err.decode("utf-8", "replace")))
        for line in difflib.unified_diff(
                want.decode("utf-8", "replace").splitlines(True),
                got.decode("utf-8", "replace").splitlines(True), "aws", "iampw-admin"):
            print("# " + line.rstrip("\n"))
    shutil.rmtree(home, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
