/* libFuzzer target: the iampw.conf loader. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "iampw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iampw_config c, defaults;
	struct iampw_err e;
	static struct fuzz_report r;

	iampw_err_init(&e);
	iampw_config_defaults(&defaults);
	if (iampw_config_parse("fuzz.conf", (const char *)data, size, &c, &e) != IAMPW_OK) {
		/* A refused file says why and leaves nothing half-applied. */
		fuzz_check_report(&e, "fuzz.conf", &r);
		if (e.count == 0 || memcmp(&c, &defaults, sizeof c) != 0)
			abort();
		return 0;
	}
	if (c.min_uid == 0 || c.min_uid > c.max_uid || c.warn_days > 365)
		abort();
	return 0;
}
