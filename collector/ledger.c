/*
 * ledger: per-probe counters and series, their JSON file and its loader.
 * The file is the collector's own, but it is read back as carefully as
 * any input: a file that does not decode is refused whole.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ledger.h"
#include "log.h"
#include "table.h"
#include "util.h"

static const char *const traffic_fam[3] = {"ipv6", "ipv4", "other"};

static const char *const reset_names[LEDGER_RESET__N] = {
    [LEDGER_RESET_NONE] = "",
    [LEDGER_RESET_NEW_SPOOL] = "new spool",
    [LEDGER_RESET_UNREADABLE] = "ledger unreadable",
};

const char *
ledger_reset_name(enum ledger_reset r)
{
	return (unsigned)r < LEDGER_RESET__N ? reset_names[r] : "?";
}

int
ledger_spool_valid(const char *s)
{
	return strlen(s) == LEDGER_SPOOL_LEN &&
	    strspn(s, "0123456789abcdef") == LEDGER_SPOOL_LEN;
}

struct ledger *
ledger_new(const char *name, const char *path)
{
	struct ledger *lg = xcalloc(1, sizeof(*lg));

	lg->name = xstrdup(name);
	lg->path = xstrdup(path);
	lg->base_pending = 1;
	lg->index = table_new();
	state_conf_init(&lg->sc, STATE_DOWN_AFTER_DEFAULT,
	    STATE_UP_AFTER_DEFAULT, STATE_QUORUM_DEFAULT, STATE_STEP_DEFAULT);
	return lg;
}

void
ledger_restart(struct ledger *lg, enum ledger_reset why, double now)
{
	lg->resets++;
	lg->reset_at = now;
	lg->reset_reason = why;
	lg->last_seq = lg->stored = lg->rejected = lg->missing = 0;
	lg->base_seq = 0;
	lg->base_pending = why == LEDGER_RESET_UNREADABLE;
	lg->dirty = 1;
}

static void
series_free(struct series *s)
{
	if (s == NULL)
		return;
	free(s->path);
	cJSON_free(s->json);
	free(s->url);
	free(s->group);
	free(s->title);
	free(s->remote);
	free(s->tls_version);
	free(s->issuer);
	free(s->error);
	free(s->addrs);
	free(s);
}

void
ledger_free(struct ledger *lg)
{
	if (lg == NULL)
		return;
	for (size_t i = 0; i < lg->nseries; i++)
		series_free(lg->series[i]);
	free(lg->series);
	table_free(lg->index);
	free(lg->name);
	free(lg->path);
	free(lg);
}

/* Table key: kind, family and name; names hold no control bytes. */
static size_t
series_key(enum result_kind kind, const char *name, enum family fam, char *key,
    size_t size)
{
	int n = snprintf(key, size, "%c%c\x01%s",
	    kind == RESULT_TRAFFIC ? 't' : 'c',
	    kind == RESULT_TRAFFIC ? '-' : (fam == FAMILY_IPV6 ? '6' : '4'),
	    name);

	return n < 0 ? 0 : ((size_t)n >= size ? size - 1 : (size_t)n);
}

struct series *
ledger_series(struct ledger *lg, enum result_kind kind, const char *name,
    enum family fam, int create)
{
	char	       key[RESULT_NAME_MAX + 8];
	size_t	       klen = series_key(kind, name, fam, key, sizeof(key));
	struct series *s = table_get(lg->index, key, klen);

	if (s != NULL || !create || lg->nseries >= LEDGER_SERIES_MAX)
		return s;
	s = xcalloc(1, sizeof(*s));
	s->kind = kind;
	if (str_copy(s->name, sizeof(s->name), name) == -1) {
		free(s);
		return NULL;
	}
	s->family = kind == RESULT_TRAFFIC ? FAMILY_IPV6 : fam;
	s->rrd_last = SERIES_RRD_UNKNOWN;
	s->stored_t = -1;
	s->outcome = OUTCOME_ERROR;
	s->ready = -1;
	s->score = -1;
	for (int p = 0; p < PHASE__N; p++)
		s->ms[p] = -1;
	if (lg->nseries == lg->cap) {
		lg->cap = lg->cap ? lg->cap * 2 : 16;
		lg->series =
		    xreallocarray(lg->series, lg->cap, sizeof(*lg->series));
	}
	lg->series[lg->nseries++] = s;
	table_put(lg->index, key, klen, s);
	return s;
}

