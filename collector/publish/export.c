/*
 * export: report.csv and the group files (libcsv quotes every field),
 * report.json's services and change, the monthly snapshots and the
 * change since the previous month.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <csv.h>

#include "export.h"
#include "html.h"
#include "i18n.h"
#include "json.h"
#include "site.h"
#include "table.h"
#include "util.h"

/*
 * The words of the report's blocker table (report.c), so that a service's
 * row says what the table counts it under; test_export checks that they
 * agree.
 */
static const char *const outcome_words[OUTCOME__N] = {
    [OUTCOME_OK] = N_("IPv6 down"),
    [OUTCOME_NO_ADDRESS] = N_("No AAAA record"),
    [OUTCOME_TIMEOUT] = N_("Unreachable: connections time out"),
    [OUTCOME_UNREACHABLE] = N_("Unreachable: no route"),
    [OUTCOME_REFUSED] = N_("Connections refused"),
    [OUTCOME_STALL] = N_("PMTU stall: large transfers hang"),
    [OUTCOME_DNS_ERROR] = N_("Name does not resolve"),
    [OUTCOME_TLS_ERROR] = N_("TLS handshake fails"),
    [OUTCOME_CERT_EXPIRED] = N_("Certificate expired"),
    [OUTCOME_CERT_NAME_MISMATCH] = N_("Certificate for another name"),
    [OUTCOME_CERT_UNTRUSTED] = N_("Certificate not trusted"),
    [OUTCOME_HTTP_ERROR] = N_("HTTP error"),
    [OUTCOME_ERROR] = N_("Check failed"),
};

const char *
export_blocker_words(const struct site_target *t)
{
	enum outcome o = OUTCOME_ERROR;

	switch (site_blocker(t, &o)) {
	case SITE_BLOCK_NONE:
		return "";
	case SITE_BLOCK_OUTCOME:
		return _(outcome_words[o]);
	case SITE_BLOCK_NO_DATA:
		return _("No recent measurement");
	case SITE_BLOCK_CONTENT:
		return _("IPv6 works, but serves other content than IPv4");
	case SITE_BLOCK_OTHER:
		break;
	}
	return _("IPv6 works; the score falls short");
}

/* The key of t's blocker in report.json ("blockers"."outcomes"). */
static const char *
blocker_key(const struct site_target *t)
{
	enum outcome o = OUTCOME_ERROR;

	switch (site_blocker(t, &o)) {
	case SITE_BLOCK_NONE:
		return NULL;
	case SITE_BLOCK_OUTCOME:
		return outcome_name(o);
	case SITE_BLOCK_NO_DATA:
		return "no_data";
	case SITE_BLOCK_CONTENT:
		return "content_mismatch";
	case SITE_BLOCK_OTHER:
		break;
	}
	return "other";
}

/*
 * The broken-down time of ts in the collector's time zone: the one
 * place that says which (UTC, as html_time() writes).
 */
static int
export_tm(double ts, struct tm *tm)
{
	time_t t = (time_t)floor(ts);

	/* The collector's zone (collector.timezone: TZ, see i18n.h). */
	return localtime_r(&t, tm) == NULL ? -1 : 0;
}

