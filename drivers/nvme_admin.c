/*
 * NVMe admin commands during probe (NVM Express Base Specification 5.15
 * Identify, 5.21.1.7 Number of Queues, 5.3/5.4 Create I/O Completion/
 * Submission Queue). They run on the function's queue before any interrupt
 * is wanted, so the admin completion queue is polled with a deadline.
 */
#include <errno.h>
#include <string.h>

#include "drivers/nvme.h"
#include "kernel/log.h"

#define NVME_ADMIN_TIMEOUT_NS (5ull * WQ_NS_PER_S)

static void admin_done(struct nvme_queue *q, const struct nvme_cqe *e)
{
	q->slot[e->cid].status = e->status;
	q->slot[e->cid].dw0 = e->dw0;
	q->slot[e->cid].issued = 0;             /* answered */
}

/* One admin command, waited for. 0, -EIO (error status), -EPROTO (hostile
 * completion), -ETIMEDOUT (the caller fails the controller: the command may
 * still write its buffer). */
int nvme_admin_sync(struct nvme_ctrl *c, struct nvme_sqe *e, uint32_t *dw0)
{
	struct nvme_queue *q = &c->aq;
	uint64_t end = plat_now_ns() + NVME_ADMIN_TIMEOUT_NS;
	int cid = nvme_slot_get(q);

	if (cid < 0)
		return cid;
	e->cid = NVME_CID(cid, q->slot[cid].gen);
	nvme_queue_submit(q, e);
	while (q->slot[cid].busy) {
		if (nvme_queue_reap(q, admin_done))
			return -EPROTO;
		if (!q->slot[cid].busy)
			break;
		if (plat_now_ns() >= end)
			return -ETIMEDOUT;
		wq_sleep(100000ull);
	}
	if (dw0)
		*dw0 = q->slot[cid].dw0;
	return NVME_CQE_SC(q->slot[cid].status) || NVME_CQE_SCT(q->slot[cid].status) ? -EIO : 0;
}

static int identify(struct nvme_ctrl *c, uint32_t cns, uint32_t nsid)
{
	struct nvme_sqe e = { .opc = NVME_ADM_IDENTIFY, .nsid = nsid, .cdw10 = cns };

	memset(c->idbuf, 0, NVME_ID_SIZE);
	e.prp1 = plat_ptr_to_gpa(c->idbuf);
	return nvme_admin_sync(c, &e, NULL);
}

/* Ask for nioq queue pairs; the controller may grant fewer (0's based). */
static int set_queues(struct nvme_ctrl *c, unsigned want)
{
	struct nvme_sqe e = { .opc = NVME_ADM_SET_FEATURES, .cdw10 = NVME_FEAT_NUM_QUEUES,
			      .cdw11 = (want - 1) << 16 | (want - 1) };
	uint32_t dw0 = 0;
	int err = nvme_admin_sync(c, &e, &dw0);
	unsigned got;

	if (err)
		return err;
	got = 1 + ((dw0 & 0xFFFF) < (dw0 >> 16) ? (dw0 & 0xFFFF) : (dw0 >> 16));
	c->nioq = got < want ? got : want;
	return 0;
}

static int create_pair(struct nvme_ctrl *c, struct nvme_queue *q, unsigned vec)
{
	struct nvme_sqe cq = { .opc = NVME_ADM_CREATE_CQ,
			       .cdw10 = (q->depth - 1) << 16 | q->qid,
			       .cdw11 = vec << 16 | 0x3 /* IEN, PC */ };
	struct nvme_sqe sq = { .opc = NVME_ADM_CREATE_SQ,
			       .cdw10 = (q->depth - 1) << 16 | q->qid,
			       .cdw11 = (uint32_t)q->qid << 16 | 0x1 /* PC */ };
	int err;

	cq.prp1 = plat_ptr_to_gpa(q->cq);
	sq.prp1 = plat_ptr_to_gpa(q->sq);
	err = nvme_admin_sync(c, &cq, NULL);
	return err ? err : nvme_admin_sync(c, &sq, NULL);
}

/* The largest request in blocks (nvme_io.c refuses more: the block layer
 * does not split): one PRP list page, MDTS when the controller sets it,
 * and the 16-bit block count of a command. */
static uint32_t max_blocks(const struct nvme_ctrl *c, uint32_t block_size)
{
	uint32_t bytes = NVME_MAX_XFER;

	if (c->id.max_xfer && c->id.max_xfer < bytes)
		bytes = c->id.max_xfer;
	return bytes / block_size < 0x10000u ? bytes / block_size : 0x10000u;
}

static int setup_ns(struct nvme_ctrl *c)
{
	uint32_t ids[NVME_MAX_NS];
	int n, err;

	err = identify(c, NVME_ID_CNS_NS_LIST, 0);
	if (err)
		return err;
	n = nvme_parse_ns_list(c->idbuf, c->id.nn, ids, NVME_MAX_NS);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		struct nvme_ns *ns = &c->ns[c->nns];
		struct nvme_id_ns idn;

		err = identify(c, NVME_ID_CNS_NS, ids[i]);
		if (err)
			return err;
		if ((err = nvme_parse_id_ns(c->idbuf, &idn)))
			return err;
		ns->c = c;
		ns->nsid = ids[i];
		ns->disk.block_size = idn.block_size;
		ns->disk.nblocks = idn.nblocks;
		ns->max_blocks = max_blocks(c, idn.block_size);
		c->nns++;
	}
	return 0;
}

int nvme_admin_setup(struct nvme_ctrl *c)
{
	unsigned depth = c->cap.qmax < NVME_QDEPTH ? c->cap.qmax : NVME_QDEPTH;
	int err;

	if ((err = identify(c, NVME_ID_CNS_CTRL, 0)))
		return err;
	if ((err = nvme_parse_id_ctrl(c->idbuf, &c->id)))
		return err;
	if ((err = set_queues(c, c->nvec > 1 ? c->nvec - 1 : 1)))
		return err;
	if (c->nioq > NVME_MAX_IOQ)
		c->nioq = NVME_MAX_IOQ;
	for (unsigned i = 0; i < c->nioq; i++) {
		struct nvme_queue *q = &c->ioq[i];

		if ((err = nvme_queue_alloc(c, q, (uint16_t)(i + 1), depth)))
			return err;
		/* One vector per pair when granted (vector 0 is the admin's). */
		if ((err = create_pair(c, q, c->nvec > 1 ? (i % (c->nvec - 1)) + 1 : 0)))
			return err;
	}
	return setup_ns(c);
}
