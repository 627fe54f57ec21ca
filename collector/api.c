/*
 * api: libmicrohttpd glue and request handling. MHD runs with MHD_USE_EPOLL
 * and no thread of its own: its epoll fd is one read watcher of the loop,
 * MHD_run() runs on readiness and on a timer armed from MHD_get_timeout().
 * Every request handler runs inside MHD_run(), on the loop's thread, and
 * never waits: a batch whose next RRD file is locked by a reader (see
 * ingest_step()) suspends its connection, and a timer of the loop resumes
 * it to go on; a batch of a probe that has one on its way waits suspended
 * until that one is answered.
 *
 * POST bodies: the probe is authenticated and the size checked from the
 * headers, before any byte of the body is read; a body too large by its
 * Content-Length gets its 413 at once (MHD drops the rest and closes). A
 * body without a length (chunked) is buffered up to API_BODY_MAX. Past
 * that, libmicrohttpd 0.9.75 takes no reply until the request is
 * complete: MHD_queue_response() returns MHD_NO from an upload call (its
 * header says so), and also while the connection is suspended; a handler
 * that stops consuming the body leaves the connection waiting (MHD warns
 * it "may result in hung connection"; with its own thread it answers
 * 500). So the rest of the body is read and dropped, and the 413 queued
 * when the request is complete, over TLS as over plain HTTP. A body going
 * on past API_DISCARD_MAX ends the connection: over plain HTTP a fixed 413
 * is written to the socket first; over TLS the socket carries MHD's TLS
 * session, so it is only closed.
 *
 * Buffered bodies are reserved when a POST's headers are in, against the
 * pool (API_BODIES_MAX) and the probe's share of it (API_PROBE_BODIES_MAX);
 * past either, 503 with Retry-After.
 *
 * Connections. MHD's own limits are not enough against slow clients: its
 * timeout restarts at every byte, and it counts per address, when one
 * IPv6 host has a /64. So: the accept policy callback refuses a source
 * (api_src_key: a /64, an IPv4 address) holding max_per_ip connections;
 * MHD_OPTION_NOTIFY_CONNECTION keeps struct api_conn for each connection
 * (the socket context), counted under its source; every API_SWEEP_MS the
 * bytes each socket has received (TCP_INFO) show when a request started
 * and how fast it comes, and one too slow (api_slow_check) is ended from
 * outside: a 408 written to the socket over plain HTTP, then
 * shutdown(SHUT_RDWR), so that MHD reads EOF and closes it. A request is
 * judged until its answer is queued; the clock of the next one starts with
 * its first byte. When a limit bites, a line names the source, once per
 * reason until the source has been quiet for API_QUIET_MS (then one line
 * sums the episode up); these lines are rate-limited over all sources.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/tcp.h> /* tcpi_bytes_received: not in glibc's tcp_info */

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "api.h"
#include "collector.h"
#include "conf.h"
#include "ev.h"
#include "ingest.h"
#include "ledger.h"
#include "log.h"
#include "metrics.h"
#include "status.h"
#include "table.h"
#include "targets.h"
#include "util.h"
#include "webroot.h"

#define API_TLS_FILE_MAX (1024 * 1024)
/* Lines of each kind logged per window; the rest are counted. */
#define API_LOG_WINDOW_MS 10000
#define API_LOG_MAX	  10
/* A source's limit episode ends after this long without a bite. */
#define API_QUIET_MS 60000

#define API_STR_(x) #x
#define API_STR(x)  API_STR_(x)

enum route { ROUTE_RESULTS, ROUTE_TARGETS, ROUTE_STATUS, ROUTE_METRICS };

/*
 * GET /api/v1/targets: a probe's answer, built once per target list and
 * kept with the list (target_list.cache), which a reload replaces. MHD
 * counts the references to a response: one queued outlives the list.
 */
struct api_tbody {
	struct MHD_Response *r; /* 200, its body and headers */
	char		     etag[TARGETS_ETAG_SIZE];
	size_t		     len;
};

struct api_tcache {
	struct table	  *by_probe; /* name -> struct api_tbody */
	struct api_tbody **v;
	size_t		   n, cap;
	size_t		   bytes; /* of the bodies kept */
	int		   full;  /* said that API_TARGETS_CACHE_MAX bit */
};

/* Lines logged in the current window, and those dropped. */
struct api_lograte {
	uint64_t start_ms;
	unsigned n, dropped;
};

/* Why a source was limited: API_SLOW_* or this. */
#define API_BITE_REFUSED 0

/* A source of connections (api_src_key) with connections open or a limit
 * episode going on. */
struct api_src {
	struct api_src *hnext;	     /* hash chain */
	struct api_src *prev, *next; /* every source */
	unsigned char	key[API_SRC_KEY_LEN];
	unsigned	conns;	       /* open now */
	uint64_t	bite_first_ms; /* episode start; 0: none */
	uint64_t	bite_last_ms;
	unsigned long	refused, ended; /* in this episode */
	unsigned	logged;		/* 1 << reason: said this episode */
	int		spoke;		/* a line was written this episode */
};

/* One connection (MHD's socket context). */
struct api_conn {
	struct api_conn *prev, *next;
	struct api_src	*src; /* NULL: not an IP client */
	int		 fd;
	uint64_t	 base;	    /* bytes received before this request */
	uint64_t	 start_ms;  /* its first byte seen; 0: not yet */
	int		 headers;   /* its headers are complete */
	int		 answering; /* its answer is queued */
	int		 ending;    /* shut down, MHD to close it */
};

/* Bodies a probe has buffered. */
struct api_probe {
	struct api_probe *next;
	char		  name[RESULT_NAME_MAX];
	size_t		  bytes;
	int		  logged; /* its share refused a POST (said once) */
};

