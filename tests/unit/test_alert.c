/*
 * test_alert: targets over real ledgers -- quorum events, first sight,
 * unknown raising nothing, silence on the tick, readiness, certificate
 * thresholds, the change history, the durable file (and hostile ones),
 * the event bodies (JSON and Slack) and cert_thresholds in the config.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir.h"

#include "collector/alert.h"
#include "collector/alert_event.h"
#include "collector/conf.h"
#include "collector/ledger.h"
#include "log.h"
#include "util.h"

#define T0 1764480000.0

struct got {
	enum alert_kind kind;
	char		target[64];
	enum family	family;
	enum state	state, previous;
	enum outcome	outcome;
	size_t		nprobes;
	int		threshold, days;
	char		json[2048];
};

static struct got got[64];
static size_t	  ngot;

static void
sink(void *arg, const struct alert_event *ev)
{
	struct got *g = &got[ngot++];
	char	   *j;

	(void)arg;
	assert_true(ngot < 64);
	g->kind = ev->kind;
	snprintf(g->target, sizeof(g->target), "%s", ev->target);
	g->family = ev->family;
	g->state = ev->state;
	g->previous = ev->previous;
	g->outcome = ev->outcome;
	g->nprobes = ev->nprobes;
	g->threshold = ev->threshold;
	g->days = ev->days_left;
	j = alert_event_json(ev, "c1");
	snprintf(g->json, sizeof(g->json), "%s", j);
	cJSON_free(j);
}

struct world {
	struct ledger	 *lg[3];
	struct alert	 *al;
	struct alert_conf ac;
	double		  now; /* every record is 10 s after the last */
};

static void
world_init(struct world *w, int down_after, int up_after, int quorum)
{
	char path[PATH_MAX];

	memset(w, 0, sizeof(*w));
	for (int i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%d", i + 1);
		snprintf(path, sizeof(path), "%s/%s.json", tmpdir, name);
		w->lg[i] = ledger_new(name, path);
		state_conf_init(&w->lg[i]->sc, down_after, up_after, quorum,
		    60);
	}
	w->now = T0;
	w->al = alert_new();
	memset(&w->ac, 0, sizeof(w->ac));
	w->ac.sc = w->lg[0]->sc;
	alert_conf_default_thresholds(&w->ac, 30);
	alert_set_conf(w->al, &w->ac);
	alert_set_sink(w->al, sink, NULL);
	snprintf(path, sizeof(path), "%s/alerts.json", tmpdir);
	unlink(path);
	assert_int_equal(alert_load(w->al, path, path, sizeof(path)), 0);
	ngot = 0;
}

static void
world_free(struct world *w)
{
	for (int i = 0; i < 3; i++)
		ledger_free(w->lg[i]);
	alert_free(w->al);
}

/*
 * Probe i (0-based) reports target/fam with outcome o, ready (-1 none)
 * and cert days (INT_MIN none), 10 s after the last record of any probe,
 * and the batch is evaluated.
 */
static void
rec(struct world *w, int i, const char *target, enum family fam, enum outcome o,
    uint32_t warnings, int ready, int cert)
{
	struct result  r;
	struct series *s;

	result_init(&r);
	snprintf(r.probe, sizeof(r.probe), "p%d", i + 1);
	snprintf(r.target, sizeof(r.target), "%s", target);
	snprintf(r.url, sizeof(r.url), "https://%s.example/", target);
	r.family = fam;
	w->now += 10;
	r.ts = w->now;
	r.seq = (uint64_t)(w->now - T0);
	r.outcome = o;
	r.warnings = warnings;
	r.ready = ready;
	if (o != OUTCOME_OK)
		snprintf(r.error, sizeof(r.error), "it failed <badly> & so");
	if (cert != INT_MIN) {
		r.has_tls = r.has_cert = 1;
		r.cert_days_left = cert;
	}
	s = ledger_series(w->lg[i], RESULT_CHECK, target, fam, 1);
	series_note(s, &r, (int64_t)r.ts, &w->lg[i]->sc);
	alert_batch(w->al, w->lg, 3, w->lg[i], w->now + 1);
}

#define OK	OUTCOME_OK
#define TIMEOUT OUTCOME_TIMEOUT
#define V6	FAMILY_IPV6
#define V4	FAMILY_IPV4

