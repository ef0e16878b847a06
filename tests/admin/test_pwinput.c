/*
 * iampw-admin's password input (iampw-admin/pwinput.c, SPEC §6):
 *  - from standard input (a pipe or a file): the first line, "\n" or
 *    "\r\n" removed, at most 511 bytes, nothing read past what is needed;
 *  - from a terminal (a pty): two no-echo prompts on /dev/tty, or on
 *    stdin/stderr without a controlling terminal; the typed password
 *    never comes back from the terminal, and its settings are restored.
 * Terminal cases run in a forked child that makes the pty its controlling
 * terminal (setsid + TIOCSCTTY); the parent plays the user at the master.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define PW1 "Kettle+Lamp+Fig7"
#define PW2 "Orbit[Stone]2Yak"
#define MSG_NONE_STDIN "no password on standard input"
#define MSG_NONE_TTY "no password entered"
#define MSG_TOO_LONG "the password is longer than 511 bytes"
#define MSG_MISMATCH "the passwords do not match"

/* How long the user at the master waits for the program. */
#define WAIT_MS 5000

/*
 * Usage errors are printed by the tool's own cli_usage_error (libcli):
 * each case sends stderr to a temporary file and reads the message back.
 */
static int saved_stdin = -1, saved_stderr = -1;
static FILE *err_file;

static int group_setup(void **state)
{
	(void)state;
	saved_stdin = dup(STDIN_FILENO);
	saved_stderr = dup(STDERR_FILENO);
	return saved_stdin < 0 || saved_stderr < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	close(saved_stdin);
	close(saved_stderr);
	return 0;
}

static int case_setup(void **state)
{
	(void)state;
	err_file = tmpfile();
	if (err_file == NULL || dup2(fileno(err_file), STDERR_FILENO) < 0)
		return -1;
	return 0;
}

static int case_teardown(void **state)
{
	(void)state;
	/* Every case gets the runner's own stdin and stderr back. */
	fflush(stderr);
	if (dup2(saved_stderr, STDERR_FILENO) < 0)
		return -1;
	if (err_file != NULL)
		fclose(err_file);
	err_file = NULL;
	return dup2(saved_stdin, STDIN_FILENO) < 0 ? -1 : 0;
}

/* What the case printed on stderr so far. */
static const char *stderr_text(void)
{
	static char text[4096];
	size_t n;

	fflush(stderr);
	rewind(err_file);
	n = fread(text, 1, sizeof text - 1, err_file);
	text[n] = '\0';
	return text;
}

/* ---------------------------------------------------------------------- */
/* Standard input: a pipe or a file                                        */

/* stdin becomes a pipe holding `data` (small: it fits the pipe buffer). */
static void stdin_pipe(const char *data, size_t n)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_true(n < 65536);
	assert_int_equal(write(p[1], data, n), (ssize_t)n);
	close(p[1]);
	assert_int_equal(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
}

