/*
 * alert_event: the body of one event as a webhook receives it -- JSON
 * (format = "json", schema in contrib/webhook-event.schema.json), a
 * Slack/Mattermost message {"text": "..."} (format = "slack"), a Telegram
 * Bot API sendMessage (HTML parse mode), a Teams Workflow message holding
 * an Adaptive Card 1.4, or alerts for Alertmanager's POST /api/v2/alerts.
 * Pure: the same message always gives the same bytes (times in local time
 * follow TZ).
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

#include <stddef.h>

struct alert_event;

/* NUL-terminated texts (caller frees with cJSON_free); times in UTC. */
char *alert_event_json(const struct alert_event *, const char *collector);
char *alert_event_slack(const struct alert_event *, const char *collector);

/* One event with what a person needs to act on it. */
struct alert_msg {
	const struct alert_event *ev;
	const char		 *collector;
	const char		 *title;    /* the target's title; NULL none */
	const char		 *page_url; /* its page; NULL none */
	double			  down_since; /* a recovery: outage began; 0 */
	int			  utc;	      /* UTC, not local time */
	/* alertmanager: ev is the problem; resolved_at when it ended (0:
	 * firing) */
	double resolved_at;
};

/*
 * 1 when ev opens a problem (state down, not ready), 2 when it ends one
 * (up, ready again), 0 for one-shot events (cert_expiring, test).
 */
int alert_event_phase(const struct alert_event *);

/*
 * JSON adds "title", "page" and "down_for" (seconds) when known.
 * Telegram: {"chat_id","text","parse_mode":"HTML",...}; text escaped for
 * HTML (&, <, >, and '"' in links). Teams: {"type":"message",
 * "attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",
 * "content":{AdaptiveCard 1.4: TextBlocks, a FactSet, a link}}]}.
 */
char *alert_msg_json(const struct alert_msg *);
char *alert_msg_slack(const struct alert_msg *);
char *alert_msg_telegram(const struct alert_msg *, const char *chat_id);
char *alert_msg_teams(const struct alert_msg *);
/*
 * Alertmanager: a JSON array of n postable alerts [{"labels",
 * "annotations","startsAt","endsAt","generatorURL"}]. Labels: alertname
 * (V6watchTargetDown, V6watchNotReady, V6watchCertExpiring, V6watchTest),
 * collector, target, title (the target's title, else its name), group,
 * family, probes (comma-separated, sorted as given). A firing problem has
 * no endsAt (Alertmanager resolves it after its resolve_timeout unless it
 * is sent again); a resolved one ends at resolved_at; cert_expiring lasts
 * a day, test five minutes.
 */
char *alert_msg_alertmanager(const struct alert_msg *, size_t n);

#endif
