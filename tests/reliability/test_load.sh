#!/bin/bash
# Reliability: load and concurrency (issue 6), inside the throwaway sandbox
# (tests/sandbox/sandbox.sh) with real users, real libpam and the built
# module and iampw-admin:
#
#   - 50 users' passwords changed in parallel while 50 others run account
#     checks: every transaction succeeds, no profile is lost or damaged;
#   - two changes of one user at once are serialized by the per-user lock
#     and both recorded, in order;
#   - a lock holder stopped with SIGSTOP makes the next writer (the PAM
#     stack, iampw-admin) give up after the documented 5 s, never blocks
#     the account stack, and once killed leaves no stale lock (only its
#     temporary file, which iampw-admin check reports);
#   - 10,000 account and 1,000 password transactions in one process keep
#     open fds, heap and RSS flat; valgrind finds no error and no leak.
#
# Helpers (tests/reliability/): pamdrive drives PAM transactions, profq
# reads a profile through the core's strict loader, faultshim.so stops or
# delays the module's rename of a profile while it holds the lock.

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"
. "$here/lib.sh"

INSIDE_TESTS=13
REL_TOOLS=(valgrind flock ps)

# Users of the parallel case: changers and checkers, uids well inside the
# scope (1000-60000) and clear of the host's own accounts.
NCHG=50
NCHK=50
CHG_UID0=20001
CHK_UID0=20101

# The lock timeout documented in pam_iampw(8) and iampw-admin(8) (5 s),
# and the window a refused writer must answer in.
BUSY_MIN=4.5
BUSY_MAX=7

# Leak bounds, between the 2nd stats checkpoint (after transaction N/10:
# every cache libpam, NSS and the module fill once is filled) and the
# last one.  Measured here with tcache off (see leak_run): heap growth 0
# bytes and RSS growth 0 KiB over 9,000 account or 900 password
# transactions (with tcache on: heap +-3 KB, RSS up to +32 KiB).  A leaked
# allocation costs at least a 32-byte chunk, so a leak of 16 bytes per
# transaction grows the heap by >= 28 KB over 900 transactions and by
# >= 288 KB over 9,000; measured (PAMDRIVE_LEAK=16, the control case):
# accounts heap +295 KB, RSS +320 KiB; changes heap +29 KB, RSS +8 KiB
# (over 900 transactions the heap bound is the one that catches it).
HEAP_MAX=1024
RSS_MAX_KB=128


# secs_since T0: seconds (3 decimals) from $EPOCHREALTIME T0 to now.
secs_since() {
	awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}

# between X LO HI: LO <= X <= HI (decimals).
between() {
	awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'
}

# below X HI: X < HI.
below() {
	awk -v x="$1" -v hi="$2" 'BEGIN { exit !(x < hi) }'
}

# check DESC: pass or fail on $problems (one problem per line), then show
# them.
check() {
	if [ -z "$problems" ]; then
		pass "$1"
	else
		fail "$1"
		diag "$problems"
	fi
	problems=
}

problem() {
	problems="${problems:+$problems
}$*"
}

# profq_of USER [PASSWORD...]: profq's output, or "profq exit N".
profq_of() {
	"$PROFQ" "$state" "$@" 2>&1 || echo "profq exit $?"
}

# history_of USER: the number of history entries, or -1.
history_of() {
	profq_of "$1" | sed -n 's/.* history=\([0-9]*\)$/\1/p' | grep . || echo -1
}

# chg_passwd USER [N]: the changer's password pattern and its Nth value.
chg_passwd() {
	echo "Chg+$1+Pw${2:-%d}"
}

# --------------------------------------------------------------------------
# 1. Parallel changes and account checks.

