/*
 * get-user, list-users and update-user (SPEC §6): IAM's User shape for
 * the host's accounts in scope.
 *
 *   Path              "/" (IAM's default path)
 *   UserName          the account's canonical name
 *   UserId            "AIDA" and the uid in 16 decimal digits: stable for
 *                     the account's life, [\w]{16,128} as IAM's model asks
 *   Arn               arn:linux:iam::<hostname>:user/<name>
 *   CreateDate        the login profile's creation; without one, the
 *                     password's last change in /etc/shadow; without that,
 *                     the home directory's last modification; else the epoch
 *   PasswordLastUsed  the last password login pam_iampw recorded; absent
 *                     when never (as IAM)
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "messages.h"

#define DAY_SECONDS INT64_C(86400)

/* Dates a User shape needs, from the profile that governs and the host. */
struct user_dates {
	int64_t created;
	int64_t last_used;     /* 0: never */
};

/* The best creation date the host knows (see the top of this file). */
static int64_t created_of(const struct iampw_profile *own, long lastchg, const char *home)
{
	struct stat st;

	if (own != NULL && own->create_date > 0)
		return own->create_date;
	if (lastchg > 0 && lastchg <= IAMPW_TIME_MAX / DAY_SECONDS)
		return (int64_t)lastchg * DAY_SECONDS;
	if (home != NULL && home[0] == '/' && stat(home, &st) == 0 && st.st_mtime > 0)
		return (int64_t)st.st_mtime;
	return 0;
}

/* IAM's User, member by member in AWS's order; a date that cannot be written is left out. */
enum { USER_FIELDS = 6 };
struct user_fields {
	const char *vals[USER_FIELDS];
	char id[32], arn[sizeof ((struct admin *)0)->host + IAMPW_NAME_MAX + 32];
	char created[IAMPW_ISO8601_SIZE], used[IAMPW_ISO8601_SIZE];
};
static const char *const user_keys[USER_FIELDS] = {
	"Path", "UserName", "UserId", "Arn", "CreateDate", "PasswordLastUsed",
};

static void user_fields(const struct admin *a, const char *name, uid_t uid,
			const struct user_dates *d, struct user_fields *f)
{
	snprintf(f->id, sizeof f->id, FMT_USER_ID, (unsigned long)uid);
	snprintf(f->arn, sizeof f->arn, FMT_USER_ARN, a->host, name);
	f->vals[0] = "/";
	f->vals[1] = name;
	f->vals[2] = f->id;
	f->vals[3] = f->arn;
	f->vals[4] = iampw_iso8601(d->created, f->created) == IAMPW_OK ? f->created : NULL;
	f->vals[5] = d->last_used > 0 && iampw_iso8601(d->last_used, f->used) == IAMPW_OK ?
		     f->used : NULL;
}

static json_object *user_json(const struct admin *a, const char *name, uid_t uid,
			      const struct user_dates *d)
{
	struct user_fields f;

	user_fields(a, name, uid, d, &f);
	return out_strings_object(user_keys, f.vals, USER_FIELDS);
}

/* The home directory of `name`, for CreateDate's last resort. */
static int home_of(const char *name, char *home, size_t n)
{
	struct passwd pw, *res = NULL;
	size_t size = 4096;
	char *buf = malloc(size);
	int rc;

	home[0] = '\0';
	if (buf == NULL)
		return ENOMEM;
	for (;;) {
		rc = getpwnam_r(name, &pw, buf, size, &res);
		if (rc != ERANGE || (rc = iampw_nss_grow(&buf, &size)) != 0)
			break;
	}
	if (rc == 0 && res != NULL && pw.pw_dir != NULL)
		snprintf(home, n, "%s", pw.pw_dir);
	free(buf);
	return 0;
}

/* Dates of the account in a->acct: its own profile's, else the host's. */
static int dates_of(const struct cli *c, struct admin *a, struct user_dates *d)
{
	struct iampw_profile p;
	enum iampw_owner owner;
	char home[4096] = "";
	int rc;

	rc = admin_profile(c, a, &p, &owner);
	if (rc != EXIT_OK)
		return rc;
	/* The last resort only: a getpwnam per account would rescan the database. */
	if ((!owner_is_own(owner) || p.create_date <= 0) &&
	    !(a->acct.lastchg > 0 && a->acct.lastchg <= IAMPW_TIME_MAX / DAY_SECONDS))
		home_of(a->name, home, sizeof home);
	d->created = created_of(owner_is_own(owner) ? &p : NULL, a->acct.lastchg, home);
	d->last_used = owner_is_own(owner) ? p.last_used : 0;
	/* Filled into a cleared profile (by the parse or iampw_govern): the cheap wipe will do. */
	iampw_profile_wipe(&p);
	return EXIT_OK;
}

