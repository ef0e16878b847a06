/*
 * libFuzzer target: --cli-input-json (args.c: read_input, cli_load_input).
 *
 * Input: one selector byte, then the JSON text.  The selector picks
 *   bits 0-3  the verb (index modulo the number of verbs, all of them),
 *   bit 4     also --user-name cli-user (verbs that take it),
 *   bit 5     also --no-password-reset-required (verbs that take it),
 *   bit 6     also --minimum-password-length 20 --require-symbols (the
 *             policy verb),
 *   bit 7     the JSON from a file (file://, read by cli_load_input after
 *             cli_parse) instead of inline (read by cli_parse itself; as
 *             argv it ends at the first NUL).
 * Checks, besides crashes and leaks (cli_free):
 *  - EXIT_OK or EXIT_USAGE, and an EXIT_USAGE always says why;
 *  - cli_parse never reads a file:// (the uid check comes between);
 *  - an accepted input is an object whose keys and value types are all
 *    in the verb's --generate-cli-skeleton, and every field reaches the
 *    struct unless the command line set it (the command line wins);
 *  - an integer json-c saturated at 64 bits reaches the struct with the
 *    text it was written as (an integer of the same sign), to be quoted;
 *  - a Password is taken only from a file and reaches c.password
 *    intact; the parsed JSON keeps none, whatever the outcome;
 *  - a string with a NUL ("alice\u0000x"), or a file with a NUL byte, is
 *    refused, never cut short;
 *  - the verb's required --user-name is there after the merge.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "cli.h"

#define CLI_USER "cli-user"
#define CLI_MIN_LENGTH 20

static struct {
	char dir[4096];
	char arg[4200];     /* "file://<dir>/input.json" */
} env;

static void cleanup(void)
{
	char path[4200];

	snprintf(path, sizeof path, "%s/input.json", env.dir);
	unlink(path);
	rmdir(env.dir);
}

/* Lazily: replay.c has no LLVMFuzzerInitialize. */
static const char *input_file(const uint8_t *data, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	int fd;

	if (env.dir[0] == '\0') {
		snprintf(env.dir, sizeof env.dir, "%s/fuzz_json.XXXXXX",
			 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		if (mkdtemp(env.dir) == NULL) {
			perror("fuzz_json: mkdtemp");
			abort();
		}
		atexit(cleanup);
		snprintf(env.arg, sizeof env.arg, "file://%s/input.json", env.dir);
	}
	fd = open(env.arg + 7, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) != 0)
		abort();
	return env.arg;
}

static const struct verb *pick_verb(uint8_t sel)
{
	size_t n = 0;

	while (verbs[n].name != NULL)
		n++;
	return &verbs[(sel & 0x0f) % n];
}

static void check_tri(json_object *in, const char *key, enum tri got, bool cli_set, enum tri cli)
{
	json_object *v;

	if (cli_set) {
		if (got != cli)
			abort();
	} else if (json_object_object_get_ex(in, key, &v)) {
		if (got != (json_object_get_boolean(v) ? TRI_TRUE : TRI_FALSE))
			abort();
	} else if (got != TRI_UNSET) {
		abort();
	}
}

/*
 * An integer at json-c's 64-bit limits carries the text it was written
 * as, an integer literal of the same sign, for every message that quotes
 * it; any other carries none.
 */
static void check_int_text(int64_t got, const char *text)
{
	size_t digits;

	if (got != INT64_MIN && got != INT64_MAX) {
		if (text != NULL)
			abort();
		return;
	}
	if (text == NULL || (text[0] == '-') != (got < 0))
		abort();
	digits = strspn(text + (text[0] == '-'), "0123456789");
	if (digits == 0 || text[(text[0] == '-') + digits] != '\0')
		abort();
}

static void check_int(json_object *in, const char *key, bool has, int64_t got,
		      const char *text, bool cli_set, int64_t cli)
{
	json_object *v;

	if (cli_set) {
		if (!has || got != cli || text != NULL)
			abort();
	} else if (json_object_object_get_ex(in, key, &v)) {
		if (!has || got != json_object_get_int64(v))
			abort();
		check_int_text(got, text);
	} else if (has || text != NULL) {
		abort();
	}
}

