#!/bin/bash
# iampw-admin check --against STANDARD (SPEC §9.3) and the policy presets
# (etc/policies/*.json): each preset applied with --cli-input-json makes
# its standard's policy rows pass; a host that lacks each thing a row asks
# for (blocklist, screening at login, context words, pam_faillock, a
# strong enough policy) gets FAIL with the remedy, and running that
# remedy makes the row pass; exit 0 only when every row passes, else 254;
# JSON, text and table are well-formed; the real AWS CLI's client-side
# validation accepts every preset.
#
# NIST's length 8 with MFA (SPEC §9.3, §10): MFA counts only when every
# service a password login goes through asks for the code after the
# password and every user in scope with a password has an enabled device.
# Each stack judged (enforced; missing in one service; optional; skipped
# by a jump; behind a sufficient module; reading other devices) is also
# run through real libpam (pamtester, the built module): a right password
# with a wrong code must fail exactly where check counts MFA.
#
# The PAM stack (/etc/pam.d, /etc/security/faillock.conf) is this test's
# own and accounts are added, so the test runs inside a throwaway copy of
# this host (tests/sandbox/sandbox.sh), whose /etc is private.

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"

INSIDE_TESTS=114
OUTSIDE_TESTS=3

# --------------------------------------------------------------------------
# Inside the sandbox.

conf=/etc/iampw-test
work=/run/iampw-test
state=$work/state
out=$work/out
err=$work/err
jsonq=$here/jsonq.py

admin() {
	"$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" \
		--state-dir "$state" "$@" >"$out" 2>"$err"
}

# The remedies name the tool as an administrator types it.
iampw-admin() {
	"$ADMIN" --config "$conf/iampw.conf" --state-dir "$state" "$@"
}

# row FIELD ID: FIELD of the requirement ID in the last JSON output, or <absent>.
row() {
	python3 - "$out" "$1" "$2" <<-'EOF'
		import json, sys
		doc = json.load(open(sys.argv[1]))
		rows = [r for r in doc["Requirements"] if r["Id"] == sys.argv[3]]
		print(rows[0].get(sys.argv[2], "<absent>") if len(rows) == 1 else "<no row>")
	EOF
}

# statuses: "ID=STATUS ..." of every row, in order.
statuses() {
	python3 - "$out" <<-'EOF'
		import json, sys
		doc = json.load(open(sys.argv[1]))
		print(" ".join("%s=%s" % (r["Id"], r["Status"]) for r in doc["Requirements"]))
	EOF
}

# preset NAME: apply etc/policies/NAME.json as an administrator would.
preset() {
	admin update-account-password-policy --cli-input-json "file://$top_srcdir/etc/policies/$1.json"
}

# write_conf [SCREENING-LINES...]: iampw.conf with a [screening] section.
write_conf() {
	{
		printf '[scope]\nmin_uid = 1000\nmax_uid = 60000\n[screening]\n'
		printf '%s\n' "$@"
	} >"$conf/iampw.conf"
	chmod 0644 "$conf/iampw.conf"
}

# faillock [ARGS] [DENY-IN-CONF]: a Debian common-auth with pam_faillock
# around pam_unix, and faillock.conf's deny (none when empty).
faillock() {
	cat >/etc/pam.d/common-auth <<-EOF
		auth	requisite			pam_faillock.so preauth
		auth	[success=2 default=ignore]	pam_unix.so nullok
		auth	[default=die]			pam_faillock.so authfail $1
		auth	requisite			pam_deny.so
		auth	required			pam_permit.so
	EOF
	printf '# faillock.conf\n' >/etc/security/faillock.conf
	[ -n "${2:-}" ] && printf 'deny = %s\n' "$2" >>/etc/security/faillock.conf
	[ -n "${3:-}" ] && printf 'unlock_time = %s\n' "$3" >>/etc/security/faillock.conf
	return 0
}

no_faillock() {
	cp "$work/common-auth.orig" /etc/pam.d/common-auth
	rm -f /etc/security/faillock.conf
}

# stack LINE...: common-auth of these auth lines, MFA standing for the
# built module's mfa line with this test's files.
stack() {
	local l
	for l; do
		printf 'auth %s\n' "${l//MFA/$IAMPW_SO mfa config=$conf/iampw.conf policy=$conf/policy.conf statedir=$state}"
	done >/etc/pam.d/common-auth
}

