/*
 * test_pkt: the per-packet counter, on frames built here byte by byte for
 * every link type it knows (Ethernet with stacked VLAN tags and PPPoE,
 * Linux cooked v1 and v2, raw IP, BSD loopback), IPv6 extension header
 * chains in front of ICMPv6 errors, and every truncation of them. Each
 * frame is counted from a heap copy of exactly caplen bytes, so a read past
 * the end shows under ASan and valgrind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/dlt.h>

#include "probe/pkt.h"
#include "result.h"

struct buf {
	uint8_t b[4096];
	size_t	n;
};

static void
put8(struct buf *f, uint8_t v)
{
	assert_true(f->n < sizeof(f->b));
	f->b[f->n++] = v;
}

static void
put16(struct buf *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static void
put32(struct buf *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void
putn(struct buf *f, uint8_t v, size_t n)
{
	while (n-- > 0)
		put8(f, v);
}

/* Ethernet header up to and including the (first) type. */
static void
eth(struct buf *f, uint16_t type)
{
	putn(f, 0x02, 12);
	put16(f, type);
}

/* A VLAN tag after a type that said VLAN: TCI, then the next type. */
static void
tag(struct buf *f, uint16_t next)
{
	put16(f, 0x0064);
	put16(f, next);
}

static void
ip4(struct buf *f, uint8_t proto, size_t payload)
{
	put8(f, 0x45);
	put8(f, 0);
	put16(f, (uint16_t)(20 + payload));
	put32(f, 0);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put32(f, 0xc6336401); /* 198.51.100.1 */
	put32(f, 0xcb007101); /* 203.0.113.1 */
	putn(f, 0xab, payload);
}

/* IPv6 fixed header; returns its offset for ip6_done(). */
static size_t
ip6(struct buf *f, uint8_t nh)
{
	size_t at = f->n;

	put32(f, 0x60000000);
	put16(f, 0); /* set by ip6_done() */
	put8(f, nh);
	put8(f, 64);
	put32(f, 0x20010db8);
	putn(f, 0, 11);
	put8(f, 1);
	put32(f, 0x20010db8);
	putn(f, 0, 11);
	put8(f, 2);
	return at;
}

/* Set the payload length to what follows the IPv6 header. */
static void
ip6_done(struct buf *f, size_t at)
{
	size_t plen = f->n - at - 40;

	f->b[at + 4] = (uint8_t)(plen >> 8);
	f->b[at + 5] = (uint8_t)plen;
}

/* Extension header of (len8 + 1) * 8 bytes (HBH, routing, DST, MH). */
static void
ext(struct buf *f, uint8_t nh, uint8_t len8)
{
	put8(f, nh);
	put8(f, len8);
	putn(f, 0, 6 + (size_t)len8 * 8);
}

static void
frag(struct buf *f, uint8_t nh, uint16_t off8, int more)
{
	put8(f, nh);
	put8(f, 0);
	put16(f, (uint16_t)(off8 << 3 | (more ? 1 : 0)));
	put32(f, 0xcafe);
}

/* AH with a 4-byte ICV: (len + 2) * 4 = 16 bytes. */
static void
ah(struct buf *f, uint8_t nh)
{
	put8(f, nh);
	put8(f, 2);
	put16(f, 0);
	put32(f, 0x100);
	put32(f, 1);
	put32(f, 0);
}

static void
icmp6(struct buf *f, uint8_t type, uint8_t code, uint32_t word)
{
	put8(f, type);
	put8(f, code);
	put16(f, 0xbeef);
	put32(f, word);
	/* start of the quoted packet */
	put32(f, 0x60000000);
	putn(f, 0x11, 36);
}

/* Count f as a frame of link type dlt, first caplen bytes captured. */
static void
count_cap(struct pkt_counts *c, int dlt, const struct buf *f, size_t caplen,
    size_t wirelen)
{
	uint8_t *copy = malloc(caplen > 0 ? caplen : 1);

	assert_non_null(copy);
	memcpy(copy, f->b, caplen);
	pkt_count(c, dlt, caplen > 0 ? copy : copy + 1, caplen, wirelen);
	free(copy);
}

static struct pkt_counts
count1(int dlt, const struct buf *f)
{
	struct pkt_counts c;

	memset(&c, 0, sizeof(c));
	count_cap(&c, dlt, f, f->n, f->n);
	return c;
}

