/*
 * The password stack through real libpam (SPEC §5.2, §5.4, §7):
 *
 *   password requisite pam_iampw.so         (the check, prompts)
 *   password requisite pam_permit.so        (stands in for pam_unix)
 *   password optional  pam_iampw.so commit  (records the change)
 *
 * Callers: passwd run by a user (real uid the user's, effective 0), passwd
 * run by root for someone (0/0, no flag: an admin reset), and sshd or
 * login forcing a change (0/0 with PAM_CHANGE_EXPIRED_AUTHTOK).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <crypt.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pamtest.h"

#define GENERIC PAM_ERROR_MSG, PT_MSG_CONFIG
#define PROMPTS PAM_PROMPT_ECHO_OFF, PT_NEW, PAM_PROMPT_ECHO_OFF, PT_RETYPE
#define FORCED PAM_CHANGE_EXPIRED_AUTHTOK

#define ANSWERS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_ANSWERS ((const char *const[]){ NULL })

/* Good under every policy used here (3+ types, 6+ characters, symbols). */
#define GOOD1 "Blue-Sky-71!"
#define GOOD2 "Green-Hill-82@"
#define GOOD3 "Red-River-93#"
#define GOOD4 "Gold-Field-14$"
#define GOOD5 "Grey-Stone-25%"

#define MSG_PREFIX "Password does not conform to the account password policy: "
#define CLAUSE_SYMBOL \
	"it must contain at least one symbol (! @ # $ % ^ & * ( ) _ + - = [ ] { } | ')"
#define CLAUSE_TYPES \
	"it must contain at least three of these four types: uppercase letters, " \
	"lowercase letters, numbers and symbols (! @ # $ % ^ & * ( ) _ + - = [ ] { } | ')"
/* What the default policy says of "short" (one type, 5 characters). */
#define MSG_SHORT MSG_PREFIX "it must be at least 8 characters long; " CLAUSE_TYPES "."
/* What a custom policy with the default minimum says of 1-5 characters. */
#define MSG_SHORT6 MSG_PREFIX "it must be at least 6 characters long."

/* The reference stack; `store` stands in for pam_unix. */
static void stack(const struct pt_fx *f, const char *name, const char *args,
		  const char *store)
{
	char text[1024];

	assert_true(snprintf(text, sizeof text,
			     "password requisite @IAMPW@%s%s\n"
			     "password requisite %s\n"
			     "password optional  @IAMPW@ commit\n",
			     args != NULL ? " " : "", args != NULL ? args : "",
			     store) < (int)sizeof text);
	pt_service(f, name, text);
}

static void passwd_service(const struct pt_fx *f, const char *args)
{
	stack(f, "passwd", args, "pam_permit.so");
}

/* pam_chauthtok as `ruid` (effective uid 0, as passwd, sshd and login). */
static void chauthtok(const struct pt_fx *f, const char *service, const char *user,
		      uid_t ruid, int flags, const char *const *answers,
		      struct pt_result *r)
{
	struct pt_txn t = {
		.service = service, .user = user, .ruid = ruid, .euid = 0,
		.steps = { { PT_CHAUTHTOK, flags } },
	};

	for (unsigned i = 0; answers[i] != NULL; i++) {
		assert_true(i < PT_ANSWERS_MAX - 1);
		t.answers[i] = answers[i];
	}
	pt_run(f, &t, r);
}

/* alice runs passwd and types `pw` twice. */
static void alice_passwd(const struct pt_fx *f, const char *pw, struct pt_result *r)
{
	chauthtok(f, "passwd", "alice", PT_UID_ALICE, 0, ANSWERS(pw, pw), r);
}

static void policy(const struct pt_fx *f, bool allow, unsigned max_age,
		   unsigned reuse, bool hard)
{
	struct iampw_policy_request req = {
		.allow_users_to_change = allow, .hard_expiry = hard,
		.has_max_age = max_age > 0, .max_age = max_age,
		.has_reuse = reuse > 0, .reuse_prevention = reuse,
	};

	pt_policy(f, &req);
}

static void assert_now(int64_t t)
{
	int64_t now = (int64_t)time(NULL);

	if (t < now - 5 || t > now + 5)
		fail_msg("time %lld is not now (%lld) +- 5 s", (long long)t,
			 (long long)now);
}

/* A profile file must stay byte for byte what it was. */
struct snapshot {
	char *text;
	struct stat st;
};

static void snap(const struct pt_fx *f, const char *user, struct snapshot *s)
{
	char path[PATH_MAX + IAMPW_UID_NAME_SIZE + 2];

	snprintf(path, sizeof path, "%s/%lu", f->profiles, (unsigned long)getpwnam(user)->pw_uid);
	s->text = pt_read(path, NULL);
	assert_non_null(s->text);
	assert_int_equal(stat(path, &s->st), 0);
}

static void assert_unchanged(const struct pt_fx *f, const char *user, struct snapshot *s)
{
	char path[PATH_MAX + IAMPW_UID_NAME_SIZE + 2];
	struct stat st;
	char *now;

	snprintf(path, sizeof path, "%s/%lu", f->profiles, (unsigned long)getpwnam(user)->pw_uid);
	now = pt_read(path, NULL);
	assert_non_null(now);
	assert_string_equal(now, s->text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_ino, s->st.st_ino);
	assert_true(st.st_mtim.tv_sec == s->st.st_mtim.tv_sec &&
		    st.st_mtim.tv_nsec == s->st.st_mtim.tv_nsec);
	free(now);
	free(s->text);
	s->text = NULL;
}

/* ---------------------------------------------------------------------- */
/* Out of scope: prompt, hand on, record nothing                          */

/* The stack with a probe that sees PAM_AUTHTOK as the store module would. */
static void probe_service(const struct pt_fx *f)
{
	pt_service(f, "probe",
		   "password requisite @IAMPW@\n"
		   "password optional  " PT_STRESS_LINE "\n"
		   "password requisite pam_permit.so\n"
		   "password optional  @IAMPW@ commit\n");
}

