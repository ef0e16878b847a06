/*
 * libFuzzer target: iampw-admin's output formats (output.c: out_print),
 * on any JSON document, as a --query result can be.
 *
 * Input: one selector byte, then the JSON text.  The selector's low bits
 * pick the format (json, text, table, yaml, yaml-stream), bit 3 colour,
 * bit 4 the verb get-credential-report (out_print renders it like any
 * other: its CSV in text is the verb's own).  Checks, besides crashes and
 * leaks:
 *  - out_print answers EXIT_OK, or EXIT_OTHER with a reason on stderr
 *    (a document the AWS CLI's table cannot draw);
 *  - on EXIT_OTHER nothing reaches stdout;
 *  - --output json prints a document that parses back to the same one
 *    (NaN aside, which json-c reads and which equals nothing).
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz.h"

static const struct verb v_plain = { .name = "get-login-profile", .operation = "GetLoginProfile" };
static const struct verb v_report = {
	.name = "get-credential-report", .operation = "GetCredentialReport",
};

/* json-c reads NaN and Infinity even when strict; NaN never equals itself. */
static bool nonfinite(json_object *v)
{
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_double:
		return !isfinite(json_object_get_double(v));
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (nonfinite(json_object_array_get_idx(v, i)))
				return true;
		return false;
	case json_type_object: {
		json_object_object_foreach(v, key, val) {
			(void)key;
			if (nonfinite(val))
				return true;
		}
		return false;
	}
	default:
		return false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum out_format formats[] = {
		OUT_JSON, OUT_TEXT, OUT_TABLE, OUT_YAML, OUT_YAML_STREAM,
	};
	struct cli c = { 0 };
	struct json_tokener *tok;
	json_object *doc;
	FILE *cap_out, *cap_err, *saved_out = stdout, *saved_err = stderr;
	char *out = NULL, *err = NULL;
	size_t outlen = 0, errlen = 0;
	int rc;

	if (size < 1 || size > 65536)
		return 0;
	c.output = formats[(data[0] & 7) % 5];
	c.color = (data[0] & 8) ? COLOR_ON : COLOR_OFF;
	c.verb = (data[0] & 16) ? &v_report : &v_plain;
	tok = json_tokener_new();
	if (tok == NULL)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	doc = json_tokener_parse_ex(tok, (const char *)data + 1, (int)size - 1);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_tokener_free(tok);
		json_object_put(doc);
		return 0;
	}
	json_tokener_free(tok);

	cap_out = open_memstream(&out, &outlen);
	cap_err = open_memstream(&err, &errlen);
	if (cap_out == NULL || cap_err == NULL)
		abort();
	stdout = cap_out;
	stderr = cap_err;
	rc = out_print(&c, doc);
	stdout = saved_out;
	stderr = saved_err;
	if (fclose(cap_out) != 0 || fclose(cap_err) != 0)
		abort();

	if (rc != EXIT_OK && rc != EXIT_OTHER)
		abort();
	if (rc == EXIT_OTHER && (errlen == 0 || outlen != 0))
		abort();
	if (rc == EXIT_OK && c.output == OUT_JSON && outlen > 0 && !nonfinite(doc)) {
		json_object *back = json_tokener_parse(out);

		if (back == NULL && doc != NULL)
			abort();
		if (!json_object_equal(back, doc))
			abort();
		json_object_put(back);
	}
	json_object_put(doc);
	free(out);
	free(err);
	return 0;
}
