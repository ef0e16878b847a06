/*
 * The blocklist reader (SPEC §9.1) against the real pwqfilter: filters
 * built by passwdqc's own tool from generated word lists, with each of
 * its options that changes the file (load, hash, optimisation, inserts),
 * must give exactly pwqfilter --lookup's answers over many candidates,
 * present and absent.  Then hostile filters: each is an error, never
 * "not listed".
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/wait.h>

#include "helpers.h"

static char *dir;

/* dir/name; four at a time can be in use (th_path has one buffer). */
static const char *tp(const char *name)
{
	static char buf[4][PATH_MAX];
	static unsigned next;
	char *b = buf[next++ % 4];

	assert_true(snprintf(b, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
	return b;
}

/* ---------------------------------------------------------------------- */
/* Word lists and pwqfilter                                               */

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: reproducible word lists without libc's rand(). */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

/*
 * One word of `lo`..`hi` bytes: printable ASCII, and one byte in eight
 * from 0x80-0xFF, which the NTLM-CP1252 hash maps (C1 range included).
 * Never NUL, CR or LF: pwqfilter reads lines.
 */
static void make_word(char *w, unsigned lo, unsigned hi)
{
	unsigned n = lo + (unsigned)(rng() % (hi - lo + 1));

	for (unsigned i = 0; i < n; i++) {
		uint64_t r = rng();

		w[i] = (char)(r % 8 == 0 ? 0x80 + (r >> 8) % 0x80 : 0x20 + (r >> 8) % 0x5F);
	}
	w[n] = '\0';
}

#define WORDS 20000
#define CANDIDATES (3 * WORDS)

struct corpus {
	char words[WORDS][32];
	char sorted[WORDS][32];     /* the first n words, sorted, for bsearch */
	char cand[CANDIDATES][40];
};

static struct corpus *corpus;

static void write_lines(const char *name, size_t count, size_t width, const char *rows)
{
	FILE *f = fopen(tp(name), "w");

	assert_non_null(f);
	for (size_t i = 0; i < count; i++)
		assert_true(fprintf(f, "%s\n", rows + i * width) > 0);
	assert_int_equal(fclose(f), 0);
}

/* Run a shell command line; return its exit status. */
static int run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	assert_true(vsnprintf(cmd, sizeof cmd, fmt, ap) < (int)sizeof cmd);
	va_end(ap);
	st = system(cmd);
	assert_true(st != -1 && WIFEXITED(st));
	return WEXITSTATUS(st);
}

static int setup(void **state)
{
	dir = th_mkdtemp();
	corpus = calloc(1, sizeof *corpus);
	assert_non_null(corpus);
	rng_state = 0x1a2b3c4d5e6f7081u;
	for (size_t i = 0; i < WORDS; i++)
		make_word(corpus->words[i], 1, 24);
	/* The words, other random words, and near misses of the words. */
	for (size_t i = 0; i < WORDS; i++) {
		strcpy(corpus->cand[i], corpus->words[i]);
		make_word(corpus->cand[WORDS + i], 1, 30);
		size_t n = strlen(corpus->words[i]);
		char *near = corpus->cand[2 * WORDS + i];

		memcpy(near, corpus->words[i], n);
		near[n] = (char)('0' + i % 10);
		near[n + 1] = '\0';
	}
	write_lines("words", WORDS, sizeof corpus->words[0], corpus->words[0]);
	write_lines("cand", CANDIDATES, sizeof corpus->cand[0], corpus->cand[0]);
	/* pwqfilter must be there: its absence is a failure, not a skip. */
	assert_int_equal(run("pwqfilter --version >/dev/null"), 0);
	return 0;
}

static int teardown(void **state)
{
	run("rm -rf '%s'", dir);
	free(dir);
	free(corpus);
	return 0;
}

/* pwqfilter --lookup's verdict for every candidate line (by line number). */
static void pwqfilter_verdicts(const char *filter, bool *hit)
{
	char line[256];
	FILE *f;
	int rc;

	rc = run("pwqfilter -n -f '%s' < '%s' > '%s'", tp(filter),
		 tp("cand"), tp("hits"));
	assert_true(rc == 0 || rc == 1);
	memset(hit, 0, CANDIDATES * sizeof *hit);
	f = fopen(tp("hits"), "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned long n = strtoul(line, NULL, 10);

		assert_true(n >= 1 && n <= CANDIDATES);
		hit[n - 1] = true;
	}
	fclose(f);
}

static int cmp_word(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * Our verdict equals pwqfilter's for every candidate; every word of the
 * list's first `nwords` (those in the filter) is found: no false
 * negative.  Returns the false positives (listed, yet not in the list).
 */
static unsigned compare_with_pwqfilter(const char *filter, size_t nwords)
{
	static bool hit[CANDIDATES];
	struct iampw_blocklist b;
	struct iampw_err e;
	unsigned differ = 0, fp = 0, found = 0;

	memcpy(corpus->sorted, corpus->words, nwords * sizeof corpus->words[0]);
	qsort(corpus->sorted, nwords, sizeof corpus->sorted[0], cmp_word);
	pwqfilter_verdicts(filter, hit);
	iampw_err_init(&e);
	assert_int_equal(iampw_blocklist_open(&b, tp(filter), geteuid(), &e), IAMPW_OK);
	for (size_t i = 0; i < CANDIDATES; i++) {
		bool listed = false, word;

		assert_int_equal(iampw_blocklist_lookup(&b, corpus->cand[i], &listed, &e), IAMPW_OK);
		if (listed != hit[i]) {
			if (differ++ < 5)
				print_message("# %s: candidate %zu: ours %d, pwqfilter %d\n",
					      filter, i + 1, listed, hit[i]);
		}
		word = bsearch(corpus->cand[i], corpus->sorted, nwords,
			       sizeof corpus->sorted[0], cmp_word) != NULL;
		if (word)
			assert_true(listed);
		else if (listed)
			fp++;
		found += listed;
	}
	iampw_blocklist_close(&b);
	print_message("# %s: %u of %d candidates listed, %u false positives (pwqfilter's too), %u differ\n",
		      filter, found, CANDIDATES, fp, differ);
	assert_int_equal(differ, 0);
	return fp;
}

static void create_filter(const char *name, const char *options)
{
	assert_int_equal(run("pwqfilter %s -o '%s' < '%s' 2>/dev/null", options,
			     tp(name), tp("words")), 0);
}

/* ---------------------------------------------------------------------- */
/* Agreement with pwqfilter                                               */

/* ~95% load: buckets of 4 (33-bit fingerprints), kicked entries. */
static void test_md4_high_load(void **state)
{
	struct iampw_blocklist b;
	struct iampw_err e;

	create_filter("high.pwq", "--create=21000");
	iampw_err_init(&e);
	assert_int_equal(iampw_blocklist_open(&b, tp("high.pwq"), geteuid(), &e), IAMPW_OK);
	assert_int_equal(b.bucket_size, 4);
	assert_int_equal(b.hash, 1);
	assert_int_equal(b.nbuckets, 21000 / 4);
	assert_true(b.entries > WORDS * 9 / 10 && b.entries <= WORDS);
	iampw_blocklist_close(&b);
	assert_true(compare_with_pwqfilter("high.pwq", WORDS) < 10);
}

/* ~55% load: buckets of 3 (41-bit fingerprints). */
static void test_md4_mid_load(void **state)
{
	struct iampw_blocklist b;
	struct iampw_err e;

	create_filter("mid.pwq", "--create=36000");
	iampw_err_init(&e);
	assert_int_equal(iampw_blocklist_open(&b, tp("mid.pwq"), geteuid(), &e), IAMPW_OK);
	assert_int_equal(b.bucket_size, 3);
	iampw_blocklist_close(&b);
	assert_true(compare_with_pwqfilter("mid.pwq", WORDS) < 10);
}

/* ~20% load: buckets of 2 (61-bit fingerprints). */
static void test_md4_low_load(void **state)
{
	struct iampw_blocklist b;
	struct iampw_err e;

	create_filter("low.pwq", "--create=100000");
	iampw_err_init(&e);
	assert_int_equal(iampw_blocklist_open(&b, tp("low.pwq"), geteuid(), &e), IAMPW_OK);
	assert_int_equal(b.bucket_size, 2);
	iampw_blocklist_close(&b);
	assert_true(compare_with_pwqfilter("low.pwq", WORDS) < 10);
}

/* A tiny filter, nearly full: the alternate bucket is used constantly. */
static void test_md4_tiny(void **state)
{
	assert_int_equal(run("head -n 190 '%s' | pwqfilter --create=200 -o '%s' 2>/dev/null",
			     tp("words"), tp("tiny.pwq")), 0);
	compare_with_pwqfilter("tiny.pwq", 190);
}

static void test_ntlm_cp1252(void **state)
{
	struct iampw_blocklist b;
	struct iampw_err e;

	create_filter("ntlm.pwq", "--hash-ntlm-cp1252 --create=21000");
	iampw_err_init(&e);
	assert_int_equal(iampw_blocklist_open(&b, tp("ntlm.pwq"), geteuid(), &e), IAMPW_OK);
	assert_int_equal(b.hash, 2);
	iampw_blocklist_close(&b);
	assert_true(compare_with_pwqfilter("ntlm.pwq", WORDS) < 10);
}

/* Threshold 4 from the start, and the other optimisation. */
static void test_optimized(void **state)
{
	struct iampw_blocklist b;
	struct iampw_err e;

	create_filter("opthl.pwq", "--create=21000 --optimize-fp-rate-at-high-load");
	iampw_err_init(&e);
	assert_int_equal(iampw_blocklist_open(&b, tp("opthl.pwq"), geteuid(), &e), IAMPW_OK);
	assert_int_equal(b.threshold, 4);
	iampw_blocklist_close(&b);
	assert_true(compare_with_pwqfilter("opthl.pwq", WORDS) < 10);
	create_filter("optfp.pwq", "--create=30000 --optimize-fp-rate");
	assert_true(compare_with_pwqfilter("optfp.pwq", WORDS) < 10);
}

/* A filter grown by --insert, from half the words to all of them. */
static void test_insert(void **state)
{
	assert_int_equal(run("head -n 10000 '%s' | pwqfilter --create=21000 -o '%s' 2>/dev/null",
			     tp("words"), tp("ins.pwq")), 0);
	assert_int_equal(run("tail -n +10001 '%s' | pwqfilter --insert -f '%s' -o '%s' 2>/dev/null",
			     tp("words"), tp("ins.pwq"),
			     tp("ins2.pwq")), 0);
	assert_true(compare_with_pwqfilter("ins2.pwq", WORDS) < 10);
}

/*
 * A filter written on a big-endian host (pwqfilter writes its native
 * order): every 64-bit word swapped gives the same answers.
 */
static void test_big_endian(void **state)
{
	static bool hit[CANDIDATES];
	struct iampw_blocklist b;
	struct iampw_err e;
	size_t len;
	char *buf;

	create_filter("le.pwq", "--create=21000");
	buf = th_read(tp("le.pwq"), &len);
	/* Bytes 0-7 are not a 64-bit word; every 8 bytes after are. */
	for (size_t off = 8; off + 8 <= len; off += 8) {
		for (int k = 0; k < 4; k++) {
			char t = buf[off + k];

			buf[off + k] = buf[off + 7 - k];
			buf[off + 7 - k] = t;
		}
	}
	th_write(dir, "be.pwq", buf, len, 0644);
	free(buf);
	pwqfilter_verdicts("le.pwq", hit);
	iampw_err_init(&e);
	assert_int_equal(iampw_blocklist_open(&b, tp("be.pwq"), geteuid(), &e), IAMPW_OK);
	assert_true(b.big_endian);
	for (size_t i = 0; i < CANDIDATES; i++) {
		bool listed = false;

		assert_int_equal(iampw_blocklist_lookup(&b, corpus->cand[i], &listed, &e), IAMPW_OK);
		assert_int_equal(listed, hit[i]);
	}
	iampw_blocklist_close(&b);
}

/* The text ends at CR or LF, as pwqfilter's lines (and passwdqc's check). */
static void test_text_ends_at_cr_lf(void **state)
{
	struct iampw_blocklist b;
	struct iampw_err e;
	bool listed;

	th_write_str(dir, "few", "Password1\ncorrect horse\n");
	assert_int_equal(run("pwqfilter --create=100 -o '%s' < '%s' 2>/dev/null",
			     tp("few.pwq"), tp("few")), 0);
	iampw_err_init(&e);
	assert_int_equal(iampw_blocklist_open(&b, tp("few.pwq"), geteuid(), &e), IAMPW_OK);
	assert_int_equal(iampw_blocklist_lookup(&b, "Password1", &listed, &e), IAMPW_OK);
	assert_true(listed);
	assert_int_equal(iampw_blocklist_lookup(&b, "correct horse", &listed, &e), IAMPW_OK);
	assert_true(listed);
	assert_int_equal(iampw_blocklist_lookup(&b, "Password1\rmore", &listed, &e), IAMPW_OK);
	assert_true(listed);
	assert_int_equal(iampw_blocklist_lookup(&b, "Password1\nmore", &listed, &e), IAMPW_OK);
	assert_true(listed);
	assert_int_equal(iampw_blocklist_lookup(&b, "password1", &listed, &e), IAMPW_OK);
	assert_false(listed);
	assert_int_equal(iampw_blocklist_lookup(&b, "Password1 ", &listed, &e), IAMPW_OK);
	assert_false(listed);
	iampw_blocklist_close(&b);
	iampw_blocklist_close(&b);   /* twice is harmless */
}

/* ---------------------------------------------------------------------- */
/* Cost: only the header at open, at most two reads per lookup            */

static unsigned long long read_syscalls(void)
{
	char buf[512];
	unsigned long long n = 0;
	const char *p;
	ssize_t k;
	int fd = open("/proc/self/io", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	k = read(fd, buf, sizeof buf - 1);
	assert_true(k > 0);
	buf[k] = '\0';
	close(fd);
	p = strstr(buf, "syscr: ");
	assert_non_null(p);
	n = strtoull(p + 7, NULL, 10);
	return n;
}

/* A 1 GiB filter (sparse: an empty one is all zero buckets). */
static void write_empty_filter(const char *name, uint64_t capacity, uint64_t size)
{
	unsigned char h[64] = "PWQ0";
	int fd;

	h[4] = 2;   /* threshold */
	h[5] = 4;   /* bucket size */
	h[6] = 1;   /* MD4 */
	for (int i = 0; i < 8; i++) {
		h[8 + i] = (unsigned char)(i + 1);
		h[24 + i] = (unsigned char)(capacity >> (8 * i));
	}
	th_write(dir, name, h, sizeof h, 0644);
	fd = open(tp(name), O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	close(fd);
}

static void test_two_reads_per_lookup(void **state)
{
	const uint64_t cap = UINT64_C(1) << 28;
	struct iampw_blocklist b;
	struct iampw_err e;
	unsigned long long before, after;
	char pw[32];
	bool listed;

	write_empty_filter("big.pwq", cap, 64 + 4 * cap);
	iampw_err_init(&e);
	before = read_syscalls();
	assert_int_equal(iampw_blocklist_open(&b, tp("big.pwq"), geteuid(), &e), IAMPW_OK);
	for (int i = 0; i < 1000; i++) {
		snprintf(pw, sizeof pw, "candidate-%d", i);
		assert_int_equal(iampw_blocklist_lookup(&b, pw, &listed, &e), IAMPW_OK);
		assert_false(listed);
	}
	after = read_syscalls();
	iampw_blocklist_close(&b);
	/* The header, 1000 x (1 or 2) buckets, and the first /proc read. */
	print_message("# 1000 lookups in a 1 GiB filter: %llu reads\n", after - before);
	assert_true(after - before <= 1 + 2000 + 1);
}

/* ---------------------------------------------------------------------- */
/* Hostile filters                                                        */

/* A valid empty filter of `cap` entries, as bytes, for mutation. */
static unsigned char *empty_filter(uint64_t cap, size_t *len)
{
	unsigned char *f;

	*len = 64 + 4 * cap;
	f = calloc(1, *len);
	assert_non_null(f);
	memcpy(f, "PWQ0", 4);
	f[4] = 2;
	f[5] = 4;
	f[6] = 1;
	for (int i = 0; i < 8; i++) {
		f[8 + i] = (unsigned char)(i + 1);
		f[24 + i] = (unsigned char)(cap >> (8 * i));
	}
	return f;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static int open_bytes(const unsigned char *data, size_t len, mode_t mode,
		      struct iampw_blocklist *b, struct iampw_err *e)
{
	th_write(dir, "h.pwq", data, len, mode);
	iampw_err_init(e);
	return iampw_blocklist_open(b, tp("h.pwq"), geteuid(), e);
}

/* Refused at open with `code`, with a message, and nothing left open. */
static void expect_refused(const unsigned char *data, size_t len, int code, const char *what)
{
	struct iampw_blocklist b;
	struct iampw_err e;

	assert_int_equal(open_bytes(data, len, 0644, &b, &e), code);
	assert_true(e.count > 0);
	assert_int_equal(b.fd, -1);
	assert_non_null(strstr(e.text, what));
}

static void test_hostile_headers(void **state)
{
	size_t len;
	unsigned char *f = empty_filter(16, &len);
	unsigned char *g = malloc(len);
	struct iampw_blocklist b;
	struct iampw_err e;
	bool listed;

	assert_non_null(g);
	/* The unmodified one is fine and lists nothing. */
	assert_int_equal(open_bytes(f, len, 0644, &b, &e), IAMPW_OK);
	assert_int_equal(iampw_blocklist_lookup(&b, "anything", &listed, &e), IAMPW_OK);
	assert_false(listed);
	iampw_blocklist_close(&b);

#define MUTATE(stmt, code, what) \
	do { memcpy(g, f, len); stmt; expect_refused(g, len, code, what); } while (0)
	MUTATE(g[3] = '1', IAMPW_E_PARSE, "no PWQ0 header");
	MUTATE(g[8] = 9, IAMPW_E_PARSE, "byte-order");
	MUTATE(g[4] = 5, IAMPW_E_PARSE, "threshold");
	MUTATE(g[5] = 1, IAMPW_E_PARSE, "bucket size");
	MUTATE(g[5] = 5, IAMPW_E_PARSE, "bucket size");
	MUTATE((g[5] = 2, g[4] = 3), IAMPW_E_PARSE, "threshold");
	MUTATE(g[6] = 0, IAMPW_E_PARSE, "hash type 0");
	MUTATE(g[6] = 3, IAMPW_E_PARSE, "hash type 3");
	MUTATE(put64(g + 24, 0), IAMPW_E_PARSE, "capacity");
	MUTATE(put64(g + 24, 17), IAMPW_E_PARSE, "capacity");
	/* Huge sizes: refused from the header alone, nothing allocated or read. */
	MUTATE(put64(g + 24, UINT64_MAX - 3), IAMPW_E_PARSE, "capacity");
	MUTATE(put64(g + 24, ((UINT64_C(1) << 32) - 1) * 4 + 4), IAMPW_E_PARSE, "capacity");
	MUTATE(put64(g + 24, ((UINT64_C(1) << 32) - 1) * 4), IAMPW_E_PARSE, "the header says");
	MUTATE(put64(g + 24, 20), IAMPW_E_PARSE, "the header says");
	MUTATE(put64(g + 32, 1), IAMPW_E_PARSE, "more entries");      /* deletes > inserts */
	MUTATE(put64(g + 40, 17), IAMPW_E_PARSE, "more entries");     /* inserts > capacity */
#undef MUTATE
	/* Truncated or extended. */
	expect_refused(f, len - 1, IAMPW_E_PARSE, "the header says");
	expect_refused(f, 63, IAMPW_E_PARSE, "too short");
	expect_refused(f, 0, IAMPW_E_PARSE, "too short");
	memcpy(g, f, len);
	th_write(dir, "h.pwq", g, len, 0644);
	assert_int_equal(truncate(tp("h.pwq"), (off_t)len + 16), 0);
	iampw_err_init(&e);
	assert_int_equal(iampw_blocklist_open(&b, tp("h.pwq"), geteuid(), &e), IAMPW_E_PARSE);
	free(f);
	free(g);
}

/* Corrupt buckets: the lookup fails and the password counts as listed. */
static void test_hostile_buckets(void **state)
{
	static const struct { uint64_t hi, lo; unsigned bucket_size; } bad[] = {
		{ 0, 5, 4 },                              /* empty with data */
		{ 2, 0, 4 },                              /* no such count */
		{ UINT64_C(3877) << 52, 0, 4 },           /* index past the tuples */
		{ UINT64_C(1) << 52, 0, 2 },              /* 4 entries, filter of 2 */
		{ UINT64_C(0x1F) << 59, 0, 2 },           /* 3 entries, filter of 2 */
		{ UINT64_C(0x1F) << 59, UINT64_C(1) << 41, 4 }, /* 3 entries, unsorted */
		{ UINT64_C(0x3D) << 58, UINT64_C(1) << 61, 4 }, /* 2 entries, unsorted */
	};
	size_t len;
	unsigned char *f = empty_filter(4, &len);   /* one bucket: every lookup lands in it */

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct iampw_blocklist b;
		struct iampw_err e;
		bool listed = false;

		f[5] = (unsigned char)bad[i].bucket_size;
		put64(f + 64, bad[i].hi);
		put64(f + 72, bad[i].lo);
		assert_int_equal(open_bytes(f, len, 0644, &b, &e), IAMPW_OK);
		assert_int_equal(iampw_blocklist_lookup(&b, "x", &listed, &e), IAMPW_E_PARSE);
		assert_true(listed);
		assert_non_null(strstr(e.text, "corrupt"));
		iampw_blocklist_close(&b);
	}
	free(f);
}

/* A filter cut short after it was opened: a read error, listed. */
static void test_truncated_after_open(void **state)
{
	size_t len;
	unsigned char *f = empty_filter(4000, &len);
	struct iampw_blocklist b;
	struct iampw_err e;
	bool listed = false;
	int rc;

	assert_int_equal(open_bytes(f, len, 0644, &b, &e), IAMPW_OK);
	assert_int_equal(truncate(tp("h.pwq"), 64), 0);
	rc = iampw_blocklist_lookup(&b, "x", &listed, &e);
	assert_int_equal(rc, IAMPW_E_IO);
	assert_true(listed);
	iampw_blocklist_close(&b);
	/* Closed: a lookup is an error, still listed. */
	listed = false;
	assert_int_equal(iampw_blocklist_lookup(&b, "x", &listed, &e), IAMPW_E_INVAL);
	assert_true(listed);
	free(f);
}

static void test_hostile_files(void **state)
{
	size_t len;
	unsigned char *f = empty_filter(16, &len);
	struct iampw_blocklist b;
	struct iampw_err e;

	th_write(dir, "ok.pwq", f, len, 0644);
	/* A symlink to a good filter. */
	unlink(tp("link.pwq"));
	assert_int_equal(symlink("ok.pwq", tp("link.pwq")), 0);
	iampw_err_init(&e);
	assert_int_equal(iampw_blocklist_open(&b, tp("link.pwq"), geteuid(), &e),
			 IAMPW_E_UNSAFE);
	assert_non_null(strstr(e.text, "symbolic link"));
	/* World- or group-writable. */
	assert_int_equal(open_bytes(f, len, 0666, &b, &e), IAMPW_E_UNSAFE);
	assert_non_null(strstr(e.text, "writable"));
	assert_int_equal(open_bytes(f, len, 0664, &b, &e), IAMPW_E_UNSAFE);
	/* A directory, a FIFO (refused without blocking). */
	iampw_err_init(&e);
	assert_int_equal(iampw_blocklist_open(&b, dir, geteuid(), &e), IAMPW_E_UNSAFE);
	assert_int_equal(mkfifo(tp("fifo"), 0600), 0);
	iampw_err_init(&e);
	assert_int_equal(iampw_blocklist_open(&b, tp("fifo"), geteuid(), &e),
			 IAMPW_E_UNSAFE);
	/* Missing: an error with a message, never "no screening". */
	iampw_err_init(&e);
	assert_int_equal(iampw_blocklist_open(&b, tp("none.pwq"), geteuid(), &e),
			 IAMPW_E_NOENT);
	assert_non_null(strstr(e.text, "does not exist"));
	/* Relative. */
	iampw_err_init(&e);
	assert_int_equal(iampw_blocklist_open(&b, "ok.pwq", geteuid(), &e), IAMPW_E_INVAL);
	/* Another user's file (needs root to make one). */
	if (geteuid() == 0) {
		assert_int_equal(chown(tp("ok.pwq"), 4321, 4321), 0);
		iampw_err_init(&e);
		assert_int_equal(iampw_blocklist_open(&b, tp("ok.pwq"), 0, &e),
				 IAMPW_E_UNSAFE);
		assert_non_null(strstr(e.text, "owned by uid 4321"));
	}
	assert_int_equal(b.fd, -1);
	free(f);
}

/* ---------------------------------------------------------------------- */
/* The rule: iampw_screen_open + iampw_check_screened                     */

static void test_screened_check(void **state)
{
	struct iampw_policy p;
	struct iampw_identity id = { "alice", "Alice Smith,,,", "web01" };
	struct iampw_config c;
	struct iampw_screen s;
	struct iampw_check r;
	struct iampw_err e;
	char msg[1024];

	th_write_str(dir, "list", "Summer2024!\nP@ssw0rd\n");
	assert_int_equal(run("pwqfilter --create=100 -o '%s' < '%s' 2>/dev/null",
			     tp("list.pwq"), tp("list")), 0);
	iampw_policy_default(&p);
	iampw_config_defaults(&c);
	/* No blocklist configured: nothing opened, nothing screened. */
	iampw_err_init(&e);
	assert_int_equal(iampw_screen_open(&s, &c, geteuid(), &e), IAMPW_OK);
	assert_int_equal(s.blocklist.fd, -1);
	assert_int_equal(iampw_check_screened(&p, &id, &s, "Summer2024!", &r, &e), IAMPW_OK);
	assert_int_equal(r.failed, 0);
	iampw_screen_close(&s);

	strcpy(c.blocklist, tp("list.pwq"));
	assert_int_equal(iampw_screen_open(&s, &c, geteuid(), &e), IAMPW_OK);
	assert_int_equal(iampw_check_screened(&p, &id, &s, "Summer2024!", &r, &e), IAMPW_OK);
	assert_int_equal(r.failed, IAMPW_R_BLOCKLISTED);
	iampw_check_message(&r, msg, sizeof msg);
	assert_string_equal(msg, "Password does not conform to the account password "
			    "policy: it appears in a list of passwords that are known "
			    "to be breached or easily guessed.");
	/* Listed and failing other rules: all reported together. */
	assert_int_equal(iampw_check_screened(&p, &id, &s, "P@ssw0rd", &r, &e), IAMPW_OK);
	assert_int_equal(r.failed, IAMPW_R_BLOCKLISTED);
	p.min_length = 12;
	assert_int_equal(iampw_check_screened(&p, &id, &s, "P@ssw0rd", &r, &e), IAMPW_OK);
	assert_int_equal(r.failed, IAMPW_R_TOO_SHORT | IAMPW_R_BLOCKLISTED);
	assert_int_equal(iampw_check_screened(&p, &id, &s, "Winter2024!x", &r, &e), IAMPW_OK);
	assert_int_equal(r.failed, 0);
	/* Context off in the config: a name inside is fine. */
	assert_int_equal(iampw_check_screened(&p, &id, &s, "Smith-2024-x", &r, &e), IAMPW_OK);
	assert_int_equal(r.failed, 0);
	/* The plain check never screens. */
	iampw_check_password(&p, &id, "Summer2024!x", &r);
	assert_int_equal(r.failed, 0);
	iampw_screen_close(&s);

	/* context = yes. */
	c.screen_context = true;
	assert_int_equal(iampw_screen_open(&s, &c, geteuid(), &e), IAMPW_OK);
	assert_int_equal(iampw_check_screened(&p, &id, &s, "Smith-2024-x", &r, &e), IAMPW_OK);
	assert_int_equal(r.failed, IAMPW_R_CONTEXT);
	/* A filter broken after opening: an error, and the password refused. */
	assert_int_equal(truncate(tp("list.pwq"), 64), 0);
	iampw_err_init(&e);
	assert_int_equal(iampw_check_screened(&p, &id, &s, "Winter2024!x", &r, &e), IAMPW_E_IO);
	assert_true(r.failed & IAMPW_R_BLOCKLISTED);
	assert_true(e.count > 0);
	iampw_screen_close(&s);
	iampw_screen_close(&s);

	/* A configured filter that cannot be opened is an error, not "off". */
	iampw_err_init(&e);
	assert_int_equal(iampw_screen_open(&s, &c, geteuid(), &e), IAMPW_E_PARSE);
	assert_int_equal(s.blocklist.fd, -1);
	strcpy(c.blocklist, tp("missing.pwq"));
	iampw_err_init(&e);
	assert_int_equal(iampw_screen_open(&s, &c, geteuid(), &e), IAMPW_E_NOENT);
	assert_non_null(strstr(e.text, "does not exist"));
	iampw_screen_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_md4_high_load),
		cmocka_unit_test(test_md4_mid_load),
		cmocka_unit_test(test_md4_low_load),
		cmocka_unit_test(test_md4_tiny),
		cmocka_unit_test(test_ntlm_cp1252),
		cmocka_unit_test(test_optimized),
		cmocka_unit_test(test_insert),
		cmocka_unit_test(test_big_endian),
		cmocka_unit_test(test_text_ends_at_cr_lf),
		cmocka_unit_test(test_two_reads_per_lookup),
		cmocka_unit_test(test_hostile_headers),
		cmocka_unit_test(test_hostile_buckets),
		cmocka_unit_test(test_truncated_after_open),
		cmocka_unit_test(test_hostile_files),
		cmocka_unit_test(test_screened_check),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
