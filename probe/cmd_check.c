/*
 * cmd_check: `v6probe check` -- check URLs once and print a table, the
 * JSON document or a Nagios plugin line; exit 0 ready, 1 warning, 2 not
 * ready, 3 usage error. Results print in the order the targets were given,
 * each as soon as it and those before it are done.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cfg.h"
#include "check.h"
#include "cmd_check.h"
#include "conf.h"
#include "ev.h"
#include "log.h"
#include "output.h"
#include "resolv.h"
#include "tls.h"
#include "trust.h"
#include "util.h"

#define TARGETS_MAX 100000
#define FILE_MAX    (16u << 20)

enum mode { MODE_TABLE, MODE_JSON, MODE_NAGIOS };

struct slot {
	struct check_target t;
	char		   *out; /* formatted, waiting for its turn */
	int		    done;
	int		    status;
};

struct cli {
	struct ev_loop *loop;
	enum mode	mode;
	int		colour;
	int		progress;
	struct slot    *slots;
	size_t		nslots, next_print, ndone;
	int		worst;
	int		json_first;
	struct nagios	nag;
	uint64_t	last_progress_ms;
};

static void
check_usage(FILE *f)
{
	fprintf(f,
	    "usage: v6probe check [--json | --nagios] [-4 | -6] [--timeout S]\n"
	    "                     [--cacert FILE] [--large-path PATH] [--warn-days N]\n"
	    "                     [--resolve HOST:PORT:ADDR[,ADDR]] [--concurrency N]\n"
	    "                     [--no-ns] [-f FILE] URL|HOST ...\n"
	    "\n"
	    "Checks each service over IPv6 and IPv4 side by side: DNS, a TCP connect\n"
	    "to every address, TLS, HTTP (redirects followed within the family), a\n"
	    "large transfer, and the IPv6 readiness of the zone's name servers.\n"
	    "\n"
	    "  --json            one JSON document: {\"targets\":[...]}\n"
	    "  --nagios          one Nagios/Icinga plugin line with perfdata\n"
	    "  -4, -6            check only IPv4 / only IPv6 (with -4, ready means\n"
	    "                    that IPv4 works)\n"
	    "  --timeout S       deadline of each phase, seconds (default 10)\n"
	    "  --cacert FILE     trust the CAs in this PEM file (default: the system\n"
	    "                    store, read on demand from its hashed directory\n"
	    "                    /etc/ssl/certs, or SSL_CERT_FILE when set)\n"
	    "  --large-path P    also fetch P (e.g. /static/app.js) to catch path-MTU\n"
	    "                    black holes; a page over 64 KiB counts by itself\n"
	    "  --warn-days N     warn when the certificate expires within N days (30)\n"
	    "  --resolve H:P:A   use address A for host H, port P (as curl; repeatable)\n"
	    "  --concurrency N   targets checked at once (default 50)\n"
	    "  --no-ns           skip the name-server check\n"
	    "  -f FILE           read URLs from FILE, one per line, # comments\n"
	    "\n"
	    "A HOST without a scheme means https://HOST/.\n"
	    "Exit status: 0 all ready, 1 ready with warnings, 2 not ready,\n"
	    "3 usage error.\n"
	    "\n"
	    "Examples:\n"
	    "  v6probe check www.example\n"
	    "  v6probe check --json https://portal.example/ https://tax.example/\n"
	    "  v6probe check --nagios --warn-days 14 https://portal.example/\n"
	    "  v6probe check -6 --resolve portal.example:443:[2001:db8::10] \\\n"
	    "      https://portal.example/\n");
}

/* "portal.example" or "https://portal.example/x" -> a URL. */
static char *
target_url(const char *arg)
{
	char *url;

	if (strstr(arg, "://") != NULL)
		return xstrdup(arg);
	if (asprintf(&url, "https://%s/", arg) == -1)
		fatal("asprintf");
	return url;
}

