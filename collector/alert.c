/*
 * alert: evaluate targets over the probes' views, raise events, keep the
 * changes and the durable file (see alert.h).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "json.h"
#include "ledger.h"
#include "log.h"
#include "util.h"

struct alert {
	struct alert_conf     conf;
	struct alert_target **targets; /* sorted by name */
	size_t		      ntargets, cap;
	char		     *path;
	int		      dirty;
	int		      full_logged;
	alert_sink_fn	      sink;
	void		     *sink_arg;
	/* scratch for one evaluation: the series of every probe */
	const struct series	 **ser;
	const struct ledger	 **lgs;
	const struct state_probe **views;
	size_t			   scap;
	struct alert_target	 **marked;
	size_t			   nmarked, mcap;
	/* maintenance windows */
	struct maint_set conf_w, file_w;
	char		*maint_path;
	struct stat	 maint_st; /* of the file last read; ino 0: none */
	int		 maint_failed;
};

static const char *const kind_names[ALERT__N] = {"state_changed",
    "cert_expiring", "readiness_changed", "test"};

const char *
alert_kind_name(enum alert_kind k)
{
	return (unsigned)k < ALERT__N ? kind_names[k] : "?";
}

void
alert_conf_default_thresholds(struct alert_conf *c, int cert_warn_days)
{
	static const int below[] = {14, 7, 1};

	c->nthresholds = 0;
	if (cert_warn_days <= 0)
		return;
	c->thresholds[c->nthresholds++] = cert_warn_days;
	for (size_t i = 0; i < NELEM(below); i++)
		if (below[i] < cert_warn_days)
			c->thresholds[c->nthresholds++] = below[i];
}

struct alert *
alert_new(void)
{
	struct alert *a = xcalloc(1, sizeof(*a));

	state_conf_init(&a->conf.sc, STATE_DOWN_AFTER_DEFAULT,
	    STATE_UP_AFTER_DEFAULT, STATE_QUORUM_DEFAULT, STATE_STEP_DEFAULT);
	alert_conf_default_thresholds(&a->conf, ALERT_CERT_WARN_DAYS_DEFAULT);
	return a;
}

static void
target_free(struct alert_target *t)
{
	if (t == NULL)
		return;
	free(t->url);
	free(t->group);
	free(t);
}

static void
alert_clear(struct alert *a)
{
	for (size_t i = 0; i < a->ntargets; i++)
		target_free(a->targets[i]);
	a->ntargets = 0;
}

void
alert_free(struct alert *a)
{
	if (a == NULL)
		return;
	alert_clear(a);
	free(a->targets);
	free(a->path);
	free(a->ser);
	free(a->lgs);
	free(a->views);
	free(a->marked);
	maint_set_free(&a->conf_w);
	maint_set_free(&a->file_w);
	free(a->maint_path);
	free(a);
}

/* maintenance */

void
alert_set_windows(struct alert *a, const struct maint_set *ms)
{
	maint_set_free(&a->conf_w);
	for (size_t i = 0; i < ms->n; i++)
		maint_set_add(&a->conf_w, &ms->v[i]);
}

/* Read the file again when it is another one than last read. */
static void
alert_maint_refresh(struct alert *a)
{
	struct stat st;
	char	    err[PATH_MAX + 256];

	if (a->maint_path == NULL)
		return;
	if (stat(a->maint_path, &st) == -1) {
		if (errno == ENOENT) {
			maint_set_free(&a->file_w);
			memset(&a->maint_st, 0, sizeof(a->maint_st));
		}
		return;
	}
	if (st.st_ino == a->maint_st.st_ino &&
	    st.st_size == a->maint_st.st_size &&
	    st.st_mtim.tv_sec == a->maint_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == a->maint_st.st_mtim.tv_nsec)
		return;
	if (maint_load(&a->file_w, a->maint_path, err, sizeof(err)) == 0) {
		a->maint_st = st;
		a->maint_failed = 0;
		log_info("maintenance: %zu windows in %s", a->file_w.n,
		    a->maint_path);
		return;
	}
	if (errno == EBADMSG) {
		maint_set_aside(a->maint_path, err);
		memset(&a->maint_st, 0, sizeof(a->maint_st));
		return;
	}
	if (!a->maint_failed)
		log_warnx("maintenance: %s; the windows read before stay", err);
	a->maint_failed = 1;
}

