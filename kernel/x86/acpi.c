/*
 * ACPI table discovery (ACPI 6.4 §5.2; docs/protocols/gen2-platform.md §4): RSDP -> XSDT
 * (RSDT for revision 0), then FADT (PM1 control ports, PM timer, reset
 * register), DSDT (the \_S5 sleep-type values, found by a byte scan: we have
 * no AML interpreter), MADT (local APIC, I/O APICs, CPUs) and MCFG (PCI
 * ECAM ranges); DSDT and SSDTs also give the VMBus device's MMIO ranges
 * (acpi_crs.c). Tables are firmware data but still length-checked: a bad
 * table is logged and skipped, never trusted past its length.
 */
#include "kernel/x86/acpi.h"

#include <stdio.h>
#include <string.h>

#include "kernel/log.h"

#define ACPI_MAX_TABLES 64

struct acpi_info acpi;
static const struct acpi_header *dsdt_table;   /* set by parse_fadt */

static bool checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

/* A table header we are willing to read `need` bytes of. */
static const struct acpi_header *table_at(uint64_t pa, uint32_t need)
{
	const struct acpi_header *h = (const struct acpi_header *)pa;

	if (pa == 0 || h->length < need || h->length > (16u << 20))
		return NULL;
	if (!checksum_ok(h, h->length))
		pr_warn("acpi: %.4s checksum mismatch (used anyway)", h->signature);
	return h;
}

static uint16_t fadt_port(const struct acpi_fadt *f, const struct acpi_gas *x,
			  uint32_t legacy)
{
	/* X_ fields exist when the table is long enough to hold them */
	if ((const uint8_t *)x + sizeof(*x) <= (const uint8_t *)f + f->h.length &&
	    x->address != 0 && x->space == ACPI_GAS_IO)
		return (uint16_t)x->address;
	return (uint16_t)legacy;
}

/* AML PkgLength (ACPI §20.2.4): lead byte bits 7-6 = extra bytes. */
static const uint8_t *skip_pkglength(const uint8_t *p)
{
	return p + 1 + (p[0] >> 6);
}

/* One AML integer element of a package: ZeroOp, OneOp or BytePrefix. */
static bool aml_small_int(const uint8_t **pp, const uint8_t *end, uint8_t *out)
{
	const uint8_t *p = *pp;

	if (p >= end)
		return false;
	if (p[0] == 0x00 || p[0] == 0x01) {
		*out = p[0];
		*pp = p + 1;
		return true;
	}
	if (p[0] == 0x0A && p + 1 < end) {
		*out = p[1];
		*pp = p + 2;
		return true;
	}
	return false;
}

/* Name(\_S5, Package(){ typ_a, typ_b, ... }) (docs/protocols/gen2-platform.md §4.3, §11). */
static void dsdt_find_s5(const struct acpi_header *dsdt)
{
	const uint8_t *p = (const uint8_t *)dsdt + sizeof(*dsdt);
	const uint8_t *end = (const uint8_t *)dsdt + dsdt->length;

	for (; p + 4 + 8 <= end; p++) {
		const uint8_t *q;

		if (memcmp(p, "_S5_", 4) != 0 || p[4] != 0x12)   /* PackageOp */
			continue;
		q = skip_pkglength(p + 5) + 1;                   /* NumElements */
		if (aml_small_int(&q, end, &acpi.s5_typ_a) &&
		    aml_small_int(&q, end, &acpi.s5_typ_b)) {
			acpi.s5_found = true;
			return;
		}
	}
}

/* The VMBus MMIO ranges from a DSDT or SSDT, once (the first table that
 * has them wins). */
static void aml_find_mmio(const struct acpi_header *h)
{
	int n;

	if (acpi.nmmio)
		return;
	n = acpi_vmbus_mmio((const uint8_t *)h + sizeof(*h), h->length - sizeof(*h),
			    acpi.mmio, ACPI_CRS_MAX_RANGES);
	if (n > 0)
		acpi.nmmio = n;
}

/* A _CRS template of zeros is filled by _INI from the firmware's data block
 * (docs/protocols/gen2-platform.md §4.4): read the gaps from there. The
 * block is runtime-services data, identity-mapped while acpi_init runs. */
static void dsdt_bios_block_mmio(const struct acpi_header *dsdt)
{
	uint8_t blk[16];
	uint32_t pa;
	int n;

	if (acpi.nmmio || acpi_bios_block_addr((const uint8_t *)dsdt + sizeof(*dsdt),
					       dsdt->length - sizeof(*dsdt), &pa) < 0)
		return;
	memcpy(blk, (const void *)(uintptr_t)pa, sizeof(blk));
	n = acpi_bios_block_mmio(blk, acpi.mmio, ACPI_CRS_MAX_RANGES);
	if (n > 0)
		acpi.nmmio = n;
}

