/*
 * TEST-ONLY guest for keelsim ("guest test" in a scenario). It is not Keel's
 * VMBus core: it is the smallest client that exercises the simulated host on
 * its own -- SynIC setup, INITIATE_CONTACT with version fallback, REQUESTOFFERS,
 * GPADL, OPENCHANNEL, one echo round trip per channel, and the rescind path
 * (CLOSECHANNEL, GPADL_TEARDOWN, RELID_RELEASED) -- so the host and the
 * scheduler were proven before the real guest existed, and host-side
 * strictness can be tested with a guest that misbehaves on purpose
 * (guest-switch bad-*).
 *
 * It runs as one state machine; keelsim sees it as a single work queue that
 * is runnable when an interrupt or a retry left it something to do.
 * Follows docs/protocols/vmbus.md §2.1-§2.4, §4.2-§4.7, §5.
 */
#include <errno.h>
#include <string.h>

#include "hosted/hosted.h"
#include "include/hyperv/echo_wire.h"
#include "include/hyperv/hv_wire.h"
#include "kernel/platform.h"
#include "sim/sim.h"

#define TG_VECTOR   0x30
#define TG_MAXCH    256
#define TG_RING_PG  4            /* 1 control + 1 data page per ring */

enum tg_conn { TG_INIT, TG_CONTACT, TG_WAIT_VERSION, TG_WAIT_OFFERS, TG_UP, TG_FAILED };

enum tg_chan {
	TC_NONE, TC_OFFERED, TC_GPADL, TC_OPENING, TC_OPEN, TC_ECHO_SENT, TC_MODIFYING, TC_READY,
	TC_TEARDOWN, TC_RELEASED,
};

struct tg_ch {
	int state;
	struct vmbus_msg_offer offer;
	bool rescinded;
	void *ring;
	uint32_t gpadl;
	bool gpadl_created;
};

static struct {
	int conn;
	int vi;                           /* version index */
	uint32_t version, msg_conn;
	void *simp, *siefp, *hcall, *post, *mon;
	bool work;
	struct tg_ch ch[TG_MAXCH];
	uint8_t outbox[64][HV_MESSAGE_PAYLOAD_BYTES];
	uint32_t outlen[64];
	int outn;
	uint32_t next_gpadl;
	uint64_t dropped;
	bool bad_double_open, bad_no_release, bad_pfn, bad_len;
	bool bad_short, bad_split, bad_release, bad_conn, do_modify;
} tg;

static const uint32_t tg_versions[] = {
	VMBUS_VERSION_WIN10_V5_3, VMBUS_VERSION_WIN10_V5_2, VMBUS_VERSION_WIN10_V5_1,
	VMBUS_VERSION_WIN10_V5, VMBUS_VERSION_WIN10_V4_1, VMBUS_VERSION_WIN10,
	VMBUS_VERSION_WIN8_1,
};

static void tg_irq(void *arg)
{
	(void)arg;
	tg.work = true;
}

static void tg_queue(const void *m, uint32_t len)
{
	if (tg.outn >= 64)
		return;
	memcpy(tg.outbox[tg.outn], m, len);
	tg.outlen[tg.outn++] = len;
	tg.work = true;
}

/* Post the head of the outbox; returns the hypercall status. */
static uint16_t tg_post_one(uint32_t conn)
{
	struct hv_input_post_message *pm = tg.post;
	uint16_t st;

	memset(pm, 0, sizeof(*pm));
	pm->connection_id = conn;
	pm->message_type = HV_VMBUS_MESSAGE_TYPE;
	pm->payload_size = tg.outlen[0];
	memcpy(pm->payload, tg.outbox[0], tg.outlen[0]);
	st = (uint16_t)plat_hypercall(HVCALL_POST_MESSAGE, plat_ptr_to_gpa(pm), 0);
	if (st == HV_STATUS_SUCCESS) {
		memmove(tg.outbox, tg.outbox[1], (size_t)(tg.outn - 1) * sizeof(tg.outbox[0]));
		memmove(tg.outlen, tg.outlen + 1, (size_t)(tg.outn - 1) * sizeof(tg.outlen[0]));
		tg.outn--;
	}
	return st;
}

