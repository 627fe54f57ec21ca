/*
 * ev: epoll loop with fd watchers, a binary min-heap of timers and signalfd.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "ev.h"
#include "log.h"
#include "util.h"

#define EV_BATCH 128
#define EV_NSIG	 65

struct ev_loop {
	int	 epfd;
	uint64_t now_ms;
	int	 stop;

	struct epoll_event fired[EV_BATCH];
	int		   nfired; /* valid while dispatching */

	struct ev_timer **heap;
	size_t		  nheap, heapcap;
	uint64_t	  timer_seq;

	int		  sigfd;
	sigset_t	  sigmask;
	struct ev_io	  sigio;
	struct ev_signal *sigs[EV_NSIG];
};

struct ev_loop *
ev_loop_new(void)
{
	struct ev_loop *loop = xcalloc(1, sizeof(*loop));

	loop->sigfd = -1;
	sigemptyset(&loop->sigmask);
	if ((loop->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(loop);
		return NULL;
	}
	loop->now_ms = now_mono_ms();
	return loop;
}

void
ev_loop_free(struct ev_loop *loop)
{
	if (loop == NULL)
		return;
	if (loop->sigfd != -1) {
		ev_io_stop(loop, &loop->sigio);
		close(loop->sigfd);
		sigprocmask(SIG_UNBLOCK, &loop->sigmask, NULL);
	}
	close(loop->epfd);
	free(loop->heap);
	free(loop);
}

uint64_t
ev_now(struct ev_loop *loop)
{
	return loop->now_ms;
}

void
ev_now_update(struct ev_loop *loop)
{
	loop->now_ms = now_mono_ms();
}

/* fd watchers */

void
ev_io_init(struct ev_io *io, int fd, ev_io_cb cb, void *arg)
{
	memset(io, 0, sizeof(*io));
	io->fd = fd;
	io->cb = cb;
	io->arg = arg;
}

/* Forget any event for io still waiting in the batch being dispatched. */
static void
ev_io_unfire(struct ev_loop *loop, struct ev_io *io)
{
	for (int i = 0; i < loop->nfired; i++)
		if (loop->fired[i].data.ptr == io)
			loop->fired[i].data.ptr = NULL;
}

int
ev_io_set(struct ev_loop *loop, struct ev_io *io, int events)
{
	struct epoll_event ev;
	int		   op;

	if (events == 0) {
		ev_io_stop(loop, io);
		return 0;
	}
	if (io->active && io->events == events)
		return 0; /* nothing to tell epoll */
	memset(&ev, 0, sizeof(ev));
	ev.data.ptr = io;
	if (events & EV_READ)
		ev.events |= EPOLLIN;
	if (events & EV_WRITE)
		ev.events |= EPOLLOUT;
	op = io->active ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(loop->epfd, op, io->fd, &ev) == -1) {
		/* The fd may have been closed and reused behind our back. */
		if (op == EPOLL_CTL_MOD && errno == ENOENT)
			op = EPOLL_CTL_ADD;
		else if (op == EPOLL_CTL_ADD && errno == EEXIST)
			op = EPOLL_CTL_MOD;
		else
			return -1;
		if (epoll_ctl(loop->epfd, op, io->fd, &ev) == -1)
			return -1;
	}
	io->active = 1;
	io->events = events;
	return 0;
}

void
ev_io_stop(struct ev_loop *loop, struct ev_io *io)
{
	if (io->active) {
		/* Fails harmlessly when the fd was already closed. */
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
		io->active = 0;
		io->events = 0;
	}
	ev_io_unfire(loop, io);
}

/* timers: min-heap ordered by (due_ms, seq); heap_idx is position + 1 */

static int
timer_before(const struct ev_timer *a, const struct ev_timer *b)
{
	return a->due_ms < b->due_ms ||
	    (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void
heap_place(struct ev_loop *loop, size_t i, struct ev_timer *t)
{
	loop->heap[i] = t;
	t->heap_idx = i + 1;
}

static void
heap_up(struct ev_loop *loop, size_t i)
{
	struct ev_timer *t = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!timer_before(t, loop->heap[parent]))
			break;
		heap_place(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_place(loop, i, t);
}

static void
heap_down(struct ev_loop *loop, size_t i)
{
	struct ev_timer *t = loop->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= loop->nheap)
			break;
		if (c + 1 < loop->nheap &&
		    timer_before(loop->heap[c + 1], loop->heap[c]))
			c++;
		if (!timer_before(loop->heap[c], t))
			break;
		heap_place(loop, i, loop->heap[c]);
		i = c;
	}
	heap_place(loop, i, t);
}

void
ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
}

int
ev_timer_armed(const struct ev_timer *t)
{
	return t->heap_idx != 0;
}

size_t
ev_timer_count(const struct ev_loop *loop)
{
	return loop->nheap;
}

void
ev_timer_disarm(struct ev_loop *loop, struct ev_timer *t)
{
	size_t i;

	if (t->heap_idx == 0)
		return;
	i = t->heap_idx - 1;
	t->heap_idx = 0;
	loop->nheap--;
	if (i == loop->nheap)
		return;
	heap_place(loop, i, loop->heap[loop->nheap]);
	heap_down(loop, i);
	heap_up(loop, loop->heap[i]->heap_idx - 1);
}

