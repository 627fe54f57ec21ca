/*
 * test_api: the collector HTTP server's decisions about clients: the
 * source a connection is counted under (a /64 of IPv6, an IPv4 address,
 * v4-mapped or not) and its name in logs, when a request in progress is
 * too slow (headers, whole request, minimum rate), and which If-None-Match
 * headers match GET /api/v1/targets's ETag.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cmocka.h>

#include "collector/api.h"

static int
key6(const char *text, unsigned char key[API_SRC_KEY_LEN])
{
	struct sockaddr_in6 s6;

	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, text, &s6.sin6_addr), 1);
	return api_src_key((struct sockaddr *)&s6, key);
}

static int
key4(const char *text, unsigned char key[API_SRC_KEY_LEN])
{
	struct sockaddr_in s4;

	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, text, &s4.sin_addr), 1);
	return api_src_key((struct sockaddr *)&s4, key);
}

static void
test_src_key(void **state)
{
	unsigned char	   a[API_SRC_KEY_LEN], b[API_SRC_KEY_LEN];
	struct sockaddr_un un;
	char		   name[64];

	(void)state;
	/* One /64: one source, whatever the interface identifier. */
	assert_int_equal(key6("2001:db8:bad::1", a), 0);
	assert_int_equal(key6("2001:db8:bad:0:ffff:ffff:ffff:ffff", b), 0);
	assert_memory_equal(a, b, API_SRC_KEY_LEN);
	assert_string_equal(api_src_name(a, name, sizeof(name)),
	    "2001:db8:bad::/64");
	/* The next /64 is another source. */
	assert_int_equal(key6("2001:db8:bad:1::1", b), 0);
	assert_memory_not_equal(a, b, API_SRC_KEY_LEN);
	assert_string_equal(api_src_name(b, name, sizeof(name)),
	    "2001:db8:bad:1::/64");

	/* IPv4: per address, the same through a dual-stack socket. */
	assert_int_equal(key4("198.51.100.7", a), 0);
	assert_int_equal(key6("::ffff:198.51.100.7", b), 0);
	assert_memory_equal(a, b, API_SRC_KEY_LEN);
	assert_string_equal(api_src_name(a, name, sizeof(name)),
	    "198.51.100.7");
	assert_int_equal(key4("198.51.100.8", b), 0);
	assert_memory_not_equal(a, b, API_SRC_KEY_LEN);
	/* ... and never the same as an IPv6 /64. */
	assert_int_equal(key6("::", b), 0);
	assert_memory_not_equal(a, b, API_SRC_KEY_LEN);
	assert_string_equal(api_src_name(b, name, sizeof(name)), "::/64");

	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	assert_int_equal(api_src_key((struct sockaddr *)&un, a), -1);
}

static void
test_slow(void **state)
{
	(void)state;
	/* Headers: API_HEADERS_S from the first byte. */
	assert_int_equal(api_slow_check(0, 1, 0), API_SLOW_NO);
	assert_int_equal(api_slow_check(API_HEADERS_S * 1000, 3, 0),
	    API_SLOW_NO);
	assert_int_equal(api_slow_check(API_HEADERS_S * 1000 + 1, 1000000, 0),
	    API_SLOW_HEADERS);
	/* A slowloris (a byte every 4 s) fails on its headers. */
	assert_int_equal(api_slow_check(12000, 3, 0), API_SLOW_HEADERS);
	assert_string_equal(api_slow_text(API_SLOW_HEADERS),
	    "headers not complete after 10 s");

	/* Rate: none asked during the grace time ... */
	assert_int_equal(api_slow_check(API_RATE_GRACE_S * 1000, 10, 1),
	    API_SLOW_NO);
	/* ... then API_MIN_RATE bytes/s on average since the first byte. */
	assert_int_equal(api_slow_check(20000, 20 * API_MIN_RATE, 1),
	    API_SLOW_NO);
	assert_int_equal(api_slow_check(20000, 20 * API_MIN_RATE - 1, 1),
	    API_SLOW_RATE);
	assert_int_equal(api_slow_check(11000, 6, 1), API_SLOW_RATE);
	assert_string_equal(api_slow_text(API_SLOW_RATE),
	    "request slower than 1024 bytes/s");

	/* The whole request: API_REQUEST_S, however fast. */
	assert_int_equal(api_slow_check(API_REQUEST_S * 1000, 1 << 30, 1),
	    API_SLOW_NO);
	assert_int_equal(api_slow_check(API_REQUEST_S * 1000 + 1, 1 << 30, 1),
	    API_SLOW_REQUEST);
	assert_string_equal(api_slow_text(API_SLOW_REQUEST),
	    "request not complete after 60 s");
	assert_string_equal(api_slow_text((enum api_slow)99), "?");
}

static void
test_etag_match(void **state)
{
	const char *tag = "\"0123456789abcdef0123456789abcdef\"";

	(void)state;
	assert_true(
	    api_etag_match("\"0123456789abcdef0123456789abcdef\"", tag));
	/* weak comparison, lists, spaces */
	assert_true(
	    api_etag_match("W/\"0123456789abcdef0123456789abcdef\"", tag));
	assert_true(
	    api_etag_match("\"x\", \"0123456789abcdef0123456789abcdef\" ,\"y\"",
		tag));
	assert_true(api_etag_match("*", tag));
	assert_true(api_etag_match(" * ", tag));
	assert_true(api_etag_match("\"a,b\", *", tag));
	/* no match */
	assert_false(api_etag_match("", tag));
	assert_false(
	    api_etag_match("\"0123456789abcdef0123456789abcdee\"", tag));
	assert_false(api_etag_match("0123456789abcdef0123456789abcdef", tag));
	assert_false(api_etag_match("\"0123456789abcdef0123456789abcdef", tag));
	assert_false(api_etag_match("\"0123456789abcdef\"", tag));
	assert_false(api_etag_match("*x", tag));
	assert_false(api_etag_match("\"a, W/", tag));
	assert_false(api_etag_match(",,,", tag));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_src_key),
	    cmocka_unit_test(test_slow),
	    cmocka_unit_test(test_etag_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
