/*
 * pam_iampw: the PAM glue over libiampw.  Internal to the module.
 *
 * Each entry point is: parse options -> load the context (user, host
 * settings, scope, policy, profile) -> ask the core -> map the answer to a
 * PAM code and a message -> clean up.  Every decision is the core's.
 */
#ifndef PAM_IAMPW_MODULE_H
#define PAM_IAMPW_MODULE_H

#include <limits.h>
#include <pwd.h>
#include <stdbool.h>

#include <security/pam_modules.h>

#include "iampw.h"
#include "messages.h"

/* pam_set_data names: the module's private state inside one transaction. */
#define DATA_PASSWORD_LOGIN "pam_iampw:password_login"
#define DATA_PENDING "pam_iampw:pending"

#define RETRY_DEFAULT 3
#define RETRY_MAX 10

/* Seconds between two writes of password_last_used (IAM's granularity). */
#define LAST_USED_INTERVAL 300
/* How long the auth stack waits for the lock before skipping last-used. */
#define LAST_USED_LOCK_MS 200

struct opts {
	const char *config;
	const char *policy;
	const char *statedir;
	unsigned retry;
	bool use_authtok;
	bool commit;
	bool debug;
	bool exempt_key_logins;
	bool mfa;              /* auth: ask for the MFA code (§10) */
};

enum kind {
	KIND_VOLUNTARY,
	KIND_FORCED,
	KIND_ADMIN_RESET,
};

/* What ctx_load found. */
enum load {
	LOAD_OK,            /* in scope; ctx->owner says whose rules apply */
	LOAD_OUT_OF_SCOPE,  /* root, system account, unknown or unusable user name */
	LOAD_CONFIG_ERROR,  /* iampw.conf or policy.conf invalid (details in ctx->err) */
	LOAD_PROFILE_ERROR, /* profile or state dir corrupt, unsafe or unreadable */
	LOAD_SYSTEM_ERROR,  /* PAM or memory failure */
};

struct ctx {
	pam_handle_t *pamh;
	int flags;
	struct opts o;
	const char *user;   /* the account's name as logs show it (c->shown) */
	char name[IAMPW_NAME_MAX + 1];    /* the account's canonical name */
	char shown[IAMPW_NAME_SHOWN];     /* the same, control bytes escaped */
	uid_t uid;
	gid_t gid;
	char gecos[256];
	struct iampw_acct acct;           /* passwd and shadow (no hash) */
	enum iampw_owner owner;           /* whose rules apply (§3.1) */
	char host[HOST_NAME_MAX + 1];
	struct iampw_config cfg;
	struct iampw_policy pol;
	struct iampw_store *store;     /* NULL until opened */
	struct iampw_profile prof;  /* the profile that governs (see iampw_govern) */
	bool have_profile;          /* it is the account's own, stored one */
	int64_t now;
	struct iampw_err err;
};

/*
 * The hand-over from the checking instance to the commit instance: the
 * new password's history hash (never the password) and the per-user lock,
 * held from the check until commit so that the Unix password and the
 * profile change together, serialised with every other writer.
 */
struct pending {
	uid_t uid;
	enum kind kind;
	bool had_profile;                  /* the account's own profile was checked */
	char fp_before[IAMPW_FP_SIZE];     /* its account fingerprint then */
	bool has_hash;
	struct iampw_pending hist;
	int lockfd;
};

/* context.c */
/* Load (again, under the lock) the profile filed under c->uid and decide whose it is. */
int ctx_load_profile(struct ctx *c);
/*
 * (Re)open the profile store into c->store, with `create` making the
 * state dir (§7); the store opened before, if any, is closed.
 */
int ctx_open_store(struct ctx *c, bool create);
struct ctx *ctx_new(pam_handle_t *pamh, int flags, int argc, const char **argv,
		    int *pam_rc);
void ctx_free(struct ctx *c);
enum load ctx_load(struct ctx *c, bool create_store);
void ctx_log_errors(struct ctx *c, int priority);
bool ctx_is_admin(const struct ctx *c);
int ctx_config_failure(struct ctx *c, int pam_rc);
/*
 * Record why a change is refused, when the application asked
 * (IAMPW_RESULT_*): before the message that says it, so that the
 * application's conversation knows that message for the refusal's.
 */
void ctx_result(struct ctx *c, const char *code);
void say(struct ctx *c, int style, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void debug_log(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* mfa.c: the auth instance with `mfa` (§10); a PAM code. */
int mfa_authenticate(struct ctx *c);

/* password.c */
int password_check(struct ctx *c);
int password_commit(struct ctx *c);

#endif /* PAM_IAMPW_MODULE_H */
