#!/bin/bash
# The bash completion of iampw-admin (etc/bash-completion/iampw-admin):
# commands, each command's own flags, option values, and no --password.
#
# The completion asks the tool for its options (iampw-admin [COMMAND]
# --list-options), so the built tool is run, found on PATH as a user's
# shell would.  Each command's offered flags are also compared with the
# flags the tool really accepts for it: every flag the tool lists is
# tried on the command line, and only a command-line error (exit status
# 252) counts as "not accepted".  The tool is run with
# --generate-cli-skeleton (or, for check, on empty temporary paths), so it
# changes nothing whether or not the suite runs as root.

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"

srcdir=$(cd "${top_srcdir:-$here/../..}" && pwd) || exit 99
builddir=${top_builddir:-$here/../..}
completion=$srcdir/etc/bash-completion/iampw-admin
tool=$builddir/iampw-admin/iampw-admin

verbs=(get-account-password-policy update-account-password-policy
	delete-account-password-policy create-login-profile get-login-profile
	update-login-profile delete-login-profile generate-credential-report
	get-credential-report adopt-user get-user list-users update-user check
	create-virtual-mfa-device enable-mfa-device resync-mfa-device
	deactivate-mfa-device delete-virtual-mfa-device list-mfa-devices
	list-virtual-mfa-devices)

[ -r "$completion" ] || bail_out "$completion is missing"
[ -x "$tool" ] || bail_out "$tool is not built: the completion asks it for its options"
PATH=$(cd "$(dirname "$tool")" && pwd):$PATH
# shellcheck source=../../etc/bash-completion/iampw-admin
. "$completion" || bail_out "sourcing $completion failed"
complete -p iampw-admin >/dev/null 2>&1 || bail_out "no completion registered for iampw-admin"

