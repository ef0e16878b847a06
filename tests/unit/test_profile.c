/*
 * Unit tests of lib/profile.c: the profile writer and its strict reader.
 * History values are real libxcrypt output made here with a cheap cost,
 * so the reader's hash validation sees what production writes.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"
#include "internal.h"

#include <crypt.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NAME "profiles/1000"
#define FP "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/*
 * Hashes shared by the tests: 24 entries made with one yescrypt salt,
 * one hash of another salt, and a sha512crypt salt with two entries.
 * Made once: yescrypt is slow under valgrind.
 */
struct fixture {
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	char hash[IAMPW_REUSE_MAX][CRYPT_OUTPUT_SIZE];
	char other_salt[CRYPT_GENSALT_OUTPUT_SIZE];
	char other_hash[CRYPT_OUTPUT_SIZE];
	char sha_salt[CRYPT_GENSALT_OUTPUT_SIZE];
	char sha_hash[2][CRYPT_OUTPUT_SIZE];
};

static void make_salt(const char *prefix, unsigned long cost, char *out, size_t n)
{
	assert_non_null(crypt_gensalt_rn(prefix, cost, NULL, 0, out, (int)n));
	assert_true(out[0] == '$');
}

static void make_hash(const char *pw, const char *salt, char out[CRYPT_OUTPUT_SIZE])
{
	struct crypt_data *cd = calloc(1, sizeof *cd);
	const char *h;

	assert_non_null(cd);
	h = crypt_rn(pw, salt, cd, sizeof *cd);
	assert_non_null(h);
	assert_true(h[0] != '*');
	assert_true(strlen(h) < CRYPT_OUTPUT_SIZE);
	strcpy(out, h);
	iampw_wipe(cd, sizeof *cd);
	free(cd);
}

static int group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	char pw[32];

	if (f == NULL)
		return -1;
	make_salt("$y$", 1, f->salt, sizeof f->salt);
	for (unsigned i = 0; i < IAMPW_REUSE_MAX; i++) {
		snprintf(pw, sizeof pw, "Old-password-%u!", i);
		make_hash(pw, f->salt, f->hash[i]);
	}
	make_salt("$y$", 1, f->other_salt, sizeof f->other_salt);
	make_hash("Old-password-0!", f->other_salt, f->other_hash);
	make_salt("$6$", 1000, f->sha_salt, sizeof f->sha_salt);
	make_hash("one", f->sha_salt, f->sha_hash[0]);
	make_hash("two", f->sha_salt, f->sha_hash[1]);
	*state = f;
	return 0;
}

static int group_teardown(void **state)
{
	iampw_wipe(*state, sizeof(struct fixture));
	free(*state);
	return 0;
}

/* The random part of a setting: distinctive text to look for in messages. */
static const char *salt_tail(const char *setting)
{
	const char *p = strrchr(setting, '$');

	assert_non_null(p);
	assert_true(strlen(p + 1) >= 8);
	return p + 1;
}

static const char *hash_tail(const char *hash)
{
	return salt_tail(hash);
}

static void assert_profile_equal(const struct iampw_profile *got,
				 const struct iampw_profile *want)
{
	assert_int_equal(got->uid, want->uid);
	assert_string_equal(got->user, want->user);
	assert_string_equal(got->account, want->account);
	assert_true(got->create_date == want->create_date);
	assert_true(got->last_changed == want->last_changed);
	assert_true(got->last_used == want->last_used);
	assert_int_equal(got->reset_required, want->reset_required);
	assert_string_equal(got->salt, want->salt);
	assert_int_equal(got->nhistory, want->nhistory);
	for (unsigned i = 0; i < want->nhistory; i++)
		assert_string_equal(got->history[i], want->history[i]);
}

static void assert_cleared(const struct iampw_profile *p)
{
	static const struct iampw_profile zero;

	assert_memory_equal(p, &zero, sizeof zero);
}

