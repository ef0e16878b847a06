/*
 * The host's Unix passwords (SPEC §6): set one through the PAM password
 * stack of the iampw-admin service, lock one as `passwd -l` does, and read
 * what /etc/shadow says of one.
 *
 * Setting goes through PAM, never by writing /etc/shadow ourselves, so
 * that the same modules apply as for `passwd USER` run by root: pam_iampw
 * checks the policy and the history, takes the user's profile lock and
 * records the change; pam_unix hashes and stores.  The caller must not
 * hold that lock itself.  We are an admin reset (real uid 0, no
 * PAM_CHANGE_EXPIRED_AUTHTOK): the module shows us its file:line details
 * instead of its generic sentence.  Why it refused reaches us as a code in
 * the PAM environment (IAMPW_RESULT, which we ask for), never by reading
 * its words: rewording or translating them changes no exit code.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <shadow.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "cli.h"
#include "messages.h"

#ifndef IAMPW_PAM_SERVICE
#define IAMPW_PAM_SERVICE "iampw-admin"
#endif

/* shadow-utils' passwd: `passwd -l` is the reference for "locked". */
#ifndef UNIXPW_PASSWD
#define UNIXPW_PASSWD "/usr/bin/passwd"
#endif
/* shadow-utils' usermod: `usermod -l` renames an account (update-user). */
#ifndef UNIXPW_USERMOD
#define UNIXPW_USERMOD "/usr/sbin/usermod"
#endif

/*
 * pam_get_authtok asks twice ("New password: ", "Retype new password: ").
 * A third question is pam_iampw asking again after a refusal, or a module
 * we do not know about: refusing it ends the module's retry loop at once,
 * with the refusal's text already collected.
 */
#define CONV_ANSWERS 2

/* The module's longest text is an iampw_err report; room for it and more. */
#define CONV_TEXT_SIZE (2 * IAMPW_ERR_TEXT)


/* What passwd may say before we stop keeping it. */
#define CHILD_TEXT_SIZE 1024

struct conv_state {
	pam_handle_t *pamh;      /* set once pam_start returned it */
	const char *password;
	unsigned answered;       /* echo-off prompts answered */
	bool refused;            /* a question we do not answer was asked */
	bool cut;                /* text was dropped for want of room */
	size_t len;
	char text[CONV_TEXT_SIZE];   /* PAM_ERROR_MSG and PAM_TEXT_INFO, one per line */
	size_t refusal_len;
	char refusal[CONV_TEXT_SIZE];  /* pam_iampw's first refusal message */
};

/*
 * The caller's msg buffer, filled as a fixed iampw_buf (what does not
 * fit is cut; always NUL-terminated).
 */
struct out {
	struct iampw_buf b;
};

static void out_init(struct out *o, char *buf, size_t size)
{
	iampw_buf_init_fixed(&o->b, buf, size);
}

static void out_add(struct out *o, const char *s, size_t n)
{
	iampw_buf_add(&o->b, s, n);
}

static void out_str(struct out *o, const char *s)
{
	iampw_buf_str(&o->b, s);
}

/* ---------------------------------------------------------------------- */
/* The PAM conversation                                                    */

static void collect(struct conv_state *st, const char *text)
{
	size_t n, room;

	if (text == NULL)
		return;
	n = strlen(text);
	/* One message per line, however the module ended it. */
	while (n > 0 && text[n - 1] == '\n')
		n--;
	if (n == 0)
		return;
	room = sizeof st->text - st->len - 1;
	if (st->len > 0 && room > 0) {
		st->text[st->len++] = '\n';
		room--;
	}
	if (n > room) {
		n = room;
		st->cut = true;
	}
	memcpy(st->text + st->len, text, n);
	st->len += n;
	st->text[st->len] = '\0';
}

/*
 * pam_iampw sets its code (IAMPW_RESULT) just before it says why it
 * refuses: the first error message seen with a code set is that reason,
 * whatever words it uses.  Other modules' texts (pam_unix's "Password
 * change has been aborted.") stay out of it.
 */
static void keep_refusal(struct conv_state *st, const char *text)
{
	const char *code = st->pamh != NULL ? pam_getenv(st->pamh, IAMPW_RESULT_VAR) : NULL;
	size_t n;

	if (text == NULL || code == NULL || code[0] == '\0' || st->refusal_len > 0)
		return;
	n = strnlen(text, sizeof st->refusal - 1);
	while (n > 0 && text[n - 1] == '\n')
		n--;
	memcpy(st->refusal, text, n);
	st->refusal[n] = '\0';
	st->refusal_len = n;
}

