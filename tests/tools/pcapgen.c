/*
 * pcapgen: write capture files with a known mix of frames and print what a
 * counter must find in them, as the totals document of
 * `v6probe traffic -r FILE --json` (the fields it knows). The expectations
 * come from the frame specs below, never from the code under test.
 *
 *   pcapgen [-f FORMAT] [-l LINK] [-n REPEAT] [-c COUNT] [-S SEED] MIX OUT
 *   pcapgen seeds DIR
 *
 *   FORMAT  pcap (default), pcap-be (big-endian), pcap-ns (nanosecond),
 *           pcapng
 *   LINK    en10mb (default), sll, sll2, raw, ipv4, ipv6, null, loop
 *   MIX     mix      every kind of frame below that LINK can carry,
 *                    REPEAT times (default 1)
 *           simple   well-formed untagged IPv4 and IPv6 frames, REPEAT times
 *           bench    COUNT frames (default 1000000) of a realistic mix,
 *                    captured with a 128-byte snaplen; SEED picks the order
 *           noise    COUNT well-framed records of random bytes (0-300,
 *                    wire length up to 3 more), half of them starting with
 *                    a plausible IP header; prints the packet count
 *           hostile-KIND  a broken file; prints nothing. KIND: empty, short,
 *                    magic, rechdr, recdata, caplen-gt-len, huge-snaplen,
 *                    huge-caplen, zero, random, garbage, linktype,
 *                    ng-blocklen, ng-noidb, ng-shortblock, ng-caplen
 *   seeds   fuzz seeds: DIR/pkt/ for fuzz_pkt (byte 0 picks the link type,
 *           byte 1 the wire length, then the frame) and DIR/file/ for
 *           fuzz_capture (whole files)
 *
 * Needs nothing but libc.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum link {
	L_EN10MB,
	L_SLL,
	L_SLL2,
	L_RAW,
	L_IPV4,
	L_IPV6,
	L_NULL,
	L_LOOP,
	L__N
};
static const char *const link_names[L__N] = {"en10mb", "sll", "sll2", "raw",
    "ipv4", "ipv6", "null", "loop"};
/* LINKTYPE_ values written into files. */
static const uint32_t link_types[L__N] = {1, 113, 276, 101, 228, 229, 0, 108};

#define LB(l)	 (1u << (l))
#define LK_ETHER (LB(L_EN10MB) | LB(L_SLL) | LB(L_SLL2))
#define LK_NULLS (LB(L_NULL) | LB(L_LOOP))
#define LK_V4	 (LK_ETHER | LB(L_RAW) | LB(L_IPV4) | LK_NULLS)
#define LK_V6	 (LK_ETHER | LB(L_RAW) | LB(L_IPV6) | LK_NULLS)
#define LK_ALL	 ((1u << L__N) - 1)

enum format { F_PCAP, F_PCAP_BE, F_PCAP_NS, F_PCAPNG };

enum fam { FAM_V6, FAM_V4, FAM_OTHER };

/* What goes above the link layer. */
enum l3 {
	P_V4_UDP, /* IPv4 + UDP + payload */
	P_V4_TCP, /* IPv4 + TCP (20) + payload */
	P_V6_UDP,
	P_V6_TCP,
	P_V6_ICMP, /* IPv6 + exts + ICMPv6 (type, code, word) + payload */
	P_V6_ESP,  /* IPv6, next header 50 */
	P_ARP,	   /* 28 bytes of ARP */
	P_LLC,	   /* 802.3 length instead of a type, LLC + payload */
	P_BYTES,   /* payload bytes as given (garbage, bad versions) */
};

#define MAXEXT 12

struct spec {
	const char *name;
	unsigned    links; /* LB() set where the frame makes sense */
	enum l3	    l3;
	int	    payload;	  /* bytes after the L4 header */
	uint8_t	    exts[MAXEXT]; /* IPv6 extension header chain */
	int	    nexts;
	uint16_t    fragoff; /* fragment offset field (units of 8) */
	int	    icmp_type, icmp_code;
	uint32_t    icmp_word; /* MTU of a Packet Too Big */
	int	    plen;      /* > 0: IPv6 payload length field override */
	int	    jumbo;     /* IPv6 payload length field 0 */
	uint8_t	    first;     /* P_BYTES: value of every byte */
	uint16_t    tpids[6];  /* VLAN tags, outermost first */
	int	    ntags;
	int	    pppoe;     /* in a PPPoE session */
	int	    cut;       /* > 0: caplen = start of the L3 packet + cut */
	int	    cut_abs;   /* > 0: caplen = cut_abs (within link header) */
	int	    cut_tag;   /* caplen ends inside the last tag / PPPoE */
	int	    zero_cap;  /* caplen 0 */
	int	    zero_wire; /* wire length 0 too */
	uint32_t    null_af;   /* > 0: this address family in a null header */
	/* expectations */
	enum fam fam;
	int	 malformed;
	int	 ptb;	  /* a Packet Too Big is counted */
	uint32_t mtu;	  /* > 0: and its MTU */
	int	 unreach; /* UNR(code): a Destination Unreachable; 0 none */
};

#define H_HBH  0
#define H_RT   43
#define H_FRAG 44
#define H_AH   51
#define H_DST  60
#define H_MH   135

#define ICMP6_UNREACH 1
#define ICMP6_PTB     2
#define ICMP6_ECHO    128

#define UNR(code) ((code) + 1)

