/*
 * cmd_rrd: the `v6collector rrd convert` command (see cmd_rrd.h); the
 * conversion itself is rrdconv.c's.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "cmd_rrd.h"
#include "collector.h"
#include "conf.h"
#include "log.h"
#include "priv.h"
#include "rrdconv.h"
#include "store.h"

static void
cmd_rrd_usage(FILE *f)
{
	fprintf(f,
	    "usage: v6collector rrd convert [-c collector.conf] [-v]\n"
	    "\n"
	    "Convert the RRD files under DATA_DIR (rrd/PROBE/*.rrd and summary.rrd)\n"
	    "made in an older layout to the current one, keeping every value the\n"
	    "graphs and figures read from them; files already in it are left alone.\n"
	    "The collector does the same when it starts, before it takes records:\n"
	    "run this while it is stopped. As root it runs as collector.user, the\n"
	    "owner of the files. Exit 0 when every file is in the current layout,\n"
	    "1 when some could not be converted (each is named on stderr).\n"
	    "\n"
	    "  -c FILE  collector.conf (default " RRD_CONF_DEFAULT ")\n"
	    "  -v       name each file converted\n");
}

int
cmd_rrd_main(int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
	    {"config", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0}};
	const char		  *conf = RRD_CONF_DEFAULT;
	struct collector_conf	  *cc;
	struct store		  *st;
	struct rrdconv_counts	   counts;
	struct cfg		   c;
	char			   dir[PATH_MAX], err[1024], line[1024];
	int			   ch, verbose = 0, rc;
	long			   pid;

	if (argc < 2 || strcmp(argv[1], "convert") != 0) {
		int help = argc >= 2 &&
		    (strcmp(argv[1], "--help") == 0 ||
			strcmp(argv[1], "-h") == 0);

		cmd_rrd_usage(help ? stdout : stderr);
		return help ? 0 : EXIT_USAGE;
	}
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "hc:v", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			cmd_rrd_usage(stdout);
			return 0;
		case 'c':
			conf = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			cmd_rrd_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cmd_rrd_usage(stderr);
		return EXIT_USAGE;
	}
	log_init("v6collector", verbose, 0);
	if ((cc = collector_conf_load(conf, NULL, &c)) == NULL) {
		cfg_report(&c);
		cfg_close(&c);
		return EXIT_USAGE;
	}
	cfg_close(&c);
	if (geteuid() == 0 && priv_drop(cc->user, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		collector_conf_free(cc);
		return 1;
	}
	if (realpath(cc->data_dir, dir) == NULL) {
		log_warn("%s: collector.data_dir %s", conf, cc->data_dir);
		collector_conf_free(cc);
		return 1;
	}
	if ((pid = collector_running(dir)) != 0) {
		log_warnx(
		    "a collector (pid %ld) runs on data_dir %s: it converts its files at start; restart it instead",
		    pid, dir);
		collector_conf_free(cc);
		return 1;
	}
	st = store_new(dir, cc->step_s, cc->rrdcached);
	rc = rrdconv_run(st, &counts);
	rrdconv_summary(&counts, line, sizeof(line));
	printf("rrd convert: %s\n", line);
	store_free(st);
	collector_conf_free(cc);
	return rc == 0 ? 0 : 1;
}
