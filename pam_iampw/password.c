/*
 * The password stack (SPEC §5.2):
 *
 *   password requisite pam_iampw.so          <- password_check
 *   password requisite pam_unix.so use_authtok yescrypt
 *   password optional  pam_iampw.so commit   <- password_commit
 *
 * password_check decides whether this change may happen at all, prompts
 * for the new password, checks it against the policy and the history,
 * then takes the per-user lock and hands the history hash and the lock to
 * password_commit with pam_set_data.  password_commit, reached only when
 * the store module succeeded, records the change and releases the lock.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "module.h"

static void pending_free(struct pending *p)
{
	if (p == NULL)
		return;
	if (p->lockfd >= 0)
		iampw_store_unlock(p->lockfd);
	iampw_wipe(p, sizeof *p);
	free(p);
}

static void cleanup_pending(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	pending_free(data);
}

/*
 * §5.2 "kinds of change": never decided by uid alone, and never by
 * PAM_CHANGE_EXPIRED_AUTHTOK alone either: `passwd -k` sends it for a
 * password that is current, and that change is a voluntary one.  Forced
 * means the account stack would demand it (§5.1 steps 2-3).
 */
static enum kind change_kind(const struct ctx *c)
{
	if (ctx_is_admin(c))
		return KIND_ADMIN_RESET;
	if (c->owner != IAMPW_OWNER_NONE &&
	    (c->prof.reset_required || iampw_password_expired(&c->pol, &c->prof, c->now)))
		return KIND_FORCED;
	return KIND_VOLUNTARY;
}

/* May this change happen at all?  PAM_SUCCESS or the refusal. */
static int change_allowed(struct ctx *c, enum kind kind)
{
	if (kind == KIND_ADMIN_RESET)
		return PAM_SUCCESS;
	if (c->owner != IAMPW_OWNER_NONE && c->pol.hard_expiry &&
	    iampw_password_expired(&c->pol, &c->prof, c->now)) {
		pam_syslog(c->pamh, LOG_NOTICE,
			   "user %s: self change refused: password expired (hard expiry)",
			   c->user);
		say(c, PAM_ERROR_MSG, MSG_HARD_EXPIRED);
		return PAM_PERM_DENIED;
	}
	if (kind == KIND_VOLUNTARY && !c->pol.allow_users_to_change) {
		pam_syslog(c->pamh, LOG_NOTICE,
			   "user %s: self change refused: disabled by policy", c->user);
		say(c, PAM_ERROR_MSG, MSG_CHANGES_DISABLED);
		return PAM_PERM_DENIED;
	}
	return PAM_SUCCESS;
}

static void forget_authtok(struct ctx *c)
{
	pam_set_item(c->pamh, PAM_AUTHTOK, NULL);
}

/*
 * Out-of-scope users (root, system accounts): prompt as usual and leave
 * the new password in PAM_AUTHTOK for `pam_unix use_authtok`.
 */
static int hand_on(struct ctx *c)
{
	const char *tok = NULL;
	int rc = PAM_AUTHTOK_ERR;

	if (c->flags & PAM_PRELIM_CHECK)
		return PAM_IGNORE;
	for (unsigned i = 0; i < c->o.retry; i++) {
		rc = pam_get_authtok(c->pamh, PAM_AUTHTOK, &tok, NULL);
		if (rc != PAM_TRY_AGAIN)
			break;
	}
	if (rc == PAM_TRY_AGAIN)
		rc = PAM_AUTHTOK_ERR;	/* the entries never matched */
	return rc == PAM_SUCCESS ? PAM_IGNORE : rc;
}

