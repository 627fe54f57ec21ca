/*
 * collector: build, authenticate, reload and free the daemon's state;
 * hand each batch to the alerts and commit what they changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "catalog.h"
#include "collector.h"
#include "conf.h"
#include "ledger.h"
#include "log.h"
#include "store.h"
#include "table.h"
#include "targets.h"
#include "util.h"
#include "webhook.h"

void
collector_alert_conf(const struct collector_conf *cc, struct alert_conf *ac)
{
	memset(ac, 0, sizeof(*ac));
	state_conf_init(&ac->sc, cc->down_after, cc->up_after, cc->quorum,
	    cc->step_s);
	if (cc->ncert_thresholds < 0) {
		alert_conf_default_thresholds(ac, cc->cert_warn_days);
		return;
	}
	for (int i = 0;
	     i < cc->ncert_thresholds && ac->nthresholds < ALERT_THRESHOLDS_MAX;
	     i++)
		ac->thresholds[ac->nthresholds++] = cc->cert_thresholds[i];
}

/* Events are queued durably, then the state that raised them is saved. */
static void
collector_alert_commit(struct collector *co)
{
	char err[512];

	if (co->webhooks != NULL && webhooks_sync(co->webhooks) == -1)
		log_warnx(
		    "webhook: events could not be written; they wait in memory");
	if (alert_save(co->alert, err, sizeof(err)) == -1)
		log_warnx("alert: cannot save the state: %s", err);
}

static void
collector_batch_cb(struct ledger *lg, double now, void *arg)
{
	struct collector *co = arg;

	alert_batch(co->alert, co->ledgers, co->nledgers, lg, now);
	collector_alert_commit(co);
}

static void
collector_tick_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct collector *co = t->arg;

	alert_tick(co->alert, co->ledgers, co->nledgers, now_wall());
	collector_alert_commit(co);
	ev_timer_arm(loop, t, (uint64_t)co->conf->step_s * 1000);
}

/* The requests file of `v6collector target`, looked at each second. */
static void
collector_reqtick_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct collector *co = t->arg;
	char		  path[PATH_MAX];
	struct stat	  st;

	if (retire_requests_path(co->data_dir, path, sizeof(path)) == 0 &&
	    stat(path, &st) == 0) {
		int64_t m = (int64_t)st.st_mtim.tv_sec * 1000000000 +
		    st.st_mtim.tv_nsec + (int64_t)st.st_size;

		if (m != co->req_mtime_ns) {
			co->req_mtime_ns = m;
			(void)collector_requests(co);
			/* Our own write of the file is no new request. */
			if (stat(path, &st) == 0)
				co->req_mtime_ns =
				    (int64_t)st.st_mtim.tv_sec * 1000000000 +
				    st.st_mtim.tv_nsec + (int64_t)st.st_size;
		}
	}
	ev_timer_arm(loop, t, 1000);
}

/* The title of target: the central list's, else its records', else
 * NULL. */
static const char *
collector_title_cb(void *arg, const char *target)
{
	struct collector     *co = arg;
	const struct ctarget *t = co->conf->targets != NULL ?
	    targets_find(co->conf->targets, target) :
	    NULL;

	if (t != NULL)
		return t->title;
	/* A probe's own target: the title its records bring. */
	for (size_t i = 0; i < co->nledgers; i++)
		for (int f = 0; f < FAMILY__N; f++) {
			const struct series *s = ledger_series(co->ledgers[i],
			    RESULT_CHECK, target, f, 0);

			if (s != NULL && s->title != NULL &&
			    s->title[0] != '\0')
				return s->title;
		}
	return NULL;
}

static const char *
collector_retired_cb(void *arg, const char *target)
{
	struct collector	     *co = arg;
	const struct catalog_retired *r = catalog_retired(&co->catalog, target);

	return r != NULL ? r->reason : NULL;
}

/* The alert settings and every ledger's thresholds from co->conf. */
static void
collector_configure_alerts(struct collector *co)
{
	struct alert_conf ac;

	collector_alert_conf(co->conf, &ac);
	alert_set_conf(co->alert, &ac);
	alert_set_windows(co->alert, &co->conf->maint);
	for (size_t i = 0; i < co->nledgers; i++)
		co->ledgers[i]->sc = ac.sc;
}

struct collector *
collector_new(const char *conf_path, struct collector_conf *conf,
    struct ev_loop *loop)
{
	struct collector *co = xcalloc(1, sizeof(*co));

	co->conf_path = xstrdup(conf_path);
	co->conf = conf;
	co->loop = loop;
	co->ledger_index = table_new();
	co->alert = alert_new();
	ev_timer_init(&co->tick, collector_tick_cb, co);
	ev_timer_init(&co->reqtick, collector_reqtick_cb, co);
	co->lockfd = -1;
	co->started = now_wall();
	return co;
}

