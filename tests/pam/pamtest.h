/*
 * The harness of the PAM-level tests: real libpam loads the built
 * pam_iampw.so (by absolute path, PAM_IAMPW_SO) from a private service
 * directory with pam_start_confdir(), for users that nss_wrapper makes up.
 *
 * Every transaction runs in a forked child that first takes the real and
 * effective uids the case needs (passwd run by alice: 1001/0; sshd, login
 * and passwd run by root: 0/0; a screen locker: 1001/1001), because the
 * module decides on them (SPEC §5.2 "admin reset", §7 screen lockers).
 * The child sends back every return code and the whole conversation
 * through a pipe.  Run as root, the child changes uids for real.  Run as
 * anyone else, the program runs as root of a user namespace that maps
 * the caller to uid 0 (so the fixtures' files are root's) and
 * libuid_wrapper fakes the uids in process: getuid(), geteuid() and
 * setresuid() answer as they would, but the kernel still sees one uid,
 * so the cases that need it to refuse another uid call
 * pt_need_real_uids() and report a skip.  With neither root nor user
 * namespaces, a program reports one TAP skip and exits 77.
 *
 * Include after <cmocka.h>.
 */
#ifndef IAMPW_PAMTEST_H
#define IAMPW_PAMTEST_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <security/pam_appl.h>

#include "iampw.h"

/* The accounts of the nss_wrapper passwd file (see pamtest.c). */
#define PT_UID_ROOT 0
#define PT_UID_SYS 999     /* "sysacct": a system account, below min_uid */
#define PT_UID_ALICE 1001  /* GECOS "Alice Smith,,,", member of "iamusers" */
#define PT_UID_BOB 1002    /* primary group "iamusers" */
#define PT_UID_CAROL 1003  /* in no group but her own */
#define PT_UID_DAVE 1004
#define PT_UID_ELODIE 1005 /* GECOS "\xc3\x89lodie Martin,,," (UTF-8) */
#define PT_UID_ODD 1006    /* PT_ODD_NAME */
#define PT_ODD_NAME "m.\xc3\xa9lodie@corp.example"
#define PT_GROUP "iamusers"

/* What the default iampw.conf of a fixture says: fast history hashes. */
#define PT_CONFIG_DEFAULT "[history]\ncost = 1\n"

/* The module's user texts (SPEC §5, §7), spelled out here on purpose. */
#define PT_MSG_RESET \
	"You are required to change your password immediately (administrator enforced)."
#define PT_MSG_EXPIRED "Your password has expired. You are required to change it now."
#define PT_MSG_HARD "Your password has expired and must be reset by an administrator."
#define PT_MSG_DISABLED "Password changes are disabled by policy. Contact your administrator."
#define PT_MSG_REUSED "Password has been used recently. Choose a different password."
#define PT_MSG_CONFIG "System configuration error. Contact your administrator."
/* A usable shadow hash for pt_shadow() (never checked: no pam_unix here). */
#define PT_HASH_A "$y$j9T$abcdefghijklmnopqrstu.$0123456789012345678901234567890123456789ABC"
#define PT_HASH_B "$y$j9T$ABCDEFGHIJKLMNOPQRSTU.$0123456789012345678901234567890123456789ABC"
/* libpam's own texts (pam_get_authtok). */
#define PT_NEW "New password: "
#define PT_RETYPE "Retype new password: "
#define PT_MISMATCH "Sorry, passwords do not match."

/*
 * Probe modules.  `pam_echo.so PT-REACHED` after the module under test
 * (with `[success=done ignore=ignore default=die]` on the module's line,
 * so that any other code ends the stack with that code) is reached only
 * when the module returned PAM_IGNORE: no stack ever returns PAM_IGNORE
 * itself, so this is how a case sees that exact code.
 * `pam_stress.so expired` converses in the update phase: when it does,
 * the harness reads PAM_AUTHTOK as the next module would see it, then
 * answers its prompts with pt_txn.stress_answer, which pam_stress sets
 * as the new PAM_AUTHTOK (a stacked module presetting the token).
 * The harness keeps the probes' messages out of pt_result.msg.
 */
#define PT_REACHED_LINE "pam_echo.so PT-REACHED"
#define PT_STRESS_LINE "pam_stress.so expired"

#define PT_STEPS_MAX 4
#define PT_ANSWERS_MAX 24
#define PT_MSGS_MAX 32
#define PT_TEXT_MAX 1024
#define PT_PROBES_MAX 4

enum pt_op {
	PT_END = 0,
	PT_AUTH,        /* pam_authenticate */
	PT_ACCT,        /* pam_acct_mgmt */
	PT_CHAUTHTOK,   /* pam_chauthtok */
};

struct pt_step {
	enum pt_op op;
	int flags;
};

/* One PAM transaction: one handle, its steps in order, then pam_end. */
struct pt_txn {
	const char *service;     /* file name under the fixture's pam.d */
	const char *user;
	uid_t ruid, euid;
	struct pt_step steps[PT_STEPS_MAX];
	/* Replies to the prompts of the module under test, in order, NULL-ended. */
	const char *answers[PT_ANSWERS_MAX];
	bool conv_fails;         /* every conversation call fails (PAM_CONV_ERR) */
	const char *stress_answer;  /* pam_stress's new password; NULL: "stress-probe" */
	bool ask_result;         /* put IAMPW_RESULT, empty, into the PAM environment */
};

