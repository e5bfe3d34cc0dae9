/*
 * The synthetic NIC's channel callback (vmbus_event queue, never waits):
 * completions of our requests, transfer-page packets (received frames and
 * RNDIS control messages in the receive buffer) and in-band host
 * notifications. Follows Linux netvsc_poll / netvsc_process_raw_pkt,
 * netvsc_receive and send_recv_completions.
 *
 * Host data is copied, then checked, then used: the ring packet is copied
 * by the ring iterator, its header and every range are checked
 * (netvsc_parse.c) before a single byte of the receive buffer is read, and
 * each RNDIS message is copied out of the shared buffer into the channel's
 * private buffer before it is parsed, so the host cannot change it between
 * check and use.
 *
 * Every transfer-page packet is completed exactly once, after all of its
 * ranges were handled (SEND_RNDIS_PKT_COMPLETE with its trans_id). When the
 * ring has no room the completion waits in a small queue, sent before
 * anything else on the next callback; while that queue is full no packet is
 * read. A packet with a range outside the
 * receive buffer fails the channel: it and every later packet are completed
 * with status FAIL and not looked at; the NIC's link goes down. The kernel
 * carries on.
 */
#include <errno.h>
#include <string.h>

#include "drivers/netvsc.h"
#include "kernel/log.h"

/* ---- receive completions ---- */

static int comp_send(struct netvsc_chan *ch, uint64_t id, uint32_t status)
{
	struct nvsp_rndis_pkt_complete c = { NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, status };

	return vmbus_chan_send_comp(ch->c, &c, sizeof(c), id);
}

/* Send the owed completions, oldest first; false if the ring is still full. */
static bool comp_flush(struct netvsc_chan *ch)
{
	while (ch->comp_n) {
		uint32_t i = ch->comp_head;
		int err = comp_send(ch, ch->comp_id[i], ch->comp_status[i]);

		if (err == -EAGAIN)
			return false;
		ch->comp_head = (ch->comp_head + 1) % NETVSC_PENDING_COMPS;
		ch->comp_n--;
	}
	return true;
}

/* The drain loop reads a transfer-page packet only while this queue has
 * room, so a completion is never lost. */
static void comp_owe(struct netvsc_chan *ch, uint64_t id, uint32_t status)
{
	uint32_t i;

	if (comp_flush(ch) && comp_send(ch, id, status) != -EAGAIN)
		return;
	i = (ch->comp_head + ch->comp_n) % NETVSC_PENDING_COMPS;
	ch->comp_id[i] = id;
	ch->comp_status[i] = status;
	ch->comp_n++;
}

/* ---- transfer-page packets ---- */

static void chan_fail(struct netvsc_chan *ch)
{
	struct netvsc_dev *nd = ch->nd;

	if (ch->state != NCH_OPEN)
		return;
	netvsc_chan_transition(ch, NCH_FAILED);
	netvsc_channels_changed(nd);
	pr_err("netvsc: %s: bad transfer-page packet, channel %u failed\n", netvsc_name(nd),
	       ch->subidx);
	if (ch->subidx == 0) {
		/* No answer can come any more: end the probe's waits now. */
		netvsc_fail(nd);
		netvsc_ctl_abort(nd, -EIO);
		netvsc_rndis_abort(nd, -EIO);
	}
}

/* One RNDIS message at [off, off + count) of the receive buffer. */
static void rx_message(struct netvsc_chan *ch, const struct nvsp_xfer_range *r,
		       uint32_t chantype)
{
	struct netvsc_dev *nd = ch->nd;
	struct netvsc_rndis_msg m;
	struct nvsp_xfer_range v;

	memcpy(&v, r, sizeof(v));
	memcpy(ch->msg, nd->rx_buf + v.byte_offset, v.byte_count);     /* copy... */
	if (netvsc_parse_rndis(ch->msg, v.byte_count, &m)) {           /* ...check... */
		ch->n_bad_pkts++;
		nd->n_rx_drop++;
		if (nd->nd_stack)
			netdev_count_rx_drop(nd->nd_stack);
		return;
	}
	if (m.type != RNDIS_MSG_PACKET) {                               /* ...use */
		netvsc_rndis_control(nd, ch->msg, &m);
		return;
	}
	ch->n_rx++;
	if (chantype == NVSP_RNDIS_CHANNEL_DATA && nd->nd_stack && nd->state == NV_RUNNING)
		netdev_input(nd->nd_stack, ch->msg + m.data_off, m.data_len);
	else
		nd->n_rx_drop++;
}

