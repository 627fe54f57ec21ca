/*
 * check: the engine -- target queue, the per-family legs (DNS, connect to
 * every address, HTTP on the first that connects, redirects, the large
 * transfer) and the hand-over of a finished target (see check.h).
 *
 * Ownership: the engine owns every struct check; a check owns its legs,
 * their curl handles (taken from and returned to the engine's pool), TCP
 * connects and the socket handed to curl until curl takes it. A check is
 * freed only when no leg, connect, transfer or DNS query still refers to it.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ares.h>
#include <openssl/evp.h>

#include "check.h"
#include "check_dns.h"
#include "ev.h"
#include "httpc.h"
#include "log.h"
#include "outcome.h"
#include "resolv.h"
#include "tcpconn.h"
#include "tlsrelay.h"
#include "trust.h"
#include "url.h"
#include "util.h"

#define CHECK_USER_AGENT "v6watch/" V6WATCH_VERSION " (IPv6 readiness probe)"

enum leg_phase {
	LEG_IDLE,
	LEG_DNS,
	LEG_CONNECT,
	LEG_HTTP,
	LEG_LARGE,
	LEG_DONE
};

struct check;

struct leg {
	struct check  *c;
	enum family    fam;
	int	       af;
	struct result *r;
	struct sketch *sk;
	enum leg_phase phase;
	int	       ended;

	char	   url[RESULT_URL_MAX]; /* current hop */
	struct url u;
	int	   hop;

	struct sockaddr_storage sa[RESULT_ADDR_MAX];
	size_t			nsa;
	struct tcpconn	       *conn; /* first hop: one per address */
	size_t			nconn;
	int			nconn_running;
	struct tcpconn		hconn; /* later hops, large transfer */
	size_t			hconn_idx;
	int			chosen;
	struct sockaddr_storage final_sa;

	uint64_t dns_start_us;
	int	 dns_pending;

	CURL		  *easy;
	struct httpc_xfer  x;
	char		   errbuf[CURL_ERROR_SIZE];
	struct curl_slist *resolve;
	int		   handover_fd;
	int		   handed_fd;
	struct tls_conn	   tls;
	struct tlsrelay	   relay;
	struct curl_slist *hdrs;     /* Host: for HTTP over our TLS */
	char		  *location; /* of the response; allocated when seen */
	EVP_MD_CTX	  *md;
	uint64_t	   bytes, cap, page_bytes;
	int		   capped;
	int		   headers_done; /* the blank line arrived */
	int		   large;
	const char	  *large_path;
};

struct check {
	struct check_engine *e;
	struct check_target *t;
	struct check_report  rep;
	struct leg	     leg[FAMILY__N];
	int		     legs_running;
	int		     dns_waiting;
	uint64_t	     start_us;
	struct url	     u0;
	int		     u0_ok;
	struct ev_timer	     finish;	  /* hands the report over */
	struct check	    *prev, *next; /* in flight */
};

struct check_engine {
	struct ev_loop	    *loop;
	struct check_opts    o;
	check_done_cb	     done;
	void		    *arg;
	struct httpc	    *hc;
	struct resolv	    *res;
	struct dnscheck	    *dc;
	const EVP_MD	    *sha256;
	struct check_target *qhead, **qtail; /* waiting, not allocated */
	size_t		     nqueued, ninflight, maxinflight;
	struct check	    *running;
	SSL_CTX		    *ctx;	/* shared by every TLS connection */
	X509_STORE	    *own_store; /* the default one, when none given */
	CURL		   **pool;
	size_t		     npool, poolcap;
};

static void leg_hop_begin(struct leg *);
static void leg_http_start(struct leg *);
static void check_maybe_done(struct check *);

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

static double
since_ms(uint64_t start_us)
{
	return (double)(now_mono_us() - start_us) / 1000.0;
}

static void
leg_maybe_done(struct leg *l)
{
	if (!l->ended || l->phase == LEG_DONE || l->nconn_running > 0 ||
	    l->x.active || l->dns_pending)
		return;
	l->phase = LEG_DONE;
	l->c->legs_running--;
	check_maybe_done(l->c);
}

