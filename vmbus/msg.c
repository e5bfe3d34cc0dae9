/*
 * The message loop: SINT2's interrupt, the SynIC message slot and the event
 * flags (docs/protocols/vmbus.md §2.3-2.5), and the dispatch of host messages (§3)
 * after the checks of §7.1.
 *
 * Rule 1: this loop never waits for the host. A handler only records what
 * arrived (a reply for a waiter, a new channel, a rescind) and queues the
 * work that acts on it on another queue. Malformed messages are dropped,
 * counted and logged once per reason; nothing here is fatal.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/platform.h"
#include "vmbus/vmbus_priv.h"

#define MSG_BUDGET 32   /* messages per run before yielding the queue */

static const char *const drop_names[VMBUS_DROP_NR] = {
	[VMBUS_DROP_SIZE] = "bad size",
	[VMBUS_DROP_TYPE] = "unknown type",
	[VMBUS_DROP_RELID] = "unknown relid",
	[VMBUS_DROP_RELID_BUSY] = "relid in use",
	[VMBUS_DROP_UNSOLICITED] = "unsolicited",
	[VMBUS_DROP_BAD_OFFER] = "bad offer",
	[VMBUS_DROP_SYNIC] = "not vmbus",
};

void vmbus_drop(struct vmbus_conn *vc, enum vmbus_drop why, const char *fmt, ...)
{
	va_list ap;
	char buf[96];

	vc->st.dropped++;
	vc->st.drop_reason[why]++;
	if (vc->drop_logged[why])
		return;
	vc->drop_logged[why] = true;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pr_warn("vmbus: dropped host message (%s): %s (further drops of this kind are counted only)\n",
		drop_names[why], buf);
}

/*
 * Is a message waiting in the SINT2 slot (§2.3)? The host writes the slot
 * before it raises the interrupt, and a message that arrives later raises
 * another one (a busy slot queues it until our EOM, §2.4), so an empty slot
 * seen by vmbus_isr needs no message work item.
 */
static bool msg_slot_busy(const struct vmbus_conn *vc)
{
	const uint32_t *type;

	if (!vc->simp)
		return false;
	type = (const uint32_t *)(const void *)&vc->simp->sint_message[HV_VMBUS_SINT];
	return __atomic_load_n(type, __ATOMIC_ACQUIRE) != HVMSG_NONE;
}

/* ---- handlers: record and queue, never wait ---- */

static struct vmbus_channel *msg_chan(struct vmbus_conn *vc, uint32_t relid,
				      const char *what)
{
	struct vmbus_channel *c = NULL;

	if (relid != 0 && relid < VMBUS_MAX_RELIDS)
		c = vc->relid_map[relid];
	if (!c)
		vmbus_drop(vc, VMBUS_DROP_RELID, "%s for relid %u", what, relid);
	return c;
}

static void on_offer(struct vmbus_conn *vc, const void *msg, uint32_t len)
{
	const struct vmbus_msg_offer *o = msg;
	struct vmbus_channel *c;

	(void)len;
	if (vc->state != CONN_CONNECTED) {
		vmbus_drop(vc, VMBUS_DROP_UNSOLICITED, "offer before REQUESTOFFERS");
		return;
	}
	/* §7.1 item 6 */
	if (o->child_relid == 0 || o->child_relid >= VMBUS_MAX_RELIDS) {
		vmbus_drop(vc, VMBUS_DROP_RELID, "offer with relid %u", o->child_relid);
		return;
	}
	if (vc->relid_map[o->child_relid]) {
		vmbus_drop(vc, VMBUS_DROP_RELID_BUSY, "offer for relid %u", o->child_relid);
		if (vc->relid_map[o->child_relid])
			vc->relid_map[o->child_relid]->n.dropped++;
		return;
	}
	if ((o->monitor_allocated & 1) && o->monitorid >= VMBUS_MAX_MONITORS) {
		vmbus_drop(vc, VMBUS_DROP_BAD_OFFER, "monitor id %u", o->monitorid);
		return;
	}
	c = vmbus_chan_create(vc, o);
	if (!c) {
		pr_err("vmbus: out of memory for relid %u\n", o->child_relid);
		return;
	}
	wq_queue(vmbus_chan_queue(c), &c->w_offer);
}

static void on_rescind(struct vmbus_conn *vc, const void *msg, uint32_t len)
{
	const struct vmbus_msg_relid *m = msg;
	struct vmbus_channel *c = msg_chan(vc, m->child_relid, "rescind");

	(void)len;
	if (!c)
		return;
	if (c->rescinded) {
		c->n.dropped++;
		vmbus_drop(vc, VMBUS_DROP_UNSOLICITED, "second rescind of relid %u", c->relid);
		return;
	}
	vmbus_chan_on_rescind(c);
}

static void on_alloffers(struct vmbus_conn *vc, const void *msg, uint32_t len)
{
	(void)msg;
	(void)len;
	vmbus_conn_on_alloffers(vc);
}

