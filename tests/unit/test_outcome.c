/*
 * test_outcome: every HTTP failure, TLS failure, c-ares status, errno and
 * X509 error a check can meet maps to the documented outcome with a reason
 * in words, and no code at all maps outside the outcome enum.
 */
#include <arpa/inet.h>
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
#include "util.h"

static void
test_http_table(void **state)
{
	static const struct {
		enum http_fail f;
		enum outcome   want;
		const char    *words;
	} rows[] = {
	    {HTTP_FAIL_NONE, OUTCOME_OK, "ok"},
	    {HTTP_FAIL_SEND, OUTCOME_ERROR, "sending"},
	    {HTTP_FAIL_RECV, OUTCOME_ERROR, "receiving"},
	    {HTTP_FAIL_NO_ANSWER, OUTCOME_HTTP_ERROR, "without answering"},
	    {HTTP_FAIL_HEAD_CUT, OUTCOME_HTTP_ERROR,
		"within the response head"},
	    {HTTP_FAIL_BODY_CUT, OUTCOME_HTTP_ERROR, "whole body"},
	    {HTTP_FAIL_NOT_HTTP, OUTCOME_HTTP_ERROR,
		"without an HTTP status line (HTTP/0.9, or not HTTP)"},
	    {HTTP_FAIL_HEAD_TOO_LARGE, OUTCOME_HTTP_ERROR,
		"response header too large"},
	    {HTTP_FAIL_MALFORMED, OUTCOME_HTTP_ERROR, "did not answer in HTTP"},
	    {HTTP_FAIL_STALL_HEAD, OUTCOME_STALL, "no complete response"},
	    {HTTP_FAIL_STALL_BODY, OUTCOME_STALL, "stopped arriving"},
	    {HTTP_FAIL_TOO_LARGE, OUTCOME_ERROR, "too large"},
	};
	const char *why;

	(void)state;
	assert_int_equal(NELEM(rows), HTTP_FAIL__N);
	for (size_t i = 0; i < NELEM(rows); i++) {
		why = NULL;
		assert_int_equal(outcome_from_http(rows[i].f, &why),
		    rows[i].want);
		assert_non_null(why);
		assert_non_null(strstr(why, rows[i].words));
	}
	/* nothing maps outside the outcome enum, nor says nothing */
	for (int f = -1; f <= HTTP_FAIL__N + 1; f++) {
		enum outcome o = outcome_from_http((enum http_fail)f, &why);

		assert_true(o >= 0 && o < OUTCOME__N);
		assert_true(why != NULL && why[0] != '\0');
	}
	/* an out-of-range value is an error, never ok */
	assert_int_equal(outcome_from_http(HTTP_FAIL__N, &why), OUTCOME_ERROR);
}

