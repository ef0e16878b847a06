/*
 * IAM's virtual MFA device verbs (SPEC §10): create-virtual-mfa-device,
 * enable-mfa-device, resync-mfa-device, deactivate-mfa-device,
 * delete-virtual-mfa-device, list-mfa-devices, list-virtual-mfa-devices.
 *
 * Every change holds the MFA store's lock from the first read to the
 * write, and either does all it was asked or nothing.  A seed leaves
 * this host once: in create's --outfile (and on the terminal with
 * --qr-terminal, when the administrator asks for it).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "messages.h"

#define SERIAL_MAX (16 + 256 + 5 + IAMPW_MFA_NAME_MAX + 1)
#define URI_MAX 1024

struct mfa_admin {
	struct admin a;
	struct iampw_mfa_store *ms;   /* NULL until opened */
	int lockfd;
};

static void serial_of(const struct admin *a, const char *name, char out[SERIAL_MAX])
{
	snprintf(out, SERIAL_MAX, "arn:linux:iam::%s:mfa/%s", a->host, name);
}

/* The device name in a serial number of this host; NULL when it is none. */
static const char *name_of_serial(const struct admin *a, const char *serial)
{
	size_t hl = strlen(a->host);

	if (strncmp(serial, "arn:linux:iam::", 15) != 0 ||
	    strncmp(serial + 15, a->host, hl) != 0 ||
	    strncmp(serial + 15 + hl, ":mfa/", 5) != 0 ||
	    !iampw_mfa_name_valid(serial + 15 + hl + 5))
		return NULL;
	return serial + 15 + hl + 5;
}

static int no_such_serial(const struct cli *c, const char *serial)
{
	char shown[IAMPW_NAME_SHOWN];

	return cli_error(c, IAM_NO_SUCH_ENTITY, "VirtualMFADevice with serial number %s doesn't exist.",
			 iampw_name_display(strlen(serial) < IAMPW_NAME_MAX ? serial : "(too long)",
					    shown));
}

static void mfa_init(struct mfa_admin *m)
{
	memset(m, 0, sizeof *m);
	m->lockfd = -1;
}

/* Settings, then the MFA store (created for a writer), locked for a writer. */
static int open_mfa(const struct cli *c, struct mfa_admin *m, bool write)
{
	int rc;

	rc = admin_load(c, &m->a);
	if (rc != EXIT_OK)
		return rc;
	if (iampw_mfa_open(&m->ms, c->state_dir, write, 0, 0, &m->a.err) != IAMPW_OK)
		return cli_error(c, IAM_SERVICE_FAILURE, "%s", m->a.err.text);
	if (!write)
		return EXIT_OK;
	rc = iampw_mfa_lock(m->ms, IAMPW_LOCK_TIMEOUT_MS, &m->lockfd, &m->a.err);
	if (rc == IAMPW_E_BUSY)
		return cli_error(c, IAM_ENTITY_TEMPORARILY_UNMODIFIABLE,
				 "The MFA devices are locked by another change; try again.");
	if (rc != IAMPW_OK)
		return cli_error(c, IAM_SERVICE_FAILURE, "%s", m->a.err.text);
	return EXIT_OK;
}

static void close_mfa(struct mfa_admin *m)
{
	iampw_store_unlock(m->lockfd);
	m->lockfd = -1;
	iampw_mfa_close(m->ms);
	m->ms = NULL;
	admin_free(&m->a);
}

/* Load the device a serial number names: NoSuchEntity, ServiceFailure. */
static int load_serial(const struct cli *c, struct mfa_admin *m,
		       struct iampw_mfa_device *d)
{
	const char *name = name_of_serial(&m->a, c->serial);
	int rc;

	if (name == NULL)
		return no_such_serial(c, c->serial);
	rc = iampw_mfa_load(m->ms, name, d, &m->a.err);
	if (rc == IAMPW_E_NOENT)
		return no_such_serial(c, c->serial);
	if (rc != IAMPW_OK)
		return cli_error(c, IAM_SERVICE_FAILURE, "%s", m->a.err.text);
	return EXIT_OK;
}

