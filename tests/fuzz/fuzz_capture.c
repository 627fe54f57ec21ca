/*
 * fuzz_capture: libFuzzer target for the capture file reader: the input is
 * a whole capture file (pcap or pcapng) handed to capture_read_stream()
 * from memory, so libpcap's parsing and our per-packet callback meet
 * hostile headers, lengths and frames. Every call either counts or fails
 * with a message; neither may crash.
 *
 * FUZZ_SOURCES: probe/capture.c probe/pkt.c common/ev.c common/util.c common/log.c
 * FUZZ_LIBS: libpcap libcrypto
 * FUZZ_SEEDS: file
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "probe/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_counts c = {0};
	char		  err[512];
	FILE		 *fp;

	if (size == 0)
		return 0;
	/* fmemopen wants a writable buffer even to read */
	fp = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (fp == NULL)
		return 0;
	err[0] = '\0';
	if (capture_read_stream(fp, "fuzz", NULL, &c, err, sizeof(err)) == -1 &&
	    err[0] == '\0')
		abort(); /* an error must say what */
	return 0;
}
