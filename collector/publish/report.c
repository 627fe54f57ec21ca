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
#include "i18n.h"
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

/* The day beginning at day (the zone's midnight): ISO 8601 for JSON. */
static const char *
day_text(int64_t day, char *out, size_t size)
{
	struct tm tm;
	time_t	  t = (time_t)day;

	if (localtime_r(&t, &tm) == NULL ||
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

	char title[256];

	cJSON_AddStringToObject(root, "collector", ctx->collector);
	cJSON_AddStringToObject(root, "title",
	    page_site_title(ctx, title, sizeof(title)));
	if (ctx->organisation != NULL)
		cJSON_AddStringToObject(root, "organisation",
		    ctx->organisation);
	cJSON_AddStringToObject(root, "language", i18n_language());
	cJSON_AddStringToObject(root, "timezone", i18n_timezone());
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
	} blockers[] = {{OUTCOME_NO_ADDRESS, 0, N_("No AAAA record")},
	    {OUTCOME_TIMEOUT, 0, N_("Unreachable: connections time out")},
	    {OUTCOME_UNREACHABLE, 0, N_("Unreachable: no route")},
	    {OUTCOME_REFUSED, 0, N_("Connections refused")},
	    {OUTCOME_STALL, 0, N_("PMTU stall: large transfers hang")},
	    {OUTCOME_DNS_ERROR, 0, N_("Name does not resolve")},
	    {OUTCOME_TLS_ERROR, 0, N_("TLS handshake fails")},
	    {OUTCOME_CERT_EXPIRED, 0, N_("Certificate expired")},
	    {OUTCOME_CERT_NAME_MISMATCH, 0, N_("Certificate for another name")},
	    {OUTCOME_CERT_UNTRUSTED, 0, N_("Certificate not trusted")},
	    {OUTCOME_HTTP_ERROR, 0, N_("HTTP error")},
	    {OUTCOME_ERROR, 0, N_("Check failed")}};
	char   title[256], site[256], t[64], pct[32];
	size_t nfix = 0;

	/* TRANSLATORS: the report's title; %s is the site's title. */
	snprintf(title, sizeof(title), _("IPv6 readiness report: %s"),
	    page_site_title(ctx, site, sizeof(site)));
	page_head(h, title, "");
	html_printf(h,
	    "<header><nav><a href=\"index.html\">%s</a>"
	    "<a href=\"report.html\">%s</a>"
	    "<a href=\"report.json\">report.json</a></nav>\n",
	    _("Targets"), _("Readiness report"));
	if (ctx->organisation != NULL && ctx->organisation[0] != '\0') {
		html_raw(h, "<p class=\"brand\"><b>");
		html_text(h, ctx->organisation, 0);
		html_raw(h, "</b></p>\n");
	}
	html_raw(h, "<h1>");
	html_text(h, title, 0);
	html_raw(h, "</h1>\n<p>");
	html_printf(h, _("As of %s."), html_time(ctx->now, t, sizeof(t)));
	html_raw(h, "</p>\n</header>\n<main>\n");
	html_printf(h, "<div class=\"cards\"><div class=\"card\">%s<b>%s</b>",
	    _("Ready for IPv6"),
	    page_pct(r->c.targets > 0 ? share(r->c.ready, r->c.targets) : -1,
		pct, sizeof(pct)));
	/* TRANSLATORS: "N of M services" (ready for IPv6). */
	html_printf(h,
	    ngettext("%zu of %zu service", "%zu of %zu services",
		(unsigned long)r->c.targets),
	    r->c.ready, r->c.targets);
	html_printf(h, "</div><div class=\"card\">%s<b>%zu</b>", _("Not ready"),
	    r->c.not_ready);
	html_printf(h, _("%zu without recent data"), r->c.no_data);
	html_raw(h, "</div></div>\n");
	page_maint(h, NULL, ctx); /* windows of the last 30 days */
	export_html_change(h, r->change);

	html_printf(h,
	    "<h2>%s</h2>\n<table><thead><tr><th>%s</th>"
	    "<th>%s</th><th>%s</th><th>%s</th>"
	    "</tr></thead><tbody>\n",
	    _("Per group"), _("Group"), _("Services"), _("Ready"),
	    _("Share ready"));
	for (size_t i = 0; i < r->ngroups; i++) {
		html_raw(h, "<tr><td>");
		if (r->groups[i].name[0] != '\0')
			html_text(h, r->groups[i].name, 0);
		else
			html_printf(h, "<span class=\"dim\">%s</span>",
			    _("no group"));
		html_printf(h,
		    "</td><td class=\"n\">%zu</td><td class=\"n\">"
		    "%zu</td><td class=\"n\">%s</td></tr>\n",
		    r->groups[i].targets, r->groups[i].ready,
		    page_pct(share(r->groups[i].ready, r->groups[i].targets),
			pct, sizeof(pct)));
	}
	html_raw(h, "</tbody></table>\n");
	export_html_links(h, si); /* report.csv, group/SLUG.csv */

	html_printf(h,
	    "<h2>%s</h2>\n<p>%s</p>\n<table><thead><tr><th>%s</th>"
	    "<th>%s</th><th>%s</th><th></th></tr></thead>"
	    "<tbody>\n",
	    _("Scores"),
	    _("20 points each for: name servers ready for IPv6, an AAAA "
	      "record, every IPv6 address reachable, HTTPS valid over IPv6, "
	      "the same content as over IPv4."),
	    _("Score"), _("Services"), _("Share"));
	for (int i = REPORT_SCORES - 2; i >= 0; i--)
		bar_row(h, score_keys[i], r->c.scores[i], r->c.targets);
	if (r->c.scores[REPORT_SCORES - 1] > 0)
		bar_row(h, C_("score", "unknown"),
		    r->c.scores[REPORT_SCORES - 1], r->c.targets);
	html_raw(h, "</tbody></table>\n");

	html_printf(h,
	    "<h2>%s</h2>\n<p>%s</p>\n<table><thead><tr><th>%s"
	    "</th><th>%s</th><th>%s</th><th></th></tr></thead>"
	    "<tbody>\n",
	    _("What blocks the rest"),
	    _("Services not ready, by what fails over IPv6:"), _("Blocker"),
	    _("Services"), _("Share"));
	for (size_t i = 0; i < NELEM(blockers); i++)
		if (r->c.outcomes[blockers[i].outcome] > 0 ||
		    blockers[i].outcome == OUTCOME_NO_ADDRESS ||
		    blockers[i].outcome == OUTCOME_TIMEOUT ||
		    blockers[i].outcome == OUTCOME_STALL)
			bar_row(h, _(blockers[i].what),
			    r->c.outcomes[blockers[i].outcome], r->c.targets);
	bar_row(h, _("IPv6 works, but serves other content than IPv4"),
	    r->c.content, r->c.targets);
	if (r->c.other > 0)
		bar_row(h, _("IPv6 works; the score falls short (see below)"),
		    r->c.other, r->c.targets);
	if (r->c.no_data > 0)
		bar_row(h, _("No recent measurement"), r->c.no_data,
		    r->c.targets);
	html_printf(h,
	    "</tbody></table>\n<p>%s</p>\n<table><thead><tr><th>%s</th>"
	    "<th>%s</th><th>%s</th><th></th></tr></thead>"
	    "<tbody>\n",
	    _("Problems that lower the score (any service):"), _("Problem"),
	    _("Services"), _("Share"));
	bar_row(h, _("Name servers not ready for IPv6"),
	    r->c.warnings[WARN_NS_NO_IPV6], r->c.targets);
	bar_row(h, _("Some IPv6 addresses unreachable"),
	    r->c.warnings[WARN_PARTIAL_REACHABILITY], r->c.targets);
	bar_row(h, _("http:// (port 80) over IPv4 only"),
	    r->c.warnings[WARN_HTTP_NO_IPV6], r->c.targets);
	bar_row(h, _("Much slower over IPv6"), r->c.warnings[WARN_SLOW],
	    r->c.targets);
	bar_row(h, _("Certificate expires soon"),
	    r->c.warnings[WARN_CERT_EXPIRING], r->c.targets);
	html_raw(h, "</tbody></table>\n");

	html_printf(h, "<h2>%s</h2>\n", _("Trend"));
	if (ctx->have_summary > 0) {
		html_raw(h, "<figure><img src=\"g/summary-month.png\" alt=\"");
		html_text(h, _("Share of targets ready for IPv6, last 31 days"),
		    0);
		html_printf(h,
		    "\"><figcaption><a href=\"g/summary-day.png\">%s"
		    "</a> \xc2\xb7 <a href=\"g/summary-week.png\">"
		    "%s</a> \xc2\xb7 <a href=\"g/summary-year.png\">"
		    "%s</a></figcaption></figure>\n",
		    _("day"), _("week"), _("year"));
	}
	if (r->ntrend > 0) {
		html_printf(h,
		    "<table><thead><tr><th>%s</th><th>%s</th></tr></thead>"
		    "<tbody>\n",
		    _("Day"), _("Share ready"));
		for (size_t i = r->ntrend; i-- > 0;) {
			char d[32];

			html_printf(h,
			    "<tr><td>%s</td><td class=\"n\">%s</td>"
			    "</tr>\n",
			    i18n_date((double)r->trend[i].day + 1, d,
				sizeof(d)),
			    page_pct(r->trend[i].share, pct, sizeof(pct)));
		}
		html_raw(h, "</tbody></table>\n");
	} else
		html_printf(h, "<p>%s</p>\n", _("No history yet."));

	html_printf(h, "<h2>%s</h2>\n", _("To fix, worst first"));
	for (size_t i = 0; i < si->n; i++)
		nfix += si->targets[i]->ready != 1;
	if (nfix == 0) {
		html_printf(h, "<p>%s</p>\n",
		    _("Nothing: every service is ready."));
	} else {
		html_printf(h,
		    "<div class=\"scroll\"><table><thead><tr><th>#</th>"
		    "<th>%s</th><th>%s</th><th>%s</th>"
		    "<th>%s</th></tr></thead><tbody>\n",
		    _("Service"), _("Group"), _("Score"), _("Problem"));
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
					     _("no recent measurement"),
			    0);
			html_raw(h, "</td></tr>\n");
		}
		html_raw(h, "</tbody></table></div>\n");
	}
	html_raw(h, "</main>\n");
	page_foot(h, ctx);
}
