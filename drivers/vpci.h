/*
 * The Hyper-V virtual PCI bus driver's state, shared by its files:
 *
 *   vpci.c            the VMBus driver: bring-up (docs/protocols/vpci.md
 *                     "Bring-up") and removal, the bus state machine
 *   vpci_chan.c       the channel: requests with completions, the receive
 *                     dispatch table, EJECT and relations intake
 *   vpci_parse.c      parsers of host data (relations, BAR masks)
 *   vpci_cfg.c        config space through the window, per-bus lock
 *   vpci_relations.c  the relations work: survey, new and missing functions
 *   vpci_resources.c  BAR placement, RESOURCES_ASSIGNED / RELEASED
 *   vpci_irq.c        CREATE_INTERRUPT / DELETE_INTERRUPT for pci_msix.c
 *   vpci_eject.c      EJECT: the function removed, EJECTION_COMPLETE
 *
 * Contexts and who touches what:
 *  - the channel callback (vmbus_event queue, never waits) fills request
 *    slots, replaces pending_rel, sets eject_pending and queues bus work;
 *  - the bus queue (ordered: one item at a time) runs relations and eject
 *    work under state_lock, which the probe also holds from D0 entry until
 *    its functions are registered (docs/protocols/vpci.md "Races" 4);
 *  - each function's queue runs its driver (drivers/pci_core.c);
 *  - config accesses of any context take cfg_lock around select + access.
 */
#ifndef KEEL_DRIVERS_VPCI_H
#define KEEL_DRIVERS_VPCI_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/pci.h"
#include "include/hyperv/vpci.h"
#include "kernel/timer.h"
#include "kernel/wq.h"
#include "vmbus/vmbus.h"

#define VPCI_EARLY_EJECTS 8     /* EJECTs waiting for the relations work */
#define VPCI_MAX_REQS     16
#define VPCI_REPLY_MAX    152
#define VPCI_TIMEOUT_NS   (10ull * WQ_NS_PER_S)
#define VPCI_WATCHDOG_NS  (1ull * WQ_NS_PER_S)
#define VPCI_RING_PAGES   4          /* 16 KiB each way */

/* Bus states: INIT --survey--> PROBED --D0, resources--> INSTALLED --> REMOVING */
enum vpci_bus_state {
	VB_INIT,
	VB_PROBED,
	VB_INSTALLED,
	VB_REMOVING,
};

/* A complete relations list as the host sent it, after checking. */
struct vpci_relations {
	uint32_t count;
	struct vpci_func_desc2 f[VPCI_MAX_FUNCS];
};

/* The probe's wait for the first relations to be surveyed. */
#define VPCI_SURVEY_LIVE 0x5EA1C0DEu
#define VPCI_SURVEY_DEAD 0xDEADC0DEu
struct vpci_survey {
	uint32_t magic;                 /* LIVE while the waiter is inside its wait */
	bool done;
};

struct vpci_bus;

struct vpci_func {
	struct pci_func pf;
	struct vpci_bus *bus;
	struct vpci_func_desc2 desc;
	uint32_t wslot;
	uint32_t bar_mask[VPCI_BARS];
	bool reported;                  /* in the list being surveyed */
	bool registered;                /* pci_func_add done */
	bool assigned;                  /* RESOURCES_ASSIGNED answered */
	bool eject_pending;             /* EJECT received, work queued */
	struct work w_eject;            /* bus queue; queueing twice is harmless */
	struct vpci_msi_remapped irq[PCI_MSIX_MAX]; /* what the host returned */
	bool irq_live[PCI_MSIX_MAX];
	struct vpci_func *next;
};

/* One request awaiting its completion; the memory is the bus's, so a
 * completion that arrives after its waiter gave up lands here harmlessly. */
struct vpci_req {
	bool busy, done;
	uint16_t gen;
	uint32_t len;
	uint8_t reply[VPCI_REPLY_MAX];
};

struct vpci_bus {
	struct vmbus_device *dev;
	struct vmbus_channel *c;
	enum vpci_bus_state state;
	uint32_t version;
	uint16_t domain;
	uint64_t window;                /* config window GPA, 0 = none */
	bool d0;                        /* FDO_D0_ENTRY succeeded */
	struct kmutex cfg_lock;
	struct kmutex state_lock;
	struct wq *wq;                  /* ordered: relations and eject work */
	struct work w_rel;
	struct vpci_relations *pending_rel; /* newest list not yet surveyed */
	struct work w_early_eject;      /* EJECTs for slots not known when they came */
	uint32_t early_eject[VPCI_EARLY_EJECTS];
	unsigned nearly_eject;
	struct vpci_func *funcs;
	struct vpci_survey *survey;     /* the probe's, while it waits */
	struct waitq wait;              /* completions, rescind, watchdog */
	struct timer watchdog;          /* wakes waiters whose deadline passed */
	int waiters;                    /* waits in progress on wait */
	struct vpci_req req[VPCI_MAX_REQS];
	uint64_t dropped;               /* host messages dropped */
	struct vpci_bus *next_bus;      /* vpci_buses */
	uint64_t rxbuf[(1024 + 64) / 8];
};

