/*
 * rrdconv: the conversion of RRD files to the store's layout (rrdconv.h).
 * It works on librrd's file format (rrd_format.h) directly, as the store's
 * undo record does. librrd's own way -- rrd_create_r2() with a source file,
 * rrdtool create --source -- is not lossless: it fills each new row from
 * every archive that covers its time, so a row the old file left unknown
 * (too few steps known) becomes known from a finer archive, and it starts
 * every row still being consolidated afresh, losing what today's row, this
 * hour's and these five minutes' had gathered. A copy of the rows and of
 * that state loses neither.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RRD_EXPORT_DEPRECATED
#include <rrd.h>

#include "log.h"
#include "rrdconv.h"
#include "util.h"

/* The first read of a file, enough for the definitions of ours (3 KiB). */
#define RRDCONV_PEEK 4096
/* Bounds of what is taken for an RRD at all. */
#define RRDCONV_DS_MAX	 256
#define RRDCONV_RRA_MAX	 256
#define RRDCONV_ROWS_MAX (64L * 1024 * 1024)
#define RRDCONV_FILE_MAX ((size_t)256 * 1024 * 1024)
/* Tries of the read lock of a file being written, RRDCONV_LOCK_WAIT_MS
 * apart (librrd holds its lock for one update). */
#define RRDCONV_LOCK_TRIES   200
#define RRDCONV_LOCK_WAIT_MS 5

/* A file's image in memory, its parts located. */
struct rrdconv_rrd {
	const stat_head_t *sh;
	const ds_def_t	  *ds;
	const rra_def_t	  *rra;
	const live_head_t *live;
	const pdp_prep_t  *pdp;
	const cdp_prep_t  *cdp;
	const rra_ptr_t	  *ptr;
	const rrd_value_t *val;
	size_t		   defs_len; /* stat_head, ds_def and rra_def */
	size_t		   head_len; /* all but the rows */
	size_t		   len;	     /* the whole file */
};

/*
 * Locate the definitions in the len bytes at buf: 0, -1 with err, or 1
 * when more than len bytes are needed for them (r->defs_len).
 */
static int
rrdconv_parse_defs(const unsigned char *buf, size_t len, struct rrdconv_rrd *r,
    char *err, size_t errlen)
{
	const stat_head_t *sh = (const void *)buf;
	unsigned long	   nds, nrra;
	size_t		   rows = 0;

	memset(r, 0, sizeof(*r));
	if (len < sizeof(stat_head_t) ||
	    memcmp(sh->cookie, RRD_COOKIE, sizeof(RRD_COOKIE)) != 0) {
		snprintf(err, errlen, "not an RRD file");
		return -1;
	}
	if (strcmp(sh->version, RRD_VERSION3) != 0 &&
	    strcmp(sh->version, RRD_VERSION4) != 0 &&
	    strcmp(sh->version, RRD_VERSION5) != 0) {
		snprintf(err, errlen,
		    "RRD format version %.4s: only versions 3 to 5 are converted",
		    sh->version);
		return -1;
	}
	if (sh->float_cookie != FLOAT_COOKIE) {
		snprintf(err, errlen, "made on another architecture");
		return -1;
	}
	nds = sh->ds_cnt;
	nrra = sh->rra_cnt;
	if (nds == 0 || nds > RRDCONV_DS_MAX || nrra == 0 ||
	    nrra > RRDCONV_RRA_MAX || sh->pdp_step == 0 ||
	    sh->pdp_step > 86400UL * 366) {
		snprintf(err, errlen,
		    "a header of %lu data sources, %lu archives and a step of %lu s is not one of the store's",
		    nds, nrra, sh->pdp_step);
		return -1;
	}
	r->sh = sh;
	r->defs_len = sizeof(stat_head_t) + nds * sizeof(ds_def_t) +
	    nrra * sizeof(rra_def_t);
	r->head_len = r->defs_len + sizeof(live_head_t) +
	    nds * sizeof(pdp_prep_t) + nds * nrra * sizeof(cdp_prep_t) +
	    nrra * sizeof(rra_ptr_t);
	if (len < r->defs_len)
		return 1;
	r->ds = (const void *)(buf + sizeof(stat_head_t));
	r->rra =
	    (const void *)(buf + sizeof(stat_head_t) + nds * sizeof(ds_def_t));
	for (unsigned long i = 0; i < nrra; i++) {
		if (r->rra[i].row_cnt == 0 ||
		    r->rra[i].row_cnt > RRDCONV_ROWS_MAX ||
		    r->rra[i].pdp_cnt == 0) {
			snprintf(err, errlen,
			    "archive %lu has %lu rows of %lu steps: damaged", i,
			    r->rra[i].row_cnt, r->rra[i].pdp_cnt);
			return -1;
		}
		rows += r->rra[i].row_cnt;
	}
	if (rows > RRDCONV_ROWS_MAX) {
		snprintf(err, errlen, "%zu rows in all: not one of the store's",
		    rows);
		return -1;
	}
	r->len = r->head_len + rows * nds * sizeof(rrd_value_t);
	if (r->len > RRDCONV_FILE_MAX) {
		snprintf(err, errlen,
		    "%zu bytes by its header: larger than any of the store's",
		    r->len);
		return -1;
	}
	return 0;
}

