#!/bin/bash
# End to end: a real sshd (OpenSSH, UsePAM yes) with pam_iampw in the
# host's common stacks, on 127.0.0.1 inside a throwaway copy of this host
# (tests/e2e/e2e.sh: `sandbox.sh --install`, the real reference stack).
#
#   4. Expiry over ssh.  keyboard-interactive: the expired password forces a
#      change inside sshd's PAM service, checked by the policy; the next
#      login goes straight in.  password (-tt): sshd runs passwd as the user,
#      whose service checks the new password too.  publickey: a user whose
#      password expired, or must be reset, still gets in (IAM access keys
#      keep working).  HardExpiry: password logins refused with SPEC's
#      sentence, key logins still work.
#   6. delete-login-profile: password logins over ssh and su (by another
#      user) fail, the key login works; create-login-profile again gives
#      password logins back.
#
# How sshd runs PAM, which decides what exempt_key_logins can see:
#   keyboard-interactive  a forked helper (sshpam_thread; OpenSSH on Linux
#                         is built without threads) runs pam_authenticate,
#                         pam_acct_mgmt and the forced pam_chauthtok(
#                         PAM_CHANGE_EXPIRED_AUTHTOK) on its copy of the
#                         handle, and hands the account result to the
#                         monitor, which does not call pam_acct_mgmt again.
#                         The auth instance's mark is therefore seen.
#   password              pam_authenticate and pam_acct_mgmt in the monitor,
#                         on one handle; an expired password makes the
#                         session exec /usr/bin/passwd as the user.
#   publickey             no auth stack: the transaction is unmarked.
# The debug lines of the account instance ("..., key login" or "...,
# password or unknown login") show what it saw; `debug` is appended to the
# pam_iampw lines of the sandbox's common-* files for that (it only logs).
#
# Expiry is set up as an administrator brings an existing account under the
# policy: the Unix password set outside PAM (chpasswd -c), its last-change
# date moved 40 days back (chage -d), then iampw-admin adopt-user, which
# takes password_last_changed from /etc/shadow; MaxPasswordAge is 30.
# /etc/shadow has no maximum age, so pam_unix expires nothing: every expiry
# here is pam_iampw's, and its own messages are checked.
#
# The ssh client runs as an unprivileged sandbox user with its own key, on
# a terminal under expect (tests/e2e/converse.exp).

# shellcheck disable=SC2034,SC2317 # functions and variables used through check's words
here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"
. "$here/e2e.sh"

INSIDE_TESTS=43

PORT=42022
CLIENT=sshclient
# sshd -e writes here; to keep it, name a file under a SANDBOX_KEEP directory.
SSHD_LOG=${SSHD_TEST_LOG:-$E2E_WORK/sshd.log}
# P0 set by the administrator; P1, P2 chosen through the stack.
P0='Initial#Pass1234'
P1='Kettle+Lamp+Fig7'
P2='Orbit[Stone]2Yak'
# Breaks every rule of the test policy but the lowercase one.
WEAK='weak'
MSG_WEAK="${MSG_POLICY}it must be at least 12 characters long; $RULE_UPPER; $RULE_NUMBER; $RULE_SYMBOL."

sshd_pid=

# -- setup -------------------------------------------------------------------

authorize_client() {
	if ! install -d -m 0700 -o "$1" -g "$1" "/home/$1/.ssh" ||
		! install -m 0600 -o "$1" -g "$1" "/home/$CLIENT/.ssh/id_ed25519.pub" \
			"/home/$1/.ssh/authorized_keys"; then
		bail_out "authorized_keys of $1"
	fi
}

# expired USER: a password set 40 days ago, adopted by iampw-admin.
expired() {
	echo "$1:$P0" | chpasswd -c YESCRYPT >&2 || bail_out "chpasswd $1"
	chage -d "$(date -u -d '40 days ago' +%F)" "$1" || bail_out "chage -d $1"
	admin adopt-user --user-name "$1" >"$cout" 2>&1 || {
		diag_file "$cout"
		bail_out "adopt-user $1"
	}
}

