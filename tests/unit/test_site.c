/*
 * test_site: the published site's pure parts -- HTML escaping of hostile
 * text, slugs, availability means over fine and coarse rows, the URL
 * checks of the web root, graph arguments, the model's worst-first order
 * and problem words, the report's counts -- and one whole publish through
 * the real librrd in a temporary folder, with hostile names.
 */
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <rrd.h>

#include "collector/publish/avail.h"
#include "collector/collector.h"
#include "collector/conf.h"
#include "collector/publish/drawn.h"
#include "collector/publish/graph.h"
#include "collector/publish/html.h"
#include "collector/ingest.h"
#include "collector/ledger.h"
#include "collector/publish/page.h"
#include "collector/publish/publish.h"
#include "collector/publish/report.h"
#include "collector/publish/site.h"
#include "collector/store.h"
#include "collector/publish/summary.h"
#include "collector/targets.h"
#include "collector/webroot.h"
#include "i18n.h"
#include "util.h"

static const char hostile[] = "<script>alert(\"x\")</script>&'\x01\xff";

static void
test_html_escape(void **state)
{
	struct html h;

	(void)state;
	html_init(&h);
	html_text(&h, hostile, 0);
	assert_string_equal(h.buf,
	    "&lt;script&gt;alert(&quot;x&quot;)&lt;/"
	    "script&gt;&amp;&#39;\xef\xbf\xbd\xef\xbf"
	    "\xbd");
	html_free(&h);
	html_init(&h);
	/* Valid UTF-8 stays; an overlong form and a cut sequence do not. */
	html_text(&h,
	    "d\xe1\xbb\x8b"
	    "ch \xc0\xaf \xe1\xbb",
	    0);
	assert_string_equal(h.buf,
	    "d\xe1\xbb\x8b"
	    "ch \xef\xbf\xbd\xef\xbf\xbd "
	    "\xef\xbf\xbd\xef\xbf\xbd");
	html_free(&h);
	html_init(&h);
	html_text(&h, "abcdef", 3);
	assert_string_equal(h.buf, "abc");
	html_free(&h);
	html_init(&h);
	html_href(&h, "javascript:alert(1)");
	html_raw(&h, "|");
	html_href(&h, "https://a.example/?q=\"><b>");
	assert_string_equal(h.buf,
	    "#|https://a.example/?q=&quot;&gt;&lt;b&gt;");
	html_free(&h);
}

static void
test_html_bounded(void **state)
{
	struct html h;
	char	   *big = xmalloc(1024 * 1024 + 1);

	(void)state;
	memset(big, 'a', 1024 * 1024);
	big[1024 * 1024] = '\0';
	html_init(&h);
	for (int i = 0; i < 70 && !h.overflow; i++)
		html_raw(&h, big);
	assert_true(h.overflow);
	assert_true(h.len < HTML_MAX);
	html_free(&h);
	free(big);
}

static void
test_words(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(html_outcome_words(OUTCOME_NO_ADDRESS, FAMILY_IPV6),
	    "no AAAA record");
	assert_string_equal(html_outcome_words(OUTCOME_NO_ADDRESS, FAMILY_IPV4),
	    "no A record");
	for (int o = 0; o < OUTCOME__N; o++)
		assert_non_null(html_outcome_words(o, FAMILY_IPV6));
	for (int w = 0; w < WARN__N; w++)
		assert_non_null(html_warning_words(w));
	assert_string_equal(html_time(1764480000, buf, sizeof(buf)),
	    "2025-11-30 05:20 UTC");
	assert_string_equal(html_duration(3 * 3600 + 300, buf, sizeof(buf)),
	    "3 h 5 min");
	/* Rounded, not cut: one decimal, more when one would say 100 %
	 * for less than all. */
	assert_string_equal(page_pct(0.99999, buf, sizeof(buf)), "99.999 %");
	assert_string_equal(page_pct(1, buf, sizeof(buf)), "100.0 %");
	assert_string_equal(page_pct(5.0 / 9, buf, sizeof(buf)), "55.6 %");
	assert_string_equal(page_pct(1.0 / 6, buf, sizeof(buf)), "16.7 %");
	assert_string_equal(page_pct(-1, buf, sizeof(buf)), "\xe2\x80\x93");
}

