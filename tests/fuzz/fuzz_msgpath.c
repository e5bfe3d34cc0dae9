/*
 * Fuzz target "msgpath": the whole message path. The real guest starts at
 * vmbus_start() against the simulated host (host/), which answers
 * correctly; the input decides the interleaving (like one keelsim seed)
 * and what goes wrong between host and guest: a message the host delivered
 * is tampered with, dropped, duplicated or held back and delivered late,
 * and unsolicited messages are injected (a sub-channel offer for a device
 * whose primary is still opening, a replayed offer or result, a rescind).
 * A crash, sanitizer report or guest panic is a finding; host-side
 * protocol complaints are not (the guest reacts to a tampered host). One
 * more finding: a run in which the host did nothing a real host may not
 * (only the interleaving and unasked sub-channel offers came from the
 * input) comes to rest with a device that has a driver not ready.
 *
 * Input: byte 0 picks the setup
 *   bits 0-1  host profile: ws2022, netvsp, openvmm, hostile
 *   bit 2     the echo driver asks for 2 sub-channels
 *   bit 3     a storage device besides the echo device
 *   bit 4     a network device (its interface is sim/netdev_sim.c's)
 *   bit 5     the heartbeat, shutdown, timesync and KVP ICs
 * then bytes are taken as needed:
 *   each step   one byte picks what runs next among what can run (host
 *               work, interrupt delivery, a due guest timer, a runnable
 *               guest queue, an injection when the SynIC slot is free)
 *   after the host wrote a message into the SynIC slot, one byte says
 *               what happens to it: < 160 nothing; else (byte % 8)
 *               0 lost, 1 one byte changed, 2 duplicated later, 3 held
 *               back and delivered later, 4 the host offers 1 or 2
 *               sub-channels of a device nobody asked for (at once, so
 *               possibly while its primary is opening), 5 an earlier
 *               message again, 6 a message of any type, 7 a rescind of the
 *               last primary offered or a made-up sub-channel offer of it
 * When the input ends, the run goes on with choices from a generator
 * seeded by the input, until nothing can run or 30 s of virtual time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/device.h"
#include "host/host_priv.h"
#include "hosted/hosted.h"
#include "kernel/log.h"
#include "kernel/wq.h"
#include "tests/fuzz/fuzz_guest.h"
#include "vmbus/vmbus_priv.h"

#define MAX_STEPS  40000
#define UNTIL_NS   (30ull * WQ_NS_PER_S)
#define MAX_CAND   160
#define HIST       16
#define PENDING    8

static const char *const profiles[4] = { "ws2022", "netvsp", "openvmm", "hostile" };

/* ---- the input, then a generator seeded by it ---- */

static const uint8_t *in_d;
static size_t in_n, in_off;
static uint64_t rng;

static uint8_t gen_u8(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint8_t)(rng >> 24);
}

static uint8_t in_u8(void)
{
	return in_off < in_n ? in_d[in_off++] : gen_u8();
}

/* After the input: no more faults, only choices of what runs. */
static bool in_done(void) { return in_off >= in_n; }

/* ---- messages seen and messages to inject ---- */

struct fz_msg {
	uint8_t size;
	uint8_t b[HV_MESSAGE_PAYLOAD_BYTES];
};

static uint32_t msg_type_of(const struct fz_msg *m)
{
	uint32_t t;

	memcpy(&t, m->b, 4);
	return t;
}

static struct {
	struct host *h;
	struct fz_msg hist[HIST];
	int nhist;
	struct fz_msg offer;            /* the last primary offer delivered */
	bool have_offer;
	struct fz_msg pend[PENDING];
	int npend;
	bool illegal;                   /* a fault no real host commits was applied */
} F;

static bool fz_log;

static void note(const char *what, const struct fz_msg *m)
{
	uint32_t relid = 0;

	if (!fz_log)
		return;
	memcpy(&relid, m->b + 8, 4);
	fprintf(stderr, "msgpath: %s: type %u, %u bytes, word@8 %u, at %llu ns\n", what,
		msg_type_of(m), m->size, relid, (unsigned long long)hosted_now_ns());
}

static struct hv_message *slot(void)
{
	if (!vmbus_conn || !vmbus_conn->simp)
		return NULL;
	return &vmbus_conn->simp->sint_message[HV_VMBUS_SINT];
}

static void pend_push(const struct fz_msg *m)
{
	if (F.npend < PENDING) {
		F.pend[F.npend++] = *m;
		note("held for injection", m);
	}
}

/* The guest lost a message: empty the slot; if the host has more queued
 * it waits for the EOM the guest would have written. */
