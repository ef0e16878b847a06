/*
 * The profile store: <statedir>/profiles/<uid>, one file per account,
 * filed under its uid (which account a profile belongs to: account.c).
 *
 * Everything below the profiles directory is reached relative to one
 * directory fd opened with O_NOFOLLOW and checked once, so a user name
 * never becomes a path and no later rename of a parent changes what we
 * touch.  Writers serialise on a per-account flock() and replace a profile
 * with the usual temp file + fsync + rename + fsync(dir) sequence, so a
 * crash or a full disk leaves either the old or the new file, never a mix.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define PROFILES_DIR "profiles"
/* Large enough for 24 history entries of the longest hash libxcrypt makes. */
#define FORMAT_BUF_SIZE (32 * 1024)
/* ".<uid>.lock", NUL included. */
#define LOCK_NAME_SIZE (1 + IAMPW_UID_NAME_SIZE + 5)
#define DISPLAY_SIZE (sizeof(((struct iampw_statedir *)0)->path) + 1 + IAMPW_FILE_NAME_MAX + 1)

/* Lock polling: start short so an uncontended wait costs little. */
#define LOCK_SLEEP_FIRST_MS 10
#define LOCK_SLEEP_MAX_MS 50

bool iampw_profile_file_name(uid_t uid, char out[IAMPW_UID_NAME_SIZE])
{
	out[0] = '\0';
	if ((uintmax_t)uid > IAMPW_UID_MAX)
		return false;
	snprintf(out, IAMPW_UID_NAME_SIZE, "%lu", (unsigned long)uid);
	return true;
}

bool iampw_profile_file_uid(const char *name, uid_t *uid)
{
	uint64_t v;

	/* Plain decimal, no leading zero: one file name per uid. */
	if (strnlen(name, IAMPW_UID_NAME_SIZE) >= IAMPW_UID_NAME_SIZE ||
	    iampw_parse_u64(name, &v) != IAMPW_NUM_OK || v > IAMPW_UID_MAX)
		return false;
	*uid = (uid_t)v;
	return true;
}

/*
 * Make `name` under `atfd` as a 0700 directory.  mkdir's mode is cut by
 * the host process's umask, which is not ours to change, so the mode is
 * set again explicitly; fchmodat rather than fchmod because with a umask
 * of 0777 a non-root owner could not even open the new directory.
 * AT_SYMLINK_NOFOLLOW: never chmod what a symlink planted in a race
 * points to.
 */
static int make_dir(int atfd, const char *name, const char *display,
		    uid_t owner, gid_t group, struct iampw_err *e)
{
	if (mkdirat(atfd, name, 0700) != 0) {
		/* Somebody else created it meanwhile: use theirs, checked. */
		if (errno == EEXIST)
			return IAMPW_OK;
		return iampw_err_at(e, IAMPW_E_IO, display, 0, "cannot create: %s", iampw_errstr(errno));
	}
	if (fchmodat(atfd, name, 0700, AT_SYMLINK_NOFOLLOW) != 0)
		return iampw_err_at(e, IAMPW_E_IO, display, 0, "chmod: %s",
				     iampw_errstr(errno));
	/*
	 * Explicit too: setuid passwd runs with the user's gid, which would
	 * otherwise become the directory's group.
	 */
	if (fchownat(atfd, name, owner, group, AT_SYMLINK_NOFOLLOW) != 0)
		return iampw_err_at(e, IAMPW_E_IO, display, 0, "chown: %s",
				     iampw_errstr(errno));
	return IAMPW_OK;
}

static int open_dir_once(int atfd, const char *name, const char *display,
			 int *fdp, struct iampw_err *e)
{
	int fd;

	*fdp = -1;
	fd = openat(atfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd >= 0) {
		*fdp = fd;
		return IAMPW_OK;
	}
	switch (errno) {
	case ENOENT:
		return IAMPW_E_NOENT;
	/* With O_DIRECTORY, a symlink gives ENOTDIR rather than ELOOP. */
	case ENOTDIR:
	case ELOOP:
		return iampw_err_at(e, IAMPW_E_UNSAFE, display, 0,
				     "is not a directory (or is a symbolic link)");
	default:
		return iampw_err_at(e, IAMPW_E_IO, display, 0, "cannot open: %s", iampw_errstr(errno));
	}
}

/*
 * Open (and with `create`, make) the directory `name` under `atfd` and
 * check it.  IAMPW_E_NOENT, with no message, when it is missing and may
 * not be created.
 */
