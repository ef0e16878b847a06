/*
 * Printing a response as the AWS CLI v2 prints it (SPEC §6): --query
 * first, then --output json, text, table, yaml or yaml-stream, each byte
 * for byte as awscli's own formatter (tests/admin/test_awsfmt.sh runs
 * both on the same documents).
 *
 * Every format is rendered into memory first and then written with one
 * fwrite and a checked fflush.  So an error found half-way (an invalid
 * credential report, a failed allocation) leaves stdout untouched (§6.1),
 * and a full disk or a closed pipe is reported instead of being lost in
 * stdio's buffer.  The memory may hold a generated password (a top-level
 * "Password"): it is wiped when it grows and when it is released, and a
 * password that could not be printed (or that --query left out) goes to
 * stderr rather than being lost.
 *
 * A response that is NULL or an empty object prints nothing in every
 * format, as the AWS CLI prints nothing for an operation without output
 * (the delete-* verbs); a --query result of null is printed.
 *
 * json: Python's json.dumps(indent=4, ensure_ascii=False) plus a newline.
 *	Written by hand rather than by re-indenting json-c's pretty output,
 *	which differs in more than the indent width (an empty object comes
 *	out as "{\n  }").  json-c is asked only for the text of numbers.
 *
 * text: awscli/text.py.  An object gives one line: the identifier (the
 *	upper-cased key it sits under, none at the top), then its scalar
 *	members' values in alphabetical key order, tab-separated; then each
 *	non-scalar member, alphabetically, under its own key.  An array of
 *	scalars gives "IDENT<TAB>value" per element (the bare values on one
 *	line at the top); in an array of objects, the columns are the union
 *	of the elements' scalar keys, a missing one printed as an empty
 *	field.  true/false/null are True/False/None and strings are raw, as
 *	Python's str() prints them.  get-credential-report is the exception
 *	(§6.2): it prints the CSV itself, which report.c hands to stdout
 *	unencoded (out_streams), never through out_print.
 *
 * yaml: libyaml, as ruamel.yaml's C emitter writes it for the AWS CLI
 *	(see the yaml section).
 *
 * table: awscli/table.py's MultiTable, rebuilt (see the table section).
 *	For example:
 *
 *	-------------------------------------------
 *	|        GetAccountPasswordPolicy         |
 *	+-----------------------------------------+
 *	||            PasswordPolicy             ||
 *	|+------------------------------+--------+|
 *	||  AllowUsersToChangePassword  |  True  ||
 *	||  ExpirePasswords             |  True  ||
 *	...
 *	|+------------------------------+--------+|
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "cli.h"

/* ---------------------------------------------------------------------- */
/* Values                                                                  */

static bool is_scalar(json_object *v)
{
	return !json_object_is_type(v, json_type_object) &&
	       !json_object_is_type(v, json_type_array);
}

/*
 * A scalar as Python's str() shows it in the AWS CLI's text and table
 * output.  Numbers are json-c's text of them (the source text for parsed
 * doubles).  On allocation failure: "" and b->failed.
 */
static const char *scalar_text(struct iampw_buf *b, json_object *v, size_t *n)
{
	const char *s;

	switch (json_object_get_type(v)) {
	case json_type_null:
		s = "None";
		break;
	case json_type_boolean:
		s = json_object_get_boolean(v) ? "True" : "False";
		break;
	case json_type_string:
		*n = (size_t)json_object_get_string_len(v);
		return json_object_get_string(v);
	default:
		/* Numbers; also an object or array met where the text format
		 * expects a column (a key scalar in one element of an array
		 * and not in another), shown compact. */
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
		if (s == NULL) {
			b->failed = true;
			s = "";
		}
		break;
	}
	*n = strlen(s);
	return s;
}

/* ---------------------------------------------------------------------- */
/* json                                                                    */

/*
 * A JSON string as Python's json.dumps(ensure_ascii=False) writes it:
 * only '"', '\\' and C0 controls are escaped; '/', DEL and non-ASCII
 * bytes are kept as they are.
 */
static void jw_string(struct iampw_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	char u[6] = { '\\', 'u', '0', '0' };
	const char *esc;
	size_t len;

	iampw_buf_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		len = 2;
		switch (ch) {
		case '"':  esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (ch >= 0x20)
				continue;
			u[4] = hex[ch >> 4];
			u[5] = hex[ch & 0xf];
			esc = u;
			len = sizeof u;
			break;
		}
		iampw_buf_add(b, s + run, i - run);
		iampw_buf_add(b, esc, len);
		run = i + 1;
	}
	iampw_buf_add(b, s + run, n - run);
	iampw_buf_add(b, "\"", 1);
}

static void jw_value(struct iampw_buf *b, json_object *v, size_t level);

static void jw_object(struct iampw_buf *b, json_object *o, size_t level)
{
	bool first = true;

	if (json_object_object_length(o) == 0) {
		iampw_buf_str(b, "{}");
		return;
	}
	iampw_buf_str(b, "{\n");
	json_object_object_foreach(o, key, val) {
		if (!first)
			iampw_buf_str(b, ",\n");
		first = false;
		iampw_buf_fill(b, ' ', 4 * (level + 1));
		jw_string(b, key, strlen(key));
		iampw_buf_str(b, ": ");
		jw_value(b, val, level + 1);
	}
	iampw_buf_str(b, "\n");
	iampw_buf_fill(b, ' ', 4 * level);
	iampw_buf_str(b, "}");
}

static void jw_array(struct iampw_buf *b, json_object *a, size_t level)
{
	size_t i, n = json_object_array_length(a);

	if (n == 0) {
		iampw_buf_str(b, "[]");
		return;
	}
	iampw_buf_str(b, "[\n");
	for (i = 0; i < n; i++) {
		if (i > 0)
			iampw_buf_str(b, ",\n");
		iampw_buf_fill(b, ' ', 4 * (level + 1));
		jw_value(b, json_object_array_get_idx(a, i), level + 1);
	}
	iampw_buf_str(b, "\n");
	iampw_buf_fill(b, ' ', 4 * level);
	iampw_buf_str(b, "]");
}

static void jw_value(struct iampw_buf *b, json_object *v, size_t level)
{
	const char *s;

	switch (json_object_get_type(v)) {
	case json_type_object:
		jw_object(b, v, level);
		break;
	case json_type_array:
		jw_array(b, v, level);
		break;
	case json_type_string:
		jw_string(b, json_object_get_string(v),
			  (size_t)json_object_get_string_len(v));
		break;
	case json_type_null:
		iampw_buf_str(b, "null");
		break;
	case json_type_boolean:
		iampw_buf_str(b, json_object_get_boolean(v) ? "true" : "false");
		break;
	default:
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		if (s == NULL)
			b->failed = true;
		else
			iampw_buf_str(b, s);
		break;
	}
}

char *out_json_string(json_object *o)
{
	return out_json_string_at(o, 0);
}

char *out_json_string_at(json_object *o, size_t level)
{
	struct iampw_buf b = { 0 };

	jw_value(&b, o, level);
	if (b.failed) {
		iampw_buf_free(&b);
		return NULL;
	}
	return b.p;
}

char *out_json_strings_at(const char *const keys[], const char *const vals[], size_t n,
			  size_t level)
{
	struct iampw_buf b = { 0 };
	bool first = true;

	/* jw_object's layout, for members that are all strings. */
	for (size_t i = 0; i < n; i++) {
		if (vals[i] == NULL)
			continue;
		iampw_buf_str(&b, first ? "{\n" : ",\n");
		first = false;
		iampw_buf_fill(&b, ' ', 4 * (level + 1));
		jw_string(&b, keys[i], strlen(keys[i]));
		iampw_buf_str(&b, ": ");
		jw_string(&b, vals[i], strlen(vals[i]));
	}
	if (first) {
		iampw_buf_str(&b, "{}");
	} else {
		iampw_buf_str(&b, "\n");
		iampw_buf_fill(&b, ' ', 4 * level);
		iampw_buf_str(&b, "}");
	}
	if (b.failed) {
		iampw_buf_free(&b);
		return NULL;
	}
	return b.p;
}

json_object *out_strings_object(const char *const keys[], const char *const vals[], size_t n)
{
	json_object *o = json_object_new_object();

	for (size_t i = 0; o != NULL && i < n; i++) {
		if (vals[i] != NULL)
			json_object_object_add(o, keys[i], json_object_new_string(vals[i]));
	}
	return o;
}

/* ---------------------------------------------------------------------- */
/* text                                                                    */