static void on_open_result(struct vmbus_conn *vc, const void *msg, uint32_t len)
{
	(void)len;
	vmbus_chan_on_open_result(vc, msg);
}

static void on_gpadl_created(struct vmbus_conn *vc, const void *msg, uint32_t len)
{
	(void)len;
	vmbus_gpadl_on_created(vc, msg);
}

static void on_gpadl_torndown(struct vmbus_conn *vc, const void *msg, uint32_t len)
{
	(void)len;
	vmbus_gpadl_on_torndown(vc, msg);
}

static void on_version(struct vmbus_conn *vc, const void *msg, uint32_t len)
{
	vmbus_conn_on_version(vc, msg, len);
}

static void on_unload_response(struct vmbus_conn *vc, const void *msg, uint32_t len)
{
	(void)msg;
	(void)len;
	vmbus_conn_on_unload_response(vc);
}

static void on_modify_response(struct vmbus_conn *vc, const void *msg, uint32_t len)
{
	(void)msg;
	(void)len;
	/* Keel never sends MODIFYCHANNEL: any response is unsolicited (§7.1 item 5). */
	vmbus_drop(vc, VMBUS_DROP_UNSOLICITED, "MODIFYCHANNEL_RESPONSE");
}

/* docs/style.md §4: {type, handler, minimum length, name}; none of them may wait. */
struct msg_entry {
	void (*handler)(struct vmbus_conn *vc, const void *msg, uint32_t len);
	uint32_t min_len;
	const char *name;
};

static const struct msg_entry msg_table[VMBUS_MSG_COUNT] = {
	[VMBUS_MSG_OFFERCHANNEL] = { on_offer, sizeof(struct vmbus_msg_offer), "OFFERCHANNEL" },
	[VMBUS_MSG_RESCIND_CHANNELOFFER] = { on_rescind, sizeof(struct vmbus_msg_relid), "RESCIND" },
	[VMBUS_MSG_ALLOFFERS_DELIVERED] = { on_alloffers, sizeof(struct vmbus_msg_header), "ALLOFFERS_DELIVERED" },
	[VMBUS_MSG_OPENCHANNEL_RESULT] = { on_open_result, sizeof(struct vmbus_msg_open_result), "OPENCHANNEL_RESULT" },
	[VMBUS_MSG_GPADL_CREATED] = { on_gpadl_created, sizeof(struct vmbus_msg_gpadl_created), "GPADL_CREATED" },
	[VMBUS_MSG_GPADL_TORNDOWN] = { on_gpadl_torndown, sizeof(struct vmbus_msg_gpadl_torndown), "GPADL_TORNDOWN" },
	[VMBUS_MSG_VERSION_RESPONSE] = { on_version, sizeof(struct vmbus_msg_version_response), "VERSION_RESPONSE" },
	[VMBUS_MSG_UNLOAD_RESPONSE] = { on_unload_response, sizeof(struct vmbus_msg_header), "UNLOAD_RESPONSE" },
	[VMBUS_MSG_MODIFYCHANNEL_RESPONSE] = { on_modify_response, sizeof(struct vmbus_msg_modify_channel_response), "MODIFYCHANNEL_RESPONSE" },
};

/* Validate a private copy of one SynIC message and dispatch it (§7.1). */
static void msg_dispatch(struct vmbus_conn *vc, const struct hv_message *m)
{
	/* Aligned private buffer: handlers cast it to the wire structs. */
	union {
		uint8_t b[HV_MESSAGE_PAYLOAD_BYTES];
		uint64_t align;
	} buf;
	uint32_t len = m->header.payload_size, type;
	const struct msg_entry *e;

	if (m->header.message_type != HV_VMBUS_MESSAGE_TYPE) {
		vmbus_drop(vc, VMBUS_DROP_SYNIC, "SynIC message type 0x%x",
			   m->header.message_type);
		return;
	}
	if (len > HV_MESSAGE_PAYLOAD_BYTES || len < sizeof(struct vmbus_msg_header)) {
		vmbus_drop(vc, VMBUS_DROP_SIZE, "payload size %u", len);
		return;
	}
	memset(&buf, 0, sizeof(buf));
	memcpy(buf.b, m->payload, len);
	type = ((const struct vmbus_msg_header *)buf.b)->msgtype;
	e = type < VMBUS_MSG_COUNT ? &msg_table[type] : NULL;
	if (!e || !e->handler) {
		vmbus_drop(vc, VMBUS_DROP_TYPE, "message type %u", type);
		return;
	}
	if (len < e->min_len) {
		vmbus_drop(vc, VMBUS_DROP_SIZE, "%s of %u bytes (needs %u)", e->name, len,
			   e->min_len);
		return;
	}
	e->handler(vc, buf.b, len);
}

/*
 * Drain SIMP slot 2 (§2.3, §2.4): copy the whole slot, free it, full
 * barrier, EOM if another message is pending; then parse only the copy.
 */
