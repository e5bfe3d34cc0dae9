/*
 * Unit tests of the GPT parser (drivers/gpt.c) over an in-memory disk: a
 * valid table, the backup header when the primary is damaged, the clear
 * errors for "no GPT" and "corrupt", hostile fields behind a correct CRC
 * (the CRC only proves consistency), UTF-16 names, and a fuzz loop over
 * random header and entry bytes (docs/style.md §15).
 *
 * The block layer is replaced by the fake disk below (blk_read etc.), so
 * gpt_read is tested as the disk report uses it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"

#include "drivers/gpt.c"
#include "lib/crc32.h"
#include "kernel/platform.h"

#define FD_BLOCKS 128
#define FD_BS     512
static uint8_t fd_img[FD_BLOCKS * FD_BS];
static const struct blk_handle fd_disk = { 0, 1 };
static int fd_reads;

/* ---- the fake block layer gpt.c links against: one disk, fd_disk ---- */
int blk_disk_info(struct blk_handle h, struct blk_info *out)
{
	if (!blk_handle_eq(h, fd_disk))
		return -ENODEV;
	memset(out, 0, sizeof(*out));
	strcpy(out->name, "sdT");
	out->block_size = FD_BS;
	out->nblocks = FD_BLOCKS;
	return 0;
}

int blk_read(struct blk_handle h, uint64_t lba, uint32_t n, void *buf)
{
	fd_reads++;
	if (!blk_handle_eq(h, fd_disk))
		return -ENODEV;
	if (lba >= FD_BLOCKS || n > FD_BLOCKS - lba)
		return -EINVAL;
	memcpy(buf, fd_img + lba * FD_BS, (size_t)n * FD_BS);
	return 0;
}
/* Guest pages, as the real one (storvsc_io_test.c's scan test sends them
 * by GPA to its fake host). */
void *blk_buf_alloc(size_t bytes) { return plat_page_alloc((bytes + 4095) / 4096); }
void blk_buf_free(void *p, size_t bytes)
{
	if (p)
		plat_page_free(p, (bytes + 4095) / 4096);
}
const char *blk_strerror(int err) { return err ? "error" : "ok"; }

static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> 8 * i); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

/* C12A7328-F81F-11D2-BA4B-00A0C93EC93B (EFI system) in on-disk order. */
static const uint8_t type_esp[16] = { 0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11,
				      0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B };
/* 0FC63DAF-8483-4772-8E79-3D69D8477DE4 (Linux filesystem data). */
static const uint8_t type_linux[16] = { 0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47,
					0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4 };

static void set_name(uint8_t *e, const char *s)
{
	for (int i = 0; s[i] && i < 36; i++)
		e[56 + 2 * i] = (uint8_t)s[i];
}

static void write_header(uint64_t my, uint64_t alt, uint64_t entries, uint32_t arr_crc)
{
	uint8_t *h = fd_img + my * FD_BS;

	memset(h, 0, FD_BS);
	memcpy(h, "EFI PART", 8);
	put32(h + 8, 0x00010000);
	put32(h + 12, 92);
	put64(h + 24, my);
	put64(h + 32, alt);
	put64(h + 40, 34);
	put64(h + 48, FD_BLOCKS - 34);
	memset(h + 56, 0x11, 16);
	put64(h + 72, entries);
	put32(h + 80, 128);
	put32(h + 84, 128);
	put32(h + 88, arr_crc);
	put32(h + 16, crc32(h, 92));
}

static void rehash(uint64_t lba)
{
	uint8_t *h = fd_img + lba * FD_BS;

	put32(h + 16, 0);
	put32(h + 16, crc32(h, 92));
}

/* A good table: entries at 2..33 and (backup) 95..126, headers at 1, 127. */
static void make_disk(void)
{
	uint8_t *arr = fd_img + 2 * FD_BS;
	uint32_t crc;

	memset(fd_img, 0, sizeof(fd_img));
	memcpy(arr, type_esp, 16);
	memset(arr + 16, 0xA1, 16);
	put64(arr + 32, 40);
	put64(arr + 40, 59);
	set_name(arr, "EFI system partition");
	memcpy(arr + 2 * 128, type_linux, 16);        /* entry 3: a gap at 2 */
	memset(arr + 2 * 128 + 16, 0xB2, 16);
	put64(arr + 2 * 128 + 32, 60);
	put64(arr + 2 * 128 + 40, 94);
	set_name(arr + 2 * 128, "data");
	arr[2 * 128 + 56 + 8] = 0xFC;                  /* a non-ASCII unit: U+00FC */
	arr[2 * 128 + 56 + 9] = 0x00;
	crc = crc32(arr, 128 * 128);
	memcpy(fd_img + 95 * FD_BS, arr, 128 * 128);
	write_header(1, FD_BLOCKS - 1, 2, crc);
	write_header(FD_BLOCKS - 1, 1, 95, crc);
}

static struct gpt_info gi;

static int t_gpt_valid(void)
{
	char g[GPT_GUID_STR_LEN];

	make_disk();
	CHECK_EQ(gpt_read(fd_disk, &gi), 0);
	CHECK(!gi.from_backup);
	CHECK_EQ(gi.nparts, 2);
	CHECK_EQ(gi.parts[0].index, 1);
	CHECK_EQ(gi.parts[0].first_lba, 40);
	CHECK_EQ(gi.parts[0].last_lba, 59);
	CHECK(!strcmp(gi.parts[0].name, "EFI system partition"));
	CHECK(!strcmp(gpt_guid_format(gi.parts[0].type, g), "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"));
	CHECK_EQ(gi.parts[1].index, 3);
	CHECK(!strcmp(gi.parts[1].name, "data?"));
	CHECK(!strcmp(gpt_guid_format(gi.parts[1].type, g), "0FC63DAF-8483-4772-8E79-3D69D8477DE4"));
	return 0;
}

