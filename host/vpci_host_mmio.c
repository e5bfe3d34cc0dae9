/*
 * The simulated vPCI server's MMIO (docs/protocols/vpci.md "Config
 * window"): the config window it decodes between FDO_D0_ENTRY and
 * FDO_D0_EXIT (slot select by 4-byte writes only, accesses within one
 * page, all ones for empty slots), the MSI-X table in each function's BAR 0
 * once memory decoding is on, and MSI-X delivery from that table.
 */
#include <string.h>

#include "host/host_priv.h"
#include "host/nvme_host.h"
#include "host/vpci_host.h"

/* The function raises MSI-X entry K: it sends what its table holds; the
 * interrupt reaches the guest only if that is an interrupt the host created. */
void vh_fire_msi(struct host_dev *d, struct vh_func *f, uint32_t k)
{
	struct vh_dev *v = d->priv;
	uint32_t lo, hi, data, ctl;

	if (k >= v->proto.msix || !(f->msix_ctrl & PCI_MSIX_CTRL_ENABLE) ||
	    (f->msix_ctrl & PCI_MSIX_CTRL_MASKALL)) {
		v->msis_lost++;
		return;
	}
	memcpy(&lo, &f->msix_table[k][0], 4);
	memcpy(&hi, &f->msix_table[k][4], 4);
	memcpy(&data, &f->msix_table[k][8], 4);
	memcpy(&ctl, &f->msix_table[k][12], 4);
	for (int i = 0; !(ctl & 1) && i < f->nints; i++)
		if (f->ints[i].address == ((uint64_t)hi << 32 | lo) && f->ints[i].data == data) {
			v->msis_fired++;
			d->h->env.raise_irq(d->h->env.ctx, (int)f->ints[i].vector);
			return;
		}
	v->msis_lost++;
}

static bool vh_mmio_window(struct host_dev *d, uint64_t off, unsigned size, bool write,
			   uint64_t *val)
{
	struct vh_dev *v = d->priv;
	struct vh_func *f;

	if (off < VPCI_CFG_SPACE) {
		if (off != VPCI_CFG_SLOT_SELECT || size != 4 || !write)
			host_dev_violation(d, v->c, "config window: slot select takes 4-byte writes only");
		else
			v->selected = (uint32_t)*val;
		return true;
	}
	off -= VPCI_CFG_SPACE;
	if ((off & 4095) + size > 4096) {
		host_dev_violation(d, v->c, "config window: access crosses the page");
		return true;
	}
	f = vh_live(d, v->selected, "config access");
	if (!f || v->proto.dead || (f->ejecting && v->eject_cfg_ones && !write)) {
		*val = ~0ull;           /* empty slot */
		return true;
	}
	if (write)
		vh_cfg_write(f, &v->proto, (uint32_t)off, size, (uint32_t)*val);
	else
		*val = vh_cfg_read(f, &v->proto, (uint32_t)off, size);
	return true;
}

bool vh_mmio(struct host_dev *d, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	struct vh_dev *v = d->priv;

	if (!v->d0 || !v->c)
		return false;
	if (gpa >= v->window && gpa < v->window + VPCI_CFG_WINDOW_SIZE)
		return vh_mmio_window(d, gpa - v->window, size, write, val);
	for (int s = 0; s < VH_MAX_FUNCS; s++) {
		struct vh_func *f = &v->func[s];
		uint64_t a = f->present && !f->ejected ? vh_bar_addr(f, 0) : 0;

		if (a && gpa >= a && gpa < a + vh_bar_size(f, 0)) {
			if (nh_mmio(d, f, s, gpa - a, size, write, val))
				return true;
			if (!vh_msix_access(f, &v->proto, gpa - a, size, write, val) && !write)
				*val = 0;
			return true;
		}
	}
	return false;
}
