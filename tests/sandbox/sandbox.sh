#!/bin/bash
# sandbox.sh: run a command on a throwaway copy of this host (TESTING.md).
#
#   tests/sandbox/sandbox.sh CMD [ARG...]        (root only)
#
# CMD runs in new mount, PID, network, UTS and IPC namespaces
# (unshare --kill-child: when the sandbox's PID 1 exits, everything left
# inside dies with it), where:
#   /etc         a tmpfs holding a copy of the whole host /etc (shadow-utils
#                and pam_unix replace files by rename, so the private unit
#                must be the directory, never single files)
#   /etc/pam.d/other   denies everything: service files must be complete
#   /home /root /tmp /var/tmp /run /var/log /var/mail
#                empty private tmpfs (same mode and owner as the host's);
#                /run has lock/, sshd/ and utmp, /var/log has empty
#                wtmp, btmp, lastlog, faillog where the host has them
#   /var/lib/iampw     a private tmpfs, if it exists on the host (a module
#                      left at its default state dir writes nothing there)
#   network      only lo, up (for sshd on 127.0.0.1)
# Directories that must stay visible although they lie under one of the
# hidden ones (a checkout or build tree under /home, /root or /tmp) are
# bind-mounted back: this tree, $top_builddir, and every path in
# SANDBOX_KEEP (colon-separated).  Writes there reach the host.
#
# Inside, SANDBOX=1 and SANDBOX_DIR=/run/sandbox (private scratch space);
# the working directory is kept when it is visible, else /.
#
# It refuses to run CMD unless every private mount is verifiably in
# place, and afterwards checks on the host that the account files, every
# file under /etc/pam.d, the names in /etc, /home, /var/mail and
# /var/lib/iampw, and the mounts on those directories are exactly as
# before.
#
# Exit status: CMD's; 125 when the sandbox refused or could not be set up
# (CMD did not run); 124 when the host changed (whatever CMD returned).
# The last line on stderr is "sandbox: host unchanged" or starts with
# "sandbox: HOST CHANGED".

SANDBOX_E_SETUP=125
SANDBOX_E_HOST=124

# Private tmpfs mounts, in order.  /run comes first: it holds the staging
# area of the kept directories.
PRIVATE_DIRS=(/run /home /root /tmp /var/tmp /var/log /var/mail)
# Directories whose contents may not come back into view through SANDBOX_KEEP.
NO_KEEP_UNDER=(/run /var/log /var/mail /var/lib/iampw /etc)
STATE_DIR=/var/lib/iampw
TMPFS_SOURCE=iampw-sandbox

self=$(readlink -f "${BASH_SOURCE[0]}")

die() {
	local status=$1
	shift
	echo "sandbox: $*" >&2
	exit "$status"
}

refuse() {
	die "$SANDBOX_E_SETUP" "refusing to run: $*"
}

# ---------------------------------------------------------------------------
# Host side.

# Print one line describing a path: absent, a symlink, or a file with its
# metadata and SHA-256.
describe() {
	local p=$1
	if [ -L "$p" ]; then
		echo "$p symlink -> $(readlink "$p")"
	elif [ -f "$p" ]; then
		echo "$p file $(stat -c '%a %u:%g %s' "$p") $(sha256sum <"$p" | cut -d' ' -f1)"
	elif [ -d "$p" ]; then
		echo "$p dir $(stat -c '%a %u:%g' "$p")"
	elif [ -e "$p" ]; then
		echo "$p other $(stat -c '%F %a %u:%g' "$p")"
	else
		echo "$p absent"
	fi
}

