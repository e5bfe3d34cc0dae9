/*
 * Unit tests of the storvsc request path (drivers/storvsc_{req,chan,send,blk,recv,sync,watchdog}.c) against a
 * fake channel: the VMBus calls it makes are replaced below, so a test
 * plays the host by hand. Covers docs/protocols/storage.md §14 (every field of a
 * completion validated before use: packet type, length, transaction id,
 * operation, sense length, transfer length, id 0), splitting at the host's
 * maximum transfer, the per-channel bound, round robin over channels,
 * failure (never success) of everything in flight on a rescinded channel,
 * and on an unload only after the close (rule 6),
 * and a fuzz loop of hostile completions (docs/style.md §15). Buffer ownership
 * (the host may write a request's buffer until it answers or the channel is
 * closed): a slow request keeps its buffer at 30 s, the limit resets the
 * channel, the close goes out before done(), a corrupt ring resets the
 * channel; the receive budget; the transfer-length clamp.
 *
 * The LUN scan (drivers/storvsc_scan.c) runs against a fake SCSI target
 * answering through the same fake channel: READ CAPACITY(16) refused ->
 * (10); (10) saturated without (16) -> not added; REPORT LUNS refused ->
 * INQUIRY probing; "no LU" and non-disk types skipped; hostile list length.
 *
 * The SCSI helpers come from storvsc_scsi_test.c (it compiles
 * drivers/storvsc_scsi.c into the test binary), blk_buf_alloc from
 * gpt_test.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"

#include "drivers/storvsc_blk.c"
#include "drivers/storvsc_chan.c"
#include "drivers/storvsc_recv.c"
#include "drivers/storvsc_req.c"
#include "drivers/storvsc_reset.c"
#include "drivers/storvsc_send.c"
#include "drivers/storvsc_sync.c"
#include "drivers/storvsc_watchdog.c"
#include "drivers/storvsc_scan.c"

/* ---- the fake VMBus and block layer ---- */

#define FK_MAX 512
static struct {
	bool rescinded;
	bool unloading;             /* vmbus_stop: every wait ends, no rescind */
	uint64_t next_id;
	bool used[FK_MAX + 1];
	uint64_t ctx[FK_MAX + 1];
	int sent, sent_gpa;
	struct storvsc_packet last;
	uint32_t last_len, last_gpa_len;
	uint64_t last_id;
	/* inbound packets */
	uint8_t in[128][512];
	struct vmbus_pkt inp[128];
	int nin, rd;
	bool corrupt;               /* recv_next fails (-EIO) at packet corrupt_idx */
	int corrupt_idx;
	/* vmbus_chan_close: how often, and done() calls seen at CLOSECHANNEL */
	int closes, done_at_close;
	int close_err;              /* -EBUSY: the host did not confirm the close */
	struct storvsc_chan *close_ch;  /* gets the closer's last callback */
	int inits, init_err;        /* storvsc_init_protocol calls, result */
	int add_err;                /* blk_disk_add fails with this */
	bool xfer_hostile;          /* target claims 0xFFFFFFFF bytes moved */
	/* block completions */
	int done_calls, done_ok, done_err;
	int last_status;
	/* the fake SCSI target (scan tests): answers at once when on */
	bool target;
	uint32_t lun_mask;          /* LUNs present */
	uint8_t type[8];            /* peripheral type per LUN */
	bool rl_fail, rl_hostile, rc16_fail, rc10_saturated;
	uint64_t nblocks;
	int ndisks;
	struct blk_disk *disks[8];
} FK;

static void fk_target(uint64_t id, uint64_t gpa, uint32_t len);

static uint8_t fk_chan_mem[8];
#define FK_CHAN ((struct vmbus_channel *)(void *)fk_chan_mem)

static int fk_get(uint64_t ctx, uint64_t *id)
{
	for (uint64_t i = 1; i <= FK_MAX; i++) {
		if (!FK.used[i]) {
			FK.used[i] = true;
			FK.ctx[i] = ctx;
			*id = i;
			return 0;
		}
	}
	return -EBUSY;
}

int vmbus_chan_send_gpa(struct vmbus_channel *c, uint64_t gpa, uint32_t gpa_len,
			const void *data, uint32_t len, uint64_t ctx, uint64_t *trans_id)
{
	(void)c; (void)gpa;
	if (FK.rescinded)
		return -ENODEV;
	FK.sent++;
	FK.sent_gpa++;
	FK.last_gpa_len = gpa_len;
	memcpy(&FK.last, data, len < 64 ? len : 64);
	FK.last_len = len;
	if (fk_get(ctx, trans_id))
		return -EBUSY;
	FK.last_id = *trans_id;
	if (FK.target)
		fk_target(*trans_id, gpa, gpa_len);
	return 0;
}

int vmbus_chan_send_request(struct vmbus_channel *c, const void *data, uint32_t len,
			    uint64_t ctx, uint64_t *trans_id)
{
	(void)c;
	if (FK.rescinded)
		return -ENODEV;
	FK.sent++;
	FK.last_gpa_len = 0;
	memcpy(&FK.last, data, len < 64 ? len : 64);
	FK.last_len = len;
	if (fk_get(ctx, trans_id))
		return -EBUSY;
	FK.last_id = *trans_id;
	if (FK.target)
		fk_target(*trans_id, 0, 0);
	return 0;
}

