/*
 * check_http: one HTTP/1.1 exchange of a check on a connected TCP socket,
 * in the event loop: the TLS handshake (https), our request (GET, one per
 * connection, "Connection: close"), and the response read with SSL_read()
 * or read() and parsed by http_parser (Debian's libhttp-parser). Nothing
 * is relayed or copied: the body is handed to a callback as it is decoded
 * (Content-Length, chunked or close-delimited alike), counted and never
 * stored. Everything is bounded: a head line (HX_LINE_MAX), the whole head
 * (HX_HEAD_MAX), the body (the caller's cap), the time to connect TLS, the
 * silence between two reads and the whole response (see hx_start()).
 *
 * The exchange ends once, from the loop, with what it saw: how it ended
 * (enum hx_end), the status, the Location, the times. outcome.c turns that
 * into an outcome; the exchange itself decides none.
 */
#ifndef V6W_CHECK_HTTP_H
#define V6W_CHECK_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <http_parser.h>
#include <openssl/ssl.h>

#include "ev.h"
#include "outcome.h"
#include "tls.h"

#define HX_LINE_MAX	102400	    /* bytes of one line of the response head */
#define HX_HEAD_MAX	(300 << 10) /* of the whole head, interim ones included */
#define HX_NAME_MAX	32   /* bytes of a header's name kept for errors */
#define HX_LOCATION_MAX 2048 /* longest Location kept (RESULT_URL_MAX - 1) */

enum hx_phase { HX_IDLE, HX_TLS, HX_SEND, HX_HEAD, HX_BODY, HX_DONE };

struct hx;
typedef void (*hx_done_cb)(struct hx *);
/* Body bytes as decoded; return -1 to stop (the cap: HX_FAIL_TOO_LARGE). */
typedef int (*hx_body_cb)(struct hx *, const char *, size_t);

struct hx {
	struct ev_loop	*loop;
	enum hx_phase	 phase;
	int		 fd;  /* owned */
	SSL		*ssl; /* owned; NULL for http:// */
	struct ev_io	 io;
	struct ev_timer	 timer; /* the phase's deadline */
	struct tls_conn *tls;	/* told of the handshake (tls_done()) */
	int		 timeout_ms;
	uint64_t	 start_us, sent_us, last_rx_ms, deadline_ms;

	char  *req; /* while being sent */
	size_t reqlen, reqoff;

	http_parser p;
	int	    complete;	       /* the final response ended */
	int	    head_only;	       /* end at the final head */
	int	    in_value;	       /* the parser is in a header's value */
	int	    is_location;       /* that header is Location */
	size_t	    line_len;	       /* of the header line under way */
	size_t	    head_len;	       /* bytes of head(s) so far */
	char	    name[HX_NAME_MAX]; /* the header under way */
	size_t	    namelen;
	char	    location[HX_LOCATION_MAX + 1]; /* of the final head */
	size_t	    loclen;
	enum { HX_LOC_OK, HX_LOC_TOO_LONG, HX_LOC_NUL } loc_bad;

	/* what the exchange saw */
	enum hx_end {
		HX_OK,		/* a whole response */
		HX_TLS_FAILED,	/* the handshake failed or stalled */
		HX_HTTP_FAILED, /* after the handshake: see fail */
	} end;
	enum http_fail fail;
	int	       tls_timed_out;
	int	       ssl_err;	     /* SSL_get_error() of a failure */
	int	       sys_err;	     /* errno of a failure */
	char	       why[200];     /* OpenSSL's or the parser's words */
	int	       status;	     /* of the final response; 0 none */
	int	       head_done;    /* the final head ended */
	uint64_t       rx_bytes;     /* read from the socket (TLS: plain) */
	uint64_t       body_bytes;   /* decoded body */
	double	       handshake_ms; /* TLS */
	double	       ttfb_ms;	     /* request sent -> first byte, -1 */

	hx_body_cb body;
	hx_done_cb done;
	void	  *arg;
};

/*
 * Start on fd (owned from now on) with ssl (from tls_new(), owned; NULL:
 * plain HTTP): handshake within timeout_ms, then send req_target for host
 * (the Host header, port included when not the scheme's default), then
 * read the response: each read within timeout_ms of the one before, the
 * whole response within 3 x timeout_ms. done runs once, from the loop.
 */
void
hx_start(struct hx *, struct ev_loop *, int fd, SSL *ssl, struct tls_conn *,
    const char *host_hdr, const char *req_target, const char *user_agent,
    int timeout_ms, hx_body_cb body, hx_done_cb done, void *arg);
/* Right after hx_start(): end the exchange as soon as the final
 * response's head arrived (the body is never read), and give the whole
 * exchange one timeout_ms. */
void hx_head_only(struct hx *);
/* Close everything (no callback). Safe on an idle or finished exchange;
 * what it saw stays readable until the next hx_start(). */
void hx_stop(struct hx *);
/* The Location of the final response, or NULL; check loc_bad. */
const char *hx_location(const struct hx *);

/*
 * A text searched for in a body as it streams, across the pieces it
 * comes in (Knuth-Morris-Pratt: each byte looked at once, nothing kept
 * but the length matched so far). The text is at most HX_FIND_MAX bytes.
 */
#define HX_FIND_MAX 1024
struct hx_find {
	char	 pat[HX_FIND_MAX];
	size_t	 len;
	uint16_t fail[HX_FIND_MAX]; /* longest proper border of pat[0..i] */
	size_t	 matched;
	int	 found;
};
/* -1 when pat is empty or longer than HX_FIND_MAX. */
int  hx_find_init(struct hx_find *, const char *pat);
void hx_find_reset(struct hx_find *); /* a new body, same text */
void hx_find_feed(struct hx_find *, const char *buf, size_t n);

#endif