/* The index again, from lg->series (after series were dropped or renamed). */
static void
ledger_reindex(struct ledger *lg)
{
	table_free(lg->index);
	lg->index = table_new();
	for (size_t i = 0; i < lg->nseries; i++) {
		struct series *s = lg->series[i];
		char	       key[RESULT_NAME_MAX + 8];
		size_t	       klen =
		    series_key(s->kind, s->name, s->family, key, sizeof(key));

		table_put(lg->index, key, klen, s);
	}
}

size_t
ledger_drop_target(struct ledger *lg, const char *name)
{
	size_t k = 0, n = 0;

	for (size_t i = 0; i < lg->nseries; i++) {
		struct series *s = lg->series[i];

		if (s->kind == RESULT_CHECK && strcmp(s->name, name) == 0) {
			series_free(s);
			n++;
			continue;
		}
		lg->series[k++] = s;
	}
	lg->nseries = k;
	if (n > 0) {
		ledger_reindex(lg);
		lg->dirty = 1;
	}
	return n;
}

size_t
ledger_rename_target(struct ledger *lg, const char *from, const char *to)
{
	size_t n = 0;

	if (strlen(to) >= RESULT_NAME_MAX)
		return 0;
	for (size_t i = 0; i < lg->nseries; i++) {
		struct series *s = lg->series[i];

		if (s->kind != RESULT_CHECK || strcmp(s->name, from) != 0)
			continue;
		(void)str_copy(s->name, sizeof(s->name), to);
		free(s->path);
		s->path = NULL; /* the store names it again */
		s->rrd_last = SERIES_RRD_UNKNOWN;
		s->json_dirty = 1;
		n++;
	}
	if (n > 0) {
		ledger_reindex(lg);
		lg->dirty = 1;
	}
	return n;
}

struct ledger_row *
ledger_rows(struct ledger *const *ledgers, size_t n, size_t *np)
{
	struct ledger_row *rows;
	size_t		   k = 0, total = 0;

	for (size_t i = 0; i < n; i++)
		total += ledgers[i]->nseries;
	rows = xcalloc(total + 1, sizeof(*rows));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < ledgers[i]->nseries; j++)
			if (ledgers[i]->series[j]->seq != 0) {
				rows[k].lg = ledgers[i];
				rows[k].s = ledgers[i]->series[j];
				k++;
			}
	*np = k;
	return rows;
}

/* Replace *dst by a copy of src ("" = none), reusing it when unchanged. */
static void
series_set_str(char **dst, const char *src)
{
	if (src[0] == '\0') {
		free(*dst);
		*dst = NULL;
		return;
	}
	if (*dst != NULL && strcmp(*dst, src) == 0)
		return;
	free(*dst);
	*dst = xstrdup(src);
}

static void
series_set_addrs(struct series *s, const struct result_addr *a, size_t n)
{
	if (n > RESULT_ADDR_MAX)
		n = RESULT_ADDR_MAX;
	if (n != s->naddrs) {
		free(s->addrs);
		s->addrs = n > 0 ? xcalloc(n, sizeof(*s->addrs)) : NULL;
		s->naddrs = n;
	}
	if (n > 0)
		memcpy(s->addrs, a, n * sizeof(*a));
}

/* a + b, or UINT64_MAX when it does not fit. */
static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

void
series_note(struct series *s, const struct result *r, int64_t t,
    const struct state_conf *sc)
{
	s->json_dirty = 1;
	if (r->kind == RESULT_TRAFFIC)
		for (int i = 0; i < 3; i++) {
			s->bytes_total[i] =
			    add_sat(s->bytes_total[i], r->traffic.bytes[i]);
			s->packets_total[i] =
			    add_sat(s->packets_total[i], r->traffic.packets[i]);
		}
	if (t > s->stored_t)
		s->stored_t = t;
	if (s->seq != 0 && r->ts < s->ts)
		return;
	s->seq = r->seq;
	s->ts = r->ts;
	if (r->kind == RESULT_TRAFFIC) {
		s->traffic = r->traffic;
		return;
	}
	s->outcome = r->outcome;
	s->warnings = r->warnings;
	memcpy(s->ms, r->ms, sizeof(s->ms));
	s->has_cert = r->has_cert;
	s->cert_days = r->cert_days_left;
	s->ready = r->ready;
	series_set_str(&s->url, r->url);
	series_set_str(&s->group, r->group);
	series_set_str(&s->title, r->title);
	s->score = r->score;
	s->http_status = r->has_http ? r->http_status : 0;
	series_set_str(&s->remote, r->remote);
	series_set_str(&s->tls_version, r->has_tls ? r->tls_version : "");
	series_set_str(&s->issuer, r->has_tls ? r->issuer : "");
	series_set_str(&s->error, r->error);
	series_set_addrs(s, r->addrs, r->naddrs);
	if (state_probe_note(&s->sm, sc,
		state_input_of(r->outcome, r->warnings), r->ts) != -1)
		s->alert_touched = 1;
	s->state = s->sm.state;
	s->since = s->sm.since;
	/* ready is the target's, copied to every record: ipv6 speaks. */
	if (s->family == FAMILY_IPV6)
		state_probe_note(&s->rm, sc,
		    state_input_ready(r->ready, r->warnings), r->ts);
}

