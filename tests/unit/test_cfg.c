/*
 * test_cfg: probe.conf and collector.conf loading -- the shipped examples
 * load, and every broken file under tests/data/config/bad fails with the
 * "FILE:LINE: message" lines its "# expect:" comments name.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg.h"
#include "collector/conf.h"
#include "probe/conf.h"
#include "util.h"

#define BAD_DIR "tests/data/config/bad"

static void
test_examples_load(void **state)
{
	struct probe_conf     *pc;
	struct collector_conf *cc;
	struct cfg	       c;

	(void)state;
	pc = probe_conf_load("configs/probe.conf", &c);
	cfg_report(&c);
	assert_non_null(pc);
	assert_string_equal(pc->name, "hn-vnpt-1");
	assert_int_equal(pc->interval_s, 60);
	assert_int_equal(pc->ntargets, 5); /* 2 inline + 3 from file */
	assert_string_equal(pc->targets[0].large_path, "/static/app.js");
	assert_int_equal(pc->targets[0].interval_s, 300);
	assert_int_equal(pc->targets[1].interval_s, 0);
	assert_string_equal(pc->targets[4].name, "news");
	assert_int_equal(pc->canaries.n, 1);
	/* relative paths resolve against the file's folder */
	assert_string_equal(pc->token_file, "configs/secrets/probe.token");
	assert_int_equal(pc->capture_enabled, 0);
	probe_conf_free(pc);
	cfg_close(&c);

	cc = collector_conf_load("configs/collector.conf", &c);
	cfg_report(&c);
	assert_non_null(cc);
	assert_string_equal(cc->listen, "[::]:8080");
	assert_int_equal(cc->nprobes, 1);
	assert_string_equal(cc->probes[0].token,
	    "example-probe-token-change-me");
	assert_int_equal(cc->nwebhooks, 1);
	assert_int_equal(cc->webhooks[0].format, WEBHOOK_JSON);
	assert_int_equal(cc->down_after, 3);
	assert_null(cc->rrdcached);
	collector_conf_free(cc);
	cfg_close(&c);
}

static void
test_defaults(void **state)
{
	struct probe_conf     *pc;
	struct collector_conf *cc;
	struct cfg	       c;

	(void)state;
	pc = probe_conf_load("tests/data/config/good/probe-minimal.conf", &c);
	cfg_report(&c);
	assert_non_null(pc);
	assert_int_equal(pc->interval_s, 60);
	assert_int_equal(pc->concurrency, 500);
	assert_int_equal(pc->timeout_s, 10);
	assert_int_equal(pc->spool_max_mb, 512);
	assert_int_equal(pc->warn_days, 30);
	assert_string_equal(pc->spool_dir, "/var/lib/v6watch/spool");
	assert_string_equal(pc->user, "v6watch");
	assert_int_equal(pc->ntargets, 0);
	probe_conf_free(pc);
	cfg_close(&c);

	cc =
	    collector_conf_load("tests/data/config/good/collector-minimal.conf",
		&c);
	cfg_report(&c);
	assert_non_null(cc);
	assert_int_equal(cc->step_s, 60);
	assert_int_equal(cc->publish_interval_s, 300);
	assert_int_equal(cc->up_after, 2);
	assert_int_equal(cc->quorum, 1);
	assert_int_equal(cc->nwebhooks, 0);
	collector_conf_free(cc);
	cfg_close(&c);
}

static int
has_error(const struct cfg *c, const char *want)
{
	for (size_t i = 0; i < c->nerrs; i++)
		if (strstr(c->errs[i], want) != NULL)
			return 1;
	return 0;
}

static void
check_bad_file(const char *name)
{
	char	   path[256], want[1024], *text, *line, *save;
	struct cfg c;
	void	  *conf;
	int	   expects = 0;

	snprintf(path, sizeof(path), "%s/%s", BAD_DIR, name);
	assert_int_equal(file_read(path, 1 << 20, &text, NULL), 0);
	if (strncmp(name, "probe-", 6) == 0)
		conf = probe_conf_load(path, &c);
	else
		conf = collector_conf_load(path, &c);
	if (conf != NULL)
		fail_msg("%s: loaded, but must fail", name);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *e;

		if (strncmp(line, "# expect: ", 10) == 0) {
			e = line + 10;
			if (e[0] >= '0' && e[0] <= '9')
				snprintf(want, sizeof(want), "%s:%s", path, e);
			else
				snprintf(want, sizeof(want), "%s", e);
		} else if (strncmp(line, "# expect-file: ", 15) == 0) {
			snprintf(want, sizeof(want), "%s/%s", BAD_DIR,
			    line + 15);
		} else
			continue;
		expects++;
		if (!has_error(&c, want)) {
			cfg_report(&c);
			fail_msg("%s: no error '%s'", name, want);
		}
	}
	if (expects == 0)
		fail_msg("%s: no '# expect:' line", name);
	free(text);
	cfg_close(&c);
}

static void
test_bad_files(void **state)
{
	DIR	      *d = opendir(BAD_DIR);
	struct dirent *de;
	int	       n = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		check_bad_file(de->d_name);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
}

static void
test_value_checks(void **state)
{
	(void)state;
	assert_null(cfg_check_name("hn-vnpt-1"));
	assert_non_null(cfg_check_name("a/b"));
	assert_non_null(cfg_check_name(".."));
	assert_null(cfg_check_http_url("https://a.example/x"));
	assert_non_null(cfg_check_http_url("file:///etc/passwd"));
	assert_non_null(cfg_check_http_url("https://"));
	assert_non_null(cfg_check_http_url("https://u:p@a.example/"));
	assert_null(cfg_check_http_url("https://a.example/x@y"));
	assert_null(cfg_check_listen("[::]:8080"));
	assert_null(cfg_check_listen("127.0.0.1:80"));
	assert_non_null(cfg_check_listen("[::]:0"));
	assert_non_null(cfg_check_listen("::1:80"));
	assert_non_null(cfg_check_listen("[::1]"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_examples_load),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_value_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
