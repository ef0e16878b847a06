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

static bool verb_is(const struct cli *c, const char *name)
{
	return c->verb != NULL && c->verb->name != NULL &&
	       strcmp(c->verb->name, name) == 0;
}

/*
 * For the verbs whose responses grow with the number of accounts
 * (get-credential-report, list-users, SPEC §8): the formats whose output
 * they may write themselves, piece by piece, exactly as out_print would
 * render the whole.  Any format or option that changes the rendering
 * (a filter, another layout) must answer false here: the verb then
 * builds the response in memory and calls out_print.
 */
bool out_streams(const struct cli *c)
{
	return c->output == OUT_JSON ||
	       (c->output == OUT_TEXT && verb_is(c, "get-credential-report"));
}

int out_print(const struct cli *c, json_object *response)
{
	struct obuf b = { 0 };
	int rc = EXIT_OK;

	if (c->output == OUT_TEXT && verb_is(c, "get-credential-report")) {
		rc = txt_credential_report(&b, response);
	} else if (response == NULL ||
		   (json_object_is_type(response, json_type_object) &&
		    json_object_object_length(response) == 0)) {
		/* nothing to print */
	} else if (c->output == OUT_JSON) {
		jw_value(&b, response, 0);
		ob_str(&b, "\n");
	} else if (c->output == OUT_TEXT) {
		txt_item(&b, response, NULL, NULL, 0);
	} else if (c->output == OUT_TABLE) {
		tab_print(&b, c->verb != NULL && c->verb->operation != NULL ?
			      c->verb->operation : "", response);
	} else {
		fprintf(stderr, "iampw-admin: unknown output format %d\n", (int)c->output);
		rc = EXIT_OTHER;
	}
	if (rc == EXIT_OK && b.failed) {
		fprintf(stderr, "iampw-admin: cannot format the output: %s\n",
			strerror(ENOMEM));
		rc = EXIT_OTHER;
	}
	if (rc == EXIT_OK)
		rc = emit(b.p, b.len);
	ob_free(&b);
	return rc;
}
