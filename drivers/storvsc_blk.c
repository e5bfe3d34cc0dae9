/*
 * The storvsc block-layer entry (docs/protocols/storage.md §7, §12): block requests wait in
 * a FIFO and are split at the host's maximum transfer into SRBs sent on the
 * channel rotation while slots and queue depth allow; done() runs once the
 * last piece is over.
 *
 * Rule 5: a block request whose done() may wait (BLK_F_MAY_BLOCK) is never
 * finished inline in the channel callback (the shared vmbus_event queue):
 * its done() is queued on the device's own queue sd->q. The switch
 * storvsc_inline_completions restores the pre-fix design (done() inline),
 * which ends in a deadlock report when done() issues synchronous I/O.
 */
#include <errno.h>

#include "drivers/storvsc.h"
#include "drivers/storvsc_scsi.h"
#include "kernel/platform.h"

bool storvsc_inline_completions;

/* ---- block requests ---- */

static void done_work(struct work *w)
{
	struct blk_req *r = wq_container_of(w, struct blk_req, r_work);

	blk_complete(r, r->status);
}

/* The whole block request is over: run done() where it may run (rule 5). */
void storvsc_blk_finish(struct storvsc_dev *sd, struct blk_req *r)
{
	r->status = r->r_err;
	if ((r->flags & BLK_F_MAY_BLOCK) && !storvsc_inline_completions && sd->q) {
		sd->n_deferred++;
		work_init(&r->r_work, done_work, "storvsc_done");
		wq_queue(sd->q, &r->r_work);
		return;
	}
	blk_complete(r, r->status);
}

static void pend_pop(struct storvsc_dev *sd)
{
	struct blk_req *r = sd->pend_head;

	sd->pend_head = r->r_next;
	if (!sd->pend_head)
		sd->pend_tail = NULL;
	r->r_next = NULL;
	r->r_queued = false;
}

/* Build the next piece of r into rq. Returns blocks covered (0: whole op). */
static int piece_build(struct storvsc_dev *sd, struct blk_req *r, struct storvsc_req *rq,
		       uint32_t *blocks)
{
	struct storvsc_lun *l = r->r_disk->priv;
	uint32_t bs = r->r_disk->block_size;
	uint8_t cdb[STORVSC_CDB_MAX], len;

	*blocks = 0;
	switch (r->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE: {
		uint8_t *p = (uint8_t *)r->buf + (size_t)r->r_sent * bs;
		gpa_t gpa = plat_ptr_to_gpa(p);
		uint32_t room = STORVSC_MAX_XFER_CAP - (uint32_t)(gpa & (PLAT_PAGE_SIZE - 1));
		uint32_t max = sd->max_xfer < room ? sd->max_xfer : room;
		uint32_t n = r->nblocks - r->r_sent, maxb = max / bs;

		if (l->bl_max_xfer_blocks && l->bl_max_xfer_blocks < maxb)
			maxb = l->bl_max_xfer_blocks;
		if (maxb == 0)
			return -EINVAL;
		if (n > maxb)
			n = maxb;
		len = scsi_cdb_rw(cdb, r->op == BLK_OP_WRITE, r->lba + r->r_sent, n,
				  (r->flags & BLK_F_FUA) != 0, l->use16);
		storvsc_srb_fill(sd, rq, l->lun, cdb, len,
			 r->op == BLK_OP_WRITE ? STORVSC_DATA_OUT : STORVSC_DATA_IN, n * bs);
		rq->gpa = gpa;
		*blocks = n;
		return 0;
	}
	case BLK_OP_FLUSH:
		len = scsi_cdb_sync_cache(cdb, false);
		storvsc_srb_fill(sd, rq, l->lun, cdb, len, STORVSC_DATA_NONE, 0);
		return 0;
	case BLK_OP_UNMAP: {
		uint32_t plen = scsi_unmap_params(r->buf, r->lba, r->nblocks);

		len = scsi_cdb_unmap(cdb, (uint16_t)plen);
		storvsc_srb_fill(sd, rq, l->lun, cdb, len, STORVSC_DATA_OUT, plen);
		rq->gpa = plat_ptr_to_gpa(r->buf);
		return 0;
	}
	}
	return -EINVAL;
}

