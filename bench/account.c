/*
 * bench/account: account-stack transactions through real libpam.
 *
 *   account CONFDIR SERVICE USER COUNT
 *
 * Runs bench_loop(): COUNT transactions, each pam_start_confdir +
 * pam_acct_mgmt + pam_end with a fresh handle (a reused handle slows down
 * quadratically, TESTING.md).  callgrind counts bench_loop() alone
 * (--toggle-collect=bench_loop).  Prints the median time of one
 * transaction, and VmHWM before the first transaction (libpam loaded, no
 * module yet) and after the last, for the memory figure.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <security/pam_appl.h>

#include "benchutil.h"

static int converse(int n, const struct pam_message **msg,
		    struct pam_response **resp, void *appdata)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)appdata;
	return PAM_CONV_ERR;	/* an account stack never asks */
}

int bench_loop(const char *confdir, const char *service, const char *user,
	       unsigned count, long long *ns);

__attribute__((noinline)) int bench_loop(const char *confdir, const char *service,
					 const char *user, unsigned count, long long *ns)
{
	struct pam_conv conv = { converse, NULL };

	for (unsigned i = 0; i < count; i++) {
		pam_handle_t *pamh = NULL;
		long long t0 = now_ns();
		int rc = pam_start_confdir(service, user, &conv, confdir, &pamh);

		if (rc != PAM_SUCCESS)
			return rc;
		rc = pam_acct_mgmt(pamh, 0);
		pam_end(pamh, rc);
		if (rc != PAM_SUCCESS)
			return rc;
		ns[i] = now_ns() - t0;
	}
	return PAM_SUCCESS;
}

int main(int argc, char **argv)
{
	unsigned long count;
	long long *ns;
	long hwm0;
	int rc;

	if (argc != 5) {
		fputs("usage: account CONFDIR SERVICE USER COUNT\n", stderr);
		return 2;
	}
	count = strtoul(argv[4], NULL, 10);
	if (count < 1 || count > 10000000)
		die("bad COUNT");
	ns = calloc(count, sizeof *ns);
	if (ns == NULL)
		die("out of memory");
	hwm0 = status_kb("VmHWM:");
	rc = bench_loop(argv[1], argv[2], argv[3], (unsigned)count, ns);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "account: %s %s: %s\n", argv[2], argv[3],
			pam_strerror(NULL, rc));
		return 1;
	}
	printf("median_ns=%lld count=%lu hwm0_kb=%ld hwm_kb=%ld\n",
	       median_ll(ns, count), count, hwm0, status_kb("VmHWM:"));
	free(ns);
	return 0;
}
