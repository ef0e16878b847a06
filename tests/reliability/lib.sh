# Shared by the reliability tests (tests/reliability/test_*.sh); source
# after ../lib.sh.  Each test runs its cases inside the throwaway sandbox
# (tests/sandbox/sandbox.sh): a private /etc, /run, /var/lib and /tmp, a
# private /dev/log whose messages land in $SANDBOX_LOG, and mounts of its
# own.  The test's TAP descriptions are "CASE: WHAT WAS DONE"; a "result:
# TEXT" diagnostic after a case is what docs/RELIABILITY.md shows as its
# result (tools/reliability-doc.sh).
#
# Inside, after rel_setup:
#   $conf/iampw.conf, $conf/policy.conf   root 0644, a custom policy with
#                        PasswordReusePrevention 24 (rel_policy changes it)
#   $state               the state directory (not created: the first
#                        change creates it)
#   $work/pam.d/         service files for pamdrive (pam_start_confdir):
#       chg      password requisite pam_iampw; required pam_permit;
#                required pam_iampw commit (required, so that the commit
#                instance's own code is the stack's result)
#       acct     account required pam_iampw
#       auth     auth required pam_permit; optional pam_iampw
#   users alice, bob (uids 1001, 1002), created with useradd
#   PW1..PW4             passwords that satisfy the policy

REL_PW1='Kettle+Lamp+Fig7'
REL_PW2='Orbit[Stone]2Yak'
REL_PW3='Quill=Marsh=9Tan'
REL_PW4='Violet{Cask}8Rue'

conf=/etc/iampw-rel
work=/run/iampw-rel
state=/var/lib/iampw-rel
profiles=$state/profiles

# result TEXT: what the case measured or saw, for docs/RELIABILITY.md.
result() {
	echo "# result: $*"
}

rel_margs() {
	echo "config=$conf/iampw.conf policy=$conf/policy.conf statedir=$state"
}

