/* Account state at an instant (§5.1): expiry, warning, reset, hostile clocks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "iampw.h"

#define DAY INT64_C(86400)
/* 2023-11-14T22:13:20Z: an arbitrary, non-midnight last change. */
#define T0 INT64_C(1700000000)

static void policy(struct iampw_policy *p, unsigned max_age, bool hard)
{
	/* Set by hand: this test links only expiry.c and util.c under -fsanitize. */
	memset(p, 0, sizeof *p);
	p->custom = true;
	p->min_length = IAMPW_MIN_LENGTH_MIN;
	p->allow_users_to_change = true;
	p->max_age = max_age;
	p->hard_expiry = hard;
}

static void profile(struct iampw_profile *prof, int64_t last_changed, bool reset)
{
	memset(prof, 0, sizeof *prof);
	prof->last_changed = last_changed;
	prof->reset_required = reset;
}

/* The state `day` whole days (plus `extra` seconds) after the change. */
static struct iampw_account state_at(unsigned max_age, bool hard, unsigned warn,
				     bool reset, int64_t day, int64_t extra)
{
	struct iampw_policy p;
	struct iampw_profile prof;
	struct iampw_account a;

	policy(&p, max_age, hard);
	profile(&prof, T0, reset);
	memset(&a, 0xa5, sizeof a);
	iampw_account_state(&p, warn, &prof, T0 + day * DAY + extra, &a);
	return a;
}

static void assert_state(struct iampw_account a, enum iampw_state st,
			 int64_t elapsed, int64_t left)
{
	assert_int_equal(a.state, st);
	assert_int_equal(a.elapsed_days, elapsed);
	assert_int_equal(a.days_left, left);
	assert_false(a.clock_behind);
}

/* IAM's "75-89 days old" window for MaxPasswordAge 90 and warn_days 15. */
static void test_day74_ok(void **state)
{
	assert_state(state_at(90, false, 15, false, 74, 0), IAMPW_STATE_OK, 74, 16);
	/* The last second of day 74 is still day 74. */
	assert_state(state_at(90, false, 15, false, 74, DAY - 1), IAMPW_STATE_OK, 74, 16);
}

static void test_day75_warns_15(void **state)
{
	assert_state(state_at(90, false, 15, false, 75, 0), IAMPW_STATE_WARN, 75, 15);
}

static void test_day89_warns_1(void **state)
{
	assert_state(state_at(90, false, 15, false, 89, 0), IAMPW_STATE_WARN, 89, 1);
}

static void test_day90_expired(void **state)
{
	struct iampw_policy p;
	struct iampw_profile prof;

	assert_state(state_at(90, false, 15, false, 90, 0), IAMPW_STATE_EXPIRED, 90, 0);
	assert_state(state_at(90, false, 15, false, 400, 0), IAMPW_STATE_EXPIRED, 400, -310);
	policy(&p, 90, false);
	profile(&prof, T0, false);
	assert_true(iampw_password_expired(&p, &prof, T0 + 90 * DAY));
	assert_false(iampw_password_expired(&p, &prof, T0 + 90 * DAY - 1));
}

/* Whole days are floored: one second short of day 90 is day 89. */
static void test_day90_minus_one_second_warns(void **state)
{
	assert_state(state_at(90, false, 15, false, 90, -1), IAMPW_STATE_WARN, 89, 1);
}

static void test_hard_expiry(void **state)
{
	assert_state(state_at(90, true, 15, false, 90, 0), IAMPW_STATE_HARD_EXPIRED, 90, 0);
	/* Hard expiry changes nothing before the limit. */
	assert_state(state_at(90, true, 15, false, 89, 0), IAMPW_STATE_WARN, 89, 1);
}

static void test_max_age_1(void **state)
{
	/* Right after the change the password has one day left: a warning. */
	assert_state(state_at(1, false, 15, false, 0, 0), IAMPW_STATE_WARN, 0, 1);
	assert_state(state_at(1, false, 15, false, 0, DAY - 1), IAMPW_STATE_WARN, 0, 1);
	assert_state(state_at(1, false, 15, false, 1, 0), IAMPW_STATE_EXPIRED, 1, 0);
}