/* vpci.c */
/* A simulation run ends without removal (vmbus_fini frees the devices):
 * free every bus's memory, sending nothing. Before vmbus_fini. */
void vpci_fini(void);
void vpci_bus_set_state(struct vpci_bus *b, enum vpci_bus_state to);
bool vpci_gone(const struct vpci_bus *b);

/* vpci_chan.c */
void vpci_on_event(struct vmbus_channel *c, void *arg);
/* Wait on b->wait until cond or VPCI_TIMEOUT_NS passed (then -ETIMEDOUT).
 * The bus watchdog (timer queue) wakes the wait at its deadline, so a host
 * that never answers is a timer event, not a stall. */
int vpci_wait(struct vpci_bus *b, bool (*cond)(void *arg), void *arg);
uint64_t vpci_watchdog(struct timer *t);
/* Send and wait for the completion: reply bytes into out (up to cap),
 * *outlen = bytes the host sent. 0, -ENODEV (rescinded), -ETIMEDOUT. */
int vpci_request(struct vpci_bus *b, const void *msg, uint32_t len, void *out, uint32_t cap,
		 uint32_t *outlen);
/* The same in two halves, so that requests of several functions overlap
 * (one host latency for all): send returns the bus's request slot (>= 0)
 * or -errno; wait takes the completion and frees the slot. Every sent
 * request must be waited for, in any order. */
int vpci_request_send(struct vpci_bus *b, const void *msg, uint32_t len);
int vpci_request_wait(struct vpci_bus *b, int slot, void *out, uint32_t cap, uint32_t *outlen);
/* A message without completion (QUERY_BUS_RELATIONS, RELEASED, ...). */
int vpci_post(struct vpci_bus *b, const void *msg, uint32_t len);

/* vpci_parse.c: 0 or -EINVAL; never reads past len. */
int vpci_parse_relations(const uint8_t *p, uint32_t len, struct vpci_relations *out);
int vpci_parse_resource_reqs(const uint8_t *p, uint32_t len, uint32_t mask[VPCI_BARS]);
/* BAR sizes from the masks: size[i] (0 = none), is64[i]; a 64-bit BAR's
 * upper index gets 0. -EINVAL for I/O BARs or a 64-bit BAR at index 5. */
int vpci_bar_sizes(const uint32_t mask[VPCI_BARS], uint64_t size[VPCI_BARS],
		   bool is64[VPCI_BARS]);

/* vpci_cfg.c */
extern const struct pci_bus_ops vpci_pci_ops;
uint32_t vpci_cfg_read(struct vpci_func *vf, uint32_t off, unsigned size);
void vpci_cfg_write(struct vpci_func *vf, uint32_t off, unsigned size, uint32_t val);

/* vpci_relations.c */
void vpci_relations_work(struct work *w);
struct vpci_func *vpci_func_find(struct vpci_bus *b, uint32_t wslot);
struct vpci_func *vpci_func_new(struct vpci_bus *b, const struct vpci_func_desc2 *d);

/* vpci_resources.c */
int vpci_func_assign(struct vpci_func *vf);
/* The same in two halves: place the BARs and send RESOURCES_ASSIGNED (the
 * request slot, -EBUSY when none is free: _finish sends it, or -errno with
 * nothing kept); then wait and write the BARs (every slot or -EBUSY from
 * _send must be finished). 0 or -errno, nothing kept on failure. */
int vpci_func_assign_send(struct vpci_func *vf);
int vpci_func_assign_finish(struct vpci_func *vf, int slot);
void vpci_func_release(struct vpci_func *vf);

/* vpci_irq.c */
int vpci_irq_create(struct pci_func *f, unsigned idx, int vector, uint64_t *addr,
		    uint32_t *data);
void vpci_irq_delete(struct pci_func *f, unsigned idx);

/* vpci_eject.c */
void vpci_eject_work(struct work *w);
void vpci_early_eject_work(struct work *w);
/* Driver removed, interrupts deleted, resources released, unlinked, freed
 * (bus queue or removal, state_lock held or the bus is going). */
void vpci_func_destroy(struct vpci_func *vf);

#ifdef KEEL_TEST_HOOKS
/* Guest switches that restore designs the "Races" section retired. */
extern bool vpci_legacy_survey_noflush;  /* probe returns without flushing relations work */
extern bool vpci_legacy_irq_eject_abort; /* interrupt creation gives up on a pending eject */
extern bool vpci_legacy_eject_early;     /* EJECTION_COMPLETE before the driver is gone */
#endif

#endif
