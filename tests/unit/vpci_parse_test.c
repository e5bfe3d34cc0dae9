/*
 * Unit tests of the vPCI parsers (drivers/vpci_parse.c) with hostile input
 * (docs/protocols/vpci.md "Validation"): relations counts that overrun the
 * packet or our bound, reserved slot bits, duplicate slots, both list
 * forms; resource requirement replies that are short or failed; BAR masks
 * that are I/O, 64-bit at index 5 or no size at all. Also the MMIO
 * allocator (drivers/pci_mmio.c): natural alignment, the framebuffer
 * reservation, no overlaps; the platform seam's MMIO pair in the hosted
 * build; and a fuzz loop over the parsers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"

#include "drivers/pci_mmio.c"
#include "drivers/vpci_parse.c"

static uint32_t t_relations(uint8_t *buf, uint32_t type, uint32_t count, uint32_t n_real)
{
	struct vpci_bus_relations h = { type, count };
	uint32_t dsz = type == VPCI_MSG_BUS_RELATIONS2 ? 28 : 20;

	memcpy(buf, &h, sizeof(h));
	for (uint32_t i = 0; i < n_real; i++) {
		struct vpci_func_desc2 d;

		memset(&d, 0, sizeof(d));
		d.d.vendor_id = 0x1414;
		d.d.device_id = (uint16_t)(0x100 + i);
		d.d.wslot = VPCI_WSLOT(i, 0);
		d.d.serial = i;
		memcpy(buf + 8 + i * dsz, &d, dsz);
	}
	return 8 + n_real * dsz;
}

static int t_vpci_relations(void)
{
	static uint8_t buf[8 + 40 * 28];
	struct vpci_relations r;
	uint32_t len;

	len = t_relations(buf, VPCI_MSG_BUS_RELATIONS, 3, 3);
	CHECK_EQ(vpci_parse_relations(buf, len, &r), 0);
	CHECK_EQ(r.count, 3);
	CHECK_EQ(r.f[2].d.device_id, 0x102);
	CHECK_EQ(r.f[2].d.wslot, 2);
	len = t_relations(buf, VPCI_MSG_BUS_RELATIONS2, 2, 2);
	CHECK_EQ(vpci_parse_relations(buf, len, &r), 0);
	CHECK_EQ(r.f[1].d.serial, 1);
	/* zero functions: everything is gone */
	len = t_relations(buf, VPCI_MSG_BUS_RELATIONS2, 0, 0);
	CHECK_EQ(vpci_parse_relations(buf, len, &r), 0);
	CHECK_EQ(r.count, 0);
	/* a count larger than the packet */
	len = t_relations(buf, VPCI_MSG_BUS_RELATIONS, 4, 3);
	CHECK_EQ(vpci_parse_relations(buf, len, &r), -EINVAL);
	/* a count whose product overflows 32 bits, and one above our bound */
	len = t_relations(buf, VPCI_MSG_BUS_RELATIONS2, 0x0924924A, 1);
	CHECK_EQ(vpci_parse_relations(buf, len, &r), -EINVAL);
	len = t_relations(buf, VPCI_MSG_BUS_RELATIONS, VPCI_MAX_FUNCS + 1, VPCI_MAX_FUNCS + 1);
	CHECK_EQ(vpci_parse_relations(buf, len, &r), -EINVAL);
	/* the short form's length is not enough for the long form */
	len = t_relations(buf, VPCI_MSG_BUS_RELATIONS, 2, 2);
	memcpy(buf, &(uint32_t){ VPCI_MSG_BUS_RELATIONS2 }, 4);
	CHECK_EQ(vpci_parse_relations(buf, len, &r), -EINVAL);
	/* reserved slot bits, duplicate slots, a short header, a wrong type */
	len = t_relations(buf, VPCI_MSG_BUS_RELATIONS, 2, 2);
	buf[8 + 20 + 13] = 1;               /* wslot of the second: bit 8 */
	CHECK_EQ(vpci_parse_relations(buf, len, &r), -EINVAL);
	len = t_relations(buf, VPCI_MSG_BUS_RELATIONS, 2, 2);
	buf[8 + 20 + 12] = 0;               /* both in slot 0 */
	CHECK_EQ(vpci_parse_relations(buf, len, &r), -EINVAL);
	CHECK_EQ(vpci_parse_relations(buf, 7, &r), -EINVAL);
	memcpy(buf, &(uint32_t){ VPCI_MSG_EJECT }, 4);
	CHECK_EQ(vpci_parse_relations(buf, len, &r), -EINVAL);
	return 0;
}

