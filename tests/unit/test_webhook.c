/*
 * test_webhook: the signature (HMAC-SHA256 test vectors), the backoff,
 * the verdict on an exchange, the durable queue (order, ids across a
 * reopen, give-up, the count bound, a damaged item), the webhook set
 * (events queued per format, reload keeping queues) and the webhook
 * settings.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir.h"
#include <cjson/cJSON.h>

#include "collector/alert.h"
#include "collector/alert_event.h"
#include "collector/conf.h"
#include "collector/webhook.h"
#include "collector/webhook_post.h"
#include "collector/wqueue.h"
#include "i18n.h"
#include "log.h"
#include "spool.h"
#include "util.h"

static void
test_sign(void **state)
{
	char sig[WEBHOOK_SIG_LEN + 1];

	(void)state;
	/* RFC 4231 test case 2 and the well-known "quick brown fox". */
	webhook_sign("Jefe", "what do ya want for nothing?", 28, sig);
	assert_string_equal(sig,
	    "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964e"
	    "c3843");
	webhook_sign("key", "The quick brown fox jumps over the lazy dog", 43,
	    sig);
	assert_string_equal(sig,
	    "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1"
	    "a3cd8");
	/* Bytes, not a C string: a NUL inside counts. */
	{
		char one[WEBHOOK_SIG_LEN + 1];

		webhook_sign("key", "a\0b", 3, sig);
		webhook_sign("key", "a", 1, one);
		assert_string_not_equal(sig, one);
		assert_int_equal(strlen(sig), WEBHOOK_SIG_LEN);
	}
}

static void
test_backoff(void **state)
{
	(void)state;
	/* [d/2, d]: d = min doubled per attempt, capped. */
	assert_int_equal(webhook_backoff_ms(1, 1000, 60000, 0), 500);
	assert_int_equal(webhook_backoff_ms(1, 1000, 60000, 500), 1000);
	assert_int_equal(webhook_backoff_ms(1, 1000, 60000, 501), 500);
	assert_int_equal(webhook_backoff_ms(2, 1000, 60000, 1000), 2000);
	assert_int_equal(webhook_backoff_ms(4, 1000, 60000, 4000), 8000);
	assert_int_equal(webhook_backoff_ms(7, 1000, 60000, 30000), 60000);
	assert_int_equal(webhook_backoff_ms(100000, 1000, 60000, 0), 30000);
	assert_int_equal(webhook_backoff_ms(UINT32_MAX, 5000, UINT64_MAX / 2,
			     0) > 0,
	    1);
	/* max below min: min wins; min 0 is 1 ms. */
	assert_int_equal(webhook_backoff_ms(3, 4000, 1000, 2000), 4000);
	assert_true(webhook_backoff_ms(1, 0, 0, 7) <= 1);
	for (uint32_t r = 0; r < 5000; r += 7) {
		uint64_t d = webhook_backoff_ms(3, 1000, 3000, r);

		assert_true(d >= 1500 && d <= 3000);
	}
}

static void
test_verdict(void **state)
{
	char why[256];

	(void)state;
	assert_int_equal(webhook_post_verdict(CURLE_OK, 200, 0, "ok", "", 5,
			     why, sizeof(why)),
	    1);
	assert_string_equal(why, "HTTP 200");
	assert_int_equal(webhook_post_verdict(CURLE_OK, 204, 0, "", "", 5, why,
			     sizeof(why)),
	    1);
	/* A 2xx whose long body was cut short still arrived. */
	assert_int_equal(webhook_post_verdict(CURLE_WRITE_ERROR, 200, 1, "x",
			     "", 5, why, sizeof(why)),
	    1);
	assert_int_equal(webhook_post_verdict(CURLE_WRITE_ERROR, 500, 1, "x",
			     "", 5, why, sizeof(why)),
	    0);
	assert_int_equal(webhook_post_verdict(CURLE_OK, 302, 0, "", "", 5, why,
			     sizeof(why)),
	    0);
	assert_string_equal(why, "HTTP 302: redirects are not followed");
	assert_int_equal(webhook_post_verdict(CURLE_OK, 500, 0,
			     "bad\x01\n\xff thing", "", 5, why, sizeof(why)),
	    0);
	assert_string_equal(why, "HTTP 500: bad??? thing");
	assert_int_equal(webhook_post_verdict(CURLE_OK, 199, 0, "", "", 5, why,
			     sizeof(why)),
	    0);
	assert_string_equal(why, "HTTP 199");
	assert_int_equal(webhook_post_verdict(CURLE_OPERATION_TIMEDOUT, 0, 0,
			     "", "Operation timed out after 5000 ms", 5, why,
			     sizeof(why)),
	    0);
	assert_string_equal(why, "no answer within 5 s");
	assert_int_equal(webhook_post_verdict(CURLE_COULDNT_CONNECT, 0, 0, "",
			     "Failed to connect to ::1 port 9", 5, why,
			     sizeof(why)),
	    0);
	assert_string_equal(why, "Failed to connect to ::1 port 9");
	assert_int_equal(webhook_post_verdict(CURLE_COULDNT_RESOLVE_HOST, 0, 0,
			     "", "", 5, why, sizeof(why)),
	    0);
	assert_string_equal(why,
	    curl_easy_strerror(CURLE_COULDNT_RESOLVE_HOST));
}

