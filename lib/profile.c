/*
 * Login profile files (SPEC §3): our own writer, and a strict reader that
 * checks every stored hash before anything may compare against it.
 *
 *   [profile]
 *   user = alice                         (the name then, %XX-encoded: account.c)
 *   uid = 1000                           (also the file's name)
 *   account = 3f5a...                    (the account's fingerprint then)
 *   create_date = 1763805600
 *   password_last_changed = 1763805600
 *   password_last_used = 1763809200      (absent: never used)
 *   password_reset_required = false
 *   [history]                            (absent: no history)
 *   salt = $y$j9T$...
 *   h1 = $y$j9T$...$...                  (newest first, up to h24)
 *
 * Messages never quote a salt or a hash.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "internal.h"

void iampw_profile_clear(struct iampw_profile *p)
{
	iampw_wipe(p, sizeof *p);
}

/*
 * Hashes only ever sit in the slots below nhistory: profile_apply fills
 * them in order into a cleared profile, and iampw_history_record wipes
 * every slot it gives up.  So the used slots and the fields before them
 * are all there is to wipe: nine tenths of the struct are unused slots,
 * and the module disposes of a profile on every transaction.
 */
void iampw_profile_wipe(struct iampw_profile *p)
{
	unsigned n = p->nhistory < IAMPW_REUSE_MAX ? p->nhistory : IAMPW_REUSE_MAX;

	iampw_wipe(p->history, n * sizeof p->history[0]);
	iampw_wipe(p, offsetof(struct iampw_profile, history));
}

/* "h1".."h24" -> 1..24, else 0. */
static unsigned history_index(const char *key)
{
	uint64_t n;

	if (key[0] != 'h' || iampw_parse_u64(key + 1, &n) != IAMPW_NUM_OK ||
	    n < 1 || n > IAMPW_REUSE_MAX)
		return 0;
	return (unsigned)n;
}

static bool profile_known(const char *section, const char *key)
{
	static const char *const profile_keys[] = {
		"user", "uid", "account", "create_date", "password_last_changed",
		"password_last_used", "password_reset_required",
	};

	if (strcmp(section, "profile") == 0) {
		if (key == NULL)
			return true;
		for (size_t i = 0; i < sizeof profile_keys / sizeof profile_keys[0]; i++) {
			if (strcmp(key, profile_keys[i]) == 0)
				return true;
		}
		return false;
	}
	if (strcmp(section, "history") == 0)
		return key == NULL || strcmp(key, "salt") == 0 || history_index(key) > 0;
	return false;
}

/* A required [profile] key: report its absence. */
static void lacks(const struct iampw_ini *ini, const char *key, struct iampw_err *e)
{
	iampw_err_at(e, IAMPW_E_PARSE, iampw_ini_display(ini), 0, "[profile] lacks '%s'", key);
}

static bool require_key(const struct iampw_ini *ini, const char *key,
			struct iampw_err *e)
{
	if (iampw_ini_get(ini, "profile", key, NULL) != NULL)
		return true;
	lacks(ini, key, e);
	return false;
}

/*
 * A required [profile] number up to `max`, looked up once (every load of
 * every profile makes these lookups, each a scan of the keys): true with
 * *v, or false with its absence or its problem reported.  UINT64_MAX is
 * above every max, so it stands for "absent".
 */
static bool get_required(const struct iampw_ini *ini, const char *key, uint64_t max,
			 uint64_t *v, struct iampw_err *e)
{
	*v = UINT64_MAX;
	if (iampw_ini_get_u64(ini, "profile", key, 0, max, v, e) != IAMPW_OK)
		return false;
	if (*v == UINT64_MAX) {
		lacks(ini, key, e);
		return false;
	}
	return true;
}

static void get_time(const struct iampw_ini *ini, const char *key, int64_t *out,
		     struct iampw_err *e)
{
	uint64_t v = 0;

	if (iampw_ini_get_u64(ini, "profile", key, 0, (uint64_t)IAMPW_TIME_MAX,
			      &v, e) == IAMPW_OK)
		*out = (int64_t)v;
}

static void apply_identity(const struct iampw_ini *ini, struct iampw_profile *p,
			   struct iampw_err *e)
{
	unsigned line = 0;
	const char *user, *fp;
	uint64_t v;

