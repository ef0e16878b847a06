#!/bin/bash
# bench/run.sh: the SPEC §8 figures.  Runs as root INSIDE
# tests/sandbox/sandbox.sh (make bench starts it there): the user, its
# /etc/shadow, /etc/security/opasswd and the 100,000 extra accounts are
# the sandbox's private copies and vanish with it.
#
# Environment: top_builddir, top_srcdir (absolute), and optionally
#   BENCH_RUNS=15        wall-clock runs per password-change figure
#   BENCH_ACCT_TXN=10000 account transactions timed per stack
#   BENCH_SIZES="1000 10000 100000"   account counts for figure 4
#   BENCH_TIMEOUT=60    seconds allowed per admin command in figure 4
#   BENCH_FILTER_N=100000000  synthetic entries of figure 7's filter
#   BENCH_ONLY=7         the stage and figure 7 alone, for iterating on it:
#                        prints that figure and leaves docs/ untouched
# Prints the tables and writes $top_srcdir/docs/BENCHMARKS.md.
set -euo pipefail

[ "${SANDBOX:-}" = 1 ] && [ "$(id -u)" = 0 ] ||
	{ echo "bench/run.sh: run it through make bench (root, inside the sandbox)" >&2; exit 1; }
B=${top_builddir:?}
S=${top_srcdir:?}
RUNS=${BENCH_RUNS:-15}
ACCT_TXN=${BENCH_ACCT_TXN:-10000}
CG_TXN=200
SIZES=${BENCH_SIZES:-"1000 10000 100000"}
TIMEOUT=${BENCH_TIMEOUT:-60}
FILTER_N=${BENCH_FILTER_N:-100000000}
ONLY=${BENCH_ONLY:-}
case $ONLY in
'' | 7) ;;
*) echo "bench/run.sh: BENCH_ONLY=$ONLY: only 7 can run alone" >&2; exit 2 ;;
esac

W=$SANDBOX_DIR/bench
SO=$B/pam_iampw/.libs/pam_iampw.so
PWQ=$(find "$B/bench/out/pwquality" -name pam_pwquality.so | head -n 1)
ADMIN=$B/iampw-admin/iampw-admin
CHG=$B/bench/chauthtok
ACCT=$B/bench/account
GEN=$B/bench/gen
AUTHB=$B/bench/auth
SCR=$B/bench/screen
U=benchuser
NEWPW='Bench-New-Pass-7q!'
OLDPW='Init-Pass-1x!'
CONF=$W/iampw.conf
POL=$W/policy.conf
ARGS="config=$CONF policy=$POL statedir=$W/state"

fail() {
	echo "bench/run.sh: $*" >&2
	exit 1
}

for f in "$SO" "$PWQ" "$ADMIN" "$CHG" "$ACCT" "$GEN" "$AUTHB" "$SCR"; do
	[ -f "$f" ] || fail "missing $f (make bench builds it)"
done
command -v pwqfilter >/dev/null || fail "pwqfilter is not installed (tools/deps.sh)"

# ---------------------------------------------------------------------------
# The stage: a real user, a policy keeping 24 passwords, service files.

umask 022
mkdir -p "$W/pam.d" "$W/snap"
chmod 0700 "$W"
useradd -m -s /bin/bash "$U"
echo "$U:$OLDPW" | chpasswd
UID_=$(id -u "$U")
cat >"$CONF" <<EOF
[scope]
min_uid = 1000
max_uid = 4000000
EOF
printf '[policy]\nallow_users_to_change_password = true\npassword_reuse_prevention = 24\n' >"$POL"
# The account stack's configuration also names a blocklist (SPEC §8: "with
# the blocklist configured"); the account stack never opens it.
CONF_A=$W/iampw-acct.conf
cat "$CONF" >"$CONF_A"
printf '[screening]\nblocklist = %s/blocklist\n' "$W" >>"$CONF_A"
ARGS_A="config=$CONF_A policy=$POL statedir=$W/state"

svc() {
	cat >"$W/pam.d/$1"
}
svc other <<EOF
auth     required pam_deny.so
account  required pam_deny.so
password required pam_deny.so
session  required pam_deny.so
EOF
svc ours <<EOF
password requisite $SO $ARGS
password required  pam_unix.so use_authtok yescrypt
password optional  $SO commit $ARGS
EOF
svc peer <<EOF
password requisite $PWQ retry=1
password requisite pam_pwhistory.so remember=24 use_authtok
password required  pam_unix.so use_authtok yescrypt
EOF
svc unix <<EOF
password required pam_unix.so yescrypt
EOF
svc acct-permit <<<"account required pam_permit.so"
svc acct-unix <<<"account required pam_unix.so"
svc acct-unix-iampw <<EOF
account required pam_unix.so
account required $SO $ARGS_A
EOF
svc acct-iampw <<<"account required $SO $ARGS_A"

cp -p /etc/shadow "$W/snap/shadow"
for n in 0 1 8 24; do
	rm -f "$W/state/profiles/$UID_"
	"$GEN" history "$W/state" "$U" "$UID_" "$n"
	cp -p "$W/state/profiles/$UID_" "$W/snap/prof.$n"
	"$GEN" opasswd "$U" "$UID_" "$n" >"$W/snap/opasswd.$n"
	chmod 0600 "$W/snap/opasswd.$n"
done
touch /etc/security/opasswd
chmod 0600 /etc/security/opasswd

restore_ours() { echo "-r $W/snap/prof.$1:$W/state/profiles/$UID_ -r $W/snap/shadow:/etc/shadow"; }
restore_peer() { echo "-r $W/snap/opasswd.$1:/etc/security/opasswd -r $W/snap/shadow:/etc/shadow"; }
restore_unix() { echo "-r $W/snap/shadow:/etc/shadow"; }

