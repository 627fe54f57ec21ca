/*
 * api: the collector's HTTP server -- libmicrohttpd run inside the event
 * loop (its epoll fd as one watcher, a timer from MHD_get_timeout) -- with
 * the routes POST /api/v1/results, GET /api/v1/status, GET /metrics, and
 * GET / and below for the published site (webroot.h).
 */
#ifndef V6W_API_H
#define V6W_API_H

#include <stddef.h>

struct collector;
struct api;

/* Largest request body. */
#define API_BODY_MAX (1024 * 1024)
/* Request bodies buffered at once, over all connections. */
#define API_BODIES_MAX (64 * 1024 * 1024)
/*
 * A chunked body that grows past API_BODY_MAX is read on (and dropped) up
 * to this size, so that the 413 can be answered once it is complete;
 * past it, the connection is closed.
 */
#define API_DISCARD_MAX (16 * 1024 * 1024)

/*
 * Listen on co->conf->listen (TLS when tls_cert/tls_key are set) with the
 * configured connection limits; registers with co->loop. Reads the TLS
 * key, so it runs before privileges are dropped. NULL with err.
 */
struct api *api_start(struct collector *co, char *err, size_t errlen);
/* Stop accepting connections; requests in progress go on. */
void api_quiesce(struct api *);
/* Requests received but not yet fully answered. */
size_t api_inflight(const struct api *);
/* Close every connection and free. NULL-safe. */
void api_free(struct api *);

/* "[addr]:port" / "addr:port" into a socket address; -1 when invalid. */
struct sockaddr_storage;
int api_parse_listen(const char *listen, struct sockaddr_storage *ss,
    size_t *sslen);

#endif
