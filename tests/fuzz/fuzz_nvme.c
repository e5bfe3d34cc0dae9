/*
 * Fuzz target "nvme": what an NVMe controller hands the driver
 * (drivers/nvme_parse.c, drivers/nvme_queue.c): Identify Controller and
 * Identify Namespace data, the active namespace list, and completion queue
 * entries (status and phase tag, command id, SQ id, SQ head) reaped against
 * a queue with some commands out.
 *
 * Input: a 40-byte header, then one page (zero-filled past the input's end):
 *   0      queue depth: 2 + byte % NVME_QDEPTH - 1 (2..NVME_QDEPTH)
 *   1..4   which command slots are busy (bit i: slot i, below the depth)
 *   5      bit 0: the phase tag the queue expects; bits 7:1: its CQ head
 *   6      the queue id (0..NVME_MAX_IOQ, 0 = admin)
 *   7      reap passes (1..4)
 *   8..39  each slot's generation (bits 15:8 of its command id)
 * The page is, in turn, Identify Controller data, Identify Namespace data,
 * the namespace list and the completion queue. Each parser reads an
 * exact-size heap copy, so AddressSanitizer sees any read past it.
 *
 * Invariants (a trap on failure): a controller that parses has namespaces,
 * a page-multiple transfer limit and a printable model name; a namespace
 * that parses has a block size of 512..4096 and 1..2^48 blocks; a namespace
 * list is ascending within 1..NN; a completion the driver finishes names a
 * slot that was busy with that generation, below the depth, once; the
 * queue's head, phase and busy count stay consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/nvme.h"
#include "hosted/hosted.h"

#define HDR 40u
#define FZ_BAR 0x40000000ull

static struct nvme_ctrl fz_c;
static int64_t fz_cq_db = -1;   /* the last CQ head doorbell value */

/* Doorbell writes reach this stand-in for the controller's BAR. */
static void fz_mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t v)
{
	const struct nvme_queue *q = &fz_c.ioq[0];

	(void)ctx;
	if (size != 4 || v >= q->depth)
		__builtin_trap();
	if (gpa == FZ_BAR + NVME_REG_DBS + (2u * q->qid + 1u) * fz_c.cap.stride)
		fz_cq_db = (int64_t)v;
}

static const struct host_model fz_model = { .mmio_write = fz_mmio_write };
static uint32_t fz_was_busy;    /* slots busy before the pass */
static uint32_t fz_done;        /* slots finished in this run */
static uint8_t fz_gen[NVME_QDEPTH];

static void check_ctrl(const uint8_t *page, struct nvme_id_ctrl *id)
{
	if (nvme_parse_id_ctrl(page, id)) {
		id->nn = 0;
		return;
	}
	if (!id->nn || (id->max_xfer & 4095) || id->max_xfer > (4096u << 18))
		__builtin_trap();
	for (int i = 0; i < 41; i++) {
		if (!id->model[i])
			return;
		if (id->model[i] < 0x20 || id->model[i] > 0x7E)
			__builtin_trap();
	}
	__builtin_trap();               /* no terminator */
}

static void check_ns(const uint8_t *page, uint32_t nn)
{
	struct nvme_id_ns ns;
	uint32_t list[NVME_MAX_NS];
	int n;

	if (!nvme_parse_id_ns(page, &ns) &&
	    (ns.block_size < 512 || ns.block_size > 4096 ||
	     (ns.block_size & (ns.block_size - 1)) || !ns.nblocks ||
	     ns.nblocks > (1ull << 48)))
		__builtin_trap();
	n = nvme_parse_ns_list(page, nn, list, NVME_MAX_NS);
	if (n > NVME_MAX_NS)
		__builtin_trap();
	for (int i = 0; i < n; i++)
		if (!list[i] || list[i] > nn || (i && list[i] <= list[i - 1]))
			__builtin_trap();
}

static void fz_cb(struct nvme_queue *q, const struct nvme_cqe *e)
{
	uint32_t bit = 1u << (e->cid & 31);

	if (e->cid >= q->depth || !(fz_was_busy & bit) || (fz_done & bit) ||
	    q->slot[e->cid].busy || q->slot[e->cid].gen != fz_gen[e->cid])
		__builtin_trap();
	fz_done |= bit;
}

static void check_reap(const uint8_t *hdr, const uint8_t *page)
{
	struct nvme_queue *q = &fz_c.ioq[0];
	uint32_t busy;
	int passes = 1 + (hdr[7] & 3);

	memset(&fz_c, 0, sizeof(fz_c));
	fz_c.bar = FZ_BAR;
	fz_c.cap.stride = 4;
	q->c = &fz_c;
	q->depth = 2 + hdr[0] % (NVME_QDEPTH - 1);
	q->qid = hdr[6] % (NVME_MAX_IOQ + 1);
	q->phase = hdr[5] & 1;
	q->cq_head = (uint32_t)(hdr[5] >> 1) % q->depth;
	q->pend_tail = &q->pend_head;
	nvme_queue_doorbells(q);
	q->cq = (struct nvme_cqe *)(void *)page;
	memcpy(&busy, hdr + 1, 4);
	if (q->depth < 32)
		busy &= (1u << q->depth) - 1;
	for (uint32_t i = 0; i < q->depth; i++) {
		q->slot[i].gen = fz_gen[i] = hdr[8 + i];
		q->slot[i].busy = (busy >> i) & 1;
		q->busy += q->slot[i].busy;
	}
	fz_done = 0;
	for (int p = 0; p < passes; p++) {
		uint32_t head = q->cq_head;
		int err;

		fz_was_busy = busy & ~fz_done;
		fz_cq_db = -1;
		err = nvme_queue_reap(q, fz_cb);
		if (q->cq_head >= q->depth || q->phase > 1)
			__builtin_trap();
		/* Entries taken: the head doorbell says where the driver is. */
		if (q->cq_head != head && fz_cq_db != (int64_t)q->cq_head)
			__builtin_trap();
		if (q->busy != (uint32_t)__builtin_popcount(busy & ~fz_done))
			__builtin_trap();
		if (err)
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct nvme_id_ctrl id;
	uint8_t hdr[HDR] = { 0 };
	uint8_t *page;

	static bool ready;

	if (!ready) {
		if (hosted_init(1u << 20))
			abort();
		hosted_set_host_model(&fz_model);
		ready = true;
	}
	if (n > HDR + NVME_ID_SIZE)
		return 0;
	memcpy(hdr, d, n < HDR ? n : HDR);
	page = calloc(1, NVME_ID_SIZE);
	if (!page)
		return 0;
	if (n > HDR)
		memcpy(page, d + HDR, n - HDR);
	check_ctrl(page, &id);
	check_ns(page, id.nn ? id.nn : hdr[1] | (uint32_t)hdr[2] << 8);
	check_reap(hdr, page);
	free(page);
	return 0;
}
