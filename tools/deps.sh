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
	libpam-modules libpam-runtime pamtester \
	libcmocka-dev libpamtest0-dev libpam-wrapper libnss-wrapper libuid-wrapper \
	clang libclang-rt-14-dev valgrind \
	python3 util-linux iproute2 passwd login \
	expect openssh-server openssh-client sudo awscli \
	libpwquality1 libcrack2 cracklib-runtime time \
	gdb procps coreutils
