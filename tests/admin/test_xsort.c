/*
 * Unit tests of iampw-admin/xsort.c, the sort in bounded memory behind
 * the verbs that walk every account (SPEC §8): with a budget small enough
 * that records spill to many runs on disk, the merge must give exactly
 * the records put, in the comparison's order, and the same order as a
 * sort in memory; only a record's used bytes are kept, the rest comes
 * back zeroed; a run that does not read back as written is an error.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* A record as the accounts streams use them: a key, an order, a name last. */
struct rec {
	uint64_t seq;
	uint32_t key;
	char name[200];
};

static size_t rec_len(const void *r)
{
	return offsetof(struct rec, name) + strlen(((const struct rec *)r)->name) + 1;
}

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A deterministic pseudo-random sequence (xorshift). */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Names of 1 to 150 letters from a small alphabet: many ties, many lengths. */
static void make_rec(struct rec *r, uint64_t seq, uint32_t *s)
{
	size_t n = 1 + rnd(s) % 150;

	memset(r, 0xa5, sizeof *r);
	r->seq = seq;
	r->key = rnd(s) % 4;
	for (size_t i = 0; i < n; i++)
		r->name[i] = (char)('a' + rnd(s) % 3);
	r->name[n] = '\0';
}

/* Put `n` records, then check that they come back exactly, sorted. */
static void check_records(size_t n, size_t budget)
{
	struct rec *want = calloc(n, sizeof *want), got;
	struct xsort x;
	uint32_t s = 2463534242u;
	size_t i = 0;
	bool more;

	assert_non_null(want);
	assert_int_equal(xsort_init(&x, sizeof got, rec_len, rec_cmp, budget), 0);
	for (i = 0; i < n; i++) {
		make_rec(&want[i], i, &s);
		assert_int_equal(xsort_put(&x, &want[i]), 0);
	}
	assert_int_equal(xsort_start(&x), 0);
	if (n * sizeof got > 4 * budget)
		assert_true(x.nruns > 2);
	qsort(want, n, sizeof *want, rec_cmp);
	for (i = 0; i < n; i++) {
		assert_int_equal(xsort_next(&x, &got, &more), 0);
		assert_true(more);
		assert_int_equal(got.seq, want[i].seq);
		assert_int_equal(got.key, want[i].key);
		assert_string_equal(got.name, want[i].name);
		/* The bytes past the name are not the caller's old ones: zero. */
		for (size_t j = strlen(got.name); j < sizeof got.name; j++)
			assert_int_equal(got.name[j], 0);
	}
	assert_int_equal(xsort_next(&x, &got, &more), 0);
	assert_false(more);
	/* And stays at the end. */
	assert_int_equal(xsort_next(&x, &got, &more), 0);
	assert_false(more);
	xsort_free(&x);
	assert_int_equal(x.fd, -1);
	free(want);
}

static void test_in_memory(void **state)
{
	(void)state;
	check_records(1000, XSORT_BUDGET);
}

static void test_spilled_runs(void **state)
{
	(void)state;
	/* About 100 records a run: some 200 runs merged. */
	check_records(20000, 8 * 1024);
}

static void test_smallest_budget(void **state)
{
	(void)state;
	/* The budget is raised to two records: one run per pair. */
	check_records(300, 1);
}

static void test_empty(void **state)
{
	struct xsort x;
	struct rec r;
	bool more = true;

	(void)state;
	assert_int_equal(xsort_init(&x, sizeof r, rec_len, rec_cmp, 1024), 0);
	assert_int_equal(xsort_start(&x), 0);
	assert_int_equal(xsort_next(&x, &r, &more), 0);
	assert_false(more);
	xsort_free(&x);
}

/* Fixed-size records (no len callback): the uid sorts. */
static void test_fixed_records(void **state)
{
	size_t n = 50000;
	uint32_t *want = calloc(n, sizeof *want), s = 88172645u, v;
	struct xsort x;
	bool more;

	(void)state;
	assert_non_null(want);
	assert_int_equal(xsort_init(&x, sizeof v, NULL, u32_cmp, 4096), 0);
	for (size_t i = 0; i < n; i++) {
		want[i] = rnd(&s) % 1000;
		assert_int_equal(xsort_put(&x, &want[i]), 0);
	}
	assert_int_equal(xsort_start(&x), 0);
	assert_true(x.nruns > 1);
	qsort(want, n, sizeof *want, u32_cmp);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(xsort_next(&x, &v, &more), 0);
		assert_true(more);
		assert_int_equal(v, want[i]);
	}
	assert_int_equal(xsort_next(&x, &v, &more), 0);
	assert_false(more);
	xsort_free(&x);
	free(want);
}

static size_t too_long(const void *r)
{
	(void)r;
	return sizeof(struct rec) + 1;
}

static void test_refused(void **state)
{
	struct xsort x;
	struct rec r;

	(void)state;
	memset(&r, 0, sizeof r);
	/* A record longer than the struct it comes from. */
	assert_int_equal(xsort_init(&x, sizeof r, too_long, rec_cmp, 1024), 0);
	assert_int_equal(xsort_put(&x, &r), EINVAL);
	xsort_free(&x);
	/* A record that cannot fit a run's read buffer. */
	assert_int_equal(xsort_init(&x, 1u << 20, NULL, u32_cmp, 1024), EINVAL);
	xsort_free(&x);
}

/* A run cut short on disk is EIO, never a shorter list. */
static void test_damaged_run(void **state)
{
	struct xsort x;
	struct rec r;
	uint32_t s = 1u;
	bool more;
	int rc = 0;

	(void)state;
	assert_int_equal(xsort_init(&x, sizeof r, rec_len, rec_cmp, 2048), 0);
	for (int i = 0; i < 200; i++) {
		make_rec(&r, (uint64_t)i, &s);
		assert_int_equal(xsort_put(&x, &r), 0);
	}
	assert_true(x.nruns > 1);
	/* The file loses the end of its first run: what follows reads as zeros. */
	assert_int_equal(ftruncate(x.fd, 20), 0);
	rc = xsort_start(&x);
	while (rc == 0 && (rc = xsort_next(&x, &r, &more)) == 0 && more)
		;
	assert_int_equal(rc, EIO);
	xsort_free(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_memory),
		cmocka_unit_test(test_spilled_runs),
		cmocka_unit_test(test_smallest_budget),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_fixed_records),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_damaged_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