static void tg_contact(void)
{
	struct vmbus_msg_initiate_contact m;
	uint32_t v;
	uint16_t st;

	if (tg.vi >= (int)(sizeof(tg_versions) / sizeof(tg_versions[0]))) {
		tg.conn = TG_FAILED;
		return;
	}
	v = tg_versions[tg.vi];
	memset(&m, 0, sizeof(m));
	m.hdr.msgtype = VMBUS_MSG_INITIATE_CONTACT;
	m.version_requested = v;
	if (v >= VMBUS_VERSION_WIN10_V5)
		m.msg_sint = 2;
	m.monitor_page1 = plat_ptr_to_gpa(tg.mon);
	m.monitor_page2 = plat_ptr_to_gpa((char *)tg.mon + HV_PAGE_SIZE);
	tg.outn = 0;
	tg_queue(&m, sizeof(m));
	st = tg_post_one(v >= VMBUS_VERSION_WIN10_V5 ? 4 : 1);
	if (st == HV_STATUS_INVALID_CONNECTION_ID) {
		tg.vi++;                       /* old host: next version (§3.3) */
		tg.work = true;
		return;
	}
	if (st == HV_STATUS_SUCCESS)
		tg.conn = TG_WAIT_VERSION;
	else
		tg.work = true;                /* 0x13: retry */
}

static void tg_signal(struct tg_ch *c)
{
	plat_hypercall(HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST, c->offer.connection_id, 0);
}

static void tg_gpadl(struct tg_ch *c)
{
	uint8_t buf[HV_MESSAGE_PAYLOAD_BYTES];
	struct vmbus_msg_gpadl_header h;
	uint64_t base;

	c->ring = plat_page_alloc(TG_RING_PG);
	if (!c->ring)
		return;
	base = plat_ptr_to_gpa(c->ring) >> HV_PAGE_SHIFT;
	memset(&h, 0, sizeof(h));
	h.hdr.msgtype = VMBUS_MSG_GPADL_HEADER;
	h.child_relid = c->offer.child_relid;
	h.gpadl = c->gpadl = ++tg.next_gpadl + 0xE1E10;
	h.range_buflen = 8 + 8 * TG_RING_PG;
	h.rangecount = 1;
	h.range.byte_count = TG_RING_PG * HV_PAGE_SIZE;
	memcpy(buf, &h, sizeof(h));
	for (uint64_t i = 0; i < TG_RING_PG; i++) {
		uint64_t pfn = tg.bad_pfn ? 0xFFFFFFF0ull : base + i;

		memcpy(buf + sizeof(h) + 8 * i, &pfn, 8);
	}
	/* rings: feature bit 0 in both control pages (§5.1) */
	((struct vmbus_ring_control *)c->ring)->feature_bits = 1;
	((struct vmbus_ring_control *)((char *)c->ring + 2 * HV_PAGE_SIZE))->feature_bits = 1;
	tg_queue(buf, (uint32_t)sizeof(h) + 8 * TG_RING_PG);
	c->state = TC_GPADL;
}

static void tg_open(struct tg_ch *c)
{
	struct vmbus_msg_open_channel m;

	memset(&m, 0, sizeof(m));
	m.hdr.msgtype = VMBUS_MSG_OPENCHANNEL;
	m.child_relid = c->offer.child_relid;
	m.openid = c->offer.child_relid;
	m.ring_gpadl = c->gpadl;
	m.downstream_ring_pageoffset = tg.bad_split ? TG_RING_PG : 2;
	tg_queue(&m, tg.bad_short ? 20 : sizeof(m));
	if (tg.bad_double_open)
		tg_queue(&m, sizeof(m));
	c->state = TC_OPENING;
}

/* One in-band echo request with a completion (§5.3, echo_wire.h). */
static void tg_echo(struct tg_ch *c)
{
	struct vmbus_ring_control *out = c->ring;
	uint8_t *data = (uint8_t *)c->ring + HV_PAGE_SIZE;
	uint8_t pkt[64];
	struct vmbus_pkt_desc d = { .type = VMBUS_PKT_DATA_INBAND, .offset8 = 2, .len8 = 6,
				    .flags = 1, .trans_id = 1 };
	struct echo_msg_echo e = { .hdr.type = ECHO_MSG_ECHO, .len = 8, .seq = 7 };
	uint32_t w = out->write_index;
	uint64_t trailer = (uint64_t)w << 32;

	if (tg.bad_len)
		d.len8 = 200;
	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, &d, 16);
	memcpy(pkt + 16, &e, sizeof(e));
	memcpy(pkt + 32, "keelsim!", 8);
	memcpy(data + w, pkt, 48);
	memcpy(data + w + 48, &trailer, 8);
	out->write_index = w + 56;
	if (out->read_index == w && !out->interrupt_mask)
		tg_signal(c);
	c->state = TC_ECHO_SENT;
}

