/*
 * cmd_traffic: the `v6probe traffic` subcommand: totals of a capture file, or
 * one line per interval of a live capture, as text or JSON.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "capture.h"
#include "ev.h"
#include "pkt.h"
#include "cmd_traffic.h"
#include "util.h"

#define TRAFFIC_EXIT_ERROR	 3
#define TRAFFIC_INTERVAL_DEFAULT 10
#define TRAFFIC_INTERVAL_MAX	 86400

static const char *const fam_names[PKT_FAMILY__N] = {"ipv6", "ipv4", "other"};

struct traffic_live {
	struct ev_loop	*loop;
	struct capture	*cap;
	struct ev_timer	 tick;
	struct ev_signal sigint, sigterm;
	const char	*iface;
	int		 json;
	uint64_t	 interval_ms;
	uint64_t	 last_ms; /* monotonic time of the previous take */
	uint64_t	 due_ms;
	int		 status;
};

static void
traffic_usage(FILE *f)
{
	fprintf(f,
	    "usage: v6probe traffic -r FILE [--json] [--filter BPF]\n"
	    "       v6probe traffic -i IFACE [--interval S] [--json] [--filter BPF]\n"
	    "\n"
	    "Count packets and bytes per family (IPv6, IPv4, other), the IPv6 share\n"
	    "of IP bytes, ICMPv6 Packet Too Big messages with the MTUs they carry\n"
	    "and ICMPv6 Destination Unreachable messages by code.\n"
	    "\n"
	    "  -r, --read FILE      read a capture file (pcap or pcapng; - is stdin)\n"
	    "                       and print its totals\n"
	    "  -i, --interface IF   capture live on IF (needs root or CAP_NET_RAW)\n"
	    "                       and print one line per interval until SIGINT or\n"
	    "                       SIGTERM; a last line covers the partial interval\n"
	    "  --interval S         seconds per line with -i (1-%d, default %d)\n"
	    "  --json               JSON instead of text; with -i one document a line\n"
	    "  -f, --filter BPF     count only packets that match a pcap-filter(7)\n"
	    "                       expression\n"
	    "  -h, --help           show this text\n"
	    "\n"
	    "VLAN-tagged (802.1Q, 802.1ad) and PPPoE frames count by their inner\n"
	    "family; truncated or malformed frames count under other (and as\n"
	    "\"malformed\"). Bytes are lengths on the wire. Link types: Ethernet,\n"
	    "Linux cooked (SLL, SLL2), raw IP, BSD loopback.\n"
	    "\n"
	    "JSON: packets, bytes (ipv6, ipv4, other), ipv6_share (of IP bytes),\n"
	    "icmpv6 (packet_too_big, dest_unreachable, unreachable_by_code,\n"
	    "ptb_mtus [{mtu, count}], ptb_mtus_untracked, ptb_mtu_min), malformed;\n"
	    "with -i also ts, iface, interval_s and drops (packets the kernel\n"
	    "dropped). Live counts lag the wire by up to %d ms.\n"
	    "\n"
	    "Examples:\n"
	    "  v6probe traffic -r uplink.pcapng\n"
	    "  v6probe traffic -r uplink.pcap --json --filter 'not port 22'\n"
	    "  tcpdump -i eth0 -c 10000 -w - | v6probe traffic -r -\n"
	    "  v6probe traffic -i eth0 --interval 5\n"
	    "  v6probe traffic -i eth0 --interval 60 --json >>traffic.jsonl\n"
	    "\n"
	    "Exit status: 0 done, 3 usage error, unreadable file or capture error.\n",
	    TRAFFIC_INTERVAL_MAX, TRAFFIC_INTERVAL_DEFAULT, CAPTURE_TIMEOUT_MS);
}

/* msg NULL: getopt said what is wrong. */
static int
traffic_usage_error(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "v6probe traffic: %s\n", msg);
	fprintf(stderr,
	    "usage: v6probe traffic (-i IFACE | -r FILE) [--json] [--interval S] [--filter BPF]\n"
	    "       (v6probe traffic --help for more)\n");
	return TRAFFIC_EXIT_ERROR;
}

static double
traffic_share(const struct pkt_counts *c)
{
	double ip = (double)c->bytes[PKT_IPV6] + (double)c->bytes[PKT_IPV4];

	return ip > 0 ? (double)c->bytes[PKT_IPV6] / ip : 0;
}

