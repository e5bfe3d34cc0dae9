/*
 * VMBus ring buffers: writing packets to the host and reading the host's
 * packets through an iterator that copies each packet out of shared memory
 * before anything looks at it (docs/protocols/vmbus.md §5.1-5.7, hardening §7.2-7.3).
 *
 * Rules kept here:
 *  - indices are byte offsets < data_size, multiples of 8; a host-owned
 *    index that breaks this marks the ring broken (§7.2 item 1);
 *  - our own indices are private copies, never read back (§7.2 item 2);
 *  - the producer leaves >= 8 bytes free so full != empty (§5.5 step 2);
 *  - signal only on empty -> non-empty with interrupt_mask clear (§5.5 step 5);
 *  - as consumer, signal the host when it waits for space and we freed
 *    enough (pending_send_sz, §5.6 step 6).
 */
#include <errno.h>
#include <string.h>

#include "vmbus/ring.h"

/*
 * §5.7: a full barrier only where a store of ours must be visible to the
 * host before a later load of ours decides whether someone signals; each
 * closes a lost wake-up:
 *  1. send: write_index store -> interrupt_mask and read_index loads
 *     (§5.5 step 5, ring_publish);
 *  2. full ring: pending_send_sz store -> read_index re-check (§5.5,
 *     ring_full);
 *  3. end of a receive pass: read_index and interrupt_mask = 0 stores ->
 *     write_index re-check and pending_send_sz load (§5.6 steps 5-6,
 *     vmbus_ring_iter_end).
 * Every other ordering (packet bytes before the index that publishes them,
 * the index load before the packet loads, packet loads before read_index)
 * is store->store, load->load or load->store, which x86-64 keeps by itself
 * (TSO): a compiler barrier is enough there. A locked add to the stack is
 * the cheap full barrier on x86-64 (what Linux's smp_mb does); it touches
 * only bytes below the stack pointer that hold nothing, and leaves them
 * unchanged.
 */
#if defined(__x86_64__)
#define ring_mb()  __asm__ __volatile__("lock; addl $0,-4(%%rsp)" ::: "memory", "cc")
#else
#define ring_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
/* x86 TSO: load->load and store->store only need the compiler not to reorder. */
#define ring_cb()  __atomic_signal_fence(__ATOMIC_SEQ_CST)

void vmbus_ring_init(struct vmbus_ring *r, void *mem, size_t pages)
{
	memset(r, 0, sizeof(*r));
	r->ctl = mem;
	r->data = (uint8_t *)mem + sizeof(struct vmbus_ring_control);
	r->data_size = (uint32_t)((pages - 1) * sizeof(struct vmbus_ring_control));
	memset((void *)r->ctl, 0, sizeof(*r->ctl));
	r->ctl->feature_bits = VMBUS_RING_FEATURE_PENDING_SEND_SZ;
}

uint32_t vmbus_ring_max_packet(const struct vmbus_ring *r)
{
	return r->data_size - 8;
}

/*
 * memcpy for packet pieces. Most are a few words (completions, control
 * messages, 64-byte frames), where the library call costs more than the
 * copy: up to 64 bytes are copied inline as two fixed-size copies that
 * overlap (the first and the last 16 or 32 bytes). The ring and the
 * caller's buffers never overlap each other.
 */
