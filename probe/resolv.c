/*
 * resolv: c-ares glue (ARES_OPT_SOCK_STATE_CB -> watcher -> ares_process_fd,
 * one timer from ares_timeout), and the notes of failing answers read
 * through c-ares's socket functions.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "resolv.h"
#include "util.h"

struct resolv_sock {
	struct ev_io	    io;
	struct resolv	   *r;
	struct resolv_sock *next;
};

struct resolv_note {
	char		   name[256]; /* lower case, no trailing dot */
	int		   type;
	struct resolv_seen seen;
};

struct resolv {
	struct ev_loop	   *loop;
	ares_channel	    channel;
	struct ev_timer	    timer;
	struct resolv_sock *socks;
	int		    dying;
	struct resolv_note  notes[RESOLV_NOTES]; /* a ring */
	size_t		    nnext;
};

/* notes: what a failing answer said, keyed by its question */

static void
resolv_key(const char *name, char *key, size_t len)
{
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n >= len)
		n = len - 1;
	for (size_t i = 0; i < n; i++)
		key[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ?
			name[i] - 'A' + 'a' :
			name[i]);
	key[n] = '\0';
}

static struct resolv_note *
resolv_note_find(struct resolv *r, const char *key, int type)
{
	for (size_t i = 0; i < RESOLV_NOTES; i++)
		if (r->notes[i].type == type &&
		    strcmp(r->notes[i].name, key) == 0)
			return &r->notes[i];
	return NULL;
}

/* A UDP answer from a server: note it when it failed. */
static void
resolv_note_answer(struct resolv *r, const unsigned char *p, size_t n,
    const struct sockaddr *from)
{
	static const int    rcode_status[16] = {[1] = ARES_EFORMERR,
	       [2] = ARES_ESERVFAIL,
	       [3] = ARES_ENOTFOUND,
	       [4] = ARES_ENOTIMP,
	       [5] = ARES_EREFUSED};
	struct resolv_note *nt;
	char		    name[256], key[256];
	size_t		    off = 12, len = 0;
	int		    tc, rcode, type;

	if (n < 12 || !(p[2] & 0x80) || p[4] != 0 || p[5] != 1)
		return; /* not an answer to one question */
	tc = (p[2] & 0x02) != 0;
	rcode = p[3] & 0x0f;
	if (!tc && rcode == 0)
		return;
	while (off < n && p[off] != 0) { /* the question: no compression */
		size_t l = p[off++];

		if (l > 63 || off + l > n || len + l + 2 > sizeof(name))
			return;
		if (len > 0)
			name[len++] = '.';
		memcpy(name + len, p + off, l);
		len += l;
		off += l;
	}
	if (off + 5 > n)
		return;
	name[len] = '\0';
	type = p[off + 1] << 8 | p[off + 2];
	resolv_key(name, key, sizeof(key));
	if ((nt = resolv_note_find(r, key, type)) == NULL) {
		nt = &r->notes[r->nnext];
		r->nnext = (r->nnext + 1) % RESOLV_NOTES;
	}
	memset(nt, 0, sizeof(*nt));
	snprintf(nt->name, sizeof(nt->name), "%s", key);
	nt->type = type;
	nt->seen.status = rcode_status[rcode];
	nt->seen.truncated = tc;
	if (from->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)from)->sin6_addr,
		    nt->seen.server, sizeof(nt->seen.server));
	else if (from->sa_family == AF_INET)
		inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)from)->sin_addr,
		    nt->seen.server, sizeof(nt->seen.server));
}

int
resolv_seen(struct resolv *r, const char *name, int type,
    struct resolv_seen *seen)
{
	struct resolv_note *nt;
	char		    key[256];

	resolv_key(name, key, sizeof(key));
	if ((nt = resolv_note_find(r, key, type)) == NULL)
		return -1;
	*seen = nt->seen;
	return 0;
}

void
resolv_servers(struct resolv *r, char *buf, size_t len)
{
	struct ares_addr_port_node *list = NULL, *s;
	size_t			    off = 0;

	buf[0] = '\0';
	if (ares_get_servers_ports(r->channel, &list) != ARES_SUCCESS)
		return;
	for (s = list; s != NULL && off < len; s = s->next) {
		char ip[64];
		int  w;

		if (inet_ntop(s->family, &s->addr, ip, sizeof(ip)) == NULL)
			continue;
		w = snprintf(buf + off, len - off, "%s%s", off > 0 ? ", " : "",
		    ip);
		if (w < 0 || (size_t)w >= len - off)
			break;
		off += (size_t)w;
	}
	ares_free_data(list);
}

/* c-ares's socket calls, plus the notes; c-ares wants its sockets
 * non-blocking from these. */

static ares_socket_t
resolv_socket_fn(int af, int type, int proto, void *arg)
{
	(void)arg;
	return socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
}

static int
resolv_close_fn(ares_socket_t fd, void *arg)
{
	(void)arg;
	return close(fd);
}

static int
resolv_connect_fn(ares_socket_t fd, const struct sockaddr *sa,
    ares_socklen_t len, void *arg)
{
	(void)arg;
	return connect(fd, sa, len);
}

static ares_ssize_t
resolv_recvfrom_fn(ares_socket_t fd, void *buf, size_t len, int flags,
    struct sockaddr *from, ares_socklen_t *fromlen, void *arg)
{
	ssize_t n = recvfrom(fd, buf, len, flags, from, fromlen);

	/* from is NULL on TCP, whose reads come in pieces */
	if (n > 0 && from != NULL)
		resolv_note_answer(arg, buf, (size_t)n, from);
	return n;
}

static ares_ssize_t
resolv_sendv_fn(ares_socket_t fd, const struct iovec *iov, int n, void *arg)
{
	(void)arg;
	return writev(fd, iov, n);
}

static const struct ares_socket_functions resolv_fns = {resolv_socket_fn,
    resolv_close_fn, resolv_connect_fn, resolv_recvfrom_fn, resolv_sendv_fn};

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
	ares_set_socket_functions(r->channel, &resolv_fns, r);
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
	struct resolv_note *nt;
	char		    key[256];

	resolv_key(name, key, sizeof(key));
	if ((nt = resolv_note_find(r, key, type)) != NULL)
		memset(nt, 0, sizeof(*nt)); /* news only from this query */
	ares_query(r->channel, name, 1 /* C_IN */, type, cb, arg);
	resolv_rearm(r);
}

ares_channel
resolv_channel(struct resolv *r)
{
	return r->channel;
}
