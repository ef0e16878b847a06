/*
 * Which account a profile belongs to (SPEC §3.1).
 *
 * A profile is filed under the account's uid, so every spelling of a name
 * that NSS resolves (alice, alice@corp, CORP\alice) and every rename
 * reaches the same file.  A uid is reused, though: `userdel alice; useradd
 * bob` may give bob alice's uid.  So a profile also records a fingerprint
 * of the account's shadow entry as it was when the profile was last
 * written by us: a SHA-256 (nettle) of the password hash field with any
 * lock marks removed, so `passwd -l` / `passwd -u` keep the binding.  A
 * re-created account, or a password set behind PAM's back (chpasswd,
 * usermod -p), has another fingerprint: the profile is then somebody
 * else's, its history is never consulted, and the account is treated as
 * password-reset-required.
 *
 * The fingerprint reveals nothing an attacker could use: it is a digest
 * of a salted slow hash whose salt it does not contain.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <nettle/sha2.h>

#include "internal.h"

#define DAY_SECONDS INT64_C(86400)

/* The input of the digest starts with this, so it can never equal another use of SHA-256. */
static const char fp_domain[] = "pam_iampw account v1";

bool iampw_hash_usable(const char *hash)
{
	return hash != NULL && hash[0] != '\0' && hash[0] != '!' && hash[0] != '*';
}

void iampw_acct_set_shadow(struct iampw_acct *a, bool present, const char *hash,
			   long lastchg)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t digest[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;
	const char *h = hash != NULL ? hash : "";
	uint8_t tag = present ? 1 : 0;

	a->shadow = present;
	a->usable = present && iampw_hash_usable(hash);
	a->lastchg = present ? lastchg : -1;
	/* `passwd -l` prefixes '!', `usermod -L` too: the same credential. */
	while (*h == '!')
		h++;
	sha256_init(&ctx);
	sha256_update(&ctx, sizeof fp_domain, (const uint8_t *)fp_domain);
	sha256_update(&ctx, 1, &tag);
	sha256_update(&ctx, strlen(h), (const uint8_t *)h);
	sha256_digest(&ctx, sizeof digest, digest);
	for (size_t i = 0; i < sizeof digest; i++) {
		a->fp[2 * i] = hex[digest[i] >> 4];
		a->fp[2 * i + 1] = hex[digest[i] & 15];
	}
	a->fp[IAMPW_FP_SIZE - 1] = '\0';
	iampw_wipe(&ctx, sizeof ctx);
	iampw_wipe(digest, sizeof digest);
}

bool iampw_fp_valid(const char *fp)
{
	size_t i;

	for (i = 0; i < IAMPW_FP_SIZE - 1; i++) {
		if (!((fp[i] >= '0' && fp[i] <= '9') || (fp[i] >= 'a' && fp[i] <= 'f')))
			return false;
	}
	return fp[i] == '\0';
}

/*
 * The password's last change as shadow records it (§3.1): 0 means
 * "must change" (shadow's own meaning), empty means unknown, which counts
 * as expired once MaxPasswordAge is set: the epoch does exactly that.
 */
static void dates_from_shadow(const struct iampw_acct *a, struct iampw_profile *p)
{
	if (a->lastchg > 0 && a->lastchg <= IAMPW_TIME_MAX / DAY_SECONDS)
		p->last_changed = (int64_t)a->lastchg * DAY_SECONDS;
	else
		p->last_changed = 0;
	p->reset_required = a->lastchg == 0;
	p->create_date = p->last_changed;
}

void iampw_profile_new(const struct iampw_acct *a, int64_t now,
		       struct iampw_profile *p)
{
	iampw_profile_clear(p);
	p->uid = (uint32_t)a->uid;
	snprintf(p->user, sizeof p->user, "%s", a->name);
	memcpy(p->account, a->fp, IAMPW_FP_SIZE);
	p->create_date = now;
	p->last_changed = now;
}

void iampw_profile_adopt(const struct iampw_acct *a, int64_t now,
			 struct iampw_profile *p)
{
	iampw_profile_new(a, now, p);
	dates_from_shadow(a, p);
	/* The profile is made now; the password keeps its own date. */
	p->create_date = now;
}

