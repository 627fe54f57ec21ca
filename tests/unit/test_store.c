/*
 * test_store: RRD file names (percent-encoding is injective and never
 * escapes the folder), update strings, and create / update / last through
 * the real librrd in a temporary folder, and through a real rrdcached; a
 * damaged file (truncated, not an RRD, empty) is moved aside and started
 * anew, while a locked file or an unreachable rrdcached stays an error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir.h"
#include <dlfcn.h>
/* The file layout (rrd_format.h), to cut an update short as a crash does. */
#define RRD_EXPORT_DEPRECATED
#include <rrd.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "collector/store.h"
#include "util.h"

static void
test_encode(void **state)
{
	char out[STORE_NAME_MAX + 1];

	(void)state;
	assert_int_equal(store_name_encode("portal-1.a_b", out, sizeof(out)),
	    0);
	assert_string_equal(out, "portal-1.a_b");
	assert_int_equal(store_name_encode(".", out, sizeof(out)), 0);
	assert_string_equal(out, "%2E");
	assert_int_equal(store_name_encode("..", out, sizeof(out)), 0);
	assert_string_equal(out, "%2E.");
	assert_int_equal(store_name_encode("../../etc/passwd", out,
			     sizeof(out)),
	    0);
	assert_string_equal(out, "%2E.%2F..%2Fetc%2Fpasswd");
	assert_int_equal(store_name_encode("a%2Fb", out, sizeof(out)), 0);
	assert_string_equal(out, "a%252Fb");
	assert_int_equal(store_name_encode("dịch vụ", out, sizeof(out)), 0);
	assert_string_equal(out, "d%E1%BB%8Bch%20v%E1%BB%A5");
	assert_int_equal(store_name_encode("", out, sizeof(out)), -1);
	/* 67 bytes that each need 3: 201 > STORE_NAME_MAX */
	assert_int_equal(store_name_encode(
			     "//////////////////////////////////////////////////"
			     "/////////////////",
			     out, sizeof(out)),
	    -1);
	assert_int_equal(store_name_encode("abc", out, 3), -1);
}

/* Decode an encoded name (the inverse): proves the encoding injective on
 * the names tried. */
static void
decode(const char *in, char *out)
{
	while (*in != '\0') {
		if (*in == '%') {
			unsigned v;

			assert_int_equal(sscanf(in + 1, "%2X", &v), 1);
			*out++ = (char)v;
			in += 3;
		} else
			*out++ = *in++;
	}
	*out = '\0';
}

static void
test_encode_injective(void **state)
{
	static const char *const names[] = {"a", "A", ".a", "%2Ea", "a.", "a/b",
	    "a%2Fb", "a%252Fb", "..", "...", "%", "%25", " ", "a b", "a\\b",
	    "a:b", "UPPER", "upper", "x.ipv6", "x.ipv6.ipv4", "~", "\xff",
	    "\xc3\xa9", "e\xcc\x81"};
	char enc[NELEM(names)][STORE_NAME_MAX + 1], back[256];

	(void)state;
	for (size_t i = 0; i < NELEM(names); i++) {
		assert_int_equal(store_name_encode(names[i], enc[i],
				     sizeof(enc[i])),
		    0);
		assert_null(strchr(enc[i], '/'));
		assert_true(enc[i][0] != '.');
		decode(enc[i], back);
		assert_string_equal(back, names[i]);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(enc[i], enc[j]);
	}
}

static void
test_path(void **state)
{
	struct store *st = store_new("/data", 60, NULL);
	char	      p[PATH_MAX];

	(void)state;
	assert_int_equal(store_path(st, "p1", "portal", STORE_CHECK,
			     FAMILY_IPV6, p, sizeof(p)),
	    0);
	assert_string_equal(p, "/data/rrd/p1/portal.ipv6.rrd");
	assert_int_equal(store_path(st, "p1", "../x", STORE_CHECK, FAMILY_IPV4,
			     p, sizeof(p)),
	    0);
	assert_string_equal(p, "/data/rrd/p1/%2E.%2Fx.ipv4.rrd");
	assert_int_equal(store_path(st, "p1", "eth0", STORE_TRAFFIC,
			     FAMILY_IPV6, p, sizeof(p)),
	    0);
	assert_string_equal(p, "/data/rrd/p1/eth0.traffic.rrd");
	assert_int_equal(store_path(st, "p1", "portal", STORE_CHECK,
			     FAMILY_IPV6, p, 10),
	    -1);
	store_free(st);
}

