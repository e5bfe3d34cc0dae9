/*
 * The VMBus host, channel level: the host channel state machine
 * (OPENCHANNEL / result, CLOSECHANNEL, rescind, RELID_RELEASED, MODIFYCHANNEL,
 * reset on UNLOAD), relid allocation, servicing signalled channels (reading
 * the guest->host ring into the device host), and the services device hosts
 * use (host_dev_send, sub-channel offers).
 *
 * Follows docs/protocols/vmbus.md §3.6-§3.7 (layouts), §4.4-§4.8 (open, close,
 * rescind, sub-channels), §4.10 (modify) and §8.6-§8.8.
 *
 * States (drawn in host_priv.h beside enum host_chan_state):
 *   UNOFFERED -> OFFERED -> OPENING -> OPEN -> (close) OFFERED
 *   OFFERED/OPENING -rescind-> REVOKED; OPEN -rescind-> REVOKED_OPEN
 *   REVOKED_OPEN -CLOSECHANNEL-> REVOKED -RELID_RELEASED-> UNOFFERED (relid free)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_priv.h"

static const char *const state_names[HCS_COUNT] = {
	"UNOFFERED", "OFFERED", "OPENING", "OPEN", "REVOKED", "REVOKED_OPEN",
};

const char *host_chan_state_name(int s)
{
	return s >= 0 && s < HCS_COUNT ? state_names[s] : "?";
}

struct host_chan *vmbus_host_chan(struct host *h, uint32_t relid)
{
	return relid && relid < HOST_MAX_RELID ? h->relid_map[relid] : NULL;
}

/* The one transition function: checks the edge, traces it. */
void vmbus_host_chan_set(struct host *h, struct host_chan *c, int to)
{
	static const uint8_t allowed[HCS_COUNT] = {
		/* from -> bitmask of allowed targets */
		[HCS_UNOFFERED] = 1 << HCS_OFFERED,
		[HCS_OFFERED] = 1 << HCS_OPENING | 1 << HCS_REVOKED | 1 << HCS_UNOFFERED,
		[HCS_OPENING] = 1 << HCS_OPEN | 1 << HCS_OFFERED | 1 << HCS_REVOKED |
				1 << HCS_UNOFFERED,
		[HCS_OPEN] = 1 << HCS_OFFERED | 1 << HCS_REVOKED_OPEN | 1 << HCS_UNOFFERED,
		[HCS_REVOKED] = 1 << HCS_UNOFFERED,
		[HCS_REVOKED_OPEN] = 1 << HCS_REVOKED | 1 << HCS_UNOFFERED,
	};

	if (c->state < 0 || c->state >= HCS_COUNT || !(allowed[c->state] & (1 << to))) {
		host_violate(h, c->relid, "host bug: channel %u transition %s -> %s", c->relid,
			     host_chan_state_name(c->state), host_chan_state_name(to));
		return;
	}
	c->state = to;
	host_trace(h, HT_CHAN_STATE, c->relid, (uint32_t)to, 0);
}

uint32_t chan_alloc_relid(struct host *h)
{
	for (uint32_t r = 1; r < HOST_MAX_RELID; r++)
		if (!h->relid_map[r])
			return r;
	return 0;
}

static struct host_chan *chan_lookup(struct host *h, uint32_t relid, const char *what)
{
	struct host_chan *c = vmbus_host_chan(h, relid);

	if (!c || c->state == HCS_UNOFFERED) {
		host_violate(h, relid, "%s for relid %u, which is not offered", what, relid);
		return NULL;
	}
	return c;
}

/* Drop the open side of a channel: rings unused, device told. */
static void chan_drop_open(struct host *h, struct host_chan *c)
{
	struct host_gpadl *g = gpadl_find(h, c->ring_gpadl);

	if (g)
		g->ring_in_use = false;
	c->in.g = c->out.g = NULL;
	c->kicked = c->blocked = false;
	if (c->dev->ops->on_close)
		c->dev->ops->on_close(c->dev, c);
}

/* ---- OPENCHANNEL (§3.7, §4.4, §8.6) ---- */

static void open_result(struct host *h, struct host_chan *c, uint32_t status)
{
	struct vmbus_msg_open_result r = {
		.hdr.msgtype = VMBUS_MSG_OPENCHANNEL_RESULT,
		.child_relid = c->relid,
		.openid = c->openid,
		.status = status,
	};

	if (status == 0) {
		vmbus_host_chan_set(h, c, HCS_OPEN);
		c->opens++;
	} else {
		chan_drop_open(h, c);
		vmbus_host_chan_set(h, c, HCS_OFFERED);
	}
	vmbus_host_send(h, &r, sizeof(r));
}

