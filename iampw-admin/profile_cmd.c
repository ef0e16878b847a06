/*
 * create/get/update/delete-login-profile and adopt-user (SPEC §6).
 *
 * The Unix password is always set through the PAM password stack of the
 * "iampw-admin" service, as an admin reset: the policy and the history
 * apply, pam_unix stores it, and pam_iampw's commit records it.  The
 * module takes the user's lock during that change, so the tool cannot
 * hold it across the PAM call: the reset flag is set in a second locked
 * step right after it.
 */
#include "config.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MSG_NO_PROFILE "Login Profile for User %s cannot be found."

/* Which new password: generated, from --cli-input-json, stdin or the prompt. */
static int new_password(struct cli *c, struct admin *a, const char *user, char **pw,
			bool *generated)
{
	struct iampw_identity id = { user, NULL, a->host };
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
		return *pw != NULL ? EXIT_OK : cli_error(c, "ServiceFailure", "out of memory");
	}
	if (!c->generate_password)
		return pwinput_read(c->password_stdin, pw);
	if (iampw_generate_password(&a->pol, &id, buf, sizeof buf, &a->err) != IAMPW_OK)
		return cli_error(c, "ServiceFailure", "%s", a->err.text);
	*pw = strdup(buf);
	iampw_wipe(buf, sizeof buf);
	*generated = true;
	return *pw != NULL ? EXIT_OK : cli_error(c, "ServiceFailure", "out of memory");
}

static int set_password(struct cli *c, const char *user, const char *pw)
{
	char msg[2048];

	switch (unixpw_set(user, pw, msg, sizeof msg)) {
	case UNIXPW_OK:
		return EXIT_OK;
	case UNIXPW_POLICY:
		return cli_error(c, "PasswordPolicyViolation", "%s", msg);
	case UNIXPW_BUSY:
		return cli_error(c, "EntityTemporarilyUnmodifiable",
				 "Login Profile for User %s cannot be modified while another change to it is in progress.",
				 user);
	case UNIXPW_CONFIG:
		fprintf(stderr, "%s\n", msg);
		return EXIT_CONFIG;
	case UNIXPW_FAILED:
		break;
	}
	return cli_error(c, "ServiceFailure", "%s", msg);
}

/* What to change in a profile under the lock. */
struct edit {
	enum tri reset_required;
	bool create;            /* a missing profile is made (create, adopt) */
	int64_t last_changed;   /* for a profile made here; 0: now */
	uid_t uid;
};

/*
 * Load (or make), change and save a profile under the user's lock.  On
 * success *p holds the profile as saved.
 */
static int edit_profile(struct cli *c, struct admin *a, const char *user,
			const struct edit *ed, struct iampw_profile *p)
{
	int lockfd = -1, rc;

	rc = iampw_store_lock(&a->store, user, IAMPW_LOCK_TIMEOUT_MS, &lockfd, &a->err);
	if (rc == IAMPW_E_BUSY)
		return cli_error(c, "EntityTemporarilyUnmodifiable",
				 "Login Profile for User %s cannot be modified while another change to it is in progress.",
				 user);
	if (rc != IAMPW_OK)
		return cli_error(c, "ServiceFailure", "%s", a->err.text);
	rc = iampw_profile_load(&a->store, user, p, &a->err);
	if (rc == IAMPW_E_NOENT && ed->create) {
		/* The PAM stack has no commit line, or this is an adoption. */
		iampw_profile_clear(p);
		strcpy(p->user, user);
		p->uid = (uint32_t)ed->uid;
		p->create_date = a->now;
		p->last_changed = ed->last_changed > 0 ? ed->last_changed : a->now;
		rc = IAMPW_OK;
	} else if (rc == IAMPW_E_NOENT) {
		rc = cli_error(c, "NoSuchEntity", MSG_NO_PROFILE, user);
		goto out;
	}
	if (rc != IAMPW_OK) {
		rc = cli_error(c, "ServiceFailure", "%s", a->err.text);
		goto out;
	}
	if (ed->reset_required != TRI_UNSET)
		p->reset_required = ed->reset_required == TRI_TRUE;
	rc = iampw_profile_save(&a->store, p, &a->err) == IAMPW_OK ? EXIT_OK :
	     cli_error(c, "ServiceFailure", "%s", a->err.text);
out:
	iampw_store_unlock(lockfd);
	return rc;
}

