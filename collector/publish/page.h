/*
 * page: the HTML of the site's pages -- index.html (every target, worst
 * first, sortable and filterable by group with a little JavaScript from
 * site.js, fully readable without it), one page per target (graphs,
 * latest check details per probe, recent changes) and traffic.html (the
 * probes' passive capture) -- plus the shared style.css and site.js.
 * Plain HTML and CSS, no external resource, every string from a record
 * escaped; the words in the language spoken (i18n.h), site.js's too (as
 * data- attributes of the page).
 */
#ifndef V6W_PAGE_H
#define V6W_PAGE_H

#include <stddef.h>

#include "graph.h"

struct alert;
struct html;
struct site;
struct site_target;

struct page_ctx {
	const char *collector; /* its name */
	double	    now;
	int	    have_summary; /* 1 show them, 0 site too young, -1 none */
	/* 1 when the graph at rel (page_graph_path) exists; NULL: all do.
	 * A graph only linked to (an SVG, a per-probe graph beyond the day)
	 * is linked once it exists. */
	int (*have)(const char *rel, void *arg);
	void *have_arg;
	/* The maintenance windows; NULL: none shown. */
	const struct alert *alert;
	/* Who publishes (collector.title, collector.organisation): the
	 * site's title, default "IPv6 status of COLLECTOR" in the
	 * language spoken; NULL: none. */
	const char *title;
	const char *organisation;
};

void page_index(struct html *, const struct site *, const struct page_ctx *);
/* traffic.html: every capture interface's latest figures and graphs. */
void page_traffic(struct html *, const struct site *, const struct page_ctx *);
void
page_target(struct html *, const struct site_target *, const struct page_ctx *);
/*
 * Maintenance: "in maintenance until ..." when a window covers t now, and
 * the windows of the last PAGE_MAINT_PERIOD_S (and those planned) naming
 * t -- or every window when t is NULL (the report).
 */
#define PAGE_MAINT_PERIOD_S (30 * 86400.0)
void
page_maint(struct html *, const struct site_target *t, const struct page_ctx *);

/*
 * The head of a page: doctype, title (untrusted), the stylesheet and icon
 * at top, the relative path to the site's top ("" or "../").
 */
void page_head(struct html *, const char *title, const char *top);
void page_foot(struct html *, const struct page_ctx *);

/*
 * "g/SLUG/KIND-PERIOD.EXT" (relative to the site's top) into out; for a
 * traffic graph "traffic/PROBE_SLUG/SLUG/KIND-PERIOD.EXT", SLUG being the
 * interface's.
 */
int page_graph_path(char *out, size_t size, const char *slug, enum graph_kind,
    const char *probe_slug, enum graph_period, int svg);

/*
 * A percentage of availability (0..1, < 0 unknown) as text, rounded
 * (i18n_pct: "55.6 %", "99.95 %") in the language's form.
 */
const char *page_pct(double v, char *out, size_t size);
/* The site's title (page_ctx.title, else its default) into out. */
const char *page_site_title(const struct page_ctx *, char *out, size_t size);

extern const char page_css[];
extern const char page_icon[]; /* favicon.svg */
extern const char page_js[];

#endif
