/*
 * test_outcome: every CURLcode, c-ares status, errno and X509 error a check
 * can meet maps to the documented outcome with a reason in words, and no
 * code at all maps outside the outcome enum.
 */
#include <ares.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "probe/outcome.h"

static enum outcome
curl_oc(CURLcode code, int tcp_ok, int tls, int tls_done, int headers,
    long verify, long os_errno, const char **why)
{
	struct curl_failure f;

	memset(&f, 0, sizeof(f));
	f.code = code;
	f.tcp_ok = tcp_ok;
	f.tls = tls;
	f.tls_done = tls_done;
	f.got_headers = headers;
	f.verify = verify;
	f.os_errno = os_errno;
	return outcome_from_curl(&f, why);
}

static void
test_curl_table(void **state)
{
	static const struct {
		CURLcode     code;
		enum outcome want;
	} rows[] = {
	    {CURLE_OK, OUTCOME_OK},
	    {CURLE_UNSUPPORTED_PROTOCOL, OUTCOME_ERROR},
	    {CURLE_URL_MALFORMAT, OUTCOME_ERROR},
	    {CURLE_COULDNT_RESOLVE_HOST, OUTCOME_DNS_ERROR},
	    {CURLE_COULDNT_CONNECT, OUTCOME_REFUSED},
	    {CURLE_WEIRD_SERVER_REPLY, OUTCOME_HTTP_ERROR},
	    {CURLE_HTTP2, OUTCOME_HTTP_ERROR},
	    {CURLE_PARTIAL_FILE, OUTCOME_HTTP_ERROR},
	    {CURLE_WRITE_ERROR, OUTCOME_ERROR},
	    {CURLE_OUT_OF_MEMORY, OUTCOME_ERROR},
	    {CURLE_SSL_CONNECT_ERROR, OUTCOME_TLS_ERROR},
	    {CURLE_TOO_MANY_REDIRECTS, OUTCOME_HTTP_ERROR},
	    {CURLE_GOT_NOTHING, OUTCOME_HTTP_ERROR},
	    {CURLE_SSL_CERTPROBLEM, OUTCOME_TLS_ERROR},
	    {CURLE_SSL_CIPHER, OUTCOME_TLS_ERROR},
	    {CURLE_BAD_CONTENT_ENCODING, OUTCOME_HTTP_ERROR},
	    {CURLE_FILESIZE_EXCEEDED, OUTCOME_ERROR},
	    {CURLE_USE_SSL_FAILED, OUTCOME_TLS_ERROR},
	    {CURLE_SSL_SHUTDOWN_FAILED, OUTCOME_TLS_ERROR},
	    {CURLE_SSL_CACERT_BADFILE, OUTCOME_ERROR},
	    {CURLE_SSL_CRL_BADFILE, OUTCOME_ERROR},
	    {CURLE_SSL_ISSUER_ERROR, OUTCOME_CERT_UNTRUSTED},
	    {CURLE_SSL_PINNEDPUBKEYNOTMATCH, OUTCOME_TLS_ERROR},
	    {CURLE_SSL_INVALIDCERTSTATUS, OUTCOME_TLS_ERROR},
	    {CURLE_ABORTED_BY_CALLBACK, OUTCOME_ERROR},
	    {CURLE_AGAIN, OUTCOME_ERROR},
	    {CURLE_RANGE_ERROR, OUTCOME_HTTP_ERROR},
	    {CURLE_UNRECOVERABLE_POLL, OUTCOME_ERROR},
	    {CURLE_FAILED_INIT, OUTCOME_ERROR},
	    {CURLE_NOT_BUILT_IN, OUTCOME_ERROR},
	    {CURLE_COULDNT_RESOLVE_PROXY, OUTCOME_ERROR},
	    {CURLE_READ_ERROR, OUTCOME_ERROR},
	    {CURLE_INTERFACE_FAILED, OUTCOME_ERROR},
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum outcome o = curl_oc(rows[i].code, 1, 1, 1, 1, -1, 0, &why);

		if (o != rows[i].want)
			fail_msg("CURLcode %d: %s, want %s", rows[i].code,
			    outcome_name(o), outcome_name(rows[i].want));
		assert_true(why != NULL && why[0] != '\0');
	}
	/* No code, known or not, falls outside the enum or lacks words. */
	for (int c = 0; c < CURL_LAST + 10; c++) {
		enum outcome o = curl_oc((CURLcode)c, 1, 1, 1, 1, -1, 0, &why);

		assert_true((unsigned)o < OUTCOME__N);
		assert_true(why != NULL && strlen(why) >= 2);
	}
}