/* encoding */

/*
 * A number: integers through cJSON, fractions with prec decimals (cJSON
 * prints them with a sprintf + sscanf round trip, which costs more than
 * the rest of a series).
 */
static void
add_num(cJSON *o, const char *key, double v, int prec)
{
	if (v == floor(v) && fabs(v) < 2147483647.0)
		cJSON_AddNumberToObject(o, key, v);
	else
		json_add_fixed(o, key, v, prec);
}

static void
series_details_obj(cJSON *o, const struct series *s)
{
	cJSON *a;

	if (s->score >= 0)
		cJSON_AddNumberToObject(o, "score", s->score);
	if (s->http_status > 0)
		cJSON_AddNumberToObject(o, "http", s->http_status);
	if (s->remote != NULL)
		cJSON_AddStringToObject(o, "remote", s->remote);
	if (s->tls_version != NULL)
		cJSON_AddStringToObject(o, "tls_version", s->tls_version);
	if (s->issuer != NULL)
		cJSON_AddStringToObject(o, "issuer", s->issuer);
	if (s->error != NULL)
		cJSON_AddStringToObject(o, "error", s->error);
	if (s->naddrs == 0)
		return;
	a = cJSON_AddArrayToObject(o, "addresses");
	for (size_t i = 0; i < s->naddrs; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddItemToArray(a, e);
		cJSON_AddStringToObject(e, "ip", s->addrs[i].ip);
		cJSON_AddStringToObject(e, "outcome",
		    outcome_name(s->addrs[i].outcome));
		if (s->addrs[i].connect_ms >= 0)
			add_num(e, "connect_ms", s->addrs[i].connect_ms, 3);
	}
}

/*
 * Sums as strings of decimal digits: a JSON number (a double) holds
 * integers exactly only up to 2^53, and a sum read back smaller than it
 * was written would be a counter reset.
 */
static void
add_sums(cJSON *o, const char *key, const uint64_t v[3])
{
	cJSON *x = cJSON_AddObjectToObject(o, key);
	char   d[24];

	for (int i = 0; i < 3; i++) {
		snprintf(d, sizeof(d), "%llu", (unsigned long long)v[i]);
		cJSON_AddStringToObject(x, traffic_fam[i], d);
	}
}

