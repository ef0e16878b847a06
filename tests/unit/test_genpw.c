/*
 * The password generator: what it makes always passes the checker, has
 * the promised length and all four types, and draws from all 82
 * characters.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/random.h>
#include <sys/syscall.h>

#include "helpers.h"

#define RUNS 200

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	"!@#$%^&*()_+-=[]{}|'";

/*
 * Our own getrandom(): the library is linked in statically, so this
 * definition in the executable takes precedence over libc's.  By default
 * it is the real system call; a test can script its bytes, make it
 * return EINTR, short reads or an error.
 */
static struct {
	const unsigned char *script;  /* bytes to hand out first */
	size_t script_len, script_pos;
	bool eintr_first;             /* the next call fails with EINTR */
	size_t max_chunk;             /* 0 = no short reads */
	unsigned fail_on_call;        /* 0 = never, else fail that call */
	int fail_errno;
	unsigned calls;
} fake;

ssize_t getrandom(void *buf, size_t n, unsigned int flags)
{
	unsigned char *out = buf;
	size_t done = 0;

	fake.calls++;
	if (fake.eintr_first) {
		fake.eintr_first = false;
		errno = EINTR;
		return -1;
	}
	if (fake.fail_on_call != 0 && fake.calls == fake.fail_on_call) {
		errno = fake.fail_errno;
		return -1;
	}
	if (fake.max_chunk != 0 && n > fake.max_chunk)
		n = fake.max_chunk;
	while (done < n && fake.script_pos < fake.script_len)
		out[done++] = fake.script[fake.script_pos++];
	if (fake.script != NULL) {
		/* After the script: 255, which the generator always redraws. */
		memset(out + done, 0xff, n - done);
		return (ssize_t)n;
	}
	return syscall(SYS_getrandom, buf, n, flags);
}

static int reset_fake(void **state)
{
	memset(&fake, 0, sizeof fake);
	return 0;
}

/* Built by hand (values of §4.1-4.2) so that only the generator is tested. */
static struct iampw_policy default_policy(void)
{
	struct iampw_policy p;

	memset(&p, 0, sizeof p);
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

static const struct iampw_identity alice = {
	"alice", "Alice Smith,Room 1", "web01.example.com"
};

static bool has_all_types(const char *pw)
{
	bool upper = false, lower = false, number = false, symbol = false;

	for (const char *c = pw; *c != '\0'; c++) {
		upper |= *c >= 'A' && *c <= 'Z';
		lower |= *c >= 'a' && *c <= 'z';
		number |= *c >= '0' && *c <= '9';
		symbol |= strchr(iampw_symbols, *c) != NULL;
	}
	return upper && lower && number && symbol;
}

static void generate_ok(const struct iampw_policy *p, char *out, size_t n)
{
	struct iampw_err e;

	iampw_err_init(&e);
	assert_int_equal(iampw_generate_password(p, &alice, out, n, &e), IAMPW_OK);
	assert_int_equal(e.count, 0);
}

static void expect_all_pass(const struct iampw_policy *p, size_t want_len)
{
	struct iampw_check r;
	char pw[IAMPW_PASSWORD_CHARS_MAX + 1];

	for (int i = 0; i < RUNS; i++) {
		generate_ok(p, pw, sizeof pw);
		assert_int_equal(strlen(pw), want_len);
		assert_int_equal(strspn(pw, alphabet), want_len);
		assert_true(has_all_types(pw));
		iampw_check_password(p, &alice, pw, &r);
		assert_int_equal(r.failed, 0);
		iampw_wipe(pw, sizeof pw);
	}
}

static void test_default_policy_all_pass(void **state)
{
	struct iampw_policy p = default_policy();

	expect_all_pass(&p, IAMPW_GENERATED_MIN);
}

static void test_strict_custom_policy_all_pass(void **state)
{
	struct iampw_policy p = custom_policy(40);

	p.require_uppercase = p.require_lowercase = true;
	p.require_numbers = p.require_symbols = true;
	expect_all_pass(&p, 40);
}

/* Types are required even when the policy asks for none. */
static void test_lenient_policy_still_all_types(void **state)
{
	struct iampw_policy p = custom_policy(6);

	expect_all_pass(&p, IAMPW_GENERATED_MIN);
}

static void test_length_rules(void **state)
{
	static const struct { unsigned min; size_t len; } cases[] = {
		{ 6, 20 }, { 8, 20 }, { 19, 20 }, { 20, 20 }, { 21, 21 },
		{ 64, 64 }, { 127, 127 }, { 128, 128 },
	};
	char pw[IAMPW_PASSWORD_CHARS_MAX + 1];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct iampw_policy p = custom_policy(cases[i].min);

		generate_ok(&p, pw, sizeof pw);
		assert_int_equal(strlen(pw), cases[i].len);
	}
	iampw_wipe(pw, sizeof pw);
}

