/*
 * The test function driver (hosted builds only: KEEL_TEST_HOOKS). It binds
 * keelsim's test functions (vendor 0x1414, device 0xFFF0), turns memory
 * decoding on and takes every MSI-X vector the function has, so scenarios
 * exercise interrupt creation, delivery (the handled count in the listing)
 * and deletion on eject and rescind. With pci_testfn_cfg_reads set (guest
 * switch vpci-cfg-reads=N) its probe first reads the vendor ID N times:
 * make bench-vpci times config space reads through the seam with it.
 */
#ifdef KEEL_TEST_HOOKS
#include "drivers/pci.h"
#include "include/hyperv/vpci.h"

unsigned pci_testfn_cfg_reads;

static void pci_testfn_irq(struct pci_func *f, unsigned idx, void *arg)
{
	(void)f;
	(void)idx;
	(void)arg;                      /* the core counts what was handled */
}

static int pci_testfn_probe(struct pci_func *f)
{
	uint16_t cap = pci_func_find_cap(f, PCI_CAP_ID_MSIX);
	unsigned n;

	for (unsigned i = 0; i < pci_testfn_cfg_reads; i++)
		(void)pci_cfg_read(f, PCI_CFG_VENDOR, 2);
	pci_enable_memory(f);
	if (!cap)
		return 0;
	n = (pci_cfg_read(f, cap + PCI_MSIX_CTRL, 2) & PCI_MSIX_CTRL_SIZE) + 1;
	return pci_msix_enable(f, n, pci_testfn_irq, NULL);
}

static void pci_testfn_remove(struct pci_func *f)
{
	pci_msix_disable(f);
}

const struct pci_driver pci_testfn_driver = {
	.name = "keel-testfn",
	.vendor = 0x1414,
	.device = 0xFFF0,
	.class_code = 0,
	.class_mask = 0,
	.probe = pci_testfn_probe,
	.remove = pci_testfn_remove,
};
#endif
