/*
 * Unit tests of iampw-admin/output.c: the exact bytes of --output json,
 * text and table (SPEC §6), and a failed write reported as exit 255 with
 * nothing half-printed.  (The credential report's CSV in text, §6.2, is
 * the verb's own: tests/admin/test_report.sh.)
 *
 * The JSON expectations are what Python's json.dumps(indent=4,
 * ensure_ascii=False) prints and the text ones what the AWS CLI's text
 * formatter prints for the same documents; both were cross-checked
 * against those when the cases were written.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Only the name and the operation matter to the output. */
static const struct verb v_policy = {
	.name = "get-account-password-policy",
	.operation = "GetAccountPasswordPolicy",
};
static const struct verb v_create = {
	.name = "create-login-profile",
	.operation = "CreateLoginProfile",
};
static const struct verb v_users = {
	.name = "list-users",
	.operation = "ListUsers",
};

/* As get-account-password-policy answers: AWS's field order, not sorted. */
#define POLICY_JSON \
	"{\"PasswordPolicy\": {" \
	"\"MinimumPasswordLength\": 12, \"RequireSymbols\": true," \
	"\"RequireNumbers\": true, \"RequireUppercaseCharacters\": false," \
	"\"RequireLowercaseCharacters\": true, \"AllowUsersToChangePassword\": true," \
	"\"ExpirePasswords\": true, \"MaxPasswordAge\": 90," \
	"\"PasswordReusePrevention\": 5, \"HardExpiry\": false}}"

#define PROFILE_JSON \
	"{\"LoginProfile\": {\"UserName\": \"alice\"," \
	"\"CreateDate\": \"2026-11-22T10:00:00+00:00\", \"PasswordResetRequired\": true}," \
	"\"Password\": \"x\"}"

struct captured {
	int rc;
	char *out;
	size_t out_len;
	char *err;
	size_t err_len;
};

static json_object *parse(const char *text)
{
	json_object *o = json_tokener_parse(text);

	assert_non_null(o);
	return o;
}

static struct cli cli_for(enum out_format f, const struct verb *v)
{
	struct cli c;

	memset(&c, 0, sizeof c);
	c.output = f;
	c.verb = v;
	return c;
}

