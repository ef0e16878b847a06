/* Error collection, secret wiping, strict numbers and dates. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "internal.h"

void iampw_err_init(struct iampw_err *e)
{
	e->code = IAMPW_OK;
	e->count = 0;
	e->len = 0;
	e->kept = 0;
	e->cut = false;
	e->text[0] = '\0';
}

void iampw_fmt(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

static const char err_cut[] = "(further problems not shown)";

/* End the report with the marker line; later problems are only counted. */
static void err_cut_here(struct iampw_err *e)
{
	if (e->len > 0)
		e->text[e->len++] = '\n';
	memcpy(e->text + e->len, err_cut, sizeof err_cut);
	e->len += sizeof err_cut - 1;
	e->cut = true;
}

int iampw_err_at(struct iampw_err *e, int code, const char *file, unsigned line,
		 const char *fmt, ...)
{
	struct iampw_err_rec *r;
	size_t at, room, n = 0, file_end = 0, text_at = 0;
	va_list ap;
	int k;

	if (e == NULL)
		return code;
	if (e->code == IAMPW_OK)
		e->code = code;
	e->count++;
	if (e->cut)
		return code;
	if (e->kept == IAMPW_ERR_PROBLEMS) {
		err_cut_here(e);
		return code;
	}
	/*
	 * The line goes after a '\n' (written only if the line is not
	 * empty), and always leaves room for the '\n' and the marker line,
	 * so that a long report can say it is partial.
	 */
	at = e->len > 0 ? e->len + 1 : 0;
	room = sizeof e->text - at - sizeof err_cut - 1;
	if (file != NULL) {
		k = line > 0 ? snprintf(e->text + at, room, "%s:%u: ", file, line)
			     : snprintf(e->text + at, room, "%s: ", file);
		n = k > 0 ? (size_t)k : 0;
		file_end = strlen(file);
		text_at = n;
	}
	/* Measured even when nothing of it fits: an empty line is not one cut. */
	va_start(ap, fmt);
	k = n < room ? vsnprintf(e->text + at + n, room - n, fmt, ap) : vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	n += k > 0 ? (size_t)k : 0;
	if (n == 0)
		return code; /* an empty line is not kept */
	if (e->len > 0)
		e->text[e->len] = '\n';
	r = &e->rec[e->kept++];
	r->line = line;
	r->code = (short)code;
	r->at = (unsigned short)at;
	if (n >= room) {
		/*
		 * Too long: keep what fits of the line (nothing when room is 0
		 * or 1: then the '\n' just written is dropped too), and end the
		 * report with the marker.
		 */
		n = room > 1 ? room - 1 : 0;
		e->len = n > 0 ? at + n : at - (at > 0);
		e->text[e->len] = '\0';
		if (n == 0)
			e->kept--;
		err_cut_here(e);
	} else {
		e->len = at + n;
	}
	r->end = (unsigned short)(at + n);
	r->file_end = (unsigned short)(at + (file_end < n ? file_end : n));
	r->text_at = (unsigned short)(at + (text_at < n ? text_at : n));
	return code;
}

void iampw_err_each(const struct iampw_err *e, iampw_err_fn *fn, void *arg)
{
	/* The line, then the file name: each at most the text's size. */
	char buf[2 * IAMPW_ERR_TEXT];
	struct iampw_problem p;

	for (unsigned i = 0; i < e->kept; i++) {
		const struct iampw_err_rec *r = &e->rec[i];
		size_t n = (size_t)(r->end - r->at), f = (size_t)(r->file_end - r->at);

		memcpy(buf, e->text + r->at, n);
		buf[n] = '\0';
		p.code = r->code;
		p.line = r->line;
		p.message = buf;
		p.text = buf + (r->text_at - r->at);
		p.file = NULL;
		if (r->text_at > r->at) {
			memcpy(buf + n + 1, e->text + r->at, f);
			buf[n + 1 + f] = '\0';
			p.file = buf + n + 1;
		}
		fn(arg, &p);
	}
	if (e->cut) {
		p.code = e->code;
		p.file = NULL;
		p.line = 0;
		p.text = err_cut;
		p.message = err_cut;
		fn(arg, &p);
	}
}

const char *iampw_strerror(int code)
{
	switch (code) {
	case IAMPW_OK: return "success";
	case IAMPW_E_NOMEM: return "out of memory";
	case IAMPW_E_IO: return "input/output error";
	case IAMPW_E_NOENT: return "no such file or profile";
	case IAMPW_E_UNSAFE: return "unsafe file";
	case IAMPW_E_PARSE: return "invalid content";
	case IAMPW_E_INVAL: return "invalid argument";
	case IAMPW_E_BUSY: return "locked by another change";
	case IAMPW_E_CRYPT: return "hashing failed";
	}
	return "unknown error";
}

int iampw_random(void *buf, size_t n, struct iampw_err *e)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);
		int err;

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			err = got < 0 ? errno : EIO;
			iampw_wipe(buf, (size_t)(p - (unsigned char *)buf));
			return iampw_err_add(e, IAMPW_E_IO, "getrandom: %s",
					     iampw_errstr(err));
		}
		/* Short reads happen when a signal arrives mid-way: go on. */
		p += got;
		n -= (size_t)got;
	}
	return IAMPW_OK;
}

void iampw_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

void iampw_wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void iampw_buf_init_fixed(struct iampw_buf *b, char *p, size_t size)
{
	b->p = p;
	b->cap = p != NULL ? size : 0;
	b->len = 0;
	b->fixed = true;
	b->failed = false;
	if (b->cap > 0)
		b->p[0] = '\0';
}