/* Every frame spec of "mix". */
static const struct spec mix_specs[] = {
    {"v4-udp", LK_V4, P_V4_UDP, 100, .fam = FAM_V4},
    {"v4-tcp-syn", LK_V4, P_V4_TCP, 0, .fam = FAM_V4},
    {"v6-tcp", LK_V6, P_V6_TCP, 500, .fam = FAM_V6},
    {"v6-udp-full", LK_V6, P_V6_UDP, 1452, .fam = FAM_V6},
    {"v6-udp-snap", LK_V6, P_V6_UDP, 1452, .fam = FAM_V6, .cut = 60},
    {"vlan-v4", LK_ETHER, P_V4_UDP, 64, .tpids = {0x8100}, .ntags = 1,
	.fam = FAM_V4},
    {"qinq-v6", LK_ETHER, P_V6_TCP, 64, .tpids = {0x88a8, 0x8100}, .ntags = 2,
	.fam = FAM_V6},
    {"vlan3-v4", LK_ETHER, P_V4_TCP, 10, .tpids = {0x9100, 0x88a8, 0x8100},
	.ntags = 3, .fam = FAM_V4},
    {"vlan4-v6-ptb", LK_ETHER, P_V6_ICMP, 64,
	.tpids = {0x88a8, 0x8100, 0x8100, 0x8100}, .ntags = 4,
	.icmp_type = ICMP6_PTB, .icmp_word = 1492, .fam = FAM_V6, .ptb = 1,
	.mtu = 1492},
    {"vlan5", LK_ETHER, P_V4_UDP, 10,
	.tpids = {0x8100, 0x8100, 0x8100, 0x8100, 0x8100}, .ntags = 5,
	.fam = FAM_OTHER, .malformed = 1},
    {"vlan-cut", LK_ETHER, P_V6_UDP, 10, .tpids = {0x8100}, .ntags = 1,
	.fam = FAM_OTHER, .malformed = 1, .cut_tag = 1},
    {"ext-ptb", LK_V6, P_V6_ICMP, 100, .exts = {H_HBH, H_DST, H_RT, H_FRAG},
	.nexts = 4, .icmp_type = ICMP6_PTB, .icmp_word = 1280, .fam = FAM_V6,
	.ptb = 1, .mtu = 1280},
    {"ptb-1400", LK_V6, P_V6_ICMP, 200, .icmp_type = ICMP6_PTB,
	.icmp_word = 1400, .fam = FAM_V6, .ptb = 1, .mtu = 1400},
    {"ah-ptb", LK_V6, P_V6_ICMP, 100, .exts = {H_AH}, .nexts = 1,
	.icmp_type = ICMP6_PTB, .icmp_word = 1280, .fam = FAM_V6, .ptb = 1,
	.mtu = 1280},
    {"mh-ptb", LK_V6, P_V6_ICMP, 100, .exts = {H_MH, H_DST}, .nexts = 2,
	.icmp_type = ICMP6_PTB, .icmp_word = 1280, .fam = FAM_V6, .ptb = 1,
	.mtu = 1280},
    {"ptb-no-mtu", LK_V6, P_V6_ICMP, 100, .icmp_type = ICMP6_PTB,
	.icmp_word = 1280, .fam = FAM_V6, .ptb = 1, .cut = 44},
    {"ptb-no-type", LK_V6, P_V6_ICMP, 100, .icmp_type = ICMP6_PTB,
	.icmp_word = 1280, .fam = FAM_V6, .cut = 43},
    {"ptb-plen-short", LK_V6, P_V6_ICMP, 100, .icmp_type = ICMP6_PTB,
	.icmp_word = 1280, .fam = FAM_V6, .ptb = 1, .plen = 6},
    {"ptb-jumbo", LK_V6, P_V6_ICMP, 100, .icmp_type = ICMP6_PTB,
	.icmp_word = 1500, .fam = FAM_V6, .ptb = 1, .mtu = 1500, .jumbo = 1},
    {"unreach-0", LK_V6, P_V6_ICMP, 80, .icmp_type = ICMP6_UNREACH,
	.icmp_code = 0, .fam = FAM_V6, .unreach = UNR(0)},
    {"unreach-1-dst", LK_V6, P_V6_ICMP, 80, .exts = {H_DST}, .nexts = 1,
	.icmp_type = ICMP6_UNREACH, .icmp_code = 1, .fam = FAM_V6,
	.unreach = UNR(1)},
    {"unreach-2", LK_V6, P_V6_ICMP, 80, .icmp_type = ICMP6_UNREACH,
	.icmp_code = 2, .fam = FAM_V6, .unreach = UNR(2)},
    {"unreach-3-hbh", LK_V6, P_V6_ICMP, 80, .exts = {H_HBH}, .nexts = 1,
	.icmp_type = ICMP6_UNREACH, .icmp_code = 3, .fam = FAM_V6,
	.unreach = UNR(3)},
    {"unreach-4", LK_V6, P_V6_ICMP, 80, .icmp_type = ICMP6_UNREACH,
	.icmp_code = 4, .fam = FAM_V6, .unreach = UNR(4)},
    {"unreach-5-ah", LK_V6, P_V6_ICMP, 80, .exts = {H_AH}, .nexts = 1,
	.icmp_type = ICMP6_UNREACH, .icmp_code = 5, .fam = FAM_V6,
	.unreach = UNR(5)},
    {"unreach-6", LK_V6, P_V6_ICMP, 80, .icmp_type = ICMP6_UNREACH,
	.icmp_code = 6, .fam = FAM_V6, .unreach = UNR(6)},
    {"unreach-7", LK_V6, P_V6_ICMP, 80, .icmp_type = ICMP6_UNREACH,
	.icmp_code = 7, .fam = FAM_V6, .unreach = UNR(7)},
    {"unreach-200", LK_V6, P_V6_ICMP, 80, .icmp_type = ICMP6_UNREACH,
	.icmp_code = 200, .fam = FAM_V6, .unreach = UNR(200)},
    {"frag-later", LK_V6, P_V6_ICMP, 80, .exts = {H_FRAG}, .nexts = 1,
	.fragoff = 185, .icmp_type = ICMP6_PTB, .icmp_word = 1280,
	.fam = FAM_V6},
    {"ext-8-ptb", LK_V6, P_V6_ICMP, 40,
	.exts = {H_DST, H_DST, H_DST, H_DST, H_DST, H_DST, H_DST, H_DST},
	.nexts = 8, .icmp_type = ICMP6_PTB, .icmp_word = 1280, .fam = FAM_V6,
	.ptb = 1, .mtu = 1280},
    {"ext-9-ptb", LK_V6, P_V6_ICMP, 40,
	.exts = {H_DST, H_DST, H_DST, H_DST, H_DST, H_DST, H_DST, H_DST, H_DST},
	.nexts = 9, .icmp_type = ICMP6_PTB, .icmp_word = 1280, .fam = FAM_V6},
    {"ext-cut", LK_V6, P_V6_ICMP, 40, .exts = {H_HBH, H_RT}, .nexts = 2,
	.icmp_type = ICMP6_PTB, .icmp_word = 1280, .fam = FAM_V6, .cut = 50},
    {
	"echo",
	LK_V6,
	P_V6_ICMP,
	56,
	.icmp_type = ICMP6_ECHO,
	.fam = FAM_V6,
    },
    {"esp", LK_V6, P_V6_ESP, 120, .fam = FAM_V6},
    {"arp", LK_ETHER, P_ARP, 0, .fam = FAM_OTHER},
    {"llc", LK_ETHER, P_LLC, 40, .fam = FAM_OTHER},
    {"pppoe-v6-unreach", LK_ETHER, P_V6_ICMP, 60, .pppoe = 1,
	.icmp_type = ICMP6_UNREACH, .icmp_code = 4, .fam = FAM_V6,
	.unreach = UNR(4)},
    {"pppoe-v4", LK_ETHER, P_V4_UDP, 60, .pppoe = 1, .fam = FAM_V4},
    {"pppoe-cut", LK_ETHER, P_V4_UDP, 60, .pppoe = 1, .fam = FAM_OTHER,
	.malformed = 1, .cut_tag = 1},
    {"l2-cut", LK_ETHER | LK_NULLS, P_V4_UDP, 60, .fam = FAM_OTHER,
	.malformed = 1, .cut_abs = 3},
    {"v6-hdr-cut", LK_V6, P_V6_UDP, 60, .fam = FAM_OTHER, .malformed = 1,
	.cut = 30},
    {"v4-hdr-cut", LK_V4, P_V4_UDP, 60, .fam = FAM_OTHER, .malformed = 1,
	.cut = 12},
    {"v4-says-6", LK_ETHER | LB(L_IPV4), P_BYTES, 60, .first = 0x60,
	.fam = FAM_OTHER, .malformed = 1},
    {"v6-says-4", LK_ETHER | LB(L_IPV6), P_BYTES, 60, .first = 0x45,
	.fam = FAM_OTHER, .malformed = 1},
    {"raw-garbage", LB(L_RAW), P_BYTES, 60, .first = 0x00, .fam = FAM_OTHER,
	.malformed = 1},
    {"v4-bad-ihl", LK_V4, P_BYTES, 40, .first = 0x44, .fam = FAM_OTHER,
	.malformed = 1},
    {
	"null-af-99",
	LK_NULLS,
	P_V4_UDP,
	20,
	.null_af = 99,
	.fam = FAM_OTHER,
    },
    {"empty", LK_ALL, P_V4_UDP, 0, .zero_cap = 1, .zero_wire = 1,
	.fam = FAM_OTHER, .malformed = 1},
    {"empty-snap", LK_ALL, P_V6_UDP, 1000, .zero_cap = 1, .fam = FAM_OTHER,
	.malformed = 1},
};

