/*
 * tests/unit/iperf3_test.c: apps/iperf3.c's protocol steps over lwIP and
 * apps/conn.c, the client played by hand-built TCP segments through the
 * fake NIC (docs/protocols/iperf3.md "Sequence"): a whole test in each
 * direction, a second client while busy, UDP refused, a client that goes
 * quiet (the server is idle again after its timeouts).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/conn.h"
#include "apps/iperf3.h"
#include "apps/iperf3_json.h"
#include "net/net.h"
#include "tests/unit/harness.h"
#include "tests/unit/net_fake.h"

#define RX_MAX  (256u * 1024)
#define NCONN   6

/* One TCP connection of the played client, from port 41000 + i. */
struct tconn {
	uint16_t port;
	uint32_t snd_nxt, rcv_nxt;
	bool open, fin, reset;
	uint8_t *rx;
	size_t rx_len, rx_off;          /* received; consumed by tc_read */
	uint64_t total;
};

static struct fake_nic nic;
static struct tconn conns[NCONN];
static const char cookie[IPERF3_COOKIE_LEN] = "keelunittestcookie0123456789abcdefgh";

static void tc_send(struct tconn *t, uint8_t flags, const void *data, size_t len)
{
	uint8_t f[FAKE_FRAME_MAX];

	fake_give(&nic, f, fake_tcp(f, nic.mac, FAKE_PEER_IP, FAKE_OUR_IP, t->port,
				    IPERF3_DEFAULT_PORT, t->snd_nxt, t->rcv_nxt, flags, data, len));
	t->snd_nxt += (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
}

/* Route the server's segments to their connections, in-order data kept;
 * then acknowledge on every connection that got data, a SYN or a FIN. */
static void tc_pump(void)
{
	uint8_t f[FAKE_FRAME_MAX];
	bool got[NCONN] = { false };

	while (fake_take(&nic, f) != 0) {
		const uint8_t *ip = f + ETH_HDR, *t = ip + IP_HDR;
		size_t hl = (size_t)(t[12] >> 4) * 4, dl = be16(ip + 2) - IP_HDR - hl;
		uint32_t seq = be32(t + 4);
		struct tconn *c = NULL;

		if (be16(f + 12) != 0x0800 || ip[9] != 6)
			continue;
		for (int i = 0; i < NCONN; i++)
			if (conns[i].port == be16(t + 2))
				c = &conns[i];
		if (c == NULL)
			continue;
		if (t[13] & TCP_RST) {
			c->reset = true;
			continue;
		}
		if (t[13] & TCP_SYN) {
			c->rcv_nxt = seq + 1;
			c->open = true;
			got[c - conns] = true;
			continue;
		}
		if (seq != c->rcv_nxt)
			continue;
		if (dl > 0) {
			size_t keep = RX_MAX - c->rx_len < dl ? RX_MAX - c->rx_len : dl;

			memcpy(c->rx + c->rx_len, t + hl, keep);
			c->rx_len += keep;
			c->total += dl;
			c->rcv_nxt += (uint32_t)dl;
			got[c - conns] = true;
		}
		if (t[13] & TCP_FIN) {
			c->fin = true;
			c->rcv_nxt++;
			got[c - conns] = true;
		}
	}
	for (int i = 0; i < NCONN; i++)
		if (got[i] && conns[i].open && !conns[i].reset)
			tc_send(&conns[i], TCP_ACK, NULL, 0);
}

static void tc_run(uint64_t ns)
{
	for (uint64_t t = 0; t < ns; t += MS) {
		t_run_for(MS);
		tc_pump();
	}
}

static struct tconn *tc_connect(int i)
{
	struct tconn *t = &conns[i];

	t->port = (uint16_t)(41000 + i);
	t->snd_nxt = 1000u * (unsigned)(i + 1);
	tc_send(t, TCP_SYN, NULL, 0);
	tc_pump();
	return t->open ? t : NULL;
}

/* n bytes the server sent that were not read yet, waiting up to 3 s. */
static const uint8_t *tc_read(struct tconn *t, size_t n)
{
	for (int i = 0; i < 3000 && t->rx_len - t->rx_off < n; i++)
		tc_run(MS);
	if (t->rx_len - t->rx_off < n)
		return NULL;
	t->rx_off += n;
	return t->rx + t->rx_off - n;
}

static int tc_state(struct tconn *t)
{
	const uint8_t *b = tc_read(t, 1);

	return b != NULL ? (int8_t)b[0] : 1000;
}

static void tc_json(struct tconn *t, const char *json)
{
	size_t n = strlen(json);
	uint8_t m[IPERF3_JSON_MAX + 4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16),
					   (uint8_t)(n >> 8), (uint8_t)n };

	memcpy(m + 4, json, n);
	tc_send(t, TCP_ACK | TCP_PSH, m, n + 4);
}

