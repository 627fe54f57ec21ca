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
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "spool.h"
#include "util.h"

#define SEG_MIN	       (64u << 10)
#define SEG_MAX	       (4u << 20)
#define LINE_MAX_BYTES (1u << 20) /* a longer line is corrupt */
#define PEND_MIN       (1u << 20)
#define PEND_MAX       (16u << 20)

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
	uint64_t     max_bytes, seg_max, pend_max;
	struct seg  *segs;
	int	     wfd; /* the last segment, open to append */
	uint64_t     next_seq, acked, durable;
	uint64_t     bytes, dropped, recovered_cut;
	struct pend *phead, **ptail;
	size_t	     pend_bytes;
	uint64_t     npend;
	int	     disk_full;
	uint64_t     acked_saved;  /* what the acked file says */
	uint64_t     saved_ms;	   /* when it was last written */
	uint64_t     ack_every_ms; /* at most this often (0: every ack) */
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
seg_path(const struct spool *s, uint64_t first, char *buf, size_t len)
{
	snprintf(buf, len, "%s/seg-%016" PRIx64 ".log", s->dir, first);
}

/*
 * Parse one line at p (n bytes available). Returns its length including
 * the newline, 0 when incomplete or corrupt; *seq and the JSON span out.
 */
static size_t
line_parse(const char *p, size_t n, uint64_t *seq, const char **json,
    size_t *jlen)
{
	const char *nl =
	    memchr(p, '\n', n < LINE_MAX_BYTES ? n : LINE_MAX_BYTES);
	char	 crcbuf[9], *end;
	uint32_t crc;

	if (nl == NULL || nl - p < 12 || p[8] != ' ')
		return 0;
	memcpy(crcbuf, p, 8);
	crcbuf[8] = '\0';
	crc = (uint32_t)strtoul(crcbuf, &end, 16);
	if (end != crcbuf + 8)
		return 0;
	if (spool_crc32(p + 9, (size_t)(nl - p - 9)) != crc)
		return 0;
	errno = 0;
	*seq = strtoull(p + 9, &end, 10);
	if (errno != 0 || end == p + 9 || *end != ' ' || *seq == 0)
		return 0;
	*json = end + 1;
	*jlen = (size_t)(nl - end - 1);
	return (size_t)(nl - p) + 1;
}

static int
acked_write(struct spool *s)
{
	char path[PATH_MAX], buf[32];
	int  n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", s->acked);

	snprintf(path, sizeof(path), "%s/acked", s->dir);
	if (file_write_atomic(path, buf, (size_t)n, 0600) == -1) {
		log_warn("spool: %s", path);
		return -1;
	}
	s->acked_saved = s->acked;
	s->saved_ms = now_mono_ms();
	return 0;
}

static void
seg_unlink(struct spool *s, struct seg *g)
{
	char path[PATH_MAX];

	seg_path(s, g->first, path, sizeof(path));
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("spool: %s", path);
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
	if (s->segs != NULL && s->dirfd != -1)
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
			log_warnx("spool: over %" PRIu64 " KiB: dropped the "
				  "%" PRIu64 " oldest undelivered records "
				  "(seq %" PRIu64 "..%" PRIu64 ")",
			    s->max_bytes >> 10, lost,
			    g->first > s->acked ? g->first : s->acked + 1,
			    g->last);
			s->dropped += lost;
		}
		if (g->last > s->acked)
			s->acked = g->last;
		seg_pop(s);
		acked_write(s);
	}
}

