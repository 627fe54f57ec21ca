/*
 * publish: the steps of one publish, in order: lock, model (ledgers),
 * figures (RRD fetches), summary RRD, graphs, pages.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rrd.h>
#include <rrd_client.h>

#include "avail.h"
#include "collector.h"
#include "conf.h"
#include "graph.h"
#include "html.h"
#include "ledger.h"
#include "log.h"
#include "page.h"
#include "publish.h"
#include "report.h"
#include "site.h"
#include "status.h"
#include "store.h"
#include "summary.h"
#include "util.h"

#define PUBLISH_LOCK_WAIT_MS 120000
#define PUBLISH_FAILS_LOGGED 5
/* Processes drawing graphs at once (the publish itself is one). */
#define PUBLISH_WORKERS_MAX 4
/* Fewer targets than this are drawn by one process. */
#define PUBLISH_WORKERS_MIN_TARGETS 32
/* SVGs and per-probe graphs are redrawn at most this often. */
#define PUBLISH_SLOW_S 900
/* Graph files of one target: its probes' files, in one block. */
#define SRC_PATH_MAX 4096

static const int64_t window_s[WINDOW__N] = {86400, 7 * 86400, 30 * 86400};

struct pub {
	struct collector    *co;
	double		     now;
	int64_t		     t; /* now, whole seconds */
	const char	    *daemon;
	char		     site[PATH_MAX]; /* publish_dir */
	char		     data[PATH_MAX]; /* data_dir, resolved */
	struct publish_stats st;
	int		     failed;
	unsigned	     logged;
};

