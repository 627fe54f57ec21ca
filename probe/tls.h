/*
 * tls: what v6probe does inside curl's TLS handshakes. The trust store is
 * loaded once per process and handed to every connection through
 * CURLOPT_SSL_CTX_FUNCTION (libcurl 7.88 with OpenSSL 3.0 otherwise
 * re-parses the whole CA bundle per connection: ~17 ms of CPU each).
 * The same hook records the certificate (days left, issuer), the first
 * verification error and the TLS version, and -- when asked -- resumes the
 * target's previous TLS session, with a full handshake at least once an
 * hour so that a new certificate is noticed.
 */
#ifndef V6W_TLS_H
#define V6W_TLS_H

#include <stdint.h>

#include <curl/curl.h>
#include <openssl/ssl.h>

#define TLS_FULL_HANDSHAKE_MAX_S 3600

/* A target's TLS session for one family, kept between checks. */
struct tls_sess {
	SSL_SESSION *sess;
	uint64_t     full_ms; /* monotonic time of the last full handshake */
};

/* One connection's view; lives as long as the transfer. */
struct tls_conn {
	X509_STORE	*store;
	struct tls_sess *sess;	 /* NULL: no resumption */
	uint64_t	 now_ms; /* monotonic, for session age */
	/* filled in during the handshake */
	int  done;
	int  resumed;
	char version[16];
	int  has_cert;
	int  days_left;
	char issuer[256];
	long verify_err; /* first X509_V_ERR_*, -1 none */
	int  verify_depth;
};

/* Load a PEM bundle (NULL: OpenSSL's default paths). */
X509_STORE *tls_store_load(const char *cafile, char *err, size_t errlen);

/* Prepare c and point easy's TLS at it (CAINFO/CAPATH cleared, curl's own
 * session cache off). */
void tls_attach(CURL *easy, struct tls_conn *c, X509_STORE *store,
    struct tls_sess *sess, uint64_t now_ms);
void tls_sess_clear(struct tls_sess *);

#endif