/* A profile with `n` entries of the fixture. */
static void sample(const struct fixture *f, unsigned n, int64_t last_used,
		   struct iampw_profile *p)
{
	memset(p, 0, sizeof *p);
	p->uid = 1000;
	strcpy(p->user, "alice");
	strcpy(p->account, FP);
	p->create_date = 1763805600;
	p->last_changed = 1763809200;
	p->last_used = last_used;
	p->reset_required = false;
	if (n > 0)
		strcpy(p->salt, f->salt);
	p->nhistory = n;
	for (unsigned i = 0; i < n; i++)
		strcpy(p->history[i], f->hash[i]);
}

static int parse(const char *text, struct iampw_profile *p, struct iampw_err *e)
{
	memset(p, 0x5a, sizeof *p);
	iampw_err_init(e);
	return iampw_profile_parse(NAME, text, strlen(text), p, e);
}

static void round_trip(const struct iampw_profile *p)
{
	char *buf = malloc(32 * 1024);
	struct iampw_profile back;
	struct iampw_err e;
	int n;

	assert_non_null(buf);
	n = iampw_profile_format(p, buf, 32 * 1024);
	assert_true(n > 0);
	assert_int_equal(strlen(buf), (size_t)n);
	if (parse(buf, &back, &e) != IAMPW_OK)
		fail_msg("%s\n%s", buf, e.text);
	assert_int_equal(e.count, 0);
	assert_profile_equal(&back, p);
	iampw_wipe(buf, 32 * 1024);
	free(buf);
}

static void test_round_trip(void **state)
{
	const struct fixture *f = *state;
	struct iampw_profile p;

	sample(f, 0, 0, &p);
	round_trip(&p);
	sample(f, 0, 1763812800, &p);
	round_trip(&p);
	sample(f, 1, 0, &p);
	round_trip(&p);
	sample(f, 1, 1763812800, &p);
	p.reset_required = true;
	round_trip(&p);
	sample(f, 24, 0, &p);
	round_trip(&p);
	sample(f, 24, 1763812800, &p);
	round_trip(&p);

	/* Edges of the fields. */
	sample(f, 2, IAMPW_TIME_MAX, &p);
	p.uid = UINT32_C(4294967294);
	p.create_date = 0;
	p.last_changed = IAMPW_TIME_MAX;
	strcpy(p.user, "abcdefghijklmnopqrstuvwxyz012345");   /* 32 */
	round_trip(&p);
	strcpy(p.user, "WS01$");
	p.uid = 0;
	round_trip(&p);
	/* Any name NSS may give (§3.1): written %XX-encoded, read back the same. */
	static const char *const names[] = {
		"alice@corp.example", "CORP\\alice", "\xc3\x89lodie Martin", "a;b#c=d",
		"100%", "%41", "\"quoted\"", "tab\there", "x\xff",
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		strcpy(p.user, names[i]);
		round_trip(&p);
	}
	memset(p.user, 0x7f, IAMPW_NAME_MAX);
	p.user[IAMPW_NAME_MAX] = '\0';
	round_trip(&p);

	/* sha512crypt history. */
	sample(f, 0, 0, &p);
	strcpy(p.salt, f->sha_salt);
	strcpy(p.history[0], f->sha_hash[0]);
	strcpy(p.history[1], f->sha_hash[1]);
	p.nhistory = 2;
	round_trip(&p);
}

