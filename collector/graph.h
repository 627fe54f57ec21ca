/*
 * graph: the graphs of the site, drawn by librrd (rrd_graph_v) into memory
 * and written atomically: per target availability and phase latency, IPv6
 * against IPv4; per probe, total time and outages; the summary share of
 * targets ready. IPv6 is always blue and solid, IPv4 orange and dashed,
 * outages are shaded spans in the colour of their family. Building the
 * argument list is pure (graph_args); graph_render calls librrd and must
 * run on one thread.
 */
#ifndef V6W_GRAPH_H
#define V6W_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"

#define GRAPH_ARGS_MAX 1024
#define GRAPH_WIDTH    600
#define GRAPH_HEIGHT   160
/* Probes averaged into one graph. */
#define GRAPH_SOURCES_MAX 16

enum graph_kind { GRAPH_AVAIL, GRAPH_LATENCY, GRAPH_PROBE, GRAPH_SUMMARY };
enum graph_period {
	PERIOD_HOUR,
	PERIOD_DAY,
	PERIOD_WEEK,
	PERIOD_MONTH,
	PERIOD_YEAR,
	PERIOD__N
};

/* One probe's files of a target; NULL when the family has none. */
struct graph_src {
	const char *rrd[FAMILY__N];
};

struct graph_req {
	enum graph_kind		kind;
	enum graph_period	period;
	int			svg;
	const char	       *target; /* untrusted; not for GRAPH_SUMMARY */
	const char	       *probe;	/* untrusted; GRAPH_PROBE only */
	const struct graph_src *src;	/* GRAPH_PROBE: exactly one */
	size_t			nsrc;
	const char	       *summary; /* GRAPH_SUMMARY: the summary RRD */
	const char	       *daemon;	 /* rrdcached address, or NULL */
	int64_t			end;
};

struct graph_argv {
	char *v[GRAPH_ARGS_MAX + 1];
	int   n;
	int   overflow;
};

const char *graph_kind_name(enum graph_kind);
const char *graph_period_name(enum graph_period);
int64_t	    graph_period_s(enum graph_period);

/*
 * The rrd_graph_v arguments of req (argv[0] "graphv", argv[1] "-": the
 * image is returned in memory). -1 when they do not fit. Free with
 * graph_argv_free() in either case.
 */
int  graph_args(const struct graph_req *, struct graph_argv *);
void graph_argv_free(struct graph_argv *);

/*
 * 1 when a graph of period made at mtime is to be kept at now: less than
 * min_age_s has passed or, for a week and longer, less than one pixel of
 * time (rrdtool's --lazy rule: it would look the same).
 */
int
graph_fresh(enum graph_period, int64_t mtime, int64_t now, int64_t min_age_s);

/* Draw req and write it to path (tmp + rename). 0, or -1 with err. */
int graph_render(const struct graph_req *, const char *path, char *err,
    size_t errlen);

#endif
