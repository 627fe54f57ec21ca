/*
 * v6collector: entry point; parses the command line and runs the daemon or
 * a one-shot command. The daemon: load the config, bind (as root), drop to
 * the configured user, open the store and ledgers, then run the event loop
 * until SIGTERM; SIGHUP reloads.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "api.h"
#include "cfg.h"
#include "collector.h"
#include "conf.h"
#include "ev.h"
#include "log.h"
#include "priv.h"
#include "rrdconv.h"
#include "publish/publish.h"
#include "publish/publisher.h"
#include "cmd_maintenance.h"
#include "cmd_target.h"
#include "cmd_rrd.h"
#include "cmd_token.h"
#include "util.h"
#include "cmd_webhook_test.h"

/* Longest wait for requests in progress at SIGTERM. */
#define DRAIN_MAX_MS 10000

struct daemon {
	struct collector *co;
	struct publisher *pub;
	struct ev_signal  sigterm, sigint, sighup;
	struct ev_timer	  drain;
	uint64_t	  drain_until_ms;
	int		  stopping;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: v6collector -c collector.conf [-v] [--syslog]\n"
	    "       v6collector publish [--no-graphs] -c collector.conf\n"
	    "       v6collector webhook-test -c collector.conf [WEBHOOK]\n"
	    "       v6collector --check-config -c collector.conf\n"
	    "       v6collector token new PROBE [-c collector.conf] [-o PATH] [--force]\n"
	    "                             [--show]\n"
	    "       v6collector maintenance add|list|end ... [-c collector.conf]\n"
	    "       v6collector target list|retire|rename ... [-c collector.conf]\n"
	    "       v6collector rrd convert [-c collector.conf]\n"
	    "       v6collector --help | --version\n"
	    "\n"
	    "v6collector receives check results from v6probe over HTTP, stores them in\n"
	    "RRD files, publishes graphs, a dashboard and an IPv6 readiness report, and\n"
	    "sends signed JSON webhooks when a service goes down or comes back.\n"
	    "\n"
	    "  -c FILE         the configuration (libconfig syntax, see configs/)\n"
	    "  publish         render graphs, pages and the report now, then exit\n"
	    "                  (--no-graphs: pages, report and status only; the\n"
	    "                  daemon's publishes draw the graphs in turn)\n"
	    "  webhook-test    send a test event to every webhook, or to WEBHOOK\n"
	    "  token new       make PROBE's token file (mode 0600) beside the probes'\n"
	    "                  tokens and print the lines for collector.conf and\n"
	    "                  probe.conf ('v6collector token --help')\n"
	    "  maintenance     plan, list and end maintenance windows, when targets\n"
	    "                  raise no alerts ('v6collector maintenance --help')\n"
	    "  target          list the targets, retire one, rename one keeping its\n"
	    "                  history ('v6collector target --help')\n"
	    "  rrd convert     convert RRD files of an older layout, as the daemon\n"
	    "                  does when it starts ('v6collector rrd --help')\n"
	    "  --check-config  print every problem of FILE as FILE:LINE: message and\n"
	    "                  exit 3, or print 'configuration OK' and exit 0\n"
	    "  -v              debug messages;  --syslog  log to syslog, not stderr\n"
	    "\n"
	    "The daemon stays in the foreground. SIGHUP reloads the configuration\n"
	    "(probes and tokens too); SIGTERM finishes requests in progress and exits.\n");
}

/* A PEM file's first key: never a prompt for the passphrase of one. */
static int
no_passphrase_cb(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* What a file named at s must be: regular (a FIFO would hang the read). */
static int
file_present(struct cfg *c, config_setting_t *s, const char *what,
    const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1) {
		cfg_error(c, s, "%s: %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		cfg_error(c, s, "%s: %s is %s, not a regular file", what, path,
		    file_kind(st.st_mode));
		return -1;
	}
	return 0;
}

