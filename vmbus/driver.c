/*
 * The driver model: the const driver table matched on class GUID bytes
 * (STYLE.md §4), one device per primary channel, one work queue per device,
 * asynchronous probe and remove on that queue, and sub-channel offers handed
 * to the driver on the vmbus_subchan queue (rule 2: the only place a
 * sub-channel is opened). docs/architecture.md "Queues".
 *
 *   NEW --probe work--> PROBING --0--> BOUND --rescind--> REMOVING --> GONE
 *    |                     +--err--> PROBE_FAILED --rescind--^
 *    +-- no driver --> NO_DRIVER --rescind (released on vmbus_chan)--> GONE
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/log.h"
#include "lib/guid.h"
#include "vmbus/vmbus_priv.h"

extern const struct vmbus_driver echo_driver;
extern const struct vmbus_driver storvsc_driver;     /* drivers/storvsc.c */
#ifndef KEEL_NO_VPCI
extern const struct vmbus_driver vpci_driver;        /* drivers/vpci.c (mk/efi.mk KEEL_VPCI) */
#endif

const struct vmbus_driver *const vmbus_drivers[] = {
	&echo_driver,
	&storvsc_driver,
#ifndef KEEL_NO_VPCI
	&vpci_driver,
#endif
};
const unsigned vmbus_ndrivers = sizeof(vmbus_drivers) / sizeof(vmbus_drivers[0]);

static const char *const dev_state_names[] = {
	[DEV_NEW] = "new", [DEV_NO_DRIVER] = "no-driver", [DEV_PROBING] = "probing",
	[DEV_BOUND] = "bound", [DEV_PROBE_FAILED] = "probe-failed",
	[DEV_REMOVING] = "removing", [DEV_GONE] = "gone",
};

const char *vmbus_dev_state_name(enum vmbus_dev_state s)
{
	return s <= DEV_GONE ? dev_state_names[s] : "?";
}

static void dev_set_gone(struct vmbus_device *dev)
{
	if (dev->state != DEV_GONE)
		dev->conn->st.ndevices--;
	dev->state = DEV_GONE;
	dev->ready = false;
}

static const struct vmbus_driver *driver_match(const struct vmbus_guid *class_id)
{
	for (unsigned i = 0; i < vmbus_ndrivers; i++)
		if (guid_equal(&vmbus_drivers[i]->class_id, class_id))
			return vmbus_drivers[i];
	return NULL;
}

/* Device queue: the driver's probe; may wait as long as its own timeouts. */
static void dev_probe_work(struct work *w)
{
	struct vmbus_device *dev = wq_container_of(w, struct vmbus_device, w_probe);
	int err;

	if (dev->state != DEV_NEW)
		return;
	dev->state = DEV_PROBING;
	err = dev->drv->probe(dev);
	if (dev->state != DEV_PROBING)
		return;
	if (err) {
		dev->state = DEV_PROBE_FAILED;
		pr_err("vmbus: %s: probe failed (%d)\n", dev->name, err);
		return;
	}
	dev->state = DEV_BOUND;
}

/* Device queue, after any probe: remove, close sub-channels, release. */
static void dev_remove_work(struct work *w)
{
	struct vmbus_device *dev = wq_container_of(w, struct vmbus_device, w_remove);
	struct vmbus_channel *c = dev->chan;
	bool bound = dev->state == DEV_BOUND;

	dev->state = DEV_REMOVING;
	dev->ready = false;
	if (bound && dev->drv->remove)
		dev->drv->remove(dev);
	if (c) {
		for (struct vmbus_channel *s = c->subs; s; s = s->sub_next)
			vmbus_chan_close(s);
		vmbus_chan_close(c);
		vmbus_chan_release(c);
		if (c->state == CHAN_RELEASED)
			dev->chan = NULL;
	}
	dev_set_gone(dev);
	pr_info("vmbus: %s removed\n", dev->name);
}

