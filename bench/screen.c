/*
 * bench/screen: figure 7, screening against a large pwqfilter filter
 * (SPEC §8, §9.1).
 *
 *   screen gen N        the filter's input on stdout, in the form of Have I
 *                       Been Pwned's NTLM download ("HASH:COUNT", 32
 *                       uppercase hex digits, CRLF, most frequent first),
 *                       which administrators feed to
 *                       `pwqfilter --pre-hashed --hash-ntlm-cp1252`: the
 *                       known passwords below, then the N synthetic ones
 *                       leaked(0) .. leaked(N-1), all distinct
 *   screen lookup FILTER N COLD WARM
 *                       the lookup cost through the core's reader
 *                       (iampw_blocklist_open + iampw_blocklist_lookup, as
 *                       the module calls them), in phases of COLD or WARM
 *                       random candidates each: hits are leaked(i) for
 *                       i < N, misses leaked(i) for N <= i < 2N
 *   screen ir FILTER N COUNT
 *                       COUNT warm lookups, half hits, in bench_lookups()
 *                       (callgrind --toggle-collect=bench_lookups)
 *
 * lookup prints one line per phase:
 *   phase=NAME n=... median_ns=... p99_ns=... preads=... kib=... listed=...
 * preads: read system calls per lookup (/proc/self/io syscr); kib: KiB per
 * lookup that the process caused to be read from the disk (read_bytes);
 * listed: how many candidates the filter listed.  Cold phases drop the
 * filter's pages from the page cache before every lookup
 * (posix_fadvise(POSIX_FADV_DONTNEED) on this one file, untimed); warm
 * phases read the whole file once first.  The "screen" phases time what
 * the module does per transaction (open, check and read the header, one
 * lookup, close) instead of a lookup on an open filter; the "pread"
 * phases one bare 16-byte pread of a random bucket, the floor a lookup
 * cannot go below (a miss in a full filter reads two).  It exits 1 when
 * a hit or a known password is not listed (the filter or the reader is
 * wrong), and prints fp=... (misses listed: the format's false positives).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/md4.h>

#include "iampw.h"
#include "benchutil.h"

/*
 * Passwords that every breach list holds, and the benchmark's own listed
 * one (bench/run.sh uses it for the refused change and the login hit).
 */
static const char *const known[] = {
	"123456", "password", "123456789", "12345678", "qwerty", "12345",
	"111111", "1234567", "iloveyou", "abc123", "P@ssw0rd", "Password1",
	"Breached-Pass-9z!",
};
#define NKNOWN (sizeof known / sizeof known[0])

#define CAND_MAX 32

/* The i-th synthetic leaked password. */
static void leaked(uint64_t i, char buf[CAND_MAX])
{
	snprintf(buf, CAND_MAX, "leak-%llu-pw", (unsigned long long)i);
}

/* NTLM of ASCII text: MD4 of its UTF-16LE form. */
static void ntlm(const char *s, uint8_t d[MD4_DIGEST_SIZE])
{
	uint8_t u[2 * CAND_MAX];
	size_t n = strlen(s);
	struct md4_ctx ctx;

	for (size_t i = 0; i < n; i++) {
		u[2 * i] = (uint8_t)s[i];
		u[2 * i + 1] = 0;
	}
	md4_init(&ctx);
	md4_update(&ctx, 2 * n, u);
	md4_digest(&ctx, MD4_DIGEST_SIZE, d);
}

/* "HASH:COUNT\r\n" into out; returns its length. */
static size_t hibp_line(const char *pw, unsigned long long count, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	uint8_t d[MD4_DIGEST_SIZE];
	size_t n = 0;

	ntlm(pw, d);
	for (int i = 0; i < MD4_DIGEST_SIZE; i++) {
		out[n++] = hex[d[i] >> 4];
		out[n++] = hex[d[i] & 15];
	}
	return n + (size_t)sprintf(out + n, ":%llu\r\n", count);
}

static int gen(uint64_t n)
{
	static char buf[1 << 20];
	char pw[CAND_MAX];
	size_t len = 0;

	/* Most frequent first, as HIBP's "ordered by count" file. */
	for (size_t k = 0; k < NKNOWN; k++)
		len += hibp_line(known[k], 10000000ULL - k, buf + len);
	for (uint64_t i = 0; i < n; i++) {
		if (len > sizeof buf - 128) {
			if (fwrite(buf, 1, len, stdout) != len)
				die("gen: write: %s", strerror(errno));
			len = 0;
		}
		leaked(i, pw);
		len += hibp_line(pw, n - i, buf + len);
	}
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
		die("gen: write: %s", strerror(errno));
	return 0;
}

