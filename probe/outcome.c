/*
 * outcome: mapping tables from CURLcode, c-ares status, errno and X509
 * verification errors to outcomes, each with the reason in plain words.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <ares.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "outcome.h"
#include "util.h"

/* How a CURLcode is decided beyond its table row. BY_REPLY: codes that
 * libcurl 7.88 also gives for what a server sent (see curl_reply). */
enum by { BY_TABLE, BY_ERRNO, BY_PHASE, BY_VERIFY, BY_REPLY };

/* libcurl 7.88's words when all the response headers exceed its limit
 * (300 KiB); it says CURLE_RECV_ERROR. */
#define CURL_MSG_HEADERS_TOO_LARGE "Too large response headers"

static const struct curl_row {
	CURLcode     code;
	enum outcome outcome;
	enum by	     by;
	const char  *why;
} curl_rows[] = {
    {CURLE_OK, OUTCOME_OK, BY_TABLE, "ok"},
    {CURLE_UNSUPPORTED_PROTOCOL, OUTCOME_ERROR, BY_REPLY,
	"scheme not allowed (only http and https)"},
    {CURLE_URL_MALFORMAT, OUTCOME_ERROR, BY_TABLE, "malformed URL"},
    {CURLE_COULDNT_RESOLVE_HOST, OUTCOME_DNS_ERROR, BY_TABLE,
	"could not resolve the host name"},
    {CURLE_COULDNT_CONNECT, OUTCOME_REFUSED, BY_ERRNO, "could not connect"},
    {CURLE_WEIRD_SERVER_REPLY, OUTCOME_HTTP_ERROR, BY_TABLE,
	"the server did not answer in HTTP"},
    {CURLE_HTTP2, OUTCOME_HTTP_ERROR, BY_TABLE, "HTTP/2 framing error"},
    {CURLE_PARTIAL_FILE, OUTCOME_HTTP_ERROR, BY_TABLE,
	"the server closed the connection before the whole body arrived"},
    {CURLE_WRITE_ERROR, OUTCOME_ERROR, BY_TABLE,
	"the response body was too large; reading stopped"},
    {CURLE_OUT_OF_MEMORY, OUTCOME_ERROR, BY_REPLY, "out of memory"},
    {CURLE_OPERATION_TIMEDOUT, OUTCOME_TIMEOUT, BY_PHASE, "timed out"},
    {CURLE_SSL_CONNECT_ERROR, OUTCOME_TLS_ERROR, BY_TABLE,
	"TLS handshake failed"},
    {CURLE_TOO_MANY_REDIRECTS, OUTCOME_HTTP_ERROR, BY_TABLE,
	"too many redirects"},
    {CURLE_GOT_NOTHING, OUTCOME_HTTP_ERROR, BY_TABLE,
	"the server closed the connection without answering"},
    {CURLE_SEND_ERROR, OUTCOME_ERROR, BY_PHASE,
	"connection failed while sending"},
    {CURLE_RECV_ERROR, OUTCOME_ERROR, BY_REPLY,
	"connection failed while receiving"},
    {CURLE_PEER_FAILED_VERIFICATION, OUTCOME_CERT_UNTRUSTED, BY_VERIFY,
	"certificate verification failed"},
    {CURLE_SSL_CERTPROBLEM, OUTCOME_TLS_ERROR, BY_TABLE,
	"client certificate problem"},
    {CURLE_SSL_CIPHER, OUTCOME_TLS_ERROR, BY_TABLE, "no usable TLS cipher"},
    {CURLE_BAD_CONTENT_ENCODING, OUTCOME_HTTP_ERROR, BY_TABLE,
	"unknown or broken content encoding"},
    {CURLE_FILESIZE_EXCEEDED, OUTCOME_ERROR, BY_TABLE,
	"the response body was too large"},
    {CURLE_USE_SSL_FAILED, OUTCOME_TLS_ERROR, BY_TABLE,
	"TLS could not be used"},
    {CURLE_SSL_SHUTDOWN_FAILED, OUTCOME_TLS_ERROR, BY_TABLE,
	"TLS shutdown failed"},
    {CURLE_SSL_CACERT_BADFILE, OUTCOME_ERROR, BY_TABLE,
	"the trust store (cacert) could not be read"},
    {CURLE_SSL_CRL_BADFILE, OUTCOME_ERROR, BY_TABLE,
	"the CRL file could not be read"},
    {CURLE_SSL_ISSUER_ERROR, OUTCOME_CERT_UNTRUSTED, BY_TABLE,
	"certificate issuer check failed"},
    {CURLE_SSL_PINNEDPUBKEYNOTMATCH, OUTCOME_TLS_ERROR, BY_TABLE,
	"pinned public key does not match"},
    {CURLE_SSL_INVALIDCERTSTATUS, OUTCOME_TLS_ERROR, BY_TABLE,
	"invalid certificate status (OCSP)"},
    {CURLE_SSL_ENGINE_NOTFOUND, OUTCOME_ERROR, BY_TABLE,
	"TLS engine not found"},
    {CURLE_SSL_ENGINE_SETFAILED, OUTCOME_ERROR, BY_TABLE,
	"TLS engine setup failed"},
    {CURLE_SSL_ENGINE_INITFAILED, OUTCOME_ERROR, BY_TABLE,
	"TLS engine init failed"},
    {CURLE_ABORTED_BY_CALLBACK, OUTCOME_ERROR, BY_TABLE, "transfer aborted"},
    {CURLE_AGAIN, OUTCOME_ERROR, BY_TABLE, "socket not ready"},
    {CURLE_RANGE_ERROR, OUTCOME_HTTP_ERROR, BY_TABLE,
	"the server did not honour the range request"},
    {CURLE_UNRECOVERABLE_POLL, OUTCOME_ERROR, BY_TABLE, "internal poll error"},
    {CURLE_FAILED_INIT, OUTCOME_ERROR, BY_TABLE, "transfer setup failed"},
    {CURLE_NOT_BUILT_IN, OUTCOME_ERROR, BY_TABLE,
	"feature not built into libcurl"},
    {CURLE_COULDNT_RESOLVE_PROXY, OUTCOME_ERROR, BY_TABLE,
	"could not resolve the proxy"},
    {CURLE_READ_ERROR, OUTCOME_ERROR, BY_TABLE, "read error"},
    {CURLE_INTERFACE_FAILED, OUTCOME_ERROR, BY_TABLE,
	"could not bind the local interface"},
};

