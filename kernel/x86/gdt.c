/*
 * The GDT: null, 64-bit kernel code, kernel data and the TSS descriptor
 * (SDM vol. 3 §3.4.5, §7.2.3). Long mode ignores base/limit of code and data;
 * the TSS is only used for its interrupt stack table, which gives the double
 * fault, NMI and machine-check handlers a known-good stack (a stack overflow
 * into a guard page escalates to #DF, which then still runs).
 */
#include "kernel/x86/gdt.h"

#include <stddef.h>

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");

static struct tss tss;

/* Flags: G=1 L=1 for code; present, DPL 0, S=1; type code exec/read, data rw. */
#define GDT_CODE64 0x00AF9A000000FFFFull
#define GDT_DATA   0x00CF92000000FFFFull
#define GDT_TSS_TYPE 0x89ull          /* present, 64-bit TSS (available) */

static uint64_t gdt[5];

static void gdt_set_tss(void)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) |
		 (GDT_TSS_TYPE << 40) | (((limit >> 16) & 0xF) << 48) |
		 (((base >> 24) & 0xFF) << 56);
	gdt[4] = base >> 32;
}

static void gdt_load(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr;

	/* Stored here, not in an initialiser: a constant initialiser became a
	 * template in .data with an unaligned relocation, the image's only
	 * RELA entries (a 512-byte PE section of keel.efi's size budget). */
	gdtr.limit = sizeof(gdt) - 1;
	gdtr.base = (uint64_t)gdt;

	__asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
	/* Reload CS with a far return; position independent. */
	__asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
			 "pushq %0\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w1, %%ds\n\t"
			 "movw %w1, %%es\n\t"
			 "movw %w1, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs\n\t"
			 : : "i"(GDT_KERNEL_CS), "r"(GDT_KERNEL_DS) : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(GDT_TSS) : "memory");
}

void gdt_init(void)
{
	gdt[0] = 0;
	gdt[1] = GDT_CODE64;
	gdt[2] = GDT_DATA;
	tss.iomap_base = sizeof(tss);       /* no I/O bitmap */
	gdt_set_tss();
	gdt_load();
}

void gdt_set_ist(int ist, void *stack_top)
{
	if (ist >= 1 && ist <= 7)
		tss.ist[ist - 1] = (uint64_t)stack_top;
}
