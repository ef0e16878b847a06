/*
 * iampw-try: check candidate passwords against a policy file with the
 * same core the PAM module uses, without touching any account.
 *
 *   iampw-try [--policy FILE] [--user NAME] [--gecos TEXT] [--host NAME] < passwords
 *
 * Reads one candidate per line on standard input and prints, for each,
 * its line number and the verdict (never the password itself).  Exit
 * status: 0 all accepted, 1 some rejected, 2 usage or policy error.
 * Not installed: it demonstrates the rules in the README's quick start.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iampw.h"

static void usage(FILE *f)
{
	fputs("usage: iampw-try [--policy FILE] [--user NAME] [--gecos TEXT] [--host NAME] < passwords\n"
	      "Checks one password per line of standard input against the policy\n"
	      "(IAM's default policy when FILE is absent or has no [policy]).\n",
	      f);
}

static void describe(const struct iampw_policy *p)
{
	if (!p->custom) {
		puts("policy: IAM default (8-128 characters, 3 of 4 character types)");
		return;
	}
	printf("policy: at least %u characters%s%s%s%s",
	       p->min_length,
	       p->require_uppercase ? ", an uppercase letter" : "",
	       p->require_lowercase ? ", a lowercase letter" : "",
	       p->require_numbers ? ", a number" : "",
	       p->require_symbols ? ", a symbol" : "");
	if (p->max_age > 0)
		printf(", expires after %u days", p->max_age);
	if (p->reuse_prevention > 0)
		printf(", no reuse of the last %u", p->reuse_prevention);
	putchar('\n');
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "user", required_argument, NULL, 'u' },
		{ "gecos", required_argument, NULL, 'g' },
		{ "host", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct iampw_identity id = { NULL, NULL, NULL };
	const char *policy_path = NULL;
	struct iampw_policy policy;
	struct iampw_err e;
	char *line = NULL, msg[2048];
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0, rejected = 0;
	int c;

	while ((c = getopt_long(argc, argv, "p:u:g:H:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': policy_path = optarg; break;
		case 'u': id.user = optarg; break;
		case 'g': id.gecos = optarg; break;
		case 'H': id.host = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	iampw_err_init(&e);
	iampw_policy_default(&policy);
	if (policy_path != NULL &&
	    iampw_policy_load(policy_path, geteuid(), &policy, &e) != IAMPW_OK) {
		fprintf(stderr, "%s\n", e.text);
		return 2;
	}
	describe(&policy);
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		struct iampw_check r;

		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		iampw_check_password(&policy, &id, line, &r);
		iampw_wipe(line, cap);
		if (r.failed == 0) {
			printf("%u: accepted\n", lineno);
			continue;
		}
		rejected++;
		iampw_check_message(&r, msg, sizeof msg);
		printf("%u: rejected: %s\n", lineno, msg);
	}
	if (line != NULL)
		iampw_wipe(line, cap);
	free(line);
	return rejected > 0 ? 1 : 0;
}
