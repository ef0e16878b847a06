/*
 * Unit tests of lib/util.c: strict numbers and booleans, saturating date
 * arithmetic, ISO 8601 formatting, the error collector and the secret
 * helpers.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "helpers.h"
#include "internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A value parse_u64 never produces, to show *out is left alone. */
#define UNTOUCHED UINT64_C(0xdeadbeefcafe)

struct u64_case {
	const char *text;
	enum iampw_num want;
	uint64_t value;          /* when want is IAMPW_NUM_OK */
};

static const struct u64_case u64_cases[] = {
	{ "0", IAMPW_NUM_OK, 0 },
	{ "1", IAMPW_NUM_OK, 1 },
	{ "9", IAMPW_NUM_OK, 9 },
	{ "10", IAMPW_NUM_OK, 10 },
	{ "1095", IAMPW_NUM_OK, 1095 },
	{ "4294967295", IAMPW_NUM_OK, UINT64_C(4294967295) },
	{ "18446744073709551615", IAMPW_NUM_OK, UINT64_MAX },
	{ "18446744073709551616", IAMPW_NUM_OVERFLOW, 0 },
	{ "18446744073709551620", IAMPW_NUM_OVERFLOW, 0 },
	{ "99999999999999999999", IAMPW_NUM_OVERFLOW, 0 },
	{ "100000000000000000000000000000", IAMPW_NUM_OVERFLOW, 0 },
	/* strtoul(base 0) would read these as octal or hex: refused. */
	{ "010", IAMPW_NUM_SYNTAX, 0 },
	{ "00", IAMPW_NUM_SYNTAX, 0 },
	{ "0x10", IAMPW_NUM_SYNTAX, 0 },
	{ "0X10", IAMPW_NUM_SYNTAX, 0 },
	{ "12abc", IAMPW_NUM_SYNTAX, 0 },
	{ "abc", IAMPW_NUM_SYNTAX, 0 },
	{ "", IAMPW_NUM_SYNTAX, 0 },
	{ " 1", IAMPW_NUM_SYNTAX, 0 },
	{ "1 ", IAMPW_NUM_SYNTAX, 0 },
	{ "\t1", IAMPW_NUM_SYNTAX, 0 },
	{ "1\n", IAMPW_NUM_SYNTAX, 0 },
	{ "+1", IAMPW_NUM_SYNTAX, 0 },
	{ "1.0", IAMPW_NUM_SYNTAX, 0 },
	{ "1e3", IAMPW_NUM_SYNTAX, 0 },
	{ "1_000", IAMPW_NUM_SYNTAX, 0 },
	{ "-", IAMPW_NUM_SYNTAX, 0 },
	{ "-0", IAMPW_NUM_SYNTAX, 0 },
	{ "-01", IAMPW_NUM_SYNTAX, 0 },
	{ "--1", IAMPW_NUM_SYNTAX, 0 },
	{ "- 1", IAMPW_NUM_SYNTAX, 0 },
	{ "-x", IAMPW_NUM_SYNTAX, 0 },
	{ "-1a", IAMPW_NUM_SYNTAX, 0 },
	/* '-' and plain digits: negative, whatever the size. */
	{ "-1", IAMPW_NUM_NEGATIVE, 0 },
	{ "-10", IAMPW_NUM_NEGATIVE, 0 },
	{ "-18446744073709551615", IAMPW_NUM_NEGATIVE, 0 },
	{ "-99999999999999999999", IAMPW_NUM_NEGATIVE, 0 },
};

static void test_parse_u64_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(u64_cases); i++) {
		const struct u64_case *c = &u64_cases[i];
		uint64_t out = UNTOUCHED;
		enum iampw_num got = iampw_parse_u64(c->text, &out);

		if (got != c->want)
			fail_msg("parse_u64(\"%s\") = %d, want %d", c->text,
				 (int)got, (int)c->want);
		if (c->want == IAMPW_NUM_OK && out != c->value)
			fail_msg("parse_u64(\"%s\") gave %llu, want %llu", c->text,
				 (unsigned long long)out,
				 (unsigned long long)c->value);
		if (c->want != IAMPW_NUM_OK && out != UNTOUCHED)
			fail_msg("parse_u64(\"%s\") wrote %llu on failure", c->text,
				 (unsigned long long)out);
	}
}

