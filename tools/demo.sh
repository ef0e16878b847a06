#!/bin/bash
# The README's first quick-start command (Debian 12, as root):
#
#   tools/demo.sh [--pwquality]
#
# installs the dependencies (tools/deps.sh), builds pam_iampw out of tree
# in build/demo, and then shows it at work on a throwaway copy of this
# host (tests/sandbox/sandbox.sh --install: `make install` and
# pam-auth-update happen inside it, on private copies of /etc, /usr and
# /var), narrating each step and showing the real programs' output:
# iampw-admin sets a policy and a login profile that must be reset, su
# forces the change and refuses a weak and a reused password, login warns
# before expiry, makes an expired password be changed, and refuses a
# hard-expired one; then alice enrols a virtual MFA device (its QR code
# drawn on the terminal, oathtool playing her phone) and login asks for
# its code.  Nothing on the host changes; the sandbox checks that.
#
# The sandbox's PAM stack is built by the demo, never inherited: whatever
# profiles this host enables (libpam-pwquality, libpam-passwdqc, ...),
# pam-auth-update enables exactly unix, iampw and iampw-commit in the copy.
# With --pwquality, a last part shows pam_iampw next to libpam-pwquality
# (pam_iampw(8), "COEXISTING WITH OTHER PASSWORD MODULES"): its profile
# enabled first, then pam_iampw's, a password change through both, and
# pam-auth-update --remove restoring the files byte for byte.
#
# Exit status 0 when every step behaved as narrated; 1 when one did not
# (the step says what was expected); 2 when the demo could not run.
# shellcheck disable=SC2034 # functions and variables used through check's words
set -u
top=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$top" || exit 2

if [ -t 1 ]; then
	B=$'\033[1m' G=$'\033[32m' R=$'\033[31m' D=$'\033[2m' N=$'\033[0m'
else
	B='' G='' R='' D='' N=''
fi

say() {
	printf '\n%s%s%s\n' "$B" "$*" "$N"
}

# Indented, dimmed output of a program.
show() {
	sed "s/^/      $D/; s/\$/$N/"
}

# ---------------------------------------------------------------------------
# Inside the sandbox.