static int t_gpt_backup_used(void)
{
	make_disk();
	fd_img[1 * FD_BS + 60] ^= 1;                   /* primary header CRC now wrong */
	CHECK_EQ(gpt_read(fd_disk, &gi), 0);
	CHECK(gi.from_backup);
	CHECK_EQ(gi.nparts, 2);
	make_disk();
	fd_img[2 * FD_BS + 40] ^= 1;                   /* primary array CRC wrong */
	CHECK_EQ(gpt_read(fd_disk, &gi), 0);
	CHECK(gi.from_backup);
	return 0;
}

static int t_gpt_errors(void)
{
	memset(fd_img, 0, sizeof(fd_img));
	CHECK_EQ(gpt_read(fd_disk, &gi), -ENOENT);     /* no GPT at all */
	CHECK(strstr(gpt_strerror(-ENOENT), "no GPT"));
	make_disk();
	fd_img[1 * FD_BS + 60] ^= 1;
	fd_img[(FD_BLOCKS - 1) * FD_BS + 60] ^= 1;
	CHECK_EQ(gpt_read(fd_disk, &gi), -EBADMSG);    /* both headers bad */
	CHECK(strstr(gpt_strerror(-EBADMSG), "corrupt"));
	return 0;
}

/* Correct CRCs around wrong fields: each must still be refused. */
static int t_gpt_hostile_fields(void)
{
	static const struct { int off; uint64_t val; int size; } bad[] = {
		{ 12, 8, 4 },                 /* header size < 92 */
		{ 12, 4096, 4 },              /* header size > block */
		{ 24, 5, 8 },                 /* my_lba is not where we read it */
		{ 32, FD_BLOCKS, 8 },         /* alternate beyond the disk */
		{ 48, FD_BLOCKS, 8 },         /* last usable beyond the disk */
		{ 40, 100, 8 },               /* first usable > last usable */
		{ 72, FD_BLOCKS - 2, 8 },     /* entries run off the disk */
		{ 72, 1, 8 },                 /* entries over the header */
		{ 72, 40, 8 },                /* entries inside the usable area */
		{ 80, 0, 4 },                 /* no entries */
		{ 80, 1u << 20, 4 },          /* too many entries */
		{ 84, 100, 4 },               /* entry size not a power of two */
		{ 84, 64, 4 },                /* entry size < 128 */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct gpt_header h;
		uint8_t *p;

		make_disk();
		p = fd_img + FD_BS + bad[i].off;
		if (bad[i].size == 4)
			put32(p, (uint32_t)bad[i].val);
		else
			put64(p, bad[i].val);
		rehash(1);
		if (gpt_parse_header(fd_img + FD_BS, FD_BS, 1, FD_BLOCKS, &h) != -EBADMSG) {
			fprintf(stderr, "  field at %d = %llu accepted\n", bad[i].off,
				(unsigned long long)bad[i].val);
			return 1;
		}
	}
	/* A partition outside the usable area, array CRC recomputed. */
	make_disk();
	put64(fd_img + 2 * FD_BS + 40, FD_BLOCKS - 2);
	{
		struct gpt_header h;

		CHECK_EQ(gpt_parse_header(fd_img + FD_BS, FD_BS, 1, FD_BLOCKS, &h), 0);
		h.entries_crc = crc32(fd_img + 2 * FD_BS, 128 * 128);
		CHECK_EQ(gpt_parse_entries(fd_img + 2 * FD_BS, 128 * 128, &h, &gi), -EBADMSG);
		/* first > last */
		make_disk();
		put64(fd_img + 2 * FD_BS + 32, 59);
		put64(fd_img + 2 * FD_BS + 40, 40);
		h.entries_crc = crc32(fd_img + 2 * FD_BS, 128 * 128);
		CHECK_EQ(gpt_parse_entries(fd_img + 2 * FD_BS, 128 * 128, &h, &gi), -EBADMSG);
		/* a buffer shorter than the array */
		CHECK_EQ(gpt_parse_entries(fd_img + 2 * FD_BS, 100, &h, &gi), -EBADMSG);
	}
	return 0;
}

/* Random bytes in the header (CRC fixed up half the time) and in the
 * entries: never a crash (ASan), and accepted tables are self-consistent. */
static int t_gpt_fuzz(void)
{
	uint64_t x = 0x9E3779B97F4A7C15ull;

	for (int round = 0; round < 3000; round++) {
		int n = 1 + (int)(x % 6);

		make_disk();
		for (int k = 0; k < n; k++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			if (x & 1)
				fd_img[FD_BS + (x >> 8) % 92] = (uint8_t)(x >> 32);
			else
				fd_img[2 * FD_BS + (x >> 8) % (128 * 128)] = (uint8_t)(x >> 32);
		}
		if (x & 2)
			rehash(1);
		if (gpt_read(fd_disk, &gi) == 0) {
			for (int i = 0; i < gi.nparts; i++) {
				CHECK(gi.parts[i].first_lba <= gi.parts[i].last_lba);
				CHECK(gi.parts[i].last_lba < FD_BLOCKS);
				CHECK(strlen(gi.parts[i].name) < GPT_NAME_LEN);
			}
		}
	}
	return 0;
}

const struct unit_test gpt_tests[] = {
	{ "gpt_valid", t_gpt_valid, QUICK },
	{ "gpt_backup_used", t_gpt_backup_used, QUICK },
	{ "gpt_errors", t_gpt_errors, QUICK },
	{ "gpt_hostile_fields", t_gpt_hostile_fields, QUICK },
	{ "gpt_fuzz", t_gpt_fuzz, QUICK },
	{ NULL, NULL, QUICK },
};