static struct wqueue *
open_q(const char *name, size_t max)
{
	char	       dir[PATH_MAX], err[256];
	struct wqueue *q;

	snprintf(dir, sizeof(dir), "%s/q/%s", tmpdir, name);
	q = wqueue_open(dir, name, max, 1 << 20, err, sizeof(err));
	if (q == NULL)
		fail_msg("%s", err);
	return q;
}

static void
test_queue(void **state)
{
	struct wqueue	  *q = open_q("one", 100);
	struct wqueue_item it;
	char		   ids[5][WQUEUE_ID_LEN + 1], body[64];

	(void)state;
	assert_int_equal(wqueue_head(q, &it), -1);
	for (int i = 0; i < 5; i++) {
		wqueue_new_id(ids[i]);
		assert_int_equal(strlen(ids[i]), WQUEUE_ID_LEN);
		snprintf(body, sizeof(body), "{\"n\":%d,\"s\":\"\\u00e9\\n\"}",
		    i);
		assert_int_equal(wqueue_push(q, ids[i], "state_changed", "t",
				     1764480000.5 + i, body),
		    0);
	}
	assert_string_not_equal(ids[0], ids[1]);
	/* Not durable yet: nothing to send. */
	assert_int_equal(wqueue_head(q, &it), -1);
	assert_int_equal(wqueue_length(q), 5);
	assert_int_equal(wqueue_sync(q), 0);
	assert_int_equal(wqueue_head(q, &it), 0);
	assert_string_equal(it.id, ids[0]);
	assert_string_equal(it.event, "state_changed");
	assert_string_equal(it.target, "t");
	assert_true(it.created == 1764480000.5);
	assert_string_equal(it.body, "{\"n\":0,\"s\":\"\\u00e9\\n\"}");
	wqueue_item_free(&it);
	/* Not acknowledged: the same head again (a retry). */
	assert_int_equal(wqueue_head(q, &it), 0);
	assert_string_equal(it.id, ids[0]);
	wqueue_item_free(&it);
	assert_int_equal(wqueue_ack(q), 0);
	assert_int_equal(wqueue_head(q, &it), 0);
	assert_string_equal(it.id, ids[1]);
	wqueue_item_free(&it);
	assert_int_equal(wqueue_drop(q), 0); /* given up */
	assert_int_equal(wqueue_length(q), 3);
	assert_int_equal(wqueue_dropped(q), 0);
	wqueue_close(q);

	/* Reopened: the rest, same ids, in order. */
	q = open_q("one", 2);
	assert_int_equal(wqueue_length(q), 3);
	assert_int_equal(wqueue_bound(q), 1);
	assert_int_equal(wqueue_dropped(q), 1);
	assert_int_equal(wqueue_head(q, &it), 0);
	assert_string_equal(it.id, ids[3]);
	wqueue_item_free(&it);
	assert_int_equal(wqueue_ack(q), 0);
	assert_int_equal(wqueue_head(q, &it), 0);
	assert_string_equal(it.id, ids[4]);
	wqueue_item_free(&it);
	assert_int_equal(wqueue_ack(q), 0);
	assert_int_equal(wqueue_head(q, &it), -1);
	assert_int_equal(wqueue_length(q), 0);
	/* Pushed but never synced: written at close. */
	assert_int_equal(wqueue_push(q, ids[0], "test", NULL, 1, "{}"), 0);
	wqueue_close(q);
	q = open_q("one", 2);
	assert_int_equal(wqueue_head(q, &it), 0);
	assert_string_equal(it.target, "");
	wqueue_item_free(&it);
	wqueue_close(q);
}