inside() {
	. "$top/tests/lib.sh"
	. "$top/tests/e2e/e2e.sh"
	PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
	local failed=0 rc h with_pwquality=${1:-}
	local P0='Kettle+Lamp+Fig7' P1='Orbit[Stone]2Yak' P2='Quill=Marsh=9Tan' P3='Violet{Cask}8Rue'
	local WEAK='summer' POLICY_FLAGS

	# verify DESC CMD... [--and CMD...]...: every CMD holds (tests/lib.sh's
	# holds), or the step failed.
	verify() {
		local desc=$1
		shift
		if holds "$@" 2>/dev/null; then
			printf '   %sas expected:%s %s\n' "$G" "$N" "$desc"
			return 0
		fi
		printf '   %sNOT AS NARRATED:%s %s\n' "$R" "$N" "$desc"
		printf '%s\n' "$HOLDS_FAILED" | sed 's/^/      does not hold: /'
		failed=$((failed + 1))
		return 1
	}

	# run CMD...: print the command line, run it, show its output.
	run() {
		printf '   %s# %s%s\n' "$B" "$*" "$N"
		"$@" >"$cout" 2>&1
		rc=$?
		show <"$cout"
		return "$rc"
	}

	# Show the last terminal conversation (without converse.exp's summary).
	conversation() {
		grep -v '^@@ ' "$cout" | sed -e '/^[[:space:]]*$/d' | show
	}

	# conv_shown [converse.exp options] -- CMD...: the command line, then
	# the conversation on its terminal, the typed answers shown.
	conv_shown() {
		local a shown=("$@")
		for a; do
			shown=("${shown[@]:1}")
			[ "$a" = -- ] && break
		done
		printf '   %s# %s%s\n' "$B" "${shown[*]}" "$N"
		conv -show "$@"
		conversation
	}

	# --pwquality: the same host with libpam-pwquality enabled.
	pwquality_part() {
		local Q1='Alicealice#ali1' Q2='Gx7Rq2LmztWp9K' Q3='Nectar|Brim|3Owl+Fern' f cur diffs=""
		say "10. The same host with libpam-pwquality, as CIS-hardened hosts have it"
		echo "   pam_iampw is taken out again, pwquality's profile enabled, and then"
		echo "   pam_iampw's, by the README's command:"
		if ! e2e_stack unix pwquality; then
			verify "pam-auth-update enabled pwquality" false
			return
		fi
		mkdir -p "$E2E_WORK/before-iampw" && cp -p /etc/pam.d/common-* "$E2E_WORK/before-iampw/"
		run pam-auth-update --enable iampw iampw-commit
		verify "both are enabled" rc_is 0 \
			--and test "$(e2e_enabled_profiles | tr "\n" " ")" = "iampw iampw-commit pwquality unix "
		grep -v '^#' /etc/pam.d/common-password | sed '/^[[:space:]]*$/d' | show
		echo "   pwquality (priority 1024) stays in front of pam_iampw (512): it asks for the"
		echo "   new password and checks it first, with its own three tries.  pam_iampw then"
		echo "   checks the password pwquality approved, once: if IAM's rules refuse it,"
		echo "   the change ends, so no password that pwquality did not see can be stored."
		echo "   alice offers one with her user name in it (IAM's rules accept it, pwquality"
		echo "   does not), then one without a symbol (pwquality accepts it, IAM does not),"
		echo "   then a good one."
		h=$(shadow_hash alice)
		E2E_CURRENT=$P3 E2E_NEW=$Q1$'\n'$Q2$'\n'$Q3 conv_shown -- runuser -u alice -- passwd
		verify "pwquality refused the first, in its own words, and asked again" \
			says "BAD PASSWORD: The password contains the user name in some form"
		verify "pam_iampw refused the second, which pwquality had approved, in its words" \
			has_line "${MSG_POLICY}$RULE_SYMBOL." 1
		verify "and asked nothing more: the change ended, nothing was stored" \
			test "$CONV_EXIT" != 0 --and test "$CONV_PROMPTS" = "current new new retype" \
			--and test "$(shadow_hash alice)" = "$h" --and authenticates alice "$P3"
		echo "   She runs passwd again, with a password both accept:"
		for cur in "$P3" "$Q2" "$Q3"; do
			authenticates alice "$cur" && break
		done
		E2E_CURRENT=$cur E2E_NEW=$Q3 conv_shown -- runuser -u alice -- passwd
		verify "it is stored" test "$CONV_EXIT" = 0 --and authenticates alice "$Q3" \
			--and test "$(shadow_hash alice)" != "$h"
		echo "   Removing pam_iampw gives back the files exactly as they were:"
		run pam-auth-update --remove iampw iampw-commit
		for f in common-auth common-account common-password common-session \
			common-session-noninteractive; do
			cmp -s "$E2E_WORK/before-iampw/$f" "/etc/pam.d/$f" || diffs="$diffs $f"
		done
		verify "every /etc/pam.d/common-* file is byte-identical to before the enable" \
			rc_is 0 --and test -z "$diffs" \
			--and test "$(e2e_enabled_profiles | tr "\n" " ")" = "pwquality unix "
	}

	say "0. A host with pam_iampw installed"
	echo "   This is a private copy of this host, where \`make install\` just ran and"
	echo "   pam-auth-update enabled exactly the profiles unix, iampw and iampw-commit"
	echo "   (whatever this host itself enables).  The password stack:"
	if ! e2e_stack unix iampw iampw-commit; then
		sed 's/^/      /' "$E2E_WORK/stack.out"
		echo "   demo: pam-auth-update could not build that stack"
		return 1
	fi
	e2e_setup alice bob
	grep -v '^#' /etc/pam.d/common-password | sed '/^[[:space:]]*$/d' | show
	echo "   Two users: alice, and bob, who will run su."

	say "1. The administrator sets the account password policy, as with aws iam"
	POLICY_FLAGS=(--minimum-password-length 12 --require-symbols --require-numbers
		--require-uppercase-characters --require-lowercase-characters
		--allow-users-to-change-password --max-password-age 90 --password-reuse-prevention 3)
	run iampw-admin update-account-password-policy "${POLICY_FLAGS[@]}"
	verify "the policy is set, nothing printed (as the AWS CLI)" rc_is 0 --and test ! -s "$cout"
	run iampw-admin get-account-password-policy
	verify "get-account-password-policy shows it in IAM's JSON" rc_is 0 \
		--and grep -q "\"MinimumPasswordLength\": 12," "$cout" --and grep -q "\"MaxPasswordAge\": 90," "$cout" \
		--and grep -q "\"PasswordReusePrevention\": 3," "$cout"

	say "2. alice gets a console password that she must change at her first login"
	printf "   %s# echo '%s' | iampw-admin create-login-profile --user-name alice --password-reset-required --password-stdin%s\n" \
		"$B" "$P0" "$N"
	printf '%s\n' "$P0" | admin create-login-profile --user-name alice \
		--password-reset-required --password-stdin >"$cout" 2>&1
	rc=$?
	show <"$cout"
	verify "the profile exists and requires a reset" rc_is 0 \
		--and grep -q "\"PasswordResetRequired\": true" "$cout"

	say "3. bob runs 'su - alice' and types her first password"
	echo "   It works once: she must choose a new one.  She tries a weak one, then the"
	echo "   first one again, then a good one (the module gives three tries)."
	h=$(shadow_hash alice)
	E2E_PASSWORD=$P0 E2E_CURRENT=$P0 E2E_NEW=$WEAK$'\n'$P0$'\n'$P1 \
		conv_shown -shell -- runuser -u bob -- su - alice
	verify "su said: '$MSG_RESET'" has_line "$MSG_RESET" 1
	verify "the weak password was refused with every rule it breaks" \
		has_line "${MSG_POLICY}it must be at least 12 characters long; $RULE_UPPER; $RULE_NUMBER; $RULE_SYMBOL." 1
	verify "the first password, used again, was refused: '$MSG_REUSED'" has_line "$MSG_REUSED" 1
	verify "the good one was accepted and alice got her shell" test "$CONV_EXIT" = 0 \
		--and shell_as alice --and test "$(shadow_hash alice)" != "$h" \
		--and test "$CONV_PROMPTS" = "password current new retype new retype new retype shell"

	say "4. The next 'su - alice' goes straight in"
	E2E_PASSWORD=$P1 conv_shown -shell -- runuser -u bob -- su - alice
	verify "only the password was asked" test "$CONV_EXIT" = 0 \
		--and test "$CONV_PROMPTS" = "password shell" --and shell_as alice

	say "5. 80 days later: login warns that the password expires soon"
	echo "   (The demo backdates alice's last change in her login profile"
	echo "   $STATE/profiles/$(id -u alice) (profiles are filed by uid) rather than wait.)"
	age alice 80
	E2E_PASSWORD=$P1 conv_shown -shell -- login alice
	verify "login said 'Your password will expire in 10 days.' and let her in" \
		has_line "Your password will expire in 10 days." 1 --and test "$CONV_EXIT" = 0 \
		--and shell_as alice

	say "6. 95 days later: the password has expired, login makes her change it"
	age alice 95
	h=$(shadow_hash alice)
	E2E_PASSWORD=$P1 E2E_CURRENT=$P1 E2E_NEW=$P2 conv_shown -shell -- login alice
	verify "login said '$MSG_EXPIRED'" has_line "$MSG_EXPIRED" 1
	verify "she chose a new password and got her shell" test "$CONV_EXIT" = 0 \
		--and test "$CONV_PROMPTS" = "password current new retype shell" --and shell_as alice \
		--and test "$(shadow_hash alice)" != "$h"

	say "7. With HardExpiry, an expired password can only be reset by an administrator"
	run iampw-admin update-account-password-policy "${POLICY_FLAGS[@]}" --hard-expiry
	verify "the policy now has HardExpiry" rc_is 0 \
		--and admin_says '"HardExpiry": true' get-account-password-policy
	age alice 95
	h=$(shadow_hash alice)
	E2E_PASSWORD=$P2 E2E_CURRENT=$P2 E2E_NEW=$P0 conv_shown -shell -- login alice
	verify "login said '$MSG_HARD' and refused her" has_line "$MSG_HARD" 1 \
		--and test "$CONV_EXIT" != 0 --and ! shell_as alice --and test "$(shadow_hash alice)" = "$h"
	echo "   The administrator sets a new password (checked against the policy and the"
	echo "   history too); alice can log in again."
	printf "   %s# echo '%s' | iampw-admin update-login-profile --user-name alice --password-stdin%s\n" \
		"$B" "$P3" "$N"
	printf '%s\n' "$P3" | admin update-login-profile --user-name alice --password-stdin >"$cout" 2>&1
	rc=$?
	show <"$cout"
	verify "the reset is done, nothing printed" rc_is 0 --and test ! -s "$cout"
	E2E_PASSWORD=$P3 conv_shown -shell -- login alice
	verify "login let her in, with no message" test "$CONV_EXIT" = 0 \
		--and test "$CONV_PROMPTS" = "password shell" --and shell_as alice --and ! says "expire"

	say "8. alice enrols a virtual MFA device, and login asks for its code"
	echo "   The administrator creates the device at the console: the QR code is drawn"
	echo "   on the terminal for alice's authenticator app (--qr-terminal, beyond the"
	echo "   AWS CLI), the PNG goes to the --outfile.  oathtool plays her phone."
	local seed sn mfa_code
	run iampw-admin create-virtual-mfa-device --virtual-mfa-device-name alice-phone \
		--outfile "$E2E_WORK/alice-phone.png" --bootstrap-method QRCodePNG --qr-terminal
	verify "the device exists; the output names its serial number only" rc_is 0 \
		--and grep -q "\"SerialNumber\": \"arn:linux:iam::$(hostname):mfa/alice-phone\"" "$cout"
	seed=$(zbarimg -q --raw "$E2E_WORK/alice-phone.png" 2>/dev/null |
		sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p')
	sn="arn:linux:iam::$(hostname):mfa/alice-phone"
	# Two consecutive codes of one 30-second window pair, as IAM asks.
	while [ $(($(date +%s) % 30)) -ge 20 ]; do sleep 1; done
	run iampw-admin enable-mfa-device --user-name alice --serial-number "$sn" \
		--authentication-code1 "$(oathtool --totp -b "$seed" --now "@$(($(date +%s) - 30))")" \
		--authentication-code2 "$(oathtool --totp -b "$seed")"
	verify "enable-mfa-device took two consecutive codes of the phone (read from the PNG)" \
		rc_is 0 --and test -n "$seed"
	run pam-auth-update --enable iampw-mfa
	grep -v '^#' /etc/pam.d/common-auth | sed '/^[[:space:]]*$/d' | show
	verify "the mfa line follows the password module" rc_is 0 \
		--and grep -q "^auth.*requisite.*pam_iampw.so mfa" /etc/pam.d/common-auth
	mfa_code=$(oathtool --totp -b "$seed" --now "@$(($(date +%s) + 30))")
	E2E_PASSWORD=$P3 E2E_MFA=$mfa_code conv_shown -shell -- login alice
	verify "login asked for the password, then 'MFA code: ', and let her in" \
		test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "password mfa shell" --and shell_as alice
	E2E_PASSWORD=$P3 E2E_MFA=$mfa_code conv_shown -shell -- runuser -u bob -- su - alice
	verify "the same code once more is refused (replay)" test "$CONV_EXIT" != 0 --and ! shell_as alice
	run iampw-admin get-credential-report --output text
	verify "the credential report says mfa_active for alice" \
		test "$(awk -F, "\$1 == \"alice\" { print \$8 }" "$cout")" = true

	say "9. What pam_iampw and iampw-admin logged (syslog, LOG_AUTHPRIV)"
	if [ -n "${SANDBOX_LOG:-}" ] && sandbox_log_sync 5 >/dev/null 2>&1; then
		grep -E 'pam_iampw\(|iampw-admin\[' "$SANDBOX_LOG" | grep -v '^authpriv.debug' |
			sed 's/^/      /'
		verify "the forced change at su was logged" \
			grep -qF "pam_iampw(su-l:chauthtok): user alice: password change recorded" "$SANDBOX_LOG"
	else
		echo "   (this sandbox has no syslog receiver)"
	fi

	if [ -n "$with_pwquality" ]; then pwquality_part; fi

	echo
	if [ "$failed" -ne 0 ]; then
		printf '%s%d step(s) did not behave as narrated.%s\n' "$R" "$failed" "$N"
		return 1
	fi
	printf '%sEvery step behaved as narrated.%s\n' "$G" "$N"
	return 0
}

