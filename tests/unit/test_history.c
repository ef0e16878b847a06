/*
 * Password history (§5.4): one salt per profile, one crypt per check,
 * fail closed on anything malformed.
 *
 * Yescrypt runs at cost 1 (about 1 ms) except in the one test of the
 * default cost, so the suite stays fast under valgrind.  Entries that only
 * need to be well-formed (never matched) are made up instead of hashed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char b64[] =
	"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static void config(struct iampw_config *c, enum iampw_hash hash, unsigned long cost)
{
	memset(c, 0, sizeof *c);
	c->min_uid = 1000;
	c->max_uid = 60000;
	c->warn_days = 15;
	c->hash = hash;
	c->cost = cost;
}

/* A fresh setting from libxcrypt, as the module would draw it. */
static void gensalt(const char *prefix, unsigned long cost,
		    char out[CRYPT_GENSALT_OUTPUT_SIZE])
{
	assert_non_null(crypt_gensalt_rn(prefix, cost, NULL, 0, out,
					 CRYPT_GENSALT_OUTPUT_SIZE));
}

/* crypt(pw, setting) into out, computed independently of the library. */
static void real_hash(const char *setting, const char *pw,
		      char out[CRYPT_OUTPUT_SIZE])
{
	struct crypt_data *data = calloc(1, sizeof *data);
	const char *h;

	assert_non_null(data);
	h = crypt_rn(pw, setting, data, (int)sizeof *data);
	assert_non_null(h);
	assert_true(h[0] != '*');
	memset(out, 0, CRYPT_OUTPUT_SIZE);
	assert_true(strlen(h) < CRYPT_OUTPUT_SIZE);
	strcpy(out, h);
	free(data);
}

/* A well-formed entry for `setting` that no password will match. */
static void fake_hash(const char *setting, unsigned seed, char out[CRYPT_OUTPUT_SIZE])
{
	size_t hlen = setting[1] == 'y' ? 43 : 86;
	size_t slen = strlen(setting);

	memset(out, 0, CRYPT_OUTPUT_SIZE);
	memcpy(out, setting, slen);
	out[slen] = '$';
	for (size_t i = 0; i < hlen; i++)
		out[slen + 1 + i] = b64[(seed * 7 + i * 13 + seed / 64) % 64];
}

static void prof_init(struct iampw_profile *prof, const char *salt)
{
	memset(prof, 0, sizeof *prof);
	strcpy(prof->user, "alice");
	prof->uid = 1000;
	strcpy(prof->salt, salt);
}

/* Append as the oldest entry. */
static void prof_append(struct iampw_profile *prof, const char *entry)
{
	assert_true(prof->nhistory < IAMPW_REUSE_MAX);
	memset(prof->history[prof->nhistory], 0, CRYPT_OUTPUT_SIZE);
	strcpy(prof->history[prof->nhistory], entry);
	prof->nhistory++;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != 0)
			return false;
	}
	return true;
}

/* Run a check expected to succeed; returns *reused. */
static bool check_ok(const struct iampw_config *c, const struct iampw_profile *prof,
		     unsigned reuse, const char *pw, struct iampw_pending *out)
{
	struct iampw_err e;
	bool reused = true;

	iampw_err_init(&e);
	assert_int_equal(iampw_history_check(c, prof, reuse, pw, out, &reused, &e),
			 IAMPW_OK);
	assert_int_equal(e.count, 0);
	return reused;
}

/*
 * Run a check expected to refuse with IAMPW_E_CRYPT, leaking nothing;
 * the message must name `what` went wrong.
 */
static void check_refused(const struct iampw_config *c,
			  const struct iampw_profile *prof, unsigned reuse,
			  const char *pw, const char *what)
{
	struct iampw_pending out;
	struct iampw_err e;
	bool reused = true;

	memset(&out, 0x55, sizeof out);
	iampw_err_init(&e);
	assert_int_equal(iampw_history_check(c, prof, reuse, pw, &out, &reused, &e),
			 IAMPW_E_CRYPT);
	assert_false(reused);
	assert_true(all_zero(&out, sizeof out));
	assert_int_equal(e.code, IAMPW_E_CRYPT);
	assert_true(e.count >= 1);
	/* Never the password, and no salt or hash material at all. */
	assert_null(strstr(e.text, pw));
	assert_null(strchr(e.text, '$'));
	if (strstr(e.text, what) == NULL)
		fail_msg("\"%s\" does not mention %s", e.text, what);
}

