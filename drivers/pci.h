/*
 * Keel's PCI layer: the functions a bus driver (today only the Hyper-V
 * virtual PCI bus, drivers/vpci*.c) found, the table of PCI function
 * drivers matched by vendor/device/class, MSI-X vectors, MMIO space for
 * config windows and BARs, and the lspci-style listing.
 *
 *   pci_core.c    function registry, driver match, asynchronous probe/remove
 *   pci_driver.c  the function driver table
 *   pci_msix.c    MSI-X vectors: host-remapped address/data into the table
 *   pci_mmio.c    the MMIO ranges (firmware's VMBus ranges) and allocations
 *   pci_caps.c    the capability lists (standard and PCI Express extended)
 *   pci_list.c    the listing (domain:bus:dev.fn, IDs, BARs, capabilities)
 *
 * Contexts: a function's probe and remove run on its own work queue (f->wq)
 * and may wait; MSI-X handlers run on that queue too (the interrupt handler
 * only counts and queues). The bus driver owns everything else in the
 * struct and changes it only on its own bus queue.
 */
#ifndef KEEL_DRIVERS_PCI_H
#define KEEL_DRIVERS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/platform.h"
#include "kernel/wq.h"

#define PCI_BARS 6
#define PCI_MSIX_MAX 64
#define PCI_CAPS_MAX 24         /* capabilities kept for the listing */

struct pci_func;

/* What a bus driver provides for its functions. All may wait. */
struct pci_bus_ops {
	uint32_t (*cfg_read)(struct pci_func *f, uint32_t off, unsigned size);
	void (*cfg_write)(struct pci_func *f, uint32_t off, unsigned size, uint32_t val);
	/* Register IDT vector `vector` with the host; addr and data = what the
	 * function must send. 0 or -errno. */
	int (*irq_create)(struct pci_func *f, unsigned idx, int vector, uint64_t *addr,
			  uint32_t *data);
	void (*irq_delete)(struct pci_func *f, unsigned idx);
};

struct pci_bar {
	uint64_t addr;          /* guest-physical, 0 = not assigned */
	uint64_t size;          /* 0 = the function has no such BAR */
	bool is64;
};

typedef void (*pci_msix_handler)(struct pci_func *f, unsigned idx, void *arg);

struct pci_msix_vec {
	struct pci_func *f;
	unsigned idx;
	int vector;             /* IDT vector, 0 = none */
	bool created;           /* the host holds an interrupt for it */
	uint64_t addr;
	uint32_t data;
	pci_msix_handler handler;
	void *arg;
	struct work w;          /* runs the handler on f->wq; queueing twice is harmless */
	uint32_t raised;        /* interrupts counted by the ISR, not yet handled */
	uint64_t handled;
};

/* One capability as the listing shows it (pci_caps.c). */
struct pci_cap {
	uint16_t off;           /* in config space */
	uint16_t id;
	uint8_t ver;            /* extended capabilities only */
	bool ext;               /* in the PCI Express extended list (off >= 0x100) */
};

enum pci_func_state {
	PF_NEW,                 /* registered, probe queued */
	PF_PROBING,
	PF_BOUND,
	PF_NO_DRIVER,
	PF_PROBE_FAILED,
	PF_REMOVING,
	PF_GONE,
};

struct pci_driver {
	const char *name;
	uint16_t vendor, device;        /* 0xFFFF: any */
	uint32_t class_code, class_mask; /* match (class & mask) == class_code */
	int (*probe)(struct pci_func *f);   /* f->wq; may wait; 0 = bound */
	void (*remove)(struct pci_func *f); /* f->wq; undo probe */
};

