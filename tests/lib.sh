# tests/lib.sh: TAP helpers for the shell tests.  Source it; POSIX sh and
# "local" (dash and bash have it).
#
#   plan N                    print the plan "1..N"
#   pass DESC / fail DESC     one result
#   fail_unless DESC CMD...   ok when CMD succeeds, else "not ok" plus the
#                             command and its exit status as diagnostics
#   fail_if DESC CMD...       ok when CMD fails
#   check DESC CMD... [--and CMD...]...
#                             one result, ok when every CMD succeeds; each
#                             CMD is a command as words (no shell syntax:
#                             a pipe or && goes into a small function),
#                             run in order, "!" before it negates it.
#                             When one fails: "not ok", each CMD that
#                             failed as "does not hold: CMD", then the
#                             test's check_diag (define it after sourcing
#                             this file to show the outputs a failure
#                             needs; by default nothing)
#   holds CMD... [--and CMD...]...
#                             check's conditions without the result: 0
#                             when every CMD succeeds, else 1 with one
#                             line per failed CMD in $HOLDS_FAILED
#   rc_is N                   $rc is N (for check, which reads $rc only
#                             when the condition runs)
#   stdout_empty / stderr_empty
#                             the file $out / $err is empty (the captured
#                             output of the command under test)
#   is GOT WANT DESC          ok when the two strings are equal
#   diag LINE...              each line as "# ..." on stdout
#   diag_file FILE            the lines of FILE as diagnostics
#   skip_all REASON           the whole test cannot run here: exit 77
#                             (tests/tap-wrap.sh turns it into a TAP skip)
#   bail_out REASON           "Bail out!", exit 99
#   done_testing              exit 0 when every result was ok, else 1
#
# Inside tests/sandbox/sandbox.sh (its /dev/log receiver writes every
# message as one line "FACILITY.SEVERITY TAG[PID]: MESSAGE" to $SANDBOX_LOG):
#   sandbox_log_sync [SECONDS]
#                             return 0 once every message sent to /dev/log
#                             before the call is in $SANDBOX_LOG (1 after
#                             SECONDS, default 5): after it, a grep that
#                             finds nothing means "not logged"
#   sandbox_wait_log [-F] PATTERN [SECONDS]
#                             wait until a line of $SANDBOX_LOG matches
#                             PATTERN (a grep basic regular expression, or
#                             with -F a fixed string): 0 as soon as one
#                             does, 1 after SECONDS (whole, default 2)
#   sandbox_log_clear         sync, then empty $SANDBOX_LOG
#
# Outside, for a test whose "SCRIPT --inside" half runs in the sandbox:
#   sandbox_outside SANDBOX_SH [NAME=VALUE...]
#                             run "$0 --inside" in SANDBOX_SH with those
#                             variables, after the plan; count the
#                             INSIDE_TESTS results it printed, then check
#                             that the sandbox set up its private mounts,
#                             that its host check passed and that the
#                             caller's host_state() is unchanged; ends
#                             the test (done_testing)
#
#
# The main of an iampw-admin test whose "SCRIPT --inside" half is its
# inside() function, run in the sandbox with ADMIN and top_builddir:
#   admin_sandbox_main REASON TOOL... -- "$@"
#                             with --inside (and inside the sandbox) run
#                             inside; else skip unless root (REASON says
#                             why root), bail out without each TOOL or the
#                             built iampw-admin, then sandbox_outside
#   admin_sandbox_files       set conf, work, state, profiles, out and err
#                             to the admin tests' files in the sandbox (the
#                             ones host_state watches); admin ARG... then
#                             runs $ADMIN on them, its stdout in $out and
#                             stderr in $err (unless the test defines its own)
#   inside_done               the end of inside(): a diagnostic when it ran
#                             another number of results than INSIDE_TESTS,
#                             then done_testing
#   host_state                unless the test defines its own: the account
#                             files and the test's /etc/iampw-test and
#                             /run/iampw-test
#
# CMD's own standard output goes to stderr so that nothing it prints can
# be read as a TAP line.  TAP_N counts results; a test whose results are
# produced by two processes may set it before its first result.

TAP_N=${TAP_N:-0}
TAP_FAILED=0
# iampw-admin, as the AWS CLI, prints in $AWS_DEFAULT_OUTPUT when no
# --output is given: the tests expect its default, JSON.
unset AWS_DEFAULT_OUTPUT