static void
test_format(void **state)
{
	struct result r;
	char	      v[STORE_VALUE_MAX];

	(void)state;
	result_init(&r);
	r.outcome = OUTCOME_OK;
	r.ms[PHASE_DNS] = 2.14;
	r.ms[PHASE_CONNECT] = 10;
	r.has_cert = 1;
	r.cert_days_left = -3;
	assert_int_equal(store_format(&r, 1764480000, v, sizeof(v)), 0);
	assert_string_equal(v, "1764480000:1:2.1:10.0:U:U:U:-3");
	r.outcome = OUTCOME_TIMEOUT;
	r.has_cert = 0;
	assert_int_equal(store_format(&r, 1764480060, v, sizeof(v)), 0);
	assert_string_equal(v, "1764480060:0:2.1:10.0:U:U:U:U");
	assert_int_equal(store_format(&r, 1764480060, v, 12), -1);

	result_init(&r);
	r.kind = RESULT_TRAFFIC;
	r.traffic.interval_s = 60;
	r.traffic.packets[0] = 600;
	r.traffic.bytes[1] = 6;
	r.traffic.ptb = 3;
	assert_int_equal(store_format(&r, 1764480000, v, sizeof(v)), 0);
	assert_string_equal(v,
	    "1764480000:10.000:0.000:0.000:0.000:0.100:0.000:0.050:0.000:"
	    "0.000");
	r.traffic.interval_s = 0;
	assert_int_equal(store_format(&r, 1764480000, v, sizeof(v)), 0);
	assert_string_equal(v, "1764480000:U:U:U:U:U:U:U:U:U");
	/* a rate past any long long: refused, not a value rrdtool refuses
	 * (which made ingest answer 503 to every retry of the batch) */
	r.traffic.interval_s = 0.001;
	r.traffic.packets[0] = 999999999999999ULL;
	assert_int_equal(store_format(&r, 1764480000, v, sizeof(v)), -1);
}

static void
test_rrd_files(void **state)
{
	struct store *st = store_new(tmpdir, 60, NULL);
	char	      p[PATH_MAX], err[512];
	int64_t	      last;
	unsigned long nds = 0;
	char	    **names = NULL, **vals = NULL;
	time_t	      t;
	struct stat   sb;
	size_t	      n;

	(void)state;
	assert_int_equal(store_path(st, "p1", "a/b", STORE_CHECK, FAMILY_IPV6,
			     p, sizeof(p)),
	    0);
	assert_int_equal(store_last(st, p, &last, err, sizeof(err)), 0);
	assert_int_equal(last, -1);
	assert_int_equal(store_create(st, p, STORE_CHECK, 1764479999, err,
			     sizeof(err)),
	    0);
	assert_int_equal(stat(p, &sb), 0);
	/* It does not overwrite. */
	assert_int_equal(store_create(st, p, STORE_CHECK, 1764479999, err,
			     sizeof(err)),
	    -1);
	assert_int_equal(store_last(st, p, &last, err, sizeof(err)), 0);
	assert_int_equal(last, 1764479999);
	assert_int_equal(store_update(st, p, "1764480000:1:2.1:10:U:U:U:87", 0,
			     NULL, err, sizeof(err)),
	    0);
	assert_int_equal(store_last(st, p, &last, err, sizeof(err)), 0);
	assert_int_equal(last, 1764480000);
	/* The same second again: librrd's own message. */
	assert_int_equal(store_update(st, p, "1764480000:1:2:3:U:U:U:87", 0,
			     NULL, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "minimum one second step"));
	assert_int_equal(rrd_lastupdate_r(p, &t, &nds, &names, &vals), 0);
	assert_int_equal(t, 1764480000);
	assert_int_equal(nds, 7);
	assert_string_equal(names[0], "up");
	assert_string_equal(vals[0], "1");
	assert_string_equal(names[6], "cert_days");
	assert_string_equal(vals[6], "87");
	for (unsigned long i = 0; i < nds; i++) {
		rrd_freemem(names[i]);
		rrd_freemem(vals[i]);
	}
	rrd_freemem(names);
	rrd_freemem(vals);
	assert_string_equal(store_ds_names(STORE_TRAFFIC, &n)[8], "drops");
	assert_int_equal(n, 9);

	/* A path that is not an RRD file: moved aside, as if never there. */
	snprintf(p, sizeof(p), "%s/not.rrd", tmpdir);
	assert_int_equal(file_write_atomic(p, "junk", 4, 0600), 0);
	assert_int_equal(store_last(st, p, &last, err, sizeof(err)), 0);
	assert_int_equal(last, -1);
	assert_int_equal(stat(p, &sb), -1);
	store_free(st);
}

