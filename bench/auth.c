/*
 * bench/auth: auth-stack transactions through real libpam, for the MFA
 * step's cost beside pam_unix's (SPEC §8, §10).
 *
 *   auth [-r SRC:DST]... CONFDIR SERVICE USER COUNT
 *
 * Each of COUNT rounds restores the -r files (the device file, so that
 * the same code is new again: replay protection would refuse it), then
 * calls bench_txn(): pam_start_confdir + pam_authenticate + pam_end with
 * a fresh handle.  The conversation answers "Password: " with
 * $BENCH_PASSWORD and "MFA code: " with $BENCH_CODE.  callgrind counts
 * bench_txn() alone (--toggle-collect=bench_txn).  Prints the median
 * time of one transaction.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

#include "benchutil.h"

static int converse(int n, const struct pam_message **msg,
		    struct pam_response **resp, void *appdata)
{
	struct pam_response *r = calloc((size_t)n, sizeof *r);

	(void)appdata;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		const char *a = NULL;

		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		if (strstr(msg[i]->msg, "MFA code") != NULL)
			a = getenv("BENCH_CODE");
		else if (strstr(msg[i]->msg, "assword") != NULL)
			a = getenv("BENCH_PASSWORD");
		if (a == NULL || (r[i].resp = strdup(a)) == NULL) {
			for (int j = 0; j < i; j++)
				free(r[j].resp);
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

int bench_txn(const char *confdir, const char *service, const char *user);

__attribute__((noinline)) int bench_txn(const char *confdir, const char *service,
					const char *user)
{
	struct pam_conv conv = { converse, NULL };
	pam_handle_t *pamh = NULL;
	int rc = pam_start_confdir(service, user, &conv, confdir, &pamh);

	if (rc != PAM_SUCCESS)
		return rc;
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

int main(int argc, char **argv)
{
	const char *restore[8];
	unsigned nrestore = 0;
	unsigned long count;
	long long *ns;
	int i = 1, rc;

	while (i + 1 < argc && strcmp(argv[i], "-r") == 0 && nrestore < 8) {
		restore[nrestore++] = argv[i + 1];
		i += 2;
	}
	if (argc - i != 4) {
		fputs("usage: auth [-r SRC:DST]... CONFDIR SERVICE USER COUNT\n", stderr);
		return 2;
	}
	count = strtoul(argv[i + 3], NULL, 10);
	if (count < 1 || count > 1000000)
		die("bad COUNT");
	ns = calloc(count, sizeof *ns);
	if (ns == NULL)
		die("out of memory");
	for (unsigned long k = 0; k < count; k++) {
		long long t0;

		for (unsigned j = 0; j < nrestore; j++)
			restore_file(restore[j]);
		t0 = now_ns();
		rc = bench_txn(argv[i], argv[i + 1], argv[i + 2]);
		ns[k] = now_ns() - t0;
		if (rc != PAM_SUCCESS) {
			fprintf(stderr, "auth: %s %s: %s\n", argv[i + 1], argv[i + 2],
				pam_strerror(NULL, rc));
			return 1;
		}
	}
	printf("median_ns=%lld count=%lu\n", median_ll(ns, count), count);
	free(ns);
	return 0;
}
