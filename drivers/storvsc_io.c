/*
 * The storvsc request path (storvsc.md §2, §7, §14): a fixed pool of requests
 * per device, channel choice (round robin over open channels below their
 * queue depth: I/O spread across channels, outstanding bounded), block
 * requests split at the host's maximum transfer, the channel callback that
 * copies, validates and then uses every completion, failure of everything in
 * flight on a rescinded channel, and a watchdog for requests the host never
 * answers.
 *
 * Rule 5: a block request whose done() may wait (BLK_F_MAY_BLOCK) is never
 * finished inline in the channel callback (the shared vmbus_event queue):
 * its done() is queued on the device's own queue sd->q. The switch
 * storvsc_inline_completions restores the pre-fix design (done() inline),
 * which ends in a deadlock report when done() issues synchronous I/O.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/storvsc.h"
#include "drivers/storvsc_scsi.h"
#include "kernel/log.h"
#include "kernel/platform.h"

bool storvsc_inline_completions;
int storvsc_chan_depth = STORVSC_CHAN_DEPTH_MAX;

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

/* ---- watchdog (STYLE.md §9: returns its next delay) ---- */

static void req_finish(struct storvsc_dev *sd, struct storvsc_req *rq, int err, bool orphan);

static uint64_t storvsc_watchdog(struct timer *t)
{
	struct storvsc_dev *sd = wq_container_of(t, struct storvsc_dev, watchdog);
	uint64_t now = plat_now_ns();
	bool busy = false;

	for (uint32_t i = 0; i < STORVSC_MAX_REQS; i++) {
		struct storvsc_req *rq = &sd->reqs[i];

		if (rq->state == SRQ_ORPHAN)
			busy = true;
		if (rq->state != SRQ_INFLIGHT)
			continue;
		busy = true;
		if (now - rq->started_ns < STORVSC_IO_TIMEOUT_NS)
			continue;
		/* The host never answered: finish the owner with an error, keep
		 * the slot (its id is still outstanding) until the id comes
		 * back or the channel goes. */
		sd->n_timeouts++;
		pr_err("storvsc: %s: request op %u on channel %u timed out\n",
		       vmbus_device_name(sd->dev), rq->op, rq->ch ? rq->ch->subidx : 0);
		req_finish(sd, rq, -ETIMEDOUT, true);
	}
	if (!busy)
		sd->watchdog_on = false;
	return busy ? STORVSC_WATCHDOG_NS : 0;
}

static void watchdog_arm(struct storvsc_dev *sd)
{
	if (sd->watchdog_on)
		return;
	if (sd->watchdog.fn == NULL)
		timer_setup(&sd->watchdog, storvsc_watchdog, "storvsc_watchdog");
	sd->watchdog_on = timer_start(&sd->watchdog, STORVSC_WATCHDOG_NS);
}

/* ---- channel states (diagram in storvsc.h) ---- */

void storvsc_chan_transition(struct storvsc_chan *ch, enum storvsc_chan_state to)
{
	struct storvsc_dev *sd = ch->sd;
	enum storvsc_chan_state from = ch->state;
	bool ok;

	switch (to) {
	case SCH_OPENING:
		ok = from == SCH_FREE;
		break;
	case SCH_OPEN:
		ok = from == SCH_OPENING;
		break;
	case SCH_DEAD:
		ok = from != SCH_FREE;
		break;
	default:
		ok = false;
		break;
	}
	if (!ok) {
		pr_err("storvsc: bug: channel %u state %d -> %d\n", ch->subidx, from, to);
		return;
	}
	ch->state = to;
	/* Keep the list of open channels the I/O path walks. */
	if (to == SCH_OPEN && sd->nact < STORVSC_MAX_CHANNELS) {
		sd->act[sd->nact++] = ch;
	} else if (from == SCH_OPEN) {
		for (uint32_t i = 0; i < sd->nact; i++) {
			if (sd->act[i] == ch) {
				sd->act[i] = sd->act[--sd->nact];
				break;
			}
		}
	}
}

/* ---- sending ---- */

int storvsc_open_channels(const struct storvsc_dev *sd)
{
	int n = 0;

	for (int k = 0; k < STORVSC_MAX_CHANNELS; k++)
		n += sd->ch[k].state == SCH_OPEN;
	return n;
}

static bool chan_usable(const struct storvsc_chan *ch)
{
	return ch->state == SCH_OPEN && !vmbus_chan_rescinded(ch->c);
}

