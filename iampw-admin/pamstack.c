/*
 * The host's PAM configuration, read as Debian's libpam reads it (see
 * pamstack.h).  libpam exports neither its parser nor its dispatcher, so
 * both are followed here from the Linux-PAM 1.5.2 sources with Debian's
 * patches (libpam/pam_handlers.c, pam_misc.c, pam_dispatch.c;
 * debian/patches-applied/031_pam_include and
 * 045_pam_dispatch_jump_is_ignore), behaviour for behaviour: where this
 * file differs from libpam it says so, and always towards "not proven".
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pamstack.h"
#include "messages.h"

/* A PAM file larger than this is not one libpam is meant to read. */
#define PAM_FILE_MAX (1024 * 1024)

/* ---------------------------------------------------------------------- */
/* Reading one file                                                       */

int pam_file_open(const char *path, uid_t owner, FILE **fp, bool *trusted,
		  struct iampw_err *e)
{
	struct stat st;
	int fd, err;

	*fp = NULL;
	*trusted = false;
	/* O_NONBLOCK: a FIFO put where a PAM file belongs must not hang check. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err = errno;
		iampw_err_at(e, err == ENOENT ? IAMPW_E_NOENT : IAMPW_E_IO, path, 0, "%s",
			      iampw_errstr(err));
		return err == ENOENT ? IAMPW_E_NOENT : IAMPW_E_IO;
	}
	if (fstat(fd, &st) != 0) {
		err = errno;
		close(fd);
		return iampw_err_at(e, IAMPW_E_IO, path, 0, "%s",
				     iampw_errstr(err));
	}
	if (!S_ISREG(st.st_mode) || st.st_size > PAM_FILE_MAX) {
		iampw_err_add(e, IAMPW_E_UNSAFE, S_ISREG(st.st_mode) ? "%s: larger than 1 MiB" :
			      "%s: not a regular file", path);
		close(fd);
		return IAMPW_E_UNSAFE;
	}
	/* Reads of a regular file never block; the flag only guarded the open. */
	if (fcntl(fd, F_SETFL, O_RDONLY) != 0) {
		err = errno;
		close(fd);
		return iampw_err_at(e, IAMPW_E_IO, path, 0, "%s",
				     iampw_errstr(err));
	}
	*trusted = (st.st_uid == 0 || st.st_uid == owner) && !(st.st_mode & (S_IWGRP | S_IWOTH));
	*fp = fdopen(fd, "r");
	if (*fp == NULL) {
		err = errno;
		close(fd);
		return iampw_err_at(e, IAMPW_E_IO, path, 0, "%s",
				     iampw_errstr(err));
	}
	return IAMPW_OK;
}

/*
 * libpam's _pam_assemble_line: the length gathered into buf (> 0), 0 at
 * the end of the file, -1 when joined lines fill the buffer up or the
 * file ends inside a joined line.  Joined lines longer than the buffer
 * are cut where fgets cuts them and go on as a new line, as in libpam.
 * *done counts the physical lines read to their end; *first is the
 * number of the one the content began on.
 */
static int assemble(FILE *f, char *buf, size_t size, unsigned *done, unsigned *first)
{
	char *p = buf, *end = buf + size;
	size_t used = 0;

	for (;;) {
		char *s, *os;
		unsigned here = *done + 1;

		/*
		 * libpam reads on with fgets(p, 1), which reads nothing and
		 * never returns NULL, and so loops for ever: a service it never
		 * loads.  That is an error here.
		 */
		if (end - p <= 1)
			return -1;
		if (fgets(p, (int)(end - p), f) == NULL)
			return used > 0 ? -1 : 0;
		if (strchr(p, '\n') != NULL)
			(*done)++;
		s = p + strspn(p, " \n\t");
		/* A blank or comment line adds nothing, even inside a joined line. */
		if (*s == '\0' || *s == '#')
			continue;
		if (used == 0)
			*first = here;
		os = s;
		s = os + strcspn(os, "#");
		if (*s == '#') {
			*s = '\0';
			used += strlen(os);
			break;
		}
		s = os + strlen(os);
		while (s > os && (*--s == ' ' || *s == '\t' || *s == '\n'))
			;
		if (*s != '\\') {
			used += strlen(os);
			break;
		}
		/* The backslash becomes a blank and the next line follows it. */
		*s++ = ' ';
		*s = '\0';
		used += strlen(os);
		p = s;
	}
	return (int)used;
}

/*
 * libpam's _pam_StrTok over blanks, tabs and newlines: the next word of
 * *next, where "[...]" is one word without its brackets (up to the first
 * ']', "\]" standing for ']').  NULL when none is left.
 */
static char *word(char **next)
{
	char *from = *next, *end;

	if (from == NULL)
		return NULL;
	from += strspn(from, " \t\n");
	if (*from == '[') {
		char *to;

		for (to = end = ++from; *end != '\0' && *end != ']'; ++to, ++end) {
			if (*end == '\\' && end[1] == ']')
				++end;
			if (to != end)
				*to = *end;
		}
		if (to != end)
			*to = '\0';
	} else if (*from != '\0') {
		end = from + strcspn(from, " \t\n");
	} else {
		*next = NULL;
		return NULL;
	}
	if (*end != '\0')
		*end++ = '\0';
	*next = *end != '\0' ? end : NULL;
	return from;
}

