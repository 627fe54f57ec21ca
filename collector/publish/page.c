/*
 * page: index and target pages.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "html.h"
#include "i18n.h"
#include "ledger.h"
#include "page.h"
#include "site.h"
#include "util.h"

static const char *const fam_label[FAMILY__N] = {"IPv6", "IPv4"};
static const char *const window_label[WINDOW__N] = {N_("24 h"), N_("7 d"),
    N_("30 d")};
static const char *const period_label[PERIOD__N] = {N_("Last hour"),
    N_("Last 24 hours"), N_("Last 7 days"), N_("Last 31 days"),
    N_("Last 365 days")};

const char page_css[] =
    ":root{--v6:#1f77b4;--v4:#ff7f0e;--ok:#1a7f37;--bad:#c62828;"
    "--warn:#b26a00;--dim:#666}\n"
    "*{box-sizing:border-box}\n"
    "body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "\"DejaVu Sans\",sans-serif;margin:0;padding:0 1rem 2rem;color:#222;"
    "background:#fff;line-height:1.4}\n"
    "header,main,footer{max-width:72rem;margin:0 auto}\n"
    "header{padding:.8rem 0;border-bottom:1px solid #ddd}\n"
    "nav a{margin-right:1rem}\n"
    "h1{font-size:1.5rem;margin:.6rem 0}h2{font-size:1.2rem;margin-top:1.6rem}"
    "h3{font-size:1rem}\n"
    "a{color:#0b57d0}\n"
    ".scroll{overflow-x:auto}\n"
    "table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}\n"
    "th,td{padding:.3rem .5rem;border-bottom:1px solid #e3e3e3;"
    "text-align:left;vertical-align:top}\n"
    "th{background:#f5f5f5;white-space:nowrap}\n"
    "td.n{text-align:right;white-space:nowrap;font-variant-numeric:"
    "tabular-nums}\n"
    "th.sort{cursor:pointer}th.sort:after{content:\" \\2195\";color:#999}\n"
    ".st{display:inline-block;padding:0 .4rem;border-radius:.3rem;"
    "font-weight:600;white-space:nowrap}\n"
    ".up{background:#e6f4ea;color:var(--ok)}"
    ".down{background:#fde7e9;color:var(--bad)}"
    ".partial{background:#fff4e0;color:var(--warn)}"
    ".unknown{background:#eee;color:var(--dim)}\n"
    ".maint{background:#e8eaf6;padding:.4rem .6rem;border-radius:.3rem}\n"
    ".v6{color:var(--v6);font-weight:600}.v4{color:var(--v4);"
    "font-weight:600}\n"
    ".dim{color:var(--dim)}.bad{color:var(--bad)}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:.6rem 0}\n"
    ".card{border:1px solid #ddd;border-radius:.4rem;padding:.5rem .8rem;"
    "min-width:9rem}\n"
    ".card b{display:block;font-size:1.3rem}\n"
    "figure{margin:.6rem 0}img{max-width:100%;height:auto}\n"
    "figcaption{font-size:.85rem}\n"
    ".hidden{display:none}\n"
    ".bar{display:inline-block;height:.8rem;background:var(--v6);"
    "vertical-align:middle}\n"
    "code{word-break:break-all}\n"
    "footer{margin-top:2rem;font-size:.8rem;color:var(--dim)}\n"
    "@media (max-width:40rem){body{padding:0 .5rem 1rem}"
    "th,td{padding:.25rem .3rem}}\n"
    /* Printed (report.html for letters): A4 with margins, black on
     * white; no navigation, links, filter or sort marks; the header
     * (who publishes, as of when) on the first page, a table's head
     * again on every page and no row, figure or card split. */
    "@page{size:A4;margin:16mm 14mm 18mm}\n"
    "@media print{nav,.noprint,#filter,figcaption,select,input,button"
    "{display:none!important}\n"
    "*{color:#000!important;background:#fff!important;"
    "box-shadow:none!important}\n"
    "body{padding:0;font-size:10pt;line-height:1.3}"
    "header,main,footer{max-width:none}\n"
    "header{border-bottom:1px solid #000;padding-top:0}"
    "h1{font-size:16pt}h2{font-size:13pt}\n"
    "a{text-decoration:none}th.sort{cursor:auto}"
    "th.sort:after{content:none}\n"
    ".scroll{overflow:visible}table{width:100%;page-break-inside:auto}"
    "thead{display:table-header-group}\n"
    "th,td{border-bottom:1px solid #999}th{border-bottom-color:#000}\n"
    "tr,img,figure,.card,li{page-break-inside:avoid;break-inside:avoid}"
    "h2,h3{page-break-after:avoid;break-after:avoid}\n"
    ".st,.card{border:1px solid #000}.maint{border:1px solid #000}"
    "footer{border-top:1px solid #000;padding-top:.3rem}}\n";

