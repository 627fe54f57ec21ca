/*
 * test_capture: the libpcap glue. Files the test writes with libpcap itself
 * (pcap_open_dead + pcap_dump) are counted frame by frame, with and without
 * a filter; missing, foreign, truncated and unsupported files fail with a
 * message naming the file. A live capture on the loopback, driven by the
 * event loop, counts UDP datagrams the test sends itself, also after the
 * process gave up root as the daemon will (skipped without the privilege
 * to capture).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "probe/capture.h"
#include "tmpdir.h"
#include "ev.h"
#include "util.h"

static void
path_in(char *out, size_t size, const char *name)
{
	assert_true((size_t)snprintf(out, size, "%s/%s", tmpdir, name) < size);
}

/* Ethernet + IPv4 or IPv6 + UDP, or IPv6 + ICMPv6 Packet Too Big. */
static size_t
frame(uint8_t *b, int kind)
{
	size_t n = 0;

	memset(b, 0, 128);
	b[0] = 0x02;
	b[6] = 0x02;
	n = 12;
	if (kind == 4) {
		b[n++] = 0x08;
		b[n++] = 0x00;
		b[n] = 0x45;
		b[n + 3] = 20 + 8 + 10;
		b[n + 9] = 17;
		return n + 20 + 8 + 10;
	}
	b[n++] = 0x86;
	b[n++] = 0xdd;
	b[n] = 0x60;
	b[n + 5] = kind == 6 ? 18 : 48;
	b[n + 6] = kind == 6 ? 17 : 58;
	if (kind == 2) {
		b[n + 40] = 2;	       /* Packet Too Big */
		b[n + 46] = 1280 >> 8; /* MTU */
		b[n + 47] = 1280 & 0xff;
	}
	return n + 40 + (kind == 6 ? 18 : 48);
}

/* A pcap file of n4 IPv4, n6 IPv6 and nptb PTB frames. */
static void
write_pcap(const char *path, int dlt, int n4, int n6, int nptb)
{
	pcap_t		  *p = pcap_open_dead(dlt, 65535);
	pcap_dumper_t	  *d;
	struct pcap_pkthdr h;
	uint8_t		   b[128];

	assert_non_null(p);
	d = pcap_dump_open(p, path);
	assert_non_null(d);
	memset(&h, 0, sizeof(h));
	for (int i = 0; i < n4 + n6 + nptb; i++) {
		h.ts.tv_sec = 1764480000 + i;
		h.caplen = h.len = (bpf_u_int32)frame(b,
		    i < n4	    ? 4 :
			i < n4 + n6 ? 6 :
				      2);
		pcap_dump((u_char *)d, &h, b);
	}
	pcap_dump_close(d);
	pcap_close(p);
}

static void
test_file_counts(void **state)
{
	struct pkt_counts c;
	char		  path[256], err[512];
	uint8_t		  b[128];
	size_t		  l4 = frame(b, 4), l6 = frame(b, 6), lp = frame(b, 2);

	(void)state;
	path_in(path, sizeof(path), "mix.pcap");
	write_pcap(path, DLT_EN10MB, 3, 5, 2);
	memset(&c, 0, sizeof(c));
	assert_int_equal(capture_read_file(path, NULL, &c, err, sizeof(err)),
	    0);
	assert_int_equal(c.packets[PKT_IPV4], 3);
	assert_int_equal(c.packets[PKT_IPV6], 7);
	assert_int_equal(c.packets[PKT_OTHER], 0);
	assert_int_equal(c.bytes[PKT_IPV4], 3 * l4);
	assert_int_equal(c.bytes[PKT_IPV6], 5 * l6 + 2 * lp);
	assert_int_equal(c.ptb, 2);
	assert_int_equal(c.mtu_min, 1280);

	/* counts add up over calls */
	assert_int_equal(capture_read_file(path, "", &c, err, sizeof(err)), 0);
	assert_int_equal(c.packets[PKT_IPV4], 6);

	memset(&c, 0, sizeof(c));
	assert_int_equal(capture_read_file(path, "icmp6", &c, err, sizeof(err)),
	    0);
	assert_int_equal(c.packets[PKT_IPV4], 0);
	assert_int_equal(c.packets[PKT_IPV6], 2);
	assert_int_equal(c.ptb, 2);
	memset(&c, 0, sizeof(c));
	assert_int_equal(capture_read_file(path, "ip", &c, err, sizeof(err)),
	    0);
	assert_int_equal(c.packets[PKT_IPV4], 3);
	assert_int_equal(c.packets[PKT_IPV6], 0);
}

