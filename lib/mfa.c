/*
 * Virtual MFA devices (SPEC §10): the device files and RFC 6238 TOTP.
 *
 * Codes are computed by Debian's liboath (HMAC-SHA-1, 30 s, 6 digits);
 * this file only chooses which steps to try and compares in constant
 * time.  One file per device under <statedir>/mfa, named "d." + the
 * device name: IAM's names are [A-Za-z0-9_+=,.@-]{1,226}, which holds no
 * '/' and, behind the "d." prefix, can never be ".", ".." or one of our
 * dot-files (".lock", temp files).
 *
 *   [device]
 *   seed = JBSWY3DPEHPK3PXP...        (Base32, 32 characters)
 *   create_date = 1763805600
 *   uid = 1001                        (uid, user, enable_date, drift: only
 *   user = alice                       when assigned)
 *   enable_date = 1763809200
 *   last_step = 58793640              (replay protection; kept across a
 *                                      deactivation; 0 or absent = none)
 *   drift = 0                         (steps, from resync)
 *
 * The device is bound to the uid (§3.1: a uid, not a name, is the
 * account).  The shadow fingerprint that binds a profile changes with
 * every password change, so it cannot bind a device; instead a device
 * assigned to a uid is required from whichever account holds that uid,
 * so that a re-created account is asked for a code it cannot have
 * (fail closed) until the administrator deactivates the device, and
 * `iampw-admin check` lists devices whose uid has no account.
 *
 * Messages never quote the seed.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "internal.h"
#include "lazy.h"

#define MFA_DIR "mfa"
#define FILE_PREFIX "d."
#define LOCK_NAME ".lock"
#define MFA_SIZE_MAX 4096
#define FORMAT_SIZE 2048

bool iampw_mfa_name_valid(const char *name)
{
	size_t len;

	if (name == NULL)
		return false;
	len = strnlen(name, IAMPW_MFA_NAME_MAX + 1);
	if (len == 0 || len > IAMPW_MFA_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("_+=,.@-", c) != NULL))
			return false;
	}
	return true;
}

void iampw_mfa_clear(struct iampw_mfa_device *d)
{
	iampw_wipe(d, sizeof *d);
}

bool iampw_mfa_code_valid(const char *code)
{
	if (code == NULL)
		return false;
	for (int i = 0; i < IAMPW_MFA_DIGITS; i++) {
		if (code[i] < '0' || code[i] > '9')
			return false;
	}
	return code[IAMPW_MFA_DIGITS] == '\0';
}

/* ---------------------------------------------------------------------- */
/* The file format                                                        */

static bool mfa_known(const char *section, const char *key)
{
	static const char *const keys[] = {
		"seed", "create_date", "uid", "user", "enable_date", "last_step", "drift",
	};

	if (strcmp(section, "device") != 0)
		return false;
	if (key == NULL)
		return true;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (strcmp(key, keys[i]) == 0)
			return true;
	}
	return false;
}

static int decode_seed(const char *b32, uint8_t seed[IAMPW_MFA_SEED_BYTES],
		       struct iampw_err *e)
{
	const struct iampw_oath *o = iampw_oath(e);
	char *out = NULL;
	size_t outlen = 0;
	int rc = IAMPW_E_PARSE;

	/* Our writer's form only: 32 characters of the RFC 4648 alphabet. */
	if (strlen(b32) != IAMPW_MFA_SEED_B32 ||
	    strspn(b32, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != IAMPW_MFA_SEED_B32)
		return IAMPW_E_PARSE;
	if (o == NULL)
		return IAMPW_E_IO;
	if (o->base32_decode(b32, IAMPW_MFA_SEED_B32, &out, &outlen) == OATH_OK &&
	    outlen == IAMPW_MFA_SEED_BYTES) {
		memcpy(seed, out, IAMPW_MFA_SEED_BYTES);
		rc = IAMPW_OK;
	}
	if (out != NULL) {
		iampw_wipe(out, outlen);
		free(out);
	}
	return rc;
}

struct apply_ctx {
	struct iampw_mfa_device *d;
};

static int get_u64(const struct iampw_ini *ini, const char *key, uint64_t max,
		   bool required, uint64_t *out, struct iampw_err *e)
{
	if (iampw_ini_get(ini, "device", key, NULL) == NULL) {
		if (!required)
			return IAMPW_OK;
		return iampw_err_at(e, IAMPW_E_PARSE, iampw_ini_display(ini), 0, "[device] lacks '%s'", key);
	}
	return iampw_ini_get_u64(ini, "device", key, 0, max, out, e);
}

static void apply_assignment(const struct iampw_ini *ini, struct iampw_mfa_device *d,
			     struct iampw_err *e)
{
	const char *display = iampw_ini_display(ini);
	const char *user, *drift;
	uint64_t v = 0;
	unsigned line = 0;

