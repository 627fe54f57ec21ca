/*
 * tcpconn: non-blocking connect with its own deadline.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "tcpconn.h"
#include "util.h"

static void
tcpconn_finish(struct tcpconn *c, int err)
{
	c->err = err;
	c->ms = (double)(now_mono_us() - c->start_us) / 1000.0;
	c->running = 0;
	ev_io_stop(c->loop, &c->io);
	ev_timer_disarm(c->loop, &c->timer);
	if (err != 0 && c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	c->cb(c);
}

static void
tcpconn_io_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	struct tcpconn *c = io->arg;
	socklen_t	len = sizeof(int);
	int		err = 0;

	(void)loop;
	(void)revents;
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	tcpconn_finish(c, err);
}

static void
tcpconn_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct tcpconn *c = t->arg;

	(void)loop;
	if (c->fd == -1 || !c->io.active) {
		/* an immediate error, reported from the loop */
		tcpconn_finish(c, c->err);
		return;
	}
	tcpconn_finish(c, ETIMEDOUT);
}

void
tcpconn_start(struct ev_loop *loop, struct tcpconn *c,
    const struct sockaddr *sa, socklen_t salen, int timeout_ms, tcpconn_cb cb,
    void *arg)
{
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->loop = loop;
	c->cb = cb;
	c->arg = arg;
	c->fd = -1;
	c->running = 1;
	memcpy(&c->sa, sa, salen);
	c->salen = salen;
	c->start_us = now_mono_us();
	ev_io_init(&c->io, -1, tcpconn_io_cb, c);
	ev_timer_init(&c->timer, tcpconn_timer_cb, c);

	c->fd = socket(sa->sa_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		c->err = errno;
	else if (sa->sa_family == AF_INET6 &&
	    setsockopt(c->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ==
		-1)
		c->err = errno; /* never over IPv4 behind a mapped address */
	else if (connect(c->fd, sa, salen) == 0 || errno == EINPROGRESS) {
		c->io.fd = c->fd;
		if (ev_io_set(loop, &c->io, EV_WRITE) == 0) {
			ev_timer_arm(loop, &c->timer, (uint64_t)timeout_ms);
			return;
		}
		c->err = errno;
	} else
		c->err = errno;
	/* Failed at once (no route, no such family): report from the loop,
	 * so the caller never sees its callback inside this call. */
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
	ev_timer_arm(loop, &c->timer, 0);
}

void
tcpconn_stop(struct tcpconn *c)
{
	if (c->loop == NULL)
		return;
	ev_io_stop(c->loop, &c->io);
	ev_timer_disarm(c->loop, &c->timer);
	c->running = 0;
	if (c->fd != -1) {
		close(c->fd);
		c->fd = -1;
	}
}

int
tcpconn_take(struct tcpconn *c)
{
	int fd = c->fd;

	c->fd = -1;
	return fd;
}
