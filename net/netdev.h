/*
 * net/netdev.h: the seam between a NIC driver (drivers/netvsc*.c) and the
 * network stack (net/, lwIP). A driver knows nothing of lwIP; the stack
 * knows nothing of VMBus.
 *
 * Contexts (one CPU, cooperative work queues, see kernel/wq.h):
 *  - netdev_attach / netdev_detach run in the driver's probe / remove work
 *    item (they may wait). netdev_detach returns only after the stack has
 *    stopped calling ops->xmit for this device and dropped every reference
 *    to it; after it the driver may free its state.
 *  - netdev_input, netdev_link and netdev_tx_wake may be called from any work item,
 *    including a channel's event callback (vmbus_event: must not wait).
 *    They copy what they need and never call back into the driver inline.
 *  - ops->xmit is called from the stack's own work queue. It copies the
 *    frame (or has sent it) before returning; it never waits on the host.
 */
#ifndef KEEL_NET_NETDEV_H
#define KEEL_NET_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETDEV_MAC_LEN 6

struct netdev;

struct netdev_ops {
	/* Send one Ethernet frame (no FCS). 0: taken (sent or queued);
	 * -EAGAIN: no room now; the stack keeps this frame and the ones
	 * after it, and sends none until the driver calls netdev_tx_wake;
	 * other -errno: the device cannot send (gone, down). */
	int (*xmit)(void *drv, const void *frame, size_t len);
};

struct netdev_info {
	uint8_t mac[NETDEV_MAC_LEN];
	uint16_t mtu;              /* payload bytes, 1500 for a standard frame */
	uint64_t speed_bps;        /* link speed as reported, 0 when unknown */
	uint32_t nchannels;        /* channels carrying traffic (for listings) */
};

/* Create an interface ("eth0", "eth1", ... in attach order; a name is
 * reused only after its interface was detached). NULL when out of memory
 * or when networking is off (net=off). */
struct netdev *netdev_attach(const struct netdev_info *info,
			     const struct netdev_ops *ops, void *drv);
void netdev_detach(struct netdev *nd);

/* One received Ethernet frame; the caller keeps its buffer. */
void netdev_input(struct netdev *nd, const void *frame, size_t len);
void netdev_link(struct netdev *nd, bool up);
/* The driver has room again after an xmit answered -EAGAIN (Linux
 * netif_wake_queue). Any context; it only queues work on the net queue. */
void netdev_tx_wake(struct netdev *nd);
void netdev_set_mtu(struct netdev *nd, uint16_t mtu);
/* The MTU a driver asks its host for at probe (keel.cfg mtu=, else 1500). */
uint16_t netdev_mtu_wanted(void);
/* Channels carrying traffic now (vRSS sub-channels open after attach). */
void netdev_set_channels(struct netdev *nd, uint32_t n);

/* Counters a driver bumps for what the stack never sees (counted drops). */
void netdev_count_rx_drop(struct netdev *nd);
void netdev_count_tx_drop(struct netdev *nd);

const char *netdev_name(const struct netdev *nd);

#endif