static const struct spec simple_specs[] = {
    {"v4-udp", LK_V4, P_V4_UDP, 100, .fam = FAM_V4},
    {"v4-tcp", LK_V4, P_V4_TCP, 0, .fam = FAM_V4},
    {"v6-tcp", LK_V6, P_V6_TCP, 500, .fam = FAM_V6},
    {"v6-udp", LK_V6, P_V6_UDP, 1452, .fam = FAM_V6},
    {"v6-tcp-ack", LK_V6, P_V6_TCP, 0, .fam = FAM_V6},
};

/* The bench mix: weights in parts per 10000. */
struct bench_entry {
	int	    weight;
	struct spec s;
};
static const struct bench_entry bench_specs[] = {
    {2900, {"v6-tcp-data", LK_V6, P_V6_TCP, 1428, .fam = FAM_V6}},
    {1500, {"v6-tcp-ack", LK_V6, P_V6_TCP, 12, .fam = FAM_V6}},
    {2100, {"v4-tcp-data", LK_V4, P_V4_TCP, 1448, .fam = FAM_V4}},
    {1200, {"v4-tcp-ack", LK_V4, P_V4_TCP, 12, .fam = FAM_V4}},
    {600, {"v6-quic", LK_V6, P_V6_UDP, 1232, .fam = FAM_V6}},
    {500, {"v4-dns", LK_V4, P_V4_UDP, 60, .fam = FAM_V4}},
    {300,
	{"vlan-v4", LK_ETHER, P_V4_TCP, 600, .tpids = {0x8100}, .ntags = 1,
	    .fam = FAM_V4}},
    {200,
	{"vlan-v6", LK_ETHER, P_V6_TCP, 600, .tpids = {0x8100}, .ntags = 1,
	    .fam = FAM_V6}},
    {100, {"arp", LK_ETHER, P_ARP, 0, .fam = FAM_OTHER}},
    {300,
	{"v6-hbh-tcp", LK_V6, P_V6_TCP, 100, .exts = {H_HBH}, .nexts = 1,
	    .fam = FAM_V6}},
    {100,
	{
	    "nd",
	    LK_V6,
	    P_V6_ICMP,
	    24,
	    .icmp_type = 135,
	    .fam = FAM_V6,
	}},
    {50,
	{"ptb-1280", LK_V6, P_V6_ICMP, 1232, .icmp_type = ICMP6_PTB,
	    .icmp_word = 1280, .fam = FAM_V6, .ptb = 1, .mtu = 1280}},
    {30,
	{"ptb-1492", LK_V6, P_V6_ICMP, 1232, .icmp_type = ICMP6_PTB,
	    .icmp_word = 1492, .fam = FAM_V6, .ptb = 1, .mtu = 1492}},
    {60,
	{"unreach-4", LK_V6, P_V6_ICMP, 60, .icmp_type = ICMP6_UNREACH,
	    .icmp_code = 4, .fam = FAM_V6, .unreach = UNR(4)}},
    {40,
	{"unreach-0", LK_V6, P_V6_ICMP, 60, .icmp_type = ICMP6_UNREACH,
	    .icmp_code = 0, .fam = FAM_V6, .unreach = UNR(0)}},
    {20, {"v4-short", LK_V4, P_V4_UDP, 8, .fam = FAM_V4}},
};
#define BENCH_SNAPLEN 128
#define BENCH_FLOWS   4096