# Everything the sandbox promises to leave alone, in a comparable form.
host_manifest() {
	local f v d
	for f in passwd shadow group gshadow subuid subgid; do
		# "+" and ".lock" are shadow-utils' temporaries, "-" its backups.
		for v in "" - + .lock; do
			describe "/etc/$f$v"
		done
	done
	describe /etc/.pwd.lock
	describe /etc/pam.d
	find /etc/pam.d -mindepth 1 -print0 | sort -z |
		while IFS= read -r -d '' f; do describe "$f"; done
	for d in /etc /home /var/mail; do
		echo "names in $d: $(ls -A "$d" 2>&1 | tr '\n' ' ')"
	done
	describe "$STATE_DIR"
	if [ -d "$STATE_DIR" ]; then
		find "$STATE_DIR" -mindepth 1 -print0 | sort -z |
			while IFS= read -r -d '' f; do describe "$f"; done
	fi
	# Mounts on the directories the sandbox mounts over (field 5 of
	# mountinfo is the mount point).
	awk -v dirs="/etc ${PRIVATE_DIRS[*]} $STATE_DIR" '
		BEGIN { n = split(dirs, d, " "); for (i = 1; i <= n; i++) want[d[i]] = 1 }
		($5 in want) || index($5, "/etc/") == 1 { print "mount", $0 }' /proc/self/mountinfo
}

# Is path $1 equal to, or below, directory $2?
under() {
	[ "$2" = / ] || [ "$1" = "$2" ] && return 0
	case $1 in "$2"/*) return 0 ;; esac
	return 1
}

# Kept directories: resolved, existing, deduplicated, and only those that
# a private mount would hide.  One per line.
keep_list() {
	local p r d
	local -a cand=("$(dirname "$(dirname "$(dirname "$self")")")") keep=()
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
		for d in "${NO_KEEP_UNDER[@]}"; do
			under "$r" "$d" && refuse "cannot keep '$r': it is under $d"
		done
		for d in "${PRIVATE_DIRS[@]}"; do
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
	local before after rc diffs keep tool
	[ "$(id -u)" -eq 0 ] || refuse "must run as root"
	[ $# -ge 1 ] || die 2 "usage: $0 CMD [ARG...]"
	for tool in unshare mount findmnt cp sha256sum stat awk; do
		command -v "$tool" >/dev/null 2>&1 || refuse "$tool is not installed"
	done
	command -v ip >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1 ||
		refuse "neither ip (iproute2) nor python3 is installed: cannot bring lo up"

	keep=$(keep_list) || exit $?
	before=$(host_manifest)

	# The interrupt reaches CMD; this side still checks the host.
	trap 'echo "sandbox: interrupted" >&2' INT TERM
	SANDBOX_KEEP_RESOLVED=$keep SANDBOX_CWD=$PWD \
		unshare --kill-child --mount --propagation private --pid --fork \
		--mount-proc --net --uts --ipc -- "$BASH" "$self" --sandbox-inside "$@"
	rc=$?
	trap - INT TERM

	after=$(host_manifest)
	if [ "$before" != "$after" ]; then
		diffs=$(diff <(echo "$before") <(echo "$after") | grep '^[<>]')
		{
			echo "sandbox: the host differs from before the run ('<' before, '>' after):"
			echo "$diffs" | sed 's/^/sandbox:   /'
			echo "sandbox: HOST CHANGED"
		} >&2
		exit "$SANDBOX_E_HOST"
	fi
	echo "sandbox: host unchanged" >&2
	exit "$rc"
}

# ---------------------------------------------------------------------------
# Inside the namespaces (PID 1).

must() {
	"$@" || refuse "setup step failed: $*"
}

# A fresh tmpfs over `dir`, with the mode and owner the directory had.
private_tmpfs() {
	local dir=$1 mode owner
	mode=$(stat -c %a "$dir") && owner=$(stat -c %u:%g "$dir") ||
		refuse "cannot stat $dir"
	must mount -t tmpfs -o "mode=$mode,nosuid,nodev" "$TMPFS_SOURCE" "$dir"
	must chown "$owner" "$dir"
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
	must mount -t tmpfs -o "mode=$mode" "$TMPFS_SOURCE-etc" /run/sandbox/etc
	must cp -a /etc/. /run/sandbox/etc/
	must mount --move /run/sandbox/etc /etc
	must rmdir /run/sandbox/etc
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
	if command -v ip >/dev/null 2>&1; then
		ip link set lo up
	else
		python3 - <<'EOF'
import fcntl, socket, struct
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flags = struct.unpack("16sH22x", fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sH22x", b"lo", 0)))[1]
fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))
EOF
	fi
}

lo_is_up() {
	# /sys shows the host's network namespace; the kernel's ioctl view is ours.
	python3 - 2>/dev/null <<'EOF' || { ip -o link show lo 2>/dev/null | grep -q '[<,]UP[,>]'; }
import fcntl, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flags = struct.unpack("16sH22x", fcntl.ioctl(s, 0x8913, struct.pack("16sH22x", b"lo", 0)))[1]
sys.exit(0 if flags & 1 else 1)
EOF
}

# Is `dir` a mount point whose visible (top) mount is one of ours?
is_ours() {
	local dir=$1 source=$2 line
	line=$(findmnt -rn -o TARGET,SOURCE,FSTYPE,PROPAGATION -T "$dir" 2>/dev/null)
	[ "$line" = "$dir $source tmpfs private" ]
}

verify() {
	local d p ifs
	[ $$ -eq 1 ] || refuse "not PID 1 of a new PID namespace"
	tr '\0' ' ' </proc/1/cmdline | grep -q -- '--sandbox-inside' ||
		refuse "/proc is not the sandbox's own"
	[ "$(findmnt -rn -o PROPAGATION /)" = private ] ||
		refuse "/ is not a private mount"
	is_ours /etc "$TMPFS_SOURCE-etc" || refuse "/etc is not the private copy"
	[ -s /etc/passwd ] && [ -s /etc/shadow ] || refuse "/etc copy lacks passwd or shadow"
	grep -q '^# sandbox:' /etc/pam.d/other || refuse "/etc/pam.d/other is not the deny file"
	for d in "${PRIVATE_DIRS[@]}"; do
		is_ours "$d" "$TMPFS_SOURCE" || refuse "$d is not a private tmpfs"
	done
	if [ -n "$state_ref" ]; then
		is_ours "$STATE_DIR" "$TMPFS_SOURCE" || refuse "$STATE_DIR is not a private tmpfs"
	fi
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		mountpoint -q "$p" || refuse "kept directory $p is not mounted back"
	done <<<"$SANDBOX_KEEP_RESOLVED"
	ifs=$(awk 'NR > 2 { sub(/:.*/, ""); gsub(/ /, ""); printf "%s ", $0 }' /proc/net/dev)
	[ "$ifs" = "lo " ] || refuse "network interfaces are '$ifs', not only lo"
	lo_is_up || refuse "lo is not up"
}

