/*
 * faultshim.so: an LD_PRELOAD library that makes one write-path call fail,
 * stop or pause, for the fault tests (tests/reliability/test_faults.sh).
 *
 * Only calls that touch a path below $IAMPW_FAULT_DIR count (by path for
 * the *at and open calls, by /proc/self/fd for the fd calls), so libpam,
 * NSS, syslog and stdio are never hit.  The calls watched: open openat
 * write fsync fchown fchmod rename renameat close flock mkdirat unlinkat.
 *
 *   IAMPW_FAULT=CALL:N:ERRNO    the Nth counted CALL fails with ERRNO (EIO,
 *                               ENOSPC, EINTR, EFBIG) without being made
 *   IAMPW_FAULT_STOP=CALL:N     raise(SIGSTOP) before the Nth counted CALL
 *   IAMPW_FAULT_SLEEP=CALL:N:MS sleep MS milliseconds before it
 *   IAMPW_FAULT_COUNT=FILE      at exit, append "CALL COUNT" lines for
 *                               every call counted (how many N to try)
 *   IAMPW_FAULT_TRACE=FILE      append "CALL PATH" for every counted call,
 *                               in order (PATH: the file or directory)
 *   IAMPW_FAULT_PWFOLD=1        getpwnam_r answers a name with upper-case
 *                               letters with the account of its lower-case
 *                               spelling, as a case-insensitive NSS source
 *                               (sssd, winbind) does; needs no other variable
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ctype.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum call { C_OPEN, C_OPENAT, C_WRITE, C_FSYNC, C_FCHOWN, C_FCHMOD, C_RENAME,
	    C_RENAMEAT, C_CLOSE, C_FLOCK, C_MKDIRAT, C_UNLINKAT, C_N };

static const char *const call_names[C_N] = {
	"open", "openat", "write", "fsync", "fchown", "fchmod", "rename",
	"renameat", "close", "flock", "mkdirat", "unlinkat",
};

static unsigned counts[C_N];
static char dir[PATH_MAX];
static size_t dir_len;
static int fail_call = -1, stop_call = -1, sleep_call = -1;
static unsigned fail_n, stop_n, sleep_n, sleep_ms;
static int fail_errno;
static int trace_fd = -1;

static int call_by_name(const char *name, size_t len)
{
	for (int i = 0; i < C_N; i++)
		if (strlen(call_names[i]) == len && strncmp(call_names[i], name, len) == 0)
			return i;
	return -1;
}

/* "CALL:N[:X]" into its parts; X is an errno name or a number. */
static void parse(const char *var, int *call, unsigned *n, int *x, bool want_errno)
{
	const char *v = getenv(var), *c1, *c2;

	if (v == NULL || *v == '\0')
		return;
	c1 = strchr(v, ':');
	if (c1 == NULL || (*call = call_by_name(v, (size_t)(c1 - v))) < 0)
		goto bad;
	*n = (unsigned)strtoul(c1 + 1, NULL, 10);
	c2 = strchr(c1 + 1, ':');
	if (x == NULL)
		return;
	if (c2 == NULL)
		goto bad;
	if (!want_errno)
		*x = atoi(c2 + 1);
	else if (strcmp(c2 + 1, "EIO") == 0)
		*x = EIO;
	else if (strcmp(c2 + 1, "ENOSPC") == 0)
		*x = ENOSPC;
	else if (strcmp(c2 + 1, "EINTR") == 0)
		*x = EINTR;
	else if (strcmp(c2 + 1, "EFBIG") == 0)
		*x = EFBIG;
	else
		goto bad;
	return;
bad:
	fprintf(stderr, "faultshim: cannot parse %s=%s\n", var, v);
	abort();
}

__attribute__((constructor)) static void init(void)
{
	const char *d = getenv("IAMPW_FAULT_DIR");
	int ms = 0;

	if (d == NULL || realpath(d, dir) == NULL) {
		dir[0] = '\0';
		return;
	}
	dir_len = strlen(dir);
	d = getenv("IAMPW_FAULT_TRACE");
	if (d != NULL) {
		typedef int (*fn)(int, const char *, int, ...);
		fn real = (fn)dlsym(RTLD_NEXT, "openat");

		trace_fd = real(AT_FDCWD, d, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	}
	parse("IAMPW_FAULT", &fail_call, &fail_n, &fail_errno, true);
	parse("IAMPW_FAULT_STOP", &stop_call, &stop_n, NULL, false);
	parse("IAMPW_FAULT_SLEEP", &sleep_call, &sleep_n, &ms, false);
	sleep_ms = (unsigned)ms;
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("IAMPW_FAULT_COUNT");
	FILE *f;

	if (path == NULL || (f = fopen(path, "ae")) == NULL)
		return;
	for (int i = 0; i < C_N; i++)
		if (counts[i] > 0)
			fprintf(f, "%s %u\n", call_names[i], counts[i]);
	fclose(f);
}

static bool under_dir(const char *p)
{
	return dir_len > 0 && strncmp(p, dir, dir_len) == 0 &&
	       (p[dir_len] == '/' || p[dir_len] == '\0');
}

static bool fd_path(int fd, char *out, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, out, size - 1);
	if (n < 0)
		return false;
	out[n] = '\0';
	return true;
}

static char last[2 * PATH_MAX];	/* the path of the last watched call */

static bool fd_watched(int fd)
{
	return dir_len > 0 && fd >= 0 && fd != trace_fd &&
	       fd_path(fd, last, sizeof last) && under_dir(last);
}

