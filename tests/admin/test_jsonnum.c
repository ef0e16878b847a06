/*
 * Unit tests of iampw-admin/jsonnum.c: numbers of --cli-input-json as the
 * AWS CLI (Python's json module) reads and shows them.
 *  - a float is shown as Python's repr() shows it; the table's answers
 *    are Python 3.11's repr(json.loads(text)), including powers of two
 *    where the nearest decimal of the shortest length does not read back
 *    and the next one up does;
 *  - an integer json-c saturated at 64 bits gets back the text the user
 *    wrote, read again by libyaml, and an integer json-c merely holds is
 *    left alone;
 *  - numbers Python's json refuses ("-01", "1.", more than 4300 digits)
 *    make the document invalid, wherever they are;
 *  - where libyaml is not asked (a document with a Password) or cannot
 *    read the text as json-c did, a saturated integer is "unknown" (the
 *    caller refuses it), never quoted wrong, and no number is refused on
 *    libyaml's word alone.
 * The end-to-end comparison with the AWS CLI's messages is in
 * tests/admin/awsfmt.py.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Parsed as args.c parses --cli-input-json (strict), then checked. */
static json_object *parse(const char *text, int *check)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;

	assert_non_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)strlen(text));
	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_object));
	*check = jsonnum_check(text, json_tokener_get_parse_end(tok), o);
	json_tokener_free(tok);
	return o;
}

static json_object *field(json_object *o, const char *key)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

static void test_python_float(void **state)
{
	static const struct {
		const char *json, *repr;
	} cases[] = {
		{ "1e3", "1000.0" }, { "1E3", "1000.0" }, { "1.0", "1.0" }, { "-0.0", "-0.0" },
		{ "0e0", "0.0" }, { "-2.5", "-2.5" }, { "0.1", "0.1" }, { "0.3", "0.3" },
		{ "1e15", "1000000000000000.0" }, { "1e16", "1e+16" },
		{ "1234567890123456.7", "1234567890123456.8" },
		{ "100000000000000000000.0", "1e+20" }, { "1e22", "1e+22" }, { "1e23", "1e+23" },
		{ "0.0001", "0.0001" }, { "0.00001", "1e-05" },
		{ "123456789012345678901234567890.5", "1.2345678901234568e+29" },
		{ "1.7976931348623157e308", "1.7976931348623157e+308" },
		{ "4.9e-324", "5e-324" }, { "2e-324", "0.0" },
		{ "1E400", "inf" }, { "-1e400", "-inf" },
		{ "NaN", "nan" }, { "Infinity", "inf" }, { "-Infinity", "-inf" },
		/* Powers of two: 2**-1017, 2**-1007, 2**-957, 2**-921, 2**-808. */
		{ "7.120236347223045e-307", "7.120236347223045e-307" },
		{ "7.291122019556398e-304", "7.291122019556398e-304" },
		{ "8.209073602596753e-289", "8.209073602596753e-289" },
		{ "5.641232424577593e-278", "5.641232424577593e-278" },
		{ "5.858190679279809e-244", "5.858190679279809e-244" },
		/* Integers are ints: "-0" is 0. */
		{ "-0", "0" }, { "42", "42" }, { "-9223372036854775808", "-9223372036854775808" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char text[128], buf[32];
		json_object *o;
		int check;

		snprintf(text, sizeof text, "{\"A\": %s}", cases[i].json);
		o = parse(text, &check);
		assert_int_equal(check, 0);
		assert_string_equal(jsonnum_python(field(o, "A"), buf, sizeof buf), cases[i].repr);
		json_object_put(o);
	}
}

/* `json` holds "A": its text must come back as `want` (NULL: not saturated). */
static void expect_text(const char *json, const char *want)
{
	json_object *o, *a;
	int check;

	o = parse(json, &check);
	assert_int_equal(check, 0);
	a = field(o, "A");
	assert_false(jsonnum_unknown(a));
	if (want == NULL) {
		assert_null(jsonnum_text(a));
	} else {
		assert_string_equal(jsonnum_text(a), want);
		/* Every message that prints the value prints the same. */
		assert_string_equal(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN), want);
	}
	json_object_put(o);
}

