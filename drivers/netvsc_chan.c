/*
 * Channels of the synthetic NIC: opening and closing them, and vRSS
 * sub-channels (Linux rndis_set_subchannel, netvsc_sc_open).
 *
 * Sub-channels are asked for once the primary is up (NVSP 5 or later), one
 * per receive queue beyond the first the host reports, with SUBCHANNEL
 * {ALLOCATE, n}; the RSS parameters then spread receive over the granted
 * channels (netvsc_rss.c). The accepted index range is set before the
 * request goes out, and only the offer callback (netvsc_subchan_offer, on
 * the device's sub-channel queue) opens them, so both host orders work: NetVSP completes the
 * request before it offers, other hosts offer first. Nothing waits for the
 * offers. Sub-channels share the primary's buffers; each delivers its own
 * frames and receives its own completions.
 */
#include <errno.h>
#include <string.h>

#include "drivers/netvsc.h"
#include "kernel/log.h"

/* The moves of the diagram in netvsc.h: for each target, the states it may
 * be reached from. */
static const uint8_t netvsc_chan_from[] = {
	[NCH_FREE] = 0,
	[NCH_OPENING] = 1u << NCH_FREE,
	[NCH_OPEN] = 1u << NCH_OPENING,
	[NCH_FAILED] = 1u << NCH_OPEN,
	[NCH_DEAD] = 1u << NCH_OPENING | 1u << NCH_OPEN | 1u << NCH_FAILED | 1u << NCH_DEAD,
};

void netvsc_chan_transition(struct netvsc_chan *ch, enum netvsc_chan_state to)
{
	if (!(netvsc_chan_from[to] & (1u << ch->state))) {
		pr_err("netvsc: bug: channel %u state %d -> %d\n", ch->subidx, ch->state, to);
		return;
	}
	ch->state = to;
}

int netvsc_chan_open(struct netvsc_dev *nd, struct netvsc_chan *ch, struct vmbus_channel *c)
{
	struct vmbus_chan_open_args a = {
		.out_pages = NETVSC_RING_PAGES, .in_pages = NETVSC_RING_PAGES,
		.max_requests = NETVSC_TX_SECTIONS_MAX + 8,
		.cb = netvsc_on_channel, .cb_arg = ch,
	};
	int err;

#ifdef KEEL_TEST_HOOKS
	a.out_pages = a.in_pages = netvsc_ring_pages;
#endif
	if (ch->state != NCH_FREE)
		return -EBUSY;                  /* never open a channel twice */
	ch->c = c;
	ch->nd = nd;
	ch->subidx = vmbus_chan_subidx(c);
	netvsc_chan_transition(ch, NCH_OPENING);
	err = vmbus_chan_open(c, &a);
	if (err || vmbus_chan_rescinded(c))
		netvsc_chan_transition(ch, NCH_DEAD);
	else if (ch->state == NCH_OPENING)
		netvsc_chan_transition(ch, NCH_OPEN);
	return err ? err : (ch->state == NCH_OPEN ? 0 : -ENODEV);
}

int netvsc_open_channels(const struct netvsc_dev *nd)
{
	int n = 0;

	for (int i = 0; i < NETVSC_MAX_CHANNELS; i++)
		n += nd->ch[i].state == NCH_OPEN;
	return n;
}

/* Sub-channels first, then the primary (Linux netvsc_device_remove). */
void netvsc_chan_close_all(struct netvsc_dev *nd)
{
	for (int k = NETVSC_MAX_CHANNELS - 1; k >= 0; k--) {
		struct netvsc_chan *ch = &nd->ch[k];

		if (ch->state == NCH_FREE || !ch->c)
			continue;
		if (ch->state != NCH_DEAD)
			netvsc_chan_transition(ch, NCH_DEAD);
		vmbus_chan_close(ch->c);
	}
}

