/*
 * The net/netdev.h seam when the kernel is linked without a network stack:
 * every interface attach answers NULL, which the seam defines as
 * "networking is off", so NIC drivers come up and carry no traffic. The
 * definitions are weak: the stack's own (net/netdev.c) take their place
 * when it is linked in.
 */
#include <stddef.h>

#include "net/netdev.h"

#define NETDEV_NONE __attribute__((weak))

NETDEV_NONE struct netdev *netdev_attach(const struct netdev_info *info,
					 const struct netdev_ops *ops, void *drv)
{
	(void)info;
	(void)ops;
	(void)drv;
	return NULL;
}

NETDEV_NONE void netdev_detach(struct netdev *nd) { (void)nd; }
NETDEV_NONE void netdev_input(struct netdev *nd, const void *frame, size_t len)
{
	(void)nd;
	(void)frame;
	(void)len;
}
NETDEV_NONE void netdev_tx_wake(struct netdev *nd) { (void)nd; }
NETDEV_NONE void netdev_link(struct netdev *nd, bool up) { (void)nd; (void)up; }
NETDEV_NONE void netdev_set_mtu(struct netdev *nd, uint16_t mtu) { (void)nd; (void)mtu; }
NETDEV_NONE uint16_t netdev_mtu_wanted(void) { return 1500; }
NETDEV_NONE void netdev_set_channels(struct netdev *nd, uint32_t n) { (void)nd; (void)n; }
NETDEV_NONE void netdev_count_rx_drop(struct netdev *nd) { (void)nd; }
NETDEV_NONE void netdev_count_tx_drop(struct netdev *nd) { (void)nd; }
NETDEV_NONE const char *netdev_name(const struct netdev *nd) { (void)nd; return "none"; }
