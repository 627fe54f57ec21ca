/*
 * sketch: streaming tokeniser and bottom-k MinHash (see sketch.h).
 */
#include <string.h>

#include "sketch.h"

#define FNV_BASIS 2166136261u
#define FNV_PRIME 16777619u

void
sketch_init(struct sketch *s)
{
	memset(s, 0, sizeof(*s));
	s->cur = FNV_BASIS;
}

/* murmur3's finaliser: spreads FNV's weak low bits over the word. */
static uint32_t
mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static void
sketch_add(struct sketch *s, uint32_t h)
{
	size_t lo = 0, hi = s->n;

	if (s->n == SKETCH_K && h >= s->h[SKETCH_K - 1])
		return;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->h[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n && s->h[lo] == h)
		return; /* a set: duplicates count once */
	if (s->n < SKETCH_K)
		s->n++;
	memmove(&s->h[lo + 1], &s->h[lo], (s->n - 1 - lo) * sizeof(s->h[0]));
	s->h[lo] = h;
}

static void
sketch_token_end(struct sketch *s)
{
	if (s->curlen > 0 && s->curlen <= SKETCH_TOKEN_MAX && !s->curdigit) {
		sketch_add(s, mix(s->cur));
		s->tokens++;
	}
	s->cur = FNV_BASIS;
	s->curlen = 0;
	s->curdigit = 0;
}

void
sketch_feed(struct sketch *s, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c >= 0x80 || c == '_';
		int digit = c >= '0' && c <= '9';

		if (!alpha && !digit) {
			if (s->curlen > 0)
				sketch_token_end(s);
			continue;
		}
		if (s->curlen <= SKETCH_TOKEN_MAX) {
			s->cur = (s->cur ^ c) * FNV_PRIME;
			s->curlen++;
		}
		s->curdigit |= (uint8_t)digit;
	}
}

void
sketch_end(struct sketch *s)
{
	if (s->curlen > 0)
		sketch_token_end(s);
}

double
sketch_similarity(const struct sketch *a, const struct sketch *b)
{
	size_t i = 0, j = 0, k = 0, both = 0;

	if (a->n == 0 && b->n == 0)
		return 1.0;
	/* Walk the union of the two sorted lists up to k entries; count the
	 * entries that both sketches hold. */
	while (k < SKETCH_K && (i < a->n || j < b->n)) {
		if (j == b->n || (i < a->n && a->h[i] < b->h[j]))
			i++;
		else if (i == a->n || b->h[j] < a->h[i])
			j++;
		else {
			both++;
			i++;
			j++;
		}
		k++;
	}
	return (double)both / (double)k;
}
