/*
 * The simulated SynIC: host->guest message delivery through the SINT2 slot
 * of the SIMP page with the MessagePending flag and the end-of-message
 * protocol, event flags in the SIEF page, SINT masking, raising the vector.
 *
 * Follows docs/protocols/vmbus.md §2.3 (message slot, delivery rule), §2.4 (EOM),
 * §2.5 (event flags), §2.2 (SINT masking) and §8.2.
 *
 * Delivery: a queued message is written only into an empty slot
 * (MessageType == HVMSG_NONE). If the slot is occupied when the host has
 * more to say, it sets MessagePending in the occupied slot and waits for the
 * guest's EOM write before trying again; if it writes a message while more
 * remain queued, it sets MessagePending in that message at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_priv.h"

/* ---- a growable FIFO of messages ---- */

int msgq_push(struct host_msgq *q, const void *data, uint32_t size, uint32_t conn)
{
	struct host_msgbuf *m;

	if (size > HV_MESSAGE_PAYLOAD_BYTES)
		return -EINVAL;
	if (q->count == q->cap) {
		uint32_t ncap = q->cap ? q->cap * 2 : 16;
		struct host_msgbuf *nb = malloc(ncap * sizeof(*nb));

		if (!nb)
			return -ENOMEM;
		for (uint32_t i = 0; i < q->count; i++)
			nb[i] = q->buf[(q->head + i) % q->cap];
		free(q->buf);
		q->buf = nb;
		q->cap = ncap;
		q->head = 0;
	}
	m = &q->buf[(q->head + q->count) % q->cap];
	m->size = size;
	m->conn = conn;
	memcpy(m->data, data, size);
	if (size < sizeof(m->data))
		memset(m->data + size, 0, sizeof(m->data) - size);
	q->count++;
	return 0;
}

struct host_msgbuf *msgq_peek(struct host_msgq *q)
{
	return q->count ? &q->buf[q->head] : NULL;
}

void msgq_pop(struct host_msgq *q)
{
	if (!q->count)
		return;
	q->head = (q->head + 1) % q->cap;
	q->count--;
}

void msgq_free(struct host_msgq *q)
{
	free(q->buf);
	memset(q, 0, sizeof(*q));
}

/* ---- SynIC ---- */

void synic_reset(struct host *h)
{
	h->synic.q.head = h->synic.q.count = 0;
	h->synic.wait_eom = false;
	h->synic.eoms = h->synic.delivered = 0;
}

void synic_fini(struct host *h)
{
	msgq_free(&h->synic.q);
}

static struct hv_message *synic_slot(struct host *h)
{
	if (!(h->hv.scontrol & HV_SCONTROL_ENABLE) || !(h->hv.simp & HV_SYNIC_PAGE_ENABLE))
		return NULL;
	return host_gmem(h, (h->hv.simp & ~0xFFFull) + HV_VMBUS_SINT * HV_MESSAGE_SLOT_SIZE,
			 sizeof(struct hv_message));
}

static void synic_raise(struct host *h)
{
	uint64_t sint = h->hv.sint[HV_VMBUS_SINT];

	if (sint & HV_SINT_MASKED)
		return;
	h->env.raise_irq(h->env.ctx, (int)(sint & HV_SINT_VECTOR_MASK));
}

/* Host->guest control message: queue it for the slot (§2.3). */
void synic_post(struct host *h, const void *msg, uint32_t size)
{
	struct hv_message *slot;

	if (msgq_push(&h->synic.q, msg, size, 0) < 0) {
		host_violate(h, 0, "host message queue allocation failed");
		return;
	}
	/* Occupied slot: tell the guest there is more (MessagePending). */
	slot = synic_slot(h);
	if (slot && slot->header.message_type != HVMSG_NONE && !h->synic.wait_eom) {
		slot->header.message_flags |= HV_MESSAGE_FLAG_PENDING;
		h->synic.wait_eom = true;
	}
}

bool synic_can_deliver(struct host *h)
{
	struct hv_message *slot;

	if (!h->synic.q.count || h->synic.wait_eom)
		return false;
	if (h->hv.sint[HV_VMBUS_SINT] & HV_SINT_MASKED)
		return false;
	slot = synic_slot(h);
	if (!slot)
		return false;
	if (slot->header.message_type != HVMSG_NONE) {
		/* The guest has not emptied the slot: flag it and wait for EOM. */
		slot->header.message_flags |= HV_MESSAGE_FLAG_PENDING;
		h->synic.wait_eom = true;
		return false;
	}
	return true;
}

void synic_deliver(struct host *h)
{
	struct hv_message *slot;
	struct host_msgbuf *m;
	uint32_t mt = 0, relid = 0;

	if (!synic_can_deliver(h))
		return;
	slot = synic_slot(h);
	m = msgq_peek(&h->synic.q);
	memcpy(slot->payload, m->data, sizeof(slot->payload));
	slot->header.payload_size = (uint8_t)m->size;
	slot->header.reserved = 0;
	slot->header.sender = 0;
	memcpy(&mt, m->data, 4);
	if (mt == VMBUS_MSG_OFFERCHANNEL && m->size >= 188)
		memcpy(&relid, m->data + 184, 4);
	else if (m->size >= 12)
		memcpy(&relid, m->data + 8, 4);
	msgq_pop(&h->synic.q);
	slot->header.message_flags = h->synic.q.count ? HV_MESSAGE_FLAG_PENDING : 0;
	h->synic.wait_eom = h->synic.q.count != 0;
	/* The type goes in last: it is what makes the slot full. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	slot->header.message_type = HV_VMBUS_MESSAGE_TYPE;
	h->synic.delivered++;
	host_trace(h, HT_DELIVER, mt, relid, slot->header.message_flags);
	synic_raise(h);
}

/* EOM write (§2.4): the hypervisor retries delivery of the next message. */
void synic_eom(struct host *h)
{
	h->synic.eoms++;
	h->synic.wait_eom = false;
	host_trace(h, HT_EOM, h->synic.q.count, 0, 0);
}

/* Host -> guest channel signal: set bit relid in SINT2's event flags (§2.5). */
void synic_signal_event(struct host *h, uint32_t relid)
{
	uint64_t *f;

	if (!(h->hv.scontrol & HV_SCONTROL_ENABLE) || !(h->hv.siefp & HV_SYNIC_PAGE_ENABLE))
		return;
	/* The SIEF page is page-aligned guest memory: 8-byte words are aligned. */
	f = host_gmem(h, (h->hv.siefp & ~0xFFFull) + HV_VMBUS_SINT * HV_EVENT_FLAGS_BYTES,
		      HV_EVENT_FLAGS_BYTES);
	if (!f)
		return;
	if (h->version < VMBUS_VERSION_WIN8) {
		/* < 2.4: bit 0 in the SIEF, relid in the interrupt page's receive half */
		uint64_t *ip = h->interrupt_page ? host_gmem(h, h->interrupt_page, 2048) : NULL;

		if (ip)
			__atomic_fetch_or(&ip[relid / 64], 1ull << (relid % 64), __ATOMIC_SEQ_CST);
		relid = 0;
	}
	__atomic_fetch_or(&f[relid / 64], 1ull << (relid % 64), __ATOMIC_SEQ_CST);
	host_trace(h, HT_SIGNAL_GUEST, relid, 0, 0);
	synic_raise(h);
}
