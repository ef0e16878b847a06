#!/bin/bash
# End to end: IAM virtual MFA devices (SPEC §10) with the real login(1) and
# su(1), pam_iampw's mfa line enabled by pam-auth-update (the iampw-mfa
# profile), inside a throwaway copy of this host (tests/e2e/e2e.sh).
# Codes come from Debian's oathtool, the independent generator.
#
#   - the installed iampw-mfa profile puts 'auth requisite pam_iampw.so
#     mfa' after pam_permit and before the plain auth instance;
#   - a device created and enabled with iampw-admin; login alice asks for
#     the password, then "MFA code: ", and opens the shell with the right
#     code; su - alice (run by bob) likewise with the next code;
#   - the same code again, a wrong code, no code: refused, no shell;
#   - bob, without a device, is never asked;
#   - after deactivate-mfa-device alice is not asked any more.

# shellcheck disable=SC2034,SC2317 # functions and variables used through check's words
here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"
. "$here/e2e.sh"

INSIDE_TESTS=11

PA='Kettle+Lamp+Fig7'
PB='Orbit[Stone]2Yak'

# The line after pam_permit in common-auth (comments left out) is the
# requisite mfa instance of pam_iampw.
mfa_line_after_permit() {
	grep -v "^#" /etc/pam.d/common-auth | grep -A1 "pam_permit.so" |
		grep -q "requisite[[:space:]]*pam_iampw.so mfa"
}

# code OFFSET: oathtool's code OFFSET steps from now for alice's device.
code() {
	oathtool --totp -b "$SEED" --now "@$(($(date +%s) + $1 * 30))"
}

# Wait until at least 8 s remain in the current step.
fresh_step() {
	while [ $(($(date +%s) % 30)) -ge 22 ]; do sleep 1; done
}

inside() {
	local rc rc2 sn used used_step
	E2E_KEEP_STACK=1
	mkdir -p "$E2E_WORK"
	e2e_stack unix iampw iampw-commit iampw-mfa ||
		bail_out "pam-auth-update did not enable unix, iampw, iampw-commit, iampw-mfa: $(tail -n 5 "$E2E_WORK/stack.out")"
	e2e_setup alice bob
	check "common-auth: the mfa line (requisite) after pam_permit, before the plain auth instance" \
		mfa_line_after_permit \
		--and test "$(grep -n "pam_iampw.so mfa" /etc/pam.d/common-auth | cut -d: -f1)" -lt "$(grep -n "pam_iampw.so *$" /etc/pam.d/common-auth | cut -d: -f1)"

	printf '%s\n' "$PA" | admin create-login-profile --user-name alice --password-stdin >"$cout" 2>&1 &&
		printf '%s\n' "$PB" | admin create-login-profile --user-name bob --password-stdin >>"$cout" 2>&1 &&
		admin create-virtual-mfa-device --virtual-mfa-device-name alice-phone \
			--outfile "$E2E_WORK/seed" --bootstrap-method Base32StringSeed >>"$cout" 2>&1
	rc=$?
	SEED=$(cat "$E2E_WORK/seed" 2>/dev/null)
	sn="arn:linux:iam::$(hostname):mfa/alice-phone"
	fresh_step
	admin enable-mfa-device --user-name alice --serial-number "$sn" \
		--authentication-code1 "$(code -1)" --authentication-code2 "$(code 0)" >>"$cout" 2>&1
	rc2=$?
	check "login profiles for alice and bob, a device enabled for alice with oathtool's codes" \
		rc_is 0 --and test "$rc2" -eq 0 \
		--and admin_says mfa/alice-phone list-mfa-devices --user-name alice

	fresh_step
	used_step=$(($(date +%s) / 30 + 1))
	E2E_PASSWORD=$PA E2E_MFA=$(code 1) conv -shell -- login alice
	check "login alice: password, then 'MFA code: ', the right code opens her shell" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password mfa shell" --and shell_as alice
	used=$(code 1)
	E2E_PASSWORD=$PA E2E_MFA=$used conv -shell -- runuser -u bob -- su - alice
	check "su - alice (run by bob) with the same code again: refused (replay), no shell" \
		test "$CONV_EXIT" = 1 --and test "$CONV_PROMPTS" = "password mfa" --and ! shell_as alice \
		--and has_line "su: Authentication failure"
	# Every code up to the used step's is spent: wait for that step to
	# come, then the next one's code is new and within +-1.
	while [ $(($(date +%s) / 30)) -lt "$used_step" ]; do sleep 1; done
	fresh_step
	E2E_PASSWORD=$PA E2E_MFA=$(oathtool --totp -b "$SEED" --now "@$(((used_step + 1) * 30))") \
		conv -shell -- runuser -u bob -- su - alice
	check "su - alice with the next code: her shell" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password mfa shell" --and shell_as alice
	E2E_PASSWORD=$PA E2E_MFA=000000 conv -shell -- runuser -u bob -- su - alice
	check "su - alice with a wrong code: refused" \
		test "$CONV_EXIT" = 1 --and ! shell_as alice
	E2E_PASSWORD=$PA E2E_MFA= conv -shell -- login alice
	check "login alice with no code (Enter): refused, login asks again" \
		test "$CONV_EXIT" != 0 --and ! shell_as alice
	E2E_PASSWORD=$PB conv -shell -- login bob
	check "login bob (no device): never asked for a code" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password shell" --and shell_as bob

	admin deactivate-mfa-device --user-name alice --serial-number "$sn" >"$E2E_WORK/deact" 2>&1
	rc=$?
	E2E_PASSWORD=$PA conv -shell -- login alice
	check "after deactivate-mfa-device, login alice is not asked for a code" \
		rc_is 0 --and test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password shell" \
		--and shell_as alice

	log_check "the refusals are logged without the code (SANDBOX_LOG)" \
		"user alice: MFA code already used (device alice-phone)" \
		"user alice: wrong MFA code (device alice-phone)"

	sandbox_log_sync >&2
	check "no code and no seed in the log" ! grep -qF "$used" "${SANDBOX_LOG:-/dev/null}" \
		--and ! grep -qF "$SEED" "${SANDBOX_LOG:-/dev/null}"

	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
	done_testing
}

if [ "${1:-}" = --inside ]; then
	[ "${SANDBOX:-}" = 1 ] || bail_out "--inside runs only inside sandbox.sh"
	inside
else
	e2e_outside "$here/$(basename "$0")" "$INSIDE_TESTS"
fi