/* Every number from 0 to 100000 round-trips through its decimal text. */
static void test_parse_u64_sweep(void **state)
{
	char buf[32];
	uint64_t out;

	(void)state;
	for (uint64_t v = 0; v <= 100000; v++) {
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
		assert_int_equal(iampw_parse_u64(buf, &out), IAMPW_NUM_OK);
		assert_true(out == v);
	}
	/* And near the top of the range. */
	for (uint64_t v = UINT64_MAX - 1000; v != 0; v++) {
		snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
		assert_int_equal(iampw_parse_u64(buf, &out), IAMPW_NUM_OK);
		assert_true(out == v);
	}
}

static void test_parse_bool(void **state)
{
	static const struct { const char *word; bool value; } ok[] = {
		{ "true", true }, { "yes", true }, { "1", true },
		{ "false", false }, { "no", false }, { "0", false },
	};
	static const char *const refused[] = {
		"True", "TRUE", "Yes", "YES", "No", "FALSE", "on", "off", "y",
		"n", "t", "f", "2", "-1", "01", "00", "", " yes", "yes ",
		"true\n", "truex", "yess", "tru", "enabled",
	};
	bool out;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		/* Preset to the opposite so the write is visible. */
		out = !ok[i].value;
		if (!iampw_parse_bool(ok[i].word, &out))
			fail_msg("parse_bool(\"%s\") refused", ok[i].word);
		if (out != ok[i].value)
			fail_msg("parse_bool(\"%s\") gave %d", ok[i].word, out);
	}
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		bool t = true, f = false;

		if (iampw_parse_bool(refused[i], &t) ||
		    iampw_parse_bool(refused[i], &f))
			fail_msg("parse_bool(\"%s\") accepted", refused[i]);
		if (!t || f)
			fail_msg("parse_bool(\"%s\") wrote on failure", refused[i]);
	}
}

static void test_sat_sub(void **state)
{
	(void)state;
	assert_true(iampw_sat_sub(10, 3) == 7);
	assert_true(iampw_sat_sub(3, 10) == -7);
	assert_true(iampw_sat_sub(0, 0) == 0);
	assert_true(iampw_sat_sub(INT64_MAX, 0) == INT64_MAX);
	assert_true(iampw_sat_sub(INT64_MIN, 0) == INT64_MIN);
	assert_true(iampw_sat_sub(INT64_MIN, 1) == INT64_MIN);
	assert_true(iampw_sat_sub(INT64_MIN, INT64_MAX) == INT64_MIN);
	assert_true(iampw_sat_sub(INT64_MAX, -1) == INT64_MAX);
	assert_true(iampw_sat_sub(INT64_MAX, INT64_MIN) == INT64_MAX);
	assert_true(iampw_sat_sub(0, INT64_MIN) == INT64_MAX);
	/* No overflow here: exact results at the very edge. */
	assert_true(iampw_sat_sub(-1, INT64_MIN) == INT64_MAX);
	assert_true(iampw_sat_sub(INT64_MIN + 1, 1) == INT64_MIN);
	assert_true(iampw_sat_sub(INT64_MAX - 1, -1) == INT64_MAX);
	assert_true(iampw_sat_sub(INT64_MAX, INT64_MAX) == 0);
	assert_true(iampw_sat_sub(INT64_MIN, INT64_MIN) == 0);
	assert_true(iampw_sat_sub(0, INT64_MAX) == -INT64_MAX);
}