make_users() {
	local i t0 problems=
	t0=$EPOCHREALTIME
	for ((i = 0; i < NCHG; i++)); do
		useradd -M -u $((CHG_UID0 + i)) -s /bin/sh "$(printf 'ldc%03d' "$i")" ||
			problem "useradd ldc$i failed"
	done
	for ((i = 0; i < NCHK; i++)); do
		useradd -M -u $((CHK_UID0 + i)) -s /bin/sh "$(printf 'ldk%03d' "$i")" ||
			problem "useradd ldk$i failed"
	done
	users_secs=$(secs_since "$t0")
	t0=$EPOCHREALTIME
	# The initial profiles: one admin reset each, all at once.
	mkdir -p "$work/init" || bail_out "mkdir $work/init"
	for u in "${changers[@]}" "${checkers[@]}"; do
		(
			printf '%s\n' "$REL_PW1" "$REL_PW1" |
				"$PAMDRIVE" -q -p - "$work/pam.d" chg "$u" >"$work/init/$u" 2>&1
			echo "exit=$?" >>"$work/init/$u"
		) &
	done
	wait
	init_secs=$(secs_since "$t0")
	for u in "${changers[@]}" "${checkers[@]}"; do
		grep -qx 'exit=0' "$work/init/$u" ||
			problem "$u: the initial reset failed: $(tr '\n' ' ' <"$work/init/$u")"
		[ "$(history_of "$u")" = 1 ] || problem "$u: no profile after the initial reset"
	done
	check "setup: $((NCHG + NCHK)) accounts created with useradd (uids $CHG_UID0-$((CHG_UID0 + NCHG - 1)), $CHK_UID0-$((CHK_UID0 + NCHK - 1))) and given a login profile by one admin reset each through the chg stack, all resets started at once"
	result "useradd of $((NCHG + NCHK)) accounts: ${users_secs} s; their $((NCHG + NCHK)) parallel initial resets: ${init_secs} s"
}

# max_overlap FILE...: the most processes running at once, from the
# "span START END" lines of the given files.
max_overlap() {
	sed -n 's/^span //p' "$@" |
		awk '{ print $1, 1; print $2, -1 }' | sort -k1,1n -k2,2n |
		awk '{ n += $2; if (n > m) m = n } END { print m + 0 }'
}