static void __attribute__((format(printf, 3, 4)))
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
		    "after a redirect to "
		    "%.200s: %.280s",
		    l->url, msg);
	else
		snprintf(r->error, sizeof(r->error), "%s", msg);
	for (char *p = r->error; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	r->ms[PHASE_TOTAL] = since_ms(l->c->start_us);
	tcpconn_stop(&l->hconn);
	if (l->handover_fd != -1) {
		close(l->handover_fd);
		l->handover_fd = -1;
	}
	/* Other first-hop connects go on: their outcomes are still news. */
	leg_maybe_done(l);
}

/* legs: connecting */

static void leg_tls_cb(struct tlsrelay *, int);

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
	if (!l->u.https) {
		l->handover_fd = fd;
		leg_http_start(l);
		return;
	}
	/* TLS is ours (one shared context); libcurl gets the plaintext. */
	ssl = tls_new(e->ctx, fd, l->u.host, l->u.literal_af != 0, &l->tls,
	    e->o.resume_tls ? &l->c->t->sess[l->fam] : NULL, now_mono_ms(), err,
	    sizeof(err));
	if (ssl == NULL) {
		close(fd);
		leg_end(l, OUTCOME_ERROR, "%s", err);
		return;
	}
	tlsrelay_stop(&l->relay);
	tlsrelay_start(&l->relay, e->loop, ssl, fd, e->o.timeout_ms, leg_tls_cb,
	    l);
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
				    "TCP connect to %s: %s (and the other %zu "
				    "addresses failed too)",
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
		/* once per leg: hop 0 begins only when the check starts */
		l->conn = xcalloc(l->nsa, sizeof(*l->conn));
		l->nconn = l->nsa;
		for (size_t i = 0; i < l->nconn; i++)
			l->conn[i].fd = -1;
		l->nconn_running = (int)l->nsa;
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

static void
leg_dns_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct leg *l = arg;
	const char *why;
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
		enum outcome oc = outcome_from_ares(status, &why);

		if (oc == OUTCOME_NO_ADDRESS)
			leg_end(l, oc, "%s has no %s record", l->u.host,
			    rr_name(l));
		else
			leg_end(l, oc, "%s lookup of %s: %s", rr_name(l),
			    l->u.host, why);
		return;
	}
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

