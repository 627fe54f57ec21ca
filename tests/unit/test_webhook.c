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
#include "collector/conf.h"
#include "collector/webhook.h"
#include "collector/webhook_post.h"
#include "collector/wqueue.h"
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
	char		       p[PATH_MAX], text[1024];

	(void)state;
	snprintf(p, sizeof(p), "%s/t.token", tmpdir);
	file_write_atomic(p, "tok\n", 4, 0600);
	snprintf(p, sizeof(p), "%s/w.secret", tmpdir);
	file_write_atomic(p, "hook-secret\n", 12, 0600);
	snprintf(p, sizeof(p), "%s/c.conf", tmpdir);

	snprintf(text, sizeof(text), "%s} );\n", head);
	file_write_atomic(p, text, strlen(text), 0600);
	cc = collector_conf_load(p, &c);
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
	cc = collector_conf_load(p, &c);
	assert_null(cc);
	assert_non_null(strstr(c.errs[0], "retry_max (5) is below retry_min"));
	/* The secret is never quoted. */
	for (size_t i = 0; i < c.nerrs; i++)
		assert_null(strstr(c.errs[i], "hook-secret"));
	cfg_close(&c);
	snprintf(text, sizeof(text), "%squeue_max = 0; } );\n", head);
	file_write_atomic(p, text, strlen(text), 0600);
	cc = collector_conf_load(p, &c);
	assert_null(cc);
	assert_non_null(strstr(c.errs[0], "queue_max: 0 is out of range"));
	cfg_close(&c);
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
	    cmocka_unit_test(test_conf),
	};

	log_init("test_webhook", 0, 0);
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
