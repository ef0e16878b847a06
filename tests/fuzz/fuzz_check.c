/*
 * libFuzzer target: the password checker under random policies, with
 * or without the context rule of [screening] (byte 2, bit 4).
 * Input: 4 policy bytes, then user NUL gecos NUL host NUL password.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "iampw.h"

/* Take the next NUL-terminated field of [*p, end) into a fresh string. */
static char *field(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nul = memchr(*p, 0, (size_t)(end - *p));
	size_t n = nul != NULL ? (size_t)(nul - *p) : (size_t)(end - *p);
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += n + (nul != NULL);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data + 4, *end = data + size;
	struct iampw_policy pol;
	struct iampw_identity id;
	struct iampw_check r;
	char *user, *gecos, *host, *pw;
	char msg[2048];
	int n;

	if (size < 4)
		return 0;
	if (data[0] & 1) {
		iampw_policy_custom_defaults(&pol);
		pol.min_length = IAMPW_MIN_LENGTH_MIN +
			data[1] % (IAMPW_MIN_LENGTH_MAX - IAMPW_MIN_LENGTH_MIN + 1);
		pol.require_symbols = data[2] & 1;
		pol.require_numbers = data[2] & 2;
		pol.require_uppercase = data[2] & 4;
		pol.require_lowercase = data[2] & 8;
		pol.min_classes = data[3] % 5;
	} else {
		iampw_policy_default(&pol);
	}
	user = field(&p, end);
	gecos = field(&p, end);
	host = field(&p, end);
	pw = field(&p, end);
	id.user = user;
	id.gecos = gecos;
	id.host = host;
	iampw_check_password(&pol, &id, pw, &r);
	/* Bit 4 of byte 2: the context rule too, which adds nothing else. */
	if (data[2] & 16) {
		struct iampw_check plain = r;
		struct iampw_screen scr;
		struct iampw_err e;

		iampw_screen_init(&scr);
		scr.context = true;
		iampw_err_init(&e);
		if (iampw_check_screened(&pol, &id, &scr, pw, &r, &e) != IAMPW_OK ||
		    (r.failed & ~(uint32_t)IAMPW_R_CONTEXT) != plain.failed)
			abort();
	}
	n = iampw_check_message(&r, msg, sizeof msg);
	/* A message exists exactly when a rule failed, and it always fits. */
	if (n < 0 || (size_t)n >= sizeof msg || (r.failed == 0) != (n == 0))
		abort();
	if (strlen(pw) > IAMPW_PASSWORD_BYTES_MAX && r.failed != IAMPW_R_INPUT_TOO_LONG)
		abort();
	free(user);
	free(gecos);
	free(host);
	iampw_wipe_free(pw);
	return 0;
}
