/*
 * pkt: count one captured frame by family, and the ICMPv6 errors in it.
 *
 * Every reader takes a pointer and the number of bytes left behind it, and
 * checks that number before each access: nothing here trusts a length field
 * it has not compared with what was captured. Loops are bounded by
 * PKT_VLAN_MAX and PKT_EXT_MAX.
 */
#include <string.h>

#include <pcap/dlt.h>

#include "pkt.h"
#include "result.h"
#include "util.h"

#define ETHERTYPE_IPV4	   0x0800
#define ETHERTYPE_IPV6	   0x86dd
#define ETHERTYPE_VLAN	   0x8100 /* 802.1Q */
#define ETHERTYPE_QINQ	   0x88a8 /* 802.1ad */
#define ETHERTYPE_QINQ_OLD 0x9100 /* pre-standard stacked tags */
#define ETHERTYPE_PPPOE	   0x8864 /* PPPoE session stage */
#define PPP_IPV4	   0x0021
#define PPP_IPV6	   0x0057

#define ETHER_HDR 14
#define SLL_HDR	  16 /* protocol at offset 14 */
#define SLL2_HDR  20 /* protocol at offset 0 */
#define NULL_HDR  4
#define VLAN_TAG  4
#define PPPOE_HDR 8 /* 6 bytes PPPoE + 2 bytes PPP protocol */
#define IPV4_HDR  20
#define IPV6_HDR  40

/* BSD address family values for IPv6 in DLT_NULL / DLT_LOOP headers. */
#define AF_NULL_INET	 2
#define AF_NULL_LINUX6	 10
#define AF_NULL_BSD6	 24 /* NetBSD, OpenBSD, BSD/OS */
#define AF_NULL_FREEBSD6 28
#define AF_NULL_DARWIN6	 30

#define IPPROTO_HOPOPTS_  0
#define IPPROTO_ROUTING_  43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_	  51
#define IPPROTO_ICMPV6_	  58
#define IPPROTO_DSTOPTS_  60
#define IPPROTO_MH_	  135 /* Mobility */
#define IPPROTO_HIP_	  139
#define IPPROTO_SHIM6_	  140

#define ICMP6_DST_UNREACH    1
#define ICMP6_PACKET_TOO_BIG 2

static const char *const unreach_names[PKT_UNREACH_CODES] = {"no_route",
    "admin_prohibited", "beyond_scope", "address_unreachable",
    "port_unreachable", "source_policy", "reject_route", "other"};

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
pkt_mtu_add(struct pkt_counts *c, uint32_t mtu)
{
	if (c->mtu_seen++ == 0 || mtu < c->mtu_min)
		c->mtu_min = mtu;
	/* Slots fill in order: the first free one ends the search. */
	for (size_t i = 0; i < PKT_MTU_SLOTS; i++) {
		struct pkt_mtu *m = &c->mtus[i];

		if (m->count == 0) {
			m->mtu = mtu;
			m->count = 1;
			return;
		}
		if (m->mtu == mtu) {
			m->count++;
			return;
		}
	}
	c->mtu_overflow++;
}

/* An ICMPv6 message of len captured bytes. */
static void
pkt_icmp6(struct pkt_counts *c, const uint8_t *p, size_t len)
{
	if (len < 4) /* type, code, checksum */
		return;
	if (p[0] == ICMP6_PACKET_TOO_BIG) {
		c->ptb++;
		if (len >= 8)
			pkt_mtu_add(c, rd32(p + 4));
	} else if (p[0] == ICMP6_DST_UNREACH) {
		c->unreach++;
		c->unreach_code[p[1] < PKT_UNREACH_CODES - 1 ?
			p[1] :
			PKT_UNREACH_CODES - 1]++;
	}
}

/*
 * An IPv6 packet: check its fixed header, then walk the extension headers
 * to an ICMPv6 header. Only the first fragment carries the upper header.
 */
static enum pkt_family
pkt_ipv6(struct pkt_counts *c, const uint8_t *p, size_t len)
{
	size_t	off = IPV6_HDR, end = len, hlen, plen;
	uint8_t nh;

	if (len < IPV6_HDR || (p[0] >> 4) != 6) {
		c->malformed++;
		return PKT_OTHER;
	}
	/* Ignore what follows the payload (Ethernet padding). 0: jumbogram. */
	plen = rd16(p + 4);
	if (plen != 0 && IPV6_HDR + plen < end)
		end = IPV6_HDR + plen;
	nh = p[6];
	for (int n = 0; n <= PKT_EXT_MAX; n++) {
		if (nh == IPPROTO_ICMPV6_) {
			pkt_icmp6(c, p + off, end - off);
			break;
		}
		if (end - off < 8) /* every extension header has 8 or more */
			break;
		switch (nh) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
		case IPPROTO_MH_:
		case IPPROTO_HIP_:
		case IPPROTO_SHIM6_:
			hlen = ((size_t)p[off + 1] + 1) * 8;
			break;
		case IPPROTO_FRAGMENT_:
			if ((rd16(p + off + 2) & 0xfff8) != 0)
				return PKT_IPV6; /* not the first fragment */
			hlen = 8;
			break;
		case IPPROTO_AH_:
			hlen = ((size_t)p[off + 1] + 2) * 4;
			break;
		default: /* TCP, UDP, ESP, no next header, ... */
			return PKT_IPV6;
		}
		if (hlen > end - off)
			break;
		nh = p[off];
		off += hlen;
	}
	return PKT_IPV6;
}

