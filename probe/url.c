/*
 * url: URL checks and rewrites with libcurl's URL API, host names in
 * Unicode converted with libidn2 (see url.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <idn2.h>

#include "url.h"
#include "util.h"

static int host_ldh(const char *host, char *err, size_t errlen);

static int
has_8bit(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* Does the name hold a label that starts "xn--" (an A-label)? */
static int
has_alabel(const char *host)
{
	for (const char *p = host; p != NULL; p = strchr(p, '.')) {
		if (*p == '.')
			p++;
		if (strncasecmp(p, "xn--", 4) == 0)
			return 1;
	}
	return 0;
}

int
url_host_ascii(const char *host, char *out, size_t outlen, char *err,
    size_t errlen)
{
	uint8_t *a = NULL;
	int	 rc, ret = -1;

	if (!has_8bit(host) && !has_alabel(host)) {
		if (host_ldh(host, err, errlen) == -1)
			return -1;
		if (strlen(host) > 253 || strlen(host) >= outlen) {
			snprintf(err, errlen,
			    "host name is longer than 253 characters");
			return -1;
		}
		snprintf(out, outlen, "%s", host);
		return 0;
	}
	/* IDNA2008 with the UTS #46 mapping browsers and libcurl apply */
	rc = idn2_lookup_u8((const uint8_t *)host, &a,
	    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		snprintf(err, errlen,
		    "host name '%.80s' is not a valid internationalised name (IDNA2008): %s",
		    host, idn2_strerror(rc));
		return -1;
	}
	if (host_ldh((char *)a, err, errlen) == -1)
		goto done;
	if (strlen((char *)a) > 253 || strlen((char *)a) >= outlen) {
		snprintf(err, errlen,
		    "host name is longer than 253 characters");
		goto done;
	}
	snprintf(out, outlen, "%s", (char *)a);
	ret = 0;
done:
	idn2_free(a);
	return ret;
}

int
url_host_unicode(const char *host, char *out, size_t outlen)
{
	char *u = NULL;
	int   ok;

	if (!has_alabel(host))
		return snprintf(out, outlen, "%s", host) < (int)outlen ? 0 : -1;
	if (idn2_to_unicode_8z8z(host, &u, 0) != IDN2_OK)
		return -1;
	ok = strlen(u) < outlen;
	if (ok)
		snprintf(out, outlen, "%s", u);
	idn2_free(u);
	return ok ? 0 : -1;
}

int
url_parse(const char *url, struct url *u, enum outcome *oc, char *err,
    size_t errlen)
{
	CURLU	 *h = curl_url();
	char	 *scheme = NULL, *host = NULL, *port = NULL, *zone = NULL;
	char	 *user = NULL;
	CURLUcode rc;
	long long v;
	int	  ret = -1;
	size_t	  n;

	memset(u, 0, sizeof(*u));
	*oc = OUTCOME_ERROR;
	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (rc != CURLUE_OK) {
		snprintf(err, errlen, "malformed URL: %s",
		    curl_url_strerror(rc));
		goto done;
	}
	curl_url_get(h, CURLUPART_SCHEME, &scheme, 0);
	if (scheme == NULL ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(err, errlen,
		    "scheme %s:// is not allowed (only http:// and https://)",
		    scheme != NULL ? scheme : "?");
		goto done;
	}
	u->https = strcmp(scheme, "https") == 0;
	if (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK &&
	    user != NULL) {
		/* it would travel in every result, to the collector and the
		 * published site */
		snprintf(err, errlen,
		    "a user name or password in the URL is not allowed");
		goto done;
	}
	if (curl_url_get(h, CURLUPART_ZONEID, &zone, 0) == CURLUE_OK &&
	    zone != NULL) {
		snprintf(err, errlen,
		    "IPv6 zone ids (%%%.32s) are not allowed: a zone id names a local interface, not a service",
		    zone);
		goto done;
	}
	/* not CURLU_PUNYCODE: libcurl 7.88.1 answers it with
	 * CURLUE_OUT_OF_MEMORY for every Unicode name; libidn2 below */
	rc = curl_url_get(h, CURLUPART_HOST, &host, 0);
	if (rc != CURLUE_OK || host == NULL || host[0] == '\0') {
		snprintf(err, errlen, "the URL has no host name");
		goto done;
	}
	if (has_8bit(host)) {
		/* an internationalised name (a Location's): its A-labels */
		char a[256];

		if (url_host_ascii(host, a, sizeof(a), err, errlen) == -1 ||
		    curl_url_set(h, CURLUPART_HOST, a, 0) != CURLUE_OK)
			goto done;
		curl_free(host);
		host = NULL;
		if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
		    host == NULL) {
			snprintf(err, errlen, "the URL has no host name");
			goto done;
		}
	}
	n = strlen(host);
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		snprintf(u->host, sizeof(u->host), "%.*s", (int)n - 2,
		    host + 1);
		u->literal_af = AF_INET6;
	} else {
		const char *label = host;

		*oc = OUTCOME_DNS_ERROR;
		if (n > 253) {
			snprintf(err, errlen,
			    "host name longer than 253 characters");
			goto done;
		}
		for (const char *p = host;; p++) {
			if (*p == '.' || *p == '\0') {
				if (p - label > 63) {
					snprintf(err, errlen,
					    "a label of the host name is longer than 63 characters");
					goto done;
				}
				label = p + 1;
			}
			if (*p == '\0')
				break;
		}
		*oc = OUTCOME_ERROR;
		snprintf(u->host, sizeof(u->host), "%s", host);
		{
			struct in_addr a4;

			if (inet_pton(AF_INET, host, &a4) == 1)
				u->literal_af = AF_INET;
		}
	}
	curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	if (port == NULL)
		u->port = u->https ? 443 : 80;
	else if (parse_int(port, 1, 65535, &v) == -1) {
		snprintf(err, errlen, "port '%.16s': not a number 1..65535",
		    port);
		goto done;
	} else
		u->port = (int)v;
	ret = 0;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(zone);
	curl_free(user);
	curl_url_cleanup(h);
	return ret;
}

