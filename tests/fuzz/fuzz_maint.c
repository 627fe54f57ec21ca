/*
 * fuzz_maint: libFuzzer target for maint_load(), the collector reading
 * back DATA_DIR/maintenance.json (a file the daemon's user can write):
 * the input is the file. A file that does not decode is refused whole,
 * with errno EBADMSG and a message naming the file. One that loads holds
 * windows within the bounds maint.h states, and survives the
 * collector's own save: saved, it loads again, and from then on saving
 * and loading change nothing. The input, cut at its first NUL, also goes
 * through maint_parse_time() and maint_parse_duration() (collector.conf's
 * and the command's times).
 *
 * FUZZ_SOURCES: collector/maint.c common/result.c common/json.c common/util.c common/log.c
 * FUZZ_LIBS: libcjson libcrypto
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/maint.h"
#include "fuzz.h"
#include "util.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char path[PATH_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_path(path, sizeof(path), fuzz_dir("maint"), "maintenance.json");
	return 0;
}

/* Load the file; -1 (and abort if must) when it does not load. */
static int
load(struct maint_set *ms, int must)
{
	char err[512];

	err[0] = '\0';
	errno = 0;
	if (maint_load(ms, path, err, sizeof(err)) == 0)
		return 0;
	if (must) {
		fprintf(stderr, "a saved file does not load: %s\n", err);
		abort();
	}
	if (errno != EBADMSG || strstr(err, path) == NULL) {
		fprintf(stderr, "refused (errno %d) with: %s\n", errno, err);
		abort();
	}
	return -1;
}

/* Save ms over the file; the file's text (caller frees). */
static char *
save(const struct maint_set *ms)
{
	char   err[512], *text;
	size_t len;

	if (maint_save(ms, path, err, sizeof(err)) == -1 ||
	    file_read(path, MAINT_FILE_MAX, &text, &len) == -1) {
		fprintf(stderr, "save: %s\n", err);
		abort();
	}
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct maint_set ms = {0};
	char		*s, *t1, *t2, *t3;
	double		 t;

	s = xcalloc(1, size + 1);
	memcpy(s, data, size);
	if (maint_parse_time(s, &t) == 0 && !isfinite(t))
		abort();
	if (maint_parse_duration(s, &t) == 0 && (!isfinite(t) || t < 0))
		abort();
	free(s);

	fuzz_write(path, data, size, 0600);
	if (load(&ms, 0) == -1) {
		maint_set_free(&ms);
		return 0;
	}
	if (ms.n > MAINT_MAX)
		abort();
	for (size_t i = 0; i < ms.n; i++) {
		const struct maint_window *w = &ms.v[i];

		if (!(w->from < w->to) || !isfinite(w->from) ||
		    !isfinite(w->to) || w->targets.n + w->groups.n == 0 ||
		    w->targets.n > MAINT_NAMES_MAX ||
		    w->groups.n > MAINT_NAMES_MAX ||
		    (w->reason != NULL && strlen(w->reason) > MAINT_REASON_MAX))
			abort();
	}
	t1 = save(&ms);
	maint_set_free(&ms);
	load(&ms, 1);
	t2 = save(&ms);
	maint_set_free(&ms);
	load(&ms, 1);
	t3 = save(&ms);
	maint_set_free(&ms);
	if (strcmp(t2, t3) != 0) {
		fprintf(stderr, "saving is not stable:\n%s\n%s\n%s\n", t1, t2,
		    t3);
		abort();
	}
	free(t1);
	free(t2);
	free(t3);
	return 0;
}