/* Locate the rest of a whole file of len bytes at buf (defs parsed). */
static int
rrdconv_parse_rest(const unsigned char *buf, size_t len, struct rrdconv_rrd *r,
    char *err, size_t errlen)
{
	unsigned long nds = r->sh->ds_cnt, nrra = r->sh->rra_cnt;
	size_t	      off = r->defs_len;

	if (len != r->len) {
		snprintf(err, errlen,
		    "%zu bytes where its header says %zu: damaged", len,
		    r->len);
		return -1;
	}
	r->live = (const void *)(buf + off);
	off += sizeof(live_head_t);
	r->pdp = (const void *)(buf + off);
	off += nds * sizeof(pdp_prep_t);
	r->cdp = (const void *)(buf + off);
	off += nds * nrra * sizeof(cdp_prep_t);
	r->ptr = (const void *)(buf + off);
	off += nrra * sizeof(rra_ptr_t);
	r->val = (const void *)(buf + off);
	for (unsigned long i = 0; i < nrra; i++)
		if (r->ptr[i].cur_row >= r->rra[i].row_cnt) {
			snprintf(err, errlen,
			    "archive %lu points past its rows: damaged", i);
			return -1;
		}
	return 0;
}

/* 1 when r's archives are want's, n of them. */
static int
rrdconv_is_current(const struct rrdconv_rrd *r, const struct store_rra *want,
    size_t n)
{
	if (r->sh->rra_cnt != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(r->rra[i].cf_nam, "AVERAGE") != 0 ||
		    r->rra[i].pdp_cnt != (unsigned long)want[i].steps ||
		    r->rra[i].row_cnt != (unsigned long)want[i].rows)
			return 0;
	return 1;
}

/* The AVERAGE archive of steps steps per row with the most rows; -1. */
static int
rrdconv_source(const struct rrdconv_rrd *r, int steps)
{
	int best = -1;

	for (unsigned long i = 0; i < r->sh->rra_cnt; i++)
		if (strcmp(r->rra[i].cf_nam, "AVERAGE") == 0 &&
		    r->rra[i].pdp_cnt == (unsigned long)steps &&
		    (best < 0 || r->rra[i].row_cnt > r->rra[best].row_cnt))
			best = (int)i;
	return best;
}

/*
 * The new file: o's data sources, step and state, the archives want (n,
 * each filled from o's archive src[i]): its newest rows, oldest first, the
 * row pointer on the last; rows older than o kept are unknown. Caller
 * frees; its length in *lenp.
 */
