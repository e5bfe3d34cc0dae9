/*
 * Fuzz target "netvsc": the checks of what a NetVSP host writes
 * (drivers/netvsc_parse.c) over the input as one host packet: the
 * transfer-page packet header and each of its ranges against a receive
 * buffer, the NVSP completion minimum of the type the packet names, and
 * the RNDIS message (data frame, query answer, status indication, with
 * its per-packet information walk) the range would hold.
 *
 * Input: one control byte, a 16-bit little-endian packet length, the
 * packet (VMBus descriptor first), then the receive buffer's contents
 * (its size is what is left). Control bits:
 *   bits 0-3  the NVSP message offset in 8-byte units (offset8)
 *   bit 4     the expected page-set id is 1 instead of 0
 *   bit 5     sub-allocations of 6144 bytes instead of 1728
 * Every part is read from an exact-size copy of its bytes, so
 * AddressSanitizer sees any read past what the host gave.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/netvsc_parse.h"

static uint8_t *copy(const uint8_t *p, uint32_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	memcpy(c, p, n);
	return c;
}

/* One RNDIS message in an exact-size copy. */
static void rndis_one(const uint8_t *p, uint32_t n)
{
	struct netvsc_rndis_msg m;
	uint8_t *c = copy(p, n);

	/* a checked message must not name bytes past those received (an
	 * indication's buffer may lie past msg_len, see netvsc_parse.c) */
	if (!netvsc_parse_rndis(c, n, &m) && (m.data_off > n || m.data_len > n - m.data_off))
		__builtin_trap();
	free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct netvsc_xfer x;
	uint32_t len, ctl, bsz, sub, nvsp_type;
	uint8_t *raw, *rbuf;

	if (n < 3 || n > 65536)
		return 0;
	ctl = d[0];
	len = d[1] | (uint32_t)d[2] << 8;
	d += 3, n -= 3;
	if (len > n)
		len = (uint32_t)n;
	raw = copy(d, len);
	bsz = (uint32_t)(n - len);
	rbuf = copy(d + len, bsz);
	sub = ctl & 0x20 ? 6144 : 1728;
	if (!netvsc_parse_xfer(raw, len, (ctl & 15) * 8, (ctl >> 4) & 1, &x)) {
		for (uint32_t i = 0; i < x.nranges; i++) {
			struct nvsp_xfer_range r;

			memcpy(&r, &x.ranges[i], sizeof(r));
			if (netvsc_range_ok(&r, bsz, sub, 6144))
				rndis_one(rbuf + r.byte_offset, r.byte_count);
		}
	}
	if (len >= 4) {
		memcpy(&nvsp_type, raw, 4);
		(void)netvsc_nvsp_comp_min(nvsp_type);
	}
	rndis_one(raw, len);
	free(rbuf);
	free(raw);
	return 0;
}
