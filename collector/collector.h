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
 * a rename (see retire.h) moved an id. 0 or -1.
 */
int collector_targets_reload(struct collector *);
/* Target from is called to now: the catalogue's list and the running
 * list follow (retire.c calls it). */
void
collector_targets_renamed(struct collector *, const char *from, const char *to);

/* The alert settings of cc. */
void collector_alert_conf(const struct collector_conf *, struct alert_conf *);

#endif