static void test_texts(void **state)
{
	(void)state;
	expect_text("{\"A\": 99999999999999999999}", "99999999999999999999");
	expect_text("{\"A\": 18446744073709551616}", "18446744073709551616");
	expect_text("{\"A\": 18446744073709551615}", "18446744073709551615");
	expect_text("{\"A\": 9223372036854775808}", "9223372036854775808");
	expect_text("{\"A\": 9223372036854775807}", "9223372036854775807");
	expect_text("{\"A\": -9223372036854775808}", "-9223372036854775808");
	expect_text("{\"A\": -9223372036854775809}", "-9223372036854775809");
	expect_text("{\"A\": -99999999999999999999999999, \"B\": [1, {\"C\": 2.5}], \"D\": \"x\"}",
		    "-99999999999999999999999999");
	/* Not saturated: json-c's value is the value. */
	expect_text("{\"A\": 9223372036854775806}", NULL);
	expect_text("{\"A\": -0}", NULL);
	/* The last of duplicate keys, as json-c and Python take it. */
	expect_text("{\"A\": -99999999999999999999, \"A\": -88888888888888888888}",
		    "-88888888888888888888");
	/* Blanks JSON allows and YAML does not: tabs at the start of a line. */
	expect_text("\t{\n\t\"A\":\t-99999999999999999999\n\t}\n\t\n", "-99999999999999999999");
	expect_text("{\"A\":-99999999999999999999}", "-99999999999999999999");
}

/* The document `before` NUMBER `after` is invalid JSON to Python. */
static void expect_refused(const char *before, const char *number, const char *after)
{
	char *text;
	json_object *o;
	int check;

	assert_true(asprintf(&text, "%s%s%s", before, number, after) > 0);
	o = parse(text, &check);
	assert_int_equal(check, -1);
	json_object_put(o);
	free(text);
}

static void test_python_grammar(void **state)
{
	char digits[4302];
	json_object *o;
	int check;

	(void)state;
	/* json-c 0.16 takes these in strict mode; Python's json does not. */
	expect_refused("{\"A\": ", "-01", "}");
	expect_refused("{\"A\": ", "-00", "}");
	expect_refused("{\"A\": ", "1.", "}");
	expect_refused("{\"A\": ", "-1.", "}");
	expect_refused("{\"A\": [1, {\"B\": ", "-01", "}]}");
	/* Python's int() reads 4300 digits at most; a float has no limit. */
	memset(digits, '9', 4301);
	digits[4301] = '\0';
	expect_refused("{\"A\": ", digits, "}");
	expect_refused("{\"A\": -", digits, "}");
	expect_refused("{\"A\": [", digits, "]}");
	digits[4300] = '\0';
	{
		char *text, *want;

		assert_true(asprintf(&text, "{\"A\": -%s}", digits) > 0);
		assert_true(asprintf(&want, "-%s", digits) > 0);
		expect_text(text, want);
		free(text);
		free(want);
		assert_true(asprintf(&text, "{\"A\": %s.5}", digits) > 0);
		o = parse(text, &check);
		assert_int_equal(check, 0);
		json_object_put(o);
		free(text);
	}
}

/* `json` holds a saturated "A" whose text must not be had. */
static void expect_unknown(const char *json)
{
	json_object *o;
	int check;

	o = parse(json, &check);
	assert_int_equal(check, 0);
	assert_true(jsonnum_unknown(field(o, "A")));
	assert_null(jsonnum_text(field(o, "A")));
	json_object_put(o);
}

static void test_unknown(void **state)
{
	char *json;
	char key[1101];
	json_object *o;
	int check;

	(void)state;
	/* A document with a Password is never read twice. */
	expect_unknown("{\"Password\": \"x\", \"A\": 99999999999999999999}");
	expect_unknown("{\"Password\": \"x\", \"A\": -99999999999999999999}");
	expect_unknown("{\"Password\": \"x\", \"A\": 9223372036854775807}");
	/* ... but json-c holds 2**63 .. 2**64-2 exactly. */
	o = parse("{\"Password\": \"x\", \"A\": 9223372036854775808}", &check);
	assert_int_equal(check, 0);
	assert_false(jsonnum_unknown(field(o, "A")));
	assert_string_equal(jsonnum_text(field(o, "A")), "9223372036854775808");
	json_object_put(o);
	/* Nor is "-01" refused there: json-c's word stands. */
	o = parse("{\"Password\": \"x\", \"A\": -01}", &check);
	assert_int_equal(check, 0);
	json_object_put(o);

	/* libyaml refuses a surrogate pair: json-c's values stand. */
	expect_unknown("{\"X\": \"\\ud83d\\ude00\", \"A\": 99999999999999999999}");
	o = parse("{\"X\": \"\\ud83d\\ude00\", \"A\": -01}", &check);
	assert_int_equal(check, 0);
	json_object_put(o);
	/*
	 * A key over 1024 bytes: libyaml reports an empty value after it
	 * before it fails; neither a refusal nor a text may come from that.
	 */
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	assert_true(asprintf(&json, "{\"%s\": 1, \"A\": 99999999999999999999}", key) > 0);
	expect_unknown(json);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_python_float),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_python_grammar),
		cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests_name("jsonnum", tests, NULL, NULL);
}