static int usable_channels(const struct storvsc_dev *sd)
{
	int n = 0;

	for (int k = 0; k < STORVSC_MAX_CHANNELS; k++)
		n += chan_usable(&sd->ch[k]);
	return n;
}

/* Round robin over open channels with room (§7 step 4, simplified). */
static struct storvsc_chan *pick_chan(struct storvsc_dev *sd)
{
	uint32_t depth = (uint32_t)storvsc_chan_depth;

	if (depth == 0 || depth > STORVSC_CHAN_DEPTH_MAX)
		depth = STORVSC_CHAN_DEPTH_MAX;
	uint32_t k = sd->rr;

	for (uint32_t i = 0; i < sd->nact; i++, k++) {
		struct storvsc_chan *ch;

		if (k >= sd->nact)
			k = 0;
		ch = sd->act[k];
		if (ch->outstanding < depth && chan_usable(ch)) {
			sd->rr = k + 1;
			return ch;
		}
	}
	return NULL;
}

/* Put rq on the wire on ch. rq->pkt, gpa and buf_len are filled. */
static int req_send(struct storvsc_dev *sd, struct storvsc_chan *ch, struct storvsc_req *rq)
{
	uint64_t id;
	int err;

	rq->ch = ch;
	rq->sent_size = sd->pkt_size;
	if (rq->buf_len)
		err = vmbus_chan_send_gpa(ch->c, rq->gpa, rq->buf_len, &rq->pkt, rq->sent_size,
					  (uint64_t)rq->idx + 1, &id);
	else
		err = vmbus_chan_send_request(ch->c, &rq->pkt, rq->sent_size,
					      (uint64_t)rq->idx + 1, &id);
	if (err)
		return err;
	rq->trans_id = id;
	rq->state = SRQ_INFLIGHT;
	rq->started_ns = plat_now_ns();
	ch->outstanding++;
	ch->n_sent++;
	watchdog_arm(sd);
	return 0;
}

/* Fill the SRB of rq for lun (§5.2, §7 steps 1-2). cdb is a whole
 * STORVSC_CDB_MAX buffer, zero past cdb_len (every scsi_cdb_* builder fills
 * all 16 bytes): one fixed-size copy instead of a memcpy call per I/O. */
static void srb_fill(struct storvsc_dev *sd, struct storvsc_req *rq, uint8_t lun,
		     const uint8_t cdb[STORVSC_CDB_MAX], uint8_t cdb_len, uint8_t data_in,
		     uint32_t len)
{
	struct storvsc_srb *s = &rq->pkt.u.srb;

	memset(&rq->pkt, 0, sizeof(rq->pkt));
	rq->op = STORVSC_OP_EXECUTE_SRB;
	rq->pkt.operation = STORVSC_OP_EXECUTE_SRB;
	rq->pkt.flags = STORVSC_FLAG_REQUEST_COMPLETION;
	s->length = sd->ver->srb_size;
	s->lun = lun;
	s->cdb_length = cdb_len;
	memcpy(s->u.cdb, cdb, STORVSC_CDB_MAX);
	s->sense_info_length = sd->ver->sense_size;
	s->data_in = data_in;
	s->data_transfer_length = len;
	/* Win8 extension; not sent to a pre-Win8 host (pkt_size 48). */
	s->srb_flags = STORVSC_SRB_FLAGS_DISABLE_SYNCH_TRANSFER |
		       (data_in == STORVSC_DATA_IN ? STORVSC_SRB_FLAGS_DATA_IN :
			data_in == STORVSC_DATA_OUT ? STORVSC_SRB_FLAGS_DATA_OUT : 0);
	s->time_out_value = STORVSC_SRB_TIMEOUT_SECONDS;
	rq->buf_len = len;
}

/* ---- block requests ---- */

static void done_work(struct work *w)
{
	struct blk_req *r = wq_container_of(w, struct blk_req, r_work);

	blk_complete(r, r->status);
}