static void test_null_profile_draws_salt(void **state)
{
	struct iampw_config c;
	struct iampw_pending a, b;

	config(&c, IAMPW_HASH_YESCRYPT, 1);
	assert_false(check_ok(&c, NULL, 5, "Correct-Horse-1", &a));
	assert_true(iampw_history_salt_valid(a.salt));
	assert_int_equal(strncmp(a.salt, "$y$j75$", 7), 0);
	assert_true(iampw_history_entry_valid(a.salt, a.hash));
	/* Every draw is fresh. */
	assert_false(check_ok(&c, NULL, 5, "Correct-Horse-1", &b));
	assert_string_not_equal(a.salt, b.salt);
	assert_string_not_equal(a.hash, b.hash);
}

static void test_pending_is_crypt_of_candidate(void **state)
{
	struct iampw_config c;
	struct iampw_pending p;
	char want[CRYPT_OUTPUT_SIZE];

	config(&c, IAMPW_HASH_YESCRYPT, 1);
	check_ok(&c, NULL, 1, "Tr0ub4dor&3", &p);
	real_hash(p.salt, "Tr0ub4dor&3", want);
	assert_string_equal(p.hash, want);
	/* Zero-padded, so a later compare over the whole buffer is exact. */
	assert_true(all_zero(p.hash + strlen(p.hash), sizeof p.hash - strlen(p.hash)));
	assert_true(all_zero(p.salt + strlen(p.salt), sizeof p.salt - strlen(p.salt)));
}

static void test_profile_salt_is_used(void **state)
{
	struct iampw_config c;
	struct iampw_profile prof;
	struct iampw_pending p;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	char want[CRYPT_OUTPUT_SIZE];

	/* The configured method does not matter once the profile has a salt. */
	config(&c, IAMPW_HASH_SHA512CRYPT, 0);
	gensalt("$y$", 1, salt);
	prof_init(&prof, salt);
	assert_false(check_ok(&c, &prof, 3, "pw-one", &p));
	assert_string_equal(p.salt, salt);
	real_hash(salt, "pw-one", want);
	assert_string_equal(p.hash, want);
}

static void test_reuse_zero_hashes_nothing(void **state)
{
	struct iampw_config c;
	struct iampw_profile prof;
	struct iampw_pending p;

	/* Even a broken profile is not looked at: nothing will be recorded. */
	config(&c, IAMPW_HASH_YESCRYPT, 1);
	prof_init(&prof, "$1$abcdefgh");
	prof_append(&prof, "garbage");
	memset(&p, 0x55, sizeof p);
	assert_false(check_ok(&c, &prof, 0, "pw", &p));
	assert_true(all_zero(&p, sizeof p));
	assert_false(check_ok(&c, NULL, 0, "pw", &p));
	assert_true(all_zero(&p, sizeof p));
}

/* N = 1: only the current password counts. */
static void test_reuse_1(void **state)
{
	struct iampw_config c;
	struct iampw_profile prof;
	struct iampw_pending p;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], h[CRYPT_OUTPUT_SIZE];

	config(&c, IAMPW_HASH_YESCRYPT, 1);
	gensalt("$y$", 1, salt);
	prof_init(&prof, salt);
	real_hash(salt, "current-pw", h);
	prof_append(&prof, h);
	real_hash(salt, "older-pw", h);
	prof_append(&prof, h);

	assert_true(check_ok(&c, &prof, 1, "current-pw", &p));
	assert_false(check_ok(&c, &prof, 1, "older-pw", &p));
	assert_true(check_ok(&c, &prof, 2, "older-pw", &p));
	assert_false(check_ok(&c, &prof, 24, "brand-new", &p));
	/* Case matters: a hash compare, not a string compare. */
	assert_false(check_ok(&c, &prof, 2, "Current-pw", &p));
}

