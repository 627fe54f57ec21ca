/*
 * report: the IPv6 readiness report -- share of services ready overall
 * and per group, the score distribution, what blocks the rest (counts per
 * outcome and warning), the trend over time and the list to fix, worst
 * first -- as report.json and a printable report.html. Pure: built from a
 * finished site and a trend given by the caller.
 */
#ifndef V6W_REPORT_H
#define V6W_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "site.h"

#include "result.h"

struct export_change;
struct html;
struct site;
struct page_ctx;

#define REPORT_GROUPS_MAX 1000
#define REPORT_TREND_MAX  400
/* Score buckets: 0, 20, 40, 60, 80, 100, unknown. */
#define REPORT_SCORES SITE_SCORES

struct report_group {
	const char *name; /* "" for targets without a group */
	size_t	    targets, ready;
};

struct report_point {
	int64_t day; /* start of the UTC day */
	double	share;
};

struct report {
	struct site_counts   c; /* site_count(): the figures of every page */
	struct report_group *groups; /* by name */
	size_t		     ngroups, groups_dropped;
	struct report_point  trend[REPORT_TREND_MAX];
	size_t		     ntrend;
	/* Since the previous month's snapshot (export.h); NULL: none. */
	const struct export_change *change;
};

/* Count site into r (caller fills r->trend and r->change). */
void report_build(const struct site *, struct report *);
void report_free(struct report *);

/* report.json (caller frees with cJSON_Delete). */
cJSON *report_json(const struct report *, const struct site *,
    const struct page_ctx *);
void   report_html(struct html *, const struct report *, const struct site *,
      const struct page_ctx *);

#endif
