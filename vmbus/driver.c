/*
 * The driver model: the const driver table matched on class GUID bytes
 * (docs/style.md §4), one device per primary channel, two work queues per device
 * (probe and remove on one, sub-channel opens on the other), asynchronous
 * probe and remove, and sub-channel offers handed to the driver only after
 * it asked for them (rule 2: the only place a sub-channel is opened).
 * docs/architecture.md "Queues".
 *
 *   NEW --probe work--> PROBING --0--> BOUND --rescind--> REMOVING --> GONE
 *    |                     +--err--> PROBE_FAILED --rescind--^          |
 *    +-- no driver --> NO_DRIVER --rescind (released on vmbus_chan)--> GONE
 *                                                                       |
 *   GONE: once every channel of the device is released, the reaper (on
 *   vmbus_chan) calls the driver's release and frees device, channels and
 *   queues.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/log.h"
#include "lib/guid.h"
#include "vmbus/vmbus_priv.h"

#ifdef KEEL_TEST_HOOKS
extern const struct vmbus_driver echo_driver;        /* drivers/echo.c, tests only */
#endif
extern const struct vmbus_driver storvsc_driver;     /* drivers/storvsc.c */
extern const struct vmbus_driver netvsc_driver;      /* drivers/netvsc.c */
extern const struct vmbus_driver ic_heartbeat_driver;  /* drivers/ic_heartbeat.c */
extern const struct vmbus_driver ic_shutdown_driver;   /* drivers/ic_shutdown.c */
extern const struct vmbus_driver ic_timesync_driver;   /* drivers/ic_timesync.c */
extern const struct vmbus_driver ic_kvp_driver;        /* drivers/ic_kvp.c */
#ifndef KEEL_NO_VPCI
extern const struct vmbus_driver vpci_driver;        /* drivers/vpci.c (mk/efi.mk KEEL_VPCI) */
#endif

const struct vmbus_driver *const vmbus_drivers[] = {
#ifdef KEEL_TEST_HOOKS
	&echo_driver,
#endif
	&storvsc_driver,
	&netvsc_driver,
	&ic_heartbeat_driver,
	&ic_shutdown_driver,
	&ic_timesync_driver,
	&ic_kvp_driver,
#ifndef KEEL_NO_VPCI
	&vpci_driver,
#endif
};
const unsigned vmbus_ndrivers = sizeof(vmbus_drivers) / sizeof(vmbus_drivers[0]);

#ifdef KEEL_TEST_HOOKS
bool vmbus_test_subchan_on_device_queue;
bool vmbus_test_shared_device_queue;
static struct wq *shared_device_queue;   /* per vmbus_start: see device_queues */
static uint32_t shared_device_queue_gen;
#endif

static const char *const dev_state_names[DEV_STATE_NR] = {
	[DEV_NEW] = "new", [DEV_NO_DRIVER] = "no-driver", [DEV_PROBING] = "probing",
	[DEV_BOUND] = "bound", [DEV_PROBE_FAILED] = "probe-failed",
	[DEV_REMOVING] = "removing", [DEV_GONE] = "gone",
};

const char *vmbus_dev_state_name(enum vmbus_dev_state s)
{
	return s < DEV_STATE_NR ? dev_state_names[s] : "?";
}

/*
 * The one transition function (diagram above). An edge not in the table is
 * a bug in this file: reported, state unchanged, -EINVAL.
 */
static int dev_transition(struct vmbus_device *dev, enum vmbus_dev_state to)
{
	static const uint8_t allowed[DEV_STATE_NR] = {
		[DEV_NEW] = 1u << DEV_PROBING | 1u << DEV_NO_DRIVER | 1u << DEV_PROBE_FAILED |
			    1u << DEV_REMOVING,
		[DEV_NO_DRIVER] = 1u << DEV_GONE,
		[DEV_PROBING] = 1u << DEV_BOUND | 1u << DEV_PROBE_FAILED,
		[DEV_BOUND] = 1u << DEV_REMOVING,
		[DEV_PROBE_FAILED] = 1u << DEV_REMOVING | 1u << DEV_GONE,
		[DEV_REMOVING] = 1u << DEV_GONE,
		[DEV_GONE] = 0,
	};
	enum vmbus_dev_state from = dev->state;

	switch (from) {
	case DEV_NEW: case DEV_NO_DRIVER: case DEV_PROBING: case DEV_BOUND:
	case DEV_PROBE_FAILED: case DEV_REMOVING: case DEV_GONE:
		if (to < DEV_STATE_NR && (allowed[from] & (1u << to)))
			break;
		pr_err("vmbus: BUG: %s: device transition %s -> %s\n", dev->name,
		       vmbus_dev_state_name(from), vmbus_dev_state_name(to));
		return -EINVAL;
	default:
		pr_err("vmbus: BUG: %s in unknown state %d\n", dev->name, (int)from);
		return -EINVAL;
	}
	dev->state = to;
	if (to == DEV_GONE) {
		dev->conn->st.ndevices--;
		dev->ready = false;
		wq_queue(dev->conn->q_chan, &dev->conn->w_reap);
		waitq_wake_all(&dev->conn->wait_removed);
	}
	return 0;
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
	if (dev->conn->state != CONN_CONNECTED) {
		dev_transition(dev, DEV_PROBE_FAILED);     /* vmbus_stop came first */
		return;
	}
	dev_transition(dev, DEV_PROBING);
	err = dev->drv->probe(dev);
	if (err) {
		dev_transition(dev, DEV_PROBE_FAILED);
		pr_err("vmbus: %s: probe failed (%d)\n", dev->name, err);
		return;
	}
	dev_transition(dev, DEV_BOUND);
}

