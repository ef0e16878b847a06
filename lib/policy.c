/* The account password policy: policy.conf (SPEC §3, §4.1, §4.2). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdio.h>
#include <string.h>

#include "internal.h"

#include <stddef.h>

#define POL(m) offsetof(struct iampw_policy, m)
#define REQ(m) offsetof(struct iampw_policy_request, m)
/*
 * A boolean: its key, IAM name, flag (after "--" and "--no-"), audit word,
 * member (of both structs, which name it alike) and IAM default; it is
 * false when a custom policy leaves it out.
 */
#define BOOLEAN(key_, name_, flag_, audit_, member_, iam_default_) \
	{ .key = key_, .name = name_, .flag = "--" flag_, .no_flag = "--no-" flag_, \
	  .audit = audit_, .type = IAMPW_FIELD_BOOL, .offset = POL(member_), \
	  .req_offset = REQ(member_), .iam_default = iam_default_ }

/*
 * The policy's fields in IAM's order (GetAccountPasswordPolicy's JSON,
 * policy.conf, --help, the audit line).  IAM's messages name a field in
 * camelCase: its JSON name with a lowercase first letter.  What a row
 * leaves out is 0, false or NULL.
 */
const struct iampw_policy_field iampw_policy_fields[] = {
	{ .key = "minimum_password_length", .name = "MinimumPasswordLength",
	  .flag = "--minimum-password-length", .arg = "N", .audit = "minimum length",
	  .type = IAMPW_FIELD_UINT, .offset = POL(min_length), .req_offset = REQ(min_length),
	  .req_has = REQ(has_min_length), .req_text = REQ(min_length_text),
	  .min = IAMPW_MIN_LENGTH_MIN, .max = IAMPW_MIN_LENGTH_MAX,
	  .iam_default = 8, .omitted = IAMPW_MIN_LENGTH_MIN },
	BOOLEAN("require_symbols", "RequireSymbols",
		"require-symbols", "symbols", require_symbols, false),
	BOOLEAN("require_numbers", "RequireNumbers",
		"require-numbers", "numbers", require_numbers, false),
	BOOLEAN("require_uppercase_characters", "RequireUppercaseCharacters",
		"require-uppercase-characters", "uppercase", require_uppercase, false),
	BOOLEAN("require_lowercase_characters", "RequireLowercaseCharacters",
		"require-lowercase-characters", "lowercase", require_lowercase, false),
	BOOLEAN("allow_users_to_change_password", "AllowUsersToChangePassword",
		"allow-users-to-change-password", "users may change", allow_users_to_change, true),
	{ .key = "max_password_age", .name = "MaxPasswordAge",
	  .flag = "--max-password-age", .arg = "DAYS", .audit = "max age",
	  .type = IAMPW_FIELD_UINT, .offset = POL(max_age), .req_offset = REQ(max_age),
	  .req_has = REQ(has_max_age), .req_text = REQ(max_age_text),
	  .min = 1, .max = IAMPW_MAX_AGE_MAX, .optional = true },
	{ .key = "password_reuse_prevention", .name = "PasswordReusePrevention",
	  .flag = "--password-reuse-prevention", .arg = "N", .audit = "reuse prevention",
	  .type = IAMPW_FIELD_UINT, .offset = POL(reuse_prevention),
	  .req_offset = REQ(reuse_prevention), .req_has = REQ(has_reuse),
	  .req_text = REQ(reuse_text), .min = 1, .max = IAMPW_REUSE_MAX, .optional = true },
	BOOLEAN("hard_expiry", "HardExpiry",
		"hard-expiry", "hard expiry", hard_expiry, false),
};

const size_t iampw_policy_nfields = sizeof iampw_policy_fields / sizeof iampw_policy_fields[0];
_Static_assert(sizeof iampw_policy_fields / sizeof iampw_policy_fields[0] <=
	       IAMPW_POLICY_FIELDS_MAX, "IAMPW_POLICY_FIELDS_MAX rows at most");

const struct iampw_policy_field *iampw_policy_field_named(const char *name)
{
	for (size_t i = 0; i < iampw_policy_nfields; i++) {
		if (strcmp(iampw_policy_fields[i].name, name) == 0)
			return &iampw_policy_fields[i];
	}
	return NULL;
}

unsigned iampw_policy_get(const struct iampw_policy *p, const struct iampw_policy_field *f)
{
	const char *at = (const char *)p + f->offset;

	if (f->type == IAMPW_FIELD_BOOL)
		return *(const bool *)(const void *)at;
	return *(const unsigned *)(const void *)at;
}

