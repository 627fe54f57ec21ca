/*
 * test_store: RRD file names (percent-encoding is injective and never
 * escapes the folder), update strings, and create / update / last through
 * the real librrd in a temporary folder.
 */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <rrd.h>

#include "collector/store.h"
#include "util.h"

static char tmpdir[] = "/tmp/v6w-test-store.XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

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
	assert_int_equal(store_update(st, p, "1764480000:1:2.1:10:U:U:U:87",
			     err, sizeof(err)),
	    0);
	assert_int_equal(store_last(st, p, &last, err, sizeof(err)), 0);
	assert_int_equal(last, 1764480000);
	/* The same second again: librrd's own message. */
	assert_int_equal(store_update(st, p, "1764480000:1:2:3:U:U:U:87", err,
			     sizeof(err)),
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

	/* A path that is not an RRD file. */
	snprintf(p, sizeof(p), "%s/not.rrd", tmpdir);
	assert_int_equal(file_write_atomic(p, "junk", 4, 0600), 0);
	assert_int_equal(store_last(st, p, &last, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not.rrd"));
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
		assert_int_equal(store_update(st, p, v, err, sizeof(err)), 0);
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
	assert_int_equal(store_update(st, p, "1764480000:1:U:U:U:U:U:U", err,
			     sizeof(err)),
	    -1);
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
	    cmocka_unit_test(test_rrdcached_down),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
