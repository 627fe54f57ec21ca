/*
 * test_collector: the daemon's state without the network -- token checks,
 * reload (good and broken files), the status document, the metrics page
 * (escaping, HELP/TYPE of every family, the traffic counters across
 * duplicates, restarts and a ledger set aside), the record input rule, the
 * hash table, listen addresses and the privilege drop (as root, in a
 * child process).
 */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir.h"

#include "collector/api.h"
#include "collector/collector.h"
#include "collector/conf.h"
#include "collector/ingest.h"
#include "collector/ledger.h"
#include "collector/metrics.h"
#include "collector/state.h"
#include "collector/status.h"
#include "table.h"
#include "log.h"
#include "priv.h"
#include "util.h"

static char confpath[PATH_MAX];

static void
write_file(const char *name, const char *text)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	assert_int_equal(file_write_atomic(p, text, strlen(text), 0600), 0);
}

static const char conf_text[] =
    "collector = { name = \"c1\"; data_dir = \"data\"; user = \"nobody\"; };\n"
    "probes = ( { name = \"p1\"; token_file = \"p1.token\"; },\n"
    "           { name = \"p2\"; token_file = \"p2.token\"; } );\n"
    "alert = { down_after = 1; up_after = 1; };\n";

static int
setup(void **state)
{
	char p[PATH_MAX];

	if (tmpdir_setup(state) == -1)
		return -1;
	snprintf(confpath, sizeof(confpath), "%s/c.conf", tmpdir);
	snprintf(p, sizeof(p), "%s/data", tmpdir);
	mkdir(p, 0750);
	write_file("p1.token", "secret-one\n");
	write_file("p2.token", "secret-two\n");
	write_file("c.conf", conf_text);
	return 0;
}

static struct collector *
open_collector(void)
{
	struct collector_conf *cc;
	struct collector      *co;
	struct cfg	       c;
	char		       err[512];

	cc = collector_conf_load(confpath, NULL, &c);
	cfg_report(&c);
	cfg_close(&c);
	assert_non_null(cc);
	co = collector_new(confpath, cc, NULL);
	if (collector_open(co, err, sizeof(err)) == -1)
		fail_msg("%s", err);
	return co;
}

static void
test_auth_and_reload(void **state)
{
	struct collector *co = open_collector();

	(void)state;
	assert_string_equal(collector_auth(co, "secret-one", 10), "p1");
	assert_string_equal(collector_auth(co, "secret-two", 10), "p2");
	assert_null(collector_auth(co, "secret-on", 9));
	assert_null(collector_auth(co, "secret-one ", 11));
	assert_null(collector_auth(co, "", 0));
	assert_int_equal(co->nledgers, 2);

	/* New token and a third probe: both live after the reload. */
	write_file("p1.token", "rotated\n");
	write_file("p3.token", "secret-three\n");
	write_file("c.conf",
	    "collector = { name = \"c1\"; data_dir = \"data\"; user = "
	    "\"nobody\"; listen = \"[::1]:9\"; };\n"
	    "probes = ( { name = \"p1\"; token_file = \"p1.token\"; },\n"
	    "           { name = \"p3\"; token_file = \"p3.token\"; } );\n");
	assert_int_equal(collector_reload(co), 0);
	assert_null(collector_auth(co, "secret-one", 10));
	assert_string_equal(collector_auth(co, "rotated", 7), "p1");
	assert_null(collector_auth(co, "secret-two", 10));
	assert_string_equal(collector_auth(co, "secret-three", 12), "p3");
	assert_int_equal(co->nledgers, 3);
	/* listen needs a restart: the running value stays. */
	assert_string_equal(co->conf->listen, "[::]:8080");

	/* A broken file keeps everything. */
	write_file("c.conf", "collector = { name = \"c1\"; step = 0; };\n");
	assert_int_equal(collector_reload(co), -1);
	assert_string_equal(collector_auth(co, "rotated", 7), "p1");
	assert_int_equal(co->reload_failures, 1);
	write_file("c.conf", conf_text);
	write_file("p1.token", "secret-one\n");
	collector_free(co);
}

static void
post(struct collector *co, const char *probe, const char *body)
{
	char *ans;
	int   st;

	st = ingest_post(co->store, collector_ledger(co, probe), body,
	    strlen(body), 1764480100, &ans);
	if (st != 200)
		fail_msg("%d %s", st, ans);
	cJSON_free(ans);
}

