/*
 * store: RRD file names, definitions (data sources and archives), and the
 * create / last / update calls through librrd or the rrdcached client.
 *
 * Data sources are GAUGEs with a heartbeat of three steps, and at least
 * 20 minutes for checks (a target may be checked every 5 or 15 minutes
 * while the step follows the probes' default interval). Checks: up (0/1),
 * the phase times in ms, cert_days. Traffic: per-second rates (count of the
 * interval / interval_s) of packets and bytes per family, ICMPv6 Packet Too
 * Big, Destination Unreachable and kernel drops -- rates keep averages
 * meaningful whatever the capture interval of each probe; their heartbeat
 * is at least an hour, so that an interval longer than three steps (one
 * minute by default, the step often less) still fills the file.
 *
 * Archives (store_rras()): AVERAGE only, each as long as the longest window
 * the site reads from it plus an hour. At a step of 60 s: 1 step x 2 days
 * (availability's fine rows, the last hour's graph), 5 steps x 25 hours
 * (the day's graphs), 60 steps x 31 days and an hour (week and month
 * graphs, 30 days of availability, the summary's trend), 1440 steps x 5
 * years (the year's graphs, and the long record); traffic files have no
 * 1-step archive, nothing reads it. A check file is 327 KB (1.73 MB before),
 * a traffic file 212 KB (2.22 MB). Before, every archive had MIN and MAX
 * too, and 5 and 60 steps kept 14 and 62 days: no graph draws MIN or MAX
 * (a legend's min and max are those of the average drawn) and nothing read
 * the longer rows. No archive covers more than it did before, so librrd
 * picks the same archive for every read, and every graph and figure is
 * the same; rrdconv.c converts the files of the layout before.
 *
 * A file librrd cannot read as an RRD (truncated, a damaged header, not an
 * RRD at all) is moved aside as NAME.rrd.bad-<unix time> and a new one
 * started, so that one damaged file costs its own history, not every batch
 * that touches it (ingest would answer 503 and the probe re-send forever).
 * Other failures -- rrdcached unreachable, a file locked by a reader, no
 * permission -- may pass, and stay errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The file layout (rrd_format.h), for the undo record of an update. */
#define RRD_EXPORT_DEPRECATED
#include <rrd.h>
#include <rrd_client.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "util.h"

#define STORE_HEARTBEAT_STEPS 3
/* Least heartbeat of check files: the longest target interval stored. */
#define STORE_CHECK_HEARTBEAT_S 1200
/* Least heartbeat of traffic files: the longest capture interval stored. */
#define STORE_TRAFFIC_HEARTBEAT_S 3600
#define STORE_ARGS_MAX		  32
/* Longest librrd message kept. */
#define STORE_MSG_MAX 512
/* The undo record of the update in progress, under DATA_DIR (the folder
 * of the collector's own state, made by the collector or else here). */
#define STORE_UNDO_DIR	"state"
#define STORE_UNDO_FILE "state/rrd-undo"
/* Largest RRD header kept there (ours are about 5 KiB; 10 and 14 KiB in
 * the layout before). */
#define STORE_UNDO_MAX (1024 * 1024)

struct store {
	char	*data_dir;
	char	*rrdcached; /* NULL: librrd directly */
	int	 connected;
	int	 step_s;
	char	*args[2][STORE_ARGS_MAX]; /* create arguments per kind */
	int	 nargs[2];
	uint64_t lock_waits, lock_failures;
	uint64_t set_aside; /* damaged files moved aside */
	int	 undo_fd;   /* -1: not open (yet) */
	char	*undo;	    /* record buffer */
	size_t	 undo_cap;
};

/* Data sources: name, min, max. */
struct store_ds {
	const char *name, *min, *max;
};

static const struct store_ds check_ds[] = {{"up", "0", "1"}, {"dns", "0", "U"},
    {"connect", "0", "U"}, {"tls", "0", "U"}, {"ttfb", "0", "U"},
    {"total", "0", "U"}, {"cert_days", "U", "U"}};

static const struct store_ds traffic_ds[] = {{"pkts_ipv6", "0", "U"},
    {"pkts_ipv4", "0", "U"}, {"pkts_other", "0", "U"}, {"bytes_ipv6", "0", "U"},
    {"bytes_ipv4", "0", "U"}, {"bytes_other", "0", "U"}, {"ptb", "0", "U"},
    {"unreach", "0", "U"}, {"drops", "0", "U"}};

static const char *const check_ds_names[] = {"up", "dns", "connect", "tls",
    "ttfb", "total", "cert_days"};
static const char *const traffic_ds_names[] = {"pkts_ipv6", "pkts_ipv4",
    "pkts_other", "bytes_ipv6", "bytes_ipv4", "bytes_other", "ptb", "unreach",
    "drops"};

