/*
 * kmain: the bare-metal kernel's start after ExitBootServices.
 *
 * Order matters because we start on the firmware's stack, page tables, GDT
 * and IDT, all in boot-services memory:
 *   1. CPU basics, COM1, our GDT/IDT (faults are reported), command line,
 *      framebuffer console (through the firmware's mapping when it has one);
 *   2. ACPI tables; page allocator (conventional memory only); our page
 *      tables (W^X, page 0 unmapped, MMIO uncached); switch to a guarded
 *      boot stack of our own;
 *   3. now nothing of the firmware is in use: IST stacks, boot-services
 *      memory to the allocator, heap, TSC, platform
 *      (Hyper-V or plain x86), local APIC, interrupts on;
 *   4. later layers (kernel/services.c), the ready line, then test= or
 *      on_ready=.
 */
#include <stdbool.h>
#include <stdint.h>

#include "boot/bootinfo.h"
#ifndef KEEL_NO_VPCI
#include "drivers/pci.h"
#endif
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/platform.h"
#include "kernel/selftest.h"
#include "kernel/services.h"
#include "kernel/ssp.h"
#include "kernel/stack.h"
#include "kernel/x86/acpi.h"
#include "kernel/x86/apic.h"
#include "kernel/x86/cpu.h"
#include "kernel/x86/cpu_setup.h"
#include "kernel/x86/fbcons.h"
#include "kernel/x86/gdt.h"
#include "kernel/x86/heap.h"
#include "kernel/x86/idt.h"
#include "kernel/x86/ivshmem_trace.h"
#include "kernel/x86/paging.h"
#include "kernel/x86/platform_x86.h"
#include "kernel/x86/pmm.h"
#include "kernel/x86/power.h"
#include "kernel/x86/serial.h"
#include "kernel/x86/trap.h"
#include "kernel/x86/tsc.h"

#define BOOT_STACK_BYTES (64u << 10)
#define IST_STACK_BYTES  (16u << 10)
#define MIB(pages) ((unsigned long long)((pages) * PAGE_SIZE >> 20))

static uint64_t kmain_tsc;      /* rdtsc at kmain entry, for the boot log */

static const char *const ist_names[IST_COUNT] = {
	"ist-double-fault", "ist-nmi", "ist-machine-check",
};

/* Device memory the kernel touches: mapped uncached. */
static void map_mmio(const struct bootinfo *bi)
{
	if (bi->fb.base != 0)
		paging_map(bi->fb.base, bi->fb.size, PG_WRITE | PG_UNCACHED);
	paging_map(apic_mmio_base(), PAGE_SIZE, PG_WRITE | PG_UNCACHED);
	if (acpi.lapic_base != 0)
		paging_map(acpi.lapic_base, PAGE_SIZE, PG_WRITE | PG_UNCACHED);
	for (int i = 0; i < acpi.nioapic; i++)
		paging_map(acpi.ioapic[i].base, PAGE_SIZE, PG_WRITE | PG_UNCACHED);
	for (int i = 0; i < acpi.necam; i++) {
		uint64_t buses = (uint64_t)acpi.ecam[i].bus_end - acpi.ecam[i].bus_start + 1;

		paging_map(acpi.ecam[i].base + ((uint64_t)acpi.ecam[i].bus_start << 20),
			   buses << 20, PG_WRITE | PG_UNCACHED);
	}
}

/* The vPCI bus places config windows and BARs in the VMBus MMIO ranges
 * ACPI describes, clear of the framebuffer (docs/protocols/vpci.md
 * "MMIO ranges"). No ranges: the bus finds no room and fails its probe. */
static void pci_mmio_from_acpi(const struct bootinfo *bi)
{
#ifndef KEEL_NO_VPCI
	for (int i = 0; i < acpi.nmmio; i++)
		pci_mmio_add_range(acpi.mmio[i].base, acpi.mmio[i].size);
	if (bi->fb.base != 0)
		pci_mmio_set_framebuffer(bi->fb.base, bi->fb.size);
#else
	(void)bi;
#endif
}

static void setup_ist_stacks(void)
{
	for (int i = 0; i < IST_COUNT; i++) {
		char *lo = stack_alloc(IST_STACK_BYTES, ist_names[i]);

		if (lo == NULL)
			panic("no memory for the %s stack", ist_names[i]);
		gdt_set_ist(i + 1, lo + IST_STACK_BYTES);
	}
	idt_use_ist();
}

static void log_memory(const struct bootinfo *bi)
{
	uint64_t usable = 0;

	for (uint32_t i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == BOOTMEM_USABLE ||
		    bi->mem[i].type == BOOTMEM_BOOT_SERVICES)
			usable += bi->mem[i].npages;
	pr_info("mem: %llu MiB usable (%u map entries, RAM up to 0x%llx), "
		"%llu MiB free, heap %llu MiB",
		MIB(usable), bi->nmem, (unsigned long long)pmm_top(),
		MIB(pmm_free_pages()), (unsigned long long)(heap_size() >> 20));
}