static unsigned char *
rrdconv_build(const struct rrdconv_rrd *o, const struct store_rra *want,
    const int *src, size_t n, size_t *lenp)
{
	size_t	       nds = o->sh->ds_cnt, rows = 0, head, len;
	unsigned char *b, *p;
	stat_head_t   *sh;
	rra_def_t     *rd;
	cdp_prep_t    *cd;
	rra_ptr_t     *rp;
	rrd_value_t   *v;

	for (size_t i = 0; i < n; i++)
		rows += (size_t)want[i].rows;
	head = sizeof(stat_head_t) + nds * sizeof(ds_def_t) +
	    n * sizeof(rra_def_t) + sizeof(live_head_t) +
	    nds * sizeof(pdp_prep_t) + n * nds * sizeof(cdp_prep_t) +
	    n * sizeof(rra_ptr_t);
	len = head + rows * nds * sizeof(rrd_value_t);
	p = b = xcalloc(1, len);
	sh = (void *)p;
	memcpy(sh, o->sh, sizeof(*sh));
	sh->rra_cnt = n;
	p += sizeof(*sh);
	memcpy(p, o->ds, nds * sizeof(ds_def_t));
	p += nds * sizeof(ds_def_t);
	rd = (void *)p;
	for (size_t i = 0; i < n; i++) {
		rd[i] = o->rra[src[i]];
		rd[i].row_cnt = (unsigned long)want[i].rows;
	}
	p += n * sizeof(rra_def_t);
	memcpy(p, o->live, sizeof(live_head_t));
	p += sizeof(live_head_t);
	memcpy(p, o->pdp, nds * sizeof(pdp_prep_t));
	p += nds * sizeof(pdp_prep_t);
	cd = (void *)p;
	for (size_t i = 0; i < n; i++)
		memcpy(cd + i * nds, o->cdp + (size_t)src[i] * nds,
		    nds * sizeof(cdp_prep_t));
	p += n * nds * sizeof(cdp_prep_t);
	rp = (void *)p;
	for (size_t i = 0; i < n; i++)
		rp[i].cur_row = (unsigned long)want[i].rows - 1;
	p += n * sizeof(rra_ptr_t);
	v = (void *)p;
	for (size_t i = 0; i < n; i++) {
		size_t m = o->rra[src[i]].row_cnt, cur = o->ptr[src[i]].cur_row;
		size_t base = 0, nr = (size_t)want[i].rows;

		for (int j = 0; j < src[i]; j++)
			base += o->rra[j].row_cnt;
		for (size_t k = 0; k < nr; k++) {
			size_t age = nr - 1 - k; /* rows newer than this one */

			if (age < m)
				memcpy(v + k * nds,
				    o->val + (base + (cur + m - age) % m) * nds,
				    nds * sizeof(rrd_value_t));
			else
				for (size_t d = 0; d < nds; d++)
					v[k * nds + d] = NAN;
		}
		v += nr * nds;
	}
	*lenp = len;
	return b;
}

/* Read-lock fd as librrd does, waiting a little for a writer. */
static int
rrdconv_lock(int fd)
{
	struct flock fl;

	for (int i = 0; i < RRDCONV_LOCK_TRIES; i++) {
		struct timespec ts = {0, RRDCONV_LOCK_WAIT_MS * 1000000L};

		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_RDLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return 0;
		if (errno != EACCES && errno != EAGAIN)
			return -1;
		nanosleep(&ts, NULL);
	}
	errno = EAGAIN;
	return -1;
}

/* Read len bytes at off: 0, or -1 (errno 0: the file is shorter). */
static int
rrdconv_read(int fd, unsigned char *buf, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t r = pread(fd, buf, len, off);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == 0)
			errno = 0;
		if (r <= 0)
			return -1;
		buf += r;
		len -= (size_t)r;
		off += r;
	}
	return 0;
}

/*
 * Write the len bytes at b to tmp (a leftover there removed first), with
 * the mode and owner of sb, and sync it. 0, or -1 with err (tmp removed).
 */
