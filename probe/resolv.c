/*
 * resolv: c-ares glue (ARES_OPT_SOCK_STATE_CB -> watcher -> ares_process_fd,
 * one timer from ares_timeout).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "log.h"
#include "resolv.h"
#include "util.h"

struct resolv_sock {
	struct ev_io	    io;
	struct resolv	   *r;
	struct resolv_sock *next;
};

struct resolv {
	struct ev_loop	   *loop;
	ares_channel	    channel;
	struct ev_timer	    timer;
	struct resolv_sock *socks;
	int		    dying;
};

int
resolv_library_init(void)
{
	return ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS ? 0 : -1;
}

static void
resolv_rearm(struct resolv *r)
{
	struct timeval tv, *tvp;

	if (r->dying)
		return;
	tvp = ares_timeout(r->channel, NULL, &tv);
	if (tvp == NULL)
		ev_timer_disarm(r->loop, &r->timer);
	else
		ev_timer_arm(r->loop, &r->timer,
		    (uint64_t)tvp->tv_sec * 1000 +
			(uint64_t)(tvp->tv_usec + 999) / 1000);
}

static void
resolv_io_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	struct resolv_sock *s = io->arg;
	struct resolv	   *r = s->r;
	ares_socket_t	    fd = io->fd;

	(void)loop;
	/* s may be freed by the state callback inside ares_process_fd. */
	ares_process_fd(r->channel,
	    (revents & (EV_READ | EV_ERROR)) ? fd : ARES_SOCKET_BAD,
	    (revents & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	resolv_rearm(r);
}

static void
resolv_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct resolv *r = t->arg;

	(void)loop;
	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	resolv_rearm(r);
}

static void
resolv_sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolv	    *r = data;
	struct resolv_sock **sp, *s;

	for (sp = &r->socks; (s = *sp) != NULL; sp = &s->next)
		if (s->io.fd == fd)
			break;
	if (!readable && !writable) {
		if (s != NULL) {
			ev_io_stop(r->loop, &s->io);
			*sp = s->next;
			free(s);
		}
		return;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->r = r;
		ev_io_init(&s->io, fd, resolv_io_cb, s);
		s->next = r->socks;
		r->socks = s;
	}
	if (ev_io_set(r->loop, &s->io,
		(readable ? EV_READ : 0) | (writable ? EV_WRITE : 0)) == -1)
		log_warn("resolv: epoll on fd %d", (int)fd);
}

struct resolv *
resolv_new(struct ev_loop *loop, const struct resolv_opts *o, char *err,
    size_t errlen)
{
	struct resolv	   *r = xcalloc(1, sizeof(*r));
	struct ares_options ao;
	int		    mask, rc;

	r->loop = loop;
	ev_timer_init(&r->timer, resolv_timer_cb, r);
	memset(&ao, 0, sizeof(ao));
	ao.sock_state_cb = resolv_sock_state_cb;
	ao.sock_state_cb_data = r;
	ao.timeout = o->timeout_ms > 0 ? o->timeout_ms : 2000;
	ao.tries = o->tries > 0 ? o->tries : 2;
	ao.flags =
	    ARES_FLAG_NOSEARCH | (o->norecurse ? ARES_FLAG_NORECURSE : 0);
	mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_FLAGS;
	if ((rc = ares_init_options(&r->channel, &ao, mask)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		free(r);
		return NULL;
	}
	if (o->server != NULL &&
	    (rc = ares_set_servers_ports_csv(r->channel, o->server)) !=
		ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: server %s: %s", o->server,
		    ares_strerror(rc));
		ares_destroy(r->channel);
		free(r);
		return NULL;
	}
	return r;
}

void
resolv_free(struct resolv *r)
{
	if (r == NULL)
		return;
	r->dying = 1;
	ev_timer_disarm(r->loop, &r->timer);
	ares_destroy(r->channel); /* closes sockets via the state cb */
	while (r->socks != NULL) {
		struct resolv_sock *s = r->socks;

		ev_io_stop(r->loop, &s->io);
		r->socks = s->next;
		free(s);
	}
	free(r);
}

void
resolv_query(struct resolv *r, const char *name, int type, ares_callback cb,
    void *arg)
{
	ares_query(r->channel, name, 1 /* C_IN */, type, cb, arg);
	resolv_rearm(r);
}

ares_channel
resolv_channel(struct resolv *r)
{
	return r->channel;
}
