/*
 * The password rules (§4.1-4.3) at their boundaries, and the exact text
 * the user is shown.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/mman.h>

#include "helpers.h"

#define PREFIX "Password does not conform to the account password policy: "
#define SYMBOLS_TEXT "(! @ # $ % ^ & * ( ) _ + - = [ ] { } | ')"

/*
 * Policies are built by hand rather than with iampw_policy_default(), so
 * that these tests pin the checker alone: the values are those of §4.1-4.2.
 */
static struct iampw_policy default_policy(void)
{
	struct iampw_policy p;

	memset(&p, 0, sizeof p);
	p.custom = false;
	p.min_length = 8;
	p.min_classes = 3;
	p.allow_users_to_change = true;
	return p;
}

static struct iampw_policy custom_policy(unsigned min_length)
{
	struct iampw_policy p;

	memset(&p, 0, sizeof p);
	p.custom = true;
	p.min_length = min_length;
	return p;
}

static const struct iampw_identity nobody = { NULL, NULL, NULL };

static uint32_t check(const struct iampw_policy *p, const char *pw)
{
	struct iampw_check r;

	iampw_check_password(p, &nobody, pw, &r);
	return r.failed;
}

static size_t chars_of(const char *pw)
{
	struct iampw_policy p = custom_policy(6);
	struct iampw_check r;

	iampw_check_password(&p, &nobody, pw, &r);
	return r.chars;
}

/* `count` copies of `unit`, in a malloc'd string. */
static char *repeat(const char *unit, size_t count)
{
	size_t k = strlen(unit);
	char *s = malloc(k * count + 1);

	assert_non_null(s);
	for (size_t i = 0; i < count; i++)
		memcpy(s + i * k, unit, k);
	s[k * count] = '\0';
	return s;
}

/* ---------------------------------------------------------------------- */
/* Length                                                                  */

static void test_custom_min6_lengths_5_6_7(void **state)
{
	struct iampw_policy p = custom_policy(6);
	struct iampw_check r;

	iampw_check_password(&p, &nobody, "abcde", &r);
	assert_int_equal(r.failed, IAMPW_R_TOO_SHORT);
	assert_int_equal(r.min_length, 6);
	assert_int_equal(r.chars, 5);
	assert_int_equal(check(&p, "abcdef"), 0);
	assert_int_equal(check(&p, "abcdefg"), 0);
}

static void test_custom_min_length_is_quoted(void **state)
{
	struct iampw_policy p = custom_policy(12);
	struct iampw_check r;

	iampw_check_password(&p, &nobody, "abcdefghijk", &r);
	assert_int_equal(r.failed, IAMPW_R_TOO_SHORT);
	assert_int_equal(r.min_length, 12);
	iampw_check_password(&p, &nobody, "abcdefghijkl", &r);
	assert_int_equal(r.failed, 0);
	assert_int_equal(r.min_length, 12);
}

static void test_default_lengths_7_8(void **state)
{
	struct iampw_policy p = default_policy();
	struct iampw_check r;

	iampw_check_password(&p, &nobody, "Abcde1!", &r);
	assert_int_equal(r.failed, IAMPW_R_TOO_SHORT);
	assert_int_equal(r.min_length, 8);
	iampw_check_password(&p, &nobody, "Abcde12!", &r);
	assert_int_equal(r.failed, 0);
}

static void test_empty_password_too_short(void **state)
{
	struct iampw_policy c = custom_policy(6);
	struct iampw_policy d = default_policy();
	struct iampw_check r;

	iampw_check_password(&c, &nobody, "", &r);
	assert_int_equal(r.failed, IAMPW_R_TOO_SHORT);
	assert_int_equal(r.chars, 0);
	iampw_check_password(&d, &nobody, "", &r);
	assert_int_equal(r.failed, IAMPW_R_TOO_SHORT | IAMPW_R_FEW_CLASSES);
}

/* §4.3 says 1 character at least, whatever a (broken) policy holds. */
static void test_min_length_zero_still_rejects_empty(void **state)
{
	struct iampw_policy p = custom_policy(0);
	struct iampw_check r;

	iampw_check_password(&p, &nobody, "", &r);
	assert_int_equal(r.failed, IAMPW_R_TOO_SHORT);
	assert_int_equal(r.min_length, 1);
	assert_int_equal(check(&p, "a"), 0);
}

static void test_chars_128_129(void **state)
{
	struct iampw_policy p = custom_policy(6);
	char *pw128 = repeat("a", 128), *pw129 = repeat("a", 129);
	struct iampw_check r;

	iampw_check_password(&p, &nobody, pw128, &r);
	assert_int_equal(r.failed, 0);
	assert_int_equal(r.chars, 128);
	iampw_check_password(&p, &nobody, pw129, &r);
	assert_int_equal(r.failed, IAMPW_R_TOO_LONG);
	assert_int_equal(r.chars, 129);
	free(pw128);
	free(pw129);
}

/*
 * 128 four-byte characters are 512 bytes, one more than libxcrypt can
 * hash: refused as input too long; 127 of them (508 bytes) pass.
 */
static void test_utf8_4byte_127_vs_128(void **state)
{
	struct iampw_policy p = custom_policy(6);
	char *pw127 = repeat("\xf0\x9f\x98\x80", 127);
	char *pw128 = repeat("\xf0\x9f\x98\x80", 128);
	struct iampw_check r;

	assert_int_equal(strlen(pw128), 512);
	iampw_check_password(&p, &nobody, pw127, &r);
	assert_int_equal(r.failed, 0);
	assert_int_equal(r.chars, 127);
	iampw_check_password(&p, &nobody, pw128, &r);
	assert_int_equal(r.failed, IAMPW_R_INPUT_TOO_LONG);
	free(pw127);
	free(pw128);
}

