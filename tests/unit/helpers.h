/*
 * Shared helpers of the unit tests: temporary directories and files with
 * chosen content and modes.  Header-only so each test stays one program.
 * Include after <cmocka.h>.
 */
#ifndef IAMPW_TEST_HELPERS_H
#define IAMPW_TEST_HELPERS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iampw.h"

/* A fresh private directory under $TMPDIR (or /tmp); caller frees the path. */
static inline char *th_mkdtemp(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	assert_true(asprintf(&path, "%s/iampw-test.XXXXXX", base) > 0);
	assert_non_null(mkdtemp(path));
	return path;
}

/* "dir/name" in a static buffer (tests are single-threaded). */
static inline const char *th_path(const char *dir, const char *name)
{
	static char buf[PATH_MAX];

	assert_true(snprintf(buf, sizeof buf, "%s/%s", dir, name) < (int)sizeof buf);
	return buf;
}

/* Write `len` bytes to dir/name with `mode` (replacing any old file). */
static inline void th_write(const char *dir, const char *name, const void *data,
			    size_t len, mode_t mode)
{
	const char *p = th_path(dir, name);
	int fd;

	unlink(p);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/* Write a NUL-terminated string with mode 0644. */
static inline void th_write_str(const char *dir, const char *name, const char *text)
{
	th_write(dir, name, text, strlen(text), 0644);
}

/* Read a whole file into a malloc'd NUL-terminated buffer; *len its size. */
static inline char *th_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

/* Number of entries in a directory, "." and ".." excluded. */
static inline int th_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

/* rm -rf of a test directory (one level of subdirectories is enough here). */
static inline void th_rmtree(const char *dir)
{
	char cmd[PATH_MAX + 16];

	assert_true(snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir) < (int)sizeof cmd);
	assert_int_equal(system(cmd), 0);
}

/* True when `haystack` contains `needle`. */
static inline bool th_contains(const char *haystack, const char *needle)
{
	return strstr(haystack, needle) != NULL;
}

#endif /* IAMPW_TEST_HELPERS_H */
