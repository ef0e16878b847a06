# shellcheck shell=bash disable=SC2154 # sb_* are sandbox.sh's
# tests/sandbox/sandbox-verify.sh: the checks of tests/sandbox/sandbox.sh,
# apart from its setup.  Sourced by sandbox.sh (bash), whose names it
# uses: refuse, the SB_* settings, sb_syslogd, and inside run_inside's
# sb_python, sb_host_pts (the host's devpts, read before the setup),
# sb_state_ref and SANDBOX_KEEP_RESOLVED.
#
# Host side: host_manifest prints everything the sandbox promises to leave
# alone (account files, /etc/pam.d, the names in /etc, /home, /var/mail,
# the state directory, the watched system directories with their mtimes,
# /dev/log, the mounts on the directories the sandbox mounts over);
# sandbox.sh compares it before and after the run.
#
# Inside: verify refuses (refuse, exit 125) unless every private mount is
# in place as the mount the kernel resolves a path to: PID 1 of its own
# PID namespace and /proc, / private, /etc the private copy, /usr and /var
# the overlays writing to the private tmpfs, the private tmpfs mounts,
# an empty state directory, every watched directory on a private mount,
# the private /dev (nodes, a new devpts instance, /dev/shm, no /dev/log
# yet), the kept directories mounted back, only lo in the network
# namespace, and lo up.  verify_syslog checks the /dev/log receiver.
#
# Which mount a path shows is the kernel's answer, not a re-reading of
# mountinfo: stat's device of the path (mountpoint -d) picks, among the
# mounts findmnt lists on that mount point (stacked ones included: the
# host's /dev under ours), the one that is visible.

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

# The directories that a make install or pam-auth-update writes to, and
# the PAM module directories: existing ones, resolved, one per line.
watched_dirs() {
	local d
	for d in /usr/sbin /usr/share/pam-configs /var/lib /var/lib/pam \
		/usr/share/man/man5 /usr/share/man/man8 \
		/usr/share/bash-completion/completions \
		/lib/security /lib/*/security /lib64/security \
		/usr/lib/security /usr/lib/*/security /usr/lib64/security; do
		[ -d "$d" ] && readlink -f "$d"
	done | sort -u
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
	describe "$SB_STATE_DIR"
	if [ -d "$SB_STATE_DIR" ]; then
		find "$SB_STATE_DIR" -mindepth 1 -print0 | sort -z |
			while IFS= read -r -d '' f; do describe "$f"; done
	fi
	# Names and mtimes (a directory's mtime changes when an entry is added,
	# removed or renamed in it).
	watched_dirs | while IFS= read -r d; do
		find "$d" -maxdepth 1 -printf 'entry %y %T@ %p\n' | sort -k4
	done
	describe /dev/log
	# Mounts on the directories the sandbox mounts over (field 5 of
	# mountinfo is the mount point).
	awk -v dirs="/etc /dev ${SB_OVERLAY_DIRS[*]} ${SB_PRIVATE_DIRS[*]} $SB_STATE_DIR" '
		BEGIN { n = split(dirs, d, " "); for (i = 1; i <= n; i++) want[d[i]] = 1 }
		($5 in want) || index($5, "/etc/") == 1 || index($5, "/dev/") == 1 {
			print "mount", $0
		}' /proc/self/mountinfo
}

# ---------------------------------------------------------------------------
# Inside the namespaces (PID 1), after the setup.

# visible_mount DIR: "TARGET SOURCE FSTYPE PROPAGATION FS_OPTIONS" of the
# mount seen at mount point DIR (resolved): of the mounts findmnt lists on
# DIR, the one whose device is the one stat sees there.  Nothing, status
# 1, when DIR is no mount point; two lines if two mounts stacked there
# show the same filesystem (no caller accepts that).
visible_mount() {
	local p dev mm rest
	p=$(readlink -f "$1") || return 1
	dev=$(mountpoint -d -- "$p" 2>/dev/null) || return 1
	findmnt -n -r -M "$p" -o MAJ:MIN,TARGET,SOURCE,FSTYPE,PROPAGATION,FS-OPTIONS |
		while read -r mm rest; do
			[ "$mm" = "$dev" ] && echo "$rest"
		done
}

# mount_of PATH: the mount point of the mount PATH (resolved) is on, as
# findmnt -T finds it, checked against the kernel: the mount visible there
# must be the filesystem PATH is on (stat's device).  Nothing, status 1,
# otherwise.
mount_of() {
	local p t
	p=$(readlink -f "$1") || return 1
	t=$(findmnt -n -r -T "$p" -o TARGET | sort -u)
	case $t in "" | *$'\n'*) return 1 ;; esac
	[ "$(mountpoint -d -- "$t" 2>/dev/null)" = "$(stat -c '%Hd:%Ld' -- "$p")" ] || return 1
	echo "$t"
}

