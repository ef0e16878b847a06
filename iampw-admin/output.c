/*
 * Printing a response as the AWS CLI prints it (SPEC §6): --output json,
 * text or table.
 *
 * Every format is rendered into memory first and then written with one
 * fwrite and a checked fflush.  So an error found half-way (an invalid
 * credential report, a failed allocation) leaves stdout untouched (§6.1),
 * and a full disk or a closed pipe is reported instead of being lost in
 * stdio's buffer.  The memory may hold a generated password (a top-level
 * "Password"): it is wiped when it grows and when it is released.
 *
 * A response that is NULL or an empty object prints nothing in every
 * format, as the AWS CLI prints nothing for an operation without output
 * (the delete-* verbs); an empty object or array inside a response is
 * printed as {} / [] in JSON and left out of text and table, as AWS does.
 *
 * json: Python's json.dumps(indent=4, ensure_ascii=False) plus a newline.
 *	Written by hand rather than by re-indenting json-c's pretty output,
 *	which differs in more than the indent width (an empty object comes
 *	out as "{\n  }").  json-c is asked only for the text of numbers.
 *
 * text: the AWS CLI's text format.  An object gives one line: the
 *	identifier (the upper-cased key it sits under, none at the top),
 *	then its scalar members' values in alphabetical key order, tab-
 *	separated; then each non-scalar member, alphabetically, under its
 *	own key.  An array of scalars gives "IDENT<TAB>value" per element
 *	(the bare values on one line at the top); in an array of objects,
 *	the columns are the union of the elements' scalar keys, a missing
 *	one printed as an empty field.  true/false/null are True/False/None
 *	and strings are raw, as Python's str() prints them.
 *	get-credential-report is the exception (§6.2): it prints the CSV
 *	itself, its base64 "Content" decoded.
 *
 * table: boxes drawn with - + | in the AWS CLI's style.  Layout, chosen
 *	to be deterministic (it never depends on the terminal's width):
 *	- every line has the same width: the narrowest that fits every
 *	  section with two spaces of padding on each side of every cell;
 *	- the first line is all '-'; then one section per object, the
 *	  top one titled with the operation and each nested one with its
 *	  key, one more '|' on each side per level of nesting;
 *	- a section is its title centred (the extra space, if any, on the
 *	  right), a rule, then its scalar members as "key | value" rows in
 *	  insertion order closed by the same rule; the non-scalar members
 *	  follow as nested sections, also in insertion order (a box can
 *	  only continue with rows before its nested boxes start);
 *	- an array's scalars are one section of one-column rows titled with
 *	  the array's key; each object in an array is a section of its own
 *	  with that same title;
 *	- widths count UTF-8 code points, not bytes; control characters,
 *	  which would break the box, are shown as '?'.
 *	For example:
 *
 *	--------------------------------------
 *	|      GetAccountPasswordPolicy      |
 *	+------------------------------------+
 *	||          PasswordPolicy          ||
 *	|+-------------------------+--------+|
 *	||  MinimumPasswordLength  |  12    ||
 *	||  RequireSymbols         |  True  ||
 *	|+-------------------------+--------+|
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <yaml.h>

#include "cli.h"

/* ---------------------------------------------------------------------- */
/* A growing output buffer with a sticky allocation failure.              */

struct obuf {
	char *p;
	size_t len;
	size_t cap;
	bool failed;     /* an allocation failed: the content is incomplete */
};

