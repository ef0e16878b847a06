#!/bin/bash
# iampw-admin's login-profile verbs (SPEC §6, §6.1, §7) end to end, on real
# accounts, inside a throwaway copy of this host (tests/sandbox/sandbox.sh):
#
#   create/get/update/delete-login-profile and adopt-user, with the Unix
#   password set through the iampw-admin PAM service (the shipped
#   etc/pam.d/iampw-admin.in, naming the built module) and checked with
#   pamtester and /etc/shadow: policy and reuse refusals in IAM's words,
#   --generate-password, --password-reset-required seen by the account
#   stack, flag-only updates, every password source (--password-stdin, a
#   non-terminal stdin, --cli-input-json file://), the lock of delete, the
#   adoption of existing passwords, a held profile lock
#   (EntityTemporarilyUnmodifiable after ~5 s), out-of-scope accounts left
#   alone, and no password in anything the tool printed.
#
# The tool and the module are found under $top_builddir (exported by
# `make check`), else relative to this script (an in-tree build).

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"

# Results printed inside the sandbox, then outside.
INSIDE_TESTS=88
OUTSIDE_TESTS=3

# --------------------------------------------------------------------------
# Inside the sandbox: its /etc, /run, /home are private copies.

conf=/etc/iampw-t
state=/run/iampw-state
profiles=$state/profiles
work=/run/iampw-t
out=$work/out
err=$work/err
pout=$work/pamtester.out
# Everything the tool printed, except the one run that prints a generated
# password on purpose.
log=$work/printed.log

PA1='Kettle+Lamp+Fig7'
PA2='Orbit[Stone]2Yak'
PA3='Quill=Marsh=9Tan'
PA4='Violet{Cask}8Rue'
PA5='Amber(Crow)5Dell'
PA6='Nectar|Brim|3Owl'
PB0='Initial#Pass1234'
# Lower case and a number only, 9 characters: fails length, upper, symbol.
PB_WEAK='weakpass1'
PC='Carol#Pass5678x'
PD='Dave#Pass5678xy'
PF='Frank^Key^4Pine'
MSG_WEAK="Password does not conform to the account password policy: it must be at least 12 characters long; it must contain at least one uppercase letter (A-Z); it must contain at least one symbol (! @ # \$ % ^ & * ( ) _ + - = [ ] { } | ')."
MSG_REUSED='Password has been used recently. Choose a different password.'

# admin ARG...: the tool on the sandbox's files, stdin from /dev/null.
admin() {
	"$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" \
		--state-dir "$state" "$@" </dev/null >"$out" 2>"$err"
	rc=$?
	[ -n "${nolog:-}" ] || cat "$out" "$err" >>"$log"
}

# admin_in INPUT ARG...: the same, INPUT (and a newline) on stdin, a pipe.
admin_in() {
	local input=$1
	shift
	printf '%s\n' "$input" | "$ADMIN" --config "$conf/iampw.conf" \
		--policy "$conf/policy.conf" --state-dir "$state" "$@" >"$out" 2>"$err"
	rc=$?
	cat "$out" "$err" >>"$log"
}

jq() {
	python3 "$JSONQ" "$@"
}

shadow_hash() {
	awk -F: -v u="$1" '$1 == u { print $2 }' /etc/shadow
}

shadow_sum() {
	sha256sum /etc/shadow | cut -d' ' -f1
}

# pf USER: USER's profile file (profiles are filed by uid).
pf() {
	echo "$profiles/$(id -u "$1" 2>/dev/null || echo "$1")"
}

profile_get() {
	sed -n "s/^$2 = //p" "$(pf "$1")" 2>/dev/null
}

# auth USER PASSWORD: does the password log in (pam_unix, nodelay)?
auth() {
	printf '%s\n' "$2" | pamtester -v iampw-test "$1" authenticate >"$pout" 2>&1
}

acct() {
	pamtester -v iampw-test "$1" acct_mgmt >"$pout" 2>&1
}

now() {
	date +%s
}

show() {
	diag "exit status ${rc:-?}; stdout:"
	diag_file "$out"
	diag "stderr:"
	diag_file "$err"
	if [ -s "$pout" ]; then
		diag "last pamtester output:"
		diag_file "$pout"
	fi
}

# check (tests/lib.sh) shows the outputs when a case fails.
check_diag() {
	show
}

