/*
 * outcome: how library and system errors become check outcomes. Pure and
 * table-driven, so every CURLcode, c-ares status and errno a check can meet
 * has one tested answer and one plain-words reason.
 */
#ifndef V6W_OUTCOME_H
#define V6W_OUTCOME_H

#include <curl/curl.h>

#include "result.h"

/* What a failed HTTP transfer had reached, for codes that depend on it. */
struct curl_failure {
	CURLcode    code;
	long	    os_errno;	  /* CURLINFO_OS_ERRNO */
	long	    verify;	  /* X509 verify error seen, -1 none */
	int	    verify_depth; /* 0 = the server's own certificate */
	int	    tcp_ok;	  /* the TCP connection was up */
	int	    tls;	  /* the URL is https */
	int	    tls_done;	  /* the TLS handshake completed */
	int	    got_headers;  /* response headers arrived */
	const char *msg; /* libcurl's ERRORBUFFER; NULL or "" if none */
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
/* A transfer that ended with f->code (CURLE_OK is ok: check the status). */
enum outcome outcome_from_curl(const struct curl_failure *f, const char **why);
enum outcome outcome_from_tls(const struct tls_failure *, const char **why);
/* An X509 verification error (X509_V_*) of a certificate at depth. */
enum outcome outcome_from_verify(long err, int depth, const char **why);
/* Final HTTP status: ok for 200-399, else http_error. */
enum outcome outcome_from_status(long status);

#endif
