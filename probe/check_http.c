/*
 * check_http: TLS handshake, request and response of one check's
 * connection (see check_http.h). The socket is watched for what the
 * current phase wants; every phase has a deadline; the response goes
 * straight from SSL_read()/read() into http_parser.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>

#include <openssl/err.h>

#include "check_http.h"
#include "tls.h"
#include "util.h"

#define HX_READ_BUF 16384 /* one TLS record */
#define HX_REQUEST                                                         \
	"GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n" \
	"Connection: close\r\n\r\n"

static double
ms_since(uint64_t us)
{
	return (double)(now_mono_us() - us) / 1000.0;
}

static void
hx_close(struct hx *x)
{
	ev_io_stop(x->loop, &x->io);
	ev_timer_disarm(x->loop, &x->timer);
	SSL_free(x->ssl);
	x->ssl = NULL;
	if (x->fd != -1)
		close(x->fd);
	x->fd = -1;
	free(x->req);
	x->req = NULL;
}

static void
hx_finish(struct hx *x, enum hx_end end, enum http_fail fail)
{
	if (x->phase == HX_DONE)
		return;
	x->end = end;
	x->fail = fail;
	x->phase = HX_DONE;
	hx_close(x);
	x->done(x); /* may free x */
}

/* What OpenSSL said of a failure, and errno. */
static void
hx_ssl_fail(struct hx *x, int ssl_err)
{
	unsigned long e = ERR_peek_last_error();

	x->ssl_err = ssl_err;
	x->sys_err = errno;
	if (e != 0)
		snprintf(x->why, sizeof(x->why), "%s",
		    ERR_reason_error_string(e) != NULL ?
			ERR_reason_error_string(e) :
			"TLS error");
	ERR_clear_error();
}

/* http_parser callbacks: the head is looked at, never kept */

static struct hx *
hx_of(http_parser *p)
{
	return p->data;
}

static int
hx_line(struct hx *x, size_t len)
{
	x->line_len += len;
	if (x->line_len <= HX_LINE_MAX)
		return 0;
	x->fail = HTTP_FAIL_HEAD_TOO_LARGE;
	return -1;
}

static int
on_message_begin(http_parser *p)
{
	struct hx *x = hx_of(p);

	x->in_value = x->is_location = 0;
	x->line_len = x->namelen = 0;
	x->status = 0;
	x->loclen = 0;
	x->loc_bad = 0;
	return 0;
}

static int
on_status(http_parser *p, const char *at, size_t len)
{
	(void)at;
	return hx_line(hx_of(p), len);
}

static int
on_header_field(http_parser *p, const char *at, size_t len)
{
	struct hx *x = hx_of(p);
	size_t	   n;

	if (x->in_value) { /* a new header line */
		x->in_value = x->is_location = 0;
		x->line_len = x->namelen = 0;
	}
	n = len < sizeof(x->name) - 1 - x->namelen ?
	    len :
	    sizeof(x->name) - 1 - x->namelen;
	memcpy(x->name + x->namelen, at, n);
	x->namelen += n;
	x->name[x->namelen] = '\0';
	return hx_line(x, len);
}

static int
on_header_value(http_parser *p, const char *at, size_t len)
{
	struct hx *x = hx_of(p);

	if (!x->in_value) {
		x->in_value = 1;
		x->is_location = strcasecmp(x->name, "Location") == 0;
		if (x->is_location) { /* the last one counts */
			x->loclen = 0;
			x->loc_bad = HX_LOC_OK;
		}
	}
	if (x->is_location && !x->loc_bad) {
		if (len > HX_LOCATION_MAX - x->loclen)
			x->loc_bad = HX_LOC_TOO_LONG;
		else if (memchr(at, '\0', len) != NULL)
			x->loc_bad = HX_LOC_NUL;
		else {
			memcpy(x->location + x->loclen, at, len);
			x->loclen += len;
		}
	}
	return hx_line(x, len);
}

