/*
 * html: growing the buffer, escaping, and the wording tables.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html.h"
#include "i18n.h"
#include "util.h"

void
html_init(struct html *h)
{
	memset(h, 0, sizeof(*h));
}

void
html_free(struct html *h)
{
	free(h->buf);
	memset(h, 0, sizeof(*h));
}

/* Room for n more bytes and the NUL; 0, or -1 (overflow set). */
static int
html_room(struct html *h, size_t n)
{
	size_t cap;

	if (h->overflow || n > HTML_MAX - h->len - 1 || h->len >= HTML_MAX) {
		h->overflow = 1;
		return -1;
	}
	if (h->len + n + 1 <= h->cap)
		return 0;
	cap = h->cap ? h->cap : 4096;
	while (cap < h->len + n + 1)
		cap *= 2;
	h->buf = xreallocarray(h->buf, cap, 1);
	h->cap = cap;
	return 0;
}

static void
html_put(struct html *h, const char *s, size_t n)
{
	if (html_room(h, n) == -1)
		return;
	memcpy(h->buf + h->len, s, n);
	h->len += n;
	h->buf[h->len] = '\0';
}

void
html_raw(struct html *h, const char *s)
{
	html_put(h, s, strlen(s));
}

void
html_printf(struct html *h, const char *fmt, ...)
{
	va_list ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || html_room(h, (size_t)n) == -1)
		return;
	va_start(ap, fmt);
	vsnprintf(h->buf + h->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	h->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t
utf8_len(const unsigned char *s, size_t left)
{
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong, surrogate and out-of-range forms. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

void
html_text(struct html *h, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t		     left = strlen(s), n;

	if (max > 0 && left > max)
		left = max;
	while (left > 0) {
		switch (*p) {
		case '&':
			html_put(h, "&amp;", 5);
			break;
		case '<':
			html_put(h, "&lt;", 4);
			break;
		case '>':
			html_put(h, "&gt;", 4);
			break;
		case '"':
			html_put(h, "&quot;", 6);
			break;
		case '\'':
			html_put(h, "&#39;", 5);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				html_put(h, "\xef\xbf\xbd", 3);
				break;
			}
			n = utf8_len(p, left);
			if (n == 0) {
				html_put(h, "\xef\xbf\xbd", 3);
				break;
			}
			html_put(h, (const char *)p, n);
			p += n;
			left -= n;
			continue;
		}
		p++;
		left--;
	}
}

void
html_href(struct html *h, const char *url)
{
	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		html_raw(h, "#");
	else
		html_text(h, url, RESULT_URL_MAX);
}

static const char *const outcome_words[OUTCOME__N] = {
    [OUTCOME_OK] = N_("works"),
    [OUTCOME_NO_ADDRESS] = N_("no address record"),
    [OUTCOME_DNS_ERROR] = N_("the name does not resolve"),
    [OUTCOME_TIMEOUT] = N_("connections time out"),
    [OUTCOME_REFUSED] = N_("connections are refused"),
    [OUTCOME_UNREACHABLE] = N_("the server is unreachable"),
    [OUTCOME_TLS_ERROR] = N_("the TLS handshake fails"),
    [OUTCOME_CERT_EXPIRED] = N_("the certificate has expired"),
    [OUTCOME_CERT_NAME_MISMATCH] = N_("the certificate is for another name"),
    [OUTCOME_CERT_UNTRUSTED] = N_("the certificate is not trusted"),
    [OUTCOME_HTTP_ERROR] = N_("the server answers with an HTTP error"),
    [OUTCOME_STALL] = N_("transfers stall (path MTU black hole)"),
    [OUTCOME_ERROR] = N_("the check failed"),
};

const char *
html_outcome_words(enum outcome o, enum family fam)
{
	if (o == OUTCOME_NO_ADDRESS)
		return fam == FAMILY_IPV6 ? _("no AAAA record") :
					    _("no A record");
	return (unsigned)o < OUTCOME__N ? _(outcome_words[o]) :
					  _("unknown outcome");
}

static const char *const warning_words[WARN__N] = {
    [WARN_CERT_EXPIRING] = N_("the certificate expires soon"),
    [WARN_SLOW] = N_("much slower than over IPv4"),
    [WARN_CONTENT_MISMATCH] = N_("different content than over IPv4"),
    [WARN_PARTIAL_REACHABILITY] = N_("some of its addresses are unreachable"),
    [WARN_NS_NO_IPV6] = N_("its name servers do not work over IPv6"),
    [WARN_PROBE_OFFLINE] = N_("the probe's own network was down"),
    [WARN_HTTP_NO_IPV6] = N_("http:// (port 80) works over IPv4 only"),
};

const char *
html_warning_words(enum warning w)
{
	return (unsigned)w < WARN__N ? _(warning_words[w]) :
				       _("unknown warning");
}

const char *
html_time(double ts, char *out, size_t size)
{
	return i18n_time(ts, out, size);
}

const char *
html_duration(double seconds, char *out, size_t size)
{
	long long s = seconds > 0 ? (long long)seconds : 0;

	/* TRANSLATORS: durations, short: seconds, minutes, hours, days. */
	if (s < 60)
		snprintf(out, size, _("%lld s"), s);
	else if (s < 3600)
		snprintf(out, size, _("%lld min"), s / 60);
	else if (s < 86400)
		snprintf(out, size, _("%lld h %lld min"), s / 3600,
		    s % 3600 / 60);
	else
		snprintf(out, size, _("%lld d %lld h"), s / 86400,
		    s % 86400 / 3600);
	return out;
}
