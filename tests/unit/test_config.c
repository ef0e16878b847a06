/*
 * Unit tests of lib/config.c: iampw.conf, strict and fail-closed.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"
#include "internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void assert_config_equal(const struct iampw_config *got,
				const struct iampw_config *want)
{
	assert_int_equal(got->min_uid, want->min_uid);
	assert_int_equal(got->max_uid, want->max_uid);
	assert_string_equal(got->group, want->group);
	assert_int_equal(got->warn_days, want->warn_days);
	assert_int_equal(got->hash, want->hash);
	assert_int_equal(got->cost, want->cost);
	assert_string_equal(got->blocklist, want->blocklist);
	assert_int_equal(got->screen_at_login, want->screen_at_login);
	assert_int_equal(got->screen_context, want->screen_context);
}

static void assert_defaults(const struct iampw_config *c)
{
	assert_int_equal(c->min_uid, 1000);
	assert_int_equal(c->max_uid, 60000);
	assert_string_equal(c->group, "");
	assert_int_equal(c->warn_days, 15);
	assert_int_equal(c->hash, IAMPW_HASH_YESCRYPT);
	assert_int_equal(c->cost, 0);
	assert_string_equal(c->blocklist, "");
	assert_false(c->screen_at_login);
	assert_false(c->screen_context);
}

/* Parse `text` into *c (first filled with junk) with a fresh collector. */
static int parse(const char *text, struct iampw_config *c, struct iampw_err *e)
{
	memset(c, 0x5a, sizeof *c);
	iampw_err_init(e);
	return iampw_config_parse("iampw.conf", text, strlen(text), c, e);
}

/* `text` parses; *c is returned for field checks. */
static void expect_ok(const char *text, struct iampw_config *c)
{
	struct iampw_err e;
	int rc = parse(text, c, &e);

	if (rc != IAMPW_OK)
		fail_msg("rc %d for:\n%s\nreport:\n%s", rc, text, e.text);
	assert_int_equal(e.count, 0);
	assert_int_equal(e.code, IAMPW_OK);
}

/*
 * `text` is refused with exactly `report` (`count` lines), IAMPW_E_PARSE,
 * and the config left at the defaults.
 */
static void expect_error(const char *text, unsigned count, const char *report)
{
	struct iampw_config c;
	struct iampw_err e;
	int rc = parse(text, &c, &e);

	if (rc != IAMPW_E_PARSE || strcmp(e.text, report) != 0)
		fail_msg("rc %d for:\n%s\nreport:\n%s\nwant:\n%s", rc, text,
			 e.text, report);
	assert_int_equal(e.code, IAMPW_E_PARSE);
	assert_int_equal(e.count, count);
	assert_defaults(&c);
}

static void test_defaults(void **state)
{
	struct iampw_config c;

	(void)state;
	memset(&c, 0x5a, sizeof c);
	iampw_config_defaults(&c);
	assert_defaults(&c);
	expect_ok("", &c);
	assert_defaults(&c);
	expect_ok("; nothing set\n[scope]\n[account]\n[history]\n", &c);
	assert_defaults(&c);
}

/* The sample shipped in etc/ holds the defaults and must load. */
static void test_shipped_sample(void **state)
{
	const char *top = getenv("top_srcdir");
	struct iampw_config c;
	char path[PATH_MAX];
	char *text;

	(void)state;
	snprintf(path, sizeof path, "%s/etc/iampw.conf", top != NULL ? top : ".");
	if (access(path, R_OK) != 0)
		skip();
	text = th_read(path, NULL);
	expect_ok(text, &c);
	assert_defaults(&c);
	free(text);
}

