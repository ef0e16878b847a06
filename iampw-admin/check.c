/*
 * iampw-admin check: validate iampw.conf, policy.conf, the state
 * directory and every file in it, like `sshd -t`.
 *
 * Every problem is one line on stderr ("file:line: what" as the core
 * words it), nothing goes to stdout, and the exit status is 253 when
 * there is any problem, 0 otherwise.  Unlike the other verbs, a broken
 * iampw.conf does not stop the run: the point is to list everything that
 * needs fixing at once.  Each problem is printed as soon as it is found,
 * so the core's error collector (4 KiB) never cuts a long list short.
 */
#include "config.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pamstack.h"
#include "messages.h"

/* A directory entry name with every byte escaped as \xNN. */
#define SHOWN_NAME_SIZE (4 * 256 + 1)

struct checker {
	const struct cli *c;
	unsigned problems;
	struct iampw_config cfg;
	bool scope_known;          /* iampw.conf and its group are usable */
	struct iampw_store *store;
	/*
	 * The owner of every profile, sorted by file name like the entries
	 * (acct_stream_owners): passwd and shadow read once, in bounded memory.
	 */
	struct xsort owners;
	struct arec owner;         /* the next one */
	bool have_owner;
};

static void problem(struct checker *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct checker *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	k->problems++;
}

/* Print the lines the core collected, each one a problem. */
static void problems_of(struct checker *k, const struct iampw_err *e)
{
	if (cli_print_problems(e) == 0) {
		/* A failure without a message still fails the check. */
		if (e->code != IAMPW_OK)
			problem(k, "%s", iampw_strerror(e->code));
		return;
	}
	k->problems += e->count ? e->count : 1;
}

/*
 * A directory entry's name as it may be shown on a terminal: anything
 * but printable ASCII is escaped, so a hostile name cannot send escape
 * sequences or fake a second line.
 */
static const char *shown(const char *name, char out[SHOWN_NAME_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)name;
	     *p != '\0' && o + 5 < SHOWN_NAME_SIZE; p++) {
		if (*p > 0x20 && *p < 0x7f && *p != '\\') {
			out[o++] = (char)*p;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[*p >> 4];
		out[o++] = hex[*p & 15];
	}
	out[o] = '\0';
	return out;
}

/* ---------------------------------------------------------------------- */
/* Configuration                                                          */

/*
 * Ask the group question once, with a uid inside the range (min_uid is
 * at least 1, so never root): a configured group that does not exist is
 * then one problem, not one per profile.
 */
static void check_scope_group(struct checker *k)
{
	struct iampw_err e;
	bool in;

	if (k->cfg.group[0] == '\0')
		return;
	iampw_err_init(&e);
	if (iampw_in_scope(&k->cfg, "", k->cfg.min_uid, (gid_t)-1, &in, &e) != IAMPW_OK) {
		/* The core's message names the key, not the file. */
		problem(k, "%s: %s", k->c->config, e.text);
		k->scope_known = false;
	}
}

/* A configured filter that does not open stops every change (SPEC 9.1). */
static void check_blocklist(struct checker *k)
{
	struct iampw_blocklist b;
	struct iampw_err e;

	if (k->cfg.blocklist[0] == '\0')
		return;
	iampw_err_init(&e);
	if (iampw_blocklist_open(&b, k->cfg.blocklist, 0, &e) != IAMPW_OK)
		problems_of(k, &e);
	iampw_blocklist_close(&b);
}

/* The module of a PAM line ("type control module args"), or NULL. */
/* Which pam_iampw password lines common-password has. */
struct commit_scan {
	bool check, commit;
};

static int commit_line(void *ctx, const struct pam_line *l)
{
	struct commit_scan *s = ctx;

	if (pam_line_type(l) != PAM_TYPE_PASSWORD || l->target == NULL ||
	    strcmp(pam_module_name(l->target), "pam_iampw.so") != 0)
		return 0;
	if (pam_line_has_arg(l, "commit"))
		s->commit = true;
	else
		s->check = true;
	return 0;
}

/*
 * The host's common-password must record what pam_iampw checks: without
 * the commit line, no change is recorded and the account's lock, taken by
 * the check, is held until the program ends its PAM transaction (for a
 * forced change at login: the end of the session).  What cannot be read
 * is not this check's to report: it judges the lines it could read.
 */
