/*
 * graph: rrd_graph_v arguments per kind of graph, and rendering.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rrd.h>

#include "graph.h"
#include "i18n.h"
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
static const char *const period_words[PERIOD__N] = {N_("last hour"),
    N_("last 24 hours"), N_("last 7 days"), N_("last 31 days"),
    N_("last 365 days")};

static const int64_t period_s[PERIOD__N] = {3600, 86400, 7 * 86400, 31 * 86400,
    365 * 86400};

/* Per family: label, colour, line style. */
static const char *const fam_label[FAMILY__N] = {"IPv6", "IPv4"};
static const char *const fam_color[FAMILY__N] = {COLOR_V6, COLOR_V4};
static const char *const fam_dash[FAMILY__N] = {"", DASHES};
static const char	 fam_tag[FAMILY__N] = {'6', '4'};

/* Phases drawn in the latency graph, lighter to darker per family. */
static const char *const lat_ds[] = {"dns", "connect", "tls", "ttfb"};
static const char *const lat_label[] = {N_("DNS"), N_("connect"), N_("TLS"),
    N_("1st byte")};
static const char *const lat_color[FAMILY__N][4] = {{"9ecae1", "6baed6",
							"3182bd", "08519c"},
    {"fdd0a2", "fdae6b", "e6550d", "a63603"}};

/*
 * The x axis's grid and labels of a period (rrdtool's --x-grid), "auto"
 * for rrdtool's own, whose labels name days and months in English ("Sat
 * 08:00", "Week 49", "Dec"): a language writes them in numbers.
 */
static const char *
period_grid(enum graph_period p)
{
	/* TRANSLATORS: rrdtool's --x-grid
	 * (GTM:GST:MTM:MST:LTM:LST:LPR:LFM, LFM a strftime format) for a
	 * 600 pixels wide graph of the period, or "auto": rrdtool's own,
	 * which writes English day and month names. */
	switch (p) {
	case PERIOD_HOUR:
		return C_("rrdtool --x-grid, last hour", "auto");
	case PERIOD_DAY:
		return C_("rrdtool --x-grid, last 24 hours", "auto");
	case PERIOD_WEEK:
		return C_("rrdtool --x-grid, last 7 days", "auto");
	case PERIOD_MONTH:
		return C_("rrdtool --x-grid, last 31 days", "auto");
	default:
		return C_("rrdtool --x-grid, last 365 days", "auto");
	}
}

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

/*
 * The arguments being built: in the values pass (vals NULL) the data and a
 * PRINT of each legend's figure, nothing drawn; in the drawing pass
 * everything, each legend's figures written from vals.
 */
struct gb {
	struct graph_argv	  *a;
	const struct graph_values *vals;
	size_t			   k; /* legend figures so far */
};

