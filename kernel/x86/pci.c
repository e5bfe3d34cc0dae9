/*
 * PCI configuration access (kernel/x86/pci.h): ECAM (PCIe Base spec §7.2.2:
 * function config page at base + (bus << 20 | dev << 15 | fn << 12)) over
 * every MCFG window, else the legacy mechanism #1 on bus 0 (address
 * 0x80000000 | bus << 16 | dev << 11 | fn << 8 | reg at 0xCF8, data at 0xCFC).
 * The ECAM windows are mapped uncached by kmain (kernel/main.c map_mmio).
 */
#include "kernel/x86/pci.h"

#include <errno.h>

#include "kernel/x86/acpi.h"
#include "kernel/x86/cpu.h"

#define LEGACY_ADDR 0xCF8
#define LEGACY_DATA 0xCFC

static uint32_t legacy_addr(const struct pci_dev *d, unsigned off)
{
	return 0x80000000u | (uint32_t)d->bus << 16 | (uint32_t)d->dev << 11 |
	       (uint32_t)d->fn << 8 | (off & 0xFC);
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off)
{
	if (d->ecam)
		return *(volatile uint32_t *)(d->ecam + (off & 0xFFC));
	outl(LEGACY_ADDR, legacy_addr(d, off));
	return inl(LEGACY_DATA);
}

void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v)
{
	if (d->ecam) {
		*(volatile uint32_t *)(d->ecam + (off & 0xFFC)) = v;
		return;
	}
	outl(LEGACY_ADDR, legacy_addr(d, off));
	outl(LEGACY_DATA, v);
}

uint16_t pci_read16(const struct pci_dev *d, unsigned off)
{
	return (uint16_t)(pci_read32(d, off) >> ((off & 2) * 8));
}

uint8_t pci_read8(const struct pci_dev *d, unsigned off)
{
	return (uint8_t)(pci_read32(d, off) >> ((off & 3) * 8));
}

/* A read-modify-write of the dword: config registers here are not
 * write-1-to-clear in the half we do not change (command vs status is the
 * exception: callers write PCI_COMMAND, and status bits written as read are
 * RW1C, so we write zeroes there). */
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v)
{
	unsigned sh = (off & 2) * 8;
	uint32_t old = pci_read32(d, off);

	if ((off & ~3u) == PCI_COMMAND)
		old &= 0x0000FFFFu;             /* never write status (RW1C) back */
	pci_write32(d, off, (old & ~(0xFFFFu << sh)) | (uint32_t)v << sh);
}

uint64_t pci_bar_base(const struct pci_dev *d, int n)
{
	uint32_t lo = pci_read32(d, PCI_BAR0 + 4 * (unsigned)n);
	uint64_t base;

	if (lo & 1)
		return 0;                       /* I/O BAR */
	base = lo & ~0xFull;
	if (((lo >> 1) & 3) == 2 && n < 5)      /* 64-bit memory BAR */
		base |= (uint64_t)pci_read32(d, PCI_BAR0 + 4 * (unsigned)(n + 1)) << 32;
	return base;
}

unsigned pci_find_cap(const struct pci_dev *d, uint8_t id)
{
	unsigned off;

	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	off = pci_read8(d, PCI_CAP_PTR) & 0xFC;
	for (int guard = 0; off >= 0x40 && guard < 48; guard++) {
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, off + 1) & 0xFC;
	}
	return 0;
}

static bool probe_fn(struct pci_dev *d, uint16_t vendor, uint16_t device)
{
	uint32_t id = pci_read32(d, PCI_VENDOR_ID);

	return id == ((uint32_t)device << 16 | vendor);
}

static int scan_bus(struct pci_dev *d, uint64_t bus_base, uint16_t vendor, uint16_t device)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			d->dev = (uint8_t)dev;
			d->fn = (uint8_t)fn;
			if (bus_base)
				d->ecam = bus_base + ((uint64_t)dev << 15 | (uint64_t)fn << 12);
			if ((pci_read32(d, PCI_VENDOR_ID) & 0xFFFF) == 0xFFFF) {
				if (fn == 0)
					break;          /* no device here */
				continue;
			}
			if (probe_fn(d, vendor, device))
				return 0;
			if (fn == 0 && !(pci_read8(d, PCI_HEADER_TYPE) & 0x80))
				break;                  /* single-function device */
		}
	}
	return -ENODEV;
}

int pci_find(uint16_t vendor, uint16_t device, struct pci_dev *out)
{
	struct pci_dev d = { 0 };

	for (int i = 0; i < acpi.necam; i++) {
		for (unsigned bus = acpi.ecam[i].bus_start; bus <= acpi.ecam[i].bus_end; bus++) {
			d.segment = acpi.ecam[i].segment;
			d.bus = (uint8_t)bus;
			if (scan_bus(&d, acpi.ecam[i].base + ((uint64_t)bus << 20), vendor,
				     device) == 0) {
				*out = d;
				return 0;
			}
		}
	}
	if (acpi.necam == 0) {
		d.ecam = 0;
		d.bus = 0;
		if (scan_bus(&d, 0, vendor, device) == 0) {
			*out = d;
			return 0;
		}
	}
	return -ENODEV;
}
