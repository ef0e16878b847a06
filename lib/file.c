/*
 * Opening the files we trust, and replacing the files we write.  Every
 * configuration and profile file is opened here, so the rules of SPEC §3
 * are enforced in one place: never through a symlink, never blocking on
 * a FIFO, a regular file owned by root (or the caller's own uid), not
 * writable by group or other, and small.  The checks are made on the open
 * fd, so there is no window between checking and reading.  Every file we
 * write (profiles, MFA devices, policy.conf) is replaced by the one
 * atomic writer at the end of this file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static bool owner_trusted(uid_t file_uid, uid_t owner)
{
	return file_uid == 0 || file_uid == owner;
}

static const char *file_type(mode_t mode)
{
	/* iampw_check_dir reports a regular file where a directory should be. */
	if (S_ISREG(mode))
		return "a regular file";
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISLNK(mode))
		return "a symbolic link";
	return "not a regular file";
}

int iampw_open_checked(int dirfd, const char *name, const char *display,
		       uid_t owner, size_t cap, int *fdp, struct stat *st,
		       struct iampw_err *e)
{
	int fd;

	*fdp = -1;
	/*
	 * O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
	 * writer forever.  O_NOCTTY: a terminal device must never become
	 * the controlling terminal of the host process.
	 */
	fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return IAMPW_E_NOENT;
		if (errno == ELOOP)
			return iampw_err_at(e, IAMPW_E_UNSAFE, display, 0,
					     "is a symbolic link");
		return iampw_err_at(e, IAMPW_E_IO, display, 0, "cannot open: %s", iampw_errstr(errno));
	}
	if (fstat(fd, st) != 0) {
		iampw_err_at(e, IAMPW_E_IO, display, 0, "cannot stat: %s",
			      iampw_errstr(errno));
		close(fd);
		return IAMPW_E_IO;
	}
	if (!S_ISREG(st->st_mode)) {
		iampw_err_at(e, IAMPW_E_UNSAFE, display, 0, "is %s",
			      file_type(st->st_mode));
		close(fd);
		return IAMPW_E_UNSAFE;
	}
	if (!owner_trusted(st->st_uid, owner)) {
		iampw_err_at(e, IAMPW_E_UNSAFE, display, 0, "owned by uid %lu, not root", (unsigned long)st->st_uid);
		close(fd);
		return IAMPW_E_UNSAFE;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		iampw_err_at(e, IAMPW_E_UNSAFE, display, 0,
			      "writable by group or others (mode %04o)", (unsigned)(st->st_mode & 07777));
		close(fd);
		return IAMPW_E_UNSAFE;
	}
	if (st->st_size < 0 || (uintmax_t)st->st_size > cap) {
		iampw_err_at(e, IAMPW_E_UNSAFE, display, 0,
			      "larger than %zu bytes", cap);
		close(fd);
		return IAMPW_E_UNSAFE;
	}
	*fdp = fd;
	return IAMPW_OK;
}

int iampw_open_safe(int dirfd, const char *name, const char *display,
		    uid_t owner, size_t cap, int *fdp, struct iampw_err *e)
{
	struct stat st;
	int rc = iampw_open_checked(dirfd, name, display, owner, cap, fdp, &st, e);

	if (rc != IAMPW_OK)
		return rc;
	/* Reads of a regular file never block; clear the flag for clarity. */
	if (fcntl(*fdp, F_SETFL, O_RDONLY) != 0) {
		iampw_err_at(e, IAMPW_E_IO, display, 0, "fcntl: %s",
			      iampw_errstr(errno));
		close(*fdp);
		*fdp = -1;
		return IAMPW_E_IO;
	}
	return IAMPW_OK;
}

int iampw_check_dir(int dirfd, const char *display, uid_t owner,
		    struct iampw_err *e)
{
	struct stat st;

