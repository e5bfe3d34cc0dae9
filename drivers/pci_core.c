/*
 * The PCI function registry and the function driver model: a bus driver
 * registers each function it found (pci_func_add); the function gets its
 * own ordered work queue, on which its driver is chosen from the table
 * (drivers/pci_driver.c) and probed, asynchronously, so that one slow
 * function never holds up another or its bus. Removal runs on the same
 * queue, so it always follows a probe that already started.
 *
 *   NEW --probe work--> PROBING --0--> BOUND ------remove work--> REMOVING --> GONE
 *    |                     +--err--> PROBE_FAILED --remove work--^
 *    +-- no driver --> NO_DRIVER ---------------remove work------^
 *
 * The registry is a named singleton (one machine); it is touched only from
 * work items (bus queues and function queues), never from interrupts.
 */
#include <errno.h>
#include <stdio.h>

#include "drivers/pci.h"
#include "include/hyperv/vpci.h"
#include "kernel/log.h"

#define PCI_REMOVE_TIMEOUT_NS (30ull * WQ_NS_PER_S)

static struct pci_func *pci_funcs;

static const char *const pci_state_names[] = {
	[PF_NEW] = "new", [PF_PROBING] = "probing", [PF_BOUND] = "bound",
	[PF_NO_DRIVER] = "no driver", [PF_PROBE_FAILED] = "probe failed",
	[PF_REMOVING] = "removing", [PF_GONE] = "gone",
};

const char *pci_func_state_name(enum pci_func_state s)
{
	return s <= PF_GONE ? pci_state_names[s] : "?";
}

/* The one transition function: anything not in the diagram is a bug. */
static void pci_func_set_state(struct pci_func *f, enum pci_func_state to)
{
	bool ok;

	switch (to) {
	case PF_PROBING: ok = f->state == PF_NEW; break;
	case PF_BOUND:
	case PF_NO_DRIVER:
	case PF_PROBE_FAILED: ok = f->state == PF_PROBING; break;
	case PF_REMOVING: ok = f->state != PF_GONE && f->state != PF_REMOVING; break;
	case PF_GONE: ok = f->state == PF_REMOVING; break;
	default: ok = false; break;
	}
	kassert(ok);                    /* a transition not in the diagram */
	f->state = to;
}

void pci_reset(void)
{
	pci_funcs = NULL;
	pci_msix_reset();
	pci_mmio_reset();
}

struct pci_func *pci_func_first(void)
{
	return pci_funcs;
}

uint32_t pci_cfg_read(struct pci_func *f, uint32_t off, unsigned size)
{
	return f->ops->cfg_read(f, off, size);
}

void pci_cfg_write(struct pci_func *f, uint32_t off, unsigned size, uint32_t val)
{
	f->ops->cfg_write(f, off, size, val);
}

uint16_t pci_func_find_cap(struct pci_func *f, uint8_t id)
{
	uint32_t ptr;

	if (!(pci_cfg_read(f, PCI_CFG_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	ptr = pci_cfg_read(f, PCI_CFG_CAP_PTR, 1) & 0xFC;
	/* 48 hops at most: a looping list from a broken device ends here. */
	for (int hops = 0; ptr >= 0x40 && hops < 48; hops++) {
		uint32_t hdr = pci_cfg_read(f, ptr, 2);

		if ((hdr & 0xFF) == id)
			return (uint16_t)ptr;
		ptr = (hdr >> 8) & 0xFC;
	}
	return 0;
}

void pci_enable_memory(struct pci_func *f)
{
	uint32_t cmd = pci_cfg_read(f, PCI_CFG_COMMAND, 2);

	pci_cfg_write(f, PCI_CFG_COMMAND, 2, cmd | PCI_CMD_MEMORY | PCI_CMD_MASTER);
}

/* f->wq: pick the driver and probe. */
static void pci_probe_work(struct work *w)
{
	struct pci_func *f = wq_container_of(w, struct pci_func, w_probe);
	int err;

	pci_func_set_state(f, PF_PROBING);
	f->drv = pci_driver_match(f);
	/* All ones where the vendor ID should be: the function is not there. */
	f->gone = pci_cfg_read(f, PCI_CFG_VENDOR, 2) == 0xFFFF;
	if (f->drv && f->gone) {
		pr_warn("pci: %s: gone (vendor 0xffff), not probed\n", f->name);
		pci_func_set_state(f, PF_PROBE_FAILED);
		return;
	}
	if (!f->gone)
		pci_caps_probe(f);              /* for the listing, driver or not */
	pci_msix_probe_cap(f);
	if (!f->drv) {
		pci_func_set_state(f, PF_NO_DRIVER);
		return;
	}
	err = f->drv->probe(f);
	if (err) {
		pr_warn("pci: %s: %s probe failed (%d)\n", f->name, f->drv->name, err);
		pci_msix_disable(f);
		pci_func_set_state(f, PF_PROBE_FAILED);
		return;
	}
	pci_func_set_state(f, PF_BOUND);
}

/* f->wq, after any probe: the driver lets go of the function. */
static void pci_remove_work(struct work *w)
{
	struct pci_func *f = wq_container_of(w, struct pci_func, w_remove);
	bool bound = f->state == PF_BOUND;

	pci_func_set_state(f, PF_REMOVING);
	if (bound && f->drv->remove)
		f->drv->remove(f);
	pci_msix_disable(f);                    /* whatever the driver left */
	pci_func_set_state(f, PF_GONE);
}

int pci_func_add(struct pci_func *f)
{
	struct pci_func **pp = &pci_funcs;

	snprintf(f->name, sizeof(f->name), "pci%04x:%02x:%02x.%u", f->domain, f->bus,
		 f->devfn >> 3, f->devfn & 7u);
	f->wq = wq_create("pci_func", 1);      /* a literal: names outlive queues */
	if (!f->wq)
		return -ENOMEM;
	f->state = PF_NEW;
	work_init(&f->w_probe, pci_probe_work, "pci_probe");
	work_init(&f->w_remove, pci_remove_work, "pci_remove");
	while (*pp)
		pp = &(*pp)->next;
	f->next = NULL;
	*pp = f;
	wq_queue(f->wq, &f->w_probe);
	return 0;
}

static void pci_unregister(struct pci_func *f)
{
	for (struct pci_func **pp = &pci_funcs; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			return;
		}
}

void pci_func_remove(struct pci_func *f)
{
	int err;

	if (!f->wq)
		return;
	wq_cancel(&f->w_probe);                 /* not started: never will */
	wq_queue(f->wq, &f->w_remove);
	/* The driver's remove has its own timeouts; this one is the backstop. */
	err = wq_flush_work(&f->w_remove, PCI_REMOVE_TIMEOUT_NS);
	if (err)
		pr_err("pci: %s: remove did not finish (%d)\n", f->name, err);
	pci_unregister(f);
	if (!err) {
		wq_destroy(f->wq);
		f->wq = NULL;
	}
}