start_sshd() {
	local i
	ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/iampw_test_host_key >&2 </dev/null ||
		bail_out "ssh-keygen (host key)"
	cat >"$E2E_WORK/sshd_config" <<-EOF
		Port $PORT
		ListenAddress 127.0.0.1
		HostKey /etc/ssh/iampw_test_host_key
		PidFile none
		UsePAM yes
		KbdInteractiveAuthentication yes
		PasswordAuthentication yes
		PubkeyAuthentication yes
		PermitRootLogin no
		UseDNS no
		PrintMotd no
		PrintLastLog no
		LoginGraceTime 30
		LogLevel VERBOSE
	EOF
	if ! /usr/sbin/sshd -t -f "$E2E_WORK/sshd_config" 2>"$SSHD_LOG"; then
		diag_file "$SSHD_LOG"
		bail_out "sshd -t rejects the test configuration"
	fi
	/usr/sbin/sshd -D -e -f "$E2E_WORK/sshd_config" 2>"$SSHD_LOG" &
	sshd_pid=$!
	for i in $(seq 50); do
		ss -Hltn "sport = :$PORT" 2>/dev/null | grep -q . && return 0
		kill -0 "$sshd_pid" 2>/dev/null || break
		sleep 0.1
	done
	diag_file "$SSHD_LOG"
	bail_out "sshd is not listening on 127.0.0.1:$PORT"
}

stop_sshd() {
	[ -n "$sshd_pid" ] || return 0
	kill "$sshd_pid" 2>/dev/null
	wait "$sshd_pid" 2>/dev/null
	sshd_pid=
}

setup() {
	local u
	e2e_setup "$CLIENT" kbduser pwuser rstuser goneuser harduser
	sed -i '/pam_iampw\.so/s/$/ debug/' /etc/pam.d/common-password \
		/etc/pam.d/common-account /etc/pam.d/common-auth ||
		bail_out "cannot add debug to the pam_iampw lines"
	policy 12 --no-allow-users-to-change-password --max-password-age 30 >&2 ||
		bail_out "update-account-password-policy"
	runuser -u "$CLIENT" -- ssh-keygen -q -t ed25519 -N '' \
		-f "/home/$CLIENT/.ssh/id_ed25519" >&2 </dev/null || bail_out "ssh-keygen (client)"
	for u in kbduser pwuser rstuser goneuser harduser; do
		authorize_client "$u"
	done
	expired kbduser
	expired pwuser
	expired harduser
	start_sshd
}

# -- the client --------------------------------------------------------------

SSH=(ssh -F /dev/null -p "$PORT" -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o EscapeChar=none
	-o IdentitiesOnly=yes -i "/home/$CLIENT/.ssh/id_ed25519")
# What every login runs: the session started, as the right user.
REMOTE='echo LOGIN-OK:$(id -un)'

# key_login USER: publickey only, no terminal, no prompt possible.
key_login() {
	runuser -u "$CLIENT" -- "${SSH[@]}" -o BatchMode=yes \
		-o PreferredAuthentications=publickey "$1@127.0.0.1" "$REMOTE" \
		</dev/null >"$cout" 2>&1
	CONV_EXIT=$?
	CONV_PROMPTS=
}

# kbd_login USER: keyboard-interactive, answers from E2E_PASSWORD etc.
kbd_login() {
	conv -timeout 15 -- runuser -u "$CLIENT" -- "${SSH[@]}" \
		-o PreferredAuthentications=keyboard-interactive -o PubkeyAuthentication=no \
		-o NumberOfPasswordPrompts=1 "$1@127.0.0.1" "$REMOTE"
}

# pw_login USER: the password method, with a remote terminal (-tt).
pw_login() {
	conv -timeout 15 -- runuser -u "$CLIENT" -- "${SSH[@]}" -tt \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no \
		-o NumberOfPasswordPrompts=1 "$1@127.0.0.1" "$REMOTE"
}

# says_n TEXT N: exactly N lines of the transcript contain TEXT (ssh puts
# "(user@host) " before the messages of a keyboard-interactive exchange).
says_n() {
	[ "$(grep -cF -- "$1" "$cout")" -eq "$2" ]
}

# sshd listens on 127.0.0.1:$PORT.
listens_on_loopback() {
	ss -Hltn "sport = :$PORT" | grep -q "127\.0\.0\.1:$PORT"
}

logged_in() {
	grep -qx "LOGIN-OK:$1" "$cout"
}

profile_get() {
	sed -n "s/^$2 = //p" "$STATE/profiles/$(id -u "$1")" 2>/dev/null
}