/* N = 24 with 24 entries: the oldest still counts. */
static void test_reuse_24(void **state)
{
	struct iampw_config c;
	struct iampw_profile prof;
	struct iampw_pending p;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], h[CRYPT_OUTPUT_SIZE];

	config(&c, IAMPW_HASH_YESCRYPT, 1);
	gensalt("$y$", 1, salt);
	prof_init(&prof, salt);
	for (unsigned i = 0; i < 23; i++) {
		fake_hash(salt, i, h);
		prof_append(&prof, h);
	}
	real_hash(salt, "the-24th", h);
	prof_append(&prof, h);
	assert_int_equal(prof.nhistory, 24);

	assert_true(check_ok(&c, &prof, 24, "the-24th", &p));
	assert_false(check_ok(&c, &prof, 23, "the-24th", &p));
	assert_false(check_ok(&c, &prof, 24, "another", &p));
}

/* Recording a 25th entry drops the oldest, which no longer counts. */
static void test_25th_not_compared(void **state)
{
	struct iampw_config c;
	struct iampw_profile prof;
	struct iampw_pending p, f;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];

	config(&c, IAMPW_HASH_YESCRYPT, 1);
	gensalt("$y$", 1, salt);
	prof_init(&prof, salt);
	check_ok(&c, &prof, 24, "first-ever", &p);
	iampw_history_record(&prof, &p, 24);
	memset(&f, 0, sizeof f);
	strcpy(f.salt, salt);
	for (unsigned i = 0; i < 23; i++) {
		fake_hash(salt, i, f.hash);
		iampw_history_record(&prof, &f, 24);
	}
	assert_int_equal(prof.nhistory, 24);
	assert_true(check_ok(&c, &prof, 24, "first-ever", &p));

	fake_hash(salt, 99, f.hash);
	iampw_history_record(&prof, &f, 24);
	assert_int_equal(prof.nhistory, 24);
	assert_false(check_ok(&c, &prof, 24, "first-ever", &p));
}

/* A lower N ignores older entries, malformed ones included. */
static void test_lower_n_ignores_older(void **state)
{
	struct iampw_config c;
	struct iampw_profile prof;
	struct iampw_pending p;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], h[CRYPT_OUTPUT_SIZE];

	config(&c, IAMPW_HASH_YESCRYPT, 1);
	gensalt("$y$", 1, salt);
	prof_init(&prof, salt);
	for (unsigned i = 0; i < 4; i++) {
		fake_hash(salt, i, h);
		prof_append(&prof, h);
	}
	real_hash(salt, "fifth", h);
	prof_append(&prof, h);
	prof_append(&prof, "not a hash");

	assert_false(check_ok(&c, &prof, 4, "fifth", &p));
	assert_true(check_ok(&c, &prof, 5, "fifth", &p));
	check_refused(&c, &prof, 6, "fifth", "entry 6");
}

/* A malformed entry refuses the change even when another one matches. */
static void test_malformed_entry_refuses(void **state)
{
	struct iampw_config c;
	struct iampw_profile prof;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], other[CRYPT_GENSALT_OUTPUT_SIZE];
	char match[CRYPT_OUTPUT_SIZE], h[CRYPT_OUTPUT_SIZE];
	size_t len;

	config(&c, IAMPW_HASH_YESCRYPT, 1);
	gensalt("$y$", 1, salt);
	gensalt("$y$", 1, other);
	real_hash(salt, "same-again", match);

	for (int variant = 0; variant < 9; variant++) {
		prof_init(&prof, salt);
		prof_append(&prof, match);
		fake_hash(salt, 7, h);
		len = strlen(h);
		switch (variant) {
		case 0: h[len - 1] = '\0'; break;               /* too short */
		case 1: h[len] = 'a'; break;                     /* too long */
		case 2: fake_hash(other, 7, h); break;           /* another salt */
		case 3: h[len - 5] = '!'; break;                 /* bad character */
		case 4: strcpy(h, "$1$abcdefgh$0123456789ABCDEFabcdef"); break; /* md5 */
		case 5: h[0] = '\0'; break;                      /* empty */
		case 6: h[strlen(salt)] = 'x'; break;            /* no '$' after the salt */
		case 7: strcat(h, "$"); break;                   /* trailing '$' */
		case 8: h[len - 10] = '$'; break;                /* '$' inside the hash */
		}
		prof_append(&prof, h);
		check_refused(&c, &prof, 2, "same-again", "entry 2");
		/* The same profile with N = 1 never looks at the bad entry. */
		assert_true(check_ok(&c, &prof, 1, "same-again",
				     &(struct iampw_pending){ { 0 }, { 0 } }));
	}

	/* An entry filling its whole buffer without a NUL. */
	prof_init(&prof, salt);
	prof_append(&prof, match);
	memset(prof.history[0], 'a', sizeof prof.history[0]);
	check_refused(&c, &prof, 1, "same-again", "entry 1");
}

