#!/bin/bash
# The Debian package (SPEC §12), installed for real with apt-get inside a
# throwaway copy of this host (sandbox.sh: /usr, /var and /etc take the
# writes privately).  It builds nothing: it takes the .deb that
# tools/build-deb.sh made, from the environment:
#
#   DEB=build/deb/pam-iampw_0.1.0-1_amd64.deb  tests/sandbox/test_deb.sh [--with-pwquality]
#   make check TESTS=tests/sandbox/test_deb.sh DEB=$PWD/build/deb/pam-iampw_...deb
#
# Without DEB the test is skipped (make check runs it that way); CI
# (tools/test-all.sh) always gives one, and fails when it is missing.
#
#   1. The host variant: "plain" disables the pwquality and passwdqc
#      profiles if the host has them; --with-pwquality (or
#      DEB_WITH_PWQUALITY=1) enables pwquality first, and needs
#      libpam-pwquality installed on the host (never installed by the
#      test: its postinst would edit the host's /etc/pam.d).  Off by default.
#   2. `apt-get install ./pam-iampw_*.deb` (offline: every dependency is
#      already installed): the module beside pam_unix.so, iampw-admin,
#      /var/lib/iampw 0700, the conffiles, pam_iampw in common-password,
#      common-account and common-auth at once.
#   3. The real passwd run by a user: a weak password is refused with
#      pam_iampw's message, a good one is stored and recorded.
#   4. `apt-get purge`: /etc/pam.d is byte-identical to before the
#      install, /var/lib/iampw and /etc/iampw are gone.
#   5. The administrator's choice survives an upgrade: installed again
#      (enabled again: purge forgot the profiles), disabled with
#      pam-auth-update, reinstalled: still disabled; purged: /etc/pam.d
#      byte-identical again.
#   6. With common-* edited by hand, the package changes nothing there
#      and says pam_iampw is not enabled; purge changes nothing either.

# shellcheck disable=SC2034 # functions and variables used through check's words
here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"
. "$here/../e2e/e2e.sh"

INSIDE_TESTS=32

P0='Kettle+Lamp+Fig7'
P1='Orbit[Stone]2Yak'
# Fails the IAM default policy (8 characters, three kinds of four).
WEAK='kettle'
# Accepted by pam_pwquality's defaults (long, not a dictionary word),
# refused by IAM's default policy (one character type of four): with
# pwquality in front (pam_iampw(8), COEXISTING), what reaches pam_iampw.
WEAK_IAM='qzvtrplmkwxnbg'

# --------------------------------------------------------------------------
# Inside the sandbox.

work=/run/deb-test

# Every name under /etc/pam.d with its type and mode, and the SHA-256 of
# every regular file: two equal snapshots mean byte-identical files.
pam_snapshot() {
	find /etc/pam.d -mindepth 1 -printf '%y %m %u:%g %p -> %l\n' | sort
	find /etc/pam.d -type f -exec sha256sum {} + | sort -k2
}

# apt_get LOGNAME ARG...: apt-get, non-interactive, output to $work/LOGNAME.
apt_get() {
	local log=$work/$1
	shift
	DEBIAN_FRONTEND=noninteractive timeout 300 apt-get -y -q "$@" </dev/null >"$log" 2>&1
}

# installed_version: the version dpkg has installed, empty when none.
installed_version() {
	dpkg-query -W -f='${Status} ${Version}\n' pam-iampw 2>/dev/null |
		sed -n 's/^install ok installed //p'
}

