/*
 * test_url: the URLs a check accepts and the outcome and words of those it
 * refuses; IP literals; the plain-HTTP rewrite and Host header for HTTP
 * over the probe's TLS; redirect Locations resolved against the URL; the
 * arguments `v6probe check` takes as targets and those it refuses;
 * internationalised host names (IDNA2008 A-labels, Unicode to show).
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "probe/url.h"

static void
test_parse_good(void **state)
{
	struct url   u;
	enum outcome oc;
	char	     err[256];

	(void)state;
	assert_int_equal(url_parse("https://portal.example/x?y=1", &u, &oc, err,
			     sizeof(err)),
	    0);
	assert_true(u.https);
	assert_string_equal(u.host, "portal.example");
	assert_int_equal(u.port, 443);
	assert_int_equal(u.literal_af, 0);
	assert_int_equal(url_parse("http://[2001:db8::10]:8080/", &u, &oc, err,
			     sizeof(err)),
	    0);
	assert_false(u.https);
	assert_string_equal(u.host, "2001:db8::10");
	assert_int_equal(u.port, 8080);
	assert_int_equal(u.literal_af, AF_INET6);
	assert_int_equal(url_parse("http://198.51.100.7/", &u, &oc, err,
			     sizeof(err)),
	    0);
	assert_int_equal(u.literal_af, AF_INET);
	assert_int_equal(u.port, 80);
}

static void
test_parse_bad(void **state)
{
	static const struct {
		const char  *url;
		enum outcome oc;
		const char  *words;
	} bad[] = {
	    {"ht!tp://x y", OUTCOME_ERROR, "malformed URL"},
	    {"ftp://files.example/", OUTCOME_ERROR, "scheme ftp://"},
	    {"file:///etc/passwd", OUTCOME_ERROR, "scheme file://"},
	    {"gopher://hole.example/", OUTCOME_ERROR, "scheme gopher://"},
	    {"https://[fe80::1%25eth0]/", OUTCOME_ERROR, "zone ids"},
	    {"https://:443/", OUTCOME_ERROR, "malformed URL"},
	    {"https://user:secret@a.example/", OUTCOME_ERROR,
		"user name or password"},
	    {"http://a.example:99999/", OUTCOME_ERROR, "malformed URL"},
	};
	char	     big[400], label[100], err[256];
	struct url   u;
	enum outcome oc;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (url_parse(bad[i].url, &u, &oc, err, sizeof(err)) == 0)
			fail_msg("%s: accepted", bad[i].url);
		assert_int_equal(oc, bad[i].oc);
		if (strstr(err, bad[i].words) == NULL)
			fail_msg("%s: '%s'", bad[i].url, err);
	}
	memset(label, 'a', 64);
	snprintf(big, sizeof(big), "https://%.64s.example/", label);
	assert_int_equal(url_parse(big, &u, &oc, err, sizeof(err)), -1);
	assert_int_equal(oc, OUTCOME_DNS_ERROR);
	assert_non_null(strstr(err, "longer than 63"));
	memset(big, 'b', sizeof(big));
	memcpy(big, "https://", 8);
	memcpy(big + 300, ".example/", 10);
	assert_int_equal(url_parse(big, &u, &oc, err, sizeof(err)), -1);
	assert_int_equal(oc, OUTCOME_DNS_ERROR);
	assert_non_null(strstr(err, "longer than 253"));
}

static void
test_plain(void **state)
{
	struct url   u;
	enum outcome oc;
	char	     out[256], host[300], err[128];

	(void)state;
	url_parse("https://portal.example/a/b?c=d#frag", &u, &oc, err,
	    sizeof(err));
	assert_int_equal(url_plain("https://portal.example/a/b?c=d#frag", &u,
			     out, sizeof(out), host, sizeof(host)),
	    0);
	assert_string_equal(out, "http://portal.example:443/a/b?c=d#frag");
	assert_string_equal(host, "Host: portal.example");
	url_parse("https://[2001:db8::10]:8443/", &u, &oc, err, sizeof(err));
	assert_int_equal(url_plain("https://[2001:db8::10]:8443/", &u, out,
			     sizeof(out), host, sizeof(host)),
	    0);
	assert_string_equal(out, "http://[2001:db8::10]:8443/");
	assert_string_equal(host, "Host: [2001:db8::10]:8443");
	/* too small a buffer is an error, not a truncated URL */
	assert_int_equal(url_plain("https://portal.example/a/b", &u, out, 10,
			     host, sizeof(host)),
	    -1);
}

static void
test_resolve(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(url_resolve("https://a.example/x/y", "/login", out,
			     sizeof(out)),
	    0);
	assert_string_equal(out, "https://a.example/login");
	assert_int_equal(url_resolve("https://a.example/x/y", "z?q=1", out,
			     sizeof(out)),
	    0);
	assert_string_equal(out, "https://a.example/x/z?q=1");
	assert_int_equal(url_resolve("https://a.example/", "//b.example/p", out,
			     sizeof(out)),
	    0);
	assert_string_equal(out, "https://b.example/p");
	assert_int_equal(url_resolve("http://a.example/",
			     "https://v4only.lab.example/", out, sizeof(out)),
	    0);
	assert_string_equal(out, "https://v4only.lab.example/");
	assert_int_equal(url_resolve("https://a.example/", "ftp://f.example/",
			     out, sizeof(out)),
	    0);
	assert_string_equal(out, "ftp://f.example/"); /* the caller refuses */
}