parallel_load() {
	local gate=$work/gate u i t0 out=$work/par problems=
	mkdir -p "$out" || bail_out "mkdir $out"
	for u in "${checkers[@]}"; do
		before_sum[$u]=$(profile_sum "$u")
	done
	# The start gate: every job waits for a shared lock on $gate, which
	# is released only once all 100 are forked, so they start together.
	exec 9>"$gate" && flock -x 9 || bail_out "cannot hold $gate"
	for u in "${changers[@]}"; do
		(
			flock -s "$gate" true
			s=$EPOCHREALTIME
			printf '%s\n' "$(chg_passwd "$u")" |
				"$PAMDRIVE" -q -n 10 -p - "$work/pam.d" chg "$u" >"$out/$u" 2>&1
			echo "exit=$? "
			echo "span $s $EPOCHREALTIME"
		) >>"$out/$u.rc" 9>&- &
	done
	for u in "${checkers[@]}"; do
		(
			flock -s "$gate" true
			s=$EPOCHREALTIME
			"$PAMDRIVE" -o a -n 20 "$work/pam.d" acct "$u" >"$out/$u" 2>&1
			echo "exit=$? "
			echo "span $s $EPOCHREALTIME"
		) >>"$out/$u.rc" 9>&- &
	done
	sleep 0.3
	t0=$EPOCHREALTIME
	exec 9>&-
	wait
	par_secs=$(secs_since "$t0")
	par_overlap=$(max_overlap "$out"/*.rc)
	for u in "${changers[@]}"; do
		grep -q '^exit=0 ' "$out/$u.rc" && grep -qx 'rc op=c code=PAM_SUCCESS (0)' "$out/$u" ||
			problem "changer $u: $(tr '\n' ' ' <"$out/$u.rc") $(tr '\n' ' ' <"$out/$u")"
	done
	for u in "${checkers[@]}"; do
		n=$(grep -c '^rc op=a code=PAM_SUCCESS (0)$' "$out/$u")
		grep -q '^exit=0 ' "$out/$u.rc" && [ "$n" -eq 20 ] ||
			problem "checker $u: $n of 20 account checks succeeded; $(tr '\n' ' ' <"$out/$u.rc")"
	done
	check "parallel: $NCHG users' passwords changed (10 admin resets each, one pamdrive process per user) while $NCHK other users ran 20 account checks each, all $((NCHG + NCHK)) processes released at once"
	result "$((NCHG * 10)) changes and $((NCHK * 20)) account checks in ${par_secs} s, up to $par_overlap of the $((NCHG + NCHK)) processes running at once; failed: $(grep -L '^exit=0 ' "$out"/*.rc | wc -l)"
}

parallel_state() {
	local u q lost=0 bad=0 changed=0 problems=
	for u in "${changers[@]}"; do
		q=$(profq_of "$u" "$(chg_passwd "$u" 9)" "$(chg_passwd "$u" 8)" "$REL_PW1")
		case $q in
		*"profq exit 1"*) lost=$((lost + 1)); problem "$u: profile lost" ;;
		*"profq exit"*) bad=$((bad + 1)); problem "$u: profile refused: $q" ;;
		esac
		printf '%s\n' "$q" | grep -q ' history=11$' &&
			printf '%s\n' "$q" | grep -qx 'match 1 0' &&
			printf '%s\n' "$q" | grep -qx 'match 2 1' &&
			printf '%s\n' "$q" | grep -qx 'match 3 10' ||
			problem "$u: want history=11, the last password newest, the initial one oldest: $(printf '%s' "$q" | tr '\n' ' ')"
	done
	for u in "${checkers[@]}"; do
		q=$(profq_of "$u")
		case $q in
		*"profq exit 1"*) lost=$((lost + 1)); problem "$u: profile lost" ;;
		*"profq exit"*) bad=$((bad + 1)); problem "$u: profile refused: $q" ;;
		esac
		[ "$(profile_sum "$u")" = "${before_sum[$u]}" ] || {
			changed=$((changed + 1))
			problem "$u: the account checks changed the profile"
		}
	done
	strays=$(stray_files "$profiles")
	[ -z "$strays" ] || problem "left in $profiles: $strays"
	admin check
	[ "$rc" -eq 0 ] || problem "iampw-admin check: exit $rc: $(cat "$work/admin.out")"
	check "parallel, afterwards: every profile loads (profq); each changer's history holds its 10 new passwords newest first over the initial one; the checkers' profiles are byte-identical; no temporary file left; iampw-admin check is clean"
	result "$((NCHG + NCHK)) profiles: $lost lost, $bad refused by the loader, $changed checker profiles changed; stray files: $(printf '%s' "$strays" | grep -c .); iampw-admin check exit $rc"
}

# --------------------------------------------------------------------------
# 2. Two changes of one user at once.

serialized() {
	local user=bob pwa='Serial+Ann=4Kq' pwb='Serial+Ben=7Wz' h0 q a_end b_end a_start b_start b_secs problems=
	change "$user" "$REL_PW1"
	h0=$(history_of "$user")
	# A sleeps 500 ms just before its rename, holding the lock taken by
	# the check instance; B starts 100 ms after A.
	(
		s=$EPOCHREALTIME
		IAMPW_FAULT_DIR=$state IAMPW_FAULT_SLEEP=renameat:1:500 LD_PRELOAD=$FAULTSHIM \
			"$PAMDRIVE" -q -p <(printf '%s\n' "$pwa" "$pwa") "$work/pam.d" chg "$user"
		echo "exit=$? start=$s end=$EPOCHREALTIME"
	) >"$work/A.out" 2>&1 &
	sleep 0.1
	(
		s=$EPOCHREALTIME
		"$PAMDRIVE" -q -p <(printf '%s\n' "$pwb" "$pwb") "$work/pam.d" chg "$user"
		echo "exit=$? start=$s end=$EPOCHREALTIME"
	) >"$work/B.out" 2>&1 &
	wait
	for x in A B; do
		grep -q '^exit=0 ' "$work/$x.out" || problem "$x: $(tr '\n' ' ' <"$work/$x.out")"
	done
	a_start=$(sed -n 's/.* start=\([0-9.]*\) .*/\1/p' "$work/A.out")
	a_end=$(sed -n 's/.* end=\([0-9.]*\)$/\1/p' "$work/A.out")
	b_start=$(sed -n 's/.* start=\([0-9.]*\) .*/\1/p' "$work/B.out")
	b_end=$(sed -n 's/.* end=\([0-9.]*\)$/\1/p' "$work/B.out")
	b_secs=$(awk -v a="$b_start" -v b="$b_end" 'BEGIN { printf "%.3f", b - a }')
	a_secs=$(awk -v a="$a_start" -v b="$a_end" 'BEGIN { printf "%.3f", b - a }')
	gap_ms=$(awk -v a="$a_end" -v b="$b_end" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
	awk -v a="$a_end" -v b="$b_end" 'BEGIN { exit !(b > a) }' || problem "B finished before A"
	# B overlapped A for sure: it started while A held the lock, and waited.
	between "$b_secs" 0.3 5 || problem "B took $b_secs s: it did not wait for A's lock"
	q=$(profq_of "$user" "$pwb" "$pwa")
	printf '%s\n' "$q" | grep -q " history=$((h0 + 2))\$" &&
		printf '%s\n' "$q" | grep -qx 'match 1 0' &&
		printf '%s\n' "$q" | grep -qx 'match 2 1' ||
		problem "want history=$((h0 + 2)), B's password at 0, A's at 1: $(printf '%s' "$q" | tr '\n' ' ')"
	check "two changes of one user at once: A held the lock 500 ms (faultshim sleep before its rename), B started 100 ms after A; both PAM_SUCCESS, B's password newest in the history, A's next, B finished after A"
	result "A took ${a_secs} s, B ${b_secs} s (waiting for A's lock); B finished ${gap_ms} ms after A; history $h0 -> $(history_of "$user") entries, B's at index 0, A's at 1"
}

# --------------------------------------------------------------------------
# 3. A lock holder stopped with SIGSTOP.

stopped_holder() {
	local user=alice pws='Stopped+Hold=3Zx' t0 i stat problems=
	change "$user" "$REL_PW2"
	[ "$rc" -eq 0 ] || bail_out "cannot give $user a profile: $(cat "$work/drive.out")"
	old_sum=$(profile_sum "$user")
	old_hist=$(history_of "$user")
	# In a session of its own: a stopped process in a process group that
	# becomes orphaned (its outside parent exits, as happens when the
	# suite runs in the background) gets SIGHUP and SIGCONT from the
	# kernel, which would end the holder before the test is done with it.
	# setsid does not fork here (a background job leads no group), so $!
	# is the holder itself.
	IAMPW_FAULT_DIR=$state IAMPW_FAULT_STOP=renameat:1 LD_PRELOAD=$FAULTSHIM \
		setsid "$PAMDRIVE" -q -p <(printf '%s\n' "$pws" "$pws") "$work/pam.d" chg "$user" \
		>"$work/holder.out" 2>&1 &
	holder=$!
	for ((i = 0; i < 100; i++)); do
		stat=$(ps -o stat= -p "$holder")
		case $stat in T*) break ;; esac
		sleep 0.05
	done
	case $stat in
	T*) ;;
	*) bail_out "the lock holder (pid $holder) did not stop: state '$stat'" ;;
	esac

	t0=$EPOCHREALTIME
	change "$user" "$REL_PW3"
	busy_secs=$(secs_since "$t0")
	grep -qx 'rc op=c code=PAM_AUTHTOK_LOCK_BUSY (22)' "$work/drive.out" ||
		problem "pamdrive chg: want PAM_AUTHTOK_LOCK_BUSY, got: $(tr '\n' ' ' <"$work/drive.out")"
	between "$busy_secs" "$BUSY_MIN" "$BUSY_MAX" ||
		problem "the refusal came after $busy_secs s, not within $BUSY_MIN-$BUSY_MAX s"
	[ "$(profile_sum "$user")" = "$old_sum" ] || problem "the refused change touched the profile"
	check "stopped holder: a password change (admin reset, chg stack) while another change of the user is stopped (SIGSTOP) holding its lock"
	result "PAM_AUTHTOK_LOCK_BUSY after ${busy_secs} s (documented: 5 s lock timeout); profile unchanged"

	t0=$EPOCHREALTIME
	"$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" --state-dir "$state" \
		update-login-profile --user-name "$user" --password-reset-required \
		</dev/null >"$work/adm.stdout" 2>"$work/adm.stderr"
	rc=$?
	adm_secs=$(secs_since "$t0")
	[ "$rc" -eq 254 ] || problem "exit $rc, want 254"
	grep -q '^An error occurred (EntityTemporarilyUnmodifiable) when calling the UpdateLoginProfile operation: ' \
		"$work/adm.stderr" || problem "stderr: $(cat "$work/adm.stderr")"
	[ -s "$work/adm.stdout" ] && problem "stdout not empty: $(cat "$work/adm.stdout")"
	between "$adm_secs" "$BUSY_MIN" "$BUSY_MAX" ||
		problem "the refusal came after $adm_secs s, not within $BUSY_MIN-$BUSY_MAX s"
	[ "$(profile_sum "$user")" = "$old_sum" ] || problem "the refused update touched the profile"
	check "stopped holder: iampw-admin update-login-profile --password-reset-required on the same user"
	result "exit $rc after ${adm_secs} s: $(head -n 1 "$work/adm.stderr")"

	t0=$EPOCHREALTIME
	drive -q -o a acct "$user" >"$work/acct.out" 2>&1
	acct_ms=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
	grep -qx 'rc op=a code=PAM_SUCCESS (0)' "$work/acct.out" ||
		problem "account stack: $(tr '\n' ' ' <"$work/acct.out")"
	[ "$acct_ms" -lt 1000 ] || problem "the account stack took $acct_ms ms"
	check "stopped holder: the account stack (read-only) for the same user"
	result "PAM_SUCCESS in ${acct_ms} ms: never waits for the lock"

	kill -KILL "$holder"
	# (bash would report the killed job on stderr)
	{ wait "$holder"; } 2>/dev/null
	holder_rc=$?
	# 128 + SIGKILL: it was still stopped, holding the lock, until now.
	[ "$holder_rc" -eq 137 ] || problem "the holder ended with status $holder_rc before it was killed"
	t0=$EPOCHREALTIME
	change "$user" "$REL_PW3"
	next_secs=$(secs_since "$t0")
	[ "$rc" -eq 0 ] || problem "the next change: $(tr '\n' ' ' <"$work/drive.out")"
	below "$next_secs" 1 || problem "the next change took $next_secs s"
	q=$(profq_of "$user" "$REL_PW3" "$REL_PW2" "$pws")
	printf '%s\n' "$q" | grep -q " history=$((old_hist + 1))\$" &&
		printf '%s\n' "$q" | grep -qx 'match 1 0' &&
		printf '%s\n' "$q" | grep -qx 'match 2 1' &&
		printf '%s\n' "$q" | grep -qx 'match 3 -1' ||
		problem "want the old history plus the new password, not the stopped one's: $(printf '%s' "$q" | tr '\n' ' ')"
	# The killed writer's temp file stays (nothing can remove it at the
	# kill); iampw-admin(8) check reports it as removable.
	strays=$(stray_files "$profiles")
	admin check
	check_rc=$rc
	check_msg=$(head -n 1 "$work/admin.out" | sed 's|.*: ||')
	if [ -n "$strays" ]; then
		[ "$check_rc" -eq 253 ] &&
			grep -q "^$profiles/$strays: temporary file left by an interrupted write" "$work/admin.out" ||
			problem "iampw-admin check (exit $check_rc) does not report $strays: $(cat "$work/admin.out")"
		rm -f "$profiles/$strays"
		admin check
		[ "$rc" -eq 0 ] || problem "iampw-admin check after removing it: exit $rc: $(cat "$work/admin.out")"
	fi
	check "stopped holder killed (SIGKILL): the next password change of the user; then iampw-admin check"
	result "holder exit $holder_rc; next change PAM_SUCCESS after ${next_secs} s; history $old_hist -> $(history_of "$user"): the new password newest, the killed change never recorded; the killed writer left $(printf '%s' "$strays" | grep -c .) temp file; iampw-admin check: exit $check_rc${check_msg:+, \"$check_msg\"}"
}

