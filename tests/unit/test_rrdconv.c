/*
 * test_rrdconv: the store's layout is at most a quarter of the one before
 * it, per series, for checks and traffic; files made in the layout before
 * (its definition kept here), filled over months (sparse) and days (every
 * minute, with outages and gaps), are converted, and every read the site
 * makes -- each graph's fetch, availability's fine and coarse rows -- and
 * every graph drawn give the same as from the old file, before and after
 * more records come in; a converted file is left alone; a conversion killed
 * before its rename leaves the old file whole and is done again; the
 * store's record of an update cut short is not written back over a file
 * converted since; through a real rrdcached what it holds goes into the
 * file first, and what comes after into the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

/* The file layout (rrd_format.h), for the store's undo record. */
#define RRD_EXPORT_DEPRECATED
#include <rrd.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "collector/publish/graph.h"
#include "collector/publish/summary.h"
#include "collector/rrdconv.h"
#include "collector/store.h"
#include "tmpdir.h"
#include "util.h"

/* The end of the records of the first fill: mid-minute, mid-hour, 05:20
 * UTC -- every archive has a row in consolidation. */
#define TE	   (1764480000LL + 37)
#define DAY	   86400LL
#define KIND_SUMM  2 /* the summary file (a check file's archives) */
#define UPDATE_MAX 512

/*
 * The layout before this one, as store.c and summary.c made it: AVERAGE,
 * MIN and MAX of 1 step for 2 days, 5 for 14, 60 for 62, 1440 for 1827.
 */
static int
old_args(int kind, int step, char buf[][64], const char **argv)
{
	static const char *const chk[] = {"up:0:1", "dns:0:U", "connect:0:U",
	    "tls:0:U", "ttfb:0:U", "total:0:U", "cert_days:U:U"};
	static const char *const trf[] = {"pkts_ipv6:0:U", "pkts_ipv4:0:U",
	    "pkts_other:0:U", "bytes_ipv6:0:U", "bytes_ipv4:0:U",
	    "bytes_other:0:U", "ptb:0:U", "unreach:0:U", "drops:0:U"};
	static const char *const sum[] = {"targets:0:U", "ready:0:U",
	    "ipv6_up:0:U", "ipv4_up:0:U", "score:0:U"};
	static const char *const cfs[] = {"AVERAGE", "MIN", "MAX"};
	static const int rras[][2] = {{1, 2}, {5, 14}, {60, 62}, {1440, 1827}};
	const char *const *ds = kind == STORE_CHECK ? chk :
	    kind == STORE_TRAFFIC		    ? trf :
						      sum;
	size_t		   nds = kind == STORE_CHECK ? NELEM(chk) :
			kind == STORE_TRAFFIC	     ? NELEM(trf) :
						       NELEM(sum);
	int hb = kind == STORE_CHECK ? (3 * step > 1200 ? 3 * step : 1200) :
	    kind == STORE_TRAFFIC    ? (3 * step > 3600 ? 3 * step : 3600) :
				       SUMMARY_HEARTBEAT_S;
	int n = 0;

	for (size_t i = 0; i < nds; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%s", ds[i]);
		*strchr(name, ':') = '\0';
		snprintf(buf[n], 64, "DS:%s:GAUGE:%d:%s", name, hb,
		    ds[i] + strlen(name) + 1);
		argv[n] = buf[n];
		n++;
	}
	for (size_t c = 0; c < NELEM(cfs); c++)
		for (size_t r = 0; r < NELEM(rras); r++) {
			long long span = (long long)rras[r][0] * step;

			snprintf(buf[n], 64, "RRA:%s:0.5:%d:%lld", cfs[c],
			    rras[r][0], (rras[r][1] * DAY + span - 1) / span);
			argv[n] = buf[n];
			n++;
		}
	return n;
}

static void
old_create(const char *path, int kind, int step, long long start)
{
	char	    buf[32][64];
	const char *argv[32];
	int	    n = old_args(kind, step, buf, argv);

	unlink(path);
	rrd_clear_error();
	assert_int_equal(rrd_create_r2(path, (unsigned long)step, (time_t)start,
			     1, NULL, NULL, n, argv),
	    0);
}

