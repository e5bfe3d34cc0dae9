/*
 * Fuzz target "vmbus_msg": the VMBus message loop (vmbus/msg.c) and every
 * handler behind it (connection, channel, GPADL, device and driver code),
 * fed only by the input. The guest runs for real (tests/fuzz/fuzz_guest.h);
 * the host library plays the hypervisor (CPUID, MSRs, hypercalls) and takes
 * the guest's posts, but never answers: every SynIC message in the SINT2
 * slot comes from the input (Hyper-V TLFS "SynIC message slots"; the
 * checks Linux makes in vmbus_on_msg_dpc).
 *
 * Input: byte 0 picks the devices (bit 0: a storage device too), then
 * records until the input ends:
 *   u8 ctl   bits 0-1: before delivering, 0 nothing, 1 run the guest,
 *                      2 let 50 ms pass, 3 let 1 s pass (timeouts fire)
 *            bit 2: the header's payload_size is the next byte (may lie)
 *            bit 3: the SynIC message type is the next byte (not VMBus)
 *            bit 4: MessagePending set in the slot
 *   u8 len   payload bytes that follow (at most 240)
 *   payload  the VMBus message (header msgtype first)
 * A message is written only into an empty slot (the SynIC rule); if the
 * guest has not emptied it after running, the record is dropped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hosted/hosted.h"
#include "kernel/log.h"
#include "tests/fuzz/fuzz_guest.h"
#include "vmbus/vmbus_priv.h"

static const uint8_t *in_d;
static size_t in_n, in_off;

static uint8_t in_u8(void) { return in_off < in_n ? in_d[in_off++] : 0; }

static struct host *host;

/* The host consumes what the guest posted (its answers are never delivered). */
static void host_take_posts(void)
{
	struct host_work w[64];

	for (int guard = 0; guard < 64; guard++) {
		int n = host_ready(host, w, 64), ran = 0;

		for (int i = 0; i < n; i++)
			if (w[i].kind == HW_GUEST_MSG) {
				host_run(host, &w[i]);
				ran++;
				break;
			}
		if (!ran)
			return;
	}
}

static void settle(void)
{
	fz_guest_run_idle();
	host_take_posts();
	fz_guest_run_idle();
}

static struct hv_message *slot(void)
{
	if (!vmbus_conn || !vmbus_conn->simp)
		return NULL;
	return &vmbus_conn->simp->sint_message[HV_VMBUS_SINT];
}

static void deliver_record(void)
{
	uint8_t ctl = in_u8(), len = in_u8();
	struct hv_message m, *s;

	memset(&m, 0, sizeof(m));
	m.header.message_type = HV_VMBUS_MESSAGE_TYPE;
	if (len > HV_MESSAGE_PAYLOAD_BYTES)
		len = HV_MESSAGE_PAYLOAD_BYTES;
	m.header.payload_size = len;
	if (ctl & 4)
		m.header.payload_size = in_u8();
	if (ctl & 8)
		m.header.message_type = in_u8();
	if (ctl & 16)
		m.header.message_flags = HV_MESSAGE_FLAG_PENDING;
	for (uint32_t i = 0; i < len; i++)
		m.payload[i] = in_u8();
	switch (ctl & 3) {
	case 1: settle(); break;
	case 2: fz_guest_advance(50ull * WQ_NS_PER_MS); host_take_posts(); break;
	case 3: fz_guest_advance(1000ull * WQ_NS_PER_MS); host_take_posts(); break;
	}
	s = slot();
	if (!s)
		return;         /* SynIC not set up (yet, or any more) */
	if (s->header.message_type != HVMSG_NONE)
		settle();
	if (s != slot() || s->header.message_type != HVMSG_NONE)
		return;
	/* payload first, type last: the guest looks at the type first */
	memcpy(s->payload, m.payload, sizeof(m.payload));
	s->header.payload_size = m.header.payload_size;
	s->header.message_flags = m.header.message_flags;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	s->header.message_type = m.header.message_type;
	hosted_raise_irq(VMBUS_IRQ_VECTOR);
	settle();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static bool inited;
	struct fz_setup s = { .profile = "ws2022", .echo = true };

	if (!inited) {
		/* FUZZ_LOG=1: the guest's log on stderr, to see what an input does */
		hosted_log_set_echo(getenv("FUZZ_LOG") != NULL);
		log_set_level(getenv("FUZZ_LOG") ? LOG_DEBUG : LOG_ERR);
		inited = true;
	}
	if (n < 1)
		return 0;
	s.storage = d[0] & 1;
	host = fz_guest_start(&s);
	if (!host)
		return 0;
	in_d = d;
	in_n = n;
	in_off = 1;
	settle();
	while (in_off < in_n)
		deliver_record();
	fz_guest_advance(10ull * WQ_NS_PER_S);
	fz_guest_stop();
	return 0;
}