static int
on_headers_complete(http_parser *p)
{
	struct hx *x = hx_of(p);

	x->status = p->status_code;
	while (x->loclen > 0 &&
	    (x->location[x->loclen - 1] == ' ' ||
		x->location[x->loclen - 1] == '\t'))
		x->loclen--;
	x->location[x->loclen] = '\0';
	x->in_value = 0;
	x->name[0] = '\0';
	x->namelen = 0;
	if (x->status / 100 != 1)
		x->head_done = 1;
	if (x->phase == HX_HEAD && x->head_done)
		x->phase = HX_BODY;
	/* 1: no body follows, so the message completes here */
	return x->head_only && x->head_done ? 1 : 0;
}

static int
on_body(http_parser *p, const char *at, size_t len)
{
	struct hx *x = hx_of(p);

	x->body_bytes += len;
	if (x->body(x, at, len) == -1) {
		x->fail = HTTP_FAIL_TOO_LARGE;
		return -1;
	}
	return 0;
}

static int
on_message_complete(http_parser *p)
{
	struct hx *x = hx_of(p);

	if (!x->head_done)
		return 0; /* an interim (1xx) response: the real one follows */
	x->complete = 1;
	return -1; /* one response per connection: stop here */
}

static const http_parser_settings hx_settings = {
    .on_message_begin = on_message_begin,
    .on_status = on_status,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* The parser stopped short of the end: why. */
static enum http_fail
hx_parse_error(struct hx *x)
{
	enum http_errno e = HTTP_PARSER_ERRNO(&x->p);

	if (e == HPE_CB_body && x->fail == HTTP_FAIL_TOO_LARGE)
		return HTTP_FAIL_TOO_LARGE;
	if (e == HPE_HEADER_OVERFLOW ||
	    (x->fail == HTTP_FAIL_HEAD_TOO_LARGE &&
		(e == HPE_CB_status || e == HPE_CB_header_field ||
		    e == HPE_CB_header_value)))
		return HTTP_FAIL_HEAD_TOO_LARGE;
	if (x->status == 0 && !x->head_done && x->line_len == 0 &&
	    x->p.http_major == 0 && e == HPE_INVALID_CONSTANT)
		return HTTP_FAIL_NOT_HTTP;
	snprintf(x->why, sizeof(x->why), "%s", http_errno_description(e));
	return HTTP_FAIL_MALFORMED;
}

/* Feed n bytes (0: the end of the stream). 1 when the exchange ended. */
static int
hx_feed(struct hx *x, const char *buf, size_t n)
{
	size_t used;

	if (x->rx_bytes == 0 && n > 0 && x->sent_us != 0)
		x->ttfb_ms = ms_since(x->sent_us);
	x->rx_bytes += n;
	x->last_rx_ms = ev_now(x->loop);
	used = http_parser_execute(&x->p, &hx_settings, buf, n);
	if (x->complete) {
		hx_finish(x, HX_OK, HTTP_FAIL_NONE);
		return 1;
	}
	if (n == 0 && HTTP_PARSER_ERRNO(&x->p) == HPE_INVALID_EOF_STATE)
		http_parser_init(&x->p, HTTP_RESPONSE); /* (said below) */
	if (HTTP_PARSER_ERRNO(&x->p) != HPE_OK) {
		hx_finish(x, HX_HTTP_FAILED, hx_parse_error(x));
		return 1;
	}
	if (n == 0) { /* closed before the response ended */
		hx_finish(x, HX_HTTP_FAILED,
		    x->rx_bytes == 0  ? HTTP_FAIL_NO_ANSWER :
			!x->head_done ? HTTP_FAIL_HEAD_CUT :
					HTTP_FAIL_BODY_CUT);
		return 1;
	}
	(void)used; /* all of it, short of an error or the end */
	return 0;
}

static void
hx_recv(struct hx *x)
{
	char buf[HX_READ_BUF];

	for (;;) {
		ssize_t n;

		if (x->ssl != NULL) {
			int rc, e;

			ERR_clear_error();
			rc = SSL_read(x->ssl, buf, sizeof(buf));
			if (rc > 0)
				n = rc;
			else if ((e = SSL_get_error(x->ssl, rc)) ==
			    SSL_ERROR_WANT_READ)
				return;
			else if (e == SSL_ERROR_WANT_WRITE) {
				ev_io_set(x->loop, &x->io, EV_READ | EV_WRITE);
				return;
			} else if (e == SSL_ERROR_ZERO_RETURN)
				n = 0;
			else {
				hx_ssl_fail(x, e);
				hx_finish(x, HX_HTTP_FAILED, HTTP_FAIL_RECV);
				return;
			}
		} else {
			n = read(x->fd, buf, sizeof(buf));
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				return;
			if (n == -1) {
				x->sys_err = errno;
				hx_finish(x, HX_HTTP_FAILED, HTTP_FAIL_RECV);
				return;
			}
		}
		if (hx_feed(x, buf, (size_t)n))
			return;
		/* plain: level-triggered, the loop calls again if more */
		if (x->ssl == NULL && (size_t)n < sizeof(buf))
			return;
	}
}

static void
hx_send(struct hx *x)
{
	while (x->reqoff < x->reqlen) {
		ssize_t n;

		if (x->ssl != NULL) {
			int rc, e;

			ERR_clear_error();
			rc = SSL_write(x->ssl, x->req + x->reqoff,
			    (int)(x->reqlen - x->reqoff));
			if (rc > 0)
				n = rc;
			else if ((e = SSL_get_error(x->ssl, rc)) ==
				SSL_ERROR_WANT_WRITE ||
			    e == SSL_ERROR_WANT_READ) {
				ev_io_set(x->loop, &x->io,
				    e == SSL_ERROR_WANT_READ ? EV_READ :
							       EV_WRITE);
				return;
			} else {
				hx_ssl_fail(x, e);
				hx_finish(x, HX_HTTP_FAILED, HTTP_FAIL_SEND);
				return;
			}
		} else {
			n = send(x->fd, x->req + x->reqoff,
			    x->reqlen - x->reqoff, MSG_NOSIGNAL);
			if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
				ev_io_set(x->loop, &x->io, EV_WRITE);
				return;
			}
			if (n == -1) {
				x->sys_err = errno;
				hx_finish(x, HX_HTTP_FAILED, HTTP_FAIL_SEND);
				return;
			}
		}
		x->reqoff += (size_t)n;
	}
	free(x->req);
	x->req = NULL;
	x->sent_us = now_mono_us();
	x->phase = HX_HEAD;
	ev_io_set(x->loop, &x->io, EV_READ);
	hx_recv(x);
}

