/*
 * iampw-admin: the AWS-CLI-compatible admin tool of pam_iampw (SPEC §6).
 * Internal to the tool.
 *
 * Shape (as shadow's chage): parse the command line into a struct, check
 * conflicts, check permission, then run the verb: lock, change, commit,
 * one audit line.  Every verb returns an exit code; output goes through
 * out_* (json/text/table/yaml), errors through cli_error*.
 */
#ifndef IAMPW_ADMIN_CLI_H
#define IAMPW_ADMIN_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "iampw.h"

/* Exit codes (§6.1), as the AWS CLI uses them. */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 252,     /* bad command line */
	EXIT_CONFIG = 253,    /* broken configuration */
	EXIT_IAM = 254,       /* an IAM-style error (NoSuchEntity, ...) */
	EXIT_OTHER = 255,     /* anything else (not root, ...) */
};

/* cli_parse: --help or --version was printed; exit 0 without running a verb. */
#define CLI_DONE (-1)

enum out_format { OUT_JSON, OUT_TEXT, OUT_TABLE, OUT_YAML, OUT_YAML_STREAM };

/* --color: the AWS CLI's; auto colours tables on a terminal. */
enum color { COLOR_AUTO = 0, COLOR_ON, COLOR_OFF };

/* A tri-state flag: --x / --no-x / neither. */
enum tri { TRI_UNSET = 0, TRI_TRUE, TRI_FALSE };

/*
 * Everything the command line (and --cli-input-json) said.  The strings
 * point into argv or into `input` (the parsed JSON), which lives as long
 * as the struct; `password` is a malloc'd copy, wiped by cli_free.
 */
struct cli {
	/* global options */
	enum out_format output;
	bool output_given;          /* --output was given: AWS_DEFAULT_OUTPUT is not read */
	const char *query;          /* --query JMESPATH, or NULL */
	enum color color;           /* --color on|off|auto */
	const char *config;         /* iampw.conf */
	const char *policy;         /* policy.conf */
	const char *state_dir;
	const struct verb *verb;

	/* verb parameters (AWS names in comments) */
	const char *user_name;      /* UserName */
	const char *new_user_name;  /* NewUserName (update-user) */
	uint64_t max_items;         /* --max-items, 0: all */
	const char *starting_token; /* --starting-token */
	bool all;                   /* adopt-user --all */
	enum tri reset_required;    /* PasswordResetRequired */
	bool generate_password;
	bool password_stdin;
	char *password;             /* Password from --cli-input-json (wiped) */

	/* update-account-password-policy */
	struct iampw_policy_request req;
	uint32_t policy_given;      /* bit i: iampw_policy_fields[i] was given */

	/* check --against STANDARD (§9.3), NULL: plain check */
	const char *against;
	/* MFA verbs (§10) */
	const char *mfa_name;       /* VirtualMFADeviceName */
	const char *outfile;        /* --outfile */
	const char *bootstrap;      /* --bootstrap-method QRCodePNG|Base32StringSeed */
	bool qr_terminal;           /* --qr-terminal (beyond the AWS CLI) */
	const char *serial;         /* SerialNumber */
	const char *code1, *code2;  /* AuthenticationCode1/2 */
	const char *assignment;     /* AssignmentStatus */

	/* --generate-cli-skeleton [input|output] */
	const char *skeleton;
	const char *cli_input_json; /* the argument, read by cli_load_input */
	json_object *input;         /* parsed --cli-input-json, or NULL */
};

/* Runs a verb; returns the exit code. */
typedef int (*verb_fn)(struct cli *c);