# line_of FILE TYPE ERE: the number (from 1) of the first TYPE line of
# FILE whose "CONTROL MODULE ARGS" (blanks collapsed) matches ERE, 0 when
# none does.
line_of() {
	awk -v type="$2" -v re="^($3)\$" '
		/^[ \t]*(#|$)/ { next }
		$1 == type { n++; $1 = ""; sub(/^ /, ""); if ($0 ~ re) { print n; found = 1; exit } }
		END { if (!found) print 0 }' "$1"
}

enabled() {
	[ "$(line_of /etc/pam.d/common-password password 'requisite pam_iampw\.so')" -gt 0 ]
}

pam_has_no_iampw() {
	! grep -l pam_iampw /etc/pam.d/common-*
}

# owned_by PACKAGE PATH: dpkg says PACKAGE installed PATH.
owned_by() {
	dpkg -S "$2" | grep -q "^$1:"
}

# none_exists PATH...: not one PATH exists (nor is a dangling link).
none_exists() {
	local p
	for p; do
		[ ! -e "$p" ] && [ ! -L "$p" ] || return 1
	done
}

# common_unchanged SUMS: /etc/pam.d/common-* have the sha256sum output SUMS.
common_unchanged() {
	sha256sum /etc/pam.d/common-* | cmp -s - "$1"
}

# The stack variant this run is about, built from the host's copy.
setup_variant() {
	local p have=()
	for p in pwquality passwdqc; do
		[ -f "/usr/share/pam-configs/$p" ] && have+=("$p")
	done
	local rc=0
	: >"$work/variant.out"
	if [ "$variant" = pwquality ]; then
		DEBIAN_FRONTEND=noninteractive pam-auth-update --package --enable pwquality \
			</dev/null >"$work/variant.out" 2>&1 || rc=$?
		check "variant pwquality: pam_pwquality is in common-password before the install" \
			test "$rc" -eq 0 --and grep -q '^password.*pam_pwquality\.so' /etc/pam.d/common-password
	else
		if [ ${#have[@]} -gt 0 ]; then
			DEBIAN_FRONTEND=noninteractive pam-auth-update --package --disable "${have[@]}" \
				</dev/null >"$work/variant.out" 2>&1 || rc=$?
		fi
		check "variant plain: no pam_pwquality or pam_passwdqc in common-password (such profiles on this host: ${have[*]:-none})" \
			test "$rc" -eq 0 --and ! grep -Eq '^password.*pam_(pwquality|passwdqc)\.so' /etc/pam.d/common-password
	fi || diag_file "$work/variant.out"
}

test_install() {
	local v rc
	apt_get install.out install --no-install-recommends "$DEB_FILE"
	fail_unless "apt-get install -y $(basename "$DEB_FILE") (offline)" test $? -eq 0 ||
		diag_file "$work/install.out"
	is "$(installed_version)" "$deb_version" "dpkg: pam-iampw $deb_version is installed"
	check "the module is $securedir/pam_iampw.so, beside pam_unix.so, from the package" \
		test -f "$securedir/pam_iampw.so" --and test -f "$securedir/pam_unix.so" \
		--and owned_by pam-iampw "$securedir/pam_iampw.so"
	v=$(/usr/sbin/iampw-admin --version 2>&1)
	is "$v" "iampw-admin (pam_iampw) ${deb_version%-*}" "iampw-admin --version"
	is "$(stat -c '%a %u:%g %F' /var/lib/iampw 2>&1)" "700 0:0 directory" \
		"/var/lib/iampw: a directory, 0700 root (postinst)"
	v=$(dpkg-query -W -f='${Conffiles}\n' pam-iampw | awk 'NF { print $1 }' | sort | tr '\n' ' ')
	is "$v" "/etc/iampw/iampw.conf /etc/pam.d/iampw-admin " \
		"conffiles: /etc/iampw/iampw.conf and /etc/pam.d/iampw-admin"
	fail_unless "/etc/pam.d/iampw-admin names the module by its installed path" \
		grep -q "^password.*[[:space:]]$securedir/pam_iampw\.so commit\$" /etc/pam.d/iampw-admin
	/usr/sbin/iampw-admin check >"$work/check.out" 2>&1
	rc=$?
	fail_unless "iampw-admin check: no problem in the fresh installation" test "$rc" -eq 0 ||
		diag_file "$work/check.out"

	local f=/etc/pam.d/common-password c u m
	c=$(line_of $f password 'requisite pam_iampw\.so')
	u=$(line_of $f password '.* pam_unix\.so( .*)?')
	m=$(line_of $f password 'optional pam_iampw\.so commit')
	check "common-password at once: the check line, pam_unix, the commit line, in order ($c $u $m)" \
		test "$c" -gt 0 --and test "$u" -gt "$c" --and test "$m" -gt "$u" ||
		diag_file $f
	check "common-account and common-auth: the pam_iampw lines" \
		test "$(line_of /etc/pam.d/common-account account 'required pam_iampw\.so exempt_key_logins')" -gt 0 \
		--and test "$(line_of /etc/pam.d/common-auth auth 'optional pam_iampw\.so')" -gt 0
}

test_passwd() {
	local h t0 t1 v
	h=$(shadow_hash alice)
	local weak=$WEAK
	[ "$variant" = pwquality ] && weak=$WEAK_IAM
	E2E_CURRENT=$P0 E2E_NEW=$weak conv -- runuser -u alice -- passwd
	check "passwd as alice: a weak password is refused with pam_iampw's message, nothing stored" \
		test "$CONV_EXIT" != 0 --and says "$MSG_POLICY" --and test "$(shadow_hash alice)" = "$h"
	t0=$(date +%s)
	E2E_CURRENT=$P0 E2E_NEW=$P1 conv -- runuser -u alice -- passwd
	t1=$(date +%s)
	check "passwd as alice: a good password is accepted and stored" \
		test "$CONV_EXIT" = 0 --and has_line "passwd: password updated successfully" \
		--and test "$(shadow_hash alice)" != "$h"
	v=$(sed -n 's/^password_last_changed = //p' "/var/lib/iampw/profiles/$(id -u alice)" 2>/dev/null)
	fail_unless "the commit line recorded the change in alice's login profile ($v in $t0..$t1)" \
		test -n "$v" -a "${v:-0}" -ge "$t0" -a "${v:-0}" -le "$t1"
}

# test_purge ROUND: apt-get purge, and nothing of the package is left.
test_purge() {
	apt_get "purge$1.out" purge pam-iampw
	fail_unless "$1: apt-get purge -y pam-iampw" test $? -eq 0 || diag_file "$work/purge$1.out"
	pam_snapshot >"$work/pam.after$1"
	fail_unless "$1: /etc/pam.d is byte-identical to before the install" \
		cmp -s "$work/pam.before" "$work/pam.after$1" ||
		diag "$(diff "$work/pam.before" "$work/pam.after$1")"
	check "$1: /var/lib/iampw and /etc/iampw are gone" \
		none_exists /var/lib/iampw /etc/iampw
	check "$1: the package and its files are gone" \
		test -z "$(installed_version)" --and none_exists "$securedir/pam_iampw.so" \
			/usr/sbin/iampw-admin /usr/share/pam-configs/iampw \
			/usr/share/pam-configs/iampw-commit /etc/pam.d/iampw-admin
}

test_admin_choice() {
	local rc=0
	apt_get install2.out install --no-install-recommends "$DEB_FILE" || rc=$?
	check "again: apt-get install enables pam_iampw again (purge forgot the profiles)" \
		test "$rc" -eq 0 --and enabled || diag_file "$work/install2.out"
	rc=0
	DEBIAN_FRONTEND=noninteractive pam-auth-update --disable iampw iampw-commit \
		</dev/null >"$work/disable.out" 2>&1 || rc=$?
	check "pam-auth-update --disable iampw iampw-commit takes pam_iampw out of common-*" \
		test "$rc" -eq 0 --and pam_has_no_iampw || diag_file "$work/disable.out"
	apt_get reinstall.out install --reinstall --no-install-recommends "$DEB_FILE"
	fail_unless "apt-get install --reinstall (an upgrade's maintainer scripts) succeeds" \
		test $? -eq 0 || diag_file "$work/reinstall.out"
	fail_unless "the administrator's choice is kept: pam_iampw is still disabled" \
		pam_has_no_iampw
}

# common-* edited by hand (a module line added): pam-auth-update leaves
# them alone, postinst says that pam_iampw is not enabled, and purge
# leaves them alone too.
test_local_changes() {
	local rc=0
	sed -i 's/^\(password[[:space:]].*pam_unix\.so.*\)$/&\npassword optional pam_echo.so/' \
		/etc/pam.d/common-password && grep -q '^password optional pam_echo\.so$' /etc/pam.d/common-password ||
		bail_out "cannot edit common-password"
	pam_snapshot >"$work/pam.before"
	sha256sum /etc/pam.d/common-* >"$work/common.before"
	apt_get install3.out install --no-install-recommends "$DEB_FILE" || rc=$?
	check "common-* edited by hand: apt-get install succeeds and leaves common-* as they were" \
		test "$rc" -eq 0 --and common_unchanged "$work/common.before" ||
		diag_file "$work/install3.out"
	fail_unless "postinst says that pam_iampw is not enabled" \
		grep -q '^pam-iampw: pam_iampw is NOT enabled' "$work/install3.out" || diag_file "$work/install3.out"
}

inside() {
	umask 022
	mkdir -p "$work" "$E2E_WORK" && chmod 0755 "$E2E_WORK" || bail_out "cannot create $work"
	[ -f "$DEB_FILE" ] || bail_out "$DEB_FILE is not visible in the sandbox"
	[ -e "$securedir/pam_iampw.so" ] && bail_out "$securedir/pam_iampw.so exists before the install"
	setup_variant
	# An existing user, as on any host the package goes to.
	if getent passwd alice >/dev/null; then
		userdel -f -r alice >/dev/null 2>&1 || bail_out "cannot remove the copy's alice"
	fi
	useradd -m -s /bin/bash alice >&2 || bail_out "useradd alice failed"
	# -c: chpasswd hashes itself, outside the stack under test.
	echo "alice:$P0" | chpasswd -c YESCRYPT >&2 || bail_out "chpasswd failed"
	pam_snapshot >"$work/pam.before"

	test_install
	test_passwd
	test_purge first
	test_admin_choice
	test_purge second
	test_local_changes
	test_purge third
	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
	done_testing
}

# --------------------------------------------------------------------------
# On the host.

host_state() {
	sha256sum /etc/passwd /etc/shadow /etc/group /etc/gshadow 2>&1
	find /etc/pam.d /var/lib/pam -type f -exec sha256sum {} + 2>&1 | sort
	dpkg-query -W -f='${Status}\n' pam-iampw 2>&1
	ls -la --time-style=full-iso /usr/share/pam-configs "$securedir" 2>&1
	ls -d /etc/iampw /var/lib/iampw /usr/sbin/iampw-admin 2>&1
}

outside() {
	local tool variant=plain deb keep
	[ "${1:-}" = --with-pwquality ] || [ "${DEB_WITH_PWQUALITY:-}" = 1 ] && variant=pwquality
	[ "$(id -u)" -eq 0 ] ||
		skip_all "needs root: apt-get installs the package in a throwaway namespace sandbox"
	[ -n "${DEB:-}" ] ||
		skip_all "no package given: DEB=path/to/pam-iampw_*.deb (tools/build-deb.sh builds one)"
	deb=$(readlink -f "$DEB") && [ -f "$deb" ] || bail_out "DEB=$DEB: no such file"
	case ${deb##*/} in
	pam-iampw_*.deb) ;;
	*) bail_out "DEB=$DEB is not a pam-iampw_*.deb" ;;
	esac
	for tool in unshare apt-get dpkg dpkg-deb dpkg-query pam-auth-update expect runuser \
		useradd chpasswd passwd python3; do
		PATH=/usr/sbin:/sbin:$PATH command -v "$tool" >/dev/null 2>&1 ||
			bail_out "$tool is not installed (tools/deps.sh)"
	done
	if [ "$variant" = pwquality ]; then
		dpkg-query -W -f='${Status}\n' libpam-pwquality 2>/dev/null | grep -q 'ok installed' &&
			[ -f /usr/share/pam-configs/pwquality ] ||
			bail_out "--with-pwquality: libpam-pwquality is not installed on this host (the test never installs it: its postinst edits /etc/pam.d)"
	fi
	securedir=$(dirname "$(dpkg -L libpam-modules | grep '/pam_unix\.so$' | head -n 1)")
	[ -f "$securedir/pam_unix.so" ] || bail_out "no pam_unix.so from libpam-modules"
	if dpkg-query -W -f='${Status}\n' pam-iampw 2>/dev/null | grep -q 'ok installed' ||
		[ -e "$securedir/pam_iampw.so" ] || [ -e /etc/iampw ] || [ -e /var/lib/iampw ]; then
		skip_all "pam_iampw is installed on this host; the test needs a host without it"
	fi
	deb_version=$(dpkg-deb -f "$deb" Version) || bail_out "dpkg-deb cannot read $deb"
	export securedir deb_version variant

	plan $((INSIDE_TESTS + 3))
	diag "package: $deb ($deb_version); variant: $variant; module directory: $securedir"
	keep=$(dirname "$deb")
	sandbox_outside "$here/sandbox.sh" DEB_FILE="$deb" SANDBOX_KEEP="$keep${SANDBOX_KEEP:+:$SANDBOX_KEEP}"
}

case ${1:-} in
--inside)
	[ "${SANDBOX:-}" = 1 ] || bail_out "$1 runs only inside sandbox.sh"
	inside
	;;
*)
	outside "$@"
	;;
esac