json_object *user_object(const struct cli *c, struct admin *a)
{
	struct user_dates d;

	if (dates_of(c, a, &d) != EXIT_OK)
		return NULL;
	return user_json(a, a->name, a->acct.uid, &d);
}

int verb_get_user(struct cli *c)
{
	json_object *resp = NULL;
	struct user_dates d;
	struct admin a;
	int rc;

	rc = admin_load(c, &a);
	/* No --user-name: the caller, who is root here, and never an IAM user. */
	if (rc == EXIT_OK && c->user_name == NULL)
		rc = cli_error(c, IAM_VALIDATION_ERROR,
			       "root is never subject to the password policy: give --user-name");
	if (rc == EXIT_OK)
		rc = admin_user(c, &a, c->user_name);
	if (rc == EXIT_OK)
		rc = admin_open_store(c, &a, false);
	if (rc == EXIT_OK)
		rc = dates_of(c, &a, &d);
	if (rc != EXIT_OK)
		goto out;
	resp = json_object_new_object();
	json_object_object_add(resp, "User", user_json(&a, a.name, a.acct.uid, &d));
	rc = out_print(c, resp);
out:
	json_object_put(resp);
	admin_free(&a);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* list-users                                                             */

/*
 * The AWS CLI's pagination token is opaque to scripts; ours is the name
 * to start from, base64url-free hex so that it survives any shell.
 */
static void token_of(const char *name, char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p != '\0' && o + 3 < n; p++) {
		out[o++] = hex[*p >> 4];
		out[o++] = hex[*p & 15];
	}
	out[o] = '\0';
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* false when `token` is not one we made. */
static bool name_of_token(const char *token, char out[IAMPW_NAME_MAX + 1])
{
	size_t len = strlen(token), o = 0;

	if (len == 0 || len % 2 != 0 || len / 2 > IAMPW_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hexval(token[i]), lo = hexval(token[i + 1]);

		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return false;
		out[o++] = (char)(hi << 4 | lo);
	}
	out[o] = '\0';
	return true;
}

static int list_one(const struct cli *c, struct admin *a, struct shadow_walk *shadow,
		    const struct arec *e, struct list_sink *k)
{
	struct user_dates d;
	bool found;
	int rc;

	snprintf(a->name, sizeof a->name, "%s", e->name);
	memset(&a->acct, 0, sizeof a->acct);
	a->acct.uid = e->uid;
	a->acct.gid = e->gid;
	a->acct.name = a->name;
	rc = shadow_walk_seek(shadow, e->name, &a->acct, &found);
	/* A source that does not enumerate is asked. */
	if (rc == 0 && !found)
		rc = acct_shadow(e->name, &a->acct);
	if (rc != 0)
		return cli_error(c, IAM_SERVICE_FAILURE, MSG_SHADOW_UNREADABLE,
				 e->name, iampw_errstr(rc));
	rc = dates_of(c, a, &d);
	if (rc == EXIT_OK) {
		struct user_fields f;

		user_fields(a, e->name, e->uid, &d, &f);
		list_sink_add_strings(k, user_keys, f.vals, USER_FIELDS);
	}
	return rc;
}

int verb_list_users(struct cli *c)
{
	char start[IAMPW_NAME_MAX + 1] = "", token[2 * IAMPW_NAME_MAX + 1];
	char prev[IAMPW_NAME_MAX + 1] = "";
	const char *next = NULL;
	struct xsort accounts = { .fd = -1 };
	struct shadow_walk shadow = { .x.fd = -1 };
	struct list_sink k = { .out.fd = -1 };
	struct admin a;
	struct arec e;
	uint64_t shown = 0;
	bool got;
	int rc;

	rc = admin_load(c, &a);
	if (rc == EXIT_OK && c->starting_token != NULL && !name_of_token(c->starting_token, start))
		rc = cli_usage_error("Bad starting token: %.64s", c->starting_token);
	if (rc == EXIT_OK)
		rc = admin_open_store(c, &a, false);
	if (rc != EXIT_OK)
		goto out;
	rc = acct_stream_passwd(&accounts);
	if (rc == 0)
		rc = shadow_walk_open(&shadow);
	if (rc == 0)
		rc = list_sink_open(c, &k, "Users");
	if (rc != 0) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, MSG_USERDB_UNREADABLE,
			       iampw_errstr(rc));
		goto out;
	}
	/* Sorted by name, as IAM lists users. */
	while (rc == EXIT_OK) {
		bool in = false;

		rc = acct_next_name(&accounts, &e, prev, &got);
		if (rc != 0) {
			rc = cli_error(c, IAM_SERVICE_FAILURE, MSG_USERDB_UNREADABLE,
				       iampw_errstr(rc));
			break;
		}
		if (!got)
			break;
		if (e.uid == 0 || strcmp(e.name, start) < 0)
			continue;
		if (iampw_in_scope(&a.cfg, e.name, e.uid, e.gid, &in, &a.err) != IAMPW_OK) {
			rc = cli_config_error(&a.err);
			break;
		}
		if (!in)
			continue;
		if (c->max_items > 0 && shown == c->max_items) {
			token_of(e.name, token, sizeof token);
			next = token;
			break;
		}
		rc = list_one(c, &a, &shadow, &e, &k);
		shown++;
	}
	if (rc == EXIT_OK)
		rc = list_sink_print(c, &k, next);
