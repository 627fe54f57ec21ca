/*
 * tlist: the target list a probe fetches from its collector (GET
 * /api/v1/targets, docs/DESIGN.md "Targets from the collector"): the
 * document checked and turned into targets, and merged with the probe's
 * local ones. A document that is not this probe's list is refused whole;
 * an entry that is not a valid target is left out and said why. Pure:
 * nothing here logs, reads files or talks to the network.
 */
#ifndef V6W_TLIST_H
#define V6W_TLIST_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "conf.h"

/* The largest document a probe takes (the collector sends at most
 * 200,000 targets, well under this). */
#define TLIST_BODY_MAX (64u << 20)
/* The document's "version". */
#define TLIST_VERSION 1
/* An ETag (quotes included) kept and sent back; a longer one is not. */
#define TLIST_ETAG_MAX 256
/* Skipped entries said by name; the rest are counted. */
#define TLIST_SKIPS_SHOWN 10

struct tlist_block;

/*
 * Targets the daemon checks borrow their strings from the list they came
 * from, holding a reference: a list lives until its last user is done.
 */
struct tlist {
	int		    refs;
	struct target_conf *v; /* in the document's order; line: the index */
	size_t		    n;
	struct tlist_block *strings;		      /* v's strings, packed */
	size_t		    nskipped;		      /* entries left out */
	char		   *skips[TLIST_SKIPS_SHOWN]; /* why, the first ones */
	char		    etag[TLIST_ETAG_MAX + 1]; /* "" when none */
	char		    sha256[65]; /* of the document's text; "" unknown */
};

/*
 * Parse the document text (len bytes) fetched for probe. NULL, with why
 * in err ("not JSON: ...", "\"version\" is 2, not 1", "the list of probe
 * 'x', not of this probe ('y')", ...), when it is refused as a whole.
 * Records the text's SHA-256; the caller sets the ETag.
 */
struct tlist *tlist_parse(const char *text, size_t len, const char *probe,
    char *err, size_t errlen);
/* The same from a document already parsed (the cache's "list"). */
struct tlist *
tlist_from_json(const cJSON *doc, const char *probe, char *err, size_t errlen);
/* A list of probe.conf's targets v[0..n), copied (packed). */
struct tlist *tlist_from_conf(const struct target_conf *v, size_t n);
/* One more reference to l, returned. */
struct tlist *tlist_ref(struct tlist *l);
/* Drop a reference; the last one frees l. NULL-safe. */
void tlist_free(struct tlist *);

/* The lower-case hex SHA-256 of len bytes at text into out[65]. */
void tlist_hash(const char *text, size_t len, char *out);
/* An ETag worth keeping: 1..TLIST_ETAG_MAX bytes 0x21..0x7e (RFC 9110
 * has no space in one). */
int tlist_etag_ok(const char *etag);

/*
 * The targets to check: every local one (local[0..nlocal), in order),
 * then every fetched one (fetched may be NULL) whose id no local target
 * has. out must have room for nlocal + fetched->n pointers, shadowed for
 * fetched->n: the fetched entries a local one hides go there, their
 * count to *nshadowed. Returns the number of entries in out.
 */
size_t tlist_merge(const struct target_conf *local, size_t nlocal,
    const struct tlist *fetched, const struct target_conf **out,
    const struct target_conf **shadowed, size_t *nshadowed);

#endif
