/*
 * maint: maintenance windows -- times, matching, and the file (see
 * maint.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "log.h"
#include "maint.h"
#include "result.h"
#include "util.h"

/* times */

/* Exactly n digits at *p, advanced past them. */
static int
digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

int
maint_parse_time(const char *s, double *out)
{
	struct tm   tm, chk;
	const char *p = s;
	int	    y, mo, d, h, mi, sec = 0, oh = 0, om = 0, sign = 0;
	time_t	    t;

	if (digits(&p, 4, &y) == -1 || *p++ != '-' ||
	    digits(&p, 2, &mo) == -1 || *p++ != '-' ||
	    digits(&p, 2, &d) == -1 || (*p != ' ' && *p != 'T'))
		return -1;
	p++;
	if (digits(&p, 2, &h) == -1 || *p++ != ':' || digits(&p, 2, &mi) == -1)
		return -1;
	if (*p == ':' && (p++, digits(&p, 2, &sec) == -1))
		return -1;
	if (*p == 'Z' || *p == 'z') {
		sign = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (digits(&p, 2, &oh) == -1)
			return -1;
		if (*p == ':')
			p++;
		if (*p != '\0' && digits(&p, 2, &om) == -1)
			return -1;
		if (oh > 23 || om > 59)
			return -1;
	}
	if (*p != '\0' || y < 2000 || y > 2099 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	chk = tm;
	if (timegm(&chk) == (time_t)-1 || chk.tm_mday != d)
		return -1; /* 2026-02-30 */
	if (sign != 0)
		t = timegm(&tm) - sign * (oh * 3600 + om * 60);
	else {
		tm.tm_isdst = -1;
		if ((t = mktime(&tm)) == (time_t)-1)
			return -1;
	}
	*out = (double)t;
	return 0;
}

int
maint_parse_duration(const char *s, double *secs)
{
	double total = 0;
	int    parts = 0;

	while (*s != '\0') {
		char	 *end;
		long long n;

		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno != 0 || n > 10000000)
			return -1;
		switch (*end) {
		case 's':
			total += (double)n;
			break;
		case 'm':
			total += (double)n * 60;
			break;
		case 'h':
			total += (double)n * 3600;
			break;
		case 'd':
			total += (double)n * 86400;
			break;
		case 'w':
			total += (double)n * 7 * 86400;
			break;
		default:
			return -1;
		}
		s = end + 1;
		parts++;
	}
	if (parts == 0 || total <= 0)
		return -1;
	*secs = total;
	return 0;
}

void
maint_format_time(double t, char *buf, size_t size)
{
	time_t	  tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M %Z", &tm) == 0)
		snprintf(buf, size, "%.0f", t);
}

/* windows */

