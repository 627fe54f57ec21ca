/*
 * catalog: DATA_DIR/state/targets.json, read at start and written
 * durably after every change (see catalog.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "catalog.h"
#include "json.h"
#include "table.h"
#include "targets.h"
#include "util.h"

int
catalog_path(const char *data_dir, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/state/targets.json", data_dir);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static void
entry_free(struct catalog_entry *e)
{
	free(e->id);
	free(e->title);
	free(e->url);
	free(e->group);
}

static void
retired_free(struct catalog_retired *r)
{
	free(r->id);
	free(r->reason);
	free(r->renamed_to);
}

static void
catalog_clear(struct catalog *cat)
{
	for (size_t i = 0; i < cat->nlist; i++)
		entry_free(&cat->list[i]);
	free(cat->list);
	cat->list = NULL;
	cat->nlist = 0;
	cat->has_list = 0;
	for (size_t i = 0; i < cat->nretired; i++)
		retired_free(&cat->retired[i]);
	free(cat->retired);
	cat->retired = NULL;
	cat->nretired = cat->capretired = 0;
	table_free(cat->index);
	cat->index = NULL;
}

void
catalog_free(struct catalog *cat)
{
	if (cat == NULL)
		return;
	catalog_clear(cat);
	free(cat->path);
	cat->path = NULL;
}

static void
catalog_reindex(struct catalog *cat)
{
	table_free(cat->index);
	cat->index = table_new();
	for (size_t i = 0; i < cat->nretired; i++)
		table_put(cat->index, cat->retired[i].id,
		    strlen(cat->retired[i].id), &cat->retired[i]);
}

const struct catalog_retired *
catalog_retired(const struct catalog *cat, const char *id)
{
	if (cat == NULL || cat->index == NULL || cat->nretired == 0)
		return NULL;
	return table_get(cat->index, id, strlen(id));
}

void
catalog_retire(struct catalog *cat, const char *id, double at,
    const char *reason, const char *renamed_to)
{
	struct catalog_retired *r =
	    (struct catalog_retired *)catalog_retired(cat, id);

	if (r == NULL) {
		if (cat->nretired == cat->capretired) {
			cat->capretired =
			    cat->capretired ? cat->capretired * 2 : 16;
			cat->retired = xreallocarray(cat->retired,
			    cat->capretired, sizeof(*cat->retired));
		}
		r = &cat->retired[cat->nretired++];
		memset(r, 0, sizeof(*r));
		r->id = xstrdup(id);
	}
	free(r->reason);
	free(r->renamed_to);
	r->at = at;
	r->reason = xstrdup(reason);
	r->renamed_to = renamed_to != NULL ? xstrdup(renamed_to) : NULL;
	/* The array may have moved. */
	catalog_reindex(cat);
}

int
catalog_unretire(struct catalog *cat, const char *id)
{
	size_t k = 0;
	int    found = 0;

	for (size_t i = 0; i < cat->nretired; i++) {
		if (strcmp(cat->retired[i].id, id) == 0) {
			retired_free(&cat->retired[i]);
			found = 1;
			continue;
		}
		cat->retired[k++] = cat->retired[i];
	}
	cat->nretired = k;
	if (found)
		catalog_reindex(cat);
	return found;
}

void
catalog_set_list(struct catalog *cat, const struct target_list *tl)
{
	for (size_t i = 0; i < cat->nlist; i++)
		entry_free(&cat->list[i]);
	free(cat->list);
	cat->list = NULL;
	cat->nlist = 0;
	cat->has_list = tl != NULL;
	if (tl == NULL || tl->n == 0)
		return;
	cat->list = xreallocarray(NULL, tl->n, sizeof(*cat->list));
	for (size_t i = 0; i < tl->n; i++) {
		const struct ctarget *t = &tl->v[i];

		cat->list[i].id = xstrdup(t->id);
		cat->list[i].title = xstrdup(t->title);
		cat->list[i].url = xstrdup(t->url);
		cat->list[i].group = xstrdup(t->group != NULL ? t->group : "");
	}
	cat->nlist = tl->n;
}

const struct catalog_entry *
catalog_entry(const struct catalog *cat, const char *id)
{
	for (size_t i = 0; i < cat->nlist; i++)
		if (strcmp(cat->list[i].id, id) == 0)
			return &cat->list[i];
	return NULL;
}

/* A string member of at most max bytes (no control bytes), or NULL. */
static char *
member(const cJSON *o, const char *key, size_t max, int *ok)
{
	const char *s = json_str(o, key, max + 1, ok);

	return *ok ? xstrdup(s) : NULL;
}

