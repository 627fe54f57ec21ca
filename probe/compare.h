/*
 * compare: IPv6 beside IPv4 -- the warnings that need both families or the
 * whole target (slow, content_mismatch, partial_reachability,
 * cert_expiring, ns_no_ipv6, http_no_ipv6), `ready` and the 0-100 `score`.
 * Pure: inputs in, verdicts out.
 */
#ifndef V6W_COMPARE_H
#define V6W_COMPARE_H

#include <stdint.h>

#include "result.h"
#include "sketch.h"

#define COMPARE_MIN_SIMILARITY 0.90 /* below: content_mismatch */

struct compare_ns {
	int checked;   /* the name servers were looked at */
	int total;     /* name servers of the zone */
	int with_aaaa; /* ... that have an AAAA record */
	int v6_ok;     /* ... that answered a query over IPv6 */
	int all_v6_ok; /* every AAAA of every name server answered */
};

/* Port 80 of an https:// target, per family: what http://HOST/ did on the
 * addresses the main check connected to. */
struct compare_http80 {
	int	     checked[FAMILY__N]; /* 0: not looked at */
	enum outcome oc[FAMILY__N];	 /* ok: every address answered */
};

struct compare_in {
	const struct result  *v6, *v4;	 /* NULL: family not checked */
	const struct sketch  *sk6, *sk4; /* NULL: no body */
	int		      warn_days;
	struct compare_ns     ns;
	int		      is_https;
	int		      is_ip_literal; /* no names, no name servers */
	struct compare_http80 http80;
};

struct compare_out {
	uint32_t warn[FAMILY__N]; /* per family record */
	uint32_t target_warn;	  /* union, for the target */
	double	 similarity;	  /* -1 when not compared */
	int	 ready;
	int	 score;
};

void compare_run(const struct compare_in *, struct compare_out *);

/* The single rules, exposed for tests and the table output. */
int compare_slow(double v6_total_ms, double v4_total_ms);
int compare_partial(const struct result *);
int compare_cert_expiring(const struct result *, int warn_days);
/* Port 80 answers over IPv4 but not over IPv6: http_no_ipv6. */
int compare_http_no_ipv6(const struct compare_http80 *);

#endif