/* Device queue, after any probe; queued by the primary's rescind and by
 * vmbus_stop (in either order, each once or both): remove the driver and
 * close every channel once, release the primary once it is rescinded.
 * Sub-channels are released by their own rescind work. */
static void dev_remove_work(struct work *w)
{
	struct vmbus_device *dev = wq_container_of(w, struct vmbus_device, w_remove);
	struct vmbus_channel *c = dev->chan;

	if (dev->state != DEV_GONE) {
		bool bound = dev->state == DEV_BOUND;

		dev_transition(dev, DEV_REMOVING);
		dev->ready = false;
		if (bound && dev->drv->remove)
			dev->drv->remove(dev);
		if (c) {
			for (struct vmbus_channel *s = c->subs; s; s = s->sub_next)
				vmbus_chan_close(s);
			vmbus_chan_close(c);
		}
	}
	if (c) {
		vmbus_chan_release(c);          /* only once rescinded */
		if (c->state == CHAN_RELEASED)
			dev->chan = NULL;
	}
	if (dev->state != DEV_GONE) {
		dev_transition(dev, DEV_GONE);
		pr_info("vmbus: %s removed\n", dev->name);
	}
}

/* A device's two queues: its own (rule 3: one device's work never waits
 * behind another's) unless a test switch restores an old design. */
static int device_queues(struct vmbus_device *dev)
{
	struct vmbus_conn *vc = dev->conn;

#ifdef KEEL_TEST_HOOKS
	if (vmbus_test_shared_device_queue) {
		/* One queue with two slots for every device's work (a system
		 * work queue): two devices' waiting items fill it. */
		if (shared_device_queue_gen != vmbus_generation()) {
			shared_device_queue = wq_create("vmbus_dev", 2);
			shared_device_queue_gen = vmbus_generation();
		}
		dev->queue = dev->subq = shared_device_queue;
		dev->owns_queues = false;
		return dev->queue ? 0 : -ENOMEM;
	}
	if (vmbus_legacy_single_queue) {
		dev->queue = wq_create(dev->name, 1);
		dev->subq = vc->q_msg;
		dev->owns_queues = false;
		return dev->queue ? 0 : -ENOMEM;
	}
	if (vmbus_test_subchan_on_device_queue) {
		dev->queue = wq_create(dev->name, 1);
		dev->subq = dev->queue;
		dev->owns_queues = false;
		return dev->queue ? 0 : -ENOMEM;
	}
#endif
	(void)vc;
	dev->owns_queues = true;
	dev->queue = wq_create(dev->name, 1);
	dev->subq = wq_create(dev->subq_name, 1);
	return dev->queue && dev->subq ? 0 : -ENOMEM;
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
	dev->state = DEV_NEW;
	snprintf(dev->name, sizeof(dev->name), "%s-r%u",
		 dev->drv ? dev->drv->name : "vmbus", c->relid);
	snprintf(dev->subq_name, sizeof(dev->subq_name), "%s-sub", dev->name);
	work_init(&dev->w_probe, dev_probe_work, "vmbus_probe");
	work_init(&dev->w_remove, dev_remove_work, "vmbus_remove");
	c->dev = dev;
	for (pp = &vc->devices; *pp; pp = &(*pp)->next)
		;
	*pp = dev;
	vc->st.ndevices++;
	if (!dev->drv) {
		dev_transition(dev, DEV_NO_DRIVER);
		pr_info("vmbus: relid %u class %s: no driver\n", c->relid,
			guid_format(&c->offer.if_type, g));
		return;
	}
	if (device_queues(dev)) {
		dev_transition(dev, DEV_PROBE_FAILED);
		pr_err("vmbus: %s: no work queue\n", dev->name);
		return;
	}
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
		dev_transition(dev, DEV_GONE);
		return;
	}
	wq_queue(dev->queue, &dev->w_remove);
}

