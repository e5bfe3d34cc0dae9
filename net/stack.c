/*
 * net/stack.c: lwIP inside Keel: the `net` work queue, lwIP's clock and
 * timeouts, its random numbers and diagnostics, and the log lines for
 * address changes.
 *
 * Why NO_SYS=1 and a work queue (docs/architecture.md "Networking"): lwIP's
 * threaded mode wants a thread that owns the stack plus semaphores and
 * mailboxes; Keel has cooperative work queues instead, whose items are
 * never preempted. So lwIP runs without threads and every call into it is
 * made from an item of the ordered `net` queue: received frames
 * (net/netdev.c), interface changes, application requests (apps/conn.c)
 * and lwIP's own timeouts, which a delayed work item (built on Keel's
 * timers) runs at lwIP's next deadline. Nothing in lwIP waits, so the net
 * queue never blocks, and no interrupt handler ever touches lwIP.
 */
#include "net/net.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/wq.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "net/netdev_impl.h"

static struct wq *net_queue;          /* the stack's one queue (singleton) */
static struct delayed_work net_tick;  /* runs lwIP's due timeouts */
static bool net_tick_armed;
static uint64_t net_tick_due;         /* platform ns of the armed tick */
static uint64_t net_rand_state;
static netif_ext_callback_t net_ext_cb;

struct wq *net_wq(void)
{
	return net_queue;
}

/* lwIP's clock (NO_SYS): milliseconds of platform time, wrapping at 2^32
 * as lwIP expects. */
u32_t sys_now(void)
{
	return (u32_t)(plat_now_ns() / WQ_NS_PER_MS);
}

/*
 * xorshift64* for lwIP's DHCP transaction ids, DNS ids, TCP initial
 * sequence numbers and local ports. Seeded from the clock and mixed with
 * every interface's MAC (net/netdev.c); not a cryptographic generator.
 */
uint32_t net_rand(void)
{
	uint64_t x = net_rand_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	net_rand_state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

void net_rand_mix(const uint8_t *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		net_rand_state = (net_rand_state ^ bytes[i]) * 0x100000001b3ull;
	if (net_rand_state == 0)
		net_rand_state = 0x9e3779b97f4a7c15ull;
}

void net_lwip_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vklog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

static void net_tick_fn(struct work *w)
{
	(void)w;
	net_tick_armed = false;
	sys_check_timeouts();
	net_timers_rearm();
}

void net_timers_rearm(void)
{
	u32_t ms = sys_timeouts_sleeptime();
	uint64_t due;

	if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		return;
	due = plat_now_ns() + ms * WQ_NS_PER_MS;
	if (net_tick_armed && net_tick_due <= due)
		return;
	wq_cancel_delayed(&net_tick);
	net_tick_armed = wq_queue_delayed(net_queue, &net_tick, ms * WQ_NS_PER_MS);
	net_tick_due = due;
}

static const char *netif_label(struct netif *netif)
{
	return ((struct netdev *)netif->state)->nd_name;
}

/* One log line per address an interface gains, so the boot log and a later
 * DHCP renewal or router advertisement are visible. */
static void net_ext_status(struct netif *netif, netif_nsc_reason_t reason,
			   const netif_ext_callback_args_t *args)
{
	char a[IP6ADDR_STRLEN_MAX];

	if ((reason & LWIP_NSC_IPV4_ADDRESS_CHANGED) &&
	    !ip4_addr_isany_val(*netif_ip4_addr(netif))) {
		char m[IP4ADDR_STRLEN_MAX], g[IP4ADDR_STRLEN_MAX];

		ip4addr_ntoa_r(netif_ip4_addr(netif), a, sizeof(a));
		ip4addr_ntoa_r(netif_ip4_netmask(netif), m, sizeof(m));
		ip4addr_ntoa_r(netif_ip4_gw(netif), g, sizeof(g));
		pr_info("net: %s: inet %s netmask %s gateway %s", netif_label(netif), a, m, g);
	}
	if ((reason & LWIP_NSC_IPV6_ADDR_STATE_CHANGED) &&
	    ip6_addr_ispreferred(netif_ip6_addr_state(netif, args->ipv6_addr_state_changed.addr_index))) {
		net_ip6_str(netif_ip6_addr(netif, args->ipv6_addr_state_changed.addr_index),
			    a, sizeof(a));
		pr_info("net: %s: inet6 %s", netif_label(netif), a);
	}
}

bool net_configured(void)
{
	for (struct netdev *nd = net_ifaces; nd != NULL; nd = nd->nd_next)
		if (nd->nd_started && netif_is_link_up(&nd->nd_netif) &&
		    ip4_addr_isany_val(*netif_ip4_addr(&nd->nd_netif)))
			return false;
	return true;
}

int net_start(void)
{
	if (net_config.nc_off) {
		pr_info("net: off (net=off)");
		return 0;
	}
	net_queue = wq_create("net", 1);
	if (net_queue == NULL)
		return -ENOMEM;
	delayed_work_init(&net_tick, net_tick_fn, "net-tick");
	net_tick_armed = false;
	net_ifaces = NULL;
	net_rand_state = 0;
	net_rand_mix((const uint8_t *)&(uint64_t){ plat_now_ns() }, sizeof(uint64_t));
	lwip_init();
	netif_add_ext_callback(&net_ext_cb, net_ext_status);
	return 0;
}