void iampw_policy_set(struct iampw_policy *p, const struct iampw_policy_field *f, unsigned v)
{
	char *at = (char *)p + f->offset;

	if (f->type == IAMPW_FIELD_BOOL)
		*(bool *)(void *)at = v != 0;
	else
		*(unsigned *)(void *)at = v;
}

void iampw_policy_request_set(struct iampw_policy_request *r,
			      const struct iampw_policy_field *f, int64_t v, const char *text)
{
	char *base = (char *)r;

	if (f->type == IAMPW_FIELD_BOOL) {
		*(bool *)(void *)(base + f->req_offset) = v != 0;
		return;
	}
	*(bool *)(void *)(base + f->req_has) = true;
	*(int64_t *)(void *)(base + f->req_offset) = v;
	*(const char **)(void *)(base + f->req_text) = text;
}

/* Every field at its IAM default (default) or its "omitted" value (custom). */
static void policy_fill(struct iampw_policy *p, bool custom)
{
	memset(p, 0, sizeof *p);
	p->custom = custom;
	for (size_t i = 0; i < iampw_policy_nfields; i++) {
		const struct iampw_policy_field *f = &iampw_policy_fields[i];

		iampw_policy_set(p, f, custom ? f->omitted : f->iam_default);
	}
}

void iampw_policy_default(struct iampw_policy *p)
{
	policy_fill(p, false);
	p->min_classes = 3;
}

void iampw_policy_custom_defaults(struct iampw_policy *p)
{
	policy_fill(p, true);
}

/* IAM's name of a field in its messages: "maxPasswordAge". */
static void camel_name(const struct iampw_policy_field *f, char *buf, size_t n)
{
	snprintf(buf, n, "%c%s", f->name[0] - 'A' + 'a', f->name + 1);
}

/*
 * IAM's constraint text for a value out of range, written into buf.
 * `shown` is the value as the user gave it; past 64 bytes it is cut and
 * the cut marked, so that a message never quotes a value nobody wrote.
 */
static void constraint_text(const struct iampw_policy_field *f, const char *shown,
			    bool too_small, char *buf, size_t n)
{
	char name[64];

	camel_name(f, name, sizeof name);
	snprintf(buf, n,
		 "Value '%.*s%s' at '%s' failed to satisfy constraint: Member must have value %s %lld",
		 strlen(shown) > 64 ? 61 : 64, shown, strlen(shown) > 64 ? "..." : "", name,
		 too_small ? "greater than or equal to" : "less than or equal to",
		 (long long)(too_small ? f->min : f->max));
}

bool iampw_policy_request_get(const struct iampw_policy_request *r,
			      const struct iampw_policy_field *f, int64_t *v, const char **text)
{
	const char *base = (const char *)r;

	if (f->type == IAMPW_FIELD_BOOL) {
		*v = *(const bool *)(const void *)(base + f->req_offset);
		*text = NULL;
		return true;
	}
	*v = *(const int64_t *)(const void *)(base + f->req_offset);
	*text = *(const char *const *)(const void *)(base + f->req_text);
	return *(const bool *)(const void *)(base + f->req_has);
}

int iampw_policy_from_request(const struct iampw_policy_request *r,
			      struct iampw_policy *p, struct iampw_err *e)
{
	char msg[1024] = "", one[256];
	size_t len = 0;
	unsigned bad = 0;

	iampw_policy_custom_defaults(p);
	for (size_t i = 0; i < iampw_policy_nfields; i++) {
		const struct iampw_policy_field *f = &iampw_policy_fields[i];
		const char *text;
		char shown[32];
		int64_t v;

		if (!iampw_policy_request_get(r, f, &v, &text))
			continue;
		if (f->type == IAMPW_FIELD_BOOL || (v >= f->min && v <= f->max)) {
			iampw_policy_set(p, f, (unsigned)v);
			continue;
		}
		snprintf(shown, sizeof shown, "%lld", (long long)v);
		constraint_text(f, text != NULL ? text : shown, v < f->min, one, sizeof one);
		len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s",
					bad > 0 ? "; " : "", one);
		bad++;
	}
	if (bad > 0) {
		/* A caller that ignores the error gets IAM's default, not a laxer policy. */
		iampw_policy_default(p);
		return iampw_err_add(e, IAMPW_E_INVAL, "%u validation error%s detected: %s",
				     bad, bad == 1 ? "" : "s", msg);
	}
	return IAMPW_OK;
}

