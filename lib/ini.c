/*
 * Strict INI loading: the only file that includes iniparser.
 *
 * Files administrators write by hand (iampw.conf, policy.conf) are read
 * twice, as below.  Profiles are written only by our own serialiser and
 * read on every login: for them the scanner alone decides, since a second
 * parser of our own output adds cost and no safety.
 *
 * iniparser 4.1 is lenient in ways a security tool cannot be: it merges
 * "[Policy]" into "[policy]", lets a repeated key silently replace the
 * first, drops keys that come before any section, treats a trailing
 * backslash as a continuation, and reports no line numbers.  So each file
 * first goes through a line-by-line scan of our own that accepts a small
 * grammar (see internal.h), reports every problem as "file:line: what",
 * and records where each key is.  iniparser then parses the same bytes,
 * and the two results must agree exactly, key for key and value for
 * value; any difference is an error, never a guess.
 *
 * iniparser 4.1 can only load by path, so the already opened and checked
 * fd is handed over as /proc/self/fd/N: the same open file, no second
 * lookup of the name.  Text in memory (iampw_ini_parse_with) is ours or a
 * test's, never an administrator's file: the scanner alone reads it.
 *
 * Values always come from the scanner's table: it is the one reader, and
 * iniparser the lint of its reading.  The other way round (iniparser the
 * reader, the scanner a lint) would put iniparser back into the PAM module,
 * and its load and second parse back into every login's account check,
 * the cost SPEC 8 bounds; and iniparser gives no line numbers to report
 * with.
 *
 * The cross-check is iampw-admin's (every verb, `check` included), where
 * an administrator sees and fixes a file iniparser would read otherwise.
 * The PAM module's copy of the core (IAMPW_MODULE) reads each file once,
 * with the scanner alone, and does not link iniparser: the second parse
 * added nothing the module acts on, but cost a library load, a
 * process-wide callback swap inside the host, a /proc handover,
 * and a quarter of the module's account-check instructions (SPEC 8).
 * A file the admin tool refuses, the module refuses too: the scanner
 * accepts only a subset of what iniparser does, and a disagreement can
 * only come from a file changed between the two reads.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef IAMPW_MODULE
#ifdef HAVE_INIPARSER_INIPARSER_H
#include <iniparser/iniparser.h>
#else
#include <iniparser.h>
#endif
#define CROSS_CHECK true
#else
#define CROSS_CHECK false
typedef struct iampw_no_dictionary dictionary;
#endif

#include "internal.h"

/* Longest section or key name. */
#define NAME_MAX_LEN 64

struct ini_key {
	char section[NAME_MAX_LEN + 1];
	char key[NAME_MAX_LEN + 1];
	char *value;          /* our own reading, compared with iniparser's */
	unsigned line;
};

struct ini_section {
	char name[NAME_MAX_LEN + 1];
	unsigned line;
};

struct iampw_ini {
	dictionary *dict;
	char *display;
	struct ini_key *keys;
	size_t nkeys, keys_cap;
	struct ini_section *sections;
	size_t nsections, sections_cap;
};

/* State of one scan. */
struct scan {
	struct iampw_ini *ini;
	iampw_ini_known_fn known;
	struct iampw_err *e;
	const char *current;      /* current section name, NULL before the first */
	bool current_known;
	int status;
};