/* libpam frees replies itself on success; on failure they are ours to wipe. */
static void free_replies(struct pam_response *r, int n)
{
	for (int i = 0; i < n; i++)
		iampw_wipe_free(r[i].resp);
	iampw_wipe(r, (size_t)n * sizeof *r);
	free(r);
}

static int conv(int n, const struct pam_message **msg,
		struct pam_response **resp, void *data)
{
	struct conv_state *st = data;
	struct pam_response *r;
	bool fail = false;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof *r);
	if (r == NULL)
		return PAM_BUF_ERR;
	/* Every text is collected, even past a refused question. */
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			if (fail || st->answered >= CONV_ANSWERS) {
				st->refused = true;
				fail = true;
				break;
			}
			r[i].resp = strdup(st->password);
			if (r[i].resp == NULL) {
				fail = true;
				break;
			}
			st->answered++;
			break;
		case PAM_ERROR_MSG:
			keep_refusal(st, msg[i]->msg);
			collect(st, msg[i]->msg);
			break;
		case PAM_TEXT_INFO:
			collect(st, msg[i]->msg);
			break;
		default:
			/* PAM_PROMPT_ECHO_ON (a user name?), binary prompts. */
			st->refused = true;
			fail = true;
			break;
		}
	}
	if (fail) {
		free_replies(r, n);
		return PAM_CONV_ERR;
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* What the stack's answer means                                           */

/* Copy the collected lines to `o`, and say when some were dropped. */
static void copy_all(const struct conv_state *st, struct out *o)
{
	out_add(o, st->text, st->len);
	if (st->cut)
		out_str(o, "\n(further messages not shown)");
}

/* "<pam_strerror>: <every collected line>" */
static void describe_failure(int rc, const struct conv_state *st, struct out *o)
{
	out_str(o, pam_strerror(NULL, rc));
	if (st->refused)
		out_str(o, " (the " IAMPW_PAM_SERVICE " PAM stack asked more than "
			"the new password and its confirmation)");
	if (st->len > 0) {
		out_str(o, ": ");
		copy_all(st, o);
	}
}

/* pam_iampw's code for its refusal, IAMPW_RESULT_*, or "" when it gave none. */
static const char *result_code(pam_handle_t *pamh)
{
	const char *v = pam_getenv(pamh, IAMPW_RESULT_VAR);

	return v != NULL ? v : "";
}

static enum unixpw_result classify(int rc, const char *code, const struct conv_state *st,
				   struct out *o)
{
	if (rc == PAM_SUCCESS) {
		/* Warnings of other modules, if any: the caller may show them. */
		copy_all(st, o);
		return UNIXPW_OK;
	}
	if (rc == PAM_AUTHTOK_LOCK_BUSY) {
		describe_failure(rc, st, o);
		return UNIXPW_BUSY;
	}
	/*
	 * Only pam_iampw's refusals are policy violations: they are the IAM
	 * account password policy, in IAM's words.  Another module's refusal
	 * is a failure with its text: pam_unix skips its own strength and
	 * reuse checks for root, so when it refuses here something else is
	 * wrong; and a site's extra module (pam_pwquality enforce_for_root)
	 * is not the account policy, and its words vary by module, version
	 * and locale.
	 */
	if (strcmp(code, IAMPW_RESULT_POLICY) == 0 || strcmp(code, IAMPW_RESULT_REUSED) == 0) {
		if (st->refusal_len > 0)
			out_add(o, st->refusal, st->refusal_len);
		else
			copy_all(st, o);
		return UNIXPW_POLICY;
	}
	if (strcmp(code, IAMPW_RESULT_CONFIG) == 0) {
		copy_all(st, o);
		return UNIXPW_CONFIG;
	}
	describe_failure(rc, st, o);
	return UNIXPW_FAILED;
}

enum unixpw_result unixpw_set(const char *user, const char *password,
			      char *msg, size_t msglen)
{
	struct conv_state *st;
	struct pam_conv pc;
	pam_handle_t *pamh = NULL;
	enum unixpw_result res;
	struct out o;
	int rc;

	out_init(&o, msg, msglen);
	if (password == NULL) {
		out_str(&o, "no password given");
		return UNIXPW_FAILED;
	}
	/* The caller resolved the account: its name is never empty or too long. */
	if (user == NULL || !iampw_user_name_valid(user)) {
		out_str(&o, "invalid user name");
		return UNIXPW_FAILED;
	}
	/* On the heap: the text buffer is large, and the tool's stack is not ours to size. */
	st = calloc(1, sizeof *st);
	if (st == NULL) {
		out_str(&o, MSG_NOMEM);
		return UNIXPW_FAILED;
	}
	st->password = password;
	pc.conv = conv;
	pc.appdata_ptr = st;
	rc = pam_start(IAMPW_PAM_SERVICE, user, &pc, &pamh);
	st->pamh = pamh;
	if (rc != PAM_SUCCESS) {
		out_str(&o, "pam_start: ");
		out_str(&o, pam_strerror(pamh, rc));
		res = UNIXPW_FAILED;
		goto out;
	}
	/* Present and empty: pam_iampw then says why it refused, if it does. */
	rc = pam_putenv(pamh, IAMPW_RESULT_VAR "=");
	if (rc != PAM_SUCCESS) {
		out_str(&o, "pam_putenv: ");
		out_str(&o, pam_strerror(pamh, rc));
		pam_end(pamh, rc);
		res = UNIXPW_FAILED;
		goto out;
	}
	/*
	 * No flags: an admin reset.  PAM_CHANGE_EXPIRED_AUTHTOK would make it
	 * a forced change and pam_unix would ask for the current password.
	 */
	rc = pam_chauthtok(pamh, 0);
	res = classify(rc, result_code(pamh), st, &o);
	/* pam_end wipes PAM_AUTHTOK, the module's copy of the password. */
	pam_end(pamh, rc);
out:
	st->password = NULL;
	iampw_wipe(st, sizeof *st);
	free(st);
	return res;
}

/* ---------------------------------------------------------------------- */
/* Reading /etc/shadow                                                     */

/*
 * The first byte of user's hash ('\0' when empty) and the date of the
 * last change from /etc/shadow: 0, or -1 when the entry cannot be read.
 * Only one byte of the hash leaves this function.
 */
static int shadow_read(const char *user, char *first, int64_t *last_changed)
{
	struct spwd sp, *res = NULL;
	size_t size = 1024;
	char *buf = NULL;
	int rc, ret = -1;

	*first = '\0';
	*last_changed = 0;
	buf = malloc(size);
	if (buf == NULL)
		return -1;
	while ((rc = getspnam_r(user, &sp, buf, size, &res)) == ERANGE &&
	       iampw_nss_grow(&buf, &size) == 0)
		;
	if (rc != 0 || res == NULL || sp.sp_pwdp == NULL)
		goto out;
	*first = sp.sp_pwdp[0];
	/*
	 * Days since the epoch.  0 means "must change at next login" and -1
	 * "not set": neither is a date.  Nonsense beyond year 9999 neither.
	 */
	if (sp.sp_lstchg > 0 && sp.sp_lstchg <= IAMPW_TIME_MAX / 86400)
		*last_changed = (int64_t)sp.sp_lstchg * 86400;
	else if (sp.sp_lstchg == 0)
		*last_changed = -1;	/* chage -d 0, passwd -e: a forced change */
	ret = 0;
out:
	iampw_wipe(&sp, sizeof sp);
	iampw_wipe(buf, size);
	free(buf);
	return ret;
}

int unixpw_shadow(const char *user, bool *usable, int64_t *last_changed)
{
	char first;

	*usable = false;
	*last_changed = 0;
	if (user == NULL || shadow_read(user, &first, last_changed) != 0)
		return -1;
	*usable = first != '\0' && first != '!' && first != '*';
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Locking                                                                 */

/* A descriptor above stdio, so that the child's dup2 onto 1 and 2 clears FD_CLOEXEC. */
static int above_stdio(int fd)
{
	int nfd;

	if (fd > STDERR_FILENO)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return nfd;
}

static int spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *at,
		       int wfd)
{
	sigset_t none, all;
	int rc;

	sigemptyset(&none);
	sigfillset(&all);
	rc = posix_spawnattr_setsigmask(at, &none);
	/* Whatever we ignore or catch, passwd starts with the defaults. */
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(at, &all);
	if (rc == 0)
		rc = posix_spawnattr_setflags(at, POSIX_SPAWN_SETSIGMASK |
						  POSIX_SPAWN_SETSIGDEF);
	if (rc == 0)
		rc = posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null",
						      O_RDONLY, 0);
	/* passwd's stdout ("password changed.") must not reach our JSON. */
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(fa, wfd, STDOUT_FILENO);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(fa, wfd, STDERR_FILENO);
#ifdef __GLIBC__
#if __GLIBC_PREREQ(2, 34)
	/* Ours are all O_CLOEXEC; a library's may not be. */
	if (rc == 0)
		rc = posix_spawn_file_actions_addclosefrom_np(fa, STDERR_FILENO + 1);
#endif
#endif
	return rc;
}