void
alert_set_maint_file(struct alert *a, const char *path)
{
	free(a->maint_path);
	a->maint_path = xstrdup(path);
	alert_maint_reread(a);
}

void
alert_maint_reread(struct alert *a)
{
	memset(&a->maint_st, 0, sizeof(a->maint_st));
	alert_maint_refresh(a);
}

size_t
alert_maint_count(const struct alert *a)
{
	return a->conf_w.n + a->file_w.n;
}

const struct maint_window *
alert_maint_at(const struct alert *a, size_t i)
{
	if (i < a->conf_w.n)
		return &a->conf_w.v[i];
	i -= a->conf_w.n;
	return i < a->file_w.n ? &a->file_w.v[i] : NULL;
}

const struct maint_window *
alert_maint(const struct alert *a, const struct alert_target *t, double now)
{
	const struct maint_window *best = NULL, *w;

	for (size_t i = 0; (w = alert_maint_at(a, i)) != NULL; i++)
		if (maint_covers(w, t->name, t->group, now) &&
		    (best == NULL || w->to > best->to))
			best = w;
	return best;
}

void
alert_maint_warn_unknown(const struct alert *a, const char *conf_path)
{
	for (size_t i = 0; i < a->conf_w.n; i++) {
		const struct maint_window *w = &a->conf_w.v[i];

		for (size_t k = 0; k < w->targets.n; k++)
			if (alert_target_get(a, w->targets.v[k]) == NULL)
				log_warnx(
				    "%s:%d: maintenance[%zu]: target '%s' is not known (no record names it yet); check the name",
				    conf_path, w->line, i, w->targets.v[k]);
		for (size_t k = 0; k < w->groups.n; k++) {
			size_t j;

			for (j = 0; j < a->ntargets; j++)
				if (a->targets[j]->group != NULL &&
				    strcmp(a->targets[j]->group,
					w->groups.v[k]) == 0)
					break;
			if (j == a->ntargets)
				log_warnx(
				    "%s:%d: maintenance[%zu]: no known target is in group '%s'; check the name",
				    conf_path, w->line, i, w->groups.v[k]);
		}
	}
}