/* A delayed OPENCHANNEL_RESULT falls due (unless the open was abandoned). */
void chan_open_due(struct host *h, uint32_t relid, uint32_t status)
{
	struct host_chan *c = vmbus_host_chan(h, relid);

	if (c && c->state == HCS_OPENING)
		open_result(h, c, status);
}

void chan_open(struct host *h, const uint8_t *msg, uint32_t size)
{
	struct vmbus_msg_open_channel m;
	struct host_chan *c;
	struct host_gpadl *g;
	uint32_t split, status;
	uint64_t delay;

	(void)size;
	memcpy(&m, msg, sizeof(m));
	c = chan_lookup(h, m.child_relid, "OPENCHANNEL");
	if (!c)
		return;
	if (c->state == HCS_REVOKED || c->state == HCS_REVOKED_OPEN)
		return;                        /* ignored for revoked channels (§8.6) */
	if (c->state != HCS_OFFERED) {
		host_violate(h, c->relid, "OPENCHANNEL for relid %u, which is already %s "
			     "(opening a channel twice)", c->relid, host_chan_state_name(c->state));
		return;
	}
	g = gpadl_find(h, m.ring_gpadl);
	if (!g || g->state != HG_CREATED || g->relid != c->relid) {
		host_violate(h, c->relid, "OPENCHANNEL with ring GPADL 0x%x that is %s",
			     m.ring_gpadl, !g ? "unknown" : g->state != HG_CREATED ?
			     "not created" : "another channel's");
		return;
	}
	split = m.downstream_ring_pageoffset;
	/* §8.6: single range, offset 0, page multiple, 0 < split < pages, a data page each */
	if (g->byte_offset != 0 || g->byte_count % HV_PAGE_SIZE ||
	    g->byte_count / HV_PAGE_SIZE != g->npfns || split < 2 || split + 2 > g->npfns) {
		host_violate(h, c->relid, "OPENCHANNEL ring GPADL 0x%x: offset %u, %u bytes, "
			     "split at page %u of %u", g->handle, g->byte_offset, g->byte_count,
			     split, g->npfns);
		return;
	}
	if (m.target_vp != 0 && m.target_vp != VMBUS_VP_INDEX_DISABLE_INTERRUPT) {
		host_violate(h, c->relid, "OPENCHANNEL target_vp %u: the VM has one VP",
			     m.target_vp);
		return;
	}
	c->openid = m.openid;
	c->target_vp = m.target_vp;
	c->ring_gpadl = g->handle;
	g->ring_in_use = true;
	ring_host_init(&c->in, h, g, 0, split);
	ring_host_init(&c->out, h, g, split, g->npfns - split);
	vmbus_host_chan_set(h, c, HCS_OPENING);
	ring_host_open(c);
	status = c->dev->ops->on_open ? c->dev->ops->on_open(c->dev, c) : 0;
	if (c->dev->open_status)
		status = c->dev->open_status;
	if (h->ans_status_set)
		status = h->ans_status;
	if (h->ans_never)
		return;                        /* stays OPENING: "never answer" */
	delay = c->dev->open_delay_ns;
	if (h->ans_delay > delay)
		delay = h->ans_delay;
	if (delay) {
		host_timed_add(h, host_now(h) + delay, HTE_OPEN_RESULT, c->relid, &status,
			       sizeof(status));
		return;
	}
	open_result(h, c, status);
}

/* ---- CLOSECHANNEL (§4.5) ---- */

void chan_close(struct host *h, const uint8_t *msg, uint32_t size)
{
	struct vmbus_msg_relid m;
	struct host_chan *c;

	(void)size;
	memcpy(&m, msg, sizeof(m));
	c = chan_lookup(h, m.child_relid, "CLOSECHANNEL");
	if (!c)
		return;
	switch (c->state) {
	case HCS_OPEN:
	case HCS_OPENING:     /* the guest gave up waiting: the open is abandoned */
		chan_drop_open(h, c);
		vmbus_host_chan_set(h, c, HCS_OFFERED);
		break;
	case HCS_REVOKED_OPEN:
		chan_drop_open(h, c);
		vmbus_host_chan_set(h, c, HCS_REVOKED);
		break;
	case HCS_REVOKED:
		break;                         /* accepted silently (§4.5) */
	default:
		host_violate(h, c->relid, "CLOSECHANNEL for relid %u, which is not open",
			     c->relid);
		break;
	}
}

/* ---- rescind and release (§4.7, §8.8) ---- */