/* The target's name in records: its host, bounded. */
static char *
target_name(const char *url)
{
	const char *h = strstr(url, "://");
	size_t	    n;
	char	   *name;

	h = h != NULL ? h + 3 : url;
	n = strcspn(h, "/?#");
	if (n == 0)
		n = strlen(h);
	if (n > RESULT_NAME_MAX - 1)
		n = RESULT_NAME_MAX - 1;
	name = xmalloc(n + 1);
	memcpy(name, h, n);
	name[n] = '\0';
	for (char *p = name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return name[0] != '\0' ? name : (free(name), xstrdup("target"));
}

static int
add_target(struct cli *cli, const char *arg)
{
	struct slot *s;

	if (cli->nslots == TARGETS_MAX) {
		fprintf(stderr, "v6probe check: more than %d targets\n",
		    TARGETS_MAX);
		return -1;
	}
	if (strlen(arg) > RESULT_URL_MAX - 1) {
		fprintf(stderr,
		    "v6probe check: URL longer than %d "
		    "characters: %.60s...\n",
		    RESULT_URL_MAX - 1, arg);
		return -1;
	}
	if ((cli->nslots & (cli->nslots - 1)) == 0)
		cli->slots = xreallocarray(cli->slots,
		    cli->nslots ? cli->nslots * 2 : 1, sizeof(*cli->slots));
	s = &cli->slots[cli->nslots++];
	memset(s, 0, sizeof(*s));
	s->t.url = target_url(arg);
	s->t.name = target_name(s->t.url);
	return 0;
}

static int
read_file(struct cli *cli, const char *path)
{
	char  *text, *line, *save = NULL;
	size_t len;
	int    lineno = 0, rc = 0;

	if (file_read(path, FILE_MAX, &text, &len) == -1) {
		fprintf(stderr, "v6probe check: %s: %s\n", path,
		    errno == EFBIG ? "larger than 16 MiB" : strerror(errno));
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		fprintf(stderr, "v6probe check: %s: not a text file\n", path);
		free(text);
		return -1;
	}
	for (char *p = text;; p = NULL) {
		char *end;

		/* strtok_r would skip empty lines and lose the numbering. */
		line = p != NULL ? p : save;
		if (line == NULL)
			break;
		end = strchr(line, '\n');
		save = end != NULL ? end + 1 : NULL;
		if (end != NULL)
			*end = '\0';
		lineno++;
		if ((end = strchr(line, '#')) != NULL)
			*end = '\0';
		while (isspace((unsigned char)*line))
			line++;
		end = line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*line == '\0')
			continue;
		if (strpbrk(line, " \t") != NULL || str_has_ctrl(line)) {
			fprintf(stderr,
			    "%s:%d: one URL per line, without "
			    "spaces\n",
			    path, lineno);
			rc = -1;
			break;
		}
		if (add_target(cli, line) == -1) {
			fprintf(stderr, "%s:%d: target not added\n", path,
			    lineno);
			rc = -1;
			break;
		}
	}
	free(text);
	return rc;
}

static void
progress(struct cli *cli, int final)
{
	uint64_t now = now_mono_ms();

	if (!cli->progress)
		return;
	if (final) {
		fprintf(stderr, "\r\033[K");
		return;
	}
	if (now - cli->last_progress_ms < 100)
		return;
	cli->last_progress_ms = now;
	fprintf(stderr, "\rchecked %zu of %zu targets", cli->ndone,
	    cli->nslots);
}

static void
flush_ready(struct cli *cli)
{
	while (
	    cli->next_print < cli->nslots && cli->slots[cli->next_print].done) {
		struct slot *s = &cli->slots[cli->next_print++];

		if (s->out != NULL) {
			if (cli->progress)
				fprintf(stderr, "\r\033[K");
			if (cli->mode == MODE_JSON)
				printf("%s%s", cli->json_first ? "" : ",\n",
				    s->out);
			else
				fputs(s->out, stdout);
			cli->json_first = 0;
			free(s->out);
			s->out = NULL;
		}
	}
	fflush(stdout);
}

