/*
 * MSI/MSI-X registration with the vPCI host (docs/protocols/vpci.md
 * "Interrupts"): CREATE_INTERRUPT in the negotiated version's form (1.1:
 * CPU mask; 1.2/1.3: CREATE_INTERRUPT2 with a processor array; 1.4:
 * CREATE_INTERRUPT3 with a 32-bit vector), one vector, fixed delivery, to
 * the boot VP; the reply's remapped address/data is kept for DELETE and
 * returned to drivers/pci_msix.c, which writes it into the function's
 * table. Keel never moves interrupts, so each is created with its final
 * target and no retarget hypercall is needed (FreeBSD's approach).
 *
 * An EJECT that arrives meanwhile does not stop the creation: the function
 * stays assigned until EJECTION_COMPLETE ("Races" 2; Linux commit
 * 2738d5ab7929). Only a rescinded channel does.
 */
#include <errno.h>
#include <string.h>

#include "drivers/vpci.h"
#include "kernel/log.h"

#ifdef KEEL_TEST_HOOKS
bool vpci_legacy_irq_eject_abort;
#endif

static uint32_t vpci_irq_msg(const struct vpci_bus *b, struct vpci_create_interrupt *m,
			     uint32_t wslot, int vector)
{
	memset(m, 0, sizeof(*m));
	m->wslot = wslot;
	if (b->version >= VPCI_VERSION_1_4) {
		m->type = VPCI_MSG_CREATE_INTERRUPT3;
		m->d.v3.vector = (uint32_t)vector;
		m->d.v3.vector_count = 1;
		m->d.v3.processor_count = 1;
		return VPCI_CREATE_INT_LEN3;
	}
	if (b->version >= VPCI_VERSION_1_2) {
		m->type = VPCI_MSG_CREATE_INTERRUPT2;
		m->d.v2.vector = (uint8_t)vector;
		m->d.v2.vector_count = 1;
		m->d.v2.processor_count = 1;
		return VPCI_CREATE_INT_LEN2;
	}
	m->type = VPCI_MSG_CREATE_INTERRUPT;
	m->d.v1.vector = (uint8_t)vector;
	m->d.v1.vector_count = 1;
	m->d.v1.cpu_mask = 1;           /* the real target: VP 0 */
	return VPCI_CREATE_INT_LEN1;
}

/* The x86 MSI window; anything else from the host is refused. */
static bool vpci_msi_ok(const struct vpci_create_interrupt_reply *r, uint32_t len)
{
	return len >= sizeof(*r) && (int32_t)r->status >= 0 && r->msi.vector_count >= 1 &&
	       r->msi.address >= 0xFEE00000ull && r->msi.address <= 0xFEEFFFFFull;
}

int vpci_irq_create(struct pci_func *f, unsigned idx, int vector, uint64_t *addr,
		    uint32_t *data)
{
	struct vpci_func *vf = wq_container_of(f, struct vpci_func, pf);
	struct vpci_create_interrupt m;
	struct vpci_create_interrupt_reply r;
	uint32_t len = vpci_irq_msg(vf->bus, &m, vf->wslot, vector), got = 0;
	int err;

	if (idx >= PCI_MSIX_MAX)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	err = vpci_request(vf->bus, &m, len, &r, sizeof(r), &got);
#ifdef KEEL_TEST_HOOKS
	if (vpci_legacy_irq_eject_abort && vf->eject_pending)
		return 0;               /* the retired design: no descriptor kept */
#endif
	if (err)
		return err;
	if (!vpci_msi_ok(&r, got)) {
		pr_warn("vpci: %s: CREATE_INTERRUPT refused (status 0x%x)\n", f->name, r.status);
		return -EIO;
	}
	vf->irq[idx] = r.msi;
	vf->irq_live[idx] = true;
	*addr = r.msi.address;
	*data = r.msi.data;
	return 0;
}

void vpci_irq_delete(struct pci_func *f, unsigned idx)
{
	struct vpci_func *vf = wq_container_of(f, struct vpci_func, pf);
	struct vpci_delete_interrupt m = { .type = VPCI_MSG_DELETE_INTERRUPT };

	if (idx >= PCI_MSIX_MAX || !vf->irq_live[idx])
		return;
	vf->irq_live[idx] = false;
	m.wslot = vf->wslot;
	m.msi = vf->irq[idx];
	vpci_post(vf->bus, &m, sizeof(m));  /* nothing to send after a rescind */
}
