/*
 * Opening the files we trust.  Every configuration and profile file is
 * opened here, so the rules of SPEC §3 are enforced in one place: never
 * through a symlink, never blocking on a FIFO, a regular file owned by
 * root (or the caller's own uid), not writable by group or other, and
 * small.  The checks are made on the open fd, so there is no window
 * between checking and reading.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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
			return iampw_err_add(e, IAMPW_E_UNSAFE,
					     "%s: is a symbolic link", display);
		return iampw_err_add(e, IAMPW_E_IO, "%s: cannot open: %s",
				     display, iampw_errstr(errno));
	}
	if (fstat(fd, st) != 0) {
		iampw_err_add(e, IAMPW_E_IO, "%s: cannot stat: %s", display,
			      iampw_errstr(errno));
		close(fd);
		return IAMPW_E_IO;
	}
	if (!S_ISREG(st->st_mode)) {
		iampw_err_add(e, IAMPW_E_UNSAFE, "%s: is %s", display,
			      file_type(st->st_mode));
		close(fd);
		return IAMPW_E_UNSAFE;
	}
	if (!owner_trusted(st->st_uid, owner)) {
		iampw_err_add(e, IAMPW_E_UNSAFE, "%s: owned by uid %lu, not root",
			      display, (unsigned long)st->st_uid);
		close(fd);
		return IAMPW_E_UNSAFE;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		iampw_err_add(e, IAMPW_E_UNSAFE,
			      "%s: writable by group or others (mode %04o)",
			      display, (unsigned)(st->st_mode & 07777));
		close(fd);
		return IAMPW_E_UNSAFE;
	}
	if (st->st_size < 0 || (uintmax_t)st->st_size > cap) {
		iampw_err_add(e, IAMPW_E_UNSAFE,
			      "%s: larger than %zu bytes", display, cap);
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
		iampw_err_add(e, IAMPW_E_IO, "%s: fcntl: %s", display,
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
		return iampw_err_add(e, IAMPW_E_IO, "%s: cannot stat: %s",
				     display, iampw_errstr(errno));
	if (!S_ISDIR(st.st_mode))
		return iampw_err_add(e, IAMPW_E_UNSAFE, "%s: is %s", display,
				     file_type(st.st_mode));
	if (!owner_trusted(st.st_uid, owner))
		return iampw_err_add(e, IAMPW_E_UNSAFE,
				     "%s: owned by uid %lu, not root", display,
				     (unsigned long)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return iampw_err_add(e, IAMPW_E_UNSAFE,
				     "%s: writable by group or others (mode %04o)",
				     display, (unsigned)(st.st_mode & 07777));
	return IAMPW_OK;
}

int iampw_check_private_stat(const struct stat *st, const char *display,
			     struct iampw_err *e)
{
	if (st->st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH))
		return iampw_err_add(e, IAMPW_E_UNSAFE,
				     "%s: readable by group or others (mode %04o): it holds password hashes (chmod go-rw)",
				     display, (unsigned)(st->st_mode & 07777));
	return IAMPW_OK;
}

int iampw_check_private(int fd, const char *display, struct iampw_err *e)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return iampw_err_add(e, IAMPW_E_IO, "%s: cannot stat: %s",
				     display, iampw_errstr(errno));
	return iampw_check_private_stat(&st, display, e);
}

int iampw_read_file(int fd, const char *display, size_t cap, size_t size,
		    char **bufp, size_t *lenp, struct iampw_err *e)
{
	/* One byte past the cap tells a file that is too large. */
	size_t want = size != SIZE_MAX ? size : cap + 1, len = 0;
	char *buf = malloc(want + 1);

	if (buf == NULL)
		return iampw_err_add(e, IAMPW_E_NOMEM, "%s: out of memory", display);
	while (len < want) {
		ssize_t r = pread(fd, buf + len, want - len, (off_t)len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			iampw_err_add(e, IAMPW_E_IO, "%s: read: %s", display,
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
		iampw_err_add(e, IAMPW_E_UNSAFE, "%s: larger than %zu bytes", display, cap);
		iampw_wipe(buf, len);
		free(buf);
		return IAMPW_E_UNSAFE;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return IAMPW_OK;
}
