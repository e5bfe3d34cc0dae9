/*
 * Unit tests of the block layer (drivers/block.c) over a fake driver:
 *  - a handle taken before its disk was removed fails with -ENODEV, even
 *    when the driver registers its reused struct blk_disk as the next disk
 *    (storvsc reuses a LUN's slot), and names are never given twice;
 *  - a removed disk drains: its slot stays taken while a request is in
 *    flight (blk_req_stale says so), then is freed and reused;
 *  - slots are freed: 1000 add/remove cycles with few disks live;
 *  - a failed blk_disk_add is an error and registers nothing;
 *  - a done() never runs inside blk_submit: a done() that submits again
 *    while the driver completes inline (every channel gone) runs 100000
 *    times at recursion depth 1, and a synchronous read of such a disk
 *    returns;
 *  - a synchronous read waits as long as the driver holds the request (the
 *    host may still write its buffer), past the logging interval.
 *
 * drivers/block.c is compiled into this file under other names: other unit
 * tests link fakes of the block layer (gpt_test.c, storvsc_io_test.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"

#define blk_set_add_hook bt_blk_set_add_hook
#define blk_disk_add     bt_blk_disk_add
#define blk_disk_remove  bt_blk_disk_remove
#define blk_req_stale    bt_blk_req_stale
#define blk_disk_info    bt_blk_disk_info
#define blk_disk_find    bt_blk_disk_find
#define blk_disk_list    bt_blk_disk_list
#define blk_submit       bt_blk_submit
#define blk_complete     bt_blk_complete
#define blk_rw_sync      bt_blk_rw_sync
#define blk_read         bt_blk_read
#define blk_write        bt_blk_write
#define blk_flush        bt_blk_flush
#define blk_unmap        bt_blk_unmap
#define blk_buf_alloc    bt_blk_buf_alloc
#define blk_buf_free     bt_blk_buf_free
#define blk_strerror     bt_blk_strerror
#define blk_reset        bt_blk_reset
#include "drivers/block.c"

/* ---- the fake driver ---- */

enum fake_mode {
	FAKE_HOLD,       /* keep the request: the test completes it */
	FAKE_INLINE,     /* complete inside submit (no usable channel) */
	FAKE_REFUSE,     /* refuse: -EIO */
};

struct fake {
	struct blk_disk d;
	enum fake_mode mode;
	int status;                  /* FAKE_INLINE: the status to complete with */
	int submits;
	struct blk_req *held[8];
	int nheld;
};

static int fake_submit(struct blk_disk *d, struct blk_req *r)
{
	struct fake *f = d->priv;

	f->submits++;
	switch (f->mode) {
	case FAKE_HOLD:
		if (f->nheld >= 8)
			return -EBUSY;
		f->held[f->nheld++] = r;
		return 0;
	case FAKE_INLINE:
		blk_complete(r, f->status);
		return 0;
	case FAKE_REFUSE:
		return -EIO;
	}
	return -EINVAL;
}

static const struct blk_disk_ops fake_ops = { .submit = fake_submit };

/* (Re)initialise f's disk the way a driver does before registering it. */
static void fake_init(struct fake *f, enum fake_mode mode)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->d.block_size = 512;
	f->d.nblocks = 1024;
	f->d.ops = &fake_ops;
	f->d.priv = f;
}

static int done_calls, hook_calls;

/* A clean registry per test (the runner may run tests in one process). */
static void bt_setup(void)
{
	blk_reset();
	done_calls = 0;
	hook_calls = 0;
}

static void count_done(struct blk_req *r)
{
	(void)r;
	done_calls++;
}

static void req_init(struct blk_req *r, enum blk_op op)
{
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->lba = 8;
	r->nblocks = 1;
	r->done = count_done;
}

/* ---- handles and names ---- */

/* The driver reuses its struct for the next disk, again and again (every
 * slot comes round): the first handle must never reach a later disk, and
 * no name is given twice. */
