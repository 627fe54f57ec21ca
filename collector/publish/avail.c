/*
 * avail: means over time windows and rrd_fetch.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rrd.h>
#include <rrd_client.h>

#include "avail.h"
#include "util.h"

void
avail_rows_free(struct avail_rows *r)
{
	if (r == NULL)
		return;
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Known values of rows r over (lo, hi]. */
static void
avail_add_rows(const struct avail_rows *r, int64_t lo, int64_t hi, double *sum,
    double *known)
{
	size_t first;

	if (r == NULL || r->n == 0 || r->step <= 0 || hi <= lo)
		return;
	first = lo > r->start ? (size_t)((lo - r->start) / r->step) : 0;
	for (size_t i = first; i < r->n; i++) {
		int64_t a = r->start + (int64_t)i * r->step, b = a + r->step;
		int64_t o = min64(b, hi) - max64(a, lo);

		if (a >= hi)
			break;
		if (o <= 0 || isnan(r->v[i]))
			continue;
		*sum += r->v[i] * (double)o;
		*known += (double)o;
	}
}

void
avail_add(const struct avail_rows *fine, const struct avail_rows *coarse,
    int64_t from, int64_t to, double *sum, double *known_s)
{
	int64_t cend;

	if (coarse == NULL || coarse->n == 0 || coarse->step <= 0) {
		avail_add_rows(fine, from, to, sum, known_s);
		return;
	}
	/* Before the coarse rows: fine rows. */
	avail_add_rows(fine, from, min64(to, coarse->start), sum, known_s);
	for (size_t i = 0; i < coarse->n; i++) {
		int64_t a = coarse->start + (int64_t)i * coarse->step;
		int64_t b = a + coarse->step;
		int64_t lo = max64(a, from), hi = min64(b, to);

		if (hi <= lo)
			continue;
		if (isnan(coarse->v[i]))
			avail_add_rows(fine, lo, hi, sum, known_s);
		else {
			*sum += coarse->v[i] * (double)(hi - lo);
			*known_s += (double)(hi - lo);
		}
	}
	cend = coarse->start + (int64_t)coarse->n * coarse->step;
	avail_add_rows(fine, max64(cend, from), to, sum, known_s);
}

static int
span_cmp(const void *a, const void *b)
{
	const struct avail_span *x = a, *y = b;

	return x->from < y->from ? -1 : (x->from > y->from);
}

size_t
avail_spans_merge(struct avail_span *v, size_t n)
{
	size_t k = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), span_cmp);
	for (size_t i = 1; i < n; i++) {
		if (v[i].from <= v[k].to) {
			if (v[i].to > v[k].to)
				v[k].to = v[i].to;
			continue;
		}
		v[++k] = v[i];
	}
	return k + 1;
}

void
avail_add_except(const struct avail_rows *fine, const struct avail_rows *coarse,
    int64_t from, int64_t to, const struct avail_span *skip, size_t nskip,
    double *sum, double *known_s)
{
	int64_t at = from;

	for (size_t i = 0; i < nskip && at < to; i++) {
		if (skip[i].to <= at)
			continue;
		if (skip[i].from >= to)
			break;
		if (skip[i].from > at)
			avail_add(fine, coarse, at, skip[i].from, sum, known_s);
		at = skip[i].to;
	}
	if (at < to)
		avail_add(fine, coarse, at, to, sum, known_s);
}

int
avail_fetch(const char *path, const char *daemon, const char *ds, int64_t start,
    int64_t end, int64_t step_s, struct avail_rows *out, char *err,
    size_t errlen)
{
	time_t	      s = (time_t)start, e = (time_t)end;
	unsigned long step = (unsigned long)step_s, nds = 0, col;
	char	    **names = NULL;
	rrd_value_t  *data = NULL;
	int	      rc;

	memset(out, 0, sizeof(*out));
	rrd_clear_error();
	if (daemon != NULL)
		rc = rrdc_fetch(path, "AVERAGE", &s, &e, &step, &nds, &names,
		    &data);
	else
		rc = rrd_fetch_r(path, "AVERAGE", &s, &e, &step, &nds, &names,
		    &data);
	if (rc != 0) {
		const char *m = rrd_get_error();

		snprintf(err, errlen, "fetch %s: %s", path,
		    m != NULL && m[0] != '\0' ? m : "unknown librrd error");
		return -1;
	}
	for (col = 0; col < nds; col++)
		if (strcmp(names[col], ds) == 0)
			break;
	if (col == nds || step == 0 || e <= s) {
		snprintf(err, errlen, "fetch %s: no data source %s", path, ds);
		rc = -1;
	} else {
		out->start = (int64_t)s;
		out->step = (int64_t)step;
		/* rrd_fetch returns (end - start) / step rows, plus one. */
		out->n = (size_t)((e - s) / (time_t)step);
		out->v = xcalloc(out->n + 1, sizeof(*out->v));
		for (size_t i = 0; i < out->n; i++)
			out->v[i] = data[i * nds + col];
	}
	for (unsigned long i = 0; i < nds; i++)
		rrd_freemem(names[i]);
	rrd_freemem(names);
	rrd_freemem(data);
	return rc;
}
