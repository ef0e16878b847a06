/*
 * The auth stack through real libpam (SPEC §5.3): `auth optional
 * pam_iampw.so` never decides (PAM_IGNORE for everyone), records
 * password_last_used at most once per 5 minutes, and marks the
 * transaction as a password login for the account stack.
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

/*
 * The module's auth line as the reference stack has it, after the
 * password module (pam_permit), then the PT-REACHED probe that shows
 * PAM_IGNORE; and the account line with exempt_key_logins.
 */
static void auth_service(const struct pt_fx *f, const char *args)
{
	char text[1024];

	assert_true(snprintf(text, sizeof text,
			     "auth    required pam_permit.so\n"
			     "auth    [success=done ignore=ignore default=die] @IAMPW@%s%s\n"
			     "auth    optional " PT_REACHED_LINE "\n"
			     "account required @IAMPW@ exempt_key_logins\n",
			     args != NULL ? " " : "", args != NULL ? args : "") <
		    (int)sizeof text);
	pt_service(f, "sshd", text);
}

static void auth_as(const struct pt_fx *f, const char *user, uid_t ruid, uid_t euid,
		    struct pt_result *r)
{
	struct pt_txn t = {
		.service = "sshd", .user = user, .ruid = ruid, .euid = euid,
		.steps = { { PT_AUTH, 0 } },
	};

	pt_run(f, &t, r);
}

static void expect_ignored(const struct pt_fx *f, const char *user)
{
	struct pt_result r;

	auth_as(f, user, 0, 0, &r);
	if (r.rc[0] != PAM_IGNORE)
		print_message("# user '%s'\n", user);
	assert_int_equal(r.rc[0], PAM_IGNORE);
	pt_assert_conv(&r, 0);
}

static void assert_now(int64_t t)
{
	int64_t now = (int64_t)time(NULL);

	if (t < now - 5 || t > now + 5)
		fail_msg("time %lld is not now (%lld) +- 5 s", (long long)t,
			 (long long)now);
}

/* A profile with a history, last used `used` (0: never). */
static void profile_used(const struct pt_fx *f, const char *user, uid_t uid,
			 int64_t used, struct iampw_profile *p)
{
	pt_profile_init(p, user, uid, pt_days_ago(20), false);
	p->create_date = pt_days_ago(300);
	p->last_used = used;
	pt_profile_add_history(f, p, "Blue-Sky-71!", 3);
	pt_profile_save(f, p);
}

/* Everything of the profile but password_last_used is as it was. */
static void assert_same_but_used(const struct iampw_profile *a,
				 const struct iampw_profile *b)
{
	assert_string_equal(a->user, b->user);
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->create_date, b->create_date);
	assert_int_equal(a->last_changed, b->last_changed);
	assert_int_equal(a->reset_required, b->reset_required);
	assert_string_equal(a->salt, b->salt);
	assert_int_equal(a->nhistory, b->nhistory);
	for (unsigned i = 0; i < a->nhistory; i++)
		assert_string_equal(a->history[i], b->history[i]);
}

struct file_state {
	char *text;
	struct stat st;
};

static void file_state(const char *path, struct file_state *s)
{
	s->text = pt_read(path, NULL);
	assert_non_null(s->text);
	assert_int_equal(stat(path, &s->st), 0);
}

static void assert_file_same(const char *path, struct file_state *s)
{
	struct file_state now;

	file_state(path, &now);
	assert_string_equal(now.text, s->text);
	assert_int_equal(now.st.st_ino, s->st.st_ino);
	assert_true(now.st.st_mtim.tv_sec == s->st.st_mtim.tv_sec &&
		    now.st.st_mtim.tv_nsec == s->st.st_mtim.tv_nsec);
	free(now.text);
	free(s->text);
	s->text = NULL;
}

/* ---------------------------------------------------------------------- */

static void ignored_for_everyone(void **state)
{
	static const char *const users[] = {
		"root", "sysacct", "alice", "bob", "carol", "nosuchuser", "../x",
	};
	struct pt_fx *f = *state;
	struct iampw_profile p;

	auth_service(f, NULL);
	/* Expired or reset profiles change nothing in auth. */
	pt_policy_text(f, "[policy]\nmax_password_age = 30\nhard_expiry = true\n");
	profile_used(f, "alice", PT_UID_ALICE, 0, &p);
	pt_profile(f, "bob", PT_UID_BOB, 100, true);
	pt_profile(f, "root", 0, 100, true);
	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
		expect_ignored(f, users[i]);
}

