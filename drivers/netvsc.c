/*
 * The Hyper-V synthetic NIC driver (netvsc): probe, remove, the device state
 * machine and the interface's own work queue, which carries link changes to
 * the network stack (net/netdev.h).
 *
 * Probe follows the NetVSC initialization order of Linux
 * netvsc_device_add / rndis_filter_device_add: open the primary channel,
 * NVSP version (newest first), NDIS config and version, receive and send
 * buffers (netvsc_nvsp.c), RNDIS INITIALIZE and the queries for MAC,
 * maximum frame size, media state and link speed (netvsc_rndis.c),
 * sub-channels (netvsc_chan.c), then the packet filter that lets traffic in.
 * Every wait has a timeout and ends early on a rescind; a failed probe
 * undoes what it built in reverse order (netvsc_teardown), and memory the
 * host may write is freed only after its GPADL is gone.
 *
 * Rule 3 (docs/architecture.md "Queues"): each interface has its own work
 * queue. Teardown flushes that queue while holding netvsc_cfg_lock (no
 * configuration change may slip in between detach and the flush); a shared
 * queue would make it wait for another interface's link work, which in turn
 * waits for netvsc_cfg_lock: a wait cycle. The test build can put that
 * shared queue back (netvsc-shared-queue) to show the report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/netvsc.h"
#include "include/hyperv/vmbus_guids.h"
#include "kernel/log.h"
#include "kernel/platform.h"

int netvsc_subchannels_wanted;
#ifdef KEEL_TEST_HOOKS
bool netvsc_shared_queue;
uint32_t netvsc_ring_pages = NETVSC_RING_PAGES;
static struct wq *netvsc_shared_q;
static uint32_t netvsc_shared_gen;
#endif

/* Orders interface changes towards the stack (attach, detach, link). */
struct kmutex netvsc_cfg_lock;
static uint32_t netvsc_lock_gen;

void netvsc_knobs_reset(void)
{
	netvsc_subchannels_wanted = 0;
#ifdef KEEL_TEST_HOOKS
	netvsc_shared_queue = false;
	netvsc_shared_q = NULL;
	netvsc_ring_pages = NETVSC_RING_PAGES;
#endif
}

/* Guest switches (keelsim `guest-switch`): KEEL_TEST_HOOKS builds only;
 * keel.efi keeps the defaults. */
int netvsc_guest_switch(const char *name)
{
#ifdef KEEL_TEST_HOOKS
	if (!strncmp(name, "netvsc-subchannels=", 19)) {
		netvsc_subchannels_wanted = atoi(name + 19);
		return 0;
	}
	if (!strncmp(name, "netvsc-ring-pages=", 18)) {
		netvsc_ring_pages = (uint32_t)atoi(name + 18);
		return 0;
	}
	if (!strcmp(name, "netvsc-shared-queue")) {
		netvsc_shared_queue = true;
		return 0;
	}
#else
	(void)name;
#endif
	return -1;
}

const char *netvsc_name(const struct netvsc_dev *nd)
{
	return vmbus_device_name(nd->dev);
}

/* ---- the device state machine (drawn in netvsc.h) ---- */

enum netvsc_event { NEV_UP, NEV_FAIL };

static void netvsc_transition(struct netvsc_dev *nd, enum netvsc_event ev)
{
	switch (ev) {
	case NEV_UP:
		if (nd->state != NV_PROBING)
			break;
		nd->state = NV_RUNNING;
		return;
	case NEV_FAIL:
		nd->state = NV_DEAD;
		return;
	}
	pr_err("netvsc: bug: event %d in state %d\n", ev, nd->state);
}

void netvsc_fail(struct netvsc_dev *nd)
{
	bool was_running = nd->state == NV_RUNNING;

	netvsc_transition(nd, NEV_FAIL);
	if (was_running)
		netvsc_link_event(nd, false);
}

/* ---- link changes: recorded by the channel callback, applied here ---- */

void netvsc_link_event(struct netvsc_dev *nd, bool up)
{
	nd->n_link_events++;
	nd->link_up = up;
	if (nd->dying || !nd->q)
		return;
	nd->link_event = true;
	nd->link_event_up = up;
	nd->link_down_seen = nd->link_down_seen || !up;
	wq_queue(nd->q, &nd->w_link);     /* queueing twice is harmless: one pass sees the last state */
}

