/*
 * test_i18n: the language and the zone -- gettext finding the catalogue
 * with only the C locales glibc has built in (LC_MESSAGES C.UTF-8 and the
 * LANGUAGE variable), switching languages in one process, a missing
 * catalogue; rounded percentages; numbers, dates and the zone's sentence
 * in each language; time zone names checked against the tz database; and
 * collector.conf's language, timezone, title and organisation.
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

#include "collector/conf.h"
#include "cfg.h"
#include "i18n.h"
#include "tmpdir.h"
#include "util.h"

/* 2026-12-06 07:05:00 UTC: 14:05 in Asia/Ho_Chi_Minh. */
#define NOW 1796540700.0

static int
setup(void **state)
{
	char err[1024];

	(void)state;
	if (getenv("V6WATCH_LOCALEDIR") == NULL)
		setenv("V6WATCH_LOCALEDIR", "build/locale", 1);
	i18n_set_timezone("UTC");
	return i18n_set_language("en", err, sizeof(err));
}

static void
test_gettext(void **state)
{
	char err[1024];

	(void)state;
	assert_string_equal(_("Ready for IPv6"), "Ready for IPv6");
	assert_int_equal(i18n_set_language("vi", err, sizeof(err)), 0);
	assert_string_equal(i18n_language(), "vi");
	assert_string_equal(_("Ready for IPv6"),
	    "S\xe1\xba\xb5n s\xc3\xa0ng "
	    "IPv6");
	/* A context (pgettext), a plural (one form in Vietnamese). */
	assert_string_equal(C_("state", "up"),
	    "ho\xe1\xba\xa1t \xc4\x91\xe1"
	    "\xbb\x99ng");
	assert_string_equal(C_("no such context", "up"), "up");
	assert_string_equal(ngettext("%zu target", "%zu targets", 1),
	    "%zu d\xe1\xbb\x8b\x63h v\xe1\xbb\xa5");
	assert_string_equal(ngettext("%zu target", "%zu targets", 7),
	    "%zu d\xe1\xbb\x8b\x63h v\xe1\xbb\xa5");
	/* Back to English in the same process, and again. */
	assert_int_equal(i18n_set_language("en", err, sizeof(err)), 0);
	assert_string_equal(_("Ready for IPv6"), "Ready for IPv6");
	assert_string_equal(ngettext("%zu target", "%zu targets", 7),
	    "%zu targets");
	assert_int_equal(i18n_set_language("vi", err, sizeof(err)), 0);
	assert_string_equal(_("Targets"), "D\xe1\xbb\x8b\x63h v\xe1\xbb\xa5");
	/* No catalogue: English, and why. */
	assert_int_equal(i18n_set_language("fr", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "fr/LC_MESSAGES/v6watch.mo"));
	assert_string_equal(i18n_language(), "en");
	assert_string_equal(_("Ready for IPv6"), "Ready for IPv6");
	assert_int_equal(i18n_set_language("v!", err, sizeof(err)), -1);
	assert_string_equal(i18n_language(), "en");
	assert_null(i18n_language_check("vi"));
	assert_null(i18n_language_check("pt_BR"));
	assert_non_null(i18n_language_check("vi-VN"));
	assert_non_null(i18n_language_check("../x"));
	assert_non_null(i18n_language_check(""));
}

static void
test_pct(void **state)
{
	char buf[64], err[1024];

	(void)state;
	assert_int_equal(i18n_pct_decimals(5.0 / 9), 1);
	assert_string_equal(i18n_pct(5.0 / 9, buf, sizeof(buf)), "55.6 %");
	assert_string_equal(i18n_pct(1.0 / 6, buf, sizeof(buf)), "16.7 %");
	assert_string_equal(i18n_pct(1.0 / 3, buf, sizeof(buf)), "33.3 %");
	assert_string_equal(i18n_pct(1, buf, sizeof(buf)), "100.0 %");
	assert_string_equal(i18n_pct(0, buf, sizeof(buf)), "0.0 %");
	/* Never 100 % for less than all, nor 0 % for more than none. */
	assert_string_equal(i18n_pct(0.9995, buf, sizeof(buf)), "99.95 %");
	assert_string_equal(i18n_pct(1999.0 / 2000, buf, sizeof(buf)),
	    "99.95 %");
	assert_string_equal(i18n_pct(0.99999, buf, sizeof(buf)), "99.999 %");
	assert_string_equal(i18n_pct(0.999, buf, sizeof(buf)), "99.9 %");
	assert_string_equal(i18n_pct(0.9994, buf, sizeof(buf)), "99.9 %");
	assert_string_equal(i18n_pct(0.0004, buf, sizeof(buf)), "0.04 %");
	assert_string_equal(i18n_pct(1e-7, buf, sizeof(buf)), "0.00001 %");
	assert_string_equal(i18n_pct(-1, buf, sizeof(buf)), "\xe2\x80\x93");
	assert_int_equal(i18n_set_language("vi", err, sizeof(err)), 0);
	assert_string_equal(i18n_pct(1.0 / 3, buf, sizeof(buf)), "33,3 %");
	assert_string_equal(i18n_pct(5.0 / 9, buf, sizeof(buf)), "55,6 %");
	assert_string_equal(i18n_pct(0.9995, buf, sizeof(buf)), "99,95 %");
	assert_string_equal(i18n_fixed(1234.56, 1, buf, sizeof(buf)), "1234,6");
	assert_string_equal(i18n_fixed(-0.01, 1, buf, sizeof(buf)), "0,0");
	assert_int_equal(i18n_set_language("en", err, sizeof(err)), 0);
	assert_string_equal(i18n_fixed(1234.56, 1, buf, sizeof(buf)), "1234.6");
}

