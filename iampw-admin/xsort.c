/*
 * A sort of records in bounded memory (SPEC §8: the verbs that walk every
 * account keep their peak memory flat, whatever the count).
 *
 * Each record is a caller's struct of at most `recmax` bytes of which only
 * the first len(rec) matter (a name at its end, say): only those are kept,
 * so a 300-byte struct holding a 9-byte name costs a third of that.
 * Records are gathered in an arena of `budget` bytes, sorted through an
 * array of slots; when the arena is full they are written in order, as a
 * run, to an unnamed temporary file, and the runs are merged at the end
 * with a small read buffer each.  Until the first run is written nothing
 * touches the disk, so a host with a few thousand accounts sorts in
 * memory.  On disk a record is its length (8 bytes) and its bytes padded
 * to 8; a run that does not read back that way is an error (EIO), never
 * a short record.
 *
 * The merge is stable across runs (a tie goes to the earlier run), so a
 * comparison that ends with the enumeration order keeps "the first entry
 * wins" exactly as an in-memory sort would.
 *
 * The records hold names, uids and shadow fingerprints, never a hash or a
 * password; the temporary file is mode 0600 and has no name (O_TMPFILE;
 * else created and unlinked at once), so it vanishes with the process.
 * Every buffer that held records is wiped before it is freed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "messages.h"

/* Bytes of each run read at a time while merging. */
#define RUN_BUF_BYTES (16u * 1024u)
/* Bytes gathered before each write of a run. */
#define WRITE_BUF_BYTES (64u * 1024u)
/* On disk each record is a header (its length) and its bytes, padded. */
#define HDR_BYTES 8u

/* Records start at multiples of 8 bytes: the callers' structs hold 64-bit fields. */
static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

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