static bool at_watched(int dirfd, const char *name)
{
	char p[PATH_MAX];

	if (dir_len == 0 || name == NULL)
		return false;
	if (name[0] == '/') {
		snprintf(last, sizeof last, "%s", name);
		return under_dir(name);
	}
	if (dirfd == AT_FDCWD) {
		if (getcwd(p, sizeof p) == NULL)
			return false;
	} else if (!fd_path(dirfd, p, sizeof p)) {
		return false;
	}
	snprintf(last, sizeof last, "%s/%s", p, name);
	return under_dir(p);
}

/*
 * A counted call: 0 to make it, or -1 with errno set to fail it.
 */
static void trace(enum call c, const char *path)
{
	typedef ssize_t (*fn)(int, const void *, size_t);
	static fn real;
	char line[2 * PATH_MAX + 16];
	int len;

	if (trace_fd < 0)
		return;
	if (real == NULL)
		real = (fn)dlsym(RTLD_NEXT, "write");
	len = snprintf(line, sizeof line, "%s %s\n", call_names[c], path);
	if (len > 0 && (size_t)len < sizeof line)
		real(trace_fd, line, (size_t)len);
}

static int hit(enum call c, const char *path)
{
	unsigned n;

	trace(c, path);

	n = ++counts[c];
	if ((int)c == stop_call && n == stop_n)
		raise(SIGSTOP);
	if ((int)c == sleep_call && n == sleep_n) {
		struct timespec ts = { sleep_ms / 1000, (long)(sleep_ms % 1000) * 1000000L };

		nanosleep(&ts, NULL);
	}
	if ((int)c == fail_call && n == fail_n) {
		errno = fail_errno;
		return -1;
	}
	return 0;
}

#define REAL(name, type) \
	static type real_##name; \
	if (real_##name == NULL) \
		real_##name = (type)dlsym(RTLD_NEXT, #name)

static int do_openat(int dirfd, const char *path, int flags, mode_t mode, enum call c)
{
	typedef int (*fn)(int, const char *, int, ...);
	REAL(openat, fn);
	if (at_watched(dirfd, path) && hit(c, last) != 0)
		return -1;
	return real_openat(dirfd, path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return do_openat(dirfd, path, flags, mode, C_OPENAT);
}

int openat64(int dirfd, const char *path, int flags, ...)
	__attribute__((alias("openat")));

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return do_openat(AT_FDCWD, path, flags, mode, C_OPEN);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

ssize_t write(int fd, const void *buf, size_t len)
{
	typedef ssize_t (*fn)(int, const void *, size_t);
	REAL(write, fn);
	if (fd > 2 && fd_watched(fd) && hit(C_WRITE, last) != 0)
		return -1;
	return real_write(fd, buf, len);
}

int fsync(int fd)
{
	typedef int (*fn)(int);
	REAL(fsync, fn);
	if (fd_watched(fd) && hit(C_FSYNC, last) != 0)
		return -1;
	return real_fsync(fd);
}

int fchown(int fd, uid_t uid, gid_t gid)
{
	typedef int (*fn)(int, uid_t, gid_t);
	REAL(fchown, fn);
	if (fd_watched(fd) && hit(C_FCHOWN, last) != 0)
		return -1;
	return real_fchown(fd, uid, gid);
}

int fchmod(int fd, mode_t mode)
{
	typedef int (*fn)(int, mode_t);
	REAL(fchmod, fn);
	if (fd_watched(fd) && hit(C_FCHMOD, last) != 0)
		return -1;
	return real_fchmod(fd, mode);
}

int rename(const char *from, const char *to)
{
	typedef int (*fn)(const char *, const char *);
	REAL(rename, fn);
	if (at_watched(AT_FDCWD, to) && hit(C_RENAME, last) != 0)
		return -1;
	return real_rename(from, to);
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	typedef int (*fn)(int, const char *, int, const char *);
	REAL(renameat, fn);
	if (at_watched(tofd, to) && hit(C_RENAMEAT, last) != 0)
		return -1;
	return real_renameat(fromfd, from, tofd, to);
}

int close(int fd)
{
	typedef int (*fn)(int);
	REAL(close, fn);
	/* Linux releases the descriptor even when close fails: so do we. */
	if (fd_watched(fd) && hit(C_CLOSE, last) != 0) {
		int e = errno;

		real_close(fd);
		errno = e;
		return -1;
	}
	return real_close(fd);
}

int flock(int fd, int op)
{
	typedef int (*fn)(int, int);
	REAL(flock, fn);
	if (fd_watched(fd) && hit(C_FLOCK, last) != 0)
		return -1;
	return real_flock(fd, op);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	typedef int (*fn)(int, const char *, mode_t);
	REAL(mkdirat, fn);
	if (at_watched(dirfd, path) && hit(C_MKDIRAT, last) != 0)
		return -1;
	return real_mkdirat(dirfd, path, mode);
}

int unlinkat(int dirfd, const char *path, int flags)
{
	typedef int (*fn)(int, const char *, int);
	REAL(unlinkat, fn);
	if (at_watched(dirfd, path) && hit(C_UNLINKAT, last) != 0)
		return -1;
	return real_unlinkat(dirfd, path, flags);
}

int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len,
	       struct passwd **res)
{
	typedef int (*fn)(const char *, struct passwd *, char *, size_t, struct passwd **);
	const char *fold = getenv("IAMPW_FAULT_PWFOLD");
	char low[256];
	size_t n;

	REAL(getpwnam_r, fn);
	if (fold == NULL || strcmp(fold, "1") != 0 ||
	    (n = strlen(name)) >= sizeof low)
		return real_getpwnam_r(name, pw, buf, len, res);
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	return real_getpwnam_r(low, pw, buf, len, res);
}