# changed_since USER T0: password_last_changed in T0..now.
changed_since() {
	local v
	v=$(profile_get "$1" password_last_changed)
	[ -n "$v" ] && [ "$v" -ge "$2" ] && [ "$v" -le "$(date +%s)" ]
}

# log_line DESC ERE: one result, ok when a line of $SANDBOX_LOG matches ERE
# (a skip when the sandbox offers no log).
log_line() {
	if [ -z "${SANDBOX_LOG:-}" ] || [ ! -f "$SANDBOX_LOG" ]; then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $1 # SKIP the sandbox offers no SANDBOX_LOG"
		return 0
	fi
	sandbox_log_sync >&2
	if grep -qE -- "$2" "$SANDBOX_LOG"; then
		pass "$1"
		return 0
	fi
	fail "$1"
	diag "no line of $SANDBOX_LOG matches: $2" "pam_iampw lines there:"
	grep -F 'pam_iampw' "$SANDBOX_LOG" | tail -n 20 | sed 's/^/# /'
	return 1
}

# log_count DESC N ERE: exactly N lines of $SANDBOX_LOG match ERE.
log_count() {
	local n
	if [ -z "${SANDBOX_LOG:-}" ] || [ ! -f "$SANDBOX_LOG" ]; then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $1 # SKIP the sandbox offers no SANDBOX_LOG"
		return 0
	fi
	sandbox_log_sync >&2
	n=$(grep -cE -- "$3" "$SANDBOX_LOG")
	is "$n" "$2" "$1"
}

clear_log() {
	[ -n "${SANDBOX_LOG:-}" ] && sandbox_log_clear
}

# -- 4. expiry ---------------------------------------------------------------

kbdint_forced_change() {
	local h t0 v
	v=$(profile_get kbduser password_last_changed)
	check "4: kbduser adopted with the change time of /etc/shadow, 40 days ago (MaxPasswordAge 30)" \
		test -n "$v" --and test "$v" -le $(($(date +%s) - 40 * 86400)) \
		--and test "$v" -gt $(($(date +%s) - 41 * 86400))

	clear_log
	key_login kbduser
	check "4: key login (publickey) of kbduser, whose password has expired: in, no message" \
		test "$CONV_EXIT" = 0 --and logged_in kbduser --and ! says expire
	check "4: the key login is no password use (password_last_used not set)" \
		test -f "$STATE/profiles/$(id -u kbduser)" --and test -z "$(profile_get kbduser password_last_used)"
	log_line "4: the account line saw the key login as unmarked ('key login')" \
		"pam_iampw\(sshd:account\): user kbduser: .*, key login$"

	clear_log
	h=$(shadow_hash kbduser)
	t0=$(date +%s)
	E2E_PASSWORD=$P0 E2E_CURRENT=$P0 E2E_NEW="$WEAK
$P1" kbd_login kbduser
	check "4: kbd-int login with the expired password: '$MSG_EXPIRED'" \
		says_n "$MSG_EXPIRED" 1
	check "4: kbd-int forced change: the weak password is refused with the policy's message" \
		says_n "$MSG_WEAK" 1
	check "4: kbd-int forced change: the good one is accepted and the session starts" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password current new retype new retype" \
		--and logged_in kbduser
	check "4: the new password is stored and recorded (shadow, password_last_changed, history)" \
		test "$(shadow_hash kbduser)" != "$h" --and authenticates kbduser "$P1" \
		--and changed_since kbduser "$t0" --and test "$(profile_get kbduser h1 | cut -c1-3)" = "\$y\$"
	check "4: sshd's auth line recorded the password use (password_last_used)" \
		test "$(profile_get kbduser password_last_used)" -ge "$t0"
	log_line "4: the account line of the kbd-int login saw the auth line's mark ('password or unknown login')" \
		"pam_iampw\(sshd:account\): user kbduser: .*, password or unknown login$"
	log_line "4: the change ran through the sshd service, as a forced change, and was recorded" \
		"pam_iampw\(sshd:chauthtok\): user kbduser: password change recorded$"
	E2E_PASSWORD=$P1 kbd_login kbduser
	check "4: the next kbd-int login goes straight in" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = password --and logged_in kbduser \
		--and ! says expire
	E2E_PASSWORD=$P0 kbd_login kbduser
	check "4: the old password no longer logs in" \
		test "$CONV_EXIT" = 255 --and ! logged_in kbduser --and says "Permission denied"
}