static void
test_quorum_events(void **state)
{
	struct world		  w;
	const struct alert_state *st;

	(void)state;
	world_init(&w, 2, 2, 2);
	/* First seen up: nothing to tell. */
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 2; i++) {
			rec(&w, i, "web", V6, OK, 0, -1, INT_MIN);
			rec(&w, i, "web", V4, OK, 0, -1, INT_MIN);
		}
	assert_int_equal(ngot, 0);
	st = alert_state_get(w.al, "web", V6);
	assert_non_null(st);
	assert_int_equal(st->state, STATE_UP);
	/* One probe of two: not enough. */
	for (int k = 0; k < 4; k++)
		rec(&w, 0, "web", V6, TIMEOUT, 0, -1, INT_MIN);
	assert_int_equal(ngot, 0);
	assert_int_equal(st->state, STATE_UP);
	/* The second: one event, down over ipv6 only. */
	rec(&w, 1, "web", V6, TIMEOUT, 0, -1, INT_MIN);
	assert_int_equal(ngot, 0);
	rec(&w, 1, "web", V6, TIMEOUT, 0, -1, INT_MIN);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].kind, ALERT_STATE_CHANGED);
	assert_string_equal(got[0].target, "web");
	assert_int_equal(got[0].family, V6);
	assert_int_equal(got[0].state, STATE_DOWN);
	assert_int_equal(got[0].previous, STATE_UP);
	assert_int_equal(got[0].outcome, TIMEOUT);
	assert_int_equal(got[0].nprobes, 2);
	assert_non_null(strstr(got[0].json,
	    "\"detail\":\"p1: timeout (4 in a row): it failed <badly> & so; "
	    "p2: timeout (2 in a row): it failed <badly> & so\""));
	assert_int_equal(st->state, STATE_DOWN);
	/* down since the second probe's run began (its first failure). */
	assert_true(st->since == w.now - 10);
	/* More failures: nothing more. */
	rec(&w, 0, "web", V6, TIMEOUT, 0, -1, INT_MIN);
	rec(&w, 1, "web", V6, TIMEOUT, 0, -1, INT_MIN);
	assert_int_equal(ngot, 1);
	/* One good check is not enough; two are, from one probe. */
	rec(&w, 0, "web", V6, OK, 0, -1, INT_MIN);
	assert_int_equal(ngot, 1);
	rec(&w, 0, "web", V6, OK, 0, -1, INT_MIN);
	assert_int_equal(ngot, 2);
	assert_int_equal(got[1].state, STATE_UP);
	assert_int_equal(got[1].previous, STATE_DOWN);
	assert_int_equal(got[1].nprobes, 1);
	/* ipv4 never changed. */
	assert_int_equal(alert_state_get(w.al, "web", V4)->state, STATE_UP);
	assert_int_equal(alert_state_get(w.al, "web", V4)->nchanges, 1);
	world_free(&w);
}

static void
test_unknown_and_silence(void **state)
{
	struct world		   w;
	const struct alert_state  *st;
	const struct alert_change *c;

	(void)state;
	world_init(&w, 1, 1, 1);
	/* First seen down: told (previous unknown). */
	rec(&w, 0, "new", V6, TIMEOUT, 0, -1, INT_MIN);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].previous, STATE_UNKNOWN);
	rec(&w, 0, "new", V6, OK, 0, -1, INT_MIN);
	assert_int_equal(ngot, 2);
	/* probe_offline: unknown, nothing told; failures from an offline
	 * probe are never down. */
	rec(&w, 0, "new", V6, TIMEOUT, WARN_BIT(WARN_PROBE_OFFLINE), -1,
	    INT_MIN);
	rec(&w, 0, "new", V6, TIMEOUT, WARN_BIT(WARN_PROBE_OFFLINE), -1,
	    INT_MIN);
	st = alert_state_get(w.al, "new", V6);
	assert_int_equal(st->state, STATE_UNKNOWN);
	assert_int_equal(ngot, 2);
	/* Back and down: told as down, previous up (the last told). */
	rec(&w, 0, "new", V6, TIMEOUT, 0, -1, INT_MIN);
	assert_int_equal(ngot, 3);
	assert_int_equal(got[2].state, STATE_DOWN);
	assert_int_equal(got[2].previous, STATE_UP);
	/* Silent for more than 3 steps: the tick makes it unknown, quietly. */
	alert_tick(w.al, w.lg, 3, w.now + 100);
	assert_int_equal(st->state, STATE_DOWN);
	alert_tick(w.al, w.lg, 3, w.now + 181);
	assert_int_equal(st->state, STATE_UNKNOWN);
	assert_true(st->since == w.now + 181);
	assert_int_equal(ngot, 3);
	/* History, newest first. */
	assert_int_equal(st->nchanges, 5);
	c = alert_change_at(st, 0);
	assert_int_equal(c->from, STATE_DOWN);
	assert_int_equal(c->to, STATE_UNKNOWN);
	c = alert_change_at(st, 4);
	assert_int_equal(c->from, STATE_UNKNOWN);
	assert_int_equal(c->to, STATE_DOWN);
	assert_int_equal(c->outcome, TIMEOUT);
	assert_null(alert_change_at(st, 5));
	/* More changes than kept: the newest ALERT_CHANGES stay. */
	for (int k = 0; k < 30; k++)
		rec(&w, 0, "new", V6, k % 2 ? TIMEOUT : OK, 0, -1, INT_MIN);
	assert_int_equal(st->nchanges, ALERT_CHANGES);
	assert_int_equal(alert_change_at(st, 0)->to, STATE_DOWN);
	assert_int_equal(alert_change_at(st, ALERT_CHANGES - 1)->to, STATE_UP);
	assert_true(alert_change_at(st, 0)->ts > alert_change_at(st, 1)->ts);
	/* Lookups. */
	assert_null(alert_state_get(w.al, "nope", V6));
	assert_int_equal(alert_count(w.al), 1);
	assert_string_equal(alert_target_at(w.al, 0)->name, "new");
	assert_null(alert_target_at(w.al, 1));
	world_free(&w);
}