static void
assert_family(const struct pkt_counts *c, enum pkt_family fam, uint64_t bytes,
    int malformed)
{
	for (int i = 0; i < PKT_FAMILY__N; i++) {
		assert_int_equal(c->packets[i], i == (int)fam ? 1 : 0);
		assert_int_equal(c->bytes[i], i == (int)fam ? bytes : 0);
	}
	assert_int_equal(c->malformed, malformed);
}

/* An Ethernet frame with a Packet Too Big behind the given chain. */
static size_t
ptb_frame(struct buf *f, uint32_t mtu)
{
	size_t at;

	memset(f, 0, sizeof(*f));
	eth(f, 0x86dd);
	at = ip6(f, 0);
	ext(f, 60, 0);	   /* HBH -> DST */
	ext(f, 43, 1);	   /* DST -> routing */
	ext(f, 44, 0);	   /* routing -> fragment */
	frag(f, 51, 0, 1); /* first fragment -> AH */
	ah(f, 58);
	icmp6(f, 2, 0, mtu);
	ip6_done(f, at);
	return at;
}

static void
test_ether(void **state)
{
	struct buf	  f = {0};
	struct pkt_counts c;

	(void)state;
	eth(&f, 0x0800);
	ip4(&f, 17, 30);
	c = count1(DLT_EN10MB, &f);
	assert_family(&c, PKT_IPV4, f.n, 0);

	memset(&f, 0, sizeof(f));
	eth(&f, 0x86dd);
	ip6_done(&f, ip6(&f, 6));
	putn(&f, 0, 20); /* TCP header after the fact: plen is 0 (jumbo) */
	c = count1(DLT_EN10MB, &f);
	assert_family(&c, PKT_IPV6, f.n, 0);

	memset(&f, 0, sizeof(f));
	eth(&f, 0x0806); /* ARP */
	putn(&f, 0, 46);
	c = count1(DLT_EN10MB, &f);
	assert_family(&c, PKT_OTHER, 60, 0);

	memset(&f, 0, sizeof(f));
	eth(&f, 46); /* 802.3 length, LLC follows */
	putn(&f, 0x42, 46);
	c = count1(DLT_EN10MB, &f);
	assert_family(&c, PKT_OTHER, 60, 0);

	/* IPv6 type, IPv4 inside; IPv4 type, IPv6 inside */
	memset(&f, 0, sizeof(f));
	eth(&f, 0x86dd);
	ip4(&f, 17, 40);
	c = count1(DLT_EN10MB, &f);
	assert_family(&c, PKT_OTHER, f.n, 1);
	memset(&f, 0, sizeof(f));
	eth(&f, 0x0800);
	ip6_done(&f, ip6(&f, 59));
	c = count1(DLT_EN10MB, &f);
	assert_family(&c, PKT_OTHER, f.n, 1);

	/* IPv4 with a header length under 20 bytes */
	memset(&f, 0, sizeof(f));
	eth(&f, 0x0800);
	ip4(&f, 17, 30);
	f.b[14] = 0x44;
	c = count1(DLT_EN10MB, &f);
	assert_family(&c, PKT_OTHER, f.n, 1);
}

static void
test_vlan(void **state)
{
	static const uint16_t tpids[] = {0x8100, 0x88a8, 0x9100};
	struct buf	      f;
	struct pkt_counts     c;

	(void)state;
	for (int ntags = 1; ntags <= PKT_VLAN_MAX + 1; ntags++) {
		memset(&f, 0, sizeof(f));
		eth(&f, tpids[0]);
		for (int i = 0; i < ntags; i++)
			tag(&f, i + 1 < ntags ? tpids[(i + 1) % 3] : 0x86dd);
		ip6_done(&f, ip6(&f, 59));
		c = count1(DLT_EN10MB, &f);
		if (ntags <= PKT_VLAN_MAX)
			assert_family(&c, PKT_IPV6, f.n, 0);
		else
			assert_family(&c, PKT_OTHER, f.n, 1);
	}
	/* every cut inside the tags is malformed, never a read past it */
	memset(&f, 0, sizeof(f));
	eth(&f, 0x88a8);
	tag(&f, 0x8100);
	tag(&f, 0x0800);
	ip4(&f, 6, 20);
	for (size_t cap = 0; cap < 14 + 8 + 20; cap++) {
		memset(&c, 0, sizeof(c));
		count_cap(&c, DLT_EN10MB, &f, cap, f.n);
		assert_family(&c, PKT_OTHER, f.n, 1);
	}
	memset(&c, 0, sizeof(c));
	count_cap(&c, DLT_EN10MB, &f, 14 + 8 + 20, f.n);
	assert_family(&c, PKT_IPV4, f.n, 0);
}