static void
test_slug(void **state)
{
	char a[SITE_SLUG_MAX], b[SITE_SLUG_MAX];

	(void)state;
	assert_int_equal(site_slug("portal-1.a_b", a, sizeof(a)), 0);
	assert_string_equal(a, "portal-1.a_b");
	assert_int_equal(site_slug("../x", a, sizeof(a)), 0);
	assert_string_equal(a, "~2E.~2Fx");
	/* '~' itself is encoded: injective. */
	assert_int_equal(site_slug("~2E", a, sizeof(a)), 0);
	assert_int_equal(site_slug(".", b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
	assert_string_equal(a, "~7E2E");
	assert_int_equal(site_slug(hostile, a, sizeof(a)), 0);
	assert_null(strpbrk(a, "<>\"'&/% "));
}

static void
test_avail(void **state)
{
	double		  fv[12], cv[2], sum = 0, known = 0;
	struct avail_rows fine = {1000, 10, 12, fv}, coarse = {1000, 60, 2, cv};

	(void)state;
	/* Fine rows (1000, 1120]: up, then down for the last 4 rows. */
	for (int i = 0; i < 12; i++)
		fv[i] = i < 8 ? 1 : 0;
	avail_add(&fine, NULL, 1000, 1120, &sum, &known);
	assert_true(fabs(known - 120) < 1e-9);
	assert_true(fabs(sum / known - 80.0 / 120) < 1e-9);
	/* Coarse rows win where known; the unknown one falls back to fine. */
	cv[0] = 0.5;
	cv[1] = NAN;
	sum = known = 0;
	avail_add(&fine, &coarse, 1000, 1120, &sum, &known);
	assert_true(fabs(known - 120) < 1e-9);
	assert_true(fabs(sum - (30 + 20)) < 1e-9);
	/* A window that cuts a coarse row in the middle. */
	cv[1] = 1;
	sum = known = 0;
	avail_add(&fine, &coarse, 1030, 1090, &sum, &known);
	assert_true(fabs(known - 60) < 1e-9);
	assert_true(fabs(sum - (15 + 30)) < 1e-9);
	/* Unknown everywhere: nothing known. */
	for (int i = 0; i < 12; i++)
		fv[i] = NAN;
	cv[0] = cv[1] = NAN;
	sum = known = 0;
	avail_add(&fine, &coarse, 0, 5000, &sum, &known);
	assert_true(known == 0);
}

/* Maintenance is left out of availability: neither down nor up. */
static void
test_avail_maintenance(void **state)
{
	double		  fv[12], sum = 0, known = 0;
	struct avail_rows fine = {1000, 10, 12, fv};
	/* Overlapping and touching windows merge; one outside stays. */
	struct avail_span skip[] = {{1090, 1100}, {1080, 1095}, {1100, 1120},
	    {5000, 6000}};
	size_t		  n;

	(void)state;
	/* Up, then down for the last 4 rows (1080, 1120]: the outage
	 * was the maintenance. */
	for (int i = 0; i < 12; i++)
		fv[i] = i < 8 ? 1 : 0;
	n = avail_spans_merge(skip, 4);
	assert_int_equal(n, 2);
	assert_true(skip[0].from == 1080 && skip[0].to == 1120);
	avail_add_except(&fine, NULL, 1000, 1120, skip, n, &sum, &known);
	assert_true(fabs(known - 80) < 1e-9);
	assert_true(fabs(sum / known - 1) < 1e-9);
	/* Part of it: (1100, 1120] still counts as down. */
	skip[0].to = 1100;
	sum = known = 0;
	avail_add_except(&fine, NULL, 1000, 1120, skip, n, &sum, &known);
	assert_true(fabs(known - 100) < 1e-9);
	assert_true(fabs(sum / known - 0.8) < 1e-9);
	/* No spans: as avail_add. */
	sum = known = 0;
	avail_add_except(&fine, NULL, 1000, 1120, NULL, 0, &sum, &known);
	assert_true(fabs(sum / known - 80.0 / 120) < 1e-9);
}

static void
test_webroot_urls(void **state)
{
	static const char *const good[] = {"/", "/index.html", "/t/a~2Fb.html",
	    "/g/x/avail-day.png", "/t/"};
	static const char *const bad[] = {"", "index.html", "/../etc/passwd",
	    "/t/../../x", "/.publish.lock", "/g/.x.png.tmp", "//etc", "/a//b",
	    "/./a", "/a\\b", "/a\nb", "/t/.."};

	(void)state;
	for (size_t i = 0; i < NELEM(good); i++)
		assert_true(webroot_url_ok(good[i]));
	for (size_t i = 0; i < NELEM(bad); i++)
		assert_false(webroot_url_ok(bad[i]));
	assert_string_equal(webroot_type("/a/b.svg"), "image/svg+xml");
	assert_string_equal(webroot_type("/index.html"),
	    "text/html; charset=utf-8");
	assert_string_equal(webroot_type("/x.rrd"), "application/octet-stream");
}

static void
test_graph_args(void **state)
{
	struct graph_src    src[2] = {{{"/d/rrd/p1/a:b.ipv6.rrd", NULL}},
	       {{"/d/rrd/p2/a.ipv6.rrd", "/d/rrd/p2/a.ipv4.rrd"}}};
	struct graph_req    rq;
	struct graph_argv   a;
	struct graph_values gv = {{0}, GRAPH_VALUES_MAX};
	int		    def = 0, avg = 0, title = 0, daemon = 0, nodata = 0;

	(void)state;
	memset(&rq, 0, sizeof(rq));
	rq.kind = GRAPH_AVAIL;
	rq.period = PERIOD_DAY;
	rq.target = "x\ny: <b>";
	rq.src = src;
	rq.nsrc = 2;
	rq.daemon = "unix:/run/rrdcached.sock";
	rq.end = 1764480000;
	assert_int_equal(graph_args(&rq, &gv, &a), 0);
	assert_string_equal(a.v[0], "graphv");
	assert_string_equal(a.v[1], "-");
	for (int i = 0; i < a.n; i++) {
		def += strcmp(a.v[i],
			   "DEF:up6_0=/d/rrd/p1/a\\:b.ipv6.rrd:up:"
			   "AVERAGE") == 0;
		avg += strcmp(a.v[i], "CDEF:up6=up6_0,up6_1,2,AVG") == 0;
		title += strcmp(a.v[i],
			     "--title=x?y: <b>: availability, last "
			     "24 hours") == 0;
		daemon +=
		    strcmp(a.v[i], "--daemon=unix:/run/rrdcached.sock") == 0;
		nodata += strstr(a.v[i], "no measurements") != NULL;
	}
	assert_int_equal(def, 1);
	assert_int_equal(avg, 1);
	assert_int_equal(title, 1);
	assert_int_equal(daemon, 1);
	assert_int_equal(nodata, 0);
	graph_argv_free(&a);
	/* One probe, no IPv4 file. */
	rq.kind = GRAPH_LATENCY;
	rq.nsrc = 1;
	rq.daemon = NULL;
	assert_int_equal(graph_args(&rq, &gv, &a), 0);
	for (int i = 0; i < a.n; i++) {
		nodata += strstr(a.v[i], "IPv4\\: no measurements") != NULL;
		assert_null(strstr(a.v[i], "--daemon"));
	}
	assert_int_equal(nodata, 1);
	graph_argv_free(&a);
	/* Traffic: the IPv6 share of IP bytes, none without IP bytes. */
	memset(&rq, 0, sizeof(rq));
	rq.kind = GRAPH_SHARE;
	rq.period = PERIOD_WEEK;
	rq.probe = "p1";
	rq.iface = "eth0\n";
	rq.traffic = "/d/rrd/p1/eth0.traffic.rrd";
	rq.end = 1764480000;
	assert_int_equal(graph_args(&rq, &gv, &a), 0);
	def = avg = title = 0;
	for (int i = 0; i < a.n; i++) {
		def += strcmp(a.v[i],
			   "DEF:b6=/d/rrd/p1/eth0.traffic.rrd:bytes_ipv6:"
			   "AVERAGE") == 0;
		avg += strcmp(a.v[i],
			   "CDEF:share=ip,0,GT,b6,ip,/,100,*,UNKN,IF") == 0;
		title += strcmp(a.v[i],
			     "--title=eth0? from p1: IPv6 share of IP bytes, "
			     "last 7 days") == 0;
	}
	assert_int_equal(def + avg + title, 3);
	graph_argv_free(&a);
	rq.kind = GRAPH_ICMP;
	rq.interval_s = 30;
	assert_int_equal(graph_args(&rq, &gv, &a), 0);
	def = 0;
	for (int i = 0; i < a.n; i++)
		def += strcmp(a.v[i], "CDEF:ptb=ptb_s,30,*") == 0;
	assert_int_equal(def, 1);
	graph_argv_free(&a);
	rq.traffic = NULL;
	assert_int_equal(graph_args(&rq, &gv, &a), -1);
	graph_argv_free(&a);
	/* When graphs come due. */
	assert_int_equal(graph_refresh_s(GRAPH_AVAIL, PERIOD_DAY, 0), 900);
	assert_int_equal(graph_refresh_s(GRAPH_LATENCY, PERIOD_DAY, 1), 3600);
	assert_int_equal(graph_refresh_s(GRAPH_PROBE, PERIOD_DAY, 0), 3600);
	assert_int_equal(graph_refresh_s(GRAPH_AVAIL, PERIOD_HOUR, 0), 0);
	assert_int_equal(graph_refresh_s(GRAPH_SUMMARY, PERIOD_DAY, 0), 0);
	assert_int_equal(graph_refresh_s(GRAPH_SUMMARY, PERIOD_WEEK, 1), 1008);
	assert_true(graph_refresh_s(GRAPH_AVAIL, PERIOD_WEEK, 0) >=
	    graph_period_s(PERIOD_WEEK) / GRAPH_WIDTH);
	assert_true(graph_fresh(1000, 1500, 900, 0));
	assert_false(graph_fresh(1000, 1900, 900, 0));
	assert_false(graph_fresh(1000, 1500, 900, 400)); /* its slot ended */
	assert_false(graph_fresh(2000, 1000, 900, 0));	 /* from the future */
	assert_false(graph_fresh(1000, 1000, 0, 0));	 /* every publish */
	assert_true(graph_fresh(1000, 1000, 900, 12345));
	{
		/* Drawn together, due in equal shares: a third of them at
		 * each publish 300 s apart, each once per 900 s. */
		int due[7] = {0};

		for (uint64_t o = 0; o < 900; o++) {
			int64_t mtime = 0;

			for (int k = 1; k <= 6; k++)
				if (!graph_fresh(mtime, k * 300, 900, o)) {
					due[k]++;
					mtime = k * 300;
				}
		}
		for (int k = 1; k <= 6; k++)
			assert_int_equal(due[k], 300);
	}
	assert_int_not_equal(graph_offset("g/a/avail-day.png"),
	    graph_offset("g/a/avail-day.svg"));
}

/* The signature file: written, read back; damaged lines skipped. */
static void
test_drawn(void **state)
{
	char	      dir[] = "/tmp/v6w-test-drawn.XXXXXX", path[PATH_MAX];
	const char   *slugs[] = {"a", "~3Cb~3E"};
	uint64_t      sigs[] = {0x0123456789abcdefULL, 42}, v = 0;
	struct drawn *d;
	char	      err[256];
	FILE	     *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/drawn", dir);
	d = drawn_load(path); /* missing: empty */
	assert_int_equal(drawn_get(d, "a", &v), 0);
	drawn_free(d);
	assert_int_equal(drawn_save(path, slugs, sigs, 2, err, sizeof(err)), 0);
	d = drawn_load(path);
	assert_int_equal(drawn_get(d, "a", &v), 1);
	assert_true(v == sigs[0]);
	assert_int_equal(drawn_get(d, "~3Cb~3E", &v), 1);
	assert_true(v == 42);
	assert_int_equal(drawn_get(d, "b", &v), 0);
	drawn_free(d);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("v6watch drawn 1\n0000000000000001 ok\nzz00000000000001 badhex\n"
	      "0000000000000002 two words\n0000000000000003\n"
	      "0000000000000004 cut",
	    f);
	fclose(f);
	d = drawn_load(path);
	assert_int_equal(drawn_get(d, "ok", &v), 1);
	assert_int_equal(drawn_get(d, "badhex", &v), 0);
	assert_int_equal(drawn_get(d, "two words", &v), 0);
	assert_int_equal(drawn_get(d, "cut", &v), 0);
	drawn_free(d);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("not ours\n0000000000000001 ok\n", f);
	fclose(f);
	d = drawn_load(path);
	assert_int_equal(drawn_get(d, "ok", &v), 0);
	drawn_free(d);
	unlink(path);
	rmdir(dir);
}

/* A ledger with records of target name for both families. */
static void
note(struct ledger *lg, const char *name, const char *group, enum outcome o6,
    uint32_t w6, int ready, int score, double ts)
{
	for (int f = 0; f < FAMILY__N; f++) {
		struct result  r;
		struct series *s = ledger_series(lg, RESULT_CHECK, name, f, 1);

		result_init(&r);
		snprintf(r.probe, sizeof(r.probe), "%s", lg->name);
		snprintf(r.target, sizeof(r.target), "%s", name);
		snprintf(r.group, sizeof(r.group), "%s", group);
		snprintf(r.url, sizeof(r.url), "https://%s.example/", "t");
		r.family = f;
		r.ts = ts;
		r.seq = (uint64_t)ts;
		r.outcome = f == FAMILY_IPV6 ? o6 : OUTCOME_OK;
		r.warnings = f == FAMILY_IPV6 ? w6 : 0;
		r.ready = ready;
		r.score = score;
		series_note(s, &r, (int64_t)ts, &lg->sc);
	}
}

static int
have_none(const char *rel, void *arg)
{
	(void)arg;
	return strstr(rel, ".png") != NULL && strstr(rel, "probe-") == NULL;
}

static void
test_site_model(void **state)
{
	struct ledger *lg[2];
	struct site   *si;
	struct report  r;

	(void)state;
	lg[0] = ledger_new("p1", "/nonexistent/p1.json");
	lg[1] = ledger_new("p2", "/nonexistent/p2.json");
	for (int i = 0; i < 2; i++) {
		lg[i]->sc.down_after = 1;
		lg[i]->sc.up_after = 1;
		lg[i]->sc.quorum = 1;
		lg[i]->sc.silent_s = 1e9;
	}
	note(lg[0], "good", "A", OUTCOME_OK, 0, 1, 100, 1764480000);
	note(lg[1], "good", "A", OUTCOME_OK, 0, 1, 100, 1764480001);
	note(lg[0], "noaaaa", "B", OUTCOME_NO_ADDRESS, 0, 0, 20, 1764480000);
	note(lg[0], "stall", "B", OUTCOME_STALL, 0, 0, 80, 1764480000);
	note(lg[0], "mismatch", "A", OUTCOME_OK,
	    WARN_BIT(WARN_CONTENT_MISMATCH), 0, 80, 1764480000);
	/* Seen failing by one probe of two. */
	note(lg[0], "split", "A", OUTCOME_OK, 0, 1, 100, 1764480000);
	note(lg[1], "split", "A", OUTCOME_TIMEOUT, 0, 0, 60, 1764480000);
	note(lg[0], hostile, hostile, OUTCOME_TLS_ERROR, 0, 0, 40, 1764480000);

	si = site_build(lg, 2, NULL, NULL, 1764480100);
	assert_int_equal(si->n, 6);
	site_finish(si);
	{
		struct site_counts sc;

		site_count(si, &sc);
		assert_int_equal(sc.ready, 1);
	}
	/* Worst first: not ready before ready; down before partial. */
	assert_string_equal(si->targets[si->n - 1]->name, "good");
	assert_int_equal(si->targets[0]->fam[FAMILY_IPV6].state, SITE_DOWN);
	assert_string_equal(si->targets[0]->name, "noaaaa"); /* score 20 */
	for (size_t i = 0; i < si->n; i++) {
		const struct site_target *t = si->targets[i];

		if (strcmp(t->name, "split") == 0) {
			assert_int_equal(t->fam[FAMILY_IPV6].state,
			    SITE_PARTIAL);
			assert_int_equal(t->score, 60);
			assert_int_equal(t->ready, 0);
			assert_string_equal(t->problem,
			    "IPv6: connections time out (seen by 1 of 2 "
			    "probes)");
		}
		if (strcmp(t->name, "noaaaa") == 0)
			assert_string_equal(t->problem, "IPv6: no AAAA record");
		if (strcmp(t->name, "mismatch") == 0)
			assert_string_equal(t->problem,
			    "IPv6: different content than over IPv4");
		if (strcmp(t->name, "good") == 0) {
			assert_int_equal(t->nprobes, 2);
			assert_string_equal(t->problem, "");
		}
		/* An hour graph for a new partial outage, not for a target
		 * up, nor for one down with no change in the hour. */
		assert_int_equal(site_lively(t, 1764480100),
		    strcmp(t->name, "split") == 0);
		assert_false(site_lively(t, 1764480000 + 7200));
	}
	{
		/* Signatures: the same states, the same signature. */
		struct site *again = site_build(lg, 2, NULL, NULL, 1764480200);
		uint64_t     good = 0, good2 = 0, noaaaa = 0;

		site_finish(again);
		for (size_t i = 0; i < si->n; i++) {
			if (strcmp(si->targets[i]->name, "good") == 0)
				good = site_graph_sig(si->targets[i]);
			if (strcmp(si->targets[i]->name, "noaaaa") == 0)
				noaaaa = site_graph_sig(si->targets[i]);
			if (strcmp(again->targets[i]->name, "good") == 0)
				good2 = site_graph_sig(again->targets[i]);
		}
		assert_true(good == good2);
		assert_true(good != noaaaa);
		site_free(again);
	}
	report_build(si, &r);
	assert_int_equal(r.c.targets, 6);
	assert_int_equal(r.c.ready, 1);
	assert_int_equal(r.c.outcomes[OUTCOME_NO_ADDRESS], 1);
	assert_int_equal(r.c.outcomes[OUTCOME_STALL], 1);
	assert_int_equal(r.c.outcomes[OUTCOME_TIMEOUT], 1);
	assert_int_equal(r.c.warnings[WARN_CONTENT_MISMATCH], 1);
	assert_int_equal(r.c.scores[5], 1); /* 100 */
	assert_int_equal(r.c.scores[1], 1); /* 20 */
	assert_int_equal(r.ngroups, 3);
	{
		struct page_ctx ctx = {"<c>", 1764480100, 1, NULL, NULL, NULL,
		    NULL, NULL};
		struct page_ctx none = {"<c>", 1764480100, 1, have_none, NULL,
		    NULL, NULL, NULL};
		struct html	h;
		cJSON	       *j = report_json(&r, si, &ctx);
		char	       *text = cJSON_PrintUnformatted(j);

		assert_non_null(strstr(text, "\"ready_share\":"));
		assert_non_null(
		    strstr(text, "\"to_fix\":[{\"target\":\"noaaaa\""));
		cJSON_free(text);
		cJSON_Delete(j);
		html_init(&h);
		report_html(&h, &r, si, &ctx);
		assert_null(strstr(h.buf, "<script>"));
		assert_null(strstr(h.buf, "<c>"));
		html_free(&h);
		html_init(&h);
		page_index(&h, si, &ctx);
		assert_null(strstr(h.buf, "<script>alert"));
		assert_non_null(strstr(h.buf, "&lt;script&gt;alert"));
		assert_non_null(strstr(h.buf, "<script src=\"site.js\">"));
		assert_non_null(strstr(h.buf, "g/summary-day.png"));
		assert_null(strstr(h.buf, "after an hour of publishing"));
		html_free(&h);
		/* A young site: no empty summary graph, a word instead. */
		ctx.have_summary = 0;
		html_init(&h);
		page_index(&h, si, &ctx);
		assert_null(strstr(h.buf, "g/summary-day.png"));
		assert_non_null(strstr(h.buf, "after an hour of publishing"));
		html_free(&h);
		html_init(&h);
		report_html(&h, &r, si, &ctx);
		assert_null(strstr(h.buf, "g/summary-month.png"));
		html_free(&h);
		ctx.have_summary = 1;
		for (size_t i = 0; i < si->n; i++) {
			html_init(&h);
			page_target(&h, si->targets[i], &ctx);
			assert_false(h.overflow);
			assert_null(strstr(h.buf, "<script"));
			if (si->targets[i]->nprobes > 1)
				assert_non_null(strstr(h.buf, "Also: "));
			assert_non_null(strstr(h.buf, "-day.svg\">SVG</a>"));
			html_free(&h);
			/* Graphs only linked to, not drawn yet: no link. */
			html_init(&h);
			page_target(&h, si->targets[i], &none);
			assert_null(strstr(h.buf, "-day.svg"));
			assert_null(strstr(h.buf, "Also: "));
			assert_non_null(strstr(h.buf, "-day.png"));
			html_free(&h);
		}
	}
	{
		struct summary_counts c;
		char		      v[128];

		summary_count(si, &c);
		assert_int_equal(c.targets, 6);
		assert_int_equal(c.ready, 1);
		assert_int_equal(summary_format(&c, 1764480100, v, sizeof(v)),
		    0);
		assert_string_equal(v, "1764480100:6:1:2:6:63.33");
	}
	report_free(&r);
	site_free(si);
	ledger_free(lg[0]);
	ledger_free(lg[1]);
}

/* Under valgrind (its preload library is in LD_PRELOAD). */
static int
under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

/*
 * publish_run in a child, as the daemon runs it: what librrd, pango and
 * fontconfig never free ends with the child. Under valgrind the child
 * reports those leaks and exits 99; that is theirs, not ours.
 */
static int
publish_child(struct collector *co, double now, struct publish_stats *st)
{
	int   p[2], status = 0, rc;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(p[0]);
		rc = publish_run(co, now, 0, st);
		if (write(p[1], st, sizeof(*st)) != (ssize_t)sizeof(*st))
			rc = -1;
		_exit(rc == 0 ? 0 : 1);
	}
	close(p[1]);
	rc = read(p[0], st, sizeof(*st)) == (ssize_t)sizeof(*st) ? 0 : -1;
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) ||
	    (WEXITSTATUS(status) != 0 &&
		!(under_valgrind() && WEXITSTATUS(status) == 99)))
		rc = -1;
	return rc;
}

