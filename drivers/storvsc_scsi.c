/*
 * SCSI helpers of the storvsc driver (drivers/storvsc_scsi.h): CDB builders
 * (docs/protocols/storage.md §8), SRB status and sense decoding (§5.4, §7) and parsers of
 * host-written INQUIRY / READ CAPACITY / REPORT LUNS data (§8, §14 item 10).
 * Everything here is pure: bytes in, values out; multi-byte SCSI fields are
 * big-endian.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/storvsc_scsi.h"
#include "include/hyperv/storvsc_wire.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "put_be* swap bytes");

/* Big-endian stores as one byte swap and one store each (x86-64 is
 * little-endian): the READ/WRITE CDB is built on every I/O. */
static void put_be16(uint8_t *p, uint16_t v)
{
	v = __builtin_bswap16(v);
	memcpy(p, &v, sizeof(v));
}
static void put_be32(uint8_t *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, sizeof(v));
}
static void put_be64(uint8_t *p, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(p, &v, sizeof(v));
}
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

/* ---- CDB builders (§8) ---- */

uint8_t scsi_cdb_test_unit_ready(uint8_t cdb[16])
{
	memset(cdb, 0, 16);
	cdb[0] = SCSI_OP_TEST_UNIT_READY;
	return 6;
}

uint8_t scsi_cdb_inquiry(uint8_t cdb[16], bool evpd, uint8_t page, uint16_t alloc)
{
	memset(cdb, 0, 16);
	cdb[0] = SCSI_OP_INQUIRY;
	cdb[1] = evpd ? SCSI_INQ_EVPD : 0;
	cdb[2] = evpd ? page : 0;
	put_be16(cdb + 3, alloc);
	return 6;
}

uint8_t scsi_cdb_read_capacity10(uint8_t cdb[16])
{
	memset(cdb, 0, 16);
	cdb[0] = SCSI_OP_READ_CAPACITY10;
	return 10;
}

uint8_t scsi_cdb_read_capacity16(uint8_t cdb[16], uint32_t alloc)
{
	memset(cdb, 0, 16);
	cdb[0] = SCSI_OP_SERVICE_ACTION_IN16;
	cdb[1] = SCSI_SAI_READ_CAPACITY16;
	put_be32(cdb + 10, alloc);
	return 16;
}

uint8_t scsi_cdb_report_luns(uint8_t cdb[16], uint32_t alloc)
{
	memset(cdb, 0, 16);
	cdb[0] = SCSI_OP_REPORT_LUNS;
	put_be32(cdb + 6, alloc);
	return 12;
}

uint8_t scsi_cdb_rw(uint8_t cdb[16], bool write, uint64_t lba, uint32_t count, bool fua,
		    bool force16)
{
	memset(cdb, 0, 16);
	if (!force16 && lba + count <= 0xFFFFFFFFull && count <= 0xFFFF) {
		cdb[0] = write ? SCSI_OP_WRITE10 : SCSI_OP_READ10;
		cdb[1] = fua ? 0x08 : 0;
		put_be32(cdb + 2, (uint32_t)lba);
		put_be16(cdb + 7, (uint16_t)count);
		return 10;
	}
	cdb[0] = write ? SCSI_OP_WRITE16 : SCSI_OP_READ16;
	cdb[1] = fua ? 0x08 : 0;
	put_be64(cdb + 2, lba);
	put_be32(cdb + 10, count);
	return 16;
}

uint8_t scsi_cdb_sync_cache(uint8_t cdb[16], bool use16)
{
	memset(cdb, 0, 16);
	cdb[0] = use16 ? SCSI_OP_SYNCHRONIZE_CACHE16 : SCSI_OP_SYNCHRONIZE_CACHE10;
	return use16 ? 16 : 10;
}

uint8_t scsi_cdb_unmap(uint8_t cdb[16], uint16_t param_len)
{
	memset(cdb, 0, 16);
	cdb[0] = SCSI_OP_UNMAP;
	put_be16(cdb + 7, param_len);
	return 10;
}

uint32_t scsi_unmap_params(uint8_t *buf, uint64_t lba, uint32_t count)
{
	/* SBC UNMAP parameter list: 8-byte header, then 16-byte descriptors. */
	memset(buf, 0, 24);
	put_be16(buf, 22);          /* unmap data length (bytes after this field) */
	put_be16(buf + 2, 16);      /* block descriptor data length */
	put_be64(buf + 8, lba);
	put_be32(buf + 16, count);
	return 24;
}