static int scan_error(struct scan *sc, int code, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int scan_error(struct scan *sc, int code, unsigned line, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (sc->status == IAMPW_OK)
		sc->status = code;
	return iampw_err_at(sc->e, code, sc->ini->display, line, "%s", what);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Trim blanks from both ends of [*s, *end). */
static void trim(const char **s, const char **end)
{
	while (*s < *end && is_blank(**s))
		(*s)++;
	while (*end > *s && is_blank((*end)[-1]))
		(*end)--;
}

/* Copy a name of [a-z0-9_] into out; false if empty, too long or other chars. */
static bool take_name(const char *s, const char *end, char out[NAME_MAX_LEN + 1])
{
	size_t n = (size_t)(end - s);

	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_name_char(s[i]))
			return false;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

static int add_section(struct scan *sc, const char *name, unsigned line)
{
	struct iampw_ini *ini = sc->ini;

	for (size_t i = 0; i < ini->nsections; i++) {
		if (strcmp(ini->sections[i].name, name) == 0)
			return scan_error(sc, IAMPW_E_PARSE, line,
					  "section [%s] repeated (first on line %u)",
					  name, ini->sections[i].line);
	}
	if (ini->nsections == ini->sections_cap) {
		size_t cap = ini->sections_cap ? ini->sections_cap * 2 : 8;
		struct ini_section *n = reallocarray(ini->sections, cap, sizeof *n);

		if (n == NULL)
			return scan_error(sc, IAMPW_E_NOMEM, line, "out of memory");
		ini->sections = n;
		ini->sections_cap = cap;
	}
	strcpy(ini->sections[ini->nsections].name, name);
	ini->sections[ini->nsections].line = line;
	ini->nsections++;
	return IAMPW_OK;
}

static int add_key(struct scan *sc, const char *key, const char *v,
		   const char *vend, unsigned line)
{
	struct iampw_ini *ini = sc->ini;
	struct ini_key *k;

	/* Keys first: they differ early ("h1", "h2"), sections share long names. */
	for (size_t i = 0; i < ini->nkeys; i++) {
		if (strcmp(ini->keys[i].key, key) == 0 &&
		    strcmp(ini->keys[i].section, sc->current) == 0)
			return scan_error(sc, IAMPW_E_PARSE, line,
					  "key '%s' repeated (first on line %u)",
					  key, ini->keys[i].line);
	}
	if (ini->nkeys == ini->keys_cap) {
		size_t cap = ini->keys_cap ? ini->keys_cap * 2 : 16;
		struct ini_key *n = reallocarray(ini->keys, cap, sizeof *n);

		if (n == NULL)
			return scan_error(sc, IAMPW_E_NOMEM, line, "out of memory");
		ini->keys = n;
		ini->keys_cap = cap;
	}
	k = &ini->keys[ini->nkeys];
	k->value = strndup(v, (size_t)(vend - v));
	if (k->value == NULL)
		return scan_error(sc, IAMPW_E_NOMEM, line, "out of memory");
	strcpy(k->section, sc->current);
	strcpy(k->key, key);
	k->line = line;
	ini->nkeys++;
	return IAMPW_OK;
}

static void scan_section(struct scan *sc, const char *s, const char *end,
			 unsigned line)
{
	const char *close = memchr(s, ']', (size_t)(end - s));
	const char *rest;
	char name[NAME_MAX_LEN + 1];

	if (close == NULL) {
		scan_error(sc, IAMPW_E_PARSE, line, "section header without ']'");
		sc->current = NULL;	/* its keys belong to no valid section */
		return;
	}
	rest = close + 1;
	while (rest < end && is_blank(*rest))
		rest++;
	/*
	 * Not even a comment: iniparser 4.1 takes a header only when the
	 * line ends with ']', and fails the whole file otherwise.
	 */
	if (rest < end) {
		scan_error(sc, IAMPW_E_PARSE, line, "text after the section header");
		sc->current = NULL;
		return;
	}
	if (!take_name(s + 1, close, name)) {
		scan_error(sc, IAMPW_E_PARSE, line,
			   "section names are 1 to %d characters of a-z, 0-9 and _",
			   NAME_MAX_LEN);
		sc->current = NULL;
		return;
	}
	if (add_section(sc, name, line) != IAMPW_OK) {
		sc->current = NULL;
		return;
	}
	sc->current = sc->ini->sections[sc->ini->nsections - 1].name;
	sc->current_known = sc->known == NULL || sc->known(name, NULL);
	if (!sc->current_known)
		scan_error(sc, IAMPW_E_PARSE, line, "unknown section [%s]", name);
}

static void scan_key(struct scan *sc, const char *s, const char *end, unsigned line)
{
	const char *eq = memchr(s, '=', (size_t)(end - s));
	const char *k = s, *kend, *v, *vend;
	char key[NAME_MAX_LEN + 1];

	if (eq == NULL) {
		scan_error(sc, IAMPW_E_PARSE, line, "expected 'key = value'");
		return;
	}
	kend = eq;
	trim(&k, &kend);
	if (!take_name(k, kend, key)) {
		scan_error(sc, IAMPW_E_PARSE, line,
			   "key names are 1 to %d characters of a-z, 0-9 and _",
			   NAME_MAX_LEN);
		return;
	}
	/* The value ends at a comment, as iniparser reads it. */
	v = eq + 1;
	vend = v;
	while (vend < end && *vend != ';' && *vend != '#')
		vend++;
	trim(&v, &vend);
	/*
	 * '=' is allowed: the key ends at the first one for iniparser too,
	 * and sha512crypt history settings hold one ("$6$rounds=N$...").
	 */
	for (const char *p = v; p < vend; p++) {
		if (*p == '"' || *p == '\'' || (unsigned char)*p >= 0x80) {
			scan_error(sc, IAMPW_E_PARSE, line,
				   "key '%s': values are plain ASCII without quotes",
				   key);
			return;
		}
	}
	if (sc->current == NULL) {
		/* Either no section yet, or the last header was invalid. */
		scan_error(sc, IAMPW_E_PARSE, line, "key '%s' outside a valid section", key);
		return;
	}
	if (sc->current_known && sc->known != NULL && !sc->known(sc->current, key)) {
		scan_error(sc, IAMPW_E_PARSE, line, "unknown key '%s' in [%s]",
			   key, sc->current);
		return;
	}
	add_key(sc, key, v, vend, line);
}

/* Check the bytes of one line: NUL, control characters, length. */
static bool scan_line_bytes(struct scan *sc, const char *s, size_t n, unsigned line)
{
	if (n > IAMPW_LINE_MAX) {
		scan_error(sc, IAMPW_E_PARSE, line, "line longer than %d bytes",
			   IAMPW_LINE_MAX);
		return false;
	}
	if (memchr(s, '\0', n) != NULL) {
		scan_error(sc, IAMPW_E_PARSE, line, "NUL byte");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			scan_error(sc, IAMPW_E_PARSE, line,
				   "control character 0x%02x", c);
			return false;
		}
	}
	return true;
}

static void scan_line(struct scan *sc, const char *s, size_t n, unsigned line)
{
	const char *end = s + n;

	if (!scan_line_bytes(sc, s, n, line))
		return;
	trim(&s, &end);
	if (s == end)
		return;
	/*
	 * iniparser joins a line ending in '\' with the next one, and does
	 * so before it looks for a comment: a comment line can swallow the
	 * key below it.
	 */
	if (end[-1] == '\\') {
		scan_error(sc, IAMPW_E_PARSE, line, "line continuation ('\\') not allowed");
		return;
	}
	if (*s == ';' || *s == '#')
		return;
	if (*s == '[')
		scan_section(sc, s, end, line);
	else
		scan_key(sc, s, end, line);
}

/* Keys named like a section make iniparser 4.1 misbehave: refuse them. */
static void scan_key_section_clash(struct scan *sc)
{
	const struct iampw_ini *ini = sc->ini;

	for (size_t i = 0; i < ini->nkeys; i++) {
		for (size_t j = 0; j < ini->nsections; j++) {
			if (strcmp(ini->keys[i].key, ini->sections[j].name) == 0)
				scan_error(sc, IAMPW_E_PARSE, ini->keys[i].line,
					   "key '%s' has the name of a section",
					   ini->keys[i].key);
		}
	}
}

static int scan_buffer(struct scan *sc, const char *buf, size_t len)
{
	unsigned line = 1;
	size_t pos = 0;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		return scan_error(sc, IAMPW_E_PARSE, 1, "byte-order mark at the start of the file");
	while (pos < len) {
		const char *s = buf + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - s) : len - pos;

		pos += n + (nl != NULL);
		/* A CRLF line end is accepted; a lone CR is a control character. */
		if (n > 0 && s[n - 1] == '\r')
			n--;
		scan_line(sc, s, n, line);
		if (sc->status == IAMPW_E_NOMEM)
			return sc->status;
		line++;
	}
	scan_key_section_clash(sc);
	return sc->status;
}