static char *read_all(FILE *f, size_t *len)
{
	struct stat st;
	char *p;

	assert_int_equal(fstat(fileno(f), &st), 0);
	p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	assert_int_equal(pread(fileno(f), p, (size_t)st.st_size, 0), st.st_size);
	p[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return p;
}

/*
 * out_print with stdout sent to a temporary file (or to `device`) and
 * stderr to another.  Nothing is asserted while the descriptors are
 * swapped, so that a failure is still reported on the real stdout; what
 * a failed write left in stdio's buffer is dropped before they are put
 * back, or it would end up in the TAP stream.
 */
static void capture(const struct cli *c, json_object *response,
		    const char *device, struct captured *cap)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int out_fd, saved_out, saved_err;
	bool swapped;

	assert_non_null(out);
	assert_non_null(err);
	out_fd = device != NULL ? open(device, O_WRONLY | O_CLOEXEC) : fileno(out);
	assert_true(out_fd >= 0);
	assert_int_equal(fflush(stdout), 0);
	assert_int_equal(fflush(stderr), 0);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	assert_true(saved_out >= 0 && saved_err >= 0);

	swapped = dup2(out_fd, STDOUT_FILENO) == STDOUT_FILENO &&
		  dup2(fileno(err), STDERR_FILENO) == STDERR_FILENO;
	cap->rc = swapped ? out_print(c, response) : -1;
	fflush(stdout);
	__fpurge(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	clearerr(stdout);

	assert_true(swapped);
	close(saved_out);
	close(saved_err);
	if (device != NULL)
		close(out_fd);
	cap->out = read_all(out, &cap->out_len);
	cap->err = read_all(err, &cap->err_len);
	fclose(out);
	fclose(err);
}

static void captured_free(struct captured *cap)
{
	free(cap->out);
	free(cap->err);
}

/* Prints exactly `expected`, nothing on stderr, exit 0. */
static void expect_output(enum out_format f, const struct verb *v,
			  const char *json, const char *expected)
{
	struct cli c = cli_for(f, v);
	json_object *o = parse(json);
	struct captured cap;

	capture(&c, o, NULL, &cap);
	assert_int_equal(cap.rc, EXIT_OK);
	assert_string_equal(cap.err, "");
	assert_string_equal(cap.out, expected);
	assert_int_equal(cap.out_len, strlen(expected));
	captured_free(&cap);
	json_object_put(o);
}

/* Exit 255, stdout untouched, `message` on stderr. */
static void expect_failure(enum out_format f, const struct verb *v,
			   json_object *o, const char *device, const char *message)
{
	struct cli c = cli_for(f, v);
	struct captured cap;

	capture(&c, o, device, &cap);
	assert_int_equal(cap.rc, EXIT_OTHER);
	assert_int_equal(cap.out_len, 0);
	assert_string_equal(cap.err, message);
	captured_free(&cap);
}

/* ---------------------------------------------------------------------- */
/* json                                                                    */

static void test_json_password_policy(void **state)
{
	(void)state;
	expect_output(OUT_JSON, &v_policy, POLICY_JSON,
		"{\n"
		"    \"PasswordPolicy\": {\n"
		"        \"MinimumPasswordLength\": 12,\n"
		"        \"RequireSymbols\": true,\n"
		"        \"RequireNumbers\": true,\n"
		"        \"RequireUppercaseCharacters\": false,\n"
		"        \"RequireLowercaseCharacters\": true,\n"
		"        \"AllowUsersToChangePassword\": true,\n"
		"        \"ExpirePasswords\": true,\n"
		"        \"MaxPasswordAge\": 90,\n"
		"        \"PasswordReusePrevention\": 5,\n"
		"        \"HardExpiry\": false\n"
		"    }\n"
		"}\n");
}

static void test_json_nested_and_arrays(void **state)
{
	(void)state;
	expect_output(OUT_JSON, &v_users,
		"{\"Users\": [{\"UserName\": \"alice\", \"Tags\": [\"a\", \"b\"],"
		" \"Meta\": {\"Deep\": {\"Level\": -3}}}, {\"UserName\": \"bob\"}],"
		" \"Empty\": {}, \"None\": [], \"Nested\": [[], [1, [2]]],"
		" \"IsTruncated\": false, \"Marker\": null}",
		"{\n"
		"    \"Users\": [\n"
		"        {\n"
		"            \"UserName\": \"alice\",\n"
		"            \"Tags\": [\n"
		"                \"a\",\n"
		"                \"b\"\n"
		"            ],\n"
		"            \"Meta\": {\n"
		"                \"Deep\": {\n"
		"                    \"Level\": -3\n"
		"                }\n"
		"            }\n"
		"        },\n"
		"        {\n"
		"            \"UserName\": \"bob\"\n"
		"        }\n"
		"    ],\n"
		"    \"Empty\": {},\n"
		"    \"None\": [],\n"
		"    \"Nested\": [\n"
		"        [],\n"
		"        [\n"
		"            1,\n"
		"            [\n"
		"                2\n"
		"            ]\n"
		"        ]\n"
		"    ],\n"
		"    \"IsTruncated\": false,\n"
		"    \"Marker\": null\n"
		"}\n");
}

/* As the AWS CLI: an operation without output prints nothing at all. */
static void test_empty_response_prints_nothing(void **state)
{
	static const enum out_format formats[] = { OUT_JSON, OUT_TEXT, OUT_TABLE, OUT_YAML,
						    OUT_YAML_STREAM };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(formats); i++) {
		struct cli c = cli_for(formats[i], &v_policy);
		json_object *o = json_object_new_object();
		struct captured cap;

		assert_non_null(o);
		capture(&c, o, NULL, &cap);
		assert_int_equal(cap.rc, EXIT_OK);
		assert_int_equal(cap.out_len, 0);
		assert_int_equal(cap.err_len, 0);
		captured_free(&cap);
		capture(&c, NULL, NULL, &cap);
		assert_int_equal(cap.rc, EXIT_OK);
		assert_int_equal(cap.out_len, 0);
		captured_free(&cap);
		json_object_put(o);
	}
}

