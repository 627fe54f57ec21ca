/*
 * collpost: post result batches to v6collector over one keep-alive HTTP
 * connection and add up the answers -- the load generator of the collector
 * benchmark and the probe stand-in of the integration tests.
 *
 *   collpost [options] -a ADDR -p PORT -t TOKENFILE FILE...
 *   collpost [options] -a ADDR -p PORT -t TOKENFILE -g T,R,B
 *   collpost -g T,R,B -w DIR            write the batches, post nothing
 *
 *   -g T,R,B  generate T targets x 2 families x R rounds (60 s apart) of
 *             full records, B records per batch, in seq order; every
 *             batch is built before the first is sent
 *   -P NAME   probe name of generated records (default p1)
 *   -s SEQ    first seq (default 1);  -T TS  first ts (default 1764480000)
 *   -n N      send only the first N batches
 *   -r SECS   on a connection error or a 503, retry the batch for up to
 *             SECS seconds (default 0: give up at once)
 *   -q        no per-batch lines
 *
 * Prints one line of totals:
 *   batches=N records=N accepted=N duplicates=N rejected=N failed=N
 *   seconds=S records_per_s=X
 * and exits 0 when every batch was answered 200, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "util.h"

#define RESP_MAX (8 * 1024 * 1024)

struct body {
	char  *p;
	size_t len;
	size_t nrec;
};

struct opts {
	const char	  *addr;
	int		   port;
	char		   token[512];
	const char	  *probe;
	int		   gen_t, gen_r, gen_b;
	unsigned long long seq0;
	long long	   ts0;
	long		   nmax;
	double		   retry_s;
	const char	  *outdir;
	int		   quiet;
};

static struct body *bodies;
static size_t	    nbodies, capbodies;

static void
add_body(char *p, size_t len, size_t nrec)
{
	if (nbodies == capbodies) {
		capbodies = capbodies ? capbodies * 2 : 64;
		bodies = xreallocarray(bodies, capbodies, sizeof(*bodies));
	}
	bodies[nbodies].p = p;
	bodies[nbodies].len = len;
	bodies[nbodies].nrec = nrec;
	nbodies++;
}

/* One full record, like the probe sends. */
static int
gen_record(char *out, size_t size, const char *probe, int target, int fam,
    int round, unsigned long long seq, long long ts)
{
	char ip[64], remote[80];
	int  total = round % 1000 + 1;

	if (fam == 0) {
		snprintf(ip, sizeof(ip), "2001:db8::%x", target + 1);
		snprintf(remote, sizeof(remote), "[%s]:443", ip);
	} else {
		snprintf(ip, sizeof(ip), "198.51.100.%d", target % 250 + 1);
		snprintf(remote, sizeof(remote), "%s:443", ip);
	}
	return snprintf(out, size,
	    "{\"probe\":\"%s\",\"target\":\"t%04d\",\"group\":\"bench\","
	    "\"url\":\"https://t%04d.bench.example/\",\"family\":\"%s\","
	    "\"ts\":%lld,\"seq\":%llu,\"outcome\":\"ok\",\"warnings\":[],"
	    "\"addresses\":[{\"ip\":\"%s\",\"outcome\":\"ok\","
	    "\"connect_ms\":10.4}],\"remote\":\"%s\",\"ms\":{\"dns\":2.1,"
	    "\"connect\":10.4,\"tls\":31,\"ttfb\":55.2,\"total\":%d},"
	    "\"http\":{\"status\":200,\"bytes\":18234,\"sha256\":"
	    "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0"
	    "8\",\"effective_url\":\"https://t%04d.bench.example/\"},"
	    "\"tls\":{\"version\":\"TLSv1.3\",\"cert_days_left\":87,"
	    "\"issuer\":\"CN=Bench CA\"},\"ready\":true,\"score\":100}",
	    probe, target, target, fam == 0 ? "ipv6" : "ipv4", ts, seq, ip,
	    remote, total, target);
}

