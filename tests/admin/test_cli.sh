#!/bin/bash
# iampw-admin's command line (SPEC §6, §6.1, §7), the built tool against a
# temp directory given with --config/--policy/--state-dir:
#
#   get/update/delete-account-password-policy: AWS's JSON shape, field
#     order and types, absent (not null) unset fields, full-replace
#     semantics, IAM's ranges and ValidationError wording at both edges,
#     --output text and table, the policy.conf it writes, a broken
#     policy.conf (253 with file:line) and its repair;
#   --generate-cli-skeleton and --cli-input-json (file:// and inline;
#     unknown keys, wrong types, the command line overriding the JSON);
#   command-line errors (252, nothing written), --password refused without
#     echoing the value, --help/--version for anyone, every verb refused
#     to non-root callers (255) before anything is written;
#   get-login-profile's user checks on existing accounts, read-only (root,
#     a system account, a name that is no account).
#
# No account is created or changed: verbs that set or lock passwords are
# tested in the sandbox (test_profiles.sh).  Needs root (the tool refuses
# anyone else), and setpriv (util-linux) for the non-root cases.
#
# The tool is found under $top_builddir (exported by `make check`), else
# relative to this script (an in-tree build).

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"

TESTS=213

[ "$(id -u)" -eq 0 ] ||
	skip_all "needs root: iampw-admin runs only as real uid 0 (SPEC §6)"
for tool in python3 setpriv sha256sum; do
	command -v "$tool" >/dev/null 2>&1 || bail_out "$tool is not installed"
done
builddir=$(cd "${top_builddir:-$here/../..}" && pwd) || bail_out "no build directory"
ADMIN=$builddir/iampw-admin/iampw-admin
[ -x "$ADMIN" ] || bail_out "the tool is not built: $ADMIN"
JSONQ=$here/jsonq.py
[ -r "$JSONQ" ] || bail_out "missing $JSONQ"
getent passwd nobody >/dev/null && getent group nogroup >/dev/null ||
	bail_out "no nobody/nogroup account for the non-root cases"

# --------------------------------------------------------------------------
# The temp tree: root-owned, reachable by nobody (the non-root cases run
# the tool from here if the build tree is closed to them).

tmp=$(mktemp -d /tmp/iampw-cli.XXXXXX) || bail_out "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
chmod 0755 "$tmp"
etc=$tmp/etc            # iampw.conf and policy.conf, 0755
state=$tmp/state        # the profile store, 0700
work=$tmp/work          # our scratch files, 0700
open=$tmp/open          # 0777: where a non-root run could write, if it ran
mkdir -m 0755 "$etc" && mkdir -m 0700 "$state" "$work" && mkdir -m 0777 "$open" ||
	bail_out "cannot create the temp tree"
chmod 0777 "$open"
conf=$etc/iampw.conf
pol=$etc/policy.conf
out=$work/out
err=$work/err
cat >"$conf" <<-'EOF'
	[scope]
	min_uid = 1000
	max_uid = 60000
	[history]
	cost = 1
EOF
chmod 0644 "$conf"
host=$(uname -n)
TAB=$(printf '\t')

# The host's account files: nothing here may change them.
host_sum() {
	sha256sum /etc/passwd /etc/shadow /etc/group 2>&1
}
host_before=$(host_sum)

# --------------------------------------------------------------------------
# Running the tool.

# admin ARG...: the tool on the temp tree, stdin from /dev/null; the exit
# status in $rc, output in $out and $err.
admin() {
	"$ADMIN" --config "$conf" --policy "$pol" --state-dir "$state" "$@" \
		</dev/null >"$out" 2>"$err"
	rc=$?
}

# admin_bare ARG...: the tool with exactly these arguments.
admin_bare() {
	"$ADMIN" "$@" </dev/null >"$out" 2>"$err"
	rc=$?
}

# as_nobody ARG...: the tool as nobody (real and effective uid), no groups.
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
		"$NOBODY_ADMIN" "$@" </dev/null >"$out" 2>"$err"
	rc=$?
}

jq() {
	python3 "$JSONQ" "$@"
}

# tv PATH: "type value" of a field of the last output.
tv() {
	echo "$(jq type "$out" "$1") $(jq get "$out" "$1")"
}

pol_sum() {
	if [ -e "$pol" ]; then sha256sum "$pol" | cut -d' ' -f1; else echo absent; fi
}

show() {
	diag "exit status $rc; stdout:"
	diag_file "$out"
	diag "stderr:"
	diag_file "$err"
}

# check (tests/lib.sh) shows the outputs when a case fails.
check_diag() {
	show
}

# Conditions for check (and lib.sh's stdout_empty, stderr_empty).
# The AWS CLI's frame of an IAM error: an empty line, then the one line.
one_err_line() {
	[ "$(wc -l <"$err")" -eq 2 ] && [ -z "$(head -n 1 "$err")" ]
}
# The status is one of the given ones.
rc_in() {
	local r
	for r; do
		[ "$rc" = "$r" ] && return 0
	done
	return 1
}
# The table's title row (line 2) names OPERATION.
table_title() {
	sed -n 2p "$out" | grep -qE "^\| +$1 +\|\$"
}

# err_is TEXT: stderr is exactly TEXT and a newline.
err_is() {
	[ "$(cat "$err"; echo .)" = "$1
." ]
}
err_has() {
	grep -qF -- "$1" "$err"
}

# iam_error DESC RC NAME OP DETAIL: the AWS CLI error, exactly (an empty
# line, then the error line), and nothing on stdout.
iam_error() {
	want_err="
An error occurred ($3) when calling the $4 operation: $5"
	check "$1" rc_is "$2" --and stdout_empty --and err_is "$want_err"
}

ok_quiet() {
	check "$1" rc_is 0 --and stdout_empty --and stderr_empty
}

# usage_error DESC [PATTERN]: exit 252, nothing on stdout, "iampw-admin: error:"
# (or PATTERN) on stderr, policy.conf as it was ($sum).
usage_error() {
	want_pat=${2:-iampw-admin: error:}
	check "$1" rc_is 252 --and stdout_empty --and err_has "$want_pat" \
		--and test "$(pol_sum)" = "$sum"
}

update() {
	admin update-account-password-policy "$@"
}

get_policy() {
	admin get-account-password-policy "$@"
}

VMSG="1 validation error detected: Value"

# validation DESC VALUE FIELD BOUND: IAM's words for an out-of-range value.
validation() {
	local how="greater than or equal to"
	case $4 in
	'<='*) how="less than or equal to" ;;
	esac
	iam_error "$1" 254 ValidationError UpdateAccountPasswordPolicy \
		"$VMSG '$2' at '$3' failed to satisfy constraint: Member must have value $how ${4#<=}"
}