int
export_month(double now, char *out, size_t size)
{
	struct tm tm;
	int	  n;

	if (export_tm(now, &tm) == -1 || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 0)
		return -1;
	n = snprintf(out, size, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

const char *
export_iso_time(double ts, char *out, size_t size)
{
	struct tm tm;
	long	  off;
	size_t	  n;

	if (size == 0)
		return out;
	out[0] = '\0';
	if (ts <= 0 || export_tm(ts, &tm) == -1 ||
	    (n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		out[0] = '\0';
		return out;
	}
	off = tm.tm_gmtoff / 60;
	if (snprintf(out + n, size - n, "%c%02ld:%02ld", off < 0 ? '-' : '+',
		labs(off) / 60, labs(off) % 60) >= (int)(size - n))
		out[0] = '\0';
	return out;
}

/*
 * Availability as the report rounds it (i18n_pct()): percent, the same
 * decimals, but always with a point (a number for any spreadsheet).
 */
static const char *
pct_text(double v, char *out, size_t size)
{
	if (v < 0 || isnan(v))
		out[0] = '\0';
	else
		snprintf(out, size, "%.*f", i18n_pct_decimals(v), v * 100);
	return out;
}

/* A bounded text buffer for a CSV file. */
struct csvbuf {
	char  *p;
	size_t len, cap;
	int    over; /* past EXPORT_CSV_MAX: the rest dropped */
};

static char *
csvbuf_room(struct csvbuf *b, size_t n)
{
	if (b->over || n > EXPORT_CSV_MAX - b->len) {
		b->over = 1;
		return NULL;
	}
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n)
			cap *= 2;
		b->p = xreallocarray(b->p, cap, 1);
		b->cap = cap;
	}
	return b->p + b->len;
}

static void
csvbuf_raw(struct csvbuf *b, const char *s)
{
	size_t n = strlen(s);
	char  *d = csvbuf_room(b, n);

	if (d != NULL) {
		memcpy(d, s, n);
		b->len += n;
	}
}

/*
 * One field, quoted by libcsv; a comma before all but the first. A text
 * from a record or the list (text set) that a spreadsheet would take for
 * a formula (= + - @ first) gets a ' before it, which spreadsheets show
 * as text and do not run.
 */
static void
csvbuf_field(struct csvbuf *b, int first, const char *s, int text)
{
	size_t n = strlen(s), need;
	char  *d, *quoted = NULL;

	if (text && n > 0 && strchr("=+-@\t\r", s[0]) != NULL) {
		quoted = xmalloc(n + 2);
		quoted[0] = '\'';
		memcpy(quoted + 1, s, n + 1);
		s = quoted;
		n++;
	}
	need = csv_write(NULL, 0, s, n);
	if (!first)
		csvbuf_raw(b, ",");
	if ((d = csvbuf_room(b, need)) != NULL)
		b->len += csv_write(d, need, s, n);
	free(quoted);
}

/* A row of n fields and its CRLF; the first ntext are texts. */
static void
csvbuf_row(struct csvbuf *b, const char *const *v, size_t n, size_t ntext)
{
	for (size_t i = 0; i < n; i++)
		csvbuf_field(b, i == 0, v[i], i < ntext);
	csvbuf_raw(b, "\r\n");
}

#define CSV_COLUMNS 11

static void
csv_target(struct csvbuf *b, const struct site_target *t)
{
	char	    score[16], a[WINDOW__N][32], since[64];
	const char *v[CSV_COLUMNS];

	if (t->score >= 0)
		snprintf(score, sizeof(score), "%d", t->score);
	else
		score[0] = '\0';
	for (int w = 0; w < WINDOW__N; w++)
		pct_text(t->fam[FAMILY_IPV6].avail[w], a[w], sizeof(a[w]));
	v[0] = t->group;
	v[1] = t->title;
	v[2] = t->name;
	v[3] = t->url;
	v[4] =
	    t->ready == 1 ? _("yes") : (t->ready == 0 ? _("no") : _("unknown"));
	v[5] = score;
	v[6] = export_blocker_words(t);
	v[7] = a[WINDOW_24H];
	v[8] = a[WINDOW_7D];
	v[9] = a[WINDOW_30D];
	v[10] = export_iso_time(t->ready_since, since, sizeof(since));
	csvbuf_row(b, v, CSV_COLUMNS, 4); /* group, title, id, URL */
}

/* A target and its place in the site (worst first). */
struct ranked {
	const struct site_target *t;
	size_t			  i;
};

static int
ranked_cmp(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	int		     c = strcmp(x->t->group, y->t->group);

	if (c != 0)
		return c;
	return x->i < y->i ? -1 : (x->i > y->i);
}

int
export_csv(const struct site *si, const char *group, char **out, size_t *lenp)
{
	const char    *head[CSV_COLUMNS] = {_("Group"), _("Service"), _("ID"),
	       _("URL"), _("Ready for IPv6"), _("Score"), _("Blocked by"),
	       _("IPv6 availability 24 h (%)"), _("IPv6 availability 7 d (%)"),
	       _("IPv6 availability 30 d (%)"), _("Ready or not since")};
	struct csvbuf  b = {0};
	struct ranked *rk = xcalloc(si->n + 1, sizeof(*rk));
	size_t	       n = 0;

	for (size_t i = 0; i < si->n; i++)
		if (group == NULL || strcmp(si->targets[i]->group, group) == 0)
			rk[n++] = (struct ranked){si->targets[i], i};
	if (n > 1)
		qsort(rk, n, sizeof(*rk), ranked_cmp);
	csvbuf_raw(&b, "\xef\xbb\xbf"); /* the BOM: spreadsheets read UTF-8 */
	csvbuf_row(&b, head, CSV_COLUMNS, 0);
	for (size_t i = 0; i < n; i++)
		csv_target(&b, rk[i].t);
	free(rk);
	if (b.over) {
		free(b.p);
		*out = NULL;
		*lenp = 0;
		return -1;
	}
	*out = b.p;
	*lenp = b.len;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **
export_groups(const struct site *si, size_t *np, size_t *dropped)
{
	struct table *seen = table_new();
	const char  **g = xcalloc(si->n + 1, sizeof(*g));
	size_t	      n = 0;

	*dropped = 0;
	for (size_t i = 0; i < si->n; i++) {
		const char *name = si->targets[i]->group;

		if (table_get(seen, name, strlen(name)) != NULL)
			continue;
		table_put(seen, name, strlen(name), (void *)name);
		g[n++] = name;
	}
	table_free(seen);
	if (n > 1)
		qsort(g, n, sizeof(*g), name_cmp);
	if (n > EXPORT_GROUPS_MAX) {
		*dropped = n - EXPORT_GROUPS_MAX;
		n = EXPORT_GROUPS_MAX;
	}
	*np = n;
	return g;
}

int
export_group_file(const char *group, char *out, size_t size)
{
	char	 slug[SITE_SLUG_MAX];
	uint64_t h = 14695981039346656037ULL;
	int	 n;

	if (group[0] == '\0')
		n = snprintf(out, size, EXPORT_GROUP_DIR "/~none.csv");
	else if (site_slug(group, slug, sizeof(slug)) == 0)
		n = snprintf(out, size, EXPORT_GROUP_DIR "/%s.csv", slug);
	else {
		/* '~' is followed by two hex digits in a slug, never 'h'. */
		for (const unsigned char *p = (const unsigned char *)group;
		     *p != '\0'; p++) {
			h ^= *p;
			h *= 1099511628211ULL; /* FNV-1a */
		}
		n = snprintf(out, size, EXPORT_GROUP_DIR "/~h%016llx.csv",
		    (unsigned long long)h);
	}
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

void
export_json(cJSON *root, const struct site *si, const struct export_change *c)
{
	static const char *const wkey[WINDOW__N] = {"24h", "7d", "30d"};
	cJSON			*a = cJSON_AddArrayToObject(root, "services");

	for (size_t i = 0; i < si->n; i++) {
		const struct site_target *t = si->targets[i];
		cJSON			 *o = cJSON_CreateObject(), *av;
		const char		 *k = blocker_key(t);

		cJSON_AddItemToArray(a, o);
		cJSON_AddStringToObject(o, "target", t->name);
		cJSON_AddStringToObject(o, "title", t->title);
		cJSON_AddStringToObject(o, "url", t->url);
		cJSON_AddStringToObject(o, "group", t->group);
		if (t->ready == -1)
			cJSON_AddNullToObject(o, "ready");
		else
			cJSON_AddBoolToObject(o, "ready", t->ready == 1);
		if (t->score >= 0)
			cJSON_AddNumberToObject(o, "score", t->score);
		else
			cJSON_AddNullToObject(o, "score");
		if (k != NULL)
			cJSON_AddStringToObject(o, "blocker", k);
		else
			cJSON_AddNullToObject(o, "blocker");
		av = cJSON_AddObjectToObject(o, "ipv6_availability");
		for (int w = 0; w < WINDOW__N; w++) {
			double v = t->fam[FAMILY_IPV6].avail[w];

			if (v < 0 || isnan(v))
				cJSON_AddNullToObject(av, wkey[w]);
			else
				json_add_fixed(av, wkey[w], v, 6);
		}
		if (t->ready_since > 0)
			cJSON_AddNumberToObject(o, "ready_since",
			    (double)(int64_t)t->ready_since);
		else
			cJSON_AddNullToObject(o, "ready_since");
	}
	if (c != NULL && c->month[0] != '\0') {
		cJSON *o = cJSON_AddObjectToObject(root, "change");

		cJSON_AddStringToObject(o, "since", c->month);
		a = cJSON_AddArrayToObject(o, "became_ready");
		for (size_t i = 0; i < c->nbecame; i++)
			cJSON_AddItemToArray(a,
			    cJSON_CreateString(c->became[i]->name));
		a = cJSON_AddArrayToObject(o, "stopped_ready");
		for (size_t i = 0; i < c->nstopped; i++)
			cJSON_AddItemToArray(a,
			    cJSON_CreateString(c->stopped[i]->name));
	}
}

void
export_html_links(struct html *h, const struct site *si)
{
	const char **g;
	size_t	     n, dropped;
	char	     rel[SITE_SLUG_MAX + 32];

	html_printf(h, "<p class=\"noprint\">%s <a href=\"report.csv\">%s</a>",
	    _("Spreadsheets (CSV, UTF-8):"), _("every service"));
	g = export_groups(si, &n, &dropped);
	if (n > 0)
		html_printf(h, "; %s ", _("per group:"));
	for (size_t i = 0; i < n; i++) {
		if (export_group_file(g[i], rel, sizeof(rel)) == -1)
			continue;
		/* rel is a slug: safe in an attribute as it is. */
		html_printf(h, "%s<a href=\"%s\">", i > 0 ? " \xc2\xb7 " : "",
		    rel);
		if (g[i][0] != '\0')
			html_text(h, g[i], 0);
		else
			html_raw(h, _("no group"));
		html_raw(h, "</a>");
	}
	if (dropped > 0)
		html_printf(h, _(" (and %zu more groups without a file)"),
		    dropped);
	html_raw(h, ".</p>\n");
	free(g);
}

static void
change_list(struct html *h, const char *what,
    const struct site_target *const *v, size_t n)
{
	if (n == 0)
		return;
	html_raw(h, "<h3>");
	html_text(h, what, 0);
	html_raw(h, "</h3>\n<ul>\n");
	for (size_t i = 0; i < n; i++) {
		html_printf(h, "<li><a href=\"t/%s.html\">", v[i]->slug);
		html_text(h, v[i]->title, 0);
		html_raw(h, "</a></li>\n");
	}
	html_raw(h, "</ul>\n");
}

void
export_html_change(struct html *h, const struct export_change *c)
{
	char t[64], head[256];

	if (c == NULL || c->month[0] == '\0')
		return;
	html_raw(h, "<h2>");
	html_printf(h, _("Change since %s"), c->month);
	html_raw(h, "</h2>\n<p>");
	html_printf(h,
	    _("Compared with the report of %s as last published that "
	      "month (report-%s.json, %s)."),
	    c->month, c->month, html_time(c->generated, t, sizeof(t)));
	html_raw(h, "</p>\n");
	if (c->nbecame == 0 && c->nstopped == 0)
		html_printf(h, "<p>%s</p>\n",
		    _("No service became ready or stopped being ready."));
	snprintf(head, sizeof(head), _("Became ready: %zu"), c->nbecame);
	change_list(h, head, c->became, c->nbecame);
	snprintf(head, sizeof(head), _("No longer ready: %zu"), c->nstopped);
	change_list(h, head, c->stopped, c->nstopped);
}

void
export_change_free(struct export_change *c)
{
	if (c == NULL)
		return;
	free(c->became);
	free(c->stopped);
	memset(c, 0, sizeof(*c));
}

int
export_change_from(struct export_change *c, const struct site *si,
    const char *month, const char *json, size_t len, char *err, size_t errlen)
{
	char	      perr[128];
	cJSON	     *root = json_parse_strict(json, len, perr, sizeof(perr));
	const cJSON  *a, *it;
	struct table *then = NULL;
	double	      gen;
	int	      ok = 1;

	memset(c, 0, sizeof(*c));
	if (root == NULL) {
		snprintf(err, errlen, "%s", perr);
		return -1;
	}
	a = json_get(root, "services");
	if (!cJSON_IsArray(a)) {
		snprintf(err, errlen,
		    "\"services\": missing or not an array (not a snapshot "
		    "of report.json)");
		cJSON_Delete(root);
		return -1;
	}
	then = table_new();
	cJSON_ArrayForEach(it, a)
	{
		const cJSON *r = json_get(it, "ready");
		const char  *id = json_str(it, "target", RESULT_NAME_MAX, &ok);

		if (!ok || r == NULL || !(cJSON_IsBool(r) || cJSON_IsNull(r))) {
			snprintf(err, errlen,
			    "\"services\"[]: a service without a \"target\" "
			    "string and a \"ready\" of true, false or null");
			table_free(then);
			cJSON_Delete(root);
			return -1;
		}
		if (table_get(then, id, strlen(id)) == NULL)
			table_put(then, id, strlen(id), (void *)r);
	}
	if (json_get_num(root, "generated", 0, 1e12, 0, &gen) != JSON_OK)
		gen = 0;
	snprintf(c->month, sizeof(c->month), "%s", month);
	c->generated = gen;
	c->became = xcalloc(si->n + 1, sizeof(*c->became));
	c->stopped = xcalloc(si->n + 1, sizeof(*c->stopped));
	for (size_t i = 0; i < si->n; i++) {
		const struct site_target *t = si->targets[i];
		const cJSON *r = table_get(then, t->name, strlen(t->name));

		if (r == NULL)
			continue; /* not in that month's report */
		if (t->ready == 1 && !cJSON_IsTrue(r))
			c->became[c->nbecame++] = t;
		else if (t->ready != 1 && cJSON_IsTrue(r))
			c->stopped[c->nstopped++] = t;
	}
	table_free(then);
	cJSON_Delete(root);
	return 0;
}

/* "report-YYYY-MM.json" or ".csv": the month into out, else -1. */
static int
snapshot_month(const char *name, char *out, size_t size)
{
	static const char pre[] = "report-";
	const char	 *m = name + sizeof(pre) - 1;

	if (strncmp(name, pre, sizeof(pre) - 1) != 0 ||
	    strspn(m, "0123456789") != 4 || m[4] != '-' ||
	    strspn(m + 5, "0123456789") != 2 ||
	    (strcmp(m + 7, ".json") != 0 && strcmp(m + 7, ".csv") != 0) ||
	    strncmp(m + 5, "00", 2) == 0 || strncmp(m + 5, "12", 2) > 0 ||
	    size < EXPORT_MONTH_LEN)
		return -1;
	memcpy(out, m, 7);
	out[7] = '\0';
	return 0;
}

static int
month_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * The months of the snapshots in dir (json or csv), sorted, without
 * repeats; *n 0 when there is no such folder. Caller frees.
 */
static char (*snapshot_months(const char *dir, size_t *np))[EXPORT_MONTH_LEN]
{
	char(*v)[EXPORT_MONTH_LEN] = NULL;
	size_t	       n = 0, cap = 0;
	DIR	      *d = opendir(dir);
	struct dirent *de;

	*np = 0;
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		char m[EXPORT_MONTH_LEN];

		if (snapshot_month(de->d_name, m, sizeof(m)) == -1)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		memcpy(v[n++], m, sizeof(m));
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), month_cmp);
	/* Without repeats: a month has a .json and a .csv. */
	for (size_t i = 0; i < n; i++)
		if (*np == 0 || strcmp(v[*np - 1], v[i]) != 0)
			memmove(v[(*np)++], v[i], EXPORT_MONTH_LEN);
	return v;
}

static int
snapshot_dir(const char *data_dir, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/" EXPORT_SNAPSHOT_DIR, data_dir);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
export_change_load(struct export_change *c, const struct site *si,
    const char *data_dir, double now, char *err, size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX + 64], month[EXPORT_MONTH_LEN];
	char rerr[256], *text = NULL;
	char(*v)[EXPORT_MONTH_LEN];
	size_t n, len;
	int    rc = 0;

	memset(c, 0, sizeof(*c));
	if (snapshot_dir(data_dir, dir, sizeof(dir)) == -1 ||
	    export_month(now, month, sizeof(month)) == -1) {
		snprintf(err, errlen, "data_dir %s: path too long", data_dir);
		return -1;
	}
	v = snapshot_months(dir, &n);
	/* The latest month before this one with a report-MONTH.json. */
	for (size_t i = n; i-- > 0;) {
		if (strcmp(v[i], month) >= 0)
			continue;
		snprintf(path, sizeof(path), "%s/report-%s.json", dir, v[i]);
		if (file_read_regular(path, EXPORT_SNAPSHOT_MAX, &text, &len,
			NULL, rerr, sizeof(rerr)) == -1) {
			if (errno == ENOENT)
				continue; /* only the .csv */
			snprintf(err, errlen,
			    "%s: %s: the change since that month is not shown",
			    path, rerr);
			rc = -1;
			break;
		}
		if (export_change_from(c, si, v[i], text, len, rerr,
			sizeof(rerr)) == -1) {
			snprintf(err, errlen,
			    "%s: %s: the change since that month is not shown; "
			    "restore the file from the copy in publish_dir",
			    path, rerr);
			rc = -1;
		}
		break;
	}
	free(text);
	free(v);
	return rc;
}

/* One publish's exports: where they go and what failed. */
struct exp {
	const char *site_dir;
	char	    snap_dir[PATH_MAX];
	double	    now;
	size_t	    files, failures;
	char	   *err;
	size_t	    errlen;
};

static void __attribute__((format(printf, 2, 3)))
exp_fail(struct exp *ex, const char *fmt, ...)
{
	va_list ap;

	if (ex->failures++ == 0 && ex->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(ex->err, ex->errlen, fmt, ap);
		va_end(ap);
	}
}

static void
exp_mkdir(struct exp *ex, const char *path)
{
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		exp_fail(ex, "mkdir %s: %s", path, strerror(errno));
}

/* Write dir/name, with mtime (-1: now) and flags as file_replace(). */
static int
exp_write(struct exp *ex, const char *dir, const char *name, const void *buf,
    size_t len, int64_t mtime, int flags)
{
	char path[PATH_MAX], err[PATH_MAX + 128];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		exp_fail(ex, "%s/%s: path too long", dir, name);
		return -1;
	}
	if (file_replace(path, buf, len, 0644, mtime, flags, err,
		sizeof(err)) == -1) {
		exp_fail(ex, "%s", err);
		return -1;
	}
	ex->files++;
	return 0;
}

