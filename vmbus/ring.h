/*
 * One VMBus ring buffer (one direction of a channel): a shared control page
 * followed by a circular data area (docs/protocols/vmbus.md §5.1). The same structure
 * serves the outbound (guest->host, we produce) and the inbound (host->guest,
 * we consume) ring; each side only uses its half of the API.
 *
 * Who touches what: the ring belongs to its channel; the channel's owner
 * (device work queue or the channel callback) calls send/receive, never two
 * contexts at once (single CPU, cooperative: no locks needed).
 */
#ifndef KEEL_VMBUS_RING_H
#define KEEL_VMBUS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/hyperv/vmbus_wire.h"

struct vmbus_ring {
	struct vmbus_ring_control *ctl; /* shared: host writes its fields */
	uint8_t *data;                  /* shared data area */
	uint32_t data_size;             /* bytes, multiple of the page size */
	uint32_t priv_write;            /* outbound: our write index (§7.2 item 2) */
	uint32_t priv_read;             /* inbound: our read index */
	bool broken;                    /* a host-owned field was invalid: stop */
	bool pending_send;              /* outbound: we set pending_send_sz (ours, §7.2 item 2) */
	/* counters */
	uint64_t packets, bytes, full_events, bad_packets;
};

/* A received packet, parsed from the private copy in the caller's buffer. */
struct vmbus_pkt {
	uint16_t type;          /* enum vmbus_pkt_type: 6, 7, 9 or 11 */
	uint16_t flags;         /* VMBUS_PKT_FLAG_COMPLETION_REQUESTED or 0 */
	uint64_t trans_id;
	const uint8_t *raw;     /* the whole packet copy (descriptor first) */
	uint32_t raw_len;       /* len8 * 8 */
	const uint8_t *data;    /* payload at offset8 * 8 */
	uint32_t data_len;      /* len8 * 8 - offset8 * 8 (includes padding) */
};

/* A receive pass: begin, next... end (docs/protocols/vmbus.md §5.6). */
struct vmbus_ring_iter {
	struct vmbus_ring *ring;
	uint32_t bytes_read;    /* consumed this pass, trailers included */
};

/*
 * Set up a ring over `pages` pages of zeroed shared memory at `mem` (control
 * page first). Writes feature_bits = 1 (we honour pending_send_sz). pages >= 2.
 */
void vmbus_ring_init(struct vmbus_ring *r, void *mem, size_t pages);

/* Largest packet the ring can ever take, trailer included (§5.2). */
uint32_t vmbus_ring_max_packet(const struct vmbus_ring *r);

/* ---- outbound ---- */

/* One piece of a packet to gather. */
struct vmbus_iov {
	const void *base;
	uint32_t len;
};

/*
 * Write one packet: descriptor (built here from type/flags/trans_id), then
 * `hdr` (type-specific header bytes after the descriptor, e.g. GPA ranges;
 * offset8 covers it), then the payload pieces, padding and trailer.
 * *signal is set when the host must be signalled (§5.5 step 5).
 * Returns 0, -EAGAIN (full; pending_send_sz set if the host honours it),
 * -EMSGSIZE (can never fit), -EIO (ring broken).
 */
int vmbus_ring_write(struct vmbus_ring *r, uint16_t type, uint16_t flags,
		     uint64_t trans_id, const void *hdr, uint32_t hdr_len,
		     const struct vmbus_iov *iov, int niov, bool *signal);

/* Free bytes in the outbound ring as the host's read_index says (-EIO if invalid). */
int64_t vmbus_ring_free(struct vmbus_ring *r);

/* ---- inbound ---- */

/*
 * Mask host interrupts while draining (§5.6 interrupt mitigation). Inline:
 * one store on every receive pass. No full barrier: a host that misses the
 * mask signals once more, which is harmless; the unmask in
 * vmbus_ring_iter_end is the one that needs it. The compiler barrier keeps
 * the mask store before the pass's loads.
 */
static inline void vmbus_ring_iter_begin(struct vmbus_ring_iter *it, struct vmbus_ring *r)
{
	it->ring = r;
	it->bytes_read = 0;
	r->ctl->interrupt_mask = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}
/*
 * Copy the next packet into buf (bufsz bytes, 8-aligned) and validate it
 * (§7.3). Returns 1 with *pkt filled, 0 when no packet, -EMSGSIZE when the
 * packet is larger than buf (it is skipped and counted), -EIO when the ring
 * is corrupt (ring marked broken).
 */
int vmbus_ring_iter_next(struct vmbus_ring_iter *it, void *buf, uint32_t bufsz,
			 struct vmbus_pkt *pkt);
/*
 * Nothing to read: the host's write index equals our read index (the usual
 * answer of the last vmbus_ring_iter_next of a pass). A peek that saves the
 * call on every receive pass; any other index value goes through
 * vmbus_ring_iter_next, which reads it again and validates it (§7.2).
 */
static inline bool vmbus_ring_peek_empty(const struct vmbus_ring *r)
{
	return !r->broken &&
	       *(const volatile uint32_t *)&r->ctl->write_index == r->priv_read;
}
/*
 * Publish the read index, unmask interrupts and decide on the flow-control
 * signal (§5.6 steps 5-6). *signal set when the host waits for space.
 * Returns true when more data arrived meanwhile (drain again).
 */
bool vmbus_ring_iter_end(struct vmbus_ring_iter *it, bool *signal);

/* Bytes available to read now (-EIO if the host's write_index is invalid). */
int64_t vmbus_ring_avail(struct vmbus_ring *r);

#endif
