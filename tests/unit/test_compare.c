/*
 * test_compare: the content sketch (identical pages, pages that differ
 * only in nonces, pages that really differ) and every warning, `ready` and
 * the score rules of compare_run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "probe/compare.h"
#include "probe/sketch.h"

static const char page_a[] =
    "<html><head><title>Province portal</title><meta name=csrf "
    "content=\"a8f3k29dj3\"></head><body><h1>Online services</h1>"
    "<p>Apply for permits, pay fees, follow your requests.</p>"
    "<p>Generated at 2026-11-30 07:01:30 in 12 ms, session 9f8e7d6c.</p>"
    "<ul><li>Permits</li><li>Licences</li><li>Taxes</li><li>Land</li>"
    "<li>Health</li><li>Civil status</li></ul></body></html>";
static const char page_a_again[] =
    "<html><head><title>Province portal</title><meta name=csrf "
    "content=\"zz91kq0x7m\"></head><body><h1>Online services</h1>"
    "<p>Apply for permits, pay fees, follow your requests.</p>"
    "<p>Generated at 2026-11-30 07:02:31 in 9 ms, session 1a2b3c4d.</p>"
    "<ul><li>Permits</li><li>Licences</li><li>Taxes</li><li>Land</li>"
    "<li>Health</li><li>Civil status</li></ul></body></html>";
static const char page_b[] =
    "<html><head><title>Welcome to nginx!</title></head><body>"
    "<h1>Welcome to nginx!</h1><p>If you see this page, the nginx web "
    "server is successfully installed and working.</p></body></html>";

static void
sketch_of(struct sketch *s, const char *text, size_t chunk)
{
	size_t len = strlen(text);

	sketch_init(s);
	/* fed in pieces: tokens that straddle two pieces still count once */
	for (size_t i = 0; i < len; i += chunk)
		sketch_feed(s, text + i, len - i < chunk ? len - i : chunk);
	sketch_end(s);
}

static void
test_sketch(void **state)
{
	struct sketch a, a2, b, a7;

	(void)state;
	sketch_of(&a, page_a, 4096);
	sketch_of(&a7, page_a, 7);
	sketch_of(&a2, page_a_again, 3);
	sketch_of(&b, page_b, 4096);
	assert_memory_equal(a.h, a7.h, sizeof(a.h));
	assert_true(sketch_similarity(&a, &a) == 1.0);
	/* nonces, times and ids contain digits: ignored */
	assert_true(sketch_similarity(&a, &a2) == 1.0);
	assert_true(sketch_similarity(&a, &b) < 0.3);
	/* empty versus empty is the same; empty versus a page is not */
	{
		struct sketch e1, e2;

		sketch_of(&e1, "", 10);
		sketch_of(&e2, "12345 678", 10);
		assert_true(sketch_similarity(&e1, &e2) == 1.0);
		assert_true(sketch_similarity(&e1, &a) == 0.0);
	}
}

/* A large page with a few changed words stays above the threshold; a
 * page with a third of its words changed falls below it. */
static void
test_sketch_large(void **state)
{
	static char   big1[200000], big2[200000], big3[200000];
	struct sketch s1, s2, s3;
	size_t	      n1 = 0, n2 = 0, n3 = 0;

	(void)state;
	for (int i = 0; i < 8000; i++) {
		char w[32];
		/* words without digits: "w" plus letters from i */
		int len = snprintf(w, sizeof(w), "w%c%c%c ", 'a' + i % 26,
		    'a' + i / 26 % 26, 'a' + i / 676 % 26);

		memcpy(big1 + n1, w, (size_t)len);
		n1 += (size_t)len;
		if (i % 100 == 0)
			w[1] = 'Z';
		memcpy(big2 + n2, w, (size_t)len);
		n2 += (size_t)len;
		if (i % 3 == 0)
			w[0] = 'q';
		memcpy(big3 + n3, w, (size_t)len);
		n3 += (size_t)len;
	}
	big1[n1] = big2[n2] = big3[n3] = '\0';
	sketch_of(&s1, big1, 1000);
	sketch_of(&s2, big2, 333);
	sketch_of(&s3, big3, 4096);
	assert_int_equal(s1.n, SKETCH_K);
	assert_true(sketch_similarity(&s1, &s2) >= COMPARE_MIN_SIMILARITY);
	assert_true(sketch_similarity(&s1, &s3) < COMPARE_MIN_SIMILARITY);
}

