/*
 * The PCI function driver table (docs/style.md §4: drivers are a const table),
 * matched on vendor/device IDs and class, first match wins: NVMe
 * controllers by class 01-08-02 (drivers/nvme.c). The hosted builds add the test
 * function driver (drivers/pci_testfn.c), which only keelsim's functions
 * carry the IDs of.
 */
#include "drivers/pci.h"

#ifdef KEEL_TEST_HOOKS
extern const struct pci_driver pci_testfn_driver;
#endif
extern const struct pci_driver nvme_pci_driver;      /* drivers/nvme.c */

const struct pci_driver *const pci_drivers[] = {
#ifdef KEEL_TEST_HOOKS
	&pci_testfn_driver,
#endif
	&nvme_pci_driver,
	NULL,
};
const unsigned pci_ndrivers = sizeof(pci_drivers) / sizeof(pci_drivers[0]) - 1;

static bool pci_driver_fits(const struct pci_driver *d, const struct pci_func *f)
{
	return (d->vendor == 0xFFFF || d->vendor == f->vendor) &&
	       (d->device == 0xFFFF || d->device == f->device) &&
	       (f->class_code & d->class_mask) == d->class_code;
}

const struct pci_driver *pci_driver_match(const struct pci_func *f)
{
	for (unsigned i = 0; i < pci_ndrivers; i++)
		if (pci_driver_fits(pci_drivers[i], f))
			return pci_drivers[i];
	return NULL;
}
