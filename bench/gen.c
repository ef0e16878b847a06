/*
 * bench/gen: the stored state the benchmarks start from, written with the
 * project's own core (iampw_history_check/record, iampw_profile_save) and
 * libxcrypt.
 *
 *   gen history STATEDIR USER UID N   profile with N history entries
 *   gen opasswd USER UID N            pam_pwhistory's opasswd line (stdout)
 *   gen profiles STATEDIR PREFIX FROM TO UIDBASE [HASH]
 *                                     profiles PREFIX<i> (i in FROM..TO-1,
 *                                     uid UIDBASE+i), no history; with HASH
 *                                     bound to the shadow entry HASH with
 *                                     lastchg 20000 (the caller writes it)
 *
 * The old passwords are "Old-Secret-<k>-bench"; the benchmark's new
 * password differs from all of them, so no change is refused as a reuse.
 */
#include "config.h"

#include <crypt.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iampw.h"
#include "benchutil.h"

static void old_password(unsigned k, char *buf, size_t n)
{
	snprintf(buf, n, "Old-Secret-%u-bench", k);
}

static void open_store(struct iampw_store **s, const char *statedir)
{
	struct iampw_err e;

	iampw_err_init(&e);
	if (iampw_store_open(s, statedir, true, 0, 0, &e) != IAMPW_OK)
		die("store %s: %s", statedir, e.text);
}

/*
 * A profile bound to the shadow entry `hash` with `lastchg` (the entry the
 * caller is about to write), or with hash NULL to the account's entry as
 * it is (none: a bare one).
 */
static void new_profile_as(struct iampw_profile *p, const char *user, unsigned long uid,
			   const char *hash, long lastchg)
{
	struct iampw_acct a = { .uid = (uid_t)uid, .gid = (gid_t)uid, .name = user };

	if (!iampw_user_name_valid(user) || uid > IAMPW_UID_MAX)
		die("bad user name %s or uid %lu", user, uid);
	iampw_acct_set_shadow(&a, true, hash, lastchg);
	iampw_profile_new(&a, (int64_t)time(NULL), p);
}

static void new_profile(struct iampw_profile *p, const char *user, unsigned long uid)
{
	struct iampw_acct a = { .uid = (uid_t)uid, .gid = (gid_t)uid, .name = user };
	struct spwd *sp = getspnam(user);

	if (!iampw_user_name_valid(user) || uid > IAMPW_UID_MAX)
		die("bad user name %s or uid %lu", user, uid);
	iampw_acct_set_shadow(&a, sp != NULL, sp != NULL ? sp->sp_pwdp : NULL,
			      sp != NULL ? sp->sp_lstchg : -1);
	iampw_profile_new(&a, (int64_t)time(NULL), p);
}

static void save(const struct iampw_store *s, const struct iampw_profile *p)
{
	struct iampw_err e;

	iampw_err_init(&e);
	if (iampw_profile_save(s, p, &e) != IAMPW_OK)
		die("save %s: %s", p->user, e.text);
}

static int gen_history(const char *statedir, const char *user, unsigned long uid,
		       unsigned n)
{
	struct iampw_store *s = NULL;
	struct iampw_config cfg;
	static struct iampw_profile p;
	struct iampw_pending pend;
	struct iampw_err e;
	char pw[64];

	if (n > IAMPW_REUSE_MAX)
		die("N must be at most %d", IAMPW_REUSE_MAX);
	open_store(&s, statedir);
	iampw_config_defaults(&cfg);
	new_profile(&p, user, uid);
	/* Oldest first: each record puts the new entry at the front. */
	for (unsigned k = n; k >= 1; k--) {
		bool reused = false;

		old_password(k, pw, sizeof pw);
		iampw_err_init(&e);
		if (iampw_history_check(&cfg, p.nhistory ? &p : NULL, IAMPW_REUSE_MAX,
					pw, &pend, &reused, &e) != IAMPW_OK || reused)
			die("history check: %s", e.text);
		iampw_history_record(&p, &pend, IAMPW_REUSE_MAX);
	}
	if (p.nhistory != n)
		die("history holds %u entries, not %u", p.nhistory, n);
	save(s, &p);
	iampw_store_close(s);
	return 0;
}

/* name:uid:count:hash,hash,... with a salt of its own per entry, as pam_pwhistory writes. */
static int gen_opasswd(const char *user, unsigned long uid, unsigned n)
{
	struct crypt_data *cd = calloc(1, sizeof *cd);
	char setting[CRYPT_GENSALT_OUTPUT_SIZE], pw[64];

	if (cd == NULL)
		die("out of memory");
	if (n == 0)
		return 0;	/* an empty opasswd */
	printf("%s:%lu:%u:", user, uid, n);
	for (unsigned k = n; k >= 1; k--) {
		const char *h;

		old_password(k, pw, sizeof pw);
		if (crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof setting) == NULL)
			die("crypt_gensalt_rn failed");
		h = crypt_rn(pw, setting, cd, (int)sizeof *cd);
		if (h == NULL || h[0] == '*')
			die("crypt_rn failed");
		printf("%s%s", h, k > 1 ? "," : "\n");
	}
	free(cd);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int gen_profiles(const char *statedir, const char *prefix, unsigned long from,
			unsigned long to, unsigned long uidbase, const char *hash)
{
	struct iampw_store *s = NULL;
	static struct iampw_profile p;
	char user[IAMPW_NAME_MAX + 1];

	open_store(&s, statedir);
	for (unsigned long i = from; i < to; i++) {
		snprintf(user, sizeof user, "%s%06lu", prefix, i);
		if (hash != NULL)
			new_profile_as(&p, user, uidbase + i, hash, 20000);
		else
			new_profile(&p, user, uidbase + i);
		save(s, &p);
	}
	iampw_store_close(s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "history") == 0)
		return gen_history(argv[2], argv[3], strtoul(argv[4], NULL, 10),
				   (unsigned)strtoul(argv[5], NULL, 10));
	if (argc == 5 && strcmp(argv[1], "opasswd") == 0)
		return gen_opasswd(argv[2], strtoul(argv[3], NULL, 10),
				   (unsigned)strtoul(argv[4], NULL, 10));
	if ((argc == 7 || argc == 8) && strcmp(argv[1], "profiles") == 0)
		return gen_profiles(argv[2], argv[3], strtoul(argv[4], NULL, 10),
				    strtoul(argv[5], NULL, 10), strtoul(argv[6], NULL, 10),
				    argc == 8 ? argv[7] : NULL);
	fputs("usage: gen history STATEDIR USER UID N | gen opasswd USER UID N |\n"
	      "       gen profiles STATEDIR PREFIX FROM TO UIDBASE [HASH]\n", stderr);
	return 2;
}
