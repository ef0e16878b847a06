/*
 * Unit tests of lib/ini.c (the strict INI reader and its typed getters)
 * and lib/file.c (opening the files we trust).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/mman.h>

#include "helpers.h"
#include "internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Sections [a] and [b] with keys k, k1, k2, n, flag, name; [c] has none. */
static bool known_ab(const char *section, const char *key)
{
	static const char *const keys[] = { "k", "k1", "k2", "n", "flag", "name" };

	if (strcmp(section, "c") == 0)
		return key == NULL;
	if (strcmp(section, "a") != 0 && strcmp(section, "b") != 0)
		return false;
	if (key == NULL)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (strcmp(key, keys[i]) == 0)
			return true;
	}
	return false;
}

/*
 * Load `len` bytes as a file (a memfd), with a fresh collector in *e:
 * the scanner and iniparser's cross-check, as for a file on disk.
 */
static int load_n(const char *text, size_t len, iampw_ini_known_fn known,
		  struct iampw_ini **ini, struct iampw_err *e)
{
	int fd = memfd_create("t.ini", MFD_CLOEXEC), rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	iampw_err_init(e);
	*ini = (struct iampw_ini *)(uintptr_t)1;   /* must become NULL on failure */
	rc = iampw_ini_load_fd(fd, "t.ini", IAMPW_CONF_SIZE_MAX, known, ini, e);
	close(fd);
	return rc;
}

static int load(const char *text, iampw_ini_known_fn known,
		struct iampw_ini **ini, struct iampw_err *e)
{
	return load_n(text, strlen(text), known, ini, e);
}

/* The text must be refused with exactly these lines of report. */
static void expect_refused_n(const char *text, size_t len,
			     iampw_ini_known_fn known, int code,
			     unsigned count, const char *report)
{
	struct iampw_ini *ini;
	struct iampw_err e;
	int rc = load_n(text, len, known, &ini, &e);

	if (rc != code || strcmp(e.text, report) != 0)
		fail_msg("rc %d (want %d), report:\n%s\nwant:\n%s", rc, code,
			 e.text, report);
	assert_null(ini);
	assert_int_equal(e.code, code);
	assert_int_equal(e.count, count);
}

static void expect_refused(const char *text, iampw_ini_known_fn known,
			   unsigned count, const char *report)
{
	expect_refused_n(text, strlen(text), known, IAMPW_E_PARSE, count, report);
}

/* section:key must be `value`, found on `line`. */
static void check_value(const struct iampw_ini *ini, const char *section,
			 const char *key, const char *value, unsigned line)
{
	unsigned got_line = 9999;
	const char *v = iampw_ini_get(ini, section, key, &got_line);

	if (v == NULL)
		fail_msg("%s:%s missing", section, key);
	assert_string_equal(v, value);
	assert_int_equal(got_line, line);
	/* The line pointer is optional. */
	assert_string_equal(iampw_ini_get(ini, section, key, NULL), value);
}

static void test_comments_and_blanks(void **state)
{
	static const char text[] =
		"; a comment\n"
		"# another comment\n"
		"\n"
		"   \t \n"
		"  ; indented comment\n"
		"[a]   \t\n"
		"k = v\n"
		"k1 = value ; inline comment\n"
		"k2 = value2# hash comment\n"
		"\tname\t=\t  hello  world \t\n"
		"n=42\n"
		"flag =\n"
		"[b]\n"
		"k = ;only a comment\n"
		"[c]\n";
	struct iampw_ini *ini;
	struct iampw_err e;
	unsigned line = 77;

	(void)state;
	assert_int_equal(load(text, known_ab, &ini, &e), IAMPW_OK);
	assert_non_null(ini);
	assert_int_equal(e.count, 0);
	assert_string_equal(e.text, "");
	check_value(ini, "a", "k", "v", 7);
	check_value(ini, "a", "k1", "value", 8);
	check_value(ini, "a", "k2", "value2", 9);
	check_value(ini, "a", "name", "hello  world", 10);
	check_value(ini, "a", "n", "42", 11);
	check_value(ini, "a", "flag", "", 12);
	check_value(ini, "b", "k", "", 14);
	assert_true(iampw_ini_has_section(ini, "a"));
	assert_true(iampw_ini_has_section(ini, "b"));
	assert_true(iampw_ini_has_section(ini, "c"));
	assert_false(iampw_ini_has_section(ini, "d"));
	assert_false(iampw_ini_has_section(ini, "A"));
	/* Absent keys: NULL, and the line is left alone. */
	assert_null(iampw_ini_get(ini, "b", "k1", &line));
	assert_int_equal(line, 77);
	assert_null(iampw_ini_get(ini, "c", "k", &line));
	assert_null(iampw_ini_get(ini, "z", "k", &line));
	assert_int_equal(line, 77);
	assert_string_equal(iampw_ini_display(ini), "t.ini");
	iampw_ini_free(ini);
	iampw_ini_free(NULL);
}

