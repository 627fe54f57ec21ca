/*
 * alert_event: encode an event as JSON or as a Slack/Mattermost message;
 * people's messages in the language spoken, machine fields never.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "alert_event.h"
#include "i18n.h"
#include "json.h"
#include "util.h"

int
alert_event_phase(const struct alert_event *ev)
{
	if (ev->kind != ALERT_STATE_CHANGED &&
	    ev->kind != ALERT_READINESS_CHANGED)
		return 0;
	if (ev->state == STATE_DOWN)
		return 1;
	return ev->state == STATE_UP ? 2 : 0;
}

char *
alert_event_json(const struct alert_event *ev, const char *collector)
{
	struct alert_msg m = {ev, collector, NULL, NULL, 0, 1, 0};

	return alert_msg_json(&m);
}

char *
alert_msg_json(const struct alert_msg *m)
{
	const struct alert_event *ev = m->ev;
	cJSON			 *o = cJSON_CreateObject(), *p;

	cJSON_AddStringToObject(o, "event", alert_kind_name(ev->kind));
	if (ev->target != NULL)
		cJSON_AddStringToObject(o, "target", ev->target);
	if (m->title != NULL)
		cJSON_AddStringToObject(o, "title", m->title);
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
	if (m->down_since > 0 && alert_event_phase(ev) == 2)
		json_add_fixed(o, "down_for",
		    ev->since > m->down_since ? ev->since - m->down_since : 0,
		    3);
	if (m->page_url != NULL)
		cJSON_AddStringToObject(o, "page", m->page_url);
	cJSON_AddStringToObject(o, "detail", ev->detail);
	cJSON_AddStringToObject(o, "collector", m->collector);
	json_add_fixed(o, "ts", ev->ts, 3);
	return json_text(o);
}

/* A growing text with Slack's and HTML's escaping (&, <, >; esc 2: and
 * '"', for an attribute) of what is quoted. */
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
		else if (esc == 2 && buf[i] == '"')
			rep = "&quot;";
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

/* The words of an outcome in messages: its name in English (as the
 * JSON's), words in another language. */
static const char *const outcome_words[OUTCOME__N] = {
    [OUTCOME_OK] = NC_("outcome", "ok"),
    [OUTCOME_NO_ADDRESS] = NC_("outcome", "no_address"),
    [OUTCOME_DNS_ERROR] = NC_("outcome", "dns_error"),
    [OUTCOME_TIMEOUT] = NC_("outcome", "timeout"),
    [OUTCOME_REFUSED] = NC_("outcome", "refused"),
    [OUTCOME_UNREACHABLE] = NC_("outcome", "unreachable"),
    [OUTCOME_TLS_ERROR] = NC_("outcome", "tls_error"),
    [OUTCOME_CERT_EXPIRED] = NC_("outcome", "cert_expired"),
    [OUTCOME_CERT_NAME_MISMATCH] = NC_("outcome", "cert_name_mismatch"),
    [OUTCOME_CERT_UNTRUSTED] = NC_("outcome", "cert_untrusted"),
    [OUTCOME_HTTP_ERROR] = NC_("outcome", "http_error"),
    [OUTCOME_STALL] = NC_("outcome", "stall"),
    [OUTCOME_ERROR] = NC_("outcome", "error"),
};

static const char *
outcome_text(enum outcome o)
{
	return (unsigned)o < OUTCOME__N && outcome_words[o] != NULL ?
	    C_("outcome", outcome_words[o]) :
	    outcome_name(o);
}

/* A state's name ("up", "down") in the language spoken. */
static const char *
state_text(enum state s)
{
	return C_("state", state_name(s));
}

/* A time as people read it: local time (the collector's zone) in the
 * language's form, zone named, or UTC. */
static void
when(double ts, int in_utc, char *buf, size_t size)
{
	time_t	  t = (time_t)ts;
	struct tm tm;

	if (!in_utc) {
		i18n_time_s(ts, buf, size);
		return;
	}
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "%.0f", ts);
}

