/*
 * The simulated hypervisor: the CPUID leaves Hyper-V reports, the synthetic
 * MSRs, and hypercall dispatch (HvCallPostMessage, HvCallSignalEvent) with
 * the real status codes.
 *
 * Follows docs/protocols/vmbus.md §1.1 (CPUID), §1.2-§1.3 (guest OS id, hypercall
 * page), §1.4-§1.7 (hypercall ABI and status codes), §1.8 (MSR map), §2.1,
 * §2.2, §2.6, §2.7 (SynIC MSRs, SINTs, timers, reference TSC) and §8.1.
 */
#include <string.h>

#include "host/host_priv.h"

/* ---- CPUID (§1.1) ---- */

struct cpuid_leaf {
	uint32_t leaf;
	uint32_t r[4];
};

static const struct cpuid_leaf cpuid_table[] = {
	{ HV_CPUID_VENDOR_AND_MAX, { HV_CPUID_ISOLATION_CONFIG, HV_CPUID_VENDOR_EBX,
				     HV_CPUID_VENDOR_ECX, HV_CPUID_VENDOR_EDX } },
	{ HV_CPUID_INTERFACE, { HV_CPUID_INTERFACE_HV1, 0, 0, 0 } },
	{ HV_CPUID_VERSION, { 20348, (10u << 16) | 0, 0, 0 } },
	{ HV_CPUID_FEATURES, {
		HV_PRIV_VP_RUNTIME | HV_PRIV_TIME_REF_COUNT | HV_PRIV_SYNIC_REGS |
		HV_PRIV_SYNTIMER_REGS | HV_PRIV_INTR_CTRL_REGS | HV_PRIV_HYPERCALL_MSRS |
		HV_PRIV_VP_INDEX | HV_PRIV_REFERENCE_TSC | HV_PRIV_FREQUENCY_REGS,
		HV_PRIV_EBX_POST_MESSAGES | HV_PRIV_EBX_SIGNAL_EVENTS,
		0,
		HV_FEAT_EDX_FREQUENCY_REGS | HV_FEAT_EDX_DIRECT_STIMERS } },
	{ HV_CPUID_ENLIGHTENMENT_INFO, { HV_REC_RELAXED_TIMING | HV_REC_DEPRECATE_AUTO_EOI,
					 0xFFFFFFFFu, 48, 0 } },
	{ HV_CPUID_IMPLEMENT_LIMITS, { 1, 1, 0, 0 } },
};

void host_cpuid(struct host *h, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	(void)h;
	(void)sub;
	memset(out, 0, 4 * sizeof(uint32_t));
	if (leaf == 0) {
		out[0] = 1;                      /* max basic leaf */
		return;
	}
	if (leaf == 1) {
		out[2] = HV_CPUID_FEATURES_HV_PRESENT_ECX;
		return;
	}
	for (size_t i = 0; i < sizeof(cpuid_table) / sizeof(cpuid_table[0]); i++) {
		if (cpuid_table[i].leaf == leaf) {
			memcpy(out, cpuid_table[i].r, sizeof(cpuid_table[i].r));
			return;
		}
	}
}

/* ---- MSRs (§1.8) ---- */

#define HV_TSC_FREQ  2000000000ull     /* the pretend TSC: 2 GHz */
#define HV_APIC_FREQ 200000000ull

void hv_reset(struct host *h)
{
	memset(&h->hv, 0, sizeof(h->hv));
	for (int i = 0; i < HV_SINT_COUNT; i++)
		h->hv.sint[i] = HV_SINT_MASKED;   /* reset value: masked (§2.2) */
}

/* A GPFN-holding MSR (SIMP, SIEFP, hypercall, reference TSC): page must be RAM. */
static bool hv_page_ok(struct host *h, uint64_t val, const char *what)
{
	if (!(val & 1))
		return true;
	if (!host_gmem(h, val & ~0xFFFull, HV_PAGE_SIZE)) {
		host_violate(h, 0, "%s enabled at GPA 0x%llx outside guest memory", what,
			     (unsigned long long)(val & ~0xFFFull));
		return false;
	}
	return true;
}

