/*
 * test_tls: the session store's certificate stripping on hand-built DER
 * (long and short lengths, the [3] field anywhere, hostile input), and the
 * shared context's set-up, and the trust store: a hashed directory or a
 * bundle read on demand, SSL_CERT_FILE, files OpenSSL must load whole;
 * the TLS relay against another process that connects to its local
 * socket first (found in /proc/net/unix, as an attacker would).
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
#include "probe/tlsrelay.h"
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
 * A TLS server in a child process on fd: it reads one request and answers
 * resp, or by default its request line as the body, so that the test sees
 * whose request reached the server.
 */
static pid_t
relay_server(int fd, EVP_PKEY *key, X509 *cert, const char *resp_as)
{
	SSL_CTX *ctx;
	SSL	*s;
	char	 req[2048], resp[2304], *eol;
	size_t	 n = 0;
	int	 k, m;
	pid_t	 pid = fork();

	assert_true(pid != -1);
	if (pid != 0)
		return pid;
	alarm(20);
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL || SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1 || (s = SSL_new(ctx)) == NULL)
		_exit(1);
	SSL_set_fd(s, fd);
	if (SSL_accept(s) != 1)
		_exit(1);
	req[0] = '\0';
	while (n < sizeof(req) - 1 && strstr(req, "\r\n\r\n") == NULL) {
		if ((k = SSL_read(s, req + n, (int)(sizeof(req) - 1 - n))) <= 0)
			break;
		n += (size_t)k;
		req[n] = '\0';
	}
	if ((eol = strstr(req, "\r\n")) != NULL)
		*eol = '\0';
	m = snprintf(resp, sizeof(resp),
	    "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: "
	    "close\r\n\r\n%s",
	    strlen(req), req);
	if (resp_as != NULL)
		SSL_write(s, resp_as, (int)strlen(resp_as));
	else
		SSL_write(s, resp, m);
	SSL_shutdown(s);
	_exit(0);
}

/*
 * The attacker: finds the abstract name of the listening socket whose inode
 * is ino in /proc/net/unix (an attacker would try every one; the test leaves
 * other processes' sockets alone), connects, says 'c' on tell, writes its
 * own request and reads what comes back; then says how many bytes it got.
 */
static pid_t
relay_intruder(ino_t ino, int tell)
{
	struct sockaddr_un sun;
	char		   line[512], name[200] = "", buf[4096];
	unsigned long	   got = 0;
	FILE		  *f;
	int		   fd;
	pid_t		   pid = fork();

	assert_true(pid != -1);
	if (pid != 0)
		return pid;
	alarm(20);
	if ((f = fopen("/proc/net/unix", "r")) == NULL)
		_exit(1);
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long inode;
		char	      path[200];

		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %199s", &inode,
			path) == 2 &&
		    inode == (unsigned long)ino && path[0] == '@')
			snprintf(name, sizeof(name), "%.100s", path + 1);
	}
	fclose(f);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, name, strlen(name));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (name[0] == '\0' || fd == -1 ||
	    connect(fd, (struct sockaddr *)&sun,
		(socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
		    strlen(name))) == -1) {
		(void)!write(tell, "x", 1);
		_exit(1);
	}
	(void)!write(tell, "c", 1);
	signal(SIGPIPE, SIG_IGN);
	(void)!write(fd, "GET /intruder HTTP/1.1\r\nHost: x\r\n\r\n", 35);
	for (;;) {
		struct pollfd pfd = {fd, POLLIN, 0};
		ssize_t	      k;

		if (poll(&pfd, 1, 3000) != 1 ||
		    (k = read(fd, buf, sizeof(buf))) <= 0)
			break;
		got += (unsigned long)k;
	}
	snprintf(buf, sizeof(buf), "%lu\n", got);
	(void)!write(tell, buf, strlen(buf));
	_exit(0);
}

static void
relay_done_cb(struct tlsrelay *r, int ok)
{
	*(int *)r->arg = ok ? 1 : -1;
}

/*
 * Another process connects to the relay's local socket before "libcurl"
 * (this process) does: it is refused and reads nothing, its request never
 * reaches the server, and this process's exchange goes through.
 */
