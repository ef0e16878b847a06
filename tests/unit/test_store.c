/*
 * The profile store: directory creation and checks, atomic replacement,
 * per-user locks, hostile user names, and the old file surviving a full
 * or read-only disk.  Runs as root (CI) and as an ordinary user.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"

#include <crypt.h>
#include <sched.h>
#include <signal.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "internal.h"

#define LONG_TIMEOUT_MS 5000

/* snprintf into an array that must not truncate. */
#define FMT(buf, ...) \
	assert_true(snprintf(buf, sizeof buf, __VA_ARGS__) < (int)sizeof buf)

struct fx {
	char *base;          /* private temp dir: everything lives below */
	char state[PATH_MAX];
	char profiles[PATH_MAX];
	struct iampw_store *s;
	struct iampw_err e;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->base = th_mkdtemp();
	FMT(f->state, "%s/state", f->base);
	FMT(f->profiles, "%s/profiles", f->state);
	iampw_err_init(&f->e);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	iampw_store_close(f->s);
	f->s = NULL;
	/* A test may have left a directory unwritable; rm needs it back. */
	chmod(f->profiles, 0700);
	chmod(th_path(f->base, "mnt/state/profiles"), 0700);
	th_rmtree(f->base);
	free(f->base);
	free(f);
	return 0;
}

static void open_store(struct fx *f, bool create)
{
	iampw_store_close(f->s);
	iampw_err_init(&f->e);
	assert_int_equal(iampw_store_open(&f->s, f->state, create, geteuid(),
					  getegid(), &f->e), IAMPW_OK);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Profiles are filed by uid: the test's accounts and their uids.  U() is
 * the uid, F() the profile's file name and L() its lock file's.
 */
static const struct { const char *name; uid_t uid; } test_uids[] = {
	{ "alice", 1001 },
	{ "bob", 1002 },
	{ "bob2", 1003 },
	{ "bob3", 1004 },
	{ "fifo", 1005 },
	{ "dir", 1006 },
	{ "big", 1007 },
	{ "junk", 1008 },
	{ "nobody-here", 1009 },
	{ "host$", 1010 },
};

static uid_t U(const char *name)
{
	for (size_t i = 0; i < sizeof test_uids / sizeof test_uids[0]; i++) {
		if (strcmp(test_uids[i].name, name) == 0)
			return test_uids[i].uid;
	}
	fail_msg("no uid for %s", name);
	return 0;
}

static const char *F(const char *name)
{
	static char buf[4][32];
	static unsigned next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof buf[0], "%lu", (unsigned long)U(name));
	return b;
}

static const char *L(const char *name)
{
	static char buf[4][40];
	static unsigned next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof buf[0], ".%lu.lock", (unsigned long)U(name));
	return b;
}

/*
 * A profile with `nhist` real history entries: the store's loader
 * validates each entry against the salt, so they come from libxcrypt.
 * yescrypt cost 1 keeps 24 of them cheap.
 */
static void make_profile(struct iampw_profile *p, const char *user,
			 unsigned nhist, int64_t changed)
{
	struct crypt_data *cd;

	memset(p, 0, sizeof *p);
	p->uid = (uint32_t)U(user);
	assert_true(strlen(user) < sizeof p->user);
	strcpy(p->user, user);
	memset(p->account, 'a', IAMPW_FP_SIZE - 1);
	p->create_date = 1700000000;
	p->last_changed = changed;
	p->last_used = 1760000000;
	p->reset_required = true;
	if (nhist == 0)
		return;
	assert_non_null(crypt_gensalt_rn("$y$", 1, NULL, 0, p->salt,
					 sizeof p->salt));
	cd = calloc(1, sizeof *cd);
	assert_non_null(cd);
	for (unsigned i = 0; i < nhist; i++) {
		char pw[32];
		const char *h;

		snprintf(pw, sizeof pw, "old password %u", i);
		h = crypt_rn(pw, p->salt, cd, sizeof *cd);
		assert_non_null(h);
		assert_true(h[0] != '*');
		assert_true(strlen(h) < sizeof p->history[i]);
		strcpy(p->history[i], h);
	}
	p->nhistory = nhist;
	iampw_wipe(cd, sizeof *cd);
	free(cd);
}

static void assert_profile_equal(const struct iampw_profile *a,
				 const struct iampw_profile *b)
{
	assert_int_equal(a->uid, b->uid);
	assert_string_equal(a->user, b->user);
	assert_string_equal(a->account, b->account);
	assert_int_equal(a->create_date, b->create_date);
	assert_int_equal(a->last_changed, b->last_changed);
	assert_int_equal(a->last_used, b->last_used);
	assert_int_equal(a->reset_required, b->reset_required);
	assert_string_equal(a->salt, b->salt);
	assert_int_equal(a->nhistory, b->nhistory);
	for (unsigned i = 0; i < a->nhistory; i++)
		assert_string_equal(a->history[i], b->history[i]);
}

static void save_ok(struct fx *f, const struct iampw_profile *p)
{
	int lockfd;

	iampw_err_init(&f->e);
	assert_int_equal(iampw_store_lock(f->s, p->uid, LONG_TIMEOUT_MS,
					  &lockfd, &f->e), IAMPW_OK);
	assert_int_equal(iampw_profile_save(f->s, p, &f->e), IAMPW_OK);
	iampw_store_unlock(lockfd);
}

/* Any ".<user>.*" entry besides the lock file is a leftover temp. */
static bool temp_left(const char *dir, const char *user)
{
	char prefix[64], lock[64];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(prefix, sizeof prefix, ".%s.", F(user));
	snprintf(lock, sizeof lock, "%s", L(user));
	d = opendir(dir);
	if (d == NULL)
		return true;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 &&
		    strcmp(de->d_name, lock) != 0)
			found = true;
	}
	closedir(d);
	return found;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode;
}

/* ---------------------------------------------------------------------- */

