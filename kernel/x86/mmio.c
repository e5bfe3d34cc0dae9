/*
 * Device MMIO on x86 (the platform's mmio_read / mmio_write): one volatile
 * access of 1, 2, 4 or 8 bytes to an identity-mapped, uncached page. Device
 * pages (a vPCI config window, BARs the guest placed in the VMBus MMIO
 * ranges) are mapped on first use; a short table remembers which pages are
 * mapped so the TLB flush of paging_map happens once per page.
 */
#include <stdint.h>

#include "kernel/x86/paging.h"
#include "kernel/x86/platform_x86.h"

#define MMIO_MAPPED_MAX 64

static uint64_t mmio_mapped[MMIO_MAPPED_MAX];
static unsigned mmio_nmapped, mmio_next;

static void mmio_ensure_mapped(gpa_t gpa)
{
	uint64_t page = gpa & ~4095ull;

	for (unsigned i = 0; i < mmio_nmapped; i++)
		if (mmio_mapped[i] == page)
			return;
	paging_map(page, 4096, PG_WRITE | PG_UNCACHED);
	/* A full table forgets the oldest entry: mapping again is harmless. */
	mmio_mapped[mmio_next] = page;
	mmio_next = (mmio_next + 1) % MMIO_MAPPED_MAX;
	if (mmio_nmapped < MMIO_MAPPED_MAX)
		mmio_nmapped++;
}

uint64_t x86_mmio_read(gpa_t gpa, unsigned size)
{
	mmio_ensure_mapped(gpa);
	switch (size) {
	case 1: return *(volatile uint8_t *)(uintptr_t)gpa;
	case 2: return *(volatile uint16_t *)(uintptr_t)gpa;
	case 4: return *(volatile uint32_t *)(uintptr_t)gpa;
	default: return *(volatile uint64_t *)(uintptr_t)gpa;
	}
}

void x86_mmio_write(gpa_t gpa, unsigned size, uint64_t val)
{
	mmio_ensure_mapped(gpa);
	switch (size) {
	case 1: *(volatile uint8_t *)(uintptr_t)gpa = (uint8_t)val; break;
	case 2: *(volatile uint16_t *)(uintptr_t)gpa = (uint16_t)val; break;
	case 4: *(volatile uint32_t *)(uintptr_t)gpa = (uint32_t)val; break;
	default: *(volatile uint64_t *)(uintptr_t)gpa = val; break;
	}
}
