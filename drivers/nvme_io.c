/*
 * The NVMe block-layer entry (NVM Command Set: Read, Write, Flush, Dataset
 * Management): a request becomes one command on the next I/O queue pair
 * (round robin, as storvsc spreads over its channels), its buffer described
 * by PRP1/PRP2 or the slot's PRP list (Base Specification 4.3) when it
 * spans more than two pages. Requests wait in the queue's FIFO while every
 * command id is busy. Completions are reaped by the MSI-X handler; the
 * watchdog fails a controller whose command outlived NVME_CMD_TIMEOUT_NS.
 */
#include <errno.h>
#include <string.h>

#include "drivers/nvme.h"
#include "drivers/nvme_reap.h"
#include "kernel/log.h"

static uint64_t buf_gpa(const void *buf, size_t off)
{
	return plat_ptr_to_gpa((const uint8_t *)buf + off);
}

/* PRP entries for [buf, buf+len): first page, then page by page (each
 * page's address asked for: pages need not be contiguous). */
static void build_prp(struct nvme_slot *s, struct nvme_sqe *e, void *buf, size_t len)
{
	uint64_t gpa = buf_gpa(buf, 0);
	size_t first = NVME_PAGE - (gpa & (NVME_PAGE - 1));
	size_t off = first, n = 0;

	e->prp1 = gpa;
	if (len <= first)
		return;
	if (len - first <= NVME_PAGE) {
		e->prp2 = buf_gpa(buf, first);
		return;
	}
	for (; off < len; off += NVME_PAGE)
		s->prp[n++] = buf_gpa(buf, off);
	e->prp2 = plat_ptr_to_gpa(s->prp);
}

/* The command into e, which is the SQ entry itself: every field is
 * written (no memset of the entry, and no copy of it afterwards). */
static void build_cmd(struct nvme_ns *ns, struct nvme_slot *s, struct blk_req *r,
		      struct nvme_sqe *e)
{
	size_t len = (size_t)r->nblocks * ns->disk.block_size;
	struct nvme_dsm_range *rg;

	e->flags = 0;
	e->nsid = ns->nsid;
	e->cdw2 = e->cdw3 = 0;
	e->mptr = 0;
	e->prp1 = e->prp2 = 0;
	e->cdw10 = e->cdw11 = e->cdw12 = 0;
	e->cdw13 = e->cdw14 = e->cdw15 = 0;
	switch (r->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE:
		e->opc = r->op == BLK_OP_READ ? NVME_CMD_READ : NVME_CMD_WRITE;
		e->cdw10 = (uint32_t)r->lba;
		e->cdw11 = (uint32_t)(r->lba >> 32);
		e->cdw12 = (r->nblocks - 1) | ((r->flags & BLK_F_FUA) ? 1u << 30 : 0);
		build_prp(s, e, r->buf, len);
		break;
	case BLK_OP_UNMAP:
		/* The slot's PRP page carries the one range. */
		rg = (struct nvme_dsm_range *)s->prp;
		memset(rg, 0, sizeof(*rg));
		rg->nlb = r->nblocks;
		rg->slba = r->lba;
		e->opc = NVME_CMD_DSM;
		e->cdw11 = NVME_DSM_AD;
		e->prp1 = plat_ptr_to_gpa(s->prp);
		break;
	default:
		e->opc = NVME_CMD_FLUSH;
		break;
	}
}

/* Inlined into its two callers: one call level less on every submit. */
static inline __attribute__((always_inline))
void start(struct nvme_queue *q, struct blk_req *r, int cid)
{
	struct nvme_slot *s = &q->slot[cid];
	struct nvme_sqe *e = nvme_sq_next(q);

	s->req = r;
	build_cmd(r->r_disk->priv, s, r, e);
	e->cid = NVME_CID(cid, s->gen);
	nvme_sq_ring(q);
	/* The watchdog runs while commands are out, so an idle system rests. */
	if (!q->c->wd_armed)
		q->c->wd_armed = wq_queue_delayed(q->c->f->wq, &q->c->watchdog, NVME_WATCHDOG_NS);
}

static int nvme_submit(struct blk_disk *d, struct blk_req *r)
{
	struct nvme_ns *ns = d->priv;
	struct nvme_ctrl *c = ns->c;
	struct nvme_queue *q;
	int cid;

	if (c->state != NVME_S_LIVE)
		return -ENODEV;
	/* The block layer does not split: larger requests are refused. */
	if (r->nblocks > ns->max_blocks || (r->op == BLK_OP_UNMAP && !d->can_unmap) ||
	    (r->op != BLK_OP_FLUSH && !r->nblocks))
		return -EINVAL;
	r->r_disk = d;
	q = &c->ioq[c->next_q++ % c->nioq];
	cid = nvme_slot_get(q);
	if (cid < 0) {
		r->r_next = NULL;
		r->r_queued = true;
		*q->pend_tail = r;
		q->pend_tail = &r->r_next;
		return 0;
	}
	start(q, r, cid);
	return 0;
}

const struct blk_disk_ops nvme_disk_ops = { .submit = nvme_submit };

/* SC (bits 8:1) and SCT (11:9) both 0: success. */
#define STATUS_SC_SCT 0x0FFEu