static int
rrdconv_write(const char *tmp, const unsigned char *b, size_t len,
    const struct stat *sb, char *err, size_t errlen)
{
	const char *what = "create";
	int	    fd;

	if (unlink(tmp) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "remove %s: %s", tmp, strerror(errno));
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		snprintf(err, errlen, "create %s: %s", tmp, strerror(errno));
		return -1;
	}
	if ((sb->st_uid != geteuid() || sb->st_gid != getegid()) &&
	    fchown(fd, sb->st_uid, sb->st_gid) == -1) {
		snprintf(err, errlen,
		    "owned by uid %u gid %u, and its new file cannot be (%s): convert it as that user, or chown it to the collector's",
		    (unsigned)sb->st_uid, (unsigned)sb->st_gid,
		    strerror(errno));
		goto fail_quiet;
	}
	what = "chmod";
	if (fchmod(fd, sb->st_mode & 07777) == -1)
		goto fail;
	what = "write";
	while (len > 0) {
		ssize_t w = write(fd, b, len);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			goto fail;
		b += w;
		len -= (size_t)w;
	}
	what = "fsync";
	if (fsync(fd) == -1)
		goto fail;
	what = "close";
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "%s %s: %s", what, tmp, strerror(errno));
fail_quiet:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

enum rrdconv_result
rrdconv_file(struct store *st, const char *path, enum store_kind kind,
    struct rrdconv_counts *c, char *err, size_t errlen)
{
	struct store_rra    want[STORE_RRAS_MAX];
	struct rrdconv_rrd  r;
	struct stat	    sb;
	unsigned char	   *buf = NULL, *nb = NULL;
	char		    tmp[PATH_MAX], msg[512];
	size_t		    n, peek, nlen = 0;
	int		    src[STORE_RRAS_MAX], fd, rc;
	enum rrdconv_result res = RRDCONV_FAILED;
	time_t		    last;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "open: %s", strerror(errno));
		return RRDCONV_FAILED;
	}
	if (fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "fstat: %s", strerror(errno));
		goto done;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s, not a regular file",
		    file_kind(sb.st_mode));
		goto done;
	}
	/* The definitions: enough to tell the file's layout. */
	peek = (size_t)sb.st_size < RRDCONV_PEEK ? (size_t)sb.st_size :
						   RRDCONV_PEEK;
	buf = xmalloc(peek > 0 ? peek : 1);
	if (rrdconv_read(fd, buf, peek, 0) == -1) {
		snprintf(err, errlen, "read: %s",
		    errno != 0 ? strerror(errno) : "short");
		goto done;
	}
	rc = rrdconv_parse_defs(buf, peek, &r, err, errlen);
	if (rc == 1 && r.defs_len <= (size_t)sb.st_size) {
		peek = r.defs_len;
		buf = xreallocarray(buf, peek, 1);
		if (rrdconv_read(fd, buf, peek, 0) == -1) {
			snprintf(err, errlen, "read: %s",
			    errno != 0 ? strerror(errno) : "short");
			goto done;
		}
		rc = rrdconv_parse_defs(buf, peek, &r, err, errlen);
	}
	if (rc != 0) {
		if (rc == 1)
			snprintf(err, errlen,
			    "shorter than its header: damaged");
		goto done;
	}
	n = store_rras(kind, (int)r.sh->pdp_step, want);
	if (rrdconv_is_current(&r, want, n)) {
		res = RRDCONV_CURRENT;
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if ((src[i] = rrdconv_source(&r, want[i].steps)) < 0) {
			snprintf(err, errlen,
			    "it has no AVERAGE archive of %d steps a row: not a file of the store's",
			    want[i].steps);
			goto done;
		}
	if (snprintf(tmp, sizeof(tmp), "%s%s", path, RRDCONV_SUFFIX) >=
	    (int)sizeof(tmp)) {
		snprintf(err, errlen, "path too long");
		goto done;
	}
	/* What rrdcached holds goes into the file before it is read, and
	 * nothing writes it until it is replaced. rrdcached keeps no file
	 * open between two writes (1.7 opens the path for each), so the
	 * next one goes into the new file. */
	if (store_flush(st, path, err, errlen) == -1)
		goto done;
	if (rrdconv_lock(fd) == -1) {
		snprintf(err, errlen, "cannot lock it: %s",
		    errno == EAGAIN ?
			"written all the time (is the collector running?)" :
			strerror(errno));
		goto done;
	}
	if (fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "fstat: %s", strerror(errno));
		goto done;
	}
	free(buf);
	buf = xmalloc((size_t)sb.st_size > 0 ? (size_t)sb.st_size : 1);
	if (rrdconv_read(fd, buf, (size_t)sb.st_size, 0) == -1) {
		snprintf(err, errlen, "read: %s",
		    errno != 0 ? strerror(errno) : "short");
		goto done;
	}
	/* The same file (the same inode, open since), parsed again: the
	 * whole of it now. */
	rc = rrdconv_parse_defs(buf, (size_t)sb.st_size, &r, err, errlen);
	if (rc == 1)
		snprintf(err, errlen, "shorter than its header: damaged");
	if (rc != 0 ||
	    rrdconv_parse_rest(buf, (size_t)sb.st_size, &r, err, errlen) != 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		if ((src[i] = rrdconv_source(&r, want[i].steps)) < 0) {
			snprintf(err, errlen, "its archives changed");
			goto done;
		}
	nb = rrdconv_build(&r, want, src, n, &nlen);
	if (rrdconv_write(tmp, nb, nlen, &sb, err, errlen) == -1)
		goto done;
	/* librrd reads it back as the file it was. */
	rrd_clear_error();
	if ((last = rrd_last_r(tmp)) != r.live->last_up) {
		snprintf(err, errlen, "%s does not read back (%s)", tmp,
		    rrd_test_error() ? rrd_get_error() : "another last update");
		unlink(tmp);
		goto done;
	}
	if (rename(tmp, path) == -1) {
		snprintf(msg, sizeof(msg), "%s", strerror(errno));
		unlink(tmp);
		snprintf(err, errlen, "rename %s: %s", tmp, msg);
		goto done;
	}
	c->bytes_before += (uint64_t)sb.st_size;
	c->bytes_after += nlen;
	res = RRDCONV_CONVERTED;
done:
	close(fd); /* and the lock with it */
	free(buf);
	free(nb);
	return res;
}

