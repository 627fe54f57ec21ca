/*
 * test_tls: the session store's certificate stripping on hand-built DER
 * (long and short lengths, the [3] field anywhere, hostile input), and the
 * shared context's set-up, and the trust store: a hashed directory or a
 * bundle read on demand, SSL_CERT_FILE, files OpenSSL must load whole;
 * and the check's own HTTP exchange (check_http.c) over TLS and plain
 * sockets against a server in a child process: bodies by Content-Length,
 * chunked or close, interim heads, the request it sends, and the answers
 * that must end in a clear failure (HTTP/0.9, a 1 MB header, a cut body).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <openssl/x509.h>

#include "ev.h"
#include "probe/tls.h"
#include "probe/check_http.h"
#include "probe/trust.h"
#include "util.h"

static void
test_strip_short(void **state)
{
	/* SEQUENCE { INT 1, [3] { OCTET STRING "abc" }, [4] { 0x05 } } */
	unsigned char der[] = {0x30, 0x0e, 0x02, 0x01, 0x01, 0xa3, 0x05, 0x04,
	    0x03, 'a', 'b', 'c', 0xa4, 0x02, 0x05, 0x00};
	unsigned char want[] = {0x30, 0x07, 0x02, 0x01, 0x01, 0xa4, 0x02, 0x05,
	    0x00};
	size_t	      n;

	(void)state;
	n = tls_der_strip_peer(der, sizeof(der));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(der, want, n);
	/* nothing to strip: unchanged */
	n = tls_der_strip_peer(der, n);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(der, want, n);
}

static void
test_strip_long(void **state)
{
	/* a 600-byte [3] between two small fields: long-form lengths */
	size_t	       len = 4 + 3 + 4 + 600 + 2;
	unsigned char *der = malloc(len);
	size_t	       n, p = 0;

	(void)state;
	der[p++] = 0x30;
	der[p++] = 0x82;
	der[p++] = (unsigned char)((len - 4) >> 8);
	der[p++] = (unsigned char)(len - 4);
	der[p++] = 0x02, der[p++] = 0x01, der[p++] = 0x07;
	der[p++] = 0xa3, der[p++] = 0x82, der[p++] = 0x02, der[p++] = 0x58;
	memset(der + p, 0x11, 600);
	p += 600;
	der[p++] = 0x05, der[p++] = 0x00;
	assert_int_equal(p, len);
	n = tls_der_strip_peer(der, len);
	assert_int_equal(n, 7);
	assert_int_equal(der[0], 0x30);
	assert_int_equal(der[1], 5);
	assert_int_equal(der[2], 0x02);
	assert_int_equal(der[5], 0x05);
	free(der);
}

static void
test_strip_hostile(void **state)
{
	unsigned char bad1[] = {0x31, 0x00};		       /* not SEQ */
	unsigned char bad2[] = {0x30, 0x05, 0x02, 0x01, 0x01}; /* short */
	unsigned char bad3[] = {0x30, 0x03, 0x02, 0x05, 0x01}; /* inner */
	unsigned char bad4[] = {0x30, 0x85, 0, 0, 0, 0, 0};    /* 5-byte len */
	unsigned char bad5[] = {0x30};

	(void)state;
	assert_int_equal(tls_der_strip_peer(bad1, sizeof(bad1)), 0);
	assert_int_equal(tls_der_strip_peer(bad2, sizeof(bad2)), 0);
	assert_int_equal(tls_der_strip_peer(bad3, sizeof(bad3)), 0);
	assert_int_equal(tls_der_strip_peer(bad4, sizeof(bad4)), 0);
	assert_int_equal(tls_der_strip_peer(bad5, sizeof(bad5)), 0);
	/* arbitrary bytes: tests/fuzz/fuzz_tls_der.c */
}

static void
test_ctx(void **state)
{
	char	    err[256];
	X509_STORE *st = trust_load("/nonexistent/ca.pem", err, sizeof(err));
	SSL_CTX	   *ctx;

	(void)state;
	assert_null(st);
	assert_non_null(strstr(err, "/nonexistent/ca.pem"));
	st = X509_STORE_new();
	ctx = tls_ctx_new(st, err, sizeof(err));
	assert_non_null(ctx);
	assert_true(SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER);
	SSL_CTX_free(ctx);
	X509_STORE_free(st);
}

