/*
 * Unit tests of lib/policy.c: policy.conf, IAM's default and custom
 * policies, full-replace requests with IAM's ValidationError wording, and
 * the writer.
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

static void assert_policy_equal(const struct iampw_policy *got,
				const struct iampw_policy *want)
{
	assert_int_equal(got->custom, want->custom);
	assert_int_equal(got->min_length, want->min_length);
	assert_int_equal(got->require_symbols, want->require_symbols);
	assert_int_equal(got->require_numbers, want->require_numbers);
	assert_int_equal(got->require_uppercase, want->require_uppercase);
	assert_int_equal(got->require_lowercase, want->require_lowercase);
	assert_int_equal(got->min_classes, want->min_classes);
	assert_int_equal(got->allow_users_to_change, want->allow_users_to_change);
	assert_int_equal(got->max_age, want->max_age);
	assert_int_equal(got->reuse_prevention, want->reuse_prevention);
	assert_int_equal(got->hard_expiry, want->hard_expiry);
}

/* §4.2, spelled out rather than taken from iampw_policy_default(). */
static void assert_iam_default(const struct iampw_policy *p)
{
	assert_false(p->custom);
	assert_int_equal(p->min_length, 8);
	assert_int_equal(p->min_classes, 3);
	assert_false(p->require_symbols);
	assert_false(p->require_numbers);
	assert_false(p->require_uppercase);
	assert_false(p->require_lowercase);
	assert_true(p->allow_users_to_change);
	assert_int_equal(p->max_age, 0);
	assert_int_equal(p->reuse_prevention, 0);
	assert_false(p->hard_expiry);
}

/* §4.1 "when omitted from an update". */
static void assert_custom_defaults(const struct iampw_policy *p)
{
	assert_true(p->custom);
	assert_int_equal(p->min_length, 6);
	assert_int_equal(p->min_classes, 0);
	assert_false(p->require_symbols);
	assert_false(p->require_numbers);
	assert_false(p->require_uppercase);
	assert_false(p->require_lowercase);
	assert_false(p->allow_users_to_change);
	assert_int_equal(p->max_age, 0);
	assert_int_equal(p->reuse_prevention, 0);
	assert_false(p->hard_expiry);
}

static int parse(const char *text, struct iampw_policy *p, struct iampw_err *e)
{
	memset(p, 0x5a, sizeof *p);
	iampw_err_init(e);
	return iampw_policy_parse("policy.conf", text, strlen(text), p, e);
}

static void expect_ok(const char *text, struct iampw_policy *p)
{
	struct iampw_err e;
	int rc = parse(text, p, &e);

	if (rc != IAMPW_OK)
		fail_msg("rc %d for:\n%s\nreport:\n%s", rc, text, e.text);
	assert_int_equal(e.count, 0);
}

/* Refused with exactly `report`; *p is IAM's default (fail closed). */
static void expect_error(const char *text, unsigned count, const char *report)
{
	struct iampw_policy p;
	struct iampw_err e;
	int rc = parse(text, &p, &e);

	if (rc != IAMPW_E_PARSE || strcmp(e.text, report) != 0)
		fail_msg("rc %d for:\n%s\nreport:\n%s\nwant:\n%s", rc, text,
			 e.text, report);
	assert_int_equal(e.code, IAMPW_E_PARSE);
	assert_int_equal(e.count, count);
	assert_iam_default(&p);
}

static void test_defaults(void **state)
{
	struct iampw_policy p;

	(void)state;
	memset(&p, 0x5a, sizeof p);
	iampw_policy_default(&p);
	assert_iam_default(&p);
	memset(&p, 0x5a, sizeof p);
	iampw_policy_custom_defaults(&p);
	assert_custom_defaults(&p);
}

static void test_no_policy_section(void **state)
{
	struct iampw_policy p;

	(void)state;
	expect_ok("", &p);
	assert_iam_default(&p);
	expect_ok("; deleted by iampw-admin\n\n# nothing here\n", &p);
	assert_iam_default(&p);
}