static void
test_status_metrics(void **state)
{
	struct collector *co = open_collector();
	char		 *text;
	size_t		  len;
	cJSON		 *st, *t;

	(void)state;
	post(co, "p1",
	    "{\"probe\":\"p1\",\"results\":["
	    "{\"probe\":\"p1\",\"target\":\"we\\\"ird\\\\\",\"url\":\"https://"
	    "w.example/\",\"family\":\"ipv6\",\"ts\":1764480000,\"seq\":1,"
	    "\"outcome\":\"ok\",\"ms\":{\"dns\":1,\"total\":9.5},\"tls\":{"
	    "\"cert_days_left\":40}},"
	    "{\"probe\":\"p1\",\"target\":\"we\\\"ird\\\\\",\"url\":\"https://"
	    "w.example/\",\"family\":\"ipv4\",\"ts\":1764480000,\"seq\":2,"
	    "\"outcome\":\"ok\",\"tls\":{\"cert_days_left\":12}},"
	    "{\"probe\":\"p1\",\"target\":\"down\",\"url\":\"https://"
	    "d.example/\",\"family\":\"ipv6\",\"ts\":1764480000,\"seq\":3,"
	    "\"outcome\":\"timeout\"},"
	    "{\"probe\":\"p1\",\"target\":\"off\",\"url\":\"https://"
	    "o.example/\",\"family\":\"ipv6\",\"ts\":1764480000,\"seq\":4,"
	    "\"outcome\":\"timeout\",\"warnings\":[\"probe_offline\"]}]}");
	text = status_json(co, 1764480100);
	st = cJSON_Parse(text);
	cJSON_free(text);
	assert_non_null(st);
	t = cJSON_GetObjectItem(st, "targets");
	assert_int_equal(cJSON_GetArraySize(t), 4);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(t, 0),
				"target")
				->valuestring,
	    "down");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(t, 0),
				"state")
				->valuestring,
	    "down");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(t, 1),
				"state")
				->valuestring,
	    "unknown");
	t = cJSON_GetArrayItem(cJSON_GetObjectItem(st, "probes"), 0);
	assert_string_equal(cJSON_GetObjectItem(t, "name")->valuestring, "p1");
	assert_int_equal(cJSON_GetObjectItem(t, "last_seq")->valuedouble, 4);
	assert_int_equal(cJSON_GetObjectItem(t, "stored")->valuedouble, 4);
	cJSON_Delete(st);

	text = metrics_text(co, &len);
	text = realloc(text, len + 1);
	text[len] = '\0';
	assert_non_null(strstr(text,
	    "v6watch_target_up{target=\"we\\\"ird\\\\\",family=\"ipv6\","
	    "probe=\"p1\"} 1\n"));
	assert_non_null(strstr(text,
	    "v6watch_target_up{target=\"down\",family=\"ipv6\",probe=\"p1\"} "
	    "0\n"));
	assert_null(strstr(text, "v6watch_target_up{target=\"off\""));
	/* The sooner of both families: 12 days after the check. */
	assert_non_null(strstr(text,
	    "v6watch_cert_expiry_timestamp_seconds{target=\"we\\\"ird\\\\\","
	    "probe=\"p1\"} 1765516800\n"));
	assert_non_null(strstr(text,
	    "v6watch_phase_seconds{target=\"we\\\"ird\\\\\",family="
	    "\"ipv6\",probe=\"p1\",phase=\"total\"} 0.0095\n"));
	assert_non_null(strstr(text,
	    "v6watch_phase_seconds{target=\"we\\\"ird\\\\\",family="
	    "\"ipv6\",probe=\"p1\",phase=\"dns\"} 0.001\n"));
	assert_null(strstr(text, "_milliseconds"));
	assert_null(strstr(text, "_days"));
	assert_non_null(strstr(text,
	    "v6watch_target_info{target=\"we\\\"ird\\\\\",title=\"we\\\"ird\\\\\",group=\"\","
	    "url=\"https://w.example/\"} 1\n"));
	assert_non_null(strstr(text,
	    "v6watch_build_info{version=\"" V6WATCH_VERSION "\"} 1\n"));
	assert_non_null(strstr(text,
	    "# TYPE v6watch_probe_missing_records_total counter\n"));
	assert_non_null(strstr(text,
	    "v6watch_probe_last_seen_timestamp_seconds{probe=\"p1\"} "));
	assert_non_null(
	    strstr(text, "v6watch_target_ready{target=\"down\"} 0\n"));
	assert_non_null(
	    strstr(text, "v6watch_results_accepted_total{probe=\"p1\"} 4\n"));
	assert_non_null(
	    strstr(text, "# TYPE v6watch_webhook_deliveries_total counter\n"));
	free(text);
	collector_free(co);
}