void iampw_buf_free(struct iampw_buf *b)
{
	if (b->p != NULL && !b->fixed) {
		iampw_wipe(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof *b);
}

void iampw_buf_reserve(struct iampw_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->failed || b->fixed || more < b->cap - b->len)
		return;
	if (more >= SIZE_MAX / 2 - b->len) {
		b->failed = true;
		return;
	}
	cap = b->cap != 0 ? b->cap : 256;
	while (cap - b->len <= more)
		cap *= 2;
	p = malloc(cap);
	if (p == NULL) {
		b->failed = true;
		return;
	}
	if (b->len > 0)
		memcpy(p, b->p, b->len);
	p[b->len] = '\0';
	if (b->p != NULL) {
		iampw_wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = p;
	b->cap = cap;
}

/* Room for n more bytes and a NUL, or as much as a fixed buffer has left (*n cut). */
static bool buf_room(struct iampw_buf *b, size_t *n)
{
	size_t room;

	iampw_buf_reserve(b, *n);
	if (!b->failed && b->cap == 0 && *n > 0)
		b->failed = true;   /* a fixed buffer without memory */
	if (b->failed || b->cap == 0)
		return false;
	room = b->cap - b->len - 1;
	if (*n > room) {
		*n = room;
		b->failed = true;
	}
	return true;
}

void iampw_buf_add(struct iampw_buf *b, const void *s, size_t n)
{
	if (!buf_room(b, &n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void iampw_buf_str(struct iampw_buf *b, const char *s)
{
	iampw_buf_add(b, s, strlen(s));
}

void iampw_buf_fill(struct iampw_buf *b, char ch, size_t n)
{
	if (!buf_room(b, &n))
		return;
	memset(b->p + b->len, ch, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void iampw_buf_printf(struct iampw_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t need;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (r < 0) {
		b->failed = true;
		return;
	}
	need = (size_t)r;
	iampw_buf_reserve(b, need);
	if (b->failed || b->cap == 0 || need >= b->cap - b->len) {
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += need;
}

int iampw_nss_grow(char **buf, size_t *size)
{
	char *n;

	if (*size >= IAMPW_NSS_BUF_MAX)
		return ERANGE;
	n = malloc(*size * 2);
	if (n == NULL)
		return ENOMEM;
	iampw_wipe(*buf, *size);
	free(*buf);
	*buf = n;
	*size *= 2;
	return 0;
}

bool iampw_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

enum iampw_num iampw_parse_u64(const char *s, uint64_t *out)
{
	bool negative = false;
	uint64_t v = 0;

	if (*s == '-') {
		negative = true;
		s++;
	}
	if (*s < '0' || *s > '9')
		return IAMPW_NUM_SYNTAX;
	/* A leading zero reads as octal to strtol(base 0) users: refuse it. */
	if (s[0] == '0' && s[1] != '\0')
		return IAMPW_NUM_SYNTAX;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return IAMPW_NUM_SYNTAX;
	}
	for (; *s != '\0'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return negative ? IAMPW_NUM_NEGATIVE : IAMPW_NUM_OVERFLOW;
		v = v * 10 + d;
	}
	if (negative)
		return v == 0 ? IAMPW_NUM_SYNTAX : IAMPW_NUM_NEGATIVE;
	*out = v;
	return IAMPW_NUM_OK;
}

bool iampw_parse_bool(const char *s, bool *out)
{
	static const struct { const char *word; bool value; } words[] = {
		{ "true", true }, { "yes", true }, { "1", true },
		{ "false", false }, { "no", false }, { "0", false },
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strcmp(s, words[i].word) == 0) {
			*out = words[i].value;
			return true;
		}
	}
	return false;
}

int64_t iampw_sat_sub(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return r;
}

int64_t iampw_sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* `v` as `n` decimal digits, zero-padded. */
static void put_digits(char *out, unsigned v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/*
 * By arithmetic, not gmtime_r + strftime: the credential report and
 * list-users format a few dates per account, and strftime was a tenth of
 * the report's time over 100,000 accounts.  The civil date of a day count
 * is Howard Hinnant's days_from_civil inverted ("chrono-compatible
 * low-level date algorithms"), for the proleptic Gregorian calendar gmtime
 * uses; t is never negative here, so neither is any quotient.
 */
int iampw_iso8601(int64_t t, char out[IAMPW_ISO8601_SIZE])
{
	uint64_t days, secs, era, doe, yoe, doy, mp, year, month, day;

	if (t < 0 || t > IAMPW_TIME_MAX) {
		out[0] = '\0';
		return IAMPW_E_INVAL;
	}
	days = (uint64_t)t / 86400;
	secs = (uint64_t)t % 86400;
	/* Days since 0000-03-01, in 400-year eras of 146097 days. */
	days += 719468;
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	day = doy - (153 * mp + 2) / 5 + 1;
	month = mp < 10 ? mp + 3 : mp - 9;
	year = yoe + era * 400 + (month <= 2);
	/* "YYYY-MM-DDTHH:MM:SS+00:00": IAMPW_TIME_MAX keeps the year to 4 digits. */
	static const char form[] = "0000-00-00T00:00:00+00:00";

	memcpy(out, form, sizeof form);
	put_digits(out, (unsigned)year, 4);
	put_digits(out + 5, (unsigned)month, 2);
	put_digits(out + 8, (unsigned)day, 2);
	put_digits(out + 11, (unsigned)(secs / 3600), 2);
	put_digits(out + 14, (unsigned)(secs / 60 % 60), 2);
	put_digits(out + 17, (unsigned)(secs % 60), 2);
	return IAMPW_OK;
}
