/*
 * site: grouping series into targets, the target-level figures, problem
 * words and the worst-first order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "html.h"
#include "i18n.h"
#include "ledger.h"
#include "site.h"
#include "store.h"
#include "table.h"
#include "targets.h"
#include "util.h"

/* Also the words of collector/state.c's states (C_("state", name)). */
static const char *const site_state_names[] = {NC_("state", "down"),
    NC_("state", "partial"), NC_("state", "unknown"), NC_("state", "up")};

const char *
site_state_name(enum site_state s)
{
	return (unsigned)s < NELEM(site_state_names) ? site_state_names[s] :
						       "?";
}

const char *
site_state_words(const char *name)
{
	return C_("state", name);
}

int
site_slug(const char *name, char *out, size_t size)
{
	char enc[STORE_NAME_MAX + 1];

	/* store_name_encode writes %XX and never a raw '~' (it is %7E), so
	 * swapping '%' for '~' keeps it injective and URL-safe. */
	if (store_name_encode(name, enc, sizeof(enc)) == -1 ||
	    str_copy(out, size < SITE_SLUG_MAX ? size : SITE_SLUG_MAX, enc) ==
		-1)
		return -1;
	for (char *p = out; *p != '\0'; p++)
		if (*p == '%')
			*p = '~';
	return 0;
}

static struct site_target *
site_target_get(struct site *si, struct table *index, size_t *cap,
    const char *name)
{
	struct site_target *t = table_get(index, name, strlen(name));

	if (t != NULL)
		return t;
	t = xcalloc(1, sizeof(*t));
	if (str_copy(t->name, sizeof(t->name), name) == -1 ||
	    site_slug(name, t->slug, sizeof(t->slug)) == -1) {
		free(t);
		return NULL;
	}
	t->url = "";
	t->group = "";
	t->ready = -1;
	t->score = -1;
	for (int f = 0; f < FAMILY__N; f++)
		for (int w = 0; w < WINDOW__N; w++)
			t->fam[f].avail[w] = -1;
	if (si->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		si->targets =
		    xreallocarray(si->targets, *cap, sizeof(*si->targets));
	}
	si->targets[si->n++] = t;
	table_put(index, name, strlen(name), t);
	return t;
}

static void
site_add(struct site_target *t, const struct ledger *lg, const struct series *s)
{
	size_t i;

	for (i = 0; i < t->nprobes; i++)
		if (t->probes[i].lg == lg)
			break;
	if (i == t->nprobes) {
		if (t->nprobes == SITE_PROBES_MAX) {
			t->probes_dropped++;
			return;
		}
		t->probes[t->nprobes++].lg = lg;
	}
	t->probes[i].s[s->family] = s;
	if (s->ts > t->last_ts) {
		t->last_ts = s->ts;
		t->url = s->url != NULL ? s->url : "";
		t->group = s->group != NULL ? s->group : "";
		t->title =
		    s->title != NULL && s->title[0] != '\0' ? s->title : NULL;
	}
}

static int
traffic_cmp(const void *a, const void *b)
{
	const struct site_traffic *x = a, *y = b;
	int			   c = strcmp(x->lg->name, y->lg->name);

	return c != 0 ? c : strcmp(x->s->name, y->s->name);
}

static void
site_add_traffic(struct site *si, size_t *cap, const struct ledger *lg,
    const struct series *s)
{
	struct site_traffic *tr;

	if (si->ntraffic == SITE_TRAFFIC_MAX) {
		si->traffic_dropped++;
		return;
	}
	if (si->ntraffic == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		si->traffic =
		    xreallocarray(si->traffic, *cap, sizeof(*si->traffic));
	}
	tr = &si->traffic[si->ntraffic];
	if (site_slug(lg->name, tr->probe_slug, sizeof(tr->probe_slug)) == -1 ||
	    site_slug(s->name, tr->iface_slug, sizeof(tr->iface_slug)) == -1)
		return;
	tr->lg = lg;
	tr->s = s;
	si->ntraffic++;
}