static int t_vpci_resource_reqs(void)
{
	struct vpci_resource_reqs_reply rr = { 0, { 0xFFFFC004, 0xFFFFFFFF } };
	uint32_t mask[VPCI_BARS];

	CHECK_EQ(vpci_parse_resource_reqs((const uint8_t *)&rr, sizeof(rr), mask), 0);
	CHECK_EQ(mask[0], 0xFFFFC004);
	CHECK_EQ(vpci_parse_resource_reqs((const uint8_t *)&rr, sizeof(rr) - 1, mask), -EINVAL);
	rr.status = VPCI_STATUS_BAD_DATA;
	CHECK_EQ(vpci_parse_resource_reqs((const uint8_t *)&rr, sizeof(rr), mask), -EIO);
	return 0;
}

static int t_vpci_bar_sizes(void)
{
	uint32_t m[VPCI_BARS] = { 0xFFFFC004, 0xFFFFFFFF, 0xFFF00000, 0, 0x00000004, 0xFFFFFFF0 };
	uint64_t size[VPCI_BARS];
	bool is64[VPCI_BARS];

	CHECK_EQ(vpci_bar_sizes(m, size, is64), 0);
	CHECK_EQ(size[0], 16384);
	CHECK(is64[0] && !is64[2]);
	CHECK_EQ(size[1], 0);               /* the upper half of BAR 0 */
	CHECK_EQ(size[2], 1ull << 20);
	CHECK_EQ(size[4], 1ull << 36);      /* 64-bit: low 0, high 0xFFFFFFF0 */
	/* a 16-byte BAR is rounded up to a page */
	memset(m, 0, sizeof(m));
	m[1] = 0xFFFFFFF0;
	CHECK_EQ(vpci_bar_sizes(m, size, is64), 0);
	CHECK_EQ(size[1], 4096);
	/* I/O BAR, 64-bit BAR at index 5, no size, holes in the mask */
	m[1] = 0xFFFFFF01;
	CHECK_EQ(vpci_bar_sizes(m, size, is64), -EINVAL);
	memset(m, 0, sizeof(m));
	m[5] = 0xFFFF0004;
	CHECK_EQ(vpci_bar_sizes(m, size, is64), -EINVAL);
	m[5] = 0;
	m[0] = 0x00000004;                  /* 64-bit, upper mask 0: size 2^64 */
	CHECK_EQ(vpci_bar_sizes(m, size, is64), -EINVAL);
	m[0] = 0xFFF0F000;
	CHECK_EQ(vpci_bar_sizes(m, size, is64), -EINVAL);
	return 0;
}

static int t_pci_mmio(void)
{
	uint64_t a, b, c, w;

	pci_mmio_reset();
	CHECK_EQ(pci_mmio_alloc(4096, 4096, 0, &a), -ENOSPC);
	CHECK_EQ(pci_mmio_add_range(0x1000000000ull, 0x20000000), 0);
	CHECK_EQ(pci_mmio_add_range(0xF8000000, 0x08000000), 0);
	pci_mmio_set_framebuffer(0xF8000000, 0x800000);
	/* low gap: the first 64 MiB ((4G - base) / 2) are the framebuffer's */
	CHECK_EQ(pci_mmio_alloc(0x2000, 0x1000, 0, &w), 0);
	CHECK_EQ(w, 0xFC000000);
	CHECK_EQ(pci_mmio_alloc(0x10000, 0x10000, 0, &a), 0);
	CHECK_EQ(a, 0xFC010000);            /* aligned past the window */
	CHECK_EQ(pci_mmio_alloc(0x100000, 0x100000, 1ull << 32, &b), 0);
	CHECK_EQ(b, 0x1000000000ull);
	/* freed space comes back; too big fails */
	pci_mmio_free(a);
	CHECK_EQ(pci_mmio_alloc(0x4000, 0x4000, 0, &c), 0);
	CHECK_EQ(c, 0xFC004000);
	CHECK_EQ(pci_mmio_alloc(1ull << 32, 1ull << 32, 0, &c), -ENOSPC);
	CHECK_EQ(pci_mmio_alloc(0x3000, 0x3000, 0, &c), -EINVAL);
	return 0;
}