static void test_user_names(void **state)
{
	static const char *const valid[] = {
		/* Any name NSS can hold is some account's (§3.1): never a path here. */
		"alice", "a", "svc-1", "host$", "alice@corp.example", "CORP\\alice",
		"\xc3\xa9lodie", "a b", "../x", "a/b", "-x", ".alice",
	};
	char big[IAMPW_NAME_MAX + 2];
	uid_t uid;
	char name[IAMPW_UID_NAME_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		if (!iampw_user_name_valid(valid[i]))
			fail_msg("valid name refused: \"%s\"", valid[i]);
	}
	assert_false(iampw_user_name_valid(""));
	assert_false(iampw_user_name_valid(NULL));
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_false(iampw_user_name_valid(big));
	big[IAMPW_NAME_MAX] = '\0';
	assert_true(iampw_user_name_valid(big));

	/* Profile file names: exactly the uid in plain decimal. */
	assert_true(iampw_profile_file_name(1001, name));
	assert_string_equal(name, "1001");
	assert_true(iampw_profile_file_name(0, name));
	assert_string_equal(name, "0");
	assert_true(iampw_profile_file_name(IAMPW_UID_MAX, name));
	assert_string_equal(name, "4294967294");
	assert_false(iampw_profile_file_name((uid_t)-1, name));
	assert_true(iampw_profile_file_uid("1001", &uid));
	assert_int_equal(uid, 1001);
	assert_true(iampw_profile_file_uid("4294967294", &uid));
	static const char *const not_uids[] = {
		"01001", "+1", "-1", "1001 ", " 1001", "1e3", "0x10", "",
		"4294967295", "99999999999", "alice", ".1001.lock", "1001/", "1001.x",
	};
	for (size_t i = 0; i < sizeof not_uids / sizeof not_uids[0]; i++) {
		if (iampw_profile_file_uid(not_uids[i], &uid))
			fail_msg("not a profile file name, accepted: \"%s\"", not_uids[i]);
	}
}

static void check_created_0700(struct fx *f, mode_t mask)
{
	mode_t old = umask(mask);
	int rc;

	iampw_err_init(&f->e);
	rc = iampw_store_open(&f->s, f->state, true, geteuid(), getegid(),
			      &f->e);
	umask(old);
	if (rc != IAMPW_OK)
		fail_msg("umask %04o: %s", (unsigned)mask, f->e.text);
	assert_true(f->s->d.dirfd >= 0);
	assert_int_equal(mode_of(f->state) & 07777, 0700);
	assert_true(S_ISDIR(mode_of(f->state)));
	assert_int_equal(mode_of(f->profiles) & 07777, 0700);
	assert_true(S_ISDIR(mode_of(f->profiles)));
	assert_string_equal(f->s->d.path, f->profiles);
	assert_int_equal(f->s->d.uid, geteuid());
	assert_int_equal(f->s->d.gid, getegid());
	iampw_store_close(f->s);
	f->s = NULL;
	iampw_store_close(NULL);  /* NULL is fine */
	th_rmtree(f->state);
}

static void test_open_create_modes(void **state)
{
	struct fx *f = *state;

	check_created_0700(f, 0);
	check_created_0700(f, 0777);
	check_created_0700(f, 022);
}

static void test_open_create_keeps_existing(void **state)
{
	struct fx *f = *state;
	char slashed[PATH_MAX];

	/*
	 * An administrator's 0711 is safe and not ours to change; 0755 is
	 * refused: the tree holds password hashes (§3).
	 */
	assert_int_equal(mkdir(f->state, 0700), 0);
	assert_int_equal(chmod(f->state, 0711), 0);
	open_store(f, true);
	assert_int_equal(mode_of(f->state) & 07777, 0711);
	assert_int_equal(mode_of(f->profiles) & 07777, 0700);
	iampw_store_close(f->s);
	f->s = NULL;
	assert_int_equal(chmod(f->state, 0755), 0);
	iampw_err_init(&f->e);
	assert_int_equal(iampw_store_open(&f->s, f->state, true, geteuid(),
					  getegid(), &f->e), IAMPW_E_UNSAFE);
	assert_true(th_contains(f->e.text, "readable by group or others"));
	assert_int_equal(chmod(f->state, 0711), 0);
	assert_int_equal(chmod(f->profiles, 0750), 0);
	iampw_err_init(&f->e);
	assert_int_equal(iampw_store_open(&f->s, f->state, false, geteuid(),
					  getegid(), &f->e), IAMPW_E_UNSAFE);
	assert_int_equal(chmod(f->profiles, 0700), 0);

	/* Trailing slashes name the same directory, in messages too. */
	FMT(slashed, "%s//", f->state);
	assert_int_equal(iampw_store_open(&f->s, slashed, false, geteuid(),
					  getegid(), &f->e), IAMPW_OK);
	assert_true(f->s->d.dirfd >= 0);
	assert_string_equal(f->s->d.path, f->profiles);
}

static void test_open_create_only_last_component(void **state)
{
	struct fx *f = *state;

	FMT(f->state, "%s/missing/state", f->base);
	iampw_err_init(&f->e);
	assert_int_equal(iampw_store_open(&f->s, f->state, true, geteuid(),
					  getegid(), &f->e), IAMPW_E_IO);
	assert_null(f->s);
	assert_true(th_contains(f->e.text, "missing/state"));
	assert_int_equal(th_count_entries(f->base), 0);
	FMT(f->state, "%s/state", f->base);
}

static void test_open_missing_without_create(void **state)
{
	struct fx *f = *state;
	struct iampw_profile p;
	int lockfd = 1234;

	open_store(f, false);
	assert_non_null(f->s);
	assert_false(iampw_store_present(f->s));
	assert_int_equal(f->e.count, 0);
	assert_int_equal(iampw_profile_load(f->s, U("alice"), &p, &f->e),
			 IAMPW_E_NOENT);
	assert_int_equal(iampw_profile_remove(f->s, U("alice"), &f->e),
			 IAMPW_E_NOENT);
	assert_int_equal(f->e.count, 0);
	assert_int_equal(iampw_store_lock(f->s, U("alice"), 10, &lockfd, &f->e),
			 IAMPW_E_INVAL);
	assert_int_equal(lockfd, -1);
	make_profile(&p, "alice", 0, 1750000000);
	assert_int_equal(iampw_profile_save(f->s, &p, &f->e), IAMPW_E_INVAL);
	assert_int_equal(th_count_entries(f->base), 0);

	/* The state dir alone, without "profiles", is as empty. */
	assert_int_equal(mkdir(f->state, 0700), 0);
	open_store(f, false);
	assert_non_null(f->s);
	assert_false(iampw_store_present(f->s));
	assert_int_equal(iampw_profile_load(f->s, U("alice"), &p, &f->e),
			 IAMPW_E_NOENT);
	assert_int_equal(th_count_entries(f->state), 0);
}

