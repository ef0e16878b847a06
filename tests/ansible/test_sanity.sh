#!/bin/bash
# The iampw.fleet collection against Ansible's own checks, offline.
#
# `ansible-test sanity` (Debian 12's ansible-core 2.14) runs a test that has
# Python requirements (ansible-doc, validate-modules, pep8, yamllint,
# pylint, import, runtime-metadata, changelog) in a virtualenv that it
# fills from PyPI, and bootstraps pip by downloading get-pip.py: without a
# network those fail before they start.  So this runs:
#   - ansible-test sanity with every test that needs no download;
#   - the checkers of the others that Debian packages, with ansible-test's
#     own settings: its validate-modules script (python3-voluptuous), its
#     pep8 settings (pycodestyle), its yamllint wrapper (yamllint), and
#     ansible-doc of each module (the ansible-doc test's job);
# pylint and the import test are not run (they need PyPI's pinned pylint
# and ansible-test's import sandbox).
# The collection is copied to a scratch directory first: ansible-test
# writes tests/output/ inside the collection.

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"

src=$here/../../ansible/ansible_collections/iampw/fleet
MODULES="iampw_password_policy iampw_login_profile iampw_credential_report"
AT=/usr/lib/python3/dist-packages/ansible_test
PY=/usr/bin/python3

command -v ansible-test >/dev/null 2>&1 && command -v ansible-doc >/dev/null 2>&1 ||
	bail_out "ansible-test and ansible-doc are not installed (ansible-core, tools/deps.sh)"
[ -d "$AT/_util/controller/sanity" ] || bail_out "no ansible_test package at $AT"
$PY -c 'import voluptuous' 2>/dev/null || bail_out "python3-voluptuous is not installed (tools/deps.sh)"
for tool in pycodestyle yamllint; do
	command -v $tool >/dev/null 2>&1 || bail_out "$tool is not installed (tools/deps.sh)"
done

plan 8
tmp=$(mktemp -d) || bail_out mktemp
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/ansible_collections/iampw" &&
	cp -r "$src" "$tmp/ansible_collections/iampw/fleet" &&
	chmod -R u+w "$tmp/ansible_collections" || bail_out "cannot copy the collection"
coll=$tmp/ansible_collections/iampw/fleet
export HOME=$tmp/home ANSIBLE_COLLECTIONS_PATH=$tmp ANSIBLE_LOCAL_TEMP=$tmp/home/tmp

out=$tmp/out
(cd "$coll" && ansible-test sanity --python "$($PY -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
	--python-interpreter $PY --color no \
	--skip-test ansible-doc --skip-test changelog --skip-test import --skip-test pep8 \
	--skip-test pylint --skip-test runtime-metadata --skip-test validate-modules \
	--skip-test yamllint) >"$out" 2>&1
rc=$?
is "$rc $(grep -c '^Running sanity test' "$out")" "0 24" \
	"ansible-test sanity: the 24 tests that need no download pass (compile, shebang, boilerplate, no-*, ignores ...)" ||
	diag_file "$out"

V=$AT/_util/controller/sanity/validate-modules
(cd "$coll" && PYTHONPATH=$AT/_util/target/setup:$V $PY "$V/validate.py" --format json --arg-spec \
	--collection ansible_collections/iampw/fleet --collection-version 0.1.0 \
	plugins/modules/*.py) >"$out" 2>&1
# Only the license header is allowed, as tests/sanity/ignore-2.14.txt says.
left=$($PY - "$out" "$coll/tests/sanity/ignore-2.14.txt" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
ignored = set()
for line in open(sys.argv[2]):
    line = line.split('#')[0].split()
    if len(line) == 2 and line[1].startswith('validate-modules:'):
        ignored.add((line[0], line[1].split(':', 1)[1]))
for path, found in sorted(report.items()):
    for e in found['errors'] + found['traces']:
        if (path, e.get('code')) not in ignored:
            print('%s: %s: %s' % (path, e.get('code'), e.get('msg')))
EOF
)
rc=$?
is "$rc:$left" "0:" "validate-modules (ansible-test's script): no error beyond the ignore file's" ||
	diag_file "$out"

fail_unless "pep8: pycodestyle with ansible-test's settings (160 columns, its ignore list)" \
	pycodestyle --max-line-length 160 --ignore "$(paste -sd, "$AT/_util/controller/sanity/pep8/current-ignore.txt")" \
	"$coll/plugins"

(cd "$coll" && $PY "$AT/_util/controller/sanity/yamllint/yamllinter.py" plugins/modules/*.py \
	plugins/doc_fragments/*.py galaxy.yml meta/runtime.yml playbooks/*.yml tests/config.yml) >"$out" 2>&1
rc=$?
is "$rc $($PY -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["messages"]))' "$out" 2>&1)" "0 0" \
	"yamllint (ansible-test's wrapper): the YAML files and the documentation blocks" || diag_file "$out"

for m in $MODULES; do
	ansible-doc "iampw.fleet.$m" >"$out" 2>&1
	rc=$?
	is "$rc $(grep -c '^EXAMPLES:$\|^RETURN VALUES:$\|^OPTIONS' "$out")" "0 3" \
		"ansible-doc iampw.fleet.$m renders its options, examples and return values" || diag_file "$out"
done

fail_unless "ansible-doc -M (a plain module directory) renders iampw_password_policy's own options" \
	sh -c "ansible-doc -M '$coll/plugins/modules' iampw_password_policy | grep -q 'pw_reuse_prevent'"
done_testing