/* A target checked every 5 minutes while the step is a minute: the
 * values land in the file (the heartbeat of check files is 20 minutes). */
static void
test_slow_target(void **state)
{
	struct store *st = store_new(tmpdir, 60, NULL);
	char	      p[PATH_MAX], err[512];
	time_t	      start = 1764480000 - 60, end = 1764480000 + 1200;
	unsigned long step = 60, nds = 0;
	char	    **names = NULL;
	rrd_value_t  *data = NULL;
	int	      known = 0, up = 0;

	(void)state;
	assert_int_equal(store_path(st, "p1", "slow", STORE_CHECK, FAMILY_IPV6,
			     p, sizeof(p)),
	    0);
	assert_int_equal(store_create(st, p, STORE_CHECK, 1764479999, err,
			     sizeof(err)),
	    0);
	for (int i = 0; i <= 4; i++) {
		char v[64];

		snprintf(v, sizeof(v), "%d:1:1:1:1:1:2:90",
		    1764480000 + 300 * i);
		assert_int_equal(store_update(st, p, v, 0, NULL, err,
				     sizeof(err)),
		    0);
	}
	assert_int_equal(rrd_fetch_r(p, "AVERAGE", &start, &end, &step, &nds,
			     &names, &data),
	    0);
	for (time_t t = start; t < end; t += (time_t)step) {
		rrd_value_t u = data[(t - start) / (time_t)step * nds];

		if (!isnan(u)) {
			known++;
			up += u == 1.0;
		}
	}
	/* every minute from the first update on is known and up */
	assert_true(known >= 19);
	assert_int_equal(up, known);
	for (unsigned long i = 0; i < nds; i++)
		rrd_freemem(names[i]);
	rrd_freemem(names);
	rrd_freemem(data);
	store_free(st);
}

/*
 * The collector killed in the middle of an update through librrd. librrd
 * updates a file in place (a shared mapping), the time of the last update
 * last of all: a process killed just before that leaves a file whose rows
 * and row pointers moved on while its last update did not. This wrapper of
 * the real rrd_update_r() leaves just that file behind: when cut_short is
 * set it lets librrd update, writes the time of the last update back as it
 * was, and dies by SIGKILL before returning.
 */
static int cut_short;

int
rrd_update_r(const char *filename, const char *tmplt, int argc,
    const char **argv)
{
	static int (*real)(const char *, const char *, int, const char **);
	stat_head_t sh;
	live_head_t lh;
	off_t	    off;
	int	    fd, rc;

	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "rrd_update_r");
	assert_non_null(real);
	if (!cut_short)
		return real(filename, tmplt, argc, argv);
	assert_true((fd = open(filename, O_RDWR)) >= 0);
	assert_int_equal(pread(fd, &sh, sizeof(sh), 0), sizeof(sh));
	off = (off_t)(sizeof(sh) + sh.ds_cnt * sizeof(ds_def_t) +
	    sh.rra_cnt * sizeof(rra_def_t));
	assert_int_equal(pread(fd, &lh, sizeof(lh), off), sizeof(lh));
	rc = real(filename, tmplt, argc, argv);
	assert_int_equal(rc, 0);
	assert_int_equal(pwrite(fd, &lh, sizeof(lh), off), sizeof(lh));
	close(fd);
	kill(getpid(), SIGKILL);
	abort();
}

/*
 * Killed in the middle of the update of round 5; the record comes again
 * (the probe had no answer), and so do rounds 6..9. Every round's value
 * (total = round + 1) is in its own row, none shifted by the update that
 * was cut short.
 */
