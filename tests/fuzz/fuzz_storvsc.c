/*
 * Fuzz target "storvsc": everything the storage host writes that the
 * storvsc driver parses (the checks Linux makes in storvsc_on_receive and
 * storvsc_on_io_completion: copy, then check, then use):
 *   mode 0  the SCSI parsers of drivers/storvsc_scsi.c on the bytes:
 *           completion verdicts and sense, standard INQUIRY, VPD 0x00,
 *           0x80, 0x83, 0xB0, READ CAPACITY(10)/(16), REPORT LUNS;
 *   mode 1  completions of block I/O (drivers/storvsc_{req,chan,send,blk,
 *           recv,sync,watchdog,reset}.c): the driver
 *           submits reads and writes over two channels, the input answers
 *           them (tampered, duplicated, unknown ids, wrong types, short),
 *           sends unsolicited packets and lets the watchdog run; at the
 *           end the channels are rescinded;
 *   mode 2  the LUN scan (drivers/storvsc_scan.c): every SCSI command is
 *           answered with the input's status, sense and data bytes.
 * The VMBus channel is replaced by the fake below (as the unit tests of
 * tests/unit/storvsc_io_test.c do): sends record the request, received
 * packets come from the input; a channel reset closes and re-opens it at
 * once.
 *
 * Invariants checked (abort() on failure): every block request completes
 * exactly once, also when its channel goes away; the parsers' outputs stay
 * within their buffers.
 *
 * Input: byte 0 selects the mode; the rest is read as records by the mode.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/storvsc_blk.c"
#include "drivers/storvsc_chan.c"
#include "drivers/storvsc_recv.c"
#include "drivers/storvsc_req.c"
#include "drivers/storvsc_reset.c"
#include "drivers/storvsc_send.c"
#include "drivers/storvsc_sync.c"
#include "drivers/storvsc_watchdog.c"
#include "drivers/storvsc_scan.c"

#include "hosted/hosted.h"

/* ---- the input cursor ---- */

static const uint8_t *in_d;
static size_t in_n, in_off;

static bool in_more(void) { return in_off < in_n; }
static uint8_t in_u8(void) { return in_off < in_n ? in_d[in_off++] : 0; }
static uint16_t in_u16(void) { uint16_t v = in_u8(); return (uint16_t)(v | in_u8() << 8); }

/* ---- the fake VMBus channel ---- */

#define FK_IDS 256
#define FK_INQ 16
static uint8_t fk_chan_mem[2][8];
#define FK_CHAN(k) ((struct vmbus_channel *)(void *)fk_chan_mem[k])

static struct {
	bool rescinded;
	bool target;                    /* mode 2: answer every send at once */
	bool used[FK_IDS + 1];
	uint64_t ctx[FK_IDS + 1];
	uint32_t gpa_len[FK_IDS + 1];
	int chan_of[FK_IDS + 1];        /* the channel the id was sent on */
	int target_chan;                /* mode 2: where the answer goes */
	struct storvsc_packet last;
	uint64_t last_gpa;
	uint32_t last_gpa_len;
	uint8_t in[FK_INQ][512];
	struct vmbus_pkt inp[FK_INQ];
	int nin, rd;
	int ndisks;
} FK;

static void fk_target(uint64_t id);

static int fk_send(struct vmbus_channel *c, const void *data, uint32_t len, uint64_t ctx,
		   uint64_t *id, uint64_t gpa, uint32_t gpa_len)
{
	if (FK.rescinded)
		return -ENODEV;
	memcpy(&FK.last, data, len < sizeof(FK.last) ? len : sizeof(FK.last));
	FK.last_gpa = gpa;
	FK.last_gpa_len = gpa_len;
	for (uint64_t i = 1; i <= FK_IDS; i++) {
		if (FK.used[i])
			continue;
		FK.used[i] = true;
		FK.ctx[i] = ctx;
		FK.gpa_len[i] = gpa_len;
		FK.chan_of[i] = c == FK_CHAN(1);
		FK.target_chan = FK.chan_of[i];
		*id = i;
		if (FK.target)
			fk_target(i);
		return 0;
	}
	return -EBUSY;
}

