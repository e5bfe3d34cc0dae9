/*
 * SCSI disk emulation for the simulated storage host (host/scsi_disk.h).
 * Follows docs/protocols/storage.md §8 (CDB layouts and OpenVMM's host
 * checks), §7 (error mapping and fixed-format sense), §10 (INVALID_LUN for
 * an absent LUN, unit attention on a capacity change), SPC/SBC for the
 * data layouts (INQUIRY, VPD pages, READ CAPACITY, UNMAP parameter list).
 *
 * Commands are a table {opcode, handler, data direction, CDB length}; the
 * dispatcher checks direction and CDB length before a handler runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/backing.h"
#include "host/scsi_disk.h"

/* ---- big-endian helpers (SCSI data is BE) ---- */

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);  p[3] = (uint8_t)v;
}
static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* ---- results ---- */

static void scsi_good(struct scsi_cmd *c, uint32_t xfer)
{
	c->srb_status = STORVSC_SRB_SUCCESS;
	c->scsi_status = SCSI_STATUS_GOOD;
	c->sense_len = 0;
	c->xfer = xfer;
}

void scsi_check(struct scsi_cmd *c, uint8_t srb, uint8_t key, uint8_t asc, uint8_t ascq)
{
	memset(c->sense, 0, sizeof(c->sense));
	c->sense[0] = SCSI_SENSE_FIXED_CURRENT;
	c->sense[SCSI_SENSE_OFF_KEY] = key;
	c->sense[7] = 10;                         /* additional length: 18-byte sense */
	c->sense[SCSI_SENSE_OFF_ASC] = asc;
	c->sense[SCSI_SENSE_OFF_ASCQ] = ascq;
	c->sense_len = 18;
	c->srb_status = (uint8_t)(srb | STORVSC_SRB_STATUS_AUTOSENSE_VALID);
	c->scsi_status = SCSI_STATUS_CHECK_CONDITION;
	c->xfer = 0;
}

static void scsi_illegal(struct scsi_cmd *c, uint8_t asc)
{
	scsi_check(c, STORVSC_SRB_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST, asc, 0);
}

/* §7: "buffer too small -> DATA_OVERRUN" (no sense). */
static void scsi_overrun(struct scsi_cmd *c)
{
	c->srb_status = STORVSC_SRB_DATA_OVERRUN;
	c->scsi_status = SCSI_STATUS_GOOD;
	c->sense_len = 0;
	c->xfer = 0;
}

/* §5.1 (O-VSP convert_srb_status_to_nt_status). */
uint32_t scsi_srb_to_ntstatus(uint8_t srb_status)
{
	static const struct { uint8_t srb; uint32_t nt; } map[] = {
		{ STORVSC_SRB_SUCCESS, STORVSC_NT_SUCCESS },
		{ STORVSC_SRB_DATA_OVERRUN, STORVSC_NT_BUFFER_OVERFLOW },
		{ STORVSC_SRB_BUSY, STORVSC_NT_DEVICE_BUSY },
		{ STORVSC_SRB_REQUEST_FLUSHED, STORVSC_NT_UNSUCCESSFUL },
		{ STORVSC_SRB_BAD_FUNCTION, STORVSC_NT_INVALID_DEVICE_REQUEST },
		{ STORVSC_SRB_BAD_SRB_BLOCK_LENGTH, STORVSC_NT_INVALID_DEVICE_REQUEST },
		{ STORVSC_SRB_SELECTION_TIMEOUT, STORVSC_NT_DEVICE_NOT_CONNECTED },
		{ STORVSC_SRB_TIMEOUT, STORVSC_NT_IO_TIMEOUT },
		{ STORVSC_SRB_COMMAND_TIMEOUT, STORVSC_NT_IO_TIMEOUT },
		{ STORVSC_SRB_INVALID_LUN, STORVSC_NT_DEVICE_DOES_NOT_EXIST },
		{ STORVSC_SRB_INVALID_TARGET_ID, STORVSC_NT_DEVICE_DOES_NOT_EXIST },
		{ STORVSC_SRB_NO_DEVICE, STORVSC_NT_DEVICE_DOES_NOT_EXIST },
		{ STORVSC_SRB_NO_HBA, STORVSC_NT_DEVICE_DOES_NOT_EXIST },
		{ STORVSC_SRB_ABORTED, STORVSC_NT_CANCELLED },
	};
	uint8_t s = STORVSC_SRB_STATUS(srb_status);

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].srb == s)
			return map[i].nt;
	return STORVSC_NT_IO_DEVICE_ERROR;
}

