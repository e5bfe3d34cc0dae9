/*
 * GUID Partition Table parsing (UEFI spec 2.x §5.3): the header at LBA 1
 * (the backup header at the last LBA when the primary is bad), CRC32 checks
 * of the header and of the partition entry array, and the list of used
 * entries with their type GUIDs and names (UTF-16LE shown as ASCII).
 *
 * The parsers take bytes (a disk is hostile input: every field is checked
 * against the disk size and the buffer); gpt_read drives them over a block
 * device with synchronous reads (work items only).
 */
#ifndef KEEL_DRIVERS_GPT_H
#define KEEL_DRIVERS_GPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/block.h"

#define GPT_MAX_PARTS      128     /* entries kept (used ones) */
#define GPT_MAX_ENTRIES    1024    /* entries in the array we accept */
#define GPT_NAME_LEN       37      /* 36 UTF-16 code units -> ASCII + NUL */
#define GPT_GUID_STR_LEN   37
#define GPT_HEADER_MIN     92

struct gpt_header {
	uint64_t my_lba, alternate_lba;
	uint64_t first_usable, last_usable;
	uint8_t disk_guid[16];
	uint64_t entries_lba;
	uint32_t num_entries, entry_size, entries_crc;
};

struct gpt_part {
	uint32_t index;                 /* 1-based entry number, as sgdisk prints */
	uint8_t type[16], guid[16];
	uint64_t first_lba, last_lba;   /* inclusive */
	uint64_t attrs;
	char name[GPT_NAME_LEN];
};

struct gpt_info {
	struct gpt_header hdr;
	bool from_backup;               /* primary header was bad */
	int nparts;
	struct gpt_part parts[GPT_MAX_PARTS];
};

/* Validate a header sector (bs bytes) read from lba on a disk of nblocks.
 * 0, -ENOENT (no signature), -EBADMSG (CRC or field check failed). */
int gpt_parse_header(const uint8_t *sector, uint32_t bs, uint64_t lba, uint64_t nblocks,
		     struct gpt_header *out);
/* Check the entry array CRC and collect used entries. buf holds
 * hdr->num_entries * hdr->entry_size bytes (len). 0 or -EBADMSG. */
int gpt_parse_entries(const uint8_t *buf, size_t len, const struct gpt_header *hdr,
		      struct gpt_info *out);
/* Read and parse the GPT of disk h. 0, -ENOENT (no GPT), -EBADMSG
 * (corrupt), or an I/O error (-ENODEV: h names no disk). */
int gpt_read(struct blk_handle h, struct gpt_info *out);
/* Uppercase text form, as sgdisk prints it. */
char *gpt_guid_format(const uint8_t g[16], char out[GPT_GUID_STR_LEN]);
const char *gpt_strerror(int err);

#endif
