/*
 * Identity-mapped 4-level paging with W^X (SDM vol. 3 §4.5).
 *
 * RAM is mapped with 2 MiB pages where a whole aligned 2 MiB block gets
 * the same attributes, 4 KiB pages elsewhere; a 2 MiB page is split into a
 * page table when part of it needs different attributes (kernel text,
 * guard pages, the hypercall page, page 0). Table pages come from the pmm.
 * Changes to live tables end with a full TLB flush (CR3 reload): simple and
 * correct also after splits (SDM vol. 3 §4.10.4.2), and mapping changes are
 * rare (stacks, hypercall page).
 */
#include "kernel/x86/paging.h"

#include "kernel/log.h"
#include "kernel/x86/cpu.h"
#include "kernel/x86/pmm.h"
#include "kernel/ksyms.h"

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_PS   (1ull << 7)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000ull
#define SIZE_2M  (1ull << 21)
#define SIZE_1G  (1ull << 30)

static uint64_t *pml4;           /* our top-level table */
static bool paging_active;
static uint64_t pte_nx;          /* PTE_NX when the CPU has NX, else 0 */

static unsigned pt_index(uint64_t va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

static uint64_t leaf_bits(unsigned flags)
{
	uint64_t e = PTE_P;

	if (flags & PG_WRITE)
		e |= PTE_W;
	if (!(flags & PG_EXEC))
		e |= pte_nx;
	if (flags & PG_UNCACHED)
		e |= PTE_PCD | PTE_PWT;
	return e;
}

static uint64_t *new_table(void)
{
	uint64_t pa = pmm_alloc(1);

	if (pa == 0)
		panic("paging: out of memory for page tables");
	return (uint64_t *)pa;
}

/* Replace a large page at `level` (2: 2 MiB, 3: 1 GiB) by a table of 512
 * entries one level down with the same attributes. */
static void split_large(uint64_t *e, int level)
{
	uint64_t child = level == 3 ? SIZE_2M : 4096;
	uint64_t base = *e & (level == 3 ? ~(SIZE_1G - 1) : ~(SIZE_2M - 1)) & PTE_ADDR;
	uint64_t attr = *e & ~PTE_ADDR & ~PTE_PS & ~(1ull << 12); /* 12: large PAT */
	uint64_t *t = new_table();

	for (int i = 0; i < 512; i++)
		t[i] = (base + (uint64_t)i * child) | attr | (level == 3 ? PTE_PS : 0);
	*e = (uint64_t)t | PTE_P | PTE_W;
}

/* The entry for va at `level` (1: 4 KiB, 2: 2 MiB), creating tables. */
static uint64_t *slot(uint64_t va, int level)
{
	uint64_t *t = pml4;

	for (int l = 4; l > level; l--) {
		uint64_t *e = &t[pt_index(va, l)];

		if (!(*e & PTE_P))
			*e = (uint64_t)new_table() | PTE_P | PTE_W;
		else if (*e & PTE_PS)
			split_large(e, l);
		t = (uint64_t *)(*e & PTE_ADDR);
	}
	return &t[pt_index(va, level)];
}

/* Does the PD entry for va already point to a 4 KiB table? */
static bool has_page_table(uint64_t va)
{
	uint64_t *t = pml4;

	for (int l = 4; l > 2; l--) {
		uint64_t e = t[pt_index(va, l)];

		if (!(e & PTE_P) || (e & PTE_PS))
			return false;
		t = (uint64_t *)(e & PTE_ADDR);
	}
	return (t[pt_index(va, 2)] & (PTE_P | PTE_PS)) == PTE_P;
}

static void flush_all(void)
{
	if (paging_active)
		write_cr3(read_cr3());
}

static void set_range(uint64_t start, uint64_t end, uint64_t bits)
{
	uint64_t va = start;

	while (va < end) {
		if (va % SIZE_2M == 0 && end - va >= SIZE_2M && !has_page_table(va)) {
			*slot(va, 2) = bits ? (va | bits | PTE_PS) : 0;
			va += SIZE_2M;
		} else {
			*slot(va, 1) = bits ? (va | bits) : 0;
			va += 4096;
		}
	}
	flush_all();
}

void paging_map(uint64_t pa, uint64_t len, unsigned flags)
{
	kassert(!((flags & PG_WRITE) && (flags & PG_EXEC)));  /* W^X */
	set_range(pa & ~4095ull, (pa + len + 4095) & ~4095ull, leaf_bits(flags));
}

void paging_unmap(uint64_t va, uint64_t len)
{
	set_range(va & ~4095ull, (va + len + 4095) & ~4095ull, 0);
}

static unsigned map_flags_for(uint32_t type)
{
	/* Reserved and MMIO ranges may be device memory: never cache them. */
	if (type == BOOTMEM_MMIO || type == BOOTMEM_RESERVED)
		return PG_WRITE | PG_UNCACHED;
	return PG_WRITE;
}

static void map_image(const struct bootinfo *bi)
{
	uint64_t text_lo = (uint64_t)__text_start & ~4095ull;
	uint64_t text_hi = ((uint64_t)__text_end + 4095) & ~4095ull;
	uint64_t ro_lo = ((uint64_t)__rodata_start + 4095) & ~4095ull;
	uint64_t ro_hi = (uint64_t)__rodata_end & ~4095ull;

	paging_map(bi->image_base, bi->image_size, PG_WRITE);
	paging_map(text_lo, text_hi - text_lo, PG_EXEC);
	if (ro_lo < text_hi)
		ro_lo = text_hi;
	if (ro_hi > ro_lo)
		paging_map(ro_lo, ro_hi - ro_lo, PG_READ);
	if (((uint64_t)__text_start | (uint64_t)__text_end |
	     (uint64_t)__rodata_start | (uint64_t)__rodata_end) & 4095)
		pr_warn("paging: image sections not page aligned, W^X is approximate");
}

static void cpu_has_nx(void)
{
	uint32_t r[4];

	cpuid(0x80000000u, 0, r);
	if (r[0] >= 0x80000001u) {
		cpuid(0x80000001u, 0, r);
		if (r[3] & (1u << 20))
			pte_nx = PTE_NX;
	}
}

void paging_init(const struct bootinfo *bi)
{
	cpu_has_nx();
	if (pte_nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	pml4 = new_table();
	for (uint32_t i = 0; i < bi->nmem; i++) {
		const struct bootmem *m = &bi->mem[i];

		paging_map(m->base, m->npages * PAGE_SIZE, map_flags_for(m->type));
	}
	map_image(bi);
	paging_unmap(0, 4096);          /* NULL dereferences fault */
}

void paging_activate(void)
{
	uint64_t cr4 = read_cr4();

	write_cr0(read_cr0() | CR0_WP);  /* the kernel, too, obeys read-only pages */
	write_cr3((uint64_t)pml4);
	/* Drop global TLB entries the firmware's tables may have left. */
	write_cr4(cr4 & ~(1ull << 7));
	write_cr4(cr4);
	paging_active = true;
}

/* Read-only walk of the current tables; the leaf entry or 0. */
static uint64_t lookup(uint64_t va)
{
	uint64_t *t = (uint64_t *)(read_cr3() & PTE_ADDR);

	if ((va >> 47) != 0 && (va >> 47) != 0x1FFFF)
		return 0;                        /* not canonical */
	for (int l = 4; l >= 1; l--) {
		uint64_t e = t[pt_index(va, l)];

		if (!(e & PTE_P))
			return 0;
		if (l == 1 || (l <= 3 && (e & PTE_PS)))
			return e;
		t = (uint64_t *)(e & PTE_ADDR);
	}
	return 0;
}

bool paging_is_mapped(uint64_t va, size_t len)
{
	uint64_t end = va + len;

	if (end < va)
		return false;
	for (uint64_t p = va & ~4095ull; p < end; p += 4096)
		if (!lookup(p))
			return false;
	return true;
}

int paging_query(uint64_t va)
{
	uint64_t e = lookup(va);
	int flags = 0;

	if (!e)
		return -1;
	if (e & PTE_W)
		flags |= PG_WRITE;
	if (!(e & PTE_NX))
		flags |= PG_EXEC;
	if (e & PTE_PCD)
		flags |= PG_UNCACHED;
	return flags;
}
