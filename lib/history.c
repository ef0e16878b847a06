/*
 * Password history (§5.4): every entry of a user is hashed with one salt
 * kept in the profile, so a check costs one crypt_rn() whatever N is.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * Lengths of the hash part that libxcrypt appends after "<setting>$"
 * (checked against this machine's crypt(3) by the unit tests).
 */
#define YESCRYPT_HASH_LEN 43
#define SHA512_HASH_LEN 86
/* crypt_gensalt_rn("$y$") takes 16..64 random bytes: 22..86 characters. */
#define YESCRYPT_SALT_MAX 86
/* sha512crypt silently truncates longer salts; refuse them instead. */
#define SHA512_SALT_MAX 16
/* "1000000" plus room to notice that a number is too long. */
#define ROUNDS_DIGITS_MAX 16

/* crypt's base64 alphabet, as a table: every login checks 24 hashes with it. */
static const bool b64_char[256] = {
	['.'] = true, ['/'] = true, ['0' ... '9'] = true,
	['A' ... 'Z'] = true, ['a' ... 'z'] = true,
};

static bool is_b64(char ch)
{
	return b64_char[(unsigned char)ch];
}

/* Count leading crypt-base64 characters, looking at no more than `max`. */
static size_t b64_span(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && is_b64(s[n]))
		n++;
	return n;
}

/* 1..max alphabet characters and then the end of the string. */
static bool salt_chars_valid(const char *s, size_t max)
{
	size_t n = b64_span(s, max + 1);

	return n >= 1 && n <= max && s[n] == '\0';
}

/*
 * The params field libxcrypt 4.4's crypt_gensalt_rn("$y$", cost) writes,
 * for cost 1 to IAMPW_YESCRYPT_COST_MAX.  A profile's salt is checked on
 * every login, and asking libxcrypt takes up to 11 gensalt calls: this
 * answers first.  tests/unit/test_history holds it against the libxcrypt
 * we link, and a setting it does not list is still asked of libxcrypt,
 * so the table can only save time, never change an answer.
 */
static const char yescrypt_params[][4] = {
	"j75", "j85", "j7T", "j8T", "j9T", "jAT", "jBT", "jCT", "jDT", "jET", "jFT",
};

_Static_assert(sizeof yescrypt_params / sizeof yescrypt_params[0] == IAMPW_YESCRYPT_COST_MAX,
	       "one yescrypt_params row per allowed cost");

const char *iampw_yescrypt_params(unsigned long cost)
{
	if (cost < 1 || cost > sizeof yescrypt_params / sizeof yescrypt_params[0])
		return NULL;
	return yescrypt_params[cost - 1];
}

/*
 * Is `params` one of the parameter fields crypt_gensalt_rn() emits for a
 * cost we allow?  Asking libxcrypt keeps us from decoding yescrypt's
 * N/r/p encoding by hand; only the params field of its output is used,
 * so the random bytes can be fixed.
 */
static bool yescrypt_params_known(const char *params, size_t len)
{
	static const char dummy[16];
	char out[CRYPT_GENSALT_OUTPUT_SIZE];
	bool found = false;

	for (size_t i = 0; i < sizeof yescrypt_params / sizeof yescrypt_params[0]; i++) {
		if (len == sizeof yescrypt_params[i] - 1 &&
		    memcmp(params, yescrypt_params[i], len) == 0)
			return true;
	}
	for (unsigned long cost = 1; cost <= IAMPW_YESCRYPT_COST_MAX && !found; cost++) {
		const char *p, *end;

		if (crypt_gensalt_rn("$y$", cost, dummy, sizeof dummy, out,
				     (int)sizeof out) == NULL)
			continue;
		p = out + 3;
		end = strchr(p, '$');
		found = end != NULL && (size_t)(end - p) == len &&
			memcmp(p, params, len) == 0;
	}
	return found;
}

static bool yescrypt_setting_valid(const char *s)
{
	const char *dollar = strchr(s, '$');

	if (dollar == NULL || !yescrypt_params_known(s, (size_t)(dollar - s)))
		return false;
	return salt_chars_valid(dollar + 1, YESCRYPT_SALT_MAX);
}

static bool sha512_setting_valid(const char *s)
{
	static const char rounds[] = "rounds=";
	char num[ROUNDS_DIGITS_MAX];
	const char *dollar;
	uint64_t v;
	size_t len;

	if (strncmp(s, rounds, sizeof rounds - 1) == 0) {
		s += sizeof rounds - 1;
		dollar = strchr(s, '$');
		if (dollar == NULL)
			return false;
		len = (size_t)(dollar - s);
		if (len >= sizeof num)
			return false;
		memcpy(num, s, len);
		num[len] = '\0';
		if (iampw_parse_u64(num, &v) != IAMPW_NUM_OK ||
		    v < IAMPW_SHA512_ROUNDS_MIN || v > IAMPW_SHA512_ROUNDS_MAX)
			return false;
		s = dollar + 1;
	}
	return salt_chars_valid(s, SHA512_SALT_MAX);
}