struct api {
	struct collector  *co;
	struct MHD_Daemon *mhd;
	struct ev_io	   io;
	struct ev_timer	   timer;
	struct ev_timer	   sweep; /* slow requests, episodes */
	int		   tls;
	int		   quiesced;
	unsigned	   max_per_src;
	unsigned	   max_conns, nconns;
	uint64_t	   closed; /* connections closed, ever */
	int		   full;   /* said that max_connections is reached */
	size_t		   inflight;
	size_t		   body_bytes; /* reserved by requests in progress */
	struct api_probe  *probes;     /* with bodies reserved */
	struct api_src	 **buckets;
	size_t		   nbuckets; /* a power of 2 */
	uint64_t	   seed[2];
	struct api_src	  *srcs;
	struct api_conn	  *conns;
	struct req	  *held; /* suspended requests */
	char		  *tls_cert, *tls_key;
	size_t		   tls_key_len;
	struct api_lograte faillog, limlog;
};

struct req {
	struct api	      *a;
	struct MHD_Connection *conn;
	struct ingest	      *job;	      /* its batch, once started */
	struct ev_timer	       retry;	      /* a locked file: step again */
	int		       held;	      /* suspended, in a->held */
	struct req	      *hprev, *hnext; /* a->held */
	enum route	       route;
	char		       probe[RESULT_NAME_MAX]; /* authenticated */
	struct api_probe      *pb;		       /* while reserved > 0 */
	char		      *body;
	size_t		       len, reserved;
	int    too_large; /* past API_BODY_MAX: the rest is dropped */
	size_t total;	  /* bytes of the body received */
};

static const char api_413_raw[] =
    "HTTP/1.1 413 Payload Too Large\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 42\r\n"
    "Connection: close\r\n"
    "\r\n"
    "{\"error\":\"body larger than 1048576 bytes\"}";

#define API_408_BODY "{\"error\":\"request sent too slowly\"}"
_Static_assert(sizeof(API_408_BODY) - 1 == 35, "Content-Length of the 408");
static const char api_408_raw[] = "HTTP/1.1 408 Request Timeout\r\n"
				  "Content-Type: application/json\r\n"
				  "Content-Length: 35\r\n"
				  "Connection: close\r\n"
				  "\r\n" API_408_BODY;

static const char *const api_slow_texts[] = {
    [API_SLOW_NO] = "not slow",
    [API_SLOW_HEADERS] =
	"headers not complete after " API_STR(API_HEADERS_S) " s",
    [API_SLOW_REQUEST] =
	"request not complete after " API_STR(API_REQUEST_S) " s",
    [API_SLOW_RATE] = "request slower than " API_STR(API_MIN_RATE) " bytes/s",
};

/* connections: sources, deadlines, logs */

enum api_slow
api_slow_check(uint64_t elapsed_ms, uint64_t bytes, int headers_done)
{
	if (!headers_done && elapsed_ms > API_HEADERS_S * 1000ULL)
		return API_SLOW_HEADERS;
	if (elapsed_ms > API_REQUEST_S * 1000ULL)
		return API_SLOW_REQUEST;
	if (elapsed_ms > API_RATE_GRACE_S * 1000ULL &&
	    bytes * 1000 < (uint64_t)API_MIN_RATE * elapsed_ms)
		return API_SLOW_RATE;
	return API_SLOW_NO;
}

const char *
api_slow_text(enum api_slow why)
{
	if ((size_t)why >= NELEM(api_slow_texts))
		return "?";
	return api_slow_texts[why];
}

int
api_src_key(const struct sockaddr *sa, unsigned char key[API_SRC_KEY_LEN])
{
	static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff};
	const unsigned char	  *a6;

	memset(key, 0, API_SRC_KEY_LEN);
	if (sa->sa_family == AF_INET) {
		memcpy(key, v4mapped, sizeof(v4mapped));
		memcpy(key + 12,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    4);
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return -1;
	a6 = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	if (memcmp(a6, v4mapped, sizeof(v4mapped)) == 0)
		memcpy(key, a6, 16); /* IPv4 through a dual-stack socket */
	else
		memcpy(key, a6, 8); /* the /64 */
	return 0;
}

const char *
api_src_name(const unsigned char key[API_SRC_KEY_LEN], char *buf, size_t size)
{
	static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff};
	char			   addr[INET6_ADDRSTRLEN];

	if (memcmp(key, v4mapped, sizeof(v4mapped)) == 0) {
		if (inet_ntop(AF_INET, key + 12, addr, sizeof(addr)) == NULL)
			snprintf(addr, sizeof(addr), "?");
		snprintf(buf, size, "%s", addr);
	} else {
		if (inet_ntop(AF_INET6, key, addr, sizeof(addr)) == NULL)
			snprintf(addr, sizeof(addr), "?");
		snprintf(buf, size, "%s/64", addr);
	}
	return buf;
}

/*
 * 1 when one more line may be logged now: API_LOG_MAX per window. Lines
 * dropped in the last window are reported as "N more <what> not logged".
 */
static int
api_lograte_ok(struct api_lograte *lr, uint64_t now, const char *what)
{
	if (now - lr->start_ms > API_LOG_WINDOW_MS) {
		if (lr->dropped > 0)
			log_warnx("%u more %s not logged", lr->dropped, what);
		lr->start_ms = now;
		lr->n = 0;
		lr->dropped = 0;
	}
	if (lr->n < API_LOG_MAX) {
		lr->n++;
		return 1;
	}
	lr->dropped++;
	return 0;
}

static uint64_t
api_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Seeded at start, so that a client cannot pick prefixes that collide. */
static size_t
api_src_hash(const struct api *a, const unsigned char *key)
{
	uint64_t k0, k1;

	memcpy(&k0, key, 8);
	memcpy(&k1, key + 8, 8);
	return (size_t)(api_mix(api_mix(k0 ^ a->seed[0]) ^ k1 ^ a->seed[1]) &
	    (a->nbuckets - 1));
}

