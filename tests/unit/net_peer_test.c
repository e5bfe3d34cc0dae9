/*
 * tests/unit/net_peer_test.c: keel-host's built-in network peer
 * (host/netpeer_probe.h) against Keel's own network stack, hosted: lwIP
 * with DHCP by default and apps/httpd behind the fake NIC. The peer leases
 * the address, pings it and fetches the page, as `make run` shows. Then
 * the peer's parts alone against hand-built frames: the DHCP server's
 * refusals, the TCP client's ordering, retransmission and resets, and the
 * HTTP answer reader.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apps/conn.h"
#include "host/netpeer_probe.h"
#include "host/netpeer_wire.h"
#include "net/net.h"
#include "tests/unit/harness.h"
#include "tests/unit/net_fake.h"

static struct fake_nic nic;

/* ---- the whole visit against lwIP + httpd ---- */

#define PEER_Q 64
static struct {
	uint8_t f[PEER_Q][FAKE_FRAME_MAX];
	size_t len[PEER_Q];
	unsigned n;
	int reports[4];
} peer_out;

static void to_stack(void *ctx, const uint8_t *frame, uint32_t len)
{
	(void)ctx;
	if (peer_out.n < PEER_Q && len <= FAKE_FRAME_MAX) {
		memcpy(peer_out.f[peer_out.n], frame, len);
		peer_out.len[peer_out.n++] = len;
	}
}

static void on_report(void *ctx, const struct np_probe *p, enum np_probe_phase ended)
{
	(void)ctx;
	(void)p;
	peer_out.reports[ended]++;
}

/* Frames both ways, then the peer's timers, for up to `ns` of virtual time. */
static void visit(struct np_probe *p, uint64_t ns)
{
	uint64_t end = hosted_now_ns() + ns;
	uint8_t f[FAKE_FRAME_MAX];
	size_t len;

	while (hosted_now_ns() < end && p->phase != NPP_DONE) {
		while ((len = fake_take(&nic, f)) != 0)
			np_probe_input(p, f, (uint32_t)len, hosted_now_ns());
		np_probe_run(p, hosted_now_ns());
		for (unsigned i = 0; i < peer_out.n; i++)
			fake_give(&nic, peer_out.f[i], peer_out.len[i]);
		peer_out.n = 0;
		t_run_for(5 * MS);
	}
}

static const char *httpd_page(void)
{
	static const char page[] =
		"<!DOCTYPE html>\n<html><head><title>Keel</title></head><body>\n";

	return page;
}

static int net_peer_visit(void)
{
	static struct np_probe p;
	struct np_probe_io io = { .send = to_stack, .report = on_report };
	char text[1024];

	memset(&peer_out, 0, sizeof(peer_out));
	np_probe_init(&p, &io);
	CHECK(fake_start(&nic) == 0);
	CHECK(app_start("httpd", NULL) == 0);
	t_run();
	np_probe_start(&p, hosted_now_ns());
	visit(&p, 30000 * MS);
	net_format_interfaces(text, sizeof(text));
	CHECK(strstr(text, "inet 10.0.2.15/24 gateway 10.0.2.2 (dhcp)") != NULL);
	CHECK_EQ(p.dhcp.state, NPD_BOUND);
	CHECK_EQ(p.phase, NPP_DONE);
	CHECK(memcmp(p.dhcp.client_mac, nic.mac, 6) == 0);
	CHECK_EQ(p.ping_sent, NP_PING_COUNT);
	CHECK_EQ(p.ping_replies, NP_PING_COUNT);
	CHECK_EQ(p.http_error, 0);
	CHECK_EQ(p.http.status, 200);
	CHECK(strcmp(p.http.status_line, "HTTP/1.1 200 OK") == 0);
	CHECK(strcmp(p.http.title, "Keel") == 0);
	CHECK(p.http.body_bytes > strlen(httpd_page()));
	CHECK_EQ(p.http.content_length, (long long)p.http.body_bytes);
	CHECK_EQ(p.tcp.state, NPT_DONE);
	CHECK_EQ(peer_out.reports[NPP_LEASE], 1);
	CHECK_EQ(peer_out.reports[NPP_PING], 1);
	CHECK_EQ(peer_out.reports[NPP_HTTP], 1);
	return 0;
}

