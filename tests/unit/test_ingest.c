/*
 * test_ingest: a POST body through ingest_post() with the real store
 * (librrd) and ledger in a temporary folder: answers, seq order,
 * duplicates, rejected records alone, envelope errors, hostile names, a
 * crash between the RRD writes and the ledger save, the seq accounting
 * (gaps, wild seqs, spool IDs, records from the future), a ledger set
 * aside by the collector, the ledger file read back, the sums of traffic
 * records (counted once, kept across a restart), and a batch that
 * meets a file locked by a reader: it stops there without waiting and goes
 * on when stepped again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <rrd.h>

#include "cfg.h"
#include "collector/collector.h"
#include "collector/conf.h"
#include "collector/ingest.h"
#include "collector/ledger.h"
#include "collector/status.h"
#include "collector/store.h"
#include "tmpdir.h"
#include "util.h"

#define TS0 1764480000

static struct store *st;

static int
setup(void **state)
{
	if (tmpdir_setup(state) == -1)
		return -1;
	st = store_new(tmpdir, 60, NULL);
	return 0;
}

static int
teardown(void **state)
{
	store_free(st);
	return tmpdir_teardown(state);
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

/* The file of probe name's ledger (a static buffer). */
static const char *
new_ledger_path(const char *name)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/state/%s.json", tmpdir, name);
	return path;
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

static double
num(const cJSON *o, const char *k)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_true(cJSON_IsNumber(it));
	return it->valuedouble;
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

/* {"probe":probe,"spool":spool,"results":[recs...]} taking them over. */
static char *
batch_spool(const char *probe, const char *spool, char **recs, size_t n)
{
	char *b = batch(probe, recs, n), *s;

	if (asprintf(&s, "{\"spool\":\"%s\",%s", spool, b + 1) == -1)
		abort();
	free(b);
	return s;
}

/* Post body at wall time now; the status, the answer parsed into *ans. */
static int
post_at(struct ledger *lg, const char *body, double now, cJSON **ans)
{
	char *text;
	int   status = ingest_post(st, lg, body, strlen(body), now, &text);

	*ans = cJSON_Parse(text);
	assert_non_null(*ans);
	cJSON_free(text);
	return status;
}

/* post_at() that frees body. */
static int
post_take(struct ledger *lg, char *body, double now, cJSON **ans)
{
	int status = post_at(lg, body, now, ans);

	free(body);
	return status;
}

#define NOW (TS0 + 1e6)

static int
post(struct ledger *lg, const char *body, cJSON **ans)
{
	return post_at(lg, body, NOW, ans);
}

/* Post and free body; the answer's accepted, duplicates, rejected. */
static void
post_expect(struct ledger *lg, char *body, double now, int accepted,
    int duplicates, int rejected)
{
	cJSON *ans;

	assert_int_equal(post_at(lg, body, now, &ans), 200);
	free(body);
	assert_int_equal(num(ans, "accepted"), accepted);
	assert_int_equal(num(ans, "duplicates"), duplicates);
	assert_int_equal(cJSON_GetArraySize(
			     cJSON_GetObjectItem(ans, "rejected")),
	    rejected);
	cJSON_Delete(ans);
}

/* The invariant of the ledger: every seq past the base counted once. */
static void
assert_counts(const struct ledger *lg, uint64_t last_seq, uint64_t stored,
    uint64_t rejected, uint64_t missing, uint64_t base_seq)
{
	assert_int_equal(lg->last_seq, last_seq);
	assert_int_equal(lg->stored, stored);
	assert_int_equal(lg->rejected, rejected);
	assert_int_equal(lg->missing, missing);
	assert_int_equal(lg->base_seq, base_seq);
	assert_int_equal(lg->stored + lg->rejected + lg->missing,
	    lg->last_seq - lg->base_seq);
}

/* What the code between them writes to stderr (the log). */
static int  stderr_saved = -1;
static char stderr_path[PATH_MAX];

static void
stderr_begin(void)
{
	int fd;

	snprintf(stderr_path, sizeof(stderr_path), "%s/stderr", tmpdir);
	fflush(stderr);
	fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd != -1);
	stderr_saved = dup(2);
	assert_true(stderr_saved != -1);
	dup2(fd, 2);
	close(fd);
}

/* Caller frees. */
static char *
stderr_end(void)
{
	char  *text;
	size_t len;

	fflush(stderr);
	dup2(stderr_saved, 2);
	close(stderr_saved);
	assert_int_equal(file_read(stderr_path, 1 << 20, &text, &len), 0);
	fputs(text, stderr);
	return text;
}

