/*
 * capture: libpcap glue. Live captures run on the event loop; capture files
 * are read in one go. Both hand every packet to capture_pkt_cb(), the one
 * per-packet function, which counts it with pkt_count().
 *
 * libpcap is loaded when the first capture opens, not linked: Debian's
 * brings eight shared libraries (D-Bus, libsystemd, libgcrypt...) that
 * every `v6probe check` would otherwise map and relocate, 0.9 MiB of RSS.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "capture.h"
#include "ev.h"
#include "log.h"
#include "util.h"

#define CAPTURE_FILE_BUFFER (1 << 20) /* stdio buffer of a capture file */
#define CAPTURE_FILE_BATCH  (1 << 20) /* packets per pcap_dispatch() */
/* Wakeups with an error and nothing read before the capture gives up. */
#define CAPTURE_ERR_WAKEUPS 100
#ifndef PCAP_SONAME
#define PCAP_SONAME "libpcap.so.0.8" /* Debian's; the Makefile asks the .so */
#endif

/* The libpcap calls made here, typed as pcap.h declares them. */
#define PCAP_CALLS(X)                  \
	X(activate)                    \
	X(close)                       \
	X(compile)                     \
	X(create)                      \
	X(datalink)                    \
	X(datalink_val_to_name)        \
	X(dispatch)                    \
	X(fopen_offline)               \
	X(freecode)                    \
	X(get_required_select_timeout) \
	X(get_selectable_fd)           \
	X(geterr)                      \
	X(set_buffer_size)             \
	X(set_promisc)                 \
	X(set_snaplen)                 \
	X(set_timeout)                 \
	X(setfilter)                   \
	X(setnonblock)                 \
	X(stats)                       \
	X(statustostr)

static struct {
#define PCAP_FIELD(n) __typeof__(pcap_##n) *n;
	PCAP_CALLS(PCAP_FIELD)
#undef PCAP_FIELD
	int loaded;
} pc;

/* What the per-packet callback counts into. */
struct capture_sink {
	struct pkt_counts *counts;
	int		   dlt;
};

struct capture {
	struct ev_loop	   *loop;
	pcap_t		   *pcap;
	char		   *iface;
	struct ev_io	    io;
	struct ev_timer	    poll; /* only when libpcap needs a timeout */
	uint64_t	    poll_ms;
	struct pkt_counts   counts;
	struct capture_sink sink;
	unsigned int	    last_drop; /* pcap_stats() ps_drop at last take */
	int		    err_wakeups;
	int		    failed;
	char		    error[PCAP_ERRBUF_SIZE + 128];
};

/* Load libpcap once; 0, or -1 with err set. */
static int
capture_dl(char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t	    off;
	} calls[] = {
#define PCAP_ENTRY(n) {"pcap_" #n, offsetof(__typeof__(pc), n)},
	    PCAP_CALLS(PCAP_ENTRY)
#undef PCAP_ENTRY
	};
	void *h, *f;

	if (pc.loaded)
		return 0;
	if ((h = dlopen(PCAP_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "cannot load libpcap: %s", dlerror());
		return -1;
	}
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if ((f = dlsym(h, calls[i].name)) == NULL) {
			snprintf(err, errlen, "%s: no %s: %s", PCAP_SONAME,
			    calls[i].name, dlerror());
			dlclose(h);
			return -1;
		}
		memcpy((char *)&pc + calls[i].off, &f, sizeof(f));
	}
	pc.loaded = 1; /* h stays open for the life of the process */
	return 0;
}

static void
capture_pkt_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture_sink *s = (struct capture_sink *)(void *)user;

	pkt_count(s->counts, s->dlt, bytes, h->caplen, h->len);
}

/* Compile and install filter (NULL or "": none). 0, or -1 with err set. */
static int
capture_filter(pcap_t *p, const char *name, const char *filter, char *err,
    size_t errlen)
{
	struct bpf_program prog;

	if (filter == NULL || filter[0] == '\0')
		return 0;
	if (strlen(filter) > CAPTURE_FILTER_MAX) {
		snprintf(err, errlen, "%s: filter longer than %d bytes", name,
		    CAPTURE_FILTER_MAX);
		return -1;
	}
	if (pc.compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) ==
	    PCAP_ERROR) {
		snprintf(err, errlen, "%s: filter '%s': %s", name, filter,
		    pc.geterr(p));
		return -1;
	}
	if (pc.setfilter(p, &prog) == PCAP_ERROR) {
		snprintf(err, errlen, "%s: filter '%s': %s", name, filter,
		    pc.geterr(p));
		pc.freecode(&prog);
		return -1;
	}
	pc.freecode(&prog);
	return 0;
}

