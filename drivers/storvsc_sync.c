/*
 * Synchronous storvsc commands (docs/protocols/storage.md §6, §8): the control operations
 * of the init sequence and the SCSI commands of the LUN scan send one
 * request and wait for it on a work item that may wait.
 */
#include <errno.h>
#include <string.h>

#include "drivers/storvsc.h"
#include "kernel/log.h"
#include "kernel/platform.h"

/* ---- synchronous commands (probe, scan): work items only ---- */

/*
 * Wait for rq. Completed by the channel callback (vmbus_event, the declared
 * completer) when the host answers, or by storvsc_fail_chan after the
 * channel was rescinded or closed (a reset closes a channel whose request
 * is past storvsc_io_limit_ns, so a SCSI command ends by then).
 */
static int req_wait(struct storvsc_dev *sd, struct storvsc_req *rq, struct completion *done,
		    int *res_err, uint64_t timeout)
{
	uint32_t seq = rq->seq;
	int err = completion_wait(done, timeout);

	if (err && !completion_done(done)) {
		/* Abandon: the slot stays owned by the in-flight id until it
		 * is answered or its channel closes; the answer is dropped
		 * (rq->waiter cleared). A data buffer stays parked until the
		 * close (sd->scan_abandoned, storvsc_scan.c). The slot may be
		 * someone else's only if it completed, which we checked. */
		if (rq->seq == seq && rq->state == SRQ_INFLIGHT && rq->waiter == done) {
			if (rq->buf_len)
				sd->scan_abandoned = true;
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

/*
 * vmbus_stop is taking the connection down (storvsc_recv.c on_unload): end
 * the waits of the synchronous commands in flight on ch with err, so the
 * probe or scan gives up at once instead of at its timeout. Their requests
 * stay in flight, owned by their ids, exactly like an abandoned wait: the
 * host may still answer into a data buffer until the channel is closed, so
 * the slot (and the scan buffer, parked by sd->scan_abandoned) goes back
 * only when the answer comes or storvsc_chan_close fails it (rule 6).
 * Never waits; waking twice is harmless (the waiter is cleared).
 */
void storvsc_sync_release(struct storvsc_chan *ch, int err)
{
	struct storvsc_dev *sd = ch->sd;

	for (uint32_t i = 0; i < STORVSC_MAX_REQS; i++) {
		struct storvsc_req *rq = &sd->reqs[i];

		if (rq->ch != ch || rq->state != SRQ_INFLIGHT || !rq->waiter)
			continue;
		if (rq->buf_len)
			sd->scan_abandoned = true;
		if (rq->out_err)
			*rq->out_err = err;
		complete_one(rq->waiter);
		rq->waiter = NULL;
		rq->out = NULL;
		rq->out_err = NULL;
	}
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
	err = storvsc_req_send(sd, ch, rq);
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

	if (!storvsc_chan_usable(ch))
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
	uint8_t full[STORVSC_CDB_MAX] = { 0 };  /* storvsc_srb_fill copies all 16 bytes */
	struct storvsc_chan *ch;
	struct storvsc_req *rq;

	if (cdb_len > STORVSC_CDB_MAX)
		return -EINVAL;
	memcpy(full, cdb, cdb_len);
	ch = storvsc_pick_chan(sd);
	if (!ch)
		ch = &sd->ch[0];            /* scan commands may exceed the depth */
	if (!storvsc_chan_usable(ch))
		return -ENODEV;
	if (sd->resetting)
		return -EIO;            /* the channels are being closed and reopened */
	rq = storvsc_req_get(sd);
	if (!rq)
		return -EBUSY;
	storvsc_srb_fill(sd, rq, lun, full, cdb_len, buf ? data_in : STORVSC_DATA_NONE, buf ? len : 0);
	memset(&rq->res, 0, sizeof(rq->res));
	rq->gpa = buf ? plat_ptr_to_gpa(buf) : 0;
	return req_send_wait(sd, ch, rq, res, "storvsc_cmd",
			     storvsc_io_limit_ns + 10 * WQ_NS_PER_S);
}
