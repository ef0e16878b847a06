/* Host settings: iampw.conf (SPEC §3). */
#include "config.h"

#include <string.h>

#include "internal.h"

void iampw_config_defaults(struct iampw_config *c)
{
	memset(c, 0, sizeof *c);
	c->min_uid = 1000;
	c->max_uid = 60000;
	c->warn_days = 15;
	c->hash = IAMPW_HASH_YESCRYPT;
	c->cost = 0;
}

static bool config_known(const char *section, const char *key)
{
	static const struct { const char *section, *key; } keys[] = {
		{ "scope", "min_uid" }, { "scope", "max_uid" }, { "scope", "group" },
		{ "account", "warn_days" },
		{ "history", "hash" }, { "history", "cost" },
		{ "screening", "blocklist" }, { "screening", "at_login" },
		{ "screening", "context" },
	};

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (strcmp(section, keys[i].section) == 0 &&
		    (key == NULL || strcmp(key, keys[i].key) == 0))
			return true;
	}
	return false;
}

/* A group name as shadow's groupadd accepts it by default, or "" for none. */
static bool group_name_valid(const char *g)
{
	size_t n = strlen(g);

	if (n >= IAMPW_GROUP_MAX || g[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = g[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		      ch == '.' || (ch == '$' && i == n - 1)))
			return false;
	}
	return true;
}

static void apply_scope(const struct iampw_ini *ini, struct iampw_config *c,
			struct iampw_err *e)
{
	uint64_t lo = c->min_uid, hi = c->max_uid;
	unsigned line = 0;
	const char *g;
	int rlo, rhi;

	/*
	 * uid 0 is root, never in scope; (uid_t)-1 means "no uid".  Both
	 * keys are read before either result is used, so that a bad
	 * min_uid does not hide a bad max_uid (every problem is listed).
	 */
	rlo = iampw_ini_get_u64(ini, "scope", "min_uid", 1, UINT32_MAX - 1, &lo, e);
	rhi = iampw_ini_get_u64(ini, "scope", "max_uid", 1, UINT32_MAX - 1, &hi, e);
	if (rlo == IAMPW_OK && rhi == IAMPW_OK) {
		if (lo > hi) {
			iampw_ini_get(ini, "scope", "max_uid", &line);
			if (line == 0)
				iampw_ini_get(ini, "scope", "min_uid", &line);
			iampw_err_add(e, IAMPW_E_PARSE,
				      "%s:%u: max_uid (%llu) is below min_uid (%llu)",
				      iampw_ini_display(ini), line,
				      (unsigned long long)hi, (unsigned long long)lo);
		}
		c->min_uid = (uint32_t)lo;
		c->max_uid = (uint32_t)hi;
	}
	g = iampw_ini_get(ini, "scope", "group", &line);
	if (g != NULL) {
		if (!group_name_valid(g))
			iampw_err_add(e, IAMPW_E_PARSE, "%s:%u: group: '%.40s' is not a valid group name",
				      iampw_ini_display(ini), line, g);
		else
			strcpy(c->group, g);
	}
}

static void apply_history(const struct iampw_ini *ini, struct iampw_config *c,
			  struct iampw_err *e)
{
	static const struct { const char *name; enum iampw_hash hash; } methods[] = {
		{ "yescrypt", IAMPW_HASH_YESCRYPT },
		{ "sha512crypt", IAMPW_HASH_SHA512CRYPT },
		{ "default", IAMPW_HASH_DEFAULT },
	};
	unsigned line = 0;
	const char *m = iampw_ini_get(ini, "history", "hash", &line);
	uint64_t cost = 0;
	bool found = false;

