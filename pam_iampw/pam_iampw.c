/*
 * pam_iampw: AWS IAM's console-password rules for PAM (SPEC §5).
 * The entry points; the password stack is in password.c.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "module.h"

static void cleanup_marker(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)data;
	(void)status;
}

static bool is_password_login(pam_handle_t *pamh)
{
	const void *mark = NULL;

	return pam_get_data(pamh, DATA_PASSWORD_LOGIN, &mark) == PAM_SUCCESS &&
	       mark != NULL;
}

/*
 * `mfa` belongs on an auth line: elsewhere it would ask nothing, and an
 * administrator who put it there believes MFA is on.  A bad line.
 */
static int not_auth_line(struct ctx *c, int rc)
{
	if (rc == PAM_SUCCESS && c->o.mfa) {
		iampw_err_add(&c->err, IAMPW_E_INVAL,
			      "module option 'mfa' is for auth lines only");
		return PAM_SERVICE_ERR;
	}
	return rc;
}

/* §5.1 steps 2-4 for a user with a profile. */
static int account_decide(struct ctx *c)
{
	struct iampw_account a;
	bool enforce = !c->o.exempt_key_logins || is_password_login(c->pamh);

	iampw_account_state(&c->pol, c->cfg.warn_days, &c->prof, c->now, &a);
	if (a.clock_behind)
		pam_syslog(c->pamh, LOG_WARNING,
			   "user %s: the clock is earlier than the last password change",
			   c->user);
	debug_log(c, "user %s: state %d, %lld days left, %s login", c->user,
		  (int)a.state, (long long)a.days_left,
		  enforce ? "password or unknown" : "key");
	switch (a.state) {
	case IAMPW_STATE_RESET_REQUIRED:
		if (!enforce)
			return PAM_SUCCESS;
		say(c, PAM_ERROR_MSG, MSG_RESET_REQUIRED);
		return PAM_NEW_AUTHTOK_REQD;
	case IAMPW_STATE_EXPIRED:
		if (!enforce)
			return PAM_SUCCESS;
		say(c, PAM_ERROR_MSG, MSG_EXPIRED);
		return PAM_NEW_AUTHTOK_REQD;
	case IAMPW_STATE_HARD_EXPIRED:
		if (!enforce)
			return PAM_SUCCESS;
		pam_syslog(c->pamh, LOG_NOTICE, "user %s: password expired (hard expiry)",
			   c->user);
		say(c, PAM_ERROR_MSG, MSG_HARD_EXPIRED);
		return PAM_ACCT_EXPIRED;
	case IAMPW_STATE_WARN:
		if (a.days_left == 1)
			say(c, PAM_TEXT_INFO, MSG_WARN_ONE);
		else
			say(c, PAM_TEXT_INFO, MSG_WARN_DAYS, (long long)a.days_left);
		return PAM_SUCCESS;
	case IAMPW_STATE_OK:
		break;
	}
	return PAM_SUCCESS;
}

/*
 * The account stack runs for a login (sshd, login, su), never for an
 * administrator at work, even though sshd and login have a real uid of 0:
 * the user sees only the generic sentence, the details go to syslog (§7).
 */
static int account_failure(struct ctx *c)
{
	say(c, PAM_ERROR_MSG, "%s", MSG_CONFIG_ERROR);
	ctx_log_errors(c, LOG_ERR);
	return PAM_AUTHINFO_UNAVAIL;
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
				const char **argv)
{
	int rc;
	struct ctx *c = ctx_new(pamh, flags, argc, argv, &rc);

	if (c == NULL)
		return rc;
	rc = not_auth_line(c, rc);
	if (rc != PAM_SUCCESS) {
		/* A bad module line: fail closed, except for root (never in scope). */
		const char *user = NULL;
		struct passwd *pw;

		if (pam_get_user(pamh, &user, NULL) == PAM_SUCCESS && user != NULL &&
		    (pw = pam_modutil_getpwnam(pamh, user)) != NULL && pw->pw_uid == 0)
			rc = PAM_IGNORE;
		else
			rc = account_failure(c);
		goto out;
	}
	switch (ctx_load(c, false)) {
	case LOAD_OUT_OF_SCOPE:
		rc = PAM_IGNORE;
		break;
	case LOAD_CONFIG_ERROR:
		rc = account_failure(c);
		break;
	case LOAD_PROFILE_ERROR:
		/*
		 * A screen locker runs as the user and cannot read root's
		 * state: that is not a broken profile (§7).
		 */
		if (geteuid() != 0) {
			debug_log(c, "profile unreadable by uid %lu: ignored",
				  (unsigned long)geteuid());
			iampw_err_init(&c->err);
			rc = PAM_IGNORE;
			break;
		}
		rc = account_failure(c);
		break;
	case LOAD_SYSTEM_ERROR:
		rc = PAM_SYSTEM_ERR;
		break;
	case LOAD_OK:
		/* §5.1 step 1: no profile and no usable password: nothing to judge. */
		rc = c->owner != IAMPW_OWNER_NONE ? account_decide(c) : PAM_IGNORE;
		break;
	}
out:
	ctx_free(c);
	return rc;
}

/*
 * §9.2: is the password that just authenticated in the blocklist?  A
 * filter that cannot be read is logged and screens nothing: a login is
 * never blocked by it (§7).  The password is only looked up, never kept.
 */
