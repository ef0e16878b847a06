#!/bin/bash
# Reliability, hostile input (issue 6; fuzzing is in tests/fuzz/): what
# pam_iampw and iampw-admin do with files, directories, user names,
# passwords and conversations that an attacker or an accident made, in
# the throwaway sandbox (tests/sandbox/sandbox.sh) on real users and real
# libpam.  Each case drives the three consumers of SPEC §7 where they
# apply:
#   password stack   an admin reset of alice through the chg stack
#                    (pamdrive as root): the PAM code, and the problem
#                    logged as "user alice: file[:line]: what"
#   account stack    pam_acct_mgmt for alice through acctw (below)
#   iampw-admin      get-login-profile and update-login-profile
#                    --password-reset-required (reads and writes the
#                    profile): exit status and IAM error name
#
# Groups:
#   §7 rows          iampw.conf / policy.conf invalid, profile corrupt or
#                    belonging to another user, every problem listed,
#                    state dir or profiles dir missing, non-root callers
#                    (the lock row is in test_faults.sh)
#   file kinds       iampw.conf, policy.conf and the profile as a symlink
#                    to a valid copy elsewhere, a hard link, a FIFO (under
#                    timeout 10: it must finish at once), a directory, a
#                    10 MB file, a 1 GiB sparse file, owned by alice, mode
#                    0666; the conf dir 0777; the state dir and the
#                    profiles dir as a symlink, a plain file, owned by
#                    alice, mode 0777; the lock file as a dangling
#                    symlink, a FIFO, a directory.  The strict reader
#                    (lib/file.c) refuses symlinks, non-regular files,
#                    files not owned by root, group/other-writable files,
#                    files over 64 KiB (IAMPW_CONF_SIZE_MAX,
#                    IAMPW_PROFILE_SIZE_MAX in lib/internal.h); a hard
#                    link is the file itself and is accepted.  Nothing is
#                    read through a link, and nothing outside the state
#                    dir is written: link targets keep their bytes, and
#                    /tmp, the conf dir, the link targets' dirs, the
#                    working dir and the top of /etc, /run, /var/lib get no
#                    new entry.
#   user names       ../x . .. a/b, 300 characters, control characters:
#                    through pamdrive the same answer as an unknown user;
#                    through iampw-admin a ValidationError (an unknown
#                    valid name is NoSuchEntity); also with ../x and a/b
#                    made known to NSS in the sandbox's /etc/passwd; and
#                    ALICE answered by alice's account (a case-insensitive
#                    NSS source): her profile applies
#   passwords        511, 512, 513 and 100,000 bytes with yescrypt cost 8
#                    history hashing: 511 bytes, the most libxcrypt (and so
#                    pam_unix) can hash, is accepted; 512 bytes and more are
#                    refused before any hashing (< 10 ms where one hash
#                    takes > 50 ms).  511 and 512 bytes must be 128
#                    characters or fewer (SPEC §4.3), so they are made of
#                    4-byte UTF-8 characters under a policy without
#                    character classes.
#   conversations    pamdrive -c conv-err / null-reply / null-resp for a
#                    change, -c info-fail for a login inside the warning
#                    window
#
# The account stack is driven through the service "acctw":
#   account [success=done ignore=ignore default=die] pam_iampw.so ...
#   account requisite pam_deny.so
# A stack of modules that all return PAM_IGNORE makes libpam answer
# PAM_PERM_DENIED; the witness line (pam_deny, PAM_AUTH_ERR, reached only
# when pam_iampw ignored the call) tells PAM_IGNORE apart: acctw's
# PAM_AUTH_ERR is reported as PAM_IGNORE.
#
# The test found three product problems, now fixed: values of a file with
# an unknown key were not reported, a 512-byte password passed the input
# check but could not be hashed, and the readers did not check the
# configuration directory.

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"
. "$here/lib.sh"

INSIDE_TESTS=64
REL_TOOLS=(timeout truncate mkfifo setpriv sha256sum)

# Valid copies that links point to live here: outside the state dir and
# the conf dir, on the same file systems (hard links).
other=/var/lib/iampw-rel-other
cother=/etc/iampw-rel-other
# pamdrive and iampw-admin output; everything else under $work is watched.
out=$work/out
# The working directory of every command (watched: nothing may appear).
cwd=$work/cwd

# --------------------------------------------------------------------------
# Helpers (inside the sandbox).

pwn=0
maxms=0

# run_t CMD...: CMD under timeout 10; $rc its status, $ms its wall time,
# $maxms the longest since the case began.
run_t() {
	local t0
	t0=$(date +%s%N)
	timeout 10 "$@"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -gt "$maxms" ] && maxms=$ms
	return 0
}

# plabel FILE: pamdrive's last code in FILE, or what went wrong.
plabel() {
	if [ "$rc" -eq 124 ]; then
		echo "HANG (killed after 10 s)"
	elif [ "$rc" -ge 128 ]; then
		echo "CRASH (status $rc)"
	elif [ "$rc" -ge 99 ]; then
		echo "pamdrive failed (status $rc)"
	else
		sed -n 's/^rc op=. code=\([A-Z_]*\) .*/\1/p' "$1" | tail -n 1
	fi
}

# pw USER [PAMDRIVE_OPTION]...: an admin reset of USER to a new valid
# password through chg; $P the PAM code, output in $out/p.out.
pw() {
	local user=$1 p
	shift
	pwn=$((pwn + 1))
	p="Fresh+Pass+${pwn}Qz"
	run_t "$PAMDRIVE" "$@" -p <(printf '%s\n' "$p" "$p") "$work/pam.d" chg "$user" \
		>"$out/p.out" 2>&1
	P=$(plabel "$out/p.out")
}

# acct USER [PAMDRIVE_OPTION]...: an account check; $A the code.
acct() {
	local user=$1
	shift
	run_t "$PAMDRIVE" "$@" -o a "$work/pam.d" acctw "$user" >"$out/a.out" 2>&1
	A=$(plabel "$out/a.out")
	[ "$A" = PAM_AUTH_ERR ] && A=PAM_IGNORE
}

# adm ARG...: iampw-admin on the test's files; $I "Name (status)",
# "success (0)" or "exit N"; stdout in $out/i.out, stderr in $out/i.err.
adm() {
	run_t "$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" \
		--state-dir "$state" "$@" </dev/null >"$out/i.out" 2>"$out/i.err"
	ilabel
}

ilabel() {
	local name
	name=$(sed -n 's/^An error occurred (\([A-Za-z]*\)).*/\1/p' "$out/i.err" | head -n 1)
	if [ "$rc" -eq 0 ]; then
		I="success (0)"
	elif [ "$rc" -eq 124 ]; then
		I="HANG (killed after 10 s)"
	elif [ -n "$name" ]; then
		I="$name ($rc)"
	else
		I="exit $rc"
	fi
}

# The standard run of one case: the three consumers on alice.
consumers() {
	pw alice
	acct alice
	adm get-login-profile --user-name alice
	I1=$I
	cp "$out/i.err" "$out/i1.err"
	adm update-login-profile --user-name alice --password-reset-required
	I2=$I
}

