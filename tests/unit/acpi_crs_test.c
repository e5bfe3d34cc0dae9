/*
 * Unit tests of the VMBus MMIO range reader (kernel/x86/acpi_crs.c) with
 * built and hostile AML: the Gen2 layout (ranges on the parent of the
 * MSFT1000 device, docs/protocols/gen2-platform.md §4.3), a VMBUS device
 * with its own _CRS, a _CRS method, the vTPM cut and the 1 MiB floor, then
 * every truncation of a good table, package lengths and item lengths that
 * overrun, and a mutation loop. Tables are copied into exact-size heap
 * blocks so that the sanitizer sees any read past the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"

#include "kernel/x86/acpi_crs.c"

struct aml {
	uint8_t b[1024];
	size_t n;
};

static void put(struct aml *a, const void *p, size_t n)
{
	memcpy(a->b + a->n, p, n);
	a->n += n;
}

static void put8(struct aml *a, uint8_t v)
{
	put(a, &v, 1);
}

static void putle(struct aml *a, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		put8(a, (uint8_t)(v >> (8 * i)));
}

/* A two-byte PkgLength (lengths below 4 KiB) over `body` bytes. */
static void put_pkg(struct aml *a, size_t body)
{
	size_t len = body + 2;

	put8(a, (uint8_t)(0x40 | (len & 0xF)));
	put8(a, (uint8_t)(len >> 4));
}

static void put_name_str(struct aml *a, const char *name, const char *str)
{
	put8(a, 0x08);
	put(a, name, 4);
	put8(a, 0x0D);
	put(a, str, strlen(str) + 1);
}

static void put_dword_mem(struct aml *a, uint32_t base, uint32_t len)
{
	put8(a, 0x87); putle(a, 23, 2);
	put8(a, 0); put8(a, 0x0C); put8(a, 0x03);      /* memory, flags */
	putle(a, 0, 4); putle(a, base, 4); putle(a, base + len - 1, 4);
	putle(a, 0, 4); putle(a, len, 4);
}

static void put_qword_mem(struct aml *a, uint64_t base, uint64_t len)
{
	put8(a, 0x8A); putle(a, 43, 2);
	put8(a, 0); put8(a, 0x0C); put8(a, 0x03);
	putle(a, 0, 8); putle(a, base, 8); putle(a, base + len - 1, 8);
	putle(a, 0, 8); putle(a, len, 8);
}

/* Name(_CRS, Buffer(){ tpl... }) */
static void put_crs(struct aml *a, const struct aml *tpl)
{
	put8(a, 0x08); put(a, "_CRS", 4);
	put8(a, 0x11); put_pkg(a, 3 + tpl->n);
	put8(a, 0x0B); putle(a, tpl->n, 2);
	put(a, tpl->b, tpl->n);
}

/* Device(name){ body } */
static void put_device(struct aml *a, const char *name, const struct aml *body)
{
	put8(a, 0x5B); put8(a, 0x82); put_pkg(a, 4 + body->n);
	put(a, name, 4);
	put(a, body->b, body->n);
}

/* The Gen2 shape: VMOD (ACPI0004, both gaps) holding VMBS (MSFT1000, IRQ). */
static void gen2_table(struct aml *t)
{
	struct aml tpl = { .n = 0 }, irq = { .n = 0 }, vmbs = { .n = 0 }, vmod = { .n = 0 };

	put_dword_mem(&tpl, 0xF8000000u, 0x08000000u);
	put_qword_mem(&tpl, 0xFE0000000ull, 0x20000000ull);
	put8(&tpl, 0x79); put8(&tpl, 0);
	put8(&irq, 0x22); putle(&irq, 1u << 5, 2);       /* IRQNoFlags {5} */
	put8(&irq, 0x79); put8(&irq, 0);
	put_name_str(&vmbs, "_HID", "MSFT1000");
	put_name_str(&vmbs, "_CID", "VMBus");
	put_crs(&vmbs, &irq);
	put_name_str(&vmod, "_HID", "ACPI0004");
	put_device(&vmod, "VMBS", &vmbs);
	put_crs(&vmod, &tpl);                           /* after the child */
	t->n = 0;
	put_device(t, "VMOD", &vmod);
}

static int run(const struct aml *t, size_t len, struct acpi_mmio_range *r, int max)
{
	uint8_t *copy = malloc(len ? len : 1);
	int n;

	memcpy(copy, t->b, len);
	n = acpi_vmbus_mmio(copy, len, r, max);
	free(copy);
	return n;
}