/* ---- sense (§7: fixed format; descriptor format tolerated) ---- */

struct scsi_sense scsi_sense_parse(const uint8_t *s, uint32_t len)
{
	struct scsi_sense r = { 0 };
	uint8_t code;

	if (!s || len < 1)
		return r;
	code = s[0] & 0x7F;
	if ((code == SCSI_SENSE_FIXED_CURRENT || code == SCSI_SENSE_FIXED_DEFERRED) && len >= 3) {
		r.valid = true;
		r.key = s[SCSI_SENSE_OFF_KEY] & SCSI_SENSE_KEY_MASK;
		r.asc = len > SCSI_SENSE_OFF_ASC ? s[SCSI_SENSE_OFF_ASC] : 0;
		r.ascq = len > SCSI_SENSE_OFF_ASCQ ? s[SCSI_SENSE_OFF_ASCQ] : 0;
	} else if ((code == 0x72 || code == 0x73) && len >= 4) {
		r.valid = true;
		r.key = s[1] & SCSI_SENSE_KEY_MASK;
		r.asc = s[2];
		r.ascq = s[3];
	}
	return r;
}

static const char *const sense_key_names[16] = {
	"no sense", "recovered error", "not ready", "medium error", "hardware error",
	"illegal request", "unit attention", "data protect", "blank check",
	"vendor specific", "copy aborted", "aborted command", "reserved(0xc)",
	"volume overflow", "miscompare", "completed",
};

const char *scsi_sense_key_name(uint8_t key)
{
	return sense_key_names[key & 15];
}

static const struct {
	uint8_t asc, ascq;           /* ascq 0xFF: any */
	const char *text;
} asc_table[] = {
	{ 0x04, 0xFF, "logical unit not ready" },
	{ 0x0C, 0xFF, "write error" },
	{ 0x11, 0xFF, "unrecovered read error" },
	{ 0x1A, 0x00, "parameter list length error" },
	{ 0x20, 0x00, "invalid command operation code" },
	{ 0x21, 0x00, "logical block address out of range" },
	{ 0x24, 0x00, "invalid field in CDB" },
	{ 0x25, 0x00, "logical unit not supported" },
	{ 0x26, 0xFF, "invalid field in parameter list" },
	{ 0x27, 0xFF, "write protected" },
	{ 0x28, 0x00, "not ready to ready change, medium may have changed" },
	{ 0x29, 0xFF, "power on, reset, or bus device reset occurred" },
	{ 0x2A, 0x09, "capacity data has changed" },
	{ 0x2A, 0xFF, "parameters changed" },
	{ 0x3A, 0xFF, "medium not present" },
	{ 0x3F, 0x0E, "reported LUNs data has changed" },
	{ 0x3F, 0xFF, "target operating conditions have changed" },
	{ 0x44, 0xFF, "internal target failure" },
};

const char *scsi_asc_text(uint8_t asc, uint8_t ascq)
{
	for (size_t i = 0; i < sizeof(asc_table) / sizeof(asc_table[0]); i++)
		if (asc_table[i].asc == asc && (asc_table[i].ascq == 0xFF || asc_table[i].ascq == ascq))
			return asc_table[i].text;
	return "unknown additional sense";
}