	user = iampw_ini_get(ini, "device", "user", &line);
	if (user == NULL) {
		iampw_err_at(e, IAMPW_E_PARSE, display, 0, "[device] has a uid but no user");
	} else if (iampw_name_decode(user, d->user) != IAMPW_OK) {
		iampw_err_at(e, IAMPW_E_PARSE, display, line, "user: not a valid user name");
	}
	if (get_u64(ini, "enable_date", IAMPW_TIME_MAX, true, &v, e) == IAMPW_OK)
		d->enable_date = (int64_t)v;
	v = 0;
	if (get_u64(ini, "last_step", (uint64_t)IAMPW_TIME_MAX / IAMPW_MFA_STEP + IAMPW_MFA_DRIFT_MAX,
		    true, &v, e) == IAMPW_OK)
		d->last_step = v;
	drift = iampw_ini_get(ini, "device", "drift", &line);
	if (drift != NULL) {
		bool neg = drift[0] == '-';

		if (iampw_parse_u64(drift + neg, &v) != IAMPW_NUM_OK ||
		    v > IAMPW_MFA_DRIFT_MAX || (neg && v == 0))
			iampw_err_at(e, IAMPW_E_PARSE, display, line, "drift: not an integer within +-%d", IAMPW_MFA_DRIFT_MAX);
		else
			d->drift = neg ? -(int32_t)v : (int32_t)v;
	}
}

static int mfa_apply(const struct iampw_ini *ini, void *out, struct iampw_err *e)
{
	struct iampw_mfa_device *d = ((struct apply_ctx *)out)->d;
	const char *display = iampw_ini_display(ini);
	unsigned before = e->count, line = 0;
	const char *seed;
	uint64_t v = 0;
	int rc;

	if (!iampw_ini_has_section(ini, "device"))
		return iampw_err_at(e, IAMPW_E_PARSE, display, 0, "no [device] section");
	seed = iampw_ini_get(ini, "device", "seed", &line);
	if (seed == NULL)
		iampw_err_at(e, IAMPW_E_PARSE, display, 0, "[device] lacks 'seed'");
	else if ((rc = decode_seed(seed, d->seed, e)) == IAMPW_E_IO)
		;	/* liboath could not be loaded: said in e */
	else if (rc != IAMPW_OK)
		iampw_err_at(e, IAMPW_E_PARSE, display, line, "seed: not %d Base32 characters", IAMPW_MFA_SEED_B32);
	if (get_u64(ini, "create_date", IAMPW_TIME_MAX, true, &v, e) == IAMPW_OK)
		d->create_date = (int64_t)v;
	if (iampw_ini_get(ini, "device", "uid", NULL) != NULL) {
		v = 0;
		if (iampw_ini_get_u64(ini, "device", "uid", 1, IAMPW_UID_MAX, &v, e) == IAMPW_OK)
			d->uid = (uint32_t)v;
		d->assigned = true;
		apply_assignment(ini, d, e);
	} else {
		static const char *const only_assigned[] = { "user", "enable_date", "drift" };

		/* Kept across a deactivation: the codes used stay used. */
		v = 0;
		if (get_u64(ini, "last_step", (uint64_t)IAMPW_TIME_MAX / IAMPW_MFA_STEP +
			    IAMPW_MFA_DRIFT_MAX, false, &v, e) == IAMPW_OK)
			d->last_step = v;
		for (size_t i = 0; i < 3; i++) {
			if (iampw_ini_get(ini, "device", only_assigned[i], &line) != NULL)
				iampw_err_at(e, IAMPW_E_PARSE, display, line,
					      "%s: only an assigned device (with a uid) has one", only_assigned[i]);
		}
	}
	return e->count == before ? IAMPW_OK : IAMPW_E_PARSE;
}

int iampw_mfa_parse(const char *name, const char *display, const char *text,
		    size_t len, struct iampw_mfa_device *d, struct iampw_err *e)
{
	struct apply_ctx ac = { d };
	int rc;

	iampw_mfa_clear(d);
	if (!iampw_mfa_name_valid(name))
		return iampw_err_at(e, IAMPW_E_INVAL, display, 0, "not a valid device name");
	rc = iampw_ini_parse_with(display, text, len, false, mfa_known, mfa_apply, &ac, e);
	if (rc != IAMPW_OK) {
		iampw_mfa_clear(d);
		return rc;
	}
	strcpy(d->name, name);
	return IAMPW_OK;
}

static int parse_fd(int fd, const char *name, const char *display,
		    struct iampw_mfa_device *d, struct iampw_err *e)
{
	struct apply_ctx ac = { d };
	int rc;

