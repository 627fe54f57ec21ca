/*
 * tlsrelay: non-blocking TLS handshake and a two-way pump between an SSL
 * connection and the local socket libcurl connects to (see tlsrelay.h).
 *
 * The local socket's name is random and only a connection from this very
 * process (SO_PEERCRED: our pid and effective uid) is pumped: any process
 * in the network namespace can connect to an abstract UNIX socket, and the
 * first to do so would otherwise read the plaintext of the check, or
 * write its own request into it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "log.h"
#include "tlsrelay.h"
#include "util.h"

/* Refused local connections are logged at most once a minute. */
#define RELAY_REFUSED_LOG_MS 60000

static void relay_pump(struct tlsrelay *);

static void
relay_close(struct tlsrelay *r)
{
	if (r->loop == NULL)
		return;
	ev_io_stop(r->loop, &r->tio);
	ev_io_stop(r->loop, &r->pio);
	ev_io_stop(r->loop, &r->lio);
	ev_timer_disarm(r->loop, &r->timer);
	ev_timer_disarm(r->loop, &r->kick);
	if (r->ssl != NULL) {
		/* A clean close keeps the session resumable: OpenSSL drops
		 * sessions of connections freed without one. */
		if (r->state == TLSRELAY_PUMP && r->ssl_err == 0) {
			ERR_clear_error();
			SSL_shutdown(r->ssl);
			ERR_clear_error();
		}
		SSL_free(r->ssl);
		r->ssl = NULL;
	}
	if (r->tfd != -1)
		close(r->tfd);
	if (r->pfd != -1)
		close(r->pfd);
	if (r->lfd != -1)
		close(r->lfd);
	r->tfd = r->pfd = r->lfd = -1;
	free(r->up); /* down shares the allocation */
	r->up = r->down = NULL;
	r->uplen = r->downlen = 0;
	r->state = TLSRELAY_CLOSED;
}

void
tlsrelay_stop(struct tlsrelay *r)
{
	relay_close(r);
}

static void
relay_fail(struct tlsrelay *r, int ssl_err)
{
	unsigned long e = ERR_peek_last_error();

	r->ssl_err = ssl_err;
	r->sys_err = errno;
	if (e != 0)
		snprintf(r->why, sizeof(r->why), "%s",
		    ERR_reason_error_string(e) != NULL ?
			ERR_reason_error_string(e) :
			"TLS error");
	ERR_clear_error();
}

/* Watch the TCP socket for what TLS wants, the plaintext end for room
 * and data. */
static void
relay_watch(struct tlsrelay *r)
{
	int tev = 0, pev = 0;

	if (r->state == TLSRELAY_HANDSHAKE) {
		tev = (r->tls_want_rd ? EV_READ : 0) |
		    (r->tls_want_wr ? EV_WRITE : 0);
	} else if (r->state == TLSRELAY_PUMP && r->pfd != -1) {
		tev = (r->tls_want_rd ? EV_READ : 0) |
		    (r->tls_want_wr ? EV_WRITE : 0);
		if (!r->up_eof && r->uplen < TLSRELAY_UP)
			pev |= EV_READ;
		if (r->downlen > 0)
			pev |= EV_WRITE;
	}
	ev_io_set(r->loop, &r->tio, tev);
	if (r->pfd != -1)
		ev_io_set(r->loop, &r->pio, pev);
}

static void relay_io_cb(struct ev_loop *, struct ev_io *, int);

/*
 * A connection to the local socket from another process: closed unread and
 * logged, at most once a minute (with how many went unlogged before).
 */