static const struct {
	uint8_t code;
	const char *name;
	int err;                     /* verdict without sense data */
} srb_table[] = {
	{ STORVSC_SRB_PENDING, "pending", -EIO },
	{ STORVSC_SRB_SUCCESS, "success", 0 },
	{ STORVSC_SRB_ABORTED, "aborted", -EIO },
	{ STORVSC_SRB_ABORT_FAILED, "abort failed", -EIO },
	{ STORVSC_SRB_ERROR, "error", -EIO },
	{ STORVSC_SRB_BUSY, "busy", -EAGAIN },
	{ STORVSC_SRB_INVALID_REQUEST, "invalid request", -EINVAL },
	{ STORVSC_SRB_INVALID_PATH_ID, "invalid path id", -ENODEV },
	{ STORVSC_SRB_NO_DEVICE, "no device", -ENODEV },
	{ STORVSC_SRB_TIMEOUT, "timeout", -ETIMEDOUT },
	{ STORVSC_SRB_SELECTION_TIMEOUT, "selection timeout", -ENODEV },
	{ STORVSC_SRB_COMMAND_TIMEOUT, "command timeout", -ETIMEDOUT },
	{ STORVSC_SRB_MESSAGE_REJECTED, "message rejected", -EIO },
	{ STORVSC_SRB_BUS_RESET, "bus reset", -EAGAIN },
	{ STORVSC_SRB_PARITY_ERROR, "parity error", -EIO },
	{ STORVSC_SRB_REQUEST_SENSE_FAILED, "request sense failed", -EIO },
	{ STORVSC_SRB_NO_HBA, "no HBA", -ENODEV },
	{ STORVSC_SRB_DATA_OVERRUN, "data overrun", -EOVERFLOW },
	{ STORVSC_SRB_UNEXPECTED_BUS_FREE, "unexpected bus free", -EIO },
	{ STORVSC_SRB_PHASE_SEQUENCE_FAILURE, "phase sequence failure", -EIO },
	{ STORVSC_SRB_BAD_SRB_BLOCK_LENGTH, "bad SRB block length", -EINVAL },
	{ STORVSC_SRB_REQUEST_FLUSHED, "request flushed", -EIO },
	{ STORVSC_SRB_INVALID_LUN, "invalid LUN", -ENODEV },
	{ STORVSC_SRB_INVALID_TARGET_ID, "invalid target id", -ENODEV },
	{ STORVSC_SRB_BAD_FUNCTION, "bad function", -EINVAL },
	{ STORVSC_SRB_ERROR_RECOVERY, "error recovery", -EIO },
	{ STORVSC_SRB_NOT_POWERED, "not powered", -ENODEV },
	{ STORVSC_SRB_LINK_DOWN, "link down", -ENODEV },
	{ STORVSC_SRB_INTERNAL_ERROR, "internal error", -EIO },
};

static int srb_find(uint8_t code)
{
	for (size_t i = 0; i < sizeof(srb_table) / sizeof(srb_table[0]); i++)
		if (srb_table[i].code == code)
			return (int)i;
	return -1;
}

const char *storvsc_srb_status_name(uint8_t srb_status)
{
	int i = srb_find(STORVSC_SRB_STATUS(srb_status));
	return i < 0 ? "unknown SRB status" : srb_table[i].name;
}

/* Sense key -> errno (§7 error mapping). */
static int sense_errno(const struct scsi_sense *s)
{
	switch (s->key) {
	case SCSI_SK_NO_SENSE:
	case SCSI_SK_RECOVERED_ERROR:
		return 0;
	case SCSI_SK_NOT_READY:
	case SCSI_SK_UNIT_ATTENTION:
		return -EAGAIN;
	case SCSI_SK_ILLEGAL_REQUEST:
		return s->asc == SCSI_ASC_LUN_NOT_SUPPORTED ? -ENODEV : -EINVAL;
	case SCSI_SK_DATA_PROTECT:
		return -EROFS;
	case 0xD:               /* volume overflow */
		return -ENOSPC;
	default:
		return -EIO;
	}
}

bool scsi_sense_is_capacity_changed(const struct scsi_sense *s)
{
	return s->valid && s->key == SCSI_SK_UNIT_ATTENTION && s->asc == SCSI_ASC_PARAMS_CHANGED &&
	       s->ascq == SCSI_ASCQ_CAPACITY_CHANGED;
}

int storvsc_decode_result(uint8_t srb_status, uint8_t scsi_status, const uint8_t *sense,
			  uint32_t sense_len, char *text, size_t text_len)
{
	uint8_t code = STORVSC_SRB_STATUS(srb_status);
	int i = srb_find(code), err;
	struct scsi_sense s = { 0 };

	/* §7: sense only on CHECK CONDITION with AUTOSENSE_VALID. */
	if (scsi_status == SCSI_STATUS_CHECK_CONDITION &&
	    (srb_status & STORVSC_SRB_STATUS_AUTOSENSE_VALID))
		s = scsi_sense_parse(sense, sense_len < STORVSC_SENSE_MAX ? sense_len : STORVSC_SENSE_MAX);
	if (code == STORVSC_SRB_SUCCESS && scsi_status == SCSI_STATUS_GOOD) {
		err = 0;
	} else if (s.valid) {
		err = sense_errno(&s);
		if (err == 0 && code != STORVSC_SRB_SUCCESS)
			err = -EIO;
	} else if (code == STORVSC_SRB_SUCCESS) {
		/* SRB fine but the SCSI status is not GOOD and no sense. */
		err = scsi_status == SCSI_STATUS_BUSY ? -EAGAIN :
		      scsi_status == SCSI_STATUS_RESERVATION_CONFLICT ? -EBUSY : -EIO;
	} else {
		err = i < 0 ? -EIO : srb_table[i].err;
	}
	if (text && text_len) {
		if (err == 0)
			snprintf(text, text_len, "ok");
		else if (s.valid)
			snprintf(text, text_len, "SRB %s (0x%02x), SCSI status 0x%02x, sense %s: %s "
				 "(asc 0x%02x ascq 0x%02x)", i < 0 ? "unknown" : srb_table[i].name,
				 srb_status, scsi_status, scsi_sense_key_name(s.key),
				 scsi_asc_text(s.asc, s.ascq), s.asc, s.ascq);
		else
			snprintf(text, text_len, "SRB %s (0x%02x), SCSI status 0x%02x, no sense",
				 i < 0 ? "unknown" : srb_table[i].name, srb_status, scsi_status);
	}
	return err;
}