/* The whole block request is over: run done() where it may run (rule 5). */
static void blk_finish(struct storvsc_dev *sd, struct blk_req *r)
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
		srb_fill(sd, rq, l->lun, cdb, len,
			 r->op == BLK_OP_WRITE ? STORVSC_DATA_OUT : STORVSC_DATA_IN, n * bs);
		rq->gpa = gpa;
		*blocks = n;
		return 0;
	}
	case BLK_OP_FLUSH:
		len = scsi_cdb_sync_cache(cdb, false);
		srb_fill(sd, rq, l->lun, cdb, len, STORVSC_DATA_NONE, 0);
		return 0;
	case BLK_OP_UNMAP: {
		uint32_t plen = scsi_unmap_params(r->buf, r->lba, r->nblocks);

		len = scsi_cdb_unmap(cdb, (uint16_t)plen);
		srb_fill(sd, rq, l->lun, cdb, len, STORVSC_DATA_OUT, plen);
		rq->gpa = plat_ptr_to_gpa(r->buf);
		return 0;
	}
	}
	return -EINVAL;
}

/* Start pending block requests while channels and requests allow. Never
 * waits: called from submit, from the channel callback and from w_kick. */
static void storvsc_kick(struct storvsc_dev *sd)
{
	struct blk_req *r;

	while ((r = sd->pend_head) != NULL) {
		struct storvsc_chan *ch;
		struct storvsc_req *rq;
		uint32_t blocks;
		int err;

		if (sd->state == SD_DEAD || blk_req_stale(r) || r->r_err) {
			if (!r->r_err)
				r->r_err = -ENODEV;
			pend_pop(sd);
			if (r->r_parts == 0)
				blk_finish(sd, r);
			continue;
		}
		ch = pick_chan(sd);
		if (!ch && !usable_channels(sd)) {
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
			err = req_send(sd, ch, rq);
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
				storvsc_chan_transition(ch, SCH_DEAD);  /* try another */
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
	storvsc_kick(sd);
	return 0;
}

/* ---- finishing a request ---- */

/* rq is over with err: hand the result to its owner, free the slot unless it
 * stays as an orphan (timed out, id still outstanding). */
static void req_finish(struct storvsc_dev *sd, struct storvsc_req *rq, int err, bool orphan)
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
			blk_finish(sd, r);
	} else if (rq->waiter) {
		if (rq->out)
			*rq->out = rq->res;
		if (rq->out_err)
			*rq->out_err = err;
		complete_one(rq->waiter);
		rq->waiter = NULL;
	}
	if (orphan) {
		rq->state = SRQ_ORPHAN;
		return;
	}
	if (rq->ch && rq->ch->outstanding)
		rq->ch->outstanding--;
	storvsc_req_put(sd, rq);
}

/* Fail everything in flight on ch (rescind or close): never success. */
void storvsc_fail_chan(struct storvsc_chan *ch, int err)
{
	struct storvsc_dev *sd = ch->sd;

	for (uint32_t i = 0; i < STORVSC_MAX_REQS; i++) {
		struct storvsc_req *rq = &sd->reqs[i];

		if (rq->ch != ch)
			continue;
		if (rq->state == SRQ_INFLIGHT) {
			rq->ch->n_done++;
			req_finish(sd, rq, err, false);
		} else if (rq->state == SRQ_ORPHAN) {
			storvsc_req_put(sd, rq);
		}
	}
	ch->outstanding = 0;
}

void storvsc_fail_all(struct storvsc_dev *sd, int err)
{
	for (int k = 0; k < STORVSC_MAX_CHANNELS; k++)
		if (sd->ch[k].sd)
			storvsc_fail_chan(&sd->ch[k], err);
	storvsc_kick(sd);       /* state is DEAD: fails the pending FIFO */
}

/* ---- the channel callback: vmbus_event, never waits ---- */

static void on_unsolicited(struct storvsc_chan *ch, const struct vmbus_pkt *p)
{
	struct storvsc_dev *sd = ch->sd;
	uint32_t op;

	/* §14 items 1, 3, 4: type 6, at least the operation field, and only
	 * the host-initiated operations. */
	if (p->type != VMBUS_PKT_DATA_INBAND || p->data_len < 4) {
		ch->n_dropped++;
		sd->n_bad_pkts++;
		return;
	}
	memcpy(&op, p->data, 4);
	if (op != STORVSC_OP_ENUMERATE_BUS && op != STORVSC_OP_REMOVE_DEVICE) {
		ch->n_dropped++;
		sd->n_bad_pkts++;
		pr_debug("storvsc: %s: unsolicited op %u dropped\n", vmbus_device_name(sd->dev), op);
		return;
	}
	/* §10: rescan on the device queue (it waits for I/O). */
	sd->n_enumerate++;
	if (sd->state == SD_RUNNING && sd->q)
		wq_queue(sd->q, &sd->w_rescan);
	else
		sd->rescan_pending = true;
}

