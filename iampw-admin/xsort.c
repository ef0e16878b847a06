/*
 * A sort of fixed-size records in bounded memory (SPEC §8: the verbs that
 * walk every account keep their peak memory flat, whatever the count).
 *
 * Records are gathered in one buffer of `budget` bytes; when it is full it
 * is sorted and written as a run to an unnamed temporary file, and the
 * runs are merged at the end with a small read buffer each.  Until the
 * first run is written nothing touches the disk, so a host with a few
 * thousand accounts sorts in memory as before.
 *
 * The merge is stable across runs (a tie goes to the earlier run), so a
 * comparison that ends with the enumeration order keeps "the first entry
 * wins" exactly as an in-memory sort would.
 *
 * The records hold names, uids and shadow fingerprints, never a hash or a
 * password; the temporary file is mode 0600 and has no name (O_TMPFILE;
 * else created and unlinked at once), so it vanishes with the process.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Bytes of each run read at a time while merging. */
#define RUN_BUF_BYTES (16u * 1024u)

int xsort_tmpfile(void)
{
	const char *dir = secure_getenv("TMPDIR");
	char path[4096];
	int fd;

	if (dir == NULL || dir[0] != '/')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if ((size_t)snprintf(path, sizeof path, "%s/iampw-admin.XXXXXX", dir) >= sizeof path)
		return -1;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		(void)unlink(path);
	return fd;
}

int xsort_init(struct xsort *x, size_t recsize, int (*cmp)(const void *, const void *),
	       size_t budget)
{
	memset(x, 0, sizeof *x);
	x->fd = -1;
	x->recsize = recsize;
	x->cmp = cmp;
	x->cap = budget / recsize;
	if (x->cap < 2)
		x->cap = 2;
	x->buf = malloc(x->cap * recsize);
	return x->buf == NULL ? ENOMEM : 0;
}

