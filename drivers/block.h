/*
 * A small block layer: disks named sd0, sd1, ... (or a name the driver
 * picks, nvme0n1) registered by storage drivers (drivers/storvsc*.c,
 * drivers/nvme*.c), asynchronous requests with a completion
 * callback, and synchronous helpers for code that runs in a work item.
 *
 * Handles: users name a disk by a struct blk_handle (a registry slot and
 * that slot's generation), never by a pointer. A driver may reuse its
 * struct blk_disk for the next disk it finds (storvsc reuses a LUN's slot);
 * a handle taken before the removal then fails with -ENODEV instead of
 * reaching the new disk. Names follow the same rule: a name is never given
 * to another disk (a counter, not the slot number), so a name printed in a
 * log always means one disk.
 *
 * Contexts:
 *  - blk_submit may be called from any work item (it never waits). A
 *    request's done callback never runs inside blk_submit: a driver that
 *    finishes a request while a submit is on the stack (every channel gone,
 *    a refused piece) has it deferred to the block layer's `blk_done` queue,
 *    so a done() that submits again cannot recurse. Otherwise done() runs
 *    in the driver's completion path (the vmbus_event queue: it must not
 *    wait) or, when the request sets BLK_F_MAY_BLOCK, on the driver's own
 *    device queue (rule 5: a completion that may wait never runs inline in
 *    a channel's shared completion path). The driver decides where; the
 *    block layer only carries the flag (`blk_done` may wait too).
 *  - blk_read/blk_write/blk_flush (synchronous) wait on a completion and are
 *    legal only in a work item that is not the completion path itself.
 *
 * Data buffers are guest memory the host can reach by GPA: take them from
 * blk_buf_alloc (page allocations), never from the stack or malloc.
 */
#ifndef KEEL_DRIVERS_BLOCK_H
#define KEEL_DRIVERS_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/wq.h"

#define BLK_MAX_DISKS     64            /* disks registered at once */
#define BLK_NAME_LEN      16            /* "sd" + up to 10 digits */
#define BLK_MODEL_LEN     40
/* Synchronous helpers log a request still in flight at this interval and
 * wait on: the driver ends every request (answer, reset, rescind). */
#define BLK_SYNC_TIMEOUT_NS (40ull * WQ_NS_PER_S)

/* A disk as users name it. gen 0 is never issued: a zeroed handle names
 * no disk. A slot's generation grows by one each time the slot is freed
 * (16 bits; slots are taken round robin, so one slot wraps only after
 * 64 * 65535 registrations). */
struct blk_handle {
	uint16_t slot;
	uint16_t gen;
};
#define BLK_HANDLE_NONE ((struct blk_handle){ 0, 0 })

static inline bool blk_handle_eq(struct blk_handle a, struct blk_handle b)
{
	return a.slot == b.slot && a.gen == b.gen;
}

enum blk_op {
	BLK_OP_READ,
	BLK_OP_WRITE,
	BLK_OP_FLUSH,        /* nblocks may be 0: the whole disk */
	BLK_OP_UNMAP,        /* only when the disk can_unmap */
};

#define BLK_F_MAY_BLOCK 0x1u  /* done() may wait: run it on the device queue */
#define BLK_F_FUA       0x2u  /* write through (FUA bit) */

struct blk_req;
typedef void (*blk_done_fn)(struct blk_req *r);

/* Zero a request (memset, calloc) before its first submit; after done()
 * ran it may be submitted again as it is, from done() too. */
struct blk_req {
	enum blk_op op;
	uint32_t flags;          /* BLK_F_* */
	uint64_t lba;
	uint32_t nblocks;
	void *buf;               /* nblocks * block_size bytes, from blk_buf_alloc;
				    UNMAP: >= 24 bytes of scratch for the parameter list */
	blk_done_fn done;
	void *arg;               /* the submitter's */
	int status;              /* set before done(): 0 or -errno */
	/* private to drivers/block.c */
	struct blk_handle b_handle;  /* the disk it was submitted to */
	struct work b_work;      /* done() deferred out of blk_submit (blk_done) */
	bool b_deferred;         /* done() went to blk_done */
	/* private to the disk's driver */
	struct blk_disk *r_disk;
	struct blk_req *r_next;  /* driver's pending FIFO */
	bool r_queued;           /* still on the driver's pending FIFO */
	uint32_t r_parts;        /* pieces still outstanding */
	uint32_t r_sent;         /* blocks handed to pieces so far */
	int r_err;               /* first error of a piece */
	struct work r_work;      /* deferred done() (BLK_F_MAY_BLOCK) */
};

struct blk_disk;