/*
 * Archives, finest first: steps per row, and the days each kept in the
 * layout before this one (AVERAGE, MIN and MAX of each). No archive keeps
 * more than that: librrd reads a window from the archive nearest the
 * resolution asked for among those that cover the whole window, so an
 * archive that covered more could be chosen where it was not before, and
 * a graph or a figure would change.
 */
static const struct {
	int steps, days;
} rras[] = {{1, 2}, {5, 14}, {60, 62}, {1440, 1827}};

/*
 * What the site reads, and so what the archives are sized for: a window
 * ending now, at a resolution of res_s seconds plus res_steps steps.
 * Graphs (graph.c): day to year at a row per period/300 (availability,
 * traffic) or per period/150 (times), and the last hour's availability;
 * availability (publish.c through avail.c): the last 2 days at one step and
 * 30 days at 60 steps; the summary file, which has the archives of a check
 * file (publish.c), 2 days at one step and 31 days at 60 steps. A change
 * there is a change here (test_rrdconv draws every graph from a file in the
 * old layout and from its conversion, and compares).
 */
#define DAY_S (86400LL)
static const struct store_read {
	unsigned  kinds; /* 1 << enum store_kind */
	long long window_s, res_s;
	int	  res_steps;
} reads[] = {
#define CHK  (1u << STORE_CHECK)
#define BOTH (1u << STORE_CHECK | 1u << STORE_TRAFFIC)
    {CHK, 3600, 3600 / 300, 0},
    {BOTH, DAY_S, DAY_S / 300, 0},
    {CHK, DAY_S, DAY_S / 150, 0},
    {BOTH, 7 * DAY_S, 7 * DAY_S / 300, 0},
    {CHK, 7 * DAY_S, 7 * DAY_S / 150, 0},
    {BOTH, 31 * DAY_S, 31 * DAY_S / 300, 0},
    {CHK, 31 * DAY_S, 31 * DAY_S / 150, 0},
    {BOTH, 365 * DAY_S, 365 * DAY_S / 300, 0},
    {CHK, 365 * DAY_S, 365 * DAY_S / 150, 0},
    {CHK, 2 * DAY_S, 0, 1},
    {CHK, 30 * DAY_S, 0, 60},
    {CHK, 31 * DAY_S, 0, 60},
#undef CHK
#undef BOTH
};

/* Rows beyond a read's window: records up to 300 s ahead of the clock,
 * a publish a little late. */
#define STORE_READ_SLACK_S 3600

const char *const *
store_ds_names(enum store_kind kind, size_t *n)
{
	if (kind == STORE_TRAFFIC) {
		*n = NELEM(traffic_ds_names);
		return traffic_ds_names;
	}
	*n = NELEM(check_ds_names);
	return check_ds_names;
}

/*
 * The archives of kind at step_s. Each read (reads[]) comes from the
 * archive librrd chose for it in the layout before (rras[]: nearest
 * resolution among those that cover the window, the first of equals, as
 * rrd_fetch_fn() does); that archive keeps the longest window read from it
 * plus STORE_READ_SLACK_S, never more than before, so that librrd's choice
 * stays the same and every row read is there. An archive nothing reads is
 * left out, but the coarsest: it keeps its five years, the long record.
 */
size_t
store_rras(enum store_kind kind, int step_s, struct store_rra *out)
{
	long long need[NELEM(rras)], span[NELEM(rras)], cap[NELEM(rras)];
	size_t	  n = 0;

	for (size_t r = 0; r < NELEM(rras); r++) {
		need[r] = 0;
		span[r] = (long long)rras[r].steps * (step_s > 0 ? step_s : 1);
		cap[r] = (rras[r].days * DAY_S + span[r] - 1) / span[r];
	}
	for (size_t i = 0; i < NELEM(reads); i++) {
		long long res = reads[i].res_s +
		    (long long)reads[i].res_steps * (step_s > 0 ? step_s : 1);
		long long best = -1;
		size_t	  a = 0;

		if ((reads[i].kinds & (1u << kind)) == 0)
			continue;
		for (size_t r = 0; r < NELEM(rras); r++) {
			long long d = llabs(res - span[r]);

			if (cap[r] * span[r] < reads[i].window_s)
				continue;
			if (best < 0 || d < best) {
				best = d;
				a = r;
			}
		}
		if (best >= 0 && reads[i].window_s > need[a])
			need[a] = reads[i].window_s;
	}
	for (size_t r = 0; r < NELEM(rras) && n < STORE_RRAS_MAX; r++) {
		long long rows = cap[r];

		if (r + 1 < NELEM(rras)) {
			if (need[r] == 0)
				continue;
			rows = (need[r] + STORE_READ_SLACK_S + span[r] - 1) /
			    span[r];
			if (rows > cap[r])
				rows = cap[r];
		}
		out[n].steps = rras[r].steps;
		out[n].rows = rows;
		n++;
	}
	return n;
}

