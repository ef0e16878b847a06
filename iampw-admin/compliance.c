/*
 * iampw-admin check --against STANDARD (SPEC §9.3): every requirement of
 * a password standard that this host can show, with the host's value,
 * PASS or FAIL, and the change that makes it pass.
 *
 * The standards are data: one table per standard, one row per
 * requirement, each row naming the judge that reads the host and the
 * bounds it applies.  A judge only reads: policy.conf and iampw.conf
 * through the core's loaders, the blocklist through the core's opener,
 * common-auth and faillock.conf (pam_faillock) through pamstack.c's
 * reader, and for NIST's MFA rows the whole auth stack of every service,
 * the accounts and the MFA devices (mfacount.c).
 *
 * The response (AWS CLI style, printed by out_print in every format):
 *
 *   {"Standard": {"Name", "Title", "Preset"},
 *    "Requirements": [{"Id", "Reference", "Requirement", "HostValue",
 *                      "Status": "PASS"|"FAIL", "Remedy" (FAIL only)}],
 *    "Summary": {"Requirements", "Passed", "Failed", "Compliant"}}
 *
 * Exit status: 0 when every row passes, 254 otherwise (§9.3); a broken
 * iampw.conf or policy.conf is 253 as for every verb (§6.1), since no
 * row could then be judged.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pamstack.h"
#include "messages.h"

#ifndef FAILLOCK_CONF
#define FAILLOCK_CONF "/etc/security/faillock.conf"
#endif
#ifndef IAMPW_POLICYDIR
#define IAMPW_POLICYDIR "/usr/share/iampw/policies"
#endif

/* pam_faillock's own defaults (pam_faillock(8), faillock.conf(5)). */
#define FAILLOCK_DEFAULT_DENY 3
#define FAILLOCK_DEFAULT_UNLOCK 600

#define VALUE_SIZE 1200
#define REMEDY_SIZE 2048

/* What pam_faillock will do, as read from common-auth and faillock.conf. */
struct faillock {
	bool present;           /* an auth line records failures (authfail) */
	long deny;              /* 0: never locks */
	bool deny_set;          /* deny comes from a file, not the default */
	long unlock_time;       /* seconds, 0: until an administrator unlocks */
	char where[512];        /* the file that set deny, for HostValue */
	char problem[512];      /* a file that could not be read, or "" */
	char conf[1024];        /* the authfail line's conf=, else faillock.conf */
	char args[PAM_LINE_MAX]; /* the authfail line's arguments */
};

/* Everything the judges read, loaded once. */
struct host {
	const struct cli *c;
	struct admin a;
	struct faillock fl;
	struct mfa_count mfa;   /* read only for a standard that has MFA rows */
};

struct verdict {
	bool pass;
	char value[VALUE_SIZE];
	char remedy[REMEDY_SIZE];
};

struct row;
typedef void (*judge_fn)(const struct host *h, const struct row *r, struct verdict *v);

/* One requirement of a standard. */
struct row {
	const char *id;
	const char *reference;   /* the clause or benchmark item */
	const char *requirement;
	judge_fn judge;
	long lo, hi;             /* the judge's bounds, see each judge */
};

struct standard {
	const char *name;
	const char *title;
	bool mfa;                /* a row asks whether MFA counts */
	const struct row *rows;
	size_t nrows;
};

/* ---------------------------------------------------------------------- */
/* Remedies                                                               */

/* `s` quoted for a POSIX shell when it needs it. */
static void shell_quote(char *out, size_t n, const char *s)
{
	size_t o = 0;
	bool plain = s[0] != '\0';

	for (const char *p = s; *p != '\0'; p++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@%",
			   *p) == NULL)
			plain = false;
	if (plain) {
		iampw_fmt(out, n, "%s", s);
		return;
	}
	if (n < 3) {
		out[0] = '\0';
		return;
	}
	out[o++] = '\'';
	for (const char *p = s; *p != '\0' && o + 6 < n; p++) {
		if (*p == '\'') {
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			out[o++] = *p;
		}
	}
	out[o++] = '\'';
	out[o] = '\0';
}