	user = iampw_ini_get(ini, "profile", "user", &line);
	if (user == NULL)
		lacks(ini, "user", e);
	else if (iampw_name_decode(user, p->user) != IAMPW_OK)
		iampw_err_at(e, IAMPW_E_PARSE, iampw_ini_display(ini), line, "user: not a valid user name");
	if (get_required(ini, "uid", IAMPW_UID_MAX, &v, e))
		p->uid = (uint32_t)v;
	fp = iampw_ini_get(ini, "profile", "account", &line);
	if (fp == NULL)
		lacks(ini, "account", e);
	else if (!iampw_fp_valid(fp))
		iampw_err_at(e, IAMPW_E_PARSE, iampw_ini_display(ini), line,
			      "account: not an account fingerprint (64 hex digits)");
	else
		memcpy(p->account, fp, IAMPW_FP_SIZE);
	if (get_required(ini, "create_date", (uint64_t)IAMPW_TIME_MAX, &v, e))
		p->create_date = (int64_t)v;
	if (get_required(ini, "password_last_changed", (uint64_t)IAMPW_TIME_MAX, &v, e))
		p->last_changed = (int64_t)v;
	get_time(ini, "password_last_used", &p->last_used, e);
	if (require_key(ini, "password_reset_required", e))
		iampw_ini_get_bool(ini, "profile", "password_reset_required",
				   &p->reset_required, e);
}

/*
 * "h<i>" for 1 <= i <= IAMPW_REUSE_MAX (< 100): written by hand, since
 * every profile load asks for up to 24 such keys and snprintf was a sixth
 * of what get-credential-report spent over 100,000 profiles.
 */
static void history_key(unsigned i, char key[8])
{
	size_t o = 0;

	key[o++] = 'h';
	if (i >= 10)
		key[o++] = (char)('0' + i / 10 % 10);
	key[o++] = (char)('0' + i % 10);
	key[o] = '\0';
}

static void apply_history(const struct iampw_ini *ini, struct iampw_profile *p,
			  struct iampw_err *e)
{
	const char *display = iampw_ini_display(ini);
	unsigned line = 0;
	const char *salt;
	char key[8];

	/* No section, no key: spare the 24 lookups of the gap check below. */
	if (!iampw_ini_has_section(ini, "history"))
		return;
	salt = iampw_ini_get(ini, "history", "salt", &line);
	if (salt != NULL) {
		if (!iampw_history_salt_valid(salt)) {
			iampw_err_at(e, IAMPW_E_PARSE, display, line,
				      "salt: not a yescrypt or sha512crypt setting within the cost limits");
			return;
		}
		strcpy(p->salt, salt);
	}
	/* Entries are h1..hN with no gap: a gap means a damaged file. */
	for (unsigned i = 1; i <= IAMPW_REUSE_MAX; i++) {
		const char *h;

		history_key(i, key);
		h = iampw_ini_get(ini, "history", key, &line);
		if (h == NULL)
			break;
		if (p->salt[0] == '\0') {
			iampw_err_at(e, IAMPW_E_PARSE, display, line, "%s: history entry without a salt", key);
			return;
		}
		if (strlen(h) >= sizeof p->history[0] ||
		    !iampw_history_entry_matches_salt(p->salt, h)) {
			iampw_err_at(e, IAMPW_E_PARSE, display, line, "%s: malformed history entry", key);
			return;
		}
		strcpy(p->history[p->nhistory++], h);
	}
	for (unsigned i = p->nhistory + 2; i <= IAMPW_REUSE_MAX; i++) {
		history_key(i, key);
		if (iampw_ini_get(ini, "history", key, &line) != NULL) {
			iampw_err_at(e, IAMPW_E_PARSE, display, line,
				      "%s: history entries must be numbered h1, h2, ... without gaps", key);
			return;
		}
	}
}

static int profile_apply(const struct iampw_ini *ini, void *out,
			 struct iampw_err *e)
{
	struct iampw_profile *p = out;
	unsigned before = e->count;

	/* The callers cleared it: this only empties it again (cheaply). */
	iampw_profile_wipe(p);
	if (!iampw_ini_has_section(ini, "profile"))
		iampw_err_at(e, IAMPW_E_PARSE, iampw_ini_display(ini), 0, "no [profile] section");
	else
		apply_identity(ini, p, e);
	apply_history(ini, p, e);
	if (e->count != before) {
		iampw_profile_clear(p);
		return IAMPW_E_PARSE;
	}
	return IAMPW_OK;
}

