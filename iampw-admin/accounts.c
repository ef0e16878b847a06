/*
 * The host's accounts for the verbs that look at every one of them
 * (get-credential-report, list-users, check, adopt-user --all), in
 * bounded memory (SPEC §8).  The passwd and shadow databases and the
 * profiles directory are each read once into sorted streams of records
 * (struct arec, xsort.c) that are walked in step: a getpwnam() or
 * getspnam() per account would rescan the files backend each time and
 * grow quadratically, and a table of every account would grow with the
 * host.  Per-name lookups remain for single accounts and for the names a
 * source does not enumerate (LDAP without enumeration): few by
 * construction.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef SHADOW_FILE
#define SHADOW_FILE "/etc/shadow"
#endif
/* Seq of the accounts asked for by uid: after every enumerated one. */
#define SEQ_UNLISTED (UINT64_C(1) << 62)

/* ---------------------------------------------------------------------- */
/* One account at a time                                                  */

/* getpwnam_r(3) and getpwuid_r(3): these also mean "not found" for some NSS modules. */
static bool not_found(int rc)
{
	return rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM;
}

static int lookup(const char *name, uid_t byuid, char *canon, uid_t *uid,
		  gid_t *gid, bool *found)
{
	struct passwd pw, *res = NULL;
	size_t size = 4096;
	char *buf = malloc(size);
	int rc;

	*found = false;
	if (buf == NULL)
		return ENOMEM;
	for (;;) {
		rc = name != NULL ? getpwnam_r(name, &pw, buf, size, &res) :
				    getpwuid_r(byuid, &pw, buf, size, &res);
		if (rc != ERANGE || (rc = iampw_nss_grow(&buf, &size)) != 0)
			break;
	}
	if (not_found(rc))
		rc = 0;
	/* Any spelling NSS resolves is the account's: its own name from here on. */
	if (rc == 0 && res != NULL && iampw_user_name_valid(pw.pw_name)) {
		*found = true;
		snprintf(canon, IAMPW_NAME_MAX + 1, "%s", pw.pw_name);
		if (uid != NULL)
			*uid = pw.pw_uid;
		*gid = pw.pw_gid;
	}
	free(buf);
	return rc;
}

int acct_lookup(const char *name, char *canon, uid_t *uid, gid_t *gid, bool *found)
{
	return lookup(name, 0, canon, uid, gid, found);
}

int acct_lookup_uid(uid_t uid, char *canon, gid_t *gid, bool *found)
{
	return lookup(NULL, uid, canon, NULL, gid, found);
}

