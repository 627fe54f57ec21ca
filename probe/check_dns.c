/*
 * check_dns: zone discovery and the IPv6 readiness of its name servers
 * (see check_dns.h). Every query holds a reference on its zone, so answers
 * that arrive after the deadline find it alive and are ignored.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_dns.h"
#include "ev.h"
#include "log.h"
#include "resolv.h"
#include "util.h"

#define DNS_NAME_MAX 253

struct dns_wait {
	dnscheck_cb	 cb;
	void		*arg;
	struct dns_wait *next;
};

/* A query of one name server address, on a channel of its own. */
struct ns_probe {
	struct dns_zone *z;
	int		 ns, ai;
	struct resolv	*res;
	struct ns_probe *next;
};

struct dnscheck {
	struct ev_loop	*loop;
	struct resolv	*res;
	int		 timeout_ms;
	int		 cache_s;
	struct dns_zone *zones;
	struct ev_timer	 reap; /* destroys the dead probes' channels */
	struct ns_probe *dead;
};

/* Finding the zone of one host. */
struct walk {
	struct dnscheck *dc;
	char		*host;
	const char	*cur;
	char	       **hint;
	dnscheck_cb	 cb;
	void		*arg;
};

static void zone_finish(struct dns_zone *, const char *why);

static void
zone_ref(struct dns_zone *z)
{
	z->refs++;
}

static void
zone_free(struct dns_zone *z)
{
	free(z->zone);
	for (int i = 0; i < z->nns; i++)
		free(z->ns[i].name);
	if (z->deadline != NULL) {
		ev_timer_disarm(z->dc->loop, z->deadline);
		free(z->deadline);
	}
	free(z);
}

void
dns_zone_release(struct dns_zone *z)
{
	if (z != NULL && --z->refs == 0)
		zone_free(z);
}

static int
labels(const char *name)
{
	int n = 1;

	for (; *name != '\0'; name++)
		n += *name == '.' && name[1] != '\0';
	return n;
}

static struct dns_zone *
zone_find(struct dnscheck *dc, const char *name)
{
	uint64_t	  now = ev_now(dc->loop);
	struct dns_zone **zp, *z;

	for (zp = &dc->zones; (z = *zp) != NULL;) {
		if (z->done && z->expires_ms <= now) {
			*zp = z->next;
			z->next = NULL;
			dns_zone_release(z); /* the cache's reference */
			continue;
		}
		if (strcasecmp(z->zone, name) == 0)
			return z;
		zp = &z->next;
	}
	return NULL;
}

static void
zone_wait(struct dns_zone *z, dnscheck_cb cb, void *arg)
{
	struct dns_wait *w;

	zone_ref(z);
	if (z->done) {
		cb(z, arg);
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->cb = cb;
	w->arg = arg;
	w->next = z->waiters;
	z->waiters = w;
}

/* A zone that could not be found: not cached, delivered at once. */
static void
zone_none(dnscheck_cb cb, void *arg, const char *why)
{
	struct dns_zone *z = xcalloc(1, sizeof(*z));

	z->refs = 1;
	z->done = 1;
	snprintf(z->error, sizeof(z->error), "%s", why);
	cb(z, arg);
}

/* Channels are destroyed from the loop, never from their own callback. */
static void
reap_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct dnscheck *dc = t->arg;

	(void)loop;
	while (dc->dead != NULL) {
		struct ns_probe *p = dc->dead;

		dc->dead = p->next;
		resolv_free(p->res); /* may call probe_cb(EDESTRUCTION) */
		free(p);
	}
}

static void
probe_bury(struct dns_zone *z, struct ns_probe *p)
{
	struct ns_probe **pp;

	for (pp = &z->probes; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	p->next = z->dc->dead;
	z->dc->dead = p;
	ev_timer_arm(z->dc->loop, &z->dc->reap, 0);
}

static void
zone_pending_done(struct dns_zone *z)
{
	if (--z->pending == 0 && !z->done)
		zone_finish(z, NULL);
}

static void
probe_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct ns_probe *p = arg;
	struct dns_zone *z = p->z;

	(void)timeouts;
	(void)abuf;
	(void)alen;
	if (status == ARES_EDESTRUCTION) {
		dns_zone_release(z);
		return;
	}
	if (!z->done &&
	    (status == ARES_SUCCESS || status == ARES_ENODATA ||
		status == ARES_ENOTFOUND)) {
		z->ns[p->ns].aaaa_ok[p->ai] = 1;
		z->ns[p->ns].ipv6_ok = 1;
	}
	probe_bury(z, p);
	if (!z->done)
		zone_pending_done(z);
	dns_zone_release(z);
}

