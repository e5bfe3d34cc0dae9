/*
 * Hypervisor bring-up for VMBus, through the platform seam only
 * (plat_cpuid/rdmsr/wrmsr/hypercall/page_alloc): detection, guest OS id,
 * hypercall page check, VP index, SynIC, reference TSC page; and the two
 * hypercalls VMBus needs, HvPostMessage (with bounded retry and backoff) and
 * HvSignalEvent.
 *
 * Follows docs/protocols/vmbus.md §1.1-1.6 and §2.1-2.7, docs/protocols/gen2-platform.md §2, §8 and §9
 * (the firmware leaves SynIC masked and hypercalls disabled at
 * ExitBootServices; a previous kernel may leave anything: we reprogram every
 * register we use with read-modify-write and never trust old pages).
 */
#include <errno.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/wq.h"
#include "vmbus/vmbus_priv.h"

/* Bit 63 open source, OS type 0x7F (not Linux/BSD/Xen/Illumos), version 1
 * (docs/protocols/vmbus.md §1.2 recommendation). */
#define KEEL_GUEST_OS_ID (HV_GUEST_OS_ID_OPEN_SOURCE | (0x7Full << HV_GUEST_OS_ID_TYPE_SHIFT) | \
			  (1ull << HV_GUEST_OS_ID_VERSION_SHIFT))

/* Each required feature, named in the refusal when it is missing. */
struct hv_feature {
	int reg;            /* 0 = EAX, 1 = EBX of 0x40000003 */
	uint32_t bit;
	const char *name;
};

static const struct hv_feature hv_required[] = {
	{ 0, HV_PRIV_HYPERCALL_MSRS, "hypercall MSRs (guest OS id, hypercall page)" },
	{ 0, HV_PRIV_VP_INDEX,       "VP index MSR" },
	{ 0, HV_PRIV_SYNIC_REGS,     "SynIC MSRs" },
	{ 1, HV_PRIV_EBX_POST_MESSAGES, "HvPostMessage right" },
	{ 1, HV_PRIV_EBX_SIGNAL_EVENTS, "HvSignalEvent right" },
};

static int hv_detect(struct vmbus_conn *vc)
{
	uint32_t r[4], feat[4];
	int missing = 0;

	plat_cpuid(1, 0, r);
	if (!(r[2] & HV_CPUID_FEATURES_HV_PRESENT_ECX)) {
		pr_err("vmbus: no hypervisor (CPUID.1:ECX[31] clear)\n");
		return -ENODEV;
	}
	plat_cpuid(HV_CPUID_VENDOR_AND_MAX, 0, r);
	if (r[1] != HV_CPUID_VENDOR_EBX || r[2] != HV_CPUID_VENDOR_ECX ||
	    r[3] != HV_CPUID_VENDOR_EDX) {
		char v[13];
		memcpy(v, &r[1], 4);
		memcpy(v + 4, &r[2], 4);
		memcpy(v + 8, &r[3], 4);
		v[12] = '\0';
		pr_err("vmbus: hypervisor vendor is '%s', not 'Microsoft Hv'\n", v);
		return -ENODEV;
	}
	if (r[0] < HV_CPUID_MIN_MAX_LEAF || r[0] > HV_CPUID_MAX_MAX_LEAF) {
		pr_err("vmbus: Hyper-V max leaf 0x%x out of range\n", r[0]);
		return -ENODEV;
	}
	plat_cpuid(HV_CPUID_INTERFACE, 0, r);
	if (r[0] != HV_CPUID_INTERFACE_HV1) {
		pr_err("vmbus: hypervisor interface 0x%08x is not 'Hv#1'\n", r[0]);
		return -ENODEV;
	}
	plat_cpuid(HV_CPUID_FEATURES, 0, feat);
	for (unsigned i = 0; i < sizeof(hv_required) / sizeof(hv_required[0]); i++) {
		if (!(feat[hv_required[i].reg] & hv_required[i].bit)) {
			pr_err("vmbus: Hyper-V feature missing: %s\n", hv_required[i].name);
			missing++;
		}
	}
	if (missing)
		return -ENODEV;
	vc->features = feat[0];
	plat_cpuid(HV_CPUID_ENLIGHTENMENT_INFO, 0, r);
	vc->auto_eoi = !(r[0] & HV_REC_DEPRECATE_AUTO_EOI);
	return 0;
}

/*
 * The hypercall page (§1.3). The seam may have set it up already (bare metal
 * maps it executable); if not, enable it on a page of our own. Either way,
 * read the MSR back and insist on the enable bit.
 */