static struct api_src *
api_src_find(const struct api *a, const unsigned char *key)
{
	struct api_src *s;

	for (s = a->buckets[api_src_hash(a, key)]; s != NULL; s = s->hnext)
		if (memcmp(s->key, key, API_SRC_KEY_LEN) == 0)
			return s;
	return NULL;
}

static struct api_src *
api_src_get(struct api *a, const unsigned char *key)
{
	struct api_src *s = api_src_find(a, key);
	size_t		h;

	if (s != NULL)
		return s;
	s = xcalloc(1, sizeof(*s));
	memcpy(s->key, key, API_SRC_KEY_LEN);
	h = api_src_hash(a, key);
	s->hnext = a->buckets[h];
	a->buckets[h] = s;
	s->next = a->srcs;
	if (a->srcs != NULL)
		a->srcs->prev = s;
	a->srcs = s;
	return s;
}

static void
api_src_free(struct api *a, struct api_src *s)
{
	struct api_src **pp;

	for (pp = &a->buckets[api_src_hash(a, s->key)]; *pp != s;
	     pp = &(*pp)->hnext)
		;
	*pp = s->hnext;
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		a->srcs = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	free(s);
}

/* A limit bit source s (why: API_BITE_REFUSED or an API_SLOW_*). */
static void
api_bite(struct api *a, struct api_src *s, unsigned why)
{
	uint64_t now = ev_now(a->co->loop);
	char	 name[INET6_ADDRSTRLEN + 4];

	if (why == API_BITE_REFUSED)
		s->refused++;
	else
		s->ended++;
	if (s->bite_first_ms == 0)
		s->bite_first_ms = now;
	s->bite_last_ms = now;
	if (s->logged & (1u << why))
		return;
	s->logged |= 1u << why;
	if (!api_lograte_ok(&a->limlog, now, "lines about connection limits"))
		return;
	s->spoke = 1;
	api_src_name(s->key, name, sizeof(name));
	if (why == API_BITE_REFUSED)
		log_warnx(
		    "%s: new connections refused: %u open, max_per_ip is %u (per /64 for IPv6)",
		    name, s->conns, a->max_per_src);
	else
		log_warnx("%s: connection ended: %s", name,
		    api_slow_text((enum api_slow)why));
}

/* End an episode quiet for API_QUIET_MS; free a source with nothing left. */
static void
api_src_sweep(struct api *a, struct api_src *s, uint64_t now)
{
	char name[INET6_ADDRSTRLEN + 4];

	if (s->bite_first_ms != 0 && now - s->bite_last_ms >= API_QUIET_MS) {
		if (s->spoke)
			log_info("%s: connection limits quiet for %d s: %lu connections refused, %lu ended as too slow in %llu s",
			    api_src_name(s->key, name, sizeof(name)),
			    API_QUIET_MS / 1000, s->refused, s->ended,
			    (unsigned long long)(s->bite_last_ms -
				s->bite_first_ms) /
				1000);
		s->bite_first_ms = s->bite_last_ms = 0;
		s->refused = s->ended = 0;
		s->logged = 0;
		s->spoke = 0;
	}
	if (s->conns == 0 && s->bite_first_ms == 0)
		api_src_free(a, s);
}

/* Bytes the socket has received; -1 when the kernel does not say. */
static int
api_tcp_bytes(int fd, uint64_t *bytes)
{
	struct tcp_info ti;
	socklen_t	len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (fd == -1 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return -1;
	if (len < offsetof(struct tcp_info, tcpi_bytes_received) +
		sizeof(ti.tcpi_bytes_received))
		return -1; /* before Linux 4.1 */
	*bytes = ti.tcpi_bytes_received;
	return 0;
}

/* End a connection whose request is too slow (see the top of this file). */
static void
api_conn_end(struct api *a, struct api_conn *cn, enum api_slow why)
{
	cn->ending = 1;
	if (!a->tls)
		(void)send(cn->fd, api_408_raw, sizeof(api_408_raw) - 1,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(cn->fd, SHUT_RDWR);
	if (cn->src != NULL)
		api_bite(a, cn->src, (unsigned)why);
}

static void
api_conn_sweep(struct api *a, struct api_conn *cn, uint64_t now)
{
	enum api_slow why;
	uint64_t      bytes;

	if (cn->answering || cn->ending || api_tcp_bytes(cn->fd, &bytes) == -1)
		return;
	if (cn->start_ms == 0) {
		if (bytes == cn->base)
			return; /* idle: connection_timeout's */
		cn->start_ms = now;
	}
	why = api_slow_check(now - cn->start_ms, bytes - cn->base, cn->headers);
	if (why != API_SLOW_NO)
		api_conn_end(a, cn, why);
}

static void
api_sweep_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct api	*a = t->arg;
	struct api_conn *cn;
	struct api_src	*s, *next;
	uint64_t	 now = ev_now(loop);

	for (cn = a->conns; cn != NULL; cn = cn->next)
		api_conn_sweep(a, cn, now);
	for (s = a->srcs; s != NULL; s = next) {
		next = s->next;
		api_src_sweep(a, s, now);
	}
	if (a->conns != NULL || a->srcs != NULL)
		ev_timer_arm(loop, t, API_SWEEP_MS);
}

/* MHD's accept policy: refuse a source holding max_per_ip connections. */
static enum MHD_Result
api_accept_cb(void *cls, const struct sockaddr *sa, socklen_t salen)
{
	struct api     *a = cls;
	struct api_src *s;
	unsigned char	key[API_SRC_KEY_LEN];

	(void)salen;
	if (api_src_key(sa, key) == -1 || (s = api_src_find(a, key)) == NULL ||
	    s->conns < a->max_per_src)
		return MHD_YES;
	api_bite(a, s, API_BITE_REFUSED);
	return MHD_NO;
}

static void
api_conn_free(struct api *a, struct api_conn *cn)
{
	if (cn == NULL)
		return;
	if (cn->prev != NULL)
		cn->prev->next = cn->next;
	else
		a->conns = cn->next;
	if (cn->next != NULL)
		cn->next->prev = cn->prev;
	a->closed++;
	if (--a->nconns <= a->max_conns / 4 * 3)
		a->full = 0;
	if (cn->src != NULL && --cn->src->conns == 0 &&
	    cn->src->bite_first_ms == 0)
		api_src_free(a, cn->src);
	free(cn);
}

/* A connection starts or ends: its struct api_conn is the socket context. */
static void
api_conn_cb(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct api		       *a = cls;
	struct api_conn		       *cn;
	const union MHD_ConnectionInfo *ci;
	unsigned char			key[API_SRC_KEY_LEN];

	if (toe != MHD_CONNECTION_NOTIFY_STARTED) {
		api_conn_free(a, *socket_context);
		*socket_context = NULL;
		return;
	}
	cn = xcalloc(1, sizeof(*cn));
	cn->fd = -1;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci != NULL)
		cn->fd = ci->connect_fd;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL &&
	    api_src_key(ci->client_addr, key) == 0) {
		cn->src = api_src_get(a, key);
		cn->src->conns++;
	}
	cn->next = a->conns;
	if (a->conns != NULL)
		a->conns->prev = cn;
	a->conns = cn;
	*socket_context = cn;
	/* MHD turns the next ones away before api_accept_cb sees them. */
	if (++a->nconns >= a->max_conns && !a->full) {
		a->full = 1;
		if (api_lograte_ok(&a->limlog, ev_now(a->co->loop),
			"lines about connection limits"))
			log_warnx(
			    "%u connections open: max_connections reached, new ones are refused until some close",
			    a->nconns);
	}
	if (!ev_timer_armed(&a->sweep))
		ev_timer_arm(a->co->loop, &a->sweep, API_SWEEP_MS);
}

