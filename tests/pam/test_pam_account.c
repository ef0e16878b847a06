/*
 * The account stack through real libpam (SPEC §5.1, §7): every row of
 * the account decision, scope, key logins, and fail-closed handling of
 * broken files.  Unless a case says otherwise the caller is sshd or
 * login: real and effective uid 0.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pamtest.h"

#define GENERIC PAM_ERROR_MSG, PT_MSG_CONFIG

/*
 * The "login" service: the reference auth line, and the account line
 * under test followed by the PT-REACHED probe that reveals PAM_IGNORE.
 */
static void login_service(const struct pt_fx *f, const char *args)
{
	char text[1024];

	assert_true(snprintf(text, sizeof text,
			     "auth    required pam_permit.so\n"
			     "auth    optional @IAMPW@\n"
			     "account [success=done ignore=ignore default=die] @IAMPW@%s%s\n"
			     "account optional " PT_REACHED_LINE "\n",
			     args != NULL ? " " : "", args != NULL ? args : "") <
		    (int)sizeof text);
	pt_service(f, "login", text);
}

/* pam_acct_mgmt alone (a key login, or any login without our auth line). */
static void acct_check_as(const struct pt_fx *f, const char *user, uid_t ruid, uid_t euid,
		    int flags, struct pt_result *r)
{
	struct pt_txn t = {
		.service = "login", .user = user, .ruid = ruid, .euid = euid,
		.steps = { { PT_ACCT, flags } },
	};

	pt_run(f, &t, r);
}

static void acct_check(const struct pt_fx *f, const char *user, int flags,
		 struct pt_result *r)
{
	acct_check_as(f, user, 0, 0, flags, r);
}

/* pam_authenticate then pam_acct_mgmt in one handle: a password login. */
static void password_login(const struct pt_fx *f, const char *user,
			   struct pt_result *r)
{
	struct pt_txn t = {
		.service = "login", .user = user,
		.steps = { { PT_AUTH, 0 }, { PT_ACCT, 0 } },
	};

	pt_run(f, &t, r);
	assert_int_equal(r->rc[0], PAM_SUCCESS);
}

static void policy_max_age(const struct pt_fx *f, unsigned days, bool hard)
{
	struct iampw_policy_request req = {
		.has_max_age = true, .max_age = days, .hard_expiry = hard,
		.allow_users_to_change = true,
	};

	pt_policy(f, &req);
}

/*
 * MaxPasswordAge=90 and a profile for every account: expired for the
 * users, reset-required for root and the system account.
 */
static void expired_profiles(const struct pt_fx *f)
{
	policy_max_age(f, 90, false);
	pt_profile(f, "root", 0, 400, true);
	pt_profile(f, "sysacct", PT_UID_SYS, 400, true);
	pt_profile(f, "alice", PT_UID_ALICE, 100, false);
	pt_profile(f, "bob", PT_UID_BOB, 100, false);
	pt_profile(f, "carol", PT_UID_CAROL, 100, false);
	pt_profile(f, "dave", PT_UID_DAVE, 100, false);
}

static void expect_ignored(const struct pt_fx *f, const char *user)
{
	struct pt_result r;

	acct_check(f, user, 0, &r);
	if (r.rc[0] != PAM_IGNORE)
		print_message("# user '%s'\n", user);
	assert_int_equal(r.rc[0], PAM_IGNORE);
	pt_assert_conv(&r, 0);
}

static void expect_expired(const struct pt_fx *f, const char *user)
{
	struct pt_result r;

	acct_check(f, user, 0, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_EXPIRED, 0);
}

/* ---------------------------------------------------------------------- */
/* Who is out of scope                                                    */

static void root_is_ignored(void **state)
{
	struct pt_fx *f = *state;

	login_service(f, NULL);
	expired_profiles(f);
	expect_ignored(f, "root");
}

static void system_account_is_ignored(void **state)
{
	struct pt_fx *f = *state;

	login_service(f, NULL);
	expired_profiles(f);
	expect_ignored(f, "sysacct");
	/* The same profile state counts for an account in scope. */
	expect_expired(f, "alice");
}

static void no_profile_is_ignored(void **state)
{
	struct pt_fx *f = *state;

	login_service(f, NULL);
	policy_max_age(f, 90, false);
	pt_profile(f, "bob", PT_UID_BOB, 100, true);
	expect_ignored(f, "alice");
	assert_false(pt_exists(pt_path(f, "state/profiles/1001")));
}