/* Start pending block requests while channels and requests allow. Never
 * waits: called from submit, from the channel callback and from w_kick.
 * fresh: a request blk_submit has just checked (its handle is live), or
 * NULL. It is trusted only as the first request looked at, before anything
 * else ran: then its handle lookup is not done a second time. Inlined into
 * its two callers: one call level less on every submit. */
static inline __attribute__((always_inline))
void kick(struct storvsc_dev *sd, const struct blk_req *fresh)
{
	struct blk_req *r;

	if (sd->resetting && sd->state != SD_DEAD)
		return;                 /* storvsc_reset_work kicks when done */
	while ((r = sd->pend_head) != NULL) {
		struct storvsc_chan *ch;
		struct storvsc_req *rq;
		uint32_t blocks;
		bool checked = r == fresh;
		int err;

		fresh = NULL;
		if (sd->state == SD_DEAD || (!checked && blk_req_stale(r)) || r->r_err) {
			if (!r->r_err)
				r->r_err = -ENODEV;
			pend_pop(sd);
			if (r->r_parts == 0)
				storvsc_blk_finish(sd, r);
			continue;
		}
		ch = storvsc_pick_chan(sd);
		if (!ch && !storvsc_usable_channels(sd)) {
			r->r_err = -ENODEV;     /* every channel rescinded or closed */
			continue;
		}
		if (!ch)
			return;                 /* a completion will kick again */
		rq = storvsc_req_get(sd);
		if (!rq)
			return;
		err = piece_build(sd, r, rq, &blocks);
		if (!err) {
			rq->parent = r;
			rq->lun = r->r_disk->priv;
			err = storvsc_req_send(sd, ch, rq);
		}
		if (err) {
			storvsc_req_put(sd, rq);
			if (err == -EAGAIN || err == -EBUSY) {
				/* Ring or id table full: retry when something
				 * completes, or shortly if nothing is in flight. */
				if (!ch->outstanding && sd->q)
					wq_queue_delayed(sd->q, &sd->w_kick, WQ_NS_PER_MS);
				return;
			}
			if (err == -ENODEV || err == -ENOTCONN) {
				/* The channel cannot take packets: out of the
				 * rotation; the reset closes it before what is
				 * in flight on it fails. Try another. */
				storvsc_chan_reset(ch, "send refused");
				continue;
			}
			r->r_err = err;
			continue;
		}
		r->r_parts++;
		r->r_sent += blocks;
		if (r->op != BLK_OP_READ && r->op != BLK_OP_WRITE)
			r->r_sent = r->nblocks;
		if (r->r_sent >= r->nblocks)
			pend_pop(sd);
	}
}

void storvsc_kick(struct storvsc_dev *sd)
{
	kick(sd, NULL);
}

static void kick_work(struct work *w)
{
	struct delayed_work *dw = wq_container_of(w, struct delayed_work, work);
	struct storvsc_dev *sd = wq_container_of(dw, struct storvsc_dev, w_kick);

	storvsc_kick(sd);
}

int storvsc_blk_submit(struct blk_disk *d, struct blk_req *r)
{
	struct storvsc_lun *l = d->priv;
	struct storvsc_dev *sd = l->sd;

	if (sd->state == SD_DEAD || d->gone)
		return -ENODEV;
	if (r->op == BLK_OP_UNMAP && !d->can_unmap)
		return -EOPNOTSUPP;
	if ((r->op == BLK_OP_READ || r->op == BLK_OP_WRITE || r->op == BLK_OP_UNMAP) && !r->buf)
		return -EINVAL;
	if (r->op == BLK_OP_UNMAP && l->bl_max_unmap_blocks && r->nblocks > l->bl_max_unmap_blocks)
		return -EINVAL;
	if (sd->w_kick.work.fn == NULL)
		delayed_work_init(&sd->w_kick, kick_work, "storvsc_kick");
	r->r_disk = d;
	r->r_next = NULL;
	r->r_parts = 0;
	r->r_sent = 0;
	r->r_err = 0;
	r->r_queued = true;
	if (sd->pend_tail)
		sd->pend_tail->r_next = r;
	else
		sd->pend_head = r;
	sd->pend_tail = r;
	kick(sd, r);
	return 0;
}
