/*
 * udpsend: send an exact number of UDP datagrams, so that a capture test
 * knows what it must count.
 *
 *   udpsend [-n COUNT] [-s SIZE] [-p PORT] [-D] [-i IFACE -V VLAN] ADDRESS
 *
 * COUNT datagrams (default 1, at most 100000) of SIZE payload bytes
 * (default 64, at most 1400 with -V) to ADDRESS (IPv6 or IPv4 literal)
 * port PORT (default 9). -D forbids fragmentation (IPV6_DONTFRAG,
 * IP_PMTUDISC_DO), so that a router on a smaller-MTU path answers Packet
 * Too Big. -i IFACE -V VLAN writes the datagrams as Ethernet frames with an
 * 802.1Q tag straight onto IFACE through a packet socket (for kernels
 * without VLAN devices); they go to the broadcast address and are not meant
 * to be received. Exits 0 when every datagram left, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void
usage(void)
{
	fprintf(stderr,
	    "usage: udpsend [-n COUNT] [-s SIZE] [-p PORT] [-D] "
	    "[-i IFACE -V VLAN] ADDRESS\n");
	exit(2);
}

static long
num(const char *s, long min, long max)
{
	char *end;
	long  v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		usage();
	return v;
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet + 802.1Q + IP + UDP frames through a packet socket on iface. */
static int
send_tagged(const char *iface, long vlan, int af, const void *dst, long port,
    long size, long count)
{
	static uint8_t	   f[1600];
	struct sockaddr_ll sll;
	size_t		   n = 0, ip;
	int		   s;

	memset(f, 0xff, 6); /* broadcast */
	memcpy(f + 6, "\x02\x00\x5e\x00\x00\x01", 6);
	put16(f + 12, 0x8100);
	put16(f + 14, (unsigned)vlan);
	put16(f + 16, af == AF_INET6 ? 0x86dd : 0x0800);
	ip = 18;
	if (af == AF_INET6) {
		memset(f + ip, 0, 40);
		f[ip] = 0x60;
		put16(f + ip + 4, (unsigned)(8 + size));
		f[ip + 6] = 17;
		f[ip + 7] = 64;
		memcpy(f + ip + 24, dst, 16);
		n = ip + 40;
	} else {
		memset(f + ip, 0, 20);
		f[ip] = 0x45;
		put16(f + ip + 2, (unsigned)(20 + 8 + size));
		f[ip + 8] = 64;
		f[ip + 9] = 17;
		memcpy(f + ip + 16, dst, 4);
		n = ip + 20;
	}
	put16(f + n, 40000);
	put16(f + n + 2, (unsigned)port);
	put16(f + n + 4, (unsigned)(8 + size));
	put16(f + n + 6, 0);
	n += 8;
	memset(f + n, 'v', (size_t)size);
	n += (size_t)size;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(iface);
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	if (sll.sll_ifindex == 0) {
		fprintf(stderr, "udpsend: %s: %s\n", iface, strerror(errno));
		return 1;
	}
	if ((s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)) == -1) {
		perror("udpsend: packet socket");
		return 1;
	}
	for (long i = 0; i < count; i++)
		if (sendto(s, f, n, 0, (struct sockaddr *)&sll, sizeof(sll)) !=
		    (ssize_t)n) {
			fprintf(stderr, "udpsend: frame %ld: %s\n", i + 1,
			    strerror(errno));
			close(s);
			return 1;
		}
	close(s);
	return 0;
}

int
main(int argc, char **argv)
{
	static char	       payload[65000];
	struct sockaddr_in6    sin6;
	struct sockaddr_in     sin;
	const struct sockaddr *sa;
	socklen_t	       salen;
	const char	      *iface = NULL;
	long		       count = 1, size = 64, port = 9, vlan = -1;
	int		       ch, s, dontfrag = 0, one = 1, af;

	while ((ch = getopt(argc, argv, "n:s:p:Di:V:")) != -1) {
		switch (ch) {
		case 'n':
			count = num(optarg, 1, 100000);
			break;
		case 's':
			size = num(optarg, 0, (long)sizeof(payload));
			break;
		case 'p':
			port = num(optarg, 1, 65535);
			break;
		case 'D':
			dontfrag = 1;
			break;
		case 'i':
			iface = optarg;
			break;
		case 'V':
			vlan = num(optarg, 0, 4095);
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || (iface == NULL) != (vlan < 0) ||
	    (iface != NULL && size > 1400))
		usage();
	memset(&sin6, 0, sizeof(sin6));
	memset(&sin, 0, sizeof(sin));
	if (inet_pton(AF_INET6, argv[optind], &sin6.sin6_addr) == 1) {
		af = AF_INET6;
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)port);
		sa = (const struct sockaddr *)&sin6;
		salen = sizeof(sin6);
	} else if (inet_pton(AF_INET, argv[optind], &sin.sin_addr) == 1) {
		af = AF_INET;
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)port);
		sa = (const struct sockaddr *)&sin;
		salen = sizeof(sin);
	} else {
		fprintf(stderr, "udpsend: %s: not an address\n", argv[optind]);
		return 2;
	}
	if (iface != NULL)
		return send_tagged(iface, vlan, af,
		    af == AF_INET6 ? (const void *)&sin6.sin6_addr :
				     (const void *)&sin.sin_addr,
		    port, size, count);
	if ((s = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		perror("udpsend: socket");
		return 1;
	}
	if (dontfrag) {
		int pmtu = IP_PMTUDISC_DO;

		if ((af == AF_INET6 ? setsockopt(s, IPPROTO_IPV6, IPV6_DONTFRAG,
					  &one, sizeof(one)) :
				      setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER,
					  &pmtu, sizeof(pmtu))) == -1) {
			perror("udpsend: setsockopt");
			return 1;
		}
	}
	memset(payload, 'v', (size_t)size);
	for (long i = 0; i < count; i++) {
		if (sendto(s, payload, (size_t)size, 0, sa, salen) != size) {
			fprintf(stderr, "udpsend: datagram %ld: %s\n", i + 1,
			    strerror(errno));
			close(s);
			return 1;
		}
	}
	close(s);
	return 0;
}