static int t_acpi_crs_gen2(void)
{
	struct aml t;
	struct acpi_mmio_range r[ACPI_CRS_MAX_RANGES];

	gen2_table(&t);
	CHECK_EQ(run(&t, t.n, r, ACPI_CRS_MAX_RANGES), 2);
	CHECK_EQ(r[0].base, 0xF8000000u);
	CHECK_EQ(r[0].size, 0xFED40000u - 0xF8000000u);  /* cut before the vTPM */
	CHECK_EQ(r[1].base, 0xFE0000000ull);
	CHECK_EQ(r[1].size, 0x20000000ull);
	/* a bound of one range keeps the first one found */
	CHECK_EQ(run(&t, t.n, r, 1), 1);
	return 0;
}

static int t_acpi_crs_own(void)
{
	struct aml t = { .n = 0 }, tpl = { .n = 0 }, dev = { .n = 0 }, other = { .n = 0 };
	struct acpi_mmio_range r[ACPI_CRS_MAX_RANGES];

	/* a device that is not VMBus, with memory, comes first: not taken */
	put_qword_mem(&tpl, 0x800000000ull, 0x1000000);
	put8(&tpl, 0x79); put8(&tpl, 0);
	put_name_str(&other, "_HID", "VMBUSX");
	put_crs(&other, &tpl);
	put_device(&t, "OTHR", &other);
	CHECK_EQ(run(&t, t.n, r, ACPI_CRS_MAX_RANGES), -ENOENT);
	/* VMBUS with its own _CRS: below 1 MiB skipped, the rest sorted */
	tpl.n = 0;
	put_qword_mem(&tpl, 0x1000000000ull, 0x40000000ull);
	put_dword_mem(&tpl, 0xA0000, 0x20000);
	put_dword_mem(&tpl, 0xC0000000u, 0x10000000u);
	put8(&tpl, 0x79); put8(&tpl, 0);
	put_name_str(&dev, "_HID", "VMBUS");
	put_crs(&dev, &tpl);
	put_device(&t, "VMBS", &dev);
	CHECK_EQ(run(&t, t.n, r, ACPI_CRS_MAX_RANGES), 2);
	CHECK_EQ(r[0].base, 0xC0000000u);
	CHECK_EQ(r[1].base, 0x1000000000ull);
	return 0;
}

static int t_acpi_crs_method(void)
{
	struct aml t = { .n = 0 }, tpl = { .n = 0 }, dev = { .n = 0 };
	struct acpi_mmio_range r[ACPI_CRS_MAX_RANGES];

	put_dword_mem(&tpl, 0xE0000000u, 0x10000000u);
	put8(&tpl, 0x79); put8(&tpl, 0);
	put_name_str(&dev, "_HID", "MSFT1000");
	/* Method(_CRS, 0){ Return(Buffer(){ ... }) } */
	put8(&dev, 0x14); put_pkg(&dev, 4 + 1 + 1 + 1 + 2 + 3 + tpl.n);
	put(&dev, "_CRS", 4); put8(&dev, 0);
	put8(&dev, 0xA4);
	put8(&dev, 0x11); put_pkg(&dev, 3 + tpl.n);
	put8(&dev, 0x0B); putle(&dev, tpl.n, 2);
	put(&dev, tpl.b, tpl.n);
	put_device(&t, "VMBS", &dev);
	CHECK_EQ(run(&t, t.n, r, ACPI_CRS_MAX_RANGES), 1);
	CHECK_EQ(r[0].base, 0xE0000000u);
	CHECK_EQ(r[0].size, 0x10000000u);
	return 0;
}

static int t_acpi_crs_template(void)
{
	struct aml tpl = { .n = 0 };
	struct acpi_mmio_range r[ACPI_CRS_MAX_RANGES];

	put_qword_mem(&tpl, 0x1000000000ull, 0x1000);
	/* no end tag */
	CHECK_EQ(acpi_crs_parse(tpl.b, tpl.n, r, 4), -EINVAL);
	/* an item longer than the template */
	tpl.b[1] = 0xFF;
	put8(&tpl, 0x79); put8(&tpl, 0);
	CHECK_EQ(acpi_crs_parse(tpl.b, tpl.n, r, 4), -EINVAL);
	/* a QWord descriptor too short to hold its fields is skipped */
	tpl.n = 0;
	put8(&tpl, 0x8A); putle(&tpl, 10, 2); putle(&tpl, ~0ull, 8); putle(&tpl, 0, 2);
	put8(&tpl, 0x79); put8(&tpl, 0);
	CHECK_EQ(acpi_crs_parse(tpl.b, tpl.n, r, 4), 0);
	/* an I/O range and a zero-length or wrapping memory range are not MMIO */
	tpl.n = 0;
	put_dword_mem(&tpl, 0xC0000000u, 0x1000);
	tpl.b[3] = 1;                                  /* resource type I/O */
	put_qword_mem(&tpl, 0xFFFFFFFFFFFFF000ull, 0x2000);
	put_qword_mem(&tpl, 0x100000000ull, 0);
	put8(&tpl, 0x79); put8(&tpl, 0);
	CHECK_EQ(acpi_crs_parse(tpl.b, tpl.n, r, 4), 0);
	/* a small item reaching past the end */
	tpl.n = 0;
	put8(&tpl, 0x22 | 7);
	CHECK_EQ(acpi_crs_parse(tpl.b, tpl.n, r, 4), -EINVAL);
	return 0;
}

