/*
 * libFuzzer target: a PAM service file as Debian's libpam reads it
 * (iampw-admin/pamstack.c): the line reader, the control parser and the
 * walk of the auth stack for every answer each module may give.  The
 * verdict must come with a reason exactly when MFA is not proven, on one
 * line (it becomes a row of check's text output).  Includes name a
 * directory that does not exist.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pamstack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pamstack_query q = {
		.pamd_dir = "/nonexistent/pam.d",
		.dist_dir = NULL,
		.owner = 0,
		.config = IAMPW_SYSCONFDIR "/iampw.conf",
		.state_dir = IAMPW_STATEDIR,
	};
	char why[PAMSTACK_WHY_SIZE], *copy;
	bool password, proven;
	FILE *f;

	if (size == 0)
		return 0;
	copy = malloc(size);
	if (copy == NULL)
		abort();
	memcpy(copy, data, size);
	f = fmemopen(copy, size, "r");
	if (f == NULL)
		abort();
	proven = pamstack_mfa_file(&q, f, "fuzz", &password, why, sizeof why);
	fclose(f);
	free(copy);
	if (proven != (why[0] == '\0') || strchr(why, '\n') != NULL)
		abort();
	return 0;
}