# Assertions of a case collect their failures here; finish reports once.
bad=()
want() { # GOT WANT LABEL
	[ "$1" = "$2" ] || bad+=("$3: got '$1', want '$2'")
}
check() { # LABEL CMD...
	"${@:2}" >/dev/null 2>&1 || bad+=("$1")
}
finish() { # DESC RESULT
	if [ ${#bad[@]} -eq 0 ]; then
		pass "$1"
	else
		fail "$1"
		diag "${bad[@]}"
	fi
	result "$2"
	bad=()
}

logged() { # FIXED_STRING: a line of the syslog contains it
	grep -qF -- "$1" "$SANDBOX_LOG"
}
printed() { # FIXED_STRING: iampw-admin's stderr contains it
	grep -qF -- "$1" "$out/i.err"
}
lacks() { # FIXED_STRING FILE: no line of FILE contains it
	! grep -qF -- "$1" "$2"
}
both() { # A B: "A" when the two are the same, else "A / B"
	if [ "$1" = "$2" ]; then echo "$1"; else echo "$1 / $2"; fi
}

# fsig PATH: what PATH is, without following or reading a FIFO: type,
# mode, owner, size, inode, mtime and, for a regular file under 20 MB,
# its SHA-256.
fsig() {
	local p=$1
	if [ ! -e "$p" ] && [ ! -L "$p" ]; then
		echo absent
		return
	fi
	stat -c '%F %a %u:%g %s %i %.9Y' "$p"
	if [ -f "$p" ] && [ ! -L "$p" ] && [ "$(stat -c %s "$p")" -lt 20000000 ]; then
		sha256sum <"$p" | cut -d' ' -f1
	fi
}

# Everything outside the state dir a write could reach: entries and
# metadata under /tmp, $work (but its output dir), $conf, $other,
# $cother, and the top level of /etc, /run, /var/lib, /var.
outside_snap() {
	{
		find /tmp "$work" "$conf" "$other" "$cother" -xdev -path "$out" -prune -o \
			-printf '%p %y %m %u %s %i %T@\n' 2>/dev/null
		find /etc /run /var/lib /var / -maxdepth 1 ! -path "$state" -printf '%p %y\n' 2>/dev/null
	} | sort
}
# snap_check SNAPSHOT [PATH]...: nothing changed since SNAPSHOT, but the
# lines of PATHs (written on purpose).
snap_check() {
	local was=$1 now p
	now=$(outside_snap)
	shift
	for p in "$@"; do
		was=$(grep -v -e "^$p " <<<"$was")
		now=$(grep -v -e "^$p " <<<"$now")
	done
	[ "$now" = "$was" ] ||
		bad+=("written outside the state dir:" "$(diff <(echo "$was") <(echo "$now") | head -n 20)")
}

# The starting point of every case: valid files, alice's valid profile
# (root 0600), no lock file, empty $other and $cother.
fixture() {
	umask 022
	chmod 0755 "$conf"
	rm -rf "$other" "$cother" "$state" "${conf:?}"/*
	rel_config
	rel_policy
	install -d -m 0700 "$state" "$profiles"
	install -m 0600 "$work/alice.good" "$profiles/1001"
	mkdir -p "$other" "$cother"
	sandbox_log_clear >/dev/null 2>&1
	maxms=0
	bad=()
}

# --------------------------------------------------------------------------
# §7 rows.

# Two problems in iampw.conf: a number in octal form, a cost out of range.
case_conf_invalid() {
	local s0
	fixture
	rel_config "[account]" "warn_days = 010" "[history]" "hash = yescrypt" "cost = 99"
	s0=$(outside_snap)
	consumers
	pw alice -u 1001
	local self
	self=$P
	check "the user (real uid 1001) sees only the generic sentence" \
		grep -qx 'msg 3 System configuration error. Contact your administrator.' "$out/p.out"
	check "the user sees no detail" lacks iampw.conf "$out/p.out"
	acct bob
	local abob=$A
	acct daemon
	local adaemon=$A
	sandbox_log_sync >/dev/null
	want "$P" PAM_AUTHTOK_ERR "password change"
	want "$self" PAM_AUTHTOK_ERR "self change"
	want "$A" PAM_IGNORE "account, daemon (uid 1, outside the default scope)"
	want "$abob" PAM_AUTHINFO_UNAVAIL "account, bob (in scope, no profile)"
	acct alice
	want "$A" PAM_AUTHINFO_UNAVAIL "account, alice"
	want "$I1" "exit 253" get-login-profile
	want "$I2" "exit 253" update-login-profile
	check "admin lists problem 1 (line 5)" printed "$conf/iampw.conf:5: warn_days: not a plain base-10 number: '010'"
	check "admin lists problem 2 (line 8)" printed "$conf/iampw.conf:8: cost: 99 is out of range (0 to 11)"
	check "admin prints nothing on stdout" test ! -s "$out/i.out"
	check "logged for the change: user alice: iampw.conf:5" \
		logged "pam_iampw(chg:chauthtok): user alice: $conf/iampw.conf:5: warn_days"
	check "logged for the change: user alice: iampw.conf:8" \
		logged "pam_iampw(chg:chauthtok): user alice: $conf/iampw.conf:8: cost: 99"
	check "logged for the account check" \
		logged "pam_iampw(acctw:account): user alice: $conf/iampw.conf:8: cost: 99"
	check "logged for daemon too" logged "user daemon: $conf/iampw.conf:8"
	check "profile unchanged" cmp -s "$profiles/1001" "$work/alice.good"
	snap_check "$s0"
	finish "iampw.conf invalid (a number in octal form, a cost out of range): password change of alice (admin reset and self change), account check of alice, bob and daemon, get/update-login-profile" \
		"change $P, logged as iampw.conf:5 and :8; the user sees only \"System configuration error\"; account $A for in-scope alice and bob, $adaemon for daemon (outside the default scope); iampw-admin $(both "$I1" "$I2") listing both lines"
}

case_policy_invalid() {
	local s0 self
	fixture
	rel_policy "minimum_password_length = 0x10" "require_symbols = True"
	s0=$(outside_snap)
	consumers
	pw alice -u 1001
	self=$P
	check "the user sees only the generic sentence" \
		grep -qx 'msg 3 System configuration error. Contact your administrator.' "$out/p.out"
	acct bob
	local abob=$A
	acct alice
	sandbox_log_sync >/dev/null
	want "$P" PAM_AUTHTOK_ERR "password change"
	want "$self" PAM_AUTHTOK_ERR "self change"
	want "$A" PAM_AUTHINFO_UNAVAIL "account, alice"
	want "$abob" PAM_AUTHINFO_UNAVAIL "account, bob (no profile)"
	want "$I1" "exit 253" get-login-profile
	want "$I2" "exit 253" update-login-profile
	check "admin lists problem 1 (line 3)" printed "$conf/policy.conf:3: minimum_password_length: not a plain base-10 number: '0x10'"
	check "admin lists problem 2 (line 4)" printed "$conf/policy.conf:4: require_symbols: not one of true/false/yes/no/1/0: 'True'"
	check "logged for the change: policy.conf:3" \
		logged "pam_iampw(chg:chauthtok): user alice: $conf/policy.conf:3: minimum_password_length"
	check "logged for the change: policy.conf:4" \
		logged "pam_iampw(chg:chauthtok): user alice: $conf/policy.conf:4: require_symbols"
	check "logged for the account check" \
		logged "pam_iampw(acctw:account): user alice: $conf/policy.conf:4"
	check "profile unchanged" cmp -s "$profiles/1001" "$work/alice.good"
	snap_check "$s0"
	finish "policy.conf invalid (a number in hexadecimal, a boolean 'True'): password change of alice (admin reset and self change), account check of alice and bob, get/update-login-profile" \
		"change $P, logged as policy.conf:3 and :4; the user sees only \"System configuration error\"; account $A; iampw-admin $(both "$I1" "$I2") listing both lines"
}

# The profile cases share their checks: PROBLEM... are fixed strings that
# the log (for the change and the account check) and iampw-admin's
# stderr must hold.
profile_refused_checks() {
	local p
	want "$P" PAM_AUTHTOK_ERR "password change"
	want "$A" PAM_AUTHINFO_UNAVAIL "account check"
	want "$I1" "ServiceFailure (254)" get-login-profile
	want "$I2" "ServiceFailure (254)" update-login-profile
	check "admin prints nothing on stdout" test ! -s "$out/i.out"
	for p in "$@"; do
		check "logged for the change: $p" logged "pam_iampw(chg:chauthtok): user alice: $p"
		check "logged for the account check: $p" logged "pam_iampw(acctw:account): user alice: $p"
		check "get-login-profile says: $p" grep -qF -- "$p" "$out/i1.err"
	done
}

case_profile_corrupt() {
	local s0 sum
	fixture
	sed -i -e 's/^uid = .*/uid = 01001/' -e 's/^create_date = .*/create_date = -5/' "$profiles/1001"
	chmod 0600 "$profiles/1001"
	sum=$(profile_sum alice)
	s0=$(outside_snap)
	consumers
	pw alice -u 1001
	local self=$P
	check "the user sees only the generic sentence" \
		grep -qx 'msg 3 System configuration error. Contact your administrator.' "$out/p.out"
	acct alice
	sandbox_log_sync >/dev/null
	want "$self" PAM_AUTHTOK_ERR "self change"
	profile_refused_checks "$profiles/1001:5: uid: not a plain base-10 number: '01001'" \
		"$profiles/1001:7: create_date: '-5' is out of range (0 to 253402300799)"
	want "$(profile_sum alice)" "$sum" "profile bytes"
	snap_check "$s0"
	finish "profile corrupt (uid in octal form, a negative create_date): password change of alice (admin reset and self change), account check, get/update-login-profile" \
		"change $P, logged as 1001:5 and :7; account $A; iampw-admin $I1 naming both lines; profile unchanged"
}

# A file with both a structural problem (an unknown key) and a bad value:
# iampw.conf(5) "every problem in the file is reported", SPEC §7 "exit
# 253, every problem listed".  A profile, written only by our serializer,
# is reported by its structural problems alone (iampw.conf(5)).
case_every_problem() {
	local l listed="" missing=""
	fixture
	rel_config "[account]" "warn_days = 010" "colour = blue"
	rel_policy "minimum_password_length = 0x10" "colour = blue"
	sed -i -e 's/^uid = .*/uid = 01001/' -e '/^\[history\]/i colour = blue' "$profiles/1001"
	adm check
	want "$rc" 253 "iampw-admin check exit status"
	for l in "$conf/iampw.conf:5: warn_days: not a plain base-10 number: '010'" \
		"$conf/iampw.conf:6: unknown key 'colour' in [account]" \
		"$conf/policy.conf:3: minimum_password_length: not a plain base-10 number: '0x10'" \
		"$conf/policy.conf:4: unknown key 'colour' in [policy]" \
		"$profiles/1001:10: unknown key 'colour' in [profile]"; do
		local at=${l##*/}
		at=${at%%: *}
		if printed "$l"; then
			listed="$listed${listed:+, }$at"
		else
			missing="$missing${missing:+, }$at"
			bad+=("not listed: $l")
		fi
	done
	printed "$profiles/1001:5: uid: not a plain base-10 number" &&
		bad+=("the profile's value was reported although the profile is reported by structure alone")
	finish "every problem listed: an unknown key and a malformed number in each of iampw.conf, policy.conf and the profile, iampw-admin check" \
		"exit $rc; listed: $listed${missing:+; NOT listed: $missing}; the profile's malformed uid is not (a profile is reported by its structural problems alone)"
}

case_profile_foreign() {
	local s0 sum
	fixture
	# bob's profile copied onto alice's name (a restore gone wrong).
	pw bob
	cp "$profiles/1002" "$profiles/1001"
	sum=$(profile_sum alice)
	sandbox_log_clear >/dev/null
	s0=$(outside_snap)
	consumers
	sandbox_log_sync >/dev/null
	profile_refused_checks "$profiles/1001: belongs to uid 1002"
	want "$(profile_sum alice)" "$sum" "profile bytes"
	snap_check "$s0"
	finish "profile of another user (bob's profile copied to alice's name): password change of alice, account check, get/update-login-profile" \
		"change $P, account $A, iampw-admin $I1, each saying \"belongs to uid 1002\"; nothing changed"
}

case_state_missing() {
	local s0 mode1 mode2
	fixture
	rm -rf "$state"
	s0=$(outside_snap)
	acct alice
	local a0=$A
	adm get-login-profile --user-name alice
	local i0=$I
	want "$(fsig "$state")" absent "state dir after the account check and get-login-profile"
	umask 000
	pw alice
	umask 022
	mode1=$(stat -c '%a %U' "$state" 2>&1)
	mode2=$(stat -c '%a %U' "$profiles" 2>&1)
	acct alice
	want "$a0" PAM_IGNORE "account check, no state dir"
	want "$i0" "NoSuchEntity (254)" "get-login-profile, no state dir"
	want "$P" PAM_SUCCESS "password change"
	want "$mode1" "700 root" "state dir made by the change (umask 000)"
	want "$mode2" "700 root" "profiles dir made by the change (umask 000)"
	want "$(stat -c '%a %U' "$profiles/1001" 2>&1)" "600 root" "the new profile"
	want "$A" PAM_SUCCESS "account check after the change"
	# iampw-admin makes it too: create-login-profile of bob (Unix password
	# set through /etc/pam.d/iampw-admin).
	rm -rf "$state"
	run_t "$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" \
		--state-dir "$state" create-login-profile --user-name bob --password-stdin \
		< <(printf '%s\n' 'Admin+Made+77Kz') >"$out/i.out" 2>"$out/i.err"
	ilabel
	want "$I" "success (0)" "create-login-profile"
	want "$(stat -c '%a %U' "$state" "$profiles" 2>&1 | tr '\n' ' ')" "700 root 700 root " \
		"state and profiles dirs made by iampw-admin"
	snap_check "$s0"
	finish "state dir missing: account check, get-login-profile, password change of alice under umask 000, create-login-profile of bob" \
		"account $a0 and get-login-profile $i0 (as \"no profile\"; nothing created); the change ($P) creates the state and profiles dirs root 0700 despite umask 000; iampw-admin create-login-profile $I creates them too"
}

case_profiles_missing() {
	local s0
	fixture
	rm -rf "$profiles"
	s0=$(outside_snap)
	acct alice
	local a0=$A
	adm get-login-profile --user-name alice
	local i0=$I
	pw alice
	want "$a0" PAM_IGNORE "account check"
	want "$i0" "NoSuchEntity (254)" "get-login-profile"
	want "$P" PAM_SUCCESS "password change"
	want "$(stat -c '%a %U' "$profiles" 2>&1)" "700 root" "profiles dir made by the change"
	snap_check "$s0"
	finish "state dir present, its profiles subdir missing: account check, get-login-profile, password change of alice" \
		"account $a0, get-login-profile $i0 (as \"no profile\"); the change ($P) creates profiles/ root 0700"
}

case_nonroot() {
	local s0 a1 a2 a3
	fixture
	s0=$(outside_snap)
	acct alice -u 1001:1001
	a1=$A
	# A corrupt profile, then a broken iampw.conf (which alice can read).
	echo "colour = blue" >>"$profiles/1001"
	acct alice -u 1001:1001
	a2=$A
	acct alice
	local aroot=$A
	install -m 0600 "$work/alice.good" "$profiles/1001"
	echo "colour = blue" >>"$conf/iampw.conf"
	acct alice -u 1001:1001
	a3=$A
	rel_config
	run_t setpriv --reuid=1001 --regid=1001 --clear-groups "$ADMIN" \
		--config "$conf/iampw.conf" --policy "$conf/policy.conf" --state-dir "$state" \
		get-login-profile --user-name alice </dev/null >"$out/i.out" 2>"$out/i.err"
	ilabel
	want "$a1" PAM_IGNORE "account check by uid 1001 (state dir unreadable)"
	want "$a2" PAM_IGNORE "account check by uid 1001, corrupt profile"
	want "$aroot" PAM_AUTHINFO_UNAVAIL "the same corrupt profile, account check by root"
	want "$a3" PAM_AUTHINFO_UNAVAIL "account check by uid 1001, iampw.conf invalid (readable: fails closed)"
	want "$I" "exit 255" "iampw-admin as uid 1001"
	check "profile unchanged" cmp -s "$profiles/1001" "$work/alice.good"
	snap_check "$s0" "$conf/iampw.conf" "$conf"
	finish "non-root caller (a screen locker, uid 1001): account check of alice with a valid profile, a corrupt one, a broken iampw.conf; iampw-admin run by alice" \
		"account $a1 (profile unreadable), $a2 with a corrupt profile (root gets $aroot), $a3 with a broken iampw.conf; iampw-admin refused ($I)"
}

# --------------------------------------------------------------------------
# File kinds.

declare -A kind_desc=(
	[symlink]="a symlink to a valid copy elsewhere"
	[hardlink]="a hard link to a file elsewhere"
	[fifo]="a FIFO"
	[dir]="a directory"
	[big]="a 10 MB file"
	[sparse]="a 1 GiB sparse file (truncate -s 1G)"
	[alice]="owned by alice"
	[mode666]="mode 0666"
)
declare -A kind_what=(
	[symlink]="is a symbolic link"
	[fifo]="is a FIFO"
	[dir]="is a directory"
	[big]="larger than 65536 bytes"
	[sparse]="larger than 65536 bytes"
	[alice]="owned by uid 1001, not root"
	[mode666]="writable by group or others (mode 0666)"
)

# make_kind KIND FILE ELSEWHERE: make the valid FILE into KIND; the kinds
# that point somewhere get a valid copy in ELSEWHERE.
make_kind() {
	local kind=$1 f=$2 dir=$3 name=${2##*/} mode
	mode=$(stat -c %a "$f")
	case $kind in
	symlink)
		cp -p "$f" "$dir/$name" && rm -f "$f" && ln -s "$dir/$name" "$f" ;;
	hardlink)
		cp -p "$f" "$dir/$name" && rm -f "$f" && ln "$dir/$name" "$f" ;;
	fifo)
		rm -f "$f" && mkfifo -m "$mode" "$f" ;;
	dir)
		rm -f "$f" && mkdir -m 0755 "$f" ;;
	big)
		# Valid lines, then comment lines up to 10 MiB.
		{ cat "$f"; yes '; padding padding padding padding padding'; } 2>/dev/null |
			head -c 10485760 >"$f.big" && chmod "$mode" "$f.big" && mv "$f.big" "$f" ;;
	sparse)
		truncate -s 1G "$f" ;;
	alice)
		chown alice "$f" ;;
	mode666)
		chmod 0666 "$f" ;;
	esac
}

