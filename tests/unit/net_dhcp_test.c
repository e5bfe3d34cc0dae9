/*
 * tests/unit/net_dhcp_test.c: ip=dhcp (the default) against a scripted
 * DHCP server (RFC 2131): DISCOVER -> OFFER -> REQUEST -> ACK, after which
 * the interface has the offered address, netmask, gateway and DNS server.
 */
#include <string.h>

#include "lwip/dns.h"
#include "net/net.h"
#include "tests/unit/harness.h"
#include "tests/unit/net_fake.h"

#define OFFERED    FAKE_OFFERED
#define DNS_SERVER FAKE_DNS_SERVER

static struct fake_nic nic;

static const uint8_t *take_dhcp(uint8_t *f, size_t *len)
{
	return fake_dhcp_take(&nic, f, len);
}

/* Option `code` of a DHCP message: its value, or NULL. */
static const uint8_t *dhcp_opt(const uint8_t *m, size_t len, uint8_t code)
{
	for (size_t i = BOOTP_OPTIONS; i + 1 < len && m[i] != 255; ) {
		if (m[i] == 0) {
			i++;
			continue;
		}
		if (m[i] == code)
			return m + i + 2;
		i += 2u + m[i + 1];
	}
	return NULL;
}

static void give_reply(uint32_t xid, uint8_t type)
{
	uint8_t m[FAKE_DHCP_LEN], f[FAKE_FRAME_MAX];

	fake_dhcp_reply(&nic, m, xid, type);
	fake_give(&nic, f, fake_dhcp_frame(&nic, f, m, sizeof(m)));
}

static int net_dhcp_exchange(void)
{
	uint8_t f[FAKE_FRAME_MAX];
	const uint8_t *m, *o;
	char text[1024], v4[64], v6[256];
	uint32_t xid;
	size_t len;

	CHECK(fake_start(&nic) == 0);
	CHECK(!net_configured());
	m = take_dhcp(f, &len);
	CHECK(m != NULL);
	CHECK_EQ(m[0], 1);                                  /* BOOTREQUEST */
	CHECK(memcmp(m + BOOTP_CHADDR, nic.mac, 6) == 0);
	CHECK((o = dhcp_opt(m, len, 53)) != NULL && o[0] == 1); /* DISCOVER */
	xid = be32(m + BOOTP_XID);
	give_reply(xid, 2);                                 /* OFFER */
	m = take_dhcp(f, &len);
	CHECK(m != NULL);
	CHECK_EQ(be32(m + BOOTP_XID), xid);
	CHECK((o = dhcp_opt(m, len, 53)) != NULL && o[0] == 3); /* REQUEST */
	CHECK((o = dhcp_opt(m, len, 50)) != NULL && be32(o) == OFFERED);
	CHECK((o = dhcp_opt(m, len, 54)) != NULL && be32(o) == FAKE_PEER_IP);
	CHECK(!net_configured());
	net_ip_addresses(v4, sizeof(v4), v6, sizeof(v6));   /* KVP NetworkAddressIPv4 */
	CHECK_EQ(v4[0], '\0');
	give_reply(xid, 5);                                 /* ACK */
	t_run_for(100 * MS);
	CHECK(net_configured());
	net_format_interfaces(text, sizeof(text));
	CHECK(strstr(text, "inet 10.0.0.50/24 gateway 10.0.0.1 (dhcp)") != NULL);
	net_ip_addresses(v4, sizeof(v4), v6, sizeof(v6));   /* as soon as DHCP bound it */
	CHECK(strcmp(v4, "10.0.0.50") == 0);
	net_ip_addresses(v4, 9, v6, sizeof(v6));            /* never cut short */
	CHECK_EQ(v4[0], '\0');
	CHECK_EQ(lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(dns_getserver(0)))), DNS_SERVER);
	return 0;
}

static void detach_work(struct work *w)
{
	(void)w;
	netdev_detach(nic.nd);
}

/* After a lease, detaching stops transmission before lwIP tears down: its
 * DHCPRELEASE never reaches the (gone) driver, and the lease state is freed
 * (LeakSanitizer checks at exit). */
static int net_dhcp_detach(void)
{
	struct wq *driver_wq = wq_create("driver", 1);
	uint8_t f[FAKE_FRAME_MAX];
	const uint8_t *m;
	struct work remove;
	size_t len;

	CHECK(driver_wq != NULL);
	CHECK(fake_start(&nic) == 0);
	m = take_dhcp(f, &len);
	CHECK(m != NULL);
	give_reply(be32(m + BOOTP_XID), 2);
	m = take_dhcp(f, &len);
	CHECK(m != NULL);
	give_reply(be32(m + BOOTP_XID), 5);
	t_run_for(100 * MS);
	CHECK(net_configured());
	while (fake_take(&nic, f) != 0)
		;
	work_init(&remove, detach_work, "remove");
	wq_queue(driver_wq, &remove);
	t_run_for(100 * MS);
	CHECK_EQ(nic.count, 0);
	return 0;
}

/* An answer with another transaction id is not ours: still unconfigured. */
static int net_dhcp_wrong_xid(void)
{
	uint8_t f[FAKE_FRAME_MAX];
	const uint8_t *m;
	size_t len;

	CHECK(fake_start(&nic) == 0);
	m = take_dhcp(f, &len);
	CHECK(m != NULL);
	give_reply(be32(m + BOOTP_XID) ^ 1, 2);
	CHECK(take_dhcp(f, &len) == NULL);                  /* no REQUEST */
	CHECK(!net_configured());
	return 0;
}

const struct unit_test net_dhcp_tests[] = {
	{ "net_dhcp_exchange", net_dhcp_exchange, QUICK },
	{ "net_dhcp_wrong_xid", net_dhcp_wrong_xid, QUICK },
	{ "net_dhcp_detach", net_dhcp_detach, QUICK },
	{ NULL, NULL, QUICK },
};
