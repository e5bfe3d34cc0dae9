/*
 * One simulated PCI function behind the vPCI server: its type 0 config
 * header (IDs, command, BARs read back through their masks), its
 * capabilities (one MSI-X capability at 0x40, or those of a real function's
 * config space image, host/vpci_host_dump.c) and its MSI-X table in BAR 0.
 *
 * Hyper-V behaviour the guest must live with (docs/protocols/vpci.md
 * "BARs"): BAR writes are ignored while memory decoding is enabled, and a
 * BAR reads back as the written value masked by its size.
 */
#include <string.h>

#include "host/vpci_host.h"

#define VH_PBA_OFF  0x800u
#define VH_HEADER   0x40u       /* the type 0 header; an image serves the rest */

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

static uint32_t vh_image_reg(const struct vh_proto *p, uint32_t reg)
{
	const uint8_t *b = &p->image[reg];

	return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* A register past the header of a function built from an image: the
 * image's bytes, with the MSI-X enable and mask-all bits the guest set. */
static uint32_t vh_image_cap_reg(const struct vh_func *f, const struct vh_proto *p,
				 uint32_t reg)
{
	uint32_t v = vh_image_reg(p, reg);

	if (p->msix && reg == p->msix_cap)
		v = (v & ~((uint32_t)(PCI_MSIX_CTRL_ENABLE | PCI_MSIX_CTRL_MASKALL) << 16)) |
		    (uint32_t)f->msix_ctrl << 16;
	return v;
}

/* The synthesized capabilities: one MSI-X capability at 0x40. */
static uint32_t vh_msix_reg(const struct vh_func *f, const struct vh_proto *p, uint32_t reg)
{
	if (!p->msix)
		return 0;
	if (reg == p->msix_cap)
		return PCI_CAP_ID_MSIX | (uint32_t)(((p->msix - 1) & PCI_MSIX_CTRL_SIZE) |
						    f->msix_ctrl) << 16;
	if (reg == p->msix_cap + 4u)
		return p->msix_off;                     /* table: BIR 0 */
	if (reg == p->msix_cap + 8u)
		return p->msix_off + VH_PBA_OFF;        /* PBA: BIR 0 */
	return 0;
}

/* Config space as 32-bit registers; the caller picks the bytes. */
static uint32_t vh_reg(const struct vh_func *f, const struct vh_proto *p, uint32_t reg)
{
	bool caps = p->image_len ? (vh_image_reg(p, 0x04) >> 16) & PCI_STATUS_CAP_LIST
				 : p->msix > 0;

	if (reg >= VH_HEADER)
		return p->image_len ? vh_image_cap_reg(f, p, reg) : vh_msix_reg(f, p, reg);
	switch (reg) {
	case 0x00: return p->vendor | (uint32_t)p->device << 16;
	case 0x04: return f->command | (uint32_t)(caps ? PCI_STATUS_CAP_LIST : 0) << 16;
	case 0x08: return p->revision | p->class_code << 8;
	case 0x2C: return p->subsys;
	case 0x34: return p->image_len ? p->image[0x34] : caps ? p->msix_cap : 0;
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
	if (off == p->msix_cap + PCI_MSIX_CTRL && size == 2 && p->msix) {
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