static void
test_curl_by_phase(void **state)
{
	const char *why;

	(void)state;
	/* timed out before TCP: timeout */
	assert_int_equal(curl_oc(CURLE_OPERATION_TIMEDOUT, 0, 1, 0, 0, -1, 0,
			     &why),
	    OUTCOME_TIMEOUT);
	/* TCP up, TLS handshake never finished: stall (PMTU) */
	assert_int_equal(curl_oc(CURLE_OPERATION_TIMEDOUT, 1, 1, 0, 0, -1, 0,
			     &why),
	    OUTCOME_STALL);
	assert_non_null(strstr(why, "TLS handshake stalled"));
	/* request sent, nothing back */
	assert_int_equal(curl_oc(CURLE_OPERATION_TIMEDOUT, 1, 1, 1, 0, -1, 0,
			     &why),
	    OUTCOME_STALL);
	assert_non_null(strstr(why, "no complete response"));
	/* body stopped */
	assert_int_equal(curl_oc(CURLE_OPERATION_TIMEDOUT, 1, 0, 0, 1, -1, 0,
			     &why),
	    OUTCOME_STALL);
	assert_non_null(strstr(why, "body stopped"));
	/* connection reset during the handshake: tls_error */
	assert_int_equal(curl_oc(CURLE_RECV_ERROR, 1, 1, 0, 0, -1, 0, &why),
	    OUTCOME_TLS_ERROR);
	assert_int_equal(curl_oc(CURLE_SEND_ERROR, 1, 1, 0, 0, -1, 0, &why),
	    OUTCOME_TLS_ERROR);
	/* ... after it: error */
	assert_int_equal(curl_oc(CURLE_RECV_ERROR, 1, 1, 1, 1, -1, 0, &why),
	    OUTCOME_ERROR);
	/* plain HTTP, reset before TCP was up */
	assert_int_equal(curl_oc(CURLE_RECV_ERROR, 0, 0, 0, 0, -1, 0, &why),
	    OUTCOME_ERROR);
}

/*
 * libcurl 7.88 gives codes that name another cause for what a server sent:
 * "unsupported protocol" for an answer without a status line, "out of
 * memory" for a header line over 100 KiB, a receive error for headers over
 * 300 KiB in all. Before the connection, or after the headers, they keep
 * their own meaning.
 */
static void
test_curl_by_reply(void **state)
{
	struct curl_failure f;
	const char	   *why;

	(void)state;
	assert_int_equal(curl_oc(CURLE_UNSUPPORTED_PROTOCOL, 1, 0, 0, 0, -1, 0,
			     &why),
	    OUTCOME_HTTP_ERROR);
	assert_string_equal(why,
	    "the server answered without an HTTP status line (HTTP/0.9, or "
	    "not HTTP)");
	assert_int_equal(curl_oc(CURLE_UNSUPPORTED_PROTOCOL, 1, 1, 1, 0, -1, 0,
			     &why),
	    OUTCOME_HTTP_ERROR);
	assert_int_equal(curl_oc(CURLE_UNSUPPORTED_PROTOCOL, 0, 0, 0, 0, -1, 0,
			     &why),
	    OUTCOME_ERROR);
	assert_non_null(strstr(why, "scheme not allowed"));

	assert_int_equal(curl_oc(CURLE_OUT_OF_MEMORY, 1, 0, 0, 0, -1, 0, &why),
	    OUTCOME_HTTP_ERROR);
	assert_string_equal(why, "response header too large");
	assert_int_equal(curl_oc(CURLE_OUT_OF_MEMORY, 1, 1, 1, 1, -1, 0, &why),
	    OUTCOME_ERROR);
	assert_string_equal(why, "out of memory");
	assert_int_equal(curl_oc(CURLE_OUT_OF_MEMORY, 0, 0, 0, 0, -1, 0, &why),
	    OUTCOME_ERROR);

	memset(&f, 0, sizeof(f));
	f.code = CURLE_RECV_ERROR;
	f.verify = -1;
	f.tcp_ok = 1;
	f.msg = "Too large response headers: 360065 > 307200";
	assert_int_equal(outcome_from_curl(&f, &why), OUTCOME_HTTP_ERROR);
	assert_string_equal(why, "response headers too large in all");
	f.msg = "Recv failure: Connection reset by peer";
	assert_int_equal(outcome_from_curl(&f, &why), OUTCOME_ERROR);
	assert_string_equal(why, "connection failed while receiving");
	f.msg = NULL;
	assert_int_equal(outcome_from_curl(&f, &why), OUTCOME_ERROR);
}

