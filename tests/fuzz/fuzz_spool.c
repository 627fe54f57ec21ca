/*
 * fuzz_spool: libFuzzer target for the spool's recovery: spool_open() on
 * a folder whose files come from the input, then everything peeked and
 * acknowledged, one record appended, and the spool opened once more.
 *
 * Input: a 7-byte header, then the state file's bytes, then the segments'.
 *   [0]    flags: 1 write "state", 2 write "acked" (the file of older
 *          versions), 4 write a valid "id", 8 two segment files, 16 give
 *          up on the first record of every other batch (spool_skip_first),
 *          32 a spool bound of 512 bytes instead of 1 MiB
 *   [1..2] length of the state part (little-endian; cut to what is left)
 *   [3..4] where the segment bytes are split in two (flag 8)
 *   [5..6] the second segment's first seq, minus 1 (flag 8)
 * The first segment is seg-0000000000000001.log, always written.
 *
 * Checked: the open succeeds (a damaged file is set aside, never fatal);
 * peeked batches come in rising seq order, never at or below what the
 * spool said was acknowledged, each as many JSON texts as it counts; the
 * record appended afterwards gets a seq above every seq handed out (a
 * seq is never handed out twice under one identity) and is the one next
 * peeked; reopened, the spool has nothing waiting, keeps its identity
 * and goes on above that seq.
 *
 * Known and left open (tests/fuzz/README, "Findings"): a segment file
 * that recovery did not take because it holds only corrupt lines keeps
 * its name, and when that name is the one the next record's segment
 * gets, spool_sync() appends to it while counting offsets from 0: the
 * new records are peeked wrong or not at all. The record is not appended
 * in that case (corpus/fuzz_spool/finding-leftover-segment); remove the
 * check once spool.c sets such a file aside. Likewise, a line whose seq
 * is not above the one before it (checksum good) is skipped as corrupt
 * on open but peeked all the same, so that a batch may run backwards:
 * the seq order is not checked for such input
 * (corpus/fuzz_spool/finding-seq-backwards). And a segment whose first
 * seq is at or below the last record of the one before it is passed over
 * on open but left in place, to be taken at a later open, when the
 * segments before it are gone: its records come back then (not checked
 * for such input: corpus/fuzz_spool/finding-overlap).
 *
 * FUZZ_SOURCES: common/spool.c common/util.c common/log.c
 * FUZZ_LIBS: libcrypto
 * FUZZ_FLAGS: -close_fd_mask=2
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spool.h"
#include "util.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define HDR 7

static const char *top;
static char	   dir[PATH_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	top = fuzz_dir("spool");
	fuzz_path(dir, sizeof(dir), top, "spool");
	return 0;
}

static void
put(const char *name, const uint8_t *buf, size_t len)
{
	char path[PATH_MAX];

	fuzz_path(path, sizeof(path), dir, name);
	fuzz_write(path, buf, len, 0600);
}

static void
fail(const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "%s (%" PRIu64 ", %" PRIu64 ")\n", what, a, b);
	abort();
}

/*
 * Scan a segment (len bytes, named for seq first) by the rules of
 * spool.c's recovery: the seq of its last record (0: none), and *backwards
 * set when a line passes its checksum but its seq is not above the one
 * before it (the second finding above).
 */
static uint64_t
seg_scan(const uint8_t *p, size_t len, uint64_t first, int *backwards)
{
	uint64_t prev = 0;

	while (len > 0) {
		const uint8_t *nl = memchr(p, '\n', len);
		size_t	       n;
		char	       crc[9], *end;
		uint64_t       seq;

		if (nl == NULL)
			break;
		n = (size_t)(nl - p);
		if (n >= 12 && n < (1u << 20) && p[8] == ' ') {
			memcpy(crc, p, 8);
			crc[8] = '\0';
			if (strtoul(crc, &end, 16) ==
				spool_crc32(p + 9, n - 9) &&
			    end == crc + 8) {
				errno = 0;
				seq = strtoull((const char *)p + 9, &end, 10);
				if (errno == 0 && end != (const char *)p + 9 &&
				    *end == ' ' && seq != 0 &&
				    seq <= 999999999999999ULL) {
					if (seq <= prev ||
					    (prev == 0 && seq < first))
						*backwards = 1;
					else
						prev = seq;
				}
			}
		}
		p += n + 1;
		len -= n + 1;
	}
	return prev;
}

