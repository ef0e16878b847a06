#!/bin/bash
# iampw-admin generate-credential-report / get-credential-report (SPEC
# §6.2) on real accounts, inside a throwaway copy of this host
# (tests/sandbox/sandbox.sh): IAM's 22 columns, the <root_account> row,
# one row per in-scope user with a profile or a usable password, sorted,
# and IAM's words for every state.  The CSV is parsed with python3's csv
# module, never with cut.
#
# The tool is found under $top_builddir (exported by `make check`), else
# relative to this script (an in-tree build).

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"

INSIDE_TESTS=38
OUTSIDE_TESTS=3

# --------------------------------------------------------------------------
# Inside the sandbox: its /etc, /run, /home are private copies.

admin_sandbox_files

# Fixed instants, so that every date in the report is known.
T_CREATE=1700000000      # 2023-11-14T22:13:20+00:00
T_CHANGED=1700086400     # a day later
T_USED=1700172800        # two days later
DAY=86400

iso() {
	date -u -d "@$1" +%Y-%m-%dT%H:%M:%S+00:00
}

# write_profile USER UID [LAST_USED] [FP]: our profile format
# (lib/profile.c), filed under UID, bound to USER's shadow entry (or FP).
write_profile() {
	local fp=${4:-$(account_fp "$1")}
	{
		echo "; written by test_report.sh"
		echo "[profile]"
		echo "user = $1"
		echo "uid = $2"
		echo "account = $fp"
		echo "create_date = $T_CREATE"
		echo "password_last_changed = $T_CHANGED"
		[ -n "${3:-}" ] && echo "password_last_used = $3"
		echo "password_reset_required = false"
	} >"$profiles/$2"
	chmod 0600 "$profiles/$2"
}

# shadow_changed USER: the last change shadow records, as seconds.
shadow_changed() {
	echo $(($(awk -F: -v u="$1" '$1 == u { print $3 }' /etc/shadow) * DAY))
}

write_policy() {
	{
		echo "[policy]"
		echo "minimum_password_length = 8"
		[ -n "${1:-}" ] && echo "max_password_age = $1"
	} >"$conf/policy.conf"
	chmod 0644 "$conf/policy.conf"
}

# csv_field CSVFILE USER COLUMN: one value, or "<no row>".
csv_field() {
	python3 - "$@" <<-'EOF'
		import csv, sys
		path, user, col = sys.argv[1:4]
		with open(path, newline="") as f:
		    rows = list(csv.DictReader(f))
		hit = [r for r in rows if r["user"] == user]
		print(hit[0][col] if hit else "<no row>")
	EOF
}

# csv_row CSVFILE USER: the whole row, re-joined with commas.
csv_row() {
	python3 - "$@" <<-'EOF'
		import csv, sys
		path, user = sys.argv[1:3]
		with open(path, newline="") as f:
		    rows = list(csv.reader(f))
		hit = [r for r in rows[1:] if r and r[0] == user]
		print(",".join(hit[0]) if len(hit) == 1 else "<%d rows>" % len(hit))
	EOF
}

# csv_check CSVFILE: header, root row first, users sorted, equal widths.
csv_check() {
	python3 - "$@" <<-'EOF'
		import csv, sys
		want = ("user,arn,user_creation_time,password_enabled,password_last_used,"
		        "password_last_changed,password_next_rotation,mfa_active,"
		        "access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,"
		        "access_key_1_last_used_region,access_key_1_last_used_service,"
		        "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
		        "access_key_2_last_used_region,access_key_2_last_used_service,"
		        "cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated").split(",")
		with open(sys.argv[1], newline="") as f:
		    rows = list(csv.reader(f))
		problems = []
		if rows[0] != want:
		    problems.append("header: %r" % rows[0])
		if len(rows) < 2 or rows[1][0] != "<root_account>":
		    problems.append("row 1 is not <root_account>")
		users = [r[0] for r in rows[2:]]
		if users != sorted(users):
		    problems.append("rows not sorted: %r" % users)
		if len(set(users)) != len(users):
		    problems.append("a user appears twice")
		for r in rows:
		    if len(r) != 22:
		        problems.append("%d fields: %r" % (len(r), r))
		print("\n".join(problems))
		sys.exit(1 if problems else 0)
	EOF
}

