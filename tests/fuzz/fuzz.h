/*
 * fuzz.h: what the file-reading fuzz targets share: a scratch folder (on
 * tmpfs when there is one, so that fsync costs nothing), writing an input
 * into a file, emptying the folder between runs so that each run starts
 * from the same files, and splitting one input into several files.
 * Header-only: run.sh compiles each target as one program.
 */
#ifndef V6W_FUZZ_H
#define V6W_FUZZ_H

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A fresh folder for this process; removed at exit. */
static char fuzz_dir_path[PATH_MAX];

static inline void fuzz_rmtree(const char *path, int keep_top);

static inline void
fuzz_dir_remove(void)
{
	if (fuzz_dir_path[0] != '\0')
		fuzz_rmtree(fuzz_dir_path, 0);
}

static inline const char *
fuzz_dir(const char *name)
{
	const char *base = getenv("FUZZ_TMPDIR");
	struct stat sb;

	if (base == NULL)
		base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) &&
			access("/dev/shm", W_OK) == 0 ?
		    "/dev/shm" :
		    (getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	snprintf(fuzz_dir_path, sizeof(fuzz_dir_path), "%s/v6w-%s.XXXXXX", base,
	    name);
	if (mkdtemp(fuzz_dir_path) == NULL) {
		perror(fuzz_dir_path);
		abort();
	}
	atexit(fuzz_dir_remove);
	return fuzz_dir_path;
}

/* dir/name into out; aborts when it does not fit (a harness bug). */
static inline void
fuzz_path(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		abort();
}

/* Write len bytes to path (created or truncated) with mode. */
static inline void
fuzz_write(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd == -1 || (len > 0 && write(fd, buf, len) != (ssize_t)len)) {
		perror(path);
		abort();
	}
	fchmod(fd, mode);
	close(fd);
}

/* Remove everything under path (never following a link), and path
 * itself unless keep_top. */
static inline void
fuzz_rmtree(const char *path, int keep_top)
{
	DIR	      *d = opendir(path);
	struct dirent *de;
	char	       sub[PATH_MAX];

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			fuzz_path(sub, sizeof(sub), path, de->d_name);
			if (de->d_type == DT_DIR)
				fuzz_rmtree(sub, 0);
			else
				unlink(sub);
		}
		closedir(d);
	}
	if (!keep_top)
		rmdir(path);
}

/*
 * Split data at the first occurrence of sep: *len1 bytes before it, the
 * rest after it in *rest / *len2. Without sep, everything is the first
 * part and *rest is NULL.
 */
static inline void
fuzz_split(const uint8_t *data, size_t size, const char *sep, size_t *len1,
    const uint8_t **rest, size_t *len2)
{
	size_t		     n = strlen(sep);
	const unsigned char *p = size >= n ? memmem(data, size, sep, n) : NULL;

	if (p == NULL) {
		*len1 = size;
		*rest = NULL;
		*len2 = 0;
		return;
	}
	*len1 = (size_t)(p - data);
	*rest = p + n;
	*len2 = size - *len1 - n;
}

/* A NUL-terminated copy of the input (caller frees). */
static inline char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
