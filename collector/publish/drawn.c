/*
 * drawn: the signature file: a header line, then one "HEX16 SLUG" line
 * per target. Lines that do not parse are skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drawn.h"
#include "site.h"
#include "table.h"
#include "util.h"

#define DRAWN_HEADER "v6watch drawn 1\n"

struct drawn {
	struct table *index; /* slug -> 1 + position in sig */
	uint64_t     *sig;
	size_t	      n, cap;
};

static void
drawn_add(struct drawn *d, const char *slug, size_t len, uint64_t sig)
{
	if (table_get(d->index, slug, len) != NULL)
		return;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 256;
		d->sig = xreallocarray(d->sig, d->cap, sizeof(*d->sig));
	}
	d->sig[d->n++] = sig;
	table_put(d->index, slug, len, (void *)(uintptr_t)d->n);
}

/* One line (without its newline): "HEX16 SLUG". */
static void
drawn_line(struct drawn *d, const char *p, size_t len)
{
	uint64_t sig = 0;

	if (len < 18 || len > 17 + SITE_SLUG_MAX || p[16] != ' ')
		return;
	for (int i = 0; i < 16; i++) {
		int c = (unsigned char)p[i], v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return;
		sig = sig << 4 | (uint64_t)v;
	}
	for (size_t i = 17; i < len; i++)
		if (p[i] <= ' ' || p[i] == 0x7f)
			return;
	drawn_add(d, p + 17, len - 17, sig);
}

struct drawn *
drawn_load(const char *path)
{
	struct drawn *d = xcalloc(1, sizeof(*d));
	char	     *text = NULL, *p, *end, *nl;
	size_t	      len;

	d->index = table_new();
	if (file_read(path, DRAWN_FILE_MAX, &text, &len) == -1)
		return d;
	if (len < strlen(DRAWN_HEADER) ||
	    memcmp(text, DRAWN_HEADER, strlen(DRAWN_HEADER)) != 0) {
		free(text);
		return d;
	}
	end = text + len;
	for (p = text + strlen(DRAWN_HEADER); p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break; /* a cut last line */
		drawn_line(d, p, (size_t)(nl - p));
	}
	free(text);
	return d;
}

void
drawn_free(struct drawn *d)
{
	if (d == NULL)
		return;
	table_free(d->index);
	free(d->sig);
	free(d);
}

int
drawn_get(const struct drawn *d, const char *slug, uint64_t *sig)
{
	uintptr_t pos = (uintptr_t)table_get(d->index, slug, strlen(slug));

	if (pos == 0)
		return 0;
	*sig = d->sig[pos - 1];
	return 1;
}

int
drawn_save(const char *path, const char *const *slugs, const uint64_t *sigs,
    size_t n, char *err, size_t errlen)
{
	size_t cap = strlen(DRAWN_HEADER) + 1, len;
	char  *buf;
	int    rc;

	for (size_t i = 0; i < n; i++)
		cap += 18 + strlen(slugs[i]);
	buf = xmalloc(cap);
	len = (size_t)snprintf(buf, cap, "%s", DRAWN_HEADER);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%016llx %s\n",
		    (unsigned long long)sigs[i], slugs[i]);
	rc = file_replace(path, buf, len, 0644, -1, 0, err, errlen);
	free(buf);
	return rc;
}