static uint32_t
mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/* The record of kind at t: known values that vary, outages, unknowns. */
static void
value(int kind, long long t, char *out, size_t size)
{
	uint32_t h = mix((uint32_t)t), b = mix((uint32_t)(t / 600));

	if (kind == STORE_CHECK) {
		int up =
		    b % 11 != 0 && (t < TE - 20 * 3600 || t >= TE - 18 * 3600);

		if (!up)
			snprintf(out, size, "%lld:0:%.1f:U:U:U:U:U", t,
			    (h % 300) / 10.0);
		else
			snprintf(out, size,
			    "%lld:1:%.1f:%.1f:%s:%.1f:%.1f:%lld", t,
			    (h % 500) / 10.0, (h % 900) / 10.0 + 1,
			    b % 7 == 0 ? "U" : "12.5", (h % 3000) / 10.0 + 20,
			    (h % 9000) / 10.0 + 60, 400 - (t - TE) / DAY);
	} else if (kind == STORE_TRAFFIC)
		snprintf(out, size, "%lld:%u:%u:%u:%u.5:%u:%u:%u:%u:0", t,
		    h % 1000, (h >> 8) % 1500, h % 7, h % 100000,
		    (h >> 4) % 200000, h % 300, b % 3, h % 2);
	else
		snprintf(out, size, "%lld:10:%u:%u:%u:%.2f", t, b % 11, h % 11,
		    10 - h % 3, (b % 100) / 10.0);
}

/* Update path with every record at from, from + every, ... < to. */
static void
fill(const char *path, int kind, long long from, long long to, int every)
{
	static char buf[UPDATE_MAX][96];
	const char *argv[UPDATE_MAX];
	int	    n = 0;

	for (long long t = from; t < to; t += every) {
		value(kind, t, buf[n], sizeof(buf[n]));
		argv[n] = buf[n];
		if (++n == UPDATE_MAX || t + every >= to) {
			rrd_clear_error();
			if (rrd_update_r(path, NULL, n, argv) != 0)
				fail_msg("update %s: %s", path,
				    rrd_get_error());
			n = 0;
		}
	}
}

/*
 * The history of a file made at TE - 501 days: two days of three, records
 * every 10 minutes (known rows in every archive, months back, but rows
 * of every third day unknown),
 * then the last four days every minute, a 45-minute gap 30 hours before
 * the end and a record missing here and there.
 */
static void
history(const char *path, int kind, int step)
{
	old_create(path, kind, step, TE - 501 * DAY);
	for (long long d = TE - 500 * DAY; d < TE - 5 * DAY; d += 3 * DAY) {
		long long day0 = d - d % DAY + 2 * 3600;

		fill(path, kind, day0, day0 + 2 * DAY - 5 * 3600, 600);
	}
	fill(path, kind, TE - 4 * DAY, TE - 30 * 3600, step);
	fill(path, kind, TE - 30 * 3600 + 45 * 60, TE - 3 * 3600, step);
	fill(path, kind, TE - 3 * 3600 + 17, TE + 1, step);
}

/* The folders above path. */
static void
mkdirs(const char *path)
{
	char d[PATH_MAX];

	snprintf(d, sizeof(d), "%s", path);
	for (char *s = d + strlen(tmpdir) + 1; (s = strchr(s, '/')) != NULL;
	     s++) {
		*s = '\0';
		assert_true(mkdir(d, 0750) == 0 || errno == EEXIST);
		*s = '/';
	}
}

static long long
file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return (long long)sb.st_size;
}

static void
copy_file(const char *from, const char *to)
{
	char  *buf;
	size_t len;

	assert_int_equal(file_read(from, 64 * 1024 * 1024, &buf, &len), 0);
	assert_int_equal(file_write_atomic(to, buf, len, 0640), 0);
	free(buf);
}