# json_get FILE KEY
json_get() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# The CSV inside the JSON answer.
json_csv() {
	python3 -c 'import base64, json, sys
sys.stdout.write(base64.b64decode(json.load(open(sys.argv[1]))["Content"], validate=True).decode())' "$1"
}

# A user row from its variable parts; no keys, MFA or certificates.
row() {
	local user=$1 created=$2 enabled=$3 used=$4 changed=$5 next=$6
	echo "$user,arn:linux:iam::$host:user/$user,$created,$enabled,$used,$changed,$next,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
}

setup() {
	local u
	umask 022
	mkdir -p "$conf" "$work" || bail_out "cannot create $conf, $work"
	mkdir -m 0700 "$state" "$profiles" || bail_out "cannot create $profiles"
	cat >"$conf/iampw.conf" <<-'EOF'
		[scope]
		min_uid = 1000
		max_uid = 60000
	EOF
	chmod 0644 "$conf/iampw.conf"
	write_policy ""

	# Names the host's /etc copy does not have (useradd refuses otherwise).
	for u in rpt_never rpt_used rpt_locked rpt_noprof rpt_nopw rpt_other; do
		useradd -M -s /bin/sh "$u" >&2 || return 1
	done
	useradd -M -r -s /usr/sbin/nologin rpt_sys >&2 || return 1
	# -c: chpasswd hashes itself, without the host's common-password.
	printf '%s\n' 'rpt_never:Pass#word1' 'rpt_used:Pass#word2' \
		'rpt_locked:Pass#word3' 'rpt_noprof:Pass#word4' 'rpt_sys:Pass#word5' \
		'rpt_other:Pass#word6' |
		chpasswd -c YESCRYPT >&2 || return 1
	passwd -l rpt_locked >&2 || return 1
	write_profile rpt_never "$(id -u rpt_never)"
	write_profile rpt_used "$(id -u rpt_used)" "$T_USED"
	write_profile rpt_locked "$(id -u rpt_locked)"
	# Out of scope, and no account at all: never reported.
	write_profile rpt_sys "$(id -u rpt_sys)"
	write_profile rpt_gone 4242
	# rpt_nopw: in scope, no profile, no usable password: not reported.
	# rpt_other: a profile left by a deleted account with rpt_other's uid
	# (another credential): none of its dates is rpt_other's (§3.1).
	write_profile rpt_other "$(id -u rpt_other)" "$T_USED" "$(printf '%064d' 9)"
}

