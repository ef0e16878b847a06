/*
 * Virtual MFA devices (SPEC §10): RFC 6238's own test vectors through
 * liboath, the +-1 step window, drift and replay at a fixed clock, the
 * two-code check of enable/resync, the strict device file, and the store
 * (0600 files, hostile entries, two devices for one uid).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"
#include "internal.h"

/* RFC 6238 appendix B's SHA-1 key: "12345678901234567890" (20 bytes). */
static void rfc_device(struct iampw_mfa_device *d)
{
	iampw_mfa_clear(d);
	strcpy(d->name, "rfc");
	memcpy(d->seed, "12345678901234567890", IAMPW_MFA_SEED_BYTES);
	d->create_date = 1;
}

static void code_of(const struct iampw_mfa_device *d, int64_t t, char out[7])
{
	struct iampw_err e;

	iampw_err_init(&e);
	assert_int_equal(iampw_mfa_code(d, (uint64_t)(t / IAMPW_MFA_STEP), out, &e), IAMPW_OK);
}

/* RFC 6238 appendix B, SHA-1, the last 6 of its 8 digits (the same truncation). */
static void rfc6238_vectors(void **state)
{
	static const struct { int64_t t; const char *code; } v[] = {
		{ 59, "287082" }, { 1111111109, "081804" }, { 1111111111, "050471" },
		{ 1234567890, "005924" }, { 2000000000, "279037" },
	};
	struct iampw_mfa_device d;
	char c[7];

	(void)state;
	rfc_device(&d);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		code_of(&d, v[i].t, c);
		assert_string_equal(c, v[i].code);
	}
}

static enum iampw_mfa_verdict verify(struct iampw_mfa_device *d, const char *code, int64_t now)
{
	enum iampw_mfa_verdict v;
	struct iampw_err e;

	iampw_err_init(&e);
	assert_int_equal(iampw_mfa_verify(d, code, now, &v, &e), IAMPW_OK);
	return v;
}

#define NOW INT64_C(1796548667)

static void window_plus_minus_one(void **state)
{
	struct iampw_mfa_device d;
	char c[7];

	(void)state;
	for (int off = -3; off <= 3; off++) {
		rfc_device(&d);
		code_of(&d, NOW + off * IAMPW_MFA_STEP, c);
		if (off >= -1 && off <= 1) {
			assert_int_equal(verify(&d, c, NOW), IAMPW_MFA_ACCEPT);
			assert_int_equal(d.last_step, (uint64_t)(NOW / IAMPW_MFA_STEP + off));
		} else {
			assert_int_equal(verify(&d, c, NOW), IAMPW_MFA_REJECT);
			assert_int_equal(d.last_step, 0);
		}
	}
}

static void replay_refused(void **state)
{
	struct iampw_mfa_device d;
	char now_code[7], before[7], after[7];

	(void)state;
	rfc_device(&d);
	code_of(&d, NOW, now_code);
	code_of(&d, NOW - IAMPW_MFA_STEP, before);
	code_of(&d, NOW + IAMPW_MFA_STEP, after);
	assert_int_equal(verify(&d, now_code, NOW), IAMPW_MFA_ACCEPT);
	/* The same code, at once or 20 s later: a replay; *d unchanged. */
	assert_int_equal(verify(&d, now_code, NOW), IAMPW_MFA_REPLAY);
	assert_int_equal(verify(&d, now_code, NOW + 20), IAMPW_MFA_REPLAY);
	assert_int_equal(d.last_step, (uint64_t)(NOW / IAMPW_MFA_STEP));
	/* An older code of the window is a replay too; a newer one is not. */
	assert_int_equal(verify(&d, before, NOW), IAMPW_MFA_REPLAY);
	assert_int_equal(verify(&d, after, NOW), IAMPW_MFA_ACCEPT);
}

static void malformed_codes_rejected(void **state)
{
	static const char *const bad[] = {
		"", "12345", "1234567", "12345a", " 12345", "123456 ", "+12345", "-12345",
	};
	struct iampw_mfa_device d;

	(void)state;
	rfc_device(&d);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_false(iampw_mfa_code_valid(bad[i]));
		assert_int_equal(verify(&d, bad[i], NOW), IAMPW_MFA_REJECT);
	}
	assert_false(iampw_mfa_code_valid(NULL));
	assert_true(iampw_mfa_code_valid("000000"));
	/* Before the epoch, or beyond year 9999: nothing is accepted. */
	assert_int_equal(verify(&d, "000000", -30), IAMPW_MFA_REJECT);
}

