#!/bin/bash
# End to end: passwd(1) and login(1) with pam_iampw in the host's common
# stacks, inside a throwaway copy of this host (tests/e2e/e2e.sh says how
# the module gets there).  The programs run on a terminal under expect
# (tests/e2e/converse.exp), as a person would use them.
#
#   1. passwd run by the user: a password breaking several rules is
#      refused with every rule listed, in the module's words; a good one
#      is accepted; a recently used one is refused; with
#      AllowUsersToChangePassword false the change is refused up front.
#   2. passwd USER run by root (an admin reset): still checked against
#      the policy and the history; a good password is accepted.
#   7. Policy changes: a longer MinimumPasswordLength forces nobody to
#      change (login goes straight in, the account stack says PAM_SUCCESS)
#      but applies at the next change; a MaxPasswordAge expires an older
#      password at once (an account adopted with `chage -d` in the past).
#   8. Screening (SPEC 9.1): with a pwqfilter filter in [screening], a
#      listed password is refused to passwd and to iampw-admin alike; an
#      unlisted one goes through.

# shellcheck disable=SC2034 # functions and variables used through check's words
here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"
. "$here/e2e.sh"

INSIDE_TESTS=32

P0='Kettle+Lamp+Fig7'
P1='Orbit[Stone]2Yak'
P2='Quill=Marsh=9Tan'
P3='Violet{Cask}8Rue'
C0='Carol#Pass5678x'
C1='Nectar|Brim|3Owl+Fern'
# Breaks every rule of the policy: shorter than 12, no upper, lower,
# number or symbol ('~' and '.' are not IAM symbols).
WEAK='~.~.'
# Long enough, lower case only: breaks three rules.
LOWER='lowercaseonly'
MSG_WEAK="${MSG_POLICY}it must be at least 12 characters long; $RULE_UPPER; $RULE_LOWER; $RULE_NUMBER; $RULE_SYMBOL."
MSG_LOWER="${MSG_POLICY}$RULE_UPPER; $RULE_NUMBER; $RULE_SYMBOL."
MSG_MIN20="${MSG_POLICY}it must be at least 20 characters long."
# Meets the 20-character policy of part 8, but is in the blocklist.
LISTED='Listed+Pass+Word+2024'
GOOD20='Granite^Harbor^5Moss'
MSG_LISTED="${MSG_POLICY}it appears in a list of passwords that are known to be breached or easily guessed."

