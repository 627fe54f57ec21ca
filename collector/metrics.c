/*
 * metrics: render the Prometheus page from the ledgers and counters.
 * The names are part of the contract (DESIGN.md); a name with a unit in
 * it keeps the unit the records use (milliseconds, days).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "collector.h"
#include "conf.h"
#include "ledger.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "table.h"
#include "util.h"
#include "webhook.h"

/* A label value escaped: each byte may become two. */
#define LV_MAX (2 * RESULT_NAME_MAX)

struct mbuf {
	char  *p;
	size_t len, cap;
};

static void mbuf_printf(struct mbuf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
mbuf_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			fatalx("metrics: vsnprintf");
		if ((size_t)n < b->cap - b->len)
			break;
		b->cap = b->cap * 2 + (size_t)n;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	b->len += (size_t)n;
}

int
metrics_escape(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		const char *rep = NULL;

		if (*in == '\\')
			rep = "\\\\";
		else if (*in == '"')
			rep = "\\\"";
		else if (*in == '\n')
			rep = "\\n";
		if (n + (rep != NULL ? 2 : 1) >= size)
			return -1;
		if (rep != NULL) {
			out[n++] = rep[0];
			out[n++] = rep[1];
		} else
			out[n++] = *in;
	}
	if (n >= size)
		return -1;
	out[n] = '\0';
	return 0;
}

/* Escape s into one of a few rotating static buffers (for one printf). */
static const char *
lv(const char *s)
{
	static char buf[4][LV_MAX + 1];
	static int  i;

	i = (i + 1) % 4;
	if (metrics_escape(s, buf[i], sizeof(buf[i])) == -1)
		buf[i][0] = '\0';
	return buf[i];
}

static void
metrics_head(struct mbuf *b, const char *name, const char *type,
    const char *help)
{
	mbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The family's one check series of the same target, or NULL. */
static const struct series *
metrics_sibling(struct ledger *lg, const struct series *s)
{
	const struct series *o = ledger_series(lg, RESULT_CHECK, s->name,
	    s->family == FAMILY_IPV6 ? FAMILY_IPV4 : FAMILY_IPV6, 0);

	return o != NULL && o->seq != 0 ? o : NULL;
}

struct ready_acc {
	int seen, ready;
};

static void
metrics_ready(struct mbuf *b, const struct ledger_row *rows, size_t nrows)
{
	struct table	  *t = table_new();
	struct ready_acc **accs = NULL;
	const char	 **names = NULL;
	size_t		   n = 0, cap = 0;

	metrics_head(b, "v6watch_target_ready", "gauge",
	    "1 when the last IPv6 check of the target from every probe was ok with the same content as over IPv4 (probe_offline records are ignored).");
	for (size_t k = 0; k < nrows; k++) {
		const struct series *s = rows[k].s;
		struct ready_acc    *a;
		int		     r;

		if (s->kind != RESULT_CHECK || s->family != FAMILY_IPV6 ||
		    (s->warnings & WARN_BIT(WARN_PROBE_OFFLINE)))
			continue;
		a = table_get(t, s->name, strlen(s->name));
		if (a == NULL) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				accs = xreallocarray(accs, cap, sizeof(*accs));
				names =
				    xreallocarray(names, cap, sizeof(*names));
			}
			a = accs[n] = xcalloc(1, sizeof(*a));
			a->ready = 1;
			names[n++] = s->name;
			table_put(t, s->name, strlen(s->name), a);
		}
		r = s->ready >= 0 ?
		    s->ready :
		    (s->outcome == OUTCOME_OK &&
			!(s->warnings & WARN_BIT(WARN_CONTENT_MISMATCH)));
		a->seen = 1;
		a->ready &= r;
	}
	for (size_t i = 0; i < n; i++) {
		mbuf_printf(b, "v6watch_target_ready{target=\"%s\"} %d\n",
		    lv(names[i]), accs[i]->ready);
		free(accs[i]);
	}
	free(accs);
	free(names);
	table_free(t);
}

