/*
 * graph: the graphs of the site, drawn by librrd (rrd_graph_v) into memory
 * and written atomically: per target availability and phase latency, IPv6
 * against IPv4; per probe, total time and outages; the summary share of
 * targets ready. IPv6 is always blue and solid, IPv4 orange and dashed,
 * outages are shaded spans in the colour of their family. Building the
 * argument list is pure (graph_args); graph_render calls librrd and must
 * run on one thread. Passive capture, per probe and interface: the IPv6
 * share of IP bytes, bytes per second per family, and ICMPv6 Packet Too
 * Big and Destination Unreachable messages per capture interval.
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
/* Figures in one graph's legends (4 per line). */
#define GRAPH_VALUES_MAX 64

enum graph_kind {
	GRAPH_AVAIL,
	GRAPH_LATENCY,
	GRAPH_PROBE,
	GRAPH_SUMMARY,
	GRAPH_SHARE, /* traffic: IPv6 share of IP bytes */
	GRAPH_BYTES, /* traffic: bytes/s per family */
	GRAPH_ICMP   /* traffic: ICMPv6 errors per interval */
};
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
	const char	       *target; /* untrusted; checks only */
	const char	       *probe;	/* untrusted; GRAPH_PROBE, traffic */
	const struct graph_src *src;	/* GRAPH_PROBE: exactly one */
	size_t			nsrc;
	const char	       *summary;    /* GRAPH_SUMMARY: the summary RRD */
	const char	       *traffic;    /* traffic: the interface's RRD */
	const char	       *iface;	    /* traffic: untrusted */
	double			interval_s; /* traffic: capture interval */
	const char	       *daemon;	    /* rrdcached address, or NULL */
	int64_t			end;
};

/*
 * The figures of a graph's legends (minimum, average, maximum, last of
 * each line, in order), NaN when unknown (no data in the period yet).
 */
struct graph_values {
	double v[GRAPH_VALUES_MAX];
	size_t n;
};

struct graph_argv {
	char *v[GRAPH_ARGS_MAX + 1];
	int   n;
	int   overflow;
};

const char *graph_kind_name(enum graph_kind);
/* 1 for the kinds drawn from a traffic RRD. */
int	    graph_kind_traffic(enum graph_kind);
const char *graph_period_name(enum graph_period);
int64_t	    graph_period_s(enum graph_period);

/*
 * The rrd_graph_v arguments of req (argv[0] "graphv", argv[1] "-": the
 * image is returned in memory), in the language spoken, its x axis in
 * the process's zone (TZ). With vals, the graph, its legends' figures
 * written from vals as the language writes numbers, "no data yet" for
 * unknown ones (librrd's GPRINT would write "-nan", and a decimal
 * point). Without (NULL), the values pass: the same data, a PRINT of
 * each figure, nothing to draw (librrd then draws nothing). -1 when they
 * do not fit, or a traffic graph has no file. Free with
 * graph_argv_free() in either case.
 */
int  graph_args(const struct graph_req *, const struct graph_values *vals,
     struct graph_argv *);
void graph_argv_free(struct graph_argv *);
/* The figures of req's legends, read by librrd; 0, or -1 with err. */
int graph_values(const struct graph_req *, struct graph_values *, char *err,
    size_t errlen);

/*
 * Seconds between two drawings of a graph when nothing forces one (0: at
 * every publish). The day's PNGs every 15 minutes; its SVGs and the
 * per-probe graphs, which readers open by a link, every hour; a week and
 * longer after a few pixels' worth of time (rrdtool's --lazy waits one
 * pixel, 17 minutes for a week: a few pixels look the same to a reader
 * and cost a fraction, drawn for thousands of targets).
 */
int64_t graph_refresh_s(enum graph_kind, enum graph_period, int svg);

/*
 * 1 when a graph drawn at mtime is kept at now: mtime is not in the
 * future and now is in the same slot of refresh_s seconds as mtime, slots
 * starting at offset (modulo refresh_s). Graphs with offsets spread
 * evenly come due in equal shares at every publish, not all at once.
 */
int graph_fresh(int64_t mtime, int64_t now, int64_t refresh_s, uint64_t offset);

/* The offset of the graph file at rel (a hash of the path). */
uint64_t graph_offset(const char *rel);

/*
 * Draw req and write it to path (tmp + rename), its modification time set
 * to req->end: the values pass, then the graph. 0, or -1 with err.
 */
int graph_render(const struct graph_req *, const char *path, char *err,
    size_t errlen);

#endif