bool iampw_history_salt_valid(const char *setting)
{
	if (setting == NULL ||
	    strnlen(setting, CRYPT_GENSALT_OUTPUT_SIZE) >= CRYPT_GENSALT_OUTPUT_SIZE)
		return false;
	if (strncmp(setting, "$y$", 3) == 0)
		return yescrypt_setting_valid(setting + 3);
	if (strncmp(setting, "$6$", 3) == 0)
		return sha512_setting_valid(setting + 3);
	return false;
}

bool iampw_history_entry_matches_salt(const char *setting, const char *entry)
{
	size_t slen, hlen;

	hlen = setting[1] == 'y' ? YESCRYPT_HASH_LEN : SHA512_HASH_LEN;
	slen = strlen(setting);
	if (strncmp(entry, setting, slen) != 0 || entry[slen] != '$')
		return false;
	entry += slen + 1;
	return b64_span(entry, hlen + 1) == hlen && entry[hlen] == '\0';
}

bool iampw_history_entry_valid(const char *setting, const char *entry)
{
	if (setting == NULL || entry == NULL || !iampw_history_salt_valid(setting))
		return false;
	return iampw_history_entry_matches_salt(setting, entry);
}

/* Copy a string into a fixed buffer, zero-filling the rest. */
static bool copy_padded(char *dst, size_t dstsize, const char *src, size_t srcsize)
{
	size_t len = strnlen(src, srcsize);

	if (len >= dstsize || len == srcsize) {
		iampw_wipe(dst, dstsize);
		return false;
	}
	memcpy(dst, src, len);
	memset(dst + len, 0, dstsize - len);
	return true;
}

static int draw_salt(const struct iampw_config *c, char *salt, size_t n,
		     struct iampw_err *e)
{
	const char *prefix;

	if (c == NULL)
		return iampw_err_add(e, IAMPW_E_INVAL,
				     "history: no configuration to draw a salt from");
	switch (c->hash) {
	case IAMPW_HASH_YESCRYPT:
		prefix = "$y$";
		break;
	case IAMPW_HASH_SHA512CRYPT:
		prefix = "$6$";
		break;
	case IAMPW_HASH_DEFAULT:
		prefix = NULL;
		break;
	default:
		return iampw_err_add(e, IAMPW_E_INVAL,
				     "history: unknown hash method %d", (int)c->hash);
	}
	if (crypt_gensalt_rn(prefix, c->cost, NULL, 0, salt, (int)n) == NULL) {
		iampw_wipe(salt, n);
		return iampw_err_add(e, IAMPW_E_CRYPT,
				     "history: crypt_gensalt_rn failed for cost %lu: %m",
				     c->cost);
	}
	/*
	 * A salt we would refuse to read back (libxcrypt's default is not
	 * yescrypt or sha512crypt, or the cost is above the ceiling) must
	 * not be written: the profile would then lock the user out.
	 */
	if (!iampw_history_salt_valid(salt)) {
		iampw_wipe(salt, n);
		return iampw_err_add(e, IAMPW_E_CRYPT,
				     "history: the configured method and cost give a salt that is not accepted (yescrypt cost at most %lu, sha512crypt rounds %lu..%lu)",
				     IAMPW_YESCRYPT_COST_MAX, IAMPW_SHA512_ROUNDS_MIN,
				     IAMPW_SHA512_ROUNDS_MAX);
	}
	return IAMPW_OK;
}

static int pick_salt(const struct iampw_config *c,
		     const struct iampw_profile *prof, char *salt, size_t n,
		     struct iampw_err *e)
{
	if (prof == NULL || prof->salt[0] == '\0')
		return draw_salt(c, salt, n, e);
	if (!copy_padded(salt, n, prof->salt, sizeof prof->salt) ||
	    !iampw_history_salt_valid(salt)) {
		iampw_wipe(salt, n);
		return iampw_err_add(e, IAMPW_E_CRYPT,
				     "history: the stored salt is malformed");
	}
	return IAMPW_OK;
}

/*
 * Every entry that will be compared must be well-formed: fail closed.
 * `salt` has passed iampw_history_salt_valid already (pick_salt).
 */
static int check_entries(const struct iampw_profile *prof, unsigned n,
			 const char *salt, struct iampw_err *e)
{
	int rc = IAMPW_OK;

	for (unsigned i = 0; i < n; i++) {
		const char *h = prof->history[i];

		if (memchr(h, '\0', sizeof prof->history[i]) == NULL ||
		    !iampw_history_entry_matches_salt(salt, h))
			rc = iampw_err_add(e, IAMPW_E_CRYPT,
					   "history: stored entry %u is malformed", i + 1);
	}
	return rc;
}

/*
 * Compare `hash` (zero-padded to CRYPT_OUTPUT_SIZE) with each of the first
 * n entries over the whole buffer, without stopping at a match, so the
 * time taken does not tell which entry (if any) matched.
 */
