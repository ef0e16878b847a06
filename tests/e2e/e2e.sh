# tests/e2e/e2e.sh: shared code of the end-to-end tests and tools/demo.sh.
# Source it from bash after tests/lib.sh.
#
# The real programs (passwd, su, login, sudo, iampw-admin) run inside a
# throwaway copy of this host: `tests/sandbox/sandbox.sh --install` runs
# `make install` of the build tree and `pam-auth-update --package --enable
# iampw iampw-commit` in it, so /etc/pam.d/common-* hold the real
# reference stack, the module is at its installed path, iampw-admin is
# /usr/sbin/iampw-admin, and every file is at its default path.
#
# The sandbox's /etc/pam.d/other denies everything, where Debian's
# includes the common-* files: su and sudo have no password stack of
# their own and on Debian change an expired password through "other", so
# e2e_setup adds "@include common-password" to them (su-l and sudo-i
# include those two).

# shellcheck disable=SC2034 # variables for the scripts that source this file
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_SRCDIR=$(cd "$E2E_DIR/../.." && pwd)
E2E_SANDBOX=$E2E_SRCDIR/tests/sandbox/sandbox.sh
E2E_CONVERSE=$E2E_DIR/converse.exp

# ---------------------------------------------------------------------------
# Host side.

# Resolve and check the build tree: prints its absolute path.
e2e_builddir() {
	local b
	b=$(cd "${top_builddir:-$E2E_SRCDIR}" 2>/dev/null && pwd) || return 1
	[ -f "$b/pam_iampw/.libs/pam_iampw.so" ] && [ -x "$b/iampw-admin/iampw-admin" ] ||
		return 1
	echo "$b"
}

# What the tests would leave behind on the host if the sandbox leaked,
# checked independently of sandbox.sh.
e2e_host_state() {
	sha256sum /etc/passwd /etc/shadow /etc/group /etc/gshadow 2>&1
	find /etc/pam.d /etc/sudoers.d -type f -exec sha256sum {} + 2>&1 | sort
	ls -d /etc/iampw /var/lib/iampw /usr/sbin/iampw-admin /usr/local/sbin/iampw-admin \
		/lib/x86_64-linux-gnu/security/pam_iampw.so /usr/share/pam-configs/iampw \
		/home/alice /home/bob /home/carol /run/e2e 2>&1
	ls -A /var/lib/sudo/lectured /var/lib/pam 2>&1
}

# e2e_outside SCRIPT INSIDE_TESTS: the host side of a TAP test whose
# results come from "SCRIPT --inside" run in the sandbox, then three of
# its own.
e2e_outside() {
	local script=$1 inside=$2 builddir tool rc errf before
	[ "$(id -u)" -eq 0 ] ||
		skip_all "needs root: real accounts, passwd, su, login and sudo in a throwaway namespace sandbox"
	for tool in expect runuser su login passwd sudo pamtester useradd chpasswd chage unshare; do
		PATH=/usr/sbin:/sbin:$PATH command -v "$tool" >/dev/null 2>&1 ||
			bail_out "$tool is not installed (tools/deps.sh)"
	done
	builddir=$(e2e_builddir) ||
		bail_out "no built tree at ${top_builddir:-$E2E_SRCDIR} (pam_iampw.so and iampw-admin)"
	grep -q -- '--install' "$E2E_SANDBOX" ||
		bail_out "$E2E_SANDBOX has no --install"
	# sandbox.sh --install needs a build configured for the system; the
	# one of `make distcheck` (--prefix=.../_inst) is not.
	local want have v
	for want in prefix=/usr sysconfdir=/etc localstatedir=/var; do
		v=${want%%=*}
		have=$(sed -n "s/^$v = //p" "$builddir/Makefile")
		[ "$have" = "${want#*=}" ] ||
			skip_all "the build is configured with $v=$have: the end-to-end tests install it (in the sandbox) and need ${want#*=}"
	done

	plan $((inside + 3))
	diag "build tree: $builddir (installed inside the sandbox)"
	before=$(e2e_host_state)
	errf=$(mktemp) || bail_out "mktemp failed"
	E2E_BUILDDIR=$builddir top_builddir=$builddir \
		"$E2E_SANDBOX" --install "$script" --inside 2>"$errf"
	rc=$?
	diag "sandbox exit status $rc; its stderr:"
	diag_file "$errf"

	TAP_N=$inside
	fail_if "the sandbox set up and verified its private mounts" \
		grep -q '^sandbox: refusing' "$errf"
	if [ "$rc" -ne 124 ] && [ "$(tail -n 1 "$errf")" = "sandbox: host unchanged" ]; then
		pass "the sandbox's host check passed"
	else
		fail "the sandbox's host check passed"
	fi
	is "$(e2e_host_state)" "$before" \
		"host accounts, /etc/pam.d, sudoers.d, install paths unchanged (checked by the test)"
	rm -f "$errf"
	[ "$rc" -eq 0 ] || TAP_FAILED=$((TAP_FAILED + 1))
	done_testing
}