static int t_blk_stale_handle(void)
{
	static struct fake f;
	struct blk_handle old, now;
	struct blk_info info;
	struct blk_req r;
	char name[BLK_NAME_LEN];

	bt_setup();
	fake_init(&f, FAKE_HOLD);
	CHECK_EQ(blk_disk_add(&f.d), 0);
	old = f.d.handle;
	CHECK(!strcmp(f.d.name, "sd0"));
	req_init(&r, BLK_OP_WRITE);
	for (int i = 1; i <= 2 * BLK_MAX_DISKS; i++) {
		blk_disk_remove(&f.d);
		fake_init(&f, FAKE_HOLD);        /* as storvsc lun_add does */
		CHECK_EQ(blk_disk_add(&f.d), 0);
		now = f.d.handle;
		snprintf(name, sizeof(name), "sd%d", i);
		CHECK(!strcmp(f.d.name, name));  /* never an old name */
		CHECK_EQ(blk_submit(old, &r), -ENODEV);
		CHECK_EQ(f.submits, 0);          /* nothing reached the new disk */
		CHECK_EQ(blk_disk_info(old, &info), -ENODEV);
		CHECK_EQ(blk_disk_find("sd0", &old), -ENODEV);
	}
	CHECK_EQ(now.slot, old.slot);            /* the slot did come round */
	CHECK_EQ(blk_disk_info(now, &info), 0);
	CHECK(!strcmp(info.name, name));
	CHECK_EQ(blk_submit(now, &r), 0);
	CHECK_EQ(f.submits, 1);
	CHECK(!blk_req_stale(&r));
	blk_complete(f.held[0], 0);
	CHECK_EQ(done_calls, 1);
	CHECK_EQ(blk_submit(BLK_HANDLE_NONE, &r), -ENODEV);
	return 0;
}

/* Removed with a request in flight: DRAINING keeps the slot (and so the
 * generation) until the request completes, then the slot is reused. */
static int t_blk_drain(void)
{
	static struct fake a, others[BLK_MAX_DISKS];
	struct blk_handle ha;
	struct blk_req r;

	bt_setup();
	fake_init(&a, FAKE_HOLD);
	CHECK_EQ(blk_disk_add(&a.d), 0);
	ha = a.d.handle;
	req_init(&r, BLK_OP_READ);
	CHECK_EQ(blk_submit(ha, &r), 0);
	blk_disk_remove(&a.d);
	CHECK(blk_req_stale(&r));                /* the driver must not start more of it */
	CHECK_EQ(blk_submit(ha, &r), -ENODEV);
	/* Every other slot fills; the draining one is not handed out. */
	for (int i = 0; i < BLK_MAX_DISKS - 1; i++) {
		fake_init(&others[i], FAKE_HOLD);
		CHECK_EQ(blk_disk_add(&others[i].d), 0);
		CHECK(others[i].d.handle.slot != ha.slot);
	}
	fake_init(&others[BLK_MAX_DISKS - 1], FAKE_HOLD);
	CHECK_EQ(blk_disk_add(&others[BLK_MAX_DISKS - 1].d), -ENOSPC);
	/* The driver fails the request: the slot is free again. */
	blk_complete(a.held[0], -ENODEV);
	CHECK_EQ(done_calls, 1);
	CHECK_EQ(r.status, -ENODEV);
	CHECK_EQ(blk_disk_add(&others[BLK_MAX_DISKS - 1].d), 0);
	CHECK_EQ(others[BLK_MAX_DISKS - 1].d.handle.slot, ha.slot);
	CHECK(others[BLK_MAX_DISKS - 1].d.handle.gen != ha.gen);
	CHECK_EQ(blk_submit(ha, &r), -ENODEV);
	return 0;
}

