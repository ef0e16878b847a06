/*
 * The passwd database read once into a sorted table: the verbs that look
 * at every profile (get-credential-report, check) match names with a
 * binary search instead of a getpwnam() per profile, which rescans the
 * files backend each time and grows quadratically.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The largest NSS buffer we grow to. */
#define NSS_BUF_MAX (1u << 20)

/* ---------------------------------------------------------------------- */
/* Name tables                                                            */

struct acct *acct_add(struct acct_table *t, const char *name)
{
	struct acct *e;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct acct *v = reallocarray(t->v, cap, sizeof *v);

		if (v == NULL)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	e = &t->v[t->n];
	memset(e, 0, sizeof *e);
	e->name = strdup(name);
	if (e->name == NULL)
		return NULL;
	e->seq = t->n++;
	return e;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct acct *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r != 0)
		return r;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int name_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct acct *)elem)->name);
}

/*
 * Sort by name, keeping only the first entry of each name in enumeration
 * order: what getpwnam() would return when two NSS sources know a name.
 */
void acct_sort(struct acct_table *t)
{
	size_t out = 0;

	if (t->n == 0)
		return;
	qsort(t->v, t->n, sizeof *t->v, entry_cmp);
	for (size_t i = 0; i < t->n; i++) {
		if (out > 0 && strcmp(t->v[out - 1].name, t->v[i].name) == 0) {
			free(t->v[i].name);
			continue;
		}
		t->v[out++] = t->v[i];
	}
	t->n = out;
}

const struct acct *acct_find(const struct acct_table *t, const char *name)
{
	if (t->n == 0)
		return NULL;
	return bsearch(name, t->v, t->n, sizeof *t->v, name_cmp);
}