static void
test_pppoe(void **state)
{
	struct buf	  f = {0};
	struct pkt_counts c;
	size_t		  at;

	(void)state;
	eth(&f, 0x8864);
	put16(&f, 0x1100);
	put16(&f, 1);
	put16(&f, 0);
	put16(&f, 0x0057); /* PPP: IPv6 */
	at = ip6(&f, 58);
	icmp6(&f, 1, 4, 0);
	ip6_done(&f, at);
	c = count1(DLT_EN10MB, &f);
	assert_family(&c, PKT_IPV6, f.n, 0);
	assert_int_equal(c.unreach_code[4], 1);

	f.b[21] = 0x21; /* PPP: IPv4, but an IPv6 header follows */
	c = count1(DLT_EN10MB, &f);
	assert_family(&c, PKT_OTHER, f.n, 1);
	f.b[21] = 0x31; /* not IP */
	c = count1(DLT_EN10MB, &f);
	assert_family(&c, PKT_OTHER, f.n, 0);
	memset(&c, 0, sizeof(c));
	count_cap(&c, DLT_EN10MB, &f, 21, f.n); /* cut in the PPPoE header */
	assert_family(&c, PKT_OTHER, f.n, 1);
}

static void
test_sll(void **state)
{
	struct buf	  f;
	struct pkt_counts c;

	(void)state;
	/* v1: packet type, ARPHRD, address length, 8 address bytes, type */
	memset(&f, 0, sizeof(f));
	put16(&f, 0);
	put16(&f, 1);
	put16(&f, 6);
	putn(&f, 0x02, 8);
	put16(&f, 0x86dd);
	ip6_done(&f, ip6(&f, 59));
	c = count1(DLT_LINUX_SLL, &f);
	assert_family(&c, PKT_IPV6, f.n, 0);

	memset(&f, 0, sizeof(f));
	put16(&f, 4);
	put16(&f, 1);
	put16(&f, 6);
	putn(&f, 0x02, 8);
	put16(&f, 0x8100); /* VLAN, as libpcap puts it back */
	tag(&f, 0x0800);
	ip4(&f, 17, 8);
	c = count1(DLT_LINUX_SLL, &f);
	assert_family(&c, PKT_IPV4, f.n, 0);
	memset(&c, 0, sizeof(c));
	count_cap(&c, DLT_LINUX_SLL, &f, 15, f.n);
	assert_family(&c, PKT_OTHER, f.n, 1);

	/* netlink (ARPHRD 824): the protocol is not an ethertype */
	memset(&f, 0, sizeof(f));
	put16(&f, 4);
	put16(&f, 824);
	put16(&f, 0);
	putn(&f, 0, 8);
	put16(&f, 0);
	putn(&f, 0x10, 40);
	c = count1(DLT_LINUX_SLL, &f);
	assert_family(&c, PKT_OTHER, f.n, 0);

	/* v2: type, reserved, ifindex, ARPHRD, packet type, addr len, addr */
	memset(&f, 0, sizeof(f));
	put16(&f, 0x0800);
	put16(&f, 0);
	put32(&f, 3);
	put16(&f, 1);
	put8(&f, 0);
	put8(&f, 6);
	putn(&f, 0x02, 8);
	ip4(&f, 6, 20);
	c = count1(DLT_LINUX_SLL2, &f);
	assert_family(&c, PKT_IPV4, f.n, 0);
	f.b[0] = 0x86;
	f.b[1] = 0xdd;
	c = count1(DLT_LINUX_SLL2, &f);
	assert_family(&c, PKT_OTHER, f.n, 1); /* IPv4 bytes, IPv6 type */
	memset(&c, 0, sizeof(c));
	count_cap(&c, DLT_LINUX_SLL2, &f, 19, f.n);
	assert_family(&c, PKT_OTHER, f.n, 1);
}

