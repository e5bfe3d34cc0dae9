/*
 * Channels: the per-relid state machine (offer, open, close, rescind,
 * release) and the packet API drivers use on an open channel.
 *
 * Follows docs/protocols/vmbus.md §3.5 (offers), §4.4 (open), §4.5 (close), §4.7
 * (rescind), §4.8 (sub-channels), §5 (rings, via vmbus/ring.c) and §7.4
 * (transaction ids, via vmbus/requestor.c). The state diagram is in
 * vmbus/vmbus_priv.h beside enum vmbus_chan_state.
 *
 * Who runs what: the message loop records (vmbus_chan_on_*); offer work runs
 * on vmbus_chan; rescind work on vmbus_chan, or on the device's sub-channel
 * queue for a bound sub-channel (vmbus_chan_queue); open and close run on
 * the caller's queue and may wait; event callbacks run on vmbus_event.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/platform.h"
#include "lib/guid.h"
#include "vmbus/vmbus_priv.h"

static const char *const chan_state_names[] = {
	[CHAN_OFFERED] = "offered", [CHAN_GPADL] = "gpadl", [CHAN_OPENING] = "opening",
	[CHAN_OPEN] = "open", [CHAN_CLOSING] = "closing", [CHAN_RELEASED] = "released",
};

const char *vmbus_chan_state_name(enum vmbus_chan_state s)
{
	return s <= CHAN_RELEASED ? chan_state_names[s] : "?";
}

/*
 * The one transition function. Returns 0, or -EINVAL for an event the state
 * does not accept, which is a bug in this file: reported, state unchanged.
 */
static int chan_transition(struct vmbus_channel *c, enum vmbus_chan_event ev)
{
	enum vmbus_chan_state to = c->state;

	switch (c->state) {
	case CHAN_OFFERED:
		if (ev == CEV_OPEN)
			to = CHAN_GPADL;
		else if (ev == CEV_RELEASE && c->rescinded)
			to = CHAN_RELEASED;
		break;
	case CHAN_GPADL:
		if (ev == CEV_GPADL_OK)
			to = CHAN_OPENING;
		else if (ev == CEV_FAIL)
			to = CHAN_CLOSING;
		break;
	case CHAN_OPENING:
		if (ev == CEV_OPEN_OK)
			to = CHAN_OPEN;
		else if (ev == CEV_FAIL)
			to = CHAN_CLOSING;
		break;
	case CHAN_OPEN:
		if (ev == CEV_CLOSE)
			to = CHAN_CLOSING;
		break;
	case CHAN_CLOSING:
		if (ev == CEV_CLOSED)
			to = CHAN_OFFERED;
		break;
	case CHAN_RELEASED:
		break;
	default:
		pr_err("vmbus: BUG: relid %u in unknown state %d\n", c->relid, (int)c->state);
		return -EINVAL;
	}
	if (to == c->state) {
		pr_err("vmbus: BUG: relid %u: event %d not valid in state %s\n",
		       c->relid, (int)ev, vmbus_chan_state_name(c->state));
		return -EINVAL;
	}
	c->state = to;
	waitq_wake_all(&c->wait);       /* closers wait for transient states */
	return 0;
}

/* Where a channel's rescind work runs: a bound sub-channel's on its device's
 * sub-channel queue, behind its open; everything else on vmbus_chan. */
struct wq *vmbus_chan_queue(struct vmbus_channel *c)
{
	struct vmbus_conn *vc = c->conn;

#ifdef KEEL_TEST_HOOKS
	if (vmbus_legacy_single_queue)
		return vc->q_msg;
#endif
	if (c->offer.sub_channel_index && c->dev && c->dev->subq)
		return c->dev->subq;
	return vc->q_chan;
}

/* The connection may carry channel traffic (not once vmbus_stop began). */
static bool chan_conn_up(const struct vmbus_channel *c)
{
	return c->conn->state == CONN_CONNECTED;
}

/* ---- offer and rescind ---- */

static void chan_offer_work(struct work *w);
static void chan_rescind_work(struct work *w);
static void chan_event_work(struct work *w);