struct pt_msg {
	int style;
	char text[PT_TEXT_MAX];
};

struct pt_result {
	int rc[PT_STEPS_MAX];        /* per step; PAM_IGNORE when PT-REACHED was seen */
	int stack_rc[PT_STEPS_MAX];  /* what libpam returned */
	unsigned nmsg;               /* every message seen, stored or not */
	struct pt_msg msg[PT_MSGS_MAX];
	unsigned nprompts;           /* prompts of the module(s) under test */
	unsigned nprobes;
	struct {
		bool set;
		char value[256];
	} probe[PT_PROBES_MAX];      /* PAM_AUTHTOK at each pam_stress call */
	double seconds;              /* wall time of the steps */
	int start_rc;                /* pam_start_confdir */
	bool result_set;             /* IAMPW_RESULT in the PAM environment at the end */
	char result[32];             /* its value */
};

/* One test's private directory and the paths the module is given. */
struct pt_fx {
	char dir[PATH_MAX];
	char confdir[PATH_MAX];
	char config[PATH_MAX];
	char policy[PATH_MAX];
	char state[PATH_MAX];
	char profiles[PATH_MAX];
	char module[3 * PATH_MAX];   /* "<so> config=... policy=... statedir=..." */
};

/*
 * First call of main(): makes the users and re-executes the program under
 * nss_wrapper (returns only in the re-executed program), or skips the
 * whole program when not root.
 */
void pt_init(int argc, char **argv);

/*
 * Skip the current case (cmocka skip(), a visible "# SKIP" in TAP) when
 * the uids are uid_wrapper's: `why` says what the kernel must enforce.
 */
void pt_need_real_uids(const char *why);

/* cmocka group/test fixtures: a fresh private directory per test. */
int pt_setup(void **state);
int pt_teardown(void **state);

/* "dir/name" in one of four static buffers used in turn. */
const char *pt_path(const struct pt_fx *f, const char *name);

/*
 * Write pam.d/<name>.  Every "@IAMPW@" in `text` becomes the module's
 * absolute path followed by config=, policy= and statedir= of the fixture.
 */
void pt_service(const struct pt_fx *f, const char *name, const char *text);

/* Write a root-owned file with `mode` (replacing any old one). */
void pt_write(const char *path, const char *text, mode_t mode);
/* Read a whole file (NUL-terminated, malloc'd); NULL when absent. */
char *pt_read(const char *path, size_t *len);
bool pt_exists(const char *path);

/* iampw.conf and policy.conf of the fixture. */
void pt_config(const struct pt_fx *f, const char *text);
void pt_policy_text(const struct pt_fx *f, const char *text);
/* A custom policy through the core (what iampw-admin writes). */
void pt_policy(const struct pt_fx *f, const struct iampw_policy_request *r);

/*
 * Set `user`'s shadow entry (hash, last change in days, -1 for empty);
 * user NULL resets every entry to the default (locked, "!").
 */
void pt_shadow(const char *user, const char *hash, long lastchg);
/* A blocklist `name` in the fixture's dir, built by the real pwqfilter from `words`. */
void pt_filter(const struct pt_fx *f, const char *name, const char *words);
/* The account as the core sees it (passwd + shadow), `user` kept by reference. */
void pt_account(const char *user, struct iampw_acct *a);

/* now - days*86400 - 1 hour: `days` whole days old, far from a boundary. */
int64_t pt_days_ago(int64_t days);

/* A fresh profile (no history, never used) as iampw-admin would make it. */
void pt_profile_init(struct iampw_profile *p, const char *user, uid_t uid,
		     int64_t last_changed, bool reset_required);
/* Add `pw` as the newest history entry through the core (keeps `keep`). */
void pt_profile_add_history(const struct pt_fx *f, struct iampw_profile *p,
			    const char *pw, unsigned keep);
/* Save / load through the core's store (root-owned, 0600). */
void pt_profile_save(const struct pt_fx *f, const struct iampw_profile *p);
/* false when the user has no profile; any other failure fails the test. */
bool pt_profile_load(const struct pt_fx *f, const char *user,
		     struct iampw_profile *p);
/* Shorthand: save a profile `days` old. */
void pt_profile(const struct pt_fx *f, const char *user, uid_t uid,
		int64_t days, bool reset_required);
/* Is history entry `i` the hash of `pw` under the profile's salt? */
bool pt_history_is(const struct iampw_profile *p, unsigned i, const char *pw);

/* Run one transaction in a child; fails the test if the child misbehaves. */
void pt_run(const struct pt_fx *f, const struct pt_txn *t, struct pt_result *r);

/*
 * Assert the whole conversation: (style, text) pairs, ended by 0.
 * Prints the conversation seen on a mismatch.
 */
void pt_assert_conv(const struct pt_result *r, ...);
/* The conversation as text, for failure messages. */
void pt_print_conv(const struct pt_result *r);

/* Count files and directories below `dir` (for "nothing created"). */
int pt_tree_count(const char *dir);
/* Does any file below `dir` contain `needle`? */
bool pt_tree_contains(const char *dir, const char *needle);

/*
 * Hold `user`'s profile lock from another process until
 * pt_lock_release(); returns that process's id.
 */
pid_t pt_lock_hold(const struct pt_fx *f, const char *user, int *release_fd);
void pt_lock_release(pid_t pid, int release_fd);

#endif /* IAMPW_PAMTEST_H */