/* ---------------------------------------------------------------------- */
/* The canonical reader                                                    */

/*
 * What iampw_profile_format writes before the first value.  The account
 * stack reads a profile on every login, and nearly every profile is
 * exactly what our serialiser wrote: read_canonical reads that text and
 * only that, in one pass without the scanner's tables, and leaves every
 * other text (a CRLF, a blank line, another order, a comment, a damaged
 * line...) to the scanner, which decides and says what is wrong.
 *
 * It never accepts what the scanner refuses, nor reads a value
 * differently: each value goes through the check profile_apply makes
 * (iampw_name_decode, iampw_parse_u64 and the same bound, iampw_fp_valid,
 * iampw_parse_bool, iampw_history_salt_valid and
 * iampw_history_entry_matches_salt), and what those accept holds none of
 * the bytes the scanner treats apart (blank, ';', '#', quote, control,
 * NUL, non-ASCII).  Keys come in the serialiser's order, once each, so
 * there is nothing to look up and no repeat to find.  tests/unit/
 * test_profile and fuzz_profile compare both readers on every input.
 */
static const char canonical_head[] =
	"; pam_iampw login profile, written by pam_iampw and iampw-admin.\n"
	"; Do not edit: use iampw-admin.\n"
	"[profile]\n";

struct cursor {
	const char *p, *end;
};

/* Does the line at the cursor start with "<key> = "? */
static bool at_key(const struct cursor *c, const char *key, size_t keylen)
{
	return (size_t)(c->end - c->p) > keylen + 3 &&
	       memcmp(c->p, key, keylen) == 0 && memcmp(c->p + keylen, " = ", 3) == 0;
}

/*
 * Take the line "<key> = <value>\n": the value into buf (size bytes) as a
 * C string.  False, with the cursor where it was, for another key, a line
 * longer than the scanner allows, no line end, a NUL or a value too long.
 */
static bool take(struct cursor *c, const char *key, size_t keylen, char *buf,
		 size_t size)
{
	const char *v, *nl;
	size_t n;

	if (!at_key(c, key, keylen))
		return false;
	v = c->p + keylen + 3;
	nl = memchr(v, '\n', (size_t)(c->end - v));
	if (nl == NULL || nl - c->p > IAMPW_LINE_MAX)
		return false;
	n = (size_t)(nl - v);
	if (n >= size || memchr(v, '\0', n) != NULL)
		return false;
	memcpy(buf, v, n);
	buf[n] = '\0';
	c->p = nl + 1;
	return true;
}

#define TAKE(c, key, buf, size) take(c, key, sizeof key - 1, buf, size)

/* A number from 0 to max, as get_required and get_time read it. */
static bool take_u64(struct cursor *c, const char *key, size_t keylen,
		     uint64_t max, uint64_t *v)
{
	char num[24];

	return take(c, key, keylen, num, sizeof num) &&
	       iampw_parse_u64(num, v) == IAMPW_NUM_OK && *v <= max;
}

#define TAKE_U64(c, key, max, v) take_u64(c, key, sizeof key - 1, max, v)

static bool canonical_identity(struct cursor *c, struct iampw_profile *p)
{
	char buf[IAMPW_NAME_ENCODED_MAX + 1];
	uint64_t v;

	if (!TAKE(c, "user", buf, sizeof buf) || iampw_name_decode(buf, p->user) != IAMPW_OK ||
	    !TAKE_U64(c, "uid", IAMPW_UID_MAX, &v))
		return false;
	p->uid = (uint32_t)v;
	if (!TAKE(c, "account", p->account, sizeof p->account) || !iampw_fp_valid(p->account) ||
	    !TAKE_U64(c, "create_date", (uint64_t)IAMPW_TIME_MAX, &v))
		return false;
	p->create_date = (int64_t)v;
	if (!TAKE_U64(c, "password_last_changed", (uint64_t)IAMPW_TIME_MAX, &v))
		return false;
	p->last_changed = (int64_t)v;
	if (at_key(c, "password_last_used", sizeof "password_last_used" - 1)) {
		if (!TAKE_U64(c, "password_last_used", (uint64_t)IAMPW_TIME_MAX, &v))
			return false;
		p->last_used = (int64_t)v;
	}
	return TAKE(c, "password_reset_required", buf, sizeof buf) &&
	       iampw_parse_bool(buf, &p->reset_required);
}