static void test_every_key(void **state)
{
	struct iampw_config c, want;

	(void)state;
	expect_ok("[scope]\n"
		  "min_uid = 500\n"
		  "max_uid = 70000\n"
		  "group = iam-users\n"
		  "[account]\n"
		  "warn_days = 30\n"
		  "[history]\n"
		  "hash = sha512crypt\n"
		  "cost = 5000\n"
		  "[screening]\n"
		  "blocklist = /etc/iampw/blocklist.pwq\n"
		  "at_login = yes\n"
		  "context = true\n", &c);
	memset(&want, 0, sizeof want);
	want.min_uid = 500;
	want.max_uid = 70000;
	strcpy(want.group, "iam-users");
	want.warn_days = 30;
	want.hash = IAMPW_HASH_SHA512CRYPT;
	want.cost = 5000;
	strcpy(want.blocklist, "/etc/iampw/blocklist.pwq");
	want.screen_at_login = true;
	want.screen_context = true;
	assert_config_equal(&c, &want);

	/* The cost is read after the method, wherever it is written. */
	expect_ok("[history]\ncost = 1000000\nhash = sha512crypt\n", &c);
	assert_int_equal(c.hash, IAMPW_HASH_SHA512CRYPT);
	assert_int_equal(c.cost, 1000000);
	/* Sections in any order, keys alone. */
	expect_ok("[history]\ncost = 3\n[scope]\nmax_uid = 1000\n", &c);
	assert_int_equal(c.hash, IAMPW_HASH_YESCRYPT);
	assert_int_equal(c.cost, 3);
	assert_int_equal(c.min_uid, 1000);
	assert_int_equal(c.max_uid, 1000);
	assert_int_equal(c.warn_days, 15);
}

/* [screening] (§9.1): an empty or absolute path, and two booleans. */
static void test_screening(void **state)
{
	struct iampw_config c;
	char *long_path;

	(void)state;
	expect_ok("[screening]\nblocklist =\nat_login = no\ncontext = 0\n", &c);
	assert_defaults(&c);
	expect_ok("[screening]\nblocklist = /var/lib/hibp ntlm.pwq ; comment\n", &c);
	assert_string_equal(c.blocklist, "/var/lib/hibp ntlm.pwq");
	assert_false(c.screen_at_login);
	expect_ok("[screening]\nat_login = 1\n", &c);
	assert_true(c.screen_at_login);
	assert_false(c.screen_context);
	expect_error("[screening]\nblocklist = blocklist.pwq\n", 1,
		     "iampw.conf:2: blocklist: must be empty or an absolute path");
	expect_error("[screening]\nblocklist = ./x\n", 1,
		     "iampw.conf:2: blocklist: must be empty or an absolute path");
	expect_error("[screening]\nblocklist = /a\tb\n", 1,
		     "iampw.conf:2: blocklist: must be empty or an absolute path");
	expect_error("[screening]\nat_login = Yes\ncontext = on\n", 2,
		     "iampw.conf:2: at_login: not one of true/false/yes/no/1/0: 'Yes'\n"
		     "iampw.conf:3: context: not one of true/false/yes/no/1/0: 'on'");
	expect_error("[screening]\nblocklists = /x\n", 1,
		     "iampw.conf:2: unknown key 'blocklists' in [screening]");
	/* A line holds at most 1000 bytes, the path field 1023: the line limit speaks. */
	long_path = malloc(1200);
	assert_non_null(long_path);
	strcpy(long_path, "[screening]\nblocklist = /");
	memset(long_path + strlen(long_path), 'a', 1000);
	strcpy(long_path + strlen("[screening]\nblocklist = /") + 1000, "\n");
	{
		struct iampw_err e;

		assert_int_equal(parse(long_path, &c, &e), IAMPW_E_PARSE);
		assert_defaults(&c);
	}
	free(long_path);
}

static void test_warn_days(void **state)
{
	struct iampw_config c;

	(void)state;
	expect_ok("[account]\nwarn_days = 0\n", &c);
	assert_int_equal(c.warn_days, 0);
	expect_ok("[account]\nwarn_days = 365\n", &c);
	assert_int_equal(c.warn_days, 365);
	expect_error("[account]\nwarn_days = 366\n", 1,
		     "iampw.conf:2: warn_days: 366 is out of range (0 to 365)");
}