static int
list_has(const struct cfg_strlist *l, const char *s)
{
	if (s == NULL)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

int
maint_covers(const struct maint_window *w, const char *target,
    const char *group, double now)
{
	if (now < w->from || now >= w->to)
		return 0;
	return list_has(&w->targets, target) || list_has(&w->groups, group);
}

static void
strlist_copy(struct cfg_strlist *dst, const struct cfg_strlist *src)
{
	dst->n = src->n;
	dst->v = src->n > 0 ? xcalloc(src->n, sizeof(*dst->v)) : NULL;
	for (size_t i = 0; i < src->n; i++)
		dst->v[i] = xstrdup(src->v[i]);
}

static void
strlist_free(struct cfg_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
maint_name_add(struct cfg_strlist *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

void
maint_window_copy(struct maint_window *dst, const struct maint_window *src)
{
	*dst = *src;
	strlist_copy(&dst->targets, &src->targets);
	strlist_copy(&dst->groups, &src->groups);
	dst->reason = src->reason != NULL ? xstrdup(src->reason) : NULL;
}

void
maint_window_free(struct maint_window *w)
{
	strlist_free(&w->targets);
	strlist_free(&w->groups);
	free(w->reason);
	w->reason = NULL;
}

void
maint_set_add(struct maint_set *ms, const struct maint_window *w)
{
	ms->v = xreallocarray(ms->v, ms->n + 1, sizeof(*ms->v));
	maint_window_copy(&ms->v[ms->n++], w);
}

void
maint_set_free(struct maint_set *ms)
{
	for (size_t i = 0; i < ms->n; i++)
		maint_window_free(&ms->v[i]);
	free(ms->v);
	ms->v = NULL;
	ms->n = 0;
}

/* the file */

int
maint_path(const char *data_dir, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/maintenance.json", data_dir);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
maint_name_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strlen(s) < RESULT_NAME_MAX &&
	    !str_has_ctrl(s);
}

static int
names_from_json(const cJSON *o, const char *key, struct cfg_strlist *l)
{
	const cJSON *a = json_get(o, key), *e;

	if (a == NULL)
		return 0;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > MAINT_NAMES_MAX)
		return -1;
	cJSON_ArrayForEach(e, a)
	{
		if (!cJSON_IsString(e) || !maint_name_ok(e->valuestring))
			return -1;
		maint_name_add(l, e->valuestring);
	}
	return 0;
}

static int
window_from_json(struct maint_window *w, const cJSON *o)
{
	const char *id, *reason;
	int	    ok = 1;

	if (!cJSON_IsObject(o))
		return -1;
	id = json_str(o, "id", MAINT_ID_MAX, &ok);
	/* 1..999999999: the file's next_id stays within its bound */
	if (!ok || id[0] == '\0' || id[0] == '0' || strlen(id) > 9 ||
	    strspn(id, "0123456789") != strlen(id))
		return -1;
	snprintf(w->id, sizeof(w->id), "%s", id);
	w->from = json_num(o, "from", RESULT_TS_MIN, RESULT_TS_MAX, &ok);
	w->to = json_num(o, "to", RESULT_TS_MIN, RESULT_TS_MAX, &ok);
	if (!ok || w->from >= w->to ||
	    names_from_json(o, "targets", &w->targets) == -1 ||
	    names_from_json(o, "groups", &w->groups) == -1 ||
	    w->targets.n + w->groups.n == 0)
		return -1;
	if (json_get(o, "reason") != NULL) {
		reason = json_str(o, "reason", MAINT_REASON_MAX, &ok);
		if (!ok || str_has_ctrl(reason))
			return -1;
		w->reason = xstrdup(reason);
	}
	return 0;
}

int
maint_load(struct maint_set *ms, const char *path, char *err, size_t errlen)
{
	cJSON	    *root;
	const cJSON *ws, *o;
	size_t	     i = 0;
	int	     ok = 1;

	maint_set_free(ms);
	ms->next_id = 1;
	if (json_load_file(path, MAINT_FILE_MAX, &root, err, errlen) == -1)
		return -1;
	if (root == NULL) /* no file: no window */
		return 0;
	ws = json_get(root, "windows");
	ms->next_id = (unsigned)json_num(root, "next_id", 1, 1e9, &ok);
	if (json_num(root, "version", 1, 1, &ok) != 1 || !ok ||
	    !cJSON_IsArray(ws) || cJSON_GetArraySize(ws) > MAINT_MAX) {
		snprintf(err, errlen, "%s: not a maintenance file", path);
		goto fail;
	}
	cJSON_ArrayForEach(o, ws)
	{
		struct maint_window w;

		memset(&w, 0, sizeof(w));
		if (window_from_json(&w, o) == -1) {
			maint_window_free(&w);
			snprintf(err, errlen,
			    "%s: windows[%zu] does not decode", path, i);
			goto fail;
		}
		for (size_t k = 0; k < ms->n; k++)
			if (strcmp(ms->v[k].id, w.id) == 0) {
				snprintf(err, errlen,
				    "%s: windows[%zu]: id %s twice", path, i,
				    w.id);
				maint_window_free(&w);
				goto fail;
			}
		ms->v = xreallocarray(ms->v, ms->n + 1, sizeof(*ms->v));
		ms->v[ms->n++] = w;
		if (strtoul(w.id, NULL, 10) >= ms->next_id)
			ms->next_id = (unsigned)strtoul(w.id, NULL, 10) + 1;
		i++;
	}
	cJSON_Delete(root);
	return 0;
fail:
	cJSON_Delete(root);
	maint_set_free(ms);
	errno = EBADMSG;
	return -1;
}

int
maint_set_aside(const char *path, const char *why)
{
	char aside[PATH_MAX + 32];

	snprintf(aside, sizeof(aside), "%s.bad-%lld", path,
	    (long long)time(NULL));
	log_warnx(
	    "maintenance windows unreadable (%s); going on without them, the file is kept as %s",
	    why, aside);
	if (rename(path, aside) == -1) {
		log_warn("rename %s", path);
		return -1;
	}
	return 0;
}

static cJSON *
names_json(const struct cfg_strlist *l)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < l->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(l->v[i]));
	return a;
}

int
maint_save(const struct maint_set *ms, const char *path, char *err,
    size_t errlen)
{
	cJSON *root = cJSON_CreateObject(), *ws;
	char  *text;
	int    rc, saved;

	cJSON_AddNumberToObject(root, "version", 1);
	cJSON_AddNumberToObject(root, "next_id", ms->next_id);
	ws = cJSON_AddArrayToObject(root, "windows");
	for (size_t i = 0; i < ms->n; i++) {
		const struct maint_window *w = &ms->v[i];
		cJSON			  *o = cJSON_CreateObject();

		cJSON_AddItemToArray(ws, o);
		cJSON_AddStringToObject(o, "id", w->id);
		if (w->targets.n > 0)
			cJSON_AddItemToObject(o, "targets",
			    names_json(&w->targets));
		if (w->groups.n > 0)
			cJSON_AddItemToObject(o, "groups",
			    names_json(&w->groups));
		json_add_fixed(o, "from", w->from, 0);
		json_add_fixed(o, "to", w->to, 0);
		if (w->reason != NULL)
			cJSON_AddStringToObject(o, "reason", w->reason);
	}
	text = json_text(root);
	rc = file_replace(path, text, strlen(text), 0640, -1, FILE_DURABLE, err,
	    errlen);
	saved = errno;
	cJSON_free(text);
	errno = saved;
	return rc;
}

/* the command */
