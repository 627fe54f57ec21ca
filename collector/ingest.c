/*
 * ingest: envelope, spool ID, seq order, per-record decision, the seq
 * accounting of the ledger and the answer.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ingest.h"
#include "ledger.h"
#include "log.h"
#include "result.h"
#include "store.h"
#include "util.h"

#define INGEST_ERR_MAX 256

enum verdict { V_ACCEPTED, V_STORED_BEFORE, V_REJECTED, V_FAILED, V_AGAIN };

struct item {
	const cJSON *rec;
	uint64_t     seq; /* 0: unreadable */
	size_t	     index;
};

struct rejection {
	size_t index;
	char  *error;
};

struct batch {
	struct rejection *rej;
	size_t		  nrej, caprej;
	size_t		  accepted, duplicates;
	double		  now;
	/* Distinct seqs rejected past last_seq + 1 in this batch, not yet
	 * counted (all in last_seq+2..the seq at hand: seq order). */
	uint64_t      pend_first, pend_last, pend_n;
	struct result r; /* scratch: large, so not on the stack */
};

/* A batch on its way: parsed at ingest_start(), decided by ingest_step(). */
struct ingest {
	struct store  *st;
	struct ledger *lg;
	cJSON	      *root;
	struct item   *items;
	size_t	       n, next;	 /* records, and the next one to decide */
	unsigned       tries;	 /* times items[next] found its file locked */
	int	       can_wait; /* a lock is STORE_AGAIN, not a failure */
	double	       allowed;	 /* widest gap, from the batch's start */
	int	       status;	 /* != 0: answered at the start (400, 403) */
	char	      *answer;
	struct batch  *b;
};

char *
ingest_error(const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	char  *s;

	cJSON_AddStringToObject(o, "error", msg);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		fatalx("ingest: out of memory");
	return s;
}

static void
batch_reject(struct batch *b, size_t index, const char *msg)
{
	if (b->nrej == b->caprej) {
		b->caprej = b->caprej ? b->caprej * 2 : 16;
		b->rej = xreallocarray(b->rej, b->caprej, sizeof(*b->rej));
	}
	b->rej[b->nrej].index = index;
	b->rej[b->nrej].error = xstrdup(msg);
	b->nrej++;
}

static uint64_t
ingest_peek_seq(const cJSON *rec)
{
	const cJSON *it;
	double	     v;

	if (!cJSON_IsObject(rec))
		return 0;
	it = cJSON_GetObjectItemCaseSensitive(rec, "seq");
	if (!cJSON_IsNumber(it))
		return 0;
	v = it->valuedouble;
	if (!isfinite(v) || v < 1 || v > (double)RESULT_INT_MAX ||
	    v != floor(v))
		return 0;
	return (uint64_t)v;
}

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->index < y->index ? -1 : (x->index > y->index);
}

static int
rej_cmp(const void *a, const void *b)
{
	const struct rejection *x = a, *y = b;

	return x->index < y->index ? -1 : (x->index > y->index);
}

/*
 * Decide one record with a readable seq above last_seq. V_AGAIN: its file
 * is locked by a reader; decide it again after *retry_ms, with tries + 1.
 */