/* Open must refuse with IAMPW_E_UNSAFE, with and without `create`. */
static void expect_unsafe(struct fx *f, const char *statedir, const char *why)
{
	for (int create = 0; create <= 1; create++) {
		iampw_err_init(&f->e);
		/* Whatever *s held, a failed open leaves NULL there. */
		f->s = (struct iampw_store *)f;
		if (iampw_store_open(&f->s, statedir, create, geteuid(),
				     getegid(), &f->e) != IAMPW_E_UNSAFE)
			fail_msg("%s (create=%d) not refused: %s", why, create,
				 f->e.text);
		assert_null(f->s);
		assert_true(f->e.count > 0);
	}
}

static void test_open_refuses_unsafe_dirs(void **state)
{
	struct fx *f = *state;
	char link[PATH_MAX], file[PATH_MAX];

	/* A group/other-writable state dir: anybody could swap "profiles". */
	assert_int_equal(mkdir(f->state, 0700), 0);
	assert_int_equal(chmod(f->state, 0777), 0);
	expect_unsafe(f, f->state, "state dir 0777");
	assert_int_equal(mode_of(f->state) & 07777, 0777);  /* not "fixed" */
	assert_int_equal(th_count_entries(f->state), 0);
	assert_int_equal(chmod(f->state, 0770), 0);
	expect_unsafe(f, f->state, "state dir 0770");
	assert_int_equal(chmod(f->state, 0700), 0);

	/* The same for the profiles dir. */
	assert_int_equal(mkdir(f->profiles, 0700), 0);
	assert_int_equal(chmod(f->profiles, 0777), 0);
	expect_unsafe(f, f->state, "profiles dir 0777");
	assert_int_equal(chmod(f->profiles, 0700), 0);
	open_store(f, false);
	assert_true(f->s->d.dirfd >= 0);
	iampw_store_close(f->s);
	f->s = NULL;

	/* A symlinked state dir, with or without a trailing slash. */
	FMT(link, "%s/link", f->base);
	assert_int_equal(symlink(f->state, link), 0);
	expect_unsafe(f, link, "state dir symlink");
	FMT(link, "%s/link/", f->base);
	expect_unsafe(f, link, "state dir symlink with slash");

	/* A symlinked profiles dir. */
	assert_int_equal(rename(f->profiles, th_path(f->base, "real")), 0);
	assert_int_equal(symlink(th_path(f->base, "real"), f->profiles), 0);
	expect_unsafe(f, f->state, "profiles symlink");
	assert_int_equal(unlink(f->profiles), 0);

	/* A regular file where a directory belongs. */
	th_write_str(f->state, "profiles", "x");
	expect_unsafe(f, f->state, "profiles is a file");
	FMT(file, "%s/profiles", f->state);
	expect_unsafe(f, file, "state dir is a file");

	/* A directory owned by somebody else (needs root to arrange). */
	if (geteuid() == 0) {
		assert_int_equal(unlink(f->profiles), 0);
		assert_int_equal(mkdir(f->profiles, 0700), 0);
		assert_int_equal(chown(f->profiles, 12345, 12345), 0);
		expect_unsafe(f, f->state, "profiles owned by uid 12345");
		assert_true(th_contains(f->e.text, "12345"));
	}
}

