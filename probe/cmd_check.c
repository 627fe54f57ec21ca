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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
#include "url.h"
#include "util.h"

#define TARGETS_MAX    100000
#define FILE_MAX       (16u << 20)
#define LINE_MAX_BYTES 4096 /* a line of -f FILE: a URL and a comment */

enum mode { MODE_TABLE, MODE_JSON, MODE_NAGIOS };

struct slot {
	struct check_target t;
	char		   *out;     /* formatted, waiting for its turn */
	char		   *unicode; /* the URL, host in Unicode; NULL: same */
	char		   *shown;   /* the target for people */
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
	int nagios_words; /* --nagios given: errors as UNKNOWN too */
};

static void
check_usage(FILE *f)
{
	fprintf(f,
	    "usage: v6probe check [--json | --nagios [-w RANGE] [-c RANGE]] [-4 | -6]\n"
	    "                     [-t S] [--cacert FILE] [--large-path PATH]\n"
	    "                     [--warn-days N] [--resolve HOST:PORT:ADDR[,ADDR]]\n"
	    "                     [--concurrency N] [--no-ns] [--no-http80]\n"
	    "                     [-f FILE | -f -]\n"
	    "                     [--expect-status LIST] [--expect-body TEXT]\n"
	    "                     [-H HOST [-p PORT] [-u PATH] [-S]] [--] URL|HOST ...\n"
	    "\n"
	    "Checks each service over IPv6 and IPv4 side by side: DNS, a TCP connect\n"
	    "to every address, TLS, HTTP (redirects followed within the family), a\n"
	    "large transfer, and the IPv6 readiness of the zone's name servers.\n"
	    "Options may come before or after the URLs; -- ends them.\n"
	    "\n"
	    "  --json            one JSON document: {\"targets\":[...]}\n"
	    "  --nagios          one Nagios/Icinga plugin line with perfdata\n"
	    "  -w, --warning R   (--nagios) WARNING when a family's total time, in\n"
	    "                    seconds, is in alert for range R: 10 (over 10),\n"
	    "                    10: (under 10), ~:10, 10:20 (outside), @10:20 (inside)\n"
	    "  -c, --critical R  (--nagios) CRITICAL, the same way\n"
	    "  -4, -6            check only IPv4 / only IPv6 (with -4, ready means\n"
	    "                    that IPv4 works)\n"
	    "  -t, --timeout S   deadline of each phase, seconds (default 10)\n"
	    "  --cacert FILE     trust the CAs in this PEM file (default: the system\n"
	    "                    store, read on demand from its hashed directory\n"
	    "                    /etc/ssl/certs, or SSL_CERT_FILE when set)\n"
	    "  --large-path P    also fetch P (e.g. /static/app.js) to catch path-MTU\n"
	    "                    black holes; a page over 64 KiB counts by itself\n"
	    "  --warn-days N     warn when the certificate expires within N days (30)\n"
	    "  --resolve H:P:A   use address A for host H, port P (as curl; repeatable)\n"
	    "  --concurrency N   targets checked at once (default 50)\n"
	    "  --no-ns           skip the name-server check\n"
	    "  --no-http80       skip the check of http://HOST/ (port 80) on every\n"
	    "                    address of an https:// target\n"
	    "  --expect-status L the final statuses that mean the service works,\n"
	    "                    e.g. 200,401 for a login service\n"
	    "  --expect-body T   the page must contain T over both families\n"
	    "  -f FILE           read URLs from FILE (- for standard input), one per\n"
	    "                    line, # comments\n"
	    "  -H, --hostname H  check_http style: the target http://H/, with\n"
	    "  -p, --port P      port P,\n"
	    "  -u, --url PATH    path PATH (default /),\n"
	    "  -S, --ssl         https instead of http\n"
	    "\n"
	    "A HOST without a scheme means https://HOST/. Host names may be\n"
	    "internationalised (IDNA2008): they are checked by their A-labels.\n"
	    "Exit status: 0 all ready, 1 ready with warnings, 2 not ready,\n"
	    "3 usage error (under --nagios: OK, WARNING, CRITICAL, UNKNOWN).\n"
	    "\n"
	    "Examples:\n"
	    "  v6probe check www.example\n"
	    "  v6probe check --json https://portal.example/ https://tax.example/\n"
	    "  v6probe check --nagios -w 2 -c 5 --warn-days 14 https://portal.example/\n"
	    "  v6probe check --nagios -H portal.example -S -u /login -t 10\n"
	    "  v6probe check -6 --resolve portal.example:443:[2001:db8::10] \\\n"
	    "      https://portal.example/\n"
	    "  grep -v '^#' urls.txt | v6probe check --json -f -\n");
}

