/*
 * tls: CURLOPT_SSL_CTX_FUNCTION hook -- shared trust store, certificate
 * details, verification errors and session resumption (see tls.h).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls.h"

static int tls_ctx_idx = -1;

X509_STORE *
tls_store_load(const char *cafile, char *err, size_t errlen)
{
	X509_STORE *st = X509_STORE_new();
	int	    ok;

	if (st == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ok = cafile != NULL ? X509_STORE_load_file(st, cafile) :
			      X509_STORE_set_default_paths(st);
	if (!ok) {
		unsigned long e = ERR_get_error();

		snprintf(err, errlen, "%s: cannot load CA certificates: %s",
		    cafile != NULL ? cafile : "default trust store",
		    e != 0 ? ERR_reason_error_string(e) : "no certificates");
		ERR_clear_error();
		X509_STORE_free(st);
		return NULL;
	}
	return st;
}

void
tls_sess_clear(struct tls_sess *s)
{
	SSL_SESSION_free(s->sess);
	s->sess = NULL;
	s->full_ms = 0;
}

static struct tls_conn *
conn_of(SSL *ssl)
{
	return ssl == NULL ?
	    NULL :
	    SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), tls_ctx_idx);
}

static void
cert_record(struct tls_conn *c, X509 *cert)
{
	const ASN1_TIME *na;
	int		 days = 0, secs = 0;
	BIO		*b;

	if (cert == NULL || c->has_cert)
		return;
	na = X509_get0_notAfter(cert);
	if (na != NULL && ASN1_TIME_diff(&days, &secs, NULL, na)) {
		/* days and secs share a sign; round down to whole days */
		c->days_left = days - (secs < 0 ? 1 : 0);
		c->has_cert = 1;
	}
	if ((b = BIO_new(BIO_s_mem())) != NULL) {
		int n;

		X509_NAME_print_ex(b, X509_get_issuer_name(cert), 0,
		    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
		n = BIO_read(b, c->issuer, sizeof(c->issuer) - 1);
		c->issuer[n > 0 ? n : 0] = '\0';
		for (char *p = c->issuer; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		BIO_free(b);
	}
}

static int
tls_verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL *ssl =
	    X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_conn *c = conn_of(ssl);
	int		 depth = X509_STORE_CTX_get_error_depth(x);

	if (c == NULL)
		return ok;
	if (depth == 0)
		cert_record(c, X509_STORE_CTX_get_current_cert(x));
	if (!ok && c->verify_err < 0) {
		c->verify_err = X509_STORE_CTX_get_error(x);
		c->verify_depth = depth;
	}
	return ok;
}

static void
tls_info_cb(const SSL *cssl, int where, int ret)
{
	SSL		*ssl = (SSL *)cssl;
	struct tls_conn *c;

	(void)ret;
	if (!(where & (SSL_CB_HANDSHAKE_START | SSL_CB_HANDSHAKE_DONE)))
		return;
	if ((c = conn_of(ssl)) == NULL)
		return;
	if (where & SSL_CB_HANDSHAKE_START) {
		/* curl made the SSL after our CTX hook ran: this is the
		 * first moment the session can be set, before ClientHello. */
		if (c->sess != NULL && c->sess->sess != NULL && !c->done &&
		    c->now_ms - c->sess->full_ms <
			(uint64_t)TLS_FULL_HANDSHAKE_MAX_S * 1000)
			SSL_set_session(ssl, c->sess->sess);
		return;
	}
	c->done = 1;
	c->resumed = SSL_session_reused(ssl);
	snprintf(c->version, sizeof(c->version), "%s", SSL_get_version(ssl));
	/* A resumed session skipped verification: take the certificate the
	 * session remembers. */
	cert_record(c, SSL_get0_peer_certificate(ssl));
	if (!c->resumed && c->sess != NULL)
		c->sess->full_ms = c->now_ms;
}

static int
tls_new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct tls_conn *c = conn_of(ssl);

	if (c == NULL || c->sess == NULL)
		return 0;
	SSL_SESSION_free(c->sess->sess);
	c->sess->sess = sess; /* we keep the reference */
	if (!SSL_session_reused(ssl))
		c->sess->full_ms = c->now_ms;
	return 1;
}

static CURLcode
tls_ctx_cb(CURL *easy, void *sslctx, void *parm)
{
	SSL_CTX		*ctx = sslctx;
	struct tls_conn *c = parm;

	(void)easy;
	if (c->store != NULL)
		SSL_CTX_set1_cert_store(ctx, c->store);
	SSL_CTX_set_ex_data(ctx, tls_ctx_idx, c);
	SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), tls_verify_cb);
	SSL_CTX_set_info_callback(ctx, tls_info_cb);
	if (c->sess != NULL) {
		SSL_CTX_set_session_cache_mode(ctx,
		    SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(ctx, tls_new_session_cb);
	}
	return CURLE_OK;
}

void
tls_attach(CURL *easy, struct tls_conn *c, X509_STORE *store,
    struct tls_sess *sess, uint64_t now_ms)
{
	if (tls_ctx_idx < 0)
		tls_ctx_idx =
		    SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	memset(c, 0, sizeof(*c));
	c->store = store;
	c->sess = sess;
	c->now_ms = now_ms;
	c->verify_err = -1;
	curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, tls_ctx_cb);
	curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, c);
	curl_easy_setopt(easy, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	if (store != NULL) {
		curl_easy_setopt(easy, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(easy, CURLOPT_CAPATH, NULL);
	}
}
