/*
 * The command line of iampw-admin, AWS CLI style: global options before or
 * after the verb, --flag / --no-flag pairs, --cli-input-json and
 * --generate-cli-skeleton.  Parsing reads no file: --cli-input-json
 * file:// is read by cli_load_input(), after the uid check (§6).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/printbuf.h>

#include "cli.h"
#include "messages.h"

enum opt_id {
	O_OUTPUT, O_QUERY, O_COLOR, O_DEBUG, O_NO_PAGER, O_NO_PAGINATE, O_CONFIG, O_POLICY, O_STATE_DIR, O_HELP, O_VERSION,
	O_USER_NAME, O_ALL, O_RESET, O_NO_RESET, O_GENERATE, O_PASSWORD_STDIN,
	O_PASSWORD, O_CLI_INPUT_JSON, O_SKELETON,
	O_POLICY_FIELD,         /* iampw_policy_fields[]: one row each, two for a boolean */
	O_NEW_USER_NAME, O_MAX_ITEMS, O_STARTING_TOKEN,
	O_AGAINST,
	O_MFA_NAME, O_OUTFILE, O_BOOTSTRAP, O_QR_TERMINAL, O_SERIAL, O_CODE1, O_CODE2,
	O_ASSIGNMENT,
};

enum arg_kind { A_NONE, A_VALUE, A_OPTIONAL };

struct option_def {
	const char *name;
	enum opt_id id;
	enum arg_kind arg;
	unsigned verb_flag;     /* 0: a global option */
	const struct iampw_policy_field *field;   /* O_POLICY_FIELD */
	bool negated;           /* O_POLICY_FIELD: the --no- form of a boolean */
};

static const struct base_option {
	const char *name;
	enum opt_id id;
	enum arg_kind arg;
	unsigned verb_flag;
} base_options[] = {
	{ "--output", O_OUTPUT, A_VALUE, 0 },
	{ "--query", O_QUERY, A_VALUE, 0 },
	{ "--color", O_COLOR, A_VALUE, 0 },
	{ "--debug", O_DEBUG, A_NONE, 0 },
	{ "--no-cli-pager", O_NO_PAGER, A_NONE, 0 },
	{ "--no-paginate", O_NO_PAGINATE, A_NONE, 0 },
	{ "--config", O_CONFIG, A_VALUE, 0 },
	{ "--policy", O_POLICY, A_VALUE, 0 },
	{ "--state-dir", O_STATE_DIR, A_VALUE, 0 },
	{ "--help", O_HELP, A_NONE, 0 },
	{ "--version", O_VERSION, A_NONE, 0 },
	{ "--user-name", O_USER_NAME, A_VALUE, F_USER_NAME },
	{ "--all", O_ALL, A_NONE, F_ALL },
	{ "--new-user-name", O_NEW_USER_NAME, A_VALUE, F_NEW_NAME },
	{ "--max-items", O_MAX_ITEMS, A_VALUE, F_PAGE },
	{ "--starting-token", O_STARTING_TOKEN, A_VALUE, F_PAGE },
	{ "--password-reset-required", O_RESET, A_NONE, F_RESET },
	{ "--no-password-reset-required", O_NO_RESET, A_NONE, F_RESET },
	{ "--generate-password", O_GENERATE, A_NONE, F_GENERATE },
	{ "--password-stdin", O_PASSWORD_STDIN, A_NONE, F_PASSWORD_STDIN },
	{ "--password", O_PASSWORD, A_VALUE, F_PASSWORD },
	{ "--cli-input-json", O_CLI_INPUT_JSON, A_VALUE, F_INPUT },
	{ "--generate-cli-skeleton", O_SKELETON, A_OPTIONAL, F_INPUT },
	/* Here, the policy fields' flags, from the core's table. */
	{ NULL, O_POLICY_FIELD, A_NONE, F_POLICY },
	{ "--against", O_AGAINST, A_VALUE, F_AGAINST },
	{ "--virtual-mfa-device-name", O_MFA_NAME, A_VALUE, F_MFA_CREATE },
	{ "--outfile", O_OUTFILE, A_VALUE, F_MFA_CREATE },
	{ "--bootstrap-method", O_BOOTSTRAP, A_VALUE, F_MFA_CREATE },
	{ "--qr-terminal", O_QR_TERMINAL, A_NONE, F_MFA_CREATE },
	{ "--serial-number", O_SERIAL, A_VALUE, F_SERIAL },
	{ "--authentication-code1", O_CODE1, A_VALUE, F_CODES },
	{ "--authentication-code2", O_CODE2, A_VALUE, F_CODES },
	{ "--assignment-status", O_ASSIGNMENT, A_VALUE, F_ASSIGNMENT },
};

#define N_BASE (sizeof base_options / sizeof base_options[0])
#define OPTIONS_MAX (N_BASE + 2 * IAMPW_POLICY_FIELDS_MAX)

/*
 * Every option, in the order the AWS CLI's messages list them: the rows
 * above with the marker row replaced by each policy field's flags (its
 * --no- form after it).  Built once.
 */
static const struct option_def *option_table(size_t *n)
{
	static struct option_def table[OPTIONS_MAX];
	static size_t count;

	if (count == 0) {
		for (size_t i = 0; i < N_BASE; i++) {
			const struct base_option *b = &base_options[i];

			if (b->id != O_POLICY_FIELD) {
				table[count++] = (struct option_def){ b->name, b->id, b->arg,
								      b->verb_flag, NULL, false };
				continue;
			}
			for (size_t k = 0; k < iampw_policy_nfields; k++) {
				const struct iampw_policy_field *f = &iampw_policy_fields[k];
				bool is_int = f->type == IAMPW_FIELD_UINT;

				table[count++] = (struct option_def){ f->flag, O_POLICY_FIELD,
					is_int ? A_VALUE : A_NONE, F_POLICY, f, false };
				if (!is_int)
					table[count++] = (struct option_def){ f->no_flag,
						O_POLICY_FIELD, A_NONE, F_POLICY, f, true };
			}
		}
	}
	*n = count;
	return table;
}

