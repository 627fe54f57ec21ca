/*
 * report: counting, JSON and HTML of the readiness report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export.h"
#include "html.h"
#include "alert.h"
#include "json.h"
#include "maint.h"
#include "page.h"
#include "report.h"
#include "site.h"
#include "util.h"

static const char *const score_keys[REPORT_SCORES] = {"0", "20", "40", "60",
    "80", "100", "unknown"};

static int
group_cmp(const void *a, const void *b)
{
	return strcmp(((const struct report_group *)a)->name,
	    ((const struct report_group *)b)->name);
}

static struct report_group *
report_group(struct report *r, const char *name)
{
	for (size_t i = 0; i < r->ngroups; i++)
		if (strcmp(r->groups[i].name, name) == 0)
			return &r->groups[i];
	if (r->ngroups == REPORT_GROUPS_MAX) {
		r->groups_dropped++;
		return NULL;
	}
	r->groups =
	    xreallocarray(r->groups, r->ngroups + 1, sizeof(*r->groups));
	r->groups[r->ngroups] = (struct report_group){name, 0, 0};
	return &r->groups[r->ngroups++];
}

void
report_build(const struct site *si, struct report *r)
{
	memset(r, 0, sizeof(*r));
	site_count(si, &r->c);
	for (size_t i = 0; i < si->n; i++) {
		const struct site_target *t = si->targets[i];
		struct report_group	 *g = report_group(r, t->group);

		if (g != NULL) {
			g->targets++;
			g->ready += t->ready == 1;
		}
	}
	if (r->ngroups > 1)
		qsort(r->groups, r->ngroups, sizeof(*r->groups), group_cmp);
}

void
report_free(struct report *r)
{
	free(r->groups);
	r->groups = NULL;
	r->ngroups = 0;
}

static double
share(size_t n, size_t of)
{
	return of > 0 ? (double)n / (double)of : 0;
}

static const char *
day_text(int64_t day, char *out, size_t size)
{
	struct tm tm;
	time_t	  t = (time_t)day;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%d", &tm) == 0)
		snprintf(out, size, "?");
	return out;
}

/*
 * "maintenance": the windows of the last PAGE_MAINT_PERIOD_S and those
 * planned, whose time the availability figures leave out.
 */
static void
report_json_maint(cJSON *root, const struct page_ctx *ctx)
{
	const struct maint_window *w;
	cJSON *a = cJSON_AddArrayToObject(root, "maintenance");

	if (ctx->alert == NULL)
		return;
	for (size_t i = 0; (w = alert_maint_at(ctx->alert, i)) != NULL; i++) {
		cJSON *o, *l;

		if (w->to <= ctx->now - PAGE_MAINT_PERIOD_S)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(a, o);
		cJSON_AddStringToObject(o, "id", w->id);
		l = cJSON_AddArrayToObject(o, "targets");
		for (size_t k = 0; k < w->targets.n; k++)
			cJSON_AddItemToArray(l,
			    cJSON_CreateString(w->targets.v[k]));
		l = cJSON_AddArrayToObject(o, "groups");
		for (size_t k = 0; k < w->groups.n; k++)
			cJSON_AddItemToArray(l,
			    cJSON_CreateString(w->groups.v[k]));
		json_add_fixed(o, "from", w->from, 0);
		json_add_fixed(o, "to", w->to, 0);
		if (w->reason != NULL)
			cJSON_AddStringToObject(o, "reason", w->reason);
	}
}

