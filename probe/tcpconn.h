/*
 * tcpconn: one non-blocking TCP connect in the event loop, timed in
 * microseconds, ending in errno terms (0, ECONNREFUSED, ETIMEDOUT, ...).
 */
#ifndef V6W_TCPCONN_H
#define V6W_TCPCONN_H

#include <stdint.h>
#include <sys/socket.h>

#include "ev.h"

struct tcpconn;
typedef void (*tcpconn_cb)(struct tcpconn *);

struct tcpconn {
	struct ev_io		io;
	struct ev_timer		timer;
	struct ev_loop	       *loop;
	struct sockaddr_storage sa;
	socklen_t		salen;
	int			fd; /* -1 none; owned until taken */
	uint64_t		start_us;
	int			err; /* 0 connected, else errno */
	double			ms;  /* time to connect (or fail) */
	int			running;
	tcpconn_cb		cb;
	void		       *arg;
};

/* Start connecting to sa; cb runs once, never from inside this call. */
void
tcpconn_start(struct ev_loop *, struct tcpconn *, const struct sockaddr *sa,
    socklen_t salen, int timeout_ms, tcpconn_cb cb, void *arg);
/* Stop, and close the socket unless it was taken. Safe to repeat. */
void tcpconn_stop(struct tcpconn *);
/* Take the connected socket (the caller closes it). */
int tcpconn_take(struct tcpconn *);

#endif