# Debian's common-auth with pam_faillock, up to where the Additional block begins.
PRIMARY=('requisite pam_faillock.so preauth' '[success=2 default=ignore] pam_unix.so nullok'
	'[default=die] pam_faillock.so authfail' 'requisite pam_deny.so' 'required pam_permit.so')

# code SEED OFFSET: oathtool's TOTP code OFFSET steps from now.
code() {
	oathtool --totp -b "$1" --now "@$(( $(date +%s) + $2 * 30 ))"
}

# Wait until at least 3 s remain in the current step, so that codes
# computed now are still current when they are checked.
fresh_step() {
	while [ $(( $(date +%s) % 30 )) -ge 27 ]; do sleep 1; done
}

# enable_device USER: a virtual MFA device enabled for USER; its seed in $work/USER.seed.
enable_device() {
	admin create-virtual-mfa-device --virtual-mfa-device-name "$1-phone" \
		--outfile "$work/$1.seed" --bootstrap-method Base32StringSeed || return 1
	fresh_step
	admin enable-mfa-device --user-name "$1" \
		--serial-number "arn:linux:iam::$(hostname):mfa/$1-phone" \
		--authentication-code1 "$(code "$(cat "$work/$1.seed")" -1)" \
		--authentication-code2 "$(code "$(cat "$work/$1.seed")" 0)"
}

# mfa_users: alice and bob with passwords and devices; carol without a password.
mfa_users() {
	local u
	for u in alice bob carol; do
		getent passwd "$u" >/dev/null && return 1
		useradd -m "$u" >&2 || return 1
	done
	printf 'alice:Kettle+Lamp+Fig7\nbob:Orbit[Stone]2Yak\n' | chpasswd >&2 &&
		enable_device alice && enable_device bob
}

# pam_login SERVICE USER PASSWORD [CODE]: a login through SERVICE with the
# real libpam and the built module (pamtester); 0 when it succeeds.
pam_login() {
	printf '%s\n%s\n' "$3" "${4:-}" | pamtester -v "$1" "$2" authenticate >"$work/pt" 2>&1
	grep -q 'successfully authenticated' "$work/pt"
}

# nist_mfa STATUS HOSTVALUE DESC: check's NIST-MFA row is exactly that (exit 254 on FAIL).
nist_mfa() {
	admin check --against nist-800-63b-4
	is "$?:$(row Status NIST-MFA):$(row HostValue NIST-MFA)" \
		"$([ "$1" = PASS ] && echo 0 || echo 254):$1:$2" "$3"
}

setup() {
	umask 022
	mkdir -p "$conf" "$work" /etc/security || return 1
	mkdir -m 0700 "$state" || return 1
	# A pam.d of this test's own: login and sshd run common-auth, every
	# other service is refused (none in /usr/lib/pam.d either).
	find /etc/pam.d -mindepth 1 -delete || return 1
	if [ -d /usr/lib/pam.d ]; then find /usr/lib/pam.d -mindepth 1 -delete || return 1; fi
	printf '%s required pam_deny.so\n' auth account password session >/etc/pam.d/other
	printf '@include common-auth\naccount required pam_permit.so\n' >/etc/pam.d/login
	cp /etc/pam.d/login /etc/pam.d/sshd || return 1
	printf 'password required pam_unix.so yescrypt\n' >/etc/pam.d/chpasswd
	printf 'auth [success=1 default=ignore] pam_unix.so nullok\nauth requisite pam_deny.so\nauth required pam_permit.so\n' \
		>"$work/common-auth.orig" || return 1
	printf 'password\n123456\nqwerty\n' | pwqfilter --create=100 -o "$conf/bl.pwq" 2>/dev/null &&
		chmod 0644 "$conf/bl.pwq" || return 1
	pwqfilter --create=100 -o "$conf/empty.pwq" </dev/null 2>/dev/null &&
		chmod 0644 "$conf/empty.pwq" || return 1
	write_conf "blocklist = $conf/bl.pwq" "at_login = yes" "context = yes"
	faillock "" 5 900
}

# aws_validates FILE: the AWS CLI's own parameter validation accepts FILE
# (offline: the request then fails to connect to a closed local port).
aws_validates() {
	AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=example \
	AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 AWS_CONFIG_FILE=/dev/null \
	AWS_SHARED_CREDENTIALS_FILE=/dev/null HOME=$work \
		/usr/bin/aws iam update-account-password-policy --cli-input-json "file://$1" \
		--endpoint-url http://127.0.0.1:9 >"$out" 2>"$err"
	! grep -q 'Parameter validation failed' "$err" && grep -q 'Could not connect' "$err"
}

