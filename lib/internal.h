/*
 * Internal interfaces of libiampw, shared between its source files and
 * its unit tests.  Not installed.
 */
#ifndef IAMPW_INTERNAL_H
#define IAMPW_INTERNAL_H

#include <sys/stat.h>

#include "iampw.h"

/* Longest line accepted in any of our files, in bytes (§3). */
#define IAMPW_LINE_MAX 1000
/* Size caps of the files we read. */
#define IAMPW_CONF_SIZE_MAX (64 * 1024)
#define IAMPW_PROFILE_SIZE_MAX (64 * 1024)

/*
 * Open `name` under `dirfd` (AT_FDCWD and an absolute or relative path are
 * fine) for reading with O_NOFOLLOW|O_NONBLOCK|O_CLOEXEC, then fstat the
 * fd: it must be a regular file, owned by root or by `owner`, not writable
 * by group or other, at most `cap` bytes.  `display` names the file in
 * messages.  IAMPW_E_NOENT (no message added) when it does not exist.
 * A FIFO or device is refused without blocking.
 */
int iampw_open_safe(int dirfd, const char *name, const char *display,
		    uid_t owner, size_t cap, int *fd, struct iampw_err *e);
/*
 * The same checks, and the fstat they were made on in *st, with the fd
 * left O_NONBLOCK (harmless for the regular file it is): one system call
 * less for a reader of many small files (the store's profiles).
 */
int iampw_open_checked(int dirfd, const char *name, const char *display,
		       uid_t owner, size_t cap, int *fd, struct stat *st,
		       struct iampw_err *e);

/*
 * Check an already opened directory the same way: a directory, owned by
 * root or `owner`, not writable by group or other.
 */
int iampw_check_dir(int dirfd, const char *display, uid_t owner,
		    struct iampw_err *e);

/*
 * The state directory and profiles hold password hashes (§3): an open
 * file or directory must be neither readable nor writable by group or
 * others.
 */
int iampw_check_private(int fd, const char *display, struct iampw_err *e);
/* The same on the fstat of iampw_open_checked. */
int iampw_check_private_stat(const struct stat *st, const char *display,
			     struct iampw_err *e);
/*
 * Read the open regular file `fd` from offset 0 into a malloc'd,
 * NUL-terminated buffer (*buf, *len; the caller wipes and frees it).
 * With size SIZE_MAX, up to its end, and more than `cap` bytes is an
 * error (IAMPW_E_UNSAFE); with the size its fstat gave (at most `cap`),
 * that many bytes and no read past them, for a file that is replaced by
 * rename and never rewritten in place (a file that shrank since is read
 * as far as it goes).
 */
int iampw_read_file(int fd, const char *display, size_t cap, size_t size,
		    char **buf, size_t *len, struct iampw_err *e);

/* Longest plain file name iampw_replace_file_at (file.c) takes. */
#define IAMPW_FILE_NAME_MAX 240
/*
 * Replace the file `name` (a plain name of at most IAMPW_FILE_NAME_MAX bytes)
 * under the open directory `dirfd` (shown as `dirpath`) with `len` bytes:
 * a temp file in the same directory, fchown and fchmod before writing,
 * write, fsync, close, rename, fsync of the directory.  On any failure
 * the old file is untouched and no temp file remains.  `dirpath` is
 * shorter than 4096 bytes.  The temp file is named ".<name>.<suffix>".
 */
int iampw_replace_file_at(int dirfd, const char *dirpath, const char *name,
			  const void *buf, size_t len, uid_t uid, gid_t gid,
			  mode_t mode, struct iampw_err *e);
/* Is `s` the random suffix of one of iampw_replace_file_at's temp names? */
bool iampw_temp_suffix(const char *s);

/*
 * iampw_blocklist_open after the file checks: read and check the header
 * of the filter open on `fd` (which it owns from now on: closed on
 * failure and by iampw_blocklist_close).  Used by the fuzz target.
 */
int iampw_blocklist_open_fd(struct iampw_blocklist *b, int fd,
			    const char *display, struct iampw_err *e);

/*
 * A strictly parsed INI file.  The grammar is a subset of what iniparser
 * accepts, and iniparser's result is cross-checked against it:
 *   blank lines; comments starting with ';' or '#';
 *   [section] with a lowercase name of [a-z0-9_];
 *   key = value, key of [a-z0-9_], inside a section, value up to an
 *   optional ';' or '#' comment, surrounding blanks trimmed, no quotes.
 * Refused, each reported as "display:line: what": a byte-order mark, NUL
 * bytes, lines over IAMPW_LINE_MAX bytes, anything else on a line, keys
 * before the first section, a repeated section or key, a key named like
 * a section, and keys the `known` callback does not accept.
 */