static void
test_update_cut_short(void **state)
{
	struct store *st = store_new(tmpdir, 60, NULL);
	char	      p[PATH_MAX], err[512], v[64];
	const time_t  ts0 = 1764480000;
	time_t	      start = ts0, end = ts0 + 60 * 9;
	unsigned long step = 60, nds = 0;
	char	    **names = NULL;
	rrd_value_t  *data = NULL;
	int64_t	      last;
	pid_t	      pid;
	int	      status;

	(void)state;
	assert_int_equal(store_path(st, "p1", "cut", STORE_CHECK, FAMILY_IPV4,
			     p, sizeof(p)),
	    0);
	assert_int_equal(store_create(st, p, STORE_CHECK, ts0 - 1, err,
			     sizeof(err)),
	    0);
	for (int r = 0; r < 5; r++) {
		snprintf(v, sizeof(v), "%lld:1:2:3:4:5:%d:87",
		    (long long)ts0 + 60 * r, r + 1);
		assert_int_equal(store_update(st, p, v, 0, NULL, err,
				     sizeof(err)),
		    0);
	}
	store_free(st);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		st = store_new(tmpdir, 60, NULL);
		cut_short = 1;
		snprintf(v, sizeof(v), "%lld:1:2:3:4:5:6:87",
		    (long long)ts0 + 60 * 5);
		store_update(st, p, v, 0, NULL, err, sizeof(err));
		_exit(1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	st = store_new(tmpdir, 60, NULL);
	assert_int_equal(store_last(st, p, &last, err, sizeof(err)), 0);
	assert_int_equal(last, ts0 + 60 * 4);
	for (int r = 5; r < 10; r++) {
		snprintf(v, sizeof(v), "%lld:1:2:3:4:5:%d:87",
		    (long long)ts0 + 60 * r, r + 1);
		assert_int_equal(store_update(st, p, v, 0, NULL, err,
				     sizeof(err)),
		    0);
	}
	store_free(st);
	assert_int_equal(rrd_fetch_r(p, "AVERAGE", &start, &end, &step, &nds,
			     &names, &data),
	    0);
	assert_int_equal(step, 60);
	assert_int_equal(nds, 7);
	/* row i is the step that ends at start + (i + 1) * step */
	for (time_t t = ts0 + 60; t <= ts0 + 60 * 9; t += 60) {
		long long   r = (t - ts0) / 60;
		rrd_value_t total = data[((t - start) / 60 - 1) * 7 + 5];

		if (total != (double)(r + 1))
			fail_msg("row %lld (ts %lld): total %g, not %lld", r,
			    (long long)t, total, r + 1);
	}
	for (unsigned long i = 0; i < nds; i++)
		rrd_freemem(names[i]);
	rrd_freemem(names);
	rrd_freemem(data);
}

/* Files named after path's file + ".bad-" in its folder; the first one's
 * path in first. */
static int
count_bad(const char *path, char *first, size_t size)
{
	char	       dir[PATH_MAX], base[PATH_MAX], pre[PATH_MAX + 8];
	DIR	      *d;
	struct dirent *e;
	int	       n = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	snprintf(pre, sizeof(pre), "%s.bad-", basename(base));
	assert_non_null(d = opendir(dirname(dir)));
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, pre, strlen(pre)) == 0) {
			if (n++ == 0 && first != NULL)
				assert_true(snprintf(first, size, "%s/%s", dir,
						e->d_name) < (int)size);
		}
	closedir(d);
	return n;
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

/* A check file of probe "dmg" for target name, created with one update. */
static void
damaged_file(struct store *st, const char *name, char *p, size_t size)
{
	char err[512];

	assert_int_equal(store_path(st, "dmg", name, STORE_CHECK, FAMILY_IPV6,
			     p, size),
	    0);
	assert_int_equal(store_create(st, p, STORE_CHECK, 1764479999, err,
			     sizeof(err)),
	    0);
	assert_int_equal(store_update(st, p, "1764480000:1:2:3:4:5:6:87", 0,
			     NULL, err, sizeof(err)),
	    0);
}

/*
 * A truncated file: the next update moves it aside (.bad-<time>, the
 * damaged bytes kept), starts a new file and goes into it; so does the
 * next one. store_last() of a damaged file says it is not there.
 */
