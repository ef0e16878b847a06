/*
 * The screening blocklist (SPEC §9.1): a filter file in the format that
 * passwdqc's pwqfilter(1) writes, read exactly as pwqfilter reads it.
 *
 * libpasswdqc exports no filter lookup of its own (passwdqc_filter_* are
 * local symbols; only passwdqc_check, which applies passwdqc's other
 * rules too, can consult a filter, and it opens the file without any of
 * our checks), so the format is read here.  Its facts, from passwdqc's
 * passwdqc_filter.h and pwqfilter.c (format "PWQ0", unchanged since
 * passwdqc 2.0.0):
 *
 *  - a 64-byte header in the writer's byte order: "PWQ0", threshold,
 *    bucket_size (2..4, the largest bucket the filter has used), hash id
 *    (1 = MD4 of the text, 2 = NTLM of the text read as CP1252; 0 means
 *    pre-hashed entries of unknown hash, which no password lookup can
 *    use), one reserved byte, the byte-order mark 0x0807060504030201, 8
 *    reserved bytes, then capacity, deletes, inserts, dupes, kicks;
 *  - capacity / 4 buckets of 16 bytes (two 64-bit words, hi then lo)
 *    follow, and nothing else: the file is 64 + 4 * capacity bytes;
 *  - a cuckoo filter: the 16-byte MD4 digest of the entry gives a primary
 *    bucket (its first 4 bytes, big-endian, nibbles of each byte swapped,
 *    scaled to the bucket count) and a fingerprint (its last 8 bytes,
 *    little-endian); the alternate bucket is derived from both;
 *  - a bucket holds 0 to 4 fingerprints, packed by count: 4 of 33 bits
 *    (12-bit index of the sorted top nibbles + 4 x 29 bits), 3 of 41 bits
 *    (top 5 bits set), 2 of 61 bits (top 6 bits 111101), 1 of 64 bits
 *    (hi = 1), or none (hi = lo = 0);
 *  - lookup: a match in the primary bucket; otherwise, only when that
 *    bucket holds at least `threshold` fingerprints, the alternate one.
 *
 * Every lookup costs at most two 16-byte preads; nothing else is read
 * after the header, so filters of any size (hundreds of MB) cost nothing
 * to open.  Anything that does not fit the format is an error, never
 * "not listed".
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/md4.h>

#include "internal.h"

#define HEADER_SIZE 64
#define BUCKET_SIZE 16
/* The largest capacity pwqfilter creates: 2^32 - 1 buckets of 4. */
#define CAPACITY_MAX ((UINT64_C(1) << 32) - 1) * 4

enum { HASH_MD4 = 1, HASH_NTLM_CP1252 = 2 };

static uint64_t get64(const unsigned char *p, bool big_endian)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[big_endian ? 7 - i : i] << (8 * i);
	return v;
}

