/*
 * The auth instance with `mfa` through real libpam (SPEC §10): users with
 * an enabled device are asked "MFA code: " (no echo), the code of the
 * current step +-1 passes, a used code is refused (replay), users without
 * a device pass (PAM_IGNORE) unasked, and every configuration problem on
 * the line refuses the login.  Codes are computed by liboath (through the
 * core); iampw-admin's shell test checks them against oathtool.
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

#include "internal.h"
#include "pamtest.h"

#define PROMPT "MFA code: "

/* Password module (pam_permit), then the line under test, then the probe. */
static void mfa_service(const struct pt_fx *f, const char *args)
{
	char text[1024];

	assert_true(snprintf(text, sizeof text,
			     "auth    required pam_permit.so\n"
			     "auth    [success=done ignore=ignore default=die] @IAMPW@ %s\n"
			     "auth    optional " PT_REACHED_LINE "\n"
			     "account required pam_permit.so\n",
			     args) < (int)sizeof text);
	pt_service(f, "login", text);
}

static void store_open(const struct pt_fx *f, struct iampw_mfa_store **ms)
{
	struct iampw_err e;

	iampw_err_init(&e);
	if (iampw_mfa_open(ms, f->state, true, 0, 0, &e) != IAMPW_OK)
		fail_msg("%s", e.text);
}

/* A device `name` enabled for `user`, drift `drift`, no code used yet. */
static void device(const struct pt_fx *f, const char *name, const char *user, uid_t uid,
		   int32_t drift, struct iampw_mfa_device *d)
{
	struct iampw_mfa_store *ms;
	struct iampw_err e;

	iampw_err_init(&e);
	store_open(f, &ms);
	assert_int_equal(iampw_mfa_new(name, (int64_t)time(NULL), d, &e), IAMPW_OK);
	if (user != NULL) {
		d->assigned = true;
		d->uid = (uint32_t)uid;
		snprintf(d->user, sizeof d->user, "%s", user);
		d->enable_date = (int64_t)time(NULL);
		d->drift = drift;
	}
	if (iampw_mfa_save(ms, d, &e) != IAMPW_OK)
		fail_msg("%s", e.text);
	iampw_mfa_close(ms);
}

static void reload(const struct pt_fx *f, struct iampw_mfa_device *d)
{
	struct iampw_mfa_store *ms;
	struct iampw_err e;
	char name[IAMPW_MFA_NAME_MAX + 1];

	iampw_err_init(&e);
	store_open(f, &ms);
	strcpy(name, d->name);
	if (iampw_mfa_load(ms, name, d, &e) != IAMPW_OK)
		fail_msg("%s", e.text);
	iampw_mfa_close(ms);
}

static int64_t now_step(void)
{
	return (int64_t)time(NULL) / IAMPW_MFA_STEP;
}

/* The code of the current step + `off` (liboath through the core). */
static void code_at(const struct iampw_mfa_device *d, int64_t off, char out[7])
{
	struct iampw_err e;

	iampw_err_init(&e);
	assert_int_equal(iampw_mfa_code(d, (uint64_t)(now_step() + off), out, &e), IAMPW_OK);
}

/* One login as root (login, sshd) answering `code`. */
static void login(const struct pt_fx *f, const char *user, const char *code,
		  struct pt_result *r)
{
	struct pt_txn t = {
		.service = "login", .user = user,
		.steps = { { PT_AUTH, 0 } },
		.answers = { code, NULL },
	};

	pt_run(f, &t, r);
}

/*
 * Steps can change between computing a code and the module checking it;
 * a case that needs "the current step" retries once across a boundary.
 */
static bool near_boundary(void)
{
	return (time(NULL) % IAMPW_MFA_STEP) >= IAMPW_MFA_STEP - 2;
}

static void wait_boundary(void)
{
	while (near_boundary())
		sleep(1);
}

/* ---------------------------------------------------------------------- */

