/*
 * webroot: the published site served under GET / -- an URL path mapped to
 * a regular file under publish_dir, safely: no "..", no hidden names (the
 * temporary files of a publish start with '.'), no symlink leading out of
 * the folder, directories answered by their index.html, a content type
 * from the extension.
 */
#ifndef V6W_WEBROOT_H
#define V6W_WEBROOT_H

#include <stddef.h>
#include <stdint.h>

/* Longest URL path served. */
#define WEBROOT_URL_MAX 1024

/* What webroot_open found. */
enum webroot_found {
	WEBROOT_FILE,	  /* *fd, *size, *ctype set */
	WEBROOT_REDIRECT, /* a folder asked without '/': go to location */
	WEBROOT_MISSING	  /* 404 */
};

/*
 * 1 when url (already %-decoded) is a path webroot may serve: starts with
 * '/', no control byte or backslash, no empty, "." or ".." segment, no
 * segment starting with '.', at most WEBROOT_URL_MAX bytes. Pure.
 */
int webroot_url_ok(const char *url);
/* Content type of a file name, by extension. Pure. */
const char *webroot_type(const char *name);

/*
 * Map url to a file under root (publish_dir). The caller owns *fd (close
 * on exec, read only).
 */
enum webroot_found webroot_open(const char *root, const char *url, int *fd,
    uint64_t *size, const char **ctype, char *location, size_t loclen);

#endif