static void test_crlf(void **state)
{
	struct iampw_ini *ini;
	struct iampw_err e;

	(void)state;
	assert_int_equal(load("[a]\r\nk = v\r\nk1 = w ; c\r\n\r\n[b]\r\nk=x", known_ab,
			      &ini, &e), IAMPW_OK);
	check_value(ini, "a", "k", "v", 2);
	check_value(ini, "a", "k1", "w", 3);
	check_value(ini, "b", "k", "x", 6);
	iampw_ini_free(ini);
}

static void test_empty_file(void **state)
{
	struct iampw_ini *ini;
	struct iampw_err e;

	(void)state;
	assert_int_equal(load_n("", 0, known_ab, &ini, &e), IAMPW_OK);
	assert_non_null(ini);
	assert_int_equal(e.count, 0);
	assert_false(iampw_ini_has_section(ini, "a"));
	assert_null(iampw_ini_get(ini, "a", "k", NULL));
	iampw_ini_free(ini);

	/* Only comments and blank lines, no final newline. */
	assert_int_equal(load("; nothing\n\n# here", known_ab, &ini, &e), IAMPW_OK);
	assert_false(iampw_ini_has_section(ini, "a"));
	iampw_ini_free(ini);
}

/* known == NULL accepts every well-formed section and key. */
static void test_known_null_and_many_keys(void **state)
{
	char *text = malloc(64 * 1024);
	size_t len = 0;
	struct iampw_ini *ini;
	struct iampw_err e;
	char sec[16], key[16], val[32];

	(void)state;
	assert_non_null(text);
	for (unsigned s = 0; s < 100; s++) {
		len += (size_t)sprintf(text + len, "[s%u]\n", s);
		for (unsigned k = 0; k < 20; k++)
			len += (size_t)sprintf(text + len, "k%u = v%u_%u\n", k, s, k);
	}
	assert_int_equal(load_n(text, len, NULL, &ini, &e), IAMPW_OK);
	for (unsigned s = 0; s < 100; s++) {
		snprintf(sec, sizeof sec, "s%u", s);
		assert_true(iampw_ini_has_section(ini, sec));
		for (unsigned k = 0; k < 20; k++) {
			snprintf(key, sizeof key, "k%u", k);
			snprintf(val, sizeof val, "v%u_%u", s, k);
			check_value(ini, sec, key, val, s * 21 + k + 2);
		}
	}
	iampw_ini_free(ini);
	free(text);
}

static void test_bom(void **state)
{
	(void)state;
	expect_refused("\xef\xbb\xbf[a]\nk = v\n", known_ab, 1,
		       "t.ini:1: byte-order mark at the start of the file");
}

static void test_nul_byte(void **state)
{
	static const char text[] = "[a]\nk = v\nk1 = x\0y\nk2 = z\n";

	(void)state;
	expect_refused_n(text, sizeof text - 1, known_ab, IAMPW_E_PARSE, 1,
			 "t.ini:3: NUL byte");
	/* A NUL as the very last byte, on a line of its own. */
	expect_refused_n("[a]\n\0", 5, known_ab, IAMPW_E_PARSE, 1,
			 "t.ini:2: NUL byte");
}

/* "[a]\n" then one line of exactly `n` bytes (plus `eol`). */
static char *long_line_text(size_t n, const char *eol, size_t *len)
{
	char *t = malloc(n + 16);

	assert_non_null(t);
	assert_true(n >= 4);
	memcpy(t, "[a]\nk = ", 8);
	memset(t + 8, 'v', n - 4);
	strcpy(t + 4 + n, eol);
	*len = strlen(t);
	return t;
}