int acct_shadow(const char *name, struct iampw_acct *a)
{
	struct spwd sp, *res = NULL;
	size_t size = 1024;
	char *buf = malloc(size);
	int rc;

	if (buf == NULL)
		return ENOMEM;
	for (;;) {
		rc = getspnam_r(name, &sp, buf, size, &res);
		if (rc != ERANGE || (rc = iampw_nss_grow(&buf, &size)) != 0)
			break;
	}
	if (not_found(rc))
		rc = 0;
	if (rc == 0)
		iampw_acct_set_shadow(a, res != NULL, res != NULL ? sp.sp_pwdp : NULL,
				      res != NULL ? sp.sp_lstchg : -1);
	iampw_wipe(&sp, sizeof sp);
	iampw_wipe(buf, size);
	free(buf);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Who holds a profile lock                                               */

pid_t acct_lock_holder(const struct iampw_store *s, uid_t uid, char *comm, size_t n)
{
	char line[256], path[64];
	pid_t holder = 0;
	dev_t dev;
	ino_t ino;
	FILE *f;

	comm[0] = '\0';
	if (!iampw_store_lock_file(s, uid, &dev, &ino))
		return 0;
	f = fopen("/proc/locks", "re");
	if (f == NULL)
		return 0;
	/* "1: FLOCK  ADVISORY  WRITE 1234 08:01:123456 0 EOF"; "->" lines wait. */
	while (holder == 0 && fgets(line, sizeof line, f) != NULL) {
		unsigned maj, min;
		unsigned long long lino;
		long pid;
		char kind[16];

		if (strstr(line, "->") != NULL ||
		    sscanf(line, "%*s %15s %*s %*s %ld %x:%x:%llu", kind, &pid, &maj, &min, &lino) != 5)
			continue;
		if (strcmp(kind, "FLOCK") == 0 && maj == major(dev) && min == minor(dev) &&
		    lino == (unsigned long long)ino && pid > 0)
			holder = (pid_t)pid;
	}
	fclose(f);
	if (holder == 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/comm", (long)holder);
	f = fopen(path, "re");
	if (f != NULL) {
		if (fgets(comm, (int)n, f) != NULL)
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	/* A process name is the user's to choose: show it escaped. */
	for (char *p = comm; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
	return holder;
}

/* ---------------------------------------------------------------------- */
/* Records                                                                */

/* The bytes of a record that matter: up to the end of its name. */
static size_t arec_len(const void *rec)
{
	const struct arec *r = rec;

	return offsetof(struct arec, name) + strnlen(r->name, IAMPW_NAME_MAX) + 1;
}

/* A name, then the enumeration order: the first entry of a name wins, as getpwnam's. */
static int arec_by_name(const void *a, const void *b)
{
	const struct arec *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r != 0)
		return r;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A uid, then the enumeration order: the first account of a uid wins, as getpwuid's. */
static int arec_by_uid(const void *a, const void *b)
{
	const struct arec *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Profile file names sort as the directory's entries do (by name). */
static int arec_by_file(const void *a, const void *b)
{
	return strcmp(((const struct arec *)a)->file, ((const struct arec *)b)->file);
}

static int arec_init(struct xsort *x, int (*cmp)(const void *, const void *))
{
	return xsort_init(x, sizeof(struct arec), arec_len, cmp, XSORT_BUDGET);
}

static int uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int uid_init(struct xsort *x)
{
	return xsort_init(x, sizeof(uint32_t), NULL, uid_cmp, XSORT_BUDGET);
}

static size_t entry_len(const void *rec)
{
	return strnlen(((const struct dir_entry *)rec)->name, sizeof(struct dir_entry) - 1) + 1;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dir_entry *)a)->name, ((const struct dir_entry *)b)->name);
}

/* A name of at most IAMPW_NAME_MAX bytes (iampw_user_name_valid) into a record. */
static void set_name(char dst[IAMPW_NAME_MAX + 1], const char *src)
{
	size_t n = strnlen(src, IAMPW_NAME_MAX);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---------------------------------------------------------------------- */
/* The databases, read once                                               */

/* Hand each passwd account to `fn` in enumeration order; 0 or errno. */
static int each_passwd(int (*fn)(void *ctx, const struct arec *r), void *ctx)
{
	struct passwd pw, *res;
	struct arec r;
	size_t size = 4096;
	uint64_t seq = 0;
	char *buf = malloc(size);
	int rc;

	if (buf == NULL)
		return ENOMEM;
	memset(&r, 0, sizeof r);
	setpwent();
	for (;;) {
		res = NULL;
		rc = getpwent_r(&pw, buf, size, &res);
		/* glibc rewinds to the same entry after ERANGE. */
		if (rc == ERANGE && (rc = iampw_nss_grow(&buf, &size)) == 0)
			continue;
		if (rc != 0 || res == NULL)
			break;
		if (!iampw_user_name_valid(pw.pw_name))
			continue;
		r.seq = seq++;
		r.uid = pw.pw_uid;
		r.gid = pw.pw_gid;
		set_name(r.name, pw.pw_name);
		rc = fn(ctx, &r);
		if (rc != 0)
			break;
	}
	endpwent();
	free(buf);
	/* The end of the database. */
	return rc == ENOENT ? 0 : rc;
}

static int put_arec(void *ctx, const struct arec *r)
{
	return xsort_put(ctx, r);
}

int acct_stream_passwd(struct xsort *byname)
{
	int rc = arec_init(byname, arec_by_name);

	if (rc == 0)
		rc = each_passwd(put_arec, byname);
	return rc != 0 ? rc : xsort_start(byname);
}

int acct_stream_shadow(struct xsort *byname)
{
	struct spwd sp, *res;
	struct arec r;
	size_t size = 4096;
	uint64_t seq = 0;
	char *buf;
	int rc;

	rc = arec_init(byname, arec_by_name);
	if (rc != 0)
		return rc;
	buf = malloc(size);
	if (buf == NULL)
		return ENOMEM;
	memset(&r, 0, sizeof r);
	setspent();
	for (;;) {
		struct iampw_acct one = { 0 };

		res = NULL;
		rc = getspent_r(&sp, buf, size, &res);
		if (rc == ERANGE && (rc = iampw_nss_grow(&buf, &size)) == 0)
			continue;
		if (rc != 0 || res == NULL)
			break;
		if (!iampw_user_name_valid(sp.sp_namp))
			continue;
		iampw_acct_set_shadow(&one, true, sp.sp_pwdp, sp.sp_lstchg);
		r.seq = seq++;
		r.flags = AREC_SHADOW | (one.usable ? AREC_USABLE : 0);
		r.lastchg = one.lastchg;
		memcpy(r.fp, one.fp, IAMPW_FP_SIZE);
		set_name(r.name, sp.sp_namp);
		rc = xsort_put(byname, &r);
		if (rc != 0)
			break;
	}
	endspent();
	/* The buffer held every password hash of the host. */
	iampw_wipe(buf, size);
	iampw_wipe(&sp, sizeof sp);
	free(buf);
	if (rc == ENOENT)
		rc = 0;
	return rc != 0 ? rc : xsort_start(byname);
}

int acct_next_name(struct xsort *x, struct arec *r, char prev[IAMPW_NAME_MAX + 1], bool *got)
{
	int rc;

	for (;;) {
		rc = xsort_next(x, r, got);
		if (rc != 0 || !*got)
			return rc;
		/* getpwnam()'s answer when two sources know a name: the first. */
		if (prev[0] != '\0' && strcmp(prev, r->name) == 0)
			continue;
		set_name(prev, r->name);
		return 0;
	}
}

struct dir_sorts {
	struct xsort *names, *uids;
};

static int put_entry(void *ctx, const char *name, enum iampw_entry kind, uid_t uid)
{
	const struct dir_sorts *k = ctx;
	struct dir_entry ent;
	uint32_t u = (uint32_t)uid;
	int rc;

	/* A Linux file name is at most 255 bytes: it fits. */
	if (k->names != NULL) {
		size_t n = strnlen(name, sizeof ent.name - 1);

		memcpy(ent.name, name, n);
		ent.name[n] = '\0';
		if ((rc = xsort_put(k->names, &ent)) != 0)
			return rc;
	}
	/* Locks, temp files and strays are no profiles. */
	return kind == IAMPW_ENTRY_PROFILE ? xsort_put(k->uids, &u) : 0;
}

int acct_stream_dir(const struct iampw_store *s, struct xsort *names, struct xsort *uids)
{
	struct dir_sorts k = { names, uids };
	int rc;

	rc = uid_init(uids);
	if (rc == 0 && names != NULL)
		rc = xsort_init(names, sizeof(struct dir_entry), entry_len, entry_cmp, XSORT_BUDGET);
	if (rc == 0)
		rc = iampw_store_scan(s, put_entry, &k);
	if (rc == 0 && names != NULL)
		rc = xsort_start(names);
	return rc != 0 ? rc : xsort_start(uids);
}

/* ---------------------------------------------------------------------- */
/* get-credential-report: every account, and the profiles' owners          */

struct name_and_uid {
	struct xsort *byname, *uids;
};

static int put_name_and_uid(void *ctx, const struct arec *r)
{
	const struct name_and_uid *k = ctx;
	uint32_t u = r->uid;
	int rc = xsort_put(k->byname, r);

	return rc != 0 ? rc : xsort_put(k->uids, &u);
}

/* The account of a profile's uid that the enumeration did not list, by uid. */
static int add_unlisted(struct xsort *out, uint32_t uid, uint64_t seq)
{
	struct arec r;
	bool found;
	gid_t gid;
	int rc;

	memset(&r, 0, sizeof r);
	rc = acct_lookup_uid((uid_t)uid, r.name, &gid, &found);
	if (rc != 0 || !found)
		return rc;
	r.seq = seq;
	r.uid = uid;
	r.gid = (uint32_t)gid;
	return xsort_put(out, &r);
}

int acct_stream_accounts(const struct iampw_store *s, struct xsort *byname)
{
	struct xsort listed = { .fd = -1 }, profs = { .fd = -1 };
	struct name_and_uid k = { byname, &listed };
	uint32_t l = 0, p;
	bool have_l = false, have_p;
	uint64_t seq = SEQ_UNLISTED;
	int rc;

	rc = arec_init(byname, arec_by_name);
	if (rc == 0)
		rc = uid_init(&listed);
	if (rc == 0)
		rc = each_passwd(put_name_and_uid, &k);
	if (rc == 0)
		rc = xsort_start(&listed);
	if (rc == 0)
		rc = acct_stream_dir(s, NULL, &profs);
	if (rc == 0)
		rc = xsort_next(&listed, &l, &have_l);
	/* Both by uid: a profile whose uid no listed account has is asked for. */
	while (rc == 0 && (rc = xsort_next(&profs, &p, &have_p)) == 0 && have_p) {
		while (have_l && l < p && (rc = xsort_next(&listed, &l, &have_l)) == 0)
			;
		if (rc == 0 && !(have_l && l == p))
			rc = add_unlisted(byname, p, seq++);
	}
	xsort_free(&listed);
	xsort_free(&profs);
	return rc != 0 ? rc : xsort_start(byname);
}

/* ---------------------------------------------------------------------- */
/* A walk of the shadow entries in name order                             */

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

int shadow_walk_open(struct shadow_walk *w)
{
	memset(w, 0, sizeof *w);
	w->x.fd = -1;
	/* Before the read: a change made during it is a change. */
	w->st_ok = stat(SHADOW_FILE, &w->st) == 0;
	return acct_stream_shadow(&w->x);
}

int shadow_walk_seek(struct shadow_walk *w, const char *name, struct iampw_acct *ia,
		     bool *found)
{
	int rc;

	*found = false;
	for (;;) {
		int cmp;

		if (!w->have) {
			if (w->done)
				return 0;
			rc = acct_next_name(&w->x, &w->cur, w->prev, &w->have);
			if (rc != 0)
				return rc;
			if (!w->have) {
				w->done = true;
				return 0;
			}
		}
		cmp = strcmp(w->cur.name, name);
		if (cmp > 0)
			return 0;
		if (cmp < 0) {
			w->have = false;
			continue;
		}
		ia->shadow = true;
		ia->usable = (w->cur.flags & AREC_USABLE) != 0;
		ia->lastchg = (long)w->cur.lastchg;
		memcpy(ia->fp, w->cur.fp, IAMPW_FP_SIZE);
		*found = true;
		return 0;
	}
}

int shadow_walk_entry(struct shadow_walk *w, const char *name, struct iampw_acct *ia)
{
	struct stat now;
	bool found;
	int rc;

	if (stat(SHADOW_FILE, &now) != 0)
		return acct_shadow(name, ia);
	/* Changed since it was read: read again, and walk on from `name`. */
	if (!w->st_ok || !same_file(&now, &w->st)) {
		shadow_walk_close(w);
		rc = shadow_walk_open(w);
		if (rc != 0)
			return rc;
	}
	rc = shadow_walk_seek(w, name, ia, &found);
	/* A source that does not enumerate is asked. */
	return rc != 0 || found ? rc : acct_shadow(name, ia);
}

void shadow_walk_close(struct shadow_walk *w)
{
	xsort_free(&w->x);
	iampw_wipe(&w->cur, sizeof w->cur);
}

/* ---------------------------------------------------------------------- */
/* check: the owner of every profile                                      */

/* The owner of the profile of `uid` from the accounts by uid, or asked for. */
static int owner_by_uid(struct xsort *accts, struct arec *a, bool *have_a, uint32_t uid,
			struct arec *p)
{
	int rc = 0;
	gid_t gid;
	bool found;

	while (*have_a && a->uid < uid && (rc = xsort_next(accts, a, have_a)) == 0)
		;
	if (rc != 0)
		return rc;
	if (*have_a && a->uid == uid) {
		set_name(p->name, a->name);
		p->gid = a->gid;
		p->flags |= AREC_FOUND;
		return 0;
	}
	/* A source that does not enumerate (LDAP without it) is asked. */
	rc = acct_lookup_uid((uid_t)uid, p->name, &gid, &found);
	if (rc != 0)
		p->err = rc;
	else if (found) {
		p->gid = (uint32_t)gid;
		p->flags |= AREC_FOUND;
	}
	return 0;
}

/* Owners by name, each given its shadow entry, into the sort by file name. */
static int owners_shadow(struct xsort *byname, struct xsort *byfile)
{
	struct shadow_walk w;
	struct arec r;
	bool got;
	int rc;

	rc = shadow_walk_open(&w);
	while (rc == 0 && (rc = xsort_next(byname, &r, &got)) == 0 && got) {
		struct iampw_acct ia = { 0 };
		bool found;

		rc = shadow_walk_seek(&w, r.name, &ia, &found);
		if (rc == 0 && !found) {
			int err = acct_shadow(r.name, &ia);

			if (err != 0) {
				r.err = err;
				r.flags |= AREC_SHADOW_ERR;
			}
		}
		if (rc != 0)
			break;
		if (ia.shadow)
			r.flags |= AREC_SHADOW;
		if (ia.usable)
			r.flags |= AREC_USABLE;
		r.lastchg = ia.lastchg;
		memcpy(r.fp, ia.fp, IAMPW_FP_SIZE);
		rc = xsort_put(byfile, &r);
	}
	shadow_walk_close(&w);
	return rc;
}

/* Each profile's owner, by uid: found ones into `byname`, the others into `byfile`. */
static int owners_by_uid(struct xsort *profs, struct xsort *byname, struct xsort *byfile)
{
	struct xsort accts = { .fd = -1 };
	struct arec a, p;
	bool have_a = false, have_p;
	uint64_t seq = 0;
	uint32_t uid;
	int rc;

	rc = arec_init(&accts, arec_by_uid);
	if (rc == 0)
		rc = each_passwd(put_arec, &accts);
	if (rc == 0)
		rc = xsort_start(&accts);
	if (rc == 0)
		rc = xsort_next(&accts, &a, &have_a);
	while (rc == 0 && (rc = xsort_next(profs, &uid, &have_p)) == 0 && have_p) {
		memset(&p, 0, sizeof p);
		p.seq = seq++;
		p.uid = uid;
		if (!iampw_profile_file_name((uid_t)uid, p.file))
			continue;
		rc = owner_by_uid(&accts, &a, &have_a, uid, &p);
		if (rc != 0)
			break;
		/* Without an owner there is no shadow entry to find. */
		rc = (p.flags & AREC_FOUND) ? xsort_put(byname, &p) : xsort_put(byfile, &p);
	}
	xsort_free(&accts);
	return rc;
}

int acct_stream_owners(struct xsort *uids, struct xsort *byfile)
{
	struct xsort byname = { .fd = -1 };
	int rc;

	rc = arec_init(byfile, arec_by_file);
	if (rc == 0)
		rc = arec_init(&byname, arec_by_name);
	if (rc == 0)
		rc = owners_by_uid(uids, &byname, byfile);
	/* Read to its end: its memory goes before the shadow walk's comes. */
	xsort_free(uids);
	if (rc == 0)
		rc = xsort_start(&byname);
	if (rc == 0)
		rc = owners_shadow(&byname, byfile);
	xsort_free(&byname);
	return rc != 0 ? rc : xsort_start(byfile);
}
