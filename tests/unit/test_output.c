/*
 * test_output: the Nagios plugin line -- threshold ranges as the
 * monitoring-plugins guidelines define them, the status they set on a
 * family's total time, and a line that the monitoring-plugins' own rules
 * parse: "LABEL STATE - text | 'label'=value[UOM];[warn];[crit];[min];[max]".
 */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probe/output.h"

static void
test_range(void **state)
{
	/* the guidelines' table: range, then values that alert or not */
	static const struct {
		const char *range;
		double	    alert[3], quiet[3];
	} t[] = {
	    {"10", {-1, 10.5, 11}, {0, 5, 10}},
	    {"10:", {-1, 0, 9.99}, {10, 11, 1e9}},
	    {"~:10", {10.01, 11, 1e9}, {-1e9, 0, 10}},
	    {"10:20", {9, 20.5, -1}, {10, 15, 20}},
	    {"@10:20", {10, 15, 20}, {9, 20.5, -1}},
	    {"0.5", {0.51, 1, 2}, {0, 0.25, 0.5}},
	    {":2", {-1, 2.1, 3}, {0, 1, 2}},
	};
	static const char *const bad[] = {"", "abc", "1:x", "@", "20:10",
	    "1e999", " 1", "1 ", "~", "@~", "10:20:30", "nan"};
	struct nagios_range	 r;
	char			 err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (output_range_parse(t[i].range, &r, err, sizeof(err)) == -1)
			fail_msg("%s: %s", t[i].range, err);
		assert_string_equal(r.text, t[i].range);
		for (int k = 0; k < 3; k++) {
			if (!output_range_alert(&r, t[i].alert[k]))
				fail_msg("%s: %g should alert", t[i].range,
				    t[i].alert[k]);
			if (output_range_alert(&r, t[i].quiet[k]))
				fail_msg("%s: %g should not alert", t[i].range,
				    t[i].quiet[k]);
		}
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (output_range_parse(bad[i], &r, err, sizeof(err)) == 0)
			fail_msg("'%s': accepted", bad[i]);
		assert_false(r.set);
		assert_non_null(strstr(err, "range"));
	}
	memset(&r, 0, sizeof(r));
	assert_false(output_range_alert(&r, 1e9)); /* unset: never */
}

/* A ready target, both families, with these total times (ms). */
static void
report(struct check_report *rep, struct check_target *t, double v6_ms,
    double v4_ms)
{
	memset(rep, 0, sizeof(*rep));
	memset(t, 0, sizeof(*t));
	t->url = "http://portal.example/";
	t->name = "portal.example";
	rep->t = t;
	for (int f = 0; f < FAMILY__N; f++) {
		result_init(&rep->r[f]);
		rep->checked[f] = 1;
		rep->r[f].outcome = OUTCOME_OK;
	}
	rep->r[FAMILY_IPV6].ms[PHASE_TOTAL] = v6_ms;
	rep->r[FAMILY_IPV4].ms[PHASE_TOTAL] = v4_ms;
	rep->cmp.ready = 1;
	rep->cmp.score = 100;
}

/*
 * The monitoring-plugins rules for a plugin line: one line, "LABEL STATE -
 * text", no '|' in the text; perfdata space-separated
 * label=value[UOM];[warn];[crit];[min];[max] with a UOM of s, %, B, KB,
 * MB, TB, c or none, ranges in warn and crit.
 */
static void
assert_plugin_line(const char *line, const char *state)
{
	const char *range = "(@?(~|-?[0-9.]+)?:?(-?[0-9.]+)?)?";
	char	    re[1024], *copy, *perf, *tok, *save = NULL;
	regex_t	    rx;

	/* one line: its only newline ends it */
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	snprintf(re, sizeof(re), "^V6WATCH %s - [^|]+( \\| .*)?\n$", state);
	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&rx, line, 0, NULL, 0) != 0)
		fail_msg("not a plugin line: %s", line);
	regfree(&rx);
	snprintf(re, sizeof(re),
	    "^('[^'=]+'|[^' =]+)=-?[0-9.]+(s|%%|B|KB|MB|TB|c)?"
	    "(;%s(;%s(;(-?[0-9.]+)?(;(-?[0-9.]+)?)?)?)?)?$",
	    range, range);
	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	copy = strdup(line);
	copy[strcspn(copy, "\n")] = '\0';
	perf = strstr(copy, " | ");
	assert_non_null(perf);
	for (tok = strtok_r(perf + 3, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save))
		if (regexec(&rx, tok, 0, NULL, 0) != 0)
			fail_msg("perfdata '%s' breaks the format", tok);
	regfree(&rx);
	free(copy);
}

