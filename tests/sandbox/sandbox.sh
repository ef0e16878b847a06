#!/bin/bash
# sandbox.sh: run a command on a throwaway copy of this host (TESTING.md).
#
#   tests/sandbox/sandbox.sh [--install] [--] CMD [ARG...]      (root only)
#
#   --install   before CMD, inside: `make -C $top_builddir install` (its
#               output goes to $SANDBOX_DIR/install.log and is shown only
#               when it fails), then `pam-auth-update --package --enable
#               iampw iampw-commit` (non-interactive), then a check that
#               /etc/pam.d/common-{password,account,auth} hold the SPEC §5
#               reference stack in order.  iampw.conf stays as installed.
#               $top_builddir comes from the environment (make check
#               exports it), else it is this script's tree; the build must
#               be configured for the system (--prefix=/usr, the default
#               sysconfdir and securedir) and should be up to date: make
#               runs in the build tree, and concurrent --install runs take
#               turns on it (flock).
#
# CMD runs in new mount, PID, network, UTS and IPC namespaces
# (unshare --kill-child: when the sandbox's PID 1 exits, everything left
# inside dies with it), where:
#   /etc         a tmpfs holding a copy of the whole host /etc (shadow-utils
#                and pam_unix replace files by rename, so the private unit
#                must be the directory, never single files)
#   /etc/pam.d/other   denies everything: service files must be complete
#   /usr /var    writable views: overlays with the host's directory as the
#                read-only lower layer and every write going to a private
#                tmpfs (make install, pam-auth-update, debconf, sudo ...);
#                /lib, /sbin, /bin are /usr's on a merged-/usr host (on
#                any other it refuses: every directory the host check
#                watches must be on a private mount inside)
#   /home /root /tmp /var/tmp /run /var/log /var/mail
#                empty private tmpfs (same mode and owner as the host's);
#                /run has lock/, sshd/ and utmp, /var/log has empty
#                wtmp, btmp, lastlog, faillog where the host has them
#   /var/lib/iampw     empty (same mode and owner), if it exists on the
#                      host; absent otherwise
#   /dev         a tmpfs with null zero full random urandom tty bind-mounted
#                from the host, a new devpts instance on /dev/pts (ptys
#                0620 group tty; /dev/ptmx -> pts/ptmx), /dev/shm, fd,
#                stdin, stdout, stderr, and /dev/log: a syslog receiver
#                (syslogd.py) that appends every message, as one line
#                "FACILITY.SEVERITY TAG[PID]: MESSAGE", to $SANDBOX_LOG.
#                The caller's own terminal, if any, is not under /dev/pts:
#                drive interactive programs with expect.
#   network      only lo, up (for sshd on 127.0.0.1)
# Directories that must stay visible although they lie under one of the
# hidden or overlaid ones (a checkout or build tree under /home, /root,
# /tmp, /usr/src ...) are bind-mounted back: this tree, $top_builddir, and
# every path in SANDBOX_KEEP (colon-separated).  Writes there reach the
# host.
#
# Environment inside:
#   SANDBOX=1
#   SANDBOX_DIR=/run/sandbox    private scratch space
#   SANDBOX_LOG                 the syslog file: /var/log/sandbox-syslog,
#                               or the caller's SANDBOX_LOG (an absolute
#                               path as seen inside, in an existing
#                               directory; under a kept directory it
#                               outlives the sandbox).  The receiver opens
#                               it for each message: truncating it is fine.
#   SANDBOX_SYSLOGD             the receiver; `python3 "$SANDBOX_SYSLOGD"
#                               sync /dev/log` returns once every message
#                               sent so far is in $SANDBOX_LOG.  tests/lib.sh
#                               wraps it: sandbox_log_sync, sandbox_wait_log,
#                               sandbox_log_clear.
#   SANDBOX_INSTALLED=1         with --install (unset otherwise)
# The working directory is kept when it is visible, else /.
#
# It refuses to run CMD unless every private mount is verifiably in
# place and the /dev/log receiver answers (tests/sandbox/sandbox-verify.sh
# holds these checks and the host's).  Messages are all written before
# the exit status is reported.  Afterwards it checks on the host that the
# account files, every file under /etc/pam.d, the names in /etc, /home,
# /var/mail and /var/lib/iampw, the names and mtimes in /usr/sbin,
# /usr/share/pam-configs, the PAM module directories, /var/lib, /var/lib/pam,
# man5, man8 and the bash completions, /dev/log, and the mounts on those
# directories are exactly as before.
#
# Exit status: CMD's; 125 when the sandbox refused or could not be set up,
# --install included (CMD did not run; stderr has "sandbox: refusing to
# run: ..."); 124 when the host changed (whatever CMD returned); 2 for a
# usage error.  Once the namespaces were entered, the last line on stderr
# is "sandbox: host unchanged" or starts with "sandbox: HOST CHANGED" (a
# refusal before that, e.g. not root or a directory that cannot be kept,
# ends with the refusal).  The check compares the whole host before and
# after: anything else changing it meanwhile (apt on the host) is reported
# too.

