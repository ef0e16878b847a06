#!/bin/bash
# End to end: the SPEC §5 reference password stack, with the built
# pam_iampw.so around the real pam_unix, driven by pamtester on a real
# account, inside a throwaway copy of this host (sandbox.sh).
#
#   password requisite pam_iampw.so            checks, prompts
#   password requisite pam_unix.so use_authtok yescrypt
#   password optional  pam_iampw.so commit     records, only if reached
#
# pamtester runs as root, in both kinds of root-run change: an admin
# reset (no flag) and a forced change (PAM_CHANGE_EXPIRED_AUTHTOK, as
# sshd and login do it; pam_unix then asks for the current password).
# Both are checked by pam_iampw (SPEC §4.3, §5.2).  A change as the user
# needs the setuid passwd (TESTING.md) and belongs to the passwd tests.
#
# The module is found under $top_builddir (exported by `make check`),
# else relative to this script (an in-tree build).

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"

# Results printed inside the sandbox, then outside.
INSIDE_TESTS=41
OUTSIDE_TESTS=3

# --------------------------------------------------------------------------
# Inside the sandbox: its /etc, /run, /home are private copies.

user=alice
conf=/etc/iampw-test
work=/run/iampw-test
state=$work/state
out=$work/pamtester.out
# Passwords: P0 set by chpasswd outside our stack, P1..P3 through it.
P0='Initial#Pass1234'
P1='Kettle+Lamp+Fig7'
P2='Orbit[Stone]2Yak'
P3='Quill=Marsh=9Tan'
# Fails every rule of the test policy: no upper, lower, number or symbol
# ('~' and '.' are not IAM symbols) and shorter than 12.
WEAK='~.~.'

shadow_sum() {
	sha256sum /etc/shadow | cut -d' ' -f1
}

shadow_hash() {
	awk -F: -v u="$user" '$1 == u { print $2 }' /etc/shadow
}

profile=""

profile_sum() {
	if [ -e "$profile" ]; then sha256sum "$profile" | cut -d' ' -f1; else echo absent; fi
}

# The module's arguments: every file it opens is in the sandbox.
margs() {
	echo "config=$conf/iampw.conf policy=$conf/policy.conf statedir=$state"
}

# write_service NAME MIDDLE_LINE UNIX_OPTS
write_service() {
	local name=$1 middle=$2 unix_opts=$3 so=$IAMPW_SO
	{
		echo "# pam_iampw end-to-end test: the SPEC §5 reference stack."
		echo "auth     [success=1 default=ignore] pam_unix.so nodelay"
		echo "auth     requisite pam_deny.so"
		echo "auth     required  pam_permit.so"
		echo "auth     optional  $so $(margs)"
		echo "account  required  pam_unix.so"
		echo "account  required  $so exempt_key_logins $(margs)"
		echo "password requisite $so $(margs)"
		[ -n "$middle" ] && echo "$middle"
		echo "password requisite pam_unix.so use_authtok yescrypt $unix_opts"
		echo "password optional  $so commit $(margs)"
		echo "session  required  pam_permit.so"
	} >"/etc/pam.d/$name"
}

setup() {
	umask 022
	mkdir -p "$work" "$conf" || bail_out "cannot create $work, $conf"
	cat >"$conf/iampw.conf" <<-'EOF'
		[scope]
		min_uid = 1000
		max_uid = 60000
		[account]
		warn_days = 15
		[history]
		hash = yescrypt
		cost = 0
	EOF
	cat >"$conf/policy.conf" <<-'EOF'
		[policy]
		minimum_password_length = 12
		require_symbols = true
		require_numbers = true
		require_uppercase_characters = true
		require_lowercase_characters = true
		password_reuse_prevention = 3
	EOF
	chmod 0644 "$conf/iampw.conf" "$conf/policy.conf"
	write_service iampw-test "" ""
	# The store fails: in both phases (pam_deny) ...
	write_service iampw-test-deny "password requisite pam_deny.so" ""
	# ... or only in the update phase, after pam_iampw's check passed:
	# pam_unix's own minimum length, enforced when the caller is not an
	# administrator, i.e. in a forced change.
	write_service iampw-test-unixfail "" "minlen=100"
}

# pam SERVICE OPERATION INPUT_LINE...: run pamtester as root, output in $out.
pam() {
	local svc=$1 op=$2
	shift 2
	printf '%s\n' "$@" | pamtester -v "$svc" "$user" "$op" >"$out" 2>&1
}

FORCED='chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK)'

out_has() {
	grep -qF -- "$1" "$out"
}

# The rejection lists every rule the password broke, in one message.
check_all_rules_listed() {
	local clause missing=""
	for clause in \
		"Password does not conform to the account password policy" \
		"it must be at least 12 characters long" \
		"it must contain at least one uppercase letter (A-Z)" \
		"it must contain at least one lowercase letter (a-z)" \
		"it must contain at least one number (0-9)" \
		"it must contain at least one symbol (! @ # \$ % ^ & * ( ) _ + - = [ ] { } | ')"; do
		out_has "$clause" || missing="$missing
$clause"
	done
	[ -z "$missing" ] && return 0
	diag "missing from the output:$missing"
	return 1
}

