/*
 * outcome: mapping tables from c-ares status, errno, X509 verification
 * errors, TLS and HTTP failures to outcomes, each with the reason in plain
 * words; and the table of address ranges no public service can have.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include <ares.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "outcome.h"
#include "util.h"

static const struct http_row {
	enum http_fail fail;
	enum outcome   outcome;
	const char    *why;
} http_rows[] = {
    {HTTP_FAIL_NONE, OUTCOME_OK, "ok"},
    {HTTP_FAIL_SEND, OUTCOME_ERROR, "connection failed while sending"},
    {HTTP_FAIL_RECV, OUTCOME_ERROR, "connection failed while receiving"},
    {HTTP_FAIL_NO_ANSWER, OUTCOME_HTTP_ERROR,
	"the server closed the connection without answering"},
    {HTTP_FAIL_HEAD_CUT, OUTCOME_HTTP_ERROR,
	"the server closed the connection within the response head"},
    {HTTP_FAIL_BODY_CUT, OUTCOME_HTTP_ERROR,
	"the server closed the connection before the whole body arrived"},
    {HTTP_FAIL_NOT_HTTP, OUTCOME_HTTP_ERROR,
	"the server answered without an HTTP status line (HTTP/0.9, or not HTTP)"},
    {HTTP_FAIL_HEAD_TOO_LARGE, OUTCOME_HTTP_ERROR, "response header too large"},
    {HTTP_FAIL_MALFORMED, OUTCOME_HTTP_ERROR,
	"the server did not answer in HTTP"},
    {HTTP_FAIL_STALL_HEAD, OUTCOME_STALL,
	"the request was sent, but no complete response arrived"},
    {HTTP_FAIL_STALL_BODY, OUTCOME_STALL, "the response body stopped arriving"},
    {HTTP_FAIL_TOO_LARGE, OUTCOME_ERROR,
	"the response body was too large; reading stopped"},
};

static const struct ares_row {
	int	     status;
	enum outcome outcome;
	const char  *why;
} ares_rows[] = {
    {ARES_SUCCESS, OUTCOME_OK, "ok"},
    {ARES_ENODATA, OUTCOME_NO_ADDRESS,
	"NODATA: the name exists but has no address of this family"},
    {ARES_ENOTFOUND, OUTCOME_DNS_ERROR, "NXDOMAIN: the name does not exist"},
    {ARES_ESERVFAIL, OUTCOME_DNS_ERROR,
	"SERVFAIL: the resolver could not get an answer"},
    {ARES_EREFUSED, OUTCOME_DNS_ERROR, "REFUSED by the resolver"},
    {ARES_ETIMEOUT, OUTCOME_DNS_ERROR, "timeout: no answer from the resolver"},
    {ARES_ECONNREFUSED, OUTCOME_DNS_ERROR,
	"no resolver reachable (connection refused, ICMP port unreachable)"},
    {ARES_EFORMERR, OUTCOME_DNS_ERROR,
	"FORMERR: the resolver rejected the query"},
    {ARES_ENOTIMP, OUTCOME_DNS_ERROR,
	"NOTIMP: the resolver does not do this query"},
    {ARES_EBADRESP, OUTCOME_DNS_ERROR, "malformed DNS answer"},
    {ARES_EOF, OUTCOME_DNS_ERROR, "the resolver closed the connection"},
    {ARES_EBADNAME, OUTCOME_DNS_ERROR, "not a valid host name"},
    {ARES_EBADQUERY, OUTCOME_DNS_ERROR, "not a valid DNS query"},
    {ARES_ENOMEM, OUTCOME_ERROR, "out of memory"},
    {ARES_EDESTRUCTION, OUTCOME_ERROR, "the check was cancelled"},
    {ARES_ECANCELLED, OUTCOME_ERROR, "the check was cancelled"},
    {ARES_EBADFAMILY, OUTCOME_ERROR, "bad address family"},
    {ARES_EBADFLAGS, OUTCOME_ERROR, "bad resolver flags"},
    {ARES_ENONAME, OUTCOME_DNS_ERROR, "no such host name"},
    {ARES_EFILE, OUTCOME_ERROR, "resolver configuration unreadable"},
};

static const struct errno_row {
	int	     err;
	enum outcome outcome;
	const char  *why;
} errno_rows[] = {
    {0, OUTCOME_OK, "connected"},
    {ECONNREFUSED, OUTCOME_REFUSED,
	"connection refused (TCP reset): nothing listens there"},
    {ETIMEDOUT, OUTCOME_TIMEOUT, "no answer to the TCP connection attempt"},
    {EHOSTUNREACH, OUTCOME_UNREACHABLE,
	"host unreachable (ICMP destination unreachable)"},
    {ENETUNREACH, OUTCOME_UNREACHABLE,
	"network unreachable: no route to this address"},
    {EHOSTDOWN, OUTCOME_UNREACHABLE, "host is down"},
    {ENONET, OUTCOME_UNREACHABLE, "no network"},
    {EACCES, OUTCOME_UNREACHABLE,
	"prohibited by a firewall (ICMP administratively prohibited)"},
    {EPERM, OUTCOME_UNREACHABLE, "prohibited by a local firewall rule"},
    {EADDRNOTAVAIL, OUTCOME_UNREACHABLE,
	"no local address of this family to connect from"},
    {EAFNOSUPPORT, OUTCOME_UNREACHABLE,
	"this address family is not available here"},
    {ECONNRESET, OUTCOME_REFUSED, "connection reset"},
    {ECONNABORTED, OUTCOME_ERROR, "connection aborted"},
    {EMFILE, OUTCOME_ERROR, "out of file descriptors"},
    {ENFILE, OUTCOME_ERROR, "out of file descriptors (system)"},
    {ENOBUFS, OUTCOME_ERROR, "out of socket buffers"},
};

enum outcome
outcome_from_ares(int status, const char **why)
{
	for (size_t i = 0; i < NELEM(ares_rows); i++)
		if (ares_rows[i].status == status) {
			*why = ares_rows[i].why;
			return ares_rows[i].outcome;
		}
	*why = "DNS lookup failed";
	return OUTCOME_DNS_ERROR;
}

enum outcome
outcome_from_errno(int err, const char **why)
{
	for (size_t i = 0; i < NELEM(errno_rows); i++)
		if (errno_rows[i].err == err) {
			*why = errno_rows[i].why;
			return errno_rows[i].outcome;
		}
	*why = "connection failed";
	return OUTCOME_ERROR;
}

enum outcome
outcome_http80(int conn_err, enum http_fail fail, int sys_err, const char **why)
{
	if (conn_err != 0)
		return outcome_from_errno(conn_err, why);
	switch (fail) {
	case HTTP_FAIL_NONE:
		*why = "answers";
		return OUTCOME_OK;
	case HTTP_FAIL_SEND:
	case HTTP_FAIL_RECV:
		if (sys_err == EPIPE || sys_err == ECONNRESET) {
			*why = "connection reset";
			return OUTCOME_REFUSED;
		}
		if (sys_err != 0)
			return outcome_from_errno(sys_err, why);
		return outcome_from_http(fail, why);
	case HTTP_FAIL_STALL_HEAD:
	case HTTP_FAIL_STALL_BODY:
		*why = "connected, but no answer in time";
		return OUTCOME_TIMEOUT;
	default:
		return outcome_from_http(fail, why);
	}
}

enum outcome
outcome_from_verify(long err, int depth, const char **why)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		*why = depth == 0 ? "the certificate has expired" :
				    "a certificate of the chain has expired";
		return OUTCOME_CERT_EXPIRED;
	case X509_V_OK: /* the chain is fine: the name check failed */
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		*why = "the certificate is not for this host name";
		return OUTCOME_CERT_NAME_MISMATCH;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		*why = "the certificate is not valid yet";
		return OUTCOME_CERT_UNTRUSTED;
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		*why = "self-signed certificate";
		return OUTCOME_CERT_UNTRUSTED;
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_UNTRUSTED:
		*why = "the certificate is not signed by a trusted CA";
		return OUTCOME_CERT_UNTRUSTED;
	case X509_V_ERR_CERT_REVOKED:
		*why = "the certificate has been revoked";
		return OUTCOME_CERT_UNTRUSTED;
	default:
		*why = "the certificate could not be verified";
		return OUTCOME_CERT_UNTRUSTED;
	}
}