void acct_free(struct acct_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------------- */
/* Reading the databases once                                             */

/*
 * A bigger NSS buffer.  Not realloc: the old one may hold shadow hashes,
 * which must be wiped, not left behind in freed memory.
 */
int acct_grow(char **buf, size_t *size)
{
	char *n;

	if (*size >= NSS_BUF_MAX)
		return ERANGE;
	n = malloc(*size * 2);
	if (n == NULL)
		return ENOMEM;
	iampw_wipe(*buf, *size);
	free(*buf);
	*buf = n;
	*size *= 2;
	return 0;
}

/* Every account of the passwd database: any name is somebody's (§3.1). */
int acct_read_passwd(struct acct_table *t)
{
	struct passwd pw, *res;
	size_t size = 4096;
	char *buf = malloc(size);
	int rc = 0;

	if (buf == NULL)
		return ENOMEM;
	setpwent();
	for (;;) {
		struct acct *e;

		res = NULL;
		rc = getpwent_r(&pw, buf, size, &res);
		/* glibc rewinds to the same entry after ERANGE. */
		if (rc == ERANGE && (rc = acct_grow(&buf, &size)) == 0)
			continue;
		if (rc != 0 || res == NULL)
			break;
		if (!iampw_user_name_valid(pw.pw_name))
			continue;
		e = acct_add(t, pw.pw_name);
		if (e == NULL) {
			rc = ENOMEM;
			break;
		}
		e->uid = pw.pw_uid;
		e->gid = pw.pw_gid;
	}
	endpwent();
	free(buf);
	/* The end of the database. */
	if (rc == ENOENT)
		rc = 0;
	return rc;
}

int acct_read_shadow(struct acct_table *t)
{
	struct spwd sp, *res;
	size_t size = 4096;
	char *buf = malloc(size);
	int rc = 0;

	if (buf == NULL)
		return ENOMEM;
	setspent();
	for (;;) {
		struct iampw_acct one = { 0 };
		struct acct *e;

		res = NULL;
		rc = getspent_r(&sp, buf, size, &res);
		if (rc == ERANGE && (rc = acct_grow(&buf, &size)) == 0)
			continue;
		if (rc != 0 || res == NULL)
			break;
		if (!iampw_user_name_valid(sp.sp_namp))
			continue;
		e = acct_add(t, sp.sp_namp);
		if (e == NULL) {
			rc = ENOMEM;
			break;
		}
		iampw_acct_set_shadow(&one, true, sp.sp_pwdp, sp.sp_lstchg);
		e->usable = one.usable;
		e->lastchg = one.lastchg;
		memcpy(e->fp, one.fp, IAMPW_FP_SIZE);
	}
	endspent();
	/* The buffer held every password hash of the host. */
	iampw_wipe(buf, size);
	iampw_wipe(&sp, sizeof sp);
	free(buf);
	if (rc == ENOENT)
		rc = 0;
	return rc;
}

static int uid_cmp(const void *a, const void *b)
{
	const struct acct *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int acct_by_uid(const struct acct_table *t, struct acct_table *byuid)
{
	size_t out = 0;

	memset(byuid, 0, sizeof *byuid);
	if (t->n == 0)
		return 0;
	byuid->v = reallocarray(NULL, t->n, sizeof *byuid->v);
	if (byuid->v == NULL)
		return ENOMEM;
	memcpy(byuid->v, t->v, t->n * sizeof *t->v);
	qsort(byuid->v, t->n, sizeof *byuid->v, uid_cmp);
	for (size_t i = 0; i < t->n; i++) {
		if (out > 0 && byuid->v[out - 1].uid == byuid->v[i].uid)
			continue;
		byuid->v[out++] = byuid->v[i];
	}
	byuid->n = out;
	byuid->cap = t->n;
	return 0;
}

static int uid_key_cmp(const void *key, const void *elem)
{
	uid_t k = *(const uid_t *)key, u = ((const struct acct *)elem)->uid;

	return k < u ? -1 : k > u;
}

const struct acct *acct_find_uid(const struct acct_table *byuid, uid_t uid)
{
	if (byuid->n == 0)
		return NULL;
	return bsearch(&uid, byuid->v, byuid->n, sizeof *byuid->v, uid_key_cmp);
}

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
		if (rc != ERANGE || (rc = acct_grow(&buf, &size)) != 0)
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
		if (rc != ERANGE || (rc = acct_grow(&buf, &size)) != 0)
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
/* The profiles directory                                                 */

int acct_read_dir(int dirfd, bool profiles_only, struct acct_table *t)
{
	struct dirent *d;
	DIR *dir;
	int fd, rc = 0;

	/* fdopendir takes the fd over; the store keeps its own. */
	fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	dir = fdopendir(fd);
	if (dir == NULL) {
		rc = errno;
		close(fd);
		return rc;
	}
	for (;;) {
		errno = 0;
		d = readdir(dir);
		if (d == NULL) {
			rc = errno;
			break;
		}
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		/* Locks, temp files and strays are no profiles. */
		if (profiles_only && !iampw_profile_file_uid(d->d_name, &(uid_t){ 0 }))
			continue;
		if (acct_add(t, d->d_name) == NULL) {
			rc = ENOMEM;
			break;
		}
	}
	closedir(dir);
	return rc;
}


/* ---------------------------------------------------------------------- */
/* Who holds a profile lock                                               */

pid_t acct_lock_holder(const struct iampw_store *s, uid_t uid, char *comm, size_t n)
{
	char name[IAMPW_UID_NAME_SIZE + 8], line[256], path[64];
	struct stat st;
	pid_t holder = 0;
	FILE *f;

	comm[0] = '\0';
	snprintf(name, sizeof name, ".%lu.lock", (unsigned long)uid);
	if (s->dirfd < 0 || fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;
	f = fopen("/proc/locks", "re");
	if (f == NULL)
		return 0;
	/* "1: FLOCK  ADVISORY  WRITE 1234 08:01:123456 0 EOF"; "->" lines wait. */
	while (holder == 0 && fgets(line, sizeof line, f) != NULL) {
		unsigned maj, min;
		unsigned long long ino;
		long pid;
		char kind[16];

		if (strstr(line, "->") != NULL ||
		    sscanf(line, "%*s %15s %*s %*s %ld %x:%x:%llu", kind, &pid, &maj, &min, &ino) != 5)
			continue;
		if (strcmp(kind, "FLOCK") == 0 && maj == major(st.st_dev) &&
		    min == minor(st.st_dev) && ino == (unsigned long long)st.st_ino && pid > 0)
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
/* Every account in bounded memory (§8)                                   */

static int arec_by_name(const void *a, const void *b)
{
	const struct arec *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r != 0)
		return r;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int arec_by_uid(const void *a, const void *b)
{
	const struct arec *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int acct_stream_passwd(struct xsort *byname)
{
	struct passwd pw, *res;
	struct arec r;
	size_t size = 4096;
	uint64_t seq = 0;
	char *buf;
	int rc;

	rc = xsort_init(byname, sizeof r, arec_by_name, XSORT_BUDGET);
	if (rc != 0)
		return rc;
	buf = malloc(size);
	if (buf == NULL)
		return ENOMEM;
	setpwent();
	for (;;) {
		res = NULL;
		rc = getpwent_r(&pw, buf, size, &res);
		/* glibc rewinds to the same entry after ERANGE. */
		if (rc == ERANGE && (rc = acct_grow(&buf, &size)) == 0)
			continue;
		if (rc != 0 || res == NULL)
			break;
		if (!iampw_user_name_valid(pw.pw_name))
			continue;
		memset(&r, 0, sizeof r);
		r.seq = seq++;
		r.uid = pw.pw_uid;
		r.gid = pw.pw_gid;
		snprintf(r.name, sizeof r.name, "%s", pw.pw_name);
		rc = xsort_put(byname, &r);
		if (rc != 0)
			break;
	}
	endpwent();
	free(buf);
	/* The end of the database. */
	if (rc == ENOENT)
		rc = 0;
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

	rc = xsort_init(byname, sizeof r, arec_by_name, XSORT_BUDGET);
	if (rc != 0)
		return rc;
	buf = malloc(size);
	if (buf == NULL)
		return ENOMEM;
	setspent();
	for (;;) {
		struct iampw_acct one = { 0 };

		res = NULL;
		rc = getspent_r(&sp, buf, size, &res);
		if (rc == ERANGE && (rc = acct_grow(&buf, &size)) == 0)
			continue;
		if (rc != 0 || res == NULL)
			break;
		if (!iampw_user_name_valid(sp.sp_namp))
			continue;
		iampw_acct_set_shadow(&one, true, sp.sp_pwdp, sp.sp_lstchg);
		memset(&r, 0, sizeof r);
		r.seq = seq++;
		r.flags = AREC_SHADOW | (one.usable ? AREC_USABLE : 0);
		r.lastchg = one.lastchg;
		memcpy(r.fp, one.fp, IAMPW_FP_SIZE);
		snprintf(r.name, sizeof r.name, "%s", sp.sp_namp);
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
		snprintf(prev, IAMPW_NAME_MAX + 1, "%s", r->name);
		return 0;
	}
}

/* The uids of the profiles in the store's directory, sorted. */
static int stream_profile_uids(int dirfd, struct xsort *byuid)
{
	struct dirent *d;
	struct arec r;
	DIR *dir;
	int fd, rc;

	rc = xsort_init(byuid, sizeof r, arec_by_uid, XSORT_BUDGET);
	if (rc != 0 || dirfd < 0)
		return rc != 0 ? rc : xsort_start(byuid);
	/* fdopendir takes the fd over; the store keeps its own. */
	fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	dir = fdopendir(fd);
	if (dir == NULL) {
		rc = errno;
		close(fd);
		return rc;
	}
	/* The duplicate shares the store's offset: maybe at the end of an earlier walk. */
	rewinddir(dir);
	memset(&r, 0, sizeof r);
	for (;;) {
		uid_t uid;

		errno = 0;
		d = readdir(dir);
		if (d == NULL) {
			rc = errno;
			break;
		}
		/* Locks, temp files and strays are no profiles. */
		if (!iampw_profile_file_uid(d->d_name, &uid))
			continue;
		r.uid = (uint32_t)uid;
		rc = xsort_put(byuid, &r);
		if (rc != 0)
			break;
	}
	closedir(dir);
	return rc != 0 ? rc : xsort_start(byuid);
}

/* Passwd's accounts, one per name (the first), re-sorted by uid. */
static int stream_by_uid(struct xsort *byuid)
{
	struct xsort byname;
	char prev[IAMPW_NAME_MAX + 1] = "";
	struct arec r;
	bool got;
	int rc;

	rc = acct_stream_passwd(&byname);
	if (rc == 0)
		rc = xsort_init(byuid, sizeof r, arec_by_uid, XSORT_BUDGET);
	while (rc == 0 && (rc = acct_next_name(&byname, &r, prev, &got)) == 0 && got)
		rc = xsort_put(byuid, &r);
	xsort_free(&byname);
	return rc != 0 ? rc : xsort_start(byuid);
}

/* The account of a profile's uid that the enumeration did not list, by name. */
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
	r.flags = AREC_PROFILE;
	return xsort_put(out, &r);
}

int acct_stream_accounts(int dirfd, struct xsort *byname)
{
	struct xsort accts, profs;
	struct arec a, p;
	bool have_a, have_p;
	uint64_t unlisted = UINT64_C(1) << 62;
	int rc;

	memset(&accts, 0, sizeof accts);
	memset(&profs, 0, sizeof profs);
	accts.fd = profs.fd = -1;
	rc = xsort_init(byname, sizeof a, arec_by_name, XSORT_BUDGET);
	if (rc == 0)
		rc = stream_profile_uids(dirfd, &profs);
	if (rc == 0)
		rc = stream_by_uid(&accts);
	if (rc == 0)
		rc = xsort_next(&accts, &a, &have_a);
	if (rc == 0)
		rc = xsort_next(&profs, &p, &have_p);
	/* Both by uid: each account learns whether a profile is filed under its uid. */
	while (rc == 0 && (have_a || have_p)) {
		if (have_a && (!have_p || a.uid <= p.uid)) {
			if (have_p && a.uid == p.uid) {
				a.flags |= AREC_PROFILE;
				p.flags |= AREC_PROFILE;   /* listed */
			}
			rc = xsort_put(byname, &a);
			if (rc == 0)
				rc = xsort_next(&accts, &a, &have_a);
			continue;
		}
		/* A profile whose uid no listed account has: ask NSS for it. */
		if (!(p.flags & AREC_PROFILE))
			rc = add_unlisted(byname, p.uid, unlisted++);
		if (rc == 0)
			rc = xsort_next(&profs, &p, &have_p);
	}
	xsort_free(&accts);
	xsort_free(&profs);
	return rc != 0 ? rc : xsort_start(byname);
}

int shadow_walk_open(struct shadow_walk *w)
{
	memset(w, 0, sizeof *w);
	w->x.fd = -1;
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

void shadow_walk_close(struct shadow_walk *w)
{
	xsort_free(&w->x);
	iampw_wipe(&w->cur, sizeof w->cur);
}

/* ---------------------------------------------------------------------- */
/* check: the owner of every profile, in bounded memory                   */

static int arec_by_file(const void *a, const void *b)
{
	const struct arec *x = a, *y = b;

	return strcmp(x->file, y->file);
}

int acct_stream_dir(int dirfd, struct xsort *byname)
{
	struct dirent *d;
	struct arec r;
	DIR *dir;
	int fd, rc;

	rc = xsort_init(byname, sizeof r, arec_by_name, XSORT_BUDGET);
	if (rc != 0)
		return rc;
	fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	dir = fdopendir(fd);
	if (dir == NULL) {
		rc = errno;
		close(fd);
		return rc;
	}
	/* The duplicate shares the store's offset: maybe at the end of an earlier walk. */
	rewinddir(dir);
	memset(&r, 0, sizeof r);
	for (;;) {
		errno = 0;
		d = readdir(dir);
		if (d == NULL) {
			rc = errno;
			break;
		}
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		/* A Linux file name is at most 255 bytes: it fits. */
		snprintf(r.name, sizeof r.name, "%s", d->d_name);
		r.seq++;
		rc = xsort_put(byname, &r);
		if (rc != 0)
			break;
	}
	closedir(dir);
	return rc != 0 ? rc : xsort_start(byname);
}

/* The owner of profile `p` (uid sorted) from the accounts by uid, or asked for. */
static int owner_by_uid(struct xsort *accts, struct arec *a, bool *have_a, struct arec *p)
{
	int rc = 0;
	gid_t gid;
	bool found;

	while (*have_a && a->uid < p->uid && (rc = xsort_next(accts, a, have_a)) == 0)
		;
	if (rc != 0)
		return rc;
	if (*have_a && a->uid == p->uid) {
		snprintf(p->name, sizeof p->name, "%s", a->name);
		p->gid = a->gid;
		p->flags |= AREC_FOUND;
		return 0;
	}
	/* A source that does not enumerate (LDAP without it) is asked. */
	rc = acct_lookup_uid((uid_t)p->uid, p->name, &gid, &found);
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

int acct_stream_owners(int dirfd, struct xsort *byfile)
{
	struct xsort accts = { .fd = -1 }, profs = { .fd = -1 }, byname = { .fd = -1 };
	struct arec a, p;
	bool have_a = false, have_p;
	uint64_t seq = 0;
	int rc;

	rc = xsort_init(byfile, sizeof a, arec_by_file, XSORT_BUDGET);
	if (rc == 0)
		rc = xsort_init(&byname, sizeof a, arec_by_name, XSORT_BUDGET);
	if (rc == 0)
		rc = stream_profile_uids(dirfd, &profs);
	if (rc == 0)
		rc = stream_by_uid(&accts);
	if (rc == 0)
		rc = xsort_next(&accts, &a, &have_a);
	while (rc == 0 && (rc = xsort_next(&profs, &p, &have_p)) == 0 && have_p) {
		uid_t uid = (uid_t)p.uid;

		p.seq = seq++;
		if (!iampw_profile_file_name(uid, p.file))
			continue;
		rc = owner_by_uid(&accts, &a, &have_a, &p);
		if (rc != 0)
			break;
		/* Without an owner there is no shadow entry to find. */
		rc = (p.flags & AREC_FOUND) ? xsort_put(&byname, &p) : xsort_put(byfile, &p);
	}
	xsort_free(&accts);
	xsort_free(&profs);
	if (rc == 0)
		rc = xsort_start(&byname);
	if (rc == 0)
		rc = owners_shadow(&byname, byfile);
	xsort_free(&byname);
	return rc != 0 ? rc : xsort_start(byfile);
}