/* What the parser saw, before the verb is known to accept it. */
struct seen {
	const struct option_def *def[64];
	const char *value[64];
	unsigned n;
	const char *cli_input_json;
	/* What the AWS CLI lists as "Unknown options:", in order. */
	struct { const char *s; size_t n; } unknown[16];
	unsigned nunknown;
};

/* An unknown option or argument, kept to be listed (at most 64 bytes of it). */
static void add_unknown(struct seen *s, const char *a, size_t n)
{
	if (s->nunknown < sizeof s->unknown / sizeof s->unknown[0]) {
		s->unknown[s->nunknown].s = a;
		s->unknown[s->nunknown++].n = n < 64 ? n : 64;
	}
}

/* "Unknown options: --bogus, x", in the AWS CLI's usage frame. */
static int unknown_options(const struct seen *s)
{
	char list[16 * 66 + 1];
	size_t len = 0;

	for (unsigned i = 0; i < s->nunknown; i++) {
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%.*s", i > 0 ? ", " : "",
					(int)s->unknown[i].n, s->unknown[i].s);
		if (len >= sizeof list)
			break;
	}
	return cli_unknown_options(list);
}

static const struct option_def *find_option(const char *name, size_t len)
{
	size_t n;
	const struct option_def *options = option_table(&n);

	for (size_t i = 0; i < n; i++) {
		if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
			return &options[i];
	}
	return NULL;
}

/* What a word of the command line names: none, one option, or several. */
enum resolved { R_NONE, R_ONE, R_AMBIGUOUS };

static bool verb_takes(const struct verb *v, const struct option_def *d)
{
	return v == NULL || d->verb_flag == 0 || (v->flags & d->verb_flag) != 0;
}

/*
 * The option `name` (len bytes, without any "=value") names, as the AWS
 * CLI's argparse resolves it: the option of exactly that name, else the
 * only one that it abbreviates among those the command takes (all of
 * them while the command is not known).
 */
static enum resolved resolve_option(const char *name, size_t len, const struct verb *v,
				    const struct option_def **out)
{
	const struct option_def *d = find_option(name, len);
	size_t n = 0, count;
	const struct option_def *options = option_table(&count);

	*out = d;
	if (d != NULL)
		return R_ONE;
	/* "--" alone would abbreviate everything. */
	if (len <= 2)
		return R_NONE;
	for (size_t i = 0; i < count; i++) {
		if (strncmp(options[i].name, name, len) == 0 && verb_takes(v, &options[i])) {
			if (n++ == 0)
				*out = &options[i];
		}
	}
	if (n > 1)
		*out = NULL;
	return n == 0 ? R_NONE : n == 1 ? R_ONE : R_AMBIGUOUS;
}

/* argparse's "ambiguous option: --pass could match --password, ..." */
static int ambiguous_option(const char *name, size_t len, const struct verb *v)
{
	char list[OPTIONS_MAX * 40];
	size_t used = 0, count;
	const struct option_def *options = option_table(&count);

	list[0] = '\0';
	for (size_t i = 0; i < count && used < sizeof list; i++)
		if (strncmp(options[i].name, name, len) == 0 && verb_takes(v, &options[i]))
			used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
						 used > 0 ? ", " : "", options[i].name);
	return cli_usage_error("ambiguous option: %.*s could match %s",
			       (int)(len < 64 ? len : 64), name, list);
}

static const struct verb *find_verb(const char *name)
{
	for (const struct verb *v = verbs; v->name != NULL; v++) {
		if (strcmp(v->name, name) == 0)
			return v;
	}
	return NULL;
}

static void print_usage(FILE *f)
{
	fputs("usage: iampw-admin [--output FORMAT] [--query JMESPATH] [--config FILE] [--policy FILE]\n"
	      "                   [--state-dir DIR] <command> [parameters]\n"
	      "       iampw-admin <command> --help\n"
	      "       iampw-admin --version\n\n"
	      "The AWS CLI's IAM password-policy, login-profile and MFA commands for this host.\n\n"
	      "Commands:\n", f);
	for (const struct verb *v = verbs; v->name != NULL; v++)
		fprintf(f, "  %-32s %s\n", v->name, v->help);
	fputs("\nGlobal options:\n"
	      "  --output FORMAT            json, text, table, yaml or yaml-stream\n"
	      "                             (default $AWS_DEFAULT_OUTPUT, else json)\n"
	      "  --query JMESPATH           print only what the JMESPath expression selects\n"
	      "                             (evaluated by jp(1))\n"
	      "  --color on|off|auto        colour tables (auto: on a terminal)\n"
	      "  --debug, --no-cli-pager, --no-paginate\n"
	      "                             accepted as the AWS CLI does; nothing to do here\n"
	      "  --config FILE              host settings (default " IAMPW_SYSCONFDIR "/iampw.conf)\n"
	      "  --policy FILE              password policy (default " IAMPW_SYSCONFDIR "/policy.conf)\n"
	      "  --state-dir DIR            login profiles (default " IAMPW_STATEDIR ")\n"
	      "  --help, --version\n\n"
	      "Passwords are never taken from the command line: use --generate-password,\n"
	      "--password-stdin, --cli-input-json file://FILE, or type them at the prompt.\n"
	      "See iampw-admin(8).\n", f);
}

/*
 * The policy fields' flags for --help, in table order: "[--flag ARG]" or
 * "[--[no-]flag]", in lines of at most 90 columns; the first counted from
 * after "usage: iampw-admin " (the verb name is not wrapped), the others
 * from their 7-column indent.
 */
