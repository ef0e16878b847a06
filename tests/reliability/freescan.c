/*
 * freescan.so: an LD_PRELOAD library for the secret tests
 * (tests/reliability/test_secrets.sh).  Every block the process gives back
 * to malloc -- by free, or as the old block of a realloc that moves -- is
 * searched, before it goes, for the marker in $IAMPW_FREESCAN_MARKER, its
 * first 16 or its last 20 characters.  A block that holds one was freed
 * without being wiped: malloc would hand its bytes to the next caller,
 * and a core dump would show them.
 *
 * At exit, one line is appended to $IAMPW_FREESCAN_OUT:
 *   freescan: HITS of FREED freed blocks held the marker (largest hit SIZE bytes)
 *
 * glibc's own entry points (__libc_free, __libc_realloc) do the work, so
 * the library needs no dlsym, which itself allocates.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void __libc_free(void *p);
extern void *__libc_realloc(void *p, size_t n);

static char marker[256];
static size_t marker_len;
static unsigned long freed, hits;
static size_t largest;

__attribute__((constructor)) static void freescan_init(void)
{
	const char *m = getenv("IAMPW_FREESCAN_MARKER");

	if (m != NULL && strlen(m) >= 20 && strlen(m) < sizeof marker) {
		marker_len = strlen(m);
		memcpy(marker, m, marker_len);
	}
}

/* Whether the block at p holds the marker or a telling piece of it. */
static int holds_marker(void *p)
{
	size_t n;

	if (p == NULL || marker_len == 0)
		return 0;
	n = malloc_usable_size(p);
	return memmem(p, n, marker, marker_len) != NULL ||
	       memmem(p, n, marker, 16) != NULL ||
	       memmem(p, n, marker + marker_len - 20, 20) != NULL;
}

/* A block of n bytes held the marker when it went. */
static void count(size_t n)
{
	hits++;
	if (n > largest)
		largest = n;
}

void free(void *p)
{
	if (p != NULL) {
		freed++;
		if (holds_marker(p))
			count(malloc_usable_size(p));
	}
	__libc_free(p);
}

void *realloc(void *p, size_t n)
{
	size_t old = p != NULL ? malloc_usable_size(p) : 0;
	int had = holds_marker(p);
	void *q = __libc_realloc(p, n);

	/*
	 * Moved, or freed (glibc's realloc(p, 0)): the old block, marker and
	 * all, went back to malloc.  A failed realloc keeps it.
	 */
	if (p != NULL && q != p && (q != NULL || n == 0)) {
		freed++;
		if (had)
			count(old);
	}
	return q;
}

__attribute__((destructor)) static void freescan_report(void)
{
	const char *out = getenv("IAMPW_FREESCAN_OUT");
	char line[160];
	int fd, len;

	if (out == NULL || marker_len == 0)
		return;
	fd = open(out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	len = snprintf(line, sizeof line,
		       "freescan: %lu of %lu freed blocks held the marker (largest hit %zu bytes)\n",
		       hits, freed, largest);
	if (len > 0)
		(void)!write(fd, line, (size_t)len);
	close(fd);
}
