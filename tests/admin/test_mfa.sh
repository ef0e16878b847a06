#!/bin/bash
# iampw-admin's virtual MFA device verbs (SPEC §10) on real accounts inside
# a throwaway copy of this host (tests/sandbox/sandbox.sh), with Debian's
# oathtool as the independent code generator and zbarimg to read the QR
# code PNG back:
#
#   create-virtual-mfa-device (Base32StringSeed and QRCodePNG outfiles,
#   0600, the otpauth:// URI, --qr-terminal), enable-mfa-device with two
#   consecutive codes (wrong, old, reused, swapped codes refused with
#   InvalidAuthenticationCode and nothing changed), LimitExceeded,
#   EntityAlreadyExists, NoSuchEntity, list-mfa-devices,
#   list-virtual-mfa-devices --assignment-status, resync-mfa-device
#   recording the drift, deactivate and delete (DeleteConflict while
#   assigned), the credential report's mfa_active, an unsafe seed file
#   failing closed and listed by check, and no seed in anything printed
#   but the outfile.  Then a login through the mfa auth line (pamtester):
#   asked for the code, right code in, replayed code out.

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"

INSIDE_TESTS=51
OUTSIDE_TESTS=3

conf=/etc/iampw-t
state=/run/iampw-state
mfa=$state/mfa
work=/run/iampw-t
out=$work/out
err=$work/err
log=$work/printed.log

admin() {
	"$ADMIN" --config "$conf/iampw.conf" --policy "$conf/policy.conf" \
		--state-dir "$state" "$@" </dev/null >"$out" 2>"$err"
	rc=$?
	cat "$out" "$err" >>"$log"
}

jq() {
	python3 "$JSONQ" "$@"
}

show() {
	diag "exit status ${rc:-?}; stdout:"
	diag_file "$out"
	diag "stderr:"
	diag_file "$err"
	if [ -s "$work/pt" ]; then
		diag "last pamtester output:"
		diag_file "$work/pt"
		diag "syslog:"
		tail -n 5 "${SANDBOX_LOG:-/dev/null}" 2>/dev/null | sed 's/^/# /'
	fi
}

# check (tests/lib.sh) shows the outputs when a case fails.
check_diag() {
	show
}

# is_seed TEXT: 32 Base32 characters and nothing else.
is_seed() {
	[[ "$1" =~ ^[A-Z2-7]{32}$ ]]
}
# starts_with TEXT PREFIX / ends_with TEXT SUFFIX (fixed strings).
starts_with() {
	[[ "$1" == "$2"* ]]
}
ends_with() {
	[[ "$1" == *"$2" ]]
}

