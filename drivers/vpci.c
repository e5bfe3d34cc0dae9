/*
 * The Hyper-V virtual PCI bus driver (VMBus class 44c4f61d-4444-4400-9d52-
 * 802e27ede19f): one channel = one PCI bus whose functions the host passes
 * through. docs/protocols/vpci.md "Bring-up" is the sequence probe follows:
 *
 *   open the channel -> QUERY_PROTOCOL_VERSION, 1.4 down to 1.1 ->
 *   config window from the MMIO ranges (clear of the framebuffer) ->
 *   QUERY_BUS_RELATIONS, wait until the relations work surveyed the list,
 *   then flush that work ("Races" 1) -> under state_lock: FDO_D0_ENTRY,
 *   resources for every function, register them (each probes on its own
 *   queue) -> ready, listing.
 *
 * Removal (rescind, unload, a failed probe) flushes the bus queue, destroys
 * every function, sends FDO_D0_EXIT unless the channel was rescinded, and
 * closes the channel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vpci.h"
#include "include/hyperv/vmbus_guids.h"
#include "kernel/log.h"

#ifdef KEEL_TEST_HOOKS
bool vpci_legacy_survey_noflush;
#endif

/* Live buses (a named singleton), for vpci_fini. */
static struct vpci_bus *vpci_buses;

static const uint32_t vpci_versions[] = {
	VPCI_VERSION_1_4, VPCI_VERSION_1_3, VPCI_VERSION_1_2, VPCI_VERSION_1_1,
};

/* The one transition function of the diagram in vpci.h. */
void vpci_bus_set_state(struct vpci_bus *b, enum vpci_bus_state to)
{
	bool ok;

	switch (to) {
	case VB_PROBED: ok = b->state == VB_INIT; break;
	case VB_INSTALLED: ok = b->state == VB_PROBED; break;
	case VB_REMOVING: ok = true; break;
	default: ok = false; break;
	}
	kassert(ok);                    /* a transition not in the diagram */
	b->state = to;
}

bool vpci_gone(const struct vpci_bus *b)
{
	return vmbus_chan_rescinded(b->c) || !vmbus_chan_is_open(b->c);
}

static int vpci_negotiate(struct vpci_bus *b)
{
	for (size_t i = 0; i < sizeof(vpci_versions) / sizeof(vpci_versions[0]); i++) {
		struct vpci_query_version q = { VPCI_MSG_QUERY_PROTOCOL_VERSION, vpci_versions[i] };
		struct vpci_status_reply r = { .status = VPCI_STATUS_BAD_DATA };
		uint32_t got = 0;
		int err = vpci_request(b, &q, sizeof(q), &r, sizeof(r), &got);

		if (err)
			return err;
		if (got >= 4 && r.status == VPCI_STATUS_SUCCESS) {
			b->version = vpci_versions[i];
			return 0;
		}
		if (got < 4 || r.status != VPCI_STATUS_REVISION_MISMATCH)
			break;
	}
	pr_err("vpci: %s: no protocol version accepted\n", vmbus_device_name(b->dev));
	return -EPROTO;
}

/* Two pages, preferably above 4 GiB (docs/protocols/vpci.md "MMIO ranges"). */
static int vpci_window_alloc(struct vpci_bus *b)
{
	int err = pci_mmio_alloc(VPCI_CFG_WINDOW_SIZE, PLAT_PAGE_SIZE, 1ull << 32, &b->window);

	if (err)
		err = pci_mmio_alloc(VPCI_CFG_WINDOW_SIZE, PLAT_PAGE_SIZE, 0, &b->window);
	if (err)
		b->window = 0;
	return err;
}

struct vpci_survey_arg {
	struct vpci_bus *b;
	struct vpci_survey *sv;
};

static bool vpci_survey_done(void *arg)
{
	struct vpci_survey_arg *a = arg;

	return a->sv->done || vpci_gone(a->b);
}

/*
 * Ask for the relations and wait until the relations work has surveyed
 * them (it completes sv). Woken by that work, by vpci_on_event on a
 * rescind and by the watchdog after VPCI_TIMEOUT_NS. Before returning, on every path, no
 * relations work may still reach sv: it is unpublished and the bus queue
 * flushed (Linux commit 440b5e366327).
 */