/* Message loop: a valid offer for a free relid (msg.c checked it). */
struct vmbus_channel *vmbus_chan_create(struct vmbus_conn *vc, const struct vmbus_msg_offer *o)
{
	struct vmbus_channel *c = calloc(1, sizeof(*c)), **pp;

	if (!c)
		return NULL;
	c->conn = vc;
	memcpy(&c->offer, o, sizeof(c->offer));
	c->relid = o->child_relid;
	c->state = CHAN_OFFERED;
	snprintf(c->name, sizeof(c->name), "vmbus-ch%u", c->relid);
	waitq_init(&c->wait, c->name);
	waitq_set_completer(&c->wait, vc->q_msg);
	work_init(&c->w_offer, chan_offer_work, "vmbus_offer");
	work_init(&c->w_rescind, chan_rescind_work, "vmbus_rescind");
	work_init(&c->w_subopen, NULL, "vmbus_subchan_open");
	work_init(&c->w_event, chan_event_work, "vmbus_chan_event");
	vc->relid_map[c->relid] = c;
	for (pp = &vc->channels; *pp; pp = &(*pp)->next)
		;
	*pp = c;
	vc->st.nchannels++;
	return c;
}

static struct vmbus_channel *chan_find_primary(struct vmbus_conn *vc,
					       const struct vmbus_channel *sc)
{
	for (struct vmbus_channel *c = vc->channels; c; c = c->next) {
		if (c != sc && c->offer.sub_channel_index == 0 && c->state != CHAN_RELEASED &&
		    !c->rescinded &&
		    guid_equal(&c->offer.if_type, &sc->offer.if_type) &&
		    guid_equal(&c->offer.if_instance, &sc->offer.if_instance))
			return c;
	}
	return NULL;
}

/* vmbus_chan: act on a recorded offer (§4.8 for subs). Primaries and
 * sub-channels share this ordered queue, so a sub-channel is always linked
 * after its primary's device exists. */
static void chan_offer_work(struct work *w)
{
	struct vmbus_channel *c = wq_container_of(w, struct vmbus_channel, w_offer);
	struct vmbus_channel *p;

	if (c->rescinded)
		return;                 /* rescinded before we saw it: release does it all */
	if (c->offer.sub_channel_index == 0) {
		/* §4.8 item 5: a second live primary with the same instance is a
		 * host error for a guest without hibernation: ignore it. */
		if (chan_find_primary(c->conn, c)) {
			vmbus_drop(c->conn, VMBUS_DROP_BAD_OFFER,
				   "relid %u repeats a live primary's instance", c->relid);
			c->n.dropped++;
			return;
		}
		vmbus_device_offer(c);
		return;
	}
	p = chan_find_primary(c->conn, c);
	if (!p) {
		vmbus_drop(c->conn, VMBUS_DROP_BAD_OFFER, "sub-channel relid %u without primary",
			   c->relid);
		c->n.dropped++;
		return;
	}
	c->primary = p;
	c->dev = p->dev;
	c->sub_next = p->subs;
	p->subs = c;
	vmbus_subchan_offer(c);
}

/* Message loop: the host revoked c (§4.7 step 1). Wake, record, queue. */
void vmbus_chan_on_rescind(struct vmbus_channel *c)
{
	c->rescinded = true;
	waitq_wake_all(&c->wait);
	/* The driver's own waiters learn it from its event callback. */
	if (c->state == CHAN_OPEN && c->cb)
		wq_queue(c->conn->q_event, &c->w_event);
	wq_queue(vmbus_chan_queue(c), &c->w_rescind);
}

static void chan_rescind_work(struct work *w)
{
	struct vmbus_channel *c = wq_container_of(w, struct vmbus_channel, w_rescind);

	pr_info("vmbus: relid %u rescinded (state %s)\n", c->relid,
		vmbus_chan_state_name(c->state));
	if (c->offer.sub_channel_index == 0 && c->dev) {
		vmbus_device_rescind(c);        /* removal, then release, on the device queue */
		return;
	}
	vmbus_chan_release(c);
}

/* ---- open ---- */

