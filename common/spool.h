/*
 * spool: the probe's durable queue of result records. Each record gets the
 * next sequence number and is appended, as one checksummed line, to a
 * segment file in the spool directory; a batch is fsynced before anything
 * may leave. A record leaves the spool when the collector acknowledged it.
 *
 * Files: seg-<first seq, 16 hex>.log holding lines "CRC SEQ JSON\n" (CRC-32
 * of "SEQ JSON", 8 hex digits), and "acked", the highest sequence number
 * delivered or given up on. The next sequence number is one past the
 * highest in the segments or in "acked", so it survives restarts; a torn
 * last line after a crash fails its checksum and is cut off on open.
 * When the segments exceed the size bound the oldest are dropped, counted
 * and logged; when the disk is full, records wait in memory (bounded too).
 */
#ifndef V6W_SPOOL_H
#define V6W_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct spool;

struct spool_stats {
	uint64_t next_seq;	/* the next record gets this */
	uint64_t acked;		/* highest delivered or dropped */
	uint64_t durable;	/* highest on disk */
	uint64_t records;	/* waiting: on disk and in memory */
	uint64_t bytes;		/* segment bytes on disk */
	uint64_t dropped;	/* since start: oldest dropped for space */
	uint64_t recovered_cut; /* bytes of torn tail cut off on open */
	int	 disk_full;	/* the last write failed */
};

/* Open (creating dir if needed) and recover. NULL with a message in err. */
struct spool *
spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen);
/* Sync what is pending, then close. */
void spool_close(struct spool *);

/*
 * Queue the JSON text of the record numbered spool_next_seq() (the caller
 * put that seq in it); the spool owns json after. Returns the seq.
 * Durable only after spool_sync().
 */
uint64_t spool_append(struct spool *, char *json);
uint64_t spool_next_seq(const struct spool *);
/* Write and fsync the queued records. 0, or -1 (logged once per episode;
 * the records stay queued in memory). */
int spool_sync(struct spool *);
int spool_has_unsynced(const struct spool *);

/*
 * The oldest durable, unacknowledged records, as JSON objects joined by
 * commas, at most max_bytes (one record even if it is larger). NULL when
 * there are none. The caller frees *out. The batch stays "peeked" until
 * spool_ack_peeked() or a new spool_peek().
 */
int spool_peek(struct spool *, size_t max_bytes, char **out, size_t *len,
    size_t *count, uint64_t *first, uint64_t *last);
/* The peeked batch was delivered: drop it, durably. 0 or -1. */
int spool_ack_peeked(struct spool *);
/* Give up on the first record of the peeked batch (too large to send). */
int spool_skip_first(struct spool *);

void spool_stats(const struct spool *, struct spool_stats *);
/*
 * Record deliveries durably at most every ms milliseconds (default 0:
 * at every acknowledgement). In between, a crash only makes the spool
 * hand out again what was delivered -- duplicates for the receiver.
 */
void spool_set_ack_every(struct spool *, uint64_t ms);

/* CRC-32 (IEEE), exposed for tests. */
uint32_t spool_crc32(const void *, size_t);

#endif
