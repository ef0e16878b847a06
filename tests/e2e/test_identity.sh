#!/bin/bash
# End to end: which account a profile belongs to (SPEC §3.1), and the
# identity verbs of iampw-admin (§6), with the real su, passwd, usermod,
# userdel, useradd and chpasswd inside a throwaway copy of this host
# (tests/e2e/e2e.sh).
#
#   1. passwd -k by a user whose password is current, under
#      AllowUsersToChangePassword=false: refused (the flag alone is no
#      forced change).
#   2. An account with a usable password and no profile expires from
#      shadow's last change; it is in the credential report.
#   3. usermod -l: the renamed account keeps its pending reset; check
#      reports the rename; adopt-user records the new name.
#   4. userdel + useradd under the same name and uid: nothing of the old
#      profile applies, the old history answers nothing, a new password is
#      required at the first password login; check reports it.
#   5. chpasswd under a profile: the same (a password set outside PAM).
#   6. A name as sssd gives them (with '@' and '.'): in scope, profiled,
#      reported, and its rules apply at su.
#   7. get-user, list-users (with paging) and update-user --new-user-name.
#   8. Two admin resets to the same password at once: one is refused.

# shellcheck disable=SC2034,SC2317 # functions and variables used through check's words
here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"
. "$here/e2e.sh"

INSIDE_TESTS=24

P0='Kettle+Lamp+Fig7'
P1='Orbit[Stone]2Yak'
P2='Quill=Marsh=9Tan'
P3='Violet{Cask}8Rue'
ODD='m.elodie@corp.example'

# admin_check_into FILE: iampw-admin check, its stderr in FILE; its exit status.
admin_check_into() {
	admin check 2>"$1"
}

# su - USER, run by bob.
su_as() {
	conv -shell -- runuser -u bob -- su - "$1"
}

# The JSON field PATH (dots) of the last admin output in $cout, or "<none>".
jget() {
	python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    o = o[int(k)] if isinstance(o, list) else o.get(k, "<none>") if isinstance(o, dict) else "<none>"
print(o if not isinstance(o, bool) else str(o).lower())' "$cout" "$1" 2>/dev/null || echo "<bad json>"
}

# csv_field USER COLUMN of the credential report, or "<no row>".
report_field() {
	admin --output text get-credential-report >"$E2E_WORK/report.csv" 2>/dev/null
	python3 - "$E2E_WORK/report.csv" "$1" "$2" <<-'EOF'
		import csv, sys
		rows = [r for r in csv.DictReader(open(sys.argv[1], newline="")) if r["user"] == sys.argv[2]]
		print(rows[0][sys.argv[3]] if rows else "<no row>")
	EOF
}

