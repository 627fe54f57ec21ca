/*
 * fuzz_probe_conf: libFuzzer target for probe.conf: cfg_open()'s bounded
 * read and @include scan, libconfig, and probe_conf_load()'s field tables,
 * targets and targets_file (see fuzz_conf.h for how one input makes the
 * files). A load either returns the settings or records errors that name
 * their file, never both, never a secret; what loads has every target
 * named, with a URL, once.
 *
 * FUZZ_SOURCES: probe/conf.c common/cfg.c common/priv.c common/util.c common/log.c common/result.c common/json.c
 * FUZZ_LIBS: libconfig libcrypto libcjson
 * FUZZ_FLAGS: -close_fd_mask=2
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_conf.h"
#include "probe/conf.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_conf_init("probe-conf");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	  *path = fuzz_conf_write(data, size);
	struct cfg	   c;
	struct probe_conf *pc = probe_conf_load(path, &c);

	fuzz_conf_check(&c, pc != NULL);
	if (pc != NULL) {
		if (pc->name == NULL || pc->collector_url == NULL ||
		    pc->token_file == NULL ||
		    pc->ntargets > PROBE_TARGETS_MAX ||
		    pc->nloaded != pc->ntargets)
			abort();
		for (size_t i = 0; i < pc->ntargets; i++) {
			if (pc->targets[i].name == NULL ||
			    pc->targets[i].url == NULL)
				abort();
			for (size_t j = 0; j < i; j++)
				if (strcmp(pc->targets[i].name,
					pc->targets[j].name) == 0)
					abort();
		}
	}
	probe_conf_free(pc);
	cfg_close(&c);
	return 0;
}
