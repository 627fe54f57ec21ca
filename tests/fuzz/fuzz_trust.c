/*
 * fuzz_trust: libFuzzer target for the trust store's bundle reader: the
 * input is a CA file (--cacert, collector.cacert) handed to trust_load(),
 * which reads its PEM blocks as DER and each certificate's subject
 * without decoding the rest (der_subject()), or, for a file it does not
 * take, lets OpenSSL load it whole. A store that loads then verifies a
 * fixed certificate issued by "CN=fuzz CA", which makes the bundle decode
 * the certificates whose subject hashes like that name, on demand. Either
 * a store or a message naming the file; nothing read past a buffer.
 * The seeds hold that CA (corpus/fuzz_trust/ca.pem), so the verification
 * can succeed.
 *
 * FUZZ_SOURCES: probe/trust.c probe/tls.c common/util.c common/log.c
 * FUZZ_LIBS: libssl libcrypto
 * FUZZ_FLAGS: -close_fd_mask=2 -max_len=16384
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fuzz.h"
#include "probe/trust.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* CN=www.lab.example, issued by CN=fuzz CA (P-256, valid to 2126). */
static const char leaf_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBKDCBzwIUIaqGKQvM3/55NgHhnzcL/qMDcgAwCgYIKoZIzj0EAwIwEjEQMA4G\n"
    "A1UEAwwHZnV6eiBDQTAgFw0yNjEyMDYwNTU4MDVaGA8yMTI2MTExMjA1NTgwNVow\n"
    "GjEYMBYGA1UEAwwPd3d3LmxhYi5leGFtcGxlMFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
    "AQcDQgAEbtw5CSR+4vq/r8KZI9GRbaqHPmgMQi4Lxjj3glAxCNOzWeqEUY+r0WOz\n"
    "B/mx99dYtILIkfXB+orSPUIgHI552zAKBggqhkjOPQQDAgNIADBFAiEAkRE/XQjC\n"
    "EP+3xN/XqgwRBBgvrJ1g/eIx2/L2fLtake8CIAnA3vvytRl5nZGqct/THs5P+F7k\n"
    "cgegaoe6lonxT6bl\n"
    "-----END CERTIFICATE-----\n";

static char  path[PATH_MAX];
static X509 *leaf;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	BIO *b = BIO_new_mem_buf(leaf_pem, -1);

	(void)argc;
	(void)argv;
	fuzz_path(path, sizeof(path), fuzz_dir("trust"), "ca.pem");
	leaf = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (leaf == NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509_STORE_CTX *sc;
	X509_STORE     *st;
	char		err[512];

	fuzz_write(path, data, size, 0600);
	err[0] = '\0';
	st = trust_load(path, err, sizeof(err));
	if (st == NULL) {
		if (strstr(err, path) == NULL) {
			fprintf(stderr, "refused with: %s\n", err);
			abort();
		}
		ERR_clear_error();
		return 0;
	}
	sc = X509_STORE_CTX_new();
	if (sc == NULL || !X509_STORE_CTX_init(sc, st, leaf, NULL))
		abort();
	X509_STORE_CTX_set_flags(sc, X509_V_FLAG_NO_CHECK_TIME);
	(void)X509_verify_cert(sc);
	X509_STORE_CTX_free(sc);
	X509_STORE_free(st);
	ERR_clear_error();
	return 0;
}