int
alert_path(const char *data_dir, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/alerts.json", data_dir);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

void
alert_set_conf(struct alert *a, const struct alert_conf *c)
{
	a->conf = *c;
}

void
alert_set_sink(struct alert *a, alert_sink_fn fn, void *arg)
{
	a->sink = fn;
	a->sink_arg = arg;
}

int
alert_dirty(const struct alert *a)
{
	return a->dirty;
}

/* lookup */

/* Index of name, or where it would go (*found 0). */
static size_t
alert_find(const struct alert *a, const char *name, int *found)
{
	size_t lo = 0, hi = a->ntargets;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int    c = strcmp(a->targets[mid]->name, name);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t
alert_count(const struct alert *a)
{
	return a->ntargets;
}

const struct alert_target *
alert_target_at(const struct alert *a, size_t i)
{
	return i < a->ntargets ? a->targets[i] : NULL;
}

const struct alert_target *
alert_target_get(const struct alert *a, const char *name)
{
	int    found;
	size_t i = alert_find(a, name, &found);

	return found ? a->targets[i] : NULL;
}

const struct alert_state *
alert_state_get(const struct alert *a, const char *target, enum family fam)
{
	const struct alert_target *t = alert_target_get(a, target);

	if (t == NULL || (unsigned)fam >= FAMILY__N)
		return NULL;
	return &t->fam[fam];
}

const struct alert_change *
alert_change_at(const struct alert_state *st, size_t k)
{
	if (st == NULL || k >= st->nchanges)
		return NULL;
	return &st->ring[(st->head + ALERT_CHANGES - 1 - k) % ALERT_CHANGES];
}

/* The target called name, added when absent; NULL when full. */
static struct alert_target *
alert_target_add(struct alert *a, const char *name)
{
	struct alert_target *t;
	int		     found;
	size_t		     i = alert_find(a, name, &found);

	if (found)
		return a->targets[i];
	if (a->ntargets >= ALERT_TARGETS_MAX) {
		if (!a->full_logged)
			log_warnx(
			    "alert: more than %d targets; target %s and later ones raise no alerts",
			    ALERT_TARGETS_MAX, name);
		a->full_logged = 1;
		return NULL;
	}
	t = xcalloc(1, sizeof(*t));
	if (str_copy(t->name, sizeof(t->name), name) == -1) {
		free(t);
		return NULL;
	}
	for (int f = 0; f < FAMILY__N; f++) {
		t->fam[f].family = f;
		t->fam[f].outcome = OUTCOME_OK;
	}
	t->cert_told = ALERT_CERT_NONE;
	if (a->ntargets == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->targets =
		    xreallocarray(a->targets, a->cap, sizeof(*a->targets));
	}
	memmove(&a->targets[i + 1], &a->targets[i],
	    (a->ntargets - i) * sizeof(*a->targets));
	a->targets[i] = t;
	a->ntargets++;
	return t;
}

int
alert_drop_target(struct alert *a, const char *name)
{
	int    found;
	size_t i = alert_find(a, name, &found);

	if (!found)
		return 0;
	target_free(a->targets[i]);
	memmove(&a->targets[i], &a->targets[i + 1],
	    (a->ntargets - i - 1) * sizeof(*a->targets));
	a->ntargets--;
	a->dirty = 1;
	return 1;
}

int
alert_rename_target(struct alert *a, const char *from, const char *to)
{
	struct alert_target *t;
	int		     found;
	size_t		     i = alert_find(a, from, &found), j;

	if (!found || strlen(to) >= sizeof(t->name))
		return 0;
	(void)alert_find(a, to, &found);
	if (found)
		return -1;
	t = a->targets[i];
	memmove(&a->targets[i], &a->targets[i + 1],
	    (a->ntargets - i - 1) * sizeof(*a->targets));
	a->ntargets--;
	(void)str_copy(t->name, sizeof(t->name), to);
	j = alert_find(a, to, &found);
	memmove(&a->targets[j + 1], &a->targets[j],
	    (a->ntargets - j) * sizeof(*a->targets));
	a->targets[j] = t;
	a->ntargets++;
	a->dirty = 1;
	return 1;
}

static void
set_str(char **dst, const char *src)
{
	if (src == NULL || (*dst != NULL && strcmp(*dst, src) == 0))
		return;
	free(*dst);
	*dst = xstrdup(src);
}

/* evaluation */

/*
 * Gather the series of (name, fam) of every probe, with their views of
 * the state (or of readiness); returns the count.
 */
static size_t
alert_gather(struct alert *a, struct ledger *const *lgs, size_t n,
    const char *name, enum family fam, int ready)
{
	size_t k = 0;

	if (n > a->scap) {
		a->scap = n;
		a->ser = xreallocarray(a->ser, n, sizeof(*a->ser));
		a->lgs = xreallocarray(a->lgs, n, sizeof(*a->lgs));
		a->views = xreallocarray(a->views, n, sizeof(*a->views));
	}
	for (size_t i = 0; i < n; i++) {
		const struct series *s =
		    ledger_series(lgs[i], RESULT_CHECK, name, fam, 0);

		if (s == NULL || s->seq == 0)
			continue;
		a->ser[k] = s;
		a->lgs[k] = lgs[i];
		a->views[k] = ready ? &s->rm : &s->sm;
		k++;
	}
	return k;
}

/* Times are kept to the millisecond, as in the file. */
static double
ms_round(double t)
{
	return round(t * 1000) / 1000;
}

/* When the first of the gathered views began (now when none did). */
static double
alert_first_since(const struct alert *a, size_t n, double now)
{
	double t = now;

	for (size_t i = 0; i < n; i++)
		if (a->views[i]->since > 0 && a->views[i]->since < t)
			t = a->views[i]->since;
	return ms_round(t);
}

/* The most frequent last outcome among the probes whose view is want. */
static enum outcome
alert_outcome(const struct alert *a, size_t n, enum state want, double now)
{
	unsigned count[OUTCOME__N] = {0};
	int	 best = -1;

	for (size_t i = 0; i < n; i++)
		if (state_probe_view(a->views[i], &a->conf.sc, now) == want)
			count[a->ser[i]->outcome]++;
	for (int o = 0; o < OUTCOME__N; o++)
		if (count[o] > 0 && (best == -1 || count[o] > count[best]))
			best = o;
	return best == -1 ? OUTCOME_ERROR : (enum outcome)best;
}

/* Append to the detail text; it stays a bounded, complete string. */
static void detail_add(struct alert_event *ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
detail_add(struct alert_event *ev, const char *fmt, ...)
{
	size_t	used = strlen(ev->detail);
	va_list ap;
	int	m;

	if (used + 4 >= sizeof(ev->detail))
		return;
	va_start(ap, fmt);
	m = vsnprintf(ev->detail + used, sizeof(ev->detail) - used, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= sizeof(ev->detail) - used)
		memcpy(ev->detail + sizeof(ev->detail) - 4, "...", 4);
}

static void
event_init(struct alert_event *ev, enum alert_kind kind,
    const struct alert_target *t, double now)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->target = t->name;
	ev->url = t->url;
	ev->group = t->group;
	ev->ts = now;
}

/* Name the probes whose view is want, with what they saw. */
static void
event_probes(const struct alert *a, struct alert_event *ev, size_t n,
    enum state want, int ready, double now)
{
	for (size_t i = 0; i < n; i++) {
		const struct series *s = a->ser[i];
		const char	    *what;

		if (state_probe_view(a->views[i], &a->conf.sc, now) != want)
			continue;
		if (ev->nprobes < ALERT_PROBES_MAX)
			ev->probes[ev->nprobes++] = a->lgs[i]->name;
		if (ready && want == STATE_DOWN)
			what = s->outcome != OUTCOME_OK ?
			    outcome_name(s->outcome) :
			    (s->warnings & WARN_BIT(WARN_CONTENT_MISMATCH) ?
				    "content_mismatch" :
				    "not ready");
		else
			what = outcome_name(s->outcome);
		detail_add(ev, "%s%s: %s (%u in a row)%s%s",
		    ev->detail[0] != '\0' ? "; " : "", a->lgs[i]->name, what,
		    a->views[i]->run,
		    s->error != NULL && s->outcome != OUTCOME_OK ? ": " : "",
		    s->error != NULL && s->outcome != OUTCOME_OK ? s->error :
								   "");
	}
}

static void
alert_emit(struct alert *a, const struct alert_event *ev)
{
	switch (ev->kind) {
	case ALERT_STATE_CHANGED:
		log_info("alert: target %s (%s): %s, was %s", ev->target,
		    family_name(ev->family), state_name(ev->state),
		    state_name(ev->previous));
		break;
	case ALERT_READINESS_CHANGED:
		log_info("alert: target %s: %s", ev->target,
		    ev->state == STATE_UP ? "ready again" : "no longer ready");
		break;
	case ALERT_CERT_EXPIRING:
		log_info("alert: target %s (%s): %s", ev->target,
		    family_name(ev->family), ev->detail);
		break;
	default:
		break;
	}
	if (a->sink != NULL)
		a->sink(a->sink_arg, ev);
}

static void
state_push_change(struct alert_state *st, enum state to, double since,
    enum outcome o)
{
	struct alert_change *c = &st->ring[st->head];

	c->ts = since;
	c->from = st->state;
	c->to = to;
	c->outcome = o;
	st->head = (st->head + 1) % ALERT_CHANGES;
	if (st->nchanges < ALERT_CHANGES)
		st->nchanges++;
}

/* The state of t over fam from the n series gathered. */
static void
alert_eval_family(struct alert *a, struct alert_target *t, enum family fam,
    size_t n, double now)
{
	struct alert_state	  *st = &t->fam[fam];
	const struct maint_window *w;
	struct alert_event	   ev;
	enum state		   next;
	enum outcome		   o;
	double			   since;

	for (size_t i = 0; i < n; i++)
		if (a->ser[i]->url != NULL)
			set_str(&t->url, a->ser[i]->url);
	for (size_t i = 0; i < n; i++)
		if (a->ser[i]->group != NULL)
			set_str(&t->group, a->ser[i]->group);
	next = state_eval(&a->conf.sc, a->views, n, st->state, st->since, now,
	    &since);
	since = ms_round(since);
	if (next == STATE_DOWN)
		o = alert_outcome(a, n, STATE_DOWN, now);
	else if (next == STATE_UP)
		o = OUTCOME_OK;
	else
		o = st->outcome;
	if (o != st->outcome) {
		st->outcome = o;
		a->dirty = 1;
	}
	if (st->since == 0) {
		st->since =
		    next == st->state ? alert_first_since(a, n, now) : since;
		a->dirty = 1;
	}
	if (next != st->state) {
		state_push_change(st, next, since, o);
		st->state = next;
		st->since = since;
		a->dirty = 1;
		if (next != STATE_UNKNOWN && next != st->told &&
		    !(st->told == STATE_UNKNOWN && next == STATE_UP) &&
		    (w = alert_maint(a, t, now)) != NULL)
			log_info("alert: target %s (%s): %s during maintenance window %s; no event sent",
			    t->name, family_name(fam), state_name(next), w->id);
	}
	/* Told when it differs from what was told, out of maintenance. */
	if (st->state == STATE_UNKNOWN || st->state == st->told)
		return;
	if (st->told == STATE_UNKNOWN && st->state == STATE_UP) {
		st->told = STATE_UP; /* first seen up: nothing to tell */
		a->dirty = 1;
		return;
	}
	if (alert_maint(a, t, now) != NULL)
		return;
	event_init(&ev, ALERT_STATE_CHANGED, t, now);
	ev.has_family = 1;
	ev.family = fam;
	ev.state = st->state;
	ev.previous = st->told;
	ev.since = st->since;
	ev.has_outcome = 1;
	ev.outcome = st->outcome;
	event_probes(a, &ev, n, st->state, 0, now);
	st->told = st->state;
	a->dirty = 1;
	alert_emit(a, &ev);
}

/* Readiness of t from the n ipv6 series gathered (their views swapped
 * for the readiness ones). */
static void
alert_eval_ready(struct alert *a, struct alert_target *t, size_t n, double now)
{
	struct alert_event ev;
	enum state	   next;
	double		   since;

	for (size_t i = 0; i < n; i++)
		a->views[i] = &a->ser[i]->rm;
	next = state_eval(&a->conf.sc, a->views, n, t->ready, t->ready_since,
	    now, &since);
	since = ms_round(since);
	if (t->ready_since == 0) {
		t->ready_since =
		    next == t->ready ? alert_first_since(a, n, now) : since;
		a->dirty = 1;
	}
	if (next != t->ready) {
		t->ready = next;
		t->ready_since = since;
		a->dirty = 1;
	}
	if (t->ready == STATE_UNKNOWN || t->ready == t->ready_told)
		return;
	if (t->ready_told == STATE_UNKNOWN) {
		t->ready_told = t->ready; /* first known: nothing to tell */
		a->dirty = 1;
		return;
	}
	if (alert_maint(a, t, now) != NULL)
		return;
	event_init(&ev, ALERT_READINESS_CHANGED, t, now);
	ev.state = t->ready;
	ev.previous = t->ready_told;
	ev.since = t->ready_since;
	ev.has_outcome = 1;
	ev.outcome = t->ready == STATE_UP ?
	    OUTCOME_OK :
	    alert_outcome(a, n, STATE_DOWN, now);
	event_probes(a, &ev, n, t->ready, 1, now);
	t->ready_told = t->ready;
	a->dirty = 1;
	alert_emit(a, &ev);
}

/* The soonest expiry among the n series gathered, into *days / *fam. */
static void
alert_cert_scan(const struct alert *a, size_t n, enum family f, double now,
    int *days, enum family *minfam)
{
	for (size_t i = 0; i < n; i++) {
		const struct series *s = a->ser[i];

		if (!s->has_cert || now - s->ts > a->conf.sc.silent_s ||
		    (s->warnings & WARN_BIT(WARN_PROBE_OFFLINE)))
			continue;
		if (s->cert_days < *days) {
			*days = s->cert_days;
			*minfam = f;
		}
	}
}

/* The certificate of t, expiring in days (INT_MAX: nothing fresh). */
static void
alert_eval_cert(struct alert *a, struct alert_target *t, int days,
    enum family minfam, struct ledger *const *lgs, size_t nlgs, double now)
{
	struct alert_event ev;
	int		   lowest = ALERT_CERT_NONE;

	if (days == INT_MAX)
		return; /* nothing fresh: keep what is known */
	if (!t->has_cert || t->cert_days != days) {
		t->has_cert = 1;
		t->cert_days = days;
		a->dirty = 1;
	}
	for (size_t i = 0; i < a->conf.nthresholds; i++)
		if (days <= a->conf.thresholds[i] &&
		    a->conf.thresholds[i] < lowest)
			lowest = a->conf.thresholds[i];
	if (lowest == t->cert_told)
		return;
	if (lowest > t->cert_told) { /* renewed, or thresholds changed */
		t->cert_told = lowest;
		a->dirty = 1;
		return;
	}
	if (alert_maint(a, t, now) != NULL)
		return; /* told once the window is over */
	a->dirty = 1;
	t->cert_told = lowest;
	event_init(&ev, ALERT_CERT_EXPIRING, t, now);
	ev.has_family = 1;
	ev.family = minfam;
	ev.days_left = days;
	ev.threshold = lowest;
	{
		size_t n = alert_gather(a, lgs, nlgs, t->name, minfam, 0);

		for (size_t i = 0; i < n && ev.nprobes < ALERT_PROBES_MAX; i++)
			if (a->ser[i]->has_cert &&
			    a->ser[i]->cert_days == days &&
			    now - a->ser[i]->ts <= a->conf.sc.silent_s)
				ev.probes[ev.nprobes++] = a->lgs[i]->name;
	}
	if (days < 0)
		detail_add(&ev, "the certificate expired %d days ago", -days);
	else
		detail_add(&ev,
		    "the certificate expires in %d day%s (threshold %d)", days,
		    days == 1 ? "" : "s", lowest);
	alert_emit(a, &ev);
}

/* Each family's series are gathered once for state, readiness and
 * certificate. */
static void
alert_eval_target(struct alert *a, struct alert_target *t,
    struct ledger *const *lgs, size_t n, double now)
{
	int	    days = INT_MAX;
	enum family minfam = FAMILY_IPV6;

	for (int f = 0; f < FAMILY__N; f++) {
		size_t k = alert_gather(a, lgs, n, t->name, f, 0);

		if (k == 0)
			continue;
		alert_eval_family(a, t, f, k, now);
		alert_cert_scan(a, k, f, now, &days, &minfam);
		if (f == FAMILY_IPV6)
			alert_eval_ready(a, t, k, now);
	}
	alert_eval_cert(a, t, days, minfam, lgs, n, now);
}

void
alert_batch(struct alert *a, struct ledger *const *lgs, size_t n,
    struct ledger *lg, double now)
{
	alert_maint_refresh(a);
	a->nmarked = 0;
	for (size_t i = 0; i < lg->nseries; i++) {
		struct series	    *s = lg->series[i];
		struct alert_target *t;

		if (!s->alert_touched)
			continue;
		s->alert_touched = 0;
		if (s->kind != RESULT_CHECK ||
		    (t = alert_target_add(a, s->name)) == NULL || t->mark)
			continue;
		t->mark = 1;
		if (a->nmarked == a->mcap) {
			a->mcap = a->mcap ? a->mcap * 2 : 64;
			a->marked = xreallocarray(a->marked, a->mcap,
			    sizeof(*a->marked));
		}
		a->marked[a->nmarked++] = t;
	}
	/* Targets were added above: none is freed or moved below. */
	for (size_t i = 0; i < a->nmarked; i++) {
		a->marked[i]->mark = 0;
		alert_eval_target(a, a->marked[i], lgs, n, now);
	}
	a->nmarked = 0;
}

void
alert_tick(struct alert *a, struct ledger *const *lgs, size_t n, double now)
{
	alert_maint_refresh(a);
	for (size_t i = 0; i < a->ntargets; i++)
		alert_eval_target(a, a->targets[i], lgs, n, now);
}

/* the file */

static cJSON *
alert_state_json(const struct alert_state *st)
{
	cJSON *o = cJSON_CreateObject(), *ch;

	cJSON_AddStringToObject(o, "family", family_name(st->family));
	cJSON_AddStringToObject(o, "state", state_name(st->state));
	json_add_fixed(o, "since", st->since, 3);
	cJSON_AddStringToObject(o, "told", state_name(st->told));
	cJSON_AddStringToObject(o, "outcome", outcome_name(st->outcome));
	ch = cJSON_AddArrayToObject(o, "changes");
	for (size_t k = st->nchanges; k-- > 0;) {
		const struct alert_change *c = alert_change_at(st, k);
		cJSON			  *e = cJSON_CreateObject();

		cJSON_AddItemToArray(ch, e);
		json_add_fixed(e, "ts", c->ts, 3);
		cJSON_AddStringToObject(e, "from", state_name(c->from));
		cJSON_AddStringToObject(e, "to", state_name(c->to));
		cJSON_AddStringToObject(e, "outcome", outcome_name(c->outcome));
	}
	return o;
}

static cJSON *
alert_to_json(const struct alert *a)
{
	cJSON *root = cJSON_CreateObject(), *ts;

	cJSON_AddNumberToObject(root, "version", 1);
	ts = cJSON_AddArrayToObject(root, "targets");
	for (size_t i = 0; i < a->ntargets; i++) {
		const struct alert_target *t = a->targets[i];
		cJSON			  *o = cJSON_CreateObject(), *fa;

		cJSON_AddItemToArray(ts, o);
		cJSON_AddStringToObject(o, "name", t->name);
		if (t->url != NULL)
			cJSON_AddStringToObject(o, "url", t->url);
		if (t->group != NULL)
			cJSON_AddStringToObject(o, "group", t->group);
		cJSON_AddStringToObject(o, "ready", state_name(t->ready));
		json_add_fixed(o, "ready_since", t->ready_since, 3);
		cJSON_AddStringToObject(o, "ready_told",
		    state_name(t->ready_told));
		if (t->has_cert)
			cJSON_AddNumberToObject(o, "cert_days", t->cert_days);
		if (t->cert_told != ALERT_CERT_NONE)
			cJSON_AddNumberToObject(o, "cert_told", t->cert_told);
		fa = cJSON_AddArrayToObject(o, "families");
		for (int f = 0; f < FAMILY__N; f++)
			if (t->fam[f].since != 0)
				cJSON_AddItemToArray(fa,
				    alert_state_json(&t->fam[f]));
	}
	return root;
}

int
alert_save(struct alert *a, char *err, size_t errlen)
{
	char *text;
	int   rc, saved;

	if (!a->dirty)
		return 0;
	if (a->path == NULL) {
		snprintf(err, errlen, "alert: no file");
		errno = EINVAL;
		return -1;
	}
	text = json_text(alert_to_json(a));
	rc = file_replace(a->path, text, strlen(text), 0640, -1, FILE_DURABLE,
	    err, errlen);
	saved = errno;
	cJSON_free(text);
	if (rc == 0)
		a->dirty = 0;
	errno = saved;
	return rc;
}

static int
jstate(const cJSON *o, const char *key, int *ok)
{
	int v = state_from_name(json_str(o, key, 16, ok));

	if (v == -1)
		*ok = 0;
	return v == -1 ? STATE_UNKNOWN : v;
}

static int
alert_state_from_json(struct alert_target *t, const cJSON *o)
{
	struct alert_state *st;
	const cJSON	   *ch, *c;
	int		    ok = 1, f, v;

	f = family_from_name(json_str(o, "family", 8, &ok));
	if (f == -1 || !ok || t->fam[f].since != 0)
		return -1;
	st = &t->fam[f];
	st->state = jstate(o, "state", &ok);
	st->since = json_num(o, "since", RESULT_TS_MIN, RESULT_TS_MAX, &ok);
	st->told = jstate(o, "told", &ok);
	if ((v = outcome_from_name(json_str(o, "outcome", 32, &ok))) == -1)
		return -1;
	st->outcome = v;
	ch = json_get(o, "changes");
	if (!ok || !cJSON_IsArray(ch) || cJSON_GetArraySize(ch) > ALERT_CHANGES)
		return -1;
	cJSON_ArrayForEach(c, ch)
	{
		struct alert_change *x = &st->ring[st->head];

		x->ts = json_num(c, "ts", 0, RESULT_TS_MAX, &ok);
		x->from = jstate(c, "from", &ok);
		x->to = jstate(c, "to", &ok);
		if ((v = outcome_from_name(json_str(c, "outcome", 32, &ok))) ==
			-1 ||
		    !ok)
			return -1;
		x->outcome = v;
		st->head = (st->head + 1) % ALERT_CHANGES;
		st->nchanges++;
	}
	return ok ? 0 : -1;
}

static int
alert_target_from_json(struct alert *a, const cJSON *o)
{
	struct alert_target *t;
	const cJSON	    *fa, *f;
	const char	    *name;
	int		     ok = 1, found;

	if (!cJSON_IsObject(o))
		return -1;
	name = json_str(o, "name", RESULT_NAME_MAX, &ok);
	if (!ok || name[0] == '\0')
		return -1;
	alert_find(a, name, &found);
	if (found || (t = alert_target_add(a, name)) == NULL)
		return -1;
	if (json_get(o, "url") != NULL)
		set_str(&t->url, json_str(o, "url", RESULT_URL_MAX, &ok));
	if (json_get(o, "group") != NULL)
		set_str(&t->group, json_str(o, "group", RESULT_NAME_MAX, &ok));
	t->ready = jstate(o, "ready", &ok);
	t->ready_since = json_num(o, "ready_since", 0, RESULT_TS_MAX, &ok);
	t->ready_told = jstate(o, "ready_told", &ok);
	if (json_get(o, "cert_days") != NULL) {
		t->has_cert = 1;
		t->cert_days =
		    (int)json_num(o, "cert_days", -1000000, 1000000, &ok);
	}
	if (json_get(o, "cert_told") != NULL)
		t->cert_told = (int)json_num(o, "cert_told", 0, 100000, &ok);
	fa = json_get(o, "families");
	if (!ok || !cJSON_IsArray(fa))
		return -1;
	cJSON_ArrayForEach(f, fa)
	{
		if (!cJSON_IsObject(f) || alert_state_from_json(t, f) == -1)
			return -1;
	}
	return 0;
}

int
alert_load(struct alert *a, const char *path, char *err, size_t errlen)
{
	cJSON	    *root;
	const cJSON *ts, *o;
	size_t	     i = 0;
	int	     ok = 1;

	free(a->path);
	a->path = xstrdup(path);
	alert_clear(a);
	a->dirty = 0;
	if (json_load_file(path, ALERT_FILE_MAX, &root, err, errlen) == -1)
		return -1;
	if (root == NULL) /* no file yet */
		return 0;
	ts = json_get(root, "targets");
	if (json_num(root, "version", 1, 1, &ok) != 1 || !ok ||
	    !cJSON_IsArray(ts)) {
		snprintf(err, errlen, "%s: not an alert state file", path);
		goto fail;
	}
	cJSON_ArrayForEach(o, ts)
	{
		if (alert_target_from_json(a, o) == -1) {
			snprintf(err, errlen,
			    "%s: targets[%zu] does not decode", path, i);
			goto fail;
		}
		i++;
	}
	cJSON_Delete(root);
	return 0;
fail:
	cJSON_Delete(root);
	alert_clear(a);
	errno = EBADMSG;
	return -1;
}