static char *
store_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
store_strf(const char *fmt, ...)
{
	va_list ap;
	char   *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	return s;
}

static void
store_build_args(struct store *st, enum store_kind kind)
{
	const struct store_ds *ds = kind == STORE_CHECK ? check_ds : traffic_ds;
	size_t nds = kind == STORE_CHECK ? NELEM(check_ds) : NELEM(traffic_ds);
	struct store_rra rra[STORE_RRAS_MAX];
	size_t		 nrra;
	int		 n = 0, hb = STORE_HEARTBEAT_STEPS * st->step_s;

	if (kind == STORE_TRAFFIC && hb < STORE_TRAFFIC_HEARTBEAT_S)
		hb = STORE_TRAFFIC_HEARTBEAT_S;
	if (kind == STORE_CHECK && hb < STORE_CHECK_HEARTBEAT_S)
		hb = STORE_CHECK_HEARTBEAT_S;
	for (size_t i = 0; i < nds; i++)
		st->args[kind][n++] = store_strf("DS:%s:GAUGE:%d:%s:%s",
		    ds[i].name, hb, ds[i].min, ds[i].max);
	nrra = store_rras(kind, st->step_s, rra);
	for (size_t r = 0; r < nrra; r++)
		st->args[kind][n++] = store_strf("RRA:AVERAGE:%s:%d:%lld",
		    STORE_XFF, rra[r].steps, rra[r].rows);
	st->nargs[kind] = n;
}

/*
 * The undo record. librrd updates a file in place, through a shared
 * mapping: first the data sources' running state, then each archive's
 * running state, row pointer and new rows, and last of all the time of
 * the last update. A collector killed in between leaves a file whose rows
 * moved on while its last update did not; the probe, never answered,
 * sends the record again, its second update moves the rows on once more,
 * and from then on every older row shows the value of the step after its
 * own. So before each update through librrd, the file's header (all but
 * the rows) goes into DATA_DIR/state/rrd-undo, marked as in progress, and the
 * mark is cleared when librrd returns. At start a marked record is an
 * update that never finished: its header is written back, and the record,
 * when it comes again, is applied to the file as it was before. The rows
 * the cut-short update wrote lie past the row pointer, where that update
 * writes them again. No fsync: this is about the process dying, not the
 * machine (librrd does not sync its files either).
 */
struct store_undo_head {
	char	 magic[8]; /* STORE_UNDO_MAGIC: in progress; else zeros */
	uint32_t pathlen, len;
};
#define STORE_UNDO_MAGIC "v6wundo1"

/* Length of the header of the RRD whose static head is sh; 0: not one. */
static size_t
store_header_len(const stat_head_t *sh)
{
	unsigned long ds = sh->ds_cnt, rra = sh->rra_cnt;
	size_t	      len;

	if (memcmp(sh->cookie, RRD_COOKIE, sizeof(RRD_COOKIE)) != 0 ||
	    sh->float_cookie != FLOAT_COOKIE || ds == 0 || rra == 0 ||
	    ds > 4096 || rra > 4096 || sh->version[4] != '\0')
		return 0;
	len = sizeof(stat_head_t) + ds * sizeof(ds_def_t) +
	    rra * sizeof(rra_def_t) +
	    (atoi(sh->version) < 3 ? sizeof(time_t) : sizeof(live_head_t)) +
	    ds * sizeof(pdp_prep_t) + ds * rra * sizeof(cdp_prep_t) +
	    rra * sizeof(rra_ptr_t);
	return len <= STORE_UNDO_MAX ? len : 0;
}

static void
store_undo_path(const struct store *st, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", st->data_dir, STORE_UNDO_FILE);
}

/* The undo file cannot be written: said once, updates go on. */
static void
store_undo_broken(struct store *st, const char *what)
{
	char u[PATH_MAX];

	if (st->undo_fd == -2)
		return;
	store_undo_path(st, u, sizeof(u));
	log_warnx(
	    "%s: %s: %s; updates go on, but one cut short by a crash may shift the rows of its file -- check the folder's owner and free space",
	    u, what, strerror(errno));
	if (st->undo_fd >= 0)
		close(st->undo_fd);
	st->undo_fd = -2;
}