plan $((25 + ${#verbs[@]}))

tmp=$(mktemp -d) || bail_out "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

# Complete the last argument, as a direct call (whole words, no COMP_LINE);
# the replies, sorted, one line.
comp() {
	unset COMP_LINE COMP_POINT
	COMP_WORDS=(iampw-admin "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_iampw_admin
	sorted "${COMPREPLY[@]}"
}

# The same, as bash calls it from readline: $1 is the line up to the
# cursor, the rest are COMP_WORDS as bash splits them at '=' and ':'.
comp_line() {
	COMP_LINE=$1
	COMP_POINT=${#1}
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_iampw_admin
	sorted "${COMPREPLY[@]}"
}

# The words of "$@", sorted, on one line.
sorted() {
	printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}

# Is word $1 among the words of $2?
has() {
	case " $2 " in *" $1 "*) return 0 ;; esac
	return 1
}

is "$(comp create-l)" "create-login-profile" "a command from its prefix"
is "$(comp get-)" "get-account-password-policy get-credential-report get-login-profile get-user" \
	"every command with a common prefix"
is "$(comp --output table get-l)" "get-login-profile" \
	"a command after a global option and its value"
is "$(comp '')" "$(sorted "${verbs[@]}")" \
	"all the commands, and nothing else, before a command"
is "$(comp get-login-profile --)" \
	"--cli-input-json --color --config --debug --generate-cli-skeleton --help --no-cli-pager --no-paginate --output --policy --query --state-dir --user-name --version" \
	"get-login-profile's flags and the global options"
is "$(comp --output '')" "json table text yaml yaml-stream" "--output's values"
is "$(comp --output y)" "yaml yaml-stream" "--output y: both YAML formats"
is "$(comp --output=t)" "--output=table --output=text" "--output=VALUE"
is "$(comp_line 'iampw-admin --output=te' iampw-admin --output = te)" "text" \
	"--output=VALUE as readline splits it"
is "$(comp --query '')" "" "--query: no value offered"
is "$(comp --color '')" "auto off on" "--color's values"
is "$(comp --query PasswordPolicy get-a)" "get-account-password-policy" \
	"a command after --query and its expression"
is "$(comp get-credential-report --generate-cli-skeleton '')" "input output" \
	"--generate-cli-skeleton's values"
is "$(comp check --against '')" "cis-debian-12 iam-default nist-800-63b-4" \
	"check --against's values: the standards"
is "$(comp check --against=n)" "--against=nist-800-63b-4" "--against=VALUE"
is "$(comp create-virtual-mfa-device --bootstrap-method '')" "Base32StringSeed QRCodePNG" \
	"--bootstrap-method's values"
is "$(comp list-virtual-mfa-devices --assignment-status '')" "Any Assigned Unassigned" \
	"--assignment-status's values"

all=""
for v in "${verbs[@]}"; do
	all="$all $(comp "$v" --)"
done
if has --password "$all"; then
	fail "--password is never offered"
	diag "offered somewhere: $all"
else
	pass "--password is never offered"
fi

out=$(comp update-login-profile --)
if has --no-password-reset-required "$out" && has --password-reset-required "$out"; then
	pass "update-login-profile offers --[no-]password-reset-required"
else
	fail "update-login-profile offers --[no-]password-reset-required"
	diag "got: $out"
fi

out=$(comp get-login-profile --)
if has --generate-password "$out" || has --password-stdin "$out"; then
	fail "get-login-profile offers no password source"
	diag "got: $out"
else
	pass "get-login-profile offers no password source"
fi

is "$(comp update-account-password-policy --require-symbols --user-name bob --no-require-s)" "" \
	"a flag given already excludes its --no- form"

out=$(comp adopt-user --user-name r)
if has root "$out"; then
	pass "--user-name offers local users"
else
	fail "--user-name offers local users"
	diag "got: $out"
fi

if ! { mkdir "$tmp/dir" && : >"$tmp/dir/policy.json" && : >"$tmp/dir/my policy.json"; }; then
	bail_out "cannot make test files in $tmp"
fi
is "$(comp update-account-password-policy --cli-input-json "file://$tmp/dir/")" \
	"file://$tmp/dir/my\\ policy.json file://$tmp/dir/policy.json" \
	"--cli-input-json offers file:// paths, quoted"

# ---------------------------------------------------------------------------
# Each command's offered flags against what the built tool accepts.

# Every option of the tool, with whether it takes a value (--password,
# refused by every command, is not listed, and tested above).
mapfile -t table < <("$tool" --list-options)
[ "${#table[@]}" -gt 20 ] || bail_out "cannot read the options of $tool --list-options"

# --list-options is ours, not the AWS CLI's: whole or not at all.
"$tool" --list-option >/dev/null 2>&1
is "$?" 252 "--list-options is never abbreviated (--list-option is unknown)"
if "$tool" --help | grep -q -e --list-options || has --list-options "${table[*]}"; then
	fail "--list-options is neither in --help nor in its own list"
else
	pass "--list-options is neither in --help nor in its own list"
fi

empty="--config $tmp/none.conf --policy $tmp/none.policy --state-dir $tmp/state"

# Does the tool take flag $2 (of kind $3) for command $1?
accepts() {
	local value='' extra=--generate-cli-skeleton rc

	[ "$3" = value ] && case $2 in
		--output) value=json ;;
		--query) value=@ ;;
		--color) value=auto ;;
		--user-name) value=nobody ;;
		--cli-input-json) value='{}' ;;
		--against) value=iam-default ;;
		--config | --policy) value=$tmp/none.conf ;;
		--state-dir) value=$tmp/state ;;
		--bootstrap-method) value=QRCodePNG ;;
		--assignment-status) value=Any ;;
		*) value=1 ;;
	esac
	[ "$1" = check ] && extra=
	# shellcheck disable=SC2086
	"$tool" $empty "$1" "$2" ${value:+"$value"} $extra </dev/null >/dev/null 2>&1
	rc=$?
	[ "$rc" -ne 252 ]
}

for v in "${verbs[@]}"; do
	want=()
	for row in "${table[@]}"; do
		read -r flag kind _ <<<"$row"
		[ "$flag" = --password ] && continue
		accepts "$v" "$flag" "$kind" && want+=("$flag")
	done
	is "$(comp "$v" --)" "$(sorted "${want[@]}")" "$v: the offered flags are the accepted ones"
done

done_testing