show_out() {
	diag "pamtester said:"
	diag_file "$out"
}

# refused DESC: the last pamtester run failed (exit 1).
refused() {
	local rc=$1
	if [ "$rc" -eq 1 ]; then
		pass "$2"
	else
		fail "$2"
		diag "pamtester exit status $rc, want 1"
		show_out
	fi
}

accepted() {
	local rc=$1
	if [ "$rc" -eq 0 ]; then
		pass "$2"
	else
		fail "$2"
		diag "pamtester exit status $rc, want 0"
		show_out
	fi
}

profile_get() {
	sed -n "s/^$1 = //p" "$profile" 2>/dev/null
}

# no_plaintext PASSWORD...: the profile exists and holds none of them.
no_plaintext() {
	local p
	[ -f "$profile" ] || return 1
	for p; do
		grep -qF -- "$p" "$profile" && return 1
	done
	return 0
}

history_keys() {
	grep -o '^h[0-9]*' "$profile" 2>/dev/null | tr '\n' ' '
}

inside() {
	local rc sum psum hash t0 t1 v uid
	setup

	# -- the account ------------------------------------------------------
	if getent passwd "$user" >/dev/null; then
		# The host has an alice: the copy of /etc has her too.
		user=iampwtest$$
	fi
	useradd -m "$user" >&2
	uid=$(id -u "$user" 2>/dev/null)
	# Profiles are filed by uid (iampw.conf(5)).
	profile=$state/profiles/$uid
	fail_unless "useradd -m $user: a real account with uid ${uid:-?} >= 1000" \
		test "${uid:-0}" -ge 1000 -a -d "/home/$user"
	# -c: chpasswd hashes itself, without the host's common-password.
	echo "$user:$P0" | chpasswd -c YESCRYPT >&2
	pam iampw-test authenticate "$P0"
	accepted $? "chpasswd set the initial password; it authenticates"

	# The forced changes below are forced for real: shadow's "must change"
	# (chage -d 0) on an account without a profile is reset-required
	# (§3.1).  The flag alone would make a voluntary change, which this
	# policy disables (§5.2).
	chage -d 0 "$user" >&2

	# -- a weak password, admin reset --------------------------------------
	sum=$(shadow_sum)
	pam iampw-test chauthtok "$WEAK" "$WEAK" "$WEAK" "$WEAK" "$WEAK" "$WEAK"
	refused $? "admin reset: a weak password is refused"
	fail_unless "admin reset: the message lists every failed rule" check_all_rules_listed
	is "$(shadow_sum)" "$sum" "admin reset: /etc/shadow unchanged after the refusal"
	fail_if "admin reset: no profile recorded after the refusal" test -e "$profile"

	# -- a weak password, forced change ------------------------------------
	pam iampw-test "$FORCED" "$P0" "$WEAK" "$WEAK" "$WEAK" "$WEAK" "$WEAK" "$WEAK"
	refused $? "forced change: a weak password is refused"
	fail_unless "forced change: the message lists every failed rule" check_all_rules_listed
	is "$(shadow_sum)" "$sum" "forced change: /etc/shadow unchanged after the refusal"

	# -- a good password, forced change ------------------------------------
	hash=$(shadow_hash)
	t0=$(date +%s)
	pam iampw-test "$FORCED" "$P0" "$P1" "$P1"
	accepted $? "forced change: a good password is accepted"
	t1=$(date +%s)
	v=$(shadow_hash)
	fail_unless "the shadow hash changed, to yescrypt" \
		test "$v" != "$hash" -a "${v#\$y\$}" != "$v"
	pam iampw-test authenticate "$P1"
	accepted $? "the new password authenticates"
	pam iampw-test authenticate "$P0"
	refused $? "the old password no longer authenticates"
	fail_unless "state dir and profiles dir created 0700 root" \
		test "$(stat -c '%a %u' "$state" "$state/profiles" 2>&1 | tr '\n' ' ')" = "700 0 700 0 "
	is "$(stat -c '%F %a %u:%g' "$profile" 2>&1)" "regular file 600 0:0" \
		"the profile exists: a regular file, mode 0600, root:root"
	v=$(profile_get password_last_changed)
	fail_unless "password_last_changed is now ($v in $t0..$t1)" \
		test -n "$v" -a "${v:-0}" -ge "$t0" -a "${v:-0}" -le "$t1"
	is "$(history_keys)" "h1 " "one history entry, h1"
	v=$(profile_get h1)
	fail_unless "h1 is a yescrypt hash" test "${v#\$y\$}" != "$v"
	fail_unless "the profile holds no plaintext password" \
		no_plaintext "$P0" "$P1"
	is "$(profile_get password_reset_required)" false "password_reset_required = false"

	# -- reusing it ----------------------------------------------------------
	# Reset required again, as update-login-profile --password-reset-required
	# sets it, so that the forced changes below are forced ones.
	sed -i 's/^password_reset_required = false$/password_reset_required = true/' "$profile"
	sum=$(shadow_sum)
	psum=$(profile_sum)
	pam iampw-test chauthtok "$P1" "$P1" "$P1" "$P1" "$P1" "$P1"
	refused $? "admin reset: reusing the current password is refused"
	fail_unless "admin reset: 'Password has been used recently. Choose a different password.'" \
		out_has "Password has been used recently. Choose a different password."
	is "$(shadow_sum) $(profile_sum)" "$sum $psum" "admin reset: shadow and profile unchanged"
	pam iampw-test "$FORCED" "$P1" "$P1" "$P1" "$P1" "$P1" "$P1" "$P1"
	refused $? "forced change: reusing the current password is refused"
	fail_unless "forced change: 'Password has been used recently. Choose a different password.'" \
		out_has "Password has been used recently. Choose a different password."
	is "$(shadow_sum) $(profile_sum)" "$sum $psum" "forced change: shadow and profile unchanged"

	# -- the store fails: nothing is recorded --------------------------------
	pam iampw-test-deny chauthtok "$P3" "$P3"
	refused $? "pam_deny before pam_unix: the change fails"
	is "$(shadow_sum) $(profile_sum)" "$sum $psum" "pam_deny before pam_unix: shadow and profile unchanged"
	pam iampw-test-unixfail "$FORCED" "$P1" "$P3" "$P3"
	refused $? "pam_unix refuses after pam_iampw's check passed: the change fails"
	fail_unless "it was pam_unix that refused ('You must choose a longer password')" \
		out_has "You must choose a longer password"
	is "$(shadow_sum) $(profile_sum)" "$sum $psum" "pam_unix refused: shadow and profile unchanged"

	# -- a second change, admin reset ----------------------------------------
	hash=$(shadow_hash)
	t0=$(date +%s)
	pam iampw-test chauthtok "$P2" "$P2"
	accepted $? "admin reset: a good password is accepted"
	t1=$(date +%s)
	fail_unless "the shadow hash changed" test "$(shadow_hash)" != "$hash"
	pam iampw-test authenticate "$P2"
	accepted $? "the admin-set password authenticates"
	is "$(history_keys)" "h1 h2 " "two history entries, h1 h2"
	v=$(profile_get password_last_changed)
	fail_unless "password_last_changed updated ($v in $t0..$t1)" \
		test -n "$v" -a "${v:-0}" -ge "$t0" -a "${v:-0}" -le "$t1"
	fail_unless "the profile holds no plaintext password" \
		no_plaintext "$P0" "$P1" "$P2" "$P3"

	# -- the previous password is still remembered (N = 3) -------------------
	sum=$(shadow_sum)
	psum=$(profile_sum)
	pam iampw-test chauthtok "$P1" "$P1" "$P1" "$P1" "$P1" "$P1"
	refused $? "admin reset: the password before the current one is refused"
	fail_unless "with the reuse message" \
		out_has "Password has been used recently. Choose a different password."
	is "$(shadow_sum) $(profile_sum)" "$sum $psum" "shadow and profile unchanged"
	pam iampw-test authenticate "$P2"
	accepted $? "the current password still authenticates"
	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
	done_testing
}