/* A file name ending in suffix (and more than it). */
static int
rrdconv_ends(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return n > s && strcmp(name + n - s, suffix) == 0;
}

static void
rrdconv_failed(struct rrdconv_counts *c, const char *path, const char *err)
{
	if (c->failed++ < RRDCONV_LOG_MAX)
		log_warnx(
		    "rrd %s: not converted to the current layout (%s); it stays as it is",
		    path, err);
}

/* One file of the folder dir. */
static int
rrdconv_one(struct store *st, const char *dir, const char *name,
    struct rrdconv_counts *c)
{
	char path[PATH_MAX], err[PATH_MAX + 512];
	int  n = snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(path)) {
		rrdconv_failed(c, dir, "a file name too long in this folder");
		return 0;
	}
	if (rrdconv_ends(name, ".rrd" RRDCONV_SUFFIX)) {
		/* Cut short before its rename: the original is whole. */
		if (unlink(path) == 0)
			c->leftovers++;
		else if (errno != ENOENT)
			rrdconv_failed(c, path, strerror(errno));
		return 0;
	}
	if (!rrdconv_ends(name, ".rrd"))
		return 0;
	c->files++;
	switch (rrdconv_file(st, path,
	    rrdconv_ends(name, ".traffic.rrd") ? STORE_TRAFFIC : STORE_CHECK, c,
	    err, sizeof(err))) {
	case RRDCONV_CONVERTED:
		c->converted++;
		log_debug("rrd %s: converted to the current layout", path);
		return 1;
	case RRDCONV_CURRENT:
		c->current++;
		break;
	case RRDCONV_FAILED:
		rrdconv_failed(c, path, err);
		break;
	}
	return 0;
}

static int
rrdconv_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The names in dir (sorted; the folder changes while it is converted),
 * into *names; their number, or -1 with errno.
 */
static ssize_t
rrdconv_list(const char *dir, char ***names)
{
	DIR	      *d = opendir(dir);
	struct dirent *e;
	size_t	       n = 0, cap = 0;

	*names = NULL;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			*names = xreallocarray(*names, cap, sizeof(**names));
		}
		(*names)[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(*names, n, sizeof(**names), rrdconv_cmp);
	return (ssize_t)n;
}

