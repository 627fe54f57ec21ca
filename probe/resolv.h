/*
 * resolv: a c-ares channel driven by common/ev -- its sockets become
 * ev_io watchers, its retransmission timeout one ev_timer. A channel uses
 * the system resolver configuration, or one given server (for asking a
 * zone's name servers directly).
 */
#ifndef V6W_RESOLV_H
#define V6W_RESOLV_H

#include <ares.h>

struct ev_loop;
struct resolv;

struct resolv_opts {
	int	    timeout_ms; /* per try; total about 3x with 2 tries */
	int	    tries;
	const char *server;    /* "[2001:db8::53]:53"; NULL: resolv.conf */
	int	    norecurse; /* RD bit off, for authoritative servers */
};

struct resolv *resolv_new(struct ev_loop *, const struct resolv_opts *,
    char *err, size_t errlen);
/* Pending queries complete with ARES_EDESTRUCTION before this returns. */
void resolv_free(struct resolv *);

/* One query of name (no search list); cb gets the raw answer. */
void resolv_query(struct resolv *, const char *name, int type, ares_callback cb,
    void *arg);
ares_channel resolv_channel(struct resolv *);

/* Process-wide setup; once before the first resolv_new(). */
int resolv_library_init(void);

#endif