void
collector_free(struct collector *co)
{
	if (co == NULL)
		return;
	if (co->loop != NULL) {
		ev_timer_disarm(co->loop, &co->tick);
		ev_timer_disarm(co->loop, &co->reqtick);
	}
	catalog_free(&co->catalog);
	free(co->data_dir);
	if (co->lockfd != -1)
		close(co->lockfd);
	webhooks_free(co->webhooks);
	alert_free(co->alert);
	for (size_t i = 0; i < co->nledgers; i++)
		ledger_free(co->ledgers[i]);
	free(co->ledgers);
	table_free(co->ledger_index);
	store_free(co->store);
	collector_conf_free(co->conf);
	free(co->state_dir);
	free(co->conf_path);
	free(co);
}

int
collector_mkdir(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0750) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * After the state file path failed to load with lerr: one that does not
 * decode (errno EBADMSG) is moved aside as PATH.bad-TIME, with a warning,
 * and a new one starts (0); anything else is -1 with err ("WHAT: lerr").
 */
static int
collector_set_aside(const char *path, const char *what, const char *lerr,
    char *err, size_t errlen)
{
	char aside[PATH_MAX + 32];

	if (errno != EBADMSG) {
		snprintf(err, errlen, "%s: %s", what, lerr);
		return -1;
	}
	snprintf(aside, sizeof(aside), "%s.bad-%lld", path,
	    (long long)time(NULL));
	log_warnx(
	    "%s unreadable (%s); starting a new one, the old file is kept as %s",
	    what, lerr, aside);
	if (rename(path, aside) == -1)
		log_warn("rename %s", path);
	return 0;
}

/* Load DATA_DIR/alerts.json; one that does not decode is put aside. */
static int
collector_open_alerts(struct collector *co, const char *dir, char *err,
    size_t errlen)
{
	char path[PATH_MAX], aside[PATH_MAX + 32], lerr[512];

	if (alert_path(dir, path, sizeof(path)) == -1) {
		snprintf(err, errlen, "data_dir %s: path too long", dir);
		return -1;
	}
	collector_configure_alerts(co);
	if (co->loop != NULL) {
		co->webhooks = webhooks_new(co->loop, dir);
		webhooks_configure(co->webhooks, co->conf->webhooks,
		    co->conf->nwebhooks, co->conf->name);
		alert_set_sink(co->alert, webhooks_event, co->webhooks);
		webhooks_set_titles(co->webhooks, collector_title_cb, co);
	}
	if (maint_path(dir, aside, sizeof(aside)) == 0)
		alert_set_maint_file(co->alert, aside);
	if (alert_load(co->alert, path, lerr, sizeof(lerr)) == 0)
		return 0;
	return collector_set_aside(path, "alert state", lerr, err, errlen);
}

long
collector_running(const char *data_dir)
{
	char path[PATH_MAX], buf[32];
	int  fd, n;
	long pid = 0;

	if (snprintf(path, sizeof(path), "%s/state/collector.lock", data_dir) >=
	    (int)sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0 || errno != EWOULDBLOCK) {
		close(fd);
		return 0;
	}
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 ? pid : -1;
}

/* One collector per data_dir: DATA_DIR/state/collector.lock, with the
 * pid for people. */
