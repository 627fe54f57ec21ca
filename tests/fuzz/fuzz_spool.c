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
 * Also checked: no file is left under the name the next record's segment
 * gets (recovery sets aside every segment file it does not take), and
 * a batch never runs backwards, even when a line's seq is not above the
 * one before it (corpus/fuzz_spool/finding-*, tests/fuzz/README).
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

/* Peek and acknowledge everything; the highest seq handed out. */
static uint64_t
drain(struct spool *s, uint64_t acked, int skip, uint64_t max_seen)
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
		if (first > last || first <= prev)
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
	uint64_t	   seq, high, first, last, max_bytes;
	char		   err[512], id[SPOOL_ID_LEN + 1], name[PATH_MAX], *out;
	size_t		   len, count;
	int		   flags;

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

	s = spool_open(dir, max_bytes, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "spool_open: %s\n", err);
		abort();
	}
	spool_stats(s, &ss);
	if (ss.next_seq <= ss.acked || ss.durable >= ss.next_seq ||
	    strlen(spool_id(s)) != SPOOL_ID_LEN)
		fail("stats after open", ss.next_seq, ss.acked);
	high = drain(s, ss.acked, flags & 16, ss.acked);

	/* no leftover file under the next segment's name */
	snprintf(name, sizeof(name), "%s/seg-%016" PRIx64 ".log", dir,
	    spool_next_seq(s));
	if (access(name, F_OK) == 0)
		fail("a file has the next segment's name", spool_next_seq(s),
		    0);

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
	if (ss.records != 0 || ss.next_seq <= seq ||
	    strcmp(spool_id(s), id) != 0)
		fail("reopened spool", ss.records, ss.next_seq);
	if (spool_peek(s, 300, &out, &len, &count, &first, &last) == 0)
		fail("a record waits after reopening", first, last);
	spool_close(s);
	fuzz_rmtree(dir, 0);
	return 0;
}