static int vpci_survey_wait(struct vpci_bus *b)
{
	struct vpci_survey sv = { VPCI_SURVEY_LIVE, false };
	struct vpci_survey_arg a = { b, &sv };
	struct vpci_msg_type_only q = { VPCI_MSG_QUERY_BUS_RELATIONS };
	int err;

	b->survey = &sv;
	err = vpci_post(b, &q, sizeof(q));
	if (!err)
		err = vpci_wait(b, vpci_survey_done, &a);
	if (!err && !sv.done)
		err = -ENODEV;
	sv.magic = VPCI_SURVEY_DEAD;
#ifdef KEEL_TEST_HOOKS
	if (vpci_legacy_survey_noflush)
		return err;
#endif
	b->survey = NULL;
	wq_flush(b->wq, VPCI_TIMEOUT_NS);
	return err;
}

static int vpci_d0_entry(struct vpci_bus *b)
{
	struct vpci_d0_entry m = { VPCI_MSG_FDO_D0_ENTRY, 0, b->window };
	struct vpci_status_reply r = { .status = VPCI_STATUS_BAD_DATA };
	uint32_t got = 0;
	int err = vpci_request(b, &m, sizeof(m), &r, sizeof(r), &got);

	if (!err && (got < 4 || (int32_t)r.status < 0)) {
		pr_err("vpci: %s: D0 entry refused (0x%x)\n", vmbus_device_name(b->dev), r.status);
		err = -EIO;
	}
	b->d0 = !err;
	return err;
}

/* Under state_lock: D0, then resources and drivers for every function.
 * Every function's RESOURCES_ASSIGNED goes out before the first answer is
 * awaited, so a host that answers late costs one latency for the bus. */
static int vpci_install(struct vpci_bus *b)
{
	int slot[VPCI_MAX_FUNCS];
	unsigned n = 0;
	int err = vpci_d0_entry(b);
	struct vpci_func *vf;

	if (err)
		return err;
	for (vf = b->funcs; vf && n < VPCI_MAX_FUNCS; vf = vf->next)
		slot[n++] = vpci_func_assign_send(vf);
	n = 0;
	for (vf = b->funcs; vf && n < VPCI_MAX_FUNCS; vf = vf->next, n++) {
		int e = slot[n] >= 0 || slot[n] == -EBUSY ? vpci_func_assign_finish(vf, slot[n])
							  : slot[n];

		if (e == -EINVAL || e == -ENOSPC || e == -EIO) {
			pr_warn("vpci: %s: slot %u left without resources (%d)\n",
				vmbus_device_name(b->dev), vf->wslot, e);
			continue;       /* that function only */
		}
		/* Bus gone or silent: the install fails; the remaining answers
		 * are still collected (each sent request is waited for). */
		if (!err && !e)
			e = pci_func_add(&vf->pf);
		if (!err)
			err = e;
		vf->registered = !e && !err;
	}
	if (!err)
		vpci_bus_set_state(b, VB_INSTALLED);
	return err;
}

static void vpci_bus_unlink(struct vpci_bus *b)
{
	for (struct vpci_bus **pp = &vpci_buses; *pp; pp = &(*pp)->next_bus)
		if (*pp == b) {
			*pp = b->next_bus;
			return;
		}
}

void vpci_fini(void)
{
	while (vpci_buses) {
		struct vpci_bus *b = vpci_buses;

		vpci_buses = b->next_bus;
		while (b->funcs) {
			struct vpci_func *vf = b->funcs;

			b->funcs = vf->next;
			free(vf->pf.msix);
			free(vf);
		}
		free(b->pending_rel);
		timer_stop(&b->watchdog);
		vmbus_device_set_priv(b->dev, NULL);
		free(b);
	}
}

