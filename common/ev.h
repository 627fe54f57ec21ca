/*
 * ev: the single-threaded epoll event loop both daemons run on.
 *
 * fd watchers are registered by pointer (epoll data.ptr); the caller owns
 * each struct ev_io / ev_timer / ev_signal and must stop it before freeing.
 * Stopping a watcher from any callback, including one that runs earlier in
 * the same epoll batch, is safe: its pending event is discarded.
 * Timers run on CLOCK_MONOTONIC in due order (FIFO among equal due times);
 * a callback may arm, re-arm or disarm any timer, itself included.
 * Signals arrive through one signalfd; handlers run as normal callbacks.
 */
#ifndef V6W_EV_H
#define V6W_EV_H

#include <stddef.h>
#include <stdint.h>

#define EV_READ	 0x1
#define EV_WRITE 0x2
#define EV_ERROR 0x4 /* EPOLLERR or EPOLLHUP, reported with READ */

struct ev_loop;
struct ev_io;
struct ev_timer;
struct ev_signal;

typedef void (*ev_io_cb)(struct ev_loop *, struct ev_io *, int revents);
typedef void (*ev_timer_cb)(struct ev_loop *, struct ev_timer *);
typedef void (*ev_signal_cb)(struct ev_loop *, struct ev_signal *);

struct ev_io {
	int	 fd;
	int	 events; /* EV_READ | EV_WRITE currently watched */
	int	 active; /* registered with epoll */
	ev_io_cb cb;
	void	*arg;
};

struct ev_timer {
	uint64_t    due_ms;   /* CLOCK_MONOTONIC */
	uint64_t    seq;      /* arming order, breaks ties */
	size_t	    heap_idx; /* position + 1; 0 when not armed */
	ev_timer_cb cb;
	void	   *arg;
};

struct ev_signal {
	int	     signo;
	int	     active;
	ev_signal_cb cb;
	void	    *arg;
};

struct ev_loop *ev_loop_new(void);
void		ev_loop_free(struct ev_loop *);

/* Cached monotonic time of the current iteration, in ms. */
uint64_t ev_now(struct ev_loop *);
void	 ev_now_update(struct ev_loop *);

void ev_io_init(struct ev_io *, int fd, ev_io_cb, void *arg);
/* Watch events (EV_READ|EV_WRITE); 0 stops watching. 0 or -1 (errno). */
int ev_io_set(struct ev_loop *, struct ev_io *, int events);
/* Unregister; call before closing the fd. */
void ev_io_stop(struct ev_loop *, struct ev_io *);

void   ev_timer_init(struct ev_timer *, ev_timer_cb, void *arg);
void   ev_timer_arm(struct ev_loop *, struct ev_timer *, uint64_t delay_ms);
void   ev_timer_arm_at(struct ev_loop *, struct ev_timer *, uint64_t due_ms);
void   ev_timer_disarm(struct ev_loop *, struct ev_timer *);
int    ev_timer_armed(const struct ev_timer *);
size_t ev_timer_count(const struct ev_loop *);

/* Deliver signo through the loop (it is blocked for the process). */
int  ev_signal_start(struct ev_loop *, struct ev_signal *, int signo,
     ev_signal_cb, void *arg);
void ev_signal_stop(struct ev_loop *, struct ev_signal *);

/*
 * Run one iteration: wait for I/O (at most max_wait_ms, -1 = until the next
 * timer or forever), run I/O callbacks, then due timers. Returns the number
 * of callbacks run, or -1 on a fatal epoll error.
 */
int ev_run_once(struct ev_loop *, int max_wait_ms);
/* Run until ev_break(); 0, or -1 on a fatal epoll error. */
int  ev_run(struct ev_loop *);
void ev_break(struct ev_loop *);

#endif