# ---------------------------------------------------------------------------
# Inside the sandbox.

E2E_WORK=/run/e2e
STATE=/var/lib/iampw
ADMIN=/usr/sbin/iampw-admin

# e2e_setup USER...: checks that pam_iampw is installed, builds the
# stack (e2e_stack unix iampw iampw-commit; not with E2E_KEEP_STACK=1),
# completes the su and sudo services, makes the work directory, an
# auth-only service for checking passwords, and fresh accounts USER...
# (bash as shell, a home).  Bails out on failure.
e2e_setup() {
	local u svc
	umask 022
	[ "${SANDBOX_INSTALLED:-}" = 1 ] || bail_out "not in sandbox.sh --install"
	[ -x "$ADMIN" ] || bail_out "$ADMIN is not installed"
	# The stack is the tests' own, never the host's (TESTING.md): exactly
	# the profiles unix, iampw and iampw-commit, unless the caller built
	# its own stack with pam-auth-update and set E2E_KEEP_STACK=1.
	if [ -z "${E2E_KEEP_STACK:-}" ]; then
		e2e_stack unix iampw iampw-commit ||
			bail_out "pam-auth-update did not enable exactly unix, iampw, iampw-commit: $(tail -n 5 "$E2E_WORK/stack.out" 2>/dev/null)"
	fi
	grep -q '^password.*pam_iampw\.so' /etc/pam.d/common-password ||
		bail_out "pam_iampw is not in /etc/pam.d/common-password"
	if ! mkdir -p "$E2E_WORK" || ! chmod 0755 "$E2E_WORK"; then
		bail_out "cannot create $E2E_WORK"
	fi
	for svc in su sudo; do
		grep -q '^@include[[:space:]]\+common-password' "/etc/pam.d/$svc" ||
			echo '@include common-password' >>"/etc/pam.d/$svc" ||
			bail_out "cannot complete /etc/pam.d/$svc"
	done
	printf '%s\n' '# e2e: does this password authenticate (no delay)?' \
		'auth required pam_unix.so nodelay' 'account required pam_permit.so' \
		>/etc/pam.d/e2e-auth || bail_out "cannot write /etc/pam.d/e2e-auth"
	for u; do
		if getent passwd "$u" >/dev/null; then
			userdel -f -r "$u" >/dev/null 2>&1 || bail_out "cannot remove the copy's $u"
		fi
		useradd -m -s /bin/bash "$u" || bail_out "useradd $u failed"
	done
}

# admin ARG...: the installed iampw-admin.
admin() {
	"$ADMIN" "$@"
}

# admin_says TEXT ARG...: iampw-admin ARG... prints TEXT (a fixed string)
# on its standard output.
admin_says() {
	local text=$1
	shift
	admin "$@" | grep -qF -- "$text"
}

