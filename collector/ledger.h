/*
 * ledger: what the collector knows of one probe, kept durably in one file
 * (DATA_DIR/state/PROBE.json, replaced atomically, one fsync per save):
 * the probe's spool ID, the highest seq processed and how each seq in
 * base_seq+1..last_seq ended -- stored, rejected or missing (never
 * received), so stored + rejected + missing == last_seq - base_seq proves
 * none lost unseen and none stored twice --, the restarts of the sequence,
 * and per series (a target x family, or a capture interface) the RRD time
 * of the last stored record and a summary of that record for status,
 * metrics and pages; a capture interface also sums the bytes and packets
 * of every record stored (the metrics' durable counters).
 */
#ifndef V6W_LEDGER_H
#define V6W_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "result.h"
#include "state.h"

/* Series one probe may create (each is an RRD file of about 1.7 MB). */
#define LEDGER_SERIES_MAX 20000
/* Largest state file read back. */
#define LEDGER_FILE_MAX (256 * 1024 * 1024)

/* A spool ID: lower-case hex digits. */
#define LEDGER_SPOOL_LEN 16

/* Why the sequence started again. */
enum ledger_reset {
	LEDGER_RESET_NONE,
	LEDGER_RESET_NEW_SPOOL,	 /* a batch from another spool */
	LEDGER_RESET_UNREADABLE, /* the file was set aside */
	LEDGER_RESET__N
};

/* rrd_last before the store was asked. */
#define SERIES_RRD_UNKNOWN (-2)

struct series {
	enum result_kind kind;
	char		 name[RESULT_NAME_MAX]; /* target or interface */
	enum family	 family;		/* checks only */
	char		*path;			/* RRD file; NULL until known */
	int64_t		 rrd_last; /* the file's last update; -1 no file */
	int64_t		 stored_t; /* RRD time of the last stored record */

	/* The last stored record (seq 0: none yet). */
	uint64_t	    seq;
	double		    ts;
	enum outcome	    outcome;
	uint32_t	    warnings;
	double		    ms[PHASE__N];
	int		    has_cert;
	int		    cert_days;
	int		    ready; /* -1 unknown */
	char		   *url;
	char		   *group;
	char		   *title; /* the record's; NULL or "": none */
	int		    score; /* -1 unknown; details for the pages: */
	int		    http_status;
	char		   *remote;
	char		   *tls_version;
	char		   *issuer;
	char		   *error;
	struct result_addr *addrs;
	size_t		    naddrs;
	/* The probe's views (checks only): up/down/unknown and readiness. */
	struct state_probe sm;
	struct state_probe rm;
	int		   alert_touched; /* noted since alert_batch() */
	/* sm.state and sm.since, for readers (a silent probe's view is
	 * unknown too: see state_probe_view()). */
	enum state	      state;
	double		      since;
	struct result_traffic traffic;
	/*
	 * Traffic only: the sums over every record stored in this series
	 * (ipv6, ipv4, other), saturating at UINT64_MAX; kept in the file
	 * and so across restarts, 0 again only in a new ledger.
	 */
	uint64_t bytes_total[3];
	uint64_t packets_total[3];

	char  *json; /* this series in the ledger file, as last printed */
	size_t json_len;
	int    json_dirty;
};

struct ledger {
	char *name;
	char *path;			   /* state file */
	char  spool[LEDGER_SPOOL_LEN + 1]; /* "": none known */
	/*
	 * Seqs base_seq+1..last_seq, each stored, rejected or missing.
	 * base_pending: the history is unknown (a new ledger, or one set
	 * aside) until a record is stored; the first seq of its batch
	 * then sets base_seq, and every count is 0 until then.
	 */
	uint64_t	  last_seq;
	uint64_t	  stored;
	uint64_t	  rejected;
	uint64_t	  missing;
	uint64_t	  base_seq;
	int		  base_pending;
	double		  last_seq_at; /* wall clock when last_seq last moved */
	uint64_t	  resets;      /* times the sequence started again */
	double		  reset_at; /* wall clock of the last one (0: never) */
	enum ledger_reset reset_reason;
	/* Wall clock of the last authenticated POST. */
	double last_seen;
	int    dirty; /* memory differs from the file */