/* What pwinput left unread on stdin (a closed pipe). */
static size_t stdin_rest(char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && (n = read(STDIN_FILENO, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return len;
}

static int read_pipe(const char *data, size_t n, bool force, char **pw)
{
	stdin_pipe(data, n);
	return pwinput_read(force, pw);
}

#define READ_STR(s, force, pw) read_pipe((s), sizeof(s) - 1, (force), (pw))

static void expect_password(int rc, char *pw, const char *want)
{
	assert_int_equal(rc, EXIT_OK);
	assert_non_null(pw);
	assert_string_equal(pw, want);
	iampw_wipe_free(pw);
}

/* The AWS CLI's frame around the message, as the tool prints it. */
static void expect_usage(int rc, char *pw, const char *msg)
{
	char want[512];
	const char *got = stderr_text(), *at;

	assert_int_equal(rc, EXIT_USAGE);
	assert_null(pw);
	snprintf(want, sizeof want, "\niampw-admin: error: %s\n\n", msg);
	at = strstr(got, "\niampw-admin: error: ");
	assert_non_null(at);
	assert_string_equal(at, want);
	assert_true(strncmp(got, "\nusage: iampw-admin ", strlen("\nusage: iampw-admin ")) == 0);
}

static void test_first_line_taken(void **state)
{
	char *pw = NULL, rest[64];
	int rc;

	(void)state;
	rc = READ_STR(PW1 "\nsecond line\n", false, &pw);
	expect_password(rc, pw, PW1);
	/* Nothing past the first line was consumed. */
	stdin_rest(rest, sizeof rest);
	assert_string_equal(rest, "second line\n");
}

static void test_force_stdin_pipe(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	rc = READ_STR(PW2 "\n" PW1 "\n", true, &pw);
	expect_password(rc, pw, PW2);
}

static void test_crlf_stripped(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	rc = READ_STR(PW1 "\r\n", false, &pw);
	expect_password(rc, pw, PW1);
}

static void test_inner_cr_kept(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	/* Only a line end is removed; the policy judges the rest (§4.3). */
	rc = READ_STR("ab\rcd\r\n", false, &pw);
	expect_password(rc, pw, "ab\rcd");
}

static void test_last_line_without_newline(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	rc = READ_STR(PW1, false, &pw);
	expect_password(rc, pw, PW1);
}

static void test_empty_line(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	rc = READ_STR("\n" PW1 "\n", false, &pw);
	expect_usage(rc, pw, MSG_NONE_STDIN);
}

static void test_cr_only_line(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	rc = READ_STR("\r\n", false, &pw);
	expect_usage(rc, pw, MSG_NONE_STDIN);
}

static void test_eof(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	rc = read_pipe("", 0, false, &pw);
	expect_usage(rc, pw, MSG_NONE_STDIN);
}

static void test_nul_byte(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	/* "ab" would be set silently where "ab\0cd" was meant. */
	rc = read_pipe("ab\0cd\n", 6, false, &pw);
	expect_usage(rc, pw, "the password contains a NUL byte");
}

/* `n` copies of 'x' followed by `end`. */
static int read_long(size_t n, const char *end, char **pw)
{
	size_t e = strlen(end);
	char *buf = malloc(n + e);
	int rc;

	assert_non_null(buf);
	memset(buf, 'x', n);
	memcpy(buf + n, end, e);
	rc = read_pipe(buf, n + e, false, pw);
	free(buf);
	return rc;
}

static void expect_x(int rc, char *pw, size_t n)
{
	assert_int_equal(rc, EXIT_OK);
	assert_non_null(pw);
	if (pw == NULL)		/* for the compiler: cmocka's assert returns */
		return;
	assert_int_equal(strlen(pw), n);
	assert_int_equal(strspn(pw, "x"), n);
	iampw_wipe_free(pw);
}

static void test_511_bytes(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	rc = read_long(511, "\n", &pw);
	expect_x(rc, pw, 511);
}

static void test_511_bytes_crlf(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	rc = read_long(511, "\r\n", &pw);
	expect_x(rc, pw, 511);
}

static void test_511_bytes_at_eof(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	rc = read_long(511, "", &pw);
	expect_x(rc, pw, 511);
}

static void test_512_bytes(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	rc = read_long(512, "\n", &pw);
	expect_usage(rc, pw, MSG_TOO_LONG);
}

static void test_513_bytes(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	rc = read_long(513, "\n", &pw);
	expect_usage(rc, pw, MSG_TOO_LONG);
}

static void test_513_bytes_crlf(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	rc = read_long(513, "\r\n", &pw);
	expect_usage(rc, pw, MSG_TOO_LONG);
}

static void test_513_bytes_at_eof(void **state)
{
	char *pw = NULL;
	int rc;

	(void)state;
	rc = read_long(513, "", &pw);
	expect_usage(rc, pw, MSG_TOO_LONG);
}

/* A huge line is refused after at most 512 + 2 bytes, not read to its end. */
static void test_huge_line_not_read(void **state)
{
	const size_t n = 1 << 20;
	char *buf = malloc(n), *pw = NULL;
	int fd = memfd_create("pwinput", MFD_CLOEXEC), rc;
	off_t pos;

	(void)state;
	assert_non_null(buf);
	assert_true(fd >= 0);
	memset(buf, 'y', n - 1);
	buf[n - 1] = '\n';
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
	free(buf);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	rc = pwinput_read(false, &pw);
	expect_usage(rc, pw, MSG_TOO_LONG);
	pos = lseek(STDIN_FILENO, 0, SEEK_CUR);
	assert_true(pos > 512 && pos <= 514);
}

/* ---------------------------------------------------------------------- */
/* A terminal: a pty, the user at its master                               */

enum ctty { WITH_CTTY, WITHOUT_CTTY };

struct pty {
	int master;
	int slave;             /* kept open here to read its settings */
	int result;            /* the child's "rc\npassword" */
	int err;               /* the child's stderr (WITH_CTTY) */
	pid_t pid;
	struct termios orig;
	size_t seen_len;
	char seen[8192];       /* everything the terminal showed */
};

/* Child's side: report the result to the parent and end. */
static void __attribute__((noreturn)) child_run(int result_fd, bool force)
{
	char out[1024];
	char *pw = NULL;
	int rc, n;

	alarm(30);
	signal(SIGINT, SIG_DFL);
	rc = pwinput_read(force, &pw);
	n = snprintf(out, sizeof out, "%d\n%s", rc, pw != NULL ? pw : "");
	if (write(result_fd, out, (size_t)n) != n)
		_exit(3);
	_exit(0);
}

static void pty_start(struct pty *t, enum ctty ctty, bool force)
{
	int res[2], err[2];

	memset(t, 0, sizeof *t);
	assert_int_equal(openpty(&t->master, &t->slave, NULL, NULL, NULL), 0);
	assert_int_equal(tcgetattr(t->slave, &t->orig), 0);
	assert_true(t->orig.c_lflag & ECHO);
	assert_int_equal(pipe2(res, O_CLOEXEC), 0);
	assert_int_equal(pipe2(err, O_CLOEXEC), 0);
	t->pid = fork();
	assert_true(t->pid >= 0);
	if (t->pid == 0) {
		close(t->master);
		close(res[0]);
		close(err[0]);
		if (setsid() < 0)
			_exit(4);
		/* Without TIOCSCTTY the child has no terminal: /dev/tty fails. */
		if (ctty == WITH_CTTY && ioctl(t->slave, TIOCSCTTY, 0) != 0)
			_exit(5);
		dup2(t->slave, STDIN_FILENO);
		dup2(t->slave, STDOUT_FILENO);
		/* With a terminal, prompts go to /dev/tty: stderr is a pipe to check that. */
		dup2(ctty == WITH_CTTY ? err[1] : t->slave, STDERR_FILENO);
		close(t->slave);
		child_run(res[1], force);
	}
	close(res[1]);
	close(err[1]);
	t->result = res[0];
	t->err = err[0];
}

/* Collect what the terminal shows for up to `ms`, or until `want` appears. */
static bool pty_read(struct pty *t, const char *want, int ms)
{
	struct pollfd p = { .fd = t->master, .events = POLLIN };
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		long left;
		ssize_t n;

		t->seen[t->seen_len] = '\0';
		if (want != NULL && strstr(t->seen, want) != NULL)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ms - ((now.tv_sec - start.tv_sec) * 1000 +
			     (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return want == NULL;
		n = read(t->master, t->seen + t->seen_len, sizeof t->seen - 1 - t->seen_len);
		if (n <= 0)
			return want == NULL;
		t->seen_len += (size_t)n;
	}
}

static void pty_type(struct pty *t, const char *s)
{
	assert_int_equal(write(t->master, s, strlen(s)), (ssize_t)strlen(s));
}

/* Wait for a prompt: it is shown only once echo is off. */
static void pty_prompt(struct pty *t, const char *prompt)
{
	struct termios now;

	if (!pty_read(t, prompt, WAIT_MS))
		fail_msg("no prompt '%s'; the terminal showed '%s'", prompt, t->seen);
	assert_int_equal(tcgetattr(t->slave, &now), 0);
	assert_false(now.c_lflag & ECHO);
}

/* Echo off without a prompt (--password-stdin on a terminal). */
static void pty_wait_noecho(struct pty *t)
{
	for (int i = 0; i < WAIT_MS / 10; i++) {
		struct termios now;

		assert_int_equal(tcgetattr(t->slave, &now), 0);
		if (!(now.c_lflag & ECHO))
			return;
		usleep(10000);
	}
	fail_msg("echo was never turned off");
}

struct outcome {
	int status;            /* wait status */
	int rc;
	char msg[512];
	char pw[1024];
	char err[1024];        /* the child's stderr */
};

static void read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

static void pty_finish(struct pty *t, struct outcome *o)
{
	char res[2048], *pw;
	const char *msg;
	struct termios after;

	memset(o, 0, sizeof *o);
	o->rc = -1;
	assert_int_equal(waitpid(t->pid, &o->status, 0), t->pid);
	pty_read(t, NULL, 100);
	read_all(t->result, res, sizeof res);
	read_all(t->err, o->err, sizeof o->err);
	pw = strchr(res, '\n');
	if (pw != NULL) {
		*pw++ = '\0';
		o->rc = atoi(res);
		snprintf(o->pw, sizeof o->pw, "%s", pw);
	}
	/*
	 * The usage error as the tool printed it: on stderr, which is a pipe
	 * with a controlling terminal and the terminal itself without one.
	 */
	msg = strstr(o->err, "iampw-admin: error: ");
	if (msg == NULL)
		msg = strstr(t->seen, "iampw-admin: error: ");
	if (msg != NULL) {
		msg += strlen("iampw-admin: error: ");
		snprintf(o->msg, sizeof o->msg, "%.*s", (int)strcspn(msg, "\r\n"), msg);
	}
	/* The terminal is exactly as it was. */
	assert_int_equal(tcgetattr(t->slave, &after), 0);
	assert_int_equal(after.c_lflag, t->orig.c_lflag);
	assert_int_equal(after.c_iflag, t->orig.c_iflag);
	assert_int_equal(after.c_oflag, t->orig.c_oflag);
	assert_int_equal(after.c_cflag, t->orig.c_cflag);
	assert_memory_equal(after.c_cc, t->orig.c_cc, sizeof after.c_cc);
	close(t->master);
	close(t->slave);
	close(t->result);
	close(t->err);
}

static void assert_exited(const struct outcome *o)
{
	if (!WIFEXITED(o->status) || WEXITSTATUS(o->status) != 0)
		fail_msg("child wait status 0x%x", (unsigned)o->status);
}

static void assert_not_shown(const struct pty *t, const char *secret)
{
	if (strstr(t->seen, secret) != NULL)
		fail_msg("the terminal echoed the password: '%s'", t->seen);
}

static void test_tty_prompts_twice_no_echo(void **state)
{
	struct pty t;
	struct outcome o;

	(void)state;
	pty_start(&t, WITH_CTTY, false);
	pty_prompt(&t, "New password: ");
	pty_type(&t, PW1 "\n");
	pty_prompt(&t, "Retype new password: ");
	pty_type(&t, PW1 "\n");
	pty_finish(&t, &o);
	assert_exited(&o);
	assert_int_equal(o.rc, EXIT_OK);
	assert_string_equal(o.pw, PW1);
	assert_not_shown(&t, PW1);
	/* A new line after each hidden entry, as passwd does. */
	assert_non_null(strstr(t.seen, "New password: \r\nRetype new password: \r\n"));
	/* The prompts went to the terminal, not to stderr. */
	assert_string_equal(o.err, "");
}

static void test_tty_mismatch(void **state)
{
	struct pty t;
	struct outcome o;

	(void)state;
	pty_start(&t, WITH_CTTY, false);
	pty_prompt(&t, "New password: ");
	pty_type(&t, PW1 "\n");
	pty_prompt(&t, "Retype new password: ");
	pty_type(&t, PW2 "\n");
	pty_finish(&t, &o);
	assert_exited(&o);
	assert_int_equal(o.rc, EXIT_USAGE);
	assert_string_equal(o.msg, MSG_MISMATCH);
	assert_string_equal(o.pw, "");
	/* On stderr, in the AWS CLI's frame, as every usage error. */
	assert_true(strncmp(o.err, "\nusage: iampw-admin ", strlen("\nusage: iampw-admin ")) == 0);
	assert_non_null(strstr(o.err, "\n\niampw-admin: error: " MSG_MISMATCH "\n\n"));
	assert_not_shown(&t, PW1);
	assert_not_shown(&t, PW2);
}

static void test_tty_empty_entry(void **state)
{
	struct pty t;
	struct outcome o;

	(void)state;
	pty_start(&t, WITH_CTTY, false);
	pty_prompt(&t, "New password: ");
	pty_type(&t, "\n");
	pty_finish(&t, &o);
	assert_exited(&o);
	assert_int_equal(o.rc, EXIT_USAGE);
	assert_string_equal(o.msg, MSG_NONE_TTY);
	assert_null(strstr(t.seen, "Retype"));
}

static void test_tty_too_long(void **state)
{
	char line[602];
	struct pty t;
	struct outcome o;

	(void)state;
	memset(line, 'z', 600);
	strcpy(line + 600, "\n");
	pty_start(&t, WITH_CTTY, false);
	pty_prompt(&t, "New password: ");
	pty_type(&t, line);
	pty_finish(&t, &o);
	assert_exited(&o);
	assert_int_equal(o.rc, EXIT_USAGE);
	assert_string_equal(o.msg, MSG_TOO_LONG);
	assert_null(strstr(t.seen, "zzz"));
	assert_null(strstr(t.seen, "Retype"));
}

static void test_tty_eof(void **state)
{
	struct pty t;
	struct outcome o;
	char eof[2];

	(void)state;
	pty_start(&t, WITH_CTTY, false);
	pty_prompt(&t, "New password: ");
	eof[0] = (char)t.orig.c_cc[VEOF];
	eof[1] = '\0';
	pty_type(&t, eof);
	pty_finish(&t, &o);
	assert_exited(&o);
	assert_int_equal(o.rc, EXIT_USAGE);
	assert_string_equal(o.msg, MSG_NONE_TTY);
}

/* ^C at the prompt: no second prompt, the terminal restored, then SIGINT. */
static void test_tty_interrupt(void **state)
{
	struct pty t;
	struct outcome o;
	char intr[3];

	(void)state;
	pty_start(&t, WITH_CTTY, false);
	pty_prompt(&t, "New password: ");
	intr[0] = (char)t.orig.c_cc[VINTR];
	intr[1] = '\n';
	intr[2] = '\0';
	pty_type(&t, PW1);
	pty_type(&t, intr);
	pty_finish(&t, &o);
	if (!WIFSIGNALED(o.status) || WTERMSIG(o.status) != SIGINT)
		fail_msg("child wait status 0x%x, want killed by SIGINT", (unsigned)o.status);
	assert_null(strstr(t.seen, "Retype"));
	assert_not_shown(&t, PW1);
}

/* No controlling terminal, stdin a terminal: prompts on stderr. */
static void test_tty_without_ctty(void **state)
{
	struct pty t;
	struct outcome o;

	(void)state;
	pty_start(&t, WITHOUT_CTTY, false);
	pty_prompt(&t, "New password: ");
	pty_type(&t, PW2 "\n");
	pty_prompt(&t, "Retype new password: ");
	pty_type(&t, PW2 "\n");
	pty_finish(&t, &o);
	assert_exited(&o);
	assert_int_equal(o.rc, EXIT_OK);
	assert_string_equal(o.pw, PW2);
	assert_not_shown(&t, PW2);
}

/* --password-stdin typed on a terminal: one line, no prompt, no echo. */
static void test_tty_force_stdin(void **state)
{
	struct pty t;
	struct outcome o;

	(void)state;
	pty_start(&t, WITH_CTTY, true);
	pty_wait_noecho(&t);
	pty_type(&t, PW1 "\n");
	pty_finish(&t, &o);
	assert_exited(&o);
	assert_int_equal(o.rc, EXIT_OK);
	assert_string_equal(o.pw, PW1);
	assert_not_shown(&t, PW1);
	assert_null(strstr(t.seen, "password:"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, case_setup, case_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_first_line_taken),
		T(test_force_stdin_pipe),
		T(test_crlf_stripped),
		T(test_inner_cr_kept),
		T(test_last_line_without_newline),
		T(test_empty_line),
		T(test_cr_only_line),
		T(test_eof),
		T(test_nul_byte),
		T(test_511_bytes),
		T(test_511_bytes_crlf),
		T(test_511_bytes_at_eof),
		T(test_512_bytes),
		T(test_513_bytes),
		T(test_513_bytes_crlf),
		T(test_513_bytes_at_eof),
		T(test_huge_line_not_read),
		T(test_tty_prompts_twice_no_echo),
		T(test_tty_mismatch),
		T(test_tty_empty_entry),
		T(test_tty_too_long),
		T(test_tty_eof),
		T(test_tty_interrupt),
		T(test_tty_without_ctty),
		T(test_tty_force_stdin),
	};

	return cmocka_run_group_tests_name("pwinput", tests, group_setup, group_teardown);
}