static void test_line_length(void **state)
{
	struct iampw_ini *ini;
	struct iampw_err e;
	size_t len;
	char *t;

	(void)state;
	/* 1000 bytes: accepted, with LF, CRLF or no line end. */
	for (int i = 0; i < 3; i++) {
		t = long_line_text(IAMPW_LINE_MAX, (const char *[]){ "\n", "\r\n", "" }[i], &len);
		assert_int_equal(load_n(t, len, known_ab, &ini, &e), IAMPW_OK);
		assert_int_equal(strlen(iampw_ini_get(ini, "a", "k", NULL)), IAMPW_LINE_MAX - 4);
		iampw_ini_free(ini);
		free(t);
	}
	/* 1001 bytes: refused, whatever the line end. */
	for (int i = 0; i < 3; i++) {
		t = long_line_text(IAMPW_LINE_MAX + 1, (const char *[]){ "\n", "\r\n", "" }[i], &len);
		expect_refused_n(t, len, known_ab, IAMPW_E_PARSE, 1,
				 "t.ini:2: line longer than 1000 bytes");
		free(t);
	}
	/* A 1000-byte comment line is fine, a 5000-byte one is not. */
	t = malloc(6000);
	assert_non_null(t);
	memset(t, ';', IAMPW_LINE_MAX);
	strcpy(t + IAMPW_LINE_MAX, "\n[a]\n");
	assert_int_equal(load(t, known_ab, &ini, &e), IAMPW_OK);
	assert_true(iampw_ini_has_section(ini, "a"));
	iampw_ini_free(ini);
	memset(t, '#', 5000);
	strcpy(t + 5000, "\n[a]\n");
	expect_refused(t, known_ab, 1, "t.ini:1: line longer than 1000 bytes");
	free(t);
}

static void test_key_before_section(void **state)
{
	(void)state;
	expect_refused("; header\nk = v\n[a]\n", known_ab, 1,
		       "t.ini:2: key 'k' outside a valid section");
}

static void test_duplicate_key(void **state)
{
	(void)state;
	expect_refused("[a]\nk = 1\nk1 = 2\nk = 3\n", known_ab, 1,
		       "t.ini:4: key 'k' repeated (first on line 2)");
	/* The same value twice is still a repeat. */
	expect_refused("[a]\nk = 1\nk = 1\n", known_ab, 1,
		       "t.ini:3: key 'k' repeated (first on line 2)");
}

static void test_duplicate_section(void **state)
{
	(void)state;
	/* The keys under the repeat are not attached to anything. */
	expect_refused("[a]\nk = 1\n[b]\n[a]\nk1 = 2\n", known_ab, 2,
		       "t.ini:4: section [a] repeated (first on line 1)\n"
		       "t.ini:5: key 'k1' outside a valid section");
}

static void test_section_names(void **state)
{
	static const char *const bad[] = {
		"[Policy]", "[a b]", "[ a ]", "[]", "[a:b]", "[a-b]", "[a.b]",
		"[\xc3\xa9]",
		"[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]",
	};
	char text[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof text, "%s\nk = v\n", bad[i]);
		expect_refused(text, NULL, 2,
			       "t.ini:1: section names are 1 to 64 characters of a-z, 0-9 and _\n"
			       "t.ini:2: key 'k' outside a valid section");
	}
	expect_refused("[a\nk = v\n", NULL, 2,
		       "t.ini:1: section header without ']'\n"
		       "t.ini:2: key 'k' outside a valid section");
	expect_refused("[a]]\n", NULL, 1, "t.ini:1: text after the section header");
	expect_refused("[a] x\n", NULL, 1, "t.ini:1: text after the section header");
	expect_refused("[a][b]\n", NULL, 1, "t.ini:1: text after the section header");
	/* iniparser 4.1 fails a whole file with a comment after a header. */
	expect_refused("[a] ; comment\nk = v\n", NULL, 2,
		       "t.ini:1: text after the section header\n"
		       "t.ini:2: key 'k' outside a valid section");
	expect_refused("[a]# comment\n", NULL, 1,
		       "t.ini:1: text after the section header");
	/* 64 characters is the longest name. */
	{
		struct iampw_ini *ini;
		struct iampw_err e;
		char name[65];

		memset(name, 'x', 64);
		name[64] = '\0';
		snprintf(text, sizeof text, "[%s]\nk = v\n", name);
		assert_int_equal(load(text, NULL, &ini, &e), IAMPW_OK);
		check_value(ini, name, "k", "v", 2);
		iampw_ini_free(ini);
	}
}

static void test_key_names(void **state)
{
	(void)state;
	expect_refused("[a]\nK = v\n", NULL, 1,
		       "t.ini:2: key names are 1 to 64 characters of a-z, 0-9 and _");
	expect_refused("[a]\n= v\n", NULL, 1,
		       "t.ini:2: key names are 1 to 64 characters of a-z, 0-9 and _");
	expect_refused("[a]\nk x = v\n", NULL, 1,
		       "t.ini:2: key names are 1 to 64 characters of a-z, 0-9 and _");
	expect_refused("[a]\na:k = v\n", NULL, 1,
		       "t.ini:2: key names are 1 to 64 characters of a-z, 0-9 and _");
	expect_refused("[a]\njust words\n", NULL, 1, "t.ini:2: expected 'key = value'");
}

