/*
 * retire: taking a target out of service and renaming one, in the running
 * collector -- its series leave every ledger and the alert state (so it
 * leaves the site, the report, the status and the metrics), its RRD files
 * move (DATA_DIR/rrd/PROBE/ID.FAMILY.rrd to DATA_DIR/retired/PROBE/..., or
 * to the new name), and the catalogue remembers it, so that records still
 * arriving for it are rejected with the reason. Asked for by the central
 * list (a target gone from it at a reload), and by `v6collector target`
 * through the requests file DATA_DIR/target-requests.json (cmd_target.c).
 */
#ifndef V6W_RETIRE_H
#define V6W_RETIRE_H

#include <stddef.h>

struct collector;
struct target_list;

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

#endif
