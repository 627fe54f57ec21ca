/*
 * status: build the status document from the ledgers, the alert state and
 * the webhooks, sorted by target, family and probe so that it reads (and
 * diffs) well.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "collector.h"
#include "conf.h"
#include "json.h"
#include "ledger.h"
#include "status.h"
#include "targets.h"
#include "util.h"
#include "webhook.h"

static int
status_row_cmp(const void *a, const void *b)
{
	const struct ledger_row *x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->s->name, y->s->name)) != 0)
		return c;
	if (x->s->family != y->s->family)
		return x->s->family < y->s->family ? -1 : 1;
	return strcmp(x->lg->name, y->lg->name);
}

static void
status_check(cJSON *a, const struct ledger_row *row, double now)
{
	const struct series *s = row->s;
	cJSON		    *o = cJSON_CreateObject(), *w;
	int		     silent = now - s->ts > row->lg->sc.silent_s;

	cJSON_AddItemToArray(a, o);
	cJSON_AddStringToObject(o, "target", s->name);
	cJSON_AddStringToObject(o, "family", family_name(s->family));
	cJSON_AddStringToObject(o, "probe", row->lg->name);
	if (s->url != NULL)
		cJSON_AddStringToObject(o, "url", s->url);
	if (s->group != NULL)
		cJSON_AddStringToObject(o, "group", s->group);
	/* The probe's view as its records left it; the states over all
	 * probes ("states") count a silent probe as unknown. */
	cJSON_AddStringToObject(o, "state", state_name(s->sm.state));
	cJSON_AddNumberToObject(o, "since", s->sm.since);
	cJSON_AddStringToObject(o, "outcome", outcome_name(s->outcome));
	w = cJSON_AddArrayToObject(o, "warnings");
	for (int i = 0; i < WARN__N; i++)
		if (s->warnings & WARN_BIT(i))
			cJSON_AddItemToArray(w,
			    cJSON_CreateString(warning_name(i)));
	cJSON_AddNumberToObject(o, "seq", (double)s->seq);
	cJSON_AddNumberToObject(o, "ts", s->ts);
	if (silent)
		cJSON_AddBoolToObject(o, "silent", 1);
}

static void
status_traffic(cJSON *a, const struct ledger_row *row)
{
	const struct series	    *s = row->s;
	const struct result_traffic *t = &s->traffic;
	cJSON			    *o = cJSON_CreateObject();

	cJSON_AddItemToArray(a, o);
	cJSON_AddStringToObject(o, "probe", row->lg->name);
	cJSON_AddStringToObject(o, "iface", s->name);
	cJSON_AddNumberToObject(o, "seq", (double)s->seq);
	cJSON_AddNumberToObject(o, "ts", s->ts);
	cJSON_AddNumberToObject(o, "interval_s", t->interval_s);
	cJSON_AddNumberToObject(o, "bytes_ipv6", (double)t->bytes[0]);
	cJSON_AddNumberToObject(o, "bytes_ipv4", (double)t->bytes[1]);
}

/* Every target x family over all probes, with its recent changes. */
static void
status_states(cJSON *root, const struct alert *al, const struct target_list *tl)
{
	cJSON *a = cJSON_AddArrayToObject(root, "states");
	double now = now_wall();

	for (size_t i = 0; i < alert_count(al); i++) {
		const struct alert_target *t = alert_target_at(al, i);
		const struct maint_window *w = alert_maint(al, t, now);

		for (int f = 0; f < FAMILY__N; f++) {
			const struct alert_state  *st = &t->fam[f];
			const struct alert_change *c;
			const struct ctarget	  *ct;
			cJSON			  *o, *ch;

			if (st->since == 0)
				continue;
			o = cJSON_CreateObject();
			cJSON_AddItemToArray(a, o);
			cJSON_AddStringToObject(o, "target", t->name);
			if (tl != NULL &&
			    (ct = targets_find(tl, t->name)) != NULL)
				cJSON_AddStringToObject(o, "title", ct->title);
			cJSON_AddStringToObject(o, "family", family_name(f));
			if (t->url != NULL)
				cJSON_AddStringToObject(o, "url", t->url);
			cJSON_AddStringToObject(o, "state",
			    state_name(st->state));
			cJSON_AddNumberToObject(o, "since", st->since);
			if (st->state == STATE_DOWN)
				cJSON_AddStringToObject(o, "outcome",
				    outcome_name(st->outcome));
			if (f == FAMILY_IPV6 && t->ready != STATE_UNKNOWN)
				cJSON_AddBoolToObject(o, "ready",
				    t->ready == STATE_UP);
			if (t->has_cert)
				cJSON_AddNumberToObject(o, "cert_days",
				    t->cert_days);
			if (w != NULL) {
				cJSON *m =
				    cJSON_AddObjectToObject(o, "maintenance");

				cJSON_AddStringToObject(m, "id", w->id);
				cJSON_AddNumberToObject(m, "from", w->from);
				cJSON_AddNumberToObject(m, "until", w->to);
				if (w->reason != NULL)
					cJSON_AddStringToObject(m, "reason",
					    w->reason);
			}
			ch = cJSON_AddArrayToObject(o, "changes");
			for (size_t k = 0; (c = alert_change_at(st, k)) != NULL;
			     k++) {
				cJSON *e = cJSON_CreateObject();

				cJSON_AddItemToArray(ch, e);
				cJSON_AddNumberToObject(e, "ts", c->ts);
				cJSON_AddStringToObject(e, "from",
				    state_name(c->from));
				cJSON_AddStringToObject(e, "to",
				    state_name(c->to));
				cJSON_AddStringToObject(e, "outcome",
				    outcome_name(c->outcome));
			}
		}
	}
}

