/*
 * NVMe queue pairs (NVM Express Base Specification 4.1 queues, 4.6
 * completion entries and phase tags): one page per queue, the SQ tail and
 * CQ head doorbells, and reaping with the phase tag. Each entry is copied
 * out of the shared page first, then checked (SQ id, head, command id
 * against a busy slot) before use: a hostile entry fails the controller.
 */
#include <errno.h>
#include <string.h>

#include "drivers/nvme.h"

static uint32_t db_off(struct nvme_queue *q, bool cq)
{
	return NVME_REG_DBS + (2u * q->qid + (cq ? 1u : 0u)) * q->c->cap.stride;
}

int nvme_queue_alloc(struct nvme_ctrl *c, struct nvme_queue *q, uint16_t qid, uint32_t depth)
{
	memset(q, 0, sizeof(*q));
	q->c = c;
	q->qid = qid;
	q->depth = depth;
	q->phase = 1;
	q->pend_tail = &q->pend_head;
	q->sq = plat_page_alloc(1);
	q->cq = plat_page_alloc(1);
	if (!q->sq || !q->cq)
		goto fail;
	for (uint32_t i = 0; qid && i < depth; i++)
		if (!(q->slot[i].prp = plat_page_alloc(1)))
			goto fail;
	return 0;
fail:
	nvme_queue_free(q);
	return -ENOMEM;
}

void nvme_queue_free(struct nvme_queue *q)
{
	for (uint32_t i = 0; i < NVME_QDEPTH; i++)
		if (q->slot[i].prp)
			plat_page_free(q->slot[i].prp, 1);
	if (q->sq)
		plat_page_free(q->sq, 1);
	if (q->cq)
		plat_page_free(q->cq, 1);
	memset(q, 0, sizeof(*q));
}

/* A free command id, or -EBUSY. One entry stays free: a full SQ is
 * tail + 1 == head (spec 4.1.2). */
int nvme_slot_get(struct nvme_queue *q)
{
	if (q->busy + 1 >= q->depth)
		return -EBUSY;
	for (uint32_t i = 0; i < q->depth; i++)
		if (!q->slot[i].busy) {
			q->slot[i].busy = true;
			q->slot[i].gen++;
			q->slot[i].issued = plat_now_ns();
			q->busy++;
			return (int)i;
		}
	return -EBUSY;
}

void nvme_queue_submit(struct nvme_queue *q, const struct nvme_sqe *e)
{
	memcpy(&q->sq[q->sq_tail], e, sizeof(*e));
	q->sq_tail = (q->sq_tail + 1) % q->depth;
	nvme_wr32(q->c, db_off(q, false), q->sq_tail);
}

int nvme_queue_reap(struct nvme_queue *q,
		    void (*cb)(struct nvme_queue *q, const struct nvme_cqe *e))
{
	int n = 0, err = 0;

	for (;;) {
		struct nvme_cqe e;

		memcpy(&e, (const void *)&q->cq[q->cq_head], sizeof(e));
		if ((e.status & NVME_CQE_PHASE) != q->phase)
			break;
		if (nvme_check_cqe(&e, q->qid, q->depth)) {
			q->c->n_bad++;
			err = -EPROTO;
			break;
		}
		if (++q->cq_head == q->depth) {
			q->cq_head = 0;
			q->phase ^= 1;
		}
		n++;
		if (!q->slot[NVME_CID_IDX(e.cid)].busy ||
		    q->slot[NVME_CID_IDX(e.cid)].gen != e.cid >> 8) {
			q->c->n_stale++;
			continue;
		}
		e.cid = NVME_CID_IDX(e.cid);
		q->slot[e.cid].busy = false;
		q->busy--;
		cb(q, &e);
		/* Never more than depth per pass: a phase that never flips ends. */
		if (n >= (int)q->depth)
			break;
	}
	if (n)
		nvme_wr32(q->c, db_off(q, true), q->cq_head);
	return err;
}
