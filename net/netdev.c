/*
 * net/netdev.c: net/netdev.h, the seam between NIC drivers and lwIP. One
 * lwIP netif per netdev. The driver's calls copy what they need and queue
 * work on the `net` queue; lwIP runs only there (net/stack.c says why).
 *
 *   netdev_attach   allocate, name ethN, netif_add; the net queue then
 *                   brings it up (DHCP, or ip= on eth0) and starts SLAAC
 *   netdev_input    copy into a pbuf, queue for the net queue
 *   netdev_linkoutput  a frame to the driver; kept in the transmit queue
 *                   while the driver has no room, resent on netdev_tx_wake
 *   netdev_link / netdev_set_mtu   recorded, applied by the net queue
 *   netdev_detach   no xmit from here on; netif_remove; free
 */
#include "net/netdev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/wq.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/netif.h"
#include "lwip/prot/ethernet.h"
#include "net/net.h"
#include "net/netdev_impl.h"
#include "netif/ethernet.h"

/* Ethernet header, plus room for one VLAN tag a host may leave on. */
#define NETDEV_HDR_MAX (SIZEOF_ETH_HDR + 4)
/* The shortest Ethernet frame without FCS (IEEE 802.3 minimum, 64 bytes
 * with FCS). Shorter frames are zero-padded to it, as the wire would: lwIP
 * 2.1's etharp_input reads a whole ARP header without checking the length
 * (net_fuzz_frames found it), and IPv4/IPv6 trim padding by their own
 * length fields. */
#define NETDEV_FRAME_MIN 60
#define NETDEV_DETACH_TIMEOUT_NS (5 * WQ_NS_PER_S)

struct netdev *net_ifaces;

/* ethN: the lowest N no attached interface uses. */
static int netdev_free_index(void)
{
	for (int n = 0;; n++) {
		struct netdev *nd = net_ifaces;

		while (nd != NULL && nd->nd_index != n)
			nd = nd->nd_next;
		if (nd == NULL)
			return n;
	}
}

/* One frame to the driver (net queue): 0, -EAGAIN (no room now, the frame
 * stays with the caller) or another -errno (counted as an error). */
static int netdev_xmit(struct netdev *nd, struct pbuf *p)
{
	const void *frame = p->payload;
	int rc;

	if (nd->nd_gone)
		return -ENODEV;
	if (p->next != NULL) {
		if (p->tot_len > nd->nd_txbuf_len) {
			nd->nd_stats.tx_errors++;
			return -EMSGSIZE;
		}
		pbuf_copy_partial(p, nd->nd_txbuf, p->tot_len, 0);
		frame = nd->nd_txbuf;
	}
	rc = nd->nd_ops->xmit(nd->nd_drv, frame, p->tot_len);
	if (rc == -EAGAIN)
		return rc;
	if (rc < 0) {
		nd->nd_stats.tx_errors++;
		return rc;
	}
	nd->nd_stats.tx_packets++;
	nd->nd_stats.tx_bytes += p->tot_len;
	return 0;
}

/* lwIP's linkoutput (net queue). A frame the driver has no room for waits
 * in the transmit queue, and so does every frame after it (order kept),
 * like Linux's netif_stop_queue and its qdisc. The queue holds a reference:
 * lwIP's tcp_output_segment_busy skips a segment a driver still holds. */
static err_t netdev_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct netdev *nd = netif->state;
	int rc = -EAGAIN;

	if (nd->nd_txq_len == 0)
		rc = netdev_xmit(nd, p);
	if (rc == -EAGAIN) {
		if (nd->nd_txq_len >= NETDEV_TXQ_MAX) {
			nd->nd_stats.tx_drops++;
			return ERR_MEM;
		}
		pbuf_ref(p);
		nd->nd_txq[(nd->nd_txq_head + nd->nd_txq_len++) % NETDEV_TXQ_MAX] = p;
		return ERR_OK;
	}
	return rc < 0 ? ERR_IF : ERR_OK;
}

/* The driver has room again: resend from the head of the transmit queue
 * until it refuses again (it then calls netdev_tx_wake once more). */
static void netdev_tx_work(struct work *w)
{
	struct netdev *nd = wq_container_of(w, struct netdev, nd_tx_work);

	while (nd->nd_txq_len != 0) {
		struct pbuf *p = nd->nd_txq[nd->nd_txq_head];

		if (netdev_xmit(nd, p) == -EAGAIN)
			break;
		nd->nd_txq_head = (nd->nd_txq_head + 1) % NETDEV_TXQ_MAX;
		nd->nd_txq_len--;
		pbuf_free(p);
	}
}

