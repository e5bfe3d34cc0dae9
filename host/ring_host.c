/*
 * Host side of a channel's ring buffers. The host reads the guest->host
 * ring and writes the host->guest ring, only through the pages of the
 * channel's ring GPADL (gpadl_copy), never by a pointer into guest memory.
 *
 * Follows docs/protocols/vmbus.md §5.1 (layout and ownership), §5.2 (split), §5.3
 * (packets and trailer), §5.5-§5.6 (signalling: interrupt_mask and
 * pending_send_sz in both directions), §7.2-§7.3 (what the host checks, here
 * as violations by the guest) and §8.7.
 *
 * Ownership (§5.1): in the guest->host ring the guest owns write_index and
 * pending_send_sz, the host read_index and interrupt_mask; in the
 * host->guest ring the reverse. The host keeps private copies of its own
 * indices and never reads them back.
 */
#include <errno.h>
#include <string.h>

#include "host/host_priv.h"

#define RC_WRITE_INDEX   0
#define RC_READ_INDEX    4
#define RC_INTERRUPT     8
#define RC_PENDING_SEND 12
#define RC_FEATURES     64

/*
 * §5.7: a store to one control word followed by a load of the other side's
 * word needs a full barrier. Under keel-host the guest runs on another CPU at
 * the same time, and x86 lets a load pass an earlier store still in the store
 * buffer: without the fence both sides can read the other's old word and
 * neither signals (a lost wakeup that stops the channel).
 */
#define ring_host_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)

uint32_t ring_host_u32(struct host_ring *r, uint32_t off)
{
	uint32_t v = 0;

	gpadl_copy(r->h, r->g, (uint64_t)r->first_page * HV_PAGE_SIZE + off, &v, 4, false);
	return v;
}

/* The guest's read_index while host->guest data waits unread and the
 * guest's interrupt_mask is clear, i.e. the guest was (or should have been)
 * signalled for it and owes a read (§5.5, §5.6); -1 otherwise. */
int64_t ring_host_unread_unmasked(struct host_ring *r)
{
	uint32_t rd = ring_host_u32(r, RC_READ_INDEX);

	if (rd == r->priv_write || ring_host_u32(r, RC_INTERRUPT) != 0)
		return -1;
	return rd;
}

void ring_host_set_u32(struct host_ring *r, uint32_t off, uint32_t v)
{
	gpadl_copy(r->h, r->g, (uint64_t)r->first_page * HV_PAGE_SIZE + off, &v, 4, true);
}

static int ring_data(struct host_ring *r, uint32_t idx, void *buf, uint32_t len, bool write)
{
	uint64_t base = ((uint64_t)r->first_page + 1) * HV_PAGE_SIZE;
	uint32_t first = r->data_size - idx < len ? r->data_size - idx : len;

	if (gpadl_copy(r->h, r->g, base + idx, buf, first, write) < 0)
		return -EFAULT;
	if (first < len &&
	    gpadl_copy(r->h, r->g, base, (uint8_t *)buf + first, len - first, write) < 0)
		return -EFAULT;
	return 0;
}

int ring_host_init(struct host_ring *r, struct host *h, const struct host_gpadl *g,
		   uint32_t first_page, uint32_t npages)
{
	memset(r, 0, sizeof(*r));
	if (npages < 2)
		return -EINVAL;
	r->h = h;
	r->g = g;
	r->first_page = first_page;
	r->data_size = (npages - 1) * HV_PAGE_SIZE;
	return 0;
}

