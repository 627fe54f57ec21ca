/*
 * html: a bounded text buffer for the published pages, with HTML escaping
 * of everything that comes from records (names, URLs, error texts are
 * hostile input) and the plain-words descriptions of outcomes and warnings.
 */
#ifndef V6W_HTML_H
#define V6W_HTML_H

#include <stddef.h>

#include "result.h"

/* Largest page; past it the rest is dropped and overflow is set. */
#define HTML_MAX (64 * 1024 * 1024)

struct html {
	char  *buf; /* NUL-terminated */
	size_t len, cap;
	int    overflow;
};

void html_init(struct html *);
/* Frees the text; the buffer may be used again after html_init(). */
void html_free(struct html *);
/* Append trusted markup. */
void html_raw(struct html *, const char *);
/* Append trusted markup; arguments must be trusted too (numbers). */
void html_printf(struct html *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * Append untrusted text, escaped for element content and quoted attribute
 * values: & < > " ' become entities, control bytes and invalid UTF-8 become
 * U+FFFD, and at most max bytes of s are read (0: all).
 */
void html_text(struct html *, const char *s, size_t max);
/*
 * Append an href value for an untrusted URL: the URL escaped when it is
 * http:// or https://, else "#".
 */
void html_href(struct html *, const char *url);

/* Plain words for an outcome of family fam ("no AAAA record", ...). */
const char *html_outcome_words(enum outcome, enum family fam);
/* Plain words for a warning ("different content than over IPv4", ...). */
const char *html_warning_words(enum warning);

/*
 * "2026-11-30 07:35 UTC" for wall time ts into out, in the collector's
 * zone and language ("30/11/2026 14:35"); "-" when ts <= 0.
 */
const char *html_time(double ts, char *out, size_t size);
/* "3 h 5 min", "2 d 4 h": a duration in plain words. */
const char *html_duration(double seconds, char *out, size_t size);

#endif
