/*
 * Load the built pam_iampw.so the way libpam does (dlopen with RTLD_NOW,
 * so an unresolved symbol fails here rather than in the middle of a
 * login) and look at what it exposes: the four PAM entry points, defined
 * by the module itself, and none of its internal names.  Linux-PAM's
 * modules carry the same smoke test (tst-dlopen.c).
 *
 * TAP by hand; the module path comes from -DPAM_IAMPW_SO, or argv[1].
 */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PAM_IAMPW_SO
#error "compile with -DPAM_IAMPW_SO='\"/abs/path/pam_iampw.so\"'"
#endif

static const char *const entry_points[] = {
	"pam_sm_authenticate",
	"pam_sm_setcred",
	"pam_sm_acct_mgmt",
	"pam_sm_chauthtok",
};

/*
 * Internal names, core and glue: hidden by the version script.  If one
 * leaked it could bind to a same-named symbol of the host program or of
 * another module.
 */
static const char *const internal_names[] = {
	"iampw_check_password",
	"iampw_config_load",
	"iampw_policy_load",
	"iampw_store_open",
	"iampw_profile_load",
	"iampw_history_check",
	"iampw_wipe",
	"ctx_new",
	"ctx_load",
	"password_check",
	"password_commit",
	"say",
};

#define N_ENTRY (sizeof entry_points / sizeof entry_points[0])
#define N_INTERNAL (sizeof internal_names / sizeof internal_names[0])

static unsigned test_no;
static unsigned failed;

static void result(int ok, const char *what, const char *name)
{
	test_no++;
	if (!ok)
		failed++;
	printf("%sok %u - %s%s%s\n", ok ? "" : "not ", test_no, what,
	       name != NULL ? " " : "", name != NULL ? name : "");
}

/* Does `addr` lie in the object loaded from `path`? */
static int defined_in(const void *addr, const char *path)
{
	char want[PATH_MAX], got[PATH_MAX];
	Dl_info info;

	if (dladdr(addr, &info) == 0 || info.dli_fname == NULL)
		return 0;
	if (realpath(path, want) == NULL || realpath(info.dli_fname, got) == NULL)
		return 0;
	return strcmp(want, got) == 0;
}

int main(int argc, char **argv)
{
	const char *so = argc > 1 ? argv[1] : PAM_IAMPW_SO;
	void *h;

	printf("1..%u\n", (unsigned)(1 + N_ENTRY + N_INTERNAL + 1));
	printf("# module: %s\n", so);

	h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	result(h != NULL, "dlopen(RTLD_NOW) resolves every symbol", NULL);
	if (h == NULL) {
		printf("# %s\n", dlerror());
		printf("Bail out! the module does not load\n");
		return 1;
	}

	for (size_t i = 0; i < N_ENTRY; i++) {
		void *sym;

		dlerror();
		sym = dlsym(h, entry_points[i]);
		result(sym != NULL && defined_in(sym, so),
		       "exports, and defines,", entry_points[i]);
		if (sym == NULL)
			printf("# %s\n", dlerror());
		else if (!defined_in(sym, so))
			printf("# found, but in another object\n");
	}

	for (size_t i = 0; i < N_INTERNAL; i++) {
		void *sym = dlsym(h, internal_names[i]);
		Dl_info info;

		result(sym == NULL, "hides", internal_names[i]);
		if (sym != NULL && dladdr(sym, &info) != 0 && info.dli_fname != NULL)
			printf("# found in %s\n", info.dli_fname);
	}

	result(dlclose(h) == 0, "dlclose", NULL);
	if (failed != 0)
		printf("# %u of %u failed\n", failed, test_no);
	return failed == 0 ? 0 : 1;
}
