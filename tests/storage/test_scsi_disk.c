/*
 * Unit tests of the simulated storage host's SCSI target (host/scsi_disk.c)
 * and LUN stores (host/backing.c): the identity and data layouts the guest
 * parses (docs/protocols/storage.md §8, SPC/SBC), the error mapping (§7), the durability
 * rule (a write is in the file when backing_write returns) and the data
 * path. Tables of tests (these, and the storage host's packet parser in
 * test_storvsc_host.c); `storage-unit NAME` runs one, `--results FILE`
 * appends PASS/FAIL lines (make test-storage).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/backing.h"
#include "host/scsi_disk.h"
#include "tests/storage/storage_tests.h"

int storage_t_failed;

static uint8_t buf[1 << 16];

static struct scsi_disk *mkdisk(uint64_t size, bool unmap, bool ro)
{
	struct backing *b = NULL;
	struct scsi_disk *d = NULL;
	struct scsi_disk_cfg cfg = {
		.lun = 3, .block_size = 512, .max_transfer = 0x40000, .unmap = unmap,
		.read_only = ro, .uid = { 1, 2, 3, 4, 5, 6, 7, 8 },
	};

	if (backing_open_mem(&b, size) < 0 || scsi_disk_create(&d, b, &cfg) < 0)
		abort();
	return d;
}

/* Run a CDB; returns the scsi_disk_execute result. */
static int run(struct scsi_disk *d, struct scsi_cmd *c, const uint8_t *cdb, uint8_t cdb_len,
	       uint8_t dir, uint32_t len)
{
	memset(c, 0, sizeof(*c));
	c->cdb = cdb;
	c->cdb_len = cdb_len;
	c->dir = dir;
	c->buf = buf;
	c->len = len;
	return scsi_disk_execute(d, c);
}

static bool is_check(const struct scsi_cmd *c, uint8_t srb, uint8_t key, uint8_t asc)
{
	return c->srb_status == (srb | STORVSC_SRB_STATUS_AUTOSENSE_VALID) &&
	       c->scsi_status == SCSI_STATUS_CHECK_CONDITION &&
	       c->sense[0] == SCSI_SENSE_FIXED_CURRENT && c->sense[SCSI_SENSE_OFF_KEY] == key &&
	       c->sense[SCSI_SENSE_OFF_ASC] == asc && c->xfer == 0;
}

static bool is_good(const struct scsi_cmd *c)
{
	return c->srb_status == STORVSC_SRB_SUCCESS && c->scsi_status == SCSI_STATUS_GOOD;
}

static void test_inquiry_identity(void)
{
	struct scsi_disk *d = mkdisk(1 << 20, false, false);
	uint8_t cdb[6] = { SCSI_OP_INQUIRY, 0, 0, 0, 96, 0 };
	struct scsi_cmd c;

	CHECK(run(d, &c, cdb, 6, STORVSC_DATA_IN, 96) == 0);
	CHECK(is_good(&c));
	CHECK(c.xfer == 36);
	CHECK(buf[0] == SCSI_PERIPH_DISK && buf[4] == 31);
	CHECK(!memcmp(buf + 8, "Msft    ", 8));
	CHECK(!memcmp(buf + 16, "Virtual Disk    ", 16));
	CHECK(!memcmp(buf + 32, "1.0 ", 4));
	/* the allocation length may not exceed the buffer (§8) */
	cdb[4] = 200;
	run(d, &c, cdb, 6, STORVSC_DATA_IN, 96);
	CHECK(is_check(&c, STORVSC_SRB_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		       SCSI_ASC_INVALID_FIELD_IN_CDB));
	/* a short allocation truncates */
	cdb[4] = 8;
	run(d, &c, cdb, 6, STORVSC_DATA_IN, 96);
	CHECK(is_good(&c) && c.xfer == 8);
	scsi_disk_destroy(d);
}