void chan_rescind(struct host *h, struct host_chan *c)
{
	struct vmbus_msg_relid r = { .hdr.msgtype = VMBUS_MSG_RESCIND_CHANNELOFFER,
				     .child_relid = c->relid };
	uint64_t delay = h->ans_delay;
	int dup = h->ans_dup;
	bool never = h->ans_never;

	/* The primary takes its sub-channels with it, sub-channels first (§4.8). */
	if (c->subidx == 0)
		for (int s = c->dev->nsub; s >= 1; s--)
			if (c->dev->chan[s])
				chan_rescind(h, c->dev->chan[s]);
	switch (c->state) {
	case HCS_OFFERED:
		vmbus_host_chan_set(h, c, HCS_REVOKED);
		break;
	case HCS_OPENING:
		chan_drop_open(h, c);
		vmbus_host_chan_set(h, c, HCS_REVOKED);
		break;
	case HCS_OPEN:
		vmbus_host_chan_set(h, c, HCS_REVOKED_OPEN);
		break;
	default:
		return;
	}
	c->rescinds++;
	host_trace(h, HT_RESCIND, c->relid, (uint32_t)c->dev->index, c->subidx);
	if (c->dev->ops->on_rescind)
		c->dev->ops->on_rescind(c->dev, c);
	/* The rescind itself is never shaped by the trigger that caused it. */
	host_answer_reset(h);
	vmbus_host_send(h, &r, sizeof(r));
	gpadl_fail_building(h, c->relid);
	h->ans_delay = delay;
	h->ans_dup = dup;
	h->ans_never = never;
}

void chan_relid_released(struct host *h, const uint8_t *msg, uint32_t size)
{
	struct vmbus_msg_relid m;
	struct host_chan *c;
	uint32_t n;

	(void)size;
	memcpy(&m, msg, sizeof(m));
	c = chan_lookup(h, m.child_relid, "RELID_RELEASED");
	if (!c)
		return;
	if (c->state == HCS_REVOKED_OPEN) {
		host_violate(h, c->relid, "RELID_RELEASED for relid %u while it is still open "
			     "(CLOSECHANNEL first)", c->relid);
		return;
	}
	if (c->state != HCS_REVOKED) {
		host_violate(h, c->relid, "RELID_RELEASED for relid %u, which was not rescinded",
			     c->relid);
		return;
	}
	n = gpadl_count_for(h, c->relid);
	if (n) {
		host_violate(h, c->relid, "RELID_RELEASED for relid %u while %u GPADL(s) of it "
			     "are not torn down (a GPADL would outlive its channel)", c->relid, n);
		return;
	}
	c->releases++;
	gpadl_drop_for(h, c->relid);           /* tombstones of failed creations */
	h->relid_map[c->relid] = NULL;
	vmbus_host_chan_set(h, c, HCS_UNOFFERED);
	c->relid = 0;
	c->monitor_allocated = false;
	/* An offer action that came while the relid was still reserved (§4.7 step 4). */
	if (c->dev->reoffer && h->conn == HCONN_CONNECTED && h->offers_requested)
		vmbus_host_offer_dev(h, c->dev);
}

/* ---- MODIFYCHANNEL (§4.10) ---- */

void chan_modify(struct host *h, const uint8_t *msg, uint32_t size)
{
	struct vmbus_msg_modify_channel m;
	struct vmbus_msg_modify_channel_response r = {
		.hdr.msgtype = VMBUS_MSG_MODIFYCHANNEL_RESPONSE,
	};
	struct host_chan *c;

	(void)size;
	memcpy(&m, msg, sizeof(m));
	c = chan_lookup(h, m.child_relid, "MODIFYCHANNEL");
	if (!c || c->state == HCS_REVOKED || c->state == HCS_REVOKED_OPEN)
		return;
	if (c->state != HCS_OPEN) {
		host_violate(h, c->relid, "MODIFYCHANNEL for relid %u, which is not open",
			     c->relid);
		return;
	}
	if (m.target_vp != 0) {
		host_violate(h, c->relid, "MODIFYCHANNEL target_vp %u: the VM has one VP",
			     m.target_vp);
		return;
	}
	c->target_vp = m.target_vp;
	if (h->version >= VMBUS_VERSION_WIN10_V5_3) {
		r.child_relid = c->relid;
		r.status = h->ans_status_set ? h->ans_status : 0;
		vmbus_host_send(h, &r, sizeof(r));
	}
}

/* ---- UNLOAD / reconnect: every channel back to UNOFFERED ---- */

void chan_reset_all(struct host *h)
{
	for (int i = 0; i < h->ndevs; i++) {
		struct host_dev *d = h->devs[i];

		for (int s = 0; s <= d->nsub; s++) {
			struct host_chan *c = d->chan[s];

			if (!c)
				continue;
			if (c->state == HCS_OPEN || c->state == HCS_OPENING ||
			    c->state == HCS_REVOKED_OPEN)
				chan_drop_open(h, c);
			if (c->relid)
				h->relid_map[c->relid] = NULL;
			if (c->state != HCS_UNOFFERED)
				vmbus_host_chan_set(h, c, HCS_UNOFFERED);
			c->relid = 0;
			c->monitor_allocated = false;
		}
		/* Sub-channels exist only until the next connection asks again. */
		d->nsub = 0;
	}
}

