/*
 * MSI-X for PCI functions (PCI Local Bus spec, MSI-X capability): a driver
 * asks for n vectors; each gets an IDT vector of ours, is registered with
 * the host through the bus (on Hyper-V, CREATE_INTERRUPT returns the
 * remapped address/data, docs/protocols/vpci.md "Interrupts"), and the
 * function's table entry gets exactly what the host returned. Hyper-V does
 * not trap the table writes: an entry with any other value never arrives.
 *
 * The interrupt handler only counts and queues the vector's work item on
 * the function's queue, where the driver's handler runs.
 *
 * Vector ownership is a named singleton (one IDT). Vectors 0x40-0xEF; each
 * is registered with the platform once and then only changes owner.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/pci.h"
#include "include/hyperv/vpci.h"
#include "kernel/log.h"

#define PCI_VEC_FIRST 0x40
#define PCI_VEC_LAST  0xEF

static struct pci_msix_vec *pci_vec_owner[256];
static bool pci_vec_registered[256];

void pci_msix_reset(void)
{
	memset(pci_vec_owner, 0, sizeof(pci_vec_owner));
	memset(pci_vec_registered, 0, sizeof(pci_vec_registered));
}

/* Interrupt context: count and queue, nothing else. */
static void pci_msix_isr(void *arg)
{
	struct pci_msix_vec *v = pci_vec_owner[(uintptr_t)arg & 0xFF];

	if (!v)
		return;                 /* a late interrupt of a freed vector */
	v->raised++;
	wq_queue(v->f->wq, &v->w);
}

/* f->wq: the driver's handler, once per batch of raised interrupts. */
static void pci_msix_work(struct work *w)
{
	struct pci_msix_vec *v = wq_container_of(w, struct pci_msix_vec, w);
	uint64_t s = plat_irq_save();
	uint32_t n = v->raised;

	v->raised = 0;
	plat_irq_restore(s);
	v->handled += n;
	if (n && v->handler)
		v->handler(v->f, v->idx, v->arg);
}

static int pci_vec_alloc(struct pci_msix_vec *v)
{
	for (int vec = PCI_VEC_FIRST; vec <= PCI_VEC_LAST; vec++) {
		if (pci_vec_owner[vec])
			continue;
		if (!pci_vec_registered[vec]) {
			if (plat_irq_register(vec, pci_msix_isr, (void *)(uintptr_t)vec))
				continue;       /* someone else's vector */
			pci_vec_registered[vec] = true;
		}
		pci_vec_owner[vec] = v;
		v->vector = vec;
		return 0;
	}
	return -ENOSPC;
}

/* The table entry i: BAR address + table offset + 16 * i. */
static uint64_t pci_msix_entry(struct pci_func *f, unsigned i)
{
	uint32_t t = pci_cfg_read(f, f->msix_cap + PCI_MSIX_TABLE, 4);
	unsigned bir = t & 7u;

	if (bir >= PCI_BARS || !f->bar[bir].addr)
		return 0;
	return f->bar[bir].addr + (t & ~7u) + (uint64_t)i * PCI_MSIX_ENTRY_SIZE;
}

static void pci_msix_ctrl(struct pci_func *f, uint16_t set, uint16_t clear)
{
	uint32_t c = pci_cfg_read(f, f->msix_cap + PCI_MSIX_CTRL, 2);

	pci_cfg_write(f, f->msix_cap + PCI_MSIX_CTRL, 2, (c & ~clear) | set);
}

static int pci_msix_setup(struct pci_func *f, struct pci_msix_vec *v)
{
	uint64_t e = pci_msix_entry(f, v->idx);
	int err;

	if (!e)
		return -ENXIO;
	err = pci_vec_alloc(v);
	if (err)
		return err;
	err = f->ops->irq_create(f, v->idx, v->vector, &v->addr, &v->data);
	if (err)
		return err;
	v->created = true;
	plat_mmio_write(e + 0, 4, (uint32_t)v->addr);
	plat_mmio_write(e + 4, 4, (uint32_t)(v->addr >> 32));
	plat_mmio_write(e + 8, 4, v->data);
	plat_mmio_write(e + 12, 4, 0);          /* unmasked */
	return 0;
}

void pci_msix_probe_cap(struct pci_func *f)
{
	f->msix_cap = pci_func_find_cap(f, PCI_CAP_ID_MSIX);
	f->msix_size = 0;
	if (f->msix_cap)
		f->msix_size = (uint16_t)((pci_cfg_read(f, f->msix_cap + PCI_MSIX_CTRL, 2) &
					   PCI_MSIX_CTRL_SIZE) + 1);
}

int pci_msix_enable(struct pci_func *f, unsigned n, pci_msix_handler h, void *arg)
{
	int err = 0;

	if (f->msix)
		return -EBUSY;
	pci_msix_probe_cap(f);
	if (!f->msix_cap)
		return -ENODEV;
	if (!n || n > f->msix_size || n > PCI_MSIX_MAX)
		return -EINVAL;
	f->msix = calloc(n, sizeof(*f->msix));
	if (!f->msix)
		return -ENOMEM;
	f->nmsix = n;
	pci_msix_ctrl(f, PCI_MSIX_CTRL_MASKALL, 0);
	for (unsigned i = 0; i < n && !err; i++) {
		struct pci_msix_vec *v = &f->msix[i];

		v->f = f;
		v->idx = i;
		v->handler = h;
		v->arg = arg;
		work_init(&v->w, pci_msix_work, "pci_msix");
		err = pci_msix_setup(f, v);
	}
	if (err)
		goto fail;
	pci_msix_ctrl(f, PCI_MSIX_CTRL_ENABLE, PCI_MSIX_CTRL_MASKALL);
	return 0;
fail:
	pci_msix_disable(f);
	return err;
}

void pci_msix_disable(struct pci_func *f)
{
	if (!f->msix)
		return;
	pci_msix_ctrl(f, PCI_MSIX_CTRL_MASKALL, PCI_MSIX_CTRL_ENABLE);
	for (unsigned i = 0; i < f->nmsix; i++) {
		struct pci_msix_vec *v = &f->msix[i];

		if (v->created)
			f->ops->irq_delete(f, i);
		if (v->vector)
			pci_vec_owner[v->vector] = NULL;
		wq_cancel(&v->w);
	}
	free(f->msix);
	f->msix = NULL;
	f->nmsix = 0;
}