#define FRAME_MAX 4096

struct frame {
	uint8_t	 b[FRAME_MAX];
	size_t	 caplen, wirelen;
	size_t	 l4off; /* TCP/UDP header; 0: none */
	int	 tcp;
	uint32_t ts_sec, ts_frac;
};

struct totals {
	uint64_t packets[3], bytes[3], malformed, ptb, unreach;
	uint64_t code[8];
	uint32_t mtus[64];
	uint64_t mtu_count[64];
	int	 nmtus;
};

static void
die(const char *msg)
{
	fprintf(stderr, "pcapgen: %s\n", msg);
	exit(2);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* 2001:db8:<a>::<b> */
static void
addr6(uint8_t *p, uint16_t a, uint16_t b)
{
	memset(p, 0, 16);
	put16(p, 0x2001);
	put16(p + 2, 0x0db8);
	put16(p + 4, a);
	put16(p + 14, b);
}

/* A plain data segment: header length 20, ACK + PSH, a full window. */
static void
tcp_flags(uint8_t *t)
{
	memset(t + 4, 0, 16);
	t[12] = 0x50;
	t[13] = 0x18;
	put16(t + 14, 0xffff);
}

static size_t
build_v4(uint8_t *p, int proto, int l4len, int payload)
{
	size_t total = 20 + (size_t)l4len + (size_t)payload;

	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)total);
	put16(p + 6, 0x4000); /* DF */
	p[8] = 64;
	p[9] = (uint8_t)proto;
	put32(p + 12, 0xc6336401); /* 198.51.100.1 */
	put32(p + 16, 0xcb007102); /* 203.0.113.2 */
	fill(p + 20, total - 20, 0x11);
	if (proto == 17) {
		put16(p + 20, 40000);
		put16(p + 22, 53);
		put16(p + 24, (uint16_t)(8 + payload));
	} else {
		put16(p + 20, 40000);
		put16(p + 22, 443);
		tcp_flags(p + 20);
	}
	return total;
}

/* IPv6 with the spec's extension headers; returns the length. */
static size_t
build_v6(uint8_t *p, const struct spec *s, int proto, size_t l4len)
{
	size_t off = 40, plen;
	int    nh_at = 6;

	memset(p, 0, 40);
	p[0] = 0x60;
	p[7] = 64;
	addr6(p + 8, 1, 1);
	addr6(p + 24, 2, 2);
	for (int i = 0; i < s->nexts; i++) {
		uint8_t t = s->exts[i];
		size_t	hl;

		p[nh_at] = t;
		memset(p + off, 0, 16);
		switch (t) {
		case H_FRAG:
			hl = 8;
			put16(p + off + 2,
			    (uint16_t)(s->fragoff << 3 | (s->fragoff ? 0 : 1)));
			put32(p + off + 4, 0x12345678);
			break;
		case H_AH:
			hl = 16; /* (2 + 2) * 4: SPI, seq, 4 bytes ICV */
			p[off + 1] = 2;
			put32(p + off + 4, 0x100);
			break;
		case H_HBH:
		case H_DST:
			hl = 16;
			p[off + 1] = 1;
			p[off + 2] = 1; /* PadN over the rest */
			p[off + 3] = 12;
			break;
		default: /* routing, mobility: 24 bytes */
			hl = 24;
			p[off + 1] = 2;
			break;
		}
		nh_at = (int)off;
		off += hl;
	}
	p[nh_at] = (uint8_t)proto;
	plen = off - 40 + l4len;
	if (s->plen > 0)
		plen = (size_t)s->plen;
	put16(p + 4, s->jumbo ? 0 : (uint16_t)plen);
	return off;
}

/* The L3 packet of s at p; returns its length. */
static size_t
build_l3(uint8_t *p, const struct spec *s, uint16_t *type, size_t *l4)
{
	size_t off, n;

	*l4 = 0;
	switch (s->l3) {
	case P_V4_UDP:
		*type = 0x0800;
		*l4 = 20;
		return build_v4(p, 17, 8, s->payload);
	case P_V4_TCP:
		*type = 0x0800;
		*l4 = 20;
		return build_v4(p, 6, 20, s->payload);
	case P_V6_UDP:
	case P_V6_TCP:
	case P_V6_ESP:
	case P_V6_ICMP:
		*type = 0x86dd;
		n = s->l3 == P_V6_UDP ? 8 :
		    s->l3 == P_V6_TCP ? 20 :
		    s->l3 == P_V6_ESP ? 8 :
					8;
		n += (size_t)s->payload;
		off = build_v6(p, s,
		    s->l3 == P_V6_UDP	  ? 17 :
			s->l3 == P_V6_TCP ? 6 :
			s->l3 == P_V6_ESP ? 50 :
					    58,
		    n);
		fill(p + off, n, 0x33);
		if (s->l3 == P_V6_UDP) {
			put16(p + off, 40000);
			put16(p + off + 2, 443);
			put16(p + off + 4, (uint16_t)n);
		} else if (s->l3 == P_V6_ICMP) {
			p[off] = (uint8_t)s->icmp_type;
			p[off + 1] = (uint8_t)s->icmp_code;
			put16(p + off + 2, 0xbeef);
			put32(p + off + 4, s->icmp_word);
			/* the quoted packet starts like an IPv6 header */
			if (s->payload >= 40) {
				p[off + 8] = 0x60;
				p[off + 8 + 6] = 17;
			}
		} else if (s->l3 == P_V6_TCP) {
			put16(p + off, 40000);
			put16(p + off + 2, 443);
			tcp_flags(p + off);
		}
		if (s->l3 == P_V6_UDP || s->l3 == P_V6_TCP)
			*l4 = off;
		return off + n;
	case P_ARP:
		*type = 0x0806;
		memset(p, 0, 28);
		put16(p, 1);
		put16(p + 2, 0x0800);
		p[4] = 6;
		p[5] = 4;
		put16(p + 6, 1);
		return 28;
	case P_LLC:
		*type = (uint16_t)(3 + s->payload); /* a length */
		p[0] = 0x42;
		p[1] = 0x42;
		p[2] = 0x03;
		fill(p + 3, (size_t)s->payload, 0x55);
		return 3 + (size_t)s->payload;
	case P_BYTES:
	default:
		/* the link layer says the other family, or IPv4 */
		*type = s->first == 0x45 ? 0x86dd : 0x0800;
		fill(p, (size_t)s->payload, 0x77);
		p[0] = s->first;
		return (size_t)s->payload;
	}
}