static bool fb_started;

static void start_fb_console(const struct bootinfo *bi)
{
	static const char *const formats[] = { "none", "RGBX", "BGRX" };
	const struct bootfb *fb = &bi->fb;

	if (fb_started)
		return;
	fb_started = true;
	if (fb->base == 0 || fb->format > BOOTFB_BGRX) {
		pr_info("fb: no usable GOP framebuffer");
		return;
	}
	if (fbcons_init(fb) == 0)
		console_fb_ready();
	pr_info("fb: GOP mode %u, %ux%u, %u pixels per line, %s, at 0x%llx (%llu KiB)",
		fb->mode, fb->width, fb->height, fb->stride, formats[fb->format],
		(unsigned long long)fb->base, (unsigned long long)(fb->size >> 10));
}

static _Noreturn void finish_boot(void)
{
	if (boot_opts.test != NULL) {
		selftest_run(boot_opts.test);
		kernel_stop();                  /* powers off under test= */
	}
	switch (boot_opts.on_ready) {
	case ON_READY_POWEROFF:
		power_off();
		cpu_halt_forever();
	case ON_READY_HALT:
		console_printf("keel: halted\n");
		cpu_halt_forever();
	case ON_READY_IDLE:
	default:
		kernel_run();
	}
}

/*
 * keel.efi as shipped is the zboot loader (boot/zboot/), which unpacked
 * this kernel image before the firmware started it: its cost, by the TSC
 * (make bench-boot reads this line).
 */
static void log_zboot(const struct bootinfo *bi)
{
	const struct bootzboot *z = &bi->zboot;
	uint64_t hz = tsc_hz();

	if (z->image_bytes == 0 || hz == 0)
		return;
	pr_info("keel: zboot unpacked %llu -> %llu bytes in %llu us, kernel entered %llu us "
		"after keel.efi", (unsigned long long)z->packed_bytes,
		(unsigned long long)z->image_bytes,
		(unsigned long long)((z->tsc_unpack_end - z->tsc_unpack_start) * 1000000 / hz),
		(unsigned long long)((bi->tsc_at_entry - z->tsc_entry) * 1000000 / hz));
}

/* Step 3 and 4, on our own boot stack. */
static _Noreturn void kmain_on_own_stack(void *arg)
{
	struct bootinfo *bi = arg;
	uint64_t ready_ns;

	setup_ist_stacks();
	pmm_add_boot_services(bi);      /* firmware stack, tables: no longer used */
	heap_init();
	log_ring_start();
	log_memory(bi);
	tsc_init(bi->tsc_at_entry);
	pr_info("keel: loader handed over after %llu us",
		(unsigned long long)(tsc_to_ns(kmain_tsc) / 1000));
	log_zboot(bi);
	platform_init();
	apic_init();
	sti();
	kernel_start_services();
	ready_ns = plat_now_ns();
	/* keel-host --timeline splits the time to ready (docs/timeline.md) */
	ivshmem_trace_ready(tsc_to_ns(kmain_tsc), ready_ns);
	console_printf("keel: ready in %llu us\n", (unsigned long long)(ready_ns / 1000));
	finish_boot();
}

void kmain(struct bootinfo *bi)
{
	char *stack;

	kmain_tsc = rdtsc();
	cli();
	ssp_init();
	cpu_setup();
	serial_init();
	gdt_init();
	idt_init();                     /* from here on faults are reported */
	if (bi == NULL || bi->magic != BOOTINFO_MAGIC) {
		console_printf("keel: bad boot info from the loader\n");
		cpu_halt_forever();
	}
	if (bi->nmem > BOOTINFO_MAX_MEM)
		bi->nmem = BOOTINFO_MAX_MEM;    /* every loop below trusts nmem */
	cmdline_parse(bi->cmdline);
	/* Where the firmware's page tables map the framebuffer (OVMF and the
	 * Gen2 firmware identity-map everything), start it now so that it shows
	 * the whole log; otherwise once our tables map it. */
	if (bi->fb.base != 0 && paging_is_mapped(bi->fb.base, bi->fb.size))
		start_fb_console(bi);
	pr_info("keel: kernel started, image at 0x%llx (%llu KiB), cmdline '%.*s'",
		(unsigned long long)bi->image_base,
		(unsigned long long)(bi->image_size >> 10), BOOTINFO_CMDLINE, bi->cmdline);
	cmdline_report();
	acpi_init(bi->rsdp);
	pci_mmio_from_acpi(bi);
	pmm_init(bi);
	paging_init(bi);
	map_mmio(bi);
	paging_activate();
	start_fb_console(bi);           /* if it was not mapped before */
	stack = stack_alloc(BOOT_STACK_BYTES, "boot");
	if (stack == NULL)
		panic("no memory for the boot stack");
	call_on_stack(kmain_on_own_stack, bi, stack + BOOT_STACK_BYTES);
}
