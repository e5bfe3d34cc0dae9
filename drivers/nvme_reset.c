/*
 * Recovery of an NVMe controller whose command timed out or that reported
 * a fatal status (NVM Express Base Specification 5.1 Abort, 7.3.2
 * controller-level reset): first an Abort for the late command; if that
 * does not bring its completion, a controller reset. The disks go, the
 * controller is disabled and only once CSTS.RDY reads 0 (or the function
 * is gone) do the requests it held end with -EIO (rule 6, drivers/nvme.h);
 * then it starts again from scratch with new disk names, at most
 * NVME_MAX_RESETS times. A controller that does not stop keeps everything.
 */
#include <errno.h>
#include <string.h>

#include "drivers/nvme.h"
#include "kernel/log.h"

#define NVME_MAX_RESETS 3

/* Abort command (sqid, cid); true when the command is over afterwards. */
bool nvme_abort(struct nvme_ctrl *c, struct nvme_queue *q, uint32_t idx)
{
	struct nvme_sqe e = { .opc = NVME_ADM_ABORT,
			      .cdw10 = (uint32_t)NVME_CID(idx, q->slot[idx].gen) << 16 | q->qid };

	if (nvme_admin_sync(c, &e, NULL))
		return false;
	nvme_io_reap(c, q);
	return !q->slot[idx].busy;
}

void nvme_ctrl_reset(struct nvme_ctrl *c, const char *why)
{
	int err;

	if (c->state != NVME_S_LIVE)
		return;
	if (c->resets >= NVME_MAX_RESETS) {
		nvme_fail(c, why);
		return;
	}
	pr_err("nvme%u: resetting the controller: %s\n", c->index, why);
	nvme_fail(c, why);
	if (!c->stopped)
		return;                         /* stays failed, buffers held */
	for (unsigned i = 0; i < c->nns; i++)
		if (blk_disk_held(&c->ns[i].disk)) {
			pr_err("nvme%u: a disk is still draining: no restart\n", c->index);
			return;
		}
	c->resets++;
	pci_msix_disable(c->f);
	for (unsigned i = 0; i < NVME_MAX_IOQ; i++)
		nvme_queue_free(&c->ioq[i]);
	nvme_queue_free(&c->aq);
	c->nioq = c->nns = c->nvec = 0;
	memset(c->ns, 0, sizeof(c->ns));
	c->index = nvme_next_name();
	nvme_set_state(c, NVME_S_INIT);
	err = nvme_start(c);
	if (err) {
		pr_err("nvme%u: restart failed (%d)\n", c->index, err);
		nvme_fail(c, "restart failed");
	}
}