static enum pam_type type_of(const char *t)
{
	if (t[0] == '-')
		t++;
	if (strcasecmp(t, "auth") == 0)
		return PAM_TYPE_AUTH;
	if (strcasecmp(t, "account") == 0)
		return PAM_TYPE_ACCOUNT;
	if (strcasecmp(t, "session") == 0)
		return PAM_TYPE_SESSION;
	if (strcasecmp(t, "password") == 0)
		return PAM_TYPE_PASSWORD;
	if (strcasecmp(t, "@include") == 0)
		return PAM_TYPE_INCLUDE;
	return PAM_TYPE_BAD;
}

enum pam_type pam_line_type(const struct pam_line *l)
{
	return type_of(l->type);
}

/* libpam's split of a line of a pam.d file (no service field). */
static void split(char *buf, struct pam_line *l)
{
	char *next = buf, *w;

	w = word(&next);
	l->type = w != NULL ? w : "";
	/* @include takes its file where other lines have their control. */
	if (type_of(l->type) == PAM_TYPE_INCLUDE) {
		l->control = NULL;
		l->target = word(&next);
	} else {
		l->control = word(&next);
		l->target = l->control != NULL ? word(&next) : NULL;
	}
	l->argc = 0;
	while (l->argc < PAM_ARGS_MAX && (w = word(&next)) != NULL)
		l->argv[l->argc++] = w;
}

int pam_file_each(FILE *f, const char *display, pam_line_fn fn, void *ctx,
		  struct iampw_err *e)
{
	char buf[PAM_LINE_MAX];
	struct pam_line *l = malloc(sizeof *l);
	unsigned done = 0, first = 0;
	int n, rc = 0;

	if (l == NULL)
		return iampw_err_add(e, IAMPW_E_NOMEM, MSG_NOMEM);
	while (rc == 0 && (n = assemble(f, buf, sizeof buf, &done, &first)) > 0) {
		memset(l, 0, sizeof *l);
		l->file = display;
		l->lineno = first;
		split(buf, l);
		rc = fn(ctx, l);
	}
	free(l);
	if (rc != 0)
		return rc;
	if (ferror(f))
		return iampw_err_at(e, IAMPW_E_IO, display, 0, "read error");
	if (n < 0)
		return iampw_err_at(e, IAMPW_E_PARSE, display, done + 1,
				     "a line joined with '\\' fills libpam's %d-byte buffer "
				     "or ends the file: libpam cannot load the service", PAM_LINE_MAX);
	return IAMPW_OK;
}

int pam_file_walk(const char *path, pam_line_fn fn, void *ctx, struct iampw_err *e)
{
	bool trusted;
	FILE *f;
	int rc = pam_file_open(path, 0, &f, &trusted, e);

	if (rc != IAMPW_OK)
		return rc;
	rc = pam_file_each(f, path, fn, ctx, e);
	fclose(f);
	return rc;
}

const char *pam_module_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

bool pam_line_has_arg(const struct pam_line *l, const char *w)
{
	for (int i = 0; i < l->argc; i++)
		if (strcmp(l->argv[i], w) == 0)
			return true;
	return false;
}

const char *pam_line_arg(const struct pam_line *l, const char *key)
{
	size_t n = strlen(key);
	const char *v = NULL;

	for (int i = 0; i < l->argc; i++)
		if (strncmp(l->argv[i], key, n) == 0 && l->argv[i][n] == '=')
			v = l->argv[i] + n + 1;
	return v;
}

/* ---------------------------------------------------------------------- */
/* A service's auth stack, as libpam builds its handler list              */

/* libpam's return codes (security/_pam_types.h) and _PAM_RETURN_VALUES. */
enum {
	RV_SUCCESS = 0,
	RV_BUF_ERR = 5,
	RV_PERM_DENIED = 6,  /* PAM_MUST_FAIL_CODE: a broken line's answer */
	RV_AUTH_ERR = 7,
	RV_IGNORE = 25,
	RV_MODULE_UNKNOWN = 28,  /* a module that did not load */
	RV_INCOMPLETE = 31,
	RV_N = 32,
};

/* The control words of libpam's pam_tokens.h, in its order. */
static const char *const rv_names[RV_N + 1] = {
	"success", "open_err", "symbol_err", "service_err", "system_err", "buf_err",
	"perm_denied", "auth_err", "cred_insufficient", "authinfo_unavail", "user_unknown",
	"maxtries", "new_authtok_reqd", "acct_expired", "session_err", "cred_unavail",
	"cred_expired", "cred_err", "no_module_data", "conv_err", "authtok_err",
	"authtok_recover_err", "authtok_lock_busy", "authtok_disable_aging", "try_again",
	"ignore", "abort", "authtok_expired", "module_unknown", "bad_item", "conv_again",
	"incomplete", "default",
};

/* Actions, as libpam numbers them: a positive number is a jump. */
enum {
	ACT_IGNORE = 0,
	ACT_OK = -1,
	ACT_DONE = -2,
	ACT_BAD = -3,
	ACT_DIE = -4,
	ACT_RESET = -5,
	ACT_UNDEF = -6,
};
static const char *const act_names[] = { "ignore", "ok", "done", "bad", "die", "reset" };
#define NACTS ((int)(sizeof act_names / sizeof act_names[0]))