static void test_key_named_like_section(void **state)
{
	(void)state;
	expect_refused("[a]\nb = 1\n[b]\nk = 2\n", NULL, 1,
		       "t.ini:2: key 'b' has the name of a section");
	expect_refused("[a]\na = 1\n", NULL, 1,
		       "t.ini:2: key 'a' has the name of a section");
}

static void test_unknown_key_and_section(void **state)
{
	(void)state;
	expect_refused("[a]\nk = 1\nzz = 2\n", known_ab, 1,
		       "t.ini:3: unknown key 'zz' in [a]");
	/* [c] allows no key at all. */
	expect_refused("[c]\nk = 1\n", known_ab, 1, "t.ini:2: unknown key 'k' in [c]");
	/* The keys of an unknown section are not reported one by one. */
	expect_refused("[a]\nk = 1\n[zzz]\nk = 2\nfoo = 3\n", known_ab, 1,
		       "t.ini:3: unknown section [zzz]");
}

static void test_line_continuation(void **state)
{
	(void)state;
	expect_refused("[a]\nk = v \\\nk1 = w\n", known_ab, 1,
		       "t.ini:2: line continuation ('\\') not allowed");
	expect_refused("[a]\nk = v\\\r\n", known_ab, 1,
		       "t.ini:2: line continuation ('\\') not allowed");
	expect_refused("[a]\\\nk = v\n", known_ab, 2,
		       "t.ini:1: line continuation ('\\') not allowed\n"
		       "t.ini:2: key 'k' outside a valid section");
	/*
	 * iniparser joins a comment ending in '\' with the next line too,
	 * which would swallow the key below it.
	 */
	expect_refused("[a]\n; comment \\\nk = v\n", known_ab, 1,
		       "t.ini:2: line continuation ('\\') not allowed");
	expect_refused("[a]\nk = v ; comment \\\nk1 = w\n", known_ab, 1,
		       "t.ini:2: line continuation ('\\') not allowed");
}

static void test_quotes_and_plain_values(void **state)
{
	static const char *const bad[] = {
		"k = \"v\"", "k = 'v'", "k = a\"b", "k = it's",
		"k = caf\xc3\xa9", "k = \"\"",
	};
	char text[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof text, "[a]\n%s\n", bad[i]);
		expect_refused(text, known_ab, 1,
			       "t.ini:2: key 'k': values are plain ASCII without quotes");
	}
	/* Quotes inside a comment are only comment; '=' is a plain byte. */
	{
		struct iampw_ini *ini;
		struct iampw_err e;

		assert_int_equal(load("[a]\nk = $6$rounds=5000$abc/.\nk1==v\nk2 = a = b\n",
				      known_ab, &ini, &e), IAMPW_OK);
		check_value(ini, "a", "k", "$6$rounds=5000$abc/.", 2);
		check_value(ini, "a", "k1", "=v", 3);
		check_value(ini, "a", "k2", "a = b", 4);
		iampw_ini_free(ini);

		assert_int_equal(load("[a]\nk = v ; \"quoted\" = 'x'\n", known_ab, &ini, &e),
				 IAMPW_OK);
		check_value(ini, "a", "k", "v", 2);
		iampw_ini_free(ini);
	}
}

static void test_control_characters(void **state)
{
	(void)state;
	expect_refused("[a]\nk = a\x01" "b\n", known_ab, 1, "t.ini:2: control character 0x01");
	expect_refused("[a]\nk = a\x1b[0m\n", known_ab, 1, "t.ini:2: control character 0x1b");
	expect_refused("[a]\nk = a\x7f\n", known_ab, 1, "t.ini:2: control character 0x7f");
	/* A lone CR (not before the LF) is a control character. */
	expect_refused("[a]\nk = a\rb\n", known_ab, 1, "t.ini:2: control character 0x0d");
	expect_refused("[a]\nk = a\r\r\n", known_ab, 1, "t.ini:2: control character 0x0d");
	expect_refused("[a]\n\x0c\n", known_ab, 1, "t.ini:2: control character 0x0c");
	expect_refused("[a]\n; comment \x0b\n", known_ab, 1, "t.ini:2: control character 0x0b");
}