static void
relay_refuse(struct tlsrelay *r, int fd, const struct ucred *uc)
{
	static uint64_t last_ms, unlogged;
	uint64_t	now = now_mono_ms();
	char		more[64] = "";

	close(fd);
	r->refused++;
	if (last_ms != 0 && now - last_ms < RELAY_REFUSED_LOG_MS) {
		unlogged++;
		return;
	}
	if (unlogged > 0)
		snprintf(more, sizeof(more),
		    " (and %llu more since the last report)",
		    (unsigned long long)unlogged);
	log_warnx("TLS relay: refused a connection to the local socket of a "
		  "check from pid %ld uid %ld: only this process may read "
		  "its plaintext%s",
	    uc != NULL ? (long)uc->pid : -1L, uc != NULL ? (long)uc->uid : -1L,
	    more);
	last_ms = now;
	unlogged = 0;
}

/* libcurl connects: from now on bytes flow. Connections from any other
 * process are refused, and the relay keeps waiting for libcurl's. */
static void
relay_accept_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	struct tlsrelay *r = io->arg;
	struct ucred	 uc;
	socklen_t	 uclen;
	int		 fd;

	(void)revents;
	for (;;) {
		fd = accept4(r->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1)
			return; /* none (left); the deadline bounds the wait */
		uclen = sizeof(uc);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &uclen) ==
		    -1) {
			relay_refuse(r, fd, NULL);
			continue;
		}
		if (uclen == sizeof(uc) && uc.pid == getpid() &&
		    uc.uid == geteuid())
			break;
		relay_refuse(r, fd, &uc);
	}
	ev_io_stop(loop, &r->lio);
	ev_timer_disarm(loop, &r->timer);
	close(r->lfd);
	r->lfd = -1;
	r->pfd = fd;
	r->up = xmalloc(TLSRELAY_UP + TLSRELAY_DOWN);
	r->down = r->up + TLSRELAY_UP;
	ev_io_init(&r->pio, fd, relay_io_cb, r);
	r->tls_want_rd = 1;
	relay_pump(r);
}

/*
 * A listening socket in the abstract namespace under a random name (128
 * bits), so that no other process can guess it, bind it first or connect
 * to it before it exists.
 */
static int
relay_listen(struct tlsrelay *r)
{
	unsigned char	   rnd[16];
	char		   hex[2 * sizeof(rnd) + 1];
	struct sockaddr_un sun;
	socklen_t	   len;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		ERR_clear_error();
		errno = EAGAIN;
		return -1;
	}
	hex_encode(rnd, sizeof(rnd), hex);
	snprintf(r->name, sizeof(r->name), "v6probe-%s", hex);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, r->name, strlen(r->name));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(r->name));
	r->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* a backlog with room for libcurl behind a few intruders */
	if (r->lfd == -1 || bind(r->lfd, (struct sockaddr *)&sun, len) == -1 ||
	    listen(r->lfd, 16) == -1)
		return -1;
	ev_io_init(&r->lio, r->lfd, relay_accept_cb, r);
	return ev_io_set(r->loop, &r->lio, EV_READ);
}

static void
relay_handshake(struct tlsrelay *r)
{
	int rc, e;

	ERR_clear_error();
	rc = SSL_connect(r->ssl);
	if (rc == 1) {
		r->handshake_ms =
		    (double)(now_mono_us() - r->start_us) / 1000.0;
		/* from now on the deadline is libcurl's connection's */
		ev_timer_arm(r->loop, &r->timer, (uint64_t)r->timeout_ms);
		if (relay_listen(r) == -1) {
			r->sys_err = errno;
			snprintf(r->why, sizeof(r->why), "local socket: %s",
			    strerror(errno));
			relay_close(r);
			r->cb(r, 0);
			return;
		}
		r->state = TLSRELAY_PUMP;
		r->tls_want_rd = r->tls_want_wr = 0;
		/* nothing to pump until libcurl is there */
		ev_io_set(r->loop, &r->tio, 0);
		r->cb(r, 1);
		return;
	}
	e = SSL_get_error(r->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		r->tls_want_rd = e == SSL_ERROR_WANT_READ;
		r->tls_want_wr = e == SSL_ERROR_WANT_WRITE;
		relay_watch(r);
		return;
	}
	relay_fail(r, e);
	relay_close(r);
	r->cb(r, 0);
}

