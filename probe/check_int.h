/*
 * check_int: what the engine (check.c) and its legs (check_leg.c) share:
 * a check, its two legs (one per address family) and the engine. Not for
 * use outside the check engine; its interface is check.h.
 */
#ifndef V6W_CHECK_INT_H
#define V6W_CHECK_INT_H

#include <sys/socket.h>

#include <openssl/evp.h>

#include "check.h"
#include "check_http.h"
#include "tcpconn.h"
#include "url.h"

#define CHECK_USER_AGENT "v6watch/" V6WATCH_VERSION " (IPv6 readiness probe)"

enum leg_phase {
	LEG_IDLE,
	LEG_DNS,
	LEG_CONNECT,
	LEG_HTTP,
	LEG_LARGE,
	LEG_DONE
};

struct check;
struct leg;

/* http://HOST/ on port 80 of one address the first hop connected to: a
 * connect of its own, then the response head (hx_head_only()). */
struct leg_http80 {
	struct leg    *l;
	size_t	       idx; /* in the leg's sa[] */
	struct tcpconn tc;
	struct hx      hx;
	int	       started, running;
	enum outcome   oc;
	const char    *why;
};

struct leg {
	struct check  *c;
	enum family    fam;
	int	       af;
	struct result *r;
	struct sketch *sk;
	enum leg_phase phase;
	int	       ended;

	char	   url[RESULT_URL_MAX]; /* current hop */
	struct url u;
	int	   hop;

	struct sockaddr_storage sa[RESULT_ADDR_MAX];
	size_t			nsa;
	/* hop 0: addresses from DNS set aside as not global */
	char			skipped[RESULT_ADDR_MAX][RESULT_IP_MAX];
	size_t			nskipped;
	struct tcpconn	       *conn; /* first hop: one per address */
	size_t			nconn;
	int			nconn_running;
	struct tcpconn		hconn; /* later hops, large transfer */
	size_t			hconn_idx;
	int			chosen;
	struct sockaddr_storage final_sa;

	uint64_t dns_start_us;
	int	 dns_pending;

	struct tls_conn tls;
	struct hx	hx; /* the connection's TLS and HTTP */
	EVP_MD_CTX     *md;
	uint64_t	bytes, cap, page_bytes;
	int		capped;
	int		headers_done; /* the blank line arrived */
	int		large;
	const char     *large_path;
	struct hx_find *find; /* NULL: no expect_body */

	struct leg_http80 *h80; /* NULL: no port-80 check; else nsa of them */
	size_t		   nh80;
	int		   h80_running;
};

struct check {
	struct check_engine *e;
	struct check_target *t;
	struct check_report  rep;
	struct leg	     leg[FAMILY__N];
	int		     legs_running;
	int		     dns_waiting;
	uint64_t	     start_us;
	struct url	     u0;
	int		     u0_ok;
	int		     http80; /* check port 80 beside https:// */
	int		     status[CHECK_EXPECT_MAX]; /* expect_status */
	size_t		     nstatus;
	struct ev_timer	     finish;	  /* hands the report over */
	struct check	    *prev, *next; /* in flight */
};

struct check_engine {
	struct ev_loop	    *loop;
	struct check_opts    o;
	check_done_cb	     done;
	void		    *arg;
	struct resolv	    *res;
	struct dnscheck	    *dc;
	const EVP_MD	    *sha256;
	struct check_target *qhead, **qtail; /* waiting, not allocated */
	size_t		     nqueued, ninflight, maxinflight;
	struct check	    *running;
	SSL_CTX		    *ctx;	/* shared by every TLS connection */
	X509_STORE	    *own_store; /* the default one, when none given */
};

/* check_leg.c: a leg runs by itself from leg_start() to leg_end(), then
 * calls check_maybe_done(). */
void leg_start(struct leg *);
void leg_end(struct leg *, enum outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Stop whatever the leg still runs and free what it holds. */
void   leg_free(struct leg *);
double since_ms(uint64_t start_us);

/* check.c: called by a leg that ended. */
void check_maybe_done(struct check *);

#endif