	iampw_mfa_clear(d);
	rc = iampw_ini_load_fd_with(fd, display, MFA_SIZE_MAX, false, mfa_known,
				    mfa_apply, &ac, e);
	if (rc != IAMPW_OK) {
		iampw_mfa_clear(d);
		return rc;
	}
	strcpy(d->name, name);
	return IAMPW_OK;
}

int iampw_mfa_seed_base32(const struct iampw_mfa_device *d,
			  char out[IAMPW_MFA_SEED_B32 + 1])
{
	const struct iampw_oath *o = iampw_oath(NULL);
	char *b32 = NULL;
	size_t len = 0;
	int rc = IAMPW_E_NOMEM;

	if (o == NULL)
		return IAMPW_E_IO;
	if (o->base32_encode((const char *)d->seed, IAMPW_MFA_SEED_BYTES, &b32, &len) == OATH_OK &&
	    len == IAMPW_MFA_SEED_B32) {
		memcpy(out, b32, IAMPW_MFA_SEED_B32);
		out[IAMPW_MFA_SEED_B32] = '\0';
		rc = IAMPW_OK;
	}
	if (b32 != NULL) {
		iampw_wipe(b32, len);
		free(b32);
	}
	return rc;
}

int iampw_mfa_format(const struct iampw_mfa_device *d, char *buf, size_t n)
{
	char seed[IAMPW_MFA_SEED_B32 + 1], user[IAMPW_NAME_ENCODED_MAX + 1];
	struct iampw_buf b;

	if (!iampw_mfa_name_valid(d->name) || iampw_mfa_seed_base32(d, seed) != IAMPW_OK)
		return IAMPW_E_INVAL;
	if (d->assigned && (d->uid == 0 || d->uid > IAMPW_UID_MAX ||
			    iampw_name_encode(d->user, user, sizeof user) != IAMPW_OK ||
			    d->drift > IAMPW_MFA_DRIFT_MAX || d->drift < -IAMPW_MFA_DRIFT_MAX)) {
		iampw_wipe(seed, sizeof seed);
		return IAMPW_E_INVAL;
	}
	iampw_buf_init_fixed(&b, buf, n);
	iampw_buf_printf(&b,
		    "; pam_iampw virtual MFA device, written by pam_iampw and iampw-admin.\n"
		    "; Do not edit: use iampw-admin.\n"
		    "[device]\n"
		    "seed = %s\n"
		    "create_date = %" PRId64 "\n", seed, d->create_date);
	iampw_wipe(seed, sizeof seed);
	if (d->assigned)
		iampw_buf_printf(&b,
			    "uid = %" PRIu32 "\n"
			    "user = %s\n"
			    "enable_date = %" PRId64 "\n"
			    "last_step = %" PRIu64 "\n"
			    "drift = %" PRId32 "\n",
			    d->uid, user, d->enable_date, d->last_step, d->drift);
	else if (d->last_step > 0)
		iampw_buf_printf(&b, "last_step = %" PRIu64 "\n", d->last_step);
	if (b.failed || b.len > INT_MAX) {
		iampw_wipe(buf, n);
		return IAMPW_E_INVAL;
	}
	return (int)b.len;
}

int iampw_mfa_new(const char *name, int64_t now, struct iampw_mfa_device *d,
		  struct iampw_err *e)
{
	int rc;

