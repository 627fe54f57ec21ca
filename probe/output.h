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

/* A block of text (caller frees); colour escapes when colour is set. */
char *output_table(const struct check_report *, int colour);
/* {"url","ready","score","warnings","dns","ipv6","ipv4"}; caller owns. */
cJSON *output_json(const struct check_report *);

/* Nagios: one line for any number of targets, perfdata per target. */
struct nagios {
	int    count, worst, nstatus[3];
	char  *perf;
	size_t perflen, perfcap;
	char  *text;
	size_t textlen, textcap;
};
/* label prefixes the perfdata names (NULL for a single target). */
void output_nagios_add(struct nagios *, const struct check_report *,
    const char *label);
/* "V6WATCH CRITICAL - ... | perfdata\n"; caller frees. */
char *output_nagios_line(const struct nagios *, const char *single_url);
void  output_nagios_free(struct nagios *);

#endif
