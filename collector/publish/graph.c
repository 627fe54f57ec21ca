/*
 * graph: rrd_graph_v arguments per kind of graph, and rendering.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rrd.h>

#include "graph.h"
#include "util.h"

#define COLOR_V6       "1f77b4"
#define COLOR_V4       "ff7f0e"
#define COLOR_READY    "2ca02c"
#define COLOR_PTB      "d62728"
#define COLOR_UNREACH  "9467bd"
#define SHADE	       "38" /* alpha of outage spans */
#define DASHES	       ":dashes=6,3"
#define GRAPH_NAME_MAX 120 /* bytes of a name in a title */

static const char *const kind_names[] = {"avail", "latency", "probe", "summary",
    "share", "bytes", "icmp"};
static const char *const period_names[PERIOD__N] = {"hour", "day", "week",
    "month", "year"};
static const char *const period_words[PERIOD__N] = {"last hour",
    "last 24 hours", "last 7 days", "last 31 days", "last 365 days"};
static const int64_t period_s[PERIOD__N] = {3600, 86400, 7 * 86400, 31 * 86400,
    365 * 86400};

/* Per family: label, colour, line style. */
static const char *const fam_label[FAMILY__N] = {"IPv6", "IPv4"};
static const char *const fam_color[FAMILY__N] = {COLOR_V6, COLOR_V4};
static const char *const fam_dash[FAMILY__N] = {"", DASHES};
static const char	 fam_tag[FAMILY__N] = {'6', '4'};

/* Phases drawn in the latency graph, lighter to darker per family. */
static const char *const lat_ds[] = {"dns", "connect", "tls", "ttfb"};
static const char *const lat_label[] = {"DNS    ", "connect", "TLS    ",
    "1st byte"};
static const char *const lat_color[FAMILY__N][4] = {{"9ecae1", "6baed6",
							"3182bd", "08519c"},
    {"fdd0a2", "fdae6b", "e6550d", "a63603"}};

const char *
graph_kind_name(enum graph_kind k)
{
	return (unsigned)k < NELEM(kind_names) ? kind_names[k] : "?";
}

const char *
graph_period_name(enum graph_period p)
{
	return (unsigned)p < PERIOD__N ? period_names[p] : "?";
}

int
graph_kind_traffic(enum graph_kind k)
{
	return k == GRAPH_SHARE || k == GRAPH_BYTES || k == GRAPH_ICMP;
}

int64_t
graph_period_s(enum graph_period p)
{
	return (unsigned)p < PERIOD__N ? period_s[p] : 86400;
}

int64_t
graph_refresh_s(enum graph_kind k, enum graph_period p, int svg)
{
	/* Seconds per period: the main PNGs; SVGs and per-probe graphs. */
	static const int64_t main_s[PERIOD__N] = {0, 900, 3600, 4 * 3600,
	    24 * 3600};
	static const int64_t link_s[PERIOD__N] = {0, 3600, 2 * 3600, 8 * 3600,
	    48 * 3600};

	if ((unsigned)p >= PERIOD__N)
		return 0;
	if (k == GRAPH_SUMMARY) /* one graph per period: rrdtool's rule */
		return p <= PERIOD_DAY ? 0 : graph_period_s(p) / GRAPH_WIDTH;
	return svg || k == GRAPH_PROBE ? link_s[p] : main_s[p];
}

int
graph_fresh(int64_t mtime, int64_t now, int64_t refresh_s, uint64_t offset)
{
	int64_t o;

	if (refresh_s <= 0 || mtime > now || mtime < 0)
		return 0;
	o = (int64_t)(offset % (uint64_t)refresh_s);
	return (now + o) / refresh_s == (mtime + o) / refresh_s;
}

uint64_t
graph_offset(const char *rel)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)rel; *p != '\0';
	     p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return h;
}

