/*
 * test_state: the state machine with time passed in -- one probe's runs
 * (down_after, up_after, hysteresis, probe_offline, replays, silence) and
 * the quorum rule over several probes (since, hysteresis, unknown).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collector/state.h"

#define T0 1764480000.0

static struct state_conf sc;

static int
setup(void **state)
{
	(void)state;
	state_conf_init(&sc, 3, 2, 2, 60); /* silent after 180 s */
	return 0;
}

/* Feed inputs "GBN" (good, bad, none) 60 s apart from t; last ts out. */
static double
feed(struct state_probe *p, const char *in, double t)
{
	for (; *in != '\0'; in++, t += 60)
		state_probe_note(p, &sc,
		    *in == 'G' ? STATE_IN_GOOD :
				 (*in == 'B' ? STATE_IN_BAD : STATE_IN_NONE),
		    t);
	return t - 60;
}

static void
test_inputs(void **state)
{
	(void)state;
	assert_int_equal(state_input_of(OUTCOME_OK, 0), STATE_IN_GOOD);
	assert_int_equal(state_input_of(OUTCOME_TIMEOUT, WARN_BIT(WARN_SLOW)),
	    STATE_IN_BAD);
	assert_int_equal(state_input_of(OUTCOME_TIMEOUT,
			     WARN_BIT(WARN_PROBE_OFFLINE)),
	    STATE_IN_NONE);
	assert_int_equal(state_input_of(OUTCOME_OK,
			     WARN_BIT(WARN_PROBE_OFFLINE)),
	    STATE_IN_NONE);
	assert_int_equal(state_input_ready(1, 0), STATE_IN_GOOD);
	assert_int_equal(state_input_ready(0, 0), STATE_IN_BAD);
	assert_int_equal(state_input_ready(-1, 0), STATE_IN_NONE);
	assert_int_equal(state_input_ready(0, WARN_BIT(WARN_PROBE_OFFLINE)),
	    STATE_IN_NONE);
	assert_string_equal(state_name(STATE_DOWN), "down");
	assert_int_equal(state_from_name("up"), STATE_UP);
	assert_int_equal(state_from_name("sideways"), -1);
	assert_int_equal(state_input_from_name("bad"), STATE_IN_BAD);
	assert_int_equal(state_input_from_name(""), -1);
	assert_true(sc.silent_s == 180);
}

static void
test_probe_runs(void **state)
{
	struct state_probe p;
	double		   t;

	(void)state;
	memset(&p, 0, sizeof(p));
	/* Two bad checks are not enough; unknown until a run is long. */
	t = feed(&p, "BB", T0);
	assert_int_equal(p.state, STATE_UNKNOWN);
	assert_true(p.since == T0);
	/* The third makes it down, since the first of the run. */
	assert_int_equal(state_probe_note(&p, &sc, STATE_IN_BAD, t + 60), 1);
	assert_int_equal(p.state, STATE_DOWN);
	assert_true(p.since == T0);
	assert_int_equal(p.run, 3);
	/* One good check does not bring it up; a bad one in between starts
	 * the count again. */
	t = feed(&p, "GBG", t + 120);
	assert_int_equal(p.state, STATE_DOWN);
	assert_int_equal(state_probe_note(&p, &sc, STATE_IN_GOOD, t + 60), 1);
	assert_int_equal(p.state, STATE_UP);
	assert_true(p.since == t);
	t += 60;
	/* Replays and older records change nothing. */
	assert_int_equal(state_probe_note(&p, &sc, STATE_IN_BAD, t), -1);
	assert_int_equal(state_probe_note(&p, &sc, STATE_IN_BAD, t - 600), -1);
	assert_int_equal(p.run, 2);
	/* Up stays up through two failures. */
	t = feed(&p, "BB", t + 60);
	assert_int_equal(p.state, STATE_UP);
	/* probe_offline: unknown at once, and the runs start over. */
	assert_int_equal(state_probe_note(&p, &sc, STATE_IN_NONE, t + 60), 1);
	assert_int_equal(p.state, STATE_UNKNOWN);
	assert_true(p.since == t + 60);
	t = feed(&p, "BB", t + 120);
	assert_int_equal(p.state, STATE_UNKNOWN);
	t = feed(&p, "B", t + 60);
	assert_int_equal(p.state, STATE_DOWN);

	/* Silence: the view is unknown after 3 steps, the state stays. */
	assert_int_equal(state_probe_view(&p, &sc, t + 180), STATE_DOWN);
	assert_int_equal(state_probe_view(&p, &sc, t + 181), STATE_UNKNOWN);
	assert_int_equal(p.state, STATE_DOWN);
	memset(&p, 0, sizeof(p));
	assert_int_equal(state_probe_view(&p, &sc, T0), STATE_UNKNOWN);

	/* down_after = up_after = 1: every record decides. */
	{
		struct state_conf one;

		state_conf_init(&one, 1, 1, 1, 60);
		assert_int_equal(state_probe_note(&p, &one, STATE_IN_BAD, T0),
		    1);
		assert_int_equal(p.state, STATE_DOWN);
		assert_int_equal(state_probe_note(&p, &one, STATE_IN_GOOD,
				     T0 + 1),
		    1);
		assert_int_equal(p.state, STATE_UP);
	}
}