struct site *
site_build(struct ledger *const *ledgers, size_t n, const struct alert *al,
    const struct target_list *tl, double now)
{
	struct site  *si = xcalloc(1, sizeof(*si));
	struct table *index = table_new();
	size_t	      cap = 0, tcap = 0;

	si->now = now;
	for (size_t i = 0; i < n; i++) {
		const struct ledger *lg = ledgers[i];

		for (size_t j = 0; j < lg->nseries; j++) {
			const struct series *s = lg->series[j];
			struct site_target  *t;

			if (s->seq == 0)
				continue;
			if (s->kind == RESULT_TRAFFIC) {
				site_add_traffic(si, &tcap, lg, s);
				continue;
			}
			t = site_target_get(si, index, &cap, s->name);
			if (t != NULL)
				site_add(t, lg, s);
		}
	}
	for (size_t i = 0; tl != NULL && i < tl->n; i++) {
		const struct ctarget *ct = &tl->v[i];
		struct site_target   *t;

		t = site_target_get(si, index, &cap, ct->id);
		if (t == NULL)
			continue;
		t->title = ct->title;
		t->url = ct->url;
		t->group = ct->group != NULL ? ct->group : "";
	}
	for (size_t i = 0; i < si->n; i++) {
		if (al != NULL)
			si->targets[i]->alert =
			    alert_target_get(al, si->targets[i]->name);
		if (si->targets[i]->title == NULL)
			si->targets[i]->title = si->targets[i]->name;
	}
	if (si->ntraffic > 1)
		qsort(si->traffic, si->ntraffic, sizeof(*si->traffic),
		    traffic_cmp);
	table_free(index);
	return si;
}

void
site_free(struct site *si)
{
	if (si == NULL)
		return;
	for (size_t i = 0; i < si->n; i++)
		free(si->targets[i]);
	free(si->targets);
	free(si->traffic);
	free(si);
}

/* The alert's state changes of both families, newest first. */
static void
site_changes(struct site_target *t)
{
	t->nchanges = 0;
	if (t->alert == NULL)
		return;
	for (int f = 0; f < FAMILY__N; f++) {
		const struct alert_change *c;

		for (size_t k = 0;
		     (c = alert_change_at(&t->alert->fam[f], k)) != NULL; k++) {
			size_t i;

			for (i = 0; i < t->nchanges; i++)
				if (c->ts > t->changes[i].ts)
					break;
			if (i == SITE_CHANGES_MAX)
				break;
			if (t->nchanges == SITE_CHANGES_MAX)
				t->nchanges--;
			memmove(&t->changes[i + 1], &t->changes[i],
			    (t->nchanges - i) * sizeof(t->changes[0]));
			t->changes[i] = (struct site_change){c->ts, f, c->from,
			    c->to, c->outcome};
			t->nchanges++;
		}
	}
}

static void
site_family_finish(struct site_target *t, enum family f)
{
	struct site_family *sf = &t->fam[f];

	sf->nup = sf->ndown = sf->nunknown = 0;
	sf->warnings = 0;
	sf->since = 0;
	sf->outcome = OUTCOME_OK;
	for (size_t i = 0; i < t->nprobes; i++) {
		const struct series *s = t->probes[i].s[f];

		if (s == NULL)
			continue;
		if (s->since > sf->since)
			sf->since = s->since;
		if (s->state == STATE_UNKNOWN) {
			sf->nunknown++;
			continue;
		}
		sf->warnings |= s->warnings;
		if (s->state == STATE_UP)
			sf->nup++;
		else {
			if (sf->ndown == 0)
				sf->outcome = s->outcome;
			sf->ndown++;
		}
	}
	if (t->alert != NULL && t->alert->fam[f].since > 0) {
		const struct alert_state *as = &t->alert->fam[f];

		/* The quorum's word; a probe in the minority still shows in
		 * the problem words. */
		sf->state = as->state == STATE_UP ?
		    (sf->ndown > 0 ? SITE_PARTIAL : SITE_UP) :
		    (as->state == STATE_DOWN ? SITE_DOWN : SITE_UNKNOWN);
		sf->since = as->since;
		if (as->state == STATE_DOWN)
			sf->outcome = as->outcome;
		return;
	}
	if (sf->nup > 0 && sf->ndown > 0)
		sf->state = SITE_PARTIAL;
	else if (sf->ndown > 0)
		sf->state = SITE_DOWN;
	else if (sf->nup > 0)
		sf->state = SITE_UP;
	else
		sf->state = SITE_UNKNOWN;
}

