/*
 * iampw-admin/pamstack.c: PAM files read as Debian's libpam reads them,
 * and the proof that every password login asks for pam_iampw's MFA code
 * (check --against nist-800-63b-4, SPEC §9.3, §10).
 *
 * Each case writes a pam.d directory in a temp dir and asks the question.
 * The stacks that must count are Debian's own after
 * `pam-auth-update --enable iampw-mfa` and its variants; the ones that
 * must not are the ways a login gets past the mfa line: no line, a line
 * in some services only, `optional` or a control that ignores a wrong
 * code, a jump over it, a `sufficient` module that ends the stack (or a
 * substack) first, a line before the password module, a reset, a line
 * reading other devices, a file others may write.  tests/admin/
 * test_compliance.sh runs the same kinds of stacks through real libpam
 * (pamtester) to show the verdicts are what libpam does.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define _XOPEN_SOURCE_EXTENDED 1
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pamstack.h"

/* Debian's common-auth as pam-auth-update writes it, around the mfa line. */
#define UNIX "auth\t[success=1 default=ignore]\tpam_unix.so nullok\n"
#define HEAD UNIX "auth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\tpam_permit.so\n"
#define MFA "auth\trequisite\t\t\tpam_iampw.so mfa\n"
#define TAIL "auth\toptional\t\t\tpam_iampw.so\nauth\toptional\t\t\tpam_cap.so\n"

static char dir[64], dist[96];
static struct pamstack_query q;
static struct pamstack_mfa r;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_pamstack.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(dist, sizeof dist, "%s/dist", dir);
	q.pamd_dir = dir;
	q.dist_dir = NULL;
	q.owner = getuid();
	q.config = IAMPW_SYSCONFDIR "/iampw.conf";
	q.state_dir = IAMPW_STATEDIR;
	memset(&r, 0, sizeof r);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write dir/name (mode 0644). */
static void file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0644), 0);
}

/* login, sshd and other include common-auth; cron has no auth line (it runs other's). */
static void services(const char *common_auth)
{
	file("common-auth", common_auth);
	file("login", "auth requisite pam_nologin.so\n@include common-auth\n"
	     "account required pam_unix.so\n");
	file("sshd", "# sshd\n@include common-auth\naccount required pam_nologin.so\n");
	file("other", "@include common-auth\n");
	file("cron", "session required pam_env.so\n");
}

static void judge(void)
{
	memset(&r, 0, sizeof r);
	pamstack_mfa(&q, &r);
}

static void assert_proven(unsigned services_with_password)
{
	if (r.unproven != 0)
		print_error("unexpectedly not proven: %s (others: %s)\n", r.why, r.others);
	assert_int_equal(r.unproven, 0);
	assert_int_equal(r.services, services_with_password);
}

/* Not proven, and the first reason contains every fragment given. */
static void assert_unproven(const char *fragment, ...)
{
	va_list ap;

	if (r.unproven == 0)
		print_error("unexpectedly proven over %u services\n", r.services);
	assert_true(r.unproven > 0);
	va_start(ap, fragment);
	for (const char *f = fragment; f != NULL; f = va_arg(ap, const char *)) {
		if (strstr(r.why, f) == NULL)
			print_error("reason \"%s\" lacks \"%s\"\n", r.why, f);
		assert_non_null(strstr(r.why, f));
	}
	va_end(ap);
}

/* ---------------------------------------------------------------------- */
/* Stacks where the code is asked                                         */

static void test_debian_profile(void **state)
{
	(void)state;
	services(HEAD MFA TAIL);
	judge();
	/* common-auth, login, sshd, and other for cron and every service without a file. */
	assert_proven(4);
}

static void test_required_and_die_controls(void **state)
{
	static const char *const lines[] = {
		"auth required pam_iampw.so mfa\n",
		"auth [success=ok default=die] pam_iampw.so mfa\n",
		"auth [success=ok new_authtok_reqd=ok ignore=ignore default=bad] pam_iampw.so mfa\n",
		"AUTH Requisite /usr/lib/x86_64-linux-gnu/security/pam_iampw.so debug mfa\n",
		"-auth requisite pam_iampw.so mfa\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		char stack[512];

		snprintf(stack, sizeof stack, HEAD "%s" TAIL, lines[i]);
		services(stack);
		judge();
		assert_proven(4);
	}
}

static void test_paths_of_check(void **state)
{
	(void)state;
	q.config = "/etc/iampw-t/iampw.conf";
	q.state_dir = "/run/state";
	services(HEAD "auth requisite pam_iampw.so mfa config=/etc/iampw-t/iampw.conf "
		 "statedir=/run/state\n" TAIL);
	judge();
	assert_proven(4);
}

