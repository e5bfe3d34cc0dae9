/*
 * The keel-host platform (kernel/platform.h, third implementation): Keel in
 * QEMU, served by the keel-host process through an ivshmem-doorbell device
 * and guest RAM shared as a file (docs/protocols/keelhost-transport.md; wire
 * format and protocol: include/keelhost/mailbox.h).
 *
 *   guest -> host  CPUID (hypervisor leaves), synthetic MSRs and hypercalls
 *                  become mailbox requests in the device's shared-memory BAR
 *                  plus a doorbell write; the guest polls for the answer
 *                  with interrupts masked and a timeout (one request in
 *                  flight, so an interrupt handler's EOM write cannot
 *                  overwrite a work item's request).
 *   host -> guest  SynIC interrupts: keel-host sets the vector's bit in the
 *                  mailbox and kicks MSI-X entry 0 (vector KH_GUEST_VECTOR);
 *                  the handler here swaps the bits out and runs the handler
 *                  registered for each vector (kicks merge, bits do not).
 *   local          clock and one-shot timer (TSC + local APIC), pages,
 *                  identity GPAs, idle: the x86 platform's pieces.
 *
 * Bring-up (docs/protocols/keelhost-transport.md "Guest side"): find 1af4:1110 through ECAM,
 * memory space + bus master (without it MSI writes are dropped) + INTx off,
 * map BAR0/BAR1 and the mailbox page of BAR2 uncached, check keel-host's
 * magic, program MSI-X entry 0 (xAPIC address of this CPU, data = vector,
 * unmasked) under the function mask, then KH_OP_READY: keel-host never kicks
 * before that (kicks before MSI-X is on are lost).
 *
 * Every image writes a boot trace after the mailbox page for keel-host
 * --timeline (kernel/x86/ivshmem_trace.c): round trips and halts, plus the
 * work-queue items in test images. keel-host only reads it.
 *
 * Test images only (KEEL_TEST_HOOKS, `make testhooks` in mk/efi.mk): the
 * scenario's guest switches are copied out of the mailbox for
 * kernel/services.c to apply, and the transport is measured at boot (round
 * trips, doorbell -> MSI-X) for `make bench`. The product image only counts
 * the switches a host offers, so that it can say it ignores them.
 */
#include "kernel/x86/platform_ivshmem.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "include/hyperv/hv_wire.h"
#include "include/keelhost/mailbox.h"
#include "include/keelhost/trace.h"
#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/x86/cpu.h"
#include "kernel/x86/irq.h"
#include "kernel/x86/ivshmem_trace.h"
#include "kernel/x86/paging.h"
#include "kernel/x86/pci.h"
#include "kernel/x86/platform_x86.h"
#include "kernel/x86/pmm.h"
#include "kernel/x86/tsc.h"
#ifndef KEEL_NO_VPCI
#include "drivers/pci.h"
#endif

#define MSIX_CTRL_ENABLE   (1u << 15)
#define MSIX_CTRL_FNMASK   (1u << 14)
#define MSIX_ENTRY_BYTES   16u
#define MSIX_VEC_MASKED    1u
#define MSI_ADDR_BASE      0xFEE00000u
#define HV_LEAF_FIRST      0x40000000u
#define HV_LEAF_LAST       0x4FFFFFFFu
#define PING_ROUNDS        64
#define IRQ_TEST_TIMEOUT_NS 200000000ull      /* 200 ms */

static struct {
	volatile uint8_t *bar0;                 /* doorbell registers */
	struct keelhost_mailbox *mb;            /* BAR2 offset 0 */
	uint64_t seq;                           /* last request sequence */
	bool dead;                              /* a request timed out */
	struct { void (*fn)(void *); void *arg; } h[IRQ_VECTOR_MAX + 1];
	uint64_t warned[4];                     /* vectors raised with no handler */
	uint32_t nswitches;                     /* guest switches offered */
#ifdef KEEL_TEST_HOOKS
	char switches[KH_MAX_SWITCHES][KH_SWITCH_LEN];
#endif
	struct ivshmem_stats st;
} kh;

/* ---- the mailbox request (include/keelhost/mailbox.h, protocol step 3) ---- */