static void test_empty_policy_section(void **state)
{
	struct iampw_policy p;

	(void)state;
	expect_ok("[policy]\n", &p);
	assert_custom_defaults(&p);
	expect_ok("# header\n[policy]\n; all omitted\n", &p);
	assert_custom_defaults(&p);
}

static void test_every_key(void **state)
{
	struct iampw_policy p, want;

	(void)state;
	expect_ok("[policy]\n"
		  "minimum_password_length = 14\n"
		  "require_symbols = true\n"
		  "require_numbers = yes\n"
		  "require_uppercase_characters = 1\n"
		  "require_lowercase_characters = true\n"
		  "allow_users_to_change_password = true\n"
		  "max_password_age = 90\n"
		  "password_reuse_prevention = 5\n"
		  "hard_expiry = true\n", &p);
	iampw_policy_custom_defaults(&want);
	want.min_length = 14;
	want.require_symbols = true;
	want.require_numbers = true;
	want.require_uppercase = true;
	want.require_lowercase = true;
	want.allow_users_to_change = true;
	want.max_age = 90;
	want.reuse_prevention = 5;
	want.hard_expiry = true;
	assert_policy_equal(&p, &want);

	/* Each key alone changes its own field only. */
	iampw_policy_custom_defaults(&want);
	want.require_numbers = true;
	expect_ok("[policy]\nrequire_numbers = true\n", &p);
	assert_policy_equal(&p, &want);
	iampw_policy_custom_defaults(&want);
	want.require_uppercase = true;
	expect_ok("[policy]\nrequire_uppercase_characters = true\n", &p);
	assert_policy_equal(&p, &want);
	iampw_policy_custom_defaults(&want);
	want.require_lowercase = true;
	expect_ok("[policy]\nrequire_lowercase_characters = true\n", &p);
	assert_policy_equal(&p, &want);
	iampw_policy_custom_defaults(&want);
	want.require_symbols = true;
	expect_ok("[policy]\nrequire_symbols = true\n", &p);
	assert_policy_equal(&p, &want);
	iampw_policy_custom_defaults(&want);
	want.allow_users_to_change = true;
	expect_ok("[policy]\nallow_users_to_change_password = true\n", &p);
	assert_policy_equal(&p, &want);
	iampw_policy_custom_defaults(&want);
	want.hard_expiry = true;
	expect_ok("[policy]\nhard_expiry = true\n", &p);
	assert_policy_equal(&p, &want);
	iampw_policy_custom_defaults(&want);
	want.max_age = 30;
	expect_ok("[policy]\nmax_password_age = 30\n", &p);
	assert_policy_equal(&p, &want);
	iampw_policy_custom_defaults(&want);
	want.reuse_prevention = 24;
	expect_ok("[policy]\npassword_reuse_prevention = 24\n", &p);
	assert_policy_equal(&p, &want);
}

/* A number field at, inside and outside its range. */
struct edge {
	const char *key, *iam;
	unsigned lo, hi;
};

static const struct edge edges[] = {
	{ "minimum_password_length", "minimumPasswordLength", 6, 128 },
	{ "max_password_age", "maxPasswordAge", 1, 1095 },
	{ "password_reuse_prevention", "passwordReusePrevention", 1, 24 },
};

static unsigned field_of(const struct iampw_policy *p, size_t i)
{
	return i == 0 ? p->min_length : i == 1 ? p->max_age : p->reuse_prevention;
}

