/*
 * fuzz_result: libFuzzer target for the result record decoder, the one
 * wire contract: the input is one record's JSON text, parsed with
 * json_parse_strict() and decoded with result_from_json(). A refusal must
 * say why; a record that decodes must encode (result_to_json()) into a
 * text that decodes again into the same record: what the probe sends of
 * a record the collector accepts, the collector accepts.
 *
 * FUZZ_SOURCES: common/json.c common/result.c common/util.c common/log.c
 * FUZZ_LIBS: libcjson libcrypto
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct result r1, r2;

/* The record as the probe would send it (caller frees). */
static char *
encode(const struct result *r)
{
	cJSON *o = result_to_json(r);
	char  *s = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	if (s == NULL)
		abort();
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char   err[512];
	cJSON *root, *again;
	char  *t1, *t2;

	err[0] = '\0';
	root = json_parse_strict((const char *)data, size, err, sizeof(err));
	if (root == NULL) {
		if (err[0] == '\0')
			abort(); /* a refusal says why */
		return 0;
	}
	err[0] = '\0';
	if (result_from_json(root, &r1, err, sizeof(err)) == -1) {
		cJSON_Delete(root);
		if (err[0] == '\0')
			abort();
		return 0;
	}
	cJSON_Delete(root);

	/* encode, decode: accepted again, and encoded the same */
	t1 = encode(&r1);
	again = json_parse_strict(t1, strlen(t1), err, sizeof(err));
	if (again == NULL || result_from_json(again, &r2, err, sizeof(err))) {
		fprintf(stderr, "re-encoded record refused: %s\n%s\n", err, t1);
		abort();
	}
	cJSON_Delete(again);
	t2 = encode(&r2);
	if (strcmp(t1, t2) != 0) {
		fprintf(stderr, "encoding not stable:\n%s\n%s\n", t1, t2);
		abort();
	}
	if (r1.kind != r2.kind || r1.seq != r2.seq || r1.ts != r2.ts ||
	    strcmp(r1.probe, r2.probe) != 0 ||
	    strcmp(r1.target, r2.target) != 0 || r1.family != r2.family ||
	    r1.outcome != r2.outcome || r1.warnings != r2.warnings ||
	    r1.naddrs != r2.naddrs)
		abort();
	cJSON_free(t1);
	cJSON_free(t2);
	return 0;
}
