/*
 * compare: warnings, readiness and score of one target (see compare.h).
 */
#include <string.h>

#include "compare.h"

int
compare_slow(double v6, double v4)
{
	double limit = 2 * v4 > v4 + 1000 ? 2 * v4 : v4 + 1000;

	return v6 >= 0 && v4 >= 0 && v6 > limit;
}

int
compare_partial(const struct result *r)
{
	size_t ok = 0;

	for (size_t i = 0; i < r->naddrs; i++)
		if (r->addrs[i].outcome == OUTCOME_OK)
			ok++;
	return ok > 0 && ok < r->naddrs;
}

int
compare_cert_expiring(const struct result *r, int warn_days)
{
	return r->has_cert && r->cert_days_left >= 0 &&
	    r->cert_days_left < warn_days;
}

int
compare_http_no_ipv6(const struct compare_http80 *h)
{
	return h->checked[FAMILY_IPV4] && h->oc[FAMILY_IPV4] == OUTCOME_OK &&
	    h->checked[FAMILY_IPV6] && h->oc[FAMILY_IPV6] != OUTCOME_OK;
}

static int
content_mismatch(const struct compare_in *in, double *sim)
{
	const struct result *a = in->v6, *b = in->v4;

	*sim = -1;
	if (a == NULL || b == NULL || !a->has_http || !b->has_http)
		return 0;
	if (a->http_status != b->http_status)
		return 1;
	if (in->sk6 == NULL || in->sk4 == NULL)
		return 0;
	*sim = sketch_similarity(in->sk6, in->sk4);
	return *sim < COMPARE_MIN_SIMILARITY;
}

static int
score_of(const struct compare_in *in, int mismatch)
{
	const struct result *v6 = in->v6, *v4 = in->v4;
	int		     score = 0;

	/* Name servers ready for IPv6: at least two with AAAA, all of them
	 * answering over IPv6. An address literal needs no name servers. */
	if (in->is_ip_literal ||
	    (in->ns.checked && in->ns.with_aaaa >= 2 && in->ns.all_v6_ok))
		score += 20;
	if (v6 == NULL)
		return score;
	/* Web AAAA present. */
	if (v6->outcome != OUTCOME_NO_ADDRESS &&
	    v6->outcome != OUTCOME_DNS_ERROR && v6->naddrs > 0)
		score += 20;
	/* Every web IPv6 address reachable, on port 80 too where port 80
	 * answers over IPv4 (people still type the bare name). */
	if (v6->naddrs > 0 && !compare_http_no_ipv6(&in->http80)) {
		size_t ok = 0;

		for (size_t i = 0; i < v6->naddrs; i++)
			ok += v6->addrs[i].outcome == OUTCOME_OK;
		if (ok == v6->naddrs)
			score += 20;
	}
	/* HTTPS valid over IPv6. */
	if (in->is_https && v6->has_tls && v6->outcome != OUTCOME_TLS_ERROR &&
	    v6->outcome != OUTCOME_CERT_EXPIRED &&
	    v6->outcome != OUTCOME_CERT_NAME_MISMATCH &&
	    v6->outcome != OUTCOME_CERT_UNTRUSTED &&
	    v6->outcome != OUTCOME_STALL && v6->tls_version[0] != '\0')
		score += 20;
	/* Same content as over IPv4 (or nothing to compare with: an
	 * IPv6-only service is no worse for it). */
	if (v6->has_http && !mismatch &&
	    (v4 == NULL || v4->has_http || v4->outcome != OUTCOME_OK))
		score += 20;
	return score;
}

void
compare_run(const struct compare_in *in, struct compare_out *out)
{
	const struct result *r[FAMILY__N] = {in->v6, in->v4};
	int		     mismatch;

	memset(out, 0, sizeof(*out));
	mismatch = content_mismatch(in, &out->similarity);
	for (int f = 0; f < FAMILY__N; f++) {
		if (r[f] == NULL)
			continue;
		if (compare_partial(r[f]))
			out->warn[f] |= WARN_BIT(WARN_PARTIAL_REACHABILITY);
		if (compare_cert_expiring(r[f], in->warn_days))
			out->warn[f] |= WARN_BIT(WARN_CERT_EXPIRING);
		if (mismatch)
			out->warn[f] |= WARN_BIT(WARN_CONTENT_MISMATCH);
	}
	if (in->v6 != NULL && in->v4 != NULL && in->v6->outcome == OUTCOME_OK &&
	    in->v4->outcome == OUTCOME_OK &&
	    compare_slow(in->v6->ms[PHASE_TOTAL], in->v4->ms[PHASE_TOTAL]))
		out->warn[FAMILY_IPV6] |= WARN_BIT(WARN_SLOW);
	if (in->ns.checked && in->ns.v6_ok < 2)
		out->warn[FAMILY_IPV6] |= WARN_BIT(WARN_NS_NO_IPV6);
	if (in->v6 != NULL && compare_http_no_ipv6(&in->http80))
		out->warn[FAMILY_IPV6] |= WARN_BIT(WARN_HTTP_NO_IPV6);
	out->target_warn = out->warn[FAMILY_IPV6] | out->warn[FAMILY_IPV4];
	/* Ready for IPv6; when only IPv4 was asked for (-4), ready means
	 * that IPv4 works, so the exit status still says something. */
	if (in->v6 != NULL)
		out->ready = in->v6->outcome == OUTCOME_OK && !mismatch;
	else
		out->ready = in->v4 != NULL && in->v4->outcome == OUTCOME_OK;
	out->score = score_of(in, mismatch);
}
