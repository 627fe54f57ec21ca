/*
 * resolv: a c-ares channel driven by common/ev -- its sockets become
 * ev_io watchers, its retransmission timeout one ev_timer. A channel uses
 * the system resolver configuration, or one given server (for asking a
 * zone's name servers directly). It also notes the failing answers it
 * reads (an rcode other than NOERROR, a truncated answer): c-ares 1.18
 * hides them behind ARES_ECONNREFUSED once every server failed.
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

/* What the name servers answered to the last query of (name, type) when
 * the answer failed; the notes are bounded (RESOLV_NOTES, the oldest
 * forgotten first). */
#define RESOLV_NOTES 64
struct resolv_seen {
	int  status;	 /* ARES_E* of the rcode (ARES_ESERVFAIL...), 0 none */
	int  truncated;	 /* an answer came with TC set */
	char server[64]; /* who answered so */
};
/* 0 and *seen filled when a failing answer was noted, else -1. */
int resolv_seen(struct resolv *, const char *name, int type,
    struct resolv_seen *seen);
/* The servers the channel asks, "2001:db8::53, 203.0.113.53", into buf. */
void resolv_servers(struct resolv *, char *buf, size_t len);

/* Process-wide setup; once before the first resolv_new(). */
int resolv_library_init(void);

#endif
