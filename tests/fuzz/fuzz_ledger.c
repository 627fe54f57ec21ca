/*
 * fuzz_ledger: libFuzzer target for ledger_load(), the collector reading
 * back a probe's ledger (DATA_DIR/state/p1.json) after a restart: the
 * input is the file. A file that does not decode is refused whole, with
 * errno EBADMSG and a message naming the file. One that loads must hold
 * counts that add up, and must survive the collector's own save: saved,
 * it loads again, and from then on saving and loading change nothing.
 *
 * FUZZ_SOURCES: collector/ledger.c collector/state.c common/table.c common/json.c common/result.c common/util.c common/log.c
 * FUZZ_LIBS: libcjson libcrypto
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/ledger.h"
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
	fuzz_path(path, sizeof(path), fuzz_dir("ledger"), "p1.json");
	return 0;
}

/* Load the file into a new ledger; NULL (and abort if must) when it does
 * not load. */
static struct ledger *
load(int must)
{
	struct ledger *lg = ledger_new("p1", path);
	char	       err[512];

	err[0] = '\0';
	errno = 0;
	if (ledger_load(lg, err, sizeof(err)) == 0)
		return lg;
	if (must) {
		fprintf(stderr, "a saved ledger does not load: %s\n", err);
		abort();
	}
	if (errno != EBADMSG || strncmp(err, path, strlen(path)) != 0) {
		fprintf(stderr, "refused (errno %d) with: %s\n", errno, err);
		abort();
	}
	ledger_free(lg);
	return NULL;
}

/* Save lg over the file; the file's text (caller frees). */
static char *
save(struct ledger *lg)
{
	char   err[512], *text;
	size_t len;

	if (ledger_save(lg, err, sizeof(err)) == -1 ||
	    file_read(path, LEDGER_FILE_MAX, &text, &len) == -1) {
		fprintf(stderr, "save: %s\n", err);
		abort();
	}
	return text;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ledger *lg;
	char	      *t1, *t2, *t3;

	fuzz_write(path, data, size, 0600);
	if ((lg = load(0)) == NULL)
		return 0;
	if (lg->base_seq > lg->last_seq ||
	    lg->stored + lg->rejected + lg->missing !=
		lg->last_seq - lg->base_seq ||
	    (lg->base_pending && lg->last_seq != 0) ||
	    lg->nseries > LEDGER_SERIES_MAX)
		abort();

	t1 = save(lg);
	ledger_free(lg);
	lg = load(1);
	t2 = save(lg);
	ledger_free(lg);
	lg = load(1);
	t3 = save(lg);
	ledger_free(lg);
	/* t1 and t2 may differ in form only: a time of more than three
	 * decimals is written "2.000", read back as 2, then written "2" */
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