static cJSON *
series_obj(const struct series *s)
{
	cJSON *o = cJSON_CreateObject(), *x;

	cJSON_AddStringToObject(o, "kind",
	    s->kind == RESULT_TRAFFIC ? "traffic" : "check");
	cJSON_AddStringToObject(o, "name", s->name);
	if (s->kind == RESULT_CHECK)
		cJSON_AddStringToObject(o, "family", family_name(s->family));
	cJSON_AddNumberToObject(o, "rrd_t", (double)s->stored_t);
	cJSON_AddNumberToObject(o, "seq", (double)s->seq);
	add_num(o, "ts", s->ts, 3);
	if (s->kind == RESULT_TRAFFIC) {
		const struct result_traffic *t = &s->traffic;
		cJSON			    *pk, *by;

		add_num(o, "interval_s", t->interval_s, 3);
		pk = cJSON_AddObjectToObject(o, "packets");
		by = cJSON_AddObjectToObject(o, "bytes");
		for (int i = 0; i < 3; i++) {
			cJSON_AddNumberToObject(pk, traffic_fam[i],
			    (double)t->packets[i]);
			cJSON_AddNumberToObject(by, traffic_fam[i],
			    (double)t->bytes[i]);
		}
		cJSON_AddNumberToObject(o, "ptb", (double)t->ptb);
		cJSON_AddNumberToObject(o, "unreach", (double)t->unreach);
		cJSON_AddNumberToObject(o, "drops", (double)t->drops);
		add_sums(o, "bytes_total", s->bytes_total);
		add_sums(o, "packets_total", s->packets_total);
		return o;
	}
	cJSON_AddStringToObject(o, "outcome", outcome_name(s->outcome));
	x = cJSON_AddArrayToObject(o, "warnings");
	for (int w = 0; w < WARN__N; w++)
		if (s->warnings & WARN_BIT(w))
			cJSON_AddItemToArray(x,
			    cJSON_CreateString(warning_name(w)));
	x = cJSON_AddObjectToObject(o, "ms");
	for (int p = 0; p < PHASE__N; p++)
		if (s->ms[p] >= 0)
			add_num(x, phase_name(p), s->ms[p], 3);
	if (s->has_cert)
		cJSON_AddNumberToObject(o, "cert_days", s->cert_days);
	if (s->ready >= 0)
		cJSON_AddBoolToObject(o, "ready", s->ready);
	if (s->url != NULL)
		cJSON_AddStringToObject(o, "url", s->url);
	if (s->group != NULL)
		cJSON_AddStringToObject(o, "group", s->group);
	if (s->title != NULL && s->title[0] != '\0')
		cJSON_AddStringToObject(o, "title", s->title);
	series_details_obj(o, s);
	cJSON_AddStringToObject(o, "state", state_name(s->sm.state));
	add_num(o, "since", s->sm.since, 3);
	cJSON_AddNumberToObject(o, "run", s->sm.run);
	cJSON_AddStringToObject(o, "run_in", state_input_name(s->sm.in));
	add_num(o, "run_since", s->sm.run_since, 3);
	if (s->rm.last_ts != 0) {
		cJSON_AddStringToObject(o, "ready_state",
		    state_name(s->rm.state));
		add_num(o, "ready_since", s->rm.since, 3);
		cJSON_AddNumberToObject(o, "ready_run", s->rm.run);
		cJSON_AddStringToObject(o, "ready_run_in",
		    state_input_name(s->rm.in));
		add_num(o, "ready_run_since", s->rm.run_since, 3);
	}
	return o;
}

/* The ledger without its series. */
static cJSON *
ledger_head(const struct ledger *lg)
{
	cJSON *root = cJSON_CreateObject();

	cJSON_AddStringToObject(root, "probe", lg->name);
	cJSON_AddStringToObject(root, "spool", lg->spool);
	cJSON_AddNumberToObject(root, "last_seq", (double)lg->last_seq);
	cJSON_AddNumberToObject(root, "stored", (double)lg->stored);
	cJSON_AddNumberToObject(root, "rejected", (double)lg->rejected);
	cJSON_AddNumberToObject(root, "missing", (double)lg->missing);
	cJSON_AddNumberToObject(root, "base_seq", (double)lg->base_seq);
	cJSON_AddBoolToObject(root, "base_pending", lg->base_pending);
	add_num(root, "last_seq_at", lg->last_seq_at, 3);
	cJSON_AddNumberToObject(root, "resets", (double)lg->resets);
	add_num(root, "reset_at", lg->reset_at, 3);
	cJSON_AddStringToObject(root, "reset_reason",
	    ledger_reset_name(lg->reset_reason));
	add_num(root, "last_seen", lg->last_seen, 3);
	return root;
}

cJSON *
ledger_to_json(const struct ledger *lg)
{
	cJSON *root = ledger_head(lg), *a;

	a = cJSON_AddArrayToObject(root, "series");
	for (size_t i = 0; i < lg->nseries; i++)
		if (lg->series[i]->seq != 0)
			cJSON_AddItemToArray(a, series_obj(lg->series[i]));
	return root;
}

/*
 * The file's text: the head, then each series' text, which is kept and
 * printed again only when the series changed (a batch touches a few).
 */
static char *
ledger_text(struct ledger *lg, size_t *lenp)
{
	char  *head = json_text(ledger_head(lg)), *buf;
	size_t hlen = strlen(head), len = hlen + 16, n;

	for (size_t i = 0; i < lg->nseries; i++) {
		struct series *s = lg->series[i];

		if (s->seq == 0)
			continue;
		if (s->json == NULL || s->json_dirty) {
			cJSON_free(s->json);
			s->json = json_text(series_obj(s));
			s->json_len = strlen(s->json);
			s->json_dirty = 0;
		}
		len += s->json_len + 1;
	}
	buf = xmalloc(len);
	/* head is "{...}": reopen it for the series. */
	memcpy(buf, head, hlen - 1);
	n = hlen - 1;
	memcpy(buf + n, ",\"series\":[", 11);
	n += 11;
	for (size_t i = 0, first = 1; i < lg->nseries; i++) {
		const struct series *s = lg->series[i];

		if (s->seq == 0)
			continue;
		if (!first)
			buf[n++] = ',';
		first = 0;
		memcpy(buf + n, s->json, s->json_len);
		n += s->json_len;
	}
	memcpy(buf + n, "]}", 3);
	n += 2;
	cJSON_free(head);
	*lenp = n;
	return buf;
}