static int t_acpi_crs_truncated(void)
{
	struct aml t;
	struct acpi_mmio_range r[ACPI_CRS_MAX_RANGES];

	gen2_table(&t);
	/* every prefix: a cut table never reads past its end, and yields
	 * nothing (the outer device's PkgLength no longer fits) */
	for (size_t len = 0; len < t.n; len++)
		CHECK_EQ(run(&t, len, r, ACPI_CRS_MAX_RANGES), -ENOENT);
	/* the device's PkgLength claims more than the table holds */
	t.b[2] = 0x4F; t.b[3] = 0xFF;
	CHECK_EQ(run(&t, t.n, r, ACPI_CRS_MAX_RANGES), -ENOENT);
	return 0;
}

static int t_acpi_crs_fuzz(void)
{
	struct aml good, t;
	struct acpi_mmio_range r[ACPI_CRS_MAX_RANGES];
	uint64_t x = 0x9E3779B97F4A7C15ull;

	gen2_table(&good);
	for (int round = 0; round < 20000; round++) {
		int n;

		t = good;
		for (int k = 0; k < 4; k++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			t.b[(x >> 8) % t.n] = (uint8_t)(x >> 32);
		}
		n = run(&t, t.n - (size_t)(x >> 56) % 8, r, ACPI_CRS_MAX_RANGES);
		CHECK(n == -ENOENT || (n >= 1 && n <= ACPI_CRS_MAX_RANGES));
		for (int i = 0; i < n; i++)
			CHECK(r[i].size && r[i].base >= CRS_MIN_BASE &&
			      r[i].base + r[i].size > r[i].base &&
			      (i == 0 || r[i - 1].base <= r[i].base));
	}
	return 0;
}

static int t_acpi_bios_block(void)
{
	static const uint8_t region[] = { 0x5B, 0x80, 'B', 'I', 'O', 'S', 0x00, 0x0C,
					  0x00, 0x10, 0xEF, 0x7F, 0x0A, 0x40 };
	uint8_t blk[16];
	struct acpi_mmio_range r[ACPI_CRS_MAX_RANGES];
	uint32_t pa = 0;

	CHECK_EQ(acpi_bios_block_addr(region, sizeof(region), &pa), 0);
	CHECK_EQ(pa, 0x7FEF1000u);
	CHECK_EQ(acpi_bios_block_addr(region, sizeof(region) - 3, &pa), -ENOENT);
	/* 128 MiB low gap ending at 4 GiB, 512 MiB high gap at 63 GiB */
	memcpy(blk, (uint32_t[]){ 0xF8000000u, 0x08000000u, 63u << 10, 512 }, 16);
	CHECK_EQ(acpi_bios_block_mmio(blk, r, ACPI_CRS_MAX_RANGES), 2);
	CHECK_EQ(r[0].base, 0xF8000000u);
	CHECK_EQ(r[1].base, 63ull << 30);
	CHECK_EQ(r[1].size, 512ull << 20);
	/* a low gap past 4 GiB, a high gap below it, or an empty one: refused */
	memcpy(blk, (uint32_t[]){ 0xF8000000u, 0x09000000u, 63u << 10, 512 }, 16);
	CHECK_EQ(acpi_bios_block_mmio(blk, r, ACPI_CRS_MAX_RANGES), -EINVAL);
	memcpy(blk, (uint32_t[]){ 0xF8000000u, 0x08000000u, 1024, 512 }, 16);
	CHECK_EQ(acpi_bios_block_mmio(blk, r, ACPI_CRS_MAX_RANGES), -EINVAL);
	memcpy(blk, (uint32_t[]){ 0xF8000000u, 0x08000000u, 63u << 10, 0 }, 16);
	CHECK_EQ(acpi_bios_block_mmio(blk, r, ACPI_CRS_MAX_RANGES), -EINVAL);
	return 0;
}

const struct unit_test acpi_crs_tests[] = {
	{ "acpi_bios_block", t_acpi_bios_block, QUICK },
	{ "acpi_crs_gen2", t_acpi_crs_gen2, QUICK },
	{ "acpi_crs_own", t_acpi_crs_own, QUICK },
	{ "acpi_crs_method", t_acpi_crs_method, QUICK },
	{ "acpi_crs_template", t_acpi_crs_template, QUICK },
	{ "acpi_crs_truncated", t_acpi_crs_truncated, QUICK },
	{ "acpi_crs_fuzz", t_acpi_crs_fuzz, QUICK },
	{ NULL, NULL, QUICK },
};
