/*
 * iampw-admin: the AWS CLI's IAM password-policy, login-profile and
 * virtual MFA device commands for a Linux host (SPEC §6, §10).
 *
 * Order of work (§6): parse the command line (252 on error), then check
 * that the real uid is 0 (255) before any file is read or written, then
 * run the verb.  It is never setuid: a set-id install refuses to run.
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

static int print_skeleton(const struct cli *c)
{
	json_object *o;
	char *text;
	int rc;

	/* As the AWS CLI: a made-up response, printed as a real one would be. */
	if (strcmp(c->skeleton, "output") == 0) {
		o = out_skeleton(c->verb->operation);
		rc = out_print(c, o);
		json_object_put(o);
		return rc;
	}
	o = cli_skeleton(c->verb, false);
	if (o == NULL)
		return EXIT_OTHER;
	text = out_json_string(o);
	json_object_put(o);
	if (text == NULL)
		return EXIT_OTHER;
	printf("%s\n", text);
	free(text);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_OTHER;
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	int rc;

	rc = cli_parse(&c, argc, argv);
	if (rc == CLI_DONE || rc != EXIT_OK) {
		/* Inline --cli-input-json may have been parsed (and may hold a password). */
		cli_free(&c);
		if (rc == CLI_DONE)
			return fflush(stdout) == 0 ? EXIT_OK : EXIT_OTHER;
		return rc;
	}
	/* A bad expression is a command-line error, found before anything runs. */
	if (c.query != NULL) {
		rc = out_query_check(c.query);
		if (rc != EXIT_OK) {
			cli_free(&c);
			return rc;
		}
	}
	/*
	 * Only root, and only as itself: a set-id copy would let any user
	 * rewrite the policy, so it refuses to run at all.
	 */
	if (getuid() != 0 || geteuid() != getuid() || getegid() != getgid()) {
		rc = cli_fail(EXIT_OTHER, "must be run by root (real uid 0), never set-id");
		cli_free(&c);
		return rc;
	}
	/* Files we create are root's alone whatever umask root has. */
	umask(077);
	openlog("iampw-admin", LOG_PID, LOG_AUTHPRIV);
	rc = cli_load_input(&c);
	if (rc == EXIT_OK)
		rc = c.skeleton != NULL ? print_skeleton(&c) : c.verb->run(&c);
	/*
	 * The AWS CLI applies --query to the empty response of an operation
	 * without output, and prints its null.
	 */
	if (rc == EXIT_OK && c.query != NULL && !out_printed())
		rc = out_print(&c, NULL);
	cli_free(&c);
	closelog();
	return rc;
}
