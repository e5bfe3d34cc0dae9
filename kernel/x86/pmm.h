/*
 * Physical page allocator over the UEFI memory map:
 * conventional memory at once, boot-services memory after we left the
 * firmware's stack and page tables. Memory is identity mapped, so a physical
 * address is also the pointer.
 */
#ifndef KEEL_X86_PMM_H
#define KEEL_X86_PMM_H

#include <stddef.h>
#include <stdint.h>

#include "boot/bootinfo.h"

#define PAGE_SIZE 4096ull

void pmm_init(const struct bootinfo *bi);
/* Free the boot-services ranges: call only when nothing uses them any more. */
void pmm_add_boot_services(const struct bootinfo *bi);
/* npages contiguous zeroed pages, or 0 when there is no such run. */
uint64_t pmm_alloc(size_t npages);
/* The same without zeroing (the heap zeroes as sbrk hands memory out). */
uint64_t pmm_alloc_dirty(size_t npages);
void pmm_free(uint64_t pa, size_t npages);
uint64_t pmm_free_pages(void);
/* Highest physical address of any RAM range the allocator manages. */
uint64_t pmm_top(void);

#endif