static void test_format_exact_text(void **state)
{
	const struct fixture *f = *state;
	struct iampw_profile p;
	char buf[4096], want[4096];

	sample(f, 2, 1763812800, &p);
	p.reset_required = true;
	assert_true(iampw_profile_format(&p, buf, sizeof buf) > 0);
	snprintf(want, sizeof want,
		 "[profile]\n"
		 "user = alice\n"
		 "uid = 1000\n"
		 "account = " FP "\n"
		 "create_date = 1763805600\n"
		 "password_last_changed = 1763809200\n"
		 "password_last_used = 1763812800\n"
		 "password_reset_required = true\n"
		 "[history]\n"
		 "salt = %s\n"
		 "h1 = %s\n"
		 "h2 = %s\n", f->salt, f->hash[0], f->hash[1]);
	/* Comment lines first, then exactly this. */
	assert_true(strlen(buf) > strlen(want));
	assert_string_equal(buf + strlen(buf) - strlen(want), want);
	assert_int_equal(buf[0], ';');

	/* Never used, no history: neither line is written. */
	sample(f, 0, 0, &p);
	assert_true(iampw_profile_format(&p, buf, sizeof buf) > 0);
	assert_false(th_contains(buf, "password_last_used"));
	assert_false(th_contains(buf, "[history]"));
	assert_true(th_contains(buf, "\npassword_reset_required = false\n"));
}

static void test_format_refusals(void **state)
{
	const struct fixture *f = *state;
	struct iampw_profile p;
	char buf[4096];
	int n;

	/* An empty name, and one that fills the array without its NUL. */
	sample(f, 1, 0, &p);
	p.user[0] = '\0';
	assert_int_equal(iampw_profile_format(&p, buf, sizeof buf), IAMPW_E_INVAL);
	memset(p.user, 'a', sizeof p.user);
	assert_int_equal(iampw_profile_format(&p, buf, sizeof buf), IAMPW_E_INVAL);
	/* No account fingerprint, or not one; a uid no profile can have. */
	sample(f, 1, 0, &p);
	p.account[0] = '\0';
	assert_int_equal(iampw_profile_format(&p, buf, sizeof buf), IAMPW_E_INVAL);
	sample(f, 1, 0, &p);
	p.account[63] = 'A';
	assert_int_equal(iampw_profile_format(&p, buf, sizeof buf), IAMPW_E_INVAL);
	sample(f, 1, 0, &p);
	p.uid = UINT32_MAX;
	assert_int_equal(iampw_profile_format(&p, buf, sizeof buf), IAMPW_E_INVAL);
	/* History without a salt, or more than 24 entries. */
	sample(f, 1, 0, &p);
	p.salt[0] = '\0';
	assert_int_equal(iampw_profile_format(&p, buf, sizeof buf), IAMPW_E_INVAL);
	sample(f, 24, 0, &p);
	p.nhistory = 25;
	assert_int_equal(iampw_profile_format(&p, buf, sizeof buf), IAMPW_E_INVAL);

	/* Too small: refused, and no hash is left behind in the buffer. */
	sample(f, 3, 0, &p);
	n = iampw_profile_format(&p, buf, sizeof buf);
	assert_true(n > 0);
	assert_int_equal(iampw_profile_format(&p, buf, (size_t)n + 1), n);
	for (size_t size = (size_t)n; size > 0; size -= size > 64 ? 37 : 1) {
		memset(buf, 'x', sizeof buf);
		assert_int_equal(iampw_profile_format(&p, buf, size), IAMPW_E_INVAL);
		for (size_t i = 0; i < size; i++) {
			if (buf[i] != '\0')
				fail_msg("size %zu: byte %zu left: %c", size, i, buf[i]);
		}
		assert_int_equal(buf[size], 'x');
	}
	assert_int_equal(iampw_profile_format(&p, buf, 0), IAMPW_E_INVAL);
}

/* ---------------------------------------------------------------------- */
/* Corrupt profiles                                                       */

/* Text builders: the [profile] part with one line changed or left out. */
static const char *const profile_lines[] = {
	"user = alice",
	"uid = 1000",
	"create_date = 1763805600",
	"password_last_changed = 1763809200",
	"password_last_used = 1763812800",
	"password_reset_required = false",
	"account = " FP,
};

/*
 * "[profile]" and its lines (line `skip` left out, line `replace`
 * replaced by `with`), then `history` verbatim.
 */