plan "$TESTS"
diag "tool: $ADMIN"

# --------------------------------------------------------------------------
# No custom policy.

get_policy
iam_error "get with no policy: NoSuchEntity, exit 254, nothing on stdout" 254 NoSuchEntity \
	GetAccountPasswordPolicy "The Password Policy with domain name $host cannot be found."
is "$(ls -A "$etc" | tr '\n' ' ')" "iampw.conf " "get wrote nothing"
get_policy --output text
check "get with no policy, --output text: still nothing on stdout" rc_is 254 --and stdout_empty
get_policy --output table
check "get with no policy, --output table: still nothing on stdout" rc_is 254 --and stdout_empty

# --------------------------------------------------------------------------
# Every flag, then get: AWS's shape, order and types.

update --minimum-password-length 14 --require-symbols --no-require-numbers \
	--require-uppercase-characters --no-require-lowercase-characters \
	--allow-users-to-change-password --max-password-age 90 \
	--password-reuse-prevention 5 --no-hard-expiry
ok_quiet "update with every flag: exit 0, prints nothing"
is "$(stat -c '%F %U:%G %a' "$pol" 2>&1)" "regular file root:root 644" \
	"policy.conf is a regular file, root:root 0644"
check "policy.conf has the 'Managed by iampw-admin' header comment" \
	grep -q "^#.*Managed by iampw-admin" "$pol" \
	--and test "$(head -c1 "$pol")" = "#"
is "$(ls -A "$etc" | tr '\n' ' ')" "iampw.conf policy.conf " "no temp file left beside policy.conf"
check "policy.conf holds the policy in snake_case under [policy]" \
	grep -qx "\[policy\]" "$pol" \
	--and grep -qx "minimum_password_length = 14" "$pol" \
	--and grep -qx "max_password_age = 90" "$pol" \
	--and grep -qx "password_reuse_prevention = 5" "$pol"

get_policy
check "get: exit 0, nothing on stderr, one JSON document" rc_is 0 --and stderr_empty \
	--and jq valid "$out"
is "$(jq keys "$out")" "PasswordPolicy" "get: the only top-level key is PasswordPolicy"
is "$(jq keys "$out" PasswordPolicy)" \
	"MinimumPasswordLength RequireSymbols RequireNumbers RequireUppercaseCharacters RequireLowercaseCharacters AllowUsersToChangePassword ExpirePasswords MaxPasswordAge PasswordReusePrevention HardExpiry" \
	"get: every field, in IAM's order"
for f in "MinimumPasswordLength int 14" "RequireSymbols bool true" "RequireNumbers bool false" \
	"RequireUppercaseCharacters bool true" "RequireLowercaseCharacters bool false" \
	"AllowUsersToChangePassword bool true" "ExpirePasswords bool true" \
	"MaxPasswordAge int 90" "PasswordReusePrevention int 5" "HardExpiry bool false"; do
	set -- $f
	is "$(tv "PasswordPolicy.$1")" "$2 $3" "get: $1 is the $2 $3"
done
check "JSON as the AWS CLI prints it: 4-space indent" \
	grep -q "^    \"PasswordPolicy\": {$" "$out" \
	--and grep -q "^        \"MinimumPasswordLength\": 14,$" "$out"

# --output text: the AWS text line, values in alphabetical key order.
get_policy --output text
is "$(cat "$out")" \
	"PASSWORDPOLICY${TAB}True${TAB}True${TAB}False${TAB}90${TAB}14${TAB}5${TAB}False${TAB}False${TAB}True${TAB}True" \
	"--output text: PASSWORDPOLICY and the values in alphabetical key order, True/False"
check "--output text: exit 0, nothing on stderr" rc_is 0 --and stderr_empty

# --output table.
get_policy --output table
check "--output table: exit 0, nothing on stderr, the title row names GetAccountPasswordPolicy" \
	rc_is 0 --and stderr_empty \
	--and table_title GetAccountPasswordPolicy \
	--and test "$(head -n1 "$out" | tr -d -- -)" = ""
check "--output table: a PasswordPolicy section" \
	grep -qE "^\|\| +PasswordPolicy +\|\|$" "$out"
missing=""
for f in "MinimumPasswordLength 14" "RequireSymbols True" "RequireNumbers False" \
	"RequireUppercaseCharacters True" "RequireLowercaseCharacters False" \
	"AllowUsersToChangePassword True" "ExpirePasswords True" "MaxPasswordAge 90" \
	"PasswordReusePrevention 5" "HardExpiry False"; do
	set -- $f
	[ "$(grep -cE "^\|\|  $1 +\|  $2 +\|\|$" "$out")" -eq 1 ] || missing="$missing $1"
done
is "$missing" "" "--output table: each key on its own row with its value"
is "$(awk '{ print length($0) }' "$out" | sort -u | wc -l)" 1 "--output table: every line has the same width"

# --------------------------------------------------------------------------
# Full replace: an update sets every field, omitted ones to IAM's defaults.

update --minimum-password-length 20 --require-symbols --require-numbers \
	--require-uppercase-characters --require-lowercase-characters \
	--allow-users-to-change-password --max-password-age 30 \
	--password-reuse-prevention 24 --hard-expiry
ok_quiet "update setting everything: exit 0"
get_policy
is "$(jq get "$out" PasswordPolicy | tr -d '\n')" \
	'{"MinimumPasswordLength":20,"RequireSymbols":true,"RequireNumbers":true,"RequireUppercaseCharacters":true,"RequireLowercaseCharacters":true,"AllowUsersToChangePassword":true,"ExpirePasswords":true,"MaxPasswordAge":30,"PasswordReusePrevention":24,"HardExpiry":true}' \
	"get: everything set as asked"