/* ready: every probe online says ready; score: the lowest seen. */
static void
site_target_ready(struct site_target *t)
{
	int ready = -1;

	t->score = -1;
	for (size_t i = 0; i < t->nprobes; i++)
		for (int f = 0; f < FAMILY__N; f++) {
			const struct series *s = t->probes[i].s[f];

			if (s == NULL ||
			    (s->warnings & WARN_BIT(WARN_PROBE_OFFLINE)))
				continue;
			if (s->ready >= 0)
				ready = ready == -1 ? s->ready :
						      (ready && s->ready);
			if (s->score >= 0 &&
			    (t->score < 0 || s->score < t->score))
				t->score = s->score;
		}
	t->ready = ready;
	t->ready_since = 0;
	if (t->alert != NULL && t->alert->ready != STATE_UNKNOWN) {
		t->ready = t->alert->ready == STATE_UP;
		t->ready_since = t->alert->ready_since;
	}
}

static void
site_problem(struct site_target *t)
{
	static const char *const fname[FAMILY__N] = {"IPv6", "IPv4"};
	size_t			 n = sizeof(t->problem);
	int			 of;

	t->problem[0] = '\0';
	for (int f = 0; f < FAMILY__N; f++) {
		const struct site_family *sf = &t->fam[f];

		if (sf->state == SITE_DOWN) {
			snprintf(t->problem, n, "%s: %s", fname[f],
			    html_outcome_words(sf->outcome, f));
			return;
		}
		if (sf->state == SITE_PARTIAL) {
			of = sf->ndown + sf->nup;
			/* TRANSLATORS: family, the problem, then "seen by N
			 * of M probes". */
			snprintf(t->problem, n,
			    ngettext("%s: %s (seen by %d of %d probe)",
				"%s: %s (seen by %d of %d probes)",
				(unsigned long)of),
			    fname[f], html_outcome_words(sf->outcome, f),
			    sf->ndown, of);
			return;
		}
	}
	for (int f = 0; f < FAMILY__N; f++)
		for (int w = 0; w < WARN__N; w++)
			if (w != WARN_PROBE_OFFLINE &&
			    (t->fam[f].warnings & WARN_BIT(w))) {
				snprintf(t->problem, n, "%s: %s", fname[f],
				    html_warning_words(w));
				return;
			}
	if (t->fam[FAMILY_IPV6].state == SITE_UNKNOWN)
		snprintf(t->problem, n, "%s", _("IPv6: no recent measurement"));
}

static int
ready_rank(int ready)
{
	return ready == 0 ? 0 : (ready == -1 ? 1 : 2);
}

static int
site_cmp(const void *a, const void *b)
{
	const struct site_target *x = *(const struct site_target *const *)a;
	const struct site_target *y = *(const struct site_target *const *)b;
	double			  ax, ay;

	if (ready_rank(x->ready) != ready_rank(y->ready))
		return ready_rank(x->ready) - ready_rank(y->ready);
	for (int f = 0; f < FAMILY__N; f++)
		if (x->fam[f].state != y->fam[f].state)
			return (int)x->fam[f].state - (int)y->fam[f].state;
	if (x->score != y->score)
		return x->score - y->score;
	ax = x->fam[FAMILY_IPV6].avail[WINDOW_24H];
	ay = y->fam[FAMILY_IPV6].avail[WINDOW_24H];
	if (ax != ay)
		return ax < ay ? -1 : 1;
	return strcmp(x->name, y->name);
}

int
site_lively(const struct site_target *t, double now)
{
	for (size_t i = 0; i < t->nchanges; i++) {
		const struct site_change *c = &t->changes[i];

		if (c->ts <= now - 3600)
			break; /* newest first */
		if (c->from == STATE_DOWN || c->to == STATE_DOWN)
			return 1;
	}
	/* Probes of several that see it down, since the last hour (the
	 * state over every probe did not change). */
	for (int f = 0; f < FAMILY__N; f++) {
		if (t->fam[f].state != SITE_PARTIAL)
			continue;
		for (size_t i = 0; i < t->nprobes; i++) {
			const struct series *s = t->probes[i].s[f];

			if (s != NULL && s->state == STATE_DOWN &&
			    s->since > now - 3600)
				return 1;
		}
	}
	return 0;
}

static uint64_t
sig_add(uint64_t h, const void *p, size_t n)
{
	for (const unsigned char *b = p; n > 0; n--, b++) {
		h ^= *b;
		h *= 1099511628211ULL; /* FNV-1a */
	}
	return h;
}