/* Flags a verb takes (bit set); global options are always accepted. */
enum {
	F_USER_NAME = 1u << 0,
	F_RESET = 1u << 1,          /* --[no-]password-reset-required */
	F_GENERATE = 1u << 2,       /* --generate-password */
	F_PASSWORD_STDIN = 1u << 3,
	F_ALL = 1u << 4,            /* adopt-user --all */
	F_POLICY = 1u << 5,         /* the update-account-password-policy flags */
	F_INPUT = 1u << 6,          /* --cli-input-json, --generate-cli-skeleton */
	F_PASSWORD = 1u << 7,       /* a verb that sets passwords (refuses --password) */
	F_USER_OPTIONAL = 1u << 8,  /* --user-name may be left out (get-user) */
	F_NEW_NAME = 1u << 9,       /* update-user --new-user-name */
	F_PAGE = 1u << 10,          /* --max-items, --starting-token */
	F_AGAINST = 1u << 11,       /* check --against */
	F_MFA_CREATE = 1u << 12,    /* create-virtual-mfa-device's flags */
	F_SERIAL = 1u << 13,        /* --serial-number */
	F_CODES = 1u << 14,         /* --authentication-code1/2 */
	F_ASSIGNMENT = 1u << 15,    /* --assignment-status */
};

struct verb {
	const char *name;           /* "get-login-profile" */
	const char *operation;      /* "GetLoginProfile": errors, table titles */
	unsigned flags;
	bool writes;                /* changes files: audited */
	verb_fn run;
	const char *synopsis;       /* for --help; NULL: the policy fields' flags */
	const char *help;
};

/* The IAM error codes iampw-admin answers with, as IAM spells them. */
enum iam_error {
	IAM_DELETE_CONFLICT,
	IAM_ENTITY_ALREADY_EXISTS,
	IAM_ENTITY_TEMPORARILY_UNMODIFIABLE,
	IAM_INVALID_AUTHENTICATION_CODE,
	IAM_LIMIT_EXCEEDED,
	IAM_NO_SUCH_ENTITY,
	IAM_PASSWORD_POLICY_VIOLATION,
	IAM_SERVICE_FAILURE,
	IAM_VALIDATION_ERROR,
	IAM_ERRORS /* how many */
};

/*
 * Errors: a verb returns what one of these returns.  Each prints one of
 * the AWS CLI's frames (or the tool's own, cli_fail) and returns the exit
 * code that goes with it: 252 for the command line, 253 for the
 * configuration, 254 for an IAM error, 255 for the rest (iampw-admin(8)
 * EXIT STATUS).  The frames the AWS CLI fills line by line (parameter
 * validation, --query and table errors) are printed where args.c and
 * output.c build them; notices beside a success (a generated password,
 * adopt-user's progress) are not errors.  The core's problems reach
 * stderr through cli_print_problems, one line each.
 */

