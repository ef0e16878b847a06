#!/bin/bash
# End to end: iampw-admin's Unix password functions (iampw-admin/unixpw.c)
# on a real account, inside a throwaway copy of this host (sandbox.sh),
# through tests/admin/unixpw_driver:
#
#   unixpw_set     the PAM service iampw-admin, with the SPEC §5 reference
#                  password stack (the built pam_iampw.so around pam_unix):
#                  OK, the module's policy and reuse refusals (POLICY), a
#                  held profile lock (BUSY), a broken policy.conf (CONFIG),
#                  an unknown user or a failing store (FAILED)
#   unixpw_lock    as passwd -l: a '!' before the hash, twice is fine
#   unixpw_shadow  usable or not, last change from /etc/shadow
#
# The module and the driver are found under $top_builddir (exported by
# `make check`), else relative to this script (an in-tree build).

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"

# Results printed inside the sandbox, then outside.
INSIDE_TESTS=54
OUTSIDE_TESTS=3

# --------------------------------------------------------------------------
# Inside the sandbox: its /etc, /run, /home are private copies.

user=alice
conf=/etc/iampw-test
work=/run/iampw-test
state=$work/state
out=$work/driver.out
P0='Initial#Pass1234'
P1='Kettle+Lamp+Fig7'
P2='Orbit[Stone]2Yak'
# Long enough for pam_unix, but too short and without a symbol for the policy.
WEAK='Short1abc'
MSG_WEAK="Password does not conform to the account password policy: it must be at least 12 characters long; it must contain at least one symbol (! @ # \$ % ^ & * ( ) _ + - = [ ] { } | ')."
MSG_REUSED='Password has been used recently. Choose a different password.'

shadow_sum() {
	sha256sum /etc/shadow | cut -d' ' -f1
}

shadow_hash() {
	awk -F: -v u="$1" '$1 == u { print $2 }' /etc/shadow
}

profile_sum() {
	local p=$state/profiles/$(id -u "$user")
	if [ -e "$p" ]; then sha256sum "$p" | cut -d' ' -f1; else echo absent; fi
}

margs() {
	echo "config=$conf/iampw.conf policy=$conf/policy.conf statedir=$state"
}

# write_admin_service STORE_LINE [CHECK_OPTION]: the service unixpw_set uses.
write_admin_service() {
	{
		echo "# unixpw test: the SPEC §5 reference password stack."
		echo "password requisite $IAMPW_SO $(margs)${2:+ $2}"
		echo "$1"
		echo "password optional  $IAMPW_SO commit $(margs)"
	} >/etc/pam.d/iampw-admin
}

STORE_UNIX='password requisite pam_unix.so use_authtok yescrypt'

write_policy() {
	cat >"$conf/policy.conf" <<-'EOF'
		[policy]
		minimum_password_length = 12
		require_symbols = true
		password_reuse_prevention = 3
	EOF
	[ -z "$1" ] || echo "$1" >>"$conf/policy.conf"
	chmod 0644 "$conf/policy.conf"
}

setup() {
	umask 022
	mkdir -p "$work" "$conf" || bail_out "cannot create $work, $conf"
	cat >"$conf/iampw.conf" <<-'EOF'
		[scope]
		min_uid = 1000
		max_uid = 60000
		[history]
		hash = yescrypt
	EOF
	chmod 0644 "$conf/iampw.conf"
	write_policy ""
	write_admin_service "$STORE_UNIX"
	{
		echo "# unixpw test: does the password work?"
		echo "auth    required pam_unix.so nodelay"
		echo "account required pam_unix.so"
	} >/etc/pam.d/iampw-test-auth
}

# set_pw USER PASSWORD: unixpw_set through the driver; output in $out.
set_pw() {
	printf '%s\n' "$2" | "$DRIVER" set "$1" >"$out" 2>&1
}

drv() {
	"$DRIVER" "$@" >"$out" 2>&1
}

# The first line's value ("result=OK" -> OK).
first() {
	sed -n '1s/^[a-z]*=//p' "$out"
}

# The message: everything after "msg=".
msg() {
	sed -n '/^msg=/,$p' "$out" | sed '1s/^msg=//'
}

auth() {
	printf '%s\n' "$2" | pamtester iampw-test-auth "$1" authenticate >/dev/null 2>&1
}

show_out() {
	diag "the driver said:"
	diag_file "$out"
}

# is_out WANT DESC: the first line's value.
is_out() {
	is "$(first)" "$1" "$2" || show_out
}

not_in_out() {
	! grep -qF -- "$1" "$out"
}

today() {
	echo $(($(date +%s) / 86400 * 86400))
}

