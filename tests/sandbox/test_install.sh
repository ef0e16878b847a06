#!/bin/bash
# End to end: `make install`, `make uninstall` and the pam-auth-update
# profiles, for real, inside a throwaway copy of this host (sandbox.sh:
# /usr, /var and /etc take the writes privately).
#
#   1. make install puts every file where it belongs with the right mode;
#      a second install keeps an edited iampw.conf; make uninstall removes
#      what install added and leaves the edited iampw.conf.
#   2. pam-auth-update --package --enable iampw iampw-commit gives
#      common-password, common-account and common-auth the SPEC §5
#      reference stack around pam_unix (parsed, order and jumps checked).
#   3. The real programs on that stack: passwd as the user (expect), su
#      from another user, sudo -S, sshd -t with UsePAM yes; login's service
#      file includes the common files; pam_iampw's log line reaches
#      $SANDBOX_LOG through the sandbox's /dev/log.
#   4. pam-auth-update --package --remove iampw iampw-commit restores the
#      common files byte for byte.
# Then a second sandbox run checks sandbox.sh --install itself.
#
# The build is found at $top_builddir (exported by `make check`), else
# relative to this script (an in-tree build); it must be configured for
# the system (--prefix=/usr, sysconfdir /etc, localstatedir /var, the PAM
# module directory), else the test is skipped.

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"
# For e2e_stack only.
. "$here/../e2e/e2e.sh"

# Results printed by the first sandbox run, the second, then outside.
INSIDE_TESTS=53
INSTALLED_TESTS=5
OUTSIDE_TESTS=5

P0='Initial#Pass1234'
P1='Kettle+Lamp+Fig7'
# Fails the default policy (8 characters, three of four kinds).
WEAK='kettle'

# make in the build tree, with none of the calling make's flags; concurrent
# sandboxes take turns on the tree (as sandbox.sh --install does).
bmake() {
	flock "$builddir" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		make -C "$builddir" DESTDIR= "$@"
}

# The value of a variable of the build's Makefile, its ${...} references
# expanded.  Read from the file: running make could regenerate the
# Makefile (and print that) when Makefile.am is newer.
make_var() {
	local v name
	v=$(sed -n "s/^$1 = *//p" "$builddir/Makefile" | head -n 1)
	while [[ $v =~ \$[{(]([A-Za-z_][A-Za-z0-9_]*)[})] ]]; do
		name=${BASH_REMATCH[1]}
		v=${v/"${BASH_REMATCH[0]}"/$(make_var "$name")}
	done
	echo "$v"
}

# --------------------------------------------------------------------------
# Inside the sandbox.

work=$SANDBOX_DIR/install-test

# Everything below the directories make install writes to, one path per
# line, for comparing before and after.
tree_list() {
	find /usr/sbin "$securedir" /usr/share/pam-configs /usr/share/man/man5 \
		/usr/share/man/man8 "$bashcompdir" /etc/iampw /etc/pam.d /var/lib \
		-maxdepth 1 2>/dev/null | sort -u
}

# mode_is PATH "MODE UID:GID TYPE": the file's octal mode, owner and type.
mode_is() {
	[ "$(stat -c '%a %u:%g %F' "$1" 2>&1)" = "$2" ] && return 0
	echo "$1: $(stat -c '%a %u:%g %F' "$1" 2>&1), want $2"
	return 1
}

# installed SRC DEST MODE: DEST has MODE and SRC's exact contents.
installed() {
	mode_is "$2" "$3 0:0 regular file" && cmp "$1" "$2"
}

not_writable_by_others() {
	local m
	m=$(stat -c '%a %u:%g %F' "$1") || return 1
	echo "$1: $m"
	[ "${m#* }" = "0:0 regular file" ] && [ $((0${m%% *} & 022)) -eq 0 ]
}

man_pages_installed() {
	local f
	for f in man8/pam_iampw.8 man8/iampw-admin.8 man5/iampw.conf.5 man5/iampw-policy.5; do
		installed "$srcdir/man/${f#*/}" "/usr/share/man/$f" 644 || return 1
	done
}

pam_configs_installed() {
	installed "$srcdir/etc/pam-configs/iampw" /usr/share/pam-configs/iampw 644 &&
		installed "$srcdir/etc/pam-configs/iampw-commit" /usr/share/pam-configs/iampw-commit 644 &&
		installed "$srcdir/etc/pam-configs/iampw-mfa" /usr/share/pam-configs/iampw-mfa 644
}