static int save(const struct cli *c, struct mfa_admin *m, const struct iampw_mfa_device *d)
{
	if (iampw_mfa_save(m->ms, d, &m->a.err) != IAMPW_OK)
		return cli_error(c, IAM_SERVICE_FAILURE, "%s", m->a.err.text);
	return EXIT_OK;
}

/* IAM's model: AuthenticationCode is [\d]+ of exactly 6. */
static int check_codes(const struct cli *c)
{
	const char *bad = !iampw_mfa_code_valid(c->code1) ? "authenticationCode1" :
			  !iampw_mfa_code_valid(c->code2) ? "authenticationCode2" : NULL;

	if (bad == NULL)
		return EXIT_OK;
	/* Never echo a code. */
	return cli_error(c, IAM_VALIDATION_ERROR,
			 "1 validation error detected: Value at '%s' failed to satisfy constraint: "
			 "Member must have length 6 and satisfy regular expression pattern: [\\d]+",
			 bad);
}

static void add_date(json_object *o, const char *key, int64_t t)
{
	char iso[IAMPW_ISO8601_SIZE];

	if (iampw_iso8601(t, iso) == IAMPW_OK)
		json_object_object_add(o, key, json_object_new_string(iso));
}

/* ---------------------------------------------------------------------- */
/* create-virtual-mfa-device                                              */

/*
 * Write the bootstrap datum to --outfile as the AWS CLI does (its bytes,
 * nothing else), mode 0600 whatever was there; never through a symlink.
 */
static int write_outfile(const struct cli *c, const void *buf, size_t len)
{
	const char *p = buf;
	int fd = open(c->outfile, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC |
		      O_NOCTTY | O_NONBLOCK, 0600);
	struct stat st;
	int err = 0;

	if (fd < 0)
		return errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		err = fstat(fd, &st) != 0 ? errno : EINVAL;
	if (err == 0 && fchmod(fd, 0600) != 0)
		err = errno;
	while (err == 0 && len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : ENOSPC;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (err == 0 && fsync(fd) != 0)
		err = errno;
	if (close(fd) != 0 && err == 0)
		err = errno;
	return err;
}

static int bootstrap(const struct cli *c, struct mfa_admin *m,
		     const struct iampw_mfa_device *d)
{
	char uri[URI_MAX], seed[IAMPW_MFA_SEED_B32 + 1];
	unsigned char *png = NULL;
	size_t pnglen = 0;
	int err = 0, rc = EXIT_OK;

	if (iampw_mfa_uri(d, m->a.host, uri, sizeof uri) != IAMPW_OK ||
	    iampw_mfa_seed_base32(d, seed) != IAMPW_OK) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, "cannot encode the seed");
		goto out;
	}
	if (strcmp(c->bootstrap, "QRCodePNG") == 0) {
		if (qr_png(uri, &png, &pnglen) != 0) {
			rc = cli_error(c, IAM_SERVICE_FAILURE, "cannot draw the QR code");
			goto out;
		}
		err = write_outfile(c, png, pnglen);
	} else {
		err = write_outfile(c, seed, strlen(seed));
	}
	if (err != 0) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, "cannot write %s: %s", c->outfile,
			       iampw_errstr(err));
		goto out;
	}
	/* Beyond the AWS CLI: for an administrator enrolling a user at the console. */
	if (c->qr_terminal && qr_terminal(stderr, uri) != 0)
		rc = cli_error(c, IAM_SERVICE_FAILURE, "cannot draw the QR code on the terminal");
out:
	if (png != NULL) {
		iampw_wipe(png, pnglen);
		free(png);
	}
	iampw_wipe(uri, sizeof uri);
	iampw_wipe(seed, sizeof seed);
	return rc;
}

