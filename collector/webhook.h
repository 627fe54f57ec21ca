/*
 * webhook: the configured webhooks and their delivery. Each webhook has
 * its own durable queue (wqueue, DATA_DIR/webhooks/NAME/) and delivers
 * one item at a time, oldest first, so events keep their order and a dead
 * receiver holds back only its own queue. A failed POST (non-2xx, 3xx
 * included, timeout, connection error) is retried after an exponential
 * backoff with jitter -- retry_min, doubling, capped at retry_max -- with
 * the same delivery id, until it succeeds or the item is older than
 * give_up_after (then it is dropped, logged and counted as given_up).
 * Items still queued at exit or after a crash are sent after the restart.
 *
 * alert events arrive through webhooks_event() (an alert_sink_fn): the
 * body is rendered in each webhook's format and queued; webhooks_sync()
 * makes the queued events durable (once per batch), then delivery starts.
 */
#ifndef V6W_WEBHOOK_H
#define V6W_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct alert_event;
struct webhook_conf;
struct webhooks;

/* Bytes one webhook's queue may hold on disk. */
#define WEBHOOK_QUEUE_BYTES (64ULL * 1024 * 1024)

/* What status and metrics show of one webhook. */
struct webhook_stats {
	const char *name;
	uint64_t    queued;    /* items waiting */
	uint64_t    delivered; /* since start */
	uint64_t    failed;    /* attempts that failed, since start */
	uint64_t    given_up;  /* items given up, since start */
	uint64_t    dropped;   /* items dropped for room, since start */
	unsigned    attempts;  /* failed attempts of the current head */
	double	    last_ok;   /* wall clock; 0 never */
	double	    last_error_ts;
	const char *last_error; /* "" none */
};

/*
 * Webhooks of a collector called collector_name, queues under
 * DATA_DIR/webhooks. With loop NULL nothing is delivered (queues still
 * fill). Never NULL.
 */
struct webhooks *webhooks_new(struct ev_loop *, const char *data_dir);
/* Cancels every POST in progress (their items stay queued); NULL-safe. */
void webhooks_free(struct webhooks *);

/*
 * Take the configured list (start or reload): webhooks are matched by
 * name; new ones open their queue, changed ones take the new url, secret
 * and limits, removed ones stop (their queue stays on disk). -1 when a
 * queue could not be opened (logged; that webhook is left out).
 */
int webhooks_configure(struct webhooks *, const struct webhook_conf *, size_t n,
    const char *collector_name);

/* The alert sink: queue ev for every webhook (arg is the webhooks). */
void webhooks_event(void *arg, const struct alert_event *ev);
/* Messages name a target by the title fn gives (NULL: by its id). */
void webhooks_set_titles(struct webhooks *,
    const char *(*fn)(void *arg, const char *target), void *arg);
/* Make what was queued durable and start delivering. 0 or -1. */
int webhooks_sync(struct webhooks *);

size_t webhooks_count(const struct webhooks *);
void webhooks_stats(const struct webhooks *, size_t i, struct webhook_stats *);

/*
 * The URL to POST to (telegram: BASE/bot<TOKEN>/sendMessage; never to be
 * logged). Caller frees, after OPENSSL_cleanse() for telegram's.
 */
char *webhook_conf_url(const struct webhook_conf *);

/*
 * Which events a webhook takes (its events, groups, families and probes
 * filters): with no events list, every event for format "json", and all
 * but readiness_changed for the formats people read (a recovery is then
 * one message). A problem (state down, not ready) is sent once it has
 * lasted min_duration; its recovery only if it was sent, with how long it
 * lasted. Sent problems are kept in DATA_DIR/webhooks/NAME.watch, and an
 * alertmanager webhook sends them again every resend_interval while they
 * last.
 */

/*
 * Backoff before retry number attempt (1 = the first retry): min_ms
 * doubled attempt - 1 times, capped at max_ms, then jittered into
 * [d / 2, d] by rnd (pure, for tests).
 */
uint64_t webhook_backoff_ms(unsigned attempt, uint64_t min_ms, uint64_t max_ms,
    uint32_t rnd);

#endif
