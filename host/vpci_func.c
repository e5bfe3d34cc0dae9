/*
 * One simulated PCI function behind the vPCI server: its type 0 config
 * header (IDs, command, BARs read back through their masks, one MSI-X
 * capability at 0x40) and its MSI-X table at the start of BAR 0.
 *
 * Hyper-V behaviour the guest must live with (docs/protocols/vpci.md
 * "BARs"): BAR writes are ignored while memory decoding is enabled, and a
 * BAR reads back as the written value masked by its size.
 */
#include <string.h>

#include "host/vpci_host.h"

#define VH_MSIX_CAP 0x40u
#define VH_PBA_OFF  0x800u

void vh_func_build(struct vh_func *f, const struct vh_proto *p, uint32_t serial)
{
	memset(f, 0, sizeof(*f));
	f->present = true;
	f->serial = serial;
	for (int i = 0; i < VPCI_BARS; i++) {
		uint64_t mask;

		if (!p->bar_size[i])
			continue;
		mask = ~(p->bar_size[i] - 1);
		if (p->bar64[i] && i + 1 < VPCI_BARS) {
			f->bar_mask[i] = ((uint32_t)mask & ~0xFu) | PCI_BAR_MEM64;
			f->bar_mask[i + 1] = (uint32_t)(mask >> 32);
			i++;
		} else {
			f->bar_mask[i] = (uint32_t)mask & ~0xFu;
		}
	}
	for (int k = 0; k < VH_MSIX_MAX; k++)
		f->msix_table[k][12] = 1;          /* vector control: masked */
}

static uint32_t vh_bar_read(const struct vh_func *f, int i)
{
	return (f->bar_val[i] & f->bar_mask[i]) | (f->bar_mask[i] & 0xFu);
}

/* The header as 32-bit registers; the caller picks the bytes. */
static uint32_t vh_reg(const struct vh_func *f, const struct vh_proto *p, uint32_t reg)
{
	bool msix = p->msix > 0;

	switch (reg) {
	case 0x00: return p->vendor | (uint32_t)p->device << 16;
	case 0x04: return f->command | (uint32_t)(msix ? PCI_STATUS_CAP_LIST : 0) << 16;
	case 0x08: return p->revision | p->class_code << 8;
	case 0x2C: return p->subsys;
	case 0x34: return msix ? VH_MSIX_CAP : 0;
	case VH_MSIX_CAP:
		if (!msix)
			return 0;
		return PCI_CAP_ID_MSIX | (uint32_t)(((p->msix - 1) & PCI_MSIX_CTRL_SIZE) |
						    f->msix_ctrl) << 16;
	case VH_MSIX_CAP + 4: return msix ? p->msix_off : 0;  /* table: BIR 0 */
	case VH_MSIX_CAP + 8: return msix ? p->msix_off + VH_PBA_OFF : 0; /* PBA: BIR 0 */
	default:
		if (reg >= PCI_CFG_BAR0 && reg < PCI_CFG_BAR0 + 4 * VPCI_BARS)
			return vh_bar_read(f, (int)(reg - PCI_CFG_BAR0) / 4);
		return 0;
	}
}

uint32_t vh_cfg_read(const struct vh_func *f, const struct vh_proto *p, uint32_t off,
		     unsigned size)
{
	uint32_t v = vh_reg(f, p, off & ~3u) >> ((off & 3u) * 8);

	return size >= 4 ? v : v & ((1u << (size * 8)) - 1);
}

void vh_cfg_write(struct vh_func *f, const struct vh_proto *p, uint32_t off, unsigned size,
		  uint32_t val)
{
	if (off == PCI_CFG_COMMAND && size >= 2) {
		f->command = (uint16_t)(val & (PCI_CMD_MEMORY | PCI_CMD_MASTER));
		return;
	}
	if (off == VH_MSIX_CAP + PCI_MSIX_CTRL && size == 2 && p->msix) {
		f->msix_ctrl = (uint16_t)(val & (PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_MASKALL));
		return;
	}
	if (off >= PCI_CFG_BAR0 && off < PCI_CFG_BAR0 + 4 * VPCI_BARS && size == 4 &&
	    !(off & 3u) && !(f->command & PCI_CMD_MEMORY))
		f->bar_val[(off - PCI_CFG_BAR0) / 4] = val;
	/* everything else is read-only */
}

uint64_t vh_bar_size(const struct vh_func *f, int i)
{
	uint64_t mask;

	if (!f->bar_mask[i])
		return 0;
	mask = f->bar_mask[i] & ~0xFull;
	if ((f->bar_mask[i] & 6u) == PCI_BAR_MEM64 && i + 1 < VPCI_BARS)
		mask |= (uint64_t)f->bar_mask[i + 1] << 32;
	else
		mask |= 0xFFFFFFFF00000000ull;
	return ~mask + 1;
}

uint64_t vh_bar_addr(const struct vh_func *f, int i)
{
	uint64_t a;

	if (!f->bar_mask[i] || !(f->command & PCI_CMD_MEMORY))
		return 0;
	a = f->bar_val[i] & f->bar_mask[i] & ~0xFull;
	if ((f->bar_mask[i] & 6u) == PCI_BAR_MEM64 && i + 1 < VPCI_BARS)
		a |= (uint64_t)(f->bar_val[i + 1] & f->bar_mask[i + 1]) << 32;
	return a;
}

bool vh_msix_access(struct vh_func *f, const struct vh_proto *p, uint64_t off,
		    unsigned size, bool write, uint64_t *val)
{
	uint64_t end = (uint64_t)p->msix * PCI_MSIX_ENTRY_SIZE;
	uint8_t *b;

	if (off < p->msix_off)
		return false;
	off -= p->msix_off;
	if (!p->msix || off >= end || off + size > end || (off & (size - 1)))
		return false;
	b = &f->msix_table[off / 16][off % 16];
	if (write) {
		memcpy(b, val, size);
	} else {
		*val = 0;
		memcpy(val, b, size);
	}
	return true;
}
