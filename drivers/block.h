/*
 * A small block layer: disks named sd0, sd1, ... registered by storage
 * drivers (drivers/storvsc*.c), asynchronous requests with a completion
 * callback, and synchronous helpers for code that runs in a work item.
 *
 * Contexts:
 *  - blk_submit may be called from any work item (it never waits). A
 *    request's done callback runs either in the driver's completion path
 *    (the vmbus_event queue: it must not wait) or, when the request sets
 *    BLK_F_MAY_BLOCK, on the driver's own device queue (rule 5: a
 *    completion that may wait never runs inline in a channel's shared
 *    completion path). The driver decides where; the block layer only
 *    carries the flag.
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

#define BLK_MAX_DISKS     64
#define BLK_NAME_LEN      8
/* Default synchronous wait: longer than the driver's own I/O timeout, so
 * the driver's watchdog answers first (storvsc.h STORVSC_IO_TIMEOUT_NS). */
#define BLK_SYNC_TIMEOUT_NS (40ull * WQ_NS_PER_S)

enum blk_op {
	BLK_OP_READ,
	BLK_OP_WRITE,
	BLK_OP_FLUSH,        /* nblocks may be 0: the whole disk */
	BLK_OP_UNMAP,        /* only when disk->can_unmap */
};

#define BLK_F_MAY_BLOCK 0x1u  /* done() may wait: run it on the device queue */
#define BLK_F_FUA       0x2u  /* write through (FUA bit) */

struct blk_req;
typedef void (*blk_done_fn)(struct blk_req *r);

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

struct blk_disk {
	char name[BLK_NAME_LEN];         /* "sd0" */
	uint32_t block_size;             /* power of two, >= 512 */
	uint64_t nblocks;                /* capacity */
	bool can_unmap;
	bool gone;                       /* removed: new requests fail with -ENODEV */
	const struct blk_disk_ops *ops;
	void *priv;                      /* the driver's */
	struct wq *completer;            /* queue that runs completions (deadlock graph) */
	char model[40];                  /* "Msft Virtual Disk 1.0" */
	/* statistics */
	uint64_t n_read, n_write, n_err;
};

/* Register d (fills d->name); calls the add hook. Work item context (the
 * hook may do I/O). 0 or -ENOSPC. */
int blk_disk_add(struct blk_disk *d);
/* d is gone: new requests fail; the name stays reserved until the next
 * generation. Requests in flight are the driver's to fail. */
void blk_disk_remove(struct blk_disk *d);
/* By name ("sd0") or index; NULL when none or gone. */
struct blk_disk *blk_disk_find(const char *name);
struct blk_disk *blk_disk_get(int index);
int blk_disk_count(void);

/* A hook run (in the adding work item, may wait) for every new disk. One
 * hook; NULL to clear. */
void blk_set_add_hook(void (*hook)(struct blk_disk *d));

/* Asynchronous: validate the range and hand r to the driver. */
int blk_submit(struct blk_disk *d, struct blk_req *r);
/* Called by drivers: finish r with status (runs r->done). */
void blk_complete(struct blk_req *r, int status);

/* Synchronous helpers (work items only). Return 0 or -errno. */
int blk_read(struct blk_disk *d, uint64_t lba, uint32_t n, void *buf);
int blk_write(struct blk_disk *d, uint64_t lba, uint32_t n, const void *buf);
int blk_flush(struct blk_disk *d);
int blk_unmap(struct blk_disk *d, uint64_t lba, uint32_t n);
/* Any op, synchronously, with flags and a timeout. */
int blk_rw_sync(struct blk_disk *d, enum blk_op op, uint32_t flags, uint64_t lba,
		uint32_t n, void *buf, uint64_t timeout_ns);

/* DMA-able buffers: whole pages of guest memory, zeroed. */
void *blk_buf_alloc(size_t bytes);
void blk_buf_free(void *p, size_t bytes);

/* Short text for an errno a request finished with. */
const char *blk_strerror(int err);

#endif