password_method_passwd() {
	local h t0
	clear_log
	h=$(shadow_hash pwuser)
	t0=$(date +%s)
	E2E_PASSWORD=$P0 E2E_CURRENT=$P0 E2E_NEW="$WEAK
$P1" pw_login pwuser
	check "4: password method, expired password: sshd runs passwd as the user, no session" \
		says "You must change your password now" --and has_line "Changing password for pwuser." \
		--and ! logged_in pwuser
	check "4: passwd: forced (voluntary changes are disabled), the weak password refused by the policy" \
		has_line "$MSG_WEAK" 1 --and ! says "$MSG_DISABLED"
	check "4: passwd: the good password is accepted" \
		test "$CONV_PROMPTS" = "password current new retype new retype" \
		--and has_line "passwd: password updated successfully"
	check "4: the new password is stored and recorded, and so is the password use" \
		test "$(shadow_hash pwuser)" != "$h" --and authenticates pwuser "$P1" \
		--and changed_since pwuser "$t0" --and test "$(profile_get pwuser password_last_used)" -ge "$t0"
	log_line "4: the account line of the password-method login saw the mark" \
		"pam_iampw\(sshd:account\): user pwuser: .*, password or unknown login$"
	log_line "4: passwd went through pam_iampw in the passwd service, as a forced change" \
		"pam_iampw\(passwd:chauthtok\): user pwuser: forced change$"
	log_line "4: the passwd service's commit line recorded it" \
		"pam_iampw\(passwd:chauthtok\): user pwuser: password change recorded$"

	E2E_PASSWORD=$P1 pw_login pwuser
	check "4: the next password-method login goes straight in" \
		test "$CONV_PROMPTS" = password --and logged_in pwuser --and ! says expire \
		--and ! says "Current password"
}

reset_required() {
	local rc
	printf '%s\n' "$P0" | admin create-login-profile --user-name rstuser \
		--password-reset-required --password-stdin >"$cout" 2>&1
	rc=$?
	check "4: rstuser: create-login-profile --password-reset-required" \
		rc_is 0 --and test "$(profile_get rstuser password_reset_required)" = true
	key_login rstuser
	check "4: key login of a user whose password must be reset: in, no message" \
		test "$CONV_EXIT" = 0 --and logged_in rstuser --and ! says required
	E2E_PASSWORD=$P0 E2E_CURRENT=$P0 E2E_NEW=$P1 kbd_login rstuser
	check "4: kbd-int login of that user: '$MSG_RESET', change, session" \
		says_n "$MSG_RESET" 1 --and test "$CONV_PROMPTS" = "password current new retype" \
		--and logged_in rstuser
	check "4: the forced change cleared password_reset_required" \
		test "$(profile_get rstuser password_reset_required)" = false
}

hard_expiry() {
	policy 12 --no-allow-users-to-change-password --max-password-age 30 \
		--hard-expiry >&2 || bail_out "update-account-password-policy --hard-expiry"
	clear_log
	E2E_PASSWORD=$P0 E2E_CURRENT=$P0 E2E_NEW=$P1 kbd_login harduser
	check "4: HardExpiry, kbd-int: refused with '$MSG_HARD', no change offered" \
		has_line "$MSG_HARD" 1 --and test "$CONV_PROMPTS" = password --and ! logged_in harduser \
		--and test "$CONV_EXIT" = 255
	E2E_PASSWORD=$P0 E2E_CURRENT=$P0 E2E_NEW=$P1 pw_login harduser
	check "4: HardExpiry, password method: refused with the same sentence, passwd not run" \
		has_line "$MSG_HARD" 1 --and test "$CONV_PROMPTS" = password --and ! logged_in harduser \
		--and test "$CONV_EXIT" = 255
	check "4: HardExpiry: sshd says its PAM account check refused the password login" \
		grep -q "Access denied for user harduser by PAM account configuration" "$SSHD_LOG"
	log_count "4: HardExpiry: both refusals were pam_iampw's, in sshd's account stack" 2 \
		"pam_iampw\(sshd:account\): user harduser: password expired \(hard expiry\)$"
	check "4: HardExpiry: the password itself is unchanged" \
		authenticates harduser "$P0"
	key_login harduser
	check "4: HardExpiry: the key login still works" \
		test "$CONV_EXIT" = 0 --and logged_in harduser --and ! says expire
}