/* Scan a segment file; cut a torn or corrupt tail. -1 when unusable. */
static int
seg_recover(struct spool *s, struct seg *g, int is_last)
{
	char	 path[PATH_MAX], *buf = NULL;
	size_t	 len, off = 0;
	uint64_t prev = 0;

	seg_path(s, g->first, path, sizeof(path));
	if (file_read(path, (size_t)SEG_MAX * 4, &buf, &len) == -1) {
		log_warn("spool: %s", path);
		return -1;
	}
	g->last = 0;
	while (off < len) {
		const char *json;
		size_t	    jlen, n;
		uint64_t    seq;

		n = line_parse(buf + off, len - off, &seq, &json, &jlen);
		if (n == 0 || seq <= prev || (prev == 0 && seq != g->first))
			break;
		if (seq > s->acked && s->cur_seg == NULL) {
			s->cur_seg = g;
			s->cur_off = off;
		}
		prev = g->last = seq;
		off += n;
	}
	free(buf);
	if (off < len) {
		log_warnx("spool: %s: %s line at byte %zu cut off (%zu bytes)",
		    path, is_last ? "torn last" : "corrupt", off, len - off);
		s->recovered_cut += len - off;
		if (truncate(path, (off_t)off) == -1) {
			log_warn("spool: truncate %s", path);
			return -1;
		}
	}
	g->size = off;
	if (g->last == 0) {
		unlink(path);
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

static int
spool_recover(struct spool *s, char *err, size_t errlen)
{
	struct seg   **v = NULL, **tail = &s->segs;
	size_t	       n = 0, cap = 0;
	struct dirent *de;
	char	       path[PATH_MAX], *text = NULL;
	DIR	      *d;

	snprintf(path, sizeof(path), "%s/acked", s->dir);
	if (file_read(path, 64, &text, NULL) == 0) {
		long long a;

		text[strcspn(text, "\n")] = '\0';
		if (parse_int(text, 0, INT64_MAX, &a) == -1) {
			snprintf(err, errlen, "%s: not a sequence number",
			    path);
			free(text);
			return -1;
		}
		s->acked = (uint64_t)a;
		free(text);
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((d = opendir(s->dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", s->dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		uint64_t first;
		char	*end;

		if (strncmp(de->d_name, "seg-", 4) != 0)
			continue;
		errno = 0;
		first = strtoull(de->d_name + 4, &end, 16);
		if (errno != 0 || strcmp(end, ".log") != 0 ||
		    end != de->d_name + 20 || first == 0)
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
		if (seg_recover(s, v[i], i == n - 1) == -1 ||
		    v[i]->first <= s->durable) {
			if (s->cur_seg == v[i])
				s->cur_seg = NULL;
			free(v[i]);
			continue;
		}
		s->durable = v[i]->last;
		s->bytes += v[i]->size;
		*tail = v[i];
		tail = &v[i]->next;
	}
	free(v);
	s->next_seq = (s->durable > s->acked ? s->durable : s->acked) + 1;
	s->acked_saved = s->acked;
	segs_trim(s);
	return 0;
}

struct spool *
spool_open(const char *dir, uint64_t max_bytes, char *err, size_t errlen)
{
	struct spool *s = xcalloc(1, sizeof(*s));

	s->dir = xstrdup(dir);
	s->wfd = -1;
	s->max_bytes = max_bytes;
	s->seg_max = max_bytes / 8 < SEG_MIN ?
	    SEG_MIN :
	    (max_bytes / 8 > SEG_MAX ? SEG_MAX : max_bytes / 8);
	s->pend_max = max_bytes < PEND_MIN ?
	    PEND_MIN :
	    (max_bytes > PEND_MAX ? PEND_MAX : max_bytes);
	s->ptail = &s->phead;
	/* the parents too, as mkdir -p */
	for (char *q = s->dir + 1; (q = strchr(q, '/')) != NULL; q++) {
		*q = '\0';
		if (mkdir(s->dir, 0755) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", s->dir,
			    strerror(errno));
			*q = '/';
			goto fail;
		}
		*q = '/';
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if ((s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if (spool_recover(s, err, errlen) == -1)
		goto fail;
	return s;
fail:
	spool_close(s);
	return NULL;
}

void
spool_close(struct spool *s)
{
	if (s == NULL)
		return;
	if (s->phead != NULL && s->dirfd != -1)
		spool_sync(s);
	if (s->acked != s->acked_saved && s->dirfd != -1 && acked_write(s) == 0)
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
	if (s->dirfd != -1)
		close(s->dirfd);
	free(s->dir);
	free(s);
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
			log_warnx("spool: cannot write and %zu bytes wait in "
				  "memory: dropped record seq %" PRIu64
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
	char	    path[PATH_MAX];

	seg_path(s, first, path, sizeof(path));
	s->wfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
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
		log_warnx("spool: cannot write to %s: %s; %" PRIu64 " records "
			  "wait in memory, checks go on",
		    s->dir, strerror(saved), s->npend);
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
	int	    full = 0;

	s->peeked = 0;
	*out = NULL;
	while (g != NULL && !full) {
		char	path[PATH_MAX];
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
		seg_path(s, g->first, path, sizeof(path));
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
			log_warn("spool: %s", path);
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

			ln = line_parse(buf + pos, got - pos, &seq, &json,
			    &jlen);
			if (ln == 0)
				break;
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
			*last = seq;
			n++;
			pos += ln;
		}
		off += pos;
		if (pos < got && !full) {
			log_warnx("spool: seg %" PRIx64 ": unreadable line at "
				  "byte %" PRIu64 "; skipping the rest",
			    g->first, off);
			off = g->size;
		}
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
		if (acked_write(s) == -1)
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
	st->disk_full = s->disk_full;
}
