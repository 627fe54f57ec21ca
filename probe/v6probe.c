/*
 * v6probe: entry point; parses the command line and runs a subcommand.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "cfg.h"
#include "cmd_check.h"
#include "cmd_run.h"
#include "cmd_traffic.h"
#include "conf.h"
#include "log.h"
#include "trust.h"

/*
 * GnuTLS's load-time constructor (GNUTLS_SKIP_GLOBAL_INIT in gnutls.h):
 * Debian's libcurl pulls libgnutls in through librtmp, for rtmp:// URLs
 * that v6probe never fetches (TLS is OpenSSL's, requests are http and
 * https only). Skipping its initialisation saves 0.9 MiB of RSS and the
 * p11-kit module loading in every process.
 */
int _gnutls_global_init_skip(void);

int
_gnutls_global_init_skip(void)
{
	return 1;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: v6probe check [--json | --nagios] [-4 | -6] [--timeout S] [--cacert F]\n"
	    "                     [--large-path P] [--warn-days N] [--resolve H:P:ADDR]\n"
	    "                     [-f FILE] URL|HOST ...\n"
	    "       v6probe run -c probe.conf [--once] [-v] [--syslog]\n"
	    "       v6probe traffic (-i IFACE | -r FILE.pcap) [--json] [--interval S]\n"
	    "                     [--filter BPF]\n"
	    "       v6probe --check-config -c probe.conf\n"
	    "       v6probe --help | --version\n"
	    "\n"
	    "v6probe checks that web services really work over IPv6, beside IPv4:\n"
	    "DNS, TCP, TLS, HTTP and large transfers, from this vantage point.\n"
	    "\n"
	    "  check          check URLs now and print a table, JSON or a Nagios line\n"
	    "  run            the daemon: check every target of probe.conf on schedule,\n"
	    "                 spool results on disk and deliver them to the collector\n"
	    "  traffic        count IPv6 and IPv4 traffic and ICMPv6 trouble signs\n"
	    "  --check-config print every problem of probe.conf as FILE:LINE: message\n"
	    "                 and exit 3, or print 'configuration OK' and exit 0\n"
	    "\n"
	    "Run 'v6probe COMMAND --help' for the options of a command.\n"
	    "Exit status: 0 all ready, 1 warning, 2 not ready, 3 usage or config error.\n");
}

/*
 * Every problem `run` would stop on at start that the files tell: the
 * config, the token, the user and spool folder (probe_conf_ready()), and
 * the trust store (cacert), which run loads before anything else.
 */
static int
check_config(const char *path)
{
	struct probe_conf *pc;
	struct cfg	   c;
	X509_STORE	  *st;
	struct stat	   sb;
	char		   err[1024];

	pc = probe_conf_ready(probe_conf_load(path, &c), &c, geteuid() == 0);
	if (pc != NULL) {
		/* trust_load() names the file, not always why it failed */
		st = NULL;
		if (stat(pc->cacert, &sb) == -1)
			snprintf(err, sizeof(err), "%s: %s", pc->cacert,
			    strerror(errno));
		else
			st = trust_load(pc->cacert, err, sizeof(err));
		if (st == NULL) {
			cfg_error(&c,
			    config_setting_lookup(config_root_setting(&c.lc),
				"probe.cacert"),
			    "probe.cacert: %s", err);
			probe_conf_free(pc);
			pc = NULL;
		}
		X509_STORE_free(st);
	}
	if (pc == NULL) {
		cfg_report(&c);
		cfg_close(&c);
		return EXIT_USAGE;
	}
	printf("configuration OK: %zu local targets", pc->ntargets);
	if (pc->fetch_url != NULL)
		printf("; more from the collector's list, fetched from %s every %d s\n",
		    pc->fetch_url, pc->targets_refresh_s);
	else
		printf(
		    "; no list fetched from the collector (collector.fetch_targets = false)\n");
	probe_conf_free(pc);
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

	log_init("v6probe", 0, 0);
	/* a peer closing a socket we write to is an outcome, not a signal */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	while ((ch = getopt_long(argc, argv, "+hVc:", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("v6probe %s\n", V6WATCH_VERSION);
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
	if (checkconf) {
		if (conf == NULL || optind != argc) {
			fprintf(stderr,
			    "v6probe: --check-config needs -c FILE and nothing else\n");
			return EXIT_USAGE;
		}
		return check_config(conf);
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "run") == 0)
		return run_main(argc - optind, argv + optind);
	if (strcmp(argv[optind], "check") == 0)
		return check_main(argc - optind, argv + optind);
	if (strcmp(argv[optind], "traffic") == 0)
		return traffic_main(argc - optind, argv + optind);
	fprintf(stderr, "v6probe: unknown command '%s' (see v6probe --help)\n",
	    argv[optind]);
	return EXIT_USAGE;
}
