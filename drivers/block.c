/*
 * The block layer (drivers/block.h): the disk registry (sd0, sd1, ... in the
 * order disks appear; a name is never reused within one VMBus generation),
 * range checks, and synchronous helpers built on the asynchronous submit.
 *
 * A synchronous caller whose wait fails (timeout, or -EDEADLK from the
 * deadlock check) cannot take its request back from the driver: the
 * request lives in a heap context that is freed by whichever comes last,
 * the completion or the caller; a buffer freed meanwhile with blk_buf_free
 * is freed only when the request completes (the host may still write it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/block.h"
#include "kernel/log.h"
#include "kernel/platform.h"
#include "vmbus/vmbus.h"

/* The registry: a named singleton, reset when VMBus starts again (a new
 * simulation run), recognised by the generation number. */
static struct blk_disk *blk_disks[BLK_MAX_DISKS];
static int blk_ndisks;
static uint32_t blk_gen;
static void (*blk_add_hook)(struct blk_disk *d);

struct blk_sync {
	struct blk_req req;
	struct completion done;
	bool abandoned;          /* the caller gave up: completion frees */
	size_t buf_free_bytes;   /* blk_buf_free deferred until completion */
	struct blk_sync *next;   /* on blk_abandoned */
};
/* Abandoned synchronous requests (reachable, so leak checkers see them). */
static struct blk_sync *blk_abandoned;

static void blk_registry_check(void)
{
	if (blk_gen != vmbus_generation()) {
		memset(blk_disks, 0, sizeof(blk_disks));
		blk_ndisks = 0;
		blk_abandoned = NULL;   /* the old run's memory is gone with it */
		blk_gen = vmbus_generation();
	}
}

void blk_set_add_hook(void (*hook)(struct blk_disk *d))
{
	blk_add_hook = hook;
}

int blk_disk_add(struct blk_disk *d)
{
	blk_registry_check();
	for (int i = 0; i < blk_ndisks; i++)
		if (blk_disks[i] == d)
			blk_disks[i] = NULL;        /* re-added: old name retired */
	if (blk_ndisks >= BLK_MAX_DISKS)
		return -ENOSPC;
	snprintf(d->name, sizeof(d->name), "sd%d", blk_ndisks);
	d->gone = false;
	blk_disks[blk_ndisks++] = d;
	if (blk_add_hook)
		blk_add_hook(d);
	return 0;
}

void blk_disk_remove(struct blk_disk *d)
{
	d->gone = true;
}

struct blk_disk *blk_disk_get(int index)
{
	blk_registry_check();
	if (index < 0 || index >= blk_ndisks || !blk_disks[index] || blk_disks[index]->gone)
		return NULL;
	return blk_disks[index];
}

struct blk_disk *blk_disk_find(const char *name)
{
	blk_registry_check();
	for (int i = 0; i < blk_ndisks; i++)
		if (blk_disks[i] && !blk_disks[i]->gone && !strcmp(blk_disks[i]->name, name))
			return blk_disks[i];
	return NULL;
}

int blk_disk_count(void)
{
	blk_registry_check();
	return blk_ndisks;
}

int blk_submit(struct blk_disk *d, struct blk_req *r)
{
	if (!d || d->gone)
		return -ENODEV;
	switch (r->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE:
	case BLK_OP_UNMAP:
		if (r->nblocks == 0 || r->lba >= d->nblocks || r->nblocks > d->nblocks - r->lba)
			return -EINVAL;
		break;
	case BLK_OP_FLUSH:
		break;
	default:
		return -EINVAL;
	}
	r->status = 0;
	return d->ops->submit(d, r);
}

void blk_complete(struct blk_req *r, int status)
{
	r->status = status;
	if (r->done)
		r->done(r);
}

/* ---- synchronous helpers ---- */

static void sync_unlink(struct blk_sync *s)
{
	for (struct blk_sync **pp = &blk_abandoned; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			return;
		}
	}
}