/* A spool line that checks out but is not an item is dropped. */
static void
test_queue_damaged(void **state)
{
	struct wqueue		*q = open_q("dmg", 100);
	struct wqueue_item	 it;
	char			 id[WQUEUE_ID_LEN + 1];
	static const char *const bad[] = {
	    "{\"id\":\"xyz\",\"event\":\"e\",\"target\":\"\",\"created\":1,"
	    "\"body\":\"{}\"}",
	    "{\"id\":\"0123456789abcdef0123456789abcdef\",\"event\":\"e\","
	    "\"target\":\"\",\"created\":-1,\"body\":\"{}\"}",
	    "{\"id\":\"0123456789abcdef0123456789abcdef\",\"event\":\"e\\u0001"
	    "\",\"target\":\"\",\"created\":1,\"body\":\"{}\"}",
	    "[]",
	};

	(void)state;
	/* The spool takes any JSON text; feed it through a second handle. */
	{
		char	      dir[PATH_MAX], err[256];
		struct spool *sp;

		wqueue_close(q);
		snprintf(dir, sizeof(dir), "%s/q/dmg", tmpdir);
		sp = spool_open(dir, 1 << 20, err, sizeof(err));
		assert_non_null(sp);
		for (size_t i = 0; i < NELEM(bad); i++)
			spool_append(sp, xstrdup(bad[i]));
		spool_close(sp);
		q = open_q("dmg", 100);
	}
	wqueue_new_id(id);
	wqueue_push(q, id, "test", "t", 5, "{\"ok\":1}");
	wqueue_sync(q);
	assert_int_equal(wqueue_head(q, &it), 0);
	assert_string_equal(it.id, id);
	wqueue_item_free(&it);
	wqueue_close(q);
}

static struct alert_event *
event(void)
{
	static struct alert_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = ALERT_STATE_CHANGED;
	ev.target = "web";
	ev.url = "https://web.example/";
	ev.has_family = 1;
	ev.state = STATE_DOWN;
	ev.previous = STATE_UP;
	ev.ts = 1764480000;
	return &ev;
}

static void
test_set(void **state)
{
	struct webhooks	    *ws;
	struct webhook_conf  wc[2];
	struct webhook_stats st;
	struct wqueue	    *q;
	struct wqueue_item   it;
	char		     dir[PATH_MAX], err[256];

	(void)state;
	memset(wc, 0, sizeof(wc));
	for (int i = 0; i < 2; i++) {
		wc[i].name = i == 0 ? "j" : "s";
		wc[i].url = "http://[::1]:9/x";
		wc[i].format = i == 0 ? WEBHOOK_JSON : WEBHOOK_SLACK;
		wc[i].timeout_s = 1;
		wc[i].give_up_s = 60;
		wc[i].retry_min_s = 1;
		wc[i].retry_max_s = 2;
		wc[i].queue_max = 10;
		snprintf(wc[i].secret, sizeof(wc[i].secret), "sec%d", i);
	}
	/* No loop: events are queued, nothing is sent. */
	ws = webhooks_new(NULL, tmpdir);
	assert_int_equal(webhooks_configure(ws, wc, 2, "c1"), 0);
	assert_int_equal(webhooks_count(ws), 2);
	webhooks_event(ws, event());
	webhooks_event(ws, event());
	assert_int_equal(webhooks_sync(ws), 0);
	webhooks_stats(ws, 1, &st);
	assert_string_equal(st.name, "s");
	assert_int_equal(st.queued, 2);
	assert_string_equal(st.last_error, "");
	/* Reload without "s": it stops, its queue stays. */
	assert_int_equal(webhooks_configure(ws, wc, 1, "c1"), 0);
	assert_int_equal(webhooks_count(ws), 1);
	webhooks_event(ws, event());
	webhooks_sync(ws);
	webhooks_stats(ws, 0, &st);
	assert_int_equal(st.queued, 3);
	assert_int_equal(webhooks_configure(ws, wc, 2, "c1"), 0);
	webhooks_stats(ws, 1, &st);
	assert_int_equal(st.queued, 2);
	webhooks_free(ws);

	/* What was queued: the body in each format, signed at send time. */
	snprintf(dir, sizeof(dir), "%s/webhooks/s", tmpdir);
	q = wqueue_open(dir, "s", 10, 1 << 20, err, sizeof(err));
	assert_non_null(q);
	assert_int_equal(wqueue_head(q, &it), 0);
	assert_string_equal(it.event, "state_changed");
	assert_string_equal(it.target, "web");
	assert_non_null(strstr(it.body, "{\"text\":\":red_circle: *web* is"));
	assert_null(strstr(it.body, "sec1"));
	wqueue_item_free(&it);
	wqueue_close(q);
	snprintf(dir, sizeof(dir), "%s/webhooks/j", tmpdir);
	q = wqueue_open(dir, "j", 10, 1 << 20, err, sizeof(err));
	assert_int_equal(wqueue_head(q, &it), 0);
	assert_non_null(strstr(it.body, "{\"event\":\"state_changed\","));
	assert_non_null(strstr(it.body, "\"collector\":\"c1\""));
	wqueue_item_free(&it);
	wqueue_close(q);
}

/* The bodies queued for webhook name, oldest first, joined by "\n--\n"
 * (the queue is emptied). Caller frees. */
