/*
 * alert_event: encode an event as JSON or as a Slack/Mattermost message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "alert_event.h"
#include "json.h"
#include "util.h"

char *
alert_event_json(const struct alert_event *ev, const char *collector)
{
	cJSON *o = cJSON_CreateObject(), *p;

	cJSON_AddStringToObject(o, "event", alert_kind_name(ev->kind));
	if (ev->target != NULL)
		cJSON_AddStringToObject(o, "target", ev->target);
	if (ev->url != NULL)
		cJSON_AddStringToObject(o, "url", ev->url);
	if (ev->group != NULL)
		cJSON_AddStringToObject(o, "group", ev->group);
	if (ev->has_family)
		cJSON_AddStringToObject(o, "family", family_name(ev->family));
	switch (ev->kind) {
	case ALERT_STATE_CHANGED:
		cJSON_AddStringToObject(o, "state", state_name(ev->state));
		cJSON_AddStringToObject(o, "previous",
		    state_name(ev->previous));
		json_add_fixed(o, "since", ev->since, 3);
		break;
	case ALERT_READINESS_CHANGED:
		cJSON_AddBoolToObject(o, "ready", ev->state == STATE_UP);
		cJSON_AddBoolToObject(o, "previous", ev->previous == STATE_UP);
		json_add_fixed(o, "since", ev->since, 3);
		break;
	case ALERT_CERT_EXPIRING:
		cJSON_AddNumberToObject(o, "days_left", ev->days_left);
		cJSON_AddNumberToObject(o, "threshold", ev->threshold);
		break;
	default:
		break;
	}
	if (ev->has_outcome)
		cJSON_AddStringToObject(o, "outcome",
		    outcome_name(ev->outcome));
	if (ev->kind != ALERT_TEST) {
		p = cJSON_AddArrayToObject(o, "probes");
		for (size_t i = 0; i < ev->nprobes; i++)
			cJSON_AddItemToArray(p,
			    cJSON_CreateString(ev->probes[i]));
	}
	cJSON_AddStringToObject(o, "detail", ev->detail);
	cJSON_AddStringToObject(o, "collector", collector);
	json_add_fixed(o, "ts", ev->ts, 3);
	return json_text(o);
}

/* A growing text with Slack's escaping (&, <, >) of what is quoted. */
struct sbuf {
	char  *p;
	size_t len, cap;
};

static void sbuf_add(struct sbuf *, int esc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
sbuf_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sbuf_add(struct sbuf *b, int esc, const char *fmt, ...)
{
	char	buf[4096];
	va_list ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (int i = 0; i < n; i++) {
		const char *rep = NULL;

		if (esc && buf[i] == '&')
			rep = "&amp;";
		else if (esc && buf[i] == '<')
			rep = "&lt;";
		else if (esc && buf[i] == '>')
			rep = "&gt;";
		if (rep != NULL)
			sbuf_put(b, rep, strlen(rep));
		else
			sbuf_put(b, &buf[i], 1);
	}
}

static const char *
fam_label(enum family f)
{
	return f == FAMILY_IPV6 ? "IPv6" : "IPv4";
}

static void
utc(double ts, char *buf, size_t size)
{
	time_t	  t = (time_t)ts;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "%.0f", ts);
}

char *
alert_event_slack(const struct alert_event *ev, const char *collector)
{
	struct sbuf b = {NULL, 0, 0};
	cJSON	   *o;
	char	    when[64];
	char	   *text;

	sbuf_put(&b, "", 0);
	utc(ev->since, when, sizeof(when));
	switch (ev->kind) {
	case ALERT_STATE_CHANGED:
		sbuf_add(&b, 0, "%s ",
		    ev->state == STATE_DOWN ? ":red_circle:" :
					      ":large_green_circle:");
		sbuf_add(&b, 1, "*%s* is %s over %s since %s (was %s)",
		    ev->target, ev->state == STATE_DOWN ? "DOWN" : "UP",
		    fam_label(ev->family), when, state_name(ev->previous));
		if (ev->state == STATE_DOWN)
			sbuf_add(&b, 1, ": %s", outcome_name(ev->outcome));
		break;
	case ALERT_READINESS_CHANGED:
		sbuf_add(&b, 0, "%s ",
		    ev->state == STATE_UP ? ":white_check_mark:" : ":warning:");
		sbuf_add(&b, 1, "*%s* is %s for IPv6 since %s", ev->target,
		    ev->state == STATE_UP ? "ready" : "no longer ready", when);
		break;
	case ALERT_CERT_EXPIRING:
		sbuf_add(&b, 0, ":hourglass: ");
		sbuf_add(&b, 1,
		    "*%s*: the certificate expires in %d day%s (%s)",
		    ev->target, ev->days_left, ev->days_left == 1 ? "" : "s",
		    fam_label(ev->family));
		break;
	default:
		sbuf_add(&b, 1, "v6watch test event");
		break;
	}
	if (ev->url != NULL)
		sbuf_add(&b, 1, " %s", ev->url);
	if (ev->detail[0] != '\0')
		sbuf_add(&b, 1, "\n> %s", ev->detail);
	sbuf_add(&b, 1, "\n_v6watch collector %s_", collector);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "text", b.p);
	free(b.p);
	text = json_text(o);
	return text;
}