int vmbus_chan_complete(struct vmbus_channel *c, uint64_t id, uint64_t *ctx)
{
	(void)c;
	if (id == 0 || id > FK_MAX || !FK.used[id])
		return -EINVAL;
	FK.used[id] = false;
	*ctx = FK.ctx[id];
	return 0;
}

void vmbus_chan_recv_begin(struct vmbus_channel *c, struct vmbus_ring_iter *it)
{
	(void)c; (void)it;
}

int vmbus_chan_recv_next(struct vmbus_channel *c, struct vmbus_ring_iter *it, void *buf,
			 uint32_t bufsz, struct vmbus_pkt *pkt)
{
	(void)c; (void)it;
	if (FK.rd >= FK.nin)
		return 0;
	if (FK.corrupt && FK.rd == FK.corrupt_idx)
		return -EIO;
	*pkt = FK.inp[FK.rd];
	if (pkt->data_len > bufsz)
		return -EMSGSIZE;
	memcpy(buf, FK.in[FK.rd], pkt->data_len);
	pkt->data = buf;
	FK.rd++;
	return 1;
}

bool vmbus_chan_recv_end(struct vmbus_channel *c, struct vmbus_ring_iter *it)
{
	(void)c; (void)it;
	return false;
}

bool vmbus_chan_rescinded(const struct vmbus_channel *c)
{
	(void)c;
	return FK.rescinded || FK.unloading;
}
bool vmbus_chan_revoked(const struct vmbus_channel *c) { (void)c; return FK.rescinded; }
uint16_t vmbus_chan_subidx(const struct vmbus_channel *c) { (void)c; return 0; }
const char *vmbus_device_name(const struct vmbus_device *d) { (void)d; return "storvsc-test"; }
int vmbus_chan_open(struct vmbus_channel *c, const struct vmbus_chan_open_args *a)
{
	(void)c; (void)a;
	return 0;
}

/* Like vmbus' closer: a last callback while the rings exist, then
 * CLOSECHANNEL goes out (done() calls counted at that moment). */
int vmbus_chan_close(struct vmbus_channel *c)
{
	if (FK.close_ch)
		storvsc_on_channel(c, FK.close_ch);
	FK.closes++;
	FK.done_at_close = FK.done_calls;
	return FK.close_err;
}

int storvsc_init_protocol(struct storvsc_dev *d)
{
	(void)d;
	FK.inits++;
	return FK.init_err;
}

void blk_complete(struct blk_req *r, int status)
{
	r->status = status;
	FK.done_calls++;
	FK.last_status = status;
	if (status)
		FK.done_err++;
	else
		FK.done_ok++;
}

int blk_disk_add(struct blk_disk *d)
{
	if (FK.add_err)
		return FK.add_err;
	if (FK.ndisks >= 8)
		return -ENOSPC;
	snprintf(d->name, sizeof(d->name), "sd%d", FK.ndisks);
	FK.disks[FK.ndisks++] = d;
	return 0;
}

void blk_disk_remove(struct blk_disk *d)
{
	d->gone = true;
}

/* Requests here bypass blk_submit: the disk object's own flag says it. */
bool blk_req_stale(const struct blk_req *r)
{
	return r->r_disk->gone;
}

void storvsc_mark_dead(struct storvsc_dev *d)
{
	d->state = SD_DEAD;
}

/* ---- fixtures ---- */

static const struct storvsc_version_info fk_ver = { STORVSC_VERSION_WIN10, 20, 52, 64, 1 };
static const struct blk_disk_ops fk_ops = { .submit = storvsc_blk_submit };
static struct storvsc_dev *sd;
static struct storvsc_lun *lun;
static void *buf;

static int setup(int nchan, uint32_t max_xfer)
{
	memset(&FK, 0, sizeof(FK));
	sd = calloc(1, sizeof(*sd));
	buf = plat_page_alloc(256);            /* 1 MiB of guest memory */
	if (!sd || !buf)
		return -1;
	storvsc_io_init(sd);
	sd->ver = &fk_ver;
	sd->pkt_size = 64;
	sd->max_xfer = max_xfer;
	sd->state = SD_RUNNING;
	for (int k = 0; k < nchan; k++) {
		sd->ch[k].sd = sd;
		sd->ch[k].c = FK_CHAN;
		sd->ch[k].state = SCH_OPENING;
		storvsc_chan_transition(&sd->ch[k], SCH_OPEN);
		sd->ch[k].subidx = (uint16_t)k;
	}
	FK.close_ch = &sd->ch[0];
	storvsc_io_limit_ns = STORVSC_IO_LIMIT_NS;
	lun = &sd->luns[0];
	lun->sd = sd;
	lun->lun = 0;
	lun->present = true;
	lun->disk.block_size = 512;
	lun->disk.nblocks = 1u << 20;
	lun->disk.ops = &fk_ops;
	lun->disk.priv = lun;
	return 0;
}

static void teardown(void)
{
	storvsc_scan_fini(sd);
	if (sd->watchdog.fn)
		timer_stop(&sd->watchdog);
	plat_page_free(buf, 256);
	free(sd);
}

/* A completion for id as the host would send it, then edited by the test. */
static struct storvsc_packet *host_reply(uint64_t id, uint16_t type, uint32_t len)
{
	struct storvsc_packet *p = (void *)FK.in[FK.nin];

