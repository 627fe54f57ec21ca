/*
 * fuzz_ingest: libFuzzer target for a POST /api/v1/results body from an
 * authenticated probe, "p1": the input is the body, handed to
 * ingest_post() with the real store (librrd, no rrdcached) and a new
 * ledger, twice, at the same wall time.
 *
 * Checked on every input: the answer is JSON and its status 200, 400 or
 * 403 (503 says storage failed, and the store here works: a 503 would
 * make the probe send the same batch again forever); the ledger's counts
 * add up (stored + rejected + missing == last_seq - base_seq); the
 * second post stores nothing (a batch is idempotent on its seqs); and the
 * ledger file ingest saved loads again with the same counts.
 *
 * Every run starts from nothing: no ledger file, no RRD file. The files
 * are real, on tmpfs, removed after each run; the store's step is one day
 * so that an RRD file is a few KB instead of 1.7 MB, which keeps creating
 * one (once per new series in a run) in the tens of microseconds.
 *
 * FUZZ_SOURCES: collector/ingest.c collector/ledger.c collector/store.c collector/state.c common/table.c common/json.c common/result.c common/util.c common/log.c
 * FUZZ_LIBS: libcjson librrd libcrypto
 * FUZZ_FLAGS: -close_fd_mask=2
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector/ingest.h"
#include "collector/ledger.h"
#include "collector/store.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* 2025-11-30 05:20 UTC, as in test_ingest */
#define NOW (1764480000.0 + 1e6)

static const char   *dir;
static char	     state_dir[PATH_MAX], rrd_dir[PATH_MAX], path[PATH_MAX];
static struct store *st;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dir = fuzz_dir("ingest");
	fuzz_path(state_dir, sizeof(state_dir), dir, "state");
	fuzz_path(rrd_dir, sizeof(rrd_dir), dir, "rrd");
	fuzz_path(path, sizeof(path), state_dir, "p1.json");
	if (mkdir(state_dir, 0750) == -1)
		abort();
	st = store_new(dir, 86400, NULL);
	return 0;
}

/* Post body; the status, with the answer checked and dropped. */
static int
post(struct ledger *lg, const uint8_t *data, size_t size, size_t *accepted)
{
	char *text = NULL;
	int status = ingest_post(st, lg, (const char *)data, size, NOW, &text);
	cJSON	*ans;
	cJSON	*it;
	uint64_t span;

	if (text == NULL)
		abort();
	ans = cJSON_Parse(text);
	if (ans == NULL || !cJSON_IsObject(ans)) {
		fprintf(stderr, "answer is not a JSON object: %s\n", text);
		abort();
	}
	if (status != 200 && status != 400 && status != 403) {
		fprintf(stderr, "status %d: %s\n", status, text);
		abort();
	}
	*accepted = 0;
	if (status == 200) {
		it = cJSON_GetObjectItemCaseSensitive(ans, "accepted");
		if (!cJSON_IsNumber(it) ||
		    !cJSON_IsArray(
			cJSON_GetObjectItemCaseSensitive(ans, "rejected")))
			abort();
		*accepted = (size_t)it->valuedouble;
	} else if (!cJSON_IsString(
		       cJSON_GetObjectItemCaseSensitive(ans, "error")))
		abort();
	cJSON_Delete(ans);
	cJSON_free(text);
	/* the seq accounting */
	if (lg->base_seq > lg->last_seq)
		abort();
	span = lg->last_seq - lg->base_seq;
	if (lg->stored + lg->rejected + lg->missing != span) {
		fprintf(stderr,
		    "stored %llu + rejected %llu + missing %llu != last_seq "
		    "%llu - base_seq %llu\n",
		    (unsigned long long)lg->stored,
		    (unsigned long long)lg->rejected,
		    (unsigned long long)lg->missing,
		    (unsigned long long)lg->last_seq,
		    (unsigned long long)lg->base_seq);
		abort();
	}
	return status;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ledger *lg = ledger_new("p1", path), *lg2;
	char	       err[512];
	size_t	       accepted;
	int	       status;

	status = post(lg, data, size, &accepted);
	if (status == 200) {
		post(lg, data, size, &accepted);
		if (accepted != 0) {
			fprintf(stderr,
			    "the same batch stored %zu records "
			    "again\n",
			    accepted);
			abort();
		}
		/* what ingest saved, the collector reads after a restart */
		lg2 = ledger_new("p1", path);
		if (ledger_load(lg2, err, sizeof(err)) == -1) {
			fprintf(stderr, "saved ledger does not load: %s\n",
			    err);
			abort();
		}
		if (lg2->last_seq != lg->last_seq ||
		    lg2->stored != lg->stored ||
		    lg2->rejected != lg->rejected ||
		    lg2->missing != lg->missing ||
		    lg2->base_seq != lg->base_seq ||
		    lg2->base_pending != lg->base_pending ||
		    lg2->resets != lg->resets ||
		    strcmp(lg2->spool, lg->spool) != 0)
			abort();
		ledger_free(lg2);
	}
	ledger_free(lg);
	unlink(path);
	fuzz_rmtree(rrd_dir, 0);
	return 0;
}
