/*
 * Sending on the synthetic NIC: every RNDIS message (a frame's PACKET_MSG or
 * a control request) is copied into one send-buffer section and announced
 * with an in-band SEND_RNDIS_PKT naming the section (Linux netvsc_send,
 * netvsc_copy_to_send_buf). The section comes back with the host's
 * SEND_RNDIS_PKT_COMPLETE, matched through the request id whose context
 * carries the section and its generation, so a late duplicate cannot free a
 * reused section.
 *
 * Ring full: the ring has asked the host to signal once there is room
 * (pending_send_sz); the section waits in the backlog, in order, and
 * netvsc_tx_kick sends it from the channel callback. Nothing is dropped
 * silently: a frame that finds no free section is refused with -EAGAIN
 * (the stack keeps it until the next freed section calls netdev_tx_wake),
 * and a frame that can never be sent is counted
 * with netdev_count_tx_drop.
 *
 * vRSS (docs/protocols/network.md §14): a frame goes out on the channel the
 * send table names for its flow (Linux netvsc_select_queue picks
 * tx_table[hash & 15] the same way); control messages, and frames whose
 * channel is not open, go out on the primary. A completion comes back on the
 * channel its request went out on.
 */
#include <errno.h>
#include <string.h>

#include "drivers/netvsc.h"
#include "kernel/log.h"

void netvsc_tx_init(struct netvsc_dev *nd)
{
	nd->tx_busy = 0;
	nd->backlog_n = 0;
	nd->backlog_head = 0;
}

static int section_get(struct netvsc_dev *nd)
{
	for (uint32_t i = 0; i < nd->tx_nsections; i++) {
		if (!(nd->tx_busy & (1ull << i))) {
			nd->tx_busy |= 1ull << i;
			nd->tx_gen[i]++;
			return (int)i;
		}
	}
	return -EAGAIN;
}

/* A freed section after a refused frame wakes the stack's transmit queue
 * (Linux netif_wake_queue from netvsc_send_completion). */
static void tx_wake(struct netvsc_dev *nd)
{
	if (nd->tx_stopped && nd->nd_stack) {
		nd->tx_stopped = false;
		netdev_tx_wake(nd->nd_stack);
	}
}

static void section_put(struct netvsc_dev *nd, uint32_t s)
{
	nd->tx_busy &= ~(1ull << s);
	tx_wake(nd);
}

static int section_send(struct netvsc_dev *nd, uint32_t s)
{
	struct nvsp_rndis_pkt p = {
		.msg_type = NVSP_MSG1_SEND_RNDIS_PKT,
		.channel_type = nd->tx_chantype[s],
		.section_index = s,
		.section_size = nd->tx_len[s],
	};
	uint8_t buf[NVSP_REQ_SIZE] = { 0 };
	struct netvsc_chan *ch = &nd->ch[nd->tx_chan[s]];
	uint64_t id;

	if (ch->state != NCH_OPEN) {
		ch = &nd->ch[0];                /* the sub-channel went away */
		nd->tx_chan[s] = 0;
	}
	if (ch->state != NCH_OPEN)
		return -ENODEV;
	memcpy(buf, &p, sizeof(p));
	return vmbus_chan_send_request(ch->c, buf, sizeof(buf),
				       NETVSC_CTX(NETVSC_CTX_TX, nd->tx_gen[s], s), &id);
}

/* Send section s, or keep it in the backlog when the ring is full (or the
 * backlog is not empty: order is kept). */
static int section_submit(struct netvsc_dev *nd, uint32_t s)
{
	int err;

	if (nd->backlog_n == 0) {
		err = section_send(nd, s);
		if (err != -EAGAIN)
			return err;
		nd->n_tx_full++;
	}
	if (nd->backlog_n >= NETVSC_TX_BACKLOG)
		return -EAGAIN;                 /* cannot happen: one entry per section */
	nd->backlog[(nd->backlog_head + nd->backlog_n) % NETVSC_TX_BACKLOG] = (uint8_t)s;
	nd->backlog_n++;
	return 0;
}

int netvsc_tx_rndis(struct netvsc_dev *nd, const void *msg, uint32_t len, uint32_t chantype)
{
	int s, err;

	if (!nd->tx_buf || len > nd->tx_section_size)
		return -EMSGSIZE;
	s = section_get(nd);
	if (s < 0)
		return s;
	memcpy(nd->tx_buf + (size_t)s * nd->tx_section_size, msg, len);
	nd->tx_len[s] = len;
	nd->tx_chantype[s] = (uint8_t)chantype;
	nd->tx_chan[s] = 0;                     /* control goes on the primary */
	err = section_submit(nd, (uint32_t)s);
	if (err)
		section_put(nd, (uint32_t)s);
	return err;
}

static uint32_t rd_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The flow of an IPv4 frame: addresses, and the ports of TCP and UDP; other
 * frames (ARP, IPv6) count as flow 0. */