static int write_all(int fd, const char *p, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? errno : EIO;
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

/* Sort the buffer and append it to the file as one run. */
static int spill(struct xsort *x)
{
	struct xsort_run *r;
	int rc;

	if (x->n == 0)
		return 0;
	if (x->fd < 0 && (x->fd = xsort_tmpfile()) < 0)
		return errno != 0 ? errno : EIO;
	if (x->nruns == x->runcap) {
		size_t cap = x->runcap ? x->runcap * 2 : 16;
		struct xsort_run *v = reallocarray(x->runs, cap, sizeof *v);

		if (v == NULL)
			return ENOMEM;
		x->runs = v;
		x->runcap = cap;
	}
	qsort(x->buf, x->n, x->recsize, x->cmp);
	r = &x->runs[x->nruns];
	memset(r, 0, sizeof *r);
	r->off = x->end;
	r->left = x->n;
	rc = write_all(x->fd, x->buf, x->n * x->recsize, x->end);
	if (rc != 0)
		return rc;
	x->end += (off_t)(x->n * x->recsize);
	x->nruns++;
	x->n = 0;
	return 0;
}

int xsort_put(struct xsort *x, const void *rec)
{
	int rc;

	if (x->n == x->cap && (rc = spill(x)) != 0)
		return rc;
	memcpy(x->buf + x->n * x->recsize, rec, x->recsize);
	x->n++;
	return 0;
}

/* Read the next records of run `r` into its buffer; 0 or errno. */
static int refill(struct xsort *x, struct xsort_run *r)
{
	size_t want = r->left < x->runrecs ? r->left : x->runrecs;
	size_t bytes = want * x->recsize, got = 0;

	while (got < bytes) {
		ssize_t n = pread(x->fd, r->buf + got, bytes - got, r->off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		got += (size_t)n;
	}
	r->off += (off_t)bytes;
	r->left -= want;
	r->have = want;
	r->pos = 0;
	return 0;
}

/* Heap order: the smaller current record, and on a tie the earlier run. */
static bool run_less(const struct xsort *x, size_t a, size_t b)
{
	const struct xsort_run *ra = &x->runs[a], *rb = &x->runs[b];
	int c = x->cmp(ra->buf + ra->pos * x->recsize, rb->buf + rb->pos * x->recsize);

	return c < 0 || (c == 0 && a < b);
}

static void sift_down(struct xsort *x, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < x->nheap && run_less(x, x->heap[l], x->heap[m]))
			m = l;
		if (l + 1 < x->nheap && run_less(x, x->heap[l + 1], x->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		size_t t = x->heap[i];

		x->heap[i] = x->heap[m];
		x->heap[m] = t;
		i = m;
	}
}

int xsort_start(struct xsort *x)
{
	int rc;

	x->pos = 0;
	if (x->nruns == 0) {
		qsort(x->buf, x->n, x->recsize, x->cmp);
		return 0;
	}
	rc = spill(x);
	if (rc != 0)
		return rc;
	iampw_wipe(x->buf, x->cap * x->recsize);
	free(x->buf);
	x->buf = NULL;
	x->runrecs = RUN_BUF_BYTES / x->recsize;
	if (x->runrecs == 0)
		x->runrecs = 1;
	x->heap = calloc(x->nruns, sizeof *x->heap);
	if (x->heap == NULL)
		return ENOMEM;
	for (size_t i = 0; i < x->nruns; i++) {
		struct xsort_run *r = &x->runs[i];

		r->buf = malloc(x->runrecs * x->recsize);
		if (r->buf == NULL)
			return ENOMEM;
		rc = refill(x, r);
		if (rc != 0)
			return rc;
		x->heap[x->nheap++] = i;
	}
	for (size_t i = x->nheap / 2; i-- > 0;)
		sift_down(x, i);
	return 0;
}

int xsort_next(struct xsort *x, void *rec, bool *got)
{
	struct xsort_run *r;
	int rc;

	*got = false;
	if (x->nruns == 0) {
		if (x->pos == x->n)
			return 0;
		memcpy(rec, x->buf + x->pos++ * x->recsize, x->recsize);
		*got = true;
		return 0;
	}
	if (x->nheap == 0)
		return 0;
	r = &x->runs[x->heap[0]];
	memcpy(rec, r->buf + r->pos * x->recsize, x->recsize);
	*got = true;
	if (++r->pos == r->have) {
		if (r->left == 0) {
			x->heap[0] = x->heap[--x->nheap];
		} else if ((rc = refill(x, r)) != 0) {
			return rc;
		}
	}
	sift_down(x, 0);
	return 0;
}

void xsort_free(struct xsort *x)
{
	if (x->buf != NULL)
		iampw_wipe(x->buf, x->cap * x->recsize);
	free(x->buf);
	for (size_t i = 0; i < x->nruns; i++) {
		if (x->runs[i].buf != NULL)
			iampw_wipe(x->runs[i].buf, x->runrecs * x->recsize);
		free(x->runs[i].buf);
	}
	free(x->runs);
	free(x->heap);
	if (x->fd >= 0)
		close(x->fd);
	memset(x, 0, sizeof *x);
	x->fd = -1;
}

/* ---------------------------------------------------------------------- */
/* A response written to a temporary file first                            */

int spool_open(struct spool *s)
{
	memset(s, 0, sizeof *s);
	s->fd = xsort_tmpfile();
	return s->fd < 0 ? (errno != 0 ? errno : EIO) : 0;
}

static void spool_drain(struct spool *s)
{
	if (s->err == 0 && s->n > 0)
		s->err = write_all(s->fd, s->buf, s->n, s->len);
	if (s->err == 0)
		s->len += (off_t)s->n;
	s->n = 0;
}

void spool_put(struct spool *s, const char *p, size_t n)
{
	while (n > 0 && s->err == 0) {
		size_t k = sizeof s->buf - s->n;

		if (k > n)
			k = n;
		memcpy(s->buf + s->n, p, k);
		s->n += k;
		p += k;
		n -= k;
		if (s->n == sizeof s->buf)
			spool_drain(s);
	}
}

int spool_each(struct spool *s, size_t chunk, int (*fn)(void *ctx, const char *p, size_t n),
	       void *ctx)
{
	off_t off = 0;
	char *buf;
	int rc = 0;

	spool_drain(s);
	if (s->err != 0)
		return s->err;
	buf = malloc(chunk);
	if (buf == NULL)
		return ENOMEM;
	while (rc == 0 && off < s->len) {
		size_t want = (size_t)(s->len - off) < chunk ? (size_t)(s->len - off) : chunk;
		size_t got = 0;

		while (rc == 0 && got < want) {
			ssize_t n = pread(s->fd, buf + got, want - got, off + (off_t)got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				rc = n < 0 ? errno : EIO;
			else
				got += (size_t)n;
		}
		if (rc == 0)
			rc = fn(ctx, buf, want);
		off += (off_t)want;
	}
	free(buf);
	return rc;
}

void spool_close(struct spool *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