/* Take the per-account lock that commit will release. */
static int take_lock(struct ctx *c, struct pending *pend)
{
	int rc;

	if (pend->lockfd >= 0)
		return PAM_SUCCESS;
	/* A retried pam_chauthtok must not wait for its own earlier lock. */
	pam_set_data(c->pamh, DATA_PENDING, NULL, NULL);
	rc = IAMPW_OK;
	/* The first change of the first user creates the state dir (§7). */
	if (!iampw_store_present(c->store))
		rc = ctx_open_store(c, true);
	if (rc == IAMPW_OK)
		rc = iampw_store_lock(c->store, c->uid, IAMPW_LOCK_TIMEOUT_MS,
				      &pend->lockfd, &c->err);
	if (rc == IAMPW_E_BUSY) {
		ctx_log_errors(c, LOG_WARNING);
		return PAM_AUTHTOK_LOCK_BUSY;
	}
	if (rc != IAMPW_OK)
		return ctx_config_failure(c, PAM_AUTHTOK_ERR);
	return PAM_SUCCESS;
}

static void drop_lock(struct pending *pend)
{
	iampw_store_unlock(pend->lockfd);
	pend->lockfd = -1;
}

/*
 * The reuse check, under the account's lock, on the profile as it is
 * now: two changes at once to the same password cannot both pass it,
 * because the lock is held from here until commit has recorded the hash.
 */
static int check_history(struct ctx *c, const char *pw, struct pending *pend)
{
	bool reused = false;
	int rc;

	rc = take_lock(c, pend);
	if (rc != PAM_SUCCESS)
		return rc;
	if (ctx_load_profile(c) != IAMPW_OK)
		return ctx_config_failure(c, PAM_AUTHTOK_ERR);
	pend->had_profile = c->have_profile;
	memcpy(pend->fp_before, c->prof.account, IAMPW_FP_SIZE);
	if (c->pol.reuse_prevention == 0)
		return PAM_SUCCESS;
	/* Only the account's own history: never a deleted namesake's (§3.1). */
	rc = iampw_history_check(&c->cfg, c->have_profile ? &c->prof : NULL,
				 c->pol.reuse_prevention, pw, &pend->hist, &reused,
				 &c->err);
	if (rc != IAMPW_OK) {
		/* Fail closed: a hashing failure is never "not reused". */
		ctx_log_errors(c, LOG_ERR);
		say(c, PAM_ERROR_MSG, MSG_INTERNAL);
		return PAM_AUTHTOK_ERR;
	}
	if (reused) {
		iampw_wipe(&pend->hist, sizeof pend->hist);
		/* The user may sit at the next prompt: never hold the lock there. */
		drop_lock(pend);
		debug_log(c, "user %s: rejected: reused", c->user);
		ctx_result(c, IAMPW_RESULT_REUSED);
		say(c, PAM_ERROR_MSG, MSG_REUSED);
		return PAM_TRY_AGAIN;
	}
	pend->has_hash = true;
	return PAM_SUCCESS;
}

/*
 * Check one candidate.  PAM_SUCCESS (the lock held, and the history hash
 * in pend when the policy keeps a history), PAM_TRY_AGAIN after telling
 * the user why, or a failure.
 */
static int check_candidate(struct ctx *c, const struct iampw_screen *scr,
			   const char *pw, struct pending *pend)
{
	struct iampw_identity id = { c->name, c->gecos, c->host };
	struct iampw_check r;
	char msg[1024];

	/* A filter that cannot be read is never "not listed" (§9.1). */
	if (iampw_check_screened(&c->pol, &id, scr, pw, &r, &c->err) != IAMPW_OK)
		return ctx_config_failure(c, PAM_AUTHTOK_ERR);
	if (r.failed != 0) {
		iampw_check_message(&r, msg, sizeof msg);
		ctx_result(c, IAMPW_RESULT_POLICY);
		say(c, PAM_ERROR_MSG, "%s", msg);
		for (unsigned b = 0; b < IAMPW_R_COUNT; b++) {
			if (r.failed & (1u << b))
				debug_log(c, "user %s: rejected: %s", c->user,
					  iampw_reason_name(1u << b));
		}
		return PAM_TRY_AGAIN;
	}
	return check_history(c, pw, pend);
}