static void test_json_string_empty_containers(void **state)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	char *s;

	(void)state;
	assert_non_null(o);
	assert_non_null(a);
	s = out_json_string(o);
	assert_string_equal(s, "{}");
	free(s);
	s = out_json_string(a);
	assert_string_equal(s, "[]");
	free(s);
	assert_int_equal(json_object_object_add(o, "A", a), 0);
	s = out_json_string(o);
	assert_string_equal(s, "{\n    \"A\": []\n}");
	free(s);
	json_object_put(o);
}

/*
 * No "\/", '"' and '\\' escaped, UTF-8 and DEL kept, C0 controls escaped
 * as Python does (short forms, else lowercase \u00xx); keys alike.
 */
static void test_json_string_escapes(void **state)
{
	json_object *o = json_object_new_object();
	char *s;

	(void)state;
	assert_non_null(o);
	assert_int_equal(json_object_object_add(o, "k/\"é",
		json_object_new_string("a/b \"q\" \\ é 名 \x7f \b\f\n\r\t \x01\x1f")), 0);
	s = out_json_string(o);
	assert_non_null(s);
	assert_string_equal(s,
		"{\n    \"k/\\\"é\": \"a/b \\\"q\\\" \\\\ é 名 \x7f \\b\\f\\n\\r\\t \\u0001\\u001f\"\n}");
	free(s);
	json_object_put(o);

	expect_output(OUT_JSON, &v_create, "{\"Password\": \"p/\\\"ä\"}",
		"{\n    \"Password\": \"p/\\\"ä\"\n}\n");
}

/* ---------------------------------------------------------------------- */
/* text                                                                    */

static void test_text_password_policy(void **state)
{
	(void)state;
	/* Alphabetical: Allow, Expire, Hard, MaxAge, MinLength, Reuse,
	 * Lowercase, Numbers, Symbols, Uppercase. */
	expect_output(OUT_TEXT, &v_policy, POLICY_JSON,
		"PASSWORDPOLICY\tTrue\tTrue\tFalse\t90\t12\t5\tTrue\tTrue\tTrue\tFalse\n");
}

static void test_text_login_profile_and_password(void **state)
{
	(void)state;
	expect_output(OUT_TEXT, &v_create, PROFILE_JSON,
		"x\nLOGINPROFILE\t2026-11-22T10:00:00+00:00\tTrue\talice\n");
}

/* True/False/None; an array of scalars is one "IDENT<TAB>value" per element. */
static void test_text_scalars(void **state)
{
	(void)state;
	expect_output(OUT_TEXT, &v_users,
		"{\"b\": false, \"a\": true, \"c\": null, \"d\": \"x y\", \"e\": -7,"
		" \"list\": [1, \"two\", null, true]}",
		"True\tFalse\tNone\tx y\t-7\n"
		"LIST\t1\nLIST\ttwo\nLIST\tNone\nLIST\tTrue\n");
	/* At the top, with no identifier, the values share one line. */
	expect_output(OUT_TEXT, &v_users, "[1, \"a\", false]", "1\ta\tFalse\n");
	expect_output(OUT_TEXT, &v_users, "\"bare\"", "bare\n");
}

/*
 * An array of objects: every element under the array's identifier, the
 * columns the union of the scalar keys (a missing one empty), nested
 * members after each element's line; empty containers print nothing.
 */