static void ignored_when_broken(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;

	auth_service(f, NULL);
	profile_used(f, "alice", PT_UID_ALICE, 0, &p);
	pt_config(f, "[scope]\nmin_uid = 1000\nmin_uids = 5\n");
	expect_ignored(f, "alice");
	pt_config(f, PT_CONFIG_DEFAULT);
	pt_policy_text(f, "[policy]\nhard_expiry = maybe\n");
	expect_ignored(f, "alice");
	assert_int_equal(chmod(pt_path(f, "state/profiles/1001"), 0666), 0);
	expect_ignored(f, "alice");
	/* A bad option is not "broken state": it refuses the login (SPEC §10), root aside. */
	auth_service(f, "no_such_option");
	{
		struct pt_result r;

		auth_as(f, "alice", 0, 0, &r);
		assert_int_equal(r.rc[0], PAM_AUTH_ERR);
		pt_assert_conv(&r, 0);
	}
	expect_ignored(f, "root");
}

static void records_last_used(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile before, after;

	auth_service(f, NULL);
	profile_used(f, "alice", PT_UID_ALICE, 0, &before);
	expect_ignored(f, "alice");
	assert_true(pt_profile_load(f, "alice", &after));
	assert_now(after.last_used);
	assert_same_but_used(&before, &after);
}

static void no_write_within_5_minutes(void **state)
{
	struct pt_fx *f = *state;
	const char *path = pt_path(f, "state/profiles/1001");
	struct iampw_profile before, after;
	struct file_state s;

	auth_service(f, NULL);
	profile_used(f, "alice", PT_UID_ALICE, (int64_t)time(NULL) - 240, &before);
	file_state(path, &s);
	expect_ignored(f, "alice");
	assert_file_same(path, &s);
	assert_true(pt_profile_load(f, "alice", &after));
	assert_int_equal(after.last_used, before.last_used);
}

static void writes_after_5_minutes(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile before, after;

	auth_service(f, NULL);
	profile_used(f, "alice", PT_UID_ALICE, (int64_t)time(NULL) - 360, &before);
	expect_ignored(f, "alice");
	assert_true(pt_profile_load(f, "alice", &after));
	assert_now(after.last_used);
	assert_same_but_used(&before, &after);

	/* Two logins in a row: the second one does not write again. */
	{
		const char *path = pt_path(f, "state/profiles/1001");
		struct file_state s;

		file_state(path, &s);
		expect_ignored(f, "alice");
		assert_file_same(path, &s);
	}
}

static void no_profile_nothing_created(void **state)
{
	struct pt_fx *f = *state;
	int before;

	auth_service(f, NULL);
	expect_ignored(f, "alice");
	assert_false(pt_exists(f->state));
	pt_profile(f, "bob", PT_UID_BOB, 1, false);
	before = pt_tree_count(f->dir);
	expect_ignored(f, "alice");
	assert_false(pt_exists(pt_path(f, "state/profiles/1001")));
	assert_int_equal(pt_tree_count(f->dir), before);
}

/* Out of scope: a stray profile of root or a system account is left alone. */
static void out_of_scope_not_recorded(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct file_state s1, s2;
	char root_path[PATH_MAX], sys_path[PATH_MAX];

	auth_service(f, NULL);
	profile_used(f, "root", 0, 0, &p);
	profile_used(f, "sysacct", PT_UID_SYS, 0, &p);
	snprintf(root_path, sizeof root_path, "%s", pt_path(f, "state/profiles/0"));
	snprintf(sys_path, sizeof sys_path, "%s", pt_path(f, "state/profiles/999"));
	file_state(root_path, &s1);
	file_state(sys_path, &s2);
	expect_ignored(f, "root");
	expect_ignored(f, "sysacct");
	assert_file_same(root_path, &s1);
	assert_file_same(sys_path, &s2);
}

/* A screen locker authenticates as the user: it cannot, and must not, write. */
static void screen_locker_not_recorded(void **state)
{
	struct pt_fx *f = *state;
	const char *path = pt_path(f, "state/profiles/1001");
	struct iampw_profile p;
	struct file_state s;
	struct pt_result r;

	pt_need_real_uids("uid 1001 kept out of root's 0700 state directory");
	auth_service(f, NULL);
	profile_used(f, "alice", PT_UID_ALICE, 0, &p);
	file_state(path, &s);
	auth_as(f, "alice", PT_UID_ALICE, PT_UID_ALICE, &r);
	assert_int_equal(r.rc[0], PAM_IGNORE);
	pt_assert_conv(&r, 0);
	assert_file_same(path, &s);
}

