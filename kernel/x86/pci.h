/*
 * PCI configuration space (PCI Express Base spec §7.2.2 "Enhanced
 * Configuration Access Mechanism"): ECAM windows from the ACPI MCFG table
 * (kernel/x86/acpi.h), mapped uncached by kmain; the legacy 0xCF8/0xCFC
 * mechanism for bus 0 when there is no MCFG. Only what a driver that finds
 * one device needs: find by vendor/device, config reads and writes, BARs,
 * capabilities.
 */
#ifndef KEEL_X86_PCI_H
#define KEEL_X86_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_VENDOR_ID   0x00
#define PCI_COMMAND     0x04
#define PCI_STATUS      0x06
#define PCI_HEADER_TYPE 0x0E
#define PCI_BAR0        0x10
#define PCI_CAP_PTR     0x34

#define PCI_CMD_MEMORY       (1u << 1)
#define PCI_CMD_BUS_MASTER   (1u << 2)
#define PCI_CMD_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAP_LIST  (1u << 4)

#define PCI_CAP_MSIX 0x11

struct pci_dev {
	uint16_t segment;
	uint8_t bus, dev, fn;
	uint64_t ecam;          /* this function's 4 KiB config page, 0: legacy I/O */
};

/* Find the first function with this vendor and device id; 0 or -ENODEV. */
int pci_find(uint16_t vendor, uint16_t device, struct pci_dev *out);

uint32_t pci_read32(const struct pci_dev *d, unsigned off);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
uint8_t pci_read8(const struct pci_dev *d, unsigned off);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);

/* Memory BAR n's base address (64-bit BARs read both halves); 0 when the
 * BAR is an I/O BAR or unassigned. */
uint64_t pci_bar_base(const struct pci_dev *d, int n);
/* Offset of the first capability with this id, 0 when absent. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id);

#endif
