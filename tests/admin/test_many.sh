#!/bin/bash
# The verbs that walk every account (SPEC §8: bounded memory) on a host
# with 30,000 of them, inside a throwaway copy of this host
# (tests/sandbox/sandbox.sh): enough that their sorts spill to temporary
# files and are merged (iampw-admin/xsort.c), which a few test accounts
# never do.  Names of every length up to 40, listed in /etc/passwd in
# neither name nor uid order, every tenth password locked, one name listed
# twice (getpwnam's answer is the first).  Checked against what
# /etc/passwd and /etc/shadow say, read here with awk and python3:
#   adopt-user --all   adopts exactly the in-scope accounts with a usable
#                      password, listed in /etc/passwd's order
#   get-credential-report   one row per adopted account, sorted, with
#                      the dates of its shadow entry
#   list-users         every in-scope account once, sorted, with its uid
#   check              nothing to report, then exactly the problems made
# No time or memory is asserted (§8: measured by make bench).
#
# The tool is found under $top_builddir (exported by `make check`), else
# relative to this script (an in-tree build).

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"

INSIDE_TESTS=21
OUTSIDE_TESTS=3

N=30000
UIDBASE=300000
DAY=86400

admin_sandbox_files

# The name of account I: unique, 3 to 40 bytes.
name_awk='function name(i) { return sprintf("m%d%s", i, substr("abcdefghijklmnopqrstuvwxyzabcdefghijklmn", 1, i % 35)) }'

setup() {
	local hash
	umask 022
	mkdir -p "$conf" "$work" || return 1
	printf '[scope]\nmin_uid = 1000\nmax_uid = 4000000\n' >"$conf/iampw.conf"
	printf '[policy]\nmax_password_age = 90\n' >"$conf/policy.conf"
	chmod 0644 "$conf/iampw.conf" "$conf/policy.conf"
	useradd -M -s /bin/sh many_seed >&2 || return 1
	printf 'many_seed:Pass#word1\n' | chpasswd -c YESCRYPT >&2 || return 1
	hash=$(awk -F: '$1 == "many_seed" { print $2 }' /etc/shadow)
	# Listed in a scattered order: account (i * 7919) mod N at line i.
	awk -v n="$N" -v base="$UIDBASE" "$name_awk"'
		BEGIN { for (l = 0; l < n; l++) { i = (l * 7919) % n
			printf "%s:x:%d:%d::/nonexistent:/usr/sbin/nologin\n", name(i), base + i, base + i } }' \
		>>/etc/passwd || return 1
	awk -v n="$N" -v h="$hash" "$name_awk"'
		BEGIN { for (l = 0; l < n; l++) { i = (l * 7919) % n
			printf "%s:%s%s:%d:0:99999:7:::\n", name(i), (i % 10 == 3 ? "!" : ""), h, 19000 + i % 500 } }' \
		>>/etc/shadow || return 1
	# The first account listed, listed again last with another uid.
	awk -F: -v u=$((UIDBASE + 2 * N)) 'NR == FNR && /^m0:/ { print "m0:x:" u ":" u "::/nonexistent:/usr/sbin/nologin" }' \
		/etc/passwd /dev/null >>/etc/passwd || return 1
	mkdir -m 0700 "$state" "$profiles"
}

# The in-scope entries of /etc/passwd in its order, "name uid" (root and
# system accounts are out of scope: uid 1000..4000000).
in_scope() {
	awk -F: '$3 >= 1000 && $3 <= 4000000 { print $1, $3 }' /etc/passwd
}

# Names whose shadow entry is usable (not empty, not locked): the first entry of each.
usable() {
	awk -F: '!seen[$1]++ && $2 != "" && $2 !~ /^[!*]/ { print $1 }' /etc/shadow
}

