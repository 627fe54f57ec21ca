/*
 * spool: segment files of checksummed record lines, recovery, size bound,
 * delivery cursor (see spool.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "spool.h"
#include "util.h"

#define SEG_MIN	       (64u << 10)
#define SEG_MAX	       (4u << 20)
#define LINE_MAX_BYTES (1u << 20) /* a longer line is corrupt */
#define PEND_MIN       (1u << 20)
#define PEND_MAX       (16u << 20)
#define STATE_SLOT     128
#define SPOOL_SEQ_MAX  999999999999999ull /* 10^15 - 1, as the wire */

struct seg {
	uint64_t    first, last; /* seqs of first and last line */
	uint64_t    size;	 /* bytes on disk */
	struct seg *next;
};

struct pend {
	uint64_t     seq;
	char	    *json;
	size_t	     len;
	struct pend *next;
};

struct spool {
	char	    *dir;
	int	     dirfd;
	int	     statefd;
	char	     id[SPOOL_ID_LEN + 1];
	uint64_t     max_bytes, seg_max, pend_max;
	struct seg  *segs;
	int	     wfd; /* the last segment, open to append */
	uint64_t     next_seq, acked, durable;
	uint64_t     bytes, dropped, recovered_cut;
	struct pend *phead, **ptail;
	size_t	     pend_bytes;
	uint64_t     npend;
	int	     disk_full;
	uint64_t     hwm, hwm_saved; /* highest seq ever durable */
	uint64_t     gen;	     /* of the state slot last written */
	uint64_t     corrupt;	     /* records skipped for their checksum */
	uint64_t     set_aside;	     /* segment files not taken on open */
	uint64_t     acked_saved;    /* what the state file says */
	uint64_t     saved_ms;	     /* when it was last written */
	uint64_t     ack_every_ms;   /* at most this often (0: every ack) */
	/* delivery cursor: the first unacknowledged line */
	struct seg *cur_seg;
	uint64_t    cur_off;
	/* the peeked batch */
	int	    peeked;
	struct seg *peek_seg;
	uint64_t    peek_off;
	uint64_t    peek_last;
	struct seg *first_end_seg; /* after the batch's first line */
	uint64_t    first_end_off;
	uint64_t    peek_first;
};

static uint32_t crc_table[256];

uint32_t
spool_crc32(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t	     c = 0xffffffffu;

	if (crc_table[1] == 0)
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t k = i;

			for (int j = 0; j < 8; j++)
				k = k & 1 ? 0xedb88320u ^ (k >> 1) : k >> 1;
			crc_table[i] = k;
		}
	for (size_t i = 0; i < len; i++)
		c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

static void
seg_name(uint64_t first, char *buf, size_t len)
{
	snprintf(buf, len, "seg-%016" PRIx64 ".log", first);
}

