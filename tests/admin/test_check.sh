#!/bin/bash
# iampw-admin check (SPEC §6), like `sshd -t`: a clean setup exits 0 and
# prints nothing; otherwise every problem is one line on stderr, nothing
# goes to stdout, the exit status is 253, and one run lists them all:
# iampw.conf, policy.conf and each file of the profile store, including
# profiles that no account owns any more, or whose account was renamed or
# re-created (SPEC §3.1), each with how to resolve it.
#
# Profiles need real accounts (uids, scope), so the test runs inside a
# throwaway copy of this host (tests/sandbox/sandbox.sh).

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"

INSIDE_TESTS=49
OUTSIDE_TESTS=3

# --------------------------------------------------------------------------
# Inside the sandbox.

admin_sandbox_files
# Set in setup: the temp file name of an interrupted write of chk_a's profile.
TEMP=

# write_profile USER UID [MODE] [FP]: our profile format (lib/profile.c),
# filed under UID and bound to USER's shadow entry (or to FP).
write_profile() {
	local fp=${4:-$(account_fp "$1")}
	{
		echo "[profile]"
		echo "user = $1"
		echo "uid = $2"
		echo "account = $fp"
		echo "create_date = 1700000000"
		echo "password_last_changed = 1700000000"
		echo "password_reset_required = false"
	} >"$profiles/$2"
	chmod "${3:-0600}" "$profiles/$2"
}

# pf USER: USER's profile file (profiles are filed by uid).
pf() {
	echo "$profiles/$(id -u "$1")"
}

write_conf() {
	printf '[scope]\nmin_uid = 1000\nmax_uid = 60000\n' >"$conf/iampw.conf"
	printf '[policy]\nminimum_password_length = 10\n' >"$conf/policy.conf"
	chmod 0644 "$conf/iampw.conf" "$conf/policy.conf"
}

# has TEXT: a line of stderr contains TEXT.
has() {
	grep -qF -- "$1" "$err"
}

clean() {
	[ ! -s "$out" ] && [ ! -s "$err" ]
}

setup() {
	local u
	umask 022
	mkdir -p "$conf" "$work" || return 1
	mkdir -m 0700 "$state" "$profiles" || return 1
	write_conf
	for u in chk_a chk_b chk_c chk_d chk_e chk_f; do
		useradd -M -s /bin/sh "$u" >&2 || return 1
		write_profile "$u" "$(id -u "$u")"
	done
	useradd -M -r -s /usr/sbin/nologin chk_sys >&2 || return 1
	TEMP=.$(id -u chk_a).Ab3dE5gH9k
	# A lock file stays for good (lib/store.c): never a problem.
	install -m 0600 /dev/null "$profiles/.$(id -u chk_a).lock"
}

# Problems in the store only; iampw.conf is fine, so scope is judged too.
break_profiles() {
	printf '[profile]\nthis line is no INI\n' >"$(pf chk_b)"
	chmod 0600 "$(pf chk_b)"
	# The profile of a deleted account: no account has its uid.
	write_profile chk_ghost 4242 0600 "$(account_fp chk_a)"
	# usermod -l chk_c_old chk_c: the profile still says chk_c_old.
	write_profile chk_c_old "$(id -u chk_c)" 0600 "$(account_fp chk_c)"
	# userdel + useradd under the same uid, or chpasswd: another credential.
	write_profile chk_e "$(id -u chk_e)" 0600 "$(printf '%064d' 7)"
	install -m 0600 /dev/null "$profiles/$TEMP"
	chmod 0666 "$(pf chk_d)"
	chmod 0640 "$(pf chk_f)"
	write_profile chk_sys "$(id -u chk_sys)"
	install -m 0600 /dev/null "$profiles/bad name"
	# A profile as 0.1.0 named it: never read, reported.
	install -m 0600 /dev/null "$profiles/chk_a"
	install -m 0600 /dev/null "$profiles/.chk_a.swp"
}