/* Data-in answers: copy min(alloc, data, buffer) bytes. */
static void scsi_data_in(struct scsi_cmd *c, const uint8_t *data, uint32_t n, uint32_t alloc)
{
	if (n > alloc)
		n = alloc;
	if (n > c->len)
		n = c->len;
	memcpy(c->buf, data, n);
	scsi_good(c, n);
}

/* ---- INQUIRY (§8; SPC standard data and VPD pages) ---- */

static const char scsi_vendor[8] = { 'M', 's', 'f', 't', ' ', ' ', ' ', ' ' };
static const char scsi_product[16] = "Virtual Disk    ";
static const char scsi_revision[4] = { '1', '.', '0', ' ' };

static uint32_t inq_standard(const struct scsi_disk *d, uint8_t *p)
{
	(void)d;
	memset(p, 0, 36);
	p[0] = SCSI_PERIPH_DISK;
	p[2] = 0x05;                /* SPC-3 */
	p[3] = 0x02;                /* response data format 2 */
	p[4] = 36 - 5;              /* additional length */
	p[7] = 0x02;                /* CmdQue */
	memcpy(p + 8, scsi_vendor, 8);
	memcpy(p + 16, scsi_product, 16);
	memcpy(p + 32, scsi_revision, 4);
	return 36;
}

static uint32_t vpd_supported(const struct scsi_disk *d, uint8_t *p)
{
	uint32_t n = 0;

	p[4 + n++] = SCSI_VPD_SUPPORTED_PAGES;
	p[4 + n++] = SCSI_VPD_UNIT_SERIAL;
	p[4 + n++] = SCSI_VPD_DEVICE_ID;
	p[4 + n++] = SCSI_VPD_BLOCK_LIMITS;
	if (d->cfg.unmap)
		p[4 + n++] = SCSI_VPD_LB_PROVISIONING;
	put16(p + 2, (uint16_t)n);
	return 4 + n;
}

static uint32_t vpd_serial(const struct scsi_disk *d, uint8_t *p)
{
	uint32_t n = (uint32_t)strlen(d->serial);

	memcpy(p + 4, d->serial, n);
	put16(p + 2, (uint16_t)n);
	return 4 + n;
}

static uint32_t vpd_device_id(const struct scsi_disk *d, uint8_t *p)
{
	uint8_t *q = p + 4;
	uint32_t t10;

	/* NAA 6 (IEEE registered extended), Microsoft's OUI 00-22-48. */
	q[0] = 0x01;                /* code set: binary */
	q[1] = 0x03;                /* association LU, designator type NAA */
	q[3] = 16;
	memcpy(q + 4, d->naa, 16);
	q += 20;
	/* T10 vendor id: vendor + product + serial. */
	t10 = 8 + 16 + (uint32_t)strlen(d->serial);
	q[0] = 0x02;                /* code set: ASCII */
	q[1] = 0x01;                /* association LU, designator type T10 vendor id */
	q[3] = (uint8_t)t10;
	memcpy(q + 4, scsi_vendor, 8);
	memcpy(q + 12, scsi_product, 16);
	memcpy(q + 28, d->serial, strlen(d->serial));
	q += 4 + t10;
	put16(p + 2, (uint16_t)(q - p - 4));
	return (uint32_t)(q - p);
}

