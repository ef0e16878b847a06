#!/bin/bash
# End to end: su(1), login(1) and sudo(8) with pam_iampw in the host's
# common stacks, inside a throwaway copy of this host (tests/e2e/e2e.sh).
# The programs run on a terminal under expect (tests/e2e/converse.exp).
#
#   3. A login profile made with --password-reset-required: the password
#      works once and forces a change, at `su - alice` run by another user
#      and at `login alice`; afterwards the next login goes straight in.
#   5. The expiry warning during the last warn_days (15) days of a
#      MaxPasswordAge of 90, with the right count ("10 days", "1 day"),
#      and none before.
#   8. sudo with a password: works while the password is valid; refused
#      when it has expired (sudo -S), or the change is made at once on a
#      terminal; refused outright under HardExpiry, as login is.

# shellcheck disable=SC2034,SC2317 # functions and variables used through check's words
here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"
. "$here/e2e.sh"

INSIDE_TESTS=23

P0='Kettle+Lamp+Fig7'
P1='Orbit[Stone]2Yak'
P2='Quill=Marsh=9Tan'
P3='Violet{Cask}8Rue'
P4='Amber(Crow)5Dell'

# su - alice, run by bob.
su_alice() {
	conv -shell -- runuser -u bob -- su - alice
}

# sudo_s PASSWORD MARKER: alice runs `sudo -S -k touch MARKER`, the
# password on stdin (no terminal).
sudo_s() {
	rm -f "$2"
	printf '%s\n' "$1" | runuser -u alice -- sudo -S -k touch "$2" >"$cout" 2>&1
}

# No message of the account stack in the transcript.
quiet_login() {
	! says "expire" && ! says "required" && ! says "$MSG_POLICY"
}

