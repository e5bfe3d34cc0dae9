/*
 * Hostile-guest tests of the storage host's packet parser
 * (host/storvsc_host.c; docs/protocols/storage.md §2.2, §15): packets are handed to the
 * device's on_packet directly, as the VMBus host does after copying them
 * out of the ring, with guest memory a private buffer at a fixed GPA. Each
 * malformed packet must end in a host-side violation; well-formed ones must
 * move the right data between guest memory and the LUN. The channel is not
 * open, so completions are dropped: results are read from the device's
 * statistics and its LUN. Part of the storage-unit runner
 * (tests/storage/test_scsi_disk.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_priv.h"
#include "host/storvsc_host.h"
#include "include/hyperv/storvsc_wire.h"
#include "tests/storage/storage_tests.h"

#define G_BASE  0x100000ull             /* GPA of guest RAM */
#define G_PAGES 64

static uint8_t *g_ram;
static uint64_t g_now;

static void *t_gmem(void *ctx, uint64_t gpa, size_t len)
{
	(void)ctx;
	if (gpa < G_BASE || gpa + len > G_BASE + G_PAGES * 4096ull || gpa + len < gpa)
		return NULL;
	return g_ram + (gpa - G_BASE);
}

static uint64_t t_now(void *ctx) { (void)ctx; return g_now; }
static void t_irq(void *ctx, int v) { (void)ctx; (void)v; }

struct t_env {
	struct host *h;
	struct host_dev *d;
	struct host_chan *c;
	int di;
};

static void t_setup(struct t_env *e, const char *profile)
{
	static const struct host_env env = { .gmem = t_gmem, .now_ns = t_now, .raise_irq = t_irq };

	g_ram = calloc(G_PAGES, 4096);
	e->h = host_create(&env, host_profile_find(profile));
	e->di = host_device_add(e->h, "storage", "stor");
	if (!g_ram || !e->h || e->di < 0 || host_device_param(e->h, e->di, "size", "1M") < 0 ||
	    host_device_param(e->h, e->di, "max-transfer", "64K") < 0)
		abort();
	e->d = e->h->devs[e->di];
	e->c = e->d->chan[0];
	e->c->relid = 1;
	if (e->d->ops->on_open(e->d, e->c) != 0)
		abort();
}

static void t_teardown(struct t_env *e)
{
	host_destroy(e->h);
	free(g_ram);
}

/* An in-band request: descriptor + vstor_packet of len bytes. */
static void t_inband(struct t_env *e, const struct storvsc_packet *p, uint32_t len, uint16_t flags)
{
	uint8_t pkt[16 + 64];
	struct vmbus_pkt_desc d = {
		.type = VMBUS_PKT_DATA_INBAND, .offset8 = 2, .len8 = (uint16_t)((16 + len + 7) / 8),
		.flags = flags, .trans_id = 7,
	};

	memcpy(pkt, &d, sizeof(d));
	memcpy(pkt + 16, p, len);
	e->d->ops->on_packet(e->d, e->c, &d, pkt, 16 + ((len + 7) & ~7u));
}

/* A GPA-direct request with one range over [gpa, gpa+count) (§2.2). */
static void t_gpa(struct t_env *e, const struct storvsc_packet *p, uint64_t gpa, uint32_t count,
		  uint32_t rangecount, int pfn_fudge)
{
	uint8_t pkt[1024];
	uint32_t off = (uint32_t)(gpa & 4095), n = (off + count + 4095) / 4096;
	uint32_t hdr = 24 + 8 + 8 * n;
	struct vmbus_gpa_direct_header h = {
		.desc = { .type = VMBUS_PKT_DATA_USING_GPA_DIRECT, .offset8 = (uint16_t)(hdr / 8),
			  .len8 = (uint16_t)((hdr + 64) / 8), .flags = 1, .trans_id = 9 },
		.rangecount = rangecount,
	};
	struct vmbus_gpa_range r = { .byte_count = count, .byte_offset = off };

	memcpy(pkt, &h, sizeof(h));
	memcpy(pkt + 24, &r, sizeof(r));
	for (uint32_t i = 0; i < n; i++) {
		uint64_t pfn = gpa / 4096 + i + (i == n - 1 ? (uint64_t)(int64_t)pfn_fudge : 0);

		memcpy(pkt + 32 + 8 * i, &pfn, 8);
	}
	memcpy(pkt + hdr, p, 64);
	e->d->ops->on_packet(e->d, e->c, &h.desc, pkt, hdr + 64);
}