# callgrind instruction count of the toggled function (one process).
cg_count() {
	local fn=$1 out=$W/cg.out
	shift
	rm -f "$out"
	valgrind --tool=callgrind --collect-atstart=no --toggle-collect="$fn" \
		--callgrind-out-file="$out" "$@" >/dev/null 2>"$W/cg.log" ||
		{ cat "$W/cg.log" >&2; fail "callgrind: $* failed"; }
	awk '/^totals:/ { print $2 }' "$out"
}

# field KEY LINE: the value of KEY=... in LINE.
field() {
	tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"
}

calc() {
	awk "BEGIN { printf \"$1\n\", $2 }"
}

ratio() { calc %.2f "($1) / ($2)"; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t ? "met" : "MISSED") }'; }
mir() { calc %.1f "$1 / 1e6"; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }

declare -A CG MS HWM
# rat A B: "Ir ratio [wall ratio]" of two keys.
rat() { echo "$(ratio "${CG[$1]}" "${CG[$2]}") [$(ratio "${MS[$1]}" "${MS[$2]}")]"; }
# measure KEY CHAUTHTOK-ARGS...: CG, MS and HWM of KEY.
measure() {
	local key=$1 out
	shift
	CG[$key]=$(cg_count bench_txn "$CHG" "$@")
	out=$("$CHG" -n "$RUNS" -w "$@")
	MS[$key]=$(calc %.2f "$(field median_ns "$out") / 1e6")
	HWM[$key]=$(field hwm_kb "$out")
	echo "bench:   $key: ${CG[$key]} Ir, ${MS[$key]} ms" >&2
}

adm() { "$ADMIN" --config "$CONF" --policy "$POL" --state-dir "$W/state" "$@"; }

# ---------------------------------------------------------------------------
# Figure 7: screening against a filter of FILTER_N entries (SPEC §8, §9).
# Defined here, run after figure 6 (before figure 4 appends 100,000
# accounts to /etc/passwd); BENCH_ONLY=7 runs it right after the stage.

# In the filter: the last of bench/screen.c's known passwords.
LEAKPW='Breached-Pass-9z!'
LEAKU=benchleak
declare -A F7 LK CG7 US7

# The filter, built by the real pwqfilter as an administrator builds one
# from Have I Been Pwned's NTLM download (bench/screen gen writes that
# form), streamed through a pipe: no input file.  Cached in the build tree
# under a name made of everything the filter depends on (entries,
# capacity, pwqfilter's version, a digest of the generator's first lines),
# so that a re-run reuses it and any change builds a new one.
build_filter() {
	local cap=$((FILTER_N + FILTER_N / 10)) ver key st
	ver=$(pwqfilter --version | awk '{ print $NF }')
	key=$("$SCR" gen 1000 | sha256sum | cut -c1-12)
	FILTER=$B/bench/out/filter-hibp-ntlm-n$FILTER_N-c$cap-pwqfilter$ver-$key.pwq
	if [ -f "$FILTER" ] && [ -f "$FILTER.build" ]; then
		F7[fresh]=no
	else
		echo "bench:   building $FILTER" >&2
		rm -f "$FILTER" "$FILTER.build" "$FILTER.tmp"
		"$SCR" gen "$FILTER_N" | /usr/bin/time -f '%e %M' -o "$W/time" \
			pwqfilter --pre-hashed --hash-ntlm-cp1252 --create="$cap" \
			-o "$FILTER.tmp" >"$W/pwqfilter.log" 2>&1 ||
			{ tail -n 5 "$W/pwqfilter.log" >&2; fail "pwqfilter --create failed"; }
		mv "$FILTER.tmp" "$FILTER"
		awk -v d="$(date -u +%Y-%m-%dT%H:%MZ)" \
			'{ printf "build_s=%.1f rss_mib=%.0f built=%s\n", $1, $2 / 1024, d }' \
			"$W/time" >"$FILTER.build"
		F7[fresh]=yes
	fi
	st=$(pwqfilter --status -f "$FILTER")
	F7[entries]=$(sed -n 's/.*, usage \([0-9]*\) .*/\1/p' <<<"$st")
	F7[capacity]=$cap
	F7[load]=$(sed -n 's/.*, load \([0-9.]*\)%.*/\1/p' <<<"$st")
	F7[layout]=$(sed -n 's/^Hash type \(.*\)$/\1/p' <<<"$st")
	F7[size]=$(stat -c %s "$FILTER")
	F7[pwqfilter]=$ver
	for k in build_s rss_mib built; do
		F7[$k]=$(field "$k" "$(cat "$FILTER.build")")
	done
	[ "${F7[entries]:-0}" -ge "$FILTER_N" ] ||
		fail "the filter holds ${F7[entries]:-no} entries, fewer than $FILTER_N: $st"
	echo "bench:   filter: ${F7[entries]} entries, ${F7[size]} bytes, built in ${F7[build_s]} s" >&2
}

# auth7 KEY SERVICE USER PASSWORD [-r SRC:DST]...: Ir of one auth
# transaction and the wall median of RUNS.  An untimed transaction first
# records password_last_used, which a login then writes at most every 5
# minutes: the measured ones are the common login, which writes nothing.
auth7() {
	local key=$1 s=$2 user=$3 out
	export BENCH_PASSWORD=$4
	shift 4
	"$AUTHB" "$@" "$W/pam.d" "$s" "$user" 1 >/dev/null || fail "auth: $s $user failed"
	CG7[$key]=$(cg_count bench_txn "$AUTHB" "$@" "$W/pam.d" "$s" "$user" 1)
	out=$("$AUTHB" "$@" "$W/pam.d" "$s" "$user" "$RUNS")
	US7[$key]=$(calc %.1f "$(field median_ns "$out") / 1e3")
	echo "bench:   $key: ${CG7[$key]} Ir, ${US7[$key]} µs" >&2
}