static void test_number_edges(void **state)
{
	struct iampw_policy p;
	char text[256], report[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(edges); i++) {
		const struct edge *f = &edges[i];

		snprintf(text, sizeof text, "[policy]\n%s = %u\n", f->key, f->lo);
		expect_ok(text, &p);
		assert_int_equal(field_of(&p, i), f->lo);
		snprintf(text, sizeof text, "[policy]\n%s = %u\n", f->key, f->hi);
		expect_ok(text, &p);
		assert_int_equal(field_of(&p, i), f->hi);

		/* Line 3, to see the line number is the key's own. */
		snprintf(text, sizeof text, "[policy]\n\n%s = %u\n", f->key, f->lo - 1);
		snprintf(report, sizeof report,
			 "policy.conf:3: Value '%u' at '%s' failed to satisfy constraint: "
			 "Member must have value greater than or equal to %u",
			 f->lo - 1, f->iam, f->lo);
		expect_error(text, 1, report);
		snprintf(text, sizeof text, "[policy]\n\n%s = %u\n", f->key, f->hi + 1);
		snprintf(report, sizeof report,
			 "policy.conf:3: Value '%u' at '%s' failed to satisfy constraint: "
			 "Member must have value less than or equal to %u",
			 f->hi + 1, f->iam, f->hi);
		expect_error(text, 1, report);
	}
	/* The example of the brief, verbatim. */
	expect_error("[policy]\nrequire_symbols = true\nminimum_password_length = 129\n", 1,
		     "policy.conf:3: Value '129' at 'minimumPasswordLength' failed to satisfy "
		     "constraint: Member must have value less than or equal to 128");
}

/* Negative, huge and malformed numbers, for each number field. */
static void test_number_wording(void **state)
{
	static const struct { const char *value; const char *what; } big[] = {
		{ "99999999999", "less than or equal to" },
		{ "4294967302", "less than or equal to" },
		{ "9223372036854775807", "less than or equal to" },
		/* From here on the value no longer fits in an int64_t. */
		{ "9223372036854775808", "less than or equal to" },
		{ "18446744073709551615", "less than or equal to" },
		{ "99999999999999999999", "less than or equal to" },
		{ "-1", "greater than or equal to" },
		{ "-99999999999999999999", "greater than or equal to" },
	};
	static const char *const syntax[] = { "010", "0x10", "12abc", "", "+8", " 8x", "-0" };
	char text[256], report[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(edges); i++) {
		const struct edge *f = &edges[i];

		for (size_t j = 0; j < ARRAY_SIZE(big); j++) {
			bool small = big[j].what[0] == 'g';

			snprintf(text, sizeof text, "[policy]\n%s = %s\n", f->key, big[j].value);
			snprintf(report, sizeof report,
				 "policy.conf:2: Value '%s' at '%s' failed to satisfy constraint: "
				 "Member must have value %s %u", big[j].value, f->iam,
				 big[j].what, small ? f->lo : f->hi);
			expect_error(text, 1, report);
		}
		for (size_t j = 0; j < ARRAY_SIZE(syntax); j++) {
			snprintf(text, sizeof text, "[policy]\n%s = %s\n", f->key, syntax[j]);
			snprintf(report, sizeof report,
				 "policy.conf:2: %s: not a plain base-10 number: '%s'",
				 f->key, syntax[j][0] == ' ' ? syntax[j] + 1 : syntax[j]);
			expect_error(text, 1, report);
		}
	}
}