static void
test_curl_connect_errno(void **state)
{
	const char *why;

	(void)state;
	assert_int_equal(curl_oc(CURLE_COULDNT_CONNECT, 0, 0, 0, 0, -1,
			     ECONNREFUSED, &why),
	    OUTCOME_REFUSED);
	assert_int_equal(curl_oc(CURLE_COULDNT_CONNECT, 0, 0, 0, 0, -1,
			     ENETUNREACH, &why),
	    OUTCOME_UNREACHABLE);
	assert_int_equal(curl_oc(CURLE_COULDNT_CONNECT, 0, 0, 0, 0, -1,
			     ETIMEDOUT, &why),
	    OUTCOME_TIMEOUT);
}

static void
test_verify(void **state)
{
	const char *why;

	(void)state;
	assert_int_equal(curl_oc(CURLE_PEER_FAILED_VERIFICATION, 1, 1, 0, 0,
			     X509_V_ERR_CERT_HAS_EXPIRED, 0, &why),
	    OUTCOME_CERT_EXPIRED);
	/* the chain verified; curl's own name check failed */
	assert_int_equal(curl_oc(CURLE_PEER_FAILED_VERIFICATION, 1, 1, 1, 0, -1,
			     0, &why),
	    OUTCOME_CERT_NAME_MISMATCH);
	assert_int_equal(outcome_from_verify(X509_V_ERR_HOSTNAME_MISMATCH, 0,
			     &why),
	    OUTCOME_CERT_NAME_MISMATCH);
	assert_int_equal(outcome_from_verify(X509_V_ERR_IP_ADDRESS_MISMATCH, 0,
			     &why),
	    OUTCOME_CERT_NAME_MISMATCH);
	assert_int_equal(outcome_from_verify(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
			     0, &why),
	    OUTCOME_CERT_UNTRUSTED);
	assert_int_equal(
	    outcome_from_verify(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0,
		&why),
	    OUTCOME_CERT_UNTRUSTED);
	assert_int_equal(outcome_from_verify(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
			     1, &why),
	    OUTCOME_CERT_UNTRUSTED);
	assert_int_equal(outcome_from_verify(X509_V_ERR_CERT_NOT_YET_VALID, 0,
			     &why),
	    OUTCOME_CERT_UNTRUSTED);
	assert_int_equal(outcome_from_verify(X509_V_ERR_CERT_REVOKED, 0, &why),
	    OUTCOME_CERT_UNTRUSTED);
	assert_int_equal(outcome_from_verify(X509_V_ERR_CERT_HAS_EXPIRED, 1,
			     &why),
	    OUTCOME_CERT_EXPIRED);
	assert_non_null(strstr(why, "chain"));
	assert_int_equal(outcome_from_verify(12345, 0, &why),
	    OUTCOME_CERT_UNTRUSTED);
}

static void
test_tls_handshake(void **state)
{
	struct tls_failure f;
	const char	  *why;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.verify = -1;
	f.timed_out = 1;
	assert_int_equal(outcome_from_tls(&f, &why), OUTCOME_STALL);
	assert_non_null(strstr(why, "TLS handshake stalled"));
	f.timed_out = 0;
	f.verify = X509_V_ERR_CERT_HAS_EXPIRED;
	assert_int_equal(outcome_from_tls(&f, &why), OUTCOME_CERT_EXPIRED);
	f.verify = X509_V_ERR_HOSTNAME_MISMATCH;
	assert_int_equal(outcome_from_tls(&f, &why),
	    OUTCOME_CERT_NAME_MISMATCH);
	f.verify = X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
	assert_int_equal(outcome_from_tls(&f, &why), OUTCOME_CERT_UNTRUSTED);
	f.verify = -1;
	f.ssl_err = SSL_ERROR_SSL;
	assert_int_equal(outcome_from_tls(&f, &why), OUTCOME_TLS_ERROR);
	assert_string_equal(why, "TLS handshake failed");
	f.ssl_err = SSL_ERROR_SYSCALL;
	f.sys_err = ECONNRESET;
	assert_int_equal(outcome_from_tls(&f, &why), OUTCOME_TLS_ERROR);
	assert_non_null(strstr(why, "reset"));
	f.sys_err = 0;
	assert_int_equal(outcome_from_tls(&f, &why), OUTCOME_TLS_ERROR);
	assert_non_null(strstr(why, "closed"));
}