static void
metrics_series(struct mbuf *b, const struct ledger_row *rows, size_t n)
{
	struct ledger *lg;
	struct series *s;

#define EACH_ROW(k) \
	for (size_t k = 0; k < n && (lg = rows[k].lg, s = rows[k].s, 1); k++)

	metrics_head(b, "v6watch_target_up", "gauge",
	    "1 when the target is up over the family as seen by the probe, 0 when down (down_after failed checks in a row, up_after good ones); no sample while unknown (probe offline). A silent probe's last view stays: see v6watch_target_state.");
	EACH_ROW(k)
	{
		if (s->kind != RESULT_CHECK || s->sm.state == STATE_UNKNOWN)
			continue;
		mbuf_printf(b,
		    "v6watch_target_up{target=\"%s\",family=\"%s\",probe=\"%s\"} %d\n",
		    lv(s->name), family_name(s->family), lv(lg->name),
		    s->sm.state == STATE_UP);
	}

	metrics_head(b, "v6watch_phase_milliseconds", "gauge",
	    "Time of each phase of the last check, in milliseconds.");
	EACH_ROW(k)
	{
		for (int p = 0; p < PHASE__N; p++)
			if (s->kind == RESULT_CHECK && s->ms[p] >= 0)
				mbuf_printf(b,
				    "v6watch_phase_milliseconds{target=\"%s\",family=\"%s\",probe=\"%s\",phase=\"%s\"} %.1f\n",
				    lv(s->name), family_name(s->family),
				    lv(lg->name), phase_name(p), s->ms[p]);
	}

	metrics_head(b, "v6watch_cert_days_left", "gauge",
	    "Days until the target's certificate expires (the sooner of both families).");
	EACH_ROW(k)
	{
		const struct series *o;
		int		     days;

		if (s->kind != RESULT_CHECK || !s->has_cert)
			continue;
		o = metrics_sibling(lg, s);
		if (o != NULL && o->has_cert && s->family != FAMILY_IPV6)
			continue; /* the ipv6 series speaks for both */
		days = s->cert_days;
		if (o != NULL && o->has_cert && o->cert_days < days)
			days = o->cert_days;
		mbuf_printf(b,
		    "v6watch_cert_days_left{target=\"%s\",probe=\"%s\"} %d\n",
		    lv(s->name), lv(lg->name), days);
	}

	metrics_head(b, "v6watch_traffic_bytes", "gauge",
	    "Bytes seen by passive capture in its last interval, per family.");
	EACH_ROW(k)
	{
		for (int f = 0; f < 3 && s->kind == RESULT_TRAFFIC; f++)
			mbuf_printf(b,
			    "v6watch_traffic_bytes{probe=\"%s\",iface=\"%s\",family=\"%s\"} %llu\n",
			    lv(lg->name), lv(s->name),
			    f == 0 ? "ipv6" : (f == 1 ? "ipv4" : "other"),
			    (unsigned long long)s->traffic.bytes[f]);
	}
#undef EACH_ROW
}

static void
metrics_probe_counter(struct mbuf *b, struct collector *co, const char *name,
    const char *type, const char *help, size_t off)
{
	metrics_head(b, name, type, help);
	for (size_t i = 0; i < co->nledgers; i++) {
		const struct ledger *lg = co->ledgers[i];

		mbuf_printf(b, "%s{probe=\"%s\"} %llu\n", name, lv(lg->name),
		    (unsigned long long)*(
			const uint64_t *)(const void *)((const char *)lg +
			off));
	}
}

/* Every target x family over all probes: the alert state. */
static void
metrics_states(struct mbuf *b, const struct alert *al)
{
	metrics_head(b, "v6watch_target_state", "gauge",
	    "1 for the state of the target over the family, all probes together (down: at least quorum probes see it down), 0 for the other states.");
	for (size_t i = 0; i < alert_count(al); i++) {
		const struct alert_target *t = alert_target_at(al, i);

		for (int f = 0; f < FAMILY__N; f++)
			for (int st = 0; st < STATE__N && t->fam[f].since != 0;
			     st++)
				mbuf_printf(b,
				    "v6watch_target_state{target=\"%s\",family=\"%s\",state=\"%s\"} %d\n",
				    lv(t->name), family_name(f), state_name(st),
				    t->fam[f].state == (enum state)st);
	}
	metrics_head(b, "v6watch_target_state_since_seconds", "gauge",
	    "Unix time the target's state over the family began.");
	for (size_t i = 0; i < alert_count(al); i++) {
		const struct alert_target *t = alert_target_at(al, i);

		for (int f = 0; f < FAMILY__N; f++)
			if (t->fam[f].since != 0)
				mbuf_printf(b,
				    "v6watch_target_state_since_seconds{target=\"%s\",family=\"%s\"} %.3f\n",
				    lv(t->name), family_name(f),
				    t->fam[f].since);
	}
}

static void
metrics_webhooks(struct mbuf *b, const struct webhooks *ws)
{
	size_t		     n = ws != NULL ? webhooks_count(ws) : 0;
	struct webhook_stats st;

	metrics_head(b, "v6watch_webhook_deliveries_total", "counter",
	    "Webhook delivery attempts by result since the collector started: ok (delivered), failed (to be retried), given_up (older than give_up_after, dropped).");
	for (size_t i = 0; i < n; i++) {
		webhooks_stats(ws, i, &st);
		mbuf_printf(b,
		    "v6watch_webhook_deliveries_total{webhook=\"%s\",result=\"ok\"} %llu\n"
		    "v6watch_webhook_deliveries_total{webhook=\"%s\",result=\"failed\"} %llu\n"
		    "v6watch_webhook_deliveries_total{webhook=\"%s\",result=\"given_up\"} %llu\n",
		    lv(st.name), (unsigned long long)st.delivered, lv(st.name),
		    (unsigned long long)st.failed, lv(st.name),
		    (unsigned long long)st.given_up);
	}
	metrics_head(b, "v6watch_webhook_queue", "gauge",
	    "Events waiting in the webhook's durable queue.");
	for (size_t i = 0; i < n; i++) {
		webhooks_stats(ws, i, &st);
		mbuf_printf(b, "v6watch_webhook_queue{webhook=\"%s\"} %llu\n",
		    lv(st.name), (unsigned long long)st.queued);
	}
	metrics_head(b, "v6watch_webhook_dropped_total", "counter",
	    "Queued events dropped for room (queue_max) since the collector started.");
	for (size_t i = 0; i < n; i++) {
		webhooks_stats(ws, i, &st);
		mbuf_printf(b,
		    "v6watch_webhook_dropped_total{webhook=\"%s\"} %llu\n",
		    lv(st.name), (unsigned long long)st.dropped);
	}
}

