/*
 * table: FNV-1a hashed open addressing, grown at 50% load.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "util.h"

struct table_slot {
	char	*key; /* NULL: empty */
	size_t	 keylen;
	uint64_t hash;
	void	*value;
};

struct table {
	struct table_slot *slots;
	size_t		   cap; /* power of two */
	size_t		   n;
};

static uint64_t
table_hash(const char *key, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct table *
table_new(void)
{
	struct table *t = xcalloc(1, sizeof(*t));

	t->cap = 64;
	t->slots = xcalloc(t->cap, sizeof(*t->slots));
	return t;
}

void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i].key);
	free(t->slots);
	free(t);
}

static struct table_slot *
table_find(const struct table *t, const char *key, size_t len, uint64_t h)
{
	size_t i = (size_t)h & (t->cap - 1);

	for (;;) {
		struct table_slot *s = &t->slots[i];

		if (s->key == NULL ||
		    (s->hash == h && s->keylen == len &&
			memcmp(s->key, key, len) == 0))
			return s;
		i = (i + 1) & (t->cap - 1);
	}
}

void *
table_get(const struct table *t, const char *key, size_t len)
{
	struct table_slot *s = table_find(t, key, len, table_hash(key, len));

	return s->key != NULL ? s->value : NULL;
}

static void
table_grow(struct table *t)
{
	struct table_slot *old = t->slots;
	size_t		   oldcap = t->cap;

	t->cap *= 2;
	t->slots = xcalloc(t->cap, sizeof(*t->slots));
	for (size_t i = 0; i < oldcap; i++) {
		struct table_slot *s;

		if (old[i].key == NULL)
			continue;
		s = table_find(t, old[i].key, old[i].keylen, old[i].hash);
		*s = old[i];
	}
	free(old);
}

void
table_put(struct table *t, const char *key, size_t len, void *value)
{
	uint64_t	   h = table_hash(key, len);
	struct table_slot *s;

	if ((t->n + 1) * 2 > t->cap)
		table_grow(t);
	s = table_find(t, key, len, h);
	if (s->key == NULL) {
		s->key = xmalloc(len + 1);
		memcpy(s->key, key, len);
		s->key[len] = '\0';
		s->keylen = len;
		s->hash = h;
		t->n++;
	}
	s->value = value;
}

size_t
table_count(const struct table *t)
{
	return t->n;
}
