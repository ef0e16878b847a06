/*
 * pamstack.c: the host's PAM configuration as Debian's libpam reads it
 * (Linux-PAM 1.5.2 with Debian's @include patch), for the questions
 * `iampw-admin check` asks about the stack.  Internal to the tool.
 *
 * Two layers: a reader that hands out the lines of one file exactly as
 * libpam assembles and splits them (check's pam_faillock and commit-line
 * checks use it), and, on top, a loader that builds a service's auth
 * stack as libpam does (@include, include, substack, the fallback to
 * "other") and walks it as libpam's dispatcher would, to prove that a
 * password login cannot succeed without pam_iampw's MFA code.
 */
#ifndef IAMPW_ADMIN_PAMSTACK_H
#define IAMPW_ADMIN_PAMSTACK_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "iampw.h"

#ifndef PAMD_DIR
#define PAMD_DIR "/etc/pam.d"
#endif
/* Where Debian's libpam looks for a service that PAMD_DIR does not have. */
#ifndef PAMD_DIST_DIR
#define PAMD_DIST_DIR "/usr/lib/pam.d"
#endif

/* libpam's line buffer (BUF_SIZE): one assembled line is at most this - 1. */
#define PAM_LINE_MAX 1024
#define PAM_ARGS_MAX (PAM_LINE_MAX / 2)

/* One line of a PAM file, split as libpam splits it ("[...]" is one word). */
struct pam_line {
	const char *file;       /* as given to pam_file_each */
	unsigned lineno;        /* the first physical line it came from */
	const char *type;       /* the first word as written ("-auth", "@include") */
	const char *control;    /* brackets removed; NULL when absent or for @include */
	const char *target;     /* the module path or the included file; NULL when absent */
	int argc;
	const char *argv[PAM_ARGS_MAX];
};

enum pam_type {
	PAM_TYPE_AUTH,
	PAM_TYPE_ACCOUNT,
	PAM_TYPE_SESSION,
	PAM_TYPE_PASSWORD,
	PAM_TYPE_INCLUDE,       /* "@include FILE" */
	PAM_TYPE_BAD,           /* libpam adds the line to the auth stack, failing */
};

/* The type of a line as libpam reads it (case-insensitive, a leading '-' ignored). */
enum pam_type pam_line_type(const struct pam_line *l);
/* The file name of a module path: "pam_unix.so" for "/lib/security/pam_unix.so". */
const char *pam_module_name(const char *path);
/* An argument equal to `word`. */
bool pam_line_has_arg(const struct pam_line *l, const char *word);
/* The value of the last "key=value" argument, or NULL. */
const char *pam_line_arg(const struct pam_line *l, const char *key);

/*
 * Open a PAM file as libpam does (through symbolic links), but never
 * block on a FIFO: it must be a regular file.  *trusted tells whether it
 * is owned by root or `owner` and not writable by group or other.  0, or
 * an IAMPW_E_* code with the reason in e (IAMPW_E_NOENT: no such file,
 * "path: No such file or directory" in e as for any other failure).
 */
int pam_file_open(const char *path, uid_t owner, FILE **f, bool *trusted,
		  struct iampw_err *e);

typedef int (*pam_line_fn)(void *ctx, const struct pam_line *l);
/*
 * Each line of `f` as libpam 1.5.2 assembles it: everything from a '#'
 * is cut, a line ending in '\' goes on on the next one, empty lines are
 * skipped, and a line longer than the buffer is cut into several, as
 * fgets cuts it for libpam.  A non-zero return of fn stops the walk and
 * is returned.  IAMPW_E_PARSE (with "display:N: ...") when a '\' falls
 * on the last byte of libpam's buffer (libpam then loops for ever) or
 * the file ends in a '\' line (libpam refuses the service).
 */
int pam_file_each(FILE *f, const char *display, pam_line_fn fn, void *ctx,
		  struct iampw_err *e);

/* Open (trusted or not), read each line, close: one file's lines, as pam_file_each. */
int pam_file_walk(const char *path, pam_line_fn fn, void *ctx, struct iampw_err *e);

/* ---------------------------------------------------------------------- */
/* Does every password login ask for the MFA code?                         */

struct pamstack_query {
	const char *pamd_dir;   /* PAMD_DIR; relative includes resolve here */
	const char *dist_dir;   /* PAMD_DIST_DIR, or NULL */
	uid_t owner;            /* files must be root's or this uid's (tests) */
	/* The iampw.conf and state directory whose users and devices check counts. */
	const char *config;
	const char *state_dir;
};

#define PAMSTACK_WHY_SIZE 640
#define PAMSTACK_NAMES_SIZE 256

struct pamstack_mfa {
	unsigned services;      /* services (and "other") a password login can succeed through */
	unsigned unproven;      /* of those (or problems), where MFA is not proven */
	char why[PAMSTACK_WHY_SIZE];       /* "SERVICE: reason" of the first one */
	char others[PAMSTACK_NAMES_SIZE];  /* "su, sudo and 3 more": the next ones */
};

/*
 * Every service of q->pamd_dir and q->dist_dir, and "other" (the stack
 * of every service without a file or without auth lines), judged as
 * libpam would run its auth stack for every answer each module may give:
 * MFA is proven for a service when no run in which pam_unix accepted the
 * password succeeds unless a `pam_iampw.so mfa` line reading q->config
 * and q->state_dir answered PAM_SUCCESS after it.  Services no password
 * login can succeed through are not counted.  Anything that cannot be
 * read, trusted or followed is unproven, with the reason.
 */
void pamstack_mfa(const struct pamstack_query *q, struct pamstack_mfa *r);

/*
 * One service whose file is open on `f` (NULL: "other" itself): the
 * return value tells whether MFA is proven, `why` why not.  *password
 * tells whether the service counts: some run of its stack succeeds after
 * pam_unix accepted a password, or it cannot be judged.  A file without
 * auth lines runs "other"'s stack and does not count: "other" is judged
 * once, for every such service.
 */
bool pamstack_mfa_file(const struct pamstack_query *q, FILE *f, const char *display,
		       bool *password, char *why, size_t n);

#endif /* IAMPW_ADMIN_PAMSTACK_H */