static void
ok_result(struct result *r, enum family f)
{
	result_init(r);
	r->family = f;
	r->outcome = OUTCOME_OK;
	r->naddrs = 1;
	r->addrs[0].outcome = OUTCOME_OK;
	r->has_http = 1;
	r->http_status = 200;
	r->has_tls = 1;
	snprintf(r->tls_version, sizeof(r->tls_version), "TLSv1.3");
	r->has_cert = 1;
	r->cert_days_left = 90;
	r->ms[PHASE_TOTAL] = 100;
}

struct fixture {
	struct result	  v6, v4;
	struct sketch	  s6, s4;
	struct compare_in in;
};

static void
fixture(struct fixture *x)
{
	memset(x, 0, sizeof(*x));
	ok_result(&x->v6, FAMILY_IPV6);
	ok_result(&x->v4, FAMILY_IPV4);
	sketch_of(&x->s6, page_a, 100);
	sketch_of(&x->s4, page_a_again, 100);
	x->in.v6 = &x->v6;
	x->in.v4 = &x->v4;
	x->in.sk6 = &x->s6;
	x->in.sk4 = &x->s4;
	x->in.warn_days = 30;
	x->in.is_https = 1;
	x->in.ns.checked = 1;
	x->in.ns.total = 2;
	x->in.ns.with_aaaa = 2;
	x->in.ns.v6_ok = 2;
	x->in.ns.all_v6_ok = 1;
}

static void
test_all_good(void **state)
{
	struct fixture	   x;
	struct compare_out o;

	(void)state;
	fixture(&x);
	compare_run(&x.in, &o);
	assert_int_equal(o.target_warn, 0);
	assert_true(o.ready);
	assert_int_equal(o.score, 100);
}

static void
test_warnings(void **state)
{
	struct fixture	   x;
	struct compare_out o;

	(void)state;
	/* slow: over max(2 x v4, v4 + 1000) */
	fixture(&x);
	x.v6.ms[PHASE_TOTAL] = 1100;
	compare_run(&x.in, &o);
	assert_int_equal(o.warn[FAMILY_IPV6], 0);
	x.v6.ms[PHASE_TOTAL] = 1101;
	compare_run(&x.in, &o);
	assert_int_equal(o.warn[FAMILY_IPV6], WARN_BIT(WARN_SLOW));
	assert_true(o.ready);
	assert_true(compare_slow(5001, 2500));
	assert_false(compare_slow(5000, 2500));

	/* content: status differs, or pages differ */
	fixture(&x);
	x.v4.http_status = 404;
	compare_run(&x.in, &o);
	assert_true(o.target_warn & WARN_BIT(WARN_CONTENT_MISMATCH));
	assert_false(o.ready);
	assert_int_equal(o.score, 80);
	fixture(&x);
	sketch_of(&x.s4, page_b, 100);
	compare_run(&x.in, &o);
	assert_true(o.warn[FAMILY_IPV4] & WARN_BIT(WARN_CONTENT_MISMATCH));
	assert_true(o.similarity < 0.9);
	assert_false(o.ready);

	/* partial reachability, per family */
	fixture(&x);
	x.v6.naddrs = 2;
	x.v6.addrs[1].outcome = OUTCOME_TIMEOUT;
	compare_run(&x.in, &o);
	assert_int_equal(o.warn[FAMILY_IPV6],
	    WARN_BIT(WARN_PARTIAL_REACHABILITY));
	assert_true(o.ready);
	assert_int_equal(o.score, 80);

	/* certificate expiring: under warn_days, not expired */
	fixture(&x);
	x.v6.cert_days_left = x.v4.cert_days_left = 29;
	compare_run(&x.in, &o);
	assert_int_equal(o.target_warn, WARN_BIT(WARN_CERT_EXPIRING));
	x.v6.cert_days_left = x.v4.cert_days_left = 30;
	compare_run(&x.in, &o);
	assert_int_equal(o.target_warn, 0);
	assert_false(compare_cert_expiring(&x.v6, 30));

	/* name servers: fewer than two answering over IPv6 */
	fixture(&x);
	x.in.ns.v6_ok = 1;
	x.in.ns.all_v6_ok = 0;
	compare_run(&x.in, &o);
	assert_int_equal(o.warn[FAMILY_IPV6], WARN_BIT(WARN_NS_NO_IPV6));
	assert_int_equal(o.warn[FAMILY_IPV4], 0);
	assert_true(o.ready);
	assert_int_equal(o.score, 80);
}

