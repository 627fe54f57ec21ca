/*
 * store: the RRD files. One file per (probe, target, family) for checks and
 * one per (probe, interface) for passive capture, under DATA_DIR/rrd/, with
 * file names that no probe or target name can make escape or collide.
 * Every create and update goes through rrdcached (rrdc_*) when one is
 * configured, else through librrd directly; librrd is called from the one
 * thread that runs the event loop.
 */
#ifndef V6W_STORE_H
#define V6W_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"

/* Tries of an update whose file a reader has locked, and the delay
 * before try n + 1: 1, 2, 4 ... 256 ms (the connection waits, suspended;
 * the loop does not). */
#define STORE_LOCK_TRIES       12u
#define STORE_LOCK_DELAY_MS(n) ((n) < 8 ? 1ULL << (n) : 256ULL)
/* Longest encoded name (bytes); the file name adds at most 12. */
#define STORE_NAME_MAX 200
/* Longest value string of one update ("T:v:v:..."). */
#define STORE_VALUE_MAX 512

enum store_kind { STORE_CHECK, STORE_TRAFFIC };

struct store;

/*
 * data_dir must exist; rrdcached is "unix:/path" or NULL. step_s is the
 * step of files created from now on.
 */
struct store	  *
store_new(const char *data_dir, int step_s, const char *rrdcached);
void store_free(struct store *);

/*
 * Percent-encode name into out: [A-Za-z0-9._-] stay (but a leading '.'),
 * every other byte becomes %XX. Injective; the result never contains '/'
 * and is never "." or "..". -1 when the result is longer than
 * STORE_NAME_MAX or does not fit in size.
 */
int store_name_encode(const char *name, char *out, size_t size);

/*
 * Path of the file of probe's series: DATA_DIR/rrd/PROBE/NAME.SUFFIX.rrd,
 * SUFFIX being the family name (checks) or "traffic". -1 when a name is
 * too long.
 */
int store_path(const struct store *, const char *probe, const char *name,
    enum store_kind, enum family, char *out, size_t size);

/*
 * Last update time of path into *last, -1 when the file does not exist --
 * or did not: a file librrd finds damaged (truncated, a bad header, not an
 * RRD) is moved aside as path.bad-<unix time>, with a warning, and is gone.
 * -1 (err set) for anything that may pass: rrdcached unreachable, no
 * permission.
 */
int store_last(struct store *, const char *path, int64_t *last, char *err,
    size_t errlen);
/* Create path (and its folders) with last update start. */
int store_create(struct store *, const char *path, enum store_kind,
    int64_t start, char *err, size_t errlen);
/* store_update(): the file is locked by a reader; try again later. */
#define STORE_AGAIN 1

/*
 * Update path with value "T:v:v:...": 0, -1 (err set), or STORE_AGAIN.
 * Through librrd directly, a file that another process is reading is
 * locked (librrd takes a read lock for every fetch and graph, and its
 * update does not wait for it). The store never waits: it answers
 * STORE_AGAIN with *retry_ms, and the caller, whose loop goes on
 * meanwhile, calls again with the same value and tries + 1 after that
 * long -- 1, 2, 4 and 8 ms, 15 ms in all; the fifth try that finds the
 * file locked is -1 ("could not lock"). A NULL retry_ms makes the first
 * lock -1. Counted in store_lock_counts(): a wait for each update whose
 * first try met a lock, a failure for each that gave up. A file librrd
 * finds damaged is moved aside (see store_last()) and created anew,
 * starting just before this update, which then goes into it. -1 (err set)
 * for anything that may pass: rrdcached unreachable, a file locked too
 * long, no permission.
 */
int store_update(struct store *, const char *path, const char *value,
    unsigned tries, uint64_t *retry_ms, char *err, size_t errlen);

/*
 * Before path is moved: through rrdcached, write out what it holds of
 * the file and make it forget the file. 0, or -1 with err.
 */
int store_release(struct store *, const char *path, char *err, size_t errlen);

/* Damaged files moved aside since store_new(). */
uint64_t store_set_aside_count(const struct store *);

/* Updates that found their file locked, and those that gave up. */
void
store_lock_counts(const struct store *, uint64_t *waits, uint64_t *failures);

/* Format the update of one record into out ("T:v:v:..."): 0 or -1. */
int store_format(const struct result *, int64_t t, char *out, size_t size);

/* Names of the data sources of kind, in update order; count in *n. */
const char *const *store_ds_names(enum store_kind, size_t *n);

/* The archives of a file: AVERAGE of `steps` steps per row, `rows` rows. */
struct store_rra {
	int	  steps;
	long long rows;
};
#define STORE_RRAS_MAX 4
/* Unknown steps a row may have and still be known: half. */
#define STORE_XFF "0.5"

/*
 * The archives, finest first, of files of kind whose step is step_s (the
 * layout store_create() makes, and store.c's first comment explains), into
 * out (STORE_RRAS_MAX): their number.
 */
size_t store_rras(enum store_kind, int step_s, struct store_rra *out);

/* The data_dir of the store, as store_new() was given it. */
const char *store_data_dir(const struct store *);

/*
 * Through rrdcached, have it write what it holds for path into the file
 * (reconnecting once); without rrdcached nothing to do. 0, or -1 with err.
 */
int store_flush(struct store *, const char *path, char *err, size_t errlen);

#endif