static int start(void)
{
	uint8_t f[FAKE_FRAME_MAX];

	memset(conns, 0, sizeof(conns));
	for (int i = 0; i < NCONN; i++)
		if ((conns[i].rx = calloc(1, RX_MAX)) == NULL)
			return -1;
	if (net_config_set_ip("10.0.0.2/24,10.0.0.1") < 0 || fake_start(&nic) < 0 ||
	    app_start("iperf3", NULL) < 0)
		return -1;
	t_run();
	fake_give(&nic, f, fake_arp_request(f, FAKE_PEER_IP, FAKE_OUR_IP));
	while (fake_take(&nic, f) != 0)
		;
	return 0;
}

static void stop(void)
{
	for (int i = 0; i < NCONN; i++)
		free(conns[i].rx);
}

/* Control connection i through the parameters: the server's answer. */
static int begin_test(int i, const char *params)
{
	struct tconn *c = tc_connect(i);

	if (c == NULL)
		return -1;
	tc_send(c, TCP_ACK | TCP_PSH, cookie, sizeof(cookie));
	if (tc_state(c) != IPERF3_PARAM_EXCHANGE)
		return -2;
	tc_json(c, params);
	return tc_state(c);
}

/* The results exchange: the server's results message's stream bytes. */
static int end_test(uint64_t *server_bytes)
{
	struct tconn *c = &conns[0];
	const uint8_t *len;
	const char *json;
	size_t n;

	tc_send(c, TCP_ACK | TCP_PSH, "\x04", 1);
	if (tc_state(c) != IPERF3_EXCHANGE_RESULTS)
		return -1;
	tc_json(c, "{\"cpu_util_total\":1,\"cpu_util_user\":0,\"cpu_util_system\":1,"
		"\"sender_has_retransmits\":0,\"streams\":[{\"id\":1,\"bytes\":5,"
		"\"retransmits\":0,\"jitter\":0,\"errors\":0,\"packets\":0,"
		"\"start_time\":0,\"end_time\":1}]}");
	len = tc_read(c, 4);
	if (len == NULL)
		return -2;
	n = be32(len);
	json = n <= IPERF3_JSON_MAX ? (const char *)tc_read(c, n) : NULL;
	if (json == NULL || iperf3_results_parse(json, n, server_bytes) < 0)
		return -3;
	if (tc_state(c) != IPERF3_DISPLAY_RESULTS)
		return -4;
	tc_send(c, TCP_ACK | TCP_PSH, "\x10", 1);
	tc_run(100 * MS);
	return c->fin ? 0 : -5;         /* the server closed the control connection */
}

#define PARAMS(extra) "{\"tcp\":true,\"omit\":0,\"time\":2,\"num\":0,\"blockcount\":0," \
		      extra ",\"len\":131072,\"client_version\":\"3.12\"}"

/* Client -> Keel, two streams: the server's results count every byte. */
static int iperf3_receive(void)
{
	static uint8_t block[1000];
	uint64_t got = 0;

	CHECK(start() == 0);
	CHECK_EQ(begin_test(0, PARAMS("\"parallel\":2")), IPERF3_CREATE_STREAMS);
	for (int i = 1; i <= 2; i++) {
		CHECK(tc_connect(i) != NULL);
		tc_send(&conns[i], TCP_ACK | TCP_PSH, cookie, sizeof(cookie));
	}
	CHECK_EQ(tc_state(&conns[0]), IPERF3_TEST_START);
	CHECK_EQ(tc_state(&conns[0]), IPERF3_TEST_RUNNING);
	memset(block, 0x5a, sizeof(block));
	for (int k = 0; k < 100; k++) {
		tc_send(&conns[1], TCP_ACK, block, sizeof(block));
		tc_send(&conns[2], TCP_ACK, block, k < 50 ? sizeof(block) : 0);
		tc_run(MS);
	}
	tc_run(300 * MS);               /* the streams read everything */
	CHECK_EQ(end_test(&got), 0);
	CHECK_EQ(got, 150000);
	stop();
	return 0;
}

