/* Host settings: iampw.conf (SPEC §3). */
#include "config.h"

#include <stddef.h>
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

static void read_uid_range(const struct iampw_ini *ini, struct iampw_config *c,
			   struct iampw_err *e)
{
	uint64_t lo = c->min_uid, hi = c->max_uid;
	unsigned line = 0;
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
			iampw_err_at(e, IAMPW_E_PARSE, iampw_ini_display(ini), line,
				      "max_uid (%llu) is below min_uid (%llu)",
				      (unsigned long long)hi, (unsigned long long)lo);
		}
		c->min_uid = (uint32_t)lo;
		c->max_uid = (uint32_t)hi;
	}
}

static void read_group(const struct iampw_ini *ini, struct iampw_config *c,
		       struct iampw_err *e)
{
	unsigned line = 0;
	const char *g = iampw_ini_get(ini, "scope", "group", &line);

	if (g != NULL) {
		if (!group_name_valid(g))
			iampw_err_at(e, IAMPW_E_PARSE, iampw_ini_display(ini), line, "group: '%.40s' is not a valid group name", g);
		else
			strcpy(c->group, g);
	}
}

static void read_history(const struct iampw_ini *ini, struct iampw_config *c,
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
			iampw_err_at(e, IAMPW_E_PARSE, iampw_ini_display(ini), line,
				      "hash: '%.40s' is not one of yescrypt, sha512crypt, default", m);
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
			iampw_err_at(e, IAMPW_E_PARSE, iampw_ini_display(ini), line,
				      "cost: sha512crypt needs 0 or %lu to %lu rounds",
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
static void read_blocklist(const struct iampw_ini *ini, struct iampw_config *c,
			   struct iampw_err *e)
{
	unsigned line = 0;
	const char *path = iampw_ini_get(ini, "screening", "blocklist", &line);

	if (path != NULL) {
		size_t n = strlen(path);
		bool printable = true;

		for (size_t i = 0; i < n; i++) {
			if ((unsigned char)path[i] < 0x20 || path[i] == 0x7F)
				printable = false;
		}
		if (n > 0 && (path[0] != '/' || !printable))
			iampw_err_at(e, IAMPW_E_PARSE, iampw_ini_display(ini), line,
				      "blocklist: must be empty or an absolute path");
		else if (n >= sizeof c->blocklist)
			iampw_err_at(e, IAMPW_E_PARSE, iampw_ini_display(ini), line,
				      "blocklist: longer than %zu bytes", sizeof c->blocklist - 1);
		else
			memcpy(c->blocklist, path, n + 1);
	}
}

/*
 * iampw.conf's keys, in the order their problems are listed: a number or
 * a boolean is read here from its row; a key that needs more (a name, a
 * path, a value whose range depends on another key) has its reader, and
 * a key its neighbour's reader reads too has none.
 */
static const struct config_key {
	const char *section, *key;
	enum { K_UNSIGNED, K_BOOL, K_OWN } kind;
	size_t offset;          /* K_UNSIGNED: an unsigned; K_BOOL: a bool */
	uint64_t min, max;      /* K_UNSIGNED */
	void (*read)(const struct iampw_ini *ini, struct iampw_config *c, struct iampw_err *e);
} config_keys[] = {
	{ .section = "scope", .key = "min_uid", .kind = K_OWN, .read = read_uid_range },
	{ .section = "scope", .key = "max_uid", .kind = K_OWN },       /* with min_uid */
	{ .section = "scope", .key = "group", .kind = K_OWN, .read = read_group },
	{ .section = "account", .key = "warn_days", .kind = K_UNSIGNED,
	  .offset = offsetof(struct iampw_config, warn_days), .min = 0, .max = 365 },
	{ .section = "history", .key = "hash", .kind = K_OWN, .read = read_history },
	{ .section = "history", .key = "cost", .kind = K_OWN },        /* with hash */
	{ .section = "screening", .key = "blocklist", .kind = K_OWN, .read = read_blocklist },
	{ .section = "screening", .key = "at_login", .kind = K_BOOL,
	  .offset = offsetof(struct iampw_config, screen_at_login) },
	{ .section = "screening", .key = "context", .kind = K_BOOL,
	  .offset = offsetof(struct iampw_config, screen_context) },
};

#define N_CONFIG_KEYS (sizeof config_keys / sizeof config_keys[0])

static bool config_known(const char *section, const char *key)
{
	for (size_t i = 0; i < N_CONFIG_KEYS; i++) {
		if (strcmp(section, config_keys[i].section) == 0 &&
		    (key == NULL || strcmp(key, config_keys[i].key) == 0))
			return true;
	}
	return false;
}

static void read_key(const struct iampw_ini *ini, const struct config_key *k,
		     struct iampw_config *c, struct iampw_err *e)
{
	void *at = (char *)c + k->offset;
	uint64_t n;
	bool b;

	switch (k->kind) {
	case K_UNSIGNED:
		n = *(unsigned *)at;
		if (iampw_ini_get_u64(ini, k->section, k->key, k->min, k->max, &n, e) == IAMPW_OK)
			*(unsigned *)at = (unsigned)n;
		break;
	case K_BOOL:
		b = *(bool *)at;
		if (iampw_ini_get_bool(ini, k->section, k->key, &b, e) == IAMPW_OK)
			*(bool *)at = b;
		break;
	case K_OWN:
		if (k->read != NULL)
			k->read(ini, c, e);
		break;
	}
}

static int config_apply(const struct iampw_ini *ini, void *out,
			struct iampw_err *e)
{
	struct iampw_config *c = out;
	unsigned before = e->count;

	for (size_t i = 0; i < N_CONFIG_KEYS; i++)
		read_key(ini, &config_keys[i], c, e);
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
