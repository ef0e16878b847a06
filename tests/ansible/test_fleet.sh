#!/bin/bash
# SPEC §11: the iampw.fleet Ansible modules, driven by ansible-playbook over
# real ssh against three hosts.
#
# Each host is a throwaway sandbox (tests/sandbox/sandbox.sh --install: its
# own /etc, /var, /root, state and network namespace, pam_iampw installed
# and enabled) running its own sshd on 127.0.0.1 of its own namespace, with
# a port of its own, root allowed in by key only (PermitRootLogin
# prohibit-password, in that sandbox's sshd_config).  The controller is this
# script: ansible-playbook with HOME, its temp and control-socket
# directories, its config and its log in a work directory of the build
# tree, and a throwaway key.  Its ssh and sftp run through a wrapper that
# enters the host's network namespace (nsenter --net) and then connect to
# 127.0.0.1:PORT there: the same TCP connection to a real sshd as any other.
#
# Asserted: the policy applied everywhere, a second run changes nothing,
# check mode changes nothing (and --diff shows the difference), a value the
# tool refuses fails with its error line and exit status, a host drifted by
# hand is the only one brought back, state=absent; a login profile with a
# generated password that is each host's real password and appears in no
# ansible output (-vvv), no ANSIBLE_LOG_PATH log, no host syslog and no
# file of the hosts; the shipped iampw-credential-report.yml merges every
# host's users into one CSV.  The three-host apply is timed (a diag line).
#
# Root only (namespaces, sshd): exit 77 otherwise.  Like the end-to-end
# tests it needs a build configured for the system layout.

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"
. "$here/../e2e/e2e.sh"

HOSTS="fleet1 fleet2 fleet3"
PORT_BASE=22200
# The password of the profiles each host starts with (administrator-set).
P0='Fleet#Start-2468'

# ---------------------------------------------------------------------------
# Inside a sandbox: one managed host.  FLEET_N, FLEET_WORK from the caller.

host_die() {
	echo "fleet host $FLEET_N: $*" >&2
	exit 99
}

host_inside() {
	local name=fleet$FLEET_N port=$((PORT_BASE + FLEET_N)) w=$FLEET_WORK u sshd_pid
	umask 022
	[ "${SANDBOX_INSTALLED:-}" = 1 ] || host_die "not in sandbox.sh --install"
	hostname "$name" || host_die "hostname"
	for u in alice bob "u$name" carol dave erin; do
		if getent passwd "$u" >/dev/null; then
			userdel -f -r "$u" >/dev/null 2>&1 || host_die "userdel $u"
		fi
		useradd -m -s /bin/bash "$u" || host_die "useradd $u"
	done
	for u in alice bob "u$name"; do
		printf '%s\n' "$P0" | /usr/sbin/iampw-admin create-login-profile --user-name "$u" \
			--password-stdin >/dev/null || host_die "create-login-profile $u"
	done
	# Does a password authenticate (the test's check of a generated one)?
	printf '%s\n' 'auth required pam_unix.so nodelay' 'account required pam_permit.so' \
		>/etc/pam.d/fleet-auth || host_die "fleet-auth"

	ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/fleet_host_key </dev/null >&2 ||
		host_die "ssh-keygen"
	install -d -m 0700 /root/.ssh &&
		install -m 0600 "$w/id_ed25519.pub" /root/.ssh/authorized_keys ||
		host_die "root's authorized_keys"
	cat >/etc/ssh/fleet_sshd_config <<-EOF
		Port $port
		ListenAddress 127.0.0.1
		HostKey /etc/ssh/fleet_host_key
		PidFile none
		UsePAM yes
		PermitRootLogin prohibit-password
		PubkeyAuthentication yes
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		Subsystem sftp internal-sftp
		UseDNS no
		PrintMotd no
		PrintLastLog no
		MaxStartups 50
		MaxSessions 50
	EOF
	/usr/sbin/sshd -t -f /etc/ssh/fleet_sshd_config || host_die "sshd -t"
	/usr/sbin/sshd -D -e -f /etc/ssh/fleet_sshd_config 2>"$w/$name.sshd.log" &
	sshd_pid=$!
	for _ in $(seq 100); do
		ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && break
		kill -0 "$sshd_pid" 2>/dev/null || host_die "sshd exited"
		sleep 0.1
	done
	ss -Hltn "sport = :$port" | grep -q "127\.0\.0\.1:$port" || host_die "sshd is not listening"
	readlink /proc/self/ns/net >"$w/$name.ready.tmp" && mv "$w/$name.ready.tmp" "$w/$name.ready" ||
		host_die "ready file"
	# Serve until the controller is done (or 20 minutes, should it die).
	for _ in $(seq 6000); do
		[ -e "$w/stop" ] && break
		sleep 0.2
	done
	kill "$sshd_pid"
	wait "$sshd_pid"
	exit 0
}

