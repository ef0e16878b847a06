#!/bin/bash
# The README's first quick-start command: install what is needed, build,
# and show the core's rules at work on sample passwords and policies.
# Touches no account, no /etc/pam.d and no /etc/shadow.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "$(id -u)" -eq 0 ]; then
	tools/deps.sh > build-deps.log 2>&1 || { cat build-deps.log; exit 1; }
	rm -f build-deps.log
else
	echo "(not root: skipping the package install; see tools/deps.sh)"
fi
mkdir -p build/demo
if [ ! -x build/demo/tools/iampw-try ]; then
	[ -x configure ] || ./bootstrap > /dev/null
	[ ! -f config.status ] || { echo "the source tree is configured: run 'make distclean' first" >&2; exit 2; }
	(cd build/demo && "$top/configure" --quiet && make -j"$(nproc)" --quiet) > build/demo.log 2>&1 ||
		{ tail -n 30 build/demo.log; exit 1; }
fi
try=build/demo/tools/iampw-try
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }

say "1. No custom policy: IAM's default applies (8-128 characters, 3 of the 4 types)."
printf '%s\n' 'summer2024' 'Summer2024' 'Sh0rt!' 'alice' | tee "$work/in" | sed 's/^/   candidate: /'
"$try" --user alice < "$work/in" || true

say "2. A custom policy, as update-account-password-policy will write it:"
cat > "$work/policy.conf" <<'POLICY'
[policy]
minimum_password_length = 14
require_symbols = true
require_numbers = true
require_uppercase_characters = true
require_lowercase_characters = true
allow_users_to_change_password = true
max_password_age = 90
password_reuse_prevention = 5
POLICY
chmod 0644 "$work/policy.conf"
sed 's/^/   /' "$work/policy.conf"
printf '%s\n' 'correcthorse' 'Correct-Horse-Battery-9' 'Alice Smith' 'tilde~and.dots~Aa1' | tee "$work/in" | sed 's/^/   candidate: /'
"$try" --policy "$work/policy.conf" --user alice --gecos 'Alice Smith,,,' < "$work/in" || true

say "3. A policy file with mistakes is refused, every problem with file:line:"
printf '[policy]\nminimum_password_length = 010\nmax_password_age = 1096\nrequire_symbols = maybe\nfavourite_colour = blue\n' > "$work/bad.conf"
chmod 0644 "$work/bad.conf"
sed 's/^/   /' "$work/bad.conf"
"$try" --policy "$work/bad.conf" < /dev/null || true
