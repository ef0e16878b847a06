/*
 * Does MFA count (§9.3, §10)?  NIST SP 800-63B-4 §3.1.1.2 allows 8
 * characters only for a password used as part of multi-factor
 * authentication.  Here that holds only when both are true:
 *
 *  - every PAM service that checks a Unix password asks for the code
 *    after the password is accepted, in a way no answer of any module can
 *    get around (pamstack.c follows the stack as libpam would), with the
 *    iampw.conf and state directory whose users and devices check counts;
 *  - every user in scope with a usable password has an enabled device:
 *    the mfa line lets a user without one through (PAM_IGNORE), so that
 *    user's password is a single factor.
 *
 * Anything that cannot be read or proven does not count: the stricter
 * minimum then applies, which never passes a host it should fail.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pamstack.h"

/* How many users without a device a row names. */
#define NAMED_USERS 3

/* Append to a NUL-terminated buffer, cutting what does not fit. */
static void append(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t n, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, n - len, fmt, ap);
	va_end(ap);
}

void one_line(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\n')
			*s = ' ';
}

static void count_stack(const struct cli *c, struct mfa_count *m)
{
	struct pamstack_query q = {
		.pamd_dir = PAMD_DIR,
		.dist_dir = PAMD_DIST_DIR,
		.owner = 0,
		.config = c->config,
		.state_dir = c->state_dir,
	};
	struct pamstack_mfa r;

	pamstack_mfa(&q, &r);
	m->services = r.services;
	m->unproven = r.unproven;
	iampw_fmt(m->stack_why, sizeof m->stack_why, "%s", r.why);
	iampw_fmt(m->stack_others, sizeof m->stack_others, "%s", r.others);
}

/* The report's users in scope with a usable password, and those of them without a device. */
static void count_users(const struct cli *c, struct admin *a, struct mfa_count *m)
{
	struct roster_mfa dev = { NULL, 0 };
	char shown[IAMPW_NAME_SHOWN];
	struct iampw_acct ia;
	struct iampw_err e;
	struct roster r;
	struct arec acct;
	bool got = false;
	int rc;

	roster_init(&r);
	iampw_err_init(&e);
	rc = roster_mfa_uids(c->state_dir, &dev, &e);
	if (rc == IAMPW_OK && !iampw_store_present(a->store)) {
		iampw_store_close(a->store);
		rc = iampw_store_open(&a->store, c->state_dir, false, 0, 0, &e);
	}
	if (rc == IAMPW_OK)
		rc = roster_open(&r, a->store, &e);
	while (rc == IAMPW_OK && (rc = roster_next(&r, &a->cfg, &acct, &ia, &got, &e)) == IAMPW_OK &&
	       got) {
		if (!ia.usable)
			continue;
		m->users++;
		if (roster_mfa_has(&dev, acct.uid))
			continue;
		if (m->lacking++ < NAMED_USERS)
			append(m->lacking_names, sizeof m->lacking_names, "%s%s",
			       m->lacking > 1 ? ", " : "", iampw_name_display(acct.name, shown));
	}
	if (m->lacking > NAMED_USERS)
		append(m->lacking_names, sizeof m->lacking_names, " and %lu more",
		       m->lacking - NAMED_USERS);
	m->users_known = rc == IAMPW_OK;
	if (!m->users_known) {
		iampw_fmt(m->users_problem, sizeof m->users_problem, "%s", e.text);
		one_line(m->users_problem);
	}
	roster_close(&r);
	roster_mfa_free(&dev);
}

void mfa_count(const struct cli *c, struct admin *a, struct mfa_count *m)
{
	memset(m, 0, sizeof *m);
	count_stack(c, m);
	count_users(c, a, m);
	/* No service that checks a password with pam_unix: check cannot see how they are checked. */
	m->counted = m->services > 0 && m->unproven == 0 && m->users_known && m->lacking == 0;
}

void mfa_count_why(const struct mfa_count *m, char *out, size_t n)
{
	out[0] = '\0';
	if (m->unproven > 0) {
		append(out, n, "not every password login asks for the code: %s", m->stack_why);
		if (m->stack_others[0] != '\0')
			append(out, n, " (likewise: %s)", m->stack_others);
	} else if (m->services == 0) {
		append(out, n, "no PAM service checks a Unix password with pam_unix.so, so check "
		       "cannot see that a code is asked after it");
	}
	if (!m->users_known)
		append(out, n, "%scannot count the users' devices: %s", out[0] ? "; " : "",
		       m->users_problem);
	else if (m->lacking > 0)
		append(out, n, "%s%lu of the %lu users in scope with a password %s no enabled MFA "
		       "device: %s", out[0] ? "; " : "", m->lacking, m->users,
		       m->lacking == 1 ? "has" : "have", m->lacking_names);
}

void mfa_count_remedy(const struct mfa_count *m, const char *tool, const char *host,
		      char *out, size_t n)
{
	out[0] = '\0';
	if (m->unproven > 0 || m->services == 0)
		append(out, n, "ask for the code after the password in the auth stack of every "
		       "service: 'pam-auth-update --enable iampw-mfa' puts 'auth requisite "
		       "pam_iampw.so mfa' after pam_permit in common-auth (pam_iampw(8) MFA), with "
		       "the iampw.conf and state directory check reads; and remove what HostValue "
		       "names as letting a login past it");
	if (!m->users_known)
		append(out, n, "%sfix what keeps check from reading the accounts and devices "
		       "('%s check' lists it)", out[0] ? "; " : "", tool);
	else if (m->lacking > 0)
		append(out, n, "%sgive each user in scope with a password an enabled device (%s): "
		       "'%s create-virtual-mfa-device --virtual-mfa-device-name NAME "
		       "--outfile FILE --bootstrap-method QRCodePNG', then '%s enable-mfa-device "
		       "--user-name USER --serial-number arn:linux:iam::%s:mfa/NAME "
		       "--authentication-code1 CODE1 --authentication-code2 CODE2' with two "
		       "consecutive codes of the device", out[0] ? "; " : "", m->lacking_names, tool,
		       tool, host);
}