static void test_vpd_pages(void)
{
	struct scsi_disk *d = mkdisk(1 << 20, false, false);
	struct scsi_disk *u = mkdisk(1 << 20, true, false);
	uint8_t cdb[6] = { SCSI_OP_INQUIRY, 1, 0, 0, 255, 0 };
	static const uint8_t plain[] = { 0x00, 0x80, 0x83, 0xB0 };
	static const uint8_t withu[] = { 0x00, 0x80, 0x83, 0xB0, 0xB2 };
	struct scsi_cmd c;

	run(d, &c, cdb, 6, STORVSC_DATA_IN, 255);
	CHECK(is_good(&c) && buf[1] == 0 && buf[3] == sizeof(plain));
	CHECK(!memcmp(buf + 4, plain, sizeof(plain)));
	run(u, &c, cdb, 6, STORVSC_DATA_IN, 255);
	CHECK(is_good(&c) && buf[3] == sizeof(withu) && !memcmp(buf + 4, withu, sizeof(withu)));
	/* 0x80: the serial, as ASCII, unique per LUN */
	cdb[2] = 0x80;
	run(d, &c, cdb, 6, STORVSC_DATA_IN, 255);
	CHECK(is_good(&c) && buf[1] == 0x80 && buf[3] > 0 && c.xfer == 4u + buf[3]);
	CHECK(memchr(buf + 4, 'L', buf[3]) != NULL);
	/* 0x83: NAA 6 with Microsoft's OUI first, then a T10 vendor id */
	cdb[2] = 0x83;
	run(d, &c, cdb, 6, STORVSC_DATA_IN, 255);
	CHECK(is_good(&c) && buf[1] == 0x83);
	CHECK(buf[4] == 0x01 && (buf[5] & 0x0F) == 0x03 && buf[7] == 16);
	CHECK(buf[8] == 0x60 && buf[9] == 0x02 && buf[10] == 0x24 && (buf[11] & 0xF0) == 0x80);
	CHECK((buf[25] & 0x0F) == 0x01 && !memcmp(buf + 28, "Msft    ", 8));
	/* 0xB0: maximum transfer length in blocks */
	cdb[2] = 0xB0;
	run(d, &c, cdb, 6, STORVSC_DATA_IN, 255);
	CHECK(is_good(&c) && buf[3] == 0x3C && c.xfer == 64);
	CHECK(buf[8] == 0 && buf[9] == 0 && buf[10] == 0x02 && buf[11] == 0x00); /* 512 */
	/* 0xB2 only with unmap; unknown pages are illegal requests */
	cdb[2] = 0xB2;
	run(d, &c, cdb, 6, STORVSC_DATA_IN, 255);
	CHECK(is_check(&c, STORVSC_SRB_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		       SCSI_ASC_INVALID_FIELD_IN_CDB));
	run(u, &c, cdb, 6, STORVSC_DATA_IN, 255);
	CHECK(is_good(&c) && (buf[5] & 0x80));
	cdb[2] = 0x99;
	run(d, &c, cdb, 6, STORVSC_DATA_IN, 255);
	CHECK(is_check(&c, STORVSC_SRB_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		       SCSI_ASC_INVALID_FIELD_IN_CDB));
	scsi_disk_destroy(d);
	scsi_disk_destroy(u);
}

static void test_read_capacity(void)
{
	struct scsi_disk *d = mkdisk(3 << 20, true, false);
	uint8_t rc10[10] = { SCSI_OP_READ_CAPACITY10 };
	uint8_t rc16[16] = { SCSI_OP_SERVICE_ACTION_IN16, SCSI_SAI_READ_CAPACITY16 };
	struct scsi_cmd c;

	run(d, &c, rc10, 10, STORVSC_DATA_IN, 8);
	CHECK(is_good(&c) && c.xfer == 8);
	CHECK(buf[0] == 0 && buf[1] == 0 && buf[2] == 0x17 && buf[3] == 0xFF);   /* 6143 */
	CHECK(buf[4] == 0 && buf[5] == 0 && buf[6] == 2 && buf[7] == 0);
	run(d, &c, rc10, 10, STORVSC_DATA_IN, 4);
	CHECK(c.srb_status == STORVSC_SRB_DATA_OVERRUN && c.xfer == 0);
	rc16[13] = 32;
	run(d, &c, rc16, 16, STORVSC_DATA_IN, 32);
	CHECK(is_good(&c) && c.xfer == 32);
	CHECK(buf[6] == 0x17 && buf[7] == 0xFF && buf[10] == 2 && (buf[14] & SCSI_RC16_LBPME));
	run(d, &c, rc16, 16, STORVSC_DATA_IN, 8);
	CHECK(c.srb_status == STORVSC_SRB_DATA_OVERRUN);
	rc16[1] = 0x11;           /* another service action */
	run(d, &c, rc16, 16, STORVSC_DATA_IN, 32);
	CHECK(is_check(&c, STORVSC_SRB_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		       SCSI_ASC_INVALID_FIELD_IN_CDB));
	scsi_disk_destroy(d);
}