/* Before an update of path through librrd: keep its header, marked. */
static void
store_undo_begin(struct store *st, const char *path)
{
	struct store_undo_head h;
	stat_head_t	       sh;
	size_t		       pl = strlen(path), len, need;
	ssize_t		       n;
	int		       fd;

	if (st->undo_fd == -2)
		return;
	if (st->undo_fd == -1) {
		char u[PATH_MAX];

		store_undo_path(st, u, sizeof(u));
		st->undo_fd = open(u, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (st->undo_fd == -1 && errno == ENOENT) {
			char d[PATH_MAX];

			snprintf(d, sizeof(d), "%s/%s", st->data_dir,
			    STORE_UNDO_DIR);
			if (mkdir(d, 0750) == 0 || errno == EEXIST)
				st->undo_fd =
				    open(u, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		}
		if (st->undo_fd == -1) {
			store_undo_broken(st, "open");
			return;
		}
	}
	/* No file, or no RRD: librrd says so, and nothing is written. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if (pread(fd, &sh, sizeof(sh), 0) != (ssize_t)sizeof(sh) ||
	    (len = store_header_len(&sh)) == 0) {
		close(fd);
		return;
	}
	need = sizeof(h) + pl + len;
	if (need > st->undo_cap) {
		st->undo = xreallocarray(st->undo, need, 1);
		st->undo_cap = need;
	}
	memset(&h, 0, sizeof(h));
	h.pathlen = (uint32_t)pl;
	h.len = (uint32_t)len;
	memcpy(st->undo, &h, sizeof(h));
	memcpy(st->undo + sizeof(h), path, pl);
	n = pread(fd, st->undo + sizeof(h) + pl, len, 0);
	close(fd);
	if (n != (ssize_t)len)
		return;
	/* The record first, then its mark: a half-written one is unmarked. */
	if (pwrite(st->undo_fd, st->undo, need, 0) != (ssize_t)need ||
	    pwrite(st->undo_fd, STORE_UNDO_MAGIC, sizeof(h.magic), 0) !=
		(ssize_t)sizeof(h.magic))
		store_undo_broken(st, "write");
}

/* librrd returned: the update is whole, or never began. */
static void
store_undo_end(struct store *st)
{
	static const char zero[8];

	if (st->undo_fd >= 0 &&
	    pwrite(st->undo_fd, zero, sizeof(zero), 0) != (ssize_t)sizeof(zero))
		store_undo_broken(st, "write");
}

/*
 * 1 when the file at fd has the data sources and archives of the header
 * hdr (a valid one): the part of the header an update never changes.
 */
static int
store_undo_fits(int fd, const unsigned char *hdr)
{
	const stat_head_t *sh = (const stat_head_t *)(const void *)hdr;
	size_t n = sizeof(stat_head_t) + sh->ds_cnt * sizeof(ds_def_t) +
	    sh->rra_cnt * sizeof(rra_def_t);
	unsigned char *cur = xmalloc(n);
	int	       fits;

	fits = pread(fd, cur, n, 0) == (ssize_t)n && memcmp(cur, hdr, n) == 0;
	free(cur);
	return fits;
}

/*
 * At start: an update marked in progress was cut short; put the header of
 * its file back as it was before it -- unless the file is another one now
 * (converted to other archives since: rrdconv.c).
 */
static void
store_undo_recover(struct store *st)
{
	struct store_undo_head h;
	char		       u[PATH_MAX], path[PATH_MAX];
	unsigned char	      *hdr = NULL;
	int		       fd;
	struct stat	       sb;

	store_undo_path(st, u, sizeof(u));
	if ((st->undo_fd = open(u, O_RDWR | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			store_undo_broken(st, "open");
		return;
	}
	if (pread(st->undo_fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, STORE_UNDO_MAGIC, sizeof(h.magic)) != 0)
		return;
	if (h.pathlen == 0 || h.pathlen >= sizeof(path) ||
	    h.len < sizeof(stat_head_t) || h.len > STORE_UNDO_MAX ||
	    pread(st->undo_fd, path, h.pathlen, sizeof(h)) !=
		(ssize_t)h.pathlen) {
		log_warnx("%s: unreadable record of an update in progress; ignored",
		    u);
		goto done;
	}
	path[h.pathlen] = '\0';
	hdr = xmalloc(h.len);
	if (pread(st->undo_fd, hdr, h.len, sizeof(h) + h.pathlen) !=
		(ssize_t)h.len ||
	    store_header_len((const stat_head_t *)(void *)hdr) != h.len) {
		log_warnx(
		    "%s: unreadable record of the update of %s in progress; ignored",
		    u, path);
		goto done;
	}
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			log_warn("rrd %s: an update was cut short, and its header cannot be put back: open",
			    path);
		goto done;
	}
	if (!store_undo_fits(fd, hdr)) /* another file now (converted) */
		log_warnx(
		    "rrd %s: an update was cut short, but the file has other archives now; its header stays",
		    path);
	else if (fstat(fd, &sb) == -1 || sb.st_size < (off_t)h.len ||
	    pwrite(fd, hdr, h.len, 0) != (ssize_t)h.len)
		log_warn("rrd %s: an update was cut short, and its header cannot be put back",
		    path);
	else
		log_warnx(
		    "rrd %s: the collector stopped in the middle of an update of this file: its header is back as before that update, whose record is stored when the probe sends it again",
		    path);
	close(fd);
done:
	free(hdr);
	store_undo_end(st);
}

struct store *
store_new(const char *data_dir, int step_s, const char *rrdcached)
{
	struct store *st = xcalloc(1, sizeof(*st));

	st->data_dir = xstrdup(data_dir);
	st->rrdcached = rrdcached != NULL ? xstrdup(rrdcached) : NULL;
	st->step_s = step_s;
	store_build_args(st, STORE_CHECK);
	store_build_args(st, STORE_TRAFFIC);
	st->undo_fd = -1;
	store_undo_recover(st);
	return st;
}

void
store_free(struct store *st)
{
	if (st == NULL)
		return;
	if (st->connected)
		rrdc_disconnect();
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < st->nargs[k]; i++)
			free(st->args[k][i]);
	if (st->undo_fd >= 0)
		close(st->undo_fd);
	free(st->undo);
	free(st->data_dir);
	free(st->rrdcached);
	free(st);
}

int
store_name_encode(const char *name, char *out, size_t size)
{
	int n;

	if (size > STORE_NAME_MAX + 1)
		size = STORE_NAME_MAX + 1;
	n = pct_encode(name, "_-.", PCT_ENCODE_NO_LEADING_DOT, out, size);
	return n > 0 ? 0 : -1;
}

int
store_path(const struct store *st, const char *probe, const char *name,
    enum store_kind kind, enum family fam, char *out, size_t size)
{
	char ep[STORE_NAME_MAX + 1], en[STORE_NAME_MAX + 1];
	int  n;

	if (store_name_encode(probe, ep, sizeof(ep)) == -1 ||
	    store_name_encode(name, en, sizeof(en)) == -1)
		return -1;
	n = snprintf(out, size, "%s/rrd/%s/%s.%s.rrd", st->data_dir, ep, en,
	    kind == STORE_TRAFFIC ? "traffic" : family_name(fam));
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

/*
 * librrd's message about the call that returned rc, into buf: what
 * rrd_get_error() says, else what rc says (the rrdc_* calls return an
 * errno value, ENOBUFS for a request over the client's 4096 bytes, without
 * setting a message). Never empty.
 */
static const char *
store_rrd_error(int rc, char *buf, size_t size)
{
	const char *e = rrd_test_error() ? rrd_get_error() : NULL;

	if (e != NULL && e[0] != '\0')
		snprintf(buf, size, "%s", e);
	else if (rc == ENOBUFS)
		snprintf(buf, size,
		    "the request does not fit the rrdcached client's 4096-byte buffer (path too long?)");
	else if (rc > 0)
		snprintf(buf, size, "rrdcached client: %s", strerror(rc));
	else
		snprintf(buf, size, "librrd failed without a reason (%d)", rc);
	return buf;
}

static int
store_connect(struct store *st, char *err, size_t errlen)
{
	char msg[STORE_MSG_MAX];
	int  rc;

	if (st->connected && rrdc_is_connected(st->rrdcached))
		return 0;
	st->connected = 0;
	rrd_clear_error();
	rc = rrdc_connect(st->rrdcached);
	if (rc != 0 || !rrdc_is_connected(st->rrdcached)) {
		snprintf(err, errlen, "rrdcached %s: %s", st->rrdcached,
		    rc == 0 && !rrd_test_error() ?
			"the client did not connect (is the address right?)" :
			store_rrd_error(rc, msg, sizeof(msg)));
		return -1;
	}
	st->connected = 1;
	return 0;
}

/*
 * After a failed rrdc_* call: 1 when the connection is gone (the client
 * closes it on socket errors), so that one reconnect and retry is worth it.
 */
static int
store_lost(struct store *st)
{
	if (rrdc_is_connected(st->rrdcached))
		return 0;
	st->connected = 0;
	return 1;
}

/*
 * 1 when librrd's msg about path says the file is no readable RRD: librrd
 * 1.7's words for a short or damaged header, a file shorter than its
 * header says, a file that is not an RRD, or one from another architecture
 * or a version it cannot read; rrdcached passes them on inside its own
 * message. An empty file fails in mmap() with EINVAL. Everything else --
 * rrdcached unreachable, "could not lock RRD", permissions -- is not.
 */
static int
store_damaged(const char *path, const char *msg)
{
	static const char *const words[] = {"' is not an RRD file",
	    "reached EOF while loading header", "' is too small (should be ",
	    "This RRD was created on another architecture",
	    "can't handle RRD file version"};
	struct stat		 sb;

	for (size_t i = 0; i < NELEM(words); i++)
		if (strstr(msg, words[i]) != NULL)
			return 1;
	return strstr(msg, "mmaping file") != NULL && stat(path, &sb) == 0 &&
	    S_ISREG(sb.st_mode) && sb.st_size == 0;
}

/*
 * Move the damaged file at path aside as path.bad-<unix time> (never over
 * an earlier one) and log it with librrd's msg. rrdcached first forgets
 * what it holds for the file: those values cannot be written into it.
 */
static int
store_set_aside(struct store *st, const char *path, const char *msg, char *err,
    size_t errlen)
{
	char	  bad[PATH_MAX];
	long long now = (long long)time(NULL);
	int	  n, rc = -1;

	if (st->rrdcached != NULL && store_connect(st, err, errlen) == 0) {
		rrd_clear_error();
		rrdc_forget(path); /* fails when nothing is cached: fine */
		rrd_clear_error();
	}
	for (int i = 0; i < 100 && rc == -1; i++) {
		n = i == 0 ?
		    snprintf(bad, sizeof(bad), "%s.bad-%lld", path, now) :
		    snprintf(bad, sizeof(bad), "%s.bad-%lld.%d", path, now, i);
		if (n < 0 || (size_t)n >= sizeof(bad)) {
			snprintf(err, errlen,
			    "%s: damaged (%s), and too long a path to move aside",
			    path, msg);
			return -1;
		}
		rc = renameat2(AT_FDCWD, path, AT_FDCWD, bad, RENAME_NOREPLACE);
		if (rc == -1 && errno == EINVAL) { /* no NOREPLACE here */
			struct stat sb;

			if (lstat(bad, &sb) == 0)
				continue;
			rc = rename(path, bad);
		}
		if (rc == -1 && errno != EEXIST)
			break;
	}
	if (rc == -1) {
		snprintf(err, errlen,
		    "%s: damaged (%s), and cannot be moved aside: %s; move or remove it by hand",
		    path, msg, strerror(errno));
		return -1;
	}
	dir_sync_of(path);
	st->set_aside++;
	log_warnx(
	    "rrd %s: damaged (%s): moved aside as %s; a new file starts with the next record",
	    path, msg, bad);
	return 0;
}

int
store_last(struct store *st, const char *path, int64_t *last, char *err,
    size_t errlen)
{
	struct stat sb;
	time_t	    t = -1;
	char	    msg[STORE_MSG_MAX];

	if (stat(path, &sb) == -1) {
		if (errno == ENOENT) {
			*last = -1;
			return 0;
		}
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if (st->rrdcached != NULL &&
		    store_connect(st, err, errlen) == -1)
			return -1;
		rrd_clear_error();
		t = st->rrdcached != NULL ? rrdc_last(path) : rrd_last_r(path);
		if (t != -1 || st->rrdcached == NULL || !store_lost(st))
			break;
	}
	if (t == -1) {
		store_rrd_error(-1, msg, sizeof(msg));
		if (store_damaged(path, msg)) {
			if (store_set_aside(st, path, msg, err, errlen) == -1)
				return -1;
			*last = -1; /* as if it had never been */
			return 0;
		}
		snprintf(err, errlen, "last update of %s: %s", path, msg);
		return -1;
	}
	*last = t;
	return 0;
}

/* mkdir -p of the folders between data_dir and path's file. */
static int
store_mkdirs(const struct store *st, const char *path, char *err, size_t errlen)
{
	char   dir[PATH_MAX];
	size_t base = strlen(st->data_dir);

	if (str_copy(dir, sizeof(dir), path) == -1) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	for (char *p = dir + base + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "mkdir %s: %s", dir,
			    strerror(errno));
			return -1;
		}
		*p = '/';
	}
	return 0;
}

int
store_create(struct store *st, const char *path, enum store_kind kind,
    int64_t start, char *err, size_t errlen)
{
	const char **argv = (const char **)st->args[kind];
	char	     msg[STORE_MSG_MAX];
	int	     rc = -1;

	if (store_mkdirs(st, path, err, errlen) == -1)
		return -1;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (st->rrdcached != NULL &&
		    store_connect(st, err, errlen) == -1)
			return -1;
		rrd_clear_error();
		if (st->rrdcached != NULL)
			rc = rrdc_create(path, (unsigned long)st->step_s,
			    (time_t)start, 1, st->nargs[kind], argv);
		else
			rc = rrd_create_r2(path, (unsigned long)st->step_s,
			    (time_t)start, 1, NULL, NULL, st->nargs[kind],
			    argv);
		if (rc == 0 || st->rrdcached == NULL || !store_lost(st))
			break;
	}
	if (rc != 0) {
		snprintf(err, errlen, "create %s: %s", path,
		    store_rrd_error(rc, msg, sizeof(msg)));
		return -1;
	}
	return 0;
}

