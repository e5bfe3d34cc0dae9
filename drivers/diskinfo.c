/*
 * The disk report (drivers/diskinfo.h): partitions (drivers/gpt.c) and the
 * whole-disk SHA-256 (lib/sha256.c), run in the work item that added the
 * disk. The scratch pattern and UNMAP checks and strict mode (a failed
 * check panics) are test behaviour: compiled only with KEEL_TEST_HOOKS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/diskinfo.h"
#include "drivers/gpt.h"
#include "kernel/log.h"
#include "lib/sha256.h"

#define DISKINFO_CHUNK (256u * 1024u)

bool diskinfo_enabled = true;
bool diskinfo_hash;

#ifdef KEEL_TEST_HOOKS
/* ---- test checks (keelsim scenarios and the storage e2e test) ---- */

#define DISKINFO_PATTERN_TIMEOUT_NS (60ull * WQ_NS_PER_S)

bool diskinfo_strict;
uint64_t diskinfo_pattern_lba;
uint32_t diskinfo_pattern_count;
uint64_t diskinfo_unmap_lba;
uint32_t diskinfo_unmap_count;

static void test_knobs_reset(void)
{
	diskinfo_strict = false;
	diskinfo_pattern_lba = 0;
	diskinfo_pattern_count = 0;
	diskinfo_unmap_lba = 0;
	diskinfo_unmap_count = 0;
}

/* "LBA,COUNT" -> 0, or -1 when malformed. */
static int parse_range(const char *v, uint64_t *lba, uint32_t *count)
{
	char *end;
	unsigned long long l = strtoull(v, &end, 0);

	if (*end != ',')
		return -1;
	*lba = l;
	*count = (uint32_t)strtoul(end + 1, &end, 0);
	return *end ? -1 : 0;
}

static int test_switch(const char *name)
{
	if (!strcmp(name, "disk-strict")) {
		diskinfo_strict = true;
		return 0;
	}
	if (!strncmp(name, "disk-pattern=", 13))
		return parse_range(name + 13, &diskinfo_pattern_lba, &diskinfo_pattern_count);
	if (!strncmp(name, "disk-unmap=", 11))
		return parse_range(name + 11, &diskinfo_unmap_lba, &diskinfo_unmap_count);
	return -1;
}

/* disk-strict: a failed check stops the run (keelsim reports the panic). */
static void strict_fail(const char *name, const char *what, int err)
{
	if (diskinfo_strict)
		panic("diskinfo: %s: %s: %s", name, what, blk_strerror(err));
}

/* ---- the pattern test: a completion handler that waits (rule 5) ---- */

struct pattern_ctx {
	struct blk_req req;
	struct completion verified;
	struct blk_handle h;
	char name[BLK_NAME_LEN];
	uint8_t *buf, *back;
	size_t bytes;
	int err;
	const char *step;
};

static void pattern_fill(uint8_t *p, uint64_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = diskinfo_pattern_byte(off + i);
}

/* Runs where the driver finishes BLK_F_MAY_BLOCK requests: the device queue
 * by design, the channel callback with storvsc_inline_completions. It
 * waits for a read on the same channels. */
static void pattern_written(struct blk_req *r)
{
	struct pattern_ctx *x = wq_container_of(r, struct pattern_ctx, req);

	x->err = r->status;
	x->step = "write";
	pr_debug("diskinfo: %s: pattern written (%d), verifying on queue %s\n", x->name,
		 r->status, wq_current() ? wq_name(wq_current()) : "-");
	if (!x->err) {
		x->step = "read back";
		x->err = blk_read(x->h, r->lba, r->nblocks, x->back);
	}
	if (!x->err) {
		x->step = "compare";
		x->err = memcmp(x->buf, x->back, x->bytes) ? -EIO : 0;
	}
	complete_one(&x->verified);
}

