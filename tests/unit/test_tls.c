/*
 * test_tls: the session store's certificate stripping on hand-built DER
 * (long and short lengths, the [3] field anywhere, hostile input), and the
 * shared context's set-up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe/tls.h"

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
	unsigned char buf[512];

	(void)state;
	assert_int_equal(tls_der_strip_peer(bad1, sizeof(bad1)), 0);
	assert_int_equal(tls_der_strip_peer(bad2, sizeof(bad2)), 0);
	assert_int_equal(tls_der_strip_peer(bad3, sizeof(bad3)), 0);
	assert_int_equal(tls_der_strip_peer(bad4, sizeof(bad4)), 0);
	assert_int_equal(tls_der_strip_peer(bad5, sizeof(bad5)), 0);
	/* random bytes after a valid header never read out of bounds */
	srandom(7);
	for (int i = 0; i < 20000; i++) {
		size_t n = 2 + (size_t)random() % (sizeof(buf) - 2);

		for (size_t j = 0; j < n; j++)
			buf[j] = (unsigned char)random();
		buf[0] = 0x30;
		if (n - 2 < 0x80)
			buf[1] = (unsigned char)(n - 2);
		(void)tls_der_strip_peer(buf, n);
	}
}

static void
test_ctx(void **state)
{
	char	    err[256];
	X509_STORE *st =
	    tls_store_load("/nonexistent/ca.pem", err, sizeof(err));
	SSL_CTX *ctx;

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strip_short),
	    cmocka_unit_test(test_strip_long),
	    cmocka_unit_test(test_strip_hostile),
	    cmocka_unit_test(test_ctx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