static void check_pam_stack(struct checker *k)
{
	static const char path[] = PAMD_DIR "/common-password";
	struct commit_scan s = { false, false };
	struct iampw_err e;

	iampw_err_init(&e);
	(void)pam_file_walk(path, commit_line, &s, &e);
	if (s.check && !s.commit)
		problem(k, "%s: pam_iampw checks new passwords but no 'password ... pam_iampw.so commit' "
			"line records them: changes are not recorded, and a forced change at login holds "
			"the account's lock until the session ends; enable it with "
			"'pam-auth-update --enable iampw-commit'", path);
}

static void check_config(struct checker *k)
{
	struct iampw_policy pol;
	struct iampw_err e;

	iampw_err_init(&e);
	if (iampw_config_load(k->c->config, 0, &k->cfg, &e) != IAMPW_OK)
		problems_of(k, &e);
	else
		k->scope_known = true;
	if (k->scope_known) {
		check_scope_group(k);
		check_blocklist(k);
	}
	iampw_err_init(&e);
	if (iampw_policy_load(k->c->policy, 0, &pol, &e) != IAMPW_OK)
		problems_of(k, &e);
	check_pam_stack(k);
}

/* ---------------------------------------------------------------------- */
/* The profiles directory                                                 */

/* The owner record of the profile `file`, from the stream (NULL: none there). */
static const struct arec *owner_record(struct checker *k, const char *file)
{
	int rc = 0;

	/* Both walks go in the same order: never back. */
	while (k->have_owner && strcmp(k->owner.file, file) < 0 &&
	       (rc = xsort_next(&k->owners, &k->owner, &k->have_owner)) == 0)
		;
	if (rc != 0)
		k->have_owner = false;
	return k->have_owner && strcmp(k->owner.file, file) == 0 ? &k->owner : NULL;
}

/* The account that has `uid` now; false when none does. */
static bool owner_of(struct checker *k, uid_t uid, const char *file,
		     char name[IAMPW_NAME_MAX + 1], struct iampw_acct *ia)
{
	const struct arec *o = owner_record(k, file);
	struct arec one = { 0 };
	bool found = true;
	int rc = 0;

	/* Not in the stream (a file written since it was read): asked for. */
	if (o == NULL) {
		rc = acct_lookup_uid(uid, one.name, &ia->gid, &found);
		if (rc == 0 && found && (rc = acct_shadow(one.name, ia)) != 0)
			one.flags |= AREC_SHADOW_ERR;
		one.err = rc;
		one.flags |= found ? AREC_FOUND : 0;
		one.gid = (uint32_t)ia->gid;
		if (ia->shadow)
			one.flags |= AREC_SHADOW;
		if (ia->usable)
			one.flags |= AREC_USABLE;
		one.lastchg = ia->lastchg;
		memcpy(one.fp, ia->fp, IAMPW_FP_SIZE);
		o = &one;
	}
	if (o->err != 0 && !(o->flags & AREC_SHADOW_ERR)) {
		problem(k, "%s/%s: cannot look up uid %lu: %s", iampw_store_path(k->store), file,
			(unsigned long)uid, iampw_errstr(o->err));
		return false;
	}
	if (!(o->flags & AREC_FOUND))
		return false;
	snprintf(name, IAMPW_NAME_MAX + 1, "%s", o->name);
	ia->uid = uid;
	ia->gid = o->gid;
	ia->name = name;
	if (o->flags & AREC_SHADOW_ERR) {
		problem(k, "%s/%s: cannot read the shadow entry of uid %lu: %s", iampw_store_path(k->store),
			file, (unsigned long)uid, iampw_errstr(o->err));
		return true;
	}
	/* The entry as the stream reduced it (iampw_acct_set_shadow): no digest to make again. */
	ia->shadow = (o->flags & AREC_SHADOW) != 0;
	ia->usable = (o->flags & AREC_USABLE) != 0;
	ia->lastchg = ia->shadow ? (long)o->lastchg : -1;
	memcpy(ia->fp, o->fp, IAMPW_FP_SIZE);
	return true;
}

/*
 * Does the profile belong to the account that has its uid now, and is that
 * account in scope (§3.1)?  Each finding says how to resolve it.
 */