int
publish_file(const char *path, const void *buf, size_t len, char *err,
    size_t errlen)
{
	char	    tmp[PATH_MAX];
	const char *slash = strrchr(path, '/'), *p = buf;
	int	    fd, n;

	n = slash != NULL ? snprintf(tmp, sizeof(tmp), "%.*s/.%s.tmp",
				(int)(slash - path), path, slash + 1) :
			    snprintf(tmp, sizeof(tmp), ".%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			snprintf(err, errlen, "write %s: %s", tmp,
			    strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void
pub_fail(struct pub *pb, const char *msg)
{
	pb->failed = 1;
	if (pb->logged++ < PUBLISH_FAILS_LOGGED)
		log_warnx("publish: %s", msg);
	else if (pb->logged == PUBLISH_FAILS_LOGGED + 1)
		log_warnx("publish: more failures; not logged");
}

static int
pub_mkdir(struct pub *pb, const char *path)
{
	char err[PATH_MAX + 64];

	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		snprintf(err, sizeof(err), "mkdir %s: %s", path,
		    strerror(errno));
		pub_fail(pb, err);
		return -1;
	}
	return 0;
}

/* Write a page (or any text) at publish_dir/rel. */
static void
pub_write(struct pub *pb, const char *rel, const char *text, size_t len)
{
	char path[PATH_MAX], err[PATH_MAX + 128];

	if (snprintf(path, sizeof(path), "%s/%s", pb->site, rel) >=
	    (int)sizeof(path)) {
		pub_fail(pb, "a page path is too long");
		return;
	}
	if (publish_file(path, text, len, err, sizeof(err)) == -1) {
		pub_fail(pb, err);
		return;
	}
	pb->st.pages++;
}

static void
pub_write_html(struct pub *pb, const char *rel, struct html *h)
{
	if (h->overflow) {
		char msg[PATH_MAX + 64];

		snprintf(msg, sizeof(msg), "%s: larger than %d bytes", rel,
		    HTML_MAX);
		pub_fail(pb, msg);
	} else
		pub_write(pb, rel, h->buf != NULL ? h->buf : "", h->len);
	html_free(h);
}

/*
 * Paths of the RRDs of t's probes into paths (SRC_PATH_MAX each) and src;
 * a family without a record or a file gets NULL.
 */
static void
pub_sources(struct pub *pb, const struct site_target *t, char *paths,
    struct graph_src *src)
{
	struct stat sb;

	for (size_t i = 0; i < t->nprobes; i++)
		for (int f = 0; f < FAMILY__N; f++) {
			char *p =
			    paths + (i * FAMILY__N + (size_t)f) * SRC_PATH_MAX;

			src[i].rrd[f] = NULL;
			if (t->probes[i].s[f] == NULL ||
			    store_path(pb->co->store, t->probes[i].lg->name,
				t->name, STORE_CHECK, f, p,
				SRC_PATH_MAX) == -1 ||
			    stat(p, &sb) == -1)
				continue;
			src[i].rrd[f] = p;
		}
}

/* Availability windows of one target. */
static void
pub_avail(struct pub *pb, struct site_target *t, char *paths,
    struct graph_src *src)
{
	int64_t step = pb->co->conf->step_s;
	double	sum[FAMILY__N][WINDOW__N] = {{0}};
	char	err[PATH_MAX + 256];

	pub_sources(pb, t, paths, src);
	for (size_t i = 0; i < t->nprobes; i++)
		for (int f = 0; f < FAMILY__N; f++) {
			struct avail_rows fine, coarse;

			if (src[i].rrd[f] == NULL)
				continue;
			if (avail_fetch(src[i].rrd[f], pb->daemon, "up",
				pb->t - 2 * 86400, pb->t, step, &fine, err,
				sizeof(err)) == -1 ||
			    avail_fetch(src[i].rrd[f], pb->daemon, "up",
				pb->t - window_s[WINDOW_30D], pb->t, 60 * step,
				&coarse, err, sizeof(err)) == -1) {
				avail_rows_free(&fine);
				pb->st.fetch_failed++;
				pub_fail(pb, err);
				continue;
			}
			for (int w = 0; w < WINDOW__N; w++)
				avail_add(&fine, &coarse, pb->t - window_s[w],
				    pb->t, &sum[f][w], &t->fam[f].known_s[w]);
			avail_rows_free(&fine);
			avail_rows_free(&coarse);
		}
	for (int f = 0; f < FAMILY__N; f++)
		for (int w = 0; w < WINDOW__N; w++)
			t->fam[f].avail[w] = t->fam[f].known_s[w] > 0 ?
			    sum[f][w] / t->fam[f].known_s[w] :
			    -1;
}

/* Draw one graph unless the file is still fresh (graph_fresh). */
static void
pub_graph(struct pub *pb, struct graph_req *rq, const char *slug,
    const char *probe_slug, int64_t min_age_s)
{
	char	    rel[PATH_MAX], path[PATH_MAX], err[PATH_MAX + 512];
	struct stat sb;

	if (page_graph_path(rel, sizeof(rel), slug, rq->kind, probe_slug,
		rq->period, rq->svg) == -1 ||
	    snprintf(path, sizeof(path), "%s/%s", pb->site, rel) >=
		(int)sizeof(path)) {
		pub_fail(pb, "a graph path is too long");
		return;
	}
	if (stat(path, &sb) == 0 &&
	    graph_fresh(rq->period, (int64_t)sb.st_mtime, pb->t, min_age_s)) {
		pb->st.graphs_fresh++;
		return;
	}
	if (graph_render(rq, path, err, sizeof(err)) == -1) {
		pb->st.graphs_failed++;
		pub_fail(pb, err);
		return;
	}
	pb->st.graphs++;
}

/*
 * A target's graphs. Per publish the PNGs of its availability and phase
 * latency over the day, and of the last hour when it was not steady
 * (site_lively); their SVGs, which cost as much to draw, and
 * the per-probe graphs (PNG) at most every PUBLISH_SLOW_S; every graph
 * of a longer period only once a pixel's worth of time has passed.
 */
static void
pub_target_graphs(struct pub *pb, const struct site_target *t, char *paths,
    struct graph_src *src)
{
	static const enum graph_kind kinds[] = {GRAPH_AVAIL, GRAPH_LATENCY};
	struct graph_req	     rq;
	char			     dir[PATH_MAX];

	if (snprintf(dir, sizeof(dir), "%s/g/%s", pb->site, t->slug) >=
		(int)sizeof(dir) ||
	    pub_mkdir(pb, dir) == -1)
		return;
	pub_sources(pb, t, paths, src);
	memset(&rq, 0, sizeof(rq));
	rq.target = t->name;
	rq.daemon = pb->daemon;
	rq.end = pb->t;
	rq.src = src;
	rq.nsrc = t->nprobes;
	for (size_t k = 0; k < NELEM(kinds); k++)
		for (int p = 0; p < PERIOD__N; p++)
			for (int svg = 0; svg < 2; svg++) {
				if (p == PERIOD_HOUR &&
				    (svg || kinds[k] != GRAPH_AVAIL ||
					!site_lively(t, pb->now)))
					continue;
				rq.kind = kinds[k];
				rq.period = p;
				rq.svg = svg;
				pub_graph(pb, &rq, t->slug, NULL,
				    svg ? PUBLISH_SLOW_S : 0);
			}
	if (t->nprobes < 2)
		return;
	for (size_t i = 0; i < t->nprobes; i++) {
		char ps[SITE_SLUG_MAX];

		if (site_slug(t->probes[i].lg->name, ps, sizeof(ps)) == -1)
			continue;
		rq.kind = GRAPH_PROBE;
		rq.probe = t->probes[i].lg->name;
		rq.src = &src[i];
		rq.nsrc = 1;
		rq.svg = 0;
		for (int p = PERIOD_DAY; p < PERIOD__N; p++) {
			rq.period = p;
			pub_graph(pb, &rq, t->slug, ps, PUBLISH_SLOW_S);
		}
	}
}

/* What a worker sends back when it is done. */
struct pub_result {
	struct publish_stats st;
	int		     failed;
};

/* In a worker: draw every nth target from first, report, exit. */
static void __attribute__((noreturn))
pub_worker(struct pub *pb, const struct site *si, size_t first, size_t nth,
    char *paths, struct graph_src *src, int fd)
{
	struct pub_result res;
	ssize_t		  w;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	memset(&pb->st, 0, sizeof(pb->st));
	if (pb->daemon != NULL) {
		rrdc_disconnect();
		rrd_clear_error();
		if (rrdc_connect(pb->daemon) != 0)
			_exit(1);
	}
	for (size_t i = first; i < si->n; i += nth)
		pub_target_graphs(pb, si->targets[i], paths, src);
	if (pb->daemon != NULL)
		rrdc_disconnect();
	res.st = pb->st;
	res.failed = pb->failed;
	do
		w = write(fd, &res, sizeof(res));
	while (w == -1 && errno == EINTR);
	_exit(w == (ssize_t)sizeof(res) ? 0 : 1);
}

/*
 * Every target's graphs, spread over up to PUBLISH_WORKERS_MAX processes
 * (one per CPU): this process draws its share and waits for the others.
 */
static void
pub_graphs(struct pub *pb, const struct site *si, char *paths,
    struct graph_src *src)
{
	pid_t  pids[PUBLISH_WORKERS_MAX];
	int    fds[PUBLISH_WORKERS_MAX];
	long   ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = ncpu > PUBLISH_WORKERS_MAX ? PUBLISH_WORKERS_MAX :
						(ncpu < 1 ? 1 : (size_t)ncpu);

	if (si->n < PUBLISH_WORKERS_MIN_TARGETS)
		n = 1;
	for (size_t k = 1; k < n; k++) {
		int p[2];

		pids[k] = -1;
		fds[k] = -1;
		if (pipe2(p, O_CLOEXEC) == -1)
			continue;
		fflush(stderr);
		pids[k] = fork();
		if (pids[k] == 0) {
			close(p[0]);
			pub_worker(pb, si, k, n, paths, src, p[1]);
		}
		close(p[1]);
		if (pids[k] == -1) {
			close(p[0]);
			continue;
		}
		fds[k] = p[0];
	}
	for (size_t i = 0; i < si->n; i += n)
		pub_target_graphs(pb, si->targets[i], paths, src);
	for (size_t k = 1; k < n; k++) {
		struct pub_result res;
		ssize_t		  rd = -1;
		int		  status = 0;

		if (pids[k] == -1) {
			/* No worker: draw its share here. */
			for (size_t i = k; i < si->n; i += n)
				pub_target_graphs(pb, si->targets[i], paths,
				    src);
			continue;
		}
		do
			rd = read(fds[k], &res, sizeof(res));
		while (rd == -1 && errno == EINTR);
		close(fds[k]);
		while (waitpid(pids[k], &status, 0) == -1 && errno == EINTR)
			;
		if (rd != (ssize_t)sizeof(res) || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			pub_fail(pb, "a graph worker failed");
			continue;
		}
		pb->st.graphs += res.st.graphs;
		pb->st.graphs_fresh += res.st.graphs_fresh;
		pb->st.graphs_failed += res.st.graphs_failed;
		if (res.failed)
			pb->failed = 1;
	}
}

/* The summary RRD and the report's trend: share ready per UTC day. */
static int
pub_summary(struct pub *pb, const struct site *si, struct report *r)
{
	struct summary_counts c;
	struct avail_rows     fr, cr, ft, ct;
	char		      path[PATH_MAX], err[PATH_MAX + 256];
	int64_t step = pb->co->conf->step_s > 60 ? 60 : pb->co->conf->step_s;

	if (snprintf(path, sizeof(path), "%s/summary.rrd", pb->data) >=
	    (int)sizeof(path))
		return -1;
	summary_count(si, &c);
	if (summary_update(path, pb->daemon, (int)step, &c, pb->t, err,
		sizeof(err)) == -1) {
		pub_fail(pb, err);
		return -1;
	}
	memset(&fr, 0, sizeof(fr));
	memset(&cr, 0, sizeof(cr));
	memset(&ft, 0, sizeof(ft));
	memset(&ct, 0, sizeof(ct));
	if (avail_fetch(path, pb->daemon, "ready", pb->t - 2 * 86400, pb->t,
		step, &fr, err, sizeof(err)) == 0 &&
	    avail_fetch(path, pb->daemon, "targets", pb->t - 2 * 86400, pb->t,
		step, &ft, err, sizeof(err)) == 0 &&
	    avail_fetch(path, pb->daemon, "ready", pb->t - 31 * 86400, pb->t,
		60 * step, &cr, err, sizeof(err)) == 0 &&
	    avail_fetch(path, pb->daemon, "targets", pb->t - 31 * 86400, pb->t,
		60 * step, &ct, err, sizeof(err)) == 0) {
		int64_t day0 = (pb->t - 30 * 86400) / 86400 * 86400;

		for (int64_t d = day0;
		     d <= pb->t && r->ntrend < REPORT_TREND_MAX; d += 86400) {
			double sr = 0, kr = 0, stg = 0, kt = 0;

			avail_add(&fr, &cr, d, d + 86400, &sr, &kr);
			avail_add(&ft, &ct, d, d + 86400, &stg, &kt);
			if (kr > 0 && stg > 0)
				r->trend[r->ntrend++] =
				    (struct report_point){d, sr / stg};
		}
	} else
		pub_fail(pb, err);
	avail_rows_free(&fr);
	avail_rows_free(&cr);
	avail_rows_free(&ft);
	avail_rows_free(&ct);
	return 0;
}

static void
pub_summary_graphs(struct pub *pb)
{
	struct graph_req rq;
	char		 path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/summary.rrd", pb->data) >=
	    (int)sizeof(path))
		return;
	memset(&rq, 0, sizeof(rq));
	rq.kind = GRAPH_SUMMARY;
	rq.summary = path;
	rq.daemon = pb->daemon;
	rq.end = pb->t;
	for (int p = PERIOD_DAY; p < PERIOD__N; p++)
		for (int svg = 0; svg < 2; svg++) {
			rq.period = p;
			rq.svg = svg;
			pub_graph(pb, &rq, NULL, NULL, 0);
		}
}