static void ob_free(struct obuf *b)
{
	if (b->p != NULL) {
		iampw_wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

/*
 * Room for `more` bytes and a NUL.  Grows by malloc, copy and wipe rather
 * than realloc, which could leave a copy of a password in freed memory.
 */
static void ob_reserve(struct obuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->failed || more < b->cap - b->len)
		return;
	if (more >= SIZE_MAX / 2 - b->len) {
		b->failed = true;
		return;
	}
	cap = b->cap != 0 ? b->cap : 256;
	while (cap - b->len <= more)
		cap *= 2;
	p = malloc(cap);
	if (p == NULL) {
		b->failed = true;
		return;
	}
	if (b->len > 0)
		memcpy(p, b->p, b->len);
	p[b->len] = '\0';
	if (b->p != NULL) {
		iampw_wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = p;
	b->cap = cap;
}

static void ob_add(struct obuf *b, const char *s, size_t n)
{
	ob_reserve(b, n);
	if (b->failed)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void ob_str(struct obuf *b, const char *s)
{
	ob_add(b, s, strlen(s));
}

static void ob_fill(struct obuf *b, char ch, size_t n)
{
	ob_reserve(b, n);
	if (b->failed)
		return;
	memset(b->p + b->len, ch, n);
	b->len += n;
	b->p[b->len] = '\0';
}

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
static const char *scalar_text(struct obuf *b, json_object *v, size_t *n)
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
static void jw_string(struct obuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	char u[6] = { '\\', 'u', '0', '0' };
	const char *esc;
	size_t len;

	ob_add(b, "\"", 1);
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
		ob_add(b, s + run, i - run);
		ob_add(b, esc, len);
		run = i + 1;
	}
	ob_add(b, s + run, n - run);
	ob_add(b, "\"", 1);
}

static void jw_value(struct obuf *b, json_object *v, size_t level);

static void jw_object(struct obuf *b, json_object *o, size_t level)
{
	bool first = true;

	if (json_object_object_length(o) == 0) {
		ob_str(b, "{}");
		return;
	}
	ob_str(b, "{\n");
	json_object_object_foreach(o, key, val) {
		if (!first)
			ob_str(b, ",\n");
		first = false;
		ob_fill(b, ' ', 4 * (level + 1));
		jw_string(b, key, strlen(key));
		ob_str(b, ": ");
		jw_value(b, val, level + 1);
	}
	ob_str(b, "\n");
	ob_fill(b, ' ', 4 * level);
	ob_str(b, "}");
}

static void jw_array(struct obuf *b, json_object *a, size_t level)
{
	size_t i, n = json_object_array_length(a);

	if (n == 0) {
		ob_str(b, "[]");
		return;
	}
	ob_str(b, "[\n");
	for (i = 0; i < n; i++) {
		if (i > 0)
			ob_str(b, ",\n");
		ob_fill(b, ' ', 4 * (level + 1));
		jw_value(b, json_object_array_get_idx(a, i), level + 1);
	}
	ob_str(b, "\n");
	ob_fill(b, ' ', 4 * level);
	ob_str(b, "]");
}

static void jw_value(struct obuf *b, json_object *v, size_t level)
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
		ob_str(b, "null");
		break;
	case json_type_boolean:
		ob_str(b, json_object_get_boolean(v) ? "true" : "false");
		break;
	default:
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		if (s == NULL)
			b->failed = true;
		else
			ob_str(b, s);
		break;
	}
}

