/*
 * check_dns: are a zone's name servers ready for IPv6? Finds the zone of a
 * host name (NS queries walking up its labels), the AAAA records of every
 * name server, and sends each of those addresses a query over IPv6 (c-ares
 * retries over TCP when the answer is truncated). Results are kept per
 * zone for a while, so thousands of targets in one zone cost one check.
 */
#ifndef V6W_CHECK_DNS_H
#define V6W_CHECK_DNS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct ev_loop;
struct resolv;
struct dnscheck;

#define DNS_NS_MAX   8 /* name servers looked at per zone */
#define DNS_AAAA_MAX 4 /* addresses per name server */

struct dns_ns {
	char *name;
	int   naaaa;
	char  aaaa[DNS_AAAA_MAX][46];
	int   aaaa_ok[DNS_AAAA_MAX]; /* answered a query over IPv6 */
	int   ipv6_ok;		     /* at least one of them did */
};

/* One zone's verdict; shared, reference-counted, read-only once done. */
struct dns_zone {
	char	     *zone; /* NULL: no zone found */
	struct dns_ns ns[DNS_NS_MAX];
	int	      nns;
	char	      error[160]; /* why the check is incomplete */
	int	      done;
	/* internal */
	int		 refs;
	uint64_t	 expires_ms;
	struct dnscheck *dc;
	struct dns_zone *next;
	struct dns_wait *waiters;
	int		 pending;
	struct ns_probe *probes;
	struct ev_timer *deadline;
};

typedef void (*dnscheck_cb)(struct dns_zone *, void *arg);

/* res: the system resolver channel; timeout_ms bounds each query. */
struct dnscheck *
dnscheck_new(struct ev_loop *, struct resolv *res, int timeout_ms, int cache_s);
void dnscheck_free(struct dnscheck *);

/*
 * Look up the zone of host and its name servers; cb runs once with a
 * referenced zone (release it with dns_zone_release), possibly before this
 * returns when the answer is cached. *zone_hint (may be NULL) caches the
 * zone name per target between calls; the caller frees it.
 */
void dnscheck_get(struct dnscheck *, const char *host, char **zone_hint,
    dnscheck_cb cb, void *arg);
void dns_zone_release(struct dns_zone *);

/* Summary for compare: totals over the zone's name servers. */
void dns_zone_counts(const struct dns_zone *, int *total, int *with_aaaa,
    int *v6_ok, int *all_v6_ok);
/* The `dns` object of DESIGN.md; caller owns it. */
cJSON *dns_zone_json(const struct dns_zone *);

#endif