static void
pub_pages(struct pub *pb, const struct site *si, const struct report *r,
    int have_summary)
{
	struct page_ctx ctx = {pb->co->conf->name, pb->now, have_summary};
	struct html	h;
	char		rel[SITE_SLUG_MAX + 16], *text;
	cJSON	       *j;

	pub_write(pb, "style.css", page_css, strlen(page_css));
	pub_write(pb, "favicon.svg", page_icon, strlen(page_icon));
	pub_write(pb, "site.js", page_js, strlen(page_js));
	for (size_t i = 0; i < si->n; i++) {
		html_init(&h);
		page_target(&h, si->targets[i], &ctx);
		snprintf(rel, sizeof(rel), "t/%s.html", si->targets[i]->slug);
		pub_write_html(pb, rel, &h);
	}
	html_init(&h);
	report_html(&h, r, si, &ctx);
	pub_write_html(pb, "report.html", &h);
	j = report_json(r, si, &ctx);
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (text == NULL)
		fatalx("publish: out of memory");
	pub_write(pb, "report.json", text, strlen(text));
	cJSON_free(text);
	text = status_json(pb->co, pb->now);
	pub_write(pb, "status.json", text, strlen(text));
	cJSON_free(text);
	/* Last, so that its links find the pages. */
	html_init(&h);
	page_index(&h, si, &ctx);
	pub_write_html(pb, "index.html", &h);
}