static void drift_shifts_the_window(void **state)
{
	struct iampw_mfa_device d;
	char c[7];

	(void)state;
	rfc_device(&d);
	d.drift = 10;
	code_of(&d, NOW, c);
	assert_int_equal(verify(&d, c, NOW), IAMPW_MFA_REJECT);
	code_of(&d, NOW + 10 * IAMPW_MFA_STEP, c);
	assert_int_equal(verify(&d, c, NOW), IAMPW_MFA_ACCEPT);
	d.drift = -5;
	d.last_step = 0;
	code_of(&d, NOW - 6 * IAMPW_MFA_STEP, c);
	assert_int_equal(verify(&d, c, NOW), IAMPW_MFA_ACCEPT);
}

static enum iampw_mfa_verdict pair(struct iampw_mfa_device *d, int64_t t1, int64_t t2,
				   int64_t now, unsigned window)
{
	enum iampw_mfa_verdict v;
	struct iampw_err e;
	char c1[7], c2[7];

	iampw_err_init(&e);
	code_of(d, t1, c1);
	code_of(d, t2, c2);
	assert_int_equal(iampw_mfa_verify_pair(d, c1, c2, now, window, &v, &e), IAMPW_OK);
	return v;
}

static void two_consecutive_codes(void **state)
{
	const int64_t s = IAMPW_MFA_STEP;
	struct iampw_mfa_device d;

	(void)state;
	rfc_device(&d);
	assert_int_equal(pair(&d, NOW - s, NOW, NOW, 1), IAMPW_MFA_ACCEPT);
	assert_int_equal(d.last_step, (uint64_t)(NOW / s));
	assert_int_equal(d.drift, 0);
	/* The same pair again: replay. */
	assert_int_equal(pair(&d, NOW - s, NOW, NOW, 1), IAMPW_MFA_REPLAY);
	/* Not consecutive, reversed, or the same code twice. */
	rfc_device(&d);
	assert_int_equal(pair(&d, NOW - 2 * s, NOW, NOW, 1), IAMPW_MFA_REJECT);
	assert_int_equal(pair(&d, NOW, NOW - s, NOW, 1), IAMPW_MFA_REJECT);
	assert_int_equal(pair(&d, NOW, NOW, NOW, 1), IAMPW_MFA_REJECT);
	/* Out of the enable window, inside resync's; resync records the drift. */
	assert_int_equal(pair(&d, NOW + 9 * s, NOW + 10 * s, NOW, 1), IAMPW_MFA_REJECT);
	assert_int_equal(d.last_step, 0);
	assert_int_equal(pair(&d, NOW + 9 * s, NOW + 10 * s, NOW, IAMPW_MFA_RESYNC_WINDOW),
			 IAMPW_MFA_ACCEPT);
	assert_int_equal(d.drift, 10);
	assert_int_equal(d.last_step, (uint64_t)(NOW / s + 10));
}

/* ---------------------------------------------------------------------- */
/* The file format                                                        */

#define SEED_LINE "seed = GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n"

static int parse(const char *text, struct iampw_mfa_device *d, struct iampw_err *e)
{
	iampw_err_init(e);
	return iampw_mfa_parse("dev", "dev-file", text, strlen(text), d, e);
}