/*
 * Prompt and check up to `retry` times.  A token that an earlier module
 * already set (pam_pwquality approved it, say) is checked once and never
 * replaced by a prompt of ours: the password stored must have passed
 * every module of the stack.
 */
static int prompt_and_check(struct ctx *c, const struct iampw_screen *scr,
			    struct pending *pend)
{
	const void *preset = NULL;
	unsigned tries = c->o.retry, done = 0;
	int rc = PAM_AUTHTOK_ERR;

	if (c->o.use_authtok ||
	    (pam_get_item(c->pamh, PAM_AUTHTOK, &preset) == PAM_SUCCESS && preset != NULL))
		tries = 1;
	for (unsigned i = 0; i < tries; i++) {
		done++;
		const char *pw = NULL;

		rc = pam_get_authtok(c->pamh, PAM_AUTHTOK, &pw, NULL);
		if (rc == PAM_TRY_AGAIN)
			continue;	/* the two entries differed */
		if (rc != PAM_SUCCESS || pw == NULL) {
			rc = rc == PAM_SUCCESS ? PAM_AUTHTOK_ERR : rc;
			break;
		}
		rc = check_candidate(c, scr, pw, pend);
		if (rc == PAM_SUCCESS)
			return PAM_SUCCESS;
		/* A refused password must not reach the next module. */
		forget_authtok(c);
		if (rc != PAM_TRY_AGAIN)
			return rc;
	}
	forget_authtok(c);
	pam_syslog(c->pamh, LOG_NOTICE, "user %s: password change refused after %u %s",
		   c->user, done, done == 1 ? "try" : "tries");
	return rc == PAM_TRY_AGAIN || rc == PAM_SUCCESS ? PAM_AUTHTOK_ERR : rc;
}

/* With [screening] (§9.1): a configured filter must open, or no change. */
static int get_good_password(struct ctx *c, struct pending *pend)
{
	struct iampw_screen scr;
	int rc;

	if (iampw_screen_open(&scr, &c->cfg, geteuid(), &c->err) != IAMPW_OK)
		rc = ctx_config_failure(c, PAM_AUTHTOK_ERR);
	else
		rc = prompt_and_check(c, &scr, pend);
	iampw_screen_close(&scr);
	return rc;
}

int password_check(struct ctx *c)
{
	struct pending *pend = NULL;
	enum kind kind;
	int rc;

	switch (ctx_load(c, false)) {
	case LOAD_OUT_OF_SCOPE:
		return hand_on(c);
	case LOAD_CONFIG_ERROR:
	case LOAD_PROFILE_ERROR:
		return ctx_config_failure(c, PAM_AUTHTOK_ERR);
	case LOAD_SYSTEM_ERROR:
		return PAM_SYSTEM_ERR;
	case LOAD_OK:
		break;
	}
	kind = change_kind(c);
	debug_log(c, "user %s: %s", c->user,
		  kind == KIND_ADMIN_RESET ? "admin reset" :
		  kind == KIND_FORCED ? "forced change" : "voluntary change");
	rc = change_allowed(c, kind);
	if (rc != PAM_SUCCESS || (c->flags & PAM_PRELIM_CHECK))
		return rc;

	pend = calloc(1, sizeof *pend);
	if (pend == NULL)
		return PAM_BUF_ERR;
	pend->lockfd = -1;
	pend->kind = kind;
	pend->uid = c->uid;
	rc = get_good_password(c, pend);
	if (rc == PAM_SUCCESS) {
		rc = pam_set_data(c->pamh, DATA_PENDING, pend, cleanup_pending);
		if (rc == PAM_SUCCESS)
			return PAM_SUCCESS;
	}
	forget_authtok(c);
	pending_free(pend);
	return rc;
}

/*
 * Apply a change.  The profile is the account's own only when the check
 * saw it so and nothing replaced it since; anything else (a first change,
 * a deleted namesake's profile, a password set outside PAM) starts anew,
 * so no date, flag or history of another account survives (§3.1).
 */
