/*
 * cmd_run: `v6probe run` -- every target (probe.conf's and the collector's
 * list) checked every interval on its own timer, results spooled durably
 * and delivered to the collector, canaries telling whether the probe's
 * own network works, SIGHUP reloads, SIGTERM finishes in-flight checks
 * within a bound, root dropped after start.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "capture.h"
#include "cfg.h"
#include <curl/curl.h>

#include "check.h"
#include "conf.h"
#include "cmd_run.h"
#include "ev.h"
#include "fetch.h"
#include "log.h"
#include "outcome.h"
#include "priv.h"
#include "resolv.h"
#include "sched.h"
#include "spool.h"
#include "table.h"
#include "tlist.h"
#include "tls.h"
#include "trust.h"
#include "upload.h"
#include "util.h"

#define SYNC_DELAY_MS  200 /* records of one burst share an fsync */
#define STATS_EVERY_MS 600000
/* Local targets that hide an id of the collector's list, said by name. */
#define SHADOWED_SHOWN 10

struct probe;

struct ptarget {
	struct check_target ct; /* its strings are src's, or its own */
	struct probe	   *p;
	struct tlist	   *src;   /* a reference; NULL: a canary */
	const char	   *title; /* src's; NULL: none */
	int		    interval_s;
	uint64_t	    due_ms;
	struct ev_timer	    timer;
	int		    canary;
	int		    removed; /* freed when its check ends */
	int		    kept;    /* targets_apply(): in the new list */
	struct ptarget	   *next;
};

struct probe {
	struct ev_loop	    *loop;
	const char	    *conf_path;
	struct probe_conf   *conf;
	X509_STORE	    *store;
	char		    *store_path;
	struct check_engine *eng;
	struct spool	    *spool;
	struct upload	    *up;
	struct fetch	    *fetch;   /* the collector's target list */
	struct tlist	    *local;   /* probe.conf's targets */
	struct ptarget	    *targets; /* targets and canaries */
	size_t		     ntargets;
	size_t		     nfetched; /* of them from the collector's list */
	struct ev_timer	     sync_timer, stop_timer, stats_timer;
	struct capture	    *cap;
	struct ev_timer	     cap_timer;
	char		    *cap_iface;
	int		     cap_interval_s;
	int		     cap_failed;
	struct ev_signal     sigterm, sigint, sighup;
	int		     once, stopping, exit_code;
	int		     once_wait; /* --once: for the first fetch */
	size_t		     once_pending;
	/* canaries: per family, did the last round of each fail? */
	int		  canary_fail[FAMILY__N];
	int		  canary_seen[FAMILY__N];
	int		  offline[FAMILY__N];
	struct sched_late late;
	uint64_t	  checks, skipped, spooled;
};

static void target_due_cb(struct ev_loop *, struct ev_timer *);

static void
run_usage(FILE *f)
{
	fprintf(f,
	    "usage: v6probe run -c probe.conf [--once] [-v] [--syslog]\n"
	    "\n"
	    "The probe daemon: checks every target of probe.conf every interval,\n"
	    "spools each result on disk and delivers it to the collector.\n"
	    "\n"
	    "  -c FILE    the configuration (see configs/probe.conf)\n"
	    "  --once     check every target once, deliver, and exit: 0 when all\n"
	    "             results were delivered, 1 when some wait in the spool\n"
	    "  -v         debug messages (repeat for more)\n"
	    "  --syslog   log to syslog instead of stderr\n"
	    "\n"
	    "Signals: SIGHUP reloads probe.conf (a broken file keeps the running\n"
	    "configuration), SIGTERM finishes the checks in flight and exits.\n");
}