static void test_sat_add(void **state)
{
	(void)state;
	assert_true(iampw_sat_add(10, 3) == 13);
	assert_true(iampw_sat_add(-10, 3) == -7);
	assert_true(iampw_sat_add(INT64_MAX, 1) == INT64_MAX);
	assert_true(iampw_sat_add(INT64_MAX, INT64_MAX) == INT64_MAX);
	assert_true(iampw_sat_add(1, INT64_MAX) == INT64_MAX);
	assert_true(iampw_sat_add(INT64_MIN, -1) == INT64_MIN);
	assert_true(iampw_sat_add(INT64_MIN, INT64_MIN) == INT64_MIN);
	assert_true(iampw_sat_add(-1, INT64_MIN) == INT64_MIN);
	assert_true(iampw_sat_add(INT64_MAX, INT64_MIN) == -1);
	assert_true(iampw_sat_add(INT64_MAX - 1, 1) == INT64_MAX);
	assert_true(iampw_sat_add(INT64_MIN + 1, -1) == INT64_MIN);
	assert_true(iampw_sat_add(INT64_MAX, 0) == INT64_MAX);
	assert_true(iampw_sat_add(INT64_MIN, 0) == INT64_MIN);
}

static void check_iso(int64_t t, const char *want)
{
	char out[IAMPW_ISO8601_SIZE];

	memset(out, 'x', sizeof out);
	assert_int_equal(iampw_iso8601(t, out), IAMPW_OK);
	assert_string_equal(out, want);
}

static void check_iso_refused(int64_t t)
{
	char out[IAMPW_ISO8601_SIZE];

	memset(out, 'x', sizeof out);
	assert_int_equal(iampw_iso8601(t, out), IAMPW_E_INVAL);
	assert_string_equal(out, "");
}

static void test_iso8601(void **state)
{
	(void)state;
	check_iso(0, "1970-01-01T00:00:00+00:00");
	check_iso(1, "1970-01-01T00:00:01+00:00");
	/* date -u -d @1763805600 +%FT%T+00:00 */
	check_iso(1763805600, "2025-11-22T10:00:00+00:00");
	check_iso(951782400, "2000-02-29T00:00:00+00:00");
	check_iso(INT64_C(4102444799), "2099-12-31T23:59:59+00:00");
	check_iso(IAMPW_TIME_MAX, "9999-12-31T23:59:59+00:00");
	check_iso(IAMPW_TIME_MAX - 86400, "9999-12-30T23:59:59+00:00");
	check_iso_refused(-1);
	check_iso_refused(INT64_MIN);
	check_iso_refused(IAMPW_TIME_MAX + 1);
	check_iso_refused(INT64_MAX);
	/* The promised length: 25 characters and the NUL. */
	{
		char out[IAMPW_ISO8601_SIZE];

		assert_int_equal(iampw_iso8601(IAMPW_TIME_MAX, out), IAMPW_OK);
		assert_int_equal(strlen(out), 25);
	}
}

/*
 * The date arithmetic against the C library's calendar: every day's first
 * and last second for 1970-2100 (leap years, century rules, the 2000
 * leap day), then a prime stride over the whole range up to 9999.
 */