static void policy_synopsis(char *buf, size_t n)
{
	size_t len = 0, line = strlen("usage: iampw-admin ");

	buf[0] = '\0';
	for (size_t i = 0; i < iampw_policy_nfields && len < n; i++) {
		const struct iampw_policy_field *f = &iampw_policy_fields[i];
		char item[128];
		int w = f->type == IAMPW_FIELD_UINT ?
			snprintf(item, sizeof item, "[%s %s]", f->flag, f->arg) :
			snprintf(item, sizeof item, "[--[no-]%s]", f->flag + 2);

		if (i > 0 && line + 1 + (size_t)w > 90) {
			len += (size_t)snprintf(buf + len, n - len, "\n       %s", item);
			line = 7 + (size_t)w;
		} else {
			len += (size_t)snprintf(buf + len, n - len, "%s%s", i > 0 ? " " : "", item);
			line += (i > 0) + (size_t)w;
		}
	}
}

static void print_verb_help(const struct verb *v)
{
	char synopsis[2048];

	if (v->synopsis != NULL)
		iampw_fmt(synopsis, sizeof synopsis, "%s", v->synopsis);
	else
		policy_synopsis(synopsis, sizeof synopsis);
	printf("usage: iampw-admin %s%s%s\n\n%s\n", v->name,
	       synopsis[0] != '\0' ? " " : "", synopsis, v->help);
	if (v->flags & F_INPUT)
		printf("\n  --cli-input-json JSON|file://FILE   the request's fields as JSON\n"
		       "  --generate-cli-skeleton [input|output]   print a JSON skeleton and exit\n");
	printf("\nGlobal options: --output json|text|table|yaml|yaml-stream, --query JMESPATH,\n"
	       "--config FILE, --policy FILE,\n"
	       "--state-dir DIR.  See iampw-admin(8).\n");
}

/*
 * --list-options (ours, not the AWS CLI's; never abbreviated nor listed):
 * the options command `v` takes, one a line as "FLAG KIND" with KIND
 * flag, value or optional-value; without a command, every option, those
 * that only some commands take followed by " command".  --password is
 * left out: every command refuses it.  The bash completion reads this.
 */
static void list_options(const struct verb *v)
{
	static const char *const kinds[] = {
		[A_NONE] = "flag", [A_VALUE] = "value", [A_OPTIONAL] = "optional-value",
	};
	size_t n;
	const struct option_def *options = option_table(&n);

	for (size_t i = 0; i < n; i++) {
		const struct option_def *d = &options[i];

		if (d->id == O_PASSWORD || !verb_takes(v, d))
			continue;
		printf("%s %s%s\n", d->name, kinds[d->arg],
		       v == NULL && d->verb_flag != 0 ? " command" : "");
	}
}

/* A signed base-10 integer for an integer flag; range checks are IAM's (later). */
static int parse_int(const char *flag, const char *v, int64_t *out)
{
	uint64_t n;

	switch (iampw_parse_u64(v, &n)) {
	case IAMPW_NUM_OK:
		if (n > INT64_MAX)
			break;
		*out = (int64_t)n;
		return EXIT_OK;
	case IAMPW_NUM_NEGATIVE:
		if (iampw_parse_u64(v + 1, &n) == IAMPW_NUM_OK && n <= (uint64_t)INT64_MAX) {
			*out = -(int64_t)n;
			return EXIT_OK;
		}
		break;
	default:
		break;
	}
	return cli_usage_error("argument %s: invalid int value: '%.40s'", flag, v);
}

/* §6: passwords never come from argv, where every local user can read them. */
static int refuse_password(void)
{
	return cli_usage_error("--password is not accepted: a password on the command line "
			       "can be read by every local user. Use --generate-password, "
			       "--password-stdin, --cli-input-json file://FILE, or type it at the prompt");
}

/* --x and --no-x together are a command-line error (§6). */
static int set_tri(enum tri *t, enum tri v, const char *flag)
{
	if (*t != TRI_UNSET && *t != v)
		return cli_usage_error("argument %s: not allowed with argument %s%s", flag,
				       v == TRI_TRUE ? "--no-" : "--", flag + (v == TRI_TRUE ? 2 : 5));
	*t = v;
	return EXIT_OK;
}

/* Field f of the policy request is set (by a flag or by the JSON) to n. */
static void policy_field_given(struct cli *c, const struct iampw_policy_field *f, int64_t n,
			       const char *text)
{
	uint32_t bit = UINT32_C(1) << (f - iampw_policy_fields);

	c->policy_given |= bit;
	iampw_policy_request_set(&c->req, f, n, text);
}

/*
 * A policy field's flag.  An integer is range-checked later, with IAM's
 * words; a boolean's --x and --no-x together are a command-line error.
 */
static int apply_policy_field(struct cli *c, const struct option_def *d, const char *v)
{
	const struct iampw_policy_field *f = d->field;
	uint32_t bit = UINT32_C(1) << (f - iampw_policy_fields);
	int64_t n = !d->negated, was;
	const char *text;

	if (f->type == IAMPW_FIELD_UINT) {
		int rc = parse_int(d->name, v, &n);

		if (rc != EXIT_OK)
			return rc;
	} else if ((c->policy_given & bit) && iampw_policy_request_get(&c->req, f, &was, &text) &&
		   was != n) {
		return cli_usage_error("argument %s: not allowed with argument %s", d->name,
				       d->negated ? f->flag : f->no_flag);
	}
	policy_field_given(c, f, n, NULL);
	return EXIT_OK;
}