/* Not started (Keel not ready): the lease is given, nothing else happens. */
static int net_peer_waits_for_ready(void)
{
	static struct np_probe p;
	struct np_probe_io io = { .send = to_stack, .report = on_report };

	memset(&peer_out, 0, sizeof(peer_out));
	np_probe_init(&p, &io);
	CHECK(fake_start(&nic) == 0);
	visit(&p, 5000 * MS);
	CHECK_EQ(p.dhcp.state, NPD_BOUND);
	CHECK_EQ(p.phase, NPP_LEASE);
	CHECK_EQ(p.ping_sent, 0);
	return 0;
}

/* ---- the DHCP server alone ---- */

#define CLIENT_MAC_INIT { 0x00, 0x15, 0x5d, 0x00, 0x00, 0x07 }

/* A DHCP request of `type` into frame; opts (len bytes) after the type. */
static size_t dhcp_request(uint8_t *frame, uint8_t type, const uint8_t *opts, size_t olen,
			   size_t cut)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mac[6] = CLIENT_MAC_INIT;
	uint8_t m[FAKE_DHCP_LEN];
	size_t n = BOOTP_OPTIONS;

	memset(m, 0, sizeof(m));
	m[0] = 1;
	m[1] = 1;
	m[2] = 6;
	put32(m + BOOTP_XID, 0x12345678);
	memcpy(m + BOOTP_CHADDR, mac, 6);
	put32(m + BOOTP_COOKIE, 0x63825363);
	m[n++] = 53;
	m[n++] = 1;
	m[n++] = type;
	if (olen) {
		memcpy(m + n, opts, olen);
		n += olen;
	}
	m[n] = 255;
	return fake_udp(frame, bcast, 0, 0xffffffffu, 68, 67, m, cut ? cut : sizeof(m));
}

/* The answer's DHCP message type, or 0. */
static int answer_type(const uint8_t *out, uint32_t len)
{
	struct np_ipv4 ip;
	const uint8_t *m;

	if (len == 0 || np_ipv4_parse(out, len, &ip) < 0 || ip.proto != NP_PROTO_UDP)
		return 0;
	m = ip.l4 + 8;
	return m[BOOTP_OPTIONS] == 53 ? m[BOOTP_OPTIONS + 2] : -1;
}

static int net_peer_dhcp_server(void)
{
	static const uint8_t peer_mac[6] = { 0x02, 0, 0x5e, 0, 0, 1 };
	const uint8_t want_ours[] = { 50, 4, 10, 0, 2, 15, 54, 4, 10, 0, 2, 2 };
	const uint8_t want_other[] = { 50, 4, 10, 0, 2, 99 };
	const uint8_t other_server[] = { 50, 4, 10, 0, 2, 15, 54, 4, 10, 0, 2, 9 };
	const uint8_t overrun[] = { 50, 200, 10, 0, 2, 15 };
	uint8_t f[FAKE_FRAME_MAX], out[NP_FRAME_MAX];
	struct np_dhcp d;
	uint32_t n;

	np_dhcp_init(&d, peer_mac, NP_PEER_IP, NP_LEASE_IP, NP_NETMASK);
	n = np_dhcp_input(&d, f, (uint32_t)dhcp_request(f, 1, NULL, 0, 0), out, sizeof(out));
	CHECK_EQ(answer_type(out, n), 2);                       /* OFFER */
	CHECK_EQ(d.state, NPD_OFFERED);
	n = np_dhcp_input(&d, f, (uint32_t)dhcp_request(f, 3, want_other, sizeof(want_other), 0),
			  out, sizeof(out));
	CHECK_EQ(answer_type(out, n), 6);                       /* NAK */
	CHECK_EQ(d.state, NPD_OFFERED);
	n = np_dhcp_input(&d, f, (uint32_t)dhcp_request(f, 3, other_server,
							 sizeof(other_server), 0), out, sizeof(out));
	CHECK_EQ(n, 0);                                         /* another server's */
	n = np_dhcp_input(&d, f, (uint32_t)dhcp_request(f, 3, overrun, sizeof(overrun), 0),
			  out, sizeof(out));
	CHECK_EQ(n, 0);                                         /* option past the end */
	n = np_dhcp_input(&d, f, (uint32_t)dhcp_request(f, 3, want_ours, sizeof(want_ours), 200),
			  out, sizeof(out));
	CHECK_EQ(n, 0);                                         /* shorter than BOOTP */
	CHECK_EQ(d.state, NPD_OFFERED);
	n = np_dhcp_input(&d, f, (uint32_t)dhcp_request(f, 3, want_ours, sizeof(want_ours), 0),
			  out, sizeof(out));
	CHECK_EQ(answer_type(out, n), 5);                       /* ACK */
	CHECK_EQ(d.state, NPD_BOUND);
	n = np_dhcp_input(&d, f, (uint32_t)dhcp_request(f, 7, NULL, 0, 0), out, sizeof(out));
	CHECK_EQ(n, 0);
	CHECK_EQ(d.state, NPD_FREE);                            /* RELEASE */
	return 0;
}