cJSON *
report_json(const struct report *r, const struct site *si,
    const struct page_ctx *ctx)
{
	cJSON *root = cJSON_CreateObject(), *a, *o;
	char   day[32];

	cJSON_AddStringToObject(root, "collector", ctx->collector);
	cJSON_AddNumberToObject(root, "generated", (double)(int64_t)ctx->now);
	cJSON_AddNumberToObject(root, "targets", (double)r->c.targets);
	cJSON_AddNumberToObject(root, "ready", (double)r->c.ready);
	cJSON_AddNumberToObject(root, "unknown", (double)r->c.unknown);
	cJSON_AddNumberToObject(root, "not_ready", (double)r->c.not_ready);
	cJSON_AddNumberToObject(root, "no_data", (double)r->c.no_data);
	cJSON_AddNumberToObject(root, "ready_share",
	    share(r->c.ready, r->c.targets));
	a = cJSON_AddArrayToObject(root, "groups");
	for (size_t i = 0; i < r->ngroups; i++) {
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(a, o);
		cJSON_AddStringToObject(o, "group", r->groups[i].name);
		cJSON_AddNumberToObject(o, "targets",
		    (double)r->groups[i].targets);
		cJSON_AddNumberToObject(o, "ready", (double)r->groups[i].ready);
		cJSON_AddNumberToObject(o, "ready_share",
		    share(r->groups[i].ready, r->groups[i].targets));
	}
	o = cJSON_AddObjectToObject(root, "scores");
	for (int i = 0; i < REPORT_SCORES; i++)
		cJSON_AddNumberToObject(o, score_keys[i],
		    (double)r->c.scores[i]);
	o = cJSON_AddObjectToObject(root, "blockers");
	{
		cJSON *oc = cJSON_AddObjectToObject(o, "outcomes");
		cJSON *wc = cJSON_AddObjectToObject(o, "warnings");

		for (int i = 0; i < OUTCOME__N; i++)
			if (i != OUTCOME_OK)
				cJSON_AddNumberToObject(oc, outcome_name(i),
				    (double)r->c.outcomes[i]);
		cJSON_AddNumberToObject(oc, "no_data", (double)r->c.no_data);
		cJSON_AddNumberToObject(oc, "content_mismatch",
		    (double)r->c.content);
		cJSON_AddNumberToObject(oc, "other", (double)r->c.other);
		for (int i = 0; i < WARN__N; i++)
			cJSON_AddNumberToObject(wc, warning_name(i),
			    (double)r->c.warnings[i]);
	}
	a = cJSON_AddArrayToObject(root, "trend");
	for (size_t i = 0; i < r->ntrend; i++) {
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(a, o);
		cJSON_AddStringToObject(o, "day",
		    day_text(r->trend[i].day, day, sizeof(day)));
		cJSON_AddNumberToObject(o, "ready_share", r->trend[i].share);
	}
	a = cJSON_AddArrayToObject(root, "to_fix");
	for (size_t i = 0; i < si->n; i++) {
		const struct site_target *t = si->targets[i];
		cJSON			 *w;

		if (t->ready == 1)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(a, o);
		cJSON_AddStringToObject(o, "target", t->name);
		cJSON_AddStringToObject(o, "title", t->title);
		cJSON_AddStringToObject(o, "url", t->url);
		cJSON_AddStringToObject(o, "group", t->group);
		if (t->score >= 0)
			cJSON_AddNumberToObject(o, "score", t->score);
		else
			cJSON_AddNullToObject(o, "score");
		for (int f = 0; f < FAMILY__N; f++) {
			cJSON *fo = cJSON_AddObjectToObject(o, family_name(f));

			cJSON_AddStringToObject(fo, "state",
			    site_state_name(t->fam[f].state));
			cJSON_AddStringToObject(fo, "outcome",
			    outcome_name(t->fam[f].outcome));
			w = cJSON_AddArrayToObject(fo, "warnings");
			for (int k = 0; k < WARN__N; k++)
				if (t->fam[f].warnings & WARN_BIT(k))
					cJSON_AddItemToArray(w,
					    cJSON_CreateString(
						warning_name(k)));
		}
		cJSON_AddStringToObject(o, "problem", t->problem);
	}
	report_json_maint(root, ctx);
	export_json(root, si, r->change); /* services, change */
	return root;
}

static void
bar_row(struct html *h, const char *label, size_t n, size_t of)
{
	char pct[32];

	html_raw(h, "<tr><td>");
	html_text(h, label, 0);
	html_printf(h,
	    "</td><td class=\"n\">%zu</td><td class=\"n\">%s</td>"
	    "<td><span class=\"bar\" data-w=\"%d\">",
	    n, page_pct(of > 0 ? share(n, of) : -1, pct, sizeof(pct)),
	    (int)(share(n, of) * 100));
	/* The bar is drawn with characters: no inline style under the
	 * collector's Content-Security-Policy. */
	for (int i = 0; i < (int)(share(n, of) * 40 + 0.5); i++)
		html_raw(h, "\xe2\x96\x88");
	html_raw(h, "</span></td></tr>\n");
}

