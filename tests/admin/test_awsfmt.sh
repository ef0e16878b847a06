#!/bin/bash
# iampw-admin's --output json, text, table, yaml and yaml-stream against
# the AWS CLI v2's own formatters, byte for byte (SPEC §6, issue 14):
# tests/admin/awsfmt.py feeds the response shape of every verb, and
# documents that reach the corners of each format, to
# tests/admin/fmt_driver (output.c) and to awscli.formatter, with and
# without --query; and compares --generate-cli-skeleton output with what
# `aws iam VERB --generate-cli-skeleton output` prints (offline), as root.
#
# Needs Debian's awscli (2.x) under Debian's own python3: a PATH python3
# (pyenv, a venv) may carry the AWS CLI v1 or none.

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"

PY=/usr/bin/python3
builddir=$(cd "${top_builddir:-$here/../..}" && pwd) || bail_out "no build directory"
DRIVER=$builddir/tests/admin/fmt_driver
[ -x "$DRIVER" ] || bail_out "the driver is not built: $DRIVER"
"$PY" -c 'import awscli.formatter, sys; sys.exit(not awscli.__version__.startswith("2."))' 2>/dev/null ||
	bail_out "Debian's awscli 2.x is not installed (apt-get install awscli; tools/deps.sh)"
ADMIN=$builddir/iampw-admin/iampw-admin
[ -x "$ADMIN" ] || bail_out "the tool is not built: $ADMIN"
exec "$PY" "$here/awsfmt.py" "$DRIVER" "$ADMIN"
