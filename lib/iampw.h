/*
 * libiampw: the PAM-free core of pam_iampw and iampw-admin.
 *
 * Every decision and every file format lives here; the PAM module and the
 * admin tool are thin front ends.  Nothing in this library includes a
 * <security/...> header, reads the clock, or asks who the user is: time,
 * paths and identity are passed in, so each rule can be tested at any
 * instant without a real user.
 *
 * Conventions:
 *  - functions return IAMPW_OK (0) or a negative IAMPW_E_* code, and on
 *    failure report each problem -- code, file, line, text -- to a struct
 *    iampw_err, whose front end hands them to syslog or stderr
 *    (iampw_err_each);
 *  - a problem's text never holds a password, a hash, a salt or a seed.
 *  - every buffer that held a password or a hash is wiped with
 *    iampw_wipe() before it is released, on every path.
 */
#ifndef IAMPW_H
#define IAMPW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <crypt.h>

/* ---------------------------------------------------------------------- */
/* Errors                                                                  */

enum {
	IAMPW_OK = 0,
	IAMPW_E_NOMEM = -1,   /* allocation failed */
	IAMPW_E_IO = -2,      /* a system call failed (errno in the text) */
	IAMPW_E_NOENT = -3,   /* the file or profile does not exist */
	IAMPW_E_UNSAFE = -4,  /* symlink, not regular, bad owner or mode, too big */
	IAMPW_E_PARSE = -5,   /* the content is malformed or out of range */
	IAMPW_E_INVAL = -6,   /* a bad argument (e.g. an invalid user name) */
	IAMPW_E_BUSY = -7,    /* the per-user lock was not obtained in time */
	IAMPW_E_CRYPT = -8,   /* libxcrypt failed or a stored hash is malformed */
};

#define IAMPW_ERR_TEXT 4096

/*
 * Why pam_iampw refused a password change, for an application that asked
 * by putting IAMPW_RESULT, empty, into the PAM environment before
 * pam_chauthtok (iampw-admin does; see pam_iampw(8)).  A code, never the
 * words shown to the user: they may change or be translated.  The module
 * never adds the variable to an environment that lacks it.
 */
#define IAMPW_RESULT_VAR "IAMPW_RESULT"
#define IAMPW_RESULT_POLICY "policy"   /* the account password policy or screening */
#define IAMPW_RESULT_REUSED "reused"   /* PasswordReusePrevention */
#define IAMPW_RESULT_CONFIG "config"   /* a file, the module's line or the store */

/*
 * An error collector.  Loaders report every problem they find, through
 * iampw_err_at (or iampw_err_add when no file is involved); `code` keeps
 * the first error code, `count` the number of problems.
 *
 * Each problem is kept twice: as a record (code, file, line, text) that
 * iampw_err_each hands to a front end's callback -- pam_iampw sends them
 * to syslog, iampw-admin to stderr -- and as one line of `text`, "file:line:
 * what" (line omitted when the problem is the file itself), for a front end
 * that puts the whole report inside one message (an AWS-style error, an
 * administrator's screen).  The callback runs when the front end asks, not
 * as the problem is found: the front end decides afterwards whether a
 * report is logged, and at which priority.
 *
 * Both are bounded: past IAMPW_ERR_PROBLEMS problems or IAMPW_ERR_TEXT
 * bytes the report is cut, and its last line says so.
 */
#define IAMPW_ERR_PROBLEMS 128

struct iampw_problem {
	int code;            /* IAMPW_E_* */
	const char *file;    /* NULL when the problem is not about a file */
	unsigned line;       /* 0 when it is about the whole file */
	const char *text;    /* what is wrong, without the file and line */
	const char *message; /* the line as `text` holds it */
};

struct iampw_err {
	int code;
	unsigned count;
	size_t len;
	unsigned kept;       /* records in rec[] */
	bool cut;            /* the report was cut; the marker line is in text */
	struct iampw_err_rec {
		unsigned line;
		short code;
		unsigned short at, end, file_end, text_at; /* offsets into text */
	} rec[IAMPW_ERR_PROBLEMS];
	char text[IAMPW_ERR_TEXT];
};

void iampw_err_init(struct iampw_err *e);
/*
 * Report a problem with `file` (NULL for none) at `line` (0 for the whole
 * file): printf format, no trailing newline.  Returns `code`.
 */