/* Take the lock; 0, PUBLISH_BUSY, or -1. *fd is the lock's fd. */
static int
pub_lock(struct pub *pb, int wait, int *fd)
{
	char	 path[PATH_MAX], err[PATH_MAX + 64];
	uint64_t until = now_mono_ms() + PUBLISH_LOCK_WAIT_MS;

	if (snprintf(path, sizeof(path), "%s/publish.lock",
		pb->co->state_dir) >= (int)sizeof(path))
		return -1;
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (*fd == -1) {
		snprintf(err, sizeof(err), "%s: %s", path, strerror(errno));
		pub_fail(pb, err);
		return -1;
	}
	while (flock(*fd, LOCK_EX | LOCK_NB) == -1) {
		struct timespec ts = {0, 100 * 1000 * 1000};

		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, sizeof(err), "lock %s: %s", path,
			    strerror(errno));
			pub_fail(pb, err);
			return -1;
		}
		if (!wait || now_mono_ms() >= until)
			return PUBLISH_BUSY;
		nanosleep(&ts, NULL);
	}
	return 0;
}

int
publish_run(struct collector *co, double now, int wait,
    struct publish_stats *stp)
{
	struct pub	*pb = xcalloc(1, sizeof(*pb));
	struct site	*si = NULL;
	struct report	 r;
	char		 sub[PATH_MAX + 8], err[PATH_MAX + 64], *paths = NULL;
	struct graph_src src[SITE_PROBES_MAX];
	uint64_t	 t0 = now_mono_ms();
	int		 lockfd = -1, rc, have_summary = 0;

