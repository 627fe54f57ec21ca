/*
 * summary: counting, the RRD definition and its update.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <rrd.h>
#include <rrd_client.h>

#include "site.h"
#include "store.h"
#include "summary.h"
#include "util.h"

void
summary_count(const struct site *si, struct summary_counts *c)
{
	struct site_counts sc;

	site_count(si, &sc);
	memset(c, 0, sizeof(*c));
	c->targets = sc.targets;
	c->ready = sc.ready;
	c->ipv6_up = sc.ipv6_up;
	c->ipv4_up = sc.ipv4_up;
	c->score = sc.score;
}

int
summary_format(const struct summary_counts *c, int64_t t, char *out,
    size_t size)
{
	char score[32];
	int  n;

	if (c->score < 0)
		snprintf(score, sizeof(score), "U");
	else
		snprintf(score, sizeof(score), "%.2f", c->score);
	n = snprintf(out, size, "%lld:%zu:%zu:%zu:%zu:%s", (long long)t,
	    c->targets, c->ready, c->ipv6_up, c->ipv4_up, score);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static const char *
summary_error(void)
{
	const char *m = rrd_get_error();

	return m != NULL && m[0] != '\0' ? m : "unknown librrd error";
}

static int
summary_create(const char *path, const char *daemon, int step_s, int64_t t,
    char *err, size_t errlen)
{
	static const char *const ds[] = {"targets", "ready", "ipv6_up",
	    "ipv4_up", "score"};
	struct store_rra	 rras[STORE_RRAS_MAX];
	size_t			 nrras;
	char			 buf[NELEM(ds) + STORE_RRAS_MAX][64];
	const char		*argv[NELEM(buf)];
	int			 n = 0, rc;

	for (size_t i = 0; i < NELEM(ds); i++) {
		snprintf(buf[n], sizeof(buf[n]), "DS:%s:GAUGE:%d:0:U", ds[i],
		    SUMMARY_HEARTBEAT_S);
		argv[n] = buf[n];
		n++;
	}
	/* A check file's archives: what the summary's graphs and trend read
	 * is a part of what is read from those (store.c). */
	nrras = store_rras(STORE_CHECK, step_s, rras);
	for (size_t r = 0; r < nrras; r++) {
		snprintf(buf[n], sizeof(buf[n]), "RRA:AVERAGE:%s:%d:%lld",
		    STORE_XFF, rras[r].steps, rras[r].rows);
		argv[n] = buf[n];
		n++;
	}
	rrd_clear_error();
	if (daemon != NULL)
		rc = rrdc_create(path, (unsigned long)step_s, (time_t)t - 1, 1,
		    n, argv);
	else
		rc = rrd_create_r2(path, (unsigned long)step_s, (time_t)t - 1,
		    1, NULL, NULL, n, argv);
	if (rc != 0) {
		snprintf(err, errlen, "create %s: %s", path, summary_error());
		return -1;
	}
	return 0;
}

int
summary_update(const char *path, const char *daemon, int step_s,
    const struct summary_counts *c, int64_t t, char *err, size_t errlen)
{
	struct stat sb;
	char	    value[256];
	const char *argv[1] = {value};
	time_t	    last;
	int	    rc;

	if (stat(path, &sb) == -1) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (summary_create(path, daemon, step_s, t, err, errlen) == -1)
			return -1;
	}
	rrd_clear_error();
	last = daemon != NULL ? rrdc_last(path) : rrd_last_r(path);
	if (last == -1) {
		snprintf(err, errlen, "last update of %s: %s", path,
		    summary_error());
		return -1;
	}
	if ((int64_t)last >= t)
		return 0;
	if (summary_format(c, t, value, sizeof(value)) == -1) {
		snprintf(err, errlen, "summary does not format");
		return -1;
	}
	rrd_clear_error();
	if (daemon != NULL)
		rc = rrdc_update(path, 1, argv);
	else
		rc = rrd_update_r(path, NULL, 1, argv);
	if (rc != 0) {
		snprintf(err, errlen, "update %s: %s", path, summary_error());
		return -1;
	}
	return 0;
}