	iampw_mfa_clear(d);
	if (!iampw_mfa_name_valid(name))
		return iampw_err_add(e, IAMPW_E_INVAL, "not a valid device name");
	rc = iampw_random(d->seed, sizeof d->seed, e);
	if (rc != IAMPW_OK) {
		iampw_mfa_clear(d);
		return rc;
	}
	strcpy(d->name, name);
	d->create_date = now;
	return IAMPW_OK;
}

/* ---------------------------------------------------------------------- */
/* Codes                                                                  */

int iampw_mfa_code(const struct iampw_mfa_device *d, uint64_t step,
		   char out[IAMPW_MFA_DIGITS + 1], struct iampw_err *e)
{
	const struct iampw_oath *o = iampw_oath(e);
	int rc;

	if (step > (uint64_t)IAMPW_TIME_MAX / IAMPW_MFA_STEP + IAMPW_MFA_DRIFT_MAX)
		return iampw_err_add(e, IAMPW_E_INVAL, "time step out of range");
	if (o == NULL)
		return IAMPW_E_IO;
	rc = o->totp_generate((const char *)d->seed, IAMPW_MFA_SEED_BYTES,
				(time_t)(step * IAMPW_MFA_STEP), IAMPW_MFA_STEP, 0,
				IAMPW_MFA_DIGITS, out);
	if (rc != OATH_OK) {
		iampw_wipe(out, IAMPW_MFA_DIGITS + 1);
		return iampw_err_add(e, IAMPW_E_CRYPT, "liboath: %s", o->strerror(rc));
	}
	return IAMPW_OK;
}

/* The time step of `now` shifted by `drift`; false before the epoch. */
static bool step_of(int64_t now, int32_t drift, int64_t *step)
{
	if (now < 0 || now > IAMPW_TIME_MAX)
		return false;
	*step = now / IAMPW_MFA_STEP + drift;
	return *step > 0;
}

/* Does step s give `code`?  *match set in constant time. */
static int code_at(const struct iampw_mfa_device *d, int64_t s, const char *code,
		   bool *match, struct iampw_err *e)
{
	char c[IAMPW_MFA_DIGITS + 1];
	int rc;

	*match = false;
	if (s <= 0)
		return IAMPW_OK;
	rc = iampw_mfa_code(d, (uint64_t)s, c, e);
	if (rc == IAMPW_OK)
		*match = iampw_ct_equal(c, code, IAMPW_MFA_DIGITS);
	iampw_wipe(c, sizeof c);
	return rc;
}

int iampw_mfa_verify(struct iampw_mfa_device *d, const char *code, int64_t now,
		     enum iampw_mfa_verdict *v, struct iampw_err *e)
{
	int64_t base, hit = 0;
	int rc;

	*v = IAMPW_MFA_REJECT;
	if (!iampw_mfa_code_valid(code) || !step_of(now, d->drift, &base))
		return IAMPW_OK;
	/* Every step of the window is computed: the time taken tells nothing. */
	for (int64_t s = base - IAMPW_MFA_WINDOW; s <= base + IAMPW_MFA_WINDOW; s++) {
		bool match;

		rc = code_at(d, s, code, &match, e);
		if (rc != IAMPW_OK)
			return rc;
		if (match && hit == 0)
			hit = s;
	}
	if (hit == 0)
		return IAMPW_OK;
	if ((uint64_t)hit <= d->last_step) {
		*v = IAMPW_MFA_REPLAY;
		return IAMPW_OK;
	}
	d->last_step = (uint64_t)hit;
	*v = IAMPW_MFA_ACCEPT;
	return IAMPW_OK;
}

int iampw_mfa_verify_pair(struct iampw_mfa_device *d, const char *c1,
			  const char *c2, int64_t now, unsigned window,
			  enum iampw_mfa_verdict *v, struct iampw_err *e)
{
	int64_t base, hit = 0;
	bool replay = false;
	int rc;

