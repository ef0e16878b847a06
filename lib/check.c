/*
 * The password rules of IAM (§4.1-4.3): length in UTF-8 characters,
 * control characters, character types, and "not the user/full/host
 * name" under Unicode case folding.  Every failing rule is recorded;
 * nothing stops at the first.
 *
 * The password is never copied; its case-folded form lives in one stack
 * buffer that is wiped before the check returns.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "internal.h"
#include "lazy.h"

/* Marks user-visible text for gettext; a no-op until the project has NLS. */
#define N_(s) s

const char iampw_symbols[] = "!@#$%^&*()_+-=[]{}|'";

/*
 * All user-visible text of the checker, in IAMPW_R_* order.  "%u" is
 * replaced by the minimum length, "%s" by the number of types required
 * (see put_clause); nothing else is interpreted.  INPUT_TOO_LONG and
 * TOO_LONG share one clause so the user sees the 128-character limit
 * whichever way the input was too long.
 */
#define MSG_PREFIX N_("Password does not conform to the account password policy")
#define MSG_SYMBOLS "(! @ # $ % ^ & * ( ) _ + - = [ ] { } | ')"
#define MSG_TOO_LONG N_("it must be at most 128 characters long")

static const struct {
	uint32_t bit;
	const char *name;
	const char *text;
} reasons[IAMPW_R_COUNT] = {
	{ IAMPW_R_INPUT_TOO_LONG, "input_too_long", MSG_TOO_LONG },
	{ IAMPW_R_TOO_SHORT, "too_short",
	  N_("it must be at least %u characters long") },
	{ IAMPW_R_TOO_LONG, "too_long", MSG_TOO_LONG },
	{ IAMPW_R_CONTROL, "control_character",
	  N_("it must not contain control characters") },
	{ IAMPW_R_NO_UPPERCASE, "no_uppercase",
	  N_("it must contain at least one uppercase letter (A-Z)") },
	{ IAMPW_R_NO_LOWERCASE, "no_lowercase",
	  N_("it must contain at least one lowercase letter (a-z)") },
	{ IAMPW_R_NO_NUMBER, "no_number",
	  N_("it must contain at least one number (0-9)") },
	{ IAMPW_R_NO_SYMBOL, "no_symbol",
	  N_("it must contain at least one symbol " MSG_SYMBOLS) },
	{ IAMPW_R_FEW_CLASSES, "too_few_types",
	  N_("it must contain at least %s of these four types: uppercase "
	     "letters, lowercase letters, numbers and symbols " MSG_SYMBOLS) },
	{ IAMPW_R_IS_USER_NAME, "is_user_name",
	  N_("it must not be the same as the user name") },
	{ IAMPW_R_IS_FULL_NAME, "is_full_name",
	  N_("it must not be the same as the user's full name") },
	{ IAMPW_R_IS_HOST_NAME, "is_host_name",
	  N_("it must not be the same as the host name") },
	{ IAMPW_R_BLOCKLISTED, "blocklisted",
	  N_("it appears in a list of passwords that are known to be breached "
	     "or easily guessed") },
	{ IAMPW_R_CONTEXT, "contains_name",
	  N_("it must not contain the user name, the host name or a word of "
	     "the user's full name") },
};

static const char *const class_words[] = {
	N_("zero"), N_("one"), N_("two"), N_("three"), N_("four"),
};

enum char_class {
	CLASS_UPPER = 1u << 0,
	CLASS_LOWER = 1u << 1,
	CLASS_NUMBER = 1u << 2,
	CLASS_SYMBOL = 1u << 3,
};

/*
 * Length of the strictly valid UTF-8 sequence at s (1..4), or 0 when the
 * byte at s does not start one.  Overlongs (C0, C1, E0 80-9F, F0 80-8F),
 * UTF-16 surrogates (ED A0-BF) and code points past U+10FFFF (F4 90+,
 * F5-FF) are invalid, so every code point has exactly one accepted form.
 */
static size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		len = 2;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		len = 3;
		if (s[0] == 0xE0)
			lo = 0xA0;
		else if (s[0] == 0xED)
			hi = 0x9F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		len = 4;
		if (s[0] == 0xF0)
			lo = 0x90;
		else if (s[0] == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (left < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++) {
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	}
	return len;
}