static void log_mmio(void)
{
	if (!acpi.nmmio)
		pr_info("acpi: no VMBus MMIO ranges in the DSDT or SSDTs");
	for (int i = 0; i < acpi.nmmio; i++)
		pr_info("acpi: VMBus MMIO 0x%llx-0x%llx",
			(unsigned long long)acpi.mmio[i].base,
			(unsigned long long)(acpi.mmio[i].base + acpi.mmio[i].size - 1));
}

static void parse_fadt(const struct acpi_header *h)
{
	const struct acpi_fadt *f = (const struct acpi_fadt *)h;
	const struct acpi_header *dsdt;
	uint64_t dsdt_pa = f->dsdt;

	if (h->length >= offsetof(struct acpi_fadt, x_pm1a_evt_blk) && f->x_dsdt)
		dsdt_pa = f->x_dsdt;
	acpi.have_fadt = true;
	acpi.pm1a_cnt = fadt_port(f, &f->x_pm1a_cnt_blk, f->pm1a_cnt_blk);
	acpi.pm1b_cnt = fadt_port(f, &f->x_pm1b_cnt_blk, f->pm1b_cnt_blk);
	acpi.pm_tmr = fadt_port(f, &f->x_pm_tmr_blk, f->pm_tmr_blk);
	acpi.pm_tmr_32bit = (f->flags & FADT_TMR_VAL_EXT) != 0;
	if (h->length >= offsetof(struct acpi_fadt, arm_boot_arch)) {
		acpi.reset_reg = f->reset_reg;
		acpi.reset_value = f->reset_value;
		acpi.reset_supported = (f->flags & FADT_RESET_REG_SUP) != 0;
	}
	dsdt = table_at(dsdt_pa, sizeof(struct acpi_header));
	if (dsdt != NULL) {
		dsdt_table = dsdt;
		dsdt_find_s5(dsdt);
		aml_find_mmio(dsdt);
	}
	pr_info("acpi: FADT: PM1a_CNT 0x%x PM1b_CNT 0x%x PM timer 0x%x (%d-bit) "
		"reset %s 0x%llx=0x%x; DSDT \\_S5 %s SLP_TYP %u/%u",
		acpi.pm1a_cnt, acpi.pm1b_cnt, acpi.pm_tmr, acpi.pm_tmr_32bit ? 32 : 24,
		acpi.reset_reg.space == ACPI_GAS_IO ? "io" : "mem",
		(unsigned long long)acpi.reset_reg.address, acpi.reset_value,
		acpi.s5_found ? "found," : "missing,", acpi.s5_typ_a, acpi.s5_typ_b);
}

static void madt_entry(const uint8_t *e)
{
	switch (e[0]) {
	case MADT_LAPIC:
		if (((const struct madt_lapic *)e)->flags & 3)
			acpi.ncpus++;
		break;
	case MADT_X2APIC:
		if (e[1] >= sizeof(struct madt_x2apic) &&
		    (((const struct madt_x2apic *)e)->flags & 3))
			acpi.ncpus++;
		break;
	case MADT_IOAPIC:
		if (e[1] >= sizeof(struct madt_ioapic) && acpi.nioapic < ACPI_MAX_IOAPIC) {
			const struct madt_ioapic *io = (const struct madt_ioapic *)e;

			acpi.ioapic[acpi.nioapic].base = io->address;
			acpi.ioapic[acpi.nioapic].gsi_base = io->gsi_base;
			acpi.ioapic[acpi.nioapic].id = io->id;
			acpi.nioapic++;
		}
		break;
	case MADT_LAPIC_OVERRIDE:
		if (e[1] >= sizeof(struct madt_lapic_override))
			acpi.lapic_base = ((const struct madt_lapic_override *)e)->address;
		break;
	default:
		break;
	}
}

static void parse_madt(const struct acpi_header *h)
{
	const struct acpi_madt *m = (const struct acpi_madt *)h;
	const uint8_t *p = (const uint8_t *)h + sizeof(*m);
	const uint8_t *end = (const uint8_t *)h + h->length;

	acpi.have_madt = true;
	acpi.lapic_base = m->lapic_address;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		madt_entry(p);
		p += p[1];
	}
	pr_info("acpi: MADT: local APIC 0x%llx, %d CPU(s), %d I/O APIC(s)%s",
		(unsigned long long)acpi.lapic_base, acpi.ncpus, acpi.nioapic,
		(m->flags & 1) ? ", 8259 PICs present" : "");
	for (int i = 0; i < acpi.nioapic; i++)
		pr_info("acpi: I/O APIC id %u at 0x%llx, GSI base %u", acpi.ioapic[i].id,
			(unsigned long long)acpi.ioapic[i].base, acpi.ioapic[i].gsi_base);
}

