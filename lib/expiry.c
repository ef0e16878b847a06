/*
 * Account state at an instant (§5.1), with shadow's day arithmetic.
 * Every input may be hostile (a hand-edited profile, a clock far off), so
 * all date arithmetic saturates instead of overflowing.
 */
#include "config.h"

#include "internal.h"

#define DAY_SECONDS INT64_C(86400)

/* floor(a / b) for b > 0; C's division truncates toward zero. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && a < 0)
		q--;
	return q;
}

struct age {
	int64_t elapsed_days;
	int64_t days_left;
	bool clock_behind;
	bool expired;
};

static void password_age(const struct iampw_policy *p,
			 const struct iampw_profile *prof, int64_t now,
			 struct age *g)
{
	g->clock_behind = now < prof->last_changed;
	/* Saturation keeps a far-off clock on the right side of the limit. */
	g->elapsed_days = floor_div(iampw_sat_sub(now, prof->last_changed),
				    DAY_SECONDS);
	if (p->max_age == 0) {
		/* Never expires: as many days left as can be said. */
		g->days_left = INT64_MAX;
		g->expired = false;
		return;
	}
	g->days_left = iampw_sat_sub((int64_t)p->max_age, g->elapsed_days);
	/* A clock behind the last change proves nothing about the age. */
	g->expired = !g->clock_behind && g->days_left <= 0;
}

void iampw_account_state(const struct iampw_policy *p, unsigned warn_days,
			 const struct iampw_profile *prof, int64_t now,
			 struct iampw_account *a)
{
	struct age g;

	password_age(p, prof, now, &g);
	a->elapsed_days = g.elapsed_days;
	a->days_left = g.days_left;
	a->clock_behind = g.clock_behind;

	if (prof->reset_required)
		a->state = IAMPW_STATE_RESET_REQUIRED;
	else if (g.expired)
		a->state = p->hard_expiry ? IAMPW_STATE_HARD_EXPIRED
					  : IAMPW_STATE_EXPIRED;
	else if (p->max_age > 0 && !g.clock_behind && g.days_left >= 1 &&
		 g.days_left <= (int64_t)warn_days)
		a->state = IAMPW_STATE_WARN;
	else
		a->state = IAMPW_STATE_OK;
}

bool iampw_password_expired(const struct iampw_policy *p,
			    const struct iampw_profile *prof, int64_t now)
{
	struct age g;

	password_age(p, prof, now, &g);
	return g.expired;
}