#ifndef IAMPW_MODULE
static int silent_error(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}

/* iniparser's value of section:key, or NULL. */
static const char *theirs(const struct iampw_ini *ini, const char *section,
			  const char *key)
{
	char full[2 * NAME_MAX_LEN + 2];

	if (ini->dict == NULL ||
	    snprintf(full, sizeof full, "%s:%s", section, key) >= (int)sizeof full)
		return NULL;
	return iniparser_getstring(ini->dict, full, NULL);
}

/* Let iniparser read the same open file and compare its result with ours. */
static int cross_check(struct iampw_ini *ini, int fd, struct iampw_err *e)
{
	char path[64];
	size_t total = 0;
	int nsec;

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	/*
	 * The callback is process-wide; our scan has already refused what
	 * iniparser would complain about, and it must never print to the
	 * host process's stderr.
	 */
	iniparser_set_error_callback(silent_error);
	ini->dict = iniparser_load(path);
	iniparser_set_error_callback(NULL);
	if (ini->dict == NULL)
		return iampw_err_at(e, IAMPW_E_IO, ini->display, 0,
				     "iniparser could not read it through %s (is /proc mounted?)", path);
	nsec = iniparser_getnsec(ini->dict);
	if (nsec < 0 || (size_t)nsec != ini->nsections)
		goto disagree;
	for (int i = 0; i < nsec; i++) {
		const char *name = iniparser_getsecname(ini->dict, i);
		int n = name != NULL ? iniparser_getsecnkeys(ini->dict, name) : -1;

		if (n < 0)
			goto disagree;
		total += (size_t)n;
	}
	if (total != ini->nkeys)
		goto disagree;
	for (size_t i = 0; i < ini->nkeys; i++) {
		const struct ini_key *k = &ini->keys[i];
		const char *v = theirs(ini, k->section, k->key);

		if (v == NULL || strcmp(v, k->value) != 0)
			return iampw_err_at(e, IAMPW_E_PARSE, ini->display, k->line,
					     "key '%s' in [%s]: iniparser reads another value (the file changed while it was read?)", k->key, k->section);
	}
	return IAMPW_OK;
disagree:
	return iampw_err_at(e, IAMPW_E_PARSE, ini->display, 0,
			     "the file changed while it was read, or cannot be parsed unambiguously");
}