	if (m != NULL) {
		for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
			if (strcmp(m, methods[i].name) == 0) {
				c->hash = methods[i].hash;
				found = true;
			}
		}
		if (!found) {
			/* The cost's scale is unknown without a method: one error is enough. */
			iampw_err_add(e, IAMPW_E_PARSE,
				      "%s:%u: hash: '%.40s' is not one of yescrypt, sha512crypt, default",
				      iampw_ini_display(ini), line, m);
			return;
		}
	}
	/* The cost's scale depends on the method; 0 always means its default. */
	switch (c->hash) {
	case IAMPW_HASH_YESCRYPT:
		if (iampw_ini_get_u64(ini, "history", "cost", 0,
				      IAMPW_YESCRYPT_COST_MAX, &cost, e) != IAMPW_OK)
			return;
		break;
	case IAMPW_HASH_SHA512CRYPT:
		if (iampw_ini_get_u64(ini, "history", "cost", 0,
				      IAMPW_SHA512_ROUNDS_MAX, &cost, e) != IAMPW_OK)
			return;
		if (cost != 0 && cost < IAMPW_SHA512_ROUNDS_MIN) {
			iampw_ini_get(ini, "history", "cost", &line);
			iampw_err_add(e, IAMPW_E_PARSE,
				      "%s:%u: cost: sha512crypt needs 0 or %lu to %lu rounds",
				      iampw_ini_display(ini), line,
				      IAMPW_SHA512_ROUNDS_MIN, IAMPW_SHA512_ROUNDS_MAX);
			return;
		}
		break;
	case IAMPW_HASH_DEFAULT:
		/* The default method is libxcrypt's choice: so is its cost. */
		if (iampw_ini_get_u64(ini, "history", "cost", 0, 0, &cost, e) != IAMPW_OK)
			return;
		break;
	}
	c->cost = (unsigned long)cost;
}

/*
 * The blocklist is opened by whoever screens (a missing filter is their
 * error, §9.1); here only its spelling: empty, or an absolute path of
 * printable characters.
 */
static void apply_screening(const struct iampw_ini *ini, struct iampw_config *c,
			    struct iampw_err *e)
{
	unsigned line = 0;
	const char *path = iampw_ini_get(ini, "screening", "blocklist", &line);
	bool b;

	if (path != NULL) {
		size_t n = strlen(path);
		bool printable = true;

		for (size_t i = 0; i < n; i++) {
			if ((unsigned char)path[i] < 0x20 || path[i] == 0x7F)
				printable = false;
		}
		if (n > 0 && (path[0] != '/' || !printable))
			iampw_err_add(e, IAMPW_E_PARSE,
				      "%s:%u: blocklist: must be empty or an absolute path",
				      iampw_ini_display(ini), line);
		else if (n >= sizeof c->blocklist)
			iampw_err_add(e, IAMPW_E_PARSE,
				      "%s:%u: blocklist: longer than %zu bytes",
				      iampw_ini_display(ini), line, sizeof c->blocklist - 1);
		else
			memcpy(c->blocklist, path, n + 1);
	}
	b = c->screen_at_login;
	if (iampw_ini_get_bool(ini, "screening", "at_login", &b, e) == IAMPW_OK)
		c->screen_at_login = b;
	b = c->screen_context;
	if (iampw_ini_get_bool(ini, "screening", "context", &b, e) == IAMPW_OK)
		c->screen_context = b;
}

static int config_apply(const struct iampw_ini *ini, void *out,
			struct iampw_err *e)
{
	struct iampw_config *c = out;
	unsigned before = e->count;
	uint64_t warn = c->warn_days;

	apply_scope(ini, c, e);
	if (iampw_ini_get_u64(ini, "account", "warn_days", 0, 365, &warn, e) == IAMPW_OK)
		c->warn_days = (unsigned)warn;
	apply_history(ini, c, e);
	apply_screening(ini, c, e);
	if (e->count != before) {
		iampw_config_defaults(c);
		return IAMPW_E_PARSE;
	}
	return IAMPW_OK;
}

int iampw_config_parse(const char *name, const char *text, size_t len,
		       struct iampw_config *c, struct iampw_err *e)
{
	int rc;

	iampw_config_defaults(c);
	rc = iampw_ini_parse_with(name, text, len, true, config_known, config_apply, c, e);
	/* A broken file's good values were read only to report the bad ones. */
	if (rc != IAMPW_OK)
		iampw_config_defaults(c);
	return rc;
}

int iampw_config_load(const char *path, uid_t owner, struct iampw_config *c,
		      struct iampw_err *e)
{
	int rc;

	iampw_config_defaults(c);
	rc = iampw_ini_load_path_with(path, owner, IAMPW_CONF_SIZE_MAX, config_known,
				      config_apply, c, e);
	if (rc != IAMPW_OK)
		iampw_config_defaults(c);
	/* No file: the host has not been configured, and the defaults apply. */
	return rc == IAMPW_E_NOENT ? IAMPW_OK : rc;
}