struct blk_disk_ops {
	/* Start r (never waits). 0: done() will be called exactly once;
	 * -errno: refused, done() will not be called. */
	int (*submit)(struct blk_disk *d, struct blk_req *r);
};

/* A disk as its driver registers it; the driver owns the memory and may
 * reuse it after blk_disk_remove. Users see struct blk_info. */
struct blk_disk {
	uint32_t block_size;             /* power of two, >= 512 */
	uint64_t nblocks;                /* capacity */
	bool can_unmap;
	const struct blk_disk_ops *ops;
	void *priv;                      /* the driver's */
	struct wq *completer;            /* queue that runs completions (deadlock graph) */
	char model[BLK_MODEL_LEN];       /* "Msft Virtual Disk 1.0" */
	/* The driver's own name ("nvme0n1"), never given twice by it; empty:
	 * the block layer's sdN. blk_disk_add refuses a name a live disk has. */
	char name_want[BLK_NAME_LEN];
	/* statistics, the driver's */
	uint64_t n_read, n_write, n_err;
	/* written by the block layer */
	char name[BLK_NAME_LEN];         /* "sd0", set by blk_disk_add */
	struct blk_handle handle;        /* this registration's handle */
	bool gone;                       /* removed (cleared when added again);
					    a request's own view: blk_req_stale */
};

/* What users may know of a disk (a copy). */
struct blk_info {
	char name[BLK_NAME_LEN];
	uint32_t block_size;
	uint64_t nblocks;
	bool can_unmap;
	char model[BLK_MODEL_LEN];
	uint64_t n_read, n_write, n_err;
};

/* ---- drivers ---- */

/* Register d: fills d->name and d->handle, then runs the add hook. Work
 * item context (the hook may do I/O). 0, -EINVAL (no ops, bad block size),
 * -ENOSPC (every slot taken or draining, or the names ran out), -ENOMEM;
 * on error nothing is registered. */
int blk_disk_add(struct blk_disk *d);
/* d is gone: its handle fails at once; requests in flight are the driver's
 * to finish (blk_req_stale says which), and the slot is freed when the last
 * of them completes. */
void blk_disk_remove(struct blk_disk *d);
/* The registry still points at d (live, or removed with requests in
 * flight): its driver must keep d's memory. */
bool blk_disk_held(const struct blk_disk *d);
/* r's disk was removed since r was submitted (the driver must not start
 * more of it). */
bool blk_req_stale(const struct blk_req *r);
/* Finish r with status: runs r->done, deferred to blk_done when a submit is
 * on the stack. Exactly once per accepted request. */
void blk_complete(struct blk_req *r, int status);

/* A hook run (in the adding work item, may wait) for every new disk. One
 * hook; NULL to clear. */
void blk_set_add_hook(void (*hook)(struct blk_handle h));

/* ---- users ---- */

/* 0, or -ENODEV when h names no live disk. */
int blk_disk_info(struct blk_handle h, struct blk_info *out);
/* By name ("sd0"): 0, or -ENODEV. */
int blk_disk_find(const char *name, struct blk_handle *out);
/* The live disks, up to max of them, into out[]; returns how many live. */
int blk_disk_list(struct blk_handle *out, int max);

/* Asynchronous: check the handle and range, hand r to the driver. 0: done()
 * will run exactly once; -errno: refused, done() will not run. */
int blk_submit(struct blk_handle h, struct blk_req *r);

/* Synchronous helpers (work items only). Return 0 or -errno. */
int blk_read(struct blk_handle h, uint64_t lba, uint32_t n, void *buf);
int blk_write(struct blk_handle h, uint64_t lba, uint32_t n, const void *buf);
int blk_flush(struct blk_handle h);
int blk_unmap(struct blk_handle h, uint64_t lba, uint32_t n);
/* Any op, synchronously, with flags; a request still in flight is logged
 * every timeout_ns and waited for (the driver ends every request). */
int blk_rw_sync(struct blk_handle h, enum blk_op op, uint32_t flags, uint64_t lba,
		uint32_t n, void *buf, uint64_t timeout_ns);

/* DMA-able buffers: whole pages of guest memory, zeroed. */
void *blk_buf_alloc(size_t bytes);
void blk_buf_free(void *p, size_t bytes);

/* Short text for an errno a request finished with. */
const char *blk_strerror(int err);

#ifdef KEEL_TEST_HOOKS
/* Forget every disk, name and abandoned request (a new keelsim run, a
 * unit test): heap contexts are freed; guest pages go with the platform's
 * memory. The blk_done queue is dropped with the work-queue core. */
void blk_reset(void);
#endif

#endif