static void unknown_and_hostile_names_are_ignored(void **state)
{
	static const char *const names[] = {
		"nosuchuser", "../x", "a/b", "..", ".alice.lock", "-alice",
		"alice/../bob",
		/* 33 bytes: one over the longest profile name. */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct pt_fx *f = *state;
	struct iampw_profile p;
	int before;

	login_service(f, NULL);
	policy_max_age(f, 90, true);
	pt_profile(f, "bob", PT_UID_BOB, 100, false);
	/* What "../x" would reach from the profiles dir: a hard-expired profile. */
	pt_profile_init(&p, "x", 1099, pt_days_ago(100), false);
	pt_profile_save(f, &p);
	assert_int_equal(rename(pt_path(f, "state/profiles/1099"), pt_path(f, "state/x")), 0);
	before = pt_tree_count(f->dir);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		expect_ignored(f, names[i]);
	assert_int_equal(pt_tree_count(f->dir), before);
}

/* ---------------------------------------------------------------------- */
/* §5.1 in order                                                          */

static void reset_required(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 1, true);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_RESET, 0);
}

/* Reset required comes before (hard) expiry in §5.1's order. */
static void reset_required_before_expiry(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, NULL);
	policy_max_age(f, 90, true);
	pt_profile(f, "alice", PT_UID_ALICE, 200, true);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_RESET, 0);
}

/* MaxPasswordAge 90, warn_days 15 (default): the state at `day`. */
static void at_day(const struct pt_fx *f, int64_t day, bool hard, struct pt_result *r)
{
	login_service(f, NULL);
	policy_max_age(f, 90, hard);
	pt_profile(f, "alice", PT_UID_ALICE, day, false);
	acct_check(f, "alice", 0, r);
}

static void day_74_no_warning(void **state)
{
	struct pt_result r;

	at_day(*state, 74, false, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, 0);
}

static void day_75_warns_15_days(void **state)
{
	struct pt_result r;

	at_day(*state, 75, false, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PAM_TEXT_INFO, "Your password will expire in 15 days.", 0);
}

static void day_88_warns_2_days(void **state)
{
	struct pt_result r;

	at_day(*state, 88, false, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PAM_TEXT_INFO, "Your password will expire in 2 days.", 0);
}

static void day_89_warns_1_day(void **state)
{
	struct pt_result r;

	at_day(*state, 89, false, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PAM_TEXT_INFO, "Your password will expire in 1 day.", 0);
}

static void day_90_expired(void **state)
{
	struct pt_result r;

	at_day(*state, 90, false, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_EXPIRED, 0);
}

static void day_500_expired(void **state)
{
	struct pt_result r;

	at_day(*state, 500, false, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_EXPIRED, 0);
}

static void hard_expiry_day_90(void **state)
{
	struct pt_result r;

	at_day(*state, 90, true, &r);
	assert_int_equal(r.rc[0], PAM_ACCT_EXPIRED);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_HARD, 0);
}

static void hard_expiry_day_89_warns(void **state)
{
	struct pt_result r;

	at_day(*state, 89, true, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PAM_TEXT_INFO, "Your password will expire in 1 day.", 0);
}

/* No MaxPasswordAge: never expires, however old. */
static void no_max_age_never_expires(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 3000, false);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, 0);
}

static void warn_days_from_config(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, NULL);
	policy_max_age(f, 90, false);
	pt_config(f, PT_CONFIG_DEFAULT "[account]\nwarn_days = 30\n");
	pt_profile(f, "alice", PT_UID_ALICE, 60, false);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PAM_TEXT_INFO, "Your password will expire in 30 days.", 0);

	pt_config(f, PT_CONFIG_DEFAULT "[account]\nwarn_days = 0\n");
	pt_profile(f, "alice", PT_UID_ALICE, 89, false);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, 0);
}

