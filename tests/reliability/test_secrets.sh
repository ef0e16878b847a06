#!/bin/bash
# Reliability: secrets (issue 6), inside the throwaway sandbox
# (tests/sandbox/sandbox.sh).  A password change carries a marker password
# (unique per run, satisfying the policy) through the SPEC §5 reference
# stack with the real pam_unix:
#
#   password requisite pam_iampw.so [debug] ...
#   password requisite pam_unix.so use_authtok yescrypt
#   password optional  pam_iampw.so commit [debug] ...
#
# driven by pamdrive, whose answers come from a pipe (never a file or
# argv) and which wipes them after pam_end and stops itself (-s); and
# through iampw-admin create-login-profile / update-login-profile
# --password-stdin (the shipped iampw-admin PAM service), run under gdb and
# stopped at its exit_group system call, after all its own clean-up.
# A core dump of each process (gcore) then must not hold the marker, nor
# may the captured syslog, the programs' output, or any file of the
# sandbox's writable trees (/etc with shadow and policy.conf, /run with
# this test's files and the overlay layers of /usr and /var, the state
# directory, /tmp, /var/tmp, /var/log, /home, /root, /dev/shm); and
# /etc/shadow must hold a yescrypt hash that verifies the marker.
#
# Controls show that each scan can fail: with PAMDRIVE_NO_WIPE=1 pamdrive
# keeps its answers and the core scan finds them; a core of iampw-admin
# taken in the middle of the change (at pam_unix's rename of /etc/shadow)
# holds the marker; a marker planted in a file and in the syslog is found.

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"
. "$here/lib.sh"

INSIDE_TESTS=17
REL_TOOLS=(gdb gcore perl logger ps)

# Every writable tree of the sandbox (tests/sandbox/sandbox.sh): the
# overlays of /usr and /var keep their writes below /run/sandbox/ovl.
SCAN_ROOTS=(/etc /run /run/sandbox/ovl /tmp /var/tmp /var/log /var/mail /home /root
	/dev/shm "$state")


problem() {
	problems="${problems:+$problems
}$*"
}

# check DESC: pass or fail on $problems, whose text is shown with every
# marker replaced (this test's log never holds one).
check() {
	if [ -z "$problems" ]; then
		pass "$1"
	else
		fail "$1"
		diag "$(redact "$problems")"
	fi
	problems=
}