static void
test_file_errors(void **state)
{
	struct pkt_counts c;
	char		  path[256], err[512], longf[CAPTURE_FILTER_MAX + 2];
	FILE		 *fp;

	(void)state;
	memset(&c, 0, sizeof(c));
	path_in(path, sizeof(path), "missing.pcap");
	assert_int_equal(capture_read_file(path, NULL, &c, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "missing.pcap: No such file"));

	path_in(path, sizeof(path), "text.pcap");
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("this is not a capture file, not at all\n", fp);
	fclose(fp);
	assert_int_equal(capture_read_file(path, NULL, &c, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "text.pcap: unknown file format"));

	/* cut in the middle of the last frame: an error, counts so far */
	path_in(path, sizeof(path), "cut.pcap");
	write_pcap(path, DLT_EN10MB, 4, 0, 0);
	assert_int_equal(truncate(path, 24 + 3 * (16 + 52) + 20), 0);
	assert_int_equal(capture_read_file(path, NULL, &c, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "cut.pcap: truncated dump file"));
	assert_int_equal(c.packets[PKT_IPV4], 3);

	path_in(path, sizeof(path), "wifi.pcap");
	write_pcap(path, DLT_IEEE802_11, 1, 0, 0);
	assert_int_equal(capture_read_file(path, NULL, &c, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "wifi.pcap: link type IEEE802_11"));

	path_in(path, sizeof(path), "ok.pcap");
	write_pcap(path, DLT_EN10MB, 1, 1, 0);
	assert_int_equal(capture_read_file(path, "port port", &c, err,
			     sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "ok.pcap: filter 'port port': "));
	memset(longf, 'x', sizeof(longf) - 1);
	longf[sizeof(longf) - 1] = '\0';
	assert_int_equal(capture_read_file(path, longf, &c, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "filter longer than"));
}

/* capture_read_stream reads any FILE, here one in memory. */
static void
test_stream(void **state)
{
	struct pkt_counts c;
	char		  path[256], err[512], *buf;
	size_t		  len;
	FILE		 *fp;

	(void)state;
	path_in(path, sizeof(path), "mem.pcap");
	write_pcap(path, DLT_EN10MB, 2, 2, 1);
	assert_int_equal(file_read(path, 1 << 20, &buf, &len), 0);
	fp = fmemopen(buf, len, "rb");
	assert_non_null(fp);
	memset(&c, 0, sizeof(c));
	assert_int_equal(capture_read_stream(fp, "mem", NULL, &c, err,
			     sizeof(err)),
	    0);
	assert_int_equal(c.packets[PKT_IPV4], 2);
	assert_int_equal(c.packets[PKT_IPV6], 3);
	fp = fmemopen(buf, 10, "rb");
	assert_non_null(fp);
	assert_int_equal(capture_read_stream(fp, "mem", NULL, &c, err,
			     sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "mem: truncated dump file"));
	free(buf);
}

static void
send_udp(int af, int port, int n)
{
	struct sockaddr_storage ss;
	socklen_t		sl;
	char			payload[32] = "v6watch test_capture";
	int			s = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(s >= 0);
	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	}
	for (int i = 0; i < n; i++)
		assert_int_equal(sendto(s, payload, sizeof(payload), 0,
				     (struct sockaddr *)&ss, sl),
		    sizeof(payload));
	close(s);
}

