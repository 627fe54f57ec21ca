/*
 * pkt: count one captured frame: its address family, its wire length, and
 * the ICMPv6 errors that tell whether IPv6 works (Packet Too Big with its
 * MTU, Destination Unreachable by code). Pure: no I/O, no allocation, and
 * no read past min(caplen, wirelen), whatever the bytes say.
 */
#ifndef V6W_PKT_H
#define V6W_PKT_H

#include <stddef.h>
#include <stdint.h>

struct result_traffic;

/* Families, in the order of struct result_traffic's arrays. */
enum pkt_family { PKT_IPV6, PKT_IPV4, PKT_OTHER, PKT_FAMILY__N };

#define PKT_VLAN_MAX  4 /* stacked 802.1Q / 802.1ad tags followed */
#define PKT_EXT_MAX   8 /* IPv6 extension headers walked */
#define PKT_MTU_SLOTS 8 /* distinct Packet Too Big MTUs kept */
/* Destination Unreachable codes 0..6 counted one by one, the rest in 7. */
#define PKT_UNREACH_CODES 8

/* Link types that are not DLT_ values on every system. */
#define PKT_LINKTYPE_RAW 101

struct pkt_mtu {
	uint32_t mtu;
	uint64_t count; /* 0: slot free */
};

struct pkt_counts {
	uint64_t packets[PKT_FAMILY__N];
	uint64_t bytes[PKT_FAMILY__N]; /* wire length */
	uint64_t malformed; /* truncated or broken frames, also in other */
	uint64_t ptb;	    /* ICMPv6 Packet Too Big */
	uint64_t unreach;   /* ICMPv6 Destination Unreachable */
	uint64_t unreach_code[PKT_UNREACH_CODES];
	/* MTUs of Packet Too Big messages, in order of first sight. */
	struct pkt_mtu mtus[PKT_MTU_SLOTS];
	uint64_t       mtu_overflow; /* PTBs whose MTU found no free slot */
	uint64_t       mtu_seen;     /* PTBs whose MTU was captured */
	uint32_t       mtu_min;	     /* smallest of them; valid if mtu_seen */
	uint64_t       drops;	     /* kernel drops (live capture only) */
};

/*
 * Count one frame of link type dlt (a DLT_ value, or a LINKTYPE_ value
 * from a capture file) whose first caplen bytes are at data and whose
 * length on the wire was wirelen. Unsupported link types, unknown
 * protocols and broken frames are counted under other.
 */
void pkt_count(struct pkt_counts *, int dlt, const uint8_t *data, size_t caplen,
    size_t wirelen);

/* 1 when pkt_count() understands link type dlt, else 0. */
int pkt_dlt_supported(int dlt);

/* The JSON name of Destination Unreachable code slot i. */
const char *pkt_unreach_name(unsigned i);

/*
 * Fill the result record's traffic part from counts taken over
 * interval_s seconds on iface (truncated to fit).
 */
void pkt_to_traffic(const struct pkt_counts *, const char *iface,
    double interval_s, struct result_traffic *);

#endif