static void format_round_trip(void **state)
{
	struct iampw_mfa_device d, again;
	struct iampw_err e;
	char buf[2048];
	int n;

	(void)state;
	iampw_err_init(&e);
	rfc_device(&d);
	strcpy(d.name, "alice@corp.example");
	n = iampw_mfa_format(&d, buf, sizeof buf);
	assert_true(n > 0);
	assert_non_null(strstr(buf, SEED_LINE));
	assert_null(strstr(buf, "uid"));
	assert_int_equal(iampw_mfa_parse("alice@corp.example", "x", buf, (size_t)n, &again, &e),
			 IAMPW_OK);
	assert_memory_equal(&d, &again, sizeof d);
	d.assigned = true;
	d.uid = 1001;
	strcpy(d.user, "m.\xc3\xa9lodie@corp");
	d.enable_date = 1763809200;
	d.last_step = 58793640;
	d.drift = -3;
	n = iampw_mfa_format(&d, buf, sizeof buf);
	assert_true(n > 0);
	assert_int_equal(iampw_mfa_parse("alice@corp.example", "x", buf, (size_t)n, &again, &e),
			 IAMPW_OK);
	assert_memory_equal(&d, &again, sizeof d);
	/* The writer refuses what the reader would refuse. */
	d.drift = IAMPW_MFA_DRIFT_MAX + 1;
	assert_true(iampw_mfa_format(&d, buf, sizeof buf) < 0);
	d.drift = 0;
	d.uid = 0;
	assert_true(iampw_mfa_format(&d, buf, sizeof buf) < 0);
}

static void hostile_files_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"[device]\ncreate_date = 1\n",                          /* no seed */
		"[device]\n" SEED_LINE,                                 /* no create_date */
		"[device]\nseed = GEZDGNBVGY3TQOJQ\ncreate_date = 1\n", /* short seed */
		"[device]\nseed = gezdgnbvgy3tqojqgezdgnbvgy3tqojq\ncreate_date = 1\n",
		"[device]\nseed = GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1\ncreate_date = 1\n",
		"[device]\n" SEED_LINE "create_date = 1\ncolour = red\n",
		"[device]\n" SEED_LINE SEED_LINE "create_date = 1\n",
		"[device]\n" SEED_LINE "create_date = 01\n",
		"[device]\n" SEED_LINE "create_date = 1\ndrift = 5\n", /* unassigned */
		"[device]\n" SEED_LINE "create_date = 1\nuser = alice\n",
		"[device]\n" SEED_LINE "create_date = 1\nuid = 1001\nenable_date = 1\nlast_step = 0\n",
		"[device]\n" SEED_LINE "create_date = 1\nuid = 0\nuser = root\nenable_date = 1\nlast_step = 0\n",
		"[device]\n" SEED_LINE "create_date = 1\nuid = 1001\nuser = a/b\nenable_date = 1\nlast_step = 0\n",
		"[device]\n" SEED_LINE "create_date = 1\nuid = 1001\nuser = a\nenable_date = 1\nlast_step = 0\ndrift = 9999\n",
		"[device]\n" SEED_LINE "create_date = 1\nuid = 1001\nuser = a\nenable_date = 1\nlast_step = 0\ndrift = -0\n",
		"[device]\n" SEED_LINE "create_date = 1\nuid = 1001\nuser = a\nenable_date = 1\nlast_step = 0\ndrift = +1\n",
		"[profile]\n" SEED_LINE "create_date = 1\n",
		"[device]\n" SEED_LINE "create_date = 1\n[device]\n",
		"[device]\nseed = GEZDGNBVGY3TQOJQ\0GEZDGNBVGY3TQOJQ\ncreate_date = 1\n",
	};
	struct iampw_mfa_device d;
	struct iampw_err e;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse(bad[i], &d, &e) == IAMPW_OK)
			fail_msg("accepted case %zu", i);
		assert_true(e.count > 0);
		/* Never the seed in a message. */
		assert_null(strstr(e.text, "GEZDGNBVGY3TQOJQ"));
	}
	/* The good one, to show the cases differ from it by their flaw only. */
	assert_int_equal(parse("[device]\n" SEED_LINE "create_date = 1\nuid = 1001\nuser = a\n"
			       "enable_date = 1\nlast_step = 0\ndrift = -2\n", &d, &e), IAMPW_OK);
	assert_int_equal(d.drift, -2);
	assert_true(d.assigned);
}

