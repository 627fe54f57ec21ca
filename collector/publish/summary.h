/*
 * summary: a small RRD of the whole site (DATA_DIR/summary.rrd), updated at
 * each publish: how many targets there are, how many are ready for IPv6,
 * how many work over IPv6 and over IPv4, and their mean score. It draws
 * the share of targets ready over time and the report's trend.
 */
#ifndef V6W_SUMMARY_H
#define V6W_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

struct site;

/* Seconds an update stays valid: publishes an hour apart still join up. */
#define SUMMARY_HEARTBEAT_S 3600

struct summary_counts {
	size_t targets, ready, ipv6_up, ipv4_up;
	double score; /* mean of the known scores; < 0 none */
};

/* The figures of a site (after site_finish). */
void summary_count(const struct site *, struct summary_counts *);
/* The update string "T:targets:ready:ipv6_up:ipv4_up:score". 0 or -1. */
int summary_format(const struct summary_counts *, int64_t t, char *out,
    size_t size);

/*
 * Create path when missing (step step_s), then add c at time t -- unless
 * the file already has an update at or after t. Through rrdcached when
 * daemon is not NULL. 0, or -1 with err.
 */
int summary_update(const char *path, const char *daemon, int step_s,
    const struct summary_counts *c, int64_t t, char *err, size_t errlen);

#endif