static void check_owner(struct checker *k, const char *file, struct iampw_profile *p)
{
	char name[IAMPW_NAME_MAX + 1], was[IAMPW_NAME_SHOWN], now[IAMPW_NAME_SHOWN];
	const char *dir = iampw_store_path(k->store);
	struct iampw_acct ia = { 0 };
	struct iampw_err e;
	bool in = false;

	iampw_name_display(p->user, was);
	if (!owner_of(k, (uid_t)p->uid, file, name, &ia)) {
		problem(k, "%s/%s: no account has uid %lu any more (the profile of %s, a deleted account): "
			"remove the file once the account is gone for good",
			dir, file, (unsigned long)p->uid, was);
		return;
	}
	iampw_name_display(name, now);
	switch (iampw_govern(&ia, true, 0, p)) {
	case IAMPW_OWNER_RENAMED:
		problem(k, "%s/%s: the account %s (uid %lu) was renamed from %s; its rules still apply: "
			"run 'iampw-admin adopt-user --user-name %s' to record the new name",
			dir, file, now, (unsigned long)ia.uid, was, now);
		return;
	case IAMPW_OWNER_OTHER:
		problem(k, "%s/%s: the profile of %s does not belong to the account %s that has uid %lu now "
			"(re-created, or its password was set outside PAM): %s must set a new password at the "
			"next password login; run 'iampw-admin adopt-user --user-name %s' to keep its current "
			"password, or 'iampw-admin create-login-profile --user-name %s' to set a new one",
			dir, file, was, now, (unsigned long)ia.uid, now, now, now);
		return;
	default:
		break;
	}
	if (!k->scope_known)
		return;
	iampw_err_init(&e);
	if (ia.uid == 0)
		problem(k, "%s/%s: the account %s is root, never in scope: the profile is never used",
			dir, file, now);
	else if (iampw_in_scope(&k->cfg, name, ia.uid, ia.gid, &in, &e) != IAMPW_OK)
		problem(k, "%s/%s: %s", dir, file, e.text);
	else if (!in)
		problem(k, "%s/%s: the account %s is out of scope (iampw.conf [scope]): the profile is never used",
			dir, file, now);
}

static void check_profile(struct checker *k, const char *file, uid_t uid)
{
	struct iampw_profile p;
	struct iampw_err e;

	iampw_err_init(&e);
	/* Opens safely and checks owner, mode, content and the uid key. */
	if (iampw_profile_load(k->store, uid, &p, &e) != IAMPW_OK) {
		/* Nothing was left in p: a failed parse clears it. */
		problems_of(k, &e);
		return;
	}
	check_owner(k, file, &p);
	/* Filled into a cleared profile (by the parse or iampw_govern): the cheap wipe will do. */
	iampw_profile_wipe(&p);
}

/*
 * A hidden entry: ".<uid>.lock" (kept for good, see store.c) is fine
 * when it is a regular file; ".<uid>.<10 random>" is the temp file of a
 * write that never finished unless the write is under way.
 */
static void check_entry(struct checker *k, const char *name)
{
	const char *dir = iampw_store_path(k->store);
	char show[SHOWN_NAME_SIZE], file[IAMPW_UID_NAME_SIZE];
	uid_t uid;

	switch (iampw_store_entry_inspect(k->store, name, &uid)) {
	case IAMPW_ENTRY_PROFILE:
		check_profile(k, name, uid);
		return;
	case IAMPW_ENTRY_LOCK:
	case IAMPW_ENTRY_WRITING:
	case IAMPW_ENTRY_TEMP:
		return;
	case IAMPW_ENTRY_BAD_LOCK:
		problem(k, "%s/%s: lock file is not a regular file", dir, name);
		return;
	case IAMPW_ENTRY_STALE_TEMP:
		iampw_profile_file_name(uid, file);
		problem(k, "%s/%s: temporary file left by an interrupted write of the profile of uid %s (remove it)",
			dir, name, file);
		return;
	case IAMPW_ENTRY_STRAY:
		break;
	}
	if (name[0] == '.')
		problem(k, "%s/%s: not a profile, lock or temporary file of pam_iampw",
			dir, shown(name, show));
	else
		problem(k, "%s/%s: not named by a uid, so never a profile (profiles are filed by uid: iampw.conf(5))",
			dir, shown(name, show));
}