static int cmp_key(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/*
 * Python sorts str keys by code point, which for UTF-8 is strcmp's byte
 * order.  Returns a malloc'd array (NULL when there are no keys or on
 * failure, which sets b->failed).
 */
static const char **sorted_keys(struct iampw_buf *b, json_object *o, size_t *n)
{
	const char **keys;
	size_t i = 0;

	*n = (size_t)json_object_object_length(o);
	if (*n == 0)
		return NULL;
	keys = calloc(*n, sizeof *keys);
	if (keys == NULL) {
		b->failed = true;
		*n = 0;
		return NULL;
	}
	json_object_object_foreach(o, key, val) {
		(void)val;
		keys[i++] = key;
	}
	qsort(keys, *n, sizeof *keys, cmp_key);
	return keys;
}

/* The sorted union of the scalar keys of an array's objects. */
static const char **union_keys(struct iampw_buf *b, json_object *a, size_t *n)
{
	size_t i, j, total = 0, len = json_object_array_length(a);
	const char **keys;

	*n = 0;
	for (i = 0; i < len; i++) {
		json_object *el = json_object_array_get_idx(a, i);

		if (json_object_is_type(el, json_type_object))
			total += (size_t)json_object_object_length(el);
	}
	if (total == 0)
		return NULL;
	keys = calloc(total, sizeof *keys);
	if (keys == NULL) {
		b->failed = true;
		return NULL;
	}
	for (i = 0, j = 0; i < len; i++) {
		json_object *el = json_object_array_get_idx(a, i);

		if (!json_object_is_type(el, json_type_object))
			continue;
		json_object_object_foreach(el, key, val) {
			if (is_scalar(val))
				keys[j++] = key;
		}
	}
	qsort(keys, j, sizeof *keys, cmp_key);
	for (i = 0; i < j; i++)
		if (*n == 0 || strcmp(keys[*n - 1], keys[i]) != 0)
			keys[(*n)++] = keys[i];
	return keys;
}

/* Python's str.upper() on the ASCII letters; other bytes are kept. */
static void txt_ident(struct iampw_buf *b, const char *ident)
{
	for (; *ident != '\0'; ident++) {
		char ch = *ident;

		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		iampw_buf_add(b, &ch, 1);
	}
}

/* One field of a tab-separated line. */
static void txt_field(struct iampw_buf *b, bool *first, const char *s, size_t n)
{
	if (!*first)
		iampw_buf_add(b, "\t", 1);
	*first = false;
	iampw_buf_add(b, s, n);
}

static void txt_scalar_field(struct iampw_buf *b, bool *first, json_object *v)
{
	size_t n;
	const char *s = scalar_text(b, v, &n);

	txt_field(b, first, s, n);
}

static void txt_item(struct iampw_buf *b, json_object *v, const char *ident,
		     const char *const *cols, size_t ncols);

/*
 * One object.  cols/ncols, when given (an element of an array of objects),
 * are the line's columns; otherwise the object's own scalar keys are.
 */
static void txt_object(struct iampw_buf *b, json_object *o, const char *ident,
		       const char *const *cols, size_t ncols)
{
	size_t i, n, nscalars = 0;
	const char **keys = sorted_keys(b, o, &n);
	bool first = true;
	json_object *v;

	for (i = 0; i < n; i++)
		if (is_scalar(json_object_object_get(o, keys[i])))
			nscalars++;
	if (cols != NULL ? ncols > 0 : nscalars > 0) {
		if (ident != NULL) {
			first = false;
			txt_ident(b, ident);
		}
		for (i = 0; cols != NULL && i < ncols; i++) {
			if (json_object_object_get_ex(o, cols[i], &v))
				txt_scalar_field(b, &first, v);
			else
				txt_field(b, &first, "", 0);
		}
		for (i = 0; cols == NULL && i < n; i++) {
			v = json_object_object_get(o, keys[i]);
			if (is_scalar(v))
				txt_scalar_field(b, &first, v);
		}
		iampw_buf_add(b, "\n", 1);
	}
	for (i = 0; i < n; i++) {
		v = json_object_object_get(o, keys[i]);
		if (cols != NULL ? bsearch(&keys[i], cols, ncols, sizeof *cols, cmp_key) != NULL
				 : is_scalar(v))
			continue;
		txt_item(b, v, keys[i], NULL, 0);
	}
	free(keys);
}

/*
 * An array's scalar elements: one "IDENT<TAB>value" line each, or, with
 * no identifier (an array at the top), all of them on one line.
 */
static void txt_scalars(struct iampw_buf *b, json_object *a, const char *ident)
{
	size_t i, n = json_object_array_length(a);
	bool first = true;

	for (i = 0; i < n; i++) {
		json_object *el = json_object_array_get_idx(a, i);

		if (!is_scalar(el))
			continue;
		if (ident != NULL) {
			txt_ident(b, ident);
			iampw_buf_add(b, "\t", 1);
			first = true;
		}
		txt_scalar_field(b, &first, el);
		if (ident != NULL)
			iampw_buf_add(b, "\n", 1);
	}
	if (ident == NULL && !first)
		iampw_buf_add(b, "\n", 1);
}

static void txt_array(struct iampw_buf *b, json_object *a, const char *ident)
{
	size_t i, ncols, n = json_object_array_length(a);
	bool objects = false, arrays = false, scalars = false;
	const char **cols;

	for (i = 0; i < n; i++) {
		json_object *el = json_object_array_get_idx(a, i);

		if (json_object_is_type(el, json_type_object))
			objects = true;
		else if (json_object_is_type(el, json_type_array))
			arrays = true;
		else
			scalars = true;
	}
	if (objects) {
		cols = union_keys(b, a, &ncols);
		for (i = 0; i < n; i++) {
			json_object *el = json_object_array_get_idx(a, i);

			/* With no columns at all (cols NULL), no element has a
			 * scalar, and its own keys give the same output. */
			txt_item(b, el, ident, cols, ncols);
		}
		free(cols);
		return;
	}
	if (scalars)
		txt_scalars(b, a, ident);
	for (i = 0; arrays && i < n; i++) {
		json_object *el = json_object_array_get_idx(a, i);

		if (!is_scalar(el))
			txt_item(b, el, ident, NULL, 0);
	}
}

static void txt_item(struct iampw_buf *b, json_object *v, const char *ident,
		     const char *const *cols, size_t ncols)
{
	bool first = true;

	if (json_object_is_type(v, json_type_object)) {
		txt_object(b, v, ident, cols, ncols);
	} else if (json_object_is_type(v, json_type_array)) {
		txt_array(b, v, ident);
	} else {
		/* A bare scalar: at the top, or an odd element of an array
		 * of objects; AWS prints it without the identifier. */
		txt_scalar_field(b, &first, v);
		iampw_buf_add(b, "\n", 1);
	}
}

/* ---------------------------------------------------------------------- */
/* yaml and yaml-stream                                                    */

/*
 * The AWS CLI v2 dumps YAML with ruamel.yaml's "safe" C emitter, which is
 * libyaml: block style, mapping keys sorted, an indent of 2, lines folded
 * at 80 columns, non-ASCII kept.  Feeding libyaml the same events gives
 * the same bytes.  What libyaml does not decide is whether a string may
 * be written plain: the dumper lets it only when YAML 1.2's implicit
 * resolvers would read the plain text back as a string, not as a bool,
 * number, null, timestamp, merge key or value key.  Those resolvers, as
 * ruamel.yaml 0.17 defines them for YAML 1.2, are these patterns.
 */
static const char *const yaml_non_str[] = {
	"^(true|True|TRUE|false|False|FALSE)$",
	"^([-+]?[0-9][0-9_]*\\.[0-9_]*([eE][-+]?[0-9]+)?"
	"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
	"|[-+]?\\.[0-9_]+([eE][-+][0-9]+)?"
	"|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN))$",
	"^([-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$",
	"^<<$",
	"^(~|null|Null|NULL|)$",
	"^([0-9]{4}-[0-9]{2}-[0-9]{2}"
	"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
	"(\\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)$",
	"^=$",
	"^(!|&|\\*)$",
};

#define N_YAML_NON_STR (sizeof yaml_non_str / sizeof yaml_non_str[0])

struct yw {
	yaml_emitter_t em;
	struct iampw_buf *out;
	regex_t re[N_YAML_NON_STR];
	size_t nre;
	bool failed;
};

/* Whether `s` (n bytes) may be written plain and still read back as a string. */
static bool yaml_plain_is_str(struct yw *y, const char *s, size_t n)
{
	size_t i, len;
	char *copy;
	bool str = true;

	/* The patterns are tried on C strings: a NUL is never plain anyway. */
	if (memchr(s, '\0', n) != NULL)
		return false;
	copy = strndup(s, n);
	if (copy == NULL) {
		y->failed = true;
		return false;
	}
	/* Python's '$' also matches before a final newline. */
	len = n;
	for (int pass = 0; pass < 2 && str; pass++) {
		for (i = 0; i < y->nre && str; i++)
			if (regexec(&y->re[i], copy, 0, NULL, 0) == 0)
				str = false;
		if (len == 0 || copy[len - 1] != '\n')
			break;
		copy[--len] = '\0';
	}
	free(copy);
	return str;
}

static int yaml_write(void *data, unsigned char *buffer, size_t size)
{
	struct iampw_buf *b = data;

	iampw_buf_add(b, (const char *)buffer, size);
	return !b->failed;
}

static void yaml_emit(struct yw *y, yaml_event_t *ev, int init_ok)
{
	if (y->failed)
		return;
	if (!init_ok || !yaml_emitter_emit(&y->em, ev))
		y->failed = true;
}

static void yaml_scalar(struct yw *y, const char *s, size_t n, bool is_str)
{
	yaml_event_t ev;
	int plain;

	if (y->failed)
		return;
	plain = is_str ? yaml_plain_is_str(y, s, n) : 1;
	if (n > INT_MAX) {
		y->failed = true;
		return;
	}
	yaml_emit(y, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL,
		  (yaml_char_t *)(uintptr_t)s, (int)n, plain, is_str,
		  is_str ? YAML_ANY_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE));
}

