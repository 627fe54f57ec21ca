/*
 * Retiring and renaming targets in a real collector (no event loop): the
 * series leave the ledgers and the alert state, the RRD files move (kept),
 * the catalogue remembers, records still sent are rejected with the
 * reason; requests come through the requests file; a central list that
 * changes retires, renames and takes back.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "alert.h"
#include "catalog.h"
#include "collector.h"
#include "conf.h"
#include "ingest.h"
#include "ledger.h"
#include "metrics.h"
#include "status.h"
#include "table.h"
#include "targets.h"
#include "tmpdir.h"
#include "log.h"
#include "util.h"

#define TS0 1764480000L

static char dir[256];

/* A collector on a fresh data_dir under tmpdir/name. */
static struct collector *
open_collector(const char *name)
{
	struct collector_conf *cc;
	struct collector      *co;
	struct cfg	       c;
	char		       path[PATH_MAX], err[512];
	const char	      *text;

	snprintf(dir, sizeof(dir), "%s/%s", tmpdir, name);
	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/data", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/p.token", dir);
	assert_int_equal(file_write_atomic(path, "tok-p1\n", 7, 0600), 0);
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	text = "collector = { name = \"c\"; data_dir = \"data\"; user = "
	       "\"nobody\"; };\n"
	       "probes = ( { name = \"p1\"; token_file = \"p.token\"; } );\n";
	if (access(path, F_OK) != 0)
		assert_int_equal(file_write_atomic(path, text, strlen(text),
				     0600),
		    0);
	cc = collector_conf_load(path, NULL, &c);
	cfg_report(&c);
	cfg_close(&c);
	assert_non_null(cc);
	co = collector_new(path, cc, NULL);
	if (collector_open(co, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	return co;
}

/* Post one record of target (both families when both); the answer's
 * rejected[0].error or NULL, copied into err. */
static int
post(struct collector *co, const char *target, long seq, long ts, char *err,
    size_t errlen)
{
	struct ledger *lg = collector_ledger(co, "p1");
	char	      *body, *answer;
	cJSON	      *a;
	const cJSON   *r;
	int	       status, rejected;

	if (asprintf(&body,
		"{\"probe\":\"p1\",\"results\":[{\"probe\":\"p1\",\"target\":"
		"\"%s\",\"url\":\"https://%s.example/\",\"family\":\"ipv6\","
		"\"ts\":%ld,\"seq\":%ld,\"outcome\":\"ok\",\"ms\":{\"total\":"
		"20}}]}",
		target, target, ts, seq) == -1)
		abort();
	status = ingest_post(co->store, lg, body, strlen(body), (double)ts + 1,
	    &answer);
	free(body);
	assert_int_equal(status, 200);
	a = cJSON_Parse(answer);
	cJSON_free(answer);
	r = cJSON_GetArrayItem(cJSON_GetObjectItem(a, "rejected"), 0);
	rejected = r != NULL;
	if (err != NULL)
		snprintf(err, errlen, "%s",
		    r != NULL ? cJSON_GetObjectItem(r, "error")->valuestring :
				"");
	cJSON_Delete(a);
	return rejected;
}

static int
exists(const char *rel)
{
	char	    path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/data/%s", dir, rel);
	return stat(path, &st) == 0;
}

static int
has_series(struct collector *co, const char *target)
{
	return ledger_series(collector_ledger(co, "p1"), RESULT_CHECK, target,
		   FAMILY_IPV6, 0) != NULL;
}

static void
test_retire(void **state)
{
	struct collector *co = open_collector("retire");
	char		  msg[1024], err[512], *text;
	size_t		  len;

	(void)state;
	assert_int_equal(post(co, "old", 1, TS0, NULL, 0), 0);
	assert_int_equal(post(co, "keep", 2, TS0, NULL, 0), 0);
	assert_true(exists("rrd/p1/old.ipv6.rrd"));
	assert_true(has_series(co, "old"));

	/* Unknown ids and the id rule are refused with the reason. */
	assert_int_equal(collector_retire(co, "nope", "gone", msg, sizeof(msg)),
	    -1);
	assert_non_null(strstr(msg, "no target 'nope' is known"));

	assert_int_equal(collector_retire(co, "old", "closed down", msg,
			     sizeof(msg)),
	    0);
	assert_non_null(strstr(msg, "1 files moved"));
	assert_false(has_series(co, "old"));
	assert_true(has_series(co, "keep"));
	assert_false(exists("rrd/p1/old.ipv6.rrd"));
	assert_true(exists("retired/p1/old.ipv6.rrd"));
	/* Gone from status and metrics. */
	text = status_json(co, (double)TS0 + 10);
	assert_null(strstr(text, "\"old\""));
	assert_non_null(strstr(text, "\"keep\""));
	cJSON_free(text);
	text = metrics_text(co, &len);
	assert_null(strstr(text, "target=\"old\""));
	assert_non_null(strstr(text, "target=\"keep\""));
	free(text);

	/* A record still sent is rejected with the reason, and counted. */
	assert_int_equal(post(co, "old", 3, TS0 + 60, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "target 'old' is retired (closed down)"));
	assert_int_equal(collector_ledger(co, "p1")->n_retired, 1);
	assert_int_equal(collector_ledger(co, "p1")->rejected, 1);
	text = metrics_text(co, &len);
	assert_non_null(
	    strstr(text, "\nv6watch_results_retired_total{probe=\"p1\"} 1\n"));
	free(text);
	assert_false(has_series(co, "old"));
	assert_int_equal(collector_retire(co, "old", "again", msg, sizeof(msg)),
	    -1);
	assert_non_null(strstr(msg, "retired already"));
	collector_free(co);

	/* Across a restart: still retired, still rejected. */
	co = open_collector("retire");
	assert_non_null(catalog_retired(&co->catalog, "old"));
	assert_int_equal(post(co, "old", 4, TS0 + 120, err, sizeof(err)), 1);
	assert_false(has_series(co, "old"));
	collector_free(co);
}

static void
test_rename(void **state)
{
	struct collector *co = open_collector("rename");
	char		  msg[1024], err[512];

	(void)state;
	assert_int_equal(post(co, "a", 1, TS0, NULL, 0), 0);
	assert_int_equal(post(co, "b", 2, TS0, NULL, 0), 0);
	assert_int_equal(collector_rename(co, "a", "b", msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "has a history of its own"));
	assert_int_equal(collector_rename(co, "a", "-x", msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "must begin with a letter or a digit"));
	assert_int_equal(collector_rename(co, "a", "c", msg, sizeof(msg)), 0);
	assert_false(exists("rrd/p1/a.ipv6.rrd"));
	assert_true(exists("rrd/p1/c.ipv6.rrd"));
	assert_false(has_series(co, "a"));
	assert_true(has_series(co, "c"));
	/* The history goes on under the new id: a newer record updates
	 * the renamed file. */
	assert_int_equal(post(co, "c", 3, TS0 + 60, NULL, 0), 0);
	/* The old id is refused, naming the new one. */
	assert_int_equal(post(co, "a", 4, TS0 + 60, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "renamed to c"));
	collector_free(co);
}

/* The requests file of `v6collector target`: applied at open. */
static void
test_requests_file(void **state)
{
	struct collector *co = open_collector("requests");
	char		  path[PATH_MAX], *text;
	const char	 *req =
	    "{\"version\":1,\"next\":3,\"pending\":["
	    "{\"n\":1,\"op\":\"retire\",\"id\":\"x\",\"reason\":\"test\"},"
	    "{\"n\":2,\"op\":\"rename\",\"from\":\"nope\",\"to\":\"y\"}]}";

	(void)state;
	assert_int_equal(post(co, "x", 1, TS0, NULL, 0), 0);
	collector_free(co);
	snprintf(path, sizeof(path), "%s/data/target-requests.json", dir);
	assert_int_equal(file_write_atomic(path, req, strlen(req), 0600), 0);
	co = open_collector("requests");
	assert_false(has_series(co, "x"));
	assert_true(exists("retired/p1/x.ipv6.rrd"));
	assert_int_equal(file_read(path, 1 << 20, &text, NULL), 0);
	assert_non_null(strstr(text, "\"pending\":[]"));
	assert_non_null(strstr(text, "\"n\":1,\"op\":\"retire\""));
	assert_non_null(strstr(text, "\"ok\":true"));
	assert_non_null(strstr(text, "\"ok\":false"));
	assert_non_null(strstr(text, "no target 'nope' is known"));
	free(text);
	collector_free(co);
}

/* A list of (id, url) pairs, as targets_load() would give it. */
static struct target_list *
list_of(const char *const *pairs, size_t n)
{
	struct target_list *tl = xcalloc(1, sizeof(*tl));

	tl->path = xstrdup("targets.csv");
	tl->v = xcalloc(n, sizeof(*tl->v));
	for (size_t i = 0; i < n; i++) {
		struct ctarget *t = &tl->v[i];

		t->id = xstrdup(pairs[2 * i]);
		t->title = xstrdup(pairs[2 * i]);
		t->url = xstrdup(pairs[2 * i + 1]);
		t->group = xstrdup("");
		t->line = (int)i + 2;
	}
	tl->n = n;
	targets_index(tl);
	return tl;
}

static void
test_sync_list(void **state)
{
	static const char *const one[] = {"a", "https://a.example/", "b",
	    "https://b.example/", "c", "https://c.example/"};
	/* b removed; c's id changed to c2 (same URL); d added. */
	static const char *const two[] = {"a", "https://a.example/", "c2",
	    "https://c.example/", "d", "https://d.example/"};
	/* b back. */
	static const char *const three[] = {"a", "https://a.example/", "b",
	    "https://b.example/", "c2", "https://c.example/"};
	struct collector	*co = open_collector("sync");
	char			 msg[1024];

	(void)state;
	co->conf->targets = list_of(one, 3);
	collector_sync_list(co);
	assert_int_equal(post(co, "a", 1, TS0, NULL, 0), 0);
	assert_int_equal(post(co, "b", 2, TS0, NULL, 0), 0);
	assert_int_equal(post(co, "c", 3, TS0, NULL, 0), 0);
	/* A target of the list is retired through the list. */
	assert_int_equal(collector_retire(co, "b", "x", msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "targets.csv (line 3)"));

	targets_free(co->conf->targets);
	co->conf->targets = list_of(two, 3);
	collector_sync_list(co);
	assert_false(has_series(co, "b"));
	assert_true(exists("retired/p1/b.ipv6.rrd"));
	assert_non_null(strstr(catalog_retired(&co->catalog, "b")->reason,
	    "removed from targets.csv"));
	/* The id changed, the URL stayed: the history follows. */
	assert_true(exists("rrd/p1/c2.ipv6.rrd"));
	assert_true(has_series(co, "c2"));
	assert_false(has_series(co, "c"));
	assert_true(has_series(co, "a"));
	collector_free(co);

	/* The catalogue keeps the list: at the next start, b is back in
	 * it, and comes back into service with its files. */
	co = open_collector("sync");
	assert_int_equal(co->catalog.nlist, 3);
	assert_string_equal(co->catalog.list[1].id, "c2");
	co->conf->targets = list_of(three, 3);
	collector_sync_list(co);
	assert_null(catalog_retired(&co->catalog, "b"));
	assert_true(exists("rrd/p1/b.ipv6.rrd"));
	assert_false(exists("retired/p1/b.ipv6.rrd"));
	/* d is gone again: retired though it never had a record. */
	assert_non_null(catalog_retired(&co->catalog, "d"));
	collector_free(co);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_retire),
	    cmocka_unit_test(test_rename),
	    cmocka_unit_test(test_requests_file),
	    cmocka_unit_test(test_sync_list),
	};

	log_init("test_retire", 0, 0);
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