# redact TEXT: TEXT with every known marker replaced by <marker>.
redact() {
	local t=$1 m
	for m in "${markers[@]}"; do
		t=${t//"$m"/<marker>}
		t=${t//"${m:0:16}"/<marker head>}
		t=${t//"${m: -20}"/<marker tail>}
	done
	printf '%s\n' "$t"
}

# new_marker: a fresh marker password in $marker: upper, lower, number,
# symbol and 40 random hex digits, 46 characters.  A buffer freed without
# a wipe loses its first 16 bytes or more to malloc's free-list pointers,
# so the scans look for the marker's first 16 and last 20 characters too
# (each unique to this run: 40 and 80 random bits).  The patterns are kept
# in a file that is unlinked before they are written to it, open on fd 7:
# grep -f /proc/self/fd/7 re-opens it from the start, and the marker is
# never in a file that anything could find, nor in an argv.  The programs
# under test do not inherit fd 7.
new_marker() {
	marker="Mk7#Zq$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')"
	[ ${#marker} -eq 46 ] || bail_out "cannot make a marker"
	markers+=("$marker")
	exec 7>&-
	: >"$work/patterns" && exec 7<>"$work/patterns" && rm -f "$work/patterns" ||
		bail_out "cannot make the pattern file"
	printf '%s\n' "$marker" "${marker:0:16}" "${marker: -20}" >&7
}

# hits FILE: how many lines of FILE hold $marker or a piece of it (0 when
# none).
hits() {
	grep -a -c -F -f /proc/self/fd/7 "$1" 2>/dev/null || true
}

# pieces FILE: "whole W, first 16 F, last 20 L": lines of FILE holding
# each (patterns through a pipe: a single grep reads it once).
pieces() {
	local w f l
	w=$(grep -a -c -F -f <(printf '%s\n' "$marker") "$1")
	f=$(grep -a -c -F -f <(printf '%s\n' "${marker:0:16}") "$1")
	l=$(grep -a -c -F -f <(printf '%s\n' "${marker: -20}") "$1")
	echo "whole $w, first 16 characters $f, last 20 $l"
}

# shadow_verifies USER: /etc/shadow holds a yescrypt hash of $marker for USER.
shadow_verifies() {
	local h
	h=$(awk -F: -v u="$1" '$1 == u { print $2 }' /etc/shadow)
	case $h in
	'$y$'*) ;;
	*) return 1 ;;
	esac
	printf '%s\n' "$marker" |
		perl -e 'chomp(my $p = <STDIN>); exit(crypt($p, $ARGV[0]) eq $ARGV[0] ? 0 : 1)' "$h"
}

# scan_files: the files under SCAN_ROOTS (not crossing into other mounts)
# that hold $marker, in $file_hits; how many were read in $files_scanned.
scan_files() {
	find "${SCAN_ROOTS[@]}" -xdev -type f -print0 2>/dev/null >"$work/files.lst"
	files_scanned=$(tr -cd '\0' <"$work/files.lst" | wc -c)
	file_hits=$(xargs -0 grep -a -l -F -f /proc/self/fd/7 -- <"$work/files.lst" 2>/dev/null)
}

# log_mark: remember where the syslog ends; log_since: the lines after it.
log_mark() {
	sandbox_log_sync >&2
	log_start=$(wc -l <"$SANDBOX_LOG")
}

log_since() {
	sandbox_log_sync >&2
	tail -n +"$((log_start + 1))" "$SANDBOX_LOG" >"$work/log.run"
}

# stop_wait PID: wait until PID is stopped (state T); 1 when it is not
# within 5 s or has gone.
stop_wait() {
	local i s
	for ((i = 0; i < 100; i++)); do
		s=$(ps -o stat= -p "$1") || return 1
		case $s in T*) return 0 ;; esac
		sleep 0.05
	done
	return 1
}

# core_of PID: gcore of PID into $work/core.PID (its size in $core_kb).
core_of() {
	gcore -o "$work/core" "$1" >"$work/gcore.out" 2>&1 &&
		[ -s "$work/core.$1" ] || return 1
	core_kb=$(($(stat -c %s "$work/core.$1") / 1024))
}

write_services() {
	local dbg
	for svc in sec sec-debug; do
		dbg=
		[ "$svc" = sec-debug ] && dbg="debug "
		{
			echo "password requisite $IAMPW_SO $dbg$(rel_margs)"
			echo "password requisite pam_unix.so use_authtok yescrypt"
			echo "password optional  $IAMPW_SO commit $dbg$(rel_margs)"
		} >"$work/pam.d/$svc"
	done
	# iampw-admin's own service, as shipped, naming the built module with
	# this test's files, and debug on both pam_iampw lines.
	sed -e "s|@securedir@/pam_iampw\\.so\\(.*\\)\$|$IAMPW_SO\\1 debug $(rel_margs)|" \
		"$SRCDIR/etc/pam.d/iampw-admin.in" >/etc/pam.d/iampw-admin ||
		bail_out "cannot write /etc/pam.d/iampw-admin"
	[ "$(grep -c "^password .*$IAMPW_SO.* debug .*statedir=$state\$" /etc/pam.d/iampw-admin)" -eq 2 ] ||
		bail_out "/etc/pam.d/iampw-admin does not name the built module twice"
	chmod 0644 /etc/pam.d/iampw-admin
}

# history_of USER: the number of history entries (0 without a profile).
history_of() {
	"$PROFQ" "$state" "$1" 2>/dev/null | sed -n 's/.* history=\([0-9]*\)$/\1/p' | grep . || echo 0
}

# drive_stopped SERVICE USER: a change to $marker through pamdrive -s,
# answers from a pipe; leaves $pid stopped after its pam_end and wipe,
# pamdrive's stdout+stderr in $work/drive.out.
drive_stopped() {
	printf '%s\n' "$marker" "$marker" |
		"$PAMDRIVE" -s -p - "$work/pam.d" "$1" "$2" >"$work/drive.out" 2>&1 7>&- &
	pid=$!
	stop_wait "$pid" || problem "pamdrive did not stop: $(cat "$work/drive.out")"
	grep -qx "stopped $pid" "$work/drive.out" || problem "pamdrive: no 'stopped $pid' line"
}

end_pid() {
	kill -KILL "$1" 2>/dev/null
	{ wait "$1"; } 2>/dev/null
}

# --------------------------------------------------------------------------

# pamdrive_run LABEL SERVICE: the three cases of one change through pamdrive.
pamdrive_run() {
	local label=$1 svc=$2 user=alice h0 h1 core_hits out_hits log_hits nlog ndebug
	new_marker
	h0=$(history_of "$user")
	log_mark
	drive_stopped "$svc" "$user"
	grep -qx 'rc op=c code=PAM_SUCCESS (0)' "$work/drive.out" ||
		problem "pamdrive: $(cat "$work/drive.out")"
	core_of "$pid" || problem "gcore failed: $(cat "$work/gcore.out")"
	end_pid "$pid"
	h1=$(history_of "$user")
	[ "$h1" -eq $((h0 + 1)) ] || problem "history $h0 -> $h1: the change was not recorded"
	shadow_verifies "$user" || problem "/etc/shadow does not hold a yescrypt hash of the marker"
	log_since
	nlog=$(grep -c . "$work/log.run")
	ndebug=$(grep -c '^authpriv\.debug .*pam_iampw' "$work/log.run")
	if [ "$svc" = sec-debug ]; then
		[ "$ndebug" -gt 0 ] || problem "debug on: no pam_iampw debug line logged"
	else
		[ "$ndebug" -eq 0 ] || problem "debug off: $ndebug pam_iampw debug lines logged"
	fi
	check "$label: a password change to a marker password (admin reset of alice through pam_iampw, pam_unix yescrypt, pam_iampw commit; pamdrive answering from a pipe on stdin)"
	result "PAM_SUCCESS; /etc/shadow holds a yescrypt hash that verifies the marker; history $h0 -> $h1 entries; $nlog syslog lines ($ndebug at debug from pam_iampw)"

	core_hits=$(hits "$work/core.$pid")
	[ "$core_hits" = 0 ] || problem "the marker is in the core dump: $(pieces "$work/core.$pid")"
	rm -f "$work/core.$pid"
	check "$label: a core dump (gcore) of pamdrive after its pam_end and the wipe of its own answer buffers, searched for the marker (whole, its first 16 or last 20 characters)"
	result "core of $core_kb KiB: the marker found $core_hits times"

	out_hits=$(hits "$work/drive.out")
	log_hits=$(hits "$SANDBOX_LOG")
	scan_files
	[ "$out_hits" = 0 ] || problem "the marker is in pamdrive's output"
	[ "$log_hits" = 0 ] || problem "the marker is in the syslog ($log_hits lines)"
	[ -z "$file_hits" ] || problem "the marker is in: $file_hits"
	check "$label: the captured syslog, pamdrive's stdout and stderr, and every file of the sandbox's writable trees (/etc with shadow and policy.conf, the state directory and profile, /run, /tmp, /var/log ...) searched for the marker"
	result "syslog $(wc -l <"$SANDBOX_LOG") lines: $log_hits; output $(wc -l <"$work/drive.out") lines: $out_hits; files: $(printf '%s' "$file_hits" | grep -c .) of $files_scanned"
}

# admin_gdb OUT ARG...: iampw-admin with ARGs and the password on stdin
# (the first line of our stdin), under gdb, stopped at exit_group, after
# every clean-up of its own, for its core ($work/core.admin), then let
# exit: its exit status in $admin_rc, its stdout and stderr in
# OUT.stdout, OUT.stderr.
admin_gdb() {
	local out=$1
	shift
	# The inferior's stdout and stderr go to files of their own (gdb's
	# `run` redirections, which replace --args: the arguments go there
	# too), apart from gdb's messages.
	gdb -q -batch -ex 'catch syscall exit_group' \
		-ex "run $(admin_args "$@") >$out.stdout 2>$out.stderr" \
		-ex "gcore $work/core.admin" -ex continue -ex 'print $_exitcode' \
		"$ADMIN" >"$work/gdb.out" 2>&1 7>&-
	admin_rc=$(sed -n 's/^\$1 = \([0-9]*\)$/\1/p' "$work/gdb.out")
}

# admin_args ARG...: iampw-admin's command line for gdb's `run` (no
# argument here holds a space or a shell character).
admin_args() {
	echo "--config $conf/iampw.conf --policy $conf/policy.conf --state-dir $state $*"
}

admin_run() {
	local label="iampw-admin --password-stdin" core_hits=0 out_hits=0 log_hits=0 files=0 nf
	local m_create m_update kb=0
	log_mark
	# create-login-profile for bob (no profile yet), update for alice.
	new_marker
	m_create=$marker
	admin_gdb "$work/create" create-login-profile --user-name bob --password-stdin < <(printf '%s\n' "$marker")
	[ "$admin_rc" = 0 ] || problem "create-login-profile: exit '$admin_rc': $(cat "$work/create.stderr" "$work/gdb.out")"
	shadow_verifies bob || problem "bob: /etc/shadow does not hold a yescrypt hash of the marker"
	[ "$(history_of bob)" = 1 ] || problem "bob: no profile with one history entry"
	core_hits=$(hits "$work/core.admin")
	kb=$(($(stat -c %s "$work/core.admin" 2>/dev/null || echo 0) / 1024))
	rm -f "$work/core.admin"
	out_hits=$(($(hits "$work/create.stdout") + $(hits "$work/create.stderr")))

	new_marker
	m_update=$marker
	h0=$(history_of alice)
	admin_gdb "$work/update" update-login-profile --user-name alice --password-stdin < <(printf '%s\n' "$marker")
	[ "$admin_rc" = 0 ] || problem "update-login-profile: exit '$admin_rc': $(cat "$work/update.stderr" "$work/gdb.out")"
	shadow_verifies alice || problem "alice: /etc/shadow does not hold a yescrypt hash of the marker"
	[ "$(history_of alice)" -eq $((h0 + 1)) ] || problem "alice: the change was not recorded"
	log_since
	check "$label: iampw-admin create-login-profile --user-name bob and update-login-profile --user-name alice, each with a marker password on stdin (--password-stdin), through the shipped iampw-admin PAM service with debug"
	result "exit 0 twice; /etc/shadow holds yescrypt hashes that verify each marker; bob's profile created, alice's history $h0 -> $(history_of alice); $(grep -c . "$work/log.run") syslog lines ($(grep -c '^authpriv\.debug .*pam_iampw' "$work/log.run") at debug from pam_iampw)"

	core_hits="$core_hits/$(hits "$work/core.admin")"
	rm -f "$work/core.admin"
	[ "$core_hits" = 0/0 ] || problem "a marker is in the core dumps (create/update: $core_hits places)"
	check "$label: core dumps of iampw-admin (gdb, stopped at its exit_group system call, after its own clean-up), searched for each run's marker"
	result "cores of about $kb KiB: the create marker found ${core_hits%/*} times, the update marker ${core_hits#*/} times"

	out_hits="$out_hits/$(($(hits "$work/update.stdout") + $(hits "$work/update.stderr")))"
	for marker in "$m_create" "$m_update"; do
		log_hits=$((log_hits + $(hits "$SANDBOX_LOG")))
		scan_files
		nf=$(printf '%s' "$file_hits" | grep -c .)
		files=$((files + nf))
		[ -z "$file_hits" ] || problem "a marker is in: $file_hits"
	done
	[ "$out_hits" = 0/0 ] || problem "a marker is in iampw-admin's output (create/update: $out_hits)"
	[ "$log_hits" = 0 ] || problem "a marker is in the syslog ($log_hits lines)"
	check "$label: the captured syslog, iampw-admin's stdout and stderr, and every file of the sandbox's writable trees searched for both markers"
	result "syslog $(wc -l <"$SANDBOX_LOG") lines: $log_hits; output (create/update): $out_hits; files: $files of $files_scanned"
}

# The password in a request file (--cli-input-json file://FILE, the only
# way JSON may carry one): the text, the parsed value and json-c's own
# token buffer are each wiped.  The file itself is the caller's, and is
# removed before the scan.
admin_json_run() {
	local label="iampw-admin --cli-input-json" h0 core_n detail
	new_marker
	h0=$(history_of alice)
	(umask 077 && printf '{"UserName": "alice", "Password": "%s"}\n' "$marker" >"$work/req.json") ||
		bail_out "cannot write the request file"
	admin_gdb "$work/json" update-login-profile --cli-input-json "file://$work/req.json" </dev/null
	rm -f "$work/req.json"
	[ "$admin_rc" = 0 ] || problem "update-login-profile: exit '$admin_rc': $(cat "$work/json.stderr" "$work/gdb.out")"
	shadow_verifies alice || problem "alice: /etc/shadow does not hold a yescrypt hash of the marker"
	[ "$(history_of alice)" -eq $((h0 + 1)) ] || problem "alice: the change was not recorded"
	core_n=$(hits "$work/core.admin")
	detail=$(pieces "$work/core.admin")
	rm -f "$work/core.admin"
	[ "$core_n" = 0 ] || problem "the marker is in the core dump: $detail"
	[ "$(($(hits "$work/json.stdout") + $(hits "$work/json.stderr")))" = 0 ] ||
		problem "the marker is in iampw-admin's output"
	check "$label: update-login-profile --user-name alice with a marker password in a request file (file://, mode 0600), under gdb stopped at exit_group: the change is made, and neither the core dump nor the output holds the marker"
	result "exit $admin_rc; alice's history $h0 -> $(history_of alice); core: $detail"
}

# freescan_run LABEL CMD...: run CMD (stdin is ours) with freescan.so
# preloaded for $marker; the shim's line in $scan_line, CMD's status in
# $scan_rc.  The marker travels in the environment: this run is never a
# core dump's subject.
freescan_run() {
	local label=$1
	shift
	rm -f "$work/freescan.out"
	IAMPW_FREESCAN_MARKER=$marker IAMPW_FREESCAN_OUT="$work/freescan.out" LD_PRELOAD=$FREESCAN \
		"$@" >"$work/scan.stdout" 2>"$work/scan.stderr" 7>&-
	scan_rc=$?
	scan_line=$(cat "$work/freescan.out" 2>/dev/null)
	case $scan_line in
	"freescan: "*" of "*" freed blocks"*) ;;
	*) problem "$label: freescan.so wrote no report: '$scan_line'" ;;
	esac
}

