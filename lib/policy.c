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

void iampw_policy_default(struct iampw_policy *p)
{
	memset(p, 0, sizeof *p);
	p->custom = false;
	p->min_length = 8;
	p->min_classes = 3;
	p->allow_users_to_change = true;
}

void iampw_policy_custom_defaults(struct iampw_policy *p)
{
	memset(p, 0, sizeof *p);
	p->custom = true;
	p->min_length = IAMPW_MIN_LENGTH_MIN;
}

/* An integer field: its policy.conf key, IAM's name in messages, its range. */
struct int_field {
	const char *key;
	const char *iam_name;
	int64_t min, max;
};

static const struct int_field f_min_length = {
	"minimum_password_length", "minimumPasswordLength",
	IAMPW_MIN_LENGTH_MIN, IAMPW_MIN_LENGTH_MAX,
};
static const struct int_field f_max_age = {
	"max_password_age", "maxPasswordAge", 1, IAMPW_MAX_AGE_MAX,
};
static const struct int_field f_reuse = {
	"password_reuse_prevention", "passwordReusePrevention", 1, IAMPW_REUSE_MAX,
};

/*
 * IAM's constraint text for a value out of range, written into buf.
 * `shown` is the value as the user gave it; past 64 bytes it is cut and
 * the cut marked, so that a message never quotes a value nobody wrote.
 */
static void constraint_text(const struct int_field *f, const char *shown,
			    bool too_small, char *buf, size_t n)
{
	snprintf(buf, n,
		 "Value '%.*s%s' at '%s' failed to satisfy constraint: Member must have value %s %lld",
		 strlen(shown) > 64 ? 61 : 64, shown, strlen(shown) > 64 ? "..." : "", f->iam_name,
		 too_small ? "greater than or equal to" : "less than or equal to",
		 (long long)(too_small ? f->min : f->max));
}

int iampw_policy_from_request(const struct iampw_policy_request *r,
			      struct iampw_policy *p, struct iampw_err *e)
{
	const struct {
		const struct int_field *f;
		bool has;
		int64_t v;
		const char *text;
	} ints[] = {
		{ &f_min_length, r->has_min_length, r->min_length, r->min_length_text },
		{ &f_max_age, r->has_max_age, r->max_age, r->max_age_text },
		{ &f_reuse, r->has_reuse, r->reuse_prevention, r->reuse_text },
	};
	char msg[1024] = "", one[256];
	size_t len = 0;
	unsigned bad = 0;

	iampw_policy_custom_defaults(p);
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		char shown[32];

		if (!ints[i].has || (ints[i].v >= ints[i].f->min && ints[i].v <= ints[i].f->max))
			continue;
		snprintf(shown, sizeof shown, "%lld", (long long)ints[i].v);
		constraint_text(ints[i].f, ints[i].text != NULL ? ints[i].text : shown,
				ints[i].v < ints[i].f->min, one, sizeof one);
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
	if (r->has_min_length)
		p->min_length = (unsigned)r->min_length;
	if (r->has_max_age)
		p->max_age = (unsigned)r->max_age;
	if (r->has_reuse)
		p->reuse_prevention = (unsigned)r->reuse_prevention;
	p->require_symbols = r->require_symbols;
	p->require_numbers = r->require_numbers;
	p->require_uppercase = r->require_uppercase;
	p->require_lowercase = r->require_lowercase;
	p->allow_users_to_change = r->allow_users_to_change;
	p->hard_expiry = r->hard_expiry;
	return IAMPW_OK;
}

static bool policy_known(const char *section, const char *key)
{
	static const char *const keys[] = {
		"minimum_password_length", "require_symbols", "require_numbers",
		"require_uppercase_characters", "require_lowercase_characters",
		"allow_users_to_change_password", "max_password_age",
		"password_reuse_prevention", "hard_expiry",
	};

	if (strcmp(section, "policy") != 0)
		return false;
	if (key == NULL)
		return true;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (strcmp(key, keys[i]) == 0)
			return true;
	}
	return false;
}