enum outcome
outcome_from_http(enum http_fail f, const char **why)
{
	for (size_t i = 0; i < NELEM(http_rows); i++)
		if (http_rows[i].fail == f) {
			*why = http_rows[i].why;
			return http_rows[i].outcome;
		}
	*why = "the HTTP exchange failed";
	return OUTCOME_ERROR;
}

enum outcome
outcome_from_tls(const struct tls_failure *f, const char **why)
{
	if (f->timed_out) {
		*why = "TCP connected, but the TLS handshake stalled";
		return OUTCOME_STALL;
	}
	if (f->verify >= 0)
		return outcome_from_verify(f->verify, f->verify_depth, why);
	if (f->ssl_err == SSL_ERROR_SYSCALL) {
		*why = f->sys_err == ECONNRESET ?
		    "the connection was reset during the TLS handshake" :
		    "the server closed the connection during the TLS handshake";
		return OUTCOME_TLS_ERROR;
	}
	*why = "TLS handshake failed";
	return OUTCOME_TLS_ERROR;
}

enum outcome
outcome_from_status(long status)
{
	return status >= 200 && status <= 399 ? OUTCOME_OK : OUTCOME_HTTP_ERROR;
}

/*
 * Ranges a public service's address is never in, first match wins. IPv6:
 * only 2000::/3 is global unicast; the rows name what the rest is (the
 * last row, ::/0, catches the unassigned). 2001:db8::/32 (documentation)
 * stays allowed on purpose: it is what labs and tests use. IPv4: the
 * special ranges of RFC 6890 that are not routed on the internet, except
 * the documentation ranges (198.51.100/24, 203.0.113/24: the same reason).
 */
