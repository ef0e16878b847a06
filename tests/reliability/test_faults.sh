#!/bin/bash
# Faults (issue 6): every write-path call failing in turn, SIGKILL after
# every system call of a change, a file size limit, a full disk and an
# address-space limit, inside the throwaway sandbox.
#
# Three writers, each the way an administrator or a user reaches it:
#   pam      an admin reset of alice through the chg stack (pam_iampw
#            check, pam_permit, pam_iampw commit) with pamdrive: the check
#            instance reads the profile and takes the lock, the commit
#            instance writes the profile
#   profile  iampw-admin update-login-profile --password-reset-required
#   policy   iampw-admin update-account-password-policy
#
# faultshim.so (LD_PRELOAD) fails the Nth call of one kind, among the
# calls touching the state or configuration directory, with EIO, ENOSPC
# or EINTR; every N that a clean run makes is tried.  What must hold:
# either the call was retried and the change is complete (EINTR of write
# and flock), or the change is refused with the documented code
# (PAM_AUTHTOK_ERR; iampw-admin ServiceFailure, exit 254) and the old
# file is byte-identical, with no temp file left.  One exception is by
# design: the directory fsync after the rename (the commit point) is
# ignored, and the new file is in place.
#
# killat stops each writer with SIGKILL right after its Nth system call,
# for every N: the file then parses and is the old or the new one, and
# the next change goes through at once (the lock is an flock, released
# by the kernel with the process).

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"
. "$here/lib.sh"

CALLS="openat write fsync fchown fchmod renameat close flock"
INSIDE_TESTS=35
REL_TOOLS=(mount dd prlimit)

# ---------------------------------------------------------------------------
# The writers.  run_writer NAME [ENV...]: one run with ENV set (for the
# shim), result code in $rc, output in $work/w.out.

run_writer() {
	local name=$1 pw=$REL_PW2
	shift
	# NEXT=1: the change after a killed one, to a password not used yet.
	[ "${NEXT:-0}" = 1 ] && pw=$REL_PW4
	# Output through a pipe: under ulimit -f, writing a file would hit the
	# limit in the test's own redirection.
	case $name in
	pam)
		printf '%s\n' "$pw" "$pw" |
			env "$@" $LIMIT "$PAMDRIVE" -q -p - "$work/pam.d" chg alice 2>&1 |
			cat >"$work/w.out"
		rc=${PIPESTATUS[1]}
		;;
	profile)
		env "$@" $LIMIT "$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" \
			--state-dir "$state" update-login-profile --user-name alice \
			--password-reset-required </dev/null 2>&1 | cat >"$work/w.out"
		rc=${PIPESTATUS[0]}
		;;
	policy)
		env "$@" $LIMIT "$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" \
			--state-dir "$state" update-account-password-policy \
			--minimum-password-length 14 --require-symbols --require-numbers \
			--require-uppercase-characters --require-lowercase-characters \
			--password-reuse-prevention 24 </dev/null 2>&1 | cat >"$work/w.out"
		rc=${PIPESTATUS[0]}
		;;
	esac
}

# The file a writer replaces, and the directory the shim watches.
target() {
	case $1 in
	policy) echo "$conf/policy.conf" ;;
	*) echo "$profiles/1001" ;;
	esac
}
watched() {
	case $1 in
	policy) echo "$conf" ;;
	*) echo "$state" ;;
	esac
}

label() {
	case $1 in
	pam) echo "password change through PAM" ;;
	profile) echo "iampw-admin update-login-profile" ;;
	policy) echo "iampw-admin update-account-password-policy" ;;
	esac
}
watched_name() {
	case $1 in
	policy) echo "configuration directory" ;;
	*) echo "state directory" ;;
	esac
}

# The expected refusal of each writer.
refused_ok() {
	case $1 in
	pam) [ "$rc" -eq 20 ] ;;	# PAM_AUTHTOK_ERR
	*) [ "$rc" -eq 254 ] && grep -q 'An error occurred (ServiceFailure)' "$work/w.out" ;;
	esac
}
refusal_name() {
	case $1 in
	pam) echo PAM_AUTHTOK_ERR ;;
	*) echo "ServiceFailure (254)" ;;
	esac
}