/* Echo verified: optionally MODIFYCHANNEL (§4.10), which answers from 5.3. */
static void tg_echo_done(struct tg_ch *c)
{
	if (tg.bad_release) {
		struct vmbus_msg_relid m = { .hdr.msgtype = VMBUS_MSG_RELID_RELEASED,
					     .child_relid = c->offer.child_relid };
		tg_queue(&m, sizeof(m));
	}
	if (tg.do_modify && tg.version >= VMBUS_VERSION_WIN10_V4_1) {
		struct vmbus_msg_modify_channel m = { .hdr.msgtype = VMBUS_MSG_MODIFYCHANNEL,
						      .child_relid = c->offer.child_relid };
		tg_queue(&m, sizeof(m));
		if (tg.version >= VMBUS_VERSION_WIN10_V5_3) {
			c->state = TC_MODIFYING;
			return;
		}
	}
	c->state = TC_READY;
}

static void tg_read_ring(struct tg_ch *c)
{
	struct vmbus_ring_control *in = (void *)((char *)c->ring + 2 * HV_PAGE_SIZE);
	uint8_t *data = (uint8_t *)in + HV_PAGE_SIZE;
	uint32_t r = in->read_index, w = in->write_index;

	while (r != w && w < HV_PAGE_SIZE) {
		struct vmbus_pkt_desc d;
		struct echo_msg_echo e;

		memcpy(&d, data + r, sizeof(d));
		if (d.len8 * 8u + 8 > HV_PAGE_SIZE)
			break;
		memcpy(&e, data + r + d.offset8 * 8u, sizeof(e));
		if (d.type == VMBUS_PKT_COMP && d.trans_id == 1 && e.hdr.type == ECHO_MSG_ECHO_COMPLETE &&
		    e.len == 8 && !memcmp(data + r + d.offset8 * 8u + 16, "keelsim!", 8) &&
		    c->state == TC_ECHO_SENT)
			tg_echo_done(c);
		r = (r + d.len8 * 8u + 8) % HV_PAGE_SIZE;
	}
	in->read_index = r;
}

static void tg_teardown(struct tg_ch *c)
{
	if (c->state >= TC_OPENING && c->state <= TC_READY) {
		struct vmbus_msg_relid m = { .hdr.msgtype = VMBUS_MSG_CLOSECHANNEL,
					     .child_relid = c->offer.child_relid };
		tg_queue(&m, sizeof(m));
	}
	if (c->gpadl_created) {
		struct vmbus_msg_gpadl_teardown t = { .hdr.msgtype = VMBUS_MSG_GPADL_TEARDOWN,
						      .child_relid = c->offer.child_relid,
						      .gpadl = c->gpadl };
		tg_queue(&t, sizeof(t));
		c->state = TC_TEARDOWN;
		return;
	}
	if (c->state == TC_GPADL)
		return;                        /* wait for the (failed) GPADL_CREATED */
	if (c->ring)
		plat_page_free(c->ring, TG_RING_PG);
	c->ring = NULL;
	if (!tg.bad_no_release) {
		struct vmbus_msg_relid m = { .hdr.msgtype = VMBUS_MSG_RELID_RELEASED,
					     .child_relid = c->offer.child_relid };
		tg_queue(&m, sizeof(m));
	}
	c->state = TC_RELEASED;
}

static struct tg_ch *tg_chan(uint32_t relid)
{
	return relid && relid < TG_MAXCH && tg.ch[relid].state != TC_NONE ? &tg.ch[relid] : NULL;
}