int
ledger_save(struct ledger *lg, char *err, size_t errlen)
{
	size_t len;
	char  *text = ledger_text(lg, &len);
	int    rc, saved;

	rc = file_replace(lg->path, text, len, 0640, -1, FILE_DURABLE, err,
	    errlen);
	saved = errno;
	free(text);
	if (rc == 0)
		lg->dirty = 0;
	errno = saved;
	return rc;
}

/* decoding */

/*
 * The sums under key: absent (a file of an older collector) is 0; else an
 * object with a string of decimal digits (no leading zero) up to
 * UINT64_MAX per family. -1 when wrong.
 */
static int
sums_from_json(const cJSON *o, const char *key, uint64_t v[3])
{
	const cJSON *x = json_get(o, key);

	if (x == NULL)
		return 0;
	if (!cJSON_IsObject(x))
		return -1;
	for (int i = 0; i < 3; i++) {
		const char	  *d;
		unsigned long long n = 0;
		size_t		   len;
		int		   ok = 1;

		d = json_str(x, traffic_fam[i], 21, &ok);
		len = strlen(d);
		if (!ok || len == 0 || strspn(d, "0123456789") != len ||
		    (d[0] == '0' && len > 1))
			return -1;
		for (size_t k = 0; k < len; k++) {
			unsigned digit = (unsigned)(d[k] - '0');

			if (n > (UINT64_MAX - digit) / 10)
				return -1;
			n = n * 10 + digit;
		}
		v[i] = n;
	}
	return 0;
}

static int
series_traffic_from_json(const cJSON *o, struct series *s)
{
	struct result_traffic *t = &s->traffic;
	const double	       cmax = (double)RESULT_INT_MAX;
	int		       ok = 1;

	t->interval_s = json_num(o, "interval_s", 0, 86400, &ok);
	for (int i = 0; i < 3; i++) {
		t->packets[i] = (uint64_t)json_num(json_get(o, "packets"),
		    traffic_fam[i], 0, cmax, &ok);
		t->bytes[i] = (uint64_t)json_num(json_get(o, "bytes"),
		    traffic_fam[i], 0, cmax, &ok);
	}
	t->ptb = (uint64_t)json_num(o, "ptb", 0, cmax, &ok);
	t->unreach = (uint64_t)json_num(o, "unreach", 0, cmax, &ok);
	t->drops = (uint64_t)json_num(o, "drops", 0, cmax, &ok);
	if (sums_from_json(o, "bytes_total", s->bytes_total) == -1 ||
	    sums_from_json(o, "packets_total", s->packets_total) == -1)
		return -1;
	return ok ? 0 : -1;
}

/* The optional details; -1 when one is there but wrong. */
static int
series_details_from_json(const cJSON *o, struct series *s)
{
	static const struct {
		const char *key;
		size_t	    max;
		size_t	    off;
	} strs[] = {{"remote", RESULT_REMOTE_MAX,
			offsetof(struct series, remote)},
	    {"tls_version", 16, offsetof(struct series, tls_version)},
	    {"issuer", RESULT_ISSUER_MAX, offsetof(struct series, issuer)},
	    {"error", RESULT_ERROR_MAX, offsetof(struct series, error)}};
	const cJSON *a, *e;
	int	     ok = 1, v;
	size_t	     n = 0;

	s->score = json_get(o, "score") == NULL ?
	    -1 :
	    (int)json_num(o, "score", 0, 100, &ok);
	s->http_status = json_get(o, "http") == NULL ?
	    0 :
	    (int)json_num(o, "http", 1, 999, &ok);
	for (size_t i = 0; i < NELEM(strs); i++)
		if (json_get(o, strs[i].key) != NULL)
			series_set_str((char **)((char *)s + strs[i].off),
			    json_str(o, strs[i].key, strs[i].max, &ok));
	a = json_get(o, "addresses");
	if (a == NULL)
		return ok ? 0 : -1;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > RESULT_ADDR_MAX)
		return -1;
	s->addrs = xcalloc(RESULT_ADDR_MAX, sizeof(*s->addrs));
	cJSON_ArrayForEach(e, a)
	{
		struct result_addr *ad = &s->addrs[n++];

		if (str_copy(ad->ip, sizeof(ad->ip),
			json_str(e, "ip", RESULT_IP_MAX, &ok)) == -1 ||
		    (v = outcome_from_name(json_str(e, "outcome", 32, &ok))) ==
			-1)
			return -1;
		ad->outcome = v;
		ad->connect_ms = json_get(e, "connect_ms") == NULL ?
		    -1 :
		    json_num(e, "connect_ms", 0, RESULT_MS_MAX, &ok);
	}
	s->naddrs = n;
	return ok ? 0 : -1;
}