# Is the target the complete new version?
is_new() {
	case $1 in
	pam) "$PROFQ" "$state" alice "$REL_PW2" 2>/dev/null | grep -q '^match 1 0$' ;;
	profile) "$PROFQ" "$state" alice 2>/dev/null | grep -q ' reset=1 ' ;;
	policy) cmp -s "$conf/policy.conf" "$work/policy.new" ;;
	esac
}

# Does the target parse?
parses() {
	case $1 in
	policy) "$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" \
		--state-dir "$state" get-account-password-policy >/dev/null 2>&1 ;;
	*) "$PROFQ" "$state" alice >/dev/null 2>&1 ;;
	esac
}

# The state before every run: alice's profile with two history entries
# and no reset flag, the default test policy.  Saved once, restored by
# copy (owner and mode kept).
baseline() {
	rm -rf "$state"
	rel_policy
	change alice "$REL_PW1" && change alice "$REL_PW3" ||
		bail_out "baseline: admin reset of alice failed ($rc)"
	cp -p "$profiles/1001" "$work/profile.old"
	cp -p "$conf/policy.conf" "$work/policy.old"
	# The policy writer's output, for "is it the new one".
	run_writer policy
	[ "$rc" -eq 0 ] || bail_out "baseline: policy writer failed ($rc)"
	cp -p "$conf/policy.conf" "$work/policy.new"
	restore
}
restore() {
	cp -p "$work/profile.old" "$profiles/1001"
	cp -p "$work/policy.old" "$conf/policy.conf"
	find "$profiles" "$conf" -maxdepth 1 -name '.*' ! -name '.*.lock' -delete
}
is_old() {
	case $1 in
	policy) cmp -s "$conf/policy.conf" "$work/policy.old" ;;
	*) cmp -s "$profiles/1001" "$work/profile.old" ;;
	esac
}

# ---------------------------------------------------------------------------
# 1. Every write-path call fails in turn.

# counts WRITER: "call count" lines of a clean run.
counts() {
	: >"$work/count"
	run_writer "$1" LD_PRELOAD="$FAULTSHIM" IAMPW_FAULT_DIR="$(watched "$1")" \
		IAMPW_FAULT_COUNT="$work/count"
	[ "$rc" -eq 0 ] || diag "$1: the clean run failed ($rc)"
	restore
}

# ranges ERRNO#N...: "EIO #1-3,5, EINTR #2" (call numbers per errno).
ranges() {
	printf '%s\n' "$@" | awk -F'#' '
		{ if (!($1 in seen)) { order[++k] = $1; seen[$1] = 1 } n[$1, ++c[$1]] = $2 }
		END {
			for (i = 1; i <= k; i++) {
				e = order[i]; s = ""; j = 1
				while (j <= c[e]) {
					a = n[e, j]; b = a
					while (j < c[e] && n[e, j + 1] == b + 1) { j++; b++ }
					s = s (s == "" ? "" : ",") (a == b ? a : a "-" b); j++
				}
				out = out (out == "" ? "" : ", ") e " #" s
			}
			print out
		}'
}

fault_case() {
	local w=$1 call=$2 n total problems="" seen_ok="" seen_refused="" e
	total=$(awk -v c="$call" '$1 == c { print $2 }' "$work/count.$w")
	total=${total:-0}
	for e in EIO ENOSPC EINTR; do
		for n in $(seq 1 "$total"); do
			run_writer "$w" LD_PRELOAD="$FAULTSHIM" IAMPW_FAULT_DIR="$(watched "$w")" \
				IAMPW_FAULT="$call:$n:$e"
			local stray
			stray=$(stray_files "$(dirname "$(target "$w")")")
			if [ "$rc" -eq 0 ]; then
				if is_new "$w"; then
					seen_ok="$seen_ok $e#$n"
				else
					problems="$problems; $e #$n: reported success but the file is not the new one"
				fi
			elif refused_ok "$w"; then
				is_old "$w" || problems="$problems; $e #$n: refused but the old file changed"
				seen_refused="$seen_refused $e#$n"
			else
				problems="$problems; $e #$n: exit $rc, not $(refusal_name "$w"): $(head -c 300 "$work/w.out" | tr '\n' ' ')"
			fi
			[ -z "$stray" ] || problems="$problems; $e #$n: temp file left: $stray"
			restore
		done
	done
	local desc="$call fails, $(label "$w"): each of its $total call(s) on the $(watched_name "$w") failed in turn with EIO, ENOSPC, EINTR"
	if [ "$total" -eq 0 ]; then
		pass "$desc"
		result "not called by this writer (it takes no lock)"
	elif [ -z "$problems" ]; then
		pass "$desc"
		local r=""
		[ -n "$seen_refused" ] && r="refused with $(refusal_name "$w"), old file byte-identical, no temp file ($(ranges $seen_refused))"
		[ -n "$seen_ok" ] && r="${r:+$r; }completed with the new file in place ($(ranges $seen_ok))"
		case $call in
		write | flock) r="$r: EINTR is retried" ;;
		fsync) r="$r: fsync #2 is the directory's, after the rename (the commit point), and is ignored" ;;
		close) [ -n "$seen_ok" ] && r="$r: those closed a file only read" ;;
		esac
		result "$r"
	else
		fail "$desc"
		diag "${problems#; }"
		result "FAILED:${problems#;}"
	fi
}

