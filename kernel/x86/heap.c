/*
 * The heap region: a quarter of the free memory at boot, at most
 * HEAP_MAX_BYTES, at least HEAP_MIN_BYTES, as one contiguous run (memory is
 * identity mapped, so sbrk's region must be physically contiguous). Pages
 * beyond it stay in the pmm for stacks, DMA-able buffers and page tables.
 * It is mapped read/write, no execute, like all RAM (paging.c).
 *
 * newlib's malloc is built with MORECORE_CLEARS = 1: it trusts memory fresh
 * from sbrk to be zero (calloc skips its memset). Zeroing the whole region
 * at boot cost ~150 ms under QEMU TCG, so sbrk zeroes each increment.
 */
#include "kernel/x86/heap.h"

#include <string.h>

#include "kernel/log.h"
#include "kernel/x86/pmm.h"

#define HEAP_MAX_BYTES (256ull << 20)
#define HEAP_MIN_BYTES (4ull << 20)

static uint8_t *heap_base;
static size_t heap_bytes, heap_brk;

void heap_init(void)
{
	uint64_t bytes = pmm_free_pages() * PAGE_SIZE / 4;
	uint64_t pa = 0;

	if (bytes > HEAP_MAX_BYTES)
		bytes = HEAP_MAX_BYTES;
	bytes &= ~(PAGE_SIZE - 1);
	/* fragmentation may deny the first size: halve until a run is found */
	while (bytes >= HEAP_MIN_BYTES) {
		pa = pmm_alloc_dirty(bytes / PAGE_SIZE);
		if (pa != 0)
			break;
		bytes = (bytes / 2) & ~(PAGE_SIZE - 1);
	}
	if (pa == 0)
		panic("heap: no contiguous %llu KiB for the heap",
		      (unsigned long long)(HEAP_MIN_BYTES >> 10));
	heap_base = (uint8_t *)pa;
	heap_bytes = bytes;
	heap_brk = 0;
}

void *heap_sbrk(intptr_t incr)
{
	size_t old = heap_brk;

	if (incr > 0 && (size_t)incr > heap_bytes - heap_brk)
		return NULL;
	if (incr < 0 && (size_t)-incr > heap_brk)
		return NULL;
	heap_brk += (size_t)incr;
	if (incr > 0)
		memset(heap_base + old, 0, (size_t)incr);
	return heap_base + old;
}

size_t heap_size(void) { return heap_bytes; }
size_t heap_used(void) { return heap_brk; }
