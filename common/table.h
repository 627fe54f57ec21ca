/*
 * table: a string-keyed hash table (open addressing, linear probing) that
 * maps keys to caller-owned values. The table copies each key; it never
 * frees values. Entries are never removed: the collector only adds series.
 */
#ifndef V6W_TABLE_H
#define V6W_TABLE_H

#include <stddef.h>

struct table;

struct table *table_new(void);
/* Frees the table and its key copies, not the values. NULL-safe. */
void  table_free(struct table *);
void *table_get(const struct table *, const char *key, size_t keylen);
/* Add key (must be absent) -> value. */
void   table_put(struct table *, const char *key, size_t keylen, void *value);
size_t table_count(const struct table *);

#endif