static void test_malformed_salt_refuses(void **state)
{
	static const char *const bad[] = {
		"$1$abcdefgh",
		"$2b$05$abcdefghijklmnopqrstuu",
		"$5$abcdefgh",
		"$y$j75$",
		"$y$jGT$abcdefghijklmnopqrstuv",
		"$6$rounds=999$abcdefgh",
		"$6$rounds=1000001$abcdefgh",
		"$6$abcdefgh$",
		"_J9..abcd",
		"ab",
		"garbage",
	};
	struct iampw_config c;
	struct iampw_profile prof;

	config(&c, IAMPW_HASH_YESCRYPT, 1);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		prof_init(&prof, bad[i]);
		check_refused(&c, &prof, 3, "whatever-pw", "salt");
	}
	/* A salt filling its whole buffer without a NUL. */
	prof_init(&prof, "");
	memset(prof.salt, 'a', sizeof prof.salt);
	check_refused(&c, &prof, 3, "whatever-pw", "salt");
}

/* Entries without a salt cannot belong to a freshly drawn one. */
static void test_entries_without_salt_refuse(void **state)
{
	struct iampw_config c;
	struct iampw_profile prof;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], h[CRYPT_OUTPUT_SIZE];

	config(&c, IAMPW_HASH_YESCRYPT, 1);
	gensalt("$y$", 1, salt);
	real_hash(salt, "pw-nosalt", h);
	prof_init(&prof, "");
	prof_append(&prof, h);
	check_refused(&c, &prof, 1, "pw-nosalt", "entry 1");
}

static void test_salt_valid_shapes(void **state)
{
	static const struct {
		const char *setting;
		bool valid;
	} t[] = {
		{ "$6$abcdefgh", true },
		{ "$6$a", true },
		{ "$6$./09AZaz", true },
		{ "$6$abcdefghijklmnop", true },         /* 16 */
		{ "$6$abcdefghijklmnopq", false },       /* 17 */
		{ "$6$rounds=999$abcdefgh", false },
		{ "$6$rounds=1000$abcdefgh", true },
		{ "$6$rounds=5000$abcdefgh", true },
		{ "$6$rounds=1000000$abcdefgh", true },
		{ "$6$rounds=1000001$abcdefgh", false },
		{ "$6$rounds=01000$abcdefgh", false },
		{ "$6$rounds=+1000$abcdefgh", false },
		{ "$6$rounds= 1000$abcdefgh", false },
		{ "$6$rounds=-1000$abcdefgh", false },
		{ "$6$rounds=1e3$abcdefgh", false },
		{ "$6$rounds=$abcdefgh", false },
		{ "$6$rounds=99999999999999999999999$abc", false },
		{ "$6$rounds=1000$", false },
		{ "$6$rounds=1000", false },
		{ "$6$rounds=1000$rounds=1000$abc", false },
		{ "$6$", false },
		{ "$6$$", false },
		{ "$6$abc$", false },
		{ "$6$ab!c", false },
		{ "$6$ab c", false },
		{ "$6$abc\n", false },
		{ "$y$j9T$abcdefghijklmnopqrstuv", true },
		{ "$y$j75$a", true },
		{ "$y$jFT$abcdefghijklmnopqrstuv", true },  /* cost 11 */
		{ "$y$jGT$abcdefghijklmnopqrstuv", false }, /* cost 12 */
		{ "$y$jHT$abcdefghijklmnopqrstuv", false },
		{ "$y$j9U$abcdefghijklmnopqrstuv", false },
		{ "$y$j9$abcdefghijklmnopqrstuv", false },
		{ "$y$j9TT$abcdefghijklmnopqrstuv", false },
		{ "$y$$abcdefghijklmnopqrstuv", false },
		{ "$y$abcdefghijklmnopqrstuv", false },
		{ "$y$j9T$", false },
		{ "$y$j9T$abc$", false },
		{ "$y$j9T$abc$def", false },
		{ "$y$j9T$ab-c", false },
		{ "$y$", false },
		{ "$Y$j9T$abcdefghijklmnopqrstuv", false },
		{ "$1$abcdefgh", false },
		{ "$2b$10$abcdefghijklmnopqrstuu", false },
		{ "$5$abcdefgh", false },
		{ "$7$DU..../....abcdefgh", false },
		{ "$gy$j9T$abcdefghijklmnopqrstuv", false },
		{ "ab", false },
		{ "", false },
	};
	char buf[CRYPT_GENSALT_OUTPUT_SIZE + 8];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (iampw_history_salt_valid(t[i].setting) != t[i].valid)
			fail_msg("salt_valid(\"%s\") should be %s", t[i].setting,
				 t[i].valid ? "true" : "false");
	}
	assert_false(iampw_history_salt_valid(NULL));

	/* Yescrypt salts: up to 86 characters (64 bytes, libxcrypt's limit). */
	strcpy(buf, "$y$j75$");
	memset(buf + 7, 'b', 86);
	buf[7 + 86] = '\0';
	assert_true(iampw_history_salt_valid(buf));
	buf[7 + 86] = 'b';
	buf[7 + 87] = '\0';
	assert_false(iampw_history_salt_valid(buf));
	/* Overlong: as long as the buffer, and longer. */
	memset(buf + 7, 'b', sizeof buf - 8);
	buf[sizeof buf - 1] = '\0';
	assert_false(iampw_history_salt_valid(buf));
}

