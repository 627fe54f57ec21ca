/*
 * publish: one publish of the site into publish_dir -- availability from
 * the RRDs, the summary RRD, graphs (a graph still as fresh as a new one
 * is kept), the pages, the readiness report and status.json. One publish
 * at a time (a lock file in the state folder). Runs in a forked child of
 * the daemon (publisher.h) or in `v6collector publish`; calls librrd from
 * its one thread.
 */
#ifndef V6W_PUBLISH_H
#define V6W_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

struct collector;

struct publish_stats {
	size_t	 targets;
	size_t	 graphs, graphs_fresh, graphs_failed, graphs_deferred;
	size_t	 pages, fetch_failed;
	uint64_t ms, ms_figures, ms_graphs, ms_pages;
};

/* publish_run: another publish holds the lock (and wait was 0). */
#define PUBLISH_BUSY 1

/* publish_run() flags: wait for the lock (up to two minutes) rather
 * than give up; leave the graphs as they are (pages, report, status). */
#define PUBLISH_WAIT	  1
#define PUBLISH_NO_GRAPHS 2

/*
 * Publish co's site as of wall time now, as flags say. 0, PUBLISH_BUSY,
 * or -1 when a part failed (logged; every other part is still written).
 */
int publish_run(struct collector *co, double now, int flags,
    struct publish_stats *);

#endif
