/*
 * cmd_target: `v6collector target list|retire|rename`. A change is a
 * request appended to DATA_DIR/target-requests.json; the running
 * collector applies it within a second (retire.c) and writes the result
 * back, which the command waits for and prints. When no collector runs
 * (DATA_DIR/state/collector.lock is free), the command applies it itself,
 * as the collector would at its start.
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
#include "catalog.h"
#include "cmd_target.h"
#include "collector.h"
#include "conf.h"
#include "json.h"
#include "log.h"
#include "priv.h"
#include "util.h"

#define TARGET_CONF_DEFAULT "/etc/v6watch/collector.conf"
/* How long the command waits for a running collector's answer. */
#define TARGET_WAIT_MS 15000

static void
target_usage(FILE *f)
{
	fprintf(f,
	    "usage: v6collector target list [-c collector.conf]\n"
	    "       v6collector target retire ID [--reason TEXT] [-c collector.conf]\n"
	    "       v6collector target rename OLD NEW [-c collector.conf]\n"
	    "\n"
	    "list    every target the collector knows: in the central list (targets_file),\n"
	    "        checked by probes on their own, or retired (with the reason)\n"
	    "retire  take a target out of service: it leaves the site, the report, the\n"
	    "        status and /metrics; its RRD files move to DATA_DIR/retired/ (kept,\n"
	    "        never deleted); records probes still send for it are rejected with\n"
	    "        the reason. A target of the central list is retired by removing it\n"
	    "        from targets_file and reloading the collector.\n"
	    "rename  give a target a new id, keeping its history (its RRD files are\n"
	    "        renamed); records still sent under the old id are rejected. For a\n"
	    "        central target whose id is in targets_file, change the id there\n"
	    "        instead and reload: the history follows the URL.\n"
	    "\n"
	    "A running collector applies the change within a second; when none runs,\n"
	    "this command applies it.\n"
	    "  -c FILE   collector.conf (default " TARGET_CONF_DEFAULT ")\n");
}

struct target_ctx {
	const char	      *conf;
	struct collector_conf *cc;
	char		       data_dir[PATH_MAX];
	char		       path[PATH_MAX]; /* the requests file */
	char		       lock[PATH_MAX];
};

/* collector.conf (read as the caller: it may hold root's secrets), then
 * drop to its user. */
static int
target_ctx_open(struct target_ctx *x, const char *conf)
{
	struct cfg c;
	char	   err[PATH_MAX + 256];

	memset(x, 0, sizeof(*x));
	x->conf = conf;
	x->cc = collector_conf_load(conf, NULL, &c);
	if (x->cc == NULL) {
		cfg_report(&c);
		cfg_close(&c);
		return -1;
	}
	cfg_close(&c);
	if (realpath(x->cc->data_dir, x->data_dir) == NULL) {
		fprintf(stderr, "v6collector: target: data_dir %s: %s\n",
		    x->cc->data_dir, strerror(errno));
		return -1;
	}
	if (retire_requests_path(x->data_dir, x->path, sizeof(x->path)) == -1 ||
	    retire_lock_path(x->data_dir, x->lock, sizeof(x->lock)) == -1) {
		fprintf(stderr, "v6collector: target: %s: path too long\n",
		    x->data_dir);
		return -1;
	}
	/* As root, the files are written as the daemon's user. */
	if (geteuid() == 0 && priv_drop(x->cc->user, err, sizeof(err)) == -1) {
		fprintf(stderr, "v6collector: target: %s\n", err);
		return -1;
	}
	return 0;
}

static void
target_ctx_close(struct target_ctx *x)
{
	collector_conf_free(x->cc);
	x->cc = NULL;
}