static void test_booleans(void **state)
{
	static const char *const keys[] = {
		"require_symbols", "require_numbers", "require_uppercase_characters",
		"require_lowercase_characters", "allow_users_to_change_password",
		"hard_expiry",
	};
	static const struct { const char *word; bool value; } words[] = {
		{ "true", true }, { "false", false }, { "yes", true },
		{ "no", false }, { "1", true }, { "0", false },
	};
	static const char *const refused[] = { "TRUE", "True", "on", "off", "2", "" };
	struct iampw_policy p;
	char text[256], report[256];

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		for (size_t w = 0; w < ARRAY_SIZE(words); w++) {
			const bool *field[] = {
				&p.require_symbols, &p.require_numbers, &p.require_uppercase,
				&p.require_lowercase, &p.allow_users_to_change, &p.hard_expiry,
			};

			snprintf(text, sizeof text, "[policy]\n%s = %s\n", keys[k], words[w].word);
			expect_ok(text, &p);
			assert_int_equal(*field[k], words[w].value);
			/* The other booleans keep their custom defaults. */
			for (size_t o = 0; o < ARRAY_SIZE(keys); o++) {
				if (o != k)
					assert_false(*field[o]);
			}
			assert_int_equal(p.min_length, 6);
		}
		for (size_t r = 0; r < ARRAY_SIZE(refused); r++) {
			snprintf(text, sizeof text, "[policy]\n%s = %s\n", keys[k], refused[r]);
			snprintf(report, sizeof report,
				 "policy.conf:2: %s: not one of true/false/yes/no/1/0: '%s'",
				 keys[k], refused[r]);
			expect_error(text, 1, report);
		}
	}
}

static void test_unknown_keys(void **state)
{
	(void)state;
	/* ExpirePasswords is output only: never a key. */
	expect_error("[policy]\nexpire_passwords = true\n", 1,
		     "policy.conf:2: unknown key 'expire_passwords' in [policy]");
	expect_error("[policy]\nMinimumPasswordLength = 8\n", 1,
		     "policy.conf:2: key names are 1 to 64 characters of a-z, 0-9 and _");
	expect_error("[policy]\nrequire_uppercase = true\n", 1,
		     "policy.conf:2: unknown key 'require_uppercase' in [policy]");
	expect_error("[policy]\nminimum_password_length = 8\n[scope]\nmin_uid = 1\n", 1,
		     "policy.conf:3: unknown section [scope]");
	/* A file with another section but no [policy] is not "no policy". */
	expect_error("[polcy]\nminimum_password_length = 8\n", 1,
		     "policy.conf:1: unknown section [polcy]");
	expect_error("[Policy]\nminimum_password_length = 8\n", 2,
		     "policy.conf:1: section names are 1 to 64 characters of a-z, 0-9 and _\n"
		     "policy.conf:2: key 'minimum_password_length' outside a valid section");
	expect_error("[policy]\nhard_expiry = true\nhard_expiry = false\n", 1,
		     "policy.conf:3: key 'hard_expiry' repeated (first on line 2)");
	expect_error("[policy]\n[policy]\n", 1,
		     "policy.conf:2: section [policy] repeated (first on line 1)");
}

static void test_all_problems_reported(void **state)
{
	(void)state;
	expect_error("[policy]\n"
		     "minimum_password_length = 5\n"
		     "require_symbols = on\n"
		     "max_password_age = 0x10\n"
		     "password_reuse_prevention = 25\n"
		     "hard_expiry = TRUE\n", 5,
		     "policy.conf:2: Value '5' at 'minimumPasswordLength' failed to satisfy "
		     "constraint: Member must have value greater than or equal to 6\n"
		     "policy.conf:4: max_password_age: not a plain base-10 number: '0x10'\n"
		     "policy.conf:5: Value '25' at 'passwordReusePrevention' failed to satisfy "
		     "constraint: Member must have value less than or equal to 24\n"
		     "policy.conf:3: require_symbols: not one of true/false/yes/no/1/0: 'on'\n"
		     "policy.conf:6: hard_expiry: not one of true/false/yes/no/1/0: 'TRUE'");
	/* Syntax problems first, then the bad values of the lines that scanned. */
	expect_error("[policy]\n"
		     "require_symbols = on\n"
		     "expire_passwords = true\n"
		     "max_password_age = 0x10\n", 3,
		     "policy.conf:3: unknown key 'expire_passwords' in [policy]\n"
		     "policy.conf:4: max_password_age: not a plain base-10 number: '0x10'\n"
		     "policy.conf:2: require_symbols: not one of true/false/yes/no/1/0: 'on'");
}

/* ---------------------------------------------------------------------- */
/* Full-replace requests                                                  */

