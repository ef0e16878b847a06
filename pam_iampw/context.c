/*
 * Options, the per-call context, messages and logs of pam_iampw.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <syslog.h>
#include <shadow.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modutil.h>

#include "module.h"

#define DEFAULT_CONFIG IAMPW_SYSCONFDIR "/iampw.conf"
#define DEFAULT_POLICY IAMPW_SYSCONFDIR "/policy.conf"

/* "name=value" -> value when `arg` starts with "name="; else NULL. */
static const char *opt_value(const char *arg, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) == 0 && arg[n] == '=')
		return arg + n + 1;
	return NULL;
}

/* Paths in module arguments must be absolute: the module runs in any cwd. */
static bool path_ok(const char *p)
{
	return p[0] == '/' && strlen(p) < PATH_MAX;
}

static int parse_opts(int argc, const char **argv, struct opts *o,
		      struct iampw_err *e)
{
	int bad = 0;

	o->config = DEFAULT_CONFIG;
	o->policy = DEFAULT_POLICY;
	o->statedir = IAMPW_STATEDIR;
	o->retry = RETRY_DEFAULT;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v;
		uint64_t n;

		if ((v = opt_value(a, "config")) != NULL && path_ok(v)) {
			o->config = v;
		} else if ((v = opt_value(a, "policy")) != NULL && path_ok(v)) {
			o->policy = v;
		} else if ((v = opt_value(a, "statedir")) != NULL && path_ok(v)) {
			o->statedir = v;
		} else if ((v = opt_value(a, "retry")) != NULL) {
			if (iampw_parse_u64(v, &n) != IAMPW_NUM_OK || n < 1 || n > RETRY_MAX) {
				iampw_err_add(e, IAMPW_E_INVAL,
					      "module option %.64s: retry must be 1 to %d",
					      a, RETRY_MAX);
				bad++;
			} else {
				o->retry = (unsigned)n;
			}
		} else if (strcmp(a, "use_authtok") == 0) {
			o->use_authtok = true;
		} else if (strcmp(a, "commit") == 0) {
			o->commit = true;
		} else if (strcmp(a, "debug") == 0) {
			o->debug = true;
		} else if (strcmp(a, "exempt_key_logins") == 0) {
			o->exempt_key_logins = true;
		} else if (strcmp(a, "mfa") == 0) {
			o->mfa = true;
		} else {
			iampw_err_add(e, IAMPW_E_INVAL,
				      "unknown or invalid module option '%.64s' (paths must be absolute)",
				      a);
			bad++;
		}
	}
	return bad == 0 ? PAM_SUCCESS : PAM_SERVICE_ERR;
}

/* ctx_new's two memsets cover everything but prof.history and err.text. */
_Static_assert(offsetof(struct iampw_profile, history) + IAMPW_REUSE_MAX * CRYPT_OUTPUT_SIZE ==
	       sizeof(struct iampw_profile), "history is the profile's last member");
_Static_assert(offsetof(struct ctx, prof) + sizeof(struct iampw_profile) <=
	       offsetof(struct ctx, have_profile) &&
	       offsetof(struct ctx, err) + sizeof(struct iampw_err) == sizeof(struct ctx),
	       "prof, have_profile, now, err: the last members of struct ctx, in that order");

struct ctx *ctx_new(pam_handle_t *pamh, int flags, int argc, const char **argv,
		    int *pam_rc)
{
	struct ctx *c = malloc(sizeof *c);

	if (c == NULL) {
		pam_syslog(pamh, LOG_CRIT, "out of memory");
		*pam_rc = PAM_BUF_ERR;
		return NULL;
	}
	/*
	 * Zero everything but the profile's history slots and the message
	 * buffer: two thirds of the struct, which only nhistory and len make
	 * readable, and which calloc would clear on every transaction.
	 */
	memset(c, 0, offsetof(struct ctx, prof.history));
	memset(&c->have_profile, 0, offsetof(struct ctx, err) - offsetof(struct ctx, have_profile));
	c->pamh = pamh;
	c->flags = flags;
	iampw_err_init(&c->err);
	*pam_rc = parse_opts(argc, argv, &c->o, &c->err);
	return c;
}

void ctx_free(struct ctx *c)
{
	if (c == NULL)
		return;
	iampw_store_close(c->store);
	/*
	 * The profile's history hashes are the only secrets a context holds
	 * (passwords stay in PAM's items); the rest is names, dates and
	 * messages that the logs see anyway.
	 */
	iampw_profile_wipe(&c->prof);
	free(c);
}

