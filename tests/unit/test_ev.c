/*
 * test_ev: the event loop. Timers fire in due order (FIFO on ties); arm,
 * re-arm and disarm work from inside callbacks; a watcher removed (and its
 * fd closed) by another watcher's callback in the same batch never fires;
 * signals arrive through the loop.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ev.h"

static int order[64];
static int norder;

static void
record_cb(struct ev_loop *loop, struct ev_timer *t)
{
	(void)loop;
	order[norder++] = (int)(intptr_t)t->arg;
}

static void
test_timer_order(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct ev_timer t[8];
	const int	delay[8] = {30, 10, 20, 10, 0, 50, 40, 10};
	const int	want[8] = {4, 1, 3, 7, 2, 0, 6, 5};

	(void)state;
	norder = 0;
	for (int i = 0; i < 8; i++) {
		ev_timer_init(&t[i], record_cb, (void *)(intptr_t)i);
		ev_timer_arm(loop, &t[i], (uint64_t)delay[i]);
	}
	assert_int_equal(ev_timer_count(loop), 8);
	while (norder < 8)
		assert_true(ev_run_once(loop, 100) >= 0);
	assert_memory_equal(order, want, sizeof(want));
	assert_int_equal(ev_timer_count(loop), 0);
	ev_loop_free(loop);
}

/* Callbacks that re-arm themselves, disarm others and arm new ones. */
struct juggle {
	struct ev_timer self, victim, late;
	int		self_runs, victim_runs, late_runs;
};

static void
victim_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct juggle *j = t->arg;

	(void)loop;
	j->victim_runs++;
}

static void
late_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct juggle *j = t->arg;

	j->late_runs++;
	ev_break(loop);
}

static void
self_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct juggle *j = t->arg;

	j->self_runs++;
	if (j->self_runs < 3) {
		ev_timer_arm(loop, &j->self, 0); /* re-arm itself */
		assert_true(ev_timer_armed(&j->self));
	} else {
		ev_timer_disarm(loop, &j->victim); /* disarm another */
		ev_timer_disarm(loop, &j->victim); /* twice is harmless */
		ev_timer_arm(loop, &j->late, 5);   /* arm a new one */
	}
}

static void
test_timer_rearm_in_callback(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct juggle	j;

	(void)state;
	memset(&j, 0, sizeof(j));
	ev_timer_init(&j.self, self_cb, &j);
	ev_timer_init(&j.victim, victim_cb, &j);
	ev_timer_init(&j.late, late_cb, &j);
	ev_timer_arm(loop, &j.self, 1);
	ev_timer_arm(loop, &j.victim, 30);
	/* a re-armed timer moves: arm victim again, later */
	ev_timer_arm(loop, &j.victim, 40);
	assert_int_equal(ev_timer_count(loop), 2);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(j.self_runs, 3);
	assert_int_equal(j.victim_runs, 0);
	assert_int_equal(j.late_runs, 1);
	assert_int_equal(ev_timer_count(loop), 0);
	ev_loop_free(loop);
}

/* A zero-delay timer that re-arms itself runs once per iteration. */
static void
spin_cb(struct ev_loop *loop, struct ev_timer *t)
{
	int *n = t->arg;

	(*n)++;
	ev_timer_arm(loop, t, 0);
}

static void
test_timer_no_starvation(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct ev_timer t;
	int		n = 0;

	(void)state;
	ev_timer_init(&t, spin_cb, &n);
	ev_timer_arm(loop, &t, 0);
	assert_int_equal(ev_run_once(loop, 0), 1);
	assert_int_equal(n, 1);
	assert_int_equal(ev_run_once(loop, 0), 1);
	assert_int_equal(n, 2);
	ev_timer_disarm(loop, &t);
	ev_loop_free(loop);
}

/*
 * Many timers armed, disarmed and re-armed at random, before the loop runs
 * and from inside its callbacks, fired by the real loop. A model says what
 * each timer should be: idle, due (in the past, so it fires at the next
 * pass, with no waiting) or far in the future. Every callback checks that
 * the loop fired a due timer the model has armed (a cancelled or re-armed
 * one never fires from its old arming), at the due time it was armed
 * with, and none armed with an earlier one: timers fire by due time. At
 * the end every due timer fired once, and only the future ones are left.
 */
