/*
 * MMIO space for PCI: the ranges firmware describes for VMBus devices (the
 * _CRS of the VMBus module device: one gap below 4 GiB, one above) and what
 * has been handed out of them. docs/protocols/vpci.md "MMIO ranges":
 * allocations walk the ranges in address order at aligned addresses and
 * never overlap one another or the framebuffer reservation; Hyper-V fails
 * FDO_D0_ENTRY for a config window that overlaps the framebuffer.
 *
 * The framebuffer reservation follows Linux vmbus_reserve_fb for Gen2:
 * min((4 GiB - low gap base) / 2, 128 MiB) from the framebuffer's base, and
 * never less than the framebuffer itself.
 *
 * A named singleton (the machine has one MMIO map); bus queues call it from
 * work items, which never run at the same time as each other on one CPU.
 */
#include <errno.h>
#include <string.h>

#include "drivers/pci.h"

#define PCI_MMIO_MAX_ALLOCS 128
#define PCI_FB_RESERVE_MAX  (128ull << 20)

struct pci_mmio_span {
	uint64_t base, size;
};

static struct {
	struct pci_mmio_span range[PCI_MMIO_MAX_RANGES];
	int nranges;
	struct pci_mmio_span fb;
	struct pci_mmio_span used[PCI_MMIO_MAX_ALLOCS];
	int nused;
} mm;

void pci_mmio_reset(void)
{
	memset(&mm, 0, sizeof(mm));
}

int pci_mmio_add_range(uint64_t base, uint64_t size)
{
	int i;

	if (!size || base + size < base || mm.nranges >= PCI_MMIO_MAX_RANGES)
		return -EINVAL;
	/* keep them sorted by address */
	for (i = mm.nranges; i > 0 && mm.range[i - 1].base > base; i--)
		mm.range[i] = mm.range[i - 1];
	mm.range[i] = (struct pci_mmio_span){ base, size };
	mm.nranges++;
	return 0;
}

void pci_mmio_set_framebuffer(uint64_t base, uint64_t size)
{
	uint64_t reserve = size;

	if (base && base < (1ull << 32)) {
		uint64_t half = ((1ull << 32) - base) / 2;

		reserve = half < PCI_FB_RESERVE_MAX ? half : PCI_FB_RESERVE_MAX;
		if (reserve < size)
			reserve = size;
	}
	mm.fb = (struct pci_mmio_span){ base, reserve };
}

static bool overlaps(uint64_t a, uint64_t asz, const struct pci_mmio_span *s)
{
	return s->size && a < s->base + s->size && s->base < a + asz;
}

/* The first span [a, a+size) collides with, or NULL. */
static const struct pci_mmio_span *pci_mmio_collision(uint64_t a, uint64_t size)
{
	if (overlaps(a, size, &mm.fb))
		return &mm.fb;
	for (int i = 0; i < mm.nused; i++)
		if (overlaps(a, size, &mm.used[i]))
			return &mm.used[i];
	return NULL;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int pci_mmio_alloc(uint64_t size, uint64_t align, uint64_t min, uint64_t *out)
{
	if (!size || !align || (align & (align - 1)) || mm.nused >= PCI_MMIO_MAX_ALLOCS)
		return -EINVAL;
	for (int r = 0; r < mm.nranges; r++) {
		uint64_t end = mm.range[r].base + mm.range[r].size;
		uint64_t a = align_up(mm.range[r].base > min ? mm.range[r].base : min, align);

		while (a >= mm.range[r].base && a + size <= end && a + size > a) {
			const struct pci_mmio_span *c = pci_mmio_collision(a, size);

			if (!c) {
				mm.used[mm.nused++] = (struct pci_mmio_span){ a, size };
				*out = a;
				return 0;
			}
			a = align_up(c->base + c->size, align);
		}
	}
	return -ENOSPC;
}

void pci_mmio_free(uint64_t base)
{
	for (int i = 0; i < mm.nused; i++)
		if (mm.used[i].base == base) {
			mm.used[i] = mm.used[--mm.nused];
			return;
		}
}