void debug_log(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->o.debug)
		return;
	va_start(ap, fmt);
	pam_vsyslog(c->pamh, LOG_DEBUG, fmt, ap);
	va_end(ap);
}

struct log_to {
	const struct ctx *c;
	int priority;
};

/* One problem the core reported, as one syslog line. */
static void log_problem(void *arg, const struct iampw_problem *p)
{
	const struct log_to *l = arg;

	if (l->c->user != NULL)
		pam_syslog(l->c->pamh, l->priority, "user %s: %s", l->c->user, p->message);
	else
		pam_syslog(l->c->pamh, l->priority, "%s", p->message);
}

/* Send each problem the core collected to syslog, then start afresh. */
void ctx_log_errors(struct ctx *c, int priority)
{
	struct log_to l = { c, priority };

	iampw_err_each(&c->err, log_problem, &l);
	iampw_err_init(&c->err);
}

/*
 * An administrator at work: root running passwd for someone, or
 * iampw-admin.  Not sshd or login (real uid 0 too) forcing a change,
 * which always comes with PAM_CHANGE_EXPIRED_AUTHTOK.
 */
bool ctx_is_admin(const struct ctx *c)
{
	return getuid() == 0 && !(c->flags & PAM_CHANGE_EXPIRED_AUTHTOK);
}

void say(struct ctx *c, int style, const char *fmt, ...)
{
	va_list ap;

	if (c->flags & PAM_SILENT)
		return;
	va_start(ap, fmt);
	/* A failed message never changes the outcome (a warning must not block). */
	(void)pam_vprompt(c->pamh, style, NULL, fmt, ap);
	va_end(ap);
}

/* See module.h: only when the application asked, before the message. */
void ctx_result(struct ctx *c, const char *code)
{
	char var[sizeof IAMPW_RESULT_VAR "=" + 16];

	/* Asked: present, even empty.  Never created for passwd, login or sshd. */
	if (pam_getenv(c->pamh, IAMPW_RESULT_VAR) == NULL)
		return;
	snprintf(var, sizeof var, IAMPW_RESULT_VAR "=%s", code);
	if (pam_putenv(c->pamh, var) != PAM_SUCCESS)
		pam_syslog(c->pamh, LOG_WARNING, "cannot set %s", IAMPW_RESULT_VAR);
}

/*
 * The password stack meets a broken configuration, profile or state (§7):
 * the details go to syslog, and to the screen only for an administrator.
 * (The account stack never shows them: see account_failure.)
 */
int ctx_config_failure(struct ctx *c, int pam_rc)
{
	ctx_result(c, IAMPW_RESULT_CONFIG);
	if (ctx_is_admin(c) && c->err.len > 0)
		say(c, PAM_ERROR_MSG, "%s", c->err.text);
	else
		say(c, PAM_ERROR_MSG, "%s", MSG_CONFIG_ERROR);
	ctx_log_errors(c, LOG_ERR);
	return pam_rc;
}

/*
 * Look the account up.  Any spelling NSS resolves (alice@corp, ALICE from
 * a case-insensitive source) selects the account itself: its canonical
 * name and uid decide everything from here (§3.1).  false when unknown.
 */
static bool load_user(struct ctx *c)
{
	struct passwd *pw;
	const char *user = NULL;

	if (pam_get_user(c->pamh, &user, NULL) != PAM_SUCCESS || user == NULL)
		return false;
	/* Longer than any name NSS can hold: nobody's, before any lookup. */
	if (!iampw_user_name_valid(user))
		return false;
	pw = pam_modutil_getpwnam(c->pamh, user);
	if (pw == NULL || !iampw_user_name_valid(pw->pw_name))
		return false;
	snprintf(c->name, sizeof c->name, "%s", pw->pw_name);
	c->user = iampw_name_display(c->name, c->shown);
	if (strcmp(pw->pw_name, user) != 0)
		debug_log(c, "the name given is the account %s", c->user);
	c->uid = pw->pw_uid;
	c->gid = pw->pw_gid;
	snprintf(c->gecos, sizeof c->gecos, "%s", pw->pw_gecos != NULL ? pw->pw_gecos : "");
	c->acct.uid = c->uid;
	c->acct.gid = c->gid;
	c->acct.name = c->name;
	return true;
}

/*
 * The shadow entry, reduced to what §3.1 needs: no hash stays in memory.
 * false when it cannot be read at all: a caller that is not root (a
 * screen locker), whom the store refuses too.
 */