static void yaml_value(struct yw *y, json_object *v);

static void yaml_mapping(struct yw *y, json_object *o)
{
	yaml_event_t ev;
	size_t i, n;
	const char **keys = sorted_keys(y->out, o, &n);

	if (y->out->failed)
		y->failed = true;
	yaml_emit(y, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		  YAML_BLOCK_MAPPING_STYLE));
	for (i = 0; i < n && !y->failed; i++) {
		yaml_scalar(y, keys[i], strlen(keys[i]), true);
		yaml_value(y, json_object_object_get(o, keys[i]));
	}
	yaml_emit(y, &ev, yaml_mapping_end_event_initialize(&ev));
	free(keys);
}

static void yaml_sequence_start(struct yw *y)
{
	yaml_event_t ev;

	yaml_emit(y, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		  YAML_BLOCK_SEQUENCE_STYLE));
}

static void yaml_sequence_end(struct yw *y)
{
	yaml_event_t ev;

	yaml_emit(y, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void yaml_value(struct yw *y, json_object *v)
{
	size_t i, n;
	const char *s;

	switch (json_object_get_type(v)) {
	case json_type_object:
		yaml_mapping(y, v);
		break;
	case json_type_array:
		n = json_object_array_length(v);
		yaml_sequence_start(y);
		for (i = 0; i < n && !y->failed; i++)
			yaml_value(y, json_object_array_get_idx(v, i));
		yaml_sequence_end(y);
		break;
	case json_type_string:
		yaml_scalar(y, json_object_get_string(v),
			    (size_t)json_object_get_string_len(v), true);
		break;
	case json_type_null:
		yaml_scalar(y, "null", 4, false);
		break;
	case json_type_boolean:
		s = json_object_get_boolean(v) ? "true" : "false";
		yaml_scalar(y, s, strlen(s), false);
		break;
	default:
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		if (s == NULL)
			y->failed = true;
		else
			yaml_scalar(y, s, strlen(s), false);
		break;
	}
}

/*
 * One YAML document of `v`; with `stream`, as --output yaml-stream prints
 * a response: a sequence holding it.  Returns false on failure.
 */
static bool yaml_document(struct iampw_buf *b, json_object *v, bool stream)
{
	struct yw y = { .out = b };
	yaml_event_t ev;
	bool ok;

	for (y.nre = 0; y.nre < N_YAML_NON_STR; y.nre++)
		if (regcomp(&y.re[y.nre], yaml_non_str[y.nre], REG_EXTENDED | REG_NOSUB) != 0)
			break;
	if (y.nre < N_YAML_NON_STR || !yaml_emitter_initialize(&y.em)) {
		while (y.nre > 0)
			regfree(&y.re[--y.nre]);
		b->failed = true;
		return false;
	}
	yaml_emitter_set_output(&y.em, yaml_write, b);
	yaml_emitter_set_unicode(&y.em, 1);
	yaml_emit(&y, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	yaml_emit(&y, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	if (stream)
		yaml_sequence_start(&y);
	yaml_value(&y, v);
	if (stream)
		yaml_sequence_end(&y);
	yaml_emit(&y, &ev, yaml_document_end_event_initialize(&ev, 1));
	yaml_emit(&y, &ev, yaml_stream_end_event_initialize(&ev));
	if (!y.failed && !yaml_emitter_flush(&y.em))
		y.failed = true;
	yaml_emitter_delete(&y.em);
	while (y.nre > 0)
		regfree(&y.re[--y.nre]);
	ok = !y.failed && !b->failed;
	if (!ok)
		b->failed = true;
	return ok;
}

static void yaml_print(struct iampw_buf *b, json_object *v, bool stream)
{
	/*
	 * A lone scalar would end with "...": the AWS CLI writes it as
	 * compact JSON instead (yaml-stream always has its sequence).
	 */
	if (!stream && is_scalar(v)) {
		jw_value(b, v, 0);
		iampw_buf_str(b, "\n");
		return;
	}
	yaml_document(b, v, stream);
}

/* ---------------------------------------------------------------------- */
/* table                                                                   */

/*
 * The AWS CLI's table (awscli/formatter.py TableFormatter and
 * awscli/table.py MultiTable), rebuilt: the response becomes a list of
 * sections, each a title, an indent level, optional column headers and
 * rows of cells, built by the same walk:
 *
 * - an object: its scalar members sorted by name; one of them is a row
 *   "name | value", several are a header row of the names over one row
 *   of the values; then each non-scalar member, sorted, as a section of
 *   its own one level deeper, titled with its name;
 * - an array of objects: the sorted union of their scalar names as the
 *   header and one row per element ('' where one lacks a name), a new
 *   section with the same title and header for each further element when
 *   the elements have non-scalar members, which follow each element's row;
 * - an array of scalars: one row each;
 * - a value that is false, 0, "", null, [] or {} makes no section at all.
 *
 * Every line is as wide as the widest section needs (its columns' widest
 * cells plus 4, plus the borders, or its title plus the borders); the
 * columns of each section are scaled to that width with Python's round()
 * (half to even) and the error spread from the first column on (too
 * wide) or the last one back (too narrow).  When that width exceeds the
 * terminal's (80 columns when stdout is no terminal), every section of a
 * header and a single row is turned into "name | value" rows first.
 * Widths count two columns for a character of East Asian Width W, F or A
 * (eaw.h), one for any other.  Cells are Python's str() of the values:
 * True, False, None, numbers as written.  Colour (--color on, or auto on
 * a terminal) is the AWS CLI's: cells bright blue, the nesting bars dim
 * yellow.
 */
#include "eaw.h"
#include "messages.h"

struct tcell {
	const char *s;
	size_t n;        /* bytes */
	size_t w;        /* columns */
};

struct tsec {
	const char *title;          /* NULL or "": no title line */
	size_t indent;
	struct tcell *hdr;          /* headers; none when nhdr is 0 */
	size_t nhdr;
	struct tcell *cells;        /* nrows * ncols, row by row */
	size_t nrows, ncols, cap;
	bool ncols_set;
	size_t *maxw;               /* the widest cell of each column */
	size_t nmaxw;
};

struct mtable {
	struct tsec *v;
	size_t n, cap;
	struct tsec *cur;
	struct iampw_buf *out;
	bool color;
	bool failed;                /* out of memory */
	const char *error;          /* the AWS CLI's own failure, printed */
	size_t err_a, err_b;
};

static bool eaw_is_wide(unsigned int cp)
{
	size_t lo = 0, hi = sizeof eaw_wide / sizeof eaw_wide[0];

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp < eaw_wide[mid].lo)
			hi = mid;
		else if (cp > eaw_wide[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* awscli's get_text_length: 2 per W/F/A character, else 1; bad UTF-8 counts 1 a byte. */
static size_t text_width(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, w = 0;

	while (i < n) {
		unsigned int cp = p[i], len = 1, k;

		if (cp >= 0xf0 && cp < 0xf5)
			len = 4, cp &= 0x07;
		else if (cp >= 0xe0 && cp < 0xf0)
			len = 3, cp &= 0x0f;
		else if (cp >= 0xc2 && cp < 0xe0)
			len = 2, cp &= 0x1f;
		if (len > 1 && i + len <= n) {
			for (k = 1; k < len && (p[i + k] & 0xc0) == 0x80; k++)
				cp = cp << 6 | (p[i + k] & 0x3f);
			if (k < len)
				len = 1, cp = p[i];
		} else {
			len = 1;
		}
		w += len > 1 && eaw_is_wide(cp) ? 2 : 1;
		i += len;
	}
	return w;
}

/* Python's truth of a JSON value. */
static bool is_truthy(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return false;
	case json_type_boolean:
		return json_object_get_boolean(v);
	case json_type_int:
		return json_object_get_int64(v) != 0 || json_object_get_uint64(v) != 0;
	case json_type_double:
		return json_object_get_double(v) != 0.0;
	case json_type_string:
		return json_object_get_string_len(v) > 0;
	case json_type_object:
		return json_object_object_length(v) > 0;
	case json_type_array:
		return json_object_array_length(v) > 0;
	}
	return true;
}

static struct tcell cell_of(struct mtable *t, json_object *v)
{
	struct tcell c;

	c.s = scalar_text(t->out, v, &c.n);
	c.w = text_width(c.s, c.n);
	return c;
}

static struct tcell cell_str(const char *s)
{
	struct tcell c = { s, strlen(s), 0 };

	c.w = text_width(s, c.n);
	return c;
}

static void mt_new_section(struct mtable *t, const char *title, size_t indent)
{
	struct tsec *v;

	if (t->failed || t->error != NULL)
		return;
	if (t->n == t->cap) {
		size_t cap = t->cap != 0 ? 2 * t->cap : 8;

		v = reallocarray(t->v, cap, sizeof *v);
		if (v == NULL) {
			t->failed = true;
			return;
		}
		t->v = v;
		t->cap = cap;
	}
	t->cur = &t->v[t->n++];
	*t->cur = (struct tsec){ .title = title, .indent = indent };
}

static void sec_widths(struct mtable *t, struct tsec *s, const struct tcell *row, size_t n)
{
	size_t i;

	if (s->nmaxw == 0) {
		free(s->maxw);
		s->maxw = n > 0 ? calloc(n, sizeof *s->maxw) : NULL;
		if (n > 0 && s->maxw == NULL) {
			t->failed = true;
			return;
		}
		s->nmaxw = n;
		for (i = 0; i < n; i++)
			s->maxw[i] = row[i].w;
		return;
	}
	if (n > s->nmaxw) {
		/* Python: IndexError in _update_max_widths. */
		t->error = "list index out of range";
		return;
	}
	for (i = 0; i < n; i++)
		if (row[i].w > s->maxw[i])
			s->maxw[i] = row[i].w;
}

/* MultiTable.add_row_header; `hdr` is malloc'd and taken over. */
static void mt_header(struct mtable *t, struct tcell *hdr, size_t n)
{
	struct tsec *s = t->cur;

	if (t->failed || t->error != NULL || s == NULL) {
		free(hdr);
		return;
	}
	sec_widths(t, s, hdr, n);
	if (!s->ncols_set) {
		s->ncols = n;
		s->ncols_set = true;
	}
	free(s->hdr);
	s->hdr = hdr;
	s->nhdr = n;
}

/* MultiTable.add_row: copies the cells. */
static void mt_row(struct mtable *t, const struct tcell *row, size_t n)
{
	struct tsec *s = t->cur;

	if (t->failed || t->error != NULL || s == NULL)
		return;
	if (!s->ncols_set) {
		s->ncols = n;
		s->ncols_set = true;
	}
	if (n != s->ncols) {
		t->error = "row";
		t->err_a = s->ncols;
		t->err_b = n;
		return;
	}
	if ((s->nrows + 1) * n > s->cap) {
		size_t cap = s->cap != 0 ? 2 * s->cap : 16;
		struct tcell *c;

		while (cap < (s->nrows + 1) * n)
			cap *= 2;
		c = reallocarray(s->cells, cap, sizeof *c);
		if (c == NULL) {
			t->failed = true;
			return;
		}
		s->cells = c;
		s->cap = cap;
	}
	if (n > 0)
		memcpy(s->cells + s->nrows * n, row, n * sizeof *row);
	s->nrows++;
	sec_widths(t, s, row, n);
}

/* An object's keys, sorted, split into those of scalars and the others. */
static const char **split_keys(struct mtable *t, json_object *o, size_t *nscal, size_t *nmore)
{
	size_t i, n, a = 0;
	const char **keys = sorted_keys(t->out, o, &n), **out;

	*nscal = *nmore = 0;
	if (n == 0)
		return NULL;
	out = calloc(n, sizeof *out);
	if (out == NULL) {
		free(keys);
		t->failed = true;
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (is_scalar(json_object_object_get(o, keys[i])))
			out[a++] = keys[i];
	*nscal = a;
	for (i = 0; i < n; i++)
		if (!is_scalar(json_object_object_get(o, keys[i])))
			out[a++] = keys[i];
	*nmore = a - *nscal;
	free(keys);
	return out;
}

static bool mt_build(struct mtable *t, const char *title, json_object *v, size_t indent);

static void mt_from_dict(struct mtable *t, json_object *o, size_t indent)
{
	size_t i, ns, nm;
	const char **keys = split_keys(t, o, &ns, &nm);
	struct tcell *cells;

	if (ns == 1) {
		struct tcell row[2] = { cell_str(keys[0]),
					cell_of(t, json_object_object_get(o, keys[0])) };

		mt_row(t, row, 2);
	} else if (ns > 1) {
		struct tcell *hdr = calloc(ns, sizeof *hdr);

		cells = calloc(ns, sizeof *cells);
		if (hdr == NULL || cells == NULL) {
			free(hdr);
			t->failed = true;
		} else {
			for (i = 0; i < ns; i++) {
				hdr[i] = cell_str(keys[i]);
				cells[i] = cell_of(t, json_object_object_get(o, keys[i]));
			}
			mt_header(t, hdr, ns);
			mt_row(t, cells, ns);
		}
		free(cells);
	}
	for (i = ns; i < ns + nm; i++)
		mt_build(t, keys[i], json_object_object_get(o, keys[i]), indent + 1);
	free(keys);
}

/* The sorted, unique names of a list of objects: scalar ones, then the others. */
static void list_keys(struct mtable *t, json_object *a, const char ***hdr, size_t *nh,
		      const char ***more, size_t *nm)
{
	size_t i, n = json_object_array_length(a), total = 0, h = 0, m = 0;

	*hdr = *more = NULL;
	*nh = *nm = 0;
	for (i = 0; i < n; i++) {
		json_object *el = json_object_array_get_idx(a, i);

		if (json_object_is_type(el, json_type_object))
			total += (size_t)json_object_object_length(el);
	}
	if (total == 0)
		return;
	*hdr = calloc(total, sizeof **hdr);
	*more = calloc(total, sizeof **more);
	if (*hdr == NULL || *more == NULL) {
		free(*hdr);
		free(*more);
		*hdr = *more = NULL;
		t->failed = true;
		return;
	}
	for (i = 0; i < n; i++) {
		json_object *el = json_object_array_get_idx(a, i);

		if (!json_object_is_type(el, json_type_object))
			continue;
		json_object_object_foreach(el, key, val) {
			if (is_scalar(val))
				(*hdr)[h++] = key;
			else
				(*more)[m++] = key;
		}
	}
	qsort(*hdr, h, sizeof **hdr, cmp_key);
	qsort(*more, m, sizeof **more, cmp_key);
	for (i = 0; i < h; i++)
		if (*nh == 0 || strcmp((*hdr)[*nh - 1], (*hdr)[i]) != 0)
			(*hdr)[(*nh)++] = (*hdr)[i];
	for (i = 0; i < m; i++)
		if (*nm == 0 || strcmp((*more)[*nm - 1], (*more)[i]) != 0)
			(*more)[(*nm)++] = (*more)[i];
}

static struct tcell *header_cells(struct mtable *t, const char *const *keys, size_t n)
{
	struct tcell *hdr = calloc(n + 1, sizeof *hdr);

	if (hdr == NULL) {
		t->failed = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		hdr[i] = cell_str(keys[i]);
	return hdr;
}

static void mt_from_list(struct mtable *t, json_object *a, size_t indent, const char *title)
{
	size_t i, k, nh, nm, n = json_object_array_length(a);
	const char **hdr, **more;
	struct tcell *row;

	list_keys(t, a, &hdr, &nh, &more, &nm);
	if (t->failed)
		return;
	mt_header(t, header_cells(t, hdr, nh), nh);
	row = calloc(nh + 1, sizeof *row);
	if (row == NULL)
		t->failed = true;
	for (i = 0; i < n && !t->failed && t->error == NULL; i++) {
		json_object *el = json_object_array_get_idx(a, i), *v;

		if (!json_object_is_type(el, json_type_object)) {
			/* Python: TypeError, indexing a non-dict by a name. */
			t->error = "string indices must be integers";
			break;
		}
		if (i > 0 && nm > 0) {
			mt_new_section(t, title, indent);
			mt_header(t, header_cells(t, hdr, nh), nh);
		}
		for (k = 0; k < nh; k++)
			row[k] = json_object_object_get_ex(el, hdr[k], &v) ? cell_of(t, v)
									: cell_str("");
		mt_row(t, row, nh);
		for (k = 0; k < nm; k++)
			if (json_object_object_get_ex(el, more[k], &v))
				mt_build(t, more[k], v, indent + 1);
	}
	free(row);
	free(hdr);
	free(more);
}

/* TableFormatter._build_table. */
static bool mt_build(struct mtable *t, const char *title, json_object *v, size_t indent)
{
	size_t i, n;

	if (!is_truthy(v) || t->failed || t->error != NULL)
		return false;
	if (title != NULL)
		mt_new_section(t, title, indent);
	if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		if (json_object_is_type(json_object_array_get_idx(v, 0), json_type_object)) {
			mt_from_list(t, v, indent, title);
			return true;
		}
		for (i = 0; i < n && !t->failed && t->error == NULL; i++) {
			json_object *item = json_object_array_get_idx(v, i);

			if (is_scalar(item)) {
				struct tcell c = cell_of(t, item);

				mt_row(t, &c, 1);
			} else if (json_object_is_type(item, json_type_object)) {
				/* Python iterates a dict's keys: all scalars, a row of them. */
				size_t k = 0, m = (size_t)json_object_object_length(item);
				struct tcell *row = calloc(m + 1, sizeof *row);

				if (row == NULL) {
					t->failed = true;
					break;
				}
				json_object_object_foreach(item, key, val) {
					(void)val;
					row[k++] = cell_str(key);
				}
				mt_row(t, row, m);
				free(row);
			} else {
				size_t k, m = json_object_array_length(item);
				bool all = true;

				for (k = 0; k < m; k++)
					if (!is_scalar(json_object_array_get_idx(item, k)))
						all = false;
				if (all) {
					struct tcell *row = calloc(m + 1, sizeof *row);

					if (row == NULL) {
						t->failed = true;
						break;
					}
					for (k = 0; k < m; k++)
						row[k] = cell_of(t, json_object_array_get_idx(item, k));
					mt_row(t, row, m);
					free(row);
				} else {
					mt_build(t, NULL, item, 0);
				}
			}
		}
	}
	if (json_object_is_type(v, json_type_object))
		mt_from_dict(t, v, indent);
	return true;
}

/* Section.calculate_column_widths(padding=4, max_width): widths summing to max_width. */
static size_t *col_widths(struct mtable *t, const struct tsec *s, size_t max_width)
{
	size_t i, sum = 0;
	long long off = 0;
	size_t *w;

	if (s->nmaxw == 0)
		return NULL;
	w = calloc(s->nmaxw, sizeof *w);
	if (w == NULL) {
		t->failed = true;
		return NULL;
	}
	for (i = 0; i < s->nmaxw; i++)
		sum += s->maxw[i] + 4;
	for (i = 0; i < s->nmaxw; i++) {
		double scaled = (double)max_width / (double)sum * (double)(s->maxw[i] + 4);

		/* int(round(x)): half to even (exact: the values are small). */
		size_t whole = (size_t)scaled;
		double frac = scaled - (double)whole;

		w[i] = whole + (frac > 0.5 || (frac == 0.5 && (whole & 1) != 0));
		off += (long long)w[i];
	}
	off -= (long long)max_width;
	while (off != 0) {
		if (off > 0) {
			for (i = 0; i < s->nmaxw && off != 0; i++, off--)
				w[i]--;
		} else {
			for (i = s->nmaxw; i > 0 && off != 0; i--, off++)
				w[i - 1]++;
		}
	}
	return w;
}

static size_t sec_total_width(const struct tsec *s)
{
	size_t i, total = 2 + 2 * s->indent;
	size_t title = (s->title != NULL ? text_width(s->title, strlen(s->title)) : 0) +
		       2 + 2 * s->indent;

	for (i = 0; i < s->nmaxw; i++)
		total += s->maxw[i] + 4;
	return title > total ? title : total;
}

static size_t mt_max_width(const struct mtable *t)
{
	size_t i, w, max = 0;

	for (i = 0; i < t->n; i++) {
		w = sec_total_width(&t->v[i]);
		if (w > max)
			max = w;
	}
	return max;
}

/* convert_to_vertical_table: a header over one row becomes name | value rows. */
static void mt_vertical(struct mtable *t)
{
	for (size_t i = 0; i < t->n && !t->failed; i++) {
		struct tsec *s = &t->v[i], old = *s;
		size_t k;

		if (s->nrows != 1 || s->nhdr == 0)
			continue;
		*s = (struct tsec){ .title = old.title, .indent = old.indent };
		t->cur = s;
		for (k = 0; k < old.nhdr && k < old.ncols; k++) {
			struct tcell row[2] = { old.hdr[k], old.cells[k] };

			mt_row(t, row, 2);
		}
		free(old.hdr);
		free(old.cells);
		free(old.maxw);
	}
}

static void tw_spaces(struct iampw_buf *b, long long n)
{
	if (n > 0)
		iampw_buf_fill(b, ' ', (size_t)n);
}

/* IndentedStream's edge: the nesting bars, dim yellow in colour. */
static void tw_bars(const struct mtable *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		iampw_buf_str(t->out, t->color ? "\033[2m\033[33m|\033[0m" : "|");
}

/* center_text: Python's arithmetic, negative counts writing nothing. */
static void tw_center(struct iampw_buf *b, const struct tcell *c, size_t length, const char *left)
{
	long long start = (long long)(length / 2) - (long long)(c->w / 2) - 1;
	long long so_far = (long long)strlen(left) + start + (long long)c->w;

	iampw_buf_str(b, left);
	tw_spaces(b, start);
	iampw_buf_add(b, c->s, c->n);
	tw_spaces(b, (long long)length - 1 - so_far);
	iampw_buf_str(b, "|");
}

/* align_left with a left padding of 2 when it fits. */
static void tw_left(const struct mtable *t, const struct tcell *c, size_t length, const char *left)
{
	struct iampw_buf *b = t->out;
	long long ll = (long long)strlen(left);
	long long pad = (long long)length - ((long long)c->w + 2 + ll + 1) >= 0 ? 2 : 0;

	iampw_buf_str(b, left);
	tw_spaces(b, pad);
	if (t->color)
		iampw_buf_str(b, "\033[1m\033[34m");
	iampw_buf_add(b, c->s, c->n);
	if (t->color)
		iampw_buf_str(b, "\033[0m");
	tw_spaces(b, (long long)length - ll - pad - (long long)c->w - 1);
	iampw_buf_str(b, "|");
}

static void tw_rule(const struct mtable *t, const struct tsec *s, const size_t *w)
{
	tw_bars(t, s->indent);
	for (size_t i = 0; i < s->nmaxw; i++) {
		if (i == 0) {
			iampw_buf_str(t->out, "+");
			iampw_buf_fill(t->out, '-', w[0] >= 2 ? w[0] - 2 : 0);
		} else {
			iampw_buf_fill(t->out, '-', w[i] >= 1 ? w[i] - 1 : 0);
		}
		iampw_buf_str(t->out, "+");
	}
	tw_bars(t, s->indent);
	iampw_buf_str(t->out, "\n");
}

static void mt_render_section(struct mtable *t, const struct tsec *s, size_t max_width)
{
	struct iampw_buf *b = t->out;
	size_t i, k, width = max_width - 2 * s->indent;
	size_t *w = NULL;

	if (s->title != NULL && s->title[0] != '\0') {
		struct tcell title = cell_str(s->title);

		tw_bars(t, s->indent);
		tw_center(b, &title, width, "|");
		tw_bars(t, s->indent);
		iampw_buf_str(b, "\n");
		if (s->nhdr == 0 && s->nrows == 0) {
			tw_bars(t, s->indent);
			iampw_buf_str(b, "+");
			iampw_buf_fill(b, '-', width - 2);
			iampw_buf_str(b, "+");
			tw_bars(t, s->indent);
			iampw_buf_str(b, "\n");
		}
	}
	if (s->nhdr > 0 || s->nrows > 0)
		w = col_widths(t, s, width);
	if (s->nhdr > 0 && w != NULL) {
		tw_rule(t, s, w);
		tw_bars(t, s->indent);
		for (k = 0; k < s->nhdr && k < s->nmaxw; k++)
			tw_center(b, &s->hdr[k], w[k], k == 0 ? "|" : "");
		tw_bars(t, s->indent);
		iampw_buf_str(b, "\n");
	}
	if (s->nrows > 0 && w != NULL) {
		tw_rule(t, s, w);
		for (i = 0; i < s->nrows; i++) {
			tw_bars(t, s->indent);
			for (k = 0; k < s->ncols && k < s->nmaxw; k++)
				tw_left(t, &s->cells[i * s->ncols + k], w[k], k == 0 ? "|" : "");
			tw_bars(t, s->indent);
			iampw_buf_str(b, "\n");
		}
		tw_rule(t, s, w);
	}
	free(w);
}

/* awscli's determine_terminal_width: stdout's, else 80. */
static size_t terminal_width(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		return ws.ws_col;
	return 80;
}

static int tab_print(struct iampw_buf *b, const char *title, json_object *response, bool color)
{
	struct mtable t = { .out = b, .color = color };
	size_t i, max_width;
	int rc = EXIT_OK;

	if (mt_build(&t, title, response, 0) && !t.failed && t.error == NULL) {
		max_width = mt_max_width(&t);
		if (max_width > terminal_width()) {
			mt_vertical(&t);
			max_width = mt_max_width(&t);
		}
		iampw_buf_fill(b, '-', max_width);
		iampw_buf_str(b, "\n");
		for (i = 0; i < t.n && !t.failed; i++)
			mt_render_section(&t, &t.v[i], max_width);
	}
	if (t.failed)
		b->failed = true;
	if (t.error != NULL) {
		/* What the AWS CLI itself fails with on such a document. */
		if (strcmp(t.error, "row") == 0)
			fprintf(stderr, "\nRow should have %zu elements, instead it has %zu\n",
				t.err_a, t.err_b);
		else
			fprintf(stderr, "\n%s\n", t.error);
		rc = EXIT_OTHER;
	}
	for (i = 0; i < t.n; i++) {
		free(t.v[i].hdr);
		free(t.v[i].cells);
		free(t.v[i].maxw);
	}
	free(t.v);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* --query: JMESPath, evaluated by jp                                      */

/*
 * JMESPath is evaluated by jp, the JMESPath project's own command-line
 * tool (Debian's jp), never by code of ours: the response goes to its
 * stdin as JSON, the result comes back on its stdout as JSON.  It runs
 * without a shell, with an empty environment but LC_ALL, its output
 * bounded and its time limited.  The response may hold a generated
 * password: every buffer that held it is wiped.
 */
#define JP_OUT_MAX (16u << 20)
#define JP_ERR_MAX (64u << 10)
#define JP_SECONDS 30

static const char *jp_path(void)
{
	const char *p = getenv("IAMPW_ADMIN_JP");

	return p != NULL && p[0] == '/' ? p : IAMPW_JP;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Read what is there into b, up to max bytes; false when it is over max. */
static bool jp_drain(int *fd, struct iampw_buf *b, size_t max)
{
	char buf[4096];
	ssize_t n = read(*fd, buf, sizeof buf);

	if (n > 0) {
		if (b->len + (size_t)n > max) {
			iampw_wipe(buf, sizeof buf);
			return false;
		}
		iampw_buf_add(b, buf, (size_t)n);
		iampw_wipe(buf, (size_t)n);
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		close(*fd);
		*fd = -1;
	}
	return true;
}

/*
 * Feed `in` to the child's stdin and collect its stdout and stderr until
 * both close.  Returns 0, or an errno (ETIMEDOUT, EFBIG for too much
 * output, ...).  SIGPIPE (jp exiting before reading everything) is held
 * back and discarded, so that the write fails with EPIPE instead.
 */
static int jp_exchange(int fds[3], const char *in, size_t inlen,
		       struct iampw_buf *out, struct iampw_buf *err)
{
	struct timespec start, now, zero = { 0, 0 };
	sigset_t pipe_set, old;
	size_t done = 0;
	int rc = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (inlen == 0) {
		close(fds[0]);
		fds[0] = -1;
	}
	while (rc == 0 && (fds[1] >= 0 || fds[2] >= 0)) {
		struct pollfd p[3] = {
			{ .fd = fds[0], .events = POLLOUT },
			{ .fd = fds[1], .events = POLLIN },
			{ .fd = fds[2], .events = POLLIN },
		};
		int left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = JP_SECONDS * 1000 - (int)((now.tv_sec - start.tv_sec) * 1000 +
						 (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0) {
			rc = ETIMEDOUT;
			break;
		}
		if (poll(p, 3, left) < 0) {
			if (errno != EINTR)
				rc = errno;
			continue;
		}
		if (fds[0] >= 0 && (p[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(fds[0], in + done, inlen - done);

			if (n > 0)
				done += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || done == inlen) {
				close(fds[0]);
				fds[0] = -1;
			}
		}
		if (fds[1] >= 0 && (p[1].revents & (POLLIN | POLLERR | POLLHUP)) &&
		    !jp_drain(&fds[1], out, JP_OUT_MAX))
			rc = EFBIG;
		if (fds[2] >= 0 && (p[2].revents & (POLLIN | POLLERR | POLLHUP)) &&
		    !jp_drain(&fds[2], err, JP_ERR_MAX))
			rc = EFBIG;
		if (out->failed || err->failed)
			rc = ENOMEM;
	}
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
	while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/*
 * Run jp with `args` (NULL-terminated, after the program name) on `in`.
 * Returns 0 with jp's exit status in *status, or an errno: ENOENT and
 * EACCES when jp cannot be run.
 */
static int jp_run(const char *const *args, const char *in, size_t inlen,
		  struct iampw_buf *out, struct iampw_buf *err, int *status)
{
	static char lc_all[] = "LC_ALL=C.UTF-8", jp[] = "jp";
	char *const envp[] = { lc_all, NULL };
	char *argv[8] = { jp };
	int pipes[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } }, fds[3];
	posix_spawn_file_actions_t fa;
	size_t i;
	pid_t pid;
	int rc, ws;

	for (i = 0; args[i] != NULL && i + 2 < sizeof argv / sizeof argv[0]; i++)
		argv[i + 1] = (char *)(uintptr_t)args[i];
	for (i = 0; i < 3; i++)
		if (pipe2(pipes[i], O_CLOEXEC) != 0) {
			rc = errno;
			goto close_pipes;
		}
	rc = posix_spawn_file_actions_init(&fa);
	if (rc != 0)
		goto close_pipes;
	if ((rc = posix_spawn_file_actions_adddup2(&fa, pipes[0][0], STDIN_FILENO)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, pipes[1][1], STDOUT_FILENO)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, pipes[2][1], STDERR_FILENO)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		goto close_pipes;
	}
	rc = posix_spawn(&pid, jp_path(), &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		goto close_pipes;
	close(pipes[0][0]);
	close(pipes[1][1]);
	close(pipes[2][1]);
	fds[0] = pipes[0][1];
	fds[1] = pipes[1][0];
	fds[2] = pipes[2][0];
	for (i = 0; i < 3; i++)
		set_nonblock(fds[i]);
	rc = jp_exchange(fds, in, inlen, out, err);
	if (rc != 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	*status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
	return rc;
close_pipes:
	for (i = 0; i < 3; i++) {
		if (pipes[i][0] >= 0)
			close(pipes[i][0]);
		if (pipes[i][1] >= 0)
			close(pipes[i][1]);
	}
	return rc;
}

/* jp could not be run, or failed in a way that is not about the expression. */
static int jp_failed(int err, int status, const struct iampw_buf *errout)
{
	if (err == ENOENT || err == EACCES)
		return cli_fail(EXIT_OTHER, "--query needs jp, the JMESPath command-line tool "
				"(Debian package jp): %s: %s", jp_path(), iampw_errstr(err));
	if (err == ETIMEDOUT)
		return cli_fail(EXIT_OTHER, "--query: jp did not finish within %d seconds",
				JP_SECONDS);
	if (err == EFBIG)
		return cli_fail(EXIT_OTHER, "--query: the result is larger than %u MiB",
				JP_OUT_MAX >> 20);
	if (err != 0)
		return cli_fail(EXIT_OTHER, "--query: cannot run jp: %s", iampw_errstr(err));
	return cli_fail(EXIT_OTHER, "--query: jp failed (status %d)%s%.*s", status,
			errout->len > 0 ? ": " : "", (int)(errout->len < 512 ? errout->len : 512),
			errout->p != NULL ? errout->p : "");
}

/* jp's message without its trailing newlines. */
static int trimmed(const struct iampw_buf *b)
{
	size_t n = b->len;

	while (n > 0 && (b->p[n - 1] == '\n' || b->p[n - 1] == '\r'))
		n--;
	return (int)n;
}

int out_query_check(const char *expr)
{
	static const char syntax[] = "SyntaxError: ";
	const char *args[] = { "--ast", "--", expr, NULL };
	struct iampw_buf out = { 0 }, err = { 0 };
	int rc, status = 0;

	rc = jp_run(args, "", 0, &out, &err, &status);
	if (rc != 0 || (status == 0 && out.len > 0)) {
		if (rc != 0)
			jp_failed(rc, status, &err);
		iampw_buf_free(&out);
		iampw_buf_free(&err);
		return rc == 0 ? EXIT_OK : EXIT_OTHER;
	}
	if (status == 1 && err.len > sizeof syntax - 1 &&
	    strncmp(err.p, syntax, sizeof syntax - 1) == 0) {
		/*
		 * The AWS CLI's frame for a bad expression, with jp's words:
		 * "SyntaxError: MSG\nEXPR\n   ^" becomes
		 * "Bad value for --query EXPR: Invalid jmespath expression: MSG:\n"EXPR"\n    ^".
		 */
		const char *msg = err.p + sizeof syntax - 1, *nl = strchr(msg, '\n');
		const char *caret = nl != NULL ? strchr(nl + 1, '\n') : NULL;
		int col = -1;

		if (caret != NULL && strchr(caret + 1, '^') != NULL)
			col = (int)(strchr(caret + 1, '^') - (caret + 1));
		fprintf(stderr, "\nBad value for --query %s: Invalid jmespath expression: %.*s:\n\"%s\"\n",
			expr, nl != NULL ? (int)(nl - msg) : trimmed(&err), msg, expr);
		if (col >= 0)
			fprintf(stderr, "%*s^\n", col + 1, "");
		iampw_buf_free(&out);
		iampw_buf_free(&err);
		return EXIT_USAGE;
	}
	rc = jp_failed(0, status, &err);
	iampw_buf_free(&out);
	iampw_buf_free(&err);
	return rc;
}

/*
 * jp writes the members of every object sorted by name (Go's maps), where
 * the AWS CLI keeps the order of the response and, for a multiselect hash
 * ({Name: UserName, ...}), the order of the expression.  The order is
 * put back: a name written in the expression as a hash key ("Name:") comes
 * in the order of the expression, before the others; a name of the
 * response in the response's order; anything else after, as jp gave it.
 */
static void wipe_strings(json_object *v);

struct key_order {
	const char *expr;
	const char *doc;     /* the response as JSON */
};

static size_t key_rank(const struct key_order *ko, const char *key)
{
	size_t n = strlen(key), pos;
	const char *p;

	for (p = strstr(ko->expr, key); n > 0 && p != NULL; p = strstr(p + 1, key)) {
		const char *q = p + n;

		while (*q == ' ' || *q == '\t' || *q == '\n')
			q++;
		if (*q == ':' && (p == ko->expr || strchr("{, \t\n\"", p[-1]) != NULL))
			return (size_t)(p - ko->expr);
	}
	pos = strlen(ko->expr) + 1;
	for (p = strstr(ko->doc, key); n > 0 && p != NULL; p = strstr(p + 1, key))
		if (p > ko->doc && p[-1] == '"' && p[n] == '"' && p[n + 1] == ':')
			return pos + (size_t)(p - ko->doc);
	return SIZE_MAX;
}

struct ranked {
	const char *key;
	json_object *val;
	size_t rank, seq;
};

static int cmp_ranked(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* A copy of v with every object's members in the AWS CLI's order; NULL for null or on failure. */
static json_object *reorder(const struct key_order *ko, json_object *v, bool *failed)
{
	struct ranked *r;
	json_object *o;
	size_t i, n;

	if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		o = json_object_new_array_ext((int)n);
		if (o == NULL) {
			*failed = true;
			return NULL;
		}
		for (i = 0; i < n; i++)
			if (json_object_array_add(o, reorder(ko, json_object_array_get_idx(v, i),
							      failed)) != 0)
				*failed = true;
		return o;
	}
	if (!json_object_is_type(v, json_type_object))
		return json_object_get(v);
	n = (size_t)json_object_object_length(v);
	o = json_object_new_object();
	r = calloc(n + 1, sizeof *r);
	if (o == NULL || r == NULL) {
		json_object_put(o);
		free(r);
		*failed = true;
		return NULL;
	}
	i = 0;
	json_object_object_foreach(v, key, val) {
		r[i] = (struct ranked){ key, val, key_rank(ko, key), i };
		i++;
	}
	qsort(r, n, sizeof *r, cmp_ranked);
	for (i = 0; i < n; i++)
		if (json_object_object_add(o, r[i].key, reorder(ko, r[i].val, failed)) != 0)
			*failed = true;
	free(r);
	return o;
}

/*
 * Evaluate c->query on the response (NULL, a verb without output, is {}
 * as for the AWS CLI).  EXIT_OK with *result (NULL for JSON null), or an
 * exit code with the error printed.
 */
static int query_apply(const struct cli *c, json_object *response, json_object **result)
{
	static const char evaluating[] = "Error evaluating JMESPath expression: ";
	const char *args[] = { "-c", "--", c->query, NULL };
	struct iampw_buf in = { 0 }, out = { 0 }, err = { 0 };
	enum json_tokener_error jerr = json_tokener_success;
	int rc, status = 0;

	*result = NULL;
	if (response != NULL)
		jw_value(&in, response, 0);
	else
		iampw_buf_str(&in, "{}");
	if (in.failed) {
		iampw_buf_free(&in);
		return cli_fail(EXIT_OTHER, MSG_FORMAT_FAILED, iampw_errstr(ENOMEM));
	}
	rc = jp_run(args, in.p, in.len, &out, &err, &status);
	if (rc != 0 || status != 0) {
		if (rc == 0 && status == 1 && err.len > sizeof evaluating - 1 &&
		    strncmp(err.p, evaluating, sizeof evaluating - 1) == 0) {
			/* As the AWS CLI reports an error of evaluation: exit 255. */
			fprintf(stderr, "\n%.*s\n", trimmed(&err) - (int)(sizeof evaluating - 1),
				err.p + sizeof evaluating - 1);
			rc = EXIT_OTHER;
		} else {
			rc = jp_failed(rc, status, &err);
		}
	} else {
		size_t end;

		rc = EXIT_OK;
		/* It may hold the generated password. */
		*result = cli_json_parse(out.p != NULL ? out.p : "", out.len + 1, 0, &jerr, &end);
		if (jerr != json_tokener_success) {
			json_object_put(*result);
			*result = NULL;
			rc = cli_fail(EXIT_OTHER, "--query: jp's result is not JSON: %s",
				json_tokener_error_desc(jerr));
		} else {
			struct key_order ko = { c->query, in.p != NULL ? in.p : "{}" };
			bool failed = false;
			json_object *ordered = reorder(&ko, *result, &failed);

			/* The strings are shared with the copy, and wiped with it. */
			json_object_put(*result);
			*result = ordered;
			if (failed) {
				rc = cli_fail(EXIT_OTHER, MSG_FORMAT_FAILED,
					iampw_errstr(ENOMEM));
			}
		}
	}
	iampw_buf_free(&in);
	iampw_buf_free(&out);
	iampw_buf_free(&err);
	return rc;
}

/* Whether the string `s` is somewhere in v. */
static bool holds_string(json_object *v, const char *s)
{
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_string:
		return strcmp(json_object_get_string(v), s) == 0;
	case json_type_object: {
		json_object_object_foreach(v, key, val) {
			(void)key;
			if (holds_string(val, s))
				return true;
		}
		return false;
	}
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (holds_string(json_object_array_get_idx(v, i), s))
				return true;
		return false;
	default:
		return false;
	}
}

/* Wipe every string of a query's result (it may hold a password). */
static void wipe_strings(json_object *v)
{
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_string:
		iampw_wipe((char *)(uintptr_t)json_object_get_string(v),
			   (size_t)json_object_get_string_len(v));
		break;
	case json_type_object: {
		json_object_object_foreach(v, key, val) {
			(void)key;
			wipe_strings(val);
		}
		break;
	}
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			wipe_strings(json_object_array_get_idx(v, i));
		break;
	default:
		break;
	}
}

/* The generated password of a response (a top-level "Password"), or NULL. */
static const char *generated_password(json_object *response)
{
	json_object *pw;

	if (response != NULL && json_object_is_type(response, json_type_object) &&
	    json_object_object_get_ex(response, "Password", &pw) &&
	    json_object_is_type(pw, json_type_string))
		return json_object_get_string(pw);
	return NULL;
}

/* ---------------------------------------------------------------------- */

int out_finish(int err)
{
	errno = 0;
	if (fflush(stdout) != 0 && err == 0)
		err = errno != 0 ? errno : EIO;
	if (err == 0 && ferror(stdout))
		err = EIO;
	if (err == 0)
		return EXIT_OK;
	return cli_fail(EXIT_OTHER, "cannot write the output: %s",
		iampw_errstr(err));
}

/* Writes the rendered output; a failure is reported, not lost. */
static int emit(const char *p, size_t n)
{
	int err = 0;

	errno = 0;
	if (n > 0 && fwrite(p, 1, n, stdout) != n)
		err = errno != 0 ? errno : EIO;
	return out_finish(err);
}

/*
 * --generate-cli-skeleton output: the AWS CLI prints a made-up response
 * of the operation's output shape, through the chosen format and --query:
 * every string is its member's name, numbers 0, booleans true, dates the
 * epoch, one element per list (botocore's ArgumentGenerator with member
 * names).  These are IAM's output shapes for the verbs that have one;
 * the verbs that are not IAM's (adopt-user) follow the same rules.  A
 * verb without output prints nothing, as there.
 */
#define SKEL_PROFILE \
	"{\"UserName\": \"UserName\", \"CreateDate\": \"1970-01-01T00:00:00\"," \
	" \"PasswordResetRequired\": true}"
#define SKEL_USER \
	"{\"Path\": \"Path\", \"UserName\": \"UserName\", \"UserId\": \"UserId\"," \
	" \"Arn\": \"Arn\", \"CreateDate\": \"1970-01-01T00:00:00\"," \
	" \"PasswordLastUsed\": \"1970-01-01T00:00:00\", \"PermissionsBoundary\":" \
	" {\"PermissionsBoundaryType\": \"PermissionsBoundaryType\"," \
	" \"PermissionsBoundaryArn\": \"PermissionsBoundaryArn\"}," \
	" \"Tags\": [{\"Key\": \"Key\", \"Value\": \"Value\"}]}"

static const struct {
	const char *operation;
	const char *json;
} output_skeletons[] = {
	/* GetAccountPasswordPolicy's is made from the policy table (policy_json). */
	{ "CreateLoginProfile", "{\"LoginProfile\": " SKEL_PROFILE "}" },
	{ "GetLoginProfile", "{\"LoginProfile\": " SKEL_PROFILE "}" },
	{ "GenerateCredentialReport", "{\"State\": \"State\", \"Description\": \"Description\"}" },
	/* Content is a blob, which botocore leaves null; here the empty one. */
	{ "GetCredentialReport",
	  "{\"Content\": \"\", \"ReportFormat\": \"ReportFormat\","
	  " \"GeneratedTime\": \"1970-01-01T00:00:00\"}" },
	{ "AdoptUser", "{\"LoginProfiles\": [" SKEL_PROFILE "]}" },
	{ "GetUser", "{\"User\": " SKEL_USER "}" },
	{ "ListUsers", "{\"Users\": [" SKEL_USER "], \"IsTruncated\": true, \"Marker\": \"Marker\"}" },
	{ "ListMFADevices",
	  "{\"MFADevices\": [{\"UserName\": \"UserName\", \"SerialNumber\": \"SerialNumber\","
	  " \"EnableDate\": \"1970-01-01T00:00:00\"}], \"IsTruncated\": true, \"Marker\": \"Marker\"}" },
	/* The two seeds are blobs, as Content above. */
	{ "ListVirtualMFADevices",
	  "{\"VirtualMFADevices\": [{\"SerialNumber\": \"SerialNumber\", \"Base32StringSeed\": \"\","
	  " \"QRCodePNG\": \"\", \"User\": " SKEL_USER ", \"EnableDate\": \"1970-01-01T00:00:00\","
	  " \"Tags\": [{\"Key\": \"Key\", \"Value\": \"Value\"}]}], \"IsTruncated\": true,"
	  " \"Marker\": \"Marker\"}" },
};

json_object *out_skeleton(const char *operation)
{
	if (operation != NULL && strcmp(operation, "GetAccountPasswordPolicy") == 0) {
		json_object *o = json_object_new_object();

		if (o != NULL)
			json_object_object_add(o, "PasswordPolicy", policy_json(NULL));
		return o;
	}
	for (size_t i = 0; i < sizeof output_skeletons / sizeof output_skeletons[0]; i++)
		if (operation != NULL && strcmp(operation, output_skeletons[i].operation) == 0)
			return json_tokener_parse(output_skeletons[i].json);
	return NULL;
}

bool out_format_parse(const char *name, enum out_format *f)
{
	static const struct {
		const char *name;
		enum out_format f;
	} formats[] = {
		{ "json", OUT_JSON }, { "text", OUT_TEXT }, { "table", OUT_TABLE },
		{ "yaml", OUT_YAML }, { "yaml-stream", OUT_YAML_STREAM },
	};

	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		if (strcmp(name, formats[i].name) == 0) {
			*f = formats[i].f;
			return true;
		}
	}
	return false;
}

static bool verb_is(const struct cli *c, const char *name)
{
	return c->verb != NULL && c->verb->name != NULL &&
	       strcmp(c->verb->name, name) == 0;
}

/* Format v (the response, or a query's result) into b. */
static int render(const struct cli *c, json_object *v, bool queried, struct iampw_buf *b)
{
	/* Nothing for a verb without output; a query's null is printed. */
	if ((v == NULL && !queried) ||
	    (json_object_is_type(v, json_type_object) && json_object_object_length(v) == 0))
		return EXIT_OK;
	switch (c->output) {
	case OUT_JSON:
		jw_value(b, v, 0);
		iampw_buf_str(b, "\n");
		return EXIT_OK;
	case OUT_TEXT:
		txt_item(b, v, NULL, NULL, 0);
		return EXIT_OK;
	case OUT_TABLE:
		return tab_print(b, c->verb != NULL && c->verb->operation != NULL ?
				    c->verb->operation : "", v, c->color == COLOR_ON ||
				    (c->color == COLOR_AUTO && isatty(STDOUT_FILENO)));
	case OUT_YAML:
	case OUT_YAML_STREAM:
		yaml_print(b, v, c->output == OUT_YAML_STREAM);
		return EXIT_OK;
	}
	return cli_fail(EXIT_OTHER, "unknown output format %d", (int)c->output);
}

/* Whether out_print ran in this process (main.c: a verb without output). */
static bool out_print_ran;

bool out_printed(void)
{
	return out_print_ran;
}

/*
 * For the verbs whose responses grow with the number of accounts
 * (get-credential-report, list-users, SPEC §8): the formats whose output
 * they may write themselves, piece by piece, exactly as out_print would
 * render the whole.  Any format or option that changes the rendering
 * (a filter, another layout) must answer false here: the verb then
 * builds the response in memory and calls out_print.  The text of
 * get-credential-report is always the verb's: the CSV itself (§6.2).
 */
bool out_streams(const struct cli *c)
{
	/* --query filters the whole response: never streamed. */
	if (c->query != NULL)
		return false;
	return c->output == OUT_JSON ||
	       (c->output == OUT_TEXT && verb_is(c, "get-credential-report"));
}

int out_print(const struct cli *c, json_object *response)
{
	const char *password = generated_password(response);
	json_object *result = NULL;
	struct iampw_buf b = { 0 };
	int rc = EXIT_OK;

	out_print_ran = true;
	if (c->query != NULL)
		rc = query_apply(c, response, &result);
	if (rc == EXIT_OK)
		rc = render(c, c->query != NULL ? result : response, c->query != NULL, &b);
	if (rc == EXIT_OK && b.failed) {
		rc = cli_fail(EXIT_OTHER, MSG_FORMAT_FAILED,
			iampw_errstr(ENOMEM));
	}
	if (rc == EXIT_OK)
		rc = emit(b.p, b.len);
	/*
	 * A generated password is never lost (§6): when it could not be
	 * printed, or the query left it out, it goes to stderr.
	 */
	if (password != NULL && rc != EXIT_OK)
		fprintf(stderr, "iampw-admin: the generated password, which was set: %s\n", password);
	else if (password != NULL && c->query != NULL && !holds_string(result, password))
		fprintf(stderr, "iampw-admin: --query left out the generated password, "
			"which was set: %s\n", password);
	wipe_strings(result);
	json_object_put(result);
	iampw_buf_free(&b);
	return rc;
}
