/*
 * outcome: how what a check saw becomes its outcome. Pure and
 * table-driven, so every c-ares status, errno, TLS failure and HTTP
 * failure a check can meet has one tested answer and one plain-words
 * reason.
 */
#ifndef V6W_OUTCOME_H
#define V6W_OUTCOME_H

#include "result.h"

/* How an HTTP exchange after the TCP connect (and TLS) failed, as the
 * probe's own reading of the response saw it (probe/check_http.c). */
enum http_fail {
	HTTP_FAIL_NONE,
	HTTP_FAIL_SEND,		  /* the request could not be sent */
	HTTP_FAIL_RECV,		  /* reading failed (errno, TLS alert) */
	HTTP_FAIL_NO_ANSWER,	  /* closed without a byte */
	HTTP_FAIL_HEAD_CUT,	  /* closed within the response head */
	HTTP_FAIL_BODY_CUT,	  /* closed before the body's end */
	HTTP_FAIL_NOT_HTTP,	  /* no status line: HTTP/0.9, or not HTTP */
	HTTP_FAIL_HEAD_TOO_LARGE, /* a head line or the whole head */
	HTTP_FAIL_MALFORMED,	  /* the parser refused the response */
	HTTP_FAIL_STALL_HEAD,	  /* no whole head in time */
	HTTP_FAIL_STALL_BODY,	  /* the body stopped arriving */
	HTTP_FAIL_TOO_LARGE,	  /* more body than the caller reads */
	HTTP_FAIL__N
};

/* A TLS handshake that failed (ours, on a connected TCP socket). */
struct tls_failure {
	int  timed_out; /* no answer within the deadline */
	long verify;	/* X509 verify error seen, -1 none */
	int  verify_depth;
	int  ssl_err; /* SSL_get_error() */
	int  sys_err; /* errno with SSL_ERROR_SYSCALL */
};

/* c-ares status of an A/AAAA query; ARES_ENODATA is no_address. */
enum outcome outcome_from_ares(int status, const char **why);
/* errno of a TCP connect; 0 is ok. */
enum outcome outcome_from_errno(int err, const char **why);
/* An HTTP exchange that failed after the connection was up. */
enum outcome outcome_from_http(enum http_fail, const char **why);
/*
 * What http://HOST/ on port 80 did (beside an https:// target): the TCP
 * connect's errno (0: connected), then how the exchange ended, read up to
 * the response head (HTTP_FAIL_NONE: a head arrived; any status is an
 * answer) and its errno. ok, refused (also a reset), timeout (also no
 * head in time), unreachable, http_error (not an HTTP answer) or error.
 */
enum outcome
outcome_http80(int conn_err, enum http_fail, int sys_err, const char **why);
enum outcome outcome_from_tls(const struct tls_failure *, const char **why);
/* An X509 verification error (X509_V_*) of a certificate at depth. */
enum outcome outcome_from_verify(long err, int depth, const char **why);
/* Final HTTP status: ok for 200-399, else http_error. */
enum outcome outcome_from_status(long status);

/* What outcome_addr_scope() lets through besides global unicast. */
#define OUTCOME_ALLOW_NAT64   0x1 /* 64:ff9b::/96, 64:ff9b:1::/48 */
#define OUTCOME_ALLOW_PRIVATE 0x2 /* fc00::/7, 10/8, 172.16/12, ... */
/*
 * Whether the address addr of family af (AF_INET6: 16 bytes, AF_INET: 4,
 * network order) is one a public service can have: NULL when it is (global
 * unicast: 2000::/3, or IPv4 outside the special ranges), else what it is
 * in words ("a loopback address", "an IPv4-mapped address"). allow:
 * OUTCOME_ALLOW_* bits.
 */
const char *
outcome_addr_scope(int af, const unsigned char *addr, unsigned allow);

#endif
