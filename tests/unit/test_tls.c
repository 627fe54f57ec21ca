/*
 * test_tls: the session store's certificate stripping on hand-built DER
 * (long and short lengths, the [3] field anywhere, hostile input), and the
 * shared context's set-up, and the trust store: a hashed directory or a
 * bundle read on demand, SSL_CERT_FILE, files OpenSSL must load whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <openssl/x509.h>

#include "probe/tls.h"
#include "probe/trust.h"

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