/* librrd's error when the file is locked by another process. */
static int
store_locked(void)
{
	const char *e = rrd_test_error() ? rrd_get_error() : NULL;

	return e != NULL && strstr(e, "could not lock") != NULL;
}

/*
 * One update through rrdcached (reconnecting once) or librrd: 0, -1 with
 * librrd's words in msg -- or, when rrdcached could not be reached, with msg
 * empty and the whole error in err -- or STORE_AGAIN when librrd found the
 * file locked by a reader (msg says so).
 */
static int
store_update_once(struct store *st, const char *path, const char *value,
    char *msg, size_t msglen, char *err, size_t errlen)
{
	const char *argv[1] = {value};
	int	    rc = -1;

	msg[0] = '\0';
	for (int attempt = 0; attempt < 2; attempt++) {
		if (st->rrdcached != NULL &&
		    store_connect(st, err, errlen) == -1)
			return -1;
		rrd_clear_error();
		if (st->rrdcached != NULL)
			rc = rrdc_update(path, 1, argv);
		else {
			store_undo_begin(st, path);
			rc = rrd_update_r(path, NULL, 1, argv);
			store_undo_end(st);
		}
		if (rc == 0 || st->rrdcached == NULL || !store_lost(st))
			break;
	}
	if (rc == 0)
		return 0;
	store_rrd_error(rc, msg, msglen);
	return st->rrdcached == NULL && store_locked() ? STORE_AGAIN : -1;
}