# admin_out ARG...: iampw-admin ARG..., its standard output in $cout (the
# transcript says and has_line read); its exit status.
admin_out() {
	admin "$@" >"$cout"
}

# policy MINLEN [FLAG...]: a policy with every character type required,
# MinimumPasswordLength MINLEN, PasswordReusePrevention 3, and FLAG...
policy() {
	local min=$1
	shift
	admin update-account-password-policy --minimum-password-length "$min" \
		--require-symbols --require-numbers --require-uppercase-characters \
		--require-lowercase-characters --password-reuse-prevention 3 "$@"
}

shadow_hash() {
	awk -F: -v u="$1" '$1 == u { print $2 }' /etc/shadow
}

# Field 3 of the shadow entry: days since the epoch of the last change.
shadow_lastchg() {
	awk -F: -v u="$1" '$1 == u { print $3 }' /etc/shadow
}

# authenticates USER PASSWORD: pam_unix accepts it (no delay on failure).
authenticates() {
	printf '%s\n' "$2" | pamtester e2e-auth "$1" authenticate >/dev/null 2>&1
}

# age USER DAYS: pretend the user's password was last changed DAYS days
# (and ten minutes) ago, in the login profile.
age() {
	local f=$STATE/profiles/$(id -u "$1") t
	t=$(($(date +%s) - $2 * 86400 - 600))
	sed -i "s/^password_last_changed = .*/password_last_changed = $t/" "$f" &&
		grep -qx "password_last_changed = $t" "$f"
}

# conv [converse.exp options] -- PROGRAM ARG...: run PROGRAM on a
# terminal, answering from E2E_PASSWORD / E2E_CURRENT / E2E_NEW (set them
# on the call).  The transcript, CRs and terminal escapes removed, is in
# $cout; the answered prompts in $CONV_PROMPTS; the exit status (or
# "timeout", "login-again") in $CONV_EXIT.
cout=$E2E_WORK/conv.out
conv() {
	expect "$E2E_CONVERSE" "$@" </dev/null 2>&1 |
		sed -e 's/\r//g' -e 's/\x1b\][^\x07]*\x07//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' >"$cout"
	CONV_PROMPTS=$(sed -n 's/^@@ prompts: *//p' "$cout" | tail -n 1)
	CONV_EXIT=$(sed -n 's/^@@ exit: //p' "$cout" | tail -n 1)
}

# The transcript has LINE as a whole line (COUNT times, default at least once).
has_line() {
	local n
	n=$(grep -Fxc -- "$1" "$cout")
	if [ -n "${2:-}" ]; then [ "$n" -eq "$2" ]; else [ "$n" -ge 1 ]; fi
}

# The transcript contains TEXT somewhere.
says() {
	grep -Fq -- "$1" "$cout"
}

# The shell opened by -shell ran as USER.
shell_as() {
	grep -qx "E2E-SHELL $1 42" "$cout"
}

# check DESC COND... (tests/lib.sh) shows, when a condition fails, the
# answered prompts and the last transcript.
check_diag() {
	diag "prompts answered: '${CONV_PROMPTS:-}', exit: '${CONV_EXIT:-}'; last transcript:"
	diag_file "$cout"
}

# log_check DESC TEXT...: one result, ok when every TEXT is in
# $SANDBOX_LOG (every syslog line the sandbox received); a skip when the
# sandbox offers no log.
log_check() {
	local desc=$1 t missing=()
	shift
	if [ -z "${SANDBOX_LOG:-}" ] || [ ! -f "$SANDBOX_LOG" ]; then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $desc # SKIP the sandbox offers no SANDBOX_LOG"
		return 0
	fi
	sandbox_log_sync >&2
	for t; do
		grep -qF -- "$t" "$SANDBOX_LOG" || missing+=("$t")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		pass "$desc"
		return 0
	fi
	fail "$desc"
	for t in "${missing[@]}"; do diag "not in $SANDBOX_LOG: $t"; done
	diag "pam_iampw lines there:"
	grep -F 'pam_iampw' "$SANDBOX_LOG" | tail -n 20 | sed 's/^/# /'
	return 1
}

