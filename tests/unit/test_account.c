/*
 * Unit tests of lib/account.c: which account a profile belongs to
 * (SPEC §3.1), the account fingerprint, and how names are recorded and
 * shown.  No clock and no real user: every case is an account value.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"
#include "internal.h"

#define DAY INT64_C(86400)
#define NOW (INT64_C(20000) * DAY + 3600)
#define HASH_A "$y$j9T$abcdefghijklmnopqrstu.$0123456789012345678901234567890123456789ABC"
#define HASH_B "$y$j9T$ABCDEFGHIJKLMNOPQRSTU.$0123456789012345678901234567890123456789ABC"

static void account(struct iampw_acct *a, const char *name, uid_t uid, const char *hash,
		    long lastchg)
{
	memset(a, 0, sizeof *a);
	a->uid = uid;
	a->gid = uid;
	a->name = name;
	iampw_acct_set_shadow(a, hash != NULL, hash, lastchg);
}

static void test_fingerprint(void **state)
{
	struct iampw_acct a, b;

	(void)state;
	account(&a, "alice", 1001, HASH_A, 19000);
	assert_true(iampw_fp_valid(a.fp));
	assert_int_equal(strlen(a.fp), 64);
	/* The same entry, the same fingerprint: whatever the name, uid or date. */
	account(&b, "bob", 1002, HASH_A, 1);
	assert_string_equal(a.fp, b.fp);
	/* Locked with passwd -l / usermod -L: the same credential. */
	account(&b, "alice", 1001, "!" HASH_A, 19000);
	assert_string_equal(a.fp, b.fp);
	account(&b, "alice", 1001, "!!" HASH_A, 19000);
	assert_string_equal(a.fp, b.fp);
	assert_false(b.usable);
	/* Another hash, no hash, no entry at all: three others. */
	account(&b, "alice", 1001, HASH_B, 19000);
	assert_string_not_equal(a.fp, b.fp);
	account(&b, "alice", 1001, "", 19000);
	assert_string_not_equal(a.fp, b.fp);
	{
		struct iampw_acct none;

		account(&none, "alice", 1001, NULL, 19000);
		assert_false(none.shadow);
		assert_int_equal(none.lastchg, -1);
		assert_string_not_equal(none.fp, b.fp);
	}
	/* The hash itself never appears in the fingerprint. */
	assert_null(strstr(a.fp, "abcdefghijklmnopqrstu"));
	/* Not a fingerprint. */
	assert_false(iampw_fp_valid("0123"));
	assert_false(iampw_fp_valid("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
}

static void test_usable(void **state)
{
	(void)state;
	assert_true(iampw_hash_usable(HASH_A));
	assert_true(iampw_hash_usable("x"));
	assert_false(iampw_hash_usable(""));
	assert_false(iampw_hash_usable(NULL));
	assert_false(iampw_hash_usable("!" HASH_A));
	assert_false(iampw_hash_usable("*"));
	assert_false(iampw_hash_usable("!*"));
}

static void bound_profile(const struct iampw_acct *a, const char *name,
			  struct iampw_profile *p)
{
	iampw_profile_new(a, NOW - 30 * DAY, p);
	snprintf(p->user, sizeof p->user, "%s", name);
	p->reset_required = true;
	p->nhistory = 1;
	strcpy(p->salt, "$y$j9T$abcdefghijklmnopqrstu.");
	strcpy(p->history[0], HASH_A);
}

static void test_govern(void **state)
{
	struct iampw_profile p;
	struct iampw_acct a;

	(void)state;
	account(&a, "alice", 1001, HASH_A, 19990);

	/* Its own profile: unchanged. */
	bound_profile(&a, "alice", &p);
	assert_int_equal(iampw_govern(&a, true, NOW, &p), IAMPW_OWNER_SELF);
	assert_true(p.reset_required);
	assert_int_equal(p.nhistory, 1);

	/* Renamed (usermod -l): still its own, with everything in it. */
	bound_profile(&a, "alicia", &p);
	assert_int_equal(iampw_govern(&a, true, NOW, &p), IAMPW_OWNER_RENAMED);
	assert_true(p.reset_required);
	assert_string_equal(p.user, "alicia");

	/* Re-created, or set outside PAM: reset required, no history, no old date. */
	{
		struct iampw_acct other;

		account(&other, "alice", 1001, HASH_B, 19995);
		bound_profile(&a, "alice", &p);
		p.reset_required = false;
		p.last_used = NOW - DAY;
		assert_int_equal(iampw_govern(&other, true, NOW, &p), IAMPW_OWNER_OTHER);
		assert_true(p.reset_required);
		assert_int_equal(p.nhistory, 0);
		assert_string_equal(p.salt, "");
		assert_int_equal(p.last_used, 0);
		assert_true(p.last_changed == 19995 * DAY);
		assert_string_equal(p.account, other.fp);
	}
	/* A profile filed under another uid is never this account's. */
	bound_profile(&a, "alice", &p);
	p.uid = 1002;
	assert_int_equal(iampw_govern(&a, true, NOW, &p), IAMPW_OWNER_OTHER);

	/* No profile, usable password: shadow's dates. */
	assert_int_equal(iampw_govern(&a, false, NOW, &p), IAMPW_OWNER_SHADOW);
	assert_true(p.last_changed == 19990 * DAY);
	assert_false(p.reset_required);
	assert_int_equal(p.uid, 1001);
	assert_string_equal(p.user, "alice");
	account(&a, "alice", 1001, HASH_A, 0);
	assert_int_equal(iampw_govern(&a, false, NOW, &p), IAMPW_OWNER_SHADOW);
	assert_true(p.reset_required);
	account(&a, "alice", 1001, HASH_A, -1);
	assert_int_equal(iampw_govern(&a, false, NOW, &p), IAMPW_OWNER_SHADOW);
	assert_true(p.last_changed == 0);
	/* An empty date is expired as soon as MaxPasswordAge is set. */
	{
		struct iampw_policy pol;

		iampw_policy_custom_defaults(&pol);
		pol.custom = true;
		pol.max_age = 1095;
		assert_true(iampw_password_expired(&pol, &p, NOW));
	}
	/* Locked or empty, no profile: nothing to judge. */
	account(&a, "alice", 1001, "!" HASH_A, 19990);
	assert_int_equal(iampw_govern(&a, false, NOW, &p), IAMPW_OWNER_NONE);
	account(&a, "alice", 1001, "", 19990);
	assert_int_equal(iampw_govern(&a, false, NOW, &p), IAMPW_OWNER_NONE);
	account(&a, "alice", 1001, NULL, 19990);
	assert_int_equal(iampw_govern(&a, false, NOW, &p), IAMPW_OWNER_NONE);
}

static void test_adopt(void **state)
{
	struct iampw_profile p;
	struct iampw_acct a;

	(void)state;
	/* The password keeps its own date: no fresh grace period. */
	account(&a, "alice", 1001, HASH_A, 19000);
	iampw_profile_adopt(&a, NOW, &p);
	assert_true(p.create_date == NOW);
	assert_true(p.last_changed == 19000 * DAY);
	assert_false(p.reset_required);
	/* No date in shadow: the epoch, never "now". */
	account(&a, "alice", 1001, HASH_A, -1);
	iampw_profile_adopt(&a, NOW, &p);
	assert_true(p.last_changed == 0);
	account(&a, "alice", 1001, HASH_A, 0);
	iampw_profile_adopt(&a, NOW, &p);
	assert_true(p.reset_required);
	assert_string_equal(p.account, a.fp);
}

static void test_names(void **state)
{
	static const char *const names[] = {
		"alice", "alice@corp.example", "CORP\\alice", "\xc3\x89lodie Martin",
		"a;b#c=d", "100%", "%41", "tab\there", "x\xff", "\x01", "..", "-rf",
	};
	char enc[IAMPW_NAME_ENCODED_MAX + 1], dec[IAMPW_NAME_MAX + 1];
	char shown[IAMPW_NAME_SHOWN];

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		assert_int_equal(iampw_name_encode(names[i], enc, sizeof enc), IAMPW_OK);
		assert_int_equal(iampw_name_decode(enc, dec), IAMPW_OK);
		assert_string_equal(dec, names[i]);
	}
	assert_int_equal(iampw_name_encode("alice@corp", enc, sizeof enc), IAMPW_OK);
	assert_string_equal(enc, "alice@corp");
	assert_int_equal(iampw_name_encode("CORP\\al ice;", enc, sizeof enc), IAMPW_OK);
	assert_string_equal(enc, "CORP%5Cal%20ice%3B");
	/* Too small an output: refused, never cut. */
	assert_int_equal(iampw_name_encode("alice", enc, 5), IAMPW_E_INVAL);
	assert_int_equal(iampw_name_encode("", enc, sizeof enc), IAMPW_E_INVAL);
	/* One spelling per name. */
	assert_int_equal(iampw_name_decode("%61lice", dec), IAMPW_E_PARSE);
	assert_int_equal(iampw_name_decode("a%5c", dec), IAMPW_E_PARSE);
	assert_int_equal(iampw_name_decode("a%00", dec), IAMPW_E_PARSE);
	assert_int_equal(iampw_name_decode("a b", dec), IAMPW_E_PARSE);
	assert_int_equal(iampw_name_decode("", dec), IAMPW_E_PARSE);

	/* Shown in logs: control bytes escaped, the rest as it is. */
	assert_string_equal(iampw_name_display("a\nb\x1b[1m", shown), "a\\x0ab\\x1b[1m");
	assert_string_equal(iampw_name_display("CORP\\alice", shown), "CORP\\alice");
	assert_string_equal(iampw_name_display("\xc3\x89lodie", shown), "\xc3\x89lodie");
	assert_string_equal(iampw_name_display(NULL, shown), "(none)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_usable),
		cmocka_unit_test(test_govern),
		cmocka_unit_test(test_adopt),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
