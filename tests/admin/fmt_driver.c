/*
 * A test driver for iampw-admin/output.c: prints the JSON document read
 * from stdin exactly as iampw-admin prints a response, so that
 * tests/admin/awsfmt.py can compare every output format with the AWS
 * CLI's own formatters.
 *
 *	fmt_driver FORMAT VERB OPERATION [QUERY] <response.json
 *
 * FORMAT is an --output name, VERB the verb ("get-login-profile") and
 * OPERATION its AWS name ("GetLoginProfile", the table's title); QUERY
 * a --query expression, evaluated by jp as the tool does.  With
 * FMT_DRIVER_COLOR_ON set in the environment, as with --color on.  The
 * literal document "null" stands for a verb without output.  The exit
 * status is out_print's; 2 for a bad command line or document.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	struct verb v = { 0 };
	json_object *response = NULL;
	struct json_tokener *tok;
	static char text[1 << 20];
	size_t len;
	int rc;

	if (argc < 4 || argc > 5 || !out_format_parse(argv[1], &c.output)) {
		fprintf(stderr, "usage: fmt_driver FORMAT VERB OPERATION [QUERY] <response.json\n");
		return 2;
	}
	v.name = argv[2];
	v.operation = argv[3];
	c.verb = &v;
	c.query = argc == 5 ? argv[4] : NULL;
	/* --color on, for the table's colours. */
	if (getenv("FMT_DRIVER_COLOR_ON") != NULL)
		c.color = COLOR_ON;
	len = fread(text, 1, sizeof text - 1, stdin);
	if (ferror(stdin) || len == sizeof text - 1) {
		fprintf(stderr, "fmt_driver: cannot read the document\n");
		return 2;
	}
	text[len] = '\0';
	tok = json_tokener_new();
	if (tok == NULL)
		return 2;
	/* With its NUL, so that a lone "null" or number is complete. */
	response = json_tokener_parse_ex(tok, text, (int)len + 1);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    (response == NULL && strncmp(text, "null", 4) != 0)) {
		fprintf(stderr, "fmt_driver: invalid JSON\n");
		json_tokener_free(tok);
		return 2;
	}
	json_tokener_free(tok);
	rc = out_print(&c, response);
	json_object_put(response);
	return rc;
}