static bool matches_any(const struct iampw_profile *prof, unsigned n,
			const char *hash)
{
	char entry[CRYPT_OUTPUT_SIZE];
	unsigned hit = 0;

	for (unsigned i = 0; i < n; i++) {
		/* Entries were checked to be terminated by check_entries(). */
		(void)copy_padded(entry, sizeof entry, prof->history[i],
				  sizeof prof->history[i]);
		hit |= (unsigned)iampw_ct_equal(entry, hash, sizeof entry);
	}
	iampw_wipe(entry, sizeof entry);
	return hit != 0;
}

static int hash_candidate(const char *pw, struct iampw_pending *out,
			  struct iampw_err *e)
{
	struct crypt_data *data;
	const char *h;
	int rc = IAMPW_OK;

	data = calloc(1, sizeof *data);
	if (data == NULL)
		return iampw_err_add(e, IAMPW_E_NOMEM, "history: out of memory");
	h = crypt_rn(pw, out->salt, data, (int)sizeof *data);
	if (h == NULL || h[0] == '*')
		rc = iampw_err_add(e, IAMPW_E_CRYPT,
				   "history: hashing the new password failed");
	else if (!copy_padded(out->hash, sizeof out->hash, h, CRYPT_OUTPUT_SIZE) ||
		 !iampw_history_entry_valid(out->salt, out->hash))
		rc = iampw_err_add(e, IAMPW_E_CRYPT,
				   "history: crypt_rn returned an unexpected hash format");
	iampw_wipe(data, sizeof *data);
	free(data);
	return rc;
}

int iampw_history_check(const struct iampw_config *c,
			const struct iampw_profile *prof, unsigned reuse,
			const char *pw, struct iampw_pending *out, bool *reused,
			struct iampw_err *e)
{
	unsigned n = 0;
	int rc;

	iampw_wipe(out, sizeof *out);
	*reused = false;
	/* Nothing will be recorded, so there is nothing to hash. */
	if (reuse == 0)
		return IAMPW_OK;
	if (pw == NULL)
		return iampw_err_add(e, IAMPW_E_INVAL, "history: no password given");
	if (prof != NULL) {
		n = reuse < prof->nhistory ? reuse : prof->nhistory;
		if (n > IAMPW_REUSE_MAX)
			n = IAMPW_REUSE_MAX;
	}
	rc = pick_salt(c, prof, out->salt, sizeof out->salt, e);
	/*
	 * Entries are checked against the salt in use: entries under an
	 * empty salt cannot belong to a freshly drawn one, and are refused.
	 */
	if (rc == IAMPW_OK)
		rc = check_entries(prof, n, out->salt, e);
	if (rc == IAMPW_OK)
		rc = hash_candidate(pw, out, e);
	if (rc != IAMPW_OK) {
		iampw_wipe(out, sizeof *out);
		return rc;
	}
	*reused = matches_any(prof, n, out->hash);
	return IAMPW_OK;
}

/* Keep the first `n` entries and wipe every slot after them. */
static void trim(struct iampw_profile *prof, unsigned n)
{
	for (unsigned i = n; i < IAMPW_REUSE_MAX; i++)
		iampw_wipe(prof->history[i], sizeof prof->history[i]);
	prof->nhistory = n;
	if (n == 0)
		iampw_wipe(prof->salt, sizeof prof->salt);
}

static bool pending_valid(const struct iampw_pending *pend)
{
	return memchr(pend->salt, '\0', sizeof pend->salt) != NULL &&
	       memchr(pend->hash, '\0', sizeof pend->hash) != NULL &&
	       iampw_history_entry_valid(pend->salt, pend->hash);
}

void iampw_history_record(struct iampw_profile *prof,
			  const struct iampw_pending *pend, unsigned keep)
{
	unsigned limit = keep < IAMPW_REUSE_MAX ? keep : IAMPW_REUSE_MAX;
	unsigned old, n;

	old = prof->nhistory < IAMPW_REUSE_MAX ? prof->nhistory : IAMPW_REUSE_MAX;
	/*
	 * Nothing to record (e.g. the check ran with reuse 0): never store
	 * a malformed entry, which would make the profile unreadable.
	 */
	if (limit == 0 || pend == NULL || !pending_valid(pend)) {
		trim(prof, old < limit ? old : limit);
		return;
	}
	/* A concurrent change re-salted: old entries cannot be compared. */
	if (strncmp(prof->salt, pend->salt, sizeof prof->salt) != 0)
		old = 0;
	n = old + 1 < limit ? old + 1 : limit;
	for (unsigned i = n - 1; i > 0; i--)
		memcpy(prof->history[i], prof->history[i - 1], sizeof prof->history[i]);
	(void)copy_padded(prof->history[0], sizeof prof->history[0], pend->hash,
			  sizeof pend->hash);
	(void)copy_padded(prof->salt, sizeof prof->salt, pend->salt, sizeof pend->salt);
	trim(prof, n);
}
