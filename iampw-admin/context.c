/* What every verb of iampw-admin loads: settings, policy, store, users. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "messages.h"

int admin_load(const struct cli *c, struct admin *a)
{
	int rc;

	memset(a, 0, sizeof *a);
	iampw_err_init(&a->err);
	a->now = (int64_t)time(NULL);
	if (gethostname(a->host, sizeof a->host) != 0)
		strcpy(a->host, "localhost");
	a->host[sizeof a->host - 1] = '\0';
	/*
	 * Both files are read even when the first is broken, so that one run
	 * lists every problem (§6.1 exit 253).  Only root's files are trusted.
	 */
	rc = iampw_config_load(c->config, 0, &a->cfg, &a->err);
	if (iampw_policy_load(c->policy, 0, &a->pol, &a->err) != IAMPW_OK || rc != IAMPW_OK)
		return cli_config_error(&a->err);
	a->custom_policy_file = a->pol.custom;
	return EXIT_OK;
}

int admin_open_store(const struct cli *c, struct admin *a, bool create)
{
	iampw_store_close(a->store);
	if (iampw_store_open(&a->store, c->state_dir, create, 0, 0, &a->err) != IAMPW_OK)
		return cli_error(c, IAM_SERVICE_FAILURE, "%s", a->err.text);
	return EXIT_OK;
}

void admin_free(struct admin *a)
{
	iampw_store_close(a->store);
	iampw_wipe(a, sizeof *a);
}

int admin_user(const struct cli *c, struct admin *a, const char *user)
{
	bool found = false, in = false;
	uid_t uid = 0;
	gid_t gid = 0;
	int rc;

	rc = iampw_user_name_valid(user) ? acct_lookup(user, a->name, &uid, &gid, &found) : 0;
	if (rc != 0)
		return cli_error(c, IAM_SERVICE_FAILURE, "cannot look up the user: %s",
				 iampw_errstr(rc));
	if (!found)
		return cli_error(c, IAM_NO_SUCH_ENTITY, "The user with name %s cannot be found.",
				 iampw_name_display(user != NULL ? user : "", a->shown));
	iampw_name_display(a->name, a->shown);
	a->acct.uid = uid;
	a->acct.gid = gid;
	a->acct.name = a->name;
	if (uid == 0)
		return cli_error(c, IAM_VALIDATION_ERROR,
				 "User %s is root, which is never subject to the password policy.",
				 a->shown);
	if (iampw_in_scope(&a->cfg, a->name, uid, gid, &in, &a->err) != IAMPW_OK)
		return cli_config_error(&a->err);
	if (!in) {
		if (a->cfg.group[0] != '\0' && uid >= a->cfg.min_uid && uid <= a->cfg.max_uid)
			return cli_error(c, IAM_VALIDATION_ERROR,
					 "User %s is out of scope: not a member of group %s (iampw.conf [scope] group).",
					 a->shown, a->cfg.group);
		return cli_error(c, IAM_VALIDATION_ERROR,
				 "User %s is out of scope: uid %lu is outside %lu..%lu (iampw.conf [scope]), a system account.",
				 a->shown, (unsigned long)uid, (unsigned long)a->cfg.min_uid,
				 (unsigned long)a->cfg.max_uid);
	}
	rc = acct_shadow(a->name, &a->acct);
	if (rc != 0)
		return cli_error(c, IAM_SERVICE_FAILURE, MSG_SHADOW_UNREADABLE,
				 a->shown, iampw_errstr(rc));
	return EXIT_OK;
}

int admin_profile(const struct cli *c, struct admin *a, struct iampw_profile *p,
		  enum iampw_owner *owner)
{
	int rc = iampw_profile_load(a->store, a->acct.uid, p, &a->err);

	if (rc != IAMPW_OK && rc != IAMPW_E_NOENT)
		return cli_error(c, IAM_SERVICE_FAILURE, "%s", a->err.text);
	*owner = iampw_govern(&a->acct, rc == IAMPW_OK, a->now, p);
	return EXIT_OK;
}

static void add_date(json_object *o, const char *key, int64_t t)
{
	char iso[IAMPW_ISO8601_SIZE];

	if (iampw_iso8601(t, iso) == IAMPW_OK)
		json_object_object_add(o, key, json_object_new_string(iso));
}

json_object *login_profile_json(const char *user, int64_t create_date, bool reset_required)
{
	json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	/* AWS's order: UserName, CreateDate, PasswordResetRequired. */
	json_object_object_add(o, "UserName", json_object_new_string(user));
	add_date(o, "CreateDate", create_date);
	json_object_object_add(o, "PasswordResetRequired",
			       json_object_new_boolean(reset_required));
	return o;
}

json_object *profile_json(const struct iampw_profile *p)
{
	return login_profile_json(p->user, p->create_date, p->reset_required);
}

json_object *policy_json(const struct iampw_policy *p)
{
	json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	/*
	 * The core's fields in IAM's order, each absent (not null) when it
	 * is optional and unset; with IAM's derived ExpirePasswords ("a
	 * MaxPasswordAge is set") before MaxPasswordAge.  Without a policy,
	 * the skeleton: every field, numbers 0 and booleans true.
	 */
	for (size_t i = 0; i < iampw_policy_nfields; i++) {
		const struct iampw_policy_field *f = &iampw_policy_fields[i];
		unsigned v = p != NULL ? iampw_policy_get(p, f) : f->type == IAMPW_FIELD_BOOL;

		if (f->offset == offsetof(struct iampw_policy, max_age))
			json_object_object_add(o, "ExpirePasswords",
					       json_object_new_boolean(p == NULL || v > 0));
		if (p != NULL && f->optional && v == 0)
			continue;
		json_object_object_add(o, f->name, f->type == IAMPW_FIELD_BOOL ?
				       json_object_new_boolean(v != 0) :
				       json_object_new_int((int)v));
	}
	return o;
}
