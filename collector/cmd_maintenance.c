/*
 * cmd_maintenance: the `v6collector maintenance` command (see
 * cmd_maintenance.h); the windows themselves are maint.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "cmd_maintenance.h"
#include "conf.h"
#include "json.h"
#include "log.h"
#include "maint.h"
#include "priv.h"
#include "result.h"
#include "util.h"

#define MAINT_CONF_DEFAULT "/etc/v6watch/collector.conf"

static void
maint_usage(FILE *f)
{
	fprintf(f,
	    "usage: v6collector maintenance add (--target T | --group G)... [--from TIME]\n"
	    "                               (--to TIME | --for DURATION) [--reason TEXT]\n"
	    "                               [-c collector.conf]\n"
	    "       v6collector maintenance list [-c collector.conf]\n"
	    "       v6collector maintenance end ID [-c collector.conf]\n"
	    "\n"
	    "A maintenance window: while it lasts, its targets (and every target of its\n"
	    "groups) raise no webhook events; their state is still followed, and a\n"
	    "target still down when the window ends is told then. Windows made here\n"
	    "are kept in DATA_DIR/maintenance.json; the collector reads that file again\n"
	    "on its next tick (one step) and on SIGHUP.\n"
	    "\n"
	    "  TIME      2026-12-06 22:00 (the collector's local time), 2026-12-06T22:00Z\n"
	    "            or 2026-12-06T22:00+01:00; --from defaults to now\n"
	    "  DURATION  90m, 2h, 1h30m, 1d, 1w\n"
	    "  end ID    end the window now (one not begun yet is removed)\n"
	    "  -c FILE   collector.conf (default " MAINT_CONF_DEFAULT ")\n");
}

/* What the command takes from collector.conf. */
struct maint_ctx {
	struct cfg	 c;
	char		 data_dir[PATH_MAX];
	char		 path[PATH_MAX];
	char		 lock[PATH_MAX + 8];
	const char	*user;
	struct maint_set conf; /* the config's windows */
	int		 lockfd;
};

static int
maint_ctx_open(struct maint_ctx *x, const char *conf)
{
	const char *dd = "/var/lib/v6watch";
	char	    err[PATH_MAX + 256];

	memset(x, 0, sizeof(*x));
	x->lockfd = -1;
	x->user = "v6watch";
	if (cfg_open(&x->c, conf) == -1) {
		cfg_report(&x->c);
		return -1;
	}
	config_lookup_string(&x->c.lc, "collector.user", &x->user);
	config_lookup_string(&x->c.lc, "collector.data_dir", &dd);
	collector_conf_maintenance(&x->c, &x->conf);
	if (x->c.nerrs > 0) {
		cfg_report(&x->c);
		return -1;
	}
	if (path_resolve(x->data_dir, sizeof(x->data_dir), x->c.dir, dd) ==
		-1 ||
	    maint_path(x->data_dir, x->path, sizeof(x->path)) == -1) {
		fprintf(stderr, "v6collector: maintenance: %s: path too long\n",
		    dd);
		return -1;
	}
	snprintf(x->lock, sizeof(x->lock), "%s.lock", x->path);
	/* As root, the files are written as the daemon's user. */
	if (geteuid() == 0 && priv_drop(x->user, err, sizeof(err)) == -1) {
		fprintf(stderr, "v6collector: maintenance: %s\n", err);
		return -1;
	}
	return 0;
}

static void
maint_ctx_close(struct maint_ctx *x)
{
	if (x->lockfd != -1)
		close(x->lockfd);
	maint_set_free(&x->conf);
	cfg_close(&x->c);
}

/* Lock against another command, then read the file (a damaged one is
 * set aside). */