static int
capture_check_dlt(pcap_t *p, const char *name, char *err, size_t errlen)
{
	int	    dlt = pc.datalink(p);
	const char *dname;

	if (pkt_dlt_supported(dlt))
		return 0;
	dname = pc.datalink_val_to_name(dlt);
	snprintf(err, errlen, "%s: link type %s (%d) is not supported", name,
	    dname != NULL ? dname : "unknown", dlt);
	return -1;
}

/* live capture */

static void
capture_fail(struct capture *c, const char *why)
{
	if (c->failed)
		return;
	c->failed = 1;
	snprintf(c->error, sizeof(c->error), "capture on %s: %s", c->iface,
	    why);
	ev_io_stop(c->loop, &c->io);
	ev_timer_disarm(c->loop, &c->poll);
}

/* One budget of packets; returns how many, or -1 once failed. */
static int
capture_read(struct capture *c)
{
	int n;

	if (c->failed)
		return -1;
	n = pc.dispatch(c->pcap, CAPTURE_BUDGET, capture_pkt_cb,
	    (u_char *)&c->sink);
	if (n == PCAP_ERROR) {
		capture_fail(c, pc.geterr(c->pcap));
		return -1;
	}
	return n < 0 ? 0 : n;
}

static void
capture_io_cb(struct ev_loop *loop, struct ev_io *io, int revents)
{
	struct capture *c = io->arg;
	int		n;

	(void)loop;
	n = capture_read(c);
	if (n > 0 || !(revents & EV_ERROR))
		c->err_wakeups = 0;
	else if (n == 0 && ++c->err_wakeups >= CAPTURE_ERR_WAKEUPS)
		capture_fail(c, "error on the capture socket");
}

static void
capture_poll_cb(struct ev_loop *loop, struct ev_timer *t)
{
	struct capture *c = t->arg;

	if (capture_read(c) >= 0)
		ev_timer_arm(loop, &c->poll, c->poll_ms);
}

/* The text of a pc.activate() error or warning. */
static void
capture_status(pcap_t *p, const char *iface, int rc, char *buf, size_t size)
{
	const char *detail = pc.geterr(p);

	const char *what = pc.statustostr(rc);

	if (rc == PCAP_ERROR || rc == PCAP_WARNING)
		snprintf(buf, size, "%s: %s", iface, detail);
	else if (detail[0] == '\0' || strcmp(detail, what) == 0)
		snprintf(buf, size, "%s: %s", iface, what);
	else
		snprintf(buf, size, "%s: %s (%s)", iface, what, detail);
}

struct capture *
capture_open(struct ev_loop *loop, const char *iface, const char *filter,
    char *err, size_t errlen)
{
	char		      ebuf[PCAP_ERRBUF_SIZE];
	const struct timeval *tv;
	struct capture	     *c;
	int		      rc, fd;

	if (capture_dl(err, errlen) == -1)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->loop = loop;
	c->iface = xstrdup(iface);
	ev_io_init(&c->io, -1, capture_io_cb, c);
	ev_timer_init(&c->poll, capture_poll_cb, c);
	c->sink.counts = &c->counts;
	ebuf[0] = '\0';
	if ((c->pcap = pc.create(iface, ebuf)) == NULL) {
		snprintf(err, errlen, "%s: %s", iface, ebuf);
		goto fail;
	}
	if (pc.set_snaplen(c->pcap, CAPTURE_SNAPLEN) != 0 ||
	    pc.set_promisc(c->pcap, 0) != 0 ||
	    pc.set_timeout(c->pcap, CAPTURE_TIMEOUT_MS) != 0 ||
	    pc.set_buffer_size(c->pcap, CAPTURE_BUFFER) != 0) {
		snprintf(err, errlen, "%s: cannot set capture options", iface);
		goto fail;
	}
	rc = pc.activate(c->pcap);
	if (rc < 0) {
		capture_status(c->pcap, iface, rc, err, errlen);
		goto fail;
	}
	if (rc > 0) {
		capture_status(c->pcap, iface, rc, ebuf, sizeof(ebuf));
		log_warnx("capture on %s", ebuf);
	}
	if (capture_check_dlt(c->pcap, iface, err, errlen) == -1 ||
	    capture_filter(c->pcap, iface, filter, err, errlen) == -1)
		goto fail;
	c->sink.dlt = pc.datalink(c->pcap);
	if (pc.setnonblock(c->pcap, 1, ebuf) == PCAP_ERROR) {
		snprintf(err, errlen, "%s: %s", iface, ebuf);
		goto fail;
	}
	fd = pc.get_selectable_fd(c->pcap);
	tv = pc.get_required_select_timeout(c->pcap);
	if (fd == -1 && tv == NULL) {
		snprintf(err, errlen, "%s: no descriptor to wait on", iface);
		goto fail;
	}
	if (fd != -1) {
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		ev_io_init(&c->io, fd, capture_io_cb, c);
		if (ev_io_set(loop, &c->io, EV_READ) == -1) {
			snprintf(err, errlen, "%s: epoll: %s", iface,
			    strerror(errno));
			goto fail;
		}
	}
	if (tv != NULL) {
		c->poll_ms =
		    (uint64_t)tv->tv_sec * 1000 + (uint64_t)tv->tv_usec / 1000;
		if (c->poll_ms == 0)
			c->poll_ms = 1;
		ev_timer_arm(loop, &c->poll, c->poll_ms);
	}
	return c;
fail:
	capture_close(c);
	return NULL;
}

