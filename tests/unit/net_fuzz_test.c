/*
 * tests/unit/net_fuzz_test.c: frames from the host are untrusted input.
 * Deterministic mutations of valid frames (ARP, ICMP echo, TCP SYN to
 * httpd, UDP to the DHCP client port, a router advertisement) and random
 * lengths go through netdev_input under AddressSanitizer; afterwards the
 * stack must still answer ARP, and every frame shorter than an Ethernet
 * header or longer than the MTU allows must have been counted as dropped.
 * net_fuzz_dhcp does the same for the DHCP client's option parser.
 */
#include <stdio.h>
#include <string.h>

#include "apps/conn.h"
#include "net/net.h"
#include "tests/unit/harness.h"
#include "tests/unit/net_fake.h"

#define FUZZ_FRAMES 50000
#define FRAME_LIMIT (1500 + 14 + 4)     /* net/netdev.c: MTU + header + VLAN */

static struct fake_nic nic;
static uint64_t fuzz_state = 0x853c49e6748fea9bull;

static uint32_t fuzz_rand(void)
{
	fuzz_state = fuzz_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(fuzz_state >> 33);
}

static size_t template_frame(uint8_t *f, unsigned which)
{
	static const uint8_t ra[16] = { 134, 0, 0, 0, 64, 0, 0x07, 0x08 };
	static const uint8_t src6[16] = { 0xfe, 0x80, [15] = 1 };
	static const uint8_t dst6[16] = { 0xff, 0x02, [15] = 1 };
	uint8_t payload[64] = { 8, 0 };     /* ICMP echo request */
	uint8_t icmp6[16];

	switch (which % 5) {
	case 0:
		return fake_arp_request(f, FAKE_PEER_IP, FAKE_OUR_IP);
	case 1:
		return fake_ipv4(f, nic.mac, FAKE_PEER_IP, FAKE_OUR_IP, 1, payload, sizeof(payload));
	case 2:
		return fake_tcp(f, nic.mac, FAKE_PEER_IP, FAKE_OUR_IP, 40000 + (which & 255), 80,
				fuzz_rand(), 0, TCP_SYN, NULL, 0);
	case 3:
		return fake_udp(f, nic.mac, FAKE_PEER_IP, FAKE_OUR_IP, 67, 68, payload, sizeof(payload));
	default:
		memcpy(icmp6, ra, sizeof(icmp6));
		return fake_icmp6(f, nic.mac, src6, dst6, icmp6, sizeof(icmp6));
	}
}

static int net_fuzz_frames(void)
{
	static uint8_t f[2 * FAKE_FRAME_MAX];
	unsigned refused = 0;
	char text[2048], want[64];
	size_t n;

	CHECK(net_config_set_ip("10.0.0.2/24,10.0.0.1") == 0);
	CHECK(fake_start(&nic) == 0);
	CHECK(app_start("httpd", NULL) == 0);
	t_run();
	for (unsigned i = 0; i < FUZZ_FRAMES; i++) {
		unsigned flips = fuzz_rand() % 8;

		n = template_frame(f, i);
		if (fuzz_rand() % 4 == 0)               /* cut or extend */
			n = fuzz_rand() % sizeof(f);
		for (unsigned k = 0; k < flips && n > 0; k++)
			f[fuzz_rand() % n] ^= (uint8_t)(1u << (fuzz_rand() % 8));
		if (n > FRAME_LIMIT || n < ETH_HDR)
			refused++;
		netdev_input(nic.nd, f, n);
		if (i % 64 == 0) {
			t_run_for(10 * MS);
			while (fake_take(&nic, f) != 0)
				;
		}
	}
	t_run_for(1000 * MS);
	while (fake_take(&nic, f) != 0)
		;
	CHECK(refused > 0);
	net_format_interfaces(text, sizeof(text));
	snprintf(want, sizeof(want), "dropped %u\n", refused);
	if (strstr(text, want) == NULL) {
		fprintf(stderr, "  want RX %s  listing:\n%s", want, text);
		return 1;
	}
	/* still alive: ARP is answered */
	fake_give(&nic, f, fake_arp_request(f, FAKE_PEER_IP, FAKE_OUR_IP));
	n = fake_take(&nic, f);
	CHECK(n >= ETH_HDR + 28 && be16(f + 12) == 0x0806 && be16(f + ETH_HDR + 6) == 2);
	return 0;
}

#define DHCP_FUZZ 5000

/* DHCP replies with the client's own transaction id, so lwIP parses their
 * options to the end: mutated, cut short, running past the message. Under
 * AddressSanitizer and UBSan nothing may be read outside the frame. */
static int net_fuzz_dhcp(void)
{
	uint8_t f[FAKE_FRAME_MAX], m[FAKE_DHCP_LEN];
	const uint8_t *q;
	uint32_t xid;
	size_t len;

	CHECK(fake_start(&nic) == 0);
	q = fake_dhcp_take(&nic, f, &len);
	CHECK(q != NULL);
	xid = be32(q + BOOTP_XID);
	for (unsigned i = 0; i < DHCP_FUZZ; i++) {
		size_t n = FAKE_DHCP_LEN;
		unsigned flips = 1 + fuzz_rand() % 16;

		fake_dhcp_reply(&nic, m, xid, (i & 1) ? 5 : 2);
		for (unsigned k = 0; k < flips; k++) {
			size_t at = BOOTP_OPTIONS + fuzz_rand() % (FAKE_DHCP_LEN - BOOTP_OPTIONS);

			m[at] = (uint8_t)fuzz_rand();
		}
		if (fuzz_rand() % 4 == 0)
			n = BOOTP_OPTIONS + fuzz_rand() % (FAKE_DHCP_LEN - BOOTP_OPTIONS);
		netdev_input(nic.nd, f, fake_dhcp_frame(&nic, f, m, n));
		if (i % 32 == 0) {
			t_run();
			while (fake_take(&nic, f) != 0)
				;
		}
	}
	t_run_for(100 * MS);
	while (fake_take(&nic, f) != 0)
		;
	return 0;
}

const struct unit_test net_fuzz_tests[] = {
	{ "net_fuzz_dhcp", net_fuzz_dhcp, QUICK },
	{ "net_fuzz_frames", net_fuzz_frames, QUICK },
	{ NULL, NULL, QUICK },
};
