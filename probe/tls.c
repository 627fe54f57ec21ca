/*
 * tls: the shared SSL_CTX, per-connection SSL setup, certificate details,
 * verification errors and session resumption (see tls.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls.h"

static int tls_ssl_idx = -1;

void
tls_sess_clear(struct tls_sess *s)
{
	free(s->der);
	free(s->issuer);
	memset(s, 0, sizeof(*s));
}

int
tls_der_len(const unsigned char *p, size_t n, size_t *val, size_t *used)
{
	size_t k;

	if (n < 1)
		return -1;
	if (p[0] < 0x80) {
		*val = p[0];
		*used = 1;
		return 0;
	}
	k = p[0] & 0x7f;
	if (k == 0 || k > 4 || n < 1 + k)
		return -1;
	*val = 0;
	for (size_t i = 0; i < k; i++)
		*val = *val << 8 | p[1 + i];
	*used = 1 + k;
	return 0;
}

size_t
tls_der_strip_peer(unsigned char *der, size_t len)
{
	unsigned char *tmp;
	size_t	       clen, hl, pos, out = 0;

	if (len < 2 || der[0] != 0x30 ||
	    tls_der_len(der + 1, len - 1, &clen, &hl) == -1 ||
	    1 + hl + clen != len)
		return 0;
	tmp = malloc(len);
	if (tmp == NULL)
		return 0;
	for (pos = 1 + hl; pos < len;) {
		size_t elen, eh, total;

		if (tls_der_len(der + pos + 1, len - pos - 1, &elen, &eh) ==
			-1 ||
		    elen > len - pos - 1 - eh) {
			free(tmp);
			return 0;
		}
		total = 1 + eh + elen;
		if (der[pos] != 0xa3) { /* [3] EXPLICIT peer: left out */
			memcpy(tmp + out, der + pos, total);
			out += total;
		}
		pos += total;
	}
	/* new header, then the content */
	pos = 0;
	der[pos++] = 0x30;
	if (out < 0x80)
		der[pos++] = (unsigned char)out;
	else if (out < 0x100) {
		der[pos++] = 0x81;
		der[pos++] = (unsigned char)out;
	} else if (out < 0x10000) {
		der[pos++] = 0x82;
		der[pos++] = (unsigned char)(out >> 8);
		der[pos++] = (unsigned char)out;
	} else {
		free(tmp);
		return 0;
	}
	memcpy(der + pos, tmp, out);
	free(tmp);
	return pos + out;
}

static struct tls_conn *
conn_of(const SSL *ssl)
{
	return ssl == NULL ? NULL : SSL_get_ex_data(ssl, tls_ssl_idx);
}

static int
days_until(int64_t t)
{
	int64_t d = t - (int64_t)time(NULL);

	/* round down to whole days, below zero too */
	return (int)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

static void
cert_record(struct tls_conn *c, X509 *cert)
{
	const ASN1_TIME *na;
	struct tm	 tm;
	BIO		*b;

	if (cert == NULL || c->has_cert)
		return;
	na = X509_get0_notAfter(cert);
	if (na != NULL && ASN1_TIME_to_tm(na, &tm)) {
		c->not_after = (int64_t)timegm(&tm);
		c->days_left = days_until(c->not_after);
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

static int
tls_new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct tls_conn *c = conn_of(ssl);
	unsigned char	*der = NULL;
	int		 n;
	size_t		 len;

	if (c == NULL || c->sess == NULL)
		return 0;
	if ((n = i2d_SSL_SESSION(sess, &der)) <= 0)
		return 0;
	if ((len = tls_der_strip_peer(der, (size_t)n)) == 0) {
		OPENSSL_free(der);
		return 0;
	}
	free(c->sess->der);
	c->sess->der = malloc(len);
	if (c->sess->der != NULL) {
		memcpy(c->sess->der, der, len);
		c->sess->derlen = len;
	}
	OPENSSL_free(der);
	return 0; /* we keep a copy, not the reference */
}

SSL_CTX *
tls_ctx_new(X509_STORE *store, char *err, size_t errlen)
{
	static const unsigned char alpn[] = "\x08http/1.1";
	SSL_CTX			  *ctx;

	if (tls_ssl_idx < 0)
		tls_ssl_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(err, errlen, "SSL_CTX_new failed");
		return NULL;
	}
	if (store != NULL)
		SSL_CTX_set1_cert_store(ctx, store);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tls_verify_cb);
	/* buffers only while a record is in flight: 33 KiB less per idle
	 * connection */
	SSL_CTX_set_mode(ctx,
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	/* a server that closes without close_notify ends the response
	 * (a close-delimited body), as in every HTTP client */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* whole records per read(): fewer system calls */
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_session_cache_mode(ctx,
	    SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, tls_new_session_cb);
	SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1);
	/* browsers' TLS 1.3 order: AES-128 first, its key schedule on SHA-256
	 * (OpenSSL's own order starts with AES-256 and SHA-384) */
	(void)SSL_CTX_set_ciphersuites(ctx,
	    "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384");
	return ctx;
}