static uint64_t t_mmio_last_gpa, t_mmio_last_val;

static uint64_t t_mmio_read(void *ctx, uint64_t gpa, unsigned size)
{
	(void)ctx;
	return gpa + size;
}

static void t_mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	(void)ctx;
	(void)size;
	t_mmio_last_gpa = gpa;
	t_mmio_last_val = val;
}

/* The platform seam's MMIO pair: an empty bus reads all ones; with a host
 * model the access reaches it unchanged. */
static int t_platform_mmio(void)
{
	struct host_model m = { .mmio_read = t_mmio_read, .mmio_write = t_mmio_write };

	CHECK_EQ(plat_mmio_read(0xFE000000, 1), 0xFF);
	CHECK_EQ(plat_mmio_read(0xFE000000, 2), 0xFFFF);
	CHECK_EQ(plat_mmio_read(0xFE000000, 4), 0xFFFFFFFF);
	CHECK(plat_mmio_read(0xFE000000, 8) == ~0ull);
	plat_mmio_write(0xFE000000, 4, 1);      /* dropped, no crash */
	hosted_set_host_model(&m);
	CHECK_EQ(plat_mmio_read(0xFE001000, 4), 0xFE001004);
	plat_mmio_write(0xFE002000, 2, 0xBEEF);
	CHECK_EQ(t_mmio_last_gpa, 0xFE002000);
	CHECK_EQ(t_mmio_last_val, 0xBEEF);
	hosted_set_host_model(NULL);
	return 0;
}

/* The parsers over random bytes and lengths (ASan watches the reads). */
static int t_vpci_fuzz(void)
{
	uint64_t x = 777;
	uint8_t *b = malloc(1024);
	struct vpci_relations r;

	CHECK(b);
	for (int round = 0; round < 20000; round++) {
		uint32_t len, mask[VPCI_BARS];
		uint64_t size[VPCI_BARS];
		bool is64[VPCI_BARS];

		for (int i = 0; i < 1024; i++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			b[i] = (uint8_t)x;
		}
		len = (uint32_t)(x >> 40) % 1025;
		if (len >= 8 && (x & 1)) {          /* a plausible header half the time */
			memcpy(b, &(uint32_t){ (x & 2) ? VPCI_MSG_BUS_RELATIONS2
						       : VPCI_MSG_BUS_RELATIONS }, 4);
			b[5] = b[6] = b[7] = 0;
			b[4] &= 0x3F;
		}
		if (vpci_parse_relations(b, len, &r) == 0)
			CHECK(r.count <= VPCI_MAX_FUNCS && 8 + r.count * 20 <= len);
		if (vpci_parse_resource_reqs(b, len, mask) == 0 &&
		    vpci_bar_sizes(mask, size, is64) == 0)
			for (int i = 0; i < VPCI_BARS; i++)
				CHECK(!size[i] || !(size[i] & (size[i] - 1)));
	}
	free(b);
	return 0;
}

const struct unit_test vpci_tests[] = {
	{ "vpci_relations", t_vpci_relations, QUICK },
	{ "vpci_resource_reqs", t_vpci_resource_reqs, QUICK },
	{ "vpci_bar_sizes", t_vpci_bar_sizes, QUICK },
	{ "pci_mmio", t_pci_mmio, QUICK },
	{ "platform_mmio", t_platform_mmio, QUICK },
	{ "vpci_fuzz", t_vpci_fuzz, QUICK },
	{ NULL, NULL, QUICK },
};