static int apply(struct cli *c, const struct option_def *d, const char *v)
{
	switch (d->id) {
	case O_OUTPUT:
		if (!out_format_parse(v, &c->output)) {
			static const char *const formats[] = {
				"json", "text", "table", "yaml", "yaml-stream",
			};

			return cli_choice_error("--output", v, formats, 5);
		}
		c->output_given = true;
		return EXIT_OK;
	case O_QUERY: c->query = v; return EXIT_OK;
	case O_COLOR:
		if (strcmp(v, "on") == 0)
			c->color = COLOR_ON;
		else if (strcmp(v, "off") == 0)
			c->color = COLOR_OFF;
		else if (strcmp(v, "auto") == 0)
			c->color = COLOR_AUTO;
		else
			return cli_choice_error("--color", v, (const char *const[]){ "on", "off", "auto" },
						3);
		return EXIT_OK;
	/*
	 * Accepted for scripts written for the AWS CLI, with nothing to do
	 * here: no pager is ever started and no answer is paginated, and
	 * --debug's request and response logging has no requests to log.
	 */
	case O_DEBUG:
	case O_NO_PAGER:
	case O_NO_PAGINATE:
		return EXIT_OK;
	case O_CONFIG: c->config = v; return EXIT_OK;
	case O_POLICY: c->policy = v; return EXIT_OK;
	case O_STATE_DIR: c->state_dir = v; return EXIT_OK;
	case O_USER_NAME: c->user_name = v; return EXIT_OK;
	case O_NEW_USER_NAME: c->new_user_name = v; return EXIT_OK;
	case O_STARTING_TOKEN: c->starting_token = v; return EXIT_OK;
	case O_MAX_ITEMS: {
		uint64_t n;

		if (iampw_parse_u64(v, &n) != IAMPW_NUM_OK || n < 1 || n > INT32_MAX)
			return cli_usage_error("argument --max-items: invalid int value: '%.64s'", v);
		c->max_items = n;
		return EXIT_OK;
	}
	case O_ALL: c->all = true; return EXIT_OK;
	case O_RESET: return set_tri(&c->reset_required, TRI_TRUE, d->name);
	case O_NO_RESET: return set_tri(&c->reset_required, TRI_FALSE, d->name);
	case O_GENERATE: c->generate_password = true; return EXIT_OK;
	case O_PASSWORD_STDIN: c->password_stdin = true; return EXIT_OK;
	case O_PASSWORD:
		return refuse_password();
	case O_SKELETON:
		c->skeleton = v != NULL ? v : "input";
		if (strcmp(c->skeleton, "input") != 0 && strcmp(c->skeleton, "output") != 0)
			return cli_choice_error("--generate-cli-skeleton", c->skeleton,
						(const char *const[]){ "input", "output" }, 2);
		return EXIT_OK;
	case O_POLICY_FIELD:
		return apply_policy_field(c, d, v);
	case O_AGAINST:
		c->against = v;
		return compliance_parse_against(v);
	case O_MFA_NAME: c->mfa_name = v; return EXIT_OK;
	case O_OUTFILE: c->outfile = v; return EXIT_OK;
	case O_BOOTSTRAP:
		if (strcmp(v, "QRCodePNG") != 0 && strcmp(v, "Base32StringSeed") != 0)
			return cli_usage_error("argument --bootstrap-method: Invalid choice, valid choices are: QRCodePNG | Base32StringSeed");
		c->bootstrap = v;
		return EXIT_OK;
	case O_QR_TERMINAL: c->qr_terminal = true; return EXIT_OK;
	case O_SERIAL: c->serial = v; return EXIT_OK;
	case O_CODE1: c->code1 = v; return EXIT_OK;
	case O_CODE2: c->code2 = v; return EXIT_OK;
	case O_ASSIGNMENT:
		if (strcmp(v, "Assigned") != 0 && strcmp(v, "Unassigned") != 0 &&
		    strcmp(v, "Any") != 0)
			return cli_usage_error("argument --assignment-status: Invalid choice, valid choices are: Assigned | Unassigned | Any");
		c->assignment = v;
		return EXIT_OK;
	case O_HELP:
	case O_VERSION:
	case O_CLI_INPUT_JSON:
		break;
	}
	return EXIT_OK;
}

/*
 * Without --output, AWS_DEFAULT_OUTPUT chooses, as in the AWS CLI (whose
 * ~/.aws/config is not read here).  A value it does not know is refused
 * with its words and exit code; the AWS CLI finds out only when it
 * prints, after the request, but a verb that changes something must not
 * run when its answer cannot be printed.
 */
static int default_output(struct cli *c)
{
	const char *env = getenv("AWS_DEFAULT_OUTPUT");

	if (c->output_given || env == NULL)
		return EXIT_OK;
	if (out_format_parse(env, &c->output))
		return EXIT_OK;
	fprintf(stderr, "\nUnknown output type: %.64s\n", env);
	return EXIT_OTHER;
}

/*
 * The command, found before the options are resolved, so that an
 * abbreviation is looked up among that command's options: the first word
 * that is neither an option nor the value of one.
 */
static const struct verb *scan_verb(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct option_def *d;

		if (strncmp(a, "--", 2) != 0)
			return find_verb(a);
		if (strchr(a, '=') == NULL &&
		    resolve_option(a, strlen(a), NULL, &d) == R_ONE && d->arg == A_VALUE &&
		    d->id != O_PASSWORD)
			i++;
	}
	return NULL;
}

/* The MFA verbs' required flags (§10), in the AWS CLI's words. */
static int check_required_mfa(const struct cli *c)
{
	unsigned f = c->verb->flags;

	if ((f & F_MFA_CREATE) && c->mfa_name == NULL)
		return cli_usage_error("the following arguments are required: --virtual-mfa-device-name");
	if ((f & F_MFA_CREATE) && c->outfile == NULL)
		return cli_usage_error("the following arguments are required: --outfile");
	if ((f & F_MFA_CREATE) && c->bootstrap == NULL)
		return cli_usage_error("the following arguments are required: --bootstrap-method");
	if ((f & F_SERIAL) && c->serial == NULL)
		return cli_usage_error("the following arguments are required: --serial-number");
	if ((f & F_CODES) && (c->code1 == NULL || c->code2 == NULL))
		return cli_usage_error("the following arguments are required: %s",
				       c->code1 == NULL ? "--authentication-code1" : "--authentication-code2");
	return EXIT_OK;
}

