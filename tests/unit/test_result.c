/*
 * test_result: the result record codec. Good fixtures survive a round trip
 * unchanged; hostile fixtures (and generated monsters: 1 MiB strings,
 * 10,000-deep nesting, 100,000 keys) fail with an error naming the field.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "result.h"
#include "util.h"

#define GOOD_DIR "tests/data/results/good"
#define BAD_DIR	 "tests/data/results/bad"

static int
decode(const char *buf, size_t len, struct result *r, char *err, size_t n)
{
	cJSON *j = json_parse_strict(buf, len, err, n);
	int    rc;

	if (j == NULL)
		return -1;
	rc = result_from_json(j, r, err, n);
	cJSON_Delete(j);
	return rc;
}

static char *
encode(const struct result *r)
{
	cJSON *j = result_to_json(r);
	char  *s = cJSON_PrintUnformatted(j);

	cJSON_Delete(j);
	return s;
}

static void
roundtrip_file(const char *path)
{
	struct result *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char	       err[256], *text, *s1, *s2;
	size_t	       len;

	assert_int_equal(file_read(path, 1 << 20, &text, &len), 0);
	if (decode(text, len, a, err, sizeof(err)) == -1)
		fail_msg("%s: %s", path, err);
	s1 = encode(a);
	if (decode(s1, strlen(s1), b, err, sizeof(err)) == -1)
		fail_msg("%s re-encoded: %s", path, err);
	s2 = encode(b);
	assert_string_equal(s1, s2);
	assert_memory_equal(a, b, sizeof(*a));
	/* The encoder writes what the fixture holds, key for key. */
	{
		cJSON *x = cJSON_Parse(text), *y = cJSON_Parse(s1);

		assert_true(cJSON_Compare(x, y, 1));
		cJSON_Delete(x);
		cJSON_Delete(y);
	}
	cJSON_free(s1);
	cJSON_free(s2);
	free(text);
	free(a);
	free(b);
}

static void
test_good_fixtures(void **state)
{
	DIR	      *d = opendir(GOOD_DIR);
	struct dirent *de;
	char	       path[512];
	int	       n = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".json") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", GOOD_DIR, de->d_name);
		roundtrip_file(path);
		n++;
	}
	closedir(d);
	assert_true(n >= 5);
}

static void
expect_error(const char *buf, size_t len, const char *want, const char *what)
{
	struct result *r = calloc(1, sizeof(*r));
	char	       err[256] = "";

	if (decode(buf, len, r, err, sizeof(err)) == 0)
		fail_msg("%s: decoded, but must fail", what);
	if (strstr(err, want) == NULL)
		fail_msg("%s: error '%s', want '%s'", what, err, want);
	free(r);
}