/* "iampw-admin [--policy P] update-account-password-policy ..." for `p`: a full replace. */
static void policy_command(const struct host *h, const struct iampw_policy *p,
			   char *out, size_t n)
{
	char q[1100], path[1200] = "";
	size_t len;

	if (strcmp(h->c->policy, IAMPW_SYSCONFDIR "/policy.conf") != 0) {
		shell_quote(q, sizeof q, h->c->policy);
		iampw_fmt(path, sizeof path, " --policy %s", q);
	}
	iampw_fmt(out, n, "iampw-admin%s update-account-password-policy", path);
	/* Every field, an optional one only when set: the policy's flags in table order. */
	for (size_t i = 0; i < iampw_policy_nfields && (len = strlen(out)) < n; i++) {
		const struct iampw_policy_field *f = &iampw_policy_fields[i];
		unsigned v = iampw_policy_get(p, f);

		if (f->type == IAMPW_FIELD_BOOL)
			iampw_fmt(out + len, n - len, " %s", v ? f->flag : f->no_flag);
		else if (v > 0 || !f->optional)
			iampw_fmt(out + len, n - len, " %s %u", f->flag, v);
	}
}

/*
 * The host's policy as a custom policy to start a fix from.  IAM's
 * default policy becomes its values without the three-of-four rule,
 * which no custom policy can express; the fix that needs types sets
 * them explicitly.
 */
static void policy_start(const struct host *h, struct iampw_policy *p)
{
	*p = h->a.pol;
	p->custom = true;
	p->min_classes = 0;
}

/* ---------------------------------------------------------------------- */
/* Judges of the policy                                                   */

static unsigned types_required(const struct iampw_policy *p)
{
	return (unsigned)p->require_symbols + p->require_numbers + p->require_uppercase +
	       p->require_lowercase;
}

static void types_text(const struct iampw_policy *p, char *out, size_t n)
{
	const char *names[4];
	size_t k = 0;

	if (!p->custom) {
		iampw_fmt(out, n, "at least 3 of the 4 types (IAM's default policy)");
		return;
	}
	if (p->require_uppercase)
		names[k++] = "uppercase";
	if (p->require_lowercase)
		names[k++] = "lowercase";
	if (p->require_numbers)
		names[k++] = "numbers";
	if (p->require_symbols)
		names[k++] = "symbols";
	switch (k) {
	case 0: iampw_fmt(out, n, "none required"); break;
	case 1: iampw_fmt(out, n, "%s required", names[0]); break;
	case 2: iampw_fmt(out, n, "%s, %s required", names[0], names[1]); break;
	case 3: iampw_fmt(out, n, "%s, %s, %s required", names[0], names[1], names[2]); break;
	default:
		iampw_fmt(out, n, "%s, %s, %s, %s required", names[0], names[1], names[2], names[3]);
		break;
	}
}

static const char *policy_origin(const struct host *h)
{
	return h->a.pol.custom ? "" : " (IAM's default policy)";
}

/* Minimum length at least lo. */
static void judge_min_length(const struct host *h, const struct row *r, struct verdict *v)
{
	struct iampw_policy fix;

	v->pass = h->a.pol.min_length >= (unsigned long)r->lo;
	iampw_fmt(v->value, sizeof v->value, "%u%s", h->a.pol.min_length, policy_origin(h));
	policy_start(h, &fix);
	if (!h->a.pol.custom) {
		/* Keep what the default policy asks as far as a custom one can. */
		fix.require_symbols = fix.require_numbers = true;
		fix.require_uppercase = fix.require_lowercase = true;
	}
	fix.min_length = (unsigned)r->lo;
	policy_command(h, &fix, v->remedy, sizeof v->remedy);
}

/*
 * Minimum length at least lo, or at least hi when MFA counts (NIST: 8
 * only as part of multi-factor authentication).  The remedy sets the
 * length that passes as the host stands.
 */
static void judge_min_length_mfa(const struct host *h, const struct row *r, struct verdict *v)
{
	bool mfa = h->mfa.counted;
	struct iampw_policy fix;

	v->pass = h->a.pol.min_length >= (unsigned long)r->lo ||
		  (mfa && h->a.pol.min_length >= (unsigned long)r->hi);
	iampw_fmt(v->value, sizeof v->value, "%u%s; MFA at password logins: %s", h->a.pol.min_length,
		  policy_origin(h), mfa ? "yes" : "not counted");
	policy_start(h, &fix);
	fix.min_length = (unsigned)(mfa ? r->hi : r->lo);
	policy_command(h, &fix, v->remedy, sizeof v->remedy);
}

/* `iampw-admin` as the remedies must run it: with the paths check was given. */
static void tool_command(const struct host *h, char *out, size_t n)
{
	char q[1100];
	size_t len;

	iampw_fmt(out, n, "iampw-admin");
	if (strcmp(h->c->config, IAMPW_SYSCONFDIR "/iampw.conf") != 0) {
		shell_quote(q, sizeof q, h->c->config);
		len = strlen(out);
		iampw_fmt(out + len, n - len, " --config %s", q);
	}
	if (strcmp(h->c->state_dir, IAMPW_STATEDIR) != 0) {
		shell_quote(q, sizeof q, h->c->state_dir);
		len = strlen(out);
		iampw_fmt(out + len, n - len, " --state-dir %s", q);
	}
}