/* Validate and apply one completion (§7 step 5, §14). */
static void on_completion(struct storvsc_chan *ch, const struct vmbus_pkt *p)
{
	struct storvsc_dev *sd = ch->sd;
	struct storvsc_packet pk;
	struct storvsc_req *rq;
	uint64_t ctx;
	int err;

	if (p->type != VMBUS_PKT_COMP) {          /* §14 item 4 */
		ch->n_dropped++;
		sd->n_bad_pkts++;
		return;
	}
	/* §14 item 2: the id must be outstanding on this channel; the
	 * requestor maps it back to our slot, never to a pointer. */
	if (vmbus_chan_complete(ch->c, p->trans_id, &ctx)) {
		sd->n_unknown_ids++;
		return;
	}
	if (ctx == 0 || ctx > STORVSC_MAX_REQS) {
		sd->n_unknown_ids++;
		return;
	}
	rq = &sd->reqs[ctx - 1];
	if (rq->ch != ch || rq->trans_id != p->trans_id ||
	    (rq->state != SRQ_INFLIGHT && rq->state != SRQ_ORPHAN)) {
		sd->n_unknown_ids++;
		return;
	}
	ch->n_done++;
	if (rq->state == SRQ_ORPHAN) {            /* answered after the watchdog */
		if (ch->outstanding)
			ch->outstanding--;
		storvsc_req_put(sd, rq);
		return;
	}
	/* §14 items 1 and 9: a full packet of the size we sent, copied once. */
	if (p->data_len < rq->sent_size) {
		sd->n_bad_pkts++;
		pr_err("storvsc: %s: short completion (%u < %u bytes)\n",
		       vmbus_device_name(sd->dev), p->data_len, rq->sent_size);
		req_finish(sd, rq, -EIO, false);
		return;
	}
	memcpy(&pk, p->data, rq->sent_size);
	if (rq->sent_size < sizeof(pk))      /* pre-Win8: no extension */
		memset((uint8_t *)&pk + rq->sent_size, 0, sizeof(pk) - rq->sent_size);
	if (pk.operation != STORVSC_OP_COMPLETE_IO) {   /* §14 item 5: fatal */
		sd->n_bad_pkts++;
		req_finish(sd, rq, -EPROTO, false);
		return;
	}
	rq->res.nt_status = pk.status;
	if (rq->op != STORVSC_OP_EXECUTE_SRB) {
		memcpy(rq->res.props, pk.u.raw, sizeof(rq->res.props));
		req_finish(sd, rq, pk.status == STORVSC_NT_SUCCESS ? 0 : -EIO, false);
		return;
	}
	{
		const struct storvsc_srb *s = &pk.u.srb;
		uint8_t code = STORVSC_SRB_STATUS(s->srb_status);
		uint32_t sl = s->sense_info_length;

		rq->res.srb_status = s->srb_status;
		rq->res.scsi_status = s->scsi_status;
		rq->res.sense_len = 0;
		/* §14 item 6: clamp, copy only on CHECK CONDITION + AUTOSENSE. */
		if (sl > sd->ver->sense_size)
			sl = sd->ver->sense_size;
		if (s->scsi_status == SCSI_STATUS_CHECK_CONDITION &&
		    (s->srb_status & STORVSC_SRB_STATUS_AUTOSENSE_VALID)) {
			rq->res.sense_len = (uint8_t)sl;
			memcpy(rq->res.sense, s->u.sense_data, sl);
		}
		/* §14 item 7 and §7: clamp; 0 on errors other than overrun. */
		rq->res.xfer_len = s->data_transfer_length < rq->buf_len ?
				   s->data_transfer_length : rq->buf_len;
		if (code != STORVSC_SRB_SUCCESS && code != STORVSC_SRB_DATA_OVERRUN)
			rq->res.xfer_len = 0;
		/* The common case first; anything else is decoded (§5.4, §7). */
		if (s->srb_status == STORVSC_SRB_SUCCESS && s->scsi_status == SCSI_STATUS_GOOD)
			err = 0;
		else
			err = storvsc_decode_result(s->srb_status, s->scsi_status,
						    rq->res.sense, rq->res.sense_len, NULL, 0);
	}
	/* A data-phase command that moved fewer bytes than asked failed. */
	if (!err && rq->parent && rq->res.xfer_len < rq->buf_len)
		err = -EIO;
	if (err && rq->parent) {
		char why[160];

		if (storvsc_decode_result(rq->res.srb_status, rq->res.scsi_status, rq->res.sense,
					  rq->res.sense_len, why, sizeof(why)) == 0)
			snprintf(why, sizeof(why), "short transfer: %u of %u bytes",
				 rq->res.xfer_len, rq->buf_len);
		if (STORVSC_SRB_STATUS(rq->res.srb_status) == STORVSC_SRB_INVALID_LUN && rq->lun) {
			/* §10: the LUN went away; the rescan removes its disk. */
			storvsc_lun_gone(rq->lun);
		} else if (err == -EAGAIN && rq->retries < 3 && chan_usable(ch)) {
			struct scsi_sense sn = scsi_sense_parse(rq->res.sense, rq->res.sense_len);

			/* §10: capacity data changed: re-read it (rescan). */
			if (scsi_sense_is_capacity_changed(&sn) && sd->state == SD_RUNNING && sd->q)
				wq_queue(sd->q, &sd->w_rescan);
			/* Unit attention / busy: send the same SRB again. */
			rq->retries++;
			ch->outstanding--;
			rq->state = SRQ_INFLIGHT;
			if (req_send(sd, ch, rq) == 0)
				return;
			ch->outstanding++;
		}
		pr_err("storvsc: %s: lun %u: %s\n", vmbus_device_name(sd->dev), rq->lun ? rq->lun->lun : 0, why);
	}
	req_finish(sd, rq, err, false);
}

