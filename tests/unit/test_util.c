/*
 * test_util: the atomic file writer, percent-encoding and the scratch
 * folder's removal, on real files.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir.h"
#include "util.h"

static void
path_of(char *out, size_t size, const char *name)
{
	assert_true((size_t)snprintf(out, size, "%s/%s", tmpdir, name) < size);
}

static void
test_replace(void **state)
{
	char	    p[PATH_MAX], tmp[PATH_MAX], victim[PATH_MAX], err[256];
	char	   *text;
	size_t	    len;
	struct stat sb;
	mode_t	    mask;

	(void)state;
	path_of(p, sizeof(p), "f.json");
	path_of(tmp, sizeof(tmp), ".f.json.tmp");
	assert_int_equal(file_replace(p, "one", 3, 0640, -1, FILE_DURABLE, err,
			     sizeof(err)),
	    0);
	assert_int_equal(file_replace(p, "second", 6, 0640, 1700000000, 0, err,
			     sizeof(err)),
	    0);
	assert_int_equal(file_read(p, 100, &text, &len), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(text, "second", 6);
	free(text);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mtime, 1700000000);
	mask = umask(0);
	umask(mask);
	assert_int_equal(sb.st_mode & 0777, 0640 & ~mask);
	assert_int_equal(lstat(tmp, &sb), -1);

	/* A link where the temporary goes is not followed. */
	path_of(victim, sizeof(victim), "victim");
	assert_int_equal(file_write_atomic(victim, "keep", 4, 0600), 0);
	assert_int_equal(symlink(victim, tmp), 0);
	assert_int_equal(file_replace(p, "third", 5, 0640, -1, 0, err,
			     sizeof(err)),
	    -1);
	assert_int_equal(errno, ELOOP);
	assert_non_null(strstr(err, "create "));
	assert_non_null(strstr(err, "/.f.json.tmp: "));
	assert_int_equal(file_read(victim, 100, &text, &len), 0);
	assert_memory_equal(text, "keep", 4);
	free(text);
	/* The stale link is removed: the next write goes through. */
	assert_int_equal(lstat(tmp, &sb), -1);
	assert_int_equal(file_replace(p, "third", 5, 0640, -1, 0, err,
			     sizeof(err)),
	    0);

	/* No folder: the message names it. */
	assert_int_equal(file_replace("/nonexistent-v6w/x/f", "a", 1, 0640, -1,
			     FILE_DURABLE, err, sizeof(err)),
	    -1);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err,
	    "open folder /nonexistent-v6w/x: No such file or directory");
	assert_int_equal(file_write_atomic("/nonexistent-v6w/x/f", "a", 1,
			     0640),
	    -1);
}

static void
test_pct_encode(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(pct_encode("a b/.c", "/.", 0, out, sizeof(out)), 8);
	assert_string_equal(out, "a%20b/.c");
	assert_int_equal(pct_encode(".x.y", ".", PCT_ENCODE_NO_LEADING_DOT, out,
			     sizeof(out)),
	    6);
	assert_string_equal(out, "%2Ex.y");
	assert_int_equal(pct_encode("\xc3\xbc", "", 0, out, sizeof(out)), 6);
	assert_string_equal(out, "%C3%BC");
	assert_int_equal(pct_encode("", "", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* Exactly full, then one byte over. */
	assert_int_equal(pct_encode("abcdefghijklmno", "", 0, out, 16), 15);
	assert_int_equal(pct_encode("abcdefghijklmnop", "", 0, out, 16), -1);
	assert_int_equal(pct_encode("abcdefghijklm ", "", 0, out, 16), -1);
}

static void
test_tmpdir_remove(void **state)
{
	char	    d[PATH_MAX], p[PATH_MAX], outside[PATH_MAX];
	struct stat sb;

	(void)state;
	path_of(d, sizeof(d), "tree");
	path_of(outside, sizeof(outside), "outside");
	assert_int_equal(file_write_atomic(outside, "x", 1, 0600), 0);
	assert_int_equal(mkdir(d, 0755), 0);
	assert_true((size_t)snprintf(p, sizeof(p), "%s/a", d) < sizeof(p));
	assert_int_equal(mkdir(p, 0700), 0);
	assert_true((size_t)snprintf(p, sizeof(p), "%s/a/f", d) < sizeof(p));
	assert_int_equal(file_write_atomic(p, "x", 1, 0600), 0);
	assert_true((size_t)snprintf(p, sizeof(p), "%s/link", d) < sizeof(p));
	assert_int_equal(symlink(tmpdir, p), 0);
	assert_int_equal(tmpdir_remove(d), 0);
	assert_int_equal(lstat(d, &sb), -1);
	assert_int_equal(stat(outside, &sb), 0); /* the link's target stays */
	assert_int_equal(tmpdir_remove(d), 0);	 /* gone already: fine */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_replace),
	    cmocka_unit_test(test_pct_encode),
	    cmocka_unit_test(test_tmpdir_remove),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