/* The users MFA counted, in words. */
static const char *users_with_devices(unsigned long n, char *out, size_t size)
{
	if (n == 0)
		iampw_fmt(out, size, "no user in scope has a usable password");
	else if (n == 1)
		iampw_fmt(out, size, "the one user in scope with a password has an enabled device");
	else
		iampw_fmt(out, size, "each of the %lu users in scope with a password has an "
			  "enabled device", n);
	return out;
}

/* A second factor at every password login, needed only when the minimum length is under lo. */
static void judge_mfa(const struct host *h, const struct row *r, struct verdict *v)
{
	char why[VALUE_SIZE], policy[REMEDY_SIZE], tool[2400], mfa[REMEDY_SIZE], users[128];
	const struct mfa_count *m = &h->mfa;
	struct iampw_policy fix;

	v->pass = m->counted || h->a.pol.min_length >= (unsigned long)r->lo;
	if (m->counted)
		iampw_fmt(v->value, sizeof v->value,
			  "MFA at every password login: %u PAM service%s ask%s for the code after the "
			  "password, and %s", m->services, m->services == 1 ? "" : "s",
			  m->services == 1 ? "s" : "", users_with_devices(m->users, users, sizeof users));
	else if (v->pass)
		iampw_fmt(v->value, sizeof v->value, "not needed: the minimum length is %u",
			  h->a.pol.min_length);
	else {
		mfa_count_why(m, why, sizeof why);
		iampw_fmt(v->value, sizeof v->value, "not counted: %s; the minimum length is %u", why,
			  h->a.pol.min_length);
	}
	policy_start(h, &fix);
	fix.min_length = (unsigned)r->lo;
	policy_command(h, &fix, policy, sizeof policy);
	tool_command(h, tool, sizeof tool);
	mfa_count_remedy(m, tool, h->a.host, mfa, sizeof mfa);
	iampw_fmt(v->remedy, sizeof v->remedy, "require %ld characters: %s; or make MFA count "
		  "(SP 800-63B-4 then allows 8): %s", r->lo, policy, mfa);
}

/* The most characters a password may have: at least lo (a property of pam_iampw, §4.3). */
static void judge_max_length(const struct host *h, const struct row *r, struct verdict *v)
{
	(void)h;
	v->pass = IAMPW_PASSWORD_CHARS_MAX >= r->lo;
	iampw_fmt(v->value, sizeof v->value, "%d characters (%d bytes of UTF-8)",
		  IAMPW_PASSWORD_CHARS_MAX, IAMPW_PASSWORD_BYTES_MAX);
	iampw_fmt(v->remedy, sizeof v->remedy, "none: the limit is built into pam_iampw");
}

/* Unicode accepted, a code point counting once (a property of pam_iampw, §4.3). */
static void judge_unicode(const struct host *h, const struct row *r, struct verdict *v)
{
	(void)h;
	(void)r;
	v->pass = true;
	iampw_fmt(v->value, sizeof v->value,
		  "accepted; each valid UTF-8 sequence counts as one character");
}

/* No composition rule at all: a custom policy that requires no type. */
static void judge_no_composition(const struct host *h, const struct row *r, struct verdict *v)
{
	struct iampw_policy fix;

	(void)r;
	v->pass = h->a.pol.custom && types_required(&h->a.pol) == 0;
	types_text(&h->a.pol, v->value, sizeof v->value);
	policy_start(h, &fix);
	fix.require_symbols = fix.require_numbers = false;
	fix.require_uppercase = fix.require_lowercase = false;
	policy_command(h, &fix, v->remedy, sizeof v->remedy);
}

/* At least lo of the four types (the default policy counts as its 3). */
static void judge_types(const struct host *h, const struct row *r, struct verdict *v)
{
	unsigned have = h->a.pol.custom ? types_required(&h->a.pol) : h->a.pol.min_classes;
	struct iampw_policy fix;

	v->pass = have >= (unsigned long)r->lo;
	types_text(&h->a.pol, v->value, sizeof v->value);
	policy_start(h, &fix);
	fix.require_symbols = fix.require_numbers = true;
	fix.require_uppercase = fix.require_lowercase = true;
	policy_command(h, &fix, v->remedy, sizeof v->remedy);
}