/* ---- the TCP client alone, against a server played by hand ---- */

#define SRV_ISS 1000u

static uint8_t rx_keep[256];

static uint32_t client_open(struct np_tcp *c, uint8_t *out, const char *req)
{
	static const uint8_t lmac[6] = { 0x02, 0, 0x5e, 0, 0, 1 };
	struct np_tcp_params tp = {
		.lmac = lmac, .rmac = nic.mac, .lip = FAKE_PEER_IP, .rip = FAKE_OUR_IP,
		.lport = 40000, .rport = 80, .iss = 0xFFFFFFF0u,        /* wraps */
		.req = req, .req_len = (uint32_t)strlen(req), .rx = rx_keep,
		.rx_cap = sizeof(rx_keep),
	};

	return np_tcp_connect(c, &tp, 0, out, NP_FRAME_MAX);
}

/* A segment from the server (10.0.0.2:80) to the client. */
static uint32_t srv(uint8_t *f, uint32_t seq, uint32_t ack, uint8_t flags, const char *data)
{
	return (uint32_t)fake_tcp(f, nic.mac, FAKE_OUR_IP, FAKE_PEER_IP, 80, 40000, seq, ack,
				  flags, (const uint8_t *)data, data ? strlen(data) : 0);
}

/* The flags, seq and ack of the client's segment out (len bytes); -1 if none. */
static int seg_of(const uint8_t *out, uint32_t len, uint32_t *seq, uint32_t *ack,
		  uint32_t *dlen)
{
	struct np_ipv4 ip;

	if (len == 0 || np_ipv4_parse(out, len, &ip) < 0 || ip.proto != NP_PROTO_TCP ||
	    np_fold(np_sum(ip.l4, ip.l4_len, ip.l4_sum)) != 0)
		return -1;
	*seq = be32(ip.l4 + 4);
	*ack = be32(ip.l4 + 8);
	*dlen = ip.l4_len - (uint32_t)(ip.l4[12] >> 4) * 4;
	return ip.l4[13];
}