static void check_store(struct checker *k)
{
	struct xsort names = { .fd = -1 }, uids = { .fd = -1 };
	struct dir_entry entry;
	struct iampw_err e;
	bool got;
	int rc;

	iampw_err_init(&e);
	/* Without create: a missing state dir is fine, it is made at the first write. */
	if (iampw_store_open(&k->store, k->c->state_dir, false, 0, 0, &e) != IAMPW_OK) {
		problems_of(k, &e);
		return;
	}
	if (!iampw_store_present(k->store))
		return;
	rc = acct_stream_dir(k->store, &names, &uids);
	if (rc != 0) {
		problem(k, "%s: cannot read the directory: %s", iampw_store_path(k->store),
			iampw_errstr(rc));
		goto out;
	}
	/* Without the owners, each profile's is asked for by uid (owner_of). */
	rc = acct_stream_owners(&uids, &k->owners);
	if (rc == 0)
		rc = xsort_next(&k->owners, &k->owner, &k->have_owner);
	if (rc != 0)
		problem(k, "cannot read the passwd or shadow database: %s",
			iampw_errstr(rc));
	/* Sorted, so that the report reads the same on every run. */
	while ((rc = xsort_next(&names, &entry, &got)) == 0 && got)
		check_entry(k, entry.name);
	if (rc != 0)
		problem(k, "%s: cannot read the directory: %s", iampw_store_path(k->store),
			iampw_errstr(rc));
out:
	xsort_free(&names);
	xsort_free(&uids);
}

/*
 * The MFA devices (§10): every file safe and well formed, no stray entry,
 * one device per uid, and every assigned uid still an account's.
 */
static void check_mfa(struct checker *k)
{
	struct iampw_mfa_store *ms = NULL;
	struct iampw_mfa_device *d = calloc(1, sizeof *d);
	uint32_t *uids = NULL;
	char **names = NULL;
	size_t n = 0, nu = 0;
	struct iampw_err e;

	iampw_err_init(&e);
	if (d == NULL) {
		problem(k, MSG_NOMEM);
		return;
	}
	if (iampw_mfa_open(&ms, k->c->state_dir, false, 0, 0, &e) != IAMPW_OK ||
	    iampw_mfa_names(ms, &names, &n, &e) != IAMPW_OK) {
		problems_of(k, &e);
		goto out;
	}
	uids = calloc(n > 0 ? n : 1, sizeof *uids);
	for (size_t i = 0; uids != NULL && i < n; i++) {
		char canon[IAMPW_NAME_MAX + 1];
		bool found = false;
		gid_t gid;

		iampw_err_init(&e);
		if (iampw_mfa_load(ms, names[i], d, &e) != IAMPW_OK) {
			problems_of(k, &e);
			continue;
		}
		if (!d->assigned)
			continue;
		for (size_t j = 0; j < nu; j++) {
			if (uids[j] == d->uid)
				problem(k, "%s/d.%s: a second device assigned to uid %lu: the MFA step "
					"refuses that account's logins until one is deactivated",
					iampw_mfa_store_path(ms), d->name, (unsigned long)d->uid);
		}
		uids[nu++] = d->uid;
		if (acct_lookup_uid(d->uid, canon, &gid, &found) == 0 && !found)
			problem(k, "%s/d.%s: assigned to uid %lu (%s), which no account has any more: "
				"remove the file, or deactivate the device before a new account gets that uid",
				iampw_mfa_store_path(ms), d->name, (unsigned long)d->uid, d->user);
	}
	if (uids == NULL && n > 0)
		problem(k, MSG_NOMEM);
out:
	free(uids);
	iampw_mfa_clear(d);
	free(d);
	iampw_mfa_names_free(names, n);
	iampw_mfa_close(ms);
}

int verb_check(struct cli *c)
{
	struct checker k;

	/* A compliance report, not a validation: compliance.c. */
	if (c->against != NULL)
		return verb_check_against(c);
	memset(&k, 0, sizeof k);
	k.c = c;
	k.owners.fd = -1;
	check_config(&k);
	check_store(&k);
	check_mfa(&k);
	iampw_store_close(k.store);
	xsort_free(&k.owners);
	return k.problems > 0 ? EXIT_CONFIG : EXIT_OK;
}