void vmbus_chan_on_open_result(struct vmbus_conn *vc, const struct vmbus_msg_open_result *m)
{
	struct vmbus_channel *c = NULL;

	if (m->child_relid != 0 && m->child_relid < VMBUS_MAX_RELIDS)
		c = vc->relid_map[m->child_relid];
	/* §7.1 item 5: only the answer to the open we are waiting for. */
	if (!c || c->state != CHAN_OPENING || c->open_answered || m->openid != c->openid) {
		if (c)
			c->n.dropped++;
		vmbus_drop(vc, VMBUS_DROP_UNSOLICITED, "OPENCHANNEL_RESULT relid %u openid %u",
			   m->child_relid, m->openid);
		return;
	}
	c->open_status = m->status;
	c->open_answered = true;
	waitq_wake_all(&c->wait);
}

static bool chan_open_cond(void *arg)
{
	struct vmbus_channel *c = arg;
	return c->open_answered || c->rescinded || !chan_conn_up(c);
}

static bool chan_settled_cond(void *arg)
{
	struct vmbus_channel *c = arg;
	return (c->state != CHAN_GPADL && c->state != CHAN_OPENING &&
		c->state != CHAN_CLOSING) || c->conn->state >= CONN_UNLOADING;
}

/*
 * CLOSECHANNEL (§4.5). vmbus_post already retries a full host queue with
 * backoff; one more round after a pause covers a longer burst. Returns 0
 * when the host got it (or needs none: the connection is gone), -errno when
 * the host may still consider the channel open.
 */
static int chan_post_close(struct vmbus_channel *c)
{
	struct vmbus_conn *vc = c->conn;
	struct vmbus_msg_relid m = { .hdr.msgtype = VMBUS_MSG_CLOSECHANNEL,
				     .child_relid = c->relid };
	int err = -ENOTCONN;

	for (int round = 0; round < 2; round++) {
		if (vc->state != CONN_CONNECTED && vc->state != CONN_CLOSING)
			return 0;       /* UNLOAD closes every channel (§4.9) */
		err = vmbus_post(vc, &m, sizeof(m));
		if (!err)
			return 0;
		if (wq_in_work())
			wq_sleep(VMBUS_POST_RETRY_NS);
	}
	return err;
}

/*
 * CLOSING: CLOSECHANNEL if the host may think the channel is open, then the
 * ring GPADL teardown (§4.5); back to OFFERED. Memory goes with the GPADL.
 * The host let go of the channel (c->host_may_hold cleared) only when both
 * steps it needed were confirmed; from UNLOADING on that is UNLOAD's answer
 * (chan_host_holds).
 */
static void chan_teardown(struct vmbus_channel *c, bool send_close)
{
	struct vmbus_conn *vc = c->conn;
	/* From UNLOADING on nothing but UNLOAD goes out: it does the close. */
	bool let_go = vc->state == CONN_CONNECTED || vc->state == CONN_CLOSING;

	/* A last callback while the rings still exist: the driver drains what
	 * is left and notices a rescind even if the event work was not run. */
	wq_cancel(&c->w_event);
	if (c->cb && c->state == CHAN_CLOSING && c->ring_gpadl && c->in.ctl) {
		vmbus_chan_cb cb = c->cb;
		c->cb = NULL;
		c->closing_cb = true;
		cb(c, c->cb_arg);
		c->closing_cb = false;
	}
	c->cb = NULL;
	if (send_close && chan_post_close(c)) {
		/* The host may still write into the rings: tearing their GPADL
		 * down now would hand pages it uses back to us. Keep them. */
		vc->st.rings_leaked++;
		pr_err("vmbus: relid %u: CLOSECHANNEL could not be sent; its ring (%zu pages) is "
		       "kept, never reused\n", c->relid, c->ring_pages);
		if (c->ring_gpadl)
			vmbus_gpadl_keep(c->ring_gpadl);
		c->ring_gpadl = NULL;
		let_go = false;
	}
	if (c->ring_gpadl) {
		if (vmbus_gpadl_teardown(c, c->ring_gpadl) == 0) {
			c->ring_gpadl = NULL;
		} else {
			/* Not answered (LOST, never reused) or left to UNLOAD
			 * (§4.9): either way not confirmed. */
			if (vc->state >= CONN_UNLOADING)
				c->ring_gpadl = NULL;
			let_go = false;
		}
	}
	if (let_go)
		c->host_may_hold = false;
	vmbus_rqst_fini(&c->rqst);
	memset(&c->out, 0, sizeof(c->out));
	memset(&c->in, 0, sizeof(c->in));
	c->ring_mem = NULL;
	chan_transition(c, CEV_CLOSED);
}

