/*
 * tests/unit/net_dns_test.c: conn_resolve (apps/resolve.c) through lwIP's
 * DNS client against a scripted server: the server DHCP named (10.0.0.53)
 * gets an A query and answers it; literals need no query; without a server
 * the name does not resolve.
 */
#include <errno.h>
#include <string.h>

#include "apps/conn.h"
#include "net/net.h"
#include "tests/unit/harness.h"
#include "tests/unit/net_fake.h"

static struct fake_nic nic;
static const char *resolve_name;
static struct conn_addr resolved;
static int resolve_rc = 1;

/* conn_resolve waits: it runs in a work item, as an application's would. */
static void resolve_work(struct work *w)
{
	(void)w;
	resolve_rc = conn_resolve(resolve_name, &resolved, 5000 * MS);
}

static struct work resolve_item;

static int start_resolve(const char *name)
{
	struct wq *q = wq_create("app", 1);

	if (q == NULL)
		return -1;
	resolve_name = name;
	work_init(&resolve_item, resolve_work, "resolve");
	wq_queue(q, &resolve_item);
	t_run();
	return 0;
}

/* DHCP as net_dhcp_test.c does it; the lease names 10.0.0.53 for DNS. */
static int lease(void)
{
	uint8_t f[FAKE_FRAME_MAX], m[FAKE_DHCP_LEN];
	const uint8_t *q;
	size_t len;

	if (fake_start(&nic) < 0 || (q = fake_dhcp_take(&nic, f, &len)) == NULL)
		return -1;
	fake_dhcp_reply(&nic, m, be32(q + BOOTP_XID), 2);
	fake_give(&nic, f, fake_dhcp_frame(&nic, f, m, sizeof(m)));
	if ((q = fake_dhcp_take(&nic, f, &len)) == NULL)
		return -1;
	fake_dhcp_reply(&nic, m, be32(q + BOOTP_XID), 5);
	fake_give(&nic, f, fake_dhcp_frame(&nic, f, m, sizeof(m)));
	t_run_for(100 * MS);
	/* the server's ARP request teaches the stack its MAC */
	fake_give(&nic, f, fake_arp_request(f, FAKE_DNS_SERVER, FAKE_OFFERED));
	while (fake_take(&nic, f) != 0)
		;
	return net_configured() ? 0 : -1;
}

static int net_dns_resolve(void)
{
	uint8_t f[FAKE_FRAME_MAX], ans[512];
	const uint8_t *ip = f + ETH_HDR, *udp = ip + IP_HDR, *dns = udp + 8;
	size_t n, qlen;

	CHECK(lease() == 0);
	CHECK(start_resolve("www.keel.example") == 0);
	CHECK_EQ(resolve_rc, 1);                          /* still waiting */
	while ((n = fake_take(&nic, f)) != 0)
		if (be16(f + 12) == 0x0800 && ip[9] == 17 && be16(udp + 2) == 53)
			break;
	CHECK(n != 0);
	CHECK_EQ(be32(ip + 16), FAKE_DNS_SERVER);
	qlen = be16(udp + 4) - 8;
	CHECK(qlen > 12 && qlen < 256);
	CHECK_EQ(be16(dns + 4), 1);                       /* one question */
	CHECK(memcmp(dns + 12, "\3www\4keel\7example\0", 18) == 0);
	CHECK_EQ(be16(dns + 12 + 18), 1);                 /* type A */
	memcpy(ans, dns, qlen);
	put16(ans + 2, 0x8180);                           /* response, no error */
	put16(ans + 6, 1);                                /* one answer */
	memcpy(ans + qlen, "\xc0\x0c\0\1\0\1\0\0\x0e\x10\0\4\x5d\xb8\xd8\x22", 16);
	fake_give(&nic, f, fake_udp(f, nic.mac, FAKE_DNS_SERVER, FAKE_OFFERED, 53,
				    be16(udp), ans, qlen + 16));
	CHECK_EQ(resolve_rc, 0);
	CHECK_EQ(resolved.family, 4);
	CHECK(memcmp(resolved.bytes, "\x5d\xb8\xd8\x22", 4) == 0);   /* 93.184.216.34 */
	return 0;
}

static int net_dns_literal_and_none(void)
{
	CHECK(net_config_set_ip("10.0.0.2/24,10.0.0.1") == 0);
	CHECK(fake_start(&nic) == 0);
	CHECK(start_resolve("10.1.2.3") == 0);
	CHECK_EQ(resolve_rc, 0);
	CHECK(resolved.family == 4 && memcmp(resolved.bytes, "\x0a\x01\x02\x03", 4) == 0);
	resolve_rc = 1;
	CHECK(start_resolve("www.keel.example") == 0);    /* no DNS server */
	t_run_for(20000 * MS);
	CHECK_EQ(resolve_rc, -ENOENT);
	return 0;
}

const struct unit_test net_dns_tests[] = {
	{ "net_dns_resolve", net_dns_resolve, QUICK },
	{ "net_dns_literal_and_none", net_dns_literal_and_none, QUICK },
	{ NULL, NULL, QUICK },
};