# The whole policy of rel_policy, for update-account-password-policy.
POLICY_ARGS=(--minimum-password-length 12 --require-symbols --require-numbers
	--require-uppercase-characters --require-lowercase-characters
	--password-reuse-prevention 24)

# conf_kind FILE KIND: iampw.conf or policy.conf made into KIND.
conf_kind() {
	local file=$1 kind=$2 f=$conf/$1 s0 sig0 tsig0 ip=""
	local what=${kind_what[$kind]}
	fixture
	make_kind "$kind" "$f" "$cother" || bad+=("cannot make $file $kind")
	sig0=$(fsig "$f")
	tsig0=$(fsig "$cother/$file")
	s0=$(outside_snap)
	consumers
	if [ "$file" = policy.conf ]; then
		adm update-account-password-policy "${POLICY_ARGS[@]}"
		ip=$I
	fi
	sandbox_log_sync >/dev/null
	want "$(fsig "$cother/$file")" "$tsig0" "the link's target ($cother/$file)"
	if [ "$kind" = hardlink ]; then
		want "$P" PAM_SUCCESS "password change"
		want "$A" PAM_SUCCESS "account check"
		want "$I1" "success (0)" get-login-profile
		want "$I2" "success (0)" update-login-profile
		[ -n "$ip" ] && want "$ip" "success (0)" update-account-password-policy
		# iampw.conf is never written; policy.conf only by replacing it
		# (a new inode in $conf), never in place through the link.
		if [ "$file" = iampw.conf ]; then
			want "$(fsig "$f")" "$sig0" "$file"
			snap_check "$s0"
		else
			local keep now
			keep=$(grep -v -e "^$f " -e "^$conf " <<<"$s0")
			now=$(outside_snap | grep -v -e "^$f " -e "^$conf ")
			[ "$now" = "$keep" ] || bad+=("written outside the state dir:" \
				"$(diff <(echo "$keep") <(echo "$now") | head -n 20)")
			check "policy.conf replaced: a new inode with 1 link" \
				test "$(stat -c %h "$f")" = 1
		fi
		finish "$file is ${kind_desc[$kind]}: password change of alice, account check, get/update-login-profile${ip:+, update-account-password-policy}" \
			"accepted (a hard link is the file itself: one inode, root 0644): change $P, account $A, iampw-admin $I1${ip:+; update-account-password-policy $ip replaces policy.conf by rename: the other link keeps the old bytes}"
		return
	fi
	want "$P" PAM_AUTHTOK_ERR "password change"
	want "$A" PAM_AUTHINFO_UNAVAIL "account check"
	want "$I1" "exit 253" get-login-profile
	want "$I2" "exit 253" update-login-profile
	check "logged for the change: $file: $what" \
		logged "pam_iampw(chg:chauthtok): user alice: $f: $what"
	check "logged for the account check" logged "pam_iampw(acctw:account): user alice: $f: $what"
	check "get-login-profile says $file: $what" grep -qxF -- "$f: $what" "$out/i1.err"
	check "admin prints nothing on stdout" test ! -s "$out/i.out"
	check "profile unchanged" cmp -s "$profiles/1001" "$work/alice.good"
	[ "$maxms" -lt 2000 ] || bad+=("slowest step took $maxms ms")
	local extra="" repair=""
	if [ -z "$ip" ]; then
		want "$(fsig "$f")" "$sig0" "$file itself"
		snap_check "$s0"
	elif [ "$kind" = dir ]; then
		# Nothing is renamed over a directory.
		want "$ip" "ServiceFailure (254)" update-account-password-policy
		want "$(fsig "$f")" "$sig0" "$file itself"
		snap_check "$s0" "$conf"
		repair="; update-account-password-policy $ip (cannot replace a directory)"
	else
		# The old file is not read first: the update replaces it
		# (iampw-admin(8)), a new file, never written through a link.
		want "$ip" "success (0)" update-account-password-policy
		want "$(stat -c '%F %a %U %h' "$f")" "regular file 644 root 1" "$file after the update"
		check "the new $file is the policy given" grep -qx 'minimum_password_length = 12' "$f"
		snap_check "$s0" "$f" "$conf"
		repair="; update-account-password-policy $ip: it replaces the file without reading it (a new root 0644 file)"
	fi
	case $kind in
	symlink) extra="; the valid target is not read and keeps its bytes" ;;
	fifo | sparse) extra="; no hang: slowest step $maxms ms (timeout 10 s)" ;;
	esac
	finish "$file is ${kind_desc[$kind]}: password change of alice, account check, get/update-login-profile${ip:+, update-account-password-policy}" \
		"refused, \"$what\": change $P, account $A, get/update-login-profile $(both "$I1" "$I2")$repair$extra"
}