/* `text` is what the product parsed: the Password it should have taken. */
static void check_password(const struct cli *c, const char *text, bool from_file)
{
	json_object *in, *pw, *mine;

	if (!json_object_object_get_ex(c->input, "Password", &pw)) {
		if (c->password != NULL)
			abort();
		return;
	}
	/* Inline, a Password is refused: argv is public. */
	if (!from_file || c->password == NULL)
		abort();
	/* Intact in c->password (never cut at a NUL); wiped_password() did the rest. */
	in = json_tokener_parse(text);
	if (in == NULL || !json_object_object_get_ex(in, "Password", &mine) ||
	    strlen(c->password) != (size_t)json_object_get_string_len(mine) ||
	    strcmp(json_object_get_string(mine), c->password) != 0)
		abort();
	json_object_put(in);
}

/* Once loaded, accepted or not, the JSON keeps no Password (§6: wiped). */
static bool wiped_password(json_object *in)
{
	json_object *pw;
	const char *s;
	int len;

	if (in == NULL || !json_object_object_get_ex(in, "Password", &pw) ||
	    !json_object_is_type(pw, json_type_string))
		return true;
	s = json_object_get_string(pw);
	len = json_object_get_string_len(pw);
	for (int i = 0; i < len; i++) {
		if (s[i] != '\0')
			return false;
	}
	return true;
}

/* A boolean policy field as a tri-state: given (by flag or JSON) or not. */
static enum tri policy_tri(const struct cli *c, const char *name)
{
	const struct iampw_policy_field *f = iampw_policy_field_named(name);
	const char *text;
	int64_t v;

	if (f == NULL || !(c->policy_given & (UINT32_C(1) << (f - iampw_policy_fields))))
		return TRI_UNSET;
	iampw_policy_request_get(&c->req, f, &v, &text);
	return v ? TRI_TRUE : TRI_FALSE;
}

