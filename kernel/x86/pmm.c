/*
 * Physical page allocator: one bit per 4 KiB page from 0 to the highest RAM
 * address (1 = in use). The bitmap itself lives in the first conventional
 * range big enough for it. Allocation is first fit from a moving hint, which
 * keeps single-page allocations O(1) in the common case; contiguous runs are
 * needed for the heap and stacks. The first MiB is never handed out (page 0
 * must stay unmapped; the rest is firmware-owned legacy space).
 */
#include "kernel/x86/pmm.h"

#include <string.h>

#include "kernel/log.h"

#define LOW_RESERVED 0x100000ull

static uint64_t *pmm_bitmap;
static uint64_t pmm_npages;     /* pages covered by the bitmap */
static uint64_t pmm_nfree;
static uint64_t pmm_hint;

static int bit_test(uint64_t pfn) { return (pmm_bitmap[pfn / 64] >> (pfn % 64)) & 1; }
static void bit_set(uint64_t pfn) { pmm_bitmap[pfn / 64] |= 1ull << (pfn % 64); }
static void bit_clear(uint64_t pfn) { pmm_bitmap[pfn / 64] &= ~(1ull << (pfn % 64)); }

static int is_ram(uint32_t type)
{
	return type == BOOTMEM_USABLE || type == BOOTMEM_BOOT_SERVICES;
}

static void pmm_mark_free(uint64_t base, uint64_t npages)
{
	uint64_t first = base / PAGE_SIZE, end = first + npages;

	if (first < LOW_RESERVED / PAGE_SIZE)
		first = LOW_RESERVED / PAGE_SIZE;
	for (uint64_t pfn = first; pfn < end && pfn < pmm_npages; pfn++) {
		if (bit_test(pfn)) {
			bit_clear(pfn);
			pmm_nfree++;
		}
	}
}

static void pmm_mark_used(uint64_t base, uint64_t npages)
{
	for (uint64_t pfn = base / PAGE_SIZE; npages--; pfn++) {
		if (pfn < pmm_npages && !bit_test(pfn)) {
			bit_set(pfn);
			pmm_nfree--;
		}
	}
}

static uint64_t find_bitmap_home(const struct bootinfo *bi, uint64_t bytes)
{
	for (uint32_t i = 0; i < bi->nmem; i++) {
		const struct bootmem *m = &bi->mem[i];

		if (m->type == BOOTMEM_USABLE && m->base >= LOW_RESERVED &&
		    m->npages * PAGE_SIZE >= bytes)
			return m->base;
	}
	return 0;
}

void pmm_init(const struct bootinfo *bi)
{
	uint64_t top = 0, bytes, home;

	for (uint32_t i = 0; i < bi->nmem; i++) {
		const struct bootmem *m = &bi->mem[i];

		if (is_ram(m->type) && m->base + m->npages * PAGE_SIZE > top)
			top = m->base + m->npages * PAGE_SIZE;
	}
	pmm_npages = top / PAGE_SIZE;
	bytes = (pmm_npages + 63) / 64 * 8;
	home = find_bitmap_home(bi, bytes);
	if (home == 0)
		panic("pmm: no room for a %llu byte page bitmap", (unsigned long long)bytes);
	pmm_bitmap = (uint64_t *)home;
	memset(pmm_bitmap, 0xFF, bytes);
	for (uint32_t i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == BOOTMEM_USABLE)
			pmm_mark_free(bi->mem[i].base, bi->mem[i].npages);
	pmm_mark_used(home, (bytes + PAGE_SIZE - 1) / PAGE_SIZE);
	pmm_hint = LOW_RESERVED / PAGE_SIZE;
}

void pmm_add_boot_services(const struct bootinfo *bi)
{
	for (uint32_t i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == BOOTMEM_BOOT_SERVICES)
			pmm_mark_free(bi->mem[i].base, bi->mem[i].npages);
}

/* First run of n free pages in [from, to), or 0. */
static uint64_t find_run(uint64_t from, uint64_t to, size_t n)
{
	uint64_t run = 0;

	for (uint64_t pfn = from; pfn < to; pfn++) {
		if (pfn % 64 == 0 && pmm_bitmap[pfn / 64] == ~0ull && pfn + 64 <= to) {
			run = 0;
			pfn += 63;              /* whole word in use */
			continue;
		}
		run = bit_test(pfn) ? 0 : run + 1;
		if (run == n)
			return pfn + 1 - n;
	}
	return 0;
}

uint64_t pmm_alloc_dirty(size_t npages)
{
	uint64_t pfn;

	if (npages == 0 || npages > pmm_nfree)
		return 0;
	pfn = find_run(pmm_hint, pmm_npages, npages);
	if (pfn == 0)
		pfn = find_run(LOW_RESERVED / PAGE_SIZE, pmm_npages, npages);
	if (pfn == 0)
		return 0;
	pmm_mark_used(pfn * PAGE_SIZE, npages);
	pmm_hint = pfn + npages;
	return pfn * PAGE_SIZE;
}

uint64_t pmm_alloc(size_t npages)
{
	uint64_t pa = pmm_alloc_dirty(npages);

	if (pa != 0)
		memset((void *)pa, 0, npages * PAGE_SIZE);
	return pa;
}

void pmm_free(uint64_t pa, size_t npages)
{
	kassert(pa % PAGE_SIZE == 0 && pa >= LOW_RESERVED);
	for (uint64_t pfn = pa / PAGE_SIZE, i = 0; i < npages; i++)
		kassert(pfn + i < pmm_npages && bit_test(pfn + i));
	pmm_mark_free(pa, npages);
}

uint64_t pmm_free_pages(void) { return pmm_nfree; }
uint64_t pmm_top(void) { return pmm_npages * PAGE_SIZE; }
