/*
 * A PCI function's capability lists, read once for the listing
 * (drivers/pci_list.c): the standard list from the pointer at 0x34
 * (PCI Local Bus spec 3.0 6.7) and, for a PCI Express function, the
 * extended list from 0x100 (PCI Express Base spec 7.6). The names are the
 * ones `lspci -vv` starts its "Capabilities:" lines with, so that a listing
 * can be compared with lspci's (tests/vpci/lspci.sh).
 *
 * Config space is device input: every pointer is bounded (inside the space,
 * dword aligned, past the header) and each walk stops after a fixed number
 * of hops, so a looping list ends.
 */
#include <stddef.h>

#include "drivers/pci.h"
#include "include/hyperv/vpci.h"

#define PCI_CAP_HOPS        48          /* (256 - 64) / 4: more is a loop */
#define PCI_EXT_CAP_HOPS    960         /* (4096 - 256) / 4 */
#define PCI_EXT_CAP_START   0x100u
#define PCI_CFG_SPACE_EXP   4096u
#define PCI_CAP_ID_EXP      0x10

struct pci_cap_name {
	uint16_t id;
	const char *name;
};

/* The names `lspci -vv` prints, by capability ID. */
static const struct pci_cap_name pci_std_names[] = {
	{ 0x01, "Power Management" },
	{ 0x02, "AGP" },
	{ 0x03, "Vital Product Data" },
	{ 0x04, "Slot ID" },
	{ 0x05, "MSI" },
	{ 0x06, "CompactPCI hot-swap" },
	{ 0x07, "PCI-X" },
	{ 0x08, "HyperTransport" },
	{ 0x09, "Vendor Specific Information" },
	{ 0x0a, "Debug port" },
	{ 0x0b, "CompactPCI central resource control" },
	{ 0x0c, "Hot-plug capable" },
	{ 0x0d, "Subsystem" },
	{ 0x0e, "AGP3" },
	{ 0x0f, "Secure device" },
	{ 0x10, "Express" },
	{ 0x11, "MSI-X" },
	{ 0x12, "SATA HBA" },
	{ 0x13, "PCI Advanced Features" },
	{ 0x14, "Enhanced Allocation (EA)" },
	{ 0x15, "Flattening Portal Bridge (FPB)" },
};

static const struct pci_cap_name pci_ext_names[] = {
	{ 0x0001, "Advanced Error Reporting" },
	{ 0x0002, "Virtual Channel" },
	{ 0x0003, "Device Serial Number" },
	{ 0x0004, "Power Budgeting" },
	{ 0x0005, "Root Complex Link" },
	{ 0x000b, "Vendor Specific Information" },
	{ 0x000d, "Access Control Services" },
	{ 0x000e, "Alternative Routing-ID Interpretation (ARI)" },
	{ 0x000f, "Address Translation Service (ATS)" },
	{ 0x0010, "Single Root I/O Virtualization (SR-IOV)" },
	{ 0x0013, "Page Request Interface (PRI)" },
	{ 0x0015, "Resizable BAR" },
	{ 0x0017, "Transaction Processing Hints" },
	{ 0x0018, "Latency Tolerance Reporting" },
	{ 0x0019, "Secondary PCI Express" },
	{ 0x001b, "Process Address Space ID (PASID)" },
	{ 0x001e, "L1 PM Substates" },
	{ 0x0025, "Data Link Feature" },
	{ 0x0026, "Physical Layer 16.0 GT/s" },
	{ 0x0027, "Lane Margining at the Receiver" },
};

static const char *pci_cap_lookup(const struct pci_cap_name *t, size_t n, uint16_t id)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return NULL;
}

const char *pci_cap_name(const struct pci_cap *c)
{
	if (c->ext)
		return pci_cap_lookup(pci_ext_names,
				      sizeof(pci_ext_names) / sizeof(pci_ext_names[0]), c->id);
	return pci_cap_lookup(pci_std_names, sizeof(pci_std_names) / sizeof(pci_std_names[0]),
			      c->id);
}

static void pci_caps_push(struct pci_func *f, uint16_t off, uint16_t id, uint8_t ver, bool ext)
{
	if (f->ncaps < PCI_CAPS_MAX)
		f->caps[f->ncaps++] = (struct pci_cap){ .off = off, .id = id, .ver = ver,
							 .ext = ext };
}

static bool pci_caps_std(struct pci_func *f)
{
	uint32_t ptr;
	uint64_t seen = 0;              /* one bit per dword: a list that loops ends */
	bool express = false;

	if (!(pci_cfg_read(f, PCI_CFG_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return false;
	ptr = pci_cfg_read(f, PCI_CFG_CAP_PTR, 1) & 0xFCu;
	for (int hops = 0; ptr >= 0x40 && hops < PCI_CAP_HOPS; hops++) {
		uint32_t hdr;

		if (seen & 1ull << (ptr / 4))
			break;
		seen |= 1ull << (ptr / 4);
		hdr = pci_cfg_read(f, ptr, 2);

		pci_caps_push(f, (uint16_t)ptr, hdr & 0xFFu, 0, false);
		express |= (hdr & 0xFFu) == PCI_CAP_ID_EXP;
		ptr = (hdr >> 8) & 0xFCu;
	}
	return express;
}

/* Header: ID in bits 0-15, version 16-19, next pointer 20-31. An empty
 * list reads 0 (or all ones from a function that is gone). */
static void pci_caps_ext(struct pci_func *f)
{
	uint32_t ptr = PCI_EXT_CAP_START;

	for (int hops = 0; hops < PCI_EXT_CAP_HOPS; hops++) {
		uint32_t hdr = pci_cfg_read(f, ptr, 4);

		if (!hdr || hdr == 0xFFFFFFFFu)
			return;
		pci_caps_push(f, (uint16_t)ptr, hdr & 0xFFFFu, (hdr >> 16) & 0xFu, true);
		ptr = (hdr >> 20) & 0xFFCu;
		if (ptr < PCI_EXT_CAP_START || ptr + 4 > PCI_CFG_SPACE_EXP)
			return;
	}
}

/* The extended space exists for PCI Express functions only (Linux
 * pci_cfg_space_size: no Express capability, 256 bytes). */
void pci_caps_probe(struct pci_func *f)
{
	f->ncaps = 0;
	if (pci_caps_std(f))
		pci_caps_ext(f);
}