/* ---- parsers (§8, §14 item 10) ---- */

/* Printable ASCII, trailing blanks trimmed; anything else becomes '?'. */
static void copy_ascii(char *out, size_t out_len, const uint8_t *in, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 1 < out_len; i++)
		out[k++] = (in[i] >= 0x20 && in[i] < 0x7F) ? (char)in[i] : '?';
	while (k > 0 && (out[k - 1] == ' ' || out[k - 1] == '\0'))
		k--;
	while (k > 0 && out[0] == ' ') {
		memmove(out, out + 1, k - 1);
		k--;
	}
	out[k] = '\0';
}

int scsi_parse_inquiry(const uint8_t *b, uint32_t len, struct scsi_inquiry *out)
{
	memset(out, 0, sizeof(*out));
	if (!b || len < 1)
		return -EINVAL;
	out->qualifier = b[0] >> 5;
	out->type = b[0] & 0x1F;
	if (len < SCSI_INQ_STD_MIN_LEN)
		return out->qualifier == 3 ? 0 : -EINVAL;  /* "no LU" may be short */
	out->removable = (b[1] & 0x80) != 0;
	copy_ascii(out->vendor, sizeof(out->vendor), b + 8, 8);
	copy_ascii(out->product, sizeof(out->product), b + 16, 16);
	copy_ascii(out->revision, sizeof(out->revision), b + 32, 4);
	return 0;
}

/* VPD header: [1] page code, [2..3] page length (BE). Returns the bytes of
 * the page body that really arrived. */
static int vpd_body(const uint8_t *b, uint32_t len, uint8_t page, uint32_t *body)
{
	uint32_t plen;

	if (!b || len < 4 || b[1] != page)
		return -EINVAL;
	plen = be16(b + 2);
	*body = plen < len - 4 ? plen : len - 4;
	return 0;
}

int scsi_parse_vpd_pages(const uint8_t *b, uint32_t len, uint8_t *pages, int max, int *n)
{
	uint32_t body;

	*n = 0;
	if (vpd_body(b, len, SCSI_VPD_SUPPORTED_PAGES, &body))
		return -EINVAL;
	for (uint32_t i = 0; i < body && *n < max; i++)
		pages[(*n)++] = b[4 + i];
	return 0;
}

bool scsi_vpd_has(const uint8_t *pages, int n, uint8_t page)
{
	for (int i = 0; i < n; i++)
		if (pages[i] == page)
			return true;
	return false;
}

int scsi_parse_vpd_serial(const uint8_t *b, uint32_t len, char *out, size_t out_len)
{
	uint32_t body;

	out[0] = '\0';
	if (vpd_body(b, len, SCSI_VPD_UNIT_SERIAL, &body))
		return -EINVAL;
	copy_ascii(out, out_len, b + 4, body);
	return 0;
}