/* Split argv into the verb, the options and their values. */
static int scan_argv(int argc, char **argv, const char **verb_name, struct seen *s,
		     bool *help, bool *version, bool *list)
{
	const struct verb *v = scan_verb(argc, argv);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *value = NULL;
		const struct option_def *d;

		if (strncmp(a, "--", 2) != 0) {
			/* "iampw-admin VERB help", as "aws iam VERB help"; "iampw-admin help". */
			if (strcmp(a, "help") == 0 && (*verb_name != NULL || i == argc - 1)) {
				*help = true;
				continue;
			}
			if (*verb_name == NULL) {
				*verb_name = a;
				continue;
			}
			add_unknown(s, a, strlen(a));
			continue;
		}
		if (strcmp(a, "--list-options") == 0) {
			*list = true;
			continue;
		}
		eq = strchr(a, '=');
		if (resolve_option(a, eq != NULL ? (size_t)(eq - a) : strlen(a), v, &d) ==
		    R_AMBIGUOUS)
			return ambiguous_option(a, eq != NULL ? (size_t)(eq - a) : strlen(a), v);
		/*
		 * Listed as the AWS CLI lists them, all at the end; but never
		 * what follows '=', which may be a mistyped secret.
		 */
		if (d == NULL) {
			add_unknown(s, a, eq != NULL ? (size_t)(eq - a) : strlen(a));
			continue;
		}
		if (eq != NULL) {
			if (d->arg == A_NONE)
				return cli_usage_error("argument %s: ignored explicit argument", d->name);
			value = eq + 1;
		} else if (d->arg == A_VALUE) {
			/* --password VALUE is refused before the value is even looked at. */
			if (d->id == O_PASSWORD)
				value = "";
			else if (i + 1 >= argc)
				return cli_usage_error("argument %s: expected one argument", d->name);
			else
				value = argv[++i];
		} else if (d->arg == A_OPTIONAL && i + 1 < argc &&
			   (strcmp(argv[i + 1], "input") == 0 || strcmp(argv[i + 1], "output") == 0)) {
			value = argv[++i];
		}
		if (d->id == O_HELP) {
			*help = true;
			continue;
		}
		if (d->id == O_VERSION) {
			*version = true;
			continue;
		}
		if (d->id == O_PASSWORD)
			return refuse_password();
		if (d->id == O_CLI_INPUT_JSON) {
			s->cli_input_json = value;
			continue;
		}
		if (s->n == sizeof s->def / sizeof s->def[0])
			return cli_usage_error("too many arguments");
		s->def[s->n] = d;
		s->value[s->n++] = value;
	}
	return EXIT_OK;
}

/*
 * The AWS CLI checks the minimums of IAM's model before any request
 * (botocore's ParamValidator: minimums only; a maximum is the service's
 * ValidationError) and lists every value under one.
 */
static int check_model_minimums(const struct cli *c)
{
	static const char head[] = "\nParameter validation failed:\n";
	bool failed = false;

	for (size_t i = 0; i < iampw_policy_nfields; i++) {
		const struct iampw_policy_field *f = &iampw_policy_fields[i];
		const char *text;       /* beyond 64 bits: as written */
		char shown[24];
		int64_t value;

		if (f->type != IAMPW_FIELD_UINT ||
		    !iampw_policy_request_get(&c->req, f, &value, &text) || value >= f->min)
			continue;
		snprintf(shown, sizeof shown, "%lld", (long long)value);
		fprintf(stderr, "%sInvalid value for parameter %s, value: %s, valid min value: %lld\n",
			failed ? "" : head, f->name, text != NULL ? text : shown, (long long)f->min);
		failed = true;
	}
	if (c->user_name != NULL && c->user_name[0] == '\0') {
		fprintf(stderr, "%sInvalid length for parameter UserName, value: 0, valid min length: 1\n",
			failed ? "" : head);
		failed = true;
	}
	return failed ? EXIT_USAGE : EXIT_OK;
}

static int check_required(struct cli *c, bool have_input)
{
	const struct verb *v = c->verb;

	/*
	 * With --cli-input-json the fields may come from the file: checked
	 * after loading.  An input skeleton needs none; "output" checks them
	 * all, as the AWS CLI does before making up its response.
	 */
	if (have_input || (c->skeleton != NULL && strcmp(c->skeleton, "output") != 0))
		return EXIT_OK;
	/* A field missing from --cli-input-json is the model's, as the AWS CLI says. */
	if (c->cli_input_json != NULL && (v->flags & F_USER_NAME) != 0 &&
	    (v->flags & (F_ALL | F_USER_OPTIONAL)) == 0 && c->user_name == NULL)
		return cli_param_error("Parameter validation failed:\n"
				       "Missing required parameter in input: \"UserName\"");
	if ((v->flags & F_ALL) != 0) {
		if (c->all && c->user_name != NULL)
			return cli_usage_error("argument --all: not allowed with argument --user-name");
		if (!c->all && c->user_name == NULL)
			return cli_usage_error("one of the arguments --user-name --all is required");
		return EXIT_OK;
	}
	if ((v->flags & F_USER_NAME) != 0 && !(v->flags & F_USER_OPTIONAL) &&
	    c->user_name == NULL)
		return cli_usage_error("the following arguments are required: --user-name");
	if ((v->flags & F_NEW_NAME) != 0 && c->new_user_name == NULL)
		return cli_usage_error("the following arguments are required: --new-user-name");
	if (c->generate_password && c->password_stdin)
		return cli_usage_error("argument --password-stdin: not allowed with argument --generate-password");
	if (check_required_mfa(c) != EXIT_OK)
		return EXIT_USAGE;
	return check_model_minimums(c);
}