/* The account stack reads; it never writes a profile. */
static void account_never_writes(void **state)
{
	struct pt_fx *f = *state;
	const char *path;
	struct pt_result r;
	struct stat a, b;
	char *before, *after;
	static const int64_t days[] = { 10, 80, 95 };

	login_service(f, NULL);
	policy_max_age(f, 90, false);
	for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
		pt_profile(f, "alice", PT_UID_ALICE, days[i], i == 0);
		path = pt_path(f, "state/profiles/1001");
		before = pt_read(path, NULL);
		assert_int_equal(stat(path, &a), 0);
		acct_check(f, "alice", 0, &r);
		assert_int_not_equal(r.rc[0], PAM_IGNORE);
		assert_int_equal(stat(path, &b), 0);
		after = pt_read(path, NULL);
		assert_string_equal(before, after);
		assert_int_equal(a.st_ino, b.st_ino);
		assert_true(a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
			    a.st_mtim.tv_nsec == b.st_mtim.tv_nsec);
		free(before);
		free(after);
	}
}

/* ---------------------------------------------------------------------- */
/* PAM_SILENT and the conversation                                        */

static void silent_warning(void **state)
{
	struct pt_result r;
	struct pt_fx *f = *state;

	login_service(f, NULL);
	policy_max_age(f, 90, false);
	pt_profile(f, "alice", PT_UID_ALICE, 80, false);
	acct_check(f, "alice", PAM_SILENT, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, 0);
}

static void silent_keeps_codes(void **state)
{
	struct pt_result r;
	struct pt_fx *f = *state;

	login_service(f, NULL);
	policy_max_age(f, 90, true);
	pt_profile(f, "alice", PT_UID_ALICE, 10, true);
	pt_profile(f, "bob", PT_UID_BOB, 95, false);
	acct_check(f, "alice", PAM_SILENT, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, 0);
	acct_check(f, "bob", PAM_SILENT, &r);
	assert_int_equal(r.rc[0], PAM_ACCT_EXPIRED);
	pt_assert_conv(&r, 0);
}

static void failing_conversation_keeps_result(void **state)
{
	struct pt_fx *f = *state;
	struct pt_txn t = {
		.service = "login", .user = "alice", .conv_fails = true,
		.steps = { { PT_ACCT, 0 } },
	};
	struct pt_result r;

	login_service(f, NULL);
	policy_max_age(f, 90, false);
	pt_profile(f, "alice", PT_UID_ALICE, 80, false);
	pt_run(f, &t, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	/* The warning was attempted, and its failure changed nothing. */
	pt_assert_conv(&r, PAM_TEXT_INFO, "Your password will expire in 10 days.", 0);

	pt_profile(f, "alice", PT_UID_ALICE, 95, false);
	pt_run(f, &t, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
}

/* ---------------------------------------------------------------------- */
/* exempt_key_logins                                                      */

static void key_login_expired_exempt(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, "exempt_key_logins");
	policy_max_age(f, 90, false);
	pt_profile(f, "alice", PT_UID_ALICE, 95, false);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, 0);
}

static void key_login_reset_exempt(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, "exempt_key_logins");
	pt_profile(f, "alice", PT_UID_ALICE, 1, true);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, 0);
}

static void key_login_hard_expired_exempt(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, "exempt_key_logins");
	policy_max_age(f, 90, true);
	pt_profile(f, "alice", PT_UID_ALICE, 95, false);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, 0);
}

static void password_login_expired_enforced(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, "exempt_key_logins");
	policy_max_age(f, 90, false);
	pt_profile(f, "alice", PT_UID_ALICE, 95, false);
	password_login(f, "alice", &r);
	assert_int_equal(r.rc[1], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_EXPIRED, 0);
}

static void password_login_reset_enforced(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, "exempt_key_logins");
	pt_profile(f, "alice", PT_UID_ALICE, 1, true);
	password_login(f, "alice", &r);
	assert_int_equal(r.rc[1], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_RESET, 0);
}

static void password_login_hard_expired_enforced(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, "exempt_key_logins");
	policy_max_age(f, 90, true);
	pt_profile(f, "alice", PT_UID_ALICE, 95, false);
	password_login(f, "alice", &r);
	assert_int_equal(r.rc[1], PAM_ACCT_EXPIRED);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_HARD, 0);
}

static void key_login_still_warned(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, "exempt_key_logins");
	policy_max_age(f, 90, false);
	pt_profile(f, "alice", PT_UID_ALICE, 80, false);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PAM_TEXT_INFO, "Your password will expire in 10 days.", 0);
}

/* Without the option, a login with no auth mark is checked (fail closed). */
static void without_option_every_login_checked(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, NULL);
	policy_max_age(f, 90, false);
	pt_profile(f, "alice", PT_UID_ALICE, 95, false);
	pt_profile(f, "bob", PT_UID_BOB, 1, true);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_EXPIRED, 0);
	password_login(f, "alice", &r);
	assert_int_equal(r.rc[1], PAM_NEW_AUTHTOK_REQD);
	acct_check(f, "bob", 0, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_RESET, 0);
}