# Nothing iampw-admin frees holds the password: every copy -- its own
# buffers, json-c's token buffer, the PAM conversation's answers -- is
# wiped before it is freed, whether the password came on stdin or in a
# request file.
admin_freescan_run() {
	local label="iampw-admin, freed memory" out=
	new_marker
	freescan_run "--password-stdin" "$ADMIN" $(admin_args update-login-profile --user-name alice --password-stdin) \
		< <(printf '%s\n' "$marker")
	[ "$scan_rc" = 0 ] || problem "--password-stdin: exit $scan_rc: $(cat "$work/scan.stderr")"
	shadow_verifies alice || problem "--password-stdin: /etc/shadow does not hold a hash of the marker"
	case $scan_line in "freescan: 0 of "*) ;; *) problem "--password-stdin: $scan_line" ;; esac
	out="--password-stdin: ${scan_line#freescan: }"
	check "$label: update-login-profile --password-stdin with freescan.so preloaded: no block freed during the run holds the marker"
	result "$out"

	new_marker
	(umask 077 && printf '{"UserName": "alice", "Password": "%s"}\n' "$marker" >"$work/req.json") ||
		bail_out "cannot write the request file"
	freescan_run "--cli-input-json" "$ADMIN" $(admin_args update-login-profile --cli-input-json "file://$work/req.json") </dev/null
	rm -f "$work/req.json"
	[ "$scan_rc" = 0 ] || problem "--cli-input-json: exit $scan_rc: $(cat "$work/scan.stderr")"
	shadow_verifies alice || problem "--cli-input-json: /etc/shadow does not hold a hash of the marker"
	case $scan_line in "freescan: 0 of "*) ;; *) problem "--cli-input-json: $scan_line" ;; esac
	check "$label: update-login-profile --cli-input-json file://FILE with freescan.so preloaded: no block freed during the run holds the marker (json-c's token buffer is wiped too)"
	result "--cli-input-json: ${scan_line#freescan: }"
}