# ---------------------------------------------------------------------------
# The controller.

# The host PID of the `unshare` whose network namespace is $1 ("net:[N]").
netns_pid() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = unshare ] || continue
		[ "$(readlink "$p/ns/net" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}" && return 0
	done
	return 1
}

# The sandboxes' PIDs and, once they ended, their exit statuses, by host number.
sandbox_pid=()
sandbox_rc=()

start_hosts() {
	local n h pid deadline
	for n in 1 2 3; do
		FLEET_N=$n FLEET_WORK=$W SANDBOX_LOG=$W/fleet$n.syslog \
			E2E_BUILDDIR=$builddir top_builddir=$builddir \
			"$E2E_SANDBOX" --install "$here/test_fleet.sh" --host \
			>"$W/fleet$n.out" 2>"$W/fleet$n.err" &
		sandbox_pid[n]=$!
	done
	# make install takes turns on the build tree: allow for three in a row.
	deadline=$(($(date +%s) + 600))
	for h in $HOSTS; do
		while [ ! -e "$W/$h.ready" ]; do
			n=${h#fleet}
			pid=${sandbox_pid[n]}
			if ! kill -0 "$pid" 2>/dev/null || [ "$(date +%s)" -gt "$deadline" ]; then
				diag "$h did not come up; its stderr:"
				diag_file "$W/$h.err"
				return 1
			fi
			sleep 0.2
		done
		pid=$(netns_pid "$(cat "$W/$h.ready")") || { diag "no process in $h's namespace"; return 1; }
		for tool in ssh sftp; do
			printf '#!/bin/sh\n# %s in the network namespace of the sandbox %s\nexec nsenter --net=/proc/%s/ns/net -- /usr/bin/%s "$@"\n' \
				"$tool" "$h" "$pid" "$tool" >"$W/$tool-$h"
			chmod 0700 "$W/$tool-$h"
		done
	done
}

stop_hosts() {
	local n pid rc
	touch "$W/stop"
	for n in 1 2 3; do
		pid=${sandbox_pid[n]:-}
		[ -n "$pid" ] || continue
		wait "$pid"
		sandbox_rc[n]=$?
	done
}

write_controller_config() {
	local h n
	mkdir -p "$W/home/tmp" "$W/secrets" "$W/cwd" && chmod 0700 "$W/secrets" || return 1
	ssh-keygen -q -t ed25519 -N '' -C fleet-test -f "$W/id_ed25519" </dev/null >&2 || return 1
	{
		echo '[fleet]'
		for h in $HOSTS; do
			n=${h#fleet}
			echo "$h ansible_host=127.0.0.1 ansible_port=$((PORT_BASE + n)) ansible_ssh_executable=$W/ssh-$h ansible_sftp_executable=$W/sftp-$h"
		done
		echo '[fleet:vars]'
		echo 'ansible_user=root'
		echo "ansible_ssh_private_key_file=$W/id_ed25519"
		echo 'ansible_python_interpreter=/usr/bin/python3'
	} >"$W/inventory"
	cat >"$W/ansible.cfg" <<-EOF
		[defaults]
		inventory = $W/inventory
		collections_path = $COLLS
		local_tmp = $W/home/tmp
		log_path = $W/ansible.log
		host_key_checking = False
		retry_files_enabled = False
		nocolor = True
		forks = 5
		[ssh_connection]
		ssh_args = -F /dev/null -o ControlMaster=auto -o ControlPersist=60s -o IdentitiesOnly=yes -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR
		control_path_dir = $W/home/cp
	EOF
}

# play NAME ARG...: ansible-playbook ARG... as the controller (with
# PLAY_CMD=ansible: an ad-hoc command); output in $W/NAME.out, exit status
# in $play_rc.
play() {
	local name=$1
	shift
	(cd "${PLAY_CWD:-$W}" && env HOME="$W/home" ANSIBLE_CONFIG="$W/ansible.cfg" \
		ANSIBLE_COLLECTIONS_PATH="$COLLS" \
		ANSIBLE_FORCE_COLOR=0 ANSIBLE_STDOUT_CALLBACK=default \
		"${PLAY_CMD:-ansible-playbook}" "$@" </dev/null >"$W/$name.out" 2>&1)
	play_rc=$?
}

# The changed= count of host $2 in the recap of run $1.
changed_of() {
	awk -v h="$2" '$1 == h && $2 == ":" { for (i = 3; i <= NF; i++) if ($i ~ /^changed=/) { sub(/changed=/, "", $i); print $i } }' \
		"$W/$1.out" | tail -n 1
}

# recap RUN WANT: "fleet1=C fleet2=C fleet3=C" of run RUN equals WANT.
recap() {
	local h got=""
	for h in $HOSTS; do
		got="$got${got:+ }$h=$(changed_of "$1" "$h")"
	done
	echo "$got"
}

failed_count() {
	awk '$2 == ":" { for (i = 3; i <= NF; i++) if ($i ~ /^failed=/) { sub(/failed=/, "", $i); s += $i } } END { print s + 0 }' "$W/$1.out"
}

# on HOST CMD...: run CMD as root on HOST over ssh (stdin passed on).
on() {
	local h=$1 n
	shift
	n=${h#fleet}
	"$W/ssh-$h" -F /dev/null -i "$W/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes \
		-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR \
		-p $((PORT_BASE + n)) root@127.0.0.1 "$@"
}

# The policy of HOST, one "Field=value" per line (sorted), or "none".
policy_of() {
	local out
	out=$(on "$1" /usr/sbin/iampw-admin get-account-password-policy 2>/dev/null)
	case $? in
	0) printf '%s' "$out" | python3 -c 'import json, sys
p = json.load(sys.stdin)["PasswordPolicy"]
print(" ".join("%s=%s" % (k, p[k]) for k in sorted(p)))' ;;
	254) echo none ;;
	*) echo "error $?" ;;
	esac
}

