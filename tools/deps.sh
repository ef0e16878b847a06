#!/bin/sh
# Install everything pam_iampw needs to build and to run every test, from
# Debian 12's packages.  Run as root; safe to run again.
set -e
if [ "$(id -u)" -ne 0 ]; then
	echo "tools/deps.sh: run as root (it uses apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# An update is needed once on a fresh machine; skip it when lists are recent.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -720 2>/dev/null | head -n 1)" ]; then
	apt-get update -q
fi
apt-get install -y -q --no-install-recommends --no-upgrade \
	build-essential autoconf automake libtool pkg-config \
	libpam0g-dev libcrypt-dev libiniparser-dev libjson-c-dev libyaml-dev jp \
	libunistring-dev nettle-dev passwdqc \
	liboath-dev libqrencode-dev libpng-dev oathtool zbar-tools \
	libpam-modules libpam-runtime pamtester \
	libcmocka-dev libnss-wrapper libuid-wrapper \
	clang libclang-rt-14-dev valgrind \
	python3 util-linux iproute2 passwd login \
	expect openssh-server openssh-client sudo awscli \
	libpwquality1 libcrack2 cracklib-runtime time \
	gdb procps coreutils \
	dpkg-dev debhelper lintian

# tests/admin/test_compliance.sh: the AWS CLI's own parameter validation
# must accept the policy presets (offline; no request reaches AWS).
apt-get install -y -q --no-install-recommends --no-upgrade awscli

# The password-quality modules a hardened host already runs (SPEC §5.5):
# the coexistence tests and the demo enable their pam-auth-update profiles
# inside the sandbox only.  Their postinst runs `pam-auth-update
# --package`, which enables a new profile marked "Default: yes" on this
# host; so each profile this run brings in is disabled again at once
# (--disable also marks it as seen: no later pam-auth-update run turns it
# on), and /etc/pam.d/common-* must come out byte for byte as they went in.
# A peer that was installed before is left as the administrator had it.
peer_pkgs="" peer_profiles=""
for peer in libpam-pwquality:pwquality libpam-passwdqc:passwdqc; do
	if ! dpkg-query -W -f='${Status}\n' "${peer%%:*}" 2>/dev/null | grep -qx 'install ok installed'; then
		peer_pkgs="$peer_pkgs ${peer%%:*}"
		peer_profiles="$peer_profiles ${peer#*:}"
	fi
done
if [ -n "$peer_pkgs" ]; then
	pam_before=$(sha256sum /etc/pam.d/common-* 2>&1)
	# shellcheck disable=SC2086 # word lists on purpose
	apt-get install -y -q --no-install-recommends --no-upgrade $peer_pkgs
	# shellcheck disable=SC2086
	pam-auth-update --package --disable $peer_profiles </dev/null
	if [ "$(sha256sum /etc/pam.d/common-* 2>&1)" != "$pam_before" ]; then
		echo "tools/deps.sh: installing$peer_pkgs changed /etc/pam.d/common-*;" >&2
		echo "tools/deps.sh: check them, and run 'pam-auth-update' to choose the profiles you want" >&2
		exit 1
	fi
	echo "tools/deps.sh: installed$peer_pkgs; their PAM profiles (${peer_profiles# }) are left disabled on this host"
fi

# tests/ansible: ansible-playbook drives the iampw.fleet modules; ansible-test
# and the checkers it would otherwise fetch from PyPI check them.
apt-get install -y -q --no-install-recommends --no-upgrade \
	ansible-core python3-voluptuous pycodestyle yamllint