check_installed_files() {
	local so=$securedir/pam_iampw.so
	# libtool installs the module 0755; what matters: root's, written by
	# no one else, the built file itself, a bare .so (PAM loads by name).
	fail_unless "$so: a root-owned regular file, not group/other writable" \
		not_writable_by_others "$so"
	fail_unless "$so is the built module" cmp "$builddir/pam_iampw/.libs/pam_iampw.so" "$so"
	fail_if "no pam_iampw.la beside it" test -e "$securedir/pam_iampw.la"
	fail_unless "/usr/sbin/iampw-admin: 0755 root, not setuid, the built program" \
		installed "$builddir/iampw-admin/iampw-admin" /usr/sbin/iampw-admin 755
	fail_unless "man pages pam_iampw.8 iampw-admin.8 iampw.conf.5 iampw-policy.5: 0644" \
		man_pages_installed
	fail_unless "/etc/iampw/iampw.conf: 0644 root, the shipped file" \
		installed "$srcdir/etc/iampw.conf" /etc/iampw/iampw.conf 644
	fail_unless "/etc/pam.d/iampw-admin: 0644 root, the built file" \
		installed "$builddir/etc/pam.d/iampw-admin" /etc/pam.d/iampw-admin 644
	fail_unless "/etc/pam.d/iampw-admin names the module by its installed path" \
		grep -q "^password.*[[:space:]]$so commit\$" /etc/pam.d/iampw-admin
	fail_unless "/var/lib/iampw: a directory, 0700 root" \
		mode_is /var/lib/iampw "700 0:0 directory"
	fail_unless "/usr/share/pam-configs/iampw, iampw-commit and iampw-mfa: 0644, the shipped files" \
		pam_configs_installed
	fail_unless "$bashcompdir/iampw-admin: 0644, the shipped file" \
		installed "$srcdir/etc/bash-completion/iampw-admin" "$bashcompdir/iampw-admin" 644
}

expected_new_paths() {
	printf '%s\n' "$securedir/pam_iampw.so" /usr/sbin/iampw-admin \
		/usr/share/man/man8/pam_iampw.8 /usr/share/man/man8/iampw-admin.8 \
		/usr/share/man/man5/iampw.conf.5 /usr/share/man/man5/iampw-policy.5 \
		/etc/iampw /etc/iampw/iampw.conf /etc/pam.d/iampw-admin /var/lib/iampw \
		/usr/share/pam-configs/iampw /usr/share/pam-configs/iampw-commit \
		/usr/share/pam-configs/iampw-mfa "$bashcompdir/iampw-admin" | sort
}

test_make_install() {
	local before out
	before=$(tree_list)
	out=$work/make.out
	bmake install >"$out" 2>&1
	fail_unless "make install" test $? -eq 0 || diag_file "$out"
	check_installed_files
	is "$(comm -13 <(echo "$before") <(tree_list))" "$(expected_new_paths)" \
		"make install added exactly those files"

	# An administrator's edits survive a reinstall.
	cp -p /etc/pam.d/iampw-admin "$work/iampw-admin.pam"
	sed -i 's/^warn_days = 15$/warn_days = 10/' /etc/iampw/iampw.conf
	echo "# edited by the administrator" >>/etc/iampw/iampw.conf
	echo "# edited by the administrator" >>/etc/pam.d/iampw-admin
	cp -p /etc/iampw/iampw.conf "$work/iampw.conf.edited"
	cp -p /etc/pam.d/iampw-admin "$work/iampw-admin.pam.edited"
	bmake install >"$out" 2>&1
	fail_unless "make install over an installed tree" test $? -eq 0 || diag_file "$out"
	fail_unless "it kept the edited iampw.conf" cmp "$work/iampw.conf.edited" /etc/iampw/iampw.conf
	fail_unless "it kept the edited /etc/pam.d/iampw-admin" \
		cmp "$work/iampw-admin.pam.edited" /etc/pam.d/iampw-admin

	# uninstall: everything goes but the edited iampw.conf.
	cp -p "$work/iampw-admin.pam" /etc/pam.d/iampw-admin
	bmake uninstall >"$out" 2>&1
	fail_unless "make uninstall" test $? -eq 0 || diag_file "$out"
	is "$(tree_list)" "$(printf '%s\n' "$before" /etc/iampw /etc/iampw/iampw.conf | sort -u)" \
		"make uninstall removed everything install added but the edited iampw.conf"
	fail_unless "the edited iampw.conf is left as it was" \
		cmp "$work/iampw.conf.edited" /etc/iampw/iampw.conf

	# A clean install for the rest: the shipped iampw.conf.
	rm -f /etc/iampw/iampw.conf && rmdir /etc/iampw
	bmake install >"$out" 2>&1
	fail_unless "make install again, from scratch" test $? -eq 0 || diag_file "$out"
	fail_unless "iampw.conf is the shipped one" cmp "$srcdir/etc/iampw.conf" /etc/iampw/iampw.conf
}