static void hv_write_reftsc(struct host *h)
{
	struct hv_reference_tsc_page *p;

	p = host_gmem(h, h->hv.reftsc & ~0xFFFull, sizeof(*p));
	if (!p)
		return;
	h->hv.reftsc_seq = h->hv.reftsc_seq + 1 ? h->hv.reftsc_seq + 1 : 1;
	/* scale = (10 MHz << 64) / TSC frequency (§2.7); never sequence 0 */
	p->tsc_scale = (uint64_t)(((unsigned __int128)HV_REFTIME_HZ << 64) / HV_TSC_FREQ);
	p->tsc_offset = 0;
	p->tsc_sequence = h->hv.reftsc_seq;
}

static void hv_write_hypercall_page(struct host *h)
{
	/* VMCALL; RET (§1.3: what OpenVMM's emulator writes on Intel). */
	static const uint8_t code[] = { 0x0F, 0x01, 0xC1, 0xC3 };
	uint8_t *p = host_gmem(h, h->hv.hypercall & ~0xFFFull, HV_PAGE_SIZE);

	if (p)
		memcpy(p, code, sizeof(code));
}

uint64_t host_rdmsr(struct host *h, uint32_t msr)
{
	if (msr >= HV_MSR_SINT0 && msr <= HV_MSR_SINT15)
		return h->hv.sint[msr - HV_MSR_SINT0];
	switch (msr) {
	case HV_MSR_GUEST_OS_ID:    return h->hv.guest_os_id;
	case HV_MSR_HYPERCALL:      return h->hv.hypercall;
	case HV_MSR_VP_INDEX:       return 0;
	case HV_MSR_VP_RUNTIME:     return host_now(h) / HV_REFTIME_NS_PER_TICK;
	case HV_MSR_TIME_REF_COUNT: return host_now(h) / HV_REFTIME_NS_PER_TICK;
	case HV_MSR_REFERENCE_TSC:  return h->hv.reftsc;
	case HV_MSR_TSC_FREQUENCY:  return HV_TSC_FREQ;
	case HV_MSR_APIC_FREQUENCY: return HV_APIC_FREQ;
	case HV_MSR_SCONTROL:       return h->hv.scontrol;
	case HV_MSR_SVERSION:       return HV_SYNIC_VERSION;
	case HV_MSR_SIEFP:          return h->hv.siefp;
	case HV_MSR_SIMP:           return h->hv.simp;
	case HV_MSR_STIMER0_CONFIG: return h->hv.stimer_config;
	case HV_MSR_STIMER0_COUNT:  return h->hv.stimer_count;
	default:
		host_violate(h, 0, "rdmsr of unimplemented MSR 0x%x (#GP on Hyper-V)", msr);
		return 0;
	}
}

static void hv_stimer_arm(struct host *h)
{
	uint64_t cfg = h->hv.stimer_config, cnt = h->hv.stimer_count;

	if (!(cfg & HV_STIMER_ENABLE) || cnt == 0)
		return;
	/* one-shot: absolute 100 ns reference time (§2.6) */
	host_timed_add(h, cnt * HV_REFTIME_NS_PER_TICK, HTE_STIMER, 0, NULL, 0);
}

void host_wrmsr(struct host *h, uint32_t msr, uint64_t val)
{
	if (msr >= HV_MSR_SINT0 && msr <= HV_MSR_SINT15) {
		if (!(val & HV_SINT_MASKED) && (val & HV_SINT_VECTOR_MASK) < HV_SINT_VECTOR_MIN)
			host_violate(h, 0, "SINT%u unmasked with vector %llu < 16",
				     msr - HV_MSR_SINT0,
				     (unsigned long long)(val & HV_SINT_VECTOR_MASK));
		h->hv.sint[msr - HV_MSR_SINT0] = val;
		return;
	}
	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
		h->hv.guest_os_id = val;
		if (val == 0)
			h->hv.hypercall &= ~HV_HYPERCALL_ENABLE;  /* §1.2 */
		break;
	case HV_MSR_HYPERCALL:
		if ((val & HV_HYPERCALL_ENABLE) && h->hv.guest_os_id == 0) {
			host_violate(h, 0, "hypercall page enabled before the guest OS id (§1.2)");
			break;
		}
		if (!hv_page_ok(h, val, "hypercall page"))
			break;
		h->hv.hypercall = val & ~HV_HYPERCALL_LOCKED;
		if (val & HV_HYPERCALL_ENABLE)
			hv_write_hypercall_page(h);
		break;
	case HV_MSR_SCONTROL:
		h->hv.scontrol = val;
		break;
	case HV_MSR_SIEFP:
		if (hv_page_ok(h, val, "SIEFP"))
			h->hv.siefp = val;
		break;
	case HV_MSR_SIMP:
		if (hv_page_ok(h, val, "SIMP"))
			h->hv.simp = val;
		break;
	case HV_MSR_EOM:
		synic_eom(h);
		break;
	case HV_MSR_REFERENCE_TSC:
		if (!hv_page_ok(h, val, "reference TSC page"))
			break;
		h->hv.reftsc = val;
		if (val & HV_REFTSC_ENABLE)
			hv_write_reftsc(h);
		break;
	case HV_MSR_STIMER0_CONFIG:
		h->hv.stimer_config = val;
		hv_stimer_arm(h);
		break;
	case HV_MSR_STIMER0_COUNT:
		h->hv.stimer_count = val;
		if (val && (h->hv.stimer_config & HV_STIMER_AUTO_ENABLE))
			h->hv.stimer_config |= HV_STIMER_ENABLE;   /* §8.10 */
		if (val == 0)
			h->hv.stimer_config &= ~HV_STIMER_ENABLE;
		hv_stimer_arm(h);
		break;
	case HV_MSR_VP_INDEX:
	case HV_MSR_SVERSION:
	case HV_MSR_TIME_REF_COUNT:
	case HV_MSR_TSC_FREQUENCY:
	case HV_MSR_APIC_FREQUENCY:
		host_violate(h, 0, "wrmsr to read-only MSR 0x%x", msr);
		break;
	default:
		host_violate(h, 0, "wrmsr of unimplemented MSR 0x%x (#GP on Hyper-V)", msr);
		break;
	}
}