static void out_of_scope_handed_on(const struct pt_fx *f, const char *user, uid_t ruid)
{
	struct pt_result r;

	/* No rule applies to them: not even the default policy's. */
	chauthtok(f, "probe", user, ruid, 0, ANSWERS("abc", "abc"), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, 0);
	assert_int_equal(r.nprobes, 1);
	assert_true(r.probe[0].set);
	assert_string_equal(r.probe[0].value, "abc");
	assert_false(pt_exists(f->state));
}

static void root_prompted_and_handed_on(void **state)
{
	struct pt_fx *f = *state;

	probe_service(f);
	policy(f, false, 90, 3, true);
	out_of_scope_handed_on(f, "root", 0);
}

static void system_user_prompted_and_handed_on(void **state)
{
	struct pt_fx *f = *state;

	probe_service(f);
	policy(f, false, 90, 3, true);
	out_of_scope_handed_on(f, "sysacct", PT_UID_SYS);
	/* And when root changes it. */
	out_of_scope_handed_on(f, "sysacct", 0);
}

static void out_of_scope_retries_mismatch(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	probe_service(f);
	chauthtok(f, "probe", "root", 0, 0, ANSWERS("abc", "abd", "xyz", "xyz"), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, PAM_ERROR_MSG, PT_MISMATCH, PROMPTS, 0);
	assert_true(r.probe[0].set);
	assert_string_equal(r.probe[0].value, "xyz");
}

static void out_of_scope_mismatch_every_try(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	probe_service(f);
	chauthtok(f, "probe", "root", 0, 0,
		  ANSWERS("a1", "b1", "a2", "b2", "a3", "b3"), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, PROMPTS, PAM_ERROR_MSG, PT_MISMATCH,
		       PROMPTS, PAM_ERROR_MSG, PT_MISMATCH,
		       PROMPTS, PAM_ERROR_MSG, PT_MISMATCH, 0);
}

/* ---------------------------------------------------------------------- */
/* Kinds of change                                                        */

static void voluntary_change_disabled(void **state)
{
	struct pt_fx *f = *state;
	struct snapshot s;
	struct pt_result r;

	passwd_service(f, NULL);
	policy(f, false, 90, 0, false);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	snap(f, "alice", &s);
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_PERM_DENIED);
	/* Refused before any prompt for the new password. */
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_DISABLED, 0);
	assert_unchanged(f, "alice", &s);

	/* In scope without a profile: the same policy applies. */
	chauthtok(f, "passwd", "bob", PT_UID_BOB, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_PERM_DENIED);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_DISABLED, 0);
	assert_false(pt_exists(pt_path(f, "state/profiles/1002")));
}

static void default_policy_allows_voluntary(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	passwd_service(f, NULL);
	assert_false(pt_exists(f->policy));
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, 0);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_now(p.last_changed);

	/* A policy file without a [policy] section is the default policy. */
	pt_policy_text(f, "# no custom policy\n");
	alice_passwd(f, GOOD2, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
}

static void custom_policy_allows_voluntary(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	passwd_service(f, NULL);
	policy(f, true, 90, 0, false);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, 0);
}

/* sshd/login forcing a change: allowed although users may not change. */
static void forced_with_flag_allowed(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	passwd_service(f, NULL);
	policy(f, false, 90, 0, false);
	pt_profile(f, "alice", PT_UID_ALICE, 95, false);
	chauthtok(f, "passwd", "alice", 0, FORCED, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, 0);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_now(p.last_changed);
}

/*
 * The flag alone never makes a change forced (§5.2): `passwd -k` sends
 * it for a password that is current, and so could a login.  Under
 * AllowUsersToChangePassword=false both are voluntary changes, refused.
 */
static void flag_alone_is_voluntary(void **state)
{
	struct pt_fx *f = *state;
	struct snapshot before;
	struct pt_result r;

	passwd_service(f, NULL);
	policy(f, false, 90, 0, false);
	pt_profile(f, "bob", PT_UID_BOB, 10, false);
	snap(f, "bob", &before);
	/* passwd -k run by bob (real uid bob, setuid root). */
	chauthtok(f, "passwd", "bob", PT_UID_BOB, FORCED, ANSWERS(GOOD2, GOOD2), &r);
	assert_int_equal(r.rc[0], PAM_PERM_DENIED);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_DISABLED, 0);
	/* A root program passing the flag for a current password. */
	chauthtok(f, "passwd", "bob", 0, FORCED, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_PERM_DENIED);
	assert_unchanged(f, "bob", &before);
}

/* sshd's password method runs passwd as the user, without the flag. */
static void forced_expired_without_flag(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	passwd_service(f, NULL);
	policy(f, false, 90, 0, false);
	pt_profile(f, "alice", PT_UID_ALICE, 90, false);
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, 0);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_now(p.last_changed);
	/* Now it is not expired: a second change is voluntary, and refused. */
	alice_passwd(f, GOOD2, &r);
	assert_int_equal(r.rc[0], PAM_PERM_DENIED);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_DISABLED, 0);
}

static void forced_reset_without_flag(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	passwd_service(f, NULL);
	policy(f, false, 0, 0, false);
	pt_profile(f, "alice", PT_UID_ALICE, 1, true);
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, 0);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_false(p.reset_required);
}

