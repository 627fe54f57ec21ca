/*
 * v6collector: entry point; parses the command line and runs the daemon or
 * a one-shot command.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "conf.h"
#include "log.h"

#define EXIT_USAGE 3

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: v6collector -c collector.conf [-v] [--syslog]\n"
	    "       v6collector publish -c collector.conf\n"
	    "       v6collector webhook-test -c collector.conf [WEBHOOK]\n"
	    "       v6collector --check-config -c collector.conf\n"
	    "       v6collector --help | --version\n"
	    "\n"
	    "v6collector receives check results from v6probe over HTTP, stores them in\n"
	    "RRD files, publishes graphs, a dashboard and an IPv6 readiness report, and\n"
	    "sends signed JSON webhooks when a service goes down or comes back.\n"
	    "\n"
	    "  -c FILE         the configuration (libconfig syntax, see configs/)\n"
	    "  publish         render graphs, pages and the report now, then exit\n"
	    "  webhook-test    send a test event to every webhook, or to WEBHOOK\n"
	    "  --check-config  print every problem of FILE as FILE:LINE: message and\n"
	    "                  exit 3, or print 'configuration OK' and exit 0\n"
	    "  -v              debug messages;  --syslog  log to syslog, not stderr\n");
}

static int
check_config(const char *path)
{
	struct collector_conf *cc;
	struct cfg	       c;

	cc = collector_conf_load(path, &c);
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

int
main(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"config", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};
	const char		  *conf = NULL;
	int			   ch, checkconf = 0;

	log_init("v6collector", 0, 0);
	while ((ch = getopt_long(argc, argv, "+hVc:", opts, NULL)) != -1) {
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
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (conf == NULL) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (checkconf)
		return check_config(conf);
	fprintf(stderr, "v6collector: the daemon is not built yet\n");
	return EXIT_USAGE;
}
