/*
 * fuzz_pkt: libFuzzer target for pkt_count(), the per-packet counter that
 * live captures and capture files share. Byte 0 picks the link type, byte
 * 1 the wire length (0: caplen; 1-127: caplen + n; 128-255: caplen / 2,
 * shorter than what was captured), the rest is the frame, which ends where
 * the fuzzer's buffer ends so that ASan sees any read past it.
 *
 * FUZZ_SOURCES: probe/pkt.c common/util.c common/log.c
 * FUZZ_LIBS: libcrypto
 * FUZZ_SEEDS: pkt
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <pcap/dlt.h>

#include "probe/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The order of pcapgen's link types, then two it does not write. */
static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
    DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP, PKT_LINKTYPE_RAW, 147};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_counts c = {0};
	size_t		  caplen, wirelen;
	uint64_t	  sum = 0, mtus = 0;

	if (size < 2)
		return 0;
	caplen = size - 2;
	wirelen = data[1] == 0 ? caplen :
	    data[1] < 128      ? caplen + data[1] :
				 caplen / 2;
	pkt_count(&c, dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))],
	    data + 2, caplen, wirelen);
	/* one frame: counted once, in one family, at most one ICMPv6 error */
	for (int i = 0; i < PKT_FAMILY__N; i++)
		sum += c.packets[i];
	for (int i = 0; i < PKT_MTU_SLOTS; i++)
		mtus += c.mtus[i].count;
	if (sum != 1 || c.ptb + c.unreach > 1 || c.malformed > c.packets[2] ||
	    mtus != c.mtu_seen || c.mtu_seen > c.ptb ||
	    (c.ptb + c.unreach > 0 && c.packets[PKT_IPV6] != 1) ||
	    c.bytes[0] + c.bytes[1] + c.bytes[2] != wirelen)
		abort();
	return 0;
}