run_inside() {
	local d f rc state_ref="" run_ref log_ref=() i=0
	must mount --make-rprivate /

	# Read what the hidden directories held before hiding them.
	[ -d "$STATE_DIR" ] && ! [ -L "$STATE_DIR" ] && state_ref=yes
	run_ref=$(stat -c '%a %u:%g' /run/utmp 2>/dev/null)
	for f in wtmp btmp lastlog faillog; do
		log_ref+=("$(stat -c '%a %u:%g' "/var/log/$f" 2>/dev/null)")
	done

	private_tmpfs /run
	must mkdir -m 0700 /run/sandbox
	stash_kept
	copy_etc
	for d in "${PRIVATE_DIRS[@]}"; do
		[ "$d" = /run ] || private_tmpfs "$d"
	done
	[ -n "$state_ref" ] && private_tmpfs "$STATE_DIR"
	restore_kept

	must install -d -m 1777 /run/lock
	must install -d -m 0755 /run/sshd
	recreate /run/utmp "$run_ref"
	for f in wtmp btmp lastlog faillog; do
		recreate "/var/log/$f" "${log_ref[$i]}"
		i=$((i + 1))
	done
	write_pam_other
	lo_up || refuse "cannot bring lo up"

	verify

	export SANDBOX=1 SANDBOX_DIR=/run/sandbox
	unset SANDBOX_KEEP_RESOLVED
	cd "$SANDBOX_CWD" 2>/dev/null || cd /
	unset SANDBOX_CWD
	"$@"
	rc=$?
	exit "$rc"
}

if [ "${1:-}" = --sandbox-inside ]; then
	shift
	run_inside "$@"
else
	run_outside "$@"
fi