inside() {
	local std rows n remedy width
	setup
	fail_unless "setup: configuration, filters and a pam_faillock stack" test $? -eq 0

	# -- the presets ---------------------------------------------------------
	for std in iam-default nist-800-63b-4 cis-debian-12; do
		fail_unless "$std.json is one JSON object" python3 "$jsonq" valid \
			"$top_srcdir/etc/policies/$std.json"
		fail_unless "$std.json: the AWS CLI's validation accepts it" \
			aws_validates "$top_srcdir/etc/policies/$std.json"
	done
	printf '{"MinimumPasswordLength": 15, "Bogus": true}\n' >"$work/bad.json"
	fail_if "(and refuses a request field IAM does not have)" aws_validates "$work/bad.json"

	preset nist-800-63b-4
	is "$?" 0 "nist-800-63b-4.json applies with --cli-input-json"
	admin get-account-password-policy
	is "$(python3 "$jsonq" get "$out" PasswordPolicy)" \
		'{"MinimumPasswordLength":15,"RequireSymbols":false,"RequireNumbers":false,"RequireUppercaseCharacters":false,"RequireLowercaseCharacters":false,"AllowUsersToChangePassword":true,"ExpirePasswords":false,"HardExpiry":false}' \
		"NIST: length 15, no composition rules, no expiry, users may change"
	admin check --against nist-800-63b-4
	is "$?" 0 "NIST preset + blocklist + at_login + context + faillock: exit 0"
	is "$(statuses)" "NIST-LENGTH=PASS NIST-MFA=PASS NIST-MAX-LENGTH=PASS NIST-UNICODE=PASS NIST-COMPOSITION=PASS NIST-EXPIRY=PASS NIST-BLOCKLIST=PASS NIST-CONTEXT=PASS NIST-COMPROMISE=PASS NIST-RATE-LIMIT=PASS" \
		"every NIST row passes"
	is "$(python3 "$jsonq" get "$out" Summary)" \
		'{"Requirements":10,"Passed":10,"Failed":0,"Compliant":true}' "the summary"
	fail_unless "the standard names its installed preset" \
		grep -q '/iampw/policies/nist-800-63b-4\.json$' <<<"$(python3 "$jsonq" raw "$out" Standard.Preset)"
	is "$(row HostValue NIST-BLOCKLIST)" "$conf/bl.pwq: 3 entries" \
		"the blocklist's path and entry count"
	is "$(row HostValue NIST-MAX-LENGTH)" "128 characters (511 bytes of UTF-8)" \
		"the maximum length pam_iampw allows"
	is "$(row HostValue NIST-RATE-LIMIT)" "pam_faillock deny = 5 (/etc/security/faillock.conf)" \
		"faillock.conf's deny"
	is "$(row Remedy NIST-LENGTH)" "<absent>" "no remedy on a PASS row"
	admin check --against cis-debian-12
	is "$?" 254 "the NIST policy against CIS: exit 254"
	is "$(row Status CIS-5.3.3.2.2) $(row Status CIS-5.3.3.2.3)" "PASS FAIL" \
		"CIS: NIST's length 15 meets 14, its lack of character types does not"
	preset cis-debian-12
	is "$?" 0 "cis-debian-12.json applies"
	admin check --against cis-debian-12
	is "$?" 0 "CIS preset + blocklist + faillock deny 5, unlock_time 900: exit 0"
	is "$(statuses)" "CIS-5.3.3.2.2=PASS CIS-5.3.3.2.3=PASS CIS-5.3.3.2.6=PASS CIS-5.3.3.3.1=PASS CIS-5.4.1.1=PASS CIS-5.4.1.3=PASS CIS-5.3.3.1.1=PASS CIS-5.3.3.1.2=PASS" \
		"every CIS row passes"
	admin check --against nist-800-63b-4
	is "$?" 254 "the CIS policy against NIST: exit 254"
	is "$(row Status NIST-COMPOSITION) $(row Status NIST-EXPIRY) $(row Status NIST-LENGTH)" \
		"FAIL FAIL FAIL" "NIST: composition rules, expiry and length 14 fail"
	is "$(row HostValue NIST-LENGTH)" "14; MFA at password logins: not counted" \
		"MFA is reported as not counted"
	is "$(row HostValue NIST-MFA)" \
		"not counted: not every password login asks for the code: common-auth: pam_unix.so at /etc/pam.d/common-auth:2 accepts the password and no 'auth ... pam_iampw.so mfa' line asks for a code (likewise: login, sshd); the minimum length is 14" \
		"NIST's length 8 needs MFA: no mfa line, named with the services that lack it"
	preset iam-default
	is "$?" 0 "iam-default.json applies"
	admin check --against iam-default
	is "$?" 0 "the IAM preset against iam-default: exit 0"
	is "$(statuses)" "IAM-LENGTH=PASS IAM-TYPES=PASS IAM-MAX-LENGTH=PASS IAM-CHANGE=PASS" \
		"every IAM row passes"
	admin delete-account-password-policy
	admin check --against iam-default
	is "$?" 0 "no custom policy (IAM's default) against iam-default: exit 0"
	is "$(row HostValue IAM-TYPES)" "at least 3 of the 4 types (IAM's default policy)" \
		"the default policy's three-of-four rule"

	# -- a weaker policy: FAIL, and the remedy makes it pass -----------------
	admin update-account-password-policy --minimum-password-length 6 --require-numbers \
		--max-password-age 90 --password-reuse-prevention 3
	admin check --against iam-default
	is "$?" 254 "a weaker policy against iam-default: exit 254"
	is "$(row Status IAM-LENGTH) $(row Status IAM-TYPES) $(row Status IAM-CHANGE)" \
		"FAIL FAIL FAIL" "length 6, one type, no user changes: FAIL"
	remedy=$(row Remedy IAM-LENGTH)
	is "$remedy" "iampw-admin --policy $conf/policy.conf update-account-password-policy --minimum-password-length 8 --no-require-symbols --require-numbers --no-require-uppercase-characters --no-require-lowercase-characters --no-allow-users-to-change-password --max-password-age 90 --password-reuse-prevention 3 --no-hard-expiry" \
		"the remedy is a full replace that keeps every other value"
	# A remedy is a command line for a shell, quoting included: eval runs
	# it as a person pasting it would (the only eval left in the tests).
	eval "$remedy" >&2
	admin check --against iam-default
	is "$(row Status IAM-LENGTH) $(row Status IAM-TYPES)" "PASS FAIL" \
		"running the length remedy fixes that row only"
	eval "$(row Remedy IAM-TYPES)" >&2
	admin check --against iam-default
	eval "$(row Remedy IAM-CHANGE)" >&2
	admin check --against iam-default
	is "$?" 0 "after each row's remedy: exit 0"
	admin get-account-password-policy
	is "$(python3 "$jsonq" get "$out" PasswordPolicy.MaxPasswordAge) $(python3 "$jsonq" get "$out" PasswordPolicy.PasswordReusePrevention)" \
		"90 3" "the remedies kept the values they did not fix"

	admin check --against nist-800-63b-4
	for n in NIST-LENGTH NIST-COMPOSITION NIST-EXPIRY; do
		eval "$(row Remedy "$n")" >&2
		admin check --against nist-800-63b-4
		is "$(row Status "$n")" PASS "NIST: the remedy of $n makes it pass"
	done
	admin check --against nist-800-63b-4
	is "$?" 0 "and then the whole NIST report passes"

	admin update-account-password-policy --minimum-password-length 14 --require-symbols \
		--require-numbers --require-uppercase-characters --require-lowercase-characters \
		--max-password-age 400 --password-reuse-prevention 5
	admin check --against cis-debian-12
	is "$(row Status CIS-5.4.1.1) $(row Status CIS-5.3.3.3.1)" "FAIL FAIL" \
		"CIS: expiry after 400 days and reuse 5 fail"
	fail_unless "the expiry remedy sets 365 days" \
		grep -q -- "--max-password-age 365 " <<<"$(row Remedy CIS-5.4.1.1)"
	fail_unless "the reuse remedy sets 24" \
		grep -q -- "--password-reuse-prevention 24 " <<<"$(row Remedy CIS-5.3.3.3.1)"
	eval "$(row Remedy CIS-5.4.1.1)" >&2
	admin check --against cis-debian-12
	eval "$(row Remedy CIS-5.3.3.3.1)" >&2
	admin check --against cis-debian-12
	is "$?" 0 "CIS: after both remedies, exit 0"

	# -- screening -----------------------------------------------------------
	preset nist-800-63b-4
	write_conf "at_login = yes" "context = yes"
	admin check --against nist-800-63b-4
	is "$?" 254 "no blocklist: exit 254"
	is "$(row Status NIST-BLOCKLIST) $(row HostValue NIST-BLOCKLIST)" "FAIL not configured" \
		"no blocklist: FAIL, not configured"
	fail_unless "its remedy: build one with pwqfilter and set blocklist in iampw.conf" \
		grep -qF "pwqfilter --create=1100000 -o /etc/iampw/blocklist.pwq < words.txt', and set 'blocklist = /etc/iampw/blocklist.pwq' in the [screening] section of $conf/iampw.conf" \
		<<<"$(row Remedy NIST-BLOCKLIST)"
	is "$(row Status NIST-COMPROMISE) $(row HostValue NIST-COMPROMISE)" \
		"FAIL at_login = yes, but no blocklist: nothing is screened" \
		"at_login without a blocklist screens nothing: FAIL"
	admin check --against cis-debian-12
	is "$(row Status CIS-5.3.3.2.6)" FAIL "CIS dictionary check without a blocklist: FAIL"
	write_conf "blocklist = $conf/missing.pwq" "at_login = yes" "context = yes"
	admin check --against nist-800-63b-4
	fail_unless "a configured filter that is missing: FAIL, named" \
		grep -q "^cannot be used: $conf/missing.pwq: " <<<"$(row HostValue NIST-BLOCKLIST)"
	write_conf "blocklist = $conf/empty.pwq" "at_login = yes" "context = yes"
	admin check --against nist-800-63b-4
	is "$(row Status NIST-BLOCKLIST) $(row HostValue NIST-BLOCKLIST)" \
		"FAIL $conf/empty.pwq: 0 entries" "an empty filter: FAIL"
	write_conf "blocklist = $conf/bl.pwq" "at_login = no" "context = no"
	admin check --against nist-800-63b-4
	is "$?" 254 "at_login and context off: exit 254"
	is "$(row Status NIST-COMPROMISE) $(row Remedy NIST-COMPROMISE)" \
		"FAIL set 'at_login = yes' in the [screening] section of $conf/iampw.conf" \
		"at_login off: FAIL, with the setting to add"
	is "$(row Status NIST-CONTEXT) $(row Remedy NIST-CONTEXT)" \
		"FAIL set 'context = yes' in the [screening] section of $conf/iampw.conf" \
		"context off: FAIL, with the setting to add"
	write_conf "blocklist = $conf/bl.pwq" "at_login = yes" "context = yes"
	printf '[account]\nwarn_days = 3\n' >>"$conf/iampw.conf"
	admin check --against cis-debian-12
	is "$(row Status CIS-5.4.1.3) $(row Remedy CIS-5.4.1.3)" \
		"FAIL set 'warn_days = 7' in the [account] section of $conf/iampw.conf" \
		"CIS: a 3-day warning: FAIL"
	write_conf "blocklist = $conf/bl.pwq" "at_login = yes" "context = yes"

	# -- pam_faillock ----------------------------------------------------------
	preset nist-800-63b-4
	no_faillock
	admin check --against nist-800-63b-4
	is "$?" 254 "no pam_faillock: exit 254"
	is "$(row Status NIST-RATE-LIMIT)" FAIL "no pam_faillock: FAIL"
	fail_unless "its remedy names the lines and the deny setting" \
		grep -qF "'auth [default=die] pam_faillock.so authfail' right after it in /etc/pam.d/common-auth, 'account required pam_faillock.so' in /etc/pam.d/common-account, and set 'deny = 5' in /etc/security/faillock.conf" \
		<<<"$(row Remedy NIST-RATE-LIMIT)"
	faillock "" ""
	admin check --against nist-800-63b-4
	is "$(row Status NIST-RATE-LIMIT) $(row HostValue NIST-RATE-LIMIT)" \
		"PASS pam_faillock deny = 3 (its default)" "no deny anywhere: pam_faillock's 3"
	admin check --against cis-debian-12
	is "$(row Status CIS-5.3.3.1.2) $(row HostValue CIS-5.3.3.1.2)" \
		"FAIL pam_faillock unlock_time = 600" "CIS: the default unlock_time 600 fails"
	faillock "" 10 900
	admin check --against cis-debian-12
	is "$(row Status CIS-5.3.3.1.1) $(row Remedy CIS-5.3.3.1.1)" \
		"FAIL set 'deny = 5' in /etc/security/faillock.conf (and remove any such argument from the pam_faillock.so lines of /etc/pam.d/common-auth)" \
		"CIS: deny 10 fails (1 to 5)"
	admin check --against nist-800-63b-4
	is "$(row Status NIST-RATE-LIMIT)" PASS "NIST: deny 10 passes (at most 100)"
	faillock "deny=200" 5
	admin check --against nist-800-63b-4
	is "$(row Status NIST-RATE-LIMIT) $(row HostValue NIST-RATE-LIMIT)" \
		"FAIL pam_faillock deny = 200 (/etc/pam.d/common-auth)" \
		"a module argument overrides faillock.conf: deny=200 fails"
	faillock "deny=0"
	admin check --against nist-800-63b-4
	is "$(row Status NIST-RATE-LIMIT)" FAIL "deny=0 (never locks): FAIL"
	printf 'auth requisite pam_faillock.so preauth deny=3\n@include common-auth-tail\n' \
		>/etc/pam.d/common-auth
	admin check --against nist-800-63b-4
	is "$(row Status NIST-RATE-LIMIT)" FAIL "a preauth line alone records nothing: FAIL"
	faillock "" 5 900

	# -- MFA: NIST's length 8 -------------------------------------------------
	# Each stack: check's verdict, and alice's right password with a wrong
	# code through real libpam, which must fail exactly where MFA counts.
	mfa_users
	fail_unless "MFA setup: alice and bob with passwords and enabled devices, carol with none" \
		test $? -eq 0
	preset nist-800-63b-4
	admin update-account-password-policy --minimum-password-length 8 --allow-users-to-change-password
	stack "${PRIMARY[@]}" 'requisite MFA'
	admin check --against nist-800-63b-4
	is "$?" 0 "length 8, the mfa line after the password everywhere, a device for everyone: exit 0"
	is "$(row Status NIST-LENGTH):$(row HostValue NIST-LENGTH)" "PASS:8; MFA at password logins: yes" \
		"NIST-LENGTH: 8 characters pass as part of MFA"
	is "$(row Status NIST-MFA):$(row HostValue NIST-MFA)" \
		"PASS:MFA at every password login: 3 PAM services ask for the code after the password, and each of the 2 users in scope with a password has an enabled device" \
		"NIST-MFA counts it: common-auth, login, sshd; carol has no password and is not counted"
	fail_if "libpam: alice's password and a wrong code are refused" \
		pam_login login alice Kettle+Lamp+Fig7 "$(code "$(cat "$work/alice.seed")" -1000)"
	fresh_step
	fail_unless "libpam: alice's password and the right code get in" \
		pam_login login alice Kettle+Lamp+Fig7 "$(code "$(cat "$work/alice.seed")" 1)"
	admin --output text check --against nist-800-63b-4
	fail_unless "text output: the NIST-MFA row on one line" \
		grep -q '^REQUIREMENTS	MFA at every password login: 3 PAM services [^	]*	NIST-MFA	SP 800-63B-4 3.1.1.2	A minimum length under 15 characters needs a second factor at every password login	PASS$' "$out"
	admin update-account-password-policy --minimum-password-length 6 --allow-users-to-change-password
	admin check --against nist-800-63b-4
	is "$(row Status NIST-LENGTH)" FAIL "length 6 fails even with MFA"
	fail_unless "and its remedy asks for 8, enough with MFA" \
		grep -q -- "--minimum-password-length 8 " <<<"$(row Remedy NIST-LENGTH)"
	admin update-account-password-policy --minimum-password-length 8 --allow-users-to-change-password

	printf 'auth [success=1 default=ignore] pam_unix.so nullok\nauth requisite pam_deny.so\nauth required pam_permit.so\n' \
		>/etc/pam.d/sshd
	nist_mfa FAIL "not counted: not every password login asks for the code: sshd: pam_unix.so at /etc/pam.d/sshd:1 accepts the password and no 'auth ... pam_iampw.so mfa' line asks for a code; the minimum length is 8" \
		"missing in one service (sshd's own stack): FAIL, exit 254, the service named"
	is "$(row Status NIST-LENGTH)" FAIL "NIST-LENGTH: 8 fails without MFA"
	fail_unless "the remedy: 15 characters, as a whole policy command" \
		grep -qF "require 15 characters: iampw-admin --policy $conf/policy.conf update-account-password-policy --minimum-password-length 15 " <<<"$(row Remedy NIST-MFA)"
	fail_unless "(the stack part names the shipped profile)" \
		grep -qF "'pam-auth-update --enable iampw-mfa' puts 'auth requisite pam_iampw.so mfa' after pam_permit" <<<"$(row Remedy NIST-MFA)"
	fail_unless "libpam: through sshd a wrong code gets in" \
		pam_login sshd alice Kettle+Lamp+Fig7 000000
	fail_if "libpam: through login it does not" pam_login login alice Kettle+Lamp+Fig7 000000
	cp /etc/pam.d/login /etc/pam.d/sshd

	stack "${PRIMARY[@]}" 'optional MFA'
	nist_mfa FAIL "not counted: not every password login asks for the code: common-auth: 'optional pam_iampw.so' at /etc/pam.d/common-auth:6 lets the login through after a wrong code (auth_err: ignore) (likewise: login, sshd); the minimum length is 8" \
		"an optional mfa line: FAIL, a wrong code is ignored"
	fail_unless "libpam: with it a wrong code gets in" pam_login login alice Kettle+Lamp+Fig7 000000

	stack "${PRIMARY[0]}" '[success=3 default=ignore] pam_unix.so nullok' "${PRIMARY[2]}" \
		"${PRIMARY[3]}" 'requisite MFA' "${PRIMARY[4]}"
	nist_mfa FAIL "not counted: not every password login asks for the code: common-auth: success=3 of '[success=3 default=ignore] pam_unix.so' at /etc/pam.d/common-auth:2 skips the mfa line at /etc/pam.d/common-auth:5 (likewise: login, sshd); the minimum length is 8" \
		"pam_unix's success jumping over the mfa line: FAIL, the jump named"
	fail_unless "libpam: the code is never asked" pam_login login alice Kettle+Lamp+Fig7 000000

	stack "${PRIMARY[@]:0:4}" 'sufficient pam_permit.so' 'requisite MFA'
	nist_mfa FAIL "not counted: not every password login asks for the code: common-auth: 'sufficient pam_permit.so' at /etc/pam.d/common-auth:5 ends the stack on success after pam_unix.so at /etc/pam.d/common-auth:2 accepts the password, before the mfa line at /etc/pam.d/common-auth:6 (likewise: login, sshd); the minimum length is 8" \
		"a sufficient module before the mfa line: FAIL"
	fail_unless "libpam: the stack ends before the code" pam_login login alice Kettle+Lamp+Fig7 000000

	stack "${PRIMARY[@]}" "requisite $IAMPW_SO mfa config=$conf/iampw.conf statedir=$work/elsewhere"
	nist_mfa FAIL "not counted: not every password login asks for the code: common-auth: the mfa line at /etc/pam.d/common-auth:6 reads $conf/iampw.conf and the devices of $work/elsewhere, but check counted $conf/iampw.conf and $state (likewise: login, sshd); the minimum length is 8" \
		"an mfa line reading another state directory: FAIL"
	fail_unless "libpam: there alice has no device and is let through" \
		pam_login login alice Kettle+Lamp+Fig7 000000

	stack "${PRIMARY[@]}" 'requisite MFA'
	admin deactivate-mfa-device --user-name bob --serial-number "arn:linux:iam::$(hostname):mfa/bob-phone"
	nist_mfa FAIL "not counted: 1 of the 2 users in scope with a password has no enabled MFA device: bob; the minimum length is 8" \
		"bob without a device: FAIL, bob named"
	fail_unless "the remedy gives bob a device with the tool's own paths" \
		grep -qF "give each user in scope with a password an enabled device (bob): 'iampw-admin --config $conf/iampw.conf --state-dir $state create-virtual-mfa-device --virtual-mfa-device-name NAME" <<<"$(row Remedy NIST-MFA)"
	fail_unless "libpam: bob gets in with his password alone" pam_login login bob 'Orbit[Stone]2Yak'
	eval "$(row Remedy NIST-LENGTH)" >&2
	admin check --against nist-800-63b-4
	is "$?:$(row Status NIST-LENGTH):$(row Status NIST-MFA)" "0:PASS:PASS" \
		"the length remedy (15) makes both rows pass: MFA is then not needed"
	userdel -r carol >&2 2>/dev/null
	userdel -r bob >&2 2>/dev/null

	# -- output formats --------------------------------------------------------
	preset cis-debian-12
	admin check --against cis-debian-12
	rows=$?
	is "$rows" 0 "JSON: exit 0 on a compliant host"
	fail_unless "JSON: one document" python3 "$jsonq" valid "$out"
	is "$(python3 "$jsonq" keys "$out")" "Standard Requirements Summary" "JSON: the top-level keys"
	is "$(python3 "$jsonq" keys "$out" Requirements.0)" "Id Reference Requirement HostValue Status" \
		"JSON: a passing row's keys"
	admin --output text check --against cis-debian-12
	is "$?" "$rows" "text: the same exit status"
	is "$(grep -c '^REQUIREMENTS	' "$out")" 8 "text: one REQUIREMENTS line per row"
	is "$(grep -c -v -e '^REQUIREMENTS	' -e '^STANDARD	' -e '^SUMMARY	' "$out")" 0 \
		"text: nothing else but STANDARD and SUMMARY"
	fail_unless "text: the summary" grep -qx 'SUMMARY	True	0	8	8' "$out"
	admin check --against cis-debian-12 --output table
	is "$?" 0 "table: exit 0 (--output after the verb)"
	width=$(awk '{ print length($0) }' "$out" | sort -u | wc -l)
	is "$width" 1 "table: every line has the same width"
	fail_unless "table: titled Check" grep -q '^| *Check *|$' "$out"
	is "$(grep -c '|  CIS-' "$out")" 8 "table: every row"

	# -- errors and the plain check ------------------------------------------
	admin check --against nist
	is "$?" 252 "an unknown standard: exit 252"
	fail_unless "with the valid choices" grep -qF \
		"argument --against: Invalid choice, valid choices are: iam-default | nist-800-63b-4 | cis-debian-12" "$err"
	admin get-account-password-policy --against nist-800-63b-4
	is "$?" 252 "--against belongs to check only"
	admin check --against
	is "$?" 252 "--against without a value: exit 252"
	printf '[policy]\nminimum_password_length = 5\n' >"$conf/policy.conf"
	admin check --against nist-800-63b-4
	is "$?" 253 "a broken policy.conf: exit 253 (nothing can be judged)"
	is "$(cat "$out")" "" "and nothing on stdout"
	fail_unless "the problem on stderr" grep -q "$conf/policy.conf:2: " "$err"
	preset nist-800-63b-4
	no_faillock
	write_conf
	admin check
	is "$?:$(cat "$out" "$err")" "0:" \
		"plain check on a host that fails every standard: still exit 0, silent"

	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
	done_testing
}

