/*
 * test_spool: the probe's durable queue on a real directory -- order,
 * acknowledgement, sequence numbers across reopen, a torn last line and a
 * corrupt one skipped with the records after it kept, no seq handed out
 * twice, the identity, a damaged state file, links never followed, the
 * size bound, a full disk (RLIMIT_FSIZE makes
 * writes fail with EFBIG as a full disk would) and records too large to
 * send.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "spool.h"
#include "tmpdir.h"
#include "util.h"

static struct spool *
open_spool(uint64_t max)
{
	char	      err[256];
	struct spool *s = spool_open(tmpdir, max, err, sizeof(err));

	if (s == NULL)
		fail_msg("spool_open: %s", err);
	return s;
}

static uint64_t
add(struct spool *s, const char *tag)
{
	char *json;

	if (asprintf(&json, "{\"seq\":%" PRIu64 ",\"tag\":\"%s\"}",
		spool_next_seq(s), tag) == -1)
		fail();
	return spool_append(s, json);
}

/* Peek everything (large max) and return it; count in *n. */
static char *
peek_all(struct spool *s, size_t *n, uint64_t *first, uint64_t *last)
{
	char  *out;
	size_t len;

	if (spool_peek(s, 1 << 24, &out, &len, n, first, last) == -1) {
		*n = 0;
		return NULL;
	}
	assert_int_equal(strlen(out), len);
	return out;
}

static void
test_order_ack_reopen(void **state)
{
	struct spool	  *s = open_spool(1 << 20);
	struct spool_stats st;
	uint64_t	   first, last;
	size_t		   n;
	char		  *out;

	(void)state;
	assert_int_equal(spool_next_seq(s), 1);
	assert_int_equal(add(s, "a"), 1);
	assert_int_equal(add(s, "b"), 2);
	assert_int_equal(add(s, "c"), 3);
	/* nothing leaves before it is durable */
	assert_null(peek_all(s, &n, &first, &last));
	assert_int_equal(spool_sync(s), 0);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 3);
	assert_int_equal(first, 1);
	assert_int_equal(last, 3);
	assert_string_equal(out,
	    "{\"seq\":1,\"tag\":\"a\"},{\"seq\":2,\"tag\":"
	    "\"b\"},{\"seq\":3,\"tag\":\"c\"}");
	free(out);
	/* not acknowledged: the same batch again after a reopen */
	spool_close(s);
	s = open_spool(1 << 20);
	assert_int_equal(spool_next_seq(s), 4);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 3);
	free(out);
	assert_int_equal(spool_ack_peeked(s), 0);
	assert_null(peek_all(s, &n, &first, &last));
	add(s, "d");
	assert_int_equal(spool_sync(s), 0);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 1);
	assert_int_equal(first, 4);
	free(out);
	assert_int_equal(spool_ack_peeked(s), 0);
	spool_stats(s, &st);
	assert_int_equal(st.acked, 4);
	assert_int_equal(st.records, 0);
	spool_close(s);
	/* everything delivered: the seq still goes on */
	s = open_spool(1 << 20);
	assert_int_equal(spool_next_seq(s), 5);
	spool_close(s);
}

