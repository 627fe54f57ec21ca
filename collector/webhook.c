/*
 * webhook: per-webhook queue, one delivery at a time, retries with
 * backoff, give-up, reload (see webhook.h).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
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
#include "result.h"
#include "publish/site.h"
#include "util.h"
#include "webhook.h"
#include "webhook_post.h"
#include "wqueue.h"

/*
 * A problem (down, not ready) of one target x family that passed this
 * webhook's filters: held back until it lasted min_duration, then sent
 * (sent = 1). Kept until its recovery, which is sent only if the problem
 * was, with how long it lasted; alertmanager re-sends the sent ones.
 */
struct watch {
	enum alert_kind kind;
	char		target[RESULT_NAME_MAX];
	int		has_family;
	enum family	family;
	char	       *url, *group;
	double		since, ts;
	int		has_outcome;
	enum outcome	outcome;
	char	       *probes[ALERT_PROBES_MAX];
	size_t		nprobes;
	char		detail[ALERT_DETAIL_MAX];
	int		sent;
};

/* Problems watched per webhook at most (then the oldest unsent go). */
#define WEBHOOK_WATCH_MAX 100000

struct webhook {
	struct webhooks	   *ws;
	char		   *name;
	char		   *url; /* telegram: holds the bot token */
	char		   *cacert;
	char		    secret[COLLECTOR_TOKEN_MAX];
	enum webhook_format format;
	int		    timeout_s, give_up_s;
	uint64_t	    retry_min_ms, retry_max_ms;
	char		   *chat_id;
	char		   *site_url;
	struct cfg_strlist  groups, families, events, probes;
	int		    min_duration_s, resend_s;
	struct watch	  **watch;
	size_t		    nwatch;
	int		    watch_dirty;
	char		   *watch_path; /* DATA_DIR/webhooks/NAME.watch */
	struct ev_timer	    hold_timer, resend_timer;
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
	/* A target's title, NULL when it has none (NULL: no titles). */
	const char *(*title_fn)(void *arg, const char *target);
	void *title_arg;
};

void
webhooks_set_titles(struct webhooks *ws,
    const char *(*fn)(void *arg, const char *target), void *arg)
{
	ws->title_fn = fn;
	ws->title_arg = arg;
}

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

