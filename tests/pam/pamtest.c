/*
 * The harness of the PAM-level tests (see pamtest.h for the design).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <crypt.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pamtest.h"

#ifndef PAM_IAMPW_SO
#error "PAM_IAMPW_SO must name the built module"
#endif
#ifndef NSS_WRAPPER_SO
#error "NSS_WRAPPER_SO must name libnss_wrapper.so"
#endif
#ifndef UID_WRAPPER_SO
#error "UID_WRAPPER_SO must name libuid_wrapper.so"
#endif

#define BASE_ENV "PT_BASE"
/* Set for the re-executed program when uids are uid_wrapper's (see stage_one). */
#define FAKE_ENV "PT_FAKE_UIDS"
#define MODULE_NAME "pam_iampw.so"
#define STRESS_INFO "Changing STRESS password for "
#define REACHED_TEXT "PT-REACHED"

/*
 * The accounts every program sees.  alice's and elodie's GECOS carry full
 * names for the identity rule (elodie's needs Unicode case folding);
 * bob's primary group and alice's membership test [scope] group=.
 */
static const char passwd_text[] =
	"root:x:0:0:root:/root:/bin/bash\n"
	"sysacct:x:999:999:System account:/nonexistent:/usr/sbin/nologin\n"
	"alice:x:1001:1001:Alice Smith,,,:/home/alice:/bin/bash\n"
	"bob:x:1002:2000:Bob Jones,,,:/home/bob:/bin/bash\n"
	"carol:x:1003:1003:Carol White,,,:/home/carol:/bin/bash\n"
	"dave:x:1004:1004:Dave Brown,,,:/home/dave:/bin/bash\n"
	"elodie:x:1005:1005:\xc3\x89lodie Martin,,,:/home/elodie:/bin/bash\n"
	/* A name as sssd gives them: '@', '.', non-ASCII (§3.1). */
	PT_ODD_NAME ":x:1006:1006:Odd Name,,,:/home/odd:/bin/bash\n"
	/* Beyond the default max_uid: in scope only with a wider range. */
	"far:x:70000:70000:Far Away,,,:/home/far:/bin/bash\n";
/*
 * Their shadow entries (nss_wrapper): locked by default, so an account
 * without a profile is not governed (§3.1) unless a case gives it a
 * usable password with pt_shadow().  A profile is bound to the entry
 * through its fingerprint (pt_profile_init).
 */
static const char *const shadow_users[] = {
	"root", "sysacct", "alice", "bob", "carol", "dave", "elodie", PT_ODD_NAME, "far",
};

static const char group_text[] =
	"root:x:0:\n"
	"sysacct:x:999:\n"
	"alice:x:1001:\n"
	"carol:x:1003:\n"
	"dave:x:1004:\n"
	"elodie:x:1005:\n"
	PT_GROUP ":x:2000:alice\n";

/* The program's private temp dir (set in the re-executed program). */
static const char *base_dir;
/* The caller's uids are uid_wrapper's, inside a user namespace (stage_one). */
static bool fake_uids;
/* The module libpam loads: a copy every test uid can read (see copy_module). */
static char module_path[PATH_MAX];

/* ---------------------------------------------------------------------- */
/* Files                                                                  */

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) == 0 ? 0 : -1;
	return unlink(path) == 0 ? 0 : -1;
}

/* rm -rf without spawning anything (no preload may leak into a child). */
static int rmtree(const char *dir)
{
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static size_t read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* The same as pt_write, usable before cmocka runs. */
static bool write_file(const char *path, const char *text, mode_t mode)
{
	int fd;
	bool ok;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	/* Explicit: the mode must not depend on the caller's umask. */
	ok = write_all(fd, text, strlen(text)) && fchmod(fd, mode) == 0;
	return close(fd) == 0 && ok;
}

void pt_write(const char *path, const char *text, mode_t mode)
{
	if (!write_file(path, text, mode))
		fail_msg("cannot write %s: %s", path, strerror(errno));
}

char *pt_read(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		assert_int_equal(errno, ENOENT);
		return NULL;
	}
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read_all(fd, buf, (size_t)st.st_size), (size_t)st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	if (len != NULL)
		*len = (size_t)st.st_size;
	return buf;
}

