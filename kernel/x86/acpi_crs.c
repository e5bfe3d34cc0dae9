/*
 * The VMBus MMIO ranges from AML bytes (docs/protocols/gen2-platform.md
 * §4.3, docs/protocols/vpci.md §7.1), the way Linux vmbus_acpi_add finds
 * them, but without an AML interpreter: a bounded reader that knows four
 * encodings only (ACPI 6.4 §20.2):
 *
 *   DefDevice  5B 82 PkgLength NameString TermList
 *   DefName    08 NameString DataObject        (_HID/_CID: 0D "ascii" 00)
 *   DefBuffer  11 PkgLength BufferSize ByteList (_CRS: a resource template)
 *   DefMethod  14 PkgLength NameString flags TermList (a _CRS that returns
 *              a buffer: the first buffer in its body that parses)
 *
 * Firmware tables are still input: every length is checked against the
 * bytes that hold it before it is used, and every scan ends at the table's
 * end. A table we cannot read yields no ranges (then there is no vPCI bus),
 * never a read past the table.
 */
#include "kernel/x86/acpi_crs.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define CRS_MIN_BASE    0x100000ull    /* Linux skips ranges below 1 MiB */
#define CRS_VTPM_BASE   0xFED40000ull  /* a range reaching the vTPM ends before it */
#define CRS_MAX_SCOPES  8              /* enclosing devices tried, innermost first */
#define CRS_LOOKAHEAD   64             /* bytes after "_CRS" searched for its buffer */

#define RES_END_TAG     0x0F           /* small item type */
#define RES_DWORD_ADDR  0x87
#define RES_QWORD_ADDR  0x8A
#define RES_TYPE_MEMORY 0

static const char *const vmbus_ids[] = { "VMBUS", "VMBus", "MSFT1000" };

struct aml_span {
	size_t start, end;             /* [start, end) inside the table */
};

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* PkgLength at aml[off] (ACPI 6.4 §20.2.4): the end of the package it measures
 * (which counts from `off`), or 0 when it is malformed or overruns len. */
static size_t aml_pkg_end(const uint8_t *aml, size_t len, size_t off, size_t *body)
{
	size_t extra, pkglen;

	if (off >= len)
		return 0;
	extra = aml[off] >> 6;
	if (off + 1 + extra > len)
		return 0;
	if (extra == 0) {
		pkglen = aml[off] & 0x3F;
	} else {
		pkglen = aml[off] & 0x0F;
		for (size_t i = 0; i < extra; i++)
			pkglen |= (size_t)aml[off + 1 + i] << (4 + 8 * i);
	}
	if (pkglen < 1 + extra || pkglen > len - off)
		return 0;
	*body = off + 1 + extra;
	return off + pkglen;
}

static void crs_add(struct acpi_mmio_range *out, int *n, int max, uint64_t base, uint64_t size)
{
	int i;

	if (!size || base < CRS_MIN_BASE || base + size < base || *n >= max)
		return;
	if (base < CRS_VTPM_BASE && base + size > CRS_VTPM_BASE)
		size = CRS_VTPM_BASE - base;
	for (i = *n; i > 0 && out[i - 1].base > base; i--)
		out[i] = out[i - 1];
	out[i] = (struct acpi_mmio_range){ base, size };
	(*n)++;
}

/* One large item (tag, 16-bit length, body) already known to fit. */
static void crs_large(const uint8_t *item, size_t ilen, struct acpi_mmio_range *out,
		      int *n, int max)
{
	uint8_t d[3 + 43];

	if (item[0] == RES_DWORD_ADDR && ilen >= 3 + 23) {
		memcpy(d, item, 3 + 23);
		if (d[3] == RES_TYPE_MEMORY)
			crs_add(out, n, max, le(d + 10, 4), le(d + 22, 4));
	} else if (item[0] == RES_QWORD_ADDR && ilen >= 3 + 43) {
		memcpy(d, item, 3 + 43);
		if (d[3] == RES_TYPE_MEMORY)
			crs_add(out, n, max, le(d + 14, 8), le(d + 38, 8));
	}
}

int acpi_crs_parse(const uint8_t *tpl, size_t len, struct acpi_mmio_range *out, int max)
{
	size_t i = 0;
	int n = 0;

	while (i < len) {
		uint8_t tag = tpl[i];
		size_t ilen;

		if (tag & 0x80) {              /* large item: 16-bit length */
			if (len - i < 3)
				return -EINVAL;
			ilen = 3 + (size_t)le(tpl + i + 1, 2);
			if (ilen > len - i)
				return -EINVAL;
			crs_large(tpl + i, ilen, out, &n, max);
		} else {                       /* small item: 3-bit length */
			ilen = 1 + (size_t)(tag & 7);
			if (ilen > len - i)
				return -EINVAL;
			if (((tag >> 3) & 0xF) == RES_END_TAG)
				return n;
		}
		i += ilen;
	}
	return -EINVAL;                        /* no end tag */
}

