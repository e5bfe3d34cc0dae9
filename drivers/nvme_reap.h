/*
 * Completion reaping (NVM Express Base Specification 4.6 completion
 * entries, phase tags), inline: the I/O path (nvme_io.c) expands it with
 * its completion handler called directly, once per I/O; everything else
 * uses nvme_queue_reap (nvme_queue.c), the same code behind a call.
 *
 * Each entry is copied out of the shared page first, then checked (SQ id,
 * SQ head, command id against a busy slot of the same generation) before
 * use. Returns -EPROTO on a hostile entry (the caller fails the controller);
 * a repeated completion (stale generation) is dropped and counted.
 */
#ifndef KEEL_DRIVERS_NVME_REAP_H
#define KEEL_DRIVERS_NVME_REAP_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "drivers/nvme.h"

static inline __attribute__((always_inline)) int
nvme_reap_each(struct nvme_queue *q, void (*cb)(struct nvme_queue *q, const struct nvme_cqe *e))
{
	uint32_t n;
	int err = 0;

	/* Never more than depth per pass: a phase that never flips ends. */
	for (n = 0; n < q->depth; n++) {
		const uint8_t *shared = (const uint8_t *)&q->cq[q->cq_head];
		struct nvme_cqe e;
		uint16_t st;

		/* The phase tag first: the entry past the last new one is
		 * read on every pass and needs no copy. */
		memcpy(&st, shared + offsetof(struct nvme_cqe, status), sizeof(st));
		if ((st & NVME_CQE_PHASE) != q->phase)
			break;
		memcpy(&e, shared, sizeof(e));
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
		if (!q->slot[NVME_CID_IDX(e.cid)].busy ||
		    q->slot[NVME_CID_IDX(e.cid)].gen != e.cid >> 8) {
			q->c->n_stale++;
			continue;
		}
		e.cid = NVME_CID_IDX(e.cid);
		q->slot[e.cid].busy = false;
		q->busy--;
		cb(q, &e);
	}
	if (n)
		plat_mmio_write(q->cq_db, 4, q->cq_head);
	return err;
}

#endif