# -- 6. delete-login-profile -------------------------------------------------

su_gone() {
	conv -timeout 15 -- runuser -u "$CLIENT" -- su goneuser -c "$REMOTE"
}

deleted_profile() {
	local rc
	printf '%s\n' "$P0" | admin create-login-profile --user-name goneuser \
		--password-stdin >"$cout" 2>&1
	rc=$?
	E2E_PASSWORD=$P0 kbd_login goneuser
	check "6: goneuser has a login profile: the password logs in over ssh" \
		rc_is 0 --and test "$CONV_EXIT" = 0 --and logged_in goneuser

	admin delete-login-profile --user-name goneuser >"$cout" 2>&1
	rc=$?
	check "6: delete-login-profile: password locked ('!'), profile removed" \
		rc_is 0 --and test "$(shadow_hash goneuser | cut -c1)" = "!" \
		--and test ! -e "$STATE/profiles/$(id -u goneuser)"
	E2E_PASSWORD=$P0 kbd_login goneuser
	check "6: then a kbd-int password login over ssh fails" \
		test "$CONV_EXIT" = 255 --and ! logged_in goneuser --and says "Permission denied"
	E2E_PASSWORD=$P0 pw_login goneuser
	check "6: a password-method login over ssh fails" \
		test "$CONV_EXIT" = 255 --and ! logged_in goneuser --and says "Permission denied"
	E2E_PASSWORD=$P0 su_gone
	check "6: su goneuser (run by $CLIENT) fails" \
		test "$CONV_EXIT" = 1 --and test "$CONV_PROMPTS" = password \
		--and has_line "su: Authentication failure" --and ! logged_in goneuser
	key_login goneuser
	check "6: the key login still works" test "$CONV_EXIT" = 0 --and logged_in goneuser

	printf '%s\n' "$P2" | admin create-login-profile --user-name goneuser \
		--password-stdin >"$cout" 2>&1
	rc=$?
	check "6: create-login-profile again: profile back, password no longer locked" \
		rc_is 0 --and test -f "$STATE/profiles/$(id -u goneuser)" \
		--and test "$(shadow_hash goneuser | cut -c1)" != "!"
	E2E_PASSWORD=$P2 kbd_login goneuser
	check "6: the new password logs in over ssh (kbd-int)" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = password --and logged_in goneuser
	E2E_PASSWORD=$P2 pw_login goneuser
	check "6: and with the password method" \
		test "$CONV_PROMPTS" = password --and logged_in goneuser
	E2E_PASSWORD=$P2 su_gone
	check "6: and su goneuser works again" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = password --and logged_in goneuser
}

inside() {
	local t0
	t0=$(date +%s)
	setup
	check "sshd (UsePAM yes) listens on 127.0.0.1:$PORT, and only there" \
		test "$(ss -Hltn | awk "{ print \$4 }" | grep -c ":$PORT\$")" -eq 1 \
		--and listens_on_loopback

	kbdint_forced_change
	password_method_passwd
	reset_required
	deleted_profile
	hard_expiry

	check "sshd is still running" kill -0 "$sshd_pid"
	stop_sshd
	diag "inside: $(($(date +%s) - t0)) s"
	if [ "$TAP_FAILED" -ne 0 ]; then
		diag "sshd log, last 40 lines:"
		tail -n 40 "$SSHD_LOG" | sed 's/^/# /'
	fi
	[ "$TAP_N" -eq "$INSIDE_TESTS" ] ||
		diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
	done_testing
}

if [ "${1:-}" = --inside ]; then
	[ "${SANDBOX:-}" = 1 ] || bail_out "--inside runs only inside sandbox.sh"
	inside
else
	for tool in /usr/sbin/sshd ssh ssh-keygen ss; do
		command -v "$tool" >/dev/null 2>&1 ||
			{ [ "$(id -u)" -eq 0 ] && bail_out "$tool is not installed (tools/deps.sh)"; }
	done
	e2e_outside "$here/$(basename "$0")" "$INSIDE_TESTS"
fi
