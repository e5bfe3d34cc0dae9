/*
 * The vPCI channel: requests and their completions, and the host's
 * notifications (docs/protocols/vpci.md "Framing", "Messages").
 *
 * Requests take a slot of the bus (not the waiter's stack): the slot index
 * and a generation travel as the requestor context, so a completion that
 * arrives after its waiter gave up (timeout, rescind) finds a newer
 * generation and is dropped instead of writing into a dead frame.
 *
 * The callback runs on the vmbus_event queue and never waits: it copies
 * completions into their slots, replaces the pending relations list with
 * the newest one and queues the relations work, and queues eject work.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vpci.h"
#include "kernel/log.h"

/* ---- host notifications ---- */

static void vpci_rx_relations(struct vpci_bus *b, const struct vmbus_pkt *p)
{
	struct vpci_relations *r;

	if (b->state == VB_REMOVING) {
		b->dropped++;           /* "PCI VMBus BUS_RELATIONS: ignored" */
		return;
	}
	r = malloc(sizeof(*r));
	if (!r || vpci_parse_relations(p->data, p->data_len, r)) {
		if (r)
			pr_warn("vpci: %s: bad relations list dropped\n", vmbus_device_name(b->dev));
		free(r);
		b->dropped++;
		return;
	}
	/* Only the newest list matters: it is the complete set of functions. */
	free(b->pending_rel);
	b->pending_rel = r;
	wq_queue(b->wq, &b->w_rel);
}

static void vpci_rx_eject(struct vpci_bus *b, const struct vmbus_pkt *p)
{
	struct vpci_slot_msg m;
	struct vpci_func *vf;

	if (p->data_len < sizeof(m)) {
		b->dropped++;
		return;
	}
	memcpy(&m, p->data, sizeof(m));
	vf = vpci_func_find(b, m.wslot);
	if (b->state == VB_REMOVING || (!vf && b->nearly_eject >= VPCI_EARLY_EJECTS)) {
		pr_warn("vpci: %s: EJECT for slot %u ignored\n", vmbus_device_name(b->dev), m.wslot);
		b->dropped++;
		return;
	}
	if (!vf) {
		/* The list naming the slot may still wait on the bus queue:
		 * decide behind it (vpci_eject.c vpci_early_eject_work). */
		b->early_eject[b->nearly_eject++] = m.wslot;
		wq_queue(b->wq, &b->w_early_eject);
		return;
	}
	vf->eject_pending = true;
	wq_queue(b->wq, &vf->w_eject);
	waitq_wake_all(&b->wait);
}

static void vpci_rx_completion(struct vpci_bus *b, const struct vmbus_pkt *p)
{
	uint64_t ctx;
	struct vpci_req *r;

	if (vmbus_chan_complete(b->c, p->trans_id, &ctx)) {
		b->dropped++;
		return;
	}
	if ((ctx & 0xFF) >= VPCI_MAX_REQS) {
		b->dropped++;
		return;
	}
	r = &b->req[ctx & 0xFF];
	if (!r->busy || r->gen != (uint16_t)(ctx >> 8)) {
		b->dropped++;           /* its waiter gave up */
		return;
	}
	r->len = p->data_len < VPCI_REPLY_MAX ? p->data_len : VPCI_REPLY_MAX;
	memcpy(r->reply, p->data, r->len);
	r->done = true;
}

static const struct {
	uint32_t type;
	void (*rx)(struct vpci_bus *b, const struct vmbus_pkt *p);
} vpci_rx_table[] = {
	{ VPCI_MSG_BUS_RELATIONS, vpci_rx_relations },
	{ VPCI_MSG_BUS_RELATIONS2, vpci_rx_relations },
	{ VPCI_MSG_EJECT, vpci_rx_eject },
};

static void vpci_rx(struct vpci_bus *b, const struct vmbus_pkt *p)
{
	uint32_t type;

	if (p->type == VMBUS_PKT_COMP) {
		vpci_rx_completion(b, p);
		return;
	}
	if (p->type != VMBUS_PKT_DATA_INBAND || p->data_len < 4) {
		b->dropped++;
		return;
	}
	memcpy(&type, p->data, 4);
	for (size_t i = 0; i < sizeof(vpci_rx_table) / sizeof(vpci_rx_table[0]); i++)
		if (vpci_rx_table[i].type == type) {
			vpci_rx_table[i].rx(b, p);
			return;
		}
	pr_warn("vpci: %s: unknown message 0x%x dropped\n", vmbus_device_name(b->dev), type);
	b->dropped++;
}

