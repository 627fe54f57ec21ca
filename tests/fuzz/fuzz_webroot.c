/*
 * fuzz_webroot: libFuzzer target for the web root's path check: the input
 * is a request's URL path as libmicrohttpd hands it over (%-decoded, up
 * to the first NUL), given to webroot_url_ok() and webroot_open() on a
 * site that holds what a published site holds and what it must never
 * give out: hidden files and folders, links out of it (to a file, to a
 * folder, to a sibling folder whose name starts like the site's), a FIFO.
 *
 * Checked: a file served is a regular file beneath the site, reached by
 * no hidden name, with its size and a type; a redirect goes to the same
 * path plus '/', %-encoded, on this site (never "//host"); an URL that
 * webroot_url_ok() refuses is never served, and one it takes has no
 * segment starting with '.'; no descriptor leaks.
 *
 * FUZZ_SOURCES: collector/webroot.c common/util.c common/log.c
 * FUZZ_LIBS: libcrypto
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/webroot.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char site[PATH_MAX], real_site[PATH_MAX];
static int  free_fd; /* the lowest free descriptor between runs */

static void
mk(const char *top, const char *name, const char *text)
{
	char p[PATH_MAX];

	fuzz_path(p, sizeof(p), top, name);
	if (text == NULL) {
		if (mkdir(p, 0755) == -1)
			abort();
	} else
		fuzz_write(p, text, strlen(text), 0644);
}

static void
ln(const char *top, const char *target, const char *name)
{
	char p[PATH_MAX];

	fuzz_path(p, sizeof(p), top, name);
	if (symlink(target, p) == -1)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *top = fuzz_dir("webroot");
	char	    p[PATH_MAX];

	(void)argc;
	(void)argv;
	mk(top, "site", NULL);
	mk(top, "site2", NULL);
	mk(top, "secret", "secret\n");
	mk(top, "site2/secret", "secret\n");
	fuzz_path(site, sizeof(site), top, "site");
	mk(site, "index.html", "<html></html>\n");
	mk(site, "style.css", "body{}\n");
	mk(site, "a b%.txt", "odd name\n");
	mk(site, "sub", NULL);
	mk(site, "sub/index.html", "<html></html>\n");
	mk(site, "sub/page.json", "{}\n");
	mk(site, "empty", NULL);
	mk(site, ".hidden", "hidden\n");
	mk(site, ".tmp-publish", NULL);
	mk(site, ".tmp-publish/index.html", "half-written\n");
	ln(site, "../secret", "out");
	ln(site, "..", "up");
	ln(site, "../site2", "site2");
	ln(site, "sub/page.json", "in");
	ln(site, "sub", "subdir");
	ln(site, ".hidden", "via");
	fuzz_path(p, sizeof(p), site, "fifo");
	if (mkfifo(p, 0644) == -1)
		abort();
	if (realpath(site, real_site) == NULL)
		abort();
	free_fd = dup(0);
	close(free_fd);
	return 0;
}

/* Where fd leads, resolved. */
static void
fd_path(int fd, char *out, size_t size)
{
	char	link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, size - 1);
	if (n < 0)
		abort();
	out[n] = '\0';
}

static int
unhex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	    c >= 'A' && c <= 'F'    ? c - 'A' + 10 :
				      -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		  *url = fuzz_strndup(data, size);
	char		   location[WEBROOT_URL_MAX * 3 + 8], got[PATH_MAX];
	char		   dec[sizeof(location)];
	const char	  *ctype = NULL;
	uint64_t	   fsize = 0;
	int		   fd = -2, ok, t;
	size_t		   n = 0, rl = strlen(real_site);
	enum webroot_found found;
	struct stat	   sb;

	ok = webroot_url_ok(url);
	if (ok &&
	    (url[0] != '/' || strstr(url, "/.") != NULL ||
		strchr(url, '\\') != NULL))
		abort();
	location[0] = '\0';
	found = webroot_open(site, url, &fd, &fsize, &ctype, location,
	    sizeof(location));
	if (!ok && found != WEBROOT_MISSING)
		abort();
	switch (found) {
	case WEBROOT_FILE:
		fd_path(fd, got, sizeof(got));
		if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
		    (uint64_t)sb.st_size != fsize || ctype == NULL ||
		    strncmp(got, real_site, rl) != 0 || got[rl] != '/' ||
		    strstr(got + rl, "/.") != NULL) {
			fprintf(stderr, "served %s for %s\n", got, url);
			abort();
		}
		close(fd);
		break;
	case WEBROOT_REDIRECT:
		if (fd != -1 || location[0] != '/' || location[1] == '/')
			abort();
		/* %-decoded, the location is the URL and a '/' */
		for (const char *p = location; *p != '\0'; p++) {
			if ((unsigned char)*p <= 0x20 || *p >= 0x7f)
				abort();
			if (*p == '%') {
				if (unhex(p[1]) < 0 || unhex(p[2]) < 0)
					abort();
				dec[n++] =
				    (char)(unhex(p[1]) << 4 | unhex(p[2]));
				p += 2;
			} else
				dec[n++] = *p;
		}
		dec[n] = '\0';
		if (n == 0 || dec[n - 1] != '/' ||
		    strncmp(dec, url, n - 1) != 0 || url[n - 1] != '\0') {
			fprintf(stderr, "redirect %s for %s\n", location, url);
			abort();
		}
		break;
	case WEBROOT_MISSING:
		if (fd != -1)
			abort();
		break;
	}
	free(url);
	t = dup(0);
	close(t);
	if (t != free_fd)
		abort(); /* a descriptor leaked */
	return 0;
}
