/*
 * sched: when each target is due. Targets are spread evenly over their
 * interval, each with a fixed jitter inside its slot, so that 10,000
 * targets never fire at once; a target keeps its rhythm (due + interval),
 * and rounds missed while a check still ran are skipped, not queued. Also
 * the lateness histogram (check start against schedule). Pure functions.
 */
#ifndef V6W_SCHED_H
#define V6W_SCHED_H

#include <stddef.h>
#include <stdint.h>

#define SCHED_LATE_MAX_MS 10000 /* 1 ms buckets up to here, then one */

/* Offset of target i of n in [0, interval): slot i, plus rnd within it. */
uint64_t
sched_offset_ms(size_t i, size_t n, uint64_t interval_ms, uint32_t rnd);
/* The first due time after due that is not before now; *missed gets the
 * number of due times skipped on the way. */
uint64_t sched_next_ms(uint64_t due, uint64_t interval_ms, uint64_t now,
    uint64_t *missed);

struct sched_late {
	uint32_t ms[SCHED_LATE_MAX_MS + 1];
	uint64_t n;
	uint64_t max_ms;
};

void sched_late_add(struct sched_late *, uint64_t late_ms);
/* The p-quantile (0 < p <= 1) in ms; 0 when empty. */
uint64_t sched_late_pct(const struct sched_late *, double p);
void	 sched_late_reset(struct sched_late *);

#endif