static void
test_times(void **state)
{
	char buf[128], err[1024];

	(void)state;
	assert_string_equal(i18n_time(NOW, buf, sizeof(buf)),
	    "2026-12-06 07:05 UTC");
	assert_string_equal(i18n_zone_sentence(NOW, buf, sizeof(buf)),
	    "Times are UTC.");
	assert_int_equal(i18n_timezone_check("Asia/Ho_Chi_Minh", err,
			     sizeof(err)),
	    0);
	i18n_set_timezone("Asia/Ho_Chi_Minh");
	assert_int_equal(i18n_utc_offset(NOW), 7 * 3600);
	assert_string_equal(i18n_time(NOW, buf, sizeof(buf)),
	    "2026-12-06 14:05 +07");
	assert_string_equal(i18n_date(NOW, buf, sizeof(buf)), "2026-12-06");
	assert_string_equal(i18n_zone_sentence(NOW, buf, sizeof(buf)),
	    "Times are Asia/Ho_Chi_Minh (UTC+07:00).");
	assert_int_equal(i18n_set_language("vi", err, sizeof(err)), 0);
	assert_string_equal(i18n_time(NOW, buf, sizeof(buf)),
	    "06/12/2026 14:05");
	assert_string_equal(i18n_time_s(NOW + 7, buf, sizeof(buf)),
	    "06/12/2026 14:05:07 (UTC+0700)");
	assert_string_equal(i18n_date(NOW, buf, sizeof(buf)), "06/12/2026");
	assert_string_equal(i18n_zone_sentence(NOW, buf, sizeof(buf)),
	    "Gi\xe1\xbb\x9d Vi\xe1\xbb\x87t Nam (UTC+07:00).");
	i18n_set_timezone("America/St_Johns");
	assert_string_equal(i18n_offset_text(NOW, buf, sizeof(buf)), "-03:30");
	assert_int_equal(i18n_set_language("en", err, sizeof(err)), 0);
	assert_string_equal(i18n_time(-1, buf, sizeof(buf)), "-");
	i18n_set_timezone("UTC");
}

static void
test_timezone_check(void **state)
{
	char err[1024];

	(void)state;
	assert_int_equal(i18n_timezone_check("UTC", err, sizeof(err)), 0);
	assert_int_equal(i18n_timezone_check("Europe/Paris", err, sizeof(err)),
	    0);
	/* Not in the tz database (Hanoi is Ho_Chi_Minh's zone). */
	assert_int_equal(i18n_timezone_check("Asia/Hanoi", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "\"Asia/Hanoi\" is not a time zone"));
	assert_int_equal(i18n_timezone_check("../../etc/passwd", err,
			     sizeof(err)),
	    -1);
	assert_int_equal(i18n_timezone_check("/etc/localtime", err,
			     sizeof(err)),
	    -1);
	assert_int_equal(i18n_timezone_check("", err, sizeof(err)), -1);
	assert_int_equal(i18n_timezone_check("UTC+7", err, sizeof(err)), -1);
	/* A file of the folder that is no zone. */
	assert_int_equal(i18n_timezone_check("zone.tab", err, sizeof(err)), -1);
	assert_int_equal(i18n_timezone_check("Asia", err, sizeof(err)), -1);
}

/* collector.conf's keys: checked at their line; a config that loads sets
 * the zone, one that does not leaves it. */
