/*
 * tests/unit/net_conn_test.c: outbound TCP (conn_connect) against a server
 * the test plays with hand-built segments: connect, write, close (data,
 * then FIN); a refused connection (RST); a server that never answers.
 */
#include <errno.h>
#include <string.h>

#include "apps/conn.h"
#include "net/net.h"
#include "tests/unit/harness.h"
#include "tests/unit/net_fake.h"

#define SERVER_PORT 8080

static struct fake_nic nic;
static int connect_rc = 1, write_rc = 1, close_rc = 1;
static uint64_t connect_timeout = 5000 * MS;
static struct work client_item;

/* An application's client: connect, send a line, close. */
static void client_work(struct work *w)
{
	static const struct conn_addr peer = { .family = 4, .bytes = { 10, 0, 0, 1 } };
	struct conn *c;

	(void)w;
	connect_rc = conn_connect(&peer, SERVER_PORT, &c, connect_timeout);
	if (connect_rc < 0)
		return;
	write_rc = conn_write(c, "hello keel\n", 11, 1000 * MS);
	close_rc = conn_close(c, 1000 * MS);
}

static int start_client(void)
{
	struct wq *q = wq_create("app", 1);
	uint8_t f[FAKE_FRAME_MAX];

	if (q == NULL || net_config_set_ip("10.0.0.2/24,10.0.0.1") < 0 || fake_start(&nic) < 0)
		return -1;
	fake_give(&nic, f, fake_arp_request(f, FAKE_PEER_IP, FAKE_OUR_IP));
	while (fake_take(&nic, f) != 0)
		;
	work_init(&client_item, client_work, "client");
	wq_queue(q, &client_item);
	t_run();
	return 0;
}

/* The next TCP segment to the server port: its header in f, or NULL. */
static const uint8_t *take_seg(uint8_t *f, size_t *dlen)
{
	while (fake_take(&nic, f) != 0) {
		const uint8_t *ip = f + ETH_HDR, *t = ip + IP_HDR;

		if (be16(f + 12) != 0x0800 || ip[9] != 6 || be16(t + 2) != SERVER_PORT)
			continue;
		*dlen = be16(ip + 2) - IP_HDR - (size_t)(t[12] >> 4) * 4;
		return t;
	}
	return NULL;
}

static void server_send(uint8_t *f, uint16_t cport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	fake_give(&nic, f, fake_tcp(f, nic.mac, FAKE_PEER_IP, FAKE_OUR_IP, SERVER_PORT, cport,
				    seq, ack, flags, NULL, 0));
}

static int net_conn_connect_write_close(void)
{
	uint8_t f[FAKE_FRAME_MAX];
	const uint8_t *t;
	uint32_t cseq;
	uint16_t cport;
	size_t dlen;
	struct conn_stats cs;

	CHECK(start_client() == 0);
	t = take_seg(f, &dlen);
	CHECK(t != NULL && (t[13] & TCP_SYN) && !(t[13] & TCP_ACK));
	CHECK_EQ(connect_rc, 1);                       /* still connecting */
	cport = be16(t);
	cseq = be32(t + 4) + 1;
	server_send(f, cport, 7000, cseq, TCP_SYN | TCP_ACK);
	CHECK_EQ(connect_rc, 0);
	CHECK_EQ(write_rc, 0);
	/* the data, then the FIN (possibly in one segment) */
	t = take_seg(f, &dlen);
	while (t != NULL && dlen == 0 && !(t[13] & TCP_FIN))
		t = take_seg(f, &dlen);                  /* the bare ACK */
	CHECK(t != NULL && dlen == 11);
	CHECK(memcmp(t + (t[12] >> 4) * 4, "hello keel\n", 11) == 0);
	CHECK_EQ(be32(t + 4), cseq);
	cseq += 11;
	if (!(t[13] & TCP_FIN)) {
		server_send(f, cport, 7001, cseq, TCP_ACK);
		t = take_seg(f, &dlen);
		CHECK(t != NULL && (t[13] & TCP_FIN));
	}
	server_send(f, cport, 7001, cseq + 1, TCP_ACK | TCP_FIN);
	t_run_for(100 * MS);
	CHECK_EQ(close_rc, 0);
	conn_get_stats(&cs);
	CHECK_EQ(cs.active, 0);                          /* released and freed */
	return 0;
}

static int net_conn_refused(void)
{
	uint8_t f[FAKE_FRAME_MAX];
	const uint8_t *t;
	size_t dlen;
	struct conn_stats cs;

	CHECK(start_client() == 0);
	t = take_seg(f, &dlen);
	CHECK(t != NULL && (t[13] & TCP_SYN));
	server_send(f, be16(t), 0, be32(t + 4) + 1, TCP_RST | TCP_ACK);
	CHECK_EQ(connect_rc, -ECONNREFUSED);
	t_run_for(10 * MS);
	conn_get_stats(&cs);
	CHECK_EQ(cs.active, 0);
	return 0;
}

/* No answer at all: conn_connect gives up at its timeout and the attempt
 * is dropped (no more SYNs afterwards, nothing leaks). */
static int net_conn_timeout(void)
{
	uint8_t f[FAKE_FRAME_MAX];
	size_t dlen;
	struct conn_stats cs;

	connect_timeout = 2000 * MS;
	CHECK(start_client() == 0);
	t_run_for(2500 * MS);
	CHECK_EQ(connect_rc, -ETIMEDOUT);
	while (take_seg(f, &dlen) != NULL)
		;
	t_run_for(30000 * MS);
	CHECK(take_seg(f, &dlen) == NULL);
	conn_get_stats(&cs);
	CHECK_EQ(cs.active, 0);
	return 0;
}

const struct unit_test net_conn_tests[] = {
	{ "net_conn_connect_write_close", net_conn_connect_write_close, QUICK },
	{ "net_conn_refused", net_conn_refused, QUICK },
	{ "net_conn_timeout", net_conn_timeout, QUICK },
	{ NULL, NULL, QUICK },
};
