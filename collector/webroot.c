/*
 * webroot: URL checks, types, and opening a file beneath the site's root.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "webroot.h"

int
webroot_url_ok(const char *url)
{
	const char *seg;
	size_t	    len = strlen(url);

	if (url[0] != '/' || len > WEBROOT_URL_MAX)
		return 0;
	for (const unsigned char *p = (const unsigned char *)url; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			return 0;
	/* Every segment but a last empty one (a folder's index). */
	for (seg = url + 1; *seg != '\0';) {
		size_t n = strcspn(seg, "/");

		if (n == 0 || seg[0] == '.')
			return 0;
		seg += n;
		if (*seg == '/')
			seg++;
	}
	return 1;
}

const char *
webroot_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {{".html", "text/html; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".json", "application/json"}, {".png", "image/png"},
	    {".svg", "image/svg+xml"}, {".txt", "text/plain; charset=utf-8"},
	    {".csv", "text/csv; charset=utf-8"}};
	size_t n = strlen(name);

	for (size_t i = 0; i < NELEM(types); i++) {
		size_t e = strlen(types[i].ext);

		if (n > e && strcmp(name + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

/* 1 when path, resolved, is root or beneath it. */
static int
webroot_beneath(const char *root, const char *path)
{
	char   real[PATH_MAX];
	size_t n = strlen(root);

	if (realpath(path, real) == NULL)
		return 0;
	return strncmp(real, root, n) == 0 &&
	    (real[n] == '/' || real[n] == '\0');
}

/* url + "/", %-encoded again for a Location header. */
static int
webroot_location(const char *url, char *out, size_t size)
{
	int n;

	if (size < 2 || (n = pct_encode(url, "/._~-", 0, out, size - 1)) == -1)
		return -1;
	out[n++] = '/';
	out[n] = '\0';
	return 0;
}

enum webroot_found
webroot_open(const char *root, const char *url, int *fd, uint64_t *size,
    const char **ctype, char *location, size_t loclen)
{
	char	    top[PATH_MAX], path[PATH_MAX + WEBROOT_URL_MAX + 16];
	struct stat sb;
	size_t	    ulen = strlen(url);
	int	    f;

	*fd = -1;
	if (!webroot_url_ok(url) || realpath(root, top) == NULL)
		return WEBROOT_MISSING;
	snprintf(path, sizeof(path), "%s%s%s", top, url,
	    url[ulen - 1] == '/' ? "index.html" : "");
	if (!webroot_beneath(top, path))
		return WEBROOT_MISSING;
	f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (f == -1 || fstat(f, &sb) == -1) {
		if (f != -1)
			close(f);
		return WEBROOT_MISSING;
	}
	if (S_ISDIR(sb.st_mode)) {
		close(f);
		return webroot_location(url, location, loclen) == -1 ?
		    WEBROOT_MISSING :
		    WEBROOT_REDIRECT;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(f);
		return WEBROOT_MISSING;
	}
	*fd = f;
	*size = (uint64_t)sb.st_size;
	*ctype = webroot_type(path);
	return WEBROOT_FILE;
}