static int
traffic_mtu_cmp(const void *a, const void *b)
{
	const struct pkt_mtu *x = a, *y = b;

	return (x->mtu > y->mtu) - (x->mtu < y->mtu);
}

/* The PTB MTU slots in use, sorted by MTU; returns how many. */
static size_t
traffic_mtus(const struct pkt_counts *c, struct pkt_mtu *out)
{
	size_t n = 0;

	for (size_t i = 0; i < PKT_MTU_SLOTS && c->mtus[i].count > 0; i++)
		out[n++] = c->mtus[i];
	qsort(out, n, sizeof(out[0]), traffic_mtu_cmp);
	return n;
}

/* The totals document of DESIGN.md, plus the detail of the ICMPv6 part. */
static void
traffic_json_counts(cJSON *root, const struct pkt_counts *c)
{
	struct pkt_mtu mtus[PKT_MTU_SLOTS];
	cJSON	      *pk, *by, *ic, *uc, *ma, *m;
	size_t	       n;

	pk = cJSON_AddObjectToObject(root, "packets");
	by = cJSON_AddObjectToObject(root, "bytes");
	for (int i = 0; i < PKT_FAMILY__N; i++) {
		cJSON_AddNumberToObject(pk, fam_names[i],
		    (double)c->packets[i]);
		cJSON_AddNumberToObject(by, fam_names[i], (double)c->bytes[i]);
	}
	cJSON_AddNumberToObject(root, "ipv6_share",
	    round(traffic_share(c) * 1e4) / 1e4);
	ic = cJSON_AddObjectToObject(root, "icmpv6");
	cJSON_AddNumberToObject(ic, "packet_too_big", (double)c->ptb);
	cJSON_AddNumberToObject(ic, "dest_unreachable", (double)c->unreach);
	uc = cJSON_AddObjectToObject(ic, "unreachable_by_code");
	for (unsigned i = 0; i < PKT_UNREACH_CODES; i++)
		cJSON_AddNumberToObject(uc, pkt_unreach_name(i),
		    (double)c->unreach_code[i]);
	ma = cJSON_AddArrayToObject(ic, "ptb_mtus");
	n = traffic_mtus(c, mtus);
	for (size_t i = 0; i < n; i++) {
		m = cJSON_CreateObject();
		cJSON_AddItemToArray(ma, m);
		cJSON_AddNumberToObject(m, "mtu", mtus[i].mtu);
		cJSON_AddNumberToObject(m, "count", (double)mtus[i].count);
	}
	cJSON_AddNumberToObject(ic, "ptb_mtus_untracked",
	    (double)c->mtu_overflow);
	if (c->mtu_seen > 0)
		cJSON_AddNumberToObject(ic, "ptb_mtu_min", c->mtu_min);
	else
		cJSON_AddNullToObject(ic, "ptb_mtu_min");
	cJSON_AddNumberToObject(root, "malformed", (double)c->malformed);
}

/* Print root as one line and free it; -1 when stdout failed. */
static int
traffic_json_print(cJSON *root)
{
	char *s = cJSON_PrintUnformatted(root);
	int   rc;

	cJSON_Delete(root);
	if (s == NULL)
		return -1;
	rc = printf("%s\n", s) < 0 ? -1 : 0;
	cJSON_free(s);
	return rc;
}

static void
traffic_text_totals(const struct pkt_counts *c)
{
	struct pkt_mtu mtus[PKT_MTU_SLOTS];
	size_t	       n;
	const char    *sep = "";

	printf("packets     %" PRIu64 "  (ipv6 %" PRIu64 ", ipv4 %" PRIu64
	       ", other %" PRIu64 ")\n",
	    c->packets[0] + c->packets[1] + c->packets[2], c->packets[0],
	    c->packets[1], c->packets[2]);
	printf("bytes       %" PRIu64 "  (ipv6 %" PRIu64 ", ipv4 %" PRIu64
	       ", other %" PRIu64 ")\n",
	    c->bytes[0] + c->bytes[1] + c->bytes[2], c->bytes[0], c->bytes[1],
	    c->bytes[2]);
	printf("ipv6 share  %.2f%% of IP bytes\n", traffic_share(c) * 100);
	printf("icmpv6      packet too big %" PRIu64
	       ", destination unreachable %" PRIu64 "\n",
	    c->ptb, c->unreach);
	n = traffic_mtus(c, mtus);
	if (n > 0) {
		printf("ptb mtus   ");
		for (size_t i = 0; i < n; i++)
			printf(" %" PRIu32 " x%" PRIu64 "%s", mtus[i].mtu,
			    mtus[i].count, i + 1 < n ? "," : "");
		if (c->mtu_overflow > 0)
			printf(", %" PRIu64 " more", c->mtu_overflow);
		printf("  (smallest %" PRIu32 ")\n", c->mtu_min);
	}
	if (c->unreach > 0) {
		printf("unreachable ");
		for (unsigned i = 0; i < PKT_UNREACH_CODES; i++) {
			if (c->unreach_code[i] == 0)
				continue;
			printf("%s%s %" PRIu64, sep, pkt_unreach_name(i),
			    c->unreach_code[i]);
			sep = ", ";
		}
		printf("\n");
	}
	if (c->malformed > 0)
		printf("malformed   %" PRIu64 "  (counted under other)\n",
		    c->malformed);
}