static const struct scope_row {
	int	      af;
	unsigned char prefix[16];
	int	      len; /* bits */
	unsigned      allow;
	const char   *what; /* NULL: fine */
} scope_rows[] = {
    {AF_INET6, {0}, 128, 0, "the unspecified address"},
    {AF_INET6, {[15] = 1}, 128, 0, "a loopback address"},
    {AF_INET6, {[10] = 0xff, [11] = 0xff}, 96, 0, "an IPv4-mapped address"},
    {AF_INET6, {0}, 96, 0, "an IPv4-compatible address"},
    {AF_INET6, {0, 0x64, 0xff, 0x9b}, 96, OUTCOME_ALLOW_NAT64,
	"a NAT64 address (64:ff9b::/96)"},
    {AF_INET6, {0, 0x64, 0xff, 0x9b, 0, 1}, 48, OUTCOME_ALLOW_NAT64,
	"a NAT64 address (64:ff9b:1::/48)"},
    {AF_INET6, {0xfe, 0x80}, 10, 0, "a link-local address"},
    {AF_INET6, {0xfe, 0xc0}, 10, 0, "a site-local address"},
    {AF_INET6, {0xff}, 8, 0, "a multicast address"},
    {AF_INET6, {0xfc}, 7, OUTCOME_ALLOW_PRIVATE, "a unique-local address"},
    {AF_INET6, {0x20}, 3, 0, NULL},
    {AF_INET6, {0}, 0, 0, "a reserved address (not in 2000::/3)"},
    {AF_INET, {0}, 8, 0, "a \"this network\" address (0.0.0.0/8)"},
    {AF_INET, {127}, 8, 0, "a loopback address"},
    {AF_INET, {169, 254}, 16, 0, "a link-local address"},
    {AF_INET, {224}, 4, 0, "a multicast address"},
    {AF_INET, {240}, 4, 0, "a reserved address (240.0.0.0/4)"},
    {AF_INET, {10}, 8, OUTCOME_ALLOW_PRIVATE, "a private address (10/8)"},
    {AF_INET, {172, 16}, 12, OUTCOME_ALLOW_PRIVATE,
	"a private address (172.16/12)"},
    {AF_INET, {192, 168}, 16, OUTCOME_ALLOW_PRIVATE,
	"a private address (192.168/16)"},
    {AF_INET, {100, 64}, 10, OUTCOME_ALLOW_PRIVATE,
	"a shared (carrier-grade NAT) address (100.64/10)"},
};

static int
prefix_match(const unsigned char *a, const unsigned char *p, int len)
{
	int whole = len / 8, rest = len % 8;

	if (memcmp(a, p, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[whole] ^ p[whole]) & (0xff << (8 - rest))) == 0;
}

const char *
outcome_addr_scope(int af, const unsigned char *addr, unsigned allow)
{
	for (size_t i = 0; i < NELEM(scope_rows); i++) {
		const struct scope_row *s = &scope_rows[i];

		if (s->af != af || !prefix_match(addr, s->prefix, s->len))
			continue;
		if (s->allow & allow)
			return NULL;
		return s->what;
	}
	return NULL;
}