/* Interface queue: a link came up (learn its speed first, as Linux's
 * netvsc_link_change does) or went down; tell the stack under the lock. */
static void netvsc_link_work(struct work *w)
{
	struct netvsc_dev *nd = wq_container_of(w, struct netvsc_dev, w_link);
	uint32_t speed;
	bool up, bounce;

	if (nd->dying || !nd->link_event)
		return;
	nd->link_event = false;
	up = nd->link_event_up && nd->state == NV_RUNNING;
	bounce = nd->link_down_seen && up;  /* down and up again since the last pass */
	nd->link_down_seen = false;
	if (up && !netvsc_rndis_query(nd, RNDIS_OID_GEN_LINK_SPEED, &speed, sizeof(speed)))
		nd->speed_bps = (uint64_t)speed * 100;
	if (kmutex_lock(&netvsc_cfg_lock, NETVSC_CTL_TIMEOUT_NS))
		return;
	if (nd->nd_stack && !nd->dying) {
		if (bounce)
			netdev_link(nd->nd_stack, false);   /* the stack renews its address */
		netdev_link(nd->nd_stack, up);
	}
	kmutex_unlock(&netvsc_cfg_lock);
}

/* ---- probe and remove ---- */

static int netvsc_queue_create(struct netvsc_dev *nd)
{
#ifdef KEEL_TEST_HOOKS
	/* The pre-fix design: one queue for every interface. */
	if (netvsc_shared_queue) {
		if (!netvsc_shared_q || netvsc_shared_gen != vmbus_generation()) {
			netvsc_shared_q = wq_create("netvsc", 1);
			netvsc_shared_gen = vmbus_generation();
		}
		nd->q = netvsc_shared_q;
		return nd->q ? 0 : -ENOMEM;
	}
#endif
	nd->q = wq_create("netvsc_if", 1);   /* not the device queue's name */
	nd->own_q = true;
	return nd->q ? 0 : -ENOMEM;
}

static struct netvsc_dev *netvsc_alloc(struct vmbus_device *dev)
{
	struct netvsc_dev *nd = calloc(1, sizeof(*nd));

	if (!nd)
		return NULL;
	if (netvsc_lock_gen != vmbus_generation()) {
		kmutex_init(&netvsc_cfg_lock, "netvsc_cfg");
		netvsc_lock_gen = vmbus_generation();
	}
	nd->dev = dev;
	nd->state = NV_PROBING;
	/* keel.cfg mtu= (NDIS config); the host may grant less (netvsc_rndis_init) */
	nd->mtu = netdev_mtu_wanted() < NETVSC_MTU_MAX ? netdev_mtu_wanted() : NETVSC_MTU_MAX;
	nd->next_req_id = 1;
	completion_init(&nd->ctl.done, "netvsc reply");
	completion_init(&nd->rreq.done, "netvsc reply");
	work_init(&nd->w_link, netvsc_link_work, "netvsc link");
	return nd;
}

static const struct netdev_ops netvsc_netdev_ops = {
	.xmit = netvsc_xmit,
};

/* Hand the interface to the stack, under the configuration lock. */
static int netvsc_attach(struct netvsc_dev *nd)
{
	struct netdev_info info = {
		.mtu = (uint16_t)nd->mtu,
		.speed_bps = nd->speed_bps,
		.nchannels = (uint32_t)netvsc_open_channels(nd),
	};
	int err = kmutex_lock(&netvsc_cfg_lock, NETVSC_CTL_TIMEOUT_NS);

	if (err)
		return err;
	memcpy(info.mac, nd->mac, sizeof(info.mac));
	nd->nd_stack = netdev_attach(&info, &netvsc_netdev_ops, nd);
	if (nd->nd_stack)
		netdev_link(nd->nd_stack, nd->link_up);
	kmutex_unlock(&netvsc_cfg_lock);
	return 0;
}

/*
 * Undo everything, in reverse (Linux netvsc_remove, rndis_filter_device_remove,
 * netvsc_device_remove; docs/protocols/network.md §16): no more interface
 * work, detach from the stack and flush the interface queue under the lock,
 * packet filter 0 and RNDIS HALT while the primary is open, revoke the
 * buffers, close the channels (sub-channels first), and only then tear the
 * buffer GPADLs down and free the memory the host could write.
 */