/* Every problem of a file is reported, each with its line, in order. */
static void test_all_problems_reported(void **state)
{
	static const char text[] =
		"k = 1\n"               /* 1: before any section */
		"[a]\n"
		"k = 1\n"
		"k = 2\n"               /* 4: repeated */
		"zz = 3\n"              /* 5: unknown key */
		"k1 = \"q\"\n"          /* 6: quotes */
		"[Upper]\n"             /* 7: bad section name */
		"k = 4\n"               /* 8: outside a valid section */
		"[b]\n"
		"k2 = a\x02\n"          /* 10: control character */
		"n = 5 \\\n"            /* 11: continuation */
		"[zz]\n"                /* 12: unknown section */
		"[a]\n"                 /* 13: repeated section */
		"garbage\n";            /* 14: not key = value */

	(void)state;
	expect_refused(text, known_ab, 11,
		       "t.ini:1: key 'k' outside a valid section\n"
		       "t.ini:4: key 'k' repeated (first on line 3)\n"
		       "t.ini:5: unknown key 'zz' in [a]\n"
		       "t.ini:6: key 'k1': values are plain ASCII without quotes\n"
		       "t.ini:7: section names are 1 to 64 characters of a-z, 0-9 and _\n"
		       "t.ini:8: key 'k' outside a valid section\n"
		       "t.ini:10: control character 0x02\n"
		       "t.ini:11: line continuation ('\\') not allowed\n"
		       "t.ini:12: unknown section [zz]\n"
		       "t.ini:13: section [a] repeated (first on line 2)\n"
		       "t.ini:14: expected 'key = value'");
}

static void test_buffer_too_large(void **state)
{
	size_t len = IAMPW_CONF_SIZE_MAX + 1;
	char *t = malloc(len);

	(void)state;
	assert_non_null(t);
	memset(t, '\n', len);
	expect_refused_n(t, len, known_ab, IAMPW_E_UNSAFE, 1,
			 "t.ini: larger than 65536 bytes");
	/* Exactly the cap is fine. */
	{
		struct iampw_ini *ini;
		struct iampw_err e;

		memcpy(t, "[a]\n", 4);
		assert_int_equal(load_n(t, len - 1, known_ab, &ini, &e), IAMPW_OK);
		assert_true(iampw_ini_has_section(ini, "a"));
		iampw_ini_free(ini);
	}
	free(t);
}

/* Typed getters. */
static void test_get_u64(void **state)
{
	static const char text[] =
		"[a]\n"
		"n = 42\n"
		"k = 101\n"
		"k1 = 0x10\n"
		"k2 = -1\n"
		"name = 99999999999999999999\n"
		"flag = 0123456789012345678901234567890123456789012345678901234567890\n";
	struct iampw_ini *ini;
	struct iampw_err e;
	uint64_t v;

	(void)state;
	assert_int_equal(load(text, known_ab, &ini, &e), IAMPW_OK);
	v = 7;
	assert_int_equal(iampw_ini_get_u64(ini, "a", "n", 0, 100, &v, &e), IAMPW_OK);
	assert_true(v == 42);
	assert_int_equal(iampw_ini_get_u64(ini, "a", "n", 42, 42, &v, &e), IAMPW_OK);
	assert_true(v == 42);
	/* Absent: OK and untouched. */
	v = 7;
	assert_int_equal(iampw_ini_get_u64(ini, "b", "n", 0, 100, &v, &e), IAMPW_OK);
	assert_true(v == 7);
	assert_int_equal(e.count, 0);

	assert_int_equal(iampw_ini_get_u64(ini, "a", "k", 0, 100, &v, &e), IAMPW_E_PARSE);
	assert_int_equal(iampw_ini_get_u64(ini, "a", "n", 43, 100, &v, &e), IAMPW_E_PARSE);
	assert_int_equal(iampw_ini_get_u64(ini, "a", "k1", 0, 100, &v, &e), IAMPW_E_PARSE);
	assert_int_equal(iampw_ini_get_u64(ini, "a", "k2", 0, 100, &v, &e), IAMPW_E_PARSE);
	assert_int_equal(iampw_ini_get_u64(ini, "a", "name", 0, 100, &v, &e), IAMPW_E_PARSE);
	assert_int_equal(iampw_ini_get_u64(ini, "a", "flag", 0, 100, &v, &e), IAMPW_E_PARSE);
	assert_true(v == 7);
	assert_int_equal(e.count, 6);
	assert_string_equal(e.text,
		"t.ini:3: k: 101 is out of range (0 to 100)\n"
		"t.ini:2: n: 42 is out of range (43 to 100)\n"
		"t.ini:4: k1: not a plain base-10 number: '0x10'\n"
		"t.ini:5: k2: '-1' is out of range (0 to 100)\n"
		"t.ini:6: name: '99999999999999999999' is out of range (0 to 100)\n"
		"t.ini:7: flag: not a plain base-10 number: '0123456789012345678901234567890123456789'");
	iampw_ini_free(ini);
}

