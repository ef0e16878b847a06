/*
 * Small helpers shared by the bench drivers (not part of the project).
 */
#ifndef BENCH_BENCHUTIL_H
#define BENCH_BENCHUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

__attribute__((format(printf, 1, 2), noreturn))
static inline void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static inline long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v. */
static inline long long median_ll(long long *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_ll);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A "Key:   123 kB" line of /proc/self/status, in kB; -1 if absent. */
static inline long status_kb(const char *key)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, strlen(key)) == 0) {
			v = strtol(line + strlen(key), NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/*
 * "SRC:DST": copy SRC over DST in place (mode 0600 when created).  The
 * files are tiny; anything short of a full copy is fatal.
 */
static inline void restore_file(const char *pair)
{
	char src[4096], buf[65536];
	const char *colon = strchr(pair, ':');
	size_t sl = (size_t)(colon - pair);
	int in, out;
	ssize_t n;

	if (sl >= sizeof src)
		die("restore: path too long");
	memcpy(src, pair, sl);
	src[sl] = '\0';
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		die("restore: %s: %s", src, strerror(errno));
	out = open(colon + 1, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		die("restore: %s: %s", colon + 1, strerror(errno));
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, (size_t)n) != n)
			die("restore: %s: %s", colon + 1, strerror(errno));
	}
	if (n < 0 || close(out) != 0)
		die("restore: %s: %s", colon + 1, strerror(errno));
	close(in);
}

#endif