#define SITE_REC(probe, target, fam, seq, score, warn)                  \
	"{\"probe\":\"" probe "\",\"target\":\"" target "\",\"group\":" \
	"\"Gov \\\"A\\\"\",\"url\":\"https://" target ".example/\","    \
	"\"family\":\"" fam "\",\"ts\":1764480000,\"seq\":" seq ","     \
	"\"outcome\":\"ok\",\"ready\":true,\"score\":" score            \
	",\"warnings\":[" warn "]}"

/* (p1 has seqs 1-4 from test_status_metrics.) The per-target figures come from the site's model: the group and URL
 * to join on, and the report's score -- the lowest of the probes online. */
static void
test_metrics_site(void **state)
{
	static const char body1[] =
	    "{\"probe\":\"p1\",\"results\":[" SITE_REC("p1", "web", "ipv6", "5",
		"80", "") "," SITE_REC("p1", "web", "ipv4", "6", "80", "") "]}";
	static const char body2[] =
	    "{\"probe\":\"p2\",\"results\":[" SITE_REC("p2", "web", "ipv6", "1",
		"60", "") "," SITE_REC("p2", "web", "ipv4", "2", "60",
		"") "," SITE_REC("p2", "off", "ipv6", "3", "0",
		"\"probe_offline\"") "]}";
	struct collector *co = open_collector();
	char		 *text;
	size_t		  len;

	(void)state;
	post(co, "p1", body1);
	post(co, "p2", body2);
	text = metrics_text(co, &len);
	text = realloc(text, len + 1);
	text[len] = '\0';
	assert_non_null(strstr(text,
	    "\nv6watch_target_info{target=\"web\",title=\"web\",group=\"Gov \\\"A\\\"\","
	    "url=\"https://web.example/\"} 1\n"));
	assert_non_null(
	    strstr(text, "\nv6watch_target_score{target=\"web\"} 60\n"));
	/* Known only from an offline probe: in the info, no score. */
	assert_non_null(strstr(text, "\nv6watch_target_info{target=\"off\","));
	assert_null(strstr(text, "v6watch_target_score{target=\"off\"}"));
	assert_non_null(strstr(text, "# TYPE v6watch_target_score gauge\n"));
	free(text);
	collector_free(co);
}

/* A ledger that does not decode is put aside, not overwritten, and a new
 * one saved that marks the restart; one that cannot be read stops the
 * probe (and the start). */