static void tg_message(const uint8_t *p, uint32_t size)
{
	uint32_t t, relid = 0;
	struct tg_ch *c;

	memcpy(&t, p, 4);
	if (size >= 12)
		memcpy(&relid, p + 8, 4);
	if (t == VMBUS_MSG_OFFERCHANNEL && size >= sizeof(struct vmbus_msg_offer))
		memcpy(&relid, p + offsetof(struct vmbus_msg_offer, child_relid), 4);
	switch (t) {
	case VMBUS_MSG_VERSION_RESPONSE: {
		struct vmbus_msg_version_response r;
		struct vmbus_msg_header ro = { .msgtype = VMBUS_MSG_REQUESTOFFERS };

		if (tg.conn != TG_WAIT_VERSION || size < sizeof(r))
			goto drop;
		memcpy(&r, p, sizeof(r));
		if (!r.version_supported) {
			tg.vi++;
			tg.conn = TG_CONTACT;
			return;
		}
		if (r.connection_state) {
			tg.conn = TG_FAILED;
			return;
		}
		tg.version = tg_versions[tg.vi];
		tg.msg_conn = tg.version >= VMBUS_VERSION_WIN10_V5 ? r.msg_conn_id : 1;
		tg.conn = TG_WAIT_OFFERS;
		tg_queue(&ro, sizeof(ro));
		return;
	}
	case VMBUS_MSG_OFFERCHANNEL:
		if (size < sizeof(struct vmbus_msg_offer) || relid == 0 || relid >= TG_MAXCH ||
		    (tg.ch[relid].state != TC_NONE && tg.ch[relid].state != TC_RELEASED))
			goto drop;
		memset(&tg.ch[relid], 0, sizeof(tg.ch[relid]));
		memcpy(&tg.ch[relid].offer, p, sizeof(tg.ch[relid].offer));
		tg.ch[relid].state = TC_OFFERED;
		tg_gpadl(&tg.ch[relid]);
		return;
	case VMBUS_MSG_ALLOFFERS_DELIVERED:
		tg.conn = TG_UP;
		return;
	case VMBUS_MSG_GPADL_CREATED: {
		struct vmbus_msg_gpadl_created g;

		if (size < sizeof(g) || !(c = tg_chan(relid)))
			goto drop;
		memcpy(&g, p, sizeof(g));
		if (g.gpadl != c->gpadl)
			goto drop;
		c->gpadl_created = g.creation_status == 0;
		if (c->rescinded) {
			c->state = TC_OFFERED;
			tg_teardown(c);
		} else if (c->gpadl_created) {
			tg_open(c);
		}
		return;
	}
	case VMBUS_MSG_OPENCHANNEL_RESULT: {
		struct vmbus_msg_open_result r;

		if (size < sizeof(r) || !(c = tg_chan(relid)) || c->state != TC_OPENING)
			goto drop;
		memcpy(&r, p, sizeof(r));
		if (r.status == 0) {
			c->state = TC_OPEN;
			tg_echo(c);
		}
		return;
	}
	case VMBUS_MSG_MODIFYCHANNEL_RESPONSE: {
		struct vmbus_msg_modify_channel_response r;

		if (size < sizeof(r) || !(c = tg_chan(relid)) || c->state != TC_MODIFYING)
			goto drop;
		memcpy(&r, p, sizeof(r));
		if (r.status == 0)
			c->state = TC_READY;
		return;
	}
	case VMBUS_MSG_RESCIND_CHANNELOFFER:
		if (!(c = tg_chan(relid)) || c->state == TC_RELEASED)
			goto drop;
		c->rescinded = true;
		tg_teardown(c);
		return;
	case VMBUS_MSG_GPADL_TORNDOWN:
		for (int i = 1; i < TG_MAXCH; i++)
			if (tg.ch[i].state == TC_TEARDOWN && tg.ch[i].gpadl == relid) {
				tg.ch[i].gpadl_created = false;
				tg_teardown(&tg.ch[i]);
				return;
			}
		goto drop;
	default:
		goto drop;
	}
drop:
	tg.dropped++;
}

static int tg_start(void)
{
	bool sw[9] = { tg.bad_double_open, tg.bad_no_release, tg.bad_pfn, tg.bad_len,
		       tg.bad_short, tg.bad_split, tg.bad_release, tg.bad_conn, tg.do_modify };

	memset(&tg, 0, sizeof(tg));
	tg.bad_double_open = sw[0];
	tg.bad_no_release = sw[1];
	tg.bad_pfn = sw[2];
	tg.bad_len = sw[3];
	tg.bad_short = sw[4];
	tg.bad_split = sw[5];
	tg.bad_release = sw[6];
	tg.bad_conn = sw[7];
	tg.do_modify = sw[8];
	tg.hcall = plat_page_alloc(1);
	tg.simp = plat_page_alloc(1);
	tg.siefp = plat_page_alloc(1);
	tg.post = plat_page_alloc(1);
	tg.mon = plat_page_alloc(2);
	if (!tg.hcall || !tg.simp || !tg.siefp || !tg.post || !tg.mon)
		return -ENOMEM;
	plat_irq_register(TG_VECTOR, tg_irq, NULL);
	plat_wrmsr(HV_MSR_GUEST_OS_ID, HV_GUEST_OS_ID_OPEN_SOURCE | (0x7Full << 56) | (1 << 16));
	plat_wrmsr(HV_MSR_HYPERCALL, plat_ptr_to_gpa(tg.hcall) | HV_HYPERCALL_ENABLE);
	plat_wrmsr(HV_MSR_SIMP, plat_ptr_to_gpa(tg.simp) | 1);
	plat_wrmsr(HV_MSR_SIEFP, plat_ptr_to_gpa(tg.siefp) | 1);
	plat_wrmsr(HV_MSR_SINT(2), TG_VECTOR);
	plat_wrmsr(HV_MSR_SCONTROL, 1);
	tg.conn = TG_CONTACT;
	tg.work = true;
	return 0;
}

