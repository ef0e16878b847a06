/* Which accounts the policy governs (SPEC §3 [scope]). */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Look the group up with getgrnam_r, growing the buffer as NSS asks. */
static int group_has(const char *group, const char *user, gid_t gid, bool *member,
		     struct iampw_err *e)
{
	struct group gr, *res = NULL;
	size_t size = 1024;
	char *buf = malloc(size);
	int rc;

	if (buf == NULL)
		return iampw_err_add(e, IAMPW_E_NOMEM, "out of memory");
	while ((rc = getgrnam_r(group, &gr, buf, size, &res)) == ERANGE &&
	       (rc = iampw_nss_grow(&buf, &size)) == 0)
		;
	/* getgrnam_r(3): these also mean "not found", depending on the NSS module. */
	if (rc == ENOMEM) {
		free(buf);
		return iampw_err_add(e, IAMPW_E_NOMEM, "out of memory");
	}
	if (rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
		res = NULL;
	else if (rc != 0) {
		free(buf);
		return iampw_err_add(e, IAMPW_E_IO, "group '%s': lookup failed: %s",
				     group, iampw_errstr(rc));
	}
	if (res == NULL) {
		free(buf);
		return iampw_err_add(e, IAMPW_E_PARSE,
				     "[scope] group '%s' does not exist", group);
	}
	*member = gr.gr_gid == gid;
	for (char **m = gr.gr_mem; !*member && m != NULL && *m != NULL; m++)
		*member = strcmp(*m, user) == 0;
	free(buf);
	return IAMPW_OK;
}

int iampw_in_scope(const struct iampw_config *c, const char *user, uid_t uid,
		   gid_t gid, bool *in, struct iampw_err *e)
{
	*in = false;
	if (uid == 0 || uid < c->min_uid || uid > c->max_uid)
		return IAMPW_OK;
	if (c->group[0] == '\0') {
		*in = true;
		return IAMPW_OK;
	}
	return group_has(c->group, user, gid, in, e);
}