inside() {
	local n
	setup
	fail_unless "setup: users, configuration and profiles" test $? -eq 0

	# -- clean ---------------------------------------------------------------
	admin check
	is "$?" 0 "a clean setup: exit 0"
	is "$(cat "$out")" "" "a clean setup: nothing on stdout"
	is "$(cat "$err")" "" "a clean setup: nothing on stderr"
	"$ADMIN" --config "$conf/none.conf" --policy "$conf/none-policy.conf" \
		--state-dir "$work/none" check >"$out" 2>"$err"
	is "$?" 0 "no iampw.conf, no policy.conf, no state dir: exit 0 (defaults)"
	fail_unless "and no output" clean

	# -- problems in the profile store --------------------------------------
	break_profiles
	admin check
	is "$?" 253 "store problems: exit 253"
	is "$(cat "$out")" "" "nothing on stdout"
	fail_unless "a corrupt profile, as file:line" has "$(pf chk_b):2: "
	fail_unless "a profile no account owns, and how to resolve it" \
		has "$profiles/4242: no account has uid 4242 any more (the profile of chk_ghost, a deleted account): remove the file once the account is gone for good"
	fail_unless "a renamed account's profile, and how to resolve it" \
		has "$(pf chk_c): the account chk_c (uid $(id -u chk_c)) was renamed from chk_c_old; its rules still apply: run 'iampw-admin adopt-user --user-name chk_c' to record the new name"
	fail_unless "a re-created account's profile, and how to resolve it" \
		has "$(pf chk_e): the profile of chk_e does not belong to the account chk_e that has uid $(id -u chk_e) now (re-created, or its password was set outside PAM): chk_e must set a new password at the next password login; run 'iampw-admin adopt-user --user-name chk_e' to keep its current password, or 'iampw-admin create-login-profile --user-name chk_e' to set a new one"
	fail_unless "a leftover temp file" has "$profiles/$TEMP: temporary file left"
	fail_unless "a profile writable by others" \
		has "$(pf chk_d): writable by group or others (mode 0666)"
	fail_unless "a profile readable by its group (it holds hashes)" \
		has "$(pf chk_f): readable by group or others (mode 0640)"
	fail_unless "a profile of an out-of-scope account" \
		has "$(pf chk_sys): the account chk_sys is out of scope"
	fail_unless "a file name that is no uid, escaped" \
		has "$profiles/bad\\x20name: not named by a uid, so never a profile"
	fail_unless "a profile named as 0.1.0 named it" \
		has "$profiles/chk_a: not named by a uid, so never a profile"
	fail_unless "a stray hidden file" has "$profiles/.chk_a.swp: not a profile"
	fail_if "the good profile and its lock are not mentioned" \
		grep -E "/$(id -u chk_a)(:|\$)|\\.$(id -u chk_a)\\.lock" "$err"
	n=$(wc -l <"$err")
	is "$n" 11 "one line per problem"

	# A temp file of a write under way (its user's lock held) is no problem.
	flock -x "$profiles/.$(id -u chk_a).lock" \
		"$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" \
		--state-dir "$state" check >"$out" 2>"$err"
	is "$?" 253 "with chk_a's lock held: still 253 (other problems)"
	fail_if "the temp file of a write in progress is not reported" has "$TEMP"
	is "$(wc -l <"$err")" 10 "the other problems still are"

	# -- and the configuration too: all in one run -------------------------
	echo "colour = blue" >>"$conf/iampw.conf"
	printf '[policy]\nminimum_password_length = 5\n' >"$conf/policy.conf"
	admin check
	is "$?" 253 "everything broken: exit 253"
	is "$(cat "$out")" "" "nothing on stdout"
	fail_unless "the bad iampw.conf key, as file:line" \
		has "$conf/iampw.conf:4: unknown key 'colour' in [scope]"
	fail_unless "the bad policy value, as file:line" \
		has "$conf/policy.conf:2: Value '5' at 'minimumPasswordLength'"
	fail_unless "the corrupt profile, in the same run" has "$(pf chk_b):2: "
	fail_unless "the profile no account owns, in the same run" has "$profiles/4242: no account has uid 4242"
	fail_unless "the renamed account, in the same run" has "was renamed from chk_c_old"
	fail_unless "the re-created account, in the same run" has "does not belong to the account chk_e"
	fail_unless "the temp file, in the same run" has "$profiles/$TEMP: temporary file left"
	fail_unless "the 0666 profile, in the same run" has "$(pf chk_d): writable"
	# Scope cannot be judged from a broken iampw.conf: no guess either way.
	fail_if "no scope verdict from a broken iampw.conf" has "out of scope"

	# -- the state dir itself ------------------------------------------------
	write_conf
	rm -f "$profiles"/* "$profiles"/.[0-9c]*
	admin check
	is "$?" 0 "an empty store: exit 0"

	# -- the host's stack: a check line without its commit line ------------
	# (the sandbox's /etc is a private copy)
	cp /etc/pam.d/common-password "$work/common-password.orig"
	printf '%s\n' 'password requisite pam_iampw.so' \
		'password [success=1 default=ignore] pam_unix.so obscure use_authtok yescrypt' \
		'password requisite pam_deny.so' 'password required pam_permit.so' \
		>/etc/pam.d/common-password
	admin check
	is "$?" 253 "common-password checks with pam_iampw but has no commit line: exit 253"
	fail_unless "named, with the fix" \
		has "/etc/pam.d/common-password: pam_iampw checks new passwords but no 'password ... pam_iampw.so commit' line records them"
	echo 'password optional pam_iampw.so commit' >>/etc/pam.d/common-password
	admin check
	is "$?" 0 "with the commit line: exit 0"
	cp "$work/common-password.orig" /etc/pam.d/common-password
	chmod 0755 "$state"
	admin check
	is "$?" 253 "a world-readable state dir (it holds hashes): exit 253"
	fail_unless "named" has "$state: readable by group or others (mode 0755)"
	chmod 0777 "$state"
	admin check
	is "$?" 253 "a world-writable state dir: exit 253"
	fail_unless "named" has "$state: writable by group or others"
	chmod 0700 "$state"

	# -- the screening filter (SPEC 9.1) -------------------------------------
	printf '[screening]\nblocklist = %s\n' "$conf/bl.pwq" >>"$conf/iampw.conf"
	admin check
	is "$?" 253 "a configured filter that is missing: exit 253"
	fail_unless "named" has "$conf/bl.pwq: does not exist"
	printf 'password\n123456\n' | pwqfilter --create=100 -o "$conf/bl.pwq" 2>/dev/null
	chmod 0644 "$conf/bl.pwq"
	admin check
	is "$?" 0 "a filter built by pwqfilter: exit 0"
	chmod 0666 "$conf/bl.pwq"
	admin check
	is "$?" 253 "a world-writable filter: exit 253"
	fail_unless "named" has "$conf/bl.pwq: writable by group or others"
	printf 'PWQ0 and nothing else\n' >"$conf/bl.pwq"
	chmod 0644 "$conf/bl.pwq"
	admin check
	fail_unless "a file that is no filter: named" has "$conf/bl.pwq: "

	inside_done
}

# --------------------------------------------------------------------------
# On the host.

# host_state: lib.sh's (the account files, /etc/iampw-test, /run/iampw-test).

admin_sandbox_main "useradd and iampw-admin run in a throwaway namespace sandbox" \
	useradd flock unshare -- "$@"