static err_t netdev_netif_init(struct netif *netif)
{
	struct netdev *nd = netif->state;

	netif->name[0] = 'e';
	netif->name[1] = 't';
	netif->hwaddr_len = NETDEV_MAC_LEN;
	memcpy(netif->hwaddr, nd->nd_info.mac, NETDEV_MAC_LEN);
	netif->mtu = nd->nd_info.mtu;
	netif->mtu6 = nd->nd_info.mtu;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
		       NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
	netif->output = etharp_output;
	netif->output_ip6 = ethip6_output;
	netif->linkoutput = netdev_linkoutput;
	netif_set_hostname(netif, "keel");
	return ERR_OK;
}

/* First run: up, addresses (ip= on eth0, otherwise DHCP), IPv6 link-local
 * and SLAAC. Every run: the link state and MTU the driver last reported. */
static void netdev_cfg_work(struct work *w)
{
	struct netdev *nd = wq_container_of(w, struct netdev, nd_cfg_work);
	struct netif *netif = &nd->nd_netif;

	if (!nd->nd_started) {
		nd->nd_started = true;
		netif_set_up(netif);
		netif_create_ip6_linklocal_address(netif, 1);
		netif_set_ip6_autoconfig_enabled(netif, 1);
		if (nd->nd_index == 0 && net_config.nc_static) {
			ip4_addr_t a, m, g;

			ip4_addr_set_u32(&a, net_config.nc_addr);
			ip4_addr_set_u32(&m, net_config.nc_netmask);
			ip4_addr_set_u32(&g, net_config.nc_gateway);
			netif_set_addr(netif, &a, &m, &g);
		} else if (dhcp_start(netif) != ERR_OK) {
			pr_warn("net: %s: DHCP did not start", nd->nd_name);
		}
	}
	if (nd->nd_mtu_want != netif->mtu) {
		netif->mtu = nd->nd_mtu_want;
		netif->mtu6 = nd->nd_mtu_want;
	}
	if (nd->nd_link_want && !netif_is_link_up(netif))
		netif_set_link_up(netif);
	else if (!nd->nd_link_want && netif_is_link_up(netif))
		netif_set_link_down(netif);
	net_timers_rearm();
}

/* Received frames into lwIP, in arrival order. */
static void netdev_rx_work(struct work *w)
{
	struct netdev *nd = wq_container_of(w, struct netdev, nd_rx_work);

	while (nd->nd_rxq_head != NULL) {
		struct pbuf *p = nd->nd_rxq_head;

		nd->nd_rxq_head = p->next;
		if (nd->nd_rxq_head == NULL)
			nd->nd_rxq_tail = NULL;
		nd->nd_rxq_len--;
		p->next = NULL;
		if (nd->nd_netif.input(p, &nd->nd_netif) != ERR_OK)
			pbuf_free(p);
	}
	net_timers_rearm();
}

static void netdev_free(struct netdev *nd)
{
	while (nd->nd_rxq_head != NULL) {
		struct pbuf *p = nd->nd_rxq_head;

		nd->nd_rxq_head = p->next;
		p->next = NULL;
		pbuf_free(p);
	}
	for (; nd->nd_txq_len != 0; nd->nd_txq_len--) {
		pbuf_free(nd->nd_txq[nd->nd_txq_head]);
		nd->nd_txq_head = (nd->nd_txq_head + 1) % NETDEV_TXQ_MAX;
	}
	free(nd->nd_txbuf);
	free(nd);
}

struct netdev *netdev_attach(const struct netdev_info *info,
			     const struct netdev_ops *ops, void *drv)
{
	struct netdev *nd = NULL;
	struct netdev **tail;

	if (net_wq() == NULL || info->mtu < 576)
		goto fail;
	nd = calloc(1, sizeof(*nd));
	if (nd == NULL)
		goto fail;
	nd->nd_info = *info;
	nd->nd_ops = ops;
	nd->nd_drv = drv;
	nd->nd_index = netdev_free_index();
	snprintf(nd->nd_name, sizeof(nd->nd_name), "eth%d", nd->nd_index);
	nd->nd_mtu_want = info->mtu;
	/* A virtual NIC has its link until the driver says otherwise. */
	nd->nd_link_want = true;
	nd->nd_txbuf_len = (size_t)info->mtu + NETDEV_HDR_MAX;
	nd->nd_txbuf = malloc(nd->nd_txbuf_len);
	if (nd->nd_txbuf == NULL)
		goto fail;
	work_init(&nd->nd_rx_work, netdev_rx_work, "net-rx");
	work_init(&nd->nd_cfg_work, netdev_cfg_work, "net-cfg");
	work_init(&nd->nd_tx_work, netdev_tx_work, "net-tx");
	net_rand_mix(info->mac, NETDEV_MAC_LEN);
	/* netif_add sends nothing; the first frame leaves from nd_cfg_work */
	if (netif_add(&nd->nd_netif, NULL, NULL, NULL, nd, netdev_netif_init,
		      ethernet_input) == NULL)
		goto fail;
	for (tail = &net_ifaces; *tail != NULL; tail = &(*tail)->nd_next)
		;
	*tail = nd;
	wq_queue(net_wq(), &nd->nd_cfg_work);
	return nd;
fail:
	if (nd != NULL)
		netdev_free(nd);
	return NULL;
}