static void t_op(struct t_env *e, uint32_t op, uint16_t version)
{
	struct storvsc_packet p = { .operation = op, .flags = 1 };

	p.u.version.major_minor = version;
	t_inband(e, &p, 64, 1);
}

static void t_init(struct t_env *e)
{
	t_op(e, STORVSC_OP_BEGIN_INITIALIZATION, 0);
	t_op(e, STORVSC_OP_QUERY_PROTOCOL_VERSION, STORVSC_VERSION_WIN10);
	t_op(e, STORVSC_OP_QUERY_PROPERTIES, 0);
	t_op(e, STORVSC_OP_END_INITIALIZATION, 0);
}

static struct storvsc_packet t_rw(bool write, uint32_t lba, uint16_t blocks, uint32_t dtl)
{
	struct storvsc_packet p = { .operation = STORVSC_OP_EXECUTE_SRB, .flags = 1 };

	p.u.srb.length = STORVSC_SRB_SIZE;
	p.u.srb.cdb_length = 10;
	p.u.srb.sense_info_length = STORVSC_SENSE_MAX;
	p.u.srb.data_in = write ? STORVSC_DATA_OUT : STORVSC_DATA_IN;
	p.u.srb.data_transfer_length = dtl;
	p.u.srb.u.cdb[0] = write ? SCSI_OP_WRITE10 : SCSI_OP_READ10;
	p.u.srb.u.cdb[2] = (uint8_t)(lba >> 24);
	p.u.srb.u.cdb[3] = (uint8_t)(lba >> 16);
	p.u.srb.u.cdb[4] = (uint8_t)(lba >> 8);
	p.u.srb.u.cdb[5] = (uint8_t)lba;
	p.u.srb.u.cdb[7] = (uint8_t)(blocks >> 8);
	p.u.srb.u.cdb[8] = (uint8_t)blocks;
	return p;
}

static struct storvsc_host_stats t_stats(struct t_env *e)
{
	struct storvsc_host_stats st;

	if (storvsc_host_get_stats(e->h, e->di, &st) < 0)
		abort();
	return st;
}

/* Negotiation per profile, init order, and a write/read round trip. */
static void test_host_init_and_io(void)
{
	struct t_env e;
	uint8_t disk[1536];
	struct storvsc_packet p;

	t_setup(&e, "openvmm");
	t_op(&e, STORVSC_OP_QUERY_PROTOCOL_VERSION, STORVSC_VERSION_WIN10);  /* before BEGIN */
	CHECK(t_stats(&e).version == 0);
	t_op(&e, STORVSC_OP_BEGIN_INITIALIZATION, 0);
	t_op(&e, STORVSC_OP_QUERY_PROTOCOL_VERSION, STORVSC_VERSION_WIN10);  /* openvmm: no */
	CHECK(t_stats(&e).version == 0);
	t_op(&e, STORVSC_OP_QUERY_PROTOCOL_VERSION, STORVSC_VERSION_WIN8_1);
	CHECK(t_stats(&e).version == STORVSC_VERSION_WIN8_1);
	p = t_rw(true, 4, 3, 1536);
	t_gpa(&e, &p, G_BASE + 4096 + 3000, 1536, 1, 0);         /* before END: not executed */
	CHECK(t_stats(&e).writes == 0);
	t_op(&e, STORVSC_OP_QUERY_PROPERTIES, 0);
	t_op(&e, STORVSC_OP_END_INITIALIZATION, 0);
	for (int i = 0; i < 1536; i++)
		g_ram[4096 + 3000 + i] = (uint8_t)(i * 5 + 3);
	t_gpa(&e, &p, G_BASE + 4096 + 3000, 1536, 1, 0);         /* crosses a page */
	CHECK(t_stats(&e).writes == 1);
	CHECK(storvsc_host_lun_read(e.h, e.di, 0, 4 * 512, disk, sizeof(disk)) == 0);
	CHECK(!memcmp(disk, g_ram + 4096 + 3000, sizeof(disk)));
	p = t_rw(false, 4, 3, 1536);
	t_gpa(&e, &p, G_BASE + 5 * 4096 + 4000, 1536, 1, 0);
	CHECK(t_stats(&e).reads == 1);
	CHECK(!memcmp(g_ram + 5 * 4096 + 4000, disk, sizeof(disk)));
	CHECK(host_violation(e.h) == NULL);
	t_teardown(&e);
}

