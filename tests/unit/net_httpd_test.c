/*
 * tests/unit/net_httpd_test.c: a TCP client played by the test (hand-built
 * segments through the fake NIC, fake_http_get) connects to apps/httpd over lwIP and
 * apps/conn.c, sends GET /download/1 and checks every byte of the answer
 * against apps/httpd.h's formula; another GET checks /stats.
 */
#include <stdlib.h>
#include <string.h>

#include "apps/conn.h"
#include "apps/httpd.h"
#include "net/net.h"
#include "tests/unit/harness.h"
#include "tests/unit/net_fake.h"

#define RESP_MAX    (1100u * 1024)

static struct fake_nic nic;

static int start_httpd(void)
{
	uint8_t f[FAKE_FRAME_MAX];

	if (net_config_set_ip("10.0.0.2/24,10.0.0.1") < 0 || fake_start(&nic) < 0 ||
	    app_start("httpd", NULL) < 0)
		return -1;
	t_run();
	fake_give(&nic, f, fake_arp_request(f, FAKE_PEER_IP, FAKE_OUR_IP));
	while (fake_take(&nic, f) != 0)
		;
	return 0;
}

static int net_httpd_download(void)
{
	struct fake_client cl = { .resp = malloc(RESP_MAX), .resp_max = RESP_MAX };
	const char *body;
	size_t head;
	int rc = 1;

	if (cl.resp == NULL || start_httpd() < 0 ||
	    fake_http_get(&nic, &cl, "GET /download/1 HTTP/1.1\r\nHost: keel\r\n\r\n") < 0)
		goto out;
	cl.resp[cl.resp_len < RESP_MAX ? cl.resp_len : RESP_MAX - 1] = '\0';
	body = strstr((char *)cl.resp, "\r\n\r\n");
	if (body == NULL || strncmp((char *)cl.resp, "HTTP/1.1 200 OK\r\n", 17) != 0 ||
	    strstr((char *)cl.resp, "Content-Length: 1048576\r\n") == NULL)
		goto out;
	head = (size_t)(body + 4 - (char *)cl.resp);
	if (cl.resp_len != head + (1u << 20)) {
		fprintf(stderr, "  got %zu body bytes\n", cl.resp_len - head);
		goto out;
	}
	for (size_t i = 0; i < (1u << 20); i++) {
		uint8_t want = (uint8_t)((i * 7 + (i >> 8)) & 0xff);

		if (cl.resp[head + i] != want) {
			fprintf(stderr, "  byte %zu is %u, not %u\n", i, cl.resp[head + i], want);
			goto out;
		}
	}
	rc = 0;
out:
	free(cl.resp);
	CHECK_EQ(rc, 0);
	return 0;
}

static int net_httpd_stats(void)
{
	struct fake_client cl = { .resp = malloc(RESP_MAX), .resp_max = RESP_MAX };
	int rc = 1;

	if (cl.resp == NULL || start_httpd() < 0 ||
	    fake_http_get(&nic, &cl, "GET /stats HTTP/1.1\r\n\r\n") < 0)
		goto out;
	cl.resp[cl.resp_len < RESP_MAX ? cl.resp_len : RESP_MAX - 1] = '\0';
	if (strncmp((char *)cl.resp, "HTTP/1.1 200 OK\r\n", 17) == 0 &&
	    strstr((char *)cl.resp, "eth0: <UP,LOWER_UP> mtu 1500") != NULL &&
	    strstr((char *)cl.resp, "link/ether 00:15:5d:00:00:02") != NULL &&
	    strstr((char *)cl.resp, "inet 10.0.0.2/24 gateway 10.0.0.1 (static)") != NULL &&
	    strstr((char *)cl.resp, "connections: active 1 accepted 1") != NULL)
		rc = 0;
	else
		fprintf(stderr, "  response:\n%s\n", (char *)cl.resp);
out:
	free(cl.resp);
	CHECK_EQ(rc, 0);
	return 0;
}

/* A driver detaches in its remove work item (net/netdev.h). */
static void detach_work(struct work *w)
{
	(void)w;
	netdev_detach(nic.nd);
}

/* Detaching the NIC under an open connection: the stack sends nothing more
 * through it, the connection is reset, its handler's read fails, and the
 * connection and the interface are freed (LeakSanitizer checks at exit). */
static int net_detach_open_conn(void)
{
	uint8_t f[FAKE_FRAME_MAX];
	struct fake_client cl = { .resp = f, .resp_max = sizeof(f) };
	struct wq *driver_wq = wq_create("driver", 1);
	struct conn_stats cs;
	struct work remove;
	char text[256];

	CHECK(start_httpd() == 0);
	CHECK(fake_tcp_connect(&nic, &cl) == 0);
	/* the ACK completes the handshake; the handler now waits in conn_read */
	fake_give(&nic, f, fake_tcp(f, nic.mac, FAKE_PEER_IP, FAKE_OUR_IP, 40000, 80,
				    cl.snd_nxt, cl.rcv_nxt, TCP_ACK, NULL, 0));
	conn_get_stats(&cs);
	CHECK_EQ(cs.active, 1);
	while (fake_take(&nic, f) != 0)
		;
	work_init(&remove, detach_work, "remove");
	CHECK(driver_wq != NULL);
	wq_queue(driver_wq, &remove);
	t_run_for(100 * MS);
	CHECK_EQ(nic.count, 0);                     /* no RST reached the driver */
	conn_get_stats(&cs);
	CHECK_EQ(cs.reset, 1);
	CHECK_EQ(cs.active, 0);
	net_format_interfaces(text, sizeof(text));
	CHECK(strcmp(text, "no network interfaces\n") == 0);
	return 0;
}

