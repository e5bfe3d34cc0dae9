/*
 * The block layer (drivers/block.h): the disk registry (slots with
 * generations, handed out as handles; names sd0, sd1, ... from a counter,
 * never reused), range checks, completions kept out of blk_submit, and
 * synchronous helpers built on the asynchronous submit.
 *
 * A synchronous caller whose wait fails (timeout, or -EDEADLK from the
 * deadlock check) cannot take its request back from the driver: the
 * request lives in a heap context that is freed by whichever comes last,
 * the completion or the caller; a buffer freed meanwhile with blk_buf_free
 * is freed only when the request completes (the host may still write it).
 *
 * Everything here runs in work items or the scheduler, never in interrupt
 * handlers; blk_submit never waits, so code between its entry and return
 * runs alone (one CPU, cooperative).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/block.h"
#include "kernel/log.h"
#include "kernel/platform.h"

/* Fibers of blk_done: a deferred done() that may block (BLK_F_MAY_BLOCK)
 * can wait for a request whose own done() is deferred behind it. */
#define BLK_DONE_ACTIVE 4

/*
 * A registry slot's life (blk_slot_transition is the only writer):
 *
 *   FREE --add--> LIVE --remove--> DRAINING --last request completes--> FREE
 *                   +-------remove, nothing in flight----------------------^
 *
 * Only a LIVE slot whose generation matches answers a handle. Taking a
 * FREE slot bumps its generation, so handles of the disk that had it
 * before fail with -ENODEV.
 */
enum blk_slot_state {
	BLK_SLOT_FREE,
	BLK_SLOT_LIVE,        /* registered: requests accepted */
	BLK_SLOT_DRAINING,    /* removed: requests of the old disk still in flight */
};

struct blk_slot {
	enum blk_slot_state state;
	uint16_t gen;         /* of the current (or last) disk; 0 before first use */
	uint32_t inflight;    /* accepted by the driver, not yet completed */
	struct blk_disk *disk;  /* LIVE and DRAINING; the driver may reuse it once
				   removed, so only a LIVE slot reads it */
};

/* The registry: a named singleton (one per kernel; blk_reset in hosted runs). */
static struct blk_slot blk_slots[BLK_MAX_DISKS];
static uint32_t blk_cursor;          /* next slot to try: round robin */
static uint32_t blk_next_name;       /* sdN: N of the next disk, never reused */
static void (*blk_add_hook)(struct blk_handle h);
/* Deferred completions: created by the first blk_disk_add. */
static struct wq *blk_done_q;
/* blk_submit calls on the stack: a completion inside one is deferred. */
static unsigned blk_submit_depth;

struct blk_sync {
	struct blk_req req;
	struct completion done;
	bool abandoned;          /* the caller gave up: completion frees */
	size_t buf_free_bytes;   /* blk_buf_free deferred until completion */
	struct blk_sync *next;   /* on blk_abandoned */
};
/* Abandoned synchronous requests (reachable, so leak checkers see them). */
static struct blk_sync *blk_abandoned;

/* ---- the registry ---- */

static void blk_slot_transition(struct blk_slot *s, enum blk_slot_state to)
{
	enum blk_slot_state from = s->state;
	bool ok;

	switch (to) {
	case BLK_SLOT_LIVE:
		ok = from == BLK_SLOT_FREE;
		break;
	case BLK_SLOT_DRAINING:
		ok = from == BLK_SLOT_LIVE && s->inflight > 0;
		break;
	case BLK_SLOT_FREE:
		ok = (from == BLK_SLOT_LIVE || from == BLK_SLOT_DRAINING) && s->inflight == 0;
		break;
	default:
		ok = false;
		break;
	}
	if (!ok) {
		pr_err("blk: bug: slot %d state %d -> %d (%u in flight)\n",
		       (int)(s - blk_slots), from, to, s->inflight);
		return;
	}
	if (to == BLK_SLOT_LIVE)
		s->gen = s->gen == UINT16_MAX ? 1 : s->gen + 1;    /* never 0 */
	if (to == BLK_SLOT_FREE)
		s->disk = NULL;
	s->state = to;
}

static struct blk_slot *slot_live(struct blk_handle h)
{
	struct blk_slot *s;

	if (h.slot >= BLK_MAX_DISKS)
		return NULL;
	s = &blk_slots[h.slot];
	return s->state == BLK_SLOT_LIVE && s->gen == h.gen ? s : NULL;
}

/* The slot of a handle that is live or draining (its requests count). */
static struct blk_slot *slot_held(struct blk_handle h)
{
	struct blk_slot *s;

	if (h.slot >= BLK_MAX_DISKS)
		return NULL;
	s = &blk_slots[h.slot];
	return s->state != BLK_SLOT_FREE && s->gen == h.gen ? s : NULL;
}

/* A request of s is over (completed, or refused by the driver). */
static void slot_request_over(struct blk_slot *s)
{
	if (s->inflight == 0) {
		pr_err("blk: bug: slot %d completed more requests than it started\n",
		       (int)(s - blk_slots));
		return;
	}
	if (--s->inflight == 0 && s->state == BLK_SLOT_DRAINING)
		blk_slot_transition(s, BLK_SLOT_FREE);
}