# between N LO HI: N is a number from LO to HI.
between() {
	[ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# in_words LIST WORD...: one of the WORDs is a word of the blank-separated LIST.
in_words() {
	local list=" $1 " w
	shift
	for w; do
		case $list in *" $w "*) return 0 ;; esac
	done
	return 1
}

# err_is TEXT: stderr is exactly TEXT and a newline.
err_is() {
	[ "$(cat "$err"; echo .)" = "$1
." ]
}
err_has() {
	grep -qF -- "$1" "$err"
}

# iam_error DESC NAME OP DETAIL: exit 254, the AWS CLI error exactly (an
# empty line, then the error line), nothing on stdout.
iam_error() {
	want_err="
An error occurred ($2) when calling the $3 operation: $4"
	check "$1" rc_is 254 --and stdout_empty --and err_is "$want_err"
}

ok_quiet() {
	check "$1" rc_is 0 --and stdout_empty --and stderr_empty
}

# created_at ISO T0 T1: an ISO 8601 UTC date, second precision, within T0..T1.
created_at() {
	python3 - "$@" <<-'EOF'
		import calendar, re, sys, time
		iso, t0, t1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
		if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", iso):
		    sys.exit("not ISO 8601 UTC: %r" % iso)
		t = calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%S+00:00"))
		sys.exit(0 if t0 <= t <= t1 else "%d not in %d..%d" % (t, t0, t1))
	EOF
}

# satisfies PASSWORD: at least 20 characters, and the test policy (min 12,
# upper, lower, number, one of IAM's 20 symbols), at most 128.
satisfies() {
	python3 - "$1" <<-'EOF'
		import sys
		p = sys.argv[1]
		sym = set("!@#$%^&*()_+-=[]{}|'")
		ok = (20 <= len(p) <= 128 and any(c.isascii() and c.isupper() for c in p)
		      and any(c.isascii() and c.islower() for c in p)
		      and any(c.isascii() and c.isdigit() for c in p) and any(c in sym for c in p))
		sys.exit(0 if ok else "does not satisfy the policy: %d characters" % len(p))
	EOF
}

# The module's arguments: every file it opens is in the sandbox, the same
# paths the tool is given.
margs() {
	echo "config=$conf/iampw.conf policy=$conf/policy.conf statedir=$state"
}

setup() {
	umask 022
	mkdir -p "$conf" "$work" || bail_out "cannot create $conf, $work"
	chmod 0755 "$conf"
	chmod 0700 "$work"
	: >"$log"
	cat >"$conf/iampw.conf" <<-'EOF'
		[scope]
		min_uid = 1000
		max_uid = 60000
		[history]
		hash = yescrypt
		cost = 1
	EOF
	chmod 0644 "$conf/iampw.conf"
	# The shipped service, as the Makefile makes it, with the built module
	# named by path and given the tool's paths.
	sed -e "s|@securedir@/pam_iampw\\.so\\(.*\\)\$|$IAMPW_SO\\1 $(margs)|" \
		"$SRCDIR/etc/pam.d/iampw-admin.in" >/etc/pam.d/iampw-admin ||
		bail_out "cannot write /etc/pam.d/iampw-admin"
	[ "$(grep -c "^password .*$IAMPW_SO.* statedir=$state\$" /etc/pam.d/iampw-admin)" -eq 2 ] ||
		bail_out "/etc/pam.d/iampw-admin does not name the built module twice"
	{
		echo "# test_profiles.sh: does a password log in; what the account stack says."
		echo "auth     required pam_unix.so nodelay"
		echo "account  required pam_unix.so"
		echo "account  required $IAMPW_SO $(margs)"
		echo "password required pam_deny.so"
		echo "session  required pam_permit.so"
	} >/etc/pam.d/iampw-test
	chmod 0644 /etc/pam.d/iampw-admin /etc/pam.d/iampw-test
	for u in alice bob carol dave erin frank; do
		getent passwd "$u" >/dev/null && bail_out "the host has a user $u: pick other names"
	done
}

inside() {
	local sum hash t0 t1 v gen create_date expected adopted holder child i

	setup

	# -- accounts ------------------------------------------------------------
	useradd -m alice >&2 && useradd -m bob >&2
	check "useradd alice and bob: uids >= 1000" \
		test "$(id -u alice)" -ge 1000 --and test "$(id -u bob)" -ge 1000
	echo "bob:$PB0" | chpasswd -c YESCRYPT >&2
	check "bob's initial password (chpasswd) logs in" auth bob "$PB0"
	check "a wrong password does not (the auth service is not permissive)" ! auth bob "$PA1"

	admin update-account-password-policy --minimum-password-length 12 --require-symbols \
		--require-numbers --require-uppercase-characters --require-lowercase-characters \
		--password-reuse-prevention 3
	ok_quiet "update-account-password-policy: min 12, all four classes, reuse 3"
	admin get-login-profile --user-name alice
	iam_error "get-login-profile alice, no state dir yet: NoSuchEntity" NoSuchEntity \
		GetLoginProfile "Login Profile for User alice cannot be found."
	check "get-login-profile did not create the state dir" test ! -e "$state"

	# -- create-login-profile alice --------------------------------------------
	check "alice has no usable password yet" test "$(shadow_hash alice | cut -c1)" = "!"
	t0=$(now)
	admin_in "$PA1" create-login-profile --user-name alice --password-stdin
	t1=$(now)
	check "create-login-profile alice --password-stdin: exit 0, nothing on stderr, JSON" \
		rc_is 0 --and stderr_empty --and jq valid "$out"
	cp "$out" "$work/create-alice.json"
	is "$(jq keys "$out")" "LoginProfile" "the response is {\"LoginProfile\": ...}, no Password"
	is "$(jq keys "$out" LoginProfile)" "UserName CreateDate PasswordResetRequired" \
		"LoginProfile: UserName, CreateDate, PasswordResetRequired, in AWS's order"
	is "$(jq get "$out" LoginProfile.UserName) $(jq type "$out" LoginProfile.PasswordResetRequired) $(jq get "$out" LoginProfile.PasswordResetRequired)" \
		'"alice" bool false' "UserName alice, PasswordResetRequired the bool false"
	create_date=$(jq raw "$out" LoginProfile.CreateDate)
	check "CreateDate is ISO 8601 UTC and now ($create_date)" \
		created_at "$create_date" "$t0" "$t1"
	hash=$(shadow_hash alice)
	check "alice's /etc/shadow hash is set (yescrypt)" test "${hash#\$y\$}" != "$hash"
	check "pamtester: alice logs in with that password" auth alice "$PA1"
	check "state dir and profiles dir created, 0700 root" \
		test "$(stat -c "%a %u" "$state" "$profiles" | tr "\n" " ")" = "700 0 700 0 "
	check "alice's profile: a regular file, 0600 root:root, user = alice, reset false" \
		test "$(stat -c "%F %a %u:%g" "$(pf alice)")" = "regular file 600 0:0" \
		--and test "$(profile_get alice user)" = alice \
		--and test "$(profile_get alice password_reset_required)" = false \
		--and test "$(profile_get alice uid)" = "$(id -u alice)"
	v=$(profile_get alice password_last_changed)
	check "password_last_changed recorded now ($v)" between "$v" "$t0" "$t1"

	sum=$(shadow_sum)
	admin_in "$PA2" create-login-profile --user-name alice --password-stdin
	iam_error "a second create-login-profile: EntityAlreadyExists" EntityAlreadyExists \
		CreateLoginProfile "Login Profile for user alice already exists."
	is "$(shadow_sum)" "$sum" "... and /etc/shadow unchanged"

	admin get-login-profile --user-name alice
	check "get-login-profile alice: exit 0, the LoginProfile create printed" rc_is 0 \
		--and stderr_empty --and test "$(jq get "$out")" = "$(jq get "$work/create-alice.json")"
	TZ=Pacific/Kiritimati admin get-login-profile --user-name alice
	is "$(jq raw "$out" LoginProfile.CreateDate)" "$create_date" \
		"CreateDate is UTC whatever TZ says (TZ=Pacific/Kiritimati, UTC+14)"
	admin get-login-profile --user-name alice --output text
	is "$(cat "$out")" "LOGINPROFILE	$create_date	False	alice" \
		"get-login-profile --output text: the AWS text line"

	# -- a password the policy refuses -----------------------------------------
	sum=$(shadow_sum)
	hash=$(shadow_hash bob)
	admin_in "$PB_WEAK" create-login-profile --user-name bob --password-stdin
	iam_error "create-login-profile bob, a weak password: PasswordPolicyViolation listing every failed rule" \
		PasswordPolicyViolation CreateLoginProfile "$MSG_WEAK"
	check "bob's /etc/shadow entry unchanged, no profile for bob" \
		test "$(shadow_sum)" = "$sum" --and test ! -e "$(pf bob)"
	check "bob's old password still logs in" auth bob "$PB0"
	admin get-login-profile --user-name bob
	iam_error "get-login-profile bob: NoSuchEntity" NoSuchEntity GetLoginProfile \
		"Login Profile for User bob cannot be found."

	# -- --generate-password --password-reset-required -------------------------
	t0=$(now)
	nolog=1 admin create-login-profile --user-name bob --generate-password --password-reset-required
	t1=$(now)
	check "create-login-profile bob --generate-password --password-reset-required: exit 0, JSON" \
		rc_is 0 --and stderr_empty --and jq valid "$out"
	is "$(jq keys "$out" | tr ' ' '\n' | sort | tr '\n' ' ')" "LoginProfile Password " \
		"a top-level Password beside LoginProfile"
	gen=$(jq raw "$out" Password)
	check "the generated password is a string of >= 20 characters satisfying the policy" \
		test "$(jq type "$out" Password)" = str --and satisfies "$gen"
	is "$(jq get "$out" LoginProfile.UserName) $(jq get "$out" LoginProfile.PasswordResetRequired)" \
		'"bob" true' "LoginProfile: bob, PasswordResetRequired true"
	check "CreateDate now" created_at "$(jq raw "$out" LoginProfile.CreateDate)" "$t0" "$t1"
	check "pamtester: bob logs in with the generated password" auth bob "$gen"
	check "bob's old password no longer does" ! auth bob "$PB0"
	admin get-login-profile --user-name bob
	is "$(jq get "$out" LoginProfile.PasswordResetRequired)" true "get-login-profile bob: PasswordResetRequired true"
	is "$(profile_get bob password_reset_required)" true "bob's profile file: password_reset_required = true"
	check "account stack for bob: new authentication token required, administrator enforced" \
		! acct bob \
		--and grep -qF "Authentication token is no longer valid; new one required" "$pout" \
		--and grep -qF "You are required to change your password immediately (administrator enforced)." "$pout"
	check "account stack for alice (no reset required): success" acct alice

	# -- update-login-profile with only a flag ---------------------------------
	hash=$(shadow_hash bob)
	admin update-login-profile --user-name bob --no-password-reset-required
	ok_quiet "update-login-profile bob --no-password-reset-required: exit 0, prints nothing"
	check "only the flag changed: bob's hash as before, no prompt or stdin read" \
		test "$(shadow_hash bob)" = "$hash"
	admin get-login-profile --user-name bob
	is "$(jq get "$out" LoginProfile.PasswordResetRequired) $(profile_get bob password_reset_required)" \
		"false false" "PasswordResetRequired now false (get and profile file)"
	check "account stack for bob: success now" acct bob

	# Its output holds a password on purpose: kept out of the leak check.
	nolog=1 admin update-login-profile --user-name bob --generate-password
	check "update-login-profile --generate-password: exit 0, prints only {\"Password\": ...}" \
		rc_is 0 --and stderr_empty --and test "$(jq keys "$out")" = Password \
		--and satisfies "$(jq raw "$out" Password)"
	v=$(jq raw "$out" Password)
	check "bob logs in with the new generated password" auth bob "$v"
	gen="$gen $v"

	# -- update-login-profile: reuse, new passwords, every source --------------
	sum=$(shadow_sum)
	admin_in "$PA1" update-login-profile --user-name alice --password-stdin
	iam_error "update-login-profile alice with her current password: PasswordPolicyViolation" \
		PasswordPolicyViolation UpdateLoginProfile "$MSG_REUSED"
	is "$(shadow_sum)" "$sum" "... /etc/shadow unchanged"

	hash=$(shadow_hash alice)
	admin_in "$PA2" update-login-profile --user-name alice --password-stdin
	ok_quiet "update-login-profile alice --password-stdin, a new good password: exit 0, prints nothing"
	check "alice's hash changed; the new password logs in, the old one not" \
		test "$(shadow_hash alice)" != "$hash" --and auth alice "$PA2" --and ! auth alice "$PA1"

	hash=$(shadow_hash alice)
	printf '%s\n%s\n' "$PA3" "not-this-line" | "$ADMIN" --config "$conf/iampw.conf" \
		--policy "$conf/policy.conf" --state-dir "$state" \
		update-login-profile --user-name alice >"$out" 2>"$err"
	rc=$?
	cat "$out" "$err" >>"$log"
	ok_quiet "update-login-profile, password on a non-terminal stdin, no flag: exit 0"
	check "the first line of stdin is the password" \
		test "$(shadow_hash alice)" != "$hash" --and auth alice "$PA3"

	sum=$(shadow_sum)
	admin update-login-profile --user-name alice
	check "update-login-profile with an empty stdin: exit 252, nothing changed" \
		rc_is 252 --and stdout_empty --and test "$(shadow_sum)" = "$sum"

	python3 -c 'import json, sys; json.dump({"UserName": "alice", "Password": sys.argv[2], "PasswordResetRequired": True}, open(sys.argv[1], "w"))' \
		"$work/update.json" "$PA4"
	chmod 0600 "$work/update.json"
	admin update-login-profile --cli-input-json "file://$work/update.json"
	ok_quiet "update-login-profile --cli-input-json file:// (UserName, Password, PasswordResetRequired): exit 0"
	check "... the password from the file logs in, and reset is required" \
		auth alice "$PA4" --and test "$(profile_get alice password_reset_required)" = true
	admin update-login-profile --cli-input-json "{\"UserName\": \"alice\", \"Password\": \"$PA5\"}"
	check "a Password in inline --cli-input-json (argv): refused, exit 252, not echoed" \
		rc_is 252 --and stdout_empty --and ! grep -qF -- "$PA5" "$err" --and auth alice "$PA4"

	# -- the profile lock held by another change -------------------------------
	flock -o -x "$profiles/.$(id -u alice).lock" sleep 60 &
	holder=$!
	for i in $(seq 50); do
		flock -n -x "$profiles/.$(id -u alice).lock" true || break
		sleep 0.1
	done
	child=$(pgrep -P "$holder")
	# The error names the holder: a user may stop their own passwd there.
	busy_held="Login Profile for User alice cannot be modified while another change to it is in progress (its lock is held by process $holder, flock)."
	sum=$(shadow_sum)
	t0=$(now)
	admin_in "$PA5" update-login-profile --user-name alice --password-stdin
	t1=$(now)
	iam_error "alice's lock held elsewhere: update-login-profile --password-stdin -> EntityTemporarilyUnmodifiable, naming the holder" \
		EntityTemporarilyUnmodifiable UpdateLoginProfile "$busy_held"
	check "... after about 5 s ($((t1 - t0)) s), /etc/shadow unchanged" \
		between "$((t1 - t0))" 4 15 --and test "$(shadow_sum)" = "$sum"
	admin update-login-profile --user-name alice --no-password-reset-required
	iam_error "lock held: a flag-only update is refused the same way" \
		EntityTemporarilyUnmodifiable UpdateLoginProfile "$busy_held"
	is "$(profile_get alice password_reset_required)" true "... and the flag unchanged"
	# shellcheck disable=SC2086 # $child may be empty
	kill "$holder" $child 2>/dev/null
	wait "$holder" 2>/dev/null
	admin_in "$PA5" update-login-profile --user-name alice --password-stdin
	ok_quiet "lock released: the same update succeeds"
	check "... PA5 logs in" auth alice "$PA5"

	# -- delete-login-profile ---------------------------------------------------
	hash=$(shadow_hash alice)
	admin delete-login-profile --user-name alice
	ok_quiet "delete-login-profile alice: exit 0, prints nothing"
	is "$(shadow_hash alice)" "!$hash" "the Unix password is locked as passwd -l does ('!' before the hash)"
	check "pamtester: alice can no longer log in with her password" ! auth alice "$PA5"
	check "alice's profile file is gone" test ! -e "$(pf alice)"
	admin get-login-profile --user-name alice
	iam_error "get-login-profile alice: NoSuchEntity" NoSuchEntity GetLoginProfile \
		"Login Profile for User alice cannot be found."
	admin delete-login-profile --user-name alice
	iam_error "delete-login-profile again: NoSuchEntity" NoSuchEntity DeleteLoginProfile \
		"Login Profile for User alice cannot be found."
	admin_in "$PA6" update-login-profile --user-name alice --password-stdin
	iam_error "update-login-profile without a profile: NoSuchEntity" NoSuchEntity \
		UpdateLoginProfile "Login Profile for User alice cannot be found."
	is "$(shadow_hash alice)" "!$hash" "... and the password stays locked"

	admin_in "$PA6" create-login-profile --user-name alice --password-stdin
	check "create-login-profile alice again: exit 0" rc_is 0 --and stderr_empty
	check "password login works again, the hash is no longer locked" auth alice "$PA6" \
		--and test "$(shadow_hash alice | cut -c1)" != "!"

	# -- the create-login-profile skeleton, filled in --------------------------
	useradd -m frank >&2
	admin create-login-profile --generate-cli-skeleton
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d.update(UserName="frank", Password=sys.argv[3], PasswordResetRequired=False)
json.dump(d, open(sys.argv[2], "w"))' "$out" "$work/frank.json" "$PF"
	chmod 0600 "$work/frank.json"
	admin create-login-profile --cli-input-json "file://$work/frank.json"
	check "create-login-profile --cli-input-json file:// (the filled skeleton): exit 0" \
		rc_is 0 --and stderr_empty \
		--and test "$(jq get "$out" LoginProfile.UserName) $(jq get "$out" LoginProfile.PasswordResetRequired)" = "\"frank\" false"
	check "frank logs in with the password from the file" auth frank "$PF"

	# -- out of scope, and no such user: nothing touched -----------------------
	sum=$(shadow_sum)
	admin_in "$PA1" create-login-profile --user-name root --password-stdin
	check "create-login-profile root: ValidationError" rc_is 254 --and stdout_empty \
		--and err_has "An error occurred (ValidationError) when calling the CreateLoginProfile operation: "
	admin delete-login-profile --user-name root
	check "delete-login-profile root: ValidationError" rc_is 254 --and stdout_empty \
		--and err_has "(ValidationError)"
	admin delete-login-profile --user-name daemon
	check "delete-login-profile daemon: ValidationError, out of scope" rc_is 254 \
		--and stdout_empty --and err_has "(ValidationError)" --and err_has "out of scope"
	admin update-login-profile --user-name daemon --generate-password
	check "update-login-profile daemon --generate-password: ValidationError, no password printed" \
		rc_is 254 --and stdout_empty --and err_has "out of scope"
	admin_in "$PA1" create-login-profile --user-name nosuchuser --password-stdin
	iam_error "create-login-profile for no such user: NoSuchEntity" NoSuchEntity \
		CreateLoginProfile "The user with name nosuchuser cannot be found."
	is "$(shadow_sum)" "$sum" "/etc/shadow unchanged by all of these (root and daemon not locked)"

	# -- adopt-user ---------------------------------------------------------------
	useradd -m carol >&2
	echo "carol:$PC" | chpasswd -c YESCRYPT >&2
	chage -d 2024-01-15 carol >&2
	sum=$(shadow_sum)
	admin adopt-user --user-name carol
	check "adopt-user carol: exit 0, LoginProfiles lists carol" rc_is 0 --and stderr_empty \
		--and test "$(jq keys "$out")" = LoginProfiles --and test "$(jq len "$out" LoginProfiles)" = 1 \
		--and test "$(jq raw "$out" LoginProfiles.0.UserName)" = carol
	is "$(profile_get carol password_last_changed)" 1705276800 \
		"carol's profile: password_last_changed = 2024-01-15 (from /etc/shadow)"
	check "carol's password kept: /etc/shadow unchanged, she still logs in" \
		test "$(shadow_sum)" = "$sum" --and auth carol "$PC"
	admin adopt-user --user-name carol
	iam_error "adopt-user carol again: EntityAlreadyExists" EntityAlreadyExists AdoptUser \
		"Login Profile for user carol already exists."

	useradd -m dave >&2
	echo "dave:$PD" | chpasswd -c YESCRYPT >&2
	useradd -m erin >&2     # no password: '!' in /etc/shadow
	admin adopt-user --user-name erin
	check "adopt-user erin (locked password): ValidationError, no profile" rc_is 254 \
		--and stdout_empty --and err_has "(ValidationError)" --and test ! -e "$(pf erin)"
	# What --all must adopt: in-scope accounts with a usable password and no profile.
	expected=$(awk -F: 'NR == FNR { if ($3 >= 1000 && $3 <= 60000) scope[$1] = 1; next }
		($1 in scope) && $2 != "" && $2 !~ /^[!*]/ { print $1 }' /etc/passwd /etc/shadow |
		while read -r u; do [ -e "$(pf "$u")" ] || echo "$u"; done | sort | tr '\n' ' ')
	diag "adopt-user --all should adopt: $expected"
	sum=$(shadow_sum)
	admin adopt-user --all
	adopted=$(python3 -c 'import json, sys; print(" ".join(sorted(p["UserName"] for p in json.load(open(sys.argv[1]))["LoginProfiles"])) + " ")' "$out" 2>/dev/null)
	check "adopt-user --all: exit 0, adopts exactly the in-scope accounts with a usable password and no profile" \
		rc_is 0 --and stderr_empty --and test "$adopted" = "$expected"
	check "dave adopted; erin (locked) skipped; profiles already there left out" \
		test -e "$(pf dave)" --and test ! -e "$(pf erin)" \
		--and in_words "$adopted" dave \
		--and ! in_words "$adopted" alice bob carol
	check "adopt-user --all kept every password: /etc/shadow unchanged, dave logs in" \
		test "$(shadow_sum)" = "$sum" --and auth dave "$PD"
	# On a terminal (and only there, as above) a progress line on stderr.
	useradd -m gina >&2
	echo "gina:$PD" | chpasswd -c YESCRYPT >&2
	script -qec "$(printf '%q ' "$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" \
		--state-dir "$state" adopt-user --all) 2>&1 >/dev/null" /dev/null </dev/null >"$err" 2>&1
	check "adopt-user --all on a terminal: a progress line on stderr; gina adopted" \
		grep -q "adopt-user: [0-9]* accounts, 1 adopted" "$err" --and test -e "$(pf gina)"

	# -- nothing printed ever held a password -------------------------------
	leaked=""
	for v in "$PA1" "$PA2" "$PA3" "$PA4" "$PA5" "$PA6" "$PB0" "$PB_WEAK" "$PC" "$PD" "$PF" $gen; do
		grep -qF -- "$v" "$log" && leaked="$leaked $v"
	done
	check "nothing the tool printed contains a password (other than --generate-password's own output)" \
		test -s "$log" --and test -z "$leaked"
	leaked=""
	for v in "$PA1" "$PA2" "$PA3" "$PA4" "$PA5" "$PA6" "$PC" "$PD" "$PF" $gen; do
		grep -qrF -- "$v" "$profiles" && leaked="$leaked $v"
	done
	is "$leaked" "" "no profile file holds a plaintext password"

	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
	done_testing
}

# --------------------------------------------------------------------------
# On the host.

host_state() {
	sha256sum /etc/passwd /etc/shadow /etc/group /etc/gshadow 2>&1
	find /etc/pam.d -type f -exec sha256sum {} + 2>&1 | sort
	ls -d /etc/iampw-t /run/iampw-state /run/iampw-t /home/alice 2>&1
}

outside() {
	local builddir tool so
	[ "$(id -u)" -eq 0 ] ||
		skip_all "needs root: useradd, chpasswd and iampw-admin run in a throwaway namespace sandbox"
	for tool in pamtester useradd chpasswd chage flock pgrep unshare python3; do
		command -v "$tool" >/dev/null 2>&1 ||
			bail_out "$tool is not installed (tools/deps.sh)"
	done
	builddir=$(cd "${top_builddir:-$here/../..}" && pwd) || bail_out "no build directory"
	tool=$builddir/iampw-admin/iampw-admin
	so=$builddir/pam_iampw/.libs/pam_iampw.so
	[ -x "$tool" ] || bail_out "iampw-admin is not built: $tool"
	[ -f "$so" ] || bail_out "the module is not built: $so"
	srcdir=$(cd "${top_srcdir:-$here/../..}" && pwd) || bail_out "no source directory"
	[ -r "$srcdir/etc/pam.d/iampw-admin.in" ] || bail_out "no etc/pam.d/iampw-admin.in in $srcdir"

	plan $((INSIDE_TESTS + OUTSIDE_TESTS))
	diag "tool: $tool" "module: $so"
	sandbox_outside "$here/../sandbox/sandbox.sh" \
		ADMIN="$tool" IAMPW_SO="$so" JSONQ="$here/jsonq.py" SRCDIR="$srcdir" top_builddir="$builddir" SANDBOX_KEEP="$srcdir"
}

if [ "${1:-}" = --inside ]; then
	[ "${SANDBOX:-}" = 1 ] || bail_out "--inside runs only inside sandbox.sh"
	inside
else
	outside
fi