	if (fstat(dirfd, &st) != 0)
		return iampw_err_at(e, IAMPW_E_IO, display, 0, "cannot stat: %s", iampw_errstr(errno));
	if (!S_ISDIR(st.st_mode))
		return iampw_err_at(e, IAMPW_E_UNSAFE, display, 0, "is %s",
				     file_type(st.st_mode));
	if (!owner_trusted(st.st_uid, owner))
		return iampw_err_at(e, IAMPW_E_UNSAFE, display, 0,
				     "owned by uid %lu, not root",
				     (unsigned long)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return iampw_err_at(e, IAMPW_E_UNSAFE, display, 0,
				     "writable by group or others (mode %04o)", (unsigned)(st.st_mode & 07777));
	return IAMPW_OK;
}

int iampw_check_private_stat(const struct stat *st, const char *display,
			     struct iampw_err *e)
{
	if (st->st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH))
		return iampw_err_at(e, IAMPW_E_UNSAFE, display, 0,
				     "readable by group or others (mode %04o): it holds password hashes (chmod go-rw)", (unsigned)(st->st_mode & 07777));
	return IAMPW_OK;
}

int iampw_check_private(int fd, const char *display, struct iampw_err *e)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return iampw_err_at(e, IAMPW_E_IO, display, 0, "cannot stat: %s", iampw_errstr(errno));
	return iampw_check_private_stat(&st, display, e);
}

int iampw_read_file(int fd, const char *display, size_t cap, size_t size,
		    char **bufp, size_t *lenp, struct iampw_err *e)
{
	/* One byte past the cap tells a file that is too large. */
	size_t want = size != SIZE_MAX ? size : cap + 1, len = 0;
	char *buf = malloc(want + 1);

	if (buf == NULL)
		return iampw_err_at(e, IAMPW_E_NOMEM, display, 0, "out of memory");
	while (len < want) {
		ssize_t r = pread(fd, buf + len, want - len, (off_t)len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			iampw_err_at(e, IAMPW_E_IO, display, 0, "read: %s",
				      iampw_errstr(errno));
			iampw_wipe(buf, len);
			free(buf);
			return IAMPW_E_IO;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > cap) {
		iampw_err_at(e, IAMPW_E_UNSAFE, display, 0, "larger than %zu bytes", cap);
		iampw_wipe(buf, len);
		free(buf);
		return IAMPW_E_UNSAFE;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return IAMPW_OK;
}

/* ---------------------------------------------------------------------- */
/* Writing: the atomic replacement every store and policy.conf use        */

/* Random characters of a temp name; never 4, so never "lock". */
#define TMP_SUFFIX_LEN 10
#define TMP_TRIES 16
/* ".<name>.<suffix>", NUL included. */
#define NAME_BUF_SIZE (1 + IAMPW_FILE_NAME_MAX + 1 + TMP_SUFFIX_LEN + 1)
/* The directory as shown (a store's path is at most 4096 bytes), '/', the name. */
#define DISPLAY_SIZE (4096 + NAME_BUF_SIZE + 1)

bool iampw_temp_suffix(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		char ch = s[n];

		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9')))
			return false;
	}
	return n == TMP_SUFFIX_LEN;
}

/* ".<name>.<random>" in `out`; O_EXCL decides whether it is really new. */
static int temp_name(const char *user, char out[NAME_BUF_SIZE],
		     const char *display, struct iampw_err *e)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[TMP_SUFFIX_LEN];
	char suffix[TMP_SUFFIX_LEN + 1];
	int rc = iampw_random(rnd, sizeof rnd, e);

	if (rc != IAMPW_OK)
		return iampw_err_at(e, rc, display, 0, "no name for a temporary file");
	/* Names need only be unpredictable enough to rarely collide. */
	for (size_t i = 0; i < TMP_SUFFIX_LEN; i++)
		suffix[i] = alphabet[rnd[i] % (sizeof alphabet - 1)];
	suffix[TMP_SUFFIX_LEN] = '\0';
	snprintf(out, NAME_BUF_SIZE, ".%s.%s", user, suffix);
	return IAMPW_OK;
}

