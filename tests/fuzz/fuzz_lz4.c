/*
 * Fuzz target "lz4": the zboot loader's LZ4 frame decoder
 * (boot/zboot/lz4.c). The payload inside keel.efi is the input it trusts
 * least: a damaged file on the ESP must be a clear error, never a write
 * outside the buffer the loader allocated.
 *
 * Input: one control byte, then an LZ4 frame. Control bits:
 *   bit 0  recompute the frame descriptor's checksum byte (HC), so that
 *          mutations of the header fields and of the blocks get past it
 * The output buffer is a heap block of exactly the announced content size
 * (at most 1 MiB; larger frames are skipped), so AddressSanitizer sees any
 * write past it; the input is an exact-size copy for the same reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/zboot/lz4.h"
#include "boot/zboot/xxh32.h"

#define FUZZ_MAX_OUT (1u << 20)
#define HDR_LEN      15         /* magic, FLG, BD, content size, HC */

static void fix_header_sum(uint8_t *f, size_t n)
{
	if (n >= HDR_LEN)
		f[HDR_LEN - 1] = (uint8_t)(xxh32(f + 4, HDR_LEN - 5, 0) >> 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *in, *out;
	uint64_t want = 0;
	size_t n;
	int rc;

	if (size < 1)
		return 0;
	n = size - 1;
	in = malloc(n ? n : 1);
	if (in == NULL)
		return 0;
	memcpy(in, data + 1, n);
	if (data[0] & 1)
		fix_header_sum(in, n);
	rc = lz4_frame_content_size(in, n, &want);
	if (rc < 0 || want > FUZZ_MAX_OUT) {
		if (lz4_strerror(rc) == NULL)
			abort();
		free(in);
		return 0;
	}
	out = malloc(want ? want : 1);
	if (out != NULL) {
		rc = lz4_frame_decode(in, n, out, (size_t)want);
		if (rc > 0 || lz4_strerror(rc) == NULL)
			abort();        /* 0 or a negative LZ4_E_* code, nothing else */
		free(out);
	}
	free(in);
	return 0;
}