static uint32_t vpd_block_limits(const struct scsi_disk *d, uint8_t *p)
{
	uint32_t bs = d->cfg.block_size;

	put16(p + 2, 0x3C);
	put16(p + 6, (uint16_t)(bs < 4096 ? 4096 / bs : 1)); /* optimal granularity */
	put32(p + 8, d->cfg.max_transfer / bs);             /* maximum transfer length */
	put32(p + 12, d->cfg.max_transfer / bs);            /* optimal transfer length */
	if (d->cfg.unmap) {
		put32(p + 20, 0xFFFFFFFFu);                 /* max unmap LBA count */
		put32(p + 24, 16);                          /* max unmap descriptors */
		put32(p + 28, bs < 4096 ? 4096 / bs : 1);   /* optimal unmap granularity */
	}
	return 4 + 0x3C;
}

static uint32_t vpd_provisioning(const struct scsi_disk *d, uint8_t *p)
{
	(void)d;
	put16(p + 2, 4);
	p[5] = 0x80 | 0x04;         /* LBPU (UNMAP), LBPRZ: unmapped blocks read zero */
	p[6] = 0x02;                /* thin provisioned */
	return 8;
}

static const struct {
	uint8_t page;
	bool needs_unmap;
	uint32_t (*fill)(const struct scsi_disk *d, uint8_t *p);
} vpd_pages[] = {
	{ SCSI_VPD_SUPPORTED_PAGES, false, vpd_supported },
	{ SCSI_VPD_UNIT_SERIAL, false, vpd_serial },
	{ SCSI_VPD_DEVICE_ID, false, vpd_device_id },
	{ SCSI_VPD_BLOCK_LIMITS, false, vpd_block_limits },
	{ SCSI_VPD_LB_PROVISIONING, true, vpd_provisioning },
};

static void cmd_inquiry(struct scsi_disk *d, struct scsi_cmd *c)
{
	uint8_t data[256];
	uint32_t alloc = be16(c->cdb + 3), n = 0;
	bool evpd = c->cdb[1] & SCSI_INQ_EVPD;
	uint8_t page = c->cdb[2];

	if (alloc > c->len) {       /* §8: allocation length must fit the buffer */
		scsi_illegal(c, SCSI_ASC_INVALID_FIELD_IN_CDB);
		return;
	}
	memset(data, 0, sizeof(data));
	if (!evpd) {
		if (page) {
			scsi_illegal(c, SCSI_ASC_INVALID_FIELD_IN_CDB);
			return;
		}
		n = inq_standard(d, data);
	} else {
		size_t i;

		for (i = 0; i < sizeof(vpd_pages) / sizeof(vpd_pages[0]); i++)
			if (vpd_pages[i].page == page &&
			    (!vpd_pages[i].needs_unmap || d->cfg.unmap))
				break;
		if (i == sizeof(vpd_pages) / sizeof(vpd_pages[0])) {
			scsi_illegal(c, SCSI_ASC_INVALID_FIELD_IN_CDB);
			return;
		}
		data[0] = SCSI_PERIPH_DISK;
		data[1] = page;
		n = vpd_pages[i].fill(d, data);
	}
	scsi_data_in(c, data, n, alloc);
}

/* ---- capacity ---- */

static void cmd_read_capacity10(struct scsi_disk *d, struct scsi_cmd *c)
{
	uint8_t data[SCSI_RC10_LEN];
	uint64_t last = d->nblocks - 1;

	if (c->len < SCSI_RC10_LEN) {
		scsi_overrun(c);
		return;
	}
	put32(data, last > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)last);
	put32(data + 4, d->cfg.block_size);
	scsi_data_in(c, data, sizeof(data), sizeof(data));
}