static void parse_mcfg(const struct acpi_header *h)
{
	const struct mcfg_entry *e = (const void *)((const uint8_t *)h + MCFG_ENTRIES_OFFSET);
	size_t n = (h->length - MCFG_ENTRIES_OFFSET) / sizeof(*e);

	for (size_t i = 0; i < n && acpi.necam < ACPI_MAX_ECAM; i++, acpi.necam++) {
		acpi.ecam[acpi.necam].base = e[i].base;
		acpi.ecam[acpi.necam].segment = e[i].segment;
		acpi.ecam[acpi.necam].bus_start = e[i].bus_start;
		acpi.ecam[acpi.necam].bus_end = e[i].bus_end;
		pr_info("acpi: MCFG: ECAM 0x%llx segment %u buses %u-%u",
			(unsigned long long)e[i].base, e[i].segment, e[i].bus_start,
			e[i].bus_end);
	}
}

static const struct {
	const char *sig;
	uint32_t min_len;
	void (*parse)(const struct acpi_header *h);
} acpi_parsers[] = {
	{ "FACP", offsetof(struct acpi_fadt, reset_reg), parse_fadt },
	{ "APIC", sizeof(struct acpi_madt), parse_madt },
	{ "MCFG", MCFG_ENTRIES_OFFSET, parse_mcfg },
	{ "SSDT", sizeof(struct acpi_header), aml_find_mmio },
};

static void dispatch(const struct acpi_header *h)
{
	for (size_t i = 0; i < sizeof(acpi_parsers) / sizeof(acpi_parsers[0]); i++)
		if (memcmp(h->signature, acpi_parsers[i].sig, 4) == 0 &&
		    h->length >= acpi_parsers[i].min_len)
			acpi_parsers[i].parse(h);
}

/* Walk the XSDT (8-byte entries) or RSDT (4-byte entries). */
static void walk_sdt(const struct acpi_header *sdt, unsigned entry_size)
{
	const uint8_t *ent = (const uint8_t *)sdt + sizeof(*sdt);
	unsigned n = (sdt->length - sizeof(*sdt)) / entry_size;
	char names[ACPI_MAX_TABLES * 5 + 1] = "";

	for (unsigned i = 0; i < n && i < ACPI_MAX_TABLES; i++) {
		uint64_t pa = 0;
		const struct acpi_header *h;

		memcpy(&pa, ent + (size_t)i * entry_size, entry_size);
		h = table_at(pa, sizeof(struct acpi_header));
		if (h == NULL)
			continue;
		strncat(names, " ", sizeof(names) - strlen(names) - 1);
		strncat(names, h->signature, 4);
	}
	pr_info("acpi: %s has %u tables:%s", entry_size == 8 ? "XSDT" : "RSDT", n, names);
	for (unsigned i = 0; i < n && i < ACPI_MAX_TABLES; i++) {
		uint64_t pa = 0;
		const struct acpi_header *h;

		memcpy(&pa, ent + (size_t)i * entry_size, entry_size);
		h = table_at(pa, sizeof(struct acpi_header));
		if (h != NULL)
			dispatch(h);
	}
}

void acpi_init(uint64_t rsdp_pa)
{
	const struct acpi_rsdp *rsdp = (const struct acpi_rsdp *)rsdp_pa;
	const struct acpi_header *sdt;

	if (rsdp_pa == 0 || memcmp(rsdp->signature, "RSD PTR ", 8) != 0) {
		pr_warn("acpi: no RSDP: no poweroff, PM timer or MADT");
		return;
	}
	if (!checksum_ok(rsdp, 20))
		pr_warn("acpi: RSDP checksum mismatch (used anyway)");
	pr_info("acpi: RSDP at 0x%llx, revision %u, OEM '%.6s'",
		(unsigned long long)rsdp_pa, rsdp->revision, rsdp->oem_id);
	if (rsdp->revision >= 2 && (sdt = table_at(rsdp->xsdt, sizeof(*sdt))) != NULL)
		walk_sdt(sdt, 8);
	else if ((sdt = table_at(rsdp->rsdt, sizeof(*sdt))) != NULL)
		walk_sdt(sdt, 4);
	else
		pr_warn("acpi: neither XSDT nor RSDT readable");
	if (dsdt_table != NULL)
		dsdt_bios_block_mmio(dsdt_table);
	log_mmio();
}
