/*
 * profq: read one login profile through the core's strict loader and
 * print it, for the reliability tests.
 *
 *   profq STATEDIR USER [PASSWORD...]
 *
 * USER is an account name (its profile is filed under its uid) or a uid.
 * Prints "user=U uid=N reset=0|1 changed=T used=T history=N", then for
 * each PASSWORD the index of the history entry it hashes to, or -1:
 * "match PASSWORD_NUMBER INDEX" (the password itself is never printed).
 * Exits 0 when the profile loaded, 1 when there is none, 2 when it is
 * refused (the reason on stderr), 99 on a usage error.
 */
#include "config.h"

#include <crypt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int main(int argc, char **argv)
{
	struct iampw_store *s = NULL;
	struct iampw_profile p;
	struct iampw_err e;
	struct crypt_data *cd;
	int rc;

	if (argc < 3) {
		fputs("usage: profq STATEDIR USER [PASSWORD...]\n", stderr);
		return 99;
	}
	iampw_err_init(&e);
	rc = iampw_store_open(&s, argv[1], false, 0, 0, &e);
	if (rc != IAMPW_OK) {
		fprintf(stderr, "%s\n", e.text);
		return 2;
	}
	struct passwd *pw = getpwnam(argv[2]);
	uid_t uid;

	if (pw != NULL)
		uid = pw->pw_uid;
	else if (!iampw_profile_file_uid(argv[2], &uid))
		return 1;
	rc = iampw_profile_load(s, uid, &p, &e);
	iampw_store_close(s);
	if (rc == IAMPW_E_NOENT)
		return 1;
	if (rc != IAMPW_OK) {
		fprintf(stderr, "%s\n", e.text);
		return 2;
	}
	printf("user=%s uid=%u reset=%d changed=%lld used=%lld history=%u\n", p.user,
	       (unsigned)p.uid, p.reset_required, (long long)p.last_changed,
	       (long long)p.last_used, p.nhistory);
	cd = calloc(1, sizeof *cd);
	if (cd == NULL)
		return 99;
	for (int i = 3; i < argc; i++) {
		const char *h = p.nhistory > 0 ?
			crypt_rn(argv[i], p.salt, cd, (int)sizeof *cd) : NULL;
		int at = -1;

		for (unsigned j = 0; h != NULL && h[0] != '*' && j < p.nhistory; j++) {
			if (strcmp(h, p.history[j]) == 0) {
				at = (int)j;
				break;
			}
		}
		printf("match %d %d\n", i - 2, at);
	}
	free(cd);
	iampw_profile_clear(&p);
	return 0;
}