static void
test_damaged(void **state)
{
	struct store *st = store_new(tmpdir, 60, NULL);
	char	      p[PATH_MAX], bad[PATH_MAX], err[512];
	int64_t	      last;
	off_t	      full;
	time_t	      t;
	unsigned long nds = 0;
	char	    **names = NULL, **vals = NULL;

	(void)state;
	damaged_file(st, "truncated", p, sizeof(p));
	full = file_size(p);
	assert_int_equal(truncate(p, full / 2), 0);
	err[0] = '\0';
	assert_int_equal(store_update(st, p, "1764480060:1:2:3:4:5:6:86", 0,
			     NULL, err, sizeof(err)),
	    0);
	assert_int_equal(count_bad(p, bad, sizeof(bad)), 1);
	assert_int_equal(file_size(bad), full / 2);
	assert_int_equal(file_size(p), full);
	assert_int_equal(rrd_lastupdate_r(p, &t, &nds, &names, &vals), 0);
	assert_int_equal(t, 1764480060);
	assert_string_equal(vals[6], "86");
	for (unsigned long i = 0; i < nds; i++) {
		rrd_freemem(names[i]);
		rrd_freemem(vals[i]);
	}
	rrd_freemem(names);
	rrd_freemem(vals);
	assert_int_equal(store_update(st, p, "1764480120:1:2:3:4:5:6:85", 0,
			     NULL, err, sizeof(err)),
	    0);
	assert_int_equal(store_last(st, p, &last, err, sizeof(err)), 0);
	assert_int_equal(last, 1764480120);
	assert_int_equal(count_bad(p, NULL, 0), 1);

	/* store_last(): a header cut short, an empty file, not an RRD */
	for (int i = 0; i < 3; i++) {
		damaged_file(st,
		    i == 0     ? "short" :
			i == 1 ? "empty" :
				 "junk",
		    p, sizeof(p));
		if (i < 2)
			assert_int_equal(truncate(p, i == 0 ? 100 : 0), 0);
		else
			assert_int_equal(file_write_atomic(p,
					     "not an RRD, but long enough to "
					     "hold the magic of one",
					     53, 0640),
			    0);
		assert_int_equal(store_last(st, p, &last, err, sizeof(err)), 0);
		assert_int_equal(last, -1);
		assert_int_equal(count_bad(p, NULL, 0), 1);
		assert_int_equal(access(p, F_OK), -1);
		assert_int_equal(store_create(st, p, STORE_CHECK, 1764480000,
				     err, sizeof(err)),
		    0);
		assert_int_equal(store_update(st, p,
				     "1764480060:1:2:3:4:5:6:86", 0, NULL, err,
				     sizeof(err)),
		    0);
	}

	/* a traffic file comes back as a traffic file */
	assert_int_equal(store_path(st, "dmg", "eth0", STORE_TRAFFIC,
			     FAMILY_IPV6, p, sizeof(p)),
	    0);
	assert_int_equal(store_create(st, p, STORE_TRAFFIC, 1764479999, err,
			     sizeof(err)),
	    0);
	assert_int_equal(truncate(p, 1000), 0);
	assert_int_equal(store_update(st, p, "1764480000:1:2:3:4:5:6:7:8:9", 0,
			     NULL, err, sizeof(err)),
	    0);
	assert_int_equal(count_bad(p, NULL, 0), 1);
	store_free(st);
}

/*
 * What may pass is no damage: a file locked by a reader in another process
 * stays an error (librrd's words), and the file stays where it is.
 */
static void
test_locked_is_not_damage(void **state)
{
	struct store *st = store_new(tmpdir, 60, NULL);
	char	      p[PATH_MAX], err[512], c;
	int	      go[2], held[2];
	pid_t	      pid;
	uint64_t      waits, failures, retry;

	(void)state;
	damaged_file(st, "locked", p, sizeof(p));
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(held), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) { /* a reader holding the file */
		struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
		int	     fd = open(p, O_RDONLY);

		alarm(20);
		close(go[1]);
		store_free(st);
		if (fd == -1 || fcntl(fd, F_SETLK, &fl) == -1)
			_exit(1);
		(void)!write(held[1], "h", 1);
		(void)!read(go[0], &c, 1);
		_exit(0);
	}
	close(held[1]);
	close(go[0]);
	assert_int_equal(read(held[0], &c, 1), 1);
	/* the store never waits: it says when to try again, up to
	 * STORE_LOCK_TRIES - 1 times, the delays doubling to 256 ms */
	for (unsigned tries = 0; tries < STORE_LOCK_TRIES - 1; tries++) {
		uint64_t retry_ms = 0;

		assert_int_equal(store_update(st, p,
				     "1764480060:1:2:3:4:5:6:86", tries,
				     &retry_ms, err, sizeof(err)),
		    STORE_AGAIN);
		assert_int_equal(retry_ms, tries < 8 ? 1ULL << tries : 256);
	}
	assert_int_equal(store_update(st, p, "1764480060:1:2:3:4:5:6:86",
			     STORE_LOCK_TRIES - 1, &retry, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "could not lock"));
	assert_int_equal(count_bad(p, NULL, 0), 0);
	store_lock_counts(st, &waits, &failures);
	assert_int_equal(waits, 1);
	assert_int_equal(failures, 1);
	/* no retry asked for: the first lock is the failure */
	assert_int_equal(store_update(st, p, "1764480060:1:2:3:4:5:6:86", 0,
			     NULL, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "could not lock"));
	/* locked at the first try, free at the second: stored */
	assert_int_equal(store_update(st, p, "1764480060:1:2:3:4:5:6:86", 0,
			     &retry, err, sizeof(err)),
	    STORE_AGAIN);
	close(go[1]);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	close(held[0]);
	assert_int_equal(store_update(st, p, "1764480060:1:2:3:4:5:6:86", 1,
			     &retry, err, sizeof(err)),
	    0);
	store_lock_counts(st, &waits, &failures);
	assert_int_equal(waits, 3);
	assert_int_equal(failures, 2);
	store_free(st);
}

