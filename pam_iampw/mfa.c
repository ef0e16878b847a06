/*
 * The auth instance with `mfa` (SPEC §10): after the password module, a
 * user with an enabled virtual MFA device is asked for its code.
 *
 * This instance decides authentication, so every doubt refuses the login
 * (PAM_AUTH_ERR, logged): a broken iampw.conf, a profile or device store
 * that cannot be read safely, a lock not obtained, a failed write of the
 * accepted step.  Only a user who certainly has no device passes
 * (PAM_IGNORE).  The code is never logged.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "module.h"

/* A login waits at most this long for another login's replay record. */
#define MFA_LOCK_MS 2000

static int refuse(struct ctx *c, const char *why)
{
	if (why != NULL)
		pam_syslog(c->pamh, LOG_ERR, "user %s: MFA: %s: login refused",
			   c->user != NULL ? c->user : "(unknown)", why);
	ctx_log_errors(c, LOG_ERR);
	return PAM_AUTH_ERR;
}

/* The code from the conversation; NULL when there is none.  Wipe it. */
static char *ask_code(struct ctx *c)
{
	char *resp = NULL;

	/* No echo: a code stays valid for up to 90 s after it is shown. */
	if (pam_prompt(c->pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s", MFA_PROMPT) != PAM_SUCCESS)
		return NULL;
	return resp;
}

/*
 * Verify `code` against device `name` under the store's lock, re-reading
 * the device there (another login may just have used a code), and record
 * the accepted step before answering.
 */
static int verify_locked(struct ctx *c, const struct iampw_mfa_store *ms,
			 const char *name, const char *code)
{
	struct iampw_mfa_device *d = calloc(1, sizeof *d);
	enum iampw_mfa_verdict v = IAMPW_MFA_REJECT;
	int lockfd = -1, rc;

	if (d == NULL)
		return refuse(c, "out of memory");
	if (iampw_mfa_lock(ms, MFA_LOCK_MS, &lockfd, &c->err) != IAMPW_OK) {
		rc = refuse(c, "the device store is locked or cannot be locked");
		goto out;
	}
	if (iampw_mfa_load(ms, name, d, &c->err) != IAMPW_OK || !d->assigned ||
	    d->uid != (uint32_t)c->uid) {
		rc = refuse(c, "the device changed during the login");
		goto out;
	}
	if (iampw_mfa_verify(d, code, (int64_t)time(NULL), &v, &c->err) != IAMPW_OK) {
		rc = refuse(c, "cannot compute the codes");
		goto out;
	}
	switch (v) {
	case IAMPW_MFA_ACCEPT:
		if (iampw_mfa_save(ms, d, &c->err) != IAMPW_OK) {
			rc = refuse(c, "cannot record the accepted code");
			goto out;
		}
		debug_log(c, "user %s: MFA code accepted (device %s)", c->user, d->name);
		rc = PAM_SUCCESS;
		break;
	case IAMPW_MFA_REPLAY:
		pam_syslog(c->pamh, LOG_NOTICE,
			   "user %s: MFA code already used (device %s): authentication failure",
			   c->user, d->name);
		rc = PAM_AUTH_ERR;
		break;
	default:
		pam_syslog(c->pamh, LOG_NOTICE,
			   "user %s: wrong MFA code (device %s): authentication failure",
			   c->user, d->name);
		rc = PAM_AUTH_ERR;
		break;
	}
out:
	iampw_store_unlock(lockfd);
	iampw_mfa_clear(d);
	free(d);
	return rc;
}

int mfa_authenticate(struct ctx *c)
{
	struct iampw_mfa_store *ms = NULL;
	struct iampw_mfa_device *d = NULL;
	char name[IAMPW_MFA_NAME_MAX + 1];
	bool found = false;
	char *code = NULL;
	int rc;

	/*
	 * A caller that is not root (a screen locker unlocking the user's
	 * own session) cannot read the seeds: MFA is for the logins that
	 * root-run services make (login, su, sshd, sudo).
	 */
	if (geteuid() != 0) {
		debug_log(c, "MFA: not root (euid %lu): not asked", (unsigned long)geteuid());
		return PAM_IGNORE;
	}
	switch (ctx_load(c, false)) {
	case LOAD_OUT_OF_SCOPE:
		return PAM_IGNORE;
	case LOAD_CONFIG_ERROR:
		return refuse(c, "configuration error");
	case LOAD_PROFILE_ERROR:
		return refuse(c, "the profile cannot be read safely");
	case LOAD_SYSTEM_ERROR:
		return refuse(c, "system error");
	case LOAD_OK:
		break;
	}
	if (iampw_mfa_open(&ms, c->o.statedir, false, 0, 0, &c->err) != IAMPW_OK)
		return refuse(c, "the device store cannot be read safely");
	d = calloc(1, sizeof *d);
	if (d == NULL) {
		rc = refuse(c, "out of memory");
		goto out;
	}
	if (iampw_mfa_find_uid(ms, c->uid, d, &found, &c->err) != IAMPW_OK) {
		rc = refuse(c, "the device store cannot be read safely");
		goto out;
	}
	if (!found) {
		debug_log(c, "user %s: no MFA device", c->user);
		rc = PAM_IGNORE;
		goto out;
	}
	strcpy(name, d->name);
	iampw_mfa_clear(d);
	code = ask_code(c);
	if (code == NULL) {
		pam_syslog(c->pamh, LOG_NOTICE, "user %s: no MFA code given", c->user);
		rc = PAM_AUTH_ERR;
		goto out;
	}
	rc = verify_locked(c, ms, name, code);
out:
	if (code != NULL)
		iampw_wipe_free(code);
	if (d != NULL) {
		iampw_mfa_clear(d);
		free(d);
	}
	iampw_mfa_close(ms);
	return rc;
}
