/*
 * Device MMIO in the simulated host: the guest platform's mmio_read /
 * mmio_write land here (keelsim forwards them through the hosted platform's
 * host model). Each device that decodes MMIO (a vPCI bus: its config window
 * and its functions' BARs) is asked in turn; an address no device decodes
 * reads as all ones and drops writes, as an empty bus does.
 */
#include "host/host_priv.h"

static uint64_t mmio_all_ones(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static bool mmio_dispatch(struct host *h, uint64_t gpa, unsigned size, bool write,
			  uint64_t *val)
{
	for (int i = 0; i < h->ndevs; i++) {
		struct host_dev *d = h->devs[i];

		if (d && d->ops->mmio && d->ops->mmio(d, gpa, size, write, val))
			return true;
	}
	return false;
}

uint64_t host_mmio_read(struct host *h, uint64_t gpa, unsigned size)
{
	uint64_t v = mmio_all_ones(size);

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return v;
	if (!mmio_dispatch(h, gpa, size, false, &v))
		return mmio_all_ones(size);
	return v & mmio_all_ones(size);
}

void host_mmio_write(struct host *h, uint64_t gpa, unsigned size, uint64_t val)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return;
	mmio_dispatch(h, gpa, size, true, &val);
}
