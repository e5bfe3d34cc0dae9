/*
 * The storvsc channel callback (docs/protocols/storage.md §2.3, §2.4, §14): every packet
 * is copied out of the ring once, checked (type, length, transaction id
 * against what this channel issued, operation, sense and transfer lengths)
 * and only then used. Runs on the shared vmbus_event queue: never waits,
 * and handles at most STORVSC_RECV_BUDGET packets per call before it queues
 * itself again behind the other channels' work. A packet the ring cannot
 * deliver (corrupt ring, oversized packet) loses a completion: the channel
 * leaves the rotation and is reset, so nothing waits on a lost answer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/storvsc.h"
#include "drivers/storvsc_scsi.h"
#include "kernel/log.h"

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
	    rq->state != SRQ_INFLIGHT) {
		sd->n_unknown_ids++;
		return;
	}
	ch->n_done++;
	/* §14 items 1 and 9: a full packet of the size we sent, copied once. */
	if (p->data_len < rq->sent_size) {
		sd->n_bad_pkts++;
		pr_err("storvsc: %s: short completion (%u < %u bytes)\n",
		       vmbus_device_name(sd->dev), p->data_len, rq->sent_size);
		storvsc_req_finish(sd, rq, -EIO);
		return;
	}
	/* The whole-struct case as a fixed-size copy the compiler inlines
	 * (no library call per I/O); the pre-Win8 size is the rare one. */
	if (rq->sent_size == sizeof(pk)) {
		memcpy(&pk, p->data, sizeof(pk));
	} else {                                /* pre-Win8: no extension */
		memcpy(&pk, p->data, rq->sent_size);
		memset((uint8_t *)&pk + rq->sent_size, 0, sizeof(pk) - rq->sent_size);
	}
	if (pk.operation != STORVSC_OP_COMPLETE_IO) {   /* §14 item 5: fatal */
		sd->n_bad_pkts++;
		storvsc_req_finish(sd, rq, -EPROTO);
		return;
	}
	rq->res.nt_status = pk.status;
	if (rq->op != STORVSC_OP_EXECUTE_SRB) {
		memcpy(rq->res.props, pk.u.raw, sizeof(rq->res.props));
		storvsc_req_finish(sd, rq, pk.status == STORVSC_NT_SUCCESS ? 0 : -EIO);
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
		} else if (err == -EAGAIN && rq->retries < 3 && storvsc_chan_usable(ch)) {
			struct scsi_sense sn = scsi_sense_parse(rq->res.sense, rq->res.sense_len);

			/* §10: capacity data changed: re-read it (rescan). */
			if (scsi_sense_is_capacity_changed(&sn) && sd->state == SD_RUNNING && sd->q)
				wq_queue(sd->q, &sd->w_rescan);
			/* Unit attention / busy: send the same SRB again. */
			rq->retries++;
			ch->outstanding--;
			rq->state = SRQ_INFLIGHT;
			if (storvsc_req_send(sd, ch, rq) == 0)
				return;
			ch->outstanding++;
		}
		pr_err("storvsc: %s: lun %u: %s\n", vmbus_device_name(sd->dev), rq->lun ? rq->lun->lun : 0, why);
	}
	storvsc_req_finish(sd, rq, err);
}

/* Rescind (§13): the host revoked the channel and stopped using its memory;
 * every request in flight on it fails (never success), whatever the ring
 * still holds. */
static void on_rescind(struct storvsc_chan *ch)
{
	struct storvsc_dev *sd = ch->sd;

	if (ch->state != SCH_DEAD)
		storvsc_chan_transition(ch, SCH_DEAD);
	if (ch == &sd->ch[0]) {
		/* The controller is gone: its disks go at once, before their
		 * I/O fails, so no caller sees a live disk fail. */
		storvsc_mark_dead(sd);
		for (int i = 0; i < STORVSC_MAX_LUNS; i++)
			if (sd->luns[i].registered)
				storvsc_lun_gone(&sd->luns[i]);
	}
	storvsc_fail_chan(ch, -ENODEV);
}

/*
 * vmbus_stop (UNLOAD, e.g. the shutdown IC) takes the connection down while
 * ch is still open: unlike a rescind the host still owns every buffer in
 * flight and may write it until CLOSECHANNEL and the ring GPADL teardown,
 * or until UNLOAD is answered (rule 6). So nothing is failed here: the
 * channel leaves the rotation, synchronous waits end at once (the probe or
 * scan gives up without its timeout), and answers are still used (drain).
 * remove closes the channels (storvsc_close_all) and only then fails what
 * is left.
 */
static void on_unload(struct storvsc_chan *ch)
{
	if (ch->state == SCH_OPEN)
		storvsc_chan_transition(ch, SCH_DEAD);
	storvsc_sync_release(ch, -ENODEV);
}

/* Handle up to STORVSC_RECV_BUDGET packets; returns how many. */
static uint32_t drain(struct storvsc_chan *ch, struct vmbus_channel *c)
{
	struct storvsc_dev *sd = ch->sd;
	struct vmbus_ring_iter it;
	struct vmbus_pkt p;
	uint32_t n = 0;
	bool broken = false;
	int r;

	do {
		vmbus_chan_recv_begin(c, &it);
		while (n < STORVSC_RECV_BUDGET &&
		       (r = vmbus_chan_recv_next(c, &it, ch->rxbuf, sizeof(ch->rxbuf), &p)) != 0) {
			if (r < 0) {
				/* -ENOTCONN: closed meanwhile, nothing to read. */
				broken = r != -ENOTCONN;
				break;
			}
			n++;
			if (p.trans_id == 0)
				on_unsolicited(ch, &p);
			else
				on_completion(ch, &p);
		}
	} while (vmbus_chan_recv_end(c, &it) && !broken && n < STORVSC_RECV_BUDGET);
	if (broken) {
		sd->n_bad_pkts++;
		ch->n_dropped++;
		storvsc_chan_reset(ch, "bad packet in the inbound ring");
	}
	return n;
}

static void more_work(struct work *w)
{
	struct storvsc_chan *ch = wq_container_of(w, struct storvsc_chan, w_more);

	if (ch->c)
		storvsc_on_channel(ch->c, ch);
}

void storvsc_on_channel(struct vmbus_channel *c, void *arg)
{
	struct storvsc_chan *ch = arg;
	struct storvsc_dev *sd = ch->sd;
	struct wq *q;

	/* The queue that runs completions: synchronous waiters name it as
	 * their completer so the deadlock check can see a circular wait. */
	if (!sd->event_q)
		sd->event_q = wq_current();
	if (vmbus_chan_revoked(c)) {
		on_rescind(ch);
		storvsc_kick(sd);
		return;
	}
	if (vmbus_chan_rescinded(c))
		on_unload(ch);          /* vmbus_stop: not a rescind */
	/* A DEAD or RESET channel is being closed: its answers are still
	 * used; what stays unanswered is failed by the closer after
	 * CLOSECHANNEL (storvsc_chan_close). */
	if (drain(ch, c) >= STORVSC_RECV_BUDGET && ch->state != SCH_FREE) {
		if (!ch->w_more.fn)
			work_init(&ch->w_more, more_work, "storvsc_more");
		q = wq_current();       /* only here: not on the per-I/O path */
		/* Behind whatever else the queue holds; twice is harmless. */
		if (q || sd->event_q)
			wq_queue(q ? q : sd->event_q, &ch->w_more);
	}
	/* An empty FIFO is the common case here: the done() of a completion
	 * usually submitted (and started) the next request already. */
	if (sd->pend_head)
		storvsc_kick(sd);
}