int vmbus_chan_send_gpa(struct vmbus_channel *c, uint64_t gpa, uint32_t gpa_len,
			const void *data, uint32_t len, uint64_t ctx, uint64_t *trans_id)
{
	return fk_send(c, data, len, ctx, trans_id, gpa, gpa_len);
}

int vmbus_chan_send_request(struct vmbus_channel *c, const void *data, uint32_t len,
			    uint64_t ctx, uint64_t *trans_id)
{
	return fk_send(c, data, len, ctx, trans_id, 0, 0);
}

int vmbus_chan_complete(struct vmbus_channel *c, uint64_t id, uint64_t *ctx)
{
	(void)c;
	if (id == 0 || id > FK_IDS || !FK.used[id])
		return -EINVAL;
	FK.used[id] = false;
	*ctx = FK.ctx[id];
	return 0;
}

void vmbus_chan_recv_begin(struct vmbus_channel *c, struct vmbus_ring_iter *it)
{
	(void)c;
	(void)it;
}

int vmbus_chan_recv_next(struct vmbus_channel *c, struct vmbus_ring_iter *it, void *buf,
			 uint32_t bufsz, struct vmbus_pkt *pkt)
{
	(void)c;
	(void)it;
	if (FK.rd >= FK.nin)
		return 0;
	*pkt = FK.inp[FK.rd];
	if (pkt->data_len > bufsz) {
		FK.rd++;
		return -EMSGSIZE;
	}
	memcpy(buf, FK.in[FK.rd], pkt->data_len);
	pkt->data = buf;
	pkt->raw = buf;
	FK.rd++;
	return 1;
}

bool vmbus_chan_recv_end(struct vmbus_channel *c, struct vmbus_ring_iter *it)
{
	(void)c;
	(void)it;
	return false;
}

bool vmbus_chan_rescinded(const struct vmbus_channel *c) { (void)c; return FK.rescinded; }
bool vmbus_chan_revoked(const struct vmbus_channel *c) { (void)c; return FK.rescinded; }
uint16_t vmbus_chan_subidx(const struct vmbus_channel *c)
{
	return c == FK_CHAN(1) ? 1 : 0;
}
const char *vmbus_device_name(const struct vmbus_device *d) { (void)d; return "storvsc-fuzz"; }
int vmbus_chan_open(struct vmbus_channel *c, const struct vmbus_chan_open_args *a)
{
	(void)c;
	(void)a;
	return 0;
}

static struct storvsc_dev *sd;

/* Like the VMBus closer: a last callback while the rings exist. */
int vmbus_chan_close(struct vmbus_channel *c)
{
	static int depth;

	if (sd && depth++ == 0)
		storvsc_on_channel(c, &sd->ch[c == FK_CHAN(1)]);
	depth--;
	return 0;
}

int storvsc_init_protocol(struct storvsc_dev *d)
{
	(void)d;
	return 0;
}

/* ---- the fake block layer ---- */

#define FZ_REQS 24
static struct blk_req reqs[FZ_REQS];
static int done_count[FZ_REQS];
static int nreqs;

void blk_complete(struct blk_req *r, int status)
{
	int i = (int)(r - reqs);

	if (i < 0 || i >= nreqs || done_count[i]++ != 0)
		abort();        /* completed twice, or not ours */
	r->status = status;
}

int blk_disk_add(struct blk_disk *d)
{
	if (FK.ndisks >= STORVSC_MAX_LUNS)
		return -ENOSPC;
	d->name[0] = 's';
	d->name[1] = 'd';
	d->name[2] = (char)('0' + FK.ndisks++);
	d->name[3] = '\0';
	return 0;
}

void blk_disk_remove(struct blk_disk *d) { d->gone = true; }
bool blk_req_stale(const struct blk_req *r) { return r->r_disk->gone; }
void storvsc_mark_dead(struct storvsc_dev *d) { d->state = SD_DEAD; }
void *blk_buf_alloc(size_t bytes) { return plat_page_alloc((bytes + 4095) / 4096); }
void blk_buf_free(void *p, size_t bytes)
{
	if (p)
		plat_page_free(p, (bytes + 4095) / 4096);
}
const char *blk_strerror(int err) { return err ? "error" : "ok"; }

/* ---- the device under test ---- */