# The conf dir 0777: anyone could remove policy.conf (IAM's default policy
# would then apply) or replace a file, so readers and writer refuse it.
case_confdir_0777() {
	local s0 ip sigc sigp
	fixture
	chmod 0777 "$conf"
	sigc=$(fsig "$conf/iampw.conf")
	sigp=$(fsig "$conf/policy.conf")
	s0=$(outside_snap)
	consumers
	adm update-account-password-policy "${POLICY_ARGS[@]}"
	ip=$I
	sandbox_log_sync >/dev/null
	want "$P" PAM_AUTHTOK_ERR "password change"
	want "$A" PAM_AUTHINFO_UNAVAIL "account check"
	want "$I1" "exit 253" get-login-profile
	want "$I2" "exit 253" update-login-profile
	want "$ip" "ServiceFailure (254)" update-account-password-policy
	check "iampw-admin names the directory" printed "$conf: writable by group or others (mode 0777)"
	check "the module logs the directory" logged "$conf: writable by group or others (mode 0777)"
	want "$(fsig "$conf/iampw.conf")" "$sigc" iampw.conf
	want "$(fsig "$conf/policy.conf")" "$sigp" policy.conf
	snap_check "$s0"
	finish "conf dir /etc/iampw-rel mode 0777 (files root 0644): password change of alice, account check, get/update-login-profile, update-account-password-policy" \
		"refused, \"$conf: writable by group or others (mode 0777)\": change $P, account $A, get/update-login-profile $(both "$I1" "$I2"), update-account-password-policy $ip; files unchanged"
}