static int
same_bytes(const char *a, const char *b)
{
	char  *x, *y;
	size_t lx, ly;
	int    same;

	assert_int_equal(file_read(a, 64 * 1024 * 1024, &x, &lx), 0);
	assert_int_equal(file_read(b, 64 * 1024 * 1024, &y, &ly), 0);
	same = lx == ly && memcmp(x, y, lx) == 0;
	free(x);
	free(y);
	return same;
}

/* The same rows, NaN for NaN, from a and b over (start, end] at step. */
static void
same_fetch(const char *a, const char *b, long long start, long long end,
    long long step, const char *what)
{
	time_t s[2] = {(time_t)start, (time_t)start},
	       e[2] = {(time_t)end, (time_t)end};
	unsigned long st[2] = {(unsigned long)step, (unsigned long)step},
		      nds[2];
	char	   **names[2] = {NULL, NULL};
	rrd_value_t *data[2] = {NULL, NULL};
	const char  *p[2] = {a, b};
	size_t	     rows;

	for (int i = 0; i < 2; i++) {
		rrd_clear_error();
		if (rrd_fetch_r(p[i], "AVERAGE", &s[i], &e[i], &st[i], &nds[i],
			&names[i], &data[i]) != 0)
			fail_msg("%s: fetch %s: %s", what, p[i],
			    rrd_get_error());
	}
	if (s[0] != s[1] || e[0] != e[1] || st[0] != st[1] || nds[0] != nds[1])
		fail_msg("%s: %s answers %ld..%ld step %lu, %s %ld..%ld step %lu",
		    what, a, (long)s[0], (long)e[0], st[0], b, (long)s[1],
		    (long)e[1], st[1]);
	rows = (size_t)((e[0] - s[0]) / (time_t)st[0]);
	for (size_t i = 0; i < rows * nds[0]; i++) {
		double x = data[0][i], y = data[1][i];

		if (!(isnan(x) && isnan(y)) && x != y)
			fail_msg("%s: row %zu (%ld) ds %s: %.17g in %s, %.17g in %s",
			    what, i / nds[0],
			    (long)(s[0] + (time_t)((i / nds[0] + 1) * st[0])),
			    names[0][i % nds[0]], x, a, y, b);
	}
	for (int i = 0; i < 2; i++) {
		for (unsigned long d = 0; d < nds[i]; d++)
			rrd_freemem(names[i][d]);
		rrd_freemem(names[i]);
		rrd_freemem(data[i]);
	}
}

/* The known values of ds over the last days before end at step, of a. */
static size_t
known_rows(const char *path, long long start, long long end, long long step)
{
	time_t	      s = (time_t)start, e = (time_t)end;
	unsigned long st = (unsigned long)step, nds;
	char	    **names = NULL;
	rrd_value_t  *data = NULL;
	size_t	      known = 0;

	assert_int_equal(rrd_fetch_r(path, "AVERAGE", &s, &e, &st, &nds, &names,
			     &data),
	    0);
	for (size_t i = 0; i < (size_t)((e - s) / (time_t)st) * nds; i++)
		known += !isnan(data[i]);
	for (unsigned long d = 0; d < nds; d++)
		rrd_freemem(names[d]);
	rrd_freemem(names);
	rrd_freemem(data);
	return known;
}

static long long
arg_ll(const struct graph_argv *a, const char *key)
{
	for (int i = 0; i < a->n; i++)
		if (strncmp(a->v[i], key, strlen(key)) == 0)
			return atoll(a->v[i] + strlen(key));
	fail_msg("no %s", key);
	return 0;
}

/*
 * An SVG without the numbers cairo gives its surfaces (id="surface217"),
 * which count the surfaces this process made: its new length.
 */
static size_t
svg_plain(unsigned char *img, size_t len)
{
	static const char word[] = "surface";
	size_t		  n = 0;

	for (size_t i = 0; i < len;) {
		if (len - i > strlen(word) &&
		    memcmp(img + i, word, strlen(word)) == 0) {
			memmove(img + n, img + i, strlen(word));
			n += strlen(word);
			i += strlen(word);
			while (i < len && img[i] >= '0' && img[i] <= '9')
				i++;
			continue;
		}
		img[n++] = img[i++];
	}
	return n;
}