WANT14="AllowUsersToChangePassword=True ExpirePasswords=True HardExpiry=False MaxPasswordAge=90 MinimumPasswordLength=14 PasswordReusePrevention=24 RequireLowercaseCharacters=True RequireNumbers=True RequireSymbols=True RequireUppercaseCharacters=True"
# A hand update replaces the whole policy, as in IAM: the rest is default.
WANT8="AllowUsersToChangePassword=False ExpirePasswords=False HardExpiry=False MinimumPasswordLength=8 RequireLowercaseCharacters=False RequireNumbers=False RequireSymbols=False RequireUppercaseCharacters=False"

all_policies() {
	local h out=""
	for h in $HOSTS; do
		out="$out$h: $(policy_of "$h")
"
	done
	printf '%s' "$out"
}

expect_policies() {
	local want=$1 h out=""
	for h in $HOSTS; do
		out="$out$h: $want
"
	done
	printf '%s' "$out"
}

show_run() {
	diag "ansible-playbook exit status $play_rc; the last lines of $1:"
	tail -n 25 "$W/$1.out" | sed 's/^/# /'
}

is_run() {
	is "$2" "$3" "$4" || show_run "$1"
}

# in_every_syslog ERE: a line of each host's syslog matches.
in_every_syslog() {
	local h
	for h in $HOSTS; do
		grep -Eq "$1" "$W/$h.syslog" || return 1
	done
}

# ---------------------------------------------------------------------------