static int
maint_ctx_read(struct maint_ctx *x, struct maint_set *ms)
{
	char err[PATH_MAX + 256];

	x->lockfd = open(x->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (x->lockfd == -1 || flock(x->lockfd, LOCK_EX) == -1) {
		fprintf(stderr, "v6collector: maintenance: %s: %s\n", x->lock,
		    strerror(errno));
		return -1;
	}
	if (maint_load(ms, x->path, err, sizeof(err)) == 0)
		return 0;
	if (errno != EBADMSG) {
		fprintf(stderr, "v6collector: maintenance: %s\n", err);
		return -1;
	}
	maint_set_aside(x->path, err);
	ms->next_id = 1;
	return 0;
}

static int
maint_ctx_write(struct maint_ctx *x, struct maint_set *ms, double now)
{
	char   err[PATH_MAX + 256];
	size_t k = 0;

	/* Ended windows are kept a while, for the reports. */
	for (size_t i = 0; i < ms->n; i++) {
		if (ms->v[i].to < now - MAINT_KEEP_S) {
			maint_window_free(&ms->v[i]);
			continue;
		}
		ms->v[k++] = ms->v[i];
	}
	ms->n = k;
	if (maint_save(ms, x->path, err, sizeof(err)) == -1) {
		fprintf(stderr, "v6collector: maintenance: %s\n", err);
		return -1;
	}
	return 0;
}

static void
maint_print_names(FILE *f, const struct maint_window *w)
{
	const char *sep = "";

	for (size_t i = 0; i < w->targets.n; i++) {
		fprintf(f, "%s%s", sep, w->targets.v[i]);
		sep = ",";
	}
	for (size_t i = 0; i < w->groups.n; i++) {
		fprintf(f, "%sgroup:%s", sep, w->groups.v[i]);
		sep = ",";
	}
}

/* Names the collector has not seen in records: a warning each. */
static void
maint_warn_unknown(const struct maint_ctx *x, const struct maint_window *w)
{
	struct alert *a = alert_new();
	char	      path[PATH_MAX], err[PATH_MAX + 256];

	if (alert_path(x->data_dir, path, sizeof(path)) == -1 ||
	    alert_load(a, path, err, sizeof(err)) == -1)
		goto done;
	for (size_t i = 0; i < w->targets.n; i++)
		if (alert_target_get(a, w->targets.v[i]) == NULL)
			fprintf(stderr,
			    "v6collector: maintenance: warning: target '%s' is not known to the collector (no record names it yet); check the name\n",
			    w->targets.v[i]);
	for (size_t i = 0; i < w->groups.n; i++) {
		size_t k;

		for (k = 0; k < alert_count(a); k++) {
			const struct alert_target *t = alert_target_at(a, k);

			if (t->group != NULL &&
			    strcmp(t->group, w->groups.v[i]) == 0)
				break;
		}
		if (k == alert_count(a))
			fprintf(stderr,
			    "v6collector: maintenance: warning: no known target is in group '%s'; check the name\n",
			    w->groups.v[i]);
	}
done:
	alert_free(a);
}

static int
maint_time_arg(const char *opt, const char *s, double *t)
{
	if (maint_parse_time(s, t) == 0)
		return 0;
	fprintf(stderr,
	    "v6collector: maintenance add: %s \"%s\" is not a time: write 2026-12-06 22:00 (local time), 2026-12-06T22:00Z or 2026-12-06T22:00+01:00\n",
	    opt, s);
	return -1;
}

static int
maint_add(struct maint_ctx *x, const struct maint_window *in, double now)
{
	struct maint_set    ms = {0};
	struct maint_window w;
	char		    a[64], b[64];
	int		    rc = 1;

	if (maint_ctx_read(x, &ms) == -1)
		goto done;
	if (ms.n >= MAINT_MAX) {
		fprintf(stderr,
		    "v6collector: maintenance add: %s holds %d windows already; end some first\n",
		    x->path, MAINT_MAX);
		goto done;
	}
	maint_window_copy(&w, in);
	snprintf(w.id, sizeof(w.id), "%u", ms.next_id++);
	ms.v = xreallocarray(ms.v, ms.n + 1, sizeof(*ms.v));
	ms.v[ms.n++] = w;
	if (maint_ctx_write(x, &ms, now) == -1)
		goto done;
	maint_format_time(w.from, a, sizeof(a));
	maint_format_time(w.to, b, sizeof(b));
	printf("maintenance window %s: ", w.id);
	maint_print_names(stdout, &w);
	printf(" from %s to %s%s%s\n", a, b, w.reason != NULL ? ": " : "",
	    w.reason != NULL ? w.reason : "");
	printf("written to %s; the collector reads it within one step (or at once on SIGHUP: systemctl reload v6collector)\n",
	    x->path);
	maint_warn_unknown(x, &w);
	rc = 0;
done:
	maint_set_free(&ms);
	return rc;
}

static void
maint_print(const struct maint_window *w, double now)
{
	char a[64], b[64];

	maint_format_time(w->from, a, sizeof(a));
	maint_format_time(w->to, b, sizeof(b));
	printf("%-5s %-7s %s  %s  ", w->id,
	    now < w->from ? "planned" : (now < w->to ? "active" : "ended"), a,
	    b);
	maint_print_names(stdout, w);
	if (w->reason != NULL)
		printf("  \"%s\"", w->reason);
	if (w->line > 0)
		printf("  (collector.conf:%d)", w->line);
	printf("\n");
}

static int
maint_list(struct maint_ctx *x, double now)
{
	struct maint_set ms = {0};

	if (maint_ctx_read(x, &ms) == -1)
		return 1;
	printf("%-5s %-7s %-22s %-22s %s\n", "ID", "STATE", "FROM", "TO",
	    "TARGETS");
	for (size_t i = 0; i < x->conf.n; i++)
		maint_print(&x->conf.v[i], now);
	for (size_t i = 0; i < ms.n; i++)
		maint_print(&ms.v[i], now);
	maint_set_free(&ms);
	return 0;
}

static int
maint_end(struct maint_ctx *x, const char *id, double now)
{
	struct maint_set ms = {0};
	size_t		 i;
	int		 rc = 1;

	for (i = 0; i < x->conf.n; i++)
		if (strcmp(x->conf.v[i].id, id) == 0) {
			fprintf(stderr,
			    "v6collector: maintenance end: window %s comes from %s:%d; change it there and reload the collector\n",
			    id, x->c.file, x->conf.v[i].line);
			return 1;
		}
	if (maint_ctx_read(x, &ms) == -1)
		goto done;
	for (i = 0; i < ms.n; i++)
		if (strcmp(ms.v[i].id, id) == 0)
			break;
	if (i == ms.n) {
		fprintf(stderr,
		    "v6collector: maintenance end: no window %s ('v6collector maintenance list' shows them)\n",
		    id);
		goto done;
	}
	if (ms.v[i].to <= now) {
		fprintf(stderr,
		    "v6collector: maintenance end: window %s has ended already\n",
		    id);
		goto done;
	}
	if (ms.v[i].from > now) {
		maint_window_free(&ms.v[i]);
		memmove(&ms.v[i], &ms.v[i + 1], (ms.n - i - 1) * sizeof(*ms.v));
		ms.n--;
		printf("maintenance window %s had not begun: removed\n", id);
	} else {
		ms.v[i].to = now;
		printf("maintenance window %s ended now\n", id);
	}
	if (maint_ctx_write(x, &ms, now) == -1)
		goto done;
	rc = 0;
done:
	maint_set_free(&ms);
	return rc;
}

int
maintenance_main(int argc, char **argv)
{
	enum { O_TARGET = 256, O_GROUP, O_FROM, O_TO, O_FOR, O_REASON };
	static const struct option opts[] = {{"config", required_argument, NULL,
						 'c'},
	    {"target", required_argument, NULL, O_TARGET},
	    {"group", required_argument, NULL, O_GROUP},
	    {"from", required_argument, NULL, O_FROM},
	    {"to", required_argument, NULL, O_TO},
	    {"for", required_argument, NULL, O_FOR},
	    {"reason", required_argument, NULL, O_REASON},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char		  *conf = MAINT_CONF_DEFAULT, *sub, *to = NULL;
	const char		  *dur = NULL;
	struct maint_window	   w;
	struct maint_ctx	   x;
	double			   now = now_wall(), len;
	int			   ch, rc = EXIT_USAGE, have_from = 0;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		maint_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	sub = argv[1];
	if (strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0 &&
	    strcmp(sub, "end") != 0) {
		maint_usage(stderr);
		return EXIT_USAGE;
	}
	memset(&w, 0, sizeof(w));
	w.from = now;
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case O_TARGET:
		case O_GROUP:
			if (!maint_name_ok(optarg)) {
				fprintf(stderr,
				    "v6collector: maintenance add: '%s' is not a name\n",
				    optarg);
				goto out;
			}
			maint_name_add(ch == O_TARGET ? &w.targets : &w.groups,
			    optarg);
			break;
		case O_FROM:
			if (maint_time_arg("--from", optarg, &w.from) == -1)
				goto out;
			have_from = 1;
			break;
		case O_TO:
			to = optarg;
			break;
		case O_FOR:
			dur = optarg;
			break;
		case O_REASON:
			if (strlen(optarg) >= MAINT_REASON_MAX ||
			    str_has_ctrl(optarg)) {
				fprintf(stderr,
				    "v6collector: maintenance add: --reason: at most %d characters, on one line\n",
				    MAINT_REASON_MAX - 1);
				goto out;
			}
			free(w.reason);
			w.reason = xstrdup(optarg);
			break;
		case 'h':
			maint_usage(stdout);
			rc = 0;
			goto out;
		default:
			maint_usage(stderr);
			goto out;
		}
	}
	if (strcmp(sub, "add") == 0) {
		if (argc != optind || w.targets.n + w.groups.n == 0 ||
		    (to == NULL) == (dur == NULL)) {
			fprintf(stderr,
			    "v6collector: maintenance add: give --target or --group (one or more), and --to or --for\n");
			goto out;
		}
		if (to != NULL && maint_time_arg("--to", to, &w.to) == -1)
			goto out;
		if (dur != NULL) {
			if (maint_parse_duration(dur, &len) == -1) {
				fprintf(stderr,
				    "v6collector: maintenance add: --for \"%s\" is not a duration: write 90m, 2h, 1h30m or 1d\n",
				    dur);
				goto out;
			}
			w.to = w.from + len;
		}
		if (w.to <= w.from || w.to <= now ||
		    w.to - w.from > MAINT_LONGEST_S) {
			fprintf(stderr,
			    "v6collector: maintenance add: the window must end after it begins%s, in the future, and last at most 366 days\n",
			    have_from ? " (--from)" : " (now)");
			goto out;
		}
	} else if (strcmp(sub, "list") == 0 ? argc != optind :
					      argc != optind + 1) {
		maint_usage(stderr);
		goto out;
	}
	if (maint_ctx_open(&x, conf) == -1) {
		maint_ctx_close(&x);
		goto out;
	}
	if (strcmp(sub, "add") == 0)
		rc = maint_add(&x, &w, now);
	else if (strcmp(sub, "list") == 0)
		rc = maint_list(&x, now);
	else
		rc = maint_end(&x, argv[optind], now);
	maint_ctx_close(&x);
out:
	maint_window_free(&w);
	return rc;
}
