/*
 * iampw-admin's shared parts: the verb table and the error helpers every
 * verb and the argument parser call (SPEC 6).  Everything of the tool but
 * main() (main.c) is in the convenience library iampw-admin/libcli.la,
 * which the tool, its fuzzers and its tests link.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"

#define USER_SYNOPSIS "--user-name USER"
#define PASSWORD_SYNOPSIS \
	"[--password-reset-required | --no-password-reset-required]\n" \
	"       [--generate-password | --password-stdin]"

const struct verb verbs[] = {
	{ "get-account-password-policy", "GetAccountPasswordPolicy", F_INPUT, false,
	  verb_get_account_password_policy, "",
	  "Show the account password policy (NoSuchEntity when none is set)." },
	{ "update-account-password-policy", "UpdateAccountPasswordPolicy", F_POLICY | F_INPUT, true,
	  verb_update_account_password_policy, NULL,     /* from the policy table */
	  "Replace the whole password policy; omitted fields take IAM's defaults." },
	{ "delete-account-password-policy", "DeleteAccountPasswordPolicy", F_INPUT, true,
	  verb_delete_account_password_policy, "",
	  "Remove the custom policy: IAM's default policy applies again." },
	{ "create-login-profile", "CreateLoginProfile",
	  F_USER_NAME | F_RESET | F_GENERATE | F_PASSWORD_STDIN | F_INPUT | F_PASSWORD, true,
	  verb_create_login_profile, USER_SYNOPSIS " " PASSWORD_SYNOPSIS,
	  "Set a user's password (checked against the policy) and create the login profile." },
	{ "get-login-profile", "GetLoginProfile", F_USER_NAME | F_INPUT, false,
	  verb_get_login_profile, USER_SYNOPSIS,
	  "Show a user's login profile." },
	{ "update-login-profile", "UpdateLoginProfile",
	  F_USER_NAME | F_RESET | F_GENERATE | F_PASSWORD_STDIN | F_INPUT | F_PASSWORD, true,
	  verb_update_login_profile, USER_SYNOPSIS " " PASSWORD_SYNOPSIS,
	  "Change a user's password and/or the reset-required flag." },
	{ "delete-login-profile", "DeleteLoginProfile", F_USER_NAME | F_INPUT, true,
	  verb_delete_login_profile, USER_SYNOPSIS,
	  "Lock the user's Unix password and remove the login profile (SSH keys keep working)." },
	{ "generate-credential-report", "GenerateCredentialReport", F_INPUT, false,
	  verb_generate_credential_report, "",
	  "Prepare the credential report (it is generated on demand)." },
	{ "get-credential-report", "GetCredentialReport", F_INPUT, false,
	  verb_get_credential_report, "",
	  "The credential report: IAM's 22 CSV columns (--output text prints the CSV)." },
	{ "adopt-user", "AdoptUser", F_USER_NAME | F_ALL | F_INPUT, true,
	  verb_adopt_user, USER_SYNOPSIS " | --all",
	  "Create login profiles for existing accounts, keeping their passwords." },
	{ "get-user", "GetUser", F_USER_NAME | F_USER_OPTIONAL | F_INPUT, false,
	  verb_get_user, "[" USER_SYNOPSIS "]",
	  "Show a user in IAM's User shape (UserId from the uid, PasswordLastUsed)." },
	{ "list-users", "ListUsers", F_PAGE | F_INPUT, false,
	  verb_list_users, "[--max-items N] [--starting-token TOKEN]",
	  "List every account in scope in IAM's User shape, sorted by name." },
	{ "update-user", "UpdateUser", F_USER_NAME | F_NEW_NAME | F_INPUT, true,
	  verb_update_user, USER_SYNOPSIS " --new-user-name NEW",
	  "Rename the Unix account (usermod -l) and its login profile in one step." },
	{ "create-virtual-mfa-device", "CreateVirtualMFADevice", F_MFA_CREATE | F_INPUT, true,
	  verb_create_virtual_mfa_device,
	  "--virtual-mfa-device-name NAME --outfile FILE\n"
	  "       --bootstrap-method QRCodePNG|Base32StringSeed [--qr-terminal]",
	  "Create a virtual MFA device; its seed goes once to FILE (QR PNG or Base32, 0600)." },
	{ "enable-mfa-device", "EnableMFADevice", F_USER_NAME | F_SERIAL | F_CODES | F_INPUT, true,
	  verb_enable_mfa_device,
	  USER_SYNOPSIS " --serial-number SN\n"
	  "       --authentication-code1 CODE --authentication-code2 CODE",
	  "Assign a virtual MFA device to a user, proven by two consecutive codes." },
	{ "resync-mfa-device", "ResyncMFADevice", F_USER_NAME | F_SERIAL | F_CODES | F_INPUT, true,
	  verb_resync_mfa_device,
	  USER_SYNOPSIS " --serial-number SN\n"
	  "       --authentication-code1 CODE --authentication-code2 CODE",
	  "Record a device's clock drift from two consecutive codes." },
	{ "deactivate-mfa-device", "DeactivateMFADevice", F_USER_NAME | F_SERIAL | F_INPUT, true,
	  verb_deactivate_mfa_device, USER_SYNOPSIS " --serial-number SN",
	  "Unassign a user's MFA device (it stays, unassigned)." },
	{ "delete-virtual-mfa-device", "DeleteVirtualMFADevice", F_SERIAL | F_INPUT, true,
	  verb_delete_virtual_mfa_device, "--serial-number SN",
	  "Delete an unassigned virtual MFA device and its seed." },
	{ "list-mfa-devices", "ListMFADevices", F_USER_NAME | F_USER_OPTIONAL | F_INPUT, false,
	  verb_list_mfa_devices, "[" USER_SYNOPSIS "]",
	  "List the MFA devices enabled for a user (every user's without --user-name)." },
	{ "list-virtual-mfa-devices", "ListVirtualMFADevices", F_ASSIGNMENT | F_INPUT, false,
	  verb_list_virtual_mfa_devices, "[--assignment-status Assigned|Unassigned|Any]",
	  "List the virtual MFA devices of this host." },
	{ "check", "Check", F_AGAINST, false, verb_check,
	  "[--against iam-default|nist-800-63b-4|cis-debian-12]",
	  "Validate iampw.conf, policy.conf and every profile; --against: PASS/FAIL per requirement of a standard." },
	{ NULL, NULL, 0, false, NULL, NULL, NULL },
};

