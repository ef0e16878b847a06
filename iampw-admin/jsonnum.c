/*
 * Numbers in --cli-input-json as the AWS CLI reads them.  It parses the
 * JSON with Python's json module: an integer becomes a Python int of any
 * size, a number with a fraction or an exponent a float, and its
 * messages show them with repr().  json-c 0.16 (Debian 12) saturates an
 * integer beyond 64 bits at INT64_MIN or UINT64_MAX (strtoll/strtoull)
 * and, in strict mode, still takes "-01" and "1.", which Python refuses.
 *
 * So the number tokens are read again from the same text by libyaml,
 * which the tool links for --output yaml: JSON is YAML's flow style, and
 * a JSON number is a plain scalar whose value is the bytes the user
 * wrote.  libyaml's reading is used only where it agrees with json-c's
 * on every top-level key and the kind of its value; where it cannot read
 * the text (a surrogate-pair escape, a key over 1024 bytes), json-c's
 * values stand and an integer json-c may have cut is refused rather than
 * quoted wrong.  The text of such an integer is kept the way json-c keeps
 * a double's (json_object_new_double_s): as the userdata of a serializer
 * that prints it, so that every message that prints the value prints what
 * the user wrote.  (json-c 0.17 and later refuse such an integer in strict
 * mode, so there the whole input is "Invalid JSON received".)
 */
#include "config.h"

#include <math.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json_visit.h>
#include <yaml.h>

#include "cli.h"

/*
 * Python's int() reads at most this many digits from a string
 * (sys.int_info.default_max_str_digits): json.loads raises ValueError
 * beyond it, which the AWS CLI reports as invalid JSON.
 */
#define PY_INT_MAX_DIGITS 4300

/* The number grammar of Python's json module (json.scanner.NUMBER_RE). */
#define PY_NUMBER_RE "^(-?(0|[1-9][0-9]*))(\\.[0-9]+)?([eE][-+]?[0-9]+)?$"

/* What libyaml's second reading found. */
enum reading { R_DISAGREES, R_AGREES, R_REFUSED };

static bool saturated(json_object *v)
{
	int64_t i;

	if (!json_object_is_type(v, json_type_int))
		return false;
	i = json_object_get_int64(v);
	return i == INT64_MIN || i == INT64_MAX;
}

/*
 * A plain scalar as a token of Python's json: its literals, or a number
 * of its grammar with an integer part Python's int() reads.
 */
static bool python_token(const regex_t *re, const char *s, size_t n)
{
	static const char *const literals[] = {
		"true", "false", "null", "NaN", "Infinity", "-Infinity",
	};
	regmatch_t m[5];

	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < sizeof literals / sizeof literals[0]; i++)
		if (strcmp(s, literals[i]) == 0)
			return true;
	if (regexec(re, s, 5, m, 0) != 0)
		return false;
	/* A float has no digit limit; an int's digits exclude its sign. */
	if (m[3].rm_so >= 0 || m[4].rm_so >= 0)
		return true;
	return (size_t)(m[1].rm_eo - m[1].rm_so) - (s[0] == '-') <= PY_INT_MAX_DIGITS;
}

/* The kind of event libyaml reports for a value json-c parsed. */
static bool same_kind(const yaml_event_t *ev, json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_object:
		return ev->type == YAML_MAPPING_START_EVENT;
	case json_type_array:
		return ev->type == YAML_SEQUENCE_START_EVENT;
	case json_type_string:
		return ev->type == YAML_SCALAR_EVENT &&
		       ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	default:
		return ev->type == YAML_SCALAR_EVENT &&
		       ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	}
}

/* Walking libyaml's events of a JSON object. */
struct walk {
	const regex_t *re;
	json_object *doc;
	json_object *seen;      /* top-level key -> its plain scalar's text, or null */
	int depth;              /* 1: in the top-level mapping */
	char *key;              /* the top-level key whose value comes next */
	bool refused;           /* a number Python's json refuses */
	bool done;              /* the object is read */
};

/* A scalar event; the walk goes on (R_AGREES) or ends (R_DISAGREES). */
static enum reading on_scalar(struct walk *w, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	json_object *v;

	/*
	 * Judged once the whole object is read: before an error libyaml may
	 * report a scalar that is not there (an empty one after a long key).
	 */
	if (plain && !python_token(w->re, s, n))
		w->refused = true;
	if (w->depth > 1)
		return R_AGREES;
	if (w->key == NULL) {
		/* A key: a JSON string, never cut at a NUL. */
		if (plain || strlen(s) != n)
			return R_DISAGREES;
		w->key = strdup(s);
		return w->key != NULL ? R_AGREES : R_DISAGREES;
	}
	if (!json_object_object_get_ex(w->doc, w->key, &v) || !same_kind(ev, v))
		return R_DISAGREES;
	/* The last of duplicate keys wins, in json-c as in Python. */
	if (json_object_object_add(w->seen, w->key,
				   plain ? json_object_new_string_len(s, (int)n) : NULL) != 0)
		return R_DISAGREES;
	free(w->key);
	w->key = NULL;
	return R_AGREES;
}

