/*
 * The Hyper-V platform on real hardware (docs/protocols/vmbus.md §1.1-§1.4,
 * docs/protocols/gen2-platform.md §2, §9.1).
 *
 * Detection: CPUID.1:ECX[31], leaf 0x40000000 = "Microsoft Hv" with a max
 * leaf in [0x40000005, 0x4000FFFF], leaf 0x40000001 = "Hv#1" (§1.1 steps
 * 1-3). The hypercall MSRs (privilege bit 5) are required.
 *
 * Bring-up, after ExitBootServices only (the firmware clears GUEST_OS_ID and
 * the hypercall page there, §9.1): write our guest OS ID, then point the
 * HYPERCALL MSR at one page we map read+execute, keeping its reserved bits
 * 11:2, and read it back (§1.3). Hypercalls are a near call into that page
 * with RCX = control, RDX = input, R8 = output; RAX = result (§1.4).
 *
 * The clock is the reference TSC page when the partition may enable it
 * (docs/protocols/gen2-platform.md §7.1, docs/protocols/vmbus.md §2.7): its scale and offset follow
 * the host across live migration, which a once-calibrated TSC does not.
 */
#include <stddef.h>

#include "include/hyperv/hv_wire.h"
#include "kernel/log.h"
#include "kernel/x86/cpu.h"
#include "kernel/x86/hv.h"
#include "kernel/x86/paging.h"
#include "kernel/x86/platform_x86.h"
#include "kernel/x86/pmm.h"

/* Guest OS ID (docs/protocols/vmbus.md §1.2): open source, OS type 0x7F (not one of
 * the registered 1-4), version 0.1 in bits 47:16. */
#define KEEL_OS_TYPE     0x7Full
#define KEEL_OS_VERSION  0x000100ull
#define KEEL_GUEST_OS_ID (HV_GUEST_OS_ID_OPEN_SOURCE | \
			  (KEEL_OS_TYPE << HV_GUEST_OS_ID_TYPE_SHIFT) | \
			  (KEEL_OS_VERSION << HV_GUEST_OS_ID_VERSION_SHIFT))
#define HYPERCALL_RESERVED_BITS 0xFFCull      /* bits 11:2, preserved */

static void *hv_hypercall_page;

/* The reference TSC page and the clock offset that keeps now_ns continuous
 * with the TSC clock used before it was enabled (and "since boot"). */
static volatile struct hv_reference_tsc_page *hv_tsc_page;
static uint64_t hv_clock_base;

bool hv_probe(struct hv_features *f)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	if (!(r[2] & HV_CPUID_FEATURES_HV_PRESENT_ECX))
		return false;
	cpuid(HV_CPUID_VENDOR_AND_MAX, 0, r);
	if (r[1] != HV_CPUID_VENDOR_EBX || r[2] != HV_CPUID_VENDOR_ECX ||
	    r[3] != HV_CPUID_VENDOR_EDX || r[0] < HV_CPUID_MIN_MAX_LEAF ||
	    r[0] > HV_CPUID_MAX_MAX_LEAF)
		return false;
	f->max_leaf = r[0];
	cpuid(HV_CPUID_INTERFACE, 0, r);
	if (r[0] != HV_CPUID_INTERFACE_HV1)
		return false;
	cpuid(HV_CPUID_FEATURES, 0, r);
	f->priv_eax = r[0];
	f->priv_ebx = r[1];
	f->features_edx = r[3];
	cpuid(HV_CPUID_ENLIGHTENMENT_INFO, 0, r);
	f->recommendations = r[0];
	return true;
}

static uint64_t hv_rdmsr(uint32_t msr) { return rdmsr(msr); }
static void hv_wrmsr(uint32_t msr, uint64_t val) { wrmsr(msr, val); }

/* docs/protocols/vmbus.md §1.4: Linux treats RCX, RDX, R8-R11 and flags as clobbered. */
static uint64_t hv_hypercall(uint64_t control, uint64_t input, uint64_t output)
{
	register uint64_t r8 __asm__("r8") = output;
	uint64_t result;

	if (hv_hypercall_page == NULL)
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	__asm__ volatile("call *%[page]"
			 : "=a"(result), "+c"(control), "+d"(input), "+r"(r8)
			 : [page] "m"(hv_hypercall_page)
			 : "r9", "r10", "r11", "cc", "memory");
	return result;
}

/*
 * Partition reference time in 100 ns units (docs/protocols/gen2-platform.md §7.1): read the
 * sequence, compute ((tsc * scale) >> 64) + offset, and retry if the
 * sequence moved meanwhile. Sequence 0 means the page is invalid (for now):
 * TIME_REF_COUNT counts the same time base, only slower to read.
 */