static void
test_live_loopback(void **state)
{
	struct ev_loop	 *loop = ev_loop_new();
	struct capture	 *cap;
	struct pkt_counts c, sum;
	char		  err[512], filter[64];
	int		  port = 20000 + (int)(getpid() % 40000);

	(void)state;
	snprintf(filter, sizeof(filter), "udp port %d", port);
	cap = capture_open(loop, "lo", filter, err, sizeof(err));
	if (cap == NULL) {
		ev_loop_free(loop);
		print_message("live capture skipped: %s\n", err);
		skip();
	}
	send_udp(AF_INET6, port, 5);
	send_udp(AF_INET, port, 3);
	memset(&sum, 0, sizeof(sum));
	for (int i = 0; i < 100; i++) {
		assert_true(ev_run_once(loop, 50) >= 0);
		capture_take(cap, &c);
		for (int k = 0; k < PKT_FAMILY__N; k++) {
			sum.packets[k] += c.packets[k];
			sum.bytes[k] += c.bytes[k];
		}
		sum.drops += c.drops;
		if (sum.packets[PKT_IPV6] >= 5 && sum.packets[PKT_IPV4] >= 3)
			break;
	}
	/* one more wait: nothing else arrives */
	assert_true(ev_run_once(loop, CAPTURE_TIMEOUT_MS * 2) >= 0);
	capture_take(cap, &c);
	assert_int_equal(c.packets[PKT_IPV6] + c.packets[PKT_IPV4], 0);
	assert_null(capture_error(cap));
	assert_int_equal(sum.packets[PKT_IPV6], 5);
	assert_int_equal(sum.packets[PKT_IPV4], 3);
	assert_int_equal(sum.packets[PKT_OTHER], 0);
	assert_int_equal(sum.bytes[PKT_IPV6], 5 * (14 + 40 + 8 + 32));
	assert_int_equal(sum.bytes[PKT_IPV4], 3 * (14 + 20 + 8 + 32));
	assert_int_equal(sum.drops, 0);
	capture_close(cap);
	capture_close(NULL);
	ev_loop_free(loop);
}

/* The child of test_live_after_setuid: 0 when all went well. */
static int
live_child(int port)
{
	struct ev_loop	   *loop = ev_loop_new();
	struct capture	   *cap;
	struct pkt_counts   c;
	struct sockaddr_in6 a;
	char		    err[512], filter[64];
	uint64_t	    n6 = 0;
	int		    s, rc = 0;

	snprintf(filter, sizeof(filter), "udp port %d", port);
	if ((cap = capture_open(loop, "lo", filter, err, sizeof(err))) ==
	    NULL) {
		ev_loop_free(loop);
		return 77;
	}
	if (setgroups(0, NULL) == -1 || setgid(65534) == -1 ||
	    setuid(65534) == -1 || setuid(0) != -1)
		rc = 2;
	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	a.sin6_port = htons((uint16_t)port);
	a.sin6_addr = in6addr_loopback;
	if (rc == 0 &&
	    (s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) != -1) {
		for (int i = 0; i < 4; i++)
			if (sendto(s, "x", 1, 0, (struct sockaddr *)&a,
				sizeof(a)) != 1)
				rc = 3;
		close(s);
	}
	for (int i = 0; rc == 0 && i < 100 && n6 < 4; i++) {
		if (ev_run_once(loop, 50) < 0)
			rc = 4;
		capture_take(cap, &c);
		n6 += c.packets[PKT_IPV6];
	}
	if (rc == 0 && (n6 != 4 || capture_error(cap) != NULL))
		rc = 5;
	capture_close(cap);
	ev_loop_free(loop);
	return rc;
}

/* Opened as root, the capture keeps counting as nobody. */
static void
test_live_after_setuid(void **state)
{
	pid_t pid;
	int   status;

	(void)state;
	if (geteuid() != 0)
		skip();
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(live_child(20000 + (int)((getpid() + 7) % 40000)));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_live_errors(void **state)
{
	struct ev_loop *loop = ev_loop_new();
	char		err[512];

	(void)state;
	assert_null(capture_open(loop, "v6w-no-such0", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "v6w-no-such0: "));
	assert_null(
	    capture_open(loop, "lo", "no such filter", err, sizeof(err)));
	assert_non_null(strstr(err, "lo: "));
	ev_loop_free(loop);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_file_counts),
	    cmocka_unit_test(test_file_errors),
	    cmocka_unit_test(test_stream),
	    cmocka_unit_test(test_live_loopback),
	    cmocka_unit_test(test_live_after_setuid),
	    cmocka_unit_test(test_live_errors),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
