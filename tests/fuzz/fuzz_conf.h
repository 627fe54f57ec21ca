/*
 * fuzz_conf.h: the folder the config targets load from. The input is
 * split at the first line "--8<--": what comes before is main.conf, what
 * comes after is inc.conf (absent without the line), which main.conf may
 * @include or name as targets_file. Next to them, fixed: two secret files
 * of mode 0600 (good.token, other.token), one others can read
 * (open.token), and a folder (sub/).
 */
#ifndef V6W_FUZZ_CONF_H
#define V6W_FUZZ_CONF_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg.h"
#include "fuzz.h"

#define FUZZ_CONF_SEP "\n--8<--\n"
#define FUZZ_TOKEN    "S3cr3t-7f1c9a2e-token"
#define FUZZ_TOKEN2   "0th3r-a61b-token"

static const char *fuzz_conf_top;
static char	   fuzz_conf_main[PATH_MAX], fuzz_conf_inc[PATH_MAX];

static inline void
fuzz_conf_init(const char *name)
{
	char p[PATH_MAX];

	fuzz_conf_top = fuzz_dir(name);
	fuzz_path(fuzz_conf_main, sizeof(fuzz_conf_main), fuzz_conf_top,
	    "main.conf");
	fuzz_path(fuzz_conf_inc, sizeof(fuzz_conf_inc), fuzz_conf_top,
	    "inc.conf");
	fuzz_path(p, sizeof(p), fuzz_conf_top, "good.token");
	fuzz_write(p, FUZZ_TOKEN "\n", strlen(FUZZ_TOKEN) + 1, 0600);
	fuzz_path(p, sizeof(p), fuzz_conf_top, "other.token");
	fuzz_write(p, FUZZ_TOKEN2 "\nsecond line\n", strlen(FUZZ_TOKEN2) + 13,
	    0600);
	fuzz_path(p, sizeof(p), fuzz_conf_top, "open.token");
	fuzz_write(p, FUZZ_TOKEN "\n", strlen(FUZZ_TOKEN) + 1, 0644);
	fuzz_path(p, sizeof(p), fuzz_conf_top, "sub");
	if (mkdir(p, 0750) == -1)
		abort();
}

/* Write the input's files; returns the path of main.conf. */
static inline const char *
fuzz_conf_write(const uint8_t *data, size_t size)
{
	const uint8_t *rest;
	size_t	       len1, len2;

	fuzz_split(data, size, FUZZ_CONF_SEP, &len1, &rest, &len2);
	fuzz_write(fuzz_conf_main, data, len1, 0600);
	if (rest != NULL)
		fuzz_write(fuzz_conf_inc, rest, len2, 0600);
	else
		unlink(fuzz_conf_inc);
	return fuzz_conf_main;
}

/*
 * 1 when m holds s. Hand-written and left out of the coverage
 * instrumentation: libFuzzer learns the operands of strstr() and of
 * instrumented comparisons, and would write the secrets into the config
 * (where an error may well quote them) instead of making the loader leak
 * them.
 */
__attribute__((no_sanitize("coverage"))) static inline int
fuzz_conf_holds(const char *m, const char *s)
{
	size_t n = strlen(s);

	for (; *m != '\0'; m++) {
		size_t i = 0;

		while (i < n && m[i] == s[i])
			i++;
		if (i == n)
			return 1;
	}
	return 0;
}

/*
 * What every load must leave in c: the result iff no error; each message
 * starts with the file at fault and never holds a secret. (The file is an
 * absolute path here, but for a setting of an included file, which
 * libconfig names as the @include line wrote it.)
 */
static inline void
fuzz_conf_check(const struct cfg *c, int loaded)
{
	if (loaded != (c->nerrs == 0 && c->dropped == 0)) {
		fprintf(stderr, "loaded %d with %zu errors\n", loaded,
		    c->nerrs + c->dropped);
		abort();
	}
	if (c->nerrs > CFG_MAX_ERRORS)
		abort();
	for (size_t i = 0; i < c->nerrs + c->nwarns; i++) {
		const char *m =
		    i < c->nerrs ? c->errs[i] : c->warns[i - c->nerrs];

		if (m[0] == ':' || strstr(m, ": ") == NULL ||
		    fuzz_conf_holds(m, FUZZ_TOKEN) ||
		    fuzz_conf_holds(m, FUZZ_TOKEN2)) {
			fprintf(stderr, "bad message: %s\n", m);
			abort();
		}
	}
}

#endif