static const struct ares_row {
	int	     status;
	enum outcome outcome;
	const char  *why;
} ares_rows[] = {
    {ARES_SUCCESS, OUTCOME_OK, "ok"},
    {ARES_ENODATA, OUTCOME_NO_ADDRESS,
	"the name exists but has no address of this family"},
    {ARES_ENOTFOUND, OUTCOME_DNS_ERROR, "NXDOMAIN: the name does not exist"},
    {ARES_ESERVFAIL, OUTCOME_DNS_ERROR,
	"SERVFAIL: the resolver could not get an answer"},
    {ARES_EREFUSED, OUTCOME_DNS_ERROR, "REFUSED by the resolver"},
    {ARES_ETIMEOUT, OUTCOME_DNS_ERROR, "the resolver did not answer"},
    {ARES_ECONNREFUSED, OUTCOME_DNS_ERROR, "could not reach the resolver"},
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

static enum outcome
curl_phase(const struct curl_failure *, const struct curl_row *, const char **);

/*
 * Codes that name the wrong cause once the server has sent something:
 * libcurl 7.88 says "unsupported protocol" for a response without a status
 * line (HTTP/0.9 is refused by default), "out of memory" for a header line
 * over CURL_MAX_HTTP_HEADER (the buffer stays small), and "receive error"
 * for headers over 300 KiB in all.
 */
static enum outcome
curl_reply(const struct curl_failure *f, const struct curl_row *row,
    const char **why)
{
	if (f->tcp_ok && !f->got_headers) {
		if (f->code == CURLE_UNSUPPORTED_PROTOCOL) {
			*why = "the server answered without an HTTP status "
			       "line (HTTP/0.9, or not HTTP)";
			return OUTCOME_HTTP_ERROR;
		}
		if (f->code == CURLE_OUT_OF_MEMORY) {
			*why = "response header too large";
			return OUTCOME_HTTP_ERROR;
		}
		if (f->code == CURLE_RECV_ERROR && f->msg != NULL &&
		    strncmp(f->msg, CURL_MSG_HEADERS_TOO_LARGE,
			strlen(CURL_MSG_HEADERS_TOO_LARGE)) == 0) {
			*why = "response headers too large in all";
			return OUTCOME_HTTP_ERROR;
		}
	}
	if (f->code == CURLE_RECV_ERROR)
		return curl_phase(f, row, why);
	return row->outcome;
}

/* Codes whose meaning depends on how far the transfer got. */
static enum outcome
curl_phase(const struct curl_failure *f, const struct curl_row *row,
    const char **why)
{
	if (!f->tcp_ok) {
		if (f->code == CURLE_OPERATION_TIMEDOUT) {
			*why = "no answer to the TCP connection attempt";
			return OUTCOME_TIMEOUT;
		}
		return row->outcome;
	}
	if (f->tls && !f->tls_done) {
		if (f->code == CURLE_OPERATION_TIMEDOUT) {
			*why = "TCP connected, but the TLS handshake stalled";
			return OUTCOME_STALL;
		}
		*why = "the connection broke during the TLS handshake";
		return OUTCOME_TLS_ERROR;
	}
	if (f->code == CURLE_OPERATION_TIMEDOUT) {
		*why = f->got_headers ?
		    "the response body stopped arriving" :
		    "the request was sent, but no complete response arrived";
		return OUTCOME_STALL;
	}
	return row->outcome;
}

enum outcome
outcome_from_curl(const struct curl_failure *f, const char **why)
{
	const struct curl_row *row = NULL;

	for (size_t i = 0; i < NELEM(curl_rows); i++)
		if (curl_rows[i].code == f->code) {
			row = &curl_rows[i];
			break;
		}
	if (row == NULL) {
		*why = "transfer failed";
		return OUTCOME_ERROR;
	}
	*why = row->why;
	switch (row->by) {
	case BY_TABLE:
		return row->outcome;
	case BY_ERRNO:
		return f->os_errno != 0 ?
		    outcome_from_errno((int)f->os_errno, why) :
		    row->outcome;
	case BY_VERIFY:
		return outcome_from_verify(f->verify < 0 ? X509_V_OK :
							   f->verify,
		    f->verify_depth, why);
	case BY_PHASE:
		return curl_phase(f, row, why);
	case BY_REPLY:
		return curl_reply(f, row, why);
	}
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
		    "the server closed the connection during the TLS "
		    "handshake";
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
