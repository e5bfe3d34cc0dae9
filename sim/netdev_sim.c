/*
 * A stand-in for the network stack behind net/netdev.h in keelsim, which
 * does not link the stack itself: it keeps the interfaces NIC drivers
 * attach, counts what they deliver, and with the guest switch "net-ping"
 * pings the simulated L2 peer (host/netpeer.c) from each interface that
 * comes up: ARP for 10.0.0.1, then three ICMP echo requests, each sent when
 * the previous reply arrived; after the link went down and up again, once
 * more (as a stack renews its address after a link bounce). Frames go out through ops->xmit from this
 * stand-in's own work queue, as the seam requires.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "kernel/log.h"
#include "kernel/wq.h"
#include "net/netdev.h"
#include "sim/netdev_sim.h"
#include "vmbus/vmbus.h"

#define SIM_NETDEVS  8
#define PING_COUNT   3
#define GUEST_IP     0x0A000002u
#define PEER_IP      0x0A000001u

enum ping_step { PS_IDLE, PS_ARP, PS_ECHO, PS_DONE };

struct netdev {
	bool in_use;
	char name[8];
	const struct netdev_ops *ops;
	void *drv;
	struct netdev_info info;
	bool up;
	enum ping_step step;
	uint16_t seq;                  /* echo requests sent */
	bool burst_done;
	uint32_t burst_next, burst_stops;   /* frame to send next; -EAGAIN answers */
	uint32_t burst_refused;             /* other refusals */
	uint8_t peer_mac[6];
	struct work w_tx;
	uint64_t rx, rx_drops, tx_drops;
};

static struct netdev sim_nd[SIM_NETDEVS];
static struct wq *sim_net_q;
static uint32_t sim_gen;
static bool sim_ping;
static uint16_t sim_mtu;          /* net-mtu=N: the keel.cfg mtu= of the run */
static uint32_t sim_burst;        /* net-burst=N: frames sent at once when a link comes up */
static uint32_t sim_burst_size = 60;  /* net-burst-size=B: their length */

int netdev_sim_switch(const char *name)
{
	if (!strncmp(name, "net-burst-size=", 15)) {
		sim_burst_size = (uint32_t)atoi(name + 15);
		return sim_burst_size >= 60 && sim_burst_size <= 1514 ? 0 : -1;
	}
	if (!strncmp(name, "net-burst=", 10)) {
		sim_burst = (uint32_t)atoi(name + 10);
		return 0;
	}
	if (!strncmp(name, "net-mtu=", 8)) {
		sim_mtu = (uint16_t)atoi(name + 8);
		return 0;
	}
	if (strcmp(name, "net-ping"))
		return -1;
	sim_ping = true;
	return 0;
}

uint16_t netdev_mtu_wanted(void)
{
	return sim_mtu ? sim_mtu : 1500;
}

void netdev_sim_reset(void)
{
	memset(sim_nd, 0, sizeof(sim_nd));
	sim_net_q = NULL;
	sim_ping = false;
	sim_mtu = 0;
	sim_burst = 0;
	sim_burst_size = 60;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }

static uint16_t inet_sum(const uint8_t *p, uint32_t len)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i + 1 < len; i += 2)
		s += be16(p + i);
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t build_arp(struct netdev *nd, uint8_t *f)
{
	memset(f, 0xFF, 6);
	memcpy(f + 6, nd->info.mac, 6);
	put16(f + 12, 0x0806);
	put16(f + 14, 1);
	put16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	put16(f + 20, 1);
	memcpy(f + 22, nd->info.mac, 6);
	put32(f + 28, GUEST_IP);
	memset(f + 32, 0, 6);
	put32(f + 38, PEER_IP);
	return 42;
}

static uint32_t build_echo(struct netdev *nd, uint8_t *f)
{
	uint8_t *ip = f + 14, *icmp = ip + 20;

	memcpy(f, nd->peer_mac, 6);
	memcpy(f + 6, nd->info.mac, 6);
	put16(f + 12, 0x0800);
	memset(ip, 0, 20 + 16);
	ip[0] = 0x45;
	put16(ip + 2, 20 + 16);
	ip[8] = 64;
	ip[9] = 1;
	put32(ip + 12, GUEST_IP);
	put32(ip + 16, PEER_IP);
	put16(ip + 10, inet_sum(ip, 20));
	icmp[0] = 8;
	put16(icmp + 4, 0x4b45);               /* identifier */
	put16(icmp + 6, ++nd->seq);
	memcpy(icmp + 8, "keelping", 8);
	put16(icmp + 2, inet_sum(icmp, 16));
	return 14 + 20 + 16;
}

/* net-burst: N broadcast frames in one go, without yielding (a ring that
 * small fills). Like net/netdev.c, a frame the driver answers -EAGAIN is
 * kept and sent again, in order, once the driver calls netdev_tx_wake;
 * other refusals are counted. The log line comes when the burst is done. */