/* pread all of n bytes at off, retrying short reads and EINTR. */
static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	if (off > (uint64_t)INT64_MAX - n)
		return -1;
	while (got < n) {
		ssize_t k = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

static int parse_header(struct iampw_blocklist *b, const unsigned char *h,
			uint64_t file_size, struct iampw_err *e)
{
	static const unsigned char order_le[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const unsigned char order_be[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	uint64_t capacity, deletes, inserts;

	if (memcmp(h, "PWQ0", 4) != 0)
		return iampw_err_at(e, IAMPW_E_PARSE, b->path, 0,
				     "not a pwqfilter filter (no PWQ0 header)");
	if (memcmp(h + 8, order_le, 8) == 0)
		b->big_endian = false;
	else if (memcmp(h + 8, order_be, 8) == 0)
		b->big_endian = true;
	else
		return iampw_err_at(e, IAMPW_E_PARSE, b->path, 0, "bad byte-order mark");
	b->threshold = h[4];
	b->bucket_size = h[5];
	b->hash = h[6];
	capacity = get64(h + 24, b->big_endian);
	deletes = get64(h + 32, b->big_endian);
	inserts = get64(h + 40, b->big_endian);
	if (b->bucket_size < 2 || b->bucket_size > 4 || b->threshold > b->bucket_size)
		return iampw_err_at(e, IAMPW_E_PARSE, b->path, 0,
				     "bad bucket size %u or threshold %u",
				     b->bucket_size, b->threshold);
	if (b->hash != HASH_MD4 && b->hash != HASH_NTLM_CP1252)
		return iampw_err_at(e, IAMPW_E_PARSE, b->path, 0,
				     "hash type %u: only MD4 (1) and NTLM-CP1252 (2) filters can be looked up", b->hash);
	if (capacity < 4 || capacity > CAPACITY_MAX || capacity % 4 != 0)
		return iampw_err_at(e, IAMPW_E_PARSE, b->path, 0, "bad capacity %llu",
				     (unsigned long long)capacity);
	/* pwqfilter's own test: wraps (and fails) when deletes > inserts. */
	if (inserts - deletes > capacity)
		return iampw_err_at(e, IAMPW_E_PARSE, b->path, 0,
				     "more entries than capacity");
	if (file_size != HEADER_SIZE + capacity * 4)
		return iampw_err_at(e, IAMPW_E_PARSE, b->path, 0,
				     "%llu bytes, the header says %llu",
				     (unsigned long long)file_size,
				     (unsigned long long)(HEADER_SIZE + capacity * 4));
	b->nbuckets = (uint32_t)(capacity / 4);
	b->entries = inserts - deletes;
	return IAMPW_OK;
}

static void copy_display(struct iampw_blocklist *b, const char *display)
{
	size_t n = strlen(display);

	if (n >= sizeof b->path)
		n = sizeof b->path - 1;
	memcpy(b->path, display, n);
	b->path[n] = '\0';
}

int iampw_blocklist_open_fd(struct iampw_blocklist *b, int fd,
			    const char *display, struct iampw_err *e)
{
	unsigned char h[HEADER_SIZE];
	struct stat st;
	int rc;

	memset(b, 0, sizeof *b);
	b->fd = -1;
	copy_display(b, display);
	if (fstat(fd, &st) != 0) {
		rc = iampw_err_at(e, IAMPW_E_IO, b->path, 0, "cannot stat: %s",
				   iampw_errstr(errno));
		goto fail;
	}
	if (st.st_size < HEADER_SIZE) {
		rc = iampw_err_at(e, IAMPW_E_PARSE, b->path, 0, "too short for a filter");
		goto fail;
	}
	if (read_at(fd, h, sizeof h, 0) != 0) {
		rc = iampw_err_at(e, IAMPW_E_IO, b->path, 0, "cannot read the header");
		goto fail;
	}
	rc = parse_header(b, h, (uint64_t)st.st_size, e);
	if (rc != IAMPW_OK)
		goto fail;
	b->fd = fd;
	return IAMPW_OK;
fail:
	close(fd);
	b->fd = -1;
	return rc;
}

int iampw_blocklist_open(struct iampw_blocklist *b, const char *path,
			 uid_t owner, struct iampw_err *e)
{
	int fd, rc;

	memset(b, 0, sizeof *b);
	b->fd = -1;
	copy_display(b, path);
	if (path[0] != '/')
		return iampw_err_at(e, IAMPW_E_INVAL, b->path, 0, "not an absolute path");
	/* The size is checked against the header, not capped: filters are large. */
	rc = iampw_open_safe(AT_FDCWD, path, b->path, owner, SIZE_MAX, &fd, e);
	if (rc == IAMPW_E_NOENT)
		return iampw_err_at(e, IAMPW_E_NOENT, b->path, 0, "does not exist");
	if (rc != IAMPW_OK)
		return rc;
	return iampw_blocklist_open_fd(b, fd, path, e);
}

void iampw_blocklist_close(struct iampw_blocklist *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}

/*
 * CP1252's 0x80-0x9F as Unicode; the five bytes CP1252 leaves undefined
 * stay themselves, as in passwdqc (and, it says, in HIBP's NTLM list).
 */
static const uint16_t cp1252_c1[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

/*
 * The digest pwqfilter computes for a line of text: the text ends at the
 * first CR or LF (pwqfilter reads lines, and passwdqc's own check hashes
 * a password the same way), and NTLM hashes it as UTF-16LE of CP1252.
 */
static void entry_digest(unsigned hash, const char *pw, uint8_t d[MD4_DIGEST_SIZE])
{
	struct md4_ctx ctx;
	size_t n = strcspn(pw, "\r\n");

	md4_init(&ctx);
	if (hash == HASH_MD4) {
		md4_update(&ctx, n, (const uint8_t *)pw);
	} else {
		for (size_t i = 0; i < n; i++) {
			unsigned c = (unsigned char)pw[i];
			uint8_t u[2];

			if (c >= 0x80 && c < 0xA0)
				c = cp1252_c1[c - 0x80];
			u[0] = (uint8_t)(c & 0xFF);
			u[1] = (uint8_t)(c >> 8);
			md4_update(&ctx, 2, u);
			iampw_wipe(u, sizeof u);
		}
	}
	md4_digest(&ctx, MD4_DIGEST_SIZE, d);
	iampw_wipe(&ctx, sizeof ctx);
}

/* x scaled from [0, 2^32) to [0, m). */
static uint32_t scale(uint32_t x, uint32_t m)
{
	return (uint32_t)(((uint64_t)x * m) >> 32);
}

static uint32_t primary_bucket(const uint8_t d[MD4_DIGEST_SIZE], uint32_t m)
{
	uint32_t x = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
		     (uint32_t)d[2] << 8 | d[3];

	x = (x & 0x0F0F0F0Fu) << 4 | (x >> 4 & 0x0F0F0F0Fu);
	return scale(x, m);
}

/* Uses the fingerprint's low 32 bits only, so it survives truncation to 33. */
static uint32_t alternate_bucket(uint32_t i, uint64_t f, uint32_t m)
{
	int64_t alt = (int64_t)(m - 1 - i) - (int64_t)scale((uint32_t)f, m);

	return (uint32_t)(alt < 0 ? alt + m : alt);
}

/*
 * The idx-th (0-based) tuple d <= c <= b <= a of nibbles, numbered as
 * pwqfilter numbers them: d varies slowest, a fastest.  nib[k] is the top
 * nibble of slot k: a, b, c, d.
 */
static void nibble_tuple(unsigned idx, unsigned nib[4])
{
	unsigned d = 0, c, b, m;

	for (;; d++) {
		m = 16 - d;
		if (idx < m * (m + 1) * (m + 2) / 6)
			break;
		idx -= m * (m + 1) * (m + 2) / 6;
	}
	for (c = d;; c++) {
		m = 16 - c;
		if (idx < m * (m + 1) / 2)
			break;
		idx -= m * (m + 1) / 2;
	}
	for (b = c;; b++) {
		if (idx < 16 - b)
			break;
		idx -= 16 - b;
	}
	nib[0] = b + idx;
	nib[1] = b;
	nib[2] = c;
	nib[3] = d;
}

#define MASK(bits) ((UINT64_C(1) << (bits)) - 1)
/* Sorted tuples of 4 nibbles: C(19, 4). */
#define TUPLES 3876

/* Unpack one bucket: its fingerprint count (0..4), or -1 when malformed. */
static int unpack(uint64_t hi, uint64_t lo, uint64_t slot[4])
{
	unsigned top = (unsigned)(hi >> 52);

	if (top >= 1 && top <= TUPLES) {
		unsigned nib[4];
		/* 116 bits of low parts: lo, then hi's low 52 bits. */
		uint64_t rest = lo;

		nibble_tuple(top - 1, nib);
		slot[0] = (rest & MASK(29)) | (uint64_t)nib[0] << 29;
		rest >>= 29;
		slot[1] = (rest & MASK(29)) | (uint64_t)nib[1] << 29;
		rest = rest >> 29 | hi << 6;
		slot[2] = (rest & MASK(29)) | (uint64_t)nib[2] << 29;
		rest >>= 29;
		slot[3] = (rest & MASK(29)) | (uint64_t)nib[3] << 29;
		return 4;
	}
	if (hi == 0)
		return lo == 0 ? 0 : -1;
	if (hi == 1) {
		slot[0] = lo;
		return 1;
	}
	/* Sorted, largest first, as pwqfilter stores them. */
	if ((top & 0xF80) == 0xF80) {
		slot[0] = lo & MASK(41);
		slot[1] = (lo >> 41 | hi << 23) & MASK(41);
		slot[2] = (hi >> 18) & MASK(41);
		return slot[0] >= slot[1] && slot[1] >= slot[2] ? 3 : -1;
	}
	if ((top & 0xFC0) == 0xF40) {
		slot[0] = lo & MASK(61);
		slot[1] = (lo >> 61 | hi << 3) & MASK(61);
		return slot[0] >= slot[1] ? 2 : -1;
	}
	return -1;
}

/*
 * Does a stored fingerprint match the full one?  It is compared on the
 * narrowest width it fits in among those the filter's buckets have used
 * (33 bits once buckets of 4 exist, 41 once buckets of 3, else 61 or
 * 64): a fingerprint moved from a roomier bucket may have lost high bits,
 * and its zero high bits are then no evidence.
 */
static bool fingerprint_match(uint64_t stored, uint64_t full, unsigned bucket_size)
{
	uint64_t mask = ~UINT64_C(0);

	if (stored >> 33 == 0 && bucket_size >= 4)
		mask = MASK(33);
	else if (stored >> 41 == 0 && bucket_size >= 3)
		mask = MASK(41);
	else if (stored >> 61 == 0)
		mask = MASK(61);
	return stored == (full & mask);
}

/* 1: found in bucket i; 0: not; or a negative IAMPW_E_* (message added). */
static int search_bucket(const struct iampw_blocklist *b, uint32_t i, uint64_t f,
			 int *count, struct iampw_err *e)
{
	unsigned char raw[BUCKET_SIZE];
	uint64_t slot[4];
	int n, found = 0;

	if (read_at(b->fd, raw, sizeof raw, HEADER_SIZE + (uint64_t)i * BUCKET_SIZE) != 0)
		return iampw_err_at(e, IAMPW_E_IO, b->path, 0, "cannot read bucket %lu", (unsigned long)i);
	n = unpack(get64(raw, b->big_endian), get64(raw + 8, b->big_endian), slot);
	if (n < 0 || n > b->bucket_size) {
		found = iampw_err_at(e, IAMPW_E_PARSE, b->path, 0, "bucket %lu is corrupt", (unsigned long)i);
		n = 0;
	}
	for (int j = 0; j < n && found == 0; j++) {
		if (fingerprint_match(slot[j], f, b->bucket_size))
			found = 1;
	}
	*count = n;
	iampw_wipe(raw, sizeof raw);
	iampw_wipe(slot, sizeof slot);
	return found;
}

int iampw_blocklist_lookup(const struct iampw_blocklist *b, const char *pw,
			   bool *listed, struct iampw_err *e)
{
	uint8_t d[MD4_DIGEST_SIZE];
	uint32_t i;
	uint64_t f;
	int count = 0, found;

	/* Listed until the lookup proves otherwise (fail closed). */
	*listed = true;
	if (b->fd < 0 || b->nbuckets == 0)
		return iampw_err_add(e, IAMPW_E_INVAL, "blocklist: not open");
	entry_digest(b->hash, pw, d);
	i = primary_bucket(d, b->nbuckets);
	f = get64(d + 8, false);
	iampw_wipe(d, sizeof d);
	found = search_bucket(b, i, f, &count, e);
	if (found == 0 && count >= b->threshold)
		found = search_bucket(b, alternate_bucket(i, f, b->nbuckets), f, &count, e);
	/* The fingerprint is 64 bits of the password's MD4. */
	iampw_wipe(&f, sizeof f);
	if (found < 0)
		return found;
	*listed = found == 1;
	return IAMPW_OK;
}
