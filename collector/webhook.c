/*
 * webhook: per-webhook queue, one delivery at a time, retries with
 * backoff, give-up, reload (see webhook.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "alert.h"
#include "alert_event.h"
#include "conf.h"
#include "ev.h"
#include "httpc.h"
#include "log.h"
#include "util.h"
#include "webhook.h"
#include "webhook_post.h"
#include "wqueue.h"

struct webhook {
	struct webhooks	   *ws;
	char		   *name;
	char		   *url;
	char		   *cacert;
	char		    secret[COLLECTOR_TOKEN_MAX];
	enum webhook_format format;
	int		    timeout_s, give_up_s;
	uint64_t	    retry_min_ms, retry_max_ms;
	struct wqueue	   *q;
	struct webhook_post post;
	struct ev_timer	    timer;
	unsigned	    attempts; /* failed attempts of cur_id */
	char		    cur_id[WQUEUE_ID_LEN + 1];
	char		    cur_event[32];
	uint64_t	    delivered, failed, given_up;
	double		    last_ok, last_error_ts;
	char		    last_error[256];
};

struct webhooks {
	struct ev_loop	*loop;
	struct httpc	*hc;
	char		*dir; /* DATA_DIR/webhooks */
	char		*collector;
	struct webhook **v;
	size_t		 n;
	uint32_t	 rng;
};

uint64_t
webhook_backoff_ms(unsigned attempt, uint64_t min_ms, uint64_t max_ms,
    uint32_t rnd)
{
	uint64_t d = min_ms > 0 ? min_ms : 1, half;

	if (max_ms < d)
		max_ms = d;
	for (unsigned i = 1; i < attempt && d < max_ms; i++)
		d = d > max_ms / 2 ? max_ms : d * 2;
	if (d > max_ms)
		d = max_ms;
	half = d / 2;
	return half + (uint64_t)rnd % (d - half + 1);
}

static uint32_t
webhooks_random(struct webhooks *ws)
{
	/* xorshift32: jitter only, nothing secret. */
	uint32_t x = ws->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return ws->rng = x;
}

struct webhooks *
webhooks_new(struct ev_loop *loop, const char *data_dir)
{
	struct webhooks *ws = xcalloc(1, sizeof(*ws));
	char		 dir[PATH_MAX];

	ws->loop = loop;
	if (loop != NULL && (ws->hc = httpc_new(loop)) == NULL)
		fatalx("webhook: curl_multi_init failed");
	if (snprintf(dir, sizeof(dir), "%s/webhooks", data_dir) >=
	    (int)sizeof(dir))
		fatalx("webhook: data_dir too long");
	ws->dir = xstrdup(dir);
	ws->collector = xstrdup("");
	if (getrandom(&ws->rng, sizeof(ws->rng), GRND_NONBLOCK) !=
		sizeof(ws->rng) ||
	    ws->rng == 0)
		ws->rng = (uint32_t)now_mono_us() | 1;
	return ws;
}

static void
webhook_free(struct webhook *w)
{
	if (w == NULL)
		return;
	webhook_post_cancel(&w->post);
	if (w->ws->loop != NULL)
		ev_timer_disarm(w->ws->loop, &w->timer);
	wqueue_close(w->q);
	OPENSSL_cleanse(w->secret, sizeof(w->secret));
	free(w->name);
	free(w->url);
	free(w->cacert);
	free(w);
}

void
webhooks_free(struct webhooks *ws)
{
	if (ws == NULL)
		return;
	for (size_t i = 0; i < ws->n; i++)
		webhook_free(ws->v[i]);
	free(ws->v);
	httpc_free(ws->hc);
	free(ws->dir);
	free(ws->collector);
	free(ws);
}

static void webhook_attempt(struct webhook *);

static void
webhook_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	(void)loop;
	webhook_attempt(t->arg);
}

/* Attempt again after delay_ms (0: from the loop, at once). */
static void
webhook_schedule(struct webhook *w, uint64_t delay_ms)
{
	if (w->ws->loop != NULL)
		ev_timer_arm(w->ws->loop, &w->timer, delay_ms);
}