int vmbus_chan_open(struct vmbus_channel *c, const struct vmbus_chan_open_args *a)
{
	struct vmbus_conn *vc = c->conn;
	struct vmbus_msg_open_channel m;
	struct vmbus_gpadl *g;
	size_t pages;
	int err;

	if (c->rescinded)
		return -ENODEV;
	if (!chan_conn_up(c))
		return -ENOTCONN;
	if (c->state != CHAN_OFFERED)
		return -EBUSY;
	if (!a->out_pages || !a->in_pages || a->out_pages > 4096 || a->in_pages > 4096 ||
	    a->userdata_len > VMBUS_MAX_USER_DEFINED_BYTES)
		return -EINVAL;
	pages = 2 + (size_t)a->out_pages + a->in_pages;
	c->ring_mem = plat_page_alloc(pages);   /* zeroed (§7.5 item 1) */
	if (!c->ring_mem)
		return -ENOMEM;
	c->ring_pages = pages;
	/* The rings count packets and bytes (once per packet, not again in
	 * c->n); the totals of an earlier open are kept before the reset. */
	c->n.pkts_out += c->out.packets;
	c->n.bytes_out += c->out.bytes;
	c->n.pkts_in += c->in.packets;
	c->n.bytes_in += c->in.bytes;
	/* §4.4 step 1 / §5.2: outbound ring first, then inbound. */
	vmbus_ring_init(&c->out, c->ring_mem, 1 + a->out_pages);
	vmbus_ring_init(&c->in, (uint8_t *)c->ring_mem + (1 + (size_t)a->out_pages) * PLAT_PAGE_SIZE,
			1 + a->in_pages);
	err = vmbus_rqst_init(&c->rqst, a->max_requests);
	if (err) {
		plat_page_free(c->ring_mem, pages);
		c->ring_mem = NULL;
		return err;
	}
	chan_transition(c, CEV_OPEN);
	c->host_may_hold = true;        /* until a confirmed close (rule 6) */

	/* §4.4 step 2: the ring GPADL (it owns the pages from here on). */
	err = vmbus_gpadl_establish(c, c->ring_mem, pages, true, &g);
	if (err) {
		c->ring_mem = NULL;
		chan_transition(c, CEV_FAIL);
		chan_teardown(c, false);
		return err;
	}
	c->ring_gpadl = g;
	/* Re-check after the wait: rescinded, or vmbus_stop began (no
	 * OPENCHANNEL may follow, docs/protocols/vmbus.md §4.9). */
	if (c->rescinded || !chan_conn_up(c)) {
		chan_transition(c, CEV_FAIL);
		chan_teardown(c, false);
		return c->rescinded ? -ENODEV : -ENOTCONN;
	}
	chan_transition(c, CEV_GPADL_OK);

	/* §4.4 step 3 */
	c->cb = a->cb;
	c->cb_arg = a->cb_arg;
	memset(&m, 0, sizeof(m));
	m.hdr.msgtype = VMBUS_MSG_OPENCHANNEL;
	m.child_relid = c->relid;
	c->openid = ++vc->next_openid;  /* fresh per attempt: a late answer never matches */
	m.openid = c->openid;
	m.ring_gpadl = g->handle;
	m.target_vp = vc->vp_index;
	m.downstream_ring_pageoffset = 1 + a->out_pages;
	if (a->userdata_len)
		memcpy(m.userdata, a->userdata, a->userdata_len);
	c->open_answered = false;
	err = vmbus_post(vc, &m, sizeof(m));
	if (err) {
		chan_transition(c, CEV_FAIL);
		chan_teardown(c, false);
		return err;
	}
	/* §4.4 step 4: woken by the message loop (result) or a rescind. */
	err = wq_wait_event(&c->wait, chan_open_cond, c, VMBUS_OPEN_TIMEOUT_NS);
	if (c->rescinded || !chan_conn_up(c)) {
		/* The host may have opened it before the rescind: close is
		 * accepted silently on a revoked channel (§4.5, §8.8). */
		chan_transition(c, CEV_FAIL);
		chan_teardown(c, true);
		return -ENODEV;
	}
	if (err) {
		/* No answer: abandon the open with CLOSECHANNEL (the host drops
		 * a pending open on close), then take the ring GPADL back. */
		vc->st.open_timeouts++;
		pr_err("vmbus: relid %u: no OPENCHANNEL_RESULT within %llu ms (%d); open abandoned\n",
		       c->relid, (unsigned long long)(VMBUS_OPEN_TIMEOUT_NS / WQ_NS_PER_MS), err);
		chan_transition(c, CEV_FAIL);
		chan_teardown(c, true);
		return err;
	}
	if (c->open_status != 0) {
		pr_err("vmbus: relid %u: host refused open (status 0x%x)\n", c->relid,
		       c->open_status);
		chan_transition(c, CEV_FAIL);
		chan_teardown(c, false);
		return -EIO;
	}
	chan_transition(c, CEV_OPEN_OK);
	/* Packets may have arrived before we were open: look once. */
	if (c->cb)
		wq_queue(vc->q_event, &c->w_event);
	return 0;
}

