/*
 * httpc: libcurl's multi interface driven by common/ev -- curl's sockets
 * become ev_io watchers, its timeout one ev_timer. Both daemons run every
 * transfer through this (checks, uploads, webhooks); nothing calls
 * curl_easy_perform.
 */
#ifndef V6W_HTTPC_H
#define V6W_HTTPC_H

#include <curl/curl.h>

struct ev_loop;
struct httpc;
struct httpc_xfer;

/* Called once per finished transfer, after it left the multi handle. */
typedef void (*httpc_done_cb)(struct httpc_xfer *, CURLcode rc);

/* One transfer; embedded in the caller's object, which owns easy. */
struct httpc_xfer {
	CURL	     *easy;
	httpc_done_cb done;
	void	     *arg;
	int	      active; /* added to the multi handle */
};

struct httpc *httpc_new(struct ev_loop *);
/* Callers cancel their transfers first; then this frees the multi. */
void httpc_free(struct httpc *);

/* Start x (x->easy, x->done and x->arg set). 0 or -1. */
int httpc_start(struct httpc *, struct httpc_xfer *x);
/* Abort x if it is running, without calling done. */
void httpc_cancel(struct httpc *, struct httpc_xfer *x);
/* Transfers running now. */
int httpc_running(const struct httpc *);

#endif
