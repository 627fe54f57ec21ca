/*
 * fuzz_targets: libFuzzer target for the collector's CSV target list
 * (collector/targets.c: libcsv, the row checks, duplicates and ids). The
 * input is split at the first line "--8<--": what comes before is a.csv,
 * what comes after (if anything) b.csv, loaded with a.csv's list as the
 * list before it (a reload). A load either returns a list or records
 * errors (at most CFG_MAX_ERRORS), each "FILE:LINE:COLUMN: ", "FILE:LINE: "
 * or "FILE: ", never both. What loads holds only what the checks allow
 * (ids by the rule and unique, titles of valid UTF-8 without control
 * characters, values in range); targets_find() finds each id; each
 * probe's JSON body parses back to its targets, with a stable ETag;
 * a.csv loaded again with its own list before it keeps every id; in
 * b.csv, a row without an id whose URL a.csv had keeps a.csv's id unless
 * a row of b.csv gives that id. The input as a title derives a valid id.
 *
 * FUZZ_SOURCES: collector/targets.c common/cfg.c common/priv.c common/table.c common/util.c common/log.c
 * FUZZ_LIBS: libconfig libcjson libcrypto libcurl libidn2
 * FUZZ_LDLIBS: -lcsv
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "collector/targets.h"
#include "fuzz.h"
#include "table.h"

#define FUZZ_SEP "\n--8<--\n"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char a_path[PATH_MAX], b_path[PATH_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = fuzz_dir("targets");

	(void)argc;
	(void)argv;
	fuzz_path(a_path, sizeof(a_path), dir, "a.csv");
	fuzz_path(b_path, sizeof(b_path), dir, "b.csv");
	return 0;
}

static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_targets: %s: %s\n", what,
	    detail != NULL ? detail : "");
	abort();
}

/* "PATH: ", "PATH:N: " or "PATH:N:N: " and then text. */
static void
check_message(const char *m, const char *path)
{
	size_t n = strlen(path);
	int    nums = 0;

	if (strncmp(m, path, n) != 0 || m[n] != ':')
		die("message without its file", m);
	m += n;
	while (*m == ':' && m[1] >= '1' && m[1] <= '9') {
		m++;
		while (*m >= '0' && *m <= '9')
			m++;
		nums++;
	}
	if (nums > 2 || m[0] != ':' || m[1] != ' ' || m[2] == '\0')
		die("message not FILE[:LINE[:COLUMN]]: text", m);
}

static void
check_load(const struct cfg *c, const struct target_list *tl, const char *path)
{
	if ((tl != NULL) != (c->nerrs == 0 && c->dropped == 0))
		die("a list and errors, or neither", path);
	if (c->nerrs > CFG_MAX_ERRORS)
		die("more than CFG_MAX_ERRORS", path);
	for (size_t i = 0; i < c->nerrs; i++)
		check_message(c->errs[i], path);
}

static int
utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0') {
		size_t	 k;
		uint32_t cp;

		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			k = 2, cp = *p & 0x1f;
		else if (*p >= 0xe0 && *p <= 0xef)
			k = 3, cp = *p & 0x0f;
		else if (*p >= 0xf0 && *p <= 0xf4)
			k = 4, cp = *p & 0x07;
		else
			return 0;
		for (size_t i = 1; i < k; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((k == 3 &&
			(cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0x80 && cp <= 0x9f))
			return 0;
		p += k;
	}
	return 1;
}

/* A derived id: [a-z0-9]+(-[a-z0-9]+)*, at most TARGET_ID_MAX bytes. */
static void
check_derived(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > TARGET_ID_MAX || id[0] == '-' || id[n - 1] == '-' ||
	    strstr(id, "--") != NULL ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		die("bad derived id", id);
}

/* The body of probe's GET /api/v1/targets parses back to its targets. */
static void
check_json(const struct target_list *tl, const char *probe)
{
	char  *body, *body2, etag[TARGETS_ETAG_SIZE], etag2[TARGETS_ETAG_SIZE];
	size_t len, len2, j = 0;
	cJSON *doc, *arr, *o;
	const cJSON *id;

	if (targets_json(tl, probe, &body, &len, etag, sizeof(etag)) == -1 ||
	    targets_json(tl, probe, &body2, &len2, etag2, sizeof(etag2)) == -1)
		die("targets_json failed", probe);
	if (len != len2 || memcmp(body, body2, len) != 0 ||
	    strcmp(etag, etag2) != 0 || strlen(etag) != 34)
		die("body or ETag not stable", etag);
	doc = cJSON_ParseWithLength(body, len);
	if (doc == NULL)
		die("body is not JSON", body);
	arr = cJSON_GetObjectItemCaseSensitive(doc, "targets");
	if (!cJSON_IsArray(arr))
		die("no targets array", body);
	cJSON_ArrayForEach(o, arr)
	{
		while (j < tl->n && !targets_for_probe(&tl->v[j], probe))
			j++;
		if (j == tl->n)
			die("a target too many", body);
		id = cJSON_GetObjectItemCaseSensitive(o, "id");
		if (!cJSON_IsString(id) ||
		    strcmp(id->valuestring, tl->v[j].id) != 0 ||
		    !cJSON_IsString(
			cJSON_GetObjectItemCaseSensitive(o, "title")) ||
		    strcmp(cJSON_GetObjectItemCaseSensitive(o, "title")
			       ->valuestring,
			tl->v[j].title) != 0)
			die("target differs", body);
		j++;
	}
	while (j < tl->n && !targets_for_probe(&tl->v[j], probe))
		j++;
	if (j != tl->n)
		die("a target missing", body);
	cJSON_Delete(doc);
	free(body);
	free(body2);
}

