/*
 * Fuzz target "gpt": the GUID Partition Table reader (drivers/gpt.c) over
 * a disk image that is the input. A disk is hostile input: every header
 * and entry field must be checked against the disk size and the buffers.
 *
 * Input: one control byte, then the disk image (whole 512-byte blocks;
 * the tail is dropped). Control bits:
 *   bit 0  recompute the CRC32 of both headers (LBA 1 and the last LBA)
 *   bit 1  recompute the CRC32 of the entry array each header names
 *   bit 2  4096-byte blocks instead of 512
 * The fix-ups let mutations reach the field checks behind the CRCs (a
 * CRC only proves the writer was consistent, not that it was honest).
 * gpt_read runs over a fake block layer reading from an exact-size copy
 * of the image, so AddressSanitizer sees any read past it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/gpt.h"
#include "lib/crc32.h"

static const uint8_t *img;
static size_t img_len;
static uint32_t img_bs;
static const struct blk_handle disk = { 0, 1 };

/* ---- the block layer gpt.c links against: one disk, the image ---- */

int blk_disk_info(struct blk_handle h, struct blk_info *out)
{
	if (!blk_handle_eq(h, disk))
		return -ENODEV;
	memset(out, 0, sizeof(*out));
	out->block_size = img_bs;
	out->nblocks = img_len / img_bs;
	return 0;
}

int blk_read(struct blk_handle h, uint64_t lba, uint32_t n, void *buf)
{
	uint64_t nblocks = img_len / img_bs;

	if (!blk_handle_eq(h, disk))
		return -ENODEV;
	if (lba >= nblocks || n > nblocks - lba)
		return -EINVAL;
	memcpy(buf, img + lba * img_bs, (size_t)n * img_bs);
	return 0;
}

void *blk_buf_alloc(size_t bytes) { return malloc(bytes); }
void blk_buf_free(void *p, size_t bytes) { (void)bytes; free(p); }
const char *blk_strerror(int err) { return err ? "error" : "ok"; }

/* ---- CRC fix-ups ---- */

static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static void fix_header(uint8_t *disk, uint32_t bs, uint64_t nblocks, uint64_t lba,
		       unsigned ctl)
{
	uint8_t *h = disk + lba * bs;
	uint32_t hsize = get32(h + 12);
	uint64_t elba = get64(h + 72);
	uint64_t ebytes = (uint64_t)get32(h + 80) * get32(h + 84);

	if ((ctl & 2) && elba < nblocks && ebytes <= (nblocks - elba) * bs)
		put32(h + 88, crc32(disk + elba * bs, (size_t)ebytes));
	if ((ctl & 1) && hsize >= 20 && hsize <= 512) {
		put32(h + 16, 0);
		put32(h + 16, crc32(h, hsize));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct gpt_info info;
	uint64_t nblocks;
	uint32_t bs;
	uint8_t *copy;
	char g[GPT_GUID_STR_LEN];

	if (n < 1)
		return 0;
	bs = d[0] & 4 ? 4096 : 512;
	img_len = (n - 1) / bs * bs;
	if (img_len < 3u * bs)
		return 0;
	copy = malloc(img_len);
	if (!copy)
		abort();
	memcpy(copy, d + 1, img_len);
	nblocks = img_len / bs;
	fix_header(copy, bs, nblocks, 1, d[0]);
	fix_header(copy, bs, nblocks, nblocks - 1, d[0]);
	img = copy;
	img_bs = bs;
	if (gpt_read(disk, &info) == 0) {
		if (info.nparts < 0 || info.nparts > GPT_MAX_PARTS)
			abort();
		for (int i = 0; i < info.nparts; i++) {
			gpt_guid_format(info.parts[i].type, g);
			if (strlen(info.parts[i].name) >= GPT_NAME_LEN ||
			    info.parts[i].last_lba > info.hdr.last_usable)
				abort();
		}
	}
	(void)gpt_strerror(-EBADMSG);
	free(copy);
	return 0;
}