static int request(const struct iampw_policy_request *r, struct iampw_policy *p,
		   struct iampw_err *e)
{
	memset(p, 0x5a, sizeof *p);
	iampw_err_init(e);
	return iampw_policy_from_request(r, p, e);
}

static void expect_request_error(const struct iampw_policy_request *r,
				 const char *report)
{
	struct iampw_policy p;
	struct iampw_err e;

	assert_int_equal(request(r, &p, &e), IAMPW_E_INVAL);
	assert_string_equal(e.text, report);
	assert_int_equal(e.count, 1);
	assert_int_equal(e.code, IAMPW_E_INVAL);
}

static void test_request_full_replace(void **state)
{
	struct iampw_policy_request r;
	struct iampw_policy p, want;
	struct iampw_err e;

	(void)state;
	/* Nothing given: the custom defaults. */
	memset(&r, 0, sizeof r);
	assert_int_equal(request(&r, &p, &e), IAMPW_OK);
	assert_custom_defaults(&p);
	assert_int_equal(e.count, 0);

	/* Everything given. */
	r.has_min_length = true;
	r.min_length = 20;
	r.has_max_age = true;
	r.max_age = 1095;
	r.has_reuse = true;
	r.reuse_prevention = 24;
	r.require_symbols = r.require_numbers = true;
	r.require_uppercase = r.require_lowercase = true;
	r.allow_users_to_change = r.hard_expiry = true;
	assert_int_equal(request(&r, &p, &e), IAMPW_OK);
	iampw_policy_custom_defaults(&want);
	want.min_length = 20;
	want.max_age = 1095;
	want.reuse_prevention = 24;
	want.require_symbols = want.require_numbers = true;
	want.require_uppercase = want.require_lowercase = true;
	want.allow_users_to_change = want.hard_expiry = true;
	assert_policy_equal(&p, &want);

	/*
	 * Then only the minimum length, into the same struct: every other
	 * field goes back to its "omitted" value (IAM has no partial update).
	 */
	memset(&r, 0, sizeof r);
	r.has_min_length = true;
	r.min_length = 12;
	iampw_err_init(&e);
	assert_int_equal(iampw_policy_from_request(&r, &p, &e), IAMPW_OK);
	iampw_policy_custom_defaults(&want);
	want.min_length = 12;
	assert_policy_equal(&p, &want);

	/* A value is ignored when its has_ flag is not set. */
	memset(&r, 0, sizeof r);
	r.min_length = 3;
	r.max_age = -5;
	r.reuse_prevention = 99;
	assert_int_equal(request(&r, &p, &e), IAMPW_OK);
	assert_custom_defaults(&p);

	/* Range edges. */
	memset(&r, 0, sizeof r);
	r.has_min_length = r.has_max_age = r.has_reuse = true;
	r.min_length = 6;
	r.max_age = 1;
	r.reuse_prevention = 1;
	assert_int_equal(request(&r, &p, &e), IAMPW_OK);
	assert_int_equal(p.min_length, 6);
	assert_int_equal(p.max_age, 1);
	assert_int_equal(p.reuse_prevention, 1);
	r.min_length = 128;
	assert_int_equal(request(&r, &p, &e), IAMPW_OK);
	assert_int_equal(p.min_length, 128);
}