# Every variable of this script is named SANDBOX_*, SB_* or sb_*: CMD runs
# in its scope, where a variable of the caller's environment with the same
# name would be overwritten (a global) or hidden (a local).
SANDBOX_E_SETUP=125
SANDBOX_E_HOST=124

# Private tmpfs mounts, in order.  /run comes first: it holds the staging
# area of the kept directories.
SB_PRIVATE_DIRS=(/run /home /root /tmp /var/tmp /var/log /var/mail)
# Overlaid before the tmpfs mounts under /var.
SB_OVERLAY_DIRS=(/usr /var)
# Directories whose contents may not come back into view through SANDBOX_KEEP.
SB_NO_KEEP_UNDER=(/run /var/log /var/mail /var/lib /etc /dev
	/usr/bin /usr/sbin /usr/lib /usr/lib64 /usr/share)
SB_STATE_DIR=/var/lib/iampw
SB_TMPFS_SOURCE=iampw-sandbox
# Where the overlays keep their upper and work directories (a tmpfs).
SB_OVL=/run/sandbox/ovl
SB_DEV_NODES=(null zero full random urandom tty)
SB_DEFAULT_LOG=/var/log/sandbox-syslog

sb_self=$(readlink -f "${BASH_SOURCE[0]}")
sb_here=$(dirname "$sb_self")
sb_tree=$(dirname "$(dirname "$sb_here")")
sb_syslogd=$sb_here/syslogd.py
# The checks, apart from the setup below: host_manifest (host side) and
# verify, verify_syslog (inside).
# shellcheck source=tests/sandbox/sandbox-verify.sh
. "$sb_here/sandbox-verify.sh" || {
	echo "sandbox: refusing to run: cannot read $sb_here/sandbox-verify.sh" >&2
	exit "$SANDBOX_E_SETUP"
}

die() {
	local status=$1
	shift
	echo "sandbox: $*" >&2
	exit "$status"
}

refuse() {
	die "$SANDBOX_E_SETUP" "refusing to run: $*"
}

usage() {
	die 2 "usage: $0 [--install] [--] CMD [ARG...]"
}

# ---------------------------------------------------------------------------
# Host side.

