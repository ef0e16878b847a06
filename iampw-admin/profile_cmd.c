/*
 * create/get/update/delete-login-profile and adopt-user (SPEC §6).
 *
 * The Unix password is always set through the PAM password stack of the
 * "iampw-admin" service, as an admin reset: the policy and the history
 * apply (checked and recorded under the account's lock), pam_unix stores
 * it, and pam_iampw's commit records it.  The module takes the account's
 * lock during that change, so the tool cannot hold it across the PAM
 * call: the reset flag is set in a second locked step right after it,
 * and when that step fails the error says what was left (partly_done).
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "messages.h"

#define MSG_NO_PROFILE "Login Profile for User %s cannot be found."

/* Which new password: generated, from --cli-input-json, stdin or the prompt. */
static int new_password(struct cli *c, struct admin *a, char **pw, bool *generated)
{
	struct iampw_identity id = { a->name, NULL, a->host };
	char buf[IAMPW_PASSWORD_CHARS_MAX + 1];
	int sources = c->generate_password + c->password_stdin + (c->password != NULL);

	*pw = NULL;
	*generated = false;
	if (sources > 1)
		return cli_usage_error("give only one of --generate-password, --password-stdin "
				       "and a Password in --cli-input-json");
	if (c->password != NULL) {
		if (c->password[0] == '\0')
			return cli_usage_error("the Password in --cli-input-json is empty");
		*pw = strdup(c->password);
		return *pw != NULL ? EXIT_OK : cli_error(c, IAM_SERVICE_FAILURE, MSG_NOMEM);
	}
	if (!c->generate_password)
		return pwinput_read(c->password_stdin, pw);
	if (iampw_generate_password(&a->pol, &id, buf, sizeof buf, &a->err) != IAMPW_OK)
		return cli_error(c, IAM_SERVICE_FAILURE, "%s", a->err.text);
	*pw = strdup(buf);
	iampw_wipe(buf, sizeof buf);
	*generated = true;
	return *pw != NULL ? EXIT_OK : cli_error(c, IAM_SERVICE_FAILURE, MSG_NOMEM);
}

static int busy(const struct cli *c, const struct admin *a)
{
	char comm[32];
	pid_t pid = acct_lock_holder(a->store, a->acct.uid, comm, sizeof comm);

	if (pid > 0)
		return cli_error(c, IAM_ENTITY_TEMPORARILY_UNMODIFIABLE,
				 "Login Profile for User %s cannot be modified while another change to it is in progress (its lock is held by process %ld, %s).",
				 a->shown, (long)pid, comm[0] != '\0' ? comm : "?");
	return cli_error(c, IAM_ENTITY_TEMPORARILY_UNMODIFIABLE,
			 "Login Profile for User %s cannot be modified while another change to it is in progress.",
			 a->shown);
}

static int set_password(struct cli *c, struct admin *a, const char *pw)
{
	char msg[2048];

	switch (unixpw_set(a->name, pw, msg, sizeof msg)) {
	case UNIXPW_OK:
		return EXIT_OK;
	case UNIXPW_POLICY:
		return cli_error(c, IAM_PASSWORD_POLICY_VIOLATION, "%s", msg);
	case UNIXPW_BUSY:
		return busy(c, a);
	case UNIXPW_CONFIG:
		fprintf(stderr, "%s\n", msg);
		return EXIT_CONFIG;
	case UNIXPW_FAILED:
		break;
	}
	return cli_error(c, IAM_SERVICE_FAILURE, "%s", msg);
}

/*
 * The Unix password is set, then a later step failed: say exactly what
 * was left (§6), and never lose a generated password nobody has seen.
 * stdout stays empty on error, so it goes into the error on stderr.
 */
static int partly_done(const struct cli *c, const struct admin *a, int rc,
		       const char *generated)
{
	fprintf(stderr, "The Unix password of %s was changed, but its login profile was not "
		"updated as asked; run the command again.", a->shown);
	if (generated != NULL)
		fprintf(stderr, " The account's password is now the generated one: %s", generated);
	fputc('\n', stderr);
	(void)c;
	return rc;
}

/* What to change in a profile under the lock. */
struct edit {
	enum tri reset_required;
	bool create;            /* a profile that is not the account's own is made anew */
};

/*
 * Take the account's lock and read its shadow entry again under it: a
 * password set a moment ago is the one a profile must be bound to.
 * EXIT_OK with *lockfd held, or the error (nothing held).
 */