policy_tests() {
	local t0 t1 ms before
	t0=$(date +%s%N)
	play apply1 "$here/policy.yml"
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	is_run apply1 "$play_rc $(recap apply1)" "0 fleet1=1 fleet2=1 fleet3=1" \
		"policy: the first apply changes each of the three hosts"
	diag "fleet: three-host apply (ansible-playbook, one task, ssh): $ms ms"
	echo "$ms" >"$W/apply-ms"
	is "$(all_policies)" "$(expect_policies "$WANT14")" \
		"policy: every host has the playbook's policy (read back with iampw-admin over ssh)"
	fail_if "policy: no warning (e.g. about parameters named like passwords: the aliases password_*)" \
		grep -q WARNING "$W/apply1.out"
	fail_unless "policy: the module's invocation is in each host's syslog (so the syslog checks below can see)" \
		in_every_syslog 'Invoked with .*min_pw_length=14'

	t0=$(date +%s%N)
	play apply2 "$here/policy.yml"
	t1=$(date +%s%N)
	diag "fleet: the same run again, nothing to change: $(((t1 - t0) / 1000000)) ms"
	is_run apply2 "$play_rc $(recap apply2)" "0 fleet1=0 fleet2=0 fleet3=0" \
		"policy: a second run changes nothing (changed=0 everywhere)"

	play check "$here/policy.yml" --check --diff -e min_len=20
	is_run check "$play_rc $(recap check)" "0 fleet1=1 fleet2=1 fleet3=1" \
		"policy: check mode with another length reports a change on each host"
	is "$(all_policies)" "$(expect_policies "$WANT14")" "policy: ... and changes nothing"
	fail_unless "policy: --diff shows the before and after values" \
		grep -q '^-    "MinimumPasswordLength": 14,' "$W/check.out"
	fail_unless "policy: --diff shows the new value" \
		grep -q '^+    "MinimumPasswordLength": 20,' "$W/check.out"

	play invalid "$here/policy.yml" -e min_len=200
	is_run invalid "$play_rc $(failed_count invalid)" "2 3" \
		"policy: a length iampw-admin refuses fails on every host (failed=true)"
	fail_unless "policy: the failure shows the tool's error line and exit status" \
		grep -q '"error_code": "ValidationError".*"msg": "An error occurred (ValidationError) when calling the UpdateAccountPasswordPolicy operation: .*"rc": 254' \
		"$W/invalid.out"
	play invalid_check "$here/policy.yml" --check -e min_len=200
	is_run invalid_check "$play_rc $(failed_count invalid_check)" "2 3" \
		"policy: check mode fails on that value too (validated by the tool on a scratch copy)"
	is "$(all_policies)" "$(expect_policies "$WANT14")" "policy: the refused runs changed nothing"

	on fleet2 /usr/sbin/iampw-admin update-account-password-policy --minimum-password-length 8 >&2
	before=$(all_policies)
	is "$before" "fleet1: $WANT14
fleet2: $WANT8
fleet3: $WANT14" "drift: fleet2's policy changed by hand with iampw-admin over ssh"
	play drift "$here/policy.yml"
	is_run drift "$play_rc $(recap drift)" "0 fleet1=0 fleet2=1 fleet3=0" \
		"drift: the next run changes fleet2 alone"
	is "$(all_policies)" "$(expect_policies "$WANT14")" "drift: fleet2 has the fleet's policy again"

	PLAY_CMD=ansible play alt fleet1 -m iampw.fleet.iampw_password_policy \
		-a 'state=present min_pw_length=10 policy_file=/etc/iampw/alt-policy.conf'
	is_run alt "$play_rc $(on fleet1 "grep -c '^minimum_password_length = 10\$' /etc/iampw/alt-policy.conf") $(policy_of fleet1 | grep -c MinimumPasswordLength=14)" \
		"0 1 1" "options: policy_file is iampw-admin's --policy (that file written, the default one untouched)"
	PLAY_CMD=ansible play noadmin fleet1 -m iampw.fleet.iampw_credential_report \
		-a 'iampw_admin=/usr/sbin/no-such-iampw-admin'
	is_run noadmin "$play_rc $(grep -c 'iampw_admin: /usr/sbin/no-such-iampw-admin is not an executable file' "$W/noadmin.out")" \
		"2 1" "options: iampw_admin names the tool; a wrong path fails clearly"
}

# authenticates_on HOST USER PASSWORD: PAM on HOST accepts it (sent on stdin).
authenticates_on() {
	printf '%s\n' "$3" | on "$1" pamtester fleet-auth "$2" authenticate >/dev/null 2>&1
}