plan() {
	echo "1..$1"
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

diag_file() {
	[ -r "$1" ] && sed 's/^/# /' "$1"
	return 0
}

pass() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
}

fail_unless() {
	tap_desc=$1
	shift
	"$@" >&2
	tap_rc=$?
	if [ "$tap_rc" -eq 0 ]; then
		pass "$tap_desc"
	else
		fail "$tap_desc"
		diag "failed (exit status $tap_rc): $*"
	fi
	return "$tap_rc"
}

fail_if() {
	tap_desc=$1
	shift
	if "$@" >&2; then
		fail "$tap_desc"
		diag "succeeded but should not have: $*"
		return 1
	fi
	pass "$tap_desc"
	return 0
}

# holds_one N WORD...: run the first N WORDs as a command ("!" first
# negates it), its stdout to stderr; an empty command fails, so that a
# stray --and cannot make a condition that asserts nothing.  When it
# fails, HOLDS_CMD is the command, newlines shown as \n.
holds_one() {
	local ho_n=$1 ho_total ho_i=0 ho_rc ho_text
	shift
	ho_total=$#
	while [ "$ho_i" -lt "$ho_total" ]; do
		ho_i=$((ho_i + 1))
		[ "$ho_i" -le "$ho_n" ] && set -- "$@" "$1"
		shift
	done
	ho_text=${*:-(empty condition)}
	if [ "${1-}" = "!" ]; then
		shift
		[ $# -gt 0 ] && ! "$@" >&2
	else
		[ $# -gt 0 ] && "$@" >&2
	fi
	ho_rc=$?
	[ "$ho_rc" -eq 0 ] ||
		HOLDS_CMD=$(printf '%s\n' "$ho_text" | sed -e ':a' -e 'N' -e '$!ba' -e 's/\n/\\n/g')
	return "$ho_rc"
}

holds() {
	# local (dash and bash have it): a condition may itself call holds.
	local ho_len ho_w ho_failed=
	if [ $# -eq 0 ]; then
		HOLDS_FAILED="(no condition)"
		return 1
	fi
	while :; do
		ho_len=0
		for ho_w; do
			[ "$ho_w" = --and ] && break
			ho_len=$((ho_len + 1))
		done
		holds_one "$ho_len" "$@" ||
			ho_failed="$ho_failed${ho_failed:+
}$HOLDS_CMD"
		shift "$ho_len"
		[ $# -gt 0 ] || break
		shift	# the --and
		if [ $# -eq 0 ]; then
			ho_failed="$ho_failed${ho_failed:+
}(empty condition)"
			break
		fi
	done
	HOLDS_FAILED=$ho_failed
	[ -z "$ho_failed" ]
}

check_diag() {
	:
}

check() {
	local ck_desc=$1
	shift
	if holds "$@"; then
		pass "$ck_desc"
		return 0
	fi
	fail "$ck_desc"
	printf '%s\n' "$HOLDS_FAILED" | sed 's/^/# does not hold: /'
	check_diag
	return 1
}

rc_is() {
	[ "${rc:-}" = "$1" ]
}

stdout_empty() {
	[ -n "${out:-}" ] && [ ! -s "$out" ]
}

stderr_empty() {
	[ -n "${err:-}" ] && [ ! -s "$err" ]
}

is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
		return 0
	fi
	fail "$3"
	diag "got:  '$1'" "want: '$2'"
	return 1
}

skip_all() {
	# Printed before any plan, as tests/tap-wrap.sh expects.
	diag "$*"
	exit 77
}

bail_out() {
	echo "Bail out! $*"
	exit 99
}

done_testing() {
	[ "$TAP_FAILED" -eq 0 ] && exit 0
	diag "$TAP_FAILED of $TAP_N failed"
	exit 1
}

# shellcheck disable=SC2120 # SECONDS is optional
# account_fp USER: the account fingerprint a profile of USER records
# (lib/account.c), computed here independently from /etc/shadow: SHA-256
# of "pam_iampw account v1", a NUL, 0x01 (an entry exists) and the hash
# field without its leading '!' lock marks; 0x00 and nothing when USER
# has no shadow entry.
account_fp() {
	python3 - "$1" <<-'EOF'
		import hashlib, sys
		entry = None
		with open("/etc/shadow", "rb") as f:
		    for line in f:
		        fields = line.rstrip(b"\n").split(b":")
		        if fields[0] == sys.argv[1].encode():
		            entry = fields[1]
		            break
		data = b"pam_iampw account v1\0" + (b"\1" + entry.lstrip(b"!") if entry is not None else b"\0")
		print(hashlib.sha256(data).hexdigest())
	EOF
}

sandbox_log_sync() {
	python3 "${SANDBOX_SYSLOGD:?not inside sandbox.sh}" sync /dev/log "${1:-5}"
}

sandbox_wait_log() {
	tap_grep=-e
	if [ "$1" = -F ]; then
		tap_grep=-Fe
		shift
	fi
	# Tenths of a second; the first look comes after a sync, so a message
	# logged before the call is found at once.
	tap_left=$(( ${2:-2} * 10 ))
	sandbox_log_sync >&2
	while :; do
		grep -q "$tap_grep" "$1" "${SANDBOX_LOG:?not inside sandbox.sh}" && return 0
		[ "$tap_left" -gt 0 ] || return 1
		tap_left=$((tap_left - 1))
		sleep 0.1
	done
}

sandbox_log_clear() {
	sandbox_log_sync >&2 && : >"${SANDBOX_LOG:?not inside sandbox.sh}"
}

sandbox_outside() {
	sb_sh=$1
	shift
	sb_before=$(host_state)
	sb_err=$(mktemp) || bail_out "mktemp failed"
	env "$@" "$sb_sh" "$(cd "$(dirname "$0")" && pwd)/$(basename "$0")" --inside 2>"$sb_err"
	sb_rc=$?
	diag "sandbox exit status $sb_rc; its stderr:"
	diag_file "$sb_err"

	TAP_N=$INSIDE_TESTS
	fail_if "the sandbox set up and verified its private mounts" \
		grep -q '^sandbox: refusing' "$sb_err"
	if [ "$sb_rc" -ne 124 ] && [ "$(tail -n 1 "$sb_err")" = "sandbox: host unchanged" ]; then
		pass "the sandbox's host check passed"
	else
		fail "the sandbox's host check passed"
	fi
	is "$(host_state)" "$sb_before" "the host files this test watches are unchanged (checked by the test)"
	rm -f "$sb_err"
	# A sandbox that failed without a failed result (a crash) still fails.
	[ "$sb_rc" -eq 0 ] || TAP_FAILED=$((TAP_FAILED + 1))
	done_testing
}

admin_sandbox_main() {
	asm_reason=$1
	shift
	asm_tools=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		asm_tools="$asm_tools $1"
		shift
	done
	[ $# -gt 0 ] && shift
	if [ "${1:-}" = --inside ]; then
		[ "${SANDBOX:-}" = 1 ] || bail_out "--inside runs only inside sandbox.sh"
		inside
		return
	fi
	[ "$(id -u)" -eq 0 ] || skip_all "needs root: $asm_reason"
	for asm_tool in $asm_tools; do
		command -v "$asm_tool" >/dev/null 2>&1 ||
			bail_out "$asm_tool is not installed (tools/deps.sh)"
	done
	asm_builddir=$(cd "${top_builddir:-$here/../..}" && pwd) || bail_out "no build directory"
	asm_admin=$asm_builddir/iampw-admin/iampw-admin
	[ -x "$asm_admin" ] || bail_out "iampw-admin is not built: $asm_admin"
	plan $((INSIDE_TESTS + OUTSIDE_TESTS))
	sandbox_outside "$here/../sandbox/sandbox.sh" \
		ADMIN="$asm_admin" top_builddir="$asm_builddir"
}

inside_done() {
	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
	done_testing
}

host_state() {
	sha256sum /etc/passwd /etc/shadow /etc/group /etc/gshadow 2>&1
	ls -d /etc/iampw-test /run/iampw-test 2>&1
}

admin_sandbox_files() {
	conf=/etc/iampw-test
	work=/run/iampw-test
	state=$work/state
	profiles=$state/profiles
	out=$work/out
	err=$work/err
}

admin() {
	"$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" \
		--state-dir "$state" "$@" >"$out" 2>"$err"
}