static char *profile_text(int skip, int replace, const char *with, const char *history)
{
	size_t cap = 16 * 1024, len = 0;
	char *t = malloc(cap);

	assert_non_null(t);
	len += (size_t)snprintf(t + len, cap - len, "[profile]\n");
	for (int i = 0; i < (int)ARRAY_SIZE(profile_lines); i++) {
		if (i == skip)
			continue;
		len += (size_t)snprintf(t + len, cap - len, "%s\n",
					i == replace ? with : profile_lines[i]);
	}
	snprintf(t + len, cap - len, "%s", history);
	return t;
}

/* Refused with exactly `report`, and no secret of `f` quoted. */
static void expect_corrupt(const struct fixture *f, char *text, const char *report)
{
	struct iampw_profile p;
	struct iampw_err e;
	int rc = parse(text, &p, &e);

	if (rc != IAMPW_E_PARSE || strcmp(e.text, report) != 0)
		fail_msg("rc %d for:\n%s\nreport:\n%s\nwant:\n%s", rc, text, e.text, report);
	assert_int_equal(e.code, IAMPW_E_PARSE);
	assert_int_equal(e.count, 1);
	assert_cleared(&p);
	assert_null(strstr(e.text, salt_tail(f->salt)));
	assert_null(strstr(e.text, salt_tail(f->other_salt)));
	for (unsigned i = 0; i < IAMPW_REUSE_MAX; i++)
		assert_null(strstr(e.text, hash_tail(f->hash[i])));
	assert_null(strstr(e.text, hash_tail(f->other_hash)));
	iampw_wipe(text, strlen(text));
	free(text);
}

static void test_parse_minimal(void **state)
{
	struct iampw_profile p, want;
	struct iampw_err e;
	char *t = profile_text(4, -1, NULL, "");

	(void)state;
	/* No password_last_used: never used (0). */
	assert_int_equal(parse(t, &p, &e), IAMPW_OK);
	memset(&want, 0, sizeof want);
	want.uid = 1000;
	strcpy(want.user, "alice");
	strcpy(want.account, FP);
	want.create_date = 1763805600;
	want.last_changed = 1763809200;
	assert_profile_equal(&p, &want);
	free(t);
	/* An empty [history] is no history. */
	t = profile_text(-1, 5, "password_reset_required = yes", "[history]\n");
	assert_int_equal(parse(t, &p, &e), IAMPW_OK);
	assert_true(p.reset_required);
	assert_true(p.last_used == 1763812800);
	assert_int_equal(p.nhistory, 0);
	assert_string_equal(p.salt, "");
	free(t);
}

static void test_missing_profile_section(void **state)
{
	const struct fixture *f = *state;
	char hist[1024];

	snprintf(hist, sizeof hist, "[history]\nsalt = %s\nh1 = %s\n", f->salt, f->hash[0]);
	expect_corrupt(f, strdup(hist), NAME ": no [profile] section");
	expect_corrupt(f, strdup(""), NAME ": no [profile] section");
}

static void test_missing_keys(void **state)
{
	const struct fixture *f = *state;
	static const char *const keys[] = {
		"user", "uid", "create_date", "password_last_changed", NULL,
		"password_reset_required", "account",
	};
	char report[128];

	for (int i = 0; i < (int)ARRAY_SIZE(keys); i++) {
		if (keys[i] == NULL)
			continue;   /* password_last_used is optional */
		snprintf(report, sizeof report, NAME ": [profile] lacks '%s'", keys[i]);
		expect_corrupt(f, profile_text(i, -1, NULL, ""), report);
	}
}