/* Each malformed request is a violation (a fresh host per case). */
static void test_host_violations(void)
{
	static const char *const cases[] = {
		"no-completion-flag", "short-header", "bad-type", "two-ranges", "pfn-outside",
		"range-short", "over-max-transfer", "data-without-range", "read-data-out",
		"short-srb",
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct t_env e;
		struct storvsc_packet p = t_rw(true, 0, 2, 1024);
		const char *v;

		t_setup(&e, "ws2022");
		t_init(&e);
		CHECK(host_violation(e.h) == NULL);
		switch (k) {
		case 0: t_inband(&e, &p, 64, 0); break;
		case 1: t_inband(&e, &p, 8, 1); break;
		case 2: {
			uint8_t pkt[80] = { 0 };
			struct vmbus_pkt_desc d = { .type = VMBUS_PKT_COMP, .offset8 = 2, .len8 = 10,
						    .flags = 1 };

			memcpy(pkt, &d, sizeof(d));
			e.d->ops->on_packet(e.d, e.c, &d, pkt, sizeof(pkt));
			break;
		}
		case 3: t_gpa(&e, &p, G_BASE, 1024, 2, 0); break;
		case 4: t_gpa(&e, &p, G_BASE + 4096 * (G_PAGES - 1) + 3500, 1024, 1, 0); break;
		case 5: t_gpa(&e, &p, G_BASE, 512, 1, 0); break;
		case 6:
			p = t_rw(true, 0, 160, 160 * 512);               /* 80K > 64K */
			t_gpa(&e, &p, G_BASE, 160 * 512, 1, 0);
			break;
		case 7: t_inband(&e, &p, 64, 1); break;
		case 8:
			p = t_rw(false, 0, 2, 1024);
			p.u.srb.data_in = STORVSC_DATA_OUT;
			t_gpa(&e, &p, G_BASE, 1024, 1, 0);
			break;
		case 9: t_inband(&e, &p, 40, 1); break;
		}
		v = host_violation(e.h);
		if (!v)
			fprintf(stderr, "  case %s: no violation\n", cases[k]);
		CHECK(v != NULL);
		CHECK(t_stats(&e).writes == 0);
		t_teardown(&e);
	}
}

/* A well-formed request whose PFN is fine but moved one page: the data goes
 * where the PFN list says (the host follows the list, not the offset). */
static void test_host_pfn_list(void)
{
	struct t_env e;
	struct storvsc_packet p = t_rw(true, 8, 8, 4096);
	uint8_t disk[4096];

	t_setup(&e, "ws2022");
	t_init(&e);
	memset(g_ram + 2 * 4096, 0x11, 4096);
	memset(g_ram + 3 * 4096, 0x22, 4096);
	t_gpa(&e, &p, G_BASE + 2 * 4096, 4096, 1, 1);            /* PFN of page 3 instead */
	CHECK(host_violation(e.h) == NULL && t_stats(&e).writes == 1);
	CHECK(storvsc_host_lun_read(e.h, e.di, 0, 8 * 512, disk, sizeof(disk)) == 0);
	CHECK(disk[0] == 0x22 && disk[4095] == 0x22);
	t_teardown(&e);
}

const struct storage_test storvsc_host_tests[] = {
	{ "host-init-and-io", test_host_init_and_io },
	{ "host-violations", test_host_violations },
	{ "host-pfn-list", test_host_pfn_list },
	{ NULL, NULL },
};
