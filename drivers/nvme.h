/*
 * The NVMe function driver's state (drivers/nvme*.c; NVM Express Base
 * Specification 1.4). One controller per PCI function of class 01-08-02:
 *
 *   nvme.c        PCI probe/remove, the controller state machine
 *   nvme_ctrl.c   registers: disable/enable with CAP.TO bounds
 *   nvme_queue.c  queue pairs: submission, completion reaping (phase tags)
 *   nvme_admin.c  admin commands: Identify, queue creation, Set Features
 *   nvme_io.c     the block layer entry: Read/Write/Flush/DSM, PRP lists,
 *                 the command watchdog
 *   nvme_parse.c  parsers of controller data (nvme_parse.h)
 *
 * Contexts: probe, remove, the MSI-X handler (reaping the I/O queues) and
 * the watchdog run on the function's queue f->wq, one at a time; the disks
 * are added on the controller's own queue c->q (the block layer's add hook
 * reads the GPT synchronously, and those completions need f->wq); submit
 * runs in any work item and never waits. Keel's work items do not preempt
 * each other, so the queue fields need no lock.
 *
 * Rule 6 (a buffer is the controller's while a command may still write it):
 * a request is finished only by its completion entry, or after the
 * controller was seen disabled (CSTS.RDY 0) or gone (all ones). A controller
 * that never stops keeps its buffers forever.
 */
#ifndef KEEL_DRIVERS_NVME_H
#define KEEL_DRIVERS_NVME_H

#include "drivers/block.h"
#include "drivers/nvme_parse.h"
#include "drivers/pci.h"

#define NVME_QDEPTH        32u          /* entries per I/O queue (<= CAP.MQES+1) */
#define NVME_AQDEPTH       8u
#define NVME_MAX_IOQ       4u
#define NVME_PAGE          4096u
#define NVME_PRP_PER_PAGE  (NVME_PAGE / 8u)
#define NVME_MAX_XFER      ((NVME_PRP_PER_PAGE - 1u) * NVME_PAGE)
#define NVME_CMD_TIMEOUT_NS (30ull * WQ_NS_PER_S)
#define NVME_WATCHDOG_NS   (1ull * WQ_NS_PER_S)

struct nvme_ctrl;

/* A command slot. Its command id is the index in bits 7:0 and a generation
 * in bits 15:8 that changes each time the slot is taken, so a completion
 * repeated after the slot was reused is told apart and dropped. */
#define NVME_CID(idx, gen) ((uint16_t)((idx) | (uint16_t)(gen) << 8))
#define NVME_CID_IDX(cid)  ((cid) & 0xFFu)
struct nvme_slot {
	uint8_t gen;
	struct blk_req *req;
	uint64_t *prp;          /* one page: the PRP list of this slot */
	uint64_t issued;        /* now_ns at submission */
	bool busy;
	uint16_t status;        /* admin: the completion's status field */
	uint32_t dw0;
};

struct nvme_queue {
	struct nvme_ctrl *c;
	uint16_t qid;
	uint32_t depth;
	struct nvme_sqe *sq;
	struct nvme_cqe *cq;
	uint64_t sq_db, cq_db;  /* doorbell addresses: BAR 0 + offset by CAP's
				   stride, set once (nvme_queue_doorbells) */
	uint32_t sq_tail, cq_head;
	uint8_t phase;
	uint32_t busy;
	struct nvme_slot slot[NVME_QDEPTH];
	struct blk_req *pend_head, **pend_tail; /* waiting for a slot */
};

enum nvme_state {
	NVME_S_INIT,            /* probe running */
	NVME_S_LIVE,            /* I/O flows */
	NVME_S_FAILED,          /* hostile, fatal or timed out: disks gone;
				   a reset (nvme_reset.c) starts it again */
	NVME_S_REMOVED,
};

struct nvme_ns {
	struct nvme_ctrl *c;
	uint32_t nsid;
	uint32_t max_blocks;    /* largest request in blocks: the PRP list
				   page's and MDTS's bound, set with the disk */
	struct blk_disk disk;
	bool added;
};

struct nvme_ctrl {
	struct pci_func *f;
	uint64_t bar;
	struct nvme_cap cap;
	struct nvme_id_ctrl id;
	enum nvme_state state;
	bool stopped;           /* controller seen disabled or gone: buffers free */
	unsigned index;         /* nvmeN */
	struct nvme_queue aq;
	struct nvme_queue ioq[NVME_MAX_IOQ];
	unsigned nioq, next_q;
	unsigned nvec;
	struct nvme_ns ns[NVME_MAX_NS];
	unsigned nns;
	uint8_t *idbuf;         /* one page for Identify data */
	/* Adds the disks (the add hook's I/O completes on f->wq) and runs the
	 * done() of requests that may wait (rule 5); several slots, so such a
	 * done() never waits behind the add work that waits for it. */
	struct wq *q;
	struct work w_add;
	struct delayed_work watchdog;   /* armed while commands are out */
	bool wd_armed;
	uint64_t n_bad;         /* hostile entries seen */
	uint64_t n_stale;       /* repeated completions dropped */
	unsigned resets;
	struct nvme_ctrl *next; /* every controller object still held */
};