/* options for the engine from the config */
static void
engine_opts(struct probe *p, struct check_opts *o)
{
	const struct probe_conf *c = p->conf;

	memset(o, 0, sizeof(*o));
	o->probe = c->name;
	o->timeout_ms = c->timeout_s * 1000;
	o->warn_days = c->warn_days;
	o->families = 1 << FAMILY_IPV6 | 1 << FAMILY_IPV4;
	o->concurrency = c->concurrency;
	o->resume_tls = 1;
	o->ns_check = 1;
	o->ns_cache_s = c->interval_s > 900 ? c->interval_s : 900;
	o->store = p->store;
	o->addr_allow = (c->nat64_prefix_ok ? OUTCOME_ALLOW_NAT64 : 0) |
	    (c->private_ok ? OUTCOME_ALLOW_PRIVATE : 0);
}

/* Point t at def of list src: its strings, and a reference to src. A
 * target kept across a change gets the same text from the new list: a
 * check under way reads it again (or copied it when it started). */
static void
ptarget_borrow(struct ptarget *t, struct tlist *src,
    const struct target_conf *def)
{
	t->ct.name = def->name;
	t->ct.url = def->url;
	t->ct.group = def->group;
	t->ct.large_path = def->large_path;
	t->title = def->title;
	if (t->src != src) {
		tlist_free(t->src);
		t->src = tlist_ref(src);
	}
}

/* def of list src, or (src NULL) the canary name with url. */
static struct ptarget *
ptarget_new(struct probe *p, struct tlist *src, const struct target_conf *def,
    const char *name, const char *url, int interval_s)
{
	struct ptarget *t = xcalloc(1, sizeof(*t));

	t->p = p;
	if (src != NULL)
		ptarget_borrow(t, src, def);
	else {
		t->ct.name = xstrdup(name);
		t->ct.url = xstrdup(url);
		t->canary = 1;
	}
	t->ct.user = t;
	t->interval_s = interval_s;
	ev_timer_init(&t->timer, target_due_cb, t);
	return t;
}

static void
ptarget_free(struct ptarget *t)
{
	if (t == NULL)
		return;
	ev_timer_disarm(t->p->loop, &t->timer);
	check_target_clear(&t->ct);
	if (t->src != NULL)
		tlist_free(t->src);
	else {
		free(t->ct.name);
		free(t->ct.url);
	}
	free(t);
}

static int
str_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Spread the targets that have no due time yet over their interval. */
static void
schedule_new(struct probe *p, int now_all)
{
	uint64_t now = ev_now(p->loop);
	size_t	 i = 0, n = 0;

	for (struct ptarget *t = p->targets; t != NULL; t = t->next)
		n += !t->removed;
	for (struct ptarget *t = p->targets; t != NULL; t = t->next, i++) {
		uint64_t ivl = (uint64_t)t->interval_s * 1000;

		if (t->removed || ev_timer_armed(&t->timer) || t->ct.running)
			continue;
		/* A second's grace: no result may share its second with
		 * one made before a restart or reload (the collector's RRD
		 * files take one update per second). */
		t->due_ms = now + 1000 +
		    (now_all ? 0 :
			       sched_offset_ms(i, n, ivl, (uint32_t)random()));
		ev_timer_arm_at(p->loop, &t->timer, t->due_ms);
	}
}

static void
target_due_cb(struct ev_loop *loop, struct ev_timer *tm)
{
	struct ptarget *t = tm->arg;
	struct probe   *p = t->p;
	uint64_t	missed;

	if (p->stopping)
		return;
	if (t->ct.running) {
		/* still checking from last time: this round is skipped */
		p->skipped++;
		log_debug("target %s: previous check still running, round skipped",
		    t->ct.name);
	} else
		check_submit(p->eng, &t->ct);
	if (p->once)
		return;
	t->due_ms = sched_next_ms(t->due_ms, (uint64_t)t->interval_s * 1000,
	    ev_now(loop), &missed);
	p->skipped += missed;
	ev_timer_arm_at(loop, &t->timer, t->due_ms);
}

static void
sync_cb(struct ev_loop *loop, struct ev_timer *tm)
{
	struct probe *p = tm->arg;

	if (spool_sync(p->spool) == -1) {
		if (p->once) {
			p->exit_code = 1;
			ev_break(loop);
			return;
		}
		/* retried in a second; records wait in memory meanwhile */
		ev_timer_arm(p->loop, &p->sync_timer, 1000);
	}
	upload_kick(p->up);
}

