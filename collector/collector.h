/*
 * collector: the state of one v6collector daemon -- its config, event
 * loop, HTTP server, RRD store, the ledger of every probe, the alert
 * state and the webhooks -- and the steps that build it, authenticate a
 * probe, reload and tear it down.
 */
#ifndef V6W_COLLECTOR_H
#define V6W_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "ev.h"

struct alert;
struct alert_conf;
struct webhooks;
struct collector_conf;
struct store;
struct ledger;
struct table;
struct api;

struct collector {
	struct ev_loop	      *loop;
	char		      *conf_path;
	struct collector_conf *conf;
	struct store	      *store;
	char		      *state_dir; /* DATA_DIR/state */
	struct ledger	     **ledgers;	  /* every probe seen or configured */
	size_t		       nledgers, capledgers;
	struct table	      *ledger_index;
	struct api	      *api;
	struct alert	      *alert;	 /* every target's state */
	struct webhooks	      *webhooks; /* NULL without an event loop */
	struct ev_timer	       tick;	 /* alert_tick every step */
	double		       started;	 /* wall clock */
	char		      *data_dir; /* resolved */
	struct catalog	       catalog;	 /* targets: ids, retired */
	struct ev_timer	       reqtick;	 /* the requests file, each second */
	int64_t		       req_mtime_ns;
	/* DATA_DIR/state/collector.lock, held while the collector runs
	 * (with an event loop, or when exclusive is set): -1 none. */
	int	 lockfd;
	int	 exclusive;
	uint64_t auth_failures;
	uint64_t reloads, reload_failures;
};

/* Takes ownership of conf. */
struct collector *collector_new(const char *conf_path,
    struct collector_conf *conf, struct ev_loop *loop);
void		  collector_free(struct collector *);

/*
 * Open the state folder, the store, every configured probe's ledger, the
 * alert state and (with an event loop) the webhooks' queues, and start
 * the alert tick. Runs as the unprivileged user. 0, or -1 with err.
 */
int collector_open(struct collector *, char *err, size_t errlen);

/*
 * The configured probe whose token is token (len bytes), compared in
 * constant time with every token; NULL when none.
 */
const char *
collector_auth(const struct collector *, const char *token, size_t len);

/* The ledger of probe, loaded (or started empty) on first use. */
struct ledger *collector_ledger(struct collector *, const char *probe);

/*
 * Re-read the config file: probes and tokens, alert and webhooks take
 * effect; settings that need a restart (listen, TLS, data_dir, step,
 * rrdcached, user, limits) keep their running values and are logged. A
 * bad file keeps the whole running config. 0 or -1.
 */
int collector_reload(struct collector *);

/* Save every ledger with unsaved changes and the alert state; 0, or -1
 * when one failed. */
int collector_flush(struct collector *);

/*
 * Load the central list again from its file (collector.targets_file),
 * ids kept as the catalogue has them, and make it the running one: after
 * a rename (see collector_rename()) moved an id. 0 or -1.
 */
int collector_targets_reload(struct collector *);
/* Target from is called to now: the catalogue's list and the running
 * list follow (retire.c calls it). */
void
collector_targets_renamed(struct collector *, const char *from, const char *to);

/*
 * Whether a collector runs on data_dir (it holds DATA_DIR/state/
 * collector.lock): its pid, -1 when running with no pid written, or 0.
 */
long collector_running(const char *data_dir);

/*
 * Retiring and renaming targets (retire.c): a target's series leave every
 * ledger and the alert state (so it leaves the site, the report, the
 * status and the metrics), its RRD files move (DATA_DIR/rrd/PROBE/
 * ID.FAMILY.rrd to DATA_DIR/retired/PROBE/..., or to the new name), and
 * the catalogue remembers it, so that records still arriving for it are
 * rejected with the reason. Asked for by the central list (a target gone
 * from it at a reload), and by `v6collector target` through the requests
 * file DATA_DIR/target-requests.json (cmd_target.c).
 */
/* The requests file and its lock under data_dir. 0 or -1. */
int retire_requests_path(const char *data_dir, char *buf, size_t size);
int retire_lock_path(const char *data_dir, char *buf, size_t size);

/* Pending and done requests kept at most. */
#define RETIRE_REQUESTS_MAX 1000
#define RETIRE_DONE_KEEP    50

/*
 * Retire target id: 0 with what was done in msg, or -1 with msg saying
 * why not (unknown id, files that would not move).
 */
int collector_retire(struct collector *, const char *id, const char *reason,
    char *msg, size_t msglen);
/*
 * Rename target from to to (to must be unused: no series, no file, not
 * in the central list under another URL): 0 with what was done in msg, or
 * -1 with msg saying why not.
 */
int collector_rename(struct collector *, const char *from, const char *to,
    char *msg, size_t msglen);
/*
 * The central list changed from the one the catalogue holds to
 * co->conf->targets (NULL: none): an id gone from it is retired -- or,
 * when a new id has its URL, renamed to that id --, an id back in it is
 * taken out of the retired set (its files back in place when none took
 * their names meanwhile). Saves the catalogue.
 */
void collector_sync_list(struct collector *);
/* Apply the pending requests of the requests file. 0 or -1. */
int collector_requests(struct collector *);

/* mkdir path (0750) unless it exists; 0, or -1 with err. */
int collector_mkdir(const char *path, char *err, size_t errlen);

/* The alert settings of cc. */
void collector_alert_conf(const struct collector_conf *, struct alert_conf *);

#endif