/*
 * A probe's view under keys PREFIXstate, PREFIXsince, PREFIXrun,
 * PREFIXrun_in and PREFIXrun_since; the run is optional (files written
 * before it was kept), the state too unless required. last_ts is the
 * series' last record, which every view has seen.
 */
static int
state_probe_from_json(const cJSON *o, const char *prefix, struct state_probe *p,
    int required, double last_ts)
{
	char key[32];
	int  ok = 1, v;

#define KEY(k) (snprintf(key, sizeof(key), "%s%s", prefix, k), key)
	if (json_get(o, KEY("state")) == NULL)
		return required ? -1 : 0;
	if ((v = state_from_name(json_str(o, key, 16, &ok))) == -1)
		return -1;
	p->state = v;
	p->last_ts = last_ts;
	p->since = json_num(o, KEY("since"), 0, RESULT_TS_MAX, &ok);
	if (json_get(o, KEY("run")) != NULL) {
		p->run = (uint32_t)json_num(o, key, 0, UINT32_MAX, &ok);
		if ((v = state_input_from_name(
			 json_str(o, KEY("run_in"), 16, &ok))) == -1)
			return -1;
		p->in = v;
		p->run_since =
		    json_num(o, KEY("run_since"), 0, RESULT_TS_MAX, &ok);
	}
#undef KEY
	return ok ? 0 : -1;
}

static int
series_check_from_json(const cJSON *o, struct series *s)
{
	const cJSON *w, *ms = json_get(o, "ms"), *it;
	int	     ok = 1, v;

	if ((v = outcome_from_name(json_str(o, "outcome", 32, &ok))) == -1)
		return -1;
	s->outcome = v;
	if (!cJSON_IsArray(json_get(o, "warnings")))
		return -1;
	cJSON_ArrayForEach(w, json_get(o, "warnings"))
	{
		if (!cJSON_IsString(w) ||
		    (v = warning_from_name(w->valuestring)) == -1)
			return -1;
		s->warnings |= WARN_BIT(v);
	}
	if (!cJSON_IsObject(ms))
		return -1;
	for (int p = 0; p < PHASE__N; p++)
		s->ms[p] = json_get(ms, phase_name(p)) == NULL ?
		    -1 :
		    json_num(ms, phase_name(p), 0, RESULT_MS_MAX, &ok);
	if ((s->has_cert = json_get(o, "cert_days") != NULL))
		s->cert_days =
		    (int)json_num(o, "cert_days", -1000000, 1000000, &ok);
	it = json_get(o, "ready");
	s->ready = it == NULL ? -1 : cJSON_IsTrue(it);
	if (json_get(o, "url") != NULL)
		series_set_str(&s->url,
		    json_str(o, "url", RESULT_URL_MAX, &ok));
	if (json_get(o, "group") != NULL)
		series_set_str(&s->group,
		    json_str(o, "group", RESULT_NAME_MAX, &ok));
	if (json_get(o, "title") != NULL) {
		const char *t = json_str(o, "title", RESULT_TITLE_MAX, &ok);

		if (ok && result_check_title(t) != NULL)
			ok = 0;
		series_set_str(&s->title, t);
	}
	if (series_details_from_json(o, s) == -1)
		return -1;
	if (state_probe_from_json(o, "", &s->sm, 1, s->ts) == -1 ||
	    state_probe_from_json(o, "ready_", &s->rm, 0, s->ts) == -1)
		return -1;
	s->state = s->sm.state;
	s->since = s->sm.since;
	return ok ? 0 : -1;
}