uint64_t
site_graph_sig(const struct site_target *t)
{
	uint64_t h = 14695981039346656037ULL;
	int64_t	 v[3 + 2 * FAMILY__N];
	size_t	 n = 0;

	/* Outages and readiness; not a probe falling silent or coming
	 * back, which the graphs do not show and which would redraw every
	 * target at once. */
	v[n++] = t->ready == 0;
	v[n++] = (int64_t)t->nprobes;
	v[n] = 0;
	for (size_t i = 0; i < t->nchanges; i++)
		if (t->changes[i].from == STATE_DOWN ||
		    t->changes[i].to == STATE_DOWN) {
			v[n] = (int64_t)(t->changes[i].ts * 1000);
			break;
		}
	n++;
	for (int f = 0; f < FAMILY__N; f++) {
		v[n++] = t->fam[f].state == SITE_DOWN ||
		    t->fam[f].state == SITE_PARTIAL;
		v[n++] = t->fam[f].ndown;
	}
	h = sig_add(h, v, n * sizeof(v[0]));
	for (size_t i = 0; i < t->nprobes; i++)
		h = sig_add(h, t->probes[i].lg->name,
		    strlen(t->probes[i].lg->name) + 1);
	return h;
}

void
site_finish(struct site *si)
{
	for (size_t i = 0; i < si->n; i++) {
		struct site_target *t = si->targets[i];

		for (int f = 0; f < FAMILY__N; f++)
			site_family_finish(t, f);
		site_target_ready(t);
		site_changes(t);
		site_problem(t);
	}
	if (si->n > 1)
		qsort(si->targets, si->n, sizeof(*si->targets), site_cmp);
}

void
site_count(const struct site *si, struct site_counts *c)
{
	double sum = 0;
	size_t nscore = 0;

	memset(c, 0, sizeof(*c));
	c->targets = si->n;
	for (size_t i = 0; i < si->n; i++) {
		const struct site_target *t = si->targets[i];
		const struct site_family *v6 = &t->fam[FAMILY_IPV6];
		uint32_t		  w = 0;
		enum outcome		  o = OUTCOME_OK;

		c->ipv6_up += v6->state == SITE_UP;
		c->ipv4_up += t->fam[FAMILY_IPV4].state == SITE_UP;
		c->unknown += t->ready == -1;
		c->scores[t->score < 0 ?
			SITE_SCORES - 1 :
			(t->score > 100 ? 100 : t->score) / 20]++;
		if (t->score >= 0) {
			sum += t->score;
			nscore++;
		}
		for (int f = 0; f < FAMILY__N; f++)
			w |= t->fam[f].warnings;
		for (int k = 0; k < WARN__N; k++)
			c->warnings[k] += (w & WARN_BIT(k)) != 0;
		switch (site_blocker(t, &o)) {
		case SITE_BLOCK_NONE:
			c->ready++;
			continue;
		case SITE_BLOCK_OUTCOME:
			c->outcomes[o]++;
			break;
		case SITE_BLOCK_NO_DATA:
			c->no_data++;
			break;
		case SITE_BLOCK_CONTENT:
			c->content++;
			break;
		case SITE_BLOCK_OTHER:
			c->other++;
			break;
		}
		c->not_ready++;
	}
	c->score = nscore > 0 ? sum / (double)nscore : -1;
}

enum site_block
site_blocker(const struct site_target *t, enum outcome *o)
{
	const struct site_family *v6 = &t->fam[FAMILY_IPV6];
	uint32_t		  w = 0;

	if (t->ready == 1)
		return SITE_BLOCK_NONE;
	if (v6->state == SITE_DOWN || v6->state == SITE_PARTIAL) {
		if (o != NULL)
			*o = (unsigned)v6->outcome < OUTCOME__N ? v6->outcome :
								  OUTCOME_ERROR;
		return SITE_BLOCK_OUTCOME;
	}
	if (v6->state == SITE_UNKNOWN)
		return SITE_BLOCK_NO_DATA;
	for (int f = 0; f < FAMILY__N; f++)
		w |= t->fam[f].warnings;
	return (w & WARN_BIT(WARN_CONTENT_MISMATCH)) ? SITE_BLOCK_CONTENT :
						       SITE_BLOCK_OTHER;
}