static struct blk_slot *slot_take(void)
{
	for (uint32_t i = 0; i < BLK_MAX_DISKS; i++) {
		uint32_t k = (blk_cursor + i) % BLK_MAX_DISKS;

		if (blk_slots[k].state == BLK_SLOT_FREE) {
			blk_cursor = (k + 1) % BLK_MAX_DISKS;
			return &blk_slots[k];
		}
	}
	return NULL;
}

void blk_set_add_hook(void (*hook)(struct blk_handle h))
{
	blk_add_hook = hook;
}

static bool blk_name_live(const char *name)
{
	for (int i = 0; i < BLK_MAX_DISKS; i++)
		if (blk_slots[i].state != BLK_SLOT_FREE &&
		    !strncmp(blk_slots[i].disk->name, name, BLK_NAME_LEN))
			return true;
	return false;
}

int blk_disk_add(struct blk_disk *d)
{
	struct blk_slot *s;

	if (!d->ops || !d->ops->submit || d->block_size < 512 ||
	    (d->block_size & (d->block_size - 1)))
		return -EINVAL;
	if ((s = slot_live(d->handle)) && s->disk == d)
		return -EEXIST;                  /* registered already */
	if (!blk_done_q && !(blk_done_q = wq_create("blk_done", BLK_DONE_ACTIVE)))
		return -ENOMEM;
	if (blk_next_name == UINT32_MAX)
		return -ENOSPC;                  /* names are never reused */
	if (d->name_want[0] && blk_name_live(d->name_want))
		return -EEXIST;
	s = slot_take();
	if (!s)
		return -ENOSPC;
	blk_slot_transition(s, BLK_SLOT_LIVE);
	s->disk = d;
	if (d->name_want[0])
		memcpy(d->name, d->name_want, sizeof(d->name));
	else
		snprintf(d->name, sizeof(d->name), "sd%u", (unsigned)blk_next_name++);
	d->handle = (struct blk_handle){ (uint16_t)(s - blk_slots), s->gen };
	d->gone = false;
	if (blk_add_hook)
		blk_add_hook(d->handle);
	return 0;
}

void blk_disk_remove(struct blk_disk *d)
{
	struct blk_slot *s = slot_live(d->handle);

	d->gone = true;
	if (!s || s->disk != d)
		return;                          /* removed already, or never added */
	blk_slot_transition(s, s->inflight ? BLK_SLOT_DRAINING : BLK_SLOT_FREE);
}

bool blk_disk_held(const struct blk_disk *d)
{
	for (int i = 0; i < BLK_MAX_DISKS; i++)
		if (blk_slots[i].state != BLK_SLOT_FREE && blk_slots[i].disk == d)
			return true;
	return false;
}

bool blk_req_stale(const struct blk_req *r)
{
	return slot_live(r->b_handle) == NULL;
}

int blk_disk_info(struct blk_handle h, struct blk_info *out)
{
	struct blk_slot *s = slot_live(h);
	struct blk_disk *d;

	if (!s)
		return -ENODEV;
	d = s->disk;
	memset(out, 0, sizeof(*out));
	memcpy(out->name, d->name, sizeof(out->name));
	out->block_size = d->block_size;
	out->nblocks = d->nblocks;
	out->can_unmap = d->can_unmap;
	memcpy(out->model, d->model, sizeof(out->model));
	out->n_read = d->n_read;
	out->n_write = d->n_write;
	out->n_err = d->n_err;
	return 0;
}

int blk_disk_find(const char *name, struct blk_handle *out)
{
	for (int i = 0; i < BLK_MAX_DISKS; i++) {
		struct blk_slot *s = &blk_slots[i];

		if (s->state == BLK_SLOT_LIVE && !strcmp(s->disk->name, name)) {
			*out = s->disk->handle;
			return 0;
		}
	}
	return -ENODEV;
}

int blk_disk_list(struct blk_handle *out, int max)
{
	int n = 0;

	for (int i = 0; i < BLK_MAX_DISKS; i++) {
		struct blk_slot *s = &blk_slots[i];

		if (s->state != BLK_SLOT_LIVE)
			continue;
		if (n < max)
			out[n] = s->disk->handle;
		n++;
	}
	return n;
}

/* ---- requests ---- */

static int req_check(const struct blk_disk *d, const struct blk_req *r)
{
	switch (r->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE:
	case BLK_OP_UNMAP:
		if (r->nblocks == 0 || r->lba >= d->nblocks || r->nblocks > d->nblocks - r->lba)
			return -EINVAL;
		return 0;
	case BLK_OP_FLUSH:
		return 0;
	}
	return -EINVAL;
}

/* blk_done: a completion that happened inside blk_submit. */
static void blk_done_run(struct work *w)
{
	struct blk_req *r = wq_container_of(w, struct blk_req, b_work);

	if (r->done)
		r->done(r);
}