/* ---- hypercalls (§1.4-§1.6) ---- */

static bool conn_known(struct host *h, uint32_t conn)
{
	bool v5 = false;

	for (int i = 0; i < h->prof.nversions; i++)
		if (h->prof.versions[i] >= VMBUS_VERSION_WIN10_V5)
			v5 = true;
	if (conn == VMBUS_MESSAGE_CONNECTION_ID)
		return true;
	if (conn == VMBUS_MESSAGE_CONNECTION_ID_4 && v5)
		return true;
	return h->conn == HCONN_CONNECTED && h->version >= VMBUS_VERSION_WIN10_V5 &&
	       conn == h->prof.msg_conn_id;
}

static uint16_t hv_post_message(struct host *h, uint64_t in)
{
	const struct hv_input_post_message *pm;
	uint32_t conn, msgtype = 0;

	if (in & 7)
		return HV_STATUS_INVALID_ALIGNMENT;
	if ((in & 0xFFF) + sizeof(*pm) > HV_PAGE_SIZE)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;   /* crosses a page */
	pm = host_gmem(h, in, sizeof(*pm));
	if (!pm) {
		host_violate(h, 0, "PostMessage input at GPA 0x%llx outside guest memory",
			     (unsigned long long)in);
		return HV_STATUS_INVALID_PARAMETER;
	}
	conn = pm->connection_id;
	if (pm->payload_size == 0 || pm->payload_size > HV_MESSAGE_PAYLOAD_BYTES) {
		host_violate(h, 0, "PostMessage payload size %u (must be 1..240)",
			     pm->payload_size);
		return HV_STATUS_INVALID_PARAMETER;
	}
	if (pm->message_type != HV_VMBUS_MESSAGE_TYPE || pm->reserved != 0 ||
	    (conn & ~HV_CONNECTION_ID_MASK)) {
		host_violate(h, 0, "PostMessage with message type %u, reserved %u, conn 0x%x",
			     pm->message_type, pm->reserved, conn);
		return HV_STATUS_INVALID_PARAMETER;
	}
	if (pm->payload_size >= 4)
		memcpy(&msgtype, pm->payload, 4);
	if (!conn_known(h, conn)) {
		/* A ≤ 4.x host refuses INITIATE_CONTACT on 4 this way (§3.3): legal probe. */
		if (!(msgtype == VMBUS_MSG_INITIATE_CONTACT &&
		      conn == VMBUS_MESSAGE_CONNECTION_ID_4))
			host_violate(h, 0, "%s posted to unknown connection id %u",
				     host_msgtype_name(msgtype), conn);
		return HV_STATUS_INVALID_CONNECTION_ID;
	}
	if (h->ibuf_left) {
		h->ibuf_left--;
		return HV_STATUS_INSUFFICIENT_BUFFERS;
	}
	if (h->post_fail_pm && h->env.rand && h->env.rand(h->env.ctx) % 1000 < h->post_fail_pm)
		return HV_STATUS_INSUFFICIENT_BUFFERS;
	if (h->port.count >= h->prof.port_queue_depth)
		return HV_STATUS_INSUFFICIENT_BUFFERS;     /* §1.5: queue full */
	if (msgq_push(&h->port, pm->payload, pm->payload_size, conn) < 0)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	return HV_STATUS_SUCCESS;
}