/* ---------------------------------------------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

/* xorshift64*: reproducible candidates from run to run. */
static uint64_t next_random(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

/* count candidates, hits (listed) or misses (not listed but for false positives). */
static char (*candidates(uint64_t n, size_t count, bool hits))[CAND_MAX]
{
	char (*c)[CAND_MAX] = calloc(count, CAND_MAX);

	if (c == NULL)
		die("out of memory");
	for (size_t k = 0; k < count; k++)
		leaked((hits ? 0 : n) + next_random() % n, c[k]);
	return c;
}

struct io {
	long long syscr, read_bytes;
};

static int io_fd = -1;

/* The process's read counters; the read of /proc/self/io itself counts as one syscr. */
static struct io io_now(void)
{
	char text[1024];
	struct io v = { -1, -1 };
	ssize_t n = pread(io_fd, text, sizeof text - 1, 0);
	const char *p;

	if (n <= 0)
		die("/proc/self/io: %s", strerror(errno));
	text[n] = '\0';
	if ((p = strstr(text, "syscr: ")) != NULL)
		v.syscr = strtoll(p + 7, NULL, 10);
	if ((p = strstr(text, "\nread_bytes: ")) != NULL)
		v.read_bytes = strtoll(p + 13, NULL, 10);
	if (v.syscr < 0 || v.read_bytes < 0)
		die("/proc/self/io: no syscr or read_bytes");
	return v;
}

static void open_filter(struct iampw_blocklist *b, const char *path)
{
	struct iampw_err e;

	iampw_err_init(&e);
	if (iampw_blocklist_open(b, path, geteuid(), &e) != IAMPW_OK)
		die("%s", e.text);
}

static bool lookup(const struct iampw_blocklist *b, const char *pw)
{
	struct iampw_err e;
	bool listed;

	iampw_err_init(&e);
	if (iampw_blocklist_lookup(b, pw, &listed, &e) != IAMPW_OK)
		die("lookup: %s", e.text);
	return listed;
}

/* Drop the filter's pages from the page cache (clean pages: see main). */
static void drop_cache(int fd)
{
	int rc = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);

	if (rc != 0)
		die("posix_fadvise(DONTNEED): %s", strerror(rc));
}

/* Read the whole file once, so that every bucket is in the page cache. */
static void warm_cache(int fd)
{
	static char buf[1 << 20];
	off_t off = 0;
	ssize_t n;

	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while ((n = pread(fd, buf, sizeof buf, off)) > 0)
		off += n;
	if (n < 0)
		die("warm: %s", strerror(errno));
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL);
}

enum what { LOOKUP, SCREEN, PREAD };

struct phase {
	const char *name;
	bool cold, hits;
	enum what what;
};

/*
 * One phase: count lookups of fresh random candidates, each timed alone;
 * the I/O counters around the whole phase.
 */
static void run_phase(const struct phase *ph, const char *path, int cache_fd,
		      uint64_t n, size_t count, size_t *misses_listed)
{
	char (*c)[CAND_MAX] = candidates(n, count, ph->hits);
	long long *ns = calloc(count, sizeof *ns);
	struct iampw_blocklist b;
	size_t listed = 0;
	struct io io0, io1;
	long long calib;
	unsigned char raw[16];
	uint64_t off = 0;

	if (ns == NULL)
		die("out of memory");
	open_filter(&b, path);
	/* What two snapshots alone add to syscr. */
	io0 = io_now();
	io1 = io_now();
	calib = io1.syscr - io0.syscr;
	io0 = io_now();
	for (size_t k = 0; k < count; k++) {
		long long t0;
		bool hit = false;

		if (ph->cold)
			drop_cache(cache_fd);
		if (ph->what == PREAD)
			off = 64 + next_random() % b.nbuckets * 16;
		t0 = now_ns();
		switch (ph->what) {
		case LOOKUP:
			hit = lookup(&b, c[k]);
			break;
		case SCREEN:
			iampw_blocklist_close(&b);
			open_filter(&b, path);
			hit = lookup(&b, c[k]);
			break;
		case PREAD:
			if (pread(cache_fd, raw, sizeof raw, (off_t)off) != (ssize_t)sizeof raw)
				die("pread: %s", strerror(errno));
			hit = false;
			break;
		}
		ns[k] = now_ns() - t0;
		if (ph->hits && !hit)
			die("%s: a listed password (%s) was not found", ph->name, c[k]);
		listed += hit;
	}
	io1 = io_now();
	iampw_blocklist_close(&b);
	if (ph->what != PREAD && !ph->hits)
		*misses_listed += listed;
	qsort(ns, count, sizeof *ns, cmp_ll);
	printf("phase=%s n=%zu median_ns=%lld p99_ns=%lld preads=%.3f kib=%.2f listed=%zu\n",
	       ph->name, count, median_ll(ns, count), ns[count * 99 / 100],
	       (double)(io1.syscr - io0.syscr - calib) / (double)count,
	       (double)(io1.read_bytes - io0.read_bytes) / 1024.0 / (double)count, listed);
	free(ns);
	free(c);
}

