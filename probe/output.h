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

/* Nagios: one line for any number of targets, perfdata per target. */
struct nagios {
	int    count, worst, nstatus[3];
	char  *perf;
	size_t perflen, perfcap;
	char  *text;
	size_t textlen, textcap;
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