static const struct storvsc_version_info fz_ver[2] = {
	{ STORVSC_VERSION_WIN10, 20, 52, 64, 1 },
	{ 0x0402, 20, 36, 48, 0 },      /* pre-Win8: short packets */
};
static const struct blk_disk_ops fz_ops = { .submit = storvsc_blk_submit };
static void *iobuf;
#define IOBUF_PAGES 64

static void run_all(uint64_t until)
{
	for (int guard = 0; guard < 10000; guard++) {
		uint64_t t;

		wq_run_until_idle();
		t = hosted_timer_deadline();
		if (!t || t > until)
			return;
		if (t > hosted_now_ns())
			hosted_set_now_ns(t);
		hosted_fire_timer();
	}
}

static void deliver(int k)
{
	storvsc_on_channel(FK_CHAN(k), &sd->ch[k]);
	FK.nin = FK.rd = 0;
}

/* Queue one inbound packet; returns its bytes (zeroed) to fill in. */
static uint8_t *host_packet(uint64_t id, uint16_t type, uint32_t len)
{
	uint8_t *p;

	if (FK.nin >= FK_INQ)
		deliver(0);
	p = FK.in[FK.nin];
	memset(p, 0, sizeof(FK.in[0]));
	FK.inp[FK.nin] = (struct vmbus_pkt){ .type = type, .trans_id = id,
					     .data_len = len > 512 ? 512 : len };
	FK.nin++;
	return p;
}

/* A completion as a good host sends it for request id. */
static struct storvsc_packet *good_completion(uint64_t id, uint32_t len)
{
	struct storvsc_packet *p = (void *)host_packet(id, VMBUS_PKT_COMP, len);

	p->operation = STORVSC_OP_COMPLETE_IO;
	p->u.srb.length = sd->ver->srb_size;
	p->u.srb.srb_status = STORVSC_SRB_SUCCESS;
	p->u.srb.data_transfer_length = id <= FK_IDS ? FK.gpa_len[id] : 0;
	return p;
}

static int setup(void)
{
	sd = calloc(1, sizeof(*sd));
	iobuf = plat_page_alloc(IOBUF_PAGES);
	if (!sd || !iobuf)
		return -1;
	storvsc_io_init(sd);
	/* as storvsc_probe does */
	work_init(&sd->w_rescan, storvsc_rescan_work, "storvsc_rescan");
	work_init(&sd->w_reset, storvsc_reset_work, "storvsc_reset");
	storvsc_io_limit_ns = STORVSC_IO_LIMIT_NS;
	sd->ver = &fz_ver[in_u8() & 1];
	sd->pkt_size = sd->ver->pkt_size;
	sd->max_xfer = 4096u * (1 + (in_u8() & 31));
	sd->state = SD_RUNNING;
	sd->q = wq_create("storvsc_fz", 1);
	for (int k = 0; k < 2; k++) {
		sd->ch[k].sd = sd;
		sd->ch[k].c = FK_CHAN(k);
		sd->ch[k].subidx = (uint16_t)k;
		sd->ch[k].state = SCH_OPENING;
		storvsc_chan_transition(&sd->ch[k], SCH_OPEN);
	}
	sd->luns[0].sd = sd;
	sd->luns[0].present = true;
	sd->luns[0].disk.block_size = 512;
	sd->luns[0].disk.nblocks = 1u << 20;
	sd->luns[0].disk.ops = &fz_ops;
	sd->luns[0].disk.priv = &sd->luns[0];
	return 0;
}

static void submit_one(void)
{
	struct blk_req *r;
	uint8_t b = in_u8();

	if (nreqs >= FZ_REQS)
		return;
	r = &reqs[nreqs++];
	memset(r, 0, sizeof(*r));
	r->op = (enum blk_op)(b & 3);
	r->flags = b >> 2 & (BLK_F_MAY_BLOCK | BLK_F_FUA);
	r->lba = in_u16();
	r->nblocks = 1 + in_u8() % (IOBUF_PAGES * 8);
	r->buf = iobuf;
	if (r->op == BLK_OP_UNMAP)
		sd->luns[0].disk.can_unmap = true;
	if (storvsc_blk_submit(&sd->luns[0].disk, r) != 0)
		done_count[nreqs - 1] = 1;      /* refused: done() never comes */
}