static void test_request_validation(void **state)
{
	struct iampw_policy_request r;

	(void)state;
	memset(&r, 0, sizeof r);
	r.has_min_length = true;
	r.min_length = 5;
	expect_request_error(&r,
		"1 validation error detected: Value '5' at 'minimumPasswordLength' "
		"failed to satisfy constraint: Member must have value greater than or equal to 6");
	r.min_length = 129;
	expect_request_error(&r,
		"1 validation error detected: Value '129' at 'minimumPasswordLength' "
		"failed to satisfy constraint: Member must have value less than or equal to 128");
	r.min_length = -1;
	expect_request_error(&r,
		"1 validation error detected: Value '-1' at 'minimumPasswordLength' "
		"failed to satisfy constraint: Member must have value greater than or equal to 6");

	memset(&r, 0, sizeof r);
	r.has_max_age = true;
	r.max_age = 1096;
	expect_request_error(&r,
		"1 validation error detected: Value '1096' at 'maxPasswordAge' "
		"failed to satisfy constraint: Member must have value less than or equal to 1095");
	r.max_age = 0;
	expect_request_error(&r,
		"1 validation error detected: Value '0' at 'maxPasswordAge' "
		"failed to satisfy constraint: Member must have value greater than or equal to 1");
	r.max_age = -1;
	expect_request_error(&r,
		"1 validation error detected: Value '-1' at 'maxPasswordAge' "
		"failed to satisfy constraint: Member must have value greater than or equal to 1");

	memset(&r, 0, sizeof r);
	r.has_reuse = true;
	r.reuse_prevention = 25;
	expect_request_error(&r,
		"1 validation error detected: Value '25' at 'passwordReusePrevention' "
		"failed to satisfy constraint: Member must have value less than or equal to 24");
	r.reuse_prevention = 0;
	expect_request_error(&r,
		"1 validation error detected: Value '0' at 'passwordReusePrevention' "
		"failed to satisfy constraint: Member must have value greater than or equal to 1");
	r.reuse_prevention = INT64_MIN;
	expect_request_error(&r,
		"1 validation error detected: Value '-9223372036854775808' at 'passwordReusePrevention' "
		"failed to satisfy constraint: Member must have value greater than or equal to 1");
	r.reuse_prevention = INT64_MAX;
	expect_request_error(&r,
		"1 validation error detected: Value '9223372036854775807' at 'passwordReusePrevention' "
		"failed to satisfy constraint: Member must have value less than or equal to 24");
	/* Beyond 64 bits: saturated, and quoted as the caller says it was written. */
	r.reuse_text = "99999999999999999999";
	expect_request_error(&r,
		"1 validation error detected: Value '99999999999999999999' at 'passwordReusePrevention' "
		"failed to satisfy constraint: Member must have value less than or equal to 24");
	r.reuse_prevention = INT64_MIN;
	r.reuse_text = "-340282366920938463463374607431768211456";
	expect_request_error(&r,
		"1 validation error detected: Value '-340282366920938463463374607431768211456' at "
		"'passwordReusePrevention' failed to satisfy constraint: "
		"Member must have value greater than or equal to 1");
	/* Past 64 bytes the quote is cut, and the cut shown. */
	r.reuse_text = "-1000000000000000000000000000000000000000000000000000000000000000000000";
	expect_request_error(&r,
		"1 validation error detected: Value "
		"'-100000000000000000000000000000000000000000000000000000000000...' at "
		"'passwordReusePrevention' failed to satisfy constraint: "
		"Member must have value greater than or equal to 1");
	r.reuse_text = "-100000000000000000000000000000000000000000000000000000000000000";
	expect_request_error(&r,
		"1 validation error detected: Value "
		"'-100000000000000000000000000000000000000000000000000000000000000' at "
		"'passwordReusePrevention' failed to satisfy constraint: "
		"Member must have value greater than or equal to 1");

	/* Two and three errors: one sentence, "; " between constraints. */
	memset(&r, 0, sizeof r);
	r.has_min_length = r.has_max_age = true;
	r.min_length = 5;
	r.max_age = 1096;
	expect_request_error(&r,
		"2 validation errors detected: "
		"Value '5' at 'minimumPasswordLength' failed to satisfy constraint: "
		"Member must have value greater than or equal to 6; "
		"Value '1096' at 'maxPasswordAge' failed to satisfy constraint: "
		"Member must have value less than or equal to 1095");
	r.has_reuse = true;
	r.reuse_prevention = -1;
	expect_request_error(&r,
		"3 validation errors detected: "
		"Value '5' at 'minimumPasswordLength' failed to satisfy constraint: "
		"Member must have value greater than or equal to 6; "
		"Value '1096' at 'maxPasswordAge' failed to satisfy constraint: "
		"Member must have value less than or equal to 1095; "
		"Value '-1' at 'passwordReusePrevention' failed to satisfy constraint: "
		"Member must have value greater than or equal to 1");
	/* A valid field does not count. */
	r.max_age = 90;
	expect_request_error(&r,
		"2 validation errors detected: "
		"Value '5' at 'minimumPasswordLength' failed to satisfy constraint: "
		"Member must have value greater than or equal to 6; "
		"Value '-1' at 'passwordReusePrevention' failed to satisfy constraint: "
		"Member must have value greater than or equal to 1");
}