/* libpam's PAM_SUBSTACK_MAX_LEVEL, used here for includes as well. */
#define LEVEL_MAX 16
/* More auth lines than any real stack has: beyond it, nothing is proven. */
#define HANDLERS_MAX 256

enum kind {
	K_OTHER,         /* any answer */
	K_UNIX,          /* any answer; success = the password is accepted */
	K_MFA,           /* pam_iampw.so mfa reading check's files */
	K_MFA_ELSEWHERE, /* pam_iampw.so mfa reading other files: any answer */
	K_IAMPW,         /* pam_iampw.so without mfa: never success */
	K_DENY,          /* pam_deny.so */
};

struct handler {
	int level;
	bool marker;          /* a substack's own entry: skipped when run */
	bool must_fail;       /* a broken line: libpam answers PAM_PERM_DENIED */
	enum kind kind;
	int actions[RV_N];
	char where[200];      /* "file:line" */
	char what[200];       /* "CONTROL MODULE" as written */
};

struct stack {
	struct handler *h;
	size_t n;
	char problem[PAMSTACK_WHY_SIZE];   /* why it cannot be judged, "" if it can */
	char elsewhere[PAMSTACK_WHY_SIZE]; /* an mfa line that reads other files */
	bool other;           /* a service without auth lines: "other"'s stack */
};

struct loader {
	const struct pamstack_query *q;
	struct stack *s;
	int level;     /* substack level */
	int depth;     /* files being read, one inside the other */
	bool any;      /* reading for every type (a service file and its @includes) */
};