# The order of a clean run's calls on the replaced file: the temp file's
# data is written and flushed before the rename, and the directory is
# flushed after it.
order_case() {
	local w=$1 dir base
	dir=$(dirname "$(target "$w")") base=$(basename "$(target "$w")")
	: >"$work/trace"
	run_writer "$w" LD_PRELOAD="$FAULTSHIM" IAMPW_FAULT_DIR="$(watched "$w")" \
		IAMPW_FAULT_TRACE="$work/trace"
	local desc="durable replace, $(label "$w"): the calls of a clean run on the $(watched_name "$w"), traced in order"
	if [ "$rc" -eq 0 ] && awk -v d="$dir" -v b="$base" '
		function temp(p) { return substr(p, 1, length(d "/." b ".")) == d "/." b "." && p !~ /\.lock$/ }
		$1 == "write" && temp($2) { wrote = NR }
		$1 == "fsync" && temp($2) && wrote { synced = NR }
		$1 == "renameat" && $2 == d "/" b && synced > wrote { renamed = NR }
		$1 == "fsync" && $2 == d && renamed { dirsync = NR }
		END { exit !(wrote && synced > wrote && renamed > synced && dirsync > renamed) }
	' "$work/trace"; then
		pass "$desc"
		result "temp file written, flushed (fsync), closed, renamed over $base, directory flushed: $(awk -v t="$dir/.$base." '
			$1 == "openat" && substr($2, 1, length(t)) == t && $2 !~ /\.lock$/ { on = 1 }
			on { printf "%s%s", sep, $1; sep = " " }' "$work/trace")"
	else
		fail "$desc"
		diag "exit $rc; trace:" "$(cat "$work/trace")"
		result "FAILED: wrong order"
	fi
	restore
}

# ---------------------------------------------------------------------------
# 2. SIGKILL after every system call.