static bool policy_known(const char *section, const char *key)
{
	if (strcmp(section, "policy") != 0)
		return false;
	if (key == NULL)
		return true;
	for (size_t i = 0; i < iampw_policy_nfields; i++) {
		if (strcmp(key, iampw_policy_fields[i].key) == 0)
			return true;
	}
	return false;
}

/* Read an integer field; IAM's wording when it is a number out of range. */
static void get_int(const struct iampw_ini *ini, const struct iampw_policy_field *f,
		    struct iampw_policy *p, struct iampw_err *e)
{
	unsigned line = 0;
	const char *v = iampw_ini_get(ini, "policy", f->key, &line);
	char msg[256];
	uint64_t n;

	if (v == NULL)
		return;
	switch (iampw_parse_u64(v, &n)) {
	case IAMPW_NUM_OK:
		/* Compare unsigned: n >= 2^63 would be negative as int64_t. */
		if (n >= (uint64_t)f->min && n <= (uint64_t)f->max) {
			iampw_policy_set(p, f, (unsigned)n);
			return;
		}
		constraint_text(f, v, n < (uint64_t)f->min, msg, sizeof msg);
		break;
	case IAMPW_NUM_NEGATIVE:
		constraint_text(f, v, true, msg, sizeof msg);
		break;
	case IAMPW_NUM_OVERFLOW:
		constraint_text(f, v, false, msg, sizeof msg);
		break;
	default:
		snprintf(msg, sizeof msg, "%s: not a plain base-10 number: '%.40s'",
			 f->key, v);
		break;
	}
	iampw_err_at(e, IAMPW_E_PARSE, iampw_ini_display(ini), line, "%s", msg);
}

static void get_bool(const struct iampw_ini *ini, const struct iampw_policy_field *f,
		     struct iampw_policy *p, struct iampw_err *e)
{
	bool b = iampw_policy_get(p, f) != 0;

	if (iampw_ini_get_bool(ini, "policy", f->key, &b, e) == IAMPW_OK)
		iampw_policy_set(p, f, b);
}

static int policy_apply(const struct iampw_ini *ini, void *out,
			struct iampw_err *e)
{
	struct iampw_policy *p = out;
	unsigned before = e->count;

	if (!iampw_ini_has_section(ini, "policy")) {
		iampw_policy_default(p);
		return IAMPW_OK;
	}
	iampw_policy_custom_defaults(p);
	/* The integers' problems are listed before the booleans'. */
	for (size_t i = 0; i < iampw_policy_nfields; i++) {
		if (iampw_policy_fields[i].type == IAMPW_FIELD_UINT)
			get_int(ini, &iampw_policy_fields[i], p, e);
	}
	for (size_t i = 0; i < iampw_policy_nfields; i++) {
		if (iampw_policy_fields[i].type == IAMPW_FIELD_BOOL)
			get_bool(ini, &iampw_policy_fields[i], p, e);
	}
	if (e->count != before) {
		/* Never half a policy: the caller must fail closed. */
		iampw_policy_default(p);
		return IAMPW_E_PARSE;
	}
	return IAMPW_OK;
}

int iampw_policy_parse(const char *name, const char *text, size_t len,
		       struct iampw_policy *p, struct iampw_err *e)
{
	int rc;

	iampw_policy_default(p);
	rc = iampw_ini_parse_with(name, text, len, true, policy_known, policy_apply, p, e);
	/* A broken file's good values were read only to report the bad ones. */
	if (rc != IAMPW_OK)
		iampw_policy_default(p);
	return rc;
}

int iampw_policy_load(const char *path, uid_t owner, struct iampw_policy *p,
		      struct iampw_err *e)
{
	int rc;

	iampw_policy_default(p);
	rc = iampw_ini_load_path_with(path, owner, IAMPW_CONF_SIZE_MAX, policy_known,
				      policy_apply, p, e);
	if (rc != IAMPW_OK)
		iampw_policy_default(p);
	/* No file: no custom policy, IAM's default applies (§3). */
	return rc == IAMPW_E_NOENT ? IAMPW_OK : rc;
}

