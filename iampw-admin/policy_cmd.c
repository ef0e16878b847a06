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
		rc = cli_error(c, "NoSuchEntity",
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

static bool tri_true(enum tri t)
{
	return t == TRI_TRUE;
}

int verb_update_account_password_policy(struct cli *c)
{
	struct iampw_policy_request req = c->req;
	struct iampw_policy pol;
	struct iampw_err e;

	/* A full replace (IAM has no partial update): unset flags are false. */
	req.require_symbols = tri_true(c->req_symbols);
	req.require_numbers = tri_true(c->req_numbers);
	req.require_uppercase = tri_true(c->req_upper);
	req.require_lowercase = tri_true(c->req_lower);
	req.allow_users_to_change = tri_true(c->req_allow);
	req.hard_expiry = tri_true(c->req_hard);
	iampw_err_init(&e);
	if (iampw_policy_from_request(&req, &pol, &e) != IAMPW_OK)
		return cli_error(c, "ValidationError", "%s", e.text);
	/*
	 * The old file is replaced whatever it holds: this is how a broken
	 * policy.conf is repaired, so it is not read first.
	 */
	if (iampw_policy_save(c->policy, &pol, &e) != IAMPW_OK)
		return cli_error(c, "ServiceFailure", "%s", e.text);
	cli_audit(c, "policy set: minimum length %u, symbols %d, numbers %d, uppercase %d, "
		  "lowercase %d, users may change %d, max age %u, reuse prevention %u, hard expiry %d",
		  pol.min_length, pol.require_symbols, pol.require_numbers,
		  pol.require_uppercase, pol.require_lowercase, pol.allow_users_to_change,
		  pol.max_age, pol.reuse_prevention, pol.hard_expiry);
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
		return cli_error(c, "NoSuchEntity",
				 "The account policy with name PasswordPolicy cannot be found.");
	iampw_err_init(&e);
	rc = iampw_policy_remove(c->policy, &e);
	if (rc == IAMPW_E_NOENT)
		return cli_error(c, "NoSuchEntity",
				 "The account policy with name PasswordPolicy cannot be found.");
	if (rc != IAMPW_OK)
		return cli_error(c, "ServiceFailure", "%s", e.text);
	cli_audit(c, "policy deleted: the IAM default policy applies");
	return EXIT_OK;
}