/* Append request q (taken) to the requests file: its number, or 0. */
static double
target_queue(struct target_ctx *x, cJSON *q)
{
	cJSON *root = NULL, *pending;
	char   err[PATH_MAX + 256], *text;
	double n = 0;
	int    fd, ok = 1;

	fd = open(x->lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd == -1 || flock(fd, LOCK_EX) == -1) {
		fprintf(stderr, "v6collector: target: %s: %s\n", x->lock,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		cJSON_Delete(q);
		return 0;
	}
	if (json_load_file(x->path, 4 * 1024 * 1024, &root, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "v6collector: target: %s\n", err);
		goto done;
	}
	if (root == NULL || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		root = cJSON_CreateObject();
	}
	n = json_num(root, "next", 1, 1e15, &ok);
	if (!ok)
		n = 1;
	cJSON_DeleteItemFromObject(root, "version");
	cJSON_DeleteItemFromObject(root, "next");
	cJSON_AddNumberToObject(root, "version", 1);
	cJSON_AddNumberToObject(root, "next", n + 1);
	pending = cJSON_GetObjectItem(root, "pending");
	if (!cJSON_IsArray(pending)) {
		cJSON_DeleteItemFromObject(root, "pending");
		pending = cJSON_AddArrayToObject(root, "pending");
	}
	if (cJSON_GetArraySize(pending) >= RETIRE_REQUESTS_MAX) {
		fprintf(stderr,
		    "v6collector: target: %s holds %d requests no collector took: is it running?\n",
		    x->path, RETIRE_REQUESTS_MAX);
		n = 0;
		goto done;
	}
	cJSON_AddNumberToObject(q, "n", n);
	json_add_fixed(q, "at", now_wall(), 0);
	cJSON_AddItemToArray(pending, q);
	q = NULL;
	text = json_text(root);
	root = NULL;
	if (file_replace(x->path, text, strlen(text), 0640, -1, FILE_DURABLE,
		err, sizeof(err)) == -1) {
		fprintf(stderr, "v6collector: target: %s\n", err);
		n = 0;
	}
	cJSON_free(text);
done:
	cJSON_Delete(q);
	cJSON_Delete(root);
	close(fd);
	return n;
}

/* Request n's answer in the file: 1 found (ok into *ok, text into
 * msg), 0 not yet. */
static int
target_answer(struct target_ctx *x, double n, int *ok, char *msg, size_t msglen)
{
	cJSON	    *root = NULL;
	const cJSON *q;
	char	     err[PATH_MAX + 256];
	int	     found = 0;

	if (json_load_file(x->path, 4 * 1024 * 1024, &root, err, sizeof(err)) ==
		-1 ||
	    root == NULL)
		return 0;
	cJSON_ArrayForEach(q, json_get(root, "done"))
	{
		int	    good = 1;
		const char *r;

		if (json_num(q, "n", 1, 1e15, &good) != n || !good)
			continue;
		r = json_str(q, "result", 4096, &good);
		snprintf(msg, msglen, "%s", good ? r : "(no answer)");
		*ok = cJSON_IsTrue(json_get(q, "ok"));
		found = 1;
	}
	cJSON_Delete(root);
	return found;
}

/* Apply the pending requests here, as the collector does at start. */
static int
target_apply_here(struct target_ctx *x)
{
	struct collector *co;
	char		  err[1024];
	int		  rc = 0;

	co = collector_new(x->conf, x->cc, NULL);
	co->exclusive = 1;
	x->cc = NULL; /* co's now */
	if (collector_open(co, err, sizeof(err)) == -1) {
		fprintf(stderr, "v6collector: target: %s\n", err);
		rc = -1;
	}
	collector_free(co);
	return rc;
}

/* Queue q, have it applied, print the answer: exit status. */
static int
target_run(struct target_ctx *x, cJSON *q)
{
	double	 n = target_queue(x, q);
	char	 msg[4096];
	int	 ok = 0;
	uint64_t until = now_mono_ms() + TARGET_WAIT_MS;

	if (n == 0)
		return 1;
	if (collector_running(x->data_dir) == 0 && target_apply_here(x) == -1)
		return 1;
	target_ctx_close(x);
	while (!target_answer(x, n, &ok, msg, sizeof(msg))) {
		if (now_mono_ms() > until) {
			fprintf(stderr,
			    "v6collector: target: the collector has not answered in %d s; the request waits in %s\n",
			    TARGET_WAIT_MS / 1000, x->path);
			return 1;
		}
		usleep(100 * 1000);
	}
	if (!ok) {
		fprintf(stderr, "v6collector: target: %s\n", msg);
		return 1;
	}
	printf("%s\n", msg);
	return 0;
}

static int
target_list(struct target_ctx *x)
{
	struct catalog cat = {0};
	struct alert  *a = alert_new();
	char	       path[PATH_MAX], err[PATH_MAX + 256], when[64];

	if (catalog_path(x->data_dir, path, sizeof(path)) == -1 ||
	    catalog_load(&cat, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "v6collector: target list: %s\n", err);
		alert_free(a);
		catalog_free(&cat);
		return 1;
	}
	if (alert_path(x->data_dir, path, sizeof(path)) == 0)
		(void)alert_load(a, path, err, sizeof(err));
	printf("%-32s %-8s %s\n", "ID", "STATE", "TITLE / REASON");
	for (size_t i = 0; i < cat.nlist; i++)
		printf("%-32s %-8s %s\n", cat.list[i].id, "list",
		    cat.list[i].title);
	for (size_t i = 0; i < alert_count(a); i++) {
		const struct alert_target *t = alert_target_at(a, i);

		if (catalog_entry(&cat, t->name) == NULL &&
		    catalog_retired(&cat, t->name) == NULL)
			printf("%-32s %-8s %s\n", t->name, "probe",
			    t->url != NULL ? t->url : "");
	}
	for (size_t i = 0; i < cat.nretired; i++) {
		time_t	  t = (time_t)cat.retired[i].at;
		struct tm tm;

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M",
		    localtime_r(&t, &tm));
		printf("%-32s %-8s %s, %s\n", cat.retired[i].id, "retired",
		    cat.retired[i].reason, when);
	}
	alert_free(a);
	catalog_free(&cat);
	return 0;
}