static void check_accepted(const struct cli *c, const char *text, bool from_file, uint8_t sel)
{
	/* The policy's booleans the command line never sets here. */
	static const char *const other_booleans[] = {
		"RequireNumbers", "RequireUppercaseCharacters", "RequireLowercaseCharacters",
		"AllowUsersToChangePassword", "HardExpiry",
	};
	const unsigned flags = c->verb->flags;
	bool cli_user = (sel & 0x10) && (flags & F_USER_NAME);
	bool cli_reset = (sel & 0x20) && (flags & F_RESET);
	bool cli_policy = (sel & 0x40) && (flags & F_POLICY);
	json_object *skel, *in = c->input, *v;

	if (in == NULL || !json_object_is_type(in, json_type_object))
		abort();
	skel = cli_skeleton(c->verb, false);
	if (skel == NULL)
		abort();
	json_object_object_foreach(in, key, val) {
		if (!json_object_object_get_ex(skel, key, &v) ||
		    json_object_get_type(v) != json_object_get_type(val))
			abort();
		/* "alice\u0000x" must be refused, never taken as "alice". */
		if (json_object_is_type(val, json_type_string) && strcmp(key, "Password") != 0 &&
		    strlen(json_object_get_string(val)) != (size_t)json_object_get_string_len(val))
			abort();
	}
	json_object_put(skel);

	if (cli_user) {
		if (c->user_name == NULL || strcmp(c->user_name, CLI_USER) != 0)
			abort();
	} else if (json_object_object_get_ex(in, "UserName", &v)) {
		if (c->user_name == NULL || strcmp(c->user_name, json_object_get_string(v)) != 0)
			abort();
	} else if (c->user_name != NULL) {
		abort();
	}
	if ((flags & F_USER_NAME) && !(flags & F_USER_OPTIONAL) && c->user_name == NULL)
		abort();
	if ((flags & F_NEW_NAME) && c->new_user_name == NULL)
		abort();
	check_tri(in, "PasswordResetRequired", c->reset_required, cli_reset, TRI_FALSE);
	check_int(in, "MinimumPasswordLength", c->req.has_min_length, c->req.min_length,
		  c->req.min_length_text, cli_policy, CLI_MIN_LENGTH);
	check_int(in, "MaxPasswordAge", c->req.has_max_age, c->req.max_age,
		  c->req.max_age_text, false, 0);
	check_int(in, "PasswordReusePrevention", c->req.has_reuse, c->req.reuse_prevention,
		  c->req.reuse_text, false, 0);
	check_tri(in, "RequireSymbols", policy_tri(c, "RequireSymbols"), cli_policy, TRI_TRUE);
	for (size_t i = 0; i < sizeof other_booleans / sizeof other_booleans[0]; i++)
		check_tri(in, other_booleans[i], policy_tri(c, other_booleans[i]), false, TRI_UNSET);
	check_password(c, text, from_file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char prog[] = "iampw-admin", opt_json[] = "--cli-input-json",
		opt_user[] = "--user-name", user[] = CLI_USER,
		opt_reset[] = "--no-password-reset-required",
		opt_min[] = "--minimum-password-length", min[] = "20",
		opt_symbols[] = "--require-symbols";
	const struct verb *v;
	char *argv[12], *text;
	int argc = 0, rc;
	struct cli c = { 0 };
	FILE *cap, *saved_out = stdout, *saved_err = stderr;
	char *out = NULL;
	size_t outlen = 0;
	bool from_file, skip = false;

	if (size < 1)
		return 0;
	v = pick_verb(data[0]);
	from_file = data[0] & 0x80;
	/* What the product parses: argv, or the file's text, ends at a NUL. */
	text = strndup((const char *)data + 1, size - 1);
	if (text == NULL)
		abort();

	argv[argc++] = prog;
	argv[argc++] = (char *)(uintptr_t)v->name;
	if ((data[0] & 0x10) && (v->flags & F_USER_NAME)) {
		argv[argc++] = opt_user;
		argv[argc++] = user;
	}
	if ((data[0] & 0x20) && (v->flags & F_RESET))
		argv[argc++] = opt_reset;
	if ((data[0] & 0x40) && (v->flags & F_POLICY)) {
		argv[argc++] = opt_min;
		argv[argc++] = min;
		argv[argc++] = opt_symbols;
	}
	argv[argc++] = opt_json;
	argv[argc++] = from_file ? (char *)(uintptr_t)input_file(data + 1, size - 1) : text;
	argv[argc] = NULL;

	/* Errors go to memory: glibc's streams are plain variables. */
	cap = open_memstream(&out, &outlen);
	if (cap == NULL)
		abort();
	stdout = cap;
	stderr = cap;
	rc = cli_parse(&c, argc, argv);
	/* cli_parse never reads a file:// (nor one named by the fuzzer: not read here either). */
	if (rc == EXIT_OK && c.cli_input_json != NULL &&
	    strncmp(c.cli_input_json, "file://", 7) == 0) {
		if (c.input != NULL)
			abort();
		if (from_file)
			rc = cli_load_input(&c);
		else
			skip = true;
	}
	stdout = saved_out;
	stderr = saved_err;
	if (fclose(cap) != 0)
		abort();

	if ((rc != EXIT_OK && rc != EXIT_USAGE) || (rc == EXIT_USAGE && outlen == 0))
		abort();
	if (!(v->flags & F_INPUT) && rc != EXIT_USAGE)
		abort();
	/* A file is taken whole: a NUL would hide what follows it. */
	if (from_file && rc == EXIT_OK && memchr(data + 1, 0, size - 1) != NULL)
		abort();
	if (!wiped_password(c.input))
		abort();
	if (rc == EXIT_OK && !skip)
		check_accepted(&c, text, from_file, data[0]);
	else if (!from_file && c.password != NULL)
		abort();
	cli_free(&c);
	free(out);
	free(text);
	return 0;
}