bool pt_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

const char *pt_path(const struct pt_fx *f, const char *name)
{
	/* A few in turn, so that one call may take two paths. */
	static char buf[4][PATH_MAX];
	static unsigned next;
	char *b = buf[next++ % 4];

	assert_true(snprintf(b, PATH_MAX, "%s/%s", f->dir, name) < PATH_MAX);
	return b;
}

static int tree_n;

static int count_one(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	(void)path;
	(void)st;
	(void)flag;
	if (ftw->level > 0)
		tree_n++;
	return 0;
}

int pt_tree_count(const char *dir)
{
	tree_n = 0;
	if (!pt_exists(dir))
		return 0;
	assert_int_equal(nftw(dir, count_one, 16, FTW_PHYS), 0);
	return tree_n;
}

static const char *tree_needle;
static bool tree_found;

static int search_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	char *text;
	size_t len;

	(void)ftw;
	if (flag != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	text = pt_read(path, &len);
	if (text != NULL && memmem(text, len, tree_needle, strlen(tree_needle)) != NULL)
		tree_found = true;
	free(text);
	return 0;
}

bool pt_tree_contains(const char *dir, const char *needle)
{
	tree_needle = needle;
	tree_found = false;
	if (pt_exists(dir))
		assert_int_equal(nftw(dir, search_one, 16, FTW_PHYS), 0);
	return tree_found;
}

/* ---------------------------------------------------------------------- */
/* Start-up: users, nss_wrapper, re-exec                                  */

/*
 * The sanitizer runtime must come first in the library list, before the
 * preloaded nss_wrapper: when the program uses a shared libasan, preload
 * it too.
 */
static const char *asan_runtime(void)
{
	Dl_info info;
	void *sym = dlsym(RTLD_DEFAULT, "__asan_init");

	if (sym == NULL || dladdr(sym, &info) == 0 || info.dli_fname == NULL ||
	    strstr(info.dli_fname, "libasan") == NULL)
		return NULL;
	return info.dli_fname;
}

static void die(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(99);
}
/*
 * The build tree may sit in a directory only root can enter (a clone made
 * with mktemp -d is 0700), and the screen-locker cases load the module as
 * an ordinary user: libpam gets a copy in the 0755 base directory.
 */
static void copy_module(const char *base)
{
	char path[PATH_MAX], buf[65536];
	int in, out;
	ssize_t n;

	snprintf(path, sizeof path, "%s/" MODULE_NAME, base);
	in = open(PAM_IAMPW_SO, O_RDONLY | O_CLOEXEC);
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (in < 0 || out < 0)
		die("copy the module");
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (!write_all(out, buf, (size_t)n))
			die("copy the module");
	}
	if (n < 0 || fchmod(out, 0644) != 0 || close(out) != 0)
		die("copy the module");
	close(in);
}


/* Write `text` to a /proc file of this process. */
static bool write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write_all(fd, text, strlen(text));
	return close(fd) == 0 && ok;
}

/*
 * Not root: become root of a new user namespace that maps the caller's
 * uid and gid to 0, so that the files of the fixtures are owned by uid 0
 * as the module demands of them.  That namespace maps no other uid, so
 * the kernel cannot take a case's uids: libuid_wrapper (preloaded with
 * UID_WRAPPER=1) keeps them in the process instead, for getuid(),
 * geteuid() and setresuid() alike, which is what the module decides on.
 * false when this kernel gives no user namespace to this user.
 */