static uint64_t hv_ref_time(void)
{
	volatile struct hv_reference_tsc_page *p = hv_tsc_page;
	uint32_t seq;
	uint64_t scale, t;
	int64_t off;

	do {
		seq = p->tsc_sequence;
		if (seq == 0)
			return rdmsr(HV_MSR_TIME_REF_COUNT);
		__asm__ volatile("" ::: "memory");
		scale = p->tsc_scale;
		off = p->tsc_offset;
		t = (uint64_t)(((unsigned __int128)rdtsc() * scale) >> 64) + (uint64_t)off;
		__asm__ volatile("" ::: "memory");
	} while (p->tsc_sequence != seq);
	return t;
}

static uint64_t hv_now_ns(void)
{
	if (hv_tsc_page == NULL)
		return x86_now_ns();
	return hv_ref_time() * 100 - hv_clock_base;
}

/* The LAPIC timer counts on the TSC clock: hand it the same distance. */
static void hv_timer_arm(uint64_t deadline_ns)
{
	uint64_t now = hv_now_ns();

	if (deadline_ns == 0 || hv_tsc_page == NULL) {
		x86_timer_arm(deadline_ns);
		return;
	}
	x86_timer_arm(x86_now_ns() + (deadline_ns > now ? deadline_ns - now : 0) + 1);
}

static const struct platform platform_hv = {
	.name = "Hyper-V",
	.cpuid = x86_cpuid,
	.rdmsr = hv_rdmsr,
	.wrmsr = hv_wrmsr,
	.hypercall = hv_hypercall,
	.irq_register = x86_irq_register,
	.page_alloc = x86_page_alloc,
	.page_free = x86_page_free,
	.gpa_to_ptr = x86_gpa_to_ptr,
	.ptr_to_gpa = x86_ptr_to_gpa,
	.mmio_read = x86_mmio_read,
	.mmio_write = x86_mmio_write,
	.now_ns = hv_now_ns,
	.timer_arm = hv_timer_arm,
	.idle = x86_idle,
	.irq_save = x86_irq_save,
	.irq_restore = x86_irq_restore,
};

/* Point REFERENCE_TSC at a page of ours, keeping reserved bits 11:1 (§7.1). */
static void hv_enable_ref_tsc(const struct hv_features *f)
{
	uint64_t page, before;

	if (!(f->priv_eax & HV_PRIV_REFERENCE_TSC))
		return;
	page = pmm_alloc(1);
	if (page == 0)
		return;
	before = x86_now_ns();
	wrmsr(HV_MSR_REFERENCE_TSC,
	      (rdmsr(HV_MSR_REFERENCE_TSC) & 0xFFEull) | page | HV_REFTSC_ENABLE);
	hv_tsc_page = (volatile struct hv_reference_tsc_page *)page;
	hv_clock_base = hv_ref_time() * 100 - before;
	pr_info("hyperv: clock is the reference TSC page at 0x%llx",
		(unsigned long long)page);
}

static int hv_enable_hypercalls(void)
{
	uint64_t page = pmm_alloc(1), v;

	if (page == 0)
		return -1;
	/* the hypervisor overlays its code here: we only read and run it */
	paging_map(page, PAGE_SIZE, PG_EXEC);
	wrmsr(HV_MSR_GUEST_OS_ID, KEEL_GUEST_OS_ID);
	v = rdmsr(HV_MSR_HYPERCALL);
	v = (v & HYPERCALL_RESERVED_BITS) | page | HV_HYPERCALL_ENABLE;
	wrmsr(HV_MSR_HYPERCALL, v);
	if (!(rdmsr(HV_MSR_HYPERCALL) & HV_HYPERCALL_ENABLE)) {
		wrmsr(HV_MSR_GUEST_OS_ID, 0);
		paging_map(page, PAGE_SIZE, PG_WRITE);
		pmm_free(page, 1);
		return -1;
	}
	hv_hypercall_page = (void *)page;
	return 0;
}

const struct platform *hv_platform_init(const struct hv_features *f)
{
	pr_info("hyperv: max leaf 0x%x, privileges 0x%08x:%08x, features 0x%x, "
		"recommendations 0x%x", f->max_leaf, f->priv_ebx, f->priv_eax,
		f->features_edx, f->recommendations);
	if (!(f->priv_eax & HV_PRIV_HYPERCALL_MSRS)) {
		pr_warn("hyperv: no hypercall MSRs: running as plain x86");
		return NULL;
	}
	if (hv_enable_hypercalls() != 0) {
		pr_warn("hyperv: hypercall page not enabled: running as plain x86");
		return NULL;
	}
	pr_info("hyperv: guest OS id 0x%016llx, hypercall page at 0x%llx",
		(unsigned long long)KEEL_GUEST_OS_ID,
		(unsigned long long)(uint64_t)hv_hypercall_page);
	hv_enable_ref_tsc(f);
	return &platform_hv;
}