static void hard_expiry_self_change_refused(void **state)
{
	static const struct {
		uid_t ruid;
		int flags;
	} callers[] = {
		{ PT_UID_ALICE, 0 },       /* passwd by alice: voluntary */
		{ 0, FORCED },             /* sshd/login: forced */
		{ PT_UID_ALICE, FORCED },  /* passwd by alice with the flag */
	};
	struct pt_fx *f = *state;
	struct snapshot s;
	struct pt_result r;

	passwd_service(f, NULL);
	policy(f, true, 90, 3, true);
	pt_profile(f, "alice", PT_UID_ALICE, 90, false);
	for (size_t i = 0; i < sizeof callers / sizeof callers[0]; i++) {
		snap(f, "alice", &s);
		chauthtok(f, "passwd", "alice", callers[i].ruid, callers[i].flags,
			  ANSWERS(GOOD1, GOOD1), &r);
		assert_int_equal(r.rc[0], PAM_PERM_DENIED);
		pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_HARD, 0);
		assert_unchanged(f, "alice", &s);
	}
}

/* passwd alice, run by root: allowed, yet checked like any other change. */
static void hard_expiry_admin_reset(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct snapshot s;
	struct pt_result r;

	passwd_service(f, "retry=1");
	policy(f, false, 90, 3, true);
	pt_profile_init(&p, "alice", PT_UID_ALICE, pt_days_ago(95), false);
	pt_profile_add_history(f, &p, GOOD1, 3);
	pt_profile_save(f, &p);

	snap(f, "alice", &s);
	chauthtok(f, "passwd", "alice", 0, 0, ANSWERS("Ab1!", "Ab1!"), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, PROMPTS, PAM_ERROR_MSG, MSG_SHORT6, 0);
	assert_unchanged(f, "alice", &s);

	snap(f, "alice", &s);
	chauthtok(f, "passwd", "alice", 0, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	assert_true(r.nmsg >= 3);
	assert_string_equal(r.msg[2].text, PT_MSG_REUSED);
	assert_unchanged(f, "alice", &s);

	chauthtok(f, "passwd", "alice", 0, 0, ANSWERS(GOOD2, GOOD2), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, 0);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_now(p.last_changed);
	assert_int_equal(p.nhistory, 2);
	assert_true(pt_history_is(&p, 0, GOOD2));
	assert_true(pt_history_is(&p, 1, GOOD1));
}

static void admin_reset_keeps_reset_required(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	passwd_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 30, true);
	chauthtok(f, "passwd", "alice", 0, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, 0);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_now(p.last_changed);
	assert_true(p.reset_required);
}

/*
 * A stack without the checking instance (misconfigured): commit records
 * the change time, and still tells an admin reset from a self change.
 */
