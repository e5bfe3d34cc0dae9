/*
 * Fuzz target "ring": the VMBus ring buffer (vmbus/ring.c) with every
 * host-owned byte taken from the input: the checks Linux makes in
 * hv_pkt_iter_first and hv_pkt_iter_next: copy, then check, then use.
 *
 * Inbound: the host writes write_index, pending_send_sz, feature_bits and
 * the data area; the iterator must copy each packet out before parsing it,
 * never read outside the ring or the caller's buffer, and stop (ring
 * broken) rather than loop on garbage. Outbound: the host writes
 * read_index; a send must never write outside the ring.
 *
 * Input: a 16-byte header, then the data area's bytes (placed from the
 * guest's read index on, wrapping):
 *   0  u32 write_index          host-owned, used as given
 *   4  u32 guest read index     ours: reduced to a valid 8-aligned offset
 *   8  u32 pending_send_sz      host-owned
 *   12 u8  buffer size choice   64, 512, 4096 or 65536 bytes
 *   13 u8  feature_bits / interrupt_mask bits
 *   14 u16 outbound read_index  (host-owned, used as given, times 8)
 * The ring is exactly RING_PAGES pages from malloc, so AddressSanitizer
 * sees any access past it; the receive buffer is exactly its size too.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmbus/ring.h"

#define RING_PAGES 3u           /* control page + 8 KiB of data: wraps are common */
#define PAGE 4096u

static void check(int cond)
{
	if (!cond)
		abort();        /* an invariant of the iterator's contract broke */
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void drain(struct vmbus_ring *r, uint8_t *buf, uint32_t bufsz)
{
	struct vmbus_ring_iter it;
	struct vmbus_pkt p;
	bool signal, more = true;

	/* A pass ends at 0 or -EIO; at most 2 passes (the iterator must not
	 * report "more" forever over data that does not change). */
	for (int pass = 0; pass < 2 && more; pass++) {
		int rc, n = 0;

		vmbus_ring_iter_begin(&it, r);
		while ((rc = vmbus_ring_iter_next(&it, buf, bufsz, &p)) != 0) {
			check(++n <= (int)(r->data_size / 24) + 1);
			if (rc == -EMSGSIZE)
				continue;
			if (rc < 0)
				break;
			check(rc == 1);
			check(p.raw == buf && p.raw_len <= bufsz && p.raw_len >= 16);
			check(p.data >= p.raw && p.data + p.data_len == p.raw + p.raw_len);
		}
		more = vmbus_ring_iter_end(&it, &signal);
		if (r->broken)
			break;
	}
}

static void send_some(struct vmbus_ring *r, uint32_t host_read)
{
	static const uint8_t payload[600];
	struct vmbus_iov iov[2] = { { payload, 100 }, { payload, 500 } };
	bool signal;

	r->ctl->read_index = host_read;
	for (int i = 0; i < 20; i++)
		if (vmbus_ring_write(r, VMBUS_PKT_DATA_INBAND, 0, (uint64_t)i + 1, NULL, 0,
				     iov, 1 + (i & 1), &signal) != 0)
			break;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const uint32_t bufsizes[4] = { 64, 512, 4096, 65536 };
	uint8_t *mem, *buf;
	struct vmbus_ring r;
	uint32_t bufsz, rd;

	if (n < 16)
		return 0;
	mem = aligned_alloc(PAGE, RING_PAGES * PAGE);
	bufsz = bufsizes[d[12] & 3];
	buf = malloc(bufsz);
	if (!mem || !buf)
		abort();
	memset(mem, 0, RING_PAGES * PAGE);
	vmbus_ring_init(&r, mem, RING_PAGES);
	rd = (get32(d + 4) % r.data_size) & ~7u;
	r.priv_read = rd;
	r.ctl->read_index = rd;
	for (size_t i = 16; i < n && i - 16 < r.data_size; i++)
		r.data[(rd + (i - 16)) % r.data_size] = d[i];
	r.ctl->write_index = get32(d);
	r.ctl->pending_send_sz = get32(d + 8);
	r.ctl->feature_bits = d[13] & 1;
	r.ctl->interrupt_mask = d[13] >> 1 & 1;
	drain(&r, buf, bufsz);

	/* The same memory as an outbound ring (we produce, the host reads). */
	vmbus_ring_init(&r, mem, RING_PAGES);
	r.priv_write = rd;
	r.ctl->write_index = rd;
	send_some(&r, (uint32_t)(d[14] | d[15] << 8) * 8);

	free(buf);
	free(mem);
	return 0;
}