static void
test_not_ready(void **state)
{
	struct fixture	   x;
	struct compare_out o;

	(void)state;
	fixture(&x);
	x.v6.outcome = OUTCOME_NO_ADDRESS;
	x.v6.naddrs = 0;
	x.v6.has_http = 0;
	x.v6.has_tls = 0;
	compare_run(&x.in, &o);
	assert_false(o.ready);
	assert_int_equal(o.score, 20); /* only the name servers */

	fixture(&x);
	x.v6.outcome = OUTCOME_TIMEOUT;
	x.v6.addrs[0].outcome = OUTCOME_TIMEOUT;
	x.v6.has_http = 0;
	x.v6.has_tls = 0;
	compare_run(&x.in, &o);
	assert_false(o.ready);
	assert_int_equal(o.score, 40); /* name servers, AAAA */

	/* an IPv6-only service is ready; IPv4 not checked at all */
	fixture(&x);
	x.in.v4 = NULL;
	x.in.sk4 = NULL;
	compare_run(&x.in, &o);
	assert_true(o.ready);
	assert_int_equal(o.score, 100);

	/* IPv4 only (-4): ready means IPv4 works */
	fixture(&x);
	x.in.v6 = NULL;
	compare_run(&x.in, &o);
	assert_true(o.ready);
	x.v4.outcome = OUTCOME_TIMEOUT;
	compare_run(&x.in, &o);
	assert_false(o.ready);
}

/* Port 80 answers over IPv4, not over IPv6: http_no_ipv6 on the IPv6
 * record, the "every IPv6 address reachable" 20 points lost, still ready
 * (a warning never changes the outcome). */
static void
test_http_no_ipv6(void **state)
{
	struct fixture	   x;
	struct compare_out o;

	(void)state;
	fixture(&x);
	x.in.http80.checked[FAMILY_IPV6] = x.in.http80.checked[FAMILY_IPV4] = 1;
	x.in.http80.oc[FAMILY_IPV6] = OUTCOME_REFUSED;
	x.in.http80.oc[FAMILY_IPV4] = OUTCOME_OK;
	compare_run(&x.in, &o);
	assert_int_equal(o.warn[FAMILY_IPV6], WARN_BIT(WARN_HTTP_NO_IPV6));
	assert_int_equal(o.warn[FAMILY_IPV4], 0);
	assert_int_equal(o.target_warn, WARN_BIT(WARN_HTTP_NO_IPV6));
	assert_true(o.ready);
	assert_int_equal(o.score, 80);
	assert_true(compare_http_no_ipv6(&x.in.http80));

	/* the 20 points go once, beside an unreachable address too */
	x.v6.naddrs = 2;
	x.v6.addrs[1].outcome = OUTCOME_TIMEOUT;
	compare_run(&x.in, &o);
	assert_int_equal(o.score, 80);

	/* port 80 on both, or on neither: no warning, nothing lost */
	fixture(&x);
	x.in.http80.checked[FAMILY_IPV6] = x.in.http80.checked[FAMILY_IPV4] = 1;
	compare_run(&x.in, &o);
	assert_int_equal(o.target_warn, 0);
	assert_int_equal(o.score, 100);
	x.in.http80.oc[FAMILY_IPV6] = OUTCOME_TIMEOUT;
	x.in.http80.oc[FAMILY_IPV4] = OUTCOME_REFUSED;
	compare_run(&x.in, &o);
	assert_int_equal(o.target_warn, 0);
	assert_int_equal(o.score, 100);

	/* IPv6 port 80 not looked at (no IPv6 address connected, or
	 * http80 = false): no verdict on it */
	fixture(&x);
	x.in.http80.checked[FAMILY_IPV4] = 1;
	compare_run(&x.in, &o);
	assert_int_equal(o.target_warn, 0);
	assert_int_equal(o.score, 100);
	/* IPv4 not looked at: nothing to compare with */
	fixture(&x);
	x.in.http80.checked[FAMILY_IPV6] = 1;
	x.in.http80.oc[FAMILY_IPV6] = OUTCOME_REFUSED;
	compare_run(&x.in, &o);
	assert_int_equal(o.target_warn, 0);
	assert_int_equal(o.score, 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sketch),
	    cmocka_unit_test(test_sketch_large),
	    cmocka_unit_test(test_all_good),
	    cmocka_unit_test(test_warnings),
	    cmocka_unit_test(test_not_ready),
	    cmocka_unit_test(test_http_no_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