static void cmd_service_action_in(struct scsi_disk *d, struct scsi_cmd *c)
{
	uint8_t data[SCSI_RC16_LEN];
	uint32_t alloc = be32(c->cdb + 10);

	if ((c->cdb[1] & 0x1F) != SCSI_SAI_READ_CAPACITY16) {
		scsi_illegal(c, SCSI_ASC_INVALID_FIELD_IN_CDB);
		return;
	}
	if (c->len < 12) {
		scsi_overrun(c);
		return;
	}
	memset(data, 0, sizeof(data));
	put64(data, d->nblocks - 1);
	put32(data + 8, d->cfg.block_size);
	if (d->cfg.unmap)
		data[14] = SCSI_RC16_LBPME | SCSI_RC16_LBPRZ;
	scsi_data_in(c, data, sizeof(data), alloc);
}

/* ---- data commands ---- */

static int rw_range(struct scsi_disk *d, struct scsi_cmd *c, uint64_t lba, uint32_t count)
{
	uint64_t bytes = (uint64_t)count * d->cfg.block_size;

	if (count == 0 || lba >= d->nblocks || count > d->nblocks - lba) {
		/* §8: OpenVMM rejects zero-length transfers like out-of-range ones */
		scsi_illegal(c, SCSI_ASC_LBA_OUT_OF_RANGE);
		return -1;
	}
	if (bytes > c->len) {
		scsi_illegal(c, SCSI_ASC_INVALID_FIELD_IN_CDB);
		return -1;
	}
	c->lba = lba;
	c->blocks = count;
	return 0;
}

static void rw_media_error(struct scsi_cmd *c, bool write)
{
	scsi_check(c, STORVSC_SRB_ERROR, SCSI_SK_MEDIUM_ERROR,
		   write ? SCSI_ASC_WRITE_ERROR : SCSI_ASC_UNRECOVERED_READ, 0);
}

static void do_read(struct scsi_disk *d, struct scsi_cmd *c, uint64_t lba, uint32_t count)
{
	uint32_t bytes;

	if (rw_range(d, c, lba, count) < 0)
		return;
	bytes = count * d->cfg.block_size;
	if (backing_read(d->b, lba * d->cfg.block_size, c->buf, bytes) < 0) {
		rw_media_error(c, false);
		return;
	}
	scsi_good(c, bytes);
}

static void do_write(struct scsi_disk *d, struct scsi_cmd *c, uint64_t lba, uint32_t count,
		     bool fua)
{
	uint32_t bytes;

	if (rw_range(d, c, lba, count) < 0)
		return;
	if (d->cfg.read_only) {
		scsi_check(c, STORVSC_SRB_ERROR, SCSI_SK_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED, 0);
		return;
	}
	bytes = count * d->cfg.block_size;
	/* The data is in the store before the completion is built. */
	if (backing_write(d->b, lba * d->cfg.block_size, c->buf, bytes, fua) < 0) {
		rw_media_error(c, true);
		return;
	}
	c->is_write = true;
	scsi_good(c, bytes);
}

static void cmd_read10(struct scsi_disk *d, struct scsi_cmd *c)
{
	if (c->cdb[1] & 0x01) {     /* RelAdr (§8) */
		scsi_illegal(c, SCSI_ASC_INVALID_FIELD_IN_CDB);
		return;
	}
	do_read(d, c, be32(c->cdb + 2), be16(c->cdb + 7));
}

static void cmd_write10(struct scsi_disk *d, struct scsi_cmd *c)
{
	if (c->cdb[1] & 0x01) {
		scsi_illegal(c, SCSI_ASC_INVALID_FIELD_IN_CDB);
		return;
	}
	do_write(d, c, be32(c->cdb + 2), be16(c->cdb + 7), c->cdb[1] & 0x08);
}

static void cmd_read16(struct scsi_disk *d, struct scsi_cmd *c)
{
	do_read(d, c, be64(c->cdb + 2), be32(c->cdb + 10));
}