/* TAB, LF and CR are allowed: IAM accepts them (§4.3). */
static bool is_ascii_control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F;
}

/* Only ASCII counts for the types: IAM's "uppercase" is A-Z, not É. */
static unsigned ascii_class(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return CLASS_UPPER;
	if (c >= 'a' && c <= 'z')
		return CLASS_LOWER;
	if (c >= '0' && c <= '9')
		return CLASS_NUMBER;
	if (c != '\0' && memchr(iampw_symbols, c, sizeof iampw_symbols - 1))
		return CLASS_SYMBOL;
	return 0;
}

/*
 * One pass over the bytes: count characters, collect the types seen and
 * note control characters.  A byte that starts no valid sequence counts
 * as one character on its own (invalid UTF-8 is not itself an error).
 */
static size_t scan(const unsigned char *s, size_t len, unsigned *classes,
		   bool *control)
{
	size_t chars = 0, i = 0, k;

	*classes = 0;
	*control = false;
	while (i < len) {
		k = utf8_seq_len(s + i, len - i);
		if (k == 0) {
			k = 1;
		} else if (k == 1) {
			*classes |= ascii_class(s[i]);
			if (is_ascii_control(s[i]))
				*control = true;
		} else if (k == 2 && s[i] == 0xC2 && s[i + 1] <= 0x9F) {
			/* U+0080..U+009F, the C1 controls. */
			*control = true;
		}
		i += k;
		chars++;
	}
	return chars;
}

static unsigned popcount4(unsigned v)
{
	return (v & 1u) + (v >> 1 & 1u) + (v >> 2 & 1u) + (v >> 3 & 1u);
}

static uint32_t class_failures(const struct iampw_policy *p, unsigned classes)
{
	uint32_t f = 0;

	if (p->require_uppercase && !(classes & CLASS_UPPER))
		f |= IAMPW_R_NO_UPPERCASE;
	if (p->require_lowercase && !(classes & CLASS_LOWER))
		f |= IAMPW_R_NO_LOWERCASE;
	if (p->require_numbers && !(classes & CLASS_NUMBER))
		f |= IAMPW_R_NO_NUMBER;
	if (p->require_symbols && !(classes & CLASS_SYMBOL))
		f |= IAMPW_R_NO_SYMBOL;
	if (p->min_classes > 0 && popcount4(classes) < p->min_classes)
		f |= IAMPW_R_FEW_CLASSES;
	return f;
}

/*
 * The fallback fold for text that is not valid UTF-8 (below): ASCII only,
 * and our own, because strcasecmp follows the host process's locale (a
 * Turkish locale folds 'I' to dotless i) and the module must not.
 */
static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Is a (alen bytes) equal to b (blen bytes), ASCII case ignored? */
static bool ascii_same(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++) {
		if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
			return false;
	}
	return true;
}

/*
 * Full Unicode case folding (libunistring, no language-specific rules, so
 * never the locale's): "Élodie" and "éLODIE" fold alike, and so do
 * "STRASSE" and "straße".  No normalisation: a precomposed "é" and "e" +
 * U+0301 stay different, as typed.  A code point folds to at most three,
 * so 3 * 511 bytes hold any password's fold: the password's fold never
 * leaves this buffer (no malloc inside libunistring) and is wiped.
 */
#define FOLD_BUF (3 * IAMPW_PASSWORD_BYTES_MAX + 1)

struct fold {
	enum { FOLD_OK, FOLD_INVALID, FOLD_NOMEM } rc;
	uint8_t *s;   /* the folded text: buf, or malloc'd for a long name */
	size_t len;
	uint8_t buf[FOLD_BUF];
};

/*
 * Fold n bytes of s.  Invalid UTF-8 is refused first (FOLD_INVALID):
 * libunistring would otherwise turn every bad byte into U+FFFD, and two
 * different invalid names would fold alike.
 */
