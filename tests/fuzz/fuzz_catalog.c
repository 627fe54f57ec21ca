/*
 * fuzz_catalog: libFuzzer target for catalog_load(), the collector
 * reading back DATA_DIR/state/targets.json (its central list as last
 * applied and the retired ids; a file the daemon's user can write): the
 * input is the file. A file that does not decode is refused whole, with
 * errno EBADMSG and a message naming the file. One that loads holds
 * entries within the bounds catalog.h and targets.h state, answers for
 * each retired id, and survives the collector's own save: saved, it
 * loads again, and from then on saving and loading change nothing. Its
 * list, as targets_load()'s previous list (catalog_prev()), indexes.
 *
 * FUZZ_SOURCES: collector/catalog.c collector/targets.c common/json.c common/cfg.c common/priv.c common/table.c common/util.c common/log.c
 * FUZZ_LIBS: libconfig libcjson libcrypto libcurl libidn2
 * FUZZ_LDLIBS: -lcsv
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/catalog.h"
#include "collector/targets.h"
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
	fuzz_path(path, sizeof(path), fuzz_dir("catalog"), "targets.json");
	return 0;
}

/* Load the file; -1 (and abort if must) when it does not load. */
static int
load(struct catalog *cat, int must)
{
	char err[512];

	err[0] = '\0';
	errno = 0;
	if (catalog_load(cat, path, err, sizeof(err)) == 0)
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

/* Save cat over the file; the file's text (caller frees). */
static char *
save(const struct catalog *cat)
{
	char   err[512], *text;
	size_t len;

	if (catalog_save(cat, err, sizeof(err)) == -1 ||
	    file_read(path, CATALOG_FILE_MAX, &text, &len) == -1) {
		fprintf(stderr, "save: %s\n", err);
		abort();
	}
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalog	    cat = {0};
	struct target_list *prev;
	char		   *t1, *t2, *t3;

	fuzz_write(path, data, size, 0600);
	if (load(&cat, 0) == -1) {
		catalog_free(&cat);
		return 0;
	}
	for (size_t i = 0; i < cat.nlist; i++)
		if (strlen(cat.list[i].id) > TARGET_ID_MAX ||
		    strlen(cat.list[i].title) > TARGET_TITLE_MAX)
			abort();
	for (size_t i = 0; i < cat.nretired; i++)
		if (catalog_retired(&cat, cat.retired[i].id) == NULL ||
		    strlen(cat.retired[i].reason) > CATALOG_REASON_MAX)
			abort();
	prev = catalog_prev(&cat);
	if (prev != NULL && prev->n != cat.nlist)
		abort();
	targets_free(prev);
	t1 = save(&cat);
	catalog_free(&cat);
	load(&cat, 1);
	t2 = save(&cat);
	catalog_free(&cat);
	load(&cat, 1);
	t3 = save(&cat);
	catalog_free(&cat);
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