const char page_js[] =
    "// Sorting and the group filter of index.html; the page reads the\n"
    "// same without them.\n"
    "(function () {\n"
    "  var table = document.getElementById('targets');\n"
    "  if (!table) return;\n"
    "  var body = table.tBodies[0];\n"
    "  var heads = table.tHead.rows[0].cells;\n"
    "  var sortTitle = table.getAttribute('data-sort-title') || '';\n"
    "  function key(row, i) {\n"
    "    var c = row.cells[i], v = c.getAttribute('data-v');\n"
    "    return v === null ? c.textContent.toLowerCase() : parseFloat(v);\n"
    "  }\n"
    "  Array.prototype.forEach.call(heads, function (th, i) {\n"
    "    th.className += ' sort';\n"
    "    th.title = sortTitle;\n"
    "    th.addEventListener('click', function () {\n"
    "      var rows = Array.prototype.slice.call(body.rows);\n"
    "      var dir = th.getAttribute('data-dir') === 'up' ? -1 : 1;\n"
    "      th.setAttribute('data-dir', dir === 1 ? 'up' : 'down');\n"
    "      rows.sort(function (a, b) {\n"
    "        var x = key(a, i), y = key(b, i);\n"
    "        return x < y ? -dir : x > y ? dir : 0;\n"
    "      });\n"
    "      rows.forEach(function (r) { body.appendChild(r); });\n"
    "    });\n"
    "  });\n"
    "  var sel = document.getElementById('group');\n"
    "  var box = document.getElementById('filter');\n"
    "  if (!sel || !box) return;\n"
    "  box.className = '';\n"
    "  sel.addEventListener('change', function () {\n"
    "    Array.prototype.forEach.call(body.rows, function (r) {\n"
    "      var g = r.getAttribute('data-group');\n"
    "      r.className = sel.value === '' || g === sel.value ? '' : "
    "'hidden';\n"
    "    });\n"
    "  });\n"
    "})();\n";