static char *
drain(const char *name)
{
	struct wqueue	  *q;
	struct wqueue_item it;
	char		   dir[PATH_MAX], err[256], *all = xstrdup("");

	snprintf(dir, sizeof(dir), "%s/webhooks/%s", tmpdir, name);
	q = wqueue_open(dir, name, 100, 1 << 20, err, sizeof(err));
	assert_non_null(q);
	while (wqueue_head(q, &it) == 0) {
		size_t n = strlen(all) + strlen(it.body) + 8;
		char  *x = xmalloc(n);

		snprintf(x, n, "%s%s%s", all, all[0] ? "\n--\n" : "", it.body);
		free(all);
		all = x;
		wqueue_item_free(&it);
		wqueue_ack(q);
	}
	wqueue_close(q);
	return all;
}

static size_t
count(const char *all)
{
	size_t n = all[0] != '\0';

	for (const char *p = all; (p = strstr(p, "\n--\n")) != NULL; p += 4)
		n++;
	return n;
}

static struct alert_event *
ev_of(enum alert_kind kind, const char *target, const char *group,
    enum family fam, enum state st, double since, double ts)
{
	static struct alert_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.target = target;
	ev.url = "https://t.example/";
	ev.group = group;
	ev.has_family = kind == ALERT_STATE_CHANGED;
	ev.family = fam;
	ev.state = st;
	ev.previous = st == STATE_DOWN ? STATE_UP : STATE_DOWN;
	ev.since = since;
	ev.has_outcome = st == STATE_DOWN;
	ev.outcome = OUTCOME_TIMEOUT;
	ev.probes[0] = "p1";
	ev.probes[1] = "p2";
	ev.nprobes = 2;
	ev.ts = ts;
	return &ev;
}

static void
wconf(struct webhook_conf *c, const char *name, enum webhook_format f)
{
	memset(c, 0, sizeof(*c));
	c->name = (char *)name;
	c->url = "http://[::1]:9/x";
	c->format = f;
	c->timeout_s = 1;
	c->give_up_s = 60;
	c->retry_min_s = 1;
	c->retry_max_s = 2;
	c->queue_max = 100;
	c->resend_s = 60;
	c->site_url = "https://v6.example/site";
}

static char *fam6[] = {"ipv6"}, *grp[] = {"ops"},
	    *evs[] = {"state_changed", "readiness_changed"}, *prb[] = {"p9"};

/* Filters, the readiness default, min_duration and the pairing of a
 * recovery with its problem. */