/* {"LoginProfile": ..., "Password": ...} as AWS prints it. */
static int print_profile(struct cli *c, const struct iampw_profile *p, const char *generated)
{
	json_object *resp = json_object_new_object();
	int rc;

	if (p != NULL)
		json_object_object_add(resp, "LoginProfile", profile_json(p));
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
 * asked.  With `need_profile`, a user without one is NoSuchEntity.
 */
static int prepare(struct cli *c, struct admin *a, bool create_store, bool need_profile,
		   uid_t *uid, struct iampw_profile *p, bool *have_profile)
{
	gid_t gid;
	int rc;

	rc = admin_load(c, a);
	if (rc != EXIT_OK)
		return rc;
	rc = admin_user(c, a, c->user_name, uid, &gid);
	if (rc == EXIT_OK)
		rc = admin_open_store(c, a, create_store);
	if (rc != EXIT_OK)
		return rc;
	rc = iampw_profile_load(&a->store, c->user_name, p, &a->err);
	*have_profile = rc == IAMPW_OK;
	if (rc != IAMPW_OK && rc != IAMPW_E_NOENT)
		return cli_error(c, "ServiceFailure", "%s", a->err.text);
	if (need_profile && !*have_profile)
		return cli_error(c, "NoSuchEntity", MSG_NO_PROFILE, c->user_name);
	return EXIT_OK;
}

int verb_create_login_profile(struct cli *c)
{
	struct iampw_profile p;
	struct admin a;
	struct edit ed = { .create = true };
	bool have, generated = false;
	char *pw = NULL;
	uid_t uid;
	int rc;

	rc = prepare(c, &a, true, false, &uid, &p, &have);
	if (rc != EXIT_OK)
		goto out;
	if (have) {
		rc = cli_error(c, "EntityAlreadyExists",
			       "Login Profile for user %s already exists.", c->user_name);
		goto out;
	}
	rc = new_password(c, &a, c->user_name, &pw, &generated);
	if (rc == EXIT_OK)
		rc = set_password(c, c->user_name, pw);
	if (rc != EXIT_OK)
		goto out;
	ed.uid = uid;
	ed.reset_required = c->reset_required == TRI_TRUE ? TRI_TRUE : TRI_FALSE;
	rc = edit_profile(c, &a, c->user_name, &ed, &p);
	if (rc != EXIT_OK)
		goto out;
	cli_audit(c, "user %s: login profile created, password set%s, reset required %s",
		  c->user_name, generated ? " (generated)" : "",
		  p.reset_required ? "yes" : "no");
	rc = print_profile(c, &p, generated ? pw : NULL);
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
	uid_t uid;
	int rc;

	rc = prepare(c, &a, false, true, &uid, &p, &have);
	if (rc == EXIT_OK)
		rc = print_profile(c, &p, NULL);
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
	uid_t uid;
	int rc;

	rc = prepare(c, &a, false, true, &uid, &p, &have);
	if (rc != EXIT_OK)
		goto out;
	/* §6: with only a reset flag, only the flag changes. */
	explicit_pw = c->generate_password || c->password_stdin || c->password != NULL;
	change_pw = explicit_pw || c->reset_required == TRI_UNSET;
	if (change_pw) {
		rc = new_password(c, &a, c->user_name, &pw, &generated);
		if (rc == EXIT_OK)
			rc = set_password(c, c->user_name, pw);
		if (rc != EXIT_OK)
			goto out;
	}
	if (c->reset_required != TRI_UNSET) {
		ed.reset_required = c->reset_required;
		ed.uid = uid;
		rc = edit_profile(c, &a, c->user_name, &ed, &p);
		if (rc != EXIT_OK)
			goto out;
	}
	cli_audit(c, "user %s: login profile updated%s%s", c->user_name,
		  change_pw ? (generated ? ", password set (generated)" : ", password set") : "",
		  c->reset_required == TRI_UNSET ? "" :
		  c->reset_required == TRI_TRUE ? ", reset required" : ", reset not required");
	/* Like AWS, silent on success unless a password was generated. */
	rc = generated ? print_profile(c, NULL, pw) : EXIT_OK;
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
	uid_t uid;
	int rc;

	rc = prepare(c, &a, false, true, &uid, &p, &have);
	if (rc != EXIT_OK)
		goto out;
	/*
	 * Lock the password first: should removing the profile then fail,
	 * console access is already off, which is the safe half-way state.
	 */
	if (unixpw_lock(c->user_name, msg, sizeof msg) != 0) {
		rc = cli_error(c, "ServiceFailure", "cannot lock the password of %s: %s",
			       c->user_name, msg);
		goto out;
	}
	rc = iampw_store_lock(&a.store, c->user_name, IAMPW_LOCK_TIMEOUT_MS, &lockfd, &a.err);
	if (rc != IAMPW_OK) {
		rc = rc == IAMPW_E_BUSY ?
		     cli_error(c, "EntityTemporarilyUnmodifiable",
			       "Login Profile for User %s cannot be modified while another change to it is in progress.",
			       c->user_name) :
		     cli_error(c, "ServiceFailure", "%s", a.err.text);
		goto out;
	}
	rc = iampw_profile_remove(&a.store, c->user_name, &a.err);
	iampw_store_unlock(lockfd);
	if (rc != IAMPW_OK && rc != IAMPW_E_NOENT) {
		rc = cli_error(c, "ServiceFailure", "%s", a.err.text);
		goto out;
	}
	cli_audit(c, "user %s: login profile deleted, password locked", c->user_name);
	rc = EXIT_OK;
out:
	iampw_profile_clear(&p);
	admin_free(&a);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* adopt-user                                                             */

/*
 * Make a profile for an existing account, keeping its password: the
 * change time comes from /etc/shadow.  *adopted is false (and EXIT_OK
 * returned) when there is nothing to adopt.
 */
static int adopt_one(struct cli *c, struct admin *a, const char *user, uid_t uid,
		     json_object *list, bool single)
{
	struct edit ed = { .create = true, .uid = uid, .reset_required = TRI_UNSET };
	struct iampw_profile p;
	bool usable = false;
	int64_t changed = 0;
	int rc;

	if (iampw_profile_load(&a->store, user, &p, &a->err) == IAMPW_OK) {
		iampw_profile_clear(&p);
		return single ? cli_error(c, "EntityAlreadyExists",
					  "Login Profile for user %s already exists.", user) : EXIT_OK;
	}
	if (unixpw_shadow(user, &usable, &changed) != 0)
		return cli_error(c, "ServiceFailure", "cannot read the shadow entry of %s", user);
	if (!usable)
		return single ? cli_error(c, "ValidationError",
					  "User %s has no usable password to adopt (it is empty or locked); "
					  "use create-login-profile.", user) : EXIT_OK;
	/* A forced change pending in shadow stays pending: reset required. */
	if (changed < 0)
		ed.reset_required = TRI_TRUE;
	ed.last_changed = changed > 0 ? changed : 0;
	rc = edit_profile(c, a, user, &ed, &p);
	if (rc == EXIT_OK) {
		json_object_array_add(list, profile_json(&p));
		cli_audit(c, "user %s: adopted, password kept", user);
	}
	iampw_profile_clear(&p);
	return rc;
}

static int adopt_all(struct cli *c, struct admin *a, json_object *list)
{
	struct passwd *pw;
	int rc = EXIT_OK;

	/* A one-shot command: the non-reentrant walk of the passwd database is fine here. */
	setpwent();
	while (rc == EXIT_OK && (pw = getpwent()) != NULL) {
		bool in = false;
		char user[IAMPW_USER_MAX + 1];

		if (!iampw_user_name_valid(pw->pw_name) || pw->pw_uid == 0)
			continue;
		if (iampw_in_scope(&a->cfg, pw->pw_name, pw->pw_uid, pw->pw_gid, &in,
				   &a->err) != IAMPW_OK) {
			rc = cli_config_error(&a->err);
			break;
		}
		if (!in)
			continue;
		/* adopt_one may call NSS again (shadow): keep our own copy. */
		strcpy(user, pw->pw_name);
		rc = adopt_one(c, a, user, pw->pw_uid, list, false);
	}
	endpwent();
	return rc;
}

int verb_adopt_user(struct cli *c)
{
	json_object *resp = NULL, *list;
	struct admin a;
	gid_t gid;
	uid_t uid;
	int rc;

	rc = admin_load(c, &a);
	if (rc == EXIT_OK && !c->all)
		rc = admin_user(c, &a, c->user_name, &uid, &gid);
	if (rc == EXIT_OK)
		rc = admin_open_store(c, &a, true);
	if (rc != EXIT_OK)
		goto out;
	resp = json_object_new_object();
	list = json_object_new_array();
	json_object_object_add(resp, "LoginProfiles", list);
	rc = c->all ? adopt_all(c, &a, list) : adopt_one(c, &a, c->user_name, uid, list, true);
	if (rc == EXIT_OK)
		rc = out_print(c, resp);
out:
	json_object_put(resp);
	admin_free(&a);
	return rc;
}
