/*
 * The credential report (SPEC §6.2): IAM's CSV, with IAM's 22 columns and
 * IAM's words (true/false/N/A/no_information/not_supported).
 *
 * IAM builds its report in the background and keeps it for four hours.
 * Here a report costs well under a second, so none is stored:
 * get-credential-report builds a fresh one every time and
 * generate-credential-report only says so.  Nothing to go stale, nothing
 * to protect on disk.
 *
 * The cost must grow linearly with the number of accounts, in flat
 * memory (§8): the passwd and shadow databases and the profiles
 * directory are each read once into sorted streams and walked in step
 * (accounts.c), and the CSV is spooled to a temporary file.  Per-name
 * lookups remain only for names an NSS source does not enumerate (LDAP
 * without enumeration): few by construction.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <shadow.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "messages.h"

#define DAY_SECONDS INT64_C(86400)

/* IAM's columns, in IAM's order. */
enum col {
	COL_USER,
	COL_ARN,
	COL_CREATION,
	COL_PW_ENABLED,
	COL_PW_LAST_USED,
	COL_PW_LAST_CHANGED,
	COL_PW_NEXT_ROTATION,
	COL_MFA_ACTIVE,
	COL_AK1_ACTIVE,
	COL_AK1_LAST_ROTATED,
	COL_AK1_LAST_USED_DATE,
	COL_AK1_LAST_USED_REGION,
	COL_AK1_LAST_USED_SERVICE,
	COL_AK2_ACTIVE,
	COL_AK2_LAST_ROTATED,
	COL_AK2_LAST_USED_DATE,
	COL_AK2_LAST_USED_REGION,
	COL_AK2_LAST_USED_SERVICE,
	COL_CERT1_ACTIVE,
	COL_CERT1_LAST_ROTATED,
	COL_CERT2_ACTIVE,
	COL_CERT2_LAST_ROTATED,
	NCOLS
};

static const char *const col_names[NCOLS] = {
	[COL_USER] = "user",
	[COL_ARN] = "arn",
	[COL_CREATION] = "user_creation_time",
	[COL_PW_ENABLED] = "password_enabled",
	[COL_PW_LAST_USED] = "password_last_used",
	[COL_PW_LAST_CHANGED] = "password_last_changed",
	[COL_PW_NEXT_ROTATION] = "password_next_rotation",
	[COL_MFA_ACTIVE] = "mfa_active",
	[COL_AK1_ACTIVE] = "access_key_1_active",
	[COL_AK1_LAST_ROTATED] = "access_key_1_last_rotated",
	[COL_AK1_LAST_USED_DATE] = "access_key_1_last_used_date",
	[COL_AK1_LAST_USED_REGION] = "access_key_1_last_used_region",
	[COL_AK1_LAST_USED_SERVICE] = "access_key_1_last_used_service",
	[COL_AK2_ACTIVE] = "access_key_2_active",
	[COL_AK2_LAST_ROTATED] = "access_key_2_last_rotated",
	[COL_AK2_LAST_USED_DATE] = "access_key_2_last_used_date",
	[COL_AK2_LAST_USED_REGION] = "access_key_2_last_used_region",
	[COL_AK2_LAST_USED_SERVICE] = "access_key_2_last_used_service",
	[COL_CERT1_ACTIVE] = "cert_1_active",
	[COL_CERT1_LAST_ROTATED] = "cert_1_last_rotated",
	[COL_CERT2_ACTIVE] = "cert_2_active",
	[COL_CERT2_LAST_ROTATED] = "cert_2_last_rotated",
};

/* IAM's words. */
static const char NA[] = "N/A";
static const char NO_INFO[] = "no_information";
static const char NOT_SUPPORTED[] = "not_supported";

/* ---------------------------------------------------------------------- */
/* CSV                                                                    */

/* RFC 4180: quote a field only when it holds a separator, quote or line break. */
static void csv_field(struct iampw_buf *b, const char *v)
{
	size_t plain = strcspn(v, ",\"\r\n");

	if (v[plain] == '\0') {
		iampw_buf_add(b, v, plain);
		return;
	}
	iampw_buf_add(b, "\"", 1);
	for (const char *q; (q = strchr(v, '"')) != NULL; v = q + 1) {
		iampw_buf_add(b, v, (size_t)(q - v) + 1);
		iampw_buf_add(b, "\"", 1);
	}
	iampw_buf_add(b, v, strlen(v));
	iampw_buf_add(b, "\"", 1);
}

