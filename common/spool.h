/*
 * spool: the probe's durable queue of result records. Each record gets the
 * next sequence number and is appended, as one checksummed line, to a
 * segment file in the spool directory; a batch is fsynced before anything
 * may leave. A record leaves the spool when the collector acknowledged it.
 *
 * Files: seg-<first seq, 16 hex>.log holding lines "CRC SEQ JSON\n" (CRC-32
 * of "SEQ JSON", 8 hex digits); "state", two checksummed slots written in
 * turn in place, holding the highest sequence number delivered or given
 * up on ("acked") and the highest ever made durable (the high-water
 * mark); and "id", the spool's identity (16 hex digits, made once). The
 * next sequence number is one past the high-water mark, so a seq is never
 * handed out twice under one identity. On open, a torn end (no newline)
 * is cut off; a complete line that fails its checksum is skipped and
 * counted, and the records after it are kept. A damaged state file is
 * set aside: the records still in the spool are sent again, or, with
 * none left, the spool takes a new identity (the collector then counts a
 * new sequence). Acknowledging rewrites the state in place, so it works
 * on a full disk. When the segments exceed the size bound the oldest are
 * dropped, counted and logged; when the disk is full, records wait in
 * memory (bounded too).
 *
 * Every file is opened relative to the directory's descriptor, with
 * O_NOFOLLOW, and must be a regular file: a link planted in the folder is
 * never followed.
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
	uint64_t corrupt;	/* records skipped on open: bad checksum */
	uint64_t set_aside;	/* segment files set aside on open */
	int	 disk_full;	/* the last write failed */
};

#define SPOOL_ID_LEN 16 /* hex digits */

/* Open (creating dir if needed) and recover. NULL with a message in err. */
struct spool *
spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen);
/* The same on a directory already open (a daemon started as root opens
 * it, then drops root); takes dirfd over, even on failure. dir names it
 * in messages. */
struct spool *spool_open_at(int dirfd, const char *dir, uint64_t max_bytes,
    char *err, size_t errlen);
/* The spool's identity: SPOOL_ID_LEN lower-case hex digits. */
const char *spool_id(const struct spool *);
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