static void
hx_arm(struct hx *x)
{
	uint64_t due = x->last_rx_ms + (uint64_t)x->timeout_ms;

	if (x->phase != HX_TLS && x->deadline_ms < due)
		due = x->deadline_ms;
	ev_timer_arm_at(x->loop, &x->timer, due);
}

static void
hx_handshake(struct hx *x)
{
	int rc, e;

	ERR_clear_error();
	rc = SSL_connect(x->ssl);
	if (rc == 1) {
		x->handshake_ms = ms_since(x->start_us);
		tls_done(x->ssl, x->tls);
		/* the response's deadlines start now */
		x->phase = HX_SEND;
		x->last_rx_ms = ev_now(x->loop);
		x->deadline_ms = x->last_rx_ms + 3ull * (uint64_t)x->timeout_ms;
		hx_arm(x);
		hx_send(x);
		return;
	}
	e = SSL_get_error(x->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		ev_io_set(x->loop, &x->io,
		    e == SSL_ERROR_WANT_READ ? EV_READ : EV_WRITE);
		return;
	}
	hx_ssl_fail(x, e);
	hx_finish(x, HX_TLS_FAILED, HTTP_FAIL_NONE);
}

static void
hx_step(struct hx *x)
{
	switch (x->phase) {
	case HX_TLS:
		hx_handshake(x);
		break;
	case HX_SEND:
		hx_send(x);
		break;
	case HX_HEAD:
	case HX_BODY:
		/* TLS may want to write while reading: back to reading */
		ev_io_set(x->loop, &x->io, EV_READ);
		hx_recv(x);
		break;
	default:
		break;
	}
}

