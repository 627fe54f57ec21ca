/*
 * fuzz_alert: libFuzzer target for alert_load(), the collector reading
 * back DATA_DIR/alerts.json after a restart: the input is the file. A file
 * that does not decode is refused whole (errno EBADMSG, a message naming
 * the file, no target kept). One that loads is then evaluated as the
 * daemon would next -- alert_batch() and alert_tick() against one probe's
 * ledger, the same every run, whose series say portal is down over IPv6
 * and up over IPv4 and "a" is up with a certificate 5 days from expiry --
 * and must then hold sorted targets, changes within their ring and events
 * that name their target; saved, it loads again with the same states.
 *
 * FUZZ_SOURCES: collector/alert.c collector/maint.c collector/ledger.c collector/state.c common/table.c common/json.c common/result.c common/util.c common/log.c
 * FUZZ_LIBS: libcjson libcrypto
 * FUZZ_FLAGS: -close_fd_mask=2
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/alert.h"
#include "collector/ledger.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NOW (1764480000.0 + 3600)

static char	      path[PATH_MAX];
static struct ledger *lg;

/* One check record of p1 for (target, fam), noted in the ledger. */
static void
note(const char *target, enum family fam, double ts, enum outcome o, int ready,
    int cert_days)
{
	struct result	r;
	struct series  *s = ledger_series(lg, RESULT_CHECK, target, fam, 1);
	static uint64_t seq;

	result_init(&r);
	snprintf(r.probe, sizeof(r.probe), "p1");
	snprintf(r.target, sizeof(r.target), "%s", target);
	snprintf(r.url, sizeof(r.url), "https://%s.example/", target);
	r.family = fam;
	r.ts = ts;
	r.seq = ++seq;
	r.outcome = o;
	r.ready = ready;
	if (cert_days != 0) {
		r.has_tls = r.has_cert = 1;
		r.cert_days_left = cert_days;
	}
	if (o != OUTCOME_OK)
		snprintf(r.error, sizeof(r.error), "timed out");
	series_note(s, &r, (int64_t)ts, &lg->sc);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = fuzz_dir("alert");

	(void)argc;
	(void)argv;
	fuzz_path(path, sizeof(path), dir, "alerts.json");
	lg = ledger_new("p1", "/nonexistent/p1.json"); /* never saved */
	for (int i = 3; i > 0; i--) {
		note("portal", FAMILY_IPV6, NOW - 20 * i, OUTCOME_TIMEOUT, 0,
		    0);
		note("portal", FAMILY_IPV4, NOW - 20 * i, OUTCOME_OK, 1, 40);
		note("a", FAMILY_IPV6, NOW - 20 * i, OUTCOME_OK, 1, 5);
	}
	return 0;
}

static void
sink_cb(void *arg, const struct alert_event *ev)
{
	(void)arg;
	if ((unsigned)ev->kind >= ALERT__N || ev->target == NULL ||
	    ev->nprobes > ALERT_PROBES_MAX ||
	    strnlen(ev->detail, sizeof(ev->detail)) == sizeof(ev->detail))
		abort();
}

/* Targets sorted, changes within their ring. */
static void
check(const struct alert *a)
{
	for (size_t i = 0; i < alert_count(a); i++) {
		const struct alert_target *t = alert_target_at(a, i);

		if (t == NULL || t->name[0] == '\0' ||
		    (i > 0 &&
			strcmp(alert_target_at(a, i - 1)->name, t->name) >= 0))
			abort();
		for (int f = 0; f < FAMILY__N; f++) {
			const struct alert_state *st = &t->fam[f];

			if (st->nchanges > ALERT_CHANGES ||
			    st->head >= ALERT_CHANGES ||
			    alert_change_at(st, st->nchanges) != NULL ||
			    (st->nchanges > 0 &&
				alert_change_at(st, st->nchanges - 1) == NULL))
				abort();
		}
	}
}

/* a and b hold the same states (times as the file keeps them). */
static void
same(const struct alert *a, const struct alert *b)
{
	if (alert_count(a) != alert_count(b))
		abort();
	for (size_t i = 0; i < alert_count(a); i++) {
		const struct alert_target *x = alert_target_at(a, i);
		const struct alert_target *y = alert_target_at(b, i);

		if (strcmp(x->name, y->name) != 0 || x->ready != y->ready ||
		    x->ready_told != y->ready_told ||
		    x->has_cert != y->has_cert ||
		    (x->has_cert && x->cert_days != y->cert_days) ||
		    x->cert_told != y->cert_told)
			abort();
		for (int f = 0; f < FAMILY__N; f++) {
			const struct alert_state *p = &x->fam[f],
						 *q = &y->fam[f];

			if (p->since == 0)
				continue; /* never seen: not in the file */
			if (p->state != q->state || p->told != q->told ||
			    p->outcome != q->outcome ||
			    fabs(p->since - q->since) > 0.0006 ||
			    p->nchanges != q->nchanges)
				abort();
			for (size_t k = 0; k < p->nchanges; k++) {
				const struct alert_change *c =
				    alert_change_at(p, k);
				const struct alert_change *d =
				    alert_change_at(q, k);

				if (c->from != d->from || c->to != d->to ||
				    c->outcome != d->outcome ||
				    fabs(c->ts - d->ts) > 0.0006)
					abort();
			}
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alert *a = alert_new(), *b;
	char	      err[512];

	alert_set_sink(a, sink_cb, NULL);
	fuzz_write(path, data, size, 0600);
	err[0] = '\0';
	errno = 0;
	if (alert_load(a, path, err, sizeof(err)) == -1) {
		if (errno != EBADMSG || strncmp(err, path, strlen(path)) != 0 ||
		    alert_count(a) != 0) {
			fprintf(stderr, "refused (errno %d) with: %s\n", errno,
			    err);
			abort();
		}
		alert_free(a);
		return 0;
	}
	check(a);

	for (size_t i = 0; i < lg->nseries; i++)
		lg->series[i]->alert_touched = 1;
	alert_batch(a, &lg, 1, lg, NOW);
	alert_tick(a, &lg, 1, NOW + 30);
	check(a);
	if (alert_save(a, err, sizeof(err)) == -1) {
		fprintf(stderr, "save: %s\n", err);
		abort();
	}
	b = alert_new();
	if (alert_load(b, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "saved alert state does not load: %s\n", err);
		abort();
	}
	same(a, b);
	alert_free(a);
	alert_free(b);
	return 0;
}
