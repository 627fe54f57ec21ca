/*
 * catalog: what the collector remembers of its targets across restarts
 * and reloads (DATA_DIR/state/targets.json): the central list as last
 * applied -- each id with its title, URL and group, so that an id derived
 * from a title stays when the title or the URL changes, and so that a
 * target gone from the list is seen as removed -- and the retired ids
 * (removed from the list, retired or renamed with `v6collector target`),
 * whose records are rejected with the reason.
 */
#ifndef V6W_CATALOG_H
#define V6W_CATALOG_H

#include <stddef.h>

struct table;
struct target_list;

/* Largest state file read back. */
#define CATALOG_FILE_MAX (128 * 1024 * 1024)
/* Longest reason kept. */
#define CATALOG_REASON_MAX 256

struct catalog_entry {
	char *id, *title, *url, *group;
};

struct catalog_retired {
	char  *id;
	double at;
	char  *reason;	   /* "removed from targets.csv", "renamed to X", ... */
	char  *renamed_to; /* NULL: not renamed */
};

struct catalog {
	char		       *path;
	int			has_list; /* a central list was applied */
	struct catalog_entry   *list;
	size_t			nlist;
	struct catalog_retired *retired;
	size_t			nretired, capretired;
	struct table	       *index; /* id -> retired entry */
};

/* DATA_DIR/state/targets.json of data_dir into buf. 0 or -1. */
int catalog_path(const char *data_dir, char *buf, size_t size);
/*
 * Read path (a missing file: empty). -1 with err; errno EBADMSG when it
 * does not decode (the caller sets it aside).
 */
int  catalog_load(struct catalog *, const char *path, char *err, size_t errlen);
int  catalog_save(const struct catalog *, char *err, size_t errlen);
void catalog_free(struct catalog *);

/* The retired entry of id, NULL when it is not retired. */
const struct catalog_retired *
catalog_retired(const struct catalog *, const char *id);
/* Retire id (again: the newer reason); renamed_to may be NULL. */
void catalog_retire(struct catalog *, const char *id, double at,
    const char *reason, const char *renamed_to);
/* id is in use again: 1, or 0 when it was not retired. */
int catalog_unretire(struct catalog *, const char *id);

/* The central list tl is the one applied now (NULL: no central list). */
void catalog_set_list(struct catalog *, const struct target_list *tl);
/* The entry of id in the list last applied; NULL when none. */
const struct catalog_entry *
catalog_entry(const struct catalog *, const char *id);

/*
 * The list last applied as a target_list (id, title, URL and group of
 * each; targets_free() frees it) for targets_load()'s prev; NULL when no
 * list was applied yet.
 */
struct target_list *catalog_prev(const struct catalog *);
/* The list's entry from is called to now: 1, or 0 when there is none. */
int catalog_rename_entry(struct catalog *, const char *from, const char *to);

#endif