/*
 * A usage error: on stderr, and under --nagios also as the plugin line
 * (Nagios shows only standard output). The caller exits 3.
 */
static void __attribute__((format(printf, 2, 3)))
usage_err(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	char	msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "v6probe check: %s\n", msg);
	if (cli->nagios_words) {
		for (char *p = msg; *p != '\0'; p++)
			if (*p == '|')
				*p = '/';
		printf("V6WATCH UNKNOWN - %s\n", msg);
	}
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

/*
 * Adds the target an argument names (where: "" for the command line,
 * "FILE:LINE: " for a line of -f FILE). -1 after a usage error.
 */
static int
add_target(struct cli *cli, const char *arg, const char *where)
{
	struct slot *s;
	char	     url[RESULT_URL_MAX], uni[RESULT_URL_MAX], err[512];

	if (cli->nslots == TARGETS_MAX) {
		usage_err(cli, "%smore than %d targets", where, TARGETS_MAX);
		return -1;
	}
	if (strlen(arg) > RESULT_URL_MAX - 1) {
		usage_err(cli, "%sURL longer than %d characters: %.60s...",
		    where, RESULT_URL_MAX - 1, arg);
		return -1;
	}
	if (url_target(arg, url, sizeof(url), uni, sizeof(uni), err,
		sizeof(err)) == -1) {
		usage_err(cli, "%s%s", where, err);
		return -1;
	}
	if ((cli->nslots & (cli->nslots - 1)) == 0)
		cli->slots = xreallocarray(cli->slots,
		    cli->nslots ? cli->nslots * 2 : 1, sizeof(*cli->slots));
	s = &cli->slots[cli->nslots++];
	memset(s, 0, sizeof(*s));
	s->t.url = xstrdup(url);
	s->t.name = target_name(s->t.url);
	s->shown = xstrdup(url);
	if (strcmp(uni, url) != 0) {
		/* both forms: the Unicode name and the A-labels DNS sees */
		struct url   u;
		enum outcome oc;

		s->unicode = xstrdup(uni);
		free(s->shown);
		if (url_parse(url, &u, &oc, err, sizeof(err)) == -1 ||
		    asprintf(&s->shown, "%s (%s)", uni, u.host) == -1)
			s->shown = xstrdup(uni);
	}
	return 0;
}

/*
 * -f FILE (- for standard input): one URL or HOST per line, # comments,
 * blank lines; a line at most LINE_MAX_BYTES, the input at most FILE_MAX.
 * A FIFO or a pipe (-f <(cmd)) is read as it comes. Errors name FILE:LINE.
 */