int xsort_init(struct xsort *x, size_t recmax, size_t (*len)(const void *),
	       int (*cmp)(const void *, const void *), size_t budget)
{
	memset(x, 0, sizeof *x);
	x->fd = -1;
	x->recmax = recmax;
	x->len = len;
	x->cmp = cmp;
	/* Room for two records at least, and every record fits a run's read buffer. */
	if (recmax == 0 || recmax > UINT32_MAX || HDR_BYTES + pad8(recmax) > RUN_BUF_BYTES)
		return EINVAL;
	if (budget < 2 * pad8(recmax))
		budget = 2 * pad8(recmax);
	x->budget = budget;
	/* A record takes 8 bytes of the arena at least; its slot another 8. */
	x->cap = budget / 16 > 2 ? budget / 16 : 2;
	/* Pages are touched only as records arrive: a small sort stays small. */
	x->arena = malloc(budget);
	x->slots = reallocarray(NULL, x->cap, sizeof *x->slots);
	return x->arena == NULL || x->slots == NULL ? ENOMEM : 0;
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

static int slot_cmp(const void *a, const void *b, void *ctx)
{
	const struct xsort *x = ctx;
	const struct xsort_slot *sa = a, *sb = b;

	return x->cmp(x->arena + sa->off, x->arena + sb->off);
}

/* Sort the records in memory (their slots). */
static void sort_slots(struct xsort *x)
{
	qsort_r(x->slots, x->n, sizeof *x->slots, slot_cmp, x);
}

/*
 * Forget the records in memory; the next ones overwrite them, and
 * arena_free wipes every byte ever used.
 */
static void arena_reset(struct xsort *x)
{
	if (x->used > x->touched)
		x->touched = x->used;
	x->used = 0;
	x->n = 0;
}

/* Sort the records in memory and append them to the file as one run. */
static int spill(struct xsort *x)
{
	struct xsort_run *r;
	char *w = NULL;
	size_t wn = 0;
	off_t start = x->end;
	int rc = 0;

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
	w = malloc(WRITE_BUF_BYTES);
	if (w == NULL)
		return ENOMEM;
	sort_slots(x);
	for (size_t i = 0; i < x->n && rc == 0; i++) {
		const struct xsort_slot *s = &x->slots[i];
		size_t need = HDR_BYTES + pad8(s->len);
		uint32_t hdr[2] = { s->len, 0 };

		if (wn + need > WRITE_BUF_BYTES) {
			rc = write_all(x->fd, w, wn, x->end);
			x->end += (off_t)wn;
			wn = 0;
		}
		memcpy(w + wn, hdr, sizeof hdr);
		memcpy(w + wn + HDR_BYTES, x->arena + s->off, pad8(s->len));
		wn += need;
	}
	if (rc == 0 && wn > 0) {
		rc = write_all(x->fd, w, wn, x->end);
		x->end += (off_t)wn;
	}
	iampw_wipe(w, WRITE_BUF_BYTES);
	free(w);
	if (rc != 0)
		return rc;
	r = &x->runs[x->nruns++];
	memset(r, 0, sizeof *r);
	r->off = start;
	r->end = x->end;
	arena_reset(x);
	return 0;
}

int xsort_put(struct xsort *x, const void *rec)
{
	size_t len = x->len != NULL ? x->len(rec) : x->recmax;
	int rc;

	if (len == 0 || len > x->recmax)
		return EINVAL;
	if ((x->used + pad8(len) > x->budget || x->n == x->cap) && (rc = spill(x)) != 0)
		return rc;
	x->slots[x->n].off = (uint32_t)x->used;
	x->slots[x->n].len = (uint32_t)len;
	memcpy(x->arena + x->used, rec, len);
	/* The padding too: it is written to the run as it is. */
	memset(x->arena + x->used + len, 0, pad8(len) - len);
	x->used += pad8(len);
	x->n++;
	return 0;
}

/*
 * Make the next record of run `r` whole in its buffer, reading more of the
 * run as needed; at the end of the run r->pos == r->have.  0 or errno (EIO
 * for a run that does not read back as it was written).
 */
static int run_ready(struct xsort *x, struct xsort_run *r)
{
	for (int pass = 0;; pass++) {
		size_t avail = r->have - r->pos, want, got = 0;
		uint32_t hdr[2];

		if (avail >= HDR_BYTES) {
			memcpy(hdr, r->buf + r->pos, sizeof hdr);
			if (hdr[0] == 0 || hdr[0] > x->recmax)
				return EIO;
			if (avail >= HDR_BYTES + pad8(hdr[0]))
				return 0;
		}
		if (r->off == r->end)
			return avail == 0 ? 0 : EIO;
		if (pass > 0)
			return EIO;
		/* What is left to the front, then as much as fits. */
		memmove(r->buf, r->buf + r->pos, avail);
		r->pos = 0;
		r->have = avail;
		want = RUN_BUF_BYTES - avail;
		if ((off_t)want > r->end - r->off)
			want = (size_t)(r->end - r->off);
		while (got < want) {
			ssize_t n = pread(x->fd, r->buf + avail + got, want - got,
					  r->off + (off_t)got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return n < 0 ? errno : EIO;
			got += (size_t)n;
		}
		r->off += (off_t)got;
		r->have += got;
	}
}

static const char *run_rec(const struct xsort_run *r)
{
	return r->buf + r->pos + HDR_BYTES;
}

static uint32_t run_len(const struct xsort_run *r)
{
	uint32_t len;

	memcpy(&len, r->buf + r->pos, sizeof len);
	return len;
}

/* Heap order: the smaller current record, and on a tie the earlier run. */
static bool run_less(const struct xsort *x, size_t a, size_t b)
{
	int c = x->cmp(run_rec(&x->runs[a]), run_rec(&x->runs[b]));

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

/* The arena is not needed once every record is on disk. */
static void arena_free(struct xsort *x)
{
	arena_reset(x);
	if (x->arena != NULL)
		iampw_wipe(x->arena, x->touched);
	free(x->arena);
	x->arena = NULL;
	x->touched = 0;
}

int xsort_start(struct xsort *x)
{
	int rc;

	x->pos = 0;
	if (x->nruns == 0) {
		sort_slots(x);
		return 0;
	}
	rc = spill(x);
	if (rc != 0)
		return rc;
	arena_free(x);
	x->heap = calloc(x->nruns, sizeof *x->heap);
	if (x->heap == NULL)
		return ENOMEM;
	for (size_t i = 0; i < x->nruns; i++) {
		struct xsort_run *r = &x->runs[i];

		r->buf = malloc(RUN_BUF_BYTES);
		if (r->buf == NULL)
			return ENOMEM;
		rc = run_ready(x, r);
		if (rc != 0)
			return rc;
		if (r->pos < r->have)
			x->heap[x->nheap++] = i;
	}
	for (size_t i = x->nheap / 2; i-- > 0;)
		sift_down(x, i);
	return 0;
}

/* The caller's record: `len` bytes, the rest of its `recmax` zeroed. */
static void give(const struct xsort *x, void *rec, const char *p, size_t len)
{
	memcpy(rec, p, len);
	memset((char *)rec + len, 0, x->recmax - len);
}

int xsort_next(struct xsort *x, void *rec, bool *got)
{
	struct xsort_run *r;
	int rc;

	*got = false;
	if (x->nruns == 0) {
		if (x->pos == x->n)
			return 0;
		give(x, rec, x->arena + x->slots[x->pos].off, x->slots[x->pos].len);
		x->pos++;
		*got = true;
		return 0;
	}
	if (x->nheap == 0)
		return 0;
	r = &x->runs[x->heap[0]];
	give(x, rec, run_rec(r), run_len(r));
	*got = true;
	r->pos += HDR_BYTES + pad8(run_len(r));
	rc = run_ready(x, r);
	if (rc != 0)
		return rc;
	if (r->pos == r->have)
		x->heap[0] = x->heap[--x->nheap];
	sift_down(x, 0);
	return 0;
}

void xsort_free(struct xsort *x)
{
	arena_free(x);
	free(x->slots);
	for (size_t i = 0; i < x->nruns; i++) {
		if (x->runs[i].buf != NULL)
			iampw_wipe(x->runs[i].buf, RUN_BUF_BYTES);
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

/* ---------------------------------------------------------------------- */
/* A list response written as it is made                                   */

int list_sink_open(const struct cli *c, struct list_sink *k, const char *key)
{
	json_object *list;
	int rc;

	memset(k, 0, sizeof *k);
	k->out.fd = -1;
	if (out_streams(c)) {
		rc = spool_open(&k->out);
		if (rc != 0)
			return rc;
		/* out_print's layout: python's json.dumps(indent=4). */
		spool_put(&k->out, "{\n    \"", 7);
		spool_put(&k->out, key, strlen(key));
		spool_put(&k->out, "\": ", 3);
		return 0;
	}
	k->resp = json_object_new_object();
	list = json_object_new_array();
	if (k->resp == NULL || list == NULL) {
		json_object_put(list);
		return ENOMEM;
	}
	json_object_object_add(k->resp, key, list);
	k->list = list;
	return 0;
}

/* One element of the spooled list, rendered two levels deep. */
static void sink_put(struct list_sink *k, char *text)
{
	if (text == NULL) {
		k->err = ENOMEM;
		return;
	}
	spool_put(&k->out, k->n == 0 ? "[\n        " : ",\n        ", 10);
	spool_put(&k->out, text, strlen(text));
	free(text);
	k->n++;
}

void list_sink_add(struct list_sink *k, json_object *item)
{
	if (item == NULL) {
		k->err = ENOMEM;
		return;
	}
	if (k->resp != NULL) {
		json_object_array_add(k->list, item);
		return;
	}
	sink_put(k, out_json_string_at(item, 2));
	json_object_put(item);
}

void list_sink_add_strings(struct list_sink *k, const char *const keys[],
			   const char *const vals[], size_t n)
{
	if (k->resp != NULL)
		list_sink_add(k, out_strings_object(keys, vals, n));
	else
		sink_put(k, out_json_strings_at(keys, vals, n, 2));
}

static int copy_out(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	errno = 0;
	if (n > 0 && fwrite(p, 1, n, stdout) != n)
		return errno != 0 ? errno : EIO;
	return 0;
}

/* The spooled response, closed as out_print closes an object, then printed. */
static int sink_print_spooled(struct list_sink *k, const char *next_token)
{
	char *tok = NULL;
	int err = k->err;

	if (k->n == 0)
		spool_put(&k->out, "[]", 2);
	else
		spool_put(&k->out, "\n    ]", 6);
	if (next_token != NULL) {
		json_object *t = json_object_new_string(next_token);

		tok = t != NULL ? out_json_string(t) : NULL;
		json_object_put(t);
		if (tok == NULL && err == 0)
			err = ENOMEM;
		spool_put(&k->out, ",\n    \"NextToken\": ", 19);
		if (tok != NULL)
			spool_put(&k->out, tok, strlen(tok));
		free(tok);
	}
	spool_put(&k->out, "\n}\n", 3);
	if (err == 0)
		err = spool_each(&k->out, 64 * 1024, copy_out, NULL);
	return out_finish(err);
}

int list_sink_print(const struct cli *c, struct list_sink *k, const char *next_token)
{
	if (k->resp == NULL)
		return sink_print_spooled(k, next_token);
	if (k->err != 0) {
		return cli_fail(EXIT_OTHER, MSG_FORMAT_FAILED,
			iampw_errstr(k->err));
	}
	if (next_token != NULL)
		json_object_object_add(k->resp, "NextToken", json_object_new_string(next_token));
	return out_print(c, k->resp);
}

void list_sink_close(struct list_sink *k)
{
	json_object_put(k->resp);
	k->resp = NULL;
	k->list = NULL;
	spool_close(&k->out);
}