/* A byte of an HTTP header's name (RFC 9110 token). */
static int
relay_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* The header name at the start of a line (its first len bytes kept in
 * line), or "" when it is no header or its name was not kept whole. */
static void
relay_line_name(const char *line, size_t len, char *name, size_t size)
{
	size_t n = len < TLSRELAY_NAME ? len : TLSRELAY_NAME;
	size_t i = 0;

	while (i < n && relay_tchar((unsigned char)line[i]))
		i++;
	if (i == 0 || i == n || line[i] != ':' || i >= size)
		i = 0;
	memcpy(name, line, i);
	name[i] = '\0';
}

/*
 * Follow the response head through n bytes from the server: the longest
 * line and its header's name, until the blank line that ends the final
 * (not 1xx) head. One pass over the head's bytes, nothing after it.
 */
static void
relay_scan(struct tlsrelay *r, const unsigned char *p, size_t n)
{
	struct tlsrelay_head *h = &r->head;

	for (size_t i = 0; i < n && !h->done; i++) {
		if (p[i] != '\n') {
			if (h->len < TLSRELAY_NAME)
				h->line[h->len] = (char)p[i];
			h->len++;
			continue;
		}
		if (h->len == 0 || (h->len == 1 && h->line[0] == '\r')) {
			h->done = !h->interim; /* a blank line ends a head */
			h->interim = 0;
			h->lineno = 0;
		} else {
			if (h->lineno == 0) /* "HTTP/1.1 1xx" */
				h->interim = h->len > 10 &&
				    memcmp(h->line, "HTTP/", 5) == 0 &&
				    h->line[9] == '1';
			if (h->len > h->max_len) {
				h->max_len = h->len;
				relay_line_name(h->line,
				    h->lineno == 0 ? 0 : h->len, h->max_name,
				    sizeof(h->max_name));
			}
			h->lineno++;
		}
		h->len = 0;
	}
}

size_t
tlsrelay_head_longest(const struct tlsrelay *r, char *name, size_t size)
{
	const struct tlsrelay_head *h = &r->head;

	if (size == 0)
		return 0;
	if (!h->done && h->len > h->max_len) {
		relay_line_name(h->line, h->lineno == 0 ? 0 : h->len, name,
		    size);
		return h->len;
	}
	snprintf(name, size, "%s", h->max_name);
	return h->max_len;
}

/* One round of moving bytes; returns 1 when something moved. */
static int
relay_step(struct tlsrelay *r)
{
	int moved = 0, rc, e;

	r->tls_want_rd = r->tls_want_wr = 0;
	/* libcurl -> our buffer */
	if (!r->up_eof && r->uplen < TLSRELAY_UP) {
		ssize_t n =
		    read(r->pfd, r->up + r->uplen, TLSRELAY_UP - r->uplen);

		if (n > 0) {
			r->uplen += (size_t)n;
			moved = 1;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			r->up_eof = 1; /* libcurl is done with us */
			moved = 1;
		}
	}
	/* our buffer -> TLS */
	if (r->uplen > 0) {
		ERR_clear_error();
		rc = SSL_write(r->ssl, r->up, (int)r->uplen);
		if (rc > 0) {
			memmove(r->up, r->up + rc, r->uplen - (size_t)rc);
			r->uplen -= (size_t)rc;
			moved = 1;
		} else {
			e = SSL_get_error(r->ssl, rc);
			if (e == SSL_ERROR_WANT_READ)
				r->tls_want_rd = 1;
			else if (e == SSL_ERROR_WANT_WRITE)
				r->tls_want_wr = 1;
			else {
				relay_fail(r, e);
				r->down_eof = r->up_eof = 1;
				r->uplen = 0;
				moved = 1;
			}
		}
	}
	/* TLS -> our buffer */
	if (!r->down_eof && r->downlen < TLSRELAY_DOWN) {
		ERR_clear_error();
		rc = SSL_read(r->ssl, r->down + r->downlen,
		    (int)(TLSRELAY_DOWN - r->downlen));
		if (rc > 0) {
			if (!r->head.done)
				relay_scan(r, r->down + r->downlen, (size_t)rc);
			r->downlen += (size_t)rc;
			moved = 1;
		} else {
			e = SSL_get_error(r->ssl, rc);
			if (e == SSL_ERROR_WANT_READ)
				r->tls_want_rd = 1;
			else if (e == SSL_ERROR_WANT_WRITE)
				r->tls_want_wr = 1;
			else {
				/* close_notify, EOF or an error: either way
				 * the server has said all it will */
				if (e != SSL_ERROR_ZERO_RETURN)
					relay_fail(r, e);
				r->down_eof = 1;
				moved = 1;
			}
		}
	}
	/* our buffer -> libcurl */
	if (r->downlen > 0) {
		ssize_t n = write(r->pfd, r->down, r->downlen);

		if (n > 0) {
			memmove(r->down, r->down + n, r->downlen - (size_t)n);
			r->downlen -= (size_t)n;
			moved = 1;
		} else if (n == -1 && errno != EAGAIN && errno != EINTR) {
			r->downlen = 0; /* libcurl went away */
			r->up_eof = 1;
		}
	}
	return moved;
}