static void test_roundtrip(void **state)
{
	struct fx *f = *state;
	struct iampw_profile in, out;
	struct stat st;
	mode_t old;
	int rc;

	open_store(f, true);
	make_profile(&in, "alice", IAMPW_REUSE_MAX, 1750000000);
	/* The file mode must not depend on the caller's umask. */
	old = umask(0777);
	save_ok(f, &in);
	umask(old);

	assert_int_equal(lstat(th_path(f->profiles, F("alice")), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_gid, getegid());
	assert_int_equal(st.st_nlink, 1);
	/* The profile and its lock file, nothing else. */
	assert_int_equal(th_count_entries(f->profiles), 2);
	assert_true(S_ISREG(mode_of(th_path(f->profiles, L("alice")))));
	assert_false(temp_left(f->profiles, "alice"));

	memset(&out, 0x55, sizeof out);
	rc = iampw_profile_load(f->s, U("alice"), &out, &f->e);
	if (rc != IAMPW_OK)
		fail_msg("load: %s", f->e.text);
	assert_profile_equal(&in, &out);

	/* No history: no salt either. */
	make_profile(&in, "host$", 0, 1750000001);
	in.reset_required = false;
	in.last_used = 0;
	save_ok(f, &in);
	assert_int_equal(iampw_profile_load(f->s, in.uid, &out, &f->e),
			 IAMPW_OK);
	assert_profile_equal(&in, &out);
	assert_int_equal(th_count_entries(f->profiles), 4);

	/* A fresh store handle (another process) sees the same. */
	iampw_store_close(f->s);
	f->s = NULL;
	open_store(f, false);
	assert_int_equal(iampw_profile_load(f->s, U("alice"), &out, &f->e),
			 IAMPW_OK);
	assert_int_equal(out.nhistory, IAMPW_REUSE_MAX);
}

static void test_save_replaces(void **state)
{
	struct fx *f = *state;
	struct iampw_profile a, b, out;
	struct stat st1, st2;

	open_store(f, true);
	make_profile(&a, "bob", 2, 1750000000);
	make_profile(&b, "bob", 5, 1760000000);
	b.reset_required = false;
	save_ok(f, &a);
	assert_int_equal(stat(th_path(f->profiles, F("bob")), &st1), 0);
	save_ok(f, &b);
	assert_int_equal(stat(th_path(f->profiles, F("bob")), &st2), 0);
	/* Replaced by rename, not rewritten in place. */
	assert_true(st1.st_ino != st2.st_ino);
	assert_int_equal(iampw_profile_load(f->s, U("bob"), &out, &f->e),
			 IAMPW_OK);
	assert_profile_equal(&b, &out);
	assert_int_equal(th_count_entries(f->profiles), 2);
	assert_false(temp_left(f->profiles, "bob"));
}

/*
 * A file size limit below the new file's size (ulimit -f, inherited by a
 * setuid passwd) refuses the save before the temp file exists: never
 * SIGXFSZ halfway through the write.  The limit is set in a child, which
 * reports back by exit status.
 */
static void test_save_refused_over_file_size_limit(void **state)
{
	struct fx *f = *state;
	struct iampw_profile a, b, out;
	pid_t pid;
	int status;

	open_store(f, true);
	make_profile(&a, "bob", 2, 1750000000);
	make_profile(&b, "bob", 5, 1760000000);
	save_ok(f, &a);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 64, 64 };
		int rc;

		/* Were the limit hit by a write, the default action would end us. */
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(2);
		iampw_err_init(&f->e);
		rc = iampw_profile_save(f->s, &b, &f->e);
		_exit(rc == IAMPW_E_IO && strstr(f->e.text, "file size limit") != NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_false(temp_left(f->profiles, "bob"));
	assert_int_equal(iampw_profile_load(f->s, U("bob"), &out, &f->e), IAMPW_OK);
	assert_profile_equal(&a, &out);
}

/* Load must refuse with `code`, clearing nothing it should not return. */
static void expect_load(struct fx *f, const char *user, int code,
			const char *why)
{
	struct iampw_profile p;
	int rc;

	iampw_err_init(&f->e);
	memset(&p, 0, sizeof p);
	rc = iampw_profile_load(f->s, U(user), &p, &f->e);
	if (rc != code)
		fail_msg("%s: got %d, want %d: %s", why, rc, code, f->e.text);
	assert_int_equal(p.nhistory, 0);
	assert_int_equal(p.history[0][0], '\0');
}

static void test_load_refuses_unsafe_files(void **state)
{
	struct fx *f = *state;
	struct iampw_profile p;
	char *good, other[PATH_MAX];
	size_t len;
	int fd;

	open_store(f, true);
	make_profile(&p, "bob", 3, 1750000000);
	save_ok(f, &p);
	good = th_read(th_path(f->profiles, F("bob")), &len);

	/* Writable by others: anybody could have edited it. */
	th_write(f->profiles, F("alice"), good, len, 0666);
	expect_load(f, "alice", IAMPW_E_UNSAFE, "0666");
	assert_true(th_contains(f->e.text, "writable"));
	assert_int_equal(chmod(th_path(f->profiles, F("alice")), 0620), 0);
	expect_load(f, "alice", IAMPW_E_UNSAFE, "0620");
	/* Readable by others: it holds password hashes (§3). */
	assert_int_equal(chmod(th_path(f->profiles, F("alice")), 0604), 0);
	expect_load(f, "alice", IAMPW_E_UNSAFE, "0604");
	assert_true(th_contains(f->e.text, "readable"));
	assert_int_equal(chmod(th_path(f->profiles, F("alice")), 0640), 0);
	expect_load(f, "alice", IAMPW_E_UNSAFE, "0640");

	/* Bob's file under Alice's name: a valid file of the wrong user. */
	assert_int_equal(chmod(th_path(f->profiles, F("alice")), 0600), 0);
	expect_load(f, "alice", IAMPW_E_PARSE, "another user's profile");
	assert_true(th_contains(f->e.text, "belongs to uid 1002"));
	assert_int_equal(unlink(th_path(f->profiles, F("alice"))), 0);

	/* A symlink to a perfectly good profile is still refused. */
	FMT(other, "%s/bob-copy", f->base);
	th_write(f->base, "bob-copy", good, len, 0600);
	assert_int_equal(symlink(other, th_path(f->profiles, F("bob2"))), 0);
	expect_load(f, "bob2", IAMPW_E_UNSAFE, "symlink");
	/* Even one pointing at the very file it names. */
	assert_int_equal(symlink(F("bob"), th_path(f->profiles, F("bob3"))), 0);
	expect_load(f, "bob3", IAMPW_E_UNSAFE, "symlink to bob");

	/* A FIFO must not block the login waiting for a writer. */
	assert_int_equal(mkfifo(th_path(f->profiles, F("fifo")), 0600), 0);
	alarm(10);  /* the test's own watchdog, never the library's */
	expect_load(f, "fifo", IAMPW_E_UNSAFE, "FIFO");
	alarm(0);

	assert_int_equal(mkdir(th_path(f->profiles, F("dir")), 0700), 0);
	expect_load(f, "dir", IAMPW_E_UNSAFE, "directory");

	/* 10 MB: refused on size before any read. */
	fd = open(th_path(f->profiles, F("big")), O_WRONLY | O_CREAT | O_EXCL |
		  O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 10 * 1024 * 1024), 0);
	assert_int_equal(close(fd), 0);
	expect_load(f, "big", IAMPW_E_UNSAFE, "10 MB");

	/* Garbage is a parse error, not "no profile". */
	th_write(f->profiles, F("junk"), "junk\n", 5, 0600);
	expect_load(f, "junk", IAMPW_E_PARSE, "junk");

	/* Owned by another uid (needs root to arrange). */
	if (geteuid() == 0) {
		th_write(f->profiles, F("bob"), good, len, 0600);
		assert_int_equal(chown(th_path(f->profiles, F("bob")), 12345, 0), 0);
		expect_load(f, "bob", IAMPW_E_UNSAFE, "owned by 12345");
	}
	expect_load(f, "nobody-here", IAMPW_E_NOENT, "absent");
	assert_int_equal(f->e.count, 0);
	free(good);
}

/*
 * Names never become paths, so any name round-trips: %XX in the file,
 * the same bytes back.  A uid no profile can have is refused everywhere
 * and touches nothing.
 */