int verb_create_virtual_mfa_device(struct cli *c)
{
	struct iampw_mfa_device *d = calloc(1, sizeof *d);
	char serial[SERIAL_MAX];
	json_object *resp = NULL, *dev;
	struct mfa_admin m;
	int rc;

	mfa_init(&m);
	if (d == NULL)
		return cli_error(c, IAM_SERVICE_FAILURE, MSG_NOMEM);
	if (!iampw_mfa_name_valid(c->mfa_name)) {
		free(d);
		return cli_error(c, IAM_VALIDATION_ERROR,
				 "1 validation error detected: Value at 'virtualMFADeviceName' failed to "
				 "satisfy constraint: Member must have length between 1 and %d and satisfy "
				 "regular expression pattern: [\\w+=,.@-]+", IAMPW_MFA_NAME_MAX);
	}
	rc = open_mfa(c, &m, true);
	if (rc != EXIT_OK)
		goto out;
	rc = iampw_mfa_load(m.ms, c->mfa_name, d, &m.a.err);
	if (rc == IAMPW_OK) {
		rc = cli_error(c, IAM_ENTITY_ALREADY_EXISTS,
			       "MFADevice entity at the same path and name already exists.");
		goto out;
	}
	if (rc != IAMPW_E_NOENT) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, "%s", m.a.err.text);
		goto out;
	}
	if (iampw_mfa_new(c->mfa_name, m.a.now, d, &m.a.err) != IAMPW_OK) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, "%s", m.a.err.text);
		goto out;
	}
	/* The outfile first: a device whose seed nobody received is never left. */
	rc = bootstrap(c, &m, d);
	if (rc != EXIT_OK)
		goto out;
	rc = save(c, &m, d);
	if (rc != EXIT_OK) {
		unlink(c->outfile);
		goto out;
	}
	serial_of(&m.a, d->name, serial);
	cli_audit(c, "device %s created", d->name);
	resp = json_object_new_object();
	dev = json_object_new_object();
	json_object_object_add(dev, "SerialNumber", json_object_new_string(serial));
	json_object_object_add(resp, "VirtualMFADevice", dev);
	rc = out_print(c, resp);
out:
	json_object_put(resp);
	iampw_mfa_clear(d);
	free(d);
	close_mfa(&m);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* enable, resync, deactivate, delete                                     */

/* The user and the device for enable/resync/deactivate, under the lock. */
static int user_and_device(struct cli *c, struct mfa_admin *m, struct iampw_mfa_device *d)
{
	int rc = open_mfa(c, m, true);

	if (rc == EXIT_OK)
		rc = admin_user(c, &m->a, c->user_name);
	if (rc == EXIT_OK)
		rc = load_serial(c, m, d);
	return rc;
}

/* Two consecutive codes of d within `window` steps: EXIT_OK, or IAM's error. */
static int codes_accepted(const struct cli *c, struct mfa_admin *m,
			  struct iampw_mfa_device *d, unsigned window)
{
	enum iampw_mfa_verdict v;

	if (iampw_mfa_verify_pair(d, c->code1, c->code2, m->a.now, window, &v,
				  &m->a.err) != IAMPW_OK)
		return cli_error(c, IAM_SERVICE_FAILURE, "%s", m->a.err.text);
	if (v != IAMPW_MFA_ACCEPT)
		return cli_error(c, IAM_INVALID_AUTHENTICATION_CODE,
				 "Authentication code for device is not valid.");
	return EXIT_OK;
}