# err_is TEXT: stderr is exactly TEXT and a newline.
err_is() {
	[ "$(cat "$err"; echo .)" = "$1
." ]
}

# iam_error DESC NAME OP DETAIL: exit 254, the AWS CLI error exactly (an
# empty line, then the error line, as the AWS CLI frames it), nothing on
# stdout.
iam_error() {
	want_err="
An error occurred ($2) when calling the $3 operation: $4"
	check "$1" rc_is 254 --and test ! -s "$out" --and err_is "$want_err"
}

ok_quiet() {
	check "$1" rc_is 0 --and test ! -s "$out" --and test ! -s "$err"
}

# code SEED OFFSET: oathtool's TOTP code OFFSET steps from now.
code() {
	oathtool --totp -b "$1" --now "@$(( $(date +%s) + $2 * 30 ))"
}

# Wait until at least 3 s remain in the current step, so a pair of codes
# computed now is still current when the tool checks it.
fresh_step() {
	while [ $(( $(date +%s) % 30 )) -ge 27 ]; do sleep 1; done
}

serial() {
	echo "arn:linux:iam::$(hostname):mfa/$1"
}

file_sum() {
	sha256sum "$mfa/d.$1" 2>/dev/null | cut -d' ' -f1
}

setup() {
	umask 022
	mkdir -p "$conf" "$work" || bail_out "cannot create $conf, $work"
	chmod 0700 "$work"
	: >"$log"
	printf '[scope]\nmin_uid = 1000\nmax_uid = 60000\n[history]\ncost = 1\n' >"$conf/iampw.conf"
	chmod 0644 "$conf/iampw.conf"
	for u in alice bob; do
		getent passwd "$u" >/dev/null && bail_out "the host has a user $u"
	done
	useradd -m alice >&2 && useradd -m bob >&2 || bail_out "useradd failed"
	echo 'alice:Kettle+Lamp+Fig7' | chpasswd >&2 || bail_out "chpasswd failed"
	# The login service: pam_unix, then the mfa line as pam_iampw(8) shows it.
	{
		echo "auth     required pam_unix.so nodelay"
		echo "auth     requisite $IAMPW_SO mfa config=$conf/iampw.conf policy=$conf/policy.conf statedir=$state"
		echo "account  required pam_permit.so"
		echo "session  required pam_permit.so"
	} >/etc/pam.d/iampw-mfa-test
}

inside() {
	local seed qrseed uri c1 c2 sum t before rc2

	setup

	# -- create-virtual-mfa-device ------------------------------------------
	admin create-virtual-mfa-device --virtual-mfa-device-name alice-phone \
		--outfile "$work/alice.txt" --bootstrap-method Base32StringSeed
	check "create-virtual-mfa-device Base32StringSeed: exit 0, nothing on stderr" \
		rc_is 0 --and test ! -s "$err"
	is "$(jq keys "$out") $(jq keys "$out" VirtualMFADevice)" "VirtualMFADevice SerialNumber" \
		"the response is {\"VirtualMFADevice\": {\"SerialNumber\"}}, no seed"
	is "$(jq raw "$out" VirtualMFADevice.SerialNumber)" "$(serial alice-phone)" \
		"SerialNumber is arn:linux:iam::<hostname>:mfa/NAME"
	seed=$(cat "$work/alice.txt")
	check "the outfile holds the Base32 seed alone (32 characters, no newline), mode 0600" \
		is_seed "$seed" --and test "$(stat -c %s "$work/alice.txt")" -eq 32 \
		--and test "$(stat -c %a "$work/alice.txt")" = 600
	check "the device file is root 0600 in a 0700 store; the state dir 0700" \
		test "$(stat -c "%U %a" "$mfa/d.alice-phone")" = "root 600" \
		--and test "$(stat -c %a "$mfa")" = 700 --and test "$(stat -c %a "$state")" = 700
	: >"$work/bob.png"
	chmod 0644 "$work/bob.png"
	admin create-virtual-mfa-device --virtual-mfa-device-name bob-phone \
		--outfile "$work/bob.png" --bootstrap-method QRCodePNG --qr-terminal
	check "create-virtual-mfa-device QRCodePNG --qr-terminal: exit 0, JSON on stdout" \
		rc_is 0 --and jq valid "$out"
	check "--qr-terminal drew the code with half blocks on stderr" \
		grep -q "▀" "$err" --and test "$(wc -l <"$err")" -ge 15
	check "the PNG outfile is a PNG, now 0600 though it existed 0644" \
		test "$(head -c 8 "$work/bob.png" | od -An -tx1 | tr -d " ")" = 89504e470d0a1a0a \
		--and test "$(stat -c %a "$work/bob.png")" = 600
	uri=$(zbarimg -q --raw "$work/bob.png" 2>/dev/null)
	qrseed=$(sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' <<<"$uri")
	check "zbarimg reads the otpauth:// URI back: issuer, label, SHA1, 6 digits, 30 s" \
		starts_with "$uri" "otpauth://totp/pam_iampw:bob-phone@$(hostname)?secret=" \
		--and ends_with "$uri" "&issuer=pam_iampw&algorithm=SHA1&digits=6&period=30" \
		--and is_seed "$qrseed" --and test "$qrseed" != "$seed"
	admin create-virtual-mfa-device --virtual-mfa-device-name alice-phone \
		--outfile "$work/again.txt" --bootstrap-method Base32StringSeed
	iam_error "the same name again: EntityAlreadyExists, no outfile written" EntityAlreadyExists \
		CreateVirtualMFADevice "MFADevice entity at the same path and name already exists."
	check "no outfile for the refused create" test ! -e "$work/again.txt"
	admin create-virtual-mfa-device --virtual-mfa-device-name 'a/b' \
		--outfile "$work/x.txt" --bootstrap-method Base32StringSeed
	check "a name outside [\\w+=,.@-]: ValidationError, exit 254, nothing created" \
		rc_is 254 --and grep -q "(ValidationError)" "$err" --and test ! -e "$work/x.txt" \
		--and test "$(ls "$mfa" | wc -l)" -eq 2
	admin create-virtual-mfa-device --virtual-mfa-device-name x --outfile "$work/x.txt" \
		--bootstrap-method SVG
	check "--bootstrap-method SVG: exit 252" rc_is 252
	admin create-virtual-mfa-device --virtual-mfa-device-name x --bootstrap-method QRCodePNG
	check "no --outfile: exit 252, the AWS CLI's words" rc_is 252 \
		--and grep -q "the following arguments are required: --outfile" "$err"

	# -- enable-mfa-device ------------------------------------------------------
	fresh_step
	sum=$(file_sum alice-phone)
	admin enable-mfa-device --user-name alice --serial-number "$(serial alice-phone)" \
		--authentication-code1 "$(code "$seed" 0)" --authentication-code2 "$(code "$seed" -1)"
	iam_error "codes swapped: InvalidAuthenticationCode" InvalidAuthenticationCode \
		EnableMFADevice "Authentication code for device is not valid."
	admin enable-mfa-device --user-name alice --serial-number "$(serial alice-phone)" \
		--authentication-code1 "$(code "$seed" -12)" --authentication-code2 "$(code "$seed" -11)"
	iam_error "two consecutive codes from 6 minutes ago: InvalidAuthenticationCode" \
		InvalidAuthenticationCode EnableMFADevice "Authentication code for device is not valid."
	admin enable-mfa-device --user-name alice --serial-number "$(serial alice-phone)" \
		--authentication-code1 "$(code "$qrseed" -1)" --authentication-code2 "$(code "$qrseed" 0)"
	iam_error "another device's codes: InvalidAuthenticationCode" InvalidAuthenticationCode \
		EnableMFADevice "Authentication code for device is not valid."
	is "$(file_sum alice-phone)" "$sum" "the refused enables left the device file unchanged"
	fresh_step
	c1=$(code "$seed" -1)
	c2=$(code "$seed" 0)
	admin enable-mfa-device --user-name alice --serial-number "$(serial alice-phone)" \
		--authentication-code1 "$c1" --authentication-code2 "$c2"
	ok_quiet "enable-mfa-device alice with two consecutive oathtool codes: exit 0, silent"
	check "the device file now names uid $(id -u alice)" \
		grep -qx "uid = $(id -u alice)" "$mfa/d.alice-phone"
	admin deactivate-mfa-device --user-name alice --serial-number "$(serial alice-phone)"
	ok_quiet "deactivate-mfa-device alice: exit 0"
	admin enable-mfa-device --user-name alice --serial-number "$(serial alice-phone)" \
		--authentication-code1 "$c1" --authentication-code2 "$c2"
	iam_error "the same two codes again after the deactivation: refused, they were used" \
		InvalidAuthenticationCode EnableMFADevice "Authentication code for device is not valid."
	fresh_step
	admin enable-mfa-device --user-name alice --serial-number "$(serial alice-phone)" \
		--authentication-code1 "$(code "$seed" 0)" --authentication-code2 "$(code "$seed" 1)"
	ok_quiet "re-enabled with the current and the next code"
	fresh_step
	admin enable-mfa-device --user-name bob --serial-number "$(serial alice-phone)" \
		--authentication-code1 "$(code "$seed" -1)" --authentication-code2 "$(code "$seed" 0)"
	iam_error "alice's device for bob: EntityAlreadyExists" EntityAlreadyExists \
		EnableMFADevice "MFA Device is already in use."
	admin create-virtual-mfa-device --virtual-mfa-device-name alice-2 \
		--outfile "$work/alice2.txt" --bootstrap-method Base32StringSeed
	fresh_step
	admin enable-mfa-device --user-name alice --serial-number "$(serial alice-2)" \
		--authentication-code1 "$(code "$(cat "$work/alice2.txt")" -1)" \
		--authentication-code2 "$(code "$(cat "$work/alice2.txt")" 0)"
	iam_error "a second device for alice: LimitExceeded" LimitExceeded EnableMFADevice \
		"Cannot exceed quota for MFA devices per user: user alice already has device alice-phone."
	admin enable-mfa-device --user-name alice --serial-number "$(serial nosuch)" \
		--authentication-code1 123456 --authentication-code2 654321
	iam_error "an unknown serial: NoSuchEntity" NoSuchEntity EnableMFADevice \
		"VirtualMFADevice with serial number $(serial nosuch) doesn't exist."
	admin enable-mfa-device --user-name nosuchuser --serial-number "$(serial alice-2)" \
		--authentication-code1 123456 --authentication-code2 654321
	iam_error "an unknown user: NoSuchEntity" NoSuchEntity EnableMFADevice \
		"The user with name nosuchuser cannot be found."
	admin enable-mfa-device --user-name bob --serial-number "$(serial alice-2)" \
		--authentication-code1 12345 --authentication-code2 654321
	check "a 5-digit code: ValidationError, never echoed" rc_is 254 \
		--and grep -q "(ValidationError)" "$err" --and ! grep -q 12345 "$err"

	# -- listings and the report -------------------------------------------------
	admin list-mfa-devices --user-name alice
	check "list-mfa-devices alice: one device, UserName SerialNumber EnableDate" rc_is 0 \
		--and test "$(jq len "$out" MFADevices)" = 1 \
		--and test "$(jq keys "$out" MFADevices.0)" = "UserName SerialNumber EnableDate" \
		--and test "$(jq raw "$out" MFADevices.0.SerialNumber)" = "$(serial alice-phone)"
	admin list-mfa-devices --user-name bob
	is "$(jq get "$out" MFADevices)" "[]" "list-mfa-devices bob: none"
	admin list-virtual-mfa-devices
	check "list-virtual-mfa-devices: three devices, alice's with IAM's User and EnableDate" \
		test "$(jq len "$out" VirtualMFADevices)" = 3 \
		--and test "$(jq keys "$out" VirtualMFADevices.1)" = "SerialNumber User EnableDate" \
		--and test "$(jq raw "$out" VirtualMFADevices.1.User.UserName)" = alice \
		--and test "$(jq keys "$out" VirtualMFADevices.0)" = SerialNumber
	admin list-virtual-mfa-devices --assignment-status Unassigned --output text
	check "--assignment-status Unassigned --output text: the two spare devices" rc_is 0 \
		--and test "$(wc -l <"$out")" -eq 2 --and grep -q "mfa/bob-phone" "$out" --and ! grep -q "mfa/alice-phone" "$out"
	admin get-credential-report --output text
	check "credential report: mfa_active true for alice, false for bob (column 8)" \
		test "$(awk -F, "\$1 == \"alice\" { print \$8 }" "$out")" = true \
		--and test "$(awk -F, "\$1 == \"bob\" { print \$8 }" "$out")" != true

	# -- resync -----------------------------------------------------------------
	fresh_step
	admin resync-mfa-device --user-name alice --serial-number "$(serial alice-phone)" \
		--authentication-code1 "$(code "$seed" 9)" --authentication-code2 "$(code "$seed" 10)"
	ok_quiet "resync-mfa-device with a device 5 minutes ahead"
	check "the drift is recorded (10 steps)" grep -qx "drift = 10" "$mfa/d.alice-phone"
	admin resync-mfa-device --user-name bob --serial-number "$(serial alice-phone)" \
		--authentication-code1 123456 --authentication-code2 123457
	check "resync of alice's device as bob: NoSuchEntity" rc_is 254 \
		--and grep -q "(NoSuchEntity)" "$err"

	# -- a login through the mfa line (pamtester) ----------------------------------
	# The resync used the code of step +10: the next one, +11, is new.
	c1=$(code "$seed" 11)
	printf 'Kettle+Lamp+Fig7\n%s\n' "$c1" | pamtester -v iampw-mfa-test alice authenticate \
		>"$work/pt" 2>&1
	check "a login of alice asks 'MFA code: ' and takes the next drifted oathtool code" \
		grep -q "MFA code: " "$work/pt" --and grep -q "successfully authenticated" "$work/pt"
	printf 'Kettle+Lamp+Fig7\n%s\n' "$c1" | pamtester -v iampw-mfa-test alice authenticate \
		>"$work/pt" 2>&1
	check "the same code again: refused (replay)" ! grep -q "successfully authenticated" "$work/pt"
	echo 'bob:Orbit[Stone]2Yak' | chpasswd >&2
	printf 'Orbit[Stone]2Yak\n' | pamtester -v iampw-mfa-test bob authenticate >"$work/pt" 2>&1
	check "bob, without a device, logs in unasked" \
		! grep -q "MFA code" "$work/pt" --and grep -q "successfully authenticated" "$work/pt"

	# -- unsafe seed file: fail closed --------------------------------------------
	chmod 0644 "$mfa/d.alice-phone"
	admin list-mfa-devices
	check "a seed file readable by others: list-mfa-devices ServiceFailure" rc_is 254 \
		--and grep -q "(ServiceFailure)" "$err" --and test ! -s "$out"
	admin check
	check "check lists it and exits 253" rc_is 253 --and grep -q "d.alice-phone" "$err"
	printf 'Orbit[Stone]2Yak\n' | pamtester -v iampw-mfa-test bob authenticate >"$work/pt" 2>&1
	check "and the mfa line refuses every login meanwhile (bob too)" \
		! grep -q "successfully authenticated" "$work/pt"
	chmod 0600 "$mfa/d.alice-phone"

	# -- deactivate and delete -----------------------------------------------------
	admin delete-virtual-mfa-device --serial-number "$(serial alice-phone)"
	iam_error "delete an assigned device: DeleteConflict" DeleteConflict DeleteVirtualMFADevice \
		"MFA Device is still in use (assigned to uid $(id -u alice))."
	admin deactivate-mfa-device --user-name bob --serial-number "$(serial alice-phone)"
	check "deactivate alice's device as bob: NoSuchEntity" rc_is 254 \
		--and grep -q "(NoSuchEntity)" "$err"
	admin deactivate-mfa-device --user-name alice --serial-number "$(serial alice-phone)"
	ok_quiet "deactivate-mfa-device alice"
	admin delete-virtual-mfa-device --serial-number "$(serial alice-phone)"
	ok_quiet "delete-virtual-mfa-device"
	check "its seed file is gone" test ! -e "$mfa/d.alice-phone"
	admin delete-virtual-mfa-device --serial-number "$(serial alice-phone)"
	check "deleted twice: NoSuchEntity" rc_is 254 --and grep -q "(NoSuchEntity)" "$err"
	admin get-credential-report --output text
	check "mfa_active false for alice now" \
		test "$(awk -F, "\$1 == \"alice\" { print \$8 }" "$out")" = false

	# -- a device of a deleted account ----------------------------------------------
	fresh_step
	admin enable-mfa-device --user-name bob --serial-number "$(serial bob-phone)" \
		--authentication-code1 "$(code "$qrseed" -1)" --authentication-code2 "$(code "$qrseed" 0)"
	rc2=$rc
	userdel -r bob >&2 2>/dev/null
	admin check
	check "bob's device, bob deleted: check exits 253 and says no account has the uid" \
		test "$rc2" -eq 0 --and rc_is 253 --and grep -q "d.bob-phone: assigned to uid .* (bob), which no account has any more" "$err"

	# -- nothing printed held a seed -------------------------------------------------
	check "no seed in anything the tool printed (outfiles aside)" \
		! grep -qF "$seed" "$log" --and ! grep -qF "$qrseed" "$log" \
		--and ! grep -qF "$(cat "$work/alice2.txt")" "$log"

	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
	done_testing
}

