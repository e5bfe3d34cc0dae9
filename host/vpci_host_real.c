/*
 * A simulated vPCI function that takes its identity from a real PCI
 * function (docs/scenarios.md "vPCI device": config=, resource=): the
 * device parameters `config=FILE` (a copy of, or the sysfs `config` file
 * itself) and `resource=FILE` (sysfs `resource`: one "start end flags" line
 * per region). Read-only: the file is copied, then checked, then used.
 *
 * From config: vendor, device, revision, class, subsystem and the MSI-X
 * table size (the capability list walked from 0x34, bounded). From
 * resource: the sizes of memory BARs 0-5, 64-bit where the flags say so.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "host/vpci_host.h"

#define REAL_CFG_MAX      256
#define REAL_CAP_STEPS    48          /* a loop in the list ends here */
#define IORES_MEM         0x00000200ull
#define IORES_MEM_64      0x00100000ull
#define PCI_CAP_LIST_BIT  0x10u

static uint32_t rd(const uint8_t *c, unsigned off, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint32_t)c[off + i] << (8 * i);
	return v;
}

/* MSI-X table size from the capability list, 0 without one. */
static uint32_t real_msix(const uint8_t *c, size_t len)
{
	unsigned off = c[0x34] & 0xFCu;

	if (!(rd(c, 0x06, 2) & PCI_CAP_LIST_BIT))
		return 0;
	for (int step = 0; step < REAL_CAP_STEPS && off >= 0x40 && off + 4 <= len; step++) {
		if (c[off] == PCI_CAP_ID_MSIX)
			return (rd(c, off + 2, 2) & PCI_MSIX_CTRL_SIZE) + 1;
		off = c[off + 1] & 0xFCu;
	}
	return 0;
}

int vh_p_config(struct vh_proto *p, const char *path)
{
	uint8_t c[REAL_CFG_MAX] = { 0 };
	FILE *f = fopen(path, "rb");
	size_t len;
	uint32_t msix;

	if (!f)
		return -errno;
	len = fread(c, 1, sizeof(c), f);
	fclose(f);
	if (len < 64 || rd(c, 0, 2) == 0xFFFF || (c[0x0E] & 0x7F) != 0)
		return -EINVAL;                /* too short, absent, not type 0 */
	p->vendor = (uint16_t)rd(c, 0, 2);
	p->device = (uint16_t)rd(c, 2, 2);
	p->revision = c[8];
	p->class_code = rd(c, 9, 3);
	p->subsys = rd(c, 0x2C, 4);
	msix = real_msix(c, len);
	p->msix = msix > VH_MSIX_MAX ? VH_MSIX_MAX : msix;
	return 0;
}

int vh_p_resource(struct vh_proto *p, const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long long start, end, flags;
	int i;

	if (!f)
		return -errno;
	for (i = 0; i < VPCI_BARS; i++) {
		p->bar_size[i] = 0;
		p->bar64[i] = false;
	}
	for (i = 0; i < VPCI_BARS && fscanf(f, "%llx %llx %llx", &start, &end, &flags) == 3; i++) {
		if (!(flags & IORES_MEM) || end <= start || (i > 0 && p->bar64[i - 1]))
			continue;
		p->bar_size[i] = end - start + 1;
		p->bar64[i] = (flags & IORES_MEM_64) && i + 1 < VPCI_BARS;
	}
	fclose(f);
	return 0;
}
