/*
 * publisher: the daemon's publishing cadence. Every publish_interval
 * seconds (0: never) a forked child runs publish_run() on a snapshot of
 * the daemon's state (fork's copy) and exits; the loop only forks, and
 * reaps the child when SIGCHLD comes through its signalfd, so it never
 * waits for a publish.
 * One child at a time: a turn that comes while one runs is skipped.
 */
#ifndef V6W_PUBLISHER_H
#define V6W_PUBLISHER_H

#include <stdint.h>
#include <sys/types.h>

struct collector;
struct publisher;

/* The first publish comes this soon after start. */
#define PUBLISHER_FIRST_MS 2000

/* Arms the timer on co->loop (when publish_interval > 0) and takes
 * SIGCHLD through the loop. */
struct publisher *publisher_new(struct collector *);
/* Stop the timers; a child still running is stopped and reaped. */
void publisher_free(struct publisher *);

/* Publishes started, failed and skipped (one already running). */
void publisher_counts(const struct publisher *, uint64_t *runs,
    uint64_t *failures, uint64_t *skipped);

#endif