/* ---------------------------------------------------------------------- */
/* [scope]                                                                */

static void scope_group_member(void **state)
{
	struct pt_fx *f = *state;

	login_service(f, NULL);
	expired_profiles(f);
	pt_config(f, PT_CONFIG_DEFAULT "[scope]\ngroup = " PT_GROUP "\n");
	expect_expired(f, "alice");
}

static void scope_group_primary(void **state)
{
	struct pt_fx *f = *state;

	login_service(f, NULL);
	expired_profiles(f);
	pt_config(f, PT_CONFIG_DEFAULT "[scope]\ngroup = " PT_GROUP "\n");
	expect_expired(f, "bob");
}

static void scope_group_non_member(void **state)
{
	struct pt_fx *f = *state;

	login_service(f, NULL);
	expired_profiles(f);
	pt_config(f, PT_CONFIG_DEFAULT "[scope]\ngroup = " PT_GROUP "\n");
	expect_ignored(f, "carol");
	expect_ignored(f, "dave");
	expect_ignored(f, "root");
}

static void scope_group_missing_fails_closed(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, NULL);
	expired_profiles(f);
	pt_config(f, PT_CONFIG_DEFAULT "[scope]\ngroup = nosuchgroup\n");
	acct_check(f, "carol", 0, &r);
	assert_int_equal(r.rc[0], PAM_AUTHINFO_UNAVAIL);
	pt_assert_conv(&r, GENERIC, 0);
}

static void scope_uid_edges(void **state)
{
	struct pt_fx *f = *state;

	login_service(f, NULL);
	expired_profiles(f);
	pt_config(f, PT_CONFIG_DEFAULT "[scope]\nmin_uid = 1002\nmax_uid = 1003\n");
	expect_ignored(f, "alice");
	expect_expired(f, "bob");
	expect_expired(f, "carol");
	expect_ignored(f, "dave");
}

static void scope_default_min_uid(void **state)
{
	struct pt_fx *f = *state;

	login_service(f, NULL);
	expired_profiles(f);
	/* 999 is below the default 1000; with min_uid lowered it is in scope. */
	expect_ignored(f, "sysacct");
	pt_config(f, PT_CONFIG_DEFAULT "[scope]\nmin_uid = 999\n");
	{
		struct pt_result r;

		acct_check(f, "sysacct", 0, &r);
		assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
		pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_RESET, 0);
	}
	expect_ignored(f, "root");
}

/* ---------------------------------------------------------------------- */
/* Broken files (§7): fail closed for users, never for root               */

static void broken_config(const struct pt_fx *f)
{
	pt_config(f, "[scope]\nmin_uid = 1000\nmin_uids = 5\n");
}

static void broken_iampw_conf(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, NULL);
	expired_profiles(f);
	broken_config(f);
	/* sshd and login run with a real uid of 0: still no details. */
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_AUTHINFO_UNAVAIL);
	pt_assert_conv(&r, GENERIC, 0);
	/* su run by carol. */
	acct_check_as(f, "alice", PT_UID_CAROL, 0, 0, &r);
	assert_int_equal(r.rc[0], PAM_AUTHINFO_UNAVAIL);
	pt_assert_conv(&r, GENERIC, 0);
	expect_ignored(f, "root");
	/*
	 * The real scope is unknown; system accounts (cron running as a
	 * daemon account) are not locked out by a typo...
	 */
	expect_ignored(f, "sysacct");
	/*
	 * ... but an account beyond the default max_uid, which a wider
	 * range in the broken file may have meant to cover, fails closed:
	 * no account escapes its rules through a typo.
	 */
	pt_profile(f, "far", 70000, 400, true);
	acct_check(f, "far", 0, &r);
	assert_int_equal(r.rc[0], PAM_AUTHINFO_UNAVAIL);
	pt_assert_conv(&r, GENERIC, 0);
	/* With the file mended and the wider range, far is judged again. */
	pt_config(f, "[scope]\nmin_uid = 1000\nmax_uid = 80000\n[history]\ncost = 1\n");
	acct_check(f, "far", 0, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
}

/*
 * A bad option on the auth line must not exempt a password login from
 * expiry: the mark does not depend on the options.
 */
