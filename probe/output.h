/*
 * output: how `v6probe check` shows a checked target -- a readable block
 * (colour optional), the DESIGN.md JSON object, or Nagios plugin text.
 */
#ifndef V6W_OUTPUT_H
#define V6W_OUTPUT_H

#include <cjson/cJSON.h>

#include "check.h"

/* 0 ready, 1 ready with warnings, 2 not ready (Nagios OK/WARN/CRIT). */
int output_status(const struct check_report *);

/* A block of text (caller frees); colour escapes when colour is set.
 * shown names the target for people (NULL: its URL). */
char *output_table(const struct check_report *, const char *shown, int colour);
/* {"url","url_unicode"?,"ready","score","warnings","dns","ipv6","ipv4"}:
 * url_unicode, when not NULL, is the URL with its host name in Unicode
 * (url holds the A-labels that were checked); caller owns. */
cJSON *output_json(const struct check_report *, const char *unicode_url);

/*
 * A monitoring-plugins threshold range: "10" (alert outside 0..10), "10:"
 * (below 10), "~:10" (above 10), "10:20" (outside), "@10:20" (inside,
 * ends included). An empty side is unbounded.
 */
struct nagios_range {
	int    set;
	int    inside; /* '@' */
	int    has_lo, has_hi;
	double lo, hi;
	char   text[64]; /* as given, for the perfdata */
};
/* 0, or -1 with why. */
int output_range_parse(const char *, struct nagios_range *, char *err,
    size_t errlen);
/* Does v raise the alert of r? (an unset range never does) */
int output_range_alert(const struct nagios_range *, double v);

/* Nagios: one line for any number of targets, perfdata per target; warn
 * and crit (-w, -c) apply to each family's total time, in seconds. */
struct nagios {
	struct nagios_range warn, crit;
	int		    count, worst, nstatus[3];
	char		   *perf;
	size_t		    perflen, perfcap;
	char		   *text;
	size_t		    textlen, textcap;
};
/* label prefixes the perfdata names (NULL for a single target); shown
 * names the target in the text (NULL: its URL). */
void output_nagios_add(struct nagios *, const struct check_report *,
    const char *label, const char *shown);
/* "V6WATCH CRITICAL - ... | perfdata\n"; caller frees. single_shown
 * names the target when there is one. */
char *output_nagios_line(const struct nagios *, const char *single_shown);
void  output_nagios_free(struct nagios *);

#endif