# --------------------------------------------------------------------------
# 4. Many transactions in one process.

# leak_run OUT PAMDRIVE_ARG...: pamdrive -S with its stats in OUT.
# tcache off: glibc's per-thread cache keeps freed chunks that mallinfo2
# counts as in use, so with it the heap figure wanders by ~3 KB from one
# checkpoint to the next; without it the figure is exact (a program-level
# leak is the same either way).
leak_run() {
	local out=$1
	shift
	GLIBC_TUNABLES=glibc.malloc.tcache_count=0 "$PAMDRIVE" -q -S "$@" >"$out" 2>&1
}

# leak_eval OUT N: sets fds_*, heap_*, rss_* from OUT's stats lines and
# adds a problem for each bound broken.
leak_eval() {
	local out=$1 n=$2 nstats
	nstats=$(grep -c '^stats ' "$out")
	if [ "$nstats" -ne 11 ]; then
		problem "want 11 stats lines, got $nstats: $(tail -n 5 "$out")"
		fds_first='?' heap_first='?' rss_first='?' fds_set='?' heap_2='?' heap_last='?' heap_growth='?'
		rss_2='?' rss_last='?' rss_growth='?'
		return
	fi
	grep -q "^stats i=$n " "$out" || problem "no stats line after transaction $n"
	read -r fds_first heap_first rss_first < <(grep '^stats ' "$out" | sed -n 1p |
		sed 's/.* fds=\([0-9]*\) heap=\([0-9]*\) rss_kb=\([0-9]*\)$/\1 \2 \3/')
	read -r fds_2 heap_2 rss_2 < <(grep '^stats ' "$out" | sed -n 2p |
		sed 's/.* fds=\([0-9]*\) heap=\([0-9]*\) rss_kb=\([0-9]*\)$/\1 \2 \3/')
	read -r fds_last heap_last rss_last < <(grep '^stats ' "$out" | tail -n 1 |
		sed 's/.* fds=\([0-9]*\) heap=\([0-9]*\) rss_kb=\([0-9]*\)$/\1 \2 \3/')
	fds_set=$(grep '^stats ' "$out" | sed 's/.* fds=\([0-9]*\) .*/\1/' | sort -u | tr '\n' ' ')
	heap_growth=$((heap_last - heap_2))
	rss_growth=$((rss_last - rss_2))
	[ "$fds_set" = "$fds_first " ] || problem "open fds changed: $fds_set"
	[ "$heap_growth" -le "$HEAP_MAX" ] ||
		problem "heap grew by $heap_growth bytes between checkpoints 2 and 11 (bound $HEAP_MAX)"
	[ "$rss_growth" -le "$RSS_MAX_KB" ] ||
		problem "RSS grew by $rss_growth KiB between checkpoints 2 and 11 (bound $RSS_MAX_KB)"
}

