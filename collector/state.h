/*
 * state: up / down / unknown of one (target, family, probe) series. Until
 * the alerts module (down_after, up_after, quorum) exists, the state is
 * derived from the last record alone by state_of_record().
 */
#ifndef V6W_STATE_H
#define V6W_STATE_H

#include <stdint.h>

#include "result.h"

enum state { STATE_UNKNOWN, STATE_UP, STATE_DOWN, STATE__N };

const char *state_name(enum state);
/* -1 when unknown. */
int state_from_name(const char *);

/*
 * ok => up, any other outcome => down; a record with the probe_offline
 * warning says nothing about the target => unknown.
 */
enum state state_of_record(enum outcome, uint32_t warnings);

#endif