	memset(FK.in[FK.nin], 0, sizeof(FK.in[0]));
	p->operation = STORVSC_OP_COMPLETE_IO;
	p->u.srb.length = 52;
	p->u.srb.srb_status = STORVSC_SRB_SUCCESS;
	p->u.srb.data_transfer_length = FK.last_gpa_len;
	FK.inp[FK.nin] = (struct vmbus_pkt){ .type = type, .trans_id = id, .data_len = len };
	FK.nin++;
	return p;
}

static void deliver_on(int k)
{
	storvsc_on_channel(FK_CHAN, &sd->ch[k]);
	FK.nin = FK.rd = 0;
}
static void deliver(void) { deliver_on(0); }

static struct blk_req req;

static int submit_read(uint32_t nblocks)
{
	memset(&req, 0, sizeof(req));
	req.op = BLK_OP_READ;
	req.lba = 8;
	req.nblocks = nblocks;
	req.buf = buf;
	return storvsc_blk_submit(&lun->disk, &req);
}

/* ---- tests ---- */

static int t_io_good_completion(void)
{
	CHECK(setup(1, 65536) == 0);
	CHECK_EQ(submit_read(8), 0);
	CHECK_EQ(FK.sent_gpa, 1);
	CHECK_EQ(FK.last.operation, STORVSC_OP_EXECUTE_SRB);
	CHECK_EQ(FK.last.u.srb.cdb_length, 10);
	CHECK_EQ(FK.last.u.srb.u.cdb[0], SCSI_OP_READ10);
	CHECK_EQ(FK.last.u.srb.data_in, STORVSC_DATA_IN);
	CHECK_EQ(FK.last.u.srb.sense_info_length, 20);
	CHECK_EQ(FK.last_len, 64);
	host_reply(FK.last_id, VMBUS_PKT_COMP, 64);
	deliver();
	CHECK_EQ(FK.done_calls, 1);
	CHECK_EQ(FK.last_status, 0);
	CHECK_EQ(sd->ch[0].outstanding, 0);
	teardown();
	return 0;
}

/* Each hostile completion: the request must not succeed from it. */
static int t_io_hostile_completions(void)
{
	struct storvsc_packet *p;
	uint64_t id;

	CHECK(setup(1, 65536) == 0);
	CHECK_EQ(submit_read(8), 0);
	id = FK.last_id;
	/* wrong packet type for a completion: dropped, still pending */
	host_reply(id, VMBUS_PKT_DATA_INBAND, 64);
	/* an id we never issued, and id 0 claiming COMPLETE_IO */
	host_reply(id + 7, VMBUS_PKT_COMP, 64);
	host_reply(0, VMBUS_PKT_DATA_INBAND, 64);
	deliver();
	CHECK_EQ(FK.done_calls, 0);
	CHECK(sd->n_bad_pkts >= 2);
	CHECK(sd->n_unknown_ids >= 1);
	/* short: fails, never succeeds */
	host_reply(id, VMBUS_PKT_COMP, 40);
	deliver();
	CHECK_EQ(FK.done_calls, 1);
	CHECK_EQ(FK.last_status, -EIO);
	/* the same id again: already consumed */
	host_reply(id, VMBUS_PKT_COMP, 64);
	deliver();
	CHECK_EQ(FK.done_calls, 1);

	/* wrong operation */
	CHECK_EQ(submit_read(8), 0);
	p = host_reply(FK.last_id, VMBUS_PKT_COMP, 64);
	p->operation = STORVSC_OP_EXECUTE_SRB;
	deliver();
	CHECK_EQ(FK.done_calls, 2);
	CHECK_EQ(FK.last_status, -EPROTO);

	/* sense length 255 with CHECK CONDITION: clamped; medium error */
	CHECK_EQ(submit_read(8), 0);
	p = host_reply(FK.last_id, VMBUS_PKT_COMP, 64);
	p->u.srb.srb_status = STORVSC_SRB_ERROR | STORVSC_SRB_STATUS_AUTOSENSE_VALID;
	p->u.srb.scsi_status = SCSI_STATUS_CHECK_CONDITION;
	p->u.srb.sense_info_length = 255;
	p->u.srb.u.sense_data[0] = 0x70;
	p->u.srb.u.sense_data[2] = SCSI_SK_MEDIUM_ERROR;
	deliver();
	CHECK_EQ(FK.done_calls, 3);
	CHECK_EQ(FK.last_status, -EIO);

	/* "success" that moved fewer bytes than asked: an error */
	CHECK_EQ(submit_read(8), 0);
	p = host_reply(FK.last_id, VMBUS_PKT_COMP, 64);
	p->u.srb.data_transfer_length = 512;
	deliver();
	CHECK_EQ(FK.done_calls, 4);
	CHECK_EQ(FK.last_status, -EIO);

	/* more than asked: clamped, success */
	CHECK_EQ(submit_read(8), 0);
	p = host_reply(FK.last_id, VMBUS_PKT_COMP, 64);
	p->u.srb.data_transfer_length = 0xFFFFFFFF;
	deliver();
	CHECK_EQ(FK.done_calls, 5);
	CHECK_EQ(FK.last_status, 0);
	CHECK_EQ(sd->ch[0].outstanding, 0);
	teardown();
	return 0;
}