static void check_iso_like_gmtime(int64_t t)
{
	char want[IAMPW_ISO8601_SIZE], out[IAMPW_ISO8601_SIZE];
	time_t tt = (time_t)t;
	struct tm tm;

	assert_non_null(gmtime_r(&tt, &tm));
	assert_true(strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S+00:00", &tm) > 0);
	assert_int_equal(iampw_iso8601(t, out), IAMPW_OK);
	assert_string_equal(out, want);
}

static void test_iso8601_calendar(void **state)
{
	(void)state;
	for (int64_t day = 0; day < INT64_C(47847); day++) {
		check_iso_like_gmtime(day * 86400);
		check_iso_like_gmtime(day * 86400 + 86399);
	}
	for (int64_t t = 0; t <= IAMPW_TIME_MAX; t += INT64_C(1000003) * 97)
		check_iso_like_gmtime(t);
	check_iso_like_gmtime(IAMPW_TIME_MAX);
}

static void test_err_init(void **state)
{
	struct iampw_err e;

	(void)state;
	memset(&e, 'x', sizeof e);
	iampw_err_init(&e);
	assert_int_equal(e.code, IAMPW_OK);
	assert_int_equal(e.count, 0);
	assert_int_equal(e.len, 0);
	assert_string_equal(e.text, "");
}

static void test_err_accumulates(void **state)
{
	struct iampw_err e;

	(void)state;
	iampw_err_init(&e);
	assert_int_equal(iampw_err_add(&e, IAMPW_E_PARSE, "a.conf:%u: %s", 3u,
				       "first"), IAMPW_E_PARSE);
	assert_int_equal(e.code, IAMPW_E_PARSE);
	assert_int_equal(e.count, 1);
	assert_string_equal(e.text, "a.conf:3: first");
	assert_int_equal(e.len, strlen(e.text));

	/* A later code is returned but the first one is kept. */
	assert_int_equal(iampw_err_add(&e, IAMPW_E_IO, "b: %s", "second"),
			 IAMPW_E_IO);
	assert_int_equal(e.code, IAMPW_E_PARSE);
	assert_int_equal(e.count, 2);
	assert_int_equal(iampw_err_add(&e, IAMPW_E_NOMEM, "third"), IAMPW_E_NOMEM);
	assert_int_equal(e.code, IAMPW_E_PARSE);
	assert_int_equal(e.count, 3);
	assert_string_equal(e.text, "a.conf:3: first\nb: second\nthird");
	assert_int_equal(e.len, strlen(e.text));

	/* A NULL collector is allowed and only returns the code. */
	assert_int_equal(iampw_err_add(NULL, IAMPW_E_UNSAFE, "x %d", 1),
			 IAMPW_E_UNSAFE);
}

static const char cut_line[] = "\n(further problems not shown)";

static size_t lines_in(const char *s)
{
	size_t n = *s != '\0';

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* iampw_err_each's messages, joined by '\n'. */
struct joined {
	char text[IAMPW_ERR_TEXT + 1];
	size_t len;
	unsigned calls;
	bool overflow;
};

static void join_problem(void *arg, const struct iampw_problem *p)
{
	struct joined *j = arg;
	size_t n = strlen(p->message);

	j->calls++;
	if (j->len + 1 + n >= sizeof j->text) {
		j->overflow = true;
		return;
	}
	if (j->len > 0)
		j->text[j->len++] = '\n';
	memcpy(j->text + j->len, p->message, n + 1);
	j->len += n;
}

static void check_records_match_text(const struct iampw_err *e)
{
	struct joined *j = calloc(1, sizeof *j);

	assert_non_null(j);
	iampw_err_each(e, join_problem, j);
	assert_false(j->overflow);
	assert_string_equal(j->text, e->text);
	assert_int_equal(j->calls, e->kept + (e->cut ? 1 : 0));
	assert_true(e->kept <= IAMPW_ERR_PROBLEMS);
	free(j);
}

/*
 * The text is bounded and well formed: either all the lines added so far
 * (`shadow`, joined by '\n'), or a prefix of them followed by the marker
 * line, and the marker only when the lines did not fit.
 */
static void check_err_bounded(const struct iampw_err *e, unsigned count,
			      const char *shadow)
{
	size_t n = strnlen(e->text, sizeof e->text);
	size_t cut = strlen(cut_line);

	assert_true(n < sizeof e->text);
	assert_int_equal(n, e->len);
	assert_int_equal(e->count, count);
	if (strcmp(e->text, shadow) != 0) {
		/* Cut: only when the whole report would not fit. */
		assert_true(strlen(shadow) + cut >= IAMPW_ERR_TEXT - 1 ||
			    lines_in(shadow) > IAMPW_ERR_PROBLEMS);
		assert_true(n >= cut);
		assert_string_equal(e->text + n - cut, cut_line);
		assert_ptr_equal(strstr(e->text, cut_line + 1), e->text + n - cut + 1);
		assert_memory_equal(e->text, shadow, n - cut);
	}
	/* The records say the same as the text, line for line. */
	check_records_match_text(e);
	/* Never an empty line (no "\n\n", no leading or trailing '\n'). */
	assert_null(strstr(e->text, "\n\n"));
	if (n > 0) {
		assert_true(e->text[0] != '\n');
		assert_true(e->text[n - 1] != '\n');
	}
}

/* Append a line to the shadow copy of a report. */
static void shadow_add(char **shadow, size_t *len, const char *line)
{
	size_t n = strlen(line);

	*shadow = realloc(*shadow, *len + n + 2);
	assert_non_null(*shadow);
	if (*len > 0)
		(*shadow)[(*len)++] = '\n';
	memcpy(*shadow + *len, line, n + 1);
	*len += n;
}

static void test_err_truncation_long_lines(void **state)
{
	struct iampw_err e;
	char line[320];
	char *shadow = NULL;
	size_t slen = 0;

	(void)state;
	iampw_err_init(&e);
	for (unsigned i = 1; i <= 1000; i++) {
		int code = i == 1 ? IAMPW_E_PARSE : IAMPW_E_IO;

		snprintf(line, sizeof line, "f:%u: %0300d", i, 0);
		assert_int_equal(iampw_err_add(&e, code, "f:%u: %0300d", i, 0), code);
		shadow_add(&shadow, &slen, line);
		check_err_bounded(&e, i, shadow);
	}
	assert_int_equal(e.code, IAMPW_E_PARSE);
	/* Cut at the end, the first lines intact and in order. */
	assert_string_equal(e.text + e.len - strlen(cut_line), cut_line);
	assert_memory_equal(e.text, "f:1: 000", 8);
	assert_non_null(strstr(e.text, "\nf:2: 000"));
	assert_null(strstr(e.text, "f:1000:"));
	free(shadow);
}

/* One line longer than the whole buffer is cut, then marked. */
static void test_err_truncation_one_huge_line(void **state)
{
	struct iampw_err e;
	char *big = malloc(3 * IAMPW_ERR_TEXT);

	(void)state;
	assert_non_null(big);
	memset(big, 'B', 3 * IAMPW_ERR_TEXT - 1);
	big[3 * IAMPW_ERR_TEXT - 1] = '\0';
	iampw_err_init(&e);
	iampw_err_add(&e, IAMPW_E_PARSE, "%s", big);
	check_err_bounded(&e, 1, big);
	assert_string_equal(e.text + e.len - strlen(cut_line), cut_line);
	iampw_err_add(&e, IAMPW_E_IO, "more");
	assert_null(strstr(e.text, "more"));
	assert_int_equal(e.code, IAMPW_E_PARSE);
	assert_int_equal(e.count, 2);
	free(big);
}

/*
 * Every line length from 1 to 300 bytes, 1000 lines each: whatever
 * offset the buffer fills at, the text stays bounded and well formed.
 */
static void test_err_truncation_every_length(void **state)
{
	struct iampw_err *e = malloc(sizeof *e);
	char line[301];

	(void)state;
	assert_non_null(e);
	for (size_t n = 1; n <= 300; n++) {
		char *shadow = NULL;
		size_t slen = 0;

		memset(line, 'a' + (char)(n % 26), n);
		line[n] = '\0';
		iampw_err_init(e);
		for (unsigned i = 1; i <= 1000; i++) {
			iampw_err_add(e, IAMPW_E_PARSE, "%s", line);
			if (slen < 2 * IAMPW_ERR_TEXT)
				shadow_add(&shadow, &slen, line);
			check_err_bounded(e, i, shadow);
		}
		if ((n + 1) * 1000 > IAMPW_ERR_TEXT || 1000 > IAMPW_ERR_PROBLEMS)
			assert_string_equal(e->text + e->len - strlen(cut_line), cut_line);
		else
			assert_string_equal(e->text, shadow);
		free(shadow);
	}
	/* Empty lines never overflow either. */
	iampw_err_init(e);
	for (unsigned i = 0; i < 5000; i++)
		iampw_err_add(e, IAMPW_E_PARSE, "%s", "");
	assert_int_equal(e->count, 5000);
	assert_true(e->len < sizeof e->text);
	assert_int_equal(strlen(e->text), e->len);
	free(e);
}

/* What iampw_err_each hands over, copied for checking afterwards. */
struct seen {
	unsigned n;
	struct {
		int code;
		bool has_file;
		char file[64];
		unsigned line;
		char text[64];
		char message[128];
	} p[8];
};

static void keep_problem(void *arg, const struct iampw_problem *p)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	s->p[s->n].code = p->code;
	s->p[s->n].has_file = p->file != NULL;
	snprintf(s->p[s->n].file, sizeof s->p[s->n].file, "%s", p->file ? p->file : "");
	s->p[s->n].line = p->line;
	snprintf(s->p[s->n].text, sizeof s->p[s->n].text, "%s", p->text);
	snprintf(s->p[s->n].message, sizeof s->p[s->n].message, "%s", p->message);
	s->n++;
}

/* Each problem reaches the callback as code, file, line and text. */
static void test_err_records(void **state)
{
	struct iampw_err e;
	struct seen s = { 0 };

	(void)state;
	iampw_err_init(&e);
	iampw_err_at(&e, IAMPW_E_PARSE, "/etc/iampw/policy.conf", 7, "%s: bad", "key");
	iampw_err_at(&e, IAMPW_E_UNSAFE, "/etc/iampw/iampw.conf", 0, "is a symbolic link");
	iampw_err_add(&e, IAMPW_E_NOMEM, "out of %s", "memory");
	iampw_err_at(&e, IAMPW_E_IO, "a:b", 3, "%s", ""); /* the file alone is still a line */
	assert_string_equal(e.text, "/etc/iampw/policy.conf:7: key: bad\n"
			    "/etc/iampw/iampw.conf: is a symbolic link\nout of memory\na:b:3: ");
	iampw_err_each(&e, keep_problem, &s);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.p[0].code, IAMPW_E_PARSE);
	assert_true(s.p[0].has_file);
	assert_string_equal(s.p[0].file, "/etc/iampw/policy.conf");
	assert_int_equal(s.p[0].line, 7);
	assert_string_equal(s.p[0].text, "key: bad");
	assert_string_equal(s.p[0].message, "/etc/iampw/policy.conf:7: key: bad");
	assert_int_equal(s.p[1].code, IAMPW_E_UNSAFE);
	assert_string_equal(s.p[1].file, "/etc/iampw/iampw.conf");
	assert_int_equal(s.p[1].line, 0);
	assert_string_equal(s.p[1].text, "is a symbolic link");
	assert_int_equal(s.p[2].code, IAMPW_E_NOMEM);
	assert_false(s.p[2].has_file);
	assert_int_equal(s.p[2].line, 0);
	assert_string_equal(s.p[2].text, "out of memory");
	assert_string_equal(s.p[2].message, "out of memory");
	assert_string_equal(s.p[3].file, "a:b");
	assert_int_equal(s.p[3].line, 3);
	assert_string_equal(s.p[3].text, "");
	/* The first code is the report's; an empty line is counted, not kept. */
	iampw_err_add(&e, IAMPW_E_IO, "%s", "");
	assert_int_equal(e.code, IAMPW_E_PARSE);
	assert_int_equal(e.count, 5);
	assert_int_equal(e.kept, 4);

	/* Past IAMPW_ERR_PROBLEMS: counted, and the marker comes last. */
	iampw_err_init(&e);
	for (unsigned i = 1; i <= IAMPW_ERR_PROBLEMS + 5; i++)
		iampw_err_at(&e, i == 1 ? IAMPW_E_UNSAFE : IAMPW_E_PARSE, "f", i, "x");
	assert_int_equal(e.count, IAMPW_ERR_PROBLEMS + 5);
	assert_int_equal(e.kept, IAMPW_ERR_PROBLEMS);
	assert_true(e.cut);
	assert_string_equal(e.text + e.len - strlen(cut_line), cut_line);
	check_records_match_text(&e);
	memset(&s, 0, sizeof s);
	iampw_err_init(&e);
	iampw_err_at(&e, IAMPW_E_PARSE, "f", 1, "x");
	e.cut = true; /* as after an overflow: the marker is handed over last */
	iampw_err_each(&e, keep_problem, &s);
	assert_int_equal(s.n, 2);
	assert_false(s.p[1].has_file);
	assert_string_equal(s.p[1].text, "(further problems not shown)");
}

