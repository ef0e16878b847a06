#!/bin/sh
# stack-note.sh [COMMON-PASSWORD]: what enabling pam_iampw will do on this
# host, printed by `make install` (pam_iampw(8), "COEXISTING WITH OTHER
# PASSWORD MODULES").  Reads the password stack (default
# /etc/pam.d/common-password) and names every module in it that also
# checks or prompts for new passwords, so that the administrator knows it
# stays and comes first.  Prints only; always exits 0.
f=${1:-/etc/pam.d/common-password}
echo "pam_iampw: to enable it: pam-auth-update --enable iampw iampw-commit (--remove to undo)"
[ -r "$f" ] || exit 0
# The module of each password line (the control may be a [...] group);
# those that neither prompt nor check are left out.
peers=$(awk '
	{ sub(/#.*/, "") }
	$1 == "password" || $1 == "-password" {
		line = $0
		sub(/^[ \t]*-?password[ \t]+/, "", line)
		if (substr(line, 1, 1) == "[")
			line = substr(line, index(line, "]") + 1)
		else
			sub(/^[^ \t]+/, "", line)
		sub(/^[ \t]+/, "", line)
		split(line, w, /[ \t]+/)
		m = w[1]
		sub(/.*\//, "", m)
		if (m !~ /^pam_(unix|deny|permit|iampw|gnome_keyring|systemd_home)\.so$/ && !(m in seen)) {
			seen[m] = 1
			printf "%s%s", (n++ ? " " : ""), m
		}
	}' "$f")
[ -n "$peers" ] || exit 0
cat <<MSG
pam_iampw: this host's password stack ($f) already has: $peers.
pam_iampw: enabling pam_iampw disables none of them.  Those whose pam-auth-update
pam_iampw: profile has a higher priority than pam_iampw's 512 (libpam-pwquality,
pam_iampw: libpam-passwdqc: 1024) stay in front of it: they ask for the new
pam_iampw: password and check it first, with their own tries and messages;
pam_iampw: pam_iampw then checks the password they approved, once, and refuses
pam_iampw: the change listing every failed IAM rule, without asking again.  A
pam_iampw: password is stored only when every module passed it, and --remove
pam_iampw: restores /etc/pam.d exactly.  See pam_iampw(8), section
pam_iampw: "COEXISTING WITH OTHER PASSWORD MODULES".
MSG
exit 0
