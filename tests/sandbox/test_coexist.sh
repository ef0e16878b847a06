#!/bin/bash
# End to end: pam_iampw next to the password modules a hardened host
# already runs (SPEC §5.5, pam_iampw(8) "COEXISTING WITH OTHER PASSWORD
# MODULES"), each host variant in its own throwaway copy of this host
# (sandbox.sh --install; the host's own stack never decides anything:
# each variant sets its profiles with pam-auth-update first):
#
#   plain      unix only
#   pwquality  libpam-pwquality's profile (pam_pwquality.so retry=3, 1024)
#   passwdqc   libpam-passwdqc's profile (pam_passwdqc.so, 1024)
#   cis        as the CIS Debian 12 benchmark builds it: pwquality with the
#              benchmark's pwquality.conf, and the custom profiles
#              pwhistory (remember=24 use_authtok) and faillock +
#              faillock_notify that it tells administrators to write
#   after      the other order, written by hand as pam_iampw(8) says: a
#              profile that puts pam_pwquality.so use_authtok after
#              pam_iampw (priority 300)
#
# In each: `make install` says what will happen to the modules there;
# pam_iampw is enabled by the README's command (pam-auth-update --enable
# iampw iampw-commit); the other modules stay in front of it, unchanged;
# iampw-admin create-login-profile and update-login-profile
# --generate-password set passwords (through that stack) that log in; then
# the real passwd, run by the user on a terminal (expect), shows:
#   - a password the other module accepts but IAM's policy refuses is
#     refused in pam_iampw's words, and pam_iampw asks no second time (a
#     new password it would ask for would have skipped the other module):
#     nothing is stored, neither that password nor the next one offered;
#   - a password the other module refuses but IAM's policy accepts is
#     refused by the other module (it stays in the stack) and never
#     stored; the next good one is;
#   - a password both refuse never reaches pam_iampw;
#   - on the plain host, pam_iampw's own tries: the same answers end with
#     the password stored on its second try;
#   - in the other order (after), pam_iampw asks first, with its tries,
#     and the password it approved is refused by pwquality, which asks
#     for nothing: nothing is stored;
# and pam-auth-update --remove iampw iampw-commit restores common-* byte
# for byte.  The build must be configured for the system, as for
# tests/e2e/ (else the test is skipped).

# shellcheck disable=SC2034 # functions and variables used through check's words
here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"
. "$here/../e2e/e2e.sh"

# COEXIST_VARIANTS picks some of them (e.g. while debugging).
VARIANTS=${COEXIST_VARIANTS:-plain pwquality passwdqc cis after}
# Results of each variant's sandbox run.
PER_VARIANT=16
JSONQ=$E2E_SRCDIR/tests/admin/jsonq.py

P0='Kettle+Lamp+Fig7'
# Every other module accepts it; IAM's policy (12+, every kind) does not:
# no symbol.
IAMBAD='Gx7Rq2LmztWp9K'
# IAM's policy accepts them; pwquality and passwdqc do not: they hold the
# user name.
USERPW='alice#Pass1Zqw7'
# passwdqc also lets a password through that holds the user name when
# what remains is strong enough: this one is, to it, two kinds of
# characters (a capital first and a digit last do not count), which it
# wants 24 characters long.
USERPW2='Alicealice#ali1'
GOOD='Orbit[Stone]2Yak'
# Too short for everyone.
WEAK='Ab1!'

# --------------------------------------------------------------------------
# Inside the sandbox.

# The CIS Debian Linux 12 benchmark's own profiles (5.3.2.2, 5.3.2.4) and
# password-quality settings (5.3.3.2).
write_cis() {
	cat >/usr/share/pam-configs/faillock <<-'EOF'
		Name: Enable pam_faillock to deny access
		Default: yes
		Priority: 0
		Auth-Type: Primary
		Auth:
		    [default=die] pam_faillock.so authfail
	EOF
	cat >/usr/share/pam-configs/faillock_notify <<-'EOF'
		Name: Notify of failed login attempts and reset count upon success
		Default: yes
		Priority: 1024
		Auth-Type: Primary
		Auth:
		    requisite pam_faillock.so preauth
		Account-Type: Primary
		Account:
		    required pam_faillock.so
	EOF
	cat >/usr/share/pam-configs/pwhistory <<-'EOF'
		Name: pwhistory password history checking
		Default: yes
		Priority: 1024
		Password-Type: Primary
		Password:
		    requisite pam_pwhistory.so remember=24 enforce_for_root try_first_pass use_authtok
	EOF
	cat >>/etc/security/pwquality.conf <<-'EOF'
		# CIS Debian 12 5.3.3.2
		difok = 2
		minlen = 14
		minclass = 3
		maxrepeat = 3
		maxsequence = 3
		dictcheck = 1
		enforcing = 1
		enforce_for_root
	EOF
}

