/*
 * webhook_post: one signed POST of an event body to a webhook, run by
 * httpc in the event loop. Headers: Content-Type: application/json,
 * X-V6watch-Event, X-V6watch-Delivery (the delivery id) and
 * X-V6watch-Signature: sha256=<hex HMAC-SHA256(secret, body)> (when there
 * is a secret). Redirects
 * are not followed (a 3xx is a failure), only http and https are spoken,
 * the whole exchange has a deadline and the response is read up to
 * WEBHOOK_RESP_MAX bytes. Success is a 2xx status.
 *
 * Nothing here logs or stores the secret or the URL's path and query
 * (chat webhooks carry their token there): error texts name the host at
 * most.
 */
#ifndef V6W_WEBHOOK_POST_H
#define V6W_WEBHOOK_POST_H

#include <stddef.h>
#include <stdint.h>

#include "httpc.h"

/* Response bytes read at most (the rest aborts the transfer). */
#define WEBHOOK_RESP_MAX (64 * 1024)
/* Response bytes quoted in an error. */
#define WEBHOOK_RESP_QUOTE 120
/* "sha256=" and 64 hex digits. */
#define WEBHOOK_SIG_LEN (7 + 64)

struct webhook_post;

/* Called once when the POST ended: ok when a 2xx came back; why says
 * what happened ("HTTP 200", "HTTP 500: ...", "timed out after 10 s"). */
typedef void (*webhook_post_done_fn)(struct webhook_post *, int ok,
    const char *why, void *arg);

struct webhook_req {
	const char *url;
	const char *secret; /* NULL or "": the body is not signed */
	const char *event;  /* X-V6watch-Event */
	const char *id;	    /* X-V6watch-Delivery */
	const char *body;
	size_t	    body_len;
	int	    timeout_s;
	const char *cacert; /* NULL: the system's */
};

struct webhook_post {
	struct httpc_xfer    x;
	struct httpc	    *hc;
	struct curl_slist   *headers;
	char		    *body;	    /* a copy, sent from here */
	char		    *safe_url_part; /* path + query: never shown */
	webhook_post_done_fn done;
	void		    *arg;
	int		     timeout_s;
	char		     errbuf[CURL_ERROR_SIZE];
	char		     resp[WEBHOOK_RESP_QUOTE + 1];
	size_t		     resp_len, resp_total;
	int		     resp_over;
	long		     status;
	uint64_t	     started_ms;
	char		     why[256];
};

/*
 * "sha256=" + lower-case hex HMAC-SHA256 of body (len bytes) with secret
 * into out (WEBHOOK_SIG_LEN + 1 bytes).
 */
void webhook_sign(const char *secret, const void *body, size_t len,
    char out[WEBHOOK_SIG_LEN + 1]);

/*
 * Start the POST described by req (copied) on hc; done(p, ok, why, arg)
 * runs once from the loop. p must stay put until then, or until
 * webhook_post_cancel(). 0, or -1 with why set (done is not called).
 */
int webhook_post_start(struct webhook_post *p, struct httpc *hc,
    const struct webhook_req *req, webhook_post_done_fn done, void *arg);
/* Abort a POST in progress (done is not called) and free its parts. */
void webhook_post_cancel(struct webhook_post *);
int  webhook_post_active(const struct webhook_post *);

/*
 * The verdict on a finished exchange (pure, for tests): ok for a 2xx;
 * why as in webhook_post_done_fn. resp is the start of the response
 * body, quoted with control bytes replaced.
 */
int
webhook_post_verdict(CURLcode rc, long status, int resp_over, const char *resp,
    const char *curl_err, int timeout_s, char *why, size_t whylen);

#endif