static void
test_verify(void **state)
{
	const char *why;

	(void)state;
	/* the chain verified; the name check failed */
	assert_int_equal(outcome_from_verify(X509_V_OK, 0, &why),
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
	/* each failure by its name, not "could not reach the resolver" */
	outcome_from_ares(ARES_ENODATA, &why);
	assert_non_null(strstr(why, "NODATA"));
	outcome_from_ares(ARES_ESERVFAIL, &why);
	assert_non_null(strstr(why, "SERVFAIL"));
	outcome_from_ares(ARES_EREFUSED, &why);
	assert_non_null(strstr(why, "REFUSED"));
	outcome_from_ares(ARES_ETIMEOUT, &why);
	assert_non_null(strstr(why, "timeout"));
	outcome_from_ares(ARES_ECONNREFUSED, &why);
	assert_non_null(strstr(why, "no resolver reachable"));
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

/* Every range the rule names, its edges, and what must stay allowed. */
static void
test_addr_scope(void **state)
{
	static const struct {
		const char *ip;
		unsigned    allow;
		const char *want; /* NULL: allowed */
	} rows[] = {
	    {"2001:db8:2::10", 0, NULL}, /* documentation: the lab's */
	    {"2a00:1450::1", 0, NULL},
	    {"3fff:ffff::1", 0, NULL},
	    {"::", 0, "unspecified"},
	    {"::1", 0, "loopback"},
	    {"::ffff:203.0.113.10", 0, "IPv4-mapped"},
	    {"::ffff:127.0.0.1", OUTCOME_ALLOW_PRIVATE, "IPv4-mapped"},
	    {"::203.0.113.10", 0, "IPv4-compatible"},
	    {"::2", 0, "IPv4-compatible"},
	    {"64:ff9b::203.0.113.10", 0, "NAT64"},
	    {"64:ff9b::203.0.113.10", OUTCOME_ALLOW_NAT64, NULL},
	    {"64:ff9b:1::1", 0, "NAT64"},
	    {"64:ff9b:1::1", OUTCOME_ALLOW_NAT64, NULL},
	    {"64:ff9b:2::1", OUTCOME_ALLOW_NAT64, "reserved"},
	    {"fe80::1", 0, "link-local"},
	    {"febf:ffff::1", 0, "link-local"},
	    {"fec0::1", 0, "site-local"},
	    {"ff02::1", 0, "multicast"},
	    {"fc00::1", 0, "unique-local"},
	    {"fdff:ffff::1", 0, "unique-local"},
	    {"fd00::1", OUTCOME_ALLOW_PRIVATE, NULL},
	    {"fe00::1", OUTCOME_ALLOW_PRIVATE, "reserved"},
	    {"100::1", 0, "reserved"},
	    {"1fff:ffff::1", 0, "reserved"},
	    {"4000::1", 0, "reserved"},
	    {"203.0.113.10", 0, NULL}, /* documentation: the lab's */
	    {"198.51.100.2", 0, NULL},
	    {"8.8.8.8", 0, NULL},
	    {"0.0.0.0", 0, "this network"},
	    {"0.255.255.255", 0, "this network"},
	    {"127.0.0.1", 0, "loopback"},
	    {"127.255.255.254", OUTCOME_ALLOW_PRIVATE, "loopback"},
	    {"126.255.255.255", 0, NULL},
	    {"128.0.0.1", 0, NULL},
	    {"169.254.169.254", 0, "link-local"},
	    {"169.253.0.1", 0, NULL},
	    {"224.0.0.1", 0, "multicast"},
	    {"239.255.255.255", 0, "multicast"},
	    {"240.0.0.1", 0, "reserved"},
	    {"255.255.255.255", 0, "reserved"},
	    {"223.255.255.255", 0, NULL},
	    {"10.1.2.3", 0, "private"},
	    {"10.1.2.3", OUTCOME_ALLOW_PRIVATE, NULL},
	    {"172.16.0.1", 0, "private"},
	    {"172.31.255.255", 0, "private"},
	    {"172.32.0.1", 0, NULL},
	    {"172.15.255.255", 0, NULL},
	    {"192.168.1.1", 0, "private"},
	    {"100.64.0.1", 0, "carrier-grade NAT"},
	    {"100.127.255.255", 0, "carrier-grade NAT"},
	    {"100.128.0.1", 0, NULL},
	};

	(void)state;
	for (size_t i = 0; i < NELEM(rows); i++) {
		unsigned char a[16];
		int	      af = strchr(rows[i].ip, ':') ? AF_INET6 : AF_INET;
		const char   *got;

		assert_int_equal(inet_pton(af, rows[i].ip, a), 1);
		got = outcome_addr_scope(af, a, rows[i].allow);
		if (rows[i].want == NULL) {
			if (got != NULL)
				fail_msg("%s: want allowed, got %s", rows[i].ip,
				    got);
		} else if (got == NULL || strstr(got, rows[i].want) == NULL)
			fail_msg("%s: want '%s', got %s", rows[i].ip,
			    rows[i].want, got ? got : "allowed");
	}
}

/* Port 80 beside https://: any response head is an answer; a refused
 * connect, a reset or silence is not. */
static void
test_http80(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(outcome_http80(0, HTTP_FAIL_NONE, 0, &why),
	    OUTCOME_OK);
	assert_int_equal(outcome_http80(ECONNREFUSED, HTTP_FAIL_NONE, 0, &why),
	    OUTCOME_REFUSED);
	assert_int_equal(outcome_http80(ETIMEDOUT, HTTP_FAIL_NONE, 0, &why),
	    OUTCOME_TIMEOUT);
	assert_int_equal(outcome_http80(ENETUNREACH, HTTP_FAIL_NONE, 0, &why),
	    OUTCOME_UNREACHABLE);
	assert_int_equal(outcome_http80(0, HTTP_FAIL_RECV, ECONNRESET, &why),
	    OUTCOME_REFUSED);
	assert_string_equal(why, "connection reset");
	assert_int_equal(outcome_http80(0, HTTP_FAIL_SEND, EPIPE, &why),
	    OUTCOME_REFUSED);
	assert_int_equal(outcome_http80(0, HTTP_FAIL_STALL_HEAD, 0, &why),
	    OUTCOME_TIMEOUT);
	assert_int_equal(outcome_http80(0, HTTP_FAIL_NO_ANSWER, 0, &why),
	    OUTCOME_HTTP_ERROR);
	assert_int_equal(outcome_http80(0, HTTP_FAIL_NOT_HTTP, 0, &why),
	    OUTCOME_HTTP_ERROR);
	assert_int_equal(outcome_http80(0, HTTP_FAIL_RECV, 0, &why),
	    OUTCOME_ERROR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_http_table),
	    cmocka_unit_test(test_verify),
	    cmocka_unit_test(test_tls_handshake),
	    cmocka_unit_test(test_ares),
	    cmocka_unit_test(test_errno),
	    cmocka_unit_test(test_status),
	    cmocka_unit_test(test_addr_scope),
	    cmocka_unit_test(test_http80),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
