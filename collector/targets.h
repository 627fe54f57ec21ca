/*
 * targets: the collector's central target list (collector.targets_file),
 * the one list every probe fetches its targets from (GET /api/v1/targets).
 * A CSV file (RFC 4180, UTF-8, a header row naming the columns) or a
 * libconfig file (targets = ( { url = ".."; title = ".."; ... } )). Each
 * target has a stable id -- ASCII, used in file names and URLs, given or
 * derived from its title -- and a title in any UTF-8 that people see.
 */
#ifndef V6W_TARGETS_H
#define V6W_TARGETS_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "result.h"

/* Longest id (bytes, as a probe's target name) and title (bytes). */
#define TARGET_ID_MAX	 64
#define TARGET_TITLE_MAX 256
/* Most targets in one list, and the largest file. */
#define TARGETS_MAX	 200000
#define TARGETS_FILE_MAX (64 * 1024 * 1024)
/* expect_status codes at most (the probe's PROBE_EXPECT_MAX). */
#define TARGET_EXPECT_MAX 16
/* Longest url, group (as a result record carries them) and large_path
 * (bytes), and most names in probes (COLLECTOR_PROBES_MAX). */
#define TARGET_URL_MAX	      2048
#define TARGET_GROUP_MAX      128
#define TARGET_LARGE_PATH_MAX 1024
#define TARGET_PROBES_MAX     1000
/* interval's range (seconds). */
#define TARGET_INTERVAL_MIN 10
#define TARGET_INTERVAL_MAX 86400
/* A CSV field longer than this is an error (an unclosed quote, most
 * likely): no valid one comes near. */
#define TARGETS_FIELD_MAX (64 * 1024)
/* An entity tag: '"', 32 hex digits, '"', NUL. */
#define TARGETS_ETAG_SIZE 35

struct ctarget {
	char  *id;	   /* [A-Za-z0-9][A-Za-z0-9._-]*, <= TARGET_ID_MAX */
	char  *title;	   /* UTF-8, no control characters; never NULL */
	char  *url;	   /* http:// or https:// */
	char  *group;	   /* "" when none */
	char  *large_path; /* NULL when none */
	int    interval_s; /* 0: the probe's own interval */
	int    expect_status[TARGET_EXPECT_MAX];
	size_t nexpect_status; /* 0: any of 200-399 */
	char **probes;	       /* the probes that check it */
	size_t nprobes;	       /* 0: every probe */
	int    id_given;       /* the file named the id */
	int    line;	       /* where it was defined */
};

struct target_list {
	char	       *path;
	struct ctarget *v; /* in file order */
	size_t		n;
	struct table   *by_id;
	struct table   *by_url;	    /* the URL as libcurl writes it -> target */
	int		col_probes; /* CSV: the probes column; 0: none */
	/*
	 * What a user of the list keeps for it (the answers of GET
	 * /api/v1/targets, api.c): cache_free(cache) when the list is freed.
	 */
	void *cache;
	void (*cache_free)(void *);
};

/*
 * Load path: CSV when its name ends in ".csv", else libconfig. prev (the
 * list loaded before, NULL at first) keeps ids stable: a row without an
 * id takes the id prev gave its URL, else its title, else one derived
 * from the title (targets_derive_id), made unique. Problems go to c as
 * FILE:LINE:COLUMN: message; the same id or URL twice is an error naming
 * both lines. NULL when there was any error.
 */
struct target_list *
targets_load(const char *path, const struct target_list *prev, struct cfg *c);
void targets_free(struct target_list *);

/*
 * A warning in c for every name in a probes column (or list) that is not
 * among names[] (collector.conf's probes): no probe of that name fetches
 * the target.
 */
void targets_check_probes(const struct target_list *, const char *const *names,
    size_t n, struct cfg *c);

const struct ctarget *targets_find(const struct target_list *, const char *id);

/*
 * (Re)build by_id and by_url of a list whose v[] the caller filled (the
 * catalogue's list as last applied, for targets_load()'s prev): the first
 * target of an id or a URL is the one found.
 */
void targets_index(struct target_list *);

/* Whether probe checks t (t names no probes: every probe does). */
int targets_for_probe(const struct ctarget *t, const char *probe);

/*
 * An id from a title into out (size >= TARGET_ID_MAX + 1): Vietnamese
 * (and other Latin) diacritics transliterated ("Cổng dịch vụ công – Sở Y
 * tế" -> "cong-dich-vu-cong-so-y-te"), lower case, every other run of
 * characters one '-', cut at a '-' to fit. "target" when nothing is left.
 */
void targets_derive_id(const char *title, char *out, size_t size);

/*
 * The body of GET /api/v1/targets for probe (docs/DESIGN.md), newly
 * allocated into *body / *len (caller frees with free()), and its entity
 * tag (a quoted hash of the body, TARGETS_ETAG_SIZE bytes) into etag. A
 * NULL list is one without targets. 0 or -1.
 */
int targets_json(const struct target_list *, const char *probe, char **body,
    size_t *len, char *etag, size_t etagsize);

#endif