static void
test_filters(void **state)
{
	struct webhooks	   *ws;
	struct webhook_conf wc[5];
	char		   *b;
	const double	    T = 1764480000;

	(void)state;
	wconf(&wc[0], "f", WEBHOOK_SLACK); /* ipv6, group ops */
	wc[0].families = (struct cfg_strlist){fam6, 1};
	wc[0].groups = (struct cfg_strlist){grp, 1};
	wconf(&wc[1], "m", WEBHOOK_JSON); /* min_duration 300 */
	wc[1].min_duration_s = 300;
	wconf(&wc[2], "e", WEBHOOK_TEAMS); /* readiness asked for */
	wc[2].events = (struct cfg_strlist){evs, 2};
	wconf(&wc[3], "p", WEBHOOK_JSON); /* probe p9 only */
	wc[3].probes = (struct cfg_strlist){prb, 1};
	wconf(&wc[4], "all", WEBHOOK_JSON); /* everything */
	ws = webhooks_new(NULL, tmpdir);
	assert_int_equal(webhooks_configure(ws, wc, 5, "c1"), 0);

	/* web (ops) down over IPv6 for 10 s, then up: m holds it back and
	 * sends neither; f sends both, with the outage's length. */
	webhooks_event(ws,
	    ev_of(ALERT_STATE_CHANGED, "web", "ops", FAMILY_IPV6, STATE_DOWN, T,
		T + 10));
	webhooks_event(ws,
	    ev_of(ALERT_STATE_CHANGED, "web", "ops", FAMILY_IPV4, STATE_DOWN, T,
		T + 10));
	webhooks_event(ws,
	    ev_of(ALERT_STATE_CHANGED, "dev1", "dev", FAMILY_IPV6, STATE_DOWN,
		T, T + 10));
	webhooks_event(ws,
	    ev_of(ALERT_READINESS_CHANGED, "web", "ops", FAMILY_IPV6,
		STATE_DOWN, T, T + 10));
	webhooks_event(ws,
	    ev_of(ALERT_STATE_CHANGED, "web", "ops", FAMILY_IPV6, STATE_UP,
		T + 130, T + 131));
	webhooks_event(ws,
	    ev_of(ALERT_READINESS_CHANGED, "web", "ops", FAMILY_IPV6, STATE_UP,
		T + 130, T + 131));
	/* slow: down 400 s before it was raised: m sends it, and its
	 * recovery. */
	webhooks_event(ws,
	    ev_of(ALERT_STATE_CHANGED, "slow", "ops", FAMILY_IPV6, STATE_DOWN,
		T, T + 400));
	webhooks_event(ws,
	    ev_of(ALERT_STATE_CHANGED, "slow", "ops", FAMILY_IPV6, STATE_UP,
		T + 3900, T + 3901));
	/* A probe's clock ahead of ours: with no min_duration, sent at
	 * once all the same. */
	webhooks_event(ws,
	    ev_of(ALERT_STATE_CHANGED, "ahead", "ops", FAMILY_IPV6, STATE_DOWN,
		T + 500, T + 10));
	assert_int_equal(webhooks_sync(ws), 0);
	webhooks_free(ws);

	b = drain("f");
	assert_int_equal(count(b), 5); /* web down, up; slow down, up; ahead */
	assert_non_null(strstr(b, ":red_circle: *web* is DOWN over IPv6"));
	assert_non_null(strstr(b, "*web* is UP over IPv6 since "));
	assert_non_null(strstr(b, ", after 2 min down"));
	assert_non_null(strstr(b, ", after 1 h 5 min down"));
	assert_non_null(
	    strstr(b, "<https://v6.example/site/t/web.html|Target page>"));
	assert_null(strstr(b, "IPv4"));
	assert_null(strstr(b, "dev1"));
	assert_null(strstr(b, "ready"));
	free(b);
	b = drain("m");
	assert_int_equal(count(b), 2);
	assert_null(strstr(b, "\"target\":\"web\""));
	assert_non_null(strstr(b,
	    "\"target\":\"slow\",\"url\":\"https://t.example/\",\"group\":\"ops\",\"family\":\"ipv6\",\"state\":\"up\""));
	assert_non_null(strstr(b,
	    "\"down_for\":3900.000,\"page\":\"https://v6.example/site/t/slow.html\""));
	free(b);
	b = drain("e");
	/* web v6, v4, dev1, readiness down, up, readiness up; slow x2;
	 * ahead */
	assert_int_equal(count(b), 9);
	assert_non_null(strstr(b, "web is no longer ready for IPv6"));
	assert_non_null(strstr(b, "web is ready again for IPv6"));
	free(b);
	b = drain("p");
	assert_int_equal(count(b), 0);
	free(b);
	b = drain("all");
	assert_int_equal(count(b), 9);
	assert_non_null(strstr(b, "\"target\":\"ahead\""));
	free(b);

	/* The watch file keeps what was sent and not yet recovered: web
	 * over IPv4 and dev1, whose recoveries come after a restart. */
	ws = webhooks_new(NULL, tmpdir);
	assert_int_equal(webhooks_configure(ws, wc, 5, "c1"), 0);
	webhooks_event(ws,
	    ev_of(ALERT_STATE_CHANGED, "dev1", "dev", FAMILY_IPV6, STATE_UP,
		T + 70, T + 71));
	webhooks_sync(ws);
	webhooks_free(ws);
	b = drain("all");
	assert_int_equal(count(b), 1);
	assert_non_null(strstr(b, "\"down_for\":70.000"));
	free(b);
}