/* group/SLUG.csv of every group; the files of groups gone removed. */
static void
exp_groups(struct exp *ex, const struct site *si)
{
	struct table  *written = table_new();
	const char   **g;
	size_t	       n, dropped;
	char	       dir[PATH_MAX], rel[SITE_SLUG_MAX + 32];
	DIR	      *d;
	struct dirent *de;

	if (snprintf(dir, sizeof(dir), "%s/" EXPORT_GROUP_DIR, ex->site_dir) >=
	    (int)sizeof(dir)) {
		exp_fail(ex, "%s: path too long", ex->site_dir);
		table_free(written);
		return;
	}
	exp_mkdir(ex, dir);
	g = export_groups(si, &n, &dropped);
	for (size_t i = 0; i < n; i++) {
		char  *csv;
		size_t len;

		if (export_group_file(g[i], rel, sizeof(rel)) == -1)
			continue;
		if (export_csv(si, g[i], &csv, &len) == -1) {
			exp_fail(ex, "%s: larger than %d bytes; not written",
			    rel, EXPORT_CSV_MAX);
			continue;
		}
		if (exp_write(ex, ex->site_dir, rel, csv, len, -1, 0) == 0) {
			const char *base = rel + sizeof(EXPORT_GROUP_DIR);

			table_put(written, base, strlen(base), (void *)g[i]);
		}
		free(csv);
	}
	free(g);
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			size_t l = strlen(de->d_name);

			if (l > 4 && strcmp(de->d_name + l - 4, ".csv") == 0 &&
			    de->d_name[0] != '.' &&
			    table_get(written, de->d_name, l) == NULL)
				(void)unlinkat(dirfd(d), de->d_name, 0);
		}
		closedir(d);
	}
	table_free(written);
}

