/*
 * url: the URLs a check meets -- the target's, redirect Locations -- read
 * with libcurl's URL API: only http and https, no zone ids, host names
 * within DNS limits (internationalised ones as A-labels), IP literals
 * recognised; and the plain-HTTP form of an https URL for HTTP over the
 * probe's own TLS.
 */
#ifndef V6W_URL_H
#define V6W_URL_H

#include <stddef.h>

#include "result.h"

struct url {
	int  https;
	char host[256]; /* without brackets */
	int  port;
	int  literal_af; /* AF_INET / AF_INET6 when host is an address */
};

/* 0, or -1 with the outcome to report (error, dns_error) and why. */
int url_parse(const char *url, struct url *u, enum outcome *oc, char *err,
    size_t errlen);
/* The same URL with scheme http and the port spelt out, and the Host
 * header a browser would send for it. 0 or -1. */
int url_plain(const char *url, const struct url *u, char *out, size_t outlen,
    char *host, size_t hostlen);
/*
 * An argument of `v6probe check` -- a URL, or a HOST[:PORT] meaning
 * https://HOST/ -- as the URL to check (normalised by libcurl, the host
 * name in A-labels: xn--...) and the same URL for people (the host in
 * Unicode). 0, or -1 with why: not http(s), no host, a host name with
 * characters DNS does not carry or not valid under IDNA2008, an empty
 * label, anything url_parse() refuses.
 */
int url_target(const char *arg, char *out, size_t outlen, char *shown,
    size_t shownlen, char *err, size_t errlen);
/* A host name as DNS carries it: letters, digits, '-', '_' (checked), or
 * Unicode converted to A-labels (IDNA2008, UTS #46 mapping, libidn2).
 * 0, or -1 with why. */
int url_host_ascii(const char *host, char *out, size_t outlen, char *err,
    size_t errlen);
/* The Unicode form of a host name with A-labels (a copy otherwise). */
int url_host_unicode(const char *host, char *out, size_t outlen);
/* A Location (maybe relative) against base. 0 or -1. */
int url_resolve(const char *base, const char *loc, char *out, size_t outlen);

#endif