/* The bodies of each format, as their services document them. */
static void
test_formats(void **state)
{
	struct alert_event *ev;
	struct alert_msg    m;
	char		   *s;
	cJSON		   *o, *a, *card;

	(void)state;
	setenv("TZ", "UTC", 1);
	ev = ev_of(ALERT_STATE_CHANGED, "a<b>&c", "ops", FAMILY_IPV6,
	    STATE_DOWN, 1764480000, 1764480010);
	snprintf(ev->detail, sizeof(ev->detail), "p1: <timeout> & more");
	memset(&m, 0, sizeof(m));
	m.ev = ev;
	m.collector = "c1";
	m.page_url = "https://v6.example/t/a~3Cb~3E~26c.html?x=\"1\"&y";

	s = alert_msg_telegram(&m, "-100123");
	o = cJSON_Parse(s);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "chat_id")->valuestring,
	    "-100123");
	assert_string_equal(cJSON_GetObjectItem(o, "parse_mode")->valuestring,
	    "HTML");
	assert_string_equal(cJSON_GetObjectItem(o, "text")->valuestring,
	    "\xf0\x9f\x94\xb4 <b>a&lt;b&gt;&amp;c is DOWN over IPv6</b>\n"
	    "Since: 2025-11-30 05:20:00 UTC\nOutcome: timeout\nGroup: ops\n"
	    "URL: https://t.example/\nProbes: p1, p2\n"
	    "Details: p1: &lt;timeout&gt; &amp; more\nCollector: c1\n"
	    "<a href=\"https://v6.example/t/a~3Cb~3E~26c.html?x=&quot;1&quot;"
	    "&amp;y\">Target page</a>");
	cJSON_Delete(o);
	cJSON_free(s);

	s = alert_msg_teams(&m);
	o = cJSON_Parse(s);
	assert_string_equal(cJSON_GetObjectItem(o, "type")->valuestring,
	    "message");
	a = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "attachments"), 0);
	assert_string_equal(cJSON_GetObjectItem(a, "contentType")->valuestring,
	    "application/vnd.microsoft.card.adaptive");
	card = cJSON_GetObjectItem(a, "content");
	assert_string_equal(cJSON_GetObjectItem(card, "type")->valuestring,
	    "AdaptiveCard");
	assert_string_equal(cJSON_GetObjectItem(card, "version")->valuestring,
	    "1.4");
	a = cJSON_GetObjectItem(card, "body");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0),
				"text")
				->valuestring,
	    "a<b>&c is DOWN over IPv6");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 1),
				"type")
				->valuestring,
	    "FactSet");
	assert_null(strstr(s, ":red_circle:"));
	assert_null(strstr(s, "*a"));
	cJSON_Delete(o);
	cJSON_free(s);

	/* Alertmanager: firing without endsAt, resolved with it. */
	m.title = "Portal";
	s = alert_msg_alertmanager(&m, 1);
	assert_string_equal(s,
	    "[{\"labels\":{\"alertname\":\"V6watchTargetDown\","
	    "\"collector\":\"c1\",\"target\":\"a<b>&c\",\"title\":\"Portal\","
	    "\"group\":\"ops\",\"family\":\"ipv6\",\"probes\":\"p1,p2\"},"
	    "\"annotations\":{\"summary\":\"Portal (a<b>&c) is DOWN over "
	    "IPv6\",\"description\":\"Since: 2025-11-30 05:20:00 UTC\\n"
	    "Outcome: timeout\\nGroup: ops\\nURL: https://t.example/\\n"
	    "Probes: p1, p2\\nDetails: p1: <timeout> & more\\nCollector: c1\","
	    "\"page\":\"https://v6.example/t/a~3Cb~3E~26c.html?x=\\\"1\\\"&y\"},"
	    "\"startsAt\":\"2025-11-30T05:20:00.000Z\",\"generatorURL\":"
	    "\"https://v6.example/t/a~3Cb~3E~26c.html?x=\\\"1\\\"&y\"}]");
	cJSON_free(s);
	m.resolved_at = 1764480000 + 90.25;
	s = alert_msg_alertmanager(&m, 1);
	assert_non_null(strstr(s, "\"endsAt\":\"2025-11-30T05:21:30.250Z\""));
	cJSON_free(s);
	unsetenv("TZ");
}

/*
 * The messages in the collector's language and zone (Vietnamese, 14:05
 * in Asia/Ho_Chi_Minh for 07:05 UTC); the machine's fields unchanged.
 */