inside() {
	local h rc rc2 old
	e2e_setup alice carol

	policy 12 --allow-users-to-change-password
	rc=$?
	printf '%s\n' "$P0" | admin create-login-profile --user-name alice --password-stdin >/dev/null
	rc2=$?
	check "setup: a policy (12+, every type, reuse 3) and alice's login profile (iampw-admin)" \
		rc_is 0 --and test "$rc2" -eq 0 --and authenticates alice "$P0"

	# -- 1. passwd as the user ------------------------------------------
	h=$(shadow_hash alice)
	E2E_CURRENT=$P0 E2E_NEW=$WEAK conv -- runuser -u alice -- passwd
	check "1: passwd as alice: a password breaking every rule is refused, 3 tries, nothing changed" \
		test "$CONV_EXIT" != 0 \
		--and test "$CONV_PROMPTS" = "current new retype new retype new retype" \
		--and has_line "passwd: password unchanged" --and test "$(shadow_hash alice)" = "$h"
	check "1: each refusal lists all five failed rules, exactly in the module's words" \
		has_line "$MSG_WEAK" 3

	E2E_CURRENT=$P0 E2E_NEW=$LOWER$'\n'$P1 conv -- runuser -u alice -- passwd
	check "1: a password breaking three rules is refused listing exactly those three" \
		has_line "$MSG_LOWER" 1
	check "1: the next try, a good password, is accepted: the shadow hash changed" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "current new retype new retype" \
		--and has_line "passwd: password updated successfully" \
		--and test "$(shadow_hash alice)" != "$h" --and authenticates alice "$P1" \
		--and ! authenticates alice "$P0"

	h=$(shadow_hash alice)
	E2E_CURRENT=$P1 E2E_NEW=$P0 conv -- runuser -u alice -- passwd
	check "1: reusing the previous password (PasswordReusePrevention 3) is refused, nothing changed" \
		test "$CONV_EXIT" != 0 --and test "$(shadow_hash alice)" = "$h"
	check "1: with '$MSG_REUSED'" has_line "$MSG_REUSED" 3 --and ! says "$MSG_POLICY"

	policy 12
	rc=$?
	E2E_CURRENT=$P1 E2E_NEW=$P2 conv -- runuser -u alice -- passwd
	check "1: AllowUsersToChangePassword false (the flag left out): passwd as alice is refused before any prompt" \
		rc_is 0 --and test "$CONV_EXIT" != 0 --and test -z "$CONV_PROMPTS" \
		--and test "$(shadow_hash alice)" = "$h"
	check "1: with '$MSG_DISABLED'" has_line "$MSG_DISABLED" 1

	# -- 2. passwd alice as root: an admin reset ---------------------------
	E2E_NEW=$WEAK conv -- passwd alice
	check "2: passwd alice as root (users' own changes disabled): a weak password is refused, 3 tries" \
		test "$CONV_EXIT" != 0 \
		--and test "$CONV_PROMPTS" = "new retype new retype new retype" \
		--and test "$(shadow_hash alice)" = "$h"
	check "2: each refusal lists all five failed rules" has_line "$MSG_WEAK" 3

	E2E_NEW=$P0 conv -- passwd alice
	check "2: a recently used password is refused with '$MSG_REUSED'" \
		test "$CONV_EXIT" != 0 --and has_line "$MSG_REUSED" 3 --and test "$(shadow_hash alice)" = "$h"

	E2E_NEW=$P2 conv -- passwd alice
	check "2: a good password is accepted: shadow changed, it authenticates, the old one does not" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "new retype" \
		--and has_line "passwd: password updated successfully" \
		--and test "$(shadow_hash alice)" != "$h" --and authenticates alice "$P2" \
		--and ! authenticates alice "$P1"

	# -- 7. policy changes ----------------------------------------------------
	policy 20 --allow-users-to-change-password
	rc=$?
	E2E_PASSWORD=$P2 conv -shell -- login alice
	check "7: MinimumPasswordLength 12 -> 20: alice (16 characters) logs in, no message, no change asked" \
		rc_is 0 --and test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password shell" \
		--and shell_as alice --and ! says "required" --and ! says "expire"
	printf '%s\n' "$P2" | pamtester -v login alice authenticate acct_mgmt >"$cout" 2>&1
	rc=$?
	check "7: the login service's auth + account stacks say PAM_SUCCESS (pamtester)" \
		rc_is 0 --and has_line "pamtester: account management done."
	h=$(shadow_hash alice)
	E2E_CURRENT=$P2 E2E_NEW=$P3 conv -- runuser -u alice -- passwd
	check "7: the new minimum applies at her next change: 16 characters refused" \
		test "$CONV_EXIT" != 0 --and has_line "$MSG_MIN20" 3 --and test "$(shadow_hash alice)" = "$h"

	# carol: a password set outside PAM 200 days ago, then adopted.
	old=$(date -u -d "@$(($(date +%s) - 200 * 86400))" +%F)
	echo "carol:$C0" | chpasswd -c YESCRYPT && chage -d "$old" carol &&
		admin adopt-user --user-name carol >/dev/null
	rc=$?
	check "7: carol: password set 200 days ago (chpasswd, chage -d $old), adopted (adopt-user)" \
		rc_is 0 --and test -f "$STATE/profiles/$(id -u carol)" \
		--and test "$(shadow_lastchg carol)" -eq $(($(date -u -d "$old" +%s) / 86400))
	E2E_PASSWORD=$C0 conv -shell -- login carol
	check "7: without MaxPasswordAge her old password still logs in, no message" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password shell" --and shell_as carol \
		--and ! says "expire"

	policy 20 --allow-users-to-change-password --max-password-age 90
	rc=$?
	h=$(shadow_hash carol)
	E2E_PASSWORD=$C0 E2E_CURRENT=$C0 E2E_NEW=$C1 conv -shell -- login carol
	check "7: MaxPasswordAge 90 set: at her next login carol is told '$MSG_EXPIRED'" \
		rc_is 0 --and has_line "$MSG_EXPIRED" 1
	check "7: login asks for a new password at once, then lets her in with it" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password current new retype shell" \
		--and shell_as carol --and test "$(shadow_hash carol)" != "$h"
	E2E_PASSWORD=$C1 conv -shell -- login carol
	check "7: her next login goes straight in" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password shell" --and shell_as carol \
		--and ! says "expire" --and ! says "required"
	E2E_PASSWORD=$P2 conv -shell -- login alice
	check "7: alice, who changed hers today, logs in with no message" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password shell" --and shell_as alice \
		--and ! says "expire"
	check "7: the policy shown is the one set (get-account-password-policy)" \
		admin_out get-account-password-policy \
		--and grep -q "\"MinimumPasswordLength\": 20," "$cout" \
		--and grep -q "\"MaxPasswordAge\": 90," "$cout" \
		--and grep -q "\"AllowUsersToChangePassword\": true," "$cout"

	# -- 8. screening ----------------------------------------------------------
	printf '%s\n' "$LISTED" 'Summer2024!' |
		pwqfilter --create=100 -o /etc/iampw/blocklist.pwq 2>/dev/null &&
		chmod 0644 /etc/iampw/blocklist.pwq
	rc=$?
	if grep -q '^blocklist =' /etc/iampw/iampw.conf; then
		sed -i 's|^blocklist =.*|blocklist = /etc/iampw/blocklist.pwq|' /etc/iampw/iampw.conf
	else
		printf '[screening]\nblocklist = /etc/iampw/blocklist.pwq\n' >>/etc/iampw/iampw.conf
	fi
	rc2=$?
	check "8: a filter built with pwqfilter, named in iampw.conf [screening]; iampw-admin check is clean" \
		rc_is 0 --and test "$rc2" -eq 0 --and admin check
	h=$(shadow_hash alice)
	E2E_CURRENT=$P2 E2E_NEW=$LISTED conv -- runuser -u alice -- passwd
	check "8: passwd as alice: a listed password is refused 3 times with SPEC's sentence, nothing changed" \
		test "$CONV_EXIT" != 0 --and has_line "$MSG_LISTED" 3 --and test "$(shadow_hash alice)" = "$h"
	printf '%s\n' "$LISTED" | admin update-login-profile --user-name alice --password-stdin >"$cout" 2>&1
	rc=$?
	check "8: iampw-admin update-login-profile: an admin-set listed password is refused too" \
		test "$rc" -ne 0 --and grep -q "PasswordPolicyViolation" "$cout" \
		--and grep -qF "known to be breached or easily guessed" "$cout" \
		--and test "$(shadow_hash alice)" = "$h"
	E2E_CURRENT=$P2 E2E_NEW=$GOOD20 conv -- runuser -u alice -- passwd
	check "8: an unlisted password is accepted" \
		test "$CONV_EXIT" = 0 --and authenticates alice "$GOOD20"

	# -- 9. screening at login (SPEC 9.2) ---------------------------------------
	useradd -m -s /bin/bash dave9 && echo "dave9:Summer2024!" | chpasswd -c YESCRYPT
	if grep -q '^at_login =' /etc/iampw/iampw.conf; then
		sed -i 's/^at_login =.*/at_login = yes/' /etc/iampw/iampw.conf
	else
		sed -i '/^blocklist =/a at_login = yes' /etc/iampw/iampw.conf
	fi
	check "9: at_login = yes; dave9's password (set with chpasswd, no profile yet) is in the filter" \
		admin check --and authenticates dave9 "Summer2024!"
	E2E_PASSWORD='Summer2024!' E2E_CURRENT='Summer2024!' E2E_NEW=$GOOD20 conv -shell -- login dave9
	check "9: login dave9: told the password is breached, made to change it in the same login" \
		has_line "Your password appears in a list of breached passwords. You must change it now." 1 \
		--and has_line "$MSG_RESET" 1 --and test "$CONV_EXIT" = 0 --and shell_as dave9 \
		--and authenticates dave9 "$GOOD20" --and ! authenticates dave9 "Summer2024!"
	check "9: the profile records the change, no reset pending, and never the password" \
		grep -qx "password_reset_required = false" "$STATE/profiles/$(id -u dave9)" \
		--and ! grep -rqF "Summer2024!" "$STATE"
	E2E_PASSWORD=$GOOD20 conv -shell -- login dave9
	check "9: the next login goes straight in" test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password shell"

	log_check "passwd's and login's changes are logged by pam_iampw (SANDBOX_LOG)" \
		"pam_iampw(passwd:chauthtok): user alice: password change recorded" \
		"pam_iampw(login:chauthtok): user carol: password change recorded" \
		"user dave9: the password is in the blocklist: a change is required"

	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
	done_testing
}

if [ "${1:-}" = --inside ]; then
	[ "${SANDBOX:-}" = 1 ] || bail_out "--inside runs only inside sandbox.sh"
	inside
else
	e2e_outside "$here/$(basename "$0")" "$INSIDE_TESTS"
fi
