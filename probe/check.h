/*
 * check: the check engine. For every target it runs the IPv6 and IPv4
 * legs side by side -- DNS, a TCP connect to every address, TLS and HTTP on
 * the first address that connects (redirects followed within the family),
 * a large transfer, and for an https:// target http://HOST/ on port 80 of
 * every address that connected -- plus the zone's name-server check, all
 * in one event loop with a cap on targets in flight. A finished target is handed over
 * as a check_report: one result record per family, the dns verdict and the
 * comparison of the families.
 */
#ifndef V6W_CHECK_H
#define V6W_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "compare.h"
#include "result.h"
#include "tls.h"

struct ev_loop;
struct check_engine;
struct dns_zone;

#define CHECK_REDIRECTS_MAX 5
#define CHECK_PAGE_MAX	    (8u << 20)	/* bytes read of a page */
#define CHECK_LARGE_MAX	    (1u << 20)	/* of a large transfer */
#define CHECK_LARGE_AUTO    (64u << 10) /* a page this big is one */
#define CHECK_OVERRIDES_MAX 64

/* --resolve HOST:PORT:ADDR[,ADDR...] */
struct check_override {
	char   host[256];
	int    port;
	char   addrs[RESULT_ADDR_MAX][RESULT_IP_MAX];
	size_t naddrs;
};

/* What a healthy answer is, when not any 200-399 status. */
#define CHECK_EXPECT_MAX      16
#define CHECK_EXPECT_BODY_MAX 1024 /* bytes: HX_FIND_MAX */
struct check_expect {
	int	    status[CHECK_EXPECT_MAX]; /* the final status is one */
	size_t	    nstatus;		      /* 0: any of 200-399 */
	const char *body; /* NULL, or text the page holds over both families
			     (at most CHECK_EXPECT_BODY_MAX bytes) */
};

/* Default of probe.conf's timeout (conf.c's table names it) and of an
 * engine given none. */
#define CHECK_TIMEOUT_DEFAULT_S 10

struct check_opts {
	const char *probe;	/* name put in the records */
	int	    timeout_ms; /* per phase */
	int	    warn_days;
	int	    families;	 /* 1 << FAMILY_IPV6 | 1 << FAMILY_IPV4 */
	int	    concurrency; /* targets in flight */
	int	    resume_tls;	 /* keep TLS sessions between checks */
	int	    ns_check;	 /* look at the zone's name servers */
	int	    ns_cache_s;
	X509_STORE *store; /* NULL: OpenSSL's default paths */
	const struct check_override *overrides;
	size_t			     noverrides;
	const char *large_path;	    /* for targets without their own */
	unsigned    addr_allow;	    /* OUTCOME_ALLOW_*: beyond global unicast */
	struct check_expect expect; /* for targets without their own */
	int no_http80; /* no port-80 check beside https:// targets */
};

/* A target, owned by the caller; it outlives its checks. */
struct check_target {
	char		    *name;
	char		    *url;
	char		    *group;
	char		    *large_path;
	struct tls_sess	     sess[FAMILY__N];
	struct check_expect  expect; /* nstatus 0, body NULL: the engine's */
	char		    *expect_body; /* owned: expect.body */
	char		    *zone_hint;
	int		     no_http80; /* probe.conf http80 = false */
	int		     running;	/* queued or being checked */
	struct check_target *qnext;	/* the engine's queue */
	void		    *user;
};

/* What a finished check hands over; valid during the callback only. */
struct check_report {
	struct check_target *t;
	int		     checked[FAMILY__N];
	struct result	     r[FAMILY__N];
	struct sketch	     sk[FAMILY__N];
	struct dns_zone	    *dns;      /* NULL: not checked */
	uint64_t	     start_ms; /* monotonic: when the check began */
	struct compare_out   cmp;
};

typedef void (*check_done_cb)(struct check_report *, void *arg);

struct check_engine *
check_engine_new(struct ev_loop *, const struct check_opts *, check_done_cb,
    void *arg, char *err, size_t errlen);
/* Cancels queued and running targets (no callbacks). */
void check_engine_free(struct check_engine *);
/* New options for checks that start from now on (resolver timeouts and
 * the name-server cache keep their first values). */
void check_engine_set(struct check_engine *, const struct check_opts *);

/* Queue t; it starts when fewer than `concurrency` targets run. -1 when t
 * is already queued or running. */
int    check_submit(struct check_engine *, struct check_target *);
size_t check_inflight(const struct check_engine *);
size_t check_queued(const struct check_engine *);
/* The most targets ever in flight at once. */
size_t check_inflight_max(const struct check_engine *);

/* Frees what check_target_expect() gave t, and its TLS sessions. */
void check_target_clear(struct check_target *);
/* t's own expectations (copies; body NULL: none). */
void check_target_expect(struct check_target *t, const int *status,
    size_t nstatus, const char *body);

/* "200,401" into e->status; -1 with err on a bad list. */
int check_expect_status_parse(const char *, struct check_expect *e, char *err,
    size_t errlen);

/* Parse HOST:PORT:ADDR[,ADDR] as curl's --resolve; -1 on error. */
int check_override_parse(const char *, struct check_override *, char *err,
    size_t errlen);

#endif