static enum verdict
ingest_record(struct store *st, struct ledger *lg, const cJSON *rec,
    struct result *r, double now, unsigned tries, uint64_t *retry_ms, char *err,
    size_t errlen)
{
	char		path[4096], value[STORE_VALUE_MAX];
	const char     *name, *why;
	struct series  *s;
	enum store_kind kind;
	int64_t		t;
	int		rc;

	if (result_from_json(rec, r, err, errlen) == -1)
		return V_REJECTED;
	if (strcmp(r->probe, lg->name) != 0) {
		snprintf(err, errlen,
		    "field 'probe': '%.64s' is not the probe of the batch",
		    r->probe);
		return V_REJECTED;
	}
	/* One record from the future would make every later one of its
	 * series "older than the last update". */
	if (r->ts > now + INGEST_TS_AHEAD_MAX) {
		snprintf(err, errlen,
		    "field 'ts': %.0f s ahead of the collector's clock (at most %d s allowed)",
		    ceil(r->ts - now), INGEST_TS_AHEAD_MAX);
		return V_REJECTED;
	}
	kind = r->kind == RESULT_TRAFFIC ? STORE_TRAFFIC : STORE_CHECK;
	name = r->kind == RESULT_TRAFFIC ? r->traffic.iface : r->target;
	if (kind == STORE_CHECK && lg->retired_cb != NULL &&
	    (why = lg->retired_cb(lg->batch_arg, name)) != NULL) {
		snprintf(err, errlen,
		    "target '%.64s' is retired (%.120s): take it out of the probe's targets",
		    name, why);
		lg->n_retired++;
		return V_REJECTED;
	}
	s = ledger_series(lg, r->kind, name, r->family, 0);
	if (s == NULL) {
		if (store_path(st, lg->name, name, kind, r->family, path,
			sizeof(path)) == -1) {
			snprintf(err, errlen,
			    "field '%s': longer than %d bytes once encoded as a file name",
			    kind == STORE_TRAFFIC ? "iface" : "target",
			    STORE_NAME_MAX);
			return V_REJECTED;
		}
		s = ledger_series(lg, r->kind, name, r->family, 1);
		if (s == NULL) {
			snprintf(err, errlen,
			    "more than %d series (targets x families) for this probe",
			    LEDGER_SERIES_MAX);
			return V_REJECTED;
		}
	}
	if (s->path == NULL) {
		if (store_path(st, lg->name, name, kind, r->family, path,
			sizeof(path)) == -1) {
			snprintf(err, errlen, "series '%.64s': no file name",
			    name);
			return V_REJECTED;
		}
		s->path = xstrdup(path);
	}
	t = (int64_t)floor(r->ts);
	if (s->rrd_last == SERIES_RRD_UNKNOWN &&
	    store_last(st, s->path, &s->rrd_last, err, errlen) == -1)
		return V_FAILED;
	if (t > s->rrd_last) {
		if (store_format(r, t, value, sizeof(value)) == -1) {
			snprintf(err, errlen, "record does not format");
			return V_REJECTED;
		}
		if (s->rrd_last == -1) {
			if (store_create(st, s->path, kind, t - 1, err,
				errlen) == -1) {
				s->rrd_last = SERIES_RRD_UNKNOWN;
				return V_FAILED;
			}
			s->rrd_last = t - 1; /* a try again only updates */
		}
		rc = store_update(st, s->path, value, tries, retry_ms, err,
		    errlen);
		if (rc == STORE_AGAIN)
			return V_AGAIN;
		if (rc == -1) {
			s->rrd_last = SERIES_RRD_UNKNOWN;
			return V_FAILED;
		}
		s->rrd_last = t;
		series_note(s, r, t, &lg->sc);
		return V_ACCEPTED;
	}
	if (t > s->stored_t) {
		series_note(s, r, t, &lg->sc);
		return V_STORED_BEFORE;
	}
	snprintf(err, errlen,
	    "%s than the last update of %s '%.64s'%s%s (ts %lld)",
	    t < s->stored_t ? "older" : "same second",
	    kind == STORE_TRAFFIC ? "interface" : "target", name,
	    kind == STORE_TRAFFIC ? "" : " ",
	    kind == STORE_TRAFFIC ? "" : family_name(r->family),
	    (long long)s->stored_t);
	return V_REJECTED;
}

/* Every key of the envelope known and once; 0, or 400 with err. */
static int
ingest_envelope_keys(const cJSON *root, char *err, size_t errlen)
{
	static const char *const keys[] = {"probe", "spool", "results"};
	unsigned		 seen = 0;

	for (const cJSON *c = root->child; c != NULL; c = c->next) {
		size_t i;

		for (i = 0; i < NELEM(keys); i++)
			if (c->string != NULL &&
			    strcmp(c->string, keys[i]) == 0)
				break;
		if (i == NELEM(keys)) {
			char k[48];

			snprintf(k, sizeof(k), "%.40s",
			    c->string != NULL ? c->string : "?");
			for (char *q = k; *q; q++)
				if ((unsigned char)*q < 0x20 || *q == 0x7f)
					*q = '?';
			snprintf(err, errlen, "field '%s': unknown field", k);
			return 400;
		}
		if (seen & (1u << i)) {
			snprintf(err, errlen, "field '%s': duplicate field",
			    keys[i]);
			return 400;
		}
		seen |= 1u << i;
	}
	return 0;
}

/*
 * Check the envelope; 0, or the HTTP status with the message in err.
 * *spool: the batch's spool ID, "" when absent.
 */