static int open_dir(int atfd, const char *name, const char *display,
		    bool create, uid_t owner, gid_t group, int *fdp,
		    struct iampw_err *e)
{
	int rc, fd;

	*fdp = -1;
	rc = open_dir_once(atfd, name, display, &fd, e);
	if (rc == IAMPW_E_NOENT && create) {
		rc = make_dir(atfd, name, display, owner, group, e);
		if (rc != IAMPW_OK)
			return rc;
		rc = open_dir_once(atfd, name, display, &fd, e);
		if (rc == IAMPW_E_NOENT)
			return iampw_err_at(e, IAMPW_E_IO, display, 0,
					     "vanished after creation");
	}
	if (rc != IAMPW_OK)
		return rc;
	rc = iampw_check_dir(fd, display, owner, e);
	if (rc == IAMPW_OK)
		rc = iampw_check_private(fd, display, e);
	if (rc != IAMPW_OK) {
		close(fd);
		return rc;
	}
	*fdp = fd;
	return IAMPW_OK;
}

int iampw_statedir_open(const char *statedir, const char *sub, bool create,
			uid_t owner, gid_t group, int *dirfd, char *path, size_t size,
			struct iampw_err *e)
{
	char dir[4096];
	size_t len;
	int sfd = -1, rc;

	*dirfd = -1;
	path[0] = '\0';
	if (statedir == NULL || *statedir == '\0')
		return iampw_err_add(e, IAMPW_E_INVAL, "no state directory given");
	len = strlen(statedir);
	if (len >= sizeof dir)
		return iampw_err_add(e, IAMPW_E_INVAL, "state directory path too long");
	memcpy(dir, statedir, len + 1);
	/* A trailing slash makes the kernel follow a final symlink despite O_NOFOLLOW. */
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
	if ((size_t)snprintf(path, size, "%s%s%s", dir, len > 1 || dir[0] != '/' ? "/" : "",
			     sub) >= size) {
		path[0] = '\0';
		return iampw_err_add(e, IAMPW_E_INVAL, "state directory path too long");
	}
	rc = open_dir(AT_FDCWD, dir, dir, create, owner, group, &sfd, e);
	if (rc == IAMPW_E_NOENT)
		return IAMPW_OK;
	if (rc != IAMPW_OK)
		return rc;
	rc = open_dir(sfd, sub, path, create, owner, group, dirfd, e);
	close(sfd);
	if (rc == IAMPW_E_NOENT)
		return IAMPW_OK;
	return rc;
}

int iampw_statedir_new(const char *statedir, const char *sub, bool create, uid_t owner,
		       gid_t group, struct iampw_statedir **dp, struct iampw_err *e)
{
	struct iampw_statedir *d = malloc(sizeof *d);
	int rc;

	*dp = NULL;
	if (d == NULL)
		return iampw_err_add(e, IAMPW_E_NOMEM, "out of memory");
	d->uid = owner;
	d->gid = group;
	rc = iampw_statedir_open(statedir, sub, create, owner, group, &d->dirfd, d->path,
				 sizeof d->path, e);
	if (rc != IAMPW_OK) {
		free(d);
		return rc;
	}
	*dp = d;
	return IAMPW_OK;
}

void iampw_statedir_free(struct iampw_statedir *d)
{
	if (d == NULL)
		return;
	if (d->dirfd >= 0)
		close(d->dirfd);
	free(d);
}

/* The store is its directory: a pointer to it is a pointer to its first member. */
int iampw_store_open(struct iampw_store **s, const char *statedir, bool create,
		     uid_t owner, gid_t group, struct iampw_err *e)
{
	struct iampw_statedir *d;
	int rc = iampw_statedir_new(statedir, PROFILES_DIR, create, owner, group, &d, e);

	*s = (struct iampw_store *)d;
	return rc;
}

void iampw_store_close(struct iampw_store *s)
{
	iampw_statedir_free(s != NULL ? &s->d : NULL);
}

bool iampw_store_present(const struct iampw_store *s)
{
	return s != NULL && s->d.dirfd >= 0;
}

const char *iampw_store_path(const struct iampw_store *s)
{
	return s != NULL ? s->d.path : "";
}

/* "<store path>/<name>" for messages; `name` is already validated. */
static void display_name(const struct iampw_store *s, const char *name,
			 char out[DISPLAY_SIZE])
{
	snprintf(out, DISPLAY_SIZE, "%s/%s", s->d.path, name);
}