void storvsc_on_channel(struct vmbus_channel *c, void *arg)
{
	struct storvsc_chan *ch = arg;
	struct storvsc_dev *sd = ch->sd;
	struct vmbus_ring_iter it;
	struct vmbus_pkt p;
	int r;

	/* The queue that runs completions: synchronous waiters name it as
	 * their completer so the deadlock check can see a circular wait. */
	if (!sd->event_q)
		sd->event_q = wq_current();
	if (vmbus_chan_rescinded(c) || ch->state == SCH_DEAD) {
		/* Rescind or close: whatever the ring holds, every request in
		 * flight on this channel fails (never success). */
		if (ch->state != SCH_DEAD)
			storvsc_chan_transition(ch, SCH_DEAD);
		if (ch == &sd->ch[0] && vmbus_chan_rescinded(c)) {
			/* The controller is gone: its disks go at once, before
			 * their I/O fails, so no caller sees a live disk fail. */
			storvsc_mark_dead(sd);
			for (int i = 0; i < STORVSC_MAX_LUNS; i++)
				if (sd->luns[i].registered)
					storvsc_lun_gone(&sd->luns[i]);
		}
		storvsc_fail_chan(ch, -ENODEV);
		storvsc_kick(sd);
		return;
	}
	do {
		vmbus_chan_recv_begin(c, &it);
		while ((r = vmbus_chan_recv_next(c, &it, ch->rxbuf, sizeof(ch->rxbuf), &p)) != 0) {
			if (r < 0) {
				sd->n_bad_pkts++;
				if (r == -EMSGSIZE)
					continue;
				break;
			}
			if (p.trans_id == 0)
				on_unsolicited(ch, &p);
			else
				on_completion(ch, &p);
		}
	} while (vmbus_chan_recv_end(c, &it));
	storvsc_kick(sd);
}

/* ---- synchronous commands (probe, scan): work items only ---- */

/*
 * Wait for rq. Completed by the channel callback (vmbus_event, the declared
 * completer), by the watchdog (timer queue) when the host never answers, or
 * by storvsc_fail_chan when the channel is rescinded or closed.
 */
static int req_wait(struct storvsc_dev *sd, struct storvsc_req *rq, struct completion *done,
		    int *res_err, uint64_t timeout)
{
	uint32_t seq = rq->seq;
	int err = completion_wait(done, timeout);

	if (err && !completion_done(done)) {
		/* Abandon: the slot stays owned by the in-flight id; its late
		 * answer is dropped (rq->waiter cleared). The slot may already
		 * be someone else's only if it completed, which we checked. */
		if (rq->seq == seq && rq->state == SRQ_INFLIGHT && rq->waiter == done) {
			rq->waiter = NULL;
			rq->out = NULL;
			rq->out_err = NULL;
		}
		pr_err("storvsc: %s: no answer to op %u (%d)\n", vmbus_device_name(sd->dev),
		       rq->op, err);
		return err;
	}
	return *res_err;
}

