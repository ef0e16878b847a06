#!/bin/sh
# The built pam_iampw.so exports the four PAM entry points and nothing
# else (the version script), and needs nothing beyond libc, libpam,
# libcrypt and libnettle (the filter's MD4, when it is not linked in):
# every symbol it imports is defined by one of them, so the module loads
# the same way inside sshd, login or passwd.  libunistring and liboath
# must not be among them: the module opens them only when a password
# change or the MFA step needs them (lib/lazy.c), and linking them would
# cost every account check their relocations (SPEC 8).  iniparser is the
# admin tool's alone (lib/ini.c).
#
# The module is found under $top_builddir (exported by `make check`), else
# relative to this script (an in-tree build).

here=$(cd "$(dirname "$0")" && pwd) || exit 99
. "$here/../lib.sh"

builddir=$(cd "${top_builddir:-$here/../..}" && pwd) || exit 99
so=$builddir/pam_iampw/.libs/pam_iampw.so
entry_points="pam_sm_authenticate pam_sm_setcred pam_sm_acct_mgmt pam_sm_chauthtok"
# sonames the module may need; the sanitizer runtimes only in a
# --enable-sanitizers build, which adds them itself.
allowed_libs="libc.so.6 libpam.so.0 libcrypt.so.1 libnettle.so.8"
san_libs="libasan.so.* libubsan.so.*"

for tool in nm readelf ldd; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "$tool is not installed (binutils, libc-bin)"
done

plan 9

tmp=$(mktemp -d) || bail_out "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

if ! fail_unless "the module is built: $so" test -f "$so"; then
	bail_out "build the module first (make)"
fi

# Defined dynamic symbols, without versions.
nm -D --defined-only "$so" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' | sort -u >"$tmp/defined"
for sym in $entry_points; do
	fail_unless "exports $sym" grep -qx "$sym" "$tmp/defined"
done

grep -vx -e pam_sm_authenticate -e pam_sm_setcred -e pam_sm_acct_mgmt \
	-e pam_sm_chauthtok "$tmp/defined" >"$tmp/extra"
if [ -s "$tmp/extra" ]; then
	fail "exports nothing but pam_sm_*"
	diag "also exported:"
	diag_file "$tmp/extra"
else
	pass "exports nothing but pam_sm_*"
fi

# DT_NEEDED entries.
readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' >"$tmp/needed"
: >"$tmp/badneeded"
while read -r lib; do
	ok_lib=no
	for a in $allowed_libs $san_libs; do
		# shellcheck disable=SC2254 # $a is a pattern on purpose
		case $lib in $a) ok_lib=yes ;; esac
	done
	[ "$ok_lib" = yes ] || echo "$lib" >>"$tmp/badneeded"
done <"$tmp/needed"
if [ -s "$tmp/badneeded" ]; then
	fail "needs only libc, libpam, libcrypt, libnettle"
	diag "also needs:"
	diag_file "$tmp/badneeded"
else
	pass "needs only libc, libpam, libcrypt, libnettle"
fi

# Every strong undefined symbol must be defined by one of the allowed
# libraries, as this host resolves them (weak ones, such as
# __cxa_finalize or __gmon_start__, may stay unresolved).
nm -D --undefined-only "$so" | awk '$1 == "U" { sub(/@.*/, "", $2); print $2 }' | sort -u >"$tmp/undef"
: >"$tmp/provided"
ldd "$so" >"$tmp/ldd" 2>&1
for name in $allowed_libs $san_libs; do
	# "	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)"
	path=$(awk -v n="$name" '$2 == "=>" && $1 ~ "^" n "$" { print $3; exit }' "$tmp/ldd")
	[ -n "$path" ] && nm -D --defined-only "$path" |
		awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' >>"$tmp/provided"
done
sort -u -o "$tmp/provided" "$tmp/provided"
comm -23 "$tmp/undef" "$tmp/provided" >"$tmp/unresolved"
if [ ! -s "$tmp/undef" ] || [ ! -s "$tmp/provided" ]; then
	fail "imports only symbols of libc, libpam, libcrypt, libnettle"
	diag "could not list the imports or the allowed libraries' symbols:"
	diag_file "$tmp/ldd"
elif [ -s "$tmp/unresolved" ]; then
	fail "imports only symbols of libc, libpam, libcrypt, libnettle"
	diag "defined by none of them:"
	diag_file "$tmp/unresolved"
else
	pass "imports only symbols of libc, libpam, libcrypt, libnettle ($(wc -l <"$tmp/undef") symbols)"
fi

# The dynamic linker's own view: ldd -r performs every relocation.
ldd -r "$so" >"$tmp/lddr" 2>&1
if grep -q 'undefined symbol\|not found' "$tmp/lddr"; then
	fail "ldd -r resolves every symbol"
	diag_file "$tmp/lddr"
else
	pass "ldd -r resolves every symbol"
fi

done_testing