/* What libxcrypt draws within the ceilings is accepted, and only that. */
/* Our table of yescrypt params is what the linked libxcrypt writes, cost for cost. */
static void test_yescrypt_params_table(void **state)
{
	char s[CRYPT_GENSALT_OUTPUT_SIZE];

	(void)state;
	for (unsigned long cost = 1; cost <= IAMPW_YESCRYPT_COST_MAX; cost++) {
		const char *params = iampw_yescrypt_params(cost);

		gensalt("$y$", cost, s);
		assert_non_null(params);
		assert_int_equal(strchr(s + 3, '$') - (s + 3), (long)strlen(params));
		assert_memory_equal(s + 3, params, strlen(params));
	}
	assert_null(iampw_yescrypt_params(0));
	assert_null(iampw_yescrypt_params(IAMPW_YESCRYPT_COST_MAX + 1));
}

static void test_gensalt_output_accepted(void **state)
{
	char s[CRYPT_GENSALT_OUTPUT_SIZE];

	for (unsigned long cost = 0; cost <= IAMPW_YESCRYPT_COST_MAX; cost++) {
		gensalt("$y$", cost, s);
		assert_true(iampw_history_salt_valid(s));
	}
	gensalt("$y$", 11, s);
	assert_int_equal(strncmp(s, "$y$jFT$", 7), 0);
	/* A hand-edited, higher N is refused. */
	s[4] = 'G';
	assert_false(iampw_history_salt_valid(s));
	s[4] = 'z';
	assert_false(iampw_history_salt_valid(s));
	/* libxcrypt itself refuses yescrypt cost 12. */
	assert_null(crypt_gensalt_rn("$y$", 12, NULL, 0, s, sizeof s));

	gensalt("$6$", 0, s);
	assert_true(iampw_history_salt_valid(s));
	gensalt("$6$", IAMPW_SHA512_ROUNDS_MIN, s);
	assert_true(iampw_history_salt_valid(s));
	gensalt("$6$", IAMPW_SHA512_ROUNDS_MAX, s);
	assert_true(iampw_history_salt_valid(s));
	gensalt("$6$", IAMPW_SHA512_ROUNDS_MAX + 1, s);
	assert_false(iampw_history_salt_valid(s));
	gensalt(NULL, 0, s);
	assert_true(iampw_history_salt_valid(s));
}