static void
test_conf(void **state)
{
	char		       path[PATH_MAX + 32];
	const char	      *dir = tmpdir;
	char		       buf[64];
	struct collector_conf *cc;
	struct cfg	       c;
	FILE		      *f;
	const char	      *org = "S\xe1\xbb\x9f Th\xc3\xb4ng tin v\xc3\xa0 "
				     "Truy\xe1\xbb\x81n th\xc3\xb4ng";

	(void)state;
	snprintf(path, sizeof(path), "%s/p1.token", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("token-1\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	    "collector = { name = \"c\"; data_dir = \"%s\";\n"
	    "  language = \"vi\";\n"
	    "  timezone = \"Asia/Ho_Chi_Minh\";\n"
	    "  title = \"C\xe1\xbb\x95ng IPv6\"; organisation = \"%s\"; };\n"
	    "probes = ( { name = \"p1\"; token_file = \"p1.token\"; } );\n"
	    "maintenance = ( { targets = [\"a\"]; from = \"2026-12-06 14:00\";"
	    " to = \"2026-12-06 15:00\"; } );\n",
	    dir, org);
	fclose(f);
	cc = collector_conf_load(path, NULL, &c);
	assert_non_null(cc);
	assert_string_equal(cc->language, "vi");
	assert_string_equal(cc->timezone, "Asia/Ho_Chi_Minh");
	assert_string_equal(cc->organisation, org);
	assert_string_equal(cc->title, "C\xe1\xbb\x95ng IPv6");
	/* The window's times are the zone's: 14:00 there is 07:00 UTC. */
	assert_int_equal(cc->maint.n, 1);
	assert_true(cc->maint.v[0].from == NOW - 300);
	assert_string_equal(i18n_timezone(), "Asia/Ho_Chi_Minh");
	assert_string_equal(i18n_language(), "vi");
	assert_string_equal(i18n_time(NOW, buf, sizeof(buf)),
	    "06/12/2026 14:05");
	collector_conf_free(cc);
	cfg_close(&c);

	/* A zone the tz database does not have: an error at its line, and
	 * the zone and language as they were. */
	i18n_set_timezone("UTC");
	assert_int_equal(i18n_set_language("en", buf, sizeof(buf)), 0);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	    "collector = { name = \"c\"; data_dir = \"%s\";\n"
	    "  language = \"vi\";\n"
	    "  timezone = \"Asia/Hanoi\"; };\n"
	    "probes = ( { name = \"p1\"; token_file = \"p1.token\"; } );\n",
	    dir);
	fclose(f);
	assert_null(collector_conf_load(path, NULL, &c));
	assert_int_equal(c.nerrs, 1);
	assert_non_null(strstr(c.errs[0],
	    "c.conf:3: collector.timezone: "
	    "\"Asia/Hanoi\" is not a time zone"));
	cfg_close(&c);
	assert_string_equal(i18n_timezone(), "UTC");
	assert_string_equal(i18n_language(), "en");

	/* Defaults: English, UTC; a bad language code; a title on two
	 * lines. */
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	    "collector = { name = \"c\"; data_dir = \"%s\"; };\n"
	    "probes = ( { name = \"p1\"; token_file = \"p1.token\"; } );\n",
	    dir);
	fclose(f);
	assert_non_null(cc = collector_conf_load(path, NULL, &c));
	assert_string_equal(cc->language, "en");
	assert_string_equal(cc->timezone, "UTC");
	assert_null(cc->title);
	assert_null(cc->organisation);
	collector_conf_free(cc);
	cfg_close(&c);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	    "collector = { name = \"c\"; data_dir = \"%s\";\n"
	    "  language = \"vietnamese\";\n"
	    "  title = \"a\\nb\"; };\n"
	    "probes = ( { name = \"p1\"; token_file = \"p1.token\"; } );\n",
	    dir);
	fclose(f);
	assert_null(collector_conf_load(path, NULL, &c));
	assert_int_equal(c.nerrs, 2);
	assert_non_null(strstr(c.errs[0], "c.conf:2:"));
	assert_non_null(strstr(c.errs[0], "language"));
	assert_non_null(strstr(c.errs[1], "c.conf:3:"));
	assert_non_null(strstr(c.errs[1], "control characters"));
	cfg_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gettext),
	    cmocka_unit_test(test_pct),
	    cmocka_unit_test(test_times),
	    cmocka_unit_test(test_timezone_check),
	    cmocka_unit_test_setup_teardown(test_conf, tmpdir_setup,
		tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