static void
test_raw(void **state)
{
	struct buf	  f4 = {0}, f6 = {0}, junk = {0};
	struct pkt_counts c;

	(void)state;
	ip4(&f4, 17, 12);
	ip6_done(&f6, ip6(&f6, 59));
	putn(&junk, 0x00, 40);
	c = count1(DLT_RAW, &f4);
	assert_family(&c, PKT_IPV4, f4.n, 0);
	c = count1(DLT_RAW, &f6);
	assert_family(&c, PKT_IPV6, f6.n, 0);
	c = count1(PKT_LINKTYPE_RAW, &f6);
	assert_family(&c, PKT_IPV6, f6.n, 0);
	c = count1(DLT_RAW, &junk);
	assert_family(&c, PKT_OTHER, junk.n, 1);
	c = count1(DLT_IPV4, &f4);
	assert_family(&c, PKT_IPV4, f4.n, 0);
	c = count1(DLT_IPV4, &f6);
	assert_family(&c, PKT_OTHER, f6.n, 1);
	c = count1(DLT_IPV6, &f6);
	assert_family(&c, PKT_IPV6, f6.n, 0);
	c = count1(DLT_IPV6, &f4);
	assert_family(&c, PKT_OTHER, f4.n, 1);
	memset(&c, 0, sizeof(c));
	count_cap(&c, DLT_RAW, &f6, 39, f6.n);
	assert_family(&c, PKT_OTHER, f6.n, 1);
	memset(&c, 0, sizeof(c));
	count_cap(&c, DLT_RAW, &f4, 0, 0);
	assert_family(&c, PKT_OTHER, 0, 1);
}

static void
test_null(void **state)
{
	/* address family, written little- or big-endian */
	static const struct {
		uint8_t		hdr[4];
		int		v6;
		enum pkt_family fam;
	} cases[] = {
	    {{2, 0, 0, 0}, 0, PKT_IPV4},
	    {{0, 0, 0, 2}, 0, PKT_IPV4},
	    {{10, 0, 0, 0}, 1, PKT_IPV6},
	    {{24, 0, 0, 0}, 1, PKT_IPV6},
	    {{0, 0, 0, 24}, 1, PKT_IPV6},
	    {{28, 0, 0, 0}, 1, PKT_IPV6},
	    {{0, 0, 0, 30}, 1, PKT_IPV6},
	    {{99, 0, 0, 0}, 0, PKT_OTHER},
	    {{0, 0, 0, 99}, 1, PKT_OTHER},
	};
	struct pkt_counts c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf f = {0};

		for (int k = 0; k < 4; k++)
			put8(&f, cases[i].hdr[k]);
		if (cases[i].v6)
			ip6_done(&f, ip6(&f, 59));
		else
			ip4(&f, 17, 8);
		c = count1(i % 2 ? DLT_LOOP : DLT_NULL, &f);
		assert_family(&c, cases[i].fam, f.n, 0);
		memset(&c, 0, sizeof(c));
		count_cap(&c, DLT_NULL, &f, 3, f.n);
		assert_family(&c, PKT_OTHER, f.n, 1);
	}
}

static void
test_dlt(void **state)
{
	struct buf	  f = {0};
	struct pkt_counts c;

	(void)state;
	ip6_done(&f, ip6(&f, 59));
	c = count1(DLT_IEEE802_11, &f);
	assert_family(&c, PKT_OTHER, f.n, 0);
	c = count1(-1, &f);
	assert_family(&c, PKT_OTHER, f.n, 0);
	assert_true(pkt_dlt_supported(DLT_EN10MB));
	assert_true(pkt_dlt_supported(DLT_LINUX_SLL2));
	assert_true(pkt_dlt_supported(DLT_NULL));
	assert_false(pkt_dlt_supported(DLT_IEEE802_11));
	assert_false(pkt_dlt_supported(-1));
}