	*v = IAMPW_MFA_REJECT;
	if (!iampw_mfa_code_valid(c1) || !iampw_mfa_code_valid(c2) ||
	    window > IAMPW_MFA_DRIFT_MAX || !step_of(now, 0, &base))
		return IAMPW_OK;
	/* s + 1 is the second code's step: it lies within `window` of now. */
	for (int64_t s2 = base - (int64_t)window; s2 <= base + (int64_t)window; s2++) {
		bool m1, m2;

		rc = code_at(d, s2, c2, &m2, e);
		if (rc == IAMPW_OK)
			rc = code_at(d, s2 - 1, c1, &m1, e);
		if (rc != IAMPW_OK)
			return rc;
		if (!(m1 && m2))
			continue;
		if ((uint64_t)s2 <= d->last_step) {
			replay = true;
			continue;
		}
		if (hit == 0)
			hit = s2;
	}
	if (hit == 0) {
		*v = replay ? IAMPW_MFA_REPLAY : IAMPW_MFA_REJECT;
		return IAMPW_OK;
	}
	d->last_step = (uint64_t)hit;
	d->drift = (int32_t)(hit - base);
	*v = IAMPW_MFA_ACCEPT;
	return IAMPW_OK;
}

/* Percent-encode all but RFC 3986's unreserved characters (and '@'). */
static void put_encoded(struct iampw_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		const char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~@", c) != NULL)
			iampw_buf_add(b, s, 1);
		else
			iampw_buf_add(b, esc, sizeof esc);
	}
}

int iampw_mfa_uri(const struct iampw_mfa_device *d, const char *host, char *out,
		  size_t n)
{
	char seed[IAMPW_MFA_SEED_B32 + 1];
	struct iampw_buf b;

	if (n < 64 || iampw_mfa_seed_base32(d, seed) != IAMPW_OK)
		return IAMPW_E_INVAL;
	iampw_buf_init_fixed(&b, out, n);
	iampw_buf_str(&b, "otpauth://totp/pam_iampw:");
	put_encoded(&b, d->name);
	put_encoded(&b, "@");
	put_encoded(&b, host);
	iampw_buf_printf(&b, "?secret=%s&issuer=pam_iampw&algorithm=SHA1&digits=%d&period=%d",
			 seed, IAMPW_MFA_DIGITS, IAMPW_MFA_STEP);
	iampw_wipe(seed, sizeof seed);
	if (b.failed) {
		iampw_wipe(out, n);
		return IAMPW_E_INVAL;
	}
	return IAMPW_OK;
}

/* ---------------------------------------------------------------------- */
/* The store                                                              */

/* As iampw_store_open: the store is its directory. */
int iampw_mfa_open(struct iampw_mfa_store **s, const char *statedir, bool create,
		   uid_t owner, gid_t group, struct iampw_err *e)
{
	struct iampw_statedir *d;
	int rc = iampw_statedir_new(statedir, MFA_DIR, create, owner, group, &d, e);

	*s = (struct iampw_mfa_store *)d;
	return rc;
}

void iampw_mfa_close(struct iampw_mfa_store *s)
{
	iampw_statedir_free(s != NULL ? &s->d : NULL);
}

const char *iampw_mfa_store_path(const struct iampw_mfa_store *s)
{
	return s != NULL ? s->d.path : "";
}

/* Is its directory there (false for NULL)? */
static bool present(const struct iampw_mfa_store *s)
{
	return s != NULL && s->d.dirfd >= 0;
}