enum iampw_owner iampw_govern(const struct iampw_acct *a, bool have_profile,
			      int64_t now, struct iampw_profile *p)
{
	if (have_profile && p->uid == (uint32_t)a->uid &&
	    iampw_ct_equal(p->account, a->fp, IAMPW_FP_SIZE))
		return strcmp(p->user, a->name) == 0 ? IAMPW_OWNER_SELF :
						       IAMPW_OWNER_RENAMED;
	if (have_profile) {
		/*
		 * Somebody else's rules, dates and history: none of it applies.
		 * A password login must set a new password; nothing of the old
		 * history may answer for this account.
		 */
		iampw_profile_new(a, now, p);
		dates_from_shadow(a, p);
		p->reset_required = true;
		return IAMPW_OWNER_OTHER;
	}
	iampw_profile_clear(p);
	if (!a->usable)
		return IAMPW_OWNER_NONE;
	/* An IAM user with a console password and no login profile yet. */
	iampw_profile_new(a, now, p);
	dates_from_shadow(a, p);
	return IAMPW_OWNER_SHADOW;
}

const char *iampw_owner_name(enum iampw_owner o)
{
	switch (o) {
	case IAMPW_OWNER_NONE:
		return "none";
	case IAMPW_OWNER_SELF:
		return "own profile";
	case IAMPW_OWNER_RENAMED:
		return "own profile, renamed";
	case IAMPW_OWNER_SHADOW:
		return "no profile, usable password";
	case IAMPW_OWNER_OTHER:
		return "another account's profile";
	}
	return "?";
}

/* ---------------------------------------------------------------------- */
/* Names                                                                  */

bool iampw_user_name_valid(const char *name)
{
	size_t len;

	if (name == NULL)
		return false;
	len = strnlen(name, IAMPW_NAME_MAX + 1);
	return len > 0 && len <= IAMPW_NAME_MAX;
}

/* Bytes written as themselves in a profile: the rest is %XX. */
static bool plain_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
	       c == '@' || c == '$' || c == '+';
}

int iampw_name_encode(const char *name, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (!iampw_user_name_valid(name))
		return IAMPW_E_INVAL;
	for (const unsigned char *s = (const unsigned char *)name; *s != '\0'; s++) {
		if (o + 4 > n)
			return IAMPW_E_INVAL;
		if (plain_byte(*s)) {
			out[o++] = (char)*s;
		} else {
			out[o++] = '%';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 15];
		}
	}
	if (o >= n)
		return IAMPW_E_INVAL;
	out[o] = '\0';
	return IAMPW_OK;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int iampw_name_decode(const char *in, char out[IAMPW_NAME_MAX + 1])
{
	size_t o = 0;

	for (const char *s = in; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (o >= IAMPW_NAME_MAX)
			return IAMPW_E_PARSE;
		if (c == '%') {
			int hi = hex_value(s[1]), lo = hi < 0 ? -1 : hex_value(s[2]);

			if (lo < 0)
				return IAMPW_E_PARSE;
			c = (unsigned char)(hi << 4 | lo);
			/* One spelling per name: what encode writes, nothing else. */
			if (c == '\0' || plain_byte(c))
				return IAMPW_E_PARSE;
			s += 2;
		} else if (!plain_byte(c)) {
			return IAMPW_E_PARSE;
		}
		out[o++] = (char)c;
	}
	if (o == 0)
		return IAMPW_E_PARSE;
	out[o] = '\0';
	return IAMPW_OK;
}

const char *iampw_name_display(const char *name, char out[IAMPW_NAME_SHOWN])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (name == NULL) {
		strcpy(out, "(none)");
		return out;
	}
	for (const unsigned char *s = (const unsigned char *)name;
	     *s != '\0' && o + 5 < IAMPW_NAME_SHOWN; s++) {
		/* A control byte would forge or garble a log line. */
		if (*s < 0x20 || *s == 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 15];
		} else {
			out[o++] = (char)*s;
		}
	}
	out[o] = '\0';
	return out;
}