inside() {
	local h rc rc2 uid old
	e2e_setup alice bob carol
	useradd -m -s /bin/bash --badname "$ODD" || bail_out "useradd $ODD failed"

	# -- 1. passwd -k with a current password ------------------------------
	policy 12
	rc=$?
	printf '%s\n' "$P0" | admin create-login-profile --user-name alice --password-stdin >/dev/null 2>&1
	rc2=$?
	h=$(shadow_hash alice)
	E2E_PASSWORD=$P0 E2E_CURRENT=$P0 E2E_NEW=$P1 conv -- runuser -u alice -- passwd -k
	check "1: passwd -k by alice, password current, users may not change: refused" \
		rc_is 0 --and test "$rc2" -eq 0 --and says "Password changes are disabled by policy" \
		--and test "$(shadow_hash alice)" = "$h"

	# -- 2. a usable password without a profile ------------------------------
	policy 12 --allow-users-to-change-password --max-password-age 90
	echo "carol:$P0" | chpasswd -c YESCRYPT && chage -d "$(date -u -d '@'$(($(date +%s) - 400 * 86400)) +%F)" carol
	E2E_PASSWORD=$P0 E2E_CURRENT=$P0 E2E_NEW=$P1 su_as carol
	check "2: carol (no profile, password 400 days old): su says '$MSG_EXPIRED' and she changes it" \
		has_line "$MSG_EXPIRED" 1 --and test "$CONV_EXIT" = 0 --and shell_as carol \
		--and authenticates carol "$P1" --and test -f "$STATE/profiles/$(id -u carol)"
	check "2: carol is in the credential report with password_enabled true" \
		test "$(report_field carol password_enabled)" = true

	# -- 3. usermod -l keeps the rules ---------------------------------------
	admin update-login-profile --user-name alice --password-reset-required >/dev/null 2>&1
	uid=$(id -u alice)
	usermod -l alicia alice
	check "3: after usermod -l alice alicia, check reports the rename and exits 253" \
		! admin_check_into "$E2E_WORK/check.err" \
		--and grep -qF "the account alicia (uid $uid) was renamed from alice" "$E2E_WORK/check.err"
	E2E_PASSWORD=$P0 E2E_CURRENT=$P0 E2E_NEW=$P2 su_as alicia
	check "3: su - alicia: the pending reset still applies ('$MSG_RESET')" \
		has_line "$MSG_RESET" 1 --and test "$CONV_EXIT" = 0 --and shell_as alicia \
		--and authenticates alicia "$P2"
	admin adopt-user --user-name alicia >/dev/null 2>&1
	check "3: check is clean after the first change recorded the new name" \
		admin check --and test "$(sed -n "s/^user = //p" "$STATE/profiles/$uid")" = alicia
	usermod -l alice alicia

	# -- 4. a re-created account ---------------------------------------------
	policy 12 --allow-users-to-change-password
	printf '%s\n' "$P3" | admin update-login-profile --user-name alice --password-stdin >/dev/null 2>&1
	uid=$(id -u alice)
	userdel -r alice >/dev/null 2>&1
	useradd -m -s /bin/bash -u "$uid" alice
	echo "alice:$P0" | chpasswd -c YESCRYPT
	check "4: alice re-created with the same uid: get-login-profile NoSuchEntity, check says so" \
		! admin_says '"UserName"' get-login-profile --user-name alice \
		--and ! admin_check_into "$E2E_WORK/check.err" \
		--and grep -qF "does not belong to the account alice that has uid $uid now" "$E2E_WORK/check.err"
	E2E_PASSWORD=$P0 E2E_CURRENT=$P0 E2E_NEW=$P3$'\n'$P1 su_as alice
	check "4: su - alice: a new password is required, and the old owner's password is not refused as reused" \
		has_line "$MSG_RESET" 1 --and ! says "used recently" --and test "$CONV_EXIT" = 0 \
		--and shell_as alice --and authenticates alice "$P3"
	check "4: a fresh profile: one history entry, created now" \
		test "$(grep -c "^h[0-9]* = " "$STATE/profiles/$uid")" = 1 \
		--and test "$(sed -n "s/^create_date = //p" "$STATE/profiles/$uid")" -ge $(($(date +%s) - 300))

	# -- 5. chpasswd under a profile -------------------------------------------
	echo "alice:$P2" | chpasswd -c YESCRYPT
	E2E_PASSWORD=$P2 E2E_CURRENT=$P2 E2E_NEW=$P1 su_as alice
	check "5: a password set with chpasswd: the next password login must set a new one" \
		has_line "$MSG_RESET" 1 --and test "$CONV_EXIT" = 0 --and shell_as alice \
		--and authenticates alice "$P1"
	E2E_PASSWORD=$P1 su_as alice
	check "5: ... and afterwards she goes straight in" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password shell"

	# -- 6. a name as sssd gives them ------------------------------------------
	printf '%s\n' "$P0" | admin create-login-profile --user-name "$ODD" \
		--password-reset-required --password-stdin >"$cout" 2>&1
	rc=$?
	check "6: create-login-profile for $ODD" rc_is 0 \
		--and test "$(jget LoginProfile.UserName)" = "$ODD" --and test -f "$STATE/profiles/$(id -u "$ODD")"
	check "6: $ODD is in the credential report" \
		test "$(report_field "$ODD" password_enabled)" = true
	E2E_PASSWORD=$P0 E2E_CURRENT=$P0 E2E_NEW=$P2 su_as "$ODD"
	check "6: su - $ODD: the reset applies" has_line "$MSG_RESET" 1 --and test "$CONV_EXIT" = 0

	# -- 7. get-user, list-users, update-user ----------------------------------
	admin get-user --user-name alice >"$cout" 2>&1
	rc=$?
	check "7: get-user: IAM's User shape" rc_is 0 \
		--and test "$(python3 -c "import json,sys; print(list(json.load(open(sys.argv[1]))[\"User\"]))" "$cout")" = "['Path', 'UserName', 'UserId', 'Arn', 'CreateDate', 'PasswordLastUsed']" \
		--and test "$(jget User.UserId)" = "$(printf "AIDA%016d" "$(id -u alice)")" \
		--and test "$(jget User.Arn)" = "arn:linux:iam::$(uname -n):user/alice"
	admin get-user --user-name nosuchuser99 >"$cout" 2>&1
	rc=$?
	check "7: get-user of an unknown name: NoSuchEntity (254)" rc_is 254 \
		--and says "(NoSuchEntity)"
	admin list-users >"$cout" 2>&1
	rc=$?
	check "7: list-users: every account in scope, sorted" rc_is 0 \
		--and python3 -c "import json,sys; n=[u[\"UserName\"] for u in json.load(open(sys.argv[1]))[\"Users\"]]; sys.exit(0 if n==sorted(n) and {\"alice\",\"bob\",\"carol\",\"$ODD\"}<=set(n) else 1)" "$cout"
	admin list-users --max-items 2 >"$cout" 2>&1
	tok=$(jget NextToken)
	check "7: list-users --max-items 2: two users and a NextToken" \
		test "$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))[\"Users\"]))" "$cout")" = 2 \
		--and test "$tok" != "<none>"
	cp "$cout" "$E2E_WORK/page1.json"
	admin list-users >"$E2E_WORK/all.json" 2>&1
	admin list-users --starting-token "$tok" >"$cout" 2>&1
	rc=$?
	check "7: --starting-token continues where the first page stopped: together, the whole list" rc_is 0 \
		--and python3 -c "import json,sys; n=lambda f: [u[\"UserName\"] for u in json.load(open(f))[\"Users\"]]; sys.exit(0 if n(sys.argv[1])+n(sys.argv[2])==n(sys.argv[3]) else 1)" "$E2E_WORK/page1.json" "$cout" "$E2E_WORK/all.json"
	admin update-user --user-name carol --new-user-name bob >"$cout" 2>&1
	rc=$?
	check "7: update-user to a name that is taken: EntityAlreadyExists" rc_is 254 \
		--and says "(EntityAlreadyExists)" --and id carol
	uid=$(id -u carol)
	admin update-login-profile --user-name carol --password-reset-required >/dev/null 2>&1
	admin update-user --user-name carol --new-user-name carla >"$cout" 2>&1
	rc=$?
	check "7: update-user --new-user-name carla: the account and its profile renamed" rc_is 0 \
		--and test "$(id -u carla)" = "$uid" --and ! id carol \
		--and test "$(sed -n "s/^user = //p" "$STATE/profiles/$uid")" = carla --and admin check
	admin get-login-profile --user-name carla >"$cout" 2>&1
	check "7: carla keeps carol's pending reset" test "$(jget LoginProfile.PasswordResetRequired)" = true

	# -- 8. two admin resets to the same password at once ----------------------
	policy 12 --allow-users-to-change-password
	printf '%s\n' "$P0" | admin create-login-profile --user-name bob --password-stdin >/dev/null 2>&1
	printf '%s\n' "$P2" | admin update-login-profile --user-name bob --password-stdin >"$E2E_WORK/r1" 2>&1 &
	printf '%s\n' "$P2" | admin update-login-profile --user-name bob --password-stdin >"$E2E_WORK/r2" 2>&1 &
	wait
	cat "$E2E_WORK/r1" "$E2E_WORK/r2" >"$cout"
	check "8: two resets of bob to the same password at once: one stored, one refused as reused" \
		test "$(grep -l "used recently" "$E2E_WORK/r1" "$E2E_WORK/r2" | wc -l)" = 1 \
		--and test "$(grep -c "^h[0-9]* = " "$STATE/profiles/$(id -u bob)")" = 2

	log_check "the re-created account's profile is logged as another account's" \
		"the profile of uid $(id -u alice) belongs to an account that no longer exists, or the password was set outside PAM"

	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
	done_testing
}

if [ "${1:-}" = --inside ]; then
	[ "${SANDBOX:-}" = 1 ] || bail_out "--inside runs only inside sandbox.sh"
	inside
else
	e2e_outside "$here/$(basename "$0")" "$INSIDE_TESTS"
fi
