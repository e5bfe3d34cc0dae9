/*
 * Fuzz target "netvsc_rx": the synthetic NIC's channel callback
 * (netvsc_on_channel, drivers/netvsc_rx.c) with the NVSP completion
 * checks (netvsc_nvsp.c netvsc_ctl_done), the RNDIS control path
 * (netvsc_rndis.c: responses, status indications) and the parsers under
 * them (netvsc_parse.c), fed host packets over a fake channel (like the
 * storvsc harness): transfer-page packets whose ranges point into a
 * receive buffer the input fills, completions of a control request and of
 * sends, in-band notifications, and a ring to the host that is full when
 * the input says so.
 *
 * Invariant (abort() on failure): every transfer-page packet read is
 * completed exactly once, possibly after the ring had room again; frames
 * handed to the stack lie inside the private message copy (ASan).
 *
 * Input: a control byte, a 16-bit little-endian receive buffer size and
 * that many bytes (what is there), then records of a 16-bit length and one
 * packet (VMBus descriptor first, as the ring holds it). Control bits:
 *   bit 0     sub-allocations of 6144 bytes instead of 1728
 *   bit 1     an RNDIS request (QUERY, req_id 1) is outstanding
 *   bit 2     an NVSP control request is outstanding (expects the type
 *             in the next input byte + 100)
 *   bits 3-7  one ring-full pattern: send_comp answers -EAGAIN when the
 *             bit (sends counted mod 5) is set
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/netvsc.h"
#include "hosted/hosted.h"
#include "net/netdev.h"
#include "vmbus/ring.h"
#include "vmbus/vmbus.h"

#define MAX_PKTS 64

static struct {
	const uint8_t *pkt[MAX_PKTS];
	uint32_t len[MAX_PKTS];
	int n, rd;
	uint32_t full_mask, sends;
	bool full_off;
	uint64_t xfer_read, xfer_comps;
} FK;

static struct netvsc_dev nd;
static struct vmbus_channel *const fk_chan = (struct vmbus_channel *)&FK;
static struct netdev *const fk_stack = (struct netdev *)&FK.sends;

/* ---- the channel ---- */

void vmbus_chan_recv_begin(struct vmbus_channel *c, struct vmbus_ring_iter *it)
{
	(void)c;
	(void)it;
}

/* Like the ring iterator: copy the packet, check offset8 and len8 against it. */
int vmbus_chan_recv_next(struct vmbus_channel *c, struct vmbus_ring_iter *it, void *buf,
			 uint32_t bufsz, struct vmbus_pkt *p)
{
	const uint8_t *raw;
	uint16_t off8, len8;
	uint32_t n;

	(void)c;
	(void)it;
	if (FK.rd >= FK.n)
		return 0;
	raw = FK.pkt[FK.rd];
	n = FK.len[FK.rd++];
	if (n < 16)
		return -EINVAL;
	memcpy(&off8, raw + 2, 2);
	memcpy(&len8, raw + 4, 2);
	if ((uint32_t)len8 * 8 != n || off8 < 2 || off8 > len8)
		return -EINVAL;
	if (n > bufsz)
		return -EMSGSIZE;
	memcpy(buf, raw, n);
	memset(p, 0, sizeof(*p));
	memcpy(&p->type, raw, 2);
	memcpy(&p->flags, raw + 6, 2);
	memcpy(&p->trans_id, raw + 8, 8);
	p->raw = buf;
	p->raw_len = n;
	p->data = (const uint8_t *)buf + off8 * 8;
	p->data_len = n - off8 * 8u;
	if (p->type == VMBUS_PKT_DATA_USING_XFER_PAGES)
		FK.xfer_read++;
	return 1;
}

bool vmbus_chan_recv_end(struct vmbus_channel *c, struct vmbus_ring_iter *it)
{
	(void)c;
	(void)it;
	return false;
}

bool vmbus_chan_rescinded(const struct vmbus_channel *c) { (void)c; return false; }

int vmbus_chan_send_comp(struct vmbus_channel *c, const void *data, uint32_t len,
			 uint64_t trans_id)
{
	uint32_t type;

	(void)c;
	(void)trans_id;
	if (!FK.full_off && (FK.full_mask >> (FK.sends++ % 5) & 1))
		return -EAGAIN;
	/* a receive completion; an in-band packet's completion echoes the
	 * host's 4-byte type, which may be any number */
	if (len == sizeof(struct nvsp_rndis_pkt_complete)) {
		memcpy(&type, data, sizeof(type));
		if (type == NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE)
			FK.xfer_comps++;
	}
	return 0;
}

/* Our requests: ids with top bits CTL or TX are ours (a send or the one
 * control request), everything else is unknown. */
int vmbus_chan_complete(struct vmbus_channel *c, uint64_t id, uint64_t *ctx)
{
	(void)c;
	if (NETVSC_CTX_KIND(id) != NETVSC_CTX_CTL && NETVSC_CTX_KIND(id) != NETVSC_CTX_TX)
		return -ENOENT;
	*ctx = id;
	return 0;
}

