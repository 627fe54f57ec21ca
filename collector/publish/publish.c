/*
 * publish: the steps of one publish, in order: lock, model (ledgers),
 * figures (RRD fetches), summary RRD, graphs, pages.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rrd.h>
#include <rrd_client.h>

#include "alert.h"
#include "avail.h"
#include "collector.h"
#include "conf.h"
#include "drawn.h"
#include "export.h"
#include "graph.h"
#include "html.h"
#include "i18n.h"
#include "json.h"
#include "ledger.h"
#include "log.h"
#include "maint.h"
#include "page.h"
#include "publish.h"
#include "report.h"
#include "site.h"
#include "status.h"
#include "store.h"
#include "summary.h"
#include "table.h"
#include "util.h"

#define PUBLISH_LOCK_WAIT_MS 120000
#define PUBLISH_FAILS_LOGGED 5
/* Processes drawing graphs at once (the publish itself is one). */
#define PUBLISH_WORKERS_MAX 4
/* Fewer targets than this are drawn by one process. */
#define PUBLISH_WORKERS_MIN_TARGETS 32
/*
 * Graphs only linked to (SVGs, per-probe graphs beyond the day) that do
 * not exist yet, drawn per publish at most: the first publish of a large
 * site draws what its pages show, the links follow over the next ones.
 */
#define PUBLISH_DEFER_MAX 1000
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
	struct drawn	    *drawn; /* what the graphs were last drawn from */
	uint64_t      *sig;   /* per target of the site: what they show now */
	unsigned char *done;  /* per target, shared with the workers:
				     * 1 when every graph it needed was drawn */
	size_t	       ndone; /* bytes mapped at done */
	size_t	       defer_left;   /* link-only graphs this process may
					  * still draw for the first time */
	struct export_change change; /* since the last month's snapshot */
};

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
	if (file_replace(path, text, len, 0644, -1, 0, err, sizeof(err)) ==
	    -1) {
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
	int64_t			   step = pb->co->conf->step_s;
	double			   sum[FAMILY__N][WINDOW__N] = {{0}};
	char			   err[PATH_MAX + 256];
	struct avail_span	  *skip = NULL;
	size_t			   nskip = 0;
	const struct maint_window *mw;

	/* Maintenance of the last 30 days that names t or its group: no
	 * downtime (maint_covers() at the window's own start: it names t). */
	for (size_t i = 0; (mw = alert_maint_at(pb->co->alert, i)) != NULL;
	     i++) {
		if (mw->to <= pb->t - window_s[WINDOW_30D] ||
		    mw->from >= pb->t ||
		    !maint_covers(mw, t->name,
			t->group[0] != '\0' ? t->group : NULL, mw->from))
			continue;
		skip = xreallocarray(skip, nskip + 1, sizeof(*skip));
		skip[nskip].from = (int64_t)floor(mw->from);
		skip[nskip].to = (int64_t)ceil(mw->to);
		nskip++;
	}
	nskip = avail_spans_merge(skip, nskip);
	for (size_t k = 0; k < nskip; k++)
		for (int w = 0; w < WINDOW__N; w++) {
			int64_t lo = skip[k].from, hi = skip[k].to;

			if (lo < pb->t - window_s[w])
				lo = pb->t - window_s[w];
			if (hi > pb->t)
				hi = pb->t;
			if (hi > lo)
				t->maint_s[w] += (double)(hi - lo);
		}
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
				avail_add_except(&fine, &coarse,
				    pb->t - window_s[w], pb->t, skip, nskip,
				    &sum[f][w], &t->fam[f].known_s[w]);
			avail_rows_free(&fine);
			avail_rows_free(&coarse);
		}
	for (int f = 0; f < FAMILY__N; f++)
		for (int w = 0; w < WINDOW__N; w++)
			t->fam[f].avail[w] = t->fam[f].known_s[w] > 0 ?
			    sum[f][w] / t->fam[f].known_s[w] :
			    -1;
	free(skip);
}

/*
 * Draw one graph unless the file is still fresh (graph_fresh) and not
 * forced; a link-only graph that does not exist yet waits while this
 * publish's share (PUBLISH_DEFER_MAX) is spent. 0, or -1 when it failed.
 */