static void
webhook_failed(struct webhook *w, const char *why)
{
	uint64_t delay;

	w->failed++;
	w->attempts++;
	snprintf(w->last_error, sizeof(w->last_error), "%s", why);
	w->last_error_ts = now_wall();
	delay = webhook_backoff_ms(w->attempts, w->retry_min_ms,
	    w->retry_max_ms, webhooks_random(w->ws));
	log_warnx("webhook %s: %s delivery %s failed (attempt %u): %s; "
		  "next attempt in %.1f s",
	    w->name, w->cur_event, w->cur_id, w->attempts, why,
	    (double)delay / 1000);
	webhook_schedule(w, delay);
}

static void
webhook_done_cb(struct webhook_post *p, int ok, const char *why, void *arg)
{
	struct webhook *w = arg;

	(void)p;
	if (!ok) {
		webhook_failed(w, why);
		return;
	}
	w->delivered++;
	w->last_ok = now_wall();
	if (w->attempts > 0)
		log_info("webhook %s: %s delivery %s delivered after %u failed "
			 "attempts",
		    w->name, w->cur_event, w->cur_id, w->attempts);
	else
		log_debug("webhook %s: %s delivery %s delivered (%s)", w->name,
		    w->cur_event, w->cur_id, why);
	w->attempts = 0;
	if (wqueue_ack(w->q) == -1)
		log_warnx("webhook %s: cannot mark delivery %s done; it may be "
			  "sent again",
		    w->name, w->cur_id);
	webhook_schedule(w, 0);
}

/* Send the oldest queued item, unless a POST is running already. */
static void
webhook_attempt(struct webhook *w)
{
	struct wqueue_item it;
	struct webhook_req req;
	double		   now = now_wall();
	unsigned	   gave_up = 0;
	int		   have = 0;

	if (w->ws->hc == NULL || webhook_post_active(&w->post))
		return;
	wqueue_bound(w->q);
	while (wqueue_head(w->q, &it) == 0) {
		if (strcmp(it.id, w->cur_id) != 0) {
			memcpy(w->cur_id, it.id, sizeof(w->cur_id));
			snprintf(w->cur_event, sizeof(w->cur_event), "%s",
			    it.event);
			w->attempts = 0;
		}
		if (now - it.created <= w->give_up_s) {
			have = 1;
			break;
		}
		/* A backlog is given up on in one go: a few lines, then a
		 * count. */
		if (gave_up++ < 3)
			log_warnx("webhook %s: gave up on %s delivery %s "
				  "(target %s) queued %.0f s ago, after %u "
				  "failed attempts; last error: %s",
			    w->name, it.event, it.id,
			    it.target[0] ? it.target : "-", now - it.created,
			    w->attempts,
			    w->attempts > 0 ? w->last_error : "none");
		w->given_up++;
		w->attempts = 0;
		wqueue_item_free(&it);
		if (wqueue_drop(w->q) == -1)
			break;
	}
	if (gave_up > 3)
		log_warnx("webhook %s: gave up on %u deliveries older than %d s",
		    w->name, gave_up, w->give_up_s);
	if (!have) {
		w->attempts = 0;
		return;
	}
	memset(&req, 0, sizeof(req));
	req.url = w->url;
	req.secret = w->secret;
	req.event = it.event;
	req.id = it.id;
	req.body = it.body;
	req.body_len = it.body_len;
	req.timeout_s = w->timeout_s;
	req.cacert = w->cacert;
	if (webhook_post_start(&w->post, w->ws->hc, &req, webhook_done_cb, w) ==
	    -1)
		webhook_failed(w, w->post.why);
	wqueue_item_free(&it);
}

static void
webhook_take_conf(struct webhook *w, const struct webhook_conf *c)
{
	free(w->url);
	w->url = xstrdup(c->url);
	free(w->cacert);
	w->cacert = c->cacert != NULL ? xstrdup(c->cacert) : NULL;
	memcpy(w->secret, c->secret, sizeof(w->secret));
	w->format = c->format;
	w->timeout_s = c->timeout_s;
	w->give_up_s = c->give_up_s;
	w->retry_min_ms = (uint64_t)c->retry_min_s * 1000;
	w->retry_max_ms = (uint64_t)c->retry_max_s * 1000;
	wqueue_set_max(w->q, (size_t)c->queue_max);
}