static void test_bad_identity(void **state)
{
	const struct fixture *f = *state;

	/* Only what the writer writes: plain bytes, and %XX for the others. */
	expect_corrupt(f, profile_text(-1, 0, "user = ../x", ""),
		       NAME ":2: user: not a valid user name");
	expect_corrupt(f, profile_text(-1, 0, "user = a%41", ""),
		       NAME ":2: user: not a valid user name");
	expect_corrupt(f, profile_text(-1, 0, "user = a%2f", ""),
		       NAME ":2: user: not a valid user name");
	expect_corrupt(f, profile_text(-1, 0, "user = a%2", ""),
		       NAME ":2: user: not a valid user name");
	expect_corrupt(f, profile_text(-1, 0, "user = %00", ""),
		       NAME ":2: user: not a valid user name");
	expect_corrupt(f, profile_text(-1, 6, "account = " FP "0", ""),
		       NAME ":8: account: not an account fingerprint (64 hex digits)");
	expect_corrupt(f, profile_text(-1, 6, "account = 0123456789ABCDEF", ""),
		       NAME ":8: account: not an account fingerprint (64 hex digits)");
	expect_corrupt(f, profile_text(-1, 0, "user =", ""),
		       NAME ":2: user: not a valid user name");
	expect_corrupt(f, profile_text(-1, 1, "uid = 4294967295", ""),
		       NAME ":3: uid: 4294967295 is out of range (0 to 4294967294)");
	expect_corrupt(f, profile_text(-1, 1, "uid = -1", ""),
		       NAME ":3: uid: '-1' is out of range (0 to 4294967294)");
	expect_corrupt(f, profile_text(-1, 1, "uid = 01000", ""),
		       NAME ":3: uid: not a plain base-10 number: '01000'");
	expect_corrupt(f, profile_text(-1, 5, "password_reset_required = maybe", ""),
		       NAME ":7: password_reset_required: not one of true/false/yes/no/1/0: 'maybe'");
	expect_corrupt(f, profile_text(-1, 5, "password_reset_required = false\nshell = /bin/sh", ""),
		       NAME ":8: unknown key 'shell' in [profile]");
	/* The 257th byte is one too many. */
	{
		char line[IAMPW_NAME_MAX + 16];

		memset(line, 'a', sizeof line);
		memcpy(line, "user = ", 7);
		line[7 + IAMPW_NAME_MAX + 1] = '\0';
		expect_corrupt(f, profile_text(-1, 0, line, ""),
			       NAME ":2: user: not a valid user name");
	}
}

static void test_bad_dates(void **state)
{
	const struct fixture *f = *state;

	/* 10000-01-01T00:00:00Z is beyond what we store. */
	expect_corrupt(f, profile_text(-1, 2, "create_date = 253402300800", ""),
		       NAME ":4: create_date: 253402300800 is out of range (0 to 253402300799)");
	expect_corrupt(f, profile_text(-1, 3, "password_last_changed = -1", ""),
		       NAME ":5: password_last_changed: '-1' is out of range (0 to 253402300799)");
	expect_corrupt(f, profile_text(-1, 4, "password_last_used = -1763812800", ""),
		       NAME ":6: password_last_used: '-1763812800' is out of range (0 to 253402300799)");
	expect_corrupt(f, profile_text(-1, 4, "password_last_used = 99999999999999999999", ""),
		       NAME ":6: password_last_used: '99999999999999999999' is out of range (0 to 253402300799)");
	expect_corrupt(f, profile_text(-1, 2, "create_date = 2025-11-22", ""),
		       NAME ":4: create_date: not a plain base-10 number: '2025-11-22'");

	/* The last representable second is fine. */
	{
		struct iampw_profile p;
		struct iampw_err e;
		char *t = profile_text(-1, 2, "create_date = 253402300799", "");

		assert_int_equal(parse(t, &p, &e), IAMPW_OK);
		assert_true(p.create_date == IAMPW_TIME_MAX);
		free(t);
	}
}