# secret_nowhere DESC: none of the passwords in $W/secrets/* is in any file
# of the work directory (ansible's outputs, its log, the controller's temp
# and control directories, the hosts' syslogs and sshd logs), nor in any
# file of the hosts (their /etc, /root, /tmp, /var/tmp, /home, /run, which
# holds the overlays' upper layers, /var/log, /var/mail, /var/lib/iampw,
# /dev/shm).  The patterns go to grep on stdin, never on a command line.
secret_nowhere() {
	local desc=$1 found h
	found=$(grep -rlF -f <(secrets) --exclude-dir=secrets "$W")
	for h in $HOSTS; do
		# The controller's own work dir ($W, where the secrets are kept on
		# purpose) may be visible from a host when the build tree is under
		# /tmp: it is left out by its unique name.
		found="$found$(secrets | on "$h" "grep -rlF -f - --exclude-dir='$(basename "$W")' /etc /root /tmp /var/tmp /home /run /var/log /var/mail /var/lib/iampw /dev/shm 2>/dev/null")"
	done
	# The same search finds them where they are (a check of the check).
	is "$found $(grep -rlF -f <(secrets) "$W/secrets" | wc -l)" " $(find "$W/secrets" -type f | wc -l)" "$desc"
}

# The returned passwords, one a line (the files have no newline).
secrets() {
	local f
	for f in "$W"/secrets/*; do
		cat "$f" && echo
	done
}

login_tests() {
	local h n ok rc
	play login1 "$here/login.yml" -vvv -e "fleet_secrets=$W/secrets"
	is_run login1 "$play_rc $(recap login1)" "0 fleet1=2 fleet2=2 fleet3=2" \
		"login profile: created on each host with a generated password (no_log, -vvv)"
	n=0
	for h in $HOSTS; do
		[ -s "$W/secrets/$h" ] && n=$((n + 1))
	done
	is "$n $(secrets | sort -u | wc -l)" "3 3" \
		"login profile: each host returned its own password (registered under no_log)"
	ok=0
	for h in $HOSTS; do
		on "$h" pamtester fleet-auth carol authenticate <"$W/secrets/$h" >/dev/null 2>&1 && ok=$((ok + 1))
	done
	is "$ok" 3 "login profile: the returned password is carol's real password on each host (PAM)"
	rc=0
	for h in $HOSTS; do
		[ "$(on "$h" /usr/sbin/iampw-admin get-login-profile --user-name carol 2>&1 |
			python3 -c 'import json, sys; print(json.load(sys.stdin)["LoginProfile"]["PasswordResetRequired"])')" = True ] ||
			rc=1
	done
	is "$rc" 0 "login profile: PasswordResetRequired is set on each host"
	fail_unless "login profile: the no_log tasks said so in the -vvv output" \
		grep -q "the output has been hidden due to the fact that 'no_log: true' was specified" "$W/login1.out"

	play login2 "$here/login.yml" -e "fleet_secrets=$W/secrets"
	is_run login2 "$play_rc $(recap login2)" "0 fleet1=0 fleet2=0 fleet3=0" \
		"login profile: a second run changes nothing and generates no password"

	play login_check "$here/login.yml" --check -e profile_user=dave -e "fleet_secrets=$W/secrets"
	is_run login_check "$play_rc $(recap login_check)" "0 fleet1=1 fleet2=1 fleet3=1" \
		"login profile: check mode reports the profile it would create"
	rc=0
	for h in $HOSTS; do
		on "$h" /usr/sbin/iampw-admin get-login-profile --user-name dave >/dev/null 2>&1
		[ $? -eq 254 ] || rc=1
	done
	is "$rc" 0 "login profile: ... and creates none (NoSuchEntity on each host)"

	for h in $HOSTS; do mv "$W/secrets/$h" "$W/secrets/$h.carol"; done

	play login_nolog "$here/login.yml" -e profile_user=erin -e login_no_log=false -e "fleet_secrets=$W/secrets"
	is_run login_nolog "$play_rc $(recap login_nolog)" "0 fleet1=2 fleet2=2 fleet3=2" \
		"login profile: erin's, without no_log on the module task, default verbosity"
	ok=0
	for h in $HOSTS; do
		on "$h" pamtester fleet-auth erin authenticate <"$W/secrets/$h" >/dev/null 2>&1 && ok=$((ok + 1))
	done
	is "$ok $(secrets | sort -u | wc -l)" "3 6" \
		"login profile: ... three more passwords returned, erin's real ones"
	fail_unless "login profile: erin's module task logged its invocation to each host's syslog" \
		in_every_syslog 'Invoked with .*name=erin'
	for h in $HOSTS; do mv "$W/secrets/$h" "$W/secrets/$h.erin"; done
	play rotate "$here/login.yml" -e profile_user=erin -e profile_update=always -e "fleet_secrets=$W/secrets"
	is_run rotate "$play_rc $(recap rotate)" "0 fleet1=2 fleet2=2 fleet3=2" \
		"login profile: update_password=always sets and returns a new password for an existing profile"
	ok=0
	for h in $HOSTS; do
		authenticates_on "$h" erin "$(cat "$W/secrets/$h")" &&
			! authenticates_on "$h" erin "$(cat "$W/secrets/$h.erin")" && ok=$((ok + 1))
	done
	is "$ok $(secrets | sort -u | wc -l)" "3 9" "login profile: ... the new one logs in, the old one no longer does"
	secret_nowhere "secrets: no generated password in ansible's output (-vvv), its log, the controller's files, the hosts' syslogs or any file of the hosts"

	PLAY_CMD=ansible play flag fleet3 -m iampw.fleet.iampw_login_profile \
		-a 'name=alice password_reset_required=true'
	is_run flag "$play_rc $(on fleet3 /usr/sbin/iampw-admin get-login-profile --user-name alice |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["LoginProfile"]["PasswordResetRequired"])')" \
		"0 True" "login profile: password_reset_required alone sets the flag on an existing profile"
	fail_unless "login profile: ... and leaves the password as it was" authenticates_on fleet3 alice "$P0"
	fail_if "login profile: ... and returns no password" grep -q '"password"' "$W/flag.out"

	play login_absent "$here/login.yml" -e profile_state=absent -e "fleet_secrets=$W/secrets"
	is_run login_absent "$play_rc $(recap login_absent)" "0 fleet1=1 fleet2=1 fleet3=1" \
		"login profile: state=absent deletes carol's profile on each host"
	ok=0
	for h in $HOSTS; do
		on "$h" /usr/sbin/iampw-admin get-login-profile --user-name carol >/dev/null 2>&1
		[ $? -eq 254 ] && ok=$((ok + 1))
	done
	is "$ok" 3 "login profile: ... carol has none left (NoSuchEntity)"
}

report_tests() {
	local f=$W/cwd/credential-report.csv h bad header
	PLAY_CWD=$W/cwd play report "$COLLS/ansible_collections/iampw/fleet/playbooks/iampw-credential-report.yml"
	is_run report "$play_rc $(failed_count report)" "0 0" \
		"report: iampw-credential-report.yml ran on the three hosts"
	fail_unless "report: it wrote ./credential-report.csv (in the directory ansible-playbook ran in)" test -s "$f"
	header=$(on fleet1 /usr/sbin/iampw-admin get-credential-report --output text | head -n 1)
	is "$(head -n 1 "$f")" "$header,host" "report: one header, IAM's 22 columns then host"
	is "$(grep -c '^user,' "$f") $(awk -F, '{ print NF }' "$f" | sort -u)" "1 23" \
		"report: exactly one header line, 23 fields on every line"
	bad=""
	for h in $HOSTS; do
		for u in alice bob "u$h" erin '<root_account>'; do
			grep -q "^$u,arn:linux:iam::$h:[^,]*,.*,$h\$" "$f" || bad="$bad $h/$u"
		done
	done
	is "$bad" "" "report: each host's users (alice, bob, its own, erin, <root_account>) with that host's arn and host column"
	for h in $HOSTS; do
		on "$h" /usr/sbin/iampw-admin get-credential-report --output text | tail -n +2 | sed "s/\$/,$h/"
	done >"$W/report-expected.rows"
	is "$(tail -n +2 "$f")" "$(cat "$W/report-expected.rows")" \
		"report: the rows are each host's own report, host by host in inventory order, and nothing else"
	fail_if "report: carol (profile deleted, password locked) is in no host's rows" grep -q '^carol,' "$f"
	PLAY_CWD=$W/cwd play report2 "$COLLS/ansible_collections/iampw/fleet/playbooks/iampw-credential-report.yml" \
		-e "iampw_report_path=$W/report-by-var.csv"
	is_run report2 "$play_rc $(cmp -s "$f" "$W/report-by-var.csv"; echo $?)" "0 0" \
		"report: -e iampw_report_path writes the same report there"
}

absent_tests() {
	play absent "$here/policy.yml" -e policy_state=absent
	is_run absent "$play_rc $(recap absent)" "0 fleet1=1 fleet2=1 fleet3=1" \
		"policy: state=absent removes the policy on each host"
	is "$(all_policies)" "$(expect_policies none)" "policy: ... get-account-password-policy says NoSuchEntity everywhere"
	play absent2 "$here/policy.yml" -e policy_state=absent
	is_run absent2 "$play_rc $(recap absent2)" "0 fleet1=0 fleet2=0 fleet3=0" \
		"policy: state=absent with no policy set changes nothing"
}

outside() {
	local tool rc h n before_host before_root
	[ "$(id -u)" -eq 0 ] ||
		skip_all "needs root: three sandbox hosts (namespaces), each with pam_iampw installed and an sshd"
	for tool in ansible-playbook ssh sftp ssh-keygen /usr/sbin/sshd nsenter ss pamtester unshare; do
		command -v "$tool" >/dev/null 2>&1 || bail_out "$tool is not installed (tools/deps.sh)"
	done
	builddir=$(e2e_builddir) ||
		bail_out "no built tree at ${top_builddir:-$E2E_SRCDIR} (pam_iampw.so and iampw-admin)"
	local want have v
	for want in prefix=/usr sysconfdir=/etc localstatedir=/var; do
		v=${want%%=*}
		have=$(sed -n "s/^$v = //p" "$builddir/Makefile")
		[ "$have" = "${want#*=}" ] ||
			skip_all "the build is configured with $v=$have: the fleet test installs it (in three sandboxes) and needs ${want#*=}"
	done

	plan 52
	before_host=$(e2e_host_state)
	before_root=$(ls -d /root/.ansible /root/.ssh/known_hosts 2>&1)
	mkdir -p "$builddir/tests/ansible" && W=$(mktemp -d "$builddir/tests/ansible/fleet.XXXXXX") ||
		bail_out "mktemp"
	chmod 0700 "$W"
	# Whatever happens to this script, the hosts stop serving.
	trap 'touch "$W/stop"' EXIT
	diag "work directory: $W"
	# The controller uses the collection as `make install` ships it (with
	# the system layout: /usr/share/ansible/collections, Ansible's default).
	flock "$builddir" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -C "$builddir" install DESTDIR="$W/inst" >"$W/install.log" 2>&1 ||
		{ diag_file "$W/install.log"; bail_out "make install DESTDIR=$W/inst failed"; }
	COLLS=$W/inst/usr/share/ansible/collections
	fail_unless "make install put the collection iampw.fleet in /usr/share/ansible/collections" \
		test -f "$COLLS/ansible_collections/iampw/fleet/plugins/modules/iampw_password_policy.py"
	write_controller_config || bail_out "controller configuration"
	if start_hosts; then
		pass "three sandbox hosts up, each with pam_iampw installed and sshd on 127.0.0.1 of its own namespace"
		policy_tests
		login_tests
		report_tests
		absent_tests
	else
		fail "three sandbox hosts up, each with pam_iampw installed and sshd on 127.0.0.1 of its own namespace"
	fi
	stop_hosts
	trap - EXIT
	rc=0
	for n in 1 2 3; do
		h=${sandbox_rc[n]:-none}
		if [ "$h" != 0 ] || [ "$(tail -n 1 "$W/fleet$n.err")" != "sandbox: host unchanged" ]; then
			rc=1
			diag "fleet$n: sandbox exit status $h; its stderr:"
			diag_file "$W/fleet$n.err"
		fi
	done
	is "$rc" 0 "the three sandboxes exited cleanly and each one's host check passed"
	is "$(e2e_host_state)
$(ls -d /root/.ansible /root/.ssh/known_hosts 2>&1)" "$before_host
$before_root" "the host's accounts, PAM files, install paths and root's ~/.ansible are unchanged"
	if [ "$TAP_FAILED" -eq 0 ] && [ -z "${FLEET_KEEP:-}" ]; then
		rm -rf "$W"
	else
		diag "kept $W"
	fi
	done_testing
}

if [ "${1:-}" = --host ]; then
	[ "${SANDBOX:-}" = 1 ] || bail_out "--host runs only inside sandbox.sh"
	host_inside
else
	outside
fi