static int hv_hypercall_page(struct vmbus_conn *vc)
{
	uint64_t v = plat_rdmsr(HV_MSR_HYPERCALL);

	if (!(v & HV_HYPERCALL_ENABLE)) {
		vc->hypercall_page = plat_page_alloc(1);
		if (!vc->hypercall_page)
			return -ENOMEM;
		v = (v & 0xFFEull & ~HV_HYPERCALL_LOCKED) |
		    plat_ptr_to_gpa(vc->hypercall_page) | HV_HYPERCALL_ENABLE;
		plat_wrmsr(HV_MSR_HYPERCALL, v);
		v = plat_rdmsr(HV_MSR_HYPERCALL);
	}
	if (!(v & HV_HYPERCALL_ENABLE)) {
		pr_err("vmbus: hypercall page did not enable (MSR 0x%llx)\n",
		       (unsigned long long)v);
		return -EIO;
	}
	return 0;
}

/* SIMP/SIEFP: keep reserved bits 11:1, set our page and enable (§2.1). */
static void hv_set_page_msr(uint32_t msr, void *page)
{
	uint64_t v = plat_rdmsr(msr);

	v = (v & 0xFFEull) | plat_ptr_to_gpa(page) | HV_SYNIC_PAGE_ENABLE;
	plat_wrmsr(msr, v);
}

static int hv_synic_init(struct vmbus_conn *vc)
{
	uint64_t sint;

	vc->simp = plat_page_alloc(1);
	vc->siefp = plat_page_alloc(1);
	if (!vc->simp || !vc->siefp)
		return -ENOMEM;
	/* Mask SINT2 while we rebuild (a previous owner may have left it live). */
	plat_wrmsr(HV_MSR_SINT(HV_VMBUS_SINT), HV_SINT_MASKED | VMBUS_IRQ_VECTOR);
	hv_set_page_msr(HV_MSR_SIMP, vc->simp);
	hv_set_page_msr(HV_MSR_SIEFP, vc->siefp);
	if (plat_irq_register(VMBUS_IRQ_VECTOR, vmbus_isr, vc)) {
		pr_err("vmbus: vector 0x%x is taken\n", VMBUS_IRQ_VECTOR);
		return -EBUSY;
	}
	sint = VMBUS_IRQ_VECTOR;
	if (vc->auto_eoi)
		sint |= HV_SINT_AUTO_EOI;
	plat_wrmsr(HV_MSR_SINT(HV_VMBUS_SINT), sint);
	plat_wrmsr(HV_MSR_SCONTROL, plat_rdmsr(HV_MSR_SCONTROL) | HV_SCONTROL_ENABLE);
	return 0;
}

int vmbus_hv_init(struct vmbus_conn *vc)
{
	uint64_t old;
	int err;

	err = hv_detect(vc);
	if (err)
		goto fail;
	old = plat_rdmsr(HV_MSR_GUEST_OS_ID);
	if (old == HV_GUEST_OS_ID_UEFI_FIRMWARE)
		pr_warn("vmbus: firmware guest OS id still set; taking over\n");
	plat_wrmsr(HV_MSR_GUEST_OS_ID, KEEL_GUEST_OS_ID);
	err = hv_hypercall_page(vc);
	if (err)
		goto fail;
	vc->vp_index = (uint32_t)plat_rdmsr(HV_MSR_VP_INDEX);
	vc->post_page = plat_page_alloc(1);
	vc->int_page = plat_page_alloc(1);
	vc->monitor1 = plat_page_alloc(1);
	vc->monitor2 = plat_page_alloc(1);
	if (!vc->post_page || !vc->int_page || !vc->monitor1 || !vc->monitor2) {
		err = -ENOMEM;
		goto fail;
	}
	/* The clock (reference TSC page) belongs to the platform seam:
	 * kernel/x86/platform_hv.c. */
	err = hv_synic_init(vc);
	if (err)
		goto fail;
	return 0;
fail:
	pr_err("vmbus: Hyper-V bring-up failed (%d)\n", err);
	return err;
}

static void hv_page_free(void **p)
{
	if (*p)
		plat_page_free(*p, 1);
	*p = NULL;
}

/* Undo what vmbus_hv_init did (§2.1 disable order). Safe on a partial init.
 * regs false: only free the pages (vmbus_fini: the host may be gone). */
void vmbus_hv_fini(struct vmbus_conn *vc, bool regs)
{
	if (regs && vc->simp) {
		plat_wrmsr(HV_MSR_SINT(HV_VMBUS_SINT), HV_SINT_MASKED | VMBUS_IRQ_VECTOR);
		plat_wrmsr(HV_MSR_SIMP, plat_rdmsr(HV_MSR_SIMP) & 0xFFEull);
		plat_wrmsr(HV_MSR_SIEFP, plat_rdmsr(HV_MSR_SIEFP) & 0xFFEull);
	}
	hv_page_free((void **)&vc->simp);
	hv_page_free((void **)&vc->siefp);
	hv_page_free(&vc->post_page);
	hv_page_free(&vc->int_page);
	hv_page_free(&vc->monitor1);
	hv_page_free(&vc->monitor2);
	/* The hypercall page stays enabled: the platform may still use it. */
	hv_page_free(&vc->hypercall_page);
}