static int create_temp(int dirfd, const char *name, char tmp[NAME_BUF_SIZE],
		       int *fdp, const char *display, struct iampw_err *e)
{
	int rc;

	*fdp = -1;
	for (int i = 0; i < TMP_TRIES; i++) {
		rc = temp_name(name, tmp, display, e);
		if (rc != IAMPW_OK)
			return rc;
		*fdp = openat(dirfd, tmp,
			      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			      O_CLOEXEC | O_NOCTTY, 0600);
		if (*fdp >= 0)
			return IAMPW_OK;
		if (errno != EEXIST)
			break;
	}
	return iampw_err_at(e, IAMPW_E_IO, display, 0, "cannot create a temporary file: %s", iampw_errstr(errno));
}

static int write_all(int fd, const char *buf, size_t len, const char *display,
		     struct iampw_err *e)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return iampw_err_at(e, IAMPW_E_IO, display, 0, "write: %s", iampw_errstr(errno));
		/* No progress without an error: treat as a full disk, never spin. */
		if (n == 0)
			return iampw_err_at(e, IAMPW_E_IO, display, 0, "write: %s", iampw_errstr(ENOSPC));
		buf += n;
		len -= (size_t)n;
	}
	return IAMPW_OK;
}

/*
 * Put `len` bytes in a new temp file, owned and moded before any byte of
 * it exists, then rename it over `name`.  The temp is removed on any
 * failure before the rename; after it, the new file is in place.
 */
int iampw_replace_file_at(int dirfd, const char *dirpath, const char *name,
			  const void *buf, size_t len, uid_t uid, gid_t gid,
			  mode_t mode, struct iampw_err *e)
{
	char tmp[NAME_BUF_SIZE], display[DISPLAY_SIZE];
	struct rlimit rl;
	bool created = false;
	int fd = -1, rc;

	snprintf(display, sizeof display, "%s/%s", dirpath, name);
	if (strlen(name) > IAMPW_FILE_NAME_MAX || strchr(name, '/') != NULL)
		return iampw_err_at(e, IAMPW_E_INVAL, display, 0, "not a plain file name");
	/*
	 * A file size limit (ulimit -f, inherited by setuid passwd from the
	 * user) below the new size would end the process with SIGXFSZ in
	 * the middle of the write, leaving the temp file behind.  The file
	 * is new and written from offset 0, so this test is exact.
	 */
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)len > rl.rlim_cur)
		return iampw_err_at(e, IAMPW_E_IO, display, 0, "%zu bytes exceed the file size limit (%llu)", len, (unsigned long long)rl.rlim_cur);
	rc = create_temp(dirfd, name, tmp, &fd, display, e);
	if (rc != IAMPW_OK)
		goto out;
	created = true;
	if (fchown(fd, uid, gid) != 0) {
		rc = iampw_err_at(e, IAMPW_E_IO, display, 0, "fchown: %s",
				   iampw_errstr(errno));
		goto out;
	}
	/* Explicit, because the process's umask applied to openat. */
	if (fchmod(fd, mode) != 0) {
		rc = iampw_err_at(e, IAMPW_E_IO, display, 0, "fchmod: %s",
				   iampw_errstr(errno));
		goto out;
	}
	rc = write_all(fd, buf, len, display, e);
	if (rc != IAMPW_OK)
		goto out;
	if (fsync(fd) != 0) {
		rc = iampw_err_at(e, IAMPW_E_IO, display, 0, "fsync: %s",
				   iampw_errstr(errno));
		goto out;
	}
	/* Linux releases the fd even when close fails: never retry it. */
	rc = close(fd);
	fd = -1;
	if (rc != 0) {
		rc = iampw_err_at(e, IAMPW_E_IO, display, 0, "close: %s",
				   iampw_errstr(errno));
		goto out;
	}
	if (renameat(dirfd, tmp, dirfd, name) != 0) {
		rc = iampw_err_at(e, IAMPW_E_IO, display, 0, "rename: %s",
				   iampw_errstr(errno));
		goto out;
	}
	created = false;
	/*
	 * The rename is the commit point: from here every reader sees the
	 * new file, whose data was flushed before it.  A failed flush of the
	 * directory cannot be undone, and reporting the change as failed
	 * while the new file is in place would be wrong: it is ignored.
	 */
	(void)fsync(dirfd);
	rc = IAMPW_OK;
out:
	if (fd >= 0)
		close(fd);
	if (created)
		unlinkat(dirfd, tmp, 0);
	return rc;
}