/* The exact shapes of libxcrypt's output that entry_valid relies on. */
static void test_entry_valid_shapes(void **state)
{
	char s[CRYPT_GENSALT_OUTPUT_SIZE], h[CRYPT_OUTPUT_SIZE], bad[CRYPT_OUTPUT_SIZE];
	size_t len;

	gensalt("$y$", 1, s);
	real_hash(s, "x", h);
	assert_true(iampw_history_entry_valid(s, h));
	assert_int_equal(strlen(h), strlen(s) + 1 + 43);

	/* sha512crypt keeps an explicit rounds=, even the default 5000. */
	strcpy(s, "$6$rounds=5000$abcdefgh");
	real_hash(s, "x", h);
	assert_int_equal(strncmp(h, s, strlen(s)), 0);
	assert_int_equal(strlen(h), strlen(s) + 1 + 86);
	assert_true(iampw_history_entry_valid(s, h));
	/* ...which makes it a different setting from the implicit one. */
	assert_false(iampw_history_entry_valid("$6$abcdefgh", h));

	gensalt("$6$", 0, s);
	real_hash(s, "x", h);
	assert_true(iampw_history_entry_valid(s, h));
	len = strlen(h);
	assert_int_equal(len, strlen(s) + 1 + 86);

	strcpy(bad, h);
	bad[len - 1] = '\0';
	assert_false(iampw_history_entry_valid(s, bad));
	strcpy(bad, h);
	bad[len] = 'A';
	bad[len + 1] = '\0';
	assert_false(iampw_history_entry_valid(s, bad));
	strcpy(bad, h);
	bad[len - 1] = '*';
	assert_false(iampw_history_entry_valid(s, bad));
	strcpy(bad, h);
	bad[3] = bad[3] == 'a' ? 'b' : 'a';
	assert_false(iampw_history_entry_valid(s, bad));
	/* A valid yescrypt-length hash under a sha512 setting. */
	memset(bad, 0, sizeof bad);
	strcpy(bad, s);
	strcat(bad, "$");
	memset(bad + strlen(bad), 'a', 43);
	assert_false(iampw_history_entry_valid(s, bad));
	assert_false(iampw_history_entry_valid(s, s));
	assert_false(iampw_history_entry_valid(s, NULL));
	assert_false(iampw_history_entry_valid(NULL, h));
	assert_false(iampw_history_entry_valid("$1$abcdefgh",
		"$1$abcdefgh$0123456789ABCDEFabcdef"));
	assert_false(iampw_history_entry_valid("", "$"));
}

/* Order newest first, trimming to `keep`, wiping what is dropped. */
static void test_record_order_and_trim(void **state)
{
	struct iampw_profile prof;
	struct iampw_pending p;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], f[6][CRYPT_OUTPUT_SIZE];

	gensalt("$y$", 1, salt);
	prof_init(&prof, salt);
	memset(&p, 0, sizeof p);
	strcpy(p.salt, salt);
	for (unsigned i = 0; i < 6; i++)
		fake_hash(salt, i, f[i]);
	for (unsigned i = 0; i < 5; i++) {
		memcpy(p.hash, f[i], sizeof p.hash);
		iampw_history_record(&prof, &p, 3);
	}
	assert_int_equal(prof.nhistory, 3);
	assert_string_equal(prof.history[0], f[4]);
	assert_string_equal(prof.history[1], f[3]);
	assert_string_equal(prof.history[2], f[2]);
	assert_true(all_zero(prof.history[3], sizeof prof.history[0] * (IAMPW_REUSE_MAX - 3)));
	assert_string_equal(prof.salt, salt);

	/* A higher keep grows again from what is there. */
	memcpy(p.hash, f[5], sizeof p.hash);
	iampw_history_record(&prof, &p, 5);
	assert_int_equal(prof.nhistory, 4);
	assert_string_equal(prof.history[0], f[5]);
	assert_string_equal(prof.history[3], f[2]);

	/* A lower keep trims at once. */
	iampw_history_record(&prof, &p, 2);
	assert_int_equal(prof.nhistory, 2);
	assert_string_equal(prof.history[0], f[5]);
	assert_string_equal(prof.history[1], f[5]);
	assert_true(all_zero(prof.history[2], sizeof prof.history[0] * (IAMPW_REUSE_MAX - 2)));

	/* keep above 24 is 24. */
	for (unsigned i = 0; i < 30; i++) {
		fake_hash(salt, 100 + i, p.hash);
		iampw_history_record(&prof, &p, 1000);
	}
	assert_int_equal(prof.nhistory, IAMPW_REUSE_MAX);
	assert_string_equal(prof.history[0], p.hash);
	fake_hash(salt, 100 + 6, f[0]);
	assert_string_equal(prof.history[IAMPW_REUSE_MAX - 1], f[0]);
}