/* A whole publish: collector state from a posted batch, real librrd. */
/*
 * The site's figures are counted once (site_count) and every page agrees:
 * each target not ready is in exactly one blocker, and a target not ready
 * with no recent IPv6 measurement is "without recent data" both in the
 * report's headline and in its blocker table.
 */
static void
test_site_counts(void **state)
{
	struct ledger	     *lg = ledger_new("p1", "/nonexistent/p1.json");
	struct target_list    tl = {0};
	struct ctarget	      fresh = {0};
	struct site	     *si;
	struct report	      r;
	struct summary_counts sc;
	struct html	      h;
	struct page_ctx	      ctx = {"c", 1764490000, 1, NULL, NULL, NULL, NULL,
		  NULL};
	size_t		      sum = 0;
	double		      now = 1764490000, old = now - 86400;

	(void)state;
	lg->sc.down_after = lg->sc.up_after = lg->sc.quorum = 1;
	lg->sc.silent_s = 600;
	note(lg, "good", "A", OUTCOME_OK, 0, 1, 100, now - 60);
	note(lg, "down", "A", OUTCOME_NO_ADDRESS, 0, 0, 20, now - 60);
	/* Not ready when last seen, and silent for a day since. */
	note(lg, "stale", "B", OUTCOME_OK, 0, 0, 60, old);
	/* ... its probe's view unknown since, as a silent probe's is. */
	for (int f = 0; f < FAMILY__N; f++)
		ledger_series(lg, RESULT_CHECK, "stale", f, 0)->state =
		    STATE_UNKNOWN;
	note(lg, "content", "B", OUTCOME_OK, WARN_BIT(WARN_CONTENT_MISMATCH), 0,
	    80, now - 60);
	note(lg, "short", "B", OUTCOME_OK, WARN_BIT(WARN_NS_NO_IPV6), 0, 80,
	    now - 60);
	/* In the central list, never measured yet. */
	fresh.id = "fresh";
	fresh.title = "D\xe1\xbb\x8b\x63h v\xe1\xbb\xa5 m\xe1\xbb\x9bi";
	fresh.url = "https://fresh.example/";
	fresh.group = "C";
	tl.v = &fresh;
	tl.n = 1;
	si = site_build(&lg, 1, NULL, &tl, now);
	site_finish(si);
	report_build(si, &r);
	assert_int_equal(r.c.targets, 6);
	assert_int_equal(r.c.ready, 1);
	assert_int_equal(r.c.not_ready, 5);
	assert_int_equal(r.c.outcomes[OUTCOME_NO_ADDRESS], 1);
	assert_int_equal(r.c.no_data, 2); /* stale, fresh */
	assert_int_equal(r.c.content, 1);
	assert_int_equal(r.c.other, 1);
	for (int i = 0; i < OUTCOME__N; i++)
		sum += r.c.outcomes[i];
	assert_int_equal(r.c.ready + sum + r.c.no_data + r.c.content +
		r.c.other,
	    r.c.targets);
	summary_count(si, &sc);
	assert_int_equal(sc.targets, r.c.targets);
	assert_int_equal(sc.ready, r.c.ready);
	for (size_t i = 0; i < si->n; i++)
		if (strcmp(si->targets[i]->name, "fresh") == 0) {
			assert_string_equal(si->targets[i]->title, fresh.title);
			assert_string_equal(si->targets[i]->group, "C");
		} else
			assert_string_equal(si->targets[i]->title,
			    si->targets[i]->name);

	html_init(&h);
	report_html(&h, &r, si, &ctx);
	assert_non_null(strstr(h.buf, "<b>5</b>2 without recent data"));
	assert_non_null(strstr(h.buf,
	    "<tr><td>No recent measurement</td><td class=\"n\">2</td>"));
	assert_non_null(strstr(h.buf, fresh.title));
	html_free(&h);
	html_init(&h);
	page_index(&h, si, &ctx);
	assert_non_null(strstr(h.buf, "6 targets; <b>1 ready for IPv6</b>"));
	html_free(&h);
	report_free(&r);
	site_free(si);
	ledger_free(lg);
}