static int
ingest_envelope(const cJSON *root, const struct ledger *lg,
    const cJSON **results, const char **spool, char *err, size_t errlen)
{
	const cJSON *p;

	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "body must be a JSON object");
		return 400;
	}
	if (ingest_envelope_keys(root, err, errlen) != 0)
		return 400;
	p = cJSON_GetObjectItemCaseSensitive(root, "probe");
	if (p == NULL) {
		snprintf(err, errlen, "field 'probe': missing");
		return 400;
	}
	if (!cJSON_IsString(p) || p->valuestring == NULL) {
		snprintf(err, errlen, "field 'probe': must be a string");
		return 400;
	}
	if (strcmp(p->valuestring, lg->name) != 0) {
		snprintf(err, errlen,
		    "field 'probe': this token belongs to another probe");
		return 403;
	}
	*spool = "";
	p = cJSON_GetObjectItemCaseSensitive(root, "spool");
	if (p != NULL) {
		if (!cJSON_IsString(p) || p->valuestring == NULL) {
			snprintf(err, errlen,
			    "field 'spool': must be a string");
			return 400;
		}
		if (!ledger_spool_valid(p->valuestring)) {
			snprintf(err, errlen,
			    "field 'spool': must be %d lower-case hex digits",
			    LEDGER_SPOOL_LEN);
			return 400;
		}
		*spool = p->valuestring;
	}
	*results = cJSON_GetObjectItemCaseSensitive(root, "results");
	if (*results == NULL) {
		snprintf(err, errlen, "field 'results': missing");
		return 400;
	}
	if (!cJSON_IsArray(*results)) {
		snprintf(err, errlen, "field 'results': must be an array");
		return 400;
	}
	if (cJSON_GetArraySize(*results) > INGEST_RECORDS_MAX) {
		snprintf(err, errlen, "field 'results': more than %d records",
		    INGEST_RECORDS_MAX);
		return 400;
	}
	return 0;
}

