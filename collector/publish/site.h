/*
 * site: the model of the published site -- every target seen in the
 * ledgers, each with its per-probe views and, per family, a state over the
 * probes, availability, the last problem in plain words and recent
 * state changes -- sorted worst first. The problem words are in the
 * language spoken (i18n.h) when site_finish() runs. Pure: built from the ledgers (the
 * probes' last records) and the alert state (each target x family's
 * state over the probes by quorum, its readiness and state changes), "now"
 * given as an argument; the RRD figures are filled in by the caller
 * (avail.h). A target the alert state does not know yet gets a state
 * from its probes' last records alone.
 */
#ifndef V6W_SITE_H
#define V6W_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"
#include "state.h"

struct alert;
struct ledger;
struct series;
struct target_list;

/* Probes shown (and graphed) per target; more are counted, not shown. */
#define SITE_PROBES_MAX 16
/* Longest slug (file name of a target's page, without ".html"). */
#define SITE_SLUG_MAX 201
/* Recent changes kept per target. */
#define SITE_CHANGES_MAX 20
/* Capture interfaces shown (and graphed); more are counted, not shown. */
#define SITE_TRAFFIC_MAX 64

/* Availability windows. */
enum site_window { WINDOW_24H, WINDOW_7D, WINDOW_30D, WINDOW__N };

/* A family's state over every probe that sees the target. */
enum site_state { SITE_DOWN, SITE_PARTIAL, SITE_UNKNOWN, SITE_UP };

struct site_probe {
	const struct ledger *lg;
	const struct series *s[FAMILY__N]; /* NULL: no record */
};

struct site_change {
	double	     ts;
	enum family  family;
	enum state   from, to;
	enum outcome outcome; /* the deciding probes' last outcome */
};

struct site_family {
	enum site_state state;
	int		nup, ndown, nunknown; /* probes' views */
	enum outcome	outcome;	      /* of a failing probe, else ok */
	uint32_t	warnings;	      /* over the probes online */
	double		since;		  /* latest change of a probe's state */
	double		avail[WINDOW__N]; /* 0..1; < 0 unknown */
	double		known_s[WINDOW__N];
};

struct site_target {
	char			   name[RESULT_NAME_MAX]; /* the id */
	char			   slug[SITE_SLUG_MAX];
	const char		  *title; /* what people read; never NULL */
	const char		  *url;	  /* "" when none */
	const char		  *group; /* "" when none */
	int			   ready; /* -1 unknown */
	int			   score; /* -1 unknown */
	double			   last_ts;
	double			   ready_since; /* 0: unknown */
	const struct alert_target *alert; /* NULL: not known to the alerts */
	struct site_family	   fam[FAMILY__N];
	struct site_probe	   probes[SITE_PROBES_MAX];
	size_t			   nprobes, probes_dropped;
	struct site_change	   changes[SITE_CHANGES_MAX];
	size_t			   nchanges;
	char			   problem[256]; /* plain words; "" when none */
	/* Maintenance in each availability window (seconds), left out of
	 * the availability figures. */
	double maint_s[WINDOW__N];
};

/* A probe's capture interface: its last record in s->traffic. */
struct site_traffic {
	const struct ledger *lg;
	const struct series *s;
	char		     probe_slug[SITE_SLUG_MAX];
	char		     iface_slug[SITE_SLUG_MAX];
};

struct site {
	struct site_target **targets; /* worst first after site_sort() */
	size_t		     n;
	double		     now;
	struct site_traffic *traffic; /* by probe, then interface */
	size_t		     ntraffic, traffic_dropped;
};

/*
 * Every check series of the ledgers, grouped by target, and every capture
 * interface; al (may be NULL) gives states, readiness and changes; tl
 * (the central list, may be NULL) adds its targets no probe has measured
 * yet, and gives every target of it its title, URL and group. A target
 * without a title is shown by its id. Pointers into all three are kept:
 * they must not change while the site is in use.
 */
struct site *site_build(struct ledger *const *ledgers, size_t n,
    const struct alert *al, const struct target_list *tl, double now);
void	     site_free(struct site *);
/* Derive ready, score, states and problem words; then sort worst first. */
void site_finish(struct site *);

/*
 * A target's slug: its name with every byte but [A-Za-z0-9._-] (and a
 * leading '.') written ~XX. Injective and safe in a file name and in a
 * URL. -1 when longer than SITE_SLUG_MAX - 1.
 */
int site_slug(const char *name, char *out, size_t size);

const char *site_state_name(enum site_state);
/* A state's name (site_state_name, state_name) in the site's language. */
const char *site_state_words(const char *name);

/* Score buckets: 0-19, 20-39, 40-59, 60-79, 80-99, 100, unknown. */
#define SITE_SCORES 7

/*
 * The site's figures, counted here once for every page, report, summary
 * and export that shows them. Every target is either ready or not ready;
 * a target not ready is in exactly one of outcomes[] (IPv6 down or down
 * for some probes: the failing outcome), no_data (no recent IPv6
 * measurement, or none yet), content (IPv6 works but serves other
 * content than IPv4) or other (IPv6 works; the score falls short), so
 * ready + no_data + content + other + the outcomes == targets.
 */
struct site_counts {
	size_t targets, ready, not_ready;
	size_t unknown; /* readiness never known (ready -1) */
	size_t outcomes[OUTCOME__N];
	size_t no_data, content, other;
	size_t ipv6_up, ipv4_up;
	size_t scores[SITE_SCORES];
	double score;		  /* mean of the known scores; < 0 none */
	size_t warnings[WARN__N]; /* targets with each (either family) */
};

/* Count si (after site_finish). */
void site_count(const struct site *si, struct site_counts *c);

/* What keeps one target from being ready: the blocker it counts in. */
enum site_block {
	SITE_BLOCK_NONE,    /* ready */
	SITE_BLOCK_OUTCOME, /* IPv6 down for all or some probes */
	SITE_BLOCK_NO_DATA, /* no recent IPv6 measurement, or none yet */
	SITE_BLOCK_CONTENT, /* IPv6 works, serves other content than IPv4 */
	SITE_BLOCK_OTHER    /* IPv6 works; the score falls short */
};

/*
 * The blocker of t (after site_finish), as site_count() counts it; for
 * SITE_BLOCK_OUTCOME, *o (may be NULL) is the failing IPv6 outcome.
 */
enum site_block site_blocker(const struct site_target *t, enum outcome *o);

/*
 * 1 when t's last hour is worth a graph of its own: an outage started or
 * ended within the hour (over every probe, or seen by some of them). A
 * steady target's day graph says it all, be it up or down for long; a
 * probe that starts or falls silent is no outage.
 */
int site_lively(const struct site_target *, double now);

/*
 * A hash of what t's graphs of the last hour and day show of its states:
 * per family whether it is down and how many probes see it down, whether
 * it is not ready, its probes and its latest change to or from down.
 * When it differs from the one they were drawn with, they are drawn again
 * (drawn.h). Call after site_finish().
 */
uint64_t site_graph_sig(const struct site_target *);

#endif