static int
pub_graph(struct pub *pb, struct graph_req *rq, const char *slug,
    const char *probe_slug, int force)
{
	char	    rel[PATH_MAX], path[PATH_MAX], err[PATH_MAX + 512];
	struct stat sb;

	if (page_graph_path(rel, sizeof(rel), slug, rq->kind, probe_slug,
		rq->period, rq->svg) == -1 ||
	    snprintf(path, sizeof(path), "%s/%s", pb->site, rel) >=
		(int)sizeof(path)) {
		pub_fail(pb, "a graph path is too long");
		return -1;
	}
	if (stat(path, &sb) == -1) {
		if (rq->kind != GRAPH_SUMMARY &&
		    (rq->svg ||
			(rq->kind == GRAPH_PROBE && rq->period > PERIOD_DAY))) {
			if (pb->defer_left == 0) {
				pb->st.graphs_deferred++;
				return 0;
			}
			pb->defer_left--;
		}
	} else if (!force &&
	    graph_fresh((int64_t)sb.st_mtime, pb->t,
		graph_refresh_s(rq->kind, rq->period, rq->svg),
		graph_offset(rel))) {
		pb->st.graphs_fresh++;
		return 0;
	}
	if (graph_render(rq, path, err, sizeof(err)) == -1) {
		pb->st.graphs_failed++;
		pub_fail(pb, err);
		return -1;
	}
	pb->st.graphs++;
	return 0;
}

/*
 * The graphs of target i. The last hour's availability (PNG) at every
 * publish when it is lively (site_lively); every other graph when its
 * turn comes (graph_refresh_s), or at once for the last day when what
 * it shows of the target's states changed since it was drawn (drawn.h).
 */
static void
pub_target_graphs(struct pub *pb, const struct site *si, size_t i, char *paths,
    struct graph_src *src)
{
	static const enum graph_kind kinds[] = {GRAPH_AVAIL, GRAPH_LATENCY};
	const struct site_target    *t = si->targets[i];
	struct graph_req	     rq;
	char			     dir[PATH_MAX];
	uint64_t		     old;
	int			     changed, ok = 1;

	pb->done[i] = 0;
	/* A target of the list no probe has measured yet: nothing to draw. */
	if (t->nprobes == 0)
		return;
	if (snprintf(dir, sizeof(dir), "%s/g/%s", pb->site, t->slug) >=
		(int)sizeof(dir) ||
	    pub_mkdir(pb, dir) == -1)
		return;
	changed = !drawn_get(pb->drawn, t->slug, &old) || old != pb->sig[i];
	pub_sources(pb, t, paths, src);
	memset(&rq, 0, sizeof(rq));
	rq.target = t->title;
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
				if (pub_graph(pb, &rq, t->slug, NULL,
					changed && p <= PERIOD_DAY) == -1)
					ok = 0;
			}
	for (size_t j = 0; j < t->nprobes && t->nprobes > 1; j++) {
		char ps[SITE_SLUG_MAX];

		if (site_slug(t->probes[j].lg->name, ps, sizeof(ps)) == -1)
			continue;
		rq.kind = GRAPH_PROBE;
		rq.probe = t->probes[j].lg->name;
		rq.src = &src[j];
		rq.nsrc = 1;
		rq.svg = 0;
		for (int p = PERIOD_DAY; p < PERIOD__N; p++) {
			rq.period = p;
			if (pub_graph(pb, &rq, t->slug, ps,
				changed && p == PERIOD_DAY) == -1)
				ok = 0;
		}
	}
	pb->done[i] = (unsigned char)ok;
}

