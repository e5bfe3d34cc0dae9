/*
 * blkload: a guest-side block load generator for keelsim (TEST/BENCH ONLY).
 * It drives the guest block layer (drivers/block.h) from inside the
 * simulated guest, for the storage bench and for the storage fault
 * scenarios.
 *
 * Guest switches (scenario "guest-switch NAME"):
 *   blkload=MODE        randread | randwrite | seqread | verify | bench
 *   blkload-qd=N        requests in flight (1..64, default 8)
 *   blkload-ios=N       requests in total (default 200)
 *   blkload-bs=BYTES    bytes per request (default 4096; K and M suffixes)
 *   blkload-reoffer     verify: the disk is expected to go away and come
 *                       back (rescind + re-offer); check it there
 *
 * verify: request i writes a pattern unique to i at its own LBA range;
 * every request must finish (its waiter panics after 60 s of virtual time:
 * a lost request fails the run there); then
 * every write the guest saw succeed is read back - from the same disk, or
 * with blkload-reoffer from the disk that comes back - and must hold its
 * pattern: no acknowledged write may be lost, and a write that was in
 * flight when its channel was rescinded (never executed by the host) must
 * not have been reported as a success. A failure panics the guest, which
 * fails the keelsim run with the message.
 *
 * bench: prints rows "bench-storage NAME IOPS MB/s", best of three runs,
 * per second of process CPU time of the whole simulation (guest, host and
 * scheduler share the one thread). The single modes print one row of one
 * run (the callgrind measurement of tests/storage/bench.sh).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/block.h"
#include "drivers/shutdown.h"
#include "kernel/log.h"
#include "kernel/wq.h"
#include "sim/blkload.h"
#include "sim/sim.h"

#define BL_MAX_QD      64
#define BL_WAIT_NS     (60ull * WQ_NS_PER_S)
#define BL_POLL_NS     (100ull * WQ_NS_PER_US)
#define BL_POLL_MAX_NS (5ull * WQ_NS_PER_MS)
#define BL_VERIFY_BASE (1u << 20)          /* verify writes start at 1 MiB */

enum bl_mode { BL_NONE, BL_RANDREAD, BL_RANDWRITE, BL_SEQREAD, BL_VERIFY, BL_BENCH };

/* One bench case (bench mode runs them in order). */
struct bl_case {
	const char *name;
	enum bl_mode mode;
	uint32_t qd;
	uint32_t bytes;
	uint32_t ios;
};

static const struct bl_case bl_bench_cases[] = {
	{ "4K-randread-qd1",   BL_RANDREAD,  1,  4096,      20000 },
	{ "4K-randread-qd32",  BL_RANDREAD,  32, 4096,      40000 },
	{ "4K-randwrite-qd1",  BL_RANDWRITE, 1,  4096,      20000 },
	{ "4K-randwrite-qd32", BL_RANDWRITE, 32, 4096,      40000 },
	{ "1M-seqread-qd1",    BL_SEQREAD,   1,  1u << 20,  512 },
	{ "1M-seqread-qd4",    BL_SEQREAD,   4,  1u << 20,  1024 },
};

/* Configuration from the switches (kept across seeds, reset by fini). */
static struct {
	enum bl_mode mode;
	uint32_t qd, ios, bytes;
	bool reoffer;
} bl_cfg = { BL_NONE, 8, 200, 4096, false };

/* One seed's state (a named singleton of this test driver). */
static struct {
	struct wq *q;
	struct work run;
	struct blk_handle disk;      /* the disk the load ran on */
	struct blk_info info;        /* its size and name */
	struct blk_handle back;      /* the disk that came back (reoffer) */
	struct completion all_done;  /* every request finished */
	struct bl_case cur;
	struct blk_req req[BL_MAX_QD];
	void *buf[BL_MAX_QD];
	uint32_t bufsz;
	uint32_t next, done, ok, failed;
	uint8_t *status;             /* per request: 0 pending, 1 ok, 2 failed */
	uint64_t rng;
	uint64_t bytes_moved;
	uint64_t cpu_ns;             /* CPU time of the last case */
} BL;

/* Process CPU time: the simulation is one thread, and on a shared machine
 * wall time would mostly measure the neighbours. */
static uint64_t bl_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t bl_rand(void)
{
	uint64_t x = BL.rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return BL.rng = x;
}

/* The 8-byte words of request i's pattern. */
static uint64_t bl_word(uint32_t i, uint32_t k)
{
	return 0x4B45454C00000000ull ^ ((uint64_t)i << 20) ^ k ^ 0x5A5A;
}