kill_case() {
	local w=$1 n=0 total="" old=0 new=0 problems="" stray_seen=0 t0 t1 ms maxms=0 out
	while :; do
		n=$((n + 1))
		case $w in
		pam)
			out=$(printf '%s\n' "$REL_PW2" "$REL_PW2" |
				"$KILLAT" "$n" "$PAMDRIVE" -q -p - "$work/pam.d" chg alice 2>&1) ;;
		profile)
			out=$("$KILLAT" "$n" "$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" \
				--state-dir "$state" update-login-profile --user-name alice \
				--password-reset-required </dev/null 2>&1) ;;
		policy)
			out=$("$KILLAT" "$n" "$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" \
				--state-dir "$state" update-account-password-policy \
				--minimum-password-length 14 --require-symbols --require-numbers \
				--require-uppercase-characters --require-lowercase-characters \
				--password-reuse-prevention 24 </dev/null 2>&1) ;;
		esac
		case $out in
		*"killed $n"*) ;;
		*exited*) total=$((n - 1)); restore; break ;;
		*) problems="$problems; #$n: killat: $out"; break ;;
		esac
		if ! parses "$w"; then
			problems="$problems; #$n: the file does not parse"
		elif is_old "$w"; then
			old=$((old + 1))
		elif is_new "$w"; then
			new=$((new + 1))
		else
			problems="$problems; #$n: neither the old nor the new file"
		fi
		[ -z "$(stray_files "$(dirname "$(target "$w")")")" ] || stray_seen=$((stray_seen + 1))
		# The next change is not blocked by the dead writer's lock.
		t0=$(date +%s%N)
		NEXT=1 run_writer "$w"
		t1=$(date +%s%N)
		ms=$(( (t1 - t0) / 1000000 ))
		[ "$ms" -gt "$maxms" ] && maxms=$ms
		[ "$rc" -eq 0 ] || problems="$problems; #$n: the next change failed ($rc)"
		[ "$ms" -lt 2000 ] || problems="$problems; #$n: the next change took $ms ms"
		restore
		[ "$n" -lt 5000 ] || { problems="$problems; no end after 5000 calls"; break; }
	done
	local desc="SIGKILL after the Nth system call, $(label "$w"): killed after each system call in turn (N = 1 to the last); the file must parse and be the old or the new one, and the next change must not wait for a lock"
	if [ -z "$problems" ] && [ "$old" -gt 0 ] && [ "$new" -gt 0 ]; then
		pass "$desc"
		result "$total kill points: the old file after $old, the new one after $new, never anything else; the next change took at most $maxms ms; $stray_seen kills between creating and renaming the temp file left it behind (never read; iampw-admin check names it)"
	else
		fail "$desc"
		diag "old=$old new=$new total=${total:-?}${problems:+ problems:${problems#;}}"
		result "FAILED: old=$old new=$new${problems:+;${problems#;}}"
	fi
}

# ---------------------------------------------------------------------------

inside() {
	local w call
	baseline
	for w in pam profile policy; do
		counts "$w"
		cp "$work/count" "$work/count.$w"
		diag "$w writer, calls made in the watched directory: $(tr '\n' ' ' <"$work/count")"
	done

	# 24 cases
	for w in pam profile policy; do
		for call in $CALLS; do
			fault_case "$w" "$call"
		done
	done

	# 6 cases
	for w in pam profile policy; do
		order_case "$w"
	done
	for w in pam profile policy; do
		kill_case "$w"
	done

	limits
}

# ulimit -f, a full disk, ulimit -v: 6 cases.
limits() {
	local stray

	# File size limit: a setuid passwd inherits the user's ulimit -f.
	for w in pam profile; do
		LIMIT="prlimit --fsize=0 --" run_writer "$w"
		stray=$(stray_files "$profiles")
		if refused_ok "$w" && is_old "$w" && [ -z "$stray" ]; then
			pass "file size limit (ulimit -f 0): $(label "$w")"
			result "refused with $(refusal_name "$w") before any byte was written; old profile byte-identical, no temp file"
		else
			fail "file size limit (ulimit -f 0): $(label "$w")"
			diag "exit $rc (153 = killed by SIGXFSZ); stray: ${stray:-none}" "$(cat "$work/w.out")"
			result "FAILED: exit $rc"
		fi
		restore
	done

	# A full disk: the state directory on a 256 KiB tmpfs, filled up.
	rm -rf "$state" && mkdir -p "$state" && mount -t tmpfs -o size=256k,mode=0700 tmpfs "$state" ||
		bail_out "cannot mount a tmpfs on $state"
	change alice "$REL_PW1" || bail_out "tmpfs: admin reset failed ($rc)"
	cp -p "$profiles/1001" "$work/profile.old"
	dd if=/dev/zero of="$state/filler" bs=4k 2>/dev/null
	local full_ok=1 what=""
	for w in pam profile; do
		run_writer "$w"
		stray=$(stray_files "$profiles")
		if ! refused_ok "$w" || ! is_old "$w" || [ -n "$stray" ]; then
			full_ok=0
			what="$what; $w: exit $rc, stray ${stray:-none}"
			diag "$(cat "$work/w.out")"
		fi
		restore 2>/dev/null
	done
	rm -f "$state/filler"
	run_writer pam
	local after=$rc
	if [ "$full_ok" -eq 1 ] && [ "$after" -eq 0 ] && is_new pam; then
		pass "disk full: state directory on a full 256 KiB tmpfs; password change through PAM, then iampw-admin update-login-profile, then the space freed and the change retried"
		result "both refused (PAM_AUTHTOK_ERR, ServiceFailure), old profile byte-identical, no temp file; after freeing space the next change succeeded"
	else
		fail "disk full: state directory on a full 256 KiB tmpfs; password change through PAM, then iampw-admin update-login-profile, then the space freed and the change retried"
		diag "${what#; }; change after freeing space: $after"
		result "FAILED${what}"
	fi
	umount "$state"
	rm -rf "$state"

	# The policy on a full disk.
	cp -p "$conf/policy.conf" "$work/policy.keep"
	mkdir -p "$work/etcfull" && mount -t tmpfs -o size=64k tmpfs "$work/etcfull" ||
		bail_out "cannot mount a tmpfs on $work/etcfull"
	cp -p "$work/policy.keep" "$work/etcfull/policy.conf"
	dd if=/dev/zero of="$work/etcfull/filler" bs=4k 2>/dev/null
	"$ADMIN" --config "$conf/iampw.conf" --policy "$work/etcfull/policy.conf" --state-dir "$state" \
		update-account-password-policy --minimum-password-length 14 </dev/null >"$work/w.out" 2>&1
	rc=$?
	stray=$(find "$work/etcfull" -name '.*' -printf '%f ')
	if [ "$rc" -eq 254 ] && grep -q '(ServiceFailure)' "$work/w.out" &&
		cmp -s "$work/etcfull/policy.conf" "$work/policy.keep" && [ -z "$stray" ]; then
		pass "disk full: policy.conf on a full 64 KiB tmpfs; iampw-admin update-account-password-policy"
		result "ServiceFailure (254), old policy.conf byte-identical, no temp file"
	else
		fail "disk full: policy.conf on a full 64 KiB tmpfs; iampw-admin update-account-password-policy"
		diag "exit $rc, stray: ${stray:-none}" "$(cat "$work/w.out")"
		result "FAILED: exit $rc"
	fi
	umount "$work/etcfull"

	vlimit
}

