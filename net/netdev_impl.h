/*
 * net/netdev_impl.h: struct netdev, shared by the files of net/ only
 * (drivers see the opaque type of net/netdev.h).
 */
#ifndef KEEL_NET_NETDEV_IMPL_H
#define KEEL_NET_NETDEV_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/wq.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "net/netdev.h"

/* Receive frames waiting for the net queue, per interface; beyond this the
 * input is dropped and counted (the net queue is behind). */
#define NETDEV_RXQ_MAX 256
/* Transmit frames the driver had no room for (its -EAGAIN), per interface;
 * a frame beyond this is dropped and counted. */
#define NETDEV_TXQ_MAX 64

struct netdev_counters {
	uint64_t rx_packets, rx_bytes, rx_drops;
	uint64_t tx_packets, tx_bytes, tx_drops, tx_errors;
};

/*
 * One interface. Contexts: nd_info..nd_index are set at attach and read
 * anywhere; nd_netif is lwIP's (net queue items); the receive queue and the
 * *_want fields are written by the driver's items and read by the net
 * queue; counters are bumped by either (one CPU, no preemption).
 */
struct netdev {
	struct netdev_info nd_info;
	const struct netdev_ops *nd_ops;
	void *nd_drv;
	char nd_name[8];
	int nd_index;                 /* N of ethN */
	bool nd_gone;                 /* detach began: xmit is never called again */
	bool nd_started;              /* net queue brought the netif up */
	bool nd_link_want;
	uint16_t nd_mtu_want;
	struct netif nd_netif;
	struct work nd_rx_work;       /* drains nd_rxq into lwIP (net queue) */
	struct work nd_cfg_work;      /* start, link and MTU changes (net queue) */
	struct pbuf *nd_rxq_head, *nd_rxq_tail;
	unsigned nd_rxq_len;
	/* Transmit queue (net queue only): while it holds frames the driver
	 * is stopped and new frames join its tail; nd_tx_work resends from
	 * its head when the driver calls netdev_tx_wake. Each entry holds a
	 * pbuf_ref. */
	struct work nd_tx_work;
	struct pbuf *nd_txq[NETDEV_TXQ_MAX];
	unsigned nd_txq_head, nd_txq_len;
	uint8_t *nd_txbuf;            /* a chained frame is copied here for xmit */
	size_t nd_txbuf_len;
	struct netdev_counters nd_stats;
	struct netdev *nd_next;       /* net_ifaces list */
};

/* Every attached interface, in attach order (the one list of the stack). */
extern struct netdev *net_ifaces;

/* An IPv6 address as text, hex digits in lower case (net/iflist.c). */
void net_ip6_str(const ip6_addr_t *a, char *buf, size_t len);

/* Stir bytes (a MAC) into lwIP's random numbers (net/stack.c). */
void net_rand_mix(const uint8_t *bytes, size_t n);

#endif