static uint64_t bl_lba(const struct blk_info *d, uint32_t i)
{
	uint32_t per = BL.cur.bytes / d->block_size;
	uint64_t span = d->nblocks / per;

	switch (BL.cur.mode) {
	case BL_VERIFY:
		return BL_VERIFY_BASE / d->block_size + (uint64_t)i * per;
	case BL_SEQREAD:
		return (uint64_t)(i % span) * per;
	default:
		return (bl_rand() % span) * per;
	}
}

static void bl_finish(uint32_t i, int status)
{
	if (BL.status)
		BL.status[i] = status == 0 ? 1 : 2;
	if (status == 0) {
		BL.ok++;
		BL.bytes_moved += BL.cur.bytes;
	} else {
		BL.failed++;
	}
	BL.done++;
	if (BL.done == BL.cur.ios)
		complete_all(&BL.all_done);
}

static void bl_done(struct blk_req *r);

/* Start the next request in slot; one refused by the block layer (disk
 * gone) finishes at once with an error and the next one is tried. */
static void bl_submit(uint32_t slot)
{
	struct blk_req *r = &BL.req[slot];
	bool write = BL.cur.mode == BL_RANDWRITE || BL.cur.mode == BL_VERIFY;

	while (BL.next < BL.cur.ios) {
		uint32_t i = BL.next++;

		memset(r, 0, sizeof(*r));
		r->op = write ? BLK_OP_WRITE : BLK_OP_READ;
		r->nblocks = BL.cur.bytes / BL.info.block_size;
		r->lba = bl_lba(&BL.info, i);
		r->buf = BL.buf[slot];
		r->done = bl_done;
		r->arg = (void *)(uintptr_t)i;
		if (BL.cur.mode == BL_VERIFY) {
			uint64_t *w = BL.buf[slot];

			for (uint32_t k = 0; k < BL.cur.bytes / 8; k++)
				w[k] = bl_word(i, k);
		}
		if (blk_submit(BL.disk, r) == 0)
			return;
		bl_finish(i, -1);
	}
}

/* Completion path (vmbus_event or the device queue): never waits. */
static void bl_done(struct blk_req *r)
{
	bl_finish((uint32_t)(uintptr_t)r->arg, r->status);
	bl_submit((uint32_t)(r - BL.req));
}

/* Buffers are whole guest pages; freed when a case ends so the run's
 * memory invariant (docs/scenarios.md) holds. */
static void bl_bufs_free(void)
{
	for (int s = 0; s < BL_MAX_QD; s++) {
		blk_buf_free(BL.buf[s], BL.bufsz);
		BL.buf[s] = NULL;
	}
}

static int bl_run_case(const struct bl_case *c)
{
	uint64_t t0, t1;
	uint32_t qd = c->qd < c->ios ? c->qd : c->ios;
	int r;

	BL.cur = *c;
	BL.next = BL.done = BL.ok = BL.failed = 0;
	BL.bytes_moved = 0;
	BL.rng = 0x9E3779B97F4A7C15ull;
	if (c->bytes % BL.info.block_size ||
	    (uint64_t)c->bytes > BL.info.nblocks * BL.info.block_size) {
		pr_err("blkload: %u-byte requests do not fit %s", c->bytes, BL.info.name);
		return -1;
	}
	free(BL.status);
	BL.status = calloc(c->ios, 1);
	bl_bufs_free();
	BL.bufsz = c->bytes;
	for (uint32_t s = 0; s < qd; s++)
		if (!(BL.buf[s] = blk_buf_alloc(c->bytes)))
			panic("blkload: out of guest memory for %u x %u bytes", qd, c->bytes);
	completion_reinit(&BL.all_done);
	t0 = bl_cpu_ns();
	for (uint32_t s = 0; s < qd; s++)
		bl_submit(s);
	/* Completed by bl_done on the driver's completion path. */
	r = completion_wait(&BL.all_done, BL_WAIT_NS);
	t1 = bl_cpu_ns();
	if (r < 0)
		panic("blkload: %s: %u of %u requests never finished (%d)", c->name,
		      c->ios - BL.done, c->ios, r);
	BL.cpu_ns = t1 - t0;
	return 0;
}