/* Build frame f for spec s on link l. */
static void
build_frame(struct frame *f, const struct spec *s, enum link l)
{
	uint8_t	 l3[FRAME_MAX];
	uint16_t type = 0;
	size_t	 n3, off = 0, toff = 0, hdr, l4;
	uint8_t *b = f->b;

	n3 = build_l3(l3, s, &type, &l4);
	if (s->pppoe) {
		uint8_t ppp[FRAME_MAX];

		ppp[0] = 0x11;
		ppp[1] = 0;
		put16(ppp + 2, 0x0001); /* session id */
		put16(ppp + 4, (uint16_t)(n3 + 2));
		put16(ppp + 6, type == 0x86dd ? 0x0057 : 0x0021);
		memcpy(ppp + 8, l3, n3);
		memcpy(l3, ppp, n3 + 8);
		n3 += 8;
		type = 0x8864;
	}
	memset(b, 0, 64);
	switch (l) {
	case L_EN10MB:
		b[0] = 0x02; /* locally administered MACs */
		b[5] = 0x02;
		b[6] = 0x02;
		b[11] = 0x01;
		toff = 12;
		off = 14;
		break;
	case L_SLL:
		put16(b + 2, 1); /* ARPHRD_ETHER */
		put16(b + 4, 6);
		b[6] = 0x02;
		toff = 14;
		off = 16;
		break;
	case L_SLL2:
		put32(b + 4, 2); /* ifindex */
		put16(b + 8, 1);
		b[11] = 6;
		toff = 0;
		off = 20;
		break;
	case L_NULL: { /* host order of a little-endian writer */
		uint32_t af = s->null_af ? s->null_af : type == 0x86dd ? 30 : 2;
		b[0] = (uint8_t)af;
		b[1] = (uint8_t)(af >> 8);
		off = 4;
		break;
	}
	case L_LOOP:
		put32(b, s->null_af ? s->null_af : type == 0x86dd ? 24 : 2);
		off = 4;
		break;
	default:
		break;
	}
	hdr = off;
	if (l == L_EN10MB || l == L_SLL || l == L_SLL2) {
		put16(b + toff, s->ntags > 0 ? s->tpids[0] : type);
		for (int i = 0; i < s->ntags; i++) {
			put16(b + off, (uint16_t)(100 + i)); /* TCI */
			put16(b + off + 2,
			    i + 1 < s->ntags ? s->tpids[i + 1] : type);
			off += 4;
		}
	}
	memcpy(b + off, l3, n3);
	f->l4off = l4 > 0 && !s->pppoe ? off + l4 : 0;
	f->tcp = s->l3 == P_V4_TCP || s->l3 == P_V6_TCP;
	f->wirelen = off + n3;
	if (l == L_EN10MB && f->wirelen < 60) { /* Ethernet padding */
		memset(b + f->wirelen, 0, 60 - f->wirelen);
		f->wirelen = 60;
	}
	f->caplen = f->wirelen;
	if (s->cut > 0 && off + (size_t)s->cut < f->caplen)
		f->caplen = off + (size_t)s->cut;
	if (s->cut_tag) /* inside the last tag or the PPPoE header */
		f->caplen = s->pppoe ? off + 5 : off - 2;
	if (s->cut_abs > 0) {
		if ((size_t)s->cut_abs >= hdr)
			die("cut_abs outside the link header");
		f->caplen = (size_t)s->cut_abs;
	}
	if (s->zero_cap)
		f->caplen = 0;
	if (s->zero_wire)
		f->wirelen = 0;
}

static void
totals_add(struct totals *t, const struct spec *s, const struct frame *f)
{
	t->packets[s->fam]++;
	t->bytes[s->fam] += f->wirelen;
	t->malformed += (uint64_t)s->malformed;
	if (s->ptb) {
		t->ptb++;
		if (s->mtu > 0) {
			int i;

			for (i = 0; i < t->nmtus && t->mtus[i] != s->mtu; i++)
				;
			if (i == t->nmtus) {
				if (t->nmtus == 64)
					die("too many MTUs");
				t->mtus[t->nmtus++] = s->mtu;
			}
			t->mtu_count[i]++;
		}
	}
	if (s->unreach > 0) {
		t->unreach++;
		t->code[s->unreach - 1 < 7 ? s->unreach - 1 : 7]++;
	}
}