/* nvme.c */
void nvme_set_state(struct nvme_ctrl *c, enum nvme_state s);
/* The controller is beyond use: disks removed, controller disabled, every
 * request ended once it cannot be written any more (rule 6). */
void nvme_fail(struct nvme_ctrl *c, const char *why);

#ifdef KEEL_TEST_HOOKS
/* keelsim: forget every controller at the start of a run (its guest pages
 * went with the platform's memory); free everything at its end. */
void nvme_reset(void);
void nvme_fini(void);
#endif

/* No live controller still adding (and reporting, drivers/diskinfo.h) its
 * namespaces: that work runs after the probe ended, so the boot's ready
 * point waits for this too (kernel/services.c). */
bool nvme_disks_settled(void);

/* The next controller name number (nvmeN): never given twice. */
unsigned nvme_next_name(void);
/* Bring the controller up (probe, and after a reset). */
int nvme_start(struct nvme_ctrl *c);

/* nvme_reset.c */
bool nvme_abort(struct nvme_ctrl *c, struct nvme_queue *q, uint32_t idx);
void nvme_ctrl_reset(struct nvme_ctrl *c, const char *why);

/* nvme_ctrl.c */
uint32_t nvme_rd32(struct nvme_ctrl *c, uint32_t off);
uint64_t nvme_rd64(struct nvme_ctrl *c, uint32_t off);
void nvme_wr32(struct nvme_ctrl *c, uint32_t off, uint32_t v);
void nvme_wr64(struct nvme_ctrl *c, uint32_t off, uint64_t v);
int nvme_ctrl_disable(struct nvme_ctrl *c);
int nvme_ctrl_enable(struct nvme_ctrl *c);

/* nvme_queue.c */
int nvme_queue_alloc(struct nvme_ctrl *c, struct nvme_queue *q, uint16_t qid, uint32_t depth);
void nvme_queue_free(struct nvme_queue *q);
/* The queue's doorbell addresses from c->bar, q->qid and c->cap.stride. */
void nvme_queue_doorbells(struct nvme_queue *q);
/* A free slot's index (its command id: NVME_CID(idx, slot gen)), or -EBUSY.
 * One entry stays free: a full SQ is tail + 1 == head (spec 4.1.2). Inline:
 * it runs once per I/O. */
static inline __attribute__((always_inline)) int nvme_slot_get(struct nvme_queue *q)
{
	if (q->busy + 1 >= q->depth)
		return -EBUSY;
	for (uint32_t i = 0; i < q->depth; i++)
		if (!q->slot[i].busy) {
			q->slot[i].busy = true;
			q->slot[i].gen++;
			q->slot[i].issued = plat_now_ns();
			q->busy++;
			return (int)i;
		}
	return -EBUSY;
}
void nvme_queue_submit(struct nvme_queue *q, const struct nvme_sqe *e);

/* The I/O path builds its command in place: the entry at the tail is the
 * guest's until the tail doorbell moves past it. */
static inline struct nvme_sqe *nvme_sq_next(struct nvme_queue *q)
{
	return &q->sq[q->sq_tail];
}

/* Hand the entry at the tail to the controller. */
static inline void nvme_sq_ring(struct nvme_queue *q)
{
	if (++q->sq_tail == q->depth)
		q->sq_tail = 0;
	plat_mmio_write(q->sq_db, 4, q->sq_tail);
}

/* Reap completed entries: cb for each checked entry, its cid replaced by
 * the slot index. A repeated completion (stale generation) is dropped and
 * counted; -EPROTO on a hostile entry (unknown id, wrong queue). */
int nvme_queue_reap(struct nvme_queue *q,
		    void (*cb)(struct nvme_queue *q, const struct nvme_cqe *e));

/* nvme_admin.c */
int nvme_admin_sync(struct nvme_ctrl *c, struct nvme_sqe *e, uint32_t *dw0);
int nvme_admin_setup(struct nvme_ctrl *c);

/* nvme_io.c */
extern const struct blk_disk_ops nvme_disk_ops;
void nvme_io_irq(struct pci_func *f, unsigned idx, void *arg);
/* Reap one I/O queue (fails the controller on a hostile entry). */
void nvme_io_reap(struct nvme_ctrl *c, struct nvme_queue *q);
void nvme_io_end_all(struct nvme_ctrl *c, int err);
void nvme_watchdog(struct work *w);

#endif