/* A bench row: the best of `runs` runs of the case (CPU time). */
static int bl_bench_case(const struct bl_case *c, int runs)
{
	uint64_t best = 0;

	for (int k = 0; k < runs; k++) {
		if (bl_run_case(c) < 0)
			return -1;
		if (!best || BL.cpu_ns < best)
			best = BL.cpu_ns;
	}
	if (BL.failed || !best)
		panic("blkload: %s: %u requests failed", c->name, BL.failed);
	printf("bench-storage %-20s %9.0f IOPS %9.1f MB/s  (%u x %u B, best of %d, %.3f s cpu)\n",
	       c->name, (double)BL.ok * 1e9 / (double)best,
	       (double)BL.bytes_moved * 1e3 / (double)best, BL.ok, c->bytes, runs,
	       (double)best / 1e9);
	fflush(stdout);
	return 0;
}

/* Read back every acknowledged write of the verify run. */
static void bl_verify(struct blk_handle h)
{
	struct blk_info info, *d = &info;
	uint32_t per, checked = 0;
	uint64_t *w = BL.buf[0];

	if (blk_disk_info(h, &info))
		panic("blkload: the disk to verify went away");
	per = BL.cur.bytes / d->block_size;

	for (uint32_t i = 0; i < BL.cur.ios; i++) {
		int r;

		if (BL.status[i] != 1)
			continue;
		/* A read-back that fails (an injected fault) is retried: only
		 * data that reads back wrong is a lost write. */
		for (int t = 0; t < 3; t++) {
			r = blk_read(h, BL_VERIFY_BASE / d->block_size + (uint64_t)i * per, per, w);
			if (r == 0)
				break;
		}
		if (r < 0 && shutdown_in_progress()) {
			/* the disk is closing for power-off: blkload_power_off
			 * checks the host's store instead */
			pr_info("blkload: shutdown: read-back left to the power-off check");
			return;
		}
		if (r < 0)
			panic("blkload: read-back of write %u on %s failed: %d", i, d->name, r);
		for (uint32_t k = 0; k < BL.cur.bytes / 8; k++)
			if (w[k] != bl_word(i, k))
				panic("blkload: acknowledged write %u lost on %s (word %u: %016llx)",
				      i, d->name, k, (unsigned long long)w[k]);
		checked++;
	}
	pr_info("blkload: verified %u acknowledged writes on %s; %u failed with an error",
		checked, d->name, BL.failed);
}

static void bl_work_run(void);
static struct blk_handle bl_wait_disk(struct blk_handle not);

static void bl_work(struct work *w)
{
	(void)w;
	bl_work_run();
	bl_bufs_free();
}

static void bl_work_run(void)
{
	struct bl_case one = {
		"custom", bl_cfg.mode, bl_cfg.qd, bl_cfg.bytes, bl_cfg.ios,
	};

	/* Completed by the driver's disk registration (polled, see above). */
	BL.disk = bl_wait_disk(BLK_HANDLE_NONE);
	if (blk_disk_info(BL.disk, &BL.info))
		panic("blkload: no disk appeared");

	switch (bl_cfg.mode) {
	case BL_BENCH:
		for (size_t i = 0; i < sizeof(bl_bench_cases) / sizeof(bl_bench_cases[0]); i++)
			if (bl_bench_case(&bl_bench_cases[i], 3) < 0)
				return;
		return;
	case BL_VERIFY:
		if (bl_run_case(&one) < 0)
			return;
		if (!bl_cfg.reoffer) {
			if (blk_disk_info(BL.disk, &BL.info))
				pr_info("blkload: %s is gone; %u ok, %u failed, not verified",
					BL.info.name, BL.ok, BL.failed);
			else
				bl_verify(BL.disk);
			return;
		}
		/* The scenario takes the disk away and brings it back: the
		 * requests may all have failed before the driver marks the old
		 * disk gone, so wait for the one that comes back. */
		BL.back = bl_wait_disk(BL.disk);
		if (blk_handle_eq(BL.back, BLK_HANDLE_NONE))
			panic("blkload: the disk did not come back");
		bl_verify(BL.back);
		return;
	default:
		bl_bench_case(&one, 1);     /* one run: callgrind counts it */
		return;
	}
}

/* Wait (polling the registry on virtual time) for a live disk other than
 * `not`: the block layer's single add hook belongs to diskinfo. A disk
 * that comes back has a new handle (drivers/block.h). */
static struct blk_handle bl_wait_disk(struct blk_handle not)
{
	uint64_t step = BL_POLL_NS;

	for (uint64_t t = 0; t < BL_WAIT_NS; t += step) {
		struct blk_handle live[BLK_MAX_DISKS];
		int n = blk_disk_list(live, BLK_MAX_DISKS);

		for (int i = 0; i < n && i < BLK_MAX_DISKS; i++)
			if (!blk_handle_eq(live[i], not))
				return live[i];
		wq_sleep(step);
		if (step < BL_POLL_MAX_NS)
			step *= 2;          /* few scheduler steps while nothing happens */
	}
	return BLK_HANDLE_NONE;
}

