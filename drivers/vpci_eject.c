/*
 * Functions leaving the bus (docs/protocols/vpci.md "Hot add and eject",
 * "Races" 4): EJECT is handled on the bus queue under state_lock, so it
 * waits for a probe's D0-to-registration section and for relations work.
 * The function's driver is removed on the function's own queue (waiting
 * for a probe that is still running), its interrupts are deleted and its
 * resources released; only then is EJECTION_COMPLETE sent, well inside the
 * host's minute. The same teardown serves functions missing from a new
 * relations list and every function when the channel is rescinded (then
 * nothing is sent: the host no longer reads the ring).
 */
#include <stdlib.h>
#include <string.h>

#include "drivers/vpci.h"
#include "kernel/log.h"

#ifdef KEEL_TEST_HOOKS
bool vpci_legacy_eject_early;
#endif

void vpci_func_destroy(struct vpci_func *vf)
{
	struct vpci_bus *b = vf->bus;

	wq_cancel(&vf->w_eject);
	if (vf->registered)
		pci_func_remove(&vf->pf);       /* driver gone, MSI-X deleted */
	vpci_func_release(vf);
	for (struct vpci_func **pp = &b->funcs; *pp; pp = &(*pp)->next)
		if (*pp == vf) {
			*pp = vf->next;
			break;
		}
	/* A driver that never returned still owns the memory: keep it. */
	if (!vf->registered || !vf->pf.wq)
		free(vf);
}

static void vpci_eject_complete(struct vpci_bus *b, uint32_t wslot)
{
	struct vpci_ejection_complete m = { VPCI_MSG_EJECTION_COMPLETE, wslot, 0 };

	vpci_post(b, &m, sizeof(m));
}

void vpci_eject_work(struct work *w)
{
	struct vpci_func *vf = wq_container_of(w, struct vpci_func, w_eject);
	struct vpci_bus *b = vf->bus;
	uint32_t wslot = vf->wslot;

#ifdef KEEL_TEST_HOOKS
	if (vpci_legacy_eject_early) {
		/* The retired design: complete first, while users may remain. */
		vpci_eject_complete(b, wslot);
		vpci_func_destroy(vf);
		return;
	}
#endif
	if (kmutex_lock(&b->state_lock, VPCI_TIMEOUT_NS)) {
		pr_err("vpci: %s: eject of slot %u: bus busy\n", vmbus_device_name(b->dev), wslot);
		return;
	}
	vpci_func_destroy(vf);
	vpci_eject_complete(b, wslot);
	kmutex_unlock(&b->state_lock);
}

/*
 * Bus queue: EJECTs for slots the guest did not know when they arrived (the
 * host ejected a function right after listing it). The queue is ordered,
 * so the relations work queued before them has run: a function it created
 * is ejected as any other; a slot still unknown holds nothing of the
 * guest's, and EJECTION_COMPLETE tells the host so at once (it waits a
 * minute for one, then resets the VM).
 */
void vpci_early_eject_work(struct work *w)
{
	struct vpci_bus *b = wq_container_of(w, struct vpci_bus, w_early_eject);

	while (b->nearly_eject && b->state != VB_REMOVING) {
		uint32_t wslot = b->early_eject[--b->nearly_eject];
		struct vpci_func *vf = vpci_func_find(b, wslot);

		if (vf) {
			vf->eject_pending = true;
			wq_queue(b->wq, &vf->w_eject);
			waitq_wake_all(&b->wait);
		} else {
			vpci_eject_complete(b, wslot);
		}
	}
}