/* Path of the signature file (drawn.h) into path. */
static int
pub_drawn_path(const struct pub *pb, char *path, size_t size)
{
	int n = snprintf(path, size, "%s/drawn", pb->co->state_dir);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Before the graphs: the last signatures, this publish's, shared flags. */
static int
pub_drawn_begin(struct pub *pb, const struct site *si)
{
	char path[PATH_MAX];

	if (pub_drawn_path(pb, path, sizeof(path)) == -1) {
		pub_fail(pb, "state_dir: path too long");
		return -1;
	}
	pb->drawn = drawn_load(path);
	pb->sig = xcalloc(si->n + 1, sizeof(*pb->sig));
	for (size_t i = 0; i < si->n; i++)
		pb->sig[i] = site_graph_sig(si->targets[i]);
	pb->ndone = si->n + 1;
	pb->done = mmap(NULL, pb->ndone, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pb->done == MAP_FAILED) {
		pub_fail(pb, "mmap of the graph flags failed");
		return -1;
	}
	return 0;
}

/*
 * After the graphs: the signatures they were drawn with; a target whose
 * graphs failed keeps its old one, so that they are tried again.
 */
static void
pub_drawn_end(struct pub *pb, const struct site *si)
{
	const char **slugs = xcalloc(si->n + 1, sizeof(*slugs));
	uint64_t    *sigs = xcalloc(si->n + 1, sizeof(*sigs));
	char	     path[PATH_MAX], err[PATH_MAX + 128];
	size_t	     n = 0;

	for (size_t i = 0; i < si->n; i++) {
		uint64_t old;

		if (pb->done[i])
			sigs[n] = pb->sig[i];
		else if (drawn_get(pb->drawn, si->targets[i]->slug, &old))
			sigs[n] = old;
		else
			continue;
		slugs[n++] = si->targets[i]->slug;
	}
	if (pub_drawn_path(pb, path, sizeof(path)) == 0 &&
	    drawn_save(path, slugs, sigs, n, err, sizeof(err)) == -1)
		pub_fail(pb, err);
	free(slugs);
	free(sigs);
}

/* The graphs of every capture interface (traffic.html), in this process. */
static void
pub_traffic_graphs(struct pub *pb, const struct site *si)
{
	static const enum graph_kind kinds[] = {GRAPH_SHARE, GRAPH_BYTES,
	    GRAPH_ICMP};
	char			     dir[PATH_MAX], rrd[SRC_PATH_MAX];
	struct graph_req	     rq;
	struct stat		     sb;

	if (si->ntraffic == 0 ||
	    snprintf(dir, sizeof(dir), "%s/traffic", pb->site) >=
		(int)sizeof(dir) ||
	    pub_mkdir(pb, dir) == -1)
		return;
	for (size_t i = 0; i < si->ntraffic; i++) {
		const struct site_traffic *tr = &si->traffic[i];

		if (store_path(pb->co->store, tr->lg->name, tr->s->name,
			STORE_TRAFFIC, FAMILY_IPV6, rrd, sizeof(rrd)) == -1 ||
		    stat(rrd, &sb) == -1)
			continue;
		if (snprintf(dir, sizeof(dir), "%s/traffic/%s", pb->site,
			tr->probe_slug) >= (int)sizeof(dir) ||
		    pub_mkdir(pb, dir) == -1 ||
		    snprintf(dir, sizeof(dir), "%s/traffic/%s/%s", pb->site,
			tr->probe_slug, tr->iface_slug) >= (int)sizeof(dir) ||
		    pub_mkdir(pb, dir) == -1)
			continue;
		memset(&rq, 0, sizeof(rq));
		rq.probe = tr->lg->name;
		rq.iface = tr->s->name;
		rq.traffic = rrd;
		rq.interval_s = tr->s->traffic.interval_s;
		rq.daemon = pb->daemon;
		rq.end = pb->t;
		for (size_t k = 0; k < NELEM(kinds); k++)
			for (int p = PERIOD_DAY; p < PERIOD__N; p++)
				for (int svg = 0; svg < 2; svg++) {
					rq.kind = kinds[k];
					rq.period = p;
					rq.svg = svg;
					pub_graph(pb, &rq, tr->iface_slug,
					    tr->probe_slug, 0);
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
		pub_target_graphs(pb, si, i, paths, src);
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
	pb->defer_left = PUBLISH_DEFER_MAX / n;
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
		pub_target_graphs(pb, si, i, paths, src);
	pub_traffic_graphs(pb, si);
	for (size_t k = 1; k < n; k++) {
		struct pub_result res;
		ssize_t		  rd = -1;
		int		  status = 0;

		if (pids[k] == -1) {
			/* No worker: draw its share here. */
			for (size_t i = k; i < si->n; i += n)
				pub_target_graphs(pb, si, i, paths, src);
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
		pb->st.graphs_deferred += res.st.graphs_deferred;
		if (res.failed)
			pb->failed = 1;
	}
}

/* A summary graph says something once it holds an hour of the last day. */
#define SUMMARY_SHOW_S 3600

/* The summary RRD and the report's trend: share ready per day of the
 * collector's zone (its offset now).
 * 1 when the graphs are worth showing, 0 while the site is younger than
 * SUMMARY_SHOW_S of publishes, -1 on failure. */
static int
pub_summary(struct pub *pb, const struct site *si, struct report *r)
{
	int		      show = 0;
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
		int64_t off = i18n_utc_offset(pb->now);
		int64_t day0 = (pb->t + off - 30 * 86400) / 86400 * 86400 - off;
		double	sum = 0, known = 0;

		avail_add(&fr, NULL, pb->t - 86400, pb->t, &sum, &known);
		show = known >= SUMMARY_SHOW_S;

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
	return show;
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

/* page_ctx.have: the graph at rel is in the site. */
static int
pub_have(const char *rel, void *arg)
{
	const struct pub *pb = arg;
	char		  path[PATH_MAX];
	struct stat	  sb;

	return snprintf(path, sizeof(path), "%s/%s", pb->site, rel) <
	    (int)sizeof(path) &&
	    stat(path, &sb) == 0;
}

/* Remove folder name of dfd: its files (graphs), then itself. */
static void
pub_remove_graphs(int dfd, const char *name)
{
	int fd =
	    openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR	      *d;
	struct dirent *de;

	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	if (unlinkat(dfd, name, AT_REMOVEDIR) == 0)
		log_debug("publish: g/%s removed: no such target now", name);
}

/*
 * Remove the pages and graphs of targets no longer on the site (retired):
 * a page the index does not link must not stay reachable with old news.
 */
static void
pub_prune_pages(struct pub *pb, const struct site *si)
{
	struct table  *slugs = table_new();
	char	       dir[PATH_MAX];
	DIR	      *d;
	struct dirent *de;

	for (size_t i = 0; i < si->n; i++)
		table_put(slugs, si->targets[i]->slug,
		    strlen(si->targets[i]->slug), si->targets[i]);
	if (snprintf(dir, sizeof(dir), "%s/t", pb->site) < (int)sizeof(dir) &&
	    (d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			size_t n = strlen(de->d_name);

			if (n <= 5 ||
			    strcmp(de->d_name + n - 5, ".html") != 0 ||
			    table_get(slugs, de->d_name, n - 5) != NULL)
				continue;
			if (unlinkat(dirfd(d), de->d_name, 0) == 0)
				log_debug(
				    "publish: t/%s removed: no such target now",
				    de->d_name);
		}
		closedir(d);
	}
	/* Their graphs: g/SLUG/ holds a target's, nothing else. */
	if (snprintf(dir, sizeof(dir), "%s/g", pb->site) < (int)sizeof(dir) &&
	    (d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			struct stat st;

			if (de->d_name[0] == '.' ||
			    table_get(slugs, de->d_name, strlen(de->d_name)) !=
				NULL ||
			    fstatat(dirfd(d), de->d_name, &st,
				AT_SYMLINK_NOFOLLOW) == -1 ||
			    !S_ISDIR(st.st_mode))
				continue;
			pub_remove_graphs(dirfd(d), de->d_name);
		}
		closedir(d);
	}
	table_free(slugs);
}

/* report.csv, group/SLUG.csv and the month's snapshot (export.h). */
static void
pub_export(struct pub *pb, const struct site *si, const char *json)
{
	char   err[2 * PATH_MAX + 256];
	size_t n = 0;

	if (export_publish(pb->site, pb->data, si, pb->now, json, strlen(json),
		&n, err, sizeof(err)) == -1)
		pub_fail(pb, err);
	pb->st.pages += n;
}

static void
pub_pages(struct pub *pb, const struct site *si, const struct report *r,
    int have_summary)
{
	struct page_ctx ctx = {pb->co->conf->name, pb->now, have_summary,
	    pub_have, pb, pb->co->alert, pb->co->conf->title,
	    pb->co->conf->organisation};
	struct html	h;
	char		rel[SITE_SLUG_MAX + 16], *text;

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
	text = json_text(report_json(r, si, &ctx));
	pub_write(pb, "report.json", text, strlen(text));
	pub_export(pb, si, text);
	cJSON_free(text);
	text = status_json(pb->co, pb->now);
	pub_write(pb, "status.json", text, strlen(text));
	cJSON_free(text);
	if (si->ntraffic > 0) {
		html_init(&h);
		page_traffic(&h, si, &ctx);
		pub_write_html(pb, "traffic.html", &h);
	} else {
		char path[PATH_MAX];

		/* No interface any more: no page that the index would not
		 * link. */
		if (snprintf(path, sizeof(path), "%s/traffic.html", pb->site) <
		    (int)sizeof(path))
			unlink(path);
	}
	/* Last, so that its links find the pages. */
	html_init(&h);
	page_index(&h, si, &ctx);
	pub_write_html(pb, "index.html", &h);
	pub_prune_pages(pb, si);
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
publish_run(struct collector *co, double now, int flags,
    struct publish_stats *stp)
{
	struct pub	*pb = xcalloc(1, sizeof(*pb));
	struct site	*si = NULL;
	struct report	 r;
	char		 sub[PATH_MAX + 8], err[PATH_MAX + 64], *paths = NULL;
	struct graph_src src[SITE_PROBES_MAX];
	uint64_t	 t0 = now_mono_ms(), t1, t2;
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
	if ((rc = pub_lock(pb, (flags & PUBLISH_WAIT) != 0, &lockfd)) != 0)
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
	si = site_build(co->ledgers, co->nledgers, co->alert, co->conf->targets,
	    now);
	for (size_t i = 0; i < si->n; i++)
		pub_avail(pb, si->targets[i], paths, src);
	site_finish(si);
	report_build(si, &r);
	if (export_change_load(&pb->change, si, pb->data, now, err,
		sizeof(err)) == -1)
		pub_fail(pb, err);
	r.change = &pb->change;
	if ((have_summary = pub_summary(pb, si, &r)) >= 0 &&
	    !(flags & PUBLISH_NO_GRAPHS))
		pub_summary_graphs(pb);
	t1 = now_mono_ms();
	pb->st.ms_figures = t1 - t0;
	if (!(flags & PUBLISH_NO_GRAPHS) && pub_drawn_begin(pb, si) == 0) {
		pub_graphs(pb, si, paths, src);
		pub_drawn_end(pb, si);
	}
	t2 = now_mono_ms();
	pb->st.ms_graphs = t2 - t1;
	pub_pages(pb, si, &r, have_summary);
	pb->st.ms_pages = now_mono_ms() - t2;
	pb->st.targets = si->n;
	rc = pb->failed ? -1 : 0;
done:
	pb->st.ms = now_mono_ms() - t0;
	if (rc != PUBLISH_BUSY)
		log_info("publish: %zu targets, %zu graphs drawn, %zu still fresh, %zu deferred, %zu failed, %zu files written in %llu ms (figures %llu, graphs %llu, pages %llu)%s",
		    pb->st.targets, pb->st.graphs, pb->st.graphs_fresh,
		    pb->st.graphs_deferred, pb->st.graphs_failed, pb->st.pages,
		    (unsigned long long)pb->st.ms,
		    (unsigned long long)pb->st.ms_figures,
		    (unsigned long long)pb->st.ms_graphs,
		    (unsigned long long)pb->st.ms_pages,
		    rc == 0 ? "" : " (with failures)");
	if (pb->daemon != NULL)
		rrdc_disconnect();
	if (stp != NULL)
		*stp = pb->st;
	report_free(&r);
	export_change_free(&pb->change);
	site_free(si);
	free(paths);
	drawn_free(pb->drawn);
	free(pb->sig);
	if (pb->done != NULL && pb->done != MAP_FAILED)
		munmap(pb->done, pb->ndone);
	if (lockfd != -1)
		close(lockfd);
	free(pb);
	return rc;
}
