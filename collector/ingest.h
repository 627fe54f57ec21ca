/*
 * ingest: one POST /api/v1/results body from an authenticated probe --
 * the envelope checked, every record decoded and stored exactly once, the
 * probe's ledger saved once, and the answer of DESIGN.md built.
 */
#ifndef V6W_INGEST_H
#define V6W_INGEST_H

#include <stddef.h>

struct store;
struct ledger;

/* Most records in one batch. */
#define INGEST_RECORDS_MAX 20000

/*
 * Process body (len bytes) posted with lg's token at wall time now. Returns
 * the HTTP status and sets *answer to the JSON body (caller frees with
 * cJSON_free): 200 {"accepted":N,"duplicates":M,"rejected":[..]}, 400 or
 * 403 {"error":".."} about the envelope, 503 when storage or the ledger
 * failed (nothing is lost: the probe sends the batch again).
 *
 * Records are processed in seq order. A seq at or below the ledger's
 * last_seq is a duplicate. Otherwise the record is decoded and checked
 * (rejected alone when bad) and compared with its RRD file: newer than the
 * file's last update => written (accepted); not newer, but newer than the
 * last record the ledger counted as stored => it was written before a
 * crash (answered as a duplicate, counted as stored); else => rejected as
 * too old. A record whose seq cannot be read is rejected but counted in no
 * seq (n_unnumbered).
 */
int ingest_post(struct store *, struct ledger *lg, const char *body, size_t len,
    double now, char **answer);

/* {"error":msg} as a JSON text (caller frees with cJSON_free). */
char *ingest_error(const char *msg);

#endif