static void
test_ready_and_cert(void **state)
{
	struct world		   w;
	const struct alert_target *t;

	(void)state;
	world_init(&w, 2, 2, 1);
	/* Readiness: first known raises nothing, a flip does (and the
	 * AAAA record going is a state change too). */
	for (int k = 0; k < 2; k++)
		rec(&w, 0, "r", V6, OK, 0, 1, 100);
	assert_int_equal(ngot, 0);
	t = alert_target_get(w.al, "r");
	assert_int_equal(t->ready, STATE_UP);
	for (int k = 0; k < 2; k++)
		rec(&w, 0, "r", V6, OUTCOME_NO_ADDRESS, 0, 0, INT_MIN);
	assert_int_equal(ngot, 2);
	assert_int_equal(got[0].kind, ALERT_STATE_CHANGED);
	assert_int_equal(got[1].kind, ALERT_READINESS_CHANGED);
	assert_int_equal(got[1].state, STATE_DOWN);
	assert_int_equal(got[1].outcome, OUTCOME_NO_ADDRESS);
	assert_non_null(
	    strstr(got[1].json, "\"ready\":false,\"previous\":true,"));
	/* content_mismatch alone: ok, but not ready. */
	for (int k = 0; k < 2; k++)
		rec(&w, 0, "r", V6, OK, 0, 1, INT_MIN);
	assert_int_equal(ngot, 4);
	for (int k = 0; k < 2; k++)
		rec(&w, 0, "r", V6, OK, WARN_BIT(WARN_CONTENT_MISMATCH), 0,
		    INT_MIN);
	assert_int_equal(ngot, 5);
	assert_non_null(strstr(got[4].json, "p1: content_mismatch"));

	/* Certificates: once per threshold, the lowest crossed; the
	 * sooner family counts; renewal starts over. */
	ngot = 0;
	rec(&w, 0, "c", V6, OK, 0, -1, 45);
	assert_int_equal(ngot, 0);
	rec(&w, 0, "c", V6, OK, 0, -1, 30);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].kind, ALERT_CERT_EXPIRING);
	assert_int_equal(got[0].threshold, 30);
	assert_int_equal(got[0].days, 30);
	rec(&w, 0, "c", V6, OK, 0, -1, 29);
	rec(&w, 0, "c", V4, OK, 0, -1, 40);
	assert_int_equal(ngot, 1);
	rec(&w, 0, "c", V4, OK, 0, -1, 6);
	assert_int_equal(ngot, 2);
	assert_int_equal(got[1].threshold, 7);
	assert_int_equal(got[1].family, V4);
	rec(&w, 0, "c", V4, OK, 0, -1, 80);
	rec(&w, 0, "c", V6, OK, 0, -1, 80);
	assert_int_equal(ngot, 2);
	assert_int_equal(alert_target_get(w.al, "c")->cert_told,
	    ALERT_CERT_NONE);
	rec(&w, 0, "c", V6, OK, 0, -1, -2);
	assert_int_equal(ngot, 3);
	assert_int_equal(got[2].threshold, 1);
	assert_non_null(strstr(got[2].json, "expired 2 days ago"));
	world_free(&w);
}

static void
write_text(const char *name, const char *text)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	assert_int_equal(file_write_atomic(p, text, strlen(text), 0600), 0);
}