static int net_peer_tcp_exchange(void)
{
	static const char req[] = "GET / HTTP/1.1\r\n\r\n";
	uint8_t f[FAKE_FRAME_MAX], out[NP_FRAME_MAX], bad[FAKE_FRAME_MAX];
	uint32_t iss = 0xFFFFFFF0u, n, seq, ack, dlen, rlen = (uint32_t)strlen(req);
	struct np_tcp c;

	n = client_open(&c, out, req);
	CHECK_EQ(seg_of(out, n, &seq, &ack, &dlen), TCP_SYN);
	CHECK_EQ(seq, iss);
	/* no answer: the SYN again after the timeout, not before */
	CHECK_EQ(np_tcp_poll(&c, 100 * MS, out, sizeof(out)), 0);
	n = np_tcp_poll(&c, np_tcp_deadline(&c), out, sizeof(out));
	CHECK_EQ(seg_of(out, n, &seq, &ack, &dlen), TCP_SYN);
	CHECK_EQ(c.retransmits, 1);
	/* SYN+ACK: the ACK carries the request */
	n = np_tcp_input(&c, f, srv(f, SRV_ISS, iss + 1, TCP_SYN | TCP_ACK, NULL), MS, out,
			 sizeof(out));
	CHECK_EQ(seg_of(out, n, &seq, &ack, &dlen), TCP_ACK | TCP_PSH);
	CHECK_EQ(c.state, NPT_ESTABLISHED);
	CHECK_EQ(seq, iss + 1);
	CHECK_EQ(ack, SRV_ISS + 1);
	CHECK_EQ(dlen, rlen);
	/* a damaged segment: dropped, no answer */
	n = srv(bad, SRV_ISS + 1, iss + 1 + rlen, TCP_ACK, "HTTP");
	bad[n - 1] ^= 0x20;
	CHECK_EQ(np_tcp_input(&c, bad, n, MS, out, sizeof(out)), 0);
	CHECK_EQ(c.rx_total, 0);
	/* out of order (a gap before it): dropped, the last ACK repeated */
	n = np_tcp_input(&c, f, srv(f, SRV_ISS + 9, iss + 1 + rlen, TCP_ACK, "world"), MS, out,
			 sizeof(out));
	CHECK_EQ(seg_of(out, n, &seq, &ack, &dlen), TCP_ACK);
	CHECK_EQ(ack, SRV_ISS + 1);
	CHECK_EQ(c.rx_total, 0);
	/* in order: kept and acknowledged; the request is acknowledged too */
	n = np_tcp_input(&c, f, srv(f, SRV_ISS + 1, iss + 1 + rlen, TCP_ACK, "HTTP/1.1"), MS,
			 out, sizeof(out));
	CHECK_EQ(seg_of(out, n, &seq, &ack, &dlen), TCP_ACK);
	CHECK_EQ(ack, SRV_ISS + 9);
	CHECK_EQ(c.rx_total, 8);
	CHECK_EQ(np_tcp_deadline(&c), 0);                       /* nothing outstanding */
	/* overlapping the kept bytes: only the new part counts */
	n = np_tcp_input(&c, f, srv(f, SRV_ISS + 5, iss + 1 + rlen, TCP_ACK, "/1.1 200"), MS,
			 out, sizeof(out));
	CHECK_EQ(seg_of(out, n, &seq, &ack, &dlen), TCP_ACK);
	CHECK_EQ(ack, SRV_ISS + 13);
	CHECK(memcmp(rx_keep, "HTTP/1.1 200", 12) == 0);
	/* the server's FIN: our FIN with its ACK, then its ACK ends it */
	n = np_tcp_input(&c, f, srv(f, SRV_ISS + 13, iss + 1 + rlen, TCP_ACK | TCP_FIN, NULL),
			 MS, out, sizeof(out));
	CHECK_EQ(seg_of(out, n, &seq, &ack, &dlen), TCP_ACK | TCP_FIN);
	CHECK_EQ(c.state, NPT_LAST_ACK);
	CHECK_EQ(seq, iss + 1 + rlen);
	CHECK_EQ(ack, SRV_ISS + 14);
	/* lost ACK of our FIN: the FIN again */
	n = np_tcp_poll(&c, np_tcp_deadline(&c), out, sizeof(out));
	CHECK_EQ(seg_of(out, n, &seq, &ack, &dlen), TCP_ACK | TCP_FIN);
	np_tcp_input(&c, f, srv(f, SRV_ISS + 14, iss + 2 + rlen, TCP_ACK, NULL), MS, out,
		     sizeof(out));
	CHECK_EQ(c.state, NPT_DONE);
	CHECK_EQ(np_tcp_deadline(&c), 0);
	return 0;
}