/* "3 d 4 h", "2 h 5 min", "12 min", "40 s" (the site's words). */
static void
duration(double s, char *buf, size_t size)
{
	long long v = s > 0 ? (long long)(s + 0.5) : 0;

	if (v >= 86400)
		snprintf(buf, size, _("%lld d %lld h"), v / 86400,
		    v % 86400 / 3600);
	else if (v >= 3600)
		snprintf(buf, size, _("%lld h %lld min"), v / 3600,
		    v % 3600 / 60);
	else if (v >= 60)
		snprintf(buf, size, _("%lld min"), v / 60);
	else
		snprintf(buf, size, _("%lld s"), v);
}

/* The target as people know it: "Title (name)", or the name. */
static void
display_name(const struct alert_msg *m, char *buf, size_t size)
{
	const char *t = m->ev->target != NULL ? m->ev->target : "-";

	if (m->title != NULL && m->title[0] != '\0' && strcmp(m->title, t) != 0)
		snprintf(buf, size, "%s (%s)", m->title, t);
	else
		snprintf(buf, size, "%s", t);
}

/* How long the outage a recovery ends lasted; "" unknown. */
static void
down_for(const struct alert_msg *m, char *buf, size_t size)
{
	buf[0] = '\0';
	if (m->down_since > 0 && alert_event_phase(m->ev) == 2 &&
	    m->ev->since >= m->down_since)
		duration(m->ev->since - m->down_since, buf, size);
}

char *
alert_event_slack(const struct alert_event *ev, const char *collector)
{
	struct alert_msg m = {ev, collector, NULL, NULL, 0, 1, 0};

	return alert_msg_slack(&m);
}

char *
alert_msg_slack(const struct alert_msg *m)
{
	const struct alert_event *ev = m->ev;
	struct sbuf		  b = {NULL, 0, 0};
	cJSON			 *o;
	char			  at[64], name[2 * RESULT_NAME_MAX + 8], d[64];
	char			 *text;

	sbuf_put(&b, "", 0);
	when(ev->since, m->utc, at, sizeof(at));
	display_name(m, name, sizeof(name));
	down_for(m, d, sizeof(d));
	switch (ev->kind) {
	case ALERT_STATE_CHANGED:
		sbuf_add(&b, 0, "%s ",
		    ev->state == STATE_DOWN ? ":red_circle:" :
					      ":large_green_circle:");
		/* TRANSLATORS: Slack: the target (between *, bold), the
		 * family, since when, the state before. */
		if (ev->state == STATE_DOWN)
			sbuf_add(&b, 1,
			    _("*%s* is DOWN over %s since %s (was %s)"), name,
			    fam_label(ev->family), at,
			    state_text(ev->previous));
		else
			sbuf_add(&b, 1,
			    _("*%s* is UP over %s since %s (was %s)"), name,
			    fam_label(ev->family), at,
			    state_text(ev->previous));
		if (ev->state == STATE_DOWN)
			sbuf_add(&b, 1, ": %s", outcome_text(ev->outcome));
		else if (d[0] != '\0')
			/* TRANSLATORS: how long the outage lasted. */
			sbuf_add(&b, 1, _(", after %s down"), d);
		break;
	case ALERT_READINESS_CHANGED:
		sbuf_add(&b, 0, "%s ",
		    ev->state == STATE_UP ? ":white_check_mark:" : ":warning:");
		if (ev->state == STATE_UP)
			sbuf_add(&b, 1, _("*%s* is ready for IPv6 since %s"),
			    name, at);
		else
			sbuf_add(&b, 1,
			    _("*%s* is no longer ready for IPv6 since %s"),
			    name, at);
		if (d[0] != '\0')
			sbuf_add(&b, 1, _(", after %s"), d);
		break;
	case ALERT_CERT_EXPIRING:
		sbuf_add(&b, 0, ":hourglass: ");
		sbuf_add(&b, 1,
		    ngettext("*%s*: the certificate expires in %d day (%s)",
			"*%s*: the certificate expires in %d days (%s)",
			(unsigned long)(ev->days_left < 0 ? 0 : ev->days_left)),
		    name, ev->days_left, fam_label(ev->family));
		break;
	default:
		sbuf_add(&b, 1, "%s", _("v6watch test event"));
		break;
	}
	if (ev->url != NULL)
		sbuf_add(&b, 1, " %s", ev->url);
	if (ev->detail[0] != '\0')
		sbuf_add(&b, 1, "\n> %s", ev->detail);
	if (m->page_url != NULL) {
		sbuf_add(&b, 0, "\n<");
		sbuf_add(&b, 1, "%s", m->page_url);
		sbuf_add(&b, 0, "|");
		sbuf_add(&b, 1, "%s", _("Target page"));
		sbuf_add(&b, 0, ">");
	}
	sbuf_add(&b, 0, "\n_");
	sbuf_add(&b, 1, _("v6watch collector %s"), m->collector);
	sbuf_add(&b, 0, "_");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "text", b.p);
	free(b.p);
	text = json_text(o);
	return text;
}

