/*
 * bench/chauthtok: time one forced password change through real libpam.
 *
 *   chauthtok [-n RUNS] [-w] [-a] [-o OLDPW] [-r SRC:DST]... CONFDIR SERVICE USER NEWPW
 *   chauthtok [-n RUNS] [-w] -H NEWPW          (one bare yescrypt hash)
 *
 * Each run restores the -r files first (the stored history, opasswd,
 * shadow: a change rewrites them), then calls bench_txn(), which does
 * pam_start_confdir + pam_chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK) + pam_end
 * as the caller (root).  The flag makes it a forced change, so the peer
 * modules enforce their rules instead of going lenient for root; with it
 * pam_unix also asks root for the current password (support.c sets
 * UNIX__IAMROOT only without the flag) and verifies it: the conversation
 * answers OLDPW to a "Current password" prompt, NEWPW to every other.
 * -a passes flags 0 instead: root's admin reset, no current password.
 * callgrind counts bench_txn() alone (--toggle-collect=bench_txn).
 *
 * Prints "median_ns=... runs=... hwm_kb=..." and exits 0 only when every
 * change succeeded.  -w adds one untimed warm-up run.
 */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "benchutil.h"

#define MAX_RESTORE 8
#define MAX_RUNS 1000

struct run_args {
	const char *confdir, *service, *user, *newpw, *oldpw;
	int flags;
	bool bare_hash;
	struct crypt_data *cd;
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
};

/* The last messages the stack sent, shown when a change fails. */
static char last_msgs[2048];

static int converse(int n, const struct pam_message **msg,
		    struct pam_response **resp, void *appdata)
{
	const struct run_args *a = appdata;
	struct pam_response *r = calloc((size_t)n, sizeof *r);

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			r[i].resp = strdup(strstr(msg[i]->msg, "urrent") != NULL &&
					   a->oldpw != NULL ? a->oldpw : a->newpw);
			if (r[i].resp == NULL) {
				for (int j = 0; j < i; j++)
					free(r[j].resp);
				free(r);
				return PAM_BUF_ERR;
			}
			break;
		default:
			snprintf(last_msgs + strlen(last_msgs),
				 sizeof last_msgs - strlen(last_msgs), "  %s\n",
				 msg[i]->msg);
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

int bench_txn(struct run_args *a);

/* The measured unit (callgrind: --toggle-collect=bench_txn). */
__attribute__((noinline)) int bench_txn(struct run_args *a)
{
	struct pam_conv conv = { converse, a };
	pam_handle_t *pamh = NULL;
	const char *h;
	int rc;

	if (a->bare_hash) {
		h = crypt_rn(a->newpw, a->setting, a->cd, (int)sizeof *a->cd);
		return h != NULL && h[0] != '*' ? PAM_SUCCESS : PAM_SYSTEM_ERR;
	}
	rc = pam_start_confdir(a->service, a->user, &conv, a->confdir, &pamh);
	if (rc != PAM_SUCCESS)
		return rc;
	rc = pam_chauthtok(pamh, a->flags);
	pam_end(pamh, rc);
	return rc;
}

static void usage(void)
{
	fputs("usage: chauthtok [-n RUNS] [-w] [-a] [-o OLDPW] [-r SRC:DST]... CONFDIR SERVICE USER NEWPW\n"
	      "       chauthtok [-n RUNS] [-w] -H NEWPW\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct run_args a = { 0 };
	const char *restore[MAX_RESTORE];
	unsigned nrestore = 0, runs = 1, i;
	long long *ns;
	bool warm = false;
	int opt, rc = 0;

	a.flags = PAM_CHANGE_EXPIRED_AUTHTOK;
	while ((opt = getopt(argc, argv, "n:wr:Hao:")) != -1) {
		switch (opt) {
		case 'a':
			a.flags = 0;
			break;
		case 'o':
			a.oldpw = optarg;
			break;
		case 'n':
			runs = (unsigned)strtoul(optarg, NULL, 10);
			if (runs < 1 || runs > MAX_RUNS)
				usage();
			break;
		case 'w':
			warm = true;
			break;
		case 'r':
			if (nrestore == MAX_RESTORE || strchr(optarg, ':') == NULL)
				usage();
			restore[nrestore++] = optarg;
			break;
		case 'H':
			a.bare_hash = true;
			break;
		default:
			usage();
		}
	}
	if (a.bare_hash) {
		if (argc - optind != 1)
			usage();
		a.newpw = argv[optind];
		a.cd = calloc(1, sizeof *a.cd);
		/* libxcrypt's default yescrypt cost, as pam_unix and chpasswd use. */
		if (a.cd == NULL ||
		    crypt_gensalt_rn("$y$", 0, NULL, 0, a.setting, sizeof a.setting) == NULL)
			die("crypt_gensalt_rn: %s", strerror(errno));
	} else {
		if (argc - optind != 4)
			usage();
		a.confdir = argv[optind];
		a.service = argv[optind + 1];
		a.user = argv[optind + 2];
		a.newpw = argv[optind + 3];
	}
	ns = calloc(runs, sizeof *ns);
	if (ns == NULL)
		die("out of memory");
	for (i = 0; i < runs + (warm ? 1 : 0) && rc == 0; i++) {
		long long t0;

		for (unsigned k = 0; k < nrestore; k++)
			restore_file(restore[k]);
		last_msgs[0] = '\0';
		t0 = now_ns();
		rc = bench_txn(&a);
		if (!warm || i > 0)
			ns[warm ? i - 1 : i] = now_ns() - t0;
		if (rc != PAM_SUCCESS) {
			fprintf(stderr, "chauthtok: %s %s: %s\n%s",
				a.bare_hash ? "hash" : a.service,
				a.bare_hash ? "" : a.user,
				a.bare_hash ? "crypt_rn failed" : pam_strerror(NULL, rc),
				last_msgs);
			return 1;
		}
	}
	printf("median_ns=%lld runs=%u hwm_kb=%ld\n", median_ll(ns, runs), runs,
	       status_kb("VmHWM:"));
	free(ns);
	free(a.cd);
	return 0;
}