static inline void ring_memcpy(void *dst, const void *src, uint32_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (n >= 16 && n <= 32) {
		memcpy(d, s, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else if (n > 32 && n <= 64) {
		memcpy(d, s, 32);
		memcpy(d + n - 32, s + n - 32, 32);
	} else {
		memcpy(d, s, n);
	}
}

/* A host-owned index is usable only when < data_size and 8-aligned (§7.2). */
static int ring_check_index(struct vmbus_ring *r, uint32_t idx)
{
	if (idx >= r->data_size || (idx & 7)) {
		r->broken = true;
		return -EIO;
	}
	return 0;
}

static void ring_copy_to(struct vmbus_ring *r, uint32_t off, const void *src, uint32_t len)
{
	uint32_t first = r->data_size - off;

	if (first > len)
		first = len;
	memcpy(r->data + off, src, first);
	if (len > first)
		memcpy(r->data, (const uint8_t *)src + first, len - first);
}

static void ring_copy_from(struct vmbus_ring *r, uint32_t off, void *dst, uint32_t len)
{
	uint32_t first = r->data_size - off;

	if (first > len)
		first = len;
	memcpy(dst, r->data + off, first);
	if (len > first)
		memcpy((uint8_t *)dst + first, r->data, len - first);
}

/* off < data_size and n <= data_size always hold here: no division. */
static uint32_t ring_add(uint32_t size, uint32_t off, uint32_t n)
{
	uint32_t v = off + n;
	return v >= size ? v - size : v;
}

int64_t vmbus_ring_free(struct vmbus_ring *r)
{
	uint32_t rd = r->ctl->read_index;

	if (r->broken || ring_check_index(r, rd))
		return -EIO;
	if (rd > r->priv_write)
		return rd - r->priv_write;
	return r->data_size - (r->priv_write - rd);
}

/*
 * Outbound ring full (§5.5): we set feature_bits bit 0 in this ring at init,
 * so the host promises to signal once pending_send_sz bytes are free. Set it,
 * then re-check to close the race with a host that just consumed.
 */
static int ring_full(struct vmbus_ring *r, uint32_t total)
{
	int64_t free;

	r->full_events++;
	/* §5.5: ask for a signal, then re-check to close the race. The full
	 * barrier orders the pending_send_sz store before the read_index load:
	 * otherwise the host could consume everything after our load, look at
	 * the old pending_send_sz (0), not signal, and we would wait forever. */
	r->ctl->pending_send_sz = total;
	r->pending_send = true;
	ring_mb();
	free = vmbus_ring_free(r);
	if (free < 0)
		return -EIO;
	if ((uint64_t)free > total) {
		r->ctl->pending_send_sz = 0;
		r->pending_send = false;
		return 0;
	}
	return -EAGAIN;
}

/* The descriptor's first word (§5.3): type, offset8, len8, flags. */
static uint64_t ring_desc_word(uint16_t type, uint16_t flags, uint32_t hdr_len, uint32_t pktlen)
{
	return (uint64_t)type | (uint64_t)((sizeof(struct vmbus_pkt_desc) + hdr_len) / 8) << 16 |
	       (uint64_t)(pktlen / 8) << 32 | (uint64_t)flags << 48;
}

/*
 * A packet that fits before the end of the data area, written in place at
 * p: the fixed-size words first (descriptor, zeroed padding word, trailer),
 * then the copies. The descriptor goes in as its two words: a struct built
 * field by field and then copied costs a store-forwarding stall. Always
 * inline: vmbus_ring_write's copy, with one piece and no header, shrinks
 * to a few moves.
 */
static inline __attribute__((always_inline)) void ring_put_in_place(uint8_t *p, uint64_t w0, uint64_t trans_id,
				     const void *hdr, uint32_t hdr_len,
				     const struct vmbus_iov *iov, int niov,
				     uint32_t pktlen, uint32_t pad, uint64_t trailer)
{
	if (pad)                /* §7.5: the payload then covers its non-padding bytes */
		memset(p + pktlen - 8, 0, 8);
	memcpy(p, &w0, 8);
	memcpy(p + 8, &trans_id, 8);
	memcpy(p + pktlen, &trailer, 8);
	p += sizeof(struct vmbus_pkt_desc);
	if (hdr_len) {
		ring_memcpy(p, hdr, hdr_len);
		p += hdr_len;
	}
	for (int i = 0; i < niov; i++) {
		if (iov[i].len)         /* an empty piece may have no base */
			ring_memcpy(p, iov[i].base, iov[i].len);
		p += iov[i].len;
	}
}

/* A packet that wraps at the end of the data area: every piece is split there. */
static uint32_t ring_put_wrapped(struct vmbus_ring *r, uint32_t old, uint64_t w0,
				 uint64_t trans_id, const void *hdr, uint32_t hdr_len,
				 const struct vmbus_iov *iov, int niov, uint32_t pad)
{
	static const uint8_t zeros[8];
	uint64_t desc[2] = { w0, trans_id }, trailer = (uint64_t)old << 32;
	uint32_t size = r->data_size, off = old;

	ring_copy_to(r, off, desc, sizeof(desc));
	off = ring_add(size, off, sizeof(desc));
	if (hdr_len) {
		ring_copy_to(r, off, hdr, hdr_len);
		off = ring_add(size, off, hdr_len);
	}
	for (int i = 0; i < niov; i++) {
		if (!iov[i].len)
			continue;
		ring_copy_to(r, off, iov[i].base, iov[i].len);
		off = ring_add(size, off, iov[i].len);
	}
	/* §7.5: padding bytes are zeroed, never left over from earlier packets. */
	if (pad) {
		ring_copy_to(r, off, zeros, pad);
		off = ring_add(size, off, pad);
	}
	ring_copy_to(r, off, &trailer, sizeof(trailer));
	return ring_add(size, off, sizeof(trailer));
}

/*
 * §5.5 steps 4-5: publish the new write index, then decide on the signal.
 * Both ways of writing a packet end here.
 */
static inline int ring_publish(struct vmbus_ring *r, uint32_t old, uint32_t next, bool *signal)
{
	struct vmbus_ring_control *ctl = r->ctl;

	/* Step 4, store -> store (packet, then the index): x86 keeps the
	 * order, the compiler must too (§5.7). */
	ring_cb();
	ctl->write_index = next;
	/* Step 5, store -> load: the host reads our write_index, then unmasks
	 * or publishes its read_index and re-checks write_index. Without the
	 * full barrier our loads below could see its old interrupt_mask and
	 * read_index while our write_index still sits in the store buffer:
	 * the host goes idle on an empty ring, and we do not signal (a lost
	 * wake-up). The one full barrier of a send. */
	ring_mb();
	if (ctl->interrupt_mask)
		return 0;
	ring_cb();      /* load -> load: x86 keeps it, the compiler must too */
	if (ctl->read_index == old)
		*signal = true;
	return 0;
}

/*
 * Any packet (vmbus_ring_write takes the usual one itself): a header, any
 * number of pieces, a full ring, pending_send_sz to clear, a wrap.
 */
static __attribute__((noinline)) int
ring_write_any(struct vmbus_ring *r, uint16_t type, uint16_t flags, uint64_t trans_id,
	       const void *hdr, uint32_t hdr_len, const struct vmbus_iov *iov, int niov,
	       bool *signal)
{
	uint32_t size = r->data_size, old = r->priv_write;
	uint32_t payload = 0, pktlen, total, pad, next;
	uint64_t w0;
	int64_t free;
	int err;

	*signal = false;
	if (r->broken)
		return -EIO;
	if (hdr_len & 7)
		return -EINVAL;
	for (int i = 0; i < niov; i++) {
		if (iov[i].len > size)
			return -EMSGSIZE;
		payload += iov[i].len;
	}
	pktlen = (uint32_t)sizeof(struct vmbus_pkt_desc) + hdr_len;
	if ((uint64_t)pktlen + payload + 8 + VMBUS_PKT_TRAILER_SIZE > size)
		return -EMSGSIZE;
	pktlen = (pktlen + payload + 7) & ~7u;
	total = pktlen + VMBUS_PKT_TRAILER_SIZE;
	if (pktlen / 8 > 0xFFFF)
		return -EMSGSIZE;
	pad = pktlen - (uint32_t)sizeof(struct vmbus_pkt_desc) - hdr_len - payload;

	/* §5.5 step 2: room, as the host's read_index says (copied, checked). */
	free = vmbus_ring_free(r);
	if (free < 0)
		return -EIO;
	if ((uint64_t)free <= total) {
		err = ring_full(r, total);
		if (err)
			return err;
	}
	if (r->pending_send) {  /* room again: the host need not signal */
		r->ctl->pending_send_sz = 0;
		r->pending_send = false;
	}

	/* Step 3. */
	w0 = ring_desc_word(type, flags, hdr_len, pktlen);
	if (old + total <= size) {
		ring_put_in_place(r->data + old, w0, trans_id, hdr, hdr_len, iov, niov, pktlen,
				  pad, (uint64_t)old << 32);
		next = old + total == size ? 0 : old + total;
	} else {
		next = ring_put_wrapped(r, old, w0, trans_id, hdr, hdr_len, iov, niov, pad);
	}
	r->priv_write = next;
	r->packets++;
	r->bytes += payload;
	return ring_publish(r, old, next, signal);
}

/*
 * The usual packet, written here: one piece, no header, room for it before
 * the end of the data area, no pending_send_sz of ours to clear. Every other
 * case goes to ring_write_any (a tail call with the same arguments), which
 * checks everything again from the start.
 */
int vmbus_ring_write(struct vmbus_ring *r, uint16_t type, uint16_t flags,
		     uint64_t trans_id, const void *hdr, uint32_t hdr_len,
		     const struct vmbus_iov *iov, int niov, bool *signal)
{
	uint32_t size = r->data_size, old = r->priv_write;
	uint32_t len, pktlen, total, rd, free, next;

	*signal = false;
	if (hdr_len || niov != 1 || r->broken || r->pending_send)
		return ring_write_any(r, type, flags, trans_id, hdr, hdr_len, iov, niov, signal);
	/* ring_write_any's size checks for one piece: descriptor, piece and
	 * trailer leave 8 bytes free; len8 fits its 16 bits. */
	len = iov->len;
	if (len > size - 2 * sizeof(struct vmbus_pkt_desc) || len > 8 * 0xFFFFu - 16)
		return ring_write_any(r, type, flags, trans_id, hdr, hdr_len, iov, niov, signal);
	pktlen = ((uint32_t)sizeof(struct vmbus_pkt_desc) + len + 7) & ~7u;
	total = pktlen + VMBUS_PKT_TRAILER_SIZE;

	/* §5.5 step 2: one copy of the host's read_index, checked, then used. */
	rd = r->ctl->read_index;
	if (ring_check_index(r, rd))
		return -EIO;
	free = rd > old ? rd - old : size - (old - rd);
	if (free <= total || old + total > size)
		return ring_write_any(r, type, flags, trans_id, hdr, hdr_len, iov, niov, signal);

	/* Step 3, in place; our own state first, so that only the indices
	 * are live across the copies. */
	next = old + total == size ? 0 : old + total;
	r->priv_write = next;
	r->packets++;
	ring_put_in_place(r->data + old, ring_desc_word(type, flags, 0, pktlen), trans_id,
			  NULL, 0, iov, 1, pktlen, pktlen - 16 - len, (uint64_t)old << 32);
	/* Apart from packets++: two scalar adds, which the compiler would
	 * otherwise merge into a costlier vector add. */
	r->bytes += len;
	return ring_publish(r, old, next, signal);
}

int64_t vmbus_ring_avail(struct vmbus_ring *r)
{
	uint32_t wr = r->ctl->write_index;

	if (r->broken || ring_check_index(r, wr))
		return -EIO;
	ring_cb();      /* acquire: packet loads after the index load */
	if (wr >= r->priv_read)
		return wr - r->priv_read;
	return r->data_size - r->priv_read + wr;
}

/*
 * The descriptor is handled as its two raw words (w0: type, offset8, len8,
 * flags; w1: trans_id; little-endian like x86-64): loaded and stored as
 * 8-byte words, never as a 16-byte block over smaller stores, which the CPU
 * cannot store-forward (a stall on every packet). Indices are 8-aligned, so
 * a word never straddles the end of the data area: a descriptor that wraps
 * has its first word last and its second word first.
 */
static uint64_t ring_load_word(const struct vmbus_ring *r, uint32_t off)
{
	/* volatile: one 8-byte load, never fused or repeated */
	return *(const volatile uint64_t *)(const void *)(r->data + off);
}

static void ring_desc_parse(struct vmbus_pkt_desc *d, uint64_t w0, uint64_t w1)
{
	d->type = (uint16_t)w0;
	d->offset8 = (uint16_t)(w0 >> 16);
	d->len8 = (uint16_t)(w0 >> 32);
	d->flags = (uint16_t)(w0 >> 48);
	d->trans_id = w1;
}

/* §7.3 items 2 and 4: is this descriptor one we may parse? */
static bool ring_desc_valid(const struct vmbus_pkt_desc *d, int64_t avail)
{
	uint32_t len = (uint32_t)d->len8 * 8, off = (uint32_t)d->offset8 * 8;

	if (len < sizeof(*d) || (int64_t)len + VMBUS_PKT_TRAILER_SIZE > avail)
		return false;
	if (off < sizeof(*d) || off > len)
		return false;
	if (d->flags & ~VMBUS_PKT_FLAG_COMPLETION_REQUESTED)
		return false;
	switch (d->type) {
	case VMBUS_PKT_DATA_INBAND:
	case VMBUS_PKT_DATA_USING_XFER_PAGES:
	case VMBUS_PKT_DATA_USING_GPA_DIRECT:
	case VMBUS_PKT_COMP:
		return true;
	default:
		return false;
	}
}

/* A packet the iterator must not parse: the ring stops (§7.3). */
static int ring_corrupt(struct vmbus_ring *r)
{
	r->broken = true;
	r->bad_packets++;
	return -EIO;
}

/*
 * The next packet at our read index, wr being the host's write index
 * (validated, != our read index). `linear` (a constant at each call):
 * wr > rd, so the bytes the host published do not wrap, and neither can a
 * packet that fits in them; the wrap arithmetic then drops out.
 */
static inline __attribute__((always_inline)) int
ring_next(struct vmbus_ring_iter *it, void *buf, uint32_t bufsz, struct vmbus_pkt *pkt,
	  uint32_t wr, bool linear)
{
	struct vmbus_ring *r = it->ring;
	/* Private values in locals, loaded once (the stores below may alias
	 * *r as far as the compiler knows). */
	uint32_t size = r->data_size, rd = r->priv_read, len, body;
	struct vmbus_pkt_desc d;
	uint64_t w0, w1;        /* the descriptor's raw words */
	int64_t avail = linear || wr >= rd ? wr - rd : size - rd + wr;

	/* 1..23 bytes cannot be a packet: corruption (§7.3 item 1). */
	if (avail < (int64_t)(sizeof(d) + VMBUS_PKT_TRAILER_SIZE))
		return ring_corrupt(r);
	/* Copy the descriptor once, then only look at the copy (§7.3 item 3). */
	body = linear ? rd + 8 : ring_add(size, rd, 8);
	w0 = ring_load_word(r, rd);
	w1 = ring_load_word(r, body);
	ring_desc_parse(&d, w0, w1);
	if (!ring_desc_valid(&d, avail))
		return ring_corrupt(r);
	len = (uint32_t)d.len8 * 8;
	it->bytes_read += len + VMBUS_PKT_TRAILER_SIZE;
	r->priv_read = linear ? rd + len + VMBUS_PKT_TRAILER_SIZE :
				ring_add(size, rd, len + VMBUS_PKT_TRAILER_SIZE);
	if (len > bufsz) {
		/* Well formed but larger than this device ever sends: skip it. */
		r->bad_packets++;
		return -EMSGSIZE;
	}
	pkt->type = d.type;
	pkt->flags = d.flags;
	pkt->trans_id = d.trans_id;
	pkt->raw = buf;
	pkt->raw_len = len;
	pkt->data = (const uint8_t *)buf + (uint32_t)d.offset8 * 8;
	pkt->data_len = len - (uint32_t)d.offset8 * 8;
	r->packets++;
	/* The copy; its descriptor must be the one we validated (double
	 * fetch), so the validated words go first and only the bytes after
	 * them come from shared memory. */
	memcpy(buf, &w0, 8);
	memcpy((uint8_t *)buf + 8, &w1, 8);
	r->bytes += pkt->data_len;      /* apart from packets++, as in the send path */
	body = linear ? body + 8 : ring_add(size, body, 8);
	len -= (uint32_t)sizeof(d);
	if (linear || body + len <= size)
		ring_memcpy((uint8_t *)buf + sizeof(d), r->data + body, len);
	else
		ring_copy_from(r, body, (uint8_t *)buf + sizeof(d), len);
	return 1;
}

/* The host's bytes wrap at the end of the data area (wr < rd). */
static __attribute__((noinline)) int ring_next_wrapped(struct vmbus_ring_iter *it, void *buf,
						       uint32_t bufsz, struct vmbus_pkt *pkt,
						       uint32_t wr)
{
	return ring_next(it, buf, bufsz, pkt, wr, false);
}

int vmbus_ring_iter_next(struct vmbus_ring_iter *it, void *buf, uint32_t bufsz,
			 struct vmbus_pkt *pkt)
{
	struct vmbus_ring *r = it->ring;
	uint32_t wr, rd = r->priv_read;

	/* §5.6 step 1: one copy of the host's write_index, checked, then used;
	 * the packet loads come after it (load -> load, §5.7). */
	if (r->broken)
		return -EIO;
	wr = r->ctl->write_index;
	if (ring_check_index(r, wr))
		return -EIO;
	ring_cb();
	if (wr == rd)
		return 0;
	if (wr > rd)
		return ring_next(it, buf, bufsz, pkt, wr, true);
	return ring_next_wrapped(it, buf, bufsz, pkt, wr);
}

bool vmbus_ring_iter_end(struct vmbus_ring_iter *it, bool *signal)
{
	struct vmbus_ring *r = it->ring;
	uint32_t pss, cur_free, prev_free;
	int64_t avail;

	*signal = false;
	/* §5.6 step 5: all packet reads done before the index store. */
	ring_cb();
	r->ctl->read_index = r->priv_read;
	/* Unmask (§5.6 interrupt mitigation), then one full barrier for both
	 * stores before both loads below. The write_index re-check: a host
	 * that wrote while the mask was set did not signal; read before our
	 * unmask is visible, the index could look unchanged while the host
	 * still sees the mask: data left unread and no interrupt. The
	 * pending_send_sz load (step 6): read before our read_index is
	 * visible, it could be 0 while the host, seeing the old read_index,
	 * sets it and waits for a signal we never send. */
	r->ctl->interrupt_mask = 0;
	ring_mb();
	avail = vmbus_ring_avail(r);

	/* §5.6 step 6: flow-control signal if the host is blocked on space.
	 * Read pending_send_sz first: it is 0 unless the host is blocked, and it
	 * shares the cache line of the indices (feature_bits does not). */
	pss = r->ctl->pending_send_sz & ~7u; /* §7.2 item 3: a hint */
	if (pss && pss <= r->data_size && it->bytes_read && avail >= 0 &&
	    (r->ctl->feature_bits & VMBUS_RING_FEATURE_PENDING_SEND_SZ)) {
		cur_free = r->data_size - (uint32_t)avail;
		prev_free = cur_free - it->bytes_read;
		if (prev_free <= pss && cur_free > pss)
			*signal = true;
	}
	it->bytes_read = 0;
	return avail != 0;      /* > 0 more data; < 0 broken: caller sees it next */
}
