/*
 * A vPCI function's resources (docs/protocols/vpci.md "Bring-up" steps 8-10,
 * "BARs"): the BAR sizes come from the host's masks (never from writing all
 * ones to a BAR); each BAR gets naturally aligned space of its own from the
 * MMIO ranges (64-bit BARs above 4 GiB when the high gap has room);
 * RESOURCES_ASSIGNED in the version's form (ASSIGNED / ASSIGNED2 / ASSIGNED3)
 * with zero ranges and room for one MSI resource; then the BARs are written
 * through config space with memory decoding off (Hyper-V ignores BAR writes
 * while it is on). RESOURCES_RELEASED gives them back. _send and _finish
 * split one assignment so that a bus's functions are assigned with their
 * requests overlapping (one host latency for all).
 */
#include <errno.h>
#include <string.h>

#include "drivers/vpci.h"
#include "kernel/log.h"

#define VPCI_4G (1ull << 32)

static int vpci_bar_place(struct vpci_func *vf, int i, uint64_t size, bool is64)
{
	uint64_t a = 0;
	int err = -ENOSPC;

	if (is64)
		err = pci_mmio_alloc(size, size, VPCI_4G, &a);
	if (err)
		err = pci_mmio_alloc(size, size, 0, &a);
	if (err)
		return err;
	if (!is64 && a + size > VPCI_4G) {
		pci_mmio_free(a);
		return -ENOSPC;
	}
	vf->pf.bar[i] = (struct pci_bar){ .addr = a, .size = size, .is64 = is64 };
	return 0;
}

static void vpci_bar_write(struct vpci_func *vf, int i)
{
	uint64_t a = vf->pf.bar[i].addr;

	vpci_cfg_write(vf, PCI_CFG_BAR0 + 4u * (unsigned)i, 4, (uint32_t)a & ~0xFu);
	if (vf->pf.bar[i].is64)
		vpci_cfg_write(vf, PCI_CFG_BAR0 + 4u * (unsigned)i + 4, 4, (uint32_t)(a >> 32));
}

/* RESOURCES_ASSIGNED sent; its request slot or -errno. */
static int vpci_send_assigned(struct vpci_func *vf)
{
	struct vpci_bus *b = vf->bus;
	struct vpci_resources_assigned m;
	uint32_t slot;

	memset(&m, 0, sizeof(m));
	/* the form and its MSI slot size by version: 1.1, 1.2-1.3, 1.4 */
	if (b->version >= VPCI_VERSION_1_4) {
		m.type = VPCI_MSG_RESOURCES_ASSIGNED3;
		slot = 80;
	} else if (b->version >= VPCI_VERSION_1_2) {
		m.type = VPCI_MSG_RESOURCES_ASSIGNED2;
		slot = 72;
	} else {
		m.type = VPCI_MSG_RESOURCES_ASSIGNED;
		slot = 16;
	}
	m.wslot = vf->wslot;
	return vpci_request_send(b, &m, VPCI_RES_ASSIGNED_LEN(slot));
}

int vpci_func_assign_send(struct vpci_func *vf)
{
	uint64_t size[VPCI_BARS];
	bool is64[VPCI_BARS];
	int err;

	err = vpci_bar_sizes(vf->bar_mask, size, is64);
	if (err) {
		pr_warn("vpci: slot %u: unusable BAR masks\n", vf->wslot);
		return err;
	}
	for (int i = 0; i < VPCI_BARS && !err; i++)
		if (size[i])
			err = vpci_bar_place(vf, i, size[i], is64[i]);
	if (err)
		goto fail;
	err = vpci_send_assigned(vf);
	if (err < 0 && err != -EBUSY)   /* -EBUSY: placed, sent by _finish */
		goto fail;
	return err;
fail:
	vpci_func_release(vf);
	return err;
}

int vpci_func_assign_finish(struct vpci_func *vf, int slot)
{
	struct vpci_status_reply r = { .status = VPCI_STATUS_BAD_DATA };
	uint32_t cmd, got = 0;
	int err;

	if (slot == -EBUSY)                     /* more functions than request slots */
		slot = vpci_send_assigned(vf);
	if (slot < 0) {
		err = slot;
		goto fail;
	}
	err = vpci_request_wait(vf->bus, slot, &r, sizeof(r), &got);
	if (!err && (got < 4 || (int32_t)r.status < 0))
		err = -EIO;
	if (err)
		goto fail;
	vf->assigned = true;
	cmd = vpci_cfg_read(vf, PCI_CFG_COMMAND, 2);
	vpci_cfg_write(vf, PCI_CFG_COMMAND, 2, cmd & ~PCI_CMD_MEMORY);
	for (int i = 0; i < VPCI_BARS; i++)
		if (vf->pf.bar[i].size)
			vpci_bar_write(vf, i);
	return 0;
fail:
	vpci_func_release(vf);
	return err;
}

int vpci_func_assign(struct vpci_func *vf)
{
	int slot = vpci_func_assign_send(vf);

	if (slot < 0 && slot != -EBUSY)
		return slot;
	return vpci_func_assign_finish(vf, slot);
}

void vpci_func_release(struct vpci_func *vf)
{
	if (vf->assigned) {
		struct vpci_slot_msg m = { VPCI_MSG_RESOURCES_RELEASED, vf->wslot };

		vpci_post(vf->bus, &m, sizeof(m));  /* not after a rescind */
		vf->assigned = false;
	}
	for (int i = 0; i < VPCI_BARS; i++) {
		if (vf->pf.bar[i].addr)
			pci_mmio_free(vf->pf.bar[i].addr);
		vf->pf.bar[i].addr = 0;
	}
}