static void fold(const char *s, size_t n, struct fold *f)
{
	const struct iampw_uni *u = iampw_uni(NULL);

	f->len = sizeof f->buf;
	f->s = NULL;
	if (u == NULL) {
		/* Never here: check() binds libunistring before any fold. */
		f->rc = FOLD_NOMEM;
		return;
	}
	if (u->u8_check((const uint8_t *)s, n) != NULL) {
		f->rc = FOLD_INVALID;
		return;
	}
	f->s = u->u8_casefold((const uint8_t *)s, n, NULL, NULL, f->buf, &f->len);
	f->rc = f->s != NULL ? FOLD_OK : FOLD_NOMEM;
}

static void fold_done(struct fold *f)
{
	if (f->s != NULL && f->s != f->buf) {
		iampw_wipe(f->s, f->len);
		free(f->s);
	}
	/* Whole: a failed fold may have left part of its output behind. */
	if (f->rc != FOLD_INVALID)
		iampw_wipe(f->buf, sizeof f->buf);
	f->s = NULL;
}

/* Does a (alen bytes) contain b (blen > 0 bytes), ASCII case ignored? */
static bool ascii_contains(const char *a, size_t alen, const char *b, size_t blen)
{
	for (size_t i = 0; i + blen <= alen; i++) {
		if (ascii_same(a + i, blen, b, blen))
			return true;
	}
	return false;
}

/*
 * Is the password (pw, pwlen bytes, its fold in *pwf) the same as name
 * (namelen bytes), or with `contains` does it contain it, case folded?
 * An empty name is never compared.  When either side is not valid UTF-8,
 * the comparison is byte for byte with ASCII letters folded (there is no
 * Unicode text to fold); when folding runs out of memory, the answer is
 * "yes": the rule fails closed.
 */
static bool match_folded(const char *pw, size_t pwlen, const struct fold *pwf,
			 const char *name, size_t namelen, bool contains)
{
	struct fold nf;
	bool hit;

	if (namelen == 0)
		return false;
	if (pwf->rc == FOLD_NOMEM)
		return true;
	fold(name, namelen, &nf);
	if (pwf->rc == FOLD_INVALID || nf.rc == FOLD_INVALID)
		hit = contains ? ascii_contains(pw, pwlen, name, namelen) :
				 ascii_same(pw, pwlen, name, namelen);
	else if (nf.rc == FOLD_NOMEM)
		hit = true;
	else if (contains)
		hit = nf.len > 0 && memmem(pwf->s, pwf->len, nf.s, nf.len) != NULL;
	else
		hit = pwf->len == nf.len && memcmp(pwf->s, nf.s, nf.len) == 0;
	fold_done(&nf);
	return hit;
}

static bool same_folded(const char *pw, size_t pwlen, const struct fold *pwf,
			const char *name, size_t namelen)
{
	return match_folded(pw, pwlen, pwf, name, namelen, false);
}

static bool contains_folded(const char *pw, size_t pwlen, const struct fold *pwf,
			    const char *name, size_t namelen)
{
	return match_folded(pw, pwlen, pwf, name, namelen, true);
}

static uint32_t identity_failures(const struct iampw_identity *id,
				  const char *pw, size_t len,
				  const struct fold *pwf)
{
	uint32_t f = 0;

	if (id == NULL)
		return 0;
	if (id->user != NULL && same_folded(pw, len, pwf, id->user, strlen(id->user)))
		f |= IAMPW_R_IS_USER_NAME;
	/* The full name is the first GECOS field; the rest is room, phones... */
	if (id->gecos != NULL &&
	    same_folded(pw, len, pwf, id->gecos, strcspn(id->gecos, ",")))
		f |= IAMPW_R_IS_FULL_NAME;
	/* "web01" is as guessable as "web01.example.com". */
	if (id->host != NULL &&
	    (same_folded(pw, len, pwf, id->host, strlen(id->host)) ||
	     same_folded(pw, len, pwf, id->host, strcspn(id->host, "."))))
		f |= IAMPW_R_IS_HOST_NAME;
	return f;
}


/* A letter, or a mark that belongs to the letter before it ("e" + U+0301). */
static bool word_char(const struct iampw_uni *u, ucs4_t uc)
{
	return u->uc_is_alpha(uc) || u->uc_is_general_category(uc, *u->category_m);
}