static void cmd_write16(struct scsi_disk *d, struct scsi_cmd *c)
{
	do_write(d, c, be64(c->cdb + 2), be32(c->cdb + 10), c->cdb[1] & 0x08);
}

static void cmd_sync_cache(struct scsi_disk *d, struct scsi_cmd *c)
{
	/* §8: the whole disk is flushed regardless of the range. */
	if (backing_flush(d->b) < 0) {
		rw_media_error(c, true);
		return;
	}
	scsi_good(c, 0);
}

/* UNMAP parameter list (SBC): 8-byte header, then 16-byte descriptors
 * {LBA BE64, count BE32, reserved}. */
static void cmd_unmap(struct scsi_disk *d, struct scsi_cmd *c)
{
	uint32_t plen = be16(c->cdb + 7), dlen, n;

	if (!d->cfg.unmap) {
		scsi_illegal(c, SCSI_ASC_INVALID_OPCODE);
		return;
	}
	if (d->cfg.read_only) {
		scsi_check(c, STORVSC_SRB_ERROR, SCSI_SK_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED, 0);
		return;
	}
	if (plen == 0) {
		scsi_good(c, 0);
		return;
	}
	if (plen > c->len || plen < 8) {
		scsi_illegal(c, SCSI_ASC_INVALID_FIELD_IN_CDB);
		return;
	}
	dlen = be16(c->buf + 2);
	if (dlen > plen - 8 || dlen % 16 || dlen / 16 > 16) {
		scsi_illegal(c, SCSI_ASC_INVALID_FIELD_IN_CDB);
		return;
	}
	/* Validate every descriptor before discarding anything. */
	for (n = 0; n < dlen / 16; n++) {
		const uint8_t *e = c->buf + 8 + 16 * n;
		uint64_t lba = be64(e);
		uint32_t cnt = be32(e + 8);

		if (lba > d->nblocks || cnt > d->nblocks - lba) {
			scsi_illegal(c, SCSI_ASC_LBA_OUT_OF_RANGE);
			return;
		}
	}
	for (n = 0; n < dlen / 16; n++) {
		const uint8_t *e = c->buf + 8 + 16 * n;
		uint64_t bs = d->cfg.block_size;

		if (be32(e + 8) &&
		    backing_discard(d->b, be64(e) * bs, (uint64_t)be32(e + 8) * bs) < 0) {
			rw_media_error(c, true);
			return;
		}
	}
	scsi_good(c, plen);
}

static void cmd_test_unit_ready(struct scsi_disk *d, struct scsi_cmd *c)
{
	(void)d;
	scsi_good(c, 0);
}

static void cmd_request_sense(struct scsi_disk *d, struct scsi_cmd *c)
{
	uint8_t data[18] = { SCSI_SENSE_FIXED_CURRENT, 0, SCSI_SK_NO_SENSE, 0, 0, 0, 0, 10 };

	(void)d;
	scsi_data_in(c, data, sizeof(data), c->cdb[4]);
}

/* MODE SENSE(6)/(10): header (WP bit for a read-only disk) and, for page
 * 0x08 or 0x3F, the caching page with the write cache enabled. */
static void mode_sense(struct scsi_disk *d, struct scsi_cmd *c, bool ten)
{
	uint8_t data[64];
	uint8_t page = c->cdb[2] & 0x3F;
	uint32_t hdr = ten ? 8 : 4, n = hdr;
	uint32_t alloc = ten ? be16(c->cdb + 7) : c->cdb[4];

	memset(data, 0, sizeof(data));
	if (page == 0x08 || page == 0x3F) {
		data[n] = 0x08;
		data[n + 1] = 0x12;
		data[n + 2] = 0x04;     /* WCE */
		n += 20;
	} else if (page != 0) {
		scsi_illegal(c, SCSI_ASC_INVALID_FIELD_IN_CDB);
		return;
	}
	if (ten) {
		put16(data, (uint16_t)(n - 2));
		data[3] = d->cfg.read_only ? 0x80 : 0;
	} else {
		data[0] = (uint8_t)(n - 1);
		data[2] = d->cfg.read_only ? 0x80 : 0;
	}
	scsi_data_in(c, data, n, alloc);
}