/* ---- servicing a signalled channel ---- */

#define SERVICE_BATCH 32

void chan_service(struct host *h, uint32_t relid)
{
	static uint8_t pkt[64 * 1024];
	struct host_chan *c = vmbus_host_chan(h, relid);
	int n = 0;

	if (!c)
		return;
	c->kicked = false;
	if (c->state != HCS_OPEN)
		return;
	if (c->blocked) {
		c->blocked = false;
		if (c->dev->ops->tick)
			c->dev->ops->tick(c->dev, c);
	}
	if (host_now(h) < c->hold_until)
		return;                         /* serviced again when the hold ends */
	while (n < SERVICE_BATCH && c->state == HCS_OPEN && !h->violated) {
		uint32_t len = 0;
		struct vmbus_pkt_desc d;
		int r = ring_host_recv(&c->in, c->relid, pkt, sizeof(pkt), &len);

		if (r <= 0)
			return;
		memcpy(&d, pkt, sizeof(d));
		host_trace(h, HT_PKT_RX, c->relid, d.type, len);
		c->packets++;
		if (c->dev->ops->on_packet)
			c->dev->ops->on_packet(c->dev, c, &d, pkt, len);
		n++;
	}
	if (n == SERVICE_BATCH && c->state == HCS_OPEN)
		c->kicked = true;              /* more later: let others interleave */
}

/* ---- services for device hosts (device.h) ---- */

int host_dev_send(struct host_chan *c, uint16_t type, uint16_t flags, uint64_t trans_id,
		  const void *payload, uint32_t len)
{
	int r;

	if (c->state != HCS_OPEN)
		return -EPIPE;
	r = ring_host_send(&c->out, c->relid, type, flags, trans_id, payload, len);
	if (r == -EAGAIN)
		c->blocked = true;
	return r;
}

int host_dev_send_hdr(struct host_chan *c, uint16_t type, uint16_t flags, uint64_t trans_id,
		      uint32_t hdr_len, const void *payload, uint32_t len)
{
	int r;

	if (c->state != HCS_OPEN)
		return -EPIPE;
	r = ring_host_send_hdr(&c->out, c->relid, type, flags, trans_id, hdr_len, payload, len);
	if (r == -EAGAIN)
		c->blocked = true;
	return r;
}

int host_dev_offer_subchannels(struct host_dev *d, int n)
{
	struct host *h = d->h;
	int done = 0;

	while (done < n && d->nsub < 64) {
		int idx = d->nsub + 1;
		struct host_chan *c = d->chan[idx];

		if (!c) {
			c = calloc(1, sizeof(*c));
			if (!c)
				break;
			c->dev = d;
			c->subidx = (uint16_t)idx;
			d->chan[idx] = c;
		}
		if (c->state != HCS_UNOFFERED)
			break;                 /* still revoked from an earlier round */
		c->relid = chan_alloc_relid(h);
		if (!c->relid)
			break;
		h->relid_map[c->relid] = c;
		d->nsub = idx;
		vmbus_host_send_offer(h, c);
		done++;
	}
	return done;
}

void host_dev_hold_reads(struct host_chan *c, uint64_t ns)
{
	c->hold_until = host_now(c->dev->h) + ns;
	host_dev_tick_after(c, ns);             /* the HTE_DEVICE event ends the hold */
}

void host_dev_tick_after(struct host_chan *c, uint64_t delay_ns)
{
	struct host *h = c->dev->h;

	host_timed_add(h, host_now(h) + delay_ns, HTE_DEVICE,
		       (uint32_t)c->dev->index << 8 | c->subidx, NULL, 0);
}

uint16_t host_chan_subidx(const struct host_chan *c) { return c->subidx; }
uint32_t host_chan_relid(const struct host_chan *c) { return c->relid; }
void **host_chan_priv(struct host_chan *c) { return &c->devpriv; }

void host_dev_violation(struct host_dev *d, struct host_chan *c, const char *what)
{
	host_violate(d->h, c ? c->relid : 0, "%s device %s: %s", d->ops->type, d->name, what);
}

void host_dev_trace(struct host_dev *d, struct host_chan *c, uint32_t ev, uint64_t val)
{
	host_trace(d->h, HT_DEVICE, c ? c->relid : 0, ev, val);
}

int host_dev_trigger(struct host_dev *d, struct host_chan *c, uint32_t step, uint64_t *arg)
{
	return host_trigger_match(d->h, step, c, arg);
}

bool host_dev_subchan_offers_first(const struct host_dev *d)
{
	return d->h->prof.subchan_offers_before_completion;
}