/* Rule 6: may the host still write what c's requests name? Not after it
 * rescinded c (§4.7), nor after it answered UNLOAD (§4.9: it closed every
 * channel and dropped every GPADL), nor after a close it confirmed. */
static bool chan_host_holds(const struct vmbus_channel *c)
{
	const struct vmbus_conn *vc = c->conn;

	if (c->rescinded || (vc->state == CONN_UNLOADED && vc->unload_done))
		return false;
	return c->host_may_hold;
}

/*
 * Close (§4.5). Waits for a concurrent open/close to settle first: that wait
 * is ended by chan_transition, called by the opener or closer on its own
 * queue (device queue or the device's sub-channel queue), or by an UNLOAD;
 * the timeout covers
 * the longest open plus teardown.
 */
int vmbus_chan_close(struct vmbus_channel *c)
{
	wq_wait_event(&c->wait, chan_settled_cond, c, VMBUS_OPEN_TIMEOUT_NS + VMBUS_GPADL_TIMEOUT_NS);
	if (c->state == CHAN_OPEN) {
		chan_transition(c, CEV_CLOSE);
		chan_teardown(c, true);
	}
	return chan_host_holds(c) ? -EBUSY : 0;
}

/*
 * After a rescind (§4.7 steps 2-4): close if needed, tear down every GPADL,
 * then RELID_RELEASED exactly once (the RELEASED state guards it). The
 * object stays on the list as RELEASED (a work item may be running inside
 * it) and is freed by vmbus_fini; its relid is free for a new offer.
 */
void vmbus_chan_release(struct vmbus_channel *c)
{
	struct vmbus_conn *vc = c->conn;
	struct vmbus_msg_relid m = { .hdr.msgtype = VMBUS_MSG_RELID_RELEASED,
				     .child_relid = c->relid };

	if (c->state == CHAN_RELEASED || !c->rescinded)
		return;
	vmbus_chan_close(c);
	if (c->state != CHAN_OFFERED) {
		pr_err("vmbus: relid %u stuck in %s; not released\n", c->relid,
		       vmbus_chan_state_name(c->state));
		return;
	}
	if ((vc->state == CONN_CONNECTED || vc->state == CONN_CLOSING) &&
	    vmbus_gpadl_teardown_all(c)) {
		pr_err("vmbus: relid %u: a GPADL is still held; relid not released\n", c->relid);
		return;
	}
	chan_transition(c, CEV_RELEASE);
	if (vc->state == CONN_CONNECTED || vc->state == CONN_CLOSING)
		vmbus_post(vc, &m, sizeof(m));
	vc->st.releases++;
	if (vc->relid_map[c->relid] == c)
		vc->relid_map[c->relid] = NULL;
	if (c->primary) {
		for (struct vmbus_channel **pp = &c->primary->subs; *pp; pp = &(*pp)->sub_next) {
			if (*pp == c) {
				*pp = c->sub_next;
				break;
			}
		}
		c->primary = NULL;
	}
	for (struct vmbus_channel *s = c->subs; s; s = s->sub_next)
		s->primary = NULL;
	c->subs = NULL;
	vc->st.nchannels--;
	wq_queue(vc->q_chan, &vc->w_reap);      /* the object can be freed now */
}