static void
generate(const struct opts *o)
{
	size_t per = (size_t)o->gen_t * 2 * (size_t)o->gen_r;
	size_t cap = (size_t)o->gen_b * 1100 + 256, len = 0, nrec = 0;
	char  *b = NULL, rec[1100];
	unsigned long long seq = o->seq0;

	for (size_t k = 0; k < per; k++, seq++) {
		int round = (int)(k / ((size_t)o->gen_t * 2));
		int target = (int)(k / 2 % (size_t)o->gen_t),
		    fam = (int)(k % 2);
		int n = gen_record(rec, sizeof(rec), o->probe, target, fam,
		    round, seq, o->ts0 + 60LL * round);

		if (b == NULL) {
			b = xmalloc(cap);
			len = (size_t)snprintf(b, cap,
			    "{\"probe\":\"%s\",\"results\":[", o->probe);
			nrec = 0;
		}
		if (nrec > 0)
			b[len++] = ',';
		memcpy(b + len, rec, (size_t)n);
		len += (size_t)n;
		nrec++;
		if (nrec == (size_t)o->gen_b || k + 1 == per) {
			memcpy(b + len, "]}", 2);
			len += 2;
			add_body(b, len, nrec);
			b = NULL;
		}
	}
}

static int
conn_open(const struct opts *o)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in  s4;
	struct timeval	    tv = {60, 0};
	int		    fd, one = 1;

	memset(&s6, 0, sizeof(s6));
	memset(&s4, 0, sizeof(s4));
	if (inet_pton(AF_INET6, o->addr, &s6.sin6_addr) == 1) {
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons((uint16_t)o->port);
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd == -1)
			return -1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&s6, sizeof(s6)) == 0)
			return fd;
	} else {
		if (inet_pton(AF_INET, o->addr, &s4.sin_addr) != 1)
			return -1;
		s4.sin_family = AF_INET;
		s4.sin_port = htons((uint16_t)o->port);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd == -1)
			return -1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&s4, sizeof(s4)) == 0)
			return fd;
	}
	close(fd);
	return -1;
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * One request on fd; the status, or -1 when the connection failed. The
 * answer's body goes to *resp (NUL-terminated, caller frees).
 */
static int
request(int fd, const struct opts *o, const struct body *b, char **resp)
{
	char   head[1024], *buf = xmalloc(RESP_MAX + 1), *hend = NULL;
	size_t got = 0, need = 0;
	int    n, status = -1;

	*resp = NULL;
	n = snprintf(head, sizeof(head),
	    "POST /api/v1/results HTTP/1.1\r\nHost: collector\r\n"
	    "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n",
	    o->token, b->len);
	if (write_all(fd, head, (size_t)n) == -1 ||
	    write_all(fd, b->p, b->len) == -1)
		goto fail;
	for (;;) {
		ssize_t r;

		if (got == RESP_MAX)
			goto fail;
		r = recv(fd, buf + got, RESP_MAX - got, 0);
		if (r <= 0) {
			if (r == -1 && errno == EINTR)
				continue;
			goto fail;
		}
		got += (size_t)r;
		buf[got] = '\0';
		if (hend == NULL && (hend = strstr(buf, "\r\n\r\n")) != NULL) {
			const char *cl = strcasestr(buf, "\r\nContent-Length:");

			if (cl == NULL || cl > hend ||
			    sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
				goto fail;
			need = (size_t)(hend + 4 - buf) +
			    strtoul(cl + 17, NULL, 10);
		}
		if (hend != NULL && got >= need)
			break;
	}
	buf[need] = '\0';
	*resp = xstrdup(hend + 4);
	free(buf);
	return status;
fail:
	free(buf);
	return -1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
answer_num(const cJSON *a, const char *k)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(a, k);

	if (cJSON_IsArray(it))
		return cJSON_GetArraySize(it);
	return cJSON_IsNumber(it) ? it->valuedouble : 0;
}

static void usage(void) __attribute__((noreturn));

/* The number of option -opt, in [min, max], or exit 2 naming it. */
static long long
num_arg(int opt, const char *s, long long min, long long max)
{
	long long v;

	if (parse_int(s, min, max, &v) == -1) {
		fprintf(stderr,
		    "collpost: -%c '%s': want an integer %lld..%lld\n", opt, s,
		    min, max);
		exit(2);
	}
	return v;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: collpost [-q] [-n N] [-r SECS] [-P NAME] [-s SEQ] [-T TS]\n"
	    "                -a ADDR -p PORT -t TOKENFILE (-g T,R,B | FILE...)\n"
	    "       collpost [-P NAME] [-s SEQ] [-T TS] -g T,R,B -w DIR\n");
	exit(2);
}