int cli_parse(struct cli *c, int argc, char **argv)
{
	const char *verb_name = NULL;
	struct seen s = { .n = 0 };
	bool help = false, version = false, list = false;
	int rc;

	c->output = OUT_JSON;
	c->config = IAMPW_SYSCONFDIR "/iampw.conf";
	c->policy = IAMPW_SYSCONFDIR "/policy.conf";
	c->state_dir = IAMPW_STATEDIR;
	rc = scan_argv(argc, argv, &verb_name, &s, &help, &version, &list);
	if (rc != EXIT_OK)
		return rc;
	if (version) {
		printf("iampw-admin (" PACKAGE_NAME ") " PACKAGE_VERSION "\n");
		return CLI_DONE;
	}
	if (verb_name == NULL || (help && verb_name == NULL)) {
		if (list) {
			list_options(NULL);
			return CLI_DONE;
		}
		if (help) {
			print_usage(stdout);
			return CLI_DONE;
		}
		return cli_usage_error("the following arguments are required: command");
	}
	c->verb = find_verb(verb_name);
	if (c->verb == NULL) {
		const char *names[64];
		size_t n = 0;

		for (const struct verb *v = verbs; v->name != NULL && n < 64; v++)
			names[n++] = v->name;
		return cli_choice_error("command", verb_name, names, n);
	}
	if (list) {
		list_options(c->verb);
		return CLI_DONE;
	}
	if (help) {
		print_verb_help(c->verb);
		return CLI_DONE;
	}
	/* Another command's flag is as unknown to this one as any. */
	for (unsigned i = 0; i < s.n; i++)
		if (s.def[i]->verb_flag != 0 && !(c->verb->flags & s.def[i]->verb_flag))
			add_unknown(&s, s.def[i]->name, strlen(s.def[i]->name));
	if (s.cli_input_json != NULL && !(c->verb->flags & F_INPUT))
		add_unknown(&s, "--cli-input-json", strlen("--cli-input-json"));
	if (s.nunknown > 0)
		return unknown_options(&s);
	for (unsigned i = 0; i < s.n; i++) {
		const struct option_def *d = s.def[i];

		rc = apply(c, d, s.value[i]);
		if (rc != EXIT_OK)
			return rc;
	}
	rc = default_output(c);
	if (rc != EXIT_OK)
		return rc;
	c->cli_input_json = s.cli_input_json;
	/*
	 * Inline JSON is part of the command line and is checked with it
	 * (252 before the uid check); a file:// is read only after it.
	 */
	if (c->cli_input_json != NULL && strncmp(c->cli_input_json, "file://", 7) != 0)
		return cli_load_input(c);
	return check_required(c, s.cli_input_json != NULL);
}

/* ---------------------------------------------------------------------- */
/* --cli-input-json                                                        */

enum field_type { T_STRING, T_INT, T_BOOL };

struct field {
	const char *name;
	enum field_type type;
};

static const struct field profile_fields[] = {
	{ "UserName", T_STRING }, { "Password", T_STRING },
	{ "PasswordResetRequired", T_BOOL },
};
static const struct field user_fields[] = { { "UserName", T_STRING } };
static const struct field rename_fields[] = {
	{ "UserName", T_STRING }, { "NewUserName", T_STRING },
};

/* UpdateAccountPasswordPolicy's fields: the core's table, built once. */
static const struct field *policy_fields(size_t *n)
{
	static struct field fields[IAMPW_POLICY_FIELDS_MAX];

	*n = iampw_policy_nfields;
	if (fields[0].name == NULL) {
		for (size_t i = 0; i < iampw_policy_nfields; i++) {
			fields[i].name = iampw_policy_fields[i].name;
			fields[i].type = iampw_policy_fields[i].type == IAMPW_FIELD_UINT ? T_INT :
					 T_BOOL;
		}
	}
	return fields;
}

/* The MFA verbs' request fields (§10), as IAM's model names them. */
static const struct field mfa_create_fields[] = { { "VirtualMFADeviceName", T_STRING } };
static const struct field mfa_codes_fields[] = {
	{ "UserName", T_STRING }, { "SerialNumber", T_STRING },
	{ "AuthenticationCode1", T_STRING }, { "AuthenticationCode2", T_STRING },
};
static const struct field mfa_user_serial_fields[] = {
	{ "UserName", T_STRING }, { "SerialNumber", T_STRING },
};
static const struct field mfa_serial_fields[] = { { "SerialNumber", T_STRING } };
static const struct field mfa_list_fields[] = { { "AssignmentStatus", T_STRING } };

#define FIELDS(a) (*n = sizeof a / sizeof a[0], a)

static const struct field *mfa_fields(const struct verb *v, size_t *n)
{
	if (v->flags & F_MFA_CREATE)
		return FIELDS(mfa_create_fields);
	if (v->flags & F_CODES)
		return FIELDS(mfa_codes_fields);
	if ((v->flags & F_SERIAL) && (v->flags & F_USER_NAME))
		return FIELDS(mfa_user_serial_fields);
	if (v->flags & F_SERIAL)
		return FIELDS(mfa_serial_fields);
	if (v->flags & F_ASSIGNMENT)
		return FIELDS(mfa_list_fields);
	*n = 0;
	return NULL;
}

/* The request fields a verb takes, as IAM names them. */
static const struct field *verb_fields(const struct verb *v, size_t *n)
{
	if (v->flags & (F_MFA_CREATE | F_SERIAL | F_ASSIGNMENT))
		return mfa_fields(v, n);
	if (v->flags & F_POLICY)
		return policy_fields(n);
	if (v->flags & F_PASSWORD) {
		*n = sizeof profile_fields / sizeof profile_fields[0];
		return profile_fields;
	}
	if (v->flags & F_NEW_NAME) {
		*n = sizeof rename_fields / sizeof rename_fields[0];
		return rename_fields;
	}
	if (v->flags & F_USER_NAME) {
		*n = sizeof user_fields / sizeof user_fields[0];
		return user_fields;
	}
	*n = 0;
	return NULL;
}

json_object *cli_skeleton(const struct verb *v, bool output)
{
	json_object *o = json_object_new_object();
	const struct field *f;
	size_t n;

	if (o == NULL || output)
		return o;
	f = verb_fields(v, &n);
	for (size_t i = 0; i < n; i++) {
		json_object *val = f[i].type == T_STRING ? json_object_new_string("") :
				   f[i].type == T_INT ? json_object_new_int(0) :
				   json_object_new_boolean(true);
		json_object_object_add(o, f[i].name, val);
	}
	return o;
}

/* The Python type names botocore's messages show. */
static const char *type_name(enum field_type t)
{
	return t == T_STRING ? "<class 'str'>" : t == T_INT ? "<class 'int'>" : "<class 'bool'>";
}