# pam_pwquality after pam_iampw, told to take the password pam_iampw
# approved (pam_iampw(8), "Stacks written by hand").
write_after() {
	cat >/usr/share/pam-configs/pwquality-after <<-'EOF'
		Name: pam_pwquality after pam_iampw, on its password (test)
		Default: no
		Priority: 300
		Password-Type: Primary
		Password:
		    requisite pam_pwquality.so use_authtok
		Password-Initial:
		    requisite pam_pwquality.so use_authtok
	EOF
}

# What each module of the password stack is called in common-password.
peer_modules() {
	case $1 in
	plain) ;;
	pwquality | after) echo pam_pwquality.so ;;
	passwdqc) echo pam_passwdqc.so ;;
	cis) echo pam_pwquality.so pam_pwhistory.so ;;
	esac
}

# stack FILE TYPE: "CONTROL MODULE ARGS" of each TYPE line, blanks collapsed.
stack() {
	awk -v type="$2" '{ sub(/#.*/, "") } $1 == type { $1 = ""; sub(/^ /, ""); print }' "$1"
}

# line_of MODULE: the number of the first password line using MODULE.
line_of() {
	stack /etc/pam.d/common-password password |
		awk -v m="$1" '{ for (i = 2; i <= NF; i++) if ($i == m) { print NR; exit } }'
}

# peers_in_front VARIANT: each peer module is there once, before the
# check line, which comes before pam_unix.
peers_in_front() {
	local m c u p
	c=$(stack /etc/pam.d/common-password password | grep -nx 'requisite pam_iampw\.so' | cut -d: -f1)
	u=$(line_of pam_unix.so)
	[ -n "$c" ] && [ -n "$u" ] && [ "$c" -lt "$u" ] || return 1
	for m in $(peer_modules "$1"); do
		p=$(line_of "$m")
		if [ "$1" = after ]; then
			[ -n "$p" ] && [ "$p" -gt "$c" ] && [ "$p" -lt "$u" ] || return 1
			stack /etc/pam.d/common-password password | sed -n "${p}p" |
				grep -Eq ' use_authtok( |$)' || return 1
		else
			[ -n "$p" ] && [ "$p" -lt "$c" ] || return 1
		fi
		[ "$(stack /etc/pam.d/common-password password | grep -c " $m")" -eq 1 ] || return 1
	done
}

# What the other module says when it refuses USERPW.
peer_says_user() {
	case $1 in
	pwquality | cis | after) says 'BAD PASSWORD: The password contains the user name in some form' ;;
	passwdqc) says 'Weak password: ' ;;
	esac
}

# ... and WEAK.
peer_says_weak() {
	case $1 in
	pwquality) says 'BAD PASSWORD: The password is shorter than 8 characters' ;;
	cis) says 'BAD PASSWORD: The password is shorter than 14 characters' ;;
	passwdqc) says 'Weak password: too short' ;;
	esac
}

pau() {
	DEBIAN_FRONTEND=noninteractive timeout 60 pam-auth-update "$@" </dev/null
}