void netvsc_request_subchannels(struct netvsc_dev *nd)
{
	struct nvsp_subchannel req = { NVSP_MSG5_SUBCHANNEL, NVSP_SUBCHANNEL_ALLOCATE, 0 };
	struct nvsp_subchannel rep;
	int n = netvsc_subchannels_wanted, err;
	uint32_t queues;

	if (nd->nvsp_ver < NVSP_VERSION_5 || n <= 0)
		return;
	/* One sub-channel per receive queue beyond the first (Linux). */
	queues = netvsc_rss_queues(nd);
	if (queues < 2)
		return;
	if ((uint32_t)n > queues - 1)
		n = (int)(queues - 1);
	if (n > NETVSC_MAX_SUBCHANNELS)
		n = NETVSC_MAX_SUBCHANNELS;
	nd->subs_requested = (uint16_t)n;      /* the offer callback accepts 1..n from now */
	vmbus_device_request_subchannels(nd->dev);  /* offers reach us from now */
	req.num_subchannels = (uint32_t)n;
	err = netvsc_ctl_call(nd, &req, sizeof(req), NVSP_MSG5_SUBCHANNEL);
	memcpy(&rep, nd->ctl.reply, sizeof(rep));
	/* Refused, or more than asked for: stay on the primary (offers that
	 * came anyway are opened; nothing waits for them). */
	if (err || rep.op_or_status != NVSP_STAT_SUCCESS || rep.num_subchannels > (uint32_t)n) {
		pr_err("netvsc: %s: SUBCHANNEL refused (%d)\n", netvsc_name(nd), err);
		return;
	}
	err = netvsc_rss_set(nd, 1 + rep.num_subchannels);
	if (err)
		pr_err("netvsc: %s: RSS parameters refused (%d)\n", netvsc_name(nd), err);
}

/* The interface listing shows the open channels (net/iflist.c). */
void netvsc_channels_changed(struct netvsc_dev *nd)
{
	if (nd->nd_stack)
		netdev_set_channels(nd->nd_stack, (uint32_t)netvsc_open_channels(nd));
}

/* Until the host sends its own: entry i names the (i mod n)th open channel
 * (Linux's default tx_table). */
static void send_table_default(struct netvsc_dev *nd)
{
	uint8_t open[NETVSC_MAX_CHANNELS];
	uint32_t n = 0;

	if (nd->send_table_host)
		return;
	for (uint32_t k = 0; k < NETVSC_MAX_CHANNELS; k++)
		if (nd->ch[k].state == NCH_OPEN)
			open[n++] = (uint8_t)k;
	for (uint32_t i = 0; n && i < NVSP_SEND_TABLE_ENTRIES; i++)
		nd->send_table[i] = open[i % n];
}

void netvsc_send_table(struct netvsc_dev *nd, const uint8_t *msg, uint32_t len)
{
	uint8_t t[NVSP_SEND_TABLE_ENTRIES];

	if (netvsc_parse_send_table(msg, len, nd->nvsp_ver, 1u + nd->subs_requested, t)) {
		nd->ch[0].n_bad_pkts++;         /* keep the table we have */
		return;
	}
	memcpy(nd->send_table, t, sizeof(t));
	nd->send_table_host = true;
}

/* vmbus_subchan queue: the only place a sub-channel is opened. */
void netvsc_subchan_offer(struct vmbus_device *dev, struct vmbus_channel *sc)
{
	struct netvsc_dev *nd = vmbus_device_priv(dev);
	uint16_t idx = vmbus_chan_subidx(sc);

	if (!nd || nd->dying || nd->state == NV_DEAD)
		return;
	/* Only indices we asked for, each once. */
	if (idx == 0 || idx > nd->subs_requested || idx > NETVSC_MAX_SUBCHANNELS ||
	    nd->ch[idx].state != NCH_FREE) {
		pr_err("netvsc: %s: sub-channel %u ignored\n", netvsc_name(nd), idx);
		return;
	}
	if (!netvsc_chan_open(nd, &nd->ch[idx], sc))    /* vmbus reports a failure */
		send_table_default(nd);
	netvsc_channels_changed(nd);
}