static void test_read_write(void)
{
	struct scsi_disk *d = mkdisk(1 << 20, false, false);
	uint8_t w10[10] = { SCSI_OP_WRITE10, 0, 0, 0, 0, 10, 0, 0, 2, 0 };
	uint8_t r16[16] = { SCSI_OP_READ16, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 2 };
	struct scsi_cmd c;

	for (int i = 0; i < 1024; i++)
		buf[i] = (uint8_t)(i * 3 + 1);
	run(d, &c, w10, 10, STORVSC_DATA_OUT, 1024);
	CHECK(is_good(&c) && c.xfer == 1024 && c.is_write && c.lba == 10 && c.blocks == 2);
	memset(buf, 0, 1024);
	run(d, &c, r16, 16, STORVSC_DATA_IN, 4096);   /* a larger buffer is fine */
	CHECK(is_good(&c) && c.xfer == 1024 && !c.is_write);
	for (int i = 0; i < 1024; i++)
		if (buf[i] != (uint8_t)(i * 3 + 1)) {
			CHECK(!"read back differs");
			break;
		}
	/* out of range, zero blocks, a buffer too small, RelAdr */
	r16[9] = 0xFF; r16[8] = 0x07;                 /* LBA 2047 + 2 > 2048 */
	run(d, &c, r16, 16, STORVSC_DATA_IN, 1024);
	CHECK(is_check(&c, STORVSC_SRB_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		       SCSI_ASC_LBA_OUT_OF_RANGE));
	w10[8] = 0;
	run(d, &c, w10, 10, STORVSC_DATA_OUT, 1024);
	CHECK(is_check(&c, STORVSC_SRB_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		       SCSI_ASC_LBA_OUT_OF_RANGE) && !c.is_write);
	w10[8] = 4;
	run(d, &c, w10, 10, STORVSC_DATA_OUT, 1024);
	CHECK(is_check(&c, STORVSC_SRB_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		       SCSI_ASC_INVALID_FIELD_IN_CDB));
	w10[8] = 1;
	w10[1] = 1;
	run(d, &c, w10, 10, STORVSC_DATA_OUT, 1024);
	CHECK(is_check(&c, STORVSC_SRB_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		       SCSI_ASC_INVALID_FIELD_IN_CDB));
	/* a READ with a data-out buffer is a transport violation */
	r16[8] = 0; r16[9] = 1;
	CHECK(run(d, &c, r16, 16, STORVSC_DATA_OUT, 1024) == -EPROTO);
	scsi_disk_destroy(d);
}

static void test_read_only(void)
{
	struct scsi_disk *d = mkdisk(1 << 20, true, true);
	uint8_t w16[16] = { SCSI_OP_WRITE16, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1 };
	uint8_t ms[6] = { 0x1A, 0, 0x3F, 0, 64, 0 };
	struct scsi_cmd c;

	run(d, &c, w16, 16, STORVSC_DATA_OUT, 512);
	CHECK(is_check(&c, STORVSC_SRB_ERROR, SCSI_SK_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED));
	run(d, &c, ms, 6, STORVSC_DATA_IN, 64);
	CHECK(is_good(&c) && (buf[2] & 0x80) && buf[0] == c.xfer - 1);
	scsi_disk_destroy(d);
}