/*
 * A real rrdcached on a socket in the test folder; its pid, or 0 when it
 * did not come up (not installed) or under valgrind: librrd 1.7.2's
 * rrdc_last() parses the daemon's answer from the stack buffer of a
 * function that has returned, which valgrind reports inside librrd.
 */
static pid_t
rrdcached_start(char *addr, size_t size)
{
	char		   sock[100], pidf[PATH_MAX];
	struct sockaddr_un sun;
	pid_t		   pid;

	assert_true(snprintf(sock, sizeof(sock), "%s/rrdcached.sock", tmpdir) <
	    (int)sizeof(sock));
	snprintf(pidf, sizeof(pidf), "%s/rrdcached.pid", tmpdir);
	snprintf(addr, size, "unix:%s", sock);
	if (RUNNING_ON_VALGRIND)
		return 0;
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 1);
		dup2(fd, 2);
		execlp("rrdcached", "rrdcached", "-g", "-l", addr, "-p", pidf,
		    "-b", tmpdir, "-w", "3600", "-z", "1", (char *)NULL);
		_exit(127);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	for (int i = 0; i < 200; i++) { /* 10 s at most */
		struct timespec ts = {0, 50 * 1000 * 1000};
		int		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		int ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;

		close(fd);
		if (ok)
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 0;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}

static void
rrdcached_stop(pid_t pid)
{
	char sock[PATH_MAX];

	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	snprintf(sock, sizeof(sock), "%s/rrdcached.sock", tmpdir);
	unlink(sock);
}

/*
 * Through rrdcached: a damaged file the daemon is asked to update, or for
 * its last update, is moved aside (the daemon forgets it first) and a new
 * one created through the daemon.
 */
static void
test_damaged_rrdcached(void **state)
{
	struct store *direct = store_new(tmpdir, 60, NULL), *st;
	char	      addr[PATH_MAX], p[PATH_MAX], q[PATH_MAX], err[512];
	int64_t	      last;
	pid_t	      pid = rrdcached_start(addr, sizeof(addr));

	(void)state;
	if (pid == 0) {
		store_free(direct);
		skip();
	}
	st = store_new(tmpdir, 60, addr);
	damaged_file(direct, "cached-upd", p, sizeof(p));
	damaged_file(direct, "cached-last", q, sizeof(q));
	assert_int_equal(truncate(p, file_size(p) / 2), 0);
	assert_int_equal(truncate(q, 200), 0);

	assert_int_equal(store_update(st, p, "1764480060:1:2:3:4:5:6:86", 0,
			     NULL, err, sizeof(err)),
	    0);
	assert_int_equal(count_bad(p, NULL, 0), 1);
	assert_int_equal(store_last(st, p, &last, err, sizeof(err)), 0);
	assert_int_equal(last, 1764480060);

	assert_int_equal(store_last(st, q, &last, err, sizeof(err)), 0);
	assert_int_equal(last, -1);
	assert_int_equal(count_bad(q, NULL, 0), 1);
	assert_int_equal(store_create(st, q, STORE_CHECK, 1764480059, err,
			     sizeof(err)),
	    0);
	assert_int_equal(store_update(st, q, "1764480060:1:2:3:4:5:6:86", 0,
			     NULL, err, sizeof(err)),
	    0);
	assert_int_equal(store_last(st, q, &last, err, sizeof(err)), 0);
	assert_int_equal(last, 1764480060);

	store_free(st);
	store_free(direct);

	rrdcached_stop(pid);
}