# profile_kind KIND: alice's profile made into KIND.
profile_kind() {
	local kind=$1 f=$profiles/1001 s0 sig0 tsig0
	local what=${kind_what[$kind]}
	fixture
	make_kind "$kind" "$f" "$other" || bad+=("cannot make the profile $kind")
	sig0=$(fsig "$f")
	tsig0=$(fsig "$other/alice")
	s0=$(outside_snap)
	consumers
	sandbox_log_sync >/dev/null
	want "$(fsig "$other/alice")" "$tsig0" "the link's target ($other/alice)"
	snap_check "$s0"
	if [ "$kind" = hardlink ]; then
		want "$P" PAM_SUCCESS "password change"
		want "$A" PAM_SUCCESS "account check"
		want "$I1" "success (0)" get-login-profile
		want "$I2" "success (0)" update-login-profile
		check "the profile was replaced (new inode, no longer linked)" \
			test "$(stat -c %h "$f")" = 1 -a "$(stat -c %i "$f")" != "$(stat -c %i "$other/alice")"
		finish "profile is ${kind_desc[$kind]}: password change of alice, account check, get/update-login-profile" \
			"accepted (root 0600, one inode): change $P, account $A, get/update-login-profile $(both "$I1" "$I2"); writes replace the profile by rename: the other link keeps its bytes"
		return
	fi
	profile_refused_checks "$f: $what"
	want "$(fsig "$f")" "$sig0" "the profile itself"
	[ "$maxms" -lt 2000 ] || bad+=("slowest step took $maxms ms")
	local extra=""
	case $kind in
	symlink) extra="; the valid target is not read and keeps its bytes" ;;
	fifo | sparse) extra="; no hang: slowest step $maxms ms (timeout 10 s)" ;;
	esac
	finish "profile is ${kind_desc[$kind]}: password change of alice, account check, get/update-login-profile" \
		"refused, \"$what\": change $P, account $A, get/update-login-profile $(both "$I1" "$I2")$extra"
}

# dir_kind WHICH KIND: the state dir or the profiles dir made into KIND.
dir_kind() {
	local which=$1 kind=$2 d s0 sig0 tsig0 what desc
	fixture
	if [ "$which" = state ]; then d=$state; else d=$profiles; fi
	case $kind in
	symlink)
		mv "$d" "$other/copy" && ln -s "$other/copy" "$d"
		what="is not a directory (or is a symbolic link)"
		desc="a symlink to a valid copy elsewhere" ;;
	file)
		rm -rf "$d" && install -m 0600 "$work/alice.good" "$d"
		what="is not a directory (or is a symbolic link)"
		desc="a regular file" ;;
	alice)
		chown alice "$d"
		what="owned by uid 1001, not root"
		desc="owned by alice" ;;
	mode777)
		chmod 0777 "$d"
		what="writable by group or others (mode 0777)"
		desc="mode 0777" ;;
	esac
	sig0=$(fsig "$d")
	tsig0=$(find "$other" -printf '%p %y %m %s %T@\n' | sort; fsig "$other/copy/profiles/alice" "$other/copy/alice")
	s0=$(outside_snap)
	consumers
	sandbox_log_sync >/dev/null
	want "$P" PAM_AUTHTOK_ERR "password change"
	want "$A" PAM_AUTHINFO_UNAVAIL "account check"
	want "$I1" "ServiceFailure (254)" get-login-profile
	want "$I2" "ServiceFailure (254)" update-login-profile
	check "logged for the change: $d: $what" logged "pam_iampw(chg:chauthtok): user alice: $d: $what"
	check "logged for the account check" logged "pam_iampw(acctw:account): user alice: $d: $what"
	check "get-login-profile says so" grep -qF -- "$d: $what" "$out/i1.err"
	want "$(fsig "$d")" "$sig0" "the $which dir itself"
	want "$(find "$other" -printf '%p %y %m %s %T@\n' | sort; fsig "$other/copy/profiles/alice" "$other/copy/alice")" \
		"$tsig0" "the link's target dir"
	snap_check "$s0"
	local extra=""
	[ "$kind" = symlink ] && extra="; the valid copy it points to is neither read nor written"
	finish "$which dir ($d) is $desc: password change of alice, account check, get/update-login-profile" \
		"refused, \"$what\": change $P, account $A, get/update-login-profile $(both "$I1" "$I2")$extra"
}