static void
test_publish_run(void **state)
{
	char dir[] = "/tmp/v6w-test-site.XXXXXX";
	char path[PATH_MAX + 64], body[8192], *answer, cmd[PATH_MAX + 16];
	struct collector_conf *cc = xcalloc(1, sizeof(*cc));
	struct collector      *co;
	struct publish_stats   st;
	struct stat	       sb;
	char		       err[512];
	size_t		       n = 0;
	char		      *text;
	size_t		       len;
	double		       now = (double)time(NULL);

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/data", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	cc->name = xstrdup("unit");
	cc->data_dir = xstrdup(path);
	snprintf(path, sizeof(path), "%s/site", dir);
	cc->publish_dir = xstrdup(path);
	cc->step_s = 60;
	cc->down_after = 1;
	cc->up_after = 1;
	cc->quorum = 1;
	cc->cert_warn_days = 30;
	co = collector_new("/nonexistent.conf", cc, NULL);
	assert_int_equal(collector_open(co, err, sizeof(err)), 0);
	n += (size_t)snprintf(body + n, sizeof(body) - n,
	    "{\"probe\":\"p1\",\"results\":[");
	for (int k = 0; k < 4; k++)
		for (int f = 0; f < 2; f++)
			n += (size_t)snprintf(body + n, sizeof(body) - n,
			    "%s{\"probe\":\"p1\",\"target\":\"%s\",\"url\":"
			    "\"https://a.example/\",\"family\":\"%s\",\"ts\":"
			    "%.0f,\"seq\":%d,\"outcome\":\"%s\",\"ready\":%s,"
			    "\"score\":%d,\"error\":\"<b>bad</b>\",\"group\":"
			    "\"g\\\"<i>\"}",
			    k + f > 0 ? "," : "",
			    k == 3 ? "<img src=x onerror=alert(1)>" : "t",
			    f ? "ipv4" : "ipv6", now - 120 + k * 30,
			    1 + k * 2 + f, k == 2 && !f ? "timeout" : "ok",
			    k == 2 && !f ? "false" : "true",
			    k == 2 && !f ? 60 : 100);
	/* Passive capture of two interfaces, one with a hostile name. */
	for (int k = 0; k < 2; k++)
		n += (size_t)snprintf(body + n, sizeof(body) - n,
		    ",{\"kind\":\"traffic\",\"probe\":\"p1\",\"ts\":%.0f,"
		    "\"seq\":%d,\"iface\":\"%s\",\"interval_s\":60,"
		    "\"packets\":{\"ipv6\":100,\"ipv4\":50,\"other\":1},"
		    "\"bytes\":{\"ipv6\":60000,\"ipv4\":30000,\"other\":"
		    "100},\"icmpv6\":{\"packet_too_big\":2,"
		    "\"dest_unreachable\":1},\"drops\":0}",
		    now - 60, 20 + k, k ? "<i>if</i>" : "eth0");
	snprintf(body + n, sizeof(body) - n, "]}");
	assert_int_equal(ingest_post(co->store, collector_ledger(co, "p1"),
			     body, strlen(body), now, &answer),
	    200);
	assert_non_null(strstr(answer, "\"accepted\":10"));
	cJSON_free(answer);

	assert_int_equal(publish_child(co, now, &st), 0);
	assert_int_equal(st.targets, 2);
	assert_true(st.graphs > 10);
	assert_int_equal(st.graphs_failed, 0);
	snprintf(path, sizeof(path), "%s/site/g/t/avail-day.png", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(file_read(path, 1 << 24, &text, &len), 0);
	assert_memory_equal(text, "\x89PNG", 4);
	free(text);
	snprintf(path, sizeof(path), "%s/site/g/t/latency-week.svg", dir);
	assert_int_equal(stat(path, &sb), 0);
	snprintf(path, sizeof(path), "%s/site/index.html", dir);
	assert_int_equal(file_read(path, 1 << 24, &text, &len), 0);
	assert_null(strstr(text, "<img src=x"));
	assert_non_null(strstr(text, "&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(text, "href=\"t/t.html\""));
	free(text);
	snprintf(path, sizeof(path), "%s/site/t/t.html", dir);
	assert_int_equal(file_read(path, 1 << 24, &text, &len), 0);
	assert_null(strstr(text, "<b>bad"));
	assert_non_null(strstr(text, "&lt;b&gt;bad&lt;/b&gt;"));
	free(text);
	snprintf(path, sizeof(path), "%s/site/report.json", dir);
	assert_int_equal(file_read(path, 1 << 24, &text, &len), 0);
	assert_non_null(strstr(text, "\"targets\":2"));
	free(text);
	snprintf(path, sizeof(path), "%s/site/status.json", dir);
	assert_int_equal(stat(path, &sb), 0);
	snprintf(path, sizeof(path), "%s/data/summary.rrd", dir);
	assert_int_equal(stat(path, &sb), 0);
	/* Traffic: its page, linked from the index, and its graphs. */
	snprintf(path, sizeof(path), "%s/site/traffic.html", dir);
	assert_int_equal(file_read(path, 1 << 24, &text, &len), 0);
	assert_null(strstr(text, "<i>if"));
	assert_non_null(strstr(text, "&lt;i&gt;if&lt;/i&gt;"));
	assert_non_null(strstr(text, "66.7 %"));   /* IPv6 share */
	assert_non_null(strstr(text, "1.0 kB/s")); /* 60000 B / 60 s */
	assert_non_null(strstr(text, "traffic/p1/eth0/share-day.png"));
	free(text);
	snprintf(path, sizeof(path), "%s/site/index.html", dir);
	assert_int_equal(file_read(path, 1 << 24, &text, &len), 0);
	assert_non_null(strstr(text, "href=\"traffic.html\""));
	free(text);
	for (int k = GRAPH_SHARE; k <= GRAPH_ICMP; k++)
		for (int svg = 0; svg < 2; svg++) {
			char rel[256];

			assert_int_equal(page_graph_path(rel, sizeof(rel),
					     "~3Ci~3Eif~3C~2Fi~3E", k, "p1",
					     PERIOD_YEAR, svg),
			    0);
			snprintf(path, sizeof(path), "%s/site/%s", dir, rel);
			assert_int_equal(stat(path, &sb), 0);
			assert_true(sb.st_size > 1000);
		}
	snprintf(path, sizeof(path), "%s/data/state/drawn", dir);
	assert_int_equal(stat(path, &sb), 0);
	/* Again: the last hour of the target that is down, the summary's
	 * day; every other graph waits its turn. */
	assert_int_equal(publish_child(co, now, &st), 0);
	assert_int_equal(st.graphs, 1 + 2);
	assert_true(st.graphs_fresh > 30);
	/* t is up again over IPv6: its day is drawn again at once. */
	snprintf(body, sizeof(body),
	    "{\"probe\":\"p1\",\"results\":[{\"probe\":\"p1\","
	    "\"target\":\"t\",\"url\":\"https://a.example/\",\"family\":"
	    "\"ipv6\",\"ts\":%.0f,\"seq\":30,\"outcome\":\"ok\"}]}",
	    now - 10);
	assert_int_equal(ingest_post(co->store, collector_ledger(co, "p1"),
			     body, strlen(body), now, &answer),
	    200);
	cJSON_free(answer);
	assert_int_equal(publish_child(co, now, &st), 0);
	assert_int_equal(st.graphs, 1 + 4 + 2); /* hour, day PNG and SVG */
	assert_int_equal(publish_child(co, now, &st), 0);
	assert_int_equal(st.graphs, 1 + 2);
	/* A day later everything has come due. */
	assert_int_equal(publish_child(co, now + 86400, &st), 0);
	assert_true(st.graphs >= 30);
	/* The web root finds pages and nothing outside. */
	{
		int	    fd;
		uint64_t    size;
		const char *ct;
		char	    loc[64];

		snprintf(path, sizeof(path), "%s/site", dir);
		assert_int_equal(webroot_open(path, "/", &fd, &size, &ct, loc,
				     sizeof(loc)),
		    WEBROOT_FILE);
		close(fd);
		assert_int_equal(webroot_open(path, "/t", &fd, &size, &ct, loc,
				     sizeof(loc)),
		    WEBROOT_REDIRECT);
		assert_string_equal(loc, "/t/");
		snprintf(cmd, sizeof(cmd), "%s/site/t/out.html", dir);
		assert_int_equal(symlink("/etc/passwd", cmd), 0);
		assert_int_equal(webroot_open(path, "/t/out.html", &fd, &size,
				     &ct, loc, sizeof(loc)),
		    WEBROOT_MISSING);
		assert_int_equal(webroot_open(path, "/../data/summary.rrd", &fd,
				     &size, &ct, loc, sizeof(loc)),
		    WEBROOT_MISSING);
	}
	collector_free(co);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* 2026-12-06 07:05:00 UTC: 14:05 in Asia/Ho_Chi_Minh. */
#define LANG_NOW 1796540700.0

/* Nine targets from one probe, five of them ready for IPv6 (5/9). */
static struct collector *
lang_site(const char *dir, const char *organisation)
{
	struct collector_conf *cc = xcalloc(1, sizeof(*cc));
	struct collector      *co;
	char		       path[PATH_MAX], err[512], body[16384], *answer;
	size_t		       n = 0;
	int		       seq = 1;

	snprintf(path, sizeof(path), "%s/data", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	cc->name = xstrdup("unit");
	cc->data_dir = xstrdup(path);
	snprintf(path, sizeof(path), "%s/site", dir);
	cc->publish_dir = xstrdup(path);
	cc->organisation = organisation != NULL ? xstrdup(organisation) : NULL;
	cc->step_s = 60;
	cc->down_after = cc->up_after = cc->quorum = 1;
	cc->cert_warn_days = 30;
	co = collector_new("/nonexistent.conf", cc, NULL);
	assert_int_equal(collector_open(co, err, sizeof(err)), 0);
	n += (size_t)snprintf(body + n, sizeof(body) - n,
	    "{\"probe\":\"p1\",\"results\":[");
	for (int k = 0; k < 9; k++)
		for (int f = 0; f < 2; f++)
			n += (size_t)snprintf(body + n, sizeof(body) - n,
			    "%s{\"probe\":\"p1\",\"target\":\"s%d\",\"url\":"
			    "\"https://s%d.example/\",\"family\":\"%s\",\"ts\":"
			    "%.0f,\"seq\":%d,\"outcome\":\"%s\",\"ready\":%s,"
			    "\"score\":%d,\"group\":\"G\"}",
			    seq > 1 ? "," : "", k, k, f ? "ipv4" : "ipv6",
			    LANG_NOW - 60, seq,
			    k >= 5 && !f ? "no_address" : "ok",
			    k < 5 ? "true" : "false", k < 5 ? 100 : 20),
			    seq++;
	snprintf(body + n, sizeof(body) - n, "]}");
	assert_int_equal(ingest_post(co->store, collector_ledger(co, "p1"),
			     body, strlen(body), LANG_NOW, &answer),
	    200);
	cJSON_free(answer);
	return co;
}

static char *
site_file(const char *dir, const char *rel)
{
	char   path[PATH_MAX];
	char  *text;
	size_t len;

	snprintf(path, sizeof(path), "%s/site/%s", dir, rel);
	assert_int_equal(file_read(path, 1 << 24, &text, &len), 0);
	return text;
}

/*
 * One site published in Vietnamese, in Asia/Ho_Chi_Minh, then in English
 * and UTC: the language of the pages, their times, numbers and footer,
 * who publishes, and the report's JSON.
 */
static void
test_publish_lang(void **state)
{
	char		     dir[] = "/tmp/v6w-test-lang.XXXXXX";
	char		     cmd[PATH_MAX + 16], err[1024];
	const char	    *org = "S\xe1\xbb\x9f Th\xc3\xb4ng tin v\xc3\xa0 "
				   "Truy\xe1\xbb\x81n th\xc3\xb4ng Thanh H\xc3\xb3"
				   "a";
	struct collector    *co;
	struct publish_stats st;
	char		    *text;

	(void)state;
	if (getenv("V6WATCH_LOCALEDIR") == NULL)
		setenv("V6WATCH_LOCALEDIR", "build/locale", 1);
	assert_non_null(mkdtemp(dir));
	co = lang_site(dir, org);
	assert_int_equal(i18n_set_language("vi", err, sizeof(err)), 0);
	assert_int_equal(i18n_timezone_check("Asia/Ho_Chi_Minh", err,
			     sizeof(err)),
	    0);
	i18n_set_timezone("Asia/Ho_Chi_Minh");
	assert_int_equal(publish_child(co, LANG_NOW, &st), 0);
	text = site_file(dir, "index.html");
	assert_non_null(strstr(text, "<html lang=\"vi\">"));
	assert_non_null(strstr(text,
	    "<title>T\xc3\xacnh tr\xe1\xba\xa1ng "
	    "IPv6 c\xe1\xbb\xa7\x61 unit</title>"));
	assert_non_null(strstr(text, org));
	/* Local time, the day first; a decimal comma; the zone said. */
	assert_non_null(strstr(text, "06/12/2026 14:05"));
	assert_null(strstr(text, "2026-12-06"));
	assert_non_null(strstr(text, "(55,6 %)"));
	assert_non_null(strstr(text,
	    "Gi\xe1\xbb\x9d Vi\xe1\xbb\x87t Nam "
	    "(UTC+07:00)."));
	assert_non_null(strstr(text, "data-sort-title=\"S\xe1\xba\xafp"));
	assert_null(strstr(text, "Times are"));
	assert_null(strstr(text, "Worst first"));
	free(text);
	text = site_file(dir, "report.html");
	assert_non_null(strstr(text, "<html lang=\"vi\">"));
	assert_non_null(strstr(text,
	    "B\xc3\xa1o c\xc3\xa1o m\xe1\xbb\xa9\x63 "
	    "\xc4\x91\xe1\xbb\x99 s\xe1\xba\xb5n "
	    "s\xc3\xa0ng IPv6"));
	assert_non_null(strstr(text, org));
	assert_non_null(strstr(text, "55,6 %"));
	assert_non_null(strstr(text, "06/12/2026"));
	free(text);
	text = site_file(dir, "t/s0.html");
	assert_non_null(strstr(text, "<html lang=\"vi\">"));
	assert_non_null(strstr(text,
	    "\xc4\x90\xe1\xbb\x99 kh\xe1\xba\xa3 "
	    "d\xe1\xbb\xa5ng")); /* Độ khả dụng */
	assert_non_null(strstr(text, org));
	free(text);
	text = site_file(dir, "report.json");
	assert_non_null(strstr(text, "\"language\":\"vi\""));
	assert_non_null(strstr(text, "\"timezone\":\"Asia/Ho_Chi_Minh\""));
	assert_non_null(strstr(text, "\"organisation\":\"S\xe1\xbb\x9f"));
	assert_non_null(strstr(text, "\"title\":\"T\xc3\xacnh"));
	free(text);

	/* English and UTC again: today's forms, rounded. */
	assert_int_equal(i18n_set_language("en", err, sizeof(err)), 0);
	i18n_set_timezone("UTC");
	assert_int_equal(publish_child(co, LANG_NOW, &st), 0);
	text = site_file(dir, "index.html");
	assert_non_null(strstr(text, "<html lang=\"en\">"));
	assert_non_null(strstr(text, "<title>IPv6 status of unit</title>"));
	assert_non_null(strstr(text,
	    "9 targets; <b>5 ready for IPv6</b> "
	    "(55.6 %)"));
	assert_non_null(strstr(text, "Published 2026-12-06 07:05 UTC."));
	assert_non_null(strstr(text, "Times are UTC."));
	free(text);
	text = site_file(dir, "report.json");
	assert_non_null(strstr(text, "\"language\":\"en\""));
	assert_non_null(strstr(text, "\"title\":\"IPv6 status of unit\""));
	free(text);
	collector_free(co);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A young graph's check failed: say what, in the child. */
#define YOUNG_FAIL(...)                                            \
	do {                                                       \
		fprintf(stderr, "test_graph_young: " __VA_ARGS__); \
		fprintf(stderr, "\n");                             \
		return -1;                                         \
	} while (0)

/* The legends of rq as librrd lays them out: how many say word, how
 * many "nan", how many there are. */
static int
young_legends(const struct graph_req *rq, const char *word, int *nodata,
    int *nan, int *legends)
{
	struct graph_values vals;
	struct graph_argv   a;
	rrd_info_t	   *info;
	char		    err[1024];

	*nodata = *nan = *legends = 0;
	if (graph_values(rq, &vals, err, sizeof(err)) == -1)
		YOUNG_FAIL("graph_values: %s", err);
	if (vals.n != 4) /* min, avg, max, last of IPv6 */
		YOUNG_FAIL("%zu figures, not 4", vals.n);
	for (size_t i = 0; i < vals.n; i++)
		if (!isnan(vals.v[i]))
			YOUNG_FAIL("figure %zu is %g, not unknown", i,
			    vals.v[i]);
	if (graph_args(rq, &vals, &a) == -1)
		YOUNG_FAIL("graph_args");
	for (int i = 0; i < a.n; i++)
		if (strstr(a.v[i], "GPRINT") != NULL)
			YOUNG_FAIL("a GPRINT: %s", a.v[i]);
	rrd_clear_error();
	info = rrd_graph_v(a.n, a.v);
	graph_argv_free(&a);
	if (info == NULL)
		YOUNG_FAIL("rrd_graph_v: %s", rrd_get_error());
	for (rrd_info_t *i = info; i != NULL; i = i->next) {
		if (strncmp(i->key, "legend[", 7) != 0 || i->type != RD_I_STR)
			continue;
		(*legends)++;
		*nan += strstr(i->value.u_str, "nan") != NULL;
		*nodata += strstr(i->value.u_str, word) != NULL;
	}
	rrd_info_free(info);
	return 0;
}

/* In a child (librrd keeps what it formats): 0 when every check holds. */
static int
young_check(const char *dir)
{
	char	    path[PATH_MAX], err[1024], upd[64];
	const char *def[] = {"DS:up:GAUGE:180:0:1", "RRA:AVERAGE:0.5:1:3000"};
	const char *uv[1] = {upd};
	const char *low = "COMMENT:th\xe1\xba\xa5p nh\xe1\xba\xa5t  50,0%";
	struct graph_src    src[1];
	struct graph_req    rq;
	struct graph_values vals;
	struct graph_argv   a;
	int		    nodata, nan, legends;
	double		    end = LANG_NOW;

	snprintf(path, sizeof(path), "%s/young.ipv6.rrd", dir);
	rrd_clear_error();
	if (rrd_create_r(path, 60, (time_t)end - 7200, 2, def) != 0)
		YOUNG_FAIL("rrd_create: %s", rrd_get_error());
	memset(&rq, 0, sizeof(rq));
	src[0].rrd[FAMILY_IPV6] = path;
	src[0].rrd[FAMILY_IPV4] = NULL;
	rq.kind = GRAPH_AVAIL;
	rq.period = PERIOD_DAY;
	rq.target = "young";
	rq.src = src;
	rq.nsrc = 1;
	rq.end = (int64_t)end;
	for (int lang = 0; lang < 2; lang++) {
		const char *word = lang ?
		    "ch\xc6\xb0\x61 c\xc3\xb3 d\xe1\xbb\xaf "
		    "li\xe1\xbb\x87u" :
		    "no data yet";

		if (i18n_set_language(lang ? "vi" : "en", err, sizeof(err)) ==
		    -1)
			YOUNG_FAIL("%s", err);
		if (young_legends(&rq, word, &nodata, &nan, &legends) == -1)
			return -1;
		if (legends <= 2 || nan != 0 || nodata != 1)
			YOUNG_FAIL("%s: %d legends, %d with nan, %d say \"%s\"",
			    lang ? "vi" : "en", legends, nan, nodata, word);
	}
	/* Once it has data: the figures, a decimal comma in Vietnamese. */
	for (int k = 0; k < 3; k++) {
		snprintf(upd, sizeof(upd), "%lld:%s",
		    (long long)end - 600 + k * 60, k ? "0.5" : "1");
		if (rrd_update_r(path, NULL, 1, uv) != 0)
			YOUNG_FAIL("rrd_update: %s", rrd_get_error());
	}
	if (graph_values(&rq, &vals, err, sizeof(err)) == -1 ||
	    isnan(vals.v[0]) || graph_args(&rq, &vals, &a) == -1)
		YOUNG_FAIL("no figures once updated");
	nodata = 0;
	for (int i = 0; i < a.n; i++)
		nodata += strncmp(a.v[i], low, strlen(low)) == 0;
	graph_argv_free(&a);
	if (nodata != 1)
		YOUNG_FAIL("no legend \"%s\"", low);
	return 0;
}

/*
 * A young RRD (created, never updated): the legends say "no data yet",
 * never librrd's "-nan", in English and in Vietnamese; a figure it has
 * is written with the language's decimal separator.
 */
static void
test_graph_young(void **state)
{
	char  dir[] = "/tmp/v6w-test-young.XXXXXX", cmd[PATH_MAX];
	pid_t pid;
	int   status = 0;

	(void)state;
	if (getenv("V6WATCH_LOCALEDIR") == NULL)
		setenv("V6WATCH_LOCALEDIR", "build/locale", 1);
	assert_non_null(mkdtemp(dir));
	fflush(NULL);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		_exit(young_check(dir) == 0 ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_true(WIFEXITED(status));
	assert_true(WEXITSTATUS(status) == 0 ||
	    (under_valgrind() && WEXITSTATUS(status) == 99));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_html_escape),
	    cmocka_unit_test(test_html_bounded),
	    cmocka_unit_test(test_words),
	    cmocka_unit_test(test_slug),
	    cmocka_unit_test(test_avail),
	    cmocka_unit_test(test_avail_maintenance),
	    cmocka_unit_test(test_webroot_urls),
	    cmocka_unit_test(test_graph_args),
	    cmocka_unit_test(test_drawn),
	    cmocka_unit_test(test_site_model),
	    cmocka_unit_test(test_site_counts),
	    cmocka_unit_test(test_publish_run),
	    cmocka_unit_test(test_publish_lang),
	    cmocka_unit_test(test_graph_young),
	};

	/* The words and times these tests expect: English, UTC. */
	i18n_set_timezone("UTC");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