# --------------------------------------------------------------------------
# On the host.

host_state() {
	sha256sum /etc/passwd /etc/shadow /etc/group 2>&1
	find /etc/pam.d -type f -exec sha256sum {} + 2>&1 | sort
	ls -d /etc/iampw-test /run/iampw-test /etc/security/faillock.conf /home/alice 2>&1
}

outside() {
	local builddir srcdir tool so
	[ "$(id -u)" -eq 0 ] ||
		skip_all "needs root: the PAM stack files are rewritten in a throwaway namespace sandbox"
	for tool in unshare pwqfilter python3 /usr/bin/aws pamtester oathtool useradd chpasswd; do
		command -v "$tool" >/dev/null 2>&1 ||
			bail_out "$tool is not installed (tools/deps.sh)"
	done
	builddir=$(cd "${top_builddir:-$here/../..}" && pwd) || bail_out "no build directory"
	srcdir=$(cd "${top_srcdir:-$here/../..}" && pwd) || bail_out "no source directory"
	tool=$builddir/iampw-admin/iampw-admin
	so=$builddir/pam_iampw/.libs/pam_iampw.so
	[ -x "$tool" ] || bail_out "iampw-admin is not built: $tool"
	[ -f "$so" ] || bail_out "the module is not built: $so"

	plan $((INSIDE_TESTS + OUTSIDE_TESTS))
	sandbox_outside "$here/../sandbox/sandbox.sh" \
		ADMIN="$tool" IAMPW_SO="$so" top_builddir="$builddir" top_srcdir="$srcdir"
}

if [ "${1:-}" = --inside ]; then
	[ "${SANDBOX:-}" = 1 ] || bail_out "--inside runs only inside sandbox.sh"
	inside
else
	outside
fi