static void test_substack_whole(void **state)
{
	(void)state;
	services(HEAD MFA TAIL);
	file("sshd", "auth substack common-auth\nauth optional pam_cap.so\n");
	judge();
	assert_proven(4);
}

/* A line continued with '\', comments, brackets with blanks and "\]". */
static void test_syntax_libpam_accepts(void **state)
{
	(void)state;
	services("# Debian\n" UNIX "auth requisite pam_deny.so # never\n"
		 "auth [success=ok default=ignore] pam_permit.so\n"
		 "auth \\\n  requisite \\\n\n   # a comment inside\n  pam_iampw.so \\\n  mfa\n" TAIL);
	judge();
	assert_proven(4);
}

/* A missing include makes libpam fail the service: no password login succeeds there. */
static void test_missing_include_fails_the_stack(void **state)
{
	(void)state;
	services(HEAD MFA TAIL);
	file("sshd", "auth include nosuch\nauth required pam_unix.so\n");
	judge();
	/* sshd is no way in: common-auth, login, other. */
	assert_proven(3);
}

/* No pam_unix: su's root path, runuser; not a password login. */
static void test_no_password_module(void **state)
{
	(void)state;
	services(HEAD MFA TAIL);
	file("runuser", "auth sufficient pam_rootok.so\nsession include other\n");
	judge();
	assert_proven(4);
}

/* A stack no password login gets through asks for nothing, and is no password service. */
static void test_no_way_through(void **state)
{
	(void)state;
	services(HEAD MFA TAIL);
	file("locked", "auth [success=1 default=ignore] pam_unix.so\nauth requisite pam_deny.so\n"
	     "auth requisite pam_deny.so\nauth required pam_permit.so\n");
	judge();
	assert_proven(4);
}

/* ---------------------------------------------------------------------- */
/* Stacks that let a password login past the code                          */

static void test_no_mfa_line(void **state)
{
	(void)state;
	services(HEAD TAIL);
	judge();
	assert_unproven("common-auth: ", "pam_unix.so at ", "/common-auth:1 accepts the password",
			"no 'auth ... pam_iampw.so mfa' line", NULL);
	assert_int_equal(r.unproven, 4);
	assert_string_equal(r.others, "login, sshd, other");
	file("su", "@include common-auth\n");
	file("sudo", "@include common-auth\n");
	judge();
	assert_int_equal(r.unproven, 6);
	assert_string_equal(r.others, "login, sshd, su and 2 more");
}

static void test_missing_in_one_service(void **state)
{
	(void)state;
	services(HEAD MFA TAIL);
	file("sshd", "auth required pam_unix.so\naccount required pam_nologin.so\n");
	judge();
	assert_unproven("sshd: pam_unix.so at ", "/sshd:1 accepts the password and no", NULL);
	assert_int_equal(r.unproven, 1);
	assert_int_equal(r.services, 4);
}

static void test_optional(void **state)
{
	(void)state;
	services(HEAD "auth optional pam_iampw.so mfa\n" TAIL);
	judge();
	assert_unproven("'optional pam_iampw.so' at ", "/common-auth:4 lets the login through "
			"after a wrong code (auth_err: ignore)", NULL);
}

static void test_control_ignoring_a_wrong_code(void **state)
{
	(void)state;
	services(HEAD "auth [success=ok auth_err=ignore default=die] pam_iampw.so mfa\n" TAIL);
	judge();
	assert_unproven("(auth_err: ignore)", NULL);
	/* A module that does not load must stop the login too. */
	services(HEAD "auth [success=ok auth_err=die buf_err=die default=ignore] pam_iampw.so mfa\n"
		 TAIL);
	judge();
	assert_unproven("(module_unknown: ignore)", NULL);
}

static void test_jump_over_the_line(void **state)
{
	(void)state;
	services("auth [success=3 default=ignore] pam_unix.so\nauth requisite pam_deny.so\n"
		 "auth required pam_permit.so\n" MFA TAIL);
	judge();
	assert_unproven("success=3 of '[success=3 default=ignore] pam_unix.so' at ",
			"skips the mfa line at ", "/common-auth:4", NULL);
}

static void test_sufficient_before(void **state)
{
	(void)state;
	services("auth sufficient pam_unix.so\n" MFA "auth required pam_deny.so\n");
	judge();
	assert_unproven("'sufficient pam_unix.so' at ", "ends the stack on success after "
			"pam_unix.so at ", "before the mfa line at ", NULL);
	/* Another module's success ending the stack after the password is accepted. */
	services(HEAD "auth sufficient pam_sss.so\n" MFA TAIL);
	judge();
	assert_unproven("'sufficient pam_sss.so' at ", "/common-auth:4 ends the stack on success",
			NULL);
}