static void slot_drop(struct hv_message *s)
{
	bool pending = s->header.message_flags & HV_MESSAGE_FLAG_PENDING;

	s->header.message_type = HVMSG_NONE;
	if (pending)
		host_wrmsr(F.h, HV_MSR_EOM, 0);
}

/* A message made up from an earlier one or from the input. */
static void make_unsolicited(uint8_t op)
{
	struct fz_msg m;
	uint32_t v;

	memset(&m, 0, sizeof(m));
	switch (op % 8) {
	case 4:                 /* a made-up sub-channel offer of the last primary */
		if (!F.have_offer)
			return;
		m = F.offer;
		v = 1u + in_u8() % 4;
		memcpy(m.b + offsetof(struct vmbus_msg_offer, sub_channel_index), &v, 2);
		v = 40u + in_u8() % 60;
		memcpy(m.b + offsetof(struct vmbus_msg_offer, child_relid), &v, 4);
		memcpy(m.b + offsetof(struct vmbus_msg_offer, connection_id), &v, 4);
		break;
	case 5:                 /* an earlier message again */
		if (!F.nhist)
			return;
		m = F.hist[in_u8() % F.nhist];
		break;
	case 6:                 /* any type, relid of the last offer, input bytes */
		v = in_u8() % VMBUS_MSG_COUNT;
		memcpy(m.b, &v, 4);
		if (F.have_offer)
			memcpy(m.b + 8, F.offer.b + offsetof(struct vmbus_msg_offer, child_relid), 4);
		for (int i = 12; i < 24; i++)
			m.b[i] = in_u8();
		m.size = (uint8_t)(8 + in_u8() % (HV_MESSAGE_PAYLOAD_BYTES - 8));
		break;
	case 7:                 /* rescind of an offered relid, or a made-up sub-channel */
		if (!F.have_offer)
			return;
		if (in_u8() & 1) {
			make_unsolicited(4);
			return;
		}
		v = VMBUS_MSG_RESCIND_CHANNELOFFER;
		memcpy(m.b, &v, 4);
		memcpy(m.b + 8, F.offer.b + offsetof(struct vmbus_msg_offer, child_relid), 4);
		m.size = sizeof(struct vmbus_msg_relid);
		break;
	}
	pend_push(&m);
}

/* The host offers sub-channels nobody asked for, now (a host may offer
 * them with the primary, before the guest opened it). */
static void host_offers_unasked(void)
{
	int dev = in_u8() % host_device_count(F.h);

	if (fz_log)
		fprintf(stderr, "msgpath: host offers sub-channels of device %d unasked\n", dev);
	(void)host_dev_offer_subchannels(F.h->devs[dev], 1 + in_u8() % 2);
}

/* The host just wrote a message into the slot: remember it, maybe spoil it. */
static void after_delivery(void)
{
	struct hv_message *s = slot();
	struct fz_msg m;
	uint8_t op;

	if (!s || s->header.message_type != HV_VMBUS_MESSAGE_TYPE)
		return;
	m.size = s->header.payload_size <= HV_MESSAGE_PAYLOAD_BYTES ? s->header.payload_size
								     : HV_MESSAGE_PAYLOAD_BYTES;
	memcpy(m.b, s->payload, sizeof(m.b));
	F.hist[F.nhist < HIST ? F.nhist++ : in_u8() % HIST] = m;
	if (msg_type_of(&m) == VMBUS_MSG_OFFERCHANNEL && m.b[180] == 0 && m.b[181] == 0) {
		F.offer = m;
		F.have_offer = true;
	}
	if (in_done() || (op = in_u8()) < 160)
		return;
	if (fz_log)
		fprintf(stderr, "msgpath: fault %u on the message below\n", op % 8);
	if (op % 8 != 4)
		F.illegal = true;
	note("delivered", &m);
	switch (op % 8) {
	case 0:
		slot_drop(s);
		break;
	case 1:
		if (m.size)
			s->payload[in_u8() % m.size] ^= (uint8_t)(in_u8() | 1);
		break;
	case 2:
		pend_push(&m);
		break;
	case 3:
		pend_push(&m);
		slot_drop(s);
		break;
	case 4:
		host_offers_unasked();
		break;
	default:
		make_unsolicited(op);
		break;
	}
}

/* Deliver the oldest held-back or made-up message into the empty slot. */
static void inject(void)
{
	struct hv_message *s = slot();
	struct fz_msg m = F.pend[0];

	memmove(&F.pend[0], &F.pend[1], (size_t)(F.npend - 1) * sizeof(F.pend[0]));
	F.npend--;
	if (!s || s->header.message_type != HVMSG_NONE)
		return;
	note("injected", &m);
	memcpy(s->payload, m.b, sizeof(m.b));
	s->header.payload_size = m.size;
	s->header.message_flags = 0;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	s->header.message_type = HV_VMBUS_MESSAGE_TYPE;
	hosted_raise_irq(VMBUS_IRQ_VECTOR);
}