#else
static int cross_check(struct iampw_ini *ini, int fd, struct iampw_err *e)
{
	(void)ini;
	(void)fd;
	(void)e;
	return IAMPW_OK;
}
#endif

/*
 * Scan `buf` into a new table (no iniparser: the strict reading alone).
 * With `keep_partial`, a file with syntax problems (IAMPW_E_PARSE) still
 * gives the table of its good lines in *out, so that the caller can
 * report bad values too: every problem of a hand-written file, not only
 * the first kind.
 */
static int scan_text(const char *buf, size_t len, const char *display,
		     iampw_ini_known_fn known, bool keep_partial,
		     struct iampw_ini **out, struct iampw_err *e)
{
	struct iampw_ini *ini;
	struct scan sc = { 0 };
	int rc;

	*out = NULL;
	ini = calloc(1, sizeof *ini);
	if (ini == NULL || (ini->display = strdup(display)) == NULL) {
		free(ini);
		return iampw_err_at(e, IAMPW_E_NOMEM, display, 0, "out of memory");
	}
	sc.ini = ini;
	sc.known = known;
	sc.e = e;
	rc = scan_buffer(&sc, buf, len);
	if (rc != IAMPW_OK) {
		if (keep_partial && rc == IAMPW_E_PARSE)
			*out = ini;
		else
			iampw_ini_free(ini);
		return rc;
	}
	*out = ini;
	return IAMPW_OK;
}

/*
 * Read fd and scan it; with `cross_check`, iniparser must agree too.
 * `keep_partial` as for scan_text (no cross-check is made then).
 */