static void test_sufficient_ends_the_substack(void **state)
{
	(void)state;
	services(HEAD MFA TAIL);
	/* Named to sort after sshd: it is a service of its own too. */
	file("sub-pw", "auth sufficient pam_unix.so\n" MFA "auth required pam_deny.so\n");
	file("sshd", "auth substack sub-pw\nauth required pam_permit.so\n");
	judge();
	assert_unproven("sshd: 'sufficient pam_unix.so' at ", "ends the substack", NULL);
}

static void test_mfa_before_password(void **state)
{
	(void)state;
	services(MFA "auth required pam_unix.so\n");
	judge();
	assert_unproven("the mfa line at ", "comes before pam_unix.so at ", NULL);
}

static void test_reset_after_a_wrong_code(void **state)
{
	(void)state;
	services("auth [success=ok default=bad] pam_unix.so\n"
		 "auth [success=ok default=reset] pam_iampw.so mfa\n"
		 "auth required pam_permit.so\n");
	judge();
	assert_unproven("lets the login through after a wrong code (auth_err: reset)", NULL);
}

static void test_other_devices(void **state)
{
	(void)state;
	services(HEAD "auth requisite pam_iampw.so mfa statedir=/srv/other\n" TAIL);
	judge();
	assert_unproven("the mfa line at ", "reads " IAMPW_SYSCONFDIR "/iampw.conf and the "
			"devices of /srv/other, but check counted", NULL);
	/* A relative path is no option of pam_iampw: the default applies in neither. */
	services(HEAD "auth requisite pam_iampw.so mfa config=iampw.conf\n" TAIL);
	judge();
	assert_proven(4);
}

static void test_writable_by_others(void **state)
{
	char path[256];

	(void)state;
	services(HEAD MFA TAIL);
	snprintf(path, sizeof path, "%s/common-auth", dir);
	assert_int_equal(chmod(path, 0666), 0);
	judge();
	assert_unproven("common-auth is not root's, or is writable by group or others", NULL);
}

static void test_service_without_auth_runs_other(void **state)
{
	(void)state;
	services(HEAD MFA TAIL);
	file("other", "auth required pam_unix.so\n");
	judge();
	assert_unproven("other (the stack of every service without auth lines): pam_unix.so at ",
			"/other:1 accepts", NULL);
	assert_int_equal(r.unproven, 1);
}

static void test_dist_dir(void **state)
{
	FILE *f;
	char path[256];

	(void)state;
	services(HEAD MFA TAIL);
	assert_int_equal(mkdir(dist, 0755), 0);
	snprintf(path, sizeof path, "%s/vendor", dist);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("auth required pam_unix.so\n", f);
	assert_int_equal(fclose(f), 0);
	judge();
	assert_proven(4);
	q.dist_dir = dist;
	judge();
	assert_unproven("vendor: pam_unix.so at ", "/dist/vendor:1", NULL);
	/* The same name in PAMD_DIR is the one libpam reads. */
	file("vendor", "@include common-auth\n");
	judge();
	assert_proven(5);
}

static void test_too_many_lines(void **state)
{
	char *big = malloc(300 * 40 + sizeof HEAD MFA);

	(void)state;
	assert_non_null(big);
	strcpy(big, HEAD MFA);
	for (int i = 0; i < 300; i++)
		strcat(big, "auth optional pam_env.so\n");
	services(big);
	free(big);
	judge();
	assert_unproven("more than 256 auth lines", NULL);
}

/* libpam cannot load a service whose file @includes a missing file. */
static void test_missing_at_include(void **state)
{
	(void)state;
	services(HEAD MFA TAIL);
	file("sshd", "@include common-auth\n@include common-account\n");
	judge();
	assert_unproven("sshd: ", "/sshd:2: ", "/common-account does not exist: libpam cannot "
			"load the service", NULL);
}

static void test_include_loop(void **state)
{
	(void)state;
	services(HEAD MFA TAIL);
	file("loop", "@include loop\n");
	judge();
	assert_unproven("loop: ", "includes nested more than 16 deep", NULL);
}

static void test_unreadable_directory(void **state)
{
	(void)state;
	q.pamd_dir = "/nonexistent/pam.d";
	judge();
	assert_unproven("cannot list the PAM services in /nonexistent/pam.d", NULL);
}

/* ---------------------------------------------------------------------- */
/* The reader                                                             */

struct seen {
	char lines[8][256];
	int n;
};

static int collect(void *ctx, const struct pam_line *l)
{
	struct seen *s = ctx;
	char *o = s->lines[s->n];
	int len;

	len = snprintf(o, 256, "%u|%s|%s|%s", l->lineno, l->type, l->control ? l->control : "-",
		       l->target ? l->target : "-");
	for (int i = 0; i < l->argc; i++)
		len += snprintf(o + len, (size_t)(256 - len), "|%s", l->argv[i]);
	s->n++;
	return s->n == 8;
}