static void
test_bad_ledger(void **state)
{
	struct collector *co;
	char		  p[PATH_MAX];

	(void)state;
	write_file("data/state/p2.json", "{\"probe\":\"p2\",");
	co = open_collector();
	assert_int_equal(co->nledgers, 2);
	snprintf(p, sizeof(p), "%s/data/state/p2.json", tmpdir);
	{
		char  *text, cmd[PATH_MAX + 64];
		size_t len;

		assert_int_equal(file_read(p, 1 << 20, &text, &len), 0);
		assert_non_null(strstr(text, "\"resets\":1,\"reset_at\":"));
		assert_non_null(
		    strstr(text, "\"reset_reason\":\"ledger unreadable\""));
		free(text);
		snprintf(cmd, sizeof(cmd),
		    "grep -qx '{\"probe\":\"p2\",' %s.bad-*", p);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(unlink(p), 0);
	collector_free(co);
	if (geteuid() == 0)
		return; /* root reads a 0000 file */
	write_file("data/state/p2.json", "{}");
	chmod(p, 0);
	{
		struct collector_conf *cc;
		struct cfg	       c;
		char		       err[512];

		cc = collector_conf_load(confpath, NULL, &c);
		cfg_close(&c);
		co = collector_new(confpath, cc, NULL);
		assert_int_equal(collector_open(co, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "p2"));
		collector_free(co);
	}
	unlink(p);
}

#define TRAFFIC_REC(seq, ts, b6, p6)                                        \
	"{\"kind\":\"traffic\",\"probe\":\"p2\",\"ts\":" ts ",\"seq\":" seq \
	",\"iface\":\"eth0\",\"interval_s\":60,\"packets\":{\"ipv6\":" p6   \
	",\"ipv4\":2,\"other\":0},\"bytes\":{\"ipv6\":" b6 ",\"ipv4\":"     \
	"300,\"other\":0},\"icmpv6\":{\"packet_too_big\":0,"                \
	"\"dest_unreachable\":0}}"

/* The metrics page of co as a string (caller frees). */
static char *
metrics_string(struct collector *co)
{
	size_t len;
	char  *text = metrics_text(co, &len);

	text = realloc(text, len + 1);
	text[len] = '\0';
	return text;
}

/* The value of the sample that starts with prefix ("name{labels} "), or
 * -1 when the page has none. */
static double
sample(const char *text, const char *prefix)
{
	char	    line[256];
	const char *p;

	snprintf(line, sizeof(line), "\n%s ", prefix);
	if ((p = strstr(text, line)) == NULL)
		return -1;
	return strtod(p + strlen(line), NULL);
}

#define BYTES6                                                            \
	"v6watch_traffic_bytes_total{probe=\"p2\",iface=\"eth0\",family=" \
	"\"ipv6\"}"
#define BYTES4                                                            \
	"v6watch_traffic_bytes_total{probe=\"p2\",iface=\"eth0\",family=" \
	"\"ipv4\"}"
#define PACKETS6                                                            \
	"v6watch_traffic_packets_total{probe=\"p2\",iface=\"eth0\",family=" \
	"\"ipv6\"}"

/*
 * (p2's ledger is new after test_bad_ledger.) The traffic counters are
 * sums over the records stored: a batch sent twice counts once; a
 * restart (the ledger saved and loaded) keeps them; a ledger set aside
 * starts them again. The interval gauges stay the last record's.
 */
static void
test_traffic_counters(void **state)
{
	static const char b1[] =
	    "{\"probe\":\"p2\",\"results\":[" TRAFFIC_REC("1", "1764479000",
		"1000",
		"10") "," TRAFFIC_REC("2", "1764479060", "2000", "20") "]}";
	static const char b2[] =
	    "{\"probe\":\"p2\",\"results\":[" TRAFFIC_REC("3", "1764479120",
		"4000", "40") "]}";
	static const char b3[] =
	    "{\"probe\":\"p2\",\"results\":[" TRAFFIC_REC("4", "1764479180",
		"8000", "80") "]}";
	struct collector *co = open_collector();
	char		 *text;

	(void)state;
	text = metrics_string(co);
	assert_non_null(
	    strstr(text, "# TYPE v6watch_traffic_bytes_total counter\n"));
	assert_non_null(
	    strstr(text, "# TYPE v6watch_traffic_packets_total counter\n"));
	assert_non_null(strstr(text, "# HELP v6watch_traffic_bytes_total "));
	assert_non_null(strstr(text, "# HELP v6watch_traffic_packets_total "));
	assert_true(sample(text, BYTES6) == -1);
	free(text);

	post(co, "p2", b1);
	text = metrics_string(co);
	assert_true(sample(text, BYTES6) == 3000);
	assert_true(sample(text, BYTES4) == 600);
	assert_true(sample(text, PACKETS6) == 30);
	assert_true(sample(text,
			"v6watch_traffic_packets_total{probe=\"p2\",iface="
			"\"eth0\",family=\"other\"}") == 0);
	assert_true(sample(text,
			"v6watch_traffic_interval_bytes{probe=\"p2\",iface="
			"\"eth0\",family=\"ipv6\"}") == 2000);
	free(text);
	post(co, "p2", b1); /* sent twice */
	text = metrics_string(co);
	assert_true(sample(text, BYTES6) == 3000);
	assert_true(sample(text, PACKETS6) == 30);
	free(text);

	/* A restart of the collector. */
	collector_free(co);
	co = open_collector();
	text = metrics_string(co);
	assert_true(sample(text, BYTES6) == 3000);
	assert_true(sample(text, BYTES4) == 600);
	assert_true(sample(text, PACKETS6) == 30);
	free(text);
	post(co, "p2", b2);
	post(co, "p2", b2);
	text = metrics_string(co);
	assert_true(sample(text, BYTES6) == 7000);
	assert_true(sample(text, BYTES4) == 900);
	assert_true(sample(text, PACKETS6) == 70);
	assert_true(sample(text,
			"v6watch_traffic_interval_bytes{probe=\"p2\",iface="
			"\"eth0\",family=\"ipv6\"}") == 4000);
	free(text);
	collector_free(co);

	/* A damaged ledger is set aside: the counters start again (a
	 * counter reset to Prometheus). */
	write_file("data/state/p2.json", "{\"probe\":\"p2\",");
	co = open_collector();
	text = metrics_string(co);
	assert_true(sample(text, BYTES6) == -1);
	free(text);
	post(co, "p2", b3);
	text = metrics_string(co);
	assert_true(sample(text, BYTES6) == 8000);
	assert_true(sample(text, PACKETS6) == 80);
	free(text);
	collector_free(co);
}

static void
test_escape_state_table(void **state)
{
	char	      out[16];
	struct table *t = table_new();
	char	      key[16];
	int	      vals[1000];

	(void)state;
	assert_int_equal(metrics_escape("a\"b\\c\nd", out, sizeof(out)), 0);
	assert_string_equal(out, "a\\\"b\\\\c\\nd");
	assert_int_equal(metrics_escape("\"\"\"\"\"\"\"\"", out, sizeof(out)),
	    -1);

	assert_int_equal(state_input_of(OUTCOME_OK, 0), STATE_IN_GOOD);
	assert_int_equal(state_input_of(OUTCOME_STALL, WARN_BIT(WARN_SLOW)),
	    STATE_IN_BAD);
	assert_int_equal(state_input_of(OUTCOME_OK,
			     WARN_BIT(WARN_PROBE_OFFLINE)),
	    STATE_IN_NONE);
	assert_string_equal(state_name(STATE_DOWN), "down");
	assert_int_equal(state_from_name("up"), STATE_UP);
	assert_int_equal(state_from_name("sideways"), -1);

	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		vals[i] = i;
		table_put(t, key, strlen(key), &vals[i]);
	}
	assert_int_equal(table_count(t), 1000);
	for (int i = 0; i < 1000; i++) {
		int *v;

		snprintf(key, sizeof(key), "k%d", i);
		v = table_get(t, key, strlen(key));
		assert_non_null(v);
		assert_int_equal(*v, i);
	}
	assert_null(table_get(t, "k1000", 5));
	table_free(t);
}

