/*
 * Unit tests of the storvsc SCSI helpers (drivers/storvsc_scsi.c): CDB
 * layouts (docs/protocols/storage.md §8), the verdict on SRB status + SCSI status + sense
 * (§5.4, §7), and the parsers of host-written INQUIRY / VPD / READ CAPACITY
 * / REPORT LUNS data with hostile lengths and values (§14 item 10), plus a
 * fuzz loop over every parser (docs/style.md §15). Also the wire header's sizes
 * as the host and guest rely on them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"

#include "drivers/storvsc_scsi.c"

static int t_scsi_cdbs(void)
{
	uint8_t c[16];

	CHECK_EQ(scsi_cdb_rw(c, false, 0x12345678, 8, false, false), 10);
	CHECK_EQ(c[0], SCSI_OP_READ10);
	CHECK(c[2] == 0x12 && c[3] == 0x34 && c[4] == 0x56 && c[5] == 0x78);
	CHECK(c[7] == 0 && c[8] == 8);
	/* LBA + count beyond 32 bits, or count > 0xFFFF: (16). */
	CHECK_EQ(scsi_cdb_rw(c, true, 0xFFFFFFF0ull, 0x20, true, false), 16);
	CHECK_EQ(c[0], SCSI_OP_WRITE16);
	CHECK_EQ(c[1], 0x08);
	CHECK(c[6] == 0xFF && c[9] == 0xF0 && c[13] == 0x20);
	CHECK_EQ(scsi_cdb_rw(c, false, 0, 0x10000, false, false), 16);
	CHECK_EQ(scsi_cdb_rw(c, false, 0, 1, false, true), 16);
	CHECK_EQ(scsi_cdb_read_capacity16(c, 32), 16);
	CHECK(c[0] == 0x9E && c[1] == 0x10 && c[13] == 32);
	CHECK_EQ(scsi_cdb_inquiry(c, true, 0x83, 255), 6);
	CHECK(c[0] == 0x12 && c[1] == 1 && c[2] == 0x83 && c[3] == 0 && c[4] == 255);
	CHECK_EQ(scsi_cdb_report_luns(c, 4096), 12);
	CHECK(c[0] == 0xA0 && c[8] == 0x10 && c[9] == 0);
	CHECK_EQ(scsi_cdb_test_unit_ready(c), 6);
	CHECK_EQ(c[0], 0);
	CHECK_EQ(scsi_cdb_sync_cache(c, false), 10);
	CHECK_EQ(c[0], 0x35);
	return 0;
}

static int t_wire_sizes(void)
{
	struct storvsc_packet p;

	CHECK_EQ(sizeof(p), 64);
	CHECK_EQ(sizeof(p.u.srb), 52);
	CHECK_EQ(offsetof(struct storvsc_packet, u.srb.srb_flags), 12 + 40);
	CHECK_EQ(storvsc_pkt_size(STORVSC_VERSION_WIN10), 64);
	CHECK_EQ(storvsc_pkt_size(STORVSC_VERSION_WIN7), 48);
	return 0;
}

static int t_scsi_decode(void)
{
	uint8_t sense[20] = { 0x70, 0, SCSI_SK_MEDIUM_ERROR, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x11, 0 };
	char text[160];

	CHECK_EQ(storvsc_decode_result(STORVSC_SRB_SUCCESS, 0, NULL, 0, text, sizeof(text)), 0);
	CHECK_EQ(storvsc_decode_result(STORVSC_SRB_ERROR | STORVSC_SRB_STATUS_AUTOSENSE_VALID,
				       SCSI_STATUS_CHECK_CONDITION, sense, 20, text, sizeof(text)),
		 -EIO);
	CHECK(strstr(text, "medium error") && strstr(text, "unrecovered read error"));
	/* Sense without AUTOSENSE_VALID is not trusted. */
	CHECK_EQ(storvsc_decode_result(STORVSC_SRB_INVALID_REQUEST, SCSI_STATUS_CHECK_CONDITION,
				       sense, 20, text, sizeof(text)), -EINVAL);
	CHECK(strstr(text, "no sense"));
	sense[2] = SCSI_SK_DATA_PROTECT;
	sense[12] = 0x27;
	CHECK_EQ(storvsc_decode_result(STORVSC_SRB_ERROR | 0x80, 2, sense, 20, NULL, 0), -EROFS);
	sense[2] = SCSI_SK_UNIT_ATTENTION;
	sense[12] = 0x2A;
	sense[13] = 0x09;
	CHECK_EQ(storvsc_decode_result(STORVSC_SRB_ERROR | 0x80, 2, sense, 20, NULL, 0), -EAGAIN);
	{
		struct scsi_sense s = scsi_sense_parse(sense, 20);
		CHECK(scsi_sense_is_capacity_changed(&s));
	}
	CHECK_EQ(storvsc_decode_result(STORVSC_SRB_INVALID_LUN, 2, NULL, 0, NULL, 0), -ENODEV);
	CHECK_EQ(storvsc_decode_result(STORVSC_SRB_DATA_OVERRUN, 0, NULL, 0, NULL, 0), -EOVERFLOW);
	CHECK_EQ(storvsc_decode_result(0x3F, 0, NULL, 0, text, sizeof(text)), -EIO);
	CHECK(strstr(text, "unknown"));
	/* SRB success but SCSI BUSY. */
	CHECK_EQ(storvsc_decode_result(STORVSC_SRB_SUCCESS, SCSI_STATUS_BUSY, NULL, 0, NULL, 0),
		 -EAGAIN);
	/* Sense length 1 (hostile): no crash, not valid. */
	CHECK_EQ(scsi_sense_parse(sense, 1).valid, 0);
	return 0;
}