/* One event; R_AGREES to go on, else (R_DISAGREES) the end of the walk. */
static enum reading on_event(struct walk *w, const yaml_event_t *ev)
{
	json_object *v;

	switch (ev->type) {
	case YAML_STREAM_START_EVENT:
	case YAML_DOCUMENT_START_EVENT:
		return w->depth == 0 ? R_AGREES : R_DISAGREES;
	case YAML_SCALAR_EVENT:
		if (w->depth == 0 || ev->data.scalar.anchor != NULL || ev->data.scalar.tag != NULL)
			return R_DISAGREES;
		return on_scalar(w, ev);
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		if (w->depth == 1) {
			/* A top-level value that is a container: only its kind is compared. */
			if (w->key == NULL || !json_object_object_get_ex(w->doc, w->key, &v) ||
			    !same_kind(ev, v) || json_object_object_add(w->seen, w->key, NULL) != 0)
				return R_DISAGREES;
			free(w->key);
			w->key = NULL;
		} else if (w->depth == 0 && ev->type != YAML_MAPPING_START_EVENT) {
			return R_DISAGREES;
		}
		w->depth++;
		return R_AGREES;
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		w->depth--;
		if (w->depth > 0)
			return R_AGREES;
		/* The object is read: it agrees if it had json-c's keys, no more. */
		w->done = true;
		return w->key == NULL && json_object_object_length(w->seen) ==
			json_object_object_length(w->doc) ? R_AGREES : R_DISAGREES;
	default:
		/* An alias, or the end of a stream that held no object. */
		return R_DISAGREES;
	}
}

/*
 * libyaml's reading of the `len` bytes of `text`, which json-c parsed into
 * the object `doc`: R_AGREES with `seen` filled, R_REFUSED when a number is one Python's json
 * refuses, R_DISAGREES when libyaml cannot read it as json-c did.
 */
static enum reading read_again(const char *text, size_t len, json_object *doc,
				json_object *seen)
{
	regex_t re;
	yaml_parser_t parser;
	yaml_event_t ev;
	struct walk w = { .re = &re, .doc = doc, .seen = seen };
	enum reading r = R_DISAGREES;

	if (regcomp(&re, PY_NUMBER_RE, REG_EXTENDED) != 0)
		return R_DISAGREES;
	if (!yaml_parser_initialize(&parser)) {
		regfree(&re);
		return R_DISAGREES;
	}
	/*
	 * The object alone: the blanks JSON allows around it are json-c's to
	 * judge, and YAML takes no tab at the start of a line outside it.
	 */
	while (len > 0 && strchr(" \t\r\n", *text) != NULL) {
		text++;
		len--;
	}
	while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL)
		len--;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (yaml_parser_parse(&parser, &ev)) {
		r = on_event(&w, &ev);
		yaml_event_delete(&ev);
		if (r != R_AGREES || w.done)
			break;
		r = R_DISAGREES;
	}
	free(w.key);
	yaml_parser_delete(&parser);
	regfree(&re);
	return r == R_AGREES && w.refused ? R_REFUSED : r;
}

static int any_number(json_object *v, int flags, json_object *parent, const char *key,
		      size_t *index, void *found)
{
	(void)flags;
	(void)parent;
	(void)key;
	(void)index;
	if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
		*(bool *)found = true;
		return JSON_C_VISIT_RETURN_STOP;
	}
	return JSON_C_VISIT_RETURN_CONTINUE;
}

int jsonnum_check(const char *text, size_t len, json_object *doc)
{
	json_object *seen;
	bool numbers = false;
	enum reading r;

	if (json_c_visit(doc, 0, any_number, &numbers) < 0 || !numbers ||
	    json_object_object_get_ex(doc, "Password", NULL))
		return 0;
	seen = json_object_new_object();
	if (seen == NULL)
		return 0;
	r = read_again(text, len, doc, seen);
	if (r == R_REFUSED) {
		json_object_put(seen);
		return -1;
	}
	json_object_object_foreach(seen, key, t) {
		json_object *v;
		char *copy;

		if (r != R_AGREES || t == NULL || !json_object_object_get_ex(doc, key, &v) ||
		    !saturated(v) || (json_object_get_string(t)[0] == '-') !=
		    (json_object_get_int64(v) < 0))
			continue;
		copy = strdup(json_object_get_string(t));
		if (copy != NULL)
			json_object_set_serializer(v, json_object_userdata_to_json_string, copy,
						   json_object_free_userdata);
	}
	json_object_put(seen);
	return 0;
}