int
catalog_load(struct catalog *cat, const char *path, char *err, size_t errlen)
{
	cJSON	    *root = NULL;
	const cJSON *a, *o;
	int	     ok = 1;

	catalog_clear(cat);
	free(cat->path);
	cat->path = xstrdup(path);
	cat->index = table_new();
	if (json_load_file(path, CATALOG_FILE_MAX, &root, err, errlen) == -1)
		return -1;
	if (root == NULL)
		return 0;
	if (json_num(root, "version", 1, 1, &ok) != 1 || !ok)
		goto bad;
	a = json_get(root, "list");
	if (a != NULL) {
		size_t n = (size_t)cJSON_GetArraySize(a);

		if (!cJSON_IsArray(a))
			goto bad;
		cat->has_list = 1;
		cat->list = xcalloc(n > 0 ? n : 1, sizeof(*cat->list));
		cJSON_ArrayForEach(o, a)
		{
			struct catalog_entry *e = &cat->list[cat->nlist];

			e->id = member(o, "id", TARGET_ID_MAX, &ok);
			e->title = member(o, "title", TARGET_TITLE_MAX, &ok);
			e->url = member(o, "url", RESULT_URL_MAX - 1, &ok);
			e->group = member(o, "group", RESULT_NAME_MAX - 1, &ok);
			cat->nlist++;
			if (!ok)
				goto bad;
		}
	}
	a = json_get(root, "retired");
	if (a != NULL && !cJSON_IsArray(a))
		goto bad;
	cJSON_ArrayForEach(o, a)
	{
		char  *id = member(o, "id", RESULT_NAME_MAX - 1, &ok);
		char  *why = member(o, "reason", CATALOG_REASON_MAX, &ok);
		char  *to = NULL;
		double at = json_num(o, "at", 0, 1e12, &ok);

		if (ok && json_get(o, "renamed_to") != NULL)
			to = member(o, "renamed_to", RESULT_NAME_MAX - 1, &ok);
		if (ok)
			catalog_retire(cat, id, at, why, to);
		free(id);
		free(why);
		free(to);
		if (!ok)
			goto bad;
	}
	cJSON_Delete(root);
	return 0;
bad:
	cJSON_Delete(root);
	catalog_clear(cat);
	cat->index = table_new();
	snprintf(err, errlen, "%s: not a target catalogue of this version",
	    path);
	errno = EBADMSG;
	return -1;
}

int
catalog_save(const struct catalog *cat, char *err, size_t errlen)
{
	cJSON *root = cJSON_CreateObject(), *a;
	char  *text;
	int    rc, saved;

	cJSON_AddNumberToObject(root, "version", 1);
	if (cat->has_list) {
		a = cJSON_AddArrayToObject(root, "list");
		for (size_t i = 0; i < cat->nlist; i++) {
			const struct catalog_entry *e = &cat->list[i];
			cJSON			   *o = cJSON_CreateObject();

			cJSON_AddItemToArray(a, o);
			cJSON_AddStringToObject(o, "id", e->id);
			cJSON_AddStringToObject(o, "title", e->title);
			cJSON_AddStringToObject(o, "url", e->url);
			cJSON_AddStringToObject(o, "group", e->group);
		}
	}
	a = cJSON_AddArrayToObject(root, "retired");
	for (size_t i = 0; i < cat->nretired; i++) {
		const struct catalog_retired *r = &cat->retired[i];
		cJSON			     *o = cJSON_CreateObject();

		cJSON_AddItemToArray(a, o);
		cJSON_AddStringToObject(o, "id", r->id);
		json_add_fixed(o, "at", r->at, 0);
		cJSON_AddStringToObject(o, "reason", r->reason);
		if (r->renamed_to != NULL)
			cJSON_AddStringToObject(o, "renamed_to", r->renamed_to);
	}
	text = json_text(root);
	rc = file_replace(cat->path, text, strlen(text), 0640, -1, FILE_DURABLE,
	    err, errlen);
	saved = errno;
	cJSON_free(text);
	errno = saved;
	return rc;
}

struct target_list *
catalog_prev(const struct catalog *cat)
{
	struct target_list *tl;

	if (!cat->has_list)
		return NULL;
	tl = xcalloc(1, sizeof(*tl));
	tl->path = xstrdup(cat->path);
	tl->v = xcalloc(cat->nlist > 0 ? cat->nlist : 1, sizeof(*tl->v));
	for (size_t i = 0; i < cat->nlist; i++) {
		struct ctarget *t = &tl->v[tl->n++];

		t->id = xstrdup(cat->list[i].id);
		t->title = xstrdup(cat->list[i].title);
		t->url = xstrdup(cat->list[i].url);
		t->group = xstrdup(cat->list[i].group);
	}
	targets_index(tl);
	return tl;
}

int
catalog_rename_entry(struct catalog *cat, const char *from, const char *to)
{
	for (size_t i = 0; i < cat->nlist; i++)
		if (strcmp(cat->list[i].id, from) == 0) {
			free(cat->list[i].id);
			cat->list[i].id = xstrdup(to);
			return 1;
		}
	return 0;
}