/* A probe whose view is st since since, last heard at last. */
static struct state_probe
view(enum state st, double since, double last)
{
	struct state_probe p;

	memset(&p, 0, sizeof(p));
	p.state = st;
	p.since = since;
	p.last_ts = last;
	p.run = 3;
	return p;
}

static void
test_quorum(void **state)
{
	struct state_probe	  a, b, c;
	const struct state_probe *v[4];
	double			  now = T0 + 1000, since;

	(void)state;
	/* quorum 2: one probe down, one up => up. */
	a = view(STATE_DOWN, T0 + 100, now);
	b = view(STATE_UP, T0 + 10, now);
	v[0] = &a;
	v[1] = &b;
	v[2] = NULL;
	assert_int_equal(state_eval(&sc, v, 3, STATE_UNKNOWN, 0, now, &since),
	    STATE_UP);
	assert_true(since == T0 + 10);
	/* Both down => down, since the later of the two runs. */
	b = view(STATE_DOWN, T0 + 200, now);
	assert_int_equal(state_eval(&sc, v, 2, STATE_UP, T0 + 10, now, &since),
	    STATE_DOWN);
	assert_true(since == T0 + 200);
	/* No change: since stays. */
	assert_int_equal(state_eval(&sc, v, 2, STATE_DOWN, T0 + 200, now,
			     &since),
	    STATE_DOWN);
	assert_true(since == T0 + 200);
	/* One falls silent: the other still sees it down => stays down. */
	b.last_ts = now - 500;
	assert_int_equal(state_eval(&sc, v, 2, STATE_DOWN, T0 + 200, now,
			     &since),
	    STATE_DOWN);
	/* ... but that one alone never makes it down. */
	assert_int_equal(state_eval(&sc, v, 2, STATE_UP, T0, now, &since),
	    STATE_UNKNOWN);
	assert_true(since == now);
	/* Both silent: unknown, never down. */
	a.last_ts = now - 500;
	assert_int_equal(state_eval(&sc, v, 2, STATE_DOWN, T0 + 200, now,
			     &since),
	    STATE_UNKNOWN);
	/* Offline probes (unknown views) do not count. */
	a = view(STATE_UNKNOWN, T0, now);
	b = view(STATE_UNKNOWN, T0, now);
	assert_int_equal(state_eval(&sc, v, 2, STATE_UNKNOWN, T0, now, &since),
	    STATE_UNKNOWN);
	assert_true(since == T0);
	/* A recovery: one up is enough once fewer than quorum see it down;
	 * since is never before the state it replaces. */
	a = view(STATE_UP, T0 + 50, now);
	b = view(STATE_DOWN, T0 + 20, now);
	c = view(STATE_UP, T0 + 900, now);
	v[2] = &c;
	assert_int_equal(state_eval(&sc, v, 3, STATE_DOWN, T0 + 100, now,
			     &since),
	    STATE_UP);
	assert_true(since == T0 + 100);
	/* quorum 1: one probe down is down, even when others see it up. */
	{
		struct state_conf q1 = sc;

		q1.quorum = 1;
		assert_int_equal(state_eval(&q1, v, 3, STATE_UP, T0, now,
				     &since),
		    STATE_DOWN);
		assert_true(since == T0 + 20);
	}
	/* Many probes (beyond the stack scratch). */
	{
		struct state_probe	  many[100];
		const struct state_probe *mv[100];

		for (int i = 0; i < 100; i++) {
			many[i] = view(i % 2 ? STATE_DOWN : STATE_UP,
			    T0 + 100 - i, now);
			mv[i] = &many[i];
		}
		assert_int_equal(state_eval(&sc, mv, 100, STATE_UP, T0, now,
				     &since),
		    STATE_DOWN);
		/* runs began at T0+1, T0+3, ..., T0+99: the 2nd earliest. */
		assert_true(since == T0 + 3);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inputs),
	    cmocka_unit_test(test_probe_runs),
	    cmocka_unit_test(test_quorum),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