void
report_html(struct html *h, const struct report *r, const struct site *si,
    const struct page_ctx *ctx)
{
	static const struct {
		int	    outcome; /* -1: a warning */
		int	    warning;
		const char *what;
	} blockers[] = {{OUTCOME_NO_ADDRESS, 0, "No AAAA record"},
	    {OUTCOME_TIMEOUT, 0, "Unreachable: connections time out"},
	    {OUTCOME_UNREACHABLE, 0, "Unreachable: no route"},
	    {OUTCOME_REFUSED, 0, "Connections refused"},
	    {OUTCOME_STALL, 0, "PMTU stall: large transfers hang"},
	    {OUTCOME_DNS_ERROR, 0, "Name does not resolve"},
	    {OUTCOME_TLS_ERROR, 0, "TLS handshake fails"},
	    {OUTCOME_CERT_EXPIRED, 0, "Certificate expired"},
	    {OUTCOME_CERT_NAME_MISMATCH, 0, "Certificate for another name"},
	    {OUTCOME_CERT_UNTRUSTED, 0, "Certificate not trusted"},
	    {OUTCOME_HTTP_ERROR, 0, "HTTP error"},
	    {OUTCOME_ERROR, 0, "Check failed"}};
	char   title[256], t[64], pct[32];
	size_t nfix = 0;

	snprintf(title, sizeof(title), "IPv6 readiness report: %s",
	    ctx->collector);
	page_head(h, title, "");
	html_raw(h,
	    "<header><nav><a href=\"index.html\">Targets</a>"
	    "<a href=\"report.html\">Readiness report</a>"
	    "<a href=\"report.json\">report.json</a></nav>\n<h1>");
	html_text(h, title, 0);
	html_printf(h, "</h1>\n<p>As of %s.</p>\n</header>\n<main>\n",
	    html_time(ctx->now, t, sizeof(t)));
	html_printf(h,
	    "<div class=\"cards\"><div class=\"card\">Ready for IPv6"
	    "<b>%s</b>%zu of %zu services</div>",
	    page_pct(r->c.targets > 0 ? share(r->c.ready, r->c.targets) : -1,
		pct, sizeof(pct)),
	    r->c.ready, r->c.targets);
	html_printf(h,
	    "<div class=\"card\">Not ready<b>%zu</b>%zu without "
	    "recent data</div></div>\n",
	    r->c.not_ready, r->c.no_data);
	page_maint(h, NULL, ctx); /* windows of the last 30 days */
	export_html_change(h, r->change);

	html_raw(h,
	    "<h2>Per group</h2>\n<table><thead><tr><th>Group</th>"
	    "<th>Services</th><th>Ready</th><th>Share ready</th>"
	    "</tr></thead><tbody>\n");
	for (size_t i = 0; i < r->ngroups; i++) {
		html_raw(h, "<tr><td>");
		if (r->groups[i].name[0] != '\0')
			html_text(h, r->groups[i].name, 0);
		else
			html_raw(h, "<span class=\"dim\">no group</span>");
		html_printf(h,
		    "</td><td class=\"n\">%zu</td><td class=\"n\">"
		    "%zu</td><td class=\"n\">%s</td></tr>\n",
		    r->groups[i].targets, r->groups[i].ready,
		    page_pct(share(r->groups[i].ready, r->groups[i].targets),
			pct, sizeof(pct)));
	}
	html_raw(h, "</tbody></table>\n");
	export_html_links(h, si); /* report.csv, group/SLUG.csv */

	html_raw(h,
	    "<h2>Scores</h2>\n<p>20 points each for: name servers "
	    "ready for IPv6, an AAAA record, every IPv6 address "
	    "reachable, HTTPS valid over IPv6, the same content as "
	    "over IPv4.</p>\n<table><thead><tr><th>Score</th>"
	    "<th>Services</th><th>Share</th><th></th></tr></thead>"
	    "<tbody>\n");
	for (int i = REPORT_SCORES - 2; i >= 0; i--)
		bar_row(h, score_keys[i], r->c.scores[i], r->c.targets);
	if (r->c.scores[REPORT_SCORES - 1] > 0)
		bar_row(h, "unknown", r->c.scores[REPORT_SCORES - 1],
		    r->c.targets);
	html_raw(h, "</tbody></table>\n");

	html_raw(h,
	    "<h2>What blocks the rest</h2>\n<p>Services not ready, by "
	    "what fails over IPv6:</p>\n<table><thead><tr><th>Blocker"
	    "</th><th>Services</th><th>Share</th><th></th></tr></thead>"
	    "<tbody>\n");
	for (size_t i = 0; i < NELEM(blockers); i++)
		if (r->c.outcomes[blockers[i].outcome] > 0 ||
		    blockers[i].outcome == OUTCOME_NO_ADDRESS ||
		    blockers[i].outcome == OUTCOME_TIMEOUT ||
		    blockers[i].outcome == OUTCOME_STALL)
			bar_row(h, blockers[i].what,
			    r->c.outcomes[blockers[i].outcome], r->c.targets);
	bar_row(h, "IPv6 works, but serves other content than IPv4",
	    r->c.content, r->c.targets);
	if (r->c.other > 0)
		bar_row(h, "IPv6 works; the score falls short (see below)",
		    r->c.other, r->c.targets);
	if (r->c.no_data > 0)
		bar_row(h, "No recent measurement", r->c.no_data, r->c.targets);
	html_raw(h,
	    "</tbody></table>\n<p>Problems that lower the score "
	    "(any service):</p>\n<table><thead><tr><th>Problem</th>"
	    "<th>Services</th><th>Share</th><th></th></tr></thead>"
	    "<tbody>\n");
	bar_row(h, "Name servers not ready for IPv6",
	    r->c.warnings[WARN_NS_NO_IPV6], r->c.targets);
	bar_row(h, "Some IPv6 addresses unreachable",
	    r->c.warnings[WARN_PARTIAL_REACHABILITY], r->c.targets);
	bar_row(h, "http:// (port 80) over IPv4 only",
	    r->c.warnings[WARN_HTTP_NO_IPV6], r->c.targets);
	bar_row(h, "Much slower over IPv6", r->c.warnings[WARN_SLOW],
	    r->c.targets);
	bar_row(h, "Certificate expires soon",
	    r->c.warnings[WARN_CERT_EXPIRING], r->c.targets);
	html_raw(h, "</tbody></table>\n");

	html_raw(h, "<h2>Trend</h2>\n");
	if (ctx->have_summary > 0)
		html_raw(h,
		    "<figure><img src=\"g/summary-month.png\" alt=\""
		    "Share of targets ready for IPv6, last 31 days\">"
		    "<figcaption><a href=\"g/summary-day.png\">day"
		    "</a> \xc2\xb7 <a href=\"g/summary-week.png\">"
		    "week</a> \xc2\xb7 <a href=\"g/summary-year.png\">"
		    "year</a></figcaption></figure>\n");
	if (r->ntrend > 0) {
		html_raw(h,
		    "<table><thead><tr><th>Day (UTC)</th><th>Share "
		    "ready</th></tr></thead><tbody>\n");
		for (size_t i = r->ntrend; i-- > 0;) {
			char d[32];

			html_printf(h,
			    "<tr><td>%s</td><td class=\"n\">%s</td>"
			    "</tr>\n",
			    day_text(r->trend[i].day, d, sizeof(d)),
			    page_pct(r->trend[i].share, pct, sizeof(pct)));
		}
		html_raw(h, "</tbody></table>\n");
	} else
		html_raw(h, "<p>No history yet.</p>\n");

	html_raw(h, "<h2>To fix, worst first</h2>\n");
	for (size_t i = 0; i < si->n; i++)
		nfix += si->targets[i]->ready != 1;
	if (nfix == 0) {
		html_raw(h, "<p>Nothing: every service is ready.</p>\n");
	} else {
		html_raw(h,
		    "<div class=\"scroll\"><table><thead><tr><th>#</th>"
		    "<th>Service</th><th>Group</th><th>Score</th>"
		    "<th>Problem</th></tr></thead><tbody>\n");
		for (size_t i = 0, k = 0; i < si->n; i++) {
			const struct site_target *tg = si->targets[i];

			if (tg->ready == 1)
				continue;
			html_printf(h,
			    "<tr><td class=\"n\">%zu</td><td><a "
			    "href=\"t/%s.html\">",
			    ++k, tg->slug);
			html_text(h, tg->title, 0);
			html_raw(h, "</a></td><td>");
			html_text(h, tg->group, 0);
			html_raw(h, "</td><td class=\"n\">");
			if (tg->score >= 0)
				html_printf(h, "%d", tg->score);
			else
				html_raw(h, "\xe2\x80\x93");
			html_raw(h, "</td><td>");
			html_text(h,
			    tg->problem[0] ? tg->problem :
					     "no recent measurement",
			    0);
			html_raw(h, "</td></tr>\n");
		}
		html_raw(h, "</tbody></table></div>\n");
	}
	html_raw(h, "</main>\n");
	page_foot(h, ctx);
}