/* Open name in the spool directory; never through a link, never a FIFO. */
static int
spool_openat(const struct spool *s, const char *name, int flags)
{
	struct stat st;
	int	    fd;

	fd = openat(s->dirfd, name,
	    flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

/* The whole of fd (at most max bytes) into a heap buffer. */
static int
fd_read_all(int fd, size_t max, char **out, size_t *lenp)
{
	char   *buf = NULL;
	size_t	len = 0, cap = 0;
	ssize_t n;

	for (;;) {
		if (len == cap) {
			if (cap > max) { /* read one past max: too large */
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap = cap ? cap * 2 : 4096;
			if (cap > max + 1)
				cap = max + 1;
			buf = xreallocarray(buf, cap + 1, 1);
		}
		n = pread(fd, buf + len, cap - len, (off_t)len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	*lenp = len;
	return 0;
}

enum line { LINE_OK, LINE_SHORT, LINE_BAD };

/*
 * Parse one line at p (n bytes available) into *seq and the JSON span.
 * LINE_OK or LINE_BAD (a complete line that fails its checksum or
 * format) with its length including the newline in *len; LINE_SHORT
 * when no newline follows: a torn end.
 */
static enum line
line_parse(const char *p, size_t n, size_t *len, uint64_t *seq,
    const char **json, size_t *jlen)
{
	const char *nl = memchr(p, '\n', n);
	char	    crcbuf[9], *end;
	uint32_t    crc;

	if (nl == NULL)
		return LINE_SHORT;
	*len = (size_t)(nl - p) + 1;
	if (*len > LINE_MAX_BYTES || nl - p < 12 || p[8] != ' ')
		return LINE_BAD;
	memcpy(crcbuf, p, 8);
	crcbuf[8] = '\0';
	crc = (uint32_t)strtoul(crcbuf, &end, 16);
	if (end != crcbuf + 8)
		return LINE_BAD;
	if (spool_crc32(p + 9, (size_t)(nl - p - 9)) != crc)
		return LINE_BAD;
	errno = 0;
	*seq = strtoull(p + 9, &end, 10);
	if (errno != 0 || end == p + 9 || *end != ' ' || *seq == 0 ||
	    *seq > SPOOL_SEQ_MAX)
		return LINE_BAD;
	*json = end + 1;
	*jlen = (size_t)(nl - end - 1);
	return LINE_OK;
}

/*
 * The state file: two slots of STATE_SLOT bytes, written in turn in place
 * (no new block is needed, so acknowledging works on a full disk), each
 * "v6watch-spool acked=A hwm=H gen=G crc=C", padded. The valid slot with
 * the higher gen wins; a torn write spoils one slot, not both.
 */
static int
state_write(struct spool *s, int durable)
{
	char slot[STATE_SLOT];
	int  n;

	s->gen++;
	n = snprintf(slot, sizeof(slot),
	    "v6watch-spool acked=%" PRIu64 " hwm=%" PRIu64 " gen=%" PRIu64,
	    s->acked, s->hwm, s->gen);
	n += snprintf(slot + n, sizeof(slot) - (size_t)n, " crc=%08x",
	    spool_crc32(slot, (size_t)n));
	memset(slot + n, ' ', STATE_SLOT - 1 - (size_t)n);
	slot[STATE_SLOT - 1] = '\n';
	if (pwrite(s->statefd, slot, STATE_SLOT,
		(off_t)(s->gen % 2) * STATE_SLOT) != STATE_SLOT ||
	    (durable && fdatasync(s->statefd) == -1)) {
		if (errno == 0)
			errno = ENOSPC;
		log_warnx("spool: cannot record deliveries in %s/state: %s%s",
		    s->dir, strerror(errno),
		    errno == ENOSPC ? " (the disk is full)" : "");
		return -1;
	}
	s->hwm_saved = s->hwm;
	if (durable) {
		s->acked_saved = s->acked;
		s->saved_ms = now_mono_ms();
	}
	return 0;
}

/* One slot: 0 with its numbers, -1 when it is not a valid slot. */
static int
state_slot_parse(const char *p, uint64_t *acked, uint64_t *hwm, uint64_t *gen)
{
	char			 text[STATE_SLOT];
	const char		*c;
	char			*end;
	uint64_t		 v[3];
	static const char *const keys[] = {"v6watch-spool acked=", " hwm=",
	    " gen="};

	memcpy(text, p, STATE_SLOT);
	text[STATE_SLOT - 1] = '\0';
	if ((c = strstr(text, " crc=")) == NULL ||
	    strtoul(c + 5, &end, 16) != spool_crc32(text, (size_t)(c - text)) ||
	    end != c + 13)
		return -1;
	c = text;
	for (size_t i = 0; i < NELEM(v); i++) {
		size_t k = strlen(keys[i]);

		if (strncmp(c, keys[i], k) != 0 || c[k] < '0' || c[k] > '9')
			return -1;
		errno = 0;
		v[i] = strtoull(c + k, &end, 10);
		if (errno != 0 || v[i] > SPOOL_SEQ_MAX * 4)
			return -1;
		c = end;
	}
	*acked = v[0];
	*hwm = v[1];
	*gen = v[2];
	return *acked <= SPOOL_SEQ_MAX && *hwm <= SPOOL_SEQ_MAX ? 0 : -1;
}

/* Put name aside as name.bad-TIME; the new name goes to aside. */
static void
spool_set_aside(struct spool *s, const char *name, char *aside, size_t len)
{
	snprintf(aside, len, "%s.bad-%lld", name, (long long)time(NULL));
	if (renameat(s->dirfd, name, s->dirfd, aside) == -1) {
		log_warn("spool: rename %s/%s", s->dir, name);
		unlinkat(s->dirfd, name, 0);
	}
}

enum state_found { STATE_NONE, STATE_GOOD, STATE_DAMAGED };

/* Read "state", or the "acked" file of older versions. */
static enum state_found
state_read(struct spool *s, char *why, size_t whylen)
{
	uint64_t a[2], h[2], g[2];
	int	 ok[2];
	char	*text = NULL;
	size_t	 len;
	int	 fd;

	if ((fd = spool_openat(s, "state", O_RDONLY)) != -1) {
		if (fd_read_all(fd, 2 * STATE_SLOT, &text, &len) == -1)
			len = 0;
		close(fd);
		if (len != 2 * STATE_SLOT) {
			snprintf(why, whylen, "%zu bytes, not %d", len,
			    2 * STATE_SLOT);
			free(text);
			return STATE_DAMAGED;
		}
		for (int i = 0; i < 2; i++)
			ok[i] = state_slot_parse(text + i * STATE_SLOT, &a[i],
				    &h[i], &g[i]) == 0;
		free(text);
		if (!ok[0] && !ok[1]) {
			snprintf(why, whylen,
			    "both copies fail their checksum");
			return STATE_DAMAGED;
		}
		int i = !ok[0] || (ok[1] && g[1] > g[0]);

		s->acked = a[i];
		s->hwm = h[i];
		s->gen = g[i];
		return STATE_GOOD;
	}
	if (errno != ENOENT) {
		snprintf(why, whylen, "%s", strerror(errno));
		return STATE_DAMAGED;
	}
	if ((fd = spool_openat(s, "acked", O_RDONLY)) != -1) {
		long long v;

		if (fd_read_all(fd, 64, &text, &len) == -1)
			text = NULL;
		close(fd);
		if (text != NULL)
			text[strcspn(text, "\n")] = '\0';
		if (text == NULL ||
		    parse_int(text, 0, SPOOL_SEQ_MAX, &v) == -1) {
			snprintf(why, whylen,
			    "'acked' is not a sequence number");
			free(text);
			return STATE_DAMAGED;
		}
		free(text);
		s->acked = s->hwm = (uint64_t)v;
		return STATE_GOOD;
	}
	if (errno != ENOENT) {
		snprintf(why, whylen, "acked: %s", strerror(errno));
		return STATE_DAMAGED;
	}
	return STATE_NONE;
}

/* A new state file, whole and durable, with the numbers in s. */
static int
state_create(struct spool *s, char *err, size_t errlen)
{
	if (s->statefd != -1)
		close(s->statefd);
	unlinkat(s->dirfd, "state", 0);
	s->statefd = spool_openat(s, "state", O_RDWR | O_CREAT | O_EXCL);
	if (s->statefd == -1 || state_write(s, 0) == -1 ||
	    state_write(s, 1) == -1 || fsync(s->dirfd) == -1) {
		snprintf(err, errlen, "%s/state: %s", s->dir, strerror(errno));
		return -1;
	}
	unlinkat(s->dirfd, "acked", 0);
	return 0;
}

/* The spool's identity: made once, never rewritten. */
static int
id_read(struct spool *s)
{
	char  *text = NULL;
	size_t len;
	int    fd;

	if ((fd = spool_openat(s, "id", O_RDONLY)) == -1)
		return errno == ENOENT ? 1 : 2;
	if (fd_read_all(fd, 64, &text, &len) == -1)
		len = 0;
	close(fd);
	if (len < SPOOL_ID_LEN ||
	    (len > SPOOL_ID_LEN && text[SPOOL_ID_LEN] != '\n') ||
	    len > SPOOL_ID_LEN + 1 ||
	    strspn(text, "0123456789abcdef") != SPOOL_ID_LEN) {
		free(text);
		return 2;
	}
	memcpy(s->id, text, SPOOL_ID_LEN);
	s->id[SPOOL_ID_LEN] = '\0';
	free(text);
	return 0;
}

static int
id_create(struct spool *s, char *err, size_t errlen)
{
	unsigned char raw[SPOOL_ID_LEN / 2];
	char	      line[SPOOL_ID_LEN + 2];
	int	      fd;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	hex_encode(raw, sizeof(raw), s->id);
	snprintf(line, sizeof(line), "%s\n", s->id);
	unlinkat(s->dirfd, "id.tmp", 0);
	fd = spool_openat(s, "id.tmp", O_WRONLY | O_CREAT | O_EXCL);
	if (fd == -1 || write(fd, line, SPOOL_ID_LEN + 1) != SPOOL_ID_LEN + 1 ||
	    fsync(fd) == -1 ||
	    renameat(s->dirfd, "id.tmp", s->dirfd, "id") == -1 ||
	    fsync(s->dirfd) == -1) {
		snprintf(err, errlen, "%s/id: %s", s->dir, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void
seg_unlink(struct spool *s, struct seg *g)
{
	char name[32];

	seg_name(g->first, name, sizeof(name));
	if (unlinkat(s->dirfd, name, 0) == -1 && errno != ENOENT)
		log_warn("spool: %s/%s", s->dir, name);
	s->bytes -= g->size;
}

/* Remove g, the first segment. */
static void
seg_pop(struct spool *s)
{
	struct seg *g = s->segs;

	s->segs = g->next;
	if (s->segs == NULL && s->wfd != -1) {
		close(s->wfd);
		s->wfd = -1;
	}
	seg_unlink(s, g);
	if (s->cur_seg == g) {
		s->cur_seg = s->segs;
		s->cur_off = 0;
	}
	s->peeked = 0;
	free(g);
}

/* Delete the segments every line of which is acknowledged. */
static void
segs_trim(struct spool *s)
{
	while (s->segs != NULL && s->segs->last <= s->acked &&
	    (s->segs->next != NULL || s->segs->size > 0))
		seg_pop(s);
	if (s->segs != NULL)
		fsync(s->dirfd);
}

/* Keep the segments under max_bytes: drop the oldest, count what was
 * still undelivered. */
static void
segs_bound(struct spool *s)
{
	while (s->bytes > s->max_bytes && s->segs != NULL &&
	    s->segs->next != NULL) {
		struct seg *g = s->segs;
		uint64_t    lost = g->last > s->acked ?
		       g->last - (g->first > s->acked ? g->first - 1 : s->acked) :
		       0;

		if (lost > 0) {
			log_warnx("spool: over %" PRIu64
				  " KiB: dropped the %" PRIu64
				  " oldest undelivered records (seq %" PRIu64
				  "..%" PRIu64 ")",
			    s->max_bytes >> 10, lost,
			    g->first > s->acked ? g->first : s->acked + 1,
			    g->last);
			s->dropped += lost;
		}
		if (g->last > s->acked)
			s->acked = g->last;
		state_write(s, 1);
		seg_pop(s);
	}
}

/*
 * Scan a segment file. A complete line that fails its checksum is
 * skipped and counted, and what follows it is kept; a torn end (no
 * newline) is cut off. -1 when the file is unusable or holds no record,
 * 1 when it was empty and is gone.
 */
static int
seg_recover(struct spool *s, struct seg *g)
{
	char	 name[32], *buf = NULL;
	size_t	 len, off = 0, bad = 0, bad_bytes = 0;
	uint64_t prev = 0;
	int	 fd;

	seg_name(g->first, name, sizeof(name));
	if ((fd = spool_openat(s, name, O_RDWR)) == -1 ||
	    fd_read_all(fd, (size_t)SEG_MAX * 4, &buf, &len) == -1) {
		log_warnx("spool: %s/%s: %s; left alone", s->dir, name,
		    errno == EINVAL ? "not a regular file" : strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	g->last = 0;
	while (off < len) {
		const char *json;
		size_t	    jlen, n;
		uint64_t    seq;
		enum line   l;

		l = line_parse(buf + off, len - off, &n, &seq, &json, &jlen);
		if (l == LINE_SHORT)
			break;
		if (l == LINE_BAD || seq <= prev ||
		    (prev == 0 && seq < g->first)) {
			bad++;
			bad_bytes += n;
			off += n;
			continue;
		}
		if (seq > s->acked && s->cur_seg == NULL) {
			s->cur_seg = g;
			s->cur_off = off;
		}
		prev = g->last = seq;
		off += n;
	}
	free(buf);
	if (bad > 0) {
		log_warnx(
		    "spool: %s/%s: %zu corrupt records skipped (%zu bytes); the records after them are kept",
		    s->dir, name, bad, bad_bytes);
		s->corrupt += bad;
	}
	if (off < len) {
		log_warnx("spool: %s/%s: torn end at byte %zu cut off (%zu bytes)",
		    s->dir, name, off, len - off);
		s->recovered_cut += len - off;
		if (ftruncate(fd, (off_t)off) == -1) {
			log_warn("spool: truncate %s/%s", s->dir, name);
			close(fd);
			return -1;
		}
	}
	close(fd);
	g->size = off;
	if (g->last == 0) {
		if (off == 0 && unlinkat(s->dirfd, name, 0) == 0)
			return 1;
		return -1;
	}
	return 0;
}

static int
seg_cmp(const void *a, const void *b)
{
	const struct seg *x = *(struct seg *const *)a;
	const struct seg *y = *(struct seg *const *)b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* The segments, oldest first, recovered. */
static int
segs_load(struct spool *s, char *err, size_t errlen)
{
	struct seg   **v = NULL, **tail = &s->segs;
	size_t	       n = 0, cap = 0;
	struct dirent *de;
	DIR	      *d;
	int	       fd;

	if ((fd = dup(s->dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		snprintf(err, errlen, "%s: %s", s->dir, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		uint64_t first;
		char	*end;

		if (strncmp(de->d_name, "seg-", 4) != 0)
			continue;
		errno = 0;
		first = strtoull(de->d_name + 4, &end, 16);
		if (errno != 0 || strcmp(end, ".log") != 0 ||
		    end != de->d_name + 20 || first == 0 ||
		    first > SPOOL_SEQ_MAX)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n] = xcalloc(1, sizeof(struct seg));
		v[n++]->first = first;
	}
	closedir(d);
	if (n > 1) /* v is NULL when there is no segment */
		qsort(v, n, sizeof(*v), seg_cmp);
	for (size_t i = 0; i < n; i++) {
		char name[32], aside[64];
		int  r = 0;

		/* A file not taken never keeps its name: a later segment
		 * would get it, and its old bytes would be read as the new
		 * records (or, once the segments before it are gone, taken
		 * in place of newer ones). */
		if (v[i]->first <= s->durable ||
		    (r = seg_recover(s, v[i])) != 0) {
			if (s->cur_seg == v[i])
				s->cur_seg = NULL;
			if (r != 1) {
				seg_name(v[i]->first, name, sizeof(name));
				spool_set_aside(s, name, aside, sizeof(aside));
				s->set_aside++;
				if (v[i]->first <= s->durable)
					log_warnx(
					    "spool: %s/%s starts at or below seq %" PRIu64
					    ", the last record before it: set aside as %s, not sent",
					    s->dir, name, s->durable, aside);
				else
					log_warnx(
					    "spool: %s/%s holds no record: set aside as %s",
					    s->dir, name, aside);
			}
			free(v[i]);
			continue;
		}
		s->durable = v[i]->last;
		s->bytes += v[i]->size;
		*tail = v[i];
		tail = &v[i]->next;
	}
	free(v);
	return 0;
}

static int
spool_recover(struct spool *s, char *err, size_t errlen)
{
	enum state_found st;
	char		 why[128], aside[64];
	int		 id;

	id = id_read(s);
	st = state_read(s, why, sizeof(why));
	if (segs_load(s, err, errlen) == -1)
		return -1;
	if (id == 2) {
		spool_set_aside(s, "id", aside, sizeof(aside));
		log_warnx(
		    "spool: %s/id is damaged (kept as %s): this spool takes a new identity, and the collector counts its sequence from the start again",
		    s->dir, aside);
	}
	if (st == STATE_DAMAGED) {
		spool_set_aside(s,
		    faccessat(s->dirfd, "state", F_OK, AT_SYMLINK_NOFOLLOW) ==
			    0 ?
			"state" :
			"acked",
		    aside, sizeof(aside));
		if (s->segs != NULL) {
			s->acked = s->segs->first - 1;
			log_warnx(
			    "spool: %s/state is damaged (%s; kept as %s): sending again every record still in the spool, from seq %" PRIu64
			    " (the collector answers duplicates for those it has)",
			    s->dir, why, aside, s->acked + 1);
		} else {
			/* nothing says which seq comes next: a new
			 * sequence under a new identity reuses none */
			log_warnx(
			    "spool: %s/state is damaged (%s; kept as %s) and no record is waiting: this spool takes a new identity and starts again at seq 1",
			    s->dir, why, aside);
			s->acked = s->hwm = 0;
			if (id == 0) {
				spool_set_aside(s, "id", aside, sizeof(aside));
				id = 2;
			}
		}
	}
	if (id != 0 && id_create(s, err, errlen) == -1)
		return -1;
	if (s->cur_seg == NULL || s->cur_seg->last <= s->acked) {
		/* every line is acknowledged: the cursor sits at the end */
		s->cur_seg = NULL;
		for (struct seg *g = s->segs; g != NULL; g = g->next)
			if (g->last > s->acked) {
				s->cur_seg = g;
				s->cur_off = 0;
				break;
			}
	}
	if (s->durable > s->hwm)
		s->hwm = s->durable;
	if (s->acked > s->hwm)
		s->hwm = s->acked;
	s->next_seq = s->hwm + 1;
	s->acked_saved = s->acked;
	if (st == STATE_GOOD &&
	    faccessat(s->dirfd, "acked", F_OK, AT_SYMLINK_NOFOLLOW) == -1) {
		s->statefd = spool_openat(s, "state", O_RDWR);
		if (s->statefd == -1) {
			snprintf(err, errlen, "%s/state: %s", s->dir,
			    strerror(errno));
			return -1;
		}
	} else if (state_create(s, err, errlen) == -1)
		return -1;
	segs_trim(s);
	return 0;
}

struct spool *
spool_open_at(int dirfd, const char *dir, uint64_t max_bytes, char *err,
    size_t errlen)
{
	struct spool *s = xcalloc(1, sizeof(*s));

	s->dir = xstrdup(dir);
	s->dirfd = dirfd;
	s->wfd = -1;
	s->statefd = -1;
	s->max_bytes = max_bytes;
	s->seg_max = max_bytes / 8 < SEG_MIN ?
	    SEG_MIN :
	    (max_bytes / 8 > SEG_MAX ? SEG_MAX : max_bytes / 8);
	s->pend_max = max_bytes < PEND_MIN ?
	    PEND_MIN :
	    (max_bytes > PEND_MAX ? PEND_MAX : max_bytes);
	s->ptail = &s->phead;
	if (spool_recover(s, err, errlen) == -1) {
		spool_close(s);
		return NULL;
	}
	return s;
}

struct spool *
spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	int  fd;

	if (str_copy(buf, sizeof(buf), dir) == -1) {
		snprintf(err, errlen, "%.64s...: path too long", dir);
		return NULL;
	}
	/* the parents too, as mkdir -p */
	for (char *q = buf + 1; (q = strchr(q, '/')) != NULL; q++) {
		*q = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", buf, strerror(errno));
			return NULL;
		}
		*q = '/';
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", dir,
		    errno == ELOOP ? "a symbolic link, not a folder" :
				     strerror(errno));
		return NULL;
	}
	return spool_open_at(fd, dir, max_bytes, err, errlen);
}

void
spool_close(struct spool *s)
{
	if (s == NULL)
		return;
	if (s->phead != NULL && s->statefd != -1)
		spool_sync(s);
	if (s->statefd != -1 &&
	    (s->acked != s->acked_saved || s->hwm != s->hwm_saved) &&
	    state_write(s, 1) == 0)
		segs_trim(s);
	while (s->phead != NULL) {
		struct pend *p = s->phead;

		s->phead = p->next;
		free(p->json);
		free(p);
	}
	while (s->segs != NULL) {
		struct seg *g = s->segs;

		s->segs = g->next;
		free(g);
	}
	if (s->wfd != -1)
		close(s->wfd);
	if (s->statefd != -1)
		close(s->statefd);
	if (s->dirfd != -1)
		close(s->dirfd);
	free(s->dir);
	free(s);
}

const char *
spool_id(const struct spool *s)
{
	return s->id;
}

uint64_t
spool_next_seq(const struct spool *s)
{
	return s->next_seq;
}

uint64_t
spool_append(struct spool *s, char *json)
{
	struct pend *p = xcalloc(1, sizeof(*p));

	p->seq = s->next_seq++;
	p->json = json;
	p->len = strlen(json);
	*s->ptail = p;
	s->ptail = &p->next;
	s->npend++;
	s->pend_bytes += p->len;
	/* Bounded in memory too: the disk may stay full for long. */
	while (s->pend_bytes > s->pend_max && s->phead != NULL &&
	    s->phead->next != NULL) {
		struct pend *o = s->phead;

		s->phead = o->next;
		s->pend_bytes -= o->len;
		s->npend--;
		s->dropped++;
		if (s->dropped % 1000 == 1)
			log_warnx(
			    "spool: cannot write and %zu bytes wait in memory: dropped record seq %" PRIu64
			    " (%" PRIu64 " dropped so far)",
			    s->pend_bytes, o->seq, s->dropped);
		free(o->json);
		free(o);
	}
	return p->seq;
}

int
spool_has_unsynced(const struct spool *s)
{
	return s->phead != NULL;
}

static int
seg_new(struct spool *s, uint64_t first)
{
	struct seg *g, **tail;
	char	    name[32];

	seg_name(first, name, sizeof(name));
	s->wfd = spool_openat(s, name, O_WRONLY | O_CREAT | O_APPEND);
	if (s->wfd == -1)
		return -1;
	g = xcalloc(1, sizeof(*g));
	g->first = first;
	for (tail = &s->segs; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = g;
	if (s->cur_seg == NULL) {
		s->cur_seg = g;
		s->cur_off = 0;
	}
	return 0;
}

static struct seg *
seg_last(struct spool *s)
{
	struct seg *g = s->segs;

	while (g != NULL && g->next != NULL)
		g = g->next;
	return g;
}

int
spool_sync(struct spool *s)
{
	struct seg *g;
	char	   *buf = NULL;
	size_t	    cap = 0;
	int	    saved;

	while (s->phead != NULL) {
		size_t	     len = 0, count = 0;
		struct pend *p;

		g = seg_last(s);
		if (s->wfd == -1 || g == NULL || g->size >= s->seg_max) {
			if (s->wfd != -1)
				close(s->wfd);
			s->wfd = -1;
			if (seg_new(s, s->phead->seq) == -1)
				goto fail;
			g = seg_last(s);
		}
		/* One write per segment's worth of lines. */
		for (p = s->phead; p != NULL && g->size + len < s->seg_max;
		     p = p->next) {
			size_t need = p->len + 40;
			int    n;

			if (len + need > cap) {
				cap = (len + need) * 2;
				buf = xreallocarray(buf, cap, 1);
			}
			n = snprintf(buf + len + 9, cap - len - 9,
			    "%" PRIu64 " %s", p->seq, p->json);
			snprintf(buf + len, 9, "%08x",
			    spool_crc32(buf + len + 9, (size_t)n));
			buf[len + 8] = ' ';
			len += 9 + (size_t)n;
			buf[len++] = '\n';
			count++;
		}
		{
			ssize_t w = write(s->wfd, buf, len);

			saved = w == -1		? errno :
			    (size_t)w != len	? ENOSPC :
			    fsync(s->wfd) == -1 ? errno :
						  0;
		}
		if (saved != 0) {
			/* Cut back any partial line: the file stays whole. */
			if (ftruncate(s->wfd, (off_t)g->size) == -1)
				log_warn("spool: truncate");
			errno = saved;
			goto fail;
		}
		if (g->size == 0)
			fsync(s->dirfd);
		g->size += len;
		s->bytes += len;
		log_debug("spool: seq %" PRIu64 "..%" PRIu64 " durable",
		    s->phead->seq, s->phead->seq + count - 1);
		while (count-- > 0) {
			p = s->phead;
			g->last = s->durable = p->seq;
			s->phead = p->next;
			s->pend_bytes -= p->len;
			s->npend--;
			free(p->json);
			free(p);
		}
		if (s->phead == NULL)
			s->ptail = &s->phead;
	}
	free(buf);
	/* The high-water mark goes to the page cache now and to the disk
	 * with the next acknowledgement: a seq is never handed out twice,
	 * even when the end of the last segment is later found corrupt. */
	if (s->durable > s->hwm) {
		s->hwm = s->durable;
		state_write(s, 0);
	}
	if (s->disk_full) {
		log_info("spool: writing again");
		s->disk_full = 0;
	}
	segs_bound(s);
	return 0;
fail:
	saved = errno;
	free(buf);
	if (!s->disk_full)
		log_warnx("spool: cannot write to %s: %s%s; %" PRIu64
			  " records wait in memory, checks go on",
		    s->dir, strerror(saved),
		    saved == ENOSPC || saved == EFBIG || saved == EDQUOT ?
			" (the disk is full)" :
			"",
		    s->npend);
	s->disk_full = 1;
	/* Drop an empty segment we could not write to. */
	g = seg_last(s);
	if (g != NULL && g->size == 0) {
		struct seg **pp;

		for (pp = &s->segs; *pp != g; pp = &(*pp)->next)
			;
		*pp = NULL;
		if (s->cur_seg == g)
			s->cur_seg = NULL;
		if (s->wfd != -1)
			close(s->wfd);
		s->wfd = -1;
		seg_unlink(s, g);
		free(g);
	}
	return -1;
}

int
spool_peek(struct spool *s, size_t max_bytes, char **out, size_t *outlen,
    size_t *count, uint64_t *first, uint64_t *last)
{
	struct seg *g = s->cur_seg;
	uint64_t    off = s->cur_off;
	char	   *res = NULL, *buf = NULL;
	size_t	    rlen = 0, rcap = 0, n = 0;
	uint64_t    prev = s->acked; /* the cursor's lines are above it */
	int	    full = 0;

	s->peeked = 0;
	*out = NULL;
	while (g != NULL && !full) {
		char	name[32];
		size_t	want, got = 0, pos = 0;
		int	fd;
		ssize_t r;

		if (off >= g->size) {
			if (g->next == NULL)
				break; /* the cursor stays on the last one */
			g = g->next;
			off = 0;
			continue;
		}
		want = g->size - off;
		if (want > max_bytes + LINE_MAX_BYTES)
			want = max_bytes + LINE_MAX_BYTES;
		seg_name(g->first, name, sizeof(name));
		if ((fd = spool_openat(s, name, O_RDONLY)) == -1) {
			log_warn("spool: %s/%s", s->dir, name);
			break;
		}
		buf = xreallocarray(buf, want, 1);
		while (got < want &&
		    (r = pread(fd, buf + got, want - got, (off_t)(off + got))) >
			0)
			got += (size_t)r;
		close(fd);
		while (pos < got) {
			const char *json;
			size_t	    jlen, ln;
			uint64_t    seq;
			enum line   l;

			l = line_parse(buf + pos, got - pos, &ln, &seq, &json,
			    &jlen);
			if (l == LINE_SHORT)
				break;
			/* Skipped as on open (and counted then): a bad
			 * checksum, or a seq not above the line before. */
			if (l == LINE_BAD || seq <= prev || seq < g->first) {
				pos += ln;
				continue;
			}
			if (n > 0 && rlen + jlen + 1 > max_bytes) {
				full = 1;
				break;
			}
			if (rlen + jlen + 2 > rcap) {
				rcap = (rlen + jlen + 2) * 2;
				res = xreallocarray(res, rcap, 1);
			}
			if (n > 0)
				res[rlen++] = ',';
			memcpy(res + rlen, json, jlen);
			rlen += jlen;
			if (n == 0) {
				*first = seq;
				s->first_end_seg = g;
				s->first_end_off = off + pos + ln;
			}
			*last = prev = seq;
			n++;
			pos += ln;
		}
		if (pos < got && !full) {
			/* no newline in what was read */
			if (got - pos >= LINE_MAX_BYTES)
				pos = got; /* an over-long line, skipped */
			else if (off + got >= g->size || got < want) {
				log_warnx("spool: %s/%s: unfinished line at byte %" PRIu64
					  "; skipping the rest",
				    s->dir, name, off + pos);
				pos = (size_t)(g->size - off);
			}
		}
		off += pos;
	}
	free(buf);
	if (n == 0) {
		free(res);
		return -1;
	}
	res[rlen] = '\0';
	*out = res;
	*outlen = rlen;
	*count = n;
	s->peeked = 1;
	s->peek_seg = g;
	s->peek_off = off;
	s->peek_first = *first;
	s->peek_last = *last;
	return 0;
}

/*
 * Deliveries are recorded durably at most every ack_every_ms (three fsyncs
 * each): a crash in between only re-sends records the receiver already
 * has. Segments are deleted only after such a write, so the next seq
 * derived on open never goes back.
 */
static int
spool_ack_to(struct spool *s, struct seg *g, uint64_t off, uint64_t last)
{
	s->cur_seg = g;
	s->cur_off = off;
	if (last > s->acked)
		s->acked = last;
	s->peeked = 0;
	if (s->acked != s->acked_saved &&
	    now_mono_ms() - s->saved_ms >= s->ack_every_ms) {
		if (state_write(s, 1) == -1)
			return -1;
		segs_trim(s);
	}
	return 0;
}

int
spool_ack_peeked(struct spool *s)
{
	if (!s->peeked)
		return -1;
	return spool_ack_to(s, s->peek_seg, s->peek_off, s->peek_last);
}

int
spool_skip_first(struct spool *s)
{
	if (!s->peeked)
		return -1;
	s->dropped++;
	return spool_ack_to(s, s->first_end_seg, s->first_end_off,
	    s->peek_first);
}

void
spool_set_ack_every(struct spool *s, uint64_t ms)
{
	s->ack_every_ms = ms;
}

void
spool_stats(const struct spool *s, struct spool_stats *st)
{
	st->next_seq = s->next_seq;
	st->acked = s->acked;
	st->durable = s->durable;
	st->records =
	    (s->durable > s->acked ? s->durable - s->acked : 0) + s->npend;
	st->bytes = s->bytes;
	st->dropped = s->dropped;
	st->recovered_cut = s->recovered_cut;
	st->corrupt = s->corrupt;
	st->set_aside = s->set_aside;
	st->disk_full = s->disk_full;
}