leak_text() {
	local fds="open fds $fds_first at every checkpoint"
	[ "$fds_set" = "$fds_first " ] || fds="open fds at the checkpoints: $fds_set"
	echo "$fds; heap $heap_2 -> $heap_last bytes ($heap_growth, bound $HEAP_MAX); RSS $rss_2 -> $rss_last KiB ($rss_growth, bound $RSS_MAX_KB); 1st checkpoint: heap $heap_first, RSS $rss_first KiB"
}

many_accounts() {
	local t0 secs problems=
	t0=$EPOCHREALTIME
	leak_run "$work/acct.stats" -o a -n 10000 "$work/pam.d" acct alice
	secs=$(secs_since "$t0")
	grep -qx 'rc op=a code=PAM_SUCCESS (0)' "$work/acct.stats" || problem "the last transaction failed"
	leak_eval "$work/acct.stats" 10000
	check "10,000 account transactions (pam_start, pam_acct_mgmt, pam_end) in one process: open fds, heap in use (mallinfo2) and RSS after transaction 1 and every 1,000"
	result "${secs} s; $(leak_text)"
}

many_changes() {
	local t0 secs h problems=
	t0=$EPOCHREALTIME
	leak_run "$work/chg.stats" -o c -n 1000 -p <(printf '%s\n' 'Leak+Chk=%dPw') "$work/pam.d" chg bob
	secs=$(secs_since "$t0")
	grep -qx 'rc op=c code=PAM_SUCCESS (0)' "$work/chg.stats" || problem "the last transaction failed"
	leak_eval "$work/chg.stats" 1000
	h=$(history_of bob)
	[ "$h" = 24 ] || problem "history holds $h entries, want 24 (PasswordReusePrevention)"
	check "1,000 password changes (admin resets, a new password each, PasswordReusePrevention 24 so the history rotates) in one process: open fds, heap, RSS after change 1 and every 100"
	result "${secs} s; $(leak_text); history $h entries"
}