static void
test_formats_vi(void **state)
{
	struct alert_event *ev;
	struct alert_msg    m;
	char		   *s, err[1024];
	cJSON		   *o;
	const double	    since = 1796540700; /* 2026-12-06 07:05 UTC */

	(void)state;
	if (getenv("V6WATCH_LOCALEDIR") == NULL)
		setenv("V6WATCH_LOCALEDIR", "build/locale", 1);
	assert_int_equal(i18n_set_language("vi", err, sizeof(err)), 0);
	i18n_set_timezone("Asia/Ho_Chi_Minh");
	ev = ev_of(ALERT_STATE_CHANGED, "portal",
	    "S\xe1\xbb\x9f Y t\xe1\xba"
	    "\xbf",
	    FAMILY_IPV6, STATE_DOWN, since, since + 10);
	memset(&m, 0, sizeof(m));
	m.ev = ev;
	m.collector = "thanhhoa";
	m.title = "C\xe1\xbb\x95ng th\xc3\xb4ng tin";
	m.page_url = "https://v6.example/t/portal.html";

	s = alert_msg_telegram(&m, "-100123");
	o = cJSON_Parse(s);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "text")->valuestring,
	    "\xf0\x9f\x94\xb4 <b>C\xe1\xbb\x95ng th\xc3\xb4ng tin (portal) "
	    "NG\xe1\xbb\xaaNG HO\xe1\xba\xa0T \xc4\x90\xe1\xbb\x98NG qua "
	    "IPv6</b>\n"
	    "T\xe1\xbb\xab l\xc3\xba\x63: 06/12/2026 14:05:00 (UTC+0700)\n"
	    "K\xe1\xba\xbft qu\xe1\xba\xa3: h\xe1\xba\xbft th\xe1\xbb\x9di "
	    "gian ch\xe1\xbb\x9d k\xe1\xba\xbft n\xe1\xbb\x91i\n"
	    "Nh\xc3\xb3m: S\xe1\xbb\x9f Y t\xe1\xba\xbf\n"
	    "\xc4\x90\xe1\xbb\x8b\x61 ch\xe1\xbb\x89: https://t.example/\n"
	    "\xc4\x90i\xe1\xbb\x83m \xc4\x91o: p1, p2\n"
	    "M\xc3\xa1y ch\xe1\xbb\xa7 thu th\xe1\xba\xadp: thanhhoa\n"
	    "<a href=\"https://v6.example/t/portal.html\">Trang c\xe1\xbb\xa7"
	    "\x61 d\xe1\xbb\x8b\x63h v\xe1\xbb\xa5</a>");
	cJSON_Delete(o);
	cJSON_free(s);

	s = alert_msg_slack(&m);
	assert_non_null(strstr(s,
	    "*C\xe1\xbb\x95ng th\xc3\xb4ng tin (portal)"
	    "* NG\xe1\xbb\xaaNG HO\xe1\xba\xa0T "
	    "\xc4\x90\xe1\xbb\x98NG qua IPv6 t\xe1\xbb\xab "
	    "06/12/2026 14:05:00 (UTC+0700) (tr\xc6\xb0"
	    "\xe1\xbb\x9b\x63 \xc4\x91\xc3\xb3: "
	    "ho\xe1\xba\xa1t \xc4\x91\xe1\xbb\x99ng)"));
	cJSON_free(s);

	/* Alertmanager: the people's annotations translated, the labels
	 * not. */
	s = alert_msg_alertmanager(&m, 1);
	assert_non_null(strstr(s, "\"alertname\":\"V6watchTargetDown\""));
	assert_non_null(strstr(s, "\"family\":\"ipv6\""));
	assert_non_null(strstr(s,
	    "\"summary\":\"C\xe1\xbb\x95ng th\xc3\xb4ng "
	    "tin (portal) NG\xe1\xbb\xaaNG"));
	assert_non_null(strstr(s, "\"startsAt\":\"2026-12-06T07:05:00.000Z\""));
	cJSON_free(s);

	/* JSON: a machine's. */
	s = alert_msg_json(&m);
	assert_non_null(strstr(s, "\"event\":\"state_changed\""));
	assert_non_null(strstr(s, "\"state\":\"down\",\"previous\":\"up\""));
	assert_non_null(strstr(s, "\"outcome\":\"timeout\""));
	cJSON_free(s);

	/* A recovery after 1 h 5 min; a certificate's days (one plural
	 * form). */
	ev = ev_of(ALERT_STATE_CHANGED, "portal", NULL, FAMILY_IPV6, STATE_UP,
	    since + 3900, since + 3900);
	m.ev = ev;
	m.down_since = since;
	s = alert_msg_teams(&m);
	assert_non_null(strstr(s,
	    "HO\xe1\xba\xa0T \xc4\x90\xe1\xbb\x98NG "
	    "TR\xe1\xbb\x9e L\xe1\xba\xa0I qua IPv6 sau 1 "
	    "gi\xe1\xbb\x9d 5 ph\xc3\xbat gi\xc3\xa1n "
	    "\xc4\x91o\xe1\xba\xa1n"));
	cJSON_free(s);
	ev = ev_of(ALERT_CERT_EXPIRING, "portal", NULL, FAMILY_IPV6, STATE_UP,
	    since, since);
	ev->days_left = 1;
	m.down_since = 0;
	s = alert_msg_teams(&m);
	assert_non_null(strstr(s,
	    "ch\xe1\xbb\xa9ng th\xc6\xb0 s\xe1\xbb\x91 "
	    "h\xe1\xba\xbft h\xe1\xba\xa1n sau 1 "
	    "ng\xc3\xa0y"));
	cJSON_free(s);
	assert_int_equal(i18n_set_language("en", err, sizeof(err)), 0);
	i18n_set_timezone("UTC");
	unsetenv("TZ");
}