# lock_kind KIND: alice's lock file .1001.lock made into KIND.
lock_kind() {
	local kind=$1 f=$profiles/.1001.lock s0 sig0 what desc
	fixture
	case $kind in
	symlink)
		ln -s "$other/lock-target" "$f"
		what="is a symbolic link"
		desc="a symlink to a missing file elsewhere" ;;
	fifo)
		mkfifo -m 0600 "$f"
		what="is not a regular file"
		desc="a FIFO" ;;
	dir)
		mkdir -m 0700 "$f"
		what="is not a regular file"
		desc="a directory" ;;
	esac
	sig0=$(fsig "$f")
	s0=$(outside_snap)
	consumers
	sandbox_log_sync >/dev/null
	want "$P" PAM_AUTHTOK_ERR "password change"
	want "$A" PAM_SUCCESS "account check (takes no lock)"
	want "$I1" "success (0)" "get-login-profile (takes no lock)"
	want "$I2" "ServiceFailure (254)" update-login-profile
	check "logged for the change: $f: $what" logged "pam_iampw(chg:chauthtok): user alice: $f: $what"
	check "update-login-profile says so" printed "$f: $what"
	want "$(fsig "$f")" "$sig0" "the lock file itself"
	want "$(fsig "$other/lock-target")" absent "the symlink's target"
	check "profile unchanged" cmp -s "$profiles/1001" "$work/alice.good"
	[ "$maxms" -lt 2000 ] || bad+=("slowest step took $maxms ms")
	snap_check "$s0"
	finish "lock file .1001.lock (alice's) is $desc: password change of alice, account check, get/update-login-profile" \
		"writers refuse, \"$what\": change $P, update-login-profile $I2; readers unaffected: account $A, get-login-profile $I1$([ "$kind" = symlink ] && echo "; the missing target is not created"); slowest step $maxms ms"
}

# --------------------------------------------------------------------------
# User names.

# The answers for a valid name that is no account.
ref_names() {
	run_t "$PAMDRIVE" -p <(printf '%s\n' Xy+1234567890 Xy+1234567890) "$work/pam.d" chg nosuchuser \
		>"$out/ref.chg" 2>&1
	run_t "$PAMDRIVE" -o a "$work/pam.d" acctw nosuchuser >"$out/ref.acct" 2>&1
	adm get-login-profile --user-name nosuchuser
	REF_I=$I
}

# state_tree: every name under the state dir and the places a name like
# ../x could reach.
state_tree() {
	find "$state" -printf '%p %y %m %s\n' | sort
	ls -d "$state/x" "$state/a" "$profiles/a" "/var/lib/x" "$work/x" "/x" "/a" "$cwd/a" 2>/dev/null
}

# no_ctrl FILE: no control character but LF in FILE.
no_ctrl() {
	! LC_ALL=C grep -qP '[\x01-\x09\x0b-\x1f\x7f]' "$1"
}

# name_case LABEL NAME [UID]: NAME through pamdrive and iampw-admin.
# Profiles are filed by uid, so no name is ever a path (SPEC §3.1): a
# name no account has is an unknown user everywhere (NoSuchEntity for
# iampw-admin), and a name /etc/passwd has (UID) is that account, whose
# only file is profiles/UID.
name_case() {
	local label=$1 name=$2 known=${3:-} s0 t0 verb got want_i
	fixture
	pw alice >/dev/null	# a lock file, as after a real change
	t0=$(state_tree)
	s0=$(outside_snap)
	sandbox_log_clear >/dev/null
	run_t "$PAMDRIVE" -p <(printf '%s\n' Xy+1234567890 Xy+1234567890) "$work/pam.d" chg "$name" \
		>"$out/n.chg" 2>&1
	if [ -z "$known" ]; then
		check "pamdrive chauthtok: same output as for nosuchuser ($(tail -n 1 "$out/n.chg"))" \
			cmp -s "$out/n.chg" "$out/ref.chg"
	else
		want "$(plabel "$out/n.chg")" PAM_SUCCESS "pamdrive chauthtok of the account $known"
		check "its profile is profiles/$known, recording the name" \
			"$PROFQ" "$state" "$known"
		want "$("$PROFQ" "$state" "$known" 2>&1 | sed -n 's/^user=\(.*\) uid=.*/\1/p')" "$name" \
			"the name recorded in profiles/$known"
	fi
	run_t "$PAMDRIVE" -o a "$work/pam.d" acctw "$name" >"$out/n.acct" 2>&1
	if [ -z "$known" ]; then
		check "pamdrive acct_mgmt: same output as for nosuchuser ($(tail -n 1 "$out/n.acct"))" \
			cmp -s "$out/n.acct" "$out/ref.acct"
	else
		want "$(plabel "$out/n.acct")" PAM_SUCCESS "pamdrive acct_mgmt of the account $known"
	fi
	got=""
	for verb in get-login-profile "update-login-profile --password-reset-required" delete-login-profile; do
		# shellcheck disable=SC2086 # the verb and its flag
		adm $verb --user-name "$name"
		case ", $got," in *", $I,"*) ;; *) got="$got${got:+, }$I" ;; esac
		if [ -z "$known" ]; then
			want "$I" "NoSuchEntity (254)" "$verb"
			check "$verb: nothing on stdout" test ! -s "$out/i.out"
		else
			want "$I" "success (0)" "$verb"
		fi
		check "$verb: no control character printed" no_ctrl "$out/i.err"
		check "$verb: no control character printed on stdout" no_ctrl "$out/i.out"
		case $name in *[[:cntrl:]]*)
			[[ $(<"$out/i.err") == *"$name"* ]] && bad+=("$verb printed the raw name") ;;
		esac
	done
	sandbox_log_sync >/dev/null
	check "no control character in the syslog" no_ctrl "$SANDBOX_LOG"
	if [ -z "$known" ]; then
		want "$(state_tree)" "$t0" "the state dir tree"
	else
		want "$(state_tree | grep -v -e "^$profiles/$known " -e "^$profiles/\.$known\.lock " -e "^$profiles d ")" \
			"$(grep -v -e "^$profiles d " <<<"$t0")" \
			"the state dir tree, but for profiles/$known and its lock"
	fi
	local p
	for p in "$state/x" "$profiles/../x" "$state/a" "$profiles/a" /var/lib/x /var/x "$work/x" "$cwd/a" /x /a; do
		[ -e "$p" ] || [ -L "$p" ] && bad+=("$p exists")
	done
	check "alice's profile unchanged" test -f "$profiles/1001"
	snap_check "$s0"
	if [ -z "$known" ]; then
		finish "user name $label: pamdrive chauthtok and acct_mgmt, iampw-admin get-, update- (--password-reset-required) and delete-login-profile" \
			"pamdrive: as an unknown user ($(sed -n 's/^rc op=c code=\([A-Z_]*\).*/\1/p' "$out/n.chg"), account $(a=$(sed -n 's/^rc op=a code=\([A-Z_]*\).*/\1/p' "$out/n.acct"); [ "$a" = PAM_AUTH_ERR ] && a=PAM_IGNORE; echo "$a")); iampw-admin: $got for every verb (a name no account has, as for nosuchuser: $REF_I); nothing created, no control character printed or logged"
	else
		finish "user name $label (in /etc/passwd, uid $known): pamdrive chauthtok and acct_mgmt, iampw-admin get-, update- (--password-reset-required) and delete-login-profile" \
			"the account itself (SPEC §3.1): the change made profiles/$known and nothing else (the name recorded inside it, never a path); account $(plabel "$out/n.acct"); iampw-admin: $got; no control character printed or logged"
	fi
}

