/*
 * tcache: writing and reading back SPOOL_DIR/targets.cache (see tcache.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tcache.h"
#include "tlist.h"
#include "util.h"

#define TCACHE_MAGIC "v6watch-targets 1 "
/* The first line: magic, 64 hex digits, a space, an ETag, a newline. */
#define TCACHE_HEAD_MAX (sizeof(TCACHE_MAGIC) + 64 + 1 + TLIST_ETAG_MAX + 1)

int
tcache_save(int dirfd, const char *dir, const char *text, size_t len,
    const char *etag, const char *sha256, char *err, size_t errlen)
{
	char  *buf;
	size_t head;
	int    n, rc;

	if (strlen(sha256) != 64 || (etag[0] != '\0' && !tlist_etag_ok(etag))) {
		snprintf(err, errlen, "%s/%s: bad ETag or SHA-256", dir,
		    TCACHE_FILE);
		return -1;
	}
	buf = xmalloc(TCACHE_HEAD_MAX + len + 1);
	n = snprintf(buf, TCACHE_HEAD_MAX + 1, "%s%s %s\n", TCACHE_MAGIC,
	    sha256, etag[0] != '\0' ? etag : "-");
	head = (size_t)n;
	memcpy(buf + head, text, len);
	rc = file_replace_at(dirfd, dir, TCACHE_FILE, buf, head + len, 0600, -1,
	    FILE_DURABLE, err, errlen);
	free(buf);
	return rc;
}

/* The whole of fd, at most max bytes, into a heap buffer. */
static int
read_all(int fd, size_t max, char **out, size_t *lenp)
{
	struct stat st;
	char	   *buf;
	size_t	    len = 0, cap;

	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if ((size_t)st.st_size > max) {
		errno = EFBIG;
		return -1;
	}
	/* one byte more than the size: a file still growing is noticed */
	cap = (size_t)st.st_size + 2;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			if (len > max) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap = cap * 2 > max + 2 ? max + 2 : cap * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		n = pread(fd, buf + len, cap - len - 1, (off_t)len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		free(buf);
		errno = EFBIG;
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	*lenp = len;
	return 0;
}

/* The first line into sha256 and etag; the length of the line, or 0. */
static size_t
head_parse(const char *buf, size_t len, char *sha256, char *etag)
{
	const char *nl =
	    memchr(buf, '\n', len < TCACHE_HEAD_MAX ? len : TCACHE_HEAD_MAX);
	const char *p = buf + strlen(TCACHE_MAGIC);
	size_t	    n;

	if (nl == NULL || (size_t)(nl - buf) < strlen(TCACHE_MAGIC) + 66 ||
	    memcmp(buf, TCACHE_MAGIC, strlen(TCACHE_MAGIC)) != 0 ||
	    strspn(p, "0123456789abcdef") != 64 || p[64] != ' ')
		return 0;
	memcpy(sha256, p, 64);
	sha256[64] = '\0';
	p += 65;
	n = (size_t)(nl - p);
	if (n > TLIST_ETAG_MAX)
		return 0;
	memcpy(etag, p, n);
	etag[n] = '\0';
	if (strcmp(etag, "-") == 0)
		etag[0] = '\0';
	else if (!tlist_etag_ok(etag))
		return 0;
	return (size_t)(nl - buf) + 1;
}

/* Put the file aside as targets.cache.bad-TIME; say so after err. */
static void
set_aside(int dirfd, const char *dir, char *err, size_t errlen)
{
	char   aside[64];
	size_t n = strlen(err);
	int    e;

	snprintf(aside, sizeof(aside), "%s.bad-%lld", TCACHE_FILE,
	    (long long)time(NULL));
	if (renameat(dirfd, TCACHE_FILE, dirfd, aside) == 0) {
		snprintf(err + n, errlen - n, "; set aside as %s/%s", dir,
		    aside);
		return;
	}
	e = errno;
	if (unlinkat(dirfd, TCACHE_FILE, 0) == 0)
		snprintf(err + n, errlen - n,
		    "; removed, as it could not be set aside (%s)",
		    strerror(e));
	else
		snprintf(err + n, errlen - n,
		    "; it could be neither set aside nor removed (%s)",
		    strerror(errno));
}

int
tcache_load(int dirfd, const char *dir, const char *probe, struct tlist **list,
    char *err, size_t errlen)
{
	char   sha[65], etag[TLIST_ETAG_MAX + 1], got[65], why[256];
	char  *buf = NULL;
	size_t len, head;
	int    fd;

	*list = NULL;
	fd = openat(dirfd, TCACHE_FILE,
	    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)
		return 0;
	if (fd == -1 ||
	    read_all(fd, TLIST_BODY_MAX + TCACHE_HEAD_MAX, &buf, &len) == -1) {
		snprintf(err, errlen, "%s/%s: %s", dir, TCACHE_FILE,
		    errno == ELOOP ? "a symbolic link, not the probe's file" :
			errno == EINVAL ? "not a regular file" :
			errno == EFBIG	? "larger than 64 MiB" :
					  strerror(errno));
		if (fd != -1)
			close(fd);
		set_aside(dirfd, dir, err, errlen);
		return -1;
	}
	close(fd);
	if ((head = head_parse(buf, len, sha, etag)) == 0) {
		snprintf(err, errlen,
		    "%s/%s: the first line is not \"%sSHA256 ETAG\"", dir,
		    TCACHE_FILE, TCACHE_MAGIC);
		goto fail;
	}
	tlist_hash(buf + head, len - head, got);
	if (strcmp(got, sha) != 0) {
		snprintf(err, errlen,
		    "%s/%s: damaged: the list's SHA-256 is not the one its first line records",
		    dir, TCACHE_FILE);
		goto fail;
	}
	if ((*list = tlist_parse(buf + head, len - head, probe, why,
		 sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s/%s: %s", dir, TCACHE_FILE, why);
		goto fail;
	}
	snprintf((*list)->etag, sizeof((*list)->etag), "%s", etag);
	free(buf);
	return 0;
fail:
	free(buf);
	set_aside(dirfd, dir, err, errlen);
	return -1;
}
