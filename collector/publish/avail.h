/*
 * avail: availability from the `up` data source of the check
 * RRDs. The core is pure: rows of `up` (as rrd_fetch returns them) in,
 * time-weighted means out. avail_fetch() is the librrd /
 * rrdcached shell that reads the rows.
 */
#ifndef V6W_AVAIL_H
#define V6W_AVAIL_H

#include <stddef.h>
#include <stdint.h>

/* Rows of one data source: row i covers (start + i*step, start + (i+1)*step]. */
struct avail_rows {
	int64_t start;
	int64_t step;
	size_t	n;
	double *v; /* NaN: unknown */
};

void avail_rows_free(struct avail_rows *);

/*
 * Add the known time (seconds) and the time-weighted sum of the values
 * over (from, to] into *sum and *known_s. Each moment is taken from the
 * coarse rows where they are known, else from the fine rows (a young file
 * has fine rows before its first coarse row is complete). Either may be
 * NULL.
 */
void avail_add(const struct avail_rows *fine, const struct avail_rows *coarse,
    int64_t from, int64_t to, double *sum, double *known_s);

/* A span of time (from, to], e.g. a maintenance window. */
struct avail_span {
	int64_t from, to;
};

/* Sort spans by start and merge those that overlap or touch: the count
 * left. */
size_t avail_spans_merge(struct avail_span *, size_t n);

/*
 * avail_add() over (from, to] leaving out the spans skip[] (merged:
 * avail_spans_merge()): maintenance is no downtime, and no uptime
 * either. A coarse row partly inside a span counts for its part outside,
 * at the row's mean (the row's resolution is as fine as it gets).
 */
void avail_add_except(const struct avail_rows *fine,
    const struct avail_rows *coarse, int64_t from, int64_t to,
    const struct avail_span *skip, size_t nskip, double *sum, double *known_s);

/*
 * Read data source ds of path, consolidation AVERAGE, over (start, end]
 * at resolution step_s, through rrdcached when daemon is not NULL. 0, or
 * -1 with err (rrd_get_error()).
 */
int avail_fetch(const char *path, const char *daemon, const char *ds,
    int64_t start, int64_t end, int64_t step_s, struct avail_rows *out,
    char *err, size_t errlen);

#endif