static struct api_conn *
api_conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

/* bodies: the pool and each probe's share */

static struct api_probe *
api_probe_get(struct api *a, const char *name)
{
	struct api_probe *pb;

	for (pb = a->probes; pb != NULL; pb = pb->next)
		if (strcmp(pb->name, name) == 0)
			return pb;
	pb = xcalloc(1, sizeof(*pb));
	(void)str_copy(pb->name, sizeof(pb->name), name);
	pb->next = a->probes;
	a->probes = pb;
	return pb;
}

/* Forget a probe with no body left. */
static void
api_probe_put(struct api *a, struct api_probe *pb)
{
	struct api_probe **pp;

	if (pb->bytes > 0)
		return;
	for (pp = &a->probes; *pp != pb; pp = &(*pp)->next)
		;
	*pp = pb->next;
	free(pb);
}

static void
api_body_release(struct api *a, struct req *rq)
{
	a->body_bytes -= rq->reserved;
	if (rq->pb != NULL) {
		rq->pb->bytes -= rq->reserved;
		api_probe_put(a, rq->pb);
		rq->pb = NULL;
	}
	rq->reserved = 0;
}

/* responses */

/* MHD_queue_response(); once queued, the request is no longer judged slow. */
static enum MHD_Result
api_queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
	struct api_conn *cn;
	enum MHD_Result	 ret;

	ret = MHD_queue_response(c, status, r);
	if (ret == MHD_YES && (cn = api_conn_of(c)) != NULL)
		cn->answering = 1;
	return ret;
}

/* Queue status with body (malloc'd, taken over) of content type ctype. */
static enum MHD_Result
api_reply(struct MHD_Connection *c, unsigned status, char *body, size_t len,
    const char *ctype, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result	     ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer");
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "10");
	if (status == MHD_HTTP_CONTENT_TOO_LARGE)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = api_queue(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
api_json(struct MHD_Connection *c, unsigned status, char *json)
{
	return api_reply(c, status, json, strlen(json), "application/json",
	    NULL);
}

static enum MHD_Result
api_error(struct MHD_Connection *c, unsigned status, const char *msg,
    const char *allow)
{
	char *json = ingest_error(msg);

	return api_reply(c, status, json, strlen(json), "application/json",
	    allow);
}

/* The client's address as text, for logs. */
static const char *
api_peer(struct MHD_Connection *c, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr	       *sa;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(buf, size, "?");
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return buf;
	if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    buf, (socklen_t)size);
	else if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    buf, (socklen_t)size);
	return buf;
}

static void
api_log_authfail(struct api *a, struct MHD_Connection *c, const char *method,
    const char *why)
{
	uint64_t now = ev_now(a->co->loop);
	char	 peer[INET6_ADDRSTRLEN];

	a->co->auth_failures++;
	if (api_lograte_ok(&a->faillog, now, "refused requests"))
		log_warnx("%s from %s refused: %s", method,
		    api_peer(c, peer, sizeof(peer)), why);
}

/*
 * The probe whose token the request bears (Authorization: Bearer, as
 * POST /api/v1/results and GET /api/v1/targets take it), or NULL with
 * the 401 queued (*ret).
 */
static const char *
api_auth(struct api *a, struct MHD_Connection *c, const char *method,
    enum MHD_Result *ret)
{
	const char *auth, *who;

	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
		api_log_authfail(a, c, method, "no bearer token");
		*ret = api_error(c, MHD_HTTP_UNAUTHORIZED,
		    "unknown probe or bad token", NULL);
		return NULL;
	}
	auth += 7;
	auth += strspn(auth, " ");
	who = collector_auth(a->co, auth, strlen(auth));
	if (who == NULL) {
		api_log_authfail(a, c, method, "unknown token");
		*ret = api_error(c, MHD_HTTP_UNAUTHORIZED,
		    "unknown probe or bad token", NULL);
	}
	return who;
}

/* routes */