static void device_names(void **state)
{
	char longest[IAMPW_MFA_NAME_MAX + 2];

	(void)state;
	assert_true(iampw_mfa_name_valid("alice"));
	assert_true(iampw_mfa_name_valid("a+b=c,d.e@f-g_h"));
	assert_true(iampw_mfa_name_valid(".."));
	memset(longest, 'x', IAMPW_MFA_NAME_MAX);
	longest[IAMPW_MFA_NAME_MAX] = '\0';
	assert_true(iampw_mfa_name_valid(longest));
	longest[IAMPW_MFA_NAME_MAX] = 'x';
	longest[IAMPW_MFA_NAME_MAX + 1] = '\0';
	assert_false(iampw_mfa_name_valid(longest));
	assert_false(iampw_mfa_name_valid(""));
	assert_false(iampw_mfa_name_valid(NULL));
	assert_false(iampw_mfa_name_valid("a/b"));
	assert_false(iampw_mfa_name_valid("a b"));
	assert_false(iampw_mfa_name_valid("\xc3\xa9"));
	assert_false(iampw_mfa_name_valid("a\nb"));
}

static void uri_and_base32(void **state)
{
	struct iampw_mfa_device d;
	char b32[IAMPW_MFA_SEED_B32 + 1], uri[512];

	(void)state;
	rfc_device(&d);
	strcpy(d.name, "al+ice");
	assert_int_equal(iampw_mfa_seed_base32(&d, b32), IAMPW_OK);
	assert_string_equal(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	assert_int_equal(iampw_mfa_uri(&d, "host-1", uri, sizeof uri), IAMPW_OK);
	assert_string_equal(uri, "otpauth://totp/pam_iampw:al%2Bice@host-1?secret="
			    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=pam_iampw&algorithm=SHA1"
			    "&digits=6&period=30");
	assert_true(iampw_mfa_uri(&d, "host-1", uri, 80) < 0);
}

/* ---------------------------------------------------------------------- */
/* The store                                                              */

struct fx {
	char *base;
	char state[PATH_MAX];
	char mfa[PATH_MAX];
	struct iampw_mfa_store *s;
	struct iampw_err e;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	f->base = th_mkdtemp();
	assert_true(snprintf(f->state, sizeof f->state, "%s/state", f->base) < 1000);
	assert_true(snprintf(f->mfa, sizeof f->mfa, "%s/state/mfa", f->base) < 1000);
	iampw_err_init(&f->e);
	assert_int_equal(iampw_mfa_open(&f->s, f->state, true, geteuid(), getegid(), &f->e),
			 IAMPW_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	iampw_mfa_close(f->s);
	f->s = NULL;
	th_rmtree(f->base);
	free(f->base);
	free(f);
	return 0;
}

static void assigned(struct iampw_mfa_device *d, const char *name, uint32_t uid)
{
	rfc_device(d);
	strcpy(d->name, name);
	if (uid != 0) {
		d->assigned = true;
		d->uid = uid;
		strcpy(d->user, "someone");
		d->enable_date = 2;
	}
}

static void store_saves_private_files(void **state)
{
	struct fx *f = *state;
	struct iampw_mfa_device d, back;
	struct stat st;
	int lockfd = -1;

	assert_int_equal(stat(f->mfa, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(iampw_mfa_lock(f->s, 1000, &lockfd, &f->e), IAMPW_OK);
	assert_int_equal(iampw_mfa_new("phone", 100, &d, &f->e), IAMPW_OK);
	assert_int_equal(iampw_mfa_save(f->s, &d, &f->e), IAMPW_OK);
	iampw_store_unlock(lockfd);
	assert_int_equal(stat(th_path(f->mfa, "d.phone"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(iampw_mfa_load(f->s, "phone", &back, &f->e), IAMPW_OK);
	assert_memory_equal(&d, &back, sizeof d);
	/* Two new devices never share a seed. */
	assert_int_equal(iampw_mfa_new("other", 100, &back, &f->e), IAMPW_OK);
	assert_memory_not_equal(d.seed, back.seed, IAMPW_MFA_SEED_BYTES);
	assert_int_equal(iampw_mfa_load(f->s, "nothere", &back, &f->e), IAMPW_E_NOENT);
	assert_int_equal(iampw_mfa_load(f->s, "../x", &back, &f->e), IAMPW_E_INVAL);
	assert_int_equal(iampw_mfa_remove(f->s, "phone", &f->e), IAMPW_OK);
	assert_int_equal(iampw_mfa_remove(f->s, "phone", &f->e), IAMPW_E_NOENT);
}

static void store_refuses_unsafe_files(void **state)
{
	struct fx *f = *state;
	struct iampw_mfa_device d;
	bool found;

	assigned(&d, "phone", 1001);
	assert_int_equal(iampw_mfa_save(f->s, &d, &f->e), IAMPW_OK);
	/* Readable by the group: a seed others could read. */
	assert_int_equal(chmod(th_path(f->mfa, "d.phone"), 0640), 0);
	iampw_err_init(&f->e);
	assert_int_equal(iampw_mfa_load(f->s, "phone", &d, &f->e), IAMPW_E_UNSAFE);
	assert_int_equal(iampw_mfa_find_uid(f->s, 1001, &d, &found, &f->e), IAMPW_E_UNSAFE);
	assert_false(found);
	assert_int_equal(chmod(th_path(f->mfa, "d.phone"), 0600), 0);
	/* A symlink planted as a device. */
	assert_int_equal(symlink("d.phone", th_path(f->mfa, "d.link")), 0);
	iampw_err_init(&f->e);
	assert_int_equal(iampw_mfa_load(f->s, "link", &d, &f->e), IAMPW_E_UNSAFE);
	assert_int_not_equal(iampw_mfa_find_uid(f->s, 1001, &d, &found, &f->e), IAMPW_OK);
	assert_int_equal(unlink(th_path(f->mfa, "d.link")), 0);
	/* An entry that cannot be a device file. */
	th_write(f->mfa, "README", "x", 1, 0600);
	iampw_err_init(&f->e);
	assert_int_equal(iampw_mfa_find_uid(f->s, 1001, &d, &found, &f->e), IAMPW_E_UNSAFE);
	assert_int_equal(unlink(th_path(f->mfa, "README")), 0);
	/* A store directory others can read. */
	assert_int_equal(chmod(f->mfa, 0755), 0);
	iampw_mfa_close(f->s);
	f->s = NULL;
	iampw_err_init(&f->e);
	assert_int_equal(iampw_mfa_open(&f->s, f->state, false, geteuid(), getegid(), &f->e),
			 IAMPW_E_UNSAFE);
	assert_int_equal(chmod(f->mfa, 0700), 0);
	assert_int_equal(iampw_mfa_open(&f->s, f->state, false, geteuid(), getegid(), &f->e),
			 IAMPW_OK);
}

static void find_by_uid(void **state)
{
	struct fx *f = *state;
	struct iampw_mfa_device d;
	bool found;

	assert_int_equal(iampw_mfa_find_uid(f->s, 1001, &d, &found, &f->e), IAMPW_OK);
	assert_false(found);
	assigned(&d, "spare", 0);
	assert_int_equal(iampw_mfa_save(f->s, &d, &f->e), IAMPW_OK);
	assigned(&d, "bob", 1002);
	assert_int_equal(iampw_mfa_save(f->s, &d, &f->e), IAMPW_OK);
	assert_int_equal(iampw_mfa_find_uid(f->s, 1001, &d, &found, &f->e), IAMPW_OK);
	assert_false(found);
	assigned(&d, "alice", 1001);
	assert_int_equal(iampw_mfa_save(f->s, &d, &f->e), IAMPW_OK);
	assert_int_equal(iampw_mfa_find_uid(f->s, 1001, &d, &found, &f->e), IAMPW_OK);
	assert_true(found);
	assert_string_equal(d.name, "alice");
	/* Two devices for one uid: an error, never one of them at random. */
	assigned(&d, "alice2", 1001);
	assert_int_equal(iampw_mfa_save(f->s, &d, &f->e), IAMPW_OK);
	iampw_err_init(&f->e);
	assert_int_equal(iampw_mfa_find_uid(f->s, 1001, &d, &found, &f->e), IAMPW_E_PARSE);
	assert_false(found);
}

#define S(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc6238_vectors),
		cmocka_unit_test(window_plus_minus_one),
		cmocka_unit_test(replay_refused),
		cmocka_unit_test(malformed_codes_rejected),
		cmocka_unit_test(drift_shifts_the_window),
		cmocka_unit_test(two_consecutive_codes),
		cmocka_unit_test(format_round_trip),
		cmocka_unit_test(hostile_files_refused),
		cmocka_unit_test(device_names),
		cmocka_unit_test(uri_and_base32),
		S(store_saves_private_files),
		S(store_refuses_unsafe_files),
		S(find_by_uid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
