/*
 * tmpdir: the scratch folder of a unit test program, made before its
 * tests run and removed with all it holds after them (nftw, no shell).
 */
#ifndef V6W_TEST_TMPDIR_H
#define V6W_TEST_TMPDIR_H

/* The folder, once tmpdir_setup() has made it. */
#define TMPDIR_MAX 64
extern char tmpdir[TMPDIR_MAX];

/*
 * cmocka group fixtures: make /tmp/v6w-PROGRAM.XXXXXX into tmpdir;
 * remove it and everything below it. 0, or -1 (said on stderr).
 */
int tmpdir_setup(void **state);
int tmpdir_teardown(void **state);

/* Remove dir and everything below it, never following a link; a dir
 * that is not there is no error. 0, or -1 with errno. */
int tmpdir_remove(const char *dir);

#endif