/* 1 MiB read, host maximum 64 KiB: 16 SRBs; per-channel bound respected;
 * spread over 3 channels; one done() at the end. */
static int t_io_split_and_bound(void)
{
	uint64_t ids[64];
	int n = 0;

	CHECK(setup(3, 65536) == 0);
	storvsc_chan_depth = 4;
	CHECK_EQ(submit_read(2048), 0);
	CHECK_EQ(FK.sent_gpa, 12);                   /* 3 channels x depth 4 */
	CHECK_EQ(FK.last_gpa_len, 65536);
	for (int k = 0; k < 3; k++)
		CHECK_EQ(sd->ch[k].outstanding, 4);
	CHECK(req.r_queued);
	/* complete everything outstanding, repeatedly, until done */
	for (int round = 0; round < 10 && FK.done_calls == 0; round++) {
		n = 0;
		for (uint64_t i = 1; i <= FK_MAX; i++)
			if (FK.used[i])
				ids[n++] = i;
		for (int i = 0; i < n; i++) {
			/* the completion comes back on the channel it went out on */
			struct storvsc_req *rq = &sd->reqs[FK.ctx[ids[i]] - 1];

			FK.last_gpa_len = 65536;
			host_reply(ids[i], VMBUS_PKT_COMP, 64);
			deliver_on((int)(rq->ch - sd->ch));
		}
	}
	CHECK_EQ(FK.sent_gpa, 16);
	CHECK_EQ(FK.done_calls, 1);
	CHECK_EQ(FK.last_status, 0);
	storvsc_chan_depth = STORVSC_CHAN_DEPTH_MAX;
	teardown();
	return 0;
}

/* A request that waits in the FIFO (channel at its depth) when its disk
 * goes away fails with -ENODEV and is never sent: the kick checks every
 * waiting request again; only the one blk_submit just checked is spared. */
static int t_io_waiting_request_stale(void)
{
	static struct blk_req second;

	CHECK(setup(1, 65536) == 0);
	storvsc_chan_depth = 1;
	CHECK_EQ(submit_read(8), 0);
	CHECK_EQ(FK.sent_gpa, 1);
	memset(&second, 0, sizeof(second));
	second.op = BLK_OP_READ;
	second.lba = 64;
	second.nblocks = 8;
	second.buf = buf;
	CHECK_EQ(storvsc_blk_submit(&lun->disk, &second), 0);
	CHECK_EQ(FK.sent_gpa, 1);                    /* waits: depth 1 */
	CHECK(second.r_queued);
	blk_disk_remove(&lun->disk);
	host_reply(FK.last_id, VMBUS_PKT_COMP, 64);
	deliver();
	CHECK_EQ(FK.sent_gpa, 1);                    /* never sent */
	CHECK_EQ(FK.done_calls, 2);
	CHECK_EQ(second.status, -ENODEV);
	storvsc_chan_depth = STORVSC_CHAN_DEPTH_MAX;
	teardown();
	return 0;
}

/* The channel is rescinded with I/O in flight: every request fails with an
 * error, even if the ring still holds a success for it. */
static int t_io_rescind_fails_inflight(void)
{
	CHECK(setup(1, 65536) == 0);
	CHECK_EQ(submit_read(1024), 0);              /* 8 pieces in flight */
	CHECK_EQ(FK.sent_gpa, 8);
	host_reply(FK.last_id, VMBUS_PKT_COMP, 64); /* a success in the ring */
	FK.rescinded = true;
	deliver();
	CHECK_EQ(FK.done_calls, 1);
	CHECK_EQ(FK.last_status, -ENODEV);
	CHECK_EQ(sd->ch[0].outstanding, 0);
	/* new I/O is refused or fails, never succeeds */
	if (submit_read(8) == 0)
		CHECK(FK.done_calls == 2 && FK.last_status != 0);
	teardown();
	return 0;
}

/* vmbus_stop (UNLOAD) with I/O and a synchronous command in flight: the
 * callback fails nothing (the host owns the buffers until the close, rule
 * 6), still uses answers, ends the synchronous wait at once and keeps its
 * slot; the close then fails the rest, after CLOSECHANNEL. */
static int t_io_unload_fails_after_close(void)
{
	struct storvsc_result res;
	struct completion done;
	struct storvsc_req *rq;
	int res_err = 0;

	CHECK(setup(1, 65536) == 0);
	CHECK_EQ(submit_read(1024), 0);              /* 8 pieces in flight */
	rq = storvsc_req_get(sd);                    /* a scan command, waited on */
	CHECK(rq != NULL);
	storvsc_srb_fill(sd, rq, 0, (const uint8_t[STORVSC_CDB_MAX]){ 0x12 }, 6,
			 STORVSC_DATA_IN, 512);
	rq->gpa = plat_ptr_to_gpa(buf);
	completion_init(&done, "t_unload");
	rq->waiter = &done;
	rq->out = &res;
	rq->out_err = &res_err;
	CHECK_EQ(storvsc_req_send(sd, &sd->ch[0], rq), 0);
	/* one piece answered, in full */
	host_reply(FK.last_id - 1, VMBUS_PKT_COMP, 64)->u.srb.data_transfer_length = 65536;
	FK.unloading = true;
	deliver();
	CHECK_EQ(FK.done_calls, 0);                  /* 7 pieces still the host's */
	CHECK_EQ(sd->ch[0].state, SCH_DEAD);
	CHECK_EQ(sd->ch[0].outstanding, 8);
	CHECK(completion_done(&done));               /* the wait ended at once */
	CHECK_EQ(res_err, -ENODEV);
	CHECK_EQ(rq->state, SRQ_INFLIGHT);           /* its slot is kept */
	CHECK(rq->waiter == NULL);
	CHECK(sd->scan_abandoned);                   /* its buffer is parked */
	storvsc_chan_close(&sd->ch[0], -ENODEV);
	CHECK_EQ(FK.closes, 1);
	CHECK_EQ(FK.done_at_close, 0);
	CHECK_EQ(FK.done_calls, 1);
	CHECK_EQ(FK.last_status, -ENODEV);
	CHECK_EQ(sd->free_top, STORVSC_MAX_REQS);
	teardown();
	return 0;
}