update --minimum-password-length 10
ok_quiet "update with only --minimum-password-length 10: exit 0"
get_policy
is "$(jq keys "$out" PasswordPolicy)" \
	"MinimumPasswordLength RequireSymbols RequireNumbers RequireUppercaseCharacters RequireLowercaseCharacters AllowUsersToChangePassword ExpirePasswords HardExpiry" \
	"full replace: MaxPasswordAge and PasswordReusePrevention are gone"
is "$(tv PasswordPolicy.MaxPasswordAge) $(tv PasswordPolicy.PasswordReusePrevention)" \
	"<absent> <absent> <absent> <absent>" "full replace: unset fields are absent, not null"
is "$(jq get "$out" PasswordPolicy | tr -d '\n')" \
	'{"MinimumPasswordLength":10,"RequireSymbols":false,"RequireNumbers":false,"RequireUppercaseCharacters":false,"RequireLowercaseCharacters":false,"AllowUsersToChangePassword":false,"ExpirePasswords":false,"HardExpiry":false}' \
	"full replace: every other field back to false, ExpirePasswords false"
check "policy.conf no longer sets max_password_age or password_reuse_prevention" \
	! grep -q "^max_password_age" "$pol" --and ! grep -q "^password_reuse_prevention" "$pol"
update
ok_quiet "update with no flag at all: exit 0"
get_policy
is "$(tv PasswordPolicy.MinimumPasswordLength) $(jq keys "$out" PasswordPolicy | wc -w)" "int 6 8" \
	"update with no flag: MinimumPasswordLength 6 (IAM's default), 8 fields"

# --------------------------------------------------------------------------
# IAM's ranges, at both edges.

# accepted DESC FLAG VALUE FIELD
accepted() {
	update "$2" "$3"
	if [ "$rc" -ne 0 ]; then
		fail "$1"
		show
		return
	fi
	get_policy
	is "$(tv "PasswordPolicy.$4")" "int $3" "$1"
}
accepted "--minimum-password-length 6 accepted" --minimum-password-length 6 MinimumPasswordLength
accepted "--minimum-password-length 128 accepted" --minimum-password-length 128 MinimumPasswordLength
accepted "--max-password-age 1 accepted" --max-password-age 1 MaxPasswordAge
is "$(tv PasswordPolicy.ExpirePasswords)" "bool true" "MaxPasswordAge 1: ExpirePasswords true"
accepted "--max-password-age 1095 accepted" --max-password-age 1095 MaxPasswordAge
accepted "--password-reuse-prevention 1 accepted" --password-reuse-prevention 1 PasswordReusePrevention
accepted "--password-reuse-prevention 24 accepted" --password-reuse-prevention 24 PasswordReusePrevention

sum=$(pol_sum)
# refused FLAG VALUE FIELD BOUND
refused() {
	update "$1" "$2"
	validation "$1 $2: ValidationError in IAM's words, exit 254" "$2" "$3" "$4"
	is "$(pol_sum)" "$sum" "$1 $2: policy.conf unchanged"
}
# Under a minimum of IAM's model, the AWS CLI refuses the value itself,
# before any request (exit 252); over a maximum, IAM does (254).
# below FLAG VALUE FIELD MIN
below() {
	update "$1" "$2"
	check "$1 $2: the AWS CLI's Parameter validation failed, exit 252" rc_is 252 \
		--and stdout_empty --and err_is "
Parameter validation failed:
Invalid value for parameter $3, value: $2, valid min value: $4"
	is "$(pol_sum)" "$sum" "$1 $2: policy.conf unchanged"
}
below --minimum-password-length 5 MinimumPasswordLength 6
refused --minimum-password-length 129 minimumPasswordLength '<=128'
below --minimum-password-length -1 MinimumPasswordLength 6
below --max-password-age 0 MaxPasswordAge 1
refused --max-password-age 1096 maxPasswordAge '<=1095'
below --password-reuse-prevention 0 PasswordReusePrevention 1
refused --password-reuse-prevention 25 passwordReusePrevention '<=24'
below --password-reuse-prevention -1 PasswordReusePrevention 1
update --minimum-password-length 5 --max-password-age 0 --password-reuse-prevention 0
check "every value under a minimum is listed, in the model's order" rc_is 252 --and err_is "
Parameter validation failed:
Invalid value for parameter MinimumPasswordLength, value: 5, valid min value: 6
Invalid value for parameter MaxPasswordAge, value: 0, valid min value: 1
Invalid value for parameter PasswordReusePrevention, value: 0, valid min value: 1"
update --minimum-password-length 12 --max-password-age 1096
validation "a valid field beside an invalid one: still refused" 1096 maxPasswordAge '<=1095'
is "$(pol_sum)" "$sum" "a valid field beside an invalid one: policy.conf unchanged"

update --minimum-password-length abc
usage_error "--minimum-password-length abc: command-line error, exit 252" "invalid int value"
update --max-password-age 1.5
usage_error "--max-password-age 1.5: exit 252" "invalid int value"
update --password-reuse-prevention ""
usage_error "--password-reuse-prevention '': exit 252" "invalid int value"
update --max-password-age
usage_error "--max-password-age without a value: exit 252" "expected one argument"

# --------------------------------------------------------------------------
# Conflicting flags: a command-line error, nothing written.

for f in symbols numbers uppercase-characters lowercase-characters \
	allow-users-to-change-password; do
	case $f in allow-*) flag=$f ;; *) flag=require-$f ;; esac
	update "--$flag" "--no-$flag"
	usage_error "--$flag --no-$flag: exit 252, nothing written" "not allowed with"
done
update --no-hard-expiry --minimum-password-length 8 --hard-expiry
usage_error "--no-hard-expiry ... --hard-expiry: exit 252, nothing written" "not allowed with"
update --require-symbols --require-symbols
ok_quiet "the same flag twice is no conflict"
get_policy
is "$(tv PasswordPolicy.RequireSymbols)" "bool true" "... and sets it"
sum=$(pol_sum)

# --------------------------------------------------------------------------
# --generate-cli-skeleton.

