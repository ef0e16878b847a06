/*
 * libunistring and liboath through tables of their functions: bound at
 * first use in the PAM module, linked as usual everywhere else
 * (lib/lazy.c explains why).  Not installed.
 */
#ifndef IAMPW_LAZY_H
#define IAMPW_LAZY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <liboath/oath.h>
#include <unicase.h>
#include <unictype.h>
#include <unistr.h>

#include "iampw.h"

/* Members are pointers only, in the order lib/lazy.c names their symbols. */
struct iampw_uni {
	const uint8_t *(*u8_check)(const uint8_t *s, size_t n);
	uint8_t *(*u8_casefold)(const uint8_t *s, size_t n, const char *iso639_language,
				uninorm_t nf, uint8_t *resultbuf, size_t *lengthp);
	int (*u8_mbtouc)(ucs4_t *puc, const uint8_t *s, size_t n);
	bool (*uc_is_alpha)(ucs4_t uc);
	bool (*uc_is_general_category)(ucs4_t uc, uc_general_category_t category);
	const uc_general_category_t *category_m;
};

struct iampw_oath {
	int (*base32_decode)(const char *in, size_t inlen, char **out, size_t *outlen);
	int (*base32_encode)(const char *in, size_t inlen, char **out, size_t *outlen);
	int (*totp_generate)(const char *secret, size_t secret_length, time_t now,
			     unsigned time_step_size, time_t start_offset,
			     unsigned digits, char *output_otp);
	const char *(*strerror)(int err);
};

/*
 * The table, or NULL with a message in `e` (which may be NULL) when the
 * library cannot be loaded: the caller fails closed.
 */
const struct iampw_uni *iampw_uni(struct iampw_err *e);
const struct iampw_oath *iampw_oath(struct iampw_err *e);

#endif