char *out_json_string(json_object *o)
{
	struct obuf b = { 0 };

	jw_value(&b, o, 0);
	if (b.failed) {
		ob_free(&b);
		return NULL;
	}
	return b.p;
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
static const char **sorted_keys(struct obuf *b, json_object *o, size_t *n)
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
static const char **union_keys(struct obuf *b, json_object *a, size_t *n)
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
static void txt_ident(struct obuf *b, const char *ident)
{
	for (; *ident != '\0'; ident++) {
		char ch = *ident;

		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		ob_add(b, &ch, 1);
	}
}

/* One field of a tab-separated line. */
static void txt_field(struct obuf *b, bool *first, const char *s, size_t n)
{
	if (!*first)
		ob_add(b, "\t", 1);
	*first = false;
	ob_add(b, s, n);
}

static void txt_scalar_field(struct obuf *b, bool *first, json_object *v)
{
	size_t n;
	const char *s = scalar_text(b, v, &n);

	txt_field(b, first, s, n);
}

static void txt_item(struct obuf *b, json_object *v, const char *ident,
		     const char *const *cols, size_t ncols);

/*
 * One object.  cols/ncols, when given (an element of an array of objects),
 * are the line's columns; otherwise the object's own scalar keys are.
 */
static void txt_object(struct obuf *b, json_object *o, const char *ident,
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
		ob_add(b, "\n", 1);
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
static void txt_scalars(struct obuf *b, json_object *a, const char *ident)
{
	size_t i, n = json_object_array_length(a);
	bool first = true;

	for (i = 0; i < n; i++) {
		json_object *el = json_object_array_get_idx(a, i);

		if (!is_scalar(el))
			continue;
		if (ident != NULL) {
			txt_ident(b, ident);
			ob_add(b, "\t", 1);
			first = true;
		}
		txt_scalar_field(b, &first, el);
		if (ident != NULL)
			ob_add(b, "\n", 1);
	}
	if (ident == NULL && !first)
		ob_add(b, "\n", 1);
}

static void txt_array(struct obuf *b, json_object *a, const char *ident)
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

static void txt_item(struct obuf *b, json_object *v, const char *ident,
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
		ob_add(b, "\n", 1);
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
	struct obuf *out;
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
	struct obuf *b = data;

	ob_add(b, (const char *)buffer, size);
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
static bool yaml_document(struct obuf *b, json_object *v, bool stream)
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

static void yaml_print(struct obuf *b, json_object *v, bool stream)
{
	/*
	 * A lone scalar would end with "...": the AWS CLI writes it as
	 * compact JSON instead (yaml-stream always has its sequence).
	 */
	if (!stream && is_scalar(v)) {
		jw_value(b, v, 0);
		ob_str(b, "\n");
		return;
	}
	yaml_document(b, v, stream);
}

/* ---------------------------------------------------------------------- */
/* get-credential-report in text: the CSV itself (§6.2)                   */

static int b64_sextet(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/*
 * Strict RFC 4648 §4 base64: the standard alphabet and nothing else (no
 * line breaks), a length that is a multiple of 4, '=' only as the last
 * one or two characters, and the unused bits of the last group zero, so
 * that a damaged report is refused rather than printed half-decoded.
 * Returns 0, or -1 when the text is not such base64.
 */
static int b64_decode(struct obuf *out, const char *in, size_t n)
{
	size_t i, j;

	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		size_t pad = 0;
		uint32_t w = 0;
		char bytes[3];

		if (i + 4 == n && in[i + 3] == '=')
			pad = in[i + 2] == '=' ? 2 : 1;
		for (j = 0; j < 4; j++) {
			int s = j < 4 - pad ? b64_sextet((unsigned char)in[i + j]) : 0;

			if (s < 0)
				return -1;
			w = w << 6 | (uint32_t)s;
		}
		if ((pad == 2 && (w & 0xffff) != 0) || (pad == 1 && (w & 0xff) != 0))
			return -1;
		bytes[0] = (char)(w >> 16);
		bytes[1] = (char)(w >> 8 & 0xff);
		bytes[2] = (char)(w & 0xff);
		ob_add(out, bytes, 3 - pad);
	}
	return 0;
}

static int txt_credential_report(struct obuf *b, json_object *response)
{
	json_object *content;

	if (!json_object_object_get_ex(response, "Content", &content) ||
	    !json_object_is_type(content, json_type_string)) {
		fprintf(stderr, "iampw-admin: the credential report has no Content\n");
		return EXIT_OTHER;
	}
	if (b64_decode(b, json_object_get_string(content),
		       (size_t)json_object_get_string_len(content)) != 0) {
		fprintf(stderr, "iampw-admin: the credential report's Content is not valid base64\n");
		return EXIT_OTHER;
	}
	return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* table                                                                   */

struct table {
	struct obuf *out;
	bool measuring;  /* first pass: only find `width` */
	size_t width;    /* of every line, in columns */
	bool started;    /* the top border is written */
};

/*
 * One box: the rows of an object (its scalar members, as key | value), of
 * an array (its scalar elements, one column) or of a lone scalar.
 */
struct section {
	size_t depth;              /* '|' on each side; 1 at the top */
	const char *title;
	json_object *obj, *arr, *one;
	size_t rows, key_width, value_width;
};

/* Columns taken by UTF-8 text: one per byte that starts a character. */
static size_t text_width(const char *s, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/* Cell text; control characters would break the box and become '?'. */
static void tab_text(struct obuf *b, const char *s, size_t n)
{
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch != 0x7f)
			continue;
		ob_add(b, s + run, i - run);
		ob_add(b, "?", 1);
		run = i + 1;
	}
	ob_add(b, s + run, n - run);
}

static void tab_need(struct table *t, size_t width)
{
	if (width > t->width)
		t->width = width;
}

typedef void (*row_fn)(struct table *t, struct section *s, const char *key,
		       json_object *val);

static void sec_each(struct table *t, struct section *s, row_fn fn)
{
	size_t i, n;

	if (s->obj != NULL) {
		json_object_object_foreach(s->obj, key, val) {
			if (is_scalar(val))
				fn(t, s, key, val);
		}
	} else if (s->arr != NULL) {
		n = json_object_array_length(s->arr);
		for (i = 0; i < n; i++) {
			json_object *el = json_object_array_get_idx(s->arr, i);

			if (is_scalar(el))
				fn(t, s, NULL, el);
		}
	} else {
		fn(t, s, NULL, s->one);
	}
}

static void row_measure(struct table *t, struct section *s, const char *key,
			json_object *val)
{
	size_t n, w;
	const char *text = scalar_text(t->out, val, &n);

	s->rows++;
	w = text_width(text, n);
	if (w > s->value_width)
		s->value_width = w;
	w = key != NULL ? text_width(key, strlen(key)) : 0;
	if (w > s->key_width)
		s->key_width = w;
}

static void tab_pipes(struct obuf *b, size_t n)
{
	ob_fill(b, '|', n);
}

/* Between the inner '|' of a key | value row sits the key cell. */
static size_t key_cell(const struct section *s)
{
	return s->obj != NULL ? s->key_width + 4 : 0;
}

static void row_render(struct table *t, struct section *s, const char *key,
		       json_object *val)
{
	struct obuf *b = t->out;
	size_t n, w, inner = t->width - 2 * s->depth, used = 0;
	const char *text = scalar_text(b, val, &n);

	tab_pipes(b, s->depth);
	if (key != NULL) {
		w = strlen(key);
		ob_str(b, "  ");
		tab_text(b, key, w);
		ob_fill(b, ' ', s->key_width - text_width(key, w) + 2);
		ob_str(b, "|");
		used = key_cell(s) + 1;
	}
	ob_str(b, "  ");
	tab_text(b, text, n);
	ob_fill(b, ' ', inner - used - 2 - text_width(text, n));
	tab_pipes(b, s->depth);
	ob_str(b, "\n");
}

/* +-----+ under a title and around rows, with a '+' at the key column. */
static void tab_rule(struct table *t, const struct section *s)
{
	struct obuf *b = t->out;
	size_t inner = t->width - 2 * s->depth, k = key_cell(s);

	tab_pipes(b, s->depth - 1);
	ob_str(b, "+");
	if (s->rows > 0 && k > 0) {
		ob_fill(b, '-', k);
		ob_str(b, "+");
		ob_fill(b, '-', inner - k - 1);
	} else {
		ob_fill(b, '-', inner);
	}
	ob_str(b, "+");
	tab_pipes(b, s->depth - 1);
	ob_str(b, "\n");
}

static void tab_title(struct table *t, const struct section *s)
{
	struct obuf *b = t->out;
	size_t n = strlen(s->title), w = text_width(s->title, n);
	size_t inner = t->width - 2 * s->depth, left = (inner - w) / 2;

	tab_pipes(b, s->depth);
	ob_fill(b, ' ', left);
	tab_text(b, s->title, n);
	ob_fill(b, ' ', inner - w - left);
	tab_pipes(b, s->depth);
	ob_str(b, "\n");
}

static void tab_section(struct table *t, struct section *s)
{
	size_t edges = 2 * s->depth;

	sec_each(t, s, row_measure);
	if (t->measuring) {
		tab_need(t, edges + text_width(s->title, strlen(s->title)) + 4);
		if (s->obj != NULL)
			tab_need(t, edges + key_cell(s) + 1 + s->value_width + 4);
		else
			tab_need(t, edges + s->value_width + 4);
		return;
	}
	if (!t->started) {
		ob_fill(t->out, '-', t->width);
		ob_str(t->out, "\n");
		t->started = true;
	}
	tab_title(t, s);
	tab_rule(t, s);
	if (s->rows == 0)
		return;
	sec_each(t, s, row_render);
	tab_rule(t, s);
}

static void tab_value(struct table *t, const char *title, json_object *v,
		      size_t depth)
{
	struct section s = { .depth = depth, .title = title };
	size_t i, n;
	bool scalars = false;

	if (json_object_is_type(v, json_type_object)) {
		if (json_object_object_length(v) == 0)
			return;
		s.obj = v;
		tab_section(t, &s);
		json_object_object_foreach(v, key, val) {
			if (!is_scalar(val))
				tab_value(t, key, val, depth + 1);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (is_scalar(json_object_array_get_idx(v, i)))
				scalars = true;
		if (scalars) {
			s.arr = v;
			tab_section(t, &s);
		}
		for (i = 0; i < n; i++) {
			json_object *el = json_object_array_get_idx(v, i);

			if (!is_scalar(el))
				tab_value(t, title, el, depth);
		}
	} else {
		s.one = v;
		tab_section(t, &s);
	}
}

static void tab_print(struct obuf *b, const char *title, json_object *response)
{
	struct table t = { .out = b, .measuring = true };

	tab_value(&t, title, response, 1);
	t.measuring = false;
	tab_value(&t, title, response, 1);
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
static bool jp_drain(int *fd, struct obuf *b, size_t max)
{
	char buf[4096];
	ssize_t n = read(*fd, buf, sizeof buf);

	if (n > 0) {
		if (b->len + (size_t)n > max) {
			iampw_wipe(buf, sizeof buf);
			return false;
		}
		ob_add(b, buf, (size_t)n);
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
		       struct obuf *out, struct obuf *err)
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
		  struct obuf *out, struct obuf *err, int *status)
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
static int jp_failed(int err, int status, const struct obuf *errout)
{
	char msg[128];

	if (err == ENOENT || err == EACCES)
		fprintf(stderr, "iampw-admin: --query needs jp, the JMESPath command-line tool "
			"(Debian package jp): %s: %s\n", jp_path(), strerror_r(err, msg, sizeof msg));
	else if (err == ETIMEDOUT)
		fprintf(stderr, "iampw-admin: --query: jp did not finish within %d seconds\n",
			JP_SECONDS);
	else if (err == EFBIG)
		fprintf(stderr, "iampw-admin: --query: the result is larger than %u MiB\n",
			JP_OUT_MAX >> 20);
	else if (err != 0)
		fprintf(stderr, "iampw-admin: --query: cannot run jp: %s\n",
			strerror_r(err, msg, sizeof msg));
	else
		fprintf(stderr, "iampw-admin: --query: jp failed (status %d)%s%.*s\n", status,
			errout->len > 0 ? ": " : "", (int)(errout->len < 512 ? errout->len : 512),
			errout->p != NULL ? errout->p : "");
	return EXIT_OTHER;
}

/* jp's message without its trailing newlines. */
static int trimmed(const struct obuf *b)
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
	struct obuf out = { 0 }, err = { 0 };
	int rc, status = 0;

	rc = jp_run(args, "", 0, &out, &err, &status);
	if (rc != 0 || (status == 0 && out.len > 0)) {
		if (rc != 0)
			jp_failed(rc, status, &err);
		ob_free(&out);
		ob_free(&err);
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
		ob_free(&out);
		ob_free(&err);
		return EXIT_USAGE;
	}
	rc = jp_failed(0, status, &err);
	ob_free(&out);
	ob_free(&err);
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
	struct obuf in = { 0 }, out = { 0 }, err = { 0 };
	enum json_tokener_error jerr = json_tokener_success;
	int rc, status = 0;

	*result = NULL;
	if (response != NULL)
		jw_value(&in, response, 0);
	else
		ob_str(&in, "{}");
	if (in.failed) {
		ob_free(&in);
		fprintf(stderr, "iampw-admin: cannot format the output: %s\n", strerror(ENOMEM));
		return EXIT_OTHER;
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
		struct json_tokener *tok = json_tokener_new();

		rc = EXIT_OK;
		if (tok == NULL || out.len > INT32_MAX) {
			jerr = json_tokener_error_parse_eof;
		} else {
			*result = json_tokener_parse_ex(tok, out.p != NULL ? out.p : "", (int)out.len + 1);
			jerr = json_tokener_get_error(tok);
		}
		json_tokener_free(tok);
		if (jerr != json_tokener_success) {
			json_object_put(*result);
			*result = NULL;
			fprintf(stderr, "iampw-admin: --query: jp's result is not JSON: %s\n",
				json_tokener_error_desc(jerr));
			rc = EXIT_OTHER;
		} else {
			struct key_order ko = { c->query, in.p != NULL ? in.p : "{}" };
			bool failed = false;
			json_object *ordered = reorder(&ko, *result, &failed);

			/* The strings are shared with the copy, and wiped with it. */
			json_object_put(*result);
			*result = ordered;
			if (failed) {
				fprintf(stderr, "iampw-admin: cannot format the output: %s\n",
					strerror(ENOMEM));
				rc = EXIT_OTHER;
			}
		}
	}
	ob_free(&in);
	ob_free(&out);
	ob_free(&err);
	return rc;
}

/* Whether the string `s` is somewhere in v. */
static bool holds_string(json_object *v, const char *s)
{
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_string:
		return strcmp(json_object_get_string(v), s) == 0;
	case json_type_object:
		json_object_object_foreach(v, key, val) {
			(void)key;
			if (holds_string(val, s))
				return true;
		}
		return false;
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
	case json_type_object:
		json_object_object_foreach(v, key, val) {
			(void)key;
			wipe_strings(val);
		}
		break;
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

/* Writes the rendered output; a failure is reported, not lost. */
static int emit(const char *p, size_t n)
{
	char msg[128];
	int err = 0;

	errno = 0;
	if (n > 0 && fwrite(p, 1, n, stdout) != n)
		err = errno != 0 ? errno : EIO;
	errno = 0;
	if (fflush(stdout) != 0 && err == 0)
		err = errno != 0 ? errno : EIO;
	if (err == 0 && ferror(stdout))
		err = EIO;
	if (err == 0)
		return EXIT_OK;
	fprintf(stderr, "iampw-admin: cannot write the output: %s\n",
		strerror_r(err, msg, sizeof msg));
	return EXIT_OTHER;
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
static int render(const struct cli *c, json_object *v, bool queried, struct obuf *b)
{
	if (c->output == OUT_TEXT && !queried && verb_is(c, "get-credential-report"))
		return txt_credential_report(b, v);
	/* Nothing for a verb without output; a query's null is printed. */
	if ((v == NULL && !queried) ||
	    (json_object_is_type(v, json_type_object) && json_object_object_length(v) == 0))
		return EXIT_OK;
	switch (c->output) {
	case OUT_JSON:
		jw_value(b, v, 0);
		ob_str(b, "\n");
		return EXIT_OK;
	case OUT_TEXT:
		txt_item(b, v, NULL, NULL, 0);
		return EXIT_OK;
	case OUT_TABLE:
		tab_print(b, c->verb != NULL && c->verb->operation != NULL ?
			     c->verb->operation : "", v);
		return EXIT_OK;
	case OUT_YAML:
	case OUT_YAML_STREAM:
		yaml_print(b, v, c->output == OUT_YAML_STREAM);
		return EXIT_OK;
	}
	fprintf(stderr, "iampw-admin: unknown output format %d\n", (int)c->output);
	return EXIT_OTHER;
}

int out_print(const struct cli *c, json_object *response)
{
	const char *password = generated_password(response);
	json_object *result = NULL;
	struct obuf b = { 0 };
	int rc = EXIT_OK;

	if (c->query != NULL)
		rc = query_apply(c, response, &result);
	if (rc == EXIT_OK)
		rc = render(c, c->query != NULL ? result : response, c->query != NULL, &b);
	if (rc == EXIT_OK && b.failed) {
		fprintf(stderr, "iampw-admin: cannot format the output: %s\n",
			strerror(ENOMEM));
		rc = EXIT_OTHER;
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
	ob_free(&b);
	return rc;
}
