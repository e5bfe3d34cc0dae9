/*
 * net/iflist.c: the interface listing, in the spirit of `ip addr`: per
 * interface its name, state, MTU, link speed and channels, MAC, IPv4 and
 * IPv6 addresses, and counters. The boot log prints it; httpd's /stats
 * serves the same text.
 */
#include "net/net.h"

#include <stdarg.h>
#include <stdio.h>

#include "kernel/log.h"
#include "lwip/dhcp.h"
#include "lwip/netif.h"
#include "net/netdev_impl.h"

struct out {
	char *buf;
	size_t len, used;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->used < o->len ? o->buf + o->used : NULL,
		      o->used < o->len ? o->len - o->used : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n;
}

/* lwIP writes hex digits in upper case; RFC 5952 section 4.3 asks for lower. */
void net_ip6_str(const ip6_addr_t *a, char *buf, size_t len)
{
	ip6addr_ntoa_r(a, buf, (int)len);
	for (char *p = buf; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
}

static void put_addrs(struct out *o, struct netif *netif)
{
	char a[IP6ADDR_STRLEN_MAX];

	if (!ip4_addr_isany_val(*netif_ip4_addr(netif))) {
		char g[IP4ADDR_STRLEN_MAX];
		int prefix = 0;

		for (uint32_t m = lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(netif)));
		     m & 0x80000000u; m <<= 1)
			prefix++;
		ip4addr_ntoa_r(netif_ip4_addr(netif), a, sizeof(a));
		ip4addr_ntoa_r(netif_ip4_gw(netif), g, sizeof(g));
		put(o, "    inet %s/%d gateway %s (%s)\n", a, prefix, g,
		    dhcp_supplied_address(netif) ? "dhcp" : "static");
	}
	for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++) {
		u8_t st = netif_ip6_addr_state(netif, i);

		if (ip6_addr_isinvalid(st))
			continue;
		net_ip6_str(netif_ip6_addr(netif, i), a, sizeof(a));
		put(o, "    inet6 %s/64 %s\n", a,
		    ip6_addr_istentative(st) ? "tentative" :
		    ip6_addr_ispreferred(st) ? "preferred" : "deprecated");
	}
}

static void put_iface(struct out *o, struct netdev *nd)
{
	struct netif *netif = &nd->nd_netif;
	const struct netdev_counters *c = &nd->nd_stats;
	const uint8_t *m = nd->nd_info.mac;

	put(o, "%s: <%s%s> mtu %u link %s", nd->nd_name,
	    netif_is_up(netif) ? "UP" : "DOWN",
	    netif_is_link_up(netif) ? ",LOWER_UP" : "", netif->mtu,
	    netif_is_link_up(netif) ? "up" : "down");
	if (nd->nd_info.speed_bps != 0)
		put(o, " %llu Mb/s", (unsigned long long)(nd->nd_info.speed_bps / 1000000));
	put(o, " channels %u\n", nd->nd_info.nchannels);
	put(o, "    link/ether %02x:%02x:%02x:%02x:%02x:%02x\n",
	    m[0], m[1], m[2], m[3], m[4], m[5]);
	put_addrs(o, netif);
	put(o, "    RX: packets %llu bytes %llu dropped %llu\n",
	    (unsigned long long)c->rx_packets, (unsigned long long)c->rx_bytes,
	    (unsigned long long)c->rx_drops);
	put(o, "    TX: packets %llu bytes %llu dropped %llu errors %llu\n",
	    (unsigned long long)c->tx_packets, (unsigned long long)c->tx_bytes,
	    (unsigned long long)c->tx_drops, (unsigned long long)c->tx_errors);
}

size_t net_format_interfaces(char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	if (len > 0)
		buf[0] = '\0';
	if (net_wq() == NULL)
		put(&o, "networking off\n");
	else if (net_ifaces == NULL)
		put(&o, "no network interfaces\n");
	for (struct netdev *nd = net_ifaces; nd != NULL; nd = nd->nd_next)
		put_iface(&o, nd);
	return o.used;
}

void net_log_interfaces(void)
{
	static char text[4096];
	char *line = text;

	net_format_interfaces(text, sizeof(text));
	while (*line != '\0') {
		char *nl = line;

		while (*nl != '\0' && *nl != '\n')
			nl++;
		pr_info("net: %.*s", (int)(nl - line), line);
		line = *nl ? nl + 1 : nl;
	}
}