# --------------------------------------------------------------------------
# On the host.

# The host's accounts and PAM files, and what the test would leave behind
# if it leaked: checked here too, independently of sandbox.sh.
host_state() {
	sha256sum /etc/passwd /etc/shadow /etc/group /etc/gshadow 2>&1
	find /etc/pam.d -type f -exec sha256sum {} + 2>&1 | sort
	ls -d /etc/iampw-test /home/alice /run/iampw-test 2>&1
}

outside() {
	local builddir so
	[ "$(id -u)" -eq 0 ] ||
		skip_all "needs root: useradd, chpasswd and pam_unix run in a throwaway namespace sandbox"
	for tool in pamtester useradd chpasswd unshare; do
		command -v "$tool" >/dev/null 2>&1 ||
			bail_out "$tool is not installed (tools/deps.sh)"
	done
	builddir=$(cd "${top_builddir:-$here/../..}" && pwd) || bail_out "no build directory"
	so=$builddir/pam_iampw/.libs/pam_iampw.so
	[ -f "$so" ] || bail_out "the module is not built: $so"

	plan $((INSIDE_TESTS + OUTSIDE_TESTS))
	diag "module: $so"
	sandbox_outside "$here/sandbox.sh" \
		IAMPW_SO="$so" top_builddir="$builddir"
}

if [ "${1:-}" = --inside ]; then
	[ "${SANDBOX:-}" = 1 ] || bail_out "--inside runs only inside sandbox.sh"
	inside
else
	outside
fi