/* ---------------------------------------------------------------------- */
/* The writer                                                             */

static void round_trip(const struct iampw_policy *p)
{
	char buf[2048];
	struct iampw_policy back;
	struct iampw_err e;
	int n = iampw_policy_format(p, buf, sizeof buf);

	assert_true(n > 0);
	assert_int_equal(strlen(buf), (size_t)n);
	assert_true(th_contains(buf, "Managed by iampw-admin"));
	assert_true(th_contains(buf, "\n[policy]\n"));
	/* Every header line is a comment. */
	assert_memory_equal(buf, "# ", 2);
	memset(&back, 0x5a, sizeof back);
	iampw_err_init(&e);
	if (iampw_policy_parse("policy.conf", buf, (size_t)n, &back, &e) != IAMPW_OK)
		fail_msg("%s\n%s", buf, e.text);
	assert_policy_equal(&back, p);
	/* Omitted optional fields are really omitted. */
	assert_int_equal(th_contains(buf, "max_password_age"), p->max_age > 0);
	assert_int_equal(th_contains(buf, "password_reuse_prevention"),
			 p->reuse_prevention > 0);
}

static void test_format_round_trip(void **state)
{
	struct iampw_policy p;

	(void)state;
	iampw_policy_custom_defaults(&p);
	round_trip(&p);

	p.min_length = 128;
	p.require_symbols = true;
	p.require_lowercase = true;
	round_trip(&p);

	p.max_age = 90;
	round_trip(&p);
	p.max_age = 0;
	p.reuse_prevention = 24;
	round_trip(&p);

	iampw_policy_custom_defaults(&p);
	p.min_length = 14;
	p.require_symbols = p.require_numbers = true;
	p.require_uppercase = p.require_lowercase = true;
	p.allow_users_to_change = p.hard_expiry = true;
	p.max_age = 1095;
	p.reuse_prevention = 1;
	round_trip(&p);
}

static void test_format_exact_text(void **state)
{
	struct iampw_policy p;
	char buf[1024];

	(void)state;
	iampw_policy_custom_defaults(&p);
	p.min_length = 10;
	p.require_numbers = true;
	p.max_age = 90;
	p.reuse_prevention = 3;
	assert_true(iampw_policy_format(&p, buf, sizeof buf) > 0);
	assert_true(th_contains(buf,
		"[policy]\n"
		"minimum_password_length = 10\n"
		"require_symbols = false\n"
		"require_numbers = true\n"
		"require_uppercase_characters = false\n"
		"require_lowercase_characters = false\n"
		"allow_users_to_change_password = false\n"
		"max_password_age = 90\n"
		"password_reuse_prevention = 3\n"
		"hard_expiry = false\n"));
	/* And the text ends there. */
	assert_string_equal(buf + strlen(buf) - strlen("hard_expiry = false\n"),
			    "hard_expiry = false\n");
}

