/*
 * Where a new password comes from (SPEC §6): never the command line.
 *
 *  - --password-stdin, or a standard input that is not a terminal: the
 *    first line of stdin;
 *  - a terminal: "New password: " and "Retype new password: " with echo
 *    off, on /dev/tty (as getpass(3) does), else on stdin and stderr.
 *
 * Input is read with read(2) one byte at a time: nothing after the first
 * line is consumed, and no stdio buffer keeps a copy of the secret.
 * Every buffer that held a password is wiped on every path.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

#define PROMPT_NEW "New password: "
#define PROMPT_RETYPE "Retype new password: "

/*
 * Kept bytes of a line: the 511 a password may have, plus a '\r' that a
 * "\r\n" line end leaves.  One more byte means the line is too long, so
 * at most IAMPW_PASSWORD_BYTES_MAX + 2 bytes of a line are ever read
 * from a file or pipe.
 */
#define LINE_KEEP (IAMPW_PASSWORD_BYTES_MAX + 1)

enum line {
	LINE_OK,
	LINE_EMPTY,       /* an empty line, or end of input before anything */
	LINE_TOO_LONG,
	LINE_NUL,         /* a NUL byte would silently cut the password short */
	LINE_ERROR,       /* read(2) failed: errno */
};

/* A line: up to LINE_KEEP bytes and a NUL. */
struct line_buf {
	size_t len;
	int err;          /* errno of LINE_ERROR */
	char s[LINE_KEEP + 1];
};

/*
 * Read one line from `fd` into `b`, without its "\n" or "\r\n".  With
 * `drain`, a line that is too long is read to its end anyway (what a
 * user typed on a terminal must not be left for the shell to run);
 * without, reading stops at the first byte too many.
 */
static enum line read_line(int fd, struct line_buf *b, bool drain)
{
	bool too_long = false, nul = false;
	char ch = '\0';

	b->len = 0;
	for (;;) {
		ssize_t n = read(fd, &ch, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			iampw_wipe(b, sizeof *b);
			b->err = errno;
			return LINE_ERROR;
		}
		if (n == 0 || ch == '\n')
			break;
		if (b->len == LINE_KEEP) {
			too_long = true;
			if (!drain)
				break;
			continue;
		}
		nul |= ch == '\0';
		b->s[b->len++] = ch;
	}
	iampw_wipe(&ch, sizeof ch);
	if (b->len > 0 && b->s[b->len - 1] == '\r')
		b->len--;
	b->s[b->len] = '\0';
	if (too_long || b->len > IAMPW_PASSWORD_BYTES_MAX)
		return LINE_TOO_LONG;
	if (nul)
		return LINE_NUL;
	return b->len == 0 ? LINE_EMPTY : LINE_OK;
}

/* An I/O failure, not the user's fault: exit 255. */
static int fail_other(const char *what, int err)
{
	return cli_fail(EXIT_OTHER, "error: %s: %s", what,
		iampw_errstr(err));
}

/* The exit code for a line that is not a password. */
static int line_error(enum line l, const struct line_buf *b, const char *none)
{
	switch (l) {
	case LINE_OK:
		break;
	case LINE_EMPTY:
		return cli_usage_error("%s", none);
	case LINE_TOO_LONG:
		return cli_usage_error("the password is longer than %d bytes",
				       IAMPW_PASSWORD_BYTES_MAX);
	case LINE_NUL:
		return cli_usage_error("the password contains a NUL byte");
	case LINE_ERROR:
		return fail_other("cannot read the password", b->err);
	}
	return EXIT_OK;
}

static int take(const struct line_buf *b, char **password)
{
	*password = malloc(b->len + 1);
	if (*password == NULL)
		return fail_other("cannot keep the password", ENOMEM);
	memcpy(*password, b->s, b->len + 1);
	return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* The terminal                                                            */

struct term {
	int in;               /* where entries are read */
	int out;              /* where prompts go; -1: no prompts */
	int ttyfd;            /* /dev/tty, when we opened it */
	bool restore;
	struct termios saved;
	sigset_t oldmask;
};

/*
 * Signals a user at this terminal can send.  While echo is off they stay
 * pending: the terminal is restored first, then they take effect.
 */
static void keyboard_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGTSTP);
}

/* Did the user press ^C or ^\ while we were reading? */
static bool interrupted(void)
{
	sigset_t pending;

	if (sigpending(&pending) != 0)
		return false;
	return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGQUIT) == 1;
}

/*
 * Turn echo off on t->in, with the keyboard signals blocked.  TCSAFLUSH,
 * as getpass does: what was typed ahead was typed with echo on.  Echo
 * that cannot be turned off is a refusal, never a visible password.
 */