char *
metrics_text(struct collector *co, size_t *len)
{
	struct mbuf	   b = {xmalloc(65536), 0, 65536};
	size_t		   n;
	struct ledger_row *rows = ledger_rows(co->ledgers, co->nledgers, &n);

	metrics_series(&b, rows, n);
	metrics_states(&b, co->alert);
	metrics_ready(&b, rows, n);
	free(rows);
	metrics_probe_counter(&b, co, "v6watch_results_accepted_total",
	    "counter", "Records stored since the collector started.",
	    offsetof(struct ledger, n_accepted));
	metrics_probe_counter(&b, co, "v6watch_results_duplicate_total",
	    "counter",
	    "Records answered as duplicates (already stored) since the collector started.",
	    offsetof(struct ledger, n_duplicate));
	metrics_probe_counter(&b, co, "v6watch_results_rejected_total",
	    "counter", "Records rejected since the collector started.",
	    offsetof(struct ledger, n_rejected));
	metrics_probe_counter(&b, co, "v6watch_results_unnumbered_total",
	    "counter",
	    "Rejected records whose seq could not be read (counted in no seq).",
	    offsetof(struct ledger, n_unnumbered));
	metrics_probe_counter(&b, co, "v6watch_probe_last_seq", "gauge",
	    "Highest seq processed (durable).",
	    offsetof(struct ledger, last_seq));
	metrics_probe_counter(&b, co, "v6watch_probe_stored_records", "gauge",
	    "Records stored since the sequence began (durable); stored + rejected + missing == last_seq - base_seq.",
	    offsetof(struct ledger, stored));
	metrics_probe_counter(&b, co, "v6watch_probe_rejected_records", "gauge",
	    "Records rejected since the sequence began (durable).",
	    offsetof(struct ledger, rejected));
	metrics_probe_counter(&b, co, "v6watch_probe_missing_records", "gauge",
	    "Seqs that never arrived (the probe's spool dropped them) since the sequence began (durable).",
	    offsetof(struct ledger, missing));
	metrics_probe_counter(&b, co, "v6watch_probe_base_seq", "gauge",
	    "Seqs at or below it are history the collector does not know.",
	    offsetof(struct ledger, base_seq));
	metrics_probe_counter(&b, co, "v6watch_probe_sequence_resets_total",
	    "counter",
	    "Times the probe's sequence started again: a new spool, or the ledger set aside (durable).",
	    offsetof(struct ledger, resets));
	metrics_head(&b, "v6watch_probe_last_seen_seconds", "gauge",
	    "Unix time of the probe's last accepted POST.");
	for (size_t i = 0; i < co->nledgers; i++)
		mbuf_printf(&b,
		    "v6watch_probe_last_seen_seconds{probe=\"%s\"} %.3f\n",
		    lv(co->ledgers[i]->name), co->ledgers[i]->last_seen);
	metrics_webhooks(&b, co->webhooks);
	metrics_head(&b, "v6watch_auth_failures_total", "counter",
	    "POSTs refused for a missing or unknown token.");
	mbuf_printf(&b, "v6watch_auth_failures_total %llu\n",
	    (unsigned long long)co->auth_failures);
	{
		uint64_t waits, failures;

		store_lock_counts(co->store, &waits, &failures);
		metrics_head(&b, "v6watch_rrd_lock_waits_total", "counter",
		    "RRD updates that found their file locked by a reader and waited.");
		mbuf_printf(&b, "v6watch_rrd_lock_waits_total %llu\n",
		    (unsigned long long)waits);
		metrics_head(&b, "v6watch_rrd_lock_failures_total", "counter",
		    "RRD updates that found their file still locked after waiting (the batch was answered 503).");
		mbuf_printf(&b, "v6watch_rrd_lock_failures_total %llu\n",
		    (unsigned long long)failures);
	}
	metrics_head(&b, "v6watch_config_reloads_total", "counter",
	    "Config reloads (SIGHUP) by result.");
	mbuf_printf(&b,
	    "v6watch_config_reloads_total{result=\"ok\"} %llu\n"
	    "v6watch_config_reloads_total{result=\"failed\"} %llu\n",
	    (unsigned long long)co->reloads,
	    (unsigned long long)co->reload_failures);
	*len = b.len;
	return b.p;
}