/* The image librrd draws for rq (NULL: it failed, said). Caller frees. */
static unsigned char *
draw(const struct graph_req *rq, size_t *len)
{
	struct graph_argv a;
	rrd_info_t	 *info, *i;
	unsigned char	 *img = NULL;

	if (graph_args(rq, &a) == -1) {
		graph_argv_free(&a);
		fprintf(stderr, "graph_args failed\n");
		return NULL;
	}
	rrd_clear_error();
	info = rrd_graph_v(a.n, a.v);
	graph_argv_free(&a);
	if (info == NULL) {
		fprintf(stderr, "graph: %s\n", rrd_get_error());
		return NULL;
	}
	for (i = info; i != NULL; i = i->next)
		if (i->type == RD_I_BLO && strcmp(i->key, "image") == 0) {
			*len = i->value.u_blo.size;
			img = xmalloc(*len);
			memcpy(img, i->value.u_blo.ptr, *len);
		}
	rrd_info_free(info);
	return img;
}

/* Every graph of a file of kind: kinds, periods, formats. */
struct graph_case {
	enum graph_kind	  kind;
	enum graph_period period;
	int		  svg;
};

static size_t
graph_cases(int kind, struct graph_case *out)
{
	static const enum graph_kind chk[] = {GRAPH_AVAIL, GRAPH_LATENCY,
	    GRAPH_PROBE};
	static const enum graph_kind trf[] = {GRAPH_SHARE, GRAPH_BYTES,
	    GRAPH_ICMP};
	const enum graph_kind	    *kinds = kind == STORE_CHECK ? chk : trf;
	size_t			     nk = kind == KIND_SUMM ? 1 : 3, n = 0;

	for (size_t k = 0; k < nk; k++)
		for (int p = 0; p < PERIOD__N; p++)
			for (int svg = 0; svg < 2; svg++) {
				enum graph_kind gk = kind == KIND_SUMM ?
				    GRAPH_SUMMARY :
				    kinds[k];

				/* the hour: availability's PNG; SVGs: the
				 * day's (the data is the PNG's) */
				if ((p == PERIOD_HOUR &&
					(gk != GRAPH_AVAIL || svg)) ||
				    (svg && p != PERIOD_DAY))
					continue;
				out[n].kind = gk;
				out[n].period = (enum graph_period)p;
				out[n].svg = svg;
				n++;
			}
	return n;
}

/* The request of case gc for the file f (src: room for its source). */
static void
graph_case_req(const struct graph_case *gc, const char *f, long long end,
    struct graph_src *src, struct graph_req *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->kind = gc->kind;
	rq->period = gc->period;
	rq->svg = gc->svg;
	rq->target = "t";
	rq->probe = "p";
	rq->iface = "eth0";
	rq->interval_s = 60;
	rq->end = end;
	src->rrd[FAMILY_IPV6] = f;
	src->rrd[FAMILY_IPV4] = f;
	rq->src = src;
	rq->nsrc = 1;
	rq->summary = rq->traffic = f;
}

/* The graphs of old and new, drawn: how many differ (said on stderr). */
static int
images_differ(const char *old, const char *new, int kind, long long end)
{
	struct graph_case gc[64];
	size_t		  n = graph_cases(kind, gc);
	int		  differ = 0;

	for (size_t c = 0; c < n; c++) {
		struct graph_src src;
		struct graph_req rq;
		unsigned char	*img[2];
		size_t		 len[2] = {0, 0};

		for (int i = 0; i < 2; i++) {
			graph_case_req(&gc[c], i == 0 ? old : new, end, &src,
			    &rq);
			img[i] = draw(&rq, &len[i]);
			if (img[i] != NULL && gc[c].svg)
				len[i] = svg_plain(img[i], len[i]);
		}
		if (img[0] == NULL || img[1] == NULL || len[0] != len[1] ||
		    memcmp(img[0], img[1], len[0]) != 0) {
			fprintf(stderr, "%s graph, %s%s: the images differ\n",
			    graph_kind_name(gc[c].kind),
			    graph_period_name(gc[c].period),
			    gc[c].svg ? " (SVG)" : "");
			differ++;
		}
		free(img[0]);
		free(img[1]);
	}
	return differ;
}