static bool enter_user_ns(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER) != 0)
		return false;
	snprintf(map, sizeof map, "0 %lu 1\n", (unsigned long)uid);
	if (!write_proc("/proc/self/uid_map", map) ||
	    !write_proc("/proc/self/setgroups", "deny"))
		die("user namespace: uid_map");
	snprintf(map, sizeof map, "0 %lu 1\n", (unsigned long)gid);
	if (!write_proc("/proc/self/gid_map", map))
		die("user namespace: gid_map");
	return geteuid() == 0;
}

/*
 * The first start: make the private dir and the users, then run the
 * program again with nss_wrapper preloaded, wait for it and remove the
 * dir whatever happened to it.  Run as root, every case takes its uids for
 * real (setresuid); run as anyone else, it does so in a user namespace
 * with uid_wrapper (enter_user_ns), and the few cases that need the
 * kernel to tell two uids apart report a skip (pt_need_real_uids).
 */
static void stage_one(char **argv)
{
	char base[] = "/tmp/iampw-pamtest.XXXXXX";
	char exe[PATH_MAX], path[PATH_MAX + 16], preload[4 * PATH_MAX];
	const char *asan = asan_runtime(), *old = getenv("LD_PRELOAD");
	bool fake = false;
	ssize_t n;
	pid_t pid;
	int status;

	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		die("readlink /proc/self/exe");
	exe[n] = '\0';
	if (geteuid() != 0) {
		if (!enter_user_ns()) {
			printf("1..0 # SKIP needs root or an unprivileged user namespace "
			       "(unshare(CLONE_NEWUSER): %s)\n", strerror(errno));
			fflush(stdout);
			exit(77);
		}
		fake = true;
	}
	if (mkdtemp(base) == NULL || chmod(base, 0755) != 0)
		die("mkdtemp");
	copy_module(base);
	snprintf(path, sizeof path, "%s/passwd", base);
	if (!write_file(path, passwd_text, 0644) || setenv("NSS_WRAPPER_PASSWD", path, 1) != 0)
		die("passwd");
	snprintf(path, sizeof path, "%s/group", base);
	if (!write_file(path, group_text, 0644) || setenv("NSS_WRAPPER_GROUP", path, 1) != 0)
		die("group");
	snprintf(path, sizeof path, "%s/shadow", base);
	if (!write_file(path, "", 0600) || setenv("NSS_WRAPPER_SHADOW", path, 1) != 0)
		die("shadow");
	snprintf(preload, sizeof preload, "%s%s%s%s%s:%s%s%s", asan ? asan : "", asan ? ":" : "",
		 fake ? UID_WRAPPER_SO : "", fake ? ":" : "",
		 NSS_WRAPPER_SO, SPSHIM_SO, old && *old ? ":" : "", old && *old ? old : "");
	if (setenv("LD_PRELOAD", preload, 1) != 0 || setenv(BASE_ENV, base, 1) != 0 ||
	    setenv("CMOCKA_MESSAGE_OUTPUT", "TAP", 1) != 0)
		die("setenv");
	if (fake ? setenv("UID_WRAPPER", "1", 1) != 0 || setenv(FAKE_ENV, "1", 1) != 0
		 : unsetenv(FAKE_ENV) != 0)
		die("setenv");
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execv(exe, argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			die("waitpid");
	}
	rmtree(base);
	if (WIFEXITED(status))
		exit(WEXITSTATUS(status));
	exit(128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
}

/* Is the preloaded uid_wrapper there and enabled? */
static bool uid_wrapper_on(void)
{
	bool (*enabled)(void);

	*(void **)&enabled = dlsym(RTLD_DEFAULT, "uid_wrapper_enabled");
	return enabled != NULL && enabled();
}

void pt_init(int argc, char **argv)
{
	struct passwd *pw;

	(void)argc;
	base_dir = getenv(BASE_ENV);
	if (base_dir == NULL || getenv("NSS_WRAPPER_PASSWD") == NULL)
		stage_one(argv);
	snprintf(module_path, sizeof module_path, "%s/" MODULE_NAME, base_dir);
	/* A preload that did not take would test the host's accounts. */
	pw = getpwnam("alice");
	if (pw == NULL || pw->pw_uid != PT_UID_ALICE) {
		printf("Bail out! nss_wrapper is not active (LD_PRELOAD=%s)\n",
		       getenv("LD_PRELOAD"));
		exit(99);
	}
	/* Nor may the cases believe they changed uids when nothing did. */
	fake_uids = getenv(FAKE_ENV) != NULL;
	if (fake_uids && !uid_wrapper_on()) {
		printf("Bail out! uid_wrapper is not active (LD_PRELOAD=%s)\n",
		       getenv("LD_PRELOAD"));
		exit(99);
	}
	if (fake_uids)
		printf("# not root: uids from uid_wrapper in a user namespace; "
		       "cases that need the kernel to enforce a uid are skipped\n");
	/* Loaded now: no program started from here may inherit it (TESTING.md). */
	unsetenv("LD_PRELOAD");
}

void pt_need_real_uids(const char *why)
{
	if (!fake_uids)
		return;
	print_message("# SKIP needs real root: %s\n", why);
	skip();
}

/* ---------------------------------------------------------------------- */
/* Fixtures                                                               */

#define FMT(buf, ...) \
	assert_true(snprintf(buf, sizeof buf, __VA_ARGS__) < (int)sizeof buf)

static const char other_text[] =
	"auth     required pam_deny.so\n"
	"account  required pam_deny.so\n"
	"password required pam_deny.so\n"
	"session  required pam_deny.so\n";

int pt_setup(void **state)
{
	struct pt_fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	assert_non_null(base_dir);
	FMT(f->dir, "%s/t.XXXXXX", base_dir);
	assert_non_null(mkdtemp(f->dir));
	/* A screen locker (non-root) must reach the config, not the state. */
	assert_int_equal(chmod(f->dir, 0755), 0);
	FMT(f->confdir, "%s/pam.d", f->dir);
	assert_int_equal(mkdir(f->confdir, 0755), 0);
	assert_int_equal(chmod(f->confdir, 0755), 0);
	FMT(f->config, "%s/iampw.conf", f->dir);
	FMT(f->policy, "%s/policy.conf", f->dir);
	FMT(f->state, "%s/state", f->dir);
	FMT(f->profiles, "%s/state/profiles", f->dir);
	FMT(f->module, "%s config=%s policy=%s statedir=%s", module_path,
	    f->config, f->policy, f->state);
	pt_config(f, PT_CONFIG_DEFAULT);
	pt_write(pt_path(f, "pam.d/other"), other_text, 0644);
	pt_shadow(NULL, NULL, 0);
	*state = f;
	return 0;
}

static struct {
	char hash[128];
	long lastchg;
} shadow_entries[sizeof shadow_users / sizeof shadow_users[0]];

void pt_shadow(const char *user, const char *hash, long lastchg)
{
	char path[PATH_MAX], tmp[PATH_MAX], text[4096];
	size_t len = 0;

	for (size_t i = 0; i < sizeof shadow_users / sizeof shadow_users[0]; i++) {
		if (user == NULL) {
			strcpy(shadow_entries[i].hash, "!");
			shadow_entries[i].lastchg = 19000;
		} else if (strcmp(user, shadow_users[i]) == 0) {
			assert_true(strlen(hash) < sizeof shadow_entries[i].hash);
			strcpy(shadow_entries[i].hash, hash);
			shadow_entries[i].lastchg = lastchg;
		}
	}
	for (size_t i = 0; i < sizeof shadow_users / sizeof shadow_users[0]; i++) {
		char lc[32] = "";

		if (shadow_entries[i].lastchg >= 0)
			snprintf(lc, sizeof lc, "%ld", shadow_entries[i].lastchg);
		len += (size_t)snprintf(text + len, sizeof text - len, "%s:%s:%s:0:99999:7:::\n",
					shadow_users[i], shadow_entries[i].hash, lc);
		assert_true(len < sizeof text);
	}
	/* A new file (rename): nss_wrapper notices and reads it again. */
	FMT(path, "%s/shadow", base_dir);
	FMT(tmp, "%s/shadow.new", base_dir);
	pt_write(tmp, text, 0600);
	assert_int_equal(rename(tmp, path), 0);
}

void pt_filter(const struct pt_fx *f, const char *name, const char *words)
{
	char cmd[3 * PATH_MAX];

	pt_write(pt_path(f, "words"), words, 0600);
	snprintf(cmd, sizeof cmd, "pwqfilter --create=100 -o '%s' < '%s' 2>/dev/null",
		 pt_path(f, name), pt_path(f, "words"));
	assert_int_equal(system(cmd), 0);
}

void pt_account(const char *user, struct iampw_acct *a)
{
	struct passwd *pw = getpwnam(user);
	struct spwd *sp = getspnam(user);

	assert_non_null(pw);
	memset(a, 0, sizeof *a);
	a->uid = pw->pw_uid;
	a->gid = pw->pw_gid;
	a->name = user;
	iampw_acct_set_shadow(a, sp != NULL, sp != NULL ? sp->sp_pwdp : NULL,
			      sp != NULL ? sp->sp_lstchg : -1);
}

int pt_teardown(void **state)
{
	struct pt_fx *f = *state;

	assert_int_equal(rmtree(f->dir), 0);
	free(f);
	return 0;
}

void pt_service(const struct pt_fx *f, const char *name, const char *text)
{
	static const char mark[] = "@IAMPW@";
	char out[8192], path[PATH_MAX];
	size_t len = 0;
	const char *p = text, *m;

	while ((m = strstr(p, mark)) != NULL) {
		assert_true(len + (size_t)(m - p) + strlen(f->module) < sizeof out);
		memcpy(out + len, p, (size_t)(m - p));
		len += (size_t)(m - p);
		memcpy(out + len, f->module, strlen(f->module));
		len += strlen(f->module);
		p = m + sizeof mark - 1;
	}
	assert_true(len + strlen(p) < sizeof out);
	memcpy(out + len, p, strlen(p) + 1);
	FMT(path, "%s/%s", f->confdir, name);
	pt_write(path, out, 0644);
}

void pt_config(const struct pt_fx *f, const char *text)
{
	pt_write(f->config, text, 0644);
}

void pt_policy_text(const struct pt_fx *f, const char *text)
{
	pt_write(f->policy, text, 0644);
}

void pt_policy(const struct pt_fx *f, const struct iampw_policy_request *r)
{
	struct iampw_policy p;
	struct iampw_err e;
	char buf[4096];
	int n;

	iampw_err_init(&e);
	if (iampw_policy_from_request(r, &p, &e) != IAMPW_OK)
		fail_msg("policy request: %s", e.text);
	n = iampw_policy_format(&p, buf, sizeof buf);
	assert_true(n > 0 && (size_t)n < sizeof buf);
	pt_policy_text(f, buf);
}

int64_t pt_days_ago(int64_t days)
{
	return (int64_t)time(NULL) - days * 86400 - 3600;
}

void pt_profile_init(struct iampw_profile *p, const char *user, uid_t uid,
		     int64_t last_changed, bool reset_required)
{
	struct iampw_acct a;

	iampw_profile_clear(p);
	assert_true(strlen(user) < sizeof p->user);
	strcpy(p->user, user);
	p->uid = (uint32_t)uid;
	/* Bound to the account's shadow entry as it is now, as the module binds it. */
	if (getpwnam(user) != NULL) {
		pt_account(user, &a);
		memcpy(p->account, a.fp, IAMPW_FP_SIZE);
	} else {
		memset(p->account, '0', IAMPW_FP_SIZE - 1);
	}
	p->create_date = last_changed;
	p->last_changed = last_changed;
	p->reset_required = reset_required;
}

void pt_profile_add_history(const struct pt_fx *f, struct iampw_profile *p,
			    const char *pw, unsigned keep)
{
	struct iampw_config cfg;
	struct iampw_pending pend;
	struct iampw_err e;
	bool reused = false;

	iampw_err_init(&e);
	if (iampw_config_load(f->config, 0, &cfg, &e) != IAMPW_OK ||
	    iampw_history_check(&cfg, p, keep, pw, &pend, &reused, &e) != IAMPW_OK)
		fail_msg("history: %s", e.text);
	assert_false(reused);
	iampw_history_record(p, &pend, keep);
	iampw_wipe(&pend, sizeof pend);
}

void pt_profile_save(const struct pt_fx *f, const struct iampw_profile *p)
{
	struct iampw_store *s = NULL;
	struct iampw_err e;

	iampw_err_init(&e);
	if (iampw_store_open(&s, f->state, true, 0, 0, &e) != IAMPW_OK ||
	    iampw_profile_save(s, p, &e) != IAMPW_OK) {
		iampw_store_close(s);
		fail_msg("saving the profile of %s: %s", p->user, e.text);
	}
	iampw_store_close(s);
}

bool pt_profile_load(const struct pt_fx *f, const char *user,
		     struct iampw_profile *p)
{
	struct iampw_store *s = NULL;
	struct iampw_err e;
	int rc;

	iampw_err_init(&e);
	if (iampw_store_open(&s, f->state, false, 0, 0, &e) != IAMPW_OK)
		fail_msg("opening the store: %s", e.text);
	assert_non_null(getpwnam(user));
	rc = iampw_profile_load(s, getpwnam(user)->pw_uid, p, &e);
	iampw_store_close(s);
	if (rc == IAMPW_E_NOENT)
		return false;
	if (rc != IAMPW_OK)
		fail_msg("loading the profile of %s: %s", user, e.text);
	return true;
}

void pt_profile(const struct pt_fx *f, const char *user, uid_t uid,
		int64_t days, bool reset_required)
{
	struct iampw_profile p;

	pt_profile_init(&p, user, uid, pt_days_ago(days), reset_required);
	pt_profile_save(f, &p);
}

bool pt_history_is(const struct iampw_profile *p, unsigned i, const char *pw)
{
	struct crypt_data *data = calloc(1, sizeof *data);
	const char *h;
	bool same;

	assert_non_null(data);
	assert_true(i < p->nhistory);
	h = crypt_rn(pw, p->salt, data, (int)sizeof *data);
	assert_non_null(h);
	assert_true(h[0] != '*');
	same = strcmp(h, p->history[i]) == 0;
	free(data);
	return same;
}

/* ---------------------------------------------------------------------- */
/* Transactions                                                           */

struct conv_state {
	const struct pt_txn *t;
	struct pt_result *r;
	pam_handle_t *pamh;
	unsigned next;      /* the next answer */
	bool reached;       /* PT-REACHED seen in this step */
};

static bool is_prompt(int style)
{
	return style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON;
}

static void record(struct pt_result *r, int style, const char *text)
{
	if (r->nmsg < PT_MSGS_MAX) {
		r->msg[r->nmsg].style = style;
		snprintf(r->msg[r->nmsg].text, sizeof r->msg[r->nmsg].text, "%s", text);
	}
	r->nmsg++;
}

/* PAM_AUTHTOK as a module sees it: the conversation runs inside one. */
static void probe(struct conv_state *cs)
{
	struct pt_result *r = cs->r;
	const void *tok = NULL;

	if (r->nprobes < PT_PROBES_MAX) {
		if (pam_get_item(cs->pamh, PAM_AUTHTOK, &tok) == PAM_SUCCESS && tok != NULL) {
			r->probe[r->nprobes].set = true;
			snprintf(r->probe[r->nprobes].value,
				 sizeof r->probe[r->nprobes].value, "%s",
				 (const char *)tok);
		}
	}
	r->nprobes++;
}

static void drop_replies(struct pam_response *out, int n)
{
	for (int i = 0; i < n; i++)
		free(out[i].resp);
	free(out);
}

static int converse(int n, const struct pam_message **msg,
		    struct pam_response **resp, void *data)
{
	struct conv_state *cs = data;
	struct pam_response *out;
	bool fail = cs->t->conv_fails;

	*resp = NULL;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	out = calloc((size_t)n, sizeof *out);
	if (out == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		const char *text = msg[i]->msg != NULL ? msg[i]->msg : "";
		int style = msg[i]->msg_style;
		const char *a;

		if (style == PAM_TEXT_INFO && strcmp(text, REACHED_TEXT) == 0) {
			cs->reached = true;
			continue;
		}
		/*
		 * pam_stress (1.5.2) stores resp[0] as the new PAM_AUTHTOK,
		 * which is the reply to its info message: answer that too.
		 */
		if ((style == PAM_TEXT_INFO &&
		     strncmp(text, STRESS_INFO, sizeof STRESS_INFO - 1) == 0) ||
		    (is_prompt(style) && strcasestr(text, "STRESS password") != NULL)) {
			if (style == PAM_TEXT_INFO)
				probe(cs);
			a = cs->t->stress_answer ? cs->t->stress_answer : "stress-probe";
			out[i].resp = strdup(a);
			fail = fail || out[i].resp == NULL;
			continue;
		}
		record(cs->r, style, text);
		if (!is_prompt(style))
			continue;
		cs->r->nprompts++;
		a = cs->next < PT_ANSWERS_MAX ? cs->t->answers[cs->next] : NULL;
		if (a == NULL) {
			/* An unexpected prompt: the case sees it in the record. */
			fail = true;
			continue;
		}
		cs->next++;
		out[i].resp = strdup(a);
		fail = fail || out[i].resp == NULL;
	}
	if (fail) {
		drop_replies(out, n);
		return PAM_CONV_ERR;
	}
	*resp = out;
	return PAM_SUCCESS;
}

/* Take the uids of the case: real `ruid`, effective and saved `euid`. */
static bool become(const struct pt_txn *t)
{
	if (t->ruid != 0 || t->euid != 0) {
		uid_t who = t->euid != 0 ? t->euid : t->ruid;
		struct passwd *pw = getpwuid(who);
		gid_t gid = pw != NULL ? pw->pw_gid : (gid_t)who;

		/* As a setuid-root program run by the user would be. */
		if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0)
			return false;
	}
	return setresuid(t->ruid, t->euid, t->euid) == 0;
}