static void arg(struct graph_argv *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
arg(struct graph_argv *a, const char *fmt, ...)
{
	va_list ap;
	char   *s;

	if (a->n >= GRAPH_ARGS_MAX) {
		a->overflow = 1;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		a->overflow = 1;
		return;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void
graph_argv_free(struct graph_argv *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/* A file name inside DEF: ':' and '\' escaped. */
static void
arg_def(struct graph_argv *a, const char *vname, const char *path,
    const char *ds)
{
	char   buf[8192];
	size_t n = 0;

	for (const char *p = path; *p != '\0' && n + 2 < sizeof(buf); p++) {
		if (*p == ':' || *p == '\\')
			buf[n++] = '\\';
		buf[n++] = *p;
	}
	buf[n] = '\0';
	arg(a, "DEF:%s=%s:%s:AVERAGE", vname, buf, ds);
}

/*
 * A title with an untrusted name: printable bytes only, cut to
 * GRAPH_NAME_MAX at a UTF-8 character's start, with "..." when cut
 * (librrd draws it as plain text).
 */
static void
title_name(const char *name, char *out, size_t size)
{
	size_t n = 0, len = strlen(name);
	int    cut = len > GRAPH_NAME_MAX || len + 1 > size;
	size_t max = cut ?
	    (size - 1 < GRAPH_NAME_MAX ? size - 1 : GRAPH_NAME_MAX) - 3 :
	    len;

	/* Never end inside a character: back up over continuation bytes. */
	if (cut)
		while (max > 0 && ((unsigned char)name[max] & 0xc0) == 0x80)
			max--;
	for (const unsigned char *p = (const unsigned char *)name;
	     n < max && *p != '\0'; p++)
		out[n++] = *p < 0x20 || *p == 0x7f ? '?' : (char)*p;
	if (cut) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/*
 * CDEF name = the average over the sources of data source ds of family f
 * (unknown values left out); 0 when no source has a file.
 */
static int
arg_avg(struct graph_argv *a, const struct graph_req *rq, enum family f,
    const char *ds, const char *name)
{
	char   rpn[4096];
	size_t len = 0;
	int    k = 0;

	for (size_t i = 0; i < rq->nsrc && i < GRAPH_SOURCES_MAX; i++) {
		char v[64];

		if (rq->src[i].rrd[f] == NULL)
			continue;
		snprintf(v, sizeof(v), "%s_%zu", name, i);
		arg_def(a, v, rq->src[i].rrd[f], ds);
		len += (size_t)snprintf(rpn + len, sizeof(rpn) - len, "%s%s",
		    k > 0 ? "," : "", v);
		k++;
	}
	if (k == 0)
		return 0;
	if (k > 1)
		snprintf(rpn + len, sizeof(rpn) - len, ",%d,AVG", k);
	arg(a, "CDEF:%s=%s", name, rpn);
	return 1;
}

/* min / avg / max / last of vname in the legend, then a new line. */
static void
arg_legend(struct graph_argv *a, const char *vname, const char *fmt)
{
	static const char *const what[] = {"MINIMUM", "AVERAGE", "MAXIMUM",
	    "LAST"};
	static const char *const word[] = {"min", "avg", "max", "last"};

	for (int i = 0; i < 4; i++) {
		arg(a, "VDEF:%s_%s=%s,%s", vname, word[i], vname, what[i]);
		arg(a, "GPRINT:%s_%s:%s %s%s", vname, word[i], word[i], fmt,
		    i == 3 ? "\\l" : "");
	}
}

/*
 * The availability of each family as upX (have[f]: it has measurements)
 * and shaded spans where it is down (up below one half).
 */
static void
arg_outages(struct graph_argv *a, const struct graph_req *rq,
    int have[FAMILY__N])
{
	for (int f = 0; f < FAMILY__N; f++) {
		char up[8];

		snprintf(up, sizeof(up), "up%c", fam_tag[f]);
		have[f] = arg_avg(a, rq, f, "up", up);
	}
	for (int f = 0; f < FAMILY__N; f++) {
		if (!have[f])
			continue;
		arg(a, "CDEF:out%c=up%c,UN,UNKN,up%c,0.5,LT,INF,UNKN,IF,IF",
		    fam_tag[f], fam_tag[f], fam_tag[f]);
		arg(a, "AREA:out%c#%s%s:%s down%s", fam_tag[f], fam_color[f],
		    SHADE, fam_label[f],
		    f == FAMILY_IPV4 || !have[1] ? "\\l" : "");
	}
}

static void
args_avail(struct graph_argv *a, const struct graph_req *rq)
{
	int have[FAMILY__N];

	arg(a, "--vertical-label=%% available");
	arg(a, "--lower-limit=0");
	arg(a, "--upper-limit=100");
	arg(a, "--rigid");
	arg_outages(a, rq, have);
	for (int f = 0; f < FAMILY__N; f++) {
		if (!have[f]) {
			arg(a, "COMMENT:%s\\: no measurements\\l",
			    fam_label[f]);
			continue;
		}
		arg(a, "CDEF:pct%c=up%c,100,*", fam_tag[f], fam_tag[f]);
		arg(a, "LINE2:pct%c#%s:%s available%s", fam_tag[f],
		    fam_color[f], fam_label[f], fam_dash[f]);
		{
			char v[8];

			snprintf(v, sizeof(v), "pct%c", fam_tag[f]);
			arg_legend(a, v, "%5.1lf%%");
		}
	}
}

/*
 * Milliseconds over the outages: per family the time of each phase
 * (GRAPH_LATENCY), or the total time (GRAPH_PROBE, one probe's graph).
 */
static void
args_ms(struct graph_argv *a, const struct graph_req *rq)
{
	int have[FAMILY__N];

	arg(a, "--vertical-label=milliseconds");
	arg(a, "--lower-limit=0");
	arg_outages(a, rq, have);
	for (int f = 0; f < FAMILY__N; f++) {
		char v[32];

		if (!have[f]) {
			arg(a, "COMMENT:%s\\: no measurements\\l",
			    fam_label[f]);
			continue;
		}
		if (rq->kind == GRAPH_PROBE) {
			snprintf(v, sizeof(v), "total%c", fam_tag[f]);
			arg_avg(a, rq, f, "total", v);
			arg(a, "LINE2:%s#%s:%s total time%s", v, fam_color[f],
			    fam_label[f], fam_dash[f]);
			arg_legend(a, v, "%7.1lf ms");
			continue;
		}
		for (size_t p = 0; p < NELEM(lat_ds); p++) {
			snprintf(v, sizeof(v), "%s%c", lat_ds[p], fam_tag[f]);
			if (!arg_avg(a, rq, f, lat_ds[p], v))
				continue;
			arg(a, "LINE1:%s#%s:%s %s%s", v, lat_color[f][p],
			    fam_label[f], lat_label[p], fam_dash[f]);
			arg_legend(a, v, "%7.1lf ms");
		}
	}
}

static void
args_summary(struct graph_argv *a, const struct graph_req *rq)
{
	static const struct {
		const char *ds, *v, *label, *color, *line, *dash;
	} l[] = {{"ready", "rdy", "ready for IPv6", COLOR_READY, "LINE3", ""},
	    {"ipv6_up", "ok6", "IPv6 works   ", COLOR_V6, "LINE1", ""},
	    {"ipv4_up", "ok4", "IPv4 works   ", COLOR_V4, "LINE1", DASHES}};

	arg(a, "--vertical-label=%% of targets");
	arg(a, "--lower-limit=0");
	arg(a, "--upper-limit=100");
	arg(a, "--rigid");
	arg_def(a, "targets", rq->summary, "targets");
	for (size_t i = 0; i < NELEM(l); i++) {
		char pct[16];

		arg_def(a, l[i].v, rq->summary, l[i].ds);
		snprintf(pct, sizeof(pct), "%s_pct", l[i].v);
		arg(a, "CDEF:%s=%s,targets,/,100,*", pct, l[i].v);
		arg(a, "%s:%s#%s:%s%s", l[i].line, pct, l[i].color, l[i].label,
		    l[i].dash);
		arg_legend(a, pct, "%5.1lf%%");
	}
}

/* Traffic: DEFs of the interface's rates (per second). */
static void
args_traffic_defs(struct graph_argv *a, const struct graph_req *rq,
    const char *const *ds, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		arg_def(a, v[i], rq->traffic, ds[i]);
}

static void
args_share(struct graph_argv *a, const struct graph_req *rq)
{
	static const char *const ds[] = {"bytes_ipv6", "bytes_ipv4"};
	static const char *const v[] = {"b6", "b4"};

	arg(a, "--vertical-label=%% of IP bytes");
	arg(a, "--lower-limit=0");
	arg(a, "--upper-limit=100");
	arg(a, "--rigid");
	args_traffic_defs(a, rq, ds, v, NELEM(ds));
	arg(a, "CDEF:ip=b6,b4,+");
	/* No IP traffic: no share, rather than 0 % or a division by 0. */
	arg(a, "CDEF:share=ip,0,GT,b6,ip,/,100,*,UNKN,IF");
	arg(a, "LINE2:share#%s:IPv6 share of IP bytes", COLOR_V6);
	arg_legend(a, "share", "%5.1lf%%");
}

static void
args_bytes(struct graph_argv *a, const struct graph_req *rq)
{
	static const char *const ds[] = {"bytes_ipv6", "bytes_ipv4"};
	static const char *const v[] = {"b6", "b4"};

	arg(a, "--vertical-label=bytes per second");
	arg(a, "--lower-limit=0");
	args_traffic_defs(a, rq, ds, v, NELEM(ds));
	for (int f = 0; f < FAMILY__N; f++) {
		arg(a, "LINE2:b%c#%s:%s%s", fam_tag[f], fam_color[f],
		    fam_label[f], fam_dash[f]);
		{
			char vn[8];

			snprintf(vn, sizeof(vn), "b%c", fam_tag[f]);
			arg_legend(a, vn, "%6.1lf %sB/s");
		}
	}
}

static void
args_icmp(struct graph_argv *a, const struct graph_req *rq)
{
	static const char *const ds[] = {"ptb", "unreach"};
	static const char *const v[] = {"ptb_s", "unr_s"};
	double iv = rq->interval_s >= 1 && rq->interval_s <= 86400 ?
	    rq->interval_s :
	    60;

	arg(a, "--vertical-label=per %.0f s interval", iv);
	arg(a, "--lower-limit=0");
	args_traffic_defs(a, rq, ds, v, NELEM(ds));
	arg(a, "CDEF:ptb=ptb_s,%.0f,*", iv);
	arg(a, "CDEF:unr=unr_s,%.0f,*", iv);
	arg(a, "LINE2:ptb#%s:ICMPv6 Packet Too Big   ", COLOR_PTB);
	arg_legend(a, "ptb", "%7.1lf");
	arg(a, "LINE2:unr#%s:ICMPv6 Dest. Unreachable%s", COLOR_UNREACH,
	    DASHES);
	arg_legend(a, "unr", "%7.1lf");
}

int
graph_args(const struct graph_req *rq, struct graph_argv *a)
{
	char name[GRAPH_NAME_MAX + 1], probe[GRAPH_NAME_MAX + 1];

	memset(a, 0, sizeof(*a));
	arg(a, "graphv");
	arg(a, "-");
	arg(a, "--imgformat=%s", rq->svg ? "SVG" : "PNG");
	arg(a, "--start=%lld",
	    (long long)(rq->end - graph_period_s(rq->period)));
	arg(a, "--end=%lld", (long long)rq->end);
	arg(a, "--width=%d", GRAPH_WIDTH);
	/* About two pixels per row for availability, four for times: librrd
	 * reads a coarser archive, and a line of fewer points costs less to
	 * draw and compress (most of a graph's cost), with no loss a reader
	 * can see; outages keep the finer rows. */
	arg(a, "--step=%lld",
	    (long long)(graph_period_s(rq->period) /
		(rq->kind == GRAPH_LATENCY || rq->kind == GRAPH_PROBE ? 150 :
									300)));
	arg(a, "--height=%d", GRAPH_HEIGHT);
	arg(a, "--color=BACK#FFFFFF");
	arg(a, "--color=SHADEA#FFFFFF");
	arg(a, "--color=SHADEB#FFFFFF");
	if (rq->daemon != NULL)
		arg(a, "--daemon=%s", rq->daemon);
	title_name(rq->target != NULL ? rq->target : "", name, sizeof(name));
	title_name(rq->probe != NULL ? rq->probe : "", probe, sizeof(probe));
	switch (rq->kind) {
	case GRAPH_AVAIL:
		arg(a, "--title=%s: availability, %s", name,
		    period_words[rq->period]);
		args_avail(a, rq);
		break;
	case GRAPH_LATENCY:
		arg(a, "--title=%s: time per phase, %s", name,
		    period_words[rq->period]);
		args_ms(a, rq);
		break;
	case GRAPH_PROBE:
		arg(a, "--title=%s from %s: total time, %s", name, probe,
		    period_words[rq->period]);
		args_ms(a, rq);
		break;
	case GRAPH_SUMMARY:
		arg(a, "--title=Targets ready for IPv6, %s",
		    period_words[rq->period]);
		args_summary(a, rq);
		break;
	case GRAPH_SHARE:
	case GRAPH_BYTES:
	case GRAPH_ICMP:
		title_name(rq->iface != NULL ? rq->iface : "", name,
		    sizeof(name));
		arg(a, "--title=%s from %s: %s, %s", name, probe,
		    rq->kind == GRAPH_SHARE	? "IPv6 share of IP bytes" :
			rq->kind == GRAPH_BYTES ? "bytes per second" :
						  "ICMPv6 errors",
		    period_words[rq->period]);
		if (rq->traffic == NULL) {
			a->overflow = 1;
			break;
		}
		if (rq->kind == GRAPH_SHARE)
			args_share(a, rq);
		else if (rq->kind == GRAPH_BYTES)
			args_bytes(a, rq);
		else
			args_icmp(a, rq);
		break;
	}
	return a->overflow ? -1 : 0;
}

int
graph_render(const struct graph_req *rq, const char *path, char *err,
    size_t errlen)
{
	struct graph_argv a;
	rrd_info_t	 *info, *i;
	int		  rc = -1;

	if (graph_args(rq, &a) == -1) {
		snprintf(err, errlen, "%s: too many graph arguments", path);
		graph_argv_free(&a);
		return -1;
	}
	rrd_clear_error();
	info = rrd_graph_v(a.n, a.v);
	graph_argv_free(&a);
	if (info == NULL) {
		const char *m = rrd_get_error();

		snprintf(err, errlen, "graph %s: %s", path,
		    m != NULL && m[0] != '\0' ? m : "unknown librrd error");
		return -1;
	}
	for (i = info; i != NULL; i = i->next)
		if (i->type == RD_I_BLO && strcmp(i->key, "image") == 0)
			break;
	if (i == NULL || i->value.u_blo.size == 0)
		snprintf(err, errlen, "graph %s: librrd returned no image",
		    path);
	else
		rc = file_replace(path, i->value.u_blo.ptr, i->value.u_blo.size,
		    0644, rq->end, 0, err, errlen);
	rrd_info_free(info);
	return rc;
}