static int
read_file(struct cli *cli, const char *path)
{
	FILE	   *f;
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	char	    buf[LINE_MAX_BYTES + 1], where[256], *line, *end;
	size_t	    n, total = 0;
	int	    c, lineno = 0, rc = -1, longline;
	struct stat sb;

	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	if (f == NULL) {
		usage_err(cli, "-f %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		usage_err(cli, "-f %s: is a folder, not a file of URLs", path);
		goto done;
	}
	for (;;) {
		n = 0;
		longline = 0;
		while ((c = getc(f)) != EOF && c != '\n') {
			if (c == '\0') {
				usage_err(cli,
				    "%.200s:%d: a NUL byte: not a text file",
				    name, lineno + 1);
				goto done;
			}
			if (n < LINE_MAX_BYTES)
				buf[n++] = (char)c;
			else
				longline = 1;
			if (++total > FILE_MAX) {
				usage_err(cli, "%.200s: larger than %u MiB",
				    name, FILE_MAX >> 20);
				goto done;
			}
		}
		if (ferror(f)) {
			usage_err(cli, "%.200s:%d: %s", name, lineno + 1,
			    strerror(errno));
			goto done;
		}
		if (c == EOF && n == 0 && !longline)
			break;
		lineno++;
		if (longline) {
			usage_err(cli, "%.200s:%d: line longer than %d bytes",
			    name, lineno, LINE_MAX_BYTES);
			goto done;
		}
		buf[n] = '\0';
		line = buf;
		if ((end = strchr(line, '#')) != NULL)
			*end = '\0';
		while (isspace((unsigned char)*line))
			line++;
		end = line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*line == '\0')
			goto next;
		if (strpbrk(line, " \t") != NULL || str_has_ctrl(line)) {
			usage_err(cli,
			    "%.200s:%d: one URL per line, without spaces", name,
			    lineno);
			goto done;
		}
		snprintf(where, sizeof(where), "%.200s:%d: ", name, lineno);
		if (add_target(cli, line, where) == -1)
			goto done;
	next:
		if (c == EOF)
			break;
	}
	rc = 0;
done:
	if (f != stdin)
		fclose(f);
	return rc;
}

/* --resolve names a host as the targets do: in Unicode or A-labels. */
static int
resolve_host_ascii(const struct cli *cli, struct check_override *ov)
{
	char a[sizeof(ov->host)], err[512];

	if (url_host_ascii(ov->host, a, sizeof(a), err, sizeof(err)) == -1) {
		usage_err(cli, "--resolve: %s", err);
		return -1;
	}
	snprintf(ov->host, sizeof(ov->host), "%s", a);
	return 0;
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
		s->out = output_table(rep, s->shown, cli->colour);
		break;
	case MODE_JSON: {
		cJSON *j = output_json(rep, s->unicode);

		s->out = cJSON_Print(j);
		cJSON_Delete(j);
		break;
	}
	case MODE_NAGIOS:
		output_nagios_add(&cli->nag, rep,
		    cli->nslots > 1 ? rep->t->name : NULL, s->shown);
		break;
	}
	s->done = 1;
	cli->ndone++;
	flush_ready(cli);
	progress(cli, 0);
	if (cli->ndone == cli->nslots)
		ev_break(cli->loop);
}

/* -H HOST [-p PORT] [-u PATH] [-S]: a target as check_http takes it. */
struct hostpath {
	const char *host, *path;
	int	    port, tls, any;
};

static int
hp_option(const struct cli *cli, struct hostpath *hp, int ch, const char *arg)
{
	long long v;

	hp->any = 1;
	switch (ch) {
	case 'H':
		if (hp->host != NULL) {
			usage_err(cli,
			    "-H given twice (give more targets as URLs)");
			return -1;
		}
		hp->host = arg;
		break;
	case 'u':
		if (arg[0] != '/') {
			usage_err(cli, "-u %.80s: want a path starting with /",
			    arg);
			return -1;
		}
		hp->path = arg;
		break;
	case 'p':
		if (parse_int(arg, 1, 65535, &v) == -1) {
			usage_err(cli, "-p %.16s: want a port 1..65535", arg);
			return -1;
		}
		hp->port = (int)v;
		break;
	case 'S':
		hp->tls = 1;
		break;
	}
	return 0;
}