/* Send rq on ch and wait for its completion: the synchronous callers
 * (control operations and scan commands) on the device's queue. The
 * completion is completed by the event queue or, at rescind, the closer. */
static int req_send_wait(struct storvsc_dev *sd, struct storvsc_chan *ch,
			 struct storvsc_req *rq, struct storvsc_result *res,
			 const char *name, uint64_t timeout)
{
	struct completion done;
	int err, res_err = -EIO;

	completion_init(&done, name);
	completion_set_completer(&done, sd->event_q);
	rq->waiter = &done;
	rq->out = res;
	rq->out_err = &res_err;
	err = req_send(sd, ch, rq);
	if (err) {
		storvsc_req_put(sd, rq);
		return err;
	}
	return req_wait(sd, rq, &done, &res_err, timeout);
}

int storvsc_ctl(struct storvsc_dev *sd, uint32_t op, const void *payload, uint32_t len,
		struct storvsc_result *res)
{
	struct storvsc_chan *ch = &sd->ch[0];
	struct storvsc_req *rq;

	if (!chan_usable(ch))
		return -ENODEV;
	rq = storvsc_req_get(sd);
	if (!rq)
		return -EBUSY;
	memset(&rq->pkt, 0, sizeof(rq->pkt));
	memset(&rq->res, 0, sizeof(rq->res));
	rq->pkt.operation = op;
	rq->pkt.flags = STORVSC_FLAG_REQUEST_COMPLETION;
	if (len > sizeof(rq->pkt.u.raw))
		len = sizeof(rq->pkt.u.raw);
	if (payload && len)
		memcpy(rq->pkt.u.raw, payload, len);
	rq->op = op;
	return req_send_wait(sd, ch, rq, res, "storvsc_ctl", STORVSC_CTL_TIMEOUT_NS);
}

int storvsc_scsi_sync(struct storvsc_dev *sd, uint8_t lun, const uint8_t *cdb,
		      uint8_t cdb_len, uint8_t data_in, void *buf, uint32_t len,
		      struct storvsc_result *res)
{
	uint8_t full[STORVSC_CDB_MAX] = { 0 };  /* srb_fill copies all 16 bytes */
	struct storvsc_chan *ch;
	struct storvsc_req *rq;

	if (cdb_len > STORVSC_CDB_MAX)
		return -EINVAL;
	memcpy(full, cdb, cdb_len);
	ch = pick_chan(sd);
	if (!ch)
		ch = &sd->ch[0];            /* scan commands may exceed the depth */
	if (!chan_usable(ch))
		return -ENODEV;
	rq = storvsc_req_get(sd);
	if (!rq)
		return -EBUSY;
	srb_fill(sd, rq, lun, full, cdb_len, buf ? data_in : STORVSC_DATA_NONE, buf ? len : 0);
	memset(&rq->res, 0, sizeof(rq->res));
	rq->gpa = buf ? plat_ptr_to_gpa(buf) : 0;
	return req_send_wait(sd, ch, rq, res, "storvsc_cmd",
			     STORVSC_IO_TIMEOUT_NS + 5 * WQ_NS_PER_S);
}

/* ---- opening a channel (probe for the primary; sub-channel callback) ---- */

int storvsc_open_chan(struct storvsc_dev *sd, struct storvsc_chan *ch, struct vmbus_channel *c)
{
	uint32_t pages = vmbus_chan_subidx(c) ? STORVSC_SUB_RING_PAGES : STORVSC_RING_PAGES;
	/* storvsc.md §1: 24 zero bytes of channel properties as user data. */
	static const uint8_t zero_props[24];
	struct vmbus_chan_open_args a = {
		.out_pages = pages, .in_pages = pages,
		.max_requests = STORVSC_CHAN_DEPTH_MAX + 16,
		.cb = storvsc_on_channel, .cb_arg = ch,
		.userdata = zero_props, .userdata_len = sizeof(zero_props),
	};
	int err;

	if (ch->state != SCH_FREE)
		return -EBUSY;                  /* §11.1: never open twice */
	storvsc_chan_transition(ch, SCH_OPENING);
	ch->c = c;
	ch->sd = sd;
	ch->subidx = vmbus_chan_subidx(c);
	ch->outstanding = 0;
	err = vmbus_chan_open(c, &a);
	storvsc_chan_transition(ch, err ? SCH_DEAD : SCH_OPEN);
	return err;
}