static bool listed_at_login(struct ctx *c)
{
	struct iampw_screen scr;
	const void *tok = NULL;
	bool listed = false;

	if (!c->cfg.screen_at_login || c->cfg.blocklist[0] == '\0')
		return false;
	if (pam_get_item(c->pamh, PAM_AUTHTOK, &tok) != PAM_SUCCESS || tok == NULL)
		return false;
	if (iampw_screen_open(&scr, &c->cfg, geteuid(), &c->err) == IAMPW_OK &&
	    iampw_blocklist_lookup(&scr.blocklist, tok, &listed, &c->err) != IAMPW_OK)
		listed = false;
	iampw_screen_close(&scr);
	if (c->err.len > 0) {
		ctx_log_errors(c, LOG_ERR);
		pam_syslog(c->pamh, LOG_ERR, "user %s: the password could not be screened at login",
			   c->user);
	}
	return listed;
}

/*
 * One write at most, under the account's lock: password_last_used (at
 * most once per LAST_USED_INTERVAL), and with a blocklisted password the
 * reset flag, so that the account stack forces a change in this very
 * login (§9.2).  An account without a profile of its own gets one.
 */
static void record_login(struct ctx *c, bool listed)
{
	int lockfd = -1;
	bool due = c->have_profile &&
		   !(c->prof.last_used <= c->now && c->now - c->prof.last_used < LAST_USED_INTERVAL);

	if (!listed && !due)
		return;
	/*
	 * A login never waits long on a busy profile just to record a date;
	 * a breached password is worth the normal wait.
	 */
	if ((!iampw_store_present(c->store) && ctx_open_store(c, true) != IAMPW_OK) ||
	    iampw_store_lock(c->store, c->uid, listed ? IAMPW_LOCK_TIMEOUT_MS : LAST_USED_LOCK_MS,
			     &lockfd, &c->err) != IAMPW_OK)
		goto out;
	/* Re-read under the lock: a password change may have just landed. */
	if (ctx_load_profile(c) != IAMPW_OK || (!c->have_profile && !listed))
		goto out;
	if (!c->have_profile)
		iampw_profile_adopt(&c->acct, c->now, &c->prof);
	c->prof.last_used = c->now;
	if (listed)
		c->prof.reset_required = true;
	/* A renamed account's profile takes its new name here. */
	snprintf(c->prof.user, sizeof c->prof.user, "%s", c->name);
	if (iampw_profile_save(c->store, &c->prof, &c->err) == IAMPW_OK && listed)
		pam_syslog(c->pamh, LOG_NOTICE,
			   "user %s: the password is in the blocklist: a change is required",
			   c->user);
out:
	if (lockfd >= 0)
		iampw_store_unlock(lockfd);
	if (listed && c->err.len > 0)
		pam_syslog(c->pamh, LOG_ERR,
			   "user %s: the password is in the blocklist but the reset could not be recorded",
			   c->user);
	ctx_log_errors(c, listed ? LOG_ERR : LOG_WARNING);
}

/*
 * A bad option on an auth line refuses the login (§10): a typo in "mfa"
 * must never switch MFA off.  Root is never in scope and never has a
 * device, so it is let through (PAM_IGNORE), as the account stack does,
 * to repair the line.
 */
static int auth_bad_line(pam_handle_t *pamh)
{
	const char *user = NULL;
	struct passwd *pw;

	if (pam_get_user(pamh, &user, NULL) == PAM_SUCCESS && user != NULL &&
	    (pw = pam_modutil_getpwnam(pamh, user)) != NULL && pw->pw_uid == 0)
		return PAM_IGNORE;
	pam_syslog(pamh, LOG_ERR, "bad module options on an auth line: login refused");
	return PAM_AUTH_ERR;
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
				   const char **argv)
{
	int rc;
	struct ctx *c;

	/*
	 * Reached only after the password module succeeded: this transaction
	 * is a password login (§5.1 exempt_key_logins).  Marked before
	 * anything can go wrong, so that no failure here can exempt a
	 * password login from expiry.
	 */
	if (pam_set_data(pamh, DATA_PASSWORD_LOGIN, (void *)pamh,
			 cleanup_marker) != PAM_SUCCESS)
		pam_syslog(pamh, LOG_ERR, "cannot mark the password login");
	c = ctx_new(pamh, flags, argc, argv, &rc);
	if (c == NULL)
		return rc;
	if (rc != PAM_SUCCESS) {
		ctx_log_errors(c, LOG_ERR);
		rc = auth_bad_line(pamh);
	} else if (c->o.mfa) {
		rc = mfa_authenticate(c);
	} else {
		/* Without mfa it never decides authentication: PAM_IGNORE. */
		if (ctx_load(c, false) == LOAD_OK && c->owner != IAMPW_OWNER_NONE) {
			bool listed = listed_at_login(c);

			if (listed)
				say(c, PAM_ERROR_MSG, MSG_BREACHED);
			record_login(c, listed);
		}
		ctx_log_errors(c, LOG_WARNING);
		rc = PAM_IGNORE;
	}
	ctx_free(c);
	return rc;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
			      const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_IGNORE;
}

PAM_EXTERN int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc,
				const char **argv)
{
	int rc;
	struct ctx *c = ctx_new(pamh, flags, argc, argv, &rc);

	if (c == NULL)
		return PAM_AUTHTOK_ERR;
	rc = not_auth_line(c, rc);
	if (rc != PAM_SUCCESS) {
		/* A bad module line: no password change goes through it. */
		rc = ctx_config_failure(c, PAM_AUTHTOK_ERR);
		goto out;
	}
	rc = c->o.commit ? password_commit(c) : password_check(c);
out:
	ctx_free(c);
	return rc;
}