void vpci_on_event(struct vmbus_channel *c, void *arg)
{
	struct vpci_bus *b = arg;
	struct vmbus_ring_iter it;
	struct vmbus_pkt p;
	int r;

	do {
		vmbus_chan_recv_begin(c, &it);
		while ((r = vmbus_chan_recv_next(c, &it, b->rxbuf, sizeof(b->rxbuf), &p)) != 0) {
			if (r == 1)
				vpci_rx(b, &p);
			else if (r == -EIO)
				break;
			else
				b->dropped++;
		}
	} while (vmbus_chan_recv_end(c, &it));
	waitq_wake_all(&b->wait);
}

/* ---- waits ---- */

/* Timer queue: wake every waiter; they compare their own deadlines. */
uint64_t vpci_watchdog(struct timer *t)
{
	struct vpci_bus *b = wq_container_of(t, struct vpci_bus, watchdog);

	waitq_wake_all(&b->wait);
	return b->waiters ? VPCI_WATCHDOG_NS : 0;
}

struct vpci_deadline_arg {
	bool (*cond)(void *arg);
	void *arg;
	uint64_t deadline;
};

static bool vpci_cond_or_late(void *arg)
{
	struct vpci_deadline_arg *a = arg;

	return a->cond(a->arg) || plat_now_ns() >= a->deadline;
}

int vpci_wait(struct vpci_bus *b, bool (*cond)(void *arg), void *arg)
{
	struct vpci_deadline_arg a = { cond, arg, plat_now_ns() + VPCI_TIMEOUT_NS };
	int err;

	b->waiters++;
	if (!timer_pending(&b->watchdog))
		timer_start(&b->watchdog, VPCI_WATCHDOG_NS);
	/* the wait's own timeout is only the backstop of the watchdog */
	err = wq_wait_event(&b->wait, vpci_cond_or_late, &a, 2 * VPCI_TIMEOUT_NS);
	if (--b->waiters == 0)
		timer_stop(&b->watchdog);       /* nobody left to wake */
	if (!err && !cond(arg))
		err = -ETIMEDOUT;
	return err;
}

/* ---- requests ---- */

struct vpci_wait_arg {
	struct vpci_bus *b;
	struct vpci_req *r;
};

static bool vpci_req_done(void *arg)
{
	struct vpci_wait_arg *a = arg;

	return a->r->done || vpci_gone(a->b);
}

/*
 * Waits on b->wait, woken by vpci_on_event (vmbus_event queue) for every
 * completion and when the channel is rescinded or closed, and by the
 * watchdog once VPCI_TIMEOUT_NS has passed. A request the host never
 * answers keeps its VMBus requestor entry (a late completion frees it);
 * the bus's slot is free at once.
 */
int vpci_request_send(struct vpci_bus *b, const void *msg, uint32_t len)
{
	struct vpci_req *r;
	uint64_t id;
	int i, err;

	for (i = 0; i < VPCI_MAX_REQS && b->req[i].busy; i++)
		;
	if (i == VPCI_MAX_REQS)
		return -EBUSY;
	r = &b->req[i];
	r->busy = true;
	r->done = false;
	r->gen++;
	err = vpci_gone(b) ? -ENODEV :
	      vmbus_chan_send_request(b->c, msg, len, (uint64_t)r->gen << 8 | (uint64_t)i, &id);
	if (err) {
		r->busy = false;
		r->gen++;
		return err;
	}
	return i;
}

int vpci_request_wait(struct vpci_bus *b, int slot, void *out, uint32_t cap, uint32_t *outlen)
{
	struct vpci_wait_arg a = { b, &b->req[slot] };
	int err = vpci_wait(b, vpci_req_done, &a);

	if (!err && !a.r->done)
		err = -ENODEV;
	if (!err) {
		memcpy(out, a.r->reply, a.r->len < cap ? a.r->len : cap);
		if (outlen)
			*outlen = a.r->len;
	}
	a.r->busy = false;
	a.r->gen++;                     /* a late completion now finds no waiter */
	return err;
}

int vpci_request(struct vpci_bus *b, const void *msg, uint32_t len, void *out, uint32_t cap,
		 uint32_t *outlen)
{
	int slot = vpci_request_send(b, msg, len);

	return slot < 0 ? slot : vpci_request_wait(b, slot, out, cap, outlen);
}

int vpci_post(struct vpci_bus *b, const void *msg, uint32_t len)
{
	if (vpci_gone(b))
		return -ENODEV;
	return vmbus_chan_send(b->c, msg, len, 0, 0);
}
