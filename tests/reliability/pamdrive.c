/*
 * pamdrive: run PAM transactions through real libpam for the reliability
 * tests (tests/reliability/).
 *
 *   pamdrive [-o OPS] [-x] [-n N] [-p FILE] [-c MODE] [-u UID] [-s] [-S]
 *            [-t] [-q] CONFDIR SERVICE USER
 *
 *   -o OPS   the steps of one transaction, in order: c pam_chauthtok,
 *            a pam_acct_mgmt, A pam_authenticate (default "c")
 *   -x       pam_chauthtok with PAM_CHANGE_EXPIRED_AUTHTOK (a forced change)
 *   -n N     run N transactions (pam_start ... pam_end) one after another
 *   -p FILE  the answers to the prompts, one per line, read with read(2)
 *            ("-": standard input, so a secret need never be in a file or
 *            in argv); each prompt takes the next answer, in a cycle
 *            restarted per transaction.  "%d" in an answer becomes the
 *            transaction's number (0, 1, ...): a new password each time.
 *   -c MODE  a failing conversation: conv-err (PAM_CONV_ERR), null-reply
 *            (success with no reply array), null-resp (a reply whose
 *            strings are NULL), info-fail (prompts are answered, every
 *            message fails with PAM_CONV_ERR)
 *   -u UID   set the real uid to UID, keep the effective uid 0 (a setuid
 *            passwd run by that user); -u UID:UID sets both
 *   -s       after the last pam_end: wipe the answers, print "stopped PID"
 *            and stop with SIGSTOP (a test takes a core dump with gcore)
 *   -S       print "stats i=I fds=F heap=B rss_kb=K" after transaction 1 and
 *            every N/10 transactions (open fds, malloc'd bytes in use, RSS)
 *   -t       print the wall time of each step, "time op=c ms=M"
 *   -q       print only the result lines
 *
 * Environment, for proving that a test's check can fail:
 *   PAMDRIVE_NO_WIPE=1  never wipe the answers (read buffer, answer
 *            copies): with -s, a core dump then holds them
 *            (test_secrets.sh shows that its core scan finds them)
 *   PAMDRIVE_LEAK=N     leak N bytes of malloc'd memory per transaction
 *            (test_load.sh shows that its -S heap and RSS bounds and
 *            valgrind catch a leak of that size)
 *
 * Prints every message the stack sent ("msg STYLE TEXT"), then one line
 * per step: "rc op=c code=PAM_NAME (N)".  Exits with the last step's code
 * of the last transaction (0 is PAM_SUCCESS); 100 + code when pam_start
 * fails, 99 on a usage or system error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define MAX_ANSWERS 16
#define ANSWER_MAX (128 * 1024)

enum conv_mode { CONV_OK, CONV_ERR, CONV_NULL_REPLY, CONV_NULL_RESP, CONV_INFO_FAIL };

static char *answers[MAX_ANSWERS];
static size_t answer_len[MAX_ANSWERS];
static unsigned nanswers, next_answer, txn_no;
static enum conv_mode mode = CONV_OK;
static bool quiet, no_wipe;
/* PAMDRIVE_LEAK: the latest leaked block (volatile: not optimized away). */
static void *volatile leaked;

static void wipe(void *p, size_t n)
{
	if (!no_wipe)
		explicit_bzero(p, n);
}

