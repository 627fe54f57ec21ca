/*
 * util: small helpers shared by both daemons: allocation that cannot fail
 * silently, clocks, bounded string copies, durable file writes, bounded
 * reads, constant-time comparison and hex encoding.
 */
#ifndef V6W_UTIL_H
#define V6W_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);

/* Monotonic clock in milliseconds / microseconds; wall clock in seconds. */
uint64_t now_mono_ms(void);
uint64_t now_mono_us(void);
double	 now_wall(void);

/* snprintf into dst; returns 0, or -1 when src did not fit (dst truncated). */
int str_copy(char *dst, size_t size, const char *src);
/* 1 when s contains a byte < 0x20 or 0x7f. */
int str_has_ctrl(const char *s);

/*
 * Replace path by the len bytes at buf, atomically: a hidden temporary in
 * the same folder (.NAME.tmp, created with mode, never through a link),
 * written, given the modification time mtime (wall seconds; -1: now) and
 * renamed over path. Readers see the old file or the new, never a part.
 * With FILE_DURABLE, the file is fsynced before the rename and the folder
 * after it: state that must survive a crash. Without, a crash may lose
 * the new file (what is made again anyway: the published site). 0, or -1
 * with errno set and, when errlen > 0, err naming the step and the file
 * that failed.
 */
#define FILE_DURABLE 1
int file_replace(const char *path, const void *buf, size_t len, int mode,
    int64_t mtime, int flags, char *err, size_t errlen);
/*
 * The same for name in the folder open at dfd (dir names it in messages):
 * every file opened relative to dfd, never through a link, the temporary
 * never a FIFO or a device (a folder a daemon opened with O_NOFOLLOW
 * and works in after dropping root). name holds no '/'.
 */
int file_replace_at(int dfd, const char *dir, const char *name, const void *buf,
    size_t len, int mode, int64_t mtime, int flags, char *err, size_t errlen);
/* file_replace() durably, with the time now and no message. */
int file_write_atomic(const char *path, const void *buf, size_t len, int mode);
/* fsync the directory holding path. */
int dir_sync_of(const char *path);
/*
 * Read a whole file of at most max bytes into a NUL-terminated heap buffer
 * (caller frees). -1 with errno EFBIG when it is larger.
 */
int file_read(const char *path, size_t max, char **out, size_t *lenp);
/*
 * Read the regular file path, at most max bytes, into a NUL-terminated heap
 * buffer (caller frees); st (may be NULL) receives its fstat(). A FIFO,
 * device, socket or directory is refused without being opened or read, so
 * this never blocks. -1 with a message in err that does not name the file
 * ("No such file or directory", "a FIFO, not a regular file", "larger than
 * 16 MiB").
 */
int file_read_regular(const char *path, size_t max, char **out, size_t *lenp,
    struct stat *st, char *err, size_t errlen);
/* "a FIFO", "a directory", ... for messages. */
const char *file_kind(mode_t);
/* "16 MiB", "64 KiB", "100 bytes" */
void size_text(char *buf, size_t len, size_t bytes);

/* A secret file holds one short line; anything larger is refused. */
#define SECRET_FILE_MAX (64 * 1024)

/*
 * Read a secret (token, webhook secret) from a file: first line, trailing
 * whitespace removed, 1..max-1 bytes. The file must be a regular file of at
 * most SECRET_FILE_MAX bytes (file_read_regular()); st (may be NULL)
 * receives its fstat() so that the caller can judge its mode. Errors go to
 * err ("PATH: ..."); they never quote the secret itself.
 */
int secret_read_st(const char *path, char *buf, size_t max, struct stat *st,
    char *err, size_t errlen);
int
secret_read(const char *path, char *buf, size_t max, char *err, size_t errlen);

/* Constant-time equality of two byte strings of any lengths. */
int ct_equal(const void *a, size_t alen, const void *b, size_t blen);

/*
 * Percent-encode s into out (size bytes, NUL included): letters, digits
 * and the bytes in keep stay, every other byte becomes %XX (upper-case
 * hex); with PCT_ENCODE_NO_LEADING_DOT a '.' that starts s is encoded
 * even when keep has it. The length written, or -1 when it does not fit.
 */
#define PCT_ENCODE_NO_LEADING_DOT 1
int
pct_encode(const char *s, const char *keep, int flags, char *out, size_t size);
/* Lower-case hex of len bytes into out (2 * len + 1 bytes). */
void hex_encode(const unsigned char *in, size_t len, char *out);

/* Resolve path against dir unless absolute; 0 or -1 when too long. */
int path_resolve(char *out, size_t size, const char *dir, const char *path);

/* Parse a decimal integer in [min, max]; 0 or -1. */
int parse_int(const char *s, long long min, long long max, long long *out);

#endif