/* Passwords never expire. */
static void judge_no_expiry(const struct host *h, const struct row *r, struct verdict *v)
{
	struct iampw_policy fix;

	(void)r;
	v->pass = h->a.pol.max_age == 0;
	if (v->pass)
		iampw_fmt(v->value, sizeof v->value, "passwords never expire%s", policy_origin(h));
	else
		iampw_fmt(v->value, sizeof v->value, "MaxPasswordAge %u days", h->a.pol.max_age);
	policy_start(h, &fix);
	fix.max_age = 0;
	fix.hard_expiry = false;
	policy_command(h, &fix, v->remedy, sizeof v->remedy);
}

/* Passwords expire after at most hi days. */
static void judge_max_age(const struct host *h, const struct row *r, struct verdict *v)
{
	struct iampw_policy fix;

	v->pass = h->a.pol.max_age > 0 && h->a.pol.max_age <= (unsigned long)r->hi;
	if (h->a.pol.max_age == 0)
		iampw_fmt(v->value, sizeof v->value, "passwords never expire%s", policy_origin(h));
	else
		iampw_fmt(v->value, sizeof v->value, "MaxPasswordAge %u days", h->a.pol.max_age);
	policy_start(h, &fix);
	if (!h->a.pol.custom) {
		fix.require_symbols = fix.require_numbers = true;
		fix.require_uppercase = fix.require_lowercase = true;
	}
	fix.max_age = (unsigned)r->hi;
	policy_command(h, &fix, v->remedy, sizeof v->remedy);
}

/* The last lo passwords may not be reused. */
static void judge_reuse(const struct host *h, const struct row *r, struct verdict *v)
{
	struct iampw_policy fix;

	v->pass = h->a.pol.reuse_prevention >= (unsigned long)r->lo;
	if (h->a.pol.reuse_prevention == 0)
		iampw_fmt(v->value, sizeof v->value, "no reuse check%s", policy_origin(h));
	else
		iampw_fmt(v->value, sizeof v->value, "PasswordReusePrevention %u",
			  h->a.pol.reuse_prevention);
	policy_start(h, &fix);
	if (!h->a.pol.custom) {
		fix.require_symbols = fix.require_numbers = true;
		fix.require_uppercase = fix.require_lowercase = true;
	}
	fix.reuse_prevention = (unsigned)r->lo;
	policy_command(h, &fix, v->remedy, sizeof v->remedy);
}

/* Users may change their own password. */
static void judge_allow_change(const struct host *h, const struct row *r, struct verdict *v)
{
	struct iampw_policy fix;

	(void)r;
	v->pass = h->a.pol.allow_users_to_change;
	iampw_fmt(v->value, sizeof v->value, "AllowUsersToChangePassword %s%s",
		  h->a.pol.allow_users_to_change ? "true" : "false", policy_origin(h));
	policy_start(h, &fix);
	fix.allow_users_to_change = true;
	policy_command(h, &fix, v->remedy, sizeof v->remedy);
}

/* ---------------------------------------------------------------------- */
/* Judges of iampw.conf                                                   */

static void conf_remedy(const struct host *h, struct verdict *v, const char *section,
			const char *setting)
{
	iampw_fmt(v->remedy, sizeof v->remedy, "set '%s' in the [%s] section of %s", setting, section,
		  h->c->config);
}

static void blocklist_remedy(const struct host *h, struct verdict *v, const char *why)
{
	iampw_fmt(v->remedy, sizeof v->remedy,
		  "%sbuild a filter with pwqfilter (Debian package passwdqc) from a word list or the Have I "
		  "Been Pwned NTLM list, e.g. 'pwqfilter --create=1100000 -o /etc/iampw/blocklist.pwq "
		  "< words.txt', and set 'blocklist = /etc/iampw/blocklist.pwq' in the [screening] "
		  "section of %s (iampw.conf(5))", why, h->c->config);
}

/* A blocklist is configured, opens as a sound filter, and lists at least lo entries. */
static void judge_blocklist(const struct host *h, const struct row *r, struct verdict *v)
{
	const char *path = h->a.cfg.blocklist;
	struct iampw_blocklist b;
	struct iampw_err e;

	v->pass = false;
	if (path[0] == '\0') {
		iampw_fmt(v->value, sizeof v->value, "not configured");
		blocklist_remedy(h, v, "");
		return;
	}
	iampw_err_init(&e);
	if (iampw_blocklist_open(&b, path, 0, &e) != IAMPW_OK) {
		one_line(e.text);
		iampw_fmt(v->value, sizeof v->value, "cannot be used: %s", e.text);
		blocklist_remedy(h, v, "fix or rebuild the filter: ");
		iampw_blocklist_close(&b);
		return;
	}
	iampw_fmt(v->value, sizeof v->value, "%s: %llu entries", path, (unsigned long long)b.entries);
	v->pass = b.entries >= (uint64_t)r->lo;
	iampw_blocklist_close(&b);
	if (!v->pass)
		blocklist_remedy(h, v, "the filter lists no password: ");
}