static void
rrdconv_names_free(char **names, ssize_t n)
{
	for (ssize_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Every file of the probe folder dir; its renames synced at the end. */
static void
rrdconv_folder(struct store *st, const char *dir, struct rrdconv_counts *c)
{
	char  **names, any[PATH_MAX + 8];
	ssize_t n = rrdconv_list(dir, &names);
	int	renamed = 0;

	if (n == -1) {
		rrdconv_failed(c, dir, strerror(errno));
		return;
	}
	/* Leftovers first, counted before a new run writes over them. */
	for (ssize_t i = 0; i < n; i++)
		if (rrdconv_ends(names[i], ".rrd" RRDCONV_SUFFIX))
			rrdconv_one(st, dir, names[i], c);
	for (ssize_t i = 0; i < n; i++)
		if (!rrdconv_ends(names[i], ".rrd" RRDCONV_SUFFIX))
			renamed |= rrdconv_one(st, dir, names[i], c);
	rrdconv_names_free(names, n);
	snprintf(any, sizeof(any), "%s/.", dir);
	if (renamed && dir_sync_of(any) == -1)
		log_warn("rrd %s: fsync of the folder", dir);
}

void
rrdconv_summary(const struct rrdconv_counts *c, char *out, size_t size)
{
	snprintf(out, size,
	    "%zu RRD files converted to the current layout in %.1f s (%.1f ms each): %llu bytes before, %llu after (%.1f MiB -> %.1f MiB); %zu already in it, %zu not converted, %zu leftovers of a conversion cut short removed",
	    c->converted, c->seconds,
	    c->converted > 0 ? c->seconds * 1000 / (double)c->converted : 0.0,
	    (unsigned long long)c->bytes_before,
	    (unsigned long long)c->bytes_after,
	    (double)c->bytes_before / (1024.0 * 1024),
	    (double)c->bytes_after / (1024.0 * 1024), c->current, c->failed,
	    c->leftovers);
}

int
rrdconv_run(struct store *st, struct rrdconv_counts *cp)
{
	struct rrdconv_counts local = {0}, *c = cp != NULL ? cp : &local;
	const char	     *base = store_data_dir(st);
	char		      dir[PATH_MAX], sub[PATH_MAX], line[1024];
	char		    **names;
	ssize_t		      n;
	uint64_t	      t0 = now_mono_us();
	struct stat	      sb;

	memset(c, 0, sizeof(*c));
	if (snprintf(dir, sizeof(dir), "%s/rrd", base) >= (int)sizeof(dir)) {
		rrdconv_failed(c, base, "path too long");
		return -1;
	}
	n = rrdconv_list(dir, &names);
	if (n == -1 && errno != ENOENT)
		rrdconv_failed(c, dir, strerror(errno));
	for (ssize_t i = 0; i < n; i++) {
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]) >=
			(int)sizeof(sub) ||
		    lstat(sub, &sb) == -1 || !S_ISDIR(sb.st_mode))
			continue;
		rrdconv_folder(st, sub, c);
	}
	rrdconv_names_free(names, n);
	/* The summary, and what a conversion of it cut short left. */
	rrdconv_one(st, base, "summary.rrd" RRDCONV_SUFFIX, c);
	if (snprintf(sub, sizeof(sub), "%s/summary.rrd", base) <
		(int)sizeof(sub) &&
	    lstat(sub, &sb) == 0 && rrdconv_one(st, base, "summary.rrd", c) &&
	    dir_sync_of(sub) == -1)
		log_warn("rrd %s: fsync of the folder", base);
	c->seconds = (double)(now_mono_us() - t0) / 1e6;
	if (c->failed > RRDCONV_LOG_MAX)
		log_warnx("rrd: %zu more files not converted (not named)",
		    c->failed - RRDCONV_LOG_MAX);
	if (c->converted > 0 || c->failed > 0 || c->leftovers > 0) {
		rrdconv_summary(c, line, sizeof(line));
		log_info("rrd: %s", line);
	} else
		log_debug("rrd: %zu files, all in the current layout",
		    c->current);
	return c->failed > 0 ? -1 : 0;
}