enum { STRESS_N = 3000, STRESS_OPS = 20000, STRESS_CB_OPS = 8000 };
enum stress_state { STRESS_IDLE, STRESS_DUE, STRESS_FUTURE };

struct stress {
	struct ev_timer	  t[STRESS_N];
	enum stress_state state[STRESS_N];
	uint64_t	  due[STRESS_N];
	unsigned	  fired[STRESS_N];
	uint64_t	  base, future;
	unsigned	  seed;
	size_t		  nfired, cb_ops, bad_order, bad_fire;
};

static unsigned
stress_rand(struct stress *st)
{
	st->seed = st->seed * 1103515245 + 12345;
	return (st->seed >> 8) & 0xffffff;
}

/* One random operation on a random timer, in the loop and the model. */
static void
stress_op(struct ev_loop *loop, struct stress *st)
{
	unsigned i = stress_rand(st) % STRESS_N, op = stress_rand(st) % 10;

	if (op < 5) { /* due: fires at the next pass */
		st->due[i] = st->base + stress_rand(st) % 5000;
		st->state[i] = STRESS_DUE;
		ev_timer_arm_at(loop, &st->t[i], st->due[i]);
	} else if (op < 7) { /* an hour away: must not fire */
		st->due[i] = st->future + stress_rand(st) % 5000;
		st->state[i] = STRESS_FUTURE;
		ev_timer_arm_at(loop, &st->t[i], st->due[i]);
	} else { /* cancelled */
		st->state[i] = STRESS_IDLE;
		ev_timer_disarm(loop, &st->t[i]);
	}
}

static void
stress_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct stress *st = t->arg;
	size_t	       i = (size_t)(t - st->t);

	if (st->state[i] != STRESS_DUE || t->due_ms != st->due[i])
		st->bad_fire++;
	for (size_t k = 0; k < STRESS_N; k++)
		if (k != i && st->state[k] != STRESS_IDLE &&
		    st->due[k] < t->due_ms)
			st->bad_order++;
	st->state[i] = STRESS_IDLE;
	st->fired[i]++;
	st->nfired++;
	/* disarm, re-arm and arm others while the loop is firing */
	for (int k = 0; k < 2 && st->cb_ops < STRESS_CB_OPS; k++, st->cb_ops++)
		stress_op(loop, st);
}

static size_t
stress_count(const struct stress *st, enum stress_state state)
{
	size_t n = 0;

	for (int i = 0; i < STRESS_N; i++)
		n += st->state[i] == state;
	return n;
}

static void
test_timer_heap_stress(void **state)
{
	static struct stress st;
	struct ev_loop	    *loop = ev_loop_new();
	size_t		     passes = 0;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.seed = 7;
	ev_now_update(loop);
	/* CLOCK_MONOTONIC runs from boot: past due times stay above 0 */
	st.base = ev_now(loop) > 10000 ? ev_now(loop) - 10000 : 0;
	st.future = ev_now(loop) + 3600 * 1000;
	for (int i = 0; i < STRESS_N; i++)
		ev_timer_init(&st.t[i], stress_cb, &st);
	for (int k = 0; k < STRESS_OPS; k++)
		stress_op(loop, &st);
	assert_int_equal(ev_timer_count(loop),
	    STRESS_N - stress_count(&st, STRESS_IDLE));
	/* every pass fires something until no due timer is left */
	while (stress_count(&st, STRESS_DUE) > 0 && ev_run_once(loop, 0) > 0)
		assert_true(++passes < 100000);
	assert_int_equal(stress_count(&st, STRESS_DUE), 0);
	assert_int_equal(st.bad_fire, 0);
	assert_int_equal(st.bad_order, 0);
	assert_int_equal(st.cb_ops, STRESS_CB_OPS);
	assert_true(st.nfired > STRESS_N / 2);
	/* what is left is the future, all of it */
	assert_int_equal(ev_timer_count(loop),
	    stress_count(&st, STRESS_FUTURE));
	for (int i = 0; i < STRESS_N; i++)
		assert_int_equal(ev_timer_armed(&st.t[i]),
		    st.state[i] == STRESS_FUTURE);
	/* a last pass fires nothing */
	assert_int_equal(ev_run_once(loop, 0), 0);
	for (int i = 0; i < STRESS_N; i++)
		ev_timer_disarm(loop, &st.t[i]);
	ev_loop_free(loop);
}