static int
api_route(const char *url, enum route *route)
{
	if (strcmp(url, "/api/v1/results") == 0)
		*route = ROUTE_RESULTS;
	else if (strcmp(url, "/api/v1/targets") == 0)
		*route = ROUTE_TARGETS;
	else if (strcmp(url, "/api/v1/status") == 0)
		*route = ROUTE_STATUS;
	else if (strcmp(url, "/metrics") == 0)
		*route = ROUTE_METRICS;
	else
		return -1;
	return 0;
}

/* "application/json", optionally with parameters. */
static int
api_is_json(const char *ctype)
{
	size_t n = strlen("application/json");

	if (ctype == NULL || strncasecmp(ctype, "application/json", n) != 0)
		return 0;
	ctype += n;
	ctype += strspn(ctype, " \t");
	return *ctype == '\0' || *ctype == ';';
}

static enum MHD_Result
api_get(struct api *a, struct MHD_Connection *c, enum route route)
{
	char  *text;
	size_t len;

	if (route == ROUTE_STATUS) {
		text = status_json(a->co, now_wall());
		return api_json(c, MHD_HTTP_OK, text);
	}
	text = metrics_text(a->co, &len);
	return api_reply(c, MHD_HTTP_OK, text, len,
	    "text/plain; version=0.0.4; charset=utf-8", NULL);
}

/* GET /api/v1/targets */

int
api_etag_match(const char *header, const char *etag)
{
	const char *h = header, *end;
	size_t	    n = strlen(etag);

	for (;;) {
		h += strspn(h, " \t,");
		if (*h == '\0')
			return 0;
		if (*h == '*') {
			end = h + 1 + strspn(h + 1, " \t");
			if (*end == '\0' || *end == ',')
				return 1;
		}
		if (strncmp(h, "W/", 2) == 0) /* weak comparison */
			h += 2;
		if (*h == '"' && (end = strchr(h + 1, '"')) != NULL) {
			if ((size_t)(end + 1 - h) == n &&
			    memcmp(h, etag, n) == 0)
				return 1;
			h = end + 1;
		} else
			h += strcspn(h, ",");
	}
}

static void
api_tbody_free(struct api_tbody *b)
{
	if (b == NULL)
		return;
	if (b->r != NULL) /* one queued stays until it is sent */
		MHD_destroy_response(b->r);
	free(b);
}

static void
api_tcache_free(void *p)
{
	struct api_tcache *tc = p;

	for (size_t i = 0; i < tc->n; i++)
		api_tbody_free(tc->v[i]);
	free(tc->v);
	table_free(tc->by_probe);
	free(tc);
}

/* probe's answer from tl (NULL: no targets_file); NULL when it failed. */
static struct api_tbody *
api_tbody_new(const struct target_list *tl, const char *probe)
{
	struct api_tbody *b = xcalloc(1, sizeof(*b));
	char		 *body;

	if (targets_json(tl, probe, &body, &b->len, b->etag, sizeof(b->etag)) ==
	    -1)
		goto fail;
	b->r = MHD_create_response_from_buffer(b->len, body,
	    MHD_RESPMEM_MUST_FREE);
	if (b->r == NULL) {
		free(body);
		goto fail;
	}
	if (MHD_add_response_header(b->r, MHD_HTTP_HEADER_CONTENT_TYPE,
		"application/json") != MHD_YES ||
	    MHD_add_response_header(b->r, MHD_HTTP_HEADER_ETAG, b->etag) !=
		MHD_YES ||
	    MHD_add_response_header(b->r, MHD_HTTP_HEADER_CACHE_CONTROL,
		"no-cache") != MHD_YES)
		goto fail;
	return b;
fail:
	api_tbody_free(b);
	return NULL;
}

/*
 * probe's answer: kept with tl, built on the first request. *kept is 0
 * when the caller frees it (no list, or API_TARGETS_CACHE_MAX reached).
 */
static struct api_tbody *
api_tbody_get(struct target_list *tl, const char *probe, int *kept)
{
	struct api_tcache *tc;
	struct api_tbody  *b;

	*kept = 0;
	if (tl == NULL)
		return api_tbody_new(NULL, probe);
	if (tl->cache == NULL) {
		tc = xcalloc(1, sizeof(*tc));
		tc->by_probe = table_new();
		tl->cache = tc;
		tl->cache_free = api_tcache_free;
	}
	tc = tl->cache;
	if ((b = table_get(tc->by_probe, probe, strlen(probe))) != NULL) {
		*kept = 1;
		return b;
	}
	if ((b = api_tbody_new(tl, probe)) == NULL)
		return NULL;
	log_debug("GET /api/v1/targets: probe %s: body of %zu bytes built, ETag %s",
	    probe, b->len, b->etag);
	if (tc->bytes + b->len > API_TARGETS_CACHE_MAX) {
		if (!tc->full)
			log_warnx(
			    "GET /api/v1/targets: the answers kept take %zu bytes; those of more probes are built for each request",
			    tc->bytes);
		tc->full = 1;
		return b;
	}
	if (tc->n == tc->cap) {
		tc->cap = tc->cap != 0 ? 2 * tc->cap : 8;
		tc->v = xreallocarray(tc->v, tc->cap, sizeof(*tc->v));
	}
	tc->v[tc->n++] = b;
	tc->bytes += b->len;
	table_put(tc->by_probe, probe, strlen(probe), b);
	*kept = 1;
	return b;
}

/* GET /api/v1/targets: the calling probe's targets (docs/DESIGN.md). */
static enum MHD_Result
api_targets(struct api *a, struct MHD_Connection *c, const char *method)
{
	struct MHD_Response *r;
	struct api_tbody    *b;
	const char	    *who, *inm;
	enum MHD_Result	     ret;
	int		     kept;

	if ((who = api_auth(a, c, method, &ret)) == NULL)
		return ret;
	b = api_tbody_get(a->co->conf->targets, who, &kept);
	if (b == NULL)
		return api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "cannot build the list of targets", NULL);
	inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm != NULL && api_etag_match(inm, b->etag)) {
		r = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
		if (r == NULL)
			ret = MHD_NO;
		else {
			MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG,
			    b->etag);
			MHD_add_response_header(r,
			    MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
			ret = api_queue(c, MHD_HTTP_NOT_MODIFIED, r);
			MHD_destroy_response(r);
		}
	} else
		ret = api_queue(c, MHD_HTTP_OK, b->r);
	if (!kept)
		api_tbody_free(b);
	return ret;
}

