#!/bin/bash
# Build pam_iampw every way CI does and run every test:
#   1. the normal build (-Werror): make check (unit tests, corpus replays,
#      PAM tests through libpam: the tests any user can run), make
#      check-root (the sandbox, end-to-end, reliability and root-only
#      tests), then make check-valgrind (the PAM tests under memcheck)
#   2. an ASan+UBSan build: make check (in-process tests)
#   3. a clang libFuzzer build: make fuzz, FUZZ_SECONDS (default 60) per target
#   4. the reliability report from the logs, as the artefact
#      build/RELIABILITY.md (tools/reliability-doc.sh)
#   5. make distcheck (the tarball builds, tests, installs and uninstalls)
#   6. the Debian package: dpkg-buildpackage, lintian, and
#      tests/sandbox/test_deb.sh (apt-get install, passwd, apt-get purge)
# Builds go to build/<name>/ out of the source tree.  Prints one summary
# line "N passed, N failed" counted from the test logs, and exits 1 when
# anything failed.  Needs the packages of tools/deps.sh.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${FUZZ_SECONDS:-60}
results=$top/build/results.txt
mkdir -p build
: > "$results"

# step NAME COMMAND...: run a step, log it, record PASS/FAIL for the summary.
step() {
	local name=$1 log=$top/build/$1.log
	shift
	echo "== $name"
	if "$@" > "$log" 2>&1; then
		echo "PASS $name" >> "$results"
	else
		echo "FAIL $name" >> "$results"
		echo "-- $name failed; last lines of $log:"
		tail -n 40 "$log"
	fi
}

build() {
	local dir=$1
	shift
	rm -rf "build/$dir" && mkdir -p "build/$dir" && cd "build/$dir" &&
		"$top/configure" "$@" && make -j"$jobs"
	local rc=$?
	cd "$top"
	return $rc
}

check() {
	make -C "build/$1" -j"$jobs" check
}

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
	step bootstrap ./bootstrap
fi
# A configure run in the source tree blocks out-of-tree builds.
if [ -f config.status ]; then
	echo "tools/test-all.sh: the source tree is configured; run 'make distclean' first" >&2
	exit 2
fi

step build-default build default --enable-tests --enable-werror
step check-default check default
step check-root make -C build/default -j"$jobs" check-root
step check-valgrind make -C build/default check-valgrind
step build-sanitizers build sanitizers --enable-tests --enable-werror --enable-sanitizers \
	CFLAGS="-O1 -g"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	step check-sanitizers check sanitizers
step build-fuzz build fuzz --enable-fuzzing --enable-tests CC=clang CFLAGS="-O1 -g"
for t in $(sed -n 's/^FUZZ_NAMES = //p' tests/fuzz/fuzz.mk); do
	step "fuzz-$t" make -C build/fuzz fuzz FUZZ_NAMES=$t FUZZ_SECONDS="$fuzz_seconds"
	grep -h -E '^stat::(number_of_executed_units|new_units_added)' \
		"build/fuzz/tests/fuzz/fuzz_$t.out" 2>/dev/null | sed "s/^/   /"
done
# build/RELIABILITY.md: the table of the reliability tests and fuzz runs
# above, from their logs, kept as this run's artefact.  The committed
# docs/RELIABILITY.md is a person's (make reliability-doc) and is never
# written here; the step fails only when it does not name exactly the
# reliability cases and fuzz targets this run has (a case added, renamed
# or removed without refreshing it).
reliability_doc() {
	tools/reliability-doc.sh build/default build/fuzz >build/RELIABILITY.md || return 1
	if ! diff -u <(tools/reliability-doc.sh --cases docs/RELIABILITY.md) \
		<(tools/reliability-doc.sh --cases build/RELIABILITY.md); then
		echo "docs/RELIABILITY.md does not name the cases of this run (- only there, + only here):"
		echo "refresh it with make reliability-doc after a run of the reliability tests"
		return 1
	fi
}
step reliability-doc reliability_doc
step distcheck make -C build/default distcheck
# The Debian package: built from a copy of the tree and checked with
# lintian, failing on any E: or W: (tools/build-deb.sh, results in
# build/deb/), then installed, used and purged in the sandbox
# (tests/sandbox/test_deb.sh, counted below with the other tests).  That
# test skips when it is given no package: here a missing .deb or a skip
# fails the step.
deb_package() {
	local deb trs=build/default/tests/sandbox/test_deb.sh.trs
	tools/build-deb.sh || return 1
	deb=$(ls "$top"/build/deb/pam-iampw_*.deb 2>/dev/null | head -n 1)
	[ -f "$deb" ] || { echo "tools/build-deb.sh made no build/deb/pam-iampw_*.deb"; return 1; }
	# On a plain host, then on one with libpam-pwquality enabled (SPEC
	# §12: both give a working stack at once).  The first run's results
	# are kept under another name so that both are counted.
	DEB=$deb make -C build/default check TESTS=tests/sandbox/test_deb.sh || return 1
	if ! [ -f "$trs" ] || grep -q '^:test-result: SKIP' "$trs"; then
		echo "tests/sandbox/test_deb.sh did not run"
		return 1
	fi
	cp "$trs" "${trs%.trs}-plain.trs"
	DEB=$deb DEB_WITH_PWQUALITY=1 make -C build/default check TESTS=tests/sandbox/test_deb.sh || return 1
	if ! [ -f "$trs" ] || grep -q '^:test-result: SKIP' "$trs"; then
		echo "tests/sandbox/test_deb.sh (pwquality) did not run"
		return 1
	fi
}
step deb deb_package

# Count every test case in the automake logs (one .trs per test program,
# one ":test-result:" line per case), plus each step above.
count() {
	# distcheck's own tree (left behind when it fails) is counted as one step.
	find build/default build/sanitizers -path '*/pam_iampw-*' -prune -o \
		-name '*.trs' -exec cat {} + 2>/dev/null |
		grep -c -E "^:test-result: ($1)"
}
pass=$(( $(count 'PASS|XFAIL') + $(grep -c '^PASS' "$results") ))
fail=$(( $(count 'FAIL|XPASS|ERROR') + $(grep -c '^FAIL' "$results") ))
skipped=$(count SKIP)
echo
grep '^FAIL' "$results" | sed 's/^/failed step: /'
if [ "$skipped" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skipped skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