/* A file name longer than the room left is cut inside the prefix. */
static void test_err_records_cut_file(void **state)
{
	struct iampw_err e;
	char *name = malloc(IAMPW_ERR_TEXT + 10);
	struct seen s = { 0 };

	(void)state;
	assert_non_null(name);
	memset(name, 'n', IAMPW_ERR_TEXT + 9);
	name[IAMPW_ERR_TEXT + 9] = '\0';
	iampw_err_init(&e);
	iampw_err_at(&e, IAMPW_E_PARSE, name, 2, "never shown");
	assert_true(e.cut);
	assert_null(strstr(e.text, "never"));
	check_records_match_text(&e);
	iampw_err_each(&e, keep_problem, &s);
	assert_int_equal(s.n, 2);
	assert_true(s.p[0].has_file);
	assert_int_equal(s.p[0].file[0], 'n');
	assert_int_equal(s.p[0].line, 2);
	assert_string_equal(s.p[0].text, "");
	assert_string_equal(s.p[1].text, "(further problems not shown)");
	free(name);
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(iampw_strerror(IAMPW_OK), "success");
	assert_string_equal(iampw_strerror(IAMPW_E_NOMEM), "out of memory");
	assert_string_equal(iampw_strerror(IAMPW_E_IO), "input/output error");
	assert_string_equal(iampw_strerror(IAMPW_E_NOENT), "no such file or profile");
	assert_string_equal(iampw_strerror(IAMPW_E_UNSAFE), "unsafe file");
	assert_string_equal(iampw_strerror(IAMPW_E_PARSE), "invalid content");
	assert_string_equal(iampw_strerror(IAMPW_E_INVAL), "invalid argument");
	assert_string_equal(iampw_strerror(IAMPW_E_BUSY), "locked by another change");
	assert_string_equal(iampw_strerror(IAMPW_E_CRYPT), "hashing failed");
	assert_string_equal(iampw_strerror(-9), "unknown error");
	assert_string_equal(iampw_strerror(1), "unknown error");
}