static void test_text_array_of_objects(void **state)
{
	(void)state;
	expect_output(OUT_TEXT, &v_users,
		"{\"Users\": [{\"UserName\": \"alice\", \"Arn\": \"arn:a\","
		" \"Tags\": [{\"Key\": \"k\", \"Value\": \"v\"}]},"
		" {\"UserName\": \"bob\", \"Path\": \"/\"}],"
		" \"IsTruncated\": false, \"Empty\": {}, \"None\": []}",
		"False\n"
		"USERS\tarn:a\t\talice\n"
		"TAGS\tk\tv\n"
		"USERS\t\t/\tbob\n");
	/* An object under an object with no scalars prints no line of its own. */
	expect_output(OUT_TEXT, &v_users, "{\"A\": {\"B\": {\"c\": 1}}}", "B\t1\n");
}

/* ---------------------------------------------------------------------- */
/* table                                                                   */

/*
 * The expected tables are what the AWS CLI 2.9's own TableFormatter
 * prints for these documents (test_awsfmt.sh checks many more against it
 * directly): fields sorted, an object of several scalars as a header row
 * over a value row, a single scalar as "name | value", padding as its
 * column scaling leaves it.
 */
static void test_table_password_policy(void **state)
{
	(void)state;
	expect_output(OUT_TABLE, &v_policy, POLICY_JSON,
		"-------------------------------------------\n"
		"|        GetAccountPasswordPolicy         |\n"
		"+-----------------------------------------+\n"
		"||            PasswordPolicy             ||\n"
		"|+------------------------------+--------+|\n"
		"||  AllowUsersToChangePassword  |  True  ||\n"
		"||  ExpirePasswords             |  True  ||\n"
		"||  HardExpiry                  |  False ||\n"
		"||  MaxPasswordAge              |  90    ||\n"
		"||  MinimumPasswordLength       |  12    ||\n"
		"||  PasswordReusePrevention     |  5     ||\n"
		"||  RequireLowercaseCharacters  |  True  ||\n"
		"||  RequireNumbers              |  True  ||\n"
		"||  RequireSymbols              |  True  ||\n"
		"||  RequireUppercaseCharacters  |  False ||\n"
		"|+------------------------------+--------+|\n");
}

/*
 * Widths are Python's East Asian Width: ä, ß, é and € are "ambiguous" and
 * count two columns, as the AWS CLI counts them; a tab is written as it
 * is.
 */
static void test_table_multibyte(void **state)
{
	(void)state;
	expect_output(OUT_TABLE, &v_create,
		"{\"LoginProfile\": {\"UserName\": \"jos\\u00e9\","
		" \"CreateDate\": \"2026-11-22\", \"PasswordResetRequired\": false},"
		" \"Pässe\": \"pä/ß\\\"x\\tz\", \"Zäh\": \"€\"}",
		"-------------------------------------------------------\n"
		"|                 CreateLoginProfile                  |\n"
		"+----------------------------------+------------------+\n"
		"|               Pässe              |       Zäh        |\n"
		"+----------------------------------+------------------+\n"
		"|  pä/ß\"x\tz                       |  €              |\n"
		"+----------------------------------+------------------+\n"
		"||                   LoginProfile                    ||\n"
		"|+-------------+-------------------------+-----------+|\n"
		"|| CreateDate  |  PasswordResetRequired  | UserName  ||\n"
		"|+-------------+-------------------------+-----------+|\n"
		"||  2026-11-22 |  False                  |  josé    ||\n"
		"|+-------------+-------------------------+-----------+|\n");
}

/*
 * An array of objects: a header of their scalar names, a section per
 * element when they have nested members; empty values make no section.
 */
