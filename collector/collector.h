/*
 * collector: the state of one v6collector daemon -- its config, event
 * loop, HTTP server, RRD store and the ledger of every probe -- and the
 * steps that build it, authenticate a probe, reload and tear it down.
 */
#ifndef V6W_COLLECTOR_H
#define V6W_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>

struct ev_loop;
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
	double		       started; /* wall clock */
	uint64_t	       auth_failures;
	uint64_t	       reloads, reload_failures;
};

/* Takes ownership of conf. */
struct collector *collector_new(const char *conf_path,
    struct collector_conf *conf, struct ev_loop *loop);
void		  collector_free(struct collector *);

/*
 * Open the state folder, the store and every configured probe's ledger.
 * Runs as the unprivileged user. 0, or -1 with err.
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

/* Save every ledger with unsaved changes; 0, or -1 when one failed. */
int collector_flush(struct collector *);

#endif