# ---------------------------------------------------------------------------
# On the host.

die() {
	printf '%sdemo: %s%s\n' "$R" "$*" "$N" >&2
	exit 2
}

# step LOG DESC CMD...: run a build step quietly; on failure show the log.
step() {
	local log=$1 desc=$2
	shift 2
	printf '%s\n' "$desc"
	if ! "$@" >"$log" 2>&1; then
		tail -n 40 "$log" | sed 's/^/   /'
		die "failed: $desc (log: $log)"
	fi
}

outside() {
	local build=$top/build/demo errf rc t0
	t0=$(date +%s)
	[ "$(id -u)" -eq 0 ] ||
		die "run as root: it installs packages, and the demo uses real accounts in a throwaway namespace"
	# A configure run in the source tree blocks out-of-tree builds.
	[ ! -f config.status ] ||
		die "the source tree is configured in-tree: run 'make distclean' first"
	mkdir -p build || die "cannot create build/"
	say "Preparing: dependencies and an out-of-tree build in build/demo"
	step build/deps.log "installing the dependencies (tools/deps.sh; log: build/deps.log)" tools/deps.sh
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
		step build/bootstrap.log "bootstrapping (./bootstrap)" ./bootstrap
	fi
	mkdir -p "$build" || die "cannot create $build"
	if [ ! -f "$build/config.status" ] || [ configure -nt "$build/config.status" ]; then
		step build/demo-configure.log "configuring (build/demo, log: build/demo-configure.log)" \
			sh -c "cd '$build' && '$top/configure'"
	fi
	step build/demo-make.log "building (make -j$(nproc), log: build/demo-make.log)" \
		make -C "$build" -j"$(nproc)"

	say "Starting a throwaway copy of this host (tests/sandbox/sandbox.sh --install)"
	echo "Inside it, \`make install\` puts pam_iampw in place and pam-auth-update enables"
	echo "exactly the profiles the demo shows (this host's own choice of profiles does not"
	echo "matter); every file written lands in private copies."
	errf=$top/build/demo-sandbox.log
	top_builddir=$build tests/sandbox/sandbox.sh --install "$top/tools/demo.sh" --inside \
		${with_pwquality:+--pwquality} 2>"$errf"
	rc=$?
	echo
	if [ "$rc" -eq 124 ] || [ "$(tail -n 1 "$errf")" != "sandbox: host unchanged" ]; then
		sed 's/^/   /' "$errf"
		printf '%sThe host check FAILED: see above.%s\n' "$R" "$N"
		exit 1
	fi
	if [ "$rc" -eq 125 ]; then
		sed 's/^/   /' "$errf"
		die "the sandbox could not be set up"
	fi
	echo "The host was not touched: sandbox.sh compared its accounts, /etc/pam.d,"
	echo "/usr/sbin, the PAM module directory and /var/lib before and after the run"
	echo "(\"$(tail -n 1 "$errf")\").  Took $(($(date +%s) - t0)) s."
	[ "$rc" -eq 0 ] || {
		tail -n 20 "$errf" | sed 's/^/   /'
		exit 1
	}
	exit 0
}

if [ "${1:-}" = --inside ]; then
	[ "${SANDBOX:-}" = 1 ] || die "--inside runs only inside tests/sandbox/sandbox.sh"
	inside "${2:-}"
	exit $?
fi
with_pwquality=""
case ${1:-} in
"") ;;
--pwquality) with_pwquality=1 ;;
-h | --help)
	echo "usage: tools/demo.sh [--pwquality]"
	exit 0
	;;
*)
	echo "usage: tools/demo.sh [--pwquality]" >&2
	exit 2
	;;
esac
outside
