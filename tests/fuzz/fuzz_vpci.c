/*
 * Fuzz target "vpci": the parsers of what the vPCI host sends
 * (drivers/vpci_parse.c): a BUS_RELATIONS or BUS_RELATIONS2 list, and a
 * QUERY_RESOURCE_REQUIREMENTS answer with the BAR sizes derived from its
 * masks. Input: the message; each parser reads an exact-size copy, so
 * AddressSanitizer sees any read past it. A relations list that parses
 * must name at most VPCI_MAX_FUNCS functions in distinct slots; a BAR
 * layout that parses must give page-multiple sizes (the MMIO allocator
 * relies on both).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vpci.h"

static void check_bars(const uint32_t mask[VPCI_BARS])
{
	uint64_t size[VPCI_BARS];
	bool is64[VPCI_BARS];

	if (vpci_bar_sizes(mask, size, is64))
		return;
	for (int i = 0; i < VPCI_BARS; i++)
		if (size[i] & 4095)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct vpci_relations rel;
	uint32_t mask[VPCI_BARS];
	uint8_t *c;

	if (n > 4096)
		return 0;
	c = malloc(n ? n : 1);
	memcpy(c, d, n);
	if (!vpci_parse_relations(c, (uint32_t)n, &rel)) {
		if (rel.count > VPCI_MAX_FUNCS)
			__builtin_trap();
		for (uint32_t i = 0; i < rel.count; i++)
			for (uint32_t j = 0; j < i; j++)
				if (rel.f[i].d.wslot == rel.f[j].d.wslot)
					__builtin_trap();
	}
	if (!vpci_parse_resource_reqs(c, (uint32_t)n, mask))
		check_bars(mask);
	free(c);
	return 0;
}