# Is path $1 equal to, or below, directory $2?
under() {
	[ "$2" = / ] || [ "$1" = "$2" ] && return 0
	case $1 in "$2"/*) return 0 ;; esac
	return 1
}

# Kept directories: resolved, existing, deduplicated, and only those that
# a private mount or an overlay would hide.  One per line.
keep_list() {
	local p r d
	local -a cand=("$sb_tree") keep=()
	[ -n "${top_builddir:-}" ] && cand+=("$top_builddir")
	if [ -n "${SANDBOX_KEEP:-}" ]; then
		local IFS=:
		# shellcheck disable=SC2206 # split on ':' on purpose
		cand+=($SANDBOX_KEEP)
		unset IFS
	fi
	for p in "${cand[@]}"; do
		[ -n "$p" ] || continue
		r=$(cd "$p" 2>/dev/null && pwd -P) ||
			refuse "cannot keep '$p': not a directory"
		for d in "${SB_NO_KEEP_UNDER[@]}"; do
			under "$r" "$d" && refuse "cannot keep '$r': it is under $d"
		done
		for d in "${SB_PRIVATE_DIRS[@]}" "${SB_OVERLAY_DIRS[@]}"; do
			under "$d" "$r" && refuse "cannot keep '$r': $d would not be private"
			under "$r" "$d" && keep+=("$r")
		done
	done
	[ ${#keep[@]} -eq 0 ] && return 0
	printf '%s\n' "${keep[@]}" | sort -u | awk '
		# Drop a path whose ancestor is kept already.
		{ for (i = 1; i <= n; i++) if (index($0 "/", k[i] "/") == 1) next; k[++n] = $0; print }'
}

run_outside() {
	local sb_before sb_after sb_rc sb_diffs sb_keep sb_tool sb_install="" sb_builddir=""
	while [ $# -gt 0 ]; do
		case $1 in
		--install) sb_install=1 ;;
		--) shift; break ;;
		-*) usage ;;
		*) break ;;
		esac
		shift
	done
	[ $# -ge 1 ] || usage
	[ "$(id -u)" -eq 0 ] || refuse "must run as root"
	for sb_tool in unshare mount cp sha256sum stat awk python3 findmnt mountpoint ip; do
		command -v "$sb_tool" >/dev/null 2>&1 || refuse "$sb_tool is not installed"
	done
	[ -r "$sb_syslogd" ] || refuse "$sb_syslogd is missing"
	if [ -n "$sb_install" ]; then
		for sb_tool in make flock pam-auth-update; do
			command -v "$sb_tool" >/dev/null 2>&1 || refuse "--install: $sb_tool is not installed"
		done
		sb_builddir=$(cd "${top_builddir:-$sb_tree}" 2>/dev/null && pwd -P) ||
			refuse "--install: no build directory '${top_builddir:-$sb_tree}'"
		[ -f "$sb_builddir/Makefile" ] ||
			refuse "--install: $sb_builddir has no Makefile (configure and build first)"
	fi

	sb_keep=$(keep_list) || exit $?
	sb_before=$(host_manifest)

	# The interrupt reaches CMD; this side still checks the host.
	trap 'echo "sandbox: interrupted" >&2' INT TERM
	SANDBOX_KEEP_RESOLVED=$sb_keep SANDBOX_CWD=$PWD \
		SANDBOX_DO_INSTALL=$sb_install SANDBOX_BUILDDIR=$sb_builddir \
		unshare --kill-child --mount --propagation private --pid --fork \
		--mount-proc --net --uts --ipc -- "$BASH" "$sb_self" --sandbox-inside "$@"
	sb_rc=$?
	trap - INT TERM

	sb_after=$(host_manifest)
	if [ "$sb_before" != "$sb_after" ]; then
		sb_diffs=$(diff <(echo "$sb_before") <(echo "$sb_after") | grep '^[<>]')
		{
			echo "sandbox: the host differs from before the run ('<' before, '>' after):"
			echo "$sb_diffs" | sed 's/^/sandbox:   /'
			echo "sandbox: HOST CHANGED"
		} >&2
		exit "$SANDBOX_E_HOST"
	fi
	echo "sandbox: host unchanged" >&2
	exit "$sb_rc"
}

# ---------------------------------------------------------------------------
# Inside the namespaces (PID 1).

must() {
	"$@" || refuse "setup step failed: $*"
}

# "mode uid:gid" of a path.
attrs() {
	stat -c '%a %u:%g' "$1" 2>/dev/null
}

# set_attrs PATH "mode uid:gid"
set_attrs() {
	local path=$1 ref=$2
	must chmod "${ref% *}" "$path"
	must chown "${ref#* }" "$path"
}

# A fresh tmpfs over `dir`, with the mode and owner the directory had.
private_tmpfs() {
	local dir=$1 ref
	ref=$(attrs "$dir") || refuse "cannot stat $dir"
	must mount -t tmpfs -o "mode=${ref% *},nosuid,nodev" "$SB_TMPFS_SOURCE" "$dir"
	must chown "${ref#* }" "$dir"
}

# An overlay over `dir`: the host's directory below, writes to $SB_OVL.
# The upper root takes the host directory's mode and owner (an overlay's
# root shows the upper layer's).  With `opaque` (a path below dir), that
# directory is shown empty with the host's mode and owner.
private_overlay() {
	local dir=$1 opaque=${2:-} name=${1#/} up
	up=$SB_OVL/$name/upper
	must mkdir -p "$up" "$SB_OVL/$name/work"
	set_attrs "$up" "$(attrs "$dir")"
	if [ -n "$opaque" ]; then
		make_opaque "$dir" "$up" "${opaque#"$dir"/}"
	fi
	must mount -t overlay -o "lowerdir=$dir,upperdir=$up,workdir=$SB_OVL/$name/work" \
		"$SB_TMPFS_SOURCE-$name" "$dir"
}

# make_opaque LOWER UPPER REL: UPPER/REL becomes an opaque directory (its
# lower contents hidden), its parents plain directories that merge.
make_opaque() {
	local lower=$1 upper=$2 rel=$3 part path=""
	local IFS=/
	for part in $rel; do
		path=${path:+$path/}$part
		must mkdir -p "$upper/$path"
		set_attrs "$upper/$path" "$(attrs "$lower/$path")"
	done
	unset IFS
	"$sb_python" -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")' \
		"$upper/$rel" || refuse "cannot make $lower/$rel opaque in the overlay"
}

# Stash the kept directories under /run/sandbox/keep before their parents
# are hidden, then put them back.
stash_kept() {
	local i=0 p
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		must mkdir -p "/run/sandbox/keep/$i"
		must mount --rbind "$p" "/run/sandbox/keep/$i"
		i=$((i + 1))
	done <<<"$SANDBOX_KEEP_RESOLVED"
}

restore_kept() {
	local i=0 p
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		must mkdir -p "$p"
		must mount --move "/run/sandbox/keep/$i" "$p"
		must rmdir "/run/sandbox/keep/$i"
		i=$((i + 1))
	done <<<"$SANDBOX_KEEP_RESOLVED"
	# rmdir, never rm -r: nothing may reach through a leftover bind mount.
	[ -d /run/sandbox/keep ] && must rmdir /run/sandbox/keep
}

copy_etc() {
	local mode
	mode=$(stat -c %a /etc) || refuse "cannot stat /etc"
	must mkdir /run/sandbox/etc
	must mount -t tmpfs -o "mode=$mode" "$SB_TMPFS_SOURCE-etc" /run/sandbox/etc
	must cp -a /etc/. /run/sandbox/etc/
	must mount --move /run/sandbox/etc /etc
	must rmdir /run/sandbox/etc
}

# A private /dev, built under /run/sandbox and moved into place.
private_dev() {
	local d=/run/sandbox/dev n ttygid f
	ttygid=$(getent group tty | cut -d: -f3)
	must mkdir "$d"
	must mount -t tmpfs -o mode=0755,nosuid "$SB_TMPFS_SOURCE-dev" "$d"
	for n in "${SB_DEV_NODES[@]}"; do
		[ -c "/dev/$n" ] || refuse "/dev/$n is not a character device on the host"
		must touch "$d/$n"
		must mount --bind "/dev/$n" "$d/$n"
	done
	must mkdir -m 0755 "$d/pts" "$d/shm"
	must mount -t devpts -o "newinstance,ptmxmode=0666,mode=0620${ttygid:+,gid=$ttygid}" \
		devpts "$d/pts"
	must ln -s pts/ptmx "$d/ptmx"
	must mount -t tmpfs -o mode=1777,nosuid,nodev "$SB_TMPFS_SOURCE-shm" "$d/shm"
	must ln -s /proc/self/fd "$d/fd"
	for f in 0:stdin 1:stdout 2:stderr; do
		must ln -s "/proc/self/fd/${f%%:*}" "$d/${f#*:}"
	done
	must mount --move "$d" /dev
	must rmdir "$d"
}

# Recreate an empty `path` like the host's (now hidden) one; `ref` holds
# "mode uid:gid" read before the mount.
recreate() {
	local path=$1 ref=$2
	local owner=${ref#* }
	[ -n "$ref" ] || return 0
	must install -m "${ref% *}" -o "${owner%:*}" -g "${owner#*:}" /dev/null "$path"
}

write_pam_other() {
	must rm -f /etc/pam.d/other
	cat >/etc/pam.d/other <<'EOF' || refuse "cannot write /etc/pam.d/other"
# sandbox: every service without its own file is denied.
auth     required pam_deny.so
account  required pam_deny.so
password required pam_deny.so
session  required pam_deny.so
EOF
	chmod 0644 /etc/pam.d/other
}

lo_up() {
	ip link set lo up
}

# The syslog receiver: served before CMD, stopped (queue drained) after.
start_syslog() {
	case $SANDBOX_LOG in
	/*) ;;
	*) refuse "SANDBOX_LOG must be an absolute path, not '$SANDBOX_LOG'" ;;
	esac
	[ -d "$(dirname "$SANDBOX_LOG")" ] ||
		refuse "SANDBOX_LOG: no directory $(dirname "$SANDBOX_LOG") in the sandbox"
	"$sb_python" "$sb_syslogd" serve /dev/log "$SANDBOX_LOG" </dev/null >&2 &
	sb_syslog_pid=$!
}

stop_syslog() {
	local rc
	[ -n "$sb_syslog_pid" ] || return 0
	kill -TERM "$sb_syslog_pid" 2>/dev/null
	wait "$sb_syslog_pid"
	rc=$?
	[ "$rc" -eq 0 ] || echo "sandbox: the /dev/log receiver exited with status $rc" >&2
	sb_syslog_pid=""
}

# stack_in_order FILE TYPE ERE...: the TYPE lines of FILE ("CONTROL MODULE
# ARGS", blanks collapsed to one space) include lines matching each ERE
# (anchored at both ends), in this order.
stack_in_order() {
	local file=$1 type=$2
	shift 2
	awk -v type="$type" -v pats="$(printf '%s\n' "$@")" '
		BEGIN { np = split(pats, p, "\n") }
		/^[ \t]*(#|$)/ { next }
		$1 == type { $1 = ""; sub(/^ /, ""); line[++n] = $0 }
		END {
			j = 1
			for (i = 1; i <= n && j <= np; i++)
				if (line[i] ~ ("^" p[j] "$")) j++
			if (j <= np) {
				print FILENAME ": no " type " line \"" p[j] "\" where expected" > "/dev/stderr"
				exit 1
			}
		}' "$file"
}

check_reference_stack() {
	local p=/etc/pam.d/common-
	stack_in_order "${p}password" password 'requisite pam_iampw\.so' \
		'.* pam_unix\.so (.* )?use_authtok( .*)?' 'required pam_permit\.so' \
		'optional pam_iampw\.so commit' &&
		stack_in_order "${p}account" account '.* pam_unix\.so( .*)?' \
			'required pam_permit\.so' 'required pam_iampw\.so exempt_key_logins' &&
		stack_in_order "${p}auth" auth '.* pam_unix\.so( .*)?' \
			'required pam_permit\.so' 'optional pam_iampw\.so'
}

# --install: this build, installed and enabled in the sandbox.
install_build() {
	local log=$SANDBOX_DIR/install.log d so="" p err
	if ! flock "$SANDBOX_BUILDDIR" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -C "$SANDBOX_BUILDDIR" install DESTDIR= >"$log" 2>&1; then
		tail -n 40 "$log" | sed 's/^/sandbox:   /' >&2
		refuse "--install: make -C $SANDBOX_BUILDDIR install failed"
	fi
	for p in iampw iampw-commit; do
		[ -f "/usr/share/pam-configs/$p" ] ||
			refuse "--install: make install put no /usr/share/pam-configs/$p (configured with --prefix=/usr?)"
	done
	for d in /lib/*/security /lib/security /usr/lib/*/security /usr/lib/security; do
		[ -f "$d/pam_unix.so" ] && so=$d/pam_iampw.so && break
	done
	[ -n "$so" ] && [ -f "$so" ] ||
		refuse "--install: pam_iampw.so is not beside pam_unix.so (${so:-no pam_unix.so found})"
	if ! DEBIAN_FRONTEND=noninteractive pam-auth-update --package \
		--enable iampw iampw-commit </dev/null >>"$log" 2>&1; then
		tail -n 20 "$log" | sed 's/^/sandbox:   /' >&2
		refuse "--install: pam-auth-update --enable iampw iampw-commit failed"
	fi
	if ! err=$(check_reference_stack 2>&1); then
		echo "$err" | sed 's/^/sandbox:   /' >&2
		refuse "--install: after pam-auth-update, /etc/pam.d/common-* lack the reference stack"
	fi
}

run_inside() {
	local sb_d sb_f sb_rc sb_state_ref="" sb_run_ref sb_log_ref=() sb_i=0 sb_python sb_syslog_pid="" sb_host_pts
	must mount --make-rprivate /

	# Read what the hidden directories held before hiding them.
	[ -d "$SB_STATE_DIR" ] && ! [ -L "$SB_STATE_DIR" ] && sb_state_ref=yes
	sb_run_ref=$(attrs /run/utmp)
	for sb_f in wtmp btmp lastlog faillog; do
		sb_log_ref+=("$(attrs "/var/log/$sb_f")")
	done

	private_tmpfs /run
	must mkdir -m 0700 /run/sandbox
	stash_kept
	copy_etc
	must mkdir -m 0700 "$SB_OVL"
	must mount -t tmpfs -o mode=0700 "$SB_TMPFS_SOURCE-ovl" "$SB_OVL"
	# Found before /root (pyenv shims ...) is hidden, used only after.
	sb_python=$(command -v python3) || refuse "python3 is not installed"
	case $sb_python in
	/root/* | /home/* | /tmp/*) sb_python=/usr/bin/python3 ;;
	esac
	[ -x "$sb_python" ] || refuse "no python3 outside /root, /home, /tmp"
	for sb_d in "${SB_OVERLAY_DIRS[@]}"; do
		if [ "$sb_d" = /var ] && [ -n "$sb_state_ref" ]; then
			private_overlay "$sb_d" "$SB_STATE_DIR"
		else
			private_overlay "$sb_d"
		fi
	done
	for sb_d in "${SB_PRIVATE_DIRS[@]}"; do
		[ "$sb_d" = /run ] || private_tmpfs "$sb_d"
	done
	sb_host_pts=$(stat -c %d /dev/pts)
	private_dev
	restore_kept

	must install -d -m 1777 /run/lock
	must install -d -m 0755 /run/sshd
	recreate /run/utmp "$sb_run_ref"
	for sb_f in wtmp btmp lastlog faillog; do
		recreate "/var/log/$sb_f" "${sb_log_ref[$sb_i]}"
		sb_i=$((sb_i + 1))
	done
	write_pam_other
	lo_up || refuse "cannot bring lo up"
	# /dev/log is created only on a /dev verified to be private.
	verify
	export SANDBOX=1 SANDBOX_DIR=/run/sandbox SANDBOX_SYSLOGD=$sb_syslogd
	export SANDBOX_LOG=${SANDBOX_LOG:-$SB_DEFAULT_LOG}
	start_syslog
	verify_syslog

	unset SANDBOX_INSTALLED
	if [ -n "$SANDBOX_DO_INSTALL" ]; then
		install_build
		export SANDBOX_INSTALLED=1
	fi
	unset SANDBOX_KEEP_RESOLVED SANDBOX_DO_INSTALL SANDBOX_BUILDDIR
	cd "$SANDBOX_CWD" 2>/dev/null || cd /
	unset SANDBOX_CWD
	"$@"
	sb_rc=$?
	stop_syslog
	exit "$sb_rc"
}

if [ "${1:-}" = --sandbox-inside ]; then
	shift
	run_inside "$@"
else
	run_outside "$@"
fi