static int term_echo_off(struct term *t)
{
	struct termios noecho;
	sigset_t block;
	int rc;

	keyboard_signals(&block);
	sigprocmask(SIG_BLOCK, &block, &t->oldmask);
	if (tcgetattr(t->in, &t->saved) != 0)
		return fail_other("cannot read the terminal's settings", errno);
	noecho = t->saved;
	noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	do {
		rc = tcsetattr(t->in, TCSAFLUSH, &noecho);
	} while (rc != 0 && errno == EINTR);
	if (rc != 0)
		return fail_other("cannot turn off echo on the terminal", errno);
	t->restore = true;
	return EXIT_OK;
}

/* The terminal's settings back as they were. */
static void term_restore(struct term *t)
{
	if (!t->restore)
		return;
	while (tcsetattr(t->in, TCSAFLUSH, &t->saved) != 0 && errno == EINTR)
		;
	t->restore = false;
}

/*
 * Settings first, then the signals: a ^C pressed during the prompt takes
 * effect here, with the terminal as it was and the buffers wiped.
 */
static void term_close(struct term *t)
{
	term_restore(t);
	sigprocmask(SIG_SETMASK, &t->oldmask, NULL);
	if (t->ttyfd >= 0)
		close(t->ttyfd);
	t->ttyfd = -1;
}

static void term_write(const struct term *t, const char *s)
{
	size_t n = strlen(s);

	if (t->out < 0)
		return;
	while (n > 0) {
		ssize_t w = write(t->out, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;     /* a prompt that cannot be shown changes nothing */
		s += w;
		n -= (size_t)w;
	}
}

/* Prompt (when there is somewhere to), read with echo off, end the line. */
static enum line term_ask(const struct term *t, const char *prompt,
			  struct line_buf *b)
{
	enum line l;

	term_write(t, prompt);
	l = read_line(t->in, b, true);
	/* The user's Enter was not echoed. */
	term_write(t, "\n");
	return l;
}

/* ---------------------------------------------------------------------- */

/* The first line of stdin. */
static int read_stdin(char **password)
{
	struct term t = { .in = STDIN_FILENO, .out = -1, .ttyfd = -1 };
	struct line_buf *b;
	bool tty = isatty(STDIN_FILENO);
	enum line l;
	int rc = EXIT_OK;

	b = malloc(sizeof *b);
	if (b == NULL)
		return fail_other("cannot read the password", ENOMEM);
	/* --password-stdin typed on a terminal: still never echoed. */
	if (tty) {
		if (isatty(STDERR_FILENO))
			t.out = STDERR_FILENO;
		rc = term_echo_off(&t);
	}
	if (rc == EXIT_OK) {
		l = read_line(STDIN_FILENO, b, tty);
		if (tty)
			term_write(&t, "\n");
		term_restore(&t);
		rc = line_error(l, b, "no password on standard input");
		if (rc == EXIT_OK)
			rc = take(b, password);
	}
	iampw_wipe(b, sizeof *b);
	free(b);
	if (tty)
		term_close(&t);
	return rc;
}

/* Both entries read: the password, or why not. */
static int decide(enum line l1, enum line l2, const struct line_buf *b,
		  char **password)
{
	static const char none[] = "no password entered";
	int rc;

	rc = line_error(l1, &b[0], none);
	if (rc == EXIT_OK)
		rc = line_error(l2, &b[1], none);
	if (rc != EXIT_OK)
		return rc;
	if (b[0].len != b[1].len || !iampw_ct_equal(b[0].s, b[1].s, b[0].len))
		return cli_usage_error("the passwords do not match");
	return take(&b[0], password);
}

/* Twice, with echo off; entries that differ are a usage error. */
static int read_terminal(char **password)
{
	struct term t = { .in = STDIN_FILENO, .out = STDERR_FILENO, .ttyfd = -1 };
	struct line_buf *b;
	enum line l1, l2 = LINE_EMPTY;
	int rc;

	b = calloc(2, sizeof *b);
	if (b == NULL)
		return fail_other("cannot read the password", ENOMEM);
	/* No controlling terminal: stdin is one, and stderr shows the prompts. */
	t.ttyfd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (t.ttyfd >= 0)
		t.in = t.out = t.ttyfd;
	rc = term_echo_off(&t);
	if (rc != EXIT_OK)
		goto out;
	l1 = term_ask(&t, PROMPT_NEW, &b[0]);
	/* ^C or ^\ at the first prompt: no second one. */
	if (l1 == LINE_OK && !interrupted())
		l2 = term_ask(&t, PROMPT_RETYPE, &b[1]);
	term_restore(&t);
	/* Nothing is said of an interrupt: it takes effect in term_close. */
	rc = interrupted() ? EXIT_OTHER : decide(l1, l2, b, password);
out:
	iampw_wipe(b, 2 * sizeof *b);
	free(b);
	term_close(&t);
	return rc;
}

int pwinput_read(bool force_stdin, char **password)
{
	*password = NULL;
	if (force_stdin || !isatty(STDIN_FILENO))
		return read_stdin(password);
	return read_terminal(password);
}
