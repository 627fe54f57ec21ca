/*
 * api: libmicrohttpd glue and request handling. MHD runs with MHD_USE_EPOLL
 * and no thread of its own: its epoll fd is one read watcher of the loop,
 * MHD_run() runs on readiness and on a timer armed from MHD_get_timeout().
 * Every request handler runs to completion inside MHD_run(), on the loop's
 * thread.
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
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

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
#include "util.h"
#include "webroot.h"

#define API_TLS_FILE_MAX (1024 * 1024)
/* Auth failures logged per window; the rest are counted. */
#define API_FAILLOG_WINDOW_MS 10000
#define API_FAILLOG_MAX	      10

enum route { ROUTE_RESULTS, ROUTE_STATUS, ROUTE_METRICS };

struct api {
	struct collector  *co;
	struct MHD_Daemon *mhd;
	struct ev_io	   io;
	struct ev_timer	   timer;
	int		   tls;
	int		   quiesced;
	size_t		   inflight;
	size_t		   body_bytes; /* reserved by requests in progress */
	char		  *tls_cert, *tls_key;
	size_t		   tls_key_len;
	uint64_t	   faillog_start_ms;
	unsigned	   faillog_n, faillog_dropped;
};

struct req {
	enum route route;
	char	   probe[RESULT_NAME_MAX]; /* authenticated */
	char	  *body;
	size_t	   len, reserved;
	int	   too_large; /* past API_BODY_MAX: the rest is dropped */
	size_t	   total;     /* bytes of the body received */
};

static const char api_413_raw[] =
    "HTTP/1.1 413 Payload Too Large\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 42\r\n"
    "Connection: close\r\n"
    "\r\n"
    "{\"error\":\"body larger than 1048576 bytes\"}";

/* responses */

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
	ret = MHD_queue_response(c, status, r);
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
api_log_authfail(struct api *a, struct MHD_Connection *c, const char *why)
{
	uint64_t now = ev_now(a->co->loop);
	char	 peer[INET6_ADDRSTRLEN];

	a->co->auth_failures++;
	if (now - a->faillog_start_ms > API_FAILLOG_WINDOW_MS) {
		if (a->faillog_dropped > 0)
			log_warnx("%u more refused POSTs not logged",
			    a->faillog_dropped);
		a->faillog_start_ms = now;
		a->faillog_n = 0;
		a->faillog_dropped = 0;
	}
	if (a->faillog_n++ < API_FAILLOG_MAX)
		log_warnx("POST from %s refused: %s",
		    api_peer(c, peer, sizeof(peer)), why);
	else
		a->faillog_dropped++;
}

/* routes */

static int
api_route(const char *url, enum route *route)
{
	if (strcmp(url, "/api/v1/results") == 0)
		*route = ROUTE_RESULTS;
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
		ret = MHD_queue_response(c, MHD_HTTP_MOVED_PERMANENTLY, r);
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
		"default-src 'none'; img-src 'self'; style-src 'self'; "
		"script-src 'self'; base-uri 'none'; form-action 'none'; "
		"frame-ancestors 'none'");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Headers of POST /api/v1/results: authenticate, check type and size. */
static enum MHD_Result
api_post_begin(struct api *a, struct MHD_Connection *c, struct req *rq)
{
	const char *auth, *ctype, *clen, *who;
	long long   len = -1;

	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
		api_log_authfail(a, c, "no bearer token");
		return api_error(c, MHD_HTTP_UNAUTHORIZED,
		    "unknown probe or bad token", NULL);
	}
	auth += 7;
	auth += strspn(auth, " ");
	who = collector_auth(a->co, auth, strlen(auth));
	if (who == NULL) {
		api_log_authfail(a, c, "unknown token");
		return api_error(c, MHD_HTTP_UNAUTHORIZED,
		    "unknown probe or bad token", NULL);
	}
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
	rq->reserved = len >= 0 ? (size_t)len : API_BODY_MAX;
	if (a->body_bytes + rq->reserved > API_BODIES_MAX) {
		rq->reserved = 0;
		log_warnx("probe %s: POST refused: %zu bytes of bodies "
			  "already buffered",
		    rq->probe, a->body_bytes);
		return api_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "too many uploads at once; try again later", NULL);
	}
	a->body_bytes += rq->reserved;
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
		a->body_bytes -= rq->reserved;
		rq->reserved = 0;
		return MHD_YES;
	}
	memcpy(rq->body + rq->len, data, *size);
	rq->len += *size;
	*size = 0;
	return MHD_YES;
}

static enum MHD_Result
api_post_end(struct api *a, struct MHD_Connection *c, struct req *rq)
{
	struct ledger *lg = collector_ledger(a->co, rq->probe);
	char	      *answer;
	int	       status;

	if (rq->too_large)
		return api_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
		    "body larger than 1048576 bytes", NULL);
	if (rq->body == NULL) /* already answered */
		return MHD_YES;
	if (lg == NULL)
		return api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "no ledger for this probe", NULL);
	status = ingest_post(a->co->store, lg, rq->body, rq->len, now_wall(),
	    &answer);
	return api_json(c, (unsigned)status, answer);
}

static enum MHD_Result
api_access_cb(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct api *a = cls;
	struct req *rq = *con_cls;
	enum route  route;

	(void)version;
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
	struct api *a = cls;
	struct req *rq = *con_cls;

	(void)c;
	(void)toe;
	if (rq == NULL)
		return;
	a->body_bytes -= rq->reserved;
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

static void
api_io_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	struct api *a = io->arg;

	(void)loop;
	(void)revents;
	MHD_run(a->mhd);
	api_arm(a);
}

static void
api_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct api *a = t->arg;

	(void)loop;
	MHD_run(a->mhd);
	api_arm(a);
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
	unsigned		     flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	a->co = co;
	ev_io_init(&a->io, -1, api_io_cb, a);
	ev_timer_init(&a->timer, api_timer_cb, a);
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
	a->mhd = MHD_start_daemon(flags, 0, NULL, NULL, api_access_cb, a,
	    MHD_OPTION_EXTERNAL_LOGGER, api_mhd_log_cb, a, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)cc->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)cc->max_per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)cc->conn_timeout_s, MHD_OPTION_NOTIFY_COMPLETED,
	    api_completed_cb, a,
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
	if (a->mhd != NULL)
		MHD_stop_daemon(a->mhd);
	if (a->tls_key != NULL)
		OPENSSL_cleanse(a->tls_key, a->tls_key_len);
	free(a->tls_key);
	free(a->tls_cert);
	free(a);
}
