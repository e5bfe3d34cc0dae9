/*
 * NVMe queue pairs (NVM Express Base Specification 4.1 queues, 4.6
 * completion entries and phase tags): one page per queue, the SQ tail and
 * CQ head doorbells, and reaping with the phase tag. Each entry is copied
 * out of the shared page first, then checked (SQ id, head, command id
 * against a busy slot) before use: a hostile entry fails the controller.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "drivers/nvme.h"
#include "drivers/nvme_reap.h"

void nvme_queue_doorbells(struct nvme_queue *q)
{
	uint64_t sq = q->c->bar + NVME_REG_DBS + 2u * q->qid * q->c->cap.stride;

	q->sq_db = sq;
	q->cq_db = sq + q->c->cap.stride;
}

int nvme_queue_alloc(struct nvme_ctrl *c, struct nvme_queue *q, uint16_t qid, uint32_t depth)
{
	memset(q, 0, sizeof(*q));
	q->c = c;
	q->qid = qid;
	q->depth = depth;
	q->phase = 1;
	q->pend_tail = &q->pend_head;
	nvme_queue_doorbells(q);
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

void nvme_queue_submit(struct nvme_queue *q, const struct nvme_sqe *e)
{
	memcpy(nvme_sq_next(q), e, sizeof(*e));
	nvme_sq_ring(q);
}

int nvme_queue_reap(struct nvme_queue *q,
		    void (*cb)(struct nvme_queue *q, const struct nvme_cqe *e))
{
	return nvme_reap_each(q, cb);
}