static void
test_target(void **state)
{
	static const struct {
		const char *arg, *url;
	} good[] = {
	    {"portal.example", "https://portal.example/"},
	    {"portal.example:8443", "https://portal.example:8443/"},
	    {"www.example.", "https://www.example./"},
	    {"_dmarc-x.example", "https://_dmarc-x.example/"},
	    {"http://portal.example", "http://portal.example/"},
	    {"https://portal.example/a?b=c", "https://portal.example/a?b=c"},
	    {"http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x"},
	    {"http://[::1]:8080/", "http://[::1]:8080/"},
	    {"198.51.100.7", "https://198.51.100.7/"},
	};
	static const struct {
		const char *arg, *words;
	} bad[] = {
	    {"", "empty"}, {"-x", "not a URL or host name"},
	    {"--json", "not a URL or host name"},
	    {"-", "not a URL or host name"}, {"a b.example", "spaces"},
	    {"a\tb.example", "spaces"}, {"a\nb.example", "control characters"},
	    {"ftp://x/", "scheme ftp://"},
	    {"file:///etc/passwd", "scheme file://"},
	    {"https://--json/", "starts or ends with '-'"},
	    {"a..example", "empty label"}, {".example", "empty label"},
	    {"bad-.example", "starts or ends with '-'"},
	    {"portal.example/x", "write the URL in full"},
	    {"user@portal.example", "write the URL in full"},
	    {"http://a!b.example/", "Bad hostname"},
	    {"http://a~b.example/", "not allowed"},
	    {"https://user:pw@a.example/", "user name or password"},
	    {"http://a.example:0/", "port"},
	    {"https://[fe80::1%25eth0]/", "zone ids"},
	    {"http://a\xe2\x98\x83"
	     "b.example/",
		"IDNA2008"}, /* a snowman */
	    {"http://xn--abc.example/", "IDNA2008"},
	    {"http://\xff\xfe.example/", "IDNA2008"}, /* not UTF-8 */
	};
	char out[RESULT_URL_MAX], shown[RESULT_URL_MAX], err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (url_target(good[i].arg, out, sizeof(out), shown,
			sizeof(shown), err, sizeof(err)) == -1)
			fail_msg("%s: refused: %s", good[i].arg, err);
		assert_string_equal(out, good[i].url);
		assert_string_equal(shown, good[i].url);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (url_target(bad[i].arg, out, sizeof(out), shown,
			sizeof(shown), err, sizeof(err)) == 0)
			fail_msg("'%s': accepted as %s", bad[i].arg, out);
		if (strstr(err, bad[i].words) == NULL)
			fail_msg("'%s': '%s'", bad[i].arg, err);
	}
}

/* Internationalised names: A-labels to check, Unicode to show. */
static void
test_idn(void **state)
{
	static const struct {
		const char *arg, *url, *shown;
	} good[] = {
	    {"http://c\xe1\xbb\x95ng.tinh.example/",
		"http://xn--cng-qmz.tinh.example/",
		"http://c\xe1\xbb\x95ng.tinh.example/"},
	    /* upper case maps to lower (UTS #46), as browsers do */
	    {"https://C\xe1\xbb\x94NG.tinh.example:8443/a",
		"https://xn--cng-qmz.tinh.example:8443/a",
		"https://c\xe1\xbb\x95ng.tinh.example:8443/a"},
	    {"http://xn--cng-qmz.tinh.example/",
		"http://xn--cng-qmz.tinh.example/",
		"http://c\xe1\xbb\x95ng.tinh.example/"},
	    {"c\xe1\xbb\x95ng.tinh.example",
		"https://xn--cng-qmz.tinh.example/",
		"https://c\xe1\xbb\x95ng.tinh.example/"},
	    {"https://b\xc3\xbc"
	     "cher.example/",
		"https://xn--bcher-kva.example/",
		"https://b\xc3\xbc"
		"cher.example/"},
	};
	char	     out[RESULT_URL_MAX], shown[RESULT_URL_MAX], err[256];
	struct url   u;
	enum outcome oc;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (url_target(good[i].arg, out, sizeof(out), shown,
			sizeof(shown), err, sizeof(err)) == -1)
			fail_msg("%s: refused: %s", good[i].arg, err);
		assert_string_equal(out, good[i].url);
		assert_string_equal(shown, good[i].shown);
	}
	/* a redirect to a Unicode name: DNS, SNI and Host get A-labels */
	assert_int_equal(url_parse("https://b\xc3\xbc"
				   "cher.example/x",
			     &u, &oc, err, sizeof(err)),
	    0);
	assert_string_equal(u.host, "xn--bcher-kva.example");
	assert_int_equal(url_parse("https://a\xe2\x98\x83"
				   "b.example/",
			     &u, &oc, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "IDNA2008"));
	assert_int_equal(url_host_unicode("xn--cng-qmz.tinh.example", out,
			     sizeof(out)),
	    0);
	assert_string_equal(out, "c\xe1\xbb\x95ng.tinh.example");
	assert_int_equal(url_host_ascii("Portal.example", out, sizeof(out), err,
			     sizeof(err)),
	    0);
	assert_string_equal(out, "Portal.example");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_plain),
	    cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_target),
	    cmocka_unit_test(test_idn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
