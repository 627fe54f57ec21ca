/*
 * check: the engine -- the queue of targets, a check's start (its legs,
 * check_leg.c, and the zone's name-server check, check_dns.c), its end
 * once every part is done (the families compared), the hand-over of the
 * report, and the engine's shared state: resolver, TLS context (see
 * check.h).
 *
 * Ownership: the engine owns every struct check; a check owns its legs,
 * their TCP connects and their connection's exchange (check_http.h), which
 * owns the socket and the SSL once connected. A check is freed only when
 * no leg, connect, exchange or DNS query still refers to it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "check_dns.h"
#include "check_int.h"
#include "ev.h"
#include "log.h"
#include "outcome.h"
#include "resolv.h"
#include "trust.h"
#include "util.h"

_Static_assert(CHECK_EXPECT_BODY_MAX == HX_FIND_MAX,
    "expect_body's bound is the finder's");

/* checks */

static void
check_free(struct check *c)
{
	for (int f = 0; f < FAMILY__N; f++) {
		leg_free(&c->leg[f]);
	}
	ev_timer_disarm(c->e->loop, &c->finish);
	dns_zone_release(c->rep.dns);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->e->running = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	free(c);
}

/* Port 80 of family f: ok when every address tried answered, else the
 * first failure in address order; 0 when no address was tried. */
static int
check_http80_of(const struct leg *l, enum outcome *oc)
{
	int tried = 0;

	*oc = OUTCOME_OK;
	for (size_t i = 0; i < l->nh80; i++) {
		if (!l->h80[i].started)
			continue;
		if (tried++ == 0 || *oc == OUTCOME_OK)
			*oc = l->h80[i].oc;
	}
	return tried > 0;
}

static void
check_fill(struct check *c)
{
	struct check_engine *e = c->e;
	struct check_report *rep = &c->rep;
	struct compare_in    in;
	double		     ts = now_wall() - since_ms(c->start_us) / 1000.0;

	memset(&in, 0, sizeof(in));
	for (int f = 0; f < FAMILY__N; f++) {
		struct result *r = &rep->r[f];

		if (!rep->checked[f])
			continue;
		snprintf(r->probe, sizeof(r->probe), "%s", e->o.probe);
		snprintf(r->target, sizeof(r->target), "%s", c->t->name);
		if (c->t->group != NULL)
			snprintf(r->group, sizeof(r->group), "%s", c->t->group);
		snprintf(r->url, sizeof(r->url), "%s", c->t->url);
		r->family = f;
		r->ts = (double)(long long)(ts * 1000) / 1000.0;
	}
	in.v6 = rep->checked[FAMILY_IPV6] ? &rep->r[FAMILY_IPV6] : NULL;
	in.v4 = rep->checked[FAMILY_IPV4] ? &rep->r[FAMILY_IPV4] : NULL;
	in.sk6 =
	    in.v6 != NULL && in.v6->has_http ? &rep->sk[FAMILY_IPV6] : NULL;
	in.sk4 =
	    in.v4 != NULL && in.v4->has_http ? &rep->sk[FAMILY_IPV4] : NULL;
	for (int f = 0; f < FAMILY__N; f++)
		if (rep->checked[f])
			in.http80.checked[f] =
			    check_http80_of(&c->leg[f], &in.http80.oc[f]);
	in.warn_days = e->o.warn_days;
	in.is_https = c->u0.https;
	in.is_ip_literal = c->u0_ok && c->u0.literal_af != 0;
	if (rep->dns != NULL && rep->dns->zone != NULL) {
		in.ns.checked = 1;
		dns_zone_counts(rep->dns, &in.ns.total, &in.ns.with_aaaa,
		    &in.ns.v6_ok, &in.ns.all_v6_ok);
	}
	compare_run(&in, &rep->cmp);
	for (int f = 0; f < FAMILY__N; f++) {
		rep->r[f].warnings |= rep->cmp.warn[f];
		rep->r[f].ready = rep->cmp.ready;
		rep->r[f].score = rep->cmp.score;
		for (int g = 0; g < FAMILY__N; g++) {
			rep->r[f].has_http80[g] = in.http80.checked[g];
			rep->r[f].http80[g] = in.http80.oc[g];
		}
	}
}