/*
 * Every record ends with "\n" (RFC 4180 allows it for the last one), so
 * that `--output text > report.csv` is a POSIX text file: wc, tail and
 * shell prompts see the last line.
 */
static void csv_row(struct iampw_buf *b, const char *const f[NCOLS])
{
	for (int i = 0; i < NCOLS; i++) {
		if (i > 0)
			iampw_buf_add(b, ",", 1);
		csv_field(b, f[i]);
	}
	iampw_buf_add(b, "\n", 1);
}

/*
 * The columns of the credentials this host does not have.  Access keys
 * are SSH keys (§1), but sshd keeps no record of when a key was added or
 * used, so they are reported as IAM reports a user without keys:
 * inactive, every date, region and service N/A.  No MFA, no signing
 * certificates: false and N/A likewise.
 */
static void no_keys(const char *f[NCOLS])
{
	for (int i = COL_MFA_ACTIVE; i < NCOLS; i++)
		f[i] = NA;
	f[COL_MFA_ACTIVE] = "false";
	f[COL_AK1_ACTIVE] = "false";
	f[COL_AK2_ACTIVE] = "false";
	f[COL_CERT1_ACTIVE] = "false";
	f[COL_CERT2_ACTIVE] = "false";
}

static void csv_header(struct iampw_buf *b)
{
	csv_row(b, col_names);
}

/*
 * The root user's row.  IAM prints not_supported for the root user's
 * password_enabled, password_last_changed and password_next_rotation; we
 * do the same, since root is never subject to the policy.  Its
 * user_creation_time (the account's creation in IAM) is not recorded for
 * a Linux root account either: not_supported too, the word IAM uses for a
 * root field it cannot give, rather than a made-up date.  Root's logins
 * are never recorded (root is out of scope), which is IAM's
 * no_information ("no sign-in data"), not N/A (which would claim root has
 * no password).
 */
static void root_row(struct iampw_buf *b, const struct admin *a)
{
	const char *f[NCOLS];
	char arn[sizeof a->host + 32];

	snprintf(arn, sizeof arn, "arn:linux:iam::%s:root", a->host);
	no_keys(f);
	f[COL_USER] = "<root_account>";
	f[COL_ARN] = arn;
	f[COL_CREATION] = NOT_SUPPORTED;
	f[COL_PW_ENABLED] = NOT_SUPPORTED;
	f[COL_PW_LAST_USED] = NO_INFO;
	f[COL_PW_LAST_CHANGED] = NOT_SUPPORTED;
	f[COL_PW_NEXT_ROTATION] = NOT_SUPPORTED;
	csv_row(b, f);
}

static void iso(int64_t t, char out[IAMPW_ISO8601_SIZE])
{
	/* Dates past 9999 cannot be written; the next rotation saturates there. */
	if (t > IAMPW_TIME_MAX)
		t = IAMPW_TIME_MAX;
	if (iampw_iso8601(t, out) != IAMPW_OK)
		strcpy(out, NA);
}

/*
 * One user's row.  `prof` is the profile that governs the account
 * (iampw_govern): its own, or one made from the shadow dates (§3.1).  The
 * password is enabled (IAM: the user has a console password) when the
 * Unix password is usable: delete-login-profile locks it, and an account
 * with a usable password and no profile is an IAM user with a console
 * password all the same.  When it is not enabled, IAM prints N/A for
 * every password date.
 */