void vmbus_msg_work(struct work *w)
{
	struct vmbus_conn *vc = wq_container_of(w, struct vmbus_conn, w_msg);
	struct hv_message *slot, copy;

	if (!vc->simp)
		return;
	slot = &vc->simp->sint_message[HV_VMBUS_SINT];
	/* The slot is 256-byte aligned: its type word is an aligned u32. */
	uint32_t *type = (uint32_t *)(void *)slot;
	volatile uint8_t *flags = (volatile uint8_t *)slot + 5;
	for (int n = 0; n < MSG_BUDGET; n++) {
		if (__atomic_load_n(type, __ATOMIC_ACQUIRE) == HVMSG_NONE)
			return;
		memcpy(&copy, slot, sizeof(copy));
		/* §2.4: free the slot, full barrier, then look at MessagePending. */
		__atomic_store_n(type, HVMSG_NONE, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (*flags & HV_MESSAGE_FLAG_PENDING)
			plat_wrmsr(HV_MSR_EOM, 0);
		vc->st.msgs++;
		if (copy.header.message_type == HVMSG_TIMER_EXPIRED)
			continue;       /* timers use their own path; just complete it */
		msg_dispatch(vc, &copy);
	}
	/* More may be waiting: let other queues run, then come back. */
	wq_queue(vc->q_msg, &vc->w_msg);
}

/* Words tested together in the scan below (HV_EVENT_FLAGS_BYTES / 8 is a multiple). */
#define EVENT_GROUP 8u
_Static_assert((HV_EVENT_FLAGS_BYTES / 8) % EVENT_GROUP == 0, "event flag groups");

/* Take word i of the event flags (atomic exchange with 0) and queue the
 * callback of every open channel whose relid bit was set (§2.5). */
static void events_take_word(struct vmbus_conn *vc, uint64_t *word, unsigned i)
{
	uint64_t bits = __atomic_exchange_n(word, 0, __ATOMIC_SEQ_CST);

	while (bits) {
		unsigned b = (unsigned)__builtin_ctzll(bits);
		uint32_t relid = i * 64 + b;
		struct vmbus_channel *c = relid ? vc->relid_map[relid] : NULL;

		bits &= bits - 1;
		if (!c)
			continue;       /* relid 0 or a channel already gone */
		c->n.interrupts++;
		if (c->state == CHAN_OPEN && c->cb)
			wq_queue(vc->q_event, &c->w_event);
	}
}

/*
 * Scan and clear the SINT2 event flags (§2.5): bit relid means the host
 * signalled that channel. Each word is taken with an atomic exchange.
 */
static void events_scan(struct vmbus_conn *vc)
{
	struct hv_synic_event_flags *f;

	if (!vc->siefp)
		return;
	f = &vc->siefp->sintevent_flags[HV_VMBUS_SINT];
	/* The bitmap is 256-byte aligned within the page: aligned u64 words. */
	uint64_t *words = (uint64_t *)(void *)f->flags;
	/* Mostly one bit is set: test a group of words at once (plain loads
	 * the compiler may combine; a stale 0 is impossible here since the
	 * host set the bit before the interrupt that led here), then take
	 * each non-zero word of the group atomically. */
	for (unsigned g = 0; g < HV_EVENT_FLAGS_BYTES / 8; g += EVENT_GROUP) {
		const uint64_t *grp = &words[g];
		uint64_t any = 0;

		for (unsigned i = 0; i < EVENT_GROUP; i++)
			any |= grp[i];
		if (!any)
			continue;
		for (unsigned i = g; i < g + EVENT_GROUP; i++)
			if (__atomic_load_n(&words[i], __ATOMIC_RELAXED))
				events_take_word(vc, &words[i], i);
	}
}

void vmbus_events_work(struct work *w)
{
	events_scan(wq_container_of(w, struct vmbus_conn, w_events));
}

/*
 * Interrupt context: never waits, only takes event flag words and queues
 * work (docs/architecture.md: acknowledge, record, queue). Messages are
 * handled by w_msg. Channel events need ordering against messages only:
 * an event must not be judged (channel open?) before an earlier message,
 * say OPENCHANNEL_RESULT, is dispatched. So when no message is waiting and
 * neither w_msg nor w_events is queued or running, every message so far is
 * dispatched and the scan runs right here, queueing the channel callbacks
 * (one work item per I/O instead of three: no w_msg, no w_events);
 * otherwise it goes behind w_msg on the ordered vmbus_msg queue as before.
 */
void vmbus_isr(void *arg)
{
	struct vmbus_conn *vc = arg;
	bool msg;

	if (vc != vmbus_conn)           /* after vmbus_fini: a stale registration */
		return;
	msg = msg_slot_busy(vc);
	if (msg)
		wq_queue(vc->q_msg, &vc->w_msg);
	if (msg || work_busy(&vc->w_msg) || work_busy(&vc->w_events))
		wq_queue(vc->q_msg, &vc->w_events);
	else
		events_scan(vc);
}