static void auth_line_with_bad_option_still_marks(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;
	char text[1024];

	assert_true(snprintf(text, sizeof text,
			     "auth    required pam_permit.so\n"
			     "auth    optional @IAMPW@ no_such_option\n"
			     "account [success=done ignore=ignore default=die] @IAMPW@ exempt_key_logins\n"
			     "account optional " PT_REACHED_LINE "\n") < (int)sizeof text);
	pt_service(f, "login", text);
	expired_profiles(f);
	password_login(f, "alice", &r);
	assert_int_equal(r.rc[1], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_EXPIRED, 0);
}

static void broken_policy_conf(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, NULL);
	expired_profiles(f);
	pt_policy_text(f, "[policy]\nmax_password_age = 090\n");
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_AUTHINFO_UNAVAIL);
	pt_assert_conv(&r, GENERIC, 0);
	acct_check_as(f, "alice", PT_UID_CAROL, 0, 0, &r);
	assert_int_equal(r.rc[0], PAM_AUTHINFO_UNAVAIL);
	pt_assert_conv(&r, GENERIC, 0);
	expect_ignored(f, "root");
	expect_ignored(f, "sysacct");
}

/* A writable config file is as bad as a malformed one. */
static void unsafe_config_files(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, NULL);
	expired_profiles(f);
	assert_int_equal(chmod(f->config, 0666), 0);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_AUTHINFO_UNAVAIL);
	pt_assert_conv(&r, GENERIC, 0);
	assert_int_equal(chmod(f->config, 0644), 0);
	pt_need_real_uids("a file owned by a user (chown to uid 1001)");
	assert_int_equal(chown(f->policy, PT_UID_ALICE, PT_UID_ALICE), 0);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_AUTHINFO_UNAVAIL);
	pt_assert_conv(&r, GENERIC, 0);
}

static void expect_profile_error(const struct pt_fx *f)
{
	struct pt_result r;

	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_AUTHINFO_UNAVAIL);
	pt_assert_conv(&r, GENERIC, 0);
}

static void corrupt_profile(void **state)
{
	struct pt_fx *f = *state;
	const char *path;
	char *text, *p;

	login_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 1, false);
	path = pt_path(f, "state/profiles/1001");
	text = pt_read(path, NULL);
	assert_non_null(text);
	/* A boolean IAM would never write. */
	p = strstr(text, "password_reset_required = false");
	assert_non_null(p);
	memcpy(p + strlen("password_reset_required = "), "fals?", 5);
	pt_write(path, text, 0600);
	free(text);
	expect_profile_error(f);

	pt_write(path, "[profile]\nuser = alice\n", 0600);
	expect_profile_error(f);
}

static void profile_other_users(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;

	login_service(f, NULL);
	/* bob's file renamed onto alice's name is not alice's. */
	pt_profile_init(&p, "bob", PT_UID_BOB, pt_days_ago(1), false);
	pt_profile_save(f, &p);
	assert_int_equal(rename(pt_path(f, "state/profiles/1002"),
				pt_path(f, "state/profiles/1001")), 0);
	expect_profile_error(f);
}

static void profile_world_writable(void **state)
{
	struct pt_fx *f = *state;

	login_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 1, false);
	assert_int_equal(chmod(pt_path(f, "state/profiles/1001"), 0666), 0);
	expect_profile_error(f);
}

static void profile_symlink(void **state)
{
	struct pt_fx *f = *state;
	char target[PATH_MAX];

	login_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 1, false);
	snprintf(target, sizeof target, "%s", pt_path(f, "alice.real"));
	assert_int_equal(rename(pt_path(f, "state/profiles/1001"), target), 0);
	assert_int_equal(symlink(target, pt_path(f, "state/profiles/1001")), 0);
	expect_profile_error(f);
}

static void profile_owned_by_user(void **state)
{
	struct pt_fx *f = *state;

	pt_need_real_uids("a file owned by a user (chown to uid 1001)");
	login_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 1, false);
	assert_int_equal(chown(pt_path(f, "state/profiles/1001"), PT_UID_ALICE,
			       PT_UID_ALICE), 0);
	expect_profile_error(f);
}

static void state_dir_unsafe(void **state)
{
	struct pt_fx *f = *state;

	login_service(f, NULL);
	pt_profile(f, "alice", PT_UID_ALICE, 1, false);
	assert_int_equal(chmod(f->profiles, 0777), 0);
	expect_profile_error(f);
}