static void
test_relay_intruder(void **state)
{
	EVP_PKEY       *key = EVP_EC_gen("P-256");
	X509	       *cert = make_cert("relay.lab.example", key, NULL, NULL);
	SSL_CTX	       *ctx = SSL_CTX_new(TLS_client_method());
	struct ev_loop *loop = ev_loop_new();
	struct tlsrelay r;
	struct sockaddr_un sun;
	struct stat	   sb;
	char		   resp[4096], note[64], c = 0;
	size_t		   have = 0, nl = 0;
	uint64_t	   deadline;
	int		   sv[2], tell[2], fd, done = 0, st;
	pid_t		   server, intruder;
	ssize_t		   k;
	SSL		  *ssl;

	(void)state;
	signal(SIGPIPE, SIG_IGN); /* as in v6probe */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	server = relay_server(sv[1], key, cert, NULL);
	close(sv[1]);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, sv[0]);
	SSL_set_connect_state(ssl);
	assert_int_equal(tlsrelay_start(&r, loop, ssl, sv[0], 5000,
			     relay_done_cb, &done),
	    0);
	deadline = now_mono_ms() + 10000;
	while (done == 0 && now_mono_ms() < deadline)
		ev_run_once(loop, 100);
	assert_int_equal(done, 1);

	/* the intruder connects first (and waits for an answer) */
	assert_int_equal(fstat(r.lfd, &sb), 0);
	assert_int_equal(pipe(tell), 0);
	intruder = relay_intruder(sb.st_ino, tell[1]);
	close(tell[1]);
	assert_int_equal(read(tell[0], &c, 1), 1);
	assert_int_equal(c, 'c');

	/* then "libcurl": this process, at the name the relay gave it */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, tlsrelay_name(&r), strlen(tlsrelay_name(&r)));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun,
			     (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				 1 + strlen(tlsrelay_name(&r)))),
	    0);
	assert_int_equal(write(fd, "GET /mine HTTP/1.1\r\nHost: x\r\n\r\n", 31),
	    31);
	while (now_mono_ms() < deadline) {
		ev_run_once(loop, 50);
		k = read(fd, resp + have, sizeof(resp) - 1 - have);
		if (k == 0 || (k == -1 && errno != EAGAIN))
			break;
		if (k > 0)
			have += (size_t)k;
	}
	resp[have] = '\0';
	close(fd);
	for (int i = 0; i < 20 && r.state != TLSRELAY_CLOSED; i++)
		ev_run_once(loop, 50);
	tlsrelay_stop(&r);

	/* what the intruder got */
	while (nl < sizeof(note) - 1 && (k = read(tell[0], note + nl, 1)) == 1)
		nl++;
	note[nl] = '\0';
	close(tell[0]);
	assert_int_equal(waitpid(intruder, &st, 0), intruder);
	assert_int_equal(waitpid(server, &st, 0), server);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_string_equal(note, "0\n");
	assert_non_null(strstr(resp, "HTTP/1.1 200 OK"));
	assert_non_null(strstr(resp, "\r\n\r\nGET /mine HTTP/1.1"));
	assert_null(strstr(resp, "intruder"));

	ev_loop_free(loop);
	SSL_CTX_free(ctx);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/*
 * One exchange through a relay with a server answering resp, this process
 * as libcurl; returns the relay, stopped, for what it saw of the head.
 */
static void
relay_exchange(struct tlsrelay *r, const char *resp)
{
	EVP_PKEY       *key = EVP_EC_gen("P-256");
	X509	       *cert = make_cert("relay.lab.example", key, NULL, NULL);
	SSL_CTX	       *ctx = SSL_CTX_new(TLS_client_method());
	struct ev_loop *loop = ev_loop_new();
	struct sockaddr_un sun;
	char		   buf[4096];
	uint64_t	   deadline = now_mono_ms() + 10000;
	int		   sv[2], fd, done = 0, st;
	pid_t		   server;
	ssize_t		   k;
	SSL		  *ssl;

	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	server = relay_server(sv[1], key, cert, resp);
	close(sv[1]);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, sv[0]);
	SSL_set_connect_state(ssl);
	assert_int_equal(tlsrelay_start(r, loop, ssl, sv[0], 5000,
			     relay_done_cb, &done),
	    0);
	while (done == 0 && now_mono_ms() < deadline)
		ev_run_once(loop, 100);
	assert_int_equal(done, 1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, tlsrelay_name(r), strlen(tlsrelay_name(r)));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun,
			     (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				 1 + strlen(tlsrelay_name(r)))),
	    0);
	assert_int_equal(write(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27),
	    27);
	while (now_mono_ms() < deadline) {
		ev_run_once(loop, 50);
		k = read(fd, buf, sizeof(buf));
		if (k == 0 || (k == -1 && errno != EAGAIN))
			break;
	}
	close(fd);
	tlsrelay_stop(r);
	assert_int_equal(waitpid(server, &st, 0), server);
	ev_loop_free(loop);
	SSL_CTX_free(ctx);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/*
 * The relay follows the response head: the longest line and its header's
 * name, past a 1xx head, not into the body; a line still under way when
 * the server stops counts too.
 */
static void
test_relay_head(void **state)
{
	struct tlsrelay r;
	char		resp[4096], name[TLSRELAY_NAME];
	int		n;

	(void)state;
	n = snprintf(resp, sizeof(resp),
	    "HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 200 OK\r\nX-Long: %0200d\r\nShort: x\r\n"
	    "Content-Length: 600\r\n\r\n",
	    0);
	memset(resp + n, 'b', 600); /* one body line, longer than any */
	resp[n + 600] = '\0';
	relay_exchange(&r, resp);
	assert_int_equal(tlsrelay_head_longest(&r, name, sizeof(name)),
	    strlen("X-Long: ") + 200 + 1);
	assert_string_equal(name, "X-Long");

	n = snprintf(resp, sizeof(resp), "HTTP/1.1 302 Found\r\nLocation: ");
	memset(resp + n, 'a', 3000);
	resp[n + 3000] = '\0';
	relay_exchange(&r, resp);
	assert_int_equal(tlsrelay_head_longest(&r, name, sizeof(name)),
	    strlen("Location: ") + 3000);
	assert_string_equal(name, "Location");

	/* a status line is no header; neither is a line without a name */
	n = snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK");
	memset(resp + n, '!', 100);
	snprintf(resp + n + 100, sizeof(resp) - (size_t)n - 100,
	    "\r\n: nameless\r\n\r\n");
	relay_exchange(&r, resp);
	assert_int_equal(tlsrelay_head_longest(&r, name, sizeof(name)),
	    strlen("HTTP/1.1 200 OK") + 100 + 1);
	assert_string_equal(name, "");
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
	    cmocka_unit_test(test_relay_intruder),
	    cmocka_unit_test(test_relay_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