# stack FILE TYPE: the TYPE lines of FILE, one per line, as
# "CONTROL MODULE ARGS..." with blanks collapsed and the blanks inside a
# [...] control turned into commas.
stack() {
	awk -v type="$2" '
		{ sub(/#.*/, "") }
		$1 == type {
			line = $0
			sub(/^[ \t]*[^ \t]+[ \t]+/, "", line)
			ctl = ""
			if (substr(line, 1, 1) == "[") {
				ctl = substr(line, 1, index(line, "]"))
				line = substr(line, length(ctl) + 1)
				gsub(/[ \t]+/, ",", ctl)
			}
			n = split(line, f, /[ \t]+/)
			out = ctl
			for (i = 1; i <= n; i++)
				if (f[i] != "") out = out (out == "" ? "" : " ") f[i]
			print out
		}' "$1"
}

# at FILE TYPE ERE: the number (from 1) of the first TYPE line of FILE that
# matches ERE (anchored), 0 when none does.
at() {
	stack "$1" "$2" | awk -v re="^($3)\$" '$0 ~ re { print NR; found = 1; exit } END { if (!found) print 0 }'
}

# has_option FILE TYPE N OPTION: TYPE line N of FILE has the argument OPTION.
has_option() {
	stack "$1" "$2" | sed -n "$3p" | grep -Eq " $4( |\$)"
}

# sshd_uses_pam CONFIG: sshd -T with CONFIG says "usepam yes".
sshd_uses_pam() {
	/usr/sbin/sshd -T -f "$1" | grep -qx 'usepam yes'
}

# count FILE TYPE ERE: how many TYPE lines match.
count() {
	stack "$1" "$2" | grep -cE "^($3)\$"
}

# jump FILE TYPE N: where line N's "success=K" sends a success (N + K + 1).
jump() {
	local k
	k=$(stack "$1" "$2" | sed -n "$3p" | sed -n 's/.*[[,]success=\([0-9][0-9]*\)[],].*/\1/p')
	echo $(($3 + ${k:-999} + 1))
}

# increasing N...: each number is above 0 and above the one before.
increasing() {
	local prev=0 n
	for n; do
		[ "$n" -gt "$prev" ] || return 1
		prev=$n
	done
}

check_password_stack() {
	local f=/etc/pam.d/common-password c u p m
	c=$(at $f password 'requisite pam_iampw\.so')
	u=$(at $f password '[^ ]+ pam_unix\.so( .*)?')
	p=$(at $f password 'required pam_permit\.so')
	m=$(at $f password 'optional pam_iampw\.so commit')
	diag "common-password:" "$(stack $f password)"
	fail_unless "common-password: the check line, pam_unix, pam_permit, the commit line, in order ($c $u $p $m)" \
		increasing "$c" "$u" "$p" "$m"
	is "$(count $f password '[^ ]+ pam_iampw\.so( .*)?')" 2 "common-password: pam_iampw twice, no more"
	check "common-password: pam_unix stores the checked password: use_authtok yescrypt" \
		has_option $f password "$u" use_authtok --and has_option $f password "$u" yescrypt
	is "$(jump $f password "$u")" "$p" "common-password: pam_unix's success jumps to pam_permit"
}

check_account_stack() {
	local f=/etc/pam.d/common-account u p a
	u=$(at $f account '[^ ]+ pam_unix\.so( .*)?')
	p=$(at $f account 'required pam_permit\.so')
	a=$(at $f account 'required pam_iampw\.so exempt_key_logins')
	diag "common-account:" "$(stack $f account)"
	fail_unless "common-account: pam_unix, pam_permit, then pam_iampw exempt_key_logins ($u $p $a)" \
		increasing "$u" "$p" "$a"
	is "$(count $f account '[^ ]+ pam_iampw\.so( .*)?')" 1 "common-account: pam_iampw once"
	is "$(jump $f account "$u")" "$p" "common-account: pam_unix's success jumps to pam_permit"
}

check_auth_stack() {
	local f=/etc/pam.d/common-auth u p a
	u=$(at $f auth '[^ ]+ pam_unix\.so( .*)?')
	p=$(at $f auth 'required pam_permit\.so')
	a=$(at $f auth 'optional pam_iampw\.so')
	diag "common-auth:" "$(stack $f auth)"
	fail_unless "common-auth: pam_unix, pam_permit, then pam_iampw ($u $p $a)" \
		increasing "$u" "$p" "$a"
	is "$(count $f auth '[^ ]+ pam_iampw\.so( .*)?')" 1 "common-auth: pam_iampw once"
	is "$(jump $f auth "$u")" "$p" "common-auth: pam_unix's success jumps to pam_permit"
}

# includes SERVICE COMMON...: /etc/pam.d/SERVICE includes each common file.
includes() {
	local svc=$1 c
	shift
	for c; do
		grep -Eq "^@include[[:space:]]+${c}[[:space:]]*\$" "/etc/pam.d/$svc" || {
			echo "/etc/pam.d/$svc does not include $c"
			return 1
		}
	done
}

# unchanged COMMON...: the files are as saved in $work/before.
unchanged() {
	local f
	for f; do
		cmp "$work/before/$f" "/etc/pam.d/$f" || return 1
	done
}

# The copy's stack as on a plain Debian host: pam-auth-update enables the
# profile unix alone, whatever this host enables (a host with
# libpam-pwquality puts pam_pwquality first: TESTING.md; the stacks of
# such hosts are tests/sandbox/test_coexist.sh's).  e2e_stack: tests/e2e/e2e.sh.
plain_stack() {
	e2e_stack unix || { diag_file "$E2E_WORK/stack.out"; return 1; }
}

test_pam_auth_update() {
	local f out=$work/pam-auth-update.out
	plain_stack || bail_out "pam-auth-update could not enable the profile unix alone"
	mkdir -p "$work/before"
	cp -p /etc/pam.d/common-* "$work/before/"
	DEBIAN_FRONTEND=noninteractive timeout 60 \
		pam-auth-update --package --enable iampw iampw-commit </dev/null >"$out" 2>&1
	fail_unless "pam-auth-update --package --enable iampw iampw-commit" test $? -eq 0 ||
		diag_file "$out"
	check_password_stack
	check_account_stack
	check_auth_stack
	fail_unless "common-session and common-session-noninteractive unchanged" \
		unchanged common-session common-session-noninteractive
	fail_unless "/etc/pam.d/login includes common-auth, common-account, common-password" \
		includes login common-auth common-account common-password
}

# An expect script: passwd as the user, a weak password first (its
# rejection must be shown), then a good one.
write_passwd_exp() {
	cat >"$work/passwd.exp" <<-'EOF'
		set timeout 20
		lassign $argv user current weak good
		spawn runuser -u $user -- passwd
		expect {
			"Current password: " { send "$current\r" }
			timeout { exit 101 }
		}
		expect "New password: " { send "$weak\r" }
		expect "Retype new password: " { send "$weak\r" }
		expect {
			"Password does not conform to the account password policy" {}
			"New password: " { exit 102 }
			timeout { exit 102 }
		}
		expect "New password: " { send "$good\r" }
		expect "Retype new password: " { send "$good\r" }
		expect eof
		lassign [wait] pid spawnid oserr status
		exit $status
	EOF
}

# su from `from` to `to`, answering the password prompt.
write_su_exp() {
	cat >"$work/su.exp" <<-'EOF'
		set timeout 20
		lassign $argv from to password
		spawn runuser -u $from -- su $to -c {echo "su-ok-as-$(id -un)"}
		expect {
			"Password: " { send "$password\r" }
			timeout { exit 101 }
		}
		expect eof
		lassign [wait] pid spawnid oserr status
		exit $status
	EOF
}

shadow_hash() {
	awk -F: -v u="$1" '$1 == u { print $2 }' /etc/shadow
}

# profile_get USER KEY: profiles are filed by uid (iampw.conf(5)).
profile_get() {
	sed -n "s/^$2 = //p" "/var/lib/iampw/profiles/$(id -u "$1")" 2>/dev/null
}

test_services() {
	local rc out=$work/prog.out hash t0 t1 v sudoers=/etc/sudoers.d/iampw-install-test
	user=alice other=bob
	getent passwd alice >/dev/null && user=iampwa$$
	getent passwd bob >/dev/null && other=iampwb$$
	useradd -m "$user" >&2 && useradd -m "$other" >&2
	# -c: chpasswd hashes itself, outside the stack under test.
	echo "$user:$P0" | chpasswd -c YESCRYPT >&2
	write_passwd_exp
	write_su_exp

	# passwd as the user: the reference stack through common-password.
	hash=$(shadow_hash "$user")
	sandbox_log_clear
	t0=$(date +%s)
	expect "$work/passwd.exp" "$user" "$P0" "$WEAK" "$P1" >"$out" 2>&1
	rc=$?
	t1=$(date +%s)
	grep -q "Password does not conform to the account password policy" "$out"
	fail_unless "passwd as $user: a weak password is refused with the policy message" \
		test $? -eq 0 -a "$rc" -ne 101 -a "$rc" -ne 102 || diag_file "$out"
	check "passwd as $user: then a good one is accepted" \
		test "$rc" -eq 0 --and grep -q 'password updated successfully' "$out" || diag_file "$out"
	fail_unless "the shadow hash changed" test "$(shadow_hash "$user")" != "$hash"
	v=$(profile_get "$user" password_last_changed)
	fail_unless "the commit line recorded the change in the profile ($v in $t0..$t1)" \
		test -n "$v" -a "${v:-0}" -ge "$t0" -a "${v:-0}" -le "$t1"
	fail_unless "pam_iampw's 'password change recorded' reached \$SANDBOX_LOG at authpriv.info" \
		sandbox_wait_log "^authpriv\.info passwd\[[0-9]*\]: pam_iampw(passwd:chauthtok): user $user: password change recorded\$" ||
		diag_file "$SANDBOX_LOG"

	# su from an unprivileged user: common-auth and common-account.
	t0=$(date +%s)
	expect "$work/su.exp" "$other" "$user" "$P1" >"$out" 2>&1
	rc=$?
	t1=$(date +%s)
	check "su from $other to $user with the new password" \
		test "$rc" -eq 0 --and grep -q "^su-ok-as-$user" "$out" || diag_file "$out"
	v=$(profile_get "$user" password_last_used)
	fail_unless "the auth line recorded password_last_used ($v in $t0..$t1)" \
		test -n "$v" -a "${v:-0}" -ge "$t0" -a "${v:-0}" -le "$t1"
	expect "$work/su.exp" "$other" "$user" "$P0" >"$out" 2>&1
	rc=$?
	check "su with the old password fails: 'Authentication failure'" \
		test "$rc" -ne 0 --and grep -q 'Authentication failure' "$out" --and ! grep -q '^su-ok-as-' "$out" ||
		diag_file "$out"

	# sudo -S: its service includes common-auth and common-account.
	echo "$user ALL=(ALL:ALL) ALL" >"$sudoers" && chmod 0440 "$sudoers"
	fail_unless "/etc/pam.d/sudo includes common-auth, common-account" \
		includes sudo common-auth common-account
	v=$(echo "$P1" | runuser -u "$user" -- sudo -S -k -p 'sudo-prompt:' id -u 2>"$out")
	rc=$?
	fail_unless "sudo -S as $user with the password: runs as root (id -u: '$v')" \
		test "$rc" -eq 0 -a "$v" = 0 || diag_file "$out"
	v=$(echo "$P0" | runuser -u "$user" -- sudo -S -k -p 'sudo-prompt:' id -u 2>"$out")
	rc=$?
	fail_unless "sudo -S with a wrong password: refused" \
		test "$rc" -ne 0 -a -z "$v" || diag_file "$out"

	# sshd: the configuration with UsePAM is accepted (the sessions are
	# other tests').
	fail_unless "/etc/pam.d/sshd includes common-auth, common-account, common-password" \
		includes sshd common-auth common-account common-password
	mkdir -p "$work/ssh" && ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/hostkey" >&2
	cat >"$work/ssh/sshd_config" <<-EOF
		Port 2222
		ListenAddress 127.0.0.1
		HostKey $work/ssh/hostkey
		UsePAM yes
		KbdInteractiveAuthentication yes
		PasswordAuthentication yes
	EOF
	fail_unless "sshd -t accepts a configuration with UsePAM yes" \
		/usr/sbin/sshd -t -f "$work/ssh/sshd_config"
	check "sshd -T: usepam yes" \
		sshd_uses_pam "$work/ssh/sshd_config"
}

test_remove() {
	local f out=$work/pam-auth-update.out
	DEBIAN_FRONTEND=noninteractive timeout 60 \
		pam-auth-update --package --remove iampw iampw-commit </dev/null >"$out" 2>&1
	fail_unless "pam-auth-update --package --remove iampw iampw-commit" test $? -eq 0 ||
		diag_file "$out"
	for f in common-password common-account common-auth; do
		fail_unless "$f is byte-identical to before --enable" \
			cmp "$work/before/$f" "/etc/pam.d/$f"
	done
	fail_if "no pam_iampw left in /etc/pam.d/common-*" grep -l pam_iampw /etc/pam.d/common-*
}

inside() {
	mkdir -p "$work" || bail_out "cannot create $work"
	test_make_install
	test_pam_auth_update
	test_services
	test_remove
	[ "$TAP_N" -eq "$INSIDE_TESTS" ] || diag "inside ran $TAP_N results, INSIDE_TESTS says $INSIDE_TESTS"
	done_testing
}

# The second run: sandbox.sh --install did its part before this.
inside_installed() {
	local marker
	TAP_N=$INSIDE_TESTS
	is "${SANDBOX_INSTALLED:-}" 1 "--install: SANDBOX_INSTALLED=1"
	fail_unless "--install: the module, iampw-admin and the profiles are installed" \
		test -f "$securedir/pam_iampw.so" -a -x /usr/sbin/iampw-admin \
		-a -f /usr/share/pam-configs/iampw -a -f /usr/share/pam-configs/iampw-commit
	check "--install: common-password has the check and the commit line" \
		test "$(at /etc/pam.d/common-password password 'requisite pam_iampw\.so')" -gt 0 \
		--and test "$(at /etc/pam.d/common-password password 'optional pam_iampw\.so commit')" -gt 0
	marker="install-test-$$-$RANDOM"
	logger -t iampw-install-test "$marker" >&2
	fail_unless "a message sent to /dev/log is a line of \$SANDBOX_LOG" \
		sandbox_wait_log "^user\.notice iampw-install-test: $marker\$"
	check "a new devpts instance on /dev/pts, /dev/ptmx -> pts/ptmx" \
		test "$(ls -A /dev/pts)" = ptmx --and test "$(readlink /dev/ptmx)" = pts/ptmx
	[ "$TAP_N" -eq $((INSIDE_TESTS + INSTALLED_TESTS)) ] ||
		diag "the --install run ended at $TAP_N results"
	done_testing
}

# --------------------------------------------------------------------------
# On the host.

# What the test would leave behind if it leaked: checked here too,
# independently of sandbox.sh.
host_state() {
	sha256sum /etc/passwd /etc/shadow /etc/group /etc/gshadow 2>&1
	find /etc/pam.d /etc/sudoers.d /var/lib/pam -type f -exec sha256sum {} + 2>&1 | sort
	ls -la --time-style=full-iso /usr/share/pam-configs "$securedir" "$bashcompdir" 2>&1
	ls -d /etc/iampw /var/lib/iampw /usr/sbin/iampw-admin /usr/share/man/man8/pam_iampw.8 2>&1
}

# run_sandbox ERRFILE LAST [--install]: the sandbox around this script,
# whose results must end at number LAST; those it did not print (it
# stopped early, or the sandbox refused to run it) are failures.
run_sandbox() {
	local errf=$1 last=$2 mode=--inside outf rc n
	shift 2
	[ "${1:-}" = --install ] && mode=--inside-installed
	outf=$(mktemp) || bail_out "mktemp failed"
	top_builddir=$builddir "$here/sandbox.sh" "$@" "$here/$(basename "$0")" "$mode" \
		>"$outf" 2>"$errf"
	rc=$?
	cat "$outf"
	n=$(sed -n 's/^\(not \)\{0,1\}ok \([0-9][0-9]*\).*/\2/p' "$outf" | tail -n 1)
	TAP_N=${n:-$TAP_N}
	while [ "$TAP_N" -lt "$last" ]; do
		fail "(no result: the sandbox run $mode stopped before it)"
	done
	rm -f "$outf"
	return "$rc"
}

sandbox_ok() {
	local rc=$1 errf=$2 what=$3
	diag "$what: sandbox exit status $rc; its stderr:"
	diag_file "$errf"
	fail_if "$what: the sandbox set up and verified its private mounts" \
		grep -q '^sandbox: refusing' "$errf"
	if [ "$rc" -ne 124 ] && [ "$(tail -n 1 "$errf")" = "sandbox: host unchanged" ]; then
		pass "$what: the sandbox's host check passed"
	else
		fail "$what: the sandbox's host check passed"
	fi
	[ "$rc" -eq 0 ] || TAP_FAILED=$((TAP_FAILED + 1))
}

outside() {
	local tool rc1 rc2 err1 err2 before v
	[ "$(id -u)" -eq 0 ] ||
		skip_all "needs root: make install and pam-auth-update run in a throwaway namespace sandbox"
	for tool in unshare make flock pam-auth-update expect sudo ssh-keygen useradd chpasswd \
		runuser logger python3; do
		command -v "$tool" >/dev/null 2>&1 ||
			bail_out "$tool is not installed (tools/deps.sh)"
	done
	[ -x /usr/sbin/sshd ] || bail_out "sshd is not installed (tools/deps.sh)"
	builddir=$(cd "${top_builddir:-$here/../..}" && pwd) || bail_out "no build directory"
	srcdir=$(cd "${top_srcdir:-$here/../..}" && pwd) || bail_out "no source directory"
	[ -f "$builddir/pam_iampw/.libs/pam_iampw.so" ] && [ -x "$builddir/iampw-admin/iampw-admin" ] ||
		bail_out "the module and iampw-admin are not built in $builddir"
	for v in prefix=/usr sysconfdir=/etc localstatedir=/var; do
		[ "$(make_var "${v%%=*}")" = "${v#*=}" ] ||
			skip_all "the build is not configured for the system ($v wanted): make install would not reach PAM"
	done
	securedir=$(make_var securedir)
	[ -f "$securedir/pam_unix.so" ] ||
		skip_all "securedir $securedir does not hold pam_unix.so: PAM would not find the module"
	bashcompdir=$(make_var BASH_COMPLETION_DIR)
	for v in "$securedir/pam_iampw.so" /usr/sbin/iampw-admin /usr/share/pam-configs/iampw \
		/etc/iampw /var/lib/iampw; do
		[ -e "$v" ] && skip_all "$v exists: pam_iampw is installed on this host; the test needs a host without it"
	done
	export builddir srcdir securedir bashcompdir

	plan $((INSIDE_TESTS + INSTALLED_TESTS + OUTSIDE_TESTS))
	diag "build: $builddir; module directory: $securedir"
	before=$(host_state)
	err1=$(mktemp) && err2=$(mktemp) || bail_out "mktemp failed"
	run_sandbox "$err1" "$INSIDE_TESTS"
	rc1=$?
	TAP_N=$INSIDE_TESTS
	run_sandbox "$err2" $((INSIDE_TESTS + INSTALLED_TESTS)) --install
	rc2=$?
	TAP_N=$((INSIDE_TESTS + INSTALLED_TESTS))
	sandbox_ok "$rc1" "$err1" "make install run"
	sandbox_ok "$rc2" "$err2" "--install run"
	is "$(host_state)" "$before" \
		"host accounts, /etc/pam.d, pam-configs, the module directory, /var/lib/pam unchanged (checked by the test)"
	rm -f "$err1" "$err2"
	done_testing
}

case ${1:-} in
--inside | --inside-installed)
	[ "${SANDBOX:-}" = 1 ] || bail_out "$1 runs only inside sandbox.sh"
	if [ "$1" = --inside ]; then inside; else inside_installed; fi
	;;
*)
	outside
	;;
esac
