/*
 * publisher: timer, fork, and reaping of the publish child on SIGCHLD.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector.h"
#include "conf.h"
#include "ev.h"
#include "log.h"
#include "publish.h"
#include "publisher.h"
#include "util.h"

struct publisher {
	struct collector *co;
	struct ev_timer	  timer;
	struct ev_signal  sigchld;
	pid_t		  pid; /* -1: none */
	uint64_t	  started_ms;
	uint64_t	  runs, failures, skipped;
};

static void
publisher_arm(struct publisher *pb, uint64_t delay_ms)
{
	if (pb->co->conf->publish_interval_s > 0)
		ev_timer_arm(pb->co->loop, &pb->timer, delay_ms);
}

/* In the child: publish, then leave without running the parent's exit
 * handlers or touching its sockets. */
static void __attribute__((noreturn))
publisher_child(struct publisher *pb, pid_t parent)
{
	sigset_t none;
	int	 rc;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_IGN);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(1);
	rc = publish_run(pb->co, now_wall(), 0, NULL);
	_exit(rc == 0 ? 0 : (rc == PUBLISH_BUSY ? 2 : 1));
}

static void
publisher_timer_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct publisher *pb = t->arg;
	pid_t		  parent = getpid();

	publisher_arm(pb, (uint64_t)pb->co->conf->publish_interval_s * 1000);
	if (pb->pid != -1) {
		pb->skipped++;
		log_warnx(
		    "publish: the previous publish (pid %d) is still running; this turn is skipped",
		    (int)pb->pid);
		return;
	}
	pb->pid = fork();
	if (pb->pid == -1) {
		pb->failures++;
		log_warn("publish: fork");
		return;
	}
	if (pb->pid == 0)
		publisher_child(pb, parent);
	pb->runs++;
	pb->started_ms = ev_now(loop);
}

/*
 * SIGCHLD, through the loop's signalfd: signals of one kind merge, and
 * other children may end too, so the child is asked for by its pid and
 * left alone while it runs.
 */
static void
publisher_sigchld_cb(struct ev_loop *loop, struct ev_signal *s)
{
	struct publisher *pb = s->arg;
	int		  status;
	pid_t		  r;

	if (pb->pid == -1)
		return;
	while ((r = waitpid(pb->pid, &status, WNOHANG)) == -1 && errno == EINTR)
		;
	if (r == 0)
		return;
	if (r == -1)
		log_warn("publish: waitpid %d", (int)pb->pid);
	else if (WIFSIGNALED(status)) {
		pb->failures++;
		log_warnx("publish: pid %d killed by signal %d after %llu ms",
		    (int)pb->pid, WTERMSIG(status),
		    (unsigned long long)(ev_now(loop) - pb->started_ms));
	} else if (WEXITSTATUS(status) == 2)
		pb->skipped++;
	else if (WEXITSTATUS(status) != 0)
		pb->failures++;
	pb->pid = -1;
}

struct publisher *
publisher_new(struct collector *co)
{
	struct publisher *pb = xcalloc(1, sizeof(*pb));

	pb->co = co;
	pb->pid = -1;
	ev_timer_init(&pb->timer, publisher_timer_cb, pb);
	if (ev_signal_start(co->loop, &pb->sigchld, SIGCHLD,
		publisher_sigchld_cb, pb) == -1)
		fatal("signalfd");
	publisher_arm(pb, PUBLISHER_FIRST_MS);
	return pb;
}

void
publisher_free(struct publisher *pb)
{
	if (pb == NULL)
		return;
	ev_timer_disarm(pb->co->loop, &pb->timer);
	ev_signal_stop(pb->co->loop, &pb->sigchld);
	if (pb->pid != -1) {
		kill(pb->pid, SIGTERM);
		while (waitpid(pb->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	free(pb);
}

void
publisher_counts(const struct publisher *pb, uint64_t *runs, uint64_t *failures,
    uint64_t *skipped)
{
	*runs = pb->runs;
	*failures = pb->failures;
	*skipped = pb->skipped;
}
