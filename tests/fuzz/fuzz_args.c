/*
 * libFuzzer target: the iampw-admin command line (cli_parse, args.c).
 *
 * Input: the arguments after "iampw-admin", separated by NUL bytes (the
 * one byte argv can never hold, so every argv is reachable; a final NUL
 * is optional, an empty field is an empty argument).  The parser prints
 * its errors and --help/--version text; they are captured in memory, and
 * checked.  Checks, besides crashes and leaks (cli_free):
 *  - the result is EXIT_OK, CLI_DONE (only with --help or --version) or
 *    EXIT_USAGE, and an EXIT_USAGE always says why;
 *  - no password ever comes out of argv (SPEC §6): c.password stays
 *    NULL, and --password / --password=X where an option may stand is
 *    refused whatever surrounds it;
 *  - what follows '=' in an option is never echoed (it may be a mistyped
 *    secret), except the value of an integer flag;
 *  - an accepted command line has a verb, only options that verb takes,
 *    and the required --user-name / --all.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "cli.h"

#define MAX_ARGS 128

/* Options that take the next argument as their value (args.c, A_VALUE). */
static const char *const value_options[] = {
	"--output", "--query", "--color", "--config", "--policy", "--state-dir", "--user-name",
	"--password", "--cli-input-json", "--minimum-password-length",
	"--max-password-age", "--password-reuse-prevention",
	"--virtual-mfa-device-name", "--outfile", "--bootstrap-method", "--serial-number",
	"--authentication-code1", "--authentication-code2", "--assignment-status", NULL,
};
/* Their values are echoed in "invalid int value" errors, by design. */
static const char *const int_options[] = {
	"--minimum-password-length", "--max-password-age",
	"--password-reuse-prevention", NULL,
};

/*
 * s (n bytes) names an option of the list, in full or abbreviated as the
 * parser accepts (a prefix of at least "--" and one letter); an
 * abbreviation of several is taken as any of them, which can only make
 * the checks below more lenient, never wrong.
 */
static bool in_list(const char *const *list, const char *s, size_t n)
{
	for (; *list != NULL; list++) {
		if (n > 2 && n <= strlen(*list) && strncmp(*list, s, n) == 0)
			return true;
	}
	return false;
}

/* argv[i] may be an option rather than the value of the one before it. */
static bool option_position(char **argv, int i)
{
	return i == 1 || !in_list(value_options, argv[i - 1], strlen(argv[i - 1]));
}

/* The parser's own texts are printable ASCII and '\n': other bytes are echoes. */
static bool distinctive(unsigned char ch)
{
	return ch >= 0x80 || (ch < 0x20 && ch != '\n' && ch != '\0');
}

static bool in_other_arg(char **argv, int argc, int i, unsigned char ch)
{
	for (int j = 1; j < argc; j++) {
		if (j != i && strchr(argv[j], ch) != NULL)
			return true;
	}
	return false;
}

/*
 * A byte found only in the value of "--opt=value" can reach the output
 * only by an echo of that value.
 */
static void check_no_echo(char **argv, int argc, const char *out, size_t outlen)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');

		if (strncmp(a, "--", 2) != 0 || eq == NULL || !option_position(argv, i) ||
		    in_list(int_options, a, (size_t)(eq - a)) ||
		    strncmp(a, "--cli-input-json=", 17) == 0)
			continue;
		for (const char *v = eq + 1; *v != '\0'; v++) {
			unsigned char ch = (unsigned char)*v;

			if (distinctive(ch) && memchr(a, ch, (size_t)(eq - a)) == NULL &&
			    !in_other_arg(argv, argc, i, ch) && memchr(out, ch, outlen) != NULL)
				abort();
		}
	}
}

/* --help or --version, or an abbreviation of it; "help" as a word asks for help too. */
static bool has_arg(char **argv, int argc, const char *s)
{
	const char *const one[] = { s, NULL };

	for (int i = 1; i < argc; i++) {
		if (in_list(one, argv[i], strlen(argv[i])) ||
		    (strcmp(s, "--help") == 0 && strcmp(argv[i], "help") == 0))
			return true;
	}
	return false;
}

/* --list-options, which is never abbreviated (ours, not the AWS CLI's). */
static bool has_exact(char **argv, int argc, const char *s)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], s) == 0)
			return true;
	}
	return false;
}

static void check_result(const struct cli *c, int rc, char **argv, int argc, size_t outlen)
{
	if (rc != EXIT_OK && rc != CLI_DONE && rc != EXIT_USAGE)
		abort();
	if (c->password != NULL)
		abort();
	if (rc == EXIT_USAGE && outlen == 0)
		abort();
	if (rc == CLI_DONE && !has_arg(argv, argc, "--help") && !has_arg(argv, argc, "--version") &&
	    !has_exact(argv, argc, "--list-options"))
		abort();
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "--password") == 0 || strncmp(argv[i], "--password=", 11) == 0) &&
		    option_position(argv, i) && rc != EXIT_USAGE)
			abort();
	}
	if (rc != EXIT_OK)
		return;
	if (c->verb == NULL || c->output > OUT_YAML_STREAM)
		abort();
	if (!(c->verb->flags & F_INPUT) && (c->cli_input_json != NULL || c->skeleton != NULL))
		abort();
	if (c->skeleton != NULL && strcmp(c->skeleton, "input") != 0 &&
	    strcmp(c->skeleton, "output") != 0)
		abort();
	/* Inline JSON is loaded by cli_parse, a file:// never. */
	if ((c->input != NULL) != (c->cli_input_json != NULL &&
				   strncmp(c->cli_input_json, "file://", 7) != 0))
		abort();
	if (c->skeleton != NULL || (c->cli_input_json != NULL && c->input == NULL))
		return;
	if (c->verb->flags & F_ALL) {
		if (c->all == (c->user_name != NULL))
			abort();
	} else if ((c->verb->flags & F_USER_NAME) && !(c->verb->flags & F_USER_OPTIONAL) &&
		   c->user_name == NULL) {
		abort();
	}
	if ((c->verb->flags & F_NEW_NAME) && c->new_user_name == NULL)
		abort();
	if (c->generate_password && c->password_stdin)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char prog[] = "iampw-admin";
	char *argv[MAX_ARGS + 2] = { prog };
	int argc = 1;
	struct cli c = { 0 };
	FILE *cap, *saved_out = stdout, *saved_err = stderr;
	char *out = NULL;
	size_t outlen = 0;
	int rc;

	/* One allocation per argument, so that ASan sees a read past its end. */
	for (size_t pos = 0; pos < size && argc <= MAX_ARGS; argc++) {
		const uint8_t *nul = memchr(data + pos, 0, size - pos);
		size_t n = nul != NULL ? (size_t)(nul - (data + pos)) : size - pos;

		argv[argc] = malloc(n + 1);
		if (argv[argc] == NULL)
			abort();
		memcpy(argv[argc], data + pos, n);
		argv[argc][n] = '\0';
		pos += n + 1;
	}
	argv[argc] = NULL;

	/* glibc's standard streams are plain variables; libFuzzer keeps its own. */
	cap = open_memstream(&out, &outlen);
	if (cap == NULL)
		abort();
	stdout = cap;
	stderr = cap;
	rc = cli_parse(&c, argc, argv);
	stdout = saved_out;
	stderr = saved_err;
	if (fclose(cap) != 0)
		abort();

	check_result(&c, rc, argv, argc, outlen);
	check_no_echo(argv, argc, out, outlen);
	cli_free(&c);
	free(out);
	for (int i = 1; i < argc; i++)
		free(argv[i]);
	return 0;
}