static int load_fd(int fd, const char *display, size_t cap, bool cross,
		   iampw_ini_known_fn known, bool keep_partial,
		   struct iampw_ini **out, struct iampw_err *e)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = iampw_read_file(fd, display, cap, SIZE_MAX, &buf, &len, e);
	if (rc != IAMPW_OK)
		return rc;
	rc = scan_text(buf, len, display, known, keep_partial, out, e);
	iampw_wipe(buf, len);
	free(buf);
	if (rc == IAMPW_OK && cross && CROSS_CHECK) {
		rc = cross_check(*out, fd, e);
		if (rc != IAMPW_OK) {
			iampw_ini_free(*out);
			*out = NULL;
		}
	}
	return rc;
}

int iampw_ini_load_fd(int fd, const char *display, size_t cap,
		      iampw_ini_known_fn known, struct iampw_ini **out,
		      struct iampw_err *e)
{
	return load_fd(fd, display, cap, true, known, false, out, e);
}

/*
 * After syntax problems (`rc`), check the values of the lines that did
 * scan, adding their problems to `e`; the result stays `rc`.
 */
static int partial_values(struct iampw_ini *partial, iampw_ini_apply_fn apply,
			  void *out, int rc, struct iampw_err *e)
{
	if (partial == NULL)
		return rc;
	(void)apply(partial, out, e);
	iampw_ini_free(partial);
	return rc;
}

int iampw_ini_parse_with(const char *name, const char *text, size_t len,
			 bool hand_written, iampw_ini_known_fn known,
			 iampw_ini_apply_fn apply, void *out, struct iampw_err *e)
{
	struct iampw_ini *ini;
	int rc;

	if (len > IAMPW_CONF_SIZE_MAX)
		return iampw_err_at(e, IAMPW_E_UNSAFE, name, 0, "larger than %d bytes", IAMPW_CONF_SIZE_MAX);
	/*
	 * Hand-written files list every problem: the bad values of a file
	 * with syntax problems too.  A profile, written by our serializer, is
	 * reported by its syntax problems alone (its required keys would all
	 * be "missing" after one broken line).
	 */
	rc = scan_text(text, len, name, known, hand_written, &ini, e);
	if (rc != IAMPW_OK)
		return partial_values(ini, apply, out, rc, e);
	rc = apply(ini, out, e);
	iampw_ini_free(ini);
	return rc;
}

int iampw_ini_load_fd_with(int fd, const char *display, size_t cap,
			   bool cross_check, iampw_ini_known_fn known,
			   iampw_ini_apply_fn apply, void *out, struct iampw_err *e)
{
	struct iampw_ini *ini;
	int rc;

	rc = load_fd(fd, display, cap, cross_check, known, cross_check, &ini, e);
	if (rc != IAMPW_OK)
		return partial_values(ini, apply, out, rc, e);
	rc = apply(ini, out, e);
	iampw_ini_free(ini);
	return rc;
}

int iampw_ini_load_path_with(const char *path, uid_t owner, size_t cap,
			     iampw_ini_known_fn known, iampw_ini_apply_fn apply,
			     void *out, struct iampw_err *e)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/'), *name = path;
	int dirfd = AT_FDCWD, fd, rc;

	/*
	 * Whoever can write the directory can remove or replace the file:
	 * a removed policy.conf would silently bring back IAM's default
	 * policy.  So the directory is checked first, even when the file is
	 * missing, and the file is opened relative to it.
	 */
	if (slash != NULL) {
		size_t n = slash == path ? 1 : (size_t)(slash - path);

		if (n >= sizeof dir)
			return iampw_err_at(e, IAMPW_E_INVAL, path, 0, "path too long");
		memcpy(dir, path, n);
		dir[n] = '\0';
		name = slash + 1;
		dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0 && errno == ENOENT)
			return IAMPW_E_NOENT;
		if (dirfd < 0)
			return iampw_err_at(e, errno == ENOTDIR ? IAMPW_E_UNSAFE : IAMPW_E_IO, path, 0,
					     "cannot open the directory %s: %s", dir,
					     iampw_errstr(errno));
		rc = iampw_check_dir(dirfd, dir, owner, e);
		if (rc != IAMPW_OK) {
			close(dirfd);
			return rc;
		}
	}
	rc = iampw_open_safe(dirfd, name, path, owner, cap, &fd, e);
	if (dirfd != AT_FDCWD)
		close(dirfd);
	if (rc != IAMPW_OK)
		return rc;
	rc = iampw_ini_load_fd_with(fd, path, cap, true, known, apply, out, e);
	close(fd);
	return rc;
}