/* Bytes are the wire length; the parse stops at the smaller length. */
static void
test_wirelen(void **state)
{
	struct buf	  f = {0};
	struct pkt_counts c;

	(void)state;
	eth(&f, 0x86dd);
	ip6_done(&f, ip6(&f, 59));
	memset(&c, 0, sizeof(c));
	count_cap(&c, DLT_EN10MB, &f, 40, 1514); /* snaplen cut */
	assert_family(&c, PKT_OTHER, 1514, 1);
	memset(&c, 0, sizeof(c));
	count_cap(&c, DLT_EN10MB, &f, f.n, 9000);
	assert_family(&c, PKT_IPV6, 9000, 0);
	memset(&c, 0, sizeof(c));
	count_cap(&c, DLT_EN10MB, &f, f.n, 30); /* caplen > wirelen */
	assert_family(&c, PKT_OTHER, 30, 1);
	memset(&c, 0, sizeof(c));
	count_cap(&c, DLT_EN10MB, &f, 0, 0);
	assert_family(&c, PKT_OTHER, 0, 1);
}

static void
test_ptb_chain(void **state)
{
	struct buf	  f;
	struct pkt_counts c;

	(void)state;
	ptb_frame(&f, 1280);
	c = count1(DLT_EN10MB, &f);
	assert_family(&c, PKT_IPV6, f.n, 0);
	assert_int_equal(c.ptb, 1);
	assert_int_equal(c.unreach, 0);
	assert_int_equal(c.mtu_seen, 1);
	assert_int_equal(c.mtu_min, 1280);
	assert_int_equal(c.mtus[0].mtu, 1280);
	assert_int_equal(c.mtus[0].count, 1);
}

/*
 * Cut the PTB frame at every length: other until the IPv6 header is in,
 * then IPv6; the PTB once its type/code/checksum are in, its MTU once
 * the MTU is.
 */
static void
test_ptb_every_cut(void **state)
{
	struct buf	  f;
	struct pkt_counts c;
	size_t		  ip_end, icmp;

	(void)state;
	ptb_frame(&f, 1400);
	ip_end = 14 + 40;
	icmp = ip_end + 8 + 16 + 8 + 8 + 16;
	for (size_t cap = 0; cap <= f.n; cap++) {
		memset(&c, 0, sizeof(c));
		count_cap(&c, DLT_EN10MB, &f, cap, f.n);
		if (cap < ip_end) {
			assert_family(&c, PKT_OTHER, f.n, 1);
			continue;
		}
		assert_family(&c, PKT_IPV6, f.n, 0);
		assert_int_equal(c.ptb, cap >= icmp + 4 ? 1 : 0);
		assert_int_equal(c.mtu_seen, cap >= icmp + 8 ? 1 : 0);
		if (cap >= icmp + 8)
			assert_int_equal(c.mtu_min, 1400);
	}
}

static void
test_ext_headers(void **state)
{
	static const uint8_t one[] = {0, 43, 60, 135, 139, 140};
	struct buf	     f;
	struct pkt_counts    c;
	size_t		     at;

	(void)state;
	for (size_t i = 0; i < sizeof(one); i++) {
		memset(&f, 0, sizeof(f));
		at = ip6(&f, one[i]);
		ext(&f, 58, 2);
		icmp6(&f, 1, 3, 0);
		ip6_done(&f, at);
		c = count1(DLT_RAW, &f);
		assert_family(&c, PKT_IPV6, f.n, 0);
		assert_int_equal(c.unreach, 1);
		assert_int_equal(c.unreach_code[3], 1);
	}
	/* PKT_EXT_MAX headers are walked, one more is not */
	for (int n = PKT_EXT_MAX; n <= PKT_EXT_MAX + 1; n++) {
		memset(&f, 0, sizeof(f));
		at = ip6(&f, 60);
		for (int k = 0; k < n; k++)
			ext(&f, k + 1 < n ? 60 : 58, 0);
		icmp6(&f, 2, 0, 1280);
		ip6_done(&f, at);
		c = count1(DLT_RAW, &f);
		assert_family(&c, PKT_IPV6, f.n, 0);
		assert_int_equal(c.ptb, n <= PKT_EXT_MAX ? 1 : 0);
	}
	/* a later fragment carries no ICMPv6 header */
	memset(&f, 0, sizeof(f));
	at = ip6(&f, 44);
	frag(&f, 58, 185, 0);
	icmp6(&f, 2, 0, 1280);
	ip6_done(&f, at);
	c = count1(DLT_RAW, &f);
	assert_family(&c, PKT_IPV6, f.n, 0);
	assert_int_equal(c.ptb, 0);
	/* an extension header longer than the packet */
	memset(&f, 0, sizeof(f));
	at = ip6(&f, 0);
	ext(&f, 58, 0);
	f.b[f.n - 7] = 200;
	icmp6(&f, 2, 0, 1280);
	ip6_done(&f, at);
	c = count1(DLT_RAW, &f);
	assert_family(&c, PKT_IPV6, f.n, 0);
	assert_int_equal(c.ptb, 0);
	/* ESP hides what follows */
	memset(&f, 0, sizeof(f));
	at = ip6(&f, 50);
	icmp6(&f, 2, 0, 1280);
	ip6_done(&f, at);
	c = count1(DLT_RAW, &f);
	assert_int_equal(c.ptb, 0);
	/* no next header */
	f.b[6] = 59;
	c = count1(DLT_RAW, &f);
	assert_family(&c, PKT_IPV6, f.n, 0);
	assert_int_equal(c.ptb, 0);
}