static void test_hostile_names(void **state)
{
	static const char *const names[] = {
		"../x", "..", ".", "a/b", "/tmp/x", "a\nb", "\x01", "a\x1b[1m",
		"-rf", ".alice.lock", "a%41", "100%", "x\xff", "CORP\\alice", "a b;c#d",
		"alice@corp", "\xc3\x89lodie",
	};
	struct fx *f = *state;
	struct iampw_profile p, q;
	char big[IAMPW_NAME_MAX + 1];
	int nbase, nstate, nprof, lockfd;

	open_store(f, true);
	make_profile(&p, "alice", 1, 1750000000);
	save_ok(f, &p);
	nbase = th_count_entries(f->base);
	nstate = th_count_entries(f->state);
	nprof = th_count_entries(f->profiles);
	memset(big, '\n', IAMPW_NAME_MAX);
	big[IAMPW_NAME_MAX] = '\0';

	for (size_t i = 0; i <= sizeof names / sizeof names[0]; i++) {
		const char *n = i < sizeof names / sizeof names[0] ? names[i] : big;

		make_profile(&p, "alice", 1, 1750000000);
		strcpy(p.user, n);
		save_ok(f, &p);
		iampw_err_init(&f->e);
		assert_int_equal(iampw_profile_load(f->s, U("alice"), &q, &f->e), IAMPW_OK);
		assert_string_equal(q.user, n);
		assert_int_equal(th_count_entries(f->profiles), nprof);
	}
	static const uid_t bad[] = { (uid_t)-1 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		iampw_err_init(&f->e);
		assert_int_equal(iampw_profile_load(f->s, bad[i], &p, &f->e), IAMPW_E_INVAL);
		assert_int_equal(iampw_profile_remove(f->s, bad[i], &f->e), IAMPW_E_INVAL);
		lockfd = 1234;
		assert_int_equal(iampw_store_lock(f->s, bad[i], 10, &lockfd, &f->e),
				 IAMPW_E_INVAL);
		assert_int_equal(lockfd, -1);
		make_profile(&p, "alice", 0, 1750000000);
		p.uid = (uint32_t)bad[i];
		assert_int_equal(iampw_profile_save(f->s, &p, &f->e), IAMPW_E_INVAL);
	}
	/* A user field filled to the brim, without its NUL. */
	make_profile(&p, "alice", 0, 1750000000);
	memset(p.user, 'a', sizeof p.user);
	iampw_err_init(&f->e);
	assert_int_equal(iampw_profile_save(f->s, &p, &f->e), IAMPW_E_INVAL);
	/* An empty name, or an account fingerprint that is not one. */
	make_profile(&p, "alice", 0, 1750000000);
	p.user[0] = '\0';
	assert_int_equal(iampw_profile_save(f->s, &p, &f->e), IAMPW_E_INVAL);
	make_profile(&p, "alice", 0, 1750000000);
	p.account[3] = 'G';
	assert_int_equal(iampw_profile_save(f->s, &p, &f->e), IAMPW_E_INVAL);

	assert_int_equal(th_count_entries(f->base), nbase);
	assert_int_equal(th_count_entries(f->state), nstate);
	assert_int_equal(th_count_entries(f->profiles), nprof);
	assert_int_equal(iampw_profile_load(f->s, U("alice"), &p, &f->e),
			 IAMPW_OK);
}

static void test_lock_timeout(void **state)
{
	struct fx *f = *state;
	int a = -1, a2 = -1, b = -1, rc;
	int64_t t0, dt;

	open_store(f, true);
	assert_int_equal(iampw_store_lock(f->s, U("alice"), LONG_TIMEOUT_MS, &a,
					  &f->e), IAMPW_OK);
	assert_true(a >= 0);
	assert_true(fcntl(a, F_GETFD) & FD_CLOEXEC);

	t0 = mono_ms();
	a2 = 1234;
	rc = iampw_store_lock(f->s, U("alice"), 200, &a2, &f->e);
	dt = mono_ms() - t0;
	assert_int_equal(rc, IAMPW_E_BUSY);
	assert_int_equal(a2, -1);
	assert_true(th_contains(f->e.text, "locked by another change"));
	if (dt < 150 || dt >= 2000)
		fail_msg("waited %lld ms for a 200 ms timeout", (long long)dt);

	/* Another user's lock is independent. */
	t0 = mono_ms();
	assert_int_equal(iampw_store_lock(f->s, U("bob"), LONG_TIMEOUT_MS, &b,
					  &f->e), IAMPW_OK);
	assert_true(mono_ms() - t0 < 1000);

	/* timeout 0: one try. */
	assert_int_equal(iampw_store_lock(f->s, U("alice"), 0, &a2, &f->e),
			 IAMPW_E_BUSY);
	iampw_store_unlock(a);
	assert_int_equal(iampw_store_lock(f->s, U("alice"), 0, &a2, &f->e),
			 IAMPW_OK);
	iampw_store_unlock(a2);
	iampw_store_unlock(b);
	iampw_store_unlock(-1);
	/* Lock files stay: removing them would break mutual exclusion. */
	assert_true(S_ISREG(mode_of(th_path(f->profiles, L("alice")))));
	assert_true(S_ISREG(mode_of(th_path(f->profiles, L("bob")))));
}

static void test_lock_dies_with_holder(void **state)
{
	struct fx *f = *state;
	int pfd[2], lockfd = -1, child_rc = -1, status;
	int64_t t0;
	pid_t pid;

	open_store(f, true);
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct iampw_err ce;
		int fd, rc;

		iampw_err_init(&ce);
		rc = iampw_store_lock(f->s, U("alice"), LONG_TIMEOUT_MS, &fd, &ce);
		if (write(pfd[1], &rc, sizeof rc) != (ssize_t)sizeof rc)
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &child_rc, sizeof child_rc),
			 (ssize_t)sizeof child_rc);
	close(pfd[0]);
	assert_int_equal(child_rc, IAMPW_OK);
	assert_int_equal(iampw_store_lock(f->s, U("alice"), 50, &lockfd, &f->e),
			 IAMPW_E_BUSY);

	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	t0 = mono_ms();
	assert_int_equal(iampw_store_lock(f->s, U("alice"), 0, &lockfd, &f->e),
			 IAMPW_OK);
	assert_true(mono_ms() - t0 < 1000);
	iampw_store_unlock(lockfd);
}

static void expect_lock_refused(struct fx *f, int code, const char *why)
{
	int lockfd = 1234, rc;

	iampw_err_init(&f->e);
	alarm(10);  /* the test's own watchdog */
	rc = iampw_store_lock(f->s, U("alice"), 100, &lockfd, &f->e);
	alarm(0);
	if (rc != code)
		fail_msg("%s: got %d: %s", why, rc, f->e.text);
	assert_int_equal(lockfd, -1);
	assert_true(f->e.count > 0);
}

static void test_lock_refuses_odd_lock_files(void **state)
{
	struct fx *f = *state;
	const char *lock;
	char target[PATH_MAX];

	open_store(f, true);
	lock = th_path(f->profiles, L("alice"));
	FMT(target, "%s/target", f->base);
	/* A planted symlink must not make us create or open its target. */
	assert_int_equal(symlink(target, lock), 0);
	expect_lock_refused(f, IAMPW_E_UNSAFE, "symlink");
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(unlink(th_path(f->profiles, L("alice"))), 0);

	assert_int_equal(mkfifo(th_path(f->profiles, L("alice")), 0600), 0);
	expect_lock_refused(f, IAMPW_E_UNSAFE, "FIFO");
	assert_int_equal(unlink(th_path(f->profiles, L("alice"))), 0);

	assert_int_equal(mkdir(th_path(f->profiles, L("alice")), 0700), 0);
	expect_lock_refused(f, IAMPW_E_UNSAFE, "directory");
}