static void
totals_print(FILE *fp, const struct totals *t)
{
	static const char *const codes[8] = {"no_route", "admin_prohibited",
	    "beyond_scope", "address_unreachable", "port_unreachable",
	    "source_policy", "reject_route", "other"};
	static const char *const fams[3] = {"ipv6", "ipv4", "other"};
	double			 ip = (double)t->bytes[0] + (double)t->bytes[1];
	uint32_t		 order[64], min = 0;
	uint64_t		 cnt[64];
	int			 n = t->nmtus;

	fprintf(fp, "{\"packets\":{");
	for (int i = 0; i < 3; i++)
		fprintf(fp, "%s\"%s\":%" PRIu64, i ? "," : "", fams[i],
		    t->packets[i]);
	fprintf(fp, "},\"bytes\":{");
	for (int i = 0; i < 3; i++)
		fprintf(fp, "%s\"%s\":%" PRIu64, i ? "," : "", fams[i],
		    t->bytes[i]);
	fprintf(fp, "},\"ipv6_share\":%.6f,",
	    ip > 0 ? (double)t->bytes[0] / ip : 0);
	fprintf(fp,
	    "\"icmpv6\":{\"packet_too_big\":%" PRIu64
	    ",\"dest_unreachable\":%" PRIu64 ",\"unreachable_by_code\":{",
	    t->ptb, t->unreach);
	for (int i = 0; i < 8; i++)
		fprintf(fp, "%s\"%s\":%" PRIu64, i ? "," : "", codes[i],
		    t->code[i]);
	/* MTUs sorted ascending */
	memcpy(order, t->mtus, sizeof(order));
	memcpy(cnt, t->mtu_count, sizeof(cnt));
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && order[j - 1] > order[j]; j--) {
			uint32_t m = order[j];
			uint64_t c = cnt[j];

			order[j] = order[j - 1];
			cnt[j] = cnt[j - 1];
			order[j - 1] = m;
			cnt[j - 1] = c;
		}
	fprintf(fp, "},\"ptb_mtus\":[");
	for (int i = 0; i < n; i++)
		fprintf(fp, "%s{\"mtu\":%" PRIu32 ",\"count\":%" PRIu64 "}",
		    i ? "," : "", order[i], cnt[i]);
	if (n > 0)
		min = order[0];
	fprintf(fp, "],\"ptb_mtus_untracked\":0,\"ptb_mtu_min\":");
	if (n > 0)
		fprintf(fp, "%" PRIu32, min);
	else
		fprintf(fp, "null");
	fprintf(fp, "},\"malformed\":%" PRIu64 "}\n", t->malformed);
}

/* file writers */

struct out {
	FILE	   *fp;
	enum format fmt;
	uint32_t    snaplen;
};

static void
wr(struct out *o, const void *p, size_t n)
{
	if (n > 0 && fwrite(p, 1, n, o->fp) != n)
		die("write failed");
}

static void
wr32(struct out *o, uint32_t v)
{
	uint8_t b[4];

	if (o->fmt == F_PCAP_BE)
		put32(b, v);
	else {
		b[0] = (uint8_t)v;
		b[1] = (uint8_t)(v >> 8);
		b[2] = (uint8_t)(v >> 16);
		b[3] = (uint8_t)(v >> 24);
	}
	wr(o, b, 4);
}

static void
wr16(struct out *o, uint16_t v)
{
	uint8_t b[2];

	if (o->fmt == F_PCAP_BE)
		put16(b, v);
	else {
		b[0] = (uint8_t)v;
		b[1] = (uint8_t)(v >> 8);
	}
	wr(o, b, 2);
}

static void
out_header(struct out *o, uint32_t linktype)
{
	if (o->fmt == F_PCAPNG) {
		/* Section Header Block */
		wr32(o, 0x0a0d0d0a);
		wr32(o, 28);
		wr32(o, 0x1a2b3c4d);
		wr16(o, 1);
		wr16(o, 0);
		wr32(o, 0xffffffff); /* section length unknown */
		wr32(o, 0xffffffff);
		wr32(o, 28);
		/* Interface Description Block */
		wr32(o, 1);
		wr32(o, 20);
		wr16(o, (uint16_t)linktype);
		wr16(o, 0);
		wr32(o, o->snaplen);
		wr32(o, 20);
		return;
	}
	wr32(o, o->fmt == F_PCAP_NS ? 0xa1b23c4d : 0xa1b2c3d4);
	wr16(o, 2);
	wr16(o, 4);
	wr32(o, 0);
	wr32(o, 0);
	wr32(o, o->snaplen);
	wr32(o, linktype);
}

static void
out_frame(struct out *o, const struct frame *f)
{
	static const uint8_t zero[4];

	if (o->fmt == F_PCAPNG) {
		size_t	 pad = (4 - f->caplen % 4) % 4;
		uint32_t blen = (uint32_t)(32 + f->caplen + pad);
		uint64_t us = (uint64_t)f->ts_sec * 1000000 + f->ts_frac;

		wr32(o, 6);
		wr32(o, blen);
		wr32(o, 0);
		wr32(o, (uint32_t)(us >> 32));
		wr32(o, (uint32_t)us);
		wr32(o, (uint32_t)f->caplen);
		wr32(o, (uint32_t)f->wirelen);
		wr(o, f->b, f->caplen);
		wr(o, zero, pad);
		wr32(o, blen);
		return;
	}
	wr32(o, f->ts_sec);
	wr32(o, o->fmt == F_PCAP_NS ? f->ts_frac * 1000 : f->ts_frac);
	wr32(o, (uint32_t)f->caplen);
	wr32(o, (uint32_t)f->wirelen);
	wr(o, f->b, f->caplen);
}