/* Screening at login forces a change of a listed password (§9.2). */
static void judge_at_login(const struct host *h, const struct row *r, struct verdict *v)
{
	bool listed = h->a.cfg.blocklist[0] != '\0';

	(void)r;
	v->pass = h->a.cfg.screen_at_login && listed;
	if (h->a.cfg.screen_at_login && !listed) {
		iampw_fmt(v->value, sizeof v->value, "at_login = yes, but no blocklist: nothing is screened");
		blocklist_remedy(h, v, "");
		return;
	}
	iampw_fmt(v->value, sizeof v->value, "at_login = %s", h->a.cfg.screen_at_login ? "yes" : "no");
	conf_remedy(h, v, "screening", "at_login = yes");
}

/* Context words are refused (§9.1 context). */
static void judge_context(const struct host *h, const struct row *r, struct verdict *v)
{
	(void)r;
	v->pass = h->a.cfg.screen_context;
	iampw_fmt(v->value, sizeof v->value, "context = %s", h->a.cfg.screen_context ? "yes" : "no");
	conf_remedy(h, v, "screening", "context = yes");
}

/* Users are warned at least lo days before their password expires. */
static void judge_warn_days(const struct host *h, const struct row *r, struct verdict *v)
{
	char setting[64];

	v->pass = h->a.cfg.warn_days >= (unsigned long)r->lo;
	iampw_fmt(v->value, sizeof v->value, "warn_days = %u", h->a.cfg.warn_days);
	iampw_fmt(setting, sizeof setting, "warn_days = %ld", r->lo);
	conf_remedy(h, v, "account", setting);
}

/* ---------------------------------------------------------------------- */
/* pam_faillock, read from the PAM stack and faillock.conf                 */

/* A plain non-negative base-10 number, or -1. */
static long plain_number(const char *s)
{
	uint64_t n;

	if (iampw_parse_u64(s, &n) != IAMPW_NUM_OK || n > 100000000)
		return -1;
	return (long)n;
}

/* One setting, from a module argument ("deny=5") or a faillock.conf line. */
static void faillock_setting(struct faillock *fl, const char *key, const char *value,
			     const char *where)
{
	long n = value != NULL ? plain_number(value) : -1;

	if (strcmp(key, "deny") == 0 && n >= 0) {
		fl->deny = n;
		fl->deny_set = true;
		iampw_fmt(fl->where, sizeof fl->where, "%s", where);
	} else if (strcmp(key, "unlock_time") == 0 && n >= 0) {
		fl->unlock_time = n;
	}
}

/* faillock.conf: "key = value" lines, '#' comments (faillock.conf(5)). */
static void faillock_conf(struct faillock *fl, const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "re");

	if (f == NULL) {
		if (errno != ENOENT)
			iampw_fmt(fl->problem, sizeof fl->problem, "%s: %s", path,
				  iampw_errstr(errno));
		return;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		char *p = line, *eq, *key, *value, *end;

		p[strcspn(p, "#\n")] = '\0';
		eq = strchr(p, '=');
		key = p + strspn(p, " \t");
		if (eq == NULL)
			continue;
		*eq = '\0';
		for (end = eq; end > key && (end[-1] == ' ' || end[-1] == '\t'); end--)
			end[-1] = '\0';
		value = eq + 1 + strspn(eq + 1, " \t");
		value[strcspn(value, " \t")] = '\0';
		faillock_setting(fl, key, value, path);
	}
	fclose(f);
}

/* The last pam_faillock auth line that records failures (authfail). */
static int faillock_line(void *ctx, const struct pam_line *l)
{
	struct faillock *fl = ctx;
	const char *conf;
	size_t len = 0;

	if (pam_line_type(l) != PAM_TYPE_AUTH || l->target == NULL ||
	    strcmp(pam_module_name(l->target), "pam_faillock.so") != 0 ||
	    !pam_line_has_arg(l, "authfail"))
		return 0;
	fl->present = true;
	conf = pam_line_arg(l, "conf");
	iampw_fmt(fl->conf, sizeof fl->conf, "%s", conf != NULL ? conf : FAILLOCK_CONF);
	fl->args[0] = '\0';
	for (int i = 0; i < l->argc && len < sizeof fl->args; i++) {
		iampw_fmt(fl->args + len, sizeof fl->args - len, "%s%s", i > 0 ? " " : "", l->argv[i]);
		len += strlen(fl->args + len);
	}
	return 0;
}