static void
leg_hop_begin(struct leg *l)
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
			    "the URL names an %s "
			    "address",
			    l->u.literal_af == AF_INET6 ? "IPv6" : "IPv4");
			return;
		}
		inet_pton(l->af, l->u.host, buf);
		sa_set(&l->sa[0], l->af, buf, l->u.port);
		l->nsa = 1;
		l->r->ms[PHASE_DNS] = l->hop == 0 ? 0 : l->r->ms[PHASE_DNS];
		leg_connect(l);
		return;
	}
	if (leg_overrides(l) == 0) {
		if (l->nsa == 0) {
			leg_end(l, OUTCOME_NO_ADDRESS,
			    "--resolve gives %s no "
			    "%s address",
			    l->u.host, l->af == AF_INET6 ? "IPv6" : "IPv4");
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

static curl_socket_t
leg_opensocket_cb(void *clientp, curlsocktype purpose,
    struct curl_sockaddr *address)
{
	struct leg *l = clientp;
	int	    fd;

	(void)purpose;
	if (l->handover_fd != -1 && address->family == l->af) {
		fd = l->handover_fd;
		l->handover_fd = -1;
		l->handed_fd = fd;
		return fd;
	}
	fd = socket(address->family, address->socktype | SOCK_CLOEXEC,
	    address->protocol);
	return fd == -1 ? CURL_SOCKET_BAD : fd;
}

static int
leg_sockopt_cb(void *clientp, curl_socket_t fd, curlsocktype purpose)
{
	struct leg *l = clientp;

	(void)purpose;
	return fd == l->handed_fd ? CURL_SOCKOPT_ALREADY_CONNECTED :
				    CURL_SOCKOPT_OK;
}

static size_t
leg_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct leg *l = userdata;
	size_t	    n = size * nmemb;

	if (l->bytes + n > l->cap) {
		l->capped = 1;
		return 0;
	}
	l->bytes += n;
	if (!l->large) {
		EVP_DigestUpdate(l->md, ptr, n);
		sketch_feed(l->sk, ptr, n);
	}
	return n;
}

/* Only to know whether the response headers ever completed. */
/* Notes whether the response headers completed and where a redirect
 * points (each new status line starts over). */
static size_t
leg_header_cb(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct leg *l = userdata;
	size_t	    n = size * nitems;

	if (n >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
		l->headers_done = 0;
		if (l->location != NULL)
			l->location[0] = '\0';
	} else if (n <= 2 && (n == 0 || buf[0] == '\r' || buf[0] == '\n'))
		l->headers_done = 1;
	else if (n > 9 && strncasecmp(buf, "Location:", 9) == 0) {
		const char *v = buf + 9;
		size_t	    len = n - 9;

		while (len > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			len--;
		}
		while (len > 0 &&
		    (v[len - 1] == '\r' || v[len - 1] == '\n' ||
			v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		if (l->location == NULL)
			l->location = xmalloc(RESULT_URL_MAX);
		/* "\x01" marks a Location that cannot be followed */
		if (len >= RESULT_URL_MAX)
			snprintf(l->location, RESULT_URL_MAX, "%s",
			    "\x01too-long");
		else if (memchr(v, '\0', len) != NULL)
			snprintf(l->location, RESULT_URL_MAX, "%s", "\x01nul");
		else {
			memcpy(l->location, v, len);
			l->location[len] = '\0';
		}
	}
	return n;
}

static CURL *
pool_get(struct check_engine *e)
{
	if (e->npool > 0) {
		CURL *h = e->pool[--e->npool];

		curl_easy_reset(h);
		return h;
	}
	return curl_easy_init();
}

static void
pool_put(struct check_engine *e, CURL *h)
{
	if (h == NULL)
		return;
	if (e->npool == e->poolcap && e->poolcap < CHECK_POOL_MAX) {
		e->poolcap = e->poolcap ? e->poolcap * 2 : 16;
		e->pool = xreallocarray(e->pool, e->poolcap, sizeof(CURL *));
	}
	if (e->npool < e->poolcap)
		e->pool[e->npool++] = h;
	else
		curl_easy_cleanup(h);
}

static void leg_http_done(struct httpc_xfer *, CURLcode);

static void
leg_http_start(struct leg *l)
{
	struct check_engine *e = l->c->e;
	CURL		    *h;
	char		     entry[512], ip[RESULT_IP_MAX];
	char		     url[RESULT_URL_MAX + 300], host[300];
	long		     lowtime = (e->o.timeout_ms + 999) / 1000;

	l->phase = l->large ? LEG_LARGE : LEG_HTTP;
	if (l->easy == NULL && (l->easy = pool_get(e)) == NULL) {
		leg_end(l, OUTCOME_ERROR, "out of memory");
		return;
	} else if (l->x.easy != NULL)
		curl_easy_reset(l->easy);
	h = l->easy;
	l->x.easy = h;
	l->x.done = leg_http_done;
	l->x.arg = l;
	l->errbuf[0] = '\0';
	if (l->location != NULL)
		l->location[0] = '\0';
	l->handed_fd = -1;
	l->bytes = 0;
	l->capped = 0;
	l->headers_done = 0;
	curl_slist_free_all(l->resolve);
	curl_slist_free_all(l->hdrs);
	l->resolve = l->hdrs = NULL;
	if (l->u.literal_af == 0 && !l->u.https) {
		sa_ntop(&l->sa[l->chosen], ip, sizeof(ip));
		snprintf(entry, sizeof(entry),
		    l->af == AF_INET6 ? "%s:%d:[%s]" : "%s:%d:%s", l->u.host,
		    l->u.port, ip);
		l->resolve = curl_slist_append(NULL, entry);
		curl_easy_setopt(h, CURLOPT_RESOLVE, l->resolve);
	}
	if (l->large) {
		snprintf(url, sizeof(url),
		    l->af == AF_INET6 && l->u.literal_af ? "%s://[%s]:%d%s" :
							   "%s://%s:%d%s",
		    l->u.https ? "https" : "http", l->u.host, l->u.port,
		    l->large_path);
		l->cap = CHECK_LARGE_MAX;
	} else {
		snprintf(url, sizeof(url), "%s", l->url);
		l->cap = CHECK_PAGE_MAX;
		if (l->md == NULL)
			l->md = EVP_MD_CTX_new();
		EVP_DigestInit_ex(l->md, e->sha256, NULL);
		sketch_init(l->sk);
	}
	if (l->u.https) {
		char plain[sizeof(url)];

		if (url_plain(url, &l->u, plain, sizeof(plain), host,
			sizeof(host)) == -1) {
			leg_end(l, OUTCOME_ERROR, "cannot rewrite the URL");
			return;
		}
		snprintf(url, sizeof(url), "%s", plain);
		l->hdrs = curl_slist_append(NULL, host);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, l->hdrs);
		curl_easy_setopt(h, CURLOPT_ABSTRACT_UNIX_SOCKET,
		    tlsrelay_name(&l->relay));
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	/* (over our TLS, libcurl's connection is the local socket) */
	if (!l->u.https)
		curl_easy_setopt(h, CURLOPT_IPRESOLVE,
		    l->af == AF_INET6 ? CURL_IPRESOLVE_V6 : CURL_IPRESOLVE_V4);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, leg_opensocket_cb);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, l);
	curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, leg_sockopt_cb);
	curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, l);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, leg_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, l);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, leg_header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, l);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, l->errbuf);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 0L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_USERAGENT, CHECK_USER_AGENT);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)e->o.timeout_ms);
	/* A stall is bytes not arriving; a slow trickle is bounded too. */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, lowtime);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 3L * e->o.timeout_ms);
	if (log_getverbose() >= 2) /* -v -v: libcurl's own account */
		curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	if (httpc_start(e->hc, &l->x) == -1)
		leg_end(l, OUTCOME_ERROR, "cannot start the transfer");
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