/* The URL -H, -p, -u, -S make: http://HOST/ unless -S, as check_http. */
static int
hp_target(struct cli *cli, const struct hostpath *hp)
{
	char *url, port[16] = "";
	int   rc, v6 = 0;

	if (!hp->any)
		return 0;
	if (hp->host == NULL) {
		usage_err(cli, "-u, -p and -S need -H HOST");
		return -1;
	}
	if (hp->host[0] == '-' || strpbrk(hp->host, "/?#@[]") != NULL) {
		usage_err(cli, "-H %.80s: want a host name or address",
		    hp->host);
		return -1;
	}
	v6 = strchr(hp->host, ':') != NULL;
	if (hp->port != 0)
		snprintf(port, sizeof(port), ":%d", hp->port);
	if (asprintf(&url, "%s://%s%s%s%s%s", hp->tls ? "https" : "http",
		v6 ? "[" : "", hp->host, v6 ? "]" : "", port,
		hp->path != NULL ? hp->path : "/") == -1)
		fatal("asprintf");
	rc = add_target(cli, url, "-H: ");
	free(url);
	return rc;
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
		O_NOHTTP80,
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
	    {"no-http80", no_argument, NULL, O_NOHTTP80},
	    /* as check_http and check_curl users type them */
	    {"warning", required_argument, NULL, 'w'},
	    {"critical", required_argument, NULL, 'c'},
	    {"hostname", required_argument, NULL, 'H'},
	    {"url", required_argument, NULL, 'u'},
	    {"port", required_argument, NULL, 'p'},
	    {"ssl", no_argument, NULL, 'S'},
	    {"expect-status", required_argument, NULL, O_EXPECT_STATUS},
	    {"expect-body", required_argument, NULL, O_EXPECT_BODY},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	struct check_override	   ov[CHECK_OVERRIDES_MAX];
	struct check_opts	   o;
	struct check_engine	  *e = NULL;
	struct cli		   cli;
	struct hostpath		   hp;
	const char		  *cacert = NULL;
	char			   err[512], host[RESULT_NAME_MAX];
	long long		   v;
	int			   ch, rc = EXIT_USAGE;

	memset(&cli, 0, sizeof(cli));
	memset(&hp, 0, sizeof(hp));
	memset(&o, 0, sizeof(o));
	o.timeout_ms = probe_conf_default("timeout") * 1000;
	o.warn_days = probe_conf_default("warn_days");
	o.families = 1 << FAMILY_IPV6 | 1 << FAMILY_IPV4;
	o.concurrency = 50;
	o.ns_check = 1;
	o.ns_cache_s = 3600;
	o.overrides = ov;
	cli.json_first = 1;
	/* errors found before --nagios is seen speak Nagios too */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--nagios") == 0)
			cli.nagios_words = 1;
	/*
	 * Options anywhere, as GNU tools take them ("-": operands come back
	 * in order as option 1, even with POSIXLY_CORRECT set); "--" ends
	 * them. optind 0 starts getopt afresh after main()'s "+" scan.
	 */
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "-:46f:hvt:w:c:H:u:p:S", opts,
		    NULL)) != -1) {
		switch (ch) {
		case 1:
			if (add_target(&cli, optarg, "") == -1)
				goto out;
			break;
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
		case O_NAGIOS:
			if (cli.mode != MODE_TABLE &&
			    cli.mode !=
				(ch == O_JSON ? MODE_JSON : MODE_NAGIOS)) {
				usage_err(&cli,
				    "--json and --nagios do not go together: choose one");
				goto out;
			}
			cli.mode = ch == O_JSON ? MODE_JSON : MODE_NAGIOS;
			break;
		case 't': /* check_http's -t */
		case O_TIMEOUT:
			if (parse_seconds(optarg, &o.timeout_ms) == -1) {
				usage_err(&cli,
				    "--timeout: want seconds between 0.1 and 300");
				goto out;
			}
			break;
		case O_CACERT:
			cacert = optarg;
			break;
		case O_LARGE:
			if (optarg[0] != '/' || strlen(optarg) > 1024 ||
			    strpbrk(optarg, " \t\r\n") != NULL) {
				usage_err(&cli,
				    "--large-path: want a path starting with /");
				goto out;
			}
			o.large_path = optarg;
			break;
		case O_WARN:
			if (parse_int(optarg, 0, 3650, &v) == -1) {
				usage_err(&cli, "--warn-days: want 0..3650");
				goto out;
			}
			o.warn_days = (int)v;
			break;
		case O_RESOLVE:
			if (o.noverrides == CHECK_OVERRIDES_MAX) {
				usage_err(&cli, "more than %d --resolve",
				    CHECK_OVERRIDES_MAX);
				goto out;
			}
			if (check_override_parse(optarg, &ov[o.noverrides], err,
				sizeof(err)) == -1) {
				usage_err(&cli, "%s", err);
				goto out;
			}
			if (resolve_host_ascii(&cli, &ov[o.noverrides]) == -1)
				goto out;
			o.noverrides++;
			break;
		case O_CONC:
			if (parse_int(optarg, 1, 10000, &v) == -1) {
				usage_err(&cli, "--concurrency: want 1..10000");
				goto out;
			}
			o.concurrency = (int)v;
			break;
		case O_NONS:
			o.ns_check = 0;
			break;
		case O_NOHTTP80:
			o.no_http80 = 1;
			break;
		case 'w':
		case 'c':
			if (output_range_parse(optarg,
				ch == 'w' ? &cli.nag.warn : &cli.nag.crit, err,
				sizeof(err)) == -1) {
				usage_err(&cli, "-%c: %s", ch, err);
				goto out;
			}
			break;
		case 'H':
		case 'u':
		case 'p':
		case 'S':
			if (hp_option(&cli, &hp, ch, optarg) == -1)
				goto out;
			break;
		case O_EXPECT_STATUS:
			if (check_expect_status_parse(optarg, &o.expect, err,
				sizeof(err)) == -1) {
				usage_err(&cli, "--expect-status %s", err);
				goto out;
			}
			break;
		case O_EXPECT_BODY:
			if (optarg[0] == '\0' ||
			    strlen(optarg) > CHECK_EXPECT_BODY_MAX) {
				usage_err(&cli,
				    "--expect-body: want 1..%d bytes of text",
				    CHECK_EXPECT_BODY_MAX);
				goto out;
			}
			o.expect.body = optarg;
			break;
		case 'h':
			check_usage(stdout);
			rc = 0;
			goto out;
		case ':':
			usage_err(&cli,
			    "%s needs a value (see v6probe check --help)",
			    argv[optind - 1]);
			goto out;
		default:
			if (optopt != 0)
				usage_err(&cli,
				    "unknown option -%c (see v6probe check --help)",
				    optopt);
			else
				usage_err(&cli,
				    "unknown option %s (see v6probe check --help)",
				    argv[optind - 1]);
			goto out;
		}
	}
	for (int i = optind; i < argc; i++)
		if (add_target(&cli, argv[i], "") == -1)
			goto out;
	if (hp_target(&cli, &hp) == -1)
		goto out;
	if ((cli.nag.warn.set || cli.nag.crit.set) && cli.mode != MODE_NAGIOS) {
		usage_err(&cli,
		    "-w and -c are thresholds of the --nagios line: add --nagios");
		goto out;
	}
	if (cli.nslots == 0) {
		usage_err(&cli, "no URL given (see v6probe check --help)");
		goto out;
	}
	if ((o.store = trust_load(cacert, err, sizeof(err))) == NULL) {
		usage_err(&cli, "%s", err);
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
		usage_err(&cli, "library setup failed");
		goto out;
	}
	if ((cli.loop = ev_loop_new()) == NULL)
		fatal("epoll");
	if ((e = check_engine_new(cli.loop, &o, report_cb, &cli, err,
		 sizeof(err))) == NULL) {
		usage_err(&cli, "%s", err);
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
		char *line = output_nagios_line(&cli.nag, cli.slots[0].shown);

		fputs(line, stdout);
		free(line);
	}
	fflush(stdout);
	rc = cli.mode == MODE_NAGIOS ? cli.nag.worst : cli.worst;
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
		free(cli.slots[i].unicode);
		free(cli.slots[i].shown);
	}
	free(cli.slots);
	curl_global_cleanup();
	return rc;
}