int iampw_err_at(struct iampw_err *e, int code, const char *file, unsigned line,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A problem that concerns no file. */
#define iampw_err_add(e, code, ...) iampw_err_at((e), (code), NULL, 0, __VA_ARGS__)
/*
 * Call fn once per problem kept, in the order reported, then once more
 * with the marker line when the report was cut.  The pointers in the
 * problem are valid during the call only.
 */
typedef void iampw_err_fn(void *arg, const struct iampw_problem *p);
void iampw_err_each(const struct iampw_err *e, iampw_err_fn *fn, void *arg);
/*
 * snprintf for text that may be cut to fit (messages, report fields):
 * `buf` (n > 0) is always NUL-terminated.
 */
void iampw_fmt(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A short English name of an IAMPW_E_* code, for logs. */
const char *iampw_strerror(int code);

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */

/*
 * The text of an errno value, for every message of the core and the
 * front ends.  strerror() is not thread-safe, and the module runs inside
 * threaded hosts: GNU strerror_r (<string.h> with _GNU_SOURCE) with a
 * per-call buffer, which lives until the end of the enclosing block.
 */
#define iampw_errstr(err) strerror_r((err), (char[128]){ 0 }, 128)
/* Wipe a secret; never optimised away. */
void iampw_wipe(void *p, size_t n);
/* Wipe a NUL-terminated secret (its whole length) and free it. NULL is ok. */
void iampw_wipe_free(char *s);
/* Constant-time comparison of two n-byte buffers: true when equal. */
bool iampw_ct_equal(const void *a, const void *b, size_t n);

/*
 * The one string builder.  Zeroed ({ 0 }) it is growable: it grows by
 * malloc, copy and wipe rather than realloc, which could leave a copy of
 * a secret in freed memory, and a failed allocation is sticky (`failed`;
 * every later append is a no-op).  Over the caller's memory
 * (iampw_buf_init_fixed) it never grows: what does not fit is cut and
 * sets `failed`.  `p` is NUL-terminated whenever cap > 0.
 */
struct iampw_buf {
	char *p;
	size_t len;
	size_t cap;
	bool fixed;      /* p is the caller's: never grown or freed */
	bool failed;     /* an allocation failed or text was cut */
};
void iampw_buf_init_fixed(struct iampw_buf *b, char *p, size_t size);
/* Room for `more` bytes and a NUL (growable only). */
void iampw_buf_reserve(struct iampw_buf *b, size_t more);
void iampw_buf_add(struct iampw_buf *b, const void *s, size_t n);
void iampw_buf_str(struct iampw_buf *b, const char *s);
void iampw_buf_fill(struct iampw_buf *b, char ch, size_t n);
/* Append printf output; fixed: all of it or nothing (then `failed`). */
void iampw_buf_printf(struct iampw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Wipe the whole capacity and free it (a growable one), leaving it zeroed. */
void iampw_buf_free(struct iampw_buf *b);

/* The largest buffer a getpwnam_r-style NSS lookup grows to: no real entry comes near it. */
#define IAMPW_NSS_BUF_MAX (1u << 20)
/*
 * After an NSS lookup's ERANGE: replace the malloc'd *buf (*size bytes)
 * with one twice as large, wiping the old one first (a shadow entry holds
 * a hash; so not realloc).  0, ERANGE at IAMPW_NSS_BUF_MAX, or ENOMEM;
 * on failure *buf is left as it was.
 */
int iampw_nss_grow(char **buf, size_t *size);

enum iampw_num {
	IAMPW_NUM_OK = 0,
	IAMPW_NUM_SYNTAX,    /* empty, junk, leading zero, '+', hex, spaces */
	IAMPW_NUM_NEGATIVE,  /* '-' followed by plain digits */
	IAMPW_NUM_OVERFLOW,  /* more than fits in 64 bits */
};
/*
 * Strict base-10: "0" or [1-9][0-9]*, nothing else.  On IAMPW_NUM_OK the
 * value is in *out; a range check is the caller's.
 */
enum iampw_num iampw_parse_u64(const char *s, uint64_t *out);

/* Saturating 64-bit arithmetic for dates. */
int64_t iampw_sat_sub(int64_t a, int64_t b);
int64_t iampw_sat_add(int64_t a, int64_t b);

/*
 * Format `t` (seconds since the epoch) as "2026-11-22T10:00:00+00:00", the
 * form the AWS CLI v2 prints and IAM's credential report uses (26 bytes
 * incl. NUL).
 */
#define IAMPW_ISO8601_SIZE 32
int iampw_iso8601(int64_t t, char out[IAMPW_ISO8601_SIZE]);

/* ---------------------------------------------------------------------- */
/* Host settings: iampw.conf                                               */

enum iampw_hash {
	IAMPW_HASH_YESCRYPT,
	IAMPW_HASH_SHA512CRYPT,
	IAMPW_HASH_DEFAULT,  /* whatever libxcrypt's default prefix is */
};

#define IAMPW_GROUP_MAX 64
/* [screening] blocklist: an absolute path shorter than this. */
#define IAMPW_BLOCKLIST_PATH_MAX 1024

/* Ceilings for stored history costs (§5.4) and for the `cost` key. */
#define IAMPW_YESCRYPT_COST_MAX 11UL
#define IAMPW_SHA512_ROUNDS_MIN 1000UL
#define IAMPW_SHA512_ROUNDS_MAX 1000000UL

struct iampw_config {
	uint32_t min_uid;            /* [scope] min_uid, default 1000 */
	uint32_t max_uid;            /* [scope] max_uid, default 60000 */
	char group[IAMPW_GROUP_MAX]; /* [scope] group, "" = everybody */
	unsigned warn_days;          /* [account] warn_days, 0..365, default 15 */
	enum iampw_hash hash;        /* [history] hash, default yescrypt */
	unsigned long cost;          /* [history] cost, 0 = method default */
	/* [screening] blocklist: a pwqfilter filter, "" = no screening (§9.1) */
	char blocklist[IAMPW_BLOCKLIST_PATH_MAX];
	bool screen_at_login;        /* [screening] at_login, default no (§9.2) */
	bool screen_context;         /* [screening] context, default no (§9.1) */
};

void iampw_config_defaults(struct iampw_config *c);

/*
 * Load iampw.conf at `path` strictly (§3).  A missing file gives the
 * defaults and IAMPW_OK (the host has not been configured yet); any
 * other problem is an error and *c is left at the defaults, which the
 * caller must not use (fail closed).  Files must be regular, owned by
 * root or by `owner`, and not writable by group or other.
 */
int iampw_config_load(const char *path, uid_t owner, struct iampw_config *c,
		      struct iampw_err *e);
/* The same for text in memory; `name` is used in messages. */
int iampw_config_parse(const char *name, const char *text, size_t len,
		       struct iampw_config *c, struct iampw_err *e);

/*
 * Is an account in scope (§3)?  Never root; uid within min_uid..max_uid;
 * and, when c->group is set, a member of that group (as its primary group
 * or listed in it).  A configured group that does not exist is an error
 * (IAMPW_E_PARSE), never "everybody" or "nobody".
 */
int iampw_in_scope(const struct iampw_config *c, const char *user, uid_t uid,
		   gid_t gid, bool *in, struct iampw_err *e);

/* ---------------------------------------------------------------------- */
/* The account password policy: policy.conf                                */

#define IAMPW_MIN_LENGTH_MIN 6
#define IAMPW_MIN_LENGTH_MAX 128
#define IAMPW_MAX_AGE_MAX 1095
#define IAMPW_REUSE_MAX 24
#define IAMPW_PASSWORD_CHARS_MAX 128   /* every password, §4.3 */
/*
 * Checked before anything else: libxcrypt hashes at most
 * CRYPT_MAX_PASSPHRASE_SIZE - 1 = 511 bytes, so neither our history nor
 * pam_unix could store a longer password.
 */
#define IAMPW_PASSWORD_BYTES_MAX 511

struct iampw_policy {
	bool custom;              /* false: no custom policy, IAM's default applies */
	unsigned min_length;      /* custom: 6..128; default policy: 8 */
	bool require_symbols;
	bool require_numbers;
	bool require_uppercase;
	bool require_lowercase;
	unsigned min_classes;     /* default policy: 3 (of 4); custom: 0 */
	bool allow_users_to_change;
	unsigned max_age;         /* days, 0 = never expires */
	unsigned reuse_prevention;/* 0 = no reuse check, else 1..24 */
	bool hard_expiry;
};

/*
 * One row per policy field: every front end's spelling of it, its type,
 * where it lives and its range (libpwquality's s_map[], passwdqc's one
 * parse_option()).  policy.conf, IAM's validation, the JSON in and out of
 * iampw-admin, its command-line flags, --help and the bash completion are
 * all driven from iampw_policy_fields[]: a new field is a member of the
 * structs below and one row there.
 */
enum iampw_field_type {
	IAMPW_FIELD_UINT,         /* unsigned in the policy, int64_t in a request */
	IAMPW_FIELD_BOOL,         /* bool in both; --x / --no-x on the command line */
};

struct iampw_policy_field {
	const char *key;          /* policy.conf: "max_password_age" */
	const char *name;         /* IAM's JSON name: "MaxPasswordAge" */
	const char *flag;         /* iampw-admin: "--max-password-age" */
	const char *no_flag;      /* booleans: "--no-hard-expiry"; integers: NULL */
	const char *arg;          /* integers: the value's name in --help ("DAYS") */
	const char *audit;        /* iampw-admin's audit line: "max age" */
	enum iampw_field_type type;
	size_t offset;            /* into struct iampw_policy */
	size_t req_offset;        /* into struct iampw_policy_request: the value */
	size_t req_has, req_text; /* integers: the request's has_ flag and text */
	int64_t min, max;         /* integers: IAM's range for a given value */
	bool optional;            /* 0 is "not set": not written, absent from JSON */
	unsigned iam_default;     /* in IAM's default policy (§4.2) */
	unsigned omitted;         /* in a custom policy that leaves it out (§4.1) */
};

/* At most this many rows (front ends keep a bit a field). */
#define IAMPW_POLICY_FIELDS_MAX 32
extern const struct iampw_policy_field iampw_policy_fields[];
extern const size_t iampw_policy_nfields;

/* The row whose IAM name is `name`, or NULL. */
const struct iampw_policy_field *iampw_policy_field_named(const char *name);
/* A field's value in a policy (a bool as 0 or 1), and setting it. */
unsigned iampw_policy_get(const struct iampw_policy *p, const struct iampw_policy_field *f);
void iampw_policy_set(struct iampw_policy *p, const struct iampw_policy_field *f, unsigned v);

/* IAM's default policy (§4.2): custom = false. */
void iampw_policy_default(struct iampw_policy *p);
/* The values an update starts from before its flags apply (§4.1 "when omitted"). */
void iampw_policy_custom_defaults(struct iampw_policy *p);

/*
 * A full-replace request (update-account-password-policy): the integers
 * are as given, possibly out of range (int64 lets a CLI pass -1), and are
 * checked with IAM's ValidationError wording ("1 validation error
 * detected: Value '1096' at 'maxPasswordAge' failed to satisfy
 * constraint: Member must have value less than or equal to 1095").  An
 * integer beyond 64 bits is passed saturated (INT64_MIN or INT64_MAX)
 * with its decimal text in the *_text field, which the message quotes;
 * the *_text fields are NULL otherwise.
 */
struct iampw_policy_request {
	bool has_min_length;     int64_t min_length;
	bool has_max_age;        int64_t max_age;
	bool has_reuse;          int64_t reuse_prevention;
	const char *min_length_text, *max_age_text, *reuse_text;
	bool require_symbols, require_numbers, require_uppercase, require_lowercase;
	bool allow_users_to_change, hard_expiry;
};
/*
 * Set field f in a request: an integer's value as given (with its decimal
 * text when beyond 64 bits, else NULL), a boolean's as 0 or not.  An
 * unset boolean is false: the request is a full replace.  Get it: false
 * for an integer not given; a boolean is always given (as 0 or 1).
 */
void iampw_policy_request_set(struct iampw_policy_request *r,
			      const struct iampw_policy_field *f, int64_t v, const char *text);
bool iampw_policy_request_get(const struct iampw_policy_request *r,
			      const struct iampw_policy_field *f, int64_t *v, const char **text);
/* Build a custom policy from a full-replace request; IAMPW_E_INVAL with IAM's text. */
int iampw_policy_from_request(const struct iampw_policy_request *r,
			      struct iampw_policy *p, struct iampw_err *e);

/*
 * Load policy.conf.  No file, or a file without a [policy] section, is
 * "no custom policy": *p becomes IAM's default and IAMPW_OK is returned.
 */
int iampw_policy_load(const char *path, uid_t owner, struct iampw_policy *p,
		      struct iampw_err *e);
/* The same for text in memory; `name` is used in messages. */
int iampw_policy_parse(const char *name, const char *text, size_t len,
		       struct iampw_policy *p, struct iampw_err *e);

/*
 * Serialise a custom policy as policy.conf text (header comment saying it
 * is managed by iampw-admin, then [policy]).  Returns the length written,
 * or a negative code if `n` is too small.
 */
int iampw_policy_format(const struct iampw_policy *p, char *buf, size_t n);

/*
 * Write a custom policy to `path` atomically (root:root 0644, our own
 * format), creating the directory (0755) when missing; the directory
 * must be root's and not group/other-writable.  Remove it: IAMPW_E_NOENT
 * when there was none.
 */
int iampw_policy_save(const char *path, const struct iampw_policy *p,
		      struct iampw_err *e);
int iampw_policy_remove(const char *path, struct iampw_err *e);

/* ---------------------------------------------------------------------- */
/* Password rules (§4.1-4.3)                                              */

/* Stable reason codes, one bit each; their order is the message order. */
enum iampw_reason {
	IAMPW_R_INPUT_TOO_LONG  = 1u << 0,  /* over 511 bytes: nothing else checked */
	IAMPW_R_TOO_SHORT       = 1u << 1,
	IAMPW_R_TOO_LONG        = 1u << 2,  /* over 128 characters */
	IAMPW_R_CONTROL         = 1u << 3,  /* control character other than TAB/LF/CR */
	IAMPW_R_NO_UPPERCASE    = 1u << 4,
	IAMPW_R_NO_LOWERCASE    = 1u << 5,
	IAMPW_R_NO_NUMBER       = 1u << 6,
	IAMPW_R_NO_SYMBOL       = 1u << 7,
	IAMPW_R_FEW_CLASSES     = 1u << 8,  /* default policy: fewer than 3 of 4 types */
	IAMPW_R_IS_USER_NAME    = 1u << 9,
	IAMPW_R_IS_FULL_NAME    = 1u << 10,
	IAMPW_R_IS_HOST_NAME    = 1u << 11,
	IAMPW_R_BLOCKLISTED     = 1u << 12,  /* in the screening filter (§9.1) */
	IAMPW_R_CONTEXT         = 1u << 13,  /* contains user/host name, full-name word */
};
#define IAMPW_R_COUNT 14

/* Who the password is for; any field may be NULL or "" (then not compared). */
struct iampw_identity {
	const char *user;
	const char *gecos;   /* the whole pw_gecos; the full name is its first field */
	const char *host;
};

struct iampw_check {
	uint32_t failed;         /* IAMPW_R_* bits, 0 = acceptable */
	unsigned min_length;     /* the length the message quotes */
	unsigned min_classes;    /* the number of types the message quotes */
	size_t chars;            /* characters counted; 0 after INPUT_TOO_LONG */
};

/* The 20 symbols IAM counts, in IAM's order. */
extern const char iampw_symbols[];

/*
 * Check `pw` (NUL-terminated) against `p` and the rules of §4.3.  Every
 * failing rule is recorded.  Never copies the password.  `id` may be NULL
 * (no identity rule).
 */
void iampw_check_password(const struct iampw_policy *p,
			  const struct iampw_identity *id, const char *pw,
			  struct iampw_check *r);

/* A stable token for logs and tests, e.g. "too_short". */
const char *iampw_reason_name(enum iampw_reason reason);

/*
 * The whole user message: "Password does not conform to the account
 * password policy: <clause>; <clause>." with one clause per failed rule
 * in IAMPW_R_* order, e.g. "it must be at least 12 characters long".
 * Returns snprintf's count.
 */
int iampw_check_message(const struct iampw_check *r, char *buf, size_t n);

/* ---------------------------------------------------------------------- */
/* The screening blocklist (§9.1): a passwdqc pwqfilter(1) filter file      */

/*
 * An open filter.  The fields are filled by iampw_blocklist_open and only
 * read by callers (entries is for reports such as `iampw-admin check`).
 */
struct iampw_blocklist {
	int fd;                 /* O_CLOEXEC, -1 when closed */
	bool big_endian;        /* the writer's byte order */
	uint8_t hash;           /* 1 = MD4, 2 = NTLM of CP1252 text */
	uint8_t threshold;
	uint8_t bucket_size;
	uint32_t nbuckets;
	uint64_t entries;       /* inserts - deletes, as pwqfilter --status says */
	char path[4096];        /* for messages */
};

/*
 * Open the filter at `path` (absolute) the way every file is opened
 * (§3: no symlink, regular, owned by root or `owner`, not writable by
 * group or other) and check its 64-byte header and its size against the
 * format (see lib/blocklist.c).  Only the header is read.  Every failure
 * is an error with a message, a missing file included (IAMPW_E_NOENT):
 * screening that was asked for and cannot be done is a configuration
 * error (§7), never "not listed".  On failure b->fd is -1.
 */
int iampw_blocklist_open(struct iampw_blocklist *b, const char *path,
			 uid_t owner, struct iampw_err *e);
/* Close it (safe on a closed or failed one). */
void iampw_blocklist_close(struct iampw_blocklist *b);

/*
 * Is `pw` in the filter, as `pwqfilter --lookup` would answer for the
 * same text?  The text ends at its first CR or LF, as pwqfilter's lines
 * and passwdqc's own check do.  At most two 16-byte reads.  On any error
 * (read failure, corrupt bucket) *listed stays true and a negative code
 * is returned: never "not listed" on doubt.  A filter false positive
 * (below one in a billion for pwqfilter's filters) counts as listed.
 * Every copy of the password's digest is wiped.
 */
int iampw_blocklist_lookup(const struct iampw_blocklist *b, const char *pw,
			   bool *listed, struct iampw_err *e);

/*
 * Screening as iampw.conf's [screening] asks (§9.1), for
 * iampw_check_screened: the open filter (fd -1 when none is configured)
 * and the context rule.
 */
struct iampw_screen {
	bool context;
	struct iampw_blocklist blocklist;
};

/* No screening at all (blocklist.fd = -1, context off). */
void iampw_screen_init(struct iampw_screen *s);
/*
 * Screening per `c`: opens c->blocklist when set (see
 * iampw_blocklist_open; files owned by root or `owner` are trusted).
 * Any error is a configuration error for the caller (§7: fail closed,
 * never "no screening"); *s is then safe to close.
 */
int iampw_screen_open(struct iampw_screen *s, const struct iampw_config *c,
		      uid_t owner, struct iampw_err *e);
/* Close the filter; safe after a failed open or init. */
void iampw_screen_close(struct iampw_screen *s);

/*
 * iampw_check_password, plus screening: with s->context and an identity,
 * IAMPW_R_CONTEXT when the password contains (Unicode case folded, as
 * the identity rule) the user name, the host's first label, or a word of
 * 4+ letters of the GECOS full name; with an open filter,
 * IAMPW_R_BLOCKLISTED when it lists the password.  Every rule is still
 * checked and reported together (not after INPUT_TOO_LONG: nothing is).
 * Returns IAMPW_OK, or the lookup's error: then IAMPW_R_BLOCKLISTED is
 * set too, and the caller must treat the check as failed (§7).  `s` may
 * be NULL (no screening).
 */
int iampw_check_screened(const struct iampw_policy *p,
			 const struct iampw_identity *id,
			 const struct iampw_screen *s, const char *pw,
			 struct iampw_check *r, struct iampw_err *e);

/* ---------------------------------------------------------------------- */
/* Accounts (§3.1): which account a profile belongs to                    */

struct iampw_profile;

/* Longest account name we handle, in bytes (LOGIN_NAME_MAX). */
#define IAMPW_NAME_MAX 256
/* A name in a profile: every byte may become %XX. */
#define IAMPW_NAME_ENCODED_MAX (3 * IAMPW_NAME_MAX)
/* A name shown in a log or a message: every byte may become \xXX. */
#define IAMPW_NAME_SHOWN (4 * IAMPW_NAME_MAX + 1)
/* The account fingerprint: SHA-256 in lowercase hex, NUL included. */
#define IAMPW_FP_SIZE 65

/*
 * What the host says of one account, gathered by a front end from NSS
 * (passwd and shadow).  It holds no password hash: only its fingerprint.
 */
struct iampw_acct {
	uid_t uid;
	gid_t gid;
	const char *name;          /* the canonical name (pw_name) */
	bool shadow;               /* the account has a shadow entry */
	bool usable;               /* a password that can log in: not empty, not '!'/'*' */
	long lastchg;              /* sp_lstchg, days since the epoch; -1 when empty */
	char fp[IAMPW_FP_SIZE];
};

/*
 * Fill the shadow part of `a` from an entry (present false: the account
 * has none, e.g. a directory account).  `hash` is only read; the caller
 * wipes its own copy.
 */
void iampw_acct_set_shadow(struct iampw_acct *a, bool present, const char *hash,
			   long lastchg);

enum iampw_owner {
	IAMPW_OWNER_NONE,     /* no profile, no usable password: not governed */
	IAMPW_OWNER_SELF,     /* the account's own profile */
	IAMPW_OWNER_RENAMED,  /* its own profile, written under its former name */
	IAMPW_OWNER_SHADOW,   /* no profile, a usable password: dates from shadow */
	IAMPW_OWNER_OTHER,    /* a profile of a deleted account that had this uid,
			       * or the password was set outside PAM: not this one's */
};

/*
 * Decide which rules govern account `a` (§3.1).  On entry *p is the
 * profile filed under a->uid when `have_profile`; on return it is the
 * profile the account stack must judge: unchanged for SELF and RENAMED;
 * for SHADOW made from the shadow dates (last change 0: reset required;
 * empty: the epoch, so expired once MaxPasswordAge is set); for OTHER the
 * same with reset required and no history; cleared for NONE.
 */
enum iampw_owner iampw_govern(const struct iampw_acct *a, bool have_profile,
			      int64_t now, struct iampw_profile *p);
/* A short English phrase for logs. */
const char *iampw_owner_name(enum iampw_owner o);

/* A fresh profile for `a`: created and changed `now`, no history, no flag. */
void iampw_profile_new(const struct iampw_acct *a, int64_t now,
		       struct iampw_profile *p);
/*
 * A profile for an account adopted with its password kept (adopt-user):
 * created `now`, the password's dates as shadow has them (last change 0:
 * reset required; empty: the epoch, expired once MaxPasswordAge is set,
 * never a fresh grace period).
 */
void iampw_profile_adopt(const struct iampw_acct *a, int64_t now,
			 struct iampw_profile *p);

/* A name we can handle: 1 to IAMPW_NAME_MAX bytes.  Never a path here. */
bool iampw_user_name_valid(const char *name);
/* `name` for a log line or a message: control bytes as \xXX.  Returns out. */
const char *iampw_name_display(const char *name, char out[IAMPW_NAME_SHOWN]);

/* ---------------------------------------------------------------------- */
/* Profiles (§3) and the profile store                                    */

struct iampw_profile {
	uint32_t uid;
	char user[IAMPW_NAME_MAX + 1];  /* the account's name when last written */
	char account[IAMPW_FP_SIZE];    /* the account's fingerprint then */
	int64_t create_date;        /* seconds since the epoch, UTC */
	int64_t last_changed;
	int64_t last_used;          /* 0 = never */
	bool reset_required;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];   /* history setting, "" when no history */
	unsigned nhistory;
	char history[IAMPW_REUSE_MAX][CRYPT_OUTPUT_SIZE];  /* newest first */
};

/* Upper bound accepted for stored dates: 9999-12-31T23:59:59Z. */
#define IAMPW_TIME_MAX INT64_C(253402300799)
/* Highest uid a profile may be filed under ((uid_t)-1 is "no uid"). */
#define IAMPW_UID_MAX (UINT32_MAX - 1)

/* Zero a profile (wipes its hashes). */
void iampw_profile_clear(struct iampw_profile *p);
/*
 * Wipe the hashes and fields of a profile that was cleared before it was
 * filled: only the slots in use, so cheaper than iampw_profile_clear.
 */
void iampw_profile_wipe(struct iampw_profile *p);

/*
 * The store: <statedir>/profiles/<uid>, the uid in plain decimal.  Files
 * must be regular, owned by root or the owner the store was opened with,
 * and not readable or writable by group or other (they hold hashes); the
 * directories likewise.  Opaque: its files, names and locks are the
 * store's business (lib/store.c); front ends use the functions below.
 */
struct iampw_store;

/*
 * Open the store into *s (NULL on failure; close it with
 * iampw_store_close).  With `create`, a missing state dir and profiles
 * dir are created with mode 0700 (§7); without it a missing dir gives
 * IAMPW_OK and a store that is not present (every profile is then
 * "absent").  `owner` is the uid whose files are trusted besides root's,
 * and becomes the owner of new files.
 */
int iampw_store_open(struct iampw_store **s, const char *statedir, bool create,
		     uid_t owner, gid_t group, struct iampw_err *e);
/* Close and free it; NULL is fine. */
void iampw_store_close(struct iampw_store *s);
/* Does its directory exist (false for NULL)? */
bool iampw_store_present(const struct iampw_store *s);
/* <statedir>/profiles, for messages ("" for NULL). */
const char *iampw_store_path(const struct iampw_store *s);

/*
 * The file name of uid's profile ("1001") in `out`; false for a uid no
 * profile can have.
 */
#define IAMPW_UID_NAME_SIZE 11
bool iampw_profile_file_name(uid_t uid, char out[IAMPW_UID_NAME_SIZE]);

/* Load the profile filed under `uid`.  IAMPW_E_NOENT when there is none. */
int iampw_profile_load(const struct iampw_store *s, uid_t uid,
		       struct iampw_profile *p, struct iampw_err *e);

/*
 * The per-account lock (<dir>/.<uid>.lock, flock).  Waits at most
 * `timeout_ms`, then IAMPW_E_BUSY.  The lock dies with its holder, so a
 * killed writer never leaves a stale lock.
 */
#define IAMPW_LOCK_TIMEOUT_MS 5000
int iampw_store_lock(const struct iampw_store *s, uid_t uid,
		     unsigned timeout_ms, int *lockfd, struct iampw_err *e);
void iampw_store_unlock(int lockfd);
/*
 * The device and inode of uid's lock file, for finding its holder in
 * /proc/locks; false when there is none (or no store).
 */
bool iampw_store_lock_file(const struct iampw_store *s, uid_t uid, dev_t *dev,
			   ino_t *ino);

/*
 * Replace p->uid's profile atomically (temp file in the same dir, fchown,
 * fchmod 0600, write, fsync, close, rename, fsync dir).  The caller holds
 * the lock.  On any failure the old file is untouched and no temp remains.
 */
int iampw_profile_save(const struct iampw_store *s, const struct iampw_profile *p,
		       struct iampw_err *e);
/* Remove a profile (caller holds the lock).  IAMPW_E_NOENT when absent. */
int iampw_profile_remove(const struct iampw_store *s, uid_t uid,
			 struct iampw_err *e);

/* What an entry of the store's directory is. */
enum iampw_entry {
	IAMPW_ENTRY_PROFILE,     /* "<uid>": a profile (its content unchecked) */
	IAMPW_ENTRY_LOCK,        /* ".<uid>.lock", kept for good */
	IAMPW_ENTRY_BAD_LOCK,    /* ".<uid>.lock" that is not a regular file */
	IAMPW_ENTRY_TEMP,        /* ".<uid>.<random>": a temporary file */
	IAMPW_ENTRY_STALE_TEMP,  /* one left by a write that never finished */
	IAMPW_ENTRY_WRITING,     /* one of a write in progress (its lock is held) */
	IAMPW_ENTRY_STRAY,       /* anything else: not made by pam_iampw */
};

/*
 * Classify a name (iampw_store_entry_kind), then look at the file where
 * the name alone cannot tell: a
 * lock that is not a regular file is BAD_LOCK, a temp file is WRITING
 * while its account's lock is held (tested, never waited for) and
 * STALE_TEMP otherwise.
 */
enum iampw_entry iampw_store_entry_inspect(const struct iampw_store *s,
					   const char *name, uid_t *uid);

/*
 * Called by iampw_store_scan for each entry with its name, its kind by
 * name alone (PROFILE, LOCK, TEMP or STRAY) and the uid it is filed under
 * ((uid_t)-1 for STRAY); a nonzero return stops the scan.
 */
typedef int (*iampw_store_scan_fn)(void *ctx, const char *name, enum iampw_entry kind,
				   uid_t uid);
/*
 * Every entry of the store's directory but "." and "..", in directory
 * order; nothing when the store is not present.  Returns 0, the
 * callback's first nonzero return, or the errno of a failed read (this
 * one function speaks errno: its callers stream with xsort, which does).
 */
int iampw_store_scan(const struct iampw_store *s, iampw_store_scan_fn fn, void *ctx);

/* ---------------------------------------------------------------------- */
/* History (§5.4): one hash per check, whatever N is                       */

/*
 * The result of a history check, handed from the checking instance to the
 * commit instance.  It holds a hash: wipe it (iampw_wipe) when done.
 */
struct iampw_pending {
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];   /* the profile's salt, or a new one */
	char hash[CRYPT_OUTPUT_SIZE];           /* crypt_rn(candidate, salt) */
};

/*
 * Hash `pw` once with the profile's history salt (a new salt is drawn with
 * crypt_gensalt_rn from c->hash/c->cost when the profile has none) and
 * compare the result in constant time with every one of the newest
 * `reuse` stored entries (entry 1 is the current password), without
 * stopping at a match.  *reused is set when any matches.  Any crypt
 * failure, a malformed salt or a malformed entry is IAMPW_E_CRYPT: never
 * "not reused".  `prof` may be NULL
 * (no profile yet: nothing can be reused, a salt is drawn).
 */
int iampw_history_check(const struct iampw_config *c,
			const struct iampw_profile *prof, unsigned reuse,
			const char *pw, struct iampw_pending *out, bool *reused,
			struct iampw_err *e);

/*
 * Record a pending hash as the newest entry and keep the newest `keep`
 * entries (keep 0 empties the history and clears the salt).  If the
 * profile's salt changed since the check, the history restarts with the
 * pending entry alone.
 */
void iampw_history_record(struct iampw_profile *prof,
			  const struct iampw_pending *pend, unsigned keep);


/* ---------------------------------------------------------------------- */
/* Account state at an instant (§5.1)                                     */

enum iampw_state {
	IAMPW_STATE_OK,
	IAMPW_STATE_WARN,            /* days_left is 1..warn_days */
	IAMPW_STATE_RESET_REQUIRED,
	IAMPW_STATE_EXPIRED,
	IAMPW_STATE_HARD_EXPIRED,
};

struct iampw_account {
	enum iampw_state state;
	int64_t elapsed_days;   /* whole days since the last change */
	int64_t days_left;      /* max_age - elapsed; meaningless without max_age */
	bool clock_behind;      /* now is earlier than the last change */
};

/*
 * Decide the account state of a profile at `now`, in §5.1's order:
 * reset required, then expired (hard or not), then warning.  A clock
 * behind the last change never expires anything (clock_behind is set so
 * the caller can log it).
 */
void iampw_account_state(const struct iampw_policy *p, unsigned warn_days,
			 const struct iampw_profile *prof, int64_t now,
			 struct iampw_account *a);
/* Is the password expired at `now` (ignoring the reset flag)? */
bool iampw_password_expired(const struct iampw_policy *p,
			    const struct iampw_profile *prof, int64_t now);

/* ---------------------------------------------------------------------- */
/* Password generator (--generate-password)                               */

#define IAMPW_GENERATED_MIN 20

/*
 * Fill `out` (size n) with a random password from getrandom(): at least
 * 20 characters and at least the policy's minimum, every one of the four
 * types present, uniform choices (rejection sampling), and passing
 * iampw_check_password for `id`.  Wipe it after use.  IAMPW_E_INVAL when
 * `n` cannot hold the password or the policy cannot be met (min_length
 * over 128); `out` is wiped on every failure.
 */
int iampw_generate_password(const struct iampw_policy *p,
			    const struct iampw_identity *id, char *out,
			    size_t n, struct iampw_err *e);

/* ---------------------------------------------------------------------- */
/* Virtual MFA devices (§10): TOTP with liboath                            */

/* IAM's VirtualMFADeviceName: [\w+=,.@-]{1,226} (ASCII word characters). */
#define IAMPW_MFA_NAME_MAX 226
/* The seed: 160 bits, as RFC 4226 recommends; 32 Base32 characters. */
#define IAMPW_MFA_SEED_BYTES 20
#define IAMPW_MFA_SEED_B32 32
/* RFC 6238 as IAM uses it: HMAC-SHA-1, 30-second steps, 6 digits. */
#define IAMPW_MFA_STEP 30
#define IAMPW_MFA_DIGITS 6
/* Steps either side of the expected one a login code may come from. */
#define IAMPW_MFA_WINDOW 1
/* resync-mfa-device looks this many steps either side for the pair. */
#define IAMPW_MFA_RESYNC_WINDOW 40
/* Largest drift a device may carry (steps): one day. */
#define IAMPW_MFA_DRIFT_MAX 2880

struct iampw_mfa_device {
	char name[IAMPW_MFA_NAME_MAX + 1];
	uint8_t seed[IAMPW_MFA_SEED_BYTES];
	int64_t create_date;
	bool assigned;                   /* enabled for an account */
	uint32_t uid;                    /* assigned: the account's uid */
	char user[IAMPW_NAME_MAX + 1];   /* assigned: its name when enabled */
	int64_t enable_date;
	uint64_t last_step;              /* last accepted time step, 0 = none */
	int32_t drift;                   /* steps, recorded by resync */
};

/* A valid VirtualMFADeviceName (then also a safe file name, see mfa.c). */
bool iampw_mfa_name_valid(const char *name);
/* Wipe a device (it holds the seed). */
void iampw_mfa_clear(struct iampw_mfa_device *d);

/*
 * A new unassigned device `name` created `now`, with a seed from
 * getrandom().  IAMPW_E_INVAL for an invalid name.
 */
int iampw_mfa_new(const char *name, int64_t now, struct iampw_mfa_device *d,
		  struct iampw_err *e);

/* Exactly IAMPW_MFA_DIGITS ASCII digits. */
bool iampw_mfa_code_valid(const char *code);

enum iampw_mfa_verdict {
	IAMPW_MFA_REJECT,   /* no code of the window matches */
	IAMPW_MFA_ACCEPT,   /* accepted: d->last_step is the matched step */
	IAMPW_MFA_REPLAY,   /* matches a step at or before d->last_step */
};
/*
 * Verify a login code at `now`: the steps now/30 + drift, +-1
 * (IAMPW_MFA_WINDOW), codes computed by liboath and compared in constant
 * time.  On ACCEPT d->last_step is set (the caller saves the device under
 * the store lock before it answers).  Anything but ACCEPT leaves *d as
 * it was.  A malformed code is REJECT.
 */
int iampw_mfa_verify(struct iampw_mfa_device *d, const char *code, int64_t now,
		     enum iampw_mfa_verdict *v, struct iampw_err *e);
/*
 * Two consecutive codes (enable-mfa-device, resync-mfa-device): find the
 * step s, within `window` steps of now/30 (drift ignored: this measures
 * it), whose code is c1 and whose next code is c2, s + 1 after
 * d->last_step.  On ACCEPT d->last_step = s + 1 and d->drift = s + 1 -
 * now/30; otherwise *d is unchanged.
 */
int iampw_mfa_verify_pair(struct iampw_mfa_device *d, const char *c1,
			  const char *c2, int64_t now, unsigned window,
			  enum iampw_mfa_verdict *v, struct iampw_err *e);
/* The seed in Base32 (IAMPW_MFA_SEED_B32 characters + NUL); wipe it. */
int iampw_mfa_seed_base32(const struct iampw_mfa_device *d,
			  char out[IAMPW_MFA_SEED_B32 + 1]);
/*
 * The otpauth://totp/ URI of the device, issuer "pam_iampw", label
 * "pam_iampw:NAME@HOST" (percent-encoded).  It holds the seed: wipe it.
 * Returns IAMPW_E_INVAL when `n` is too small.
 */
int iampw_mfa_uri(const struct iampw_mfa_device *d, const char *host, char *out,
		  size_t n);

/*
 * The device store: <statedir>/mfa (0700), one file per device named
 * "d." followed by the device's name, one lock (".lock") for every
 * change.  Files as profiles: regular, owned by root or the owner,
 * neither readable nor writable by group or other.  Opaque, as the
 * profile store.
 */
struct iampw_mfa_store;

/* Open it as iampw_store_open opens the profile store (*s NULL on failure). */
int iampw_mfa_open(struct iampw_mfa_store **s, const char *statedir, bool create,
		   uid_t owner, gid_t group, struct iampw_err *e);
/* Close and free it; NULL is fine. */
void iampw_mfa_close(struct iampw_mfa_store *s);
/* <statedir>/mfa, for messages ("" for NULL). */
const char *iampw_mfa_store_path(const struct iampw_mfa_store *s);
/* The store's lock (every change holds it), as iampw_store_lock. */
int iampw_mfa_lock(const struct iampw_mfa_store *s, unsigned timeout_ms,
		   int *lockfd, struct iampw_err *e);
/* Load device `name`.  IAMPW_E_NOENT (no message) when there is none. */
int iampw_mfa_load(const struct iampw_mfa_store *s, const char *name,
		   struct iampw_mfa_device *d, struct iampw_err *e);
/* Replace the device's file atomically (the caller holds the lock). */
int iampw_mfa_save(const struct iampw_mfa_store *s,
		   const struct iampw_mfa_device *d, struct iampw_err *e);
/* Remove it (caller holds the lock).  IAMPW_E_NOENT when absent. */
int iampw_mfa_remove(const struct iampw_mfa_store *s, const char *name,
		     struct iampw_err *e);
/*
 * Every device name, sorted (malloc'd; free with iampw_mfa_names_free).
 * Directory entries that cannot be device files are refused unless they
 * are our own lock and temp files: IAMPW_E_UNSAFE.
 */
int iampw_mfa_names(const struct iampw_mfa_store *s, char ***names, size_t *n,
		    struct iampw_err *e);
void iampw_mfa_names_free(char **names, size_t n);
/*
 * The device assigned to `uid`: *found false when none.  Every device
 * file is read; any broken or unsafe one is an error (the caller fails
 * closed: it might have been this account's), and so are two devices
 * assigned to one uid.
 */
int iampw_mfa_find_uid(const struct iampw_mfa_store *s, uid_t uid,
		       struct iampw_mfa_device *d, bool *found, struct iampw_err *e);

#endif /* IAMPW_H */