static void test_get_bool(void **state)
{
	static const char text[] =
		"[a]\nk = yes\nk1 = 0\nk2 = on\nn = TRUE\nflag =\n";
	struct iampw_ini *ini;
	struct iampw_err e;
	bool b;

	(void)state;
	assert_int_equal(load(text, known_ab, &ini, &e), IAMPW_OK);
	b = false;
	assert_int_equal(iampw_ini_get_bool(ini, "a", "k", &b, &e), IAMPW_OK);
	assert_true(b);
	assert_int_equal(iampw_ini_get_bool(ini, "a", "k1", &b, &e), IAMPW_OK);
	assert_false(b);
	b = true;
	assert_int_equal(iampw_ini_get_bool(ini, "a", "name", &b, &e), IAMPW_OK);
	assert_true(b);
	assert_int_equal(iampw_ini_get_bool(ini, "a", "k2", &b, &e), IAMPW_E_PARSE);
	assert_int_equal(iampw_ini_get_bool(ini, "a", "n", &b, &e), IAMPW_E_PARSE);
	assert_int_equal(iampw_ini_get_bool(ini, "a", "flag", &b, &e), IAMPW_E_PARSE);
	assert_true(b);
	assert_int_equal(e.count, 3);
	assert_string_equal(e.text,
		"t.ini:4: k2: not one of true/false/yes/no/1/0: 'on'\n"
		"t.ini:5: n: not one of true/false/yes/no/1/0: 'TRUE'\n"
		"t.ini:6: flag: not one of true/false/yes/no/1/0: ''");
	iampw_ini_free(ini);
}

/* ---------------------------------------------------------------------- */
/* Files: iampw_open_safe + iampw_ini_load_fd                             */

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

/* Open dir/name as the loaders do, trusting `owner`. */
static int open_as(const char *dir, const char *name, uid_t owner, int *fd,
		   struct iampw_err *e)
{
	int rc;

	iampw_err_init(e);
	*fd = 12345;
	rc = iampw_open_safe(AT_FDCWD, th_path(dir, name), "t.ini", owner,
			     IAMPW_CONF_SIZE_MAX, fd, e);
	if (rc != IAMPW_OK)
		assert_int_equal(*fd, -1);
	else
		assert_true(*fd >= 0);
	return rc;
}

/* open_as must fail with `code` and exactly `report`. */
static void expect_unsafe(const char *dir, const char *name, uid_t owner,
			  int code, const char *report)
{
	struct iampw_err e;
	int fd;

	assert_int_equal(open_as(dir, name, owner, &fd, &e), code);
	assert_string_equal(e.text, report);
	assert_int_equal(e.code, code);
	assert_int_equal(e.count, 1);
}

static void test_file_ok(void **state)
{
	const char *dir = *state;
	struct iampw_ini *ini;
	struct iampw_err e;
	int fd, dfd;

	th_write_str(dir, "t.ini", "[a]\nk = v\n[b]\nn = 3\n");
	assert_int_equal(open_as(dir, "t.ini", geteuid(), &fd, &e), IAMPW_OK);
	/* The fd is close-on-exec and blocking again. */
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
	/* Read from the start, wherever the offset is. */
	assert_true(lseek(fd, 0, SEEK_END) > 0);
	assert_int_equal(iampw_ini_load_fd(fd, "t.ini", IAMPW_CONF_SIZE_MAX, known_ab,
					   &ini, &e), IAMPW_OK);
	assert_int_equal(close(fd), 0);
	check_value(ini, "a", "k", "v", 2);
	check_value(ini, "b", "n", "3", 4);
	iampw_ini_free(ini);

	/* 0600 and 0400 are fine too; so is a name relative to a dir fd. */
	th_write(dir, "t.ini", "[a]\n", 4, 0400);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(iampw_open_safe(dfd, "t.ini", "t.ini", geteuid(),
					 IAMPW_CONF_SIZE_MAX, &fd, &e), IAMPW_OK);
	assert_int_equal(close(fd), 0);
	assert_int_equal(close(dfd), 0);
	assert_int_equal(e.count, 0);
}

static void test_file_missing(void **state)
{
	const char *dir = *state;
	struct iampw_err e;
	int fd;

	/* Absent: NOENT and no message (the caller decides what it means). */
	assert_int_equal(open_as(dir, "nothing", geteuid(), &fd, &e), IAMPW_E_NOENT);
	assert_int_equal(e.count, 0);
	assert_string_equal(e.text, "");
	/* A missing directory on the way is the same. */
	assert_int_equal(open_as(dir, "nodir/t.ini", geteuid(), &fd, &e), IAMPW_E_NOENT);
	assert_int_equal(e.count, 0);
}

