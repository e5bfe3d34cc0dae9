/*
 * The VMBus MMIO ranges from the DSDT/SSDT bytes, without an AML
 * interpreter (docs/protocols/gen2-platform.md §4.3, docs/protocols/vpci.md
 * §7.1): find the device whose _HID or _CID is "VMBUS", "VMBus" or
 * "MSFT1000", then the nearest enclosing device (itself first) whose _CRS is
 * a resource template with 32/64-bit memory address descriptors.
 * Pure functions over a byte array: the unit tests feed them hostile AML.
 */
#ifndef KEEL_X86_ACPI_CRS_H
#define KEEL_X86_ACPI_CRS_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_CRS_MAX_RANGES 4

struct acpi_mmio_range {
	uint64_t base, size;
};

/* Memory ranges of a resource template (ACPI 6.4 §6.4): DWord and QWord
 * memory address descriptors, ranges below 1 MiB skipped, a range reaching
 * the vTPM cut to end before it, sorted by address. Returns the count (0..max)
 * or -EINVAL for a template whose items overrun it or lack an end tag. */
int acpi_crs_parse(const uint8_t *tpl, size_t len, struct acpi_mmio_range *out, int max);

/* The VMBus device's MMIO ranges from one AML table body (the bytes after
 * the 36-byte header). Returns the count (>= 1), or -ENOENT when the table
 * has no VMBus device or no memory ranges for it. */
int acpi_vmbus_mmio(const uint8_t *aml, size_t len, struct acpi_mmio_range *out, int max);

/* The Gen2 firmware's data block the _INI of the MMIO device copies the
 * gaps from, for a _CRS whose template holds zeros until _INI runs
 * (docs/protocols/gen2-platform.md §4.4): its physical address from the
 * DSDT bytes, then the two gaps from its first 16 bytes (sanity-checked).
 * Both return a negative errno when absent or implausible. */
int acpi_bios_block_addr(const uint8_t *aml, size_t len, uint32_t *pa);
int acpi_bios_block_mmio(const uint8_t blk[16], struct acpi_mmio_range *out, int max);

#endif