static FILE *
out_open(const char *path)
{
	FILE *fp;

	if ((fp = fopen(path, "wbe")) == NULL) {
		fprintf(stderr, "pcapgen: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fp;
}

static void
out_close(struct out *o)
{
	if (fclose(o->fp) != 0)
		die("write failed");
}

/* xorshift64*: the same sequence everywhere */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* Write the frames of specs that link l carries, repeat times; print the
 * totals to tfp unless NULL. */
static void
gen_specs(struct out *o, enum link l, const struct spec *specs, size_t n,
    long repeat, FILE *tfp)
{
	struct totals t;
	struct frame  f;

	memset(&t, 0, sizeof(t));
	out_header(o, link_types[l]);
	f.ts_sec = 1764480000;
	f.ts_frac = 0;
	for (long r = 0; r < repeat; r++)
		for (size_t i = 0; i < n; i++) {
			if (!(specs[i].links & LB(l)))
				continue;
			build_frame(&f, &specs[i], l);
			f.ts_frac = (f.ts_frac + 1000) % 1000000;
			out_frame(o, &f);
			totals_add(&t, &specs[i], &f);
		}
	out_close(o);
	if (tfp != NULL)
		totals_print(tfp, &t);
}

static void
gen_bench(struct out *o, enum link l, long count, uint64_t seed)
{
	enum { NB = sizeof(bench_specs) / sizeof(bench_specs[0]) };
	static struct frame frames[NB];
	static uint32_t	    seq[BENCH_FLOWS];
	uint8_t		    pick[10000];
	size_t		    npick = 0;
	struct totals	    t;

	memset(&t, 0, sizeof(t));
	o->snaplen = BENCH_SNAPLEN;
	for (size_t i = 0; i < NB; i++) {
		const struct spec *s = &bench_specs[i].s;

		if (!(s->links & LB(l)))
			continue;
		build_frame(&frames[i], s, l);
		if (frames[i].caplen > BENCH_SNAPLEN)
			frames[i].caplen = BENCH_SNAPLEN;
		for (int w = 0; w < bench_specs[i].weight && npick < 10000; w++)
			pick[npick++] = (uint8_t)i;
	}
	if (npick == 0)
		die("no bench frames for this link type");
	out_header(o, link_types[l]);
	for (long k = 0; k < count; k++) {
		size_t	      i = pick[rnd(&seed) % npick];
		struct frame *f = &frames[i];
		uint64_t      r = rnd(&seed);
		unsigned      flow = (unsigned)(r % BENCH_FLOWS);

		/* many flows, each with its own rising sequence numbers */
		if (f->l4off > 0 && f->l4off + 8 <= f->caplen) {
			put16(f->b + f->l4off, (uint16_t)(1024 + flow));
			if (f->tcp) {
				put32(f->b + f->l4off + 4, seq[flow]);
				seq[flow] += (uint32_t)(f->wirelen - f->l4off);
			}
		}

		f->ts_sec = 1764480000 + (uint32_t)(k / 100000);
		f->ts_frac = (uint32_t)(k % 100000) * 10;
		out_frame(o, f);
		totals_add(&t, &bench_specs[i].s, f);
	}
	out_close(o);
	totals_print(stdout, &t);
}

static void
gen_noise(struct out *o, enum link l, long count, uint64_t seed)
{
	struct frame f;

	out_header(o, link_types[l]);
	f.ts_sec = 1764480000;
	f.ts_frac = 0;
	for (long k = 0; k < count; k++) {
		size_t ip = l == L_EN10MB      ? 14 :
		    l == L_SLL		       ? 16 :
		    l == L_SLL2		       ? 20 :
		    l == L_NULL || l == L_LOOP ? 4 :
						 0;

		f.caplen = rnd(&seed) % 301;
		f.wirelen = f.caplen + rnd(&seed) % 4;
		for (size_t i = 0; i < f.caplen; i++)
			f.b[i] = (uint8_t)rnd(&seed);
		if ((k & 1) && f.caplen > ip + 40) {
			f.b[ip] = k & 2 ? 0x60 : 0x45;
			f.b[ip + 6] = (uint8_t) "\0\x2b\x2c\x33\x3a\x3c"[k % 6];
			if (l == L_EN10MB || l == L_SLL)
				put16(f.b + ip - 2, k & 2 ? 0x86dd : 0x0800);
			if (l == L_SLL2)
				put16(f.b, k & 2 ? 0x86dd : 0x0800);
		}
		out_frame(o, &f);
	}
	out_close(o);
	printf("%ld\n", count);
}

/* hostile files */

static void
gen_hostile(const char *kind, const char *path)
{
	struct out   o = {out_open(path), F_PCAP, 65535};
	struct frame f;
	struct spec  s = mix_specs[0];
	uint64_t     seed = 42;
	uint8_t	     junk[65536];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rnd(&seed);
	build_frame(&f, &s, L_EN10MB);
	f.ts_sec = 1764480000;
	f.ts_frac = 0;
	if (strcmp(kind, "empty") == 0) {
		/* nothing */
	} else if (strcmp(kind, "short") == 0) {
		wr32(&o, 0xa1b2c3d4);
		wr16(&o, 2);
		wr16(&o, 4);
		wr16(&o, 0);
	} else if (strcmp(kind, "magic") == 0) {
		wr(&o, junk, 24);
	} else if (strcmp(kind, "rechdr") == 0) {
		out_header(&o, 1);
		out_frame(&o, &f);
		out_frame(&o, &f);
		wr(&o, junk, 7);
	} else if (strcmp(kind, "recdata") == 0) {
		out_header(&o, 1);
		out_frame(&o, &f);
		wr32(&o, f.ts_sec);
		wr32(&o, 0);
		wr32(&o, 200);
		wr32(&o, 200);
		wr(&o, f.b, 50);
	} else if (strcmp(kind, "caplen-gt-len") == 0) {
		out_header(&o, 1);
		f.wirelen = 40;
		out_frame(&o, &f);
	} else if (strcmp(kind, "huge-snaplen") == 0) {
		o.snaplen = 0xffffffff;
		out_header(&o, 1);
		out_frame(&o, &f);
		out_frame(&o, &f);
	} else if (strcmp(kind, "huge-caplen") == 0) {
		out_header(&o, 1);
		out_frame(&o, &f);
		wr32(&o, f.ts_sec);
		wr32(&o, 0);
		wr32(&o, 0x7fffffff);
		wr32(&o, 0x7fffffff);
		wr(&o, junk, 1000);
	} else if (strcmp(kind, "zero") == 0) {
		out_header(&o, 1);
		f.caplen = f.wirelen = 0;
		for (int i = 0; i < 5; i++)
			out_frame(&o, &f);
	} else if (strcmp(kind, "random") == 0) {
		out_header(&o, 1);
		wr(&o, junk, sizeof(junk));
	} else if (strcmp(kind, "garbage") == 0) {
		wr(&o, junk, sizeof(junk));
	} else if (strcmp(kind, "linktype") == 0) {
		out_header(&o, 147);
		out_frame(&o, &f);
	} else if (strncmp(kind, "ng-", 3) == 0) {
		o.fmt = F_PCAPNG;
		if (strcmp(kind, "ng-shortblock") == 0) {
			wr32(&o, 0x0a0d0d0a);
			wr32(&o, 8);
			wr32(&o, 0x1a2b3c4d);
		} else if (strcmp(kind, "ng-noidb") == 0) {
			wr32(&o, 0x0a0d0d0a);
			wr32(&o, 28);
			wr32(&o, 0x1a2b3c4d);
			wr16(&o, 1);
			wr16(&o, 0);
			wr32(&o, 0xffffffff);
			wr32(&o, 0xffffffff);
			wr32(&o, 28);
			out_frame(&o, &f);
		} else {
			out_header(&o, 1);
			out_frame(&o, &f);
			wr32(&o, 6);
			if (strcmp(kind, "ng-blocklen") == 0) {
				wr32(&o, 0xfffffff0);
				wr(&o, junk, 4096);
			} else if (strcmp(kind, "ng-caplen") == 0) {
				wr32(&o, 64);
				wr32(&o, 0);
				wr32(&o, 0);
				wr32(&o, 0);
				wr32(&o, 1000); /* caplen past the block */
				wr32(&o, 1000);
				wr(&o, junk, 32);
				wr32(&o, 64);
			} else
				die("unknown hostile kind");
		}
	} else
		die("unknown hostile kind");
	out_close(&o);
}

/* fuzz seeds */

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wbe");

	if (fp == NULL || fwrite(p, 1, n, fp) != n || fclose(fp) != 0) {
		fprintf(stderr, "pcapgen: %s: %s\n", path, strerror(errno));
		exit(2);
	}
}

static void
gen_seeds(const char *dir)
{
	static const enum format fmts[] = {F_PCAP, F_PCAPNG};
	char			 path[4096], sub[4096];
	struct frame		 f;
	uint8_t			 seed[FRAME_MAX + 2];
	int			 n = 0;

	if (snprintf(sub, sizeof(sub), "%s/pkt", dir) >= (int)sizeof(sub))
		die("path too long");
	(void)mkdir(dir, 0755);
	(void)mkdir(sub, 0755);
	for (int l = 0; l < L__N; l++)
		for (size_t i = 0; i < sizeof(mix_specs) / sizeof(mix_specs[0]);
		     i++) {
			if (!(mix_specs[i].links & LB(l)))
				continue;
			build_frame(&f, &mix_specs[i], (enum link)l);
			seed[0] = (uint8_t)l;
			seed[1] = 0;
			memcpy(seed + 2, f.b, f.caplen);
			if (snprintf(path, sizeof(path), "%s/%s-%s", sub,
				link_names[l],
				mix_specs[i].name) >= (int)sizeof(path))
				die("path too long");
			write_file(path, seed, f.caplen + 2);
			n++;
		}
	if (snprintf(sub, sizeof(sub), "%s/file", dir) >= (int)sizeof(sub))
		die("path too long");
	(void)mkdir(sub, 0755);
	for (int l = 0; l < L__N; l++)
		for (size_t k = 0; k < 2; k++) {
			struct out o;

			if (snprintf(path, sizeof(path), "%s/%s-%s", sub,
				link_names[l],
				fmts[k] == F_PCAP ? "pcap" : "pcapng") >=
			    (int)sizeof(path))
				die("path too long");
			o.fp = out_open(path);
			o.fmt = fmts[k];
			o.snaplen = 65535;
			gen_specs(&o, (enum link)l, mix_specs,
			    sizeof(mix_specs) / sizeof(mix_specs[0]), 1, NULL);
			n++;
		}
	fprintf(stderr, "pcapgen: %d seeds in %s\n", n, dir);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: pcapgen [-f pcap|pcap-be|pcap-ns|pcapng] [-l LINK] "
	    "[-n REPEAT] [-c COUNT] [-S SEED] MIX OUT\n"
	    "       pcapgen seeds DIR\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct out o = {NULL, F_PCAP, 65535};
	enum link  l = L_EN10MB;
	long	   repeat = 1, count = 1000000;
	uint64_t   seed = 1;
	int	   ch, found;

	while ((ch = getopt(argc, argv, "f:l:n:c:S:")) != -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "pcap") == 0)
				o.fmt = F_PCAP;
			else if (strcmp(optarg, "pcap-be") == 0)
				o.fmt = F_PCAP_BE;
			else if (strcmp(optarg, "pcap-ns") == 0)
				o.fmt = F_PCAP_NS;
			else if (strcmp(optarg, "pcapng") == 0)
				o.fmt = F_PCAPNG;
			else
				usage();
			break;
		case 'l':
			found = 0;
			for (int i = 0; i < L__N; i++)
				if (strcmp(optarg, link_names[i]) == 0) {
					l = (enum link)i;
					found = 1;
				}
			if (!found)
				usage();
			break;
		case 'n':
			repeat = strtol(optarg, NULL, 10);
			if (repeat < 1 || repeat > 10000000)
				usage();
			break;
		case 'c':
			count = strtol(optarg, NULL, 10);
			if (count < 1 || count > 2000000000)
				usage();
			break;
		case 'S':
			seed = strtoull(optarg, NULL, 10) | 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	if (strcmp(argv[0], "seeds") == 0) {
		gen_seeds(argv[1]);
		return 0;
	}
	if (strncmp(argv[0], "hostile-", 8) == 0) {
		gen_hostile(argv[0] + 8, argv[1]);
		return 0;
	}
	o.fp = out_open(argv[1]);
	if (strcmp(argv[0], "mix") == 0)
		gen_specs(&o, l, mix_specs,
		    sizeof(mix_specs) / sizeof(mix_specs[0]), repeat, stdout);
	else if (strcmp(argv[0], "simple") == 0)
		gen_specs(&o, l, simple_specs,
		    sizeof(simple_specs) / sizeof(simple_specs[0]), repeat,
		    stdout);
	else if (strcmp(argv[0], "bench") == 0)
		gen_bench(&o, l, count, seed);
	else if (strcmp(argv[0], "noise") == 0)
		gen_noise(&o, l, count, seed);
	else
		usage();
	return 0;
}
