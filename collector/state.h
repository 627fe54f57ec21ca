/*
 * state: the up / down / unknown state machine -- pure: every input, "now"
 * included, is an argument. Two levels:
 *
 * One probe's view of one series (target x family), state_probe_note()
 * per record: down_after failed checks in a row make it down, up_after
 * good checks in a row make it up, in between it keeps its state. A
 * probe_offline record says nothing about the target: the view becomes
 * unknown and the runs start over. A record not newer than the last one
 * is ignored, so feeding a record twice changes nothing. A probe with no
 * record for silent_s (3 collector steps) is unknown (state_probe_view).
 *
 * The target x family over every probe, state_eval(): down when at least
 * quorum probes see it down; else up when a probe sees it up; else down
 * stays down while a probe still sees it down; else unknown. So silent
 * and offline probes count as unknown, never as down.
 *
 * The same machine, fed with each record's ready flag (good = ready, bad =
 * not ready), gives a target's readiness.
 */
#ifndef V6W_STATE_H
#define V6W_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"

enum state { STATE_UNKNOWN, STATE_UP, STATE_DOWN, STATE__N };

/* What one record says: nothing (probe_offline), good or bad. */
enum state_input { STATE_IN_NONE, STATE_IN_GOOD, STATE_IN_BAD, STATE_IN__N };

/* Probes silent for this many steps are unknown. */
#define STATE_SILENT_STEPS 3
/* Defaults of collector.conf's alert.down_after, up_after, quorum and
 * collector.step (conf.c's table names these), for state kept before a
 * configuration is applied. */
#define STATE_DOWN_AFTER_DEFAULT 3
#define STATE_UP_AFTER_DEFAULT	 2
#define STATE_QUORUM_DEFAULT	 1
#define STATE_STEP_DEFAULT	 60

struct state_conf {
	int    down_after; /* >= 1 */
	int    up_after;   /* >= 1 */
	int    quorum;	   /* >= 1 */
	double silent_s;
};

/* One probe's view of one series; all zero = nothing seen yet. */
struct state_probe {
	enum state	 state;
	double		 since;	    /* when state began (its run's start) */
	enum state_input in;	    /* input of the last record */
	uint32_t	 run;	    /* records in a row with that input */
	double		 run_since; /* ts of the run's first record */
	double		 last_ts;   /* ts of the last record; 0: none */
};

const char *state_name(enum state);
/* -1 when unknown. */
int	    state_from_name(const char *);
const char *state_input_name(enum state_input);
int	    state_input_from_name(const char *);

/* state_conf from the alert settings and the collector's step. */
void state_conf_init(struct state_conf *, int down_after, int up_after,
    int quorum, int step_s);

/* A check record: probe_offline => none, ok => good, else bad. */
enum state_input state_input_of(enum outcome, uint32_t warnings);
/* Its ready flag (-1 absent): probe_offline or absent => none. */
enum state_input state_input_ready(int ready, uint32_t warnings);

/*
 * Feed one record of time ts. Returns 1 when the view's state changed,
 * 0 when not, -1 when the record was ignored (not newer than the last).
 */
int state_probe_note(struct state_probe *, const struct state_conf *,
    enum state_input, double ts);

/* The view at now: its state, or unknown once silent for silent_s. */
enum state state_probe_view(const struct state_probe *,
    const struct state_conf *, double now);

/*
 * The state of a target x family from the views of its n probes (NULL
 * entries are skipped), given the current state cur (since cur_since).
 * *since is set to when the returned state began: cur_since when it did
 * not change, else the moment the deciding probes' runs began (for down,
 * the quorum-th earliest), never before cur_since nor after now.
 */
enum state
state_eval(const struct state_conf *, const struct state_probe *const *probes,
    size_t n, enum state cur, double cur_since, double now, double *since);

#endif