int iampw_mfa_lock(const struct iampw_mfa_store *s, unsigned timeout_ms,
		   int *lockfd, struct iampw_err *e)
{
	char display[sizeof s->d.path + 16];

	*lockfd = -1;
	if (!present(s))
		return iampw_err_at(e, IAMPW_E_INVAL, iampw_mfa_store_path(s), 0, "MFA store not open for writing");
	snprintf(display, sizeof display, "%s/" LOCK_NAME, s->d.path);
	return iampw_lock_at(s->d.dirfd, LOCK_NAME, display, s->d.uid, s->d.gid,
			     timeout_ms, lockfd, e);
}

/* "d.NAME" and "<store>/d.NAME"; false for an invalid name. */
static bool file_of(const struct iampw_mfa_store *s, const char *name,
		    char file[sizeof FILE_PREFIX + IAMPW_MFA_NAME_MAX],
		    char display[sizeof s->d.path + sizeof FILE_PREFIX + IAMPW_MFA_NAME_MAX + 1])
{
	if (!iampw_mfa_name_valid(name))
		return false;
	snprintf(file, sizeof FILE_PREFIX + IAMPW_MFA_NAME_MAX, FILE_PREFIX "%s", name);
	snprintf(display, sizeof s->d.path + sizeof FILE_PREFIX + IAMPW_MFA_NAME_MAX + 1,
		 "%s/%s", iampw_mfa_store_path(s), file);
	return true;
}

#define FILE_SIZE (sizeof FILE_PREFIX + IAMPW_MFA_NAME_MAX)
#define DISPLAY_SIZE (sizeof ((struct iampw_statedir *)0)->path + FILE_SIZE + 1)

int iampw_mfa_load(const struct iampw_mfa_store *s, const char *name,
		   struct iampw_mfa_device *d, struct iampw_err *e)
{
	char file[FILE_SIZE], display[DISPLAY_SIZE];
	int fd, rc;

	iampw_mfa_clear(d);
	if (!file_of(s, name, file, display))
		return iampw_err_add(e, IAMPW_E_INVAL, "not a valid device name");
	if (!present(s))
		return IAMPW_E_NOENT;
	rc = iampw_open_safe(s->d.dirfd, file, display, s->d.uid, MFA_SIZE_MAX, &fd, e);
	if (rc != IAMPW_OK)
		return rc;
	/* It holds a seed: readable by its owner alone. */
	rc = iampw_check_private(fd, display, e);
	if (rc == IAMPW_OK)
		rc = parse_fd(fd, name, display, d, e);
	close(fd);
	return rc;
}

int iampw_mfa_save(const struct iampw_mfa_store *s,
		   const struct iampw_mfa_device *d, struct iampw_err *e)
{
	char file[FILE_SIZE], display[DISPLAY_SIZE], buf[FORMAT_SIZE];
	int n, rc;

	if (!file_of(s, d->name, file, display))
		return iampw_err_add(e, IAMPW_E_INVAL, "not a valid device name");
	if (!present(s))
		return iampw_err_at(e, IAMPW_E_INVAL, iampw_mfa_store_path(s), 0, "MFA store not open for writing");
	n = iampw_mfa_format(d, buf, sizeof buf);
	if (n < 0)
		return iampw_err_at(e, n, display, 0, "cannot format the device");
	rc = iampw_replace_file_at(s->d.dirfd, s->d.path, file, buf, (size_t)n, s->d.uid,
				   s->d.gid, 0600, e);
	iampw_wipe(buf, sizeof buf);
	return rc;
}

int iampw_mfa_remove(const struct iampw_mfa_store *s, const char *name,
		     struct iampw_err *e)
{
	char file[FILE_SIZE], display[DISPLAY_SIZE];

	if (!file_of(s, name, file, display))
		return iampw_err_add(e, IAMPW_E_INVAL, "not a valid device name");
	if (!present(s))
		return IAMPW_E_NOENT;
	if (unlinkat(s->d.dirfd, file, 0) != 0) {
		if (errno == ENOENT)
			return IAMPW_E_NOENT;
		return iampw_err_at(e, IAMPW_E_IO, display, 0, "cannot remove: %s",
				     iampw_errstr(errno));
	}
	if (fsync(s->d.dirfd) != 0)
		return iampw_err_at(e, IAMPW_E_IO, s->d.path, 0, "fsync: %s",
				     iampw_errstr(errno));
	return IAMPW_OK;
}