static const char *json_type_python(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "<class 'NoneType'>";
	case json_type_boolean: return "<class 'bool'>";
	case json_type_double: return "<class 'float'>";
	case json_type_int: return "<class 'int'>";
	case json_type_object: return "<class 'dict'>";
	case json_type_array: return "<class 'list'>";
	case json_type_string: return "<class 'str'>";
	}
	return "<class 'object'>";
}

/*
 * botocore's "Invalid type for parameter X, value: V, type: <class 'T'>,
 * valid types: <class 'U'>".  The value is shown as Python would (None,
 * True, a string raw, a number as repr() shows it), at most 64 bytes of
 * a string, and never for Password.  A number is shown whole: jsonnum.c
 * bounds its digits as Python does.
 */
static int invalid_type(const char *key, json_object *v, enum field_type want)
{
	char num[32];
	const char *shown;
	int max = 64;

	switch (json_object_get_type(v)) {
	case json_type_null: shown = "None"; break;
	case json_type_boolean: shown = json_object_get_boolean(v) ? "True" : "False"; break;
	case json_type_string: shown = json_object_get_string(v); break;
	case json_type_int:
	case json_type_double:
		shown = jsonnum_python(v, num, sizeof num);
		max = INT_MAX;
		break;
	default:
		shown = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		break;
	}
	if (strcmp(key, "Password") == 0 || shown == NULL)
		shown = "...";
	return cli_param_error("Parameter validation failed:\n"
			       "Invalid type for parameter %.64s, value: %.*s, type: %s, valid types: %s",
			       key, max, shown, json_type_python(v), type_name(want));
}

static bool type_ok(json_object *v, enum field_type t)
{
	switch (t) {
	case T_STRING: return json_object_is_type(v, json_type_string);
	case T_INT: return json_object_is_type(v, json_type_int);
	case T_BOOL: return json_object_is_type(v, json_type_boolean);
	}
	return false;
}

json_object *cli_json_parse(const char *text, size_t len, int flags,
			    enum json_tokener_error *jerr, size_t *end)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;

	*jerr = json_tokener_error_parse_eof;
	*end = 0;
	/*
	 * The token buffer (json-c 0.16's tok->pb: the fields are public,
	 * marked for json-c's own use; there is no call for this) is grown
	 * once, empty, to hold any token of the text, so that it never moves
	 * and leaves a copy behind in the middle of one.
	 */
	if (tok == NULL || len >= INT32_MAX || printbuf_memset(tok->pb, 0, 0, (int)len + 1) < 0) {
		json_tokener_free(tok);
		return NULL;
	}
	printbuf_reset(tok->pb);
	json_tokener_set_flags(tok, flags);
	o = json_tokener_parse_ex(tok, text, (int)len);
	*jerr = json_tokener_get_error(tok);
	*end = json_tokener_get_parse_end(tok);
	/* json_tokener_free would free it as it is. */
	iampw_wipe(tok->pb->buf, (size_t)tok->pb->size);
	json_tokener_free(tok);
	return o;
}

/*
 * Strict JSON: a trailing comma or a comment is an error, not a guess;
 * so is a number Python's json (the AWS CLI's) refuses.  Integers beyond
 * 64 bits keep their text (jsonnum.c).
 */
static json_object *parse_strict(const char *text, enum json_tokener_error *jerr)
{
	size_t len = strlen(text), obj_end, end;
	json_object *o;

	o = cli_json_parse(text, len, JSON_TOKENER_STRICT, jerr, &obj_end);
	if (o == NULL && *jerr == json_tokener_success)
		*jerr = json_tokener_error_parse_eof;
	/* Only blanks may follow the object. */
	end = obj_end;
	while (end < len && strchr(" \t\r\n", text[end]) != NULL)
		end++;
	if (o != NULL && (*jerr != json_tokener_success || end != len)) {
		json_object_put(o);
		o = NULL;
		*jerr = json_tokener_error_parse_unexpected;
	}
	if (o != NULL && json_object_is_type(o, json_type_object) &&
	    jsonnum_check(text, obj_end, o) != 0) {
		json_object_put(o);
		o = NULL;
		*jerr = json_tokener_error_parse_number;
	}
	if (o == NULL && *jerr == json_tokener_success)
		*jerr = json_tokener_error_parse_eof;
	return o;
}

/* Read `file://PATH` (root already checked) or take the argument as JSON. */
static int read_input(const char *arg, json_object **out)
{
	enum json_tokener_error jerr = json_tokener_success;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (strncmp(arg, "file://", 7) != 0) {
		*out = parse_strict(arg, &jerr);
	} else {
		struct stat st;
		/*
		 * O_NONBLOCK: opening a FIFO would otherwise wait for a writer
		 * forever (§6: refused at once, never waited on).  O_NOCTTY: a
		 * terminal device never becomes ours.
		 */
		int fd = open(arg + 7, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

		if (fd < 0)
			return cli_usage_error("Error parsing parameter '--cli-input-json': Unable to load paramfile %.200s: %s",
					       arg, iampw_errstr(errno));
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			return cli_usage_error("Error parsing parameter '--cli-input-json': %.200s is not a regular file",
					       arg);
		}
		/* A regular file never blocks: back to plain reads. */
		f = fcntl(fd, F_SETFL, O_RDONLY) == 0 ? fdopen(fd, "r") : NULL;
		if (f == NULL) {
			close(fd);
			return cli_usage_error("Error parsing parameter '--cli-input-json': Unable to load paramfile %.200s: %s",
					       arg, iampw_errstr(errno));
		}
		/* A request is small; a huge file is a mistake, not a request. */
		/* One byte more than the limit tells "exactly 64 KiB" from "larger". */
		text = calloc(1, 65538);
		if (text == NULL) {
			fclose(f);
			return cli_usage_error(MSG_NOMEM);
		}
		len = fread(text, 1, 65537, f);
		if (len > 65536 || ferror(f)) {
			bool big = len > 65536;

			fclose(f);
			iampw_wipe(text, 65538);
			free(text);
			if (big)
				return cli_usage_error("Error parsing parameter '--cli-input-json': %.200s is larger than 64 KiB", arg);
			return cli_usage_error("Error parsing parameter '--cli-input-json': %.200s: read error", arg);
		}
		fclose(f);
		/* The parser stops at a NUL: what follows one would be ignored, not refused. */
		if (memchr(text, '\0', len) != NULL) {
			iampw_wipe(text, len);
			free(text);
			return cli_usage_error("Error parsing parameter '--cli-input-json': %.200s contains a NUL byte", arg);
		}
		*out = parse_strict(text, &jerr);
		/* It may hold a password. */
		iampw_wipe(text, len);
		free(text);
	}
	if (*out != NULL && !json_object_is_type(*out, json_type_object)) {
		const char *type = json_type_python(*out);

		json_object_put(*out);
		*out = NULL;
		return cli_param_error("Error parsing parameter '--cli-input-json': Invalid type: "
				       "expecting map, received %s", type);
	}
	if (*out == NULL) {
		/* The AWS CLI's words: the reason is not shown there either. */
		(void)jerr;
		return cli_param_error("Error parsing parameter 'cli-input-json': Invalid JSON received.");
	}
	return EXIT_OK;
}