static int
under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

/*
 * Every read the site makes of a file of kind, old against new, as of
 * end: each graph's fetch (its window and resolution, from graph_args())
 * and, for checks, availability's and the summary's; and each graph drawn,
 * byte for byte -- in a child, as the daemon draws: what librrd, pango and
 * fontconfig never free ends with it (under valgrind, which reports that
 * and exits 99, that is theirs).
 */
static void
same_reads(const char *old, const char *new, int kind, int step, long long end)
{
	struct graph_case gc[64];
	size_t		  n = graph_cases(kind, gc);
	char		  what[128];
	pid_t		  pid;
	int		  status;

	for (size_t c = 0; c < n; c++) {
		struct graph_src  src;
		struct graph_req  rq;
		struct graph_argv a;

		graph_case_req(&gc[c], old, end, &src, &rq);
		assert_int_equal(graph_args(&rq, &a), 0);
		snprintf(what, sizeof(what), "%s graph, %s",
		    graph_kind_name(rq.kind), graph_period_name(rq.period));
		same_fetch(old, new, arg_ll(&a, "--start="),
		    arg_ll(&a, "--end="), arg_ll(&a, "--step="), what);
		graph_argv_free(&a);
	}
	fflush(NULL);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		_exit(images_differ(old, new, kind, end) == 0 ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0 &&
	    !(under_valgrind() && WEXITSTATUS(status) == 99))
		fail_msg("graphs of %s and %s differ", old, new);
	if (kind == STORE_TRAFFIC)
		return;
	/* publish.c: availability (and the summary's trend). */
	same_fetch(old, new, end - 2 * DAY, end, step, "fine rows, 2 days");
	same_fetch(old, new, end - 30 * DAY, end, 60LL * step,
	    "coarse rows, 30 days");
	same_fetch(old, new, end - 31 * DAY, end, 60LL * step,
	    "coarse rows, 31 days");
}

static void
kind_path(char *out, size_t size, const char *name, int kind)
{
	snprintf(out, size, "%s/rrd/p1/%s.%s", tmpdir, name,
	    kind == STORE_CHECK	      ? "ipv6.rrd" :
		kind == STORE_TRAFFIC ? "traffic.rrd" :
					"summary.rrd");
}

/* Bytes per series, new against old, at the default step and others. */
static void
test_quarter(void **state)
{
	static const int steps[] = {10, 30, 60, 120, 300, 600, 900, 3600};
	char		 err[512], p[PATH_MAX], q[PATH_MAX];

	(void)state;
	for (size_t s = 0; s < NELEM(steps); s++)
		for (int kind = STORE_CHECK; kind <= STORE_TRAFFIC; kind++) {
			struct store *st = store_new(tmpdir, steps[s], NULL);
			long long     o, n;

			snprintf(p, sizeof(p), "%s/q-old.rrd", tmpdir);
			snprintf(q, sizeof(q), "%s/rrd/q/new-%d.%s", tmpdir,
			    steps[s],
			    kind == STORE_CHECK ? "ipv6.rrd" : "traffic.rrd");
			old_create(p, kind, steps[s], TE);
			unlink(q);
			assert_int_equal(store_create(st, q,
					     (enum store_kind)kind, TE, err,
					     sizeof(err)),
			    0);
			o = file_size(p);
			n = file_size(q);
			print_message(
			    "step %d s, %s: %lld bytes before, %lld now (%.1f %%)\n",
			    steps[s], kind == STORE_CHECK ? "check" : "traffic",
			    o, n, 100.0 * (double)n / (double)o);
			/* a quarter at the usual steps; beyond, the five
			 * years of daily rows and the header weigh more */
			if (steps[s] <= 120 && 4 * n > o)
				fail_msg("step %d: %lld bytes is more than a quarter of %lld",
				    steps[s], n, o);
			store_free(st);
		}
}

