/*
 * test_ingest: a POST body through ingest_post() with the real store
 * (librrd) and ledger in a temporary folder: answers, seq order,
 * duplicates, rejected records alone, envelope errors, hostile names, a
 * crash between the RRD writes and the ledger save, and the ledger file
 * read back.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <rrd.h>

#include "collector/ingest.h"
#include "collector/ledger.h"
#include "collector/store.h"
#include "util.h"

#define TS0 1764480000

static char	     tmpdir[] = "/tmp/v6w-test-ingest.XXXXXX";
static struct store *st;

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	st = store_new(tmpdir, 60, NULL);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	store_free(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct ledger *
new_ledger(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/state", tmpdir);
	mkdir(path, 0750);
	snprintf(path, sizeof(path), "%s/state/%s.json", tmpdir, name);
	return ledger_new(name, path);
}

/* One check record as JSON. */
static char *
rec(const char *probe, const char *target, const char *fam, long ts, long seq,
    const char *outcome)
{
	char *s;

	if (asprintf(&s,
		"{\"probe\":\"%s\",\"target\":\"%s\",\"url\":\"https://"
		"t.example/\",\"family\":\"%s\",\"ts\":%ld,\"seq\":%ld,"
		"\"outcome\":\"%s\",\"ms\":{\"dns\":1.5,\"total\":20}}",
		probe, target, fam, ts, seq, outcome) == -1)
		abort();
	return s;
}

/* {"probe":probe,"results":[recs...]} taking the records over. */
static char *
batch(const char *probe, char **recs, size_t n)
{
	size_t len = 64 + strlen(probe);
	char  *b, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(recs[i]) + 1;
	b = p = malloc(len);
	p += sprintf(p, "{\"probe\":\"%s\",\"results\":[", probe);
	for (size_t i = 0; i < n; i++) {
		p += sprintf(p, "%s%s", i ? "," : "", recs[i]);
		free(recs[i]);
	}
	sprintf(p, "]}");
	return b;
}

/* Post body; return the status, the answer parsed into *ans. */
static int
post(struct ledger *lg, const char *body, cJSON **ans)
{
	char *text;
	int status = ingest_post(st, lg, body, strlen(body), TS0 + 1e6, &text);

	*ans = cJSON_Parse(text);
	assert_non_null(*ans);
	cJSON_free(text);
	return status;
}

static double
num(const cJSON *o, const char *k)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_true(cJSON_IsNumber(it));
	return it->valuedouble;
}

static const char *
rejected_error(const cJSON *ans, int index)
{
	const cJSON *e;

	cJSON_ArrayForEach(e,
	    cJSON_GetObjectItem(ans, "rejected")) if (num(e, "index") ==
	    index) return cJSON_GetObjectItem(e, "error")
	    ->valuestring;
	return NULL;
}

static time_t
rrd_last_of(const char *probe, const char *name, enum family f)
{
	char p[PATH_MAX];

	assert_int_equal(store_path(st, probe, name, STORE_CHECK, f, p,
			     sizeof(p)),
	    0);
	return rrd_last_r(p);
}

static void
test_accept_and_duplicates(void **state)
{
	struct ledger *lg = new_ledger("p1");
	char	      *recs[4], *body;
	cJSON	      *ans;

	(void)state;
	/* Out of seq order on purpose: processed 1, 2, 3, 4. */
	recs[0] = rec("p1", "a", "ipv6", TS0 + 60, 2, "ok");
	recs[1] = rec("p1", "a", "ipv6", TS0, 1, "ok");
	recs[2] = rec("p1", "a", "ipv4", TS0, 3, "timeout");
	recs[3] = rec("p1", "b", "ipv6", TS0, 4, "ok");
	body = batch("p1", recs, 4);
	assert_int_equal(post(lg, body, &ans), 200);
	assert_int_equal(num(ans, "accepted"), 4);
	assert_int_equal(num(ans, "duplicates"), 0);
	assert_int_equal(cJSON_GetArraySize(
			     cJSON_GetObjectItem(ans, "rejected")),
	    0);
	cJSON_Delete(ans);
	assert_int_equal(lg->last_seq, 4);
	assert_int_equal(lg->stored, 4);
	assert_int_equal(rrd_last_of("p1", "a", FAMILY_IPV6), TS0 + 60);
	assert_int_equal(rrd_last_of("p1", "a", FAMILY_IPV4), TS0);

	/* The same batch again: all duplicates, nothing changes. */
	assert_int_equal(post(lg, body, &ans), 200);
	assert_int_equal(num(ans, "accepted"), 0);
	assert_int_equal(num(ans, "duplicates"), 4);
	cJSON_Delete(ans);
	assert_int_equal(lg->stored, 4);
	assert_int_equal(lg->n_duplicate, 4);
	assert_int_equal(lg->stored + lg->rejected, lg->last_seq);
	free(body);

	/* The series keep the last record and its state. */
	{
		struct series *s =
		    ledger_series(lg, RESULT_CHECK, "a", FAMILY_IPV4, 0);

		assert_non_null(s);
		/* One failure: the probe's view waits for down_after. */
		assert_int_equal(s->state, STATE_UNKNOWN);
		assert_int_equal(s->sm.run, 1);
		assert_int_equal(s->sm.in, STATE_IN_BAD);
		assert_int_equal(s->outcome, OUTCOME_TIMEOUT);
		assert_int_equal(s->seq, 3);
	}
	ledger_free(lg);
}