static void user_row(struct iampw_buf *b, const struct admin *a, const char *user,
		     const struct iampw_profile *prof, bool usable, bool mfa)
{
	char created[IAMPW_ISO8601_SIZE], used[IAMPW_ISO8601_SIZE];
	char changed[IAMPW_ISO8601_SIZE], next[IAMPW_ISO8601_SIZE];
	char arn[sizeof a->host + IAMPW_NAME_MAX + 32];
	bool enabled = usable;
	const char *f[NCOLS];

	snprintf(arn, sizeof arn, FMT_USER_ARN, a->host, user);
	no_keys(f);
	f[COL_USER] = user;
	f[COL_ARN] = arn;
	/*
	 * The profile's creation is the user's as far as this tool knows;
	 * without one, the password's last change (iampw-admin(8)).
	 */
	f[COL_CREATION] = NA;
	if (prof->create_date > 0) {
		iso(prof->create_date, created);
		f[COL_CREATION] = created;
	}
	f[COL_PW_ENABLED] = enabled ? "true" : "false";
	/* §10: an enabled (assigned) virtual MFA device. */
	f[COL_MFA_ACTIVE] = mfa ? "true" : "false";
	f[COL_PW_LAST_USED] = NA;
	f[COL_PW_LAST_CHANGED] = NA;
	f[COL_PW_NEXT_ROTATION] = NA;
	if (enabled) {
		/* Never used since the profile exists: IAM's no_information. */
		f[COL_PW_LAST_USED] = NO_INFO;
		if (prof->last_used > 0) {
			iso(prof->last_used, used);
			f[COL_PW_LAST_USED] = used;
		}
		/* Unknown to shadow (an empty date): N/A, and due at once below. */
		if (prof->last_changed > 0) {
			iso(prof->last_changed, changed);
			f[COL_PW_LAST_CHANGED] = changed;
		}
		/*
		 * §5.1 expires the password when floor((now - changed) / 86400)
		 * reaches MaxPasswordAge: exactly this instant.  No expiry in the
		 * policy (or the default policy): N/A, as IAM prints it.
		 */
		if (a->pol.max_age > 0) {
			iso(iampw_sat_add(prof->last_changed,
					  (int64_t)a->pol.max_age * DAY_SECONDS), next);
			f[COL_PW_NEXT_ROTATION] = next;
		}
	}
	csv_row(b, f);
}

/* ---------------------------------------------------------------------- */
/* The report                                                             */

struct report {
	struct roster roster;         /* the accounts, by name */
	struct iampw_profile prof;
	struct iampw_buf csv;              /* the rows not yet spooled */
	struct spool out;             /* the CSV so far */
	struct roster_mfa mfa;        /* uids with an enabled MFA device */
};

static void report_free(struct report *r)
{
	roster_close(&r->roster);
	iampw_profile_clear(&r->prof);
	roster_mfa_free(&r->mfa);
	iampw_buf_free(&r->csv);
	spool_close(&r->out);
}

/* Move the rows built so far to the spool: the memory stays the same whatever the count. */
static void spool_rows(struct report *r)
{
	spool_put(&r->out, r->csv.p, r->csv.len);
	r->csv.len = 0;
}

/* A database the report cannot read is ServiceFailure; a broken scope is iampw.conf's. */
static int roster_error(const struct cli *c, int rc, const struct iampw_err *e)
{
	if (rc == IAMPW_E_IO || rc == IAMPW_E_NOMEM)
		return cli_error(c, IAM_SERVICE_FAILURE, "%s", e->text);
	return cli_config_error(e);
}

static int read_all(const struct cli *c, struct admin *a, struct report *r)
{
	int rc;

	/* The report never says "false" for a device it could not see. */
	if (roster_mfa_uids(c->state_dir, &r->mfa, &a->err) != IAMPW_OK)
		return cli_error(c, IAM_SERVICE_FAILURE, "%s", a->err.text);
	rc = spool_open(&r->out);
	if (rc != 0)
		return cli_error(c, IAM_SERVICE_FAILURE, MSG_TEMP_FILE,
				 iampw_errstr(rc));
	rc = roster_open(&r->roster, a->store, &a->err);
	if (rc != IAMPW_OK)
		return roster_error(c, rc, &a->err);
	return EXIT_OK;
}

static void first_problem(void *arg, const struct iampw_problem *p)
{
	char *first = arg;

	if (first[0] == '\0')
		iampw_fmt(first, IAMPW_ERR_TEXT, "%s", p->message);
}

/*
 * The row of one account in scope, if it belongs in the report: with a
 * profile of its own or a usable password (§3.1, §6.2).
 */