/* Under 511 bytes, too many characters is TOO_LONG, not INPUT_TOO_LONG. */
static void test_utf8_3byte_129_is_too_long(void **state)
{
	struct iampw_policy p = custom_policy(6);
	char *pw128 = repeat("\xe2\x82\xac", 128);
	char *pw129 = repeat("\xe2\x82\xac", 129);
	struct iampw_check r;

	iampw_check_password(&p, &nobody, pw128, &r);
	assert_int_equal(r.failed, 0);
	iampw_check_password(&p, &nobody, pw129, &r);
	assert_int_equal(r.failed, IAMPW_R_TOO_LONG);
	assert_int_equal(r.chars, 129);
	free(pw128);
	free(pw129);
}

static void test_bytes_511_512_513(void **state)
{
	struct iampw_policy p = custom_policy(6);
	char *b511 = repeat("a", 511), *b512 = repeat("a", 512);
	char *b513 = repeat("a", 513);
	struct iampw_check r;

	iampw_check_password(&p, &nobody, b511, &r);
	assert_int_equal(r.failed, IAMPW_R_TOO_LONG);
	assert_int_equal(r.chars, 511);
	iampw_check_password(&p, &nobody, b512, &r);
	assert_int_equal(r.failed, IAMPW_R_INPUT_TOO_LONG);
	assert_int_equal(r.chars, 0);
	iampw_check_password(&p, &nobody, b513, &r);
	assert_int_equal(r.failed, IAMPW_R_INPUT_TOO_LONG);
	assert_int_equal(r.chars, 0);
	free(b511);
	free(b512);
	free(b513);
}

/*
 * Nothing but INPUT_TOO_LONG, even though the input breaks every other
 * rule: too short is impossible, but it has control characters, no
 * types, and starts with the user name.
 */
static void test_100000_bytes_only_input_too_long(void **state)
{
	struct iampw_policy p = custom_policy(6);
	struct iampw_identity id = { "alice", "alice", "alice" };
	struct iampw_check r;
	char *pw = malloc(100001);

	assert_non_null(pw);
	memset(pw, '\x01', 100000);
	memcpy(pw, "alice", 5);
	pw[600] = '\xff';
	pw[100000] = '\0';
	p.require_uppercase = p.require_lowercase = true;
	p.require_numbers = p.require_symbols = true;
	p.min_classes = 4;
	iampw_check_password(&p, &id, pw, &r);
	assert_int_equal(r.failed, IAMPW_R_INPUT_TOO_LONG);
	assert_int_equal(r.chars, 0);
	free(pw);
}

/*
 * "Before any other work" by construction: a 513-byte input with no NUL
 * ends right at an inaccessible page, so reading byte 514 would crash.
 */
static void test_input_too_long_reads_513_bytes_at_most(void **state)
{
	struct iampw_policy p = custom_policy(6);
	long page = sysconf(_SC_PAGESIZE);
	struct iampw_check r;
	char *map, *pw;

	assert_true(page >= 1024);
	map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + page, (size_t)page, PROT_NONE), 0);

	pw = map + page - 513;
	memset(pw, 'a', 513);
	iampw_check_password(&p, &nobody, pw, &r);
	assert_int_equal(r.failed, IAMPW_R_INPUT_TOO_LONG);

	/* 512 bytes plus the NUL, ending at the guard page: still too long. */
	pw[512] = '\0';
	iampw_check_password(&p, &nobody, pw, &r);
	assert_int_equal(r.failed, IAMPW_R_INPUT_TOO_LONG);
	/* 511 bytes: read in full, too many characters. */
	pw[511] = '\0';
	iampw_check_password(&p, &nobody, pw, &r);
	assert_int_equal(r.failed, IAMPW_R_TOO_LONG);
	assert_int_equal(r.chars, 511);
	assert_int_equal(munmap(map, (size_t)page * 2), 0);
}