/* Our TLS handshake ended: HTTP over it, or the verdict. */
static void
leg_tls_cb(struct tlsrelay *rl, int ok)
{
	struct leg	  *l = rl->arg;
	struct tls_failure f;
	enum outcome	   oc;
	const char	  *why;

	if (!l->large)
		l->r->ms[PHASE_TLS] =
		    (l->r->ms[PHASE_TLS] > 0 ? l->r->ms[PHASE_TLS] : 0) +
		    rl->handshake_ms;
	if (ok) {
		tls_done(rl->ssl, &l->tls);
		leg_record_tls(l);
		leg_http_start(l); /* libcurl connects to the relay */
		leg_maybe_done(l);
		return;
	}
	leg_record_tls(l);
	memset(&f, 0, sizeof(f));
	f.timed_out = rl->timed_out;
	f.verify = l->tls.verify_err;
	f.verify_depth = l->tls.verify_depth;
	f.ssl_err = rl->ssl_err;
	f.sys_err = rl->sys_err;
	oc = outcome_from_tls(&f, &why);
	if (l->large)
		leg_end(l, oc, "large transfer %s: %s%s%s", l->large_path, why,
		    rl->why[0] ? ": " : "", rl->why);
	else if (oc == OUTCOME_STALL)
		leg_end(l, oc,
		    "%s within %d s: small packets pass but the "
		    "server's certificate never arrived (path-MTU black "
		    "hole?)",
		    why, l->c->e->o.timeout_ms / 1000);
	else if (oc == OUTCOME_CERT_EXPIRED && l->tls.has_cert &&
	    l->tls.days_left < 0)
		leg_end(l, oc, "%s (%d days ago)", why, -l->tls.days_left);
	else if (oc == OUTCOME_TLS_ERROR && rl->why[0] != '\0')
		leg_end(l, oc, "%s: %s", why, rl->why);
	else
		leg_end(l, oc, "%s", why);
	leg_maybe_done(l);
}

/*
 * What libcurl left unsaid about a failure, into buf: which header was too
 * long (the relay saw the head of a response over TLS; over plain HTTP
 * only libcurl did, and it does not tell), else libcurl's own words and
 * the relay's.
 */
static void
leg_http_cause(struct leg *l, CURLcode rc, enum outcome oc, char *buf,
    size_t size)
{
	char name[TLSRELAY_NAME];

	buf[0] = '\0';
	if (oc == OUTCOME_HTTP_ERROR && rc == CURLE_UNSUPPORTED_PROTOCOL)
		return; /* libcurl's "HTTP/0.9 when not allowed" adds nothing */
	if (oc == OUTCOME_HTTP_ERROR && rc == CURLE_OUT_OF_MEMORY) {
		if (l->u.https &&
		    tlsrelay_head_longest(&l->relay, name, sizeof(name)) >
			CURL_MAX_HTTP_HEADER &&
		    name[0] != '\0')
			snprintf(buf, size,
			    "the %s header is longer than %d bytes", name,
			    CURL_MAX_HTTP_HEADER);
		else
			snprintf(buf, size,
			    "a line of the response head is longer than %d "
			    "bytes",
			    CURL_MAX_HTTP_HEADER);
		return;
	}
	snprintf(buf, size, "%s%s%s", l->errbuf,
	    !l->relay.why[0] ? "" :
		l->errbuf[0] ? "; TLS: " :
			       "TLS: ",
	    l->relay.why);
}

