/*
 * httpc: the curl multi_socket adapter (curl's ephiperfifo pattern, with
 * EPOLL_CTL_MOD instead of DEL+ADD and fd 0 treated as a valid fd).
 */
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "httpc.h"
#include "log.h"
#include "util.h"

struct httpc {
	struct ev_loop *loop;
	CURLM	       *multi;
	struct ev_timer timer;
	int		running;
	int		nadded;
};

/* One per socket curl asks us to watch; curl_multi_assign()ed to it. */
struct httpc_sock {
	struct ev_io  io;
	struct httpc *hc;
};

static void
httpc_drain(struct httpc *hc)
{
	CURLMsg *msg;
	int	 left;

	while ((msg = curl_multi_info_read(hc->multi, &left)) != NULL) {
		struct httpc_xfer *x = NULL;
		CURL		  *easy = msg->easy_handle;
		CURLcode	   rc = msg->data.result;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(hc->multi, easy);
		hc->nadded--;
		if (x != NULL) {
			x->active = 0;
			x->done(x, rc);
		}
	}
}

static void
httpc_io_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	struct httpc_sock *s = io->arg;
	struct httpc	  *hc = s->hc;
	int		   flags = 0;

	(void)loop;
	if (revents & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	if (revents & EV_ERROR)
		flags |= CURL_CSELECT_ERR;
	/* s may be freed by the socket callback inside this call. */
	curl_multi_socket_action(hc->multi, io->fd, flags, &hc->running);
	httpc_drain(hc);
}

static void
httpc_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct httpc *hc = t->arg;

	(void)loop;
	curl_multi_socket_action(hc->multi, CURL_SOCKET_TIMEOUT, 0,
	    &hc->running);
	httpc_drain(hc);
}

static int
httpc_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct httpc	  *hc = userp;
	struct httpc_sock *s = socketp;
	int		   events = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			ev_io_stop(hc->loop, &s->io);
			curl_multi_assign(hc->multi, fd, NULL);
			free(s);
		}
		return 0;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->hc = hc;
		ev_io_init(&s->io, fd, httpc_io_cb, s);
		curl_multi_assign(hc->multi, fd, s);
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (ev_io_set(hc->loop, &s->io, events) == -1) {
		log_warn("httpc: epoll on fd %d", (int)fd);
		return -1;
	}
	return 0;
}

static int
httpc_timerfn_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct httpc *hc = userp;

	(void)multi;
	if (timeout_ms < 0)
		ev_timer_disarm(hc->loop, &hc->timer);
	else
		ev_timer_arm(hc->loop, &hc->timer, (uint64_t)timeout_ms);
	return 0;
}

struct httpc *
httpc_new(struct ev_loop *loop)
{
	struct httpc *hc = xcalloc(1, sizeof(*hc));

	hc->loop = loop;
	ev_timer_init(&hc->timer, httpc_timer_cb, hc);
	if ((hc->multi = curl_multi_init()) == NULL) {
		free(hc);
		return NULL;
	}
	curl_multi_setopt(hc->multi, CURLMOPT_SOCKETFUNCTION, httpc_socket_cb);
	curl_multi_setopt(hc->multi, CURLMOPT_SOCKETDATA, hc);
	curl_multi_setopt(hc->multi, CURLMOPT_TIMERFUNCTION, httpc_timerfn_cb);
	curl_multi_setopt(hc->multi, CURLMOPT_TIMERDATA, hc);
	return hc;
}

void
httpc_free(struct httpc *hc)
{
	if (hc == NULL)
		return;
	ev_timer_disarm(hc->loop, &hc->timer);
	curl_multi_cleanup(hc->multi);
	free(hc);
}

int
httpc_start(struct httpc *hc, struct httpc_xfer *x)
{
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(hc->multi, x->easy) != CURLM_OK)
		return -1;
	x->active = 1;
	hc->nadded++;
	return 0;
}

void
httpc_cancel(struct httpc *hc, struct httpc_xfer *x)
{
	if (!x->active)
		return;
	curl_multi_remove_handle(hc->multi, x->easy);
	x->active = 0;
	hc->nadded--;
}

int
httpc_running(const struct httpc *hc)
{
	return hc->nadded;
}