uint32_t netvsc_tx_pick(const uint8_t *table, const uint8_t *frame, size_t len)
{
	uint32_t h, ihl;

	if (len < 34 || frame[12] != 0x08 || frame[13] != 0x00)
		return table[0];
	h = rd_be32(frame + 26) ^ rd_be32(frame + 30);
	ihl = (frame[14] & 0xFu) * 4;
	if ((frame[23] == 6 || frame[23] == 17) && ihl >= 20 && len >= 14 + ihl + 4)
		h ^= rd_be32(frame + 14 + ihl);
	h *= 0x9E3779B1u;                       /* spread every input bit over the top ones */
	return table[h >> 28];
}

/* netdev_ops.xmit: the stack's queue; never waits. */
int netvsc_xmit(void *drv, const void *frame, size_t len)
{
	struct netvsc_dev *nd = drv;
	struct {
		struct rndis_hdr h;
		struct rndis_packet p;
	} RNDIS_PACKED hdr;
	uint8_t *sec;
	int s, err;

	if (nd->state != NV_RUNNING || nd->dying)
		return -ENODEV;
	if (len == 0 || len > nd->tx_section_size - sizeof(hdr)) {
		if (nd->nd_stack)
			netdev_count_tx_drop(nd->nd_stack);
		return -EMSGSIZE;
	}
	s = section_get(nd);
	if (s < 0) {
		nd->tx_stopped = true;          /* -EAGAIN: the stack keeps the frame */
		return s;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.h.msg_type = RNDIS_MSG_PACKET;
	hdr.h.msg_len = (uint32_t)(sizeof(hdr) + len);
	hdr.p.data_offset = sizeof(hdr.p);
	hdr.p.data_len = (uint32_t)len;
	sec = nd->tx_buf + (size_t)s * nd->tx_section_size;
	memcpy(sec, &hdr, sizeof(hdr));
	memcpy(sec + sizeof(hdr), frame, len);
	nd->tx_len[s] = hdr.h.msg_len;
	nd->tx_chantype[s] = NVSP_RNDIS_CHANNEL_DATA;
	nd->tx_chan[s] = (uint8_t)netvsc_tx_pick(nd->send_table, frame, len);
	err = section_submit(nd, (uint32_t)s);
	if (err) {
		section_put(nd, (uint32_t)s);
		return err;
	}
	nd->n_tx++;
	return 0;
}

/* SEND_RNDIS_PKT_COMPLETE for section ctx (vmbus_event). */
void netvsc_tx_done(struct netvsc_dev *nd, uint64_t ctx, uint32_t status)
{
	uint32_t s = NETVSC_CTX_SLOT(ctx);

	if (s >= nd->tx_nsections || !(nd->tx_busy & (1ull << s)) ||
	    NETVSC_CTX_GEN(ctx) != (nd->tx_gen[s] & 0x3FFFFFFFu)) {
		nd->n_unknown_ids++;
		return;
	}
	section_put(nd, s);
	nd->n_tx_done++;
	if (status == NVSP_STAT_SUCCESS)
		return;
	nd->n_tx_fail++;                        /* Linux logs it and frees the section too */
	if (nd->nd_stack && nd->tx_chantype[s] == NVSP_RNDIS_CHANNEL_DATA)
		netdev_count_tx_drop(nd->nd_stack);     /* the host refused the frame */
}

void netvsc_tx_kick(struct netvsc_dev *nd)
{
	while (nd->backlog_n) {
		uint32_t s = nd->backlog[nd->backlog_head];
		int err = section_send(nd, s);

		if (err == -EAGAIN)
			return;                 /* still full: the host signals again */
		nd->backlog_head = (nd->backlog_head + 1) % NETVSC_TX_BACKLOG;
		nd->backlog_n--;
		if (err) {
			section_put(nd, s);
			if (nd->nd_stack && nd->tx_chantype[s] == NVSP_RNDIS_CHANNEL_DATA)
				netdev_count_tx_drop(nd->nd_stack);
		}
	}
}

void netvsc_tx_chan_gone(struct netvsc_dev *nd, uint32_t idx)
{
	for (uint32_t s = 0; s < nd->tx_nsections; s++) {
		bool queued = false;

		for (uint32_t k = 0; k < nd->backlog_n; k++)
			queued |= nd->backlog[(nd->backlog_head + k) % NETVSC_TX_BACKLOG] == s;
		if ((nd->tx_busy & (1ull << s)) && nd->tx_chan[s] == idx && !queued) {
			section_put(nd, s);
			nd->n_tx_fail++;
			if (nd->nd_stack && nd->tx_chantype[s] == NVSP_RNDIS_CHANNEL_DATA)
				netdev_count_tx_drop(nd->nd_stack);
		}
	}
}

/* The channel is gone or closing: nothing in flight will complete. */
void netvsc_tx_abort(struct netvsc_dev *nd)
{
	while (nd->backlog_n) {
		uint32_t s = nd->backlog[nd->backlog_head];

		if (nd->nd_stack && nd->tx_chantype[s] == NVSP_RNDIS_CHANNEL_DATA)
			netdev_count_tx_drop(nd->nd_stack);
		nd->backlog_head = (nd->backlog_head + 1) % NETVSC_TX_BACKLOG;
		nd->backlog_n--;
	}
	nd->tx_busy = 0;
	tx_wake(nd);                            /* the stack's queue must not wait forever */
}
