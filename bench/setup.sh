#!/bin/sh
# bench/setup.sh OUTDIR: what `make bench` needs besides the build, on the
# host, without touching its PAM configuration.
#
# The peer module pam_pwquality is NOT installed: the libpam-pwquality
# package runs pam-auth-update and would rewrite /etc/pam.d/common-password.
# Its .deb is downloaded into OUTDIR and pam_pwquality.so extracted from
# it; its libraries and cracklib's dictionary (libpwquality1, libcrack2,
# cracklib-runtime) touch no PAM file and are installed normally, as is
# passwdqc (pwqfilter, which builds figure 7's filter; libpam-passwdqc,
# the PAM module, is a separate package and stays out).
set -eu
out=$1
need=""
for p in libpwquality1 libcrack2 cracklib-runtime valgrind time passwdqc; do
	dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		need="$need $p"
done
if [ -n "$need" ]; then
	echo "bench/setup.sh: apt-get install$need"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need
fi
mkdir -p "$out/deb"
so=$(find "$out/pwquality" -name pam_pwquality.so 2>/dev/null | head -n 1)
if [ -z "$so" ]; then
	rm -rf "$out/deb"/*.deb "$out/pwquality"
	# apt's _apt user must be able to write here, or apt warns and downloads as root.
	(cd "$out/deb" && apt-get download -q libpam-pwquality 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
	deb=$(ls "$out/deb"/libpam-pwquality_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "bench/setup.sh: apt-get download libpam-pwquality failed" >&2; exit 1; }
	dpkg-deb -x "$deb" "$out/pwquality"
	so=$(find "$out/pwquality" -name pam_pwquality.so | head -n 1)
	[ -n "$so" ] || { echo "bench/setup.sh: no pam_pwquality.so in $deb" >&2; exit 1; }
fi
echo "bench/setup.sh: peer module $so"
