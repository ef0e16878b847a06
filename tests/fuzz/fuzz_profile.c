/*
 * libFuzzer target: the profile loader.  Its reader of the serialiser's
 * exact text and the scanner must agree on every input (result, struct,
 * messages); a profile that loads must be written back by our own
 * serialiser into something that loads to the same struct.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iampw_profile p, again, scanned;
	static struct iampw_err e, es;
	static struct fuzz_report r, rs;
	static char buf[16384];
	int n, rc;

	iampw_err_init(&e);
	iampw_err_init(&es);
	rc = iampw_profile_parse("fuzz", (const char *)data, size, &p, &e);
	if (iampw_profile_parse_scanned("fuzz", (const char *)data, size, &scanned, &es) != rc ||
	    memcmp(&p, &scanned, sizeof p) != 0 || strcmp(e.text, es.text) != 0)
		abort();
	/* The same problems, field by field, not just the same words. */
	fuzz_check_report(&e, "fuzz", &r);
	fuzz_check_report(&es, "fuzz", &rs);
	if (r.flen != rs.flen || memcmp(r.fields, rs.fields, r.flen) != 0)
		abort();
	if (rc != IAMPW_OK) {
		if (e.count == 0)
			abort();
		return 0;
	}
	n = iampw_profile_format(&p, buf, sizeof buf);
	if (n < 0)
		abort();
	iampw_err_init(&e);
	if (iampw_profile_parse("again", buf, (size_t)n, &again, &e) != IAMPW_OK ||
	    memcmp(&p, &again, sizeof p) != 0)
		abort();
	return 0;
}