static void cmd_mode_sense6(struct scsi_disk *d, struct scsi_cmd *c) { mode_sense(d, c, false); }
static void cmd_mode_sense10(struct scsi_disk *d, struct scsi_cmd *c) { mode_sense(d, c, true); }

/* ---- dispatch ---- */

enum { DIR_NONE = 1, DIR_IN = 2, DIR_OUT = 4, DIR_ANY = 7 };

static const struct {
	uint8_t opcode;
	uint8_t cdb_len;
	uint8_t dirs;               /* DIR_* the command may use */
	bool data;                  /* moves data: the direction must match */
	void (*run)(struct scsi_disk *d, struct scsi_cmd *c);
} scsi_cmds[] = {
	{ SCSI_OP_TEST_UNIT_READY,     6,  DIR_ANY, false, cmd_test_unit_ready },
	{ SCSI_OP_REQUEST_SENSE,       6,  DIR_IN,  false, cmd_request_sense },
	{ SCSI_OP_INQUIRY,             6,  DIR_IN,  false, cmd_inquiry },
	{ 0x1A /* MODE SENSE(6) */,    6,  DIR_IN,  false, cmd_mode_sense6 },
	{ SCSI_OP_READ_CAPACITY10,     10, DIR_IN,  false, cmd_read_capacity10 },
	{ SCSI_OP_READ10,              10, DIR_IN,  true,  cmd_read10 },
	{ SCSI_OP_WRITE10,             10, DIR_OUT, true,  cmd_write10 },
	{ SCSI_OP_SYNCHRONIZE_CACHE10, 10, DIR_ANY, false, cmd_sync_cache },
	{ SCSI_OP_UNMAP,               10, DIR_OUT | DIR_NONE, false, cmd_unmap },
	{ 0x5A /* MODE SENSE(10) */,   10, DIR_IN,  false, cmd_mode_sense10 },
	{ SCSI_OP_READ16,              16, DIR_IN,  true,  cmd_read16 },
	{ SCSI_OP_WRITE16,             16, DIR_OUT, true,  cmd_write16 },
	{ SCSI_OP_SYNCHRONIZE_CACHE16, 16, DIR_ANY, false, cmd_sync_cache },
	{ SCSI_OP_SERVICE_ACTION_IN16, 16, DIR_IN,  false, cmd_service_action_in },
};

static uint8_t dir_bit(uint8_t dir, uint32_t len)
{
	if (len == 0 || dir == STORVSC_DATA_NONE)
		return DIR_NONE;
	return dir == STORVSC_DATA_IN ? DIR_IN : DIR_OUT;
}

int scsi_disk_execute(struct scsi_disk *d, struct scsi_cmd *c)
{
	size_t i;

	c->is_write = false;
	c->blocks = 0;
	c->xfer = 0;
	d->cmds++;
	for (i = 0; i < sizeof(scsi_cmds) / sizeof(scsi_cmds[0]); i++)
		if (scsi_cmds[i].opcode == c->cdb[0])
			break;
	if (i == sizeof(scsi_cmds) / sizeof(scsi_cmds[0])) {
		scsi_illegal(c, SCSI_ASC_INVALID_OPCODE);
		goto out;
	}
	if (c->cdb_len < scsi_cmds[i].cdb_len) {
		scsi_illegal(c, SCSI_ASC_INVALID_FIELD_IN_CDB);
		goto out;
	}
	if (!(scsi_cmds[i].dirs & dir_bit(c->dir, c->len))) {
		/* A READ with a data-out buffer would move data the wrong way. */
		if (scsi_cmds[i].data)
			return -EPROTO;
		scsi_illegal(c, SCSI_ASC_INVALID_FIELD_IN_CDB);
		goto out;
	}
	if (d->unit_attention && c->cdb[0] != SCSI_OP_INQUIRY &&
	    c->cdb[0] != SCSI_OP_REQUEST_SENSE) {
		d->unit_attention = false;
		scsi_check(c, STORVSC_SRB_ERROR, SCSI_SK_UNIT_ATTENTION, SCSI_ASC_PARAMS_CHANGED,
			   SCSI_ASCQ_CAPACITY_CHANGED);
		goto out;
	}
	scsi_cmds[i].run(d, c);
out:
	if (c->srb_status != STORVSC_SRB_SUCCESS)
		d->errors++;
	return 0;
}