static void sim_burst_send(struct netdev *nd)
{
	uint8_t f[1514];

	memset(f, 0xFF, 6);
	memcpy(f + 6, nd->info.mac, 6);
	put16(f + 12, 0x88B5);                  /* local experimental ethertype */
	memset(f + 14, 0, sim_burst_size - 14);
	for (; nd->burst_next < sim_burst; nd->burst_next++) {
		int rc;

		put32(f + 14, nd->burst_next);
		rc = nd->ops->xmit(nd->drv, f, sim_burst_size);
		if (rc == -EAGAIN) {
			nd->burst_stops++;
			return;                 /* netdev_tx_wake queues w_tx again */
		}
		if (rc) {
			nd->burst_refused++;
			nd->tx_drops++;
		}
	}
	nd->burst_done = true;
	pr_info("net: %s: burst of %u frames, %u refused, %u stops\n", nd->name, sim_burst,
		nd->burst_refused, nd->burst_stops);
}

/* The stand-in's queue: send the next frame of the ping exchange. */
static void sim_tx_work(struct work *w)
{
	struct netdev *nd = wq_container_of(w, struct netdev, w_tx);
	uint8_t f[64];
	uint32_t len;

	if (!nd->in_use || !nd->up)
		return;
	if (sim_burst && !nd->burst_done)
		sim_burst_send(nd);
	if (sim_burst && !nd->burst_done)
		return;                         /* the rest of the burst goes first */
	if (nd->step == PS_ARP)
		len = build_arp(nd, f);
	else if (nd->step == PS_ECHO)
		len = build_echo(nd, f);
	else
		return;
	if (nd->ops->xmit(nd->drv, f, len))
		nd->tx_drops++;
}

struct netdev *netdev_attach(const struct netdev_info *info, const struct netdev_ops *ops,
			     void *drv)
{
	/* A new run has a new work-queue core: make the queue again. */
	if (!sim_net_q || sim_gen != vmbus_generation()) {
		sim_net_q = wq_create("net", 1);
		sim_gen = vmbus_generation();
	}
	if (!sim_net_q)
		return NULL;
	for (int i = 0; i < SIM_NETDEVS; i++) {
		struct netdev *nd = &sim_nd[i];

		if (nd->in_use)
			continue;
		memset(nd, 0, sizeof(*nd));
		nd->in_use = true;
		snprintf(nd->name, sizeof(nd->name), "eth%d", i);
		nd->ops = ops;
		nd->drv = drv;
		nd->info = *info;
		work_init(&nd->w_tx, sim_tx_work, "net ping");
		return nd;
	}
	return NULL;
}

void netdev_detach(struct netdev *nd)
{
	/* After this no xmit runs for nd: a running send finishes first. */
	wq_cancel_sync(&nd->w_tx, 5 * WQ_NS_PER_S);
	nd->in_use = false;
}

void netdev_tx_wake(struct netdev *nd)
{
	if (nd->in_use && sim_net_q)
		wq_queue(sim_net_q, &nd->w_tx);
}

void netdev_link(struct netdev *nd, bool up)
{
	nd->up = up;
	pr_info("net: %s: link %s\n", nd->name, up ? "up" : "down");
	if (!up && nd->step == PS_DONE) {
		nd->step = PS_IDLE;             /* a new link: ping again when it is up */
		nd->seq = 0;
	}
	if (up && sim_burst && !nd->burst_done)
		wq_queue(sim_net_q, &nd->w_tx);
	if (!up || !sim_ping || nd->step == PS_DONE)
		return;
	/* Start, or resend the step a link loss may have cut short. */
	if (nd->step == PS_IDLE)
		nd->step = PS_ARP;
	wq_queue(sim_net_q, &nd->w_tx);
}

void netdev_input(struct netdev *nd, const void *frame, size_t len)
{
	const uint8_t *f = frame;

	nd->rx++;
	if (len >= 42 && be16(f + 12) == 0x0806 && be16(f + 20) == 2 && be32(f + 28) == PEER_IP &&
	    nd->step == PS_ARP) {
		memcpy(nd->peer_mac, f + 22, 6);
		nd->step = PS_ECHO;
		wq_queue(sim_net_q, &nd->w_tx);
		return;
	}
	if (len >= 14 + 20 + 8 && be16(f + 12) == 0x0800 && f[14 + 9] == 1 &&
	    be32(f + 14 + 12) == PEER_IP && f[14 + 20] == 0 && nd->step == PS_ECHO) {
		pr_info("net: %s: ping 10.0.0.1: reply seq %u\n", nd->name, be16(f + 14 + 20 + 6));
		if (nd->seq >= PING_COUNT)
			nd->step = PS_DONE;
		else
			wq_queue(sim_net_q, &nd->w_tx);
	}
}

void netdev_set_mtu(struct netdev *nd, uint16_t mtu) { nd->info.mtu = mtu; }
void netdev_set_channels(struct netdev *nd, uint32_t n)
{
	if (n != nd->info.nchannels)
		pr_info("net: %s: channels %u\n", nd->name, n);
	nd->info.nchannels = n;
}

void netdev_count_rx_drop(struct netdev *nd) { nd->rx_drops++; }
void netdev_count_tx_drop(struct netdev *nd) { nd->tx_drops++; }
const char *netdev_name(const struct netdev *nd) { return nd->name; }