/* Retry policy (§1.5): transient statuses back off from 10 us doubling to
 * 10 ms, at most 100 attempts (~0.7 s of waiting in total). */
#define POST_MAX_ATTEMPTS 100
#define POST_BACKOFF_MIN_NS (10ull * WQ_NS_PER_US)
#define POST_BACKOFF_MAX_NS (10ull * WQ_NS_PER_MS)

static bool post_transient(uint16_t st, bool initiate)
{
	switch (st) {
	case HV_STATUS_INSUFFICIENT_BUFFERS:
	case HV_STATUS_INSUFFICIENT_MEMORY:
	case HV_STATUS_TIME_OUT:
		return true;
	case HV_STATUS_INVALID_CONNECTION_ID:
		/* For INITIATE_CONTACT it means "old host": fall back at once. */
		return !initiate;
	default:
		return false;
	}
}

/*
 * May this message go out in the connection's state? Once vmbus_stop began
 * (CLOSING) only what closes channels and returns memory; once UNLOAD is
 * posted (UNLOADING, §4.9) nothing but UNLOAD. Checked before every attempt:
 * the state may change while a retry sleeps.
 */
static bool post_allowed(const struct vmbus_conn *vc, uint32_t msgtype)
{
	switch (vc->state) {
	case CONN_CLOSING:
		return msgtype == VMBUS_MSG_CLOSECHANNEL || msgtype == VMBUS_MSG_GPADL_TEARDOWN ||
		       msgtype == VMBUS_MSG_GPADL_BODY || msgtype == VMBUS_MSG_RELID_RELEASED ||
		       msgtype == VMBUS_MSG_UNLOAD;
	case CONN_UNLOADING:
	case CONN_UNLOADED:
		return msgtype == VMBUS_MSG_UNLOAD;
	default:
		return true;
	}
}

/*
 * Post one VMBus message (§1.5). The input block is refilled before every
 * attempt: another fiber may have posted while we slept. Returns 0,
 * -ENOTCONN (the connection's state forbids it, post_allowed),
 * -ECONNREFUSED (INVALID_CONNECTION_ID on an INITIATE_CONTACT), -EAGAIN
 * (still busy after all attempts) or -EIO.
 */
int vmbus_post_msg(struct vmbus_conn *vc, uint32_t conn_id, const void *msg,
		   uint32_t len, bool initiate)
{
	struct hv_input_post_message *in = vc->post_page;
	uint64_t delay = POST_BACKOFF_MIN_NS;
	uint16_t st = 0;

	if (len == 0 || len > HV_MESSAGE_PAYLOAD_BYTES || !in)
		return -EINVAL;
	for (int i = 0; i < POST_MAX_ATTEMPTS; i++) {
		if (!post_allowed(vc, ((const struct vmbus_msg_header *)msg)->msgtype))
			return -ENOTCONN;
		memset(in, 0, sizeof(*in));
		in->connection_id = conn_id & HV_CONNECTION_ID_MASK;
		in->message_type = HV_VMBUS_MESSAGE_TYPE;
		in->payload_size = len;
		memcpy(in->payload, msg, len);
		st = (uint16_t)(plat_hypercall(HVCALL_POST_MESSAGE, plat_ptr_to_gpa(in), 0) &
				HV_HYPERCALL_STATUS_MASK);
		if (st == HV_STATUS_SUCCESS)
			return 0;
		if (initiate && st == HV_STATUS_INVALID_CONNECTION_ID)
			return -ECONNREFUSED;
		if (!post_transient(st, initiate))
			break;
		vc->st.post_retries++;
		if (wq_in_work())
			wq_sleep(delay);
		if (delay < POST_BACKOFF_MAX_NS)
			delay *= 2;
	}
	pr_err("vmbus: HvPostMessage of type %u failed: status 0x%x\n",
	       ((const struct vmbus_msg_header *)msg)->msgtype, st);
	return post_transient(st, initiate) ? -EAGAIN : -EIO;
}

/* Post to the connection id the negotiation chose (§3.1). */
int vmbus_post(struct vmbus_conn *vc, const void *msg, uint32_t len)
{
	return vmbus_post_msg(vc, vc->msg_conn_id, msg, len, false);
}

/* HvSignalEvent as a fast call, flag 0 (§1.6). Linux ignores the status. */
void vmbus_signal_event(struct vmbus_conn *vc, uint32_t conn_id)
{
	/* After UNLOAD the host knows no channel: nothing to signal (§4.9). */
	if (vc->state != CONN_CONNECTED && vc->state != CONN_CLOSING)
		return;
	plat_hypercall(HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST,
		       conn_id & HV_CONNECTION_ID_MASK, 0);
}
