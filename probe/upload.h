/*
 * upload: delivers spooled records to the collector (POST
 * /api/v1/results), one batch at a time, acknowledging them in the spool.
 */
#ifndef V6W_UPLOAD_H
#define V6W_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

struct ev_loop;
struct spool;
struct upload;

struct upload_stats {
	uint64_t batches, delivered; /* acknowledged by a 200 */
	uint64_t accepted, duplicates, rejected;
	uint64_t failures;
	uint64_t backoff_ms;
	char	 last_error[256];
};

/* Called when an attempt ended without starting another: the spool is
 * empty, or delivery failed and waits for its backoff. */
typedef void (*upload_idle_cb)(struct upload *, void *arg);

struct upload *upload_new(struct ev_loop *, struct spool *);
void	       upload_free(struct upload *);
/* Where to, with which token (read now from token_file), trusting cacert
 * (NULL: the system store). 0, or -1 with a message in err. */
int  upload_configure(struct upload *, const char *url, const char *token_file,
     const char *cacert, const char *probe, char *err, size_t errlen);
void upload_on_idle(struct upload *, upload_idle_cb, void *arg);
/* Send the next batch if none is under way and no backoff runs. */
/* The spool to deliver from, when it is opened after upload_new() (a
 * daemon started as root opens it after dropping root). */
void upload_set_spool(struct upload *, struct spool *);
void upload_kick(struct upload *);
int  upload_busy(const struct upload *);
int  upload_failing(const struct upload *);
void upload_stats(const struct upload *, struct upload_stats *);

#endif