/* Copy the snapshot name from the record into site_dir when missing. */
static void
exp_restore(struct exp *ex, const char *name)
{
	char	    from[PATH_MAX + 64], to[PATH_MAX + 64], rerr[256];
	char	   *text;
	size_t	    len;
	struct stat st;

	snprintf(to, sizeof(to), "%s/%s", ex->site_dir, name);
	if (lstat(to, &st) == 0 || errno != ENOENT)
		return;
	snprintf(from, sizeof(from), "%s/%s", ex->snap_dir, name);
	if (file_read_regular(from, EXPORT_SNAPSHOT_MAX, &text, &len, &st, rerr,
		sizeof(rerr)) == -1) {
		if (errno != ENOENT)
			exp_fail(ex, "%s: %s", from, rerr);
		return;
	}
	exp_write(ex, ex->site_dir, name, text, len, (int64_t)st.st_mtime, 0);
	free(text);
}

/* This month's snapshot, written; earlier months', restored. */
static void
exp_snapshots(struct exp *ex, const char *json, size_t jlen, const char *csv,
    size_t clen)
{
	char month[EXPORT_MONTH_LEN], name[64];
	char(*v)[EXPORT_MONTH_LEN];
	size_t n;

	if (export_month(ex->now, month, sizeof(month)) == -1) {
		exp_fail(ex, "no month for the time %.0f", ex->now);
		return;
	}
	exp_mkdir(ex, ex->snap_dir);
	v = snapshot_months(ex->snap_dir, &n);
	if (n > 0 && strcmp(v[n - 1], month) > 0)
		exp_fail(ex,
		    "%s holds the snapshot of %s but the clock says %s: no "
		    "snapshot is written until it does (is the clock right?)",
		    ex->snap_dir, v[n - 1], month);
	else {
		const struct {
			const char *ext, *text;
			size_t	    len;
		} f[] = {{"json", json, jlen}, {"csv", csv, clen}};

		for (size_t i = 0; i < NELEM(f); i++) {
			if (f[i].text == NULL)
				continue;
			snprintf(name, sizeof(name), "report-%s.%s", month,
			    f[i].ext);
			/* The record first: what the copy can come back from. */
			exp_write(ex, ex->snap_dir, name, f[i].text, f[i].len,
			    (int64_t)floor(ex->now), FILE_DURABLE);
			exp_write(ex, ex->site_dir, name, f[i].text, f[i].len,
			    (int64_t)floor(ex->now), 0);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i], month) >= 0)
			continue;
		snprintf(name, sizeof(name), "report-%s.json", v[i]);
		exp_restore(ex, name);
		snprintf(name, sizeof(name), "report-%s.csv", v[i]);
		exp_restore(ex, name);
	}
	free(v);
}