inside() {
	local v=$1 rc rc2 h f out=$E2E_WORK/pau.out profiles=(unix) cur
	local gen=$E2E_WORK/generated.json gen1 gen2
	TAP_N=$2
	mkdir -p "$E2E_WORK/before" || bail_out "cannot create $E2E_WORK"
	case $v in
	plain) ;;
	pwquality) profiles+=(pwquality) ;;
	passwdqc) profiles+=(passwdqc) ;;
	cis)
		write_cis || bail_out "cannot write the CIS profiles"
		profiles+=(pwquality pwhistory faillock faillock_notify)
		;;
	after)
		write_after || bail_out "cannot write the pwquality-after profile"
		profiles+=(pwquality-after)
		;;
	*) bail_out "unknown variant $v" ;;
	esac

	# -- the host as the variant has it, then the installer's note -------
	# --install enabled pam_iampw on the host's stack: the variant's own
	# stack is built without it, as on a host before the installation.
	e2e_stack "${profiles[@]}"
	rc=$?
	check "$v: the host's stack is made of the profiles ${profiles[*]}, nothing else" \
		rc_is 0 --and ! grep -q pam_iampw /etc/pam.d/common-*
	cp -p /etc/pam.d/common-* "$E2E_WORK/before/"
	flock "$E2E_BUILDDIR" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -C "$E2E_BUILDDIR" DESTDIR= install >"$cout" 2>&1
	rc=$?
	if [ "$v" = plain ]; then
		check "$v: make install tells how to enable pam_iampw, and names no other module" \
			rc_is 0 --and says "pam-auth-update --enable iampw iampw-commit" \
			--and ! says "already has"
	else
		check "$v: make install names the modules already there and says none is disabled" \
			rc_is 0 --and says "pam-auth-update --enable iampw iampw-commit" \
			--and says "already has: $(peer_modules "$v")." \
			--and says "disables none of them" --and says "COEXISTING WITH OTHER PASSWORD MODULES"
	fi

	# -- the README's command ----------------------------------------------
	pau --enable iampw iampw-commit >"$out" 2>&1
	rc=$?
	cp "$out" "$cout"
	check "$v: pam-auth-update --enable iampw iampw-commit: the profiles before stay enabled" \
		rc_is 0 \
		--and test "$(e2e_enabled_profiles)" = "$(printf "%s\n" "${profiles[@]}" iampw iampw-commit | sort)"
	stack /etc/pam.d/common-password password >"$cout"
	if [ "$v" = after ]; then
		check "$v: common-password: pam_iampw's check, pam_pwquality.so use_authtok, pam_unix" \
			peers_in_front "$v"
	else
		check "$v: common-password: $(peer_modules "$v" | sed 's/ /, /g')${profiles[1]:+ in front, }pam_iampw's check, pam_unix" \
			peers_in_front "$v"
	fi
	E2E_KEEP_STACK=1 e2e_setup alice bob

	policy 12 --allow-users-to-change-password
	rc=$?
	printf '%s\n' "$P0" | admin create-login-profile --user-name alice --password-stdin >/dev/null
	rc2=$?
	check "$v: a policy (12+, every kind, reuse 3) and alice's login profile" \
		rc_is 0 --and test "$rc2" -eq 0 --and authenticates alice "$P0"
	cur=$P0

	# -- generated passwords pass the other modules too -------------------
	# iampw-admin sets them through this stack (service iampw-admin), so
	# the peers judge them as they judge a user's; the JSON answer is the
	# only place the password is ever shown.
	admin create-login-profile --user-name bob --generate-password >"$gen" 2>"$cout"
	rc=$?
	gen1=$(python3 "$JSONQ" raw "$gen" Password 2>>"$cout")
	check "$v: create-login-profile bob --generate-password: the password it printed logs in" \
		rc_is 0 --and test "$(python3 "$JSONQ" keys "$gen")" = "LoginProfile Password" \
		--and test ${#gen1} -ge 20 --and authenticates bob "$gen1"
	admin update-login-profile --user-name bob --generate-password >"$gen" 2>"$cout"
	rc=$?
	gen2=$(python3 "$JSONQ" raw "$gen" Password 2>>"$cout")
	check "$v: update-login-profile bob --generate-password: the new one logs in, the old one no more" \
		rc_is 0 --and test "$(python3 "$JSONQ" keys "$gen")" = Password \
		--and test ${#gen2} -ge 20 --and test "$gen2" != "$gen1" --and authenticates bob "$gen2" \
		--and ! authenticates bob "$gen1"

	# -- IAM refuses what the other module accepted ---------------------------
	h=$(shadow_hash alice)
	E2E_CURRENT=$P0 E2E_NEW=$IAMBAD$'\n'$USERPW$'\n'$GOOD conv -- runuser -u alice -- passwd
	if [ "$v" = plain ]; then
		check "$v: a password IAM refuses is refused in pam_iampw's words" \
			has_line "${MSG_POLICY}$RULE_SYMBOL." 1
		check "$v: pam_iampw's own tries: the next one is stored" \
			test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "current new retype new retype" \
			--and authenticates alice "$USERPW" --and ! authenticates alice "$IAMBAD"
		check "$v: (no other module: nothing stored skipped one)" test "$(shadow_hash alice)" != "$h"
		cur=$USERPW
	elif [ "$v" = after ]; then
		check "$v: pam_iampw asks first: the password IAM refuses, in its words, then its next try" \
			has_line "${MSG_POLICY}$RULE_SYMBOL." 1 \
			--and test "${CONV_PROMPTS#current new retype new retype}" != "$CONV_PROMPTS"
		check "$v: pwquality refuses the one pam_iampw approved, in its words, and asks for nothing" \
			peer_says_user "$v" --and test "$CONV_PROMPTS" = "current new retype new retype"
		check "$v: nothing stored: not the refused one, not the one pwquality refused" \
			test "$CONV_EXIT" != 0 --and test "$(shadow_hash alice)" = "$h" \
			--and ! authenticates alice "$USERPW" --and ! authenticates alice "$IAMBAD" \
			--and authenticates alice "$P0"
		for cur in "$P0" "$USERPW" "$IAMBAD"; do
			authenticates alice "$cur" && break
		done
	else
		check "$v: a password the other module accepted and IAM refuses: pam_iampw's words, once" \
			has_line "${MSG_POLICY}$RULE_SYMBOL." 1
		check "$v: nothing stored: not that password, not the next one offered (which skipped the other module's check)" \
			test "$CONV_EXIT" != 0 \
			--and test "$(shadow_hash alice)" = "$h" --and ! authenticates alice "$USERPW" \
			--and ! authenticates alice "$IAMBAD" --and authenticates alice "$P0"
		# Needs pam_iampw's rule for a token set by an earlier module:
		# one check, no prompt of its own.
		check "$v: pam_iampw asked for no new password of its own" \
			test "$CONV_PROMPTS" = "current new retype"
		# Whatever happened, the rest starts from the password alice has.
		for cur in "$P0" "$USERPW" "$IAMBAD"; do
			authenticates alice "$cur" && break
		done
	fi

	# -- the other module refuses what IAM accepts ----------------------------
	h=$(shadow_hash alice)
	if [ "$v" = after ]; then
		E2E_CURRENT=$cur E2E_NEW=$GOOD conv -- runuser -u alice -- passwd
	else
		E2E_CURRENT=$cur E2E_NEW=$USERPW2$'\n'$GOOD conv -- runuser -u alice -- passwd
	fi
	if [ "$v" = after ]; then
		check "$v: a password both accept is stored, on pam_iampw's first try" \
			test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "current new retype" \
			--and authenticates alice "$GOOD" --and test "$(shadow_hash alice)" != "$h"
		check "$v: (nothing refused it)" ! says "$MSG_POLICY" --and ! says "BAD PASSWORD"
		cur=$GOOD
	elif [ "$v" = plain ]; then
		check "$v: with no other module, a password IAM accepts is stored at once" \
			test "$CONV_EXIT" = 0 --and test "$CONV_PROMPTS" = "current new retype" \
			--and authenticates alice "$USERPW2"
		check "$v: (nothing refused it)" ! says "$MSG_POLICY" --and ! says "BAD PASSWORD"
		cur=$USERPW2
	else
		check "$v: a password IAM accepts but the other module refuses is refused, in that module's words" \
			peer_says_user "$v" --and ! says "$MSG_POLICY" --and ! authenticates alice "$USERPW2"
		check "$v: the other module's next try, good for both, is stored" \
			test "$CONV_EXIT" = 0 --and authenticates alice "$GOOD" \
			--and test "$(shadow_hash alice)" != "$h"
		for cur in "$GOOD" "$USERPW2" "$cur"; do
			authenticates alice "$cur" && break
		done
	fi

	# -- a password both refuse -----------------------------------------------
	h=$(shadow_hash alice)
	E2E_CURRENT=$cur E2E_NEW=$WEAK conv -- runuser -u alice -- passwd
	if [ "$v" = plain ] || [ "$v" = after ]; then
		check "$v: a weak password: pam_iampw's message with every failed rule, on each of its 3 tries" \
			has_line "${MSG_POLICY}it must be at least 12 characters long." 3 \
			--and test "$CONV_EXIT" != 0 --and test "$(shadow_hash alice)" = "$h" --and ! says "BAD PASSWORD"
	else
		check "$v: a weak password: the other module refuses it first, pam_iampw never sees it" \
			peer_says_weak "$v" --and ! says "$MSG_POLICY" --and test "$CONV_EXIT" != 0 \
			--and test "$(shadow_hash alice)" = "$h"
	fi

	# -- logins still work on that stack --------------------------------------
	E2E_PASSWORD=$cur conv -- runuser -u bob -- su alice -c 'echo E2E-SHELL $(id -un) $((6*7))'
	check "$v: su to alice with her new password" test "$CONV_EXIT" = 0 --and shell_as alice

	# -- --remove -------------------------------------------------------------
	pau --remove iampw iampw-commit >"$out" 2>&1
	rc=$?
	cp "$out" "$cout"
	check "$v: pam-auth-update --remove iampw iampw-commit" rc_is 0 \
		--and test "$(e2e_enabled_profiles)" = "$(printf "%s\n" "${profiles[@]}" | sort)"
	h=""
	for f in common-auth common-account common-password common-session common-session-noninteractive; do
		cmp "$E2E_WORK/before/$f" "/etc/pam.d/$f" >/dev/null 2>&1 || h="$h $f"
	done
	check "$v: every common-* file is byte-identical to before the enable" test -z "$h"

	[ "$TAP_N" -eq $(($2 + PER_VARIANT)) ] ||
		diag "variant $v printed $((TAP_N - $2)) results, PER_VARIANT says $PER_VARIANT"
	done_testing
}

# --------------------------------------------------------------------------
# On the host.

outside() {
	local builddir tool rc errf before v n=0 outf last
	[ "$(id -u)" -eq 0 ] ||
		skip_all "needs root: real accounts, pam-auth-update and passwd in a throwaway namespace sandbox"
	for tool in expect runuser su passwd pamtester useradd chpasswd unshare make flock \
		pam-auth-update; do
		PATH=/usr/sbin:/sbin:$PATH command -v "$tool" >/dev/null 2>&1 ||
			bail_out "$tool is not installed (tools/deps.sh)"
	done
	for v in pwquality passwdqc; do
		[ -f "/usr/share/pam-configs/$v" ] ||
			bail_out "libpam-$v is not installed (tools/deps.sh installs it, its profile disabled)"
	done
	builddir=$(e2e_builddir) ||
		bail_out "no built tree at ${top_builddir:-$E2E_SRCDIR} (pam_iampw.so and iampw-admin)"
	local want have
	for want in prefix=/usr sysconfdir=/etc localstatedir=/var; do
		have=$(sed -n "s/^${want%%=*} = //p" "$builddir/Makefile")
		[ "$have" = "${want#*=}" ] ||
			skip_all "the build is configured with ${want%%=*}=$have: this test installs it (in the sandbox) and needs ${want#*=}"
	done

	# shellcheck disable=SC2086 # a word list
	set -- $VARIANTS
	plan $(($# * (PER_VARIANT + 2) + 1))
	before=$(e2e_host_state)
	errf=$(mktemp) && outf=$(mktemp) || bail_out "mktemp failed"
	for v; do
		E2E_BUILDDIR=$builddir top_builddir=$builddir \
			"$E2E_SANDBOX" --install "$0" --inside "$v" "$n" >"$outf" 2>"$errf"
		rc=$?
		cat "$outf"
		last=$(sed -n 's/^\(not \)\{0,1\}ok \([0-9][0-9]*\).*/\2/p' "$outf" | tail -n 1)
		TAP_N=${last:-$n}
		while [ "$TAP_N" -lt $((n + PER_VARIANT)) ]; do
			fail "$v: (no result: the sandbox run stopped before it)"
		done
		diag "$v: sandbox exit status $rc; its stderr:"
		diag_file "$errf"
		fail_if "$v: the sandbox set up and verified its private mounts" \
			grep -q '^sandbox: refusing' "$errf"
		if [ "$rc" -ne 124 ] && [ "$(tail -n 1 "$errf")" = "sandbox: host unchanged" ]; then
			pass "$v: the sandbox's host check passed"
		else
			fail "$v: the sandbox's host check passed"
		fi
		[ "$rc" -eq 0 ] || TAP_FAILED=$((TAP_FAILED + 1))
		n=$TAP_N
	done
	is "$(e2e_host_state)" "$before" \
		"host accounts, /etc/pam.d, install paths unchanged (checked by the test)"
	rm -f "$errf" "$outf"
	done_testing
}

case ${1:-} in
--inside)
	[ "${SANDBOX:-}" = 1 ] || bail_out "--inside runs only inside sandbox.sh"
	inside "$2" "$3"
	;;
*)
	outside
	;;
esac
