/*
 * state: the per-probe run counter and the quorum rule (see state.h).
 */
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "util.h"

static const char *const state_names[STATE__N] = {"unknown", "up", "down"};
static const char *const input_names[STATE_IN__N] = {"none", "good", "bad"};

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

const char *
state_input_name(enum state_input in)
{
	return (unsigned)in < STATE_IN__N ? input_names[in] : "?";
}

int
state_input_from_name(const char *s)
{
	for (int i = 0; i < STATE_IN__N; i++)
		if (strcmp(input_names[i], s) == 0)
			return i;
	return -1;
}

void
state_conf_init(struct state_conf *c, int down_after, int up_after, int quorum,
    int step_s)
{
	c->down_after = down_after > 0 ? down_after : 1;
	c->up_after = up_after > 0 ? up_after : 1;
	c->quorum = quorum > 0 ? quorum : 1;
	c->silent_s = (double)STATE_SILENT_STEPS *
	    (step_s > 0 ? step_s : STATE_STEP_DEFAULT);
}

enum state_input
state_input_of(enum outcome o, uint32_t warnings)
{
	if (warnings & WARN_BIT(WARN_PROBE_OFFLINE))
		return STATE_IN_NONE;
	return o == OUTCOME_OK ? STATE_IN_GOOD : STATE_IN_BAD;
}

enum state_input
state_input_ready(int ready, uint32_t warnings)
{
	if ((warnings & WARN_BIT(WARN_PROBE_OFFLINE)) || ready < 0)
		return STATE_IN_NONE;
	return ready ? STATE_IN_GOOD : STATE_IN_BAD;
}

int
state_probe_note(struct state_probe *p, const struct state_conf *c,
    enum state_input in, double ts)
{
	enum state next = p->state;

	if (p->last_ts != 0 && ts <= p->last_ts)
		return -1;
	p->last_ts = ts;
	if (in == p->in && p->run > 0) {
		if (p->run < UINT32_MAX)
			p->run++;
	} else {
		p->in = in;
		p->run = 1;
		p->run_since = ts;
	}
	switch (in) {
	case STATE_IN_NONE:
		next = STATE_UNKNOWN;
		break;
	case STATE_IN_GOOD:
		if (p->run >= (uint32_t)c->up_after)
			next = STATE_UP;
		break;
	case STATE_IN_BAD:
		if (p->run >= (uint32_t)c->down_after)
			next = STATE_DOWN;
		break;
	case STATE_IN__N:
		break;
	}
	if (next == p->state && p->since != 0)
		return 0;
	p->since = next == STATE_UNKNOWN ? ts : p->run_since;
	if (next == p->state)
		return 0;
	p->state = next;
	return 1;
}

enum state
state_probe_view(const struct state_probe *p, const struct state_conf *c,
    double now)
{
	if (p->last_ts == 0 || now - p->last_ts > c->silent_s)
		return STATE_UNKNOWN;
	return p->state;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum state
state_eval(const struct state_conf *c, const struct state_probe *const *v,
    size_t n, enum state cur, double cur_since, double now, double *since)
{
	double	   stack[64], *downs = stack, up_since = 0, t;
	size_t	   ndown = 0, nup = 0;
	enum state next;

	if (n > NELEM(stack))
		downs = xcalloc(n, sizeof(*downs));
	for (size_t i = 0; i < n; i++) {
		if (v[i] == NULL)
			continue;
		switch (state_probe_view(v[i], c, now)) {
		case STATE_DOWN:
			downs[ndown++] = v[i]->since;
			break;
		case STATE_UP:
			if (nup++ == 0 || v[i]->since < up_since)
				up_since = v[i]->since;
			break;
		default:
			break;
		}
	}
	if (ndown >= (size_t)c->quorum)
		next = STATE_DOWN;
	else if (nup > 0)
		next = STATE_UP;
	else if (cur == STATE_DOWN && ndown > 0)
		next = STATE_DOWN;
	else
		next = STATE_UNKNOWN;

	if (next == cur) {
		t = cur_since;
	} else if (next == STATE_DOWN) {
		qsort(downs, ndown, sizeof(*downs), dbl_cmp);
		t = downs[c->quorum - 1];
	} else if (next == STATE_UP)
		t = up_since;
	else
		t = now;
	if (next != cur && t < cur_since)
		t = cur_since;
	if (t > now)
		t = now;
	*since = t;
	if (downs != stack)
		free(downs);
	return next;
}
