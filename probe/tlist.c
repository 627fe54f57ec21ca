/*
 * tlist: the fetched target list -- the document's checks, each entry's
 * checks (the bounds of a target in probe.conf), and the merge with the
 * local targets.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "cfg.h"
#include "json.h"
#include "log.h"
#include "result.h"
#include "table.h"
#include "tlist.h"
#include "util.h"

void
tlist_hash(const char *text, size_t len, char *out)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)text, len, md);
	hex_encode(md, sizeof(md), out);
}

int
tlist_etag_ok(const char *etag)
{
	size_t n = strlen(etag);

	if (n == 0 || n > TLIST_ETAG_MAX)
		return 0;
	for (const char *p = etag; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p > 0x7e)
			return 0;
	return 1;
}

/*
 * The strings of a list's targets live in blocks of their own, packed,
 * allocated apart from the parse tree's nodes: once the tree is freed
 * its pages are whole again and go back to the system (malloc_trim), and
 * 10,000 targets keep about 1.4 MiB of strings, not 2.2 (a malloc'd
 * string costs 16 bytes more, rounded up to 16).
 */
#define TLIST_BLOCK (256u << 10)

struct tlist_block {
	struct tlist_block *next;
	size_t		    used, size;
	char		    data[];
};

static char *
tlist_strdup(struct tlist *l, const char *s)
{
	struct tlist_block *b = l->strings;
	size_t		    n = strlen(s) + 1;

	if (b == NULL || b->size - b->used < n) {
		size_t size = n > TLIST_BLOCK ? n : TLIST_BLOCK;

		b = xmalloc(sizeof(*b) + size);
		b->used = 0;
		b->size = size;
		b->next = l->strings;
		l->strings = b;
	}
	memcpy(b->data + b->used, s, n);
	b->used += n;
	return b->data + b->used - n;
}

static char *
tlist_strdup_opt(struct tlist *l, const char *s)
{
	return s != NULL ? tlist_strdup(l, s) : NULL;
}

struct tlist *
tlist_from_conf(const struct target_conf *v, size_t n)
{
	struct tlist *l = xcalloc(1, sizeof(*l));

	l->refs = 1;
	l->v = xcalloc(n + 1, sizeof(*l->v));
	l->n = n;
	for (size_t i = 0; i < n; i++) {
		struct target_conf *t = &l->v[i];

		*t = v[i];
		t->name = tlist_strdup(l, v[i].name);
		t->url = tlist_strdup(l, v[i].url);
		t->title = tlist_strdup_opt(l, v[i].title);
		t->group = tlist_strdup_opt(l, v[i].group);
		t->large_path = tlist_strdup_opt(l, v[i].large_path);
		t->expect_body = tlist_strdup_opt(l, v[i].expect_body);
		t->file = NULL; /* only valid while loading */
	}
	return l;
}

struct tlist *
tlist_ref(struct tlist *l)
{
	l->refs++;
	return l;
}

void
tlist_free(struct tlist *l)
{
	if (l == NULL || --l->refs > 0)
		return;
	while (l->strings != NULL) {
		struct tlist_block *b = l->strings;

		l->strings = b->next;
		free(b);
	}
	free(l->v); /* its strings were in the blocks */
	for (size_t i = 0; i < TLIST_SKIPS_SHOWN; i++)
		free(l->skips[i]);
	free(l);
}