/* Two pipes readable in the same batch: whichever callback runs first
 * stops and closes the other's watcher; the other must never run. */
struct pair {
	int		fds[2][2];
	struct ev_io	io[2];
	int		runs[2];
	struct ev_loop *loop;
};

static void
pair_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	struct pair *p = io->arg;
	int	     me = io == &p->io[0] ? 0 : 1, other = 1 - me;

	assert_true(revents & EV_READ);
	p->runs[me]++;
	ev_io_stop(loop, &p->io[other]);
	close(p->fds[other][0]);
	p->fds[other][0] = -1;
	ev_io_stop(loop, io);
}

static void
test_io_remove_in_same_batch(void **state)
{
	struct pair p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.loop = ev_loop_new();
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pipe(p.fds[i]), 0);
		ev_io_init(&p.io[i], p.fds[i][0], pair_cb, &p);
		assert_int_equal(ev_io_set(p.loop, &p.io[i], EV_READ), 0);
		assert_int_equal(write(p.fds[i][1], "x", 1), 1);
	}
	assert_int_equal(ev_run_once(p.loop, 1000), 1);
	assert_int_equal(p.runs[0] + p.runs[1], 1);
	for (int i = 0; i < 2; i++) {
		if (p.fds[i][0] != -1)
			close(p.fds[i][0]);
		close(p.fds[i][1]);
	}
	ev_loop_free(p.loop);
}

/* EV_WRITE then MOD to EV_READ on the same watcher. */
static int io_seen;

static void
rw_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	io_seen |= revents;
	if (revents & EV_WRITE)
		assert_int_equal(ev_io_set(loop, io, EV_READ), 0);
	else
		ev_io_stop(loop, io);
}

static void
test_io_modify(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	struct ev_io	io;
	int		sv[2];

	(void)state;
	io_seen = 0;
	assert_int_equal(pipe(sv), 0);
	ev_io_init(&io, sv[1], rw_cb, NULL);
	assert_int_equal(ev_io_set(loop, &io, EV_WRITE), 0);
	assert_int_equal(ev_run_once(loop, 1000), 1);
	assert_true(io_seen & EV_WRITE);
	assert_int_equal(io.events, EV_READ);
	ev_io_stop(loop, &io);
	/* a write end closed by the peer: the read end reports EV_READ */
	ev_io_init(&io, sv[0], rw_cb, NULL);
	assert_int_equal(ev_io_set(loop, &io, EV_READ), 0);
	close(sv[1]);
	io_seen = 0;
	assert_int_equal(ev_run_once(loop, 1000), 1);
	assert_true(io_seen & EV_READ);
	assert_false(io.active);
	close(sv[0]);
	ev_loop_free(loop);
}

static int sig_hits;

static void
sig_cb(struct ev_loop *loop, struct ev_signal *s)
{
	assert_int_equal(s->signo, SIGUSR1);
	sig_hits++;
	ev_break(loop);
}

static void
test_signal(void **state)
{
	struct ev_loop	*loop = ev_loop_new();
	struct ev_signal s;

	(void)state;
	sig_hits = 0;
	assert_int_equal(ev_signal_start(loop, &s, SIGUSR1, sig_cb, NULL), 0);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(ev_run(loop), 0);
	assert_int_equal(sig_hits, 1);
	ev_signal_stop(loop, &s);
	ev_loop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timer_order),
	    cmocka_unit_test(test_timer_rearm_in_callback),
	    cmocka_unit_test(test_timer_no_starvation),
	    cmocka_unit_test(test_timer_heap_stress),
	    cmocka_unit_test(test_io_remove_in_same_batch),
	    cmocka_unit_test(test_io_modify),
	    cmocka_unit_test(test_signal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