static void test_ct_equal(void **state)
{
	unsigned char a[64], b[64];

	(void)state;
	for (size_t i = 0; i < sizeof a; i++)
		a[i] = b[i] = (unsigned char)(i * 7 + 1);
	assert_true(iampw_ct_equal(a, b, sizeof a));
	assert_true(iampw_ct_equal(a, b, 0));
	assert_true(iampw_ct_equal("abc", "abd", 2));
	assert_false(iampw_ct_equal("abc", "abd", 3));
	/* A difference at any single byte, in any bit, is seen. */
	for (size_t i = 0; i < sizeof a; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			b[i] ^= (unsigned char)(1u << bit);
			assert_false(iampw_ct_equal(a, b, sizeof a));
			assert_true(iampw_ct_equal(a, b, i));
			b[i] ^= (unsigned char)(1u << bit);
		}
	}
	assert_true(iampw_ct_equal(a, b, sizeof a));
}

static void test_wipe(void **state)
{
	unsigned char buf[16];
	char *s;

	(void)state;
	memset(buf, 0xa5, sizeof buf);
	iampw_wipe(buf, 8);
	for (size_t i = 0; i < sizeof buf; i++)
		assert_int_equal(buf[i], i < 8 ? 0 : 0xa5);
	iampw_wipe(NULL, 10);
	iampw_wipe(buf, 0);
	iampw_wipe_free(NULL);
	s = strdup("a secret");
	assert_non_null(s);
	iampw_wipe_free(s);
	s = strdup("");
	assert_non_null(s);
	iampw_wipe_free(s);
}

