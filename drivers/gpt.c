/*
 * GUID Partition Table parsing (drivers/gpt.h), following the UEFI
 * specification §5.3.2 (header: signature "EFI PART", HeaderSize,
 * HeaderCRC32 computed with the field zeroed, MyLBA, AlternateLBA,
 * First/LastUsableLBA, PartitionEntryLBA, NumberOfPartitionEntries,
 * SizeOfPartitionEntry, PartitionEntryArrayCRC32) and §5.3.3 (entries:
 * type GUID, unique GUID, StartingLBA, EndingLBA, Attributes, 36 UTF-16LE
 * name units). All fields are little-endian.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/gpt.h"
#include "lib/crc32.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

int gpt_parse_header(const uint8_t *sector, uint32_t bs, uint64_t lba, uint64_t nblocks,
		     struct gpt_header *out)
{
	uint8_t copy[512];
	uint32_t hsize, crc;
	uint64_t entry_bytes, entry_blocks;

	memset(out, 0, sizeof(*out));
	if (!sector || bs < 512 || nblocks < 3)
		return -ENOENT;
	if (memcmp(sector, "EFI PART", 8))
		return -ENOENT;
	hsize = le32(sector + 12);
	if (hsize < GPT_HEADER_MIN || hsize > bs || hsize > sizeof(copy))
		return -EBADMSG;
	/* Revision 1.0 (0x00010000); newer minor revisions are compatible. */
	if ((le32(sector + 8) >> 16) != 1)
		return -EBADMSG;
	memcpy(copy, sector, hsize);
	memset(copy + 16, 0, 4);
	crc = le32(sector + 16);
	if (crc32(copy, hsize) != crc)
		return -EBADMSG;
	out->my_lba = le64(sector + 24);
	out->alternate_lba = le64(sector + 32);
	out->first_usable = le64(sector + 40);
	out->last_usable = le64(sector + 48);
	memcpy(out->disk_guid, sector + 56, 16);
	out->entries_lba = le64(sector + 72);
	out->num_entries = le32(sector + 80);
	out->entry_size = le32(sector + 84);
	out->entries_crc = le32(sector + 88);
	/* Field checks: a CRC only proves the writer was consistent. */
	if (out->my_lba != lba || out->alternate_lba >= nblocks)
		return -EBADMSG;
	if (out->first_usable > out->last_usable || out->last_usable >= nblocks)
		return -EBADMSG;
	if (out->entry_size < 128 || (out->entry_size & (out->entry_size - 1)) ||
	    out->entry_size > 4096)
		return -EBADMSG;
	if (out->num_entries == 0 || out->num_entries > GPT_MAX_ENTRIES)
		return -EBADMSG;
	entry_bytes = (uint64_t)out->num_entries * out->entry_size;
	entry_blocks = (entry_bytes + bs - 1) / bs;
	if (out->entries_lba < 2 || out->entries_lba >= nblocks ||
	    entry_blocks > nblocks - out->entries_lba)
		return -EBADMSG;
	/* The array must not overlap the usable area or the header. */
	if (out->entries_lba <= lba && lba < out->entries_lba + entry_blocks)
		return -EBADMSG;
	if (out->entries_lba <= out->last_usable &&
	    out->first_usable < out->entries_lba + entry_blocks)
		return -EBADMSG;
	return 0;
}

/* UTF-16LE -> ASCII: stops at NUL; non-ASCII code units become '?'. */
static void name_to_ascii(const uint8_t *u16, char *out)
{
	int k = 0;

	for (int i = 0; i < 36; i++) {
		uint16_t c = (uint16_t)(u16[2 * i] | u16[2 * i + 1] << 8);

		if (c == 0)
			break;
		out[k++] = (c >= 0x20 && c < 0x7F) ? (char)c : '?';
	}
	out[k] = '\0';
}

static bool guid_zero(const uint8_t *g)
{
	for (int i = 0; i < 16; i++)
		if (g[i])
			return false;
	return true;
}