static bool canonical_history(struct cursor *c, struct iampw_profile *p)
{
	static const char section[] = "[history]\n";
	char key[8];

	if (c->p == c->end)
		return true;
	if ((size_t)(c->end - c->p) < sizeof section - 1 ||
	    memcmp(c->p, section, sizeof section - 1) != 0)
		return false;
	c->p += sizeof section - 1;
	if (!TAKE(c, "salt", p->salt, sizeof p->salt) || !iampw_history_salt_valid(p->salt))
		return false;
	while (c->p < c->end && p->nhistory < IAMPW_REUSE_MAX) {
		char *h = p->history[p->nhistory];

		history_key(p->nhistory + 1, key);
		if (!take(c, key, strlen(key), h, sizeof p->history[0]) ||
		    !iampw_history_entry_matches_salt(p->salt, h))
			return false;
		p->nhistory++;
	}
	return c->p == c->end;
}

/* True with *p filled when `text` is exactly what the serialiser writes. */
static bool read_canonical(const char *text, size_t len, struct iampw_profile *p)
{
	struct cursor c;

	if (text == NULL || len > IAMPW_CONF_SIZE_MAX || len < sizeof canonical_head - 1 ||
	    memcmp(text, canonical_head, sizeof canonical_head - 1) != 0)
		return false;
	c.p = text + sizeof canonical_head - 1;
	c.end = text + len;
	return canonical_identity(&c, p) && canonical_history(&c, p);
}

int iampw_profile_parse_scanned(const char *name, const char *text, size_t len,
				struct iampw_profile *p, struct iampw_err *e)
{
	int rc;

	iampw_profile_clear(p);
	rc = iampw_ini_parse_with(name, text, len, false, profile_known, profile_apply, p, e);
	/* The good lines of a broken file were read only to report the bad ones. */
	if (rc != IAMPW_OK)
		iampw_profile_clear(p);
	return rc;
}

int iampw_profile_parse(const char *name, const char *text, size_t len,
			struct iampw_profile *p, struct iampw_err *e)
{
	iampw_profile_clear(p);
	if (read_canonical(text, len, p))
		return IAMPW_OK;
	return iampw_profile_parse_scanned(name, text, len, p, e);
}

int iampw_profile_format(const struct iampw_profile *p, char *buf, size_t n)
{
	char user[IAMPW_NAME_ENCODED_MAX + 1];
	struct iampw_buf b;

	if (iampw_name_encode(p->user, user, sizeof user) != IAMPW_OK ||
	    p->uid > IAMPW_UID_MAX || !iampw_fp_valid(p->account) ||
	    p->nhistory > IAMPW_REUSE_MAX || (p->nhistory > 0 && p->salt[0] == '\0'))
		return IAMPW_E_INVAL;
	iampw_buf_init_fixed(&b, buf, n);
	iampw_buf_printf(&b,
		    "%s"
		    "user = %s\n"
		    "uid = %" PRIu32 "\n"
		    "account = %s\n"
		    "create_date = %" PRId64 "\n"
		    "password_last_changed = %" PRId64 "\n",
		    canonical_head, user, p->uid, p->account, p->create_date,
		    p->last_changed);
	if (p->last_used > 0)
		iampw_buf_printf(&b, "password_last_used = %" PRId64 "\n", p->last_used);
	iampw_buf_printf(&b, "password_reset_required = %s\n",
			 p->reset_required ? "true" : "false");
	if (p->salt[0] != '\0')
		iampw_buf_printf(&b, "[history]\nsalt = %s\n", p->salt);
	for (unsigned i = 0; !b.failed && i < p->nhistory; i++)
		iampw_buf_printf(&b, "h%u = %s\n", i + 1, p->history[i]);
	/* Never half a profile: a file cut short could lose history entries. */
	if (b.failed || b.len > INT_MAX) {
		iampw_wipe(buf, n);
		return IAMPW_E_INVAL;
	}
	return (int)b.len;
}