/*
 * Does the password contain a word of 4 or more letters of the full name
 * (n bytes)?  Words are runs of letters; a byte that is not valid UTF-8
 * decodes as U+FFFD, which is no letter, so each word is valid UTF-8.
 */
static bool contains_name_word(const char *pw, size_t pwlen, const struct fold *pwf,
			       const char *name, size_t n)
{
	const struct iampw_uni *u = iampw_uni(NULL);
	const uint8_t *s = (const uint8_t *)name;
	size_t i = 0;

	if (u == NULL)
		return true;	/* never here (see fold); fail closed */
	while (i < n) {
		size_t start, letters = 0;
		ucs4_t uc;
		int k;

		k = u->u8_mbtouc(&uc, s + i, n - i);
		if (!word_char(u, uc)) {
			i += (size_t)k;
			continue;
		}
		start = i;
		while (i < n) {
			k = u->u8_mbtouc(&uc, s + i, n - i);
			if (!word_char(u, uc))
				break;
			letters += u->uc_is_alpha(uc);
			i += (size_t)k;
		}
		if (letters >= 4 &&
		    contains_folded(pw, pwlen, pwf, name + start, i - start))
			return true;
	}
	return false;
}

/*
 * [screening] context = yes (§9.1): the user name, the host's short name
 * (which its full name contains), or a full-name word of 4+ letters,
 * anywhere in the password, case folded as for identity.
 */
static bool context_failure(const struct iampw_identity *id, const char *pw,
			    size_t len, const struct fold *pwf)
{
	size_t n;

	if (id->user != NULL && contains_folded(pw, len, pwf, id->user, strlen(id->user)))
		return true;
	if (id->host != NULL) {
		n = strcspn(id->host, ".");
		if (n == 0)
			n = strlen(id->host);
		if (contains_folded(pw, len, pwf, id->host, n))
			return true;
	}
	return id->gecos != NULL &&
	       contains_name_word(pw, len, pwf, id->gecos, strcspn(id->gecos, ","));
}

/* The rules of iampw_check_password; screening too when `s` is given. */
static int check(const struct iampw_policy *p, const struct iampw_identity *id,
		 const struct iampw_screen *scr, const char *pw,
		 struct iampw_check *r, struct iampw_err *e)
{
	size_t len;
	unsigned classes;
	bool control;

	/* IAM's minimum is at least 1 character whatever the policy says. */
	r->min_length = p->min_length > 0 ? p->min_length : 1;
	r->min_classes = p->min_classes;
	r->chars = 0;
	r->failed = 0;

	/* Bounded: a huge input costs at most 512 bytes of reading. */
	len = strnlen(pw, IAMPW_PASSWORD_BYTES_MAX + 1);
	if (len > IAMPW_PASSWORD_BYTES_MAX) {
		r->failed = IAMPW_R_INPUT_TOO_LONG;
		return IAMPW_OK;
	}

	r->chars = scan((const unsigned char *)pw, len, &classes, &control);
	if (r->chars < r->min_length)
		r->failed |= IAMPW_R_TOO_SHORT;
	if (r->chars > IAMPW_PASSWORD_CHARS_MAX)
		r->failed |= IAMPW_R_TOO_LONG;
	if (control)
		r->failed |= IAMPW_R_CONTROL;
	r->failed |= class_failures(p, classes);
	if (id != NULL && iampw_uni(e) == NULL) {
		/*
		 * No Unicode folding, no identity or context verdict: refuse
		 * (with the error for callers that take one).
		 */
		r->failed |= IAMPW_R_IS_USER_NAME;
		return IAMPW_E_IO;
	}
	if (id != NULL) {
		struct fold pwf;

		fold(pw, len, &pwf);
		r->failed |= identity_failures(id, pw, len, &pwf);
		if (scr != NULL && scr->context && context_failure(id, pw, len, &pwf))
			r->failed |= IAMPW_R_CONTEXT;
		fold_done(&pwf);
	}
	if (scr != NULL && scr->blocklist.fd >= 0) {
		bool listed = true;
		int rc = iampw_blocklist_lookup(&scr->blocklist, pw, &listed, e);

		if (listed)
			r->failed |= IAMPW_R_BLOCKLISTED;
		if (rc != IAMPW_OK)
			return rc;
	}
	return IAMPW_OK;
}

