/*
 * status: the GET /api/v1/status document -- every target x family x probe
 * with the probe's view of its state and the last record ("targets"),
 * every target x family over all probes with its recent state changes
 * ("states"), every capture interface, every probe's durable counters and
 * every webhook's queue and last delivery error ("webhooks").
 */
#ifndef V6W_STATUS_H
#define V6W_STATUS_H

struct collector;

/* JSON text (caller frees with cJSON_free). */
char *status_json(const struct collector *, double now);

#endif