static void test_max_age_1095(void **state)
{
	assert_state(state_at(1095, false, 15, false, 1079, 0), IAMPW_STATE_OK, 1079, 16);
	assert_state(state_at(1095, false, 15, false, 1080, 0), IAMPW_STATE_WARN, 1080, 15);
	assert_state(state_at(1095, false, 15, false, 1095, 0), IAMPW_STATE_EXPIRED, 1095, 0);
	assert_state(state_at(1095, true, 365, false, 730, 0), IAMPW_STATE_WARN, 730, 365);
}

static void test_warn_days_0_never_warns(void **state)
{
	assert_state(state_at(90, false, 0, false, 89, 0), IAMPW_STATE_OK, 89, 1);
	assert_state(state_at(90, false, 0, false, 90, -1), IAMPW_STATE_OK, 89, 1);
	assert_state(state_at(90, false, 0, false, 90, 0), IAMPW_STATE_EXPIRED, 90, 0);
}

static void test_no_max_age_never_expires(void **state)
{
	struct iampw_policy p;
	struct iampw_profile prof;
	struct iampw_account a;

	a = state_at(0, false, 15, false, 100000, 0);
	assert_int_equal(a.state, IAMPW_STATE_OK);
	assert_int_equal(a.elapsed_days, 100000);
	a = state_at(0, true, 365, false, 100000, 0);
	assert_int_equal(a.state, IAMPW_STATE_OK);
	/* IAM's default policy (no custom policy) never expires either. */
	policy(&p, 0, false);
	p.custom = false;
	p.min_length = 8;
	p.min_classes = 3;
	profile(&prof, 0, false);
	iampw_account_state(&p, 15, &prof, IAMPW_TIME_MAX, &a);
	assert_int_equal(a.state, IAMPW_STATE_OK);
	assert_false(iampw_password_expired(&p, &prof, INT64_MAX));
}

static void test_reset_beats_expired(void **state)
{
	struct iampw_policy p;
	struct iampw_profile prof;

	/* The counters are still filled: the caller may log them. */
	assert_state(state_at(90, false, 15, true, 120, 0),
		     IAMPW_STATE_RESET_REQUIRED, 120, -30);
	assert_state(state_at(90, true, 15, true, 120, 0),
		     IAMPW_STATE_RESET_REQUIRED, 120, -30);
	assert_state(state_at(90, false, 15, true, 80, 0),
		     IAMPW_STATE_RESET_REQUIRED, 80, 10);
	assert_int_equal(state_at(0, false, 15, true, 1, 0).state,
			 IAMPW_STATE_RESET_REQUIRED);
	/* iampw_password_expired is the expiry part alone. */
	policy(&p, 90, false);
	profile(&prof, T0, true);
	assert_false(iampw_password_expired(&p, &prof, T0 + 80 * DAY));
	assert_true(iampw_password_expired(&p, &prof, T0 + 120 * DAY));
}

static void test_clock_behind(void **state)
{
	struct iampw_account a;

	/* One second behind is day -1 (floor), not day 0. */
	a = state_at(90, false, 15, false, 0, -1);
	assert_int_equal(a.state, IAMPW_STATE_OK);
	assert_true(a.clock_behind);
	assert_int_equal(a.elapsed_days, -1);
	assert_int_equal(a.days_left, 91);
	/* Far behind: no warning, no expiry, whatever the numbers say. */
	a = state_at(1, true, 365, false, -5000, 0);
	assert_int_equal(a.state, IAMPW_STATE_OK);
	assert_true(a.clock_behind);
	/* The reset flag still applies. */
	a = state_at(90, false, 15, true, -3, 0);
	assert_int_equal(a.state, IAMPW_STATE_RESET_REQUIRED);
	assert_true(a.clock_behind);
	/* Exactly at the change is not behind. */
	a = state_at(90, false, 15, false, 0, 0);
	assert_false(a.clock_behind);
	assert_int_equal(a.elapsed_days, 0);
}