# --------------------------------------------------------------------------
# Passwords: bytes, not characters, are capped at 512; a character may be
# 4 bytes, so 512 bytes can still be 128 characters (the maximum).

# rep STRING N: STRING N times.
rep() {
	local s="" i
	for ((i = 0; i < $2; i++)); do s+=$1; done
	printf '%s' "$s"
}

# long_pw PW: an admin reset of bob to PW through chgdbg with -t; $P the
# code, $T the chauthtok time in ms.
long_pw() {
	# One answer for both prompts (pamdrive cycles through its answers and
	# reads at most 128 KiB of them: two 100,000-byte lines would not fit).
	run_t "$PAMDRIVE" -t -p <(printf '%s\n' "$1") "$work/pam.d" chgdbg bob >"$out/l.out" 2>&1
	P=$(plabel "$out/l.out")
	T=$(sed -n 's/^time op=c ms=//p' "$out/l.out" | tail -n 1)
}

# ms_lt A B: A < B for decimal milliseconds.
ms_lt() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'
}

hist() {
	"$PROFQ" "$state" bob 2>&1 | sed -n '1s/.*\(changed=[0-9]* used=[0-9]* history=[0-9]*\).*/\1/p'
}

passwords_setup() {
	fixture
	rel_config "[history]" "hash = yescrypt" "cost = 8"
	# No character classes: a 511- or 512-byte password is at most 128
	# characters only when made of multi-byte ones (SPEC §4.3).
	rel_policy "minimum_password_length = 6" "password_reuse_prevention = 24"
	sed -e "s|^password requisite \(.*\)|password requisite \1 debug|" \
		"$work/pam.d/chg" >"$work/pam.d/chgdbg"
	PW511=$(rep $'\xf0\x90\x8d\x88' 127)$'\xe2\x82\xac'
	PW512=$(rep $'\xf0\x9f\x98\x80' 128)
	PW513=$(rep 'Aa1!' 128)A
	PW100K=$(rep 'Aa1!' 25000)
}

# libxcrypt refuses passphrases of CRYPT_MAX_PASSPHRASE_SIZE (512) bytes
# or more, NUL included, so the longest password it (and pam_unix) can
# hash is 511 bytes: pam_iampw's input check stops at 511.
case_pw_accepted() { # LABEL PW MADE_OF
	local label=$1 pwd=$2 made=$3 h0 h1
	h0=$(hist)
	sandbox_log_clear >/dev/null
	long_pw "$pwd"
	h1=$(hist)
	want "${#pwd}" "$label" "test's own password length in bytes (LC_ALL=C)"
	want "$P" PAM_SUCCESS "admin reset"
	ms_lt 50 "$T" || bad+=("the change took $T ms: no yescrypt cost 8 hash (> 50 ms) was made")
	[ "$h1" != "$h0" ] || bad+=("nothing recorded ($h1)")
	"$PROFQ" "$state" bob "$pwd" 2>/dev/null | grep -q '^match 1 [0-9]' ||
		bad+=("profq: the password is not in the history")
	local said
	said=$(sed -n 's/^msg 3 //p' "$out/l.out" | head -n 1)
	if [ "$P" = PAM_SUCCESS ]; then
		said="accepted: $P in $T ms (one yescrypt cost 8 history hash included), recorded (history entries: ${h0:+${h0##*=}}${h0:-no profile} -> ${h1##*=})"
	else
		said="NOT accepted: $P in $T ms, \"$said\", nothing recorded"
		sandbox_log_sync >/dev/null
		logged "history: hashing the new password failed" &&
			said="$said; logged \"history: hashing the new password failed\" (libxcrypt hashes at most 511 bytes)"
	fi
	finish "password of $label bytes ($made): admin reset of bob through chg, history yescrypt cost 8" "$said"
}

case_pw_refused() { # LABEL PW MADE_OF
	local label=$1 pwd=$2 made=$3 h0 best="" i sum0
	h0=$(hist)
	sum0=$(profile_sum bob)
	sandbox_log_clear >/dev/null
	for i in 1 2 3; do
		long_pw "$pwd"
		want "$P" PAM_AUTHTOK_ERR "admin reset, run $i"
		if [ -z "$best" ] || ms_lt "$T" "$best"; then best=$T; fi
	done
	sandbox_log_sync >/dev/null
	want "${#pwd}" "$label" "test's own password length in bytes (LC_ALL=C)"
	ms_lt "$best" 10 || bad+=("best of 3 took $best ms, not < 10 ms")
	want "$(hist)" "$h0" "the profile's record"
	want "$(profile_sum bob)" "$sum0" "the profile's bytes"
	check "the user is told the limit" grep -qF 'it must be at most 128 characters long' "$out/l.out"
	# Which layer refused: pam_iampw's debug line names its reason.
	check "pam_iampw refused it (debug: rejected: input_too_long)" \
		logged "user bob: rejected: input_too_long"
	check "pam_iampw saw the whole reply (no other reason logged)" \
		lacks 'rejected: too_long' "$SANDBOX_LOG"
	finish "password of $label bytes ($made): admin reset of bob through chg (3 tries each), history yescrypt cost 8" \
		"refused: $P, best of 3 runs $best ms where one hash takes > 50 ms (refused before any hashing), nothing recorded; the refusal is pam_iampw's own 511-byte input check (its debug log: input_too_long): libpam hands over longer replies, no PAM_MAX_RESP_SIZE cap on this path"
}

# A case-insensitive NSS source (sssd, winbind; faultshim's PWFOLD stands
# in for one) answers "ALICE" with alice's account.  Any spelling NSS
# resolves is the account (SPEC §3.1): alice's rules apply, for the
# module and iampw-admin alike, under her own name.
case_name_spelling() {
	fixture
	adm update-login-profile --user-name alice --password-reset-required
	want "$I" "success (0)" "setting alice's reset flag"
	export LD_PRELOAD=$FAULTSHIM IAMPW_FAULT_PWFOLD=1
	acct ALICE
	adm get-login-profile --user-name ALICE
	unset LD_PRELOAD IAMPW_FAULT_PWFOLD
	want "$A" PAM_NEW_AUTHTOK_REQD "account check as ALICE"
	want "$I" "success (0)" "get-login-profile --user-name ALICE"
	check "the profile shown is alice's, under her own name" grep -q '"UserName": "alice"' "$out/i.out"
	check "no profile under the other spelling" test ! -e "$profiles/ALICE"
	finish "user name ALICE with a case-insensitive NSS source (alice's account answers for it): account check as ALICE while alice must reset her password; iampw-admin get-login-profile --user-name ALICE" \
		"account $A: alice's profile applies under any spelling, never skipped; iampw-admin $I, showing alice's profile under her own name"
}