/* DefBuffer at aml[off]: its byte list's span, or false. */
static bool aml_buffer(const uint8_t *aml, size_t len, size_t off, struct aml_span *data)
{
	size_t body, end, size;

	if (off >= len || aml[off] != 0x11)
		return false;
	end = aml_pkg_end(aml, len, off + 1, &body);
	if (!end || body >= end)
		return false;
	switch (aml[body]) {               /* BufferSize: an integer constant */
	case 0x00: case 0x01: size = aml[body]; body += 1; break;
	case 0x0A: size = end - body >= 2 ? le(aml + body + 1, 1) : 0; body += 2; break;
	case 0x0B: size = end - body >= 3 ? le(aml + body + 1, 2) : 0; body += 3; break;
	case 0x0C: size = end - body >= 5 ? le(aml + body + 1, 4) : 0; body += 5; break;
	default: return false;
	}
	if (body > end)
		return false;
	data->start = body;
	data->end = size < end - body ? body + size : end;
	return true;
}

/* The first "_CRS" in the scope whose buffer holds memory ranges. */
static int scope_crs(const uint8_t *aml, struct aml_span s,
		     struct acpi_mmio_range *out, int max)
{
	for (size_t p = s.start; p + 4 <= s.end; p++) {
		if (memcmp(aml + p, "_CRS", 4) != 0)
			continue;
		for (size_t q = p + 4; q < s.end && q < p + 4 + CRS_LOOKAHEAD; q++) {
			struct aml_span b;
			int n;

			if (!aml_buffer(aml, s.end, q, &b))
				continue;
			n = acpi_crs_parse(aml + b.start, b.end - b.start, out, max);
			if (n > 0)
				return n;
			break;                 /* this _CRS has no memory: next one */
		}
	}
	return 0;
}

static bool is_vmbus_id(const uint8_t *aml, size_t len, size_t p)
{
	/* 08 "_HID"|"_CID" 0D ascii 00 */
	if (p == 0 || aml[p - 1] != 0x08 || len - p < 6 || aml[p + 4] != 0x0D)
		return false;
	if (memcmp(aml + p, "_HID", 4) != 0 && memcmp(aml + p, "_CID", 4) != 0)
		return false;
	for (size_t i = 0; i < sizeof(vmbus_ids) / sizeof(vmbus_ids[0]); i++) {
		size_t n = strlen(vmbus_ids[i]);

		if (len - (p + 5) >= n + 1 && memcmp(aml + p + 5, vmbus_ids[i], n) == 0 &&
		    aml[p + 5 + n] == 0)
			return true;
	}
	return false;
}

/* The devices whose scope holds `at`, innermost (shortest) first. */
static int enclosing_devices(const uint8_t *aml, size_t len, size_t at,
			     struct aml_span *dev, int max)
{
	int n = 0;

	for (size_t q = 0; q + 2 < len && q < at; q++) {
		struct aml_span s;
		size_t body, end;
		int i;

		if (aml[q] != 0x5B || aml[q + 1] != 0x82)
			continue;
		end = aml_pkg_end(aml, len, q + 2, &body);
		if (!end || end <= at)
			continue;
		s = (struct aml_span){ body, end };
		if (n == max && s.end - s.start >= dev[max - 1].end - dev[max - 1].start)
			continue;
		i = n < max ? n++ : max - 1;   /* when full, the widest drops out */
		for (; i > 0 && dev[i - 1].end - dev[i - 1].start > s.end - s.start; i--)
			dev[i] = dev[i - 1];
		dev[i] = s;
	}
	return n;
}

int acpi_vmbus_mmio(const uint8_t *aml, size_t len, struct acpi_mmio_range *out, int max)
{
	struct aml_span dev[CRS_MAX_SCOPES];

	for (size_t p = 1; p + 4 <= len; p++) {
		int ndev;

		if (!is_vmbus_id(aml, len, p))
			continue;
		ndev = enclosing_devices(aml, len, p, dev, CRS_MAX_SCOPES);
		for (int i = 0; i < ndev; i++) {
			int n = scope_crs(aml, dev[i], out, max);

			if (n > 0)
				return n;
		}
	}
	return -ENOENT;
}

/* docs/protocols/gen2-platform.md §4.4: OperationRegion(BIOS, SystemMemory,
 * DWordConst addr, ...), the block _INI copies the gaps from. */
int acpi_bios_block_addr(const uint8_t *aml, size_t len, uint32_t *pa)
{
	static const uint8_t op[] = { 0x5B, 0x80, 'B', 'I', 'O', 'S', 0x00, 0x0C };

	for (size_t p = 0; p + sizeof(op) + 4 <= len; p++)
		if (memcmp(aml + p, op, sizeof(op)) == 0) {
			*pa = (uint32_t)le(aml + p + sizeof(op), 4);
			return *pa ? 0 : -ENOENT;
		}
	return -ENOENT;
}

int acpi_bios_block_mmio(const uint8_t blk[16], struct acpi_mmio_range *out, int max)
{
	uint64_t low = le(blk, 4), low_len = le(blk + 4, 4);
	uint64_t high = le(blk + 8, 4) << 20, high_len = le(blk + 12, 4) << 20;
	int n = 0;

	/* the layout is one firmware's: believe it only when it looks sane */
	if (!low_len || low + low_len > (1ull << 32) || !high_len || high < (1ull << 32))
		return -EINVAL;
	crs_add(out, &n, max, low, low_len);
	crs_add(out, &n, max, high, high_len);
	return n ? n : -EINVAL;
}
