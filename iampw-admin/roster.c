/*
 * The accounts the credential report lists (§6.2), and the uids with an
 * enabled MFA device (§10): read once, in bounded memory, for the report
 * and for check --against, so that both count the same users.
 *
 * The passwd and shadow databases are each streamed sorted by name and
 * walked in step (a getspnam() per user would rescan /etc/shadow each
 * time: quadratic); names a source does not enumerate are asked for.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "messages.h"

void roster_init(struct roster *r)
{
	memset(r, 0, sizeof *r);
	r->accounts.fd = r->shadow.x.fd = -1;
}

int roster_open(struct roster *r, const struct iampw_store *profiles, struct iampw_err *e)
{
	int rc = acct_stream_accounts(profiles, &r->accounts);

	if (rc != 0)
		return iampw_err_add(e, IAMPW_E_IO, "cannot read the user database or %s: %s",
				     iampw_store_path(profiles), iampw_errstr(rc));
	rc = shadow_walk_open(&r->shadow);
	if (rc != 0)
		return iampw_err_add(e, IAMPW_E_IO, "cannot read the shadow database: %s",
				     iampw_errstr(rc));
	return IAMPW_OK;
}

/* The account's shadow entry, from the walk or, for a source that does not enumerate, asked for. */
static int shadow_of(struct roster *r, struct iampw_acct *ia)
{
	bool found;
	int rc = shadow_walk_seek(&r->shadow, ia->name, ia, &found);

	if (rc != 0 || found)
		return rc;
	return acct_shadow(ia->name, ia);
}

int roster_next(struct roster *r, const struct iampw_config *cfg, struct arec *acct,
		struct iampw_acct *ia, bool *got, struct iampw_err *e)
{
	for (;;) {
		bool in = false;
		int rc = acct_next_name(&r->accounts, acct, r->prev, got);

		if (rc != 0)
			return iampw_err_add(e, IAMPW_E_IO, "cannot read the user database: %s",
					     iampw_errstr(rc));
		if (!*got)
			return IAMPW_OK;
		if (acct->uid == 0)
			continue;
		rc = iampw_in_scope(cfg, acct->name, acct->uid, acct->gid, &in, e);
		if (rc != IAMPW_OK)
			return rc;
		if (!in)
			continue;
		memset(ia, 0, sizeof *ia);
		ia->uid = acct->uid;
		ia->gid = acct->gid;
		ia->name = acct->name;
		rc = shadow_of(r, ia);
		if (rc != 0)
			return iampw_err_add(e, IAMPW_E_IO, MSG_SHADOW_UNREADABLE,
					     acct->name, iampw_errstr(rc));
		return IAMPW_OK;
	}
}

void roster_close(struct roster *r)
{
	xsort_free(&r->accounts);
	shadow_walk_close(&r->shadow);
}

static int cmp_uid(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/*
 * A device that cannot be read is an error: nobody is ever counted
 * without a device because one could not be seen.
 */
int roster_mfa_uids(const char *state_dir, struct roster_mfa *m, struct iampw_err *e)
{
	struct iampw_mfa_store *ms = NULL;
	struct iampw_mfa_device *d = calloc(1, sizeof *d);
	char **names = NULL;
	size_t n = 0;
	int rc;

	memset(m, 0, sizeof *m);
	if (d == NULL)
		return iampw_err_add(e, IAMPW_E_NOMEM, MSG_NOMEM);
	rc = iampw_mfa_open(&ms, state_dir, false, 0, 0, e);
	if (rc == IAMPW_OK)
		rc = iampw_mfa_names(ms, &names, &n, e);
	if (rc == IAMPW_OK && (m->uids = calloc(n > 0 ? n : 1, sizeof *m->uids)) == NULL)
		rc = iampw_err_add(e, IAMPW_E_NOMEM, MSG_NOMEM);
	for (size_t i = 0; i < n && rc == IAMPW_OK; i++) {
		int lrc = iampw_mfa_load(ms, names[i], d, e);

		if (lrc == IAMPW_OK && d->assigned)
			m->uids[m->n++] = d->uid;
		else if (lrc != IAMPW_OK && lrc != IAMPW_E_NOENT)
			rc = lrc;
	}
	if (m->uids != NULL)
		qsort(m->uids, m->n, sizeof *m->uids, cmp_uid);
	iampw_mfa_clear(d);
	free(d);
	iampw_mfa_names_free(names, n);
	iampw_mfa_close(ms);
	return rc;
}

bool roster_mfa_has(const struct roster_mfa *m, uint32_t uid)
{
	return m->n > 0 && bsearch(&uid, m->uids, m->n, sizeof uid, cmp_uid) != NULL;
}

void roster_mfa_free(struct roster_mfa *m)
{
	free(m->uids);
	memset(m, 0, sizeof *m);
}
