/*
 * tls: v6probe's TLS client side. One SSL_CTX per process holds the trust
 * store (loaded once: libcurl 7.88 with OpenSSL 3.0 re-parses a CA bundle
 * per connection, ~17 ms of CPU each with the system bundle) and is shared
 * by every connection (libcurl 7.88 also builds a new SSL_CTX per
 * connection, a quarter of a full handshake's CPU). Each connection
 * records the certificate (days left, issuer), the first verification
 * error and the TLS version, and -- when asked -- resumes the target's
 * previous session, with a full handshake at least once an hour so that a
 * new certificate is noticed.
 */
#ifndef V6W_TLS_H
#define V6W_TLS_H

#include <stdint.h>

#include <openssl/ssl.h>

#define TLS_FULL_HANDSHAKE_MAX_S 3600

/*
 * A target's TLS session for one family, kept between checks: the session
 * in DER without the server's certificate (about 300 bytes instead of
 * 6 KiB decoded: 10,000 targets fit in a few MiB), and what the checks
 * report of that certificate, remembered from the last full handshake.
 */
struct tls_sess {
	unsigned char *der;
	size_t	       derlen;
	uint64_t       full_ms; /* monotonic time of the last full handshake */
	int	       has_cert;
	int64_t	       not_after; /* the certificate's, Unix time */
	char	      *issuer;
};

/* One connection's view, filled in during the handshake. */
struct tls_conn {
	struct tls_sess *sess;	 /* NULL: no resumption */
	uint64_t	 now_ms; /* monotonic, for the session's age */
	int		 done;
	int		 resumed;
	char		 version[16];
	int		 has_cert;
	int		 days_left;
	int64_t		 not_after;
	char		 issuer[256];
	long		 verify_err; /* first X509_V_ERR_*, -1 none */
	int		 verify_depth;
};

/*
 * The DER length at p (n bytes there): its value in *val, the bytes it took
 * in *used. 0, or -1 when malformed or longer than 4 bytes.
 */
int tls_der_len(const unsigned char *p, size_t n, size_t *val, size_t *used);

/* The shared client context, verifying against store. */
SSL_CTX *tls_ctx_new(X509_STORE *store, char *err, size_t errlen);

/*
 * A new SSL for host (SNI and name check; an IP literal is checked
 * against the certificate's IP addresses) on fd, reporting into c and
 * resuming sess when it is fresh. NULL with a message in err.
 */
SSL *tls_new(SSL_CTX *, int fd, const char *host, int is_ip, struct tls_conn *c,
    struct tls_sess *sess, uint64_t now_ms, char *err, size_t errlen);
/* After a successful handshake: version, resumption, certificate. */
void tls_done(SSL *, struct tls_conn *);

void tls_sess_clear(struct tls_sess *);

/* Drop the [3] peer certificate from a DER SSL_SESSION, in place.
 * Returns the new length, or 0 when der is not what it should be. */
size_t tls_der_strip_peer(unsigned char *der, size_t len);

#endif