/* tls_cert and tls_key: PEM, the key that of the certificate. */
static void
check_tls(struct collector_conf *cc, struct cfg *c, config_setting_t *rs)
{
	config_setting_t *sc = config_setting_lookup(rs, "collector.tls_cert");
	config_setting_t *sk = config_setting_lookup(rs, "collector.tls_key");
	X509		 *x = NULL;
	EVP_PKEY	 *k = NULL;
	BIO		 *b;

	if (file_present(c, sc, "collector.tls_cert", cc->tls_cert) == -1 ||
	    file_present(c, sk, "collector.tls_key", cc->tls_key) == -1)
		return;
	if ((b = BIO_new_file(cc->tls_cert, "r")) != NULL)
		x = PEM_read_bio_X509(b, NULL, no_passphrase_cb, NULL);
	BIO_free(b);
	if (x == NULL) {
		cfg_error(c, sc,
		    "collector.tls_cert: %s: no PEM certificate (-----BEGIN CERTIFICATE-----) can be read from it",
		    cc->tls_cert);
		goto done;
	}
	if ((b = BIO_new_file(cc->tls_key, "r")) != NULL)
		k = PEM_read_bio_PrivateKey(b, NULL, no_passphrase_cb, NULL);
	BIO_free(b);
	ERR_clear_error();
	if (k == NULL) {
		cfg_error(c, sk,
		    "collector.tls_key: %s: no PEM private key can be read from it (an encrypted key cannot be used: the collector asks for no passphrase)",
		    cc->tls_key);
		goto done;
	}
	if (X509_check_private_key(x, k) != 1)
		cfg_error(c, sk,
		    "collector.tls_key: %s is not the key of the certificate in %s",
		    cc->tls_key, cc->tls_cert);
	else if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0)
		cfg_warn(c, sc,
		    "collector.tls_cert: %s has expired: probes that check it (https://) refuse the collector",
		    cc->tls_cert);
done:
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(k);
}

/*
 * What the daemon would stop on at start that the files tell, checked
 * before it makes or changes anything (collector_conf_load() read the
 * tokens and secrets): the user and, as root, the folders it would make
 * the user's; listen; the TLS certificate and key; webhook CA files.
 * Takes ownership of cc (NULL passes through): returns it, or NULL, cc
 * freed, when c got an error.
 */
static struct collector_conf *
collector_ready(struct collector_conf *cc, struct cfg *c, int root)
{
	config_setting_t       *rs, *s, *grp;
	struct sockaddr_storage ss;
	size_t			sslen;
	const char	       *port;
	char			err[PATH_MAX + 256];
	uid_t			uid;
	gid_t			gid;

	if (cc == NULL)
		return NULL;
	rs = config_root_setting(&c->lc);
	grp = config_setting_get_member(rs, "collector");
	if (cfg_check_user(c, "collector", cc->user, root, &uid, &gid) == 0 &&
	    root) {
		s = config_setting_lookup(rs, "collector.data_dir");
		if (priv_check_dir(cc->data_dir, uid, err, sizeof(err)) == -1)
			cfg_error(c, s != NULL ? s : grp,
			    "collector.data_dir: %s", err);
		s = config_setting_lookup(rs, "collector.publish_dir");
		if (priv_check_dir(cc->publish_dir, uid, err, sizeof(err)) ==
		    -1)
			cfg_error(c, s != NULL ? s : grp,
			    "collector.publish_dir: %s", err);
	}
	s = config_setting_lookup(rs, "collector.listen");
	if (api_parse_listen(cc->listen, &ss, &sslen) == -1)
		cfg_error(c, s != NULL ? s : grp,
		    "collector.listen: \"%s\": the address must be numeric, [IPv6]:PORT or IPv4:PORT (\"[::]:8080\" for every address)",
		    cc->listen);
	else if ((port = strrchr(cc->listen, ':')) != NULL) {
		port++;
		if (cc->tls_cert == NULL &&
		    (strcmp(port, "443") == 0 || strcmp(port, "8443") == 0))
			cfg_warn(c, s != NULL ? s : grp,
			    "collector.listen: port %s without tls_cert: the collector speaks plain HTTP there, and probes posting to https:// fail; set tls_cert and tls_key, or give the probes an http:// url",
			    port);
		else if (cc->tls_cert != NULL &&
		    (strcmp(port, "80") == 0 || strcmp(port, "8080") == 0))
			cfg_warn(c, s != NULL ? s : grp,
			    "collector.listen: port %s with tls_cert: the collector speaks HTTPS only there, and probes posting to http:// fail; give them an https:// url",
			    port);
	}
	if (cc->tls_cert != NULL && cc->tls_key != NULL)
		check_tls(cc, c, rs);
	for (size_t i = 0; i < cc->nwebhooks; i++) {
		char what[64];

		if (cc->webhooks[i].cacert == NULL)
			continue;
		snprintf(what, sizeof(what), "webhooks[%zu].cacert", i);
		file_present(c,
		    config_setting_get_member(
			config_setting_get_elem(config_setting_get_member(rs,
						    "webhooks"),
			    (unsigned)i),
			"cacert"),
		    what, cc->webhooks[i].cacert);
	}
	if (c->nerrs > 0 || c->dropped > 0) {
		collector_conf_free(cc);
		return NULL;
	}
	return cc;
}