static int
write_batches(const char *dir)
{
	char path[4096];

	for (size_t i = 0; i < nbodies; i++) {
		snprintf(path, sizeof(path), "%s/batch-%05zu.json", dir, i);
		if (file_write_atomic(path, bodies[i].p, bodies[i].len, 0644) ==
		    -1) {
			perror(path);
			return 1;
		}
	}
	printf("batches=%zu\n", nbodies);
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = {.probe = "p1",
	    .seq0 = 1,
	    .ts0 = 1764480000,
	    .nmax = -1};
	double	    acc = 0, dup = 0, rej = 0, t0;
	size_t	    nrec = 0, failed = 0, sent = 0, ntotal;
	int	    ch, fd = -1;
	char	    err[256];

	while ((ch = getopt(argc, argv, "a:p:t:P:g:s:T:n:r:w:q")) != -1) {
		switch (ch) {
		case 'a':
			o.addr = optarg;
			break;
		case 'p':
			o.port = (int)num_arg('p', optarg, 1, 65535);
			break;
		case 't':
			if (secret_read(optarg, o.token, sizeof(o.token), err,
				sizeof(err)) == -1) {
				fprintf(stderr, "collpost: %s\n", err);
				return 2;
			}
			break;
		case 'P':
			o.probe = optarg;
			break;
		case 'g':
			if (sscanf(optarg, "%d,%d,%d", &o.gen_t, &o.gen_r,
				&o.gen_b) != 3 ||
			    o.gen_t < 1 || o.gen_t > 9999 || o.gen_r < 1 ||
			    o.gen_b < 1)
				usage();
			break;
		case 's':
			o.seq0 = strtoull(optarg, NULL, 10);
			break;
		case 'T':
			o.ts0 = strtoll(optarg, NULL, 10);
			break;
		case 'n':
			o.nmax = num_arg('n', optarg, 0, LONG_MAX);
			break;
		case 'r':
			o.retry_s = atof(optarg);
			break;
		case 'w':
			o.outdir = optarg;
			break;
		case 'q':
			o.quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (o.gen_t > 0)
		generate(&o);
	for (int i = optind; i < argc; i++) {
		char  *p;
		size_t len;

		if (file_read(argv[i], 64 << 20, &p, &len) == -1) {
			perror(argv[i]);
			return 2;
		}
		add_body(p, len, 0);
	}
	if (o.outdir != NULL)
		return write_batches(o.outdir);
	if (o.addr == NULL || o.port <= 0 || o.token[0] == '\0' || nbodies == 0)
		usage();
	ntotal = nbodies;
	if (o.nmax >= 0 && (size_t)o.nmax < nbodies)
		nbodies = (size_t)o.nmax;

	t0 = now_s();
	for (size_t i = 0; i < nbodies; i++) {
		double deadline = now_s() + o.retry_s;
		char  *resp = NULL;
		int    status = -1;

		for (int attempt = 0;; attempt++) {
			if (fd == -1)
				fd = conn_open(&o);
			if (fd != -1)
				status = request(fd, &o, &bodies[i], &resp);
			if (status == -1 && fd != -1) {
				close(fd);
				fd = -1;
				/* A keep-alive connection the server closed:
				 * one fresh try at once. */
				if (attempt == 0)
					continue;
			}
			if ((status == -1 || status == 503) &&
			    now_s() < deadline) {
				free(resp);
				resp = NULL;
				usleep(50000);
				continue;
			}
			break;
		}
		sent++;
		nrec += bodies[i].nrec;
		if (status == 200) {
			cJSON *a = cJSON_Parse(resp);

			acc += answer_num(a, "accepted");
			dup += answer_num(a, "duplicates");
			rej += answer_num(a, "rejected");
			cJSON_Delete(a);
		} else
			failed++;
		if (!o.quiet || status != 200)
			printf("batch %zu: %d %s\n", i, status,
			    resp != NULL ? resp : "(no answer)");
		free(resp);
		if (status == -1)
			break; /* the collector is gone */
	}
	{
		double dt = now_s() - t0;

		printf("batches=%zu records=%zu accepted=%.0f duplicates=%.0f "
		       "rejected=%.0f failed=%zu seconds=%.3f "
		       "records_per_s=%.0f\n",
		    sent, nrec, acc, dup, rej, failed, dt,
		    dt > 0 ? (double)nrec / dt : 0);
	}
	if (fd != -1)
		close(fd);
	for (size_t i = 0; i < ntotal; i++)
		free(bodies[i].p);
	free(bodies);
	return failed == 0 && sent == nbodies ? 0 : 1;
}