/* fresh: loaded without a list before (ids given or derived) */
static void
check_list(const struct target_list *tl, int fresh)
{
	int line = 0;

	if (tl->n > TARGETS_MAX || table_count(tl->by_id) != tl->n)
		die("ids not unique", tl->path);
	for (size_t i = 0; i < tl->n; i++) {
		const struct ctarget *t = &tl->v[i];

		if (t->id == NULL || cfg_check_name(t->id) != NULL ||
		    strlen(t->id) > TARGET_ID_MAX)
			die("bad id", t->id);
		if (fresh && !t->id_given)
			check_derived(t->id);
		if (targets_find(tl, t->id) != t)
			die("targets_find", t->id);
		if (t->title[0] == '\0' ||
		    strlen(t->title) > TARGET_TITLE_MAX || !utf8_ok(t->title))
			die("bad title", t->title);
		if (strlen(t->group) > TARGET_GROUP_MAX || !utf8_ok(t->group))
			die("bad group", t->group);
		if (strlen(t->url) > TARGET_URL_MAX ||
		    (strncmp(t->url, "http://", 7) != 0 &&
			strncmp(t->url, "https://", 8) != 0))
			die("bad url", t->url);
		if (t->interval_s != 0 &&
		    (t->interval_s < TARGET_INTERVAL_MIN ||
			t->interval_s > TARGET_INTERVAL_MAX))
			die("bad interval", t->id);
		if (t->large_path != NULL && t->large_path[0] != '/')
			die("bad large_path", t->large_path);
		if (t->nexpect_status > TARGET_EXPECT_MAX)
			die("too many codes", t->id);
		for (size_t k = 0; k < t->nexpect_status; k++)
			if (t->expect_status[k] < 100 ||
			    t->expect_status[k] > 599)
				die("bad code", t->id);
		for (size_t k = 0; k < t->nprobes; k++)
			if (cfg_check_name(t->probes[k]) != NULL)
				die("bad probe", t->probes[k]);
		if (t->line < line || t->line < 1)
			die("lines out of order", t->id);
		line = t->line;
	}
	check_json(tl, "p1");
	check_json(tl, "p2");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct target_list *a, *a2, *b;
	struct cfg	    c;
	const uint8_t	   *rest;
	size_t		    len1, len2;
	char		   *title, id[TARGET_ID_MAX + 1];

	/* the input as a title */
	title = fuzz_strndup(data, size < 1024 ? size : 1024);
	targets_derive_id(title, id, sizeof(id));
	check_derived(id);
	free(title);

	fuzz_split(data, size, FUZZ_SEP, &len1, &rest, &len2);
	fuzz_write(a_path, data, len1, 0600);
	memset(&c, 0, sizeof(c));
	a = targets_load(a_path, NULL, &c);
	check_load(&c, a, a_path);
	cfg_close(&c);
	if (a == NULL)
		return 0;
	check_list(a, 1);

	/* the same file again, with its own list before it: the same ids */
	memset(&c, 0, sizeof(c));
	a2 = targets_load(a_path, a, &c);
	check_load(&c, a2, a_path);
	cfg_close(&c);
	if (a2 == NULL || a2->n != a->n)
		die("the same file loads otherwise", a_path);
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i].id, a2->v[i].id) != 0)
			die("an id moved", a->v[i].id);
	targets_free(a2);

	if (rest != NULL) {
		fuzz_write(b_path, rest, len2, 0600);
		memset(&c, 0, sizeof(c));
		b = targets_load(b_path, a, &c);
		check_load(&c, b, b_path);
		cfg_close(&c);
		if (b != NULL) {
			check_list(b, 0);
			for (size_t i = 0; i < b->n; i++) {
				const struct ctarget *t = &b->v[i], *o;

				if (t->id_given)
					continue;
				for (size_t j = 0; j < a->n; j++) {
					if (strcmp(a->v[j].url, t->url) != 0)
						continue;
					o = targets_find(b, a->v[j].id);
					if ((o == NULL || !o->id_given) &&
					    strcmp(t->id, a->v[j].id) != 0)
						die("the URL's id not kept",
						    t->url);
				}
			}
			targets_free(b);
		}
	}
	targets_free(a);
	return 0;
}
