#!/bin/bash
# The reliability report, from the logs of one test run: CI writes it as
# the build artefact build/RELIABILITY.md (tools/test-all.sh); a person
# refreshes the committed docs/RELIABILITY.md with `make reliability-doc`
# after a run of the reliability tests.
#
#   tools/reliability-doc.sh BUILDDIR [FUZZDIR] > REPORT.md
#
# BUILDDIR is a build tree after `make check` (its
# tests/reliability/test_*.sh.log), FUZZDIR one after `make fuzz` (its
# tests/fuzz/fuzz_*.out), both optional in effect: a missing log gives a
# row saying so.  Each TAP case "CASE: WHAT" of a reliability test is a
# row; its result is pass or FAIL plus the "# result: TEXT" diagnostic
# the test printed after it.  The sandbox's own three checks per test are
# left out (they are in the logs).
#
# --cases FILE prints only the "group | case" part of every row of a
# report, one per line, sorted: the names of the reliability cases and
# fuzz targets it covers.  test-all.sh compares the committed report with
# the run's on these alone, so the committed one must name every case and
# target there is, and no other; its wording and results are the person's
# who last ran `make reliability-doc`.
set -u

if [ "${1:-}" = --cases ]; then
	[ -r "${2:-}" ] || { echo "usage: reliability-doc.sh --cases FILE" >&2; exit 2; }
	awk -F' \\| ' '/^## / { g = substr($0, 4) }
		/^\| / && !/^\| (case|target) \|/ && !/^\|---/ { print g " | " substr($1, 3) }' "$2" |
		LC_ALL=C sort
	exit 0
fi

build=${1:?usage: reliability-doc.sh BUILDDIR [FUZZDIR]}
fuzz=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$top" status --porcelain --untracked-files=no 2>/dev/null | head -n 1)

md_escape() {
	sed -e 's/|/\\|/g'
}

cat <<EOF
# Reliability results

Written by \`make reliability-doc\` from the logs of one run of the
reliability tests (and of \`make fuzz\` when FUZZ_BUILDDIR was given): do
not edit by hand.  Run on $(date -u +%Y-%m-%d) at commit
$commit${dirty:+ (with uncommitted changes)}, $(nproc) cores, $(uname -sr).
CI writes the same report of its own run to \`build/RELIABILITY.md\`.

Each row is one automated test case; it fails when the property breaks.
The cases run as root in the throwaway sandbox (\`tests/sandbox/sandbox.sh\`:
private mount, PID and network namespaces, a private copy of /etc, a
private /dev/log) against real libpam loading the built \`pam_iampw.so\`,
the built \`iampw-admin\`, real users and real tmpfs disks.  The tests
are in \`tests/reliability/\`; the fuzz targets in \`tests/fuzz/\`.
EOF

table() {
	local title=$1 log=$2
	printf '\n## %s\n\n' "$title"
	if [ ! -r "$log" ]; then
		echo "No log: \`${log#"$build"/}\` was not produced by this run."
		return
	fi
	echo "| case | what was done | result |"
	echo "|---|---|---|"
	awk '
		function flush() {
			if (desc == "") return
			c = desc; w = ""
			i = index(desc, ": ")
			if (i > 0) { c = substr(desc, 1, i - 1); w = substr(desc, i + 2) }
			r = ok ? "pass" : "**FAIL**"
			if (res != "") r = r ": " res
			gsub(/\|/, "\\|", c); gsub(/\|/, "\\|", w); gsub(/\|/, "\\|", r)
			print "| " c " | " w " | " r " |"
			desc = ""; res = ""
		}
		/^(not )?ok [0-9]+ - / {
			flush()
			ok = ($1 == "ok")
			d = $0; sub(/^(not )?ok [0-9]+ - /, "", d)
			if (d ~ /^the sandbox|^the host files/) next
			desc = d
			next
		}
		/^# result: / && desc != "" { res = substr($0, 11); next }
		END { flush() }
	' "$log"
}

table "Hostile input" "$build/tests/reliability/test_hostile.sh.log"
table "Faults" "$build/tests/reliability/test_faults.sh.log"
table "Load and concurrency" "$build/tests/reliability/test_load.sh.log"
table "Secrets" "$build/tests/reliability/test_secrets.sh.log"

# target_what FILE: the first sentence of the "libFuzzer target: ..."
# comment at the top of a fuzz target.
target_what() {
	awk '
		/libFuzzer target: / { on = 1; sub(/.*libFuzzer target: /, "") }
		on && /^ *\*\/|^ *\* *$/ && text != "" { exit }
		on { sub(/^ *\* */, ""); sub(/ *\*\/ *$/, ""); text = text (text == "" ? "" : " ") $0 }
		END {
			i = index(text, ". ")
			if (i > 0) text = substr(text, 1, i - 1)
			sub(/\.$/, "", text)
			print text
		}' "$1" 2>/dev/null
}

printf '\n## Fuzzing\n\n'
echo "libFuzzer with ASan and UBSan (clang); any crash, leak or sanitizer report"
echo "fails the run.  Seeds in \`tests/fuzz/corpus/\`; \`make fuzz\` runs each"
echo "target for \`FUZZ_SECONDS\` (CI: 60)."
echo
echo "| target | what was done | result |"
echo "|---|---|---|"
for t in $(sed -n 's/^FUZZ_NAMES = //p' "$top/tests/fuzz/fuzz.mk"); do
	out=${fuzz:+$fuzz/tests/fuzz/fuzz_$t.out}
	if [ -z "$out" ] || [ ! -r "$out" ]; then
		echo "| fuzz_$t | not run | no output |"
		continue
	fi
	units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -n 1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$out" | tail -n 1)
	if grep -q -E '^==[0-9]+==ERROR|^SUMMARY: .*Sanitizer|deadly signal' "$out"; then
		r="**FAIL**: see fuzz_$t.out"
	elif [ -n "$units" ]; then
		r="pass: ${units} inputs${secs:+ in ${secs} s}, no crash or report"
	else
		r="**FAIL**: no statistics in fuzz_$t.out"
	fi
	echo "| fuzz_$t | $(target_what "$top/tests/fuzz/fuzz_$t.c" | md_escape) | $r |"
done