/* Fields from the JSON, unless the command line set them (CLI wins, as in AWS). */
static void merge_field(struct cli *c, const char *name, json_object *v)
{
	bool b = json_object_get_boolean(v);
	enum tri t = b ? TRI_TRUE : TRI_FALSE;
	const struct iampw_policy_field *f = iampw_policy_field_named(name);

	if (strcmp(name, "UserName") == 0 && c->user_name == NULL)
		c->user_name = json_object_get_string(v);
	else if (strcmp(name, "NewUserName") == 0 && c->new_user_name == NULL)
		c->new_user_name = json_object_get_string(v);
	else if (strcmp(name, "VirtualMFADeviceName") == 0 && c->mfa_name == NULL)
		c->mfa_name = json_object_get_string(v);
	else if (strcmp(name, "SerialNumber") == 0 && c->serial == NULL)
		c->serial = json_object_get_string(v);
	else if (strcmp(name, "AuthenticationCode1") == 0 && c->code1 == NULL)
		c->code1 = json_object_get_string(v);
	else if (strcmp(name, "AuthenticationCode2") == 0 && c->code2 == NULL)
		c->code2 = json_object_get_string(v);
	else if (strcmp(name, "AssignmentStatus") == 0 && c->assignment == NULL)
		c->assignment = json_object_get_string(v);
	else if (strcmp(name, "Password") == 0)
		c->password = strdup(json_object_get_string(v));
	else if (strcmp(name, "PasswordResetRequired") == 0 && c->reset_required == TRI_UNSET)
		c->reset_required = t;
	else if (f != NULL && !(c->policy_given & (UINT32_C(1) << (f - iampw_policy_fields))))
		policy_field_given(c, f, f->type == IAMPW_FIELD_UINT ? json_object_get_int64(v) : b,
				   f->type == IAMPW_FIELD_UINT ? jsonnum_text(v) : NULL);
}

/* One field of the JSON: known, of the right type, then merged; EXIT_OK or 252. */
static int load_field(struct cli *c, const struct field *f, size_t n, const char *key,
		      json_object *val)
{
	size_t i;

	for (i = 0; i < n && strcmp(f[i].name, key) != 0; i++)
		;
	if (i == n) {
		fprintf(stderr, "\nParameter validation failed:\nUnknown parameter in input: \"%.64s\", must be one of:", key);
		for (size_t k = 0; k < n; k++)
			fprintf(stderr, "%s %s", k > 0 ? "," : "", f[k].name);
		fputc('\n', stderr);
		return EXIT_USAGE;
	}
	/* Never quoted, nor used, cut to 64 bits. */
	if (jsonnum_unknown(val))
		return cli_param_error("Parameter validation failed:\n"
				       "Invalid value for parameter %s: an integer at or beyond "
				       "the 64-bit limit that cannot be read back as written",
				       f[i].name);
	if (!type_ok(val, f[i].type)) {
		return invalid_type(key, val, f[i].type);
	}
	/* Inline JSON is part of argv, which every local user can read (§6). */
	if (strcmp(key, "Password") == 0 && strncmp(c->cli_input_json, "file://", 7) != 0)
		return cli_usage_error("a Password is accepted in --cli-input-json only from a "
				       "file (file://FILE): the command line can be read by every local user");
	/* "alice\u0000x" would become "alice" as a C string: refused, never cut. */
	if (f[i].type == T_STRING &&
	    strlen(json_object_get_string(val)) != (size_t)json_object_get_string_len(val)) {
		return cli_param_error("Parameter validation failed:\nInvalid value for parameter %s: contains a NUL character",
				       key);
	}
	merge_field(c, key, val);
	if (strcmp(key, "Password") == 0 && c->password == NULL)
		return cli_usage_error(MSG_NOMEM);
	return EXIT_OK;
}

int cli_load_input(struct cli *c)
{
	const struct field *f;
	json_object *pw;
	size_t n;
	int rc;

	if (c->cli_input_json == NULL || c->input != NULL)
		return EXIT_OK;
	rc = read_input(c->cli_input_json, &c->input);
	if (rc != EXIT_OK)
		return rc;
	f = verb_fields(c->verb, &n);
	json_object_object_foreach(c->input, key, val) {
		rc = load_field(c, f, n, key, val);
		if (rc != EXIT_OK)
			break;
	}
	/* The password now lives in c->password only, whatever went wrong after it. */
	if (json_object_object_get_ex(c->input, "Password", &pw) &&
	    json_object_is_type(pw, json_type_string))
		iampw_wipe((char *)(uintptr_t)json_object_get_string(pw),
			   (size_t)json_object_get_string_len(pw));
	if (rc != EXIT_OK)
		return rc;
	return check_required(c, false);
}
