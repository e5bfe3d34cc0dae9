/*
 * The IDT: every vector is an interrupt gate (IF cleared on entry, so
 * handlers never nest) onto its stub in trap.S. #DF, NMI and #MC move to
 * IST stacks once those exist (gdt.c); until then they use the current stack.
 */
#include "kernel/x86/idt.h"

#include <stdint.h>

#include "kernel/x86/gdt.h"
#include "kernel/x86/trap.h"

struct idt_gate {
	uint16_t off_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate");

#define IDT_INTERRUPT_GATE 0x8E      /* present, DPL 0, 64-bit interrupt gate */

static struct idt_gate idt[256];

static void idt_set(int vec, int ist)
{
	uint64_t h = (uint64_t)(trap_stubs + TRAP_STUB_SIZE * vec);

	idt[vec] = (struct idt_gate){
		.off_lo = (uint16_t)h,
		.selector = GDT_KERNEL_CS,
		.ist = (uint8_t)ist,
		.type = IDT_INTERRUPT_GATE,
		.off_mid = (uint16_t)(h >> 16),
		.off_hi = (uint32_t)(h >> 32),
	};
}

void idt_init(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;

	/* Stored here, not in an initialiser: a constant initialiser became a
	 * template in .data with an unaligned relocation, the image's only
	 * RELA entries (a 512-byte PE section of keel.efi's size budget). */
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (uint64_t)idt;

	for (int v = 0; v < 256; v++)
		idt_set(v, 0);
	__asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

void idt_use_ist(void)
{
	idt_set(8, IST_DOUBLE_FAULT);
	idt_set(2, IST_NMI);
	idt_set(18, IST_MACHINE_CHECK);
}