static void
test_batches_bounded(void **state)
{
	struct spool *s = open_spool(8 << 20);
	uint64_t      first, last, expect = 1;
	size_t	      n, len, total = 0;
	char	     *out;

	(void)state;
	for (int i = 0; i < 5000; i++)
		add(s, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	assert_int_equal(spool_sync(s), 0);
	while (spool_peek(s, 10000, &out, &len, &n, &first, &last) == 0) {
		assert_true(len <= 10000);
		assert_int_equal(first, expect);
		assert_int_equal(last, first + n - 1);
		expect = last + 1;
		total += n;
		free(out);
		assert_int_equal(spool_ack_peeked(s), 0);
	}
	assert_int_equal(total, 5000);
	spool_close(s);
}

static char *
only_segment(void)
{
	char  cmd[160], path[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls %s/seg-*.log | tail -1", tmpdir);
	p = popen(cmd, "r");
	assert_non_null(fgets(path, sizeof(path), p));
	pclose(p);
	path[strcspn(path, "\n")] = '\0';
	return xstrdup(path);
}

/* Flip the case of the byte after the first match of what in path. */
static void
flip(const char *path, const char *what)
{
	char  *text, *p;
	size_t len;

	assert_int_equal(file_read(path, 1 << 20, &text, &len), 0);
	p = strstr(text, what);
	assert_non_null(p);
	p[1] ^= 0x20;
	assert_int_equal(file_write_atomic(path, text, len, 0600), 0);
	free(text);
}

static void
test_torn_and_corrupt(void **state)
{
	struct spool	  *s = open_spool(1 << 20);
	struct spool_stats st;
	uint64_t	   first, last;
	size_t		   n;
	char		  *out, *seg;
	int		   fd;

	(void)state;
	add(s, "a");
	add(s, "b");
	assert_int_equal(spool_sync(s), 0);
	spool_close(s);
	/* a crash in the middle of writing line 3 */
	seg = only_segment();
	fd = open(seg, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "1234abcd 3 {\"seq\":3,\"ta", 23), 23);
	close(fd);
	s = open_spool(1 << 20);
	spool_stats(s, &st);
	assert_int_equal(st.recovered_cut, 23);
	assert_int_equal(spool_next_seq(s), 3);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 2);
	free(out);
	/* a flipped byte in a complete line: that record is skipped and
	 * counted, the one after it kept */
	add(s, "c");
	add(s, "d");
	assert_int_equal(spool_sync(s), 0);
	spool_close(s);
	free(seg);
	seg = only_segment(); /* c and d went into a new segment */
	flip(seg, "\"c\"");
	s = open_spool(1 << 20);
	spool_stats(s, &st);
	assert_int_equal(st.corrupt, 1);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 3); /* a, b and d */
	assert_int_equal(last, 4);
	assert_non_null(strstr(out, "\"d\""));
	free(out);
	/* no seq is reused that a peer might have seen */
	assert_int_equal(spool_next_seq(s), 5);
	spool_close(s);
	free(seg);
}

/* Write DIR/seg-FIRST.log by hand: one good line per seq (checksum
 * right), in the order given. */
static void
write_seg(uint64_t first, const uint64_t *seqs, size_t n)
{
	char  path[128], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seg-%016" PRIx64 ".log", tmpdir,
	    first);
	if ((f = fopen(path, "w")) == NULL)
		fail_msg("%s", path);
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(line, sizeof(line),
		    "%" PRIu64 " {\"seq\":%" PRIu64 ",\"tag\":\"s%" PRIu64
		    "\"}",
		    seqs[i], seqs[i], seqs[i]);

		fprintf(f, "%08x %s\n", spool_crc32(line, (size_t)k), line);
	}
	fclose(f);
}

/* How many files of tmpdir start with prefix. */
static int
count_files(const char *prefix)
{
	char  cmd[256];
	int   n = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls %s | grep -c '^%s'", tmpdir, prefix);
	if ((p = popen(cmd, "r")) == NULL || fscanf(p, "%d", &n) != 1)
		fail();
	pclose(p);
	return n;
}

/* A segment file that holds no record is set aside: the next segment
 * to get its name does not read its bytes as records. */
static void
test_leftover_segment_set_aside(void **state)
{
	struct spool_stats st;
	struct spool	  *s;
	uint64_t	   first, last;
	size_t		   n;
	char		  *out, path[128];
	FILE		  *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/seg-0000000000000001.log", tmpdir);
	if ((f = fopen(path, "w")) == NULL)
		fail();
	fputs("}\n", f);
	fclose(f);
	s = open_spool(1 << 20);
	spool_stats(s, &st);
	assert_int_equal(st.set_aside, 1);
	assert_int_equal(count_files("seg-0000000000000001.log.bad-"), 1);
	add(s, "a");
	add(s, "b");
	add(s, "c");
	assert_int_equal(spool_sync(s), 0);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 3);
	assert_int_equal(first, 1);
	assert_int_equal(last, 3);
	assert_non_null(strstr(out, "\"c\""));
	free(out);
	assert_int_equal(spool_ack_peeked(s), 0);
	add(s, "d");
	add(s, "e");
	add(s, "f");
	assert_int_equal(spool_sync(s), 0);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 3);
	assert_int_equal(first, 4);
	assert_int_equal(last, 6);
	free(out);
	spool_close(s);
}

/* A line whose seq is not above the one before it (checksum good) is
 * skipped on open and never sent: a batch never runs backwards. */
