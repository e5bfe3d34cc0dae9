/*
 * Unit tests of NVMe completion reaping (drivers/nvme_queue.c): entries are
 * taken while their phase tag matches, the phase flips on wrap, a repeated
 * completion whose command id carries an old generation is dropped (it
 * must never finish the command that now holds the slot), and an id past
 * the queue depth or for another queue is hostile (-EPROTO). The doorbell
 * writes go to the hosted platform's MMIO, where no device decodes them.
 */
#include <string.h>

#include "tests/unit/harness.h"

#include "drivers/nvme_ctrl.c"
#include "drivers/nvme_queue.c"

static unsigned t_done_count;
static uint16_t t_done_cid;

static void t_done(struct nvme_queue *q, const struct nvme_cqe *e)
{
	(void)q;
	t_done_count++;
	t_done_cid = e->cid;
}

static void t_post(struct nvme_queue *q, uint32_t at, uint16_t cid, uint16_t phase)
{
	struct nvme_cqe e = { .sqid = q->qid, .cid = cid, .status = phase };

	memcpy(&q->cq[at], &e, sizeof(e));
}

static int t_nvme_reap(void)
{
	static struct nvme_ctrl c;
	struct nvme_queue *q = &c.ioq[0];
	int a, b;

	c.cap.stride = 4;
	CHECK_EQ(nvme_queue_alloc(&c, q, 1, 4), 0);
	a = nvme_slot_get(q);
	CHECK(a >= 0);
	t_post(q, 0, NVME_CID(a, q->slot[a].gen), 1);
	t_done_count = 0;
	CHECK_EQ(nvme_queue_reap(q, t_done), 0);
	CHECK_EQ(t_done_count, 1);
	CHECK_EQ(t_done_cid, a);
	CHECK_EQ(nvme_queue_reap(q, t_done), 0);      /* nothing new: same phase gone */
	CHECK_EQ(t_done_count, 1);
	/* The slot is taken again; the old completion comes a second time. */
	b = nvme_slot_get(q);
	CHECK_EQ(b, a);
	t_post(q, 1, NVME_CID(a, q->slot[a].gen - 1), 1);
	CHECK_EQ(nvme_queue_reap(q, t_done), 0);
	CHECK_EQ(t_done_count, 1);                     /* dropped, not finished */
	CHECK_EQ(c.n_stale, 1);
	CHECK(q->slot[b].busy);
	/* Its own completion, then the wrap: phase 0 expected afterwards. */
	t_post(q, 2, NVME_CID(b, q->slot[b].gen), 1);
	CHECK_EQ(nvme_queue_reap(q, t_done), 0);
	CHECK_EQ(t_done_count, 2);
	a = nvme_slot_get(q);
	t_post(q, 3, NVME_CID(a, q->slot[a].gen), 1);
	CHECK_EQ(nvme_queue_reap(q, t_done), 0);
	CHECK_EQ(q->phase, 0);
	CHECK_EQ(q->cq_head, 0);
	/* A stale entry (phase 1) at the head is not taken again. */
	CHECK_EQ(nvme_queue_reap(q, t_done), 0);
	CHECK_EQ(t_done_count, 3);
	/* Hostile: an id past the depth, a completion for another queue. */
	a = nvme_slot_get(q);
	t_post(q, 0, 0xFFF0, 0);
	CHECK_EQ(nvme_queue_reap(q, t_done), -EPROTO);
	t_post(q, 0, NVME_CID(a, q->slot[a].gen), 0);
	q->cq[0].sqid = 2;
	CHECK_EQ(nvme_queue_reap(q, t_done), -EPROTO);
	CHECK_EQ(c.n_bad, 2);
	nvme_queue_free(q);
	return 0;
}

const struct unit_test nvme_queue_tests[] = {
	{ "nvme_reap", t_nvme_reap, QUICK },
	{ NULL, NULL, QUICK },
};