/* A guest-owned index: < data_size and 8-aligned (§7.2), else a violation. */
static int ring_index(struct host_ring *r, uint32_t relid, uint32_t off, const char *what,
		      uint32_t *out)
{
	uint32_t v = ring_host_u32(r, off);

	if (v >= r->data_size || (v & 7)) {
		host_violate(r->h, relid, "guest %s %u invalid (data size %u)", what, v,
			     r->data_size);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* At open: pick up the guest's initial indices and advertise pending_send_sz (§8.7). */
void ring_host_open(struct host_chan *c)
{
	uint32_t v;

	/* The guest initialised both control pages; start from its indices. */
	if (ring_index(&c->in, c->relid, RC_READ_INDEX, "initial read_index", &v) == 0)
		c->in.priv_read = v;
	if (ring_index(&c->out, c->relid, RC_WRITE_INDEX, "initial write_index", &v) == 0)
		c->out.priv_write = v;
	/* Our mask in the guest->host ring: 0 unless this host polls (§5.6). */
	ring_host_set_u32(&c->in, RC_INTERRUPT, c->dev->h->prof.host_masks_interrupts);
	ring_host_set_u32(&c->out, RC_FEATURES,
			  ring_host_u32(&c->out, RC_FEATURES) | VMBUS_RING_FEATURE_PENDING_SEND_SZ);
}

bool ring_host_pending(struct host_ring *r)
{
	return r->g && ring_host_u32(r, RC_WRITE_INDEX) != r->priv_read;
}

static uint32_t ring_avail(const struct host_ring *r, uint32_t w, uint32_t rd)
{
	return w >= rd ? w - rd : r->data_size - rd + w;
}

/* Free bytes in the host->guest ring for the guest's read index rd (§5.5 step 2). */
static uint32_t ring_free(const struct host_ring *r, uint32_t rd)
{
	return rd > r->priv_write ? rd - r->priv_write : r->data_size - (r->priv_write - rd);
}

/*
 * Read one packet from the guest->host ring into buf. Returns 1 with *len =
 * len8 * 8, 0 when empty, -errno on a violation. After consuming, honours the
 * guest's pending_send_sz (§5.6 step 6, mirrored) by signalling it.
 */
int ring_host_recv(struct host_ring *r, uint32_t relid, uint8_t *buf, uint32_t cap,
		   uint32_t *len)
{
	struct vmbus_pkt_desc d;
	uint32_t w, avail, plen, before, pss, feat;

	if (ring_index(r, relid, RC_WRITE_INDEX, "write_index", &w) < 0)
		return -EINVAL;
	avail = ring_avail(r, w, r->priv_read);
	if (avail == 0)
		return 0;
	if (avail < sizeof(d) + VMBUS_PKT_TRAILER_SIZE) {
		host_violate(r->h, relid, "guest ring holds %u bytes, less than a packet", avail);
		return -EINVAL;
	}
	if (ring_data(r, r->priv_read, &d, sizeof(d), false) < 0)
		return -EFAULT;
	plen = (uint32_t)d.len8 * 8;
	if (plen < sizeof(d) || plen + VMBUS_PKT_TRAILER_SIZE > avail || d.offset8 < 2 ||
	    d.offset8 > d.len8 || (d.flags & ~VMBUS_PKT_FLAG_COMPLETION_REQUESTED)) {
		host_violate(r->h, relid,
			     "packet length fields disagree: type %u offset8 %u len8 %u flags 0x%x, "
			     "%u bytes available", d.type, d.offset8, d.len8, d.flags, avail);
		return -EINVAL;
	}
	if (d.type != VMBUS_PKT_DATA_INBAND && d.type != VMBUS_PKT_DATA_USING_GPA_DIRECT &&
	    d.type != VMBUS_PKT_COMP) {
		host_violate(r->h, relid, "guest sent packet type %u", d.type);
		return -EINVAL;
	}
	if (plen > cap) {
		host_violate(r->h, relid, "guest packet of %u bytes exceeds the device's %u",
			     plen, cap);
		return -EINVAL;
	}
	if (ring_data(r, r->priv_read, buf, plen, false) < 0)
		return -EFAULT;
	before = r->data_size - avail;
	r->priv_read = (r->priv_read + plen + VMBUS_PKT_TRAILER_SIZE) % r->data_size;
	ring_host_set_u32(r, RC_READ_INDEX, r->priv_read);
	*len = plen;
	/* read_index store -> pending_send_sz load, and -> the next call's
	 * write_index load: the guest stores those, fences, then reads ours. */
	ring_host_mb();

	/* The guest asked to be told when this much is free (§5.5, §8.7). */
	feat = ring_host_u32(r, RC_FEATURES);
	pss = ring_host_u32(r, RC_PENDING_SEND) & ~7u;
	if (pss && pss <= r->data_size &&
	    ((feat & VMBUS_RING_FEATURE_PENDING_SEND_SZ) || r->h->prof.pss_unconditional)) {
		uint32_t after = r->data_size - ring_avail(r, w, r->priv_read);

		/* "Fits" is free > total (§5.5 step 2): signal when free
		 * goes from <= pss to > pss, as the guest checks it (Linux
		 * hv_pkt_iter_close); at free == pss its write would still
		 * fail and no later read would signal again. */
		if (before <= pss && after > pss)
			synic_signal_event(r->h, relid);
	}
	return 1;
}

/*
 * Write one packet to the host->guest ring. -EAGAIN when it does not fit: the
 * host then sets pending_send_sz and waits for the guest's signal (§8.7).
 */
int ring_host_send(struct host_ring *r, uint32_t relid, uint16_t type, uint16_t flags,
		   uint64_t trans_id, const void *payload, uint32_t len)
{
	return ring_host_send_hdr(r, relid, type, flags, trans_id, 0, payload, len);
}

int ring_host_send_hdr(struct host_ring *r, uint32_t relid, uint16_t type, uint16_t flags,
		       uint64_t trans_id, uint32_t hdr_len, const void *payload, uint32_t len)
{
	uint8_t pkt[sizeof(struct vmbus_pkt_desc) + 4096 + 16];
	struct vmbus_pkt_desc d;
	uint32_t rd, plen, total, old = r->priv_write;
	uint64_t trailer;

	if (len > 4096 || hdr_len > len || (hdr_len & 7))
		return -EMSGSIZE;
	if (ring_index(r, relid, RC_READ_INDEX, "read_index", &rd) < 0)
		return -EINVAL;
	plen = (uint32_t)((sizeof(d) + len + 7) & ~7ul);
	total = plen + VMBUS_PKT_TRAILER_SIZE;
	if (ring_free(r, rd) <= total) {
		/* §5.5 "when full": ask for a signal, then re-check: a guest
		 * that drained the ring before it could see pending_send_sz
		 * will not signal. */
		ring_host_set_u32(r, RC_PENDING_SEND, total);
		ring_host_mb();
		if (ring_index(r, relid, RC_READ_INDEX, "read_index", &rd) < 0)
			return -EINVAL;
		if (ring_free(r, rd) <= total) {
			host_trace(r->h, HT_RING_FULL, relid, total, 0);
			return -EAGAIN;
		}
	}
	d.type = type;
	d.offset8 = (uint16_t)((sizeof(d) + hdr_len) / 8);
	d.len8 = (uint16_t)(plen / 8);
	d.flags = flags;
	d.trans_id = trans_id;
	memcpy(pkt, &d, sizeof(d));
	memcpy(pkt + sizeof(d), payload, len);
	memset(pkt + sizeof(d) + len, 0, plen - sizeof(d) - len);
	if (ring_data(r, r->priv_write, pkt, plen, true) < 0)
		return -EFAULT;
	trailer = (uint64_t)old << 32;
	if (ring_data(r, (r->priv_write + plen) % r->data_size, &trailer, 8, true) < 0)
		return -EFAULT;
	r->priv_write = (r->priv_write + total) % r->data_size;
	ring_host_set_u32(r, RC_PENDING_SEND, 0);
	ring_host_set_u32(r, RC_WRITE_INDEX, r->priv_write);
	host_trace(r->h, HT_PKT_TX, relid, type, len);
	/*
	 * Signal only on empty -> non-empty with the guest's mask clear (§5.5
	 * step 5, §8.7; Linux hv_signal_on_write). Both words are read after
	 * write_index is published, never before the copy: the guest may have
	 * drained the ring and unmasked while we copied, then found no new
	 * write_index, and it waits for this signal.
	 */
	ring_host_mb();
	if (ring_host_u32(r, RC_INTERRUPT) == 0 && ring_host_u32(r, RC_READ_INDEX) == old)
		synic_signal_event(r->h, relid);
	return 0;
}