int verb_enable_mfa_device(struct cli *c)
{
	struct iampw_mfa_device *d = calloc(1, sizeof *d), *other = calloc(1, sizeof *other);
	struct mfa_admin m = { .lockfd = -1 };
	bool found = false;
	int rc;

	mfa_init(&m);
	if (d == NULL || other == NULL) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, MSG_NOMEM);
		goto out;
	}
	rc = check_codes(c);
	if (rc == EXIT_OK)
		rc = user_and_device(c, &m, d);
	if (rc != EXIT_OK)
		goto out;
	if (d->assigned) {
		rc = cli_error(c, IAM_ENTITY_ALREADY_EXISTS, "MFA Device is already in use.");
		goto out;
	}
	if (iampw_mfa_find_uid(m.ms, m.a.acct.uid, other, &found, &m.a.err) != IAMPW_OK) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, "%s", m.a.err.text);
		goto out;
	}
	if (found) {
		rc = cli_error(c, IAM_LIMIT_EXCEEDED,
			       "Cannot exceed quota for MFA devices per user: user %s already has device %s.",
			       m.a.shown, other->name);
		goto out;
	}
	rc = codes_accepted(c, &m, d, IAMPW_MFA_WINDOW);
	if (rc != EXIT_OK)
		goto out;
	d->assigned = true;
	d->uid = (uint32_t)m.a.acct.uid;
	snprintf(d->user, sizeof d->user, "%s", m.a.name);
	d->enable_date = m.a.now;
	rc = save(c, &m, d);
	if (rc == EXIT_OK)
		cli_audit(c, "device %s enabled for user %s (uid %lu)", d->name, m.a.shown,
			  (unsigned long)m.a.acct.uid);
out:
	if (d != NULL)
		iampw_mfa_clear(d);
	if (other != NULL)
		iampw_mfa_clear(other);
	free(d);
	free(other);
	close_mfa(&m);
	return rc;
}

/* The device must be this user's: else IAM's NoSuchEntity. */
static int require_owner(const struct cli *c, const struct mfa_admin *m,
			 const struct iampw_mfa_device *d)
{
	if (d->assigned && d->uid == (uint32_t)m->a.acct.uid)
		return EXIT_OK;
	return cli_error(c, IAM_NO_SUCH_ENTITY, "MFA Device with serial number %s is not assigned to user %s.",
			 c->serial, m->a.shown);
}

/*
 * The user's own device, loaded under the store's lock, handed to
 * `change` (which saves it); --authentication-code1/2 checked first when
 * the verb takes them.
 */
static int with_owned_device(struct cli *c, bool with_codes,
			     int (*change)(struct cli *, struct mfa_admin *,
					   struct iampw_mfa_device *))
{
	struct iampw_mfa_device *d = calloc(1, sizeof *d);
	struct mfa_admin m = { .lockfd = -1 };
	int rc;

	mfa_init(&m);
	if (d == NULL)
		return cli_error(c, IAM_SERVICE_FAILURE, MSG_NOMEM);
	rc = with_codes ? check_codes(c) : EXIT_OK;
	if (rc == EXIT_OK)
		rc = user_and_device(c, &m, d);
	if (rc == EXIT_OK)
		rc = require_owner(c, &m, d);
	if (rc == EXIT_OK)
		rc = change(c, &m, d);
	iampw_mfa_clear(d);
	free(d);
	close_mfa(&m);
	return rc;
}

static int resync(struct cli *c, struct mfa_admin *m, struct iampw_mfa_device *d)
{
	int rc = codes_accepted(c, m, d, IAMPW_MFA_RESYNC_WINDOW);

	if (rc == EXIT_OK)
		rc = save(c, m, d);
	if (rc == EXIT_OK)
		cli_audit(c, "device %s of user %s resynchronised (drift %ld steps)", d->name,
			  m->a.shown, (long)d->drift);
	return rc;
}

int verb_resync_mfa_device(struct cli *c)
{
	return with_owned_device(c, true, resync);
}

static int deactivate(struct cli *c, struct mfa_admin *m, struct iampw_mfa_device *d)
{
	int rc;

	/* Back to the unassigned pool, seed kept, as IAM does; used codes stay used. */
	d->assigned = false;
	d->uid = 0;
	d->user[0] = '\0';
	d->enable_date = 0;
	d->drift = 0;
	rc = save(c, m, d);
	if (rc == EXIT_OK)
		cli_audit(c, "device %s deactivated for user %s", d->name, m->a.shown);
	return rc;
}

int verb_deactivate_mfa_device(struct cli *c)
{
	return with_owned_device(c, false, deactivate);
}