static void test_record_keep_zero_clears(void **state)
{
	struct iampw_profile prof;
	struct iampw_pending p;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], h[CRYPT_OUTPUT_SIZE];

	gensalt("$y$", 1, salt);
	prof_init(&prof, salt);
	for (unsigned i = 0; i < 5; i++) {
		fake_hash(salt, i, h);
		prof_append(&prof, h);
	}
	memset(&p, 0, sizeof p);
	strcpy(p.salt, salt);
	fake_hash(salt, 9, p.hash);
	iampw_history_record(&prof, &p, 0);
	assert_int_equal(prof.nhistory, 0);
	assert_true(all_zero(prof.salt, sizeof prof.salt));
	assert_true(all_zero(prof.history, sizeof prof.history));
	assert_string_equal(prof.user, "alice");
}

/* A concurrent change re-salted: restart with the pending entry alone. */
static void test_record_resalt(void **state)
{
	struct iampw_profile prof;
	struct iampw_pending p;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], h[CRYPT_OUTPUT_SIZE];

	gensalt("$y$", 1, salt);
	prof_init(&prof, salt);
	for (unsigned i = 0; i < 3; i++) {
		fake_hash(salt, i, h);
		prof_append(&prof, h);
	}
	memset(&p, 0, sizeof p);
	gensalt("$6$", 1000, p.salt);
	fake_hash(p.salt, 42, p.hash);
	iampw_history_record(&prof, &p, 24);
	assert_int_equal(prof.nhistory, 1);
	assert_string_equal(prof.salt, p.salt);
	assert_string_equal(prof.history[0], p.hash);
	assert_true(all_zero(prof.history[1], sizeof prof.history[0] * (IAMPW_REUSE_MAX - 1)));
	/* The result is a consistent history. */
	assert_true(iampw_history_entry_valid(prof.salt, prof.history[0]));
}

/* The first entry sets the salt; a pending of nothing records nothing. */
static void test_record_first_and_empty(void **state)
{
	struct iampw_config c;
	struct iampw_profile prof;
	struct iampw_pending p;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE], h[CRYPT_OUTPUT_SIZE];

	config(&c, IAMPW_HASH_YESCRYPT, 1);
	prof_init(&prof, "");
	check_ok(&c, &prof, 2, "first-pw", &p);
	iampw_history_record(&prof, &p, 2);
	assert_int_equal(prof.nhistory, 1);
	assert_string_equal(prof.salt, p.salt);
	assert_string_equal(prof.history[0], p.hash);

	/* What a reuse-0 check hands over must not become an entry. */
	gensalt("$y$", 1, salt);
	prof_init(&prof, salt);
	fake_hash(salt, 1, h);
	prof_append(&prof, h);
	check_ok(&c, &prof, 0, "second-pw", &p);
	iampw_history_record(&prof, &p, 24);
	assert_int_equal(prof.nhistory, 1);
	assert_string_equal(prof.salt, salt);
	assert_string_equal(prof.history[0], h);
}

/* The whole cycle the PAM module runs, check then commit, three times. */
static void test_cycle_yescrypt(void **state)
{
	struct iampw_config c;
	struct iampw_profile prof;
	struct iampw_pending p;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];

	config(&c, IAMPW_HASH_YESCRYPT, 1);
	assert_false(check_ok(&c, NULL, 2, "first-pw", &p));
	prof_init(&prof, "");
	iampw_history_record(&prof, &p, 2);
	strcpy(salt, prof.salt);
	assert_false(check_ok(&c, &prof, 2, "second-pw", &p));
	iampw_history_record(&prof, &p, 2);
	assert_true(check_ok(&c, &prof, 2, "first-pw", &p));
	assert_true(check_ok(&c, &prof, 2, "second-pw", &p));
	assert_false(check_ok(&c, &prof, 1, "first-pw", &p));
	assert_false(check_ok(&c, &prof, 2, "third-pw", &p));
	iampw_history_record(&prof, &p, 2);
	assert_false(check_ok(&c, &prof, 2, "first-pw", &p));
	assert_int_equal(prof.nhistory, 2);
	assert_string_equal(prof.salt, salt);
}