static void
test_durable(void **state)
{
	struct world		  w;
	struct alert		 *b;
	const struct alert_state *x, *y;
	char			  path[PATH_MAX], err[256];
	static const char *const  bad[] = {
	     "{",
	     "[]",
	     "{\"version\":2,\"targets\":[]}",
	     "{\"version\":1,\"targets\":{}}",
	     "{\"version\":1,\"targets\":[{\"name\":\"\",\"families\":[]}]}",
	     "{\"version\":1,\"targets\":[{\"name\":\"a\",\"ready\":\"up\","
	      "\"ready_since\":0,\"ready_told\":\"sideways\",\"families\":[]}]}",
	     "{\"version\":1,\"targets\":[{\"name\":\"a\",\"ready\":\"up\","
	      "\"ready_since\":0,\"ready_told\":\"up\",\"families\":[]},"
	      "{\"name\":\"a\",\"ready\":\"up\",\"ready_since\":0,"
	      "\"ready_told\":\"up\",\"families\":[]}]}",
	     "{\"version\":1,\"targets\":[{\"name\":\"a\",\"ready\":\"up\","
	      "\"ready_since\":0,\"ready_told\":\"up\",\"families\":[{"
	      "\"family\":\"ipv5\"}]}]}",
	     "{\"version\":1,\"targets\":[{\"name\":\"a\",\"ready\":\"up\","
	      "\"ready_since\":0,\"ready_told\":\"up\",\"families\":[{"
	      "\"family\":\"ipv6\",\"state\":\"up\",\"since\":1764480000,"
	      "\"told\":\"up\",\"outcome\":\"ok\",\"changes\":[1]}]}]}",
	     "{\"version\":1,\"targets\":[{\"name\":\"a\\u0001\","
	      "\"families\":[]}]}",
	 };

	(void)state;
	world_init(&w, 1, 1, 1);
	rec(&w, 0, "a", V6, OK, 0, 1, 12);
	rec(&w, 0, "a", V6, TIMEOUT, 0, 0, 12);
	rec(&w, 0, "b\"\\", V4, OK, 0, -1, INT_MIN);
	assert_true(alert_dirty(w.al));
	assert_int_equal(alert_save(w.al, err, sizeof(err)), 0);
	assert_false(alert_dirty(w.al));
	snprintf(path, sizeof(path), "%s/alerts.json", tmpdir);
	b = alert_new();
	if (alert_load(b, path, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	assert_int_equal(alert_count(b), 2);
	x = alert_state_get(w.al, "a", V6);
	y = alert_state_get(b, "a", V6);
	assert_int_equal(y->state, STATE_DOWN);
	assert_true(y->since == x->since);
	assert_int_equal(y->told, STATE_DOWN);
	assert_int_equal(y->nchanges, x->nchanges);
	assert_true(alert_change_at(y, 0)->ts == alert_change_at(x, 0)->ts);
	assert_int_equal(alert_change_at(y, 1)->to, STATE_UP);
	assert_int_equal(alert_target_get(b, "a")->cert_told, 14);
	assert_int_equal(alert_target_get(b, "a")->cert_days, 12);
	assert_string_equal(alert_target_get(b, "a")->url,
	    "https://a.example/");
	assert_non_null(alert_state_get(b, "b\"\\", V4));
	assert_int_equal(alert_state_get(b, "b\"\\", V6)->since, 0);
	/* The loaded state goes on without telling anything twice. */
	alert_set_sink(b, sink, NULL);
	ngot = 0;
	alert_batch(b, w.lg, 3, w.lg[0], w.now + 2);
	alert_tick(b, w.lg, 3, w.now + 2);
	assert_int_equal(ngot, 0);
	alert_free(b);

	/* Hostile files: refused whole, EBADMSG. */
	for (size_t i = 0; i < NELEM(bad); i++) {
		write_text("bad.json", bad[i]);
		snprintf(path, sizeof(path), "%s/bad.json", tmpdir);
		b = alert_new();
		errno = 0;
		if (alert_load(b, path, err, sizeof(err)) != -1)
			fail_msg("bad[%zu] loaded", i);
		assert_int_equal(errno, EBADMSG);
		assert_int_equal(alert_count(b), 0);
		alert_free(b);
	}
	/* A missing file is an empty state; a folder cannot be read. */
	b = alert_new();
	snprintf(path, sizeof(path), "%s/none.json", tmpdir);
	assert_int_equal(alert_load(b, path, err, sizeof(err)), 0);
	assert_int_equal(alert_load(b, tmpdir, err, sizeof(err)), -1);
	assert_int_not_equal(errno, EBADMSG);
	alert_free(b);
	world_free(&w);
}

static void
test_bodies(void **state)
{
	struct alert_event ev;
	char		  *s;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.kind = ALERT_STATE_CHANGED;
	ev.target = "portal";
	ev.url = "https://portal.example/";
	ev.has_family = 1;
	ev.family = FAMILY_IPV6;
	ev.state = STATE_DOWN;
	ev.previous = STATE_UP;
	ev.since = T0;
	ev.has_outcome = 1;
	ev.outcome = OUTCOME_TIMEOUT;
	ev.probes[0] = "p1";
	ev.probes[1] = "p2";
	ev.nprobes = 2;
	snprintf(ev.detail, sizeof(ev.detail), "a <b> & c");
	ev.ts = T0 + 0.5;
	s = alert_event_json(&ev, "prov");
	assert_string_equal(s,
	    "{\"event\":\"state_changed\",\"target\":\"portal\",\"url\":"
	    "\"https://portal.example/\",\"family\":\"ipv6\",\"state\":"
	    "\"down\",\"previous\":\"up\",\"since\":1764480000.000,"
	    "\"outcome\":\"timeout\",\"probes\":[\"p1\",\"p2\"],\"detail\":"
	    "\"a <b> & c\",\"collector\":\"prov\",\"ts\":1764480000.500}");
	cJSON_free(s);
	s = alert_event_slack(&ev, "prov");
	assert_string_equal(s,
	    "{\"text\":\":red_circle: *portal* is DOWN over IPv6 since "
	    "2025-11-30 05:20:00 UTC (was up): timeout "
	    "https://portal.example/\\n&gt; a &lt;b&gt; &amp; c\\n_v6watch "
	    "collector prov_\"}");
	cJSON_free(s);
	ev.kind = ALERT_CERT_EXPIRING;
	ev.days_left = 6;
	ev.threshold = 7;
	ev.has_outcome = 0;
	s = alert_event_json(&ev, "prov");
	assert_non_null(strstr(s,
	    "\"family\":\"ipv6\",\"days_left\":6,"
	    "\"threshold\":7,\"probes\":"));
	assert_null(strstr(s, "\"state\""));
	cJSON_free(s);
	ev.kind = ALERT_READINESS_CHANGED;
	ev.has_family = 0;
	ev.state = STATE_UP;
	ev.previous = STATE_DOWN;
	s = alert_event_json(&ev, "prov");
	assert_non_null(strstr(s, "\"ready\":true,\"previous\":false,"));
	cJSON_free(s);
	memset(&ev, 0, sizeof(ev));
	ev.kind = ALERT_TEST;
	ev.ts = T0;
	s = alert_event_json(&ev, "prov");
	assert_string_equal(s,
	    "{\"event\":\"test\",\"detail\":\"\",\"collector\":\"prov\","
	    "\"ts\":1764480000.000}");
	cJSON_free(s);
	assert_string_equal(alert_kind_name(ALERT_READINESS_CHANGED),
	    "readiness_changed");
}

/* Load text as collector.conf: the config, or NULL with c's errors. */
static struct collector_conf *
load_conf(const char *text, struct cfg *c)
{
	char p[PATH_MAX];

	write_text("t.token", "tok\n");
	write_text("c.conf", text);
	snprintf(p, sizeof(p), "%s/c.conf", tmpdir);
	return collector_conf_load(p, NULL, c);
}

static void
test_conf_thresholds(void **state)
{
	static const char head[] =
	    "collector = { name = \"c\"; };\n"
	    "probes = ( { name = \"p\"; token_file = \"t.token\"; } );\n";
	static const struct {
		const char *alert, *err;
	} bad[] = {
	    {"cert_warn_days = 20; cert_thresholds = [10];", "not both"},
	    {"cert_thresholds = [30, 30];", "listed twice"},
	    {"cert_thresholds = [4000];", "out of range"},
	    {"cert_thresholds = [\"x\"];", "must be an integer"},
	    {"cert_thresholds = 5;", "must be a list"},
	    {"cert_thresholds = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17];",
		"more than 16"},
	};
	struct collector_conf *cc;
	struct cfg	       c;
	char		       text[1024];

	(void)state;
	snprintf(text, sizeof(text),
	    "%salert = { cert_thresholds = [7, 30, "
	    "1, 14]; };\n",
	    head);
	cc = load_conf(text, &c);
	cfg_report(&c);
	cfg_close(&c);
	assert_non_null(cc);
	assert_int_equal(cc->ncert_thresholds, 4);
	assert_int_equal(cc->cert_thresholds[0], 30);
	assert_int_equal(cc->cert_thresholds[3], 1);
	collector_conf_free(cc);
	snprintf(text, sizeof(text), "%salert = { cert_thresholds = []; };\n",
	    head);
	cc = load_conf(text, &c);
	cfg_close(&c);
	assert_non_null(cc);
	assert_int_equal(cc->ncert_thresholds, 0);
	collector_conf_free(cc);
	cc = load_conf(head, &c);
	cfg_close(&c);
	assert_non_null(cc);
	assert_int_equal(cc->ncert_thresholds, -1);
	collector_conf_free(cc);
	for (size_t i = 0; i < NELEM(bad); i++) {
		snprintf(text, sizeof(text), "%salert = { %s };\n", head,
		    bad[i].alert);
		cc = load_conf(text, &c);
		assert_null(cc);
		assert_true(c.nerrs > 0);
		if (strstr(c.errs[0], bad[i].err) == NULL ||
		    strstr(c.errs[0], "c.conf:3:") == NULL)
			fail_msg("%s: %s", bad[i].alert, c.errs[0]);
		cfg_close(&c);
	}
	/* The default list from cert_warn_days. */
	{
		struct alert_conf ac;

		alert_conf_default_thresholds(&ac, 10);
		assert_int_equal(ac.nthresholds, 3);
		assert_int_equal(ac.thresholds[0], 10);
		assert_int_equal(ac.thresholds[1], 7);
		alert_conf_default_thresholds(&ac, 0);
		assert_int_equal(ac.nthresholds, 0);
	}
}

/* A window over target (or group) from..to, as the config gives it. */
static void
maint_one(struct maint_set *ms, const char *target, const char *group,
    double from, double to)
{
	struct maint_window w;
	char		   *t = (char *)target, *g = (char *)group;

	memset(&w, 0, sizeof(w));
	snprintf(w.id, sizeof(w.id), "c%zu", ms->n + 1);
	w.targets.v = target != NULL ? &t : NULL;
	w.targets.n = target != NULL;
	w.groups.v = group != NULL ? &g : NULL;
	w.groups.n = group != NULL;
	w.from = from;
	w.to = to;
	maint_set_add(ms, &w);
}

static void
test_maint_times(void **state)
{
	static const char *const bad[] = {"2026-12-06", "2026-12-06 22",
	    "2026-12-06 22:0", "2026-13-01 00:00", "2026-02-30 10:00",
	    "2026-12-06 24:00", "2026-12-06 22:00+1", "2026-12-06 22:00 Z",
	    "2026/12/06 22:00", "1999-12-31 23:00", "2026-12-06 22:00:00x", "",
	    "tomorrow"};
	struct maint_set	 ms = {0};
	double			 t, d;
	char			 buf[64];

	(void)state;
	setenv("TZ", "CET-1", 1);
	tzset();
	assert_int_equal(maint_parse_time("2026-12-06T22:00Z", &t), 0);
	assert_true(t == 1796594400.0);
	assert_int_equal(maint_parse_time("2026-12-06 23:00+01:00", &t), 0);
	assert_true(t == 1796594400.0);
	assert_int_equal(maint_parse_time("2026-12-06T17:00:30-0500", &t), 0);
	assert_true(t == 1796594430.0);
	/* local time: TZ's */
	assert_int_equal(maint_parse_time("2026-12-06 23:00", &t), 0);
	assert_true(t == 1796594400.0);
	maint_format_time(t, buf, sizeof(buf));
	assert_string_equal(buf, "2026-12-06 23:00 CET");
	for (size_t i = 0; i < NELEM(bad); i++)
		if (maint_parse_time(bad[i], &t) != -1)
			fail_msg("'%s' parsed", bad[i]);
	assert_int_equal(maint_parse_duration("1h30m", &d), 0);
	assert_true(d == 5400);
	assert_int_equal(maint_parse_duration("2d", &d), 0);
	assert_true(d == 172800);
	assert_int_equal(maint_parse_duration("90", &d), -1);
	assert_int_equal(maint_parse_duration("0m", &d), -1);
	assert_int_equal(maint_parse_duration("h", &d), -1);
	assert_int_equal(maint_parse_duration("", &d), -1);
	/* [from, to), by target or by group */
	maint_one(&ms, "web", NULL, 100, 200);
	maint_one(&ms, NULL, "shops", 100, 200);
	assert_false(maint_covers(&ms.v[0], "web", NULL, 99.9));
	assert_true(maint_covers(&ms.v[0], "web", NULL, 100));
	assert_true(maint_covers(&ms.v[0], "web", "x", 199.9));
	assert_false(maint_covers(&ms.v[0], "web", NULL, 200));
	assert_false(maint_covers(&ms.v[0], "api", NULL, 150));
	assert_true(maint_covers(&ms.v[1], "api", "shops", 150));
	assert_false(maint_covers(&ms.v[1], "shops", NULL, 150));
	maint_set_free(&ms);
	unsetenv("TZ");
	tzset();
}

static void
test_maint_suppress(void **state)
{
	struct world		  w;
	struct maint_set	  ms = {0};
	const struct alert_state *st;
	double			  end;

	(void)state;
	world_init(&w, 1, 1, 1);
	rec(&w, 0, "web", V6, OK, 0, -1, 40);
	rec(&w, 0, "api", V6, OK, 0, -1, INT_MIN);
	assert_int_equal(ngot, 0);
	end = w.now + 45;
	maint_one(&ms, "web", NULL, T0, end);
	maint_one(&ms, "api", NULL, T0, end);
	alert_set_windows(w.al, &ms);
	maint_set_free(&ms);
	assert_non_null(
	    alert_maint(w.al, alert_target_get(w.al, "web"), w.now));
	assert_null(alert_maint(w.al, alert_target_get(w.al, "web"), end));
	/* web goes down, its certificate nears expiry; api goes down and
	 * comes back: all inside the window, nothing is sent. */
	rec(&w, 0, "web", V6, TIMEOUT, 0, -1, 20);
	rec(&w, 0, "api", V6, TIMEOUT, 0, -1, INT_MIN);
	st = alert_state_get(w.al, "web", V6);
	assert_int_equal(st->state, STATE_DOWN);
	assert_int_equal(st->told, STATE_UP);
	assert_int_equal(alert_state_get(w.al, "api", V6)->state, STATE_DOWN);
	rec(&w, 0, "api", V6, OK, 0, -1, INT_MIN);
	rec(&w, 0, "web", V6, TIMEOUT, 0, -1, 20);
	alert_tick(w.al, w.lg, 3, w.now + 1);
	assert_int_equal(ngot, 0);
	assert_true(w.now + 1 < end);
	/* The window ends: web, still down, is told then, with when it went
	 * down; its certificate too. api, up as told, raises nothing. */
	alert_tick(w.al, w.lg, 3, end);
	assert_int_equal(ngot, 2);
	assert_int_equal(got[0].kind, ALERT_STATE_CHANGED);
	assert_string_equal(got[0].target, "web");
	assert_int_equal(got[0].state, STATE_DOWN);
	assert_int_equal(got[0].previous, STATE_UP);
	assert_int_equal(got[0].outcome, TIMEOUT);
	assert_int_equal(got[0].nprobes, 1);
	assert_int_equal(got[1].kind, ALERT_CERT_EXPIRING);
	assert_int_equal(got[1].threshold, 30);
	assert_int_equal(st->told, STATE_DOWN);
	/* Told once. */
	alert_tick(w.al, w.lg, 3, end + 1);
	assert_int_equal(ngot, 2);
	/* Out of the window, events flow as ever. */
	rec(&w, 0, "api", V6, TIMEOUT, 0, -1, INT_MIN);
	assert_int_equal(ngot, 3);
	assert_string_equal(got[2].target, "api");
	assert_int_equal(got[2].state, STATE_DOWN);
	world_free(&w);
}

static void
test_maint_file(void **state)
{
	struct world		   w;
	struct maint_set	   ms = {0}, back = {0};
	const struct maint_window *mw;
	char			   path[PATH_MAX], err[512];
	struct stat		   st;

	(void)state;
	world_init(&w, 1, 1, 1);
	assert_int_equal(maint_path(tmpdir, path, sizeof(path)), 0);
	unlink(path);
	/* A round trip. */
	maint_one(&ms, "web", NULL, T0, T0 + 3600);
	maint_one(&ms, NULL, "shops", T0 + 60, T0 + 120);
	snprintf(ms.v[0].id, sizeof(ms.v[0].id), "7");
	snprintf(ms.v[1].id, sizeof(ms.v[1].id), "8");
	ms.v[1].reason = xstrdup("new \"router\"");
	ms.next_id = 9;
	assert_int_equal(maint_save(&ms, path, err, sizeof(err)), 0);
	assert_int_equal(maint_load(&back, path, err, sizeof(err)), 0);
	assert_int_equal(back.n, 2);
	assert_int_equal(back.next_id, 9);
	assert_string_equal(back.v[1].id, "8");
	assert_string_equal(back.v[1].groups.v[0], "shops");
	assert_string_equal(back.v[1].reason, "new \"router\"");
	assert_true(back.v[0].to == T0 + 3600);
	maint_set_free(&back);
	/* The alert reads it, and again when it changes. */
	rec(&w, 0, "web", V6, OK, 0, -1, INT_MIN);
	alert_set_maint_file(w.al, path);
	assert_int_equal(alert_maint_count(w.al), 2);
	mw = alert_maint(w.al, alert_target_get(w.al, "web"), w.now);
	assert_non_null(mw);
	assert_string_equal(mw->id, "7");
	maint_set_free(&ms);
	maint_one(&ms, "api", NULL, T0, T0 + 3600);
	snprintf(ms.v[0].id, sizeof(ms.v[0].id), "9");
	assert_int_equal(maint_save(&ms, path, err, sizeof(err)), 0);
	maint_set_free(&ms);
	rec(&w, 0, "web", V6, TIMEOUT, 0, -1, INT_MIN);
	assert_int_equal(alert_maint_count(w.al), 1);
	assert_int_equal(ngot, 1); /* web is no longer covered */
	/* Damaged files do not decode, and are set aside by the alert. */
	{
		static const char *const broken[] = {"{", "[]",
		    "{\"version\":2,\"windows\":[]}",
		    "{\"version\":1,\"windows\":[{\"id\":\"1\",\"from\":1e9,"
		    "\"to\":2e9}]}",
		    "{\"version\":1,\"windows\":[{\"id\":\"1\",\"targets\":"
		    "[\"a\"],\"from\":2e9,\"to\":1e9}]}",
		    "{\"version\":1,\"windows\":[{\"id\":\"x\",\"targets\":"
		    "[\"a\"],\"from\":1e9,\"to\":2e9}]}",
		    /* an id past next_id's bound: saved, it would not load */
		    "{\"version\":1,\"next_id\":1,\"windows\":[{\"id\":\"18888888888\","
		    "\"targets\":[\"a\"],\"from\":1e9,\"to\":2e9}]}",
		    /* one id twice: `maintenance end` could not tell them */
		    "{\"version\":1,\"next_id\":1,\"windows\":[{\"id\":\"2\",\"targets\":"
		    "[\"a\"],\"from\":1e9,\"to\":2e9},{\"id\":\"2\","
		    "\"targets\":[\"b\"],\"from\":1e9,\"to\":2e9}]}"};

		for (size_t i = 0; i < NELEM(broken); i++) {
			write_text("maintenance.json", broken[i]);
			errno = 0;
			if (maint_load(&back, path, err, sizeof(err)) != -1 ||
			    errno != EBADMSG)
				fail_msg("%s: loaded", broken[i]);
		}
	}
	alert_maint_reread(w.al);
	assert_int_equal(alert_maint_count(w.al), 0);
	assert_int_equal(stat(path, &st), -1); /* set aside */
	world_free(&w);
}

static void
test_conf_maintenance(void **state)
{
	static const char head[] =
	    "collector = { name = \"c\"; };\n"
	    "probes = ( { name = \"p\"; token_file = \"t.token\"; } );\n";
	static const struct {
		const char *entry, *err;
	} bad[] = {
	    {"{ targets = [\"a\"]; from = \"2026-12-07 02:00\"; to = "
	     "\"2026-12-06 22:00\"; }",
		"is not before to"},
	    {"{ targets = [\"a\"]; from = \"6 Dec\"; to = "
	     "\"2026-12-06 22:00\"; }",
		"\"6 Dec\" is not a time"},
	    {"{ from = \"2026-12-06 20:00\"; to = \"2026-12-06 22:00\"; }",
		"targets = [ ... ] or groups"},
	    {"{ targets = [\"a\"]; from = \"2026-12-06 20:00\"; }",
		"to is missing"},
	    {"{ targets = [\"a\"]; from = \"2026-12-06 20:00\"; to = "
	     "\"2026-12-06 22:00\"; until = 3; }",
		"unknown setting 'until'"},
	    {"{ targets = \"a\"; from = \"2026-12-06 20:00\"; to = "
	     "\"2026-12-06 22:00\"; }",
		"must be a list of names"},
	};
	struct collector_conf *cc;
	struct cfg	       c;
	char		       text[1024];

	(void)state;
	snprintf(text, sizeof(text),
	    "%smaintenance = (\n"
	    "  { targets = [\"portal\", \"web\"]; groups = [\"shops\"];\n"
	    "    from = \"2026-12-06T22:00Z\"; to = \"2026-12-07T02:00Z\";\n"
	    "    reason = \"router\"; },\n"
	    "  { groups = [\"b\"]; from = \"2026-12-06 22:00+01:00\";\n"
	    "    to = \"2026-12-06 23:00+01:00\"; } );\n",
	    head);
	cc = load_conf(text, &c);
	cfg_report(&c);
	cfg_close(&c);
	assert_non_null(cc);
	assert_int_equal(cc->maint.n, 2);
	assert_string_equal(cc->maint.v[0].id, "c1");
	assert_int_equal(cc->maint.v[0].line, 4);
	assert_int_equal(cc->maint.v[0].targets.n, 2);
	assert_string_equal(cc->maint.v[0].targets.v[1], "web");
	assert_string_equal(cc->maint.v[0].groups.v[0], "shops");
	assert_string_equal(cc->maint.v[0].reason, "router");
	assert_true(cc->maint.v[0].from == 1796594400.0);
	assert_true(cc->maint.v[0].to == 1796594400.0 + 4 * 3600);
	assert_true(cc->maint.v[1].from == 1796590800.0);
	collector_conf_free(cc);
	for (size_t i = 0; i < NELEM(bad); i++) {
		snprintf(text, sizeof(text), "%smaintenance = (\n%s );\n", head,
		    bad[i].entry);
		cc = load_conf(text, &c);
		assert_null(cc);
		assert_true(c.nerrs > 0);
		if (strstr(c.errs[0], bad[i].err) == NULL ||
		    strstr(c.errs[0], "c.conf:4:") == NULL)
			fail_msg("%s: %s", bad[i].entry, c.errs[0]);
		cfg_close(&c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quorum_events),
	    cmocka_unit_test(test_unknown_and_silence),
	    cmocka_unit_test(test_ready_and_cert),
	    cmocka_unit_test(test_durable),
	    cmocka_unit_test(test_bodies),
	    cmocka_unit_test(test_conf_thresholds),
	    cmocka_unit_test(test_maint_times),
	    cmocka_unit_test(test_maint_suppress),
	    cmocka_unit_test(test_maint_file),
	    cmocka_unit_test(test_conf_maintenance),
	};

	log_init("test_alert", 0, 0);
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
