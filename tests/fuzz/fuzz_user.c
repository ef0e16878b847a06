/*
 * libFuzzer target: account names and profile file names.
 *
 * Profiles are filed under the account's uid, so a name from PAM, NSS or
 * argv never becomes a path; it is recorded inside the profile, %XX-
 * encoded, and shown in logs with control bytes escaped.  Input: any
 * bytes, taken as a C string (up to the first NUL).  Checks:
 *  - encode then decode gives the same bytes back, for every name
 *    iampw_user_name_valid() accepts (1..IAMPW_NAME_MAX bytes), and the
 *    encoded form holds only bytes the strict INI scanner accepts in a
 *    value (no ';', '#', quotes, blanks, controls or non-ASCII);
 *  - decode accepts only what encode writes: decode(x) succeeding means
 *    encode(decode(x)) == x (one spelling per name);
 *  - the displayed form has no control byte and is NUL-terminated within
 *    its buffer;
 *  - iampw_profile_file_uid() accepts exactly the plain decimal uids
 *    that iampw_profile_file_name() writes.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

static void check_encoding(const char *name)
{
	char enc[IAMPW_NAME_ENCODED_MAX + 1], dec[IAMPW_NAME_MAX + 1];
	bool valid = iampw_user_name_valid(name);
	int rc = iampw_name_encode(name, enc, sizeof enc);

	if (valid != (rc == IAMPW_OK))
		abort();
	if (!valid)
		return;
	for (const char *p = enc; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || c == ';' || c == '#' || c == '"' ||
		    c == '\'' || c == '\\' || c == '=')
			abort();
	}
	if (iampw_name_decode(enc, dec) != IAMPW_OK || strcmp(dec, name) != 0)
		abort();
}

static void check_decoding(const char *in)
{
	char enc[IAMPW_NAME_ENCODED_MAX + 1], dec[IAMPW_NAME_MAX + 1];

	if (iampw_name_decode(in, dec) != IAMPW_OK)
		return;
	if (iampw_name_encode(dec, enc, sizeof enc) != IAMPW_OK || strcmp(enc, in) != 0)
		abort();
}

static void check_display(const char *name)
{
	char out[IAMPW_NAME_SHOWN];

	iampw_name_display(name, out);
	if (memchr(out, '\0', sizeof out) == NULL)
		abort();
	for (const char *p = out; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	}
}

static void check_file_name(const char *s)
{
	char back[IAMPW_UID_NAME_SIZE];
	uid_t uid;

	if (!iampw_profile_file_uid(s, &uid))
		return;
	if (!iampw_profile_file_name(uid, back) || strcmp(back, s) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = malloc(size + 1);

	if (name == NULL)
		abort();
	memcpy(name, data, size);
	name[size] = '\0';
	check_encoding(name);
	check_decoding(name);
	check_display(name);
	check_file_name(name);
	free(name);
	return 0;
}