/* Read the child's output until EOF; keep what fits, drop the rest. */
static void read_child(int fd, char *text, size_t size)
{
	size_t len = 0;
	char chunk[256];

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((size_t)n > size - 1 - len)
			n = (ssize_t)(size - 1 - len);
		memcpy(text + len, chunk, (size_t)n);
		len += (size_t)n;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	text[len] = '\0';
}

/*
 * Run `path argv...`: never a shell, a minimal environment, stdin from
 * /dev/null, stdout and stderr into `text`.  Returns 0 with the wait
 * status, or an errno value when the program could not be run.
 */
static int run_tool(const char *path, char *const argv[], int *status, char *text,
		    size_t size)
{
	char env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	char env_lc[] = "LC_ALL=C";
	char *envp[] = { env_path, env_lc, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int fds[2], rc;
	pid_t pid = -1;

	text[0] = '\0';
	if (pipe2(fds, O_CLOEXEC) != 0)
		return errno;
	fds[0] = above_stdio(fds[0]);
	fds[1] = above_stdio(fds[1]);
	if (fds[0] < 0 || fds[1] < 0) {
		rc = errno;
		goto close_fds;
	}
	rc = posix_spawn_file_actions_init(&fa);
	if (rc != 0)
		goto close_fds;
	rc = posix_spawnattr_init(&at);
	if (rc != 0)
		goto destroy_fa;
	rc = spawn_setup(&fa, &at, fds[1]);
	if (rc == 0)
		rc = posix_spawn(&pid, path, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
destroy_fa:
	posix_spawn_file_actions_destroy(&fa);
close_fds:
	if (fds[1] >= 0)
		close(fds[1]);
	if (rc == 0) {
		read_child(fds[0], text, size);
		while (waitpid(pid, status, 0) < 0) {
			if (errno != EINTR) {
				rc = errno;
				break;
			}
		}
	}
	if (fds[0] >= 0)
		close(fds[0]);
	return rc;
}

/* `passwd -l -- user`; the caller checked the name (`--`: never an option). */
static int run_passwd_lock(const char *user, int *status, char *text, size_t size)
{
	char arg0[] = "passwd", arg1[] = "-l", arg2[] = "--";
	char name[IAMPW_NAME_MAX + 1];
	char *argv[] = { arg0, arg1, arg2, name, NULL };

	snprintf(name, sizeof name, "%s", user);
	return run_tool(UNIXPW_PASSWD, argv, status, text, size);
}

/* Say how a child ended, and what it printed. */
static void child_failure(struct out *o, const char *what, int status, const char *text)
{
	char head[96];

	if (WIFEXITED(status))
		snprintf(head, sizeof head, "%s exited with status %d", what, WEXITSTATUS(status));
	else
		snprintf(head, sizeof head, "%s killed by signal %d", what,
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	out_str(o, head);
	if (text[0] != '\0') {
		out_str(o, ": ");
		out_str(o, text);
	}
}

int unixpw_rename(const char *user, const char *new_name, char *msg, size_t msglen)
{
	char arg0[] = "usermod", arg1[] = "-l", arg3[] = "--";
	char from[IAMPW_NAME_MAX + 1], to[IAMPW_NAME_MAX + 1], text[CHILD_TEXT_SIZE];
	char *argv[] = { arg0, arg1, to, arg3, from, NULL };
	struct out o;
	int status = 0, rc;

	out_init(&o, msg, msglen);
	/* A new name starting with '-' would be read as an option by usermod. */
	if (!iampw_user_name_valid(user) || !iampw_user_name_valid(new_name) ||
	    new_name[0] == '-') {
		out_str(&o, "invalid user name");
		return -1;
	}
	snprintf(from, sizeof from, "%s", user);
	snprintf(to, sizeof to, "%s", new_name);
	rc = run_tool(UNIXPW_USERMOD, argv, &status, text, sizeof text);
	if (rc != 0) {
		snprintf(text, sizeof text, "cannot run %s: %s", UNIXPW_USERMOD,
			 iampw_errstr(rc));
		out_str(&o, text);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	child_failure(&o, "usermod -l", status, text);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int unixpw_lock(const char *user, char *msg, size_t msglen)
{
	char text[CHILD_TEXT_SIZE], first;
	int64_t last_changed;
	struct out o;
	int status = 0, rc;

	out_init(&o, msg, msglen);
	if (user == NULL || !iampw_user_name_valid(user)) {
		out_str(&o, "invalid user name");
		return -1;
	}
	rc = run_passwd_lock(user, &status, text, sizeof text);
	if (rc != 0) {
		snprintf(text, sizeof text, "cannot run %s: %s", UNIXPW_PASSWD,
			 iampw_errstr(rc));
		out_str(&o, text);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	/*
	 * shadow-utils' passwd -l succeeds on a locked account (Debian 12:
	 * exit 0, hash unchanged); other passwd implementations report
	 * "already locked" as a failure.  What counts is the result.
	 */
	if (shadow_read(user, &first, &last_changed) == 0 && (first == '!' || first == '*'))
		return 0;
	child_failure(&o, "passwd -l", status, text);
	return -1;
}