static void
test_listen(void **state)
{
	struct sockaddr_storage ss;
	size_t			len;

	(void)state;
	assert_int_equal(api_parse_listen("[::]:8080", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 8080);
	assert_int_equal(api_parse_listen("127.0.0.1:80", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(api_parse_listen("[2001:db8::1]:443", &ss, &len), 0);
	assert_int_equal(api_parse_listen("host.example:80", &ss, &len), -1);
	assert_int_equal(api_parse_listen("[::1]80", &ss, &len), -1);
	assert_int_equal(api_parse_listen("[::1]:0", &ss, &len), -1);
	assert_int_equal(api_parse_listen("[::1]:65536", &ss, &len), -1);
	assert_int_equal(api_parse_listen("1.2.3.4", &ss, &len), -1);
}

static void
test_priv(void **state)
{
	char  err[256];
	uid_t uid;
	gid_t gid;
	pid_t pid;
	int   status;

	(void)state;
	assert_int_equal(priv_lookup("no-such-user-v6w", &uid, &gid, err,
			     sizeof(err)),
	    -1);
	assert_string_equal(err, "user 'no-such-user-v6w' does not exist");
	assert_int_equal(priv_lookup("root", &uid, &gid, err, sizeof(err)), 0);
	assert_int_equal(uid, 0);
	if (geteuid() != 0) {
		assert_int_equal(priv_drop("nobody", err, sizeof(err)), -1);
		return;
	}
	assert_int_equal(priv_drop("root", err, sizeof(err)), -1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (priv_drop("nobody", err, sizeof(err)) == -1)
			_exit(1);
		if (getuid() == 0 || geteuid() == 0 || getgid() == 0 ||
		    setuid(0) != -1 || setgroups(0, NULL) != -1)
			_exit(2);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_auth_and_reload),
	    cmocka_unit_test(test_status_metrics),
	    cmocka_unit_test(test_metrics_site),
	    cmocka_unit_test(test_bad_ledger),
	    cmocka_unit_test(test_traffic_counters),
	    cmocka_unit_test(test_escape_state_table),
	    cmocka_unit_test(test_listen),
	    cmocka_unit_test(test_priv),
	};

	log_init("test_collector", 0, 0);
	return cmocka_run_group_tests(tests, setup, tmpdir_teardown);
}