figure7() {
	local out line ph c k
	echo "bench: figure 7, screening against a $FILTER_N-entry filter" >&2
	build_filter

	# Lookup cost through the core's reader, as the module calls it.
	out=$("$SCR" lookup "$FILTER" "$FILTER_N" 2000 200000) || fail "bench/screen lookup failed"
	for ph in cold-pread cold-hit cold-miss cold-screen warm-pread warm-hit warm-miss warm-screen; do
		line=$(grep "^phase=$ph " <<<"$out") || fail "bench/screen lookup: no $ph phase"
		LK[$ph-n]=$(field n "$line")
		LK[$ph-med]=$(calc %.2f "$(field median_ns "$line") / 1e3")
		LK[$ph-p99]=$(calc %.2f "$(field p99_ns "$line") / 1e3")
		LK[$ph-preads]=$(calc %.2f "$(field preads "$line")")
		LK[$ph-kib]=$(calc %.2f "$(field kib "$line")")
	done
	line=$(tail -n 1 <<<"$out")
	F7[fp]=$(field fp "$line")
	F7[misses]=$(field misses "$line")
	F7[known]=$(field known "$line")
	c=$(cg_count bench_lookups "$SCR" ir "$FILTER" "$FILTER_N" 10000)
	F7[ir]=$((c / 10000))
	echo "bench:   lookup: cold miss ${LK[cold-miss-med]} µs, warm miss ${LK[warm-miss-med]} µs," \
		"${LK[cold-miss-preads]} reads, ${F7[ir]} Ir" >&2

	# A password change with screening: stack (a), its iampw.conf naming
	# the filter, with the context rule.
	CONF_S=$W/iampw-screen.conf
	{ cat "$CONF"; printf '[screening]\nblocklist = %s\ncontext = yes\n' "$FILTER"; } >"$CONF_S"
	sed "s|config=$CONF |config=$CONF_S |" "$W/pam.d/ours" >"$W/pam.d/ours-screen"
	# The baselines, from figure 1 when it ran.
	# shellcheck disable=SC2046
	{
		[ -n "${CG[unix]:-}" ] || measure unix -o "$OLDPW" $(restore_unix) "$W/pam.d" unix "$U" "$NEWPW"
		[ -n "${CG[unix-a]:-}" ] || measure unix-a -a $(restore_unix) "$W/pam.d" unix "$U" "$NEWPW"
		[ -n "${CG[ours24]:-}" ] ||
			measure ours24 -o "$OLDPW" $(restore_ours 24) "$W/pam.d" ours "$U" "$NEWPW"
		[ -n "${CG[ours-a]:-}" ] || measure ours-a -a $(restore_ours 24) "$W/pam.d" ours "$U" "$NEWPW"
		measure scr24 -o "$OLDPW" $(restore_ours 24) "$W/pam.d" ours-screen "$U" "$NEWPW"
		measure scr-a -a $(restore_ours 24) "$W/pam.d" ours-screen "$U" "$NEWPW"
		# The filter really was consulted: a listed password is refused, as listed.
		if out=$("$CHG" -o "$OLDPW" $(restore_ours 24) "$W/pam.d" ours-screen "$U" "$LEAKPW" 2>&1); then
			fail "sanity: pam_iampw accepted a password listed in the filter"
		fi
		grep -q "known to be breached" <<<"$out" ||
			fail "sanity: the listed password was refused, but not as listed: $out"
	}

	# The auth stack, pam_iampw with and without at_login.  A second
	# user's password is listed: its login looks it up, finds it and
	# records the forced change (its profile, 24 history entries like the
	# first user's, is restored every time).
	cp -p "$W/snap/shadow" /etc/shadow
	cp "$W/snap/prof.24" "$W/state/profiles/$UID_"
	useradd -m -s /bin/bash "$LEAKU"
	echo "$LEAKU:$LEAKPW" | chpasswd
	LUID=$(id -u "$LEAKU")
	"$GEN" history "$W/state" "$LEAKU" "$LUID" 24
	cp -p "$W/state/profiles/$LUID" "$W/snap/prof.leak"
	cp -p /etc/shadow "$W/snap/shadow7"
	for k in no yes; do
		{ cat "$CONF"; printf '[screening]\nblocklist = %s\nat_login = %s\n' "$FILTER" "$k"; } \
			>"$W/iampw-login-$k.conf"
		svc "login-$k" <<-EOF
			auth required pam_unix.so
			auth optional $SO config=$W/iampw-login-$k.conf policy=$POL statedir=$W/state
		EOF
	done
	svc login-unix <<<"auth required pam_unix.so"
	local r="-r $W/snap/shadow7:/etc/shadow"
	# shellcheck disable=SC2086
	{
		auth7 unix login-unix "$U" "$OLDPW" $r
		auth7 no login-no "$U" "$OLDPW" $r
		auth7 yes login-yes "$U" "$OLDPW" $r
		auth7 hit login-yes "$LEAKU" "$LEAKPW" $r -r "$W/snap/prof.leak:$W/state/profiles/$LUID"
	}
	# The lookups really were made: the listed login now has to change its
	# password, the other does not.
	"$ACCT" "$W/pam.d" acct-unix-iampw "$U" 1 >/dev/null 2>&1 ||
		fail "sanity: a login with an unlisted password was made to change it"
	if out=$("$ACCT" "$W/pam.d" acct-unix-iampw "$LEAKU" 1 2>&1) ||
		! grep -q "new one required" <<<"$out"; then
		fail "sanity: a login with a listed password was not made to change it: $out"
	fi
	# The stage as it was for the figures after this one.
	userdel -r "$LEAKU" 2>/dev/null
	rm -f "$W/state/profiles/$LUID"
	cp -p "$W/snap/shadow" /etc/shadow
}

