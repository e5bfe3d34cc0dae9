/*
 * tests/unit/net_ipv4_test.c: the stack answers ARP and ICMP echo through a
 * netdev (fake NIC, tests/unit/net_fake.h), with ip=10.0.0.2/24,10.0.0.1.
 */
#include <string.h>

#include "net/net.h"
#include "tests/unit/harness.h"
#include "tests/unit/net_fake.h"

static struct fake_nic nic;

static int start_static(void)
{
	if (net_config_set_ip("10.0.0.2/24,10.0.0.1") < 0 || fake_start(&nic) < 0)
		return -1;
	while (nic.count > 0) {             /* announcements, IPv6 DAD, ... */
		uint8_t f[FAKE_FRAME_MAX];

		fake_take(&nic, f);
	}
	return 0;
}

/* The next frame of ethertype `type` the stack sent, or 0. */
static size_t take_type(uint8_t *f, uint16_t type)
{
	size_t n;

	while ((n = fake_take(&nic, f)) != 0)
		if (n >= ETH_HDR && be16(f + 12) == type)
			return n;
	return 0;
}

static int net_arp_reply(void)
{
	uint8_t f[FAKE_FRAME_MAX];
	const uint8_t *a = f + ETH_HDR;
	size_t n;

	CHECK(start_static() == 0);
	fake_give(&nic, f, fake_arp_request(f, FAKE_PEER_IP, FAKE_OUR_IP));
	n = take_type(f, 0x0806);
	CHECK(n >= ETH_HDR + 28);
	CHECK(memcmp(f, fake_peer_mac, 6) == 0);        /* to the asker */
	CHECK(memcmp(f + 6, nic.mac, 6) == 0);
	CHECK_EQ(be16(a + 6), 2);                        /* reply */
	CHECK(memcmp(a + 8, nic.mac, 6) == 0);          /* our MAC ... */
	CHECK_EQ(be32(a + 14), FAKE_OUR_IP);             /* ... for our address */
	CHECK(memcmp(a + 18, fake_peer_mac, 6) == 0);
	CHECK_EQ(be32(a + 24), FAKE_PEER_IP);
	/* a request for someone else's address gets no answer */
	fake_give(&nic, f, fake_arp_request(f, FAKE_PEER_IP, FAKE_OUR_IP + 1));
	CHECK_EQ(take_type(f, 0x0806), 0);
	return 0;
}

static int net_icmp_echo(void)
{
	uint8_t f[FAKE_FRAME_MAX], icmp[64];
	const uint8_t *ip = f + ETH_HDR, *r = f + ETH_HDR + IP_HDR;
	size_t n;

	CHECK(start_static() == 0);
	/* the peer's ARP request teaches the stack its MAC */
	fake_give(&nic, f, fake_arp_request(f, FAKE_PEER_IP, FAKE_OUR_IP));
	take_type(f, 0x0806);
	memset(icmp, 0, sizeof(icmp));
	icmp[0] = 8;                                     /* echo request */
	put16(icmp + 4, 0x1234);                         /* id */
	put16(icmp + 6, 7);                              /* sequence */
	for (int i = 8; i < 64; i++)
		icmp[i] = (uint8_t)(i * 3);
	put16(icmp + 2, fake_csum(icmp, sizeof(icmp), 0));
	fake_give(&nic, f, fake_ipv4(f, nic.mac, FAKE_PEER_IP, FAKE_OUR_IP, 1,
				     icmp, sizeof(icmp)));
	n = take_type(f, 0x0800);
	CHECK_EQ(n, ETH_HDR + IP_HDR + sizeof(icmp));
	CHECK(memcmp(f, fake_peer_mac, 6) == 0);
	CHECK_EQ(ip[9], 1);
	CHECK_EQ(be32(ip + 12), FAKE_OUR_IP);
	CHECK_EQ(be32(ip + 16), FAKE_PEER_IP);
	CHECK_EQ(fake_csum(ip, IP_HDR, 0), 0);           /* valid header checksum */
	CHECK_EQ(r[0], 0);                               /* echo reply */
	CHECK_EQ(be16(r + 4), 0x1234);
	CHECK_EQ(be16(r + 6), 7);
	CHECK(memcmp(r + 8, icmp + 8, sizeof(icmp) - 8) == 0);
	CHECK_EQ(fake_csum(r, sizeof(icmp), 0), 0);
	/* a corrupted request is dropped, not answered */
	icmp[20] ^= 0xff;
	fake_give(&nic, f, fake_ipv4(f, nic.mac, FAKE_PEER_IP, FAKE_OUR_IP, 1,
				     icmp, sizeof(icmp)));
	CHECK_EQ(take_type(f, 0x0800), 0);
	return 0;
}

const struct unit_test net_ipv4_tests[] = {
	{ "net_arp_reply", net_arp_reply, QUICK },
	{ "net_icmp_echo", net_icmp_echo, QUICK },
	{ NULL, NULL, QUICK },
};