static struct check *check_new(struct check_engine *, struct check_target *);
static void	     check_finish_cb(struct ev_loop *, struct ev_timer *);
static void	     check_start(struct check *);

static void
engine_pump(struct check_engine *e)
{
	while (e->qhead != NULL && e->ninflight < (size_t)e->o.concurrency) {
		struct check_target *t = e->qhead;

		e->qhead = t->qnext;
		if (e->qhead == NULL)
			e->qtail = &e->qhead;
		t->qnext = NULL;
		e->nqueued--;
		if (++e->ninflight > e->maxinflight)
			e->maxinflight = e->ninflight;
		check_start(check_new(e, t));
	}
}

/* Runs from the loop, so no caller ever sees its check freed under it. */
static void
check_finish_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct check	    *c = t->arg;
	struct check_engine *e = c->e;

	(void)loop;
	check_fill(c);
	c->t->running = 0;
	e->ninflight--;
	e->done(&c->rep, e->arg);
	check_free(c);
	engine_pump(e);
}

void
check_maybe_done(struct check *c)
{
	if (c->legs_running > 0 || c->dns_waiting || ev_timer_armed(&c->finish))
		return;
	ev_timer_arm(c->e->loop, &c->finish, 0);
}

static void
check_dns_cb(struct dns_zone *z, void *arg)
{
	struct check *c = arg;

	c->rep.dns = z;
	c->dns_waiting = 0;
	check_maybe_done(c);
}

static void
check_start(struct check *c)
{
	struct check_engine *e = c->e;
	enum outcome	     oc = OUTCOME_ERROR;
	char		     err[RESULT_ERROR_MAX];
	int		     ok;

	c->start_us = now_mono_us();
	c->rep.start_ms = c->start_us / 1000;
	ok = url_parse(c->t->url, &c->u0, &oc, err, sizeof(err)) == 0;
	c->u0_ok = ok;
	/* http://HOST/ beside an https:// one: people type the bare name */
	c->http80 = ok && c->u0.https && !e->o.no_http80 && !c->t->no_http80;
	/* Count the legs first: a leg may end before the next starts. */
	for (int f = 0; f < FAMILY__N; f++)
		if (e->o.families & (1 << f))
			c->legs_running++;
	if (ok && c->u0.literal_af == 0 && e->o.ns_check) {
		c->dns_waiting = 1;
		dnscheck_get(e->dc, c->u0.host, &c->t->zone_hint, check_dns_cb,
		    c);
	}
	/* The target's expectations, else the engine's; copied, as a reload
	 * may change the target's while this check runs. */
	{
		const struct check_expect *x = &e->o.expect;
		const char		  *body =
			   c->t->expect.body != NULL ? c->t->expect.body : x->body;

		if (c->t->expect.nstatus > 0)
			x = &c->t->expect;
		c->nstatus = x->nstatus;
		memcpy(c->status, x->status, sizeof(c->status));
		for (int f = 0; f < FAMILY__N && body != NULL; f++) {
			c->leg[f].find = xcalloc(1, sizeof(*c->leg[f].find));
			if (hx_find_init(c->leg[f].find, body) == -1) {
				free(c->leg[f].find);
				c->leg[f].find = NULL;
			}
		}
	}
	for (int f = 0; f < FAMILY__N; f++) {
		struct leg *l = &c->leg[f];

		if (!(e->o.families & (1 << f)))
			continue;
		c->rep.checked[f] = 1;
		snprintf(l->url, sizeof(l->url), "%s", c->t->url);
		l->u = c->u0;
		if (!ok) {
			l->phase = LEG_DNS;
			leg_end(l, oc, "%s", err);
			continue;
		}
		leg_start(l);
	}
}

static struct check *
check_new(struct check_engine *e, struct check_target *t)
{
	struct check *c = xcalloc(1, sizeof(*c));

	c->e = e;
	c->t = t;
	for (int f = 0; f < FAMILY__N; f++) {
		struct leg *l = &c->leg[f];

		result_init(&c->rep.r[f]);
		c->rep.r[f].outcome = OUTCOME_ERROR;
		l->c = c;
		l->fam = f;
		l->af = f == FAMILY_IPV6 ? AF_INET6 : AF_INET;
		l->r = &c->rep.r[f];
		l->sk = &c->rep.sk[f];
		l->chosen = -1;
		l->hconn.fd = -1;
		sketch_init(l->sk);
	}
	c->rep.t = t;
	ev_timer_init(&c->finish, check_finish_cb, c);
	c->next = e->running;
	if (e->running != NULL)
		e->running->prev = c;
	e->running = c;
	return c;
}