int
target_main(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
	    {"config", required_argument, NULL, 'c'},
	    {"reason", required_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
	const char	 *conf = TARGET_CONF_DEFAULT, *reason = NULL, *cmd;
	struct target_ctx x;
	cJSON		 *q;
	int		  ch;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		target_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	cmd = argv[1];
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1)
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'r':
			reason = optarg;
			break;
		case 'h':
			target_usage(stdout);
			return 0;
		default:
			target_usage(stderr);
			return EXIT_USAGE;
		}
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "list") == 0 && argc == 0) {
		int rc = target_ctx_open(&x, conf) == -1 ? 1 : target_list(&x);

		target_ctx_close(&x);
		return rc;
	}
	if (strcmp(cmd, "retire") == 0 && argc == 1) {
		if (reason != NULL &&
		    (strlen(reason) > 200 || str_has_ctrl(reason))) {
			fprintf(stderr,
			    "v6collector: target retire: --reason: at most 200 bytes, no control characters\n");
			return EXIT_USAGE;
		}
		if (target_ctx_open(&x, conf) == -1) {
			target_ctx_close(&x);
			return 1;
		}
		q = cJSON_CreateObject();
		cJSON_AddStringToObject(q, "op", "retire");
		cJSON_AddStringToObject(q, "id", argv[0]);
		cJSON_AddStringToObject(q, "reason",
		    reason != NULL ? reason :
				     "retired by v6collector target retire");
		ch = target_run(&x, q);
		target_ctx_close(&x);
		return ch;
	}
	if (strcmp(cmd, "rename") == 0 && argc == 2) {
		if (target_ctx_open(&x, conf) == -1) {
			target_ctx_close(&x);
			return 1;
		}
		q = cJSON_CreateObject();
		cJSON_AddStringToObject(q, "op", "rename");
		cJSON_AddStringToObject(q, "from", argv[0]);
		cJSON_AddStringToObject(q, "to", argv[1]);
		ch = target_run(&x, q);
		target_ctx_close(&x);
		return ch;
	}
	target_usage(stderr);
	return EXIT_USAGE;
}