static void
leg_http_failed(struct leg *l, CURLcode rc, long os_errno, int got_headers)
{
	struct curl_failure f;
	enum outcome	    oc;
	const char	   *why;
	char		    detail[CURL_ERROR_SIZE + 256];

	memset(&f, 0, sizeof(f));
	f.code = rc;
	f.os_errno = os_errno;
	f.verify = l->tls.verify_err;
	f.verify_depth = l->tls.verify_depth;
	f.tcp_ok = 1;
	f.tls = l->u.https;
	f.tls_done = 1; /* our relay finished the handshake first */
	f.got_headers = got_headers;
	f.msg = l->errbuf;
	oc = outcome_from_curl(&f, &why);
	leg_http_cause(l, rc, oc, detail, sizeof(detail));
	if (l->large) {
		if (oc == OUTCOME_STALL)
			leg_end(l, oc,
			    "large transfer %s stalled after %llu "
			    "bytes, while the page itself (%llu bytes) "
			    "loaded: full-size packets are lost on the path "
			    "(path-MTU black hole? ICMPv6 Packet Too Big "
			    "filtered?)",
			    l->large_path, (unsigned long long)l->bytes,
			    (unsigned long long)l->page_bytes);
		else
			leg_end(l, oc, "large transfer %s: %s%s%s",
			    l->large_path, why, detail[0] ? ": " : "", detail);
		return;
	}
	if (oc == OUTCOME_STALL && f.tls && !f.tls_done)
		leg_end(l, oc,
		    "%s within %d s: small packets pass but the "
		    "server's certificate never arrived (path-MTU black "
		    "hole?)",
		    why, l->c->e->o.timeout_ms / 1000);
	else if (oc == OUTCOME_STALL)
		leg_end(l, oc,
		    "%s after %llu bytes, within %d s; TCP%s "
		    "worked (path-MTU black hole?)",
		    why, (unsigned long long)l->bytes,
		    l->c->e->o.timeout_ms / 1000, f.tls ? " and TLS" : "");
	else if (rc == CURLE_WRITE_ERROR && l->capped)
		leg_end(l, OUTCOME_ERROR,
		    "the page is larger than %u MiB; "
		    "reading stopped",
		    CHECK_PAGE_MAX >> 20);
	else if (detail[0] != '\0')
		leg_end(l, oc, "%s: %s", why, detail);
	else
		leg_end(l, oc, "%s", why);
}