static void
report_cb(struct check_report *rep, void *arg)
{
	struct cli  *cli = arg;
	struct slot *s = rep->t->user;

	s->status = output_status(rep);
	cli->worst = s->status > cli->worst ? s->status : cli->worst;
	switch (cli->mode) {
	case MODE_TABLE:
		s->out = output_table(rep, cli->colour);
		break;
	case MODE_JSON: {
		cJSON *j = output_json(rep);

		s->out = cJSON_Print(j);
		cJSON_Delete(j);
		break;
	}
	case MODE_NAGIOS:
		output_nagios_add(&cli->nag, rep,
		    cli->nslots > 1 ? rep->t->name : NULL);
		break;
	}
	s->done = 1;
	cli->ndone++;
	flush_ready(cli);
	progress(cli, 0);
	if (cli->ndone == cli->nslots)
		ev_break(cli->loop);
}

static int
parse_seconds(const char *s, int *ms)
{
	char  *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0.1 ||
	    v > 300)
		return -1;
	*ms = (int)(v * 1000);
	return 0;
}

int
check_main(int argc, char **argv)
{
	enum {
		O_JSON = 256,
		O_NAGIOS,
		O_TIMEOUT,
		O_CACERT,
		O_LARGE,
		O_WARN,
		O_RESOLVE,
		O_CONC,
		O_NONS,
		O_EXPECT_STATUS,
		O_EXPECT_BODY
	};
	static const struct option opts[] = {{"json", no_argument, NULL,
						 O_JSON},
	    {"nagios", no_argument, NULL, O_NAGIOS},
	    {"timeout", required_argument, NULL, O_TIMEOUT},
	    {"cacert", required_argument, NULL, O_CACERT},
	    {"large-path", required_argument, NULL, O_LARGE},
	    {"warn-days", required_argument, NULL, O_WARN},
	    {"resolve", required_argument, NULL, O_RESOLVE},
	    {"concurrency", required_argument, NULL, O_CONC},
	    {"no-ns", no_argument, NULL, O_NONS},
	    {"expect-status", required_argument, NULL, O_EXPECT_STATUS},
	    {"expect-body", required_argument, NULL, O_EXPECT_BODY},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct check_override	   ov[CHECK_OVERRIDES_MAX];
	struct check_opts	   o;
	struct check_engine	  *e = NULL;
	struct cli		   cli;
	const char		  *cacert = NULL;
	char			   err[512], host[RESULT_NAME_MAX];
	long long		   v;
	int			   ch, rc = EXIT_USAGE;

	memset(&cli, 0, sizeof(cli));
	memset(&o, 0, sizeof(o));
	o.timeout_ms = probe_conf_default("timeout") * 1000;
	o.warn_days = probe_conf_default("warn_days");
	o.families = 1 << FAMILY_IPV6 | 1 << FAMILY_IPV4;
	o.concurrency = 50;
	o.ns_check = 1;
	o.ns_cache_s = 3600;
	o.overrides = ov;
	cli.json_first = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "46f:hv", opts, NULL)) != -1) {
		switch (ch) {
		case '4':
			o.families = 1 << FAMILY_IPV4;
			break;
		case '6':
			o.families = 1 << FAMILY_IPV6;
			break;
		case 'f':
			if (read_file(&cli, optarg) == -1)
				goto out;
			break;
		case 'v':
			log_setverbose(log_getverbose() + 1);
			break;
		case O_JSON:
			cli.mode = MODE_JSON;
			break;
		case O_NAGIOS:
			cli.mode = MODE_NAGIOS;
			break;
		case O_TIMEOUT:
			if (parse_seconds(optarg, &o.timeout_ms) == -1) {
				fprintf(stderr,
				    "v6probe check: --timeout: "
				    "want seconds between 0.1 and 300\n");
				goto out;
			}
			break;
		case O_CACERT:
			cacert = optarg;
			break;
		case O_LARGE:
			if (optarg[0] != '/' || strlen(optarg) > 1024 ||
			    strpbrk(optarg, " \t\r\n") != NULL) {
				fprintf(stderr,
				    "v6probe check: --large-path: "
				    "want a path starting with /\n");
				goto out;
			}
			o.large_path = optarg;
			break;
		case O_WARN:
			if (parse_int(optarg, 0, 3650, &v) == -1) {
				fprintf(stderr,
				    "v6probe check: --warn-days: "
				    "want 0..3650\n");
				goto out;
			}
			o.warn_days = (int)v;
			break;
		case O_RESOLVE:
			if (o.noverrides == CHECK_OVERRIDES_MAX) {
				fprintf(stderr,
				    "v6probe check: more than %d "
				    "--resolve\n",
				    CHECK_OVERRIDES_MAX);
				goto out;
			}
			if (check_override_parse(optarg, &ov[o.noverrides], err,
				sizeof(err)) == -1) {
				fprintf(stderr, "v6probe check: %s\n", err);
				goto out;
			}
			o.noverrides++;
			break;
		case O_CONC:
			if (parse_int(optarg, 1, 10000, &v) == -1) {
				fprintf(stderr,
				    "v6probe check: "
				    "--concurrency: want 1..10000\n");
				goto out;
			}
			o.concurrency = (int)v;
			break;
		case O_NONS:
			o.ns_check = 0;
			break;
		case O_EXPECT_STATUS:
			if (check_expect_status_parse(optarg, &o.expect, err,
				sizeof(err)) == -1) {
				fprintf(stderr,
				    "v6probe check: --expect-status %s\n", err);
				goto out;
			}
			break;
		case O_EXPECT_BODY:
			if (optarg[0] == '\0' ||
			    strlen(optarg) > CHECK_EXPECT_BODY_MAX) {
				fprintf(stderr,
				    "v6probe check: --expect-body: want "
				    "1..%d bytes of text\n",
				    CHECK_EXPECT_BODY_MAX);
				goto out;
			}
			o.expect.body = optarg;
			break;
		case 'h':
			check_usage(stdout);
			rc = 0;
			goto out;
		default:
			check_usage(stderr);
			goto out;
		}
	}
	for (int i = optind; i < argc; i++)
		if (add_target(&cli, argv[i]) == -1)
			goto out;
	if (cli.nslots == 0) {
		fprintf(stderr,
		    "v6probe check: no URL given (see v6probe "
		    "check --help)\n");
		goto out;
	}
	if ((o.store = trust_load(cacert, err, sizeof(err))) == NULL) {
		fprintf(stderr, "v6probe check: %s\n", err);
		goto out;
	}
	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0' ||
	    str_has_ctrl(host))
		snprintf(host, sizeof(host), "v6probe");
	host[sizeof(host) - 1] = '\0';
	o.probe = host;
	cli.colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL &&
	    cli.mode == MODE_TABLE;
	cli.progress = isatty(STDERR_FILENO) && cli.nslots > 20;
	if (resolv_library_init() == -1 ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "v6probe check: library setup failed\n");
		goto out;
	}
	if ((cli.loop = ev_loop_new()) == NULL)
		fatal("epoll");
	if ((e = check_engine_new(cli.loop, &o, report_cb, &cli, err,
		 sizeof(err))) == NULL) {
		fprintf(stderr, "v6probe check: %s\n", err);
		goto out;
	}
	if (cli.mode == MODE_JSON)
		printf("{\"targets\":[\n");
	for (size_t i = 0; i < cli.nslots; i++) {
		cli.slots[i].t.user = &cli.slots[i];
		check_submit(e, &cli.slots[i].t);
	}
	if (ev_run(cli.loop) == -1)
		fatal("event loop");
	progress(&cli, 1);
	if (cli.mode == MODE_JSON)
		printf("\n]}\n");
	if (cli.mode == MODE_NAGIOS) {
		char *line = output_nagios_line(&cli.nag, cli.slots[0].t.url);

		fputs(line, stdout);
		free(line);
	}
	fflush(stdout);
	rc = cli.worst;
out:
	check_engine_free(e);
	ev_loop_free(cli.loop);
	X509_STORE_free(o.store);
	output_nagios_free(&cli.nag);
	for (size_t i = 0; i < cli.nslots; i++) {
		check_target_clear(&cli.slots[i].t);
		free(cli.slots[i].t.url);
		free(cli.slots[i].t.name);
		free(cli.slots[i].out);
	}
	free(cli.slots);
	curl_global_cleanup();
	return rc;
}