static void state_dir_missing(void **state)
{
	struct pt_fx *f = *state;

	login_service(f, NULL);
	policy_max_age(f, 90, false);
	assert_false(pt_exists(f->state));
	expect_ignored(f, "alice");
	assert_false(pt_exists(f->state));
	/* The state dir without its profiles dir. */
	assert_int_equal(mkdir(f->state, 0700), 0);
	expect_ignored(f, "alice");
	assert_false(pt_exists(f->profiles));
}

/* A screen locker runs as the user and cannot read root's state (§7). */
static void screen_locker_ignored(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	pt_need_real_uids("uid 1001 kept out of root's 0700 state directory");
	login_service(f, NULL);
	policy_max_age(f, 90, true);
	pt_profile(f, "alice", PT_UID_ALICE, 95, true);
	acct_check_as(f, "alice", PT_UID_ALICE, PT_UID_ALICE, 0, &r);
	assert_int_equal(r.rc[0], PAM_IGNORE);
	pt_assert_conv(&r, 0);
	/* The same profile, read by root: the locker's answer was not "fine". */
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
}

/* ---------------------------------------------------------------------- */
/* Module options                                                         */

static void unknown_option(void **state)
{
	static const char *const bad[] = {
		"no_such_option", "config=relative/iampw.conf", "retry=0", "retry=11",
		"retry=3x", "commit=yes",
	};
	struct pt_fx *f = *state;
	struct pt_result r;

	expired_profiles(f);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		login_service(f, bad[i]);
		acct_check(f, "alice", 0, &r);
		if (r.rc[0] != PAM_AUTHINFO_UNAVAIL)
			print_message("# option '%s'\n", bad[i]);
		assert_int_equal(r.rc[0], PAM_AUTHINFO_UNAVAIL);
		pt_assert_conv(&r, GENERIC, 0);
		expect_ignored(f, "root");
	}
	/* Every option the module documents is accepted. */
	login_service(f, "retry=10 use_authtok debug commit");
	expect_expired(f, "alice");
}

/* ---------------------------------------------------------------------- */
/* Which account a profile belongs to (§3.1)                              */

/* Days since the epoch, `days` ago. */
static long day_ago(long days)
{
	return (long)(time(NULL) / 86400) - days;
}

/* A usable password and no profile: expiry from shadow's last change. */
static void no_profile_usable_password_expires(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, NULL);
	policy_max_age(f, 90, false);
	pt_shadow("alice", PT_HASH_A, day_ago(400));
	expect_expired(f, "alice");
	/* Within the age: judged, and warned as any other. */
	pt_shadow("alice", PT_HASH_A, day_ago(80));
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PAM_TEXT_INFO, "Your password will expire in 10 days.", 0);
	/* shadow's 0: must change (chage -d 0, passwd -e). */
	pt_shadow("alice", PT_HASH_A, 0);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_RESET, 0);
	/* An empty last change counts as expired once MaxPasswordAge is set. */
	pt_shadow("alice", PT_HASH_A, -1);
	expect_expired(f, "alice");
	/* Hard expiry applies too. */
	policy_max_age(f, 90, true);
	pt_shadow("alice", PT_HASH_A, day_ago(400));
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_ACCT_EXPIRED);
	/* Locked, or empty: no console password, nothing to judge. */
	pt_shadow("alice", "!" PT_HASH_A, day_ago(400));
	expect_ignored(f, "alice");
	pt_shadow("alice", "", day_ago(400));
	expect_ignored(f, "alice");
	assert_false(pt_exists(pt_path(f, "state/profiles/1001")));
}

/*
 * userdel alice; useradd alice (or a password set with chpasswd): the
 * shadow entry is not the one the profile was bound to.  Nothing of the
 * old profile applies, and the account must set a new password.
 */
static void recreated_account_reset_required(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	login_service(f, "exempt_key_logins");
	policy_max_age(f, 90, false);
	pt_shadow("alice", PT_HASH_A, day_ago(1));
	pt_profile(f, "alice", PT_UID_ALICE, 1, false);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);   /* a current password */
	pt_shadow("alice", PT_HASH_B, day_ago(1));
	password_login(f, "alice", &r);
	assert_int_equal(r.rc[1], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_RESET, 0);
	/* A key login still works, as with any reset. */
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	/* Locking and unlocking the password is the same credential. */
	pt_shadow("alice", "!" PT_HASH_A, day_ago(1));
	password_login(f, "alice", &r);
	assert_int_equal(r.rc[1], PAM_SUCCESS);
	pt_assert_conv(&r, 0);
	/* The old profile is read, never written, by the account stack. */
	assert_true(pt_profile_load(f, "alice", &p));
	assert_false(p.reset_required);
}

