/*
 * libFuzzer target: the pwqfilter filter reader (header checks and bucket
 * decoding).  Input: a filter file, opened from a memfd, then looked up
 * with a few passwords: whatever the bytes, an open either fails with a
 * message or gives a filter whose size matches its header, and a lookup
 * either answers or fails with the password still counted as listed.
 */
#include "config.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const pws[] = { "", "123456", "password", "x\ny", "\xe9t\xe9\x80" };
	struct iampw_blocklist b;
	struct iampw_err e;
	int fd = memfd_create("fuzz.pwq", MFD_CLOEXEC);

	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size))
		abort();
	iampw_err_init(&e);
	if (iampw_blocklist_open_fd(&b, fd, "fuzz.pwq", &e) != IAMPW_OK) {
		if (e.count == 0 || b.fd != -1)
			abort();
		return 0;
	}
	if (b.bucket_size < 2 || b.bucket_size > 4 || b.threshold > b.bucket_size ||
	    64 + 16 * (uint64_t)b.nbuckets != size)
		abort();
	for (size_t i = 0; i < sizeof pws / sizeof pws[0]; i++) {
		bool listed = false;

		if (iampw_blocklist_lookup(&b, pws[i], &listed, &e) != IAMPW_OK && !listed)
			abort();
	}
	iampw_blocklist_close(&b);
	return 0;
}