static void test_sha512crypt_end_to_end(void **state)
{
	struct iampw_config c;
	struct iampw_profile prof;
	struct iampw_pending p;
	char want[CRYPT_OUTPUT_SIZE];

	config(&c, IAMPW_HASH_SHA512CRYPT, 1000);
	assert_false(check_ok(&c, NULL, 3, "sha-one", &p));
	assert_int_equal(strncmp(p.salt, "$6$rounds=1000$", 15), 0);
	assert_true(iampw_history_entry_valid(p.salt, p.hash));
	real_hash(p.salt, "sha-one", want);
	assert_string_equal(p.hash, want);
	prof_init(&prof, "");
	iampw_history_record(&prof, &p, 3);
	assert_false(check_ok(&c, &prof, 3, "sha-two", &p));
	iampw_history_record(&prof, &p, 3);
	assert_true(check_ok(&c, &prof, 3, "sha-one", &p));
	assert_true(check_ok(&c, &prof, 1, "sha-two", &p));
	assert_false(check_ok(&c, &prof, 1, "sha-one", &p));

	/* Cost 0: the method's default, no rounds= field. */
	config(&c, IAMPW_HASH_SHA512CRYPT, 0);
	check_ok(&c, NULL, 1, "sha-three", &p);
	assert_int_equal(strncmp(p.salt, "$6$", 3), 0);
	assert_null(strstr(p.salt, "rounds="));
	assert_true(iampw_history_entry_valid(p.salt, p.hash));
}

/* A configured cost above the ceilings is refused, never recorded. */
static void test_config_cost_too_high(void **state)
{
	struct iampw_config c;

	config(&c, IAMPW_HASH_YESCRYPT, IAMPW_YESCRYPT_COST_MAX + 1);
	check_refused(&c, NULL, 1, "pw-too-costly", "cost");
	config(&c, IAMPW_HASH_SHA512CRYPT, IAMPW_SHA512_ROUNDS_MAX + 1);
	check_refused(&c, NULL, 1, "pw-too-costly", "cost");
}

/* One run at the real default cost (about 20 ms, 16 MiB). */
static void test_default_cost(void **state)
{
	struct iampw_config c;
	struct iampw_pending p;
	char want[CRYPT_OUTPUT_SIZE];

	config(&c, IAMPW_HASH_YESCRYPT, 0);
	check_ok(&c, NULL, 1, "default-cost", &p);
	assert_int_equal(strncmp(p.salt, "$y$j9T$", 7), 0);
	assert_true(iampw_history_entry_valid(p.salt, p.hash));
	real_hash(p.salt, "default-cost", want);
	assert_string_equal(p.hash, want);
}

/* "the libxcrypt default" method gives a salt we accept (yescrypt on Debian). */
static void test_default_method(void **state)
{
	struct iampw_config c;
	struct iampw_profile prof;
	struct iampw_pending p;

	config(&c, IAMPW_HASH_DEFAULT, 1);
	check_ok(&c, NULL, 1, "default-method", &p);
	assert_true(iampw_history_salt_valid(p.salt));
	assert_true(iampw_history_entry_valid(p.salt, p.hash));
	prof_init(&prof, "");
	iampw_history_record(&prof, &p, 1);
	assert_true(check_ok(&c, &prof, 1, "default-method", &p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_profile_draws_salt),
		cmocka_unit_test(test_pending_is_crypt_of_candidate),
		cmocka_unit_test(test_profile_salt_is_used),
		cmocka_unit_test(test_reuse_zero_hashes_nothing),
		cmocka_unit_test(test_reuse_1),
		cmocka_unit_test(test_reuse_24),
		cmocka_unit_test(test_25th_not_compared),
		cmocka_unit_test(test_lower_n_ignores_older),
		cmocka_unit_test(test_malformed_entry_refuses),
		cmocka_unit_test(test_malformed_salt_refuses),
		cmocka_unit_test(test_entries_without_salt_refuse),
		cmocka_unit_test(test_salt_valid_shapes),
		cmocka_unit_test(test_yescrypt_params_table),
		cmocka_unit_test(test_gensalt_output_accepted),
		cmocka_unit_test(test_entry_valid_shapes),
		cmocka_unit_test(test_record_order_and_trim),
		cmocka_unit_test(test_record_keep_zero_clears),
		cmocka_unit_test(test_record_resalt),
		cmocka_unit_test(test_record_first_and_empty),
		cmocka_unit_test(test_cycle_yescrypt),
		cmocka_unit_test(test_sha512crypt_end_to_end),
		cmocka_unit_test(test_config_cost_too_high),
		cmocka_unit_test(test_default_cost),
		cmocka_unit_test(test_default_method),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