/* Every webhook's queue, counters and last delivery error. */
static void
status_webhooks(cJSON *root, const struct webhooks *ws)
{
	cJSON *a = cJSON_AddArrayToObject(root, "webhooks");

	for (size_t i = 0; ws != NULL && i < webhooks_count(ws); i++) {
		struct webhook_stats st;
		cJSON		    *o = cJSON_CreateObject();

		webhooks_stats(ws, i, &st);
		cJSON_AddItemToArray(a, o);
		cJSON_AddStringToObject(o, "name", st.name);
		cJSON_AddNumberToObject(o, "queued", (double)st.queued);
		cJSON_AddNumberToObject(o, "delivered", (double)st.delivered);
		cJSON_AddNumberToObject(o, "failed", (double)st.failed);
		cJSON_AddNumberToObject(o, "given_up", (double)st.given_up);
		cJSON_AddNumberToObject(o, "dropped", (double)st.dropped);
		cJSON_AddNumberToObject(o, "attempts", st.attempts);
		cJSON_AddNumberToObject(o, "last_ok", st.last_ok);
		if (st.last_error[0] != '\0') {
			cJSON_AddStringToObject(o, "last_error", st.last_error);
			cJSON_AddNumberToObject(o, "last_error_ts",
			    st.last_error_ts);
		}
	}
}

char *
status_json(const struct collector *co, double now)
{
	struct ledger_row *rows;
	size_t		   n;
	cJSON		  *root = cJSON_CreateObject(), *checks, *traffic, *pa;

	rows = ledger_rows(co->ledgers, co->nledgers, &n);
	qsort(rows, n, sizeof(*rows), status_row_cmp);

	cJSON_AddStringToObject(root, "collector", co->conf->name);
	cJSON_AddNumberToObject(root, "now", now);
	cJSON_AddNumberToObject(root, "started", co->started);
	checks = cJSON_AddArrayToObject(root, "targets");
	traffic = cJSON_AddArrayToObject(root, "traffic");
	for (size_t i = 0; i < n; i++) {
		if (rows[i].s->kind == RESULT_TRAFFIC)
			status_traffic(traffic, &rows[i]);
		else
			status_check(checks, &rows[i], now);
	}
	status_states(root, co->alert, co->conf->targets);
	status_webhooks(root, co->webhooks);
	pa = cJSON_AddArrayToObject(root, "probes");
	for (size_t i = 0; i < co->nledgers; i++) {
		const struct ledger *lg = co->ledgers[i];
		cJSON		    *o = cJSON_CreateObject();

		cJSON_AddItemToArray(pa, o);
		cJSON_AddStringToObject(o, "name", lg->name);
		cJSON_AddNumberToObject(o, "last_seq", (double)lg->last_seq);
		cJSON_AddNumberToObject(o, "stored", (double)lg->stored);
		cJSON_AddNumberToObject(o, "rejected", (double)lg->rejected);
		/* stored + rejected + missing == last_seq - base_seq */
		cJSON_AddNumberToObject(o, "missing", (double)lg->missing);
		cJSON_AddNumberToObject(o, "base_seq", (double)lg->base_seq);
		cJSON_AddStringToObject(o, "spool", lg->spool);
		cJSON_AddNumberToObject(o, "resets", (double)lg->resets);
		if (lg->resets > 0) {
			cJSON_AddNumberToObject(o, "reset_at", lg->reset_at);
			cJSON_AddStringToObject(o, "reset_reason",
			    ledger_reset_name(lg->reset_reason));
		} else {
			cJSON_AddNullToObject(o, "reset_at");
			cJSON_AddNullToObject(o, "reset_reason");
		}
		cJSON_AddNumberToObject(o, "last_seen", lg->last_seen);
		cJSON_AddBoolToObject(o, "configured",
		    collector_conf_probe(co->conf, lg->name) != NULL);
	}
	free(rows);
	return json_text(root);
}