static void test_multibyte_counted_once(void **state)
{
	struct iampw_policy p = custom_policy(6);

	assert_int_equal(chars_of("\xc3\xa9"), 1);                 /* é */
	assert_int_equal(chars_of("\xe2\x82\xac"), 1);             /* € */
	assert_int_equal(chars_of("\xf0\x9f\x98\x80"), 1);         /* 😀 */
	assert_int_equal(chars_of("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), 4);
	/* 10 bytes but 5 characters: too short for 6. */
	assert_int_equal(check(&p, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"),
			 IAMPW_R_TOO_SHORT);
	assert_int_equal(check(&p, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), 0);
}

static void test_invalid_utf8_counted_per_byte(void **state)
{
	struct iampw_policy p = custom_policy(6);

	assert_int_equal(chars_of("\xff"), 1);
	assert_int_equal(chars_of("\x80\x80\x80"), 3);         /* lone continuations */
	assert_int_equal(chars_of("\xe2\x82"), 2);             /* truncated € */
	assert_int_equal(chars_of("\xe2\x82" "a"), 3);         /* ...then 'a' */
	assert_int_equal(chars_of("\xf0\x9f\x98"), 3);         /* truncated 😀 */
	assert_int_equal(chars_of("\xc3\xa9\xa9"), 2);         /* é + stray byte */
	/* Invalid UTF-8 is not an error in itself. */
	assert_int_equal(check(&p, "\xff\xfe\xfd\xfc\xfb\xfa"), 0);
	assert_int_equal(check(&p, "\xff\xfe\xfd\xfc\xfb"), IAMPW_R_TOO_SHORT);
	/* The 'a' after a broken sequence is still a lowercase letter. */
	p.require_lowercase = true;
	assert_int_equal(check(&p, "\xe2\x82" "a\xff\xff\xff"), 0);
}

static void test_overlong_and_out_of_range_counted_as_bytes(void **state)
{
	struct iampw_policy p = custom_policy(6);

	assert_int_equal(chars_of("\xc0\x80"), 2);              /* overlong NUL */
	assert_int_equal(chars_of("\xc1\xbf"), 2);              /* overlong DEL */
	assert_int_equal(chars_of("\xe0\x80\x80"), 3);
	assert_int_equal(chars_of("\xe0\x9f\xbf"), 3);          /* overlong U+07FF */
	assert_int_equal(chars_of("\xf0\x80\x80\x80"), 4);
	assert_int_equal(chars_of("\xf0\x8f\xbf\xbf"), 4);      /* overlong U+FFFF */
	assert_int_equal(chars_of("\xed\xa0\x80"), 3);          /* U+D800 */
	assert_int_equal(chars_of("\xed\xbf\xbf"), 3);          /* U+DFFF */
	assert_int_equal(chars_of("\xf4\x90\x80\x80"), 4);      /* U+110000 */
	assert_int_equal(chars_of("\xf5\x80\x80\x80"), 4);
	assert_int_equal(chars_of("\xf8\x88\x80\x80\x80"), 5);  /* old 5-byte form */
	/* The valid neighbours of each boundary are one character. */
	assert_int_equal(chars_of("\xc2\x80"), 1);              /* U+0080 */
	assert_int_equal(chars_of("\xdf\xbf"), 1);              /* U+07FF */
	assert_int_equal(chars_of("\xe0\xa0\x80"), 1);          /* U+0800 */
	assert_int_equal(chars_of("\xed\x9f\xbf"), 1);          /* U+D7FF */
	assert_int_equal(chars_of("\xee\x80\x80"), 1);          /* U+E000 */
	assert_int_equal(chars_of("\xef\xbf\xbf"), 1);          /* U+FFFF */
	assert_int_equal(chars_of("\xf0\x90\x80\x80"), 1);      /* U+10000 */
	assert_int_equal(chars_of("\xf4\x8f\xbf\xbf"), 1);      /* U+10FFFF */
	/* An overlong 'A' (C1 81) is not an uppercase letter. */
	p.require_uppercase = true;
	assert_int_equal(check(&p, "\xc1\x81" "bcdef"), IAMPW_R_NO_UPPERCASE);
	assert_int_equal(check(&p, "Abcdef"), 0);
}

/* ---------------------------------------------------------------------- */
/* Character types                                                         */

static void test_symbols_table(void **state)
{
	assert_string_equal(iampw_symbols, "!@#$%^&*()_+-=[]{}|'");
	assert_int_equal(strlen(iampw_symbols), 20);
}

static void test_each_symbol_counts(void **state)
{
	struct iampw_policy c = custom_policy(6);
	struct iampw_policy d = default_policy();
	char pw[16];

	c.require_symbols = true;
	for (size_t i = 0; i < 20; i++) {
		snprintf(pw, sizeof pw, "abcdef%c", iampw_symbols[i]);
		assert_int_equal(check(&c, pw), 0);
		/* Upper, lower and this symbol: three of four. */
		snprintf(pw, sizeof pw, "Abcdefg%c", iampw_symbols[i]);
		assert_int_equal(check(&d, pw), 0);
	}
	assert_int_equal(check(&c, "abcdefg"), IAMPW_R_NO_SYMBOL);
}

static void test_non_symbols_do_not_count(void **state)
{
	static const char *const others[] = {
		"~", ".", " ", "\xc3\xa9", "\"", "\\", "`", "<", ">", "/",
		":", ";", ",", "?", "\xe2\x82\xac", "\xc2\xa7",
	};
	struct iampw_policy c = custom_policy(6);
	struct iampw_policy d = default_policy();
	char pw[32];

	c.require_symbols = true;
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		snprintf(pw, sizeof pw, "abcdef%s", others[i]);
		assert_int_equal(check(&c, pw), IAMPW_R_NO_SYMBOL);
		snprintf(pw, sizeof pw, "Abcdefg%s", others[i]);
		assert_int_equal(check(&d, pw), IAMPW_R_FEW_CLASSES);
	}
}

/* Upper/lower/number are ASCII only: É, ß and Arabic-Indic 1 count as none. */
static void test_types_are_ascii_only(void **state)
{
	struct iampw_policy p = custom_policy(6);

	p.require_uppercase = true;
	p.require_lowercase = true;
	p.require_numbers = true;
	assert_int_equal(check(&p, "\xc3\x89\xc3\x9f\xd9\xa1xyz!"),
			 IAMPW_R_NO_UPPERCASE | IAMPW_R_NO_NUMBER);
	assert_int_equal(check(&p, "\xc3\x89\xc3\x9f\xd9\xa1XYZ!"),
			 IAMPW_R_NO_LOWERCASE | IAMPW_R_NO_NUMBER);
	assert_int_equal(check(&p, "Xy0\xc3\x89\xc3\x9f\xd9\xa1"), 0);
}

static void test_three_of_four_with_two_types_fails(void **state)
{
	static const char *const two[] = {
		"ABCDefgh", "ABCD1234", "ABCD!@#$",
		"abcd1234", "abcd!@#$", "1234!@#$",
	};
	struct iampw_policy p = default_policy();

	for (size_t i = 0; i < sizeof two / sizeof two[0]; i++)
		assert_int_equal(check(&p, two[i]), IAMPW_R_FEW_CLASSES);
	/* One type, and none. */
	assert_int_equal(check(&p, "abcdefgh"), IAMPW_R_FEW_CLASSES);
	assert_int_equal(check(&p, "~~~~~~~~"), IAMPW_R_FEW_CLASSES);
}

static void test_three_of_four_all_combos_pass(void **state)
{
	static const char *const three[] = {
		"ABCDef12",   /* upper lower number */
		"ABCDef!@",   /* upper lower symbol */
		"ABCD12!@",   /* upper number symbol */
		"abcd12!@",   /* lower number symbol */
		"ABcd12!@",   /* all four */
	};
	struct iampw_policy p = default_policy();

	for (size_t i = 0; i < sizeof three / sizeof three[0]; i++)
		assert_int_equal(check(&p, three[i]), 0);
}

static void test_min_classes_general(void **state)
{
	struct iampw_policy p = custom_policy(6);

	p.min_classes = 0;
	assert_int_equal(check(&p, "~~~~~~"), 0);
	p.min_classes = 1;
	assert_int_equal(check(&p, "~~~~~~"), IAMPW_R_FEW_CLASSES);
	assert_int_equal(check(&p, "~~~~~a"), 0);
	p.min_classes = 2;
	assert_int_equal(check(&p, "~~~~~a"), IAMPW_R_FEW_CLASSES);
	assert_int_equal(check(&p, "~~~~1a"), 0);
	p.min_classes = 4;
	assert_int_equal(check(&p, "~~~A1a"), IAMPW_R_FEW_CLASSES);
	assert_int_equal(check(&p, "~~!A1a"), 0);
}

static void test_require_flags_each_alone(void **state)
{
	static const struct {
		uint32_t bit;
		const char *lacking;
		const char *having;
	} cases[] = {
		{ IAMPW_R_NO_UPPERCASE, "abc123!@", "abc123!Z" },
		{ IAMPW_R_NO_LOWERCASE, "ABC123!@", "ABC123!z" },
		{ IAMPW_R_NO_NUMBER,    "ABCdef!@", "ABCdef!0" },
		{ IAMPW_R_NO_SYMBOL,    "ABCdef12", "ABCdef1'" },
	};
	struct iampw_policy p;

	for (size_t i = 0; i < 4; i++) {
		p = custom_policy(6);
		p.require_uppercase = cases[i].bit == IAMPW_R_NO_UPPERCASE;
		p.require_lowercase = cases[i].bit == IAMPW_R_NO_LOWERCASE;
		p.require_numbers = cases[i].bit == IAMPW_R_NO_NUMBER;
		p.require_symbols = cases[i].bit == IAMPW_R_NO_SYMBOL;
		assert_int_equal(check(&p, cases[i].lacking), cases[i].bit);
		assert_int_equal(check(&p, cases[i].having), 0);
		/* Without the flag the same password is fine. */
		p = custom_policy(6);
		assert_int_equal(check(&p, cases[i].lacking), 0);
	}
}

static void test_every_failure_reported(void **state)
{
	struct iampw_policy p = custom_policy(6);
	struct iampw_identity id = { "~\x01", "~\x01,x", "~\x01.example" };
	struct iampw_check r;

	p.require_uppercase = p.require_lowercase = true;
	p.require_numbers = p.require_symbols = true;
	p.min_classes = 1;
	iampw_check_password(&p, &id, "~\x01", &r);
	assert_int_equal(r.failed,
			 IAMPW_R_TOO_SHORT | IAMPW_R_CONTROL |
			 IAMPW_R_NO_UPPERCASE | IAMPW_R_NO_LOWERCASE |
			 IAMPW_R_NO_NUMBER | IAMPW_R_NO_SYMBOL |
			 IAMPW_R_FEW_CLASSES | IAMPW_R_IS_USER_NAME |
			 IAMPW_R_IS_FULL_NAME | IAMPW_R_IS_HOST_NAME);
}

/* ---------------------------------------------------------------------- */
/* Control characters                                                      */

static void test_control_characters(void **state)
{
	static const char *const bad[] = {
		"abcdef\x01", "abcdef\x1f", "abcdef\x7f", "abcdef\xc2\x85",
		"abcdef\xc2\x80", "abcdef\xc2\x9f", "\x1b[0mabcdef",
		"abc\x0b" "def", "abc\x0c" "def",
	};
	static const char *const good[] = {
		"abcdef\t", "abcdef\n", "abcdef\r", "abc def",
		"abcdef\xc2\xa0",   /* NO-BREAK SPACE, just past C1 */
		"abcdef\x80\x85",   /* raw bytes: invalid UTF-8, not C1 */
		"abcdef\x20\x7e",
	};
	struct iampw_policy p = custom_policy(6);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(check(&p, bad[i]), IAMPW_R_CONTROL);
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_int_equal(check(&p, good[i]), 0);
	/* A C1 control is still one character. */
	assert_int_equal(chars_of("\xc2\x85"), 1);
}

/* ---------------------------------------------------------------------- */
/* Identity                                                                */

static uint32_t check_id(const struct iampw_identity *id, const char *pw)
{
	struct iampw_policy p = custom_policy(6);
	struct iampw_check r;

	iampw_check_password(&p, id, pw, &r);
	return r.failed;
}

static void test_user_name_any_case(void **state)
{
	struct iampw_identity id = { "alice", NULL, NULL };
	struct iampw_identity id6 = { "alice1", NULL, NULL };

	assert_int_equal(check_id(&id, "ALICE"),
			 IAMPW_R_TOO_SHORT | IAMPW_R_IS_USER_NAME);
	assert_int_equal(check_id(&id6, "ALICE1"), IAMPW_R_IS_USER_NAME);
	assert_int_equal(check_id(&id6, "aLiCe1"), IAMPW_R_IS_USER_NAME);
	assert_int_equal(check_id(&id6, "alice1"), IAMPW_R_IS_USER_NAME);
	assert_int_equal(check_id(&id6, "alice2"), 0);
	assert_int_equal(check_id(&id6, "alice12"), 0);
	assert_int_equal(check_id(&id6, "alice"), IAMPW_R_TOO_SHORT);
}

/*
 * Full Unicode case folding (SPEC §4.3), never the locale's: no Turkish
 * rules, so 'I' folds to 'i' and U+0130 (dotted capital I) to "i" + U+0307.
 */
static void test_fold_is_unicode(void **state)
{
	struct iampw_identity ii = { "iiiiii", NULL, NULL };
	struct iampw_identity emile = { "\xc3\xa9mile1", NULL, NULL };

	assert_int_equal(check_id(&ii, "IIIIII"), IAMPW_R_IS_USER_NAME);
	/* Dotless i (U+0131) and dotted capital I (U+0130) are other letters. */
	assert_int_equal(check_id(&ii, "\xc4\xb1\xc4\xb1\xc4\xb1\xc4\xb1\xc4\xb1\xc4\xb1"), 0);
	assert_int_equal(check_id(&ii, "\xc4\xb0\xc4\xb0\xc4\xb0\xc4\xb0\xc4\xb0\xc4\xb0"), 0);
	/* "ÉMILE1" folds to "émile1". */
	assert_int_equal(check_id(&emile, "\xc3\x89MILE1"), IAMPW_R_IS_USER_NAME);
	assert_int_equal(check_id(&emile, "\xc3\xa9MILE1"), IAMPW_R_IS_USER_NAME);
	/* "E" + U+0301 is not normalised to "É": compared as typed. */
	assert_int_equal(check_id(&emile, "E\xcc\x81MILE1"), 0);
	assert_int_equal(check_id(&emile, "emile1"), 0);
	/* '@' and '`' differ from 'A' and 'a' by the case bit; '[' from '{'. */
	ii.user = "@@@[[[";
	assert_int_equal(check_id(&ii, "```{{{"), 0);
}

/* The SPEC's own example, and full folding's one-to-many mappings. */
static void test_fold_full_name_examples(void **state)
{
	struct iampw_identity id = { "em", "\xc3\x89lodie Martin,Room 2", NULL };
	struct iampw_identity street = { "x", "STRASSE", NULL };
	struct iampw_identity greek = { "x", "\xce\xa3\xce\xa9\xce\x9a\xce\xa1\xce\x91\xce\xa4\xce\x97\xce\xa3", NULL };

	/* "élodie martin" for the GECOS full name "Élodie Martin". */
	assert_int_equal(check_id(&id, "\xc3\xa9lodie martin"), IAMPW_R_IS_FULL_NAME);
	assert_int_equal(check_id(&id, "\xc3\x89LODIE MARTIN"), IAMPW_R_IS_FULL_NAME);
	assert_int_equal(check_id(&id, "elodie martin"), 0);
	/* ß folds to "ss", both ways round. */
	assert_int_equal(check_id(&street, "stra\xc3\x9f" "e"), IAMPW_R_IS_FULL_NAME);
	assert_int_equal(check_id(&street, "Strasse"), IAMPW_R_IS_FULL_NAME);
	street.gecos = "Stra\xc3\x9f" "e";
	assert_int_equal(check_id(&street, "STRASSE"), IAMPW_R_IS_FULL_NAME);
	assert_int_equal(check_id(&street, "STRAS"), IAMPW_R_TOO_SHORT);
	/* Final sigma: "ΣΩΚΡΑΤΗΣ" and "σωκρατης" (both sigmas fold to σ). */
	assert_int_equal(check_id(&greek, "\xcf\x83\xcf\x89\xce\xba\xcf\x81\xce\xb1\xcf\x84\xce\xb7\xcf\x82"),
			 IAMPW_R_IS_FULL_NAME);
}

/*
 * Invalid UTF-8 on either side: no Unicode text to fold, so "the same"
 * is byte for byte with ASCII letters folded; never a crash, and two
 * different invalid names never fold alike (libunistring alone would
 * turn both into U+FFFD).
 */
static void test_fold_invalid_utf8(void **state)
{
	struct iampw_identity id = { "ab\xff" "cdef", "Jos\xe9 Garc\xed" "a", NULL };

	assert_int_equal(check_id(&id, "AB\xff" "CDEF"), IAMPW_R_IS_USER_NAME);
	assert_int_equal(check_id(&id, "ab\xfe" "cdef"), 0);
	assert_int_equal(check_id(&id, "ab\xef\xbf\xbd" "cdef"), 0);
	assert_int_equal(check_id(&id, "JOS\xe9 GARC\xed" "A"), IAMPW_R_IS_FULL_NAME);
	/* A Latin-1 GECOS is not its UTF-8 spelling. */
	assert_int_equal(check_id(&id, "Jos\xc3\xa9 Garc\xc3\xad" "a"), 0);
	/* Invalid password, valid name: still compared, bytes and ASCII. */
	id.user = "alice1";
	assert_int_equal(check_id(&id, "ALICE1\xff"), 0);
	/* Truncated sequences at the end of either side. */
	id.user = "alice\xc3";
	assert_int_equal(check_id(&id, "ALICE\xc3"), IAMPW_R_IS_USER_NAME);
	assert_int_equal(check_id(&id, "ALICE\xc3\xa9"), 0);
}

/* The longest password that expands most under folding fits the buffer. */
static void test_fold_longest_expansion(void **state)
{
	/* U+0390 folds to three code points (6 bytes from 2). */
	char *pw = repeat("\xce\x90", 255);
	char *name = repeat("\xce\xb9\xcc\x88\xcc\x81", 255);
	struct iampw_identity id = { NULL, name, NULL };

	assert_int_equal(check_id(&id, pw), IAMPW_R_TOO_LONG | IAMPW_R_IS_FULL_NAME);
	free(pw);
	free(name);
}

static void test_full_name_from_gecos(void **state)
{
	struct iampw_identity id = {
		"alice", "Alice Smith,Room 1,555-1234,555-5678,other", NULL
	};

	assert_int_equal(check_id(&id, "alice smith"), IAMPW_R_IS_FULL_NAME);
	assert_int_equal(check_id(&id, "ALICE SMITH"), IAMPW_R_IS_FULL_NAME);
	assert_int_equal(check_id(&id, "Alice Smith,Room 1"), 0);
	assert_int_equal(check_id(&id, "Alice Smith "), 0);
	assert_int_equal(check_id(&id, "Alice Smit"), 0);
	/* No comma: the whole field is the full name. */
	id.gecos = "Alice Smith";
	assert_int_equal(check_id(&id, "alice SMITH"), IAMPW_R_IS_FULL_NAME);
	/* An empty first field is not compared. */
	id.gecos = ",Room 1,,";
	assert_int_equal(check_id(&id, ""), IAMPW_R_TOO_SHORT);
	assert_int_equal(check_id(&id, ",Room 1,,"), 0);
}

static void test_host_name_full_and_short(void **state)
{
	struct iampw_identity id = { NULL, NULL, "web01.example.com" };

	assert_int_equal(check_id(&id, "web01.example.com"), IAMPW_R_IS_HOST_NAME);
	assert_int_equal(check_id(&id, "WEB01.Example.COM"), IAMPW_R_IS_HOST_NAME);
	assert_int_equal(check_id(&id, "WEB01"),
			 IAMPW_R_TOO_SHORT | IAMPW_R_IS_HOST_NAME);
	assert_int_equal(check_id(&id, "web01."), 0);
	assert_int_equal(check_id(&id, "web01.example"), 0);
	assert_int_equal(check_id(&id, "example.com"), 0);
	/* A host without a dot is its own short name. */
	id.host = "server";
	assert_int_equal(check_id(&id, "SERVER"), IAMPW_R_IS_HOST_NAME);
	/* An empty short name is not compared. */
	id.host = ".hidden";
	assert_int_equal(check_id(&id, ""), IAMPW_R_TOO_SHORT);
	assert_int_equal(check_id(&id, ".HIDDEN"), IAMPW_R_IS_HOST_NAME);
}

static void test_containing_a_name_is_accepted(void **state)
{
	struct iampw_identity id = {
		"alice", "Alice Smith,Room 1", "web01.example.com"
	};
	struct iampw_policy p = default_policy();
	struct iampw_check r;

	iampw_check_password(&p, &id, "alice-Secret1", &r);
	assert_int_equal(r.failed, 0);
	iampw_check_password(&p, &id, "Alice Smith 2024!", &r);
	assert_int_equal(r.failed, 0);
	iampw_check_password(&p, &id, "web01.example.com#1", &r);
	assert_int_equal(r.failed, 0);
	iampw_check_password(&p, &id, "1alice", &r);
	assert_int_equal(r.failed, IAMPW_R_TOO_SHORT | IAMPW_R_FEW_CLASSES);
}

/* ---------------------------------------------------------------------- */
/* Screening: the context rule (§9.1 context = yes)                       */

static uint32_t check_ctx(const struct iampw_identity *id, const char *pw)
{
	struct iampw_policy p = custom_policy(6);
	struct iampw_screen s;
	struct iampw_check r;
	struct iampw_err e;

	iampw_screen_init(&s);
	s.context = true;
	iampw_err_init(&e);
	assert_int_equal(iampw_check_screened(&p, id, &s, pw, &r, &e), IAMPW_OK);
	assert_int_equal(e.count, 0);
	return r.failed;
}

static void test_context_names(void **state)
{
	struct iampw_identity id = {
		"alice", "Alice Smith,Room 1,555-1234", "web01.example.com"
	};

	assert_int_equal(check_ctx(&id, "my-ALICE-pw"), IAMPW_R_CONTEXT);
	assert_int_equal(check_ctx(&id, "xxWeb01yy"), IAMPW_R_CONTEXT);
	assert_int_equal(check_ctx(&id, "smith2024!"), IAMPW_R_CONTEXT);
	assert_int_equal(check_ctx(&id, "Al!ce-2024"), 0);
	assert_int_equal(check_ctx(&id, "web-01.x"), 0);
	/* Only the first GECOS field is the full name. */
	assert_int_equal(check_ctx(&id, "Room-1-x"), 0);
	assert_int_equal(check_ctx(&id, "ALICE1"), IAMPW_R_CONTEXT);
	assert_int_equal(check_ctx(&id, "alicE!"), IAMPW_R_CONTEXT);
	/* Equality is a containment too: both rules say so. */
	id.user = "alice1";
	assert_int_equal(check_ctx(&id, "ALICE1"), IAMPW_R_IS_USER_NAME | IAMPW_R_CONTEXT);
	/* Off unless asked for. */
	assert_int_equal(check_id(&id, "my-alice1-pw"), 0);
	assert_int_equal(check_ctx(&nobody, "my-alice1-pw"), 0);
}

/* Words are runs of letters; 4 letters count, 3 do not. */
static void test_context_full_name_words(void **state)
{
	struct iampw_identity id = { NULL, "Jean-Pierre O'Neil Li Abe", NULL };

	assert_int_equal(check_ctx(&id, "xxjeanxx"), IAMPW_R_CONTEXT);
	assert_int_equal(check_ctx(&id, "PIERRE99"), IAMPW_R_CONTEXT);
	assert_int_equal(check_ctx(&id, "1neil234"), IAMPW_R_CONTEXT);
	assert_int_equal(check_ctx(&id, "abe-li-o"), 0);
	assert_int_equal(check_ctx(&id, "jean-pie"), IAMPW_R_CONTEXT);
	assert_int_equal(check_ctx(&id, "jea-pie-nei"), 0);
	/* Unicode letters and case folding: "Élodie", "Straße". */
	id.gecos = "\xc3\x89lodie Stra\xc3\x9f" "e";
	assert_int_equal(check_ctx(&id, "99\xc3\xa9LODIE!"), IAMPW_R_CONTEXT);
	assert_int_equal(check_ctx(&id, "mySTRASSE1"), IAMPW_R_CONTEXT);
	assert_int_equal(check_ctx(&id, "99elodie!"), 0);
	/* "Zoë" written with a combining diaeresis: a 3-letter word. */
	id.gecos = "Zoe\xcc\x88 Ng";
	assert_int_equal(check_ctx(&id, "zoe\xcc\x88zoe"), 0);
	id.gecos = "Chlo\xc3\xab";
	assert_int_equal(check_ctx(&id, "xCHLO\xc3\x8bx"), IAMPW_R_CONTEXT);
}

/* Invalid UTF-8: words stop at bad bytes; ASCII folding as a fallback. */
static void test_context_invalid_utf8(void **state)
{
	struct iampw_identity id = { "bob", "Jos\xe9 Garc\xed" "a,,", "h\xffst" };

	/* "Jos" and "Garc" + "a": only "Garc" has 4 letters. */
	assert_int_equal(check_ctx(&id, "xxGARCxx"), IAMPW_R_CONTEXT);
	assert_int_equal(check_ctx(&id, "xxJOSxx"), 0);
	assert_int_equal(check_ctx(&id, "xxH\xffSTxx"), IAMPW_R_CONTEXT);
	assert_int_equal(check_ctx(&id, "xxH\xfeSTxx"), 0);
	/* An invalid password still finds a valid name, ASCII folded. */
	assert_int_equal(check_ctx(&id, "\xff" "BOBBY\xff"), IAMPW_R_CONTEXT);
}

static void test_null_and_empty_identity(void **state)
{
	struct iampw_identity empty = { "", "", "" };
	struct iampw_policy p = custom_policy(6);
	struct iampw_check r;

	iampw_check_password(&p, NULL, "abcdef", &r);
	assert_int_equal(r.failed, 0);
	iampw_check_password(&p, &nobody, "", &r);
	assert_int_equal(r.failed, IAMPW_R_TOO_SHORT);
	iampw_check_password(&p, &empty, "", &r);
	assert_int_equal(r.failed, IAMPW_R_TOO_SHORT);
}

/* ---------------------------------------------------------------------- */
/* Messages                                                                */

static void test_message_spec_example(void **state)
{
	static const char want[] = PREFIX
		"it must be at least 12 characters long; "
		"it must contain at least one symbol " SYMBOLS_TEXT ".";
	struct iampw_policy p = custom_policy(12);
	struct iampw_check r;
	char buf[512];

	p.require_symbols = true;
	iampw_check_password(&p, &nobody, "Short1pass", &r);
	assert_int_equal(r.failed, IAMPW_R_TOO_SHORT | IAMPW_R_NO_SYMBOL);
	assert_int_equal(iampw_check_message(&r, buf, sizeof buf),
			 (int)strlen(want));
	assert_string_equal(buf, want);
}

static void expect_message(uint32_t failed, unsigned min_length,
			   const char *want)
{
	struct iampw_check r = { .failed = failed, .min_length = min_length,
				 .min_classes = 3 };
	char buf[2048];

	assert_int_equal(iampw_check_message(&r, buf, sizeof buf),
			 (int)strlen(want));
	assert_string_equal(buf, want);
}

static void test_message_each_clause(void **state)
{
	expect_message(IAMPW_R_INPUT_TOO_LONG, 8,
		       PREFIX "it must be at most 128 characters long.");
	expect_message(IAMPW_R_TOO_SHORT, 6,
		       PREFIX "it must be at least 6 characters long.");
	expect_message(IAMPW_R_TOO_SHORT, 128,
		       PREFIX "it must be at least 128 characters long.");
	expect_message(IAMPW_R_TOO_LONG, 8,
		       PREFIX "it must be at most 128 characters long.");
	expect_message(IAMPW_R_CONTROL, 8,
		       PREFIX "it must not contain control characters.");
	expect_message(IAMPW_R_NO_UPPERCASE, 8,
		       PREFIX "it must contain at least one uppercase letter (A-Z).");
	expect_message(IAMPW_R_NO_LOWERCASE, 8,
		       PREFIX "it must contain at least one lowercase letter (a-z).");
	expect_message(IAMPW_R_NO_NUMBER, 8,
		       PREFIX "it must contain at least one number (0-9).");
	expect_message(IAMPW_R_NO_SYMBOL, 8,
		       PREFIX "it must contain at least one symbol " SYMBOLS_TEXT ".");
	expect_message(IAMPW_R_FEW_CLASSES, 8,
		       PREFIX "it must contain at least three of these four types: "
		       "uppercase letters, lowercase letters, numbers and "
		       "symbols " SYMBOLS_TEXT ".");
	expect_message(IAMPW_R_IS_USER_NAME, 8,
		       PREFIX "it must not be the same as the user name.");
	expect_message(IAMPW_R_IS_FULL_NAME, 8,
		       PREFIX "it must not be the same as the user's full name.");
	expect_message(IAMPW_R_IS_HOST_NAME, 8,
		       PREFIX "it must not be the same as the host name.");
	/* SPEC §9.1's sentence, word for word. */
	expect_message(IAMPW_R_BLOCKLISTED, 8,
		       PREFIX "it appears in a list of passwords that are known "
		       "to be breached or easily guessed.");
	expect_message(IAMPW_R_CONTEXT, 8,
		       PREFIX "it must not contain the user name, the host name "
		       "or a word of the user's full name.");
}

static void test_message_quotes_min_classes(void **state)
{
	struct iampw_check r = { .failed = IAMPW_R_FEW_CLASSES, .min_length = 8,
				 .min_classes = 2 };
	char buf[512];

	iampw_check_message(&r, buf, sizeof buf);
	assert_true(th_contains(buf, "at least two of these four types"));
}

static void test_message_order_and_dedup(void **state)
{
	expect_message(IAMPW_R_INPUT_TOO_LONG | IAMPW_R_TOO_LONG, 8,
		       PREFIX "it must be at most 128 characters long.");
	/* Bit order, whatever order the bits are given in. */
	expect_message(IAMPW_R_IS_HOST_NAME | IAMPW_R_CONTROL | IAMPW_R_TOO_SHORT, 10,
		       PREFIX "it must be at least 10 characters long; "
		       "it must not contain control characters; "
		       "it must not be the same as the host name.");
	expect_message((1u << IAMPW_R_COUNT) - 1, 9,
		       PREFIX "it must be at most 128 characters long; "
		       "it must be at least 9 characters long; "
		       "it must not contain control characters; "
		       "it must contain at least one uppercase letter (A-Z); "
		       "it must contain at least one lowercase letter (a-z); "
		       "it must contain at least one number (0-9); "
		       "it must contain at least one symbol " SYMBOLS_TEXT "; "
		       "it must contain at least three of these four types: "
		       "uppercase letters, lowercase letters, numbers and "
		       "symbols " SYMBOLS_TEXT "; "
		       "it must not be the same as the user name; "
		       "it must not be the same as the user's full name; "
		       "it must not be the same as the host name; "
		       "it appears in a list of passwords that are known to be "
		       "breached or easily guessed; "
		       "it must not contain the user name, the host name or a "
		       "word of the user's full name.");
}

static void test_message_empty_when_acceptable(void **state)
{
	struct iampw_check r = { .failed = 0, .min_length = 8 };
	char buf[16];

	memset(buf, 'x', sizeof buf);
	assert_int_equal(iampw_check_message(&r, buf, sizeof buf), 0);
	assert_string_equal(buf, "");
}

static void test_message_truncation(void **state)
{
	static const char want[] = PREFIX "it must be at least 12 characters long.";
	struct iampw_check r = { .failed = IAMPW_R_TOO_SHORT, .min_length = 12 };
	char buf[128];

	/* Room for 9 bytes and the NUL; the bytes after n are untouched. */
	memset(buf, 'x', sizeof buf);
	assert_int_equal(iampw_check_message(&r, buf, 10), (int)strlen(want));
	assert_string_equal(buf, "Password ");
	for (size_t i = 10; i < sizeof buf; i++)
		assert_int_equal(buf[i], 'x');

	/* Cut inside the number: "...at least 1" then NUL. */
	memset(buf, 'x', sizeof buf);
	assert_int_equal(iampw_check_message(&r, buf, sizeof PREFIX + 21),
			 (int)strlen(want));
	assert_string_equal(buf, PREFIX "it must be at least 1");
	assert_int_equal(buf[sizeof PREFIX + 21], 'x');

	/* Exactly fits, and one byte short of it. */
	memset(buf, 'x', sizeof buf);
	assert_int_equal(iampw_check_message(&r, buf, sizeof want), (int)strlen(want));
	assert_string_equal(buf, want);
	memset(buf, 'x', sizeof buf);
	assert_int_equal(iampw_check_message(&r, buf, sizeof want - 1),
			 (int)strlen(want));
	assert_int_equal(strlen(buf), strlen(want) - 1);
	assert_int_equal(buf[sizeof want - 1], 'x');

	memset(buf, 'x', sizeof buf);
	assert_int_equal(iampw_check_message(&r, buf, 1), (int)strlen(want));
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'x');

	/* n = 0 writes nothing, like snprintf. */
	assert_int_equal(iampw_check_message(&r, NULL, 0), (int)strlen(want));
}

static void test_message_from_check(void **state)
{
	static const char want[] = PREFIX "it must be at most 128 characters long.";
	struct iampw_policy p = default_policy();
	struct iampw_check r;
	char *pw = repeat("a", 100000);
	char buf[256];

	iampw_check_password(&p, &nobody, pw, &r);
	assert_int_equal(iampw_check_message(&r, buf, sizeof buf), (int)strlen(want));
	assert_string_equal(buf, want);
	free(pw);
}

static void test_reason_names(void **state)
{
	static const char *const want[IAMPW_R_COUNT] = {
		"input_too_long", "too_short", "too_long", "control_character",
		"no_uppercase", "no_lowercase", "no_number", "no_symbol",
		"too_few_types", "is_user_name", "is_full_name", "is_host_name",
		"blocklisted", "contains_name",
	};

	for (unsigned i = 0; i < IAMPW_R_COUNT; i++) {
		const char *name = iampw_reason_name((enum iampw_reason)(1u << i));

		assert_non_null(name);
		assert_string_equal(name, want[i]);
	}
	assert_null(iampw_reason_name((enum iampw_reason)0));
	assert_null(iampw_reason_name((enum iampw_reason)(1u << IAMPW_R_COUNT)));
	assert_null(iampw_reason_name((enum iampw_reason)(IAMPW_R_TOO_SHORT |
							  IAMPW_R_TOO_LONG)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_custom_min6_lengths_5_6_7),
		cmocka_unit_test(test_custom_min_length_is_quoted),
		cmocka_unit_test(test_default_lengths_7_8),
		cmocka_unit_test(test_empty_password_too_short),
		cmocka_unit_test(test_min_length_zero_still_rejects_empty),
		cmocka_unit_test(test_chars_128_129),
		cmocka_unit_test(test_utf8_4byte_127_vs_128),
		cmocka_unit_test(test_utf8_3byte_129_is_too_long),
		cmocka_unit_test(test_bytes_511_512_513),
		cmocka_unit_test(test_100000_bytes_only_input_too_long),
		cmocka_unit_test(test_input_too_long_reads_513_bytes_at_most),
		cmocka_unit_test(test_multibyte_counted_once),
		cmocka_unit_test(test_invalid_utf8_counted_per_byte),
		cmocka_unit_test(test_overlong_and_out_of_range_counted_as_bytes),
		cmocka_unit_test(test_symbols_table),
		cmocka_unit_test(test_each_symbol_counts),
		cmocka_unit_test(test_non_symbols_do_not_count),
		cmocka_unit_test(test_types_are_ascii_only),
		cmocka_unit_test(test_three_of_four_with_two_types_fails),
		cmocka_unit_test(test_three_of_four_all_combos_pass),
		cmocka_unit_test(test_min_classes_general),
		cmocka_unit_test(test_require_flags_each_alone),
		cmocka_unit_test(test_every_failure_reported),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_user_name_any_case),
		cmocka_unit_test(test_fold_is_unicode),
		cmocka_unit_test(test_fold_full_name_examples),
		cmocka_unit_test(test_fold_invalid_utf8),
		cmocka_unit_test(test_fold_longest_expansion),
		cmocka_unit_test(test_full_name_from_gecos),
		cmocka_unit_test(test_host_name_full_and_short),
		cmocka_unit_test(test_containing_a_name_is_accepted),
		cmocka_unit_test(test_context_names),
		cmocka_unit_test(test_context_full_name_words),
		cmocka_unit_test(test_context_invalid_utf8),
		cmocka_unit_test(test_null_and_empty_identity),
		cmocka_unit_test(test_message_spec_example),
		cmocka_unit_test(test_message_each_clause),
		cmocka_unit_test(test_message_quotes_min_classes),
		cmocka_unit_test(test_message_order_and_dedup),
		cmocka_unit_test(test_message_empty_when_acceptable),
		cmocka_unit_test(test_message_truncation),
		cmocka_unit_test(test_message_from_check),
		cmocka_unit_test(test_reason_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
