/*
 * fuzz_collector_conf: libFuzzer target for collector.conf: cfg_open()'s
 * bounded read and @include scan, libconfig, and collector_conf_load()'s
 * field tables, probes with their tokens, alert thresholds and webhooks
 * (see fuzz_conf.h for how one input makes the files). A load either
 * returns the settings or records errors that name their file, never
 * both, never a secret; what loads has probes, each with its token, named
 * once (an empty list is allowed: a collector set up before its probes),
 * and thresholds in descending order.
 *
 * FUZZ_SOURCES: collector/conf.c collector/maint.c collector/targets.c common/json.c common/result.c common/cfg.c common/priv.c common/table.c common/util.c common/log.c
 * FUZZ_LIBS: libconfig libcjson libcrypto libcurl libidn2
 * FUZZ_LDLIBS: -lcsv
 * FUZZ_FLAGS: -close_fd_mask=2
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/conf.h"
#include "fuzz_conf.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_conf_init("collector-conf");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	      *path = fuzz_conf_write(data, size);
	struct cfg	       c;
	struct collector_conf *cc = collector_conf_load(path, NULL, &c);

	fuzz_conf_check(&c, cc != NULL);
	if (cc != NULL) {
		if (cc->name == NULL || cc->nprobes > COLLECTOR_PROBES_MAX ||
		    cc->nwebhooks > COLLECTOR_WEBHOOKS_MAX ||
		    cc->ncert_thresholds > COLLECTOR_THRESHOLDS_MAX)
			abort();
		for (size_t i = 0; i < cc->nprobes; i++) {
			if (cc->probes[i].name == NULL ||
			    cc->probes[i].token[0] == '\0')
				abort();
			for (size_t j = 0; j < i; j++)
				if (strcmp(cc->probes[i].name,
					cc->probes[j].name) == 0)
					abort();
		}
		for (int i = 1; i < cc->ncert_thresholds; i++)
			if (cc->cert_thresholds[i] >=
			    cc->cert_thresholds[i - 1])
				abort();
	}
	collector_conf_free(cc);
	cfg_close(&c);
	return 0;
}