int
check_submit(struct check_engine *e, struct check_target *t)
{
	if (t->running)
		return -1;
	t->running = 1;
	t->qnext = NULL;
	*e->qtail = t;
	e->qtail = &t->qnext;
	e->nqueued++;
	engine_pump(e);
	return 0;
}

/* What an engine needs of options left unset. */
static void
opts_settle(struct check_opts *o)
{
	if (o->concurrency <= 0)
		o->concurrency = 1;
	if (o->timeout_ms <= 0)
		o->timeout_ms = CHECK_TIMEOUT_DEFAULT_S * 1000;
}

void
check_engine_set(struct check_engine *e, const struct check_opts *o)
{
	X509_STORE *store = e->o.store;
	char	    err[256];

	e->o = *o;
	if (e->o.store == NULL)
		e->o.store = store;
	if (e->o.store != store) {
		/* a new trust store: a new context for new connections
		 * (those in flight keep a reference to the old one) */
		SSL_CTX *ctx = tls_ctx_new(e->o.store, err, sizeof(err));

		if (ctx != NULL) {
			SSL_CTX_free(e->ctx);
			e->ctx = ctx;
		} else {
			log_warnx("check: %s; keeping the old trust store",
			    err);
			e->o.store = store;
		}
	}
	opts_settle(&e->o);
	engine_pump(e);
}

size_t
check_inflight(const struct check_engine *e)
{
	return e->ninflight;
}

size_t
check_inflight_max(const struct check_engine *e)
{
	return e->maxinflight;
}

size_t
check_queued(const struct check_engine *e)
{
	return e->nqueued;
}

struct check_engine *
check_engine_new(struct ev_loop *loop, const struct check_opts *o,
    check_done_cb done, void *arg, char *err, size_t errlen)
{
	struct check_engine *e = xcalloc(1, sizeof(*e));
	struct resolv_opts   ro;

	e->loop = loop;
	e->o = *o;
	opts_settle(&e->o);
	e->done = done;
	e->arg = arg;
	e->qtail = &e->qhead;
	memset(&ro, 0, sizeof(ro));
	ro.timeout_ms = e->o.timeout_ms / 3 > 0 ? e->o.timeout_ms / 3 : 1;
	ro.tries = 2;
	if ((e->res = resolv_new(loop, &ro, err, errlen)) == NULL)
		goto fail;
	e->dc = dnscheck_new(loop, e->res, e->o.timeout_ms,
	    e->o.ns_cache_s > 0 ? e->o.ns_cache_s : 60);
	if (e->o.store == NULL &&
	    (e->o.store = e->own_store = trust_load(NULL, err, errlen)) == NULL)
		goto fail;
	if ((e->ctx = tls_ctx_new(e->o.store, err, errlen)) == NULL)
		goto fail;
	if ((e->sha256 = EVP_sha256()) == NULL) {
		snprintf(err, errlen, "no SHA-256 in OpenSSL");
		goto fail;
	}
	return e;
fail:
	check_engine_free(e);
	return NULL;
}

void
check_engine_free(struct check_engine *e)
{
	if (e == NULL)
		return;
	while (e->qhead != NULL) {
		struct check_target *t = e->qhead;

		e->qhead = t->qnext;
		t->running = 0;
	}
	/* Checks still running are cancelled: the resolvers go first (their
	 * last callbacks still find the checks), then the checks. */
	for (struct check *c = e->running; c != NULL; c = c->next)
		c->t->running = 0;
	dnscheck_free(e->dc);
	resolv_free(e->res);
	e->dc = NULL;
	e->res = NULL;
	while (e->running != NULL)
		check_free(e->running);
	SSL_CTX_free(e->ctx);
	X509_STORE_free(e->own_store);
	free(e);
}

void
check_target_clear(struct check_target *t)
{
	for (int f = 0; f < FAMILY__N; f++)
		tls_sess_clear(&t->sess[f]);
	free(t->zone_hint);
	t->zone_hint = NULL;
	free(t->expect_body);
	t->expect_body = NULL;
	t->expect.body = NULL;
}