# The same for a password change through the module, driven by pamdrive
# (which wipes its own answers): libpam, pam_unix and pam_iampw free no
# copy of the new password unwiped.
pamdrive_freescan_run() {
	new_marker
	freescan_run "pamdrive" "$PAMDRIVE" -q -p <(printf '%s\n' "$marker" "$marker") "$work/pam.d" sec alice
	[ "$scan_rc" = 0 ] || problem "pamdrive: exit $scan_rc: $(cat "$work/scan.stdout" "$work/scan.stderr")"
	shadow_verifies alice || problem "/etc/shadow does not hold a hash of the marker"
	case $scan_line in "freescan: 0 of "*) ;; *) problem "$scan_line" ;; esac
	check "pamdrive, freed memory: the same change (pam_iampw, pam_unix yescrypt, pam_iampw commit) with freescan.so preloaded: no block freed during the run holds the marker"
	result "${scan_line#freescan: }"
}

# --------------------------------------------------------------------------
# Controls: each scan finds a marker that is there.

control_no_wipe() {
	local hits_n detail
	new_marker
	PAMDRIVE_NO_WIPE=1 drive_stopped sec-debug alice
	core_of "$pid" || problem "gcore failed: $(cat "$work/gcore.out")"
	end_pid "$pid"
	hits_n=$(hits "$work/core.$pid")
	detail=$(pieces "$work/core.$pid")
	rm -f "$work/core.$pid"
	[ "$hits_n" -gt 0 ] || problem "the core scan missed the marker in pamdrive's unwiped answers"
	check "control: the same change with pamdrive freeing its answer buffers without wiping them (PAMDRIVE_NO_WIPE=1): the core scan finds the marker"
	result "found in $hits_n places of the core ($core_kb KiB): $detail"
}