/* Only the probe sends and maps buffers (netvsc_nvsp.c); never here. */
int vmbus_chan_send(struct vmbus_channel *c, const void *data, uint32_t len,
		    uint64_t trans_id, uint16_t flags)
{
	(void)c, (void)data, (void)len, (void)trans_id, (void)flags;
	abort();
}
int vmbus_chan_send_request(struct vmbus_channel *c, const void *data, uint32_t len,
			    uint64_t ctx, uint64_t *trans_id)
{
	(void)c, (void)data, (void)len, (void)ctx, (void)trans_id;
	abort();
}
int vmbus_gpadl_create_owned(struct vmbus_channel *c, void *mem, size_t pages, uint32_t *handle)
{
	(void)c, (void)mem, (void)pages, (void)handle;
	abort();
}
int vmbus_gpadl_destroy(struct vmbus_channel *c, uint32_t handle)
{
	(void)c, (void)handle;
	abort();
}

/* ---- the rest of the driver and the stack ---- */

void netdev_input(struct netdev *s, const void *frame, size_t len)
{
	static uint8_t copy[NETVSC_RX_COPY_MAX];

	if (s != fk_stack || len > sizeof(copy))
		abort();
	memcpy(copy, frame, len);       /* every byte must be readable */
}
void netdev_count_rx_drop(struct netdev *s) { (void)s; }
void netvsc_chan_transition(struct netvsc_chan *ch, enum netvsc_chan_state to) { ch->state = to; }
void netvsc_fail(struct netvsc_dev *d) { d->state = NV_DEAD; }
void netvsc_link_event(struct netvsc_dev *d, bool up) { d->link_event = true, d->link_event_up = up; }
const char *netvsc_name(const struct netvsc_dev *d) { (void)d; return "netvsc-fuzz"; }
void netvsc_tx_done(struct netvsc_dev *d, uint64_t ctx, uint32_t status)
{
	(void)ctx, (void)status;
	d->n_tx_done++;
}
void netvsc_tx_kick(struct netvsc_dev *d) { (void)d; }
void netvsc_tx_chan_gone(struct netvsc_dev *d, uint32_t idx) { (void)d; (void)idx; }
void netvsc_channels_changed(struct netvsc_dev *d) { (void)d; }
/* The host's send table: parsed for real (drivers/netvsc_parse.c), as
 * drivers/netvsc_chan.c does, into the device's table. */
void netvsc_send_table(struct netvsc_dev *d, const uint8_t *msg, uint32_t len)
{
	uint8_t t[NVSP_SEND_TABLE_ENTRIES];

	if (netvsc_parse_send_table(msg, len, d->nvsp_ver, 1u + d->subs_requested, t) == 0)
		memcpy(d->send_table, t, sizeof(t));
}
void netvsc_tx_init(struct netvsc_dev *d) { (void)d; }
int netvsc_tx_rndis(struct netvsc_dev *d, const void *msg, uint32_t len, uint32_t chantype)
{
	(void)d, (void)msg, (void)len, (void)chantype;
	return 0;
}

/* ---- one input ---- */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct netvsc_chan *ch = &nd.ch[0];
	uint32_t ctl, rx;

	static bool inited;

	if (!inited) {
		if (hosted_init(4u << 20) < 0)   /* the platform completions use */
			abort();
		inited = true;
	}
	if (n < 4 || n > 65536)
		return 0;
	memset(&FK, 0, sizeof(FK));
	memset(&nd, 0, sizeof(nd));
	ctl = d[0];
	rx = rd16(d + 1);
	d += 3, n -= 3;
	if (rx > n)
		rx = (uint32_t)n;
	nd.rx_buf = malloc(rx ? rx : 1);     /* exact size: ASan sees reads past it */
	memcpy(nd.rx_buf, d, rx);
	nd.rx_size = rx;
	nd.rx_sub_alloc = ctl & 1 ? 6144 : 1728;
	nd.state = NV_RUNNING;
	nd.nd_stack = fk_stack;
	d += rx, n -= rx;
	if (ctl & 2) {
		nd.rreq.req_id = 1;
		nd.rreq.expect = RNDIS_MSG_QUERY_C;
	}
	if ((ctl & 4) && n > 0) {
		nd.ctl.waiting = true;
		nd.ctl.expect = 100u + d[0];
		d++, n--;
	}
	FK.full_mask = ctl >> 3;
	ch->c = fk_chan;
	ch->nd = &nd;
	ch->state = NCH_OPEN;
	while (n >= 2 && FK.n < MAX_PKTS) {
		size_t len = rd16(d);

		d += 2, n -= 2;
		if (len > n)
			len = n;
		FK.pkt[FK.n] = d;
		FK.len[FK.n++] = (uint32_t)len;
		d += len, n -= len;
	}
	/* The host's signal that it made room brings the callback back. */
	for (int pass = 0; pass < 2 * MAX_PKTS && FK.rd < FK.n; pass++)
		netvsc_on_channel(fk_chan, ch);
	FK.full_off = true;
	netvsc_on_channel(fk_chan, ch);
	if (ch->comp_n != 0 || FK.xfer_comps != FK.xfer_read)
		abort();        /* a transfer-page packet completed twice or never */
	free(nd.rx_buf);
	return 0;
}