static void
test_nagios_thresholds(void **state)
{
	struct check_report rep;
	struct check_target t;
	struct nagios	    n;
	char		    err[128], *line;

	(void)state;
	/* no thresholds: OK, no warn/crit in the perfdata */
	memset(&n, 0, sizeof(n));
	report(&rep, &t, 123, 45);
	output_nagios_add(&n, &rep, NULL, NULL);
	line = output_nagios_line(&n, t.url);
	assert_plugin_line(line, "OK");
	assert_non_null(strstr(line, " v6_time=0.123000s;;;0; "));
	assert_int_equal(n.worst, 0);
	free(line);
	output_nagios_free(&n);

	/* -w 1 -c 2: IPv6 at 1.5 s warns, IPv4 at 0.2 s does not */
	memset(&n, 0, sizeof(n));
	assert_int_equal(output_range_parse("1", &n.warn, err, sizeof(err)), 0);
	assert_int_equal(output_range_parse("2", &n.crit, err, sizeof(err)), 0);
	report(&rep, &t, 1500, 200);
	output_nagios_add(&n, &rep, NULL, "http://shown.example/");
	line = output_nagios_line(&n, "http://shown.example/");
	assert_plugin_line(line, "WARNING");
	assert_int_equal(n.worst, 1);
	assert_non_null(strstr(line,
	    "WARNING - http://shown.example/: IPv6 took 1.500 s (warning 1) |"));
	assert_non_null(strstr(line, " v6_time=1.500000s;1;2;0; "));
	assert_non_null(strstr(line, " v4_time=0.200000s;1;2;0; "));
	free(line);
	output_nagios_free(&n);

	/* ... at 2.5 s: CRITICAL; @ ranges alert inside */
	memset(&n, 0, sizeof(n));
	output_range_parse("1", &n.warn, err, sizeof(err));
	output_range_parse("2", &n.crit, err, sizeof(err));
	report(&rep, &t, 2500, 200);
	output_nagios_add(&n, &rep, NULL, NULL);
	line = output_nagios_line(&n, t.url);
	assert_plugin_line(line, "CRITICAL");
	assert_int_equal(n.worst, 2);
	assert_non_null(strstr(line, "IPv6 took 2.500 s (critical 2)"));
	free(line);
	output_nagios_free(&n);

	memset(&n, 0, sizeof(n));
	output_range_parse("@0:0.3", &n.warn, err, sizeof(err));
	report(&rep, &t, 1000, 200);
	output_nagios_add(&n, &rep, NULL, NULL);
	line = output_nagios_line(&n, t.url);
	assert_plugin_line(line, "WARNING");
	assert_non_null(strstr(line, "IPv4 took 0.200 s (warning @0:0.3)"));
	assert_non_null(strstr(line, " v4_time=0.200000s;@0:0.3;;0; "));
	free(line);
	output_nagios_free(&n);

	/* a '|' in the text would cut it: it becomes '/' */
	memset(&n, 0, sizeof(n));
	report(&rep, &t, 100, 100);
	rep.cmp.ready = 0;
	rep.r[FAMILY_IPV6].outcome = OUTCOME_HTTP_ERROR;
	snprintf(rep.r[FAMILY_IPV6].error, sizeof(rep.r[FAMILY_IPV6].error),
	    "HTTP 500 from http://portal.example/a|b");
	output_nagios_add(&n, &rep, NULL, NULL);
	line = output_nagios_line(&n, t.url);
	assert_plugin_line(line, "CRITICAL");
	assert_non_null(strstr(line, "/a/b"));
	free(line);
	output_nagios_free(&n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_range),
	    cmocka_unit_test(test_nagios_thresholds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