/* Gone disks free their slots: many more registrations than slots. */
static int t_blk_slots_freed(void)
{
	static struct fake live[2], f;
	struct blk_handle h[BLK_MAX_DISKS];

	bt_setup();
	for (int i = 0; i < 2; i++) {
		fake_init(&live[i], FAKE_HOLD);
		CHECK_EQ(blk_disk_add(&live[i].d), 0);
	}
	for (int i = 0; i < 1000; i++) {
		fake_init(&f, FAKE_HOLD);
		CHECK_EQ(blk_disk_add(&f.d), 0);
		blk_disk_remove(&f.d);
	}
	CHECK_EQ(blk_disk_list(h, BLK_MAX_DISKS), 2);
	CHECK(!strcmp(f.d.name, "sd1001"));      /* 2 + 1000 names, none twice */
	return 0;
}

static void count_hook(struct blk_handle h)
{
	(void)h;
	hook_calls++;
}

/* A failed add is an error and leaves no trace: no slot, no name, no hook. */
static int t_blk_add_errors(void)
{
	static struct fake f[BLK_MAX_DISKS + 1], bad;
	struct blk_handle h[BLK_MAX_DISKS];

	bt_setup();
	blk_set_add_hook(count_hook);
	fake_init(&bad, FAKE_HOLD);
	bad.d.ops = NULL;
	CHECK_EQ(blk_disk_add(&bad.d), -EINVAL);
	fake_init(&bad, FAKE_HOLD);
	bad.d.block_size = 1000;
	CHECK_EQ(blk_disk_add(&bad.d), -EINVAL);
	for (int i = 0; i < BLK_MAX_DISKS; i++) {
		fake_init(&f[i], FAKE_HOLD);
		CHECK_EQ(blk_disk_add(&f[i].d), 0);
	}
	CHECK_EQ(blk_disk_add(&f[0].d), -EEXIST);
	fake_init(&f[BLK_MAX_DISKS], FAKE_HOLD);
	CHECK_EQ(blk_disk_add(&f[BLK_MAX_DISKS].d), -ENOSPC);
	CHECK(blk_handle_eq(f[BLK_MAX_DISKS].d.handle, BLK_HANDLE_NONE));
	CHECK_EQ(hook_calls, BLK_MAX_DISKS);
	CHECK_EQ(blk_disk_list(h, BLK_MAX_DISKS), BLK_MAX_DISKS);
	/* The failed adds used no name: the next disk is sd64. */
	blk_disk_remove(&f[5].d);
	CHECK_EQ(blk_disk_add(&f[BLK_MAX_DISKS].d), 0);
	CHECK(!strcmp(f[BLK_MAX_DISKS].d.name, "sd64"));
	return 0;
}

/* ---- completions never inside submit ---- */

#define RESUBMITS 100000
static struct fake rs_disk;
static struct blk_req rs_req;
static int rs_depth, rs_max_depth, rs_calls;

/* A done() that submits again, as sim/blkload.c's bl_done does. */
static void resubmit_done(struct blk_req *r)
{
	if (++rs_depth > rs_max_depth)
		rs_max_depth = rs_depth;
	rs_calls++;
	/* Depth above 1 is the failure: stop before the stack runs out. */
	if (rs_calls < RESUBMITS && rs_depth == 1 && blk_submit(rs_disk.d.handle, r) != 0)
		rs_calls = -1;
	rs_depth--;
}

static int t_blk_done_not_in_submit(void)
{
	bt_setup();
	fake_init(&rs_disk, FAKE_INLINE);
	rs_disk.status = -ENODEV;
	CHECK_EQ(blk_disk_add(&rs_disk.d), 0);
	memset(&rs_req, 0, sizeof(rs_req));
	rs_req.op = BLK_OP_READ;
	rs_req.nblocks = 1;
	rs_req.done = resubmit_done;
	CHECK_EQ(blk_submit(rs_disk.d.handle, &rs_req), 0);
	CHECK_EQ(rs_calls, 0);                  /* not inside blk_submit */
	CHECK(rs_req.b_deferred);
	t_run_all();
	CHECK_EQ(rs_max_depth, 1);
	CHECK_EQ(rs_calls, RESUBMITS);
	CHECK_EQ(rs_disk.submits, RESUBMITS);
	CHECK_EQ(rs_req.status, -ENODEV);
	return 0;
}