/* A uid reused by another name: the old profile is not the new account's either. */
static void reused_uid_other_name(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	login_service(f, NULL);
	pt_shadow("alice", PT_HASH_A, day_ago(1));
	/* bob's profile, left behind under uid 1001 by a deleted "bob". */
	pt_profile_init(&p, "bob", PT_UID_ALICE, pt_days_ago(1), false);
	memset(p.account, 'e', IAMPW_FP_SIZE - 1);
	pt_profile_save(f, &p);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_RESET, 0);
}

/* usermod -l: the profile follows the uid, its flags and dates with it. */
static void renamed_account_keeps_rules(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	login_service(f, NULL);
	policy_max_age(f, 90, false);
	pt_shadow("alice", PT_HASH_A, day_ago(1));
	pt_profile_init(&p, "alice", PT_UID_ALICE, pt_days_ago(1), true);
	strcpy(p.user, "alice-before-rename");
	pt_profile_save(f, &p);
	acct_check(f, "alice", 0, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_RESET, 0);
	pt_profile_init(&p, "alice", PT_UID_ALICE, pt_days_ago(95), false);
	strcpy(p.user, "alice-before-rename");
	pt_profile_save(f, &p);
	expect_expired(f, "alice");
}

/* A canonical name with '@', '.' and non-ASCII is in scope like any other. */
static void odd_name_in_scope(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_service(f, NULL);
	policy_max_age(f, 90, false);
	pt_shadow(PT_ODD_NAME, PT_HASH_A, day_ago(1));
	pt_profile(f, PT_ODD_NAME, PT_UID_ODD, 1, true);
	acct_check(f, PT_ODD_NAME, 0, &r);
	assert_int_equal(r.rc[0], PAM_NEW_AUTHTOK_REQD);
	pt_profile(f, PT_ODD_NAME, PT_UID_ODD, 100, false);
	expect_expired(f, PT_ODD_NAME);
	assert_true(pt_exists(pt_path(f, "state/profiles/1006")));
}

#define T(name) cmocka_unit_test_setup_teardown(name, pt_setup, pt_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(root_is_ignored),
		T(system_account_is_ignored),
		T(no_profile_is_ignored),
		T(unknown_and_hostile_names_are_ignored),
		T(no_profile_usable_password_expires),
		T(recreated_account_reset_required),
		T(reused_uid_other_name),
		T(renamed_account_keeps_rules),
		T(odd_name_in_scope),
		T(reset_required),
		T(reset_required_before_expiry),
		T(day_74_no_warning),
		T(day_75_warns_15_days),
		T(day_88_warns_2_days),
		T(day_89_warns_1_day),
		T(day_90_expired),
		T(day_500_expired),
		T(hard_expiry_day_90),
		T(hard_expiry_day_89_warns),
		T(no_max_age_never_expires),
		T(warn_days_from_config),
		T(account_never_writes),
		T(silent_warning),
		T(silent_keeps_codes),
		T(failing_conversation_keeps_result),
		T(key_login_expired_exempt),
		T(key_login_reset_exempt),
		T(key_login_hard_expired_exempt),
		T(password_login_expired_enforced),
		T(password_login_reset_enforced),
		T(password_login_hard_expired_enforced),
		T(key_login_still_warned),
		T(without_option_every_login_checked),
		T(scope_group_member),
		T(scope_group_primary),
		T(scope_group_non_member),
		T(scope_group_missing_fails_closed),
		T(scope_uid_edges),
		T(scope_default_min_uid),
		T(broken_iampw_conf),
		T(auth_line_with_bad_option_still_marks),
		T(broken_policy_conf),
		T(unsafe_config_files),
		T(corrupt_profile),
		T(profile_other_users),
		T(profile_world_writable),
		T(profile_symlink),
		T(profile_owned_by_user),
		T(state_dir_unsafe),
		T(state_dir_missing),
		T(screen_locker_ignored),
		T(unknown_option),
	};

	pt_init(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