/* The IPv6 payload length bounds the walk (Ethernet padding after it). */
static void
test_payload_length(void **state)
{
	struct buf	  f = {0};
	struct pkt_counts c;
	size_t		  at;

	(void)state;
	eth(&f, 0x86dd);
	at = ip6(&f, 58);
	icmp6(&f, 2, 0, 1280);
	f.b[at + 4] = 0;
	f.b[at + 5] = 6; /* type, code, checksum, half the MTU */
	c = count1(DLT_EN10MB, &f);
	assert_int_equal(c.ptb, 1);
	assert_int_equal(c.mtu_seen, 0);
	f.b[at + 5] = 3; /* not even the checksum */
	c = count1(DLT_EN10MB, &f);
	assert_int_equal(c.ptb, 0);
	assert_int_equal(c.packets[PKT_IPV6], 1);
	f.b[at + 5] = 0; /* 0: a jumbogram, the capture bounds it */
	c = count1(DLT_EN10MB, &f);
	assert_int_equal(c.ptb, 1);
	assert_int_equal(c.mtu_min, 1280);
}

static void
test_unreach_codes(void **state)
{
	struct pkt_counts c;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (unsigned code = 0; code < 256; code++) {
		struct buf f = {0};
		size_t	   at = ip6(&f, 58);

		icmp6(&f, 1, (uint8_t)code, 0);
		ip6_done(&f, at);
		count_cap(&c, DLT_RAW, &f, f.n, f.n);
	}
	assert_int_equal(c.unreach, 256);
	assert_int_equal(c.ptb, 0);
	for (unsigned i = 0; i < PKT_UNREACH_CODES - 1; i++)
		assert_int_equal(c.unreach_code[i], 1);
	assert_int_equal(c.unreach_code[PKT_UNREACH_CODES - 1],
	    256 - (PKT_UNREACH_CODES - 1));
	assert_string_equal(pkt_unreach_name(0), "no_route");
	assert_string_equal(pkt_unreach_name(1), "admin_prohibited");
	assert_string_equal(pkt_unreach_name(3), "address_unreachable");
	assert_string_equal(pkt_unreach_name(4), "port_unreachable");
	assert_string_equal(pkt_unreach_name(6), "reject_route");
	assert_string_equal(pkt_unreach_name(7), "other");
	assert_string_equal(pkt_unreach_name(8), "?");
}

static void
test_mtu_table(void **state)
{
	struct pkt_counts c;
	struct buf	  f;

	(void)state;
	memset(&c, 0, sizeof(c));
	/* 1500, 1499, ... one more distinct MTU than there are slots */
	for (uint32_t i = 0; i <= PKT_MTU_SLOTS; i++) {
		ptb_frame(&f, 1500 - i);
		count_cap(&c, DLT_EN10MB, &f, f.n, f.n);
		count_cap(&c, DLT_EN10MB, &f, f.n, f.n);
	}
	ptb_frame(&f, 1280);
	count_cap(&c, DLT_EN10MB, &f, f.n, f.n);
	ptb_frame(&f, 0); /* a bogus MTU is counted as it is */
	count_cap(&c, DLT_EN10MB, &f, f.n, f.n);
	assert_int_equal(c.ptb, 2 * (PKT_MTU_SLOTS + 1) + 2);
	assert_int_equal(c.mtu_seen, c.ptb);
	for (uint32_t i = 0; i < PKT_MTU_SLOTS; i++) {
		assert_int_equal(c.mtus[i].mtu, 1500 - i);
		assert_int_equal(c.mtus[i].count, 2);
	}
	assert_int_equal(c.mtu_overflow, 4);
	assert_int_equal(c.mtu_min, 0);
}