# rel_policy [KEY = VALUE]...: a custom policy (reuse 24 unless given).
rel_policy() {
	{
		echo "# written by the reliability tests"
		echo "[policy]"
		if [ $# -eq 0 ]; then
			echo "minimum_password_length = 12"
			echo "require_symbols = true"
			echo "require_numbers = true"
			echo "require_uppercase_characters = true"
			echo "require_lowercase_characters = true"
			echo "password_reuse_prevention = 24"
		fi
		printf '%s\n' "$@"
	} >"$conf/policy.conf"
	chmod 0644 "$conf/policy.conf"
}

# rel_config [LINE]...: iampw.conf; cheap yescrypt history hashes unless
# a [history] section is given.
rel_config() {
	{
		echo "[scope]"
		echo "min_uid = 1000"
		echo "max_uid = 60000"
		if [ $# -eq 0 ]; then
			echo "[history]"
			echo "hash = yescrypt"
			echo "cost = 1"
		fi
		printf '%s\n' "$@"
	} >"$conf/iampw.conf"
	chmod 0644 "$conf/iampw.conf"
}

rel_setup() {
	umask 022
	mkdir -p "$conf" "$work/pam.d" || bail_out "cannot create $conf, $work"
	# The build tree may sit in a 0700 directory (a mktemp -d clone): the
	# cases run as a user (a screen locker) need copies they can reach.
	install -m 0755 "$IAMPW_SO" "$work/pam_iampw.so" &&
		install -m 0755 "$ADMIN" "$work/iampw-admin" ||
		bail_out "cannot copy the module and iampw-admin to $work"
	IAMPW_SO=$work/pam_iampw.so
	ADMIN=$work/iampw-admin
	rel_config
	rel_policy
	cat >"$work/pam.d/chg" <<-EOF
		password requisite $IAMPW_SO $(rel_margs)
		password required  pam_permit.so
		password required  $IAMPW_SO commit $(rel_margs)
	EOF
	# libpam logs a complaint for a service directory without "other".
	printf '%s\n' "auth required pam_deny.so" "account required pam_deny.so" \
		"password required pam_deny.so" "session required pam_deny.so" >"$work/pam.d/other"
	cat >"$work/pam.d/acct" <<-EOF
		account  required  $IAMPW_SO $(rel_margs)
	EOF
	cat >"$work/pam.d/auth" <<-EOF
		auth     required  pam_permit.so
		auth     optional  $IAMPW_SO $(rel_margs)
	EOF
	for u in alice:1001 bob:1002; do
		id "${u%%:*}" >/dev/null 2>&1 ||
			useradd -M -u "${u#*:}" -s /bin/sh "${u%%:*}" ||
			bail_out "useradd ${u%%:*} failed"
	done
}

# drive [PAMDRIVE_OPTION]... SERVICE USER: pamdrive as root (an admin
# reset when -o c), with the answers on stdin (one per line); prints
# pamdrive's output; $rc is its exit status (the PAM code).
drive() {
	local n=$#
	local svc=${*:n-1:1} user=${*:n:1}
	"$PAMDRIVE" "${@:1:n-2}" "$work/pam.d" "$svc" "$user"
}

# change USER PASSWORD [PAMDRIVE_OPTION]...: an admin reset of USER to
# PASSWORD through the chg stack; $rc is the PAM code.
change() {
	local user=$1 pw=$2
	shift 2
	printf '%s\n' "$pw" "$pw" | drive -q -p - "$@" chg "$user" >"$work/drive.out" 2>&1
	rc=$?
}

# admin ARG...: iampw-admin on the test's files; stdout+stderr in $work/admin.out.
admin() {
	"$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" \
		--state-dir "$state" "$@" </dev/null >"$work/admin.out" 2>&1
	rc=$?
}

# profile_sum USER: sha256 of the profile, or "absent".
profile_sum() {
	local f=$profiles/$(id -u "$1" 2>/dev/null || echo "$1")
	if [ -e "$f" ]; then sha256sum <"$f" | cut -d' ' -f1; else echo absent; fi
}

# stray_files DIR: names in DIR other than profiles and their lock files
# (leftover temp files).
stray_files() {
	find "$1" -mindepth 1 -maxdepth 1 -name '.*' ! -name '.*.lock' -printf '%f\n' 2>/dev/null
}

# What the sandbox must leave alone on the host (sandbox_outside): the
# accounts, the PAM files, and the test's own paths (which must not exist
# there).  A test may define its own after sourcing this file.
host_state() {
	sha256sum /etc/passwd /etc/shadow /etc/group /etc/gshadow 2>&1
	find /etc/pam.d -type f -exec sha256sum {} + 2>&1 | sort
	ls -d "$conf" "$work" "$state" 2>&1
}

# rel_outside TOOL...: the outside half: needs root and TOOLs, then runs
# this script in the sandbox with the built helpers in the environment.
rel_outside() {
	local builddir tool
	[ "$(id -u)" -eq 0 ] ||
		skip_all "needs root: runs real PAM stacks and users in a throwaway namespace sandbox"
	for tool in unshare python3 useradd "$@"; do
		command -v "$tool" >/dev/null 2>&1 ||
			bail_out "$tool is not installed (tools/deps.sh)"
	done
	builddir=$(cd "${top_builddir:-$here/../..}" && pwd) || bail_out "no build directory"
	srcdir=$(cd "${top_srcdir:-$here/../..}" && pwd) || bail_out "no source directory"
	for tool in iampw-admin/iampw-admin tests/reliability/pamdrive \
		tests/reliability/killat tests/reliability/profq \
		tests/reliability/.libs/faultshim.so tests/reliability/.libs/freescan.so \
		pam_iampw/.libs/pam_iampw.so; do
		[ -e "$builddir/$tool" ] || bail_out "not built: $builddir/$tool"
	done
	plan $((INSIDE_TESTS + 3))
	sandbox_outside "$here/../sandbox/sandbox.sh" \
		ADMIN="$builddir/iampw-admin/iampw-admin" \
		IAMPW_SO="$builddir/pam_iampw/.libs/pam_iampw.so" \
		PAMDRIVE="$builddir/tests/reliability/pamdrive" \
		KILLAT="$builddir/tests/reliability/killat" \
		PROFQ="$builddir/tests/reliability/profq" \
		FAULTSHIM="$builddir/tests/reliability/.libs/faultshim.so" \
		FREESCAN="$builddir/tests/reliability/.libs/freescan.so" \
		SRCDIR="$srcdir" top_builddir="$builddir" SANDBOX_KEEP="$srcdir"
}

# The usual main: `rel_main "$@"` at the end of a test defining inside().
rel_main() {
	if [ "${1:-}" = --inside ]; then
		[ "${SANDBOX:-}" = 1 ] || bail_out "--inside runs only inside sandbox.sh"
		rel_setup
		inside
		done_testing
	else
		rel_outside "${REL_TOOLS[@]}"
	fi
}