static void
strlist_free(struct cfg_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
strlist_copy(struct cfg_strlist *dst, const struct cfg_strlist *src)
{
	strlist_free(dst);
	if (src->n == 0)
		return;
	dst->v = xcalloc(src->n, sizeof(char *));
	for (size_t i = 0; i < src->n; i++)
		dst->v[i] = xstrdup(src->v[i]);
	dst->n = src->n;
}

/* 1 when s is in l, or l is empty (no filter). */
static int
strlist_lets(const struct cfg_strlist *l, const char *s)
{
	if (l->n == 0)
		return 1;
	for (size_t i = 0; s != NULL && i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

static void
watch_free(struct watch *x)
{
	if (x == NULL)
		return;
	free(x->url);
	free(x->group);
	for (size_t i = 0; i < x->nprobes; i++)
		free(x->probes[i]);
	free(x);
}

static void
watch_fill(struct watch *x, const struct alert_event *ev)
{
	free(x->url);
	free(x->group);
	for (size_t i = 0; i < x->nprobes; i++)
		free(x->probes[i]);
	x->kind = ev->kind;
	snprintf(x->target, sizeof(x->target), "%s",
	    ev->target != NULL ? ev->target : "");
	x->has_family = ev->has_family;
	x->family = ev->family;
	x->url = ev->url != NULL ? xstrdup(ev->url) : NULL;
	x->group = ev->group != NULL ? xstrdup(ev->group) : NULL;
	x->since = ev->since;
	x->ts = ev->ts;
	x->has_outcome = ev->has_outcome;
	x->outcome = ev->outcome;
	x->nprobes =
	    ev->nprobes < ALERT_PROBES_MAX ? ev->nprobes : ALERT_PROBES_MAX;
	for (size_t i = 0; i < x->nprobes; i++)
		x->probes[i] = xstrdup(ev->probes[i]);
	snprintf(x->detail, sizeof(x->detail), "%s", ev->detail);
}

/* The problem event x stands for (pointers into x). */
static void
watch_event(const struct watch *x, struct alert_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = x->kind;
	ev->target = x->target;
	ev->url = x->url;
	ev->group = x->group;
	ev->has_family = x->has_family;
	ev->family = x->family;
	ev->state = STATE_DOWN;
	ev->previous = STATE_UP;
	ev->since = x->since;
	ev->has_outcome = x->has_outcome;
	ev->outcome = x->outcome;
	for (size_t i = 0; i < x->nprobes; i++)
		ev->probes[i] = x->probes[i];
	ev->nprobes = x->nprobes;
	snprintf(ev->detail, sizeof(ev->detail), "%s", x->detail);
	ev->ts = x->ts;
}

/* When the problem began, as far as holding it back goes: a probe's clock
 * ahead of ours does not make it wait longer. */
static double
watch_start(const struct watch *x)
{
	return x->since < x->ts ? x->since : x->ts;
}

static size_t
watch_find(const struct webhook *w, const struct alert_event *ev)
{
	for (size_t i = 0; i < w->nwatch; i++) {
		const struct watch *x = w->watch[i];

		if (x->kind == ev->kind && ev->target != NULL &&
		    strcmp(x->target, ev->target) == 0 &&
		    x->has_family == ev->has_family &&
		    (!x->has_family || x->family == ev->family))
			return i;
	}
	return SIZE_MAX;
}

static void
watch_remove(struct webhook *w, size_t i)
{
	watch_free(w->watch[i]);
	memmove(&w->watch[i], &w->watch[i + 1],
	    (w->nwatch - i - 1) * sizeof(*w->watch));
	w->nwatch--;
	w->watch_dirty = 1;
}

/* The watch file: [{"kind","target","family","url","group","since",
 * "ts","outcome","probes","detail","sent"}]. */
static int
watch_save(struct webhook *w)
{
	cJSON *arr = cJSON_CreateArray(), *o, *p;
	char  *text;
	int    rc;

	for (size_t i = 0; i < w->nwatch; i++) {
		const struct watch *x = w->watch[i];

		cJSON_AddItemToArray(arr, o = cJSON_CreateObject());
		cJSON_AddStringToObject(o, "kind", alert_kind_name(x->kind));
		cJSON_AddStringToObject(o, "target", x->target);
		if (x->has_family)
			cJSON_AddStringToObject(o, "family",
			    family_name(x->family));
		if (x->url != NULL)
			cJSON_AddStringToObject(o, "url", x->url);
		if (x->group != NULL)
			cJSON_AddStringToObject(o, "group", x->group);
		cJSON_AddNumberToObject(o, "since", x->since);
		cJSON_AddNumberToObject(o, "ts", x->ts);
		if (x->has_outcome)
			cJSON_AddStringToObject(o, "outcome",
			    outcome_name(x->outcome));
		p = cJSON_AddArrayToObject(o, "probes");
		for (size_t k = 0; k < x->nprobes; k++)
			cJSON_AddItemToArray(p,
			    cJSON_CreateString(x->probes[k]));
		cJSON_AddStringToObject(o, "detail", x->detail);
		cJSON_AddBoolToObject(o, "sent", x->sent);
	}
	text = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	if (text == NULL)
		fatalx("webhook: out of memory");
	rc = file_write_atomic(w->watch_path, text, strlen(text), 0600);
	cJSON_free(text);
	if (rc == -1)
		log_warn("webhook %s: cannot write %s", w->name, w->watch_path);
	else
		w->watch_dirty = 0;
	return rc;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
watch_load(struct webhook *w)
{
	char	    *text = NULL, err[128];
	size_t	     len;
	cJSON	    *arr, *o;
	struct stat *st = NULL;

	if (file_read_regular(w->watch_path, 64 * 1024 * 1024, &text, &len, st,
		err, sizeof(err)) == -1) {
		if (errno != ENOENT)
			log_warnx(
			    "webhook %s: %s: %s; the problems it was told of are forgotten (their recoveries will not be sent)",
			    w->name, w->watch_path, err);
		return;
	}
	arr = json_parse_strict(text, len, err, sizeof(err));
	free(text);
	if (!cJSON_IsArray(arr)) {
		log_warnx(
		    "webhook %s: %s does not decode (%s); the problems it was told of are forgotten",
		    w->name, w->watch_path, arr == NULL ? err : "not a list");
		cJSON_Delete(arr);
		return;
	}
	cJSON_ArrayForEach(o, arr)
	{
		struct alert_event ev;
		const cJSON	  *p, *e;
		const char	  *kind = jstr(o, "kind"), *fam, *out;
		int		   k;

		if (w->nwatch >= WEBHOOK_WATCH_MAX)
			break;
		memset(&ev, 0, sizeof(ev));
		for (k = 0; k < ALERT__N; k++)
			if (kind != NULL &&
			    strcmp(kind, alert_kind_name((enum alert_kind)k)) ==
				0)
				break;
		ev.target = jstr(o, "target");
		if (k == ALERT__N || ev.target == NULL)
			continue;
		ev.kind = (enum alert_kind)k;
		if ((fam = jstr(o, "family")) != NULL &&
		    family_from_name(fam) >= 0) {
			ev.has_family = 1;
			ev.family = (enum family)family_from_name(fam);
		}
		ev.url = jstr(o, "url");
		ev.group = jstr(o, "group");
		e = cJSON_GetObjectItemCaseSensitive(o, "since");
		ev.since = cJSON_IsNumber(e) ? e->valuedouble : 0;
		e = cJSON_GetObjectItemCaseSensitive(o, "ts");
		ev.ts = cJSON_IsNumber(e) ? e->valuedouble : 0;
		if ((out = jstr(o, "outcome")) != NULL &&
		    outcome_from_name(out) >= 0) {
			ev.has_outcome = 1;
			ev.outcome = (enum outcome)outcome_from_name(out);
		}
		p = cJSON_GetObjectItemCaseSensitive(o, "probes");
		cJSON_ArrayForEach(e,
		    p) if (cJSON_IsString(e) && ev.nprobes < ALERT_PROBES_MAX)
		    ev.probes[ev.nprobes++] = e->valuestring;
		if (jstr(o, "detail") != NULL)
			snprintf(ev.detail, sizeof(ev.detail), "%s",
			    jstr(o, "detail"));
		w->watch =
		    xreallocarray(w->watch, w->nwatch + 1, sizeof(*w->watch));
		w->watch[w->nwatch] = xcalloc(1, sizeof(struct watch));
		watch_fill(w->watch[w->nwatch], &ev);
		w->watch[w->nwatch]->sent =
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "sent"));
		w->nwatch++;
	}
	cJSON_Delete(arr);
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
	if (w->ws->loop != NULL) {
		ev_timer_disarm(w->ws->loop, &w->timer);
		ev_timer_disarm(w->ws->loop, &w->hold_timer);
		ev_timer_disarm(w->ws->loop, &w->resend_timer);
	}
	if (w->watch_dirty && w->watch_path != NULL)
		watch_save(w);
	for (size_t i = 0; i < w->nwatch; i++)
		watch_free(w->watch[i]);
	free(w->watch);
	free(w->watch_path);
	wqueue_close(w->q);
	OPENSSL_cleanse(w->secret, sizeof(w->secret));
	if (w->url != NULL)
		OPENSSL_cleanse(w->url, strlen(w->url));
	free(w->name);
	free(w->url);
	free(w->cacert);
	free(w->chat_id);
	free(w->site_url);
	strlist_free(&w->groups);
	strlist_free(&w->families);
	strlist_free(&w->events);
	strlist_free(&w->probes);
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
	log_warnx(
	    "webhook %s: %s delivery %s failed (attempt %u): %s; next attempt in %.1f s",
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
		log_info("webhook %s: %s delivery %s delivered after %u failed attempts",
		    w->name, w->cur_event, w->cur_id, w->attempts);
	else
		log_debug("webhook %s: %s delivery %s delivered (%s)", w->name,
		    w->cur_event, w->cur_id, why);
	w->attempts = 0;
	if (wqueue_ack(w->q) == -1)
		log_warnx(
		    "webhook %s: cannot mark delivery %s done; it may be sent again",
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
			log_warnx(
			    "webhook %s: gave up on %s delivery %s (target %s) queued %.0f s ago, after %u failed attempts; last error: %s",
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
	/* A bot token signs nothing: it is Telegram's credential. */
	req.secret = w->format == WEBHOOK_TELEGRAM ? NULL : w->secret;
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

char *
webhook_conf_url(const struct webhook_conf *c)
{
	const char *base;
	size_t	    bl, n;
	char	   *url;

	if (c->format != WEBHOOK_TELEGRAM)
		return xstrdup(c->url != NULL ? c->url : "");
	/* BASE/bot<TOKEN>/sendMessage: never logged (webhook_post hides a
	 * URL's path). */
	base = c->url != NULL ? c->url : WEBHOOK_TELEGRAM_URL;
	bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	n = bl + strlen(c->secret) + sizeof("/bot/sendMessage");
	url = xmalloc(n);
	snprintf(url, n, "%.*s/bot%s/sendMessage", (int)bl, base, c->secret);
	return url;
}

static void webhook_hold_arm(struct webhook *);
static void webhook_resend_arm(struct webhook *);
static void webhook_hold_cb(struct ev_loop *, struct ev_timer *);
static void webhook_resend_cb(struct ev_loop *, struct ev_timer *);

static void
webhook_take_conf(struct webhook *w, const struct webhook_conf *c)
{
	if (w->url != NULL)
		OPENSSL_cleanse(w->url, strlen(w->url));
	free(w->url);
	w->url = webhook_conf_url(c);
	free(w->chat_id);
	w->chat_id = c->chat_id != NULL ? xstrdup(c->chat_id) : NULL;
	free(w->site_url);
	w->site_url = c->site_url != NULL ? xstrdup(c->site_url) : NULL;
	strlist_copy(&w->groups, &c->groups);
	strlist_copy(&w->families, &c->families);
	strlist_copy(&w->events, &c->events);
	strlist_copy(&w->probes, &c->probes);
	w->min_duration_s = c->min_duration_s;
	w->resend_s = c->resend_s > 0 ? c->resend_s : 60;
	free(w->cacert);
	w->cacert = c->cacert != NULL ? xstrdup(c->cacert) : NULL;
	memcpy(w->secret, c->secret, sizeof(w->secret));
	w->format = c->format;
	w->timeout_s = c->timeout_s;
	w->give_up_s = c->give_up_s;
	w->retry_min_ms = (uint64_t)c->retry_min_s * 1000;
	w->retry_max_ms = (uint64_t)c->retry_max_s * 1000;
	wqueue_set_max(w->q, (size_t)c->queue_max);
	webhook_hold_arm(w);
	webhook_resend_arm(w);
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
	ev_timer_init(&w->hold_timer, webhook_hold_cb, w);
	ev_timer_init(&w->resend_timer, webhook_resend_cb, w);
	if (snprintf(dir, sizeof(dir), "%s/%s.watch", ws->dir, c->name) >=
	    (int)sizeof(dir)) {
		log_warnx("webhook %s: queue path too long", c->name);
		goto fail;
	}
	w->watch_path = xstrdup(dir);
	watch_load(w);
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
			log_info("webhook %s: removed; its queue (%llu events) stays in %s/%s",
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

/* The target's page on the published site into buf; NULL when none. */
static const char *
webhook_page(const struct webhook *w, const char *target, char *buf,
    size_t size)
{
	char   slug[SITE_SLUG_MAX];
	size_t n;

	if (w->site_url == NULL || target == NULL ||
	    site_slug(target, slug, sizeof(slug)) == -1)
		return NULL;
	n = strlen(w->site_url);
	if (snprintf(buf, size, "%s%st/%s.html", w->site_url,
		n > 0 && w->site_url[n - 1] == '/' ? "" : "/",
		slug) >= (int)size)
		return NULL;
	return buf;
}

/*
 * The body of ev in w's format. down_since: when the outage a recovery
 * ends began (0 unknown); problem: for alertmanager, the problem a
 * recovery resolves (its labels), NULL to use ev. Caller frees with
 * cJSON_free().
 */
static char *
webhook_render(const struct webhook *w, const struct alert_event *ev,
    double down_since, const struct alert_event *problem)
{
	struct alert_msg m;
	char		 page[2048];

	memset(&m, 0, sizeof(m));
	m.ev = ev;
	m.collector = w->ws->collector;
	m.page_url = webhook_page(w, ev->target, page, sizeof(page));
	if (ev->target != NULL && w->ws->title_fn != NULL)
		m.title = w->ws->title_fn(w->ws->title_arg, ev->target);
	m.down_since = down_since;
	switch (w->format) {
	case WEBHOOK_SLACK:
		return alert_msg_slack(&m);
	case WEBHOOK_TELEGRAM:
		return alert_msg_telegram(&m, w->chat_id);
	case WEBHOOK_TEAMS:
		return alert_msg_teams(&m);
	case WEBHOOK_ALERTMANAGER:
		if (alert_event_phase(ev) == 2) {
			/* A recovery resolves the alert of its problem. */
			m.resolved_at = ev->since;
			if (problem != NULL)
				m.ev = problem;
		}
		return alert_msg_alertmanager(&m, 1);
	default:
		return alert_msg_json(&m);
	}
}

static void
webhook_push(struct webhook *w, const char *event, const char *target,
    double ts, const char *body)
{
	char id[WQUEUE_ID_LEN + 1];

	wqueue_new_id(id);
	if (wqueue_push(w->q, id, event, target != NULL ? target : "", ts,
		body) == -1)
		log_warnx("webhook %s: cannot queue a %s event", w->name,
		    event);
}

/* Queue ev as rendered for w. */
static void
webhook_queue(struct webhook *w, const struct alert_event *ev,
    double down_since, const struct alert_event *problem)
{
	char *body = webhook_render(w, ev, down_since, problem);

	webhook_push(w, alert_kind_name(ev->kind), ev->target, ev->ts, body);
	cJSON_free(body);
}

/* Does w take ev (its filters; readiness only when listed)? */
static int
webhook_wants(const struct webhook *w, const struct alert_event *ev)
{
	int any = 0;

	if (ev->kind == ALERT_TEST)
		return 1;
	if (w->events.n > 0) {
		if (!strlist_lets(&w->events, alert_kind_name(ev->kind)))
			return 0;
	} else if (ev->kind == ALERT_READINESS_CHANGED &&
	    w->format != WEBHOOK_JSON)
		/* For people, a recovery is one message: state_changed
		 * says it; readiness_changed only when asked for. */
		return 0;
	if (w->groups.n > 0 &&
	    (ev->group == NULL || !strlist_lets(&w->groups, ev->group)))
		return 0;
	if (w->families.n > 0 && ev->has_family &&
	    !strlist_lets(&w->families, family_name(ev->family)))
		return 0;
	if (w->probes.n > 0) {
		for (size_t i = 0; i < ev->nprobes && !any; i++)
			any = strlist_lets(&w->probes, ev->probes[i]);
		if (!any)
			return 0;
	}
	return 1;
}

/* Send x (held until now), as the problem it stands for. */
static void
webhook_send_watch(struct webhook *w, struct watch *x)
{
	struct alert_event ev;

	watch_event(x, &ev);
	webhook_queue(w, &ev, 0, NULL);
	x->sent = 1;
	w->watch_dirty = 1;
}

/* Send the held problems that have lasted min_duration; arm for the next. */
static void
webhook_hold_check(struct webhook *w, double now)
{
	int sent = 0;

	for (size_t i = 0; i < w->nwatch; i++) {
		struct watch *x = w->watch[i];

		if (!x->sent && now - watch_start(x) >= w->min_duration_s) {
			webhook_send_watch(w, x);
			sent = 1;
		}
	}
	if (sent)
		webhooks_sync(w->ws);
	webhook_hold_arm(w);
}

static void
webhook_hold_cb(struct ev_loop *loop, struct ev_timer *t)
{
	(void)loop;
	webhook_hold_check(t->arg, now_wall());
}

static void
webhook_hold_arm(struct webhook *w)
{
	double next = 0, now = now_wall(), d;

	if (w->ws->loop == NULL)
		return;
	for (size_t i = 0; i < w->nwatch; i++)
		if (!w->watch[i]->sent &&
		    (next == 0 ||
			watch_start(w->watch[i]) + w->min_duration_s < next))
			next = watch_start(w->watch[i]) + w->min_duration_s;
	if (next == 0) {
		ev_timer_disarm(w->ws->loop, &w->hold_timer);
		return;
	}
	d = next > now ? ceil((next - now) * 1000) : 0;
	ev_timer_arm(w->ws->loop, &w->hold_timer, (uint64_t)d);
}

/*
 * Alertmanager forgets a firing alert not sent again within its
 * resolve_timeout: every resend_interval, the problems sent and not yet
 * recovered go again, when nothing is waiting in the queue (then the
 * queue's own delivery says as much).
 */
static void
webhook_resend_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct webhook	   *w = t->arg;
	struct alert_msg   *m;
	struct alert_event *evs;
	char		    page[2048], *body;
	size_t		    n = 0;

	(void)loop;
	webhook_resend_arm(w);
	if (wqueue_length(w->q) > 0 || webhook_post_active(&w->post))
		return;
	m = xcalloc(w->nwatch + 1, sizeof(*m));
	evs = xcalloc(w->nwatch + 1, sizeof(*evs));
	for (size_t i = 0; i < w->nwatch; i++) {
		if (!w->watch[i]->sent)
			continue;
		watch_event(w->watch[i], &evs[n]);
		m[n].ev = &evs[n];
		m[n].collector = w->ws->collector;
		/* page differs per target: rendered one at a time below */
		n++;
	}
	if (n > 0) {
		cJSON *arr = cJSON_CreateArray();
		char  *one;

		for (size_t i = 0; i < n; i++) {
			cJSON *a;

			m[i].page_url =
			    webhook_page(w, evs[i].target, page, sizeof(page));
			one = alert_msg_alertmanager(&m[i], 1);
			a = cJSON_Parse(one);
			cJSON_free(one);
			if (a != NULL && cJSON_GetArraySize(a) == 1)
				cJSON_AddItemToArray(arr,
				    cJSON_DetachItemFromArray(a, 0));
			cJSON_Delete(a);
		}
		body = cJSON_PrintUnformatted(arr);
		cJSON_Delete(arr);
		if (body == NULL)
			fatalx("webhook: out of memory");
		webhook_push(w, "resend", NULL, now_wall(), body);
		cJSON_free(body);
		log_debug("webhook %s: %zu firing alerts sent again", w->name,
		    n);
		webhooks_sync(w->ws);
	}
	free(m);
	free(evs);
}

static void
webhook_resend_arm(struct webhook *w)
{
	if (w->ws->loop == NULL)
		return;
	if (w->format != WEBHOOK_ALERTMANAGER) {
		ev_timer_disarm(w->ws->loop, &w->resend_timer);
		return;
	}
	ev_timer_arm(w->ws->loop, &w->resend_timer,
	    (uint64_t)w->resend_s * 1000);
}

static void
webhook_event(struct webhook *w, const struct alert_event *ev)
{
	struct alert_event problem;
	struct watch	  *x;
	size_t		   i;

	switch (alert_event_phase(ev)) {
	case 1:
		if (!webhook_wants(w, ev))
			return;
		if ((i = watch_find(w, ev)) == SIZE_MAX) {
			if (w->nwatch >= WEBHOOK_WATCH_MAX) {
				log_warnx(
				    "webhook %s: more than %d problems at once; %s of %s not watched",
				    w->name, WEBHOOK_WATCH_MAX,
				    alert_kind_name(ev->kind), ev->target);
				return;
			}
			w->watch = xreallocarray(w->watch, w->nwatch + 1,
			    sizeof(*w->watch));
			i = w->nwatch++;
			w->watch[i] = xcalloc(1, sizeof(struct watch));
		}
		x = w->watch[i];
		watch_fill(x, ev);
		x->sent = 0;
		w->watch_dirty = 1;
		if (w->min_duration_s == 0 ||
		    ev->ts - watch_start(x) >= w->min_duration_s) {
			webhook_queue(w, ev, 0, NULL);
			x->sent = 1;
		} else
			webhook_hold_arm(w);
		return;
	case 2:
		if ((i = watch_find(w, ev)) != SIZE_MAX) {
			x = w->watch[i];
			if (x->sent) {
				watch_event(x, &problem);
				webhook_queue(w, ev, x->since, &problem);
			}
			watch_remove(w, i);
			webhook_hold_arm(w);
			return;
		}
		/* Not watched (a queue from an older version, a webhook
		 * added since): with nothing held back, it still goes. */
		if (w->min_duration_s == 0 && webhook_wants(w, ev))
			webhook_queue(w, ev, 0, NULL);
		return;
	default:
		if (webhook_wants(w, ev))
			webhook_queue(w, ev, 0, NULL);
	}
}

void
webhooks_event(void *arg, const struct alert_event *ev)
{
	struct webhooks *ws = arg;

	for (size_t i = 0; i < ws->n; i++)
		webhook_event(ws->v[i], ev);
}

int
webhooks_sync(struct webhooks *ws)
{
	int rc = 0;

	for (size_t i = 0; i < ws->n; i++) {
		struct webhook *w = ws->v[i];

		if (wqueue_sync(w->q) == -1)
			rc = -1;
		if (w->watch_dirty && watch_save(w) == -1)
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