/*
 * A reader holds the lock of path (librrd's fetch, and so every graph,
 * takes a read lock -- fcntl F_SETLK, F_RDLCK -- for as long as it reads
 * one file, a millisecond or less, and its update asks for the write lock
 * without waiting; the publisher reads every file in a forked process
 * while ingest writes them). Nothing waits here: STORE_AGAIN with the
 * delay of the next try (1, 2, 4 ... 256 ms, about a second in all: a
 * reader preempted on a busy machine holds its lock longer than it
 * reads), or -1 once STORE_LOCK_TRIES tries found the file locked.
 */
static int
store_update_locked(struct store *st, const char *path, const char *msg,
    unsigned tries, uint64_t *retry_ms, char *err, size_t errlen)
{
	if (tries == 0)
		st->lock_waits++;
	if (retry_ms != NULL && tries + 1 < STORE_LOCK_TRIES) {
		*retry_ms = STORE_LOCK_DELAY_MS(tries);
		return STORE_AGAIN;
	}
	st->lock_failures++;
	snprintf(err, errlen, "update %s: %s", path, msg);
	return -1;
}

/* The kind of a file, from the suffix store_path() gave it. */
static enum store_kind
store_path_kind(const char *path)
{
	static const char traffic[] = ".traffic.rrd";
	size_t		  n = strlen(path);

	return n >= sizeof(traffic) - 1 &&
		strcmp(path + n - (sizeof(traffic) - 1), traffic) == 0 ?
	    STORE_TRAFFIC :
	    STORE_CHECK;
}