static void
canary_result(struct probe *p, struct check_report *rep)
{
	for (int f = 0; f < FAMILY__N; f++) {
		int was = p->offline[f];

		/* A round of canaries is every canary once; the family is
		 * offline while all of them fail. */
		p->canary_seen[f]++;
		if (rep->r[f].outcome != OUTCOME_OK)
			p->canary_fail[f]++;
		if (p->canary_seen[f] < (int)p->conf->canaries.n)
			continue;
		p->offline[f] = p->canary_fail[f] == p->canary_seen[f];
		p->canary_seen[f] = p->canary_fail[f] = 0;
		if (p->offline[f] && !was)
			log_warnx(
			    "canaries fail over %s: this probe's own network is down; %s results are marked probe_offline",
			    family_name(f), family_name(f));
		else if (!p->offline[f] && was)
			log_info("canaries work again over %s", family_name(f));
	}
}

static void
spool_json(struct probe *p, const struct result *r)
{
	cJSON *j = result_to_json(r);
	char  *json = cJSON_PrintUnformatted(j);

	cJSON_Delete(j);
	spool_append(p->spool, json);
	p->spooled++;
	if (!ev_timer_armed(&p->sync_timer))
		ev_timer_arm(p->loop, &p->sync_timer, SYNC_DELAY_MS);
}

/* Every capture interval: the counts become a traffic record. */
static void
capture_cb(struct ev_loop *loop, struct ev_timer *tm)
{
	struct probe	 *p = tm->arg;
	struct pkt_counts c;
	struct result	  r;
	const char	 *why;

	ev_timer_arm(loop, tm, (uint64_t)p->cap_interval_s * 1000);
	capture_take(p->cap, &c);
	if ((why = capture_error(p->cap)) != NULL && !p->cap_failed) {
		log_warnx("capture on %s stopped: %s", p->cap_iface, why);
		p->cap_failed = 1;
	}
	result_init(&r);
	r.kind = RESULT_TRAFFIC;
	snprintf(r.probe, sizeof(r.probe), "%s", p->conf->name);
	r.ts = now_wall();
	r.seq = spool_next_seq(p->spool);
	pkt_to_traffic(&c, p->cap_iface, p->cap_interval_s, &r.traffic);
	spool_json(p, &r);
}

static void
spool_report(struct probe *p, struct check_report *rep)
{
	const struct ptarget *t = rep->t->user;

	for (int f = 0; f < FAMILY__N; f++) {
		struct result *r = &rep->r[f];

		if (!rep->checked[f])
			continue;
		if (t->title != NULL)
			snprintf(r->title, sizeof(r->title), "%s", t->title);
		if (p->offline[f])
			r->warnings |= WARN_BIT(WARN_PROBE_OFFLINE);
		r->seq = spool_next_seq(p->spool);
		spool_json(p, r);
	}
}

static void maybe_finish(struct probe *);

static void
report_cb(struct check_report *rep, void *arg)
{
	struct probe   *p = arg;
	struct ptarget *t = rep->t->user;

	if (rep->start_ms >= t->due_ms)
		sched_late_add(&p->late, rep->start_ms - t->due_ms);
	p->checks++;
	if (t->canary)
		canary_result(p, rep);
	else if (!t->removed)
		spool_report(p, rep);
	if (t->removed) {
		/* unlinked at reload, kept until its check ended */
		ptarget_free(t);
	}
	if (p->once && p->once_pending > 0)
		p->once_pending--;
	maybe_finish(p);
}

