/*
 * tests/unit/net_txq_test.c: the per-interface transmit queue of
 * net/netdev.c. The fake NIC answers -EAGAIN while stopped; the stack keeps
 * what it could not send, sends nothing past it, and after netdev_tx_wake
 * every frame reaches the NIC in order. Only a frame beyond the bounded
 * queue is dropped, and counted.
 */
#include <string.h>

#include "net/net.h"
#include "net/netdev_impl.h"
#include "tests/unit/harness.h"
#include "tests/unit/net_fake.h"

static struct fake_nic nic;

/* ip= static, the peer's MAC learnt, every start-up frame taken. */
static int txq_start(void)
{
	uint8_t f[FAKE_FRAME_MAX];

	if (net_config_set_ip("10.0.0.2/24,10.0.0.1") < 0 || fake_start(&nic) < 0)
		return -1;
	fake_give(&nic, f, fake_arp_request(f, FAKE_PEER_IP, FAKE_OUR_IP));
	while (fake_take(&nic, f) != 0)
		;
	return 0;
}

/* The peer pings with sequence number seq; the reply is the stack's frame. */
static void txq_ping(uint16_t seq)
{
	uint8_t f[FAKE_FRAME_MAX], icmp[16] = { 8 };

	put16(icmp + 4, 0x4b51);
	put16(icmp + 6, seq);
	put16(icmp + 2, fake_csum(icmp, sizeof(icmp), 0));
	fake_give(&nic, f, fake_ipv4(f, nic.mac, FAKE_PEER_IP, FAKE_OUR_IP, 1,
				     icmp, sizeof(icmp)));
}

/* The replies the NIC holds must be exactly seq first..last, in order. */
static int txq_expect(uint16_t first, uint16_t last)
{
	uint8_t f[FAKE_FRAME_MAX];

	for (uint32_t seq = first; seq <= last; seq++) {
		CHECK(fake_take(&nic, f) >= ETH_HDR + IP_HDR + 8);
		CHECK_EQ(f[ETH_HDR + IP_HDR], 0);            /* echo reply */
		CHECK_EQ(be16(f + ETH_HDR + IP_HDR + 6), seq);
	}
	CHECK_EQ(nic.count, 0);
	return 0;
}

static int net_txq_wake(void)
{
	CHECK(txq_start() == 0);
	nic.stopped = 1;
	for (uint16_t seq = 1; seq <= 20; seq++)
		txq_ping(seq);
	CHECK_EQ(nic.count, 0);
	CHECK(nic.refused >= 1);
	/* The NIC has room again but has not said so: a new frame still
	 * waits behind the queue (order kept). */
	nic.stopped = 0;
	txq_ping(21);
	CHECK_EQ(nic.count, 0);
	netdev_tx_wake(nic.nd);
	t_run();
	CHECK(txq_expect(1, 21) == 0);
	CHECK_EQ(nic.nd->nd_stats.tx_drops, 0);
	/* Idle again: a frame goes straight to the NIC. */
	txq_ping(22);
	CHECK(txq_expect(22, 22) == 0);
	return 0;
}

static int net_txq_overflow(void)
{
	CHECK(txq_start() == 0);
	nic.stopped = 1;
	for (uint16_t seq = 1; seq <= NETDEV_TXQ_MAX + 5; seq++)
		txq_ping(seq);
	CHECK_EQ(nic.nd->nd_stats.tx_drops, 5);          /* the last 5 had no room */
	nic.stopped = 0;
	netdev_tx_wake(nic.nd);
	netdev_tx_wake(nic.nd);                          /* twice is harmless */
	t_run();
	CHECK(txq_expect(1, NETDEV_TXQ_MAX) == 0);
	CHECK_EQ(nic.nd->nd_stats.tx_drops, 5);
	return 0;
}

const struct unit_test net_txq_tests[] = {
	{ "net_txq_wake", net_txq_wake, QUICK },
	{ "net_txq_overflow", net_txq_overflow, QUICK },
	{ NULL, NULL, QUICK },
};