static void tg_fini(void)
{
	for (int i = 0; i < TG_MAXCH; i++)
		if (tg.ch[i].ring)
			plat_page_free(tg.ch[i].ring, TG_RING_PG);
	plat_page_free(tg.hcall, 1);
	plat_page_free(tg.simp, 1);
	plat_page_free(tg.siefp, 1);
	plat_page_free(tg.post, 1);
	plat_page_free(tg.mon, 2);
	memset(&tg, 0, sizeof(tg));
}

static int tg_runnable(void **q, const char **names, int max)
{
	if (!tg.work || max < 1)
		return 0;
	q[0] = &tg;
	names[0] = "testguest";
	return 1;
}

/* One step: events, then the message slot, then one post. */
static void tg_run(void *q)
{
	struct hv_message *slot = (struct hv_message *)((char *)tg.simp + 2 * HV_MESSAGE_SLOT_SIZE);
	uint64_t *flags = (uint64_t *)((char *)tg.siefp + 2 * HV_EVENT_FLAGS_BYTES);

	(void)q;
	tg.work = false;
	for (int w = 0; w < TG_MAXCH / 64; w++) {
		uint64_t v = flags[w];

		flags[w] = 0;
		while (v) {
			struct tg_ch *c = tg_chan((uint32_t)(w * 64 + __builtin_ctzll(v)));

			v &= v - 1;
			if (c && c->ring && (c->state == TC_ECHO_SENT || c->state == TC_READY))
				tg_read_ring(c);
		}
	}
	if (slot->header.message_type != HVMSG_NONE) {
		struct hv_message m = *slot;     /* copy, then EOM protocol (§2.4) */

		slot->header.message_type = HVMSG_NONE;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (slot->header.message_flags & HV_MESSAGE_FLAG_PENDING)
			plat_wrmsr(HV_MSR_EOM, 0);
		if (m.header.payload_size <= HV_MESSAGE_PAYLOAD_BYTES)
			tg_message(m.payload, m.header.payload_size);
		tg.work = true;
	}
	if (tg.conn == TG_CONTACT) {
		tg_contact();
		return;
	}
	if (tg.outn) {
		uint16_t st = tg_post_one(tg.bad_conn ? 7 : tg.msg_conn ? tg.msg_conn : 1);

		if (st != HV_STATUS_SUCCESS && st != HV_STATUS_INSUFFICIENT_BUFFERS)
			tg.dropped++;
		tg.work = true;
	}
}

static int tg_list(struct sim_gdev *out, int max)
{
	int n = 0;

	for (int i = 1; i < TG_MAXCH; i++) {
		struct tg_ch *c = &tg.ch[i];

		if (c->state == TC_NONE || c->state == TC_RELEASED)
			continue;
		if (n < max) {
			out[n].instance = c->offer.if_instance;
			out[n].ready = c->state == TC_READY;
			out[n].state = "?";
			out[n].nsub = 0;
			out[n].relid = (uint32_t)i;
		}
		n++;
	}
	return n;
}

static uint64_t tg_dropped(void) { return tg.dropped; }
static uint32_t tg_version(void) { return tg.version; }

/* Deliberate misbehaviour, to prove the host catches it. */
static int tg_switch(const char *name)
{
	if (!strcmp(name, "bad-double-open"))
		tg.bad_double_open = true;
	else if (!strcmp(name, "bad-no-release"))
		tg.bad_no_release = true;
	else if (!strcmp(name, "bad-pfn"))
		tg.bad_pfn = true;
	else if (!strcmp(name, "bad-len"))
		tg.bad_len = true;
	else if (!strcmp(name, "bad-short"))
		tg.bad_short = true;
	else if (!strcmp(name, "bad-split"))
		tg.bad_split = true;
	else if (!strcmp(name, "bad-release"))
		tg.bad_release = true;
	else if (!strcmp(name, "bad-conn"))
		tg.bad_conn = true;
	else if (!strcmp(name, "modify"))
		tg.do_modify = true;
	else
		return -1;
	return 0;
}

const struct sim_guest_ops sim_guest_test = {
	.name = "test",
	.start = tg_start,
	.fini = tg_fini,
	.runnable = tg_runnable,
	.run = tg_run,
	.list = tg_list,
	.dropped = tg_dropped,
	.version = tg_version,
	.guest_switch = tg_switch,
};