/* The first problem wins: it is the one the administrator meets first. */
static int problem(struct loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int problem(struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	if (ld->s->problem[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(ld->s->problem, sizeof ld->s->problem, fmt, ap);
		va_end(ap);
	}
	return 1;
}

static void set_default(int *a, int act)
{
	for (int i = 0; i < RV_N; i++)
		if (a[i] == ACT_UNDEF)
			a[i] = act;
}

/* libpam's _pam_parse_control: "[value=action ...]"; any error makes every action bad. */
static void parse_control(int *a, const char *tok)
{
	while (*tok != '\0') {
		int ret, act;
		size_t len = 0;

		while (isspace((unsigned char)*tok))
			tok++;
		if (*tok == '\0')
			break;
		for (ret = 0; ret <= RV_N; ret++) {
			len = strlen(rv_names[ret]);
			if (strncmp(rv_names[ret], tok, len) == 0)
				break;
		}
		if (ret > RV_N || *(tok += len) == '\0')
			goto bad;
		while (isspace((unsigned char)*tok))
			tok++;
		if (*tok++ != '=')
			goto bad;
		while (isspace((unsigned char)*tok))
			tok++;
		if (*tok == '\0')
			goto bad;
		for (act = 0; act < NACTS; act++) {
			len = strlen(act_names[act]);
			if (strncmp(act_names[act], tok, len) == 0) {
				act = -act;
				tok += len;
				break;
			}
		}
		if (act > 0) {
			if (!isdigit((unsigned char)*tok))
				goto bad;
			act = 0;
			do {
				/* libpam overflows here; any jump this long is a bad jump anyway. */
				if (act < 1000000)
					act = act * 10 + (*tok - '0');
			} while (*++tok != '\0' && isdigit((unsigned char)*tok));
			if (act == 0)
				goto bad;
		}
		if (ret != RV_N)
			a[ret] = act;
		else
			set_default(a, act);
	}
	return;
bad:
	for (int i = 0; i < RV_N; i++)
		a[i] = ACT_BAD;
}

/* The actions of a control word; include and substack set *include (and *substack). */
static void control_actions(const char *ctl, int *a, bool *include, bool *substack)
{
	for (int i = 0; i < RV_N; i++)
		a[i] = ACT_UNDEF;
	*include = *substack = false;
	if (strcasecmp(ctl, "required") == 0 || strcasecmp(ctl, "requisite") == 0) {
		a[RV_SUCCESS] = a[12 /* new_authtok_reqd */] = ACT_OK;
		a[RV_IGNORE] = ACT_IGNORE;
		set_default(a, strcasecmp(ctl, "required") == 0 ? ACT_BAD : ACT_DIE);
	} else if (strcasecmp(ctl, "optional") == 0) {
		a[RV_SUCCESS] = a[12] = ACT_OK;
		set_default(a, ACT_IGNORE);
	} else if (strcasecmp(ctl, "sufficient") == 0) {
		a[RV_SUCCESS] = a[12] = ACT_DONE;
		set_default(a, ACT_IGNORE);
	} else if (strcasecmp(ctl, "include") == 0 || strcasecmp(ctl, "substack") == 0) {
		*include = true;
		*substack = strcasecmp(ctl, "substack") == 0;
	} else {
		parse_control(a, ctl);
		set_default(a, ACT_BAD);
	}
}

/* The path an mfa line's option names, as pam_iampw's parse_opts takes it (absolute only). */
static const char *module_path_option(const struct pam_line *l, const char *key, const char *dflt)
{
	size_t n = strlen(key);
	const char *v = dflt;

	for (int i = 0; i < l->argc; i++)
		if (strncmp(l->argv[i], key, n) == 0 && l->argv[i][n] == '=' &&
		    l->argv[i][n + 1] == '/')
			v = l->argv[i] + n + 1;
	return v;
}

static enum kind kind_of(struct loader *ld, const struct pam_line *l)
{
	const char *name = pam_module_name(l->target), *config, *state;

	if (strcmp(name, "pam_unix.so") == 0)
		return K_UNIX;
	if (strcmp(name, "pam_deny.so") == 0)
		return K_DENY;
	if (strcmp(name, "pam_iampw.so") != 0)
		return K_OTHER;
	if (!pam_line_has_arg(l, "mfa"))
		return K_IAMPW;
	config = module_path_option(l, "config", IAMPW_SYSCONFDIR "/iampw.conf");
	state = module_path_option(l, "statedir", IAMPW_STATEDIR);
	if (strcmp(config, ld->q->config) == 0 && strcmp(state, ld->q->state_dir) == 0)
		return K_MFA;
	/* Its users and devices are not the ones check counts. */
	if (ld->s->elsewhere[0] == '\0')
		iampw_fmt(ld->s->elsewhere, sizeof ld->s->elsewhere,
			  "the mfa line at %s:%u reads %s and the devices of %s, but check counted "
			  "%s and %s", l->file, l->lineno, config, state, ld->q->config,
			  ld->q->state_dir);
	return K_MFA_ELSEWHERE;
}

static struct handler *add(struct loader *ld, const struct pam_line *l)
{
	struct handler *h;

	if (ld->s->n >= HANDLERS_MAX) {
		problem(ld, "%s:%u: more than %d auth lines", l->file, l->lineno, HANDLERS_MAX);
		return NULL;
	}
	h = &ld->s->h[ld->s->n++];
	memset(h, 0, sizeof *h);
	h->level = ld->level;
	iampw_fmt(h->where, sizeof h->where, "%s:%u", l->file, l->lineno);
	return h;
}

static void load(struct loader *ld, const char *name, const struct pam_line *from);

static int on_line(void *ctx, const struct pam_line *l)
{
	struct loader *ld = ctx;
	enum pam_type t = pam_line_type(l);
	bool include = false, substack = false;
	int actions[RV_N];
	struct handler *h;

	if (t == PAM_TYPE_INCLUDE) {
		load(ld, l->target, l);
		return ld->s->problem[0] != '\0';
	}
	/* A line of an unknown type joins the auth stack, failing (libpam: most sensitive). */
	if (t != PAM_TYPE_AUTH && t != PAM_TYPE_BAD)
		return 0;
	if (l->control == NULL) {
		for (int i = 0; i < RV_N; i++)
			actions[i] = ACT_BAD;
	} else {
		control_actions(l->control, actions, &include, &substack);
	}
	if (include) {
		if (substack && (h = add(ld, l)) != NULL)
			h->marker = true;
		bool any = ld->any;

		ld->level += substack;
		ld->any = false;
		load(ld, l->target, l);
		ld->level -= substack;
		ld->any = any;
		return ld->s->problem[0] != '\0';
	}
	h = add(ld, l);
	if (h == NULL)
		return 1;
	memcpy(h->actions, actions, sizeof actions);
	h->must_fail = t == PAM_TYPE_BAD || l->control == NULL || l->target == NULL;
	if (!h->must_fail)
		h->kind = kind_of(ld, l);
	if (l->control != NULL && strpbrk(l->control, "= \t") != NULL)
		iampw_fmt(h->what, sizeof h->what, "[%s] %s", l->control,
			  l->target != NULL ? pam_module_name(l->target) : "(no module)");
	else
		iampw_fmt(h->what, sizeof h->what, "%s %s", l->control != NULL ? l->control : "(none)",
			  l->target != NULL ? pam_module_name(l->target) : "(no module)");
	return 0;
}

/*
 * A file that libpam does not find gives one failing line in the stack
 * being read.  Read for every type (an @include of a service file), it
 * has no stack to go to: libpam then refuses to load the service at all.
 */
static void missing_file(struct loader *ld, const struct pam_line *from, const char *path)
{
	struct handler *h;

	if (ld->any) {
		problem(ld, "%s:%u: %s does not exist: libpam cannot load the service",
			from->file, from->lineno, path);
		return;
	}
	h = add(ld, from);
	if (h == NULL)
		return;
	h->must_fail = true;
	for (int i = 0; i < RV_N; i++)
		h->actions[i] = ACT_BAD;
	iampw_fmt(h->what, sizeof h->what, "include of missing %s", from->target);
}

/*
 * Read `name` into the stack: "other" (from NULL) or the target of an
 * include at `from`.  Debian's patch resolves a relative include in
 * PAMD_DIR only.
 */
static void load(struct loader *ld, const char *name, const struct pam_line *from)
{
	char path[4096];
	struct iampw_err e;
	bool trusted;
	FILE *f;
	int rc;

	if (name == NULL) {
		/* libpam 1.5.2 dereferences the missing name and crashes. */
		problem(ld, "%s:%u: an include without a file name", from->file, from->lineno);
		return;
	}
	if (from != NULL && (ld->depth >= LEVEL_MAX || ld->level >= LEVEL_MAX)) {
		problem(ld, "%s:%u: includes nested more than %d deep", from->file, from->lineno,
			LEVEL_MAX);
		return;
	}
	if (name[0] == '/' || from == NULL)
		iampw_fmt(path, sizeof path, "%s", name);
	else
		iampw_fmt(path, sizeof path, "%s/%s", ld->q->pamd_dir, name);
	iampw_err_init(&e);
	rc = pam_file_open(path, ld->q->owner, &f, &trusted, &e);
	if (rc == IAMPW_E_NOENT && from != NULL) {
		missing_file(ld, from, path);
		return;
	}
	if (rc != IAMPW_OK) {
		problem(ld, "cannot read %s", e.text);
		return;
	}
	if (!trusted) {
		problem(ld, "%s is not root's, or is writable by group or others: whoever can "
			"write it decides whether MFA is asked", path);
		fclose(f);
		return;
	}
	ld->depth++;
	rc = pam_file_each(f, path, on_line, ld, &e);
	ld->depth--;
	fclose(f);
	if (rc < 0)
		problem(ld, "%s", e.text);
}

/* ---------------------------------------------------------------------- */
/* Walking the stack as libpam's _pam_dispatch_aux does                   */

enum { IMP_NEGATIVE = -1, IMP_UNDEF = 0, IMP_POSITIVE = 1 };

/*
 * libpam's state between two handlers.  Only whether the status is
 * PAM_SUCCESS ever matters to it, so that is all that is kept.
 */
struct state {
	int imp;
	bool ok;
	int prev_level;
	int sub_imp[LEVEL_MAX + 1];   /* impression and status when the level was entered */
	bool sub_ok[LEVEL_MAX + 1];
	bool pw;                      /* pam_unix answered PAM_SUCCESS */
	bool mfa;                     /* then the mfa line answered PAM_SUCCESS */
};

struct step {
	size_t idx, next;   /* the handler, and the one run after it */
	int code, action;
	bool decided;       /* done or die ended its level */
};

#define SEEN_MAX (1u << 17)

struct seen_key {
	uint64_t bits;
	uint32_t idx;     /* + 1: 0 is an empty slot */
};

struct walk {
	const struct stack *s;
	struct seen_key *seen;
	size_t cap, used;
	struct step path[HANDLERS_MAX + 1];
	size_t len;
	bool violated, too_big;
	bool pw_success;    /* some run succeeds after pam_unix accepted the password */
	struct step found[HANDLERS_MAX + 1];
	size_t found_len;
};

static uint64_t pack(const struct state *st)
{
	uint64_t b = (uint64_t)(st->imp + 1) | (uint64_t)st->ok << 2 | (uint64_t)st->pw << 3 |
		     (uint64_t)st->mfa << 4 | (uint64_t)st->prev_level << 5;

	for (int l = 1; l <= LEVEL_MAX; l++)
		b |= ((uint64_t)(st->sub_imp[l] + 1) | (uint64_t)st->sub_ok[l] << 2) << (10 + 3 * (l - 1));
	return b;
}

/* Mark (idx, st) seen; false when it already was (or the table is full: too_big). */
static bool first_visit(struct walk *w, size_t idx, const struct state *st)
{
	struct seen_key k = { pack(st), (uint32_t)idx + 1 };
	size_t i;

	if (w->used * 2 >= w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 1024;
		struct seen_key *n;

		if (ncap > SEEN_MAX || (n = calloc(ncap, sizeof *n)) == NULL) {
			w->too_big = true;
			return false;
		}
		for (size_t j = 0; j < w->cap; j++) {
			if (w->seen[j].idx == 0)
				continue;
			for (i = (w->seen[j].bits * 31 + w->seen[j].idx) & (ncap - 1); n[i].idx != 0;
			     i = (i + 1) & (ncap - 1))
				;
			n[i] = w->seen[j];
		}
		free(w->seen);
		w->seen = n;
		w->cap = ncap;
	}
	for (i = (k.bits * 31 + k.idx) & (w->cap - 1); w->seen[i].idx != 0; i = (i + 1) & (w->cap - 1))
		if (w->seen[i].idx == k.idx && w->seen[i].bits == k.bits)
			return false;
	w->seen[i] = k;
	w->used++;
	return true;
}

/*
 * The answers a handler can give.  pam_iampw's are its own (pam_iampw.c,
 * mfa.c): without mfa PAM_IGNORE, or PAM_AUTH_ERR for a bad line; with
 * mfa, for a user who has a device, PAM_SUCCESS for the right code and
 * PAM_AUTH_ERR otherwise (PAM_IGNORE only when the caller is not root,
 * who cannot read the seeds, or for users out of scope, whom check does
 * not count).  Any module may fail with PAM_BUF_ERR or, when it does not
 * load, PAM_MODULE_UNKNOWN.
 */
static size_t answers(const struct handler *h, int *out)
{
	static const int mfa[] = { RV_SUCCESS, RV_AUTH_ERR, RV_BUF_ERR, RV_MODULE_UNKNOWN };
	static const int iampw[] = { RV_IGNORE, RV_AUTH_ERR, RV_BUF_ERR, RV_MODULE_UNKNOWN };
	static const int deny[] = { RV_AUTH_ERR, RV_BUF_ERR, RV_MODULE_UNKNOWN };
	const int *list = NULL;
	size_t n = 0;

	if (h->must_fail) {
		out[0] = RV_PERM_DENIED;
		return 1;
	}
	switch (h->kind) {
	case K_MFA: list = mfa; n = sizeof mfa / sizeof mfa[0]; break;
	case K_IAMPW: list = iampw; n = sizeof iampw / sizeof iampw[0]; break;
	case K_DENY: list = deny; n = sizeof deny / sizeof deny[0]; break;
	default:
		/* PAM_INCOMPLETE suspends the stack and resumes it at the same line. */
		for (int c = 0; c < RV_N; c++)
			if (c != RV_INCOMPLETE)
				out[n++] = c;
		return n;
	}
	memcpy(out, list, n * sizeof *list);
	return n;
}

/* After `idx` ends its level (done, die): the first handler of a lower level. */
static size_t level_end(const struct stack *s, size_t idx)
{
	int level = s->h[idx].level;

	while (idx + 1 < s->n && s->h[idx + 1].level >= level)
		idx++;
	return idx + 1;
}

/* Apply `action` of handler idx answering `code`: the next handler to run. */
static size_t dispatch(const struct stack *s, size_t idx, int code, int action,
		       struct state *st, bool *decided)
{
	int level = s->h[idx].level;

	*decided = false;
	switch (action) {
	case ACT_RESET:
		st->imp = st->sub_imp[level];
		st->ok = st->sub_ok[level];
		return idx + 1;
	case ACT_OK:
	case ACT_DONE:
		if (st->imp == IMP_UNDEF || (st->imp == IMP_POSITIVE && st->ok)) {
			st->imp = IMP_POSITIVE;
			st->ok = code == RV_SUCCESS;
		}
		if (st->imp == IMP_POSITIVE && action == ACT_DONE) {
			*decided = true;
			return level_end(s, idx);
		}
		return idx + 1;
	case ACT_BAD:
	case ACT_DIE:
		if (st->imp != IMP_NEGATIVE) {
			st->imp = IMP_NEGATIVE;
			st->ok = code == RV_SUCCESS;
		}
		if (action == ACT_DIE) {
			*decided = true;
			return level_end(s, idx);
		}
		return idx + 1;
	case ACT_IGNORE:
		return idx + 1;
	default: {
		/* A jump (Debian: never changes the impression) over `action` handlers of this level. */
		int left = action;

		while (idx + 1 < s->n && s->h[idx + 1].level >= level && left > 0) {
			do
				idx++;
			while (idx + 1 < s->n && s->h[idx + 1].level > level);
			left--;
		}
		if (left > 0) {
			/* "bad jump in stack" */
			st->imp = IMP_NEGATIVE;
			st->ok = false;
		}
		return idx + 1;
	}
	}
}

static void visit(struct walk *w, size_t idx, struct state st)
{
	const struct stack *s = w->s;
	const struct handler *h;
	int codes[RV_N], seen_class[RV_N][3];
	size_t n, nclass = 0;

	if (w->violated || w->too_big)
		return;
	if (idx >= s->n) {
		/* libpam succeeds only with a positive impression and PAM_SUCCESS. */
		if (st.imp == IMP_POSITIVE && st.ok && st.pw)
			w->pw_success = true;
		if (st.imp == IMP_POSITIVE && st.ok && st.pw && !st.mfa) {
			w->violated = true;
			memcpy(w->found, w->path, w->len * sizeof *w->path);
			w->found_len = w->len;
		}
		return;
	}
	if (!first_visit(w, idx, &st))
		return;
	h = &s->h[idx];
	if (st.prev_level < h->level) {
		st.sub_imp[h->level] = st.imp;
		st.sub_ok[h->level] = st.ok;
	}
	st.prev_level = h->level;
	if (h->marker) {
		visit(w, idx + 1, st);
		return;
	}
	n = answers(h, codes);
	for (size_t i = 0; i < n && !w->violated && !w->too_big; i++) {
		int code = codes[i], action = h->actions[code];
		struct state next = st;
		struct step *p = &w->path[w->len];
		bool dup = false;

		/* Answers alike in what they do lead to the same runs. */
		for (size_t j = 0; j < nclass; j++)
			if (seen_class[j][0] == action && seen_class[j][1] == (code == RV_SUCCESS) &&
			    seen_class[j][2] == (code == RV_IGNORE))
				dup = true;
		if (dup)
			continue;
		seen_class[nclass][0] = action;
		seen_class[nclass][1] = code == RV_SUCCESS;
		seen_class[nclass][2] = code == RV_IGNORE;
		nclass++;
		if (code == RV_SUCCESS && h->kind == K_UNIX)
			next.pw = true;
		if (code == RV_SUCCESS && h->kind == K_MFA && next.pw)
			next.mfa = true;
		p->idx = idx;
		p->code = code;
		p->action = action;
		p->next = dispatch(s, idx, code, action, &next, &p->decided);
		w->len++;
		visit(w, p->next, next);
		w->len--;
	}
}

/* ---------------------------------------------------------------------- */
/* Saying why                                                             */

static void action_text(int action, char *out, size_t n)
{
	if (action > 0)
		iampw_fmt(out, n, "a jump over %d line%s", action, action == 1 ? "" : "s");
	else if (-action < NACTS)
		iampw_fmt(out, n, "%s", act_names[-action]);
	else
		iampw_fmt(out, n, "bad");
}

/* The first mfa handler in (from, to), or NULL. */
static const struct handler *mfa_between(const struct stack *s, size_t from, size_t to)
{
	for (size_t i = from + 1; i < to && i < s->n; i++)
		if (s->h[i].kind == K_MFA)
			return &s->h[i];
	return NULL;
}

static const struct handler *first_mfa(const struct stack *s)
{
	return mfa_between(s, (size_t)-1, s->n);
}

/* Why the run w->found succeeds after pam_unix without a code. */
static void explain(const struct walk *w, char *why, size_t n)
{
	const struct stack *s = w->s;
	const struct step *f = w->found;
	const struct handler *unix_h = NULL, *m = first_mfa(s), *skipped;
	size_t u = 0;
	char act[64];

	for (u = 0; u < w->found_len; u++)
		if (s->h[f[u].idx].kind == K_UNIX && f[u].code == RV_SUCCESS) {
			unix_h = &s->h[f[u].idx];
			break;
		}
	if (unix_h == NULL)
		unix_h = &s->h[0];   /* not reached: a violation needs pam_unix's success */
	if (m == NULL) {
		if (s->elsewhere[0] != '\0')
			iampw_fmt(why, n, "%s", s->elsewhere);
		else
			iampw_fmt(why, n, "pam_unix.so at %s accepts the password and no 'auth ... "
				  "pam_iampw.so mfa' line asks for a code", unix_h->where);
		return;
	}
	for (size_t i = u; i < w->found_len; i++) {
		const struct handler *h = &s->h[f[i].idx];

		if (h->kind == K_MFA) {
			action_text(f[i].action, act, sizeof act);
			iampw_fmt(why, n, "'%s' at %s lets the login through after a wrong code "
				  "(%s: %s)", h->what, h->where, rv_names[f[i].code], act);
			return;
		}
	}
	for (size_t i = u; i < w->found_len; i++) {
		const struct handler *h = &s->h[f[i].idx];

		skipped = mfa_between(s, f[i].idx, f[i].next);
		if (skipped == NULL)
			continue;
		if (f[i].action > 0)
			iampw_fmt(why, n, "%s=%d of '%s' at %s skips the mfa line at %s",
				  rv_names[f[i].code], f[i].action, h->what, h->where, skipped->where);
		else if (f[i].decided)
			iampw_fmt(why, n, "'%s' at %s ends the %s on %s after pam_unix.so at %s accepts "
				  "the password, before the mfa line at %s", h->what, h->where,
				  h->level > 0 ? "substack" : "stack", rv_names[f[i].code],
				  unix_h->where, skipped->where);
		else
			continue;
		return;
	}
	if (m < unix_h)
		iampw_fmt(why, n, "the mfa line at %s comes before pam_unix.so at %s accepts the "
			  "password", m->where, unix_h->where);
	else
		iampw_fmt(why, n, "the mfa line at %s is not reached on every run in which pam_unix.so "
			  "at %s accepts the password", m->where, unix_h->where);
}

/*
 * Judge a loaded stack: true when proven; else `why` says why not.
 * *password: some run succeeds after pam_unix accepted the password (a
 * stack no password login gets through, pam_deny's, asks for nothing).
 */
static bool judge(const struct stack *s, char *why, size_t n, bool *password)
{
	struct walk *w;
	struct state st;
	bool proven;

	*password = true;
	if (s->problem[0] != '\0') {
		iampw_fmt(why, n, "%s", s->problem);
		return false;
	}
	w = calloc(1, sizeof *w);
	if (w == NULL) {
		iampw_fmt(why, n, MSG_NOMEM);
		return false;
	}
	w->s = s;
	memset(&st, 0, sizeof st);
	st.imp = IMP_UNDEF;
	st.ok = false;   /* PAM_MUST_FAIL_CODE */
	visit(w, 0, st);
	proven = !w->violated && !w->too_big;
	*password = w->pw_success || !proven;
	if (w->too_big)
		iampw_fmt(why, n, "the auth stack has too many ways through it to follow");
	else if (w->violated)
		explain(w, why, n);
	free(w->seen);
	free(w);
	return proven;
}

/* ---------------------------------------------------------------------- */
/* Services                                                               */

static struct stack *stack_new(void)
{
	struct stack *s = calloc(1, sizeof *s);

	if (s != NULL && (s->h = calloc(HANDLERS_MAX, sizeof *s->h)) == NULL) {
		free(s);
		s = NULL;
	}
	return s;
}

static void stack_free(struct stack *s)
{
	if (s != NULL)
		free(s->h);
	free(s);
}

/* The file libpam reads for service `name`: PAMD_DIR's, else the dist dir's; "" if none. */
static void service_path(const struct pamstack_query *q, const char *name, char *out, size_t n)
{
	struct stat st;

	iampw_fmt(out, n, "%s/%s", q->pamd_dir, name);
	if (stat(out, &st) == 0)
		return;
	if (q->dist_dir != NULL) {
		iampw_fmt(out, n, "%s/%s", q->dist_dir, name);
		if (stat(out, &st) == 0)
			return;
	}
	out[0] = '\0';
}

/*
 * The auth stack of a service read from `f` (NULL: none, as for "other"
 * itself), falling back to "other"'s when it has no auth line at all.
 */
static void service_stack(const struct pamstack_query *q, FILE *f, const char *display,
			  struct stack *s)
{
	struct loader ld = { .q = q, .s = s, .any = true };
	char other[4096];
	struct iampw_err e;

	if (f != NULL) {
		iampw_err_init(&e);
		ld.depth = 1;
		if (pam_file_each(f, display, on_line, &ld, &e) < 0)
			problem(&ld, "%s", e.text);
		ld.depth = 0;
	}
	if (s->n > 0 || s->problem[0] != '\0')
		return;
	s->other = f != NULL;
	service_path(q, "other", other, sizeof other);
	if (other[0] != '\0')
		load(&ld, other, NULL);
}

/* Control characters (a newline in a file name or a "[..." word) as '?': a reason is one line. */
static void flatten(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

bool pamstack_mfa_file(const struct pamstack_query *q, FILE *f, const char *display,
		       bool *password, char *why, size_t n)
{
	struct stack *s = stack_new();
	bool proven;

	why[0] = '\0';
	*password = true;
	if (s == NULL) {
		iampw_fmt(why, n, MSG_NOMEM);
		return false;
	}
	service_stack(q, f, display, s);
	proven = judge(s, why, n, password);
	flatten(why);
	/* A service that runs "other"'s stack is judged as "other". */
	if (s->other)
		*password = false;
	stack_free(s);
	return proven;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add the service names of `dir` to names (no dot files: no program names such a service). */
static int add_names(const char *dir, char ***names, size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return errno;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "other") == 0)
			continue;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			char **nn = realloc(*names, ncap * sizeof *nn);

			if (nn == NULL)
				break;
			*names = nn;
			*cap = ncap;
		}
		if (((*names)[*n] = strdup(de->d_name)) == NULL)
			break;
		(*n)++;
	}
	closedir(d);
	return de == NULL ? 0 : ENOMEM;
}