static void test_unmap(void)
{
	struct scsi_disk *d = mkdisk(1 << 20, true, false);
	struct scsi_disk *n = mkdisk(1 << 20, false, false);
	uint8_t w10[10] = { SCSI_OP_WRITE10, 0, 0, 0, 0, 4, 0, 0, 4, 0 };
	uint8_t r10[10] = { SCSI_OP_READ10, 0, 0, 0, 0, 4, 0, 0, 4, 0 };
	uint8_t um[10] = { SCSI_OP_UNMAP, 0, 0, 0, 0, 0, 0, 0, 24, 0 };
	static const uint8_t list[24] = {
		0, 22, 0, 16, 0, 0, 0, 0,                 /* header */
		0, 0, 0, 0, 0, 0, 0, 5,  0, 0, 0, 2,  0, 0, 0, 0, /* LBA 5, 2 blocks */
	};
	struct scsi_cmd c;

	memset(buf, 0xAB, 2048);
	run(d, &c, w10, 10, STORVSC_DATA_OUT, 2048);
	CHECK(is_good(&c));
	memcpy(buf, list, sizeof(list));
	run(d, &c, um, 10, STORVSC_DATA_OUT, 24);
	CHECK(is_good(&c));
	run(d, &c, r10, 10, STORVSC_DATA_IN, 2048);
	CHECK(is_good(&c));
	CHECK(buf[0] == 0xAB && buf[511] == 0xAB);            /* LBA 4 kept */
	CHECK(buf[512] == 0 && buf[1535] == 0);               /* LBAs 5-6 zero */
	CHECK(buf[1536] == 0xAB);                             /* LBA 7 kept */
	/* a descriptor past the end: nothing is discarded */
	memcpy(buf, list, sizeof(list));
	buf[15] = 0xFF; buf[14] = 0x07;                       /* LBA 2047, 2 blocks */
	run(d, &c, um, 10, STORVSC_DATA_OUT, 24);
	CHECK(is_check(&c, STORVSC_SRB_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		       SCSI_ASC_LBA_OUT_OF_RANGE));
	memcpy(buf, list, sizeof(list));
	run(n, &c, um, 10, STORVSC_DATA_OUT, 24);
	CHECK(is_check(&c, STORVSC_SRB_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		       SCSI_ASC_INVALID_OPCODE));
	scsi_disk_destroy(d);
	scsi_disk_destroy(n);
}

static void test_misc_commands(void)
{
	struct scsi_disk *d = mkdisk(1 << 20, false, false);
	uint8_t tur[6] = { SCSI_OP_TEST_UNIT_READY };
	uint8_t sync[10] = { SCSI_OP_SYNCHRONIZE_CACHE10 };
	uint8_t bad[6] = { 0x04 };                            /* FORMAT UNIT */
	uint8_t shortcdb[10] = { SCSI_OP_READ10 };
	struct scsi_cmd c;

	run(d, &c, tur, 6, STORVSC_DATA_NONE, 0);
	CHECK(is_good(&c) && c.xfer == 0);
	run(d, &c, sync, 10, STORVSC_DATA_NONE, 0);
	CHECK(is_good(&c));
	run(d, &c, bad, 6, STORVSC_DATA_NONE, 0);
	CHECK(is_check(&c, STORVSC_SRB_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		       SCSI_ASC_INVALID_OPCODE));
	run(d, &c, shortcdb, 6, STORVSC_DATA_IN, 512);
	CHECK(is_check(&c, STORVSC_SRB_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		       SCSI_ASC_INVALID_FIELD_IN_CDB));
	/* a capacity change is reported once as a unit attention (§10) */
	d->unit_attention = true;
	run(d, &c, tur, 6, STORVSC_DATA_NONE, 0);
	CHECK(is_check(&c, STORVSC_SRB_ERROR, SCSI_SK_UNIT_ATTENTION, SCSI_ASC_PARAMS_CHANGED));
	CHECK(c.sense[SCSI_SENSE_OFF_ASCQ] == SCSI_ASCQ_CAPACITY_CHANGED);
	run(d, &c, tur, 6, STORVSC_DATA_NONE, 0);
	CHECK(is_good(&c));
	scsi_disk_destroy(d);
}