static int each(const char *text, struct seen *s, struct iampw_err *e)
{
	char *copy = strdup(text);
	FILE *f;
	int rc;

	assert_non_null(copy);
	f = fmemopen(copy, strlen(copy), "r");
	assert_non_null(f);
	memset(s, 0, sizeof *s);
	iampw_err_init(e);
	rc = pam_file_each(f, "t", collect, s, e);
	fclose(f);
	free(copy);
	return rc;
}

static void test_reader_words(void **state)
{
	struct iampw_err e;
	struct seen s;

	(void)state;
	assert_int_equal(each("  # comment\n\n"
			      "auth [success=1 default=ignore] pam_unix.so nullok # tail\n"
			      "@include common-auth\n"
			      "-session optional pam_x.so [a b\\]c] d\n"
			      "account\n"
			      "password requisite \\\n  pam_iampw.so\\\nretry=3\n"
			      "auth [default=die\n", &s, &e), 0);
	assert_int_equal(s.n, 6);
	assert_string_equal(s.lines[0], "3|auth|success=1 default=ignore|pam_unix.so|nullok");
	assert_string_equal(s.lines[1], "4|@include|-|common-auth");
	assert_string_equal(s.lines[2], "5|-session|optional|pam_x.so|a b]c|d");
	assert_string_equal(s.lines[3], "6|account|-|-");
	assert_string_equal(s.lines[4], "7|password|requisite|pam_iampw.so|retry=3");
	/* An unclosed bracket runs to the end of the line, as in libpam. */
	assert_string_equal(s.lines[5], "10|auth|default=die\n|-");
}

static void test_reader_overflow(void **state)
{
	char text[3000];
	struct iampw_err e;
	struct seen s;
	size_t n = 0;

	(void)state;
	/* Joined lines longer than libpam's buffer go on as a new line where fgets cuts them. */
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "auth optional pam_x.so \\\n");
	snprintf(text + n, sizeof text - n, "end\n");
	assert_int_equal(each(text, &s, &e), 0);
	assert_int_equal(s.n, 2);
	/* A '\' on the buffer's last byte: libpam would read on for ever. */
	memset(text, 'x', 1022);
	memcpy(text, "auth ", 5);
	strcpy(text + 1022, "\\\nauth required pam_x.so\n");
	assert_int_equal(each(text, &s, &e), IAMPW_E_PARSE);
	assert_non_null(strstr(e.text, "t:1: a line joined with '\\' fills libpam's 1024-byte buffer"));
	/* A file ending inside a joined line. */
	assert_int_equal(each("auth required pam_x.so \\\n", &s, &e), IAMPW_E_PARSE);
	/* One long physical line is cut where fgets cuts it, as libpam reads it. */
	memset(text, 'x', 1500);
	memcpy(text, "auth ", 5);
	strcpy(text + 1500, "\n");
	assert_int_equal(each(text, &s, &e), 0);
	assert_int_equal(s.n, 2);
}

static void test_reader_args(void **state)
{
	struct pam_line l;

	(void)state;
	memset(&l, 0, sizeof l);
	l.argc = 4;
	l.argv[0] = "mfa";
	l.argv[1] = "statedir=/a";
	l.argv[2] = "debug";
	l.argv[3] = "statedir=/b";
	assert_true(pam_line_has_arg(&l, "mfa"));
	assert_false(pam_line_has_arg(&l, "mf"));
	assert_string_equal(pam_line_arg(&l, "statedir"), "/b");
	assert_null(pam_line_arg(&l, "config"));
	assert_string_equal(pam_module_name("/lib/security/pam_unix.so"), "pam_unix.so");
	assert_string_equal(pam_module_name("pam_unix.so"), "pam_unix.so");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_debian_profile),
		T(test_required_and_die_controls),
		T(test_paths_of_check),
		T(test_substack_whole),
		T(test_syntax_libpam_accepts),
		T(test_missing_include_fails_the_stack),
		T(test_no_password_module),
		T(test_no_way_through),
		T(test_no_mfa_line),
		T(test_missing_in_one_service),
		T(test_optional),
		T(test_control_ignoring_a_wrong_code),
		T(test_jump_over_the_line),
		T(test_sufficient_before),
		T(test_sufficient_ends_the_substack),
		T(test_mfa_before_password),
		T(test_reset_after_a_wrong_code),
		T(test_other_devices),
		T(test_writable_by_others),
		T(test_service_without_auth_runs_other),
		T(test_dist_dir),
		T(test_too_many_lines),
		T(test_missing_at_include),
		T(test_include_loop),
		T(test_unreadable_directory),
		T(test_reader_words),
		T(test_reader_overflow),
		T(test_reader_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