void netdev_detach(struct netdev *nd)
{
	struct netdev **pp;

	nd->nd_gone = true;     /* lwIP's RSTs and releases below are dropped */
	if (wq_cancel_sync(&nd->nd_rx_work, NETDEV_DETACH_TIMEOUT_NS) < 0 ||
	    wq_cancel_sync(&nd->nd_cfg_work, NETDEV_DETACH_TIMEOUT_NS) < 0 ||
	    wq_cancel_sync(&nd->nd_tx_work, NETDEV_DETACH_TIMEOUT_NS) < 0)
		pr_err("net: %s: its work did not finish", nd->nd_name);
	dhcp_release_and_stop(&nd->nd_netif);
	netif_set_down(&nd->nd_netif);
	netif_remove(&nd->nd_netif);
	dhcp_cleanup(&nd->nd_netif);
	for (pp = &net_ifaces; *pp != NULL; pp = &(*pp)->nd_next) {
		if (*pp == nd) {
			*pp = nd->nd_next;
			break;
		}
	}
	pr_info("net: %s: detached", nd->nd_name);
	netdev_free(nd);
}

void netdev_input(struct netdev *nd, const void *frame, size_t len)
{
	struct pbuf *p;

	if (len < SIZEOF_ETH_HDR || len > (size_t)nd->nd_netif.mtu + NETDEV_HDR_MAX ||
	    nd->nd_rxq_len >= NETDEV_RXQ_MAX || nd->nd_gone) {
		nd->nd_stats.rx_drops++;
		return;
	}
	p = pbuf_alloc(PBUF_RAW, (u16_t)(len < NETDEV_FRAME_MIN ? NETDEV_FRAME_MIN : len),
		       PBUF_RAM);
	if (p == NULL) {
		nd->nd_stats.rx_drops++;
		return;
	}
	memcpy(p->payload, frame, len);
	if (len < NETDEV_FRAME_MIN)
		memset((uint8_t *)p->payload + len, 0, NETDEV_FRAME_MIN - len);
	if (nd->nd_rxq_tail != NULL)
		nd->nd_rxq_tail->next = p;
	else
		nd->nd_rxq_head = p;
	nd->nd_rxq_tail = p;
	nd->nd_rxq_len++;
	nd->nd_stats.rx_packets++;
	nd->nd_stats.rx_bytes += len;
	wq_queue(net_wq(), &nd->nd_rx_work);
}

/* Queueing twice is harmless: the work drains whatever is queued. */
void netdev_tx_wake(struct netdev *nd)
{
	wq_queue(net_wq(), &nd->nd_tx_work);
}

void netdev_link(struct netdev *nd, bool up)
{
	nd->nd_link_want = up;
	wq_queue(net_wq(), &nd->nd_cfg_work);
}

uint16_t netdev_mtu_wanted(void)
{
	return net_config.nc_mtu ? net_config.nc_mtu : 1500;
}

void netdev_set_mtu(struct netdev *nd, uint16_t mtu)
{
	if (mtu < 576 || (size_t)mtu + NETDEV_HDR_MAX > nd->nd_txbuf_len)
		return;     /* the bounce buffer was sized for the attach MTU */
	nd->nd_mtu_want = mtu;
	wq_queue(net_wq(), &nd->nd_cfg_work);
}

/* Only listings read it: a plain store, any context. */
void netdev_set_channels(struct netdev *nd, uint32_t n)
{
	nd->nd_info.nchannels = n;
}

void netdev_count_rx_drop(struct netdev *nd)
{
	nd->nd_stats.rx_drops++;
}

void netdev_count_tx_drop(struct netdev *nd)
{
	nd->nd_stats.tx_drops++;
}

const char *netdev_name(const struct netdev *nd)
{
	return nd->nd_name;
}