static int t_scsi_parse_capacity(void)
{
	struct scsi_capacity c;
	uint8_t b[32] = { 0 };

	b[7] = 0xFF;                       /* last LBA 255 */
	b[10] = 0x02;                      /* 512 */
	b[14] = 0x80;
	CHECK_EQ(scsi_parse_capacity16(b, 32, &c), 0);
	CHECK_EQ(c.nblocks, 256);
	CHECK_EQ(c.block_size, 512);
	CHECK(c.lbpme);
	b[10] = 0x03;                      /* 768: not a power of two */
	CHECK_EQ(scsi_parse_capacity16(b, 32, &c), -EINVAL);
	b[10] = 0;                         /* 0 */
	CHECK_EQ(scsi_parse_capacity16(b, 32, &c), -EINVAL);
	memset(b, 0xFF, 8);                /* last LBA all ones: overflow */
	b[8] = 0; b[9] = 0; b[10] = 2; b[11] = 0;
	CHECK_EQ(scsi_parse_capacity16(b, 32, &c), -EINVAL);
	CHECK_EQ(scsi_parse_capacity16(b, 11, &c), -EINVAL);   /* short */
	/* (10): saturated means "ask (16)". */
	memset(b, 0xFF, 4);
	b[4] = 0; b[5] = 0; b[6] = 2; b[7] = 0;
	CHECK_EQ(scsi_parse_capacity10(b, 8, &c), 0);
	CHECK(c.saturated);
	b[0] = 0; b[1] = 0; b[2] = 0x10; b[3] = 0;
	CHECK_EQ(scsi_parse_capacity10(b, 8, &c), 0);
	CHECK_EQ(c.nblocks, 0x1001);
	CHECK_EQ(scsi_parse_capacity10(b, 7, &c), -EINVAL);
	return 0;
}