inside() {
	local h rc rc2 day
	e2e_setup alice bob
	# A sudoers drop-in in the sandbox's private /etc.
	if ! printf '%s\n' 'Defaults:alice lecture=never' 'alice ALL=(root) ALL' \
		>/etc/sudoers.d/e2e-alice || ! chmod 0440 /etc/sudoers.d/e2e-alice ||
		! visudo -c -q; then
		bail_out "cannot write /etc/sudoers.d/e2e-alice"
	fi

	# -- 3. a profile that requires a reset --------------------------------
	policy 12 --allow-users-to-change-password
	rc=$?
	printf '%s\n' "$P0" | admin create-login-profile --user-name alice \
		--password-reset-required --password-stdin >"$cout" 2>&1
	rc2=$?
	check "3: create-login-profile --password-reset-required --password-stdin" \
		rc_is 0 --and test "$rc2" -eq 0 --and says "\"PasswordResetRequired\": true" \
		--and authenticates alice "$P0"
	# The flag is pam_iampw's alone: the shadow entry does not ask for a
	# change (pam_unix would say "... (administrator enforced)" too).
	check "3: the shadow entry itself is not expired (last changed today: pam_unix asks for no change)" \
		test "$(shadow_lastchg alice)" -ge $(($(date +%s) / 86400 - 1))

	h=$(shadow_hash alice)
	E2E_PASSWORD=$P0 E2E_CURRENT=$P0 E2E_NEW=$P1 su_alice
	check "3: su - alice (run by bob): the password works, then '$MSG_RESET'" \
		has_line "$MSG_RESET" 1
	check "3: su asks for the new password (New / Retype) and opens alice's shell" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password current new retype shell" \
		--and shell_as alice
	check "3: the change is stored: shadow hash changed, PasswordResetRequired false" \
		test "$(shadow_hash alice)" != "$h" --and authenticates alice "$P1" \
		--and admin_says '"PasswordResetRequired": false' get-login-profile --user-name alice
	E2E_PASSWORD=$P1 su_alice
	check "3: the next su goes straight in" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password shell" --and shell_as alice \
		--and quiet_login
	E2E_PASSWORD=$P0 su_alice
	check "3: the first password worked once: su with it fails" \
		test "$CONV_EXIT" = 1 --and test "$CONV_PROMPTS" = "password" \
		--and has_line "su: Authentication failure"

	printf '%s\n' "$P2" | admin update-login-profile --user-name alice \
		--password-reset-required --password-stdin >"$cout" 2>&1
	rc=$?
	h=$(shadow_hash alice)
	E2E_PASSWORD=$P2 E2E_CURRENT=$P2 E2E_NEW=$P3 conv -shell -- login alice
	check "3: update-login-profile --password-reset-required, then login alice: '$MSG_RESET'" \
		rc_is 0 --and has_line "$MSG_RESET" 1
	check "3: login asks for the new password and opens alice's shell" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password current new retype shell" \
		--and shell_as alice --and test "$(shadow_hash alice)" != "$h"
	E2E_PASSWORD=$P3 conv -shell -- login alice
	check "3: the next login goes straight in" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password shell" --and shell_as alice \
		--and quiet_login

	# -- 5. the expiry warning -------------------------------------------------
	policy 12 --allow-users-to-change-password --max-password-age 90
	rc=$?
	age alice 74
	rc2=$?
	E2E_PASSWORD=$P3 conv -shell -- login alice
	check "5: MaxPasswordAge 90, last change 74 days ago (16 left, warn_days 15): no warning" \
		rc_is 0 --and test "$rc2" -eq 0 --and test "$CONV_PROMPTS" = "password shell" \
		--and shell_as alice --and quiet_login
	age alice 75
	E2E_PASSWORD=$P3 conv -shell -- login alice
	check "5: 75 days ago: 'Your password will expire in 15 days.', then the shell" \
		has_line "Your password will expire in 15 days." 1 \
		--and test "$CONV_PROMPTS" = "password shell" --and shell_as alice
	age alice 80
	E2E_PASSWORD=$P3 conv -shell -- login alice
	check "5: 80 days ago: 'Your password will expire in 10 days.', then the shell" \
		has_line "Your password will expire in 10 days." 1 \
		--and test "$CONV_PROMPTS" = "password shell" --and shell_as alice
	age alice 89
	E2E_PASSWORD=$P3 conv -shell -- login alice
	check "5: 89 days ago: 'Your password will expire in 1 day.', then the shell" \
		has_line "Your password will expire in 1 day." 1 \
		--and test "$CONV_PROMPTS" = "password shell" --and shell_as alice
	E2E_PASSWORD=$P3 su_alice
	check "5: su - alice shows the same warning" \
		has_line "Your password will expire in 1 day." 1 \
		--and test "$CONV_PROMPTS" = "password shell" --and shell_as alice

	# -- 8. sudo ------------------------------------------------------------------
	age alice 10
	sudo_s "$P3" "$E2E_WORK/sudo-1"
	rc=$?
	check "8: alice in sudoers, password valid: sudo -S -k runs the command" \
		rc_is 0 --and test -e "$E2E_WORK/sudo-1"
	age alice 100
	sudo_s "$P3" "$E2E_WORK/sudo-2"
	rc=$?
	check "8: expired (100 days, MaxPasswordAge 90): sudo -S reports it and refuses" \
		test "$rc" -ne 0 --and test ! -e "$E2E_WORK/sudo-2" \
		--and says "sudo: Account or password is expired, reset your password and try again" \
		--and says "sudo: unable to change expired password"
	h=$(shadow_hash alice)
	rm -f "$E2E_WORK/sudo-3"
	E2E_PASSWORD=$P3 E2E_CURRENT=$P3 E2E_NEW=$P4 conv -- runuser -u alice -- sudo -k touch "$E2E_WORK/sudo-3"
	check "8: on a terminal sudo makes her change it at once (New / Retype), then runs the command" \
		says "sudo: Account or password is expired" \
		--and test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password current new retype" \
		--and test -e "$E2E_WORK/sudo-3" --and test "$(shadow_hash alice)" != "$h"

	policy 12 --allow-users-to-change-password --max-password-age 90 --hard-expiry
	rc=$?
	age alice 100
	h=$(shadow_hash alice)
	sudo_s "$P4" "$E2E_WORK/sudo-4"
	rc2=$?
	check "8: HardExpiry: sudo -S refuses (PAM_ACCT_EXPIRED: 'Account expired')" \
		rc_is 0 --and test "$rc2" -ne 0 --and test ! -e "$E2E_WORK/sudo-4" \
		--and says "sudo: Account expired" --and ! says "unable to change"
	E2E_PASSWORD=$P4 E2E_CURRENT=$P4 E2E_NEW=$P0 conv -shell -- login alice
	check "8: HardExpiry: login says '$MSG_HARD' and refuses, no change offered" \
		has_line "$MSG_HARD" 1 --and test "$CONV_EXIT" != 0 --and test "$CONV_PROMPTS" = "password" \
		--and ! shell_as alice --and test "$(shadow_hash alice)" = "$h"
	printf '%s\n' "$P0" | admin update-login-profile --user-name alice --password-stdin >"$cout" 2>&1
	rc=$?
	E2E_PASSWORD=$P0 conv -shell -- login alice
	check "8: after an administrator's reset (update-login-profile) she logs in again" \
		rc_is 0 --and test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password shell" \
		--and shell_as alice --and quiet_login
	sudo_s "$P0" "$E2E_WORK/sudo-5"
	rc=$?
	check "8: ... and sudo works again" rc_is 0 --and test -e "$E2E_WORK/sudo-5"

	log_check "su's and login's forced changes and sudo's refusal are logged by pam_iampw (SANDBOX_LOG)" \
		"pam_iampw(su-l:chauthtok): user alice: password change recorded" \
		"pam_iampw(login:chauthtok): user alice: password change recorded" \
		"pam_iampw(sudo:chauthtok): user alice: password change recorded" \
		"pam_iampw(sudo:account): user alice: password expired (hard expiry)"

	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
	done_testing
}

if [ "${1:-}" = --inside ]; then
	[ "${SANDBOX:-}" = 1 ] || bail_out "--inside runs only inside sandbox.sh"
	inside
else
	e2e_outside "$here/$(basename "$0")" "$INSIDE_TESTS"
fi
