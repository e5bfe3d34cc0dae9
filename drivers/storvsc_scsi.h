/*
 * SCSI helpers of the storvsc driver (drivers/storvsc_scsi.c): pure code
 * with no device state, so unit tests can feed it hostile bytes.
 *  - CDB builders (docs/protocols/storage.md §8);
 *  - completion decoding: SRB status (§5.4) + SCSI status + fixed-format
 *    sense (§7) into a negative errno and a clear text;
 *  - parsers of host-written data: standard INQUIRY, VPD pages, READ
 *    CAPACITY(10)/(16), REPORT LUNS (§14 item 10: bounded, validated).
 */
#ifndef KEEL_DRIVERS_STORVSC_SCSI_H
#define KEEL_DRIVERS_STORVSC_SCSI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- CDBs: each fills cdb[16] and returns its length ---- */
uint8_t scsi_cdb_test_unit_ready(uint8_t cdb[16]);
uint8_t scsi_cdb_inquiry(uint8_t cdb[16], bool evpd, uint8_t page, uint16_t alloc);
uint8_t scsi_cdb_read_capacity10(uint8_t cdb[16]);
uint8_t scsi_cdb_read_capacity16(uint8_t cdb[16], uint32_t alloc);
uint8_t scsi_cdb_report_luns(uint8_t cdb[16], uint32_t alloc);
/* READ/WRITE: (10) when lba and count fit, else (16). */
uint8_t scsi_cdb_rw(uint8_t cdb[16], bool write, uint64_t lba, uint32_t count, bool fua,
		    bool force16);
uint8_t scsi_cdb_sync_cache(uint8_t cdb[16], bool use16);
uint8_t scsi_cdb_unmap(uint8_t cdb[16], uint16_t param_len);
/* UNMAP parameter list with one descriptor; returns its length (24). */
uint32_t scsi_unmap_params(uint8_t *buf, uint64_t lba, uint32_t count);

/* ---- decoding a completion ---- */
struct scsi_sense {
	bool valid;
	uint8_t key, asc, ascq;
};
/* Fixed (0x70/0x71) or descriptor (0x72/0x73) format; len is trusted
 * only up to the buffer. */
struct scsi_sense scsi_sense_parse(const uint8_t *s, uint32_t len);
const char *scsi_sense_key_name(uint8_t key);
const char *scsi_asc_text(uint8_t asc, uint8_t ascq);
const char *storvsc_srb_status_name(uint8_t srb_status);
/*
 * The verdict on a completed SRB: 0 on SRB SUCCESS with GOOD status, else a
 * negative errno: -EIO (medium/hardware/other), -ENODEV (INVALID_LUN, NO
 * DEVICE, selection timeout...), -EINVAL (illegal request), -EROFS (data
 * protect), -EAGAIN (unit attention, busy), -ETIMEDOUT, -ENOSPC, -EOVERFLOW
 * (data overrun). text (if not NULL) gets a one-line explanation.
 */
int storvsc_decode_result(uint8_t srb_status, uint8_t scsi_status, const uint8_t *sense,
			  uint32_t sense_len, char *text, size_t text_len);
bool scsi_sense_is_capacity_changed(const struct scsi_sense *s);

/* ---- parsers of host-written data; -EINVAL when malformed ---- */
struct scsi_inquiry {
	uint8_t qualifier, type;
	bool removable;
	char vendor[9], product[17], revision[5];   /* printable ASCII, trimmed */
};
int scsi_parse_inquiry(const uint8_t *b, uint32_t len, struct scsi_inquiry *out);
/* VPD 0x00: pages listed; *n set (up to max). */
int scsi_parse_vpd_pages(const uint8_t *b, uint32_t len, uint8_t *pages, int max, int *n);
bool scsi_vpd_has(const uint8_t *pages, int n, uint8_t page);
/* VPD 0x80: serial number, printable, trimmed. */
int scsi_parse_vpd_serial(const uint8_t *b, uint32_t len, char *out, size_t out_len);
/* VPD 0x83: first designator as hex (NAA/EUI preferred), into out. */
int scsi_parse_vpd_devid(const uint8_t *b, uint32_t len, char *out, size_t out_len);
/* VPD 0xB0: maximum transfer length and maximum unmap LBA count (blocks). */
int scsi_parse_vpd_block_limits(const uint8_t *b, uint32_t len, uint32_t *max_xfer,
				uint32_t *max_unmap);
struct scsi_capacity {
	uint64_t nblocks;      /* last LBA + 1 */
	uint32_t block_size;
	bool lbpme, lbprz;
	bool saturated;        /* (10) answered 0xFFFFFFFF: use (16) */
};
int scsi_parse_capacity10(const uint8_t *b, uint32_t len, struct scsi_capacity *out);
int scsi_parse_capacity16(const uint8_t *b, uint32_t len, struct scsi_capacity *out);
/* REPORT LUNS: LUN numbers < 256 (peripheral or flat addressing); bounded
 * by len (bytes actually transferred) and max. */
int scsi_parse_report_luns(const uint8_t *b, uint32_t len, uint8_t *luns, int max, int *n);

#endif
