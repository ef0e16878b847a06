/*
 * libFuzzer target: the policy.conf loader.  Besides not crashing, a
 * policy that loads must survive a trip through our own writer unchanged.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "iampw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iampw_policy p, again;
	struct iampw_err e;
	static struct fuzz_report r;
	char buf[2048];
	int n;

	iampw_err_init(&e);
	if (iampw_policy_parse("fuzz.conf", (const char *)data, size, &p, &e) != IAMPW_OK) {
		fuzz_check_report(&e, "fuzz.conf", &r);
		if (e.count == 0)
			abort();	/* every refusal must say why */
		return 0;
	}
	if (!p.custom)
		return 0;
	n = iampw_policy_format(&p, buf, sizeof buf);
	if (n < 0)
		abort();
	iampw_err_init(&e);
	if (iampw_policy_parse("again.conf", buf, (size_t)n, &again, &e) != IAMPW_OK ||
	    memcmp(&p, &again, sizeof p) != 0)
		abort();
	return 0;
}