# ulimit -v low enough that the history hash (yescrypt at its default
# cost, 16 MiB and more) cannot get its memory, while everything else
# works: the change is refused, never taken as "not reused".
vlimit() {
	local lo hi mid base
	rel_config "[history]" "hash = yescrypt" "cost = 0"
	rm -rf "$state"
	change alice "$REL_PW1" && change alice "$REL_PW3" || bail_out "vlimit: admin reset failed ($rc)"
	cp -p "$profiles/1001" "$work/profile.old"
	# The smallest limit (KiB, to 1 MiB) under which an account check works.
	lo=4096 hi=1048576
	while [ $((hi - lo)) -gt 1024 ]; do
		mid=$(( (lo + hi) / 2 ))
		if (ulimit -v "$mid" && "$PAMDRIVE" -q -o a "$work/pam.d" acct alice >/dev/null 2>&1); then
			hi=$mid
		else
			lo=$mid
		fi
	done
	base=$((hi + 4096))
	sandbox_log_clear
	LIMIT="prlimit --as=$((base * 1024)) --" run_writer pam
	local low_rc=$rc low_old=0 ok_rc
	is_old pam && low_old=1
	sandbox_log_sync >/dev/null 2>&1
	# Control: the same change with 256 MiB more goes through.
	LIMIT="prlimit --as=$(((base + 262144) * 1024)) --" run_writer pam
	ok_rc=$rc
	if [ "$low_rc" -eq 20 ] && [ "$low_old" -eq 1 ] && [ "$ok_rc" -eq 0 ] && is_new pam &&
		grep -q 'pam_iampw.*alice' "$SANDBOX_LOG"; then
		pass "address-space limit (ulimit -v): password change through PAM with a limit under which an account check works but the yescrypt history hash cannot get its memory"
		result "under $base KiB (account check works from $hi KiB): PAM_AUTHTOK_ERR, profile unchanged, logged; with 256 MiB more: PAM_SUCCESS"
	else
		fail "address-space limit (ulimit -v): password change through PAM with a limit under which an account check works but the yescrypt history hash cannot get its memory"
		diag "limit $base KiB: exit $low_rc (old kept: $low_old); control: exit $ok_rc" "$(cat "$work/w.out")"
		diag_file "$SANDBOX_LOG"
		result "FAILED: exit $low_rc"
	fi
	rel_config
}

rel_main "$@"