static char *
batch_answer(struct batch *b)
{
	cJSON *o = cJSON_CreateObject(), *a;
	char  *s;

	cJSON_AddNumberToObject(o, "accepted", (double)b->accepted);
	cJSON_AddNumberToObject(o, "duplicates", (double)b->duplicates);
	a = cJSON_AddArrayToObject(o, "rejected");
	if (b->nrej > 1)
		qsort(b->rej, b->nrej, sizeof(*b->rej), rej_cmp);
	for (size_t i = 0; i < b->nrej; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddItemToArray(a, e);
		cJSON_AddNumberToObject(e, "index", (double)b->rej[i].index);
		cJSON_AddStringToObject(e, "error", b->rej[i].error);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		fatalx("ingest: out of memory");
	return s;
}

/*
 * A batch from spool ID spool, whose lowest readable seq is lowest
 * (UINT64_MAX: none): start the sequence again when it comes from another
 * spool. Two IDs that differ always mean a new spool. When only one side
 * has an ID (a probe upgraded to send it, or downgraded), seqs that go on
 * past last_seq are the same spool; seqs at or below it are a new one.
 */
static void
ingest_spool(struct ledger *lg, const char *spool, uint64_t lowest, double now)
{
	if (strcmp(spool, lg->spool) == 0)
		return;
	if ((spool[0] != '\0' && lg->spool[0] != '\0') ||
	    lowest <= lg->last_seq) {
		log_warnx(
		    "probe %s: new spool ID %s (was %s, last seq %llu); its sequence starts again",
		    lg->name, spool[0] != '\0' ? spool : "(none)",
		    lg->spool[0] != '\0' ? lg->spool : "none",
		    (unsigned long long)lg->last_seq);
		ledger_restart(lg, LEDGER_RESET_NEW_SPOOL, now);
	} else
		log_info("probe %s: spool ID %s (was %s); its sequence goes on after seq %llu",
		    lg->name, spool[0] != '\0' ? spool : "(none)",
		    lg->spool[0] != '\0' ? lg->spool : "none",
		    (unsigned long long)lg->last_seq);
	memcpy(lg->spool, spool, strlen(spool) + 1);
	lg->dirty = 1;
}

/*
 * A record of seq is stored: count the seqs it skips past last_seq
 * (rejected earlier in this batch, or missing) and move last_seq. While
 * the history is unknown, the batch's first seq sets the base.
 */
static void
ingest_count_stored(struct ledger *lg, struct batch *b, uint64_t seq)
{
	uint64_t from, gap, k = b->pend_n;

	if (k > 0 && b->pend_last == seq)
		k--; /* the same seq, rejected: this record stands for it */
	if (lg->base_pending) {
		lg->base_pending = 0;
		lg->base_seq = (k > 0 ? b->pend_first : seq) - 1;
		lg->last_seq = lg->base_seq;
		if (lg->base_seq > 0)
			log_info("probe %s: seqs counted from %llu on; the ones before are history this collector does not know",
			    lg->name, (unsigned long long)lg->base_seq + 1);
	}
	from = lg->last_seq + 1;
	gap = seq > from ? seq - from : 0;
	if (gap > 0 && gap > k) {
		if (k == 0)
			log_warnx(
			    "probe %s: seqs %llu..%llu never arrived (%llu records)",
			    lg->name, (unsigned long long)from,
			    (unsigned long long)seq - 1,
			    (unsigned long long)gap);
		else
			log_warnx(
			    "probe %s: of seqs %llu..%llu, %llu never arrived (%llu more were rejected)",
			    lg->name, (unsigned long long)from,
			    (unsigned long long)seq - 1,
			    (unsigned long long)(gap - k),
			    (unsigned long long)k);
	}
	lg->rejected += k;
	lg->missing += gap - k;
	lg->stored++;
	lg->last_seq = seq;
	lg->last_seq_at = b->now;
	b->pend_n = 0;
}

/* A record of seq is rejected: counted when it is the next seq. */
static void
ingest_count_rejected(struct ledger *lg, struct batch *b, uint64_t seq)
{
	if (!lg->base_pending && seq == lg->last_seq + 1) {
		lg->rejected++;
		lg->last_seq = seq;
		lg->last_seq_at = b->now;
		return;
	}
	if (b->pend_n > 0 && b->pend_last == seq)
		return;
	if (b->pend_n++ == 0)
		b->pend_first = seq;
	b->pend_last = seq;
}

/* The widest gap a record may open now (see SEQ_GAP_MAX). */
static double
ingest_gap_allowed(const struct ledger *lg, double now)
{
	double idle = now - lg->last_seq_at;

	return (double)SEQ_GAP_MAX + SEQ_RATE_MAX * (idle > 0 ? idle : 0);
}

/*
 * Run the records of the batch in seq order from job->next on; 0, -1 on
 * storage failure, or 1 with *retry_ms when the next record's file is
 * locked (job->next stays on it).
 */
static int
ingest_items(struct ingest *job, uint64_t *retry_ms, char *ferr, size_t ferrlen)
{
	struct ledger *lg = job->lg;
	struct batch  *b = job->b;
	char	       err[INGEST_ERR_MAX];

	for (; job->next < job->n; job->next++, job->tries = 0) {
		struct item *it = &job->items[job->next];

		if (it->seq == 0) {
			if (result_from_json(it->rec, &b->r, err,
				sizeof(err)) == 0)
				snprintf(err, sizeof(err),
				    "field 'seq': missing");
			batch_reject(b, it->index, err);
			lg->n_unnumbered++;
			lg->n_rejected++;
			continue;
		}
		if (it->seq <= lg->last_seq) {
			b->duplicates++;
			lg->n_duplicate++;
			continue;
		}
		lg->dirty = 1;
		/* A spool numbers from 1: nothing comes before seq 1. */
		if (lg->base_pending && it->seq == 1)
			lg->base_pending = 0;
		if (!lg->base_pending &&
		    (double)(it->seq - lg->last_seq) > job->allowed) {
			snprintf(err, sizeof(err),
			    "field 'seq': %llu is more than %.0f past the last one, %llu",
			    (unsigned long long)it->seq, job->allowed,
			    (unsigned long long)lg->last_seq);
			batch_reject(b, it->index, err);
			lg->n_rejected++;
			continue;
		}
		switch (ingest_record(job->st, lg, it->rec, &b->r, b->now,
		    job->tries, job->can_wait ? retry_ms : NULL, err,
		    sizeof(err))) {
		case V_ACCEPTED:
			b->accepted++;
			lg->n_accepted++;
			ingest_count_stored(lg, b, it->seq);
			break;
		case V_STORED_BEFORE:
			b->duplicates++;
			lg->n_duplicate++;
			ingest_count_stored(lg, b, it->seq);
			break;
		case V_REJECTED:
			batch_reject(b, it->index, err);
			lg->n_rejected++;
			ingest_count_rejected(lg, b, it->seq);
			break;
		case V_FAILED:
			snprintf(ferr, ferrlen, "%s", err);
			return -1;
		case V_AGAIN:
			job->tries++;
			return 1;
		}
	}
	return 0;
}

struct ingest *
ingest_start(struct store *st, struct ledger *lg, const char *body, size_t len,
    double now)
{
	struct ingest *job = xcalloc(1, sizeof(*job));
	const cJSON   *results = NULL, *rec;
	const char    *spool = "";
	uint64_t       lowest = UINT64_MAX;
	char	       err[INGEST_ERR_MAX], msg[INGEST_ERR_MAX + 32];
	size_t	       n = 0;

	job->st = st;
	job->lg = lg;
	job->can_wait = 1;
	job->b = xcalloc(1, sizeof(*job->b));
	job->b->now = now;
	job->root = json_parse_strict(body, len, err, sizeof(err));
	if (job->root == NULL) {
		snprintf(msg, sizeof(msg), "body is not JSON: %s", err);
		job->answer = ingest_error(msg);
		job->status = 400;
		return job;
	}
	if ((job->status = ingest_envelope(job->root, lg, &results, &spool, err,
		 sizeof(err))) != 0) {
		job->answer = ingest_error(err);
		return job;
	}
	job->items = xcalloc((size_t)cJSON_GetArraySize(results) + 1,
	    sizeof(*job->items));
	cJSON_ArrayForEach(rec, results)
	{
		struct item *it = &job->items[n];

		it->rec = rec;
		it->seq = ingest_peek_seq(rec);
		it->index = n;
		if (it->seq != 0 && it->seq < lowest)
			lowest = it->seq;
		n++;
	}
	job->n = n;
	ingest_spool(lg, spool, lowest, now);
	job->allowed = ingest_gap_allowed(lg, now);
	if (n > 1)
		qsort(job->items, n, sizeof(*job->items), item_cmp);
	return job;
}

int
ingest_step(struct ingest *job, char **answer, uint64_t *retry_ms)
{
	struct ledger *lg = job->lg;
	struct batch  *b = job->b;
	char	       err[INGEST_ERR_MAX], msg[INGEST_ERR_MAX + 32];
	int	       status = 200, failed;

	*answer = NULL;
	if (job->status != 0) {
		*answer = job->answer;
		job->answer = NULL;
		return job->status;
	}
	failed = ingest_items(job, retry_ms, err, sizeof(err));
	if (failed == 1)
		return INGEST_AGAIN;
	lg->last_seen = b->now;
	lg->dirty = 1;
	if (failed) {
		log_warnx("probe %s: batch stopped, storage failed: %s",
		    lg->name, err);
		status = 503;
	}
	/* Alerts first (their events queued durably, then their state): a
	 * crash before the ledger is saved makes the probe send the batch
	 * again; fed again, its records lead to the states already saved,
	 * which raise no second event. */
	if (lg->batch_cb != NULL)
		lg->batch_cb(lg, b->now, lg->batch_arg);
	if (ledger_save(lg, msg, sizeof(msg)) == -1) {
		log_warnx("probe %s: cannot save the ledger: %s", lg->name,
		    msg);
		status = 503;
	}
	if (status == 503)
		*answer = ingest_error(
		    "storage failed; the batch was not fully stored, send it again later");
	else {
		*answer = batch_answer(b);
		log_debug(
		    "probe %s: %zu records: %zu accepted, %zu duplicates, %zu rejected",
		    lg->name, job->n, b->accepted, b->duplicates, b->nrej);
	}
	return status;
}

void
ingest_free(struct ingest *job)
{
	if (job == NULL)
		return;
	cJSON_Delete(job->root);
	free(job->items);
	if (job->b != NULL)
		for (size_t i = 0; i < job->b->nrej; i++)
			free(job->b->rej[i].error);
	if (job->b != NULL)
		free(job->b->rej);
	free(job->b);
	cJSON_free(job->answer);
	free(job);
}

int
ingest_post(struct store *st, struct ledger *lg, const char *body, size_t len,
    double now, char **answer)
{
	struct ingest *job = ingest_start(st, lg, body, len, now);
	int	       status;

	job->can_wait = 0;
	status = ingest_step(job, answer, NULL);
	ingest_free(job);
	return status;
}