/* The headline and facts the chat formats share. */
struct facts {
	char	    headline[2 * RESULT_NAME_MAX + 128];
	const char *title[10];
	char	    value[10][ALERT_DETAIL_MAX + 64];
	size_t	    n;
	int	    bad; /* 1 problem, 0 good news, -1 neither */
};

static void facts_add(struct facts *, const char *title, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
facts_add(struct facts *f, const char *title, const char *fmt, ...)
{
	va_list ap;

	if (f->n >= NELEM(f->title))
		return;
	va_start(ap, fmt);
	vsnprintf(f->value[f->n], sizeof(f->value[f->n]), fmt, ap);
	va_end(ap);
	f->title[f->n++] = title;
}

static void
facts_build(const struct alert_msg *m, struct facts *f)
{
	const struct alert_event *ev = m->ev;
	char   name[2 * RESULT_NAME_MAX + 8], at[64], d[64], probes[512];
	size_t pn = 0;

	memset(f, 0, sizeof(*f));
	display_name(m, name, sizeof(name));
	when(ev->kind == ALERT_TEST || ev->kind == ALERT_CERT_EXPIRING ?
		ev->ts :
		ev->since,
	    m->utc, at, sizeof(at));
	down_for(m, d, sizeof(d));
	f->bad = -1;
	switch (ev->kind) {
	case ALERT_STATE_CHANGED:
		f->bad = ev->state == STATE_DOWN;
		/* TRANSLATORS: headlines: the target, the family. */
		if (f->bad)
			snprintf(f->headline, sizeof(f->headline),
			    _("%s is DOWN over %s"), name,
			    fam_label(ev->family));
		else if (d[0] != '\0')
			/* TRANSLATORS: the target, the family, how long
			 * the outage lasted. */
			snprintf(f->headline, sizeof(f->headline),
			    _("%s is back UP over %s after %s"), name,
			    fam_label(ev->family), d);
		else
			snprintf(f->headline, sizeof(f->headline),
			    _("%s is back UP over %s"), name,
			    fam_label(ev->family));
		break;
	case ALERT_READINESS_CHANGED:
		f->bad = ev->state != STATE_UP;
		snprintf(f->headline, sizeof(f->headline),
		    f->bad ? _("%s is no longer ready for IPv6") :
			     _("%s is ready again for IPv6"),
		    name);
		break;
	case ALERT_CERT_EXPIRING:
		f->bad = 1;
		snprintf(f->headline, sizeof(f->headline),
		    ngettext("%s: the certificate expires in %d day",
			"%s: the certificate expires in %d days",
			(unsigned long)(ev->days_left < 0 ? 0 : ev->days_left)),
		    name, ev->days_left);
		break;
	default:
		snprintf(f->headline, sizeof(f->headline), "%s",
		    _("v6watch test event"));
		break;
	}
	/* TRANSLATORS: the names of a message's facts. */
	facts_add(f,
	    ev->kind == ALERT_STATE_CHANGED ||
		    ev->kind == ALERT_READINESS_CHANGED ?
		_("Since") :
		_("At"),
	    "%s", at);
	if (d[0] != '\0')
		facts_add(f, _("Down for"), "%s", d);
	if (ev->kind == ALERT_STATE_CHANGED && ev->state == STATE_DOWN &&
	    ev->has_outcome)
		facts_add(f, _("Outcome"), "%s", outcome_text(ev->outcome));
	if (ev->group != NULL && ev->group[0] != '\0')
		facts_add(f, _("Group"), "%s", ev->group);
	if (ev->url != NULL)
		facts_add(f, _("URL"), "%s", ev->url);
	probes[0] = '\0';
	for (size_t i = 0; i < ev->nprobes && pn < sizeof(probes); i++)
		pn += (size_t)snprintf(probes + pn, sizeof(probes) - pn, "%s%s",
		    i > 0 ? ", " : "", ev->probes[i]);
	if (probes[0] != '\0')
		facts_add(f, _("Probes"), "%s", probes);
	if (ev->detail[0] != '\0')
		facts_add(f, _("Details"), "%s", ev->detail);
	facts_add(f, _("Collector"), "%s", m->collector);
}

char *
alert_msg_telegram(const struct alert_msg *m, const char *chat_id)
{
	struct facts f;
	struct sbuf  b = {NULL, 0, 0};
	cJSON	    *o;

	facts_build(m, &f);
	sbuf_put(&b, "", 0);
	/* Emoji as characters: Telegram shows no shortcodes. */
	if (f.bad == 1)
		sbuf_put(&b, "\xf0\x9f\x94\xb4 ", 5); /* red circle */
	else if (f.bad == 0)
		sbuf_put(&b, "\xe2\x9c\x85 ", 4); /* check mark */
	sbuf_add(&b, 0, "<b>");
	sbuf_add(&b, 1, "%s", f.headline);
	sbuf_add(&b, 0, "</b>");
	for (size_t i = 0; i < f.n; i++) {
		sbuf_add(&b, 0, "\n%s: ", f.title[i]);
		sbuf_add(&b, 1, "%s", f.value[i]);
	}
	if (m->page_url != NULL) {
		sbuf_add(&b, 0, "\n<a href=\"");
		sbuf_add(&b, 2, "%s", m->page_url);
		sbuf_add(&b, 0, "\">");
		sbuf_add(&b, 1, "%s", _("Target page"));
		sbuf_add(&b, 0, "</a>");
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "chat_id", chat_id != NULL ? chat_id : "");
	cJSON_AddStringToObject(o, "text", b.p);
	cJSON_AddStringToObject(o, "parse_mode", "HTML");
	cJSON_AddBoolToObject(o, "disable_web_page_preview", 1);
	free(b.p);
	return json_text(o);
}

char *
alert_msg_teams(const struct alert_msg *m)
{
	struct facts f;
	cJSON *o = cJSON_CreateObject(), *atts, *att, *card, *body, *tb, *fs,
	      *facts, *fact, *acts, *act;

	facts_build(m, &f);
	cJSON_AddStringToObject(o, "type", "message");
	atts = cJSON_AddArrayToObject(o, "attachments");
	cJSON_AddItemToArray(atts, att = cJSON_CreateObject());
	cJSON_AddStringToObject(att, "contentType",
	    "application/vnd.microsoft.card.adaptive");
	cJSON_AddNullToObject(att, "contentUrl");
	card = cJSON_AddObjectToObject(att, "content");
	cJSON_AddStringToObject(card, "$schema",
	    "http://adaptivecards.io/schemas/adaptive-card.json");
	cJSON_AddStringToObject(card, "type", "AdaptiveCard");
	cJSON_AddStringToObject(card, "version", "1.4");
	body = cJSON_AddArrayToObject(card, "body");
	cJSON_AddItemToArray(body, tb = cJSON_CreateObject());
	cJSON_AddStringToObject(tb, "type", "TextBlock");
	cJSON_AddStringToObject(tb, "text", f.headline);
	cJSON_AddStringToObject(tb, "size", "Medium");
	cJSON_AddStringToObject(tb, "weight", "Bolder");
	if (f.bad >= 0)
		cJSON_AddStringToObject(tb, "color",
		    f.bad ? "Attention" : "Good");
	cJSON_AddBoolToObject(tb, "wrap", 1);
	cJSON_AddItemToArray(body, fs = cJSON_CreateObject());
	cJSON_AddStringToObject(fs, "type", "FactSet");
	facts = cJSON_AddArrayToObject(fs, "facts");
	for (size_t i = 0; i < f.n; i++) {
		cJSON_AddItemToArray(facts, fact = cJSON_CreateObject());
		cJSON_AddStringToObject(fact, "title", f.title[i]);
		cJSON_AddStringToObject(fact, "value", f.value[i]);
	}
	if (m->page_url != NULL) {
		acts = cJSON_AddArrayToObject(card, "actions");
		cJSON_AddItemToArray(acts, act = cJSON_CreateObject());
		cJSON_AddStringToObject(act, "type", "Action.OpenUrl");
		cJSON_AddStringToObject(act, "title", _("Target page"));
		cJSON_AddStringToObject(act, "url", m->page_url);
	}
	return json_text(o);
}

/* RFC 3339 in UTC, to the millisecond. */
static void
rfc3339(double ts, char *buf, size_t size)
{
	time_t	  t = (time_t)ts;
	struct tm tm;
	int	  ms = (int)((ts - (double)t) * 1000);
	char	  s[32];

	if (ms < 0 || ms > 999)
		ms = 0;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(s, sizeof(s), "1970-01-01T00:00:00");
	snprintf(buf, size, "%s.%03dZ", s, ms);
}

static const char *
am_alertname(enum alert_kind k)
{
	switch (k) {
	case ALERT_STATE_CHANGED:
		return "V6watchTargetDown";
	case ALERT_READINESS_CHANGED:
		return "V6watchNotReady";
	case ALERT_CERT_EXPIRING:
		return "V6watchCertExpiring";
	default:
		return "V6watchTest";
	}
}

static void
am_alert(cJSON *arr, const struct alert_msg *m)
{
	const struct alert_event *ev = m->ev;
	struct facts		  f;
	cJSON			 *a, *l, *an;
	char			  probes[1024], t[64], desc[2048];
	size_t			  pn = 0, dn = 0;
	double			  start, end = 0;

	facts_build(m, &f);
	cJSON_AddItemToArray(arr, a = cJSON_CreateObject());
	l = cJSON_AddObjectToObject(a, "labels");
	cJSON_AddStringToObject(l, "alertname", am_alertname(ev->kind));
	cJSON_AddStringToObject(l, "collector", m->collector);
	if (ev->target != NULL) {
		cJSON_AddStringToObject(l, "target", ev->target);
		cJSON_AddStringToObject(l, "title",
		    m->title != NULL && m->title[0] != '\0' ? m->title :
							      ev->target);
	}
	if (ev->group != NULL && ev->group[0] != '\0')
		cJSON_AddStringToObject(l, "group", ev->group);
	if (ev->has_family)
		cJSON_AddStringToObject(l, "family", family_name(ev->family));
	probes[0] = '\0';
	for (size_t i = 0; i < ev->nprobes && pn < sizeof(probes); i++)
		pn += (size_t)snprintf(probes + pn, sizeof(probes) - pn, "%s%s",
		    i > 0 ? "," : "", ev->probes[i]);
	if (probes[0] != '\0')
		cJSON_AddStringToObject(l, "probes", probes);
	an = cJSON_AddObjectToObject(a, "annotations");
	cJSON_AddStringToObject(an, "summary", f.headline);
	desc[0] = '\0';
	for (size_t i = 0; i < f.n && dn < sizeof(desc); i++)
		dn += (size_t)snprintf(desc + dn, sizeof(desc) - dn, "%s%s: %s",
		    i > 0 ? "\n" : "", f.title[i], f.value[i]);
	cJSON_AddStringToObject(an, "description", desc);
	if (m->page_url != NULL)
		cJSON_AddStringToObject(an, "page", m->page_url);
	switch (ev->kind) {
	case ALERT_STATE_CHANGED:
	case ALERT_READINESS_CHANGED:
		start = ev->since;
		if (m->resolved_at > 0)
			end = m->resolved_at > start ? m->resolved_at :
						       start + 0.001;
		break;
	case ALERT_CERT_EXPIRING:
		start = ev->ts;
		end = ev->ts + 86400;
		break;
	default:
		start = ev->ts;
		end = ev->ts + 300;
		break;
	}
	rfc3339(start, t, sizeof(t));
	cJSON_AddStringToObject(a, "startsAt", t);
	if (end > 0) {
		rfc3339(end, t, sizeof(t));
		cJSON_AddStringToObject(a, "endsAt", t);
	}
	if (m->page_url != NULL)
		cJSON_AddStringToObject(a, "generatorURL", m->page_url);
}

char *
alert_msg_alertmanager(const struct alert_msg *m, size_t n)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		am_alert(arr, &m[i]);
	return json_text(arr);
}