/* A certificate for name, signed by (ca, cakey) or self-signed. */
static X509 *
make_cert(const char *name, EVP_PKEY *key, X509 *ca, EVP_PKEY *cakey)
{
	X509 *x = X509_new();

	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)name, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(ca != NULL ? ca : x));
	if (ca == NULL) {
		BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();

		bc->ca = 1;
		X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, 0);
		BASIC_CONSTRAINTS_free(bc);
	}
	assert_true(
	    X509_sign(x, cakey != NULL ? cakey : key, EVP_sha256()) > 0);
	return x;
}

static int
verify(X509_STORE *st, X509 *leaf)
{
	X509_STORE_CTX *sc = X509_STORE_CTX_new();
	int		ok;

	assert_true(X509_STORE_CTX_init(sc, st, leaf, NULL));
	ok = X509_verify_cert(sc);
	X509_STORE_CTX_free(sc);
	return ok;
}

static void
test_store(void **state)
{
	char	    dir[] = "/tmp/test_tls.XXXXXX", path[512], err[256];
	EVP_PKEY   *cakey = EVP_EC_gen("P-256"), *key = EVP_EC_gen("P-256");
	X509	   *ca, *leaf;
	X509_STORE *st;
	FILE	   *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	ca = make_cert("test CA", cakey, NULL, NULL);
	leaf = make_cert("www.lab.example", key, ca, cakey);
	snprintf(path, sizeof(path), "%s/%08lx.0", dir,
	    X509_subject_name_hash(ca));
	assert_non_null(f = fopen(path, "w"));
	PEM_write_X509(f, ca);
	fclose(f);
	unsetenv("SSL_CERT_FILE");

	/* a hashed directory: nothing parsed up front, the issuer on demand */
	setenv("SSL_CERT_DIR", dir, 1);
	assert_non_null(st = trust_load(NULL, err, sizeof(err)));
	assert_int_equal(sk_X509_OBJECT_num(X509_STORE_get0_objects(st)), 0);
	assert_int_equal(verify(st, leaf), 1);
	assert_int_equal(sk_X509_OBJECT_num(X509_STORE_get0_objects(st)), 1);
	X509_STORE_free(st);

	/* SSL_CERT_FILE set: that file is loaded whole */
	setenv("SSL_CERT_FILE", path, 1);
	setenv("SSL_CERT_DIR", "/nonexistent", 1);
	assert_non_null(st = trust_load(NULL, err, sizeof(err)));
	assert_int_equal(sk_X509_OBJECT_num(X509_STORE_get0_objects(st)), 1);
	assert_int_equal(verify(st, leaf), 1);
	X509_STORE_free(st);

	/* a file named by the caller; a store without the CA fails */
	assert_non_null(st = trust_load(path, err, sizeof(err)));
	assert_int_equal(verify(st, leaf), 1);
	X509_STORE_free(st);
	unsetenv("SSL_CERT_FILE");
	assert_non_null(st = trust_load(NULL, err, sizeof(err)));
	assert_int_not_equal(verify(st, leaf), 1);
	X509_STORE_free(st);

	unlink(path);
	rmdir(dir);
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
}

static int
nobjs(X509_STORE *st)
{
	return sk_X509_OBJECT_num(X509_STORE_get0_objects(st));
}

