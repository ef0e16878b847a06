/*
 * libFuzzer target: the user-name validator, the one thing that stands
 * between a name from PAM or argv and a file name under the state dir.
 *
 * Input: any bytes, taken as a C string (up to the first NUL).  Checks:
 *  - iampw_user_name_valid() agrees with its contract in iampw.h, and a
 *    name it accepts can never be a path: no '/', not "." or "..", no
 *    leading '.' (our lock and temp files) or '-', 1..IAMPW_USER_MAX
 *    bytes of [A-Za-z0-9_.-] with at most a final '$';
 *  - a buffer of IAMPW_USER_MAX + 1 bytes with no NUL (a full fixed
 *    array) is refused without reading past its end (ASan);
 *  - the store, opened on a private temp dir, refuses an invalid name
 *    with IAMPW_E_INVAL and never touches a file for it; for a valid
 *    name it finds only that name's own profile and puts the lock file
 *    inside the profiles dir, and nothing appears anywhere else.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "iampw.h"

/* The one profile in the store, and a decoy beside the profiles dir. */
#define KNOWN_USER "alice"
#define KNOWN_PROFILE \
	"[profile]\nuser = alice\nuid = 1001\ncreate_date = 1763805600\n" \
	"password_last_changed = 1763805600\npassword_reset_required = false\n"

/* Created once per process, removed at exit. */
static struct {
	char root[4096];            /* <tmp>/fuzz_user.XXXXXX: the state dir */
	int rootfd;
	struct iampw_store store;   /* <root>/profiles */
} env = { .rootfd = -1 };

static void put_file(int dirfd, const char *name, const char *text)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	size_t len = strlen(text);

	if (fd < 0 || fchmod(fd, 0600) != 0 || write(fd, text, len) != (ssize_t)len ||
	    close(fd) != 0) {
		perror("fuzz_user: setup");
		abort();
	}
}

static void cleanup(void)
{
	if (env.store.dirfd >= 0) {
		unlinkat(env.store.dirfd, KNOWN_USER, 0);
		iampw_store_close(&env.store);
	}
	if (env.rootfd >= 0) {
		unlinkat(env.rootfd, KNOWN_USER, 0);
		unlinkat(env.rootfd, "profiles", AT_REMOVEDIR);
		close(env.rootfd);
		rmdir(env.root);
	}
}

/* Lazily: replay.c has no LLVMFuzzerInitialize. */
static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	struct iampw_err e;

	if (env.rootfd >= 0)
		return;
	snprintf(env.root, sizeof env.root, "%s/fuzz_user.XXXXXX",
		 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(env.root) == NULL) {
		perror("fuzz_user: mkdtemp");
		abort();
	}
	env.rootfd = open(env.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (env.rootfd < 0)
		abort();
	env.store.dirfd = -1;
	atexit(cleanup);
	/* A name that escaped the profiles dir would find this one. */
	put_file(env.rootfd, KNOWN_USER, KNOWN_PROFILE);
	iampw_err_init(&e);
	if (iampw_store_open(&env.store, env.root, true, getuid(), getgid(), &e) != IAMPW_OK ||
	    env.store.dirfd < 0) {
		fprintf(stderr, "fuzz_user: store: %s\n", e.text);
		abort();
	}
	put_file(env.store.dirfd, KNOWN_USER, KNOWN_PROFILE);
}

/* The directory holds exactly `names` (a NULL-terminated list), nothing else. */
static bool dir_holds(int dirfd, const char *const *names)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t want = 0, seen = 0;
	struct dirent *de;
	bool ok = true;
	DIR *d;

	while (names[want] != NULL)
		want++;
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (d == NULL)
		abort();
	while (ok && (de = readdir(d)) != NULL) {
		size_t i;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		for (i = 0; i < want && strcmp(names[i], de->d_name) != 0; i++)
			;
		ok = i < want;
		seen++;
	}
	closedir(d);
	return ok && seen == want;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* The contract of iampw.h, written out independently of lib/store.c. */
static bool contract(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > IAMPW_USER_MAX || s[0] == '.' || s[0] == '-')
		return false;
	if (s[n - 1] == '$')
		n--;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!name_char(s[i]))
			return false;
	}
	return true;
}

/* What must hold for every name the validator accepts: it is never a path. */
static void check_safe(const char *s)
{
	size_t n = strlen(s);
	const char *dollar = strchr(s, '$');

	if (n < 1 || n > IAMPW_USER_MAX || strchr(s, '/') != NULL ||
	    strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || s[0] == '.' || s[0] == '-' ||
	    (dollar != NULL && dollar != s + n - 1) || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_.-$") != n)
		abort();
}

static void check_refused(const char *s)
{
	struct iampw_profile p;
	struct iampw_err e;
	int fd = 123;

	iampw_err_init(&e);
	if (iampw_profile_load(&env.store, s, &p, &e) != IAMPW_E_INVAL || e.count == 0)
		abort();
	iampw_err_init(&e);
	if (iampw_store_lock(&env.store, s, 0, &fd, &e) != IAMPW_E_INVAL || fd != -1)
		abort();
	iampw_err_init(&e);
	if (iampw_profile_remove(&env.store, s, &e) != IAMPW_E_INVAL)
		abort();
}

static void check_store(const char *s)
{
	char lock[IAMPW_USER_MAX + 8];
	struct iampw_profile p;
	struct iampw_err e;
	struct stat st;
	int rc, fd;

	iampw_err_init(&e);
	rc = iampw_profile_load(&env.store, s, &p, &e);
	if (strcmp(s, KNOWN_USER) == 0) {
		if (rc != IAMPW_OK || strcmp(p.user, KNOWN_USER) != 0)
			abort();
	} else if (rc != IAMPW_E_NOENT) {
		abort();
	}
	iampw_profile_clear(&p);
	if (strcmp(s, KNOWN_USER) != 0) {
		iampw_err_init(&e);
		if (iampw_profile_remove(&env.store, s, &e) != IAMPW_E_NOENT)
			abort();
	}
	iampw_err_init(&e);
	if (iampw_store_lock(&env.store, s, 0, &fd, &e) != IAMPW_OK || fd < 0)
		abort();
	/* The lock is ".<user>.lock" in the profiles dir and nowhere else. */
	snprintf(lock, sizeof lock, ".%s.lock", s);
	if (fstatat(env.store.dirfd, lock, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(st.st_mode))
		abort();
	iampw_store_unlock(fd);
	if (unlinkat(env.store.dirfd, lock, 0) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const root_files[] = { KNOWN_USER, "profiles", NULL };
	static const char *const store_files[] = { KNOWN_USER, NULL };
	char *name = malloc(size + 1);
	/* Exactly as big as a full user[IAMPW_USER_MAX + 1] array: ASan sees an overread. */
	char *full = malloc(IAMPW_USER_MAX + 1);
	bool valid;

	if (name == NULL || full == NULL)
		abort();
	setup();
	memcpy(name, data, size);
	name[size] = '\0';
	valid = iampw_user_name_valid(name);
	if (valid != contract(name))
		abort();
	if (valid) {
		check_safe(name);
		check_store(name);
	} else {
		check_refused(name);
	}

	for (size_t i = 0; i < IAMPW_USER_MAX + 1; i++) {
		char c = size > 0 ? (char)data[i % size] : 'a';

		full[i] = c != '\0' ? c : 'a';
	}
	if (iampw_user_name_valid(full))
		abort();
	check_refused(full);

	if (!dir_holds(env.rootfd, root_files) || !dir_holds(env.store.dirfd, store_files))
		abort();
	free(full);
	free(name);
	return 0;
}