/* The one string builder, growable: every byte kept, in order, NUL-terminated. */
static void test_buf_growable(void **state)
{
	struct iampw_buf b = { 0 };
	char want[3 * 1000 + 64];
	size_t n = 0;

	(void)state;
	for (unsigned i = 0; i < 1000; i++) {
		iampw_buf_printf(&b, "%03u", i);
		n += (size_t)snprintf(want + n, sizeof want - n, "%03u", i);
	}
	iampw_buf_fill(&b, '-', 3);
	iampw_buf_add(&b, "a\0b", 3);
	iampw_buf_str(&b, "end");
	memcpy(want + n, "---a\0bend", 10);
	n += 9;
	assert_false(b.failed);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.p, want, n);
	assert_int_equal(b.p[b.len], '\0');
	assert_true(b.cap > b.len);
	iampw_buf_free(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	/* A size that cannot be had: sticky failure, nothing appended after it. */
	iampw_buf_str(&b, "x");
	iampw_buf_reserve(&b, SIZE_MAX - 1);
	assert_true(b.failed);
	iampw_buf_str(&b, "y");
	assert_string_equal(b.p, "x");
	iampw_buf_free(&b);
}

/* Over the caller's memory: cut to fit (add), all or nothing (printf), never grown. */
static void test_buf_fixed(void **state)
{
	struct iampw_buf b;
	char mem[8];

	(void)state;
	iampw_buf_init_fixed(&b, mem, sizeof mem);
	assert_string_equal(mem, "");
	iampw_buf_str(&b, "abc");
	iampw_buf_printf(&b, "%d", 1234);
	assert_false(b.failed);
	assert_string_equal(mem, "abc1234");
	iampw_buf_init_fixed(&b, mem, sizeof mem);
	iampw_buf_printf(&b, "%s", "12345678");
	assert_true(b.failed);
	assert_int_equal(b.len, 0);
	iampw_buf_init_fixed(&b, mem, sizeof mem);
	iampw_buf_str(&b, "abcdef");
	iampw_buf_str(&b, "ghij");
	assert_true(b.failed);
	assert_string_equal(mem, "abcdefg");
	iampw_buf_fill(&b, 'z', 1);
	assert_string_equal(mem, "abcdefg");
	iampw_buf_free(&b);     /* not ours: nothing freed */
	assert_string_equal(mem, "abcdefg");
	/* No memory at all: every append is a failure, nothing is written. */
	iampw_buf_init_fixed(&b, NULL, 100);
	iampw_buf_str(&b, "x");
	assert_true(b.failed);
	assert_int_equal(b.len, 0);
}

