/*
 * test_sched: targets spread evenly over their interval (10,000 targets
 * never fire at once), missed rounds are skipped rather than queued, and
 * the lateness quantiles.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe/sched.h"

static void
test_spread(void **state)
{
	enum { N = 10000 };
	const uint64_t	ivl = 60000;
	static unsigned per_100ms[600];
	unsigned	max = 0;

	(void)state;
	memset(per_100ms, 0, sizeof(per_100ms));
	for (size_t i = 0; i < N; i++) {
		uint64_t o = sched_offset_ms(i, N, ivl, (uint32_t)random());

		assert_true(o < ivl);
		per_100ms[o / 100]++;
	}
	/* 10,000 over 60 s: about 17 per 100 ms, never a crowd */
	for (int b = 0; b < 600; b++)
		max = per_100ms[b] > max ? per_100ms[b] : max;
	assert_true(max <= 20);
	/* degenerate inputs */
	assert_int_equal(sched_offset_ms(0, 0, ivl, 5), 0);
	assert_int_equal(sched_offset_ms(3, 10, 0, 5), 0);
	assert_true(sched_offset_ms(0, 1, ivl, 123456) < ivl);
}

static void
test_next(void **state)
{
	uint64_t missed;

	(void)state;
	/* on time: the rhythm holds, from the due time, not from now */
	assert_int_equal(sched_next_ms(1000, 60000, 1500, &missed), 61000);
	assert_int_equal(missed, 0);
	/* three rounds late: skipped, the next one is in the future */
	assert_int_equal(sched_next_ms(1000, 60000, 200000, &missed), 241000);
	assert_int_equal(missed, 3);
	/* exactly on a due time counts as not missed */
	assert_int_equal(sched_next_ms(1000, 60000, 61000, &missed), 61000);
	assert_int_equal(missed, 0);
}

static void
test_late(void **state)
{
	struct sched_late *l = calloc(1, sizeof(*l));

	(void)state;
	assert_int_equal(sched_late_pct(l, 0.5), 0);
	for (int i = 1; i <= 100; i++)
		sched_late_add(l, (uint64_t)i);
	assert_int_equal(sched_late_pct(l, 0.5), 50);
	assert_int_equal(sched_late_pct(l, 0.99), 99);
	assert_int_equal(sched_late_pct(l, 1.0), 100);
	sched_late_add(l, 50000); /* beyond the buckets: max kept */
	assert_int_equal(l->max_ms, 50000);
	assert_int_equal(sched_late_pct(l, 1.0), 50000);
	sched_late_reset(l);
	assert_int_equal(l->n, 0);
	free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spread),
	    cmocka_unit_test(test_next),
	    cmocka_unit_test(test_late),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