static void
test_seq_backwards_skipped(void **state)
{
	static const uint64_t seqs[] = {1, 3, 2, 4};
	struct spool_stats    st;
	struct spool	     *s;
	uint64_t	      first, last;
	size_t		      n;
	char		     *out;

	(void)state;
	write_seg(1, seqs, 4);
	s = open_spool(1 << 20);
	spool_stats(s, &st);
	assert_int_equal(st.corrupt, 1);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 3);
	assert_int_equal(first, 1);
	assert_int_equal(last, 4);
	assert_null(strstr(out, "\"s2\""));
	assert_true(strstr(out, "\"s3\"") < strstr(out, "\"s4\""));
	free(out);
	assert_int_equal(spool_ack_peeked(s), 0);
	assert_int_equal(spool_next_seq(s), 5);
	spool_close(s);
}

/* A segment overlapping the one before it is set aside at once, never
 * taken later in place of newer records. */
static void
test_overlap_set_aside(void **state)
{
	static const uint64_t a[] = {1, 2, 3, 4, 5}, b[] = {3, 4, 5, 6, 7, 8};
	struct spool_stats    st;
	struct spool	     *s;
	uint64_t	      first, last;
	size_t		      n;
	char		     *out;

	(void)state;
	write_seg(1, a, 5);
	write_seg(3, b, 6);
	s = open_spool(1 << 20);
	spool_stats(s, &st);
	assert_int_equal(st.set_aside, 1);
	assert_int_equal(count_files("seg-0000000000000003.log.bad-"), 1);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 5);
	assert_int_equal(last, 5);
	free(out);
	assert_int_equal(spool_ack_peeked(s), 0);
	assert_int_equal(add(s, "x"), 6);
	assert_int_equal(spool_sync(s), 0);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 1);
	free(out);
	assert_int_equal(spool_ack_peeked(s), 0);
	spool_close(s);
	/* reopened with everything delivered: nothing comes back */
	s = open_spool(1 << 20);
	out = peek_all(s, &n, &first, &last);
	assert_null(out);
	assert_int_equal(n, 0);
	assert_int_equal(spool_next_seq(s), 7);
	spool_close(s);
}

/* A flipped byte in line 5 of 20 costs that record only. */
static void
test_corrupt_middle_kept(void **state)
{
	struct spool	  *s = open_spool(1 << 20);
	struct spool_stats st;
	uint64_t	   first, last;
	size_t		   n;
	char		  *out, *seg, tag[16];

	(void)state;
	for (int i = 1; i <= 20; i++) {
		snprintf(tag, sizeof(tag), "r%02d", i);
		add(s, tag);
	}
	assert_int_equal(spool_sync(s), 0);
	spool_close(s);
	seg = only_segment();
	flip(seg, "\"r05\"");
	s = open_spool(1 << 20);
	spool_stats(s, &st);
	assert_int_equal(st.corrupt, 1);
	assert_int_equal(st.recovered_cut, 0);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 19);
	assert_int_equal(first, 1);
	assert_int_equal(last, 20);
	assert_null(strstr(out, "r05"));
	assert_non_null(strstr(out, "\"r06\""));
	assert_non_null(strstr(out, "\"r20\""));
	free(out);
	assert_int_equal(spool_next_seq(s), 21);
	/* new records go after the damaged line and read back whole */
	add(s, "r21");
	assert_int_equal(spool_sync(s), 0);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 20);
	assert_int_equal(last, 21);
	free(out);
	assert_int_equal(spool_ack_peeked(s), 0);
	spool_close(s);
	s = open_spool(1 << 20);
	assert_int_equal(spool_next_seq(s), 22);
	assert_null(peek_all(s, &n, &first, &last));
	spool_close(s);
	free(seg);
}

/*
 * The last record of the spool damaged after a crash (no clean close):
 * its seq is not handed out again (the high-water mark).
 */