/* GET / and below: the published site (webroot.h). */
static enum MHD_Result
api_static(struct api *a, struct MHD_Connection *c, const char *url)
{
	struct MHD_Response *r;
	enum MHD_Result	     ret;
	const char	    *ctype = NULL;
	char		     loc[3 * WEBROOT_URL_MAX + 8];
	uint64_t	     size = 0;
	int		     fd;

	switch (webroot_open(a->co->conf->publish_dir, url, &fd, &size, &ctype,
	    loc, sizeof(loc))) {
	case WEBROOT_MISSING:
		return api_error(c, MHD_HTTP_NOT_FOUND, "no such resource",
		    NULL);
	case WEBROOT_REDIRECT:
		r = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
		if (r == NULL)
			return MHD_NO;
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, loc);
		ret = api_queue(c, MHD_HTTP_MOVED_PERMANENTLY, r);
		MHD_destroy_response(r);
		return ret;
	case WEBROOT_FILE:
		break;
	}
	r = MHD_create_response_from_fd64(size, fd);
	if (r == NULL) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	/* Pages run only the site's own script and style; rrdtool's SVG
	 * needs its inline styles and nothing else. */
	MHD_add_response_header(r, "Content-Security-Policy",
	    strncmp(ctype, "image/svg", 9) == 0 ?
		"default-src 'none'; style-src 'unsafe-inline'" :
		"default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
	ret = api_queue(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Headers of POST /api/v1/results: authenticate, check type and size. */
static enum MHD_Result
api_post_begin(struct api *a, struct MHD_Connection *c, struct req *rq)
{
	const char	 *ctype, *clen, *who;
	struct api_probe *pb;
	long long	  len = -1;
	size_t		  want;
	enum MHD_Result	  ret;

	if ((who = api_auth(a, c, "POST", &ret)) == NULL)
		return ret;
	if (str_copy(rq->probe, sizeof(rq->probe), who) == -1)
		return MHD_NO;
	ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!api_is_json(ctype))
		return api_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "Content-Type must be application/json", NULL);
	clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen != NULL && parse_int(clen, 0, INT64_MAX, &len) == -1)
		return api_error(c, MHD_HTTP_BAD_REQUEST, "bad Content-Length",
		    NULL);
	if (len > API_BODY_MAX) {
		log_info("probe %s: %lld-byte body refused", rq->probe, len);
		return api_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
		    "body larger than 1048576 bytes", NULL);
	}
	/* Chunked: room for the largest body. */
	want = len >= 0 ? (size_t)len : API_BODY_MAX;
	pb = api_probe_get(a, rq->probe);
	if (pb->bytes + want > API_PROBE_BODIES_MAX) {
		if (!pb->logged)
			log_warnx(
			    "probe %s: POST refused: %zu bytes of its bodies already buffered, at most %d per probe",
			    rq->probe, pb->bytes, API_PROBE_BODIES_MAX);
		pb->logged = 1;
		return api_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "too many uploads at once from this probe; try again later",
		    NULL);
	}
	if (a->body_bytes + want > API_BODIES_MAX) {
		api_probe_put(a, pb);
		log_warnx(
		    "probe %s: POST refused: %zu bytes of bodies already buffered",
		    rq->probe, a->body_bytes);
		return api_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "too many uploads at once; try again later", NULL);
	}
	rq->reserved = want;
	rq->pb = pb;
	pb->bytes += want;
	a->body_bytes += want;
	rq->body = xmalloc(rq->reserved + 1);
	return MHD_YES;
}

/* A chunk of the body. */
static enum MHD_Result
api_post_data(struct api *a, struct MHD_Connection *c, struct req *rq,
    const char *data, size_t *size)
{
	const union MHD_ConnectionInfo *ci;

	if (rq->too_large) {
		rq->total += *size;
		*size = 0;
		if (rq->total <= API_DISCARD_MAX)
			return MHD_YES;
		log_info("probe %s: body past %d bytes; connection closed",
		    rq->probe, API_DISCARD_MAX);
		/* See the top of this file. */
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!a->tls && ci != NULL &&
		    send(ci->connect_fd, api_413_raw, sizeof(api_413_raw) - 1,
			MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
			shutdown(ci->connect_fd, SHUT_WR);
		return MHD_NO;
	}
	if (rq->body == NULL) { /* already answered */
		*size = 0;
		return MHD_YES;
	}
	if (*size > rq->reserved - rq->len) {
		log_info("probe %s: body past %d bytes refused", rq->probe,
		    API_BODY_MAX);
		/* Read on and drop the rest; answer when it is complete. */
		rq->too_large = 1;
		rq->total = rq->len + *size;
		*size = 0;
		free(rq->body);
		rq->body = NULL;
		api_body_release(a, rq);
		return MHD_YES;
	}
	memcpy(rq->body + rq->len, data, *size);
	rq->len += *size;
	*size = 0;
	return MHD_YES;
}

static void api_run(struct api *);

/* Suspend rq's connection (its body is in: not judged slow meanwhile). */
static void
api_hold(struct api *a, struct MHD_Connection *c, struct req *rq)
{
	struct api_conn *cn = api_conn_of(c);

	MHD_suspend_connection(c);
	if (cn != NULL)
		cn->answering = 1;
	rq->held = 1;
	rq->hprev = NULL;
	rq->hnext = a->held;
	if (a->held != NULL)
		a->held->hprev = rq;
	a->held = rq;
}

/* Take rq, held, off the list of held requests and disarm its timer. */
static void
api_unhold(struct api *a, struct req *rq)
{
	ev_timer_disarm(a->co->loop, &rq->retry);
	if (rq->hprev != NULL)
		rq->hprev->hnext = rq->hnext;
	else
		a->held = rq->hnext;
	if (rq->hnext != NULL)
		rq->hnext->hprev = rq->hprev;
	rq->hprev = rq->hnext = NULL;
	rq->held = 0;
}

/* Resume rq's connection: MHD calls api_access_cb() for it again. */
static void
api_release(struct api *a, struct req *rq)
{
	if (!rq->held)
		return;
	api_unhold(a, rq);
	MHD_resume_connection(rq->conn);
}

/* A batch of probe on its way, other than rq's: NULL when none. */
static struct req *
api_batch_of(struct api *a, const struct req *rq)
{
	for (struct req *h = a->held; h != NULL; h = h->hnext)
		if (h != rq && h->job != NULL &&
		    strcmp(h->probe, rq->probe) == 0)
			return h;
	return NULL;
}

static void
api_retry_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct req *rq = t->arg;
	struct api *a = rq->a;

	(void)loop;
	api_release(a, rq);
	api_run(a);
}