host_state() {
	sha256sum /etc/passwd /etc/shadow /etc/group /etc/gshadow 2>&1
	find /etc/pam.d -type f -exec sha256sum {} + 2>&1 | sort
	ls -d /etc/iampw-t /run/iampw-state /run/iampw-t /home/alice 2>&1
}

outside() {
	local builddir tool so
	[ "$(id -u)" -eq 0 ] ||
		skip_all "needs root: useradd and iampw-admin run in a throwaway namespace sandbox"
	for tool in pamtester useradd chpasswd oathtool zbarimg unshare python3; do
		command -v "$tool" >/dev/null 2>&1 ||
			bail_out "$tool is not installed (tools/deps.sh)"
	done
	builddir=$(cd "${top_builddir:-$here/../..}" && pwd) || bail_out "no build directory"
	tool=$builddir/iampw-admin/iampw-admin
	so=$builddir/pam_iampw/.libs/pam_iampw.so
	[ -x "$tool" ] || bail_out "iampw-admin is not built: $tool"
	[ -f "$so" ] || bail_out "the module is not built: $so"
	plan $((INSIDE_TESTS + OUTSIDE_TESTS))
	sandbox_outside "$here/../sandbox/sandbox.sh" \
		ADMIN="$tool" IAMPW_SO="$so" JSONQ="$here/jsonq.py" top_builddir="$builddir"
}

if [ "${1:-}" = --inside ]; then
	[ "${SANDBOX:-}" = 1 ] || bail_out "--inside runs only inside sandbox.sh"
	inside
else
	outside
fi