int
store_update(struct store *st, const char *path, const char *value,
    unsigned tries, uint64_t *retry_ms, char *err, size_t errlen)
{
	char	  msg[STORE_MSG_MAX];
	char	 *end;
	long long t;
	int	  rc;

	rc = store_update_once(st, path, value, msg, sizeof(msg), err, errlen);
	if (rc == 0)
		return 0;
	if (rc == STORE_AGAIN)
		return store_update_locked(st, path, msg, tries, retry_ms, err,
		    errlen);
	if (msg[0] == '\0') /* rrdcached unreachable: err says so */
		return -1;
	errno = 0;
	t = strtoll(value, &end, 10);
	if (!store_damaged(path, msg) || errno != 0 || end == value ||
	    *end != ':') {
		snprintf(err, errlen, "update %s: %s", path, msg);
		return -1;
	}
	/* A new file from this record on: it starts just before it. */
	if (store_set_aside(st, path, msg, err, errlen) == -1 ||
	    store_create(st, path, store_path_kind(path), t - 1, err, errlen) ==
		-1)
		return -1;
	rc = store_update_once(st, path, value, msg, sizeof(msg), err, errlen);
	if (rc == 0)
		return 0;
	if (rc == STORE_AGAIN) /* the new file: its update goes on from here */
		return store_update_locked(st, path, msg, tries, retry_ms, err,
		    errlen);
	if (msg[0] != '\0')
		snprintf(err, errlen,
		    "update %s (new, the damaged file moved aside): %s", path,
		    msg);
	return -1;
}