/* Random completions: random types, lengths, ids (mostly live ones) and
 * payload bytes. No crash (ASan/UBSan); every request finishes at most
 * once; the pool is intact at the end. */
static int t_io_fuzz(void)
{
	uint64_t x = 0xC0FFEE;

	CHECK(setup(1, 65536) == 0);
	for (int round = 0; round < 4000; round++) {
		struct storvsc_packet *p;
		uint64_t id = 0;
		int before = FK.done_calls;

		if (FK.done_calls == round / 4 && req.r_parts == 0 && !req.r_queued)
			CHECK_EQ(submit_read(1 + (uint32_t)(x % 300)), 0);
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		for (uint64_t i = 1; i <= FK_MAX; i++)
			if (FK.used[i]) {
				id = i;
				break;
			}
		if ((x & 7) == 0)
			id = x >> 40;
		p = host_reply(id, (x & 0x30) ? VMBUS_PKT_COMP : (uint16_t)(x >> 8 & 15),
			       (uint32_t)(x >> 16) % 80);
		for (int b = 0; b < 64; b++)
			if ((x >> (b % 60)) & 1)
				((uint8_t *)p)[b] ^= (uint8_t)(x >> (b % 56));
		if (x & 0x100)
			p->operation = STORVSC_OP_COMPLETE_IO;
		deliver();
		CHECK(FK.done_calls - before <= 1);
	}
	/* drain: fail what is left by a rescind; pool all free again */
	FK.rescinded = true;
	deliver();
	CHECK_EQ(sd->free_top, STORVSC_MAX_REQS);
	teardown();
	return 0;
}

/* ---- the LUN scan against a fake SCSI target ---- */

static struct work fk_host_w;
static struct wq *fk_host_q;
static int fk_pending;