static void test_file_symlink(void **state)
{
	const char *dir = *state;
	char target[PATH_MAX];

	th_write_str(dir, "real.ini", "[a]\n");
	snprintf(target, sizeof target, "%s", th_path(dir, "real.ini"));
	assert_int_equal(symlink(target, th_path(dir, "t.ini")), 0);
	expect_unsafe(dir, "t.ini", geteuid(), IAMPW_E_UNSAFE, "t.ini: is a symbolic link");
	/* A dangling symlink too. */
	assert_int_equal(unlink(th_path(dir, "t.ini")), 0);
	assert_int_equal(symlink("/nonexistent/iampw", th_path(dir, "t.ini")), 0);
	expect_unsafe(dir, "t.ini", geteuid(), IAMPW_E_UNSAFE, "t.ini: is a symbolic link");
}

static void test_file_writable_by_others(void **state)
{
	const char *dir = *state;

	th_write(dir, "t.ini", "[a]\n", 4, 0666);
	expect_unsafe(dir, "t.ini", geteuid(), IAMPW_E_UNSAFE,
		      "t.ini: writable by group or others (mode 0666)");
	th_write(dir, "t.ini", "[a]\n", 4, 0664);
	expect_unsafe(dir, "t.ini", geteuid(), IAMPW_E_UNSAFE,
		      "t.ini: writable by group or others (mode 0664)");
	th_write(dir, "t.ini", "[a]\n", 4, 0602);
	expect_unsafe(dir, "t.ini", geteuid(), IAMPW_E_UNSAFE,
		      "t.ini: writable by group or others (mode 0602)");
	th_write(dir, "t.ini", "[a]\n", 4, 04620);
	expect_unsafe(dir, "t.ini", geteuid(), IAMPW_E_UNSAFE,
		      "t.ini: writable by group or others (mode 4620)");
	/* Readable by all is fine. */
	th_write(dir, "t.ini", "[a]\n", 4, 0644);
	{
		struct iampw_err e;
		int fd;

		assert_int_equal(open_as(dir, "t.ini", geteuid(), &fd, &e), IAMPW_OK);
		close(fd);
	}
}

static void test_file_fifo(void **state)
{
	const char *dir = *state;

	assert_int_equal(mkfifo(th_path(dir, "t.ini"), 0600), 0);
	/* Opening a FIFO for reading would block forever: die instead. */
	alarm(10);
	expect_unsafe(dir, "t.ini", geteuid(), IAMPW_E_UNSAFE, "t.ini: is a FIFO");
	alarm(0);
}

static void test_file_directory_and_device(void **state)
{
	const char *dir = *state;
	struct iampw_err e;
	int fd;

	assert_int_equal(mkdir(th_path(dir, "t.ini"), 0700), 0);
	expect_unsafe(dir, "t.ini", geteuid(), IAMPW_E_UNSAFE, "t.ini: is a directory");
	iampw_err_init(&e);
	assert_int_equal(iampw_open_safe(AT_FDCWD, "/dev/null", "null", geteuid(),
					 IAMPW_CONF_SIZE_MAX, &fd, &e), IAMPW_E_UNSAFE);
	assert_string_equal(e.text, "null: is a device");
	assert_int_equal(fd, -1);
}

static void test_file_too_large(void **state)
{
	const char *dir = *state;
	size_t big = 10 * 1024 * 1024;
	char *data = malloc(big);
	struct iampw_ini *ini;
	struct iampw_err e;
	int fd;

	assert_non_null(data);
	memset(data, '\n', big);
	th_write(dir, "t.ini", data, big, 0644);
	expect_unsafe(dir, "t.ini", geteuid(), IAMPW_E_UNSAFE,
		      "t.ini: larger than 65536 bytes");

	/* Sparse: no data blocks, but the size is what counts. */
	unlink(th_path(dir, "t.ini"));
	fd = open(th_path(dir, "t.ini"), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)big), 0);
	assert_int_equal(close(fd), 0);
	expect_unsafe(dir, "t.ini", geteuid(), IAMPW_E_UNSAFE,
		      "t.ini: larger than 65536 bytes");

	/* One byte over the cap is refused, the cap itself is not. */
	memcpy(data, "[a]\n", 4);
	th_write(dir, "t.ini", data, IAMPW_CONF_SIZE_MAX + 1, 0644);
	expect_unsafe(dir, "t.ini", geteuid(), IAMPW_E_UNSAFE,
		      "t.ini: larger than 65536 bytes");
	th_write(dir, "t.ini", data, IAMPW_CONF_SIZE_MAX, 0644);
	assert_int_equal(open_as(dir, "t.ini", geteuid(), &fd, &e), IAMPW_OK);
	assert_int_equal(iampw_ini_load_fd(fd, "t.ini", IAMPW_CONF_SIZE_MAX, known_ab,
					   &ini, &e), IAMPW_OK);
	assert_true(iampw_ini_has_section(ini, "a"));
	iampw_ini_free(ini);

	/* load_fd enforces its own cap while reading. */
	iampw_err_init(&e);
	assert_int_equal(iampw_ini_load_fd(fd, "t.ini", 100, known_ab, &ini, &e),
			 IAMPW_E_UNSAFE);
	assert_null(ini);
	assert_string_equal(e.text, "t.ini: larger than 100 bytes");
	assert_int_equal(close(fd), 0);
	free(data);
}