admin update-account-password-policy --generate-cli-skeleton
check "update-account-password-policy --generate-cli-skeleton: exit 0, one JSON document" \
	rc_is 0 --and stderr_empty --and jq valid "$out"
is "$(jq keys "$out" | tr ' ' '\n' | sort | tr '\n' ' ')" \
	"AllowUsersToChangePassword HardExpiry MaxPasswordAge MinimumPasswordLength PasswordReusePrevention RequireLowercaseCharacters RequireNumbers RequireSymbols RequireUppercaseCharacters " \
	"the skeleton holds IAM's UpdateAccountPasswordPolicy request fields, and no other"
types=""
for f in MinimumPasswordLength MaxPasswordAge PasswordReusePrevention; do
	types="$types $(jq type "$out" "$f")"
done
for f in RequireSymbols RequireNumbers RequireUppercaseCharacters RequireLowercaseCharacters \
	AllowUsersToChangePassword HardExpiry; do
	types="$types $(jq type "$out" "$f")"
done
is "$types" " int int int bool bool bool bool bool bool" "skeleton: integers are ints, flags are bools"
cp "$out" "$work/skeleton.json"
is "$(pol_sum)" "$sum" "--generate-cli-skeleton wrote nothing"

admin create-login-profile --generate-cli-skeleton
check "create-login-profile --generate-cli-skeleton: exit 0, one JSON document" \
	rc_is 0 --and stderr_empty --and jq valid "$out"
is "$(jq keys "$out" | tr ' ' '\n' | sort | tr '\n' ' ')" "Password PasswordResetRequired UserName " \
	"the skeleton holds IAM's CreateLoginProfile request fields"
is "$(jq type "$out" UserName) $(jq type "$out" Password) $(jq type "$out" PasswordResetRequired)" \
	"str str bool" "skeleton: UserName and Password strings, PasswordResetRequired a bool"
admin create-login-profile --generate-cli-skeleton input
check "--generate-cli-skeleton input: the same skeleton" rc_is 0 \
	--and test "$(jq keys "$out")" = "UserName Password PasswordResetRequired"
admin get-login-profile --generate-cli-skeleton
is "$(jq keys "$out")" "UserName" "get-login-profile --generate-cli-skeleton: UserName only"
admin create-login-profile --generate-cli-skeleton bogus
usage_error "--generate-cli-skeleton bogus: exit 252" "bogus"
admin create-login-profile --generate-cli-skeleton=bogus
usage_error "--generate-cli-skeleton=bogus: exit 252" "Invalid choice"

# --------------------------------------------------------------------------
# --cli-input-json.

python3 - "$work/skeleton.json" "$work/policy.json" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))
	d.update(MinimumPasswordLength=17, RequireSymbols=True, RequireNumbers=False,
	         RequireUppercaseCharacters=True, RequireLowercaseCharacters=False,
	         AllowUsersToChangePassword=True, MaxPasswordAge=45,
	         PasswordReusePrevention=7, HardExpiry=True)
	json.dump(d, open(sys.argv[2], "w"), indent=2)
EOF
update --cli-input-json "file://$work/policy.json"
ok_quiet "the skeleton, filled in, applied with --cli-input-json file://: exit 0"
get_policy
check "get returns exactly what the file asked for (values and types), ExpirePasswords true" \
	rc_is 0 \
	--and python3 -c "