static int account_row(const struct cli *c, struct admin *a, struct report *r,
		       const struct arec *acct, struct iampw_acct *ia)
{
	enum iampw_owner owner;
	int rc;

	/* A missing file is one failed open: cheaper than matching the directory by uid. */
	rc = iampw_profile_load(a->store, acct->uid, &r->prof, &a->err);
	if (rc != IAMPW_OK && rc != IAMPW_E_NOENT) {
		/* The core's first problem: "file:line: what", never a salt or a hash. */
		char first[IAMPW_ERR_TEXT] = "";

		iampw_err_each(&a->err, first_problem, first);
		return cli_error(c, IAM_SERVICE_FAILURE, "%s (iampw-admin check lists every problem)",
				 first);
	}
	owner = iampw_govern(ia, rc == IAMPW_OK, a->now, &r->prof);
	if (owner != IAMPW_OWNER_NONE)
		user_row(&r->csv, a, acct->name, &r->prof, ia->usable,
			 roster_mfa_has(&r->mfa, (uint32_t)acct->uid));
	/* Filled into a cleared profile (by the parse or iampw_govern): the cheap wipe will do. */
	iampw_profile_wipe(&r->prof);
	if (r->csv.len >= 32 * 1024)
		spool_rows(r);
	return EXIT_OK;
}

static int build_csv(const struct cli *c, struct admin *a, struct report *r)
{
	struct iampw_acct ia;
	struct arec acct;
	bool got;
	int rc;

	csv_header(&r->csv);
	root_row(&r->csv, a);
	/* The accounts come sorted by name: so are the rows, as in IAM's report. */
	for (;;) {
		rc = roster_next(&r->roster, &a->cfg, &acct, &ia, &got, &a->err);
		if (rc != IAMPW_OK)
			return roster_error(c, rc, &a->err);
		if (!got)
			break;
		rc = account_row(c, a, r, &acct, &ia);
		if (rc != EXIT_OK)
			return rc;
	}
	spool_rows(r);
	if (r->csv.failed)
		return cli_error(c, IAM_SERVICE_FAILURE, MSG_NOMEM);
	return EXIT_OK;
}

/*
 * Standard base64 with padding and no line breaks, as the AWS CLI shows a
 * blob, into `out` ((len + 2) / 3 * 4 bytes); returns its length.  Pieces
 * of a multiple of 3 bytes encode to pieces of the whole's encoding.
 */