void
ev_timer_arm_at(struct ev_loop *loop, struct ev_timer *t, uint64_t due_ms)
{
	ev_timer_disarm(loop, t);
	if (loop->nheap == loop->heapcap) {
		loop->heapcap = loop->heapcap ? loop->heapcap * 2 : 64;
		loop->heap = xreallocarray(loop->heap, loop->heapcap,
		    sizeof(*loop->heap));
	}
	t->due_ms = due_ms;
	t->seq = loop->timer_seq++;
	heap_place(loop, loop->nheap, t);
	loop->nheap++;
	heap_up(loop, loop->nheap - 1);
}

void
ev_timer_arm(struct ev_loop *loop, struct ev_timer *t, uint64_t delay_ms)
{
	ev_timer_arm_at(loop, t, loop->now_ms + delay_ms);
}

/* signals */

static void
ev_signal_read_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	struct signalfd_siginfo si[16];
	ssize_t			n;

	(void)revents;
	(void)io;
	while ((n = read(loop->sigfd, si, sizeof(si))) > 0) {
		for (size_t i = 0; i < (size_t)n / sizeof(si[0]); i++) {
			unsigned	  signo = si[i].ssi_signo;
			struct ev_signal *s;

			if (signo >= EV_NSIG || (s = loop->sigs[signo]) == NULL)
				continue;
			s->cb(loop, s);
		}
	}
}

int
ev_signal_start(struct ev_loop *loop, struct ev_signal *s, int signo,
    ev_signal_cb cb, void *arg)
{
	sigset_t one;
	int	 fd;

	if (signo <= 0 || signo >= EV_NSIG) {
		errno = EINVAL;
		return -1;
	}
	s->signo = signo;
	s->cb = cb;
	s->arg = arg;
	sigaddset(&loop->sigmask, signo);
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, NULL) == -1)
		return -1;
	fd = signalfd(loop->sigfd, &loop->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd == -1)
		return -1;
	if (loop->sigfd == -1) {
		loop->sigfd = fd;
		ev_io_init(&loop->sigio, fd, ev_signal_read_cb, loop);
		if (ev_io_set(loop, &loop->sigio, EV_READ) == -1)
			return -1;
	}
	loop->sigs[signo] = s;
	s->active = 1;
	return 0;
}

void
ev_signal_stop(struct ev_loop *loop, struct ev_signal *s)
{
	if (!s->active)
		return;
	s->active = 0;
	if (loop->sigs[s->signo] == s)
		loop->sigs[s->signo] = NULL;
}

/* the loop */

static int
ev_wait_ms(struct ev_loop *loop, int max_wait_ms)
{
	uint64_t due;
	int	 wait;

	if (loop->nheap == 0)
		return max_wait_ms;
	due = loop->heap[0]->due_ms;
	ev_now_update(loop);
	wait = due <= loop->now_ms ?
	    0 :
	    (due - loop->now_ms > INT32_MAX ? INT32_MAX :
					      (int)(due - loop->now_ms));
	if (max_wait_ms >= 0 && max_wait_ms < wait)
		wait = max_wait_ms;
	return wait;
}

static int
ev_run_timers(struct ev_loop *loop)
{
	uint64_t pass_seq = loop->timer_seq;
	int	 ran = 0;

	/* Timers armed by callbacks of this pass wait for the next one, so a
	 * callback that re-arms itself with no delay cannot starve I/O. */
	while (loop->nheap > 0) {
		struct ev_timer *t = loop->heap[0];

		if (t->due_ms > loop->now_ms || t->seq >= pass_seq)
			break;
		ev_timer_disarm(loop, t);
		t->cb(loop, t);
		ran++;
	}
	return ran;
}

int
ev_run_once(struct ev_loop *loop, int max_wait_ms)
{
	int n, ran = 0;

	n = epoll_wait(loop->epfd, loop->fired, EV_BATCH,
	    ev_wait_ms(loop, max_wait_ms));
	if (n == -1) {
		if (errno != EINTR)
			return -1;
		n = 0;
	}
	ev_now_update(loop);
	loop->nfired = n;
	for (int i = 0; i < n; i++) {
		struct ev_io *io = loop->fired[i].data.ptr;
		uint32_t      e = loop->fired[i].events;
		int	      revents = 0;

		if (io == NULL) /* stopped by an earlier callback */
			continue;
		loop->fired[i].data.ptr = NULL;
		if (e & (EPOLLIN | EPOLLRDHUP))
			revents |= EV_READ;
		if (e & EPOLLOUT)
			revents |= EV_WRITE;
		if (e & (EPOLLERR | EPOLLHUP))
			revents |= EV_ERROR | (io->events & EV_READ);
		io->cb(loop, io, revents);
		ran++;
	}
	loop->nfired = 0;
	ran += ev_run_timers(loop);
	return ran;
}

int
ev_run(struct ev_loop *loop)
{
	loop->stop = 0;
	while (!loop->stop)
		if (ev_run_once(loop, -1) == -1)
			return -1;
	return 0;
}

void
ev_break(struct ev_loop *loop)
{
	loop->stop = 1;
}