/*
 * An old file of each kind, converted: the same reads and graphs; more
 * records into both the old file and the converted one: still the same
 * (the rows in consolidation were carried over). Converting again leaves
 * the file as it is.
 */
static void
convert_kind(int kind, int step)
{
	struct store	     *st = store_new(tmpdir, step, NULL);
	struct rrdconv_counts c;
	char		      p[PATH_MAX], keep[PATH_MAX + 8], err[512];
	struct stat	      a, b;
	long long	      before;

	kind_path(p, sizeof(p), "conv", kind);
	mkdirs(p);
	history(p, kind, step);
	snprintf(keep, sizeof(keep), "%s.old", p);
	copy_file(p, keep);
	before = file_size(p);
	/* something to compare: the months of sparse rows are there */
	assert_true(known_rows(keep, TE - 400 * DAY, TE, 1440LL * step) >
	    (size_t)(400 * DAY / (1440 * step)));

	memset(&c, 0, sizeof(c));
	assert_int_equal(rrdconv_file(st, p,
			     kind == KIND_SUMM ? STORE_CHECK :
						 (enum store_kind)kind,
			     &c, err, sizeof(err)),
	    RRDCONV_CONVERTED);
	assert_int_equal(c.bytes_before, (uint64_t)before);
	assert_int_equal(c.bytes_after, (uint64_t)file_size(p));
	assert_true(step > 120 || 4 * file_size(p) <= before);
	same_reads(keep, p, kind, step, TE + 30);
	same_reads(keep, p, kind, step, TE + 290);
	/* the five years of daily rows are all there */
	same_fetch(keep, p, TE - 1800 * DAY, TE, 1440LL * step,
	    "daily rows, 5 years");

	/* Records come in: both files alike, rows in consolidation too. */
	fill(keep, kind, TE + step, TE + 36 * 3600, step);
	fill(p, kind, TE + step, TE + 36 * 3600, step);
	same_reads(keep, p, kind, step, TE + 36 * 3600 + 10);

	/* Already converted: left as it is. */
	assert_int_equal(stat(p, &a), 0);
	assert_int_equal(rrdconv_file(st, p,
			     kind == KIND_SUMM ? STORE_CHECK :
						 (enum store_kind)kind,
			     &c, err, sizeof(err)),
	    RRDCONV_CURRENT);
	assert_int_equal(stat(p, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_mtim.tv_sec, b.st_mtim.tv_sec);
	assert_int_equal(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
	unlink(keep);
	unlink(p);
	store_free(st);
}

static void
test_convert_check(void **state)
{
	(void)state;
	convert_kind(STORE_CHECK, 60);
}

static void
test_convert_traffic(void **state)
{
	(void)state;
	convert_kind(STORE_TRAFFIC, 60);
}

static void
test_convert_summary(void **state)
{
	(void)state;
	convert_kind(KIND_SUMM, 60);
}

/* Another step: other archives are read for the graphs (5 minutes). */
static void
test_convert_step300(void **state)
{
	(void)state;
	convert_kind(STORE_CHECK, 300);
}

/* Killed in fsync: the new file is whole, not renamed yet. */
static int die_in_fsync;

int
fsync(int fd)
{
	if (die_in_fsync)
		kill(getpid(), SIGKILL);
	return fdatasync(fd);
}

/*
 * A run killed before its rename leaves the old file byte for byte and
 * NAME.rrd.convert beside it; the next run removes that, converts the
 * file and counts it; a run after that finds nothing to do. A file that
 * is not an RRD stays as it is, counted as not converted.
 */
static void
test_cut_short(void **state)
{
	struct store	     *st;
	struct rrdconv_counts c;
	char p[PATH_MAX], q[PATH_MAX], keep[PATH_MAX + 8], tmp[PATH_MAX + 16],
	    junk[PATH_MAX];
	pid_t pid;
	int   status;

	(void)state;
	snprintf(p, sizeof(p), "%s/cut/rrd/p2/a.ipv6.rrd", tmpdir);
	snprintf(q, sizeof(q), "%s/cut/rrd/p2/b.ipv4.rrd", tmpdir);
	snprintf(junk, sizeof(junk), "%s/cut/rrd/p2/junk.ipv4.rrd", tmpdir);
	mkdirs(p);
	snprintf(keep, sizeof(keep), "%s/cut", tmpdir);
	st = store_new(keep, 60, NULL);
	old_create(p, STORE_CHECK, 60, TE - 3 * DAY);
	fill(p, STORE_CHECK, TE - 3 * DAY + 60, TE + 1, 60);
	old_create(q, STORE_CHECK, 60, TE - DAY);
	fill(q, STORE_CHECK, TE - DAY + 60, TE + 1, 120);
	snprintf(keep, sizeof(keep), "%s.old", p);
	copy_file(p, keep);
	snprintf(tmp, sizeof(tmp), "%s%s", p, RRDCONV_SUFFIX);

	fflush(NULL);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		die_in_fsync = 1;
		rrdconv_run(st, &c);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_true(same_bytes(p, keep));
	assert_int_equal(access(tmp, F_OK), 0);

	assert_int_equal(file_write_atomic(junk, "junk", 4, 0640), 0);
	assert_int_equal(rrdconv_run(st, &c), -1);
	assert_int_equal(c.files, 3);
	assert_int_equal(c.converted, 2);
	assert_int_equal(c.failed, 1);
	assert_int_equal(c.leftovers, 1);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(file_size(junk), 4); /* as it was */
	same_reads(keep, p, STORE_CHECK, 60, TE + 30);
	unlink(junk);

	assert_int_equal(rrdconv_run(st, &c), 0);
	assert_int_equal(c.files, 2);
	assert_int_equal(c.converted, 0);
	assert_int_equal(c.current, 2);
	assert_int_equal(c.leftovers, 0);
	store_free(st);
}

/*
 * The store's record of an update cut short (store.c), marked in progress,
 * holding the header path has now.
 */
static void
undo_record(const char *data_dir, const char *path)
{
	struct {
		char	 magic[8];
		uint32_t pathlen, len;
	} h;
	char	       u[PATH_MAX + 32];
	unsigned char *hdr;
	char	      *buf;
	size_t	       len, flen;
	FILE	      *f;

	assert_int_equal(file_read(path, 64 * 1024 * 1024, &buf, &flen), 0);
	{
		const stat_head_t *sh = (const void *)buf;

		len = sizeof(stat_head_t) + sh->ds_cnt * sizeof(ds_def_t) +
		    sh->rra_cnt * sizeof(rra_def_t) + sizeof(live_head_t) +
		    sh->ds_cnt * sizeof(pdp_prep_t) +
		    sh->ds_cnt * sh->rra_cnt * sizeof(cdp_prep_t) +
		    sh->rra_cnt * sizeof(rra_ptr_t);
	}
	hdr = (unsigned char *)buf;
	memcpy(h.magic, "v6wundo1", 8);
	h.pathlen = (uint32_t)strlen(path);
	h.len = (uint32_t)len;
	snprintf(u, sizeof(u), "%s/state", data_dir);
	assert_true(mkdir(u, 0750) == 0 || errno == EEXIST);
	snprintf(u, sizeof(u), "%s/state/rrd-undo", data_dir);
	assert_non_null(f = fopen(u, "w"));
	assert_int_equal(fwrite(&h, sizeof(h), 1, f), 1);
	assert_int_equal(fwrite(path, h.pathlen, 1, f), 1);
	assert_int_equal(fwrite(hdr, len, 1, f), 1);
	assert_int_equal(fclose(f), 0);
	free(buf);
}

/*
 * An update of an old-layout file cut short, its record left; the file
 * converted before the store saw the record: the store, starting, does not
 * write the old header over the new file (it would break it).
 */
static void
test_undo_after_conversion(void **state)
{
	struct store	     *st;
	struct rrdconv_counts c;
	char dir[PATH_MAX], p[PATH_MAX + 32], keep[PATH_MAX + 40], err[512];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/undo", tmpdir);
	snprintf(p, sizeof(p), "%s/rrd/p1/u.ipv6.rrd", dir);
	mkdirs(p);
	old_create(p, STORE_CHECK, 60, TE - DAY);
	fill(p, STORE_CHECK, TE - DAY + 60, TE + 1, 60);
	undo_record(dir, p);
	st = store_new(tmpdir, 60, NULL); /* not dir: the record stays */
	memset(&c, 0, sizeof(c));
	assert_int_equal(rrdconv_file(st, p, STORE_CHECK, &c, err, sizeof(err)),
	    RRDCONV_CONVERTED);
	store_free(st);
	snprintf(keep, sizeof(keep), "%s.new", p);
	copy_file(p, keep);
	st = store_new(dir, 60, NULL); /* finds the record */
	assert_true(same_bytes(p, keep));
	assert_int_equal(rrd_last_r(p), TE);
	store_free(st);
}

/* A real rrdcached on a socket in the test folder (see test_store.c). */
static pid_t
rrdcached_start(char *addr, size_t size)
{
	char		   sock[100], pidf[PATH_MAX];
	struct sockaddr_un sun;
	pid_t		   pid;

	assert_true(snprintf(sock, sizeof(sock), "%s/rrdcached.sock", tmpdir) <
	    (int)sizeof(sock));
	snprintf(pidf, sizeof(pidf), "%s/rrdcached.pid", tmpdir);
	snprintf(addr, size, "unix:%s", sock);
	if (RUNNING_ON_VALGRIND)
		return 0;
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 1);
		dup2(fd, 2);
		execlp("rrdcached", "rrdcached", "-g", "-l", addr, "-p", pidf,
		    "-b", tmpdir, "-w", "3600", "-z", "1", (char *)NULL);
		_exit(127);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	for (int i = 0; i < 200; i++) { /* 10 s at most */
		struct timespec ts = {0, 50 * 1000 * 1000};
		int		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		int ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;

		close(fd);
		if (ok)
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 0;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}

/*
 * Through rrdcached (writing once an hour): the values it holds go into
 * the file before it is converted, and values sent after the conversion
 * go into the new file.
 */
static void
test_rrdcached(void **state)
{
	struct store	     *st;
	struct rrdconv_counts c;
	char		      addr[PATH_MAX], p[PATH_MAX], err[512];
	pid_t		      pid = rrdcached_start(addr, sizeof(addr));

	(void)state;
	if (pid == 0)
		skip();
	st = store_new(tmpdir, 60, addr);
	kind_path(p, sizeof(p), "cached", STORE_CHECK);
	old_create(p, STORE_CHECK, 60, TE - DAY);
	fill(p, STORE_CHECK, TE - DAY + 60, TE + 1, 60);
	assert_int_equal(store_update(st, p, "1764480097:1:1:2:3:4:5:80", 0,
			     NULL, err, sizeof(err)),
	    0);
	assert_int_equal(rrd_last_r(p), TE); /* held by rrdcached */
	memset(&c, 0, sizeof(c));
	assert_int_equal(rrdconv_file(st, p, STORE_CHECK, &c, err, sizeof(err)),
	    RRDCONV_CONVERTED);
	assert_int_equal(rrd_last_r(p), 1764480097);
	assert_int_equal(store_update(st, p, "1764480157:1:1:2:3:4:5:80", 0,
			     NULL, err, sizeof(err)),
	    0);
	assert_int_equal(store_flush(st, p, err, sizeof(err)), 0);
	assert_int_equal(rrd_last_r(p), 1764480157);
	assert_int_equal(rrdconv_file(st, p, STORE_CHECK, &c, err, sizeof(err)),
	    RRDCONV_CURRENT);
	store_free(st);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quarter),
	    cmocka_unit_test(test_convert_check),
	    cmocka_unit_test(test_convert_traffic),
	    cmocka_unit_test(test_convert_summary),
	    cmocka_unit_test(test_convert_step300),
	    cmocka_unit_test(test_cut_short),
	    cmocka_unit_test(test_undo_after_conversion),
	    cmocka_unit_test(test_rrdcached),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
