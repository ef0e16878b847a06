#!/bin/bash
# End to end: pam_iampw's mfa line (SPEC §10) behind a real sshd (OpenSSH,
# UsePAM yes) on 127.0.0.1, inside a throwaway copy of this host
# (tests/e2e/e2e.sh), the iampw-mfa profile enabled by pam-auth-update.
# Codes come from Debian's oathtool.
#
#   - keyboard-interactive: "Password: ", then "MFA code: "; the right code
#     starts the session, a wrong one does not;
#   - publickey: the same user gets in without a code (key logins never
#     reach the auth stack);
#   - a user without a device is asked for the password only;
#   - the password method cannot answer a second prompt: a user with a
#     device cannot log in with it (pam_iampw(8) says to use
#     keyboard-interactive).

# shellcheck disable=SC2034,SC2317 # functions and variables used through check's words
here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"
. "$here/e2e.sh"

INSIDE_TESTS=6

PORT=42023
CLIENT=sshclient
SSHD_LOG=$E2E_WORK/sshd.log
PA='Kettle+Lamp+Fig7'
PB='Orbit[Stone]2Yak'
sshd_pid=

start_sshd() {
	local i
	ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/iampw_mfa_host_key >&2 </dev/null ||
		bail_out "ssh-keygen (host key)"
	cat >"$E2E_WORK/sshd_config" <<-EOF
		Port $PORT
		ListenAddress 127.0.0.1
		HostKey /etc/ssh/iampw_mfa_host_key
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
	EOF
	/usr/sbin/sshd -t -f "$E2E_WORK/sshd_config" 2>"$SSHD_LOG" ||
		bail_out "sshd -t rejects the test configuration"
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

SSH=(ssh -F /dev/null -p "$PORT" -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 -o EscapeChar=none
	-o IdentitiesOnly=yes -i "/home/$CLIENT/.ssh/id_ed25519")
REMOTE='echo LOGIN-OK:$(id -un)'

kbd_login() {
	conv -timeout 15 -- runuser -u "$CLIENT" -- "${SSH[@]}" \
		-o PreferredAuthentications=keyboard-interactive -o PubkeyAuthentication=no \
		-o NumberOfPasswordPrompts=1 "$1@127.0.0.1" "$REMOTE"
}

pw_login() {
	conv -timeout 15 -- runuser -u "$CLIENT" -- "${SSH[@]}" \
		-o PreferredAuthentications=password -o PubkeyAuthentication=no \
		-o NumberOfPasswordPrompts=1 "$1@127.0.0.1" "$REMOTE"
}

key_login() {
	runuser -u "$CLIENT" -- "${SSH[@]}" -o BatchMode=yes \
		-o PreferredAuthentications=publickey "$1@127.0.0.1" "$REMOTE" \
		</dev/null >"$cout" 2>&1
	CONV_EXIT=$?
	CONV_PROMPTS=
}

logged_in() {
	grep -qx "LOGIN-OK:$1" "$cout"
}

code() {
	oathtool --totp -b "$SEED" --now "@$(($(date +%s) + $1 * 30))"
}

fresh_step() {
	while [ $(($(date +%s) % 30)) -ge 20 ]; do sleep 1; done
}

inside() {
	local rc
	E2E_KEEP_STACK=1
	mkdir -p "$E2E_WORK"
	e2e_stack unix iampw iampw-commit iampw-mfa ||
		bail_out "pam-auth-update did not enable unix, iampw, iampw-commit, iampw-mfa"
	e2e_setup "$CLIENT" alice bob
	runuser -u "$CLIENT" -- ssh-keygen -q -t ed25519 -N '' \
		-f "/home/$CLIENT/.ssh/id_ed25519" >&2 </dev/null || bail_out "ssh-keygen (client)"
	install -d -m 0700 -o alice -g alice /home/alice/.ssh &&
		install -m 0600 -o alice -g alice "/home/$CLIENT/.ssh/id_ed25519.pub" \
			/home/alice/.ssh/authorized_keys || bail_out "authorized_keys of alice"
	{ printf '%s\n' "$PA" | admin create-login-profile --user-name alice --password-stdin &&
		printf '%s\n' "$PB" | admin create-login-profile --user-name bob --password-stdin &&
		admin create-virtual-mfa-device --virtual-mfa-device-name alice-phone \
			--outfile "$E2E_WORK/seed" --bootstrap-method Base32StringSeed; } >&2 ||
		bail_out "login profiles and the device"
	SEED=$(cat "$E2E_WORK/seed")
	fresh_step
	admin enable-mfa-device --user-name alice \
		--serial-number "arn:linux:iam::$(hostname):mfa/alice-phone" \
		--authentication-code1 "$(code -1)" --authentication-code2 "$(code 0)" >&2 ||
		bail_out "enable-mfa-device"
	start_sshd

	fresh_step
	E2E_PASSWORD=$PA E2E_MFA=$(code 1) kbd_login alice
	check "keyboard-interactive: password, then 'MFA code: '; the right code starts the session" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password mfa" --and logged_in alice
	E2E_PASSWORD=$PA E2E_MFA=000000 kbd_login alice
	check "keyboard-interactive with a wrong code: no session" \
		test "$CONV_EXIT" != 0 --and test "$CONV_PROMPTS" = "password mfa" --and ! logged_in alice
	key_login alice
	check "publickey: alice gets in without a code" test "$CONV_EXIT" = 0 --and logged_in alice
	E2E_PASSWORD=$PB kbd_login bob
	check "keyboard-interactive for bob (no device): the password only" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password" --and logged_in bob
	E2E_PASSWORD=$PA pw_login alice
	check "the password method cannot ask for the code: alice is refused" \
		test "$CONV_EXIT" != 0 --and ! logged_in alice
	log_check "the refusal is logged with the device's name" \
		"user alice: wrong MFA code (device alice-phone)"
	stop_sshd

	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
	done_testing
}

if [ "${1:-}" = --inside ]; then
	[ "${SANDBOX:-}" = 1 ] || bail_out "--inside runs only inside sandbox.sh"
	inside
else
	e2e_outside "$here/$(basename "$0")" "$INSIDE_TESTS"
fi