int iampw_policy_format(const struct iampw_policy *p, char *buf, size_t n)
{
	size_t len;

	if (!p->custom)
		return IAMPW_E_INVAL;
	/* Never write a file that iampw_policy_load would refuse. */
	for (size_t i = 0; i < iampw_policy_nfields; i++) {
		const struct iampw_policy_field *f = &iampw_policy_fields[i];
		unsigned v = iampw_policy_get(p, f);

		if (f->type == IAMPW_FIELD_UINT && !(v == 0 && f->optional) &&
		    (v < f->min || v > f->max))
			return IAMPW_E_INVAL;
	}
	len = (size_t)snprintf(buf, n,
			       "# The account password policy of this host.\n"
			       "# Managed by iampw-admin (update-account-password-policy,\n"
			       "# delete-account-password-policy): do not edit by hand.\n"
			       "[policy]\n");
	for (size_t i = 0; i < iampw_policy_nfields && len < n; i++) {
		const struct iampw_policy_field *f = &iampw_policy_fields[i];
		unsigned v = iampw_policy_get(p, f);

		if (f->type == IAMPW_FIELD_UINT && v == 0 && f->optional)
			continue;
		if (f->type == IAMPW_FIELD_BOOL)
			len += (size_t)snprintf(buf + len, n - len, "%s = %s\n", f->key,
						v ? "true" : "false");
		else
			len += (size_t)snprintf(buf + len, n - len, "%s = %u\n", f->key, v);
	}
	if (len >= n || len > INT_MAX)
		return IAMPW_E_INVAL;
	return (int)len;
}

/*
 * Open the directory holding `path` (made 0755 when missing: it holds
 * world-readable configuration) and split off the file name.
 */
static int open_parent(const char *path, bool create, char dir[PATH_MAX],
		       const char **name, int *dirfd, struct iampw_err *e)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	*dirfd = -1;
	if (slash == NULL || slash[1] == '\0')
		return iampw_err_at(e, IAMPW_E_INVAL, path, 0, "not a file path");
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= PATH_MAX)
		return iampw_err_at(e, IAMPW_E_INVAL, path, 0, "path too long");
	memcpy(dir, path, n);
	dir[n] = '\0';
	*name = slash + 1;
	if (create && mkdir(dir, 0755) == 0) {
		/*
		 * mkdir's mode was cut by the caller's umask (077 gives 0700,
		 * and every non-root PAM caller would then be shut out): set
		 * it and the owner explicitly, never through a symlink planted
		 * in between (§3: configuration directories 0755).
		 */
		if (fchmodat(AT_FDCWD, dir, 0755, AT_SYMLINK_NOFOLLOW) != 0 ||
		    fchownat(AT_FDCWD, dir, 0, 0, AT_SYMLINK_NOFOLLOW) != 0)
			return iampw_err_at(e, IAMPW_E_IO, dir, 0, "cannot set its mode: %s",
					     iampw_errstr(errno));
	} else if (create && errno != EEXIST) {
		return iampw_err_at(e, IAMPW_E_IO, dir, 0, "cannot create: %s",
				     iampw_errstr(errno));
	}
	*dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*dirfd < 0 && errno == ENOENT && !create)
		return IAMPW_E_NOENT;	/* no directory, so no policy */
	if (*dirfd < 0)
		return iampw_err_at(e, IAMPW_E_IO, dir, 0, "cannot open: %s",
				     iampw_errstr(errno));
	/* Whoever can write the directory can replace the policy. */
	if (iampw_check_dir(*dirfd, dir, 0, e) != IAMPW_OK) {
		close(*dirfd);
		*dirfd = -1;
		return IAMPW_E_UNSAFE;
	}
	return IAMPW_OK;
}

int iampw_policy_save(const char *path, const struct iampw_policy *p,
		      struct iampw_err *e)
{
	char dir[PATH_MAX], text[2048];
	const char *name;
	int dirfd, n, rc;

	n = iampw_policy_format(p, text, sizeof text);
	if (n < 0)
		return iampw_err_at(e, IAMPW_E_INVAL, path, 0, "not a valid custom policy");
	rc = open_parent(path, true, dir, &name, &dirfd, e);
	if (rc != IAMPW_OK)
		return rc;
	rc = iampw_replace_file_at(dirfd, dir, name, text, (size_t)n, 0, 0, 0644, e);
	close(dirfd);
	return rc;
}

int iampw_policy_remove(const char *path, struct iampw_err *e)
{
	char dir[PATH_MAX];
	const char *name;
	int dirfd, rc;

	rc = open_parent(path, false, dir, &name, &dirfd, e);
	if (rc != IAMPW_OK)
		return rc;
	if (unlinkat(dirfd, name, 0) != 0) {
		rc = errno == ENOENT ? IAMPW_E_NOENT :
		     iampw_err_at(e, IAMPW_E_IO, path, 0, "cannot remove: %s",
				   iampw_errstr(errno));
	} else if (fsync(dirfd) != 0) {
		rc = iampw_err_at(e, IAMPW_E_IO, dir, 0, "fsync: %s", iampw_errstr(errno));
	}
	close(dirfd);
	return rc;
}