/*
 * As pam_faillock decides: the authfail line's arguments override its
 * conf= file (faillock.conf by default), which overrides the module's
 * defaults (deny 3, unlock_time 600).  Only the line that records
 * failures (authfail) makes the stack limit guessing.
 */
static void faillock_read(struct faillock *fl)
{
	static const char path[] = PAMD_DIR "/common-auth";
	struct iampw_err e;
	char *save = NULL;

	memset(fl, 0, sizeof *fl);
	fl->deny = FAILLOCK_DEFAULT_DENY;
	fl->unlock_time = FAILLOCK_DEFAULT_UNLOCK;
	iampw_err_init(&e);
	if (pam_file_walk(path, faillock_line, fl, &e) != IAMPW_OK) {
		iampw_fmt(fl->problem, sizeof fl->problem, "%s", e.text);
		fl->present = false;
		return;
	}
	if (!fl->present)
		return;
	faillock_conf(fl, fl->conf);
	for (char *w = strtok_r(fl->args, " \t\n", &save); w != NULL;
	     w = strtok_r(NULL, " \t\n", &save)) {
		char *eq = strchr(w, '=');

		if (eq == NULL)
			continue;
		*eq = '\0';
		faillock_setting(fl, w, eq + 1, path);
	}
}

static void faillock_remedy(struct verdict *v, const char *setting)
{
	iampw_fmt(v->remedy, sizeof v->remedy,
		  "set '%s' in " FAILLOCK_CONF " (and remove any such argument from the pam_faillock.so "
		  "lines of " PAMD_DIR "/common-auth)", setting);
}

static void faillock_absent(const struct host *h, struct verdict *v, long deny)
{
	if (h->fl.problem[0] != '\0')
		iampw_fmt(v->value, sizeof v->value, "cannot read %s", h->fl.problem);
	else
		iampw_fmt(v->value, sizeof v->value, "pam_faillock does not record failed logins "
			  "(no 'auth ... pam_faillock.so authfail' line in " PAMD_DIR "/common-auth)");
	iampw_fmt(v->remedy, sizeof v->remedy,
		  "add 'auth requisite pam_faillock.so preauth' before pam_unix and 'auth [default=die] "
		  "pam_faillock.so authfail' right after it in " PAMD_DIR "/common-auth, 'account required "
		  "pam_faillock.so' in " PAMD_DIR "/common-account, and set 'deny = %ld' in "
		  FAILLOCK_CONF " (pam_faillock(8))", deny);
}

/* Failed logins lock the account after lo..hi attempts. */
static void judge_faillock_deny(const struct host *h, const struct row *r, struct verdict *v)
{
	/* The value to suggest: the bound, but no more than a usual 5. */
	long want = r->hi < 5 ? r->hi : 5;
	char setting[32];

	if (!h->fl.present) {
		v->pass = false;
		faillock_absent(h, v, want);
		return;
	}
	v->pass = h->fl.deny >= r->lo && h->fl.deny <= r->hi;
	if (h->fl.deny_set)
		iampw_fmt(v->value, sizeof v->value, "pam_faillock deny = %ld (%s)", h->fl.deny,
			  h->fl.where);
	else
		iampw_fmt(v->value, sizeof v->value, "pam_faillock deny = %ld (its default)", h->fl.deny);
	iampw_fmt(setting, sizeof setting, "deny = %ld", want);
	faillock_remedy(v, setting);
}

/* A lock lasts at least lo seconds, or until an administrator unlocks it (0). */
static void judge_faillock_unlock(const struct host *h, const struct row *r, struct verdict *v)
{
	char setting[32];

	if (!h->fl.present) {
		v->pass = false;
		faillock_absent(h, v, 5);
		return;
	}
	v->pass = h->fl.unlock_time == 0 || h->fl.unlock_time >= r->lo;
	iampw_fmt(v->value, sizeof v->value, "pam_faillock unlock_time = %ld", h->fl.unlock_time);
	iampw_fmt(setting, sizeof setting, "unlock_time = %ld", r->lo);
	faillock_remedy(v, setting);
}

/* ---------------------------------------------------------------------- */
/* The standards                                                          */

/*
 * NIST SP 800-63B-4 (final, August 2025): §3.1.1.2 Password verifiers,
 * §3.2.2 Rate limiting.  iampw-policy(5) PRESETS says what each row
 * stands for.
 */