static void sync_done(struct blk_req *r)
{
	struct blk_sync *s = wq_container_of(r, struct blk_sync, req);

	if (s->abandoned) {
		sync_unlink(s);
		if (s->buf_free_bytes)
			plat_page_free(r->buf, (s->buf_free_bytes + PLAT_PAGE_SIZE - 1) / PLAT_PAGE_SIZE);
		free(s);
		return;
	}
	complete_one(&s->done);
}

int blk_rw_sync(struct blk_disk *d, enum blk_op op, uint32_t flags, uint64_t lba,
		uint32_t n, void *buf, uint64_t timeout_ns)
{
	struct blk_sync *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	blk_registry_check();
	completion_init(&s->done, "blk_sync");
	if (d)
		completion_set_completer(&s->done, d->completer);
	s->req.op = op;
	s->req.flags = flags & ~BLK_F_MAY_BLOCK;   /* sync_done never waits */
	s->req.lba = lba;
	s->req.nblocks = n;
	s->req.buf = buf;
	s->req.done = sync_done;
	err = blk_submit(d, &s->req);
	if (err)
		goto out;
	/* Woken by sync_done (the driver's completion path); a rescind or
	 * removal completes the request with an error, the driver's watchdog
	 * bounds a host that never answers. */
	err = completion_wait(&s->done, timeout_ns);
	if (err && !completion_done(&s->done)) {
		s->abandoned = true;
		s->next = blk_abandoned;
		blk_abandoned = s;
		pr_err("blk: %s: synchronous %s of %u blocks at %llu abandoned (%d)\n", d->name,
		       op == BLK_OP_READ ? "read" : op == BLK_OP_WRITE ? "write" : "op", n,
		       (unsigned long long)lba, err);
		return err;
	}
	err = s->req.status;
out:
	free(s);
	return err;
}

int blk_read(struct blk_disk *d, uint64_t lba, uint32_t n, void *buf)
{
	return blk_rw_sync(d, BLK_OP_READ, 0, lba, n, buf, BLK_SYNC_TIMEOUT_NS);
}

int blk_write(struct blk_disk *d, uint64_t lba, uint32_t n, const void *buf)
{
	return blk_rw_sync(d, BLK_OP_WRITE, 0, lba, n, (void *)buf, BLK_SYNC_TIMEOUT_NS);
}

int blk_flush(struct blk_disk *d)
{
	return blk_rw_sync(d, BLK_OP_FLUSH, 0, 0, 0, NULL, BLK_SYNC_TIMEOUT_NS);
}

int blk_unmap(struct blk_disk *d, uint64_t lba, uint32_t n)
{
	void *scratch = blk_buf_alloc(64);
	int err;

	if (!scratch)
		return -ENOMEM;
	err = blk_rw_sync(d, BLK_OP_UNMAP, 0, lba, n, scratch, BLK_SYNC_TIMEOUT_NS);
	blk_buf_free(scratch, 64);
	return err;
}

/* ---- buffers ---- */

void *blk_buf_alloc(size_t bytes)
{
	return plat_page_alloc((bytes + PLAT_PAGE_SIZE - 1) / PLAT_PAGE_SIZE);
}

void blk_buf_free(void *p, size_t bytes)
{
	if (!p)
		return;
	for (struct blk_sync *s = blk_abandoned; s; s = s->next) {
		if (s->req.buf == p) {
			s->buf_free_bytes = bytes;      /* freed at completion */
			return;
		}
	}
	plat_page_free(p, (bytes + PLAT_PAGE_SIZE - 1) / PLAT_PAGE_SIZE);
}

const char *blk_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case -EIO: return "I/O error";
	case -ENODEV: return "no such device (removed or rescinded)";
	case -ETIMEDOUT: return "timed out";
	case -EDEADLK: return "deadlock (wait could never end)";
	case -EINVAL: return "invalid request";
	case -EROFS: return "write protected";
	case -EAGAIN: return "try again (unit attention / busy)";
	case -ENOSPC: return "no space";
	case -EOVERFLOW: return "data overrun";
	case -ENOMEM: return "out of memory";
	case -EOPNOTSUPP: return "not supported";
	case -EPROTO: return "protocol error";
	default: return "error";
	}
}
