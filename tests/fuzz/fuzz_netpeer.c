/*
 * Fuzz target "netpeer": keel-host's built-in network peer (host/netpeer_*.c)
 * over frames from the guest. The peer is led through its phases (a lease
 * handed out by a well-formed DHCP exchange built here, then time passing:
 * pings, then the page fetch), and every input frame goes to it in turn,
 * and also to a TCP client already connected (np_tcp_input), the IPv4
 * parser (whose view must lie inside the frame) and the HTTP answer reader.
 *
 * Input: frames, each a 16-bit little-endian length and that many bytes
 * (a short last one takes what is left). Each frame is read from an
 * exact-size copy, so AddressSanitizer sees any read past what the guest
 * sent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/netpeer_probe.h"
#include "host/netpeer_wire.h"

#define STEP_NS 300000000ull            /* virtual time per frame */

static const uint8_t guest_mac[6] = { 0x00, 0x15, 0x5d, 0x00, 0x00, 0x06 };

static void drop(void *ctx, const uint8_t *frame, uint32_t len)
{
	(void)ctx;
	(void)frame;
	if (len > NP_FRAME_MAX)
		__builtin_trap();       /* the peer never builds more than a frame */
}

/* A DHCP REQUEST for the lease from the guest's MAC, as lwIP sends it. */
static uint32_t dhcp_request(uint8_t *f)
{
	uint8_t *m;
	uint32_t off = np_ipv4_frame(f, NP_FRAME_MAX, (const uint8_t *)"\xff\xff\xff\xff\xff\xff",
				     guest_mac, 0, 0xFFFFFFFFu, NP_PROTO_UDP, 8 + 300);

	memset(f + off, 0, 8 + 300);
	np_put16(f + off, 68);
	np_put16(f + off + 2, 67);
	np_put16(f + off + 4, 8 + 300);
	m = f + off + 8;
	m[0] = 1;
	m[1] = 1;
	m[2] = 6;
	memcpy(m + 28, guest_mac, 6);
	np_put32(m + 236, 0x63825363u);
	memcpy(m + 240, "\x35\x01\x03\x32\x04\x0a\x00\x02\x0f\xff", 10);
	return off + 8 + 300;
}

/* A SYN+ACK from the guest's port 80 for c's SYN. */
static uint32_t syn_ack(const struct np_tcp *c, uint8_t *f)
{
	uint32_t off = np_ipv4_frame(f, NP_FRAME_MAX, c->lmac, c->rmac, c->rip, c->lip,
				     NP_PROTO_TCP, 20);
	uint8_t *t = f + off;

	memset(t, 0, 20);
	np_put16(t, c->rport);
	np_put16(t + 2, c->lport);
	np_put32(t + 4, 5000);
	np_put32(t + 8, c->iss + 1);
	t[12] = 5 << 4;
	t[13] = 0x12;
	np_put16(t + 14, 65535);
	np_put16(t + 16, np_fold(np_sum(t, 20, np_pseudo_sum(f, 20))));
	return off + 20;
}

static void one_frame(struct np_probe *p, struct np_tcp *c, const uint8_t *d, uint32_t n,
		      uint64_t now)
{
	uint8_t *f = malloc(n ? n : 1), out[NP_FRAME_MAX];
	struct np_http_answer a;
	struct np_ipv4 ip;

	memcpy(f, d, n);
	if (np_ipv4_parse(f, n, &ip) == 0 && (ip.l4 < f || ip.l4 + ip.l4_len > f + n))
		__builtin_trap();
	np_probe_input(p, f, n, now);
	np_probe_run(p, now);
	if (np_tcp_input(c, f, n, now, out, sizeof(out)) > sizeof(out))
		__builtin_trap();
	if (np_http_read(f, n, n, &a) == 0 && a.body_bytes > n)
		__builtin_trap();
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct np_probe p;
	static uint8_t keep[512];
	struct np_probe_io io = { .send = drop };
	struct np_tcp_params tp = {
		.lmac = (const uint8_t *)"\x02\x00\x5e\x00\x00\x01", .rmac = guest_mac,
		.lip = NP_PEER_IP, .rip = NP_LEASE_IP, .lport = 41000, .rport = 80,
		.iss = 77, .req = "GET / HTTP/1.1\r\n\r\n", .req_len = 18,
		.rx = keep, .rx_cap = sizeof(keep),
	};
	uint8_t f[NP_FRAME_MAX], out[NP_FRAME_MAX];
	struct np_tcp c;
	uint64_t now = 1;
	size_t i = 0;

	np_probe_init(&p, &io);
	np_probe_start(&p, now);
	np_probe_input(&p, f, dhcp_request(f), now);
	np_tcp_connect(&c, &tp, now, out, sizeof(out));
	np_tcp_input(&c, f, syn_ack(&c, f), now, out, sizeof(out));
	while (i + 2 <= n) {
		uint32_t len = (uint32_t)d[i] | (uint32_t)d[i + 1] << 8;

		i += 2;
		if (len > n - i)
			len = (uint32_t)(n - i);
		now += STEP_NS;
		one_frame(&p, &c, d + i, len, now);
		i += len;
	}
	return 0;
}