static void
test_conf(void **state)
{
	static const char head[] =
	    "collector = { name = \"c\"; };\n"
	    "probes = ( { name = \"p\"; token_file = \"t.token\"; } );\n"
	    "webhooks = ( { name = \"w\"; url = \"https://h.example/x\"; "
	    "secret_file = \"w.secret\"; ";
	struct collector_conf *cc;
	struct cfg	       c;
	char		       p[PATH_MAX], text[2048];

	(void)state;
	snprintf(p, sizeof(p), "%s/t.token", tmpdir);
	file_write_atomic(p, "tok\n", 4, 0600);
	snprintf(p, sizeof(p), "%s/w.secret", tmpdir);
	file_write_atomic(p, "hook-secret\n", 12, 0600);
	snprintf(p, sizeof(p), "%s/c.conf", tmpdir);

	snprintf(text, sizeof(text), "%s} );\n", head);
	file_write_atomic(p, text, strlen(text), 0600);
	cc = collector_conf_load(p, NULL, &c);
	cfg_report(&c);
	cfg_close(&c);
	assert_non_null(cc);
	assert_string_equal(cc->webhooks[0].secret, "hook-secret");
	assert_int_equal(cc->webhooks[0].retry_min_s, 5);
	assert_int_equal(cc->webhooks[0].retry_max_s, 600);
	assert_int_equal(cc->webhooks[0].queue_max, 10000);
	assert_int_equal(cc->webhooks[0].give_up_s, 86400);
	assert_int_equal(cc->webhooks[0].format, WEBHOOK_JSON);
	collector_conf_free(cc);

	snprintf(text, sizeof(text), "%sretry_min = 10; retry_max = 5; } );\n",
	    head);
	file_write_atomic(p, text, strlen(text), 0600);
	cc = collector_conf_load(p, NULL, &c);
	assert_null(cc);
	assert_non_null(strstr(c.errs[0], "retry_max (5) is below retry_min"));
	/* The secret is never quoted. */
	for (size_t i = 0; i < c.nerrs; i++)
		assert_null(strstr(c.errs[i], "hook-secret"));
	cfg_close(&c);
	snprintf(text, sizeof(text), "%squeue_max = 0; } );\n", head);
	file_write_atomic(p, text, strlen(text), 0600);
	cc = collector_conf_load(p, NULL, &c);
	assert_null(cc);
	assert_non_null(strstr(c.errs[0], "queue_max: 0 is out of range"));
	cfg_close(&c);

	/* The new formats and filters. */
	static const struct {
		const char *conf, *err;
	} bad[] = {
	    {"format = \"telegram\"; } );", "chat_id is missing"},
	    {"format = \"telegram\"; chat_id = \"x1\"; } );",
		"chat_id: must be a chat's number"},
	    {"chat_id = \"123\"; } );", "only for format \"telegram\""},
	    {"families = [\"ipv5\"]; } );", "families: 'ipv5' is not one of"},
	    {"events = [\"down\"]; } );", "events: 'down' is not one of"},
	    {"resend_interval = 30; } );", "resend_interval: only for format"},
	    /* hook-secret has no ':': not a bot token */
	    {"format = \"telegram\"; chat_id = \"-1001\"; } );",
		"does not hold a bot token"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int found = 0;

		snprintf(text, sizeof(text), "%s%s\n", head, bad[i].conf);
		file_write_atomic(p, text, strlen(text), 0600);
		cc = collector_conf_load(p, NULL, &c);
		assert_null(cc);
		for (size_t k = 0; k < c.nerrs; k++) {
			found |= strstr(c.errs[k], bad[i].err) != NULL;
			assert_null(strstr(c.errs[k], "hook-secret"));
		}
		if (!found)
			cfg_report(&c);
		assert_true(found);
		cfg_close(&c);
	}
	/* alertmanager needs no secret; the filters load. */
	snprintf(text, sizeof(text),
	    "collector = { name = \"c\"; site_url = \"https://v6.example/\"; };\n"
	    "probes = ( { name = \"p\"; token_file = \"t.token\"; } );\n"
	    "webhooks = ( { name = \"am\"; url = \"http://[::1]:9093/api/v2/alerts\"; "
	    "format = \"alertmanager\"; groups = [\"ops\", \"web\"]; "
	    "families = [\"ipv6\"]; min_duration = 120; } );\n");
	file_write_atomic(p, text, strlen(text), 0600);
	cc = collector_conf_load(p, NULL, &c);
	cfg_report(&c);
	cfg_close(&c);
	assert_non_null(cc);
	assert_int_equal(cc->webhooks[0].format, WEBHOOK_ALERTMANAGER);
	assert_int_equal(cc->webhooks[0].groups.n, 2);
	assert_int_equal(cc->webhooks[0].min_duration_s, 120);
	assert_int_equal(cc->webhooks[0].resend_s, 60);
	assert_string_equal(cc->webhooks[0].site_url, "https://v6.example/");
	collector_conf_free(cc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sign),
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_verdict),
	    cmocka_unit_test(test_queue),
	    cmocka_unit_test(test_queue_damaged),
	    cmocka_unit_test(test_set),
	    cmocka_unit_test(test_filters),
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_formats_vi),
	    cmocka_unit_test(test_conf),
	};

	log_init("test_webhook", 0, 0);
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