static enum MHD_Result
api_post_end(struct api *a, struct MHD_Connection *c, struct req *rq)
{
	struct ledger *lg = collector_ledger(a->co, rq->probe);
	char	      *answer;
	uint64_t       retry_ms = 0;
	int	       status;

	if (rq->too_large)
		return api_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
		    "body larger than 1048576 bytes", NULL);
	if (rq->body == NULL) /* already answered */
		return MHD_YES;
	if (lg == NULL)
		return api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "no ledger for this probe", NULL);
	if (rq->job == NULL) {
		rq->a = a;
		rq->conn = c;
		ev_timer_init(&rq->retry, api_retry_cb, rq);
		if (api_batch_of(a, rq) != NULL) { /* woken when it answers */
			api_hold(a, c, rq);
			return MHD_YES;
		}
		rq->job = ingest_start(a->co->store, lg, rq->body, rq->len,
		    now_wall());
	}
	status = ingest_step(rq->job, &answer, &retry_ms);
	if (status == INGEST_AGAIN) {
		api_hold(a, c, rq);
		ev_timer_arm(a->co->loop, &rq->retry, retry_ms);
		return MHD_YES;
	}
	ingest_free(rq->job);
	rq->job = NULL;
	for (struct req *h = a->held, *next; h != NULL; h = next) {
		next = h->hnext;
		if (h->job == NULL && strcmp(h->probe, rq->probe) == 0)
			api_release(a, h);
	}
	return api_json(c, (unsigned)status, answer);
}

static enum MHD_Result
api_access_cb(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct api	*a = cls;
	struct req	*rq = *con_cls;
	struct api_conn *cn;
	enum route	 route;

	(void)version;
	if ((cn = api_conn_of(c)) != NULL)
		cn->headers = 1;
	if (rq != NULL) {
		if (*upload_data_size > 0)
			return api_post_data(a, c, rq, upload_data,
			    upload_data_size);
		return api_post_end(a, c, rq);
	}
	/* Headers complete. */
	if (api_route(url, &route) == -1) {
		if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
			return api_static(a, c, url);
		return api_error(c, MHD_HTTP_NOT_FOUND, "no such resource",
		    NULL);
	}
	if (route == ROUTE_RESULTS) {
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			return api_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "method not allowed; use POST", "POST");
	} else if (route == ROUTE_TARGETS) {
		if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
			return api_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "method not allowed; use GET", "GET, HEAD");
		return api_targets(a, c, method);
	} else {
		if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
		    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
			return api_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "method not allowed; use GET", "GET, HEAD");
		return api_get(a, c, route);
	}
	rq = xcalloc(1, sizeof(*rq));
	rq->route = route;
	*con_cls = rq;
	a->inflight++;
	return api_post_begin(a, c, rq);
}

static void
api_completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct api	*a = cls;
	struct req	*rq = *con_cls;
	struct api_conn *cn = api_conn_of(c);

	(void)toe;
	if (cn != NULL) { /* the next request's clock starts with its bytes */
		cn->headers = cn->answering = 0;
		cn->start_ms = 0;
		(void)api_tcp_bytes(cn->fd, &cn->base);
	}
	if (rq == NULL)
		return;
	if (rq->held) /* only when the daemon stops */
		api_unhold(a, rq);
	ingest_free(rq->job);
	api_body_release(a, rq);
	a->inflight--;
	free(rq->body);
	free(rq);
	*con_cls = NULL;
}

static void
api_mhd_log_cb(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("http: %s", msg);
}

/* event loop glue */

static void
api_arm(struct api *a)
{
	MHD_UNSIGNED_LONG_LONG to;

	if (MHD_get_timeout(a->mhd, &to) == MHD_YES)
		ev_timer_arm(a->co->loop, &a->timer,
		    to > 3600000 ? 3600000 : (uint64_t)to);
	else
		ev_timer_disarm(a->co->loop, &a->timer);
}

/*
 * MHD_run(), twice when a connection closed: at max_connections (or out of
 * file descriptors) libmicrohttpd 0.9.75 takes its listening socket out of
 * its epoll set, and puts it back only at the start of a later MHD_run().
 * Were nothing else left to wake it (the last connections timed out), it
 * would accept nothing more, ever.
 */
static void
api_run(struct api *a)
{
	uint64_t closed = a->closed;

	MHD_run(a->mhd);
	if (a->closed != closed)
		MHD_run(a->mhd);
	api_arm(a);
}

static void
api_io_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	(void)loop;
	(void)revents;
	api_run(io->arg);
}

static void
api_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	(void)loop;
	api_run(t->arg);
}

