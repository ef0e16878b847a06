/*
 * Unit tests of the policy's field table (lib/policy.c,
 * iampw_policy_fields[]): every row is spelled consistently, and every
 * field goes through the request, policy.conf and back on its own, so
 * that a new row is tested by the row alone.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"
#include "internal.h"

/* "max_password_age" as "--max-password-age" (dashes) or "MaxPasswordAge" (camel). */
static void spell(const char *key, bool camel, char *out, size_t n)
{
	size_t o = 0;
	bool up = true;

	if (!camel) {
		out[o++] = '-';
		out[o++] = '-';
	}
	for (const char *k = key; *k != '\0' && o + 1 < n; k++) {
		if (*k == '_') {
			up = true;
			if (!camel)
				out[o++] = '-';
			continue;
		}
		out[o++] = camel && up ? (char)(*k - 'a' + 'A') : *k;
		up = false;
	}
	out[o] = '\0';
}

static void test_rows_spelled_alike(void **state)
{
	char want[128];

	(void)state;
	assert_true(iampw_policy_nfields > 0);
	assert_true(iampw_policy_nfields <= IAMPW_POLICY_FIELDS_MAX);
	for (size_t i = 0; i < iampw_policy_nfields; i++) {
		const struct iampw_policy_field *f = &iampw_policy_fields[i];

		spell(f->key, true, want, sizeof want);
		assert_string_equal(f->name, want);
		spell(f->key, false, want, sizeof want);
		assert_string_equal(f->flag, want);
		assert_non_null(f->audit);
		assert_ptr_equal(iampw_policy_field_named(f->name), f);
		if (f->type == IAMPW_FIELD_BOOL) {
			snprintf(want, sizeof want, "--no-%s", f->flag + 2);
			assert_string_equal(f->no_flag, want);
			assert_null(f->arg);
		} else {
			assert_null(f->no_flag);
			assert_non_null(f->arg);
			assert_true(f->min <= f->max);
			assert_true(f->min >= 0 && f->max <= UINT32_MAX);
			/* Its request has a has_ flag and a text, apart from the value. */
			assert_true(f->req_has != f->req_offset && f->req_text != f->req_offset);
		}
		for (size_t k = 0; k < i; k++) {
			assert_string_not_equal(iampw_policy_fields[k].key, f->key);
			assert_true(iampw_policy_fields[k].offset != f->offset);
		}
	}
	assert_null(iampw_policy_field_named("ExpirePasswords"));
	assert_null(iampw_policy_field_named("requireSymbols"));
}

/* A value of f that differs from its "omitted" one and is in range. */
static unsigned other_value(const struct iampw_policy_field *f)
{
	if (f->type == IAMPW_FIELD_BOOL)
		return !f->omitted;
	return f->omitted == (unsigned)f->max ? (unsigned)f->min : (unsigned)f->max;
}

/* Field f alone, from a request, into policy.conf and back. */
static void test_each_field_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < iampw_policy_nfields; i++) {
		const struct iampw_policy_field *f = &iampw_policy_fields[i];
		struct iampw_policy_request r;
		struct iampw_policy p, back, want;
		struct iampw_err e;
		char text[2048], line[128];
		unsigned v = other_value(f);
		int n;

		memset(&r, 0, sizeof r);
		iampw_policy_request_set(&r, f, v, NULL);
		iampw_err_init(&e);
		assert_int_equal(iampw_policy_from_request(&r, &p, &e), IAMPW_OK);
		iampw_policy_custom_defaults(&want);
		iampw_policy_set(&want, f, v);
		assert_memory_equal(&p, &want, sizeof p);
		assert_int_equal(iampw_policy_get(&p, f), v);

		n = iampw_policy_format(&p, text, sizeof text);
		assert_true(n > 0);
		if (f->type == IAMPW_FIELD_BOOL)
			snprintf(line, sizeof line, "\n%s = %s\n", f->key, v ? "true" : "false");
		else
			snprintf(line, sizeof line, "\n%s = %u\n", f->key, v);
		if (!th_contains(text, line))
			fail_msg("%s: no \"%s\" in\n%s", f->name, line + 1, text);
		iampw_err_init(&e);
		if (iampw_policy_parse("policy.conf", text, (size_t)n, &back, &e) != IAMPW_OK)
			fail_msg("%s: %s", f->name, e.text);
		assert_memory_equal(&back, &p, sizeof p);
	}
}

/* An integer out of range: IAM's message, naming the field in camelCase. */
static void test_each_integer_range(void **state)
{
	(void)state;
	for (size_t i = 0; i < iampw_policy_nfields; i++) {
		const struct iampw_policy_field *f = &iampw_policy_fields[i];
		struct iampw_policy_request r;
		struct iampw_policy p;
		struct iampw_err e;
		char want[256], camel[64];

		if (f->type != IAMPW_FIELD_UINT)
			continue;
		spell(f->key, true, camel, sizeof camel);
		camel[0] = (char)(camel[0] - 'A' + 'a');
		memset(&r, 0, sizeof r);
		iampw_policy_request_set(&r, f, f->max + 1, NULL);
		iampw_err_init(&e);
		assert_int_equal(iampw_policy_from_request(&r, &p, &e), IAMPW_E_INVAL);
		snprintf(want, sizeof want,
			 "1 validation error detected: Value '%lld' at '%s' failed to satisfy "
			 "constraint: Member must have value less than or equal to %lld",
			 (long long)f->max + 1, camel, (long long)f->max);
		assert_string_equal(e.text, want);
		/* The failed request leaves IAM's default, never a laxer policy. */
		assert_false(p.custom);

		iampw_policy_request_set(&r, f, f->min - 1, NULL);
		iampw_err_init(&e);
		assert_int_equal(iampw_policy_from_request(&r, &p, &e), IAMPW_E_INVAL);
		assert_true(th_contains(e.text, "greater than or equal to"));
	}
}

/* IAM's default policy and the "omitted" values come from the rows. */
static void test_defaults_from_rows(void **state)
{
	struct iampw_policy def, custom;

	(void)state;
	iampw_policy_default(&def);
	iampw_policy_custom_defaults(&custom);
	assert_false(def.custom);
	assert_true(custom.custom);
	for (size_t i = 0; i < iampw_policy_nfields; i++) {
		const struct iampw_policy_field *f = &iampw_policy_fields[i];

		assert_int_equal(iampw_policy_get(&def, f), f->iam_default);
		assert_int_equal(iampw_policy_get(&custom, f), f->omitted);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_spelled_alike),
		cmocka_unit_test(test_each_field_round_trip),
		cmocka_unit_test(test_each_integer_range),
		cmocka_unit_test(test_defaults_from_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