/* The reaper (released channels) or vmbus_fini: nothing of c runs any more
 * (its queues were flushed; a released channel has no callback left). */
void vmbus_chan_free(struct vmbus_channel *c)
{
	/* Ring pages belong to the ring GPADL from vmbus_gpadl_establish on:
	 * the GPADL code frees them. */
	wq_cancel(&c->w_event);
	vmbus_rqst_fini(&c->rqst);
	free(c);
}

/* ---- events and packets ---- */

/* vmbus_event queue: the host signalled; the driver drains (must not wait). */
static void chan_event_work(struct work *w)
{
	struct vmbus_channel *c = wq_container_of(w, struct vmbus_channel, w_event);

	if (c->state == CHAN_OPEN && c->cb)
		c->cb(c, c->cb_arg);
}

/* Receiving is allowed while open and during the last callback at close. */
static bool chan_can_recv(const struct vmbus_channel *c)
{
	return c->state == CHAN_OPEN || c->closing_cb;
}

static void chan_signal(struct vmbus_channel *c)
{
	c->n.signals++;
	vmbus_signal_event(c->conn, c->offer.connection_id);
}

/* Inlined into each sender: a call with eight arguments per packet costs
 * more instructions than the body it wraps (make bench-storage). */
static inline __attribute__((always_inline))
int chan_write(struct vmbus_channel *c, uint16_t type, uint16_t flags, uint64_t id,
		      const void *hdr, uint32_t hdr_len, const void *data, uint32_t len)
{
	struct vmbus_iov iov = { data, len };
	bool sig;
	int err;

	if (c->rescinded || !chan_conn_up(c))
		return -ENODEV;
	if (c->state != CHAN_OPEN)
		return -ENOTCONN;
	err = vmbus_ring_write(&c->out, type, flags, id, hdr, hdr_len, &iov, len ? 1 : 0, &sig);
	if (err == -EAGAIN)
		c->n.ring_full++;
	if (err)
		return err;
	if (sig)
		chan_signal(c);
	return 0;
}

int vmbus_chan_send(struct vmbus_channel *c, const void *data, uint32_t len,
		    uint64_t trans_id, uint16_t flags)
{
	return chan_write(c, VMBUS_PKT_DATA_INBAND, flags, trans_id, NULL, 0, data, len);
}

int vmbus_chan_send_comp(struct vmbus_channel *c, const void *data, uint32_t len,
			 uint64_t trans_id)
{
	return chan_write(c, VMBUS_PKT_COMP, 0, trans_id, NULL, 0, data, len);
}

int vmbus_chan_send_request(struct vmbus_channel *c, const void *data, uint32_t len,
			    uint64_t ctx, uint64_t *trans_id)
{
	uint64_t id, dummy;
	int err = vmbus_rqst_get(&c->rqst, ctx, &id);

	if (err)
		return err;
	err = chan_write(c, VMBUS_PKT_DATA_INBAND, VMBUS_PKT_FLAG_COMPLETION_REQUESTED, id,
			 NULL, 0, data, len);
	if (err) {
		vmbus_rqst_put(&c->rqst, id, &dummy);
		return err;
	}
	*trans_id = id;
	return 0;
}