int verb_delete_virtual_mfa_device(struct cli *c)
{
	struct iampw_mfa_device *d = calloc(1, sizeof *d);
	struct mfa_admin m = { .lockfd = -1 };
	int rc;

	mfa_init(&m);
	if (d == NULL)
		return cli_error(c, IAM_SERVICE_FAILURE, MSG_NOMEM);
	rc = open_mfa(c, &m, true);
	if (rc == EXIT_OK)
		rc = load_serial(c, &m, d);
	if (rc != EXIT_OK)
		goto out;
	if (d->assigned) {
		rc = cli_error(c, IAM_DELETE_CONFLICT, "MFA Device is still in use (assigned to uid %lu).",
			       (unsigned long)d->uid);
		goto out;
	}
	if (iampw_mfa_remove(m.ms, d->name, &m.a.err) != IAMPW_OK) {
		rc = cli_error(c, IAM_SERVICE_FAILURE, "%s", m.a.err.text);
		goto out;
	}
	cli_audit(c, "device %s deleted", d->name);
out:
	iampw_mfa_clear(d);
	free(d);
	close_mfa(&m);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Listings                                                               */

/*
 * Call `each` for every device (sorted by name).  Devices are read
 * without the lock: each file is replaced atomically.  Any unreadable
 * device is ServiceFailure (a listing never hides one).
 */
static int for_each_device(const struct cli *c, struct mfa_admin *m,
			   int (*each)(const struct cli *, struct mfa_admin *,
				       const struct iampw_mfa_device *, void *),
			   void *arg)
{
	struct iampw_mfa_device *d = calloc(1, sizeof *d);
	char **names = NULL;
	size_t n = 0;
	int rc = EXIT_OK;

	if (d == NULL)
		return cli_error(c, IAM_SERVICE_FAILURE, MSG_NOMEM);
	if (iampw_mfa_names(m->ms, &names, &n, &m->a.err) != IAMPW_OK)
		rc = cli_error(c, IAM_SERVICE_FAILURE, "%s", m->a.err.text);
	for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
		int lrc = iampw_mfa_load(m->ms, names[i], d, &m->a.err);

		if (lrc == IAMPW_E_NOENT)
			continue;
		if (lrc != IAMPW_OK)
			rc = cli_error(c, IAM_SERVICE_FAILURE, "%s", m->a.err.text);
		else
			rc = each(c, m, d, arg);
	}
	iampw_mfa_clear(d);
	free(d);
	iampw_mfa_names_free(names, n);
	return rc;
}

struct list_arg {
	json_object *list;
	bool one_user;
	uid_t uid;
	const char *status;
};

static int add_mfa_device(const struct cli *c, struct mfa_admin *m,
			  const struct iampw_mfa_device *d, void *arg)
{
	struct list_arg *l = arg;
	char serial[SERIAL_MAX];
	json_object *o;

	(void)c;
	if (!d->assigned || (l->one_user && d->uid != (uint32_t)l->uid))
		return EXIT_OK;
	serial_of(&m->a, d->name, serial);
	o = json_object_new_object();
	json_object_object_add(o, "UserName", json_object_new_string(d->user));
	json_object_object_add(o, "SerialNumber", json_object_new_string(serial));
	add_date(o, "EnableDate", d->enable_date);
	json_object_array_add(l->list, o);
	return EXIT_OK;
}

int verb_list_mfa_devices(struct cli *c)
{
	struct list_arg l = { .list = json_object_new_array() };
	struct mfa_admin m = { .lockfd = -1 };
	json_object *resp = NULL;
	int rc;

	mfa_init(&m);
	rc = open_mfa(c, &m, false);
	if (rc == EXIT_OK && c->user_name != NULL) {
		rc = admin_user(c, &m.a, c->user_name);
		l.one_user = true;
		l.uid = m.a.acct.uid;
	}
	if (rc == EXIT_OK)
		rc = for_each_device(c, &m, add_mfa_device, &l);
	if (rc == EXIT_OK) {
		resp = json_object_new_object();
		json_object_object_add(resp, "MFADevices", l.list);
		l.list = NULL;
		rc = out_print(c, resp);
	}
	json_object_put(l.list);
	json_object_put(resp);
	close_mfa(&m);
	return rc;
}

