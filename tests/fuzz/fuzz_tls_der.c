/*
 * fuzz_tls_der: libFuzzer target for tls_der_strip_peer(), which takes the
 * server's certificate out of a DER SSL_SESSION in place before v6probe
 * keeps it, and for tls_der_len() under it: the input is the DER. It must
 * never read or write past the input; when it answers, the result is a
 * SEQUENCE no longer than the input whose length is what it says, and
 * stripping it again changes nothing.
 *
 * FUZZ_SOURCES: probe/tls.c common/util.c common/log.c
 * FUZZ_LIBS: libssl libcrypto
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *der = malloc(size ? size : 1), *again;
	size_t	       n, m, len, used;

	memcpy(der, data, size);
	n = tls_der_strip_peer(der, size);
	if (n > 0) {
		if (n > size || der[0] != 0x30 ||
		    tls_der_len(der + 1, n - 1, &len, &used) == -1 ||
		    1 + used + len != n)
			abort();
		again = malloc(n);
		memcpy(again, der, n);
		m = tls_der_strip_peer(again, n);
		if (m != n || memcmp(again, der, n) != 0)
			abort();
		free(again);
	}
	free(der);
	return 0;
}
