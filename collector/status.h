/*
 * status: the GET /api/v1/status document -- every target x family x probe
 * with its state and last record, every capture interface, and every
 * probe's durable counters.
 */
#ifndef V6W_STATUS_H
#define V6W_STATUS_H

struct collector;

/* JSON text (caller frees with cJSON_free). */
char *status_json(const struct collector *, double now);

#endif