/* The number of times needle occurs in text. */
static int
count_str(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
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
	/* seqs 1..5: 3 never seen (unreadable), so last_seq 5 counts 2
	 * stored + 2 rejected + 1 missing. 7 is rejected past a gap (6):
	 * counted in no seq; the 2 unnumbered ones only in a metric. */
	assert_int_equal(lg->last_seq, 5);
	assert_int_equal(lg->stored, 2);
	assert_int_equal(lg->rejected, 2);
	assert_int_equal(lg->missing, 1);
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

/* One traffic record as JSON: iface's interval of 60 s ending at ts. */
static char *
trec(const char *probe, const char *iface, long ts, long seq,
    unsigned long long b6, unsigned long long b4, unsigned long long p6)
{
	char *s;

	if (asprintf(&s,
		"{\"kind\":\"traffic\",\"probe\":\"%s\",\"ts\":%ld,\"seq\":%ld,"
		"\"iface\":\"%s\",\"interval_s\":60,\"packets\":{\"ipv6\":%llu,"
		"\"ipv4\":3,\"other\":1},\"bytes\":{\"ipv6\":%llu,\"ipv4\":%llu,"
		"\"other\":7},\"icmpv6\":{\"packet_too_big\":0,"
		"\"dest_unreachable\":0}}",
		probe, ts, seq, iface, p6, b6, b4) == -1)
		abort();
	return s;
}

/* Assert the sums of lg's series iface (ipv6, ipv4, other). */
static void
assert_sums(struct ledger *lg, const char *iface, uint64_t b6, uint64_t b4,
    uint64_t bo, uint64_t p6, uint64_t p4, uint64_t po)
{
	struct series *s =
	    ledger_series(lg, RESULT_TRAFFIC, iface, FAMILY_IPV6, 0);

	assert_non_null(s);
	assert_true(s->bytes_total[0] == b6);
	assert_true(s->bytes_total[1] == b4);
	assert_true(s->bytes_total[2] == bo);
	assert_true(s->packets_total[0] == p6);
	assert_true(s->packets_total[1] == p4);
	assert_true(s->packets_total[2] == po);
}

/* A new ledger of probe name read from its file. */
static struct ledger *
reload(const char *name)
{
	struct ledger *lg = new_ledger(name);
	char	       err[256];

	if (ledger_load(lg, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	return lg;
}

/*
 * The bytes and packets of every traffic record stored are summed per
 * series: a batch sent twice counts once, the sums survive a save and a
 * load (a collector restart), a record written to the RRD before a crash
 * but not to the ledger counts once when sent again, and a sum saturates
 * at UINT64_MAX instead of wrapping.
 */
static void
test_traffic_totals(void **state)
{
	struct ledger *lg = new_ledger("p20");
	char	      *b1, *b2, *saved, *text;
	size_t	       len;

	(void)state;
	b1 = batch("p20",
	    (char *[]){trec("p20", "eth0", TS0, 1, 1000, 200, 10),
		trec("p20", "eth1", TS0, 2, 5, 6, 1),
		trec("p20", "eth0", TS0 + 60, 3, 3000, 400, 30)},
	    3);
	post_expect(lg, strdup(b1), NOW, 3, 0, 0);
	assert_sums(lg, "eth0", 4000, 600, 14, 40, 6, 2);
	assert_sums(lg, "eth1", 5, 6, 7, 1, 3, 1);
	/* Sent twice: duplicates, nothing added. */
	post_expect(lg, b1, NOW, 0, 3, 0);
	assert_sums(lg, "eth0", 4000, 600, 14, 40, 6, 2);

	/* A restart: the file holds the sums, as strings of digits. */
	ledger_free(lg);
	lg = reload("p20");
	assert_sums(lg, "eth0", 4000, 600, 14, 40, 6, 2);
	assert_sums(lg, "eth1", 5, 6, 7, 1, 3, 1);
	assert_int_equal(file_read(lg->path, 1 << 20, &text, &len), 0);
	assert_non_null(strstr(text,
	    "\"bytes_total\":{\"ipv6\":\"4000\",\"ipv4\":\"600\","
	    "\"other\":\"14\"},\"packets_total\":{\"ipv6\":\"40\","
	    "\"ipv4\":\"6\",\"other\":\"2\"}"));
	free(text);
	post_expect(lg,
	    batch("p20", (char *[]){trec("p20", "eth0", TS0 + 120, 4, 1, 1, 1)},
		1),
	    NOW, 1, 0, 0);
	assert_sums(lg, "eth0", 4001, 601, 21, 41, 9, 3);

	/* A crash after the RRD write, before the ledger save: the batch
	 * sent again is a duplicate but counted (once) as stored. */
	assert_int_equal(file_read(lg->path, 1 << 20, &saved, &len), 0);
	b2 = batch("p20",
	    (char *[]){trec("p20", "eth0", TS0 + 180, 5, 100, 0, 5)}, 1);
	post_expect(lg, strdup(b2), NOW, 1, 0, 0);
	assert_sums(lg, "eth0", 4101, 601, 28, 46, 12, 4);
	ledger_free(lg);
	assert_int_equal(file_write_atomic(new_ledger_path("p20"), saved, len,
			     0640),
	    0);
	free(saved);
	lg = reload("p20");
	assert_sums(lg, "eth0", 4001, 601, 21, 41, 9, 3);
	post_expect(lg, strdup(b2), NOW, 0, 1, 0);
	assert_sums(lg, "eth0", 4101, 601, 28, 46, 12, 4);
	post_expect(lg, b2, NOW, 0, 1, 0);
	assert_sums(lg, "eth0", 4101, 601, 28, 46, 12, 4);
	ledger_free(lg);

	/* Near the top: saturates, and is read back as written. */
	assert_int_equal(file_read(new_ledger_path("p20"), 1 << 20, &text,
			     &len),
	    0);
	{
		char *p = strstr(text, "\"bytes_total\":{\"ipv6\":\"4101\"");
		char *fixed;

		assert_non_null(p);
		*p = '\0';
		if (asprintf(&fixed,
			"%s\"bytes_total\":{\"ipv6\":\"18446744073709551000\"%s",
			text,
			p + strlen("\"bytes_total\":{\"ipv6\":\"4101\"")) == -1)
			abort();
		assert_int_equal(file_write_atomic(new_ledger_path("p20"),
				     fixed, strlen(fixed), 0640),
		    0);
		free(fixed);
	}
	free(text);
	lg = reload("p20");
	assert_sums(lg, "eth0", 18446744073709551000ULL, 601, 28, 46, 12, 4);
	post_expect(lg,
	    batch("p20",
		(char *[]){trec("p20", "eth0", TS0 + 240, 6, 1000, 1, 1)}, 1),
	    NOW, 1, 0, 0);
	assert_sums(lg, "eth0", UINT64_MAX, 602, 35, 47, 15, 5);
	ledger_free(lg);
	lg = reload("p20");
	assert_sums(lg, "eth0", UINT64_MAX, 602, 35, 47, 15, 5);
	ledger_free(lg);
}

/* Sums in the file: checked, and a file without them reads them as 0. */
static void
test_traffic_totals_file(void **state)
{
	static const char *const bad[] = {"\"-1\"", "\"01\"", "\"\"",
	    "\"18446744073709551616\"", "\"99999999999999999999\"", "5",
	    "\"1e3\"", "\" 1\"", "null"};
	static const char	 head[] =
	    "{\"probe\":\"q20\",\"last_seq\":1,\"stored\":1,\"rejected\":0,"
	    "\"last_seen\":0,\"series\":[{\"kind\":\"traffic\",\"name\":"
	    "\"eth0\",\"rrd_t\":1764480000,\"seq\":1,\"ts\":1764480000,"
	    "\"interval_s\":60,\"packets\":{\"ipv6\":1,\"ipv4\":2,\"other\":3},"
	    "\"bytes\":{\"ipv6\":4,\"ipv4\":5,\"other\":6},\"ptb\":0,"
	    "\"unreach\":0,\"drops\":0";
	struct ledger *lg;
	char	       text[1024], err[256];

	(void)state;
	for (size_t i = 0; i < NELEM(bad); i++) {
		snprintf(text, sizeof(text),
		    "%s,\"bytes_total\":{\"ipv6\":\"1\",\"ipv4\":%s,"
		    "\"other\":\"0\"}}]}",
		    head, bad[i]);
		lg = new_ledger("q20");
		assert_int_equal(file_write_atomic(lg->path, text, strlen(text),
				     0640),
		    0);
		err[0] = '\0';
		if (ledger_load(lg, err, sizeof(err)) != -1 ||
		    errno != EBADMSG ||
		    strstr(err, "series[0] does not decode") == NULL)
			fail_msg("case %zu (%s): '%s'", i, bad[i], err);
		ledger_free(lg);
	}
	snprintf(text, sizeof(text), "%s,\"packets_total\":[]}]}", head);
	lg = new_ledger("q20");
	assert_int_equal(file_write_atomic(lg->path, text, strlen(text), 0640),
	    0);
	assert_int_equal(ledger_load(lg, err, sizeof(err)), -1);
	ledger_free(lg);

	/* The largest, and a file of an older collector (no sums). */
	snprintf(text, sizeof(text),
	    "%s,\"bytes_total\":{\"ipv6\":\"18446744073709551615\",\"ipv4\":"
	    "\"0\",\"other\":\"9\"}}]}",
	    head);
	lg = new_ledger("q20");
	assert_int_equal(file_write_atomic(lg->path, text, strlen(text), 0640),
	    0);
	assert_int_equal(ledger_load(lg, err, sizeof(err)), 0);
	assert_sums(lg, "eth0", UINT64_MAX, 0, 9, 0, 0, 0);
	ledger_free(lg);
	snprintf(text, sizeof(text), "%s}]}", head);
	lg = new_ledger("q20");
	assert_int_equal(file_write_atomic(lg->path, text, strlen(text), 0640),
	    0);
	assert_int_equal(ledger_load(lg, err, sizeof(err)), 0);
	assert_sums(lg, "eth0", 0, 0, 0, 0, 0, 0);
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

/*
 * A record rejected past last_seq + 1 moves nothing, so the probe's next
 * records are stored, not answered as duplicates; a stored record may open
 * a gap within the allowance (SEQ_GAP_MAX plus SEQ_RATE_MAX per second
 * since last_seq last moved), not beyond.
 */
static void
test_seq_wild(void **state)
{
	struct ledger *lg = new_ledger("q4");
	char	      *recs[3], want[160];
	cJSON	      *ans;
	long	       t = TS0;
	uint64_t       far;

	(void)state;
	recs[0] = rec("q4", "a", "ipv6", t += 60, 1, "ok");
	post_expect(lg, batch("q4", recs, 1), NOW, 1, 0, 0);

	/* A wild seq on a bad record. */
	recs[0] =
	    rec("q4", "a", "ipv6", t += 60, 999999999999999, "no_such_outcome");
	post_expect(lg, batch("q4", recs, 1), NOW, 0, 0, 1);
	assert_counts(lg, 1, 1, 0, 0, 0);
	for (int i = 0; i < 3; i++)
		recs[i] = rec("q4", "a", "ipv6", t += 60, 2 + i, "ok");
	post_expect(lg, batch("q4", recs, 3), NOW, 3, 0, 0);
	assert_counts(lg, 4, 4, 0, 0, 0);

	/* A bad record past a gap (5 not yet sent), then 5 itself. */
	recs[0] = rec("q4", "a", "ipv6", t += 60, 6, "no_such_outcome");
	post_expect(lg, batch("q4", recs, 1), NOW, 0, 0, 1);
	assert_counts(lg, 4, 4, 0, 0, 0);
	recs[0] = rec("q4", "a", "ipv6", t += 60, 5, "ok");
	post_expect(lg, batch("q4", recs, 1), NOW, 1, 0, 0);
	assert_counts(lg, 5, 5, 0, 0, 0);

	/* A good record one past the allowance: rejected, nothing moves. */
	far = 5 + SEQ_GAP_MAX;
	recs[0] = rec("q4", "a", "ipv6", t += 60, (long)far + 1, "ok");
	assert_int_equal(post_take(lg, batch("q4", recs, 1), NOW, &ans), 200);
	assert_int_equal(num(ans, "accepted"), 0);
	snprintf(want, sizeof(want),
	    "field 'seq': %llu is more than %llu past the last one, 5",
	    (unsigned long long)far + 1, (unsigned long long)SEQ_GAP_MAX);
	assert_string_equal(rejected_error(ans, 0), want);
	cJSON_Delete(ans);
	assert_counts(lg, 5, 5, 0, 0, 0);

	/* At the allowance: stored, the seqs skipped missing. */
	recs[0] = rec("q4", "a", "ipv6", t += 60, (long)far, "ok");
	post_expect(lg, batch("q4", recs, 1), NOW, 1, 0, 0);
	assert_counts(lg, far, 6, 0, SEQ_GAP_MAX - 1, 0);

	/* 100 s later the allowance is 25,000,000 records wider. */
	recs[0] = rec("q4", "a", "ipv6", t += 60,
	    (long)(far + SEQ_GAP_MAX + 25000001), "ok");
	post_expect(lg, batch("q4", recs, 1), NOW + 100, 0, 0, 1);
	recs[0] = rec("q4", "a", "ipv6", t += 60,
	    (long)(far + SEQ_GAP_MAX + 25000000), "ok");
	post_expect(lg, batch("q4", recs, 1), NOW + 100, 1, 0, 0);
	far += SEQ_GAP_MAX + 25000000;
	assert_counts(lg, far, 7, 0, 2 * SEQ_GAP_MAX + 25000000 - 2, 0);
	ledger_free(lg);
}

/*
 * Seqs a stored record skips are counted missing and logged once with
 * their number; those rejected earlier in the same batch count as
 * rejected. The counts are durable.
 */
static void
test_gap_missing(void **state)
{
	struct ledger *lg = new_ledger("q6");
	char	      *recs[4], *log, err[256];
	long	       t = TS0;

	(void)state;
	for (int i = 0; i < 2; i++)
		recs[i] = rec("q6", "a", "ipv6", t += 60, 1 + i, "ok");
	post_expect(lg, batch("q6", recs, 2), NOW, 2, 0, 0);
	stderr_begin();
	recs[0] = rec("q6", "a", "ipv6", t += 60, 10, "ok");
	post_expect(lg, batch("q6", recs, 1), NOW, 1, 0, 0);
	log = stderr_end();
	assert_int_equal(count_str(log,
			     "warning: probe q6: seqs 3..9 never arrived (7 "
			     "records)\n"),
	    1);
	assert_int_equal(count_str(log, "never arrived"), 1);
	free(log);
	assert_counts(lg, 10, 3, 0, 7, 0);

	/* Rejected past the gap, then a record stored after them in the
	 * same batch. */
	stderr_begin();
	recs[0] = rec("q6", "a", "ipv6", t += 60, 13, "bogus");
	recs[1] = rec("q6", "a", "ipv6", t += 60, 14, "bogus");
	recs[2] = rec("q6", "a", "ipv6", t += 60, 14, "bogus");
	recs[3] = rec("q6", "a", "ipv6", t += 60, 16, "ok");
	post_expect(lg, batch("q6", recs, 4), NOW, 1, 0, 3);
	log = stderr_end();
	assert_int_equal(count_str(log,
			     "warning: probe q6: of seqs 11..15, 3 never "
			     "arrived (2 more were rejected)\n"),
	    1);
	free(log);
	assert_counts(lg, 16, 4, 2, 10, 0);
	ledger_free(lg);

	lg = new_ledger("q6");
	assert_int_equal(ledger_load(lg, err, sizeof(err)), 0);
	assert_counts(lg, 16, 4, 2, 10, 0);
	ledger_free(lg);
}

/* The spool ID: a new spool starts the sequence again, an ID seen for the
 * first time while the seqs go on is only noted. */
static void
test_spool_identity(void **state)
{
	static const char *const bad[][2] = {
	    {"7", "field 'spool': must be a string"},
	    {"\"0123456789ABCDEF\"",
		"field 'spool': must be 16 lower-case hex digits"},
	    {"\"0123456789abcde\"",
		"field 'spool': must be 16 lower-case hex digits"},
	    {"\"0123456789abcdef0\"",
		"field 'spool': must be 16 lower-case hex digits"},
	    {"\"\"", "field 'spool': must be 16 lower-case hex digits"},
	};
	const char    *A = "0123456789abcdef", *B = "fedcba9876543210";
	struct ledger *lg = new_ledger("q5"), *back;
	char	      *recs[40], *log, body[128], err[256];
	cJSON	      *ans;
	long	       t = TS0;

	(void)state;
	for (size_t i = 0; i < NELEM(bad); i++) {
		snprintf(body, sizeof(body),
		    "{\"probe\":\"q5\",\"spool\":%s,\"results\":[]}",
		    bad[i][0]);
		assert_int_equal(post(lg, body, &ans), 400);
		assert_string_equal(cJSON_GetObjectItem(ans, "error")
					->valuestring,
		    bad[i][1]);
		cJSON_Delete(ans);
	}

	/* Spool A: 37 records. */
	for (int i = 0; i < 37; i++)
		recs[i] = rec("q5", "a", "ipv6", t += 60, 1 + i, "ok");
	post_expect(lg, batch_spool("q5", A, recs, 37), NOW, 37, 0, 0);
	assert_string_equal(lg->spool, A);
	assert_int_equal(lg->resets, 0);

	/* The probe re-installed: spool B from seq 1, each one stored. */
	stderr_begin();
	for (int i = 0; i < 3; i++)
		recs[i] = rec("q5", "a", "ipv6", t += 60, 1 + i, "ok");
	post_expect(lg, batch_spool("q5", B, recs, 3), NOW + 5, 3, 0, 0);
	log = stderr_end();
	assert_int_equal(count_str(log,
			     "warning: probe q5: new spool ID fedcba9876543210 "
			     "(was 0123456789abcdef, last seq 37); its "
			     "sequence starts again"),
	    1);
	free(log);
	assert_string_equal(lg->spool, B);
	assert_int_equal(lg->resets, 1);
	assert_int_equal(lg->reset_reason, LEDGER_RESET_NEW_SPOOL);
	assert_true(lg->reset_at == NOW + 5);
	assert_counts(lg, 3, 3, 0, 0, 0);

	/* The same batch again: duplicates, no second restart. */
	for (int i = 0; i < 3; i++)
		recs[i] = rec("q5", "a", "ipv6", t - 120 + 60 * i, 1 + i, "ok");
	post_expect(lg, batch_spool("q5", B, recs, 3), NOW + 6, 0, 3, 0);
	assert_int_equal(lg->resets, 1);

	/* Read back: the spool ID and the restart are durable. */
	back = new_ledger("q5");
	assert_int_equal(ledger_load(back, err, sizeof(err)), 0);
	assert_string_equal(back->spool, B);
	assert_int_equal(back->resets, 1);
	assert_int_equal(back->reset_reason, LEDGER_RESET_NEW_SPOOL);
	assert_true(back->reset_at == NOW + 5);
	ledger_free(back);

	/* A new spool that dropped its first records before it could send
	 * them: a spool numbers from 1, so they are missing. */
	recs[0] = rec("q5", "a", "ipv6", t += 60, 5, "ok");
	post_expect(lg, batch_spool("q5", A, recs, 1), NOW + 7, 1, 0, 0);
	assert_int_equal(lg->resets, 2);
	assert_counts(lg, 5, 1, 0, 4, 0);
	ledger_free(lg);

	/* An older probe (no spool ID) upgraded: the ID arrives while the
	 * seqs go on -- noted, no restart. */
	lg = new_ledger("q5u");
	for (int i = 0; i < 3; i++)
		recs[i] = rec("q5u", "a", "ipv6", t += 60, 1 + i, "ok");
	post_expect(lg, batch("q5u", recs, 3), NOW, 3, 0, 0);
	assert_string_equal(lg->spool, "");
	for (int i = 0; i < 2; i++)
		recs[i] = rec("q5u", "a", "ipv6", t += 60, 4 + i, "ok");
	post_expect(lg, batch_spool("q5u", A, recs, 2), NOW, 2, 0, 0);
	assert_string_equal(lg->spool, A);
	assert_int_equal(lg->resets, 0);
	assert_counts(lg, 5, 5, 0, 0, 0);
	ledger_free(lg);

	/* An older probe replaced by a new install (new spool from 1). */
	lg = new_ledger("q5r");
	for (int i = 0; i < 37; i++)
		recs[i] = rec("q5r", "a", "ipv6", t += 60, 1 + i, "ok");
	post_expect(lg, batch("q5r", recs, 37), NOW, 37, 0, 0);
	for (int i = 0; i < 3; i++)
		recs[i] = rec("q5r", "a", "ipv6", t += 60, 1 + i, "ok");
	post_expect(lg, batch_spool("q5r", A, recs, 3), NOW, 3, 0, 0);
	assert_int_equal(lg->resets, 1);
	assert_counts(lg, 3, 3, 0, 0, 0);

	/* ... and by an older probe again: seqs that go on keep the
	 * sequence, seqs from 1 start it again. */
	recs[0] = rec("q5r", "a", "ipv6", t += 60, 4, "ok");
	post_expect(lg, batch("q5r", recs, 1), NOW, 1, 0, 0);
	assert_int_equal(lg->resets, 1);
	assert_string_equal(lg->spool, "");
	recs[0] = rec("q5r", "a", "ipv6", t += 60, 5, "ok");
	post_expect(lg, batch_spool("q5r", B, recs, 1), NOW, 1, 0, 0);
	recs[0] = rec("q5r", "a", "ipv6", t += 60, 1, "ok");
	post_expect(lg, batch("q5r", recs, 1), NOW, 1, 0, 0);
	assert_int_equal(lg->resets, 2);
	assert_counts(lg, 1, 1, 0, 0, 0);
	ledger_free(lg);
}

/* A record from the future is rejected; the series goes on. */
static void
test_future_ts(void **state)
{
	struct ledger *lg = new_ledger("q7");
	double	       now = TS0 + 1000;
	char	      *recs[3];
	cJSON	      *ans;

	(void)state;
	recs[0] = rec("q7", "a", "ipv6", 4070908800, 1, "ok"); /* 2099 */
	recs[1] = rec("q7", "b", "ipv6", TS0 + 1300, 2, "ok");
	recs[2] = rec("q7", "b", "ipv4", TS0 + 1200, 3, "ok");
	assert_int_equal(post_take(lg, batch("q7", recs, 3), now, &ans), 200);
	assert_int_equal(num(ans, "accepted"), 2);
	assert_string_equal(rejected_error(ans, 0),
	    "field 'ts': 2306427800 s ahead of the collector's clock (at "
	    "most 300 s allowed)");
	cJSON_Delete(ans);
	assert_int_equal(post_take(lg,
			     batch("q7",
				 (char *[]){rec("q7", "b", "ipv4", TS0 + 1301,
				     4, "ok")},
				 1),
			     now, &ans),
	    200);
	assert_string_equal(rejected_error(ans, 0),
	    "field 'ts': 301 s ahead of the collector's clock (at most 300 s "
	    "allowed)");
	cJSON_Delete(ans);
	/* The honest record after the one from 2099 is stored. */
	recs[0] = rec("q7", "a", "ipv6", TS0 + 900, 5, "ok");
	post_expect(lg, batch("q7", recs, 1), now, 1, 0, 0);
	assert_int_equal(rrd_last_of("q7", "a", FAMILY_IPV6), TS0 + 900);
	assert_counts(lg, 5, 3, 2, 0, 0);
	ledger_free(lg);
}

/* Duplicate keys: in the envelope a 400 naming the key, in a record the
 * record rejected naming the field. */
static void
test_duplicate_keys(void **state)
{
	static const char *const envelopes[][2] = {
	    {"{\"probe\":\"q9\",\"probe\":\"p2\",\"results\":[]}",
		"field 'probe': duplicate field"},
	    {"{\"probe\":\"q9\",\"results\":[],\"results\":[]}",
		"field 'results': duplicate field"},
	    {"{\"probe\":\"q9\",\"spool\":\"0123456789abcdef\",\"spool\":"
	     "\"fedcba9876543210\",\"results\":[]}",
		"field 'spool': duplicate field"},
	};
	static const char *const records[][2] = {
	    {"\"outcome\":\"ok\",\"seq\":99", "field 'seq': duplicate field"},
	    {"\"outcome\":\"ok\",\"outcome\":\"timeout\"",
		"field 'outcome': duplicate field"},
	    {"\"outcome\":\"ok\",\"ms\":{\"dns\":1,\"dns\":2}",
		"field 'ms.dns': duplicate field"},
	    {"\"outcome\":\"ok\",\"http\":{\"status\":200,"
	     "\"bytes\":1,\"status\":500}",
		"field 'http.status': duplicate field"},
	    {"\"outcome\":\"ok\",\"tls\":{\"version\":\"a\","
	     "\"version\":\"b\"}",
		"field 'tls.version': duplicate field"},
	    {"\"outcome\":\"ok\",\"addresses\":[{\"ip\":"
	     "\"2001:db8::1\",\"outcome\":\"ok\",\"ip\":\"2001:db8::2\"}]",
		"field 'addresses[0].ip': duplicate field"},
	};
	struct ledger *lg = new_ledger("q9");
	char	       body[512];
	cJSON	      *ans;

	(void)state;
	for (size_t i = 0; i < NELEM(envelopes); i++) {
		assert_int_equal(post(lg, envelopes[i][0], &ans), 400);
		assert_string_equal(cJSON_GetObjectItem(ans, "error")
					->valuestring,
		    envelopes[i][1]);
		cJSON_Delete(ans);
	}
	for (size_t i = 0; i < NELEM(records); i++) {
		snprintf(body, sizeof(body),
		    "{\"probe\":\"q9\",\"results\":[{\"probe\":\"q9\","
		    "\"target\":\"a\",\"url\":\"https://a.example/\","
		    "\"family\":\"ipv6\",\"ts\":%d,\"seq\":%zu,%s}]}",
		    TS0, i + 1, records[i][0]);
		assert_int_equal(post(lg, body, &ans), 200);
		assert_int_equal(num(ans, "accepted"), 0);
		assert_string_equal(rejected_error(ans, 0), records[i][1]);
		cJSON_Delete(ans);
	}
	snprintf(body, sizeof(body),
	    "{\"probe\":\"q9\",\"results\":[{\"kind\":\"traffic\",\"probe\":"
	    "\"q9\",\"ts\":%d,\"seq\":7,\"iface\":\"eth0\",\"iface\":\"eth1\","
	    "\"interval_s\":60,\"packets\":{\"ipv6\":1,\"ipv4\":1,\"other\":"
	    "0},\"bytes\":{\"ipv6\":1,\"ipv4\":1,\"other\":0},\"icmpv6\":{"
	    "\"packet_too_big\":0,\"dest_unreachable\":0}}]}",
	    TS0);
	assert_int_equal(post(lg, body, &ans), 200);
	assert_string_equal(rejected_error(ans, 0),
	    "field 'iface': duplicate field");
	cJSON_Delete(ans);
	assert_counts(lg, 7, 0, 7, 0, 0);
	ledger_free(lg);
}

/* The status document's entry of probe name (NULL when absent). */
static const cJSON *
status_probe(const cJSON *doc, const char *name)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, cJSON_GetObjectItem(doc, "probes"))
	{
		if (strcmp(cJSON_GetObjectItem(p, "name")->valuestring, name) ==
		    0)
			return p;
	}
	return NULL;
}

/*
 * A ledger the collector sets aside: the new one marks the restart and
 * counts from the first record it stores, its base just below; status
 * shows it all. A file that decodes far enough hands over its count of
 * restarts, nothing else.
 */
static void
test_ledger_set_aside(void **state)
{
	struct collector_conf *cc;
	struct collector      *co;
	struct ledger	      *lg;
	struct cfg	       c;
	const cJSON	      *p;
	char   dir[128], path[PATH_MAX], err[512], *text, *recs[2];
	cJSON *doc;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/co", tmpdir);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/data", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/data/state", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/t.token", dir);
	assert_int_equal(file_write_atomic(path, "tok-r1\n", 7, 0600), 0);
	snprintf(path, sizeof(path), "%s/t2.token", dir);
	assert_int_equal(file_write_atomic(path, "tok-r2\n", 7, 0600), 0);
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	text = "collector = { name = \"c\"; data_dir = \"data\"; user = "
	       "\"nobody\"; };\n"
	       "probes = ( { name = \"r1\"; token_file = \"t.token\"; },\n"
	       "           { name = \"r2\"; token_file = \"t2.token\"; } );\n";
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0600), 0);
	/* r1: cut short; r2: decodes, but its counts do not add up. */
	snprintf(path, sizeof(path), "%s/data/state/r1.json", dir);
	text = "{\"probe\":\"r1\",\"last_seq\":60000,\"stored\":60000,";
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0600), 0);
	snprintf(path, sizeof(path), "%s/data/state/r2.json", dir);
	text = "{\"probe\":\"r2\",\"spool\":\"\",\"last_seq\":9,\"stored\":1,"
	       "\"rejected\":0,\"missing\":0,\"base_seq\":0,\"resets\":2,"
	       "\"reset_at\":1,\"reset_reason\":\"new spool\",\"last_seen\":"
	       "0,\"series\":[]}";
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0600), 0);

	snprintf(path, sizeof(path), "%s/c.conf", dir);
	cc = collector_conf_load(path, NULL, &c);
	cfg_report(&c);
	cfg_close(&c);
	assert_non_null(cc);
	co = collector_new(path, cc, NULL);
	stderr_begin();
	if (collector_open(co, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	text = stderr_end();
	lg = collector_ledger(co, "r1");
	assert_int_equal(lg->resets, 1);
	assert_int_equal(lg->reset_reason, LEDGER_RESET_UNREADABLE);
	assert_true(lg->reset_at > TS0);
	assert_int_equal(count_str(text, "ledger unreadable"), 2);
	free(text);
	assert_int_equal(collector_ledger(co, "r2")->resets, 3);
	/* Durable at once, before any record. */
	snprintf(path, sizeof(path), "%s/data/state/r1.json", dir);
	assert_int_equal(file_read(path, 1 << 20, &text, NULL), 0);
	assert_non_null(strstr(text, "\"reset_reason\":\"ledger unreadable\""));
	free(text);

	/* The probe goes on: 60001 is the first seq counted. A bad record
	 * before it in the batch is counted, rejected. */
	recs[0] = rec("r1", "a", "ipv6", TS0, 60001, "bogus");
	recs[1] = rec("r1", "a", "ipv6", TS0 + 60, 60002, "ok");
	post_expect(lg, batch("r1", recs, 2), NOW, 1, 0, 1);
	assert_counts(lg, 60002, 1, 1, 0, 60000);
	recs[0] = rec("r1", "a", "ipv6", TS0 + 120, 60003, "ok");
	post_expect(lg, batch("r1", recs, 1), NOW, 1, 0, 0);
	assert_counts(lg, 60003, 2, 1, 0, 60000);

	text = status_json(co, NOW);
	doc = cJSON_Parse(text);
	cJSON_free(text);
	assert_non_null(doc);
	p = status_probe(doc, "r1");
	assert_non_null(p);
	assert_int_equal(num(p, "last_seq"), 60003);
	assert_int_equal(num(p, "stored"), 2);
	assert_int_equal(num(p, "rejected"), 1);
	assert_int_equal(num(p, "missing"), 0);
	assert_int_equal(num(p, "base_seq"), 60000);
	assert_int_equal(num(p, "resets"), 1);
	assert_true(num(p, "reset_at") == lg->reset_at);
	assert_string_equal(cJSON_GetObjectItem(p, "reset_reason")->valuestring,
	    "ledger unreadable");
	assert_string_equal(cJSON_GetObjectItem(p, "spool")->valuestring, "");
	p = status_probe(doc, "r2");
	assert_int_equal(num(p, "resets"), 3);
	assert_int_equal(num(p, "last_seq"), 0);
	cJSON_Delete(doc);

	/* Both files set aside are kept. */
	snprintf(path, sizeof(path), "%s/data/state", dir);
	{
		DIR	      *d = opendir(path);
		struct dirent *e;
		int	       n = 0;

		assert_non_null(d);
		while ((e = readdir(d)) != NULL)
			n += strstr(e->d_name, ".json.bad-") != NULL;
		closedir(d);
		assert_int_equal(n, 2);
	}
	collector_free(co);
}

/* The new fields of the file: kept, checked, and old files still load. */
static void
test_ledger_fields(void **state)
{
	static const char *const bad[][2] = {
	    {"\"spool\":\"0123\",", "field 'spool'"},
	    {"\"spool\":7,", "field 'spool'"},
	    {"\"missing\":-1,", "field 'missing'"},
	    {"\"missing\":1.5,", "field 'missing'"},
	    {"\"base_seq\":\"0\",", "field 'base_seq'"},
	    {"\"base_pending\":1,", "field 'base_pending'"},
	    {"\"resets\":1e16,", "field 'resets'"},
	    {"\"reset_at\":-3,", "field 'reset_at'"},
	    {"\"reset_reason\":\"tired\",", "field 'reset_reason'"},
	    {"\"last_seq_at\":true,", "field 'last_seq_at'"},
	    {"\"nonsense\":1,", "field 'nonsense': unknown field"},
	    {"\"stored\":4,", "field 'stored': duplicate field"},
	    {"\"missing\":1,",
		"stored + rejected + missing (4 + 0 + 1) is "
		"not last_seq - base_seq (4 - 0)"},
	    {"\"base_seq\":5,", "base_seq 5 is above last_seq 4"},
	    {"\"base_pending\":true,",
		"base_seq 0 (pending) is above "
		"last_seq 4"},
	    {"\"resets\":1,", "resets 1 with reset_reason ''"},
	    {"\"reset_reason\":\"new spool\",",
		"resets 0 with reset_reason 'new spool'"},
	};
	struct ledger *lg;
	char	       text[512], err[256];

	(void)state;
	for (size_t i = 0; i < NELEM(bad); i++) {
		snprintf(text, sizeof(text),
		    "{\"probe\":\"q11\",%s\"last_seq\":4,\"stored\":4,"
		    "\"rejected\":0,\"last_seen\":0,\"series\":[]}",
		    bad[i][0]);
		lg = new_ledger("q11");
		assert_int_equal(file_write_atomic(lg->path, text, strlen(text),
				     0640),
		    0);
		err[0] = '\0';
		if (ledger_load(lg, err, sizeof(err)) != -1 ||
		    errno != EBADMSG || strstr(err, bad[i][1]) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
			    bad[i][1]);
		ledger_free(lg);
	}

	/* A file of an older collector: seqs counted in neither were never
	 * received; the history before them is known. */
	lg = new_ledger("q11");
	snprintf(text, sizeof(text),
	    "{\"probe\":\"q11\",\"last_seq\":7,\"stored\":2,\"rejected\":3,"
	    "\"last_seen\":%d,\"series\":[]}",
	    TS0);
	assert_int_equal(file_write_atomic(lg->path, text, strlen(text), 0640),
	    0);
	assert_int_equal(ledger_load(lg, err, sizeof(err)), 0);
	assert_counts(lg, 7, 2, 3, 2, 0);
	assert_int_equal(lg->base_pending, 0);
	assert_string_equal(lg->spool, "");
	assert_int_equal(lg->resets, 0);
	assert_true(lg->last_seq_at == TS0);
	ledger_free(lg);

	/* A new ledger knows no history: its first record sets the base. */
	lg = new_ledger("q12");
	assert_int_equal(lg->base_pending, 1);
	post_expect(lg,
	    batch("q12", (char *[]){rec("q12", "a", "ipv6", TS0, 42, "ok")}, 1),
	    NOW, 1, 0, 0);
	assert_counts(lg, 42, 1, 0, 0, 41);
	ledger_free(lg);
	/* ... and every field is read back as written. */
	lg = new_ledger("q12");
	assert_int_equal(ledger_load(lg, err, sizeof(err)), 0);
	assert_counts(lg, 42, 1, 0, 0, 41);
	assert_int_equal(lg->base_pending, 0);
	assert_true(lg->last_seq_at == NOW);
	ledger_free(lg);
}

/*
 * A reader (another process) holds the read lock of one file: the batch
 * stops at that record without waiting (INGEST_AGAIN, nothing answered,
 * the records before it decided), says when to try again, and goes on
 * from there once the reader is gone: answered as if it had run at once.
 * ingest_post(), with no loop to come back, answers 503 instead.
 */
static void
test_locked_file_steps(void **state)
{
	struct ledger *lg = new_ledger("lk");
	struct ingest *job;
	char	      *recs[3], *body, *text, path[PATH_MAX], c;
	cJSON	      *ans;
	uint64_t       retry_ms = 0, waits0, fails0, waits, fails;
	int	       go[2], held[2];
	pid_t	       pid;

	(void)state;
	recs[0] = rec("lk", "a", "ipv6", TS0, 1, "ok");
	recs[1] = rec("lk", "b", "ipv6", TS0, 2, "ok");
	assert_int_equal(post_take(lg, batch("lk", recs, 2), TS0 + 200, &ans),
	    200);
	assert_int_equal(num(ans, "accepted"), 2);
	cJSON_Delete(ans);
	assert_int_equal(store_path(st, "lk", "b", STORE_CHECK, FAMILY_IPV6,
			     path, sizeof(path)),
	    0);
	store_lock_counts(st, &waits0, &fails0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(held), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) { /* a reader holding b's file */
		struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
		int	     fd = open(path, O_RDONLY);

		alarm(20);
		close(go[1]);
		if (fd == -1 || fcntl(fd, F_SETLK, &fl) == -1)
			_exit(1);
		(void)!write(held[1], "h", 1);
		(void)!read(go[0], &c, 1);
		_exit(0);
	}
	close(held[1]);
	close(go[0]);
	assert_int_equal(read(held[0], &c, 1), 1);

	recs[0] = rec("lk", "a", "ipv6", TS0 + 60, 3, "ok");
	recs[1] = rec("lk", "b", "ipv6", TS0 + 60, 4, "ok");
	recs[2] = rec("lk", "a", "ipv6", TS0 + 120, 5, "ok");
	body = batch("lk", recs, 3);
	job = ingest_start(st, lg, body, strlen(body), TS0 + 200);
	assert_int_equal(ingest_step(job, &text, &retry_ms), INGEST_AGAIN);
	assert_null(text);
	assert_int_equal(retry_ms, 1);
	assert_int_equal(lg->last_seq, 3); /* a stored, b waits */
	assert_int_equal(ingest_step(job, &text, &retry_ms), INGEST_AGAIN);
	assert_int_equal(retry_ms, 2);
	/* with no loop to come back: 503, the probe sends it again */
	assert_int_equal(post_at(lg, body, TS0 + 200, &ans), 503);
	cJSON_Delete(ans);
	assert_int_equal(lg->last_seq, 3);

	close(go[1]); /* the reader goes */
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	close(held[0]);
	assert_int_equal(ingest_step(job, &text, &retry_ms), 200);
	ans = cJSON_Parse(text);
	cJSON_free(text);
	assert_int_equal(num(ans, "accepted"), 3);
	assert_int_equal(num(ans, "duplicates"), 0);
	assert_int_equal(cJSON_GetArraySize(
			     cJSON_GetObjectItemCaseSensitive(ans, "rejected")),
	    0);
	cJSON_Delete(ans);
	ingest_free(job);
	free(body);
	assert_int_equal(lg->last_seq, 5);
	assert_int_equal(lg->stored, 5);
	store_lock_counts(st, &waits, &fails);
	assert_int_equal(waits - waits0, 2); /* the batch's, ingest_post's */
	assert_int_equal(fails - fails0, 1); /* ingest_post's */
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
	    cmocka_unit_test(test_traffic_totals),
	    cmocka_unit_test(test_traffic_totals_file),
	    cmocka_unit_test(test_ledger_file),
	    cmocka_unit_test(test_seq_wild),
	    cmocka_unit_test(test_gap_missing),
	    cmocka_unit_test(test_spool_identity),
	    cmocka_unit_test(test_future_ts),
	    cmocka_unit_test(test_duplicate_keys),
	    cmocka_unit_test(test_ledger_set_aside),
	    cmocka_unit_test(test_ledger_fields),
	    cmocka_unit_test(test_locked_file_steps),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
