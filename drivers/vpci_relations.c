/*
 * The relations work (bus queue, under state_lock): the host's newest list
 * of functions is the complete set (docs/protocols/vpci.md "Hot add"):
 *   1. a function already known with the same slot, vendor, device and
 *      serial is kept;
 *   2. known functions missing from the list are destroyed (driver removed,
 *      interrupts deleted, resources released) before anything new starts
 *      in their slot;
 *   3. new functions get their BAR masks (QUERY_RESOURCE_REQUIREMENTS);
 *      once the bus is installed they also get resources and are
 *      registered, which probes them on their own queues;
 *   4. the probe's survey wait, if any, is completed.
 * Lists that arrive meanwhile replace the pending one and run next: the
 * queue is ordered, so surveys never overlap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vpci.h"
#include "kernel/log.h"

/* A function object for a description (not linked, not registered). */
struct vpci_func *vpci_func_new(struct vpci_bus *b, const struct vpci_func_desc2 *d)
{
	struct vpci_func *vf = calloc(1, sizeof(*vf));

	if (!vf)
		return NULL;
	vf->bus = b;
	vf->desc = *d;
	vf->wslot = d->d.wslot;
	vf->pf.domain = b->domain;
	vf->pf.devfn = (uint8_t)(VPCI_WSLOT_DEV(d->d.wslot) << 3 | VPCI_WSLOT_FN(d->d.wslot));
	vf->pf.vendor = d->d.vendor_id;
	vf->pf.device = d->d.device_id;
	vf->pf.class_code = (uint32_t)d->d.base_class << 16 | (uint32_t)d->d.subclass << 8 |
			    d->d.prog_if;
	vf->pf.revision = d->d.revision;
	vf->pf.subsys = d->d.subsystem_id;
	vf->pf.serial = d->d.serial;
	vf->pf.ops = &vpci_pci_ops;
	vf->pf.bus_priv = b;
	work_init(&vf->w_eject, vpci_eject_work, "vpci_eject");
	return vf;
}

struct vpci_func *vpci_func_find(struct vpci_bus *b, uint32_t wslot)
{
	for (struct vpci_func *vf = b->funcs; vf; vf = vf->next)
		if (vf->wslot == wslot)
			return vf;
	return NULL;
}

static bool vpci_same(const struct vpci_func *vf, const struct vpci_func_desc *d)
{
	return vf->wslot == d->wslot && vf->desc.d.vendor_id == d->vendor_id &&
	       vf->desc.d.device_id == d->device_id && vf->desc.d.serial == d->serial;
}

/* QUERY_RESOURCE_REQUIREMENTS sent; its request slot or -errno. */
static int vpci_query_reqs_send(struct vpci_func *vf)
{
	struct vpci_slot_msg m = { VPCI_MSG_QUERY_RESOURCE_REQS, vf->wslot };

	return vpci_request_send(vf->bus, &m, sizeof(m));
}

static int vpci_query_reqs_wait(struct vpci_func *vf, int slot)
{
	uint8_t r[sizeof(struct vpci_resource_reqs_reply)];
	uint32_t got = 0;
	int err;

	memset(r, 0, sizeof(r));
	err = vpci_request_wait(vf->bus, slot, r, sizeof(r), &got);
	if (!err)
		err = vpci_parse_resource_reqs(r, got < sizeof(r) ? got : sizeof(r), vf->bar_mask);
	return err;
}

/* Installed bus: the new function gets resources and its driver. */
static void vpci_func_install(struct vpci_func *vf)
{
	int err = vpci_func_assign(vf);

	if (!err)
		err = pci_func_add(&vf->pf);
	if (err) {
		pr_warn("vpci: %s: slot %u not installed (%d)\n", vmbus_device_name(vf->bus->dev),
			vf->wslot, err);
		return;
	}
	vf->registered = true;
}

/*
 * The new functions' requirements are asked for all at once and then
 * collected in list order, so a host that answers late costs one latency
 * for the whole list, not one per function (bench-vpci bringup-8fn-10ms).
 */
static void vpci_add_new(struct vpci_bus *b, const struct vpci_relations *rel, bool *known)
{
	struct vpci_func *vf[VPCI_MAX_FUNCS] = { NULL };
	int slot[VPCI_MAX_FUNCS];
	struct vpci_func **tail = &b->funcs;

	while (*tail)
		tail = &(*tail)->next;
	for (uint32_t i = 0; i < rel->count; i++) {
		slot[i] = -ENODEV;
		if (known[i] || vpci_gone(b))
			continue;
		vf[i] = vpci_func_new(b, &rel->f[i]);
		if (vf[i])
			slot[i] = vpci_query_reqs_send(vf[i]);
	}
	for (uint32_t i = 0; i < rel->count; i++) {
		int err;

		if (!vf[i])
			continue;
		if (slot[i] == -EBUSY)          /* more functions than request slots */
			slot[i] = vpci_query_reqs_send(vf[i]);
		err = slot[i] < 0 ? slot[i] : vpci_query_reqs_wait(vf[i], slot[i]);
		if (err || vpci_gone(b)) {
			if (err)
				pr_warn("vpci: %s: slot %u: no resource requirements\n",
					vmbus_device_name(b->dev), vf[i]->wslot);
			free(vf[i]);
			continue;
		}
		*tail = vf[i];
		tail = &vf[i]->next;
		if (b->state == VB_INSTALLED)
			vpci_func_install(vf[i]);
	}
}

static void vpci_survey_complete(struct vpci_bus *b)
{
	struct vpci_survey *s = b->survey;

	if (!s)
		return;
	b->survey = NULL;               /* only the first list completes it */
	if (s->magic != VPCI_SURVEY_LIVE)
		panic("vpci: survey completion used after its waiter returned");
	s->done = true;
	waitq_wake_all(&b->wait);
}

static void vpci_survey(struct vpci_bus *b, const struct vpci_relations *rel)
{
	bool known[VPCI_MAX_FUNCS] = { false };
	struct vpci_func *vf, *next;

	for (vf = b->funcs; vf; vf = vf->next) {
		vf->reported = false;
		for (uint32_t i = 0; i < rel->count; i++)
			if (vpci_same(vf, &rel->f[i].d))
				vf->reported = known[i] = true;
	}
	for (vf = b->funcs; vf; vf = next) {
		next = vf->next;
		if (!vf->reported)
			vpci_func_destroy(vf);
	}
	vpci_add_new(b, rel, known);
	vpci_survey_complete(b);
}

void vpci_relations_work(struct work *w)
{
	struct vpci_bus *b = wq_container_of(w, struct vpci_bus, w_rel);
	struct vpci_relations *rel = b->pending_rel;

	b->pending_rel = NULL;
	if (!rel)
		return;
	if (b->state != VB_REMOVING && !kmutex_lock(&b->state_lock, VPCI_TIMEOUT_NS)) {
		vpci_survey(b, rel);
		kmutex_unlock(&b->state_lock);
	}
	free(rel);
}
