/*
 * net/addrs.c: the interfaces' current addresses as two text lists, for
 * the KVP intrinsic items NetworkAddressIPv4 and NetworkAddressIPv6
 * (docs/protocols/ic.md "KVP": addresses separated by ';', as the Linux
 * KVP daemon publishes them and Hyper-V's management reads them).
 *
 * The boot code hands net_ip_addresses to kvp_set_ip_hook (drivers/kvp.h),
 * so the KVP service never sees lwIP and net/ never sees the KVP service.
 * It runs on the KVP device's queue, not on the net queue: it only reads
 * the netifs' address fields and formats them, calls nothing that changes
 * lwIP's state, and never waits, so no net item can run in the middle of
 * it (one CPU, items never preempted; net/iflist.c's listing for httpd's
 * /stats reads the same fields the same way). The lists are computed at
 * every read, so the host sees an address as soon as DHCP binds it,
 * SLAAC makes it preferred, or it goes away.
 */
#include "net/net.h"

#include <string.h>

#include "lwip/netif.h"
#include "net/netdev_impl.h"

/* Append addr to list[0..cap) with a ';' before it unless it is the first;
 * an address that does not fit whole is left out (never cut). */
static void addrs_append(char *list, size_t cap, const char *addr)
{
	size_t used = strlen(list), n = strlen(addr), sep = used ? 1 : 0;

	if (used + sep + n + 1 > cap)
		return;
	if (sep)
		list[used++] = ';';
	memcpy(list + used, addr, n + 1);
}

static void addrs_of(struct netif *netif, char *v4, size_t v4cap, char *v6, size_t v6cap)
{
	char a[IP6ADDR_STRLEN_MAX];

	if (!ip4_addr_isany_val(*netif_ip4_addr(netif))) {
		ip4addr_ntoa_r(netif_ip4_addr(netif), a, sizeof(a));
		addrs_append(v4, v4cap, a);
	}
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
		u8_t st = netif_ip6_addr_state(netif, i);

		/* a tentative address is not yet the interface's (RFC 4862 5.4) */
		if (!ip6_addr_ispreferred(st) && !ip6_addr_isdeprecated(st))
			continue;
		net_ip6_str(netif_ip6_addr(netif, i), a, sizeof(a));
		addrs_append(v6, v6cap, a);
	}
}

void net_ip_addresses(char *v4, size_t v4cap, char *v6, size_t v6cap)
{
	if (v4cap == 0 || v6cap == 0)
		return;
	v4[0] = '\0';
	v6[0] = '\0';
	for (struct netdev *nd = net_ifaces; nd != NULL; nd = nd->nd_next)
		if (nd->nd_started && !nd->nd_gone && netif_is_up(&nd->nd_netif))
			addrs_of(&nd->nd_netif, v4, v4cap, v6, v6cap);
}