static void test_uid_range(void **state)
{
	struct iampw_config c;

	(void)state;
	expect_ok("[scope]\nmin_uid = 1\nmax_uid = 4294967294\n", &c);
	assert_int_equal(c.min_uid, 1);
	assert_true(c.max_uid == UINT32_C(4294967294));
	expect_ok("[scope]\nmin_uid = 5000\nmax_uid = 5000\n", &c);
	assert_int_equal(c.min_uid, 5000);
	assert_int_equal(c.max_uid, 5000);
	/* root is never in scope, and (uid_t)-1 is no uid. */
	expect_error("[scope]\nmin_uid = 0\n", 1,
		     "iampw.conf:2: min_uid: 0 is out of range (1 to 4294967294)");
	expect_error("[scope]\nmax_uid = 0\n", 1,
		     "iampw.conf:2: max_uid: 0 is out of range (1 to 4294967294)");
	expect_error("[scope]\nmax_uid = 4294967295\n", 1,
		     "iampw.conf:2: max_uid: 4294967295 is out of range (1 to 4294967294)");
	expect_error("[scope]\n\nmin_uid = 2000\nmax_uid = 1999\n", 1,
		     "iampw.conf:4: max_uid (1999) is below min_uid (2000)");
	/* Against the defaults: the line of the key that is present. */
	expect_error("[scope]\nmax_uid = 999\n", 1,
		     "iampw.conf:2: max_uid (999) is below min_uid (1000)");
	expect_error("[scope]\n\nmin_uid = 60001\n", 1,
		     "iampw.conf:3: max_uid (60000) is below min_uid (60001)");
}

static void test_group(void **state)
{
	static const char *const good[] = {
		"staff", "iam-users", "a.b_c-d", "Domain_Users", "users$", "g0",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 63 */
	};
	static const char *const bad[] = {
		"-staff", "a b", "a/b", "../x", "a$b", "a,b", "a\tb",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 64 */
	};
	struct iampw_config c;
	char text[256], report[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		snprintf(text, sizeof text, "[scope]\ngroup = %s\n", good[i]);
		expect_ok(text, &c);
		assert_string_equal(c.group, good[i]);
	}
	expect_ok("[scope]\ngroup =\n", &c);
	assert_string_equal(c.group, "");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof text, "[scope]\ngroup = %s\n", bad[i]);
		snprintf(report, sizeof report,
			 "iampw.conf:2: group: '%.40s' is not a valid group name", bad[i]);
		expect_error(text, 1, report);
	}
}

static void test_hash(void **state)
{
	struct iampw_config c;

	(void)state;
	expect_ok("[history]\nhash = yescrypt\n", &c);
	assert_int_equal(c.hash, IAMPW_HASH_YESCRYPT);
	expect_ok("[history]\nhash = sha512crypt\n", &c);
	assert_int_equal(c.hash, IAMPW_HASH_SHA512CRYPT);
	assert_int_equal(c.cost, 0);
	expect_ok("[history]\nhash = default\n", &c);
	assert_int_equal(c.hash, IAMPW_HASH_DEFAULT);
	expect_error("[history]\nhash = md5\n", 1,
		     "iampw.conf:2: hash: 'md5' is not one of yescrypt, sha512crypt, default");
	expect_error("[history]\nhash = YESCRYPT\n", 1,
		     "iampw.conf:2: hash: 'YESCRYPT' is not one of yescrypt, sha512crypt, default");
	expect_error("[history]\nhash =\n", 1,
		     "iampw.conf:2: hash: '' is not one of yescrypt, sha512crypt, default");
}

static void test_cost(void **state)
{
	struct iampw_config c;

	(void)state;
	expect_ok("[history]\nhash = yescrypt\ncost = 11\n", &c);
	assert_int_equal(c.cost, 11);
	expect_ok("[history]\ncost = 1\n", &c);
	assert_int_equal(c.cost, 1);
	expect_error("[history]\nhash = yescrypt\ncost = 12\n", 1,
		     "iampw.conf:3: cost: 12 is out of range (0 to 11)");
	expect_error("[history]\ncost = 1000\n", 1,
		     "iampw.conf:2: cost: 1000 is out of range (0 to 11)");

	expect_ok("[history]\nhash = sha512crypt\ncost = 1000\n", &c);
	assert_int_equal(c.cost, 1000);
	expect_ok("[history]\nhash = sha512crypt\ncost = 1000000\n", &c);
	assert_int_equal(c.cost, 1000000);
	expect_ok("[history]\nhash = sha512crypt\ncost = 0\n", &c);
	assert_int_equal(c.cost, 0);
	expect_error("[history]\nhash = sha512crypt\ncost = 999\n", 1,
		     "iampw.conf:3: cost: sha512crypt needs 0 or 1000 to 1000000 rounds");
	expect_error("[history]\nhash = sha512crypt\ncost = 1\n", 1,
		     "iampw.conf:3: cost: sha512crypt needs 0 or 1000 to 1000000 rounds");
	expect_error("[history]\nhash = sha512crypt\ncost = 1000001\n", 1,
		     "iampw.conf:3: cost: 1000001 is out of range (0 to 1000000)");

	expect_ok("[history]\nhash = default\ncost = 0\n", &c);
	assert_int_equal(c.hash, IAMPW_HASH_DEFAULT);
	assert_int_equal(c.cost, 0);
	expect_error("[history]\nhash = default\ncost = 1\n", 1,
		     "iampw.conf:3: cost: 1 is out of range (0 to 0)");
}