static void
ns_probe_start(struct dns_zone *z, int ns, int ai)
{
	struct resolv_opts o;
	struct ns_probe	  *p;
	char		   server[64], err[128];

	memset(&o, 0, sizeof(o));
	snprintf(server, sizeof(server), "[%s]:53", z->ns[ns].aaaa[ai]);
	o.server = server;
	o.norecurse = 1;
	o.timeout_ms = z->dc->timeout_ms / 3;
	o.tries = 2;
	p = xcalloc(1, sizeof(*p));
	p->z = z;
	p->ns = ns;
	p->ai = ai;
	if ((p->res = resolv_new(z->dc->loop, &o, err, sizeof(err))) == NULL) {
		log_warnx("name server %s: %s", z->ns[ns].name, err);
		free(p);
		return;
	}
	p->next = z->probes;
	z->probes = p;
	z->pending++;
	zone_ref(z);
	resolv_query(p->res, z->zone, ns_t_soa, probe_cb, p);
}

struct ns_query {
	struct dns_zone *z;
	int		 ns;
};

static void
ns_aaaa_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct ns_query	    *q = arg;
	struct dns_zone	    *z = q->z;
	struct dns_ns	    *ns = &z->ns[q->ns];
	struct ares_addr6ttl a[DNS_AAAA_MAX];
	int		     n = DNS_AAAA_MAX;

	(void)timeouts;
	free(q);
	if (status == ARES_SUCCESS && !z->done &&
	    ares_parse_aaaa_reply(abuf, alen, NULL, a, &n) == ARES_SUCCESS) {
		for (int i = 0; i < n && ns->naaaa < DNS_AAAA_MAX; i++) {
			inet_ntop(AF_INET6, &a[i].ip6addr, ns->aaaa[ns->naaaa],
			    sizeof(ns->aaaa[0]));
			ns_probe_start(z, (int)(ns - z->ns), ns->naaaa++);
		}
	}
	if (status != ARES_EDESTRUCTION && !z->done)
		zone_pending_done(z);
	dns_zone_release(z);
}

static void
deadline_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct dns_zone *z = t->arg;

	(void)loop;
	zone_finish(z, "some name servers did not answer in time");
}

static void
zone_finish(struct dns_zone *z, const char *why)
{
	struct dns_wait *w;

	if (z->done)
		return;
	z->done = 1;
	z->expires_ms = ev_now(z->dc->loop) + (uint64_t)z->dc->cache_s * 1000;
	if (why != NULL)
		snprintf(z->error, sizeof(z->error), "%s", why);
	ev_timer_disarm(z->dc->loop, z->deadline);
	while (z->probes != NULL)
		probe_bury(z, z->probes);
	zone_ref(z);
	while ((w = z->waiters) != NULL) {
		z->waiters = w->next;
		w->cb(z, w->arg); /* the waiter's reference passes on */
		free(w);
	}
	dns_zone_release(z);
}

static struct dns_zone *
zone_create(struct dnscheck *dc, const char *name, struct hostent *he)
{
	struct dns_zone *z = xcalloc(1, sizeof(*z));

	z->dc = dc;
	z->zone = xstrdup(name);
	z->refs = 1; /* the cache's */
	for (int i = 0; he->h_aliases[i] != NULL && z->nns < DNS_NS_MAX; i++)
		if (strlen(he->h_aliases[i]) <= DNS_NAME_MAX)
			z->ns[z->nns++].name = xstrdup(he->h_aliases[i]);
	z->next = dc->zones;
	dc->zones = z;
	z->deadline = xcalloc(1, sizeof(*z->deadline));
	ev_timer_init(z->deadline, deadline_cb, z);
	ev_timer_arm(dc->loop, z->deadline, (uint64_t)dc->timeout_ms * 2);
	/* Hold one pending count while the queries start, so an answer that
	 * comes back at once cannot finish the zone half-built. */
	z->pending = 1;
	for (int i = 0; i < z->nns; i++) {
		struct ns_query *q = xcalloc(1, sizeof(*q));

		q->z = z;
		q->ns = i;
		z->pending++;
		zone_ref(z);
		resolv_query(dc->res, z->ns[i].name, ns_t_aaaa, ns_aaaa_cb, q);
	}
	zone_pending_done(z);
	return z;
}

static void walk_step(struct walk *);

static void
walk_free(struct walk *w)
{
	free(w->host);
	free(w);
}