leak_control() {
	local problems='' found
	PAMDRIVE_LEAK=16 leak_run "$work/ctl.stats" -o a -n 10000 "$work/pam.d" acct alice
	leak_eval "$work/ctl.stats" 10000
	found=$problems
	problems=
	printf '%s\n' "$found" | grep -q '^heap grew' || problem "a 16-byte leak per transaction passed the heap bound"
	printf '%s\n' "$found" | grep -q '^RSS grew' || problem "a 16-byte leak per transaction passed the RSS bound"
	printf '%s\n' "$found" | grep -q '^open fds' && problem "a memory leak was reported as an fd leak"
	check "control: the same 10,000 account transactions with a deliberate leak of 16 bytes per transaction in pamdrive (PAMDRIVE_LEAK=16) break the heap and RSS bounds"
	result "heap +$heap_growth bytes, RSS +$rss_growth KiB between checkpoints 2 and 11 (bounds $HEAP_MAX bytes, $RSS_MAX_KB KiB)"
}

# vg OUT PAMDRIVE_ARG...: pamdrive under valgrind memcheck (as make
# check-valgrind runs the PAM tests), its report in OUT.err.
vg() {
	local out=$1
	shift
	valgrind --quiet --vgdb=no --leak-check=full \
		--show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=1 \
		--log-file="$out.err" "$PAMDRIVE" -q "$@" >"$out" 2>&1
	vg_rc=$?
}