static void test_format_refusals(void **state)
{
	struct iampw_policy p;
	char buf[1024];
	int n;

	(void)state;
	/* IAM's default is "no policy": there is nothing to write. */
	iampw_policy_default(&p);
	assert_true(iampw_policy_format(&p, buf, sizeof buf) < 0);
	assert_int_equal(iampw_policy_format(&p, buf, sizeof buf), IAMPW_E_INVAL);

	iampw_policy_custom_defaults(&p);
	p.max_age = 30;
	n = iampw_policy_format(&p, buf, sizeof buf);
	assert_true(n > 0);
	/* The exact size (with the NUL) fits, one byte less does not. */
	assert_int_equal(iampw_policy_format(&p, buf, (size_t)n + 1), n);
	assert_int_equal(iampw_policy_format(&p, buf, (size_t)n), IAMPW_E_INVAL);
	assert_int_equal(iampw_policy_format(&p, buf, 10), IAMPW_E_INVAL);
	assert_int_equal(iampw_policy_format(&p, buf, 1), IAMPW_E_INVAL);
	assert_int_equal(iampw_policy_format(&p, NULL, 0), IAMPW_E_INVAL);
}

/* ---------------------------------------------------------------------- */
/* iampw_policy_load                                                      */

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

static int load(const char *dir, struct iampw_policy *p, struct iampw_err *e)
{
	memset(p, 0x5a, sizeof *p);
	iampw_err_init(e);
	return iampw_policy_load(th_path(dir, "policy.conf"), geteuid(), p, e);
}

static void test_load(void **state)
{
	const char *dir = *state;
	char path[PATH_MAX], report[PATH_MAX + 256];
	struct iampw_policy p, want;
	struct iampw_err e;
	char buf[1024];
	int n;

	snprintf(path, sizeof path, "%s", th_path(dir, "policy.conf"));
	/* No file: IAM's default. */
	assert_int_equal(load(dir, &p, &e), IAMPW_OK);
	assert_int_equal(e.count, 0);
	assert_iam_default(&p);

	/* What the writer wrote, read back from a file. */
	iampw_policy_custom_defaults(&want);
	want.min_length = 16;
	want.require_uppercase = true;
	want.reuse_prevention = 12;
	n = iampw_policy_format(&want, buf, sizeof buf);
	assert_true(n > 0);
	th_write(dir, "policy.conf", buf, (size_t)n, 0644);
	assert_int_equal(load(dir, &p, &e), IAMPW_OK);
	assert_policy_equal(&p, &want);

	/* A file without [policy]. */
	th_write_str(dir, "policy.conf", "# no policy\n");
	assert_int_equal(load(dir, &p, &e), IAMPW_OK);
	assert_iam_default(&p);

	/* Bad content: path:line, IAM's default, IAMPW_E_PARSE. */
	th_write_str(dir, "policy.conf", "[policy]\nmax_password_age = 1096\n");
	assert_int_equal(load(dir, &p, &e), IAMPW_E_PARSE);
	snprintf(report, sizeof report,
		 "%s:2: Value '1096' at 'maxPasswordAge' failed to satisfy constraint: "
		 "Member must have value less than or equal to 1095", path);
	assert_string_equal(e.text, report);
	assert_iam_default(&p);

	/* An unsafe file: IAMPW_E_UNSAFE, IAM's default. */
	th_write(dir, "policy.conf", buf, (size_t)n, 0666);
	assert_int_equal(load(dir, &p, &e), IAMPW_E_UNSAFE);
	snprintf(report, sizeof report, "%s: writable by group or others (mode 0666)", path);
	assert_string_equal(e.text, report);
	assert_iam_default(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_no_policy_section),
		cmocka_unit_test(test_empty_policy_section),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_number_edges),
		cmocka_unit_test(test_number_wording),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_all_problems_reported),
		cmocka_unit_test(test_request_full_replace),
		cmocka_unit_test(test_request_validation),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_format_exact_text),
		cmocka_unit_test(test_format_refusals),
		cmocka_unit_test_setup_teardown(test_load, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