/* A bundle is read as DER; only the issuer a verification needs is decoded. */
static void
test_bundle(void **state)
{
	char	    path[] = "/tmp/test_tls_bundle.XXXXXX", err[256];
	EVP_PKEY   *k1 = EVP_EC_gen("P-256"), *k2 = EVP_EC_gen("P-256");
	EVP_PKEY   *k3 = EVP_EC_gen("P-256"), *kl = EVP_EC_gen("P-256");
	X509	   *ca1 = make_cert("other CA", k1, NULL, NULL);
	X509	   *ca2 = make_cert("test CA", k2, NULL, NULL);
	X509	   *ca3 = make_cert("third CA", k3, NULL, NULL);
	X509	   *leaf = make_cert("www.lab.example", kl, ca2, k2);
	X509	   *stray = make_cert("stray", kl, ca3, k3);
	X509_CRL   *crl = X509_CRL_new();
	X509_STORE *st;
	FILE	   *f;
	int	    fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	fputs("# a comment line, as some bundles have\n", f);
	PEM_write_X509(f, ca1);
	PEM_write_X509(f, ca2);
	PEM_write_X509(f, ca3);
	fclose(f);

	assert_non_null(st = trust_load(path, err, sizeof(err)));
	assert_int_equal(nobjs(st), 0);
	assert_int_equal(verify(st, leaf), 1);
	assert_int_equal(nobjs(st), 1); /* test CA only */
	assert_int_equal(verify(st, leaf), 1);
	assert_int_equal(nobjs(st), 1);
	assert_int_equal(verify(st, stray), 1);
	assert_int_equal(nobjs(st), 2);
	X509_STORE_free(st);

	/* a block this reader does not take: OpenSSL loads the file whole */
	assert_non_null(f = fopen(path, "a"));
	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca1));
	X509_CRL_set1_lastUpdate(crl, X509_get0_notBefore(ca1));
	X509_CRL_set1_nextUpdate(crl, X509_get0_notAfter(ca1));
	assert_true(X509_CRL_sign(crl, k1, EVP_sha256()) > 0);
	PEM_write_X509_CRL(f, crl);
	fclose(f);
	assert_non_null(st = trust_load(path, err, sizeof(err)));
	assert_true(nobjs(st) >= 3);
	assert_int_equal(verify(st, leaf), 1);
	X509_STORE_free(st);

	/* no certificate at all: an error naming the file */
	assert_non_null(f = fopen(path, "w"));
	fputs("not a certificate\n", f);
	fclose(f);
	assert_null(trust_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, path));

	unlink(path);
	X509_CRL_free(crl);
	X509_free(stray);
	X509_free(leaf);
	X509_free(ca3);
	X509_free(ca2);
	X509_free(ca1);
	EVP_PKEY_free(kl);
	EVP_PKEY_free(k3);
	EVP_PKEY_free(k2);
	EVP_PKEY_free(k1);
}

/*
 * A server in a child process on fd, TLS or plain: it reads one request
 * and answers resp (resplen bytes), or by default its request line as the
 * body, so that the test sees the request the exchange sent.
 */
