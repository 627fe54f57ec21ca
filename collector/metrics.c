/*
 * metrics: render the Prometheus page from the ledgers and counters.
 * The names are part of the contract (DESIGN.md) and follow Prometheus'
 * conventions: base units in the name (seconds, bytes; records keep
 * milliseconds and days, converted here), Unix times as
 * _timestamp_seconds, counters ending in _total.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "collector.h"
#include "conf.h"
#include "ledger.h"
#include "log.h"
#include "metrics.h"
#include "publish/site.h"
#include "store.h"
#include "table.h"
#include "util.h"
#include "webhook.h"

/* A label value escaped: each byte may become two. */
#define LV_MAX (2 * RESULT_URL_MAX)

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

/* Unix time the series' certificate expires, to the day (days_left is
 * rounded down, so never later than the truth). */
static double
metrics_cert_expiry(const struct series *s)
{
	return s->ts + 86400.0 * s->cert_days;
}

static const char *const traffic_family[3] = {"ipv6", "ipv4", "other"};

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

/* A per-family traffic family: the uint64_t[3] at off in each traffic
 * series (ipv6, ipv4, other). */
static void
metrics_traffic(struct mbuf *b, const struct ledger_row *rows, size_t n,
    const char *name, const char *type, const char *help, size_t off)
{
	metrics_head(b, name, type, help);
	for (size_t k = 0; k < n; k++) {
		const struct series *s = rows[k].s;
		const uint64_t	    *v;

		if (s->kind != RESULT_TRAFFIC)
			continue;
		v = (const uint64_t *)(const void *)((const char *)s + off);
		for (int f = 0; f < 3; f++)
			mbuf_printf(b,
			    "%s{probe=\"%s\",iface=\"%s\",family=\"%s\"} %llu\n",
			    name, lv(rows[k].lg->name), lv(s->name),
			    traffic_family[f], (unsigned long long)v[f]);
	}
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

	metrics_head(b, "v6watch_phase_seconds", "gauge",
	    "Time of each phase of the last check (dns, connect, tls, ttfb, total), in seconds.");
	EACH_ROW(k)
	{
		for (int p = 0; p < PHASE__N; p++)
			if (s->kind == RESULT_CHECK && s->ms[p] >= 0)
				mbuf_printf(b,
				    "v6watch_phase_seconds{target=\"%s\",family=\"%s\",probe=\"%s\",phase=\"%s\"} %.7g\n",
				    lv(s->name), family_name(s->family),
				    lv(lg->name), phase_name(p),
				    s->ms[p] / 1000.0);
	}

	metrics_head(b, "v6watch_cert_expiry_timestamp_seconds", "gauge",
	    "Unix time the target's certificate expires, the sooner of both families (the check's time plus its whole days left: at most a day early).");
	EACH_ROW(k)
	{
		const struct series *o;
		double		     t;

		if (s->kind != RESULT_CHECK || !s->has_cert)
			continue;
		o = metrics_sibling(lg, s);
		if (o != NULL && o->has_cert && s->family != FAMILY_IPV6)
			continue; /* the ipv6 series speaks for both */
		t = metrics_cert_expiry(s);
		if (o != NULL && o->has_cert && metrics_cert_expiry(o) < t)
			t = metrics_cert_expiry(o);
		mbuf_printf(b,
		    "v6watch_cert_expiry_timestamp_seconds{target=\"%s\",probe=\"%s\"} %.0f\n",
		    lv(s->name), lv(lg->name), t);
	}

	metrics_traffic(b, rows, n, "v6watch_traffic_interval_bytes", "gauge",
	    "Bytes seen by passive capture in its last interval, per family (not a counter: divide by v6watch_traffic_interval_seconds for a rate, or take rate() of v6watch_traffic_bytes_total).",
	    offsetof(struct series, traffic.bytes));
	metrics_traffic(b, rows, n, "v6watch_traffic_interval_packets", "gauge",
	    "Packets seen by passive capture in its last interval, per family.",
	    offsetof(struct series, traffic.packets));
	metrics_head(b, "v6watch_traffic_interval_seconds", "gauge",
	    "Length of passive capture's last interval.");
	EACH_ROW(k)
	{
		if (s->kind == RESULT_TRAFFIC)
			mbuf_printf(b,
			    "v6watch_traffic_interval_seconds{probe=\"%s\",iface=\"%s\"} %.7g\n",
			    lv(lg->name), lv(s->name), s->traffic.interval_s);
	}
	metrics_traffic(b, rows, n, "v6watch_traffic_bytes_total", "counter",
	    "Bytes seen by passive capture, per family: the sum over every interval the collector stored (kept in the probe's ledger across restarts; starts again only with a new ledger).",
	    offsetof(struct series, bytes_total));
	metrics_traffic(b, rows, n, "v6watch_traffic_packets_total", "counter",
	    "Packets seen by passive capture, per family: the sum over every interval the collector stored (kept in the probe's ledger across restarts; starts again only with a new ledger).",
	    offsetof(struct series, packets_total));
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
	metrics_head(b, "v6watch_target_state_since_timestamp_seconds", "gauge",
	    "Unix time the target's state over the family began.");
	for (size_t i = 0; i < alert_count(al); i++) {
		const struct alert_target *t = alert_target_at(al, i);

		for (int f = 0; f < FAMILY__N; f++)
			if (t->fam[f].since != 0)
				mbuf_printf(b,
				    "v6watch_target_state_since_timestamp_seconds{target=\"%s\",family=\"%s\"} %.3f\n",
				    lv(t->name), family_name(f),
				    t->fam[f].since);
	}
}