/* Numbers that are not plain base-10, for every numeric key. */
static void test_bad_numbers(void **state)
{
	static const struct { const char *section, *key, *range; } keys[] = {
		{ "scope", "min_uid", "1 to 4294967294" },
		{ "scope", "max_uid", "1 to 4294967294" },
		{ "account", "warn_days", "0 to 365" },
		{ "history", "cost", "0 to 11" },
	};
	static const char *const syntax[] = { "010", "0x10", "12abc", "", "+1", "1.5", "00" };
	char text[128], report[256];

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		for (size_t i = 0; i < ARRAY_SIZE(syntax); i++) {
			snprintf(text, sizeof text, "[%s]\n%s = %s\n", keys[k].section,
				 keys[k].key, syntax[i]);
			snprintf(report, sizeof report,
				 "iampw.conf:2: %s: not a plain base-10 number: '%s'",
				 keys[k].key, syntax[i]);
			expect_error(text, 1, report);
		}
		snprintf(text, sizeof text, "[%s]\n%s = -1\n", keys[k].section, keys[k].key);
		snprintf(report, sizeof report,
			 "iampw.conf:2: %s: '-1' is out of range (%s)", keys[k].key,
			 keys[k].range);
		expect_error(text, 1, report);
		snprintf(text, sizeof text, "[%s]\n%s = 99999999999\n", keys[k].section,
			 keys[k].key);
		snprintf(report, sizeof report,
			 "iampw.conf:2: %s: 99999999999 is out of range (%s)", keys[k].key,
			 keys[k].range);
		expect_error(text, 1, report);
		snprintf(text, sizeof text, "[%s]\n%s = 99999999999999999999999\n",
			 keys[k].section, keys[k].key);
		snprintf(report, sizeof report,
			 "iampw.conf:2: %s: '99999999999999999999999' is out of range (%s)",
			 keys[k].key, keys[k].range);
		expect_error(text, 1, report);
	}
}

static void test_unknown_keys_and_sections(void **state)
{
	(void)state;
	expect_error("[scope]\nmin_uid = 1000\nmax_gid = 5\n", 1,
		     "iampw.conf:3: unknown key 'max_gid' in [scope]");
	/* A key of another section is unknown where it stands. */
	expect_error("[account]\nmin_uid = 1000\n", 1,
		     "iampw.conf:2: unknown key 'min_uid' in [account]");
	expect_error("[policy]\nminimum_password_length = 8\n", 1,
		     "iampw.conf:1: unknown section [policy]");
	expect_error("[Scope]\nmin_uid = 1000\n", 2,
		     "iampw.conf:1: section names are 1 to 64 characters of a-z, 0-9 and _\n"
		     "iampw.conf:2: key 'min_uid' outside a valid section");
	expect_error("min_uid = 1000\n", 1,
		     "iampw.conf:1: key 'min_uid' outside a valid section");
	expect_error("[scope]\nmin_uid = 1000\nmin_uid = 2000\n", 1,
		     "iampw.conf:3: key 'min_uid' repeated (first on line 2)");
	expect_error("[scope]\ngroup = \"staff\"\n", 1,
		     "iampw.conf:2: key 'group': values are plain ASCII without quotes");
}

