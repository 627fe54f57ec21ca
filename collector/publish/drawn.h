/*
 * drawn: what each target's graphs were last drawn from, kept between
 * publishes in one small file (DATA_DIR/state/drawn): per target slug, a
 * signature of its states (site_graph_sig). A publish redraws the graphs
 * of the last hour and day of every target whose signature changed, so an
 * outage shows at the next publish while steady targets wait their turn.
 * The file is a cache: a missing or damaged one means "every target
 * changed".
 */
#ifndef V6W_DRAWN_H
#define V6W_DRAWN_H

#include <stddef.h>
#include <stdint.h>

/* Largest file read back. */
#define DRAWN_FILE_MAX (64 * 1024 * 1024)

struct drawn;

/* Read path; never NULL (an empty set when the file is missing or bad). */
struct drawn *drawn_load(const char *path);
void	      drawn_free(struct drawn *);
/* The signature of slug into *sig: 1, or 0 when none is known. */
int drawn_get(const struct drawn *, const char *slug, uint64_t *sig);

/*
 * Write n slugs and their signatures to path (a temporary, then rename).
 * 0, or -1 with err.
 */
int drawn_save(const char *path, const char *const *slugs, const uint64_t *sigs,
    size_t n, char *err, size_t errlen);

#endif