/* cli.c */
extern const struct verb verbs[];
/* "An error occurred (Name) when calling the Op operation: detail"; exit 254. */
int cli_error(const struct cli *c, enum iam_error iam_error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * A command-line error in the AWS CLI's frame: an empty line, the usage
 * lines, "iampw-admin: error: ...", an empty line; exit 252.
 */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "Unknown options: LIST" in the same frame; exit 252. */
int cli_unknown_options(const char *list);
/*
 * "argument ARG: Invalid choice, valid choices are:" and the choices, and
 * those close to VALUE ("maybe you meant"), as there.
 */
int cli_choice_error(const char *arg, const char *value, const char *const *choices, size_t n);
/* "Parameter validation failed:" and the like: an empty line, the text; exit 252. */
int cli_param_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A broken configuration: every problem on stderr, exit 253. */
int cli_config_error(const struct iampw_err *e);
/* Each problem the core collected, one line on stderr; how many. */
unsigned cli_print_problems(const struct iampw_err *e);
/*
 * The tool's own failure, which the AWS CLI has no frame for (no jp, a
 * full disk, not root): "iampw-admin: TEXT" on stderr; returns exit_code.
 */
int cli_fail(int exit_code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One audit line to syslog (LOG_AUTHPRIV): never a password or a hash. */
void cli_audit(const struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cli_free(struct cli *c);

/*
 * args.c: parse argv into c without reading any file; returns EXIT_OK,
 * CLI_DONE (help/version printed) or an exit code.
 */
int cli_parse(struct cli *c, int argc, char **argv);
/* Read and merge --cli-input-json (after the uid check); EXIT_OK or 252. */
int cli_load_input(struct cli *c);
/* The input skeleton of a verb (--generate-cli-skeleton); new reference. */
json_object *cli_skeleton(const struct verb *v, bool output);

/*
 * args.c: parse `len` bytes of JSON with json-c (flags: JSON_TOKENER_*),
 * wiping json-c's token buffer, which would otherwise keep the last
 * string read (a password) when freed.  NULL with *jerr on failure;
 * *end: where parsing stopped.
 */
json_object *cli_json_parse(const char *text, size_t len, int flags,
			    enum json_tokener_error *jerr, size_t *end);

/*
 * jsonnum.c: numbers of --cli-input-json as the AWS CLI reads them
 * (Python's json).  jsonnum_check takes the JSON `text` (`len` bytes:
 * the object, with blanks around it) and the object json-c parsed
 * from it: each top-level integer json-c saturated at 64
 * bits gets back the text the user wrote (json_object_to_json_string
 * then prints it), read again from `text` by libyaml.  A document with a
 * top-level "Password" is never read again (libyaml does not wipe its
 * buffers).  Returns 0, or -1 when a number is one Python's json refuses
 * ("-01", "1.", an integer of more than 4300 digits): the AWS CLI's
 * "Invalid JSON received".
 */
int jsonnum_check(const char *text, size_t len, json_object *doc);
/* An integer json-c may have saturated whose text is not known: refuse it. */
bool jsonnum_unknown(json_object *v);
/* A saturated integer's text (what the user wrote); NULL for any other value. */
const char *jsonnum_text(json_object *v);
/* A number as Python shows it (an int's digits, a float's repr()); buf: 32 bytes. */
const char *jsonnum_python(json_object *v, char *buf, size_t n);

/*
 * output.c: may a verb with a large response write it itself, as out_print
 * would (plain --output json, no --query)?  Also true for the text of
 * get-credential-report, the CSV itself, which only the verb prints.
 */
bool out_streams(const struct cli *c);
/*
 * output.c: print a response (after --query) in the chosen format; returns
 * EXIT_OK or EXIT_OTHER.
 */
int out_print(const struct cli *c, json_object *response);
/*
 * Check the syntax of a --query expression with jp: EXIT_OK, EXIT_USAGE
 * (the AWS CLI's message printed) or EXIT_OTHER (jp cannot be run).
 */
int out_query_check(const char *expr);
/*
 * The made-up response of --generate-cli-skeleton output for an operation
 * ("GetLoginProfile"), as the AWS CLI makes it; NULL for one without
 * output.  A new reference.
 */
json_object *out_skeleton(const char *operation);
/*
 * The end of an output written to stdout: flush it and report a failure
 * (`err`, an errno value from the writing, or one found now) as
 * "cannot write the output"; EXIT_OK or EXIT_OTHER.
 */
int out_finish(int err);
/* Whether out_print was called: a verb that printed nothing had no output. */
bool out_printed(void);
/* An --output name (json, text, table, yaml, yaml-stream); false if unknown. */
bool out_format_parse(const char *name, enum out_format *f);
/* JSON text as the AWS CLI prints it (4-space indent, no "\/"); malloc'd. */
char *out_json_string(json_object *o);
/* The same for a value nested `level` deep (its first line not indented). */
char *out_json_string_at(json_object *o, size_t level);
/*
 * An object of string members keys[i]: vals[i], in that order (a NULL
 * value left out): as JSON text like out_json_string_at's, without making
 * the json-c object (a list response's elements, one per account), or as
 * that object (a new reference).
 */
char *out_json_strings_at(const char *const keys[], const char *const vals[], size_t n,
			  size_t level);
json_object *out_strings_object(const char *const keys[], const char *const vals[], size_t n);

/* context.c: loading what every verb needs. */
struct admin {
	/* The account a verb is about (admin_user): canonical name, passwd, shadow. */
	char name[IAMPW_NAME_MAX + 1];
	char shown[IAMPW_NAME_SHOWN];  /* the name with control bytes escaped */
	struct iampw_acct acct;
	struct iampw_config cfg;
	struct iampw_policy pol;
	bool custom_policy_file;    /* policy.conf exists with [policy] */
	struct iampw_store *store;  /* admin_open_store; NULL before */
	struct iampw_err err;
	char host[256];
	int64_t now;
};
/* Load iampw.conf and policy.conf; EXIT_CONFIG with every problem printed. */
int admin_load(const struct cli *c, struct admin *a);
/* Open the profile store (create: make the dirs); EXIT_CONFIG / EXIT_IAM on failure. */
int admin_open_store(const struct cli *c, struct admin *a, bool create);
void admin_free(struct admin *a);

/*
 * Resolve a user for a verb: any name NSS resolves selects its account
 * (§3.1), whose canonical name, uid and shadow entry fill a->name and
 * a->acct.  NoSuchEntity if no account answers, ValidationError (with the
 * reason) if root or out of scope.
 */
int admin_user(const struct cli *c, struct admin *a, const char *user);
/*
 * Load the profile filed under a->acct.uid and decide whose it is
 * (iampw_govern); *p is then the profile that governs.  EXIT_OK or
 * ServiceFailure.
 */
int admin_profile(const struct cli *c, struct admin *a, struct iampw_profile *p,
		  enum iampw_owner *owner);
/* The account's own, stored profile (not a deleted namesake's, not shadow's). */
static inline bool owner_is_own(enum iampw_owner o)
{
	return o == IAMPW_OWNER_SELF || o == IAMPW_OWNER_RENAMED;
}

/* The LoginProfile JSON object of a profile, or of its fields. */
json_object *profile_json(const struct iampw_profile *p);
json_object *login_profile_json(const char *user, int64_t create_date, bool reset_required);
/*
 * The PasswordPolicy JSON object (AWS field order; absent, not null, when
 * unset); p NULL: the --generate-cli-skeleton output shape.
 */
json_object *policy_json(const struct iampw_policy *p);

/* unixpw.c: the host's accounts and passwords. */
enum unixpw_result {
	UNIXPW_OK,
	UNIXPW_POLICY,       /* refused by the policy or history: msg says why */
	UNIXPW_BUSY,         /* the user's profile lock is held */
	UNIXPW_CONFIG,       /* the PAM stack reported a configuration problem */
	UNIXPW_FAILED,       /* anything else: msg says what */
};
/*
 * Set `user`'s Unix password through the PAM password stack of service
 * "iampw-admin" (an admin reset: the policy and history apply, and the
 * module records the change).  Never retries: the module's second prompt
 * is refused.  `msg` receives the module's messages (never the password).
 */
enum unixpw_result unixpw_set(const char *user, const char *password,
			      char *msg, size_t msglen);
/* Lock the Unix password as `passwd -l` does; 0 or -1 with msg. */
int unixpw_lock(const char *user, char *msg, size_t msglen);
/*
 * Rename the Unix account with `usermod -l NEW -- USER`: 0, usermod's
 * exit status (8: the user is logged in), or -1 (not run); msg says why.
 */
int unixpw_rename(const char *user, const char *new_name, char *msg, size_t msglen);
/*
 * From /etc/shadow: whether the password is usable (not empty, not
 * locked with '!' or '*'), and when it was last changed (seconds since
 * the epoch; 0 when unknown; -1 when shadow says it must be changed at
 * the next login).  0, or -1 when the entry cannot be read.
 */
int unixpw_shadow(const char *user, bool *usable, int64_t *last_changed);

/* pwinput.c: where a new password comes from (never argv). */
/*
 * --password-stdin or a non-terminal stdin: the first line of stdin;
 * a terminal: a no-echo prompt asked twice ("New password: ",
 * "Retype new password: "); entries that differ are a usage error.
 * Returns EXIT_OK with a malloc'd password (wipe it) or an exit code.
 */
int pwinput_read(bool force_stdin, char **password);

/* accounts.c: the host's accounts. */
/*
 * One account by any name NSS resolves (getpwnam_r, its buffer grown as
 * NSS asks), or by uid: 0 with *found, or errno.  `canon` (at least
 * IAMPW_NAME_MAX + 1 bytes) receives the account's own name.
 */
int acct_lookup(const char *name, char *canon, uid_t *uid, gid_t *gid, bool *found);
int acct_lookup_uid(uid_t uid, char *canon, gid_t *gid, bool *found);
/*
 * The account's shadow entry into a->shadow/usable/lastchg/fp (no entry:
 * a->shadow false).  0, or errno when it cannot be read.
 */
int acct_shadow(const char *name, struct iampw_acct *a);
/*
 * The process holding the profile lock of `uid` (from /proc/locks), its
 * name in `comm`; 0 when none is known.  For the administrator's message
 * only: a user may stop their own passwd while it holds the lock.
 */
pid_t acct_lock_holder(const struct iampw_store *s, uid_t uid, char *comm, size_t n);

/*
 * xsort.c: records sorted in bounded memory, spilling sorted runs to an
 * unnamed temporary file (mode 0600) and merging them.  A record is a
 * struct of at most `recmax` bytes of which `len` (NULL: all) says how
 * many matter; xsort_next gives them back with the rest zeroed.
 * init, put every record, start, then next until *got is false; free.
 * Ties keep the order of input only across runs: a comparison that must
 * be stable ends with an enumeration counter.  Functions return 0 or an
 * errno value (EINVAL: a record longer than recmax).
 */
struct xsort_slot {
	uint32_t off, len;          /* a record in the arena */
};
struct xsort_run {
	char *buf;
	size_t have, pos;           /* bytes in buf, the current record's header */
	off_t off, end;             /* the run's unread bytes in the file */
};
struct xsort {
	size_t recmax, budget;
	size_t (*len)(const void *rec);
	int (*cmp)(const void *, const void *);
	char *arena;
	size_t used, touched;       /* bytes of the arena in use, ever used */
	struct xsort_slot *slots;
	size_t n, cap, pos;
	int fd;
	off_t end;
	struct xsort_run *runs;
	size_t nruns, runcap;
	size_t *heap, nheap;
};
/* The memory one sort may hold for its records. */
#define XSORT_BUDGET (2u * 1024u * 1024u)
int xsort_init(struct xsort *x, size_t recmax, size_t (*len)(const void *rec),
	       int (*cmp)(const void *, const void *), size_t budget);
int xsort_put(struct xsort *x, const void *rec);
int xsort_start(struct xsort *x);
int xsort_next(struct xsort *x, void *rec, bool *got);
void xsort_free(struct xsort *x);
/* An unnamed temporary file (mode 0600) in $TMPDIR or /tmp; -1 with errno. */
int xsort_tmpfile(void);
/*
 * A response spooled to a temporary file, so that it is printed only once
 * it is whole (§6.1) without being held in memory.  spool_put's errors
 * are sticky and returned by spool_each, which hands `fn` the content in
 * pieces of `chunk` bytes (the last one shorter).
 */
struct spool {
	int fd, err;
	off_t len;
	size_t n;
	char buf[64 * 1024];
};
int spool_open(struct spool *s);
void spool_put(struct spool *s, const char *p, size_t n);
int spool_each(struct spool *s, size_t chunk, int (*fn)(void *ctx, const char *p, size_t n),
	       void *ctx);
void spool_close(struct spool *s);
/*
 * A response {"KEY": [items...]} (list-users, adopt-user) as out_print
 * would print it.  With out_streams, items are written to a spool as
 * they come, so that the memory stays flat whatever the count (§8), and
 * printed once the list is whole; otherwise they are kept in a JSON
 * array for out_print (text, table, yaml, --query).  list_sink_add takes
 * the item's reference (NULL: out of memory, reported by print);
 * list_sink_print adds "NextToken" when given and returns an exit code.
 */
struct list_sink {
	json_object *resp, *list;   /* in memory, or NULL when spooling */
	struct spool out;
	size_t n;
	int err;
};
int list_sink_open(const struct cli *c, struct list_sink *k, const char *key);
void list_sink_add(struct list_sink *k, json_object *item);
/* An item that is an object of string members (out_json_strings_at). */
void list_sink_add_strings(struct list_sink *k, const char *const keys[],
			   const char *const vals[], size_t n);
int list_sink_print(const struct cli *c, struct list_sink *k, const char *next_token);
void list_sink_close(struct list_sink *k);

/*
 * accounts.c, streaming: one account (passwd and/or shadow) as a record
 * of an xsort, so that the verbs over every account hold a bounded
 * number of them (SPEC §8).  Only a record's bytes up to the end of its
 * name are kept: `name` stays the last field.
 */
#define AREC_SHADOW 2u    /* the shadow fields are set */
#define AREC_USABLE 4u
#define AREC_FOUND 8u      /* acct_stream_owners: an account has the uid */
#define AREC_SHADOW_ERR 16u /* acct_stream_owners: err is the shadow entry's */
struct arec {
	uint64_t seq;       /* enumeration order: the first of equal keys wins */
	int64_t lastchg;
	uint32_t uid, gid;
	uint32_t flags;
	int32_t err;        /* acct_stream_owners: errno of a lookup, 0 if none */
	char fp[IAMPW_FP_SIZE];
	char file[IAMPW_UID_NAME_SIZE];   /* acct_stream_owners: the profile's file name */
	char name[IAMPW_NAME_MAX + 1];
};
/* A directory entry's name (at most 255 bytes on Linux). */
struct dir_entry {
	char name[256];
};
/*
 * Every passwd account, sorted by name then enumeration order (a name
 * two sources know comes twice: acct_next_name keeps the first); started.
 */
int acct_stream_passwd(struct xsort *byname);
/* Every shadow entry (no hash kept), sorted by name; started. */
int acct_stream_shadow(struct xsort *byname);
/*
 * The report's accounts, sorted by name: passwd's, and the accounts of
 * profiles whose uid the enumeration did not list (asked by uid: a
 * source that does not enumerate; after the enumerated ones of the same
 * name).  A store that is not present: no profiles.  Started.
 */
int acct_stream_accounts(const struct iampw_store *s, struct xsort *byname);
/*
 * The store's directory (iampw_store_scan; not present: none) read once:
 * every entry name but "." and ".." into `names` (struct dir_entry; NULL:
 * not wanted), and the uid (uint32_t) of each profile into `uids`, each
 * sorted; both initialised here and started.
 */
int acct_stream_dir(const struct iampw_store *s, struct xsort *names, struct xsort *uids);
/*
 * For check: one record per profile uid of `uids` (acct_stream_dir) into
 * `byfile`, sorted by file name (as the directory's names): `file`,
 * `uid`, and the account that has the uid now (AREC_FOUND: `name`, `gid`,
 * its shadow fields), found as getpwuid would (the first enumerated;
 * asked for when the enumeration lacks the uid).  A failed lookup leaves
 * its errno in `err` (AREC_SHADOW_ERR when it was the shadow entry's).
 * Started; `uids` is read and freed.
 */
int acct_stream_owners(struct xsort *uids, struct xsort *byfile);
/* The next record whose name differs from the last one returned (*prev, "" at first). */
int acct_next_name(struct xsort *x, struct arec *r, char prev[IAMPW_NAME_MAX + 1], bool *got);
/*
 * A walk of the shadow entries, in step with accounts visited in name
 * order: shadow_walk_seek fills `ia` from the entry of `name` when the
 * walk has one (*found), and never goes back.  shadow_walk_entry is for a
 * change made under the account's lock: the entry as /etc/shadow holds it
 * now (the walk is read again when the file changed since it was read;
 * a name it lacks is asked for).
 */
struct shadow_walk {
	struct xsort x;
	struct arec cur;
	char prev[IAMPW_NAME_MAX + 1];
	bool have, done;
	struct stat st;     /* /etc/shadow as it was read */
	bool st_ok;
};
int shadow_walk_open(struct shadow_walk *w);
int shadow_walk_seek(struct shadow_walk *w, const char *name, struct iampw_acct *ia,
		     bool *found);
int shadow_walk_entry(struct shadow_walk *w, const char *name, struct iampw_acct *ia);
void shadow_walk_close(struct shadow_walk *w);

/*
 * roster.c: the accounts of the credential report (§6.2) in name order,
 * for the report and for check --against.  init, open (a store that
 * is not present: no profiles), next until *got is false,
 * close.  roster_next skips root and accounts out of scope and fills *ia
 * (its name points into *acct) with the shadow fields.  Both return
 * IAMPW_OK or a code with the reason in e: IAMPW_E_IO when a database
 * cannot be read, else iampw_in_scope's configuration error.
 */
struct roster {
	struct xsort accounts;
	struct shadow_walk shadow;
	char prev[IAMPW_NAME_MAX + 1];
};
void roster_init(struct roster *r);
int roster_open(struct roster *r, const struct iampw_store *profiles, struct iampw_err *e);
int roster_next(struct roster *r, const struct iampw_config *cfg, struct arec *acct,
		struct iampw_acct *ia, bool *got, struct iampw_err *e);
void roster_close(struct roster *r);
/*
 * The uids with an enabled (assigned) MFA device in the store under
 * state_dir, sorted.  Any device that cannot be read is an error.
 */
struct roster_mfa {
	uint32_t *uids;
	size_t n;
};
int roster_mfa_uids(const char *state_dir, struct roster_mfa *m, struct iampw_err *e);
bool roster_mfa_has(const struct roster_mfa *m, uint32_t uid);
void roster_mfa_free(struct roster_mfa *m);

/* report.c */
int verb_generate_credential_report(struct cli *c);
int verb_get_credential_report(struct cli *c);
/* check.c */
int verb_check(struct cli *c);
/*
 * mfacount.c: whether MFA counts for check --against (§9.3, §10): every
 * PAM service that checks a Unix password asks for the code after it
 * (pamstack.c proves it), and every user in scope with a usable password
 * (the report's users, roster.c) has an enabled device, since the mfa
 * line lets users without one through.
 */
struct mfa_count {
	bool counted;
	unsigned services;          /* services that check a password */
	unsigned unproven;          /* ... where the code is not proven */
	char stack_why[640];        /* "SERVICE: why" of the first, "" when none */
	char stack_others[256];     /* the names of the next few */
	bool users_known;           /* the accounts and devices could be read */
	char users_problem[512];    /* else why not */
	unsigned long users;        /* in scope with a usable password */
	unsigned long lacking;      /* ... without an enabled device */
	char lacking_names[256];    /* the first few of them */
};
/* Read the PAM stack, the accounts and the devices; never fails (what cannot be read does not count). */
void mfa_count(const struct cli *c, struct admin *a, struct mfa_count *m);
/* Why MFA does not count, in one line (for a HostValue). */
void mfa_count_why(const struct mfa_count *m, char *out, size_t n);
/* What makes it count (for a Remedy); `tool` is "iampw-admin" with its path options. */
void mfa_count_remedy(const struct mfa_count *m, const char *tool, const char *host,
		      char *out, size_t n);
/* Newlines to blanks: one row of text output per requirement. */
void one_line(char *s);

/* compliance.c: check --against (§9.3); a known standard name, else a usage error (252). */
int verb_check_against(struct cli *c);
int compliance_parse_against(const char *name);
/* user_cmd.c */
int verb_get_user(struct cli *c);
int verb_list_users(struct cli *c);
int verb_update_user(struct cli *c);
/*
 * IAM's User object of the account in a->acct (admin_user or an
 * equivalent lookup filled it); NULL with an error printed on failure.
 */
json_object *user_object(const struct cli *c, struct admin *a);

/* mfa_cmd.c (§10) */
int verb_create_virtual_mfa_device(struct cli *c);
int verb_enable_mfa_device(struct cli *c);
int verb_resync_mfa_device(struct cli *c);
int verb_deactivate_mfa_device(struct cli *c);
int verb_delete_virtual_mfa_device(struct cli *c);
int verb_list_mfa_devices(struct cli *c);
int verb_list_virtual_mfa_devices(struct cli *c);
/* qr.c: the QR code of `text` as a PNG (malloc'd, wipe it) or on a terminal; 0 or -1. */
int qr_png(const char *text, unsigned char **png, size_t *len);
int qr_terminal(FILE *f, const char *text);

/* policy_cmd.c */
int verb_get_account_password_policy(struct cli *c);
int verb_update_account_password_policy(struct cli *c);
int verb_delete_account_password_policy(struct cli *c);
/* profile_cmd.c */
int verb_create_login_profile(struct cli *c);
int verb_get_login_profile(struct cli *c);
int verb_update_login_profile(struct cli *c);
int verb_delete_login_profile(struct cli *c);
int verb_adopt_user(struct cli *c);

#endif /* IAMPW_ADMIN_CLI_H */