inside() {
	local uid sum psum hash locked t0 t1 holder
	setup

	if getent passwd "$user" >/dev/null; then
		user=iampwtest$$
	fi
	useradd -m "$user" >&2
	uid=$(id -u "$user" 2>/dev/null)
	fail_unless "useradd $user: uid ${uid:-?} >= 1000" test "${uid:-0}" -ge 1000
	echo "$user:$P0" | chpasswd -c YESCRYPT >&2
	auth "$user" "$P0"
	fail_unless "chpasswd set the initial password; it authenticates" test $? -eq 0

	# -- unixpw_shadow ------------------------------------------------------
	drv shadow "$user"
	is "$(cat "$out")" "shadow=0 usable=true last_changed=$(today)" \
		"shadow: usable, changed today (chpasswd)"

	# -- a good password -----------------------------------------------------
	hash=$(shadow_hash "$user")
	set_pw "$user" "$P1"
	is_out OK "set: a good password -> OK"
	is "$(msg)" "" "set: nothing said on success"
	fail_unless "set: the shadow hash changed, to yescrypt" \
		test "$(shadow_hash "$user")" != "$hash" -a "$(shadow_hash "$user" | cut -c1-3)" = '$y$'
	auth "$user" "$P1"
	fail_unless "set: the new password authenticates" test $? -eq 0
	auth "$user" "$P0"
	fail_if "set: the old password no longer does" test $? -eq 0
	fail_unless "set: the module's commit recorded the change (profile with h1)" \
		grep -q '^h1 = ' "$state/profiles/$(id -u "$user")"

	# -- the policy refuses --------------------------------------------------
	sum=$(shadow_sum)
	psum=$(profile_sum)
	t0=$(date +%s)
	set_pw "$user" "$WEAK"
	t1=$(date +%s)
	is_out POLICY "set: a weak password -> POLICY"
	is "$(msg)" "$MSG_WEAK" "set: the module's exact policy message, alone"
	is "$(shadow_sum) $(profile_sum)" "$sum $psum" "set: shadow and profile unchanged after the refusal"
	fail_unless "set: the output does not hold the password" not_in_out "$WEAK"
	fail_unless "set: the refusal is not retried (answered in $((t1 - t0)) s)" \
		test $((t1 - t0)) -le 2

	set_pw "$user" "$P1"
	is_out POLICY "set: the current password again -> POLICY"
	is "$(msg)" "$MSG_REUSED" "set: the module's exact reuse message"
	is "$(shadow_sum) $(profile_sum)" "$sum $psum" "set: shadow and profile unchanged after the reuse"
	fail_unless "set: the output does not hold the password" not_in_out "$P1"

	# -- a configuration problem ---------------------------------------------
	write_policy "no_such_key = 1"
	set_pw "$user" "$P2"
	is_out CONFIG "set: policy.conf with an unknown key -> CONFIG"
	show_out
	fail_unless "set: the message gives the file:line detail" \
		grep -qF "$conf/policy.conf:5: " "$out" || show_out
	is "$(shadow_sum) $(profile_sum)" "$sum $psum" "set: shadow and profile unchanged"
	write_policy ""
	write_admin_service "$STORE_UNIX" no_such_option
	set_pw "$user" "$P2"
	is_out CONFIG "set: an unknown pam_iampw option in the service file -> CONFIG"
	fail_unless "set: the message names the option" grep -qF "'no_such_option'" "$out" ||
		show_out
	is "$(shadow_sum) $(profile_sum)" "$sum $psum" "set: shadow and profile unchanged"
	write_admin_service "$STORE_UNIX"

	# -- other failures ---------------------------------------------------------
	# Any name NSS may give is a name (§3.1); an empty or 257-byte one is none.
	set_pw "" "$P2"
	is "$(cat "$out")" "result=FAILED
msg=invalid user name" "set: an empty name -> FAILED, PAM not asked"
	set_pw nosuchuser "$P2"
	is_out FAILED "set: an unknown user -> FAILED"
	show_out
	fail_unless "set: with PAM's reason" test -n "$(msg)"
	write_admin_service "password requisite pam_deny.so"
	set_pw "$user" "$P2"
	is_out FAILED "set: the store refuses (pam_deny) -> FAILED"
	show_out
	is "$(msg | head -n 1)" "Authentication token manipulation error" \
		"set: the message is pam_strerror's"
	is "$(shadow_sum) $(profile_sum)" "$sum $psum" "set: shadow and profile unchanged"
	write_admin_service "$STORE_UNIX"

	# -- the user's profile lock is held -------------------------------------
	"$DRIVER" hold "$state" "$user" 30 >"$work/hold.out" 2>&1 &
	holder=$!
	for _ in $(seq 50); do
		grep -q locked "$work/hold.out" && break
		sleep 0.1
	done
	fail_unless "another process holds $user's profile lock" grep -q locked "$work/hold.out"
	t0=$(date +%s)
	set_pw "$user" "$P2"
	t1=$(date +%s)
	is_out BUSY "set: the profile lock is held -> BUSY"
	show_out
	fail_unless "set: after waiting about 5 s ($((t1 - t0)) s)" \
		test $((t1 - t0)) -ge 4 -a $((t1 - t0)) -le 10
	is "$(shadow_sum) $(profile_sum)" "$sum $psum" "set: shadow and profile unchanged"
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	set_pw "$user" "$P2"
	is_out OK "set: once the lock is released -> OK"
	auth "$user" "$P2"
	fail_unless "set: that password authenticates" test $? -eq 0

	# -- shadow: must change at next login ------------------------------------
	chage -d 0 "$user"
	drv shadow "$user"
	is "$(cat "$out")" "shadow=0 usable=true last_changed=-1" \
		"shadow: chage -d 0 (must change) -> last_changed -1"

	# -- locking ------------------------------------------------------------
	hash=$(shadow_hash "$user")
	drv lock "$user"
	is_out 0 "lock: -> 0"
	is "$(shadow_hash "$user")" "!$hash" "lock: a '!' before the unchanged hash, as passwd -l"
	auth "$user" "$P2"
	fail_if "lock: the password no longer authenticates" test $? -eq 0
	drv shadow "$user"
	is "$(cat "$out")" "shadow=0 usable=false last_changed=-1" "shadow: a locked password is not usable"
	locked=$(shadow_sum)
	drv lock "$user"
	is_out 0 "lock: an already locked password -> 0"
	is "$(shadow_sum)" "$locked" "lock: the second lock changed nothing ('!' once)"
	drv lock nosuchuser
	is_out -1 "lock: an unknown user -> -1"
	show_out
	fail_unless "lock: passwd's reason is in the message" grep -q "does not exist" "$out" ||
		show_out
	drv lock "$(printf 'a%.0s' $(seq 257))"
	is "$(cat "$out")" "lock=-1
msg=invalid user name" "lock: a 257-byte name -> -1, passwd not run"

	# -- set on a locked account unlocks it -----------------------------------
	set_pw "$user" "$P0"
	is_out OK "set: a new password on a locked account -> OK"
	drv shadow "$user"
	is "$(cat "$out")" "shadow=0 usable=true last_changed=$(today)" \
		"shadow: usable again, changed today (pam_unix)"

	# -- shadow: other accounts -------------------------------------------------
	drv shadow nosuchuser
	is "$(cat "$out")" "shadow=-1 usable=false last_changed=0" "shadow: an unknown user -> -1"
	useradd -M bob >&2
	drv shadow bob
	is "$(cat "$out")" "shadow=0 usable=false last_changed=$(today)" \
		"shadow: a new account ('!' from useradd) is not usable"
	passwd -d bob >&2
	drv shadow bob
	is "$(cat "$out")" "shadow=0 usable=false last_changed=$(today)" \
		"shadow: an empty password is not usable"
	chage -d -1 bob
	drv shadow bob
	is "$(cat "$out")" "shadow=0 usable=false last_changed=0" \
		"shadow: no last-change date -> 0"
	usermod -p '*' bob
	drv shadow bob
	is "$(cat "$out")" "shadow=0 usable=false last_changed=$(today)" "shadow: '*' is not usable"
	drv lock bob
	is_out 0 "lock: a '*' account -> 0"

	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
	done_testing
}