# The second step of an admin verb fails after the Unix password was set
# (SPEC §6): the error says what was left, and a generated password is
# printed on stderr, never lost.  faultshim fails the second renameat in
# the state dir: the first is the PAM commit's, the second the profile
# write that sets the reset flag.
case_generated_never_lost() {
	local h0 pw
	fixture
	h0=$(awk -F: '$1 == "bob" { print $2 }' /etc/shadow)
	rm -f "$profiles/1002"
	export LD_PRELOAD=$FAULTSHIM IAMPW_FAULT_DIR=$state IAMPW_FAULT=renameat:2:ENOSPC
	adm create-login-profile --user-name bob --generate-password --password-reset-required
	unset LD_PRELOAD IAMPW_FAULT_DIR IAMPW_FAULT
	want "$I" "ServiceFailure (254)" "create-login-profile --generate-password, second write failing"
	check "nothing on stdout" test ! -s "$out/i.out"
	check "the error says the Unix password was changed" \
		printed "The Unix password of bob was changed, but its login profile was not updated as asked"
	pw=$(sed -n "s/.*The account's password is now the generated one: //p" "$out/i.err")
	check "the generated password is printed on stderr" test -n "$pw"
	check "bob's shadow hash changed" test "$(awk -F: '$1 == "bob" { print $2 }' /etc/shadow)" != "$h0"
	check "the printed password is bob's password now" python3 -W ignore -c \
		'import crypt, sys; h = [l.split(":")[1] for l in open("/etc/shadow") if l.split(":")[0] == "bob"][0]; sys.exit(crypt.crypt(sys.argv[1], h) != h)' "$pw"
	sandbox_log_sync >/dev/null
	check "the password is not in the syslog" lacks "$pw" "$SANDBOX_LOG"
	finish "generated password, the profile write failing after the Unix password was set: create-login-profile --generate-password --password-reset-required of bob, ENOSPC on its second write" \
		"$I; stderr says the Unix password was changed and the profile not updated as asked, and prints the generated password, which is bob's password now; stdout empty; not logged"
}

# --------------------------------------------------------------------------
# Conversations.

case_conv() { # MODE
	local mode=$1 sum0 s0
	fixture
	sum0=$(profile_sum alice)
	s0=$(outside_snap)
	run_t "$PAMDRIVE" -c "$mode" "$work/pam.d" chg alice >"$out/c.out" 2>&1
	P=$(plabel "$out/c.out")
	want "$P" PAM_AUTHTOK_ERR "chauthtok with -c $mode"
	[ "$rc" -lt 128 ] || bad+=("pamdrive ended with status $rc (a signal)")
	want "$(profile_sum alice)" "$sum0" "profile"
	sandbox_log_sync >/dev/null
	check "nothing recorded" lacks 'password change recorded' "$SANDBOX_LOG"
	snap_check "$s0"
	finish "conversation $mode (${conv_desc[$mode]}): password change of alice" \
		"$P (pamdrive exit status $rc, no crash), profile unchanged"
}
declare -A conv_desc=(
	[conv-err]="the application returns PAM_CONV_ERR"
	[null-reply]="success without a reply array"
	[null-resp]="replies whose strings are NULL"
)

case_info_fail() {
	local t a0 m0
	fixture
	rel_policy "minimum_password_length = 12" "max_password_age = 90"
	t=$(($(date +%s) - 80 * 86400 - 3600))
	sed -i "s/^password_last_changed = .*/password_last_changed = $t/" "$profiles/1001"
	want "$(stat -c '%a %U' "$profiles/1001")" "600 root" "edited profile"
	run_t "$PAMDRIVE" -o a "$work/pam.d" acctw alice >"$out/c.out" 2>&1
	a0=$(plabel "$out/c.out")
	m0=$(sed -n 's/^msg 4 //p' "$out/c.out")
	want "$a0" PAM_SUCCESS "account check, working conversation"
	want "$m0" "Your password will expire in 10 days." "the warning"
	run_t "$PAMDRIVE" -c info-fail -o a "$work/pam.d" acctw alice >"$out/c.out" 2>&1
	A=$(plabel "$out/c.out")
	want "$A" PAM_SUCCESS "account check, -c info-fail"
	[ "$rc" -lt 128 ] || bad+=("pamdrive ended with status $rc (a signal)")
	finish "conversation info-fail (every message fails with PAM_CONV_ERR): account check of alice 80 days after a change, MaxPasswordAge 90" \
		"$A: the login is not blocked (with a working conversation: $a0 and \"$m0\")"
}

# --------------------------------------------------------------------------

inside() {
	local n kind f
	mkdir -p "$out" "$cwd"
	cd "$cwd" || bail_out "no $cwd"
	cat >"$work/pam.d/acctw" <<-EOF
		account [success=done ignore=ignore default=die] $IAMPW_SO $(rel_margs)
		account requisite pam_deny.so
	EOF
	# iampw-admin's own PAM service (create-login-profile), on our files.
	sed -e "s|@securedir@/pam_iampw.so|$IAMPW_SO $(rel_margs)|" \
		"$SRCDIR/etc/pam.d/iampw-admin.in" >/etc/pam.d/iampw-admin
	change alice "$REL_PW1"
	[ "$rc" -eq 0 ] || bail_out "the first change of alice failed: $(cat "$work/drive.out")"
	cp -p "$profiles/1001" "$work/alice.good"

	case_conf_invalid
	case_policy_invalid
	case_profile_corrupt
	case_every_problem
	case_profile_foreign
	case_state_missing
	case_profiles_missing
	case_nonroot

	for f in iampw.conf policy.conf; do
		for kind in symlink hardlink fifo dir big sparse alice mode666; do
			conf_kind "$f" "$kind"
		done
	done
	case_confdir_0777
	for kind in symlink hardlink fifo dir big sparse alice mode666; do
		profile_kind "$kind"
	done
	for f in state profiles; do
		for kind in symlink file alice mode777; do
			dir_kind "$f" "$kind"
		done
	done
	for kind in symlink fifo dir; do
		lock_kind "$kind"
	done

	fixture
	ref_names
	name_case "../x" "../x"
	name_case "." "."
	name_case ".." ".."
	name_case "a/b" "a/b"
	name_case "of 300 characters" "$(rep abcdefghij 30)"
	name_case "a<LF>b" $'a\nb'
	name_case "<TAB>" $'\t'
	name_case "<ESC>[31m" $'\x1b[31m'
	echo '../x:x:1500:1500::/nonexistent:/usr/sbin/nologin' >>/etc/passwd
	echo 'a/b:x:1501:1501::/nonexistent:/usr/sbin/nologin' >>/etc/passwd
	echo '../x:!:20000:0:99999:7:::' >>/etc/shadow
	echo 'a/b:!:20000:0:99999:7:::' >>/etc/shadow
	[ "$(getent passwd ../x | cut -d: -f3)" = 1500 ] || diag "NSS does not know ../x"
	name_case "../x" "../x" 1500
	name_case "a/b" "a/b" 1501
	case_name_spelling
	case_generated_never_lost

	passwords_setup
	LC_ALL=C case_pw_accepted 511 "$PW511" "128 characters, 127 of 4 bytes and one of 3"
	LC_ALL=C case_pw_refused 512 "$PW512" "128 characters of 4 bytes, one byte more than libxcrypt hashes"
	LC_ALL=C case_pw_refused 513 "$PW513" "'Aa1!' repeated"
	LC_ALL=C case_pw_refused 100000 "$PW100K" "'Aa1!' repeated"

	for n in conv-err null-reply null-resp; do
		case_conv "$n"
	done
	case_info_fail

	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
}

# On the host: what the sandbox must not have touched.
host_state() {
	sha256sum /etc/passwd /etc/shadow /etc/group /etc/pam.d/* 2>&1
	ls -d /etc/iampw-rel /etc/iampw-rel-other /var/lib/iampw-rel /var/lib/iampw-rel-other \
		/run/iampw-rel /var/lib/x /etc/pam.d/iampw-admin 2>&1
}

rel_main "$@"