/* Read an integer field; IAM's wording when it is a number out of range. */
static void get_int(const struct iampw_ini *ini, const struct int_field *f,
		    unsigned *out, struct iampw_err *e)
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
			*out = (unsigned)n;
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
	iampw_err_add(e, IAMPW_E_PARSE, "%s:%u: %s", iampw_ini_display(ini), line, msg);
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
	get_int(ini, &f_min_length, &p->min_length, e);
	get_int(ini, &f_max_age, &p->max_age, e);
	get_int(ini, &f_reuse, &p->reuse_prevention, e);
	iampw_ini_get_bool(ini, "policy", "require_symbols", &p->require_symbols, e);
	iampw_ini_get_bool(ini, "policy", "require_numbers", &p->require_numbers, e);
	iampw_ini_get_bool(ini, "policy", "require_uppercase_characters",
			   &p->require_uppercase, e);
	iampw_ini_get_bool(ini, "policy", "require_lowercase_characters",
			   &p->require_lowercase, e);
	iampw_ini_get_bool(ini, "policy", "allow_users_to_change_password",
			   &p->allow_users_to_change, e);
	iampw_ini_get_bool(ini, "policy", "hard_expiry", &p->hard_expiry, e);
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

static const char *bool_word(bool b)
{
	return b ? "true" : "false";
}

int iampw_policy_format(const struct iampw_policy *p, char *buf, size_t n)
{
	char opt[160] = "";
	size_t olen = 0;
	int len;

	/* Never write a file that iampw_policy_load would refuse. */
	if (!p->custom || p->min_length < IAMPW_MIN_LENGTH_MIN ||
	    p->min_length > IAMPW_MIN_LENGTH_MAX || p->max_age > IAMPW_MAX_AGE_MAX ||
	    p->reuse_prevention > IAMPW_REUSE_MAX)
		return IAMPW_E_INVAL;
	if (p->max_age > 0)
		olen += (size_t)snprintf(opt + olen, sizeof opt - olen,
					 "max_password_age = %u\n", p->max_age);
	if (p->reuse_prevention > 0)
		snprintf(opt + olen, sizeof opt - olen,
			 "password_reuse_prevention = %u\n", p->reuse_prevention);
	len = snprintf(buf, n,
		       "# The account password policy of this host.\n"
		       "# Managed by iampw-admin (update-account-password-policy,\n"
		       "# delete-account-password-policy): do not edit by hand.\n"
		       "[policy]\n"
		       "minimum_password_length = %u\n"
		       "require_symbols = %s\n"
		       "require_numbers = %s\n"
		       "require_uppercase_characters = %s\n"
		       "require_lowercase_characters = %s\n"
		       "allow_users_to_change_password = %s\n"
		       "%s"
		       "hard_expiry = %s\n",
		       p->min_length, bool_word(p->require_symbols),
		       bool_word(p->require_numbers), bool_word(p->require_uppercase),
		       bool_word(p->require_lowercase),
		       bool_word(p->allow_users_to_change), opt,
		       bool_word(p->hard_expiry));
	if (len < 0 || (size_t)len >= n)
		return IAMPW_E_INVAL;
	return len;
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
		return iampw_err_add(e, IAMPW_E_INVAL, "%s: not a file path", path);
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= PATH_MAX)
		return iampw_err_add(e, IAMPW_E_INVAL, "%s: path too long", path);
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
			return iampw_err_add(e, IAMPW_E_IO, "%s: cannot set its mode: %s", dir,
					     iampw_errstr(errno));
	} else if (create && errno != EEXIST) {
		return iampw_err_add(e, IAMPW_E_IO, "%s: cannot create: %s", dir,
				     iampw_errstr(errno));
	}
	*dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*dirfd < 0 && errno == ENOENT && !create)
		return IAMPW_E_NOENT;	/* no directory, so no policy */
	if (*dirfd < 0)
		return iampw_err_add(e, IAMPW_E_IO, "%s: cannot open: %s", dir,
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
		return iampw_err_add(e, IAMPW_E_INVAL, "%s: not a valid custom policy", path);
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
		     iampw_err_add(e, IAMPW_E_IO, "%s: cannot remove: %s", path,
				   iampw_errstr(errno));
	} else if (fsync(dirfd) != 0) {
		rc = iampw_err_add(e, IAMPW_E_IO, "%s: fsync: %s", dir, iampw_errstr(errno));
	}
	close(dirfd);
	return rc;
}