int blk_submit(struct blk_handle h, struct blk_req *r)
{
	struct blk_slot *s = slot_live(h);
	int err;

	if (!s)
		return -ENODEV;
	err = req_check(s->disk, r);
	if (err)
		return err;
	r->status = 0;
	r->b_handle = h;
	r->b_deferred = false;
	/* Counted first: the driver may complete r before it returns. */
	s->inflight++;
	blk_submit_depth++;
	err = s->disk->ops->submit(s->disk, r);
	blk_submit_depth--;
	if (err)
		slot_request_over(s);
	return err;
}

void blk_complete(struct blk_req *r, int status)
{
	struct blk_slot *s = slot_held(r->b_handle);

	r->status = status;
	if (s)
		slot_request_over(s);
	/* Never inside blk_submit: a done() that submits again would recurse
	 * (every channel gone) until the fiber's stack ran out. */
	if (blk_submit_depth && blk_done_q) {
		/* Initialised here, off the fast path. The item may be the one
		 * running this done() chain (a done() that submitted r again):
		 * the core never touches an item after its fn returned
		 * (kernel/wq.h), so a fresh item is safe to queue. */
		work_init(&r->b_work, blk_done_run, "blk_done");
		r->b_deferred = true;
		wq_queue(blk_done_q, &r->b_work);
		return;
	}
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

static const char *op_name(enum blk_op op)
{
	return op == BLK_OP_READ ? "read" : op == BLK_OP_WRITE ? "write" :
	       op == BLK_OP_FLUSH ? "flush" : "unmap";
}

int blk_rw_sync(struct blk_handle h, enum blk_op op, uint32_t flags, uint64_t lba,
		uint32_t n, void *buf, uint64_t timeout_ns)
{
	struct blk_slot *slot = slot_live(h);
	struct blk_sync *s;
	char name[BLK_NAME_LEN];
	int err;

	if (!slot)
		return -ENODEV;
	memcpy(name, slot->disk->name, sizeof(name));   /* for the log: r may outlive it */
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	completion_init(&s->done, "blk_sync");
	completion_set_completer(&s->done, slot->disk->completer);
	s->req.op = op;
	s->req.flags = flags & ~BLK_F_MAY_BLOCK;   /* sync_done never waits */
	s->req.lba = lba;
	s->req.nblocks = n;
	s->req.buf = buf;
	s->req.done = sync_done;
	err = blk_submit(h, &s->req);
	if (err)
		goto out;
	if (s->req.b_deferred)
		completion_set_completer(&s->done, blk_done_q);
	/* Woken by sync_done (the driver's completion path, or blk_done); a
	 * rescind or removal completes the request with an error, and the
	 * driver bounds a host that never answers (storvsc resets the channel
	 * after its I/O limit, then fails the request). Until then the host
	 * may still write buf, so a timeout only logs and waits again: the
	 * buffer is never handed back while the request is in flight. Only
	 * a wait that can never end (-EDEADLK, reported) gives up. */
	while ((err = completion_wait(&s->done, timeout_ns)) == -ETIMEDOUT &&
	       !completion_done(&s->done))
		pr_warn("blk: %s: synchronous %s of %u blocks at %llu still in flight\n",
			name, op_name(op), n, (unsigned long long)lba);
	if (err && !completion_done(&s->done)) {
		s->abandoned = true;
		s->next = blk_abandoned;
		blk_abandoned = s;
		pr_err("blk: %s: synchronous %s of %u blocks at %llu abandoned (%d)\n", name,
		       op_name(op), n, (unsigned long long)lba, err);
		return err;
	}
	err = s->req.status;
out:
	free(s);
	return err;
}

int blk_read(struct blk_handle h, uint64_t lba, uint32_t n, void *buf)
{
	return blk_rw_sync(h, BLK_OP_READ, 0, lba, n, buf, BLK_SYNC_TIMEOUT_NS);
}

int blk_write(struct blk_handle h, uint64_t lba, uint32_t n, const void *buf)
{
	return blk_rw_sync(h, BLK_OP_WRITE, 0, lba, n, (void *)buf, BLK_SYNC_TIMEOUT_NS);
}

int blk_flush(struct blk_handle h)
{
	return blk_rw_sync(h, BLK_OP_FLUSH, 0, 0, 0, NULL, BLK_SYNC_TIMEOUT_NS);
}

int blk_unmap(struct blk_handle h, uint64_t lba, uint32_t n)
{
	void *scratch = blk_buf_alloc(64);
	int err;

	if (!scratch)
		return -ENOMEM;
	err = blk_rw_sync(h, BLK_OP_UNMAP, 0, lba, n, scratch, BLK_SYNC_TIMEOUT_NS);
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
	case -EEXIST: return "already registered";
	default: return "error";
	}
}

#ifdef KEEL_TEST_HOOKS
void blk_reset(void)
{
	while (blk_abandoned) {
		struct blk_sync *s = blk_abandoned;

		blk_abandoned = s->next;
		free(s);
	}
	memset(blk_slots, 0, sizeof(blk_slots));
	blk_cursor = 0;
	blk_next_name = 0;
	blk_add_hook = NULL;
	blk_done_q = NULL;          /* dropped with the work-queue core (wq_init) */
	blk_submit_depth = 0;       /* a run that panicked inside a submit */
}
#endif