static void
test_high_water_mark(void **state)
{
	struct spool *s;
	char	     *seg;
	pid_t	      pid;
	int	      status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		s = open_spool(1 << 20);
		for (int i = 0; i < 5; i++)
			add(s, "before the crash");
		_exit(spool_sync(s) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	seg = only_segment();
	flip(seg, "5 {");
	s = open_spool(1 << 20);
	assert_int_equal(spool_next_seq(s), 6);
	spool_close(s);
	free(seg);
}

static void
write_file(const char *name, const char *text)
{
	char path[128];
	int  fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static char *
id_of(struct spool *s)
{
	const char *id = spool_id(s);

	assert_int_equal(strlen(id), SPOOL_ID_LEN);
	assert_int_equal(strspn(id, "0123456789abcdef"), SPOOL_ID_LEN);
	return xstrdup(id);
}

/* The identity is made once and kept. */
static void
test_identity(void **state)
{
	struct spool *s = open_spool(1 << 20);
	char	     *a, *b;

	(void)state;
	a = id_of(s);
	spool_close(s);
	s = open_spool(1 << 20);
	b = id_of(s);
	assert_string_equal(a, b);
	spool_close(s);
	free(a);
	free(b);
}

/* Damaged state with records waiting: they are sent again, seqs go on. */
static void
test_state_damaged_resend(void **state)
{
	struct spool	  *s = open_spool(1 << 20);
	struct spool_stats st;
	uint64_t	   first, last;
	size_t		   n;
	char		  *out, *a, *b;

	(void)state;
	for (int i = 0; i < 3; i++)
		add(s, "x");
	assert_int_equal(spool_sync(s), 0);
	for (int i = 0; i < 2; i++) { /* 1 and 2 delivered, one by one */
		size_t len;

		assert_int_equal(spool_peek(s, 1, &out, &len, &n, &first,
				     &last),
		    0);
		assert_int_equal(n, 1);
		free(out);
		assert_int_equal(spool_ack_peeked(s), 0);
	}
	spool_stats(s, &st);
	assert_int_equal(st.acked, 2);
	add(s, "y");
	assert_int_equal(spool_sync(s), 0);
	a = id_of(s);
	spool_close(s);
	write_file("state", "garbage\n");
	s = open_spool(1 << 20);
	b = id_of(s);
	assert_string_equal(a, b);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(first, 1); /* all of it again: duplicates there */
	assert_int_equal(last, 4);
	free(out);
	assert_int_equal(spool_next_seq(s), 5);
	spool_stats(s, &st);
	spool_close(s);
	/* the new state is good */
	s = open_spool(1 << 20);
	assert_int_equal(spool_next_seq(s), 5);
	spool_close(s);
	free(a);
	free(b);
}

/* Damaged state and nothing waiting: a new identity, from seq 1. */
static void
test_state_damaged_empty(void **state)
{
	struct spool *s = open_spool(1 << 20);
	uint64_t      first, last;
	size_t	      n;
	char	     *out, *a, *b;

	(void)state;
	for (int i = 0; i < 3; i++)
		add(s, "x");
	assert_int_equal(spool_sync(s), 0);
	out = peek_all(s, &n, &first, &last);
	free(out);
	assert_int_equal(spool_ack_peeked(s), 0);
	a = id_of(s);
	spool_close(s);
	write_file("state", "");
	s = open_spool(1 << 20);
	b = id_of(s);
	assert_string_not_equal(a, b);
	assert_int_equal(spool_next_seq(s), 1);
	spool_close(s);
	free(a);
	free(b);
}

/* A spool of an older version: "acked" becomes the state file. */
static void
test_legacy_acked(void **state)
{
	struct spool *s;
	char	      path[128];

	(void)state;
	write_file("acked", "41\n");
	s = open_spool(1 << 20);
	assert_int_equal(spool_next_seq(s), 42);
	spool_close(s);
	snprintf(path, sizeof(path), "%s/acked", tmpdir);
	assert_int_equal(access(path, F_OK), -1);
	s = open_spool(1 << 20);
	assert_int_equal(spool_next_seq(s), 42);
	spool_close(s);
	/* an empty one is no reason to stop: a new sequence */
	write_file("state", "x");
	s = open_spool(1 << 20);
	assert_int_equal(spool_next_seq(s), 1);
	spool_close(s);
}

/* A link planted in the folder is never followed, for reading or
 * cutting. */
static void
test_link_not_followed(void **state)
{
	struct spool *s;
	char	      victim[128], link[128], *text;
	size_t	      len;
	uint64_t      first, last;
	size_t	      n;

	(void)state;
	snprintf(victim, sizeof(victim), "%s.victim", tmpdir);
	{
		int fd = open(victim, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		assert_true(fd != -1);
		assert_int_equal(write(fd, "precious\n", 9), 9);
		close(fd);
	}
	snprintf(link, sizeof(link), "%s/seg-0000000000000001.log", tmpdir);
	assert_int_equal(symlink(victim, link), 0);
	s = open_spool(1 << 20);
	assert_null(peek_all(s, &n, &first, &last));
	spool_close(s);
	assert_int_equal(file_read(victim, 100, &text, &len), 0);
	assert_string_equal(text, "precious\n");
	free(text);
	unlink(victim);
}

static void
test_size_bound(void **state)
{
	struct spool	  *s = open_spool(256 << 10);
	struct spool_stats st;
	uint64_t	   first, last;
	size_t		   n;
	char		  *out, pad[1001];

	(void)state;
	memset(pad, 'p', 1000);
	pad[1000] = '\0';
	for (int i = 0; i < 2000; i++) { /* ~2 MB into 256 KiB */
		add(s, pad);
		if (i % 100 == 99)
			assert_int_equal(spool_sync(s), 0);
	}
	assert_int_equal(spool_sync(s), 0);
	spool_stats(s, &st);
	assert_true(st.bytes <= 256 << 10);
	assert_true(st.dropped > 1500);
	assert_int_equal(st.acked, st.dropped); /* the oldest went */
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(first, st.acked + 1);
	assert_int_equal(last, 2000);
	free(out);
	spool_close(s);
	s = open_spool(256 << 10);
	assert_int_equal(spool_next_seq(s), 2001);
	spool_close(s);
}

static void
test_disk_full(void **state)
{
	struct spool	  *s = open_spool(1 << 20);
	struct spool_stats st;
	struct rlimit	   rl, old;
	uint64_t	   first, last;
	size_t		   n;
	char		  *out;

	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	add(s, "a");
	assert_int_equal(spool_sync(s), 0);
	getrlimit(RLIMIT_FSIZE, &old);
	rl = old;
	rl.rlim_cur = 100; /* the segment cannot grow past 100 bytes */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
	for (int i = 0; i < 50; i++)
		add(s, "during an outage of the disk");
	assert_int_equal(spool_sync(s), -1);
	spool_stats(s, &st);
	assert_true(st.disk_full);
	assert_int_equal(st.records, 51);
	/* the one durable record can still be delivered */
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 1);
	free(out);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(spool_sync(s), 0);
	spool_stats(s, &st);
	assert_false(st.disk_full);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 51);
	assert_int_equal(last, 51);
	free(out);
	spool_close(s);
	/* the file stayed whole: nothing cut on reopen */
	s = open_spool(1 << 20);
	spool_stats(s, &st);
	assert_int_equal(st.recovered_cut, 0);
	assert_int_equal(spool_next_seq(s), 52);
	spool_close(s);
}

static void
test_skip_first(void **state)
{
	struct spool *s = open_spool(1 << 20);
	uint64_t      first, last;
	size_t	      n;
	char	     *out;

	(void)state;
	add(s, "too large");
	add(s, "fine");
	assert_int_equal(spool_sync(s), 0);
	out = peek_all(s, &n, &first, &last);
	free(out);
	assert_int_equal(spool_skip_first(s), 0);
	out = peek_all(s, &n, &first, &last);
	assert_int_equal(n, 1);
	assert_int_equal(first, 2);
	free(out);
	spool_close(s);
}

static void
test_crc(void **state)
{
	(void)state;
	/* the standard check value of CRC-32/IEEE */
	assert_int_equal(spool_crc32("123456789", 9), 0xcbf43926);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_order_ack_reopen, tmpdir_setup,
		tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_batches_bounded, tmpdir_setup,
		tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_torn_and_corrupt, tmpdir_setup,
		tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_middle_kept,
		tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_high_water_mark, tmpdir_setup,
		tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_identity, tmpdir_setup,
		tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_state_damaged_resend,
		tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_state_damaged_empty,
		tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_legacy_acked, tmpdir_setup,
		tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_link_not_followed,
		tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_size_bound, tmpdir_setup,
		tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_disk_full, tmpdir_setup,
		tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_skip_first, tmpdir_setup,
		tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_leftover_segment_set_aside,
		tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_seq_backwards_skipped,
		tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test_setup_teardown(test_overlap_set_aside,
		tmpdir_setup, tmpdir_teardown),
	    cmocka_unit_test(test_crc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