static void commit_without_check(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	pt_service(f, "nocheck",
		   "password optional  " PT_STRESS_LINE "\n"
		   "password optional  @IAMPW@ commit\n");
	pt_profile(f, "alice", PT_UID_ALICE, 30, true);
	chauthtok(f, "nocheck", "alice", 0, 0, NO_ANSWERS, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_now(p.last_changed);
	assert_true(p.reset_required);
	chauthtok(f, "nocheck", "alice", PT_UID_ALICE, 0, NO_ANSWERS, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_false(p.reset_required);
}

static void self_change_clears_reset_required(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	passwd_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 30, true);
	pt_profile(f, "bob", PT_UID_BOB, 30, true);
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_false(p.reset_required);
	assert_now(p.last_changed);
	/* The forced change of a login clears it too. */
	chauthtok(f, "passwd", "bob", 0, FORCED, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	assert_true(pt_profile_load(f, "bob", &p));
	assert_false(p.reset_required);
}

/* ---------------------------------------------------------------------- */
/* Rules, messages and retries                                            */

static void every_failed_rule_in_one_message(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_policy_request req = {
		.has_min_length = true, .min_length = 12,
		.require_symbols = true, .require_numbers = true,
		.require_uppercase = true, .require_lowercase = true,
		.allow_users_to_change = true,
	};
	struct pt_result r;

	passwd_service(f, "retry=1");
	pt_policy(f, &req);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	alice_passwd(f, "abcdefg", &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, PROMPTS, PAM_ERROR_MSG,
		       MSG_PREFIX "it must be at least 12 characters long; "
		       "it must contain at least one uppercase letter (A-Z); "
		       "it must contain at least one number (0-9); "
		       CLAUSE_SYMBOL ".", 0);
}

static void identity_rules(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	passwd_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	/* The user name and the GECOS full name, case-insensitively. */
	chauthtok(f, "passwd", "alice", PT_UID_ALICE, 0,
		  ANSWERS("ALICE", "ALICE", "alice smith", "alice smith", GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r,
		       PROMPTS, PAM_ERROR_MSG,
		       MSG_PREFIX "it must be at least 8 characters long; " CLAUSE_TYPES
		       "; it must not be the same as the user name.",
		       PROMPTS, PAM_ERROR_MSG,
		       MSG_PREFIX CLAUSE_TYPES
		       "; it must not be the same as the user's full name.",
		       PROMPTS, 0);
}

/* The full name under Unicode case folding: "élodie martin" is "Élodie Martin". */
static void identity_rule_folds_unicode(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	passwd_service(f, NULL);
	pt_profile(f, "elodie", PT_UID_ELODIE, 10, false);
	chauthtok(f, "passwd", "elodie", PT_UID_ELODIE, 0,
		  ANSWERS("\xc3\xa9lodie martin", "\xc3\xa9lodie martin", GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r,
		       PROMPTS, PAM_ERROR_MSG,
		       MSG_PREFIX CLAUSE_TYPES
		       "; it must not be the same as the user's full name.",
		       PROMPTS, 0);
}

/* [screening] (§9.1): a listed password and a context word, then a good one. */
static void screening_at_change(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;
	char conf[2 * PATH_MAX];

	pt_filter(f, "bl.pwq", "Summer2024!\npassword\n");
	snprintf(conf, sizeof conf, PT_CONFIG_DEFAULT
		 "[screening]\nblocklist = %s\ncontext = yes\n", pt_path(f, "bl.pwq"));
	pt_config(f, conf);
	passwd_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	chauthtok(f, "passwd", "alice", PT_UID_ALICE, 0,
		  ANSWERS("Summer2024!", "Summer2024!", "password", "password",
			  "Smith#2024", "Smith#2024"), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r,
		       PROMPTS, PAM_ERROR_MSG,
		       MSG_PREFIX "it appears in a list of passwords that are known "
		       "to be breached or easily guessed.",
		       PROMPTS, PAM_ERROR_MSG,
		       MSG_PREFIX CLAUSE_TYPES "; it appears in a list of passwords "
		       "that are known to be breached or easily guessed.",
		       PROMPTS, PAM_ERROR_MSG,
		       MSG_PREFIX "it must not contain the user name, the host name "
		       "or a word of the user's full name.",
		       0);
	chauthtok(f, "passwd", "alice", PT_UID_ALICE, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
}

/* A configured filter that is missing or malformed stops the change. */
static void screening_filter_broken(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;
	char conf[2 * PATH_MAX];

	snprintf(conf, sizeof conf, PT_CONFIG_DEFAULT "[screening]\nblocklist = %s\n",
		 pt_path(f, "missing.pwq"));
	pt_config(f, conf);
	passwd_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	chauthtok(f, "passwd", "alice", PT_UID_ALICE, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, GENERIC, 0);
	/* Not a filter at all. */
	pt_write(pt_path(f, "missing.pwq"), "not a filter, but long enough to hold a "
		 "header of sixty-four bytes, or nearly so\n", 0644);
	chauthtok(f, "passwd", "alice", PT_UID_ALICE, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, GENERIC, 0);
	/* A good filter, writable by others. */
	pt_filter(f, "missing.pwq", "password\n");
	assert_int_equal(chmod(pt_path(f, "missing.pwq"), 0666), 0);
	chauthtok(f, "passwd", "alice", PT_UID_ALICE, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, GENERIC, 0);
	/* Fixed: the change goes through. */
	assert_int_equal(chmod(pt_path(f, "missing.pwq"), 0644), 0);
	chauthtok(f, "passwd", "alice", PT_UID_ALICE, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
}

static void retry_three_rounds(void **state)
{
	struct pt_fx *f = *state;
	struct snapshot s;
	struct pt_result r;

	passwd_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	snap(f, "alice", &s);
	/* A fourth round would find no answer and end in PAM_CONV_ERR. */
	chauthtok(f, "passwd", "alice", PT_UID_ALICE, 0,
		  ANSWERS("short", "short", "short", "short", "short", "short"), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	assert_int_equal(r.nprompts, 6);
	pt_assert_conv(&r, PROMPTS, PAM_ERROR_MSG, MSG_SHORT,
		       PROMPTS, PAM_ERROR_MSG, MSG_SHORT,
		       PROMPTS, PAM_ERROR_MSG, MSG_SHORT, 0);
	assert_unchanged(f, "alice", &s);
}

static void retry_one_round(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	passwd_service(f, "retry=1");
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	chauthtok(f, "passwd", "alice", PT_UID_ALICE, 0,
		  ANSWERS("short", "short", GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, PROMPTS, PAM_ERROR_MSG, MSG_SHORT, 0);
}

static void retry_then_success(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	passwd_service(f, NULL);
	policy(f, true, 0, 2, false);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	chauthtok(f, "passwd", "alice", PT_UID_ALICE, 0,
		  ANSWERS("abc", "abc", GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, PAM_ERROR_MSG, MSG_SHORT6, PROMPTS, 0);
	/* What was recorded is the accepted password, not the refused one. */
	assert_true(pt_profile_load(f, "alice", &p));
	assert_int_equal(p.nhistory, 1);
	assert_true(pt_history_is(&p, 0, GOOD1));
}

static void mismatch_counts_as_a_try(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	passwd_service(f, "retry=2");
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	chauthtok(f, "passwd", "alice", PT_UID_ALICE, 0,
		  ANSWERS(GOOD1, GOOD2, "short", "short", GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, PROMPTS, PAM_ERROR_MSG, PT_MISMATCH,
		       PROMPTS, PAM_ERROR_MSG, MSG_SHORT, 0);

	chauthtok(f, "passwd", "alice", PT_UID_ALICE, 0,
		  ANSWERS(GOOD1, GOOD2, GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, PAM_ERROR_MSG, PT_MISMATCH, PROMPTS, 0);

	passwd_service(f, "retry=1");
	chauthtok(f, "passwd", "alice", PT_UID_ALICE, 0,
		  ANSWERS(GOOD1, GOOD2, GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, PROMPTS, PAM_ERROR_MSG, PT_MISMATCH, 0);
}

/* ---------------------------------------------------------------------- */
/* PAM_AUTHTOK: use_authtok, hand-over, and nothing after a refusal       */

/* A stacked module (pam_stress) sets PAM_AUTHTOK before ours. */
static void preset_service(const struct pt_fx *f)
{
	pt_service(f, "preset",
		   "password required  " PT_STRESS_LINE "\n"
		   "password requisite @IAMPW@ use_authtok\n"
		   "password requisite pam_permit.so\n"
		   "password optional  @IAMPW@ commit\n");
}

static void use_authtok_takes_preset(void **state)
{
	struct pt_fx *f = *state;
	struct pt_txn t = {
		.service = "preset", .user = "alice", .ruid = PT_UID_ALICE,
		.steps = { { PT_CHAUTHTOK, 0 } }, .stress_answer = GOOD3,
	};
	struct iampw_profile p;
	struct pt_result r;

	preset_service(f);
	policy(f, true, 0, 3, false);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	pt_run(f, &t, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	/* No prompt of ours. */
	pt_assert_conv(&r, 0);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_int_equal(p.nhistory, 1);
	assert_true(pt_history_is(&p, 0, GOOD3));
	assert_now(p.last_changed);
}

static void use_authtok_checks_preset(void **state)
{
	struct pt_fx *f = *state;
	struct pt_txn t = {
		.service = "preset", .user = "alice", .ruid = PT_UID_ALICE,
		.steps = { { PT_CHAUTHTOK, 0 } }, .stress_answer = "short",
	};
	struct snapshot s;
	struct pt_result r;

	preset_service(f);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	snap(f, "alice", &s);
	pt_run(f, &t, &r);
	/* One try only: there is nobody to ask again. */
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, PAM_ERROR_MSG, MSG_SHORT, 0);
	assert_unchanged(f, "alice", &s);
}

static void use_authtok_without_token(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	passwd_service(f, "use_authtok");
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, 0);
}

static void accepted_token_handed_on(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	probe_service(f);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	chauthtok(f, "probe", "alice", PT_UID_ALICE, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, 0);
	assert_int_equal(r.nprobes, 1);
	assert_true(r.probe[0].set);
	assert_string_equal(r.probe[0].value, GOOD1);
}

static void refused_token_not_handed_on(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	/* `required`, so that the stack goes on to the probe after a failure. */
	pt_service(f, "after",
		   "password required @IAMPW@ retry=1\n"
		   "password optional " PT_STRESS_LINE "\n");
	policy(f, true, 0, 3, false);
	pt_profile_init(&p, "alice", PT_UID_ALICE, pt_days_ago(10), false);
	pt_profile_add_history(f, &p, GOOD1, 3);
	pt_profile_save(f, &p);
	chauthtok(f, "after", "alice", PT_UID_ALICE, 0, ANSWERS("short", "short"), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, PROMPTS, PAM_ERROR_MSG, MSG_SHORT6, 0);
	assert_int_equal(r.nprobes, 1);
	assert_false(r.probe[0].set);
	/* A reused password is not handed on either. */
	chauthtok(f, "after", "alice", PT_UID_ALICE, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, PROMPTS, PAM_ERROR_MSG, PT_MSG_REUSED, 0);
	assert_int_equal(r.nprobes, 1);
	assert_false(r.probe[0].set);
}

/* ---------------------------------------------------------------------- */
/* History and commit                                                     */

static void reuse_prevention_window(void **state)
{
	static const char *const pw[] = { GOOD1, GOOD2, GOOD3, GOOD4 };
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct snapshot s;
	struct pt_result r;

	passwd_service(f, "retry=1");
	policy(f, true, 0, 3, false);
	/* Build the history through the stack, as passwd would. */
	for (unsigned i = 0; i < 4; i++) {
		alice_passwd(f, pw[i], &r);
		assert_int_equal(r.rc[0], PAM_SUCCESS);
		assert_true(pt_profile_load(f, "alice", &p));
		assert_int_equal(p.nhistory, i + 1 < 3 ? i + 1 : 3);
		for (unsigned k = 0; k < p.nhistory; k++)
			assert_true(pt_history_is(&p, k, pw[i - k]));
	}
	/* The current password and the two before it are refused... */
	for (unsigned i = 1; i < 4; i++) {
		snap(f, "alice", &s);
		alice_passwd(f, pw[i], &r);
		assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
		pt_assert_conv(&r, PROMPTS, PAM_ERROR_MSG, PT_MSG_REUSED, 0);
		assert_unchanged(f, "alice", &s);
	}
	/* ...the fourth most recent is out of the window. */
	alice_passwd(f, pw[0], &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, 0);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_int_equal(p.nhistory, 3);
	assert_true(pt_history_is(&p, 0, GOOD1));
	assert_true(pt_history_is(&p, 1, GOOD4));
	assert_true(pt_history_is(&p, 2, GOOD3));
}

static void commit_records_change(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile before, after;
	struct pt_result r;

	passwd_service(f, NULL);
	policy(f, true, 90, 5, false);
	pt_profile_init(&before, "alice", PT_UID_ALICE, pt_days_ago(50), false);
	before.create_date = pt_days_ago(400);
	before.last_used = pt_days_ago(2);
	pt_profile_add_history(f, &before, GOOD1, 5);
	pt_profile_save(f, &before);
	alice_passwd(f, GOOD2, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	assert_true(pt_profile_load(f, "alice", &after));
	assert_now(after.last_changed);
	assert_int_equal(after.create_date, before.create_date);
	assert_int_equal(after.last_used, before.last_used);
	assert_int_equal(after.uid, PT_UID_ALICE);
	assert_string_equal(after.salt, before.salt);
	assert_int_equal(after.nhistory, 2);
	assert_string_equal(after.history[1], before.history[0]);
	assert_true(pt_history_is(&after, 0, GOOD2));
}

static void store_fails(const struct pt_fx *f, const char *store, int rc, bool prompted)
{
	struct snapshot s;
	struct pt_result r;

	stack(f, "passwd", NULL, store);
	snap(f, "alice", &s);
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], rc);
	if (prompted)
		pt_assert_conv(&r, PROMPTS, 0);
	else
		pt_assert_conv(&r, 0);
	assert_unchanged(f, "alice", &s);

	/* And no profile appears for a user who had none. */
	chauthtok(f, "passwd", "bob", PT_UID_BOB, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], rc);
	assert_false(pt_exists(pt_path(f, "state/profiles/1002")));
}

/* The store module fails: commit is not reached and nothing changes. */
static void commit_not_reached_records_nothing(void **state)
{
	struct pt_fx *f = *state;

	policy(f, true, 90, 3, false);
	pt_profile(f, "alice", PT_UID_ALICE, 95, true);
	/* pam_deny fails the preliminary pass: nobody is even prompted. */
	store_fails(f, "pam_deny.so", PAM_AUTHTOK_ERR, false);
	/*
	 * pam_stress fail_1 fails the update pass only, like pam_unix
	 * failing to write /etc/shadow: our check has prompted, hashed and
	 * taken the lock by then.
	 */
	store_fails(f, "pam_stress.so fail_1", PAM_AUTHTOK_LOCK_BUSY, true);
	/* pam_end released that lock: the next change goes through. */
	stack(f, "passwd", NULL, "pam_permit.so");
	{
		struct pt_result r;

		alice_passwd(f, GOOD2, &r);
		assert_int_equal(r.rc[0], PAM_SUCCESS);
		assert_true(r.seconds < 4.0);
	}
}

static void mode_is(const char *path, mode_t mode)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, mode);
	assert_int_equal(st.st_uid, 0);
}

static void profile_created_at_commit(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	passwd_service(f, NULL);
	assert_false(pt_exists(f->state));
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, 0);
	mode_is(f->state, 0700);
	mode_is(f->profiles, 0700);
	mode_is(pt_path(f, "state/profiles/1001"), 0600);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_string_equal(p.user, "alice");
	assert_int_equal(p.uid, PT_UID_ALICE);
	assert_now(p.create_date);
	assert_now(p.last_changed);
	assert_false(p.reset_required);
	assert_int_equal(p.last_used, 0);
	/* The default policy keeps no history. */
	assert_int_equal(p.nhistory, 0);

	/* With a reuse policy the first change starts the history. */
	policy(f, true, 0, 2, false);
	chauthtok(f, "passwd", "bob", PT_UID_BOB, 0, ANSWERS(GOOD2, GOOD2), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	assert_true(pt_profile_load(f, "bob", &p));
	assert_int_equal(p.nhistory, 1);
	assert_true(pt_history_is(&p, 0, GOOD2));
}

/* Replace the first occurrence of `from` in alice's profile with `to`. */
static void edit_profile(const struct pt_fx *f, const char *from, const char *to)
{
	char path[PATH_MAX + 8], out[16384];
	char *text, *at;

	snprintf(path, sizeof path, "%s/%d", f->profiles, PT_UID_ALICE);
	text = pt_read(path, NULL);
	assert_non_null(text);
	at = strstr(text, from);
	assert_non_null(at);
	*at = '\0';
	assert_true(snprintf(out, sizeof out, "%s%s%s", text, to, at + strlen(from)) <
		    (int)sizeof out);
	pt_write(path, out, 0600);
	free(text);
}

static void malformed_history_refused(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct snapshot s;
	struct pt_result r;
	char entry[CRYPT_OUTPUT_SIZE + 8], bad[CRYPT_OUTPUT_SIZE + 8];

	passwd_service(f, NULL);
	policy(f, true, 0, 3, false);
	pt_profile_init(&p, "alice", PT_UID_ALICE, pt_days_ago(10), false);
	pt_profile_add_history(f, &p, GOOD1, 3);
	pt_profile_save(f, &p);

	/* An entry one character short. */
	snprintf(entry, sizeof entry, "h1 = %s\n", p.history[0]);
	snprintf(bad, sizeof bad, "%s", entry);
	bad[strlen(bad) - 2] = '\n';
	bad[strlen(bad) - 1] = '\0';
	edit_profile(f, entry, bad);
	snap(f, "alice", &s);
	alice_passwd(f, GOOD2, &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, GENERIC, 0);
	assert_unchanged(f, "alice", &s);

	/* An entry made with another salt than the profile's. */
	pt_profile_save(f, &p);
	{
		struct iampw_profile other;

		pt_profile_init(&other, "alice", PT_UID_ALICE, 0, false);
		pt_profile_add_history(f, &other, GOOD3, 3);
		snprintf(bad, sizeof bad, "h1 = %s\n", other.history[0]);
	}
	edit_profile(f, entry, bad);
	alice_passwd(f, GOOD2, &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, GENERIC, 0);

	/*
	 * A cost above the ceiling (sha512crypt, 2000000 rounds), with an
	 * entry of the right shape under it: never hashed, refused first.
	 */
	pt_profile_save(f, &p);
	{
		static const char setting[] = "$6$rounds=2000000$abcdefgh";
		char line[256];

		snprintf(line, sizeof line, "salt = %s\n", setting);
		snprintf(bad, sizeof bad, "salt = %s\n", p.salt);
		edit_profile(f, bad, line);
		snprintf(line, sizeof line, "h1 = %s$%086d\n", setting, 0);
		edit_profile(f, entry, line);
	}
	alice_passwd(f, GOOD2, &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, GENERIC, 0);

	/* Intact again: the same password is fine. */
	pt_profile_save(f, &p);
	alice_passwd(f, GOOD2, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
}

static void history_never_plaintext(void **state)
{
	static const char secret[] = "Plain-Text-Secret-9";
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	passwd_service(f, NULL);
	policy(f, true, 0, 24, false);
	alice_passwd(f, secret, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_int_equal(p.nhistory, 2);
	assert_true(pt_history_is(&p, 1, secret));
	assert_false(pt_tree_contains(f->dir, secret));
	assert_false(pt_tree_contains(f->dir, "Plain-Text"));
	assert_false(pt_tree_contains(f->dir, GOOD1));
}

/* ---------------------------------------------------------------------- */
/* Broken configuration (§7)                                              */

static void broken_config_refuses(void **state)
{
	struct pt_fx *f = *state;
	char detail[PATH_MAX + 64];
	struct snapshot s;
	struct pt_result r;

	passwd_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	snap(f, "alice", &s);
	pt_config(f, "[scope]\nmin_uid = 1000\nmin_uids = 5\n");
	/* alice running passwd: the generic sentence only. */
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, GENERIC, 0);
	/* sshd or login forcing a change (real uid 0): not an admin either. */
	chauthtok(f, "passwd", "alice", 0, FORCED, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, GENERIC, 0);
	/* root running `passwd alice`: the file:line detail. */
	chauthtok(f, "passwd", "alice", 0, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	assert_int_equal(r.nmsg, 1);
	assert_int_equal(r.msg[0].style, PAM_ERROR_MSG);
	snprintf(detail, sizeof detail, "%s:3: ", f->config);
	if (strncmp(r.msg[0].text, detail, strlen(detail)) != 0 ||
	    strstr(r.msg[0].text, "min_uids") == NULL) {
		pt_print_conv(&r);
		fail_msg("expected the detail \"%s...min_uids...\"", detail);
	}
	assert_unchanged(f, "alice", &s);
	/* root's own password is out of scope and still changes. */
	chauthtok(f, "passwd", "root", 0, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, 0);
	/* So does a system account's: outside the default scope. */
	chauthtok(f, "passwd", "sysacct", 0, 0, ANSWERS("abc", "abc"), &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, 0);
}

static void broken_policy_refuses(void **state)
{
	struct pt_fx *f = *state;
	char detail[PATH_MAX + 64];
	struct pt_result r;

	passwd_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	pt_policy_text(f, "[policy]\nhard_expiry = maybe\n");
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, GENERIC, 0);
	chauthtok(f, "passwd", "alice", 0, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	assert_int_equal(r.nmsg, 1);
	snprintf(detail, sizeof detail, "%s:2: ", f->policy);
	if (strncmp(r.msg[0].text, detail, strlen(detail)) != 0 ||
	    strstr(r.msg[0].text, "hard_expiry") == NULL) {
		pt_print_conv(&r);
		fail_msg("expected the detail \"%s...hard_expiry...\"", detail);
	}
}

static void unsafe_profile_refuses(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	passwd_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	assert_int_equal(chmod(pt_path(f, "state/profiles/1001"), 0666), 0);
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, GENERIC, 0);
}

static void unknown_option_refuses(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	passwd_service(f, "no_such_option");
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	pt_assert_conv(&r, GENERIC, 0);
	/* root running `passwd alice` is told which option. */
	chauthtok(f, "passwd", "alice", 0, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	assert_int_equal(r.nmsg, 1);
	if (strstr(r.msg[0].text, "'no_such_option'") == NULL) {
		pt_print_conv(&r);
		fail_msg("expected the option's name in the message");
	}
}

/*
 * Why a change was refused, as a code (IAMPW_RESULT) for an application
 * that asked, as iampw-admin does; nothing for one that did not.
 */
static void result_of(const struct pt_fx *f, uid_t ruid, const char *pw, bool ask,
		      struct pt_result *r)
{
	struct pt_txn t = {
		.service = "passwd", .user = "alice", .ruid = ruid, .euid = 0,
		.steps = { { PT_CHAUTHTOK, 0 } }, .answers = { pw, pw }, .ask_result = ask,
	};

	pt_run(f, &t, r);
}

static void assert_result(const struct pt_result *r, int rc, const char *code)
{
	assert_int_equal(r->rc[0], rc);
	if (code == NULL) {
		assert_false(r->result_set);
		return;
	}
	assert_true(r->result_set);
	assert_string_equal(r->result, code);
}

static void result_code_when_asked(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	passwd_service(f, "retry=1");
	policy(f, true, 0, 3, false);
	pt_profile_init(&p, "alice", PT_UID_ALICE, pt_days_ago(1), false);
	pt_profile_add_history(f, &p, GOOD1, 3);
	pt_profile_save(f, &p);
	for (int ask = 0; ask <= 1; ask++) {
		result_of(f, 0, "Ab1!", ask, &r);
		assert_result(&r, PAM_AUTHTOK_ERR, ask ? IAMPW_RESULT_POLICY : NULL);
		result_of(f, PT_UID_ALICE, GOOD1, ask, &r);
		assert_result(&r, PAM_AUTHTOK_ERR, ask ? IAMPW_RESULT_REUSED : NULL);
	}
	/* A change that goes through leaves the request as it was. */
	result_of(f, 0, GOOD2, true, &r);
	assert_result(&r, PAM_SUCCESS, "");
	pt_policy_text(f, "[policy]\nhard_expiry = maybe\n");
	for (int ask = 0; ask <= 1; ask++) {
		result_of(f, 0, GOOD1, ask, &r);
		assert_result(&r, PAM_AUTHTOK_ERR, ask ? IAMPW_RESULT_CONFIG : NULL);
		result_of(f, PT_UID_ALICE, GOOD1, ask, &r);
		assert_result(&r, PAM_AUTHTOK_ERR, ask ? IAMPW_RESULT_CONFIG : NULL);
	}
	passwd_service(f, "no_such_option");
	result_of(f, 0, GOOD1, true, &r);
	assert_result(&r, PAM_AUTHTOK_ERR, IAMPW_RESULT_CONFIG);
}

/* ---------------------------------------------------------------------- */
/* The per-user lock                                                      */

static void lock_busy(void **state)
{
	struct pt_fx *f = *state;
	struct snapshot s;
	struct pt_result r;
	int release;
	pid_t holder;

	passwd_service(f, NULL);
	policy(f, true, 0, 3, false);
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	snap(f, "alice", &s);
	holder = pt_lock_hold(f, "alice", &release);
	alice_passwd(f, GOOD1, &r);
	pt_lock_release(holder, release);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_LOCK_BUSY);
	if (r.seconds < 4.0 || r.seconds > 8.0)
		fail_msg("gave up after %.2f s, not about 5 s", r.seconds);
	pt_assert_conv(&r, PROMPTS, 0);
	assert_unchanged(f, "alice", &s);
	/* Released: the same change goes through. */
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	assert_true(r.seconds < 4.0);
}

/* ---------------------------------------------------------------------- */
/* Which account a profile belongs to (§3.1)                              */

static long day_ago(long days)
{
	return (long)(time(NULL) / 86400) - days;
}

/*
 * A re-created alice (another shadow entry under the same uid) may use
 * the old owner's password: the old history is never consulted, so no
 * answer reveals anything about it.  The change is forced (reset
 * required), so allowed although users may not change, and it starts a
 * new profile bound to the account as it is now.
 */
static void recreated_account_fresh_history(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct iampw_acct a;
	struct pt_result r;

	passwd_service(f, NULL);
	policy(f, false, 0, 24, false);
	pt_shadow("alice", PT_HASH_A, day_ago(30));
	pt_profile_init(&p, "alice", PT_UID_ALICE, pt_days_ago(30), false);
	pt_profile_add_history(f, &p, GOOD1, 24);
	pt_profile_add_history(f, &p, GOOD2, 24);
	p.create_date = 1700000000;
	p.last_used = 1700000000;
	pt_profile_save(f, &p);
	/* The same account: its history applies. */
	chauthtok(f, "passwd", "alice", 0, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	assert_true(r.nmsg >= 3);
	assert_string_equal(r.msg[2].text, PT_MSG_REUSED);

	pt_shadow("alice", PT_HASH_B, day_ago(0));
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PROMPTS, 0);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_int_equal(p.nhistory, 1);
	assert_true(pt_history_is(&p, 0, GOOD1));
	assert_now(p.create_date);
	assert_now(p.last_changed);
	assert_int_equal(p.last_used, 0);
	assert_false(p.reset_required);
	pt_account("alice", &a);
	assert_string_equal(p.account, a.fp);
}

/* No profile and a usable password: shadow's dates decide the kind of change. */
static void no_profile_shadow_kind(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	passwd_service(f, NULL);
	policy(f, false, 90, 0, false);
	/* Current: a voluntary change, disabled. */
	pt_shadow("alice", PT_HASH_A, day_ago(10));
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_PERM_DENIED);
	assert_false(pt_exists(pt_path(f, "state/profiles/1001")));
	/* 400 days old: expired, a forced change, allowed; the profile is made. */
	pt_shadow("alice", PT_HASH_A, day_ago(400));
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_now(p.last_changed);
	assert_string_equal(p.user, "alice");
	/* Hard expiry: only an administrator may reset it. */
	pt_shadow("bob", PT_HASH_A, day_ago(400));
	policy(f, true, 90, 0, true);
	chauthtok(f, "passwd", "bob", PT_UID_BOB, 0, ANSWERS(GOOD1, GOOD1), &r);
	assert_int_equal(r.rc[0], PAM_PERM_DENIED);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_HARD, 0);
}

/* A renamed account's change keeps its history and records the new name. */
static void renamed_account_change(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	passwd_service(f, NULL);
	policy(f, true, 0, 24, false);
	pt_shadow("alice", PT_HASH_A, day_ago(3));
	pt_profile_init(&p, "alice", PT_UID_ALICE, pt_days_ago(3), false);
	pt_profile_add_history(f, &p, GOOD1, 24);
	strcpy(p.user, "old-name");
	pt_profile_save(f, &p);
	alice_passwd(f, GOOD1, &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	alice_passwd(f, GOOD2, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_int_equal(p.nhistory, 2);
	assert_string_equal(p.user, "alice");
}

/*
 * A token an earlier module set (pam_pwquality, pam_passwdqc) is checked
 * once and never replaced by a prompt of ours: refused, the stack fails.
 */
static void preset_token_never_reprompted(void **state)
{
	struct pt_fx *f = *state;
	char text[1024];
	struct pt_txn t = {
		.service = "preset", .user = "alice", .ruid = PT_UID_ALICE, .euid = 0,
		.steps = { { PT_CHAUTHTOK, 0 } },
		.answers = { "short", "short", GOOD1, GOOD1 },
		.stress_answer = "short",
	};
	struct pt_result r;

	assert_true(snprintf(text, sizeof text,
			     "password required " PT_STRESS_LINE "\n"
			     "password requisite @IAMPW@\n"
			     "password required pam_permit.so\n") < (int)sizeof text);
	pt_service(f, "preset", text);
	policy(f, true, 0, 0, false);
	pt_run(f, &t, &r);
	assert_int_equal(r.rc[0], PAM_AUTHTOK_ERR);
	/* No prompt of ours: only the refusal. */
	assert_int_equal(r.nprompts, 0);
	assert_false(pt_exists(pt_path(f, "state/profiles/1001")));
}

#define T(name) cmocka_unit_test_setup_teardown(name, pt_setup, pt_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(root_prompted_and_handed_on),
		T(system_user_prompted_and_handed_on),
		T(out_of_scope_retries_mismatch),
		T(out_of_scope_mismatch_every_try),
		T(commit_without_check),
		T(voluntary_change_disabled),
		T(default_policy_allows_voluntary),
		T(custom_policy_allows_voluntary),
		T(forced_with_flag_allowed),
		T(flag_alone_is_voluntary),
		T(recreated_account_fresh_history),
		T(no_profile_shadow_kind),
		T(renamed_account_change),
		T(preset_token_never_reprompted),
		T(forced_expired_without_flag),
		T(forced_reset_without_flag),
		T(hard_expiry_self_change_refused),
		T(hard_expiry_admin_reset),
		T(admin_reset_keeps_reset_required),
		T(self_change_clears_reset_required),
		T(every_failed_rule_in_one_message),
		T(identity_rules),
		T(identity_rule_folds_unicode),
		T(screening_at_change),
		T(screening_filter_broken),
		T(retry_three_rounds),
		T(retry_one_round),
		T(retry_then_success),
		T(mismatch_counts_as_a_try),
		T(use_authtok_takes_preset),
		T(use_authtok_checks_preset),
		T(use_authtok_without_token),
		T(accepted_token_handed_on),
		T(refused_token_not_handed_on),
		T(reuse_prevention_window),
		T(commit_records_change),
		T(commit_not_reached_records_nothing),
		T(profile_created_at_commit),
		T(malformed_history_refused),
		T(history_never_plaintext),
		T(broken_config_refuses),
		T(broken_policy_refuses),
		T(unsafe_profile_refuses),
		T(unknown_option_refuses),
		T(result_code_when_asked),
		T(lock_busy),
	};

	pt_init(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