static int
traffic_file(const char *path, const char *filter, int json)
{
	struct pkt_counts c;
	char		  err[512];
	cJSON		 *root;

	memset(&c, 0, sizeof(c));
	if (capture_read_file(path, filter, &c, err, sizeof(err)) == -1) {
		fprintf(stderr, "v6probe traffic: %s\n", err);
		return TRAFFIC_EXIT_ERROR;
	}
	if (json) {
		root = cJSON_CreateObject();
		traffic_json_counts(root, &c);
		if (traffic_json_print(root) == -1)
			return TRAFFIC_EXIT_ERROR;
	} else
		traffic_text_totals(&c);
	return fflush(stdout) == 0 ? 0 : TRAFFIC_EXIT_ERROR;
}

/* live capture */

static void
traffic_line(struct traffic_live *t, const struct pkt_counts *c,
    double interval_s)
{
	double	  ts = now_wall();
	cJSON	 *root;
	char	  when[32];
	time_t	  secs = (time_t)ts;
	struct tm tm;

	if (t->json) {
		root = cJSON_CreateObject();
		cJSON_AddNumberToObject(root, "ts", round(ts * 1000) / 1000);
		cJSON_AddStringToObject(root, "iface", t->iface);
		cJSON_AddNumberToObject(root, "interval_s",
		    round(interval_s * 1000) / 1000);
		traffic_json_counts(root, c);
		cJSON_AddNumberToObject(root, "drops", (double)c->drops);
		if (traffic_json_print(root) == -1)
			t->status = TRAFFIC_EXIT_ERROR;
	} else {
		if (localtime_r(&secs, &tm) == NULL ||
		    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
			snprintf(when, sizeof(when), "%lld", (long long)secs);
		printf("%s %s %.1fs  ipv6 %" PRIu64 " pkts %" PRIu64
		       " B  ipv4 %" PRIu64 " pkts %" PRIu64 " B  other %" PRIu64
		       " pkts %" PRIu64 " B  ipv6 share %.1f%%  ptb %" PRIu64
		       "  unreach %" PRIu64 "  drops %" PRIu64 "\n",
		    when, t->iface, interval_s, c->packets[0], c->bytes[0],
		    c->packets[1], c->bytes[1], c->packets[2], c->bytes[2],
		    traffic_share(c) * 100, c->ptb, c->unreach, c->drops);
	}
	if (fflush(stdout) != 0)
		t->status = TRAFFIC_EXIT_ERROR;
}

static void
traffic_take(struct traffic_live *t)
{
	struct pkt_counts c;
	uint64_t	  now;

	capture_take(t->cap, &c);
	ev_now_update(t->loop);
	now = ev_now(t->loop);
	traffic_line(t, &c, (double)(now - t->last_ms) / 1000.0);
	t->last_ms = now;
}

static void
traffic_tick_cb(struct ev_loop *loop, struct ev_timer *tm)
{
	struct traffic_live *t = tm->arg;
	const char	    *err;

	traffic_take(t);
	if ((err = capture_error(t->cap)) != NULL) {
		fprintf(stderr, "v6probe traffic: %s\n", err);
		t->status = TRAFFIC_EXIT_ERROR;
	}
	if (t->status != 0) {
		ev_break(loop);
		return;
	}
	/* Keep to the schedule; skip intervals the loop slept through. */
	t->due_ms += t->interval_ms;
	if (t->due_ms <= ev_now(loop))
		t->due_ms = ev_now(loop) + t->interval_ms;
	ev_timer_arm_at(loop, &t->tick, t->due_ms);
}

static void
traffic_signal_cb(struct ev_loop *loop, struct ev_signal *s)
{
	struct traffic_live *t = s->arg;

	traffic_take(t);
	ev_break(loop);
}

static int
traffic_live(const char *iface, const char *filter, int json,
    long long interval_s)
{
	struct traffic_live t;
	char		    err[512];

	memset(&t, 0, sizeof(t));
	t.iface = iface;
	t.json = json;
	t.interval_ms = (uint64_t)interval_s * 1000;
	if ((t.loop = ev_loop_new()) == NULL) {
		fprintf(stderr, "v6probe traffic: cannot create event loop\n");
		return TRAFFIC_EXIT_ERROR;
	}
	if (ev_signal_start(t.loop, &t.sigint, SIGINT, traffic_signal_cb, &t) ==
		-1 ||
	    ev_signal_start(t.loop, &t.sigterm, SIGTERM, traffic_signal_cb,
		&t) == -1) {
		fprintf(stderr, "v6probe traffic: signals: %s\n",
		    strerror(errno));
		ev_loop_free(t.loop);
		return TRAFFIC_EXIT_ERROR;
	}
	t.cap = capture_open(t.loop, iface, filter, err, sizeof(err));
	if (t.cap == NULL) {
		fprintf(stderr, "v6probe traffic: %s\n", err);
		ev_loop_free(t.loop);
		return TRAFFIC_EXIT_ERROR;
	}
	fprintf(stderr,
	    "v6probe traffic: capturing on %s, a line every %llds\n", iface,
	    interval_s);
	ev_now_update(t.loop);
	t.last_ms = ev_now(t.loop);
	t.due_ms = t.last_ms + t.interval_ms;
	ev_timer_init(&t.tick, traffic_tick_cb, &t);
	ev_timer_arm_at(t.loop, &t.tick, t.due_ms);
	if (ev_run(t.loop) == -1) {
		fprintf(stderr, "v6probe traffic: event loop: %s\n",
		    strerror(errno));
		t.status = TRAFFIC_EXIT_ERROR;
	}
	ev_timer_disarm(t.loop, &t.tick);
	ev_signal_stop(t.loop, &t.sigint);
	ev_signal_stop(t.loop, &t.sigterm);
	capture_close(t.cap);
	ev_loop_free(t.loop);
	return t.status;
}

int
traffic_main(int argc, char **argv)
{
	enum { OPT_JSON = 256, OPT_INTERVAL };
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
	    {"interface", required_argument, NULL, 'i'},
	    {"read", required_argument, NULL, 'r'},
	    {"filter", required_argument, NULL, 'f'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"interval", required_argument, NULL, OPT_INTERVAL},
	    {NULL, 0, NULL, 0}};
	const char		  *iface = NULL, *file = NULL, *filter = NULL;
	long long		   interval_s = TRAFFIC_INTERVAL_DEFAULT;
	int			   ch, json = 0, has_interval = 0;

	optind = 0; /* the caller's getopt stopped at "traffic" */
	while ((ch = getopt_long(argc, argv, "hi:r:f:", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			traffic_usage(stdout);
			return 0;
		case 'i':
			iface = optarg;
			break;
		case 'r':
			file = optarg;
			break;
		case 'f':
			filter = optarg;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_INTERVAL:
			if (parse_int(optarg, 1, TRAFFIC_INTERVAL_MAX,
				&interval_s) == -1)
				return traffic_usage_error(
				    "--interval takes whole seconds, 1 to 86400");
			has_interval = 1;
			break;
		default:
			return traffic_usage_error(NULL);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "v6probe traffic: unexpected argument '%s'\n",
		    argv[optind]);
		return traffic_usage_error(NULL);
	}
	if ((iface == NULL) == (file == NULL))
		return traffic_usage_error("give one of -i IFACE or -r FILE");
	if (file != NULL && has_interval)
		return traffic_usage_error("--interval goes with -i only");
	if (iface != NULL && iface[0] == '\0')
		return traffic_usage_error("-i needs an interface name");
	if (file != NULL)
		return traffic_file(file, filter, json);
	return traffic_live(iface, filter, json, interval_s);
}