static int
series_from_json(struct ledger *lg, const cJSON *o, char *err, size_t errlen,
    size_t i)
{
	const char    *kind, *name;
	struct series *s;
	int	       ok = 1, fam = FAMILY_IPV6, traffic;

	kind = json_str(o, "kind", 16, &ok);
	name = json_str(o, "name", RESULT_NAME_MAX, &ok);
	traffic = strcmp(kind, "traffic") == 0;
	if (!ok || name[0] == '\0' || (!traffic && strcmp(kind, "check")) ||
	    (!traffic &&
		(fam = family_from_name(json_str(o, "family", 8, &ok))) == -1))
		goto fail;
	s = ledger_series(lg, traffic ? RESULT_TRAFFIC : RESULT_CHECK, name,
	    fam, 0);
	if (s != NULL)
		goto fail; /* twice */
	s = ledger_series(lg, traffic ? RESULT_TRAFFIC : RESULT_CHECK, name,
	    fam, 1);
	if (s == NULL)
		goto fail;
	s->stored_t = (int64_t)json_num(o, "rrd_t", -1, RESULT_TS_MAX, &ok);
	s->seq = (uint64_t)json_num(o, "seq", 1, (double)RESULT_INT_MAX, &ok);
	s->ts = json_num(o, "ts", RESULT_TS_MIN, RESULT_TS_MAX, &ok);
	if (!ok ||
	    (traffic ? series_traffic_from_json(o, s) :
		       series_check_from_json(o, s)) == -1)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s: series[%zu] does not decode", lg->path, i);
	return -1;
}

/* The keys of the file's head; each once, no other. */
static const char *const head_keys[] = {"probe", "spool", "last_seq", "stored",
    "rejected", "missing", "base_seq", "base_pending", "last_seq_at", "resets",
    "reset_at", "reset_reason", "last_seen", "series"};

static int
head_keys_check(const cJSON *root, char *err, size_t errlen, const char *path)
{
	uint32_t seen = 0;

	for (const cJSON *c = root->child; c != NULL; c = c->next) {
		size_t i;

		for (i = 0; i < NELEM(head_keys); i++)
			if (c->string != NULL &&
			    strcmp(c->string, head_keys[i]) == 0)
				break;
		if (i == NELEM(head_keys) || (seen & (1u << i))) {
			snprintf(err, errlen, "%s: field '%.40s': %s", path,
			    c->string != NULL ? c->string : "?",
			    i == NELEM(head_keys) ? "unknown field" :
						    "duplicate field");
			return -1;
		}
		seen |= 1u << i;
	}
	return 0;
}

/*
 * Number at key within [min, max] (integral when integer); def when
 * absent and not required. The first key at fault goes to *bad.
 */
static double
head_num(const cJSON *o, const char *key, double min, double max, int integer,
    int required, double def, const char **bad)
{
	double v;

	switch (json_get_num(o, key, min, max, integer, &v)) {
	case JSON_OK:
		return v;
	case JSON_MISSING:
		if (required && *bad == NULL)
			*bad = key;
		return def;
	default:
		if (*bad == NULL)
			*bad = key;
		return def;
	}
}