/*
 * The frames of the AWS CLI's messages (awscli/errorhandler.py): every
 * error starts with an empty line; a command-line error shows how to get
 * help.
 */
#define USAGE_FRAME \
	"usage: iampw-admin [options] <command> [parameters]\n" \
	"To see help text, you can run:\n" \
	"\n" \
	"  iampw-admin --help\n" \
	"  iampw-admin <command> --help\n"

static const char *const iam_error_names[] = {
	[IAM_DELETE_CONFLICT] = "DeleteConflict",
	[IAM_ENTITY_ALREADY_EXISTS] = "EntityAlreadyExists",
	[IAM_ENTITY_TEMPORARILY_UNMODIFIABLE] = "EntityTemporarilyUnmodifiable",
	[IAM_INVALID_AUTHENTICATION_CODE] = "InvalidAuthenticationCode",
	[IAM_LIMIT_EXCEEDED] = "LimitExceeded",
	[IAM_NO_SUCH_ENTITY] = "NoSuchEntity",
	[IAM_PASSWORD_POLICY_VIOLATION] = "PasswordPolicyViolation",
	[IAM_SERVICE_FAILURE] = "ServiceFailure",
	[IAM_VALIDATION_ERROR] = "ValidationError",
};
_Static_assert(sizeof iam_error_names / sizeof *iam_error_names == IAM_ERRORS,
	       "every IAM error has its name");

