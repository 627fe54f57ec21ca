/*
 * export: the report's figures for spreadsheets and letters -- report.csv
 * (one row per service), group/SLUG.csv (the same per group), the
 * monthly snapshots report-YYYY-MM.json/.csv and the change since the
 * previous month's snapshot. The CSV, JSON and HTML parts are pure
 * (a finished site in, text out); export_change_load() and
 * export_publish() are the shell that reads and writes the files.
 *
 * The snapshots: DATA_DIR/reports/ holds the record, publish_dir a copy
 * of each. Every publish writes its month's pair (report.json and
 * report.csv as just published); an earlier month's pair is never
 * written again, only copied back into publish_dir when it went missing
 * there. Months are those of the collector's time zone (UTC).
 */
#ifndef V6W_EXPORT_H
#define V6W_EXPORT_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct html;
struct site;
struct site_target;

/* Largest CSV file; a larger one is not written. */
#define EXPORT_CSV_MAX (64 * 1024 * 1024)
/* Largest snapshot read back. */
#define EXPORT_SNAPSHOT_MAX (64 * 1024 * 1024)
/* Groups given a CSV file of their own; the others are counted. */
#define EXPORT_GROUPS_MAX 1000
/* "YYYY-MM" and its NUL. */
#define EXPORT_MONTH_LEN 8
/* The folder of the snapshots under DATA_DIR and of the group files. */
#define EXPORT_SNAPSHOT_DIR "reports"
#define EXPORT_GROUP_DIR    "group"

/* The change since the previous month's snapshot. */
struct export_change {
	char   month[EXPORT_MONTH_LEN]; /* the snapshot's; "" when none */
	double generated;		/* when it was published; 0 unknown */
	/* Services in both, by id, in the site's order (worst first). */
	const struct site_target **became;  /* ready now, not then */
	const struct site_target **stopped; /* ready then, not now */
	size_t			   nbecame, nstopped;
};

void export_change_free(struct export_change *);

/*
 * What blocks t, in the words of the report's blocker table; "" when t
 * is ready.
 */
const char *export_blocker_words(const struct site_target *t);

/*
 * The CSV of every service of si (group NULL) or of those of group:
 * UTF-8 with a byte order mark, a header row, CRLF line ends, every field
 * quoted (RFC 4180). Rows by group, then worst first. *out is the heap
 * text (caller frees), *lenp its length. 0, or -1 when larger than
 * EXPORT_CSV_MAX.
 */
int
export_csv(const struct site *si, const char *group, char **out, size_t *lenp);

/*
 * The groups of si (names as they are, "" for services without one), in
 * name order, at most EXPORT_GROUPS_MAX; *dropped counts the others.
 * Caller frees the array (the names are the site's).
 */
const char **export_groups(const struct site *si, size_t *n, size_t *dropped);

/*
 * "group/SLUG.csv" for group: SLUG is site_slug(group); "~none" for ""
 * and "~h" plus 16 hex digits of a hash when the slug would be too long
 * (neither is ever a slug). 0, or -1 when out is too small.
 */
int export_group_file(const char *group, char *out, size_t size);

/*
 * report.json's "services" (every service: target, title, url, group,
 * ready, score, blocker, ipv6_availability, ready_since) and, when there
 * is a previous snapshot, "change" ({"since": month, "became_ready": [ids],
 * "stopped_ready": [ids]}), added to root.
 */
void
export_json(cJSON *root, const struct site *si, const struct export_change *c);

/* report.html: the links to report.csv and the group files. */
void export_html_links(struct html *, const struct site *si);
/* report.html: the change since the previous month; nothing when none. */
void export_html_change(struct html *, const struct export_change *c);

/* The month of wall time now, "YYYY-MM" (EXPORT_MONTH_LEN). 0 or -1. */
int export_month(double now, char *out, size_t size);
/* ISO 8601 with the offset, "2026-11-30T07:35:00+00:00"; "" when ts <= 0. */
const char *export_iso_time(double ts, char *out, size_t size);

/*
 * c: si compared with the snapshot of month (its report-MONTH.json text,
 * len bytes). 0, or -1 with err when the text is not such a snapshot.
 */
int export_change_from(struct export_change *c, const struct site *si,
    const char *month, const char *json, size_t len, char *err, size_t errlen);

/*
 * c: si compared with the latest snapshot in data_dir/reports of a month
 * before now's; c->month "" when there is none. 0, or -1 with err
 * (naming the file) when it cannot be read.
 */
int export_change_load(struct export_change *c, const struct site *si,
    const char *data_dir, double now, char *err, size_t errlen);

/*
 * One publish's exports into site_dir: report.csv, group/SLUG.csv (a
 * group's file that has no group any more is removed) and now's month's
 * snapshot, report.json being json (len bytes) as just published, in
 * data_dir/reports and site_dir; earlier months missing in site_dir are
 * copied back. No month is written while a later month's snapshot
 * exists (the clock went back). *nfiles counts the files written. 0, or
 * -1 with err saying the first failure (every other part is still done).
 */
int export_publish(const char *site_dir, const char *data_dir,
    const struct site *si, double now, const char *json, size_t len,
    size_t *nfiles, char *err, size_t errlen);

#endif