SSL *
tls_new(SSL_CTX *ctx, int fd, const char *host, int is_ip, struct tls_conn *c,
    struct tls_sess *sess, uint64_t now_ms, char *err, size_t errlen)
{
	X509_VERIFY_PARAM *param;
	SSL		  *ssl;
	int		   ok;

	memset(c, 0, sizeof(*c));
	c->sess = sess;
	c->now_ms = now_ms;
	c->verify_err = -1;
	if ((ssl = SSL_new(ctx)) == NULL) {
		snprintf(err, errlen, "SSL_new failed");
		return NULL;
	}
	SSL_set_ex_data(ssl, tls_ssl_idx, c);
	param = SSL_get0_param(ssl);
	X509_VERIFY_PARAM_set_hostflags(param,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host) :
		     X509_VERIFY_PARAM_set1_host(param, host, 0) &&
		SSL_set_tlsext_host_name(ssl, host);
	if (!ok || !SSL_set_fd(ssl, fd)) {
		snprintf(err, errlen, "cannot set up TLS for %s", host);
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_connect_state(ssl);
	/* Resume while the last full handshake is recent enough. */
	if (sess != NULL && sess->der != NULL &&
	    now_ms - sess->full_ms <
		(uint64_t)TLS_FULL_HANDSHAKE_MAX_S * 1000) {
		const unsigned char *p = sess->der;
		SSL_SESSION *ss = d2i_SSL_SESSION(NULL, &p, (long)sess->derlen);

		if (ss != NULL) {
			SSL_set_session(ssl, ss);
			SSL_SESSION_free(ss);
		}
		ERR_clear_error();
	}
	return ssl;
}

void
tls_done(SSL *ssl, struct tls_conn *c)
{
	struct tls_sess *s = c->sess;

	c->done = 1;
	c->resumed = SSL_session_reused(ssl);
	snprintf(c->version, sizeof(c->version), "%s", SSL_get_version(ssl));
	if (c->resumed && s != NULL && s->has_cert) {
		/* No certificate in a resumed handshake: report the one of
		 * the last full handshake (at most an hour old). */
		c->has_cert = 1;
		c->not_after = s->not_after;
		c->days_left = days_until(s->not_after);
		snprintf(c->issuer, sizeof(c->issuer), "%s",
		    s->issuer != NULL ? s->issuer : "");
		return;
	}
	cert_record(c, SSL_get0_peer_certificate(ssl));
	if (!c->resumed && s != NULL) {
		s->full_ms = c->now_ms;
		s->has_cert = c->has_cert;
		s->not_after = c->not_after;
		free(s->issuer);
		s->issuer = c->issuer[0] != '\0' ? strdup(c->issuer) : NULL;
	}
}