static void test_controller(void)
{
	uint8_t inq[6] = { SCSI_OP_INQUIRY, 0, 0, 0, 36, 0 };
	uint8_t tur[6] = { SCSI_OP_TEST_UNIT_READY };
	uint8_t rl[12] = { SCSI_OP_REPORT_LUNS, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	static const uint8_t luns[] = { 0, 2, 5 };
	struct scsi_cmd c = { .cdb = inq, .cdb_len = 6, .dir = STORVSC_DATA_IN, .buf = buf,
			      .len = 36 };

	scsi_no_lun(&c);
	CHECK(is_good(&c) && buf[0] == SCSI_PERIPH_NO_LUN && c.xfer == 36);
	c = (struct scsi_cmd){ .cdb = tur, .cdb_len = 6, .dir = STORVSC_DATA_NONE, .buf = buf };
	scsi_no_lun(&c);
	CHECK(c.srb_status == STORVSC_SRB_INVALID_LUN &&
	      c.scsi_status == SCSI_STATUS_CHECK_CONDITION && c.sense_len == 0);
	c = (struct scsi_cmd){ .cdb = rl, .cdb_len = 12, .dir = STORVSC_DATA_IN, .buf = buf,
			       .len = 256 };
	scsi_report_luns(&c, luns, 3);
	CHECK(is_good(&c) && c.xfer == 32 && buf[3] == 24);
	CHECK(buf[9] == 0 && buf[17] == 2 && buf[25] == 5);
	c.len = 4;
	scsi_report_luns(&c, luns, 3);
	CHECK(is_good(&c) && c.xfer == 0);
	CHECK(scsi_srb_to_ntstatus(STORVSC_SRB_SUCCESS) == STORVSC_NT_SUCCESS);
	CHECK(scsi_srb_to_ntstatus(STORVSC_SRB_INVALID_LUN) == STORVSC_NT_DEVICE_DOES_NOT_EXIST);
	CHECK(scsi_srb_to_ntstatus(STORVSC_SRB_ERROR | STORVSC_SRB_STATUS_AUTOSENSE_VALID) ==
	      STORVSC_NT_IO_DEVICE_ERROR);
	CHECK(scsi_srb_to_ntstatus(STORVSC_SRB_DATA_OVERRUN) == STORVSC_NT_BUFFER_OVERFLOW);
}

static char tmpl[] = "/tmp/keel-backing-XXXXXX";

static int mkfile(size_t size)
{
	int fd = mkstemp(tmpl);

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		abort();
	return fd;
}

/* A write is in the file when backing_write returns (read through another
 * descriptor); a snapshot never writes the file. */
static void test_backing_file(void)
{
	struct backing *b = NULL, *s = NULL;
	uint8_t in[4096], out[4096];
	int fd = mkfile(1 << 20);

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i ^ 0x5A);
	CHECK(backing_open_file(&b, tmpl, false, BACKING_SYNC_ALWAYS) == 0);
	CHECK(backing_size(b) == 1 << 20);
	CHECK(backing_write(b, 8192, in, sizeof(in), false) == 0);
	CHECK(pread(fd, out, sizeof(out), 8192) == (ssize_t)sizeof(out));
	CHECK(!memcmp(in, out, sizeof(in)));
	CHECK(backing_write(b, (1 << 20) - 100, in, 200, false) == -ERANGE);
	CHECK(backing_discard(b, 8192, 512) == 0);
	CHECK(pread(fd, out, 512, 8192) == 512 && out[0] == 0 && out[511] == 0);
	backing_close(b);
	CHECK(backing_open_snapshot(&s, tmpl) == 0);
	CHECK(backing_read(s, 8704, out, 16) == 0 && !memcmp(out, in + 512, 16));
	CHECK(backing_write(s, 0, in, 512, false) == 0);
	CHECK(pread(fd, out, 512, 0) == 512 && out[0] == 0);
	backing_close(s);
	CHECK(backing_open_file(&b, tmpl, true, BACKING_SYNC_FLUSH) == 0);
	CHECK(backing_write(b, 0, in, 512, false) == -EROFS);
	backing_close(b);
	close(fd);
	unlink(tmpl);
}

static const struct storage_test scsi_tests[] = {
	{ "scsi-inquiry-identity", test_inquiry_identity },
	{ "scsi-vpd-pages", test_vpd_pages },
	{ "scsi-read-capacity", test_read_capacity },
	{ "scsi-read-write", test_read_write },
	{ "scsi-read-only", test_read_only },
	{ "scsi-unmap", test_unmap },
	{ "scsi-misc-commands", test_misc_commands },
	{ "scsi-controller", test_controller },
	{ "backing-file", test_backing_file },
	{ NULL, NULL },
};

static const struct storage_test *const suites[] = { scsi_tests, storvsc_host_tests };

int main(int argc, char **argv)
{
	const char *results = NULL, *only = NULL;
	FILE *rf = NULL;
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--results") && i + 1 < argc)
			results = argv[++i];
		else
			only = argv[i];
	}
	if (results && !(rf = fopen(results, "a"))) {
		perror(results);
		return 2;
	}
	for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		for (const struct storage_test *t = suites[s]; t->name; t++) {
			if (only && strcmp(only, t->name))
				continue;
			storage_t_failed = 0;
			t->fn();
			printf("%s storage/%s\n", storage_t_failed ? "FAIL" : "PASS", t->name);
			if (rf)
				fprintf(rf, "%s storage/%s\n", storage_t_failed ? "FAIL" : "PASS",
					t->name);
			failed += storage_t_failed;
		}
	}
	if (rf)
		fclose(rf);
	return failed ? 1 : 0;
}