int vmbus_chan_send_gpa(struct vmbus_channel *c, uint64_t gpa, uint32_t gpa_len,
			const void *data, uint32_t len, uint64_t ctx, uint64_t *trans_id)
{
	/* §5.4: reserved, rangecount, then one range with its PFNs. The
	 * descriptor is built by the ring; hdr is what follows it. */
	enum { MAX_PFNS = 32 };
	struct {
		uint32_t reserved, rangecount;
		uint32_t byte_count, byte_offset;   /* struct vmbus_gpa_range */
		uint64_t pfn[MAX_PFNS];
	} __attribute__((packed)) h;
	uint32_t off = (uint32_t)(gpa & (PLAT_PAGE_SIZE - 1));
	uint32_t npfn = (off + gpa_len + PLAT_PAGE_SIZE - 1) / PLAT_PAGE_SIZE;
	uint64_t id, dummy;
	int err;

	if (!gpa_len || npfn > MAX_PFNS)
		return -EINVAL;
	/* Only the first 16 + 8 * npfn bytes are sent; every one of them is
	 * written below, so no memset of the whole 272-byte header (§7.5
	 * holds: nothing uninitialised reaches the ring). */
	h.reserved = 0;
	h.rangecount = 1;
	h.byte_count = gpa_len;
	h.byte_offset = off;
	for (uint32_t i = 0; i < npfn; i++)
		h.pfn[i] = (gpa >> HV_PAGE_SHIFT) + i;
	err = vmbus_rqst_get(&c->rqst, ctx, &id);
	if (err)
		return err;
	err = chan_write(c, VMBUS_PKT_DATA_USING_GPA_DIRECT, VMBUS_PKT_FLAG_COMPLETION_REQUESTED,
			 id, &h, 16 + 8 * npfn, data, len);
	if (err) {
		vmbus_rqst_put(&c->rqst, id, &dummy);
		return err;
	}
	*trans_id = id;
	return 0;
}

int vmbus_chan_complete(struct vmbus_channel *c, uint64_t trans_id, uint64_t *ctx)
{
	int err = vmbus_rqst_put(&c->rqst, trans_id, ctx);

	if (err) {
		c->n.dropped++;
		pr_debug("vmbus: relid %u: completion with unknown id %llu dropped\n", c->relid,
			 (unsigned long long)trans_id);
	}
	return err;
}

void vmbus_chan_recv_begin(struct vmbus_channel *c, struct vmbus_ring_iter *it)
{
	vmbus_ring_iter_begin(it, &c->in);
}

int vmbus_chan_recv_next(struct vmbus_channel *c, struct vmbus_ring_iter *it,
			 void *buf, uint32_t bufsz, struct vmbus_pkt *pkt)
{
	int r;

	if (!chan_can_recv(c))
		return -ENOTCONN;
	if (vmbus_ring_peek_empty(&c->in))
		return 0;               /* the end of a pass, without the call */
	r = vmbus_ring_iter_next(it, buf, bufsz, pkt);
	if (r < 0) {
		c->n.dropped++;
		if (r == -EIO)
			pr_err("vmbus: relid %u: inbound ring corrupt; channel stopped\n", c->relid);
	}
	return r;
}

bool vmbus_chan_recv_end(struct vmbus_channel *c, struct vmbus_ring_iter *it)
{
	bool sig, more;

	if (!chan_can_recv(c))
		return false;
	more = vmbus_ring_iter_end(it, &sig);
	if (sig && c->state == CHAN_OPEN)
		chan_signal(c);
	return more && !c->in.broken;
}

/* ---- accessors ---- */

bool vmbus_chan_is_open(const struct vmbus_channel *c) { return c->state == CHAN_OPEN; }
/* Drivers treat both alike: the host revoked the channel, or vmbus_stop is
 * taking the connection down; either way every wait on it must end. */
bool vmbus_chan_rescinded(const struct vmbus_channel *c)
{
	return c->rescinded || !chan_conn_up(c);
}

/* Only the host's rescind: a driver may fail what is in flight on c at
 * once; for vmbus_stop it waits for its own close (rule 6). */
bool vmbus_chan_revoked(const struct vmbus_channel *c)
{
	return c->rescinded;
}

bool vmbus_chan_out_drained(struct vmbus_channel *c)
{
	int64_t f;

	if (!vmbus_chan_is_open(c))
		return true;
	f = vmbus_ring_free(&c->out);
	return f < 0 || (uint64_t)f == c->out.data_size;
}

uint32_t vmbus_chan_relid(const struct vmbus_channel *c) { return c->relid; }
uint16_t vmbus_chan_subidx(const struct vmbus_channel *c) { return c->offer.sub_channel_index; }