/* An outstanding id chosen by the input (or any id at all). */
static uint64_t pick_id(uint8_t sel)
{
	int n = 0;

	if (sel & 0x80)
		return sel & 0x7F;
	for (uint64_t i = 1; i <= FK_IDS; i++)
		if (FK.used[i] && n++ == sel % 8)
			return i;
	return 1;
}

/* Mode 1: records [op][...] until the input ends. */
static void mode_completions(void)
{
	for (int i = 0, n = 1 + in_u8() % 8; i < n; i++)
		submit_one();
	while (in_more()) {
		uint8_t op = in_u8();

		switch (op % 6) {
		case 0: case 1: {       /* a completion, patched */
			uint64_t id = pick_id(in_u8());
			uint8_t tsel = in_u8(), len = in_u8(), off = in_u8(), plen = in_u8();
			uint8_t *p = (uint8_t *)good_completion(id, len % 2 ? sd->ver->pkt_size
								    : len % 96);

			if (tsel & 1)
				FK.inp[FK.nin - 1].type = tsel >> 1;
			for (uint8_t k = 0; k < plen % 16; k++)
				p[(off + k) % 64] = in_u8();
			if (op & 0x80)
				host_packet(id, VMBUS_PKT_COMP, 64);    /* a duplicate */
			/* on the id's own channel, or (bit 3) the other one */
			deliver((id <= FK_IDS ? FK.chan_of[id] : 0) ^ (op >> 3 & 1));
			break;
		}
		case 2: {               /* unsolicited */
			uint8_t *p = host_packet(0, in_u8() & 1 ? VMBUS_PKT_DATA_INBAND : in_u8(),
						 in_u8() % 64);
			uint32_t o = in_u8() % 16;

			memcpy(p, &o, 4);
			deliver(op >> 3 & 1);
			break;
		}
		case 3:
			submit_one();
			break;
		case 4:                 /* time passes: the watchdog may fire */
			run_all(hosted_now_ns() + (uint64_t)in_u8() * 250 * WQ_NS_PER_MS);
			break;
		case 5:
			run_all(hosted_now_ns());
			break;
		}
	}
	run_all(hosted_now_ns());
}

/* ---- mode 2: a SCSI target answering from the input ---- */

static struct work fk_host_w;
static struct wq *fk_host_q;
static bool fk_pending;

static void fk_host_work(struct work *w)
{
	(void)w;
	fk_pending = false;
	deliver(FK.target_chan);
}

/* Answer the SRB just sent: [srb][scsi][sense len][xfer u16][data len][data][sense]. */
static void fk_target(uint64_t id)
{
	struct storvsc_packet *p = good_completion(id, sd->ver->pkt_size);
	uint32_t len = FK.last_gpa_len, dlen;
	uint8_t *b = len ? plat_gpa_to_ptr(FK.last_gpa, len) : NULL;

	if (!in_more()) {
		/* out of input: ILLEGAL REQUEST, so the scan ends */
		p->u.srb.srb_status = STORVSC_SRB_INVALID_REQUEST | STORVSC_SRB_STATUS_AUTOSENSE_VALID;
		p->u.srb.scsi_status = SCSI_STATUS_CHECK_CONDITION;
		p->u.srb.sense_info_length = 18;
		p->u.srb.u.sense_data[0] = 0x70;
		p->u.srb.u.sense_data[2] = SCSI_SK_ILLEGAL_REQUEST;
	} else {
		p->u.srb.srb_status = in_u8();
		p->u.srb.scsi_status = in_u8();
		p->u.srb.sense_info_length = in_u8();
		p->u.srb.data_transfer_length = in_u16();
		dlen = in_u8();
		for (uint32_t i = 0; i < dlen; i++) {
			uint8_t v = in_u8();

			if (b && i < len)
				b[i] = v;
		}
		for (uint32_t i = 0; i < (p->u.srb.sense_info_length & 31) && i < STORVSC_SENSE_MAX; i++)
			p->u.srb.u.sense_data[i] = in_u8();
	}
	if (!fk_pending) {
		fk_pending = true;
		wq_queue(fk_host_q, &fk_host_w);
	}
}

static struct work scan_w;