/*
 * Values are read from our own table: the cross-check has proved them
 * equal to iniparser's, and the table knows each key's line.
 */
const char *iampw_ini_get(const struct iampw_ini *ini, const char *section,
			  const char *key, unsigned *line)
{
	for (size_t i = 0; ini != NULL && i < ini->nkeys; i++) {
		if (strcmp(ini->keys[i].key, key) == 0 &&
		    strcmp(ini->keys[i].section, section) == 0) {
			if (line != NULL)
				*line = ini->keys[i].line;
			return ini->keys[i].value;
		}
	}
	return NULL;
}

bool iampw_ini_has_section(const struct iampw_ini *ini, const char *section)
{
	for (size_t i = 0; ini != NULL && i < ini->nsections; i++) {
		if (strcmp(ini->sections[i].name, section) == 0)
			return true;
	}
	return false;
}

const char *iampw_ini_display(const struct iampw_ini *ini)
{
	return ini->display;
}

void iampw_ini_free(struct iampw_ini *ini)
{
	if (ini == NULL)
		return;
	for (size_t i = 0; i < ini->nkeys; i++) {
#ifndef IAMPW_MODULE
		/*
		 * iniparser frees its strings without wiping them; a profile's
		 * values include password hashes, so wipe them in place first.
		 */
		char *v = (char *)(uintptr_t)theirs(ini, ini->keys[i].section,
						      ini->keys[i].key);
		if (v != NULL)
			iampw_wipe(v, strlen(v));
#endif
		iampw_wipe_free(ini->keys[i].value);
	}
#ifndef IAMPW_MODULE
	if (ini->dict != NULL)
		iniparser_freedict(ini->dict);
#endif
	free(ini->keys);
	free(ini->sections);
	free(ini->display);
	free(ini);
}

static int value_error(const struct iampw_ini *ini, unsigned line,
		       const char *key, const char *what, const char *v,
		       struct iampw_err *e)
{
	return iampw_err_at(e, IAMPW_E_PARSE, ini->display, line, "%s: %s '%.40s'", key, what, v);
}

int iampw_ini_get_u64(const struct iampw_ini *ini, const char *section,
		      const char *key, uint64_t min, uint64_t max,
		      uint64_t *out, struct iampw_err *e)
{
	unsigned line = 0;
	const char *v = iampw_ini_get(ini, section, key, &line);
	uint64_t n;

	if (v == NULL)
		return IAMPW_OK;
	switch (iampw_parse_u64(v, &n)) {
	case IAMPW_NUM_OK:
		if (n < min || n > max)
			return iampw_err_at(e, IAMPW_E_PARSE, ini->display, line,
					     "%s: %llu is out of range (%llu to %llu)", key,
					     (unsigned long long)n,
					     (unsigned long long)min,
					     (unsigned long long)max);
		*out = n;
		return IAMPW_OK;
	case IAMPW_NUM_NEGATIVE:
	case IAMPW_NUM_OVERFLOW:
		return iampw_err_at(e, IAMPW_E_PARSE, ini->display, line,
				     "%s: '%.40s' is out of range (%llu to %llu)", key, v,
				     (unsigned long long)min,
				     (unsigned long long)max);
	case IAMPW_NUM_SYNTAX:
		break;
	}
	return value_error(ini, line, key, "not a plain base-10 number:", v, e);
}

int iampw_ini_get_bool(const struct iampw_ini *ini, const char *section,
		       const char *key, bool *out, struct iampw_err *e)
{
	unsigned line = 0;
	const char *v = iampw_ini_get(ini, section, key, &line);

	if (v == NULL)
		return IAMPW_OK;
	if (!iampw_parse_bool(v, out))
		return value_error(ini, line, key,
				   "not one of true/false/yes/no/1/0:", v, e);
	return IAMPW_OK;
}