static pid_t
hx_server(int fd, int tls, const char *resp_as, size_t resplen)
{
	EVP_PKEY *key;
	X509	 *cert;
	SSL_CTX	 *ctx;
	SSL	 *s = NULL;
	char	  req[2048], resp[2304], *eol;
	size_t	  n = 0;
	int	  k, m;
	pid_t	  pid = fork();

	assert_true(pid != -1);
	if (pid != 0)
		return pid;
	alarm(20);
	if (tls) {
		key = EVP_EC_gen("P-256");
		cert = make_cert("hx.lab.example", key, NULL, NULL);
		ctx = SSL_CTX_new(TLS_server_method());
		if (ctx == NULL || SSL_CTX_use_certificate(ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
		    (s = SSL_new(ctx)) == NULL)
			_exit(1);
		SSL_set_fd(s, fd);
		if (SSL_accept(s) != 1)
			_exit(1);
	}
	req[0] = '\0';
	while (n < sizeof(req) - 1 && strstr(req, "\r\n\r\n") == NULL) {
		k = tls ? SSL_read(s, req + n, (int)(sizeof(req) - 1 - n)) :
			  (int)read(fd, req + n, sizeof(req) - 1 - n);
		if (k <= 0)
			break;
		n += (size_t)k;
		req[n] = '\0';
	}
	if ((eol = strstr(req, "\r\n\r\n")) != NULL)
		*eol = '\0';
	m = snprintf(resp, sizeof(resp),
	    "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: "
	    "close\r\n\r\n%s",
	    strlen(req), req);
	if (resp_as == NULL) {
		resp_as = resp;
		resplen = (size_t)m;
	}
	for (size_t off = 0; off < resplen; off += (size_t)k) {
		k = tls ? SSL_write(s, resp_as + off, (int)(resplen - off)) :
			  (int)write(fd, resp_as + off, resplen - off);
		if (k <= 0)
			_exit(0);
	}
	if (tls)
		SSL_shutdown(s);
	_exit(0);
}

struct hx_seen {
	int	 done;
	char	 body[512];
	uint64_t n;
};

static int
hx_body(struct hx *x, const char *buf, size_t n)
{
	struct hx_seen *seen = x->arg;

	for (size_t i = 0; i < n; i++, seen->n++)
		if (seen->n < sizeof(seen->body) - 1)
			seen->body[seen->n] = buf[i];
	return 0;
}

static void
hx_done(struct hx *x)
{
	((struct hx_seen *)x->arg)->done = 1;
}

/* One exchange with a server answering resp (NULL: the request line). */
static void
hx_exchange(struct hx *x, struct hx_seen *seen, int tls, const char *resp,
    size_t resplen)
{
	SSL_CTX	       *ctx = SSL_CTX_new(TLS_client_method());
	struct ev_loop *loop = ev_loop_new();
	struct tls_conn tc;
	uint64_t	deadline = now_mono_ms() + 10000;
	int		sv[2], st;
	pid_t		server;
	SSL	       *ssl = NULL;

	signal(SIGPIPE, SIG_IGN);
	memset(seen, 0, sizeof(*seen));
	memset(&tc, 0, sizeof(tc));
	tc.verify_err = -1;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	server = hx_server(sv[1], tls, resp, resplen);
	close(sv[1]);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	if (tls) {
		ssl = SSL_new(ctx);
		SSL_set_fd(ssl, sv[0]);
		SSL_set_connect_state(ssl);
	}
	memset(x, 0, sizeof(*x));
	hx_start(x, loop, sv[0], ssl, tls ? &tc : NULL, "hx.lab.example:8080",
	    "/p?q=1", "test/1", 5000, hx_body, hx_done, seen);
	while (!seen->done && now_mono_ms() < deadline)
		ev_run_once(loop, 100);
	assert_int_equal(seen->done, 1);
	seen->body[seen->n < sizeof(seen->body) ? seen->n :
						  sizeof(seen->body) - 1] =
	    '\0';
	if (tls)
		assert_int_equal(tc.done, 1);
	hx_stop(x);
	kill(server, SIGKILL);
	assert_int_equal(waitpid(server, &st, 0), server);
	ev_loop_free(loop);
	SSL_CTX_free(ctx);
}

/* The request as sent: GET, the target, Host, one request per connection. */
static void
test_hx_request(void **state)
{
	struct hx      x;
	struct hx_seen seen;

	(void)state;
	for (int tls = 0; tls <= 1; tls++) {
		hx_exchange(&x, &seen, tls, NULL, 0);
		assert_int_equal(x.end, HX_OK);
		assert_int_equal(x.status, 200);
		assert_non_null(strstr(seen.body, "GET /p?q=1 HTTP/1.1\r\n"));
		assert_non_null(
		    strstr(seen.body, "\r\nHost: hx.lab.example:8080"));
		assert_non_null(strstr(seen.body, "\r\nConnection: close"));
		assert_int_equal(x.body_bytes, seen.n);
	}
}

/* Content-Length past an interim head, chunked, close-delimited. */
static void
test_hx_bodies(void **state)
{
	static const struct {
		const char *resp;
		const char *body;
	} rows[] = {
	    {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
	     "Content-Length: 5\r\n\r\nhello and more",
		"hello"},
	    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\n\r\n",
		"abcdefg"},
	    {"HTTP/1.0 200 OK\r\n\r\nuntil the end", "until the end"},
	    {"HTTP/1.1 204 No Content\r\n\r\n", ""},
	};
	struct hx      x;
	struct hx_seen seen;

	(void)state;
	for (int tls = 0; tls <= 1; tls++)
		for (size_t i = 0; i < NELEM(rows); i++) {
			hx_exchange(&x, &seen, tls, rows[i].resp,
			    strlen(rows[i].resp));
			assert_int_equal(x.end, HX_OK);
			assert_string_equal(seen.body, rows[i].body);
			assert_true(x.status == 200 || x.status == 204);
		}
}

/* A redirect's Location, trimmed, the last of several (as libcurl took
 * it); one over HX_LOCATION_MAX is marked. */