/* A minimum over 128 cannot be met by any password: refused, not looped on. */
static void test_impossible_length_refused(void **state)
{
	struct iampw_policy p = custom_policy(129);
	struct iampw_err e;
	char pw[256];

	iampw_err_init(&e);
	assert_int_equal(iampw_generate_password(&p, &alice, pw, sizeof pw, &e),
			 IAMPW_E_INVAL);
	assert_int_equal(e.code, IAMPW_E_INVAL);
	assert_true(e.count > 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_distinct_outputs(void **state)
{
	struct iampw_policy p = default_policy();
	char (*pws)[IAMPW_GENERATED_MIN + 1] = calloc(RUNS, sizeof *pws);

	assert_non_null(pws);
	for (int i = 0; i < RUNS; i++)
		generate_ok(&p, pws[i], sizeof pws[i]);
	qsort(pws, RUNS, sizeof *pws, cmp_str);
	for (int i = 1; i < RUNS; i++)
		assert_string_not_equal(pws[i - 1], pws[i]);
	iampw_wipe(pws, RUNS * sizeof *pws);
	free(pws);
}

/*
 * 100 passwords of 20 give 2000 characters, about 24 of each of the 82:
 * the chance that a fair generator misses one is below 1e-8.  A biased or
 * truncated alphabet (say, the symbols never drawn, or `% 62`) misses
 * many.  The upper bound catches gross bias such as a constant output.
 */
static void test_every_character_appears(void **state)
{
	struct iampw_policy p = default_policy();
	unsigned counts[256] = { 0 };
	char pw[IAMPW_GENERATED_MIN + 1];

	for (int i = 0; i < 100; i++) {
		generate_ok(&p, pw, sizeof pw);
		for (const char *c = pw; *c != '\0'; c++)
			counts[(unsigned char)*c]++;
	}
	iampw_wipe(pw, sizeof pw);
	for (unsigned c = 0; c < 256; c++) {
		bool in = c != 0 && strchr(alphabet, (int)c) != NULL;

		if (in) {
			assert_true(counts[c] > 0);
			assert_true(counts[c] < 100);
		} else {
			assert_int_equal(counts[c], 0);
		}
	}
}

/*
 * Rejection sampling: a byte taken modulo 82 without redrawing 246..255
 * makes A-J (the first 10 characters) 4/256 likely instead of 3/256, a
 * share of 15.6% instead of 10/82 = 12.2%.  Over 51,200 characters the
 * fair share's standard deviation is 0.15%, so the bounds below sit more
 * than 10 deviations from both.
 */
static void test_no_modulo_bias(void **state)
{
	struct iampw_policy p = custom_policy(128);
	char pw[IAMPW_PASSWORD_CHARS_MAX + 1];
	unsigned long first10 = 0, total = 0;

	for (int i = 0; i < 400; i++) {
		generate_ok(&p, pw, sizeof pw);
		for (const char *c = pw; *c != '\0'; c++) {
			first10 += *c >= 'A' && *c <= 'J';
			total++;
		}
	}
	iampw_wipe(pw, sizeof pw);
	assert_int_equal(total, 400 * 128);
	assert_true(first10 * 1000 > total * 105);
	assert_true(first10 * 1000 < total * 139);
}

static void test_buffer_too_small(void **state)
{
	struct iampw_policy p = default_policy();
	struct iampw_policy p40 = custom_policy(40);
	struct iampw_err e;
	char pw[64];

	iampw_err_init(&e);
	memset(pw, 'x', sizeof pw);
	assert_int_equal(iampw_generate_password(&p, &alice, pw, 20, &e),
			 IAMPW_E_INVAL);
	assert_int_equal(e.code, IAMPW_E_INVAL);
	assert_true(e.count > 0);
	assert_int_equal(pw[0], '\0');
	assert_int_equal(pw[1], 'x');

	generate_ok(&p, pw, 21);
	assert_int_equal(strlen(pw), 20);

	iampw_err_init(&e);
	assert_int_equal(iampw_generate_password(&p40, &alice, pw, 40, &e),
			 IAMPW_E_INVAL);
	generate_ok(&p40, pw, 41);
	assert_int_equal(strlen(pw), 40);

	/* n = 0: nothing written at all. */
	iampw_err_init(&e);
	memset(pw, 'x', sizeof pw);
	assert_int_equal(iampw_generate_password(&p, &alice, pw, 0, &e),
			 IAMPW_E_INVAL);
	assert_int_equal(pw[0], 'x');
	iampw_wipe(pw, sizeof pw);
}

/*
 * A policy no password meets (five types of four) ends after the bounded
 * attempts with IAMPW_E_INVAL and leaves no candidate in the buffer.
 */
static void test_unsatisfiable_policy_gives_up(void **state)
{
	struct iampw_policy p = default_policy();
	struct iampw_err e;
	char pw[32];

	p.min_classes = 5;
	iampw_err_init(&e);
	memset(pw, 'x', sizeof pw);
	assert_int_equal(iampw_generate_password(&p, &alice, pw, sizeof pw, &e),
			 IAMPW_E_INVAL);
	assert_int_equal(e.code, IAMPW_E_INVAL);
	for (size_t i = 0; i <= IAMPW_GENERATED_MIN; i++)
		assert_int_equal(pw[i], '\0');
}

/* The identity may be absent (iampw-admin without a GECOS entry). */
static void test_null_identity(void **state)
{
	struct iampw_policy p = default_policy();
	struct iampw_check r;
	struct iampw_err e;
	char pw[IAMPW_GENERATED_MIN + 1];

	iampw_err_init(&e);
	assert_int_equal(iampw_generate_password(&p, NULL, pw, sizeof pw, &e),
			 IAMPW_OK);
	iampw_check_password(&p, NULL, pw, &r);
	assert_int_equal(r.failed, 0);
	iampw_wipe(pw, sizeof pw);
}

/*
 * Known answer: bytes 246..255 are redrawn, 245 is the last character
 * ('), and 83 and 166 fold onto B and C.  The first candidate has all
 * four types, so it is the answer.
 */
static void test_known_answer(void **state)
{
	static const unsigned char script[] = {
		246, 0, 255, 26, 250, 52, 62, 245,
		83, 27, 53, 63, 166, 28, 54, 64, 3, 29, 55, 65, 4, 30, 56,
	};
	struct iampw_policy p = default_policy();
	char pw[IAMPW_GENERATED_MIN + 1];

	fake.script = script;
	fake.script_len = sizeof script;
	generate_ok(&p, pw, sizeof pw);
	assert_string_equal(pw, "Aa0!'Bb1@Cc2#Dd3$Ee4");
	iampw_wipe(pw, sizeof pw);
}

/* A candidate lacking a type is thrown away and the next one taken. */
static void test_candidate_without_all_types_redrawn(void **state)
{
	static const unsigned char script[] = {
		/* "ABCDEFGHIJKLMNOPQRS" and a digit: no lowercase, no symbol. */
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
		18, 52,
		/* "Aa0!" and 16 lowercase letters. */
		0, 26, 52, 62, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38,
		39, 40, 41, 42,
	};
	struct iampw_policy p = default_policy();
	char pw[IAMPW_GENERATED_MIN + 1];

	fake.script = script;
	fake.script_len = sizeof script;
	generate_ok(&p, pw, sizeof pw);
	assert_string_equal(pw, "Aa0!bcdefghijklmnopq");
	iampw_wipe(pw, sizeof pw);
}

/* The candidate equal to the user name is thrown away too. */
static void test_candidate_equal_to_user_redrawn(void **state)
{
	static const unsigned char script[] = {
		/* "Aa0!bcdefghijklmnopq" twice, then "Aa0!bcdefghijklmnopr". */
		0, 26, 52, 62, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38,
		39, 40, 41, 42,
		0, 26, 52, 62, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38,
		39, 40, 41, 42,
		0, 26, 52, 62, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38,
		39, 40, 41, 43,
	};
	struct iampw_identity id = { "AA0!BCDEFGHIJKLMNOPQ", NULL, NULL };
	struct iampw_policy p = default_policy();
	struct iampw_err e;
	char pw[IAMPW_GENERATED_MIN + 1];

	fake.script = script;
	fake.script_len = sizeof script;
	iampw_err_init(&e);
	assert_int_equal(iampw_generate_password(&p, &id, pw, sizeof pw, &e),
			 IAMPW_OK);
	assert_string_equal(pw, "Aa0!bcdefghijklmnopr");
	iampw_wipe(pw, sizeof pw);
}

static void test_getrandom_eintr_and_short_reads(void **state)
{
	struct iampw_policy p = custom_policy(128);
	struct iampw_check r;
	char pw[IAMPW_PASSWORD_CHARS_MAX + 1];

	fake.eintr_first = true;
	fake.max_chunk = 7;
	generate_ok(&p, pw, sizeof pw);
	/* 128 characters need at least 19 reads of 7 bytes, plus the EINTR. */
	assert_true(fake.calls >= 20);
	assert_int_equal(strlen(pw), 128);
	iampw_check_password(&p, &alice, pw, &r);
	assert_int_equal(r.failed, 0);
	/* Each short read lands after the last (about 1.6 of each expected). */
	for (const char *c = alphabet; *c != '\0'; c++) {
		unsigned n = 0;

		for (const char *q = pw; *q != '\0'; q++)
			n += *q == *c;
		assert_true(n < 20);
	}
	iampw_wipe(pw, sizeof pw);
}

/*
 * getrandom failing half-way through a candidate: IAMPW_E_IO with the
 * errno text, and the partial candidate wiped.  The policy can never be
 * met, so candidates are drawn until the second read fails.
 */
static void test_getrandom_failure(void **state)
{
	struct iampw_policy p = custom_policy(100);
	struct iampw_err e;
	char pw[128];

	p.min_classes = 5;
	fake.fail_on_call = 2;
	fake.fail_errno = ENOSYS;
	iampw_err_init(&e);
	memset(pw, 'x', sizeof pw);
	assert_int_equal(iampw_generate_password(&p, &alice, pw, sizeof pw, &e),
			 IAMPW_E_IO);
	assert_int_equal(e.code, IAMPW_E_IO);
	assert_string_equal(e.text, "getrandom: Function not implemented");
	for (size_t i = 0; i <= 100; i++)
		assert_int_equal(pw[i], '\0');
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, reset_fake)
	const struct CMUnitTest tests[] = {
		T(test_default_policy_all_pass),
		T(test_strict_custom_policy_all_pass),
		T(test_lenient_policy_still_all_types),
		T(test_length_rules),
		T(test_impossible_length_refused),
		T(test_distinct_outputs),
		T(test_every_character_appears),
		T(test_no_modulo_bias),
		T(test_buffer_too_small),
		T(test_unsatisfiable_policy_gives_up),
		T(test_null_identity),
		T(test_known_answer),
		T(test_candidate_without_all_types_redrawn),
		T(test_candidate_equal_to_user_redrawn),
		T(test_getrandom_eintr_and_short_reads),
		T(test_getrandom_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