/* Dates before 1970 use the same floor rule. */
static void test_negative_times(void **state)
{
	struct iampw_policy p;
	struct iampw_profile prof;
	struct iampw_account a;

	policy(&p, 90, false);
	profile(&prof, -100 * DAY - 1, false);
	iampw_account_state(&p, 15, &prof, -11 * DAY - 2, &a);
	/* 89 days minus 1 second: day 88. */
	assert_int_equal(a.elapsed_days, 88);
	assert_int_equal(a.state, IAMPW_STATE_WARN);
	iampw_account_state(&p, 15, &prof, -10 * DAY - 1, &a);
	assert_int_equal(a.elapsed_days, 90);
	assert_int_equal(a.state, IAMPW_STATE_EXPIRED);
}

static void test_extremes(void **state)
{
	static const int64_t t[] = {
		INT64_MIN, INT64_MIN + 1, -DAY, -1, 0, 1, T0, IAMPW_TIME_MAX,
		INT64_MAX - 1, INT64_MAX,
	};
	static const unsigned ages[] = { 0, 1, 90, IAMPW_MAX_AGE_MAX };
	const size_t nt = sizeof t / sizeof t[0];
	struct iampw_policy p;
	struct iampw_profile prof;
	struct iampw_account a;

	for (size_t i = 0; i < nt; i++) {
		for (size_t j = 0; j < nt; j++) {
			for (size_t k = 0; k < sizeof ages / sizeof ages[0]; k++) {
				bool expired;

				policy(&p, ages[k], k % 2 == 0);
				profile(&prof, t[i], false);
				iampw_account_state(&p, 365, &prof, t[j], &a);
				expired = iampw_password_expired(&p, &prof, t[j]);
				assert_int_equal(a.clock_behind, t[j] < t[i]);
				assert_int_equal(expired,
						 a.state == IAMPW_STATE_EXPIRED ||
						 a.state == IAMPW_STATE_HARD_EXPIRED);
				if (a.clock_behind || ages[k] == 0)
					assert_int_equal(a.state, IAMPW_STATE_OK);
				if (t[j] >= t[i])
					assert_true(a.elapsed_days >= 0);
			}
		}
	}

	/* Changed at the dawn of time, checked at its end: long expired. */
	policy(&p, 90, false);
	profile(&prof, INT64_MIN, false);
	iampw_account_state(&p, 15, &prof, INT64_MAX, &a);
	assert_int_equal(a.state, IAMPW_STATE_EXPIRED);
	assert_int_equal(a.elapsed_days, INT64_MAX / DAY);
	assert_int_equal(a.days_left, 90 - INT64_MAX / DAY);

	/* The reverse: the clock is as far behind as it can be. */
	profile(&prof, INT64_MAX, false);
	iampw_account_state(&p, 15, &prof, INT64_MIN, &a);
	assert_int_equal(a.state, IAMPW_STATE_OK);
	assert_true(a.clock_behind);
	assert_int_equal(a.elapsed_days, INT64_MIN / DAY - 1);
	assert_false(iampw_password_expired(&p, &prof, INT64_MIN));

	/* A change "in the year 292 billion" seen from now. */
	iampw_account_state(&p, 15, &prof, T0, &a);
	assert_int_equal(a.state, IAMPW_STATE_OK);
	assert_true(a.clock_behind);

	/* A change at INT64_MIN seen from 1970: expired, no overflow. */
	profile(&prof, INT64_MIN, false);
	assert_true(iampw_password_expired(&p, &prof, 0));
	p.hard_expiry = true;
	iampw_account_state(&p, 15, &prof, 0, &a);
	assert_int_equal(a.state, IAMPW_STATE_HARD_EXPIRED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_day74_ok),
		cmocka_unit_test(test_day75_warns_15),
		cmocka_unit_test(test_day89_warns_1),
		cmocka_unit_test(test_day90_expired),
		cmocka_unit_test(test_day90_minus_one_second_warns),
		cmocka_unit_test(test_hard_expiry),
		cmocka_unit_test(test_max_age_1),
		cmocka_unit_test(test_max_age_1095),
		cmocka_unit_test(test_warn_days_0_never_warns),
		cmocka_unit_test(test_no_max_age_never_expires),
		cmocka_unit_test(test_reset_beats_expired),
		cmocka_unit_test(test_clock_behind),
		cmocka_unit_test(test_negative_times),
		cmocka_unit_test(test_extremes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