int
export_publish(const char *site_dir, const char *data_dir,
    const struct site *si, double now, const char *json, size_t len,
    size_t *nfiles, char *err, size_t errlen)
{
	struct exp ex = {.site_dir = site_dir,
	    .now = now,
	    .err = err,
	    .errlen = errlen};
	char	  *csv = NULL;
	size_t	   clen = 0;

	if (errlen > 0)
		err[0] = '\0';
	if (export_csv(si, NULL, &csv, &clen) == -1)
		exp_fail(&ex, "report.csv: larger than %d bytes; not written",
		    EXPORT_CSV_MAX);
	else
		exp_write(&ex, site_dir, "report.csv", csv, clen, -1, 0);
	exp_groups(&ex, si);
	if (snapshot_dir(data_dir, ex.snap_dir, sizeof(ex.snap_dir)) == -1)
		exp_fail(&ex, "data_dir %s: path too long", data_dir);
	else
		exp_snapshots(&ex, json, len, csv, clen);
	free(csv);
	*nfiles = ex.files;
	if (ex.failures > 1 && errlen > 0) {
		size_t l = strlen(err);

		snprintf(err + l, errlen - l, " (and %zu more failures)",
		    ex.failures - 1);
	}
	return ex.failures > 0 ? -1 : 0;
}