int
store_release(struct store *st, const char *path, char *err, size_t errlen)
{
	char msg[STORE_MSG_MAX];
	int  rc;

	if (st->rrdcached == NULL)
		return 0;
	if (store_connect(st, err, errlen) == -1)
		return -1;
	rrd_clear_error();
	rc = rrdc_flush(path);
	if (rc == 0)
		rc = rrdc_forget(path);
	/* A file rrdcached holds nothing of is no error. */
	if (rc != 0 && rc != ENOENT && rrd_test_error() &&
	    strstr(rrd_get_error(), "No such file") == NULL &&
	    strstr(rrd_get_error(), "not found") == NULL) {
		snprintf(err, errlen, "rrdcached %s: %s: %s", st->rrdcached,
		    path, store_rrd_error(rc, msg, sizeof(msg)));
		(void)store_lost(st);
		return -1;
	}
	return 0;
}

const char *
store_data_dir(const struct store *st)
{
	return st->data_dir;
}

int
store_flush(struct store *st, const char *path, char *err, size_t errlen)
{
	char msg[STORE_MSG_MAX];
	int  rc = -1;

	if (st->rrdcached == NULL)
		return 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (store_connect(st, err, errlen) == -1)
			return -1;
		rrd_clear_error();
		rc = rrdc_flush(path);
		if (rc == 0 || !store_lost(st))
			break;
	}
	if (rc != 0) {
		snprintf(err, errlen, "rrdcached %s: flush %s: %s",
		    st->rrdcached, path, store_rrd_error(rc, msg, sizeof(msg)));
		return -1;
	}
	return 0;
}

uint64_t
store_set_aside_count(const struct store *st)
{
	return st->set_aside;
}

void
store_lock_counts(const struct store *st, uint64_t *waits, uint64_t *failures)
{
	*waits = st->lock_waits;
	*failures = st->lock_failures;
}

/*
 * Append ":v" with prec (0..3) decimals, or ":U" when not known, to out.
 * Fixed point through integers: this runs for every value of every record,
 * and printf's floating-point conversion is the slow part of it.
 */
static int
store_add(char *out, size_t size, size_t *n, double v, int known, int prec)
{
	static const long long scale[] = {1, 10, 100, 1000};
	long long	       x;
	int		       w;

	if (!known)
		w = snprintf(out + *n, size - *n, ":U");
	else {
		/* a rate of 10^15 packets over 0.001 s: no long long holds
		 * it, and llround() would give garbage rrdtool refuses */
		if (!(fabs(v) * (double)scale[prec] < (double)LLONG_MAX))
			return -1;
		x = llround(fabs(v) * (double)scale[prec]);
		if (prec == 0)
			w = snprintf(out + *n, size - *n, ":%s%lld",
			    v < 0 && x != 0 ? "-" : "", x);
		else
			w = snprintf(out + *n, size - *n, ":%s%lld.%0*lld",
			    v < 0 && x != 0 ? "-" : "", x / scale[prec], prec,
			    x % scale[prec]);
	}
	if (w < 0 || (size_t)w >= size - *n)
		return -1;
	*n += (size_t)w;
	return 0;
}

int
store_format(const struct result *r, int64_t t, char *out, size_t size)
{
	size_t n;
	int    w;

	w = snprintf(out, size, "%lld", (long long)t);
	if (w < 0 || (size_t)w >= size)
		return -1;
	n = (size_t)w;
	if (r->kind == RESULT_TRAFFIC) {
		const struct result_traffic *tr = &r->traffic;
		double			     iv = tr->interval_s;
		const uint64_t *counts[] = {&tr->packets[0], &tr->packets[1],
		    &tr->packets[2], &tr->bytes[0], &tr->bytes[1],
		    &tr->bytes[2], &tr->ptb, &tr->unreach, &tr->drops};

		for (size_t i = 0; i < NELEM(counts); i++)
			if (store_add(out, size, &n,
				iv > 0 ? (double)*counts[i] / iv : 0, iv > 0,
				3) == -1)
				return -1;
		return 0;
	}
	if (store_add(out, size, &n, r->outcome == OUTCOME_OK, 1, 0) == -1)
		return -1;
	for (int p = 0; p < PHASE__N; p++)
		if (store_add(out, size, &n, r->ms[p], r->ms[p] >= 0, 1) == -1)
			return -1;
	return store_add(out, size, &n, r->cert_days_left, r->has_cert, 0);
}
