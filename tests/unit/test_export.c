/*
 * test_export: the report's exports (collector/publish/export.c).
 * report.csv starts with the UTF-8 BOM, ends its rows in CRLF and parses
 * (libcsv, strict) into one row per service with the site's figures; a
 * title with a comma, quotes and a line break comes back as it was; the
 * blocker words are the report table's; group files and their names;
 * the change since a snapshot. Then real publishes (publish_run on a
 * collector in a scratch folder) with a fake clock: report.csv and the
 * group files agree with report.json, report-2026-11.* stays byte for
 * byte after December's publishes, report-2026-12.* follows, the change
 * lists the service that became ready, a wiped publish_dir gets the
 * finished month back, and a clock gone back writes no month.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <csv.h>

#include "cfg.h"
#include "i18n.h"
#include "collector/collector.h"
#include "collector/conf.h"
#include "collector/ingest.h"
#include "collector/ledger.h"
#include "collector/publish/export.h"
#include "collector/publish/html.h"
#include "collector/publish/page.h"
#include "collector/publish/publish.h"
#include "collector/publish/report.h"
#include "collector/publish/site.h"
#include "collector/targets.h"
#include "collector/webroot.h"
#include "json.h"
#include "tmpdir.h"
#include "util.h"

#define BOM "\xef\xbb\xbf"
/* 2026-11-30 12:00, 2026-12-01 00:30, 2026-12-15 12:00 UTC */
#define NOV30 1796040000.0
#define DEC01 1796085000.0
#define DEC15 1797336000.0

/* A CSV file as libcsv reads it back: rows of fields. */
#define ROWS_MAX   64
#define FIELDS_MAX 16
struct parsed {
	char  *v[ROWS_MAX][FIELDS_MAX];
	size_t nf[ROWS_MAX];
	size_t n;
	int    overflow;
};

static void
field_cb(void *s, size_t len, void *data)
{
	struct parsed *p = data;

	if (p->n >= ROWS_MAX || p->nf[p->n] >= FIELDS_MAX) {
		p->overflow = 1;
		return;
	}
	p->v[p->n][p->nf[p->n]++] = strndup(s != NULL ? s : "", len);
}

static void
row_cb(int c, void *data)
{
	struct parsed *p = data;

	(void)c;
	if (p->n < ROWS_MAX)
		p->n++;
}

static void
parsed_free(struct parsed *p)
{
	for (size_t i = 0; i < ROWS_MAX; i++)
		for (size_t j = 0; j < p->nf[i]; j++)
			free(p->v[i][j]);
	memset(p, 0, sizeof(*p));
}

/*
 * text must be UTF-8 with a BOM, CRLF after every row (a line break
 * inside quotes is data), and strict CSV.
 */
static void
parse_csv(const char *text, size_t len, struct parsed *p)
{
	struct csv_parser ps;
	int		  quoted = 0;

	memset(p, 0, sizeof(*p));
	assert_true(len > 3);
	assert_memory_equal(text, BOM, 3);
	for (size_t i = 3; i < len; i++) {
		if (text[i] == '"')
			quoted = !quoted;
		else if (!quoted && text[i] == '\n')
			assert_true(text[i - 1] == '\r');
		else if (!quoted && text[i] == '\r')
			assert_true(i + 1 < len && text[i + 1] == '\n');
	}
	assert_false(quoted);
	assert_memory_equal(text + len - 2, "\r\n", 2);
	assert_int_equal(csv_init(&ps, CSV_STRICT | CSV_STRICT_FINI), 0);
	assert_int_equal(csv_parse(&ps, text + 3, len - 3, field_cb, row_cb, p),
	    len - 3);
	assert_int_equal(csv_fini(&ps, field_cb, row_cb, p), 0);
	csv_free(&ps);
	assert_false(p->overflow);
}

/* The row of id (column 3), or -1. */
static int
row_of(const struct parsed *p, const char *id)
{
	for (size_t i = 1; i < p->n; i++)
		if (p->nf[i] > 2 && strcmp(p->v[i][2], id) == 0)
			return (int)i;
	return -1;
}