static void
test_hx_location(void **state)
{
	static const char r[] = "HTTP/1.1 302 Found\r\nLocation: /first\r\n"
				"Location:  /next?a=b  "
				"\r\nContent-Length: 0\r\n\r\n";
	struct hx	  x;
	struct hx_seen	  seen;
	char		  big[4096];
	int		  n;

	(void)state;
	hx_exchange(&x, &seen, 0, r, sizeof(r) - 1);
	assert_int_equal(x.end, HX_OK);
	assert_int_equal(x.status, 302);
	assert_string_equal(hx_location(&x), "/next?a=b");
	n = snprintf(big, sizeof(big), "HTTP/1.1 301 Moved\r\nLocation: /");
	memset(big + n, 'a', 3000);
	n += 3000;
	n += snprintf(big + n, sizeof(big) - (size_t)n,
	    "\r\nContent-Length: 0\r\n\r\n");
	hx_exchange(&x, &seen, 1, big, (size_t)n);
	assert_int_equal(x.end, HX_OK);
	assert_int_equal(x.loc_bad, HX_LOC_TOO_LONG);
	assert_non_null(hx_location(&x));
}

/* Answers that end in a named failure, over TLS and plain alike. */
static void
test_hx_failures(void **state)
{
	static const char http09[] = "<html>no status line</html>\n";
	static const char cut[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
				  "\r\nshort";
	static const char headcut[] = "HTTP/1.1 200 OK\r\nX-A: b";
	static const char junk[] = "HTTP/1.1 abc\r\n\r\n";
	struct hx	  x;
	struct hx_seen	  seen;
	char		 *big;
	size_t		  n;

	(void)state;
	for (int tls = 0; tls <= 1; tls++) {
		hx_exchange(&x, &seen, tls, http09, sizeof(http09) - 1);
		assert_int_equal(x.end, HX_HTTP_FAILED);
		assert_int_equal(x.fail, HTTP_FAIL_NOT_HTTP);
		hx_exchange(&x, &seen, tls, cut, sizeof(cut) - 1);
		assert_int_equal(x.fail, HTTP_FAIL_BODY_CUT);
		assert_string_equal(seen.body, "short");
		hx_exchange(&x, &seen, tls, headcut, sizeof(headcut) - 1);
		assert_int_equal(x.fail, HTTP_FAIL_HEAD_CUT);
		hx_exchange(&x, &seen, tls, "", 0);
		assert_int_equal(x.fail, HTTP_FAIL_NO_ANSWER);
		hx_exchange(&x, &seen, tls, junk, sizeof(junk) - 1);
		assert_int_equal(x.fail, HTTP_FAIL_MALFORMED);
		assert_true(x.why[0] != '\0');
		/* a 1 MB header line: too large, named, never all read */
		big = xmalloc(1u << 20);
		n = (size_t)snprintf(big, 64, "HTTP/1.1 200 OK\r\nX-Padding: ");
		memset(big + n, 'p', (1u << 20) - n);
		hx_exchange(&x, &seen, tls, big, 1u << 20);
		free(big);
		assert_int_equal(x.fail, HTTP_FAIL_HEAD_TOO_LARGE);
		assert_string_equal(x.name, "X-Padding");
		assert_true(x.line_len > HX_LINE_MAX);
		assert_true(x.rx_bytes < (1u << 20));
	}
}

/* Many short lines: the whole head is bounded too. */
static void
test_hx_head_in_all(void **state)
{
	struct hx      x;
	struct hx_seen seen;
	size_t	       cap = HX_HEAD_MAX + 65536, n;
	char	      *big = xmalloc(cap);

	(void)state;
	n = (size_t)snprintf(big, cap, "HTTP/1.1 200 OK\r\n");
	while (n + 40 < cap)
		n +=
		    (size_t)snprintf(big + n, cap - n, "X-Many: %030zu\r\n", n);
	hx_exchange(&x, &seen, 0, big, n);
	free(big);
	assert_int_equal(x.fail, HTTP_FAIL_HEAD_TOO_LARGE);
	assert_true(x.line_len <= HX_LINE_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strip_short),
	    cmocka_unit_test(test_strip_long),
	    cmocka_unit_test(test_strip_hostile),
	    cmocka_unit_test(test_ctx),
	    cmocka_unit_test(test_store),
	    cmocka_unit_test(test_bundle),
	    cmocka_unit_test(test_hx_request),
	    cmocka_unit_test(test_hx_bodies),
	    cmocka_unit_test(test_hx_location),
	    cmocka_unit_test(test_hx_failures),
	    cmocka_unit_test(test_hx_head_in_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