	/* Since this process started (metrics), not durable. */
	uint64_t n_accepted, n_duplicate, n_rejected, n_unnumbered;

	struct table   *index;
	struct series **series; /* in order of creation */
	size_t		nseries, cap;

	/* Thresholds of the probe's views (defaults until the collector
	 * sets them). */
	struct state_conf sc;
	/*
	 * Called by ingest_post() once per batch, after its records were
	 * noted and before the ledger is saved (NULL: nobody).
	 */
	void (*batch_cb)(struct ledger *, double now, void *arg);
	void *batch_arg;
	/*
	 * Called with batch_arg for each check record: the reason why its
	 * target takes no more records (retired), or NULL (NULL: none is).
	 */
	const char *(*retired_cb)(void *arg, const char *target);
	uint64_t n_retired; /* records of retired targets, since start */
};

/* A new, empty ledger: no file read, its history unknown. */
struct ledger *ledger_new(const char *name, const char *path);
void	       ledger_free(struct ledger *);

/* "new spool", "ledger unreadable"; "" for LEDGER_RESET_NONE. */
const char *ledger_reset_name(enum ledger_reset);
/* 1 when s is a spool ID (LEDGER_SPOOL_LEN lower-case hex digits). */
int ledger_spool_valid(const char *s);

/*
 * Start the sequence again (why, at wall time now): resets counted, every
 * seq count back to 0. After a new spool the base is 0 (a spool numbers
 * from 1); after an unreadable file it is unknown until a record is
 * stored. The series and the spool ID stay.
 */
void ledger_restart(struct ledger *, enum ledger_reset why, double now);

/*
 * Read the file; a missing file is an empty ledger. -1 with err, errno
 * EBADMSG when the file does not decode (else the read's errno); resets
 * then holds the file's count when it was readable (0 otherwise). A file
 * written before the counts of missing seqs were kept has them as
 * last_seq - stored - rejected.
 */
int ledger_load(struct ledger *, char *err, size_t errlen);
/* Write the file durably; clears dirty. -1 with err (errno kept). */
int ledger_save(struct ledger *, char *err, size_t errlen);
/* Encode as the file's JSON document (caller frees with cJSON_Delete). */
cJSON *ledger_to_json(const struct ledger *);

/*
 * The series of (kind, name, family): NULL when absent and !create, or
 * when LEDGER_SERIES_MAX is reached.
 */
struct series *ledger_series(struct ledger *, enum result_kind,
    const char *name, enum family, int create);

/* A series with the ledger of its probe. */
struct ledger_row {
	struct ledger *lg;
	struct series *s;
};

/*
 * Drop every check series of target name (a retired target): how many
 * were dropped. Their RRD files are the caller's.
 */
size_t ledger_drop_target(struct ledger *, const char *name);
/*
 * Rename the check series of target from to to (which must have none):
 * how many were renamed. Their paths are named again at the next record;
 * moving the files is the caller's.
 */
size_t ledger_rename_target(struct ledger *, const char *from, const char *to);

/*
 * Every series of ledgers[0..n) that has a record, ledger by ledger in
 * the order of creation; *np of them (caller frees).
 */
struct ledger_row *
ledger_rows(struct ledger *const *ledgers, size_t n, size_t *np);

/*
 * Record r (stored under RRD time t) as the series' last record and feed
 * it to the probe's views with thresholds sc. Called once per record
 * stored (never for a duplicate): a traffic record's counts are added to
 * the series' sums.
 */
void series_note(struct series *, const struct result *, int64_t t,
    const struct state_conf *sc);

#endif
