/*
 * state: names of the series states and the one-record state rule.
 */
#include <string.h>

#include "state.h"

static const char *const state_names[STATE__N] = {"unknown", "up", "down"};

const char *
state_name(enum state s)
{
	return (unsigned)s < STATE__N ? state_names[s] : "?";
}

int
state_from_name(const char *s)
{
	for (int i = 0; i < STATE__N; i++)
		if (strcmp(state_names[i], s) == 0)
			return i;
	return -1;
}

enum state
state_of_record(enum outcome o, uint32_t warnings)
{
	if (warnings & WARN_BIT(WARN_PROBE_OFFLINE))
		return STATE_UNKNOWN;
	return o == OUTCOME_OK ? STATE_UP : STATE_DOWN;
}