static int call(pam_handle_t *pamh, const struct pt_step *s)
{
	switch (s->op) {
	case PT_AUTH:
		return pam_authenticate(pamh, s->flags);
	case PT_ACCT:
		return pam_acct_mgmt(pamh, s->flags);
	case PT_CHAUTHTOK:
		return pam_chauthtok(pamh, s->flags);
	case PT_END:
		break;
	}
	return PAM_SYSTEM_ERR;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void __attribute__((noreturn)) child(const struct pt_fx *f,
					    const struct pt_txn *t, int out)
{
	static struct pt_result r;
	struct conv_state cs = { .t = t, .r = &r };
	struct pam_conv conv = { converse, &cs };
	pam_handle_t *pamh = NULL;
	int rc = PAM_SUCCESS;
	double t0;

	memset(&r, 0, sizeof r);
	if (!become(t))
		_exit(3);
	r.start_rc = pam_start_confdir(t->service, t->user, &conv, f->confdir, &pamh);
	if (r.start_rc == PAM_SUCCESS && t->ask_result &&
	    pam_putenv(pamh, IAMPW_RESULT_VAR "=") != PAM_SUCCESS)
		_exit(5);
	if (r.start_rc == PAM_SUCCESS) {
		const char *result;

		cs.pamh = pamh;
		t0 = mono();
		for (unsigned i = 0; i < PT_STEPS_MAX && t->steps[i].op != PT_END; i++) {
			cs.reached = false;
			rc = call(pamh, &t->steps[i]);
			r.stack_rc[i] = rc;
			r.rc[i] = cs.reached ? PAM_IGNORE : rc;
		}
		r.seconds = mono() - t0;
		result = pam_getenv(pamh, IAMPW_RESULT_VAR);
		r.result_set = result != NULL;
		snprintf(r.result, sizeof r.result, "%s", result != NULL ? result : "");
		pam_end(pamh, rc);
	}
	if (!write_all(out, &r, sizeof r))
		_exit(4);
	close(out);
	/* _exit: the parent's cmocka state and atexit handlers stay the parent's. */
	_exit(0);
}

void pt_run(const struct pt_fx *f, const struct pt_txn *t, struct pt_result *r)
{
	int fds[2], status;
	size_t got;
	pid_t pid;

	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child(f, t, fds[1]);
	}
	close(fds[1]);
	memset(r, 0, sizeof *r);
	got = read_all(fds[0], r, sizeof *r);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* Under valgrind a memcheck error makes the child exit 1. */
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("transaction child: %s %d", WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	assert_int_equal(got, sizeof *r);
	assert_int_equal(r->start_rc, PAM_SUCCESS);
}

static const char *style_name(int style)
{
	switch (style) {
	case PAM_PROMPT_ECHO_OFF: return "PROMPT_ECHO_OFF";
	case PAM_PROMPT_ECHO_ON: return "PROMPT_ECHO_ON";
	case PAM_ERROR_MSG: return "ERROR_MSG";
	case PAM_TEXT_INFO: return "TEXT_INFO";
	}
	return "?";
}

void pt_print_conv(const struct pt_result *r)
{
	print_message("# conversation (%u messages):\n", r->nmsg);
	for (unsigned i = 0; i < r->nmsg && i < PT_MSGS_MAX; i++)
		print_message("#   %s \"%s\"\n", style_name(r->msg[i].style), r->msg[i].text);
}

void pt_assert_conv(const struct pt_result *r, ...)
{
	unsigned n = 0;
	bool same = true;
	va_list ap;
	int style;

	va_start(ap, r);
	while ((style = va_arg(ap, int)) != 0) {
		const char *text = va_arg(ap, const char *);

		if (n >= r->nmsg || n >= PT_MSGS_MAX || r->msg[n].style != style ||
		    strcmp(r->msg[n].text, text) != 0) {
			if (same)
				print_message("# expected message %u: %s \"%s\"\n", n + 1,
					      style_name(style), text);
			same = false;
		}
		n++;
	}
	va_end(ap);
	if (n != r->nmsg)
		same = false;
	if (!same) {
		pt_print_conv(r);
		fail_msg("conversation differs (expected %u messages)", n);
	}
}

/* ---------------------------------------------------------------------- */
/* Another writer holding a user's lock                                   */

pid_t pt_lock_hold(const struct pt_fx *f, const char *user, int *release_fd)
{
	int ready[2], rel[2];
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(rel, O_CLOEXEC), 0);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct iampw_store *s = NULL;
		struct iampw_err e;
		int lockfd = -1;
		bool ok;

		close(ready[0]);
		close(rel[1]);
		iampw_err_init(&e);
		ok = iampw_store_open(&s, f->state, true, 0, 0, &e) == IAMPW_OK &&
		     getpwnam(user) != NULL &&
		     iampw_store_lock(s, getpwnam(user)->pw_uid, 1000, &lockfd, &e) == IAMPW_OK;
		if (!write_all(ready[1], ok ? "1" : "0", 1))
			_exit(2);
		/* Hold the lock until the parent closes its end. */
		while (read(rel[0], &c, 1) < 0 && errno == EINTR)
			;
		iampw_store_unlock(lockfd);
		iampw_store_close(s);
		_exit(ok ? 0 : 1);
	}
	close(ready[1]);
	close(rel[0]);
	assert_int_equal(read_all(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_int_equal(c, '1');
	*release_fd = rel[1];
	return pid;
}

void pt_lock_release(pid_t pid, int release_fd)
{
	int status;

	close(release_fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}