int gpt_parse_entries(const uint8_t *buf, size_t len, const struct gpt_header *hdr,
		      struct gpt_info *out)
{
	size_t need = (size_t)hdr->num_entries * hdr->entry_size;

	out->nparts = 0;
	if (!buf || len < need || crc32(buf, need) != hdr->entries_crc)
		return -EBADMSG;
	for (uint32_t i = 0; i < hdr->num_entries; i++) {
		const uint8_t *e = buf + (size_t)i * hdr->entry_size;
		struct gpt_part *p;

		if (guid_zero(e))
			continue;               /* unused entry */
		if (out->nparts >= GPT_MAX_PARTS)
			return -EBADMSG;
		p = &out->parts[out->nparts];
		memcpy(p->type, e, 16);
		memcpy(p->guid, e + 16, 16);
		p->first_lba = le64(e + 32);
		p->last_lba = le64(e + 40);
		p->attrs = le64(e + 48);
		name_to_ascii(e + 56, p->name);
		p->index = i + 1;
		if (p->first_lba > p->last_lba || p->first_lba < hdr->first_usable ||
		    p->last_lba > hdr->last_usable)
			return -EBADMSG;
		out->nparts++;
	}
	return 0;
}

static int gpt_try(struct blk_handle disk, const struct blk_info *info, uint64_t lba,
		   uint8_t *sector, struct gpt_info *out)
{
	struct gpt_header *h = &out->hdr;
	uint32_t bs = info->block_size;
	size_t bytes;
	uint8_t *arr;
	int err;

	err = blk_read(disk, lba, 1, sector);
	if (err)
		return err;
	err = gpt_parse_header(sector, bs, lba, info->nblocks, h);
	if (err)
		return err;
	bytes = (size_t)h->num_entries * h->entry_size;
	bytes = (bytes + bs - 1) / bs * bs;
	arr = blk_buf_alloc(bytes);
	if (!arr)
		return -ENOMEM;
	err = blk_read(disk, h->entries_lba, (uint32_t)(bytes / bs), arr);
	if (!err)
		err = gpt_parse_entries(arr, bytes, h, out);
	blk_buf_free(arr, bytes);
	return err;
}

int gpt_read(struct blk_handle disk, struct gpt_info *out)
{
	struct blk_info info;
	uint8_t *sector;
	int err, err2;

	memset(out, 0, sizeof(*out));
	err = blk_disk_info(disk, &info);
	if (err)
		return err;
	if (info.nblocks < 3)
		return -ENOENT;
	sector = blk_buf_alloc(info.block_size);
	if (!sector)
		return -ENOMEM;
	err = gpt_try(disk, &info, 1, sector, out);
	if (err == -ENOENT || err == -EBADMSG) {
		/* The backup header lives in the last LBA (§5.3.2). */
		err2 = gpt_try(disk, &info, info.nblocks - 1, sector, out);
		if (!err2)
			out->from_backup = true;
		else if (err == -ENOENT && err2 == -EBADMSG)
			err = -EBADMSG;
		if (!err2)
			err = 0;
	}
	blk_buf_free(sector, info.block_size);
	return err;
}

char *gpt_guid_format(const uint8_t g[16], char out[GPT_GUID_STR_LEN])
{
	static const char hex[] = "0123456789ABCDEF";
	/* Byte order of the text form: data1..3 little-endian, data4 as is. */
	static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	int k = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[g[order[i]] >> 4];
		out[k++] = hex[g[order[i]] & 15];
	}
	out[k] = '\0';
	return out;
}

const char *gpt_strerror(int err)
{
	switch (err) {
	case 0: return "ok";
	case -ENOENT: return "no GPT on this disk (no \"EFI PART\" header at LBA 1 or the last LBA)";
	case -EBADMSG: return "GPT is corrupt (header or partition array CRC/field check failed)";
	default: return blk_strerror(err);
	}
}