/* Every bad value of a file is reported, and nothing of it is used. */
static void test_all_problems_reported(void **state)
{
	(void)state;
	expect_error("[scope]\n"
		     "min_uid = 0\n"
		     "max_uid = abc\n"
		     "group = a b\n"
		     "[account]\n"
		     "warn_days = 366\n"
		     "[history]\n"
		     "hash = md5\n", 5,
		     "iampw.conf:2: min_uid: 0 is out of range (1 to 4294967294)\n"
		     "iampw.conf:3: max_uid: not a plain base-10 number: 'abc'\n"
		     "iampw.conf:4: group: 'a b' is not a valid group name\n"
		     "iampw.conf:6: warn_days: 366 is out of range (0 to 365)\n"
		     "iampw.conf:8: hash: 'md5' is not one of yescrypt, sha512crypt, default");
	/* One bad value among good ones: none of the good ones is kept. */
	expect_error("[scope]\n"
		     "min_uid = 500\n"
		     "group = staff\n"
		     "[account]\n"
		     "warn_days = 30\n"
		     "[history]\n"
		     "hash = sha512crypt\n"
		     "cost = 10\n", 1,
		     "iampw.conf:8: cost: sha512crypt needs 0 or 1000 to 1000000 rounds");
}

/* ---------------------------------------------------------------------- */
/* iampw_config_load                                                      */

static int setup_dir(void **state)
{
	*state = th_mkdtemp();
	return 0;
}

static int teardown_dir(void **state)
{
	th_rmtree(*state);
	free(*state);
	return 0;
}

static int load(const char *dir, struct iampw_config *c, struct iampw_err *e)
{
	memset(c, 0x5a, sizeof *c);
	iampw_err_init(e);
	return iampw_config_load(th_path(dir, "iampw.conf"), geteuid(), c, e);
}

static void test_load_missing(void **state)
{
	struct iampw_config c;
	struct iampw_err e;

	assert_int_equal(load(*state, &c, &e), IAMPW_OK);
	assert_int_equal(e.count, 0);
	assert_defaults(&c);
}

static void test_load_ok(void **state)
{
	const char *dir = *state;
	struct iampw_config c;
	struct iampw_err e;

	th_write_str(dir, "iampw.conf",
		     "[scope]\nmin_uid = 2000\ngroup = staff\n[history]\nhash = default\n");
	assert_int_equal(load(dir, &c, &e), IAMPW_OK);
	assert_int_equal(e.count, 0);
	assert_int_equal(c.min_uid, 2000);
	assert_int_equal(c.max_uid, 60000);
	assert_string_equal(c.group, "staff");
	assert_int_equal(c.warn_days, 15);
	assert_int_equal(c.hash, IAMPW_HASH_DEFAULT);
	assert_int_equal(c.cost, 0);
}

static void test_load_errors(void **state)
{
	const char *dir = *state;
	char path[PATH_MAX], report[PATH_MAX + 128];
	struct iampw_config c;
	struct iampw_err e;

	snprintf(path, sizeof path, "%s", th_path(dir, "iampw.conf"));

	/* Content: "path:line: what", defaults, IAMPW_E_PARSE. */
	th_write_str(dir, "iampw.conf", "[scope]\ngroup = staff\n[account]\nwarn_days = 010\n");
	assert_int_equal(load(dir, &c, &e), IAMPW_E_PARSE);
	snprintf(report, sizeof report,
		 "%s:4: warn_days: not a plain base-10 number: '010'", path);
	assert_string_equal(e.text, report);
	assert_defaults(&c);

	th_write_str(dir, "iampw.conf", "[scope]\nbogus = 1\n");
	assert_int_equal(load(dir, &c, &e), IAMPW_E_PARSE);
	snprintf(report, sizeof report, "%s:2: unknown key 'bogus' in [scope]", path);
	assert_string_equal(e.text, report);
	assert_defaults(&c);

	/* The file itself: IAMPW_E_UNSAFE, defaults. */
	th_write(dir, "iampw.conf", "[scope]\nmin_uid = 5\n", 20, 0664);
	assert_int_equal(load(dir, &c, &e), IAMPW_E_UNSAFE);
	snprintf(report, sizeof report,
		 "%s: writable by group or others (mode 0664)", path);
	assert_string_equal(e.text, report);
	assert_defaults(&c);

	unlink(path);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(load(dir, &c, &e), IAMPW_E_UNSAFE);
	snprintf(report, sizeof report, "%s: is a symbolic link", path);
	assert_string_equal(e.text, report);
	assert_defaults(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_shipped_sample),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_screening),
		cmocka_unit_test(test_warn_days),
		cmocka_unit_test(test_uid_range),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_cost),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_unknown_keys_and_sections),
		cmocka_unit_test(test_all_problems_reported),
		cmocka_unit_test_setup_teardown(test_load_missing, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_ok, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_load_errors, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
