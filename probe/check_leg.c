/*
 * check_leg: one leg of a check -- one address family's way through DNS
 * (or --resolve, /etc/hosts, an IP literal), a TCP connect to every
 * address at once, the exchange (check_http.c) on the first that
 * connects, redirects followed hop by hop within the family, the large
 * transfer on a connection of its own, and (https:// targets) http://HOST/
 * on port 80 of every first-hop address that connected. Each step ends in the next one or
 * in leg_end() with an outcome decided from what the leg itself saw.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ares.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "check_int.h"
#include "log.h"
#include "outcome.h"
#include "resolv.h"
#include "util.h"

static void leg_http_start(struct leg *, int fd, SSL *ssl);

static void
sa_ntop(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)ss)->sin6_addr, buf,
		    (socklen_t)len);
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr,
		    buf, (socklen_t)len);
}

static socklen_t
sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

static int
sa_set(struct sockaddr_storage *ss, int af, const void *addr, int port)
{
	memset(ss, 0, sizeof(*ss));
	if (af == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		memcpy(&s6->sin6_addr, addr, sizeof(s6->sin6_addr));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, addr, sizeof(s4->sin_addr));
	}
	return 0;
}

static void
hostport(const struct sockaddr_storage *ss, int port, char *buf, size_t len)
{
	char ip[RESULT_IP_MAX];

	sa_ntop(ss, ip, sizeof(ip));
	if (ss->ss_family == AF_INET6)
		snprintf(buf, len, "[%s]:%d", ip, port);
	else
		snprintf(buf, len, "%s:%d", ip, port);
}

/* legs: ending */

double
since_ms(uint64_t start_us)
{
	return (double)(now_mono_us() - start_us) / 1000.0;
}

static void
leg_maybe_done(struct leg *l)
{
	if (!l->ended || l->phase == LEG_DONE || l->nconn_running > 0 ||
	    l->h80_running > 0 || l->dns_pending)
		return;
	l->phase = LEG_DONE;
	l->c->legs_running--;
	check_maybe_done(l->c);
}