import json, sys
want = json.load(open(sys.argv[1])); got = json.load(open(sys.argv[2]))[\"PasswordPolicy\"]
want[\"ExpirePasswords\"] = True
sys.exit(0 if want == got and all(type(want[k]) is type(got[k]) for k in want) else 1)
" "$work/policy.json" "$out"

update --cli-input-json '{"MinimumPasswordLength": 9, "RequireNumbers": true}'
ok_quiet "inline --cli-input-json: exit 0"
get_policy
is "$(jq get "$out" PasswordPolicy | tr -d '\n')" \
	'{"MinimumPasswordLength":9,"RequireSymbols":false,"RequireNumbers":true,"RequireUppercaseCharacters":false,"RequireLowercaseCharacters":false,"AllowUsersToChangePassword":false,"ExpirePasswords":false,"HardExpiry":false}' \
	"inline JSON: a full replace with the JSON's fields"
sum=$(pol_sum)

update --cli-input-json '{"MinimumPasswordLength": 14, "MinimumLength": 3}'
usage_error "--cli-input-json with an unknown key: exit 252, nothing written" 'Unknown parameter in input: "MinimumLength"'
update --cli-input-json '{"MinimumPasswordLength": "14"}'
usage_error "--cli-input-json with a string for an integer: exit 252" "Invalid type for parameter MinimumPasswordLength"
check "... in botocore's words" err_is "
Parameter validation failed:
Invalid type for parameter MinimumPasswordLength, value: 14, type: <class 'str'>, valid types: <class 'int'>"
update --cli-input-json '{"RequireSymbols": "true"}'
usage_error "--cli-input-json with a string for a boolean: exit 252" "Invalid type for parameter RequireSymbols"
update --cli-input-json '{"RequireSymbols": 1}'
usage_error "--cli-input-json with a number for a boolean: exit 252" "Invalid type for parameter RequireSymbols"
update --cli-input-json '{"MinimumPasswordLength": 14,'
usage_error "--cli-input-json that is not JSON: exit 252" "Invalid JSON"
check "... in the AWS CLI's words" err_is "
Error parsing parameter 'cli-input-json': Invalid JSON received."
admin get-login-profile --cli-input-json '{}'
check "--cli-input-json without a required field: the model's words, exit 252" rc_is 252 \
	--and err_is "
Parameter validation failed:
Missing required parameter in input: \"UserName\""
admin get-login-profile --user-name ''
check "an empty --user-name: under the model's minimum length, exit 252" rc_is 252 \
	--and err_is "
Parameter validation failed:
Invalid length for parameter UserName, value: 0, valid min length: 1"
update --cli-input-json '[1, 2]'
usage_error "--cli-input-json that is not an object: exit 252" \
	"Error parsing parameter '--cli-input-json': Invalid type: expecting map, received <class 'list'>"
update --cli-input-json "file://$work/no-such-file.json"
usage_error "--cli-input-json file:// of a missing file: exit 252" "no-such-file.json"
# A FIFO is refused at once, never waited on (SPEC §6): no writer will come.
mkfifo -m 0600 "$work/input.fifo"
t0=$(date +%s)
timeout 10 "$ADMIN" --config "$conf" --policy "$pol" --state-dir "$state" \
	update-account-password-policy --cli-input-json "file://$work/input.fifo" \
	</dev/null >"$out" 2>"$err"
rc=$?
t1=$(date +%s)
usage_error "--cli-input-json file:// of a FIFO: exit 252 at once ($((t1 - t0)) s), not a regular file" "is not a regular file"
rm -f "$work/input.fifo"
# The limit is 64 KiB exactly: a file of 65,536 bytes is read, one more is refused.
python3 -c 'import sys; b = "{\"MinimumPasswordLength\": 13"; n = int(sys.argv[1]); sys.stdout.write(b + " " * (n - len(b) - 1) + "}")' 65536 >"$work/64k.json"
python3 -c 'import sys; b = "{\"MinimumPasswordLength\": 13"; n = int(sys.argv[1]); sys.stdout.write(b + " " * (n - len(b) - 1) + "}")' 65537 >"$work/64k1.json"
update --cli-input-json "file://$work/64k1.json"
usage_error "--cli-input-json file:// of 65,537 bytes: exit 252" "larger than 64 KiB"
update --cli-input-json "file://$work/64k.json"
ok_quiet "--cli-input-json file:// of exactly 65,536 bytes: exit 0"
# A configuration directory made by iampw-admin is 0755 whatever its umask
# (SPEC §3): with 077 it was 0700, shutting every non-root PAM caller out.
( umask 077; "$ADMIN" --config "$conf" --policy "$tmp/newetc/policy.conf" --state-dir "$state" \
	update-account-password-policy --minimum-password-length 10 </dev/null >"$out" 2>"$err" )
rc=$?
check "umask 077: the missing configuration directory is made 0755 root, policy.conf 0644" \
	rc_is 0 --and test "$(stat -c "%a %u" "$tmp/newetc")" = "755 0" \
	--and test "$(stat -c "%a %u" "$tmp/newetc/policy.conf")" = "644 0"
rm -rf "$tmp/newetc"
sum=$(pol_sum)
update --cli-input-json '{"MaxPasswordAge": 1096}'
validation "--cli-input-json out of range: ValidationError, exit 254" 1096 maxPasswordAge '<=1095'
is "$(pol_sum)" "$sum" "... and nothing written"
# Beyond 64 bits json-c saturates: the value is quoted as written
# (tests/admin/awsfmt.py compares the client-side checks with the AWS CLI).
for big in 9223372036854775808 18446744073709551616 99999999999999999999; do
	update --cli-input-json "{\"MaxPasswordAge\": $big}"
	validation "--cli-input-json MaxPasswordAge $big: ValidationError quoting it as written" \
		"$big" maxPasswordAge '<=1095'
done
update --cli-input-json '{"PasswordReusePrevention": 9223372036854775807, "MinimumPasswordLength": 340282366920938463463374607431768211456}'
iam_error "two values at and beyond 64 bits: both quoted as written, in IAM's order" 254 \
	ValidationError UpdateAccountPasswordPolicy \
	"2 validation errors detected: Value '340282366920938463463374607431768211456' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value less than or equal to 128; Value '9223372036854775807' at 'passwordReusePrevention' failed to satisfy constraint: Member must have value less than or equal to 24"
update --cli-input-json "{\"MaxPasswordAge\": 1$(printf '%070d' 0)}"
validation "--cli-input-json MaxPasswordAge of 71 digits: quoted cut at 61, marked" \
	"1$(printf '%060d' 0)..." maxPasswordAge '<=1095'
is "$(pol_sum)" "$sum" "... and nothing written"
# Where the text cannot be read back (libyaml refuses a surrogate pair;
# a Password is never read twice), refused rather than quoted wrong.
update --cli-input-json '{"MaxPasswordAge": 99999999999999999999, "X": "\ud83d\ude00"}'
usage_error "--cli-input-json beyond 64 bits that cannot be read back: exit 252, never quoted cut" \
	"Invalid value for parameter MaxPasswordAge: an integer at or beyond the 64-bit limit that cannot be read back as written"
check "... and the cut value is not quoted" ! err_has 18446744073709551615
big_secret='Big+Int+Sekr3t'
printf '{"UserName": "nobody", "Password": "%s", "PasswordResetRequired": 99999999999999999999}' \
	"$big_secret" >"$work/big.json"
admin create-login-profile --cli-input-json "file://$work/big.json"
check "a file with a Password and an integer beyond 64 bits: exit 252, refused, nothing created" \
	rc_is 252 --and stdout_empty \
	--and err_has "Invalid value for parameter PasswordResetRequired: an integer at or beyond" \
	--and ! grep -qF -- "$big_secret" "$out" "$err" --and test "$(ls -A "$state")" = ""

update --cli-input-json '{"MinimumPasswordLength": 14, "RequireSymbols": true, "MaxPasswordAge": 60}' \
	--minimum-password-length 20 --no-require-symbols
ok_quiet "command-line flags beside --cli-input-json: exit 0"
get_policy
is "$(tv PasswordPolicy.MinimumPasswordLength) $(tv PasswordPolicy.RequireSymbols) $(tv PasswordPolicy.MaxPasswordAge)" \
	"int 20 bool false int 60" "the command line overrides the JSON; the JSON's other fields apply"

# --------------------------------------------------------------------------
# Delete.

admin delete-account-password-policy
ok_quiet "delete-account-password-policy: exit 0, prints nothing"
is "$(ls -A "$etc" | tr '\n' ' ')" "iampw.conf " "policy.conf removed, nothing left behind"
get_policy
iam_error "get after delete: NoSuchEntity" 254 NoSuchEntity GetAccountPasswordPolicy \
	"The Password Policy with domain name $host cannot be found."
admin delete-account-password-policy
iam_error "delete again: NoSuchEntity, exit 254" 254 NoSuchEntity DeleteAccountPasswordPolicy \
	"The account policy with name PasswordPolicy cannot be found."

printf '# no [policy] section: no custom policy\n' >"$pol"
chmod 0644 "$pol"
sum=$(pol_sum)
get_policy
iam_error "a policy.conf without [policy]: get says NoSuchEntity" 254 NoSuchEntity \
	GetAccountPasswordPolicy "The Password Policy with domain name $host cannot be found."
admin delete-account-password-policy
iam_error "a policy.conf without [policy]: delete says NoSuchEntity" 254 NoSuchEntity \
	DeleteAccountPasswordPolicy "The account policy with name PasswordPolicy cannot be found."
is "$(pol_sum)" "$sum" "... and leaves the file alone"
rm -f "$pol"

# --------------------------------------------------------------------------
# A broken policy.conf: 253 with file:line, never a silent default; an
# update or a delete repairs it.

broken() {
	printf '# written by hand\n[policy]\nmax_password_age = 010\n' >"$pol"
	chmod 0644 "$pol"
}
broken
get_policy
check "broken policy.conf (max_password_age = 010): get exits 253 with file:line on stderr" \
	rc_is 253 --and stdout_empty --and err_has "$pol:3:" --and err_has max_password_age
update --minimum-password-length 11
ok_quiet "update over the broken file: exit 0"
get_policy
check "get after the repair: exit 0, the new policy" rc_is 0 \
	--and test "$(tv PasswordPolicy.MinimumPasswordLength)" = "int 11"
check "the repaired file carries the header again" grep -q "Managed by iampw-admin" "$pol"
broken
admin delete-account-password-policy
check "delete over a broken file: exit 0, the file is gone" rc_is 0 --and test ! -e "$pol"
printf '[policy]\nminimum_password_length = 10\n' >"$pol"
chmod 0666 "$pol"
get_policy
check "policy.conf writable by others: get exits 253 with the file named" \
	rc_is 253 --and stdout_empty --and err_has "$pol"
rm -f "$pol"

# --------------------------------------------------------------------------
# Passwords never come from the command line.

SECRET='Sekr3t+Never+Shown'
sum=$(pol_sum)
# refused_password DESC ARG...
refused_password() {
	local desc=$1
	shift
	admin "$@"
	check "$desc" rc_is 252 --and stdout_empty \
		--and err_has --generate-password --and err_has --password-stdin --and err_has --cli-input-json \
		--and ! grep -qF -- "$SECRET" "$out" "$err" --and test "$(ls -A "$state")" = ""
}
refused_password "create-login-profile --password VALUE: exit 252, names the other ways, never echoes the value" \
	create-login-profile --user-name nobody --password "$SECRET"
refused_password "create-login-profile --password=VALUE: exit 252, never echoes the value" \
	create-login-profile --user-name nobody "--password=$SECRET"
refused_password "update-login-profile --password VALUE before --user-name: exit 252" \
	update-login-profile --password "$SECRET" --user-name nobody
refused_password "--password=VALUE before the verb: exit 252" \
	"--password=$SECRET" update-login-profile --user-name nobody
admin create-login-profile --cli-input-json "{\"UserName\": \"nobody\", \"Password\": \"$SECRET\"}"
check "a Password in inline --cli-input-json (argv): exit 252, only file:// may carry one, value not echoed" \
	rc_is 252 --and stdout_empty --and err_has "file://" --and ! grep -qF -- "$SECRET" "$out" "$err" \
	--and test "$(ls -A "$state")" = ""
admin create-login-profile --user-name nobody "--passwd=$SECRET"
check "a mistyped --passwd=VALUE: exit 252, the value not echoed" rc_is 252 \
	--and stdout_empty --and ! grep -qF -- "$SECRET" "$out" "$err"

# --------------------------------------------------------------------------
# Other command-line errors.

admin get-account-password-policy --bogus-flag
usage_error "an unknown flag: exit 252" "--bogus-flag"
check "... in the AWS CLI's frame: Unknown options: --bogus-flag" err_is "
usage: iampw-admin [options] <command> [parameters]
To see help text, you can run:

  iampw-admin --help
  iampw-admin <command> --help

Unknown options: --bogus-flag
"
admin get-login-profile --user-name x --bogus=s3cret extra --all
usage_error "several unknown options, another command's flag: all listed, no value after =" \
	"Unknown options: --bogus, extra, --all"
check "... and the value after = is not echoed" ! err_has s3cret
admin --output xml get-account-password-policy
check "--output xml: the AWS CLI's list of choices, two a line" rc_is 252 \
	--and test "$(tail -n 6 "$err")" = "iampw-admin: error: argument --output: Invalid choice, valid choices are:

json                                     | text                                    
table                                    | yaml                                    
yaml-stream                             "
admin get-login-profile --generate-cli-skeleton output
usage_error "--generate-cli-skeleton output checks the required parameters, as aws: exit 252" \
	"iampw-admin: error: the following arguments are required: --user-name"
admin get-login-profile --generate-cli-skeleton
check "... an input skeleton needs none" rc_is 0 --and grep -q "\"UserName\": \"\"" "$out"

# Unambiguous abbreviations of long options, as the AWS CLI's argparse takes them.
admin get-account-password-policy --generate-cli-skeleton output --out text \
	--quer 'PasswordPolicy.[MinimumPasswordLength, RequireSymbols]'
check "--out text --quer EXPR: abbreviations of --output and --query" rc_is 0 \
	--and stderr_empty --and test "$(cat "$out")" = "0${TAB}True"
admin create-login-profile --user-name nobody --passw=s3cret
check "--passw=...: ambiguous among the command's options, exit 252, value not echoed" \
	rc_is 252 --and stdout_empty \
	--and err_has "iampw-admin: error: ambiguous option: --passw could match --password-reset-required, --password-stdin, --password" \
	--and ! err_has s3cret
admin --color sometimes get-account-password-policy
usage_error "--color sometimes: exit 252" "argument --color: Invalid choice"
admin --debug --no-cli-pager --no-paginate --color off get-account-password-policy --output text
check "--debug --no-cli-pager --no-paginate --color off: accepted (policy or NoSuchEntity)" \
	rc_in 0 254 --and ! err_has "Unknown options"
admin frobnicate-account
usage_error "an unknown verb: exit 252" "iampw-admin: error: argument command: Invalid choice, valid choices are:"
admin
usage_error "no verb: exit 252"
admin get-account-password-policy stray
usage_error "a stray positional argument: exit 252" "stray"
for v in get-login-profile create-login-profile update-login-profile delete-login-profile; do
	admin "$v"
	usage_error "$v without --user-name: exit 252" "--user-name"
done
admin adopt-user
usage_error "adopt-user with neither --user-name nor --all: exit 252"
admin adopt-user --all --user-name nobody
usage_error "adopt-user with both --all and --user-name: exit 252"
admin get-login-profile --user-name nobody --generate-password
usage_error "get-login-profile --generate-password (another verb's flag): exit 252" "--generate-password"
admin get-account-password-policy --minimum-password-length 8
usage_error "get-account-password-policy --minimum-password-length: exit 252" "--minimum-password-length"
admin update-login-profile --user-name nobody --all
usage_error "update-login-profile --all: exit 252" "--all"
admin create-login-profile --user-name nobody --generate-password --password-stdin
usage_error "--generate-password with --password-stdin: exit 252"
admin create-login-profile --user-name nobody --password-reset-required --no-password-reset-required
usage_error "--password-reset-required --no-password-reset-required: exit 252" "not allowed with"
admin --output xml get-account-password-policy
usage_error "--output xml: exit 252" "--output"
admin get-account-password-policy --require-symbols=yes
usage_error "a value given to a flag that takes none: exit 252"
check "no command-line error wrote anything" test "$(ls -A "$state")" = "" \
	--and test "$(ls -A "$etc" | tr "\n" " ")" = "iampw.conf "

# --------------------------------------------------------------------------
# Global options anywhere, as in the AWS CLI.

update --minimum-password-length 15
admin_bare get-account-password-policy --output text --policy "$pol" --config "$conf" --state-dir "$state"
check "global options after the verb: accepted" rc_is 0 --and stderr_empty \
	--and test "$(cut -f5 "$out")" = 15
admin_bare --policy "$pol" get-account-password-policy --config "$conf" --output=json
check "global options before and after the verb, --output=json form" rc_is 0 \
	--and test "$(tv PasswordPolicy.MinimumPasswordLength)" = "int 15"
admin_bare update-account-password-policy --minimum-password-length 16 --policy "$pol" --config "$conf"
check "--policy after update's own flags: it writes there" rc_is 0 \
	--and grep -qx "minimum_password_length = 16" "$pol"

# --------------------------------------------------------------------------
# --output yaml and yaml-stream, and AWS_DEFAULT_OUTPUT (--output wins), as
# in the AWS CLI.  The exact bytes of every format: test_awsfmt.sh.

get_policy --output yaml
check "--output yaml: exit 0, the policy as a YAML mapping, keys sorted" rc_is 0 \
	--and stderr_empty --and test "$(head -n 3 "$out")" = "PasswordPolicy:
  AllowUsersToChangePassword: false
  ExpirePasswords: false" \
	--and grep -qx "  MinimumPasswordLength: 16" "$out"
get_policy --output yaml-stream
check "--output yaml-stream: the response as the one item of a YAML sequence" rc_is 0 \
	--and stderr_empty --and test "$(head -n 2 "$out")" = "- PasswordPolicy:
    AllowUsersToChangePassword: false"
AWS_DEFAULT_OUTPUT=text get_policy
check "AWS_DEFAULT_OUTPUT=text without --output: text" rc_is 0 --and stderr_empty \
	--and test "$(cut -f1 "$out")" = PASSWORDPOLICY
AWS_DEFAULT_OUTPUT=text get_policy --output json
check "AWS_DEFAULT_OUTPUT=text with --output json: --output wins" rc_is 0 \
	--and test "$(tv PasswordPolicy.MinimumPasswordLength)" = "int 16"
sum=$(pol_sum)
AWS_DEFAULT_OUTPUT=xml update --minimum-password-length 17
check "AWS_DEFAULT_OUTPUT=xml: the AWS CLI's words, exit 255, nothing changed" rc_is 255 \
	--and stdout_empty --and test "$(cat "$err")" = "
Unknown output type: xml" --and test "$(pol_sum)" = "$sum"
AWS_DEFAULT_OUTPUT=xml get_policy --output json
check "AWS_DEFAULT_OUTPUT=xml with --output json: not read" rc_is 0 --and stderr_empty

# --query, evaluated by jp (test_awsfmt.sh compares the results and their
# formats with the AWS CLI's own).
get_policy --query PasswordPolicy.MinimumPasswordLength --output text
check "--query PasswordPolicy.MinimumPasswordLength --output text: 16" rc_is 0 \
	--and stderr_empty --and test "$(cat "$out")" = 16
admin --query 'PasswordPolicy.[MinimumPasswordLength, RequireSymbols]' --output json \
	get-account-password-policy
check "--query before the command, a multiselect list, JSON" rc_is 0 --and stderr_empty \
	--and test "$(tr -d " \n" <"$out")" = "[16,false]"
sum=$(pol_sum)
update --minimum-password-length 18 --query 'bad['
check "--query with a syntax error: the AWS CLI's words, exit 252, nothing changed" \
	rc_is 252 --and stdout_empty --and test "$(pol_sum)" = "$sum" \
	--and test "$(head -n 2 "$err")" = "
Bad value for --query bad[: Invalid jmespath expression: Expected tStar, received: tEOF:" \
	--and test "$(sed -n 3,4p "$err")" = "\"bad[\"
     ^"
get_policy --query 'length(PasswordPolicy.HardExpiry)'
check "--query failing on the response: exit 255, an empty line then jp's words" \
	rc_is 255 --and stdout_empty --and test -z "$(head -n 1 "$err")" \
	--and err_has "Invalid type for: false"
update --minimum-password-length 16 --query 'PasswordPolicy'
check "--query on a command without output: null, as the AWS CLI prints it" rc_is 0 \
	--and stderr_empty --and test "$(cat "$out")" = null
get_policy --query 'NoSuchField'
check "--query selecting nothing: null, as the AWS CLI prints it" rc_is 0 \
	--and stderr_empty --and test "$(cat "$out")" = null
IAMPW_ADMIN_JP=$work/no-jp update --minimum-password-length 18 --query 'PasswordPolicy'
check "--query without jp: a clear error, exit 255, nothing changed" rc_is 255 \
	--and stdout_empty --and test "$(pol_sum)" = "$sum" \
	--and err_has "iampw-admin: --query needs jp, the JMESPath command-line tool (Debian package jp): $work/no-jp: No such file or directory"

# --------------------------------------------------------------------------
# --help and --version, for anyone.

NOBODY_ADMIN=$ADMIN
if ! setpriv --reuid=nobody --regid=nogroup --clear-groups -- test -x "$ADMIN"; then
	# The build tree is closed to nobody: run the same binary from here.
	mkdir -m 0755 "$tmp/bin" && cp "$ADMIN" "$tmp/bin/iampw-admin" &&
		chmod 0755 "$tmp/bin/iampw-admin" || bail_out "cannot copy the tool for nobody"
	NOBODY_ADMIN=$tmp/bin/iampw-admin
	diag "nobody cannot reach $ADMIN: running a copy, $NOBODY_ADMIN"
fi

admin_bare --help
check "--help as root: exit 0, the usage on stdout" rc_is 0 --and stderr_empty \
	--and grep -q "^usage: iampw-admin" "$out" --and grep -q "update-account-password-policy" "$out"
admin_bare --version
check "--version as root: exit 0, one line naming the tool" rc_is 0 --and stderr_empty \
	--and test "$(wc -l <"$out")" -eq 1 --and grep -q "^iampw-admin .*[0-9]" "$out"
admin_bare update-account-password-policy --help
check "VERB --help as root: exit 0, the verb's usage" rc_is 0 \
	--and grep -q "^usage: iampw-admin update-account-password-policy" "$out"
admin_bare update-account-password-policy help
check "VERB help, as aws iam VERB help: exit 0, the verb's usage" rc_is 0 \
	--and grep -q "^usage: iampw-admin update-account-password-policy" "$out"
admin_bare help
check "help alone: exit 0, the usage" rc_is 0 --and grep -q "^usage: iampw-admin" "$out"
as_nobody --help
check "--help as nobody: exit 0, the usage on stdout" rc_is 0 --and stderr_empty \
	--and grep -q "^usage: iampw-admin" "$out"
as_nobody --version
check "--version as nobody: exit 0" rc_is 0 --and stderr_empty \
	--and grep -q "^iampw-admin .*[0-9]" "$out"
as_nobody create-login-profile --help
check "VERB --help as nobody: exit 0" rc_is 0 \
	--and grep -q "^usage: iampw-admin create-login-profile" "$out"

# --------------------------------------------------------------------------
# Every verb as nobody: 255 before anything is read or written.  The paths
# point into a directory nobody may write, so a run that went on would
# leave files there.

printf '{"UserName": "nobody", "Password": "%s"}\n' "$SECRET" >"$open/input.json"
chmod 0644 "$open/input.json"
for args in "get-account-password-policy" \
	"update-account-password-policy --minimum-password-length 8" \
	"delete-account-password-policy" \
	"create-login-profile --user-name nobody --generate-password" \
	"get-login-profile --user-name nobody" \
	"update-login-profile --user-name nobody --no-password-reset-required" \
	"delete-login-profile --user-name nobody" \
	"generate-credential-report" \
	"get-credential-report" \
	"adopt-user --all" \
	"check" \
	"update-account-password-policy --generate-cli-skeleton" \
	"create-login-profile --cli-input-json file://$open/input.json"; do
	# shellcheck disable=SC2086 # split on purpose
	as_nobody --config "$open/iampw.conf" --policy "$open/policy.conf" \
		--state-dir "$open/state" $args
	check "as nobody: $args: exit 255, 'must be run by root', nothing on stdout" \
		rc_is 255 --and stdout_empty --and err_has "must be run by root" \
		--and ! grep -qF -- "$SECRET" "$err"
done
is "$(ls -A "$open" | tr '\n' ' ')" "input.json " "as nobody: no file appeared"
as_nobody get-login-profile --user-name nobody --password "$SECRET"
check "as nobody, a command-line error is still 252: the line is parsed first" \
	rc_is 252 --and stdout_empty --and ! err_has "must be run by root"

# --------------------------------------------------------------------------
# get-login-profile on existing accounts (read-only).

nosuch=iampwnosuch$$
while getent passwd "$nosuch" >/dev/null; do nosuch=${nosuch}x; done
admin get-login-profile --user-name root
check "get-login-profile root: ValidationError, exit 254, says root" rc_is 254 \
	--and stdout_empty --and one_err_line \
	--and err_has "An error occurred (ValidationError) when calling the GetLoginProfile operation: " \
	--and err_has root
sysacct=daemon
getent passwd daemon >/dev/null || sysacct=nobody
admin get-login-profile --user-name "$sysacct"
check "get-login-profile $sysacct (uid $(id -u $sysacct) < 1000): ValidationError, out of scope" \
	rc_is 254 --and stdout_empty --and one_err_line \
	--and err_has "An error occurred (ValidationError) when calling the GetLoginProfile operation: " \
	--and err_has "out of scope"
admin get-login-profile --user-name "$nosuch"
iam_error "get-login-profile of a name that is no account: NoSuchEntity" 254 NoSuchEntity \
	GetLoginProfile "The user with name $nosuch cannot be found."
admin get-login-profile --user-name "bad name"
check "get-login-profile of a name no account has: NoSuchEntity (any name NSS resolves is valid)" rc_is 254 \
	--and stdout_empty --and err_has "(NoSuchEntity)"
admin --output table get-login-profile --user-name "$nosuch"
check "an error with --output table: still nothing on stdout" rc_is 254 --and stdout_empty
is "$(ls -A "$state")" "" "get-login-profile wrote nothing to the state dir"
is "$(stat -c %a "$state")" 700 "the state dir is still 0700"

# --------------------------------------------------------------------------

is "$(host_sum)" "$host_before" "the host's passwd, shadow and group are unchanged"
[ "$TAP_N" -eq "$TESTS" ] || diag "ran $TAP_N results, TESTS says $TESTS"
done_testing