static int lock_fresh(struct cli *c, struct admin *a, int *lockfd)
{
	int rc = iampw_store_lock(a->store, a->acct.uid, IAMPW_LOCK_TIMEOUT_MS, lockfd, &a->err);

	if (rc == IAMPW_E_BUSY)
		return busy(c, a);
	if (rc != IAMPW_OK)
		return cli_error(c, IAM_SERVICE_FAILURE, "%s", a->err.text);
	rc = acct_shadow(a->name, &a->acct);
	if (rc == 0)
		return EXIT_OK;
	iampw_store_unlock(*lockfd);
	*lockfd = -1;
	return cli_error(c, IAM_SERVICE_FAILURE, MSG_SHADOW_UNREADABLE,
			 a->shown, iampw_errstr(rc));
}

/*
 * Load (or make), change and save the account's profile under its lock.
 * The shadow entry is read again under the lock: a password set a moment
 * ago is the one the profile is bound to.  On success *p is as saved.
 */
static int edit_profile(struct cli *c, struct admin *a, const struct edit *ed,
			struct iampw_profile *p)
{
	enum iampw_owner owner;
	int lockfd = -1, rc;

	rc = lock_fresh(c, a, &lockfd);
	if (rc != EXIT_OK)
		return rc;
	rc = admin_profile(c, a, p, &owner);
	if (rc != EXIT_OK)
		goto out;
	if (!owner_is_own(owner)) {
		/* The PAM stack has no commit line: the profile is made here. */
		if (!ed->create) {
			rc = cli_error(c, IAM_NO_SUCH_ENTITY, MSG_NO_PROFILE, a->shown);
			goto out;
		}
		iampw_profile_new(&a->acct, a->now, p);
	}
	if (ed->reset_required != TRI_UNSET)
		p->reset_required = ed->reset_required == TRI_TRUE;
	rc = iampw_profile_save(a->store, p, &a->err) == IAMPW_OK ? EXIT_OK :
	     cli_error(c, IAM_SERVICE_FAILURE, "%s", a->err.text);
out:
	iampw_store_unlock(lockfd);
	return rc;
}

/* {"LoginProfile": ..., "Password": ...} as AWS prints it. */
static int print_profile(struct cli *c, const struct admin *a, struct iampw_profile *p,
			 const char *generated)
{
	json_object *resp = json_object_new_object();
	int rc;

	if (p != NULL) {
		/* The account's name now, whatever the profile last recorded. */
		snprintf(p->user, sizeof p->user, "%s", a->name);
		json_object_object_add(resp, "LoginProfile", profile_json(p));
	}
	if (generated != NULL)
		json_object_object_add(resp, "Password", json_object_new_string(generated));
	rc = out_print(c, resp);
	/* json-c copied the generated password: wipe that copy before freeing. */
	if (generated != NULL) {
		json_object *o = json_object_object_get(resp, "Password");
		const char *s = json_object_get_string(o);

		iampw_wipe((char *)(uintptr_t)s, strlen(s));
	}
	json_object_put(resp);
	return rc;
}

/*
 * Load everything a verb about one user needs; the store is opened as
 * asked.  With `need_profile`, a user without a profile of its own is
 * NoSuchEntity.
 */
static int prepare(struct cli *c, struct admin *a, bool create_store, bool need_profile,
		   struct iampw_profile *p, bool *have_profile)
{
	enum iampw_owner owner = IAMPW_OWNER_NONE;
	int rc;

	iampw_profile_clear(p);
	*have_profile = false;
	rc = admin_load(c, a);
	if (rc != EXIT_OK)
		return rc;
	rc = admin_user(c, a, c->user_name);
	if (rc == EXIT_OK)
		rc = admin_open_store(c, a, create_store);
	if (rc == EXIT_OK)
		rc = admin_profile(c, a, p, &owner);
	if (rc != EXIT_OK)
		return rc;
	/* A usable password alone, or a deleted namesake's profile, is no login profile (§3.1). */
	*have_profile = owner_is_own(owner);
	if (need_profile && !*have_profile)
		return cli_error(c, IAM_NO_SUCH_ENTITY, MSG_NO_PROFILE, a->shown);
	return EXIT_OK;
}

