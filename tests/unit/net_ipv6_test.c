/*
 * tests/unit/net_ipv6_test.c: IPv6 configures itself: a link-local address
 * from the MAC at once, and a global one by SLAAC (RFC 4862) when a router
 * advertises an autonomous /64 prefix.
 */
#include <string.h>

#include "net/net.h"
#include "tests/unit/harness.h"
#include "tests/unit/net_fake.h"

static struct fake_nic nic;

static const uint8_t router_ll[16] = { 0xfe, 0x80, [15] = 1 };
static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };

/* A router advertisement for 2001:db8:1::/64 with the given prefix flags. */
static size_t router_advert(uint8_t *f, uint8_t prefix_flags)
{
	uint8_t ra[16 + 8 + 32];
	uint8_t *o = ra + 16;

	memset(ra, 0, sizeof(ra));
	ra[0] = 134;                        /* router advertisement */
	ra[4] = 64;                         /* current hop limit */
	put16(ra + 6, 1800);                /* router lifetime */
	o[0] = 1;                           /* source link-layer address */
	o[1] = 1;
	memcpy(o + 2, fake_peer_mac, 6);
	o += 8;
	o[0] = 3;                           /* prefix information */
	o[1] = 4;
	o[2] = 64;
	o[3] = prefix_flags;
	put32(o + 4, 86400);                /* valid lifetime */
	put32(o + 8, 14400);                /* preferred lifetime */
	o[16] = 0x20; o[17] = 0x01; o[18] = 0x0d; o[19] = 0xb8; o[21] = 0x01;
	return fake_icmp6(f, all_nodes_mac, router_ll, all_nodes, ra, sizeof(ra));
}

static int net_ipv6_slaac(void)
{
	uint8_t f[FAKE_FRAME_MAX];
	char text[2048], v4[64], v6[256];

	CHECK(net_config_set_ip("10.0.0.2/24,10.0.0.1") == 0);
	CHECK(fake_start(&nic) == 0);
	net_ip_addresses(v4, sizeof(v4), v6, sizeof(v6));
	CHECK(strcmp(v6, "") == 0);          /* the link-local address is tentative */
	t_run_for(3000 * MS);                /* duplicate address detection */
	net_format_interfaces(text, sizeof(text));
	CHECK(strstr(text, "inet6 fe80::215:5dff:fe00:2/64 preferred") != NULL);
	CHECK(strstr(text, "inet6 2001:db8:1:") == NULL);
	fake_give(&nic, f, router_advert(f, 0xc0));   /* on-link, autonomous */
	net_format_interfaces(text, sizeof(text));
	CHECK(strstr(text, "inet6 2001:db8:1:0:215:5dff:fe00:2/64 tentative") != NULL);
	/* the KVP items (net/addrs.c): usable addresses only, ';'-separated */
	net_ip_addresses(v4, sizeof(v4), v6, sizeof(v6));
	CHECK(strcmp(v4, "10.0.0.2") == 0);
	CHECK(strcmp(v6, "fe80::215:5dff:fe00:2") == 0);
	t_run_for(3000 * MS);
	net_format_interfaces(text, sizeof(text));
	if (strstr(text, "inet6 2001:db8:1:0:215:5dff:fe00:2/64 preferred") == NULL) {
		fprintf(stderr, "  listing:\n%s", text);
		return 1;
	}
	net_ip_addresses(v4, sizeof(v4), v6, sizeof(v6));
	CHECK(strcmp(v6, "fe80::215:5dff:fe00:2;2001:db8:1:0:215:5dff:fe00:2") == 0);
	return 0;
}

/* A prefix without the autonomous flag gives no address. */
static int net_ipv6_no_autonomous(void)
{
	uint8_t f[FAKE_FRAME_MAX];
	char text[2048];

	CHECK(fake_start(&nic) == 0);
	fake_give(&nic, f, router_advert(f, 0x80));   /* on-link only */
	t_run_for(3000 * MS);
	net_format_interfaces(text, sizeof(text));
	CHECK(strstr(text, "inet6 2001:db8:1:") == NULL);
	return 0;
}

const struct unit_test net_ipv6_tests[] = {
	{ "net_ipv6_slaac", net_ipv6_slaac, QUICK },
	{ "net_ipv6_no_autonomous", net_ipv6_no_autonomous, QUICK },
	{ NULL, NULL, QUICK },
};