static void vpci_bus_destroy(struct vpci_bus *b)
{
	vpci_bus_set_state(b, VB_REMOVING);
	if (b->wq)
		wq_flush(b->wq, VPCI_TIMEOUT_NS);
	while (b->funcs)
		vpci_func_destroy(b->funcs);
	if (b->d0 && !vpci_gone(b)) {
		struct vpci_msg_type_only m = { VPCI_MSG_FDO_D0_EXIT };
		struct vpci_status_reply r;

		vpci_request(b, &m, sizeof(m), &r, sizeof(r), NULL);  /* failure changes nothing */
	}
	b->d0 = false;
	vmbus_chan_close(b->c);
	if (b->window)
		pci_mmio_free(b->window);
	if (b->wq)
		wq_destroy(b->wq);
	free(b->pending_rel);
	timer_stop(&b->watchdog);       /* no waiter is left to wake */
	vmbus_device_set_priv(b->dev, NULL);
	vpci_bus_unlink(b);
	free(b);
}

static bool vpci_domain_used(uint16_t d)
{
	for (struct vpci_bus *o = vpci_buses; o; o = o->next_bus)
		if (o->domain == d)
			return true;
	return false;
}

static struct vpci_bus *vpci_bus_new(struct vmbus_device *dev)
{
	struct vpci_bus *b = calloc(1, sizeof(*b));
	const struct vmbus_guid *inst;

	if (!b)
		return NULL;
	b->dev = dev;
	b->c = vmbus_device_channel(dev);
	inst = vmbus_device_instance(dev);
	/* Linux hv_pci_probe: the domain from the instance; 0 is Gen1's PCI;
	 * a domain in use moves to the next free one. */
	b->domain = (uint16_t)(inst->b[5] << 8 | inst->b[4]);
	while (!b->domain || vpci_domain_used(b->domain))
		b->domain++;
	timer_setup(&b->watchdog, vpci_watchdog, "vpci_watchdog");
	kmutex_init(&b->cfg_lock, "vpci_cfg");
	kmutex_init(&b->state_lock, "vpci_state");
	waitq_init(&b->wait, "vpci");
	work_init(&b->w_rel, vpci_relations_work, "vpci_relations");
	work_init(&b->w_early_eject, vpci_early_eject_work, "vpci_early_eject");
	/* Queue names outlive their queues (traces, deadlock reports): literals. */
	b->wq = wq_create("vpci_bus", 1);
	if (!b->wq) {
		free(b);
		return NULL;
	}
	b->next_bus = vpci_buses;
	vpci_buses = b;
	return b;
}

static int vpci_probe(struct vmbus_device *dev)
{
	struct vpci_bus *b = vpci_bus_new(dev);
	struct vmbus_chan_open_args a = {
		.out_pages = VPCI_RING_PAGES, .in_pages = VPCI_RING_PAGES,
		.max_requests = VPCI_MAX_REQS, .cb = vpci_on_event,
	};
	int err;

	if (!b)
		return -ENOMEM;
	vmbus_device_set_priv(dev, b);
	a.cb_arg = b;
	err = vmbus_chan_open(b->c, &a);
	if (!err)
		err = vpci_negotiate(b);
	if (!err)
		err = vpci_window_alloc(b);
	if (!err)
		err = vpci_survey_wait(b);
	if (err)
		goto fail;
	vpci_bus_set_state(b, VB_PROBED);
	err = kmutex_lock(&b->state_lock, VPCI_TIMEOUT_NS);
	if (err)
		goto fail;
	err = vpci_install(b);
	kmutex_unlock(&b->state_lock);
	if (err)
		goto fail;
	pr_info("vpci: %s: bus %04x:00, protocol %u.%u, config window %llx\n",
		vmbus_device_name(dev), b->domain, b->version >> 16, b->version & 0xFFFF,
		(unsigned long long)b->window);
	vmbus_device_set_ready(dev);
	pci_lspci();
	return 0;
fail:
	pr_warn("vpci: %s: probe failed (%d)\n", vmbus_device_name(dev), err);
	vpci_bus_destroy(b);
	return err;
}

static void vpci_remove(struct vmbus_device *dev)
{
	struct vpci_bus *b = vmbus_device_priv(dev);

	if (b)
		vpci_bus_destroy(b);
}

const struct vmbus_driver vpci_driver = {
	.class_id = VMBUS_CLASS_VPCI,
	.name = "vpci",
	.probe = vpci_probe,
	.remove = vpci_remove,
};