void iampw_mfa_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int iampw_mfa_names(const struct iampw_mfa_store *s, char ***names, size_t *n,
		    struct iampw_err *e)
{
	char **v = NULL;
	size_t cap = 0, count = 0;
	struct dirent *de;
	int fd, rc = IAMPW_OK;
	DIR *dir;

	*names = NULL;
	*n = 0;
	if (!present(s))
		return IAMPW_OK;
	/* readdir needs its own fd: the store's keeps its position. */
	fd = openat(s->d.dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return iampw_err_at(e, IAMPW_E_IO, s->d.path, 0, "cannot read: %s",
				     iampw_errstr(errno));
	}
	while ((errno = 0, de = readdir(dir)) != NULL) {
		const char *nm = de->d_name;

		/* Our lock and temp files, "." and "..". */
		if (nm[0] == '.')
			continue;
		if (strncmp(nm, FILE_PREFIX, strlen(FILE_PREFIX)) != 0 ||
		    !iampw_mfa_name_valid(nm + strlen(FILE_PREFIX))) {
			rc = iampw_err_at(e, IAMPW_E_UNSAFE, s->d.path, 0,
					   "an entry that is not a device file");
			continue;
		}
		if (count == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			char **nv = reallocarray(v, ncap, sizeof *nv);

			if (nv == NULL) {
				rc = iampw_err_add(e, IAMPW_E_NOMEM, "out of memory");
				break;
			}
			v = nv;
			cap = ncap;
		}
		v[count] = strdup(nm + strlen(FILE_PREFIX));
		if (v[count] == NULL) {
			rc = iampw_err_add(e, IAMPW_E_NOMEM, "out of memory");
			break;
		}
		count++;
	}
	if (rc == IAMPW_OK && errno != 0)
		rc = iampw_err_at(e, IAMPW_E_IO, s->d.path, 0, "readdir: %s",
				   iampw_errstr(errno));
	closedir(dir);
	if (rc != IAMPW_OK) {
		iampw_mfa_names_free(v, count);
		return rc;
	}
	if (count > 0)
		qsort(v, count, sizeof *v, cmp_names);
	*names = v;
	*n = count;
	return IAMPW_OK;
}

int iampw_mfa_find_uid(const struct iampw_mfa_store *s, uid_t uid,
		       struct iampw_mfa_device *d, bool *found, struct iampw_err *e)
{
	struct iampw_mfa_device *cur;
	char **names;
	size_t n;
	int rc;

	*found = false;
	iampw_mfa_clear(d);
	rc = iampw_mfa_names(s, &names, &n, e);
	if (rc != IAMPW_OK)
		return rc;
	cur = malloc(sizeof *cur);
	if (cur == NULL) {
		iampw_mfa_names_free(names, n);
		return iampw_err_add(e, IAMPW_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n && rc == IAMPW_OK; i++) {
		rc = iampw_mfa_load(s, names[i], cur, e);
		/* Removed since the listing: it is nobody's now. */
		if (rc == IAMPW_E_NOENT) {
			rc = IAMPW_OK;
			continue;
		}
		if (rc != IAMPW_OK || !cur->assigned || cur->uid != (uint32_t)uid)
			continue;
		if (*found) {
			rc = iampw_err_at(e, IAMPW_E_PARSE, s->d.path, 0,
					   "devices %s and %s are both assigned to uid %lu", d->name, cur->name, (unsigned long)uid);
			break;
		}
		*d = *cur;
		*found = true;
	}
	iampw_mfa_clear(cur);
	free(cur);
	iampw_mfa_names_free(names, n);
	if (rc != IAMPW_OK) {
		iampw_mfa_clear(d);
		*found = false;
	}
	return rc;
}