static void test_lock_file_mode(void **state)
{
	struct fx *f = *state;
	int lockfd, rc;
	mode_t old;

	open_store(f, true);
	old = umask(0777);
	rc = iampw_store_lock(f->s, U("alice"), 0, &lockfd, &f->e);
	umask(old);
	assert_int_equal(rc, IAMPW_OK);
	assert_int_equal(mode_of(th_path(f->profiles, L("alice"))) & 07777,
			 0600);
	iampw_store_unlock(lockfd);
	/* Reopening works for a non-root owner too. */
	assert_int_equal(iampw_store_lock(f->s, U("alice"), 0, &lockfd, &f->e),
			 IAMPW_OK);
	iampw_store_unlock(lockfd);
}

/*
 * setuid passwd runs with euid 0 but the user's gid: what it creates must
 * still be root's group, not the user's.
 */
static void test_created_with_store_group(void **state)
{
	struct fx *f = *state;
	struct stat st;
	int lockfd;
	pid_t pid;
	int status;

	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		bool ok = setegid(4321) == 0 &&
			  iampw_store_open(&f->s, f->state, true, 0, 0, &f->e) == IAMPW_OK &&
			  iampw_store_lock(f->s, U("alice"), 0, &lockfd, &f->e) == IAMPW_OK;
		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(stat(f->state, &st), 0);
	assert_int_equal(st.st_gid, 0);
	assert_int_equal(stat(f->profiles, &st), 0);
	assert_int_equal(st.st_gid, 0);
	assert_int_equal(stat(th_path(f->profiles, L("alice")), &st), 0);
	assert_int_equal(st.st_gid, 0);
	assert_int_equal(st.st_uid, 0);
}

static void test_remove(void **state)
{
	struct fx *f = *state;
	struct iampw_profile p;
	int lockfd;

	open_store(f, true);
	make_profile(&p, "alice", 1, 1750000000);
	save_ok(f, &p);
	assert_int_equal(iampw_store_lock(f->s, U("alice"), LONG_TIMEOUT_MS,
					  &lockfd, &f->e), IAMPW_OK);
	assert_int_equal(iampw_profile_remove(f->s, U("alice"), &f->e), IAMPW_OK);
	assert_int_equal(access(th_path(f->profiles, F("alice")), F_OK), -1);
	assert_int_equal(iampw_profile_load(f->s, U("alice"), &p, &f->e),
			 IAMPW_E_NOENT);
	assert_int_equal(iampw_profile_remove(f->s, U("alice"), &f->e),
			 IAMPW_E_NOENT);
	assert_int_equal(f->e.count, 0);
	iampw_store_unlock(lockfd);
	assert_int_equal(th_count_entries(f->profiles), 1);  /* the lock file */

	/* A directory in the way is an error, not "absent". */
	assert_int_equal(mkdir(th_path(f->profiles, F("bob")), 0700), 0);
	assert_int_equal(iampw_profile_remove(f->s, U("bob"), &f->e), IAMPW_E_IO);
}

/* ---------------------------------------------------------------------- */
/*
 * Failed saves.  A full or read-only disk needs a private tmpfs, hence a
 * mount namespace in a child process; a read-only directory needs a
 * child without root's DAC override.  The child reports by exit status,
 * never through cmocka (whose jump buffers belong to the parent).
 */

enum { CHILD_OK = 0, CHILD_FAIL = 1, CHILD_SKIP = 77 };

#define CHILD_CHECK(cond)                                                    \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "# child: line %d: %s\n", __LINE__,  \
				#cond);                                      \
			_exit(CHILD_FAIL);                                   \
		}                                                            \
	} while (0)

static bool write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	return close(fd) == 0 && ok;
}

/* Root: a mount namespace.  Anybody else: a user namespace mapping only themselves. */
static bool enter_mount_ns(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];

	if (unshare(CLONE_NEWNS) != 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
			return false;
		write_proc("/proc/self/setgroups", "deny");
		snprintf(map, sizeof map, "%lu %lu 1", (unsigned long)uid,
			 (unsigned long)uid);
		if (!write_proc("/proc/self/uid_map", map))
			return false;
		snprintf(map, sizeof map, "%lu %lu 1", (unsigned long)gid,
			 (unsigned long)gid);
		if (!write_proc("/proc/self/gid_map", map))
			return false;
	}
	/*
	 * Keep our tmpfs from propagating to the host's mount table.  The
	 * kernel ignores source and type here; "none" keeps valgrind quiet.
	 */
	return mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == 0;
}

static char *read_plain(const char *path, size_t *len)
{
	char *buf = malloc(IAMPW_PROFILE_SIZE_MAX + 1);
	ssize_t n;
	int fd;

	if (buf == NULL)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	n = read(fd, buf, IAMPW_PROFILE_SIZE_MAX + 1);
	close(fd);
	if (n < 0 || n > IAMPW_PROFILE_SIZE_MAX) {
		free(buf);
		return NULL;
	}
	*len = (size_t)n;
	return buf;
}

static void fill_fs(const char *mnt)
{
	static char chunk[4096];
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	CHILD_CHECK(snprintf(path, sizeof path, "%s/filler", mnt) <
		    (int)sizeof path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	CHILD_CHECK(fd >= 0);
	memset(chunk, 'f', sizeof chunk);
	do {
		n = write(fd, chunk, sizeof chunk);
	} while (n > 0);
	CHILD_CHECK(n < 0 && errno == ENOSPC);
	CHILD_CHECK(close(fd) == 0);
}

enum fail_how { FAIL_ENOSPC, FAIL_READONLY, FAIL_DIR_MODE };

/* Make uid 0 obey file modes like anybody else; a no-op for others. */
static bool drop_dac_caps(void)
{
	static const int caps[] = {
		CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
	};
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof d);
	if (syscall(SYS_capget, &h, d) != 0)
		return false;
	for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		d[caps[i] / 32].effective &= ~(1u << (caps[i] % 32));
		d[caps[i] / 32].permitted &= ~(1u << (caps[i] % 32));
	}
	return syscall(SYS_capset, &h, d) == 0;
}

static const char *const fail_text[] = {
	[FAIL_ENOSPC] = "No space left",
	[FAIL_READONLY] = "Read-only",
	[FAIL_DIR_MODE] = "Permission denied",
};

struct fail_case {
	const char *mnt;
	const struct iampw_profile *small, *big;
	enum fail_how how;
};

static void make_it_fail(const struct fail_case *c, const char *profiles,
			 int *lockfd)
{
	switch (c->how) {
	case FAIL_ENOSPC:
		fill_fs(c->mnt);
		break;
	case FAIL_READONLY:
		/* A remount to read-only waits for no writer: drop ours. */
		iampw_store_unlock(*lockfd);
		*lockfd = -1;
		CHILD_CHECK(mount("none", c->mnt, "none", MS_REMOUNT |
				  MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) == 0);
		break;
	case FAIL_DIR_MODE:
		CHILD_CHECK(chmod(profiles, 0500) == 0);
		break;
	}
}