void
capture_take(struct capture *c, struct pkt_counts *out)
{
	struct pcap_stat st;

	for (int i = 0; i < CAPTURE_DRAIN_MAX; i++)
		if (capture_read(c) <= 0)
			break;
	if (pc.stats(c->pcap, &st) == 0) {
		c->counts.drops += (unsigned int)(st.ps_drop - c->last_drop);
		c->last_drop = st.ps_drop;
	}
	*out = c->counts;
	memset(&c->counts, 0, sizeof(c->counts));
}

const char *
capture_error(const struct capture *c)
{
	return c->failed ? c->error : NULL;
}

void
capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->loop != NULL) {
		ev_io_stop(c->loop, &c->io);
		ev_timer_disarm(c->loop, &c->poll);
	}
	if (c->pcap != NULL)
		pc.close(c->pcap);
	free(c->iface);
	free(c);
}

/* capture files */

int
capture_read_stream(FILE *fp, const char *name, const char *filter,
    struct pkt_counts *out, char *err, size_t errlen)
{
	char		    ebuf[PCAP_ERRBUF_SIZE];
	struct capture_sink sink;
	pcap_t		   *p;
	char		   *buf;
	int		    n, rc = -1;

	if (capture_dl(err, errlen) == -1) {
		fclose(fp);
		return -1;
	}
	/*
	 * A large buffer, and no stdio locking: libpcap freads every record
	 * header and record in two calls, and the lock was half the time.
	 * Only this thread ever touches fp.
	 */
	buf = xmalloc(CAPTURE_FILE_BUFFER);
	(void)setvbuf(fp, buf, _IOFBF, CAPTURE_FILE_BUFFER);
	(void)__fsetlocking(fp, FSETLOCKING_BYCALLER);
	ebuf[0] = '\0';
	if ((p = pc.fopen_offline(fp, ebuf)) == NULL) {
		snprintf(err, errlen, "%s: %s", name,
		    ebuf[0] != '\0' ? ebuf : "not a capture file");
		fclose(fp);
		free(buf);
		return -1;
	}
	if (capture_check_dlt(p, name, err, errlen) == -1 ||
	    capture_filter(p, name, filter, err, errlen) == -1)
		goto done;
	sink.counts = out;
	sink.dlt = pc.datalink(p);
	while ((n = pc.dispatch(p, CAPTURE_FILE_BATCH, capture_pkt_cb,
		    (u_char *)&sink)) > 0)
		;
	if (n == PCAP_ERROR) {
		snprintf(err, errlen, "%s: %s", name, pc.geterr(p));
		goto done;
	}
	rc = 0;
done:
	pc.close(p); /* closes fp */
	free(buf);
	return rc;
}

int
capture_read_file(const char *path, const char *filter, struct pkt_counts *out,
    char *err, size_t errlen)
{
	FILE *fp;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rbe")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	(void)posix_fadvise(fileno(fp), 0, 0, POSIX_FADV_SEQUENTIAL);
	return capture_read_stream(fp, path, filter, out, err, errlen);
}