int iampw_profile_load(const struct iampw_store *s, uid_t uid,
		       struct iampw_profile *p, struct iampw_err *e)
{
	char name[IAMPW_UID_NAME_SIZE], display[DISPLAY_SIZE];
	char *buf = NULL;
	struct stat st;
	size_t len = 0;
	int fd, rc;

	if (!iampw_profile_file_name(uid, name))
		return iampw_err_add(e, IAMPW_E_INVAL, "uid %lu cannot have a profile",
				     (unsigned long)uid);
	if (!iampw_store_present(s))
		return IAMPW_E_NOENT;
	display_name(s, name, display);
	/* Open, fstat, read, close: the checks of iampw_open_safe on the one fstat. */
	rc = iampw_open_checked(s->d.dirfd, name, display, s->d.uid,
				IAMPW_PROFILE_SIZE_MAX, &fd, &st, e);
	if (rc != IAMPW_OK)
		return rc;
	rc = iampw_check_private_stat(&st, display, e);
	/*
	 * Profiles are replaced by rename, never rewritten in place: the
	 * fstat size is the file's, and no second read looks for its end
	 * (this runs once per account in the verbs that walk them all).
	 */
	if (rc == IAMPW_OK)
		rc = iampw_read_file(fd, display, IAMPW_PROFILE_SIZE_MAX,
				     (size_t)st.st_size, &buf, &len, e);
	close(fd);
	if (rc == IAMPW_OK)
		rc = iampw_profile_parse(display, buf, len, p, e);
	/* The text held the history hashes (a NUL inside too: not strlen). */
	if (buf != NULL)
		iampw_wipe(buf, len);
	free(buf);
	if (rc != IAMPW_OK)
		return rc;
	/* A profile copied or renamed onto another uid's name is not that account's. */
	if (p->uid != (uint32_t)uid) {
		rc = iampw_err_at(e, IAMPW_E_PARSE, display, 0, "belongs to uid %lu", (unsigned long)p->uid);
		iampw_profile_clear(p);
		return rc;
	}
	return IAMPW_OK;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid clock id and pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ms / 1000),
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	/* An interrupted sleep just ends early: the caller re-reads the clock. */
	nanosleep(&ts, NULL);
}

/*
 * Poll with LOCK_NB instead of blocking in flock(): a blocking wait could
 * only be bounded with alarm() and a signal handler, and the host process
 * (sshd, passwd) owns its signals.
 */
static int wait_lock(int fd, const char *display, unsigned timeout_ms,
		     struct iampw_err *e)
{
	int64_t deadline = now_ms() + timeout_ms;
	int64_t pause_ms = LOCK_SLEEP_FIRST_MS;

	for (;;) {
		int64_t left;

		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return IAMPW_OK;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return iampw_err_at(e, IAMPW_E_IO, display, 0, "flock: %s", iampw_errstr(errno));
		left = deadline - now_ms();
		if (left <= 0)
			return iampw_err_at(e, IAMPW_E_BUSY, display, 0,
					     "locked by another change");
		sleep_ms(left < pause_ms ? left : pause_ms);
		if (pause_ms < LOCK_SLEEP_MAX_MS)
			pause_ms += LOCK_SLEEP_FIRST_MS;
	}
}

/* ".<uid>.lock": the per-account lock, kept for good (see iampw_lock_at). */
static bool lock_name(uid_t uid, char out[LOCK_NAME_SIZE])
{
	char file[IAMPW_UID_NAME_SIZE];

	if (!iampw_profile_file_name(uid, file))
		return false;
	snprintf(out, LOCK_NAME_SIZE, ".%s.lock", file);
	return true;
}

int iampw_store_lock(const struct iampw_store *s, uid_t uid,
		     unsigned timeout_ms, int *lockfd, struct iampw_err *e)
{
	char name[LOCK_NAME_SIZE], display[DISPLAY_SIZE];

	*lockfd = -1;
	if (!lock_name(uid, name))
		return iampw_err_add(e, IAMPW_E_INVAL, "uid %lu cannot have a profile",
				     (unsigned long)uid);
	if (!iampw_store_present(s))
		return iampw_err_at(e, IAMPW_E_INVAL, iampw_store_path(s), 0,
				     "profile store not open for writing");
	display_name(s, name, display);
	return iampw_lock_at(s->d.dirfd, name, display, s->d.uid, s->d.gid, timeout_ms,
			     lockfd, e);
}