static int
collector_lock(struct collector *co, char *err, size_t errlen)
{
	char path[PATH_MAX], pid[32];
	int  n;

	if (snprintf(path, sizeof(path), "%s/collector.lock", co->state_dir) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", co->state_dir);
		return -1;
	}
	co->lockfd =
	    open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (co->lockfd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(co->lockfd, LOCK_EX | LOCK_NB) == -1) {
		n = (int)read(co->lockfd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(err, errlen,
		    "another v6collector (pid %s) uses data_dir %s; stop it first",
		    pid[0] != '\0' ? pid : "?", co->data_dir);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(co->lockfd, 0) == -1 ||
	    pwrite(co->lockfd, pid, (size_t)n, 0) != n)
		log_warn("%s", path);
	return 0;
}

/* Load DATA_DIR/state/targets.json; one that does not decode is put
 * aside (the ids of the list are derived again). */
static int
collector_open_catalog(struct collector *co, const char *dir, char *err,
    size_t errlen)
{
	char path[PATH_MAX], lerr[PATH_MAX + 256];

	if (catalog_path(dir, path, sizeof(path)) == -1) {
		snprintf(err, errlen, "data_dir %s: path too long", dir);
		return -1;
	}
	if (catalog_load(&co->catalog, path, lerr, sizeof(lerr)) == 0)
		return 0;
	return collector_set_aside(path, "target catalogue", lerr, err, errlen);
}

int
collector_targets_reload(struct collector *co)
{
	struct target_list *prev, *tl;
	struct cfg	    c;

	if (co->conf->targets == NULL)
		return 0;
	prev = catalog_prev(&co->catalog);
	if (prev == NULL)
		return 0;
	memset(&c, 0, sizeof(c));
	config_init(&c.lc);
	tl = targets_load(co->conf->targets->path, prev, &c);
	targets_free(prev);
	if (tl == NULL) {
		for (size_t i = 0; i < c.nerrs; i++)
			log_warnx("targets: %s", c.errs[i]);
		cfg_close(&c);
		return -1;
	}
	cfg_close(&c);
	targets_free(co->conf->targets);
	co->conf->targets = tl;
	return 0;
}

void
collector_targets_renamed(struct collector *co, const char *from,
    const char *to)
{
	if (catalog_rename_entry(&co->catalog, from, to))
		(void)collector_targets_reload(co);
}

int
collector_open(struct collector *co, char *err, size_t errlen)
{
	char dir[PATH_MAX], sub[PATH_MAX];

	if (realpath(co->conf->data_dir, dir) == NULL) {
		snprintf(err, errlen, "data_dir %s: %s", co->conf->data_dir,
		    strerror(errno));
		return -1;
	}
	if (snprintf(sub, sizeof(sub), "%s/rrd", dir) >= (int)sizeof(sub) ||
	    collector_mkdir(sub, err, errlen) == -1)
		return -1;
	if (snprintf(sub, sizeof(sub), "%s/state", dir) >= (int)sizeof(sub) ||
	    collector_mkdir(sub, err, errlen) == -1)
		return -1;
	co->state_dir = xstrdup(sub);
	co->data_dir = xstrdup(dir);
	if ((co->loop != NULL || co->exclusive) &&
	    collector_lock(co, err, errlen) == -1)
		return -1;
	if (collector_open_alerts(co, dir, err, errlen) == -1 ||
	    collector_open_catalog(co, dir, err, errlen) == -1)
		return -1;
	co->store = store_new(dir, co->conf->step_s, co->conf->rrdcached);
	for (size_t i = 0; i < co->conf->nprobes; i++)
		if (collector_ledger(co, co->conf->probes[i].name) == NULL) {
			snprintf(err, errlen, "probe %s: no ledger",
			    co->conf->probes[i].name);
			return -1;
		}
	/* Ids as the catalogue knows them, then what the list changed
	 * while the collector was not running, then what was asked. */
	if (co->conf->targets != NULL)
		(void)collector_targets_reload(co);
	collector_sync_list(co);
	(void)collector_requests(co);
	if (co->loop != NULL) {
		ev_timer_arm(co->loop, &co->tick,
		    (uint64_t)co->conf->step_s * 1000);
		ev_timer_arm(co->loop, &co->reqtick, 1000);
	}
	alert_maint_warn_unknown(co->alert, co->conf_path);
	return 0;
}

const char *
collector_auth(const struct collector *co, const char *token, size_t len)
{
	const char *who = NULL;

	if (len == 0)
		return NULL;
	/* No early exit: every token is compared. */
	for (size_t i = 0; i < co->conf->nprobes; i++) {
		const struct probe_auth *p = &co->conf->probes[i];

		if (ct_equal(token, len, p->token, strlen(p->token)) &&
		    who == NULL)
			who = p->name;
	}
	return who;
}

struct ledger *
collector_ledger(struct collector *co, const char *probe)
{
	struct ledger *lg;
	char enc[STORE_NAME_MAX + 1], path[PATH_MAX], aside[PATH_MAX + 32],
	    err[512];

	lg = table_get(co->ledger_index, probe, strlen(probe));
	if (lg != NULL)
		return lg;
	if (co->state_dir == NULL ||
	    store_name_encode(probe, enc, sizeof(enc)) == -1 ||
	    snprintf(path, sizeof(path), "%s/%s.json", co->state_dir, enc) >=
		(int)sizeof(path))
		return NULL;
	lg = ledger_new(probe, path);
	if (ledger_load(lg, err, sizeof(err)) == -1) {
		uint64_t resets = lg->resets;

		if (errno != EBADMSG) {
			/* Unreadable, not broken: never write over it. */
			log_warnx("probe %s: %s", probe, err);
			ledger_free(lg);
			return NULL;
		}
		snprintf(aside, sizeof(aside), "%s.bad-%lld", path,
		    (long long)time(NULL));
		log_warnx(
		    "probe %s: ledger unreadable (%s); starting a new one, the old file is kept as %s",
		    probe, err, aside);
		if (rename(path, aside) == -1)
			log_warn("rename %s", path);
		ledger_free(lg);
		/* Only the count of restarts is carried over; the seqs
		 * count again from the next record stored. */
		lg = ledger_new(probe, path);
		lg->resets = resets;
		ledger_restart(lg, LEDGER_RESET_UNREADABLE, now_wall());
		if (ledger_save(lg, err, sizeof(err)) == -1)
			log_warnx("probe %s: cannot save the ledger: %s", probe,
			    err);
	}
	if (co->nledgers == co->capledgers) {
		co->capledgers = co->capledgers ? co->capledgers * 2 : 8;
		co->ledgers = xreallocarray(co->ledgers, co->capledgers,
		    sizeof(*co->ledgers));
	}
	co->ledgers[co->nledgers++] = lg;
	table_put(co->ledger_index, probe, strlen(probe), lg);
	collector_configure_alerts(co);
	lg->batch_cb = collector_batch_cb;
	lg->batch_arg = co;
	lg->retired_cb = collector_retired_cb;
	return lg;
}

/* Keep the running value of a string setting that needs a restart. */
static void
keep_str(const char *what, char **running, char **loaded)
{
	char *t;

	if ((*running == NULL) != (*loaded == NULL) ||
	    (*running != NULL && strcmp(*running, *loaded) != 0))
		log_warnx(
		    "reload: collector.%s changed; that takes effect at the next restart",
		    what);
	t = *running;
	*running = *loaded;
	*loaded = t;
}

static void
keep_int(const char *what, int running, int *loaded)
{
	if (running != *loaded)
		log_warnx(
		    "reload: collector.%s changed; that takes effect at the next restart",
		    what);
	*loaded = running;
}

int
collector_reload(struct collector *co)
{
	struct collector_conf *nc, *old = co->conf;
	struct cfg	       c;

	nc = collector_conf_load(co->conf_path, co->conf->targets, &c);
	if (nc == NULL) {
		for (size_t i = 0; i < c.nerrs; i++)
			log_warnx("reload: %s", c.errs[i]);
		if (c.dropped > 0)
			log_warnx("reload: %zu more problems", c.dropped);
		log_warnx("reload: %s is broken; the running config stays",
		    co->conf_path);
		cfg_close(&c);
		co->reload_failures++;
		return -1;
	}
	cfg_close(&c);
	/* Swap so that the running values stay in nc and the new ones are
	 * freed with old. */
	keep_str("listen", &old->listen, &nc->listen);
	keep_str("data_dir", &old->data_dir, &nc->data_dir);
	keep_str("rrdcached", &old->rrdcached, &nc->rrdcached);
	keep_str("tls_cert", &old->tls_cert, &nc->tls_cert);
	keep_str("tls_key", &old->tls_key, &nc->tls_key);
	keep_str("user", &old->user, &nc->user);
	keep_int("step", old->step_s, &nc->step_s);
	keep_int("max_connections", old->max_connections, &nc->max_connections);
	keep_int("max_per_ip", old->max_per_ip, &nc->max_per_ip);
	keep_int("connection_timeout", old->conn_timeout_s,
	    &nc->conn_timeout_s);
	co->conf = nc;
	collector_conf_free(old);
	collector_configure_alerts(co);
	if (co->webhooks != NULL)
		webhooks_configure(co->webhooks, nc->webhooks, nc->nwebhooks,
		    nc->name);
	for (size_t i = 0; i < nc->nprobes; i++)
		if (collector_ledger(co, nc->probes[i].name) == NULL)
			log_warnx("reload: probe %s: no ledger",
			    nc->probes[i].name);
	alert_maint_reread(co->alert);
	alert_maint_warn_unknown(co->alert, co->conf_path);
	if (co->data_dir != NULL)
		collector_sync_list(co);
	co->reloads++;
	log_info("reload: %s: %zu probes, %zu webhooks", co->conf_path,
	    nc->nprobes, nc->nwebhooks);
	return 0;
}

int
collector_flush(struct collector *co)
{
	char err[512];
	int  rc = 0;

	for (size_t i = 0; i < co->nledgers; i++) {
		struct ledger *lg = co->ledgers[i];

		if (lg->dirty && ledger_save(lg, err, sizeof(err)) == -1) {
			log_warnx("probe %s: cannot save the ledger: %s",
			    lg->name, err);
			rc = -1;
		}
	}
	if (alert_save(co->alert, err, sizeof(err)) == -1) {
		log_warnx("alert: cannot save the state: %s", err);
		rc = -1;
	}
	return rc;
}