/* ---- the scheduler: what can run now, and one of it ---- */

enum cand_kind { C_HOST, C_IRQ, C_TIMER, C_GUEST, C_INJECT };

struct cand {
	enum cand_kind kind;
	struct host_work hw;
	struct wq *q;
};

static int collect(struct cand *c)
{
	struct host_work hw[64];
	struct wq *qs[64];
	struct hv_message *s = slot();
	int n = 0, k;

	k = host_ready(F.h, hw, 64);
	for (int i = 0; i < k && i < 64; i++)
		c[n++] = (struct cand){ .kind = C_HOST, .hw = hw[i] };
	if (hosted_irq_pending())
		c[n++] = (struct cand){ .kind = C_IRQ };
	if (hosted_timer_deadline() && hosted_timer_deadline() <= hosted_now_ns())
		c[n++] = (struct cand){ .kind = C_TIMER };
	k = wq_runnable(qs, 64);
	for (int i = 0; i < k && i < 64; i++)
		c[n++] = (struct cand){ .kind = C_GUEST, .q = qs[i] };
	if (F.npend && s && s->header.message_type == HVMSG_NONE)
		c[n++] = (struct cand){ .kind = C_INJECT };
	return n;
}

static void run_cand(const struct cand *c)
{
	switch (c->kind) {
	case C_HOST:
		host_run(F.h, &c->hw);
		if (c->hw.kind == HW_DELIVER)
			after_delivery();
		break;
	case C_IRQ:
		hosted_deliver_irqs();
		break;
	case C_TIMER:
		hosted_fire_timer();
		break;
	case C_GUEST:
		wq_run_once(c->q);
		break;
	case C_INJECT:
		inject();
		break;
	}
}

/* Nothing can run: move time to the next host event or guest timer. */
static bool advance(void)
{
	uint64_t a = host_next_deadline(F.h), b = hosted_timer_deadline(), t;

	t = a && (!b || a < b) ? a : b;
	if (!t || t > UNTIL_NS)
		return false;
	if (t > hosted_now_ns())
		hosted_set_now_ns(t);
	return true;
}

/* Returns true when the run came to rest (nothing left to do). */
static bool run(void)
{
	static struct cand c[MAX_CAND];

	for (int step = 0; step < MAX_STEPS; step++) {
		int n = collect(c);

		if (n == 0) {
			if (!advance())
				return host_next_deadline(F.h) == 0 && hosted_timer_deadline() == 0;
			continue;
		}
		run_cand(&c[in_u8() % n]);
		/* a sliver of time per step, as keelsim's step cost */
		hosted_set_now_ns(hosted_now_ns() + (gen_u8() & 7) * 1000);
	}
	return false;
}

/*
 * The oracle beyond crashes: against a host that did nothing a real host
 * may not do (only unasked sub-channel offers and the interleaving came
 * from the input), every device that has a driver comes up.
 */
static void check_legal_run(bool rest)
{
	if (F.illegal || !rest || vmbus_all_ready())
		return;
	fprintf(stderr, "msgpath: a device with a driver is not ready at rest although the "
		"host did nothing illegal\n");
	vmbus_lsvmbus();
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static bool inited;
	struct fz_setup s = { .echo = true };
	bool rest;

	if (!inited) {
		/* FUZZ_LOG=1: the guest's log on stderr, to see what an input does */
		fz_log = getenv("FUZZ_LOG") != NULL;
		hosted_log_set_echo(fz_log);
		log_set_level(getenv("FUZZ_LOG") ? LOG_DEBUG : LOG_ERR);
		inited = true;
	}
	if (n < 1)
		return 0;
	s.profile = profiles[d[0] & 3];
	s.echo_subchannels = d[0] & 4 ? 2 : 0;
	s.storage = d[0] & 8;
	s.network = d[0] & 16;
	s.ic = d[0] & 32;
	memset(&F, 0, sizeof(F));
	F.h = fz_guest_start(&s);
	if (!F.h)
		return 0;
	in_d = d;
	in_n = n;
	in_off = 1;
	rng = 0x9E3779B97F4A7C15ull ^ n;
	for (size_t i = 0; i < n; i++)
		rng = (rng ^ d[i]) * 0x100000001B3ull;
	if (!rng)
		rng = 1;
	rest = run();
	if (fz_log && host_violation(F.h))
		fprintf(stderr, "msgpath: host saw a violation: %s\n", host_violation(F.h));
	check_legal_run(rest);
	fz_guest_stop();
	return 0;
}