static void no_device_passes_unasked(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_mfa_device d;
	struct pt_result r;

	mfa_service(f, "mfa");
	/* No store at all, then a store with bob's device only. */
	login(f, "alice", NULL, &r);
	assert_int_equal(r.rc[0], PAM_IGNORE);
	pt_assert_conv(&r, 0);
	device(f, "bob-phone", "bob", PT_UID_BOB, 0, &d);
	device(f, "spare", NULL, 0, 0, &d);
	login(f, "alice", NULL, &r);
	assert_int_equal(r.rc[0], PAM_IGNORE);
	pt_assert_conv(&r, 0);
	login(f, "root", NULL, &r);
	assert_int_equal(r.rc[0], PAM_IGNORE);
	pt_assert_conv(&r, 0);
}

static void current_code_accepted_and_recorded(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_mfa_device d;
	struct pt_result r;
	char code[7];

	mfa_service(f, "mfa");
	device(f, "alice-phone", "alice", PT_UID_ALICE, 0, &d);
	wait_boundary();
	code_at(&d, 0, code);
	login(f, "alice", code, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	pt_assert_conv(&r, PAM_PROMPT_ECHO_OFF, PROMPT, 0);
	reload(f, &d);
	assert_true(d.last_step == (uint64_t)now_step() || d.last_step == (uint64_t)now_step() - 1);
	/* No file of the store holds the code or anything but the device. */
	assert_false(pt_tree_contains(f->state, code));
}

static void window_is_one_step(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_mfa_device d;
	struct pt_result r;
	char code[7];

	mfa_service(f, "mfa");
	wait_boundary();
	/* One device per case, so that replay protection does not interfere. */
	device(f, "a1", "alice", PT_UID_ALICE, 0, &d);
	code_at(&d, -1, code);
	login(f, "alice", code, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	assert_int_equal(unlink(pt_path(f, "state/mfa/d.a1")), 0);
	device(f, "a2", "alice", PT_UID_ALICE, 0, &d);
	code_at(&d, 1, code);
	login(f, "alice", code, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	assert_int_equal(unlink(pt_path(f, "state/mfa/d.a2")), 0);
	device(f, "a3", "alice", PT_UID_ALICE, 0, &d);
	code_at(&d, -3, code);
	login(f, "alice", code, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	code_at(&d, 3, code);
	login(f, "alice", code, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	reload(f, &d);
	assert_int_equal(d.last_step, 0);
}

static void replay_refused(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_mfa_device d;
	struct pt_result r;
	char code[7], older[7];

	mfa_service(f, "mfa");
	device(f, "alice-phone", "alice", PT_UID_ALICE, 0, &d);
	wait_boundary();
	code_at(&d, 0, code);
	code_at(&d, -1, older);
	login(f, "alice", code, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
	login(f, "alice", code, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	pt_assert_conv(&r, PAM_PROMPT_ECHO_OFF, PROMPT, 0);
	/* An older code of the window is refused too once a newer one was used. */
	login(f, "alice", older, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
}

static void wrong_code_refused_nothing_changes(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_mfa_device d;
	struct pt_result r;
	char *before, *after;
	char code[7];

	mfa_service(f, "mfa");
	device(f, "alice-phone", "alice", PT_UID_ALICE, 0, &d);
	before = pt_read(pt_path(f, "state/mfa/d.alice-phone"), NULL);
	code_at(&d, 0, code);
	code[5] = code[5] == '9' ? '0' : (char)(code[5] + 1);
	login(f, "alice", code, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	login(f, "alice", "12345", &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	login(f, "alice", "", &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	after = pt_read(pt_path(f, "state/mfa/d.alice-phone"), NULL);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void drift_applies(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_mfa_device d;
	struct pt_result r;
	char code[7];

	mfa_service(f, "mfa");
	/* A device whose clock runs 10 steps (5 minutes) ahead, resynchronised. */
	device(f, "alice-phone", "alice", PT_UID_ALICE, 10, &d);
	wait_boundary();
	code_at(&d, 0, code);
	login(f, "alice", code, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	code_at(&d, 10, code);
	login(f, "alice", code, &r);
	assert_int_equal(r.rc[0], PAM_SUCCESS);
}

static void configuration_problems_refuse(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_mfa_device d;
	struct pt_result r;
	char code[7];

	device(f, "alice-phone", "alice", PT_UID_ALICE, 0, &d);
	code_at(&d, 0, code);
	/* A typo in an option: never "no MFA"; even a user without a device is refused. */
	mfa_service(f, "mfa mfx");
	login(f, "alice", code, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	pt_assert_conv(&r, 0);
	login(f, "carol", NULL, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	mfa_service(f, "mfa_required");
	login(f, "carol", NULL, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	/* Root is let through to repair the line (it never has a device). */
	login(f, "root", NULL, &r);
	assert_int_equal(r.rc[0], PAM_IGNORE);

	mfa_service(f, "mfa");
	pt_config(f, "[scope]\nmin_uid = 1000\nmin_uids = 5\n");
	login(f, "carol", NULL, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	pt_assert_conv(&r, 0);
	pt_config(f, PT_CONFIG_DEFAULT);

	/* A seed file readable by others, then one that is a symlink. */
	assert_int_equal(chmod(pt_path(f, "state/mfa/d.alice-phone"), 0644), 0);
	login(f, "alice", code, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	pt_assert_conv(&r, 0);
	login(f, "carol", NULL, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	assert_int_equal(chmod(pt_path(f, "state/mfa/d.alice-phone"), 0600), 0);
	assert_int_equal(symlink("/etc/passwd", pt_path(f, "state/mfa/d.evil")), 0);
	login(f, "carol", NULL, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	assert_int_equal(unlink(pt_path(f, "state/mfa/d.evil")), 0);
	/* A stray entry in the store, then a store readable by others. */
	pt_write(pt_path(f, "state/mfa/notes.txt"), "x\n", 0600);
	login(f, "carol", NULL, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	assert_int_equal(unlink(pt_path(f, "state/mfa/notes.txt")), 0);
	assert_int_equal(chmod(pt_path(f, "state/mfa"), 0755), 0);
	login(f, "carol", NULL, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	assert_int_equal(chmod(pt_path(f, "state/mfa"), 0700), 0);
	/* Two devices for one uid: which one is meant is unknown. */
	device(f, "alice-2", "alice", PT_UID_ALICE, 0, &d);
	login(f, "alice", code, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
	pt_assert_conv(&r, 0);
	assert_int_equal(unlink(pt_path(f, "state/mfa/d.alice-2")), 0);
	/* Everything repaired: carol passes again. */
	login(f, "carol", NULL, &r);
	assert_int_equal(r.rc[0], PAM_IGNORE);
}

/* `mfa` on an account or password line is a bad line, never a silent no-op. */
static void mfa_elsewhere_is_a_bad_line(void **state)
{
	struct pt_fx *f = *state;
	struct pt_result r;
	struct pt_txn acct = {
		.service = "acct", .user = "carol",
		.steps = { { PT_ACCT, 0 } },
	};

	pt_service(f, "acct",
		   "account [success=done ignore=ignore default=die] @IAMPW@ mfa\n"
		   "account optional " PT_REACHED_LINE "\n");
	pt_run(f, &acct, &r);
	assert_int_equal(r.rc[0], PAM_AUTHINFO_UNAVAIL);
}

static void no_answer_refused(void **state)
{
	struct pt_fx *f = *state;
	struct iampw_mfa_device d;
	struct pt_result r;
	struct pt_txn t = {
		.service = "login", .user = "alice",
		.steps = { { PT_AUTH, 0 } },
		.conv_fails = true,
	};

	mfa_service(f, "mfa");
	device(f, "alice-phone", "alice", PT_UID_ALICE, 0, &d);
	pt_run(f, &t, &r);
	assert_int_equal(r.rc[0], PAM_AUTH_ERR);
}

#define T(name) cmocka_unit_test_setup_teardown(name, pt_setup, pt_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(no_device_passes_unasked),
		T(current_code_accepted_and_recorded),
		T(window_is_one_step),
		T(replay_refused),
		T(wrong_code_refused_nothing_changes),
		T(drift_applies),
		T(configuration_problems_refuse),
		T(no_answer_refused),
		T(mfa_elsewhere_is_a_bad_line),
	};

	pt_init(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