# The module's messages (SPEC §5, pam_iampw(8)), for the scripts that
# source this file.
SYMBOLS="! @ # \$ % ^ & * ( ) _ + - = [ ] { } | '"
MSG_POLICY="Password does not conform to the account password policy: "
MSG_REUSED='Password has been used recently. Choose a different password.'
MSG_DISABLED='Password changes are disabled by policy. Contact your administrator.'
MSG_RESET='You are required to change your password immediately (administrator enforced).'
MSG_EXPIRED='Your password has expired. You are required to change it now.'
MSG_HARD='Your password has expired and must be reset by an administrator.'
RULE_UPPER='it must contain at least one uppercase letter (A-Z)'
RULE_LOWER='it must contain at least one lowercase letter (a-z)'
RULE_NUMBER='it must contain at least one number (0-9)'
RULE_SYMBOL="it must contain at least one symbol ($SYMBOLS)"

# e2e_stack PROFILE...: inside the sandbox, make pam-auth-update enable
# exactly these profiles of /usr/share/pam-configs and disable every other
# one, so that the stack is the caller's choice and never the host's
# (a host with libpam-pwquality enabled puts pam_pwquality first:
# TESTING.md).  A copy of /etc/pam.d/common-* with local edits that
# pam-auth-update cannot merge (it says so, or silently writes nothing
# when a file lacks its markers) is rebuilt from Debian's templates
# (--force, which leaves common-*.pam-old copies in the sandbox's
# /etc/pam.d).  pam-auth-update's output goes to $E2E_WORK/stack.out.
e2e_stack() {
	local p out=$E2E_WORK/stack.out want=" $* "
	local -a others=()
	for p in /usr/share/pam-configs/*; do
		p=${p##*/}
		case $want in *" $p "*) ;; *) others+=("$p") ;; esac
	done
	mkdir -p "$E2E_WORK" || return 1
	DEBIAN_FRONTEND=noninteractive pam-auth-update --package --enable "$@" \
		${others[0]+--disable "${others[@]}"} </dev/null >"$out" 2>&1 || return 1
	if grep -q 'Local modifications' "$out" || ! e2e_stack_managed ||
		[ "$(e2e_enabled_profiles)" != "$(printf '%s\n' "$@" | sort -u)" ]; then
		DEBIAN_FRONTEND=noninteractive pam-auth-update --package --force --enable "$@" \
			${others[0]+--disable "${others[@]}"} </dev/null >>"$out" 2>&1 || return 1
	fi
	# Every file is pam-auth-update's, and exactly the wanted profiles are
	# recorded as enabled.
	e2e_stack_managed && [ "$(e2e_enabled_profiles)" = "$(printf '%s\n' "$@" | sort -u)" ]
}

# Each /etc/pam.d/common-* file has pam-auth-update's four markers, so it
# is written from the enabled profiles.
e2e_stack_managed() {
	local t
	for t in auth account password session session-noninteractive; do
		[ "$(grep -c -e '^# here are the per-package modules (the "Primary" block)' \
			-e "^# here's the fallback if no module succeeds" \
			-e '^# and here are more per-package modules (the "Additional" block)' \
			-e '^# end of pam-auth-update config' "/etc/pam.d/common-$t" 2>/dev/null)" -eq 4 ] ||
			return 1
	done
}

# The profiles pam-auth-update has enabled (from its saved stacks in
# /var/lib/pam), one per line, sorted.
e2e_enabled_profiles() {
	sed -n 's/^Module: //p' /var/lib/pam/auth /var/lib/pam/account /var/lib/pam/password \
		/var/lib/pam/session 2>/dev/null | grep -vx null | sort -u
}