static void
leg_http_done(struct httpc_xfer *x, CURLcode rc)
{
	struct leg    *l = x->arg;
	struct result *r = l->r;
	curl_off_t     t_conn = 0, t_start = 0;
	long	       status = 0, os_errno = 0;
	char	       next[RESULT_URL_MAX];

	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_errno);
	curl_easy_getinfo(x->easy, CURLINFO_CONNECT_TIME_T, &t_conn);
	curl_easy_getinfo(x->easy, CURLINFO_STARTTRANSFER_TIME_T, &t_start);
	if (l->handover_fd != -1) { /* curl never asked for it */
		close(l->handover_fd);
		l->handover_fd = -1;
	}
	/* The exchange is over: close the TLS connection too. */
	if (l->u.https)
		tlsrelay_stop(&l->relay);
	if (!l->large && t_start > 0)
		r->ms[PHASE_TTFB] =
		    (r->ms[PHASE_TTFB] > 0 ? r->ms[PHASE_TTFB] : 0) +
		    (double)(t_start - t_conn) / 1000.0;
	if (l->ended) {
		leg_maybe_done(l);
		return;
	}
	if (rc != CURLE_OK &&
	    !(l->large && rc == CURLE_WRITE_ERROR && l->capped)) {
		leg_http_failed(l, rc, os_errno, l->headers_done);
		leg_maybe_done(l);
		return;
	}
	if (l->large) {
		if (outcome_from_status(status) != OUTCOME_OK)
			leg_end(l, OUTCOME_HTTP_ERROR,
			    "large transfer %s: HTTP %ld (is large_path "
			    "right?)",
			    l->large_path, status);
		else
			leg_end(l, OUTCOME_OK, NULL);
		leg_maybe_done(l);
		return;
	}
	if (status >= 300 && status <= 399 && l->location != NULL &&
	    l->location[0] != '\0') {
		if (l->hop == CHECK_REDIRECTS_MAX)
			leg_end(l, OUTCOME_HTTP_ERROR,
			    "more than %d "
			    "redirects",
			    CHECK_REDIRECTS_MAX);
		else if (strcmp(l->location, "\x01too-long") == 0)
			leg_end(l, OUTCOME_HTTP_ERROR,
			    "HTTP %ld: the Location header is longer than %d "
			    "bytes",
			    status, RESULT_URL_MAX - 1);
		else if (l->location[0] == '\x01' ||
		    url_resolve(l->url, l->location, next, sizeof(next)) == -1)
			leg_end(l, OUTCOME_HTTP_ERROR,
			    "HTTP %ld with a "
			    "malformed or too long Location",
			    status);
		else if (strncmp(next, "http://", 7) != 0 &&
		    strncmp(next, "https://", 8) != 0)
			leg_end(l, OUTCOME_HTTP_ERROR,
			    "redirect to a "
			    "non-HTTP URL");
		else {
			snprintf(l->url, sizeof(l->url), "%s", next);
			l->hop++;
			leg_hop_begin(l);
		}
		leg_maybe_done(l);
		return;
	}
	r->has_http = 1;
	r->http_status = (int)status;
	r->http_bytes = l->bytes;
	snprintf(r->effective_url, sizeof(r->effective_url), "%s", l->url);
	leg_digest(l);
	if (outcome_from_status(status) != OUTCOME_OK)
		leg_end(l, OUTCOME_HTTP_ERROR, "HTTP %ld from %s", status,
		    l->url);
	else
		leg_finish_page(l);
	leg_maybe_done(l);
}

/* checks */

static void
check_free(struct check *c)
{
	for (int f = 0; f < FAMILY__N; f++) {
		struct leg *l = &c->leg[f];

		leg_conns_free(l);
		free(l->location);
		tcpconn_stop(&l->hconn);
		if (l->x.active)
			httpc_cancel(c->e->hc, &l->x);
		pool_put(c->e, l->easy);
		tlsrelay_stop(&l->relay);
		curl_slist_free_all(l->resolve);
		curl_slist_free_all(l->hdrs);
		EVP_MD_CTX_free(l->md);
		if (l->handover_fd != -1)
			close(l->handover_fd);
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

static void
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
	/* Count the legs first: a leg may end before the next starts. */
	for (int f = 0; f < FAMILY__N; f++)
		if (e->o.families & (1 << f))
			c->legs_running++;
	if (ok && c->u0.literal_af == 0 && e->o.ns_check) {
		c->dns_waiting = 1;
		dnscheck_get(e->dc, c->u0.host, &c->t->zone_hint, check_dns_cb,
		    c);
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
		leg_hop_begin(l);
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
		l->handover_fd = -1;
		l->handed_fd = -1;
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
	if (e->o.concurrency <= 0)
		e->o.concurrency = 1;
	if (e->o.timeout_ms <= 0)
		e->o.timeout_ms = 10000;
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
	if (e->o.concurrency <= 0)
		e->o.concurrency = 1;
	if (e->o.timeout_ms <= 0)
		e->o.timeout_ms = 10000;
	e->done = done;
	e->arg = arg;
	e->qtail = &e->qhead;
	memset(&ro, 0, sizeof(ro));
	ro.timeout_ms = e->o.timeout_ms / 3 > 0 ? e->o.timeout_ms / 3 : 1;
	ro.tries = 2;
	if ((e->hc = httpc_new(loop)) == NULL) {
		snprintf(err, errlen, "cannot set up libcurl");
		goto fail;
	}
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
	httpc_free(e->hc);
	for (size_t i = 0; i < e->npool; i++)
		curl_easy_cleanup(e->pool[i]);
	SSL_CTX_free(e->ctx);
	X509_STORE_free(e->own_store);
	free(e->pool);
	free(e);
}

void
check_target_clear(struct check_target *t)
{
	for (int f = 0; f < FAMILY__N; f++)
		tls_sess_clear(&t->sess[f]);
	free(t->zone_hint);
	t->zone_hint = NULL;
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
			    "--resolve %s: '%s' is not an IP "
			    "address",
			    s, v);
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