static void
test_to_traffic(void **state)
{
	struct pkt_counts     c;
	struct result_traffic t;
	char		      longname[300];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.packets[PKT_IPV6] = 10;
	c.packets[PKT_IPV4] = 20;
	c.packets[PKT_OTHER] = 3;
	c.bytes[PKT_IPV6] = 1000;
	c.bytes[PKT_IPV4] = 2000;
	c.bytes[PKT_OTHER] = 30;
	c.ptb = 2;
	c.unreach = 5;
	c.drops = 7;
	pkt_to_traffic(&c, "eth0", 60, &t);
	assert_string_equal(t.iface, "eth0");
	assert_true(t.interval_s == 60);
	assert_int_equal(t.packets[0], 10);
	assert_int_equal(t.packets[1], 20);
	assert_int_equal(t.packets[2], 3);
	assert_int_equal(t.bytes[0], 1000);
	assert_int_equal(t.bytes[1], 2000);
	assert_int_equal(t.bytes[2], 30);
	assert_int_equal(t.ptb, 2);
	assert_int_equal(t.unreach, 5);
	assert_int_equal(t.drops, 7);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	pkt_to_traffic(&c, longname, 1, &t);
	assert_int_equal(strlen(t.iface), sizeof(t.iface) - 1);
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Random bytes behind each link header, half of them a valid IPv6 header
 * with random extension headers: counts add up, nothing crashes.
 */
static void
test_random(void **state)
{
	static const int  dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2,
	     DLT_RAW, DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP, 147};
	struct pkt_counts c;
	uint64_t	  seed = 0x9e3779b97f4a7c15ULL, mtus = 0;
	const int	  rounds = 200000;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (int i = 0; i < rounds; i++) {
		struct buf f;
		int	   dlt = dlts[rnd(&seed) % 9];
		size_t	   n = rnd(&seed) % 200;

		f.n = n;
		for (size_t k = 0; k < n; k++)
			f.b[k] = (uint8_t)rnd(&seed);
		if (n > 60 && (i & 1)) {
			size_t at = dlt == DLT_EN10MB ? 14 : 0;

			if (dlt == DLT_EN10MB) {
				f.b[12] = 0x86;
				f.b[13] = 0xdd;
			}
			f.b[at] = 0x60;
			f.b[at + 6] = (uint8_t) "\0\x2b\x2c\x33\x3a\x3c"[i % 6];
		}
		count_cap(&c, dlt, &f, n, n + rnd(&seed) % 3);
	}
	assert_int_equal(c.packets[0] + c.packets[1] + c.packets[2], rounds);
	assert_true(c.malformed <= c.packets[PKT_OTHER]);
	for (int i = 0; i < PKT_MTU_SLOTS; i++)
		mtus += c.mtus[i].count;
	assert_int_equal(mtus + c.mtu_overflow, c.mtu_seen);
	assert_true(c.mtu_seen <= c.ptb);
	assert_true(c.ptb + c.unreach <= c.packets[PKT_IPV6]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ether),
	    cmocka_unit_test(test_vlan),
	    cmocka_unit_test(test_pppoe),
	    cmocka_unit_test(test_sll),
	    cmocka_unit_test(test_raw),
	    cmocka_unit_test(test_null),
	    cmocka_unit_test(test_dlt),
	    cmocka_unit_test(test_wirelen),
	    cmocka_unit_test(test_ptb_chain),
	    cmocka_unit_test(test_ptb_every_cut),
	    cmocka_unit_test(test_ext_headers),
	    cmocka_unit_test(test_payload_length),
	    cmocka_unit_test(test_unreach_codes),
	    cmocka_unit_test(test_mtu_table),
	    cmocka_unit_test(test_to_traffic),
	    cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
