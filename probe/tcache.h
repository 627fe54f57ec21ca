/*
 * tcache: the last good target list on disk, SPOOL_DIR/targets.cache, so
 * that a probe that starts while its collector is away checks that list
 * at once. One line "v6watch-targets 1 SHA256 ETAG" (ETAG "-" when there
 * is none), then the document exactly as fetched; the SHA-256 is the
 * document's, so a file cut short or damaged is told apart from a list.
 * Replaced atomically and durably; every file opened relative to the
 * spool folder's descriptor, never through a link (the daemon works in
 * it after dropping root, as the spool does).
 */
#ifndef V6W_TCACHE_H
#define V6W_TCACHE_H

#include <stddef.h>

struct tlist;

#define TCACHE_FILE "targets.cache"

/*
 * Save the document text (len bytes, one tlist_parse() took) with its
 * etag ("" none) and sha256 (hex) as DIR/targets.cache, in the folder open
 * at dirfd (dir names it in messages). 0, or -1 with err naming the step
 * and the file.
 */
int tcache_save(int dirfd, const char *dir, const char *text, size_t len,
    const char *etag, const char *sha256, char *err, size_t errlen);

/*
 * Load DIR/targets.cache for probe: 0 with *list (NULL when there is no
 * such file), its etag and sha256 set. -1 with err saying why when it
 * does not load (a link or not a regular file, too large, a bad first
 * line, a SHA-256 that does not match, a list tlist_parse() refuses):
 * the file is then set aside as targets.cache.bad-TIME, which err names.
 */
int tcache_load(int dirfd, const char *dir, const char *probe,
    struct tlist **list, char *err, size_t errlen);

#endif
