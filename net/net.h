/*
 * net/net.h: the network stack as the rest of Keel sees it (lwIP underneath;
 * the driver side is net/netdev.h, the application side apps/conn.h).
 *
 *   net_config_*   keel.cfg's `net=` and `ip=` (parsed by kernel/cmdline.c)
 *   net_start      create the `net` work queue and start lwIP (boot code)
 *   net_wq         that queue: every lwIP call runs in one of its items
 *   net_configured every interface with a link has an IPv4 address
 *   net_format_interfaces   the `ip addr`-like listing, for the boot log
 *                  and the httpd /stats page
 *   net_ip_addresses        the addresses as ';'-separated lists, for the
 *                  KVP items NetworkAddressIPv4/IPv6 (net/addrs.c)
 */
#ifndef KEEL_NET_NET_H
#define KEEL_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ip=dhcp (default) or ip=ADDR/PREFIX,GATEWAY (IPv4; applies to eth0, other
 * interfaces use DHCP). net=on (default) or net=off (no interfaces at all). */
struct net_config {
	bool nc_off;
	bool nc_static;
	uint32_t nc_addr;          /* network byte order, when nc_static */
	uint32_t nc_netmask;
	uint32_t nc_gateway;
	uint8_t nc_prefix;
	uint16_t nc_mtu;           /* mtu=: asked of every NIC at probe, 0: 1500 */
};

/* The one configuration, written by the command line before net_start. */
extern struct net_config net_config;

/* Parse a value of ip= / net= into net_config. 0, or -EINVAL (net_config
 * unchanged). */
int net_config_set_ip(const char *value);
int net_config_set_net(const char *value);
/* mtu=N: 576..NET_MTU_MAX, the IP MTU NICs ask their host for (the host may
 * grant less). */
#define NET_MTU_MAX 9000
int net_config_set_mtu(const char *value);

/* Boot code, after timer_init(): 0, -ENOMEM. With net=off it does nothing. */
int net_start(void);
struct wq *net_wq(void);
bool net_configured(void);

/* Write the listing of every interface into buf (always NUL-terminated);
 * returns the length it needed, as snprintf does. */
size_t net_format_interfaces(char *buf, size_t len);
/* Print that listing to the log, one line at a time. */
void net_log_interfaces(void);

/* Every interface's IPv4 addresses into v4 and its preferred or deprecated
 * IPv6 addresses into v6, each list ';'-separated and NUL-terminated (empty
 * when there is none; an address that does not fit is left out). Reads,
 * never waits: callable from any work item. The shape of kvp_set_ip_hook's
 * function (drivers/kvp.h), which the boot code gives it. */
void net_ip_addresses(char *v4, size_t v4cap, char *v6, size_t v6cap);

/* For lwIP's timeouts: queue the `net` tick for lwIP's next deadline. Net
 * queue items call it after every lwIP call. */
void net_timers_rearm(void);

#endif