/* A ledger with records of target name for both families. */
static void
note(struct ledger *lg, const char *name, const char *title, const char *group,
    enum outcome o6, uint32_t w6, int ready, int score, double ts)
{
	for (int f = 0; f < FAMILY__N; f++) {
		struct result  r;
		struct series *s = ledger_series(lg, RESULT_CHECK, name, f, 1);

		result_init(&r);
		snprintf(r.probe, sizeof(r.probe), "%s", lg->name);
		snprintf(r.target, sizeof(r.target), "%s", name);
		snprintf(r.title, sizeof(r.title), "%s", title);
		snprintf(r.group, sizeof(r.group), "%s", group);
		snprintf(r.url, sizeof(r.url), "https://%s.example/", name);
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

static struct ledger *
new_ledger(void)
{
	struct ledger *lg = ledger_new("p1", "/nonexistent/p1.json");

	lg->sc.down_after = lg->sc.up_after = lg->sc.quorum = 1;
	lg->sc.silent_s = 600;
	return lg;
}

static struct site_target *
find(const struct site *si, const char *id)
{
	for (size_t i = 0; i < si->n; i++)
		if (strcmp(si->targets[i]->name, id) == 0)
			return si->targets[i];
	fail_msg("no target %s", id);
	return NULL;
}

static const char title_hard[] =
    "C\xe1\xbb\x95ng \"D\xe1\xbb\x8b\x63h v\xe1\xbb\xa5 c\xc3\xb4ng\", "
    "t\xe1\xbb\x89nh\nH\xc3\xa0 N\xe1\xbb\x99i";
static const char group_yte[] = "S\xe1\xbb\x9f Y t\xe1\xba\xbf";
static const char group_tc[] = "S\xe1\xbb\x9f T\xc3\xa0i ch\xc3\xadnh";

/* report.csv of a small site: every service, every column. */
static void
test_csv_rows(void **state)
{
	struct ledger	   *lg = new_ledger();
	struct target_list  tl = {0};
	struct ctarget	    fresh = {0};
	struct site	   *si;
	struct site_target *t;
	struct parsed	    p;
	char		   *csv;
	size_t		    len;
	double		    now = NOV30;
	int		    r;

	(void)state;
	note(lg, "good", "Good, \"quoted\"", group_yte, OUTCOME_OK, 0, 1, 100,
	    now - 60);
	note(lg, "noaaaa", "", group_yte, OUTCOME_NO_ADDRESS, 0, 0, 20,
	    now - 60);
	note(lg, "mismatch", "", group_tc, OUTCOME_OK,
	    WARN_BIT(WARN_CONTENT_MISMATCH), 0, 80, now - 60);
	note(lg, "short", "", group_tc, OUTCOME_OK, WARN_BIT(WARN_NS_NO_IPV6),
	    0, 80, now - 60);
	/* What a spreadsheet would run as a formula. */
	note(lg, "-formula", "=HYPERLINK(\"http://x.example/\")", "@g",
	    OUTCOME_OK, 0, 1, 100, now - 60);
	/* In the central list only: a comma, quotes and a line break. */
	fresh.id = "fresh";
	fresh.title = (char *)title_hard;
	fresh.url = "https://fresh.example/";
	fresh.group = "";
	tl.v = &fresh;
	tl.n = 1;
	si = site_build(&lg, 1, NULL, &tl, now);
	site_finish(si);
	t = find(si, "good");
	t->fam[FAMILY_IPV6].avail[WINDOW_24H] = 0.99999;
	t->fam[FAMILY_IPV6].avail[WINDOW_7D] = 1;
	t->ready_since = 1764460800; /* 2025-11-30 00:00 UTC */

	assert_int_equal(export_csv(si, NULL, &csv, &len), 0);
	parse_csv(csv, len, &p);
	assert_int_equal(p.n, 1 + 6);
	for (size_t i = 0; i < p.n; i++)
		assert_int_equal(p.nf[i], 11);
	assert_string_equal(p.v[0][0], "Group");
	assert_string_equal(p.v[0][2], "ID");
	/* Every service with the site's figures. */
	for (size_t i = 0; i < si->n; i++) {
		const struct site_target *x = si->targets[i];
		char			  score[16];

		if (x->name[0] == '-')
			continue; /* below */
		r = row_of(&p, x->name);
		assert_true(r > 0);
		assert_string_equal(p.v[r][0], x->group);
		assert_string_equal(p.v[r][1], x->title);
		assert_string_equal(p.v[r][3], x->url);
		assert_string_equal(p.v[r][4],
		    x->ready == 1 ? "yes" : (x->ready == 0 ? "no" : "unknown"));
		snprintf(score, sizeof(score), "%d", x->score);
		assert_string_equal(p.v[r][5], x->score >= 0 ? score : "");
		assert_string_equal(p.v[r][6], export_blocker_words(x));
		assert_true((x->ready == 1) == (p.v[r][6][0] == '\0'));
	}
	/* The title with a comma, quotes and a line break, as it was. */
	r = row_of(&p, "fresh");
	assert_string_equal(p.v[r][1], title_hard);
	assert_string_equal(p.v[r][4], "unknown");
	assert_string_equal(p.v[r][6], "No recent measurement");
	assert_string_equal(p.v[row_of(&p, "noaaaa")][6], "No AAAA record");
	assert_string_equal(p.v[row_of(&p, "mismatch")][6],
	    "IPv6 works, but serves other content than IPv4");
	assert_string_equal(p.v[row_of(&p, "short")][6],
	    "IPv6 works; the score falls short");
	/* A text a spreadsheet would run: a ' first. */
	r = row_of(&p, "'-formula");
	assert_true(r > 0);
	assert_string_equal(p.v[r][0], "'@g");
	assert_string_equal(p.v[r][1], "'=HYPERLINK(\"http://x.example/\")");
	assert_string_equal(p.v[r][3], "https://-formula.example/");
	assert_string_equal(p.v[r][4], "yes");
	/* Availability as the report rounds it; the since-time in ISO 8601. */
	r = row_of(&p, "good");
	assert_string_equal(p.v[r][1], "Good, \"quoted\"");
	assert_string_equal(p.v[r][7], "99.999");
	assert_string_equal(p.v[r][8], "100.0");
	assert_string_equal(p.v[r][9], "");
	assert_string_equal(p.v[r][10], "2025-11-30T00:00:00+00:00");
	{
		char pct[32];

		assert_string_equal(page_pct(0.99999, pct, sizeof(pct)),
		    "99.999 %");
	}
	/* By group ("" first, then by name), worst first within one. */
	assert_string_equal(p.v[1][2], "fresh");
	assert_string_equal(p.v[2][2], "'-formula"); /* "@g" */
	assert_string_equal(p.v[3][0], group_tc);
	assert_string_equal(p.v[4][0], group_tc);
	assert_string_equal(p.v[5][0], group_yte);
	assert_string_equal(p.v[5][2], "noaaaa");
	assert_string_equal(p.v[6][2], "good");
	parsed_free(&p);
	free(csv);

	/* One group's file: its rows alone, the same columns. */
	assert_int_equal(export_csv(si, group_yte, &csv, &len), 0);
	parse_csv(csv, len, &p);
	assert_int_equal(p.n, 1 + 2);
	assert_string_equal(p.v[1][0], group_yte);
	assert_string_equal(p.v[2][0], group_yte);
	parsed_free(&p);
	free(csv);
	/* No service: the header alone. */
	assert_int_equal(export_csv(si, "none such", &csv, &len), 0);
	parse_csv(csv, len, &p);
	assert_int_equal(p.n, 1);
	parsed_free(&p);
	free(csv);

	site_free(si);
	ledger_free(lg);
}

/*
 * A service's blocker is said in the words of the report's blocker
 * table, for every outcome and every other blocker.
 */
static void
test_blocker_words(void **state)
{
	struct ledger  *lg = new_ledger();
	struct site    *si;
	struct report	r;
	struct html	h;
	struct page_ctx ctx = {"c", NOV30, 0, NULL, NULL, NULL, NULL, NULL};
	char		name[32], needle[256];
	size_t		checked = 0;

	(void)state;
	for (int o = OUTCOME_OK + 1; o < OUTCOME__N; o++) {
		snprintf(name, sizeof(name), "o%d", o);
		note(lg, name, "", "", o, 0, 0, 0, NOV30 - 60);
	}
	note(lg, "content", "", "", OUTCOME_OK, WARN_BIT(WARN_CONTENT_MISMATCH),
	    0, 80, NOV30 - 60);
	note(lg, "short", "", "", OUTCOME_OK, WARN_BIT(WARN_SLOW), 0, 80,
	    NOV30 - 60);
	note(lg, "stale", "", "", OUTCOME_OK, 0, 0, 60, NOV30 - 86400);
	for (int f = 0; f < FAMILY__N; f++)
		ledger_series(lg, RESULT_CHECK, "stale", f, 0)->state =
		    STATE_UNKNOWN;
	note(lg, "good", "", "", OUTCOME_OK, 0, 1, 100, NOV30 - 60);
	si = site_build(&lg, 1, NULL, NULL, NOV30);
	site_finish(si);
	report_build(si, &r);
	html_init(&h);
	report_html(&h, &r, si, &ctx);
	assert_false(h.overflow);
	for (size_t i = 0; i < si->n; i++) {
		const char *w = export_blocker_words(si->targets[i]);

		if (si->targets[i]->ready == 1) {
			assert_string_equal(w, "");
			continue;
		}
		snprintf(needle, sizeof(needle), "<tr><td>%s", w);
		if (strstr(h.buf, needle) == NULL)
			fail_msg("%s: '%s' is not a row of the report's table",
			    si->targets[i]->name, w);
		checked++;
	}
	assert_int_equal(checked, OUTCOME__N - 1 + 3);
	html_free(&h);
	report_free(&r);
	site_free(si);
	ledger_free(lg);
}

/* Group files: names safe for a file and a URL, never the same twice. */
static void
test_group_files(void **state)
{
	struct ledger *lg = new_ledger();
	struct site   *si;
	const char   **g;
	char	       a[512], b[512], slug[SITE_SLUG_MAX], longg[129];
	size_t	       n, dropped;

	(void)state;
	assert_int_equal(export_group_file("", a, sizeof(a)), 0);
	assert_string_equal(a, "group/~none.csv");
	assert_int_equal(export_group_file(group_yte, a, sizeof(a)), 0);
	assert_int_equal(site_slug(group_yte, slug, sizeof(slug)), 0);
	snprintf(b, sizeof(b), "group/%s.csv", slug);
	assert_string_equal(a, b);
	assert_int_equal(export_group_file("~none", a, sizeof(a)), 0);
	assert_string_equal(a, "group/~7Enone.csv");
	/* Too long for a slug (128 bytes, 384 encoded): a hash. */
	memset(longg, 'x', sizeof(longg) - 1);
	longg[sizeof(longg) - 1] = '\0';
	for (size_t i = 0; i < 40; i++)
		longg[i] = ' ';
	assert_int_equal(export_group_file(longg, a, sizeof(a)), 0);
	assert_int_equal(strncmp(a, "group/~h", 8), 0);
	assert_int_equal(strlen(a), strlen("group/~h.csv") + 16);
	longg[100] = 'y';
	assert_int_equal(export_group_file(longg, b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(export_group_file(group_yte, a, 10), -1);
	/* Served as CSV. */
	assert_string_equal(webroot_type("/group/x.csv"),
	    "text/csv; charset=utf-8");

	note(lg, "a", "", group_yte, OUTCOME_OK, 0, 1, 100, NOV30 - 60);
	note(lg, "b", "", group_tc, OUTCOME_OK, 0, 1, 100, NOV30 - 60);
	note(lg, "c", "", group_yte, OUTCOME_OK, 0, 1, 100, NOV30 - 60);
	note(lg, "d", "", "", OUTCOME_OK, 0, 1, 100, NOV30 - 60);
	si = site_build(&lg, 1, NULL, NULL, NOV30);
	site_finish(si);
	g = export_groups(si, &n, &dropped);
	assert_int_equal(n, 3);
	assert_int_equal(dropped, 0);
	assert_string_equal(g[0], "");
	assert_string_equal(g[1], group_tc);
	assert_string_equal(g[2], group_yte);
	free(g);
	site_free(si);
	ledger_free(lg);
}

/* The change since a snapshot: by id, both ways, and what it shows. */
static void
test_change(void **state)
{
	struct ledger	    *lg = new_ledger(), *lg2 = new_ledger();
	struct site	    *then, *now;
	struct export_change c;
	struct html	     h;
	cJSON		    *root = cJSON_CreateObject();
	char		    *text, err[256];

	(void)state;
	/* November: up ready, down not, flaky unknown, gone ready. */
	note(lg, "up", "Up", "", OUTCOME_NO_ADDRESS, 0, 0, 20, NOV30 - 60);
	note(lg, "down", "Down", "", OUTCOME_OK, 0, 1, 100, NOV30 - 60);
	note(lg, "steady", "Steady", "", OUTCOME_OK, 0, 1, 100, NOV30 - 60);
	note(lg, "gone", "Gone", "", OUTCOME_OK, 0, 1, 100, NOV30 - 60);
	then = site_build(&lg, 1, NULL, NULL, NOV30);
	site_finish(then);
	cJSON_AddNumberToObject(root, "generated", NOV30);
	export_json(root, then, NULL);
	assert_null(cJSON_GetObjectItem(root, "change"));
	text = json_text(root);

	/* December: up became ready, down is not, new is new. */
	note(lg2, "up", "Up <b>now</b>", "", OUTCOME_OK, 0, 1, 100, DEC01 - 60);
	note(lg2, "down", "Down", "", OUTCOME_TIMEOUT, 0, 0, 60, DEC01 - 60);
	note(lg2, "steady", "Steady", "", OUTCOME_OK, 0, 1, 100, DEC01 - 60);
	note(lg2, "new", "New", "", OUTCOME_OK, 0, 1, 100, DEC01 - 60);
	now = site_build(&lg2, 1, NULL, NULL, DEC01);
	site_finish(now);
	assert_int_equal(export_change_from(&c, now, "2026-11", text,
			     strlen(text), err, sizeof(err)),
	    0);
	assert_string_equal(c.month, "2026-11");
	assert_int_equal(c.nbecame, 1);
	assert_string_equal(c.became[0]->name, "up");
	assert_int_equal(c.nstopped, 1);
	assert_string_equal(c.stopped[0]->name, "down");
	assert_true(c.generated == NOV30);
	html_init(&h);
	export_html_change(&h, &c);
	assert_non_null(strstr(h.buf, "Change since 2026-11"));
	assert_non_null(strstr(h.buf, "Became ready: 1"));
	assert_non_null(strstr(h.buf, "Up &lt;b&gt;now&lt;/b&gt;"));
	assert_non_null(strstr(h.buf, "No longer ready: 1"));
	assert_non_null(strstr(h.buf, "href=\"t/down.html\""));
	assert_null(strstr(h.buf, "New"));
	html_free(&h);
	root = cJSON_CreateObject();
	export_json(root, now, &c);
	{
		const cJSON *ch = cJSON_GetObjectItem(root, "change");

		assert_string_equal(cJSON_GetObjectItem(ch, "since")
					->valuestring,
		    "2026-11");
		assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(ch,
							   "became_ready"),
					0)
					->valuestring,
		    "up");
		assert_int_equal(cJSON_GetArraySize(
				     cJSON_GetObjectItem(ch, "stopped_ready")),
		    1);
	}
	cJSON_Delete(root);
	export_change_free(&c);

	/* No snapshot: nothing shown. */
	html_init(&h);
	export_html_change(&h, &c);
	assert_int_equal(h.len, 0);
	html_free(&h);
	/* Not a snapshot. */
	assert_int_equal(export_change_from(&c, now, "2026-11", "{\"a\":1}", 7,
			     err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "services"));
	assert_int_equal(export_change_from(&c, now, "2026-11", "{", 1, err,
			     sizeof(err)),
	    -1);
	export_change_free(&c);
	cJSON_free(text);
	site_free(then);
	site_free(now);
	ledger_free(lg);
	ledger_free(lg2);
}

static void
test_month(void **state)
{
	char m[EXPORT_MONTH_LEN], t[64];

	(void)state;
	assert_int_equal(export_month(1796083199.9, m, sizeof(m)), 0);
	assert_string_equal(m, "2026-11");
	assert_int_equal(export_month(1796083200, m, sizeof(m)), 0);
	assert_string_equal(m, "2026-12");
	assert_int_equal(export_month(1796083200, m, 7), -1);
	assert_string_equal(export_iso_time(1796083199, t, sizeof(t)),
	    "2026-11-30T23:59:59+00:00");
	assert_string_equal(export_iso_time(0, t, sizeof(t)), "");
}

/* publish_run in a child (what librrd keeps ends with it): its rc. */
static int
publish_child(struct collector *co, double now)
{
	struct publish_stats st;
	int		     status = 0;
	pid_t		     pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		int rc = publish_run(co, now, PUBLISH_NO_GRAPHS, &st);

		_exit(rc == 0 ? 0 : (rc == -1 ? 1 : 2));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	/* Under valgrind (its preload library in LD_PRELOAD) a child that
	 * drew with librrd reports what pango and fontconfig never free,
	 * exit 99: theirs, not ours. */
	if (WEXITSTATUS(status) == 99 && getenv("LD_PRELOAD") != NULL &&
	    strstr(getenv("LD_PRELOAD"), "vgpreload") != NULL)
		return 0;
	return WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void
post(struct collector *co, const char *target, const char *outcome, int ready,
    double ts, int seq)
{
	char body[2048], *answer;

	snprintf(body, sizeof(body),
	    "{\"probe\":\"p1\",\"results\":[{\"probe\":\"p1\",\"target\":"
	    "\"%s\",\"url\":\"https://%s.example/\",\"family\":\"ipv6\","
	    "\"ts\":%.0f,\"seq\":%d,\"outcome\":\"%s\",\"ready\":%s,"
	    "\"score\":%d},{\"probe\":\"p1\",\"target\":\"%s\",\"url\":"
	    "\"https://%s.example/\",\"family\":\"ipv4\",\"ts\":%.0f,"
	    "\"seq\":%d,\"outcome\":\"ok\",\"ready\":%s,\"score\":%d}]}",
	    target, target, ts, seq, outcome, ready ? "true" : "false",
	    ready ? 100 : 20, target, target, ts, seq + 1,
	    ready ? "true" : "false", ready ? 100 : 20);
	assert_int_equal(ingest_post(co->store, collector_ledger(co, "p1"),
			     body, strlen(body), ts + 1, &answer),
	    200);
	assert_non_null(strstr(answer, "\"accepted\":2"));
	cJSON_free(answer);
}

static char *
slurp(const char *dir, const char *rel, size_t *lenp)
{
	char   path[PATH_MAX];
	char  *text;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (file_read(path, 1 << 26, &text, &len) == -1)
		fail_msg("%s: %s", path, strerror(errno));
	if (lenp != NULL)
		*lenp = len;
	return text;
}

static int
exists(const char *dir, const char *rel)
{
	char	    path[PATH_MAX];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return stat(path, &sb) == 0;
}

/*
 * report.csv and the group files of the site in dir agree with its
 * report.json: the same services, ids, readiness and counts.
 */
static void
check_csv_json(const char *dir)
{
	char	     *csv, *json = slurp(dir, "report.json", NULL);
	size_t	      len, rows = 0;
	cJSON	     *root = cJSON_Parse(json);
	const cJSON  *sv, *it, *groups;
	struct parsed p;
	size_t	      ready = 0, notready = 0;

	assert_non_null(root);
	sv = cJSON_GetObjectItem(root, "services");
	assert_true(cJSON_IsArray(sv));
	csv = slurp(dir, "report.csv", &len);
	parse_csv(csv, len, &p);
	assert_int_equal(p.n - 1, cJSON_GetArraySize(sv));
	assert_int_equal(p.n - 1,
	    cJSON_GetObjectItem(root, "targets")->valuedouble);
	cJSON_ArrayForEach(it, sv)
	{
		const char *id = cJSON_GetObjectItem(it, "target")->valuestring;
		const cJSON *r = cJSON_GetObjectItem(it, "ready");
		int	     k = row_of(&p, id);

		assert_true(k > 0);
		assert_string_equal(p.v[k][1],
		    cJSON_GetObjectItem(it, "title")->valuestring);
		assert_string_equal(p.v[k][0],
		    cJSON_GetObjectItem(it, "group")->valuestring);
		assert_string_equal(p.v[k][4],
		    cJSON_IsTrue(r) ? "yes" :
				      (cJSON_IsFalse(r) ? "no" : "unknown"));
	}
	for (size_t i = 1; i < p.n; i++) {
		ready += strcmp(p.v[i][4], "yes") == 0;
		notready += strcmp(p.v[i][4], "yes") != 0;
	}
	assert_int_equal(ready,
	    cJSON_GetObjectItem(root, "ready")->valuedouble);
	assert_int_equal(notready,
	    cJSON_GetObjectItem(root, "not_ready")->valuedouble);
	/* Every group of the report has its file, with its rows. */
	groups = cJSON_GetObjectItem(root, "groups");
	cJSON_ArrayForEach(it, groups)
	{
		const char   *g = cJSON_GetObjectItem(it, "group")->valuestring;
		char	      rel[512], *gt, *html;
		size_t	      gl;
		struct parsed gp;

		assert_int_equal(export_group_file(g, rel, sizeof(rel)), 0);
		gt = slurp(dir, rel, &gl);
		parse_csv(gt, gl, &gp);
		assert_int_equal(gp.n - 1,
		    cJSON_GetObjectItem(it, "targets")->valuedouble);
		for (size_t i = 1; i < gp.n; i++) {
			int k = row_of(&p, gp.v[i][2]);

			assert_true(k > 0);
			assert_string_equal(gp.v[i][0], g);
			for (size_t j = 0; j < 11; j++)
				assert_string_equal(gp.v[i][j], p.v[k][j]);
		}
		rows += gp.n - 1;
		html = slurp(dir, "report.html", NULL);
		snprintf(rel + strlen(rel), sizeof(rel) - strlen(rel), "\"");
		assert_non_null(strstr(html, rel));
		free(html);
		parsed_free(&gp);
		free(gt);
	}
	assert_int_equal(rows, p.n - 1);
	parsed_free(&p);
	cJSON_Delete(root);
	free(csv);
	free(json);
}

/*
 * The files of export_publish() alone (in this process, so that leaks
 * show): counts, a snapshot restored, a clock gone back, a snapshot
 * that does not read.
 */
static void
test_files(void **state)
{
	struct ledger	    *lg = new_ledger();
	struct site	    *si;
	struct export_change c;
	char		     site[TMPDIR_MAX + 32], data[TMPDIR_MAX + 32];
	char		     err[1024], path[TMPDIR_MAX + 128], *text;
	const char	     json[] = "{\"services\":[{\"target\":\"a\","
				      "\"ready\":false}],\"generated\":1}";
	size_t		     n, len;

	(void)state;
	snprintf(site, sizeof(site), "%s/files-site", tmpdir);
	snprintf(data, sizeof(data), "%s/files-data", tmpdir);
	assert_int_equal(mkdir(site, 0755), 0);
	assert_int_equal(mkdir(data, 0755), 0);
	note(lg, "a", "A", group_yte, OUTCOME_OK, 0, 1, 100, NOV30 - 60);
	note(lg, "b", "B", group_tc, OUTCOME_TIMEOUT, 0, 0, 60, NOV30 - 60);
	si = site_build(&lg, 1, NULL, NULL, NOV30);
	site_finish(si);

	assert_int_equal(export_change_load(&c, si, data, NOV30, err,
			     sizeof(err)),
	    0);
	assert_string_equal(c.month, "");
	export_change_free(&c);
	/* report.csv, two groups, the month's pair twice. */
	assert_int_equal(export_publish(site, data, si, NOV30, json,
			     strlen(json), &n, err, sizeof(err)),
	    0);
	assert_int_equal(n, 1 + 2 + 2 * 2);
	assert_true(exists(data, "reports/report-2026-11.json"));
	assert_true(exists(site, "report-2026-11.csv"));
	/* December: the change since November. */
	assert_int_equal(export_change_load(&c, si, data, DEC01, err,
			     sizeof(err)),
	    0);
	assert_string_equal(c.month, "2026-11");
	assert_int_equal(c.nbecame, 1);
	assert_string_equal(c.became[0]->name, "a");
	assert_true(c.generated == 1);
	export_change_free(&c);
	/* November's copy lost from publish_dir: back, as it was. */
	snprintf(path, sizeof(path), "%s/report-2026-11.json", site);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(export_publish(site, data, si, DEC01, "{}", 2, &n, err,
			     sizeof(err)),
	    0);
	assert_int_equal(n, 1 + 2 + 2 * 2 + 1);
	text = slurp(site, "report-2026-11.json", &len);
	assert_int_equal(len, strlen(json));
	assert_memory_equal(text, json, len);
	free(text);
	text = slurp(site, "report-2026-12.json", &len);
	assert_memory_equal(text, "{}", 2);
	free(text);
	/* The clock back in November: neither month written. */
	assert_int_equal(export_publish(site, data, si, NOV30, "[]", 2, &n, err,
			     sizeof(err)),
	    -1);
	assert_non_null(strstr(err,
	    "holds the snapshot of 2026-12 but the "
	    "clock says 2026-11"));
	assert_int_equal(n, 1 + 2);
	text = slurp(data, "reports/report-2026-11.json", &len);
	assert_memory_equal(text, json, len);
	free(text);
	/* A snapshot that does not read: said, with its file. */
	snprintf(path, sizeof(path), "%s/reports/report-2026-11.json", data);
	assert_int_equal(file_write_atomic(path, "{\"services\":3}", 14, 0644),
	    0);
	assert_int_equal(export_change_load(&c, si, data, DEC01, err,
			     sizeof(err)),
	    -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "\"services\": missing or not an array"));
	assert_string_equal(c.month, "");
	export_change_free(&c);
	site_free(si);
	ledger_free(lg);
}

static void
test_publish_months(void **state)
{
	char		       dir[TMPDIR_MAX + 16], site[TMPDIR_MAX + 32];
	char		       data[TMPDIR_MAX + 32], path[TMPDIR_MAX + 64];
	char		       err[512], *nov_json, *nov_csv, *text, *html;
	size_t		       nov_jlen, nov_clen, len;
	struct collector_conf *cc = xcalloc(1, sizeof(*cc));
	struct collector      *co;
	struct cfg	       c;
	FILE		      *f;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/pub", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(site, sizeof(site), "%s/site", dir);
	assert_int_equal(mkdir(data, 0755), 0);
	snprintf(path, sizeof(path), "%s/targets.csv", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
	    "id,url,title,group\r\n"
	    "portal,https://portal.example/,\"C\xe1\xbb\x95ng, \"\"ch\xc3\xadnh"
	    "\"\"\",%s\r\n"
	    "tax,https://tax.example/,Thu\xe1\xba\xbf,%s\r\n"
	    "health,https://health.example/,Y t\xe1\xba\xbf,%s\r\n"
	    "fresh,https://fresh.example/,M\xe1\xbb\x9bi,\r\n",
	    group_yte, group_tc, group_yte);
	assert_int_equal(fclose(f), 0);
	memset(&c, 0, sizeof(c));
	cc->targets = targets_load(path, NULL, &c);
	assert_non_null(cc->targets);
	cfg_close(&c);
	cc->name = xstrdup("unit");
	cc->data_dir = xstrdup(data);
	cc->publish_dir = xstrdup(site);
	cc->step_s = 60;
	cc->down_after = 1;
	cc->up_after = 1;
	cc->quorum = 1;
	cc->cert_warn_days = 30;
	co = collector_new("/nonexistent.conf", cc, NULL);
	assert_int_equal(collector_open(co, err, sizeof(err)), 0);

	/* November: the portal ready, tax not, health unreachable. */
	post(co, "portal", "ok", 1, NOV30 - 120, 1);
	post(co, "tax", "no_address", 0, NOV30 - 120, 3);
	post(co, "health", "timeout", 0, NOV30 - 120, 5);
	assert_int_equal(publish_child(co, NOV30), 0);
	check_csv_json(site);
	assert_true(exists(site, "report-2026-11.json"));
	assert_true(exists(site, "report-2026-11.csv"));
	assert_true(exists(data, "reports/report-2026-11.json"));
	assert_false(exists(site, "report-2026-12.json"));
	/* The snapshot is the report as published. */
	nov_json = slurp(site, "report-2026-11.json", &nov_jlen);
	text = slurp(site, "report.json", &len);
	assert_int_equal(len, nov_jlen);
	assert_memory_equal(text, nov_json, len);
	free(text);
	free(nov_json);
	html = slurp(site, "report.html", NULL);
	assert_non_null(strstr(html, "href=\"report.csv\""));
	assert_null(strstr(html, "Change since")); /* nothing to compare */
	free(html);
	/* Later the same month: rewritten. */
	post(co, "tax", "no_address", 0, NOV30 + 3600, 7);
	assert_int_equal(publish_child(co, NOV30 + 3660), 0);
	nov_json = slurp(site, "report-2026-11.json", &nov_jlen);
	nov_csv = slurp(site, "report-2026-11.csv", &nov_clen);
	text = slurp(data, "reports/report-2026-11.json", &len);
	assert_int_equal(len, nov_jlen);
	assert_memory_equal(text, nov_json, len);
	free(text);
	assert_non_null(strstr(nov_json, "\"generated\":1796043660"));

	/* December: tax ready now. */
	post(co, "tax", "ok", 1, DEC01 - 120, 9);
	post(co, "portal", "ok", 1, DEC01 - 120, 11);
	assert_int_equal(publish_child(co, DEC01), 0);
	check_csv_json(site);
	assert_true(exists(site, "report-2026-12.json"));
	assert_true(exists(site, "report-2026-12.csv"));
	assert_true(exists(data, "reports/report-2026-12.csv"));
	html = slurp(site, "report.html", NULL);
	assert_non_null(strstr(html, "Change since 2026-11"));
	assert_non_null(strstr(html,
	    "Became ready: 1</h3>\n<ul>\n<li><a href=\"t/tax.html\">"
	    "Thu\xe1\xba\xbf</a></li>"));
	assert_null(strstr(html, "No longer ready"));
	free(html);
	text = slurp(site, "report.json", NULL);
	assert_non_null(strstr(text,
	    "\"change\":{\"since\":\"2026-11\",\"became_ready\":[\"tax\"],"
	    "\"stopped_ready\":[]}"));
	free(text);
	/* Further December publishes: November stays as it was. */
	post(co, "portal", "timeout", 0, DEC15 - 120, 13);
	assert_int_equal(publish_child(co, DEC15), 0);
	html = slurp(site, "report.html", NULL);
	assert_non_null(strstr(html, "No longer ready: 1"));
	free(html);
	for (int wipe = 0; wipe < 2; wipe++) {
		text = slurp(site, "report-2026-11.json", &len);
		assert_int_equal(len, nov_jlen);
		assert_memory_equal(text, nov_json, len);
		free(text);
		text = slurp(site, "report-2026-11.csv", &len);
		assert_int_equal(len, nov_clen);
		assert_memory_equal(text, nov_csv, len);
		free(text);
		text = slurp(data, "reports/report-2026-11.csv", &len);
		assert_int_equal(len, nov_clen);
		assert_memory_equal(text, nov_csv, len);
		free(text);
		text = slurp(site, "report-2026-12.json", NULL);
		assert_non_null(strstr(text, "\"generated\":1797336"));
		free(text);
		if (wipe)
			break;
		/* publish_dir wiped: the finished month comes back. */
		assert_int_equal(tmpdir_remove(site), 0);
		assert_int_equal(publish_child(co, DEC15 + 60), 0);
		assert_true(exists(site, "report.csv"));
	}
	/* A group gone: its file goes. */
	snprintf(path, sizeof(path), "%s/group/gone.csv", site);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	/* The clock gone back to October: no month written, none touched. */
	assert_int_equal(publish_child(co, DEC15 - 45 * 86400), -1);
	assert_false(exists(site, "report-2026-10.json"));
	assert_false(exists(data, "reports/report-2026-10.json"));
	assert_false(exists(site, "group/gone.csv"));
	text = slurp(data, "reports/report-2026-11.json", &len);
	assert_int_equal(len, nov_jlen);
	assert_memory_equal(text, nov_json, len);
	free(text);

	free(nov_json);
	free(nov_csv);
	collector_free(co);
}

/* Months and times are the collector's zone's (collector.timezone). */
static void
test_local_zone(void **state)
{
	char buf[64];

	(void)state;
	i18n_set_timezone("Asia/Ho_Chi_Minh");
	/* 2026-11-30 20:00 UTC is 1 December, 03:00 in Hanoi. */
	assert_int_equal(export_month(1796068800, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2026-12");
	assert_string_equal(export_iso_time(1796068800, buf, sizeof(buf)),
	    "2026-12-01T03:00:00+07:00");
	i18n_set_timezone("UTC");
	assert_int_equal(export_month(1796068800, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2026-11");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csv_rows),
	    cmocka_unit_test(test_blocker_words),
	    cmocka_unit_test(test_group_files),
	    cmocka_unit_test(test_change),
	    cmocka_unit_test(test_month),
	    cmocka_unit_test(test_local_zone),
	    cmocka_unit_test(test_files),
	    cmocka_unit_test(test_publish_months),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