struct pci_func {
	/* identity (set by the bus driver before pci_func_add) */
	uint16_t domain;
	uint8_t bus, devfn;
	uint16_t vendor, device;
	uint32_t class_code;    /* base << 16 | sub << 8 | prog-if */
	uint8_t revision;
	uint32_t subsys;
	uint32_t serial;
	struct pci_bar bar[PCI_BARS];
	const struct pci_bus_ops *ops;
	void *bus_priv;
	/* core state (pci_core.c; transitions in pci_func_set_state) */
	enum pci_func_state state;
	bool gone;              /* vendor read as 0xFFFF: surprise removal */
	const struct pci_driver *drv;
	void *drv_priv;
	char name[16];          /* "pci0001:00:00.0", for messages */
	struct wq *wq;
	struct work w_probe, w_remove;
	struct pci_func *next;  /* registry */
	/* MSI-X (pci_msix.c) */
	uint16_t msix_cap;      /* capability offset, 0 = none */
	uint16_t msix_size;     /* table entries */
	struct pci_msix_vec *msix;
	unsigned nmsix;
	/* capability lists, read before the probe (pci_caps.c) */
	struct pci_cap caps[PCI_CAPS_MAX];
	unsigned ncaps;
};

/* ---- pci_core.c ---- */

/* Start of a run: forget functions and vectors (keelsim seeds, boot). */
void pci_reset(void);
/* Register f and probe it asynchronously on its own queue. 0 or -errno. */
int pci_func_add(struct pci_func *f);
/* Remove the driver (on f->wq) and unregister; waits for a running probe.
 * Bus queue; returns when no driver code of f runs any more. */
void pci_func_remove(struct pci_func *f);
const char *pci_func_state_name(enum pci_func_state s);
/* Every registered function, in registration order. */
struct pci_func *pci_func_first(void);
uint32_t pci_cfg_read(struct pci_func *f, uint32_t off, unsigned size);
void pci_cfg_write(struct pci_func *f, uint32_t off, unsigned size, uint32_t val);
/* Find a capability; 0 when absent. */
uint16_t pci_func_find_cap(struct pci_func *f, uint8_t id);
void pci_enable_memory(struct pci_func *f);

/* ---- pci_driver.c ---- */

extern const struct pci_driver *const pci_drivers[];
extern const unsigned pci_ndrivers;
const struct pci_driver *pci_driver_match(const struct pci_func *f);

/* ---- pci_msix.c ---- */

/* Allocate n vectors (n <= table size), register each with the host, write
 * the table and enable MSI-X. On failure nothing stays allocated. f->wq. */
int pci_msix_enable(struct pci_func *f, unsigned n, pci_msix_handler h, void *arg);
/* Mask, delete every host interrupt, free the vectors. Safe when none. */
void pci_msix_disable(struct pci_func *f);
/* Find the MSI-X capability and its table size (f->msix_cap, msix_size). */
void pci_msix_probe_cap(struct pci_func *f);
void pci_msix_reset(void);

#ifdef KEEL_TEST_HOOKS
/* pci_testfn.c: config reads its probe makes first (make bench-vpci). */
extern unsigned pci_testfn_cfg_reads;
#endif

/* ---- pci_caps.c ---- */

/* Read the capability lists into f->caps (bounded; f->wq). */
void pci_caps_probe(struct pci_func *f);
/* lspci's name of the capability, NULL for one it does not know. */
const char *pci_cap_name(const struct pci_cap *c);

/* ---- pci_mmio.c ---- */

#define PCI_MMIO_MAX_RANGES 4

void pci_mmio_reset(void);
/* A range the firmware gives for device MMIO (the VMBus module's _CRS). */
int pci_mmio_add_range(uint64_t base, uint64_t size);
/* The framebuffer: its reservation is never handed out (docs/protocols/
 * docs/protocols/vpci.md "Framebuffer rule"). */
void pci_mmio_set_framebuffer(uint64_t base, uint64_t size);
/* size bytes aligned to align, at or above min; 0 and *out or -ENOSPC. */
int pci_mmio_alloc(uint64_t size, uint64_t align, uint64_t min, uint64_t *out);
void pci_mmio_free(uint64_t base);

/* ---- pci_list.c ---- */

/* The listing into buf (NUL-terminated, truncated to cap); returns length. */
size_t pci_list_format(char *buf, size_t cap);
void pci_lspci(void);    /* to the log */

#endif