static void
test_bad_fixtures(void **state)
{
	char *manifest, *line, *save, path[512];
	int   n = 0;

	(void)state;
	assert_int_equal(file_read(BAD_DIR "/EXPECT", 1 << 20, &manifest, NULL),
	    0);
	for (line = strtok_r(manifest, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char  *tab = strchr(line, '\t'), *text;
		size_t len;

		assert_non_null(tab);
		*tab = '\0';
		snprintf(path, sizeof(path), "%s/%s", BAD_DIR, line);
		assert_int_equal(file_read(path, 1 << 20, &text, &len), 0);
		expect_error(text, len, tab + 1, line);
		free(text);
		n++;
	}
	free(manifest);
	assert_true(n >= 30);
}

static void
test_generated_monsters(void **state)
{
	const char *head = "{\"probe\":\"p1\",\"target\":\"";
	const char *tail =
	    "\",\"url\":\"https://t.example/\",\"family\":"
	    "\"ipv6\",\"ts\":1764480060,\"seq\":1,\"outcome\":\"ok\"}";
	size_t big = 1 << 20, len;
	char  *buf;

	(void)state;
	/* 1 MiB target name */
	buf = malloc(big + 256);
	len = (size_t)sprintf(buf, "%s", head);
	memset(buf + len, 'a', big);
	len += big;
	len += (size_t)sprintf(buf + len, "%s", tail);
	expect_error(buf, len, "field 'target': longer than 128 bytes",
	    "1 MiB target");
	free(buf);

	/* nesting 10,000 deep */
	buf = malloc(20001);
	memset(buf, '[', 10000);
	memset(buf + 10000, ']', 10000);
	expect_error(buf, 20000, "nesting deeper than 32 levels", "deep");
	free(buf);

	/* 100,000 keys: rejected at the first stray one */
	buf = malloc(100000 * 16 + 512);
	len = (size_t)sprintf(buf,
	    "{\"probe\":\"p1\",\"target\":\"t\","
	    "\"url\":\"https://t.example/\",\"family\":\"ipv6\","
	    "\"ts\":1764480060,\"seq\":1,\"outcome\":\"ok\"");
	for (int i = 0; i < 100000; i++)
		len += (size_t)sprintf(buf + len, ",\"k%d\":%d", i, i);
	buf[len++] = '}';
	expect_error(buf, len, "field 'k0': unknown field", "many keys");
	free(buf);
}

static void
test_names_table(void **state)
{
	(void)state;
	for (int i = 0; i < OUTCOME__N; i++)
		assert_int_equal(outcome_from_name(outcome_name(i)), i);
	for (int i = 0; i < WARN__N; i++)
		assert_int_equal(warning_from_name(warning_name(i)), i);
	for (int i = 0; i < FAMILY__N; i++)
		assert_int_equal(family_from_name(family_name(i)), i);
	assert_string_equal(outcome_name(OUTCOME_CERT_NAME_MISMATCH),
	    "cert_name_mismatch");
	assert_string_equal(warning_name(WARN_NS_NO_IPV6), "ns_no_ipv6");
	assert_int_equal(outcome_from_name("OK"), -1);
	assert_string_equal(outcome_name(OUTCOME__N), "?");
}

static void
test_encode_defaults(void **state)
{
	struct result r;
	char	     *s;

	(void)state;
	result_init(&r);
	snprintf(r.probe, sizeof(r.probe), "p");
	snprintf(r.target, sizeof(r.target), "t");
	snprintf(r.url, sizeof(r.url), "https://t.example/");
	r.ts = 1764480000.5;
	r.outcome = OUTCOME_REFUSED;
	s = encode(&r);
	/* no seq (unassigned), empty ms, error falls back to the outcome */
	assert_string_equal(s,
	    "{\"probe\":\"p\",\"target\":\"t\",\"url\":"
	    "\"https://t.example/\",\"family\":\"ipv6\",\"ts\":1764480000.5,"
	    "\"outcome\":\"refused\",\"warnings\":[],\"ms\":{},"
	    "\"error\":\"refused\"}");
	cJSON_free(s);
}

/*
 * The title: UTF-8 of at most 256 bytes without control characters, the
 * same check for the record, probe.conf and the collector's list. A
 * record with a title encodes it and decodes it back; a record without
 * one (older probes) decodes as before, with no title.
 */
static void
test_title(void **state)
{
	char	       t[300], *s;
	struct result *r = calloc(1, sizeof(*r)), *r2 = calloc(1, sizeof(*r2));
	char	       err[256];
	const char    *old = "{\"probe\":\"p\",\"target\":\"t\",\"url\":"
			     "\"https://t.example/\",\"family\":\"ipv6\","
			     "\"ts\":1764480000,\"seq\":1,\"outcome\":\"ok\"}";

	(void)state;
	assert_null(result_check_title(""));
	assert_null(result_check_title("C\xe1\xbb\x95ng d\xe1\xbb\x8b"
				       "ch v\xe1\xbb\xa5 c\xc3\xb4ng"));
	assert_null(result_check_title("\xf0\x9f\x98\x80 U+1F600"));
	/* 256 bytes: 85 three-byte characters and one ASCII; 258 are not */
	for (int i = 0; i < 85; i++)
		memcpy(t + 3 * i, "\xe1\xba\xbf", 3);
	memcpy(t + 255, "a", 2);
	assert_int_equal(strlen(t), 256);
	assert_null(result_check_title(t));
	memcpy(t + 256, "\xc3\xa0", 3);
	assert_string_equal(result_check_title(t), "longer than 256 bytes");
	/* not UTF-8: a stray continuation, a cut sequence, overlong, a
	 * surrogate, past U+10FFFF, a byte never used */
	assert_string_equal(result_check_title("a\x80"), "not valid UTF-8");
	assert_string_equal(result_check_title("a\xe1\xba"), "not valid UTF-8");
	assert_string_equal(result_check_title("\xc0\xaf"), "not valid UTF-8");
	assert_string_equal(result_check_title("\xe0\x80\xaf"),
	    "not valid UTF-8");
	assert_string_equal(result_check_title("\xed\xa0\x80"),
	    "not valid UTF-8");
	assert_string_equal(result_check_title("\xf4\x90\x80\x80"),
	    "not valid UTF-8");
	assert_string_equal(result_check_title("\xff"), "not valid UTF-8");
	/* control characters: C0, DEL, C1 (U+0085) */
	assert_string_equal(result_check_title("a\tb"),
	    "contains control characters");
	assert_string_equal(result_check_title("a\x7f"),
	    "contains control characters");
	assert_string_equal(result_check_title("a\xc2\x85"),
	    "contains control characters");

	/* encoded after the target, decoded back */
	result_init(r);
	snprintf(r->probe, sizeof(r->probe), "p");
	snprintf(r->target, sizeof(r->target), "t");
	snprintf(r->title, sizeof(r->title), "S\xe1\xbb\x9f Y t\xe1\xba\xbf");
	snprintf(r->url, sizeof(r->url), "https://t.example/");
	r->ts = 1764480000;
	r->seq = 3;
	r->outcome = OUTCOME_OK;
	s = encode(r);
	assert_non_null(strstr(s,
	    "\"target\":\"t\",\"title\":\"S\xe1\xbb\x9f Y t\xe1\xba\xbf\","));
	assert_int_equal(decode(s, strlen(s), r2, err, sizeof(err)), 0);
	assert_string_equal(r2->title, r->title);
	cJSON_free(s);
	/* a record without one: no title, and none encoded */
	assert_int_equal(decode(old, strlen(old), r2, err, sizeof(err)), 0);
	assert_string_equal(r2->title, "");
	s = encode(r2);
	assert_null(strstr(s, "title"));
	cJSON_free(s);
	free(r);
	free(r2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_fixtures),
	    cmocka_unit_test(test_bad_fixtures),
	    cmocka_unit_test(test_generated_monsters),
	    cmocka_unit_test(test_names_table),
	    cmocka_unit_test(test_encode_defaults),
	    cmocka_unit_test(test_title),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
