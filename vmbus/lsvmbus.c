/*
 * Introspection: a boot listing like Linux's lsvmbus (class name, instance
 * GUID, relid, state, sub-channels), per-channel counters, connection
 * statistics, and the query API keelsim uses (devices, ready flags, the
 * objects the core still holds).
 */
#include <errno.h>
#include <string.h>

#include "kernel/log.h"
#include "lib/guid.h"
#include "vmbus/vmbus_priv.h"

static void chan_info_fill(const struct vmbus_channel *c, struct vmbus_chan_info *out)
{
	out->relid = c->relid;
	out->subidx = c->offer.sub_channel_index;
	out->state = vmbus_chan_state_name(c->state);
	out->rescinded = c->rescinded;
	out->n = c->n;
	/* Ring-level counts live in the rings; fold them in. */
	out->n.ring_full = c->n.ring_full;
	out->n.pkts_out = c->n.pkts_out + c->out.packets;
	out->n.bytes_out = c->n.bytes_out + c->out.bytes;
	out->n.pkts_in = c->n.pkts_in + c->in.packets;
	out->n.bytes_in = c->n.bytes_in + c->in.bytes;
	out->n.dropped = c->n.dropped + c->in.bad_packets;
}

/* Devices that are gone (rescinded and released) are not listed: a re-offer
 * of the same instance is a new device. */
int vmbus_list_devices(struct vmbus_dev_info *out, int max)
{
	struct vmbus_conn *vc = vmbus_conn;
	int n = 0;

	if (!vc)
		return 0;
	for (struct vmbus_device *d = vc->devices; d; d = d->next) {
		struct vmbus_dev_info *i;

		if (d->state == DEV_GONE)
			continue;
		if (n++ >= max)
			continue;
		i = &out[n - 1];
		memset(i, 0, sizeof(*i));
		i->class_name = d->drv ? d->drv->name : "unknown";
		i->class_id = d->class_id;
		i->instance = d->instance;
		i->relid = d->relid;
		i->state = vmbus_dev_state_name(d->state);
		i->ready = d->ready;
		if (d->chan) {
			i->nsub = vmbus_device_subchannels(d, NULL, 0);
			chan_info_fill(d->chan, &i->chan);
		} else {
			i->chan.relid = d->relid;
			i->chan.state = "released";
		}
	}
	return n;
}

int vmbus_chan_info_get(uint32_t relid, struct vmbus_chan_info *out)
{
	struct vmbus_conn *vc = vmbus_conn;

	if (!vc || relid == 0 || relid >= VMBUS_MAX_RELIDS || !vc->relid_map[relid])
		return -ENOENT;
	chan_info_fill(vc->relid_map[relid], out);
	return 0;
}

void vmbus_get_stats(struct vmbus_stats *out)
{
	struct vmbus_conn *vc = vmbus_conn;

	memset(out, 0, sizeof(*out));
	if (!vc) {
		out->conn_state = "none";
		return;
	}
	*out = vc->st;
	for (struct vmbus_device *d = vc->devices; d; d = d->next)
		out->held_devices++;
	for (struct vmbus_channel *c = vc->channels; c; c = c->next)
		out->held_channels++;
	for (struct vmbus_gpadl *g = vc->gpadls; g; g = g->next)
		out->held_gpadls++;
}

bool vmbus_all_ready(void)
{
	struct vmbus_conn *vc = vmbus_conn;

	/* Not before the host said it has offered every boot device. */
	if (!vc || vc->state != CONN_CONNECTED || !vc->all_offers)
		return false;
	/* ALLOFFERS_DELIVERED is handled on vmbus_msg, the offers before it on
	 * vmbus_chan: until those items ran their devices are not listed yet. */
	for (struct vmbus_channel *c = vc->channels; c; c = c->next)
		if (work_busy(&c->w_offer))
			return false;
	for (struct vmbus_device *d = vc->devices; d; d = d->next)
		if (d->drv && d->state != DEV_GONE && !d->ready)
			return false;
	return true;
}

/* The sub-channel of primary c with the smallest index above `after`, or
 * NULL: the listing goes in index order, whatever order the offers came in
 * (c->subs is in arrival order, newest first). */
static const struct vmbus_channel *sub_after(const struct vmbus_channel *c, unsigned after)
{
	const struct vmbus_channel *best = NULL;

	for (const struct vmbus_channel *s = c->subs; s; s = s->sub_next)
		if (s->offer.sub_channel_index > after &&
		    (!best || s->offer.sub_channel_index < best->offer.sub_channel_index))
			best = s;
	return best;
}

static void chan_print(const struct vmbus_channel *s)
{
	pr_info("\t  relid %u sub %u %s: out %llu pkts/%llu B, in %llu pkts/%llu B, "
		"irq %llu, sig %llu, ring-full %llu, dropped %llu\n",
		s->relid, s->offer.sub_channel_index, vmbus_chan_state_name(s->state),
		(unsigned long long)s->n.pkts_out, (unsigned long long)s->n.bytes_out,
		(unsigned long long)s->n.pkts_in, (unsigned long long)s->n.bytes_in,
		(unsigned long long)s->n.interrupts, (unsigned long long)s->n.signals,
		(unsigned long long)s->n.ring_full,
		(unsigned long long)(s->n.dropped + s->in.bad_packets));
}

void vmbus_lsvmbus(void)
{
	struct vmbus_conn *vc = vmbus_conn;
	char g[GUID_STR_LEN];

	if (!vc) {
		pr_info("lsvmbus: VMBus not started\n");
		return;
	}
	pr_info("lsvmbus: version %u.%u, %s, %d device(s), %llu message(s), %llu dropped\n",
		VMBUS_VERSION_MAJOR(vc->version), VMBUS_VERSION_MINOR(vc->version),
		vmbus_conn_state_name(vc->state), vc->st.ndevices,
		(unsigned long long)vc->st.msgs, (unsigned long long)vc->st.dropped);
	for (struct vmbus_device *d = vc->devices; d; d = d->next) {
		struct vmbus_channel *c = d->chan;
		if (d->state == DEV_GONE)
			continue;
		int nsub = c ? vmbus_device_subchannels(d, NULL, 0) : 0;

		/* "Class name: driver (ready)", or "Class name: no driver" */
		pr_info("VMBUS ID %3u: Class_ID = {%s} - %s: %s%s\n", d->relid,
			guid_format(&d->class_id, g), vmbus_class_name(&d->class_id),
			d->drv ? d->drv->name : "no driver", d->ready ? " (ready)" : "");
		pr_info("\tDevice_ID = {%s}  state %s, channel %s, %d sub-channel(s)\n",
			guid_format(&d->instance, g), vmbus_dev_state_name(d->state),
			c ? vmbus_chan_state_name(c->state) : "released", nsub);
		if (!c)
			continue;
		chan_print(c);
		for (const struct vmbus_channel *s = sub_after(c, 0); s;
		     s = sub_after(c, s->offer.sub_channel_index))
			chan_print(s);
	}
}