static void
test_ares(void **state)
{
	static const struct {
		int	     status;
		enum outcome want;
	} rows[] = {
	    {ARES_SUCCESS, OUTCOME_OK},
	    {ARES_ENODATA, OUTCOME_NO_ADDRESS},
	    {ARES_ENOTFOUND, OUTCOME_DNS_ERROR}, /* NXDOMAIN */
	    {ARES_ESERVFAIL, OUTCOME_DNS_ERROR},
	    {ARES_EREFUSED, OUTCOME_DNS_ERROR},
	    {ARES_ETIMEOUT, OUTCOME_DNS_ERROR},
	    {ARES_ECONNREFUSED, OUTCOME_DNS_ERROR},
	    {ARES_EFORMERR, OUTCOME_DNS_ERROR},
	    {ARES_ENOTIMP, OUTCOME_DNS_ERROR},
	    {ARES_EBADRESP, OUTCOME_DNS_ERROR},
	    {ARES_EOF, OUTCOME_DNS_ERROR},
	    {ARES_EBADNAME, OUTCOME_DNS_ERROR},
	    {ARES_EBADQUERY, OUTCOME_DNS_ERROR},
	    {ARES_ENONAME, OUTCOME_DNS_ERROR},
	    {ARES_ENOMEM, OUTCOME_ERROR},
	    {ARES_EDESTRUCTION, OUTCOME_ERROR},
	    {ARES_ECANCELLED, OUTCOME_ERROR},
	    {ARES_EBADFAMILY, OUTCOME_ERROR},
	    {ARES_EBADFLAGS, OUTCOME_ERROR},
	    {ARES_EFILE, OUTCOME_ERROR},
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum outcome o = outcome_from_ares(rows[i].status, &why);

		if (o != rows[i].want)
			fail_msg("c-ares %d: %s, want %s", rows[i].status,
			    outcome_name(o), outcome_name(rows[i].want));
		assert_true(why[0] != '\0');
	}
	outcome_from_ares(ARES_ENOTFOUND, &why);
	assert_non_null(strstr(why, "NXDOMAIN"));
	assert_int_equal(outcome_from_ares(999, &why), OUTCOME_DNS_ERROR);
}

static void
test_errno(void **state)
{
	const char *why;

	(void)state;
	assert_int_equal(outcome_from_errno(0, &why), OUTCOME_OK);
	assert_int_equal(outcome_from_errno(ECONNREFUSED, &why),
	    OUTCOME_REFUSED);
	assert_int_equal(outcome_from_errno(ETIMEDOUT, &why), OUTCOME_TIMEOUT);
	assert_int_equal(outcome_from_errno(EHOSTUNREACH, &why),
	    OUTCOME_UNREACHABLE);
	assert_int_equal(outcome_from_errno(ENETUNREACH, &why),
	    OUTCOME_UNREACHABLE);
	assert_int_equal(outcome_from_errno(EACCES, &why), OUTCOME_UNREACHABLE);
	assert_int_equal(outcome_from_errno(EPERM, &why), OUTCOME_UNREACHABLE);
	assert_int_equal(outcome_from_errno(EADDRNOTAVAIL, &why),
	    OUTCOME_UNREACHABLE);
	assert_int_equal(outcome_from_errno(EMFILE, &why), OUTCOME_ERROR);
	assert_int_equal(outcome_from_errno(EIO, &why), OUTCOME_ERROR);
}

static void
test_status(void **state)
{
	(void)state;
	assert_int_equal(outcome_from_status(200), OUTCOME_OK);
	assert_int_equal(outcome_from_status(304), OUTCOME_OK);
	assert_int_equal(outcome_from_status(399), OUTCOME_OK);
	assert_int_equal(outcome_from_status(199), OUTCOME_HTTP_ERROR);
	assert_int_equal(outcome_from_status(400), OUTCOME_HTTP_ERROR);
	assert_int_equal(outcome_from_status(503), OUTCOME_HTTP_ERROR);
	assert_int_equal(outcome_from_status(0), OUTCOME_HTTP_ERROR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_curl_table),
	    cmocka_unit_test(test_curl_by_phase),
	    cmocka_unit_test(test_curl_by_reply),
	    cmocka_unit_test(test_curl_connect_errno),
	    cmocka_unit_test(test_verify),
	    cmocka_unit_test(test_tls_handshake),
	    cmocka_unit_test(test_ares),
	    cmocka_unit_test(test_errno),
	    cmocka_unit_test(test_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