static const char *pam_name(int rc)
{
	static const struct { int rc; const char *name; } names[] = {
		{ PAM_SUCCESS, "PAM_SUCCESS" }, { PAM_OPEN_ERR, "PAM_OPEN_ERR" },
		{ PAM_SYMBOL_ERR, "PAM_SYMBOL_ERR" }, { PAM_SERVICE_ERR, "PAM_SERVICE_ERR" },
		{ PAM_SYSTEM_ERR, "PAM_SYSTEM_ERR" }, { PAM_BUF_ERR, "PAM_BUF_ERR" },
		{ PAM_PERM_DENIED, "PAM_PERM_DENIED" }, { PAM_AUTH_ERR, "PAM_AUTH_ERR" },
		{ PAM_CRED_INSUFFICIENT, "PAM_CRED_INSUFFICIENT" },
		{ PAM_AUTHINFO_UNAVAIL, "PAM_AUTHINFO_UNAVAIL" },
		{ PAM_USER_UNKNOWN, "PAM_USER_UNKNOWN" }, { PAM_MAXTRIES, "PAM_MAXTRIES" },
		{ PAM_NEW_AUTHTOK_REQD, "PAM_NEW_AUTHTOK_REQD" },
		{ PAM_ACCT_EXPIRED, "PAM_ACCT_EXPIRED" }, { PAM_SESSION_ERR, "PAM_SESSION_ERR" },
		{ PAM_CRED_UNAVAIL, "PAM_CRED_UNAVAIL" }, { PAM_CRED_EXPIRED, "PAM_CRED_EXPIRED" },
		{ PAM_CRED_ERR, "PAM_CRED_ERR" }, { PAM_NO_MODULE_DATA, "PAM_NO_MODULE_DATA" },
		{ PAM_CONV_ERR, "PAM_CONV_ERR" }, { PAM_AUTHTOK_ERR, "PAM_AUTHTOK_ERR" },
		{ PAM_AUTHTOK_RECOVERY_ERR, "PAM_AUTHTOK_RECOVERY_ERR" },
		{ PAM_AUTHTOK_LOCK_BUSY, "PAM_AUTHTOK_LOCK_BUSY" },
		{ PAM_AUTHTOK_DISABLE_AGING, "PAM_AUTHTOK_DISABLE_AGING" },
		{ PAM_TRY_AGAIN, "PAM_TRY_AGAIN" }, { PAM_IGNORE, "PAM_IGNORE" },
		{ PAM_ABORT, "PAM_ABORT" }, { PAM_AUTHTOK_EXPIRED, "PAM_AUTHTOK_EXPIRED" },
		{ PAM_MODULE_UNKNOWN, "PAM_MODULE_UNKNOWN" }, { PAM_BAD_ITEM, "PAM_BAD_ITEM" },
		{ PAM_CONV_AGAIN, "PAM_CONV_AGAIN" }, { PAM_INCOMPLETE, "PAM_INCOMPLETE" },
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].rc == rc)
			return names[i].name;
	return "PAM_UNKNOWN_CODE";
}

static void die(const char *what)
{
	fprintf(stderr, "pamdrive: %s: %s\n", what, strerror(errno));
	exit(99);
}

