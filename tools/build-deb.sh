#!/bin/sh
# Build the Debian package (debian/) from this checkout without touching
# the checkout, and check it with lintian.
#
#   tools/build-deb.sh          (any user with dpkg-dev, debhelper, fakeroot
#                                and the Build-Depends of debian/control)
#
# The files git knows (tracked, and new ones not ignored) are copied to
# build/deb-src/pam-iampw/, `dpkg-buildpackage -us -uc -b` runs there,
# and the results (.deb, .buildinfo, .changes) go to build/deb/, with
# lintian's output in build/deb/lintian.txt.  Exit status 1 when the build
# fails or lintian reports an error (E:) or a warning (W:).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
src=$top/build/deb-src
out=$top/build/deb

for tool in git dpkg-buildpackage lintian; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "tools/build-deb.sh: $tool is not installed" >&2
		exit 1
	}
done

git rev-parse --git-dir >/dev/null 2>&1 || {
	echo "tools/build-deb.sh: $top is not a git checkout (it copies the files git knows)" >&2
	exit 1
}
rm -rf "$src" "$out"
mkdir -p "$src/pam-iampw" "$out"
# Only what a clean clone has, plus new files not yet committed: never
# the generated ./configure, build trees or editor files.
git ls-files -z --cached --others --exclude-standard |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -T - -cf - | tar -xf - -C "$src/pam-iampw"

(cd "$src/pam-iampw" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "tools/build-deb.sh: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
for f in "$src"/*.deb "$src"/*.buildinfo "$src"/*.changes; do
	[ -e "$f" ] && mv "$f" "$out/"
done
ls "$out"/pam-iampw_*.deb >/dev/null 2>&1 || {
	echo "tools/build-deb.sh: no pam-iampw_*.deb was built" >&2
	exit 1
}

# Every tag lintian shows by default (E, W, I) and the overridden ones (O).
rc=0
lintian --show-overrides "$out"/pam-iampw_*.changes >"$out/lintian.txt" 2>&1 || rc=$?
cat "$out/lintian.txt"
if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
	echo "tools/build-deb.sh: lintian failed (exit status $rc)" >&2
	exit 1
fi
if grep -q '^[EW]: ' "$out/lintian.txt"; then
	echo "tools/build-deb.sh: lintian reports errors or warnings" >&2
	exit 1
fi
echo "built: $(ls "$out"/pam-iampw_*.deb)"