/* One service: counted in r when it checks a password, recorded when not proven. */
static void judge_service(const struct pamstack_query *q, const char *name,
			  struct pamstack_mfa *r)
{
	char path[4096], why[PAMSTACK_WHY_SIZE], shown[64];
	struct iampw_err e;
	bool trusted = true, password = true, proven = false;
	struct stat st;
	FILE *f = NULL;

	iampw_err_init(&e);
	why[0] = '\0';
	if (name != NULL) {
		service_path(q, name, path, sizeof path);
		/* A directory there is no file to libpam: the service runs "other". */
		if (path[0] == '\0' || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
			return;
		if (pam_file_open(path, q->owner, &f, &trusted, &e) != IAMPW_OK)
			iampw_fmt(why, sizeof why, "cannot read %s", e.text);
		else if (!trusted)
			iampw_fmt(why, sizeof why, "%s is not root's, or is writable by group or others: "
				  "whoever can write it decides whether MFA is asked", path);
		else
			proven = pamstack_mfa_file(q, f, path, &password, why, sizeof why);
		if (f != NULL)
			fclose(f);
		flatten(why);
	} else {
		proven = pamstack_mfa_file(q, NULL, "other", &password, why, sizeof why);
	}
	if (!password)
		return;
	r->services++;
	if (proven)
		return;
	iampw_fmt(shown, sizeof shown, "%s", name != NULL ? name : "other");
	flatten(shown);
	if (r->unproven++ == 0) {
		iampw_fmt(r->why, sizeof r->why, "%s%s: %s", shown,
			  name != NULL ? "" : " (the stack of every service without auth lines)", why);
	} else if (r->unproven <= 4) {
		size_t len = strlen(r->others);

		iampw_fmt(r->others + len, sizeof r->others - len, "%s%s", len > 0 ? ", " : "", shown);
	}
}

void pamstack_mfa(const struct pamstack_query *q, struct pamstack_mfa *r)
{
	char **names = NULL;
	size_t n = 0, cap = 0, kept = 0;
	int err;

	memset(r, 0, sizeof *r);
	err = add_names(q->pamd_dir, &names, &n, &cap);
	if (err == 0 && q->dist_dir != NULL) {
		int derr = add_names(q->dist_dir, &names, &n, &cap);

		if (derr != 0 && derr != ENOENT)
			err = derr;
	}
	if (err != 0) {
		r->unproven = 1;
		iampw_fmt(r->why, sizeof r->why, "cannot list the PAM services in %s: %s", q->pamd_dir,
			  iampw_errstr(err));
		goto out;
	}
	qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n; i++)
		if (kept == 0 || strcmp(names[i], names[kept - 1]) != 0)
			names[kept++] = names[i];
		else
			free(names[i]);
	n = kept;
	for (size_t i = 0; i < n; i++)
		judge_service(q, names[i], r);
	/* "other": the stack of every program whose service has no file. */
	judge_service(q, NULL, r);
	if (r->unproven > 4) {
		size_t len = strlen(r->others);

		iampw_fmt(r->others + len, sizeof r->others - len, " and %u more", r->unproven - 4);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