struct iampw_ini;

/*
 * Return true when `key` is allowed in `section`; called with key NULL to
 * ask whether the section itself is allowed.
 */
typedef bool (*iampw_ini_known_fn)(const char *section, const char *key);

/*
 * Parse the open regular file `fd` (read from its start, at most `cap`
 * bytes).  Every problem is reported; IAMPW_E_PARSE when there is any.
 */
int iampw_ini_load_fd(int fd, const char *display, size_t cap,
		      iampw_ini_known_fn known, struct iampw_ini **out,
		      struct iampw_err *e);

/*
 * Apply a parsed file to a caller's struct (config, policy, profile):
 * report every problem, and return IAMPW_OK or IAMPW_E_PARSE.
 */
typedef int (*iampw_ini_apply_fn)(const struct iampw_ini *ini, void *out,
				  struct iampw_err *e);

/*
 * Parse text in memory and apply it: the *_parse functions.  The strict
 * scanner alone: text in memory is our own serialiser's (profiles, MFA
 * devices) or a test's, never a file an administrator wrote.  With
 * `hand_written` (iampw.conf, policy.conf), every problem is listed, the
 * bad values of a text with syntax problems too; without, its syntax
 * problems alone.
 */
int iampw_ini_parse_with(const char *name, const char *text, size_t len,
			 bool hand_written, iampw_ini_known_fn known,
			 iampw_ini_apply_fn apply, void *out, struct iampw_err *e);
/*
 * Open `path` with iampw_open_safe, parse (cross-checked) and apply it:
 * the *_load functions.  IAMPW_E_NOENT (no message) when the file does
 * not exist.
 */
int iampw_ini_load_path_with(const char *path, uid_t owner, size_t cap,
			     iampw_ini_known_fn known, iampw_ini_apply_fn apply,
			     void *out, struct iampw_err *e);
/* The same for an already opened and checked file. */
int iampw_ini_load_fd_with(int fd, const char *display, size_t cap,
			   bool cross_check, iampw_ini_known_fn known,
			   iampw_ini_apply_fn apply, void *out, struct iampw_err *e);

/* The value of section:key, or NULL; *line gets its line number. */
const char *iampw_ini_get(const struct iampw_ini *ini, const char *section,
			  const char *key, unsigned *line);
bool iampw_ini_has_section(const struct iampw_ini *ini, const char *section);
const char *iampw_ini_display(const struct iampw_ini *ini);
/* Free the parse, wiping every copy of the file's text (profiles hold hashes). */
void iampw_ini_free(struct iampw_ini *ini);

/*
 * Typed getters shared by every loader.  Each reports a problem as
 * "display:line: key: what" and returns IAMPW_E_PARSE; a missing key
 * leaves *out untouched and returns IAMPW_OK.
 */
int iampw_ini_get_u64(const struct iampw_ini *ini, const char *section,
		      const char *key, uint64_t min, uint64_t max,
		      uint64_t *out, struct iampw_err *e);
int iampw_ini_get_bool(const struct iampw_ini *ini, const char *section,
		       const char *key, bool *out, struct iampw_err *e);

/*
 * iampw_profile_parse without its reader of the serialiser's exact text:
 * the scanner alone (tests compare the two).
 */
int iampw_profile_parse_scanned(const char *name, const char *text, size_t len,
				struct iampw_profile *p, struct iampw_err *e);

/*
 * The params field ("j9T") of libxcrypt's yescrypt setting for a cost from
 * 1 to IAMPW_YESCRYPT_COST_MAX, as a table of ours; NULL for others.
 */
const char *iampw_yescrypt_params(unsigned long cost);

/*
 * iampw_history_entry_valid for a setting already accepted by
 * iampw_history_salt_valid: a profile checks its salt once, not once per
 * entry (each salt check costs up to 11 gensalt calls).
 */
bool iampw_history_entry_matches_salt(const char *setting, const char *entry);


/*
 * The two stores, opaque to the front ends (iampw.h): each is an open
 * directory under the state dir, here for the library's own files and
 * its unit tests.
 */
struct iampw_statedir {
	int dirfd;           /* <statedir>/<sub>, O_DIRECTORY|O_CLOEXEC, -1 when absent */
	uid_t uid;           /* owner of what we write; root in production */
	gid_t gid;
	char path[4096];     /* <statedir>/<sub>, for messages */
};
struct iampw_store {
	struct iampw_statedir d;    /* profiles/ */
};
struct iampw_mfa_store {
	struct iampw_statedir d;    /* mfa/ */
};

/*
 * A new iampw_statedir for <statedir>/<sub> (iampw_statedir_open), the
 * first and only member of either store: *d NULL on failure.  Free it
 * with iampw_statedir_free (NULL is fine).
 */
