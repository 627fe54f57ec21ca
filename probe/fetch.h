/*
 * fetch: the probe's target list from its collector -- GET
 * /api/v1/targets in the event loop (libcurl through httpc, as upload.c
 * posts), at start, every targets_refresh seconds (+-10%) and on demand
 * (SIGHUP), with the bearer token and If-None-Match. 304 keeps the list;
 * a 200 with another list replaces it and is kept on disk (tcache) for
 * the next start. Whatever fails or is refused keeps the last good list,
 * said once per episode and reason; failures are tried again sooner
 * (10 s, doubling up to targets_refresh). The token is never logged.
 */
#ifndef V6W_FETCH_H
#define V6W_FETCH_H

#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct fetch;
struct tlist;

struct fetch_stats {
	uint64_t attempts;
	uint64_t replaced;     /* 200 with another list */
	uint64_t unchanged;    /* 200 with the same list (no ETag match) */
	uint64_t not_modified; /* 304 */
	uint64_t failures;     /* failed or refused */
};

/* After every attempt, from the event loop; changed: fetch_list() is
 * another list now. */
typedef void (*fetch_cb)(struct fetch *, int changed, void *arg);

struct fetch *fetch_new(struct ev_loop *, fetch_cb, void *arg);
void	      fetch_free(struct fetch *);
/*
 * Fetch url (NULL: stop, and drop the list held) for the probe named
 * probe, with the token in token_file (read now), trusting cacert (NULL:
 * the system store), every refresh_s seconds. A transfer under way is
 * abandoned; the next starts with fetch_now() or at the next refresh.
 * 0, or -1 with err (the token file).
 */
int fetch_configure(struct fetch *, const char *url, const char *token_file,
    const char *cacert, const char *probe, int refresh_s, char *err,
    size_t errlen);
/* The spool folder that holds the cache: takes dirfd; dir names it. */
void fetch_set_cache_dir(struct fetch *, int dirfd, const char *dir);
/* With no list held yet: take the cache's (logged). 1 when it did. */
int fetch_load_cache(struct fetch *);
/* Fetch now, or once more right after the transfer under way. */
void fetch_now(struct fetch *);

/* The list held (the last good one), or NULL; tlist_ref() it to keep
 * it past the next change. */
struct tlist *fetch_list(const struct fetch *);
/* A transfer is under way or due before any other event. */
int  fetch_busy(const struct fetch *);
void fetch_stats(const struct fetch *, struct fetch_stats *);

#endif