/* IAM's User object of the account holding d->uid, or what the device recorded. */
static json_object *device_user(const struct cli *c, struct mfa_admin *m,
				const struct iampw_mfa_device *d)
{
	char id[32], arn[sizeof m->a.host + IAMPW_NAME_MAX + 32];
	bool found = false;
	gid_t gid = 0;
	json_object *o;

	if (acct_lookup_uid(d->uid, m->a.name, &gid, &found) == 0 && found) {
		m->a.acct.uid = d->uid;
		m->a.acct.gid = gid;
		m->a.acct.name = m->a.name;
		iampw_name_display(m->a.name, m->a.shown);
		if (acct_shadow(m->a.name, &m->a.acct) != 0) {
			cli_error(c, IAM_SERVICE_FAILURE, "cannot read the shadow entry of %s",
				  m->a.shown);
			return NULL;
		}
		if (admin_open_store(c, &m->a, false) != EXIT_OK)
			return NULL;
		o = user_object(c, &m->a);
		iampw_store_close(m->a.store);
		m->a.store = NULL;
		return o;
	}
	/* No account holds the uid any more (check lists it): the device's record. */
	snprintf(id, sizeof id, FMT_USER_ID, (unsigned long)d->uid);
	snprintf(arn, sizeof arn, FMT_USER_ARN, m->a.host, d->user);
	o = json_object_new_object();
	json_object_object_add(o, "Path", json_object_new_string("/"));
	json_object_object_add(o, "UserName", json_object_new_string(d->user));
	json_object_object_add(o, "UserId", json_object_new_string(id));
	json_object_object_add(o, "Arn", json_object_new_string(arn));
	add_date(o, "CreateDate", d->enable_date);
	return o;
}

static int add_virtual_device(const struct cli *c, struct mfa_admin *m,
			      const struct iampw_mfa_device *d, void *arg)
{
	struct list_arg *l = arg;
	char serial[SERIAL_MAX];
	json_object *o, *user;

	if ((strcmp(l->status, "Assigned") == 0 && !d->assigned) ||
	    (strcmp(l->status, "Unassigned") == 0 && d->assigned))
		return EXIT_OK;
	serial_of(&m->a, d->name, serial);
	o = json_object_new_object();
	json_object_object_add(o, "SerialNumber", json_object_new_string(serial));
	if (d->assigned) {
		user = device_user(c, m, d);
		if (user == NULL) {
			json_object_put(o);
			return EXIT_IAM;
		}
		json_object_object_add(o, "User", user);
		add_date(o, "EnableDate", d->enable_date);
	}
	json_object_array_add(l->list, o);
	return EXIT_OK;
}

int verb_list_virtual_mfa_devices(struct cli *c)
{
	struct list_arg l = {
		.list = json_object_new_array(),
		.status = c->assignment != NULL ? c->assignment : "Any",
	};
	struct mfa_admin m = { .lockfd = -1 };
	json_object *resp = NULL;
	int rc;

	mfa_init(&m);
	/* From --cli-input-json, unchecked by the command line. */
	if (strcmp(l.status, "Assigned") != 0 && strcmp(l.status, "Unassigned") != 0 &&
	    strcmp(l.status, "Any") != 0) {
		json_object_put(l.list);
		return cli_error(c, IAM_VALIDATION_ERROR,
				 "1 validation error detected: Value at 'assignmentStatus' failed to "
				 "satisfy constraint: Member must satisfy enum value set: "
				 "[Unassigned, Any, Assigned]");
	}
	rc = open_mfa(c, &m, false);
	if (rc == EXIT_OK)
		rc = for_each_device(c, &m, add_virtual_device, &l);
	if (rc == EXIT_OK) {
		resp = json_object_new_object();
		json_object_object_add(resp, "VirtualMFADevices", l.list);
		l.list = NULL;
		rc = out_print(c, resp);
	}
	json_object_put(l.list);
	json_object_put(resp);
	close_mfa(&m);
	return rc;
}