inside() {
	local csv=$work/report.csv v rc

	host=$(uname -n)
	setup
	fail_unless "setup: users, passwords and profiles" test $? -eq 0

	# -- the report, no expiry in the policy -------------------------------
	admin get-credential-report
	rc=$?
	is "$rc" 0 "get-credential-report exits 0"
	is "$(cat "$err")" "" "nothing on stderr"
	json_csv "$out" >"$csv"
	fail_unless "Content is valid base64 of the CSV" test -s "$csv"
	is "$(json_get "$out" ReportFormat)" text/csv "ReportFormat is text/csv"
	v=$(json_get "$out" GeneratedTime)
	fail_unless "GeneratedTime is ISO 8601 UTC ($v)" \
		grep -Eqx '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00' <<<"$v"
	is "$(python3 -c 'import json, sys; print(list(json.load(open(sys.argv[1]))))' "$out")" \
		"['Content', 'ReportFormat', 'GeneratedTime']" "the JSON fields in AWS's order"
	fail_unless "22 columns in IAM's order, root first, users sorted" csv_check "$csv"
	is "$(tail -c 1 "$csv" | od -An -tx1 | tr -d ' ')" 0a "the last line ends with a newline"

	is "$(csv_row "$csv" '<root_account>')" \
		"<root_account>,arn:linux:iam::$host:root,not_supported,not_supported,no_information,not_supported,not_supported,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A" \
		"the root row: IAM's not_supported / no_information / false / N/A"
	is "$(csv_row "$csv" rpt_never)" \
		"$(row rpt_never "$(iso $T_CREATE)" true no_information "$(iso $T_CHANGED)" N/A)" \
		"never used: password_last_used no_information, no expiry: next rotation N/A"
	is "$(csv_row "$csv" rpt_used)" \
		"$(row rpt_used "$(iso $T_CREATE)" true "$(iso $T_USED)" "$(iso $T_CHANGED)" N/A)" \
		"used: password_last_used is the recorded instant"
	is "$(csv_row "$csv" rpt_locked)" \
		"$(row rpt_locked "$(iso $T_CREATE)" false N/A N/A N/A)" \
		"locked password: password_enabled false, password dates N/A"
	is "$(csv_row "$csv" rpt_noprof)" \
		"$(row rpt_noprof "$(iso "$(shadow_changed rpt_noprof)")" true no_information "$(iso "$(shadow_changed rpt_noprof)")" N/A)" \
		"usable password without a profile: an IAM user with a console password, dates from shadow"
	is "$(csv_row "$csv" rpt_other)" \
		"$(row rpt_other "$(iso "$(shadow_changed rpt_other)")" true no_information "$(iso "$(shadow_changed rpt_other)")" N/A)" \
		"a deleted account's profile under the same uid: none of its dates is reported"
	is "$(csv_row "$csv" rpt_nopw)" "<0 rows>" "no profile and no usable password: no row"
	is "$(csv_row "$csv" rpt_sys)" "<0 rows>" "a system account with a profile: out of scope, no row"
	is "$(csv_row "$csv" rpt_gone)" "<0 rows>" "a profile without an account: no row"
	is "$(csv_row "$csv" root)" "<0 rows>" "root has no user row"

	# -- --output text prints the CSV itself --------------------------------
	admin --output text get-credential-report
	is "$?" 0 "--output text exits 0"
	fail_unless "--output text prints the same CSV, byte for byte" cmp "$out" "$csv"

	# -- a policy with expiry: password_next_rotation ---------------------
	write_policy 90
	admin get-credential-report
	is "$?" 0 "with MaxPasswordAge = 90: exits 0"
	json_csv "$out" >"$csv"
	is "$(csv_field "$csv" rpt_never password_next_rotation)" \
		"$(iso $((T_CHANGED + 90 * DAY)))" "next rotation = last changed + 90 days"
	is "$(csv_row "$csv" rpt_used)" \
		"$(row rpt_used "$(iso $T_CREATE)" true "$(iso $T_USED)" "$(iso $T_CHANGED)" "$(iso $((T_CHANGED + 90 * DAY)))")" \
		"the whole row of a user whose password has expired"
	is "$(csv_field "$csv" rpt_noprof password_next_rotation)" \
		"$(iso $(($(shadow_changed rpt_noprof) + 90 * DAY)))" \
		"without a profile: next rotation from shadow's last change"
	is "$(csv_field "$csv" rpt_locked password_next_rotation)" N/A \
		"no password enabled: next rotation N/A even with expiry"
	is "$(csv_field "$csv" '<root_account>' password_next_rotation)" not_supported \
		"root: next rotation not_supported"
	fail_unless "still well-formed" csv_check "$csv"

	# -- generate-credential-report ----------------------------------------
	admin generate-credential-report
	is "$?" 0 "generate-credential-report exits 0"
	is "$(json_get "$out" State)" COMPLETE "State is COMPLETE"
	fail_unless "with a Description" test -n "$(json_get "$out" Description)"

	# -- failures ------------------------------------------------------------
	printf '[profile]\nthis line is no INI SECRETMARK\n' >"$profiles/$(id -u rpt_never)"
	admin get-credential-report
	is "$?" 254 "a corrupt profile: exit 254"
	fail_unless "ServiceFailure naming the file" \
		grep -q "(ServiceFailure) when calling the GetCredentialReport operation: .*$profiles/$(id -u rpt_never)" "$err"
	fail_if "the file's content is not quoted" grep -q SECRETMARK "$err"
	is "$(cat "$out")" "" "nothing on stdout"
	write_profile rpt_never "$(id -u rpt_never)"

	echo "colour = blue" >>"$conf/iampw.conf"
	admin get-credential-report
	is "$?" 253 "a broken iampw.conf: exit 253"
	fail_unless "the problem is named as file:line" grep -q "^$conf/iampw.conf:4:" "$err"
	is "$(cat "$out")" "" "nothing on stdout"

	inside_done
}

# --------------------------------------------------------------------------
# On the host.

# host_state: lib.sh's (the account files, /etc/iampw-test, /run/iampw-test).

admin_sandbox_main "useradd, chpasswd and iampw-admin run in a throwaway namespace sandbox" \
	useradd chpasswd passwd unshare python3 -- "$@"
