/*
 * tests/unit/net_httpd_test.c: a TCP client played by the test (hand-built
 * segments through the fake NIC) connects to apps/httpd over lwIP and
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

#define CLIENT_PORT 40000
#define RESP_MAX    (1100u * 1024)

static struct fake_nic nic;

struct client {
	uint32_t snd_nxt, rcv_nxt;
	bool fin;
	uint8_t *resp;
	size_t resp_len;
};

static void send_seg(struct client *cl, uint8_t flags, const void *data, size_t len)
{
	uint8_t f[FAKE_FRAME_MAX];

	fake_give(&nic, f, fake_tcp(f, nic.mac, FAKE_PEER_IP, FAKE_OUR_IP, CLIENT_PORT,
				    HTTPD_DEFAULT_PORT, cl->snd_nxt, cl->rcv_nxt,
				    flags, data, len));
	cl->snd_nxt += (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
}

/* Take the server's segments: in-order data is kept, FIN noted. Returns
 * how many segments arrived, or -1 for a RST or a bad checksum. */
static int recv_segs(struct client *cl, uint32_t *syn_seq)
{
	uint8_t f[FAKE_FRAME_MAX];
	int segs = 0;
	size_t n;

	while ((n = fake_take(&nic, f)) != 0) {
		const uint8_t *ip = f + ETH_HDR, *t = ip + IP_HDR;
		size_t tl, hl, dl;
		uint32_t seq, sum;

		if (be16(f + 12) != 0x0800 || ip[9] != 6)
			continue;
		tl = be16(ip + 2) - IP_HDR;
		hl = (size_t)(t[12] >> 4) * 4;
		dl = tl - hl;
		sum = (FAKE_OUR_IP >> 16) + (FAKE_OUR_IP & 0xffff) +
		      (FAKE_PEER_IP >> 16) + (FAKE_PEER_IP & 0xffff) + 6 + (uint32_t)tl;
		if (fake_csum(t, tl, sum) != 0 || (t[13] & TCP_RST))
			return -1;
		segs++;
		seq = be32(t + 4);
		if (t[13] & TCP_SYN) {
			*syn_seq = seq;
			continue;
		}
		if (seq != cl->rcv_nxt)
			continue;           /* a retransmission or out of order */
		if (dl > 0 && cl->resp_len + dl <= RESP_MAX) {
			memcpy(cl->resp + cl->resp_len, t + hl, dl);
			cl->resp_len += dl;
			cl->rcv_nxt += (uint32_t)dl;
		}
		if (t[13] & TCP_FIN) {
			cl->fin = true;
			cl->rcv_nxt++;
		}
	}
	return segs;
}

/* Connect, send `request`, collect the whole answer until the server's FIN. */
static int http_get(struct client *cl, const char *request)
{
	uint32_t syn_seq = 0;

	cl->snd_nxt = 1000;
	cl->rcv_nxt = 0;
	send_seg(cl, TCP_SYN, NULL, 0);
	if (recv_segs(cl, &syn_seq) < 1)
		return -1;
	cl->rcv_nxt = syn_seq + 1;
	send_seg(cl, TCP_ACK | TCP_PSH, request, strlen(request));
	for (int rounds = 0; !cl->fin && rounds < 5000; rounds++) {
		t_run_for(1 * MS);
		if (recv_segs(cl, &syn_seq) < 0)
			return -1;
		send_seg(cl, TCP_ACK, NULL, 0);
	}
	if (!cl->fin)
		return -1;
	send_seg(cl, TCP_ACK | TCP_FIN, NULL, 0);
	t_run_for(10 * MS);
	return 0;
}

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
	struct client cl = { .resp = malloc(RESP_MAX) };
	const char *body;
	size_t head;
	int rc = 1;

	if (cl.resp == NULL || start_httpd() < 0 ||
	    http_get(&cl, "GET /download/1 HTTP/1.1\r\nHost: keel\r\n\r\n") < 0)
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
	struct client cl = { .resp = malloc(RESP_MAX) };
	int rc = 1;

	if (cl.resp == NULL || start_httpd() < 0 ||
	    http_get(&cl, "GET /stats HTTP/1.1\r\n\r\n") < 0)
		goto out;
	cl.resp[cl.resp_len] = '\0';
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

const struct unit_test net_httpd_tests[] = {
	{ "net_httpd_download", net_httpd_download, QUICK },
	{ "net_httpd_stats", net_httpd_stats, QUICK },
	{ NULL, NULL, QUICK },
};