/* The mark: an expired password blocks a password login, not a key login. */
static void marks_password_login(void **state)
{
	struct pt_fx *f = *state;
	struct pt_txn password = {
		.service = "sshd", .user = "alice",
		.steps = { { PT_AUTH, 0 }, { PT_ACCT, 0 } },
	};
	struct pt_txn key = {
		.service = "sshd", .user = "alice",
		.steps = { { PT_ACCT, 0 } },
	};
	struct pt_result r;

	auth_service(f, NULL);
	pt_policy_text(f, "[policy]\nmax_password_age = 30\n");
	pt_profile(f, "alice", PT_UID_ALICE, 40, false);
	pt_run(f, &password, &r);
	assert_int_equal(r.rc[0], PAM_IGNORE);
	assert_int_equal(r.stack_rc[0], PAM_SUCCESS);
	assert_int_equal(r.rc[1], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, PT_MSG_EXPIRED, 0);
	pt_run(f, &key, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, 0);
}

/* ---------------------------------------------------------------------- */
/* Screening at login (§9.2)                                              */

#define MSG_BREACHED \
	"Your password appears in a list of breached passwords. You must change it now."

/*
 * pam_stress stands in for the password module: it asks for the password
 * and sets PAM_AUTHTOK, as pam_unix does, then the module's auth line
 * with [screening] at_login, then the account line.
 */
static void login_screened(const struct pt_fx *f, const char *filter)
{
	char conf[2 * PATH_MAX];

	assert_true(snprintf(conf, sizeof conf, PT_CONFIG_DEFAULT
			     "[screening]\nblocklist = %s\nat_login = yes\n", filter) <
		    (int)sizeof conf);
	pt_config(f, conf);
	pt_service(f, "login",
		   "auth    required pam_stress.so\n"
		   "auth    optional @IAMPW@\n"
		   "account required @IAMPW@ exempt_key_logins\n");
}

static void password_login_with(const struct pt_fx *f, const char *user, const char *pw,
				struct pt_result *r)
{
	struct pt_txn t = {
		.service = "login", .user = user, .stress_answer = pw,
		.steps = { { PT_AUTH, 0 }, { PT_ACCT, 0 } },
	};

	pt_run(f, &t, r);
}

/* A breached password at login: told, reset required, the change forced now. */
static void breached_at_login(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	pt_filter(f, "bl.pwq", "Summer2024!\npassword\n");
	login_screened(f, pt_path(f, "bl.pwq"));
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	password_login_with(f, "alice", "Summer2024!", &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	assert_int_equal(r.rc[1], PAM_NEW_AUTHTOK_REQD);
	pt_assert_conv(&r, PAM_ERROR_MSG, MSG_BREACHED, PAM_ERROR_MSG, PT_MSG_RESET, 0);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_true(p.reset_required);
	assert_true(p.last_used > 0);
	/* The plaintext is stored nowhere in the state. */
	assert_false(pt_tree_contains(f->state, "Summer2024!"));
}

/* A password not listed: nothing said, nothing written but the usual last-used. */
static void clean_password_at_login(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	pt_filter(f, "bl.pwq", "Summer2024!\n");
	login_screened(f, pt_path(f, "bl.pwq"));
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	password_login_with(f, "alice", "Not-In-The-List-77", &r);
	assert_int_equal(r.rc[1], PAM_SUCCESS);
	pt_assert_conv(&r, 0);
	assert_true(pt_profile_load(f, "alice", &p));
	assert_false(p.reset_required);
}

/* An account with a usable password and no profile gets one, reset required. */
static void breached_without_profile(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_profile p;
	struct pt_result r;

	pt_filter(f, "bl.pwq", "Summer2024!\n");
	login_screened(f, pt_path(f, "bl.pwq"));
	pt_shadow("bob", PT_HASH_A, (long)(time(NULL) / 86400) - 3);
	password_login_with(f, "bob", "Summer2024!", &r);
	assert_int_equal(r.rc[1], PAM_NEW_AUTHTOK_REQD);
	assert_true(pt_profile_load(f, "bob", &p));
	assert_true(p.reset_required);
}

/* A filter that cannot be read never blocks a login (§7); it is logged. */
static void unreadable_filter_never_blocks(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;

	login_screened(f, pt_path(f, "missing.pwq"));
	pt_profile(f, "alice", PT_UID_ALICE, 10, false);
	password_login_with(f, "alice", "Summer2024!", &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	assert_int_equal(r.rc[1], PAM_SUCCESS);
	pt_assert_conv(&r, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, pt_setup, pt_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(ignored_for_everyone),
		T(ignored_when_broken),
		T(records_last_used),
		T(breached_at_login),
		T(clean_password_at_login),
		T(breached_without_profile),
		T(unreadable_filter_never_blocks),
		T(no_write_within_5_minutes),
		T(writes_after_5_minutes),
		T(no_profile_nothing_created),
		T(out_of_scope_not_recorded),
		T(screen_locker_not_recorded),
		T(marks_password_login),
	};

	pt_init(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