/*
 * Per target, from the published site's model (site.h), so the figures
 * are the report's: its group and URL to join on, and its score (the
 * lowest of its probes online).
 */
static void
metrics_site(struct mbuf *b, struct collector *co)
{
	struct site *si = site_build(co->ledgers, co->nledgers, co->alert,
	    co->conf->targets, now_wall());

	site_finish(si);
	metrics_head(b, "v6watch_target_info", "gauge",
	    "1 per target, with its title, group and URL as the central list (else the last record) says (join on target to group other series).");
	for (size_t i = 0; i < si->n; i++) {
		const struct site_target *t = si->targets[i];

		mbuf_printf(b, "v6watch_target_info{target=\"%s\",",
		    lv(t->name));
		mbuf_printf(b, "title=\"%s\",", lv(t->title));
		mbuf_printf(b, "group=\"%s\",url=\"%s\"} 1\n", lv(t->group),
		    lv(t->url));
	}
	metrics_head(b, "v6watch_target_score", "gauge",
	    "IPv6 readiness score of the target, 0-100, as in the report (the lowest of its probes online); no sample while unknown.");
	for (size_t i = 0; i < si->n; i++) {
		const struct site_target *t = si->targets[i];

		if (t->score >= 0)
			mbuf_printf(b,
			    "v6watch_target_score{target=\"%s\"} %d\n",
			    lv(t->name), t->score);
	}
	site_free(si);
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
	metrics_head(b, "v6watch_webhook_queue_length", "gauge",
	    "Events waiting in the webhook's durable queue.");
	for (size_t i = 0; i < n; i++) {
		webhooks_stats(ws, i, &st);
		mbuf_printf(b,
		    "v6watch_webhook_queue_length{webhook=\"%s\"} %llu\n",
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
	metrics_site(&b, co);
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
	metrics_probe_counter(&b, co, "v6watch_results_retired_total",
	    "counter",
	    "Records rejected since the collector started because their target is retired (counted in rejected too).",
	    offsetof(struct ledger, n_retired));
	metrics_probe_counter(&b, co, "v6watch_results_unnumbered_total",
	    "counter",
	    "Rejected records whose seq could not be read (counted in no seq).",
	    offsetof(struct ledger, n_unnumbered));
	metrics_probe_counter(&b, co, "v6watch_probe_last_seq", "gauge",
	    "Highest seq processed (durable).",
	    offsetof(struct ledger, last_seq));
	metrics_probe_counter(&b, co, "v6watch_probe_stored_records_total",
	    "counter",
	    "Records stored since the sequence began (durable); stored + rejected + missing == last_seq - base_seq.",
	    offsetof(struct ledger, stored));
	metrics_probe_counter(&b, co, "v6watch_probe_rejected_records_total",
	    "counter", "Records rejected since the sequence began (durable).",
	    offsetof(struct ledger, rejected));
	metrics_probe_counter(&b, co, "v6watch_probe_missing_records_total",
	    "counter",
	    "Seqs that never arrived (the probe's spool dropped them) since the sequence began (durable).",
	    offsetof(struct ledger, missing));
	metrics_probe_counter(&b, co, "v6watch_probe_base_seq", "gauge",
	    "Seqs at or below it are history the collector does not know.",
	    offsetof(struct ledger, base_seq));
	metrics_probe_counter(&b, co, "v6watch_probe_sequence_resets_total",
	    "counter",
	    "Times the probe's sequence started again: a new spool, or the ledger set aside (durable).",
	    offsetof(struct ledger, resets));
	metrics_head(&b, "v6watch_probe_last_seen_timestamp_seconds", "gauge",
	    "Unix time of the probe's last accepted POST.");
	for (size_t i = 0; i < co->nledgers; i++)
		mbuf_printf(&b,
		    "v6watch_probe_last_seen_timestamp_seconds{probe=\"%s\"} %.3f\n",
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
	metrics_head(&b, "v6watch_build_info", "gauge",
	    "1, with the collector's version.");
	mbuf_printf(&b, "v6watch_build_info{version=\"%s\"} 1\n",
	    lv(V6WATCH_VERSION));
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