static void netvsc_teardown(struct netvsc_dev *nd)
{
	int err;

	netvsc_fail(nd);
	nd->dying = true;
	netvsc_ctl_abort(nd, -ENODEV);
	netvsc_rndis_abort(nd, -ENODEV);
	if (nd->q)
		wq_cancel_sync(&nd->w_link, NETVSC_CTL_TIMEOUT_NS);
	err = kmutex_lock(&netvsc_cfg_lock, NETVSC_CTL_TIMEOUT_NS);
	if (nd->nd_stack) {
		netdev_link(nd->nd_stack, false);
		netdev_detach(nd->nd_stack);
		nd->nd_stack = NULL;
	}
	if (nd->q)
		wq_flush(nd->q, NETVSC_CTL_TIMEOUT_NS);
	if (!err)
		kmutex_unlock(&netvsc_cfg_lock);
	netvsc_rndis_halt(nd);
	netvsc_nvsp_revoke(nd);
	netvsc_tx_abort(nd);
	netvsc_chan_close_all(nd);
	netvsc_buffers_free(nd);
	if (nd->own_q) {
		wq_destroy(nd->q);
		nd->own_q = false;
	}
	nd->q = NULL;
}

static int netvsc_probe(struct vmbus_device *dev)
{
	struct netvsc_dev *nd = netvsc_alloc(dev);
	uint32_t filter = RNDIS_FILTER_DEFAULT;
	int err;

	if (!nd)
		return -ENOMEM;
	vmbus_device_set_priv(dev, nd);
	err = netvsc_queue_create(nd);
	if (err)
		goto fail;
	err = netvsc_chan_open(nd, &nd->ch[0], vmbus_device_channel(dev));
	if (err)
		goto fail;
	err = netvsc_nvsp_negotiate(nd);
	if (err)
		goto fail;
	err = netvsc_nvsp_buffers(nd);
	if (err)
		goto fail;
	err = netvsc_rndis_init(nd);
	if (err)
		goto fail;
	netvsc_request_subchannels(nd);
	err = netvsc_rndis_set(nd, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof(filter));
	if (err)
		goto fail;
	nd->filter_on = true;
	if (nd->state != NV_PROBING) {
		err = -ENODEV;                  /* rescinded or failed meanwhile */
		goto fail;
	}
	netvsc_transition(nd, NEV_UP);
	err = netvsc_attach(nd);
	if (err)
		goto fail;
	pr_info("netvsc: %s: MAC %02x:%02x:%02x:%02x:%02x:%02x, NVSP %x, MTU %u\n",
		netvsc_name(nd), nd->mac[0], nd->mac[1], nd->mac[2], nd->mac[3], nd->mac[4],
		nd->mac[5], nd->nvsp_ver, nd->mtu);
	vmbus_device_set_ready(dev);
	return 0;
fail:
	netvsc_teardown(nd);                    /* vmbus reports the failure */
	return err;
}

/* Device queue: the NIC goes away (rescind, unload). */
static void netvsc_remove(struct vmbus_device *dev)
{
	struct netvsc_dev *nd = vmbus_device_priv(dev);

	if (nd)
		netvsc_teardown(nd);
}

/* vmbus_chan, once: remove has run (or the probe failed) and every channel
 * is closed and released; the buffers' pages belong to their GPADLs
 * (freed by vmbus when the host let go) and the interface queue is gone.
 * What is left is the state itself. */
static void netvsc_release(struct vmbus_device *dev)
{
	struct netvsc_dev *nd = vmbus_device_priv(dev);

	vmbus_device_set_priv(dev, NULL);
	if (nd && nd->own_q)
		wq_destroy(nd->q);              /* a remove that never ran */
	free(nd);
}

const struct vmbus_driver netvsc_driver = {
	.class_id = VMBUS_CLASS_NETWORK,
	.name = "netvsc",
	.probe = netvsc_probe,
	.remove = netvsc_remove,
	.subchan_offer = netvsc_subchan_offer,
	.release = netvsc_release,
};