static void test_table_arrays(void **state)
{
	(void)state;
	expect_output(OUT_TABLE, &v_users,
		"{\"Users\": [{\"UserName\": \"alice\", \"Tags\": [\"a\", \"b\"]},"
		" {\"UserName\": \"bob\"}], \"Marker\": null, \"Empty\": []}",
		"--------------------\n"
		"|     ListUsers    |\n"
		"+---------+--------+\n"
		"|  Marker |  None  |\n"
		"+---------+--------+\n"
		"||      Users     ||\n"
		"|+----------------+|\n"
		"||    UserName    ||\n"
		"|+----------------+|\n"
		"||  alice         ||\n"
		"|+----------------+|\n"
		"|||     Tags     |||\n"
		"||+--------------+||\n"
		"|||  a           |||\n"
		"|||  b           |||\n"
		"||+--------------+||\n"
		"||      Users     ||\n"
		"|+----------------+|\n"
		"||    UserName    ||\n"
		"|+----------------+|\n"
		"||  bob           ||\n"
		"|+----------------+|\n");
	/* An empty object is no section: the title alone, its width too. */
	expect_output(OUT_TABLE, &v_users, "{\"A\": {\"B\": {}}}",
		"-----------\n"
		"|ListUsers|\n"
		"+---------+\n"
		"||   A   ||\n"
		"|+-------+|\n");
	expect_output(OUT_TABLE, &v_users, "{\"A\": {\"B\": {\"C\": 1}, \"D\": [1]}}",
		"----------------\n"
		"|   ListUsers  |\n"
		"+--------------+\n"
		"||      A     ||\n"
		"|+------------+|\n"
		"|||     B    |||\n"
		"||+----+-----+||\n"
		"|||  C |  1  |||\n"
		"||+----+-----+||\n"
		"|||     D    |||\n"
		"||+----------+||\n"
		"|||  1       |||\n"
		"||+----------+||\n");
	/* An object of nothing but empty values: the title alone. */
	expect_output(OUT_TABLE, &v_users, "{\"A\": {}}",
		"-----------\n"
		"|ListUsers|\n"
		"+---------+\n");
	/* Nothing at all for a false value (a --query result). */
	expect_output(OUT_TABLE, &v_users, "[]", "");
}

/* ---------------------------------------------------------------------- */
/* write failures                                                          */

static void test_write_failure(void **state)
{
	static const enum out_format formats[] = { OUT_JSON, OUT_TEXT, OUT_TABLE, OUT_YAML,
						    OUT_YAML_STREAM };
	const char *message = "iampw-admin: cannot write the output: No space left on device\n";
	/* A generated password that was set is never lost (§6): stderr has it. */
	const char *with_password = "iampw-admin: cannot write the output: No space left on device\n"
				    "iampw-admin: the generated password, which was set: x\n";
	json_object *small, *big;
	char *text;
	size_t i;

	(void)state;
	if (access("/dev/full", W_OK) != 0)
		skip();
	small = parse(PROFILE_JSON);
	/* Bigger than stdio's buffer: fwrite itself fails, not only fflush. */
	text = malloc(200000);
	assert_non_null(text);
	memset(text, 'a', 199999);
	text[199999] = '\0';
	big = json_object_new_object();
	assert_non_null(big);
	assert_int_equal(json_object_object_add(big, "Big", json_object_new_string(text)), 0);
	free(text);

	for (i = 0; i < ARRAY_SIZE(formats); i++) {
		expect_failure(formats[i], &v_create, small, "/dev/full", with_password);
		expect_failure(formats[i], &v_create, big, "/dev/full", message);
	}
	json_object_put(small);
	json_object_put(big);

	/* stdout works again afterwards: the failure stayed in that call. */
	expect_output(OUT_TEXT, &v_create, PROFILE_JSON,
		"x\nLOGINPROFILE\t2026-11-22T10:00:00+00:00\tTrue\talice\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_password_policy),
		cmocka_unit_test(test_json_nested_and_arrays),
		cmocka_unit_test(test_empty_response_prints_nothing),
		cmocka_unit_test(test_json_string_empty_containers),
		cmocka_unit_test(test_json_string_escapes),
		cmocka_unit_test(test_text_password_policy),
		cmocka_unit_test(test_text_login_profile_and_password),
		cmocka_unit_test(test_text_scalars),
		cmocka_unit_test(test_text_array_of_objects),
		cmocka_unit_test(test_table_password_policy),
		cmocka_unit_test(test_table_multibyte),
		cmocka_unit_test(test_table_arrays),
		cmocka_unit_test(test_write_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