static void
test_rejected_alone(void **state)
{
	struct ledger *lg = new_ledger("p2");
	char	      *recs[7], *body;
	cJSON	      *ans;

	(void)state;
	recs[0] = rec("p2", "a", "ipv6", TS0, 1, "ok");
	recs[1] = rec("p2", "a", "ipv6", TS0 + 60, 2, "no_such_outcome");
	recs[2] = xstrdup("{\"probe\":\"p2\",\"ts\":1764480000}"); /* no seq */
	recs[3] = rec("p2", "a", "ipv6", TS0 + 120, 4, "ok");
	recs[4] = rec("other", "a", "ipv6", TS0 + 180, 5, "ok");
	recs[5] = xstrdup("[1,2,3]");
	recs[6] = rec("p2", "a", "ipv6", TS0 + 30, 7, "ok"); /* too old */
	body = batch("p2", recs, 7);
	assert_int_equal(post(lg, body, &ans), 200);
	free(body);
	assert_int_equal(num(ans, "accepted"), 2);
	assert_int_equal(cJSON_GetArraySize(
			     cJSON_GetObjectItem(ans, "rejected")),
	    5);
	assert_string_equal(rejected_error(ans, 1),
	    "field 'outcome': unknown value");
	assert_string_equal(rejected_error(ans, 2), "field 'seq': missing");
	assert_non_null(strstr(rejected_error(ans, 4), "not the probe"));
	assert_string_equal(rejected_error(ans, 5),
	    "record must be a JSON object");
	assert_non_null(strstr(rejected_error(ans, 6),
	    "older than the last update of target 'a' ipv6"));
	cJSON_Delete(ans);
	/* seqs 1..7: 3 and 6 never seen (unreadable), so last_seq 7 counts
	 * 2 stored + 3 rejected; the 2 unnumbered ones only in a metric. */
	assert_int_equal(lg->last_seq, 7);
	assert_int_equal(lg->stored, 2);
	assert_int_equal(lg->rejected, 3);
	assert_int_equal(lg->n_unnumbered, 2);
	assert_int_equal(lg->n_rejected, 5);

	/* A new record in the same second as the last stored one. */
	recs[0] = rec("p2", "a", "ipv6", TS0 + 120, 8, "ok");
	body = batch("p2", recs, 1);
	assert_int_equal(post(lg, body, &ans), 200);
	free(body);
	assert_non_null(strstr(rejected_error(ans, 0), "same second"));
	cJSON_Delete(ans);
	ledger_free(lg);
}

static void
test_envelope(void **state)
{
	static const struct {
		const char *body;
		int	    status;
		const char *error;
	} cases[] = {
	    {"", 400, "body is not JSON: invalid JSON at offset 0"},
	    {"{\"probe\":\"p3\",\"results\":[", 400,
		"invalid JSON at offset 24"},
	    {"[]", 400, "body must be a JSON object"},
	    {"{\"probe\":\"p3\",\"results\":[],\"x\":1}", 400,
		"field 'x': unknown field"},
	    {"{\"results\":[]}", 400, "field 'probe': missing"},
	    {"{\"probe\":7,\"results\":[]}", 400,
		"field 'probe': must be a string"},
	    {"{\"probe\":\"p1\",\"results\":[]}", 403,
		"field 'probe': this token belongs to another probe"},
	    {"{\"probe\":\"p3\"}", 400, "field 'results': missing"},
	    {"{\"probe\":\"p3\",\"results\":{}}", 400,
		"field 'results': must be an array"},
	    {"{\"probe\":\"p3\",\"results\":[]} x", 400, "trailing data"},
	    {"{\"probe\":\"p\\u0000\",\"results\":[]}", 400, "NUL"},
	};
	struct ledger *lg = new_ledger("p3");
	cJSON	      *ans;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		const char *e;

		assert_int_equal(post(lg, cases[i].body, &ans),
		    cases[i].status);
		e = cJSON_GetObjectItem(ans, "error")->valuestring;
		if (strstr(e, cases[i].error) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, e,
			    cases[i].error);
		cJSON_Delete(ans);
	}
	assert_int_equal(lg->last_seq, 0);
	assert_int_equal(post(lg, "{\"probe\":\"p3\",\"results\":[]}", &ans),
	    200);
	assert_int_equal(num(ans, "accepted"), 0);
	cJSON_Delete(ans);
	ledger_free(lg);
}

