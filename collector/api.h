/*
 * api: the collector's HTTP server -- libmicrohttpd run inside the event
 * loop (its epoll fd as one watcher, a timer from MHD_get_timeout) -- with
 * the routes POST /api/v1/results, GET /api/v1/targets, GET
 * /api/v1/status, GET /metrics, and GET / and below for the published
 * site (webroot.h).
 */
#ifndef V6W_API_H
#define V6W_API_H

#include <stddef.h>
#include <stdint.h>

struct collector;
struct api;

/* Largest request body. */
#define API_BODY_MAX (1024 * 1024)
/* Request bodies buffered at once, over all connections. */
#define API_BODIES_MAX (64 * 1024 * 1024)
/*
 * ... for one probe (its token): a fair share, so that one probe cannot
 * hold the pool and turn the others away. A connection carries one
 * request at a time, so it holds at most API_BODY_MAX.
 */
#define API_PROBE_BODIES_MAX (4 * API_BODY_MAX)
/*
 * A chunked body that grows past API_BODY_MAX is read on (and dropped) up
 * to this size, so that the 413 can be answered once it is complete;
 * past it, the connection is closed.
 */
#define API_DISCARD_MAX (16 * 1024 * 1024)

/*
 * Slow clients. A request's clock starts at its first byte (a connection
 * idle before it is connection_timeout's to end); its headers must be
 * complete within API_HEADERS_S, the whole request within API_REQUEST_S,
 * and once API_RATE_GRACE_S have passed it must have come at
 * API_MIN_RATE bytes/s or more on average. A connection whose request
 * fails one of these is ended. Checked every API_SWEEP_MS.
 */
#define API_HEADERS_S	 10
#define API_REQUEST_S	 60
#define API_RATE_GRACE_S 10
#define API_MIN_RATE	 1024
#define API_SWEEP_MS	 1000

enum api_slow {
	API_SLOW_NO,
	API_SLOW_HEADERS, /* headers not complete in time */
	API_SLOW_REQUEST, /* request not complete in time */
	API_SLOW_RATE	  /* below the minimum rate */
};

/*
 * Whether a request in progress for elapsed_ms, with bytes received so far
 * (headers_done: its headers are complete), must be ended, and why.
 */
enum api_slow
api_slow_check(uint64_t elapsed_ms, uint64_t bytes, int headers_done);
/* The reason in words, for logs: "headers not complete after 10 s". */
const char *api_slow_text(enum api_slow);

/*
 * Connections are counted (and max_per_ip applied) per source: the /64 of
 * an IPv6 address, the whole address for IPv4 (v4-mapped IPv6 too). The
 * key of sa's source into key; 0, or -1 for another address family.
 */
#define API_SRC_KEY_LEN 16
struct sockaddr;
int api_src_key(const struct sockaddr *sa, unsigned char key[API_SRC_KEY_LEN]);
/* The source as text, "2001:db8:1::/64" or "198.51.100.7"; returns buf. */
const char *
api_src_name(const unsigned char key[API_SRC_KEY_LEN], char *buf, size_t size);

/*
 * Listen on co->conf->listen (TLS when tls_cert/tls_key are set) with the
 * configured connection limits (max_per_ip per source, above); registers
 * with co->loop. Reads the TLS key, so it runs before privileges are
 * dropped. NULL with err.
 */
struct api *api_start(struct collector *co, char *err, size_t errlen);
/* Stop accepting connections; requests in progress go on. */
void api_quiesce(struct api *);
/* Requests received but not yet fully answered. */
size_t api_inflight(const struct api *);
/* Close every connection and free. NULL-safe. */
void api_free(struct api *);

/*
 * GET /api/v1/targets's answers kept with a target list, at most this
 * many bytes of bodies; past it, a probe's answer is built per request.
 */
#define API_TARGETS_CACHE_MAX (256 * 1024 * 1024)

/*
 * Whether an If-None-Match header (a list of entity tags, weak or not,
 * or "*") matches etag (quoted, as targets_json() makes it).
 */
int api_etag_match(const char *header, const char *etag);

/* "[addr]:port" / "addr:port" into a socket address; -1 when invalid. */
struct sockaddr_storage;
int api_parse_listen(const char *listen, struct sockaddr_storage *ss,
    size_t *sslen);

#endif