static void fail_child(const struct fail_case *c)
{
	struct iampw_store *s = NULL;
	struct iampw_profile *out;
	struct iampw_err e;
	char state[PATH_MAX], file[PATH_MAX + 16];
	char *before, *after;
	size_t lb, la;
	int lockfd, rc;

	if (c->how == FAIL_DIR_MODE) {
		CHILD_CHECK(drop_dac_caps());
	} else {
		if (!enter_mount_ns())
			_exit(CHILD_SKIP);
		if (mount("tmpfs", c->mnt, "tmpfs", MS_NOSUID | MS_NODEV,
			  "size=64k,mode=0700") != 0)
			_exit(CHILD_SKIP);
	}
	CHILD_CHECK(snprintf(state, sizeof state, "%s/state", c->mnt) <
		    (int)sizeof state);
	iampw_err_init(&e);
	CHILD_CHECK(iampw_store_open(&s, state, true, geteuid(), getegid(),
				     &e) == IAMPW_OK);
	CHILD_CHECK(iampw_store_lock(s, c->small->uid, LONG_TIMEOUT_MS,
				     &lockfd, &e) == IAMPW_OK);
	CHILD_CHECK(iampw_profile_save(s, c->small, &e) == IAMPW_OK);
	CHILD_CHECK(snprintf(file, sizeof file, "%s/%lu", iampw_store_path(s),
			     (unsigned long)c->small->uid) < (int)sizeof file);
	before = read_plain(file, &lb);
	CHILD_CHECK(before != NULL && lb > 0);

	make_it_fail(c, iampw_store_path(s), &lockfd);
	iampw_err_init(&e);
	rc = iampw_profile_save(s, c->big, &e);
	fprintf(stderr, "# expected failure: %s\n", e.text);
	CHILD_CHECK(rc == IAMPW_E_IO);
	CHILD_CHECK(strstr(e.text, fail_text[c->how]) != NULL);

	after = read_plain(file, &la);
	CHILD_CHECK(after != NULL && la == lb && memcmp(before, after, lb) == 0);
	CHILD_CHECK(!temp_left(iampw_store_path(s), c->small->user));
	out = calloc(1, sizeof *out);
	CHILD_CHECK(out != NULL);
	CHILD_CHECK(iampw_profile_load(s, c->small->uid, out, &e) == IAMPW_OK);
	CHILD_CHECK(out->nhistory == c->small->nhistory);
	CHILD_CHECK(out->last_changed == c->small->last_changed);
	if (c->how == FAIL_DIR_MODE)
		CHILD_CHECK(chmod(iampw_store_path(s), 0700) == 0);
	iampw_store_unlock(lockfd);
	iampw_store_close(s);
	/* Freed so that valgrind, following the fork, sees no leak. */
	iampw_profile_clear(out);
	free(out);
	free(before);
	free(after);
	_exit(CHILD_OK);
}

static void run_fail_case(struct fx *f, enum fail_how how)
{
	struct iampw_profile small, big;
	struct fail_case c;
	char mnt[PATH_MAX];
	int status;
	pid_t pid;

	FMT(mnt, "%s/mnt", f->base);
	assert_int_equal(mkdir(mnt, 0700), 0);
	make_profile(&small, "alice", 1, 1750000000);
	make_profile(&big, "alice", IAMPW_REUSE_MAX, 1760000000);
	c = (struct fail_case){ mnt, &small, &big, how };
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		fail_child(&c);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == CHILD_SKIP)
		skip();
	assert_int_equal(WEXITSTATUS(status), CHILD_OK);
	/* The tmpfs died with the child's namespace: nothing leaked out. */
	if (how != FAIL_DIR_MODE)
		assert_int_equal(th_count_entries(mnt), 0);
}

static void test_save_fails_on_full_disk(void **state)
{
	run_fail_case(*state, FAIL_ENOSPC);
}

static void test_save_fails_on_readonly_fs(void **state)
{
	run_fail_case(*state, FAIL_READONLY);
}

/* No namespace needed: a directory we may not write to. */
static void test_save_fails_on_readonly_dir(void **state)
{
	run_fail_case(*state, FAIL_DIR_MODE);
}

static int count_fds(void)
{
	return th_count_entries("/proc/self/fd");
}

static void test_no_fd_leak(void **state)
{
	struct fx *f = *state;
	struct iampw_profile p;
	int before, lockfd, busy;

	before = count_fds();
	for (int round = 0; round < 3; round++) {
		open_store(f, true);
		make_profile(&p, "alice", 2, 1750000000);
		save_ok(f, &p);
		assert_int_equal(iampw_profile_load(f->s, U("alice"), &p, &f->e),
				 IAMPW_OK);
		assert_int_equal(iampw_profile_load(f->s, U("nobody-here"), &p,
						    &f->e), IAMPW_E_NOENT);
		assert_int_equal(iampw_store_lock(f->s, U("alice"), 0, &lockfd,
						  &f->e), IAMPW_OK);
		assert_int_equal(iampw_store_lock(f->s, U("alice"), 0, &busy,
						  &f->e), IAMPW_E_BUSY);
		assert_int_equal(iampw_profile_remove(f->s, U("alice"), &f->e),
				 IAMPW_OK);
		iampw_store_unlock(lockfd);
		iampw_store_close(f->s);
		f->s = NULL;
		/* Failing opens too. */
		assert_int_equal(chmod(f->profiles, 0777), 0);
		assert_int_equal(iampw_store_open(&f->s, f->state, true,
						  geteuid(), getegid(), &f->e),
				 IAMPW_E_UNSAFE);
		assert_int_equal(chmod(f->profiles, 0700), 0);
	}
	assert_int_equal(count_fds(), before);
}