/* ---- sub-channels (rule 2) ---- */

/* The device's sub-channel queue: hand one sub-channel to its driver. */
static void subchan_open_work(struct work *w)
{
	struct vmbus_channel *sc = wq_container_of(w, struct vmbus_channel, w_subopen);
	struct vmbus_device *dev = sc->dev;

	if (sc->rescinded || !dev || (dev->state != DEV_PROBING && dev->state != DEV_BOUND))
		return;
	dev->drv->subchan_offer(dev, sc);
}

static struct wq *subchan_queue(struct vmbus_channel *sc)
{
	return sc->dev->subq;
}

/* vmbus_chan: a sub-channel is linked to its device. Its driver sees it
 * once the driver asked; an earlier offer (the host may offer before being
 * asked, even while the primary is still being opened) is held. */
void vmbus_subchan_offer(struct vmbus_channel *sc)
{
	struct vmbus_device *dev = sc->dev;

	if (!dev || !dev->drv || !dev->drv->subchan_offer || !dev->subq)
		return;
	if (!dev->subs_requested) {
		sc->sub_held = true;
		dev->conn->st.subchan_held++;
		pr_info("vmbus: %s: sub-channel %u (relid %u) offered before the driver asked; "
			"held\n", dev->name, sc->offer.sub_channel_index, sc->relid);
		return;
	}
	work_init(&sc->w_subopen, subchan_open_work, "vmbus_subchan_open");
	wq_queue(subchan_queue(sc), &sc->w_subopen);
}

int vmbus_device_request_subchannels(struct vmbus_device *dev)
{
	struct vmbus_channel *c = dev->chan;

	if (!c || !vmbus_chan_is_open(c))
		return -ENOTCONN;
	dev->subs_requested = true;
	for (struct vmbus_channel *s = c->subs; s; s = s->sub_next) {
		if (!s->sub_held)
			continue;
		s->sub_held = false;
		vmbus_subchan_offer(s);
	}
	return 0;
}

struct wq *vmbus_device_subchan_queue(struct vmbus_device *dev)
{
	return dev->subq;
}

/* ---- freeing what was released ---- */

static bool dev_channels_released(const struct vmbus_device *dev)
{
	for (struct vmbus_channel *c = dev->conn->channels; c; c = c->next)
		if (c->dev == dev && c->state != CHAN_RELEASED)
			return false;
	return true;
}

/* vmbus_chan (the reaper): a GONE device whose channels are all released.
 * Its queues are flushed first: nothing of the device runs any more. */
static void dev_free(struct vmbus_device *dev)
{
	struct vmbus_conn *vc = dev->conn;

	if (dev->queue && dev->queue != wq_current())
		wq_flush(dev->queue, VMBUS_OPEN_TIMEOUT_NS);
	if (dev->subq && dev->subq != wq_current() && dev->subq != dev->queue)
		wq_flush(dev->subq, VMBUS_OPEN_TIMEOUT_NS);
	if (dev->drv && dev->drv->release)
		dev->drv->release(dev);
	else
		free(dev->priv);
	dev->priv = NULL;
	for (struct vmbus_channel **pp = &vc->channels; *pp;) {
		struct vmbus_channel *c = *pp;

		if (c->dev != dev) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		vmbus_chan_free(c);
	}
	if (dev->owns_queues) {
		wq_destroy(dev->queue);
		wq_destroy(dev->subq);
	}
	for (struct vmbus_device **pp = &vc->devices; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	}
	vc->st.freed_devices++;
	free(dev);
}

/* vmbus_chan: free released channels without a device, and GONE devices
 * whose channels are all released. Queued whenever either may have
 * happened; running it twice is harmless. */
void vmbus_reap_work(struct work *w)
{
	struct vmbus_conn *vc = wq_container_of(w, struct vmbus_conn, w_reap);

	for (struct vmbus_device *dev = vc->devices, *next; dev; dev = next) {
		next = dev->next;
		if (dev->state == DEV_GONE && dev_channels_released(dev)) {
			dev_free(dev);
			next = vc->devices;     /* the list may have changed while flushing */
		}
	}
	for (struct vmbus_channel **pp = &vc->channels; *pp;) {
		struct vmbus_channel *c = *pp;

		if (c->state != CHAN_RELEASED || c->dev) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		vmbus_chan_free(c);
	}
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
const struct vmbus_guid *vmbus_device_instance(const struct vmbus_device *dev)
{
	return &dev->instance;
}

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