static void
stats_log(struct probe *p, int info)
{
	struct spool_stats  ss;
	struct upload_stats us;
	struct fetch_stats  fs;

	spool_stats(p->spool, &ss);
	upload_stats(p->up, &us);
	fetch_stats(p->fetch, &fs);
	(info ? log_info :
		log_debug)("stats: %" PRIu64 " checks, start late p50 %" PRIu64
			   " ms p99 %" PRIu64 " ms max %" PRIu64 " ms, %" PRIu64
			   " rounds skipped, at most %zu in flight; spool %" PRIu64
			   " records waiting, %" PRIu64
			   " dropped; delivered %" PRIu64 " in %" PRIu64
			   " batches, %" PRIu64 " rejected",
	    p->checks, sched_late_pct(&p->late, 0.5),
	    sched_late_pct(&p->late, 0.99), p->late.max_ms, p->skipped,
	    check_inflight_max(p->eng), ss.records, ss.dropped, us.delivered,
	    us.batches, us.rejected);
	if (fs.attempts > 0)
		(info ? log_info :
			log_debug)("stats: target list: %" PRIu64
				   " fetches, %" PRIu64 " new lists, %" PRIu64
				   " not modified (304), %" PRIu64
				   " the same list again, %" PRIu64 " failed",
		    fs.attempts, fs.replaced, fs.not_modified, fs.unchanged,
		    fs.failures);
}

static void
stats_cb(struct ev_loop *loop, struct ev_timer *tm)
{
	struct probe *p = tm->arg;

	stats_log(p, 1);
	ev_timer_arm(loop, tm, STATS_EVERY_MS);
}

/* --once: done when every target was checked and the spool is empty (0)
 * or delivery failed (1). SIGTERM: done when no check runs. */
static void
maybe_finish(struct probe *p)
{
	struct spool_stats st;

	if (p->stopping) {
		if (check_inflight(p->eng) == 0)
			ev_break(p->loop);
		return;
	}
	if (!p->once || p->once_wait || p->once_pending > 0)
		return;
	if (spool_has_unsynced(p->spool)) {
		if (!ev_timer_armed(&p->sync_timer))
			ev_timer_arm(p->loop, &p->sync_timer, 0);
		return;
	}
	spool_stats(p->spool, &st);
	if (st.records == 0) {
		p->exit_code = 0;
		ev_break(p->loop);
	} else if (upload_failing(p->up)) {
		log_warnx("%" PRIu64
			  " results wait in the spool for the next run",
		    st.records);
		p->exit_code = 1;
		ev_break(p->loop);
	} else
		upload_kick(p->up);
}

static void
probe_upload_idle_cb(struct upload *u, void *arg)
{
	(void)u;
	maybe_finish(arg);
}

/* The local targets that hide an id of the collector's list, by name. */
static void
log_shadowed(const struct target_conf **v, size_t n)
{
	for (size_t i = 0; i < n && i < SHADOWED_SHOWN; i++)
		log_warnx(
		    "targets: '%s' of the collector's list is a local target too (probe.conf or its targets_file): the local one is checked",
		    v[i]->name);
	if (n > SHADOWED_SHOWN)
		log_warnx(
		    "targets: %zu more ids of the collector's list are local targets too: the local ones are checked",
		    n - SHADOWED_SHOWN);
}