static int status_errno(uint16_t st)
{
	if (!(st & STATUS_SC_SCT))
		return 0;
	if (!NVME_CQE_SCT(st) && NVME_CQE_SC(st) == NVME_SC_LBA_RANGE)
		return -ERANGE;
	return -EIO;
}

static void done_work(struct work *w)
{
	struct blk_req *r = wq_container_of(w, struct blk_req, r_work);

	blk_complete(r, r->status);
}

/* Rule 5: a done() that may wait never runs in the MSI-X path (f->wq); it
 * goes to the controller's own queue. */
static inline __attribute__((always_inline))
void nvme_finish(struct nvme_ctrl *c, struct blk_req *r, int err)
{
	if ((r->flags & BLK_F_MAY_BLOCK) && c->q) {
		r->status = err;
		work_init(&r->r_work, done_work, "nvme_done");
		wq_queue(c->q, &r->r_work);
		return;
	}
	blk_complete(r, err);
}

static inline __attribute__((always_inline))
void io_done(struct nvme_queue *q, const struct nvme_cqe *e)
{
	struct blk_req *r = q->slot[e->cid].req;
	int err = status_errno(e->status);

	q->slot[e->cid].req = NULL;
	if (!r)
		return;
	if (err)
		r->r_disk->n_err++;
	else if (r->op == BLK_OP_READ)
		r->r_disk->n_read++;
	else if (r->op == BLK_OP_WRITE)
		r->r_disk->n_write++;
	nvme_finish(q->c, r, err);
}

/* Requests waiting for a command id start as ids free up. */
static void drain_pending(struct nvme_queue *q)
{
	while (q->pend_head && q->c->state == NVME_S_LIVE) {
		struct blk_req *r = q->pend_head;
		int cid = nvme_slot_get(q);

		if (cid < 0)
			return;
		q->pend_head = r->r_next;
		if (!q->pend_head)
			q->pend_tail = &q->pend_head;
		r->r_queued = false;
		start(q, r, cid);
	}
}

/* Inlined into the MSI-X handler: one call level less per interrupt. */
static inline __attribute__((always_inline))
void io_reap(struct nvme_ctrl *c, struct nvme_queue *q)
{
	if (nvme_reap_each(q, io_done)) {
		nvme_fail(c, "hostile completion entry");
		return;
	}
	drain_pending(q);
}

void nvme_io_reap(struct nvme_ctrl *c, struct nvme_queue *q)
{
	io_reap(c, q);
}

/* Vector idx serves pairs idx - 1, idx - 1 + (nvec - 1), ... (the
 * assignment of nvme_admin.c create_pair); a shared vector (nvec <= 1)
 * serves every pair; vector 0 is the admin queue's otherwise. */
void nvme_io_irq(struct pci_func *f, unsigned idx, void *arg)
{
	struct nvme_ctrl *c = arg;
	unsigned i = 0, step = 1;

	(void)f;
	if (c->nvec > 1) {
		if (!idx)
			return;
		i = idx - 1;
		step = c->nvec - 1;
	}
	for (; i < c->nioq && c->state == NVME_S_LIVE; i += step)
		io_reap(c, &c->ioq[i]);
}

/* Every request still held ends with err: only once the controller is
 * stopped, so nothing writes a buffer given back (rule 6). */
void nvme_io_end_all(struct nvme_ctrl *c, int err)
{
	if (!c->stopped)
		return;
	for (unsigned i = 0; i < c->nioq; i++) {
		struct nvme_queue *q = &c->ioq[i];

		for (uint32_t k = 0; k < q->depth; k++) {
			struct blk_req *r = q->slot[k].req;

			q->slot[k].req = NULL;
			q->slot[k].busy = false;
			if (r)
				nvme_finish(c, r, err);
		}
		q->busy = 0;
		while (q->pend_head) {
			struct blk_req *r = q->pend_head;

			q->pend_head = r->r_next;
			r->r_queued = false;
			nvme_finish(c, r, err);
		}
		q->pend_tail = &q->pend_head;
	}
}

void nvme_watchdog(struct work *w)
{
	struct nvme_ctrl *c = wq_container_of(w, struct nvme_ctrl, watchdog.work);
	uint64_t now = plat_now_ns();
	bool out = false;

	c->wd_armed = false;
	if (c->state != NVME_S_LIVE)
		return;
	if (nvme_rd32(c, NVME_REG_CSTS) & NVME_CSTS_CFS) {
		nvme_ctrl_reset(c, "controller fatal status");
		return;
	}
	for (unsigned i = 0; i < c->nioq; i++)
		for (uint32_t k = 0; k < c->ioq[i].depth; k++) {
			if (!c->ioq[i].slot[k].busy)
				continue;
			out = true;
			if (now - c->ioq[i].slot[k].issued > NVME_CMD_TIMEOUT_NS &&
			    !nvme_abort(c, &c->ioq[i], k)) {
				nvme_ctrl_reset(c, "command timed out");
				return;
			}
		}
	if (out)
		c->wd_armed = wq_queue_delayed(c->f->wq, &c->watchdog, NVME_WATCHDOG_NS);
}
