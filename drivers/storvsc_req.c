/*
 * The storvsc request slots (docs/protocols/storage.md §14 item 2): a fixed pool per
 * device; a slot's index + 1 is the context the VMBus requestor maps a
 * transaction id back to, so a host-supplied id never becomes a pointer.
 * storvsc_req_finish hands a finished request's result to its owner (a
 * block request piece or a synchronous waiter) and frees the slot.
 */
#include "drivers/storvsc.h"

/* ---- the request pool ---- */

void storvsc_io_init(struct storvsc_dev *sd)
{
	for (uint32_t i = 0; i < STORVSC_MAX_REQS; i++) {
		sd->reqs[i].idx = (uint16_t)i;
		sd->reqs[i].state = SRQ_FREE;
		sd->free_stack[i] = (uint16_t)(STORVSC_MAX_REQS - 1 - i);
	}
	sd->free_top = STORVSC_MAX_REQS;
}

struct storvsc_req *storvsc_req_get(struct storvsc_dev *sd)
{
	struct storvsc_req *rq;
	uint32_t seq;

	if (!sd->free_top)
		return NULL;
	rq = &sd->reqs[sd->free_stack[--sd->free_top]];
	seq = rq->seq + 1;
	/* Field by field: this is the per-I/O path (the packet is filled by
	 * its builder, the result by the completion or by the waiter). */
	rq->ch = NULL;
	rq->trans_id = 0;
	rq->op = 0;
	rq->buf_len = 0;
	rq->retries = 0;
	rq->slow_logged = false;
	rq->seq = seq;
	rq->sent_size = 0;
	rq->gpa = 0;
	rq->err = 0;
	rq->res.sense_len = 0;
	rq->res.xfer_len = 0;
	rq->parent = NULL;
	rq->lun = NULL;
	rq->waiter = NULL;
	rq->out = NULL;
	rq->out_err = NULL;
	return rq;
}

void storvsc_req_put(struct storvsc_dev *sd, struct storvsc_req *rq)
{
	rq->state = SRQ_FREE;
	rq->waiter = NULL;
	rq->parent = NULL;
	sd->free_stack[sd->free_top++] = rq->idx;
}

/* ---- finishing a request ---- */

/* rq is over with err: hand the result to its owner, free the slot. Only
 * the completion path and storvsc_fail_chan (after a close or a rescind)
 * call this: the owner may reuse the buffer at once. */
void storvsc_req_finish(struct storvsc_dev *sd, struct storvsc_req *rq, int err)
{
	struct blk_req *r = rq->parent;

	rq->err = err;
	if (r) {
		if (err && !r->r_err)
			r->r_err = err;
		if (!err) {
			if (r->op == BLK_OP_READ)
				r->r_disk->n_read++;
			else if (r->op == BLK_OP_WRITE)
				r->r_disk->n_write++;
		} else {
			r->r_disk->n_err++;
		}
		rq->parent = NULL;
		if (--r->r_parts == 0 && !r->r_queued)
			storvsc_blk_finish(sd, r);
	} else if (rq->waiter) {
		if (rq->out)
			*rq->out = rq->res;
		if (rq->out_err)
			*rq->out_err = err;
		complete_one(rq->waiter);
		rq->waiter = NULL;
	}
	if (rq->ch && rq->ch->outstanding)
		rq->ch->outstanding--;
	storvsc_req_put(sd, rq);
}