int iampw_lock_at(int dirfd, const char *name, const char *display, uid_t uid,
		  gid_t gid, unsigned timeout_ms, int *lockfd, struct iampw_err *e)
{
	struct stat st;
	int fd, rc;

	*lockfd = -1;
	/*
	 * The lock file is never removed: unlinking it would let a waiter
	 * lock an orphaned inode while a newcomer locks a fresh one.
	 * O_NONBLOCK: whatever sits at that name, opening it must not wait.
	 */
	fd = openat(dirfd, name,
		    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK, 0600);
	if (fd < 0) {
		switch (errno) {
		case ELOOP:
			return iampw_err_at(e, IAMPW_E_UNSAFE, display, 0,
					     "is a symbolic link");
		case EISDIR:
		case ENXIO:  /* a socket */
			return iampw_err_at(e, IAMPW_E_UNSAFE, display, 0,
					     "is not a regular file");
		default:
			return iampw_err_at(e, IAMPW_E_IO, display, 0, "cannot open: %s", iampw_errstr(errno));
		}
	}
	if (fstat(fd, &st) != 0) {
		rc = iampw_err_at(e, IAMPW_E_IO, display, 0, "cannot stat: %s", iampw_errstr(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = iampw_err_at(e, IAMPW_E_UNSAFE, display, 0,
				   "is not a regular file");
		goto out;
	}
	/*
	 * The caller's umask cut the creation mode; a 0000 lock file would
	 * shut a non-root store owner out at the next open.
	 */
	/* As for directories: not the group of a setuid caller. */
	if ((st.st_uid != uid || st.st_gid != gid) &&
	    fchown(fd, uid, gid) != 0) {
		rc = iampw_err_at(e, IAMPW_E_IO, display, 0, "fchown: %s",
				   iampw_errstr(errno));
		goto out;
	}
	if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0) {
		rc = iampw_err_at(e, IAMPW_E_IO, display, 0, "fchmod: %s",
				   iampw_errstr(errno));
		goto out;
	}
	rc = wait_lock(fd, display, timeout_ms, e);
out:
	if (rc != IAMPW_OK) {
		close(fd);
		return rc;
	}
	*lockfd = fd;
	return IAMPW_OK;
}

void iampw_store_unlock(int lockfd)
{
	/* Closing the only descriptor of the open file drops the flock. */
	if (lockfd >= 0)
		close(lockfd);
}

static int sync_dir(int dirfd, const char *display, struct iampw_err *e)
{
	if (fsync(dirfd) != 0)
		return iampw_err_at(e, IAMPW_E_IO, display, 0, "fsync: %s",
				     iampw_errstr(errno));
	return IAMPW_OK;
}

int iampw_profile_save(const struct iampw_store *s, const struct iampw_profile *p,
		       struct iampw_err *e)
{
	char display[DISPLAY_SIZE], name[IAMPW_UID_NAME_SIZE];
	char *buf;
	int n, rc;

	if (!iampw_profile_file_name(p->uid, name))
		return iampw_err_add(e, IAMPW_E_INVAL, "uid %lu cannot have a profile",
				     (unsigned long)p->uid);
	if (!iampw_store_present(s))
		return iampw_err_at(e, IAMPW_E_INVAL, iampw_store_path(s), 0,
				     "profile store not open for writing");
	display_name(s, name, display);
	buf = malloc(FORMAT_BUF_SIZE);
	if (buf == NULL)
		return iampw_err_at(e, IAMPW_E_NOMEM, display, 0, "out of memory");
	n = iampw_profile_format(p, buf, FORMAT_BUF_SIZE);
	if (n < 0) {
		rc = iampw_err_at(e, n, display, 0, "cannot format the profile");
		goto out;
	}
	/* Never write what our own loader would refuse to read back. */
	if ((size_t)n >= FORMAT_BUF_SIZE || (size_t)n > IAMPW_PROFILE_SIZE_MAX) {
		rc = iampw_err_at(e, IAMPW_E_INVAL, display, 0,
				   "formatted profile too large");
		goto out;
	}
	rc = iampw_replace_file_at(s->d.dirfd, s->d.path, name, buf, (size_t)n,
				   s->d.uid, s->d.gid, 0600, e);
out:
	/* The text holds the history hashes. */
	iampw_wipe(buf, FORMAT_BUF_SIZE);
	free(buf);
	return rc;
}

int iampw_profile_remove(const struct iampw_store *s, uid_t uid,
			 struct iampw_err *e)
{
	char display[DISPLAY_SIZE], name[IAMPW_UID_NAME_SIZE];

	if (!iampw_profile_file_name(uid, name))
		return iampw_err_add(e, IAMPW_E_INVAL, "uid %lu cannot have a profile",
				     (unsigned long)uid);
	if (!iampw_store_present(s))
		return IAMPW_E_NOENT;
	display_name(s, name, display);
	if (unlinkat(s->d.dirfd, name, 0) != 0) {
		if (errno == ENOENT)
			return IAMPW_E_NOENT;
		return iampw_err_at(e, IAMPW_E_IO, display, 0, "cannot remove: %s", iampw_errstr(errno));
	}
	return sync_dir(s->d.dirfd, s->d.path, e);
}

/* ---------------------------------------------------------------------- */
/* What lies in the store's directory                                     */

enum iampw_entry iampw_store_entry_kind(const char *name, uid_t *uid)
{
	char file[IAMPW_UID_NAME_SIZE];
	const char *dot;
	size_t len;

	*uid = (uid_t)-1;
	if (name[0] != '.')
		return iampw_profile_file_uid(name, uid) ? IAMPW_ENTRY_PROFILE :
							    IAMPW_ENTRY_STRAY;
	/* ".<uid>.lock" or ".<uid>.<temp suffix>" (file.c's temp names). */
	dot = strrchr(name + 1, '.');
	len = dot != NULL ? (size_t)(dot - (name + 1)) : 0;
	if (len == 0 || len >= sizeof file)
		return IAMPW_ENTRY_STRAY;
	memcpy(file, name + 1, len);
	file[len] = '\0';
	if (!iampw_profile_file_uid(file, uid)) {
		*uid = (uid_t)-1;
		return IAMPW_ENTRY_STRAY;
	}
	if (strcmp(dot + 1, "lock") == 0)
		return IAMPW_ENTRY_LOCK;
	if (iampw_temp_suffix(dot + 1))
		return IAMPW_ENTRY_TEMP;
	*uid = (uid_t)-1;
	return IAMPW_ENTRY_STRAY;
}

/*
 * Is a write of uid's profile under way?  Writers hold the account's lock
 * from before the temp file exists until after its rename.  The lock is
 * only tested (a shared lock, dropped at once), never waited for.
 */
static bool write_in_progress(const struct iampw_store *s, uid_t uid)
{
	char lock[LOCK_NAME_SIZE];
	bool busy;
	int fd;

	if (!lock_name(uid, lock))
		return false;
	fd = openat(s->d.dirfd, lock,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	busy = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);
	return busy;
}

enum iampw_entry iampw_store_entry_inspect(const struct iampw_store *s, const char *name,
					   uid_t *uid)
{
	enum iampw_entry kind = iampw_store_entry_kind(name, uid);
	struct stat st;

	if (!iampw_store_present(s))
		return kind;
	switch (kind) {
	case IAMPW_ENTRY_LOCK:
		/* A lock that is not a plain file would make every write of the account fail. */
		if (fstatat(s->d.dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISREG(st.st_mode))
			return IAMPW_ENTRY_BAD_LOCK;
		return kind;
	case IAMPW_ENTRY_TEMP:
		return write_in_progress(s, *uid) ? IAMPW_ENTRY_WRITING :
						    IAMPW_ENTRY_STALE_TEMP;
	default:
		return kind;
	}
}

int iampw_store_scan(const struct iampw_store *s, iampw_store_scan_fn fn, void *ctx)
{
	struct dirent *d;
	DIR *dir;
	int fd, rc = 0;

	if (!iampw_store_present(s))
		return 0;
	/* readdir needs its own fd: the store's keeps its position. */
	fd = openat(s->d.dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	dir = fdopendir(fd);
	if (dir == NULL) {
		rc = errno;
		close(fd);
		return rc;
	}
	for (;;) {
		uid_t uid;
		enum iampw_entry kind;

		errno = 0;
		d = readdir(dir);
		if (d == NULL) {
			rc = errno;
			break;
		}
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		kind = iampw_store_entry_kind(d->d_name, &uid);
		if ((rc = fn(ctx, d->d_name, kind, uid)) != 0)
			break;
	}
	closedir(dir);
	return rc;
}

bool iampw_store_lock_file(const struct iampw_store *s, uid_t uid, dev_t *dev, ino_t *ino)
{
	char name[LOCK_NAME_SIZE];
	struct stat st;

	if (!iampw_store_present(s) || !lock_name(uid, name) ||
	    fstatat(s->d.dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return false;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return true;
}