static void
hx_io_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	(void)loop;
	(void)revents;
	hx_step(io->arg);
}

static void
hx_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct hx *x = t->arg;
	uint64_t   now = ev_now(loop);

	if (x->phase == HX_TLS) {
		x->tls_timed_out = 1;
		snprintf(x->why, sizeof(x->why), "no TLS answer in time");
		hx_finish(x, HX_TLS_FAILED, HTTP_FAIL_NONE);
		return;
	}
	if (now < x->deadline_ms &&
	    now < x->last_rx_ms + (uint64_t)x->timeout_ms) {
		hx_arm(x); /* bytes came since: not yet */
		return;
	}
	hx_finish(x, HX_HTTP_FAILED,
	    x->head_done ? HTTP_FAIL_STALL_BODY : HTTP_FAIL_STALL_HEAD);
}

void
hx_start(struct hx *x, struct ev_loop *loop, int fd, SSL *ssl,
    struct tls_conn *tc, const char *host_hdr, const char *req_target,
    const char *user_agent, int timeout_ms, hx_body_cb body, hx_done_cb done,
    void *arg)
{
	static int max_set;

	if (!max_set) { /* the whole head, all its lines */
		http_parser_set_max_header_size(HX_HEAD_MAX);
		max_set = 1;
	}
	hx_stop(x);
	memset(x, 0, sizeof(*x));
	x->loop = loop;
	x->fd = fd;
	x->ssl = ssl;
	x->tls = tc;
	x->timeout_ms = timeout_ms;
	x->body = body;
	x->done = done;
	x->arg = arg;
	x->ttfb_ms = -1;
	x->start_us = now_mono_us();
	x->last_rx_ms = ev_now(loop);
	x->deadline_ms = x->last_rx_ms + 3ull * (uint64_t)timeout_ms;
	http_parser_init(&x->p, HTTP_RESPONSE);
	x->p.data = x;
	x->reqlen = (size_t)snprintf(NULL, 0, HX_REQUEST, req_target, host_hdr,
	    user_agent);
	x->req = xmalloc(x->reqlen + 1);
	snprintf(x->req, x->reqlen + 1, HX_REQUEST, req_target, host_hdr,
	    user_agent);
	x->phase = ssl != NULL ? HX_TLS : HX_SEND;
	ev_io_init(&x->io, fd, hx_io_cb, x);
	ev_timer_init(&x->timer, hx_timer_cb, x);
	ev_io_set(loop, &x->io, EV_WRITE);
	hx_arm(x);
}

void
hx_head_only(struct hx *x)
{
	x->head_only = 1;
	x->deadline_ms = x->last_rx_ms + (uint64_t)x->timeout_ms;
	hx_arm(x);
}

void
hx_stop(struct hx *x)
{
	if (x->loop == NULL || x->phase == HX_IDLE)
		return;
	hx_close(x);
	if (x->phase != HX_DONE)
		x->phase = HX_DONE;
}

const char *
hx_location(const struct hx *x)
{
	return x->loclen > 0 || x->loc_bad ? x->location : NULL;
}

/* searching a body */

int
hx_find_init(struct hx_find *f, const char *pat)
{
	size_t n = strlen(pat), k = 0;

	memset(f, 0, sizeof(*f));
	if (n == 0 || n > HX_FIND_MAX)
		return -1;
	memcpy(f->pat, pat, n);
	f->len = n;
	for (size_t i = 1; i < n; i++) {
		while (k > 0 && pat[i] != pat[k])
			k = f->fail[k - 1];
		if (pat[i] == pat[k])
			k++;
		f->fail[i] = (uint16_t)k;
	}
	return 0;
}

void
hx_find_reset(struct hx_find *f)
{
	f->matched = 0;
	f->found = 0;
}

void
hx_find_feed(struct hx_find *f, const char *buf, size_t n)
{
	size_t k = f->matched;

	if (f->found || f->len == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		while (k > 0 && buf[i] != f->pat[k])
			k = f->fail[k - 1];
		if (buf[i] == f->pat[k] && ++k == f->len) {
			f->found = 1;
			break;
		}
	}
	f->matched = k;
}