static void rx_xfer(struct netvsc_chan *ch, const struct vmbus_pkt *p)
{
	struct netvsc_dev *nd = ch->nd;
	struct netvsc_xfer x;
	uint32_t status = NVSP_STAT_SUCCESS;

	if (ch->state != NCH_OPEN || !nd->rx_buf || !nd->rx_sub_alloc) {
		status = NVSP_STAT_FAIL;
		goto complete;
	}
	if (netvsc_parse_xfer(p->raw, p->raw_len, (uint32_t)(p->data - p->raw), NETVSC_RX_ID, &x)) {
		ch->n_bad_pkts++;
		status = NVSP_STAT_FAIL;
		chan_fail(ch);
		goto complete;
	}
	/* Every range is checked before any is used. */
	for (uint32_t i = 0; i < x.nranges; i++) {
		if (!netvsc_range_ok(&x.ranges[i], nd->rx_size, nd->rx_sub_alloc,
				     NETVSC_RX_COPY_MAX)) {
			ch->n_bad_ranges++;
			status = NVSP_STAT_FAIL;
			chan_fail(ch);
			goto complete;
		}
	}
	for (uint32_t i = 0; i < x.nranges; i++)
		rx_message(ch, &x.ranges[i], x.channel_type);
complete:
	comp_owe(ch, p->trans_id, status);
}

/* ---- completions and notifications ---- */

static void rx_comp(struct netvsc_chan *ch, const struct vmbus_pkt *p)
{
	struct netvsc_dev *nd = ch->nd;
	struct nvsp_rndis_pkt_complete rc;
	uint64_t ctx;

	if (vmbus_chan_complete(ch->c, p->trans_id, &ctx)) {
		nd->n_unknown_ids++;
		return;
	}
	if (NETVSC_CTX_KIND(ctx) == NETVSC_CTX_CTL) {
		netvsc_ctl_done(nd, ctx, p->data, p->data_len);
		return;
	}
	if (p->data_len < sizeof(rc)) {
		nd->n_bad_comps++;
		rc.status = NVSP_STAT_FAIL;
	} else {
		memcpy(&rc, p->data, sizeof(rc));
		if (rc.msg_type != NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE) {
			nd->n_bad_comps++;
			rc.status = NVSP_STAT_FAIL;
		}
	}
	netvsc_tx_done(nd, ctx, rc.status);     /* the section is free either way */
}

static void rx_inband(struct netvsc_chan *ch, const struct vmbus_pkt *p)
{
	uint32_t type;

	if (p->data_len < sizeof(type))
		return;
	memcpy(&type, p->data, sizeof(type));
	/* VF association and data-path switches are not for us (no SR-IOV
	 * advertised). A requested completion is still owed. */
	if (type == NVSP_MSG5_SEND_INDIRECTION_TABLE && ch->subidx == 0)
		netvsc_send_table(ch->nd, p->data, p->data_len);
	if ((p->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED) &&
	    vmbus_chan_send_comp(ch->c, &type, sizeof(type), p->trans_id))
		ch->n_bad_pkts++;                       /* ring full: the host may retry */
}

static void rx_gone(struct netvsc_chan *ch)
{
	struct netvsc_dev *nd = ch->nd;

	if (ch->state != NCH_DEAD)
		netvsc_chan_transition(ch, NCH_DEAD);
	if (ch->subidx != 0) {
		netvsc_tx_chan_gone(nd, ch->subidx);
		netvsc_channels_changed(nd);
	}
	if (ch->subidx == 0) {
		/* The NIC is gone: wake every waiter of the probe. */
		netvsc_fail(nd);
		netvsc_ctl_abort(nd, -ENODEV);
		netvsc_rndis_abort(nd, -ENODEV);
	}
}

void netvsc_on_channel(struct vmbus_channel *c, void *arg)
{
	struct netvsc_chan *ch = arg;
	struct vmbus_ring_iter it;
	struct vmbus_pkt p;
	int r;

	if (vmbus_chan_rescinded(c) || ch->state == NCH_DEAD || ch->state == NCH_FREE) {
		rx_gone(ch);
		return;
	}
	comp_flush(ch);
	/* Back-pressure: with NETVSC_PENDING_COMPS completions owed (our ring
	 * to the host is full) stop reading; the host's signal that it made
	 * room (pending_send_sz) brings us back here. */
	for (bool more = true; more && ch->comp_n < NETVSC_PENDING_COMPS;) {
		vmbus_chan_recv_begin(c, &it);
		while (ch->comp_n < NETVSC_PENDING_COMPS &&
		       (r = vmbus_chan_recv_next(c, &it, ch->pkt, sizeof(ch->pkt), &p)) != 0) {
			if (r < 0) {
				ch->n_bad_pkts++;
				if (r == -EMSGSIZE)
					continue;
				break;
			}
			if (p.type == VMBUS_PKT_COMP)
				rx_comp(ch, &p);
			else if (p.type == VMBUS_PKT_DATA_USING_XFER_PAGES)
				rx_xfer(ch, &p);
			else if (p.type == VMBUS_PKT_DATA_INBAND)
				rx_inband(ch, &p);
			else
				ch->n_bad_pkts++;
		}
		more = vmbus_chan_recv_end(c, &it);
	}
	netvsc_tx_kick(ch->nd);
}