int verb_create_login_profile(struct cli *c)
{
	struct iampw_profile p;
	struct admin a;
	struct edit ed = { .create = true };
	bool have, generated = false;
	char *pw = NULL;
	int rc;

	rc = prepare(c, &a, true, false, &p, &have);
	if (rc != EXIT_OK)
		goto out;
	if (have) {
		rc = cli_error(c, IAM_ENTITY_ALREADY_EXISTS,
			       "Login Profile for user %s already exists.", a.shown);
		goto out;
	}
	rc = new_password(c, &a, &pw, &generated);
	if (rc == EXIT_OK)
		rc = set_password(c, &a, pw);
	if (rc != EXIT_OK)
		goto out;
	ed.reset_required = c->reset_required == TRI_TRUE ? TRI_TRUE : TRI_FALSE;
	rc = edit_profile(c, &a, &ed, &p);
	if (rc != EXIT_OK) {
		rc = partly_done(c, &a, rc, generated ? pw : NULL);
		goto out;
	}
	cli_audit(c, "user %s: login profile created, password set%s, reset required %s",
		  a.shown, generated ? " (generated)" : "",
		  p.reset_required ? "yes" : "no");
	rc = print_profile(c, &a, &p, generated ? pw : NULL);
out:
	iampw_wipe_free(pw);
	iampw_profile_clear(&p);
	admin_free(&a);
	return rc;
}

int verb_get_login_profile(struct cli *c)
{
	struct iampw_profile p;
	struct admin a;
	bool have;
	int rc;

	rc = prepare(c, &a, false, true, &p, &have);
	if (rc == EXIT_OK)
		rc = print_profile(c, &a, &p, NULL);
	iampw_profile_clear(&p);
	admin_free(&a);
	return rc;
}

int verb_update_login_profile(struct cli *c)
{
	struct iampw_profile p;
	struct admin a;
	struct edit ed = { .create = false };
	bool have, generated = false, explicit_pw, change_pw;
	char *pw = NULL;
	int rc;

	rc = prepare(c, &a, false, true, &p, &have);
	if (rc != EXIT_OK)
		goto out;
	/* §6: with only a reset flag, only the flag changes. */
	explicit_pw = c->generate_password || c->password_stdin || c->password != NULL;
	change_pw = explicit_pw || c->reset_required == TRI_UNSET;
	if (change_pw) {
		rc = new_password(c, &a, &pw, &generated);
		if (rc == EXIT_OK)
			rc = set_password(c, &a, pw);
		if (rc != EXIT_OK)
			goto out;
	}
	if (c->reset_required != TRI_UNSET) {
		ed.reset_required = c->reset_required;
		/* The password may have just made the profile anew (a re-created account). */
		ed.create = change_pw;
		rc = edit_profile(c, &a, &ed, &p);
		if (rc != EXIT_OK) {
			if (change_pw)
				rc = partly_done(c, &a, rc, generated ? pw : NULL);
			goto out;
		}
	}
	cli_audit(c, "user %s: login profile updated%s%s", a.shown,
		  change_pw ? (generated ? ", password set (generated)" : ", password set") : "",
		  c->reset_required == TRI_UNSET ? "" :
		  c->reset_required == TRI_TRUE ? ", reset required" : ", reset not required");
	/* Like AWS, silent on success unless a password was generated. */
	rc = generated ? print_profile(c, &a, NULL, pw) : EXIT_OK;
out:
	iampw_wipe_free(pw);
	iampw_profile_clear(&p);
	admin_free(&a);
	return rc;
}

int verb_delete_login_profile(struct cli *c)
{
	struct iampw_profile p;
	struct admin a;
	char msg[1024];
	int lockfd = -1;
	bool have;
	int rc;

	rc = prepare(c, &a, false, true, &p, &have);
	if (rc != EXIT_OK)
		goto out;
	/*
	 * Lock the password first: should removing the profile then fail,
	 * console access is already off, which is the safe half-way state.
	 */
	if (unixpw_lock(a.name, msg, sizeof msg) != 0) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, "cannot lock the password of %s: %s",
			       a.shown, msg);
		goto out;
	}
	rc = iampw_store_lock(a.store, a.acct.uid, IAMPW_LOCK_TIMEOUT_MS, &lockfd, &a.err);
	if (rc != IAMPW_OK) {
		rc = rc == IAMPW_E_BUSY ? busy(c, &a) :
		     cli_error(c, IAM_SERVICE_FAILURE, "%s", a.err.text);
		fprintf(stderr, "The Unix password of %s is locked; its login profile remains.\n",
			a.shown);
		goto out;
	}
	rc = iampw_profile_remove(a.store, a.acct.uid, &a.err);
	iampw_store_unlock(lockfd);
	if (rc != IAMPW_OK && rc != IAMPW_E_NOENT) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, "%s", a.err.text);
		fprintf(stderr, "The Unix password of %s is locked; its login profile remains.\n",
			a.shown);
		goto out;
	}
	cli_audit(c, "user %s: login profile deleted, password locked", a.shown);
	rc = EXIT_OK;