/* The fast path: a completion outside any submit runs done() at once. */
static int t_blk_done_inline_outside_submit(void)
{
	static struct fake f;
	struct blk_req r;

	bt_setup();
	fake_init(&f, FAKE_HOLD);
	CHECK_EQ(blk_disk_add(&f.d), 0);
	req_init(&r, BLK_OP_READ);
	CHECK_EQ(blk_submit(f.d.handle, &r), 0);
	blk_complete(f.held[0], 0);
	CHECK_EQ(done_calls, 1);
	CHECK(!r.b_deferred);
	/* A refused request: no done(), the slot's count is back to 0, so
	 * removal frees the slot at once. */
	f.mode = FAKE_REFUSE;
	CHECK_EQ(blk_submit(f.d.handle, &r), -EIO);
	CHECK_EQ(done_calls, 1);
	blk_disk_remove(&f.d);
	CHECK_EQ(blk_slots[f.d.handle.slot].state, BLK_SLOT_FREE);
	return 0;
}

/* A synchronous read of a disk that completes inline: the completion is
 * deferred to blk_done and the waiter wakes. */
static struct fake sync_disk;
static int sync_result = 1;

static void sync_reader(struct work *w)
{
	void *buf = blk_buf_alloc(512);

	(void)w;
	sync_result = blk_read(sync_disk.d.handle, 0, 1, buf);
	blk_buf_free(buf, 512);
}

static int t_blk_sync_inline_driver(void)
{
	static struct work w;
	struct wq *q;

	bt_setup();
	fake_init(&sync_disk, FAKE_INLINE);
	sync_disk.status = -EIO;
	CHECK_EQ(blk_disk_add(&sync_disk.d), 0);
	q = wq_create("reader", 1);
	CHECK(q != NULL);
	work_init(&w, sync_reader, "reader");
	wq_queue(q, &w);
	t_run_all();
	CHECK_EQ(sync_result, -EIO);
	return 0;
}

/* A host slower than the synchronous interval: blk_read keeps waiting (the
 * host may still write the buffer) and returns the driver's answer. */
static struct fake slow_disk;
static int slow_result = 1;
static bool slow_returned;

static void slow_reader(struct work *w)
{
	static uint8_t buf[512];

	(void)w;
	slow_result = blk_read(slow_disk.d.handle, 0, 1, buf);
	slow_returned = true;
}

static int t_blk_sync_waits_for_host(void)
{
	static struct work w;
	struct wq *q;

	bt_setup();
	slow_result = 1;
	slow_returned = false;
	fake_init(&slow_disk, FAKE_HOLD);
	CHECK_EQ(blk_disk_add(&slow_disk.d), 0);
	q = wq_create("reader", 1);
	CHECK(q != NULL);
	work_init(&w, slow_reader, "reader");
	wq_queue(q, &w);
	t_run_for(3 * BLK_SYNC_TIMEOUT_NS);     /* three intervals, no answer */
	CHECK(!slow_returned);
	CHECK_EQ(slow_disk.nheld, 1);
	blk_complete(slow_disk.held[0], 0);     /* the host answers at last */
	t_run_all();
	CHECK(slow_returned);
	CHECK_EQ(slow_result, 0);
	return 0;
}

const struct unit_test block_tests[] = {
	{ "blk_stale_handle", t_blk_stale_handle, QUICK },
	{ "blk_drain", t_blk_drain, QUICK },
	{ "blk_slots_freed", t_blk_slots_freed, QUICK },
	{ "blk_add_errors", t_blk_add_errors, QUICK },
	{ "blk_done_not_in_submit", t_blk_done_not_in_submit, QUICK },
	{ "blk_done_inline_outside_submit", t_blk_done_inline_outside_submit, QUICK },
	{ "blk_sync_inline_driver", t_blk_sync_inline_driver, QUICK },
	{ "blk_sync_waits_for_host", t_blk_sync_waits_for_host, QUICK },
	{ NULL, NULL, QUICK },
};