/* One frame: its start, the message, its end; the frame's exit code. */
static int framed(int exit_code, const char *after, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static int framed(int exit_code, const char *after, const char *fmt, va_list ap)
{
	vfprintf(stderr, fmt, ap);
	fputs(after, stderr);
	return exit_code;
}

int cli_error(const struct cli *c, enum iam_error iam_error, const char *fmt, ...)
{
	va_list ap;
	int rc;

	fprintf(stderr, "\nAn error occurred (%s) when calling the %s operation: ",
		iam_error_names[iam_error],
		c->verb != NULL ? c->verb->operation : "unknown");
	va_start(ap, fmt);
	rc = framed(EXIT_IAM, "\n", fmt, ap);
	va_end(ap);
	return rc;
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	int rc;

	fputs("\n" USAGE_FRAME "\niampw-admin: error: ", stderr);
	va_start(ap, fmt);
	rc = framed(EXIT_USAGE, "\n\n", fmt, ap);
	va_end(ap);
	return rc;
}

int cli_unknown_options(const char *list)
{
	fprintf(stderr, "\n" USAGE_FRAME "\nUnknown options: %s\n\n", list);
	return EXIT_USAGE;
}

/*
 * The matching characters of a and b as Python's difflib counts them
 * (SequenceMatcher.get_matching_blocks, no junk): the longest common
 * block, earliest in a then in b, and the same on each side of it.
 */
static size_t matching(const char *a, size_t alo, size_t ahi, const char *b, size_t blo,
		       size_t bhi)
{
	size_t i, j, k, bi = alo, bj = blo, best = 0;

	for (i = alo; i < ahi; i++)
		for (j = blo; j < bhi; j++) {
			for (k = 0; i + k < ahi && j + k < bhi && a[i + k] == b[j + k]; k++)
				;
			if (k > best) {
				best = k;
				bi = i;
				bj = j;
			}
		}
	if (best == 0)
		return 0;
	return best + matching(a, alo, bi, b, blo, bj) +
	       matching(a, bi + best, ahi, b, bj + best, bhi);
}

/* difflib's ratio() of a choice and the word given, times 1000 (exact enough for 0.8). */
static size_t similarity(const char *choice, const char *word)
{
	size_t la = strlen(choice), lb = strlen(word);

	if (la + lb == 0 || la > 64 || lb > 64)
		return 0;
	return 2000 * matching(choice, 0, la, word, 0, lb) / (la + lb);
}

/*
 * Two choices a line, each padded to 40 columns, then difflib's close
 * matches (at most 3, ratio >= 0.8, best first) as the AWS CLI's
 * argparser prints them; only for a plain word, which Python's repr()
 * would show as it is.
 */
int cli_choice_error(const char *arg, const char *value, const char *const *choices, size_t n)
{
	size_t score[3] = { 0 }, pick[3], found = 0;
	bool plain = value[0] != '\0' && strlen(value) <= 64;

	for (const char *p = value; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '\'' || *p == '\\')
			plain = false;
	fprintf(stderr, "\n" USAGE_FRAME "\niampw-admin: error: argument %s: "
		"Invalid choice, valid choices are:\n\n", arg);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%-40s%s", choices[i],
			i % 2 == 0 && i + 1 < n ? " | " : "\n");
	for (size_t i = 0; plain && i < n; i++) {
		size_t s = similarity(choices[i], value), at;

		if (s < 800)
			continue;
		/* Best first; on a tie, the greater name first (heapq.nlargest). */
		for (at = 0; at < found && (score[at] > s ||
		     (score[at] == s && strcmp(choices[pick[at]], choices[i]) > 0)); at++)
			;
		if (at == 3)
			continue;
		for (size_t k = (found < 3 ? found : 2); k > at; k--) {
			score[k] = score[k - 1];
			pick[k] = pick[k - 1];
		}
		score[at] = s;
		pick[at] = i;
		if (found < 3)
			found++;
	}
	if (found > 0) {
		fprintf(stderr, "\n\nInvalid choice: '%s', maybe you meant:\n\n", value);
		for (size_t k = 0; k < found; k++)
			fprintf(stderr, "  * %s\n", choices[pick[k]]);
	}
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int cli_param_error(const char *fmt, ...)
{
	va_list ap;
	int rc;

	fputc('\n', stderr);
	va_start(ap, fmt);
	rc = framed(EXIT_USAGE, "\n", fmt, ap);
	va_end(ap);
	return rc;
}

static void print_problem(void *arg, const struct iampw_problem *p)
{
	unsigned *n = arg;

	fprintf(stderr, "%s\n", p->message);
	(*n)++;
}

unsigned cli_print_problems(const struct iampw_err *e)
{
	unsigned n = 0;

	iampw_err_each(e, print_problem, &n);
	return n;
}

int cli_fail(int exit_code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	fputs("iampw-admin: ", stderr);
	va_start(ap, fmt);
	rc = framed(exit_code, "\n", fmt, ap);
	va_end(ap);
	return rc;
}

int cli_config_error(const struct iampw_err *e)
{
	cli_print_problems(e);
	return EXIT_CONFIG;
}

/*
 * The audit login uid (set at login by pam_loginuid, kept across sudo and
 * su): who is behind the root shell.  "unset" when there is none.
 */
static void login_uid(char *out, size_t n)
{
	FILE *f = fopen("/proc/self/loginuid", "re");
	unsigned long v;

	snprintf(out, n, "unset");
	if (f == NULL)
		return;
	/* (uid_t)-1 is the kernel's "never set". */
	if (fscanf(f, "%lu", &v) == 1 && v != 4294967295UL)
		snprintf(out, n, "%lu", v);
	fclose(f);
}

void cli_audit(const struct cli *c, const char *fmt, ...)
{
	char what[512], auid[24];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	login_uid(auid, sizeof auid);
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s: %s (uid %lu, login uid %s)", c->verb->name,
	       what, (unsigned long)getuid(), auid);
}

void cli_free(struct cli *c)
{
	if (c->password != NULL)
		iampw_wipe_free(c->password);
	c->password = NULL;
	json_object_put(c->input);
	c->input = NULL;
}

