/*
 * Config space of a vPCI function through the bus's config window
 * (docs/protocols/vpci.md "Config window"): under the bus's config lock,
 * write the function's slot to the select register, a barrier, the access
 * at 0x1000 + offset, a barrier. The revision, class and subsystem come from the
 * function description, the ROM BAR and interrupt pin read as 0 (Linux
 * _hv_pcifront_read_config: MSI/MSI-X only); writes there are dropped.
 * Vendor and device are read through the window: vendor 0xFFFF means the
 * function is gone (surprise removal), and pci_core.c checks it before a
 * driver probes.
 */
#include <string.h>

#include "drivers/vpci.h"
#include "kernel/log.h"

#define VPCI_CFG_LOCK_NS (5ull * WQ_NS_PER_S)

static void vpci_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static uint32_t vpci_ones(unsigned size)
{
	return size >= 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
}

/* The emulated registers, or false for a real access. */
static bool vpci_cfg_emulated(const struct vpci_func *vf, uint32_t off, unsigned size,
			      uint32_t *val)
{
	const struct vpci_func_desc *d = &vf->desc.d;
	uint32_t reg;

	switch (off & ~3u) {
	case 0x08: memcpy(&reg, &d->revision, 4); break;   /* rev, prog-if, sub, base */
	case 0x2C: reg = d->subsystem_id; break;
	case 0x30: case 0x3C: reg = 0; break;              /* no ROM, no INTx */
	default: return false;
	}
	reg >>= (off & 3u) * 8;
	*val = size >= 4 ? reg : reg & ((1u << (size * 8)) - 1);
	return true;
}

static bool vpci_cfg_ok(uint32_t off, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && !(off & (size - 1)) &&
	       off + size <= VPCI_CFG_SPACE_SIZE;
}

uint32_t vpci_cfg_read(struct vpci_func *vf, uint32_t off, unsigned size)
{
	struct vpci_bus *b = vf->bus;
	uint32_t v = vpci_ones(size);

	if (!vpci_cfg_ok(off, size))
		return v;
	if (vpci_cfg_emulated(vf, off, size, &v))
		return v;
	if (!b->d0 || kmutex_lock(&b->cfg_lock, VPCI_CFG_LOCK_NS))
		return vpci_ones(size);
	plat_mmio_write(b->window + VPCI_CFG_SLOT_SELECT, 4, vf->wslot);
	vpci_barrier();
	v = (uint32_t)plat_mmio_read(b->window + VPCI_CFG_SPACE + off, size);
	vpci_barrier();
	kmutex_unlock(&b->cfg_lock);
	return v;
}

void vpci_cfg_write(struct vpci_func *vf, uint32_t off, unsigned size, uint32_t val)
{
	struct vpci_bus *b = vf->bus;

	if (!vpci_cfg_ok(off, size) || (off >= 0x2C && off < 0x34))
		return;
	if (!b->d0 || kmutex_lock(&b->cfg_lock, VPCI_CFG_LOCK_NS))
		return;
	plat_mmio_write(b->window + VPCI_CFG_SLOT_SELECT, 4, vf->wslot);
	vpci_barrier();
	plat_mmio_write(b->window + VPCI_CFG_SPACE + off, size, val);
	vpci_barrier();
	kmutex_unlock(&b->cfg_lock);
}

static uint32_t vpci_pci_cfg_read(struct pci_func *f, uint32_t off, unsigned size)
{
	return vpci_cfg_read(wq_container_of(f, struct vpci_func, pf), off, size);
}

static void vpci_pci_cfg_write(struct pci_func *f, uint32_t off, unsigned size, uint32_t val)
{
	vpci_cfg_write(wq_container_of(f, struct vpci_func, pf), off, size, val);
}

const struct pci_bus_ops vpci_pci_ops = {
	.cfg_read = vpci_pci_cfg_read,
	.cfg_write = vpci_pci_cfg_write,
	.irq_create = vpci_irq_create,
	.irq_delete = vpci_irq_delete,
};