out:
	iampw_profile_clear(&p);
	admin_free(&a);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* adopt-user                                                             */

/* One adopted profile, as the response lists it (its LoginProfile). */
struct adopted {
	uint64_t seq;               /* passwd's enumeration order: the list's order */
	int64_t create_date;
	uint32_t reset_required;
	char user[IAMPW_NAME_MAX + 1];   /* last: only its used part is sorted */
};

static size_t adopted_len(const void *rec)
{
	const struct adopted *r = rec;

	return offsetof(struct adopted, user) + strnlen(r->user, IAMPW_NAME_MAX) + 1;
}

static int adopted_by_seq(const void *a, const void *b)
{
	const struct adopted *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static json_object *adopted_json(const struct adopted *r)
{
	return login_profile_json(r->user, r->create_date, r->reset_required != 0);
}

/*
 * Make a profile for the account in a->acct, keeping its password: the
 * password's dates come from /etc/shadow (§3.1).  A profile already the
 * account's own is left alone (EntityAlreadyExists for a single user); a
 * renamed account's takes its new name; a deleted namesake's is replaced.
 * The shadow entry is read under the account's lock, from `walk` for
 * --all (NULL: asked for by name).  *did says whether `out` was filled.
 */
static int adopt_one(struct cli *c, struct admin *a, bool single, struct shadow_walk *walk,
		     struct adopted *out, bool *did)
{
	struct iampw_profile p;
	enum iampw_owner owner;
	int lockfd = -1, rc;

	*did = false;
	rc = iampw_store_lock(a->store, a->acct.uid, IAMPW_LOCK_TIMEOUT_MS, &lockfd, &a->err);
	if (rc == IAMPW_E_BUSY)
		return busy(c, a);
	if (rc != IAMPW_OK)
		return cli_error(c, IAM_SERVICE_FAILURE, "%s", a->err.text);
	/* Under the lock, the entry as it is now: a change may have just landed. */
	rc = walk != NULL ? shadow_walk_entry(walk, a->name, &a->acct) :
			    acct_shadow(a->name, &a->acct);
	if (rc != 0) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, MSG_SHADOW_UNREADABLE,
			       a->shown, iampw_errstr(rc));
		iampw_store_unlock(lockfd);
		return rc;
	}
	rc = admin_profile(c, a, &p, &owner);
	if (rc != EXIT_OK)
		goto out;
	switch (owner) {
	case IAMPW_OWNER_SELF:
		rc = single ? cli_error(c, IAM_ENTITY_ALREADY_EXISTS,
					"Login Profile for user %s already exists.", a->shown) : EXIT_OK;
		goto out;
	case IAMPW_OWNER_NONE:
		rc = single ? cli_error(c, IAM_VALIDATION_ERROR,
					"User %s has no usable password to adopt (it is empty or locked); "
					"use create-login-profile.", a->shown) : EXIT_OK;
		goto out;
	case IAMPW_OWNER_RENAMED:
		/* Its own profile, flags and history: only the name is new. */
		snprintf(p.user, sizeof p.user, "%s", a->name);
		break;
	case IAMPW_OWNER_SHADOW:
	case IAMPW_OWNER_OTHER:
		iampw_profile_adopt(&a->acct, a->now, &p);
		break;
	}
	rc = iampw_profile_save(a->store, &p, &a->err);
	if (rc != IAMPW_OK) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, "%s", a->err.text);
		goto out;
	}
	memset(out, 0, sizeof *out);
	out->create_date = p.create_date;
	out->reset_required = p.reset_required;
	snprintf(out->user, sizeof out->user, "%s", p.user);
	*did = true;
	cli_audit(c, "user %s: adopted (%s), password kept", a->shown, iampw_owner_name(owner));
	rc = EXIT_OK;
out:
	iampw_store_unlock(lockfd);
	iampw_profile_clear(&p);
	return rc;
}

/* "adopt-user: N accounts, M adopted" on a terminal, rewritten in place. */
static void progress(bool tty, unsigned long seen, unsigned long adopted, bool last)
{
	if (!tty || (!last && seen % 1000 != 0))
		return;
	fprintf(stderr, "\radopt-user: %lu accounts, %lu adopted%s", seen, adopted,
		last ? "\n" : "");
	fflush(stderr);
}

