/*
 * The real-x86 platform (kernel/platform.h): CPUID, vectors through the IDT
 * (irq.c), pages from the pmm with identity guest-physical addresses, the
 * TSC clock and the local APIC one-shot timer, sti;hlt idle.
 *
 * Two instances: "hyperv" (platform_hv.c) when CPUID says Microsoft Hv, and
 * "x86" here for everything else (QEMU TCG, docs/protocols/gen2-platform.md §14): its
 * synthetic MSR accessors touch nothing (reads give 0) and its hypercall
 * fails with HV_STATUS_INVALID_HYPERCALL_CODE, so code above the seam sees
 * "no Hyper-V" without faulting.
 */
#include "kernel/x86/platform_x86.h"

#include "include/hyperv/hv_wire.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "kernel/x86/apic.h"
#include "kernel/x86/cpu.h"
#include "kernel/x86/hv.h"
#include "kernel/x86/irq.h"
#include "kernel/x86/paging.h"
#include "kernel/x86/platform_ivshmem.h"
#include "kernel/x86/pmm.h"
#include "kernel/x86/power.h"
#include "kernel/x86/tsc.h"

const struct platform *platform;

void x86_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	cpuid(leaf, subleaf, out);
}

int x86_irq_register(int vector, void (*fn)(void *arg), void *arg)
{
	return irq_register(vector, fn, arg);
}

void *x86_page_alloc(size_t npages)
{
	return (void *)pmm_alloc(npages);     /* zeroed; 0 (NULL) when out */
}

void x86_page_free(void *p, size_t npages)
{
	pmm_free((uint64_t)p, npages);
}

/* Identity mapping: a GPA is RAM we can touch when every page is mapped. */
void *x86_gpa_to_ptr(gpa_t gpa, size_t len)
{
	if (gpa < PAGE_SIZE || gpa + len < gpa || gpa + len > pmm_top() ||
	    !paging_is_mapped(gpa, len ? len : 1))
		return NULL;
	return (void *)gpa;
}

gpa_t x86_ptr_to_gpa(const void *p) { return (gpa_t)p; }
uint64_t x86_now_ns(void) { return tsc_now_ns(); }
void x86_timer_arm(uint64_t deadline_ns) { apic_timer_arm(deadline_ns); }

/* sti;hlt is atomic (the STI shadow), so a wakeup between the caller's
 * check and the halt is not lost; the entry interrupt state is restored. */
void x86_idle(void)
{
	uint64_t flags = read_rflags();

	__asm__ volatile("sti; hlt" : : : "memory");
	if (!(flags & RFLAGS_IF))
		cli();
}

uint64_t x86_irq_save(void)
{
	uint64_t flags = read_rflags();

	cli();
	return flags & RFLAGS_IF;
}

void x86_irq_restore(uint64_t state)
{
	if (state & RFLAGS_IF)
		sti();
}

static uint64_t nohv_rdmsr(uint32_t msr)
{
	(void)msr;
	return 0;
}

static void nohv_wrmsr(uint32_t msr, uint64_t val)
{
	(void)msr;
	(void)val;
}

static uint64_t nohv_hypercall(uint64_t control, uint64_t in, uint64_t out)
{
	(void)control;
	(void)in;
	(void)out;
	return HV_STATUS_INVALID_HYPERCALL_CODE;
}

static const struct platform platform_x86 = {
	.name = "x86 (no hypervisor)",
	.cpuid = x86_cpuid,
	.rdmsr = nohv_rdmsr,
	.wrmsr = nohv_wrmsr,
	.hypercall = nohv_hypercall,
	.irq_register = x86_irq_register,
	.page_alloc = x86_page_alloc,
	.page_free = x86_page_free,
	.gpa_to_ptr = x86_gpa_to_ptr,
	.ptr_to_gpa = x86_ptr_to_gpa,
	.mmio_read = x86_mmio_read,
	.mmio_write = x86_mmio_write,
	.now_ns = x86_now_ns,
	.timer_arm = x86_timer_arm,
	.idle = x86_idle,
	.irq_save = x86_irq_save,
	.irq_restore = x86_irq_restore,
};

void platform_init(void)
{
	struct hv_features f;
	const struct platform *p = NULL;

	platform = &platform_x86;
	/* Hyper-V by CPUID, else keel-host's ivshmem device. */
	if (hv_probe(&f))
		p = hv_platform_init(&f);
	if (p == NULL)
		p = ivshmem_platform_init();
	if (p != NULL) {
		platform = p;
	} else if (boot_opts.vmbus_required) {
		pr_err("platform: no Hyper-V and no keel-host found: powering off "
		       "(vmbus=required)");
		power_off();
	} else {
		/* vmbus=auto: plain QEMU boots (self-tests, images) go on */
		pr_warn("platform: no Hyper-V and no keel-host found: VMBus disabled");
	}
	pr_info("platform: %s", platform->name);
}