/*
 * librrd's client refuses a request over its 4096 bytes without a message
 * (it returns ENOBUFS): the error says so, not "unknown librrd error". A
 * path of 4085 bytes is still a path (PATH_MAX is 4096), but "update PATH
 * VALUE" no longer fits.
 */
static void
test_rrdcached_says_why(void **state)
{
	struct store *direct, *st;
	char	      addr[PATH_MAX], p[PATH_MAX], deep[PATH_MAX];
	char	      err[512], big[2 * PATH_MAX];
	int	      n;
	pid_t	      pid = rrdcached_start(addr, sizeof(addr));

	(void)state;
	if (pid == 0)
		skip();
	n = snprintf(deep, sizeof(deep), "%s/deep", tmpdir);
	while ((size_t)n + 200 < 4085 - strlen("/rrd/p/t.ipv6.rrd") - 10)
		n += snprintf(deep + n, sizeof(deep) - (size_t)n, "/%0199d", 0);
	while ((size_t)n < 4085 - strlen("/rrd/p/t.ipv6.rrd"))
		deep[n++] = 'b';
	deep[n] = '\0';
	for (char *c = deep + strlen(tmpdir) + 1; (c = strchr(c, '/')) != NULL;
	     c++) {
		*c = '\0';
		assert_true(mkdir(deep, 0700) == 0 || errno == EEXIST);
		*c = '/';
	}
	assert_int_equal(mkdir(deep, 0700), 0);
	direct = store_new(deep, 60, NULL);
	st = store_new(deep, 60, addr);
	assert_int_equal(store_path(st, "p", "t", STORE_CHECK, FAMILY_IPV6, p,
			     sizeof(p)),
	    0);
	assert_int_equal(strlen(p), 4085);
	assert_int_equal(store_create(direct, p, STORE_CHECK, 1764479999, err,
			     sizeof(err)),
	    0);
	assert_int_equal(store_update(st, p, "1764480000:1:2:3:4:5:6:87", 0,
			     NULL, big, sizeof(big)),
	    -1);
	assert_null(strstr(big, "unknown"));
	assert_non_null(strstr(big, "4096-byte"));
	assert_int_equal(count_bad(p, NULL, 0), 0);
	store_free(st);
	store_free(direct);

	rrdcached_stop(pid);
}

static void
test_rrdcached_down(void **state)
{
	struct store *st = store_new(tmpdir, 60, "unix:/nonexistent/sock");
	char	      p[PATH_MAX], err[512];

	(void)state;
	snprintf(p, sizeof(p), "%s/rrd/p1/x.ipv6.rrd", tmpdir);
	assert_int_equal(store_create(st, p, STORE_CHECK, 1764479999, err,
			     sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "rrdcached"));
	assert_int_equal(store_update(st, p, "1764480000:1:U:U:U:U:U:U", 0,
			     NULL, err, sizeof(err)),
	    -1);
	store_free(st);

	/* a damaged file behind an unreachable rrdcached: an error, and the
	 * file stays (the daemon may come back; nothing said it is damaged) */
	st = store_new(tmpdir, 60, NULL);
	damaged_file(st, "behind-down", p, sizeof(p));
	store_free(st);
	assert_int_equal(truncate(p, 1000), 0);
	st = store_new(tmpdir, 60, "unix:/nonexistent/sock");
	assert_int_equal(store_update(st, p, "1764480060:1:U:U:U:U:U:U", 0,
			     NULL, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "Unable to connect to rrdcached"));
	assert_int_equal(count_bad(p, NULL, 0), 0);
	assert_int_equal(file_size(p), 1000);
	store_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encode),
	    cmocka_unit_test(test_encode_injective),
	    cmocka_unit_test(test_path),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_rrd_files),
	    cmocka_unit_test(test_slow_target),
	    cmocka_unit_test(test_update_cut_short),
	    cmocka_unit_test(test_damaged),
	    cmocka_unit_test(test_locked_is_not_damage),
	    cmocka_unit_test(test_damaged_rrdcached),
	    cmocka_unit_test(test_rrdcached_says_why),
	    cmocka_unit_test(test_rrdcached_down),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
