/*
 * wqueue: delivery items as spool records; bound by count.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "result.h"
#include "spool.h"
#include "util.h"
#include "wqueue.h"

/* Largest item read back (a body is far smaller). */
#define WQUEUE_ITEM_MAX (1024 * 1024)

struct wqueue {
	struct spool *sp;
	char	     *name;
	size_t	      max_items;
	uint64_t      given_up; /* wqueue_drop() */
};

struct wqueue *
wqueue_open(const char *dir, const char *name, size_t max_items,
    uint64_t max_bytes, char *err, size_t errlen)
{
	struct wqueue *q = xcalloc(1, sizeof(*q));

	q->name = xstrdup(name);
	q->max_items = max_items;
	if ((q->sp = spool_open(dir, max_bytes, err, errlen)) == NULL)
		goto fail;
	return q;
fail:
	wqueue_close(q);
	return NULL;
}

void
wqueue_close(struct wqueue *q)
{
	if (q == NULL)
		return;
	spool_close(q->sp);
	free(q->name);
	free(q);
}

void
wqueue_set_max(struct wqueue *q, size_t max_items)
{
	q->max_items = max_items;
}

void
wqueue_new_id(char id[WQUEUE_ID_LEN + 1])
{
	unsigned char raw[WQUEUE_ID_LEN / 2];
	size_t	      got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n < 0 && errno != EINTR)
			fatal("getrandom");
		if (n > 0)
			got += (size_t)n;
	}
	hex_encode(raw, sizeof(raw), id);
}

int
wqueue_push(struct wqueue *q, const char *id, const char *event,
    const char *target, double created, const char *body)
{
	cJSON *o = cJSON_CreateObject();
	char  *text, ts[64];

	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "event", event);
	cJSON_AddStringToObject(o, "target", target != NULL ? target : "");
	snprintf(ts, sizeof(ts), "%.3f", created);
	cJSON_AddRawToObject(o, "created", ts);
	cJSON_AddStringToObject(o, "body", body);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text == NULL)
		return -1;
	/* The spool frees with free(): give it a malloc'd copy. */
	spool_append(q->sp, xstrdup(text));
	cJSON_free(text);
	return 0;
}

int
wqueue_sync(struct wqueue *q)
{
	return spool_has_unsynced(q->sp) ? spool_sync(q->sp) : 0;
}

void
wqueue_item_free(struct wqueue_item *it)
{
	if (it == NULL)
		return;
	free(it->target);
	free(it->body);
	it->target = it->body = NULL;
}

/* Decode one item; -1 when it is not one. */
static int
wqueue_decode(const char *text, size_t len, struct wqueue_item *it)
{
	const cJSON *id, *ev, *tg, *cr, *body;
	cJSON	    *o;
	char	     err[64];
	int	     rc = -1;

	memset(it, 0, sizeof(*it));
	if ((o = json_parse_strict(text, len, err, sizeof(err))) == NULL)
		return -1;
	id = cJSON_GetObjectItemCaseSensitive(o, "id");
	ev = cJSON_GetObjectItemCaseSensitive(o, "event");
	tg = cJSON_GetObjectItemCaseSensitive(o, "target");
	cr = cJSON_GetObjectItemCaseSensitive(o, "created");
	body = cJSON_GetObjectItemCaseSensitive(o, "body");
	if (!cJSON_IsString(id) || strlen(id->valuestring) != WQUEUE_ID_LEN ||
	    strspn(id->valuestring, "0123456789abcdef") != WQUEUE_ID_LEN ||
	    !cJSON_IsString(ev) || str_has_ctrl(ev->valuestring) ||
	    str_copy(it->event, sizeof(it->event), ev->valuestring) == -1 ||
	    !cJSON_IsString(tg) || str_has_ctrl(tg->valuestring) ||
	    strlen(tg->valuestring) >= RESULT_NAME_MAX || !cJSON_IsNumber(cr) ||
	    !isfinite(cr->valuedouble) || cr->valuedouble < 0 ||
	    !cJSON_IsString(body))
		goto done;
	memcpy(it->id, id->valuestring, WQUEUE_ID_LEN + 1);
	it->target = xstrdup(tg->valuestring);
	it->created = cr->valuedouble;
	it->body = xstrdup(body->valuestring);
	it->body_len = strlen(it->body);
	rc = 0;
done:
	cJSON_Delete(o);
	return rc;
}

int
wqueue_head(struct wqueue *q, struct wqueue_item *it)
{
	char	*text;
	size_t	 len, count;
	uint64_t first, last;

	for (;;) {
		if (spool_peek(q->sp, 1, &text, &len, &count, &first, &last) ==
		    -1)
			return -1;
		if (len <= WQUEUE_ITEM_MAX &&
		    wqueue_decode(text, len, it) == 0) {
			free(text);
			return 0;
		}
		free(text);
		log_warnx("webhook %s: queued item %" PRIu64
			  " does not decode; dropped",
		    q->name, first);
		if (spool_skip_first(q->sp) == -1)
			return -1;
	}
}

int
wqueue_ack(struct wqueue *q)
{
	return spool_ack_peeked(q->sp);
}

int
wqueue_drop(struct wqueue *q)
{
	if (spool_skip_first(q->sp) == -1)
		return -1;
	q->given_up++;
	return 0;
}

uint64_t
wqueue_length(const struct wqueue *q)
{
	struct spool_stats st;

	spool_stats(q->sp, &st);
	return st.records;
}

uint64_t
wqueue_dropped(const struct wqueue *q)
{
	struct spool_stats st;

	spool_stats(q->sp, &st);
	/* The spool counts every skip; those given up were not dropped. */
	return st.dropped > q->given_up ? st.dropped - q->given_up : 0;
}

size_t
wqueue_bound(struct wqueue *q)
{
	struct wqueue_item it;
	size_t		   n = 0;

	while (wqueue_length(q) > q->max_items) {
		if (wqueue_head(q, &it) == -1)
			break;
		if (n == 0)
			log_warnx(
			    "webhook %s: more than %zu events queued: dropping the oldest (first: %s %s %s)",
			    q->name, q->max_items, it.event, it.target, it.id);
		wqueue_item_free(&it);
		if (spool_skip_first(q->sp) == -1)
			break;
		n++;
	}
	if (n > 0)
		log_warnx("webhook %s: dropped %zu queued events", q->name, n);
	return n;
}