/* vmbus_chan: a new primary channel. Creates the device, queues its probe. */
void vmbus_device_offer(struct vmbus_channel *c)
{
	struct vmbus_conn *vc = c->conn;
	struct vmbus_device *dev = calloc(1, sizeof(*dev)), **pp;
	char g[GUID_STR_LEN];

	if (!dev) {
		pr_err("vmbus: out of memory for relid %u\n", c->relid);
		return;
	}
	dev->conn = vc;
	dev->chan = c;
	dev->relid = c->relid;
	dev->class_id = c->offer.if_type;
	dev->instance = c->offer.if_instance;
	dev->drv = driver_match(&c->offer.if_type);
	snprintf(dev->name, sizeof(dev->name), "%s-r%u",
		 dev->drv ? dev->drv->name : "vmbus", c->relid);
	c->dev = dev;
	for (pp = &vc->devices; *pp; pp = &(*pp)->next)
		;
	*pp = dev;
	vc->st.ndevices++;
	if (!dev->drv) {
		dev->state = DEV_NO_DRIVER;
		pr_info("vmbus: relid %u class %s: no driver\n", c->relid,
			guid_format(&c->offer.if_type, g));
		return;
	}
	dev->queue = wq_create(dev->name, 1);
	if (!dev->queue) {
		dev->state = DEV_PROBE_FAILED;
		pr_err("vmbus: %s: no work queue\n", dev->name);
		return;
	}
	work_init(&dev->w_probe, dev_probe_work, "vmbus_probe");
	work_init(&dev->w_remove, dev_remove_work, "vmbus_remove");
	dev->state = DEV_NEW;
	wq_queue(dev->queue, &dev->w_probe);
}

/* vmbus_chan: the primary was rescinded. Removal runs after the probe on
 * the device queue (ordered); a device without a queue is released here. */
void vmbus_device_rescind(struct vmbus_channel *c)
{
	struct vmbus_device *dev = c->dev;

	if (!dev->queue) {
		vmbus_chan_release(c);
		if (c->state == CHAN_RELEASED)
			dev->chan = NULL;
		dev_set_gone(dev);
		return;
	}
	wq_queue(dev->queue, &dev->w_remove);
}

/* vmbus_subchan: hand a sub-channel to its driver (rule 2). */
void vmbus_subchan_offer(struct vmbus_channel *sc)
{
	struct vmbus_device *dev = sc->dev;

	if (!dev || !dev->drv || !dev->drv->subchan_offer)
		return;
	if (dev->state != DEV_PROBING && dev->state != DEV_BOUND)
		return;
	dev->drv->subchan_offer(dev, sc);
}

/* vmbus_fini only. */
void vmbus_device_free_all(struct vmbus_conn *vc)
{
	while (vc->devices) {
		struct vmbus_device *dev = vc->devices;
		vc->devices = dev->next;
		free(dev->priv);
		free(dev);
	}
}

/* ---- driver-facing accessors ---- */

struct vmbus_channel *vmbus_device_channel(struct vmbus_device *dev) { return dev->chan; }
void *vmbus_device_priv(struct vmbus_device *dev) { return dev->priv; }
const char *vmbus_device_name(const struct vmbus_device *dev) { return dev->name; }

/* priv must come from malloc: vmbus_fini frees it with the device. */
void vmbus_device_set_priv(struct vmbus_device *dev, void *priv) { dev->priv = priv; }

void vmbus_device_set_ready(struct vmbus_device *dev)
{
	dev->ready = true;
	pr_info("vmbus: %s ready\n", dev->name);
}

int vmbus_device_subchannels(struct vmbus_device *dev, struct vmbus_channel **out, int max)
{
	int n = 0;

	if (!dev->chan)
		return 0;
	for (struct vmbus_channel *s = dev->chan->subs; s; s = s->sub_next, n++)
		if (n < max)
			out[n] = s;
	return n;
}