void iampw_check_password(const struct iampw_policy *p,
			  const struct iampw_identity *id, const char *pw,
			  struct iampw_check *r)
{
	check(p, id, NULL, pw, r, NULL);
}

int iampw_check_screened(const struct iampw_policy *p,
			 const struct iampw_identity *id,
			 const struct iampw_screen *s, const char *pw,
			 struct iampw_check *r, struct iampw_err *e)
{
	return check(p, id, s, pw, r, e);
}

void iampw_screen_init(struct iampw_screen *s)
{
	memset(s, 0, sizeof *s);
	s->blocklist.fd = -1;
}

int iampw_screen_open(struct iampw_screen *s, const struct iampw_config *c,
		      uid_t owner, struct iampw_err *e)
{
	iampw_screen_init(s);
	s->context = c->screen_context;
	if (c->blocklist[0] == '\0')
		return IAMPW_OK;
	return iampw_blocklist_open(&s->blocklist, c->blocklist, owner, e);
}

void iampw_screen_close(struct iampw_screen *s)
{
	iampw_blocklist_close(&s->blocklist);
}


const char *iampw_reason_name(enum iampw_reason reason)
{
	for (size_t i = 0; i < IAMPW_R_COUNT; i++) {
		if (reasons[i].bit == (uint32_t)reason)
			return reasons[i].name;
	}
	return NULL;
}

/*
 * An snprintf-like sink: `len` counts what the whole text needs, the
 * buffer gets what fits, and finish() always NUL-terminates (when n > 0).
 */
struct sink {
	char *buf;
	size_t n;
	size_t len;
};

static void put(struct sink *s, const char *text, size_t k)
{
	if (s->n > 0 && s->len < s->n - 1) {
		size_t room = s->n - 1 - s->len;

		memcpy(s->buf + s->len, text, k < room ? k : room);
	}
	s->len += k;
}

static void put_str(struct sink *s, const char *text)
{
	put(s, text, strlen(text));
}

static void finish(struct sink *s)
{
	if (s->n > 0)
		s->buf[s->len < s->n ? s->len : s->n - 1] = '\0';
}

/* Copy a clause, filling in its only placeholders, "%u" and "%s". */
static void put_clause(struct sink *s, const char *text,
		       const struct iampw_check *r)
{
	char num[24];
	const char *mark;

	while ((mark = strchr(text, '%')) != NULL) {
		put(s, text, (size_t)(mark - text));
		if (mark[1] == 'u') {
			snprintf(num, sizeof num, "%u", r->min_length);
			put_str(s, num);
		} else if (mark[1] == 's') {
			put_str(s, class_words[r->min_classes <= 4 ? r->min_classes : 4]);
		} else {
			/* A literal '%' (there is one in the symbol list). */
			put(s, mark, 1);
			text = mark + 1;
			continue;
		}
		text = mark + 2;
	}
	put_str(s, text);
}

int iampw_check_message(const struct iampw_check *r, char *buf, size_t n)
{
	struct sink s = { .buf = buf, .n = n, .len = 0 };
	uint32_t failed = r->failed;
	unsigned clauses = 0;

	/* Both bits mean "over 128 characters": say it once. */
	if (failed & IAMPW_R_INPUT_TOO_LONG)
		failed &= ~(uint32_t)IAMPW_R_TOO_LONG;
	if (failed != 0) {
		put_str(&s, MSG_PREFIX);
		for (size_t i = 0; i < IAMPW_R_COUNT; i++) {
			if (!(failed & reasons[i].bit))
				continue;
			put_str(&s, clauses++ == 0 ? ": " : "; ");
			put_clause(&s, reasons[i].text, r);
		}
		put_str(&s, ".");
	}
	finish(&s);
	return s.len > INT_MAX ? -1 : (int)s.len;
}