int
api_parse_listen(const char *listen, struct sockaddr_storage *ss, size_t *sslen)
{
	char	    host[128];
	const char *port;
	long long   p;

	memset(ss, 0, sizeof(*ss));
	if (listen[0] == '[') {
		const char *end = strchr(listen, ']');

		if (end == NULL || end[1] != ':' ||
		    (size_t)(end - listen - 1) >= sizeof(host))
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(end - listen - 1),
		    listen + 1);
		port = end + 2;
	} else {
		port = strrchr(listen, ':');
		if (port == NULL || (size_t)(port - listen) >= sizeof(host))
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(port - listen),
		    listen);
		port++;
	}
	if (parse_int(port, 1, 65535, &p) == -1)
		return -1;
	if (listen[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*sslen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -1;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*sslen = sizeof(*s4);
	}
	return 0;
}

static int
api_read_tls(struct api *a, const struct collector_conf *cc, char *err,
    size_t errlen)
{
	size_t len;

	if (file_read(cc->tls_cert, API_TLS_FILE_MAX, &a->tls_cert, &len) ==
	    -1) {
		snprintf(err, errlen, "tls_cert %s: %s", cc->tls_cert,
		    strerror(errno));
		return -1;
	}
	if (file_read(cc->tls_key, API_TLS_FILE_MAX, &a->tls_key,
		&a->tls_key_len) == -1) {
		snprintf(err, errlen, "tls_key %s: %s", cc->tls_key,
		    strerror(errno));
		return -1;
	}
	return 0;
}

struct api *
api_start(struct collector *co, char *err, size_t errlen)
{
	const struct collector_conf *cc = co->conf;
	struct api		    *a = xcalloc(1, sizeof(*a));
	struct sockaddr_storage	     ss;
	const union MHD_DaemonInfo  *di;
	size_t			     sslen;
	unsigned		     flags =
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	a->co = co;
	ev_io_init(&a->io, -1, api_io_cb, a);
	ev_timer_init(&a->timer, api_timer_cb, a);
	ev_timer_init(&a->sweep, api_sweep_cb, a);
	a->max_per_src = (unsigned)cc->max_per_ip;
	a->max_conns = (unsigned)cc->max_connections;
	for (a->nbuckets = 64; a->nbuckets < (size_t)cc->max_connections;)
		a->nbuckets *= 2;
	a->buckets = xcalloc(a->nbuckets, sizeof(*a->buckets));
	if (getrandom(a->seed, sizeof(a->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(a->seed)) {
		a->seed[0] = now_mono_us();
		a->seed[1] = (uint64_t)getpid() << 32 ^ (uint64_t)now_wall();
	}
	if (api_parse_listen(cc->listen, &ss, &sslen) == -1) {
		snprintf(err, errlen,
		    "listen %s: not a numeric [IPv6]:port or IPv4:port",
		    cc->listen);
		goto fail;
	}
	if (ss.ss_family == AF_INET6)
		flags |= memcmp(&((struct sockaddr_in6 *)&ss)->sin6_addr, &any6,
			     sizeof(any6)) == 0 ?
		    MHD_USE_DUAL_STACK :
		    MHD_USE_IPv6;
	if (cc->tls_cert != NULL) {
		if (api_read_tls(a, cc, err, errlen) == -1)
			goto fail;
		flags |= MHD_USE_TLS;
		a->tls = 1;
	}
	/* max_per_ip is applied per source by api_accept_cb, not by MHD. */
	a->mhd = MHD_start_daemon(flags, 0, api_accept_cb, a, api_access_cb, a,
	    MHD_OPTION_EXTERNAL_LOGGER, api_mhd_log_cb, a, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)cc->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)cc->conn_timeout_s, MHD_OPTION_NOTIFY_COMPLETED,
	    api_completed_cb, a, MHD_OPTION_NOTIFY_CONNECTION, api_conn_cb, a,
	    a->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, a->tls_cert,
	    MHD_OPTION_HTTPS_MEM_KEY, a->tls_key, MHD_OPTION_END);
	if (a->mhd == NULL) {
		snprintf(err, errlen, "cannot listen on %s%s (%s)", cc->listen,
		    a->tls ? " with TLS" : "",
		    errno != 0 ? strerror(errno) : "libmicrohttpd failed");
		goto fail;
	}
	di = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (di == NULL) {
		snprintf(err, errlen, "libmicrohttpd has no epoll fd");
		goto fail;
	}
	ev_io_init(&a->io, di->epoll_fd, api_io_cb, a);
	if (ev_io_set(co->loop, &a->io, EV_READ) == -1) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		goto fail;
	}
	api_arm(a);
	return a;
fail:
	api_free(a);
	return NULL;
}

void
api_quiesce(struct api *a)
{
	MHD_socket fd;

	if (a == NULL || a->quiesced)
		return;
	a->quiesced = 1;
	fd = MHD_quiesce_daemon(a->mhd);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	api_arm(a);
}

size_t
api_inflight(const struct api *a)
{
	return a != NULL ? a->inflight : 0;
}

void
api_free(struct api *a)
{
	if (a == NULL)
		return;
	ev_io_stop(a->co->loop, &a->io);
	ev_timer_disarm(a->co->loop, &a->timer);
	ev_timer_disarm(a->co->loop, &a->sweep);
	/* libmicrohttpd 0.9.75 stops with no connection suspended */
	while (a->held != NULL)
		api_release(a, a->held);
	if (a->mhd != NULL) /* closes every connection: api_conn_cb frees */
		MHD_stop_daemon(a->mhd);
	while (a->conns != NULL) /* none, unless MHD failed to say */
		api_conn_free(a, a->conns);
	while (a->srcs != NULL)
		api_src_free(a, a->srcs);
	while (a->probes != NULL) {
		struct api_probe *pb = a->probes;

		a->probes = pb->next;
		free(pb);
	}
	free(a->buckets);
	if (a->tls_key != NULL)
		OPENSSL_cleanse(a->tls_key, a->tls_key_len);
	free(a->tls_key);
	free(a->tls_cert);
	free(a);
}