static void
test_too_many(void **state)
{
	struct ledger *lg = new_ledger("p4");
	size_t	       n = INGEST_RECORDS_MAX + 1;
	char	      *body = malloc(n * 3 + 64), *p = body;
	cJSON	      *ans;

	(void)state;
	p += sprintf(p, "{\"probe\":\"p4\",\"results\":[");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s{}", i ? "," : "");
	sprintf(p, "]}");
	assert_int_equal(post(lg, body, &ans), 400);
	assert_non_null(strstr(cJSON_GetObjectItem(ans, "error")->valuestring,
	    "more than"));
	cJSON_Delete(ans);
	free(body);
	ledger_free(lg);
}

/* Every file under dir, counted; fails on any outside dir/rrd/PROBE. */
static int
count_files(const char *dir)
{
	DIR	      *d = opendir(dir);
	struct dirent *e;
	int	       n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' || strcmp(e->d_name, "%2E") == 0)
			n++;
	closedir(d);
	return n;
}

static void
test_hostile_names(void **state)
{
	struct ledger *lg = new_ledger("p5");
	char	      *recs[5], *body, dir[PATH_MAX], big[200];
	cJSON	      *ans;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	recs[0] = rec("p5", "../../escape", "ipv6", TS0, 1, "ok");
	recs[1] = rec("p5", "/abs/path", "ipv6", TS0, 2, "ok");
	recs[2] = rec("p5", "..", "ipv6", TS0, 3, "ok");
	recs[3] = rec("p5", big, "ipv6", TS0, 4, "ok"); /* > 128 bytes */
	recs[4] = rec("p5",
	    "%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F"
	    "%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F"
	    "%2F%2F",
	    "ipv6", TS0, 5, "ok"); /* 126 bytes, 378 encoded */
	body = batch("p5", recs, 5);
	assert_int_equal(post(lg, body, &ans), 200);
	free(body);
	assert_int_equal(num(ans, "accepted"), 3);
	assert_non_null(strstr(rejected_error(ans, 3), "field 'target'"));
	assert_non_null(
	    strstr(rejected_error(ans, 4), "once encoded as a file name"));
	cJSON_Delete(ans);
	snprintf(dir, sizeof(dir), "%s/rrd/p5", tmpdir);
	assert_int_equal(count_files(dir), 3);
	snprintf(dir, sizeof(dir), "%s/rrd/p5/%%2E.%%2F..%%2Fescape.ipv6.rrd",
	    tmpdir);
	assert_int_equal(access(dir, F_OK), 0);
	/* Nothing next to the folders the collector makes. */
	assert_int_equal(count_files(tmpdir), 2); /* rrd, state */
	ledger_free(lg);
}

/*
 * Crash after the RRD writes, before the ledger save: the restarted
 * collector has the old ledger and RRD files that already hold the batch.
 * The re-sent batch is answered as duplicates and counted as stored.
 */
