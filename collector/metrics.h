/*
 * metrics: the GET /metrics page in the Prometheus text format (0.0.4):
 * per-series state and timings, capture intervals and durable capture
 * counters, per-target state, readiness, score and info (group, URL),
 * per-probe ingest counters, per-webhook deliveries and queues, build
 * info; each family with HELP and TYPE lines, names by Prometheus'
 * conventions (`promtool check metrics` is silent).
 */
#ifndef V6W_METRICS_H
#define V6W_METRICS_H

#include <stddef.h>

struct collector;

/* The page as a malloc'd text of *len bytes (caller frees). */
char *metrics_text(struct collector *, size_t *len);

/* Escape a label value (\ " and newline) into out; -1 when it does not
 * fit. */
int metrics_escape(const char *in, char *out, size_t size);

#endif