static void fk_host_work(struct work *w)
{
	(void)w;
	fk_pending = 0;
	deliver();
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Answer the SRB just sent (FK.last) like a small SCSI target would. */
static void fk_target(uint64_t id, uint64_t gpa, uint32_t len)
{
	const struct storvsc_srb *q = &FK.last.u.srb;
	uint8_t *b = len ? plat_gpa_to_ptr(gpa, len) : NULL, lun = q->lun;
	bool present = lun < 8 && (FK.lun_mask >> lun & 1);
	struct storvsc_packet *p = host_reply(id, VMBUS_PKT_COMP, 64);
	uint32_t n = 0;
	bool bad = false;

	if (FK.last.operation != STORVSC_OP_EXECUTE_SRB) {
		bad = true;
	} else if (q->u.cdb[0] == SCSI_OP_REPORT_LUNS) {
		if (FK.rl_fail) {
			bad = true;
		} else {
			for (int l = 0; l < 8; l++)
				if (FK.lun_mask >> l & 1)
					b[8 + 8 * n++ + 1] = (uint8_t)l;
			put_be32(b, FK.rl_hostile ? 0x7FFFFFF8u : n * 8);
			n = 8 + n * 8;
		}
	} else if (q->u.cdb[0] == SCSI_OP_INQUIRY && !(q->u.cdb[1] & 1)) {
		b[0] = present ? FK.type[lun] : 0x7F;
		memcpy(b + 8, "Msft    Virtual Disk    1.0 ", 28);
		n = 36;
	} else if (q->u.cdb[0] == SCSI_OP_INQUIRY) {
		uint8_t page = q->u.cdb[2];

		if (!present) {
			bad = true;
		} else if (page == 0) {
			b[1] = 0; b[3] = 3; b[4] = 0; b[5] = 0x80; b[6] = 0xB0;
			n = 7;
		} else if (page == 0x80) {
			b[1] = 0x80; b[3] = 3; b[4] = 'S'; b[5] = 'N'; b[6] = (uint8_t)('0' + lun);
			n = 7;
		} else if (page == 0xB0) {
			b[1] = 0xB0; b[3] = 0x3C; put_be32(b + 8, 16);
			n = 64;
		} else {
			bad = true;
		}
	} else if (q->u.cdb[0] == SCSI_OP_TEST_UNIT_READY) {
		bad = !present;
	} else if (q->u.cdb[0] == SCSI_OP_SERVICE_ACTION_IN16) {
		if (FK.rc16_fail || !present) {
			bad = true;
		} else {
			put_be32(b, (uint32_t)((FK.nblocks - 1) >> 32));
			put_be32(b + 4, (uint32_t)(FK.nblocks - 1));
			put_be32(b + 8, 512);
			n = 32;
		}
	} else if (q->u.cdb[0] == SCSI_OP_READ_CAPACITY10 && present) {
		put_be32(b, FK.rc10_saturated ? 0xFFFFFFFFu : (uint32_t)(FK.nblocks - 1));
		put_be32(b + 4, 512);
		n = 8;
	} else {
		bad = true;
	}
	if (bad) {
		/* INVALID_REQUEST + ILLEGAL REQUEST / invalid opcode (§7) */
		p->u.srb.srb_status = STORVSC_SRB_INVALID_REQUEST | STORVSC_SRB_STATUS_AUTOSENSE_VALID;
		p->u.srb.scsi_status = SCSI_STATUS_CHECK_CONDITION;
		p->u.srb.sense_info_length = 18;
		p->u.srb.u.sense_data[0] = 0x70;
		p->u.srb.u.sense_data[2] = SCSI_SK_ILLEGAL_REQUEST;
		p->u.srb.u.sense_data[12] = 0x20;
		n = 0;
	}
	p->u.srb.data_transfer_length = FK.xfer_hostile ? 0xFFFFFFFFu : n;
	if (!fk_pending) {
		fk_pending = 1;
		wq_queue(fk_host_q, &fk_host_w);
	}
}

static int scan_result;
static struct work scan_w;

static void scan_work(struct work *w)
{
	(void)w;
	scan_result = storvsc_scan(sd);
}

static int run_scan(void)
{
	fk_host_q = wq_create("fake_host", 1);
	work_init(&fk_host_w, fk_host_work, "fake_host");
	work_init(&scan_w, scan_work, "scan");
	scan_result = 1;
	FK.target = true;
	sd->q = NULL;                         /* no rescans queued */
	wq_queue(wq_create("scan", 1), &scan_w);
	t_run_all();
	return scan_result;
}

static int scan_setup(void)
{
	if (setup(1, 65536))
		return -1;
	sd->dev = NULL;
	FK.nblocks = 4096;
	FK.lun_mask = 1;
	return 0;
}

static void scan_teardown(void)
{
	for (int i = 0; i < FK.ndisks; i++)
		FK.disks[i] = NULL;
	teardown();
}

static int t_scan_rc16_fallback(void)
{
	CHECK(scan_setup() == 0);
	FK.rc16_fail = true;
	FK.nblocks = 777;
	CHECK_EQ(run_scan(), 0);
	CHECK_EQ(FK.ndisks, 1);
	CHECK_EQ(FK.disks[0]->nblocks, 777);
	CHECK_EQ(FK.disks[0]->block_size, 512);
	CHECK(!strcmp(sd->luns[0].serial, "SN0"));
	CHECK_EQ(sd->luns[0].bl_max_xfer_blocks, 16);
	CHECK(!strcmp(FK.disks[0]->model, "Msft Virtual Disk 1.0"));
	scan_teardown();
	return 0;
}

static int t_scan_rc10_saturated(void)
{
	CHECK(scan_setup() == 0);
	FK.rc16_fail = true;
	FK.rc10_saturated = true;
	CHECK_EQ(run_scan(), 0);
	CHECK_EQ(FK.ndisks, 0);              /* > 2^32 blocks without (16): unusable */
	scan_teardown();
	return 0;
}

static int t_scan_report_luns_fallback(void)
{
	CHECK(scan_setup() == 0);
	FK.rl_fail = true;
	FK.lun_mask = (1u << 0) | (1u << 3) | (1u << 5);
	FK.type[5] = 0x05;                   /* a CD-ROM: not a disk */
	CHECK_EQ(run_scan(), 0);
	CHECK_EQ(FK.ndisks, 2);
	CHECK_EQ(((struct storvsc_lun *)FK.disks[0]->priv)->lun, 0);
	CHECK_EQ(((struct storvsc_lun *)FK.disks[1]->priv)->lun, 3);
	scan_teardown();
	return 0;
}

static int t_scan_hostile_report_luns(void)
{
	CHECK(scan_setup() == 0);
	FK.rl_hostile = true;                /* claims 256M entries */
	FK.lun_mask = (1u << 1) | (1u << 2);
	CHECK_EQ(run_scan(), 0);
	CHECK_EQ(FK.ndisks, 2);
	/* a second scan: nothing new, nothing removed */
	CHECK_EQ(run_scan(), 0);
	CHECK_EQ(FK.ndisks, 2);
	CHECK(!FK.disks[0]->gone && !FK.disks[1]->gone);
	/* LUN 2 goes away: its disk is removed by the next scan */
	FK.lun_mask = 1u << 1;
	CHECK_EQ(run_scan(), 0);
	CHECK(!FK.disks[0]->gone);
	CHECK(FK.disks[1]->gone);
	scan_teardown();
	return 0;
}

/* ---- buffer ownership, resets, budget ---- */

/* The device queue and the reset work, as storvsc_probe sets them up. */
static void own_queue(void)
{
	sd->q = wq_create("storvsc_t", 4);
	work_init(&sd->w_reset, storvsc_reset_work, "storvsc_reset");
}

static void advance(uint64_t ns)
{
	hosted_set_now_ns(hosted_now_ns() + ns);
	storvsc_watchdog(&sd->watchdog);
}

/* Not answered at 30 s: logged, still in flight (the host may still write
 * its buffer), the channel untouched; the late answer completes it. */
static int t_io_slow_request_waits(void)
{
	uint64_t id;

	CHECK(setup(1, 65536) == 0);
	own_queue();
	CHECK_EQ(submit_read(8), 0);
	id = FK.last_id;
	advance(STORVSC_IO_SLOW_NS + WQ_NS_PER_S);
	CHECK_EQ(FK.done_calls, 0);
	CHECK_EQ(sd->n_slow, 1);
	CHECK_EQ(sd->free_top, STORVSC_MAX_REQS - 1);
	CHECK_EQ(sd->ch[0].state, SCH_OPEN);
	CHECK_EQ(FK.closes, 0);
	host_reply(id, VMBUS_PKT_COMP, 64);
	deliver();
	CHECK_EQ(FK.done_calls, 1);
	CHECK_EQ(FK.last_status, 0);
	CHECK_EQ(sd->free_top, STORVSC_MAX_REQS);
	teardown();
	return 0;
}

/* Past the limit: the channel leaves the rotation, is closed, only then
 * the request fails, and the channel is opened and initialised again. */
static int t_io_limit_resets_channel(void)
{
	CHECK(setup(1, 65536) == 0);
	own_queue();
	CHECK_EQ(submit_read(8), 0);
	advance(STORVSC_IO_LIMIT_NS + WQ_NS_PER_S);
	CHECK_EQ(sd->ch[0].state, SCH_RESET);
	CHECK_EQ(FK.done_calls, 0);
	t_run_all();
	CHECK_EQ(FK.closes, 1);
	CHECK_EQ(FK.done_at_close, 0);
	CHECK_EQ(FK.done_calls, 1);
	CHECK_EQ(FK.last_status, -EIO);
	CHECK_EQ(FK.inits, 1);
	CHECK_EQ(sd->ch[0].state, SCH_OPEN);
	CHECK_EQ(sd->free_top, STORVSC_MAX_REQS);
	/* the channel serves I/O again */
	CHECK_EQ(submit_read(8), 0);
	host_reply(FK.last_id, VMBUS_PKT_COMP, 64);
	deliver();
	CHECK_EQ(FK.done_calls, 2);
	CHECK_EQ(FK.last_status, 0);
	teardown();
	return 0;
}

/* Closing a channel with I/O in flight: CLOSECHANNEL before any done(); an
 * answer drained by the closer's last callback still counts. */
static int t_io_close_before_fail(void)
{
	CHECK(setup(1, 65536) == 0);
	CHECK_EQ(submit_read(1024), 0);              /* 8 pieces in flight */
	host_reply(FK.last_id, VMBUS_PKT_COMP, 64);
	storvsc_chan_close(&sd->ch[0], -ENODEV);
	CHECK_EQ(FK.closes, 1);
	CHECK_EQ(FK.done_at_close, 0);
	CHECK_EQ(FK.done_calls, 1);
	CHECK_EQ(FK.last_status, -ENODEV);
	CHECK_EQ(sd->free_top, STORVSC_MAX_REQS);
	FK.nin = FK.rd = 0;
	teardown();
	return 0;
}

/* The host does not confirm the close (ring teardown unanswered, UNLOAD
 * not answered yet): it may still write the buffers, so nothing in flight
 * is handed back, then or later (rule 6). */
static int t_io_unconfirmed_close_keeps(void)
{
	CHECK(setup(1, 65536) == 0);
	CHECK_EQ(submit_read(1024), 0);              /* 8 pieces in flight */
	FK.close_err = -EBUSY;
	CHECK_EQ(storvsc_chan_close(&sd->ch[0], -ENODEV), -EBUSY);
	CHECK_EQ(FK.closes, 1);
	CHECK_EQ(FK.done_calls, 0);
	CHECK_EQ(sd->ch[0].outstanding, 8);
	CHECK_EQ(sd->free_top, STORVSC_MAX_REQS - 8);
	teardown();
	return 0;
}

/* A reset whose close the host does not confirm: the request is kept, the
 * channel is not reopened, the controller goes. */
static int t_io_reset_unconfirmed_close(void)
{
	CHECK(setup(1, 65536) == 0);
	own_queue();
	CHECK_EQ(submit_read(8), 0);
	FK.close_err = -EBUSY;
	advance(STORVSC_IO_LIMIT_NS + WQ_NS_PER_S);
	CHECK_EQ(sd->ch[0].state, SCH_RESET);
	t_run_all();
	CHECK(FK.closes >= 1);
	CHECK_EQ(FK.done_calls, 0);
	CHECK_EQ(FK.inits, 0);
	CHECK_EQ(sd->ch[0].state, SCH_DEAD);
	CHECK_EQ(sd->state, SD_DEAD);
	CHECK_EQ(sd->free_top, STORVSC_MAX_REQS - 1);
	teardown();
	return 0;
}

/* A packet the ring cannot deliver: the channel is reset (closed, then the
 * request fails), not left with a request that can never complete. */
static int t_io_corrupt_ring_resets(void)
{
	CHECK(setup(1, 65536) == 0);
	own_queue();
	CHECK_EQ(submit_read(8), 0);
	host_reply(FK.last_id, VMBUS_PKT_COMP, 64);
	FK.corrupt = true;
	FK.corrupt_idx = 0;
	deliver();
	CHECK_EQ(sd->ch[0].state, SCH_RESET);
	CHECK_EQ(FK.done_calls, 0);
	CHECK(sd->n_bad_pkts >= 1);
	FK.corrupt = false;
	t_run_all();
	CHECK_EQ(FK.closes, 1);
	CHECK_EQ(FK.done_at_close, 0);
	CHECK_EQ(FK.done_calls, 1);
	CHECK_EQ(FK.last_status, -EIO);
	CHECK_EQ(sd->ch[0].state, SCH_OPEN);
	teardown();
	return 0;
}

/* A host claiming more bytes than the buffer holds: the result says the
 * buffer's length (the scan's parsers read only that much). */
static struct storvsc_result xfer_res;
static int xfer_err;
static struct work xfer_w;

static void xfer_work(struct work *w)
{
	uint8_t cdb[16];
	uint8_t len = scsi_cdb_inquiry(cdb, false, 0, 96);

	(void)w;
	xfer_err = storvsc_scsi_sync(sd, 0, cdb, len, STORVSC_DATA_IN, buf, 96, &xfer_res);
}

static int t_io_xfer_len_clamped(void)
{
	CHECK(setup(1, 65536) == 0);
	FK.lun_mask = 1;
	FK.target = true;
	FK.xfer_hostile = true;
	fk_host_q = wq_create("fake_host", 1);
	work_init(&fk_host_w, fk_host_work, "fake_host");
	work_init(&xfer_w, xfer_work, "xfer");
	xfer_err = 1;
	wq_queue(wq_create("xfer", 1), &xfer_w);
	t_run_all();
	CHECK_EQ(xfer_err, 0);
	CHECK_EQ(xfer_res.xfer_len, 96);
	teardown();
	return 0;
}

/* 100 packets in the ring: one callback handles 64 and queues itself for
 * the rest, behind the other work of the queue. */
static int t_io_recv_budget(void)
{
	CHECK(setup(1, 65536) == 0);
	sd->event_q = wq_create("event_t", 1);
	for (int i = 0; i < 100; i++) {
		struct storvsc_packet *p = host_reply(0, VMBUS_PKT_DATA_INBAND, 64);

		p->operation = STORVSC_OP_ENUMERATE_BUS;
	}
	storvsc_on_channel(FK_CHAN, &sd->ch[0]);
	CHECK_EQ(FK.rd, STORVSC_RECV_BUDGET);
	CHECK_EQ(sd->n_enumerate, STORVSC_RECV_BUDGET);
	t_run_all();
	CHECK_EQ(FK.rd, 100);
	CHECK_EQ(sd->n_enumerate, 100);
	FK.nin = FK.rd = 0;
	teardown();
	return 0;
}

/* The block layer refuses the disk: the scan reports it (so the probe does
 * not call the controller ready), the LUN is not registered. */
static int t_scan_blk_add_fails(void)
{
	CHECK(scan_setup() == 0);
	FK.add_err = -ENOMEM;
	CHECK_EQ(run_scan(), -ENOMEM);
	CHECK_EQ(FK.ndisks, 0);
	CHECK(!sd->luns[0].registered);
	scan_teardown();
	return 0;
}

const struct unit_test storvsc_io_tests[] = {
	{ "storvsc_scan_rc16_fallback", t_scan_rc16_fallback, QUICK },
	{ "storvsc_scan_rc10_saturated", t_scan_rc10_saturated, QUICK },
	{ "storvsc_scan_report_luns_fallback", t_scan_report_luns_fallback, QUICK },
	{ "storvsc_scan_hostile_report_luns", t_scan_hostile_report_luns, QUICK },
	{ "storvsc_io_good_completion", t_io_good_completion, QUICK },
	{ "storvsc_io_hostile_completions", t_io_hostile_completions, QUICK },
	{ "storvsc_io_split_and_bound", t_io_split_and_bound, QUICK },
	{ "storvsc_io_waiting_request_stale", t_io_waiting_request_stale, QUICK },
	{ "storvsc_io_rescind_fails_inflight", t_io_rescind_fails_inflight, QUICK },
	{ "storvsc_io_unload_fails_after_close", t_io_unload_fails_after_close, QUICK },
	{ "storvsc_io_unconfirmed_close_keeps", t_io_unconfirmed_close_keeps, QUICK },
	{ "storvsc_io_reset_unconfirmed_close", t_io_reset_unconfirmed_close, QUICK },
	{ "storvsc_io_fuzz", t_io_fuzz, QUICK },
	{ "storvsc_io_slow_request_waits", t_io_slow_request_waits, QUICK },
	{ "storvsc_io_limit_resets_channel", t_io_limit_resets_channel, QUICK },
	{ "storvsc_io_close_before_fail", t_io_close_before_fail, QUICK },
	{ "storvsc_io_corrupt_ring_resets", t_io_corrupt_ring_resets, QUICK },
	{ "storvsc_io_xfer_len_clamped", t_io_xfer_len_clamped, QUICK },
	{ "storvsc_io_recv_budget", t_io_recv_budget, QUICK },
	{ "storvsc_scan_blk_add_fails", t_scan_blk_add_fails, QUICK },
	{ NULL, NULL, QUICK },
};