static const struct row nist_rows[] = {
	{ "NIST-LENGTH", "SP 800-63B-4 3.1.1.2",
	  "Passwords used as a single factor SHALL be at least 15 characters long "
	  "(at least 8 only as part of multi-factor authentication)",
	  judge_min_length_mfa, 15, 8 },
	{ "NIST-MFA", "SP 800-63B-4 3.1.1.2",
	  "A minimum length under 15 characters needs a second factor at every password login",
	  judge_mfa, 15, 0 },
	{ "NIST-MAX-LENGTH", "SP 800-63B-4 3.1.1.2",
	  "Verifiers SHOULD permit passwords of at least 64 characters",
	  judge_max_length, 64, 0 },
	{ "NIST-UNICODE", "SP 800-63B-4 3.1.1.2",
	  "Verifiers SHOULD accept Unicode; each code point SHALL count as one character",
	  judge_unicode, 0, 0 },
	{ "NIST-COMPOSITION", "SP 800-63B-4 3.1.1.2",
	  "Verifiers SHALL NOT impose composition rules (mixtures of character types)",
	  judge_no_composition, 0, 0 },
	{ "NIST-EXPIRY", "SP 800-63B-4 3.1.1.2",
	  "Verifiers SHALL NOT require periodic password changes",
	  judge_no_expiry, 0, 0 },
	{ "NIST-BLOCKLIST", "SP 800-63B-4 3.1.1.2",
	  "New passwords SHALL be compared with a blocklist of commonly used, expected or "
	  "compromised values",
	  judge_blocklist, 1, 0 },
	{ "NIST-CONTEXT", "SP 800-63B-4 3.1.1.2",
	  "The blocklist SHOULD include context-specific words such as the user name",
	  judge_context, 0, 0 },
	{ "NIST-COMPROMISE", "SP 800-63B-4 3.1.1.2",
	  "Verifiers SHALL force a change on evidence of compromise (screening at login)",
	  judge_at_login, 0, 0 },
	{ "NIST-RATE-LIMIT", "SP 800-63B-4 3.2.2",
	  "Consecutive failed attempts on an account SHALL be limited to no more than 100",
	  judge_faillock_deny, 1, 100 },
};

/*
 * CIS Debian Linux 12 Benchmark v1.1.0 (item numbers as in v1.0.1):
 * the items a pam_iampw host can show.  pwquality's own items
 * (5.3.3.2.1 difok, .4 maxrepeat, .5 maxsequence) and login.defs'
 * PASS_MIN_DAYS (5.4.1.2) are not pam_iampw's: see iampw-policy(5).
 */
static const struct row cis_rows[] = {
	{ "CIS-5.3.3.2.2", "CIS Debian 12 5.3.3.2.2",
	  "Ensure minimum password length is configured (14 or more)",
	  judge_min_length, 14, 0 },
	{ "CIS-5.3.3.2.3", "CIS Debian 12 5.3.3.2.3",
	  "Ensure password complexity is configured (all four character types)",
	  judge_types, 4, 0 },
	{ "CIS-5.3.3.2.6", "CIS Debian 12 5.3.3.2.6",
	  "Ensure password dictionary check is enabled (a blocklist)",
	  judge_blocklist, 1, 0 },
	{ "CIS-5.3.3.3.1", "CIS Debian 12 5.3.3.3.1",
	  "Ensure password history remember is configured (24 or more)",
	  judge_reuse, 24, 0 },
	{ "CIS-5.4.1.1", "CIS Debian 12 5.4.1.1",
	  "Ensure password expiration is configured (365 days or less)",
	  judge_max_age, 0, 365 },
	{ "CIS-5.4.1.3", "CIS Debian 12 5.4.1.3",
	  "Ensure password expiration warning days is configured (7 or more)",
	  judge_warn_days, 7, 0 },
	{ "CIS-5.3.3.1.1", "CIS Debian 12 5.3.3.1.1",
	  "Ensure password failed attempts lockout is configured (deny 1 to 5)",
	  judge_faillock_deny, 1, 5 },
	{ "CIS-5.3.3.1.2", "CIS Debian 12 5.3.3.1.2",
	  "Ensure password unlock time is configured (0 or 900 seconds or more)",
	  judge_faillock_unlock, 900, 0 },
};

/* IAM's default policy (§4.2): a host is at least as strict. */
static const struct row iam_rows[] = {
	{ "IAM-LENGTH", "IAM default password policy",
	  "At least 8 characters", judge_min_length, 8, 0 },
	{ "IAM-TYPES", "IAM default password policy",
	  "At least three of the four character types", judge_types, 3, 0 },
	{ "IAM-MAX-LENGTH", "IAM default password policy",
	  "Passwords of up to 128 characters are accepted", judge_max_length, 128, 0 },
	{ "IAM-CHANGE", "IAM default password policy",
	  "Users may change their own password", judge_allow_change, 0, 0 },
};