	memset(&r, 0, sizeof(r));
	pb->co = co;
	pb->now = now;
	pb->t = (int64_t)floor(now);
	pb->daemon = co->conf->rrdcached;
	if (str_copy(pb->site, sizeof(pb->site), co->conf->publish_dir) == -1 ||
	    realpath(co->conf->data_dir, pb->data) == NULL) {
		snprintf(err, sizeof(err), "data_dir %s: %s",
		    co->conf->data_dir, strerror(errno));
		pub_fail(pb, err);
		rc = -1;
		goto done;
	}
	if ((rc = pub_lock(pb, wait, &lockfd)) != 0)
		goto done;
	if (pub_mkdir(pb, pb->site) == -1) {
		rc = -1;
		goto done;
	}
	snprintf(sub, sizeof(sub), "%s/g", pb->site);
	pub_mkdir(pb, sub);
	snprintf(sub, sizeof(sub), "%s/t", pb->site);
	pub_mkdir(pb, sub);
	if (pb->daemon != NULL) {
		/* A forked child must not share its parent's connection. */
		rrdc_disconnect();
		rrd_clear_error();
		if (rrdc_connect(pb->daemon) != 0) {
			snprintf(err, sizeof(err), "rrdcached %s: %s",
			    pb->daemon, rrd_get_error());
			pub_fail(pb, err);
			rc = -1;
			goto done;
		}
	}
	paths = xmalloc((size_t)SITE_PROBES_MAX * FAMILY__N * SRC_PATH_MAX);
	si = site_build(co->ledgers, co->nledgers, co->alert, now);
	for (size_t i = 0; i < si->n; i++)
		pub_avail(pb, si->targets[i], paths, src);
	site_finish(si);
	report_build(si, &r);
	if (pub_summary(pb, si, &r) == 0) {
		have_summary = 1;
		pub_summary_graphs(pb);
	}
	pub_graphs(pb, si, paths, src);
	pub_pages(pb, si, &r, have_summary);
	pb->st.targets = si->n;
	rc = pb->failed ? -1 : 0;
done:
	pb->st.ms = now_mono_ms() - t0;
	if (rc != PUBLISH_BUSY)
		log_info("publish: %zu targets, %zu graphs drawn, %zu still "
			 "fresh, %zu failed, %zu files written in %llu ms%s",
		    pb->st.targets, pb->st.graphs, pb->st.graphs_fresh,
		    pb->st.graphs_failed, pb->st.pages,
		    (unsigned long long)pb->st.ms,
		    rc == 0 ? "" : " (with failures)");
	if (pb->daemon != NULL)
		rrdc_disconnect();
	if (stp != NULL)
		*stp = pb->st;
	report_free(&r);
	site_free(si);
	free(paths);
	if (lockfd != -1)
		close(lockfd);
	free(pb);
	return rc;
}
