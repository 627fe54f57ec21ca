/*
 * util: allocation, clocks, strings, durable files, constant-time compare.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "log.h"
#include "util.h"

void *
xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		fatal("malloc %zu", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);

	if (p == NULL)
		fatal("calloc %zu x %zu", nmemb, size);
	return p;
}

void *
xreallocarray(void *old, size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size) {
		errno = ENOMEM;
		fatal("reallocarray %zu x %zu", nmemb, size);
	}
	p = realloc(old, nmemb * size == 0 ? 1 : nmemb * size);
	if (p == NULL)
		fatal("reallocarray %zu x %zu", nmemb, size);
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("strdup");
	return p;
}

uint64_t
now_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t
now_mono_ms(void)
{
	return now_mono_us() / 1000;
}

double
now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1000.0;
}

int
str_copy(char *dst, size_t size, const char *src)
{
	int n = snprintf(dst, size, "%s", src);

	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

int
str_has_ctrl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * The folder of path into dir (".", "/" or the part before the last '/')
 * and its last part into *name. -1 with errno ENAMETOOLONG when the folder
 * does not fit.
 */
static int
path_split(const char *path, char *dir, size_t size, const char **name)
{
	const char *slash = strrchr(path, '/');

	*name = slash != NULL ? slash + 1 : path;
	if (slash == NULL)
		snprintf(dir, size, ".");
	else if (slash == path)
		snprintf(dir, size, "/");
	else if ((size_t)(slash - path) < size)
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
	else {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
dir_sync_of(const char *path)
{
	char	    dir[PATH_MAX];
	const char *name;
	int	    fd, rc;

	if (path_split(path, dir, sizeof(dir), &name) == -1)
		return -1;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Say which step of file_replace() failed on what, keeping errno. */
static int
replace_fail(char *err, size_t errlen, const char *step, const char *dir,
    const char *name)
{
	int saved = errno;

	if (errlen > 0)
		snprintf(err, errlen, "%s %s%s%s: %s", step,
		    strcmp(dir, ".") != 0 ? dir : "",
		    strcmp(dir, ".") != 0 && strcmp(dir, "/") != 0 ? "/" : "",
		    name, strerror(saved));
	errno = saved;
	return -1;
}

int
file_replace_at(int dfd, const char *dir, const char *name, const void *buf,
    size_t len, int mode, int64_t mtime, int flags, char *err, size_t errlen)
{
	char	    tmp[NAME_MAX + 1];
	const char *p = buf;
	struct stat st;
	int	    fd = -1, n, saved;

	n = snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	if (n < 0 || (size_t)n >= sizeof(tmp) || strchr(name, '/') != NULL) {
		errno = ENAMETOOLONG;
		return replace_fail(err, errlen, "write", dir, name);
	}
	/* O_NONBLOCK: a FIFO planted under the temporary name never
	 * blocks; O_NOFOLLOW: a link is never followed */
	fd = openat(dfd, tmp,
	    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
	    mode);
	if (fd == -1) {
		replace_fail(err, errlen, "create", dir, tmp);
		goto fail;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		replace_fail(err, errlen, "create", dir, tmp);
		goto fail;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			replace_fail(err, errlen, "write", dir, tmp);
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (mtime >= 0) {
		struct timespec ts[2] = {{(time_t)mtime, 0},
		    {(time_t)mtime, 0}};

		if (futimens(fd, ts) == -1) {
			replace_fail(err, errlen, "set the time of", dir, tmp);
			goto fail;
		}
	}
	if ((flags & FILE_DURABLE) && fsync(fd) == -1) {
		replace_fail(err, errlen, "fsync", dir, tmp);
		goto fail;
	}
	n = close(fd);
	fd = -1;
	if (n == -1) {
		replace_fail(err, errlen, "close", dir, tmp);
		goto fail;
	}
	if (renameat(dfd, tmp, dfd, name) == -1) {
		replace_fail(err, errlen, "rename to", dir, name);
		goto fail;
	}
	if ((flags & FILE_DURABLE) && fsync(dfd) == -1)
		return replace_fail(err, errlen, "fsync folder", ".", dir);
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlinkat(dfd, tmp, 0);
	errno = saved;
	return -1;
}

int
file_replace(const char *path, const void *buf, size_t len, int mode,
    int64_t mtime, int flags, char *err, size_t errlen)
{
	char	    dir[PATH_MAX];
	const char *name;
	int	    dfd, rc, saved;

	if (path_split(path, dir, sizeof(dir), &name) == -1)
		return replace_fail(err, errlen, "write", ".", path);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return replace_fail(err, errlen, "open folder", ".", dir);
	rc = file_replace_at(dfd, dir, name, buf, len, mode, mtime, flags, err,
	    errlen);
	saved = errno;
	close(dfd);
	errno = saved;
	return rc;
}

int
file_write_atomic(const char *path, const void *buf, size_t len, int mode)
{
	return file_replace(path, buf, len, mode, -1, FILE_DURABLE, NULL, 0);
}

int
file_read(const char *path, size_t max, char **out, size_t *lenp)
{
	struct stat st;
	char	   *buf = NULL;
	size_t	    len = 0, cap;
	int	    fd, saved;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	cap = (S_ISREG(st.st_mode) && (size_t)st.st_size < max) ?
	    (size_t)st.st_size + 1 :
	    4096;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			if (cap > max) {
				errno = EFBIG;
				goto fail;
			}
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	if (lenp != NULL)
		*lenp = len;
	return 0;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}

const char *
file_kind(mode_t m)
{
	if (S_ISREG(m))
		return "a regular file";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

void
size_text(char *buf, size_t len, size_t bytes)
{
	if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
		snprintf(buf, len, "%zu MiB", bytes >> 20);
	else if (bytes >= 1024 && bytes % 1024 == 0)
		snprintf(buf, len, "%zu KiB", bytes >> 10);
	else
		snprintf(buf, len, "%zu bytes", bytes);
}

static int
too_large(size_t max, char *err, size_t errlen)
{
	char size[32];

	size_text(size, sizeof(size), max);
	snprintf(err, errlen, "larger than %s", size);
	errno = EFBIG;
	return -1;
}

static int
sys_error(char *err, size_t errlen)
{
	int saved = errno;

	snprintf(err, errlen, "%s", strerror(saved));
	errno = saved;
	return -1;
}

static int
not_regular(mode_t m, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s, not a regular file", file_kind(m));
	errno = EINVAL;
	return -1;
}

/*
 * stat() first, so that a device is never opened (opening some has side
 * effects); O_NONBLOCK and fstat() after, for a file swapped meanwhile: a
 * FIFO opened so does not wait for a writer. Symbolic links are followed:
 * secrets are often links (configuration management, mounted volumes).
 */
int
file_read_regular(const char *path, size_t max, char **out, size_t *lenp,
    struct stat *stp, char *err, size_t errlen)
{
	struct stat st;
	char	   *buf = NULL;
	size_t	    len = 0, cap;
	int	    fd, saved;

	*out = NULL;
	if (stat(path, &st) == -1)
		return sys_error(err, errlen);
	if (!S_ISREG(st.st_mode))
		return not_regular(st.st_mode, err, errlen);
	if ((uintmax_t)st.st_size > max)
		return too_large(max, err, errlen);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd == -1)
		return sys_error(err, errlen);
	if (fstat(fd, &st) == -1) {
		sys_error(err, errlen);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		not_regular(st.st_mode, err, errlen);
		goto fail;
	}
	if ((uintmax_t)st.st_size > max) {
		too_large(max, err, errlen);
		goto fail;
	}
	/* One byte more than the size: a file still growing is noticed. */
	cap = (size_t)st.st_size + 2;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			if (len > max) {
				too_large(max, err, errlen);
				goto fail;
			}
			cap = cap * 2 > max + 2 ? max + 2 : cap * 2;
			buf = xreallocarray(buf, cap, 1);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			sys_error(err, errlen);
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		too_large(max, err, errlen);
		goto fail;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	if (lenp != NULL)
		*lenp = len;
	if (stp != NULL)
		*stp = st;
	return 0;
fail:
	saved = errno;
	if (buf != NULL) {
		OPENSSL_cleanse(buf, cap);
		free(buf);
	}
	close(fd);
	errno = saved;
	return -1;
}

int
secret_read_st(const char *path, char *buf, size_t max, struct stat *st,
    char *err, size_t errlen)
{
	char   why[128];
	char  *data = NULL;
	size_t len, n;

	if (file_read_regular(path, SECRET_FILE_MAX, &data, &len, st, why,
		sizeof(why)) == -1) {
		if (errno == EFBIG)
			snprintf(err, errlen,
			    "%s: %s; a secret file holds one line", path, why);
		else if (errno == EINVAL)
			snprintf(err, errlen,
			    "%s: %s; put the secret in a regular file", path,
			    why);
		else
			snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	n = strcspn(data, "\r\n");
	while (n > 0 && (data[n - 1] == ' ' || data[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= max || memchr(data, '\0', n) != NULL) {
		snprintf(err, errlen,
		    "%s: secret must be one line of 1 to %zu bytes", path,
		    max - 1);
		OPENSSL_cleanse(data, len);
		free(data);
		return -1;
	}
	memcpy(buf, data, n);
	buf[n] = '\0';
	OPENSSL_cleanse(data, len);
	free(data);
	return 0;
}

int
secret_read(const char *path, char *buf, size_t max, char *err, size_t errlen)
{
	return secret_read_st(path, buf, max, NULL, err, errlen);
}

int
ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	unsigned char ha[SHA256_DIGEST_LENGTH], hb[SHA256_DIGEST_LENGTH];

	/* Hash first: the comparison then takes the same time whatever the
	 * lengths and contents. */
	SHA256(a, alen, ha);
	SHA256(b, blen, hb);
	return CRYPTO_memcmp(ha, hb, sizeof(ha)) == 0 && alen == blen;
}

int
pct_encode(const char *s, const char *keep, int flags, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t		  n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';
	     p++) {
		int stay = (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    (strchr(keep, *p) != NULL &&
			!(*p == '.' && p == (const unsigned char *)s &&
			    (flags & PCT_ENCODE_NO_LEADING_DOT)));

		if (n + (stay ? 1 : 3) >= size)
			return -1;
		if (stay)
			out[n++] = (char)*p;
		else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 0xf];
		}
	}
	if (n >= size || n > INT_MAX)
		return -1;
	out[n] = '\0';
	return (int)n;
}

void
hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int
path_resolve(char *out, size_t size, const char *dir, const char *path)
{
	int n;

	if (path[0] == '/' || dir == NULL || dir[0] == '\0')
		n = snprintf(out, size, "%s", path);
	else
		n = snprintf(out, size, "%s/%s", dir, path);
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

int
parse_int(const char *s, long long min, long long max, long long *out)
{
	char	 *end;
	long long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