# vg_text REPORT: what valgrind --quiet reported, for the result line.
vg_text() {
	if [ -s "$1" ]; then
		echo "valgrind reported: $(grep -m 1 -E 'lost|Invalid|uninitialised|Mismatched' "$1" | sed 's/^==[0-9]*== //')"
	else
		echo "valgrind reported nothing: no error, no definite or indirect leak"
	fi
}

valgrind_accounts() {
	local t0 secs problems=
	t0=$EPOCHREALTIME
	vg "$work/vga" -o a -n 200 "$work/pam.d" acct alice
	secs=$(secs_since "$t0")
	[ "$vg_rc" -eq 0 ] || problem "valgrind exit $vg_rc"
	grep -qx 'rc op=a code=PAM_SUCCESS (0)' "$work/vga" || problem "pamdrive: $(cat "$work/vga")"
	[ -s "$work/vga.err" ] && problem "valgrind: $(head -n 40 "$work/vga.err")"
	check "valgrind memcheck (--leak-check=full, definite and indirect leaks are errors): 200 account transactions in one process"
	result "exit $vg_rc in ${secs} s; $(vg_text "$work/vga.err")"
}

valgrind_changes() {
	local t0 secs problems=
	t0=$EPOCHREALTIME
	vg "$work/vgc" -o c -n 20 -p <(printf '%s\n' 'Valgrind+Chk=%dPw') "$work/pam.d" chg bob
	secs=$(secs_since "$t0")
	[ "$vg_rc" -eq 0 ] || problem "valgrind exit $vg_rc"
	grep -qx 'rc op=c code=PAM_SUCCESS (0)' "$work/vgc" || problem "pamdrive: $(cat "$work/vgc")"
	[ -s "$work/vgc.err" ] && problem "valgrind: $(head -n 40 "$work/vgc.err")"
	check "valgrind memcheck: 20 password changes (admin resets, chg stack) in one process"
	result "exit $vg_rc in ${secs} s; $(vg_text "$work/vgc.err")"
}

inside() {
	local i
	declare -gA before_sum
	changers=()
	checkers=()
	for ((i = 0; i < NCHG; i++)); do changers+=("$(printf 'ldc%03d' "$i")"); done
	for ((i = 0; i < NCHK; i++)); do checkers+=("$(printf 'ldk%03d' "$i")"); done

	make_users
	parallel_load
	parallel_state
	serialized
	stopped_holder
	many_accounts
	many_changes
	leak_control
	valgrind_accounts
	valgrind_changes
	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
}

rel_main "$@"