# Is `dir` a mount point whose visible (top) mount is one of ours?
is_ours() {
	local dir=$1 source=$2 fstype=${3:-tmpfs} m
	m=$(visible_mount "$dir")
	[ "${m% *}" = "$dir $source $fstype private" ]
}

verify_overlay() {
	local dir=$1 name=${1#/} opts
	is_ours "$dir" "$SB_TMPFS_SOURCE-$name" overlay || refuse "$dir is not a private overlay"
	opts=$(visible_mount "$dir")
	opts=,${opts##* },
	case $opts in
	*",upperdir=$SB_OVL/$name/upper,"*) ;;
	*) refuse "$dir: the overlay does not write to $SB_OVL/$name/upper" ;;
	esac
}

verify_dev() {
	local n
	is_ours /dev "$SB_TMPFS_SOURCE-dev" || refuse "/dev is not a private tmpfs"
	for n in "${SB_DEV_NODES[@]}"; do
		[ -c "/dev/$n" ] || refuse "/dev/$n is not a character device"
	done
	is_ours /dev/pts devpts devpts || refuse "/dev/pts is not a devpts of its own"
	# A new instance: another filesystem than the host's, holding no ptys yet.
	[ "$(stat -c %d /dev/pts)" != "$sb_host_pts" ] && [ "$(ls -A /dev/pts)" = ptmx ] ||
		refuse "/dev/pts is not a new devpts instance"
	[ "$(readlink /dev/ptmx)" = pts/ptmx ] || refuse "/dev/ptmx is not pts/ptmx"
	is_ours /dev/shm "$SB_TMPFS_SOURCE-shm" || refuse "/dev/shm is not a private tmpfs"
	! [ -e /dev/log ] || refuse "/dev/log exists before the receiver started"
}

verify_syslog() {
	"$sb_python" "$sb_syslogd" sync /dev/log 5 || refuse "the /dev/log receiver does not answer"
	[ -S /dev/log ] && is_ours /dev "$SB_TMPFS_SOURCE-dev" ||
		refuse "/dev/log is not a socket on the private /dev"
}

verify() {
	local d p ifs t
	[ $$ -eq 1 ] || refuse "not PID 1 of a new PID namespace"
	tr '\0' ' ' </proc/1/cmdline | grep -q -- '--sandbox-inside' ||
		refuse "/proc is not the sandbox's own"
	[ "$(visible_mount / | cut -d' ' -f4)" = private ] ||
		refuse "/ is not a private mount"
	is_ours /etc "$SB_TMPFS_SOURCE-etc" || refuse "/etc is not the private copy"
	[ -s /etc/passwd ] && [ -s /etc/shadow ] || refuse "/etc copy lacks passwd or shadow"
	grep -q '^# sandbox:' /etc/pam.d/other || refuse "/etc/pam.d/other is not the deny file"
	is_ours "$SB_OVL" "$SB_TMPFS_SOURCE-ovl" || refuse "$SB_OVL is not a private tmpfs"
	for d in "${SB_OVERLAY_DIRS[@]}"; do
		verify_overlay "$d"
	done
	for d in "${SB_PRIVATE_DIRS[@]}"; do
		is_ours "$d" "$SB_TMPFS_SOURCE" || refuse "$d is not a private tmpfs"
	done
	if [ -n "$sb_state_ref" ]; then
		[ -d "$SB_STATE_DIR" ] && [ -z "$(ls -A "$SB_STATE_DIR")" ] ||
			refuse "$SB_STATE_DIR is not empty"
	fi
	# Whatever the host check watches is on a private mount here.
	while IFS= read -r d; do
		t=$(mount_of "$d")
		case " /etc ${SB_OVERLAY_DIRS[*]} " in
		*" $t "*) ;;
		*) refuse "$d is on $t, not on a private mount" ;;
		esac
	done < <(watched_dirs)
	verify_dev
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		mountpoint -q "$p" || refuse "kept directory $p is not mounted back"
	done <<<"$SANDBOX_KEEP_RESOLVED"
	ifs=$(awk 'NR > 2 { sub(/:.*/, ""); gsub(/ /, ""); printf "%s ", $0 }' /proc/net/dev)
	[ "$ifs" = "lo " ] || refuse "network interfaces are '$ifs', not only lo"
	lo_is_up || refuse "lo is not up"
}

# lo is up in our network namespace (ip asks the kernel over netlink;
# /sys would show the host's namespace, which it was mounted in).
lo_is_up() {
	ip -o link show lo 2>/dev/null | grep -q '[<,]UP[,>]'
}

