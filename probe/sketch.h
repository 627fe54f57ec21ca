/*
 * sketch: a fixed-size summary of a response body for "same content over
 * IPv6 as over IPv4?" -- a bottom-k MinHash of the body's word tokens,
 * built while the body streams past. Tokens that contain a digit (nonces,
 * session ids, timestamps, counters) are volatile and ignored. 512 bytes
 * per body, however large the body is.
 */
#ifndef V6W_SKETCH_H
#define V6W_SKETCH_H

#include <stddef.h>
#include <stdint.h>

#define SKETCH_K	 128
#define SKETCH_TOKEN_MAX 64 /* longer runs are not words: ignored */

struct sketch {
	uint32_t h[SKETCH_K]; /* smallest distinct token hashes, sorted */
	uint16_t n;
	uint32_t cur; /* hash of the token being read */
	uint16_t curlen;
	uint8_t	 curdigit;
	uint64_t tokens; /* non-volatile tokens seen */
};

void sketch_init(struct sketch *);
void sketch_feed(struct sketch *, const void *buf, size_t len);
/* Ends the last token; call once after the last sketch_feed(). */
void sketch_end(struct sketch *);
/* Estimated Jaccard similarity of the two token sets, 0.0 - 1.0. */
double sketch_similarity(const struct sketch *, const struct sketch *);

#endif