static int t_scsi_parse_report_luns(void)
{
	uint8_t b[64] = { 0 }, luns[8];
	int n;

	b[3] = 32;                         /* 4 entries */
	b[8 + 1] = 0;
	b[16 + 1] = 3;
	b[24 + 1] = 3;                     /* duplicate */
	b[32] = 0x40; b[33] = 0x05;        /* flat addressing LUN 5 */
	CHECK_EQ(scsi_parse_report_luns(b, 40, luns, 8, &n), 0);
	CHECK_EQ(n, 3);
	CHECK(luns[0] == 0 && luns[1] == 3 && luns[2] == 5);
	/* The list claims far more than arrived: bounded by what arrived. */
	b[0] = 0x7F;
	CHECK_EQ(scsi_parse_report_luns(b, 24, luns, 8, &n), 0);
	CHECK_EQ(n, 2);
	/* LUN > 255, and a second level: skipped. */
	memset(b, 0, sizeof(b));
	b[3] = 16;
	b[8] = 0x01; b[9] = 0x00;          /* 256 */
	b[16 + 1] = 7; b[16 + 3] = 1;      /* second-level address */
	CHECK_EQ(scsi_parse_report_luns(b, 24, luns, 8, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(scsi_parse_report_luns(b, 7, luns, 8, &n), -EINVAL);
	/* More LUNs than the caller keeps. */
	memset(b, 0, sizeof(b));
	b[3] = 48;
	for (int i = 0; i < 6; i++)
		b[8 + 8 * i + 1] = (uint8_t)i;
	CHECK_EQ(scsi_parse_report_luns(b, 56, luns, 4, &n), 0);
	CHECK_EQ(n, 4);
	return 0;
}

static int t_scsi_parse_inquiry_vpd(void)
{
	uint8_t b[96] = { 0 }, pages[8];
	struct scsi_inquiry q;
	char s[40];
	uint32_t mx, mu;
	int n;

	memcpy(b + 8, "Msft    Virtual Disk    1.0 ", 28);
	b[9] = 0x01;                       /* a control byte in the vendor */
	CHECK_EQ(scsi_parse_inquiry(b, 36, &q), 0);
	CHECK(!strcmp(q.vendor, "M?ft"));
	CHECK(!strcmp(q.product, "Virtual Disk"));
	CHECK(!strcmp(q.revision, "1.0"));
	CHECK_EQ(scsi_parse_inquiry(b, 35, &q), -EINVAL);   /* short, not "no LU" */
	b[0] = 0x7F;
	CHECK_EQ(scsi_parse_inquiry(b, 1, &q), 0);
	CHECK_EQ(q.qualifier, 3);
	/* VPD 0x00 claiming 200 pages in 6 bytes. */
	memset(b, 0, sizeof(b));
	b[1] = 0; b[3] = 200; b[4] = 0x80; b[5] = 0x83;
	CHECK_EQ(scsi_parse_vpd_pages(b, 6, pages, 8, &n), 0);
	CHECK_EQ(n, 2);
	CHECK(scsi_vpd_has(pages, n, 0x83) && !scsi_vpd_has(pages, n, 0xB0));
	CHECK_EQ(scsi_parse_vpd_pages(b, 6, pages, 1, &n), 0);   /* bounded by max */
	CHECK_EQ(n, 1);
	b[1] = 0x80;                       /* wrong page code */
	CHECK_EQ(scsi_parse_vpd_pages(b, 6, pages, 8, &n), -EINVAL);
	/* Serial. */
	memset(b, 0, sizeof(b));
	b[1] = 0x80; b[3] = 4; memcpy(b + 4, "AB12", 4);
	CHECK_EQ(scsi_parse_vpd_serial(b, 8, s, sizeof(s)), 0);
	CHECK(!strcmp(s, "AB12"));
	/* Device id: a truncated designator after a good one. */
	memset(b, 0, sizeof(b));
	b[1] = 0x83; b[3] = 4 + 8 + 4;
	b[4] = 1; b[5] = 3; b[7] = 8;
	memcpy(b + 8, "\x60\x02\x24\x80\x00\x00\x00\x01", 8);
	b[16] = 2; b[17] = 8; b[19] = 200;  /* claims 200 bytes */
	CHECK_EQ(scsi_parse_vpd_devid(b, 20, s, sizeof(s)), 0);
	CHECK(!strcmp(s, "6002248000000001"));
	/* Block limits. */
	memset(b, 0, sizeof(b));
	b[1] = 0xB0; b[3] = 0x3C;
	b[10] = 0x01;                      /* max transfer 256 blocks */
	b[23] = 0x40;
	CHECK_EQ(scsi_parse_vpd_block_limits(b, 64, &mx, &mu), 0);
	CHECK_EQ(mx, 256);
	CHECK_EQ(mu, 64);
	CHECK_EQ(scsi_parse_vpd_block_limits(b, 10, &mx, &mu), 0);  /* short: zeros */
	CHECK_EQ(mx, 0);
	return 0;
}

/* Every parser over random bytes and lengths (ASan watches the reads). */
static int t_scsi_fuzz(void)
{
	uint64_t x = 12345;
	uint8_t *b = malloc(256);

	CHECK(b);
	for (int round = 0; round < 20000; round++) {
		uint32_t len;
		uint8_t luns[8], pages[16];
		char s[40];
		struct scsi_inquiry q;
		struct scsi_capacity c;
		uint32_t a, d;
		int n;

		for (int i = 0; i < 256; i++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			b[i] = (uint8_t)x;
		}
		len = (uint32_t)(x >> 40) % 257;
		/* Keep the data where a parser expects its page code sometimes. */
		if (len > 1 && (x & 3) == 0)
			b[1] = (uint8_t)((x >> 8) & 1 ? 0x83 : 0x80);
		scsi_parse_inquiry(b, len, &q);
		if (scsi_parse_report_luns(b, len, luns, 8, &n) == 0)
			CHECK(n <= 8);
		if (scsi_parse_vpd_pages(b, len, pages, 16, &n) == 0)
			CHECK(n <= 16 && (uint32_t)n <= (len > 4 ? len - 4 : 0));
		scsi_parse_vpd_serial(b, len, s, sizeof(s));
		CHECK(strlen(s) < sizeof(s));
		scsi_parse_vpd_devid(b, len, s, sizeof(s));
		CHECK(strlen(s) < sizeof(s));
		scsi_parse_vpd_block_limits(b, len, &a, &d);
		if (scsi_parse_capacity16(b, len, &c) == 0)
			CHECK(c.block_size >= 512 && (c.block_size & (c.block_size - 1)) == 0);
		scsi_parse_capacity10(b, len, &c);
		storvsc_decode_result(b[0], b[1], b + 2, len % 40, s, sizeof(s));
	}
	free(b);
	return 0;
}

const struct unit_test storvsc_tests[] = {
	{ "storvsc_wire_sizes", t_wire_sizes, QUICK },
	{ "storvsc_scsi_cdbs", t_scsi_cdbs, QUICK },
	{ "storvsc_scsi_decode", t_scsi_decode, QUICK },
	{ "storvsc_parse_capacity", t_scsi_parse_capacity, QUICK },
	{ "storvsc_parse_report_luns", t_scsi_parse_report_luns, QUICK },
	{ "storvsc_parse_inquiry_vpd", t_scsi_parse_inquiry_vpd, QUICK },
	{ "storvsc_scsi_fuzz", t_scsi_fuzz, QUICK },
	{ NULL, NULL, QUICK },
};