inside() {
	local csv=$work/report.csv want got rc

	setup
	fail_unless "setup: $N accounts appended to the sandbox's /etc/passwd and /etc/shadow" \
		test $? -eq 0

	# -- adopt-user --all ------------------------------------------------------
	usable >"$work/usable"
	in_scope | awk 'NR == FNR { ok[$1] = 1; next } ok[$1] { print $1 }' "$work/usable" - \
		>"$work/adopt.want"
	admin adopt-user --all
	rc=$?
	is "$rc" 0 "adopt-user --all: exit 0"
	is "$(cat "$err")" "" "nothing on stderr"
	python3 -c 'import json, sys
for p in json.load(open(sys.argv[1]))["LoginProfiles"]:
    print(p["UserName"])' "$out" >"$work/adopt.got" 2>&1
	fail_unless "adopted: every in-scope account with a usable password, in /etc/passwd's order ($(wc -l <"$work/adopt.want") expected)" \
		cmp "$work/adopt.want" "$work/adopt.got"
	is "$(find "$profiles" -type f -name '[0-9]*' | wc -l)" "$(wc -l <"$work/adopt.want")" \
		"one profile file per adopted entry"
	admin adopt-user --all
	is "$?:$(cat "$out")" "0:{
    \"LoginProfiles\": []
}" "adopt-user --all again: an empty list"

	# -- get-credential-report -------------------------------------------------
	admin --output text get-credential-report
	is "$?" 0 "get-credential-report --output text: exit 0"
	cp "$out" "$csv"
	python3 - "$csv" "$work/adopt.want" <<-'EOF' >"$work/report.check" 2>&1
		import csv, sys
		rows = list(csv.reader(open(sys.argv[1], newline="")))
		users = [r[0] for r in rows[2:]]
		problems = []
		if rows[1][0] != "<root_account>":
		    problems.append("no root row")
		if users != sorted(users, key=lambda s: s.encode()):
		    problems.append("rows not in byte order")
		if len(set(users)) != len(users):
		    problems.append("a user twice")
		# Every adopted account, the other in-scope ones having no usable password.
		want = sorted(set(l.strip() for l in open(sys.argv[2])))
		if sorted(users) != want:
		    problems.append("users %d, want %d" % (len(users), len(want)))
		print("\n".join(problems))
		sys.exit(1 if problems else 0)
	EOF
	fail_unless "one row per adopted account, sorted by name, each once" \
		test $? -eq 0
	diag_file "$work/report.check"
	# Account 12345: its shadow entry says day 19000 + 12345 % 500.
	want=$(date -u -d "@$(( (19000 + 12345 % 500) * DAY ))" +%Y-%m-%dT%H:%M:%S+00:00)
	got=$(python3 -c 'import csv, sys
r = [r for r in csv.reader(open(sys.argv[1], newline="")) if r[0] == sys.argv[2]]
print(r[0][5] if r else "<no row>")' "$csv" "$(awk "$name_awk"' BEGIN { print name(12345) }')")
	is "$got" "$want" "a row's password_last_changed is its own shadow entry's"
	admin get-credential-report
	is "$?" 0 "get-credential-report (json): exit 0"
	python3 -c 'import base64, json, sys
sys.stdout.write(base64.b64decode(json.load(open(sys.argv[1]))["Content"], validate=True).decode())' \
		"$out" >"$work/report.json.csv"
	fail_unless "the JSON's Content is the same CSV" cmp "$csv" "$work/report.json.csv"

	# -- list-users ------------------------------------------------------------
	admin list-users
	is "$?" 0 "list-users: exit 0"
	in_scope | awk '!seen[$1]++' | LC_ALL=C sort >"$work/users.want"
	python3 -c 'import json, sys
for u in json.load(open(sys.argv[1]))["Users"]:
    print(u["UserName"], int(u["UserId"][4:]))' "$out" >"$work/users.got"
	fail_unless "every in-scope account once, sorted, with its own uid (the first of a name listed twice)" \
		cmp "$work/users.want" "$work/users.got"
	is "$(grep -c '^m0 ' "$work/users.got")" 1 "the name listed twice: once"

	# -- check -----------------------------------------------------------------
	admin check
	rc=$?
	is "$rc:$(cat "$err")" "0:" "check: nothing to report"
	# An orphan (no account has the uid), a group-readable profile, and an
	# account renamed behind the profile's back.
	cp "$profiles/$((UIDBASE + 7))" "$profiles/3999999"
	sed -i "s/^uid = .*/uid = 3999999/" "$profiles/3999999"
	chmod 0640 "$profiles/$((UIDBASE + 20001))"
	sed -i "s/^$(awk "$name_awk"' BEGIN { print name(29999) }'):/renamed29999:/" /etc/passwd /etc/shadow
	admin check
	rc=$?
	is "$rc" 253 "check with three problems: exit 253"
	is "$(wc -l <"$err")" 3 "three lines, one per problem"
	diag_file "$err"
	fail_unless "the profile of a uid no account has" \
		grep -q "^$profiles/3999999: no account has uid 3999999 any more" "$err"
	fail_unless "the group-readable profile" \
		grep -q "^$profiles/$((UIDBASE + 20001)): readable by group or others" "$err"
	fail_unless "the renamed account" \
		grep -q "^$profiles/$((UIDBASE + 29999)): the account renamed29999 (uid $((UIDBASE + 29999))) was renamed from" "$err"
	fail_unless "in the order of the file names" \
		test "$(cut -d: -f1 "$err" | LC_ALL=C sort)" = "$(cut -d: -f1 "$err")"

	inside_done
}

# --------------------------------------------------------------------------
# On the host.

# host_state: lib.sh's (the account files, /etc/iampw-test, /run/iampw-test).

admin_sandbox_main "useradd, chpasswd and iampw-admin run in a throwaway namespace sandbox" \
	useradd chpasswd unshare python3 -- "$@"