/* A [history] section from a printf format and the fixture. */
static char *with_history(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *with_history(const char *fmt, ...)
{
	char hist[12 * 1024];
	va_list ap;

	va_start(ap, fmt);
	assert_true(vsnprintf(hist, sizeof hist, fmt, ap) < (int)sizeof hist);
	va_end(ap);
	return profile_text(-1, -1, NULL, hist);
}

static void test_bad_history(void **state)
{
	const struct fixture *f = *state;
	char trunc[CRYPT_OUTPUT_SIZE], md5[CRYPT_OUTPUT_SIZE];
	char md5_salt[CRYPT_GENSALT_OUTPUT_SIZE];
	char *many;

	/* [history] is line 8: [profile] and its 6 lines come first. */
	expect_corrupt(f, with_history("[history]\nh1 = %s\n", f->hash[0]),
		       NAME ":10: h1: history entry without a salt");
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 = %s\nh3 = %s\n",
				       f->salt, f->hash[0], f->hash[2]),
		       NAME ":12: h3: history entries must be numbered h1, h2, ... without gaps");
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh2 = %s\n",
				       f->salt, f->hash[1]),
		       NAME ":11: h2: history entries must be numbered h1, h2, ... without gaps");
	/* Two-digit keys too: h1 then h12. */
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 = %s\nh12 = %s\n",
				       f->salt, f->hash[0], f->hash[1]),
		       NAME ":12: h12: history entries must be numbered h1, h2, ... without gaps");
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh0 = %s\n", f->salt, f->hash[0]),
		       NAME ":11: unknown key 'h0' in [history]");
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh01 = %s\n", f->salt, f->hash[0]),
		       NAME ":11: unknown key 'h01' in [history]");

	/* h25: a 25th entry is never written, so never read. */
	many = malloc(16 * 1024);
	assert_non_null(many);
	{
		size_t len = (size_t)sprintf(many, "[history]\nsalt = %s\n", f->salt);

		for (unsigned i = 0; i < IAMPW_REUSE_MAX; i++)
			len += (size_t)sprintf(many + len, "h%u = %s\n", i + 1, f->hash[i]);
		sprintf(many + len, "h25 = %s\n", f->hash[0]);
	}
	expect_corrupt(f, with_history("%s", many), NAME ":35: unknown key 'h25' in [history]");
	free(many);

	/* Malformed entries: truncated, another method, another salt. */
	strcpy(trunc, f->hash[0]);
	trunc[strlen(trunc) - 1] = '\0';
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 = %s\n", f->salt, trunc),
		       NAME ":11: h1: malformed history entry");
	make_salt("$1$", 0, md5_salt, sizeof md5_salt);
	make_hash("Old-password-0!", md5_salt, md5);
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 = %s\n", f->salt, md5),
		       NAME ":11: h1: malformed history entry");
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 = %s\nh2 = %s\n",
				       f->salt, f->hash[0], f->other_hash),
		       NAME ":12: h2: malformed history entry");
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 = %s\n", f->salt, f->sha_hash[0]),
		       NAME ":11: h1: malformed history entry");
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 = %s\n", f->salt, f->salt),
		       NAME ":11: h1: malformed history entry");
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 = %s$\n", f->salt, f->hash[0]),
		       NAME ":11: h1: malformed history entry");
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 = *0\n", f->salt),
		       NAME ":11: h1: malformed history entry");
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 =\n", f->salt),
		       NAME ":11: h1: malformed history entry");
	/* Longer than any hash (and than the struct's slot). */
	{
		char big[CRYPT_OUTPUT_SIZE + 64];

		snprintf(big, sizeof big, "%s", f->hash[0]);
		memset(big + strlen(big), 'A', sizeof big - strlen(big) - 1);
		big[sizeof big - 1] = '\0';
		expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 = %s\n", f->salt, big),
			       NAME ":11: h1: malformed history entry");
	}
}