int iampw_statedir_new(const char *statedir, const char *sub, bool create, uid_t owner,
		       gid_t group, struct iampw_statedir **d, struct iampw_err *e);
void iampw_statedir_free(struct iampw_statedir *d);

/*
 * Open <statedir>/<sub> (profiles/, mfa/) into *dirfd, its name for
 * messages into path (size bytes): both directories opened without
 * following a symlink and checked as the store does (a directory, owned
 * by root or `owner`, neither readable nor writable by group or other),
 * created 0700 (owner:group) with `create`.  A missing one that may not
 * be created gives IAMPW_OK with *dirfd = -1.
 */
int iampw_statedir_open(const char *statedir, const char *sub, bool create,
			uid_t owner, gid_t group, int *dirfd, char *path, size_t size,
			struct iampw_err *e);
/*
 * Take the flock of the lock file `name` (a plain name) under `dirfd`,
 * created root 0600 (uid:gid) when absent; waits at most `timeout_ms`,
 * then IAMPW_E_BUSY.  Release with iampw_store_unlock.
 */
int iampw_lock_at(int dirfd, const char *name, const char *display, uid_t uid,
		  gid_t gid, unsigned timeout_ms, int *lockfd, struct iampw_err *e);

/*
 * Core functions that no front end calls: the library's own files, its
 * unit tests and fuzz targets use them (moved here from iampw.h so that
 * the public header is what pam_iampw and iampw-admin need).
 */
/*
 * n bytes from the kernel's CSPRNG (getrandom, blocking until it is
 * seeded); IAMPW_E_IO with a message on failure, the part read wiped.
 */
int iampw_random(void *buf, size_t n, struct iampw_err *e);
/* true/false/yes/no/1/0 exactly (lowercase).  Returns false on anything else. */
bool iampw_parse_bool(const char *s, bool *out);
/* Not empty and not locked ('!' or '*' first), as pam_unix reads it. */
bool iampw_hash_usable(const char *hash);
/* 64 lowercase hex digits. */
bool iampw_fp_valid(const char *fp);
/*
 * A name as written in a profile: bytes of [A-Za-z0-9_.@$+-] as they are,
 * every other byte as %XX (uppercase).  decode accepts exactly what
 * encode writes.
 */
int iampw_name_encode(const char *name, char *out, size_t n);
int iampw_name_decode(const char *in, char out[IAMPW_NAME_MAX + 1]);
/*
 * Profile text <-> struct.  `name` is used in "name:line: what" messages.
 * iampw_profile_parse is strict (§3) and validates every stored hash
 * against the salt (§5.4); on error *p is cleared.  iampw_profile_format
 * writes our own format and returns its length, or a negative code when
 * `n` is too small.
 */
int iampw_profile_parse(const char *name, const char *text, size_t len,
			struct iampw_profile *p, struct iampw_err *e);
int iampw_profile_format(const struct iampw_profile *p, char *buf, size_t n);
/*
 * Is `setting` (e.g. "$y$j9T$<salt>") a history salt we accept: yescrypt
 * or sha512crypt, a well-formed salt, a cost within the ceilings above?
 */
bool iampw_history_salt_valid(const char *setting);
/* Is `entry` a well-formed hash made with `setting`? */
bool iampw_history_entry_valid(const char *setting, const char *entry);
/*
 * Device text <-> struct; `name` is the device's name, `display` names
 * the file in "display:line: what" messages.  Strict (§3); on error *d
 * is wiped.  iampw_mfa_format returns the length, or a negative code;
 * the caller wipes `buf` (it holds the seed).
 */
int iampw_mfa_parse(const char *name, const char *display, const char *text,
		    size_t len, struct iampw_mfa_device *d, struct iampw_err *e);
int iampw_mfa_format(const struct iampw_mfa_device *d, char *buf, size_t n);
/* The code of `step` (tests, tools); out gets IAMPW_MFA_DIGITS + NUL. */
int iampw_mfa_code(const struct iampw_mfa_device *d, uint64_t step,
		   char out[IAMPW_MFA_DIGITS + 1], struct iampw_err *e);
/*
 * The converse of iampw_profile_file_name, for directory scans: true only
 * for exactly what it writes.
 */
bool iampw_profile_file_uid(const char *name, uid_t *uid);
/*
 * Classify a store entry's name by itself (PROFILE, LOCK, TEMP or STRAY),
 * with the uid it is filed under in *uid ((uid_t)-1 for STRAY).  No
 * system call.
 */
enum iampw_entry iampw_store_entry_kind(const char *name, uid_t *uid);

#endif /* IAMPW_INTERNAL_H */