/* Entry i (id, when it has a usable one) is left out, because of fmt. */
static void tlist_skip(struct tlist *l, size_t i, const char *id,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
tlist_skip(struct tlist *l, size_t i, const char *id, const char *fmt, ...)
{
	char	why[512];
	va_list ap;

	if (l->nskipped++ >= TLIST_SKIPS_SHOWN)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (id != NULL) {
		if (asprintf(&l->skips[l->nskipped - 1],
			"entry %zu (id \"%s\"): %s; left out", i, id,
			why) == -1)
			fatal("asprintf");
	} else if (asprintf(&l->skips[l->nskipped - 1],
		       "entry %zu: %s; left out", i, why) == -1)
		fatal("asprintf");
}

/*
 * A string member: absent is fine unless required (*out NULL), as is ""
 * for an optional one (*out NULL too). max: bytes. NULL, or why not.
 */
static const char *
entry_str(const cJSON *e, const char *key, size_t max, int required,
    const char **out, char *why, size_t whylen)
{
	const char *s = NULL;

	*out = NULL;
	switch (json_get_str(e, key, max + 1, &s)) {
	case JSON_OK:
		break;
	case JSON_MISSING:
		if (!required)
			return NULL;
		snprintf(why, whylen, "\"%s\" is missing", key);
		return why;
	case JSON_TOO_LONG:
		snprintf(why, whylen, "\"%s\" is longer than %zu bytes", key,
		    max);
		return why;
	case JSON_CONTROL:
		snprintf(why, whylen, "\"%s\" contains control characters",
		    key);
		return why;
	default:
		snprintf(why, whylen, "\"%s\" is not a string", key);
		return why;
	}
	if (s[0] == '\0') {
		if (!required)
			return NULL;
		snprintf(why, whylen, "\"%s\" is empty", key);
		return why;
	}
	*out = s;
	return NULL;
}

/* "expect_status": [ 200, 401 ], 1..PROBE_EXPECT_MAX codes 100..599. */
static const char *
entry_expect(const cJSON *e, struct target_conf *t, char *why, size_t whylen)
{
	const cJSON *a = json_get(e, "expect_status"), *c;

	if (a == NULL)
		return NULL;
	if (!cJSON_IsArray(a)) {
		snprintf(why, whylen,
		    "\"expect_status\" is not an array of status codes");
		return why;
	}
	cJSON_ArrayForEach(c, a)
	{
		double v = c->valuedouble;

		if (t->nexpect_status == PROBE_EXPECT_MAX) {
			snprintf(why, whylen,
			    "\"expect_status\" has more than %d codes",
			    PROBE_EXPECT_MAX);
			return why;
		}
		if (!cJSON_IsNumber(c) || !(v >= 100 && v <= 599) ||
		    v != (double)(int)v) {
			snprintf(why, whylen,
			    "\"expect_status\"[%zu] is not an HTTP status code 100..599",
			    t->nexpect_status);
			return why;
		}
		t->expect_status[t->nexpect_status++] = (int)v;
	}
	if (t->nexpect_status == 0) {
		snprintf(why, whylen, "\"expect_status\" is empty");
		return why;
	}
	return NULL;
}

/* Entry e into t (zeroed by the caller), its strings l's. NULL, or why
 * it is left out. */
static const char *
entry_load(struct tlist *l, const cJSON *e, struct target_conf *t, char *why,
    size_t whylen)
{
	const char *id, *url, *title, *group, *large, *bad;
	double	    ivl;

	if (!cJSON_IsObject(e)) {
		snprintf(why, whylen, "not an object");
		return why;
	}
	if ((bad = entry_str(e, "id", PROBE_NAME_MAX, 1, &id, why, whylen)))
		return bad;
	if ((bad = cfg_check_name(id)) != NULL) {
		snprintf(why, whylen, "\"id\" %s", bad);
		return why;
	}
	if ((bad = entry_str(e, "url", PROBE_URL_MAX, 1, &url, why, whylen)))
		return bad;
	if ((bad = cfg_check_http_url(url)) != NULL) {
		snprintf(why, whylen, "\"url\" %s", bad);
		return why;
	}
	if ((bad = entry_str(e, "title", PROBE_TITLE_MAX, 0, &title, why,
		 whylen)))
		return bad;
	if (title != NULL && (bad = result_check_title(title)) != NULL) {
		snprintf(why, whylen, "\"title\" is %s", bad);
		return why;
	}
	if ((bad = entry_str(e, "group", PROBE_GROUP_MAX, 0, &group, why,
		 whylen)) ||
	    (bad = entry_str(e, "large_path", PROBE_LARGE_PATH_MAX, 0, &large,
		 why, whylen)))
		return bad;
	if (large != NULL && large[0] != '/') {
		snprintf(why, whylen, "\"large_path\" does not start with '/'");
		return why;
	}
	switch (json_get_num(e, "interval", 1, PROBE_INTERVAL_MAX, 1, &ivl)) {
	case JSON_OK:
		t->interval_s = (int)ivl;
		break;
	case JSON_MISSING:
		break;
	case JSON_RANGE:
		snprintf(why, whylen,
		    "\"interval\" is not a whole number of seconds 1..%d",
		    PROBE_INTERVAL_MAX);
		return why;
	default:
		snprintf(why, whylen, "\"interval\" is not a number");
		return why;
	}
	if ((bad = entry_expect(e, t, why, whylen)) != NULL)
		return bad;
	t->name = tlist_strdup(l, id);
	t->url = tlist_strdup(l, url);
	t->title = title != NULL ? tlist_strdup(l, title) : NULL;
	t->group = group != NULL ? tlist_strdup(l, group) : NULL;
	t->large_path = large != NULL ? tlist_strdup(l, large) : NULL;
	t->http80 = 1; /* as in probe.conf: the list has no such key */
	return NULL;
}

/* The id of entry e to name it by, when it is one ("" otherwise). */
static const char *
entry_id(const cJSON *e)
{
	const char *id;

	if (json_get_str(e, "id", PROBE_NAME_MAX + 1, &id) != JSON_OK ||
	    cfg_check_name(id) != NULL)
		return NULL;
	return id;
}

struct tlist *
tlist_from_json(const cJSON *doc, const char *probe, char *err, size_t errlen)
{
	struct tlist *l = NULL;
	struct table *ids = NULL;
	const cJSON  *a, *e;
	const char   *name;
	double	      v;
	size_t	      i = 0, n;

	if (!cJSON_IsObject(doc)) {
		snprintf(err, errlen, "not a JSON object");
		return NULL;
	}
	switch (json_get_num(doc, "version", 0, 1e9, 0, &v)) {
	case JSON_OK:
		if (v == TLIST_VERSION)
			break;
		snprintf(err, errlen,
		    "\"version\" is %.15g, not %d: a list this probe cannot read (a newer collector?)",
		    v, TLIST_VERSION);
		return NULL;
	case JSON_MISSING:
		snprintf(err, errlen, "\"version\" is missing");
		return NULL;
	default:
		snprintf(err, errlen, "\"version\" is not %d", TLIST_VERSION);
		return NULL;
	}
	if (json_get_str(doc, "probe", RESULT_NAME_MAX, &name) != JSON_OK) {
		snprintf(err, errlen, "\"probe\" is missing or not a name");
		return NULL;
	}
	if (strcmp(name, probe) != 0) {
		snprintf(err, errlen,
		    "the list of probe '%.64s', not of this probe ('%s')", name,
		    probe);
		return NULL;
	}
	a = json_get(doc, "targets");
	if (!cJSON_IsArray(a)) {
		snprintf(err, errlen, "\"targets\" is %s",
		    a == NULL ? "missing" : "not an array");
		return NULL;
	}
	n = (size_t)cJSON_GetArraySize(a);
	l = xcalloc(1, sizeof(*l));
	l->refs = 1;
	l->v = xcalloc(n < PROBE_TARGETS_MAX ? n : PROBE_TARGETS_MAX,
	    sizeof(*l->v));
	ids = table_new();
	cJSON_ArrayForEach(e, a)
	{
		struct target_conf *t;
		char		    why[512];
		size_t		    first;

		i++;
		if (l->n == PROBE_TARGETS_MAX) {
			tlist_skip(l, i, entry_id(e),
			    "more than %d targets in the list",
			    PROBE_TARGETS_MAX);
			continue;
		}
		t = &l->v[l->n];
		memset(t, 0, sizeof(*t));
		if (entry_load(l, e, t, why, sizeof(why)) != NULL) {
			/* entry_load() copies nothing before its last check */
			tlist_skip(l, i, entry_id(e), "%s", why);
			continue;
		}
		if ((first = (size_t)table_get(ids, t->name,
			 strlen(t->name))) != 0) {
			tlist_skip(l, i, t->name, "entry %zu has this id too",
			    first);
			continue; /* its strings stay in the blocks, unused */
		}
		table_put(ids, t->name, strlen(t->name), (void *)i);
		t->line = (int)i;
		l->n++;
	}
	table_free(ids);
	return l;
}

struct tlist *
tlist_parse(const char *text, size_t len, const char *probe, char *err,
    size_t errlen)
{
	struct tlist *l;
	cJSON	     *doc;
	char	      why[160];

	if (len > TLIST_BODY_MAX) {
		snprintf(err, errlen, "larger than 64 MiB");
		return NULL;
	}
	if ((doc = json_parse_strict(text, len, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "not JSON: %s", why);
		return NULL;
	}
	l = tlist_from_json(doc, probe, err, errlen);
	cJSON_Delete(doc);
	if (l != NULL)
		tlist_hash(text, len, l->sha256);
	return l;
}

size_t
tlist_merge(const struct target_conf *local, size_t nlocal,
    const struct tlist *fetched, const struct target_conf **out,
    const struct target_conf **shadowed, size_t *nshadowed)
{
	struct table *names;
	size_t	      n = 0;

	*nshadowed = 0;
	for (size_t i = 0; i < nlocal; i++)
		out[n++] = &local[i];
	if (fetched == NULL || fetched->n == 0)
		return n;
	names = table_new();
	for (size_t i = 0; i < nlocal; i++)
		if (table_get(names, local[i].name, strlen(local[i].name)) ==
		    NULL)
			table_put(names, local[i].name, strlen(local[i].name),
			    (void *)&local[i]);
	for (size_t i = 0; i < fetched->n; i++) {
		const struct target_conf *t = &fetched->v[i];

		if (table_get(names, t->name, strlen(t->name)) != NULL)
			shadowed[(*nshadowed)++] = t;
		else
			out[n++] = t;
	}
	table_free(names);
	return n;
}