static void test_bad_salt(void **state)
{
	const struct fixture *f = *state;
	char md5_salt[CRYPT_GENSALT_OUTPUT_SIZE], costly[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *bad[] = {
		md5_salt, "$y$", "$y$j75$", "$6$", "$6$rounds=10$abcdefgh",
		"garbage", "$2b$05$abcdefghijklmnopqrstuu", costly,
	};
	static const char report[] =
		NAME ":10: salt: not a yescrypt or sha512crypt setting within the cost limits";

	make_salt("$1$", 0, md5_salt, sizeof md5_salt);
	/*
	 * A yescrypt cost above IAMPW_YESCRYPT_COST_MAX: libxcrypt makes
	 * "$y$jFT$" for cost 11 and refuses 12, so spell N one step higher
	 * by hand; a forged file can hold it.
	 */
	snprintf(costly, sizeof costly, "$y$jGT$%s", salt_tail(f->salt));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		expect_corrupt(f, with_history("[history]\nsalt = %s\n", bad[i]), report);
	/* With entries after it: still one problem, the salt. */
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 = %s\n", md5_salt, f->hash[0]),
		       report);
	/* The salt of another profile is well formed: its entries are not. */
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 = %s\n",
				       f->other_salt, f->hash[0]),
		       NAME ":11: h1: malformed history entry");
}

/* Problems in the ini layer are reported too, hashes never quoted. */
static void test_ini_level_refusals(void **state)
{
	const struct fixture *f = *state;

	expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 = %s\nh1 = %s\n",
				       f->salt, f->hash[0], f->hash[1]),
		       NAME ":12: key 'h1' repeated (first on line 11)");
	expect_corrupt(f, with_history("[history]\nsalt = %s\nh1 = \"%s\"\n",
				       f->salt, f->hash[0]),
		       NAME ":11: key 'h1': values are plain ASCII without quotes");
	expect_corrupt(f, with_history("[history]\nsalt = %s\n%s\n", f->salt, f->hash[0]),
		       NAME ":11: expected 'key = value'");
	expect_corrupt(f, with_history("[history]\nsalt = %s\n[extra]\n", f->salt),
		       NAME ":11: unknown section [extra]");
}

/* Several problems at once are all reported, and *p is still cleared. */
static void test_all_problems_reported(void **state)
{
	const struct fixture *f = *state;
	char hist[2048];
	char *t;
	struct iampw_profile p;
	struct iampw_err e;

	snprintf(hist, sizeof hist, "[history]\nsalt = %s\nh1 = %s\nh2 = %s\n",
		 f->salt, f->hash[0], f->other_hash);
	t = profile_text(0, 2, "create_date = -5", hist);
	assert_int_equal(parse(t, &p, &e), IAMPW_E_PARSE);
	assert_string_equal(e.text,
		NAME ": [profile] lacks 'user'\n"
		NAME ":3: create_date: '-5' is out of range (0 to 253402300799)\n"
		NAME ":11: h2: malformed history entry");
	assert_int_equal(e.count, 3);
	assert_cleared(&p);
	assert_null(strstr(e.text, salt_tail(f->salt)));
	free(t);
}

static void test_clear(void **state)
{
	const struct fixture *f = *state;
	struct iampw_profile p;

	sample(f, 24, 5, &p);
	iampw_profile_clear(&p);
	assert_cleared(&p);
}

/*
 * iampw_profile_parse reads the serialiser's exact text itself and leaves
 * every other text to the scanner: on any text both must give the same
 * result, struct and messages.  `len` bytes of text (NULs included).
 */
static void agree(const char *text, size_t len)
{
	static struct iampw_profile quick, scanned;
	static struct iampw_err eq, es;
	int rq, rs;

	memset(&quick, 0x5a, sizeof quick);
	memset(&scanned, 0xa5, sizeof scanned);
	iampw_err_init(&eq);
	iampw_err_init(&es);
	rq = iampw_profile_parse(NAME, text, len, &quick, &eq);
	rs = iampw_profile_parse_scanned(NAME, text, len, &scanned, &es);
	if (rq != rs || memcmp(&quick, &scanned, sizeof quick) != 0 ||
	    strcmp(eq.text, es.text) != 0)
		fail_msg("the readers disagree (%d, %d) on:\n%.*s\n%s\n%s", rq, rs,
			 (int)len, text, eq.text, es.text);
}