static void report_pattern(struct blk_handle h, const struct blk_info *d)
{
	uint64_t lba = diskinfo_pattern_lba;
	uint32_t n = diskinfo_pattern_count;
	struct pattern_ctx *x;
	int err;

	if (lba >= d->nblocks || n > d->nblocks - lba) {
		pr_info("diskinfo: %s: pattern lba %llu count %u FAILED: outside the disk\n", d->name,
			(unsigned long long)lba, n);
		return;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return;
	x->h = h;
	memcpy(x->name, d->name, sizeof(x->name));
	x->bytes = (size_t)n * d->block_size;
	x->buf = blk_buf_alloc(x->bytes);
	x->back = blk_buf_alloc(x->bytes);
	completion_init(&x->verified, "diskinfo_pattern");
	err = -ENOMEM;
	x->step = "allocate";
	if (!x->buf || !x->back)
		goto out;
	pattern_fill(x->buf, lba * d->block_size, x->bytes);
	x->req.op = BLK_OP_WRITE;
	x->req.flags = BLK_F_MAY_BLOCK | BLK_F_FUA;
	x->req.lba = lba;
	x->req.nblocks = n;
	x->req.buf = x->buf;
	x->req.done = pattern_written;
	x->step = "submit";
	err = blk_submit(h, &x->req);
	if (err)
		goto out;
	/* Woken by pattern_written; the driver's watchdog and rescind path
	 * bound the write and the read it issues. */
	err = completion_wait(&x->verified, DISKINFO_PATTERN_TIMEOUT_NS);
	if (err) {
		pr_info("diskinfo: %s: pattern lba %llu count %u FAILED: no completion (%s)\n",
			d->name, (unsigned long long)lba, n, blk_strerror(err));
		strict_fail(d->name, "pattern test never completed", err);
		return;          /* x still belongs to the request */
	}
	err = x->err;
	if (!err) {
		x->step = "flush";
		err = blk_flush(h);
	}
out:
	if (err) {
		pr_info("diskinfo: %s: pattern lba %llu count %u FAILED: %s: %s\n", d->name,
			(unsigned long long)lba, n, x->step, blk_strerror(err));
		strict_fail(d->name, "pattern test failed", err);
	}
	else
		pr_info("diskinfo: %s: pattern lba %llu count %u ok\n", d->name,
			(unsigned long long)lba, n);
	blk_buf_free(x->buf, x->bytes);
	blk_buf_free(x->back, x->bytes);
	free(x);
}

/* UNMAP (only when the disk advertises it), then the range must read as
 * zeros (the simulated host sets LBPRZ). */
static void report_unmap(struct blk_handle h, const struct blk_info *d)
{
	uint64_t lba = diskinfo_unmap_lba;
	uint32_t n = diskinfo_unmap_count;
	size_t bytes = (size_t)n * d->block_size;
	uint8_t *back;
	int err;

	if (!d->can_unmap) {
		pr_info("diskinfo: %s: unmap not supported by the device\n", d->name);
		return;
	}
	back = blk_buf_alloc(bytes);
	err = back ? blk_unmap(h, lba, n) : -ENOMEM;
	if (!err) {
		memset(back, 0xEE, bytes);
		err = blk_read(h, lba, n, back);
		for (size_t i = 0; !err && i < bytes; i++)
			if (back[i])
				err = -EIO;
	}
	if (err) {
		pr_info("diskinfo: %s: unmap lba %llu count %u FAILED: %s\n", d->name,
			(unsigned long long)lba, n, blk_strerror(err));
		strict_fail(d->name, "unmap test failed", err);
	} else {
		pr_info("diskinfo: %s: unmap lba %llu count %u ok\n", d->name,
			(unsigned long long)lba, n);
	}
	blk_buf_free(back, bytes);
}

static void test_report(struct blk_handle h, const struct blk_info *d)
{
	if (diskinfo_pattern_count)
		report_pattern(h, d);
	if (diskinfo_unmap_count)
		report_unmap(h, d);
}
#else
static void test_knobs_reset(void) {}
static int test_switch(const char *name) { (void)name; return -1; }
static void strict_fail(const char *name, const char *what, int err)
{
	(void)name, (void)what, (void)err;
}
static void test_report(struct blk_handle h, const struct blk_info *d) { (void)h, (void)d; }
#endif

void diskinfo_knobs_reset(void)
{
	diskinfo_enabled = true;
	diskinfo_hash = false;
	test_knobs_reset();
}

int diskinfo_guest_switch(const char *name)
{
	if (!strcmp(name, "disk-hash")) {
		diskinfo_hash = true;
		return 0;
	}
	if (!strcmp(name, "disk-report=no")) {
		diskinfo_enabled = false;
		return 0;
	}
	return test_switch(name);
}

static void report_partitions(struct blk_handle h, const struct blk_info *d)
{
	struct gpt_info *g = malloc(sizeof(*g));
	char t[GPT_GUID_STR_LEN], u[GPT_GUID_STR_LEN];
	int err;

	if (!g)
		return;
	err = gpt_read(h, g);
	if (err) {
		pr_info("diskinfo: %s: no valid GPT: %s\n", d->name, gpt_strerror(err));
		free(g);
		return;
	}
	pr_info("diskinfo: %s: gpt disk-guid %s partitions %d first-usable %llu last-usable %llu%s\n",
		d->name, gpt_guid_format(g->hdr.disk_guid, t), g->nparts,
		(unsigned long long)g->hdr.first_usable, (unsigned long long)g->hdr.last_usable,
		g->from_backup ? " (from the backup header)" : "");
	for (int i = 0; i < g->nparts; i++) {
		const struct gpt_part *p = &g->parts[i];

		pr_info("diskinfo: %s: part %u start %llu end %llu type %s guid %s name \"%s\"\n",
			d->name, p->index, (unsigned long long)p->first_lba,
			(unsigned long long)p->last_lba, gpt_guid_format(p->type, t),
			gpt_guid_format(p->guid, u), p->name);
	}
	free(g);
}

static void report_hash(struct blk_handle h, const struct blk_info *d)
{
	uint32_t per = DISKINFO_CHUNK / d->block_size;
	uint8_t *buf = blk_buf_alloc(DISKINFO_CHUNK), digest[SHA256_DIGEST_LEN];
	char hex[SHA256_HEX_LEN];
	struct sha256_ctx c;
	int err = 0;

	if (!buf || per == 0) {
		pr_info("diskinfo: %s: sha256 FAILED: out of memory\n", d->name);
		blk_buf_free(buf, DISKINFO_CHUNK);
		return;
	}
	sha256_init(&c);
	for (uint64_t lba = 0; lba < d->nblocks; lba += per) {
		uint32_t n = d->nblocks - lba < per ? (uint32_t)(d->nblocks - lba) : per;

		err = blk_read(h, lba, n, buf);
		if (err)
			break;
		sha256_update(&c, buf, (size_t)n * d->block_size);
	}
	sha256_final(&c, digest);
	if (err) {
		pr_info("diskinfo: %s: sha256 FAILED: %s\n", d->name, blk_strerror(err));
		strict_fail(d->name, "reading the whole disk failed", err);
	}
	else
		pr_info("diskinfo: %s: sha256 %s bytes %llu\n", d->name, sha256_hex(digest, hex),
			(unsigned long long)(d->nblocks * d->block_size));
	blk_buf_free(buf, DISKINFO_CHUNK);
}

void diskinfo_report(struct blk_handle h)
{
	struct blk_info info, *d = &info;

	if (blk_disk_info(h, &info))
		return;                  /* gone before its report */
	pr_info("diskinfo: %s: %llu blocks of %u bytes, model \"%s\"\n", d->name,
		(unsigned long long)d->nblocks, d->block_size, d->model);
	if (diskinfo_enabled)
		report_partitions(h, d);
	if (diskinfo_hash)
		report_hash(h, d);
	test_report(h, d);
}

void diskinfo_attach(void)
{
	blk_set_add_hook(diskinfo_report);
}