static void
test_crash_before_save(void **state)
{
	struct ledger *lg = new_ledger("p6");
	char	      *recs[6], *body, *saved, path[PATH_MAX];
	size_t	       len;
	cJSON	      *ans;

	(void)state;
	recs[0] = rec("p6", "a", "ipv6", TS0, 1, "ok");
	body = batch("p6", recs, 1);
	assert_int_equal(post(lg, body, &ans), 200);
	free(body);
	cJSON_Delete(ans);
	snprintf(path, sizeof(path), "%s", lg->path);
	assert_int_equal(file_read(path, 1 << 20, &saved, &len), 0);

	for (int i = 0; i < 6; i++)
		recs[i] = rec("p6", i % 2 ? "b" : "a", "ipv6",
		    TS0 + 60 * (1 + i / 2), 2 + i, i == 5 ? "bogus" : "ok");
	body = batch("p6", recs, 6);
	assert_int_equal(post(lg, body, &ans), 200);
	assert_int_equal(num(ans, "accepted"), 5);
	cJSON_Delete(ans);
	ledger_free(lg);

	/* "Crash": the ledger file goes back to before the batch. */
	assert_int_equal(file_write_atomic(path, saved, len, 0640), 0);
	free(saved);
	lg = new_ledger("p6");
	assert_int_equal(ledger_load(lg, NULL, 0), 0);
	assert_int_equal(lg->last_seq, 1);
	assert_int_equal(post(lg, body, &ans), 200);
	assert_int_equal(num(ans, "accepted"), 0);
	assert_int_equal(num(ans, "duplicates"), 5);
	assert_int_equal(cJSON_GetArraySize(
			     cJSON_GetObjectItem(ans, "rejected")),
	    1);
	cJSON_Delete(ans);
	free(body);
	assert_int_equal(lg->last_seq, 7);
	assert_int_equal(lg->stored, 6);
	assert_int_equal(lg->rejected, 1);
	assert_int_equal(rrd_last_of("p6", "a", FAMILY_IPV6), TS0 + 180);
	assert_int_equal(rrd_last_of("p6", "b", FAMILY_IPV6), TS0 + 120);
	ledger_free(lg);
}

static void
test_traffic(void **state)
{
	struct ledger *lg = new_ledger("p7");
	char	       body[1024], path[PATH_MAX];
	cJSON	      *ans;

	(void)state;
	snprintf(body, sizeof(body),
	    "{\"probe\":\"p7\",\"results\":[{\"kind\":\"traffic\",\"probe\":"
	    "\"p7\",\"ts\":%d,\"seq\":1,\"iface\":\"eth0\",\"interval_s\":60,"
	    "\"packets\":{\"ipv6\":600,\"ipv4\":300,\"other\":2},\"bytes\":{"
	    "\"ipv6\":60000,\"ipv4\":450000,\"other\":120},\"icmpv6\":{"
	    "\"packet_too_big\":3,\"dest_unreachable\":1}}]}",
	    TS0);
	assert_int_equal(post(lg, body, &ans), 200);
	assert_int_equal(num(ans, "accepted"), 1);
	cJSON_Delete(ans);
	assert_int_equal(store_path(st, "p7", "eth0", STORE_TRAFFIC,
			     FAMILY_IPV6, path, sizeof(path)),
	    0);
	assert_int_equal(rrd_last_r(path), TS0);
	ledger_free(lg);
}

static void
test_ledger_file(void **state)
{
	struct ledger *lg = new_ledger("p1"), *back;
	char	       err[256];

	(void)state;
	/* p1's file was written by test_accept_and_duplicates. */
	assert_int_equal(ledger_load(lg, err, sizeof(err)), 0);
	assert_int_equal(lg->last_seq, 4);
	assert_int_equal(lg->stored, 4);
	assert_int_equal(lg->nseries, 3);
	assert_int_equal(ledger_save(lg, err, sizeof(err)), 0);
	back = new_ledger("p1");
	assert_int_equal(ledger_load(back, err, sizeof(err)), 0);
	{
		cJSON *a = ledger_to_json(lg), *b = ledger_to_json(back);

		assert_true(cJSON_Compare(a, b, 1));
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
	ledger_free(back);

	/* A damaged file is refused whole, with its name in the error. */
	assert_int_equal(file_write_atomic(lg->path, "{\"probe\":\"p1\"", 13,
			     0640),
	    0);
	back = new_ledger("p1");
	assert_int_equal(ledger_load(back, err, sizeof(err)), -1);
	assert_int_equal(errno, EBADMSG);
	assert_non_null(strstr(err, "p1.json"));
	ledger_free(back);
	assert_int_equal(file_write_atomic(lg->path,
			     "{\"probe\":\"p9\",\"last_seq\":1,\"stored\":1,"
			     "\"rejected\":0,\"last_seen\":0,\"series\":[]}",
			     75, 0640),
	    0);
	back = new_ledger("p1");
	assert_int_equal(ledger_load(back, err, sizeof(err)), -1);
	ledger_free(back);
	ledger_free(lg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accept_and_duplicates),
	    cmocka_unit_test(test_rejected_alone),
	    cmocka_unit_test(test_envelope),
	    cmocka_unit_test(test_too_many),
	    cmocka_unit_test(test_hostile_names),
	    cmocka_unit_test(test_crash_before_save),
	    cmocka_unit_test(test_traffic),
	    cmocka_unit_test(test_ledger_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