/*
 * For HTTP over our TLS: the same URL with scheme http and the port
 * spelt out, and the Host header a browser would send. 0 or -1.
 */
int
url_plain(const char *url, const struct url *u, char *out, size_t outlen,
    char *host, size_t hostlen)
{
	CURLU *h = curl_url();
	char  *s = NULL, port[8];
	int    ok;

	snprintf(port, sizeof(port), "%d", u->port);
	ok = h != NULL && curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_set(h, CURLUPART_SCHEME, "http", 0) == CURLUE_OK &&
	    curl_url_set(h, CURLUPART_PORT, port, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_URL, &s, 0) == CURLUE_OK &&
	    strlen(s) < outlen;
	if (ok)
		snprintf(out, outlen, "%s", s);
	curl_free(s);
	curl_url_cleanup(h);
	if (u->literal_af == AF_INET6)
		snprintf(host, hostlen,
		    u->port == 443 ? "Host: [%s]" : "Host: [%s]:%d", u->host,
		    u->port);
	else
		snprintf(host, hostlen,
		    u->port == 443 ? "Host: %s" : "Host: %s:%d", u->host,
		    u->port);
	return ok ? 0 : -1;
}

/* Location (maybe relative) against base. 0 or -1. */
int
url_resolve(const char *base, const char *loc, char *out, size_t outlen)
{
	CURLU *h = curl_url();
	char  *s = NULL;
	int    ok;

	ok = h != NULL &&
	    curl_url_set(h, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(h, CURLUPART_URL, loc, CURLU_NON_SUPPORT_SCHEME) ==
		CURLUE_OK &&
	    curl_url_get(h, CURLUPART_URL, &s, 0) == CURLUE_OK &&
	    strlen(s) < outlen;
	if (ok)
		snprintf(out, outlen, "%s", s);
	curl_free(s);
	curl_url_cleanup(h);
	return ok ? 0 : -1;
}

/*
 * An ASCII host name as DNS carries it: labels of letters, digits, '-'
 * and '_' (which some services use), none empty or starting or ending
 * with '-'; one trailing dot allowed. 0 or -1 with why.
 */
static int
host_ldh(const char *host, char *err, size_t errlen)
{
	const char *label = host;

	for (const char *p = host;; p++) {
		if (*p == '.' || *p == '\0') {
			size_t n = (size_t)(p - label);

			if (n == 0 && !(*p == '\0' && p > host)) {
				snprintf(err, errlen,
				    "host name '%.80s' has an empty label",
				    host);
				return -1;
			}
			if (n > 0 && (label[0] == '-' || p[-1] == '-')) {
				snprintf(err, errlen,
				    "host name '%.80s': a label starts or ends with '-'",
				    host);
				return -1;
			}
			if (*p == '\0')
				return 0;
			label = p + 1;
		} else if (!isalnum((unsigned char)*p) && *p != '-' &&
		    *p != '_') {
			snprintf(err, errlen,
			    "host name '%.80s': character '%c' is not allowed (letters, digits, '-', '.')",
			    host, *p);
			return -1;
		}
	}
}

int
url_target(const char *arg, char *out, size_t outlen, char *shown,
    size_t shownlen, char *err, size_t errlen)
{
	CURLU	      *h = NULL;
	char	      *scheme = NULL, *host = NULL, *s = NULL, *built = NULL;
	char	      *us = NULL, ahost[256], uhost[256] = "";
	struct in_addr a4;
	struct url     u;
	enum outcome   oc;
	CURLUcode      rc;
	char	       why[256];
	const char    *given = arg;
	int	       ret = -1;

	if (arg[0] == '\0') {
		snprintf(err, errlen, "an empty argument is not a URL");
		return -1;
	}
	if (arg[0] == '-') {
		snprintf(err, errlen,
		    "'%.80s' is not a URL or host name (an option?)", arg);
		return -1;
	}
	if (strpbrk(arg, " \t") != NULL || str_has_ctrl(arg)) {
		snprintf(err, errlen,
		    "'%.80s' is not a URL: it holds spaces or control characters",
		    arg);
		return -1;
	}
	if (strstr(arg, "://") == NULL) {
		/* HOST (or HOST:PORT): https://HOST/ */
		if (strpbrk(arg, "/?#@") != NULL) {
			snprintf(err, errlen,
			    "'%.80s' is neither a host name nor a URL: write the URL in full (https://%.80s)",
			    arg, arg);
			return -1;
		}
		if (asprintf(&built, "https://%s/", arg) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		arg = built;
	}
	if ((h = curl_url()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	rc = curl_url_set(h, CURLUPART_URL, arg, CURLU_NON_SUPPORT_SCHEME);
	if (rc != CURLUE_OK) {
		snprintf(err, errlen, "'%.80s' is not a URL: %s", given,
		    curl_url_strerror(rc));
		goto done;
	}
	curl_url_get(h, CURLUPART_SCHEME, &scheme, 0);
	if (scheme == NULL ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(err, errlen,
		    "%.80s: scheme %s:// is not allowed (only http:// and https://)",
		    given, scheme != NULL ? scheme : "?");
		goto done;
	}
	if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host == NULL || host[0] == '\0') {
		snprintf(err, errlen, "%.80s: the URL has no host name", given);
		goto done;
	}
	if (host[0] != '[' && inet_pton(AF_INET, host, &a4) != 1) {
		if (url_host_ascii(host, ahost, sizeof(ahost), why,
			sizeof(why)) == -1) {
			snprintf(err, errlen, "%.80s: %s", given, why);
			goto done;
		}
		if (strcmp(ahost, host) != 0 &&
		    curl_url_set(h, CURLUPART_HOST, ahost, 0) != CURLUE_OK) {
			snprintf(err, errlen, "%.80s: bad host name", given);
			goto done;
		}
		if (url_host_unicode(ahost, uhost, sizeof(uhost)) == -1)
			uhost[0] = '\0';
	}
	if (curl_url_get(h, CURLUPART_URL, &s, 0) != CURLUE_OK) {
		snprintf(err, errlen, "%.80s: not a URL", given);
		goto done;
	}
	if (url_parse(s, &u, &oc, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%.80s: %s", given, why);
		goto done;
	}
	if (strlen(s) >= outlen) {
		snprintf(err, errlen,
		    "URL longer than %zu characters: %.60s...", outlen - 1, s);
		goto done;
	}
	snprintf(out, outlen, "%s", s);
	/* for people: the same URL with the host in Unicode */
	snprintf(shown, shownlen, "%s", s);
	if (uhost[0] != '\0' && strcmp(uhost, ahost) != 0 &&
	    curl_url_set(h, CURLUPART_HOST, uhost, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_URL, &us, 0) == CURLUE_OK &&
	    strlen(us) < shownlen)
		snprintf(shown, shownlen, "%s", us);
	ret = 0;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(s);
	curl_free(us);
	curl_url_cleanup(h);
	free(built);
	return ret;
}
