/*
 * libFuzzer target: the virtual MFA device loader (lib/mfa.c).  A device
 * that loads must be written back by our own serialiser into something
 * that loads to the same struct, and must never hold a drift or a uid
 * the writer would refuse.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iampw_mfa_device d, again;
	struct iampw_err e;
	static struct fuzz_report r;
	static char buf[4096];
	int n;

	iampw_err_init(&e);
	if (iampw_mfa_parse("dev", "fuzz", (const char *)data, size, &d, &e) != IAMPW_OK) {
		fuzz_check_report(&e, "fuzz", &r);
		if (e.count == 0)
			abort();
		return 0;
	}
	n = iampw_mfa_format(&d, buf, sizeof buf);
	if (n < 0)
		abort();
	iampw_err_init(&e);
	if (iampw_mfa_parse("dev", "again", buf, (size_t)n, &again, &e) != IAMPW_OK ||
	    memcmp(&d, &again, sizeof d) != 0)
		abort();
	iampw_mfa_clear(&d);
	iampw_mfa_clear(&again);
	return 0;
}
