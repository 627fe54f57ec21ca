/*
 * ingest: one POST /api/v1/results body from an authenticated probe --
 * the envelope checked, every record decoded and stored exactly once, the
 * probe's ledger saved once, and the answer of DESIGN.md built.
 */
#ifndef V6W_INGEST_H
#define V6W_INGEST_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct ledger;
struct ingest;

/* ingest_step(): a record's RRD file is locked by a reader; step again. */
#define INGEST_AGAIN 0

/* Most records in one batch. */
#define INGEST_RECORDS_MAX 20000
/* Latest record time accepted, in seconds ahead of the collector's clock. */
#define INGEST_TS_AHEAD_MAX 300
/*
 * The widest gap a stored record may open past last_seq (records the
 * probe's spool dropped for room): SEQ_GAP_MAX, plus SEQ_RATE_MAX per
 * second since last_seq last moved. A probe makes at most 2 records (one
 * per family) per target per second (PROBE_TARGETS_MAX 100,000 targets,
 * interval at least 1 s), plus one per capture interval, so an honest gap
 * never exceeds the allowance however long the outage; a wild seq (10^15
 * - 1 after a few thousand) does.
 */
#define SEQ_GAP_MAX  10000000ULL
#define SEQ_RATE_MAX 250000.0

/*
 * Process body (len bytes) posted with lg's token at wall time now. Returns
 * the HTTP status and sets *answer to the JSON body (caller frees with
 * cJSON_free): 200 {"accepted":N,"duplicates":M,"rejected":[..]}, 400 or
 * 403 {"error":".."} about the envelope, 503 when storage or the ledger
 * failed (nothing is lost: the probe sends the batch again).
 *
 * A batch whose "spool" ID is not the ledger's starts the sequence again
 * first (see DESIGN.md; an ID seen for the first time while the seqs go
 * on is only noted). Records are then processed in seq order. A seq at or
 * below the ledger's last_seq is a duplicate. A seq more than the gap
 * allowance (SEQ_GAP_MAX...) past it is rejected. Otherwise the record is
 * decoded and checked (rejected alone when bad: wrong, of another probe,
 * or over INGEST_TS_AHEAD_MAX seconds ahead of now) and compared with its
 * RRD file: newer than the file's last update => written (accepted); not
 * newer, but newer than the last record the ledger counted as stored =>
 * it was written before a crash (answered as a duplicate, counted as
 * stored); else => rejected as too old.
 *
 * A stored record moves last_seq to its seq; the seqs it skips are counted
 * missing (those rejected earlier in the batch: rejected) and logged. A
 * rejected record moves last_seq only when it is the next seq; otherwise
 * it is counted in no seq, so a wrong seq never turns honest records into
 * duplicates. A record whose seq cannot be read is rejected but counted
 * in no seq (n_unnumbered).
 */
int ingest_post(struct store *, struct ledger *lg, const char *body, size_t len,
    double now, char **answer);

/*
 * ingest_post() in steps, for the daemon's loop, which must never wait:
 * ingest_start() parses the body and checks the envelope (body need not
 * outlive the call); ingest_step() decides the records and answers as
 * ingest_post() does -- or returns INGEST_AGAIN with *retry_ms when the
 * next record's RRD file is locked by a reader (see store_update()): the
 * records before it are decided, nothing is answered yet, and the caller
 * steps again after *retry_ms. The batch goes on where it stopped, its
 * answer as if it had run at once. Until it answers, no other batch of
 * the same probe may be stepped. ingest_post() itself fails a batch
 * (503) at a locked file instead: it is for callers with no loop.
 * ingest_free() is NULL-safe.
 */
struct ingest *ingest_start(struct store *, struct ledger *lg, const char *body,
    size_t len, double now);
int	       ingest_step(struct ingest *, char **answer, uint64_t *retry_ms);
void	       ingest_free(struct ingest *);

/* {"error":msg} as a JSON text (caller frees with cJSON_free). */
char *ingest_error(const char *msg);

#endif