int scsi_parse_vpd_devid(const uint8_t *b, uint32_t len, char *out, size_t out_len)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t body, off = 0, best_off = 0, best_len = 0;
	int best_rank = -1;

	out[0] = '\0';
	if (vpd_body(b, len, SCSI_VPD_DEVICE_ID, &body))
		return -EINVAL;
	/* Designators: [0] code set, [1] assoc/type, [3] length, then value. */
	while (off + 4 <= body) {
		const uint8_t *d = b + 4 + off;
		uint32_t dlen = d[3];
		int type = d[1] & 0x0F, rank;

		if (off + 4 + dlen > body)
			break;                  /* truncated: ignore the rest */
		rank = type == 3 ? 3 : type == 2 ? 2 : type == 8 ? 1 : 0;   /* NAA, EUI-64, name */
		if (dlen && rank > best_rank) {
			best_rank = rank;
			best_off = off + 4;
			best_len = dlen;
		}
		off += 4 + dlen;
	}
	if (best_rank < 0)
		return -ENOENT;
	for (uint32_t i = 0, k = 0; i < best_len && k + 2 < out_len; i++) {
		out[k++] = hex[b[4 + best_off + i] >> 4];
		out[k++] = hex[b[4 + best_off + i] & 15];
		out[k] = '\0';
	}
	return 0;
}

int scsi_parse_vpd_block_limits(const uint8_t *b, uint32_t len, uint32_t *max_xfer,
				uint32_t *max_unmap)
{
	uint32_t body;

	*max_xfer = 0;
	*max_unmap = 0;
	if (vpd_body(b, len, SCSI_VPD_BLOCK_LIMITS, &body))
		return -EINVAL;
	if (body >= 8)                           /* bytes 8..11 of the page */
		*max_xfer = be32(b + 8);
	if (body >= 24 - 4)                      /* bytes 20..23 */
		*max_unmap = be32(b + 20);
	return 0;
}

static bool block_size_ok(uint32_t bs)
{
	/* §14 item 10: power of two, >= 512; Keel also caps at 64 KiB. */
	return bs >= 512 && bs <= 65536 && (bs & (bs - 1)) == 0;
}

int scsi_parse_capacity10(const uint8_t *b, uint32_t len, struct scsi_capacity *out)
{
	uint32_t last;

	memset(out, 0, sizeof(*out));
	if (!b || len < SCSI_RC10_LEN)
		return -EINVAL;
	last = be32(b);
	out->block_size = be32(b + 4);
	if (last == 0xFFFFFFFFu) {
		out->saturated = true;
		return 0;
	}
	out->nblocks = (uint64_t)last + 1;
	return block_size_ok(out->block_size) ? 0 : -EINVAL;
}

int scsi_parse_capacity16(const uint8_t *b, uint32_t len, struct scsi_capacity *out)
{
	uint64_t last;

	memset(out, 0, sizeof(*out));
	if (!b || len < 12)           /* last LBA and block length at least */
		return -EINVAL;
	last = be64(b);
	out->block_size = be32(b + 8);
	if (last == UINT64_MAX)        /* last + 1 would overflow */
		return -EINVAL;
	out->nblocks = last + 1;
	if (len >= 15) {
		out->lbpme = (b[14] & SCSI_RC16_LBPME) != 0;
		out->lbprz = (b[14] & SCSI_RC16_LBPRZ) != 0;
	}
	if (!block_size_ok(out->block_size))
		return -EINVAL;
	/* Bytes must fit in 64 bits. */
	if (out->nblocks > UINT64_MAX / out->block_size)
		return -EINVAL;
	return 0;
}

int scsi_parse_report_luns(const uint8_t *b, uint32_t len, uint8_t *luns, int max, int *n)
{
	uint32_t list, avail;

	*n = 0;
	if (!b || len < SCSI_REPORT_LUNS_HDR)
		return -EINVAL;
	list = be32(b);
	avail = len - SCSI_REPORT_LUNS_HDR;
	if (list > avail)
		list = avail;            /* the host claims more than it sent */
	for (uint32_t off = 0; off + SCSI_REPORT_LUNS_ENTRY <= list; off += SCSI_REPORT_LUNS_ENTRY) {
		const uint8_t *e = b + SCSI_REPORT_LUNS_HDR + off;
		uint8_t method = e[0] >> 6;
		uint32_t lun;
		bool dup = false;

		/* Peripheral (0) or flat (1) addressing of a single level. */
		if (method > 1 || e[2] || e[3] || e[4] || e[5] || e[6] || e[7])
			continue;
		lun = ((uint32_t)(e[0] & 0x3F) << 8) | e[1];
		if (lun > 255)
			continue;
		for (int k = 0; k < *n; k++)
			dup |= luns[k] == lun;
		if (dup)
			continue;
		if (*n >= max)
			break;
		luns[(*n)++] = (uint8_t)lun;
	}
	return 0;
}