void
check_target_expect(struct check_target *t, const int *status, size_t nstatus,
    const char *body)
{
	if (nstatus > CHECK_EXPECT_MAX)
		nstatus = CHECK_EXPECT_MAX;
	memset(t->expect.status, 0, sizeof(t->expect.status));
	memcpy(t->expect.status, status, nstatus * sizeof(*status));
	t->expect.nstatus = nstatus;
	free(t->expect_body);
	t->expect_body = body != NULL ? xstrdup(body) : NULL;
	t->expect.body = t->expect_body;
}

int
check_expect_status_parse(const char *s, struct check_expect *e, char *err,
    size_t errlen)
{
	const char *p = s;

	e->nstatus = 0;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t	    n = end != NULL ? (size_t)(end - p) : strlen(p);
		char	    num[8];
		long long   v;

		snprintf(num, sizeof(num), "%.*s", (int)(n < 7 ? n : 7), p);
		if (n == 0 || n > 3 || parse_int(num, 100, 599, &v) == -1) {
			snprintf(err, errlen,
			    "'%s': want HTTP status codes 100..599 separated by commas, as 200,401",
			    s);
			return -1;
		}
		if (e->nstatus == CHECK_EXPECT_MAX) {
			snprintf(err, errlen, "'%s': more than %d status codes",
			    s, CHECK_EXPECT_MAX);
			return -1;
		}
		e->status[e->nstatus++] = (int)v;
		p += n + (end != NULL);
		if (end != NULL && *p == '\0') {
			snprintf(err, errlen, "'%s': ends with a comma", s);
			return -1;
		}
	}
	if (e->nstatus == 0) {
		snprintf(err, errlen, "no status code given");
		return -1;
	}
	return 0;
}

int
check_override_parse(const char *s, struct check_override *ov, char *err,
    size_t errlen)
{
	const char *p1, *p2, *a;
	long long   port;
	char	    num[8];

	memset(ov, 0, sizeof(*ov));
	p1 = strchr(s, ':');
	if (p1 == NULL || (p2 = strchr(p1 + 1, ':')) == NULL) {
		snprintf(err, errlen, "--resolve %s: want HOST:PORT:ADDRESS",
		    s);
		return -1;
	}
	if (p1 == s || (size_t)(p1 - s) >= sizeof(ov->host)) {
		snprintf(err, errlen, "--resolve %s: bad host", s);
		return -1;
	}
	snprintf(ov->host, sizeof(ov->host), "%.*s", (int)(p1 - s), s);
	snprintf(num, sizeof(num), "%.*s", (int)(p2 - p1 - 1), p1 + 1);
	if (p2 - p1 - 1 > 5 || parse_int(num, 1, 65535, &port) == -1) {
		snprintf(err, errlen, "--resolve %s: bad port", s);
		return -1;
	}
	ov->port = (int)port;
	for (a = p2 + 1; *a != '\0';) {
		const char   *end = strchr(a, ',');
		size_t	      n = end != NULL ? (size_t)(end - a) : strlen(a);
		char	      ip[RESULT_IP_MAX + 2];
		unsigned char buf[16];
		const char   *v = ip;

		if (n == 0 || n >= sizeof(ip)) {
			snprintf(err, errlen, "--resolve %s: bad address", s);
			return -1;
		}
		snprintf(ip, sizeof(ip), "%.*s", (int)n, a);
		if (ip[0] == '[' && ip[n - 1] == ']') {
			ip[n - 1] = '\0';
			v = ip + 1;
		}
		if ((inet_pton(AF_INET6, v, buf) != 1 &&
			inet_pton(AF_INET, v, buf) != 1) ||
		    ov->naddrs == RESULT_ADDR_MAX) {
			snprintf(err, errlen,
			    "--resolve %s: '%s' is not an IP address", s, v);
			return -1;
		}
		snprintf(ov->addrs[ov->naddrs++], RESULT_IP_MAX, "%.45s", v);
		a += n + (end != NULL);
	}
	if (ov->naddrs == 0) {
		snprintf(err, errlen, "--resolve %s: no address", s);
		return -1;
	}
	return 0;
}
