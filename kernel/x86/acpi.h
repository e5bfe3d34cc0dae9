/*
 * What the kernel takes from the ACPI tables, read once at boot
 * (docs/protocols/gen2-platform.md §4; QEMU's values differ, §14: always read, never assume).
 */
#ifndef KEEL_X86_ACPI_H
#define KEEL_X86_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/x86/acpi_crs.h"
#include "kernel/x86/acpi_tables.h"

#define ACPI_MAX_IOAPIC 8
#define ACPI_MAX_ECAM   4

struct acpi_info {
	bool have_fadt, have_madt;
	/* FADT: power management I/O ports (0 = absent) */
	uint16_t pm1a_cnt, pm1b_cnt;
	uint16_t pm_tmr;
	bool pm_tmr_32bit;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	bool reset_supported;
	/* DSDT \_S5 package: SLP_TYP values for PM1a and PM1b */
	bool s5_found;
	uint8_t s5_typ_a, s5_typ_b;
	/* DSDT/SSDT: the VMBus device's MMIO ranges (vPCI config windows, BARs) */
	int nmmio;
	struct acpi_mmio_range mmio[ACPI_CRS_MAX_RANGES];
	/* MADT */
	uint64_t lapic_base;
	int ncpus;
	int nioapic;
	struct { uint64_t base; uint32_t gsi_base; uint8_t id; } ioapic[ACPI_MAX_IOAPIC];
	/* MCFG */
	int necam;
	struct { uint64_t base; uint16_t segment; uint8_t bus_start, bus_end; } ecam[ACPI_MAX_ECAM];
};

/* The one copy, filled by acpi_init and read-only afterwards. */
extern struct acpi_info acpi;

/* Parse RSDP/XSDT, FADT, DSDT (\_S5, VMBus MMIO), SSDTs, MADT and MCFG; log what was found.
 * rsdp == 0 (no ACPI) leaves everything absent. */
void acpi_init(uint64_t rsdp);

#endif