static int
check_config(const char *path)
{
	struct collector_conf *cc;
	struct cfg	       c;

	cc = collector_ready(collector_conf_load(path, NULL, &c), &c,
	    geteuid() == 0);
	if (cc == NULL) {
		cfg_report(&c);
		cfg_close(&c);
		return EXIT_USAGE;
	}
	printf("configuration OK: %zu probes, %zu webhooks\n", cc->nprobes,
	    cc->nwebhooks);
	collector_conf_free(cc);
	cfg_close(&c);
	return 0;
}

/* Room for every connection allowed, plus files and sockets of our own. */
static void
raise_nofile(int max_connections)
{
	struct rlimit rl;
	rlim_t	      want = (rlim_t)max_connections + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
		return;
	if (rl.rlim_max < want && geteuid() == 0)
		rl.rlim_max = want;
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("setrlimit NOFILE %llu", (unsigned long long)want);
	if (rl.rlim_cur < want)
		log_warnx(
		    "only %llu open files allowed; max_connections %d may not be reached",
		    (unsigned long long)rl.rlim_cur, max_connections);
}

/* mkdir -p path: path itself with mode, the folders above it 0755. */
static int
mkdir_p(const char *path, mode_t mode)
{
	char  buf[PATH_MAX];
	char *p = buf;

	if (str_copy(buf, sizeof(buf), path) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	do {
		p = strchr(p + 1, '/');
		if (p != NULL)
			*p = '\0';
		if (buf[0] != '\0' &&
		    mkdir(buf, p != NULL && p[1] != '\0' ? 0755 : mode) == -1 &&
		    errno != EEXIST)
			return -1;
		if (p != NULL)
			*p = '/';
	} while (p != NULL);
	return 0;
}

/*
 * Make data_dir. As root, also make data_dir and publish_dir (0755: the
 * site is public) the user's, without following a link anybody but root
 * could have planted (priv_own_dir refuses, saying why).
 */
static int
prepare_data_dir(const struct collector_conf *cc, int root, char *err,
    size_t errlen)
{
	uid_t uid;
	gid_t gid;
	int   fd;

	if (!root) {
		if (mkdir_p(cc->data_dir, 0750) == -1) {
			snprintf(err, errlen, "data_dir %s: %s", cc->data_dir,
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	if (priv_lookup(cc->user, &uid, &gid, err, errlen) == -1)
		return -1;
	if ((fd = priv_own_dir(cc->data_dir, 0750, uid, gid, err, errlen)) ==
	    -1)
		return -1;
	close(fd);
	if ((fd = priv_own_dir(cc->publish_dir, 0755, uid, gid, err, errlen)) ==
	    -1)
		return -1;
	close(fd);
	return 0;
}

static void
drain_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct daemon *d = t->arg;

	if (api_inflight(d->co->api) == 0 ||
	    ev_now(loop) >= d->drain_until_ms) {
		if (api_inflight(d->co->api) > 0)
			log_warnx("stopping with %zu requests unfinished",
			    api_inflight(d->co->api));
		ev_break(loop);
		return;
	}
	ev_timer_arm(loop, t, 20);
}

static void
stop_cb(struct ev_loop *loop, struct ev_signal *s)
{
	struct daemon *d = s->arg;

	if (d->stopping) {
		log_info("second signal: stopping now");
		ev_break(loop);
		return;
	}
	d->stopping = 1;
	log_info("signal %d: finishing requests in progress", s->signo);
	api_quiesce(d->co->api);
	d->drain_until_ms = ev_now(loop) + DRAIN_MAX_MS;
	ev_timer_arm(loop, &d->drain, 0);
}

static void
hup_cb(struct ev_loop *loop, struct ev_signal *s)
{
	struct daemon *d = s->arg;

	(void)loop;
	log_info("SIGHUP: reloading %s", d->co->conf_path);
	collector_reload(d->co);
}

static int
run_daemon(const char *path)
{
	struct collector_conf *cc;
	struct ev_loop	      *loop = NULL;
	struct daemon	       d;
	struct cfg	       c;
	char		       err[1024];
	int		       root = geteuid() == 0, rc = 1;

	memset(&d, 0, sizeof(d));
	/* Nothing is made or changed before these checks. */
	cc = collector_ready(collector_conf_load(path, NULL, &c), &c, root);
	if (cc == NULL) {
		cfg_report(&c);
		cfg_close(&c);
		return EXIT_USAGE;
	}
	cfg_close(&c);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile(cc->max_connections);
	if (prepare_data_dir(cc, root, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		collector_conf_free(cc);
		return 1;
	}
	if ((loop = ev_loop_new()) == NULL)
		fatal("epoll");
	d.co = collector_new(path, cc, loop);
	if ((d.co->api = api_start(d.co, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		goto done;
	}
	if (root) {
		if (priv_drop(cc->user, err, sizeof(err)) == -1) {
			log_warnx("%s", err);
			goto done;
		}
		log_info("running as user %s", cc->user);
	} else
		log_info("not started as root: running as uid %u",
		    (unsigned)getuid());
	if (collector_open(d.co, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		goto done;
	}
	rrdconv_run(d.co->store, NULL); /* before any record comes in */
	d.pub = publisher_new(d.co);
	ev_timer_init(&d.drain, drain_cb, &d);
	if (ev_signal_start(loop, &d.sigterm, SIGTERM, stop_cb, &d) == -1 ||
	    ev_signal_start(loop, &d.sigint, SIGINT, stop_cb, &d) == -1 ||
	    ev_signal_start(loop, &d.sighup, SIGHUP, hup_cb, &d) == -1)
		fatal("signalfd");
	log_info("listening on %s%s; data in %s%s%s", cc->listen,
	    cc->tls_cert != NULL ? " (TLS)" : "", cc->data_dir,
	    cc->rrdcached != NULL ? " through rrdcached " : "",
	    cc->rrdcached != NULL ? cc->rrdcached : "");
	if (ev_run(loop) == -1) {
		log_warn("event loop");
		goto done;
	}
	rc = 0;
done:
	publisher_free(d.pub);
	ev_timer_disarm(loop, &d.drain);
	api_free(d.co->api);
	d.co->api = NULL;
	if (collector_flush(d.co) == -1)
		rc = 1;
	collector_free(d.co);
	ev_loop_free(loop);
	log_info("stopped");
	return rc;
}

/* Graphs are drawn in a child that leaves with _exit(), as the daemon's
 * publisher does: librrd 1.7's rrd_graph_v keeps strings it formats,
 * and fontconfig and pango their caches, for the life of the process. 0 when the publish succeeded, else 1. */
static int
publish_in_child(struct collector *co, int flags)
{
	pid_t pid;
	int   status;

	fflush(stderr);
	if ((pid = fork()) == -1) {
		log_warn("publish: fork");
		return 1;
	}
	if (pid == 0)
		_exit(publish_run(co, now_wall(), flags, NULL) == 0 ? 0 : 1);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			log_warn("publish: waitpid");
			return 1;
		}
	if (WIFSIGNALED(status)) {
		log_warnx("publish: killed by signal %d", WTERMSIG(status));
		return 1;
	}
	return WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* `publish`: one publish now, as the configured user; 0 or 1. */
static int
run_publish(const char *path, int flags)
{
	struct collector_conf *cc;
	struct collector      *co;
	struct cfg	       c;
	char		       err[1024];
	int		       rc = 1;

	cc = collector_ready(collector_conf_load(path, NULL, &c), &c,
	    geteuid() == 0);
	if (cc == NULL) {
		cfg_report(&c);
		cfg_close(&c);
		return EXIT_USAGE;
	}
	cfg_close(&c);
	if (prepare_data_dir(cc, geteuid() == 0, err, sizeof(err)) == -1 ||
	    (geteuid() == 0 && priv_drop(cc->user, err, sizeof(err)) == -1)) {
		log_warnx("%s", err);
		collector_conf_free(cc);
		return 1;
	}
	/* No event loop: no alert tick, no webhooks; the state is read. */
	co = collector_new(path, cc, NULL);
	if (collector_open(co, err, sizeof(err)) == -1)
		log_warnx("%s", err);
	else
		rc = publish_in_child(co, flags);
	collector_free(co);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"config", required_argument, NULL, 'c'},
	    {"syslog", no_argument, NULL, 'S'},
	    {"no-graphs", no_argument, NULL, 'G'}, {NULL, 0, NULL, 0}};
	const char		  *conf = NULL;
	int ch, checkconf = 0, verbose = 0, use_syslog = 0, whtest = 0,
		publish = 0, nographs = 0;

	log_init("v6collector", 0, 0);
	/* `v6collector token new PROBE [-c F] ...`: options after it. */
	if (argc > 1 && strcmp(argv[1], "token") == 0)
		return token_main(argc - 1, argv + 1);
	/* `v6collector maintenance add|list|end ...` */
	if (argc > 1 && strcmp(argv[1], "maintenance") == 0)
		return maintenance_main(argc - 1, argv + 1);
	/* `v6collector target list|retire|rename ...` */
	if (argc > 1 && strcmp(argv[1], "target") == 0)
		return target_main(argc - 1, argv + 1);
	/* `v6collector rrd convert [-c F]` */
	if (argc > 1 && strcmp(argv[1], "rrd") == 0)
		return cmd_rrd_main(argc - 1, argv + 1);
	/* `v6collector webhook-test -c F [NAME]`: options after it. */
	if (argc > 1 && strcmp(argv[1], "webhook-test") == 0) {
		whtest = 1;
		argc--;
		argv++;
	}
	/* `v6collector publish -c F`: options after the command. */
	if (argc > 1 && strcmp(argv[1], "publish") == 0) {
		publish = 1;
		argc--;
		argv++;
	}
	while ((ch = getopt_long(argc, argv, "+hVc:v", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("v6collector %s\n", V6WATCH_VERSION);
			return 0;
		case 'C':
			checkconf = 1;
			break;
		case 'c':
			conf = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'S':
			use_syslog = 1;
			break;
		case 'G':
			nographs = 1;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc && strcmp(argv[optind], "publish") == 0 && !publish) {
		publish = 1;
		optind++;
	}
	if (optind < argc && strcmp(argv[optind], "webhook-test") == 0 &&
	    !whtest && !publish) {
		whtest = 1;
		optind++;
	}
	if (whtest) {
		if (conf == NULL || argc - optind > 1 || checkconf) {
			usage(stderr);
			return EXIT_USAGE;
		}
		log_init("v6collector", verbose, 0);
		return webhook_test_run(conf,
		    optind < argc ? argv[optind] : NULL);
	}
	if (optind < argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (conf == NULL) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (checkconf)
		return check_config(conf);
	if (nographs && !publish) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (publish) {
		log_init("v6collector", verbose, use_syslog);
		return run_publish(conf,
		    PUBLISH_WAIT | (nographs ? PUBLISH_NO_GRAPHS : 0));
	}
	log_init("v6collector", verbose, use_syslog);
	return run_daemon(conf);
}
