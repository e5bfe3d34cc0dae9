/*
 * The NVMe PCI function driver (NVM Express Base Specification 7.6.1,
 * controller initialization): probe on the function's queue resets the
 * controller, sets up the admin queue, MSI-X vectors (one per I/O queue
 * pair when granted, else one shared), identifies the controller and its
 * active namespaces, creates the I/O queue pairs and adds each namespace to
 * the block layer as nvmeCnN. Remove (eject, rescind) and failure stop the
 * controller before any request is given back (rule 6, drivers/nvme.h).
 *
 *   INIT --probe ok--> LIVE --hostile/fatal/timeout--> FAILED
 *     ^ \                 \                            |  |
 *     |  `---probe fail----`-----------remove------------|-> REMOVED
 *     `----------------- reset (nvme_reset.c) ------------'
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/diskinfo.h"
#include "drivers/nvme.h"
#include "include/hyperv/vpci.h"
#include "kernel/log.h"

static unsigned nvme_next_index;        /* nvmeN: never given twice */

unsigned nvme_next_name(void)
{
	return nvme_next_index++;
}
static struct nvme_ctrl *nvme_ctrls;    /* allocated, not yet freed */

static const char *state_name(enum nvme_state s)
{
	switch (s) {
	case NVME_S_INIT: return "init";
	case NVME_S_LIVE: return "live";
	case NVME_S_FAILED: return "failed";
	case NVME_S_REMOVED: return "removed";
	}
	return "?";
}

void nvme_set_state(struct nvme_ctrl *c, enum nvme_state s)
{
	bool ok;

	switch (s) {
	case NVME_S_INIT: ok = c->state == NVME_S_FAILED; break;   /* reset */
	case NVME_S_LIVE: ok = c->state == NVME_S_INIT; break;
	case NVME_S_FAILED: ok = c->state == NVME_S_LIVE || c->state == NVME_S_INIT; break;
	case NVME_S_REMOVED: ok = c->state != NVME_S_REMOVED; break;
	default: ok = false; break;
	}
	if (!ok) {
		pr_err("nvme%u: bad transition %s -> %s\n", c->index, state_name(c->state),
		       state_name(s));
		return;
	}
	c->state = s;
}

static void disks_remove(struct nvme_ctrl *c)
{
	for (unsigned i = 0; i < c->nns; i++)
		if (c->ns[i].added) {
			blk_disk_remove(&c->ns[i].disk);
			c->ns[i].added = false;
		}
}

/* Stop the controller, then end what it held. */
static void stop_and_end(struct nvme_ctrl *c, int err)
{
	int e = nvme_ctrl_disable(c);

	if (e && e != -ENODEV)
		pr_err("nvme%u: controller does not stop (%d): its buffers stay held\n",
		       c->index, e);
	nvme_io_end_all(c, err);
}

void nvme_fail(struct nvme_ctrl *c, const char *why)
{
	if (c->state != NVME_S_LIVE && c->state != NVME_S_INIT)
		return;
	pr_err("nvme%u: controller failed: %s\n", c->index, why);
	nvme_set_state(c, NVME_S_FAILED);
	disks_remove(c);
	stop_and_end(c, -EIO);
}

/* c->q: register each namespace; the add hook may do I/O and wait. */
static void add_work(struct work *w)
{
	struct nvme_ctrl *c = wq_container_of(w, struct nvme_ctrl, w_add);

	diskinfo_attach();              /* GPT and checks, as for sd disks */
	for (unsigned i = 0; i < c->nns && c->state == NVME_S_LIVE; i++) {
		struct nvme_ns *ns = &c->ns[i];
		int err;

		if (ns->added)
			continue;
		/* Marked first: a removal while the hook waits must see it. */
		ns->added = true;
		if ((err = blk_disk_add(&ns->disk))) {
			ns->added = false;
			pr_err("nvme%u: namespace %u not added (%d)\n", c->index,
			       (unsigned)ns->nsid, err);
		}
	}
}

bool nvme_disks_settled(void)
{
	for (const struct nvme_ctrl *c = nvme_ctrls; c; c = c->next)
		if (c->state == NVME_S_LIVE && work_busy(&c->w_add))
			return false;
	return true;
}

static void add_disks(struct nvme_ctrl *c)
{
	for (unsigned i = 0; i < c->nns; i++) {
		struct nvme_ns *ns = &c->ns[i];

		ns->disk.ops = &nvme_disk_ops;
		ns->disk.priv = ns;
		ns->disk.can_unmap = c->id.dsm;
		ns->disk.completer = c->f->wq;
		snprintf(ns->disk.model, sizeof(ns->disk.model), "%s", c->id.model);
		snprintf(ns->disk.name_want, sizeof(ns->disk.name_want), "nvme%un%u",
			 c->index, (unsigned)ns->nsid);
	}
	wq_queue(c->q, &c->w_add);      /* queueing twice is harmless */
}