/* ---- controller-level answers ---- */

void scsi_no_lun(struct scsi_cmd *c)
{
	if (c->cdb_len && c->cdb[0] == SCSI_OP_INQUIRY && !(c->cdb[1] & SCSI_INQ_EVPD)) {
		uint8_t data[36] = { SCSI_PERIPH_NO_LUN };

		data[4] = 31;
		scsi_data_in(c, data, sizeof(data), be16(c->cdb + 3));
		return;
	}
	/* §10: INVALID_LUN with CHECK CONDITION and no sense. */
	c->srb_status = STORVSC_SRB_INVALID_LUN;
	c->scsi_status = SCSI_STATUS_CHECK_CONDITION;
	c->sense_len = 0;
	c->xfer = 0;
}

void scsi_report_luns(struct scsi_cmd *c, const uint8_t *luns, int n)
{
	uint8_t data[SCSI_REPORT_LUNS_HDR + 256 * SCSI_REPORT_LUNS_ENTRY];
	uint32_t alloc = c->cdb_len >= 10 ? be32(c->cdb + 6) : 0;
	uint32_t len = SCSI_REPORT_LUNS_HDR + (uint32_t)n * SCSI_REPORT_LUNS_ENTRY;

	if (c->len < SCSI_REPORT_LUNS_HDR) {    /* §8: GOOD with 0 bytes */
		scsi_good(c, 0);
		return;
	}
	memset(data, 0, len);
	put32(data, (uint32_t)n * SCSI_REPORT_LUNS_ENTRY);
	for (int i = 0; i < n; i++)
		data[SCSI_REPORT_LUNS_HDR + i * SCSI_REPORT_LUNS_ENTRY + 1] = luns[i];
	scsi_data_in(c, data, len, alloc);
}

/* ---- lifetime ---- */

int scsi_disk_create(struct scsi_disk **out, struct backing *b, const struct scsi_disk_cfg *cfg)
{
	struct scsi_disk *d;
	uint32_t bs = cfg->block_size;

	if (bs < 512 || bs > 65536 || (bs & (bs - 1)) || backing_size(b) < bs)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->cfg = *cfg;
	d->cfg.read_only = cfg->read_only || backing_read_only(b);
	d->b = b;
	d->nblocks = backing_size(b) / bs;
	snprintf(d->serial, sizeof(d->serial), "KEEL%02X%02X%02X%02X%02X-L%u", cfg->uid[0],
		 cfg->uid[1], cfg->uid[2], cfg->uid[3], cfg->uid[4], cfg->lun);
	d->naa[0] = 0x60;           /* NAA 6, OUI 00-22-48 (Microsoft) */
	d->naa[1] = 0x02;
	d->naa[2] = 0x24;
	d->naa[3] = 0x80;
	memcpy(d->naa + 4, cfg->uid, 8);
	d->naa[12] = 0;
	d->naa[15] = cfg->lun;
	*out = d;
	return 0;
}

void scsi_disk_destroy(struct scsi_disk *d)
{
	if (!d)
		return;
	backing_close(d->b);
	free(d);
}
