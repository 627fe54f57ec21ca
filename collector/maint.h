/*
 * maint: maintenance windows -- times when the named targets (or every
 * target of the named groups) raise no alert events. The windows made by
 * `v6collector maintenance` (cmd_maintenance.c) are kept in
 * DATA_DIR/maintenance.json; those of collector.conf's `maintenance` list
 * are loaded by conf.c with the same types.
 *
 * Times are ISO 8601: "2026-12-06 22:00" (or with a T, and :SS) in the
 * collector's local time (TZ), or with an explicit "Z", "+01:00", "-0500".
 *
 *	struct maint_set ms = {0};
 *	if (maint_load(&ms, path, err, sizeof(err)) == -1) ...;
 *	for (size_t i = 0; i < ms.n; i++)
 *		if (maint_covers(&ms.v[i], "portal", NULL, now)) ...;
 *	maint_set_free(&ms);
 */
#ifndef V6W_MAINT_H
#define V6W_MAINT_H

#include <stddef.h>
#include <sys/types.h>

#include "cfg.h"

/* Windows at most, in collector.conf and in the file each. */
#define MAINT_MAX 1000
/* Targets and groups of one window at most, each. */
#define MAINT_NAMES_MAX	 256
#define MAINT_ID_MAX	 16
#define MAINT_REASON_MAX 512
/* Largest maintenance.json read back. */
#define MAINT_FILE_MAX (8 * 1024 * 1024)
/* Ended windows are kept this long in the file (for the reports). */
#define MAINT_KEEP_S (400 * 86400.0)
/* Longest window made by the command. */
#define MAINT_LONGEST_S (366 * 86400.0)

struct maint_window {
	char		   id[MAINT_ID_MAX]; /* "c1".. config, "1".. file */
	struct cfg_strlist targets, groups;
	double		   from, to; /* [from, to) */
	char		  *reason;   /* NULL: none */
	int		   line;     /* collector.conf's line; 0: the file */
};

struct maint_set {
	struct maint_window *v;
	size_t		     n;
	unsigned	     next_id; /* the file's next id */
};

/* s as ISO 8601 (see above) into *t; 0, or -1 when it is not one. */
int maint_parse_time(const char *s, double *t);
/* "90m", "2h", "1h30m", "1d", "45s", "1w" into seconds; 0 or -1. */
int maint_parse_duration(const char *s, double *secs);
/* t in the local time: "2026-12-06 22:00 CET". */
void maint_format_time(double t, char *buf, size_t size);

/* w is active at now and names target or group (either may be NULL). */
int maint_covers(const struct maint_window *w, const char *target,
    const char *group, double now);

/* s can name a target or a group (not empty, no control characters, as
 * records' names are bounded). */
int maint_name_ok(const char *s);
/* Append a copy of s to l. */
void maint_name_add(struct cfg_strlist *l, const char *s);

void maint_window_copy(struct maint_window *dst, const struct maint_window *);
void maint_window_free(struct maint_window *);
/* Append a copy of w. */
void maint_set_add(struct maint_set *, const struct maint_window *w);
void maint_set_free(struct maint_set *);

/* DATA_DIR/maintenance.json into buf; 0, or -1 when it does not fit. */
int maint_path(const char *data_dir, char *buf, size_t size);
/*
 * Read path into ms (emptied first; a missing file is an empty set). -1
 * with err; errno EBADMSG when the file does not decode (the caller sets
 * it aside, see maint_set_aside()).
 */
int maint_load(struct maint_set *, const char *path, char *err, size_t errlen);
/* Rename a damaged file to PATH.bad-TIME and log it; 0 or -1. */
int maint_set_aside(const char *path, const char *why);
/* Write ms durably (atomic replace, mode 0640). 0, or -1 with err. */
int maint_save(const struct maint_set *, const char *path, char *err,
    size_t errlen);

#endif