/* What the name alone says, for iampw-admin check and the streaming readers. */
static void test_entry_kind(void **state)
{
	static const struct { const char *name; enum iampw_entry kind; uid_t uid; } cases[] = {
		{ "1001", IAMPW_ENTRY_PROFILE, 1001 },
		{ "0", IAMPW_ENTRY_PROFILE, 0 },
		{ ".1001.lock", IAMPW_ENTRY_LOCK, 1001 },
		{ ".1001.AbCdE12345", IAMPW_ENTRY_TEMP, 1001 },
		{ "01001", IAMPW_ENTRY_STRAY, (uid_t)-1 },
		{ "alice", IAMPW_ENTRY_STRAY, (uid_t)-1 },
		{ "4294967295", IAMPW_ENTRY_STRAY, (uid_t)-1 },
		{ ".1001.AbCdE1234", IAMPW_ENTRY_STRAY, (uid_t)-1 },     /* 9 random */
		{ ".1001.AbCdE123456", IAMPW_ENTRY_STRAY, (uid_t)-1 },   /* 11 */
		{ ".1001.AbCdE-2345", IAMPW_ENTRY_STRAY, (uid_t)-1 },
		{ ".alice.lock", IAMPW_ENTRY_STRAY, (uid_t)-1 },
		{ ".01001.lock", IAMPW_ENTRY_STRAY, (uid_t)-1 },
		{ "..lock", IAMPW_ENTRY_STRAY, (uid_t)-1 },
		{ ".lock", IAMPW_ENTRY_STRAY, (uid_t)-1 },
		{ ".1001.lock.x", IAMPW_ENTRY_STRAY, (uid_t)-1 },
		{ ".12345678901.lock", IAMPW_ENTRY_STRAY, (uid_t)-1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uid_t uid = 42;

		if (iampw_store_entry_kind(cases[i].name, &uid) != cases[i].kind ||
		    uid != cases[i].uid)
			fail_msg("%s: kind %d uid %ld", cases[i].name,
				 (int)iampw_store_entry_kind(cases[i].name, &uid), (long)uid);
	}
}

struct seen {
	unsigned profiles, locks, temps, strays, calls;
	int stop_at;
};

static int count_entry(void *ctx, const char *name, enum iampw_entry kind, uid_t uid)
{
	struct seen *s = ctx;

	assert_true(strcmp(name, ".") != 0 && strcmp(name, "..") != 0);
	if (kind == IAMPW_ENTRY_PROFILE) {
		assert_int_equal(uid, U("alice"));
		s->profiles++;
	}
	s->locks += kind == IAMPW_ENTRY_LOCK;
	s->temps += kind == IAMPW_ENTRY_TEMP;
	s->strays += kind == IAMPW_ENTRY_STRAY;
	return ++s->calls == (unsigned)s->stop_at ? 77 : 0;
}

/* The scan lists every entry once; inspect tells a held write from a stale one. */
static void test_scan_and_inspect(void **state)
{
	struct fx *f = *state;
	struct seen seen = { 0 };
	struct iampw_profile p;
	int lockfd, fd;
	uid_t uid;

	open_store(f, false);
	assert_int_equal(iampw_store_scan(f->s, count_entry, &seen), 0);
	assert_int_equal(seen.calls, 0);
	open_store(f, true);
	make_profile(&p, "alice", 0, 1750000000);
	save_ok(f, &p);
	th_write(f->profiles, ".1001.AbCdE12345", "x", 1, 0600);
	th_write(f->profiles, "README", "x", 1, 0600);
	assert_int_equal(mkdir(th_path(f->profiles, ".1002.lock"), 0700), 0);
	assert_int_equal(iampw_store_scan(f->s, count_entry, &seen), 0);
	assert_int_equal(seen.profiles, 1);
	assert_int_equal(seen.locks, 2);
	assert_int_equal(seen.temps, 1);
	assert_int_equal(seen.strays, 1);
	assert_int_equal(seen.calls, 5);
	/* A nonzero return stops the scan and is passed on. */
	memset(&seen, 0, sizeof seen);
	seen.stop_at = 2;
	assert_int_equal(iampw_store_scan(f->s, count_entry, &seen), 77);
	assert_int_equal(seen.calls, 2);

	assert_int_equal(iampw_store_entry_inspect(f->s, L("alice"), &uid), IAMPW_ENTRY_LOCK);
	assert_int_equal(iampw_store_entry_inspect(f->s, ".1002.lock", &uid),
			 IAMPW_ENTRY_BAD_LOCK);
	assert_int_equal(iampw_store_entry_inspect(f->s, ".1001.AbCdE12345", &uid),
			 IAMPW_ENTRY_STALE_TEMP);
	assert_int_equal(uid, U("alice"));
	assert_int_equal(iampw_store_lock(f->s, U("alice"), 0, &lockfd, &f->e), IAMPW_OK);
	assert_int_equal(iampw_store_entry_inspect(f->s, ".1001.AbCdE12345", &uid),
			 IAMPW_ENTRY_WRITING);
	/* Only tested: the writer's lock is still its own. */
	assert_int_equal(iampw_store_lock(f->s, U("alice"), 0, &fd, &f->e), IAMPW_E_BUSY);
	iampw_store_unlock(lockfd);
	assert_int_equal(iampw_store_entry_inspect(f->s, ".1001.AbCdE12345", &uid),
			 IAMPW_ENTRY_STALE_TEMP);
	assert_int_equal(iampw_store_entry_inspect(f->s, "README", &uid), IAMPW_ENTRY_STRAY);
	assert_int_equal(rmdir(th_path(f->profiles, ".1002.lock")), 0);
	iampw_profile_wipe(&p);
}

/* The lock's inode, for finding its holder in /proc/locks. */
static void test_lock_file(void **state)
{
	struct fx *f = *state;
	struct iampw_profile p;
	dev_t dev = 0;
	ino_t ino = 0;
	struct stat st;

	assert_false(iampw_store_lock_file(NULL, U("alice"), &dev, &ino));
	open_store(f, true);
	assert_false(iampw_store_lock_file(f->s, U("alice"), &dev, &ino));
	make_profile(&p, "alice", 0, 1750000000);
	save_ok(f, &p);
	assert_true(iampw_store_lock_file(f->s, U("alice"), &dev, &ino));
	assert_int_equal(lstat(th_path(f->profiles, L("alice")), &st), 0);
	assert_true(st.st_dev == dev && st.st_ino == ino);
	assert_false(iampw_store_lock_file(f->s, (uid_t)-1, &dev, &ino));
	iampw_profile_wipe(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_names),
		cmocka_unit_test_setup_teardown(test_created_with_store_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_create_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_create_keeps_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_create_only_last_component, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_missing_without_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses_unsafe_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_refused_over_file_size_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_refuses_unsafe_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_dies_with_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_refuses_odd_lock_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_file_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test(test_entry_kind),
		cmocka_unit_test_setup_teardown(test_scan_and_inspect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_fails_on_full_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_fails_on_readonly_fs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_fails_on_readonly_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_fd_leak, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
