/* get/update/delete-account-password-policy (SPEC §4.1, §6). */
#include "config.h"

#include <string.h>

#include "cli.h"

int verb_get_account_password_policy(struct cli *c)
{
	struct admin a;
	json_object *resp;
	int rc;

	rc = admin_load(c, &a);
	if (rc != EXIT_OK)
		return rc;
	if (!a.pol.custom) {
		rc = cli_error(c, IAM_NO_SUCH_ENTITY,
			       "The Password Policy with domain name %s cannot be found.", a.host);
		goto out;
	}
	resp = json_object_new_object();
	json_object_object_add(resp, "PasswordPolicy", policy_json(&a.pol));
	rc = out_print(c, resp);
	json_object_put(resp);
out:
	admin_free(&a);
	return rc;
}

/* "policy set: minimum length 14, symbols 1, ...": every field, in table order. */
static void policy_audit(const struct cli *c, const struct iampw_policy *p)
{
	char line[1024];
	size_t len = 0;

	line[0] = '\0';
	for (size_t i = 0; i < iampw_policy_nfields && len < sizeof line; i++)
		len += (size_t)snprintf(line + len, sizeof line - len, "%s%s %u", i > 0 ? ", " : "",
					iampw_policy_fields[i].audit,
					iampw_policy_get(p, &iampw_policy_fields[i]));
	cli_audit(c, "policy set: %s", line);
}

int verb_update_account_password_policy(struct cli *c)
{
	struct iampw_policy pol;
	struct iampw_err e;

	/* A full replace (IAM has no partial update): unset flags are false. */
	iampw_err_init(&e);
	if (iampw_policy_from_request(&c->req, &pol, &e) != IAMPW_OK)
		return cli_error(c, IAM_VALIDATION_ERROR, "%s", e.text);
	/*
	 * The old file is replaced whatever it holds: this is how a broken
	 * policy.conf is repaired, so it is not read first.
	 */
	if (iampw_policy_save(c->policy, &pol, &e) != IAMPW_OK)
		return cli_error(c, IAM_SERVICE_FAILURE, "%s", e.text);
	policy_audit(c, &pol);
	return EXIT_OK;
}

int verb_delete_account_password_policy(struct cli *c)
{
	struct iampw_policy pol;
	struct iampw_err e;
	int rc;

	iampw_err_init(&e);
	/*
	 * "None set" is no file, or a file without [policy]; a broken file
	 * is a policy that is set (badly), and deleting it is the repair.
	 */
	rc = iampw_policy_load(c->policy, 0, &pol, &e);
	if (rc == IAMPW_OK && !pol.custom)
		return cli_error(c, IAM_NO_SUCH_ENTITY,
				 "The account policy with name PasswordPolicy cannot be found.");
	iampw_err_init(&e);
	rc = iampw_policy_remove(c->policy, &e);
	if (rc == IAMPW_E_NOENT)
		return cli_error(c, IAM_NO_SUCH_ENTITY,
				 "The account policy with name PasswordPolicy cannot be found.");
	if (rc != IAMPW_OK)
		return cli_error(c, IAM_SERVICE_FAILURE, "%s", e.text);
	cli_audit(c, "policy deleted: the IAM default policy applies");
	return EXIT_OK;
}