/*
 * Every passwd entry in scope, in name order so that the shadow entries
 * are read in one walk beside them (a name two sources know is visited
 * for each, as getpwent lists it); each one adopted goes to `done`.
 */
static int adopt_each(struct cli *c, struct admin *a, struct xsort *accounts,
		      struct shadow_walk *walk, struct xsort *done)
{
	bool tty = isatty(STDERR_FILENO) == 1, got;
	unsigned long seen = 0, adopted = 0;
	struct adopted out;
	struct arec e;
	int rc = EXIT_OK, err;

	while (rc == EXIT_OK && (err = xsort_next(accounts, &e, &got)) == 0 && got) {
		bool in = false, did;

		if (e.uid == 0)
			continue;
		if (iampw_in_scope(&a->cfg, e.name, e.uid, e.gid, &in, &a->err) != IAMPW_OK) {
			rc = cli_config_error(&a->err);
			break;
		}
		if (!in)
			continue;
		snprintf(a->name, sizeof a->name, "%s", e.name);
		iampw_name_display(a->name, a->shown);
		memset(&a->acct, 0, sizeof a->acct);
		a->acct.uid = e.uid;
		a->acct.gid = e.gid;
		a->acct.name = a->name;
		rc = adopt_one(c, a, false, walk, &out, &did);
		if (rc == EXIT_OK && did) {
			out.seq = e.seq;
			if ((err = xsort_put(done, &out)) != 0) {
				rc = cli_error(c, IAM_SERVICE_FAILURE, "cannot list the adopted profiles: %s",
					       iampw_errstr(err));
				break;
			}
			adopted++;
		}
		progress(tty, ++seen, adopted, false);
	}
	progress(tty && seen > 0, seen, adopted, true);
	if (rc == EXIT_OK && err != 0)
		rc = cli_error(c, IAM_SERVICE_FAILURE, MSG_USERDB_UNREADABLE,
			       iampw_errstr(err));
	return rc;
}

/* adopt-user --all: listed in passwd's order, in bounded memory (§8). */
static int adopt_all(struct cli *c, struct admin *a, struct list_sink *k)
{
	struct xsort accounts = { .fd = -1 }, done = { .fd = -1 };
	struct shadow_walk walk = { .x.fd = -1 };
	struct adopted r;
	bool got;
	int rc, err;

	err = acct_stream_passwd(&accounts);
	if (err == 0)
		err = shadow_walk_open(&walk);
	if (err == 0)
		err = xsort_init(&done, sizeof r, adopted_len, adopted_by_seq, XSORT_BUDGET);
	if (err != 0) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, MSG_USERDB_UNREADABLE,
			       iampw_errstr(err));
		goto out;
	}
	rc = adopt_each(c, a, &accounts, &walk, &done);
	if (rc != EXIT_OK)
		goto out;
	err = xsort_start(&done);
	while (err == 0 && (err = xsort_next(&done, &r, &got)) == 0 && got)
		list_sink_add(k, adopted_json(&r));
	if (err != 0)
		rc = cli_error(c, IAM_SERVICE_FAILURE, "cannot list the adopted profiles: %s",
			       iampw_errstr(err));
out:
	xsort_free(&accounts);
	xsort_free(&done);
	shadow_walk_close(&walk);
	return rc;
}

int verb_adopt_user(struct cli *c)
{
	struct list_sink k = { .out.fd = -1 };
	struct adopted one;
	struct admin a;
	bool did;
	int rc;

	rc = admin_load(c, &a);
	if (rc == EXIT_OK && !c->all)
		rc = admin_user(c, &a, c->user_name);
	if (rc == EXIT_OK)
		rc = admin_open_store(c, &a, true);
	if (rc != EXIT_OK)
		goto out;
	rc = list_sink_open(c, &k, "LoginProfiles");
	if (rc != 0) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, MSG_TEMP_FILE,
			       iampw_errstr(rc));
		goto out;
	}
	if (c->all) {
		rc = adopt_all(c, &a, &k);
	} else {
		rc = adopt_one(c, &a, true, NULL, &one, &did);
		if (rc == EXIT_OK && did)
			list_sink_add(&k, adopted_json(&one));
	}
	if (rc == EXIT_OK)
		rc = list_sink_print(c, &k, NULL);
out:
	list_sink_close(&k);
	admin_free(&a);
	return rc;
}