/* A client that connects and says nothing: httpd's conn_read times out
 * after 10 s and the server closes (FIN, no data, no reset). */
static int net_httpd_idle_timeout(void)
{
	uint8_t f[FAKE_FRAME_MAX];
	struct fake_client cl = { .resp = f, .resp_max = sizeof(f) };
	struct conn_stats cs;

	CHECK(start_httpd() == 0);
	CHECK(fake_tcp_connect(&nic, &cl) == 0);
	fake_give(&nic, f, fake_tcp(f, nic.mac, FAKE_PEER_IP, FAKE_OUR_IP, 40000, 80,
				    cl.snd_nxt, cl.rcv_nxt, TCP_ACK, NULL, 0));
	t_run_for(9000 * MS);
	CHECK(fake_tcp_recv(&nic, &cl) >= 0);
	CHECK(!cl.fin);                             /* still waiting */
	t_run_for(2000 * MS);
	CHECK(fake_tcp_recv(&nic, &cl) >= 0);
	CHECK(cl.fin);
	CHECK_EQ(cl.total, 0);
	conn_get_stats(&cs);
	CHECK_EQ(cs.reset, 0);
	return 0;
}

/* Bytes the handler never reads (sent while it answers) do not turn the
 * close into a reset: the whole answer and a FIN arrive. */
static int net_httpd_unread_data(void)
{
	struct fake_client cl = { .resp = malloc(RESP_MAX), .resp_max = RESP_MAX,
				  .extra = "GET /stats HTTP/1.1\r\n\r\n" };
	int rc = -1;

	if (cl.resp != NULL && start_httpd() == 0)
		rc = fake_http_get(&nic, &cl, "GET /download/1 HTTP/1.1\r\n\r\n");
	free(cl.resp);
	CHECK_EQ(rc, 0);
	CHECK(cl.fin);
	CHECK(cl.total > (1u << 20));
	return 0;
}

static bool stopped;

static void stop_work(struct work *w)
{
	(void)w;
	app_stop_all();                /* kernel/services.c's shutdown step */
	stopped = true;
}

/* Segments from the server to client port `port`: whether one was a RST. */
static bool rst_to(uint16_t port)
{
	uint8_t fr[FAKE_FRAME_MAX];
	bool rst = false;

	while (fake_take(&nic, fr) != 0) {
		const uint8_t *t = fr + ETH_HDR + IP_HDR;

		if (be16(fr + 12) == 0x0800 && fr[ETH_HDR + 9] == 6 && be16(t + 2) == port &&
		    (t[13] & TCP_RST))
			rst = true;
	}
	return rst;
}

/* An orderly shutdown's application step (app_stop_all) stops httpd: a
 * download in progress ends short of its Content-Length with a FIN (no
 * reset), the stop returns well within its bound, and the listener is
 * closed, so a new connection is refused with a reset. */
static int net_httpd_stop(void)
{
	static const char req[] = "GET /download/64 HTTP/1.1\r\n\r\n";
	uint8_t f[FAKE_FRAME_MAX];
	struct fake_client cl = { .resp = f, .resp_max = sizeof(f) };
	struct wq *sd_wq = wq_create("shutdown", 1);
	struct work stop;
	unsigned round;

	CHECK(sd_wq != NULL);
	CHECK(start_httpd() == 0);
	CHECK(fake_tcp_connect(&nic, &cl) == 0);
	fake_give(&nic, f, fake_tcp(f, nic.mac, FAKE_PEER_IP, FAKE_OUR_IP, 40000, 80,
				    cl.snd_nxt, cl.rcv_nxt, TCP_ACK | TCP_PSH,
				    (const uint8_t *)req, sizeof(req) - 1));
	cl.snd_nxt += sizeof(req) - 1;
	stopped = false;
	work_init(&stop, stop_work, "stop");
	for (round = 0; !cl.fin && round < 5000; round++) {
		if (round == 20) {
			CHECK(cl.total > 0);                /* the download is under way */
			wq_queue(sd_wq, &stop);
		}
		t_run_for(1 * MS);
		CHECK(fake_tcp_recv(&nic, &cl) >= 0);       /* never a reset */
		fake_give(&nic, f, fake_tcp(f, nic.mac, FAKE_PEER_IP, FAKE_OUR_IP, 40000, 80,
					    cl.snd_nxt, cl.rcv_nxt, TCP_ACK, NULL, 0));
	}
	CHECK(cl.fin);
	CHECK(cl.total < (64u << 20));                      /* cut short */
	t_run_for(10 * MS);
	CHECK(stopped);
	CHECK(round < 1000);                                /* HTTPD_STOP_NS is 1 s */
	while (fake_take(&nic, f) != 0)
		;
	fake_give(&nic, f, fake_tcp(f, nic.mac, FAKE_PEER_IP, FAKE_OUR_IP, 40001, 80,
				    5000, 0, TCP_SYN, NULL, 0));
	CHECK(rst_to(40001));                               /* nobody listens */
	return 0;
}

const struct unit_test net_httpd_tests[] = {
	{ "net_httpd_stop", net_httpd_stop, QUICK },
	{ "net_httpd_unread_data", net_httpd_unread_data, QUICK },
	{ "net_httpd_idle_timeout", net_httpd_idle_timeout, QUICK },
	{ "net_detach_open_conn", net_detach_open_conn, QUICK },
	{ "net_httpd_download", net_httpd_download, QUICK },
	{ "net_httpd_stats", net_httpd_stats, QUICK },
	{ NULL, NULL, QUICK },
};