static int net_peer_tcp_resets(void)
{
	uint8_t f[FAKE_FRAME_MAX], out[NP_FRAME_MAX];
	uint32_t iss = 0xFFFFFFF0u;
	struct np_tcp c;

	/* refused: RST+ACK for our SYN */
	client_open(&c, out, "x");
	CHECK_EQ(np_tcp_input(&c, f, srv(f, 0, iss + 7, TCP_RST | TCP_ACK, NULL), MS, out,
			      sizeof(out)), 0);
	CHECK_EQ(c.state, NPT_SYN_SENT);                        /* wrong ACK: ignored */
	np_tcp_input(&c, f, srv(f, 0, iss + 1, TCP_RST | TCP_ACK, NULL), MS, out, sizeof(out));
	CHECK_EQ(c.state, NPT_FAILED);
	CHECK_EQ(c.error, -ECONNREFUSED);
	/* reset when established: only at the edge of the window */
	client_open(&c, out, "x");
	np_tcp_input(&c, f, srv(f, SRV_ISS, iss + 1, TCP_SYN | TCP_ACK, NULL), MS, out,
		     sizeof(out));
	np_tcp_input(&c, f, srv(f, SRV_ISS + 500, iss + 2, TCP_RST, NULL), MS, out, sizeof(out));
	CHECK_EQ(c.state, NPT_ESTABLISHED);
	np_tcp_input(&c, f, srv(f, SRV_ISS + 1, iss + 2, TCP_RST, NULL), MS, out, sizeof(out));
	CHECK_EQ(c.error, -ECONNRESET);
	/* silence: the retries run out */
	client_open(&c, out, "x");
	for (int i = 0; i < 20 && c.state == NPT_SYN_SENT; i++)
		np_tcp_poll(&c, np_tcp_deadline(&c), out, sizeof(out));
	CHECK_EQ(c.state, NPT_FAILED);
	CHECK_EQ(c.error, -ETIMEDOUT);
	return 0;
}

/* ---- the HTTP answer reader ---- */

static int net_peer_http_read(void)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nServer: keel\r\nCONTENT-LENGTH: 28\r\n\r\n"
				 "<html><title>A\x01z</title>..";
	struct np_http_answer a;

	CHECK_EQ(np_http_read((const uint8_t *)ok, sizeof(ok) - 1, sizeof(ok) - 1 + 2, &a), 0);
	CHECK_EQ(a.status, 200);
	CHECK(strcmp(a.status_line, "HTTP/1.1 200 OK") == 0);
	CHECK_EQ(a.content_length, 28);
	CHECK_EQ(a.body_bytes, 28);                             /* 2 not kept, counted */
	CHECK(strcmp(a.title, "A?z") == 0);                     /* printable only */
	CHECK_EQ(np_http_read((const uint8_t *)ok, 20, 20, &a), -EINVAL);     /* no head end */
	CHECK_EQ(np_http_read((const uint8_t *)"HTTP/1.1 2x0 OK\r\n\r\n", 19, 19, &a), -EINVAL);
	CHECK_EQ(np_http_read((const uint8_t *)"HTTP/1.1 200 OK\r\n\r\n", 19, 19, &a), 0);
	CHECK_EQ(a.content_length, -1);
	CHECK_EQ(a.body_bytes, 0);
	CHECK(a.title[0] == '\0');
	return 0;
}

const struct unit_test net_peer_tests[] = {
	{ "net_peer_visit", net_peer_visit, QUICK },
	{ "net_peer_waits_for_ready", net_peer_waits_for_ready, QUICK },
	{ "net_peer_dhcp_server", net_peer_dhcp_server, QUICK },
	{ "net_peer_tcp_exchange", net_peer_tcp_exchange, QUICK },
	{ "net_peer_tcp_resets", net_peer_tcp_resets, QUICK },
	{ "net_peer_http_read", net_peer_http_read, QUICK },
	{ NULL, NULL, QUICK },
};