/* The one NSS buffer growth: doubles up to the cap, and never loses the buffer. */
static void test_nss_grow(void **state)
{
	size_t size = 1024, steps = 0;
	char *buf = malloc(size), *old;

	(void)state;
	assert_non_null(buf);
	memset(buf, 'h', size);
	while (size < IAMPW_NSS_BUF_MAX) {
		assert_int_equal(iampw_nss_grow(&buf, &size), 0);
		steps++;
	}
	assert_int_equal(size, IAMPW_NSS_BUF_MAX);
	assert_int_equal(steps, 10);
	old = buf;
	assert_int_equal(iampw_nss_grow(&buf, &size), ERANGE);
	assert_ptr_equal(buf, old);
	assert_int_equal(size, IAMPW_NSS_BUF_MAX);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64_table),
		cmocka_unit_test(test_parse_u64_sweep),
		cmocka_unit_test(test_parse_bool),
		cmocka_unit_test(test_nss_grow),
		cmocka_unit_test(test_buf_growable),
		cmocka_unit_test(test_buf_fixed),
		cmocka_unit_test(test_sat_sub),
		cmocka_unit_test(test_sat_add),
		cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_iso8601_calendar),
		cmocka_unit_test(test_err_init),
		cmocka_unit_test(test_err_accumulates),
		cmocka_unit_test(test_err_truncation_long_lines),
		cmocka_unit_test(test_err_truncation_one_huge_line),
		cmocka_unit_test(test_err_truncation_every_length),
		cmocka_unit_test(test_err_records),
		cmocka_unit_test(test_err_records_cut_file),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_wipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
