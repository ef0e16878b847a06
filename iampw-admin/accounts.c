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
#include <pwd.h>
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

/*
 * Every account of the passwd database whose name can be a profile name
 * (the module treats the others as out of scope).
 */
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

int acct_lookup(const char *name, uid_t *uid, gid_t *gid, bool *found)
{
	struct passwd pw, *res = NULL;
	size_t size = 4096;
	char *buf = malloc(size);
	int rc;

	*found = false;
	if (buf == NULL)
		return ENOMEM;
	for (;;) {
		rc = getpwnam_r(name, &pw, buf, size, &res);
		if (rc != ERANGE || (rc = acct_grow(&buf, &size)) != 0)
			break;
	}
	/* getpwnam_r(3): these also mean "not found" for some NSS modules. */
	if (rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
		rc = 0;
	/* A case-insensitive source may answer for another spelling: not this name's account. */
	if (rc == 0 && res != NULL && strcmp(pw.pw_name, name) == 0) {
		*found = true;
		*uid = pw.pw_uid;
		*gid = pw.pw_gid;
	}
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
		if (profiles_only && !iampw_user_name_valid(d->d_name))
			continue;
		if (acct_add(t, d->d_name) == NULL) {
			rc = ENOMEM;
			break;
		}
	}
	closedir(dir);
	return rc;
}