static int msix_setup(struct nvme_ctrl *c)
{
	uint16_t cap = pci_func_find_cap(c->f, PCI_CAP_ID_MSIX);
	unsigned n;

	if (!cap)
		return -ENODEV;
	n = (pci_cfg_read(c->f, cap + PCI_MSIX_CTRL, 2) & PCI_MSIX_CTRL_SIZE) + 1;
	if (n > NVME_MAX_IOQ + 1)
		n = NVME_MAX_IOQ + 1;
	c->nvec = n;
	return pci_msix_enable(c->f, n, nvme_io_irq, c);
}

int nvme_start(struct nvme_ctrl *c)
{
	int err;

	if ((err = nvme_parse_cap(nvme_rd64(c, NVME_REG_CAP), &c->cap)))
		return err;
	if ((err = nvme_ctrl_disable(c)))
		return err;
	if ((err = nvme_queue_alloc(c, &c->aq, 0, NVME_AQDEPTH)))
		return err;
	if (!c->idbuf && !(c->idbuf = plat_page_alloc(1)))
		return -ENOMEM;
	if ((err = nvme_ctrl_enable(c)))
		return err;
	if ((err = msix_setup(c)))
		return err;
	if ((err = nvme_admin_setup(c)))
		return err;
	nvme_set_state(c, NVME_S_LIVE);
	add_disks(c);
	pr_info("nvme%u: %s, %u namespace(s), %u I/O queue(s), %u vector(s)\n", c->index,
		c->id.model, c->nns, c->nioq, c->nvec);
	return 0;
}

static void nvme_unlink(struct nvme_ctrl *c)
{
	for (struct nvme_ctrl **p = &nvme_ctrls; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			return;
		}
}

static void nvme_free_pages(struct nvme_ctrl *c)
{
	for (unsigned i = 0; i < NVME_MAX_IOQ; i++)
		nvme_queue_free(&c->ioq[i]);
	nvme_queue_free(&c->aq);
	if (c->idbuf)
		plat_page_free(c->idbuf, 1);
	c->idbuf = NULL;
}

/* Free the memory the controller may reach, only once it is stopped; the
 * object itself once the block layer no longer names its disks. */
static void nvme_free(struct nvme_ctrl *c)
{
	if (!c->stopped) {
		pr_err("nvme%u: controller memory kept (not stopped)\n", c->index);
		return;
	}
	nvme_free_pages(c);
	for (unsigned i = 0; i < c->nns; i++)
		if (blk_disk_held(&c->ns[i].disk))
			return;                     /* freed by nvme_fini */
	nvme_unlink(c);
	if (c->q)
		wq_destroy(c->q);
	free(c);
}

#ifdef KEEL_TEST_HOOKS
void nvme_reset(void)
{
	while (nvme_ctrls) {
		struct nvme_ctrl *c = nvme_ctrls;

		nvme_ctrls = c->next;
		free(c);                /* its queue went with the work-queue core */
	}
	nvme_next_index = 0;
}

void nvme_fini(void)
{
	for (struct nvme_ctrl *c = nvme_ctrls; c; c = c->next) {
		wq_cancel_delayed(&c->watchdog);
		nvme_free_pages(c);
	}
	nvme_reset();
}
#endif

static int nvme_probe(struct pci_func *f)
{
	struct nvme_ctrl *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	c->f = f;
	c->bar = f->bar[0].addr;
	c->index = nvme_next_name();
	c->next = nvme_ctrls;
	nvme_ctrls = c;
	work_init(&c->w_add, add_work, "nvme_add");
	if (!(c->q = wq_create("nvme", 4))) {
		err = -ENOMEM;
		goto fail;
	}
	delayed_work_init(&c->watchdog, nvme_watchdog, "nvme_watchdog");
	f->drv_priv = c;
	if (!c->bar || f->bar[0].size < 0x2000) {
		err = -ENODEV;
		goto fail;
	}
	pci_enable_memory(f);
	err = nvme_start(c);
	if (err)
		goto fail;
	return 0;
fail:
	pr_err("nvme%u: probe failed (%d)\n", c->index, err);
	disks_remove(c);
	nvme_set_state(c, NVME_S_REMOVED);
	stop_and_end(c, -EIO);
	wq_cancel_sync(&c->w_add, BLK_SYNC_TIMEOUT_NS);
	pci_msix_disable(f);
	f->drv_priv = NULL;
	nvme_free(c);
	return err;
}

static void nvme_remove(struct pci_func *f)
{
	struct nvme_ctrl *c = f->drv_priv;

	if (!c)
		return;
	wq_cancel_delayed(&c->watchdog);
	disks_remove(c);
	nvme_set_state(c, NVME_S_REMOVED);
	stop_and_end(c, -ENODEV);
	/* An add hook still waiting got its request ended just now. */
	wq_cancel_sync(&c->w_add, BLK_SYNC_TIMEOUT_NS);
	disks_remove(c);
	pci_msix_disable(f);
	f->drv_priv = NULL;
	nvme_free(c);
}

const struct pci_driver nvme_pci_driver = {
	.name = "nvme",
	.vendor = 0xFFFF,
	.device = 0xFFFF,
	.class_code = 0x010802,
	.class_mask = 0xFFFFFF,
	.probe = nvme_probe,
	.remove = nvme_remove,
};