static bool load_shadow(struct ctx *c)
{
	struct spwd *sp;

	if (geteuid() != 0) {
		iampw_err_add(&c->err, IAMPW_E_IO, "the shadow entry is root's to read");
		return false;
	}
	sp = pam_modutil_getspnam(c->pamh, c->name);
	/* As root, no entry: an account of a directory (sssd, LDAP). */
	iampw_acct_set_shadow(&c->acct, sp != NULL, sp != NULL ? sp->sp_pwdp : NULL,
			      sp != NULL ? sp->sp_lstchg : -1);
	if (sp != NULL && sp->sp_pwdp != NULL)
		iampw_wipe(sp->sp_pwdp, strlen(sp->sp_pwdp));
	return true;
}

int ctx_load_profile(struct ctx *c)
{
	int rc;

	/*
	 * The shadow entry too, every time: under the lock, a change that
	 * just landed has replaced both, and judging the new profile against
	 * the old entry would take it for another account's.
	 */
	if (!load_shadow(c))
		return IAMPW_E_IO;
	rc = iampw_profile_load(c->store, c->uid, &c->prof, &c->err);
	if (rc != IAMPW_OK && rc != IAMPW_E_NOENT)
		return rc;
	c->owner = iampw_govern(&c->acct, rc == IAMPW_OK, c->now, &c->prof);
	c->have_profile = c->owner == IAMPW_OWNER_SELF || c->owner == IAMPW_OWNER_RENAMED;
	if (c->owner != IAMPW_OWNER_SELF)
		debug_log(c, "user %s: %s", c->user, iampw_owner_name(c->owner));
	return IAMPW_OK;
}

/*
 * iampw.conf is broken, so the real scope is unknown.  Every account from
 * the default min_uid up fails closed, whatever max_uid the broken file
 * meant (a wider range must not escape through a typo); system accounts
 * below it (cron, daemons) are left alone rather than locked out.  The
 * problem is logged either way.
 */
static enum load config_failure_scope(struct ctx *c)
{
	struct iampw_config defaults;

	iampw_config_defaults(&defaults);
	if (c->uid >= defaults.min_uid)
		return LOAD_CONFIG_ERROR;
	ctx_log_errors(c, LOG_ERR);
	debug_log(c, "iampw.conf broken; uid %lu is a system account",
		  (unsigned long)c->uid);
	return LOAD_OUT_OF_SCOPE;
}

int ctx_open_store(struct ctx *c, bool create)
{
	iampw_store_close(c->store);
	c->store = NULL;
	return iampw_store_open(&c->store, c->o.statedir, create, geteuid(),
				geteuid() == 0 ? 0 : getegid(), &c->err);
}

enum load ctx_load(struct ctx *c, bool create_store)
{
	bool in = false;
	int rc;

	c->now = (int64_t)time(NULL);
	if (!load_user(c))
		return LOAD_OUT_OF_SCOPE;
	if (c->uid == 0)
		return LOAD_OUT_OF_SCOPE;
	rc = iampw_config_load(c->o.config, geteuid(), &c->cfg, &c->err);
	if (rc != IAMPW_OK)
		return config_failure_scope(c);
	rc = iampw_in_scope(&c->cfg, c->name, c->uid, c->gid, &in, &c->err);
	if (rc != IAMPW_OK)
		return LOAD_CONFIG_ERROR;
	if (!in) {
		debug_log(c, "uid %lu out of scope", (unsigned long)c->uid);
		return LOAD_OUT_OF_SCOPE;
	}
	rc = iampw_policy_load(c->o.policy, geteuid(), &c->pol, &c->err);
	if (rc != IAMPW_OK)
		return LOAD_CONFIG_ERROR;
	if (gethostname(c->host, sizeof c->host) != 0)
		c->host[0] = '\0';
	c->host[sizeof c->host - 1] = '\0';
	rc = ctx_open_store(c, create_store);
	if (rc != IAMPW_OK || ctx_load_profile(c) != IAMPW_OK)
		return LOAD_PROFILE_ERROR;
	if (c->owner == IAMPW_OWNER_OTHER)
		pam_syslog(c->pamh, LOG_NOTICE,
			   "user %s: the profile of uid %lu belongs to an account that no longer exists, "
			   "or the password was set outside PAM: a new password is required",
			   c->user, (unsigned long)c->uid);
	return LOAD_OK;
}
