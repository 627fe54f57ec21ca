/*
 * rrdconv: converting the RRD files of an older layout (more archives,
 * MIN and MAX beside AVERAGE, more rows) to the one the store makes now
 * (store_rras()), keeping every row the new layout has room for and the
 * state of the rows still being consolidated: every graph and figure
 * reads the same values from the converted file as from the old one, and
 * goes on doing so as records come in. Crash-safe: the new file is
 * written as NAME.rrd.convert beside the old one, synced, and renamed
 * over it; a conversion cut short leaves the old file as it was, and the
 * next run removes the leftover and does it again.
 */
#ifndef V6W_RRDCONV_H
#define V6W_RRDCONV_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Suffix of a conversion in progress (or cut short). */
#define RRDCONV_SUFFIX ".convert"
/* Files not converted that are named in the log; the rest are counted. */
#define RRDCONV_LOG_MAX 100

/* rrdconv_file(): what it found. */
enum rrdconv_result {
	RRDCONV_FAILED = -1, /* err says why; the file is as it was */
	RRDCONV_CURRENT,     /* already in the store's layout: untouched */
	RRDCONV_CONVERTED
};

struct rrdconv_counts {
	size_t	 files;	    /* RRD files looked at */
	size_t	 converted; /* ... converted */
	size_t	 current;   /* ... already in the layout */
	size_t	 failed;    /* ... left as they were (logged) */
	size_t	 leftovers; /* NAME.rrd.convert of a run cut short, removed */
	uint64_t bytes_before, bytes_after; /* of the files converted */
	double	 seconds;		    /* the whole run */
};

/*
 * Convert path, a file of kind (a summary file has a check file's
 * archives), unless its archives are the store's already -- which its
 * header alone tells. Through rrdcached, the file is flushed first. While
 * it is read and replaced, it is read-locked (fcntl, as librrd locks):
 * librrd's updates of it wait. Adds the sizes before and after to c when
 * converted. The new file keeps the old one's data sources, step, mode and
 * owner (a file that cannot be given its owner is not converted).
 */
enum rrdconv_result rrdconv_file(struct store *, const char *path,
    enum store_kind, struct rrdconv_counts *c, char *err, size_t errlen);

/*
 * Convert every file under DATA_DIR/rrd/ (one folder per probe) and
 * DATA_DIR/summary.rrd, removing the leftovers of a run cut short. Each
 * file not converted is logged by name (RRDCONV_LOG_MAX of them), and the
 * counts once when anything was converted, failed or removed; the counts
 * also into c unless it is NULL. 0, or -1 when a file was not converted or
 * a folder could not be read.
 */
int rrdconv_run(struct store *, struct rrdconv_counts *c);

/* One line of the counts of a run, for the log and the command. */
void rrdconv_summary(const struct rrdconv_counts *c, char *out, size_t size);

#endif