static enum pkt_family
pkt_ipv4(struct pkt_counts *c, const uint8_t *p, size_t len)
{
	if (len < IPV4_HDR || (p[0] >> 4) != 4 || (p[0] & 0x0f) < 5) {
		c->malformed++;
		return PKT_OTHER;
	}
	return PKT_IPV4;
}

/* Raw IP: the version nibble says which. */
static enum pkt_family
pkt_ip(struct pkt_counts *c, const uint8_t *p, size_t len)
{
	if (len > 0 && (p[0] >> 4) == 6)
		return pkt_ipv6(c, p, len);
	return pkt_ipv4(c, p, len);
}

static int
pkt_is_vlan(uint16_t type)
{
	return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
	    type == ETHERTYPE_QINQ_OLD;
}

/*
 * A frame whose ethertype is at toff and whose payload starts at off
 * (Ethernet, Linux cooked v1 and v2). VLAN tags (TCI + next type) sit
 * between the type and the payload.
 */
static enum pkt_family
pkt_ether(struct pkt_counts *c, const uint8_t *p, size_t len, size_t toff,
    size_t off)
{
	uint16_t type;

	if (len < off) {
		c->malformed++;
		return PKT_OTHER;
	}
	type = rd16(p + toff);
	for (int n = 0; pkt_is_vlan(type); n++) {
		if (n == PKT_VLAN_MAX || len - off < VLAN_TAG) {
			c->malformed++;
			return PKT_OTHER;
		}
		type = rd16(p + off + 2);
		off += VLAN_TAG;
	}
	if (type == ETHERTYPE_IPV6)
		return pkt_ipv6(c, p + off, len - off);
	if (type == ETHERTYPE_IPV4)
		return pkt_ipv4(c, p + off, len - off);
	if (type == ETHERTYPE_PPPOE) {
		if (len - off < PPPOE_HDR) {
			c->malformed++;
			return PKT_OTHER;
		}
		type = rd16(p + off + 6);
		off += PPPOE_HDR;
		if (type == PPP_IPV6)
			return pkt_ipv6(c, p + off, len - off);
		if (type == PPP_IPV4)
			return pkt_ipv4(c, p + off, len - off);
	}
	return PKT_OTHER; /* ARP, LLC (a length, not a type), ... */
}

/*
 * BSD loopback: a 4-byte address family in the byte order of the machine
 * that wrote the file (DLT_NULL) or in network order (DLT_LOOP); a value
 * with high bits set was written in the other order.
 */
static enum pkt_family
pkt_null(struct pkt_counts *c, const uint8_t *p, size_t len)
{
	uint32_t af;

	if (len < NULL_HDR) {
		c->malformed++;
		return PKT_OTHER;
	}
	af = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 |
	    p[0];
	if ((af & 0xffff0000) != 0)
		af = rd32(p);
	switch (af) {
	case AF_NULL_INET:
		return pkt_ipv4(c, p + NULL_HDR, len - NULL_HDR);
	case AF_NULL_LINUX6:
	case AF_NULL_BSD6:
	case AF_NULL_FREEBSD6:
	case AF_NULL_DARWIN6:
		return pkt_ipv6(c, p + NULL_HDR, len - NULL_HDR);
	default:
		return PKT_OTHER;
	}
}

void
pkt_count(struct pkt_counts *c, int dlt, const uint8_t *data, size_t caplen,
    size_t wirelen)
{
	size_t		len = caplen < wirelen ? caplen : wirelen;
	enum pkt_family fam;

	switch (dlt) {
	case DLT_EN10MB:
		fam = pkt_ether(c, data, len, 12, ETHER_HDR);
		break;
	case DLT_LINUX_SLL:
		fam = pkt_ether(c, data, len, 14, SLL_HDR);
		break;
	case DLT_LINUX_SLL2:
		fam = pkt_ether(c, data, len, 0, SLL2_HDR);
		break;
	case DLT_RAW:
	case PKT_LINKTYPE_RAW:
		fam = pkt_ip(c, data, len);
		break;
	case DLT_IPV4:
		fam = pkt_ipv4(c, data, len);
		break;
	case DLT_IPV6:
		fam = pkt_ipv6(c, data, len);
		break;
	case DLT_NULL:
	case DLT_LOOP:
		fam = pkt_null(c, data, len);
		break;
	default:
		fam = PKT_OTHER;
		break;
	}
	c->packets[fam]++;
	c->bytes[fam] += wirelen;
}

int
pkt_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case PKT_LINKTYPE_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return 1;
	default:
		return 0;
	}
}

const char *
pkt_unreach_name(unsigned i)
{
	return i < PKT_UNREACH_CODES ? unreach_names[i] : "?";
}

void
pkt_to_traffic(const struct pkt_counts *c, const char *iface, double interval_s,
    struct result_traffic *t)
{
	memset(t, 0, sizeof(*t));
	(void)str_copy(t->iface, sizeof(t->iface), iface);
	t->interval_s = interval_s;
	for (int i = 0; i < PKT_FAMILY__N; i++) {
		t->packets[i] = c->packets[i];
		t->bytes[i] = c->bytes[i];
	}
	t->ptb = c->ptb;
	t->unreach = c->unreach;
	t->drops = c->drops;
}