static void record_change(struct ctx *c, const struct pending *pend, bool own)
{
	if (!own)
		iampw_profile_new(&c->acct, c->now, &c->prof);
	/* Without a new hash this still trims to the policy's current N. */
	iampw_history_record(&c->prof, pend != NULL && pend->has_hash ? &pend->hist : NULL,
			     c->pol.reuse_prevention);
	c->prof.last_changed = c->now;
	/* The name and the shadow entry as they are now: the new binding. */
	snprintf(c->prof.user, sizeof c->prof.user, "%s", c->name);
	memcpy(c->prof.account, c->acct.fp, IAMPW_FP_SIZE);
	/* An admin reset keeps the flag: iampw-admin sets it as asked. */
	if (pend != NULL ? pend->kind != KIND_ADMIN_RESET : !ctx_is_admin(c))
		c->prof.reset_required = false;
}

int password_commit(struct ctx *c)
{
	const void *data = NULL;
	const struct pending *pend;
	int lockfd = -1, rc;
	bool own;

	if (c->flags & PAM_PRELIM_CHECK)
		return PAM_IGNORE;
	switch (ctx_load(c, true)) {
	case LOAD_OUT_OF_SCOPE:
		return PAM_IGNORE;
	case LOAD_CONFIG_ERROR:
	case LOAD_PROFILE_ERROR:
		ctx_log_errors(c, LOG_ERR);
		return PAM_AUTHTOK_ERR;
	case LOAD_SYSTEM_ERROR:
		return PAM_SYSTEM_ERR;
	case LOAD_OK:
		break;
	}
	if (pam_get_data(c->pamh, DATA_PENDING, &data) != PAM_SUCCESS)
		data = NULL;
	pend = data;
	if (pend != NULL && pend->uid != c->uid)
		pend = NULL;
	if (pend == NULL || pend->lockfd < 0) {
		/* The checking instance is missing from this stack. */
		pam_syslog(c->pamh, LOG_ERR,
			   "user %s: commit without a pam_iampw check before it: "
			   "recording the change time only", c->user);
		rc = iampw_store_lock(c->store, c->uid, IAMPW_LOCK_TIMEOUT_MS,
				      &lockfd, &c->err);
		if (rc != IAMPW_OK) {
			ctx_log_errors(c, LOG_ERR);
			return rc == IAMPW_E_BUSY ? PAM_AUTHTOK_LOCK_BUSY : PAM_AUTHTOK_ERR;
		}
		pend = NULL;
	}
	/* Re-read under the lock: this is the version we replace. */
	rc = iampw_profile_load(c->store, c->uid, &c->prof, &c->err);
	if (rc != IAMPW_OK && rc != IAMPW_E_NOENT)
		goto fail;
	/*
	 * The store module has just replaced the shadow entry, so the
	 * account's fingerprint is new: the profile is its own when it is
	 * still the one the check judged (or, with no check, when it matches
	 * the entry as it is).
	 */
	own = rc == IAMPW_OK &&
	      (pend != NULL ? pend->had_profile &&
			      iampw_ct_equal(c->prof.account, pend->fp_before, IAMPW_FP_SIZE) :
			      iampw_ct_equal(c->prof.account, c->acct.fp, IAMPW_FP_SIZE));
	record_change(c, pend, own);
	rc = iampw_profile_save(c->store, &c->prof, &c->err);
	if (rc != IAMPW_OK)
		goto fail;
	pam_syslog(c->pamh, LOG_INFO, "user %s: password change recorded", c->user);
	rc = PAM_SUCCESS;
	goto out;
fail:
	ctx_log_errors(c, LOG_ERR);
	pam_syslog(c->pamh, LOG_ERR,
		   "user %s: the password changed but the profile could not be updated",
		   c->user);
	rc = PAM_AUTHTOK_ERR;
out:
	if (lockfd >= 0)
		iampw_store_unlock(lockfd);
	/* Releases the lock taken by the check. */
	pam_set_data(c->pamh, DATA_PENDING, NULL, NULL);
	return rc;
}