const char *jsonnum_text(json_object *v)
{
	if (!saturated(v))
		return NULL;
	if (json_object_get_userdata(v) != NULL)
		return json_object_get_userdata(v);
	/* Between INT64_MAX and UINT64_MAX json-c holds the value exactly. */
	return jsonnum_unknown(v) ? NULL : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

bool jsonnum_unknown(json_object *v)
{
	char limit[3][24];
	const char *s;

	if (!saturated(v) || json_object_get_userdata(v) != NULL)
		return false;
	/* The values json-c saturates at: what was written is not known. */
	snprintf(limit[0], sizeof limit[0], "%lld", (long long)INT64_MIN);
	snprintf(limit[1], sizeof limit[1], "%lld", (long long)INT64_MAX);
	snprintf(limit[2], sizeof limit[2], "%llu", (unsigned long long)UINT64_MAX);
	s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	return s == NULL || strcmp(s, limit[0]) == 0 || strcmp(s, limit[1]) == 0 ||
	       strcmp(s, limit[2]) == 0;
}

/* "D[.DDD]e(+|-)XX" (printf's %e of a positive value) as digits and exponent. */
static void split_e(const char *e, char *digits, size_t *nd, int *exp10)
{
	const char *p;

	*nd = 0;
	for (p = e; *p != 'e'; p++)
		if (*p != '.')
			digits[(*nd)++] = *p;
	digits[*nd] = '\0';
	*exp10 = atoi(p + 1);
}

/* The next decimal up at the same number of digits ("999" -> "1000" one place up). */
static void next_up(char *digits, size_t nd, int *exp10)
{
	size_t i = nd;

	while (i > 0 && digits[i - 1] == '9')
		digits[--i] = '0';
	if (i > 0) {
		digits[i - 1]++;
		return;
	}
	digits[0] = '1';
	(*exp10)++;
}

/*
 * The fewest significant digits that read back as x (>= 0), as Python's
 * repr() finds them: printf rounds correctly, so the first precision
 * whose rounding reads back gives them, except at a power of two, where
 * the gap below x is half the gap above: there the next decimal up may
 * read back when the nearest one (below) does not.
 */
static void shortest(double x, char digits[24], size_t *nd, int *exp10)
{
	char e[48];
	int m;
	bool pow2 = frexp(x, &m) == 0.5;

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec - 1, x);
		split_e(e, digits, nd, exp10);
		if (strtod(e, NULL) == x)
			break;
		if (pow2 && prec < 17) {
			next_up(digits, *nd, exp10);
			snprintf(e, sizeof e, "0.%se%d", digits, *exp10 + 1);
			if (strtod(e, NULL) == x)
				break;
		}
	}
	while (*nd > 1 && digits[*nd - 1] == '0')
		digits[--(*nd)] = '\0';
}

/*
 * Python's repr() of a float: its shortest digits, positional when the
 * decimal exponent is in [-4, 16) (".0" after an integral value),
 * "1e+16" style outside it.
 */
static void python_float(double d, char *buf, size_t n)
{
	static const char zeros[] = "0000000000000000";
	const char *sign = signbit(d) ? "-" : "";
	char digits[24];
	size_t nd;
	int exp10;

	if (isnan(d) || isinf(d)) {
		snprintf(buf, n, "%s", isnan(d) ? "nan" : d < 0 ? "-inf" : "inf");
		return;
	}
	shortest(fabs(d), digits, &nd, &exp10);
	if (exp10 < -4 || exp10 >= 16)
		snprintf(buf, n, "%s%c%s%se%c%02d", sign, digits[0], nd > 1 ? "." : "",
			 digits + 1, exp10 < 0 ? '-' : '+', abs(exp10));
	else if (exp10 < 0)
		snprintf(buf, n, "%s0.%.*s%s", sign, -exp10 - 1, zeros, digits);
	else if ((size_t)exp10 + 1 >= nd)
		snprintf(buf, n, "%s%s%.*s.0", sign, digits, (int)((size_t)exp10 + 1 - nd), zeros);
	else
		snprintf(buf, n, "%s%.*s.%s", sign, exp10 + 1, digits, digits + exp10 + 1);
}

const char *jsonnum_python(json_object *v, char *buf, size_t n)
{
	if (json_object_is_type(v, json_type_double)) {
		python_float(json_object_get_double(v), buf, n);
		return buf;
	}
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}