/* 0, -EIO (transport down or keel-host refused) or -ETIMEDOUT. Completed by
 * keel-host writing resp_seq; nothing else can end the wait but the timeout. */
static int kh_request(uint32_t op, const uint64_t arg[4], uint64_t val[4])
{
	struct keelhost_mailbox *mb = kh.mb;
	uint64_t s = x86_irq_save(), seq, t0, dt;
	int rc = 0;

	if (kh.dead) {
		rc = -EIO;
		goto out;
	}
	mb->req_op = op;
	for (int i = 0; i < 4; i++)
		mb->req_arg[i] = arg ? arg[i] : 0;
	seq = ++kh.seq;
	__atomic_store_n(&mb->req_seq, seq, __ATOMIC_RELEASE);
	t0 = tsc_now_ns();
	*(volatile uint32_t *)(kh.bar0 + KH_DOORBELL_REG) = (uint32_t)mb->host_peer << 16;
	while (__atomic_load_n(&mb->resp_seq, __ATOMIC_ACQUIRE) != seq) {
		if (tsc_now_ns() - t0 > (uint64_t)KH_REQ_TIMEOUT_MS * 1000000ull) {
			kh.dead = true;
			kh.st.timeouts++;
			pr_err("keelhost: no answer to op %u (request %llu) within %u ms: "
			       "keel-host is gone or stuck; the transport is down", op,
			       (unsigned long long)seq, KH_REQ_TIMEOUT_MS);
			rc = -ETIMEDOUT;
			goto out;
		}
		cpu_pause();
	}
	dt = tsc_now_ns() - t0;
	ivshmem_trace_request(op, seq, t0, dt);
	kh.st.requests++;
	kh.st.rtt_sum_ns += dt;
	if (!kh.st.rtt_min_ns || dt < kh.st.rtt_min_ns)
		kh.st.rtt_min_ns = dt;
	if (dt > kh.st.rtt_max_ns)
		kh.st.rtt_max_ns = dt;
	if (mb->resp_status != KH_OK) {
		pr_warn("keelhost: op %u refused (status %u)", op, mb->resp_status);
		rc = -EIO;
		goto out;
	}
	for (int i = 0; val && i < 4; i++)
		val[i] = mb->resp_val[i];
out:
	x86_irq_restore(s);
	return rc;
}

/* ---- the seam ---- */

static void kh_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	uint64_t arg[4] = { leaf, sub, 0, 0 }, val[4] = { 0 };

	if (leaf < HV_LEAF_FIRST || leaf > HV_LEAF_LAST) {
		x86_cpuid(leaf, sub, out);
		/* The "hypervisor present" bit is the host's to give. */
		if (leaf == 1) {
			out[2] &= ~HV_CPUID_FEATURES_HV_PRESENT_ECX;
			if (kh_request(KH_OP_CPUID, arg, val) == 0)
				out[2] |= (uint32_t)val[2] & HV_CPUID_FEATURES_HV_PRESENT_ECX;
		}
		return;
	}
	if (kh_request(KH_OP_CPUID, arg, val) != 0)
		memset(val, 0, sizeof(val));
	for (int i = 0; i < 4; i++)
		out[i] = (uint32_t)val[i];
}

static uint64_t kh_rdmsr(uint32_t msr)
{
	uint64_t arg[4] = { msr, 0, 0, 0 }, val[4] = { 0 };

	return kh_request(KH_OP_RDMSR, arg, val) == 0 ? val[0] : 0;
}

static void kh_wrmsr(uint32_t msr, uint64_t v)
{
	uint64_t arg[4] = { msr, v, 0, 0 };

	(void)kh_request(KH_OP_WRMSR, arg, NULL);
}

static uint64_t kh_hypercall(uint64_t control, uint64_t in, uint64_t out)
{
	uint64_t arg[4] = { control, in, out, 0 }, val[4] = { 0 };

	if (kh_request(KH_OP_HYPERCALL, arg, val) != 0)
		return HV_STATUS_TIME_OUT;
	return val[0];
}

static int kh_irq_register(int vector, void (*fn)(void *arg), void *arg)
{
	int rc = x86_irq_register(vector, fn, arg);

	if (rc == 0) {
		kh.h[vector].arg = arg;
		kh.h[vector].fn = fn;
	}
	return rc;
}