static void
walk_ns_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct walk	*w = arg;
	struct hostent	*he = NULL;
	struct dns_zone *z;
	const char	*why;

	(void)timeouts;
	if (status == ARES_EDESTRUCTION) {
		walk_free(w);
		return;
	}
	if (status == ARES_SUCCESS &&
	    ares_parse_ns_reply(abuf, alen, &he) == ARES_SUCCESS &&
	    he->h_aliases != NULL && he->h_aliases[0] != NULL) {
		if ((z = zone_find(w->dc, w->cur)) == NULL)
			z = zone_create(w->dc, w->cur, he);
		ares_free_hostent(he);
		if (w->hint != NULL) {
			free(*w->hint);
			*w->hint = xstrdup(z->zone);
		}
		zone_wait(z, w->cb, w->arg);
		walk_free(w);
		return;
	}
	if (he != NULL)
		ares_free_hostent(he);
	if (status == ARES_SUCCESS || status == ARES_ENODATA ||
	    status == ARES_ENOTFOUND) {
		w->cur = strchr(w->cur, '.') + 1;
		walk_step(w);
		return;
	}
	switch (status) {
	case ARES_ETIMEOUT:
		why = "the resolver did not answer";
		break;
	case ARES_ESERVFAIL:
		why = "SERVFAIL";
		break;
	case ARES_EREFUSED:
		why = "REFUSED";
		break;
	default:
		why = ares_strerror(status);
	}
	{
		char msg[320];

		snprintf(msg, sizeof(msg), "NS lookup of %s: %s", w->cur, why);
		zone_none(w->cb, w->arg, msg);
	}
	walk_free(w);
}

static void
walk_step(struct walk *w)
{
	struct dns_zone *z;

	if (labels(w->cur) < 2) {
		char msg[320];

		snprintf(msg, sizeof(msg),
		    "no zone with name servers found for %s", w->host);
		zone_none(w->cb, w->arg, msg);
		walk_free(w);
		return;
	}
	if ((z = zone_find(w->dc, w->cur)) != NULL) {
		zone_wait(z, w->cb, w->arg);
		walk_free(w);
		return;
	}
	resolv_query(w->dc->res, w->cur, ns_t_ns, walk_ns_cb, w);
}

void
dnscheck_get(struct dnscheck *dc, const char *host, char **hint, dnscheck_cb cb,
    void *arg)
{
	struct walk	*w;
	struct dns_zone *z;

	if (hint != NULL && *hint != NULL &&
	    (z = zone_find(dc, *hint)) != NULL) {
		zone_wait(z, cb, arg);
		return;
	}
	if (strlen(host) > DNS_NAME_MAX) {
		zone_none(cb, arg, "host name longer than 253 characters");
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->dc = dc;
	w->host = xstrdup(host);
	w->cur = w->host;
	w->hint = hint;
	w->cb = cb;
	w->arg = arg;
	walk_step(w);
}

struct dnscheck *
dnscheck_new(struct ev_loop *loop, struct resolv *res, int timeout_ms,
    int cache_s)
{
	struct dnscheck *dc = xcalloc(1, sizeof(*dc));

	dc->loop = loop;
	dc->res = res;
	dc->timeout_ms = timeout_ms;
	dc->cache_s = cache_s;
	ev_timer_init(&dc->reap, reap_cb, dc);
	return dc;
}

void
dnscheck_free(struct dnscheck *dc)
{
	if (dc == NULL)
		return;
	while (dc->zones != NULL) {
		struct dns_zone *z = dc->zones;

		dc->zones = z->next;
		zone_finish(z, "cancelled");
		dns_zone_release(z);
	}
	reap_cb(dc->loop, &dc->reap);
	ev_timer_disarm(dc->loop, &dc->reap);
	free(dc);
}

void
dns_zone_counts(const struct dns_zone *z, int *total, int *with_aaaa,
    int *v6_ok, int *all_v6_ok)
{
	*total = z->nns;
	*with_aaaa = *v6_ok = 0;
	*all_v6_ok = z->nns > 0;
	for (int i = 0; i < z->nns; i++) {
		*with_aaaa += z->ns[i].naaaa > 0;
		*v6_ok += z->ns[i].ipv6_ok;
		for (int j = 0; j < z->ns[i].naaaa; j++)
			if (!z->ns[i].aaaa_ok[j])
				*all_v6_ok = 0;
	}
}

cJSON *
dns_zone_json(const struct dns_zone *z)
{
	cJSON *o = cJSON_CreateObject(), *a;

	if (z->zone != NULL)
		cJSON_AddStringToObject(o, "zone", z->zone);
	else
		cJSON_AddNullToObject(o, "zone");
	a = cJSON_AddArrayToObject(o, "ns");
	for (int i = 0; i < z->nns; i++) {
		cJSON *n = cJSON_CreateObject(), *aa;

		cJSON_AddItemToArray(a, n);
		cJSON_AddStringToObject(n, "name", z->ns[i].name);
		aa = cJSON_AddArrayToObject(n, "aaaa");
		for (int j = 0; j < z->ns[i].naaaa; j++)
			cJSON_AddItemToArray(aa,
			    cJSON_CreateString(z->ns[i].aaaa[j]));
		cJSON_AddBoolToObject(n, "ipv6_ok", z->ns[i].ipv6_ok);
	}
	if (z->error[0] != '\0')
		cJSON_AddStringToObject(o, "error", z->error);
	return o;
}
