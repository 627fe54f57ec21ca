/*
 * sched: spreading, rhythm and lateness (see sched.h).
 */
#include <string.h>

#include "sched.h"

uint64_t
sched_offset_ms(size_t i, size_t n, uint64_t interval_ms, uint32_t rnd)
{
	uint64_t slot;

	if (n == 0 || interval_ms == 0)
		return 0;
	slot = interval_ms / n;
	return ((uint64_t)i * interval_ms / n + (slot > 0 ? rnd % slot : 0)) %
	    interval_ms;
}

uint64_t
sched_next_ms(uint64_t due, uint64_t interval_ms, uint64_t now,
    uint64_t *missed)
{
	uint64_t next = due + interval_ms;

	*missed = 0;
	if (interval_ms == 0)
		return now;
	if (next < now) {
		uint64_t k = (now - next + interval_ms - 1) / interval_ms;

		*missed = k;
		next += k * interval_ms;
	}
	return next;
}

void
sched_late_add(struct sched_late *l, uint64_t late_ms)
{
	l->ms[late_ms < SCHED_LATE_MAX_MS ? late_ms : SCHED_LATE_MAX_MS]++;
	l->n++;
	if (late_ms > l->max_ms)
		l->max_ms = late_ms;
}

uint64_t
sched_late_pct(const struct sched_late *l, double p)
{
	uint64_t want, seen = 0;

	if (l->n == 0)
		return 0;
	want = (uint64_t)(p * (double)l->n + 0.999999);
	if (want == 0)
		want = 1;
	for (uint64_t i = 0; i <= SCHED_LATE_MAX_MS; i++) {
		seen += l->ms[i];
		if (seen >= want)
			return i < SCHED_LATE_MAX_MS ? i : l->max_ms;
	}
	return l->max_ms;
}

void
sched_late_reset(struct sched_late *l)
{
	memset(l, 0, sizeof(*l));
}