static int lookup_main(const char *path, uint64_t n, size_t cold, size_t warm)
{
	static const struct phase cold_phases[] = {
		{ "cold-pread", true, false, PREAD },
		{ "cold-hit", true, true, LOOKUP },
		{ "cold-miss", true, false, LOOKUP },
		{ "cold-screen", true, false, SCREEN },
	};
	static const struct phase warm_phases[] = {
		{ "warm-pread", false, false, PREAD },
		{ "warm-hit", false, true, LOOKUP },
		{ "warm-miss", false, false, LOOKUP },
		{ "warm-screen", false, false, SCREEN },
	};
	struct iampw_blocklist b;
	size_t fp = 0, listed_known = 0;
	int cache_fd = open(path, O_RDONLY | O_CLOEXEC);

	io_fd = open("/proc/self/io", O_RDONLY | O_CLOEXEC);
	if (cache_fd < 0 || io_fd < 0)
		die("open %s or /proc/self/io: %s", path, strerror(errno));
	/* DONTNEED leaves dirty pages: a filter just written must reach the disk. */
	if (fdatasync(cache_fd) != 0)
		die("fdatasync %s: %s", path, strerror(errno));
	open_filter(&b, path);
	for (size_t k = 0; k < NKNOWN; k++)
		listed_known += lookup(&b, known[k]);
	iampw_blocklist_close(&b);
	if (listed_known != NKNOWN)
		die("only %zu of the %zu known passwords are listed", listed_known, NKNOWN);
	for (size_t k = 0; k < sizeof cold_phases / sizeof cold_phases[0]; k++)
		run_phase(&cold_phases[k], path, cache_fd, n, cold, &fp);
	warm_cache(cache_fd);
	for (size_t k = 0; k < sizeof warm_phases / sizeof warm_phases[0]; k++)
		run_phase(&warm_phases[k], path, cache_fd, n, warm, &fp);
	printf("known=%zu fp=%zu misses=%zu\n", listed_known, fp, 2 * (cold + warm));
	close(cache_fd);
	close(io_fd);
	return 0;
}

/* ---------------------------------------------------------------------- */

int bench_lookups(const struct iampw_blocklist *b, char (*c)[CAND_MAX], size_t count);

/* The measured unit for callgrind: count lookups, nothing else. */
__attribute__((noinline)) int bench_lookups(const struct iampw_blocklist *b,
					    char (*c)[CAND_MAX], size_t count)
{
	int listed = 0;

	for (size_t k = 0; k < count; k++)
		listed += lookup(b, c[k]);
	return listed;
}

static int ir_main(const char *path, uint64_t n, size_t count)
{
	char (*hits)[CAND_MAX] = candidates(n, count / 2, true);
	char (*misses)[CAND_MAX] = candidates(n, count - count / 2, false);
	char (*c)[CAND_MAX] = calloc(count, CAND_MAX);
	struct iampw_blocklist b;

	if (c == NULL)
		die("out of memory");
	/* Alternating, as a real mix would be. */
	for (size_t k = 0; k < count; k++)
		memcpy(c[k], k % 2 ? misses[k / 2] : hits[k / 2], CAND_MAX);
	open_filter(&b, path);
	printf("listed=%d count=%zu\n", bench_lookups(&b, c, count), count);
	iampw_blocklist_close(&b);
	free(c);
	free(misses);
	free(hits);
	return 0;
}

static uint64_t number(const char *s, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > max)
		die("bad number %s", s);
	return v;
}

int main(int argc, char **argv)
{
	const uint64_t n_max = UINT64_C(1) << 40;

	if (argc == 3 && strcmp(argv[1], "gen") == 0)
		return gen(number(argv[2], n_max));
	if (argc == 6 && strcmp(argv[1], "lookup") == 0)
		return lookup_main(argv[2], number(argv[3], n_max), number(argv[4], 10000000),
				   number(argv[5], 10000000));
	if (argc == 5 && strcmp(argv[1], "ir") == 0)
		return ir_main(argv[2], number(argv[3], n_max), number(argv[4], 10000000));
	fputs("usage: screen gen N\n"
	      "       screen lookup FILTER N COLD WARM\n"
	      "       screen ir FILTER N COUNT\n", stderr);
	return 2;
}