/* MSI-X entry 0: run the handler of every vector keel-host raised. Loops
 * until the bits stay clear, so a raise during the handlers is not lost
 * behind a merged kick. */
static void kh_msix_irq(void *arg)
{
	struct keelhost_mailbox *mb = arg;
	bool any;

	kh.st.irqs++;
	mb->irq_taken++;
	do {
		any = false;
		for (int w = 0; w < 4; w++) {
			uint64_t bits = __atomic_exchange_n(&mb->irq_pending[w], 0,
							    __ATOMIC_ACQ_REL);

			while (bits) {
				int v = w * 64 + __builtin_ctzll(bits);

				bits &= bits - 1;
				any = true;
				kh.st.irq_vectors++;
				if (kh.h[v].fn) {
					kh.h[v].fn(kh.h[v].arg);
				} else if (!(kh.warned[w] & (1ull << (v % 64)))) {
					kh.warned[w] |= 1ull << (v % 64);
					pr_warn("keelhost: vector 0x%x raised, no handler", v);
				}
			}
		}
	} while (any);
}

/*
 * Device MMIO (a vPCI config window, BARs) is a mailbox request: keel-host
 * asks the host library's device that claimed the address. When the
 * transport is down or keel-host refuses, reads see an empty bus (all ones)
 * and writes are dropped, as on a bus with nothing behind the address.
 */
static uint64_t kh_mmio_read(gpa_t gpa, unsigned size)
{
	uint64_t ones = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
	uint64_t arg[4] = { gpa, size, 0, 0 }, val[4];

	if (kh_request(KH_OP_MMIO_READ, arg, val) < 0)
		return ones;
	return val[0] & ones;
}

static void kh_mmio_write(gpa_t gpa, unsigned size, uint64_t val)
{
	uint64_t arg[4] = { gpa, size, val, 0 };

	kh_request(KH_OP_MMIO_WRITE, arg, NULL);
}

/* A halt is a wait on the host (its interrupts are the only ones Keel
 * expects here besides its own timer): the boot trace records it. */
static void kh_idle(void)
{
	uint64_t t0 = tsc_now_ns(), r0 = ivshmem_trace_request_ns();

	x86_idle();
	ivshmem_trace_idle(t0, tsc_now_ns() - t0, ivshmem_trace_request_ns() - r0);
}

static const struct platform platform_ivshmem = {
	.name = "keel-host (ivshmem)",
	.cpuid = kh_cpuid,
	.rdmsr = kh_rdmsr,
	.wrmsr = kh_wrmsr,
	.hypercall = kh_hypercall,
	.irq_register = kh_irq_register,
	.page_alloc = x86_page_alloc,
	.page_free = x86_page_free,
	.gpa_to_ptr = x86_gpa_to_ptr,
	.ptr_to_gpa = x86_ptr_to_gpa,
	.mmio_read = kh_mmio_read,
	.mmio_write = kh_mmio_write,
	.now_ns = x86_now_ns,
	.timer_arm = x86_timer_arm,
	.idle = kh_idle,
	.irq_save = x86_irq_save,
	.irq_restore = x86_irq_restore,
};

/* ---- bring-up ---- */

/* keel-host's MMIO ranges for the vPCI bus (mailbox header), copied and
 * checked; the addresses are never dereferenced here (MMIO goes through
 * the mailbox), so a bad range only fails the bus's allocations. */
static void take_mmio_ranges(const struct keelhost_mailbox *mb)
{
#ifndef KEEL_NO_VPCI
	for (int i = 0; i < 2; i++) {
		uint64_t base = mb->mmio[i].base, size = mb->mmio[i].size;

		if (size && pci_mmio_add_range(base, size) == 0)
			pr_info("keelhost: vPCI MMIO 0x%llx-0x%llx", (unsigned long long)base,
				(unsigned long long)(base + size - 1));
	}
#else
	(void)mb;
#endif
}

static uint32_t apic_id(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	return r[1] >> 24;                      /* initial APIC id */
}

