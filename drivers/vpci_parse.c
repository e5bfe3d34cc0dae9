/*
 * Parsers of what the vPCI host sends: the relations list and the BAR
 * masks of QUERY_RESOURCE_REQUIREMENTS, and the BAR sizes derived from
 * them (docs/protocols/vpci.md "Layouts", "BARs", "Validation"). Each
 * works on a private copy, checks lengths before reading and rejects the
 * whole message on any inconsistency; none can fail the kernel.
 */
#include <errno.h>
#include <string.h>

#include "drivers/vpci.h"

int vpci_parse_relations(const uint8_t *p, uint32_t len, struct vpci_relations *out)
{
	struct vpci_bus_relations h;
	uint32_t dsz;

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, p, sizeof(h));
	if (h.type == VPCI_MSG_BUS_RELATIONS)
		dsz = sizeof(struct vpci_func_desc);
	else if (h.type == VPCI_MSG_BUS_RELATIONS2)
		dsz = sizeof(struct vpci_func_desc2);
	else
		return -EINVAL;
	/* count first against our bound, so count * dsz cannot overflow */
	if (h.count > VPCI_MAX_FUNCS || sizeof(h) + (uint64_t)h.count * dsz > len)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < h.count; i++) {
		struct vpci_func_desc2 *d = &out->f[i];

		memcpy(d, p + sizeof(h) + i * dsz, dsz);
		if (d->d.wslot & VPCI_WSLOT_RESERVED)
			return -EINVAL;
		for (uint32_t j = 0; j < i; j++)
			if (out->f[j].d.wslot == d->d.wslot)
				return -EINVAL;        /* two functions in one slot */
	}
	out->count = h.count;
	return 0;
}

int vpci_parse_resource_reqs(const uint8_t *p, uint32_t len, uint32_t mask[VPCI_BARS])
{
	struct vpci_resource_reqs_reply r;

	if (len < sizeof(r))
		return -EINVAL;
	memcpy(&r, p, sizeof(r));
	if ((int32_t)r.status < 0)
		return -EIO;
	memcpy(mask, r.bar_mask, sizeof(r.bar_mask));
	return 0;
}

/*
 * Linux get_bar_size: a 64-bit BAR is mask | next << 32, a 32-bit one has
 * all upper bits set; size = ~(value & ~0xF) + 1, rounded up to a page.
 * The type comes from the mask, never from the BAR register.
 */
int vpci_bar_sizes(const uint32_t mask[VPCI_BARS], uint64_t size[VPCI_BARS],
		   bool is64[VPCI_BARS])
{
	memset(size, 0, sizeof(uint64_t) * VPCI_BARS);
	memset(is64, 0, sizeof(bool) * VPCI_BARS);
	for (int i = 0; i < VPCI_BARS; i++) {
		uint64_t v, s;

		if (!mask[i])
			continue;
		if (mask[i] & PCI_BAR_IO)
			return -EINVAL;         /* Hyper-V assigns memory BARs only */
		if ((mask[i] & 6u) == PCI_BAR_MEM64) {
			if (i == VPCI_BARS - 1)
				return -EINVAL;
			v = mask[i] | (uint64_t)mask[i + 1] << 32;
			is64[i] = true;
		} else {
			v = mask[i] | 0xFFFFFFFF00000000ull;
		}
		s = ~(v & ~0xFull) + 1;
		if (!s || (s & (s - 1)))
			return -EINVAL;         /* not a size: bits below the top set */
		size[i] = s < PLAT_PAGE_SIZE ? PLAT_PAGE_SIZE : s;
		if (is64[i])
			i++;
	}
	return 0;
}
