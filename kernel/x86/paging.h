/*
 * 4-level page tables, identity mapped (virtual = physical), W^X
 * (SDM vol. 3 §4.5). Callers describe what a range may be used
 * for; mapping an address again replaces its old mapping.
 */
#ifndef KEEL_X86_PAGING_H
#define KEEL_X86_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/bootinfo.h"

enum paging_flags {
	PG_READ     = 0,        /* always readable */
	PG_WRITE    = 1 << 0,
	PG_EXEC     = 1 << 1,   /* never together with PG_WRITE */
	PG_UNCACHED = 1 << 2,   /* MMIO: PCD|PWT */
};

/* Build the tables: RAM from the memory map, the image with W^X, page 0
 * left unmapped. Not yet active. */
void paging_init(const struct bootinfo *bi);
/* Load CR3 with our tables (after the MMIO ranges were added). */
void paging_activate(void);
/* Identity-map [pa, pa + len), rounded out to pages. */
void paging_map(uint64_t pa, uint64_t len, unsigned flags);
void paging_unmap(uint64_t va, uint64_t len);
/* True when every page of [va, va + len) is mapped in the current tables. */
bool paging_is_mapped(uint64_t va, size_t len);
/* Permissions of the page holding va in the current tables: -1 if unmapped. */
int paging_query(uint64_t va);

#endif