/* MSI-X (PCI spec §6.8.2): table entry 0 -> this CPU, vector `vec`, edge. */
static int msix_setup(const struct pci_dev *d, uint8_t vec)
{
	unsigned cap = pci_find_cap(d, PCI_CAP_MSIX);
	uint32_t tbl;
	uint16_t ctrl;
	uint64_t bar;
	volatile uint32_t *e;

	if (!cap) {
		pr_err("keelhost: the ivshmem device has no MSI-X (QEMU needs "
		       "ivshmem-doorbell,vectors=1)");
		return -ENODEV;
	}
	ctrl = pci_read16(d, cap + 2);
	tbl = pci_read32(d, cap + 4);
	bar = pci_bar_base(d, (int)(tbl & 7));
	if (!bar)
		return -ENODEV;
	paging_map(bar, PAGE_SIZE, PG_WRITE | PG_UNCACHED);
	e = (volatile uint32_t *)(bar + (tbl & ~7u));
	pci_write16(d, cap + 2, (uint16_t)(ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_FNMASK));
	e[0] = MSI_ADDR_BASE | apic_id() << 12;
	e[1] = 0;
	e[2] = vec;                             /* fixed delivery, edge */
	e[3] = 0;                               /* entries start masked: unmask */
	pci_write16(d, cap + 2, (uint16_t)((ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_FNMASK));
	pr_info("keelhost: MSI-X table size %u, entry 0 -> vector 0x%x, apic %u",
		(ctrl & 0x7FF) + 1u, vec, apic_id());
	return 0;
}

#ifdef KEEL_TEST_HOOKS
/* Host input: copy, check, use. Empty names are dropped. */
static void copy_switches(const struct keelhost_mailbox *mb)
{
	uint32_t n = mb->nswitches, kept = 0;

	if (n > KH_MAX_SWITCHES) {
		pr_warn("keelhost: %u guest switches, keeping %u", n, KH_MAX_SWITCHES);
		n = KH_MAX_SWITCHES;
	}
	for (uint32_t i = 0; i < n; i++) {
		memcpy(kh.switches[kept], mb->switches[i], KH_SWITCH_LEN);
		kh.switches[kept][KH_SWITCH_LEN - 1] = 0;
		if (kh.switches[kept][0])
			kept++;
	}
	kh.nswitches = kept;
}
#else
/* The product image reads no switch names: it only notes how many the host
 * offered (kernel/services.c says once that they are ignored). */
static void copy_switches(const struct keelhost_mailbox *mb)
{
	kh.nswitches = mb->nswitches;
}
#endif

#ifdef KEEL_TEST_HOOKS
/* Local APIC IRR bit of `vec` (xAPIC MMIO or x2APIC MSR): evidence that an
 * MSI arrived while interrupts are still off at boot. */
static bool irr_set(uint8_t vec)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	uint32_t v;

	if (base & (1ull << 10))
		v = (uint32_t)rdmsr(0x820u + vec / 32);
	else
		v = *(volatile uint32_t *)((base & ~0xFFFull) + 0x200 + (vec / 32) * 0x10);
	return (v >> (vec % 32)) & 1;
}

/* Stage-1 evidence: round trips and one interrupt, with their times. */
static void measure(void)
{
	static uint64_t rtt[PING_ROUNDS];
	uint64_t arg[4] = { 0 }, val[4], t0;

	for (int i = 0; i < PING_ROUNDS; i++) {
		arg[0] = (uint64_t)i;
		t0 = tsc_now_ns();
		if (kh_request(KH_OP_PING, arg, val) != 0 || val[0] != (uint64_t)i)
			return;
		rtt[i] = tsc_now_ns() - t0;
		for (int k = i; k > 0 && rtt[k] < rtt[k - 1]; k--) {
			uint64_t x = rtt[k];

			rtt[k] = rtt[k - 1];
			rtt[k - 1] = x;
		}
	}
	pr_info("keelhost: %d round trips: min %llu us, median %llu us, max %llu us",
		PING_ROUNDS, (unsigned long long)(rtt[0] / 1000),
		(unsigned long long)(rtt[PING_ROUNDS / 2] / 1000),
		(unsigned long long)(rtt[PING_ROUNDS - 1] / 1000));
	if (irr_set(KH_GUEST_VECTOR))
		return;                         /* one already pending: cannot tell */
	/* A ping that asks for a kick: keel-host raises its bit, then kicks. */
	arg[0] = 0;
	arg[1] = 1;
	t0 = tsc_now_ns();
	if (kh_request(KH_OP_PING, arg, val) != 0)
		return;
	while (!irr_set(KH_GUEST_VECTOR)) {
		if (tsc_now_ns() - t0 > IRQ_TEST_TIMEOUT_NS) {
			pr_err("keelhost: no MSI-X interrupt within 200 ms of a kick: check "
			       "bus mastering and the MSI-X entry");
			return;
		}
		cpu_pause();
	}
	pr_info("keelhost: doorbell -> kick -> MSI-X pending in %llu us",
		(unsigned long long)((tsc_now_ns() - t0) / 1000));
}
#endif