static void
relay_pump(struct tlsrelay *r)
{
	/* Bounded: each step moves at most a buffer each way. */
	for (int i = 0; i < 64 && relay_step(r); i++)
		;
	if (r->down_eof && r->downlen == 0 && r->pfd != -1)
		shutdown(r->pfd, SHUT_WR); /* libcurl sees the end */
	if (r->up_eof && r->uplen == 0) {
		/* libcurl closed its end: the exchange is over */
		relay_close(r);
		return;
	}
	relay_watch(r);
}

static void
relay_io_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	struct tlsrelay *r = io->arg;

	(void)loop;
	(void)revents;
	if (r->state == TLSRELAY_HANDSHAKE)
		relay_handshake(r);
	else if (r->state == TLSRELAY_PUMP && r->pfd != -1)
		relay_pump(r);
}

static void
relay_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct tlsrelay *r = t->arg;

	(void)loop;
	if (r->state == TLSRELAY_PUMP && r->pfd == -1) {
		/* libcurl never connected (it gives up by itself in as
		 * long): stop listening, nothing else to do */
		snprintf(r->why, sizeof(r->why),
		    "libcurl did not connect to the local socket in time%s",
		    r->refused > 0 ? " (other processes did: refused)" : "");
		ev_io_stop(r->loop, &r->lio);
		close(r->lfd);
		r->lfd = -1;
		return;
	}
	if (r->state != TLSRELAY_HANDSHAKE)
		return;
	r->timed_out = 1;
	snprintf(r->why, sizeof(r->why), "no TLS answer in time");
	relay_close(r);
	r->cb(r, 0);
}

static void
relay_kick_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct tlsrelay *r = t->arg;

	ev_timer_arm(loop, &r->timer, (uint64_t)r->timeout_ms);
	relay_handshake(r);
}

int
tlsrelay_start(struct tlsrelay *r, struct ev_loop *loop, SSL *ssl, int tcpfd,
    int timeout_ms, tlsrelay_cb cb, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->loop = loop;
	r->ssl = ssl;
	r->tfd = tcpfd;
	r->pfd = r->lfd = -1;
	r->cb = cb;
	r->arg = arg;
	r->state = TLSRELAY_HANDSHAKE;
	r->start_us = now_mono_us();
	ev_io_init(&r->tio, tcpfd, relay_io_cb, r);
	ev_io_init(&r->pio, -1, relay_io_cb, r);
	r->timeout_ms = timeout_ms;
	ev_timer_init(&r->timer, relay_timer_cb, r);
	/* Begin from the loop, so cb never runs inside this call. */
	ev_timer_init(&r->kick, relay_kick_cb, r);
	ev_timer_arm(loop, &r->kick, 0);
	return 0;
}

const char *
tlsrelay_name(const struct tlsrelay *r)
{
	return r->name;
}