static void scan_work(struct work *w)
{
	(void)w;
	(void)storvsc_scan(sd);
}

static void mode_scan(void)
{
	fk_host_q = wq_create("fake_host", 1);
	work_init(&fk_host_w, fk_host_work, "fake_host");
	work_init(&scan_w, scan_work, "scan");
	fk_pending = false;
	FK.target = true;
	wq_queue(wq_create("scan", 1), &scan_w);
	run_all(hosted_now_ns() + 600 * WQ_NS_PER_S);
	FK.target = false;
}

/* ---- mode 0: the parsers on raw bytes ---- */

static void mode_parsers(const uint8_t *b, uint32_t n)
{
	struct scsi_inquiry inq;
	struct scsi_capacity cap;
	struct scsi_sense s;
	uint8_t pages[32], luns[STORVSC_MAX_LUNS];
	char text[160], serial[33], devid[40];
	uint32_t mx, mu;
	int np;

	s = scsi_sense_parse(b, n);
	(void)scsi_sense_is_capacity_changed(&s);
	(void)scsi_sense_key_name(s.key);
	(void)scsi_asc_text(s.asc, s.ascq);
	if (n >= 2) {
		(void)storvsc_decode_result(b[0], b[1], b + 2, n - 2, text, sizeof(text));
		if (strnlen(text, sizeof(text)) >= sizeof(text))
			abort();
	}
	if (scsi_parse_inquiry(b, n, &inq) == 0 &&
	    (strlen(inq.vendor) > 8 || strlen(inq.product) > 16 || strlen(inq.revision) > 4))
		abort();
	if (scsi_parse_vpd_pages(b, n, pages, (int)sizeof(pages), &np) == 0 &&
	    (np < 0 || np > (int)sizeof(pages)))
		abort();
	if (scsi_parse_vpd_serial(b, n, serial, sizeof(serial)) == 0 &&
	    strlen(serial) >= sizeof(serial))
		abort();
	if (scsi_parse_vpd_devid(b, n, devid, sizeof(devid)) == 0 &&
	    strlen(devid) >= sizeof(devid))
		abort();
	(void)scsi_parse_vpd_block_limits(b, n, &mx, &mu);
	(void)scsi_parse_capacity10(b, n, &cap);
	(void)scsi_parse_capacity16(b, n, &cap);
	if (scsi_parse_report_luns(b, n, luns, STORVSC_MAX_LUNS, &np) == 0 &&
	    (np < 0 || np > STORVSC_MAX_LUNS))
		abort();
}

static void teardown(void)
{
	/* The host goes away: everything in flight fails, nothing succeeds. */
	FK.rescinded = true;
	deliver(0);
	deliver(1);
	run_all(hosted_now_ns() + 120 * WQ_NS_PER_S);
	for (int i = 0; i < nreqs; i++)
		if (done_count[i] != 1)
			abort();        /* a block request lost, never completed */
	for (int i = 0; i < STORVSC_MAX_LUNS; i++)
		if (sd->luns[i].registered)
			blk_disk_remove(&sd->luns[i].disk);
	storvsc_scan_fini(sd);
	if (sd->watchdog.fn)
		timer_stop(&sd->watchdog);
	plat_page_free(iobuf, IOBUF_PAGES);
	free(sd);
	sd = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static bool inited;

	if (n < 1)
		return 0;
	if ((d[0] % 3) == 0) {
		mode_parsers(d + 1, (uint32_t)(n - 1));
		return 0;
	}
	if (!inited) {
		/* FUZZ_LOG=1: the driver's log on stderr, to see what an input does */
		hosted_log_set_echo(getenv("FUZZ_LOG") != NULL);
		log_set_level(getenv("FUZZ_LOG") ? LOG_DEBUG : LOG_ERR);
		inited = true;
	}
	if (hosted_init(4u << 20) < 0)
		abort();
	wq_init();
	timer_init();
	memset(&FK, 0, sizeof(FK));
	memset(done_count, 0, sizeof(done_count));
	nreqs = 0;
	in_d = d;
	in_n = n;
	in_off = 1;
	if (setup() < 0)
		abort();
	if (d[0] % 3 == 1)
		mode_completions();
	else
		mode_scan();
	teardown();
	wq_init();
	timer_init();
	return 0;
}
