/*
 * tlsrelay: TLS on a connected TCP socket, in the event loop, with the
 * plaintext offered to libcurl on an abstract UNIX socket of its own. The
 * handshake runs first, under its own deadline; then libcurl connects
 * (CURLOPT_ABSTRACT_UNIX_SOCKET) and bytes are pumped both ways until
 * either side closes. The socket's name is random, and only a connection
 * from this process is accepted: others are refused and logged, and the
 * relay keeps waiting for libcurl's within the deadline. libcurl speaks plain HTTP on its end, so the TLS
 * context, sessions and certificate checks stay ours (see tls.h for why).
 * (A socketpair handed over through CURLOPT_OPENSOCKETFUNCTION would be
 * cheaper, but libcurl 7.88 ignores CURL_SOCKOPT_ALREADY_CONNECTED and
 * calls connect() on it.)
 */
#ifndef V6W_TLSRELAY_H
#define V6W_TLSRELAY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "ev.h"
#include "tls.h"

/* Plaintext buffers, allocated only while bytes flow: a request is small,
 * a TLS record carries at most 16 KiB. */
#define TLSRELAY_UP   4096
#define TLSRELAY_DOWN 16384
/* Bytes of a header's name kept to say which header was too long. */
#define TLSRELAY_NAME 32

struct tlsrelay;
/* The handshake ended: ok (then take the plaintext end) or not. */
typedef void (*tlsrelay_cb)(struct tlsrelay *, int ok);

enum tlsrelay_state {
	TLSRELAY_IDLE,
	TLSRELAY_HANDSHAKE,
	TLSRELAY_PUMP,
	TLSRELAY_CLOSED
};

struct tlsrelay {
	struct ev_loop	   *loop;
	enum tlsrelay_state state;
	SSL		   *ssl;
	int		    tfd;      /* TCP, owned */
	int		    lfd;      /* listening for libcurl, owned */
	int		    pfd;      /* libcurl's connection, owned */
	char		    name[48]; /* abstract socket name, no NUL */
	struct ev_io	    tio, pio, lio;
	struct ev_timer	    timer; /* the handshake's, then libcurl's */
	struct ev_timer	    kick;  /* starts it from the loop */
	int		    timeout_ms;
	uint64_t	    start_us;
	double		    handshake_ms;
	int		    timed_out;
	int		    ssl_err;  /* SSL_get_error() of a failure */
	int		    sys_err;  /* errno of a failure */
	char		    why[200]; /* OpenSSL's words for a failure */
	int		    tls_want_rd, tls_want_wr;
	unsigned	    refused; /* connections from other processes */
	unsigned char	   *up;	     /* libcurl -> TLS, TLSRELAY_UP */
	size_t		    uplen;
	unsigned char	   *down; /* TLS -> libcurl, TLSRELAY_DOWN */
	size_t		    downlen;
	int		    up_eof, down_eof;
	/* the response head as it passes, to name a line libcurl refuses */
	struct tlsrelay_head {
		int    done;		    /* the final head ended */
		int    interim;		    /* this head's status is 1xx */
		size_t lineno;		    /* lines ended in this head */
		size_t len;		    /* of the line under way */
		char   line[TLSRELAY_NAME]; /* its first bytes */
		size_t max_len;		    /* of the longest ended line */
		char   max_name[TLSRELAY_NAME];
	} head;
	tlsrelay_cb cb;
	void	   *arg;
};

/*
 * Start TLS on tcpfd (the relay owns it from now on) with ssl (from
 * tls_new(), also owned). cb runs once, from the loop. 0 or -1 (errno).
 */
int tlsrelay_start(struct tlsrelay *, struct ev_loop *, SSL *ssl, int tcpfd,
    int timeout_ms, tlsrelay_cb cb, void *arg);
/* After a successful handshake: where libcurl connects. */
const char *tlsrelay_name(const struct tlsrelay *);
/*
 * The longest line of the response head that passed (the line under way
 * included, as long as libcurl read): its length, and the name of its
 * header in name ("" for the status line or a line that is no header).
 * Still answers after tlsrelay_stop(), until the next start.
 */
size_t tlsrelay_head_longest(const struct tlsrelay *, char *name, size_t size);
/* Close everything. Safe on an idle or closed relay. */
void tlsrelay_stop(struct tlsrelay *);

#endif