/* The boot trace after the mailbox page (include/keelhost/trace.h), when
 * keel-host's region has room for it; never beyond KH_SHM_SIZE, whatever
 * size the header claims. */
static void start_trace(uint64_t bar2, uint32_t size)
{
	if (size > KH_SHM_SIZE)
		size = KH_SHM_SIZE;
	if (size <= KH_TRACE_OFFSET)
		return;
	paging_map(bar2 + KH_TRACE_OFFSET, size - KH_TRACE_OFFSET, PG_WRITE | PG_UNCACHED);
	ivshmem_trace_init((void *)(bar2 + KH_TRACE_OFFSET), size - KH_TRACE_OFFSET);
}

const struct platform *ivshmem_platform_init(void)
{
	struct pci_dev d;
	struct keelhost_mailbox *mb;
	uint64_t bar0, bar2, arg[4], val[4];

	if (pci_find(KH_PCI_VENDOR, KH_PCI_DEVICE, &d) != 0)
		return NULL;
	bar0 = pci_bar_base(&d, 0);
	bar2 = pci_bar_base(&d, 2);
	pr_info("keelhost: ivshmem device at %02x:%02x.%u, BAR0 0x%llx, BAR2 0x%llx",
		d.bus, d.dev, d.fn, (unsigned long long)bar0, (unsigned long long)bar2);
	if (!bar0 || !bar2) {
		pr_err("keelhost: ivshmem BARs not assigned by the firmware");
		return NULL;
	}
	pci_write16(&d, PCI_COMMAND, (uint16_t)(pci_read16(&d, PCI_COMMAND) | PCI_CMD_MEMORY |
						PCI_CMD_BUS_MASTER | PCI_CMD_INTX_DISABLE));
	paging_map(bar0, PAGE_SIZE, PG_WRITE | PG_UNCACHED);
	paging_map(bar2, PAGE_SIZE, PG_WRITE | PG_UNCACHED);
	mb = (struct keelhost_mailbox *)bar2;
	if (mb->magic != KH_MAGIC || mb->version != KH_VERSION) {
		pr_err("keelhost: ivshmem device without a keel-host mailbox (magic 0x%llx "
		       "version %u)", (unsigned long long)mb->magic, mb->version);
		return NULL;
	}
	kh.bar0 = (volatile uint8_t *)bar0;
	kh.mb = mb;
	kh.seq = mb->req_seq;                   /* a previous boot may have left one */
	start_trace(bar2, mb->size);
	copy_switches(mb);
	take_mmio_ranges(mb);
	if (x86_irq_register(KH_GUEST_VECTOR, kh_msix_irq, mb) != 0 ||
	    msix_setup(&d, KH_GUEST_VECTOR) != 0)
		return NULL;
	arg[0] = apic_id();
	arg[1] = KH_READY_MAGIC;
	arg[2] = KH_GUEST_VECTOR;
	arg[3] = 0;
	if (kh_request(KH_OP_READY, arg, val) != 0) {
		pr_err("keelhost: keel-host did not take the ready signal");
		return NULL;
	}
	pr_info("keelhost: connected to keel-host (guest peer %u, %u guest switch(es))",
		mb->guest_peer, kh.nswitches);
#ifdef KEEL_TEST_HOOKS
	measure();
#endif
	return &platform_ivshmem;
}

unsigned ivshmem_guest_switch_count(void) { return kh.nswitches; }

#ifdef KEEL_TEST_HOOKS
const char *ivshmem_guest_switch(unsigned i)
{
	return i < kh.nswitches ? kh.switches[i] : NULL;
}
#endif

void ivshmem_get_stats(struct ivshmem_stats *out) { *out = kh.st; }