/* Peek and acknowledge everything; the highest seq handed out. */
static uint64_t
drain(struct spool *s, uint64_t acked, int skip, int ordered, uint64_t max_seen)
{
	char	*out;
	size_t	 len, count, commas;
	uint64_t first, last, prev = acked;
	int	 round = 0;

	while (spool_peek(s, 300, &out, &len, &count, &first, &last) == 0) {
		commas = 0;
		for (size_t i = 0; i < len; i++)
			commas += out[i] == ',';
		if (count == 0 || strlen(out) != len || commas + 1 < count)
			fail("peeked batch malformed", count, len);
		if (ordered && (first > last || first <= prev))
			fail("peeked seqs out of order", first, prev);
		prev = last;
		if (last > max_seen)
			max_seen = last;
		free(out);
		if (skip && round++ % 2 == 1) {
			/* the rest of the batch comes again */
			prev = first;
			if (spool_skip_first(s) == -1)
				fail("skip failed", first, last);
		} else if (spool_ack_peeked(s) == -1)
			fail("ack failed", first, last);
	}
	return max_seen;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spool_stats ss;
	struct spool	  *s;
	const uint8_t	  *p = data + HDR, *seg;
	size_t		   left, slen, segl, split;
	uint64_t	   seq, high, first, last, max_bytes, last1, seg2;
	char		   err[512], id[SPOOL_ID_LEN + 1], name[PATH_MAX], *out;
	size_t		   len, count;
	int		   flags, backwards, overlap;

	if (size < HDR)
		return 0;
	flags = data[0];
	left = size - HDR;
	slen = (size_t)(data[1] | data[2] << 8);
	if (slen > left)
		slen = left;
	seg = p + slen;
	segl = left - slen;
	max_bytes = flags & 32 ? 512 : 1 << 20;

	if (mkdir(dir, 0700) == -1)
		abort();
	if (flags & 1)
		put("state", p, slen);
	else if (flags & 2)
		put("acked", p, slen);
	if (flags & 4)
		put("id", (const uint8_t *)"0123456789abcdef\n", 17);
	split = segl;
	if (flags & 8) {
		split = (size_t)(data[3] | data[4] << 8);
		if (split > segl)
			split = segl;
		snprintf(name, sizeof(name), "seg-%016" PRIx64 ".log",
		    (uint64_t)(data[5] | data[6] << 8) + 1);
		put(name, seg + split, segl - split);
	}
	put("seg-0000000000000001.log", seg, split);
	backwards = 0;
	last1 = seg_scan(seg, split, 1, &backwards);
	seg2 = (uint64_t)(data[5] | data[6] << 8) + 1;
	if (flags & 8)
		seg_scan(seg + split, segl - split, seg2, &backwards);
	/* the third finding: a second segment overlapping the first */
	overlap = (flags & 8) && seg2 > 1 && seg2 <= last1;

	s = spool_open(dir, max_bytes, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "spool_open: %s\n", err);
		abort();
	}
	spool_stats(s, &ss);
	if (ss.next_seq <= ss.acked || ss.durable >= ss.next_seq ||
	    strlen(spool_id(s)) != SPOOL_ID_LEN)
		fail("stats after open", ss.next_seq, ss.acked);
	high = drain(s, ss.acked, flags & 16, !backwards, ss.acked);

	/* the finding above: a leftover file under the next segment's name */
	snprintf(name, sizeof(name), "%s/seg-%016" PRIx64 ".log", dir,
	    spool_next_seq(s));
	if (access(name, F_OK) == 0) {
		spool_close(s);
		fuzz_rmtree(dir, 0);
		return 0;
	}

	/* a new record: above every seq handed out, and next to leave */
	seq = spool_append(s, xstrdup("{\"n\":1}"));
	if (seq <= high)
		fail("seq handed out twice", seq, high);
	if (spool_sync(s) == -1)
		fail("sync failed", seq, 0);
	if (spool_peek(s, 300, &out, &len, &count, &first, &last) == -1 ||
	    count != 1 || first != seq || last != seq ||
	    strcmp(out, "{\"n\":1}") != 0)
		fail("the new record is not the one peeked", seq, first);
	free(out);
	if (spool_ack_peeked(s) == -1)
		fail("ack failed", seq, 0);
	memcpy(id, spool_id(s), sizeof(id));
	spool_close(s);

	/* opened again: nothing waits, same identity, seqs go on */
	s = spool_open(dir, max_bytes, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "spool_open again: %s\n", err);
		abort();
	}
	spool_stats(s, &ss);
	if ((ss.records != 0 && !overlap) || ss.next_seq <= seq ||
	    strcmp(spool_id(s), id) != 0)
		fail("reopened spool", ss.records, ss.next_seq);
	if (!overlap &&
	    spool_peek(s, 300, &out, &len, &count, &first, &last) == 0)
		fail("a record waits after reopening", first, last);
	spool_close(s);
	fuzz_rmtree(dir, 0);
	return 0;
}
