/*
 * alert: the state of every target over all probes -- per family up /
 * down / unknown (state.h's quorum rule over the probes' views kept in
 * the ledgers), its readiness and its certificate -- with the last
 * ALERT_CHANGES state changes per target x family, and the events raised
 * when they change: state_changed, cert_expiring, readiness_changed. The
 * whole is kept durably in DATA_DIR/alerts.json (replaced atomically, at
 * most once per batch or tick, only when something changed).
 *
 * Events go to the sink set with alert_set_sink() (the webhooks); a state
 * raises an event when it becomes up or down and differs from the last
 * one told (unknown raises none: a silent probe is not a dead service; a
 * target first seen up raises none either). Readiness likewise raises an
 * event only when it flips between two known values; cert_expiring once
 * per threshold crossed (the lowest one, when several are crossed at once).
 *
 * Read-only use (the published pages). The pointers stay valid until the
 * next batch, tick, load or free -- in the daemon, until the next return
 * to the event loop; copy what must live longer:
 *
 *	const struct alert_state *st =
 *	    alert_state_get(co->alert, "portal", FAMILY_IPV6);
 *	if (st != NULL && st->state == STATE_DOWN)
 *		printf("down since %.0f\n", st->since);
 *	for (size_t i = 0; i < alert_count(co->alert); i++) {
 *		const struct alert_target *t = alert_target_at(co->alert, i);
 *		... t->name, t->fam[FAMILY_IPV6].state, t->ready ...
 *	}
 *	for (size_t k = 0; (ch = alert_change_at(st, k)) != NULL; k++)
 *		... ch->ts, ch->from, ch->to, ch->outcome (newest first) ...
 *
 * A one-shot command (v6collector publish) reads the daemon's file:
 *	struct alert *a = alert_new();
 *	if (alert_load(a, path, err, sizeof(err)) == -1) ...;  (no file: empty)
 *	... as above ...;  alert_free(a);
 * where path comes from alert_path(data_dir, buf, size).
 */
#ifndef V6W_ALERT_H
#define V6W_ALERT_H

#include <stddef.h>

#include "maint.h"
#include "result.h"
#include "state.h"

/* State changes kept per target x family. */
#define ALERT_CHANGES 20
/* Targets tracked (more are not alerted on, and logged once). */
#define ALERT_TARGETS_MAX 100000
/* cert_expiring thresholds at most. */
#define ALERT_THRESHOLDS_MAX 16
/* Largest alerts.json read back. */
#define ALERT_FILE_MAX (256 * 1024 * 1024)

struct ledger;

struct alert_change {
	double	     ts; /* when the new state began */
	enum state   from, to;
	enum outcome outcome; /* the deciding probes' last outcome */
};

/* One target x family. */
struct alert_state {
	enum family  family;
	enum state   state;
	double	     since;   /* when state began; 0: never seen */
	enum state   told;    /* last state sent as an event; unknown: none */
	enum outcome outcome; /* last outcome of the deciding probes */
	/* Ring of changes: ring[(head + ALERT_CHANGES - 1 - k) % N] is the
	 * k-th newest; use alert_change_at(). */
	struct alert_change ring[ALERT_CHANGES];
	size_t		    head, nchanges;
};

struct alert_target {
	char		   name[RESULT_NAME_MAX];
	char		  *url;	  /* NULL: none seen */
	char		  *group; /* NULL: none */
	struct alert_state fam[FAMILY__N];
	/* Readiness: STATE_UP ready, STATE_DOWN not ready, unknown. */
	enum state ready;
	double	   ready_since;
	enum state ready_told; /* last readiness known (events) */
	/* Certificate: soonest expiry over both families' fresh records. */
	int has_cert;
	int cert_days;
	int cert_told; /* lowest threshold told; ALERT_CERT_NONE: none */
	int mark;      /* internal */
};

#define ALERT_CERT_NONE 1000000

/* What the alert decides with. */
struct alert_conf {
	struct state_conf sc;
	int		  thresholds[ALERT_THRESHOLDS_MAX]; /* descending */
	size_t		  nthresholds;
};

enum alert_kind {
	ALERT_STATE_CHANGED,
	ALERT_CERT_EXPIRING,
	ALERT_READINESS_CHANGED,
	ALERT_TEST,
	ALERT__N
};

#define ALERT_PROBES_MAX 32 /* probes named in one event */
#define ALERT_DETAIL_MAX 512

