/*
 * tmpdir: a unit test program's scratch folder (see tmpdir.h).
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tmpdir.h"

char tmpdir[TMPDIR_MAX];

int
tmpdir_setup(void **state)
{
	int n;

	(void)state;
	n = snprintf(tmpdir, sizeof(tmpdir), "/tmp/v6w-%.40s.XXXXXX",
	    program_invocation_short_name);
	if (n < 0 || (size_t)n >= sizeof(tmpdir) || mkdtemp(tmpdir) == NULL) {
		fprintf(stderr, "mkdtemp %s: %s\n", tmpdir, strerror(errno));
		return -1;
	}
	return 0;
}

static int
tmpdir_remove_cb(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) == -1 ? -1 : 0;
}

int
tmpdir_remove(const char *dir)
{
	if (nftw(dir, tmpdir_remove_cb, 16, FTW_DEPTH | FTW_PHYS) == -1) {
		if (errno == ENOENT && access(dir, F_OK) == -1)
			return 0;
		return -1;
	}
	return 0;
}

int
tmpdir_teardown(void **state)
{
	(void)state;
	if (tmpdir[0] == '\0' || tmpdir_remove(tmpdir) == -1) {
		fprintf(stderr, "remove %s: %s\n", tmpdir, strerror(errno));
		return -1;
	}
	return 0;
}