/*
 * A file owned by someone else than root and the trusted owner.  As root
 * the file is chowned to uid 12345; otherwise our own file is opened
 * while trusting another uid.
 */
static void test_file_foreign_owner(void **state)
{
	const char *dir = *state;
	char report[128];
	struct iampw_err e;
	int fd;

	th_write_str(dir, "t.ini", "[a]\n");
	if (geteuid() == 0) {
		assert_int_equal(chown(th_path(dir, "t.ini"), 12345, 12345), 0);
		expect_unsafe(dir, "t.ini", 0, IAMPW_E_UNSAFE,
			      "t.ini: owned by uid 12345, not root");
		/* Trusted when it is the owner given. */
		assert_int_equal(open_as(dir, "t.ini", 12345, &fd, &e), IAMPW_OK);
		close(fd);
	} else {
		snprintf(report, sizeof report, "t.ini: owned by uid %lu, not root",
			 (unsigned long)geteuid());
		expect_unsafe(dir, "t.ini", geteuid() + 1, IAMPW_E_UNSAFE, report);
	}
}

static void test_check_dir(void **state)
{
	const char *dir = *state;
	struct iampw_err e;
	int dfd, fd;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(chmod(dir, 0700), 0);
	iampw_err_init(&e);
	assert_int_equal(iampw_check_dir(dfd, "d", geteuid(), &e), IAMPW_OK);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(iampw_check_dir(dfd, "d", geteuid(), &e), IAMPW_OK);
	assert_int_equal(e.count, 0);
	assert_int_equal(chmod(dir, 0770), 0);
	assert_int_equal(iampw_check_dir(dfd, "d", geteuid(), &e), IAMPW_E_UNSAFE);
	assert_string_equal(e.text, "d: writable by group or others (mode 0770)");
	assert_int_equal(chmod(dir, 01777), 0);
	iampw_err_init(&e);
	assert_int_equal(iampw_check_dir(dfd, "d", geteuid(), &e), IAMPW_E_UNSAFE);
	assert_string_equal(e.text, "d: writable by group or others (mode 1777)");
	assert_int_equal(chmod(dir, 0700), 0);
	iampw_err_init(&e);
	if (geteuid() == 0) {
		assert_int_equal(iampw_check_dir(dfd, "d", 12345, &e), IAMPW_OK);
		assert_int_equal(fchown(dfd, 12345, 0), 0);
		assert_int_equal(iampw_check_dir(dfd, "d", 0, &e), IAMPW_E_UNSAFE);
		assert_string_equal(e.text, "d: owned by uid 12345, not root");
		assert_int_equal(fchown(dfd, 0, 0), 0);
	} else {
		assert_int_equal(iampw_check_dir(dfd, "d", geteuid() + 1, &e), IAMPW_E_UNSAFE);
		assert_true(th_contains(e.text, ", not root"));
	}
	assert_int_equal(close(dfd), 0);

	/* A regular file is not a directory. */
	th_write_str(dir, "f", "x");
	fd = open(th_path(dir, "f"), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	iampw_err_init(&e);
	assert_int_equal(iampw_check_dir(fd, "f", geteuid(), &e), IAMPW_E_UNSAFE);
	assert_string_equal(e.text, "f: is a regular file");
	assert_int_equal(close(fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comments_and_blanks),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_known_null_and_many_keys),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_key_before_section),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_duplicate_section),
		cmocka_unit_test(test_section_names),
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_key_named_like_section),
		cmocka_unit_test(test_unknown_key_and_section),
		cmocka_unit_test(test_line_continuation),
		cmocka_unit_test(test_quotes_and_plain_values),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_all_problems_reported),
		cmocka_unit_test(test_buffer_too_large),
		cmocka_unit_test(test_get_u64),
		cmocka_unit_test(test_get_bool),
		cmocka_unit_test_setup_teardown(test_file_ok, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_file_missing, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_file_symlink, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_file_writable_by_others, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_file_fifo, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_file_directory_and_device, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_file_too_large, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_file_foreign_owner, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_check_dir, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