const char page_icon[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\">"
    "<circle cx=\"16\" cy=\"16\" r=\"15\" fill=\"#1f77b4\"/>"
    "<text x=\"16\" y=\"23\" font-family=\"sans-serif\" font-size=\"20\" "
    "font-weight=\"bold\" fill=\"#fff\" text-anchor=\"middle\">6</text>"
    "</svg>\n";

const char *
page_pct(double v, char *out, size_t size)
{
	/* Rounded, finer when needed: 99.95 % is not 100 %. */
	return i18n_pct(v, out, size);
}

const char *
page_site_title(const struct page_ctx *ctx, char *out, size_t size)
{
	if (ctx->title != NULL && ctx->title[0] != '\0')
		snprintf(out, size, "%s", ctx->title);
	else
		/* TRANSLATORS: the site's title; %s is the collector's name. */
		snprintf(out, size, _("IPv6 status of %s"), ctx->collector);
	return out;
}

/* Who publishes, above a page's heading: the organisation (if any) and,
 * when the heading is not the site's title, the title as a link home. */
static void
page_brand(struct html *h, const struct page_ctx *ctx, const char *top,
    int link_home)
{
	char title[256];

	if ((ctx->organisation == NULL || ctx->organisation[0] == '\0') &&
	    !link_home)
		return;
	html_raw(h, "<p class=\"brand\">");
	if (ctx->organisation != NULL && ctx->organisation[0] != '\0') {
		html_raw(h, "<b>");
		html_text(h, ctx->organisation, 0);
		html_raw(h, "</b>");
		if (link_home)
			html_raw(h, " \xc2\xb7 ");
	}
	if (link_home) {
		html_printf(h, "<a href=\"%sindex.html\">", top);
		html_text(h, page_site_title(ctx, title, sizeof(title)), 0);
		html_raw(h, "</a>");
	}
	html_raw(h, "</p>\n");
}

int
page_graph_path(char *out, size_t size, const char *slug, enum graph_kind k,
    const char *probe_slug, enum graph_period p, int svg)
{
	int n;

	if (k == GRAPH_SUMMARY)
		n = snprintf(out, size, "g/summary-%s.%s", graph_period_name(p),
		    svg ? "svg" : "png");
	else if (graph_kind_traffic(k))
		n = snprintf(out, size, "traffic/%s/%s/%s-%s.%s", probe_slug,
		    slug, graph_kind_name(k), graph_period_name(p),
		    svg ? "svg" : "png");
	else if (k == GRAPH_PROBE)
		n = snprintf(out, size, "g/%s/probe-%s-%s.%s", slug, probe_slug,
		    graph_period_name(p), svg ? "svg" : "png");
	else
		n = snprintf(out, size, "g/%s/%s-%s.%s", slug,
		    graph_kind_name(k), graph_period_name(p),
		    svg ? "svg" : "png");
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

void
page_head(struct html *h, const char *title, const char *top)
{
	char lang[32];

	/* "pt_BR" is "pt-BR" in HTML. */
	snprintf(lang, sizeof(lang), "%s", i18n_language());
	for (char *p = lang; *p != '\0'; p++)
		if (*p == '_')
			*p = '-';
	html_printf(h, "<!DOCTYPE html>\n<html lang=\"%s\">", lang);
	html_raw(h,
	    "<head>"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" "
	    "content=\"width=device-width,initial-scale=1\">\n"
	    "<title>");
	html_text(h, title, 0);
	html_printf(h,
	    "</title>\n<link rel=\"stylesheet\" href=\"%sstyle.css\">\n"
	    "<link rel=\"icon\" type=\"image/svg+xml\" "
	    "href=\"%sfavicon.svg\">\n</head><body>\n",
	    top, top);
}

void
page_foot(struct html *h, const struct page_ctx *ctx)
{
	char t[64], zone[256], line[512];

	/* TRANSLATORS: the footer: the collector's name, the time. */
	snprintf(line, sizeof(line), _("Published by v6collector %s at %s."),
	    ctx->collector, html_time(ctx->now, t, sizeof(t)));
	html_raw(h, "<footer>");
	html_text(h, line, 0);
	html_raw(h, " ");
	html_text(h, i18n_zone_sentence(ctx->now, zone, sizeof(zone)), 0);
	html_raw(h, "</footer>\n</body></html>\n");
}

static void
state_badge(struct html *h, enum site_state s)
{
	html_printf(h, "<span class=\"st %s\">", site_state_name(s));
	html_text(h, site_state_words(site_state_name(s)), 0);
	html_raw(h, "</span>");
}

static void
ready_cell(struct html *h, int ready)
{
	if (ready == 1)
		html_printf(h, "<span class=\"st up\">%s</span>", _("ready"));
	else if (ready == 0)
		html_printf(h, "<span class=\"st down\">%s</span>",
		    _("not ready"));
	else
		html_printf(h, "<span class=\"st unknown\">%s</span>",
		    C_("readiness", "unknown"));
}

static void
index_row(struct html *h, const struct site_target *t, size_t rank)
{
	char buf[64];

	html_printf(h, "<tr data-group=\"");
	html_text(h, t->group, 0);
	html_printf(h, "\"><td data-v=\"%zu\"><a href=\"t/%s.html\">", rank,
	    t->slug);
	html_text(h, t->title, 0);
	html_raw(h, "</a></td><td>");
	html_text(h, t->group, 0);
	html_raw(h, "</td>");
	for (int f = 0; f < FAMILY__N; f++) {
		html_printf(h, "<td data-v=\"%d\">", (int)t->fam[f].state);
		state_badge(h, t->fam[f].state);
		html_raw(h, "</td>");
	}
	html_printf(h, "<td data-v=\"%d\">", t->ready);
	ready_cell(h, t->ready);
	html_printf(h, "</td><td class=\"n\" data-v=\"%d\">", t->score);
	if (t->score >= 0)
		html_printf(h, "%d", t->score);
	else
		html_raw(h, "\xe2\x80\x93");
	html_raw(h, "</td><td>");
	if (t->problem[0] != '\0')
		html_text(h, t->problem, 0);
	else
		html_printf(h, "<span class=\"dim\">%s</span>",
		    C_("problem", "none"));
	html_raw(h, "</td>");
	for (int f = 0; f < FAMILY__N; f++)
		for (int w = 0; w < WINDOW__N; w++)
			html_printf(h,
			    "<td class=\"n\" data-v=\"%.6f\">%s</td>",
			    t->fam[f].avail[w],
			    page_pct(t->fam[f].avail[w], buf, sizeof(buf)));
	html_raw(h, "</tr>\n");
}

/* Distinct groups in name order, for the filter. */
static void
index_groups(struct html *h, const struct site *si)
{
	const char **g = xcalloc(si->n + 1, sizeof(*g));
	size_t	     n = 0;

	for (size_t i = 0; i < si->n; i++) {
		size_t j;

		for (j = 0; j < n; j++)
			if (strcmp(g[j], si->targets[i]->group) == 0)
				break;
		if (j == n && si->targets[i]->group[0] != '\0' && n < 1000)
			g[n++] = si->targets[i]->group;
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(g[j - 1], g[j]) > 0; j--) {
			const char *x = g[j];

			g[j] = g[j - 1];
			g[j - 1] = x;
		}
	html_printf(h,
	    "<p id=\"filter\" class=\"hidden\"><label for=\"group\">"
	    "%s </label><select id=\"group\">"
	    "<option value=\"\">%s</option>",
	    _("Group:"), _("all groups"));
	for (size_t i = 0; i < n; i++) {
		html_raw(h, "<option value=\"");
		html_text(h, g[i], 0);
		html_raw(h, "\">");
		html_text(h, g[i], 0);
		html_raw(h, "</option>");
	}
	html_raw(h, "</select></p>\n");
	free(g);
}

void
page_index(struct html *h, const struct site *si, const struct page_ctx *ctx)
{
	struct site_counts sc;
	char		   title[256], t[64], pct[32];

	page_site_title(ctx, title, sizeof(title));
	page_head(h, title, "");
	html_printf(h,
	    "<header><nav><a href=\"index.html\">%s</a>"
	    "<a href=\"report.html\">%s</a>",
	    _("Targets"), _("Readiness report"));
	if (si->ntraffic > 0)
		html_printf(h, "<a href=\"traffic.html\">%s</a>", _("Traffic"));
	html_raw(h, "<a href=\"status.json\">status.json</a></nav>\n");
	page_brand(h, ctx, "", 0);
	html_raw(h, "<h1>");
	html_text(h, title, 0);
	html_raw(h, "</h1>\n");
	site_count(si, &sc);
	page_pct(sc.targets > 0 ? (double)sc.ready / (double)sc.targets : -1,
	    pct, sizeof(pct));
	html_raw(h, "<p>");
	/* TRANSLATORS: "N targets; <b>N ready for IPv6</b> (share)". */
	html_printf(h,
	    ngettext("%zu target", "%zu targets", (unsigned long)sc.targets),
	    sc.targets);
	html_raw(h, "; <b>");
	html_printf(h, _("%zu ready for IPv6"), sc.ready);
	html_printf(h, "</b> (%s). ", pct);
	html_printf(h, _("Published %s. Worst first."),
	    html_time(ctx->now, t, sizeof(t)));
	html_raw(h, "</p>\n</header>\n<main>\n");
	if (ctx->have_summary > 0) {
		html_raw(h, "<figure><img src=\"g/summary-day.png\" alt=\"");
		html_text(h,
		    _("Share of targets ready for IPv6, last 24 hours"), 0);
		html_raw(h, "\">");
		html_raw(h, "<figcaption>");
		/* TRANSLATORS: the %s around "readiness report" make it a
		 * link: keep them around the words that should be one. */
		html_printf(h, _("More in the %sreadiness report%s."),
		    "<a href=\"report.html\">", "</a>");
		html_raw(h, "</figcaption></figure>\n");
	} else if (ctx->have_summary == 0 && si->n > 0)
		html_printf(h, "<p>%s</p>\n",
		    _("The graph of the share ready for IPv6 appears here "
		      "after an hour of publishing."));
	if (si->n == 0) {
		html_printf(h, "<p>%s</p>\n</main>\n",
		    _("No measurements yet: no probe has sent results."));
		page_foot(h, ctx);
		return;
	}
	index_groups(h, si);
	html_raw(h,
	    "<div class=\"scroll\"><table id=\"targets\" "
	    "data-sort-title=\"");
	html_text(h, _("Sort by this column"), 0);
	html_printf(h,
	    "\">\n<thead><tr>"
	    "<th>%s</th><th>%s</th><th>IPv6</th><th>IPv4</th>"
	    "<th>%s</th><th>%s</th><th>%s</th>",
	    _("Target"), _("Group"), _("Ready"), _("Score"), _("Last problem"));
	for (int f = 0; f < FAMILY__N; f++)
		for (int w = 0; w < WINDOW__N; w++)
			html_printf(h, "<th>%s %s</th>", fam_label[f],
			    _(window_label[w]));
	html_raw(h, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < si->n; i++)
		index_row(h, si->targets[i], i);
	html_raw(h,
	    "</tbody></table></div>\n</main>\n"
	    "<script src=\"site.js\"></script>\n");
	page_foot(h, ctx);
}

/* target page */

static void
ms_cell(struct html *h, double ms)
{
	char v[32];

	if (ms < 0)
		html_raw(h, "<td class=\"n dim\">\xe2\x80\x93</td>");
	else
		html_printf(h, "<td class=\"n\">%s ms</td>",
		    i18n_fixed(ms, 1, v, sizeof(v)));
}

static void
str_cell(struct html *h, const char *s)
{
	html_raw(h, "<td>");
	if (s != NULL && s[0] != '\0')
		html_text(h, s, 0);
	else
		html_raw(h, "<span class=\"dim\">\xe2\x80\x93</span>");
	html_raw(h, "</td>");
}

static void
details_row(struct html *h, const char *label, const struct site_probe *p,
    int what)
{
	char t[64], v[32];

	html_printf(h, "<tr><th>%s</th>", _(label));
	for (int f = 0; f < FAMILY__N; f++) {
		const struct series *s = p->s[f];

		if (s == NULL) {
			html_printf(h, "<td class=\"dim\">%s</td>",
			    _("no record"));
			continue;
		}
		switch (what) {
		case 0:
			html_printf(h, "<td>%s</td>",
			    html_time(s->ts, t, sizeof(t)));
			break;
		case 1:
			html_printf(h, "<td><span class=\"st %s\">%s</span> ",
			    state_name(s->state),
			    site_state_words(state_name(s->state)));
			html_printf(h, _("since %s"),
			    html_time(s->since, t, sizeof(t)));
			html_raw(h, "</td>");
			break;
		case 2:
			html_printf(h,
			    "<td>%s <span class=\"dim\">(%s)</span>"
			    "</td>",
			    html_outcome_words(s->outcome, f),
			    outcome_name(s->outcome));
			break;
		case 3:
			str_cell(h, s->error);
			break;
		case 4:
			html_raw(h, "<td>");
			for (int w = 0, n = 0; w < WARN__N; w++)
				if (s->warnings & WARN_BIT(w))
					html_printf(h, "%s%s", n++ ? "; " : "",
					    html_warning_words(w));
			if (s->warnings == 0)
				html_printf(h, "<span class=\"dim\">%s</span>",
				    C_("warnings", "none"));
			html_raw(h, "</td>");
			break;
		case 5:
			html_raw(h, "<td>");
			for (size_t i = 0; i < s->naddrs; i++) {
				html_raw(h, i ? "<br><code>" : "<code>");
				html_text(h, s->addrs[i].ip, 0);
				html_printf(h, "</code> %s",
				    outcome_name(s->addrs[i].outcome));
				if (s->addrs[i].connect_ms >= 0)
					html_printf(h, " %s ms",
					    i18n_fixed(s->addrs[i].connect_ms,
						1, v, sizeof(v)));
			}
			if (s->naddrs == 0)
				html_raw(h,
				    "<span class=\"dim\">\xe2\x80\x93"
				    "</span>");
			html_raw(h, "</td>");
			break;
		case 6:
			str_cell(h, s->remote);
			break;
		case 7:
		case 8:
		case 9:
		case 10:
		case 11:
			ms_cell(h, s->ms[what - 7]);
			break;
		case 12:
			if (s->http_status > 0)
				html_printf(h, "<td>%d</td>", s->http_status);
			else
				str_cell(h, NULL);
			break;
		case 13:
			str_cell(h, s->tls_version);
			break;
		case 14:
			if (s->has_cert)
				html_printf(h, "<td>%d</td>", s->cert_days);
			else
				str_cell(h, NULL);
			break;
		case 15:
			str_cell(h, s->issuer);
			break;
		}
	}
	html_raw(h, "</tr>\n");
}

static void
target_details(struct html *h, const struct site_target *t)
{
	static const char *const rows[] = {N_("Checked"), N_("State"),
	    N_("Outcome"), N_("Error"), N_("Warnings"), N_("Addresses"),
	    N_("Connected to"), N_("DNS"), N_("TCP connect"),
	    N_("TLS handshake"), N_("First byte"), N_("Total"),
	    N_("HTTP status"), N_("TLS version"), N_("Certificate days left"),
	    N_("Issuer")};
	char			 head[256];

	html_printf(h, "<h2 id=\"checks\">%s</h2>\n", _("Latest checks"));
	for (size_t i = 0; i < t->nprobes; i++) {
		const struct site_probe *p = &t->probes[i];

		/* TRANSLATORS: a heading; %s is the probe's name. */
		snprintf(head, sizeof(head), _("Probe %s"), p->lg->name);
		html_raw(h, "<h3>");
		html_text(h, head, 0);
		html_raw(h,
		    "</h3>\n<div class=\"scroll\"><table><thead><tr>"
		    "<th></th><th class=\"v6\">IPv6</th>"
		    "<th class=\"v4\">IPv4</th></tr></thead><tbody>\n");
		for (size_t r = 0; r < NELEM(rows); r++)
			details_row(h, rows[r], p, (int)r);
		html_raw(h, "</tbody></table></div>\n");
	}
	if (t->probes_dropped > 0) {
		html_raw(h, "<p class=\"dim\">");
		html_printf(h,
		    ngettext("%zu more probe not shown.",
			"%zu more probes not shown.",
			(unsigned long)t->probes_dropped),
		    t->probes_dropped);
		html_raw(h, "</p>\n");
	}
}

static int
page_have(const struct page_ctx *ctx, const char *rel)
{
	return ctx->have == NULL || ctx->have(rel, ctx->have_arg);
}

/*
 * A graph: its PNG, and links to the PNG and (svgs) the SVG once it
 * exists; top is the path to the site's top from the page.
 */
static void
figure(struct html *h, const struct page_ctx *ctx, const char *top,
    const char *slug, enum graph_kind k, const char *probe_slug,
    enum graph_period p, const char *alt, int svgs)
{
	char png[512], svg[512];

	if (page_graph_path(png, sizeof(png), slug, k, probe_slug, p, 0) ==
		-1 ||
	    page_graph_path(svg, sizeof(svg), slug, k, probe_slug, p, 1) == -1)
		return;
	svgs = svgs && page_have(ctx, svg);
	html_printf(h, "<figure><img src=\"%s%s\" alt=\"", top, png);
	html_text(h, alt, 0);
	html_printf(h, "\"><figcaption><a href=\"%s%s\">PNG</a>", top, png);
	if (svgs)
		html_printf(h, " \xc2\xb7 <a href=\"%s%s\">SVG</a>", top, svg);
	html_raw(h, "</figcaption></figure>\n");
}

static void
target_graphs(struct html *h, const struct site_target *t,
    const struct page_ctx *ctx)
{
	double now = ctx->now;
	char   alt[512];

	html_printf(h, "<h2 id=\"graphs\">%s</h2>\n<p>%s</p>\n", _("Graphs"),
	    _("IPv6 is blue and solid, IPv4 orange and dashed; shaded spans "
	      "are outages. The last day is drawn again every 15 minutes, "
	      "and at once when an outage starts or ends; longer periods "
	      "every few pixels' worth of time."));
	for (int p = 0; p < PERIOD__N; p++) {
		html_printf(h, "<h3>%s</h3>\n", _(period_label[p]));
		/* TRANSLATORS: a graph's alternative text: the target,
		 * then the period ("Last 24 hours"). */
		snprintf(alt, sizeof(alt), _("%s: availability, %s"), t->title,
		    _(period_label[p]));
		if (p == PERIOD_HOUR && !site_lively(t, now)) {
			int down = 0;

			for (int f = 0; f < FAMILY__N; f++)
				down |= t->fam[f].state == SITE_DOWN ||
				    t->fam[f].state == SITE_PARTIAL;
			html_printf(h, "<p>%s</p>\n",
			    down ? _("No change in the last hour: the outage "
				     "is older; see the last 24 hours.") :
				   _("No outage in the last hour."));
			continue;
		}
		figure(h, ctx, "../", t->slug, GRAPH_AVAIL, NULL, p, alt,
		    p != PERIOD_HOUR);
		if (p == PERIOD_HOUR)
			continue;
		snprintf(alt, sizeof(alt), _("%s: time per phase, %s"),
		    t->title, _(period_label[p]));
		figure(h, ctx, "../", t->slug, GRAPH_LATENCY, NULL, p, alt, 1);
	}
	if (t->nprobes < 2)
		return;
	html_printf(h, "<h2 id=\"probes\">%s</h2>\n", _("Per probe"));
	for (size_t i = 0; i < t->nprobes; i++) {
		char ps[SITE_SLUG_MAX];

		if (site_slug(t->probes[i].lg->name, ps, sizeof(ps)) == -1)
			continue;
		/* TRANSLATORS: a heading; %s is the probe's name. */
		snprintf(alt, sizeof(alt), _("From %s"), t->probes[i].lg->name);
		html_raw(h, "<h3>");
		html_text(h, alt, 0);
		html_raw(h, "</h3>\n");
		/* TRANSLATORS: the target, the probe, the period. */
		snprintf(alt, sizeof(alt), _("%s from %s: total time, %s"),
		    t->title, t->probes[i].lg->name,
		    _(period_label[PERIOD_DAY]));
		figure(h, ctx, "../", t->slug, GRAPH_PROBE, ps, PERIOD_DAY, alt,
		    0);
		for (int p = PERIOD_WEEK, n = 0; p < PERIOD__N; p++) {
			char png[512];

			if (page_graph_path(png, sizeof(png), t->slug,
				GRAPH_PROBE, ps, p, 0) == 0 &&
			    page_have(ctx, png)) {
				if (n++ > 0)
					html_raw(h, " \xc2\xb7 ");
				else
					html_printf(h, "<p>%s ", _("Also:"));
				html_printf(h, "<a href=\"../%s\">%s</a>", png,
				    _(period_label[p]));
			}
			if (p == PERIOD__N - 1 && n > 0)
				html_raw(h, "</p>\n");
		}
	}
}

static void
target_changes(struct html *h, const struct site_target *t)
{
	char ts[64];

	html_printf(h, "<h2 id=\"changes\">%s</h2>\n",
	    _("Recent state changes"));
	if (t->nchanges == 0) {
		html_printf(h, "<p>%s</p>\n", _("No state change recorded."));
		return;
	}
	html_printf(h,
	    "<p>%s</p>\n<div class=\"scroll\"><table><thead><tr>"
	    "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>"
	    "<tbody>\n",
	    _("As decided over every probe (a target is down after enough "
	      "failed checks in a row from enough probes), newest first."),
	    _("Since"), _("Family"), _("Change"), _("Outcome"));
	for (size_t i = 0; i < t->nchanges; i++) {
		const struct site_change *c = &t->changes[i];

		html_printf(h,
		    "<tr><td>%s</td><td class=\"%s\">%s</td>"
		    "<td>%s \xe2\x86\x92 <span class=\"st %s\">"
		    "%s</span></td><td>%s</td></tr>\n",
		    html_time(c->ts, ts, sizeof(ts)),
		    c->family == FAMILY_IPV6 ? "v6" : "v4",
		    fam_label[c->family], site_state_words(state_name(c->from)),
		    state_name(c->to), site_state_words(state_name(c->to)),
		    c->to == STATE_DOWN ?
			html_outcome_words(c->outcome, c->family) :
			"");
	}
	html_raw(h, "</tbody></table></div>\n");
}

/* w names t (by name or group), whenever it is. */
static int
maint_names(const struct maint_window *w, const struct site_target *t)
{
	return maint_covers(w, t->name, t->group[0] != '\0' ? t->group : NULL,
	    w->from);
}

void
page_maint(struct html *h, const struct site_target *t,
    const struct page_ctx *ctx)
{
	const struct maint_window *w, *cur = NULL;
	char			   a[64], b[64];
	size_t			   n = 0;

	if (ctx->alert == NULL)
		return;
	for (size_t i = 0; (w = alert_maint_at(ctx->alert, i)) != NULL; i++)
		if ((t == NULL || maint_names(w, t)) && ctx->now >= w->from &&
		    ctx->now < w->to && (cur == NULL || w->to > cur->to))
			cur = w;
	if (cur != NULL && t != NULL) {
		html_raw(h, "<p class=\"maint\"><b>");
		html_printf(h, _("In maintenance until %s"),
		    html_time(cur->to, b, sizeof(b)));
		html_raw(h, "</b> (");
		/* TRANSLATORS: %s is the window's id ("c1", "3"). */
		html_printf(h, _("window %s"), cur->id);
		if (cur->reason != NULL) {
			html_raw(h, ": ");
			html_text(h, cur->reason, 0);
		}
		html_printf(h, "): %s</p>\n",
		    _("its problems raise no alerts until then, and this "
		      "time is maintenance, not downtime."));
	}
	for (size_t i = 0; (w = alert_maint_at(ctx->alert, i)) != NULL; i++) {
		if (w->to <= ctx->now - PAGE_MAINT_PERIOD_S ||
		    (t != NULL && !maint_names(w, t)))
			continue;
		if (n++ == 0)
			html_printf(h,
			    "<h2 id=\"maintenance\">%s</h2>\n"
			    "<div class=\"scroll\"><table><thead><tr>"
			    "<th>%s</th><th>%s</th><th>%s</th>"
			    "<th></th><th>%s</th><th>%s</th></tr>"
			    "</thead><tbody>\n",
			    _("Maintenance"), _("Window"), _("From"),
			    _("Until"), _("Targets"), _("Reason"));
		html_printf(h, "<tr><td>%s</td><td>%s</td><td>%s</td><td>",
		    w->id, html_time(w->from, a, sizeof(a)),
		    html_time(w->to, b, sizeof(b)));
		if (ctx->now < w->from)
			html_raw(h, _("planned"));
		else if (ctx->now < w->to)
			html_printf(h, "<b>%s</b>", _("in maintenance"));
		else
			html_raw(h, _("ended"));
		html_raw(h, "</td><td>");
		for (size_t k = 0; k < w->targets.n; k++) {
			html_raw(h, k > 0 ? ", " : "");
			html_text(h, w->targets.v[k], 0);
		}
		for (size_t k = 0; k < w->groups.n; k++) {
			char g[RESULT_NAME_MAX + 64];

			/* TRANSLATORS: %s is a group's name. */
			snprintf(g, sizeof(g), _("group %s"), w->groups.v[k]);
			html_raw(h, k + w->targets.n > 0 ? ", " : "");
			html_text(h, g, 0);
		}
		html_raw(h, "</td><td>");
		if (w->reason != NULL)
			html_text(h, w->reason, 0);
		html_raw(h, "</td></tr>\n");
	}
	if (n > 0)
		html_printf(h,
		    "</tbody></table></div>\n<p class=\"dim\">%s</p>\n",
		    _("Problems inside a window raise no alerts; a target "
		      "still down when it ends is alerted then. The "
		      "availability figures still count this time."));
}

void
page_target(struct html *h, const struct site_target *t,
    const struct page_ctx *ctx)
{
	char buf[64], since[64];

	page_head(h, t->title, "../");
	html_printf(h,
	    "<header><nav><a href=\"../index.html\">%s</a>"
	    "<a href=\"../report.html\">%s</a></nav>\n",
	    _("All targets"), _("Readiness report"));
	page_brand(h, ctx, "../", 1);
	html_raw(h, "<h1>");
	html_text(h, t->title, 0);
	html_raw(h, "</h1>\n<p>");
	if (t->title != t->name && strcmp(t->title, t->name) != 0) {
		/* TRANSLATORS: "id" before a target's identifier. */
		html_printf(h, "<span class=\"dim\">%s <code>", _("id"));
		html_text(h, t->name, 0);
		html_raw(h, "</code></span> \xc2\xb7 ");
	}
	if (t->url[0] != '\0') {
		html_raw(h, "<a rel=\"nofollow noreferrer\" href=\"");
		html_href(h, t->url);
		html_raw(h, "\"><code>");
		html_text(h, t->url, 0);
		html_raw(h, "</code></a>");
	}
	if (t->group[0] != '\0') {
		char g[512];

		snprintf(g, sizeof(g), _("group %s"), t->group);
		html_raw(h, " \xc2\xb7 ");
		html_text(h, g, 0);
	}
	html_raw(h, "</p>\n</header>\n<main>\n<div class=\"cards\">");
	for (int f = 0; f < FAMILY__N; f++) {
		html_printf(h,
		    "<div class=\"card\"><span class=\"%s\">%s</span>"
		    "<b>",
		    f == FAMILY_IPV6 ? "v6" : "v4", fam_label[f]);
		state_badge(h, t->fam[f].state);
		html_raw(h, "</b>");
		if (t->fam[f].since > 0)
			html_printf(h, _("since %s"),
			    html_time(t->fam[f].since, since, sizeof(since)));
		html_raw(h, "</div>");
	}
	html_printf(h, "<div class=\"card\">%s<b>", _("Ready for IPv6"));
	ready_cell(h, t->ready);
	html_printf(h, "</b></div><div class=\"card\">%s<b>", _("Score"));
	if (t->score >= 0)
		html_printf(h, "%d / 100", t->score);
	else
		html_raw(h, "\xe2\x80\x93");
	html_raw(h, "</b></div></div>\n");
	page_maint(h, t, ctx);
	html_printf(h, "<p>%s ", _("Last problem:"));
	if (t->problem[0] != '\0')
		html_text(h, t->problem, 0);
	else
		html_raw(h, C_("problem", "none"));
	html_printf(h,
	    "</p>\n<h2 id=\"availability\">%s</h2>\n"
	    "<table><thead><tr><th></th>",
	    _("Availability"));
	for (int w = 0; w < WINDOW__N; w++)
		html_printf(h, "<th>%s</th>", _(window_label[w]));
	html_raw(h, "</tr></thead><tbody>\n");
	for (int f = 0; f < FAMILY__N; f++) {
		html_printf(h, "<tr><th class=\"%s\">%s</th>",
		    f == FAMILY_IPV6 ? "v6" : "v4", fam_label[f]);
		for (int w = 0; w < WINDOW__N; w++)
			html_printf(h, "<td class=\"n\">%s</td>",
			    page_pct(t->fam[f].avail[w], buf, sizeof(buf)));
		html_raw(h, "</tr>\n");
	}
	html_raw(h, "</tbody></table>\n");
	target_graphs(h, t, ctx);
	target_details(h, t);
	target_changes(h, t);
	html_raw(h, "</main>\n");
	page_foot(h, ctx);
}

/* A rate in bytes per second, with an SI prefix. */
static const char *
page_rate(double bps, char *out, size_t size)
{
	static const char *const unit[] = {"B/s", "kB/s", "MB/s", "GB/s",
	    "TB/s"};
	size_t			 u = 0;
	char			 v[32];

	while (bps >= 1000 && u + 1 < NELEM(unit)) {
		bps /= 1000;
		u++;
	}
	snprintf(out, size, "%s %s",
	    i18n_fixed(bps, u == 0 ? 0 : 1, v, sizeof(v)), unit[u]);
	return out;
}

static void
traffic_row(struct html *h, const struct site_traffic *tr)
{
	const struct result_traffic *t = &tr->s->traffic;
	double			     ip =
	    (double)t->bytes[FAMILY_IPV6] + (double)t->bytes[FAMILY_IPV4];
	double iv = t->interval_s > 0 ? t->interval_s : 0;
	char   ts[64], buf[64];

	html_printf(h, "<tr><td><a href=\"#tr-%s-%s\">", tr->probe_slug,
	    tr->iface_slug);
	html_text(h, tr->lg->name, 0);
	html_raw(h, "</a></td><td><code>");
	html_text(h, tr->s->name, 0);
	html_printf(h, "</code></td><td>%s</td>",
	    html_time(tr->s->ts, ts, sizeof(ts)));
	html_printf(h, "<td class=\"n\">%s</td>",
	    html_duration(iv, buf, sizeof(buf)));
	html_printf(h, "<td class=\"n\">%s</td>",
	    page_pct(ip > 0 ? (double)t->bytes[FAMILY_IPV6] / ip : -1, buf,
		sizeof(buf)));
	for (int f = 0; f < FAMILY__N; f++)
		if (iv > 0)
			html_printf(h, "<td class=\"n\">%s</td>",
			    page_rate((double)t->bytes[f] / iv, buf,
				sizeof(buf)));
		else
			html_raw(h, "<td class=\"n\">\xe2\x80\x93</td>");
	html_printf(h,
	    "<td class=\"n%s\">%llu</td><td class=\"n\">%llu</td>"
	    "<td class=\"n\">%llu</td></tr>\n",
	    t->ptb > 0 ? " bad" : "", (unsigned long long)t->ptb,
	    (unsigned long long)t->unreach, (unsigned long long)t->drops);
}

void
page_traffic(struct html *h, const struct site *si, const struct page_ctx *ctx)
{
	static const enum graph_kind kinds[] = {GRAPH_SHARE, GRAPH_BYTES,
	    GRAPH_ICMP};
	static const char *const     what[] = {N_("IPv6 share of IP bytes"),
		N_("bytes per second"), N_("ICMPv6 errors")};
	char			     title[256], alt[512];

	/* TRANSLATORS: %s is the collector's name. */
	snprintf(title, sizeof(title), _("IPv6 traffic seen by %s"),
	    ctx->collector);
	page_head(h, title, "");
	html_printf(h,
	    "<header><nav><a href=\"index.html\">%s</a>"
	    "<a href=\"report.html\">%s</a>"
	    "<a href=\"traffic.html\">%s</a></nav>\n",
	    _("Targets"), _("Readiness report"), _("Traffic"));
	page_brand(h, ctx, "", 1);
	html_raw(h, "<h1>");
	html_text(h, title, 0);
	html_printf(h,
	    "</h1>\n<p>%s</p>\n</header>\n<main>\n"
	    "<h2 id=\"latest\">%s</h2>\n"
	    "<div class=\"scroll\"><table><thead><tr><th>%s</th>"
	    "<th>%s</th><th>%s</th><th>%s</th><th>%s</th>",
	    _("Passive capture on the probes' interfaces: the share of IP "
	      "bytes carried over IPv6, bytes per second per family, and the "
	      "ICMPv6 Packet Too Big and Destination Unreachable messages "
	      "(what a path-MTU black hole or a broken route makes hosts "
	      "send) per capture interval."),
	    _("Latest interval"), _("Probe"), _("Interface"), _("Ended"),
	    _("Length"), _("IPv6 share"));
	html_printf(h,
	    "<th class=\"v6\">IPv6</th><th class=\"v4\">IPv4</th>"
	    "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>\n",
	    _("Packet Too Big"), _("Dest. Unreachable"), _("Kernel drops"));
	for (size_t i = 0; i < si->ntraffic; i++)
		traffic_row(h, &si->traffic[i]);
	html_raw(h, "</tbody></table></div>\n");
	if (si->traffic_dropped > 0) {
		html_raw(h, "<p class=\"dim\">");
		html_printf(h,
		    ngettext("%zu more interface not shown.",
			"%zu more interfaces not shown.",
			(unsigned long)si->traffic_dropped),
		    si->traffic_dropped);
		html_raw(h, "</p>\n");
	}
	for (size_t i = 0; i < si->ntraffic; i++) {
		const struct site_traffic *tr = &si->traffic[i];

		html_printf(h, "<h2 id=\"tr-%s-%s\">", tr->probe_slug,
		    tr->iface_slug);
		html_text(h, tr->lg->name, 0);
		html_raw(h, ": <code>");
		html_text(h, tr->s->name, 0);
		html_raw(h, "</code></h2>\n");
		for (int p = PERIOD_DAY; p < PERIOD__N; p++) {
			html_printf(h, "<h3>%s</h3>\n", _(period_label[p]));
			for (size_t k = 0; k < NELEM(kinds); k++) {
				/* TRANSLATORS: probe, interface, what the
				 * graph shows, period. */
				snprintf(alt, sizeof(alt),
				    _("%s on %s: %s, %s"), tr->lg->name,
				    tr->s->name, _(what[k]),
				    _(period_label[p]));
				figure(h, ctx, "", tr->iface_slug, kinds[k],
				    tr->probe_slug, p, alt, 1);
			}
		}
	}
	html_raw(h, "</main>\n");
	page_foot(h, ctx);
}