/* One event, as handed to the sink (strings borrowed for the call). */
struct alert_event {
	enum alert_kind kind;
	const char     *target; /* NULL for test */
	const char     *url;
	const char     *group;
	int		has_family;
	enum family	family;
	/* state_changed: state/previous; readiness_changed: up = ready. */
	enum state   state, previous;
	double	     since;
	int	     has_outcome;
	enum outcome outcome;
	const char  *probes[ALERT_PROBES_MAX];
	size_t	     nprobes;
	int	     days_left, threshold; /* cert_expiring */
	char	     detail[ALERT_DETAIL_MAX];
	double	     ts; /* when it was raised */
};

typedef void (*alert_sink_fn)(void *arg, const struct alert_event *);

struct alert *alert_new(void);
void	      alert_free(struct alert *);

/* DATA_DIR/alerts.json into buf; 0, or -1 when it does not fit. */
int alert_path(const char *data_dir, char *buf, size_t size);

void alert_set_conf(struct alert *, const struct alert_conf *);
void alert_set_sink(struct alert *, alert_sink_fn, void *arg);

/*
 * Read path (a missing file is an empty state). -1 with err; errno
 * EBADMSG when the file does not decode. Sets the path alert_save uses.
 */
int alert_load(struct alert *, const char *path, char *err, size_t errlen);
/* Write the file if anything changed since the last save. 0 or -1. */
int alert_save(struct alert *, char *err, size_t errlen);
int alert_dirty(const struct alert *);

/*
 * lg's series that got records since the last call (series.alert_touched)
 * are evaluated against every probe's views in ledgers[0..n): states,
 * readiness and certificates change and events go to the sink.
 */
void alert_batch(struct alert *, struct ledger *const *ledgers, size_t n,
    struct ledger *lg, double now);
/* Evaluate every target (probes falling silent become unknown). */
void
alert_tick(struct alert *, struct ledger *const *ledgers, size_t n, double now);

/*
 * Maintenance windows. While a window covers a target (by name, or by its
 * group), the target raises no event: its states are followed as ever,
 * but what was last told stays; once no window covers it, a state that
 * differs from what was told is told then (a target still down when the
 * window ends raises its down event at the next tick; one that went down
 * and came back inside the window raises nothing). Likewise readiness and
 * certificate thresholds.
 *
 * alert_set_windows: the config's windows (copied). alert_set_maint_file:
 * DATA_DIR/maintenance.json, read now and again whenever it changes
 * (checked at every batch and tick; a damaged file is set aside and no
 * window of it applies). alert_maint_reread: read it again now (SIGHUP).
 */
void alert_set_windows(struct alert *, const struct maint_set *);
void alert_set_maint_file(struct alert *, const char *path);
void alert_maint_reread(struct alert *);
/* The window covering t at now (of those, the one ending last); NULL. */
const struct maint_window *
alert_maint(const struct alert *, const struct alert_target *t, double now);
/* Every window: the config's, then the file's. */
size_t			   alert_maint_count(const struct alert *);
const struct maint_window *alert_maint_at(const struct alert *, size_t i);
/* A warning (log) for each name of a config window that no known target
 * bears; conf_path names the file. */
void alert_maint_warn_unknown(const struct alert *, const char *conf_path);

/* Read-only access (see the top of this file). */
/* Forget target name (a retired target): 1, or 0 when unknown. */
int alert_drop_target(struct alert *, const char *name);
/* Target from is called to from now on: 1, 0 when from is unknown, -1
 * when to is known already. */
int    alert_rename_target(struct alert *, const char *from, const char *to);
size_t alert_count(const struct alert *);
const struct alert_target *alert_target_at(const struct alert *, size_t i);
const struct alert_target *
alert_target_get(const struct alert *, const char *name);
const struct alert_state *
alert_state_get(const struct alert *, const char *target, enum family);
/* The k-th newest change of st (0 = the latest); NULL past the end. */
const struct alert_change *
alert_change_at(const struct alert_state *, size_t k);

/* Event names: "state_changed", ... */
const char *alert_kind_name(enum alert_kind);

/* Default of collector.conf's alert.cert_warn_days (conf.c's table names it). */
#define ALERT_CERT_WARN_DAYS_DEFAULT 30
/* Set thresholds from cert_warn_days: it, then those of 14, 7, 1 below. */
void alert_conf_default_thresholds(struct alert_conf *, int cert_warn_days);

#endif