void
leg_end(struct leg *l, enum outcome oc, const char *fmt, ...)
{
	struct result *r = l->r;
	char	       msg[RESULT_ERROR_MAX];
	va_list	       ap;

	if (l->ended)
		return;
	l->ended = 1;
	r->outcome = oc;
	msg[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	if (oc != OUTCOME_OK && l->hop > 0)
		snprintf(r->error, sizeof(r->error),
		    "after a redirect to %.200s: %.280s", l->url, msg);
	else
		snprintf(r->error, sizeof(r->error), "%s", msg);
	for (char *p = r->error; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	r->ms[PHASE_TOTAL] = since_ms(l->c->start_us);
	tcpconn_stop(&l->hconn);
	hx_stop(&l->hx);
	/* Other first-hop connects go on: their outcomes are still news. */
	leg_maybe_done(l);
}

/* legs: connecting */

static void
leg_connected(struct leg *l, struct tcpconn *tc, size_t idx)
{
	struct check_engine *e = l->c->e;
	char		     hp[RESULT_REMOTE_MAX], err[200];
	int		     fd;
	SSL		    *ssl;

	l->chosen = (int)idx;
	l->final_sa = l->sa[idx];
	fd = tcpconn_take(tc);
	l->r->ms[PHASE_CONNECT] =
	    (l->r->ms[PHASE_CONNECT] > 0 ? l->r->ms[PHASE_CONNECT] : 0) +
	    tc->ms;
	hostport(&l->sa[idx], l->u.port, hp, sizeof(hp));
	snprintf(l->r->remote, sizeof(l->r->remote), "%s", hp);
	ssl = NULL;
	if (l->u.https &&
	    (ssl = tls_new(e->ctx, fd, l->u.host, l->u.literal_af != 0, &l->tls,
		 e->o.resume_tls ? &l->c->t->sess[l->fam] : NULL, now_mono_ms(),
		 err, sizeof(err))) == NULL) {
		close(fd);
		leg_end(l, OUTCOME_ERROR, "%s", err);
		return;
	}
	leg_http_start(l, fd, ssl);
}

/* port 80: does http://HOST/ answer on this address too? */

static void
leg_h80_end(struct leg_http80 *h)
{
	struct leg *l = h->l;

	h->running = 0;
	l->h80_running--;
	if (log_getverbose() >= 2) {
		char hp[RESULT_REMOTE_MAX];

		hostport(&h->tc.sa, 80, hp, sizeof(hp));
		log_debug("check %s %s: port 80 of %s: %s (%s)", l->c->t->name,
		    family_name(l->fam), hp, outcome_name(h->oc), h->why);
	}
	leg_maybe_done(l);
}

static int
leg_h80_body_cb(struct hx *x, const char *buf, size_t n)
{
	(void)x;
	(void)buf;
	(void)n;
	return -1; /* never reached: the exchange ends at the head */
}

static void
leg_h80_done_cb(struct hx *x)
{
	struct leg_http80 *h = x->arg;

	h->oc = outcome_http80(0, x->end == HX_OK ? HTTP_FAIL_NONE : x->fail,
	    x->sys_err, &h->why);
	leg_h80_end(h);
}

static void
leg_h80_conn_cb(struct tcpconn *tc)
{
	struct leg_http80 *h = tc->arg;
	struct leg	  *l = h->l;
	const struct url  *u = &l->c->u0;
	char		   host[300];

	if (tc->err != 0) {
		h->oc = outcome_http80(tc->err, HTTP_FAIL_NONE, 0, &h->why);
		tcpconn_stop(tc);
		leg_h80_end(h);
		return;
	}
	snprintf(host, sizeof(host), u->literal_af == AF_INET6 ? "[%s]" : "%s",
	    u->host);
	hx_start(&h->hx, l->c->e->loop, tcpconn_take(tc), NULL, NULL, host, "/",
	    CHECK_USER_AGENT, l->c->e->o.timeout_ms, leg_h80_body_cb,
	    leg_h80_done_cb, h);
	hx_head_only(&h->hx);
}

/* Address i of the first hop connected: port 80 on it, alongside. */
static void
leg_h80_start(struct leg *l, size_t i)
{
	struct leg_http80      *h = &l->h80[i];
	struct sockaddr_storage sa = l->conn[i].sa; /* l->sa: a later hop's */

	if (h->started)
		return;
	h->started = h->running = 1;
	l->h80_running++;
	if (sa.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&sa)->sin6_port = htons(80);
	else
		((struct sockaddr_in *)&sa)->sin_port = htons(80);
	tcpconn_start(l->c->e->loop, &h->tc, (struct sockaddr *)&sa,
	    sa_len(&sa), l->c->e->o.timeout_ms, leg_h80_conn_cb, h);
}

static void
leg_conn_cb(struct tcpconn *tc)
{
	struct leg *l = tc->arg;
	size_t	    i = (size_t)(tc - l->conn);
	const char *why;

	l->nconn_running--;
	l->r->addrs[i].outcome = outcome_from_errno(tc->err, &why);
	l->r->addrs[i].connect_ms = tc->err == 0 ? tc->ms : -1;
	if (tc->err == 0 && l->h80 != NULL)
		leg_h80_start(l, i);
	if (tc->err == 0 && l->chosen < 0 && !l->ended) {
		leg_connected(l, tc, i);
	} else {
		tcpconn_stop(tc);
		if (l->nconn_running == 0 && l->chosen < 0 && !l->ended) {
			char hp[RESULT_REMOTE_MAX];

			/* Every address failed: report the first one's
			 * failure, as DNS ordered them. */
			hostport(&l->sa[0], l->u.port, hp, sizeof(hp));
			outcome_from_errno(l->conn[0].err, &why);
			if (l->nsa > 1)
				leg_end(l, l->r->addrs[0].outcome,
				    "TCP connect to %s: %s (and the other %zu addresses failed too)",
				    hp, why, l->nsa - 1);
			else
				leg_end(l, l->r->addrs[0].outcome,
				    "TCP connect to %s: %s", hp, why);
		}
	}
	leg_maybe_done(l);
}

/* Later hops and the large transfer: one address after the other. */
static void
leg_hconn_cb(struct tcpconn *tc)
{
	struct leg *l = tc->arg;
	const char *why;
	char	    hp[RESULT_REMOTE_MAX];

	if (l->ended)
		return;
	if (tc->err == 0) {
		leg_connected(l, tc, l->hconn_idx);
		return;
	}
	if (!l->large && l->hconn_idx + 1 < l->nsa) {
		l->hconn_idx++;
		tcpconn_start(l->c->e->loop, &l->hconn,
		    (struct sockaddr *)&l->sa[l->hconn_idx],
		    sa_len(&l->sa[l->hconn_idx]), l->c->e->o.timeout_ms,
		    leg_hconn_cb, l);
		return;
	}
	hostport(&l->sa[l->hconn_idx], l->u.port, hp, sizeof(hp));
	enum outcome oc = outcome_from_errno(tc->err, &why);
	leg_end(l, oc, "%sTCP connect to %s: %s",
	    l->large ? "large transfer: " : "", hp, why);
}

static void
leg_conns_free(struct leg *l)
{
	for (size_t i = 0; i < l->nconn; i++)
		tcpconn_stop(&l->conn[i]);
	free(l->conn);
	l->conn = NULL;
	l->nconn = 0;
}

static void
leg_connect(struct leg *l)
{
	struct check_engine *e = l->c->e;

	l->phase = LEG_CONNECT;
	l->chosen = -1;
	if (l->hop == 0 && !l->large) {
		l->r->naddrs = l->nsa;
		for (size_t i = 0; i < l->nsa; i++) {
			sa_ntop(&l->sa[i], l->r->addrs[i].ip,
			    sizeof(l->r->addrs[i].ip));
			l->r->addrs[i].outcome = OUTCOME_TIMEOUT;
			l->r->addrs[i].connect_ms = -1;
		}
		/* Addresses set aside are never connected to: they count as
		 * unreachable (partial_reachability), after the others. */
		for (size_t i = 0; i < l->nskipped; i++) {
			struct result_addr *a = &l->r->addrs[l->r->naddrs++];

			snprintf(a->ip, sizeof(a->ip), "%s", l->skipped[i]);
			a->outcome = OUTCOME_UNREACHABLE;
			a->connect_ms = -1;
		}
		/* once per leg: hop 0 begins only when the check starts */
		l->conn = xcalloc(l->nsa, sizeof(*l->conn));
		l->nconn = l->nsa;
		for (size_t i = 0; i < l->nconn; i++)
			l->conn[i].fd = -1;
		l->nconn_running = (int)l->nsa;
		if (l->c->http80) {
			l->h80 = xcalloc(l->nsa, sizeof(*l->h80));
			l->nh80 = l->nsa;
			for (size_t i = 0; i < l->nh80; i++) {
				l->h80[i].l = l;
				l->h80[i].idx = i;
				l->h80[i].tc.fd = -1;
			}
		}
		for (size_t i = 0; i < l->nsa; i++)
			tcpconn_start(e->loop, &l->conn[i],
			    (struct sockaddr *)&l->sa[i], sa_len(&l->sa[i]),
			    e->o.timeout_ms, leg_conn_cb, l);
		return;
	}
	l->hconn_idx = 0;
	tcpconn_start(e->loop, &l->hconn, (struct sockaddr *)&l->sa[0],
	    sa_len(&l->sa[0]), e->o.timeout_ms, leg_hconn_cb, l);
}

/* legs: resolving */

static const char *
rr_name(const struct leg *l)
{
	return l->af == AF_INET6 ? "AAAA" : "A";
}

/*
 * Set aside every address no public service has (outcome_addr_scope()):
 * they come from DNS answers or a redirect, which anyone can point at the
 * probe's own host or network. 0 when some address is left; else the leg
 * ends no_address, naming the first, and -1.
 */
static int
leg_screen(struct leg *l, int literal)
{
	char   first[RESULT_ERROR_MAX], ip[RESULT_IP_MAX];
	size_t n = 0, nbad = 0;

	for (size_t i = 0; i < l->nsa; i++) {
		const struct sockaddr_storage *ss = &l->sa[i];
		const unsigned char	      *a = ss->ss_family == AF_INET6 ?
			      (const unsigned char *)&((const struct sockaddr_in6 *)ss)
			  ->sin6_addr :
			      (const unsigned char *)&((const struct sockaddr_in *)ss)
			  ->sin_addr;
		const char		      *what =
		    outcome_addr_scope(ss->ss_family, a, l->c->e->o.addr_allow);

		if (what == NULL) {
			if (n != i)
				l->sa[n] = l->sa[i];
			n++;
			continue;
		}
		sa_ntop(ss, ip, sizeof(ip));
		if (nbad++ == 0) {
			if (literal)
				snprintf(first, sizeof(first),
				    "%s is %s, not a global one", ip, what);
			else
				snprintf(first, sizeof(first),
				    "%s %s of %s is %s, not a global one",
				    rr_name(l), ip, l->u.host, what);
		}
		if (l->hop == 0 && !l->large && l->nskipped < RESULT_ADDR_MAX)
			snprintf(l->skipped[l->nskipped++], RESULT_IP_MAX, "%s",
			    ip);
	}
	l->nsa = n;
	if (n > 0)
		return 0;
	l->nskipped = 0;
	if (nbad > 1)
		leg_end(l, OUTCOME_NO_ADDRESS,
		    "%s (and %zu more such addresses); none connected to",
		    first, nbad - 1);
	else
		leg_end(l, OUTCOME_NO_ADDRESS, "%s; not connected to", first);
	return -1;
}

/*
 * The lookup failed: say what happened. c-ares 1.18 reports a SERVFAIL or
 * REFUSED from the only server, and a truncated answer whose retry over
 * TCP failed, as ARES_ECONNREFUSED; the resolver's notes tell them apart.
 */
static void
leg_dns_failed(struct leg *l, int status)
{
	struct resolv	  *res = l->c->e->res;
	struct resolv_seen seen;
	enum outcome	   oc;
	const char	  *why;
	char		   servers[200];
	int		   type = l->af == AF_INET6 ? ns_t_aaaa : ns_t_a;

	if (resolv_seen(res, l->u.host, type, &seen) == 0 &&
	    (status == ARES_ECONNREFUSED || status == ARES_ETIMEOUT ||
		status == ARES_EOF)) {
		if (seen.status != 0) {
			oc = outcome_from_ares(seen.status, &why);
			leg_end(l, oc, "%s lookup of %s: %s (from %s)",
			    rr_name(l), l->u.host, why, seen.server);
			return;
		}
		if (seen.truncated) {
			leg_end(l, OUTCOME_DNS_ERROR,
			    "%s lookup of %s: the answer from %s was truncated and the query over TCP failed",
			    rr_name(l), l->u.host, seen.server);
			return;
		}
	}
	oc = outcome_from_ares(status, &why);
	if (oc == OUTCOME_NO_ADDRESS) {
		leg_end(l, oc, "%s has no %s record", l->u.host, rr_name(l));
		return;
	}
	servers[0] = '\0';
	if (status == ARES_ETIMEOUT || status == ARES_ECONNREFUSED)
		resolv_servers(res, servers, sizeof(servers));
	if (servers[0] != '\0')
		leg_end(l, oc, "%s lookup of %s: %s (resolver %s)", rr_name(l),
		    l->u.host, why, servers);
	else
		leg_end(l, oc, "%s lookup of %s: %s", rr_name(l), l->u.host,
		    why);
}

static void
leg_dns_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct leg *l = arg;
	int	    n = RESULT_ADDR_MAX;

	(void)timeouts;
	l->dns_pending = 0;
	if (status == ARES_EDESTRUCTION) {
		leg_end(l, OUTCOME_ERROR, "cancelled");
		return;
	}
	if (l->ended)
		return;
	l->r->ms[PHASE_DNS] =
	    (l->r->ms[PHASE_DNS] > 0 ? l->r->ms[PHASE_DNS] : 0) +
	    since_ms(l->dns_start_us);
	l->nsa = 0;
	if (status == ARES_SUCCESS && l->af == AF_INET6) {
		struct ares_addr6ttl a[RESULT_ADDR_MAX];

		if ((status = ares_parse_aaaa_reply(abuf, alen, NULL, a, &n)) ==
		    ARES_SUCCESS)
			for (int i = 0; i < n; i++)
				sa_set(&l->sa[l->nsa++], AF_INET6,
				    &a[i].ip6addr, l->u.port);
	} else if (status == ARES_SUCCESS) {
		struct ares_addrttl a[RESULT_ADDR_MAX];

		if ((status = ares_parse_a_reply(abuf, alen, NULL, a, &n)) ==
		    ARES_SUCCESS)
			for (int i = 0; i < n; i++)
				sa_set(&l->sa[l->nsa++], AF_INET, &a[i].ipaddr,
				    l->u.port);
	}
	if (status == ARES_SUCCESS && l->nsa == 0)
		status = ARES_ENODATA;
	if (status != ARES_SUCCESS) {
		leg_dns_failed(l, status);
		return;
	}
	if (leg_screen(l, 0) == 0)
		leg_connect(l);
}

/* Addresses from --resolve, for this host and port; -1 when none apply. */
static int
leg_overrides(struct leg *l)
{
	const struct check_opts *o = &l->c->e->o;

	for (size_t i = 0; i < o->noverrides; i++) {
		const struct check_override *ov = &o->overrides[i];

		if (strcasecmp(ov->host, l->u.host) != 0 ||
		    ov->port != l->u.port)
			continue;
		l->nsa = 0;
		for (size_t j = 0; j < ov->naddrs; j++) {
			unsigned char buf[16];

			if (inet_pton(l->af, ov->addrs[j], buf) == 1)
				sa_set(&l->sa[l->nsa++], l->af, buf, l->u.port);
		}
		return 0;
	}
	return -1;
}

/* /etc/hosts, as the system resolver would consult it first. */
static int
leg_hosts_file(struct leg *l)
{
	struct hostent *he = NULL;

	if (ares_gethostbyname_file(resolv_channel(l->c->e->res), l->u.host,
		l->af, &he) != ARES_SUCCESS ||
	    he == NULL)
		return -1;
	l->nsa = 0;
	for (int i = 0; he->h_addr_list[i] != NULL && l->nsa < RESULT_ADDR_MAX;
	     i++)
		sa_set(&l->sa[l->nsa++], l->af, he->h_addr_list[i], l->u.port);
	ares_free_hostent(he);
	return l->nsa > 0 ? 0 : -1;
}

void
leg_start(struct leg *l)
{
	struct check_engine *e = l->c->e;

	if (l->hop > 0) {
		enum outcome oc;
		char	     err[RESULT_ERROR_MAX];

		if (url_parse(l->url, &l->u, &oc, err, sizeof(err)) == -1) {
			leg_end(l, oc, "%s", err);
			return;
		}
	}
	l->phase = LEG_DNS;
	if (l->u.literal_af != 0) {
		unsigned char buf[16];

		if (l->u.literal_af != l->af) {
			leg_end(l, OUTCOME_NO_ADDRESS,
			    "the URL names an %s address",
			    l->u.literal_af == AF_INET6 ? "IPv6" : "IPv4");
			return;
		}
		inet_pton(l->af, l->u.host, buf);
		sa_set(&l->sa[0], l->af, buf, l->u.port);
		l->nsa = 1;
		l->r->ms[PHASE_DNS] = l->hop == 0 ? 0 : l->r->ms[PHASE_DNS];
		/* The URL the operator gave may name any address (and a
		 * redirect may stay on it); another one a redirect names is
		 * screened like a DNS answer. */
		if (l->hop == 0 || strcmp(l->u.host, l->c->u0.host) == 0 ||
		    leg_screen(l, 1) == 0)
			leg_connect(l);
		return;
	}
	if (leg_overrides(l) == 0) {
		if (l->nsa == 0) {
			leg_end(l, OUTCOME_NO_ADDRESS,
			    "--resolve gives %s no %s address", l->u.host,
			    l->af == AF_INET6 ? "IPv6" : "IPv4");
			return;
		}
		l->r->ms[PHASE_DNS] = l->hop == 0 ? 0 : l->r->ms[PHASE_DNS];
		leg_connect(l);
		return;
	}
	if (leg_hosts_file(l) == 0) {
		l->r->ms[PHASE_DNS] = l->hop == 0 ? 0 : l->r->ms[PHASE_DNS];
		leg_connect(l);
		return;
	}
	l->dns_start_us = now_mono_us();
	l->dns_pending = 1;
	resolv_query(e->res, l->u.host, l->af == AF_INET6 ? ns_t_aaaa : ns_t_a,
	    leg_dns_cb, l);
}

/* legs: HTTP */

/* Body bytes: counted, hashed and sketched for the page, never kept. */
static int
leg_body_cb(struct hx *x, const char *buf, size_t n)
{
	struct leg *l = x->arg;

	if (l->bytes + n > l->cap) {
		l->capped = 1;
		return -1;
	}
	l->bytes += n;
	if (!l->large) {
		EVP_DigestUpdate(l->md, buf, n);
		sketch_feed(l->sk, buf, n);
		if (l->find != NULL)
			hx_find_feed(l->find, buf, n);
	}
	return 0;
}

/* The Host header's value for u: the port only when not the default. */
static void
leg_host(const struct url *u, char *host, size_t hlen)
{
	int dflt = u->port == (u->https ? 443 : 80);

	snprintf(host, hlen,
	    u->literal_af == AF_INET6 ? (dflt ? "[%s]" : "[%s]:%d") :
					(dflt ? "%s" : "%s:%d"),
	    u->host, u->port);
}

/* The request-target of url: its path and query. 0 or -1. */
static int
leg_target(const char *url, char *target, size_t tlen)
{
	CURLU *h = curl_url();
	char  *path = NULL, *query = NULL;
	int    ok;

	ok = h != NULL && curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_PATH, &path, 0) == CURLUE_OK;
	if (ok && curl_url_get(h, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
		query = NULL;
	ok = ok &&
	    (size_t)snprintf(target, tlen, "%s%s%s", path, query ? "?" : "",
		query ? query : "") < tlen;
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(h);
	return ok ? 0 : -1;
}

static void leg_http_done(struct hx *);

static void
leg_http_start(struct leg *l, int fd, SSL *ssl)
{
	struct check_engine *e = l->c->e;
	char		     target[RESULT_URL_MAX], host[300];

	l->phase = l->large ? LEG_LARGE : LEG_HTTP;
	l->bytes = 0;
	l->capped = 0;
	leg_host(&l->u, host, sizeof(host));
	if (l->large) {
		snprintf(target, sizeof(target), "%s", l->large_path);
		l->cap = CHECK_LARGE_MAX;
	} else {
		if (leg_target(l->url, target, sizeof(target)) == -1) {
			SSL_free(ssl);
			close(fd);
			leg_end(l, OUTCOME_ERROR, "cannot read the path of %s",
			    l->url);
			return;
		}
		l->cap = CHECK_PAGE_MAX;
		if (l->md == NULL)
			l->md = EVP_MD_CTX_new();
		EVP_DigestInit_ex(l->md, e->sha256, NULL);
		sketch_init(l->sk);
		if (l->find != NULL)
			hx_find_reset(l->find);
	}
	if (log_getverbose() >= 2) /* -v -v: each exchange */
		log_debug("check %s %s: > GET %s HTTP/1.1, Host: %s, to %s%s",
		    l->c->t->name, family_name(l->fam), target, host,
		    l->r->remote, ssl != NULL ? " over TLS" : "");
	hx_start(&l->hx, e->loop, fd, ssl, ssl != NULL ? &l->tls : NULL, host,
	    target, CHECK_USER_AGENT, e->o.timeout_ms, leg_body_cb,
	    leg_http_done, l);
}

static void
leg_digest(struct leg *l)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen = 0;

	EVP_DigestFinal_ex(l->md, md, &mdlen);
	hex_encode(md, mdlen, l->r->sha256);
	sketch_end(l->sk);
}

static void
leg_finish_page(struct leg *l)
{
	struct check_engine *e = l->c->e;
	const char	    *path;

	l->page_bytes = l->bytes;
	path =
	    l->c->t->large_path != NULL ? l->c->t->large_path : e->o.large_path;
	if (path == NULL || path[0] == '\0') {
		/* A page over CHECK_LARGE_AUTO was itself the large
		 * transfer; a smaller one needs none. */
		leg_end(l, OUTCOME_OK, NULL);
		return;
	}
	l->large_path = path;
	l->large = 1;
	l->sa[0] = l->final_sa;
	l->nsa = 1;
	l->chosen = -1;
	leg_connect(l);
}

static void
leg_record_tls(struct leg *l)
{
	struct result *r = l->r;

	if (!l->u.https || l->large)
		return;
	r->has_tls = 1;
	snprintf(r->tls_version, sizeof(r->tls_version), "%s", l->tls.version);
	r->has_cert = l->tls.has_cert;
	r->cert_days_left = l->tls.days_left;
	snprintf(r->issuer, sizeof(r->issuer), "%s", l->tls.issuer);
}

/* The TLS handshake failed: the verdict. */
static void
leg_tls_failed(struct leg *l, const struct hx *x)
{
	struct tls_failure f;
	enum outcome	   oc;
	const char	  *why;

	memset(&f, 0, sizeof(f));
	f.timed_out = x->tls_timed_out;
	f.verify = l->tls.verify_err;
	f.verify_depth = l->tls.verify_depth;
	f.ssl_err = x->ssl_err;
	f.sys_err = x->sys_err;
	oc = outcome_from_tls(&f, &why);
	if (l->large)
		leg_end(l, oc, "large transfer %s: %s%s%s", l->large_path, why,
		    x->why[0] ? ": " : "", x->why);
	else if (oc == OUTCOME_STALL)
		leg_end(l, oc,
		    "%s within %d s: small packets pass but the server's certificate never arrived (path-MTU black hole?)",
		    why, l->c->e->o.timeout_ms / 1000);
	else if (oc == OUTCOME_CERT_EXPIRED && l->tls.has_cert &&
	    l->tls.days_left < 0)
		leg_end(l, oc, "%s (%d days ago)", why, -l->tls.days_left);
	else if (oc == OUTCOME_TLS_ERROR && x->why[0] != '\0')
		leg_end(l, oc, "%s: %s", why, x->why);
	else
		leg_end(l, oc, "%s", why);
}

/* What the failure's name leaves unsaid, into buf. */
static void
leg_http_cause(const struct hx *x, char *buf, size_t size)
{
	buf[0] = '\0';
	switch (x->fail) {
	case HTTP_FAIL_HEAD_TOO_LARGE:
		if (x->line_len <= HX_LINE_MAX)
			snprintf(buf, size,
			    "the response head is longer than %d KiB in all",
			    HX_HEAD_MAX >> 10);
		else if (x->name[0] != '\0')
			snprintf(buf, size,
			    "the %s header is longer than %d bytes", x->name,
			    HX_LINE_MAX);
		else
			snprintf(buf, size,
			    "a line of the response head is longer than %d bytes",
			    HX_LINE_MAX);
		break;
	case HTTP_FAIL_SEND:
	case HTTP_FAIL_RECV:
		if (x->why[0] != '\0')
			snprintf(buf, size, "TLS: %s", x->why);
		else if (x->sys_err != 0)
			snprintf(buf, size, "%s", strerror(x->sys_err));
		break;
	case HTTP_FAIL_MALFORMED:
		snprintf(buf, size, "%s", x->why);
		break;
	default:
		break;
	}
}

static void
leg_http_failed(struct leg *l, const struct hx *x)
{
	enum outcome oc;
	const char  *why;
	char	     detail[256];
	int	     stall;

	oc = outcome_from_http(x->fail, &why);
	stall = oc == OUTCOME_STALL;
	leg_http_cause(x, detail, sizeof(detail));
	if (l->large) {
		if (stall)
			leg_end(l, oc,
			    "large transfer %s stalled after %llu bytes, while the page itself (%llu bytes) loaded: full-size packets are lost on the path (path-MTU black hole? ICMPv6 Packet Too Big filtered?)",
			    l->large_path, (unsigned long long)l->bytes,
			    (unsigned long long)l->page_bytes);
		else
			leg_end(l, oc, "large transfer %s: %s%s%s",
			    l->large_path, why, detail[0] ? ": " : "", detail);
		return;
	}
	if (stall)
		leg_end(l, oc,
		    "%s after %llu bytes, within %d s; TCP%s worked (path-MTU black hole?)",
		    why, (unsigned long long)l->bytes,
		    l->c->e->o.timeout_ms / 1000, l->u.https ? " and TLS" : "");
	else if (x->fail == HTTP_FAIL_TOO_LARGE)
		leg_end(l, OUTCOME_ERROR,
		    "the page is larger than %u MiB; reading stopped",
		    CHECK_PAGE_MAX >> 20);
	else if (detail[0] != '\0')
		leg_end(l, oc, "%s: %s", why, detail);
	else
		leg_end(l, oc, "%s", why);
}

/* A redirect: on to the next hop within the family, or the verdict. */
static void
leg_redirect(struct leg *l, const struct hx *x)
{
	char next[RESULT_URL_MAX];

	if (l->hop == CHECK_REDIRECTS_MAX)
		leg_end(l, OUTCOME_HTTP_ERROR, "more than %d redirects",
		    CHECK_REDIRECTS_MAX);
	else if (x->loc_bad == HX_LOC_TOO_LONG)
		leg_end(l, OUTCOME_HTTP_ERROR,
		    "HTTP %d: the Location header is longer than %d bytes",
		    x->status, HX_LOCATION_MAX);
	else if (x->loc_bad != HX_LOC_OK ||
	    url_resolve(l->url, x->location, next, sizeof(next)) == -1)
		leg_end(l, OUTCOME_HTTP_ERROR,
		    "HTTP %d with a malformed or too long Location", x->status);
	else if (strncmp(next, "http://", 7) != 0 &&
	    strncmp(next, "https://", 8) != 0)
		leg_end(l, OUTCOME_HTTP_ERROR, "redirect to a non-HTTP URL");
	else {
		snprintf(l->url, sizeof(l->url), "%s", next);
		l->hop++;
		leg_start(l);
	}
}

/* The status is one expect_status names. */
static int
leg_expected(const struct leg *l, int status)
{
	for (size_t i = 0; i < l->c->nstatus; i++)
		if (l->c->status[i] == status)
			return 1;
	return 0;
}

/* The final page: its status (200-399, or one of expect_status) and
 * expect_body's text decide; on to the large transfer when both hold. */
static void
leg_judge_page(struct leg *l, int status)
{
	char want[CHECK_EXPECT_MAX * 6 + 8];
	int  off = 0;

	if (l->c->nstatus == 0 ? outcome_from_status(status) != OUTCOME_OK :
				 !leg_expected(l, status)) {
		if (l->c->nstatus == 0) {
			leg_end(l, OUTCOME_HTTP_ERROR, "HTTP %d from %s",
			    status, l->url);
			return;
		}
		for (size_t i = 0; i < l->c->nstatus; i++)
			off += snprintf(want + off, sizeof(want) - (size_t)off,
			    "%s%d",
			    i == 0		       ? "" :
				i + 1 == l->c->nstatus ? " or " :
							 ", ",
			    l->c->status[i]);
		leg_end(l, OUTCOME_HTTP_ERROR,
		    "HTTP %d from %s, expected %s (expect_status)", status,
		    l->url, want);
		return;
	}
	if (l->find != NULL && !l->find->found) {
		leg_end(l, OUTCOME_HTTP_ERROR,
		    "HTTP %d from %s: the page (%llu bytes) does not contain \"%.80s%s\" (expect_body)",
		    status, l->url, (unsigned long long)l->bytes, l->find->pat,
		    l->find->len > 80 ? "..." : "");
		return;
	}
	leg_finish_page(l);
}

/* The connection's exchange ended: what it saw decides. */
static void
leg_http_done(struct hx *x)
{
	struct leg    *l = x->arg;
	struct result *r = l->r;

	if (!l->large && l->u.https)
		r->ms[PHASE_TLS] =
		    (r->ms[PHASE_TLS] > 0 ? r->ms[PHASE_TLS] : 0) +
		    x->handshake_ms;
	leg_record_tls(l);
	if (log_getverbose() >= 2)
		log_debug("check %s %s: < HTTP %d, %llu body bytes, %s%s%s",
		    l->c->t->name, family_name(l->fam), x->status,
		    (unsigned long long)x->body_bytes,
		    x->end == HX_OK ? "complete" : "failed",
		    x->why[0] != '\0' ? ": " : "", x->why);
	if (x->end == HX_TLS_FAILED) {
		leg_tls_failed(l, x);
		leg_maybe_done(l);
		return;
	}
	if (!l->large && x->ttfb_ms >= 0)
		r->ms[PHASE_TTFB] =
		    (r->ms[PHASE_TTFB] > 0 ? r->ms[PHASE_TTFB] : 0) +
		    x->ttfb_ms;
	if (l->ended) {
		leg_maybe_done(l);
		return;
	}
	if (x->end != HX_OK && !(l->large && l->capped)) {
		leg_http_failed(l, x);
		leg_maybe_done(l);
		return;
	}
	if (l->large) {
		if (outcome_from_status(x->status) != OUTCOME_OK)
			leg_end(l, OUTCOME_HTTP_ERROR,
			    "large transfer %s: HTTP %d (is large_path right?)",
			    l->large_path, x->status);
		else
			leg_end(l, OUTCOME_OK, NULL);
	} else if (x->status >= 300 && x->status <= 399 &&
	    hx_location(x) != NULL && !leg_expected(l, x->status)) {
		leg_redirect(l, x);
	} else {
		r->has_http = 1;
		r->http_status = x->status;
		r->http_bytes = l->bytes;
		snprintf(r->effective_url, sizeof(r->effective_url), "%s",
		    l->url);
		leg_digest(l);
		leg_judge_page(l, x->status);
	}
	leg_maybe_done(l);
}

void
leg_free(struct leg *l)
{
	for (size_t i = 0; i < l->nh80; i++) {
		tcpconn_stop(&l->h80[i].tc);
		hx_stop(&l->h80[i].hx);
	}
	free(l->h80);
	l->h80 = NULL;
	l->nh80 = 0;
	leg_conns_free(l);
	tcpconn_stop(&l->hconn);
	hx_stop(&l->hx);
	EVP_MD_CTX_free(l->md);
	l->md = NULL;
	free(l->find);
	l->find = NULL;
}
