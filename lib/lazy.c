/*
 * libunistring and liboath, bound when first needed.
 *
 * PAM loads pam_iampw.so afresh for every transaction, and the dynamic
 * linker resolves every relocation of every library the module needs
 * before the first line of ours runs.  libunistring alone brings about
 * 1,200 of them, liboath 120: together they cost more instructions than
 * pam_unix spends on a whole account check (docs/BENCHMARKS.md, figure
 * 3), yet only a password change (Unicode case folding, SPEC 4.3 and 9.1)
 * and the MFA step (TOTP, SPEC 10) use them.  So the module's copy of the
 * core (IAMPW_MODULE) does not link them: it opens each by its soname,
 * found by configure, the first time a caller asks, and closes it when
 * the module itself is unloaded.  The dynamic linker searches exactly as
 * for a library the module links (no RUNPATH; LD_LIBRARY_PATH is ignored
 * in setuid programs), RTLD_LOCAL keeps the symbols out of the host's
 * namespace, and a library that cannot be loaded is an error the caller
 * fails closed on.  The admin tool, the tests and fuzzers link both
 * libraries as usual, and the same tables point at them directly.
 */
#include "config.h"

#include "internal.h"
#include "lazy.h"

#ifdef IAMPW_MODULE

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct lazy {
	const char *soname;
	const char *const *symbols;   /* in the order of the table's members */
	void **table;
	size_t n;
	pthread_once_t once;
	void *handle;
	char error[256];              /* why the library could not be bound */
};

static struct iampw_uni uni;
static const char *const uni_symbols[] = {
	"u8_check", "u8_casefold", "u8_mbtouc", "uc_is_alpha",
	"uc_is_general_category", "UC_CATEGORY_M",
};

static struct iampw_oath oath;
static const char *const oath_symbols[] = {
	"oath_base32_decode", "oath_base32_encode", "oath_totp_generate",
	"oath_strerror",
};

_Static_assert(sizeof uni == sizeof uni_symbols / sizeof uni_symbols[0] * sizeof(void *),
	       "one symbol name per member of struct iampw_uni");
_Static_assert(sizeof oath == sizeof oath_symbols / sizeof oath_symbols[0] * sizeof(void *),
	       "one symbol name per member of struct iampw_oath");

static struct lazy lazy_uni = {
	UNISTRING_SONAME, uni_symbols, (void **)&uni,
	sizeof uni_symbols / sizeof uni_symbols[0], PTHREAD_ONCE_INIT, NULL, ""
};
static struct lazy lazy_oath = {
	OATH_SONAME, oath_symbols, (void **)&oath,
	sizeof oath_symbols / sizeof oath_symbols[0], PTHREAD_ONCE_INIT, NULL, ""
};

static void bind_all(struct lazy *l)
{
	const char *why;

	l->handle = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (l->handle == NULL) {
		why = dlerror();
		snprintf(l->error, sizeof l->error, "%s", why != NULL ? why : "dlopen failed");
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		/* Function and data pointers share a representation on every target of ours. */
		void *p = dlsym(l->handle, l->symbols[i]);

		if (p == NULL) {
			snprintf(l->error, sizeof l->error, "%s: no symbol %s", l->soname,
				 l->symbols[i]);
			memset(l->table, 0, l->n * sizeof(void *));
			dlclose(l->handle);
			l->handle = NULL;
			return;
		}
		l->table[i] = p;
	}
}

static void bind_uni(void)
{
	bind_all(&lazy_uni);
}

static void bind_oath(void)
{
	bind_all(&lazy_oath);
}

static const void *get(struct lazy *l, void (*once)(void), const void *table,
		       struct iampw_err *e)
{
	if (pthread_once(&l->once, once) != 0 || l->handle == NULL) {
		iampw_err_add(e, IAMPW_E_IO, "cannot load %s: %s", l->soname,
			      l->error[0] != '\0' ? l->error : "pthread_once failed");
		return NULL;
	}
	return table;
}

const struct iampw_uni *iampw_uni(struct iampw_err *e)
{
	return get(&lazy_uni, bind_uni, &uni, e);
}

const struct iampw_oath *iampw_oath(struct iampw_err *e)
{
	return get(&lazy_oath, bind_oath, &oath, e);
}

/* The module is being unloaded (pam_end): let the libraries go with it. */
__attribute__((destructor)) static void lazy_unload(void)
{
	if (lazy_uni.handle != NULL)
		dlclose(lazy_uni.handle);
	if (lazy_oath.handle != NULL)
		dlclose(lazy_oath.handle);
	lazy_uni.handle = lazy_oath.handle = NULL;
}

#else /* linked as usual */

static const struct iampw_uni uni = {
	u8_check, u8_casefold, u8_mbtouc, uc_is_alpha, uc_is_general_category,
	&UC_CATEGORY_M,
};

static const struct iampw_oath oath = {
	oath_base32_decode, oath_base32_encode, oath_totp_generate, oath_strerror,
};

const struct iampw_uni *iampw_uni(struct iampw_err *e)
{
	(void)e;
	return &uni;
}

const struct iampw_oath *iampw_oath(struct iampw_err *e)
{
	(void)e;
	return &oath;
}

#endif