static void arg(struct graph_argv *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void varg(struct graph_argv *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
varg(struct graph_argv *a, const char *fmt, va_list ap)
{
	char *s;

	if (a->n >= GRAPH_ARGS_MAX) {
		a->overflow = 1;
		return;
	}
	if (vasprintf(&s, fmt, ap) == -1) {
		a->overflow = 1;
		return;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void
arg(struct graph_argv *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	varg(a, fmt, ap);
	va_end(ap);
}

/* An argument of the drawing pass only (title, lines, legends). */
static void
draw(struct gb *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
draw(struct gb *g, const char *fmt, ...)
{
	va_list ap;

	if (g->vals == NULL)
		return;
	va_start(ap, fmt);
	varg(g->a, fmt, ap);
	va_end(ap);
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
 * Legend text s for librrd into out: ':' escaped, a backslash (librrd's
 * \l, \g...) dropped, padded with spaces to width characters (UTF-8).
 */
static const char *
leg(const char *s, size_t width, char *out, size_t size)
{
	size_t n = 0, chars = 0;

	for (const unsigned char *p = (const unsigned char *)s;
	     *p != '\0' && n + 3 < size; p++) {
		if (*p == '\\')
			continue;
		if (*p == ':')
			out[n++] = '\\';
		out[n++] = (char)*p;
		chars += (*p & 0xc0) != 0x80;
	}
	while (chars++ < width && n + 1 < size)
		out[n++] = ' ';
	out[n] = '\0';
	return out;
}

/* The widest of n translated labels, in characters. */
static size_t
leg_width(const char *const *labels, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		size_t c = 0;

		for (const unsigned char *p =
			 (const unsigned char *)_(labels[i]);
		     *p != '\0'; p++)
			c += (*p & 0xc0) != 0x80;
		if (c > w)
			w = c;
	}
	return w;
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

/* How a legend writes its figures. */
enum legend_unit {
	UNIT_PCT,   /* " 99.5%" */
	UNIT_MS,    /* "  123.4 ms" */
	UNIT_COUNT, /* "    2.0" */
	UNIT_RATE   /* "  12.3 kB/s" */
};

/* One figure of a legend, as the language writes numbers. */
static void
legend_figure(double v, enum legend_unit u, char *out, size_t size)
{
	static const char si[] = " kMGTPE";
	char		  num[64];
	size_t		  p = 0;

	switch (u) {
	case UNIT_PCT:
		snprintf(out, size, "%5s%%",
		    i18n_fixed(v, 1, num, sizeof(num)));
		break;
	case UNIT_MS:
		snprintf(out, size, "%7s ms",
		    i18n_fixed(v, 1, num, sizeof(num)));
		break;
	case UNIT_COUNT:
		snprintf(out, size, "%7s", i18n_fixed(v, 1, num, sizeof(num)));
		break;
	case UNIT_RATE:
		while (fabs(v) >= 1000 && p + 1 < sizeof(si) - 1) {
			v /= 1000;
			p++;
		}
		snprintf(out, size, "%6s %cB/s",
		    i18n_fixed(v, 1, num, sizeof(num)), si[p]);
		break;
	}
}

/*
 * The minimum, average, maximum and last of vname in the legend, then a
 * new line; "no data yet" instead when they are unknown (librrd would
 * write "-nan").
 */
static void
arg_legend(struct gb *g, const char *vname, enum legend_unit u)
{
	static const char *const what[] = {"MINIMUM", "AVERAGE", "MAXIMUM",
	    "LAST"};
	static const char *const word[] = {"min", "avg", "max", "last"};
	/* TRANSLATORS: the figures of a graph's legend: minimum, average,
	 * maximum, the last value. */
	static const char *const label[] = {NC_("graph legend", "min"),
	    NC_("graph legend", "avg"), NC_("graph legend", "max"),
	    NC_("graph legend", "last")};
	size_t			 k = g->k;
	char			 text[256], fig[64], l[128];

	g->k += 4;
	if (g->vals == NULL) {
		for (int i = 0; i < 4; i++) {
			arg(g->a, "VDEF:%s_%s=%s,%s", vname, word[i], vname,
			    what[i]);
			arg(g->a, "PRINT:%s_%s:%%.10le", vname, word[i]);
		}
		return;
	}
	if (k + 4 > g->vals->n || isnan(g->vals->v[k])) {
		draw(g, "COMMENT:%s\\l",
		    leg(_("no data yet"), 0, l, sizeof(l)));
		return;
	}
	for (int i = 0; i < 4; i++) {
		legend_figure(g->vals->v[k + (size_t)i], u, fig, sizeof(fig));
		snprintf(text, sizeof(text), "%s %s",
		    C_("graph legend", label[i]), fig);
		draw(g, "COMMENT:%s%s", leg(text, 0, l, sizeof(l)),
		    i == 3 ? "\\l" : "");
	}
}

/*
 * The availability of each family as upX (have[f]: it has measurements)
 * and shaded spans where it is down (up below one half).
 */
static void
arg_outages(struct gb *g, const struct graph_req *rq, int have[FAMILY__N])
{
	char l[128], text[128];

	for (int f = 0; f < FAMILY__N; f++) {
		char up[8];

		snprintf(up, sizeof(up), "up%c", fam_tag[f]);
		have[f] = arg_avg(g->a, rq, f, "up", up);
	}
	for (int f = 0; f < FAMILY__N; f++) {
		if (!have[f])
			continue;
		arg(g->a, "CDEF:out%c=up%c,UN,UNKN,up%c,0.5,LT,INF,UNKN,IF,IF",
		    fam_tag[f], fam_tag[f], fam_tag[f]);
		/* TRANSLATORS: the legend of a family's outages. */
		snprintf(text, sizeof(text), _("%s down"), fam_label[f]);
		draw(g, "AREA:out%c#%s%s:%s%s", fam_tag[f], fam_color[f], SHADE,
		    leg(text, 0, l, sizeof(l)),
		    f == FAMILY_IPV4 || !have[1] ? "\\l" : "");
	}
}

/* "IPv4: no measurements" for a family without a file. */
static void
arg_none(struct gb *g, enum family f)
{
	char text[128], l[128];

	snprintf(text, sizeof(text), _("%s: no measurements"), fam_label[f]);
	draw(g, "COMMENT:%s\\l", leg(text, 0, l, sizeof(l)));
}

static void
args_avail(struct gb *g, const struct graph_req *rq)
{
	int  have[FAMILY__N];
	char text[128], l[128];

	/* xgettext:no-c-format */
	draw(g, "--vertical-label=%s", _("% available"));
	draw(g, "--lower-limit=0");
	draw(g, "--upper-limit=100");
	draw(g, "--rigid");
	arg_outages(g, rq, have);
	for (int f = 0; f < FAMILY__N; f++) {
		char v[8];

		if (!have[f]) {
			arg_none(g, f);
			continue;
		}
		arg(g->a, "CDEF:pct%c=up%c,100,*", fam_tag[f], fam_tag[f]);
		/* TRANSLATORS: a graph's line: a family's availability. */
		snprintf(text, sizeof(text), _("%s available"), fam_label[f]);
		draw(g, "LINE2:pct%c#%s:%s%s", fam_tag[f], fam_color[f],
		    leg(text, 0, l, sizeof(l)), fam_dash[f]);
		snprintf(v, sizeof(v), "pct%c", fam_tag[f]);
		arg_legend(g, v, UNIT_PCT);
	}
}

/*
 * Milliseconds over the outages: per family the time of each phase
 * (GRAPH_LATENCY), or the total time (GRAPH_PROBE, one probe's graph).
 */
static void
args_ms(struct gb *g, const struct graph_req *rq)
{
	int    have[FAMILY__N];
	size_t width = leg_width(lat_label, NELEM(lat_label));
	char   text[128], l[128], pl[128];

	draw(g, "--vertical-label=%s", _("milliseconds"));
	draw(g, "--lower-limit=0");
	arg_outages(g, rq, have);
	for (int f = 0; f < FAMILY__N; f++) {
		char v[32];

		if (!have[f]) {
			arg_none(g, f);
			continue;
		}
		if (rq->kind == GRAPH_PROBE) {
			snprintf(v, sizeof(v), "total%c", fam_tag[f]);
			arg_avg(g->a, rq, f, "total", v);
			/* TRANSLATORS: a graph's line: a family's total
			 * time of a check. */
			snprintf(text, sizeof(text), _("%s total time"),
			    fam_label[f]);
			draw(g, "LINE2:%s#%s:%s%s", v, fam_color[f],
			    leg(text, 0, l, sizeof(l)), fam_dash[f]);
			arg_legend(g, v, UNIT_MS);
			continue;
		}
		for (size_t p = 0; p < NELEM(lat_ds); p++) {
			snprintf(v, sizeof(v), "%s%c", lat_ds[p], fam_tag[f]);
			if (!arg_avg(g->a, rq, f, lat_ds[p], v))
				continue;
			snprintf(text, sizeof(text), "%s %s", fam_label[f],
			    leg(_(lat_label[p]), width, pl, sizeof(pl)));
			draw(g, "LINE1:%s#%s:%s%s", v, lat_color[f][p],
			    leg(text, 0, l, sizeof(l)), fam_dash[f]);
			arg_legend(g, v, UNIT_MS);
		}
	}
}

static void
args_summary(struct gb *g, const struct graph_req *rq)
{
	static const struct {
		const char *ds, *v, *label, *color, *line, *dash;
	} l[] = {{"ready", "rdy", N_("ready for IPv6"), COLOR_READY, "LINE3",
		     ""},
	    {"ipv6_up", "ok6", N_("IPv6 works"), COLOR_V6, "LINE1", ""},
	    {"ipv4_up", "ok4", N_("IPv4 works"), COLOR_V4, "LINE1", DASHES}};
	const char *labels[NELEM(l)];
	size_t	    width;
	char	    text[128];

	for (size_t i = 0; i < NELEM(l); i++)
		labels[i] = l[i].label;
	width = leg_width(labels, NELEM(l));
	/* xgettext:no-c-format */
	draw(g, "--vertical-label=%s", _("% of targets"));
	draw(g, "--lower-limit=0");
	draw(g, "--upper-limit=100");
	draw(g, "--rigid");
	arg_def(g->a, "targets", rq->summary, "targets");
	for (size_t i = 0; i < NELEM(l); i++) {
		char pct[16];

		arg_def(g->a, l[i].v, rq->summary, l[i].ds);
		snprintf(pct, sizeof(pct), "%s_pct", l[i].v);
		arg(g->a, "CDEF:%s=%s,targets,/,100,*", pct, l[i].v);
		draw(g, "%s:%s#%s:%s%s", l[i].line, pct, l[i].color,
		    leg(_(l[i].label), width, text, sizeof(text)), l[i].dash);
		arg_legend(g, pct, UNIT_PCT);
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
args_share(struct gb *g, const struct graph_req *rq)
{
	static const char *const ds[] = {"bytes_ipv6", "bytes_ipv4"};
	static const char *const v[] = {"b6", "b4"};
	char			 l[128];

	/* xgettext:no-c-format */
	draw(g, "--vertical-label=%s", _("% of IP bytes"));
	draw(g, "--lower-limit=0");
	draw(g, "--upper-limit=100");
	draw(g, "--rigid");
	args_traffic_defs(g->a, rq, ds, v, NELEM(ds));
	arg(g->a, "CDEF:ip=b6,b4,+");
	/* No IP traffic: no share, rather than 0 % or a division by 0. */
	arg(g->a, "CDEF:share=ip,0,GT,b6,ip,/,100,*,UNKN,IF");
	draw(g, "LINE2:share#%s:%s", COLOR_V6,
	    leg(_("IPv6 share of IP bytes"), 0, l, sizeof(l)));
	arg_legend(g, "share", UNIT_PCT);
}

static void
args_bytes(struct gb *g, const struct graph_req *rq)
{
	static const char *const ds[] = {"bytes_ipv6", "bytes_ipv4"};
	static const char *const v[] = {"b6", "b4"};

	draw(g, "--vertical-label=%s", _("bytes per second"));
	draw(g, "--lower-limit=0");
	args_traffic_defs(g->a, rq, ds, v, NELEM(ds));
	for (int f = 0; f < FAMILY__N; f++) {
		char vn[8];

		draw(g, "LINE2:b%c#%s:%s%s", fam_tag[f], fam_color[f],
		    fam_label[f], fam_dash[f]);
		snprintf(vn, sizeof(vn), "b%c", fam_tag[f]);
		arg_legend(g, vn, UNIT_RATE);
	}
}

static void
args_icmp(struct gb *g, const struct graph_req *rq)
{
	static const char *const ds[] = {"ptb", "unreach"};
	static const char *const v[] = {"ptb_s", "unr_s"};
	static const char *const label[] = {N_("ICMPv6 Packet Too Big"),
	    N_("ICMPv6 Dest. Unreachable")};
	size_t			 width = leg_width(label, NELEM(label));
	double iv = rq->interval_s >= 1 && rq->interval_s <= 86400 ?
	    rq->interval_s :
	    60;
	char   l[128];

	/* TRANSLATORS: the vertical axis: messages per capture interval
	 * of %.0f seconds. */
	{
		char vl[128];

		snprintf(vl, sizeof(vl), _("per %.0f s interval"), iv);
		draw(g, "--vertical-label=%s", vl);
	}
	draw(g, "--lower-limit=0");
	args_traffic_defs(g->a, rq, ds, v, NELEM(ds));
	arg(g->a, "CDEF:ptb=ptb_s,%.0f,*", iv);
	arg(g->a, "CDEF:unr=unr_s,%.0f,*", iv);
	draw(g, "LINE2:ptb#%s:%s", COLOR_PTB,
	    leg(_(label[0]), width, l, sizeof(l)));
	arg_legend(g, "ptb", UNIT_COUNT);
	draw(g, "LINE2:unr#%s:%s%s", COLOR_UNREACH,
	    leg(_(label[1]), width, l, sizeof(l)), DASHES);
	arg_legend(g, "unr", UNIT_COUNT);
}

int
graph_args(const struct graph_req *rq, const struct graph_values *vals,
    struct graph_argv *a)
{
	char	    name[GRAPH_NAME_MAX + 1], probe[GRAPH_NAME_MAX + 1];
	char	    title[4 * GRAPH_NAME_MAX + 256];
	const char *period, *grid;
	struct gb   g;

	memset(a, 0, sizeof(*a));
	g.a = a;
	g.vals = vals;
	g.k = 0;
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
	draw(&g, "--color=BACK#FFFFFF");
	draw(&g, "--color=SHADEA#FFFFFF");
	draw(&g, "--color=SHADEB#FFFFFF");
	if ((unsigned)rq->period < PERIOD__N) {
		grid = period_grid(rq->period);
		if (strcmp(grid, "auto") != 0)
			draw(&g, "--x-grid=%s", grid);
		period = _(period_words[rq->period]);
	} else
		period = "?";
	if (rq->daemon != NULL)
		arg(a, "--daemon=%s", rq->daemon);
	title_name(rq->target != NULL ? rq->target : "", name, sizeof(name));
	title_name(rq->probe != NULL ? rq->probe : "", probe, sizeof(probe));
	switch (rq->kind) {
	case GRAPH_AVAIL:
		snprintf(title, sizeof(title), _("%s: availability, %s"), name,
		    period);
		draw(&g, "--title=%s", title);
		args_avail(&g, rq);
		break;
	case GRAPH_LATENCY:
		snprintf(title, sizeof(title), _("%s: time per phase, %s"),
		    name, period);
		draw(&g, "--title=%s", title);
		args_ms(&g, rq);
		break;
	case GRAPH_PROBE:
		snprintf(title, sizeof(title), _("%s from %s: total time, %s"),
		    name, probe, period);
		draw(&g, "--title=%s", title);
		args_ms(&g, rq);
		break;
	case GRAPH_SUMMARY:
		/* TRANSLATORS: a graph's title; %s is the period ("last 24
		 * hours"). */
		snprintf(title, sizeof(title), _("Targets ready for IPv6, %s"),
		    period);
		draw(&g, "--title=%s", title);
		args_summary(&g, rq);
		break;
	case GRAPH_SHARE:
	case GRAPH_BYTES:
	case GRAPH_ICMP:
		title_name(rq->iface != NULL ? rq->iface : "", name,
		    sizeof(name));
		/* TRANSLATORS: a graph's title: interface, probe, what it
		 * shows, period. */
		snprintf(title, sizeof(title), _("%s from %s: %s, %s"), name,
		    probe,
		    rq->kind == GRAPH_SHARE	? _("IPv6 share of IP bytes") :
			rq->kind == GRAPH_BYTES ? _("bytes per second") :
						  _("ICMPv6 errors"),
		    period);
		draw(&g, "--title=%s", title);
		if (rq->traffic == NULL) {
			a->overflow = 1;
			break;
		}
		if (rq->kind == GRAPH_SHARE)
			args_share(&g, rq);
		else if (rq->kind == GRAPH_BYTES)
			args_bytes(&g, rq);
		else
			args_icmp(&g, rq);
		break;
	}
	if (g.k > GRAPH_VALUES_MAX)
		a->overflow = 1;
	return a->overflow ? -1 : 0;
}

int
graph_values(const struct graph_req *rq, struct graph_values *vals, char *err,
    size_t errlen)
{
	struct graph_argv a;
	rrd_info_t	 *info;
	int		  prints = 0;

	memset(vals, 0, sizeof(*vals));
	if (graph_args(rq, NULL, &a) == -1) {
		snprintf(err, errlen, "too many graph arguments");
		graph_argv_free(&a);
		return -1;
	}
	for (int i = 0; i < a.n; i++)
		prints += strncmp(a.v[i], "PRINT:", 6) == 0;
	if (prints == 0) { /* no file: nothing to read */
		graph_argv_free(&a);
		return 0;
	}
	rrd_clear_error();
	info = rrd_graph_v(a.n, a.v);
	graph_argv_free(&a);
	if (info == NULL) {
		const char *m = rrd_get_error();

		snprintf(err, errlen, "%s",
		    m != NULL && m[0] != '\0' ? m : "unknown librrd error");
		return -1;
	}
	for (size_t i = 0; i < (size_t)prints && i < GRAPH_VALUES_MAX; i++)
		vals->v[i] = NAN;
	for (rrd_info_t *p = info; p != NULL; p = p->next) {
		unsigned long k;
		char	     *end;

		if (strncmp(p->key, "print[", 6) != 0 || p->type != RD_I_STR)
			continue;
		k = strtoul(p->key + 6, &end, 10);
		if (*end == ']' && k < GRAPH_VALUES_MAX)
			vals->v[k] = strtod(p->value.u_str, NULL);
	}
	vals->n = (size_t)prints < GRAPH_VALUES_MAX ? (size_t)prints :
						      GRAPH_VALUES_MAX;
	rrd_info_free(info);
	return 0;
}

int
graph_render(const struct graph_req *rq, const char *path, char *err,
    size_t errlen)
{
	struct graph_argv   a;
	struct graph_values vals;
	rrd_info_t	   *info, *i;
	int		    rc = -1;
	char		    why[1024];

	/* The legend's figures first, then the graph that writes them. */
	if (graph_values(rq, &vals, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "graph %s: %s", path, why);
		return -1;
	}
	if (graph_args(rq, &vals, &a) == -1) {
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