/* The answers, read with read(2) so that no stdio buffer keeps a copy. */
static void read_answers(const char *path)
{
	char *buf = malloc(ANSWER_MAX + 1);
	size_t len = 0;
	ssize_t n;
	int fd;

	if (buf == NULL)
		die("malloc");
	fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	while (len < ANSWER_MAX &&
	       (n = read(fd, buf + len, ANSWER_MAX - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		len += (size_t)n;
	}
	if (fd != 0)
		close(fd);
	buf[len] = '\0';
	for (char *p = buf; p < buf + len && nanswers < MAX_ANSWERS;) {
		char *nl = memchr(p, '\n', (size_t)(buf + len - p));
		size_t l = nl != NULL ? (size_t)(nl - p) : (size_t)(buf + len - p);

		answers[nanswers] = malloc(l + 1);
		if (answers[nanswers] == NULL)
			die("malloc");
		memcpy(answers[nanswers], p, l);
		answers[nanswers][l] = '\0';
		answer_len[nanswers++] = l;
		p += l + 1;
	}
	wipe(buf, ANSWER_MAX + 1);
	free(buf);
}

/* The next answer, "%d" replaced by the transaction's number. */
static char *next_reply(void)
{
	const char *a, *pct;
	char *r;
	size_t len;

	if (nanswers == 0)
		return NULL;
	a = answers[next_answer++ % nanswers];
	len = strlen(a) + 24;
	r = malloc(len);
	if (r == NULL)
		return NULL;
	pct = strstr(a, "%d");
	if (pct != NULL)
		snprintf(r, len, "%.*s%u%s", (int)(pct - a), a, txn_no, pct + 2);
	else
		snprintf(r, len, "%s", a);
	return r;
}

static int converse(int n, const struct pam_message **msg,
		    struct pam_response **resp, void *appdata)
{
	struct pam_response *r;

	(void)appdata;
	if (mode == CONV_ERR)
		return PAM_CONV_ERR;
	if (mode == CONV_NULL_REPLY) {
		*resp = NULL;
		return PAM_SUCCESS;
	}
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof *r);
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;

		if (!quiet)
			printf("msg %d %s\n", style, msg[i]->msg);
		if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON) {
			if (mode == CONV_INFO_FAIL) {
				free(r);
				return PAM_CONV_ERR;
			}
			continue;
		}
		if (mode == CONV_NULL_RESP)
			continue;
		r[i].resp = next_reply();
		if (r[i].resp == NULL) {
			for (int j = 0; j < i; j++) {
				if (r[j].resp != NULL) {
					wipe(r[j].resp, strlen(r[j].resp));
					free(r[j].resp);
				}
			}
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		die("/proc/self/fd");
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory stream's own fd */
}

static long rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f == NULL)
		die("/proc/self/statm");
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static void stats(unsigned i)
{
	struct mallinfo2 mi = mallinfo2();

	printf("stats i=%u fds=%d heap=%zu rss_kb=%ld\n", i, count_fds(),
	       mi.uordblks, rss_kb());
	fflush(stdout);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void usage(void)
{
	fputs("usage: pamdrive [-o OPS] [-x] [-n N] [-p FILE] [-c MODE] [-u UID[:EUID]] [-s] [-S] [-t] [-q]\n"
	      "                CONFDIR SERVICE USER\n", stderr);
	exit(99);
}

int main(int argc, char **argv)
{
	const char *ops = "c", *confdir, *service, *user;
	unsigned long runs = 1;
	bool expired = false, stop = false, show_stats = false, timing = false;
	int opt, rc = PAM_SUCCESS;
	const char *leak_env = getenv("PAMDRIVE_LEAK");
	size_t leak = leak_env != NULL ? strtoul(leak_env, NULL, 10) : 0;

	no_wipe = getenv("PAMDRIVE_NO_WIPE") != NULL &&
		  strcmp(getenv("PAMDRIVE_NO_WIPE"), "1") == 0;
	while ((opt = getopt(argc, argv, "o:xn:p:c:u:sStq")) != -1) {
		switch (opt) {
		case 'o':
			ops = optarg;
			break;
		case 'x':
			expired = true;
			break;
		case 'n':
			runs = strtoul(optarg, NULL, 10);
			if (runs == 0)
				usage();
			break;
		case 'p':
			read_answers(optarg);
			break;
		case 'c':
			if (strcmp(optarg, "conv-err") == 0)
				mode = CONV_ERR;
			else if (strcmp(optarg, "null-reply") == 0)
				mode = CONV_NULL_REPLY;
			else if (strcmp(optarg, "null-resp") == 0)
				mode = CONV_NULL_RESP;
			else if (strcmp(optarg, "info-fail") == 0)
				mode = CONV_INFO_FAIL;
			else
				usage();
			break;
		case 'u': {
			char *end;
			unsigned long ruid = strtoul(optarg, &end, 10), euid = 0;

			if (*end == ':')
				euid = strtoul(end + 1, NULL, 10);
			if (setresuid((uid_t)ruid, (uid_t)euid, (uid_t)euid) != 0)
				die("setresuid");
			break;
		}
		case 's':
			stop = true;
			break;
		case 'S':
			show_stats = true;
			break;
		case 't':
			timing = true;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 3)
		usage();
	confdir = argv[optind];
	service = argv[optind + 1];
	user = argv[optind + 2];

	for (txn_no = 0; txn_no < runs; txn_no++) {
		struct pam_conv conv = { converse, NULL };
		pam_handle_t *pamh = NULL;

		next_answer = 0;
		rc = pam_start_confdir(service, user, &conv, confdir, &pamh);
		if (rc != PAM_SUCCESS) {
			printf("pam_start code=%s (%d)\n", pam_name(rc), rc);
			return 100 + rc;
		}
		for (const char *op = ops; *op != '\0'; op++) {
			double t0 = now_ms();

			switch (*op) {
			case 'c':
				rc = pam_chauthtok(pamh, expired ? PAM_CHANGE_EXPIRED_AUTHTOK : 0);
				break;
			case 'a':
				rc = pam_acct_mgmt(pamh, 0);
				break;
			case 'A':
				rc = pam_authenticate(pamh, 0);
				break;
			default:
				usage();
			}
			if (timing)
				printf("time op=%c ms=%.3f\n", *op, now_ms() - t0);
			if (!quiet || txn_no + 1 == runs)
				printf("rc op=%c code=%s (%d)\n", *op, pam_name(rc), rc);
		}
		pam_end(pamh, rc);
		if (leak > 0) {
			/* Written to, so that the pages are really used; the
			 * previous block becomes unreachable. */
			char *lost = malloc(leak);

			if (lost == NULL)
				die("malloc");
			memset(lost, 'L', leak);
			leaked = lost;
		}
		if (show_stats && (txn_no == 0 || (txn_no + 1) % (runs < 10 ? 1 : runs / 10) == 0))
			stats(txn_no + 1);
		fflush(stdout);
	}
	for (unsigned i = 0; i < nanswers; i++) {
		wipe(answers[i], answer_len[i]);
		free(answers[i]);
	}
	if (stop) {
		printf("stopped %ld\n", (long)getpid());
		fflush(stdout);
		raise(SIGSTOP);
	}
	return rc;
}