static size_t base64_into(const char *in, size_t len, char *out)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)in;
	char *o = out;
	size_t i;

	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*o++ = abc[v >> 18];
		*o++ = abc[(v >> 12) & 63];
		*o++ = abc[(v >> 6) & 63];
		*o++ = abc[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		*o++ = abc[v >> 18];
		*o++ = abc[(v >> 12) & 63];
		*o++ = i + 1 < len ? abc[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	return (size_t)(o - out);
}

/* The CSV read back from the spool, for the formats printed from memory. */
static int gather(void *ctx, const char *p, size_t n)
{
	struct iampw_buf *t = ctx;

	iampw_buf_add(t, p, n);
	return t->failed ? ENOMEM : 0;
}

/* {"Content", "ReportFormat", "GeneratedTime"}: GetCredentialReport's fields, in AWS's order. */
static json_object *report_json(const struct admin *a, struct spool *csv)
{
	char when[IAMPW_ISO8601_SIZE];
	struct iampw_buf t = { 0 };
	json_object *o, *content;
	char *b64;

	if (spool_each(csv, 64 * 1024, gather, &t) != 0 || t.p == NULL) {
		iampw_buf_free(&t);
		return NULL;
	}
	b64 = malloc((t.len + 2) / 3 * 4 + 1);
	if (b64 == NULL) {
		iampw_buf_free(&t);
		return NULL;
	}
	content = json_object_new_string_len(b64, (int)base64_into(t.p, t.len, b64));
	free(b64);
	iampw_buf_free(&t);
	o = json_object_new_object();
	if (content == NULL || o == NULL) {
		json_object_put(content);
		json_object_put(o);
		return NULL;
	}
	iso(a->now, when);
	json_object_object_add(o, "Content", content);
	json_object_object_add(o, "ReportFormat", json_object_new_string("text/csv"));
	json_object_object_add(o, "GeneratedTime", json_object_new_string(when));
	return o;
}

/* ---------------------------------------------------------------------- */
/* Streaming the spooled CSV to stdout (out_streams)                      */

/* Piece size for base64: a multiple of 3. */
#define B64_CHUNK (48u * 1024u)

static int put_out(const char *p, size_t n)
{
	errno = 0;
	if (n > 0 && fwrite(p, 1, n, stdout) != n)
		return errno != 0 ? errno : EIO;
	return 0;
}

static int put_raw(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	return put_out(p, n);
}

static int put_b64(void *ctx, const char *p, size_t n)
{
	char *out = ctx;

	return put_out(out, base64_into(p, n, out));
}

/*
 * The CSV itself (text), or the JSON out_print would render for
 * report_json's object: python's json.dumps(indent=4) layout; base64 and
 * an ISO date need no escaping.
 */
static int stream_report(const struct cli *c, const struct admin *a, struct spool *csv)
{
	char when[IAMPW_ISO8601_SIZE], *b64 = NULL;
	int err = 0;

	if (c->output == OUT_TEXT) {
		err = spool_each(csv, 64 * 1024, put_raw, NULL);
	} else {
		b64 = malloc(B64_CHUNK / 3 * 4);
		if (b64 == NULL)
			return cli_error(c, IAM_SERVICE_FAILURE, MSG_NOMEM);
		iso(a->now, when);
		static const char head[] = "{\n    \"Content\": \"";

		err = put_out(head, sizeof head - 1);
		if (err == 0)
			err = spool_each(csv, B64_CHUNK, put_b64, b64);
		if (err == 0 && printf("\",\n    \"ReportFormat\": \"text/csv\",\n"
				       "    \"GeneratedTime\": \"%s\"\n}\n", when) < 0)
			err = errno != 0 ? errno : EIO;
		free(b64);
	}
	return out_finish(err);
}

int verb_get_credential_report(struct cli *c)
{
	struct report r;
	json_object *resp = NULL;
	struct admin a;
	int rc;

	memset(&r, 0, sizeof r);
	roster_init(&r.roster);
	r.out.fd = -1;
	rc = admin_load(c, &a);
	if (rc != EXIT_OK)
		goto out;
	rc = admin_open_store(c, &a, false);
	if (rc != EXIT_OK)
		goto out;
	rc = read_all(c, &a, &r);
	if (rc != EXIT_OK)
		goto out;
	rc = build_csv(c, &a, &r);
	if (rc != EXIT_OK)
		goto out;
	/* json-c lengths are ints: a report that large is not one AWS would send either. */
	if (r.out.len + (off_t)r.out.n > (off_t)INT32_MAX / 4 * 3) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, "the report is too large");
		goto out;
	}
	if (out_streams(c)) {
		rc = stream_report(c, &a, &r.out);
		goto out;
	}
	resp = report_json(&a, &r.out);
	if (resp == NULL) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, MSG_NOMEM);
		goto out;
	}
	rc = out_print(c, resp);
out:
	json_object_put(resp);
	report_free(&r);
	admin_free(&a);
	return rc;
}

/*
 * IAM answers STARTED and later COMPLETE; a report here is always ready,
 * so COMPLETE at once.  The configuration and the store are still checked,
 * so that COMPLETE never promises a report get-credential-report cannot
 * produce for a reason known now.
 */
int verb_generate_credential_report(struct cli *c)
{
	json_object *resp;
	struct admin a;
	int rc;

	rc = admin_load(c, &a);
	if (rc != EXIT_OK)
		goto out;
	rc = admin_open_store(c, &a, false);
	if (rc != EXIT_OK)
		goto out;
	resp = json_object_new_object();
	if (resp == NULL) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, MSG_NOMEM);
		goto out;
	}
	json_object_object_add(resp, "State", json_object_new_string("COMPLETE"));
	json_object_object_add(resp, "Description",
			       json_object_new_string("No report is stored: get-credential-report "
						      "generates a current report each time it is called."));
	rc = out_print(c, resp);
	json_object_put(resp);
out:
	admin_free(&a);
	return rc;
}
