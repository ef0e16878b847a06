/*
 * spshim.so: getspnam_r for the PAM-level tests.
 *
 * nss_wrapper serves getspnam() from NSS_WRAPPER_SHADOW but does not wrap
 * getspnam_r(), which is what pam_modutil_getspnam() (and so the module)
 * calls.  Preloaded after nss_wrapper, this getspnam_r answers from
 * nss_wrapper's getspnam, so a test controls the shadow entries the
 * module sees (SPEC §3.1).  Test-only; never installed.
 */
#include <errno.h>
#include <shadow.h>
#include <string.h>

int getspnam_r(const char *name, struct spwd *sp, char *buf, size_t len,
	       struct spwd **result)
{
	const struct spwd *w = getspnam(name);
	size_t nlen, plen;

	*result = NULL;
	if (w == NULL)
		return 0;
	nlen = strlen(w->sp_namp) + 1;
	plen = strlen(w->sp_pwdp) + 1;
	if (nlen + plen > len)
		return ERANGE;
	*sp = *w;
	sp->sp_namp = memcpy(buf, w->sp_namp, nlen);
	sp->sp_pwdp = memcpy(buf + nlen, w->sp_pwdp, plen);
	*result = sp;
	return 0;
}