control_admin_midway() {
	local hits_n detail
	new_marker
	# Stopped at the first rename: pam_unix's of /etc/nshadow over
	# /etc/shadow, while libpam still holds the new password.  (No
	# backtrace: gdb would print the password.)
	printf '%s\n' "$marker" | gdb -q -batch -ex 'catch syscall rename renameat renameat2' \
		-ex "run $(admin_args update-login-profile --user-name alice --password-stdin) >/dev/null 2>&1" \
		-ex "gcore $work/core.admin" -ex kill "$ADMIN" >"$work/gdb.out" 2>&1 7>&-
	hits_n=$(hits "$work/core.admin")
	detail=$(pieces "$work/core.admin")
	rm -f "$work/core.admin"
	[ "$hits_n" -gt 0 ] || problem "the core scan missed the marker in iampw-admin during the change: $(cat "$work/gdb.out")"
	check "control: a core of iampw-admin update-login-profile --password-stdin taken during the change (at pam_unix's rename of /etc/shadow): the core scan finds the marker"
	result "found in $hits_n places of that core: $detail"
}

control_freescan() {
	new_marker
	freescan_run "control" env PAMDRIVE_NO_WIPE=1 "$PAMDRIVE" -q -p <(printf '%s\n' "$marker" "$marker") \
		"$work/pam.d" sec alice
	case $scan_line in
	"freescan: 0 of "*) problem "freescan.so missed pamdrive's unwiped answers: $scan_line" ;;
	"freescan: "*) ;;
	*) problem "no report: '$scan_line'" ;;
	esac
	check "control: the same change with pamdrive freeing its answer buffers without wiping them (PAMDRIVE_NO_WIPE=1), with freescan.so preloaded: the shim counts the blocks"
	result "${scan_line#freescan: }"
}