/* Every one-byte change, deletion, insertion and cut of `text`. */
static void agree_on_mutations(const char *text)
{
	static const char bytes[] = { '\0', '\r', '\n', ' ', '\t', ';', '#', '"', '\'',
				      '\\', (char)0x80, (char)0xc3, 'x', 'A', '0', '9',
				      '%', '=', '$', '.', '[', ']', '-' };
	size_t len = strlen(text);
	char *buf = malloc(len + 2);

	assert_non_null(buf);
	for (size_t i = 0; i <= len; i++) {
		agree(text, i);
		for (size_t b = 0; i < len && b < sizeof bytes; b++) {
			memcpy(buf, text, len);
			buf[i] = bytes[b];
			agree(buf, len);
		}
		if (i < len) {
			memcpy(buf, text, i);
			memcpy(buf + i, text + i + 1, len - i - 1);
			agree(buf, len - 1);
		}
		memcpy(buf, text, i);
		buf[i] = text[i > 0 ? i - 1 : 0];
		memcpy(buf + i + 1, text + i, len - i);
		agree(buf, len + 1);
	}
	iampw_wipe(buf, len + 2);
	free(buf);
}

static void test_readers_agree(void **state)
{
	const struct fixture *f = *state;
	static struct iampw_profile p, back;
	static char text[32 * 1024];
	struct iampw_err e;

	/* The serialiser's text: read without the scanner, to the same struct. */
	for (unsigned n = 0; n <= IAMPW_REUSE_MAX; n += 12) {
		sample(f, n, n == 12 ? 0 : 1763812800, &p);
		assert_true(iampw_profile_format(&p, text, sizeof text) > 0);
		agree(text, strlen(text));
		assert_int_equal(parse(text, &back, &e), IAMPW_OK);
		assert_profile_equal(&back, &p);
	}
	/* Past the 24th entry, whatever follows is the scanner's to refuse. */
	for (const char *const *extra = (const char *const[]){ "h25 = x\n", "; note\n", "\n",
							       "[history]\n", NULL };
	     *extra != NULL; extra++) {
		size_t n = strlen(text);

		snprintf(text + n, sizeof text - n, "%s", *extra);
		agree(text, strlen(text));
		text[n] = '\0';
	}
	/* An encoded name, a reset, sha512crypt with rounds. */
	sample(f, 0, 0, &p);
	strcpy(p.user, "m.\xc3\xa9lodie@corp.example");
	p.reset_required = true;
	strcpy(p.salt, f->sha_salt);
	strcpy(p.history[0], f->sha_hash[0]);
	strcpy(p.history[1], f->sha_hash[1]);
	p.nhistory = 2;
	assert_true(iampw_profile_format(&p, text, sizeof text) > 0);
	agree_on_mutations(text);
	/* yescrypt, last_used present, three entries. */
	sample(f, 3, 1763812800, &p);
	assert_true(iampw_profile_format(&p, text, sizeof text) > 0);
	agree_on_mutations(text);
	/* Both a CRLF file and a commented one are the scanner's. */
	agree("; pam_iampw login profile, written by pam_iampw and iampw-admin.\r\n", 67);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_format_exact_text),
		cmocka_unit_test(test_format_refusals),
		cmocka_unit_test(test_parse_minimal),
		cmocka_unit_test(test_missing_profile_section),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_bad_identity),
		cmocka_unit_test(test_bad_dates),
		cmocka_unit_test(test_bad_history),
		cmocka_unit_test(test_bad_salt),
		cmocka_unit_test(test_ini_level_refusals),
		cmocka_unit_test(test_all_problems_reported),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_readers_agree),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