# --------------------------------------------------------------------------
# On the host.

host_state() {
	sha256sum /etc/passwd /etc/shadow /etc/group /etc/gshadow 2>&1
	find /etc/pam.d -type f -exec sha256sum {} + 2>&1 | sort
	ls -d /etc/iampw-test /home/alice /run/iampw-test 2>&1
}

outside() {
	local builddir so driver
	[ "$(id -u)" -eq 0 ] ||
		skip_all "needs root: useradd, passwd -l and pam_unix run in a throwaway namespace sandbox"
	for tool in pamtester useradd chpasswd chage usermod unshare; do
		command -v "$tool" >/dev/null 2>&1 ||
			bail_out "$tool is not installed (tools/deps.sh)"
	done
	builddir=$(cd "${top_builddir:-$here/../..}" && pwd) || bail_out "no build directory"
	so=$builddir/pam_iampw/.libs/pam_iampw.so
	driver=$builddir/tests/admin/unixpw_driver
	[ -f "$so" ] || bail_out "the module is not built: $so"
	[ -x "$driver" ] || bail_out "the driver is not built: $driver"

	plan $((INSIDE_TESTS + OUTSIDE_TESTS))
	diag "module: $so" "driver: $driver"
	sandbox_outside "$here/../sandbox/sandbox.sh" \
		IAMPW_SO="$so" DRIVER="$driver" top_builddir="$builddir"
}

if [ "${1:-}" = --inside ]; then
	[ "${SANDBOX:-}" = 1 ] || bail_out "--inside runs only inside sandbox.sh"
	inside
else
	outside
fi
