/*
 * test_check_http: the body search of expect_body finds its text however
 * the body is cut into pieces (one byte at a time, across every boundary),
 * and never where it is not; expect_status lists parse or are refused
 * with the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "probe/check.h"
#include "probe/check_http.h"

static int
find_in(const char *pat, const char *body, size_t piece)
{
	static struct hx_find f;
	size_t		      n = strlen(body);

	assert_int_equal(hx_find_init(&f, pat), 0);
	for (size_t i = 0; i < n; i += piece)
		hx_find_feed(&f, body + i, n - i < piece ? n - i : piece);
	return f.found;
}

static void
test_find(void **state)
{
	static const struct {
		const char *pat, *body;
		int	    want;
	} rows[] = {
	    {"Online services", "<h1>Online services of the province</h1>", 1},
	    {"Online services", "<h1>Online service</h1>", 0},
	    {"aab", "aaab", 1}, /* the border: a partial match restarts */
	    {"abab", "abaabab", 1},
	    {"abab", "abaabaa", 0},
	    {"x", "x", 1},
	    {"x", "", 0},
	    {"needle", "need", 0},
	    {"aaaa", "aaa", 0},
	};
	static struct hx_find f;
	char		      big[CHECK_EXPECT_BODY_MAX + 2];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		for (size_t piece = 1; piece <= 8; piece++)
			if (find_in(rows[i].pat, rows[i].body, piece) !=
			    rows[i].want)
				fail_msg("'%s' in '%s' by %zu: want %d",
				    rows[i].pat, rows[i].body, piece,
				    rows[i].want);
	/* reset: a new body (a redirect's next hop) starts from nothing */
	assert_int_equal(hx_find_init(&f, "abc"), 0);
	hx_find_feed(&f, "xab", 3);
	hx_find_reset(&f);
	hx_find_feed(&f, "c", 1);
	assert_false(f.found);
	/* bounds */
	assert_int_equal(hx_find_init(&f, ""), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(hx_find_init(&f, big), -1);
	big[sizeof(big) - 2] = '\0';
	assert_int_equal(hx_find_init(&f, big), 0);
}

static void
test_expect_status(void **state)
{
	struct check_expect e;
	char		    err[256];

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(check_expect_status_parse("200,401", &e, err,
			     sizeof(err)),
	    0);
	assert_int_equal(e.nstatus, 2);
	assert_int_equal(e.status[0], 200);
	assert_int_equal(e.status[1], 401);
	assert_int_equal(check_expect_status_parse("403", &e, err, sizeof(err)),
	    0);
	assert_int_equal(e.nstatus, 1);
	static const char *bad[] = {"", "abc", "200,", ",200", "99", "600",
	    "2000", "200,,401", "200 401",
	    "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (check_expect_status_parse(bad[i], &e, err, sizeof(err)) !=
		    -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(check_expect_status_parse(
			     "200,201,202,203,204,205,206,207,208,226,300,301,"
			     "302,303,304,305,307",
			     &e, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "more than 16"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_expect_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
