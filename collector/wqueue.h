/*
 * wqueue: one webhook's durable queue of deliveries, on top of the
 * spool (common/spool.h: checksummed segment files, an "acked" cursor,
 * crash recovery). An item is {"id","event","target","created","body"}:
 * the delivery id (kept across retries and restarts), the event name,
 * the target, the wall time it was queued and the exact body to POST.
 * Items leave in the order they came, when delivered (ack) or given up
 * (drop). Bounded: at most max_items waiting (the oldest are dropped,
 * counted and logged) and the spool's byte bound.
 */
#ifndef V6W_WQUEUE_H
#define V6W_WQUEUE_H

#include <stddef.h>
#include <stdint.h>

struct wqueue;

#define WQUEUE_ID_LEN 32 /* hex digits of a delivery id */

struct wqueue_item {
	char   id[WQUEUE_ID_LEN + 1];
	char   event[32];
	char  *target; /* "" for none */
	double created;
	char  *body;
	size_t body_len;
};

/*
 * Open (creating) dir, holding at most max_items and max_bytes; name is
 * the webhook's, for messages. NULL with err.
 */
struct wqueue *wqueue_open(const char *dir, const char *name, size_t max_items,
    uint64_t max_bytes, char *err, size_t errlen);
/* Writes what is pending, then closes. NULL-safe. */
void wqueue_close(struct wqueue *);

void wqueue_set_max(struct wqueue *, size_t max_items);

/* A new delivery id: 32 random hex digits. */
void wqueue_new_id(char id[WQUEUE_ID_LEN + 1]);

/*
 * Queue one delivery (copies everything); durable after wqueue_sync().
 * 0, or -1 when the item cannot be encoded.
 */
int wqueue_push(struct wqueue *, const char *id, const char *event,
    const char *target, double created, const char *body);
/* Write and fsync what was pushed. 0 or -1 (items stay in memory). */
int wqueue_sync(struct wqueue *);

/*
 * The oldest durable item into *it (free with wqueue_item_free). 0, or
 * -1 when none. An item that does not decode is dropped (counted).
 */
int  wqueue_head(struct wqueue *, struct wqueue_item *it);
void wqueue_item_free(struct wqueue_item *);
/* The head returned last was delivered / is given up: remove it. */
int wqueue_ack(struct wqueue *);
int wqueue_drop(struct wqueue *);

/* Drop the oldest items beyond max_items (logged); returns how many. */
size_t wqueue_bound(struct wqueue *);

/* Items waiting (durable and pending). */
uint64_t wqueue_length(const struct wqueue *);
/* Dropped for room since open (not counting wqueue_drop). */
uint64_t wqueue_dropped(const struct wqueue *);

#endif