/* "name", or "+name" for a canary (no target name has a '+'). */
static size_t
ptarget_key(char *buf, size_t size, const char *name, int canary)
{
	int n = snprintf(buf, size, "%s%s", canary ? "+" : "", name);

	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/*
 * The targets to check now: the local targets of c, then those of the
 * collector's list that no local one hides, then the canaries. Each is
 * kept (same name and definition: its schedule goes on), changed
 * (replaced), added or removed.
 */
static void
targets_apply(struct probe *p, const struct probe_conf *c)
{
	struct tlist		  *fl = fetch_list(p->fetch), *loc = p->local;
	size_t			   nf = fl != NULL ? fl->n : 0, nt, nsh, n = 0;
	size_t			   nold = 0;
	const struct target_conf **v, **sh;
	struct ptarget		 **olds, *list = NULL, **tail = &list;
	struct table		  *old = table_new();
	char			   key[PROBE_NAME_MAX + 32];

	v = xcalloc(loc->n + nf + 1, sizeof(*v));
	sh = xcalloc(nf + 1, sizeof(*sh));
	nt = tlist_merge(loc->v, loc->n, fl, v, sh, &nsh);
	log_shadowed(sh, nsh);
	free(sh);
	olds = xcalloc(p->ntargets + 1, sizeof(*olds));
	for (struct ptarget *t = p->targets; t != NULL; t = t->next) {
		size_t k = ptarget_key(key, sizeof(key), t->ct.name, t->canary);

		t->kept = 0;
		olds[nold++] = t;
		if (table_get(old, key, k) == NULL)
			table_put(old, key, k, t);
	}
	for (size_t i = 0; i < nt + c->canaries.n; i++) {
		const struct target_conf *tc = i < nt ? v[i] : NULL;
		struct tlist		 *src = i < loc->n ? loc : fl;
		char			  cname[32];
		const char     *name, *url, *group = NULL, *large = NULL;
		int		ivl = c->interval_s, canary = tc == NULL;
		struct ptarget *t;

		if (tc != NULL) {
			name = tc->name;
			url = tc->url;
			group = tc->group;
			large = tc->large_path;
			if (tc->interval_s > 0)
				ivl = tc->interval_s;
		} else {
			snprintf(cname, sizeof(cname), "canary-%zu", i - nt);
			name = cname;
			url = c->canaries.v[i - nt];
		}
		t = table_get(old, key,
		    ptarget_key(key, sizeof(key), name, canary));
		if (t != NULL && !t->kept && str_same(t->ct.url, url) &&
		    str_same(t->ct.group, group) &&
		    str_same(t->ct.large_path, large)) {
			t->kept = 1; /* kept as it is */
			if (tc != NULL)
				ptarget_borrow(t, src, tc);
			if (t->interval_s != ivl) {
				t->interval_s = ivl;
				ev_timer_disarm(p->loop, &t->timer);
			}
		} else
			t = ptarget_new(p, canary ? NULL : src, tc, name, url,
			    ivl);
		if (tc != NULL) /* the check copies them when it starts */
			check_target_expect(&t->ct, tc->expect_status,
			    tc->nexpect_status, tc->expect_body);
		t->ct.no_http80 =
		    tc == NULL || !tc->http80; /* canaries: none */
		t->next = NULL;
		*tail = t;
		tail = &t->next;
		n++;
	}
	/* What is left of the old list is gone (or changed): free it, or
	 * let its running check finish first. */
	for (size_t i = 0; i < nold; i++) {
		struct ptarget *t = olds[i];

		if (t->kept)
			continue;
		t->next = NULL;
		ev_timer_disarm(p->loop, &t->timer);
		if (t->ct.running)
			t->removed = 1;
		else
			ptarget_free(t);
	}
	table_free(old);
	free(olds);
	p->targets = list;
	p->ntargets = n;
	p->nfetched = nt - loc->n;
	free(v);
}

static int
store_load(struct probe *p, const char *cacert, char *err, size_t errlen)
{
	X509_STORE *st;

	if (p->store != NULL && str_same(p->store_path, cacert))
		return 0;
	if ((st = trust_load(cacert, err, errlen)) == NULL)
		return -1;
	X509_STORE_free(p->store);
	p->store = st;
	free(p->store_path);
	p->store_path = xstrdup(cacert);
	return 0;
}

/* Apply a freshly loaded config (start or reload). Takes ownership of c
 * when it returns 0. */
static int
probe_apply(struct probe *p, struct probe_conf *c)
{
	struct probe_conf *prev = p->conf;
	struct tlist	  *old;
	struct check_opts  o;
	char		   err[512];

	if (store_load(p, c->cacert, err, sizeof(err)) == -1 ||
	    upload_configure(p->up, c->collector_url, c->token_file,
		c->collector_cacert, c->name, err, sizeof(err)) == -1 ||
	    fetch_configure(p->fetch, c->fetch_url, c->token_file,
		c->collector_cacert, c->name, c->targets_refresh_s, err,
		sizeof(err)) == -1) {
		log_warnx("%s: %s", p->conf_path, err);
		return -1;
	}
	if (prev != NULL) {
		if (!str_same(prev->spool_dir, c->spool_dir) ||
		    prev->spool_max_mb != c->spool_max_mb)
			log_warnx(
			    "reload: spool settings change at the next restart");
		if (!str_same(prev->user, c->user))
			log_warnx("reload: user changes at the next restart");
		if (prev->capture_enabled != c->capture_enabled ||
		    !str_same(prev->capture_iface, c->capture_iface) ||
		    !str_same(prev->capture_filter, c->capture_filter) ||
		    prev->capture_interval_s != c->capture_interval_s)
			log_warnx(
			    "reload: capture settings change at the next restart");
		if (!str_same(prev->name, c->name))
			log_warnx(
			    "reload: probe.name changes the name records carry from now on");
	}
	p->conf = c;
	fetch_load_cache(p->fetch); /* fetching turned on by a reload */
	/* The local targets, merged again with every list from the
	 * collector; the targets checked borrow their strings. */
	old = p->local;
	p->local = tlist_from_conf(c->targets, c->ntargets);
	probe_conf_targets_free(c->targets, c->ntargets);
	c->targets = NULL;
	c->ntargets = 0;
	targets_apply(p, c);
	tlist_free(old);
	engine_opts(p, &o);
	check_engine_set(p->eng, &o);
	probe_conf_free(prev);
	return 0;
}

static void
sighup_cb(struct ev_loop *loop, struct ev_signal *s)
{
	struct probe	  *p = s->arg;
	struct probe_conf *c;
	struct cfg	   cf;

	(void)loop;
	log_info("SIGHUP: reloading %s", p->conf_path);
	if ((c = probe_conf_load(p->conf_path, &cf)) == NULL) {
		for (size_t i = 0; i < cf.nerrs; i++)
			log_warnx("reload: %s", cf.errs[i]);
		log_warnx("reload: %s is broken; the running configuration stays",
		    p->conf_path);
		cfg_close(&cf);
	} else {
		cfg_close(&cf);
		if (probe_apply(p, c) == -1) {
			log_warnx("reload: the running configuration stays");
			probe_conf_free(c);
		} else {
			schedule_new(p, 0);
			malloc_trim(0);
			log_info("reload: %zu local targets, %zu from the collector's list, %zu canaries",
			    p->conf->nloaded, p->nfetched, p->conf->canaries.n);
		}
	}
	/* the collector's list may have changed too */
	if (!p->once)
		fetch_now(p->fetch);
}

/* --once: check every target once (the collector's list fetched first,
 * when there is one), deliver, exit. */
static void
once_begin(struct probe *p)
{
	p->once_wait = 0;
	p->once_pending = p->ntargets;
	p->exit_code = 1;
	/* results of a previous run go first */
	upload_kick(p->up);
	schedule_new(p, 1);
	if (p->ntargets == 0)
		maybe_finish(p);
}

/* After every attempt to fetch the collector's list. */
static void
fetch_done(struct fetch *f, int changed, void *arg)
{
	struct probe *p = arg;

	(void)f;
	if (p->stopping || (p->once && !p->once_wait))
		return;
	if (changed) {
		uint64_t t0 = now_mono_us();

		targets_apply(p, p->conf);
		schedule_new(p, p->once);
		malloc_trim(0);
		log_info("targets: %zu checked: %zu local, %zu from the collector's list (applied in %" PRIu64
			 " ms)",
		    p->ntargets - p->conf->canaries.n,
		    p->ntargets - p->conf->canaries.n - p->nfetched,
		    p->nfetched, (now_mono_us() - t0) / 1000);
	}
	if (p->once_wait)
		once_begin(p);
}

static void
stop_timer_cb(struct ev_loop *loop, struct ev_timer *tm)
{
	struct probe *p = tm->arg;

	log_warnx("stopping: %zu checks did not finish in time and are abandoned",
	    check_inflight(p->eng));
	ev_break(loop);
}

static void
sigterm_cb(struct ev_loop *loop, struct ev_signal *s)
{
	struct probe *p = s->arg;

	if (p->stopping) {
		ev_break(loop);
		return;
	}
	log_info("signal %d: finishing %zu checks in flight, then stopping",
	    s->signo, check_inflight(p->eng));
	p->stopping = 1;
	for (struct ptarget *t = p->targets; t != NULL; t = t->next)
		ev_timer_disarm(loop, &t->timer);
	ev_timer_disarm(loop, &p->cap_timer);
	/* bound: a check cannot run longer than its phases' deadlines */
	ev_timer_arm(loop, &p->stop_timer,
	    (uint64_t)p->conf->timeout_s * 4000 + 1000);
	maybe_finish(p);
}

/*
 * Started as root: make the spool folder the user's without following a
 * link the user could plant (priv_own_dir), then become the user. The
 * spool itself is opened after the drop, through *spool_fd, so nothing
 * in the folder is ever touched as root. Not root: *spool_fd stays -1.
 */
static int
drop_root(struct probe *p, const struct probe_conf *c, int *spool_fd, char *err,
    size_t errlen)
{
	uid_t uid;
	gid_t gid;

	*spool_fd = -1;
	if (geteuid() != 0) {
		log_debug("not root: running as uid %d", (int)geteuid());
		return 0;
	}
	if (priv_lookup(c->user, &uid, &gid, err, errlen) == -1)
		return -1;
	if (uid == 0) {
		snprintf(err, errlen,
		    "user '%s' is root: name an unprivileged user in %s",
		    c->user, p->conf_path);
		return -1;
	}
	if ((*spool_fd = priv_own_dir(c->spool_dir, 0700, uid, gid, err,
		 errlen)) == -1)
		return -1;
	if (priv_drop(c->user, err, errlen) == -1)
		return -1;
	log_info("dropped root: running as %s", c->user);
	return 0;
}

int
run_main(int argc, char **argv)
{
	enum { O_ONCE = 256, O_SYSLOG };
	static const struct option opts[] = {{"once", no_argument, NULL,
						 O_ONCE},
	    {"syslog", no_argument, NULL, O_SYSLOG},
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct probe		   p;
	struct probe_conf	  *c;
	struct check_opts	   o;
	struct cfg		   cf;
	char			   err[512];
	int			   ch, verbose = 0, use_syslog = 0, spool_fd;
	int			   cache_fd = -1;

	memset(&p, 0, sizeof(p));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			p.conf_path = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case O_ONCE:
			p.once = 1;
			break;
		case O_SYSLOG:
			use_syslog = 1;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (p.conf_path == NULL || optind != argc) {
		run_usage(stderr);
		return EXIT_USAGE;
	}
	log_init("v6probe", verbose, use_syslog);
	if ((c = probe_conf_ready(probe_conf_load(p.conf_path, &cf), &cf,
		 geteuid() == 0)) == NULL) {
		cfg_report(&cf);
		cfg_close(&cf);
		return EXIT_USAGE;
	}
	cfg_close(&cf);
	if (resolv_library_init() == -1 ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("library setup failed");
	srandom((unsigned)(now_mono_us() ^ (uint64_t)getpid()));
	if ((p.loop = ev_loop_new()) == NULL)
		fatal("epoll");
	/* the token is read now, as root; the spool comes after the drop */
	if ((p.up = upload_new(p.loop, NULL)) == NULL ||
	    (p.fetch = fetch_new(p.loop, fetch_done, &p)) == NULL)
		fatalx("cannot set up libcurl");
	upload_on_idle(p.up, probe_upload_idle_cb, &p);
	p.conf = c;
	if (store_load(&p, c->cacert, err, sizeof(err)) == -1)
		fatalx("%s", err);
	engine_opts(&p, &o);
	if ((p.eng = check_engine_new(p.loop, &o, report_cb, &p, err,
		 sizeof(err))) == NULL)
		fatalx("%s", err);
	p.conf = NULL;
	if (probe_apply(&p, c) == -1)
		fatalx("%s: cannot start", p.conf_path);
	/* libconfig's tree of 10,000 targets is gone: give its pages back */
	malloc_trim(0);
	/* Open what needs root, then drop it. */
	ev_timer_init(&p.cap_timer, capture_cb, &p);
	if (c->capture_enabled && !p.once) {
		p.cap = capture_open(p.loop, c->capture_iface,
		    c->capture_filter, err, sizeof(err));
		if (p.cap == NULL)
			fatalx("capture: %s", err);
		p.cap_iface = xstrdup(c->capture_iface);
		p.cap_interval_s = c->capture_interval_s;
		ev_timer_arm(p.loop, &p.cap_timer,
		    (uint64_t)p.cap_interval_s * 1000);
		log_info("capturing on %s every %d s", p.cap_iface,
		    p.cap_interval_s);
	}
	if (drop_root(&p, c, &spool_fd, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (spool_fd != -1 &&
	    (cache_fd = fcntl(spool_fd, F_DUPFD_CLOEXEC, 0)) == -1)
		fatal("dup");
	p.spool = spool_fd != -1 ?
	    spool_open_at(spool_fd, c->spool_dir,
		(uint64_t)c->spool_max_mb << 20, err, sizeof(err)) :
	    spool_open(c->spool_dir, (uint64_t)c->spool_max_mb << 20, err,
		sizeof(err));
	if (p.spool == NULL)
		fatalx("spool: %s", err);
	/* the collector's last good list is kept beside the spool */
	if (cache_fd == -1)
		cache_fd = open(c->spool_dir,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cache_fd == -1)
		fatal("%s", c->spool_dir);
	fetch_set_cache_dir(p.fetch, cache_fd, c->spool_dir);
	if (fetch_load_cache(p.fetch)) {
		targets_apply(&p, c);
		malloc_trim(0);
	}
	/* the collector drops duplicates: three fsyncs per batch are not
	 * worth it at hundreds of results a second */
	spool_set_ack_every(p.spool, 2000);
	upload_set_spool(p.up, p.spool);
	ev_timer_init(&p.sync_timer, sync_cb, &p);
	ev_timer_init(&p.stop_timer, stop_timer_cb, &p);
	ev_timer_init(&p.stats_timer, stats_cb, &p);
	if (ev_signal_start(p.loop, &p.sigterm, SIGTERM, sigterm_cb, &p) ==
		-1 ||
	    ev_signal_start(p.loop, &p.sigint, SIGINT, sigterm_cb, &p) == -1 ||
	    ev_signal_start(p.loop, &p.sighup, SIGHUP, sighup_cb, &p) == -1)
		fatal("signalfd");
	signal(SIGPIPE, SIG_IGN);
	log_info("v6probe %s: %zu local targets, %zu canaries, every %d s; spool %s; collector %s",
	    V6WATCH_VERSION, p.conf->nloaded, p.conf->canaries.n,
	    p.conf->interval_s, p.conf->spool_dir, p.conf->collector_url);
	if (p.conf->fetch_url != NULL)
		log_info("targets: also those of %s, fetched every %d s",
		    p.conf->fetch_url, p.conf->targets_refresh_s);
	if (p.once) {
		if (p.conf->fetch_url != NULL) {
			p.once_wait = 1; /* once_begin() after the fetch */
			fetch_now(p.fetch);
		} else
			once_begin(&p);
	} else {
		ev_timer_arm(p.loop, &p.stats_timer, STATS_EVERY_MS);
		schedule_new(&p, 0);
		fetch_now(p.fetch);
	}
	if (ev_run(p.loop) == -1)
		fatal("event loop");

	if (spool_sync(p.spool) == -1)
		log_warnx("spool: some results could not be written");
	stats_log(&p, !p.once || verbose > 0);
	ev_timer_disarm(p.loop, &p.cap_timer);
	capture_close(p.cap);
	free(p.cap_iface);
	check_engine_free(p.eng);
	fetch_free(p.fetch);
	upload_free(p.up);
	spool_close(p.spool);
	while (p.targets != NULL) {
		struct ptarget *t = p.targets;

		p.targets = t->next;
		ptarget_free(t);
	}
	tlist_free(p.local);
	X509_STORE_free(p.store);
	free(p.store_path);
	probe_conf_free(p.conf);
	ev_loop_free(p.loop);
	curl_global_cleanup();
	return p.stopping ? 0 : p.exit_code;
}