control_planted() {
	local log_n files_n
	new_marker
	printf 'planted %s\n' "$marker" >"$state/planted"
	printf 'planted %s\n' "$marker" >/tmp/planted
	printf 'planted %s\n' "$marker" | logger -t iampw-secrets-control
	sandbox_log_sync >&2
	log_n=$(hits "$SANDBOX_LOG")
	scan_files
	files_n=$(printf '%s' "$file_hits" | grep -c .)
	rm -f "$state/planted" /tmp/planted
	[ "$log_n" -ge 1 ] || problem "the syslog scan missed the logged marker"
	# The state directory is seen twice: itself and in /var's overlay layer.
	printf '%s\n' "$file_hits" | grep -qx "$state/planted" &&
		printf '%s\n' "$file_hits" | grep -qx /tmp/planted ||
		problem "the file scan found only: $file_hits"
	check "control: a marker written to a file in the state directory and in /tmp and logged through /dev/log (logger): the file and syslog scans find it"
	result "syslog: $log_n line; files: $files_n of $files_scanned ($(printf '%s' "$file_hits" | tr '\n' ' '))"
}

inside() {
	markers=()
	write_services
	pamdrive_run "pamdrive, debug off" sec
	pamdrive_run "pamdrive, debug on" sec-debug
	admin_run
	admin_json_run
	admin_freescan_run
	pamdrive_freescan_run
	control_no_wipe
	control_freescan
	control_planted
	control_admin_midway
	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
}

rel_main "$@"