/* ---- keelsim plumbing (sim/blkload.h) ---- */

static int bl_parse_size(const char *v, uint32_t *out)
{
	char *end;
	unsigned long n = strtoul(v, &end, 0);

	if (*end == 'K')
		n <<= 10, end++;
	else if (*end == 'M')
		n <<= 20, end++;
	if (*end || n == 0 || n > (16ul << 20))
		return -1;
	*out = (uint32_t)n;
	return 0;
}

int blkload_switch(const char *name)
{
	static const struct { const char *name; enum bl_mode mode; } modes[] = {
		{ "randread", BL_RANDREAD }, { "randwrite", BL_RANDWRITE },
		{ "seqread", BL_SEQREAD }, { "verify", BL_VERIFY }, { "bench", BL_BENCH },
	};

	if (!strncmp(name, "blkload=", 8)) {
		for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
			if (!strcmp(name + 8, modes[i].name)) {
				bl_cfg.mode = modes[i].mode;
				return 0;
			}
		return -1;
	}
	if (!strncmp(name, "blkload-qd=", 11))
		return bl_parse_size(name + 11, &bl_cfg.qd) < 0 || bl_cfg.qd > BL_MAX_QD ? -1 : 0;
	if (!strncmp(name, "blkload-ios=", 12))
		return bl_parse_size(name + 12, &bl_cfg.ios);
	if (!strncmp(name, "blkload-bs=", 11))
		return bl_parse_size(name + 11, &bl_cfg.bytes);
	if (!strcmp(name, "blkload-reoffer")) {
		bl_cfg.reoffer = true;
		return 0;
	}
	return -1;
}

void blkload_start(void)
{
	if (bl_cfg.mode == BL_NONE)
		return;
	memset(&BL, 0, sizeof(BL));
	BL.q = wq_create("blkload", 1);
	completion_init(&BL.all_done, "blkload-all-done");
	work_init(&BL.run, bl_work, "blkload");
	wq_queue(BL.q, &BL.run);
}

/* Acknowledged writes of the verify run in the nth storage device's store;
 * -1 when there is no such device. */
static int bl_on_store(int nth, uint64_t *w, uint32_t *bad)
{
	int found = 0;

	for (uint32_t i = 0; i < BL.cur.ios; i++) {
		if (BL.status[i] != 1)
			continue;
		if (sim_storage_read(nth, BL_VERIFY_BASE + (uint64_t)i * BL.cur.bytes, w,
				     BL.cur.bytes) < 0)
			return -1;
		for (uint32_t k = 0; k < BL.cur.bytes / 8; k++)
			if (w[k] != bl_word(i, k)) {
				*bad = i;
				return found;
			}
		found++;
	}
	return found;
}

/*
 * The guest powers off (keelsim's platform power-off): every write the
 * generator saw succeed must be in the host's store of the disk it ran on
 * (one of the run's storage devices: the guest's disk names do not follow
 * the scenario's order), whatever was still in flight.
 */
void blkload_power_off(void)
{
	uint32_t acked = 0, bad = 0;
	int best = -1;
	uint64_t *w;

	if (bl_cfg.mode != BL_VERIFY || !BL.status || !BL.cur.bytes)
		return;
	for (uint32_t i = 0; i < BL.cur.ios; i++)
		acked += BL.status[i] == 1;
	w = malloc(BL.cur.bytes);
	if (!w)
		panic("blkload: out of memory for the power-off check");
	for (int nth = 0; best < (int)acked; nth++) {
		uint32_t first_bad = 0;
		int n = bl_on_store(nth, w, &first_bad);

		if (n < 0)
			break;
		if (n > best) {
			best = n;
			bad = first_bad;
		}
	}
	free(w);
	if (best < (int)acked)
		panic("blkload: power-off: acknowledged write %u is not on the disk "
		      "(%d of %u in order on the best one)", bad, best, acked);
	pr_info("blkload: power-off: %u acknowledged writes on the disk, %u in flight or "
		"failed", acked, BL.cur.ios - acked);
}

void blkload_fini(void)
{
	bl_bufs_free();
	free(BL.status);
	memset(&BL, 0, sizeof(BL));
	bl_cfg.mode = BL_NONE;
	bl_cfg.qd = 8;
	bl_cfg.ios = 200;
	bl_cfg.bytes = 4096;
	bl_cfg.reoffer = false;
}