static struct webhook *
webhook_open(struct webhooks *ws, const struct webhook_conf *c)
{
	struct webhook *w = xcalloc(1, sizeof(*w));
	char		dir[PATH_MAX], err[512];
	uint64_t	n;

	w->ws = ws;
	w->name = xstrdup(c->name);
	ev_timer_init(&w->timer, webhook_timer_cb, w);
	if (snprintf(dir, sizeof(dir), "%s/%s", ws->dir, c->name) >=
	    (int)sizeof(dir)) {
		log_warnx("webhook %s: queue path too long", c->name);
		goto fail;
	}
	w->q = wqueue_open(dir, c->name, (size_t)c->queue_max,
	    WEBHOOK_QUEUE_BYTES, err, sizeof(err));
	if (w->q == NULL) {
		log_warnx("webhook %s: cannot open its queue: %s", c->name,
		    err);
		goto fail;
	}
	webhook_take_conf(w, c);
	if ((n = wqueue_length(w->q)) > 0)
		log_info("webhook %s: %llu events queued from before", w->name,
		    (unsigned long long)n);
	return w;
fail:
	webhook_free(w);
	return NULL;
}

int
webhooks_configure(struct webhooks *ws, const struct webhook_conf *cs, size_t n,
    const char *collector_name)
{
	struct webhook **v = xcalloc(n + 1, sizeof(*v));
	size_t		 nv = 0;
	int		 rc = 0;

	free(ws->collector);
	ws->collector = xstrdup(collector_name);
	for (size_t i = 0; i < n; i++) {
		struct webhook *w = NULL;

		for (size_t j = 0; j < ws->n; j++)
			if (ws->v[j] != NULL &&
			    strcmp(ws->v[j]->name, cs[i].name) == 0) {
				w = ws->v[j];
				ws->v[j] = NULL;
				webhook_take_conf(w, &cs[i]);
				break;
			}
		if (w == NULL && (w = webhook_open(ws, &cs[i])) == NULL) {
			rc = -1;
			continue;
		}
		v[nv++] = w;
	}
	for (size_t j = 0; j < ws->n; j++)
		if (ws->v[j] != NULL) {
			log_info("webhook %s: removed; its queue (%llu events) "
				 "stays in %s/%s",
			    ws->v[j]->name,
			    (unsigned long long)wqueue_length(ws->v[j]->q),
			    ws->dir, ws->v[j]->name);
			webhook_free(ws->v[j]);
		}
	free(ws->v);
	ws->v = v;
	ws->n = nv;
	for (size_t i = 0; i < ws->n; i++)
		if (!ev_timer_armed(&ws->v[i]->timer))
			webhook_schedule(ws->v[i], 0);
	return rc;
}

void
webhooks_event(void *arg, const struct alert_event *ev)
{
	struct webhooks *ws = arg;
	char		*json = NULL, *slack = NULL;

	for (size_t i = 0; i < ws->n; i++) {
		struct webhook *w = ws->v[i];
		char		id[WQUEUE_ID_LEN + 1];
		char	       *body;

		if (w->format == WEBHOOK_SLACK)
			body = slack != NULL ?
			    slack :
			    (slack = alert_event_slack(ev, ws->collector));
		else
			body = json != NULL ?
			    json :
			    (json = alert_event_json(ev, ws->collector));
		wqueue_new_id(id);
		if (wqueue_push(w->q, id, alert_kind_name(ev->kind), ev->target,
			ev->ts, body) == -1)
			log_warnx("webhook %s: cannot queue a %s event",
			    w->name, alert_kind_name(ev->kind));
	}
	cJSON_free(json);
	cJSON_free(slack);
}

int
webhooks_sync(struct webhooks *ws)
{
	int rc = 0;

	for (size_t i = 0; i < ws->n; i++) {
		struct webhook *w = ws->v[i];

		if (wqueue_sync(w->q) == -1)
			rc = -1;
		if (!webhook_post_active(&w->post) &&
		    !ev_timer_armed(&w->timer))
			webhook_schedule(w, 0);
	}
	return rc;
}

size_t
webhooks_count(const struct webhooks *ws)
{
	return ws->n;
}

void
webhooks_stats(const struct webhooks *ws, size_t i, struct webhook_stats *st)
{
	const struct webhook *w = ws->v[i];

	memset(st, 0, sizeof(*st));
	st->name = w->name;
	st->queued = wqueue_length(w->q);
	st->delivered = w->delivered;
	st->failed = w->failed;
	st->given_up = w->given_up;
	st->dropped = wqueue_dropped(w->q);
	st->attempts = w->attempts;
	st->last_ok = w->last_ok;
	st->last_error_ts = w->last_error_ts;
	st->last_error = w->last_error;
}