out:
	xsort_free(&accounts);
	shadow_walk_close(&shadow);
	list_sink_close(&k);
	admin_free(&a);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* update-user --new-user-name                                            */

/*
 * Rename the Unix account and record the new name in its profile, under
 * the account's lock.  The profile is filed by uid, so the rules follow
 * the account whether or not the second step succeeds; an error then says
 * exactly what was left.
 */
int verb_update_user(struct cli *c)
{
	char msg[1024], canon[IAMPW_NAME_MAX + 1], shown_new[IAMPW_NAME_SHOWN];
	struct iampw_profile p;
	enum iampw_owner owner;
	struct admin a;
	bool taken = false;
	uid_t uid;
	gid_t gid;
	int lockfd = -1, rc;

	iampw_profile_clear(&p);
	rc = admin_load(c, &a);
	if (rc == EXIT_OK)
		rc = admin_user(c, &a, c->user_name);
	if (rc == EXIT_OK)
		rc = admin_open_store(c, &a, false);
	if (rc != EXIT_OK)
		goto out;
	iampw_name_display(c->new_user_name, shown_new);
	if (!iampw_user_name_valid(c->new_user_name)) {
		rc = cli_error(c, IAM_VALIDATION_ERROR,
			       "1 validation error detected: Value at 'newUserName' failed to satisfy constraint: "
			       "Member must have length between 1 and %d", IAMPW_NAME_MAX);
		goto out;
	}
	rc = acct_lookup(c->new_user_name, canon, &uid, &gid, &taken);
	if (rc != 0 || taken) {
		rc = rc != 0 ? cli_error(c, IAM_SERVICE_FAILURE, "cannot look up the new name: %s",
					 iampw_errstr(rc)) :
		     cli_error(c, IAM_ENTITY_ALREADY_EXISTS, "User with name %s already exists.", shown_new);
		goto out;
	}
	if (iampw_store_present(a.store) &&
	    (rc = iampw_store_lock(a.store, a.acct.uid, IAMPW_LOCK_TIMEOUT_MS, &lockfd,
				   &a.err)) != IAMPW_OK) {
		rc = rc == IAMPW_E_BUSY ?
		     cli_error(c, IAM_ENTITY_TEMPORARILY_UNMODIFIABLE,
			       "User %s cannot be modified while another change to it is in progress.",
			       a.shown) :
		     cli_error(c, IAM_SERVICE_FAILURE, "%s", a.err.text);
		goto out;
	}
	rc = unixpw_rename(a.name, c->new_user_name, msg, sizeof msg);
	if (rc != 0) {
		/* usermod's 8: the user is logged in; 3 and 19: a name it refuses. */
		rc = cli_error(c, rc == 8 ? IAM_ENTITY_TEMPORARILY_UNMODIFIABLE :
				  rc == 3 || rc == 19 ? IAM_VALIDATION_ERROR : IAM_SERVICE_FAILURE,
			       "cannot rename %s to %s: %s", a.shown, shown_new, msg);
		goto out;
	}
	/* The account is renamed: record the new name in its own profile. */
	snprintf(a.name, sizeof a.name, "%s", c->new_user_name);
	a.acct.name = a.name;
	rc = !iampw_store_present(a.store) ? EXIT_OK : admin_profile(c, &a, &p, &owner);
	if (rc == EXIT_OK && iampw_store_present(a.store) && owner_is_own(owner)) {
		snprintf(p.user, sizeof p.user, "%s", a.name);
		if (iampw_profile_save(a.store, &p, &a.err) != IAMPW_OK)
			rc = cli_error(c, IAM_SERVICE_FAILURE, "%s", a.err.text);
	}
	if (rc != EXIT_OK) {
		fprintf(stderr, "The account %s is now %s; its login profile still applies to it "
			"(profiles follow the uid) but records the old name until the next change.\n",
			a.shown, shown_new);
		goto out;
	}
	cli_audit(c, "user %s: renamed to %s", a.shown, shown_new);
out:
	iampw_store_unlock(lockfd);
	iampw_profile_clear(&p);
	admin_free(&a);
	return rc;
}