#define ROWS(a) a, sizeof a / sizeof a[0]

static const struct standard standards[] = {
	{ "iam-default", "AWS IAM's default password policy", false, ROWS(iam_rows) },
	{ "nist-800-63b-4", "NIST SP 800-63B-4 (2025): password verifiers", true,
	  ROWS(nist_rows) },
	{ "cis-debian-12", "CIS Debian Linux 12 Benchmark v1.1.0: password settings", false,
	  ROWS(cis_rows) },
};

static const struct standard *find_standard(const char *name)
{
	for (size_t i = 0; i < sizeof standards / sizeof standards[0]; i++)
		if (strcmp(standards[i].name, name) == 0)
			return &standards[i];
	return NULL;
}

int compliance_parse_against(const char *name)
{
	if (find_standard(name) != NULL)
		return EXIT_OK;
	return cli_usage_error("argument --against: Invalid choice, valid choices are: "
			       "iam-default | nist-800-63b-4 | cis-debian-12");
}

/* ---------------------------------------------------------------------- */

static json_object *row_json(const struct row *r, const struct verdict *v)
{
	json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "Id", json_object_new_string(r->id));
	json_object_object_add(o, "Reference", json_object_new_string(r->reference));
	json_object_object_add(o, "Requirement", json_object_new_string(r->requirement));
	json_object_object_add(o, "HostValue", json_object_new_string(v->value));
	json_object_object_add(o, "Status", json_object_new_string(v->pass ? "PASS" : "FAIL"));
	/* Absent, not null, when there is nothing to change (as AWS leaves fields out). */
	if (!v->pass)
		json_object_object_add(o, "Remedy", json_object_new_string(v->remedy));
	return o;
}

static json_object *report(const struct host *h, const struct standard *s, unsigned *failed)
{
	json_object *resp = json_object_new_object(), *std = json_object_new_object();
	json_object *rows = json_object_new_array(), *sum = json_object_new_object();
	char preset[1024];

	*failed = 0;
	if (resp == NULL || std == NULL || rows == NULL || sum == NULL) {
		json_object_put(resp);
		json_object_put(std);
		json_object_put(rows);
		json_object_put(sum);
		return NULL;
	}
	iampw_fmt(preset, sizeof preset, IAMPW_POLICYDIR "/%s.json", s->name);
	json_object_object_add(std, "Name", json_object_new_string(s->name));
	json_object_object_add(std, "Title", json_object_new_string(s->title));
	json_object_object_add(std, "Preset", json_object_new_string(preset));
	json_object_object_add(resp, "Standard", std);
	for (size_t i = 0; i < s->nrows; i++) {
		struct verdict v;

		memset(&v, 0, sizeof v);
		s->rows[i].judge(h, &s->rows[i], &v);
		if (!v.pass)
			(*failed)++;
		json_object_array_add(rows, row_json(&s->rows[i], &v));
	}
	json_object_object_add(resp, "Requirements", rows);
	json_object_object_add(sum, "Requirements", json_object_new_int((int)s->nrows));
	json_object_object_add(sum, "Passed", json_object_new_int((int)(s->nrows - *failed)));
	json_object_object_add(sum, "Failed", json_object_new_int((int)*failed));
	json_object_object_add(sum, "Compliant", json_object_new_boolean(*failed == 0));
	json_object_object_add(resp, "Summary", sum);
	return resp;
}

int verb_check_against(struct cli *c)
{
	const struct standard *s = find_standard(c->against);
	struct host *h;
	json_object *resp;
	unsigned failed = 0;
	int rc;

	if (s == NULL)
		return compliance_parse_against(c->against);
	h = calloc(1, sizeof *h);
	if (h == NULL) {
		return cli_fail(EXIT_OTHER, MSG_NOMEM);
	}
	h->c = c;
	rc = admin_load(c, &h->a);
	if (rc != EXIT_OK)
		goto out;
	faillock_read(&h->fl);
	if (s->mfa)
		mfa_count(c, &h->a, &h->mfa);
	resp = report(h, s, &failed);
	if (resp == NULL) {
		rc = cli_fail(EXIT_OTHER, MSG_NOMEM);
		goto out;
	}
	rc = out_print(c, resp);
	json_object_put(resp);
	if (rc == EXIT_OK && failed > 0)
		rc = EXIT_IAM;
out:
	admin_free(&h->a);
	free(h);
	return rc;
}