/* The head of the file: counts, spool ID and restarts, checked. */
static int
ledger_head_from_json(struct ledger *lg, const cJSON *root, char *err,
    size_t errlen)
{
	const double imax = (double)RESULT_INT_MAX;
	const char  *bad = NULL, *name;
	const cJSON *it;
	int	     ok = 1, has_missing, reason = LEDGER_RESET_NONE;
	uint64_t     span;

	if (head_keys_check(root, err, errlen, lg->path) == -1)
		return -1;
	name = json_str(root, "probe", RESULT_NAME_MAX, &ok);
	if (!ok || strcmp(name, lg->name) != 0) {
		snprintf(err, errlen, "%s: not a ledger of probe %s", lg->path,
		    lg->name);
		return -1;
	}
	/* First, so that a file refused below still tells its count. */
	lg->resets = (uint64_t)head_num(root, "resets", 0, imax, 1, 0, 0, &bad);
	if (bad != NULL)
		lg->resets = 0;
	lg->last_seq =
	    (uint64_t)head_num(root, "last_seq", 0, imax, 1, 1, 0, &bad);
	lg->stored = (uint64_t)head_num(root, "stored", 0, imax, 1, 1, 0, &bad);
	lg->rejected =
	    (uint64_t)head_num(root, "rejected", 0, imax, 1, 1, 0, &bad);
	has_missing = json_get(root, "missing") != NULL;
	lg->missing =
	    (uint64_t)head_num(root, "missing", 0, imax, 1, 0, 0, &bad);
	lg->base_seq =
	    (uint64_t)head_num(root, "base_seq", 0, imax, 1, 0, 0, &bad);
	it = json_get(root, "base_pending");
	if (it != NULL && !cJSON_IsBool(it) && bad == NULL)
		bad = "base_pending";
	lg->base_pending = cJSON_IsTrue(it);
	lg->last_seen =
	    head_num(root, "last_seen", 0, RESULT_TS_MAX, 0, 1, 0, &bad);
	lg->last_seq_at = head_num(root, "last_seq_at", 0, RESULT_TS_MAX, 0, 0,
	    lg->last_seen, &bad);
	lg->reset_at =
	    head_num(root, "reset_at", 0, RESULT_TS_MAX, 0, 0, 0, &bad);
	if (json_get(root, "spool") != NULL) {
		const char *sp =
		    json_str(root, "spool", sizeof(lg->spool), &ok);

		if (!ok || (sp[0] != '\0' && !ledger_spool_valid(sp))) {
			if (bad == NULL)
				bad = "spool";
		} else
			memcpy(lg->spool, sp, strlen(sp) + 1);
	}
	if (json_get(root, "reset_reason") != NULL) {
		const char *r = json_str(root, "reset_reason", 32, &ok);

		for (reason = 0; reason < LEDGER_RESET__N; reason++)
			if (strcmp(r, reset_names[reason]) == 0)
				break;
		if ((!ok || reason == LEDGER_RESET__N) && bad == NULL)
			bad = "reset_reason";
	}
	if (bad != NULL) {
		snprintf(err, errlen,
		    "%s: field '%s': missing, of the wrong type or out of range",
		    lg->path, bad);
		return -1;
	}
	lg->reset_reason = reason;
	if (lg->base_seq > lg->last_seq ||
	    (lg->base_pending && lg->last_seq != 0)) {
		snprintf(err, errlen,
		    "%s: base_seq %llu%s is above last_seq %llu", lg->path,
		    (unsigned long long)lg->base_seq,
		    lg->base_pending ? " (pending)" : "",
		    (unsigned long long)lg->last_seq);
		return -1;
	}
	span = lg->last_seq - lg->base_seq;
	/* Files of older collectors: every seq counted in neither was
	 * never received. */
	if (!has_missing && lg->stored + lg->rejected <= span)
		lg->missing = span - lg->stored - lg->rejected;
	if (lg->stored + lg->rejected + lg->missing != span) {
		snprintf(err, errlen,
		    "%s: stored + rejected + missing (%llu + %llu + %llu) is not last_seq - base_seq (%llu - %llu)",
		    lg->path, (unsigned long long)lg->stored,
		    (unsigned long long)lg->rejected,
		    (unsigned long long)lg->missing,
		    (unsigned long long)lg->last_seq,
		    (unsigned long long)lg->base_seq);
		return -1;
	}
	if ((lg->resets == 0) != (lg->reset_reason == LEDGER_RESET_NONE)) {
		snprintf(err, errlen, "%s: resets %llu with reset_reason '%s'",
		    lg->path, (unsigned long long)lg->resets,
		    reset_names[lg->reset_reason]);
		return -1;
	}
	return 0;
}

int
ledger_load(struct ledger *lg, char *err, size_t errlen)
{
	cJSON	    *root = NULL;
	const cJSON *a, *o;
	size_t	     i = 0;

	if (json_load_file(lg->path, LEDGER_FILE_MAX, &root, err, errlen) == -1)
		return -1;
	if (root == NULL) /* no file yet */
		return 0;
	if (!cJSON_IsObject(root) ||
	    ledger_head_from_json(lg, root, err, errlen) == -1) {
		if (!cJSON_IsObject(root))
			snprintf(err, errlen, "%s: not a ledger of probe %s",
			    lg->path, lg->name);
		cJSON_Delete(root);
		errno = EBADMSG;
		return -1;
	}
	a = json_get(root, "series");
	if (!cJSON_IsArray(a)) {
		snprintf(err, errlen,
		    "%s: field 'series': missing or not an array", lg->path);
		cJSON_Delete(root);
		errno = EBADMSG;
		return -1;
	}
	cJSON_ArrayForEach(o, a)
	{
		if (!cJSON_IsObject(o) ||
		    series_from_json(lg, o, err, errlen, i) == -1) {
			snprintf(err, errlen, "%s: series[%zu] does not decode",
			    lg->path, i);
			cJSON_Delete(root);
			errno = EBADMSG;
			return -1;
		}
		i++;
	}
	cJSON_Delete(root);
	return 0;
}