# The figure's section of docs/BENCHMARKS.md.
report7() {
	local r_scr r_scr_a pct reads verdict_reads verdict_warm verdict_cold
	r_scr=$(ratio "${CG[scr24]}" "${CG[unix]}")
	r_scr_a=$(ratio "${CG[scr-a]}" "${CG[unix-a]}")
	pct=$(calc %.3f "(${CG7[yes]} - ${CG7[no]}) * 100 / ${CG7[no]}")
	reads=$(max "${LK[cold-miss-preads]}" "${LK[cold-hit-preads]}")
	verdict_reads=$(verdict "$reads" 2)
	verdict_warm=$(verdict "$(max "${LK[warm-miss-med]}" "${LK[warm-hit-med]}")" 20)
	verdict_cold=$(verdict "$(max "${LK[cold-miss-med]}" "${LK[cold-hit-med]}")" 20)
	cat <<EOF

## 7. Screening against a $(calc %.0f "${F7[entries]} / 1e6")-million-entry filter (SPEC §8, §9)

The filter was built by pwqfilter ${F7[pwqfilter]} (Debian's passwdqc) the way an
administrator builds one from Have I Been Pwned's NTLM download:
\`bench/screen gen $FILTER_N | pwqfilter --pre-hashed --hash-ntlm-cp1252 --create=${F7[capacity]} -o FILTER\`,
streamed through the pipe (no input file).  bench/screen gen writes that download's form
(\`HASH:COUNT\` lines, NTLM as 32 uppercase hex digits, CRLF, most frequent first): ${F7[known]}
well-known passwords, then $FILTER_N distinct synthetic ones (\`leak-<i>-pw\`, i < $FILTER_N).

| filter | |
|---|---|
| entries (pwqfilter --status) | ${F7[entries]} of capacity ${F7[capacity]}, load ${F7[load]} % |
| layout | ${F7[layout]} |
| file size | ${F7[size]} bytes ($(calc %.0f "${F7[size]} / 1048576") MiB) |
| build (generator and pwqfilter, wall) | ${F7[build_s]} s, pwqfilter peak RSS ${F7[rss_mib]} MiB, built ${F7[built]} |
| cached | bench/out/$(basename "$FILTER") ($([ "${F7[fresh]}" = yes ] && echo "built by this run" || echo "reused: built by an earlier run")) |

### 7a. Lookup cost

bench/screen lookup: iampw_blocklist_open and iampw_blocklist_lookup (lib/blocklist.c, the
module's reader) called directly, over fresh random candidates: hits are synthetic entries,
misses synthetic passwords that were never inserted (${F7[fp]} of ${F7[misses]} misses listed: the
format's false positives).  Cold: the filter's pages dropped from the page cache before every
lookup (posix_fadvise POSIX_FADV_DONTNEED on that file; untimed), ${LK[cold-miss-n]} lookups a row;
warm: after reading the whole file once, ${LK[warm-miss-n]} lookups a row.  Reads: read system
calls per lookup (/proc/self/io syscr); KiB: what the lookup made the kernel read from the disk
(read_bytes).  Each read is one 16-byte bucket, aligned, so never more than one 4 KiB page.
"Per screening" is what the module does in a transaction: open and check the file, read its
64-byte header, one lookup, close (misses).  The bare pread row is one 16-byte read of a
random bucket, the floor of anything that touches the file.

| lookup | median | p99 | reads / lookup | KiB from disk / lookup |
|---|---:|---:|---:|---:|
| cold, hit | ${LK[cold-hit-med]} µs | ${LK[cold-hit-p99]} µs | ${LK[cold-hit-preads]} | ${LK[cold-hit-kib]} |
| cold, miss | ${LK[cold-miss-med]} µs | ${LK[cold-miss-p99]} µs | ${LK[cold-miss-preads]} | ${LK[cold-miss-kib]} |
| cold, per screening (open + header + lookup + close) | ${LK[cold-screen-med]} µs | ${LK[cold-screen-p99]} µs | ${LK[cold-screen-preads]} | ${LK[cold-screen-kib]} |
| cold, one bare pread | ${LK[cold-pread-med]} µs | ${LK[cold-pread-p99]} µs | ${LK[cold-pread-preads]} | ${LK[cold-pread-kib]} |
| warm, hit | ${LK[warm-hit-med]} µs | ${LK[warm-hit-p99]} µs | ${LK[warm-hit-preads]} | ${LK[warm-hit-kib]} |
| warm, miss | ${LK[warm-miss-med]} µs | ${LK[warm-miss-p99]} µs | ${LK[warm-miss-preads]} | ${LK[warm-miss-kib]} |
| warm, per screening | ${LK[warm-screen-med]} µs | ${LK[warm-screen-p99]} µs | ${LK[warm-screen-preads]} | ${LK[warm-screen-kib]} |
| warm, one bare pread | ${LK[warm-pread-med]} µs | ${LK[warm-pread-p99]} µs | ${LK[warm-pread-preads]} | ${LK[warm-pread-kib]} |

Ir per lookup (callgrind, 10,000 lookups, half hits; MD4 and the bucket decoding, not the
kernel): ${F7[ir]}.
Target (SPEC §8), at most 2 disk reads and 20 µs per lookup: reads ($reads at most): $verdict_reads;
20 µs warm (median): $verdict_warm; 20 µs cold (median): $verdict_cold.

### 7b. Password change with screening

Stack (a) of figure 1, its iampw.conf naming this filter in \`[screening] blocklist\`, with
\`context = yes\`; as figure 1 (24 stored entries, state restored before every run).

| figure | Ir | wall | ratio by Ir [wall] | target |
|---|---:|---:|---:|---|
| (e) stack (a) with screening, forced | $(mir "${CG[scr24]}") M | ${MS[scr24]} ms | (e)/(c) = $(rat scr24 unix) | ≤ 2.2: $(verdict "$r_scr" 2.2) |
| (e') as (e), admin reset | $(mir "${CG[scr-a]}") M | ${MS[scr-a]} ms | (e')/(c') = $(rat scr-a unix-a) | ≤ 2.2: $(verdict "$r_scr_a" 2.2) |

Screening adds $((${CG[scr24]} - ${CG[ours24]})) Ir to (a) forced, $((${CG[scr-a]} - ${CG[ours-a]})) Ir to (a') admin reset.
A change to a listed password was refused as listed.

### 7c. Auth stack with screening at login

\`auth required pam_unix.so\` then \`auth optional pam_iampw.so\` (the reference stack's order),
iampw.conf naming this filter, \`at_login\` no or yes; pam_start_confdir + pam_authenticate +
pam_end, Ir from one transaction, wall median of $RUNS.  The login's last-used date is already
recorded (it is written at most every 5 minutes), as for most logins.  The listed password is
another user's, whose profile (24 history entries, as the first user's) is restored before
every transaction, so each one finds the password and records the forced change (one locked,
fsync'd profile write).

| stack | Ir / txn | wall / txn |
|---|---:|---:|
| pam_unix alone | ${CG7[unix]} | ${US7[unix]} µs |
| pam_unix + pam_iampw, at_login = no | ${CG7[no]} | ${US7[no]} µs |
| pam_unix + pam_iampw, at_login = yes, password not listed | ${CG7[yes]} | ${US7[yes]} µs |
| pam_unix + pam_iampw, at_login = yes, password listed | ${CG7[hit]} | ${US7[hit]} µs |

at_login = yes adds $((${CG7[yes]} - ${CG7[no]})) Ir to the auth stack ($pct %; target at most 5 %:
$(verdict "$pct" 5)); a listed password adds $((${CG7[hit]} - ${CG7[no]})) Ir in all.
EOF
}

if [ "$ONLY" = 7 ]; then
	figure7
	report7 | tee "$W/figure7.md"
	echo "bench: BENCH_ONLY=7: docs/BENCHMARKS.md left as it was" >&2
	exit 0
fi

# ---------------------------------------------------------------------------
# Figures 1 and 2: password change.

echo "bench: figure 1-2, password changes (callgrind + $RUNS timed runs each)" >&2
# shellcheck disable=SC2046
{
	measure hash -H "$NEWPW"
	measure unix -o "$OLDPW" $(restore_unix) "$W/pam.d" unix "$U" "$NEWPW"
	for n in 24 8 1 0; do
		measure "ours$n" -o "$OLDPW" $(restore_ours $n) "$W/pam.d" ours "$U" "$NEWPW"
		measure "peer$n" -o "$OLDPW" $(restore_peer $n) "$W/pam.d" peer "$U" "$NEWPW"
	done
	# Root's admin reset (flags 0): pam_unix does not ask for the current password.
	measure unix-a -a $(restore_unix) "$W/pam.d" unix "$U" "$NEWPW"
	measure ours-a -a $(restore_ours 24) "$W/pam.d" ours "$U" "$NEWPW"
	measure peer-a -a $(restore_peer 24) "$W/pam.d" peer "$U" "$NEWPW"
}
# The history really was checked: a change to a stored password is refused.
"$CHG" -o "$OLDPW" $(restore_ours 24) "$W/pam.d" ours "$U" "Old-Secret-5-bench" >/dev/null 2>&1 &&
	fail "sanity: pam_iampw accepted a reused password"
"$CHG" -o "$OLDPW" $(restore_peer 24) "$W/pam.d" peer "$U" "Old-Secret-5-bench" >/dev/null 2>&1 &&
	fail "sanity: pam_pwhistory accepted a reused password"

# ---------------------------------------------------------------------------
# Figure 3: account stack per transaction; figure 5: peak RSS.

echo "bench: figure 3, account stacks ($CG_TXN transactions under callgrind, $ACCT_TXN timed)" >&2
cp "$W/snap/prof.24" "$W/state/profiles/$UID_"
declare -A cg_acct us_acct hwm_acct cg_proc
for s in permit unix unix-iampw iampw; do
	c=$(cg_count bench_loop "$ACCT" "$W/pam.d" "acct-$s" "$U" "$CG_TXN")
	cg_acct[$s]=$((c / CG_TXN))
	# The whole process, as sshd or login runs one: loading included.
	rm -f "$W/cgp.out"
	valgrind --tool=callgrind --callgrind-out-file="$W/cgp.out" \
		"$ACCT" "$W/pam.d" "acct-$s" "$U" 1 >/dev/null 2>"$W/cg.log" ||
		{ cat "$W/cg.log" >&2; fail "callgrind: whole process acct-$s failed"; }
	cg_proc[$s]=$(awk '/^totals:/ { print $2 }' "$W/cgp.out")
	out=$("$ACCT" "$W/pam.d" "acct-$s" "$U" "$ACCT_TXN")
	us_acct[$s]=$(calc %.1f "$(field median_ns "$out") / 1e3")
	out=$("$ACCT" "$W/pam.d" "acct-$s" "$U" 1)
	hwm_acct[$s]=$(($(field hwm_kb "$out") - $(field hwm0_kb "$out")))
done

# ---------------------------------------------------------------------------
# Figure 6: the MFA auth step (SPEC §10) beside pam_unix's auth.  The
# device file is restored before every transaction, so that the same code
# (the next step's, within the +-1 window for a minute) is new each time.

echo "bench: figure 6, the MFA auth step" >&2
command -v oathtool >/dev/null || fail "oathtool is not installed (tools/deps.sh)"
svc auth-permit <<<"auth required pam_permit.so"
svc auth-unix <<<"auth required pam_unix.so"
svc auth-mfa <<EOF
auth required pam_permit.so
auth requisite $SO mfa $ARGS
EOF
adm create-virtual-mfa-device --virtual-mfa-device-name bench --outfile "$W/seed" \
	--bootstrap-method Base32StringSeed >/dev/null || fail "create-virtual-mfa-device"
SEED=$(cat "$W/seed")
while [ $(($(date +%s) % 30)) -ge 25 ]; do sleep 1; done
t=$(date +%s)
adm enable-mfa-device --user-name "$U" --serial-number "arn:linux:iam::$(hostname):mfa/bench" \
	--authentication-code1 "$(oathtool --totp -b "$SEED" --now "@$((t - 30))")" \
	--authentication-code2 "$(oathtool --totp -b "$SEED" --now "@$t")" >/dev/null ||
	fail "enable-mfa-device"
cp -p "$W/state/mfa/d.bench" "$W/snap/mfa"
export BENCH_PASSWORD=$OLDPW
BENCH_CODE=$(oathtool --totp -b "$SEED" --now "@$((t + 30))")
export BENCH_CODE
declare -A cg_auth us_auth
for s in permit unix mfa; do
	r="-r $W/snap/shadow:/etc/shadow -r $W/snap/mfa:$W/state/mfa/d.bench"
	# shellcheck disable=SC2086
	cg_auth[$s]=$(cg_count bench_txn "$AUTHB" $r "$W/pam.d" "auth-$s" "$U" 1)
	# shellcheck disable=SC2086
	out=$("$AUTHB" $r "$W/pam.d" "auth-$s" "$U" "$RUNS")
	us_auth[$s]=$(calc %.1f "$(field median_ns "$out") / 1e3")
done
# The code really was checked: a wrong one is refused.
if [ "$BENCH_CODE" != 000000 ] && BENCH_CODE=000000 "$AUTHB" \
	-r "$W/snap/mfa:$W/state/mfa/d.bench" "$W/pam.d" auth-mfa "$U" 1 >/dev/null 2>&1; then
	fail "sanity: the MFA step accepted a wrong code"
fi
adm deactivate-mfa-device --user-name "$U" --serial-number "arn:linux:iam::$(hostname):mfa/bench" \
	>/dev/null || fail "deactivate-mfa-device"

figure7

# ---------------------------------------------------------------------------
# Figure 4: iampw-admin over many profiles.

echo "bench: figure 4, iampw-admin over $SIZES accounts" >&2
HASH=$(awk -F: -v u="$U" '$1 == u { print $2 }' /etc/shadow)
S4=$W/state4
S5=$W/state5
have=0
rows4=""
rows4b=""
# timed CMD...: "seconds|peak_MiB" (or "> T s (timed out)|-"), output discarded.
timed() {
	local rc=0
	timeout "$TIMEOUT" /usr/bin/time -f '%e %M' -o "$W/time" "$@" >/dev/null 2>"$W/time.err" || rc=$?
	if [ "$rc" = 124 ]; then
		echo "> $TIMEOUT s (timed out)|-"
		return
	fi
	# iampw-admin check exits 253 when it finds problems: it must find none.
	[ "$rc" = 0 ] || { head -n 5 "$W/time.err" >&2; fail "$* exited $rc"; }
	awk '{ printf "%.3f s|%.1f MiB\n", $1, $2 / 1024 }' "$W/time"
}
for n in $SIZES; do
	# Each profile bound to the shadow entry written for it below: its own.
	"$GEN" profiles "$S4" bu "$have" "$n" 200000 "$HASH"
	awk -v a="$have" -v b="$n" 'BEGIN {
		for (i = a; i < b; i++)
			printf "bu%06d:x:%d:%d::/nonexistent:/usr/sbin/nologin\n", i, 200000 + i, 200000 + i
	}' >>/etc/passwd
	awk -v a="$have" -v b="$n" -v h="$HASH" 'BEGIN {
		for (i = a; i < b; i++)
			printf "bu%06d:%s:20000:0:99999:7:::\n", i, h
	}' >>/etc/shadow
	have=$n
	adm=("$ADMIN" --config "$CONF" --policy "$POL" --state-dir "$S4")
	rep=$(timed "${adm[@]}" get-credential-report)
	rept=$(timed "${adm[@]}" --output text get-credential-report)
	lst=$(timed "${adm[@]}" list-users)
	chk=$(timed "${adm[@]}" check)
	# adopt-user --all from an empty store: every account is adopted.
	rm -rf "$S5"
	adp=$(timed "$ADMIN" --config "$CONF" --policy "$POL" --state-dir "$S5" adopt-user --all)
	[ "$(find "$S5/profiles" -type f -name '[0-9]*' | wc -l)" -ge "$n" ] ||
		fail "adopt-user --all adopted fewer than $n accounts"
	pws=$(timed passwd -S -a)
	chg=$(timed bash -c 'for ((i = 0; i < $1; i++)); do
		chage -l "$(printf "bu%06d" "$i")" >/dev/null || exit 1; done' chage-loop "$n")
	rows4+="$n|$rep|$rept|$lst|$chk"$'\n'
	rows4b+="$n|$adp|$pws|$chg"$'\n'
	echo "bench:   $n accounts: report $rep (text $rept), list-users $lst, check $chk," \
		"adopt-user --all $adp, passwd -S -a $pws, chage -l loop $chg" >&2
done

# ---------------------------------------------------------------------------
# The report.

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
ver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "?"; }
pwq_deb=$(basename "$(ls "$B"/bench/out/deb/libpam-pwquality_*.deb)")
r_ac=$(ratio "${CG[ours24]}" "${CG[unix]}")
r_ac_a=$(ratio "${CG[ours-a]}" "${CG[unix-a]}")
# What ours adds over pam_unix alone, in bare hashes (ideal: 1).
extra=$(calc %.2f "(${CG[ours24]} - ${CG[unix]}) / ${CG[hash]}")
extra_a=$(calc %.2f "(${CG[ours-a]} - ${CG[unix-a]}) / ${CG[hash]}")
add_unix=$((${cg_acct[unix]} - ${cg_acct[permit]}))
add_iampw=$((${cg_acct[unix-iampw]} - ${cg_acct[unix]}))
acct_verdict=$([ "$add_iampw" -le "$add_unix" ] && echo met || echo MISSED)
half_verdict=$([ $((2 * add_iampw)) -le "$add_unix" ] && echo met || echo MISSED)
padd_unix=$((${cg_proc[unix]} - ${cg_proc[permit]}))
padd_iampw=$((${cg_proc[unix-iampw]} - ${cg_proc[unix]}))
phalf_verdict=$([ $((2 * padd_iampw)) -le "$padd_unix" ] && echo met || echo MISSED)
# Figure 4's targets at the largest size (SPEC §8).
big=${SIZES##* }
fig4_verdict=$(printf '%s' "$rows4" | awk -F'|' -v n="$big" '$1 == n {
	fast = 1; small = 1
	for (i = 2; i <= 9; i += 2) {
		split($i, t, " "); split($(i + 1), m, " ")
		if ($i ~ /timed/ || t[1] + 0 >= 1) fast = 0
		if ($i ~ /timed/ || m[1] + 0 > 16) small = 0
	}
	printf "under 1 s: %s; at most 16 MiB: %s", fast ? "met" : "MISSED", small ? "met" : "MISSED" }')
adopt_verdict=$(printf '%s' "$rows4b" | awk -F'|' -v n="$big" '$1 == n {
	split($2, t, " "); print ($2 !~ /timed/ && t[1] + 0 < 60) ? "met" : "MISSED" }')

report() {
	cat <<EOF
# Benchmarks

Latest run of \`make bench\` (issues 7, 15 and 17, SPEC §8).  Generated by bench/run.sh; do not
edit (a "Fleet" section at the end is kept from the previous file).

Command (as root, in the build tree): \`make bench\`
(\`BENCH_RUNS=$RUNS BENCH_ACCT_TXN=$ACCT_TXN BENCH_SIZES="$SIZES" BENCH_TIMEOUT=$TIMEOUT BENCH_FILTER_N=$FILTER_N\`).
Everything ran inside tests/sandbox/sandbox.sh: a real user created with useradd, the
sandbox's own /etc/shadow and /etc/security/opasswd, services from a private directory
(pam_start_confdir) with a deny-all \`other\`.

- Machine: $cpu, $(nproc) cores, Linux $(uname -r), run $(date -u +%Y-%m-%dT%H:%MZ)
- Versions: pam_iampw $("$ADMIN" --version 2>/dev/null | head -n 1 | awk '{ print $NF }'),
  Linux-PAM $(ver libpam0g), libxcrypt $(ver libcrypt1), ${pwq_deb%.deb} (extracted, not installed),
  libpwquality1 $(ver libpwquality1), $(valgrind --version)
- Ir: instructions counted by callgrind in the measured function only (repeatable);
  ms/µs: wall-clock median. Ratios are by Ir (wall-clock ratio in brackets).

## 1. Password change, PasswordReusePrevention=24, 24 stored entries

Root, pam_start_confdir + pam_chauthtok + pam_end per run; Ir from one run, wall median
of $RUNS (after one warm-up); the stored state is restored before every run.
Forced change: \`pam_chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK)\`, so the peers enforce; with
this flag pam_unix treats root like the user: it asks for the current password and
verifies it, which makes pam_unix alone cost several hashes.  Admin reset: flags 0, root
sets the password (pam_unix hashes once; the peers only warn, but still do the work).

| figure | Ir | wall | ratio by Ir [wall] | target |
|---|---:|---:|---:|---|
| (a) pam_iampw + pam_unix yescrypt + pam_iampw commit, forced | $(mir "${CG[ours24]}") M | ${MS[ours24]} ms | (a)/(c) = $(rat ours24 unix) | ≤ 2.2: $(verdict "$r_ac" 2.2) |
| (b) pam_pwquality + pam_pwhistory remember=24 + pam_unix yescrypt, forced | $(mir "${CG[peer24]}") M | ${MS[peer24]} ms | (b)/(c) = $(rat peer24 unix) | peer |
| (c) pam_unix yescrypt alone, forced | $(mir "${CG[unix]}") M | ${MS[unix]} ms | (c)/(d) = $(rat unix hash) | |
| (d) one bare yescrypt hash (crypt_rn, default cost \$y\$j9T\$) | $(mir "${CG[hash]}") M | ${MS[hash]} ms | 1 | |
| (a)/(b), forced | | | $(rat ours24 peer24) | |
| (a)/(2×d), forced | | | $(ratio "${CG[ours24]}" "2 * ${CG[hash]}") [$(ratio "${MS[ours24]}" "2 * ${MS[hash]}")] | |
| ((a)−(c))/(d): hashes pam_iampw adds, forced | | | $extra | 1 = one hash |
| (a') as (a), admin reset | $(mir "${CG[ours-a]}") M | ${MS[ours-a]} ms | (a')/(c') = $(rat ours-a unix-a) | ≤ 2.2: $(verdict "$r_ac_a" 2.2) |
| (b') as (b), admin reset | $(mir "${CG[peer-a]}") M | ${MS[peer-a]} ms | (b')/(c') = $(rat peer-a unix-a) | peer, ≈ 24.5 in TESTING.md |
| (c') pam_unix alone, admin reset | $(mir "${CG[unix-a]}") M | ${MS[unix-a]} ms | (c')/(d) = $(rat unix-a hash) | |
| (a')/(b') | | | $(rat ours-a peer-a) | |
| (a')/(2×d) | | | $(ratio "${CG[ours-a]}" "2 * ${CG[hash]}") [$(ratio "${MS[ours-a]}" "2 * ${MS[hash]}")] | |
| ((a')−(c'))/(d) | | | $extra_a | 1 = one hash |

## 2. Forced password change against N stored entries

| N | ours Ir | ours wall | ours/(c) | peer Ir | peer wall | peer/(c) |
|---:|---:|---:|---:|---:|---:|---:|
EOF
	for n in 0 1 8 24; do
		echo "| $n | $(mir "${CG[ours$n]}") M | ${MS[ours$n]} ms | $(rat "ours$n" unix) | $(mir "${CG[peer$n]}") M | ${MS[peer$n]} ms | $(rat "peer$n" unix) |"
	done
	cat <<EOF

## 3. Account stack (fresh pam_start each time)

Ir / txn: callgrind over $CG_TXN transactions in one process, divided; wall: median of
$ACCT_TXN transactions.  Ir / process: callgrind over a whole fresh process running one
pam_start + pam_acct_mgmt + pam_end (as sshd and login do), loading the modules included.
The user has a login profile holding 24 history entries (the largest profile there is);
iampw.conf names a blocklist (the account stack never opens it); MFA devices (SPEC §10,
figure 6) belong to the auth stack, which the account stack never reads either.

| stack | Ir / txn | wall / txn | Ir / process |
|---|---:|---:|---:|
| pam_permit | ${cg_acct[permit]} | ${us_acct[permit]} µs | ${cg_proc[permit]} |
| pam_unix | ${cg_acct[unix]} | ${us_acct[unix]} µs | ${cg_proc[unix]} |
| pam_unix + pam_iampw | ${cg_acct[unix-iampw]} | ${us_acct[unix-iampw]} µs | ${cg_proc[unix-iampw]} |
| pam_iampw alone | ${cg_acct[iampw]} | ${us_acct[iampw]} µs | ${cg_proc[iampw]} |

Per transaction: adding pam_unix to pam_permit: $add_unix Ir; adding pam_iampw to pam_unix:
$add_iampw Ir ($(ratio "$add_iampw" "$add_unix")×; target no more than pam_unix adds: $acct_verdict;
target at most half: $half_verdict).
Per process: pam_unix adds $padd_unix Ir, pam_iampw adds $padd_iampw Ir
($(ratio "$padd_iampw" "$padd_unix")×; target at most half: $phalf_verdict).

## 4. iampw-admin over many accounts

Accounts appended to the sandbox's /etc/passwd and /etc/shadow, each with its own profile
written with iampw_profile_save (bench/gen).  Wall time and peak RSS from /usr/bin/time, in
the same run as the peers; the store and /etc are on the sandbox's tmpfs.  Targets (SPEC §8):
get-credential-report, list-users and check under 1 s each at 100,000 accounts with
profiles, growing linearly, peak RSS at most 16 MiB whatever the count ($big accounts:
$fig4_verdict); adopt-user --all over 100,000 accounts under 60 s, linear ($adopt_verdict).

| accounts | get-credential-report (json) | peak RSS | (text) | peak RSS | list-users | peak RSS | check | peak RSS |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|
EOF
	printf '%s' "$rows4" | awk -F'|' 'NF { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }'
	cat <<EOF

adopt-user --all adopts every account into an empty store; the peers list the same
accounts' password state: \`passwd -S -a\` once, and \`chage -l USER\` once per account.

| accounts | adopt-user --all | peak RSS | passwd -S -a | peak RSS | chage -l loop | peak RSS |
|---:|---:|---:|---:|---:|---:|---:|
EOF
	printf '%s' "$rows4b" | awk -F'|' 'NF { printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }'
	cat <<EOF

## 5. Peak RSS added by the module

VmHWM after one account transaction minus VmHWM before it (libpam loaded, no module yet):
pam_permit ${hwm_acct[permit]} kB, pam_unix ${hwm_acct[unix]} kB, pam_unix + pam_iampw
${hwm_acct[unix-iampw]} kB, pam_iampw alone ${hwm_acct[iampw]} kB: loading pam_iampw adds
$((${hwm_acct[iampw]} - ${hwm_acct[permit]})) kB beyond pam_permit.
Forced password change, whole-process VmHWM: stack (a) ${HWM[ours24]} kB, pam_unix alone
${HWM[unix]} kB, one bare hash ${HWM[hash]} kB (each holds one 16 MiB yescrypt hash at a
time): pam_iampw adds $((${HWM[ours24]} - ${HWM[unix]})) kB to pam_unix's peak.

## 6. The MFA auth step (SPEC §10), per transaction

pam_start_confdir + pam_authenticate + pam_end; Ir from one transaction, wall median of
$RUNS.  The step reads iampw.conf, policy.conf, the profile and every device file, asks
for the code, computes the codes of three time steps with liboath, and records the
accepted step (a locked, fsync'd rewrite of the device file, as for a profile).

| stack | Ir / txn | wall / txn |
|---|---:|---:|
| pam_permit | ${cg_auth[permit]} | ${us_auth[permit]} µs |
| pam_unix (yescrypt verify) | ${cg_auth[unix]} | ${us_auth[unix]} µs |
| pam_permit + pam_iampw mfa | ${cg_auth[mfa]} | ${us_auth[mfa]} µs |

The MFA step alone adds $((${cg_auth[mfa]} - ${cg_auth[permit]})) Ir to pam_permit; pam_unix's
password check adds $((${cg_auth[unix]} - ${cg_auth[permit]})) Ir.
EOF
}

{
	report
	report7
} >"$W/BENCHMARKS.md"
# A "Fleet" section written by hand (tests/ansible) is kept, at the end.
if [ -f "$S/docs/BENCHMARKS.md" ] && grep -q '^## Fleet' "$S/docs/BENCHMARKS.md"; then
	{ echo; sed -n '/^## Fleet/,$p' "$S/docs/BENCHMARKS.md"; } >>"$W/BENCHMARKS.md"
fi
mkdir -p "$S/docs"
cp "$W/BENCHMARKS.md" "$S/docs/BENCHMARKS.md"
cat "$W/BENCHMARKS.md"
