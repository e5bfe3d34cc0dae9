/*
 * Putting a storvsc request on the wire (docs/protocols/storage.md §2.1, §2.2, §5.2, §7):
 * the SRB of a SCSI command, then an in-band packet or a GPA-direct packet
 * over the request's buffer, with the slot's index as the requestor context.
 */
#include <string.h>

#include "drivers/storvsc.h"
#include "kernel/platform.h"

/* Put rq on the wire on ch. rq->pkt, gpa and buf_len are filled. */
int storvsc_req_send(struct storvsc_dev *sd, struct storvsc_chan *ch, struct storvsc_req *rq)
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
	if (!sd->watchdog_on)           /* armed already: no call per I/O */
		storvsc_watchdog_arm(sd);
	return 0;
}

/* Fill the SRB of rq for lun (§5.2, §7 steps 1-2). cdb is a whole
 * STORVSC_CDB_MAX buffer, zero past cdb_len (every scsi_cdb_* builder fills
 * all 16 bytes): one fixed-size copy instead of a memcpy call per I/O. */
void storvsc_srb_fill(struct storvsc_dev *sd, struct storvsc_req *rq, uint8_t lun,
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
