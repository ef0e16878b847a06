/*
 * A driver for iampw-admin/unixpw.c, used by tests/admin/test_unixpw.sh
 * inside the sandbox:
 *
 *   unixpw_driver set USER          password from the first line of stdin
 *   unixpw_driver lock USER
 *   unixpw_driver shadow USER
 *   unixpw_driver hold STATEDIR USER SECONDS
 *                                   hold USER's profile lock (as another
 *                                   change would), print "locked", sleep
 *
 * It prints "result=NAME" (or "lock=0|-1", or "shadow=0 usable=... last_changed=N")
 * on the first line, then "msg=" and the message, and exits 0; 2 on a bad
 * command line or when the verb could not run at all.
 */
#include "config.h"

#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *result_name(enum unixpw_result r)
{
	switch (r) {
	case UNIXPW_OK: return "OK";
	case UNIXPW_POLICY: return "POLICY";
	case UNIXPW_BUSY: return "BUSY";
	case UNIXPW_CONFIG: return "CONFIG";
	case UNIXPW_FAILED: return "FAILED";
	}
	return "?";
}

static int do_set(const char *user)
{
	char msg[8192];
	char *pw = NULL;
	enum unixpw_result r;

	if (pwinput_read(true, &pw) != EXIT_OK)
		return 2;
	r = unixpw_set(user, pw, msg, sizeof msg);
	iampw_wipe_free(pw);
	printf("result=%s\nmsg=%s\n", result_name(r), msg);
	return 0;
}

static int do_lock(const char *user)
{
	char msg[2048];
	int rc = unixpw_lock(user, msg, sizeof msg);

	printf("lock=%d\nmsg=%s\n", rc, msg);
	return 0;
}

static int do_shadow(const char *user)
{
	bool usable = true;
	int64_t changed = -1;
	int rc = unixpw_shadow(user, &usable, &changed);

	printf("shadow=%d usable=%s last_changed=%lld\n", rc,
	       usable ? "true" : "false", (long long)changed);
	return 0;
}

static int do_hold(const char *statedir, const char *user, const char *seconds)
{
	struct iampw_store *s = NULL;
	struct iampw_err e;
	int fd = -1;

	struct passwd *pw = getpwnam(user);

	iampw_err_init(&e);
	if (pw == NULL) {
		fprintf(stderr, "hold: no user %s\n", user);
		return 2;
	}
	if (iampw_store_open(&s, statedir, true, 0, 0, &e) != IAMPW_OK ||
	    iampw_store_lock(s, pw->pw_uid, 0, &fd, &e) != IAMPW_OK) {
		fprintf(stderr, "hold: %s\n", e.text);
		iampw_store_close(s);
		return 2;
	}
	printf("locked\n");
	fflush(stdout);
	sleep((unsigned)atoi(seconds));
	iampw_store_unlock(fd);
	iampw_store_close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "set") == 0)
		return do_set(argv[2]);
	if (argc == 3 && strcmp(argv[1], "lock") == 0)
		return do_lock(argv[2]);
	if (argc == 3 && strcmp(argv[1], "shadow") == 0)
		return do_shadow(argv[2]);
	if (argc == 5 && strcmp(argv[1], "hold") == 0)
		return do_hold(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: %s set|lock|shadow USER | hold STATEDIR USER SECONDS\n",
		argv[0]);
	return 2;
}