/* Keel -> client (-R): the bytes the client received are what the server's
 * results say it sent, give or take what was queued when it stopped. */
static int iperf3_reverse(void)
{
	uint64_t got = 0;

	CHECK(start() == 0);
	CHECK_EQ(begin_test(0, PARAMS("\"parallel\":1,\"reverse\":true")), IPERF3_CREATE_STREAMS);
	CHECK(tc_connect(1) != NULL);
	tc_send(&conns[1], TCP_ACK | TCP_PSH, cookie, sizeof(cookie));
	CHECK_EQ(tc_state(&conns[0]), IPERF3_TEST_START);
	CHECK_EQ(tc_state(&conns[0]), IPERF3_TEST_RUNNING);
	tc_run(200 * MS);
	CHECK(conns[1].total > 50000);
	CHECK_EQ(end_test(&got), 0);
	tc_run(200 * MS);
	CHECK(conns[1].fin);            /* the server closed the stream */
	CHECK(got >= conns[1].total && got - conns[1].total <= 64 * 1024);
	stop();
	return 0;
}

/* While a test waits for its streams, a new cookie gets ACCESS_DENIED; UDP
 * gets SERVER_ERROR with the client's "not implemented" number. */
static int iperf3_busy_and_udp(void)
{
	static const char other[IPERF3_COOKIE_LEN] = "anotherclientscookie0123456789abcdef";
	const uint8_t *e;

	CHECK(start() == 0);
	CHECK_EQ(begin_test(0, PARAMS("\"parallel\":1")), IPERF3_CREATE_STREAMS);
	CHECK(tc_connect(3) != NULL);
	tc_send(&conns[3], TCP_ACK | TCP_PSH, other, sizeof(other));
	CHECK_EQ(tc_state(&conns[3]), IPERF3_ACCESS_DENIED);
	tc_run(200 * MS);
	CHECK(conns[3].fin);
	/* the test gives up on its stream after 10 s; the server is idle again */
	tc_run(11000 * MS);
	CHECK(conns[0].fin);
	CHECK_EQ(begin_test(4, "{\"udp\":true,\"parallel\":1,\"time\":2}"), IPERF3_SERVER_ERROR);
	e = tc_read(&conns[4], 8);
	CHECK(e != NULL);
	CHECK_EQ(be32(e), IPERF3_ERR_UNIMPLEMENTED);
	CHECK_EQ(be32(e + 4), 0);
	stop();
	return 0;
}

/* A length beyond IPERF3_JSON_MAX is refused before anything is read. */
static int iperf3_oversized_params(void)
{
	uint8_t m[4] = { 0, 0, 0x10, 0x01 };         /* 4097 */
	struct tconn *c;

	CHECK(start() == 0);
	c = tc_connect(0);
	CHECK(c != NULL);
	tc_send(c, TCP_ACK | TCP_PSH, cookie, sizeof(cookie));
	CHECK_EQ(tc_state(c), IPERF3_PARAM_EXCHANGE);
	tc_send(c, TCP_ACK | TCP_PSH, m, sizeof(m));
	tc_run(200 * MS);
	CHECK(c->fin || c->reset);
	stop();
	return 0;
}

const struct unit_test iperf3_tests[] = {
	{ "iperf3_receive", iperf3_receive, QUICK },
	{ "iperf3_reverse", iperf3_reverse, QUICK },
	{ "iperf3_busy_and_udp", iperf3_busy_and_udp, QUICK },
	{ "iperf3_oversized_params", iperf3_oversized_params, QUICK },
	{ NULL, NULL, QUICK },
};
