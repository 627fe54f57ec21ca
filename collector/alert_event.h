/*
 * alert_event: the body of one event as a webhook receives it -- JSON
 * (format = "json", schema in contrib/webhook-event.schema.json) or a
 * Slack/Mattermost message {"text": "..."} (format = "slack"). Pure: the
 * same event always gives the same bytes.
 *
 *   {"event":"state_changed","target":"portal","url":"https://...",
 *    "group":"..","family":"ipv6","state":"down","previous":"up",
 *    "since":1764480000.000,"outcome":"timeout","probes":["p1","p2"],
 *    "detail":"..","collector":"province","ts":1764480190.000}
 *   cert_expiring: family, days_left, threshold instead of the states;
 *   readiness_changed: "ready" and "previous" are booleans;
 *   test: event, detail, collector, ts.
 */
#ifndef V6W_ALERT_EVENT_H
#define V6W_ALERT_EVENT_H

struct alert_event;

/* NUL-terminated texts (caller frees with cJSON_free). */
char *alert_event_json(const struct alert_event *, const char *collector);
char *alert_event_slack(const struct alert_event *, const char *collector);

#endif