static void scan_interrupt_page(struct host *h)
{
	/* < 2.4 or non-dedicated: guest->host half of the interrupt page (§2.5, §5.5) */
	uint64_t *bits;

	if (!h->interrupt_page)
		return;
	bits = host_gmem(h, h->interrupt_page + 2048, 2048);
	if (!bits)
		return;
	for (uint32_t w = 0; w < HOST_MAX_RELID / 64; w++) {
		uint64_t v = bits[w];

		bits[w] = 0;
		while (v) {
			uint32_t relid = w * 64 + (uint32_t)__builtin_ctzll(v);
			struct host_chan *c = vmbus_host_chan(h, relid);

			v &= v - 1;
			if (c && (c->state == HCS_OPEN))
				c->kicked = true;
		}
	}
}

static uint16_t hv_signal_event(struct host *h, uint64_t control, uint64_t in)
{
	struct hv_input_signal_event se;
	struct host_chan *c;
	uint32_t relid;

	if (control & HV_HYPERCALL_FAST) {
		se.connection_id = (uint32_t)in;
		se.flag_number = (uint16_t)(in >> 32);
		se.reserved = (uint16_t)(in >> 48);
	} else {
		const void *p;

		if (in & 7)
			return HV_STATUS_INVALID_ALIGNMENT;
		p = host_gmem(h, in, sizeof(se));
		if (!p) {
			host_violate(h, 0, "SignalEvent input outside guest memory");
			return HV_STATUS_INVALID_PARAMETER;
		}
		memcpy(&se, p, sizeof(se));
	}
	if (se.flag_number != 0 || se.reserved != 0) {
		host_violate(h, 0, "SignalEvent flag %u reserved %u (VMBus uses flag 0)",
			     se.flag_number, se.reserved);
		return HV_STATUS_INVALID_PARAMETER;
	}
	if (se.connection_id == VMBUS_EVENT_CONNECTION_ID) {
		scan_interrupt_page(h);
		return HV_STATUS_SUCCESS;
	}
	relid = se.connection_id & ~h->prof.conn_id_base;
	c = (se.connection_id & h->prof.conn_id_base) ? vmbus_host_chan(h, relid) : NULL;
	if (!c || c->state == HCS_UNOFFERED) {
		host_violate(h, relid, "SignalEvent on unknown connection id 0x%x",
			     se.connection_id);
		return HV_STATUS_INVALID_CONNECTION_ID;
	}
	host_trace(h, HT_SIGNAL_HOST, relid, 0, 0);
	if (c->state == HCS_OPEN)
		c->kicked = true;
	if (h->prof.host_masks_interrupts)
		c->masked_signals++;            /* legal, but the guest ignored our mask */
	return HV_STATUS_SUCCESS;
}

uint64_t host_hypercall(struct host *h, uint64_t control, uint64_t in, uint64_t out)
{
	uint16_t code = control & HV_HYPERCALL_CODE_MASK;
	uint16_t st;

	(void)out;
	if (!(h->hv.hypercall & HV_HYPERCALL_ENABLE) || h->hv.guest_os_id == 0) {
		host_violate(h, 0, "hypercall 0x%x without an enabled hypercall page", code);
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	}
	if (control & (HV_HYPERCALL_RSVD_MASK | HV_HYPERCALL_VARHEAD_MASK |
		       HV_HYPERCALL_REP_COUNT_MASK | HV_HYPERCALL_REP_START_MASK |
		       HV_HYPERCALL_NESTED))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	switch (code) {
	case HVCALL_POST_MESSAGE:
		st = (control & HV_HYPERCALL_FAST) ? HV_STATUS_INVALID_HYPERCALL_INPUT
						   : hv_post_message(h, in);
		break;
	case HVCALL_SIGNAL_EVENT:
		st = hv_signal_event(h, control, in);
		break;
	default:
		st = HV_STATUS_INVALID_HYPERCALL_CODE;
		break;
	}
	if (st != HV_STATUS_SUCCESS)
		host_trace(h, HT_HCALL_FAIL, code, st, 0);
	return st;
}
