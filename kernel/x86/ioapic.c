/*
 * I/O APIC (82093AA data sheet: IOREGSEL at +0x00, IOWIN at +0x10; register
 * 1 = version with the highest redirection entry in bits 16-23; entry n at
 * registers 0x10 + 2n (low) and 0x11 + 2n (high), bit 16 = mask).
 * Keel routes no legacy ISA line yet (docs/protocols/gen2-platform.md §5: program entries
 * yourself, mask the rest), so boot masks them all.
 */
#include "kernel/x86/ioapic.h"

#include <stdint.h>

#include "kernel/x86/acpi.h"

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN    0x10
#define IOAPIC_VER    0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))
#define IOAPIC_MASKED (1u << 16)

static uint32_t ioapic_read(uint64_t base, uint32_t reg)
{
	*(volatile uint32_t *)(base + IOAPIC_REGSEL) = reg;
	return *(volatile uint32_t *)(base + IOAPIC_WIN);
}

static void ioapic_write(uint64_t base, uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(base + IOAPIC_REGSEL) = reg;
	*(volatile uint32_t *)(base + IOAPIC_WIN) = v;
}

void ioapic_mask_all(void)
{
	for (int i = 0; i < acpi.nioapic; i++) {
		uint64_t base = acpi.ioapic[i].base;
		unsigned max = (ioapic_read(base, IOAPIC_VER) >> 16) & 0xFF;

		for (unsigned n = 0; n <= max; n++) {
			ioapic_write(base, IOAPIC_REDTBL(n), IOAPIC_MASKED);
			ioapic_write(base, IOAPIC_REDTBL(n) + 1, 0);
		}
	}
}
