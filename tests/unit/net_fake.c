/*
 * tests/unit/net_fake.c: the fake NIC and frame builders of net_fake.h.
 */
#include "tests/unit/net_fake.h"

#include <errno.h>
#include <string.h>

#include "net/net.h"
#include "tests/unit/harness.h"

const uint8_t fake_peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

static int fake_xmit(void *drv, const void *frame, size_t len)
{
	struct fake_nic *f = drv;
	unsigned at;

	if (f->stopped) {
		f->refused++;
		return -EAGAIN;
	}
	if (f->count == FAKE_FRAMES || len > FAKE_FRAME_MAX) {
		f->dropped++;
		return -EAGAIN;
	}
	at = (f->head + f->count) % FAKE_FRAMES;
	memcpy(f->frames[at], frame, len);
	f->lens[at] = len;
	f->count++;
	return 0;
}

static const struct netdev_ops fake_ops = { .xmit = fake_xmit };

int fake_start(struct fake_nic *f)
{
	struct netdev_info info = { .mtu = 1500, .nchannels = 1 };
	static const uint8_t mac[6] = { 0x00, 0x15, 0x5d, 0x00, 0x00, 0x02 };

	memcpy(f->mac, mac, 6);
	memcpy(info.mac, mac, 6);
	if (net_start() < 0)
		return -1;
	f->nd = netdev_attach(&info, &fake_ops, f);
	if (f->nd == NULL)
		return -1;
	netdev_link(f->nd, true);
	t_run();
	return 0;
}

size_t fake_take(struct fake_nic *f, uint8_t *buf)
{
	size_t len;

	if (f->count == 0)
		return 0;
	len = f->lens[f->head];
	memcpy(buf, f->frames[f->head], len);
	f->head = (f->head + 1) % FAKE_FRAMES;
	f->count--;
	return len;
}

void fake_give(struct fake_nic *f, const uint8_t *frame, size_t len)
{
	netdev_input(f->nd, frame, len);
	t_run();
}

uint16_t fake_csum(const uint8_t *data, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += be16(data + i);
	if (len & 1)
		sum += (uint32_t)data[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t fake_eth(uint8_t *buf, const uint8_t *dst, uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, fake_peer_mac, 6);
	put16(buf + 12, type);
	return ETH_HDR;
}

size_t fake_arp_request(uint8_t *buf, uint32_t sender_ip, uint32_t target_ip)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = buf + fake_eth(buf, bcast, 0x0806);

	put16(a, 1);                    /* Ethernet */
	put16(a + 2, 0x0800);           /* IPv4 */
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);                /* request */
	memcpy(a + 8, fake_peer_mac, 6);
	put32(a + 14, sender_ip);
	memset(a + 18, 0, 6);
	put32(a + 24, target_ip);
	return ETH_HDR + 28;
}

size_t fake_ipv4(uint8_t *buf, const uint8_t *dst_mac, uint32_t src, uint32_t dst,
		 uint8_t proto, const uint8_t *payload, size_t len)
{
	uint8_t *ip = buf + fake_eth(buf, dst_mac, 0x0800);

	memset(ip, 0, IP_HDR);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(IP_HDR + len));
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, fake_csum(ip, IP_HDR, 0));
	memcpy(ip + IP_HDR, payload, len);
	return ETH_HDR + IP_HDR + len;
}

/* The TCP/UDP pseudo-header sum (RFC 793, RFC 768). */
static uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
	       proto + (uint32_t)len;
}

size_t fake_udp(uint8_t *buf, const uint8_t *dst_mac, uint32_t src, uint32_t dst,
		uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len)
{
	uint8_t seg[FAKE_FRAME_MAX];
	uint16_t sum;

	put16(seg, sport);
	put16(seg + 2, dport);
	put16(seg + 4, (uint16_t)(8 + len));
	put16(seg + 6, 0);
	memcpy(seg + 8, payload, len);
	sum = fake_csum(seg, 8 + len, pseudo_sum(src, dst, 17, 8 + len));
	put16(seg + 6, sum ? sum : 0xffff);
	return fake_ipv4(buf, dst_mac, src, dst, 17, seg, 8 + len);
}

size_t fake_tcp(uint8_t *buf, const uint8_t *dst_mac, uint32_t src, uint32_t dst,
		uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		uint8_t flags, const uint8_t *payload, size_t len)
{
	uint8_t seg[FAKE_FRAME_MAX];
	size_t hl = (flags & TCP_SYN) ? 24 : 20;

	memset(seg, 0, hl);
	put16(seg, sport);
	put16(seg + 2, dport);
	put32(seg + 4, seq);
	put32(seg + 8, ack);
	seg[12] = (uint8_t)((hl / 4) << 4);
	seg[13] = flags;
	put16(seg + 14, 65535);         /* window */
	if (flags & TCP_SYN) {          /* MSS option: 1460 */
		seg[20] = 2;
		seg[21] = 4;
		put16(seg + 22, 1460);
	}
	if (len > 0)
		memcpy(seg + hl, payload, len);
	put16(seg + 16, fake_csum(seg, hl + len, pseudo_sum(src, dst, 6, hl + len)));
	return fake_ipv4(buf, dst_mac, src, dst, 6, seg, hl + len);
}

size_t fake_icmp6(uint8_t *buf, const uint8_t *dst_mac, const uint8_t src[16],
		  const uint8_t dst[16], uint8_t *icmp, size_t len)
{
	uint8_t *ip = buf + fake_eth(buf, dst_mac, 0x86dd);
	uint32_t sum = 0;

	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)len);
	ip[6] = 58;                     /* ICMPv6 */
	ip[7] = 255;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	for (int i = 0; i < 32; i += 2)
		sum += be16(ip + 8 + i);
	sum += (uint32_t)len + 58;
	put16(icmp + 2, 0);
	put16(icmp + 2, fake_csum(icmp, len, sum));
	memcpy(ip + 40, icmp, len);
	return ETH_HDR + 40 + len;
}

#define CLIENT_PORT 40000

static void client_send(struct fake_nic *f, struct fake_client *cl, uint8_t flags,
			const void *data, size_t len)
{
	uint8_t fr[FAKE_FRAME_MAX];

	fake_give(f, fr, fake_tcp(fr, f->mac, FAKE_PEER_IP, FAKE_OUR_IP, CLIENT_PORT, 80,
				  cl->snd_nxt, cl->rcv_nxt, flags, data, len));
	cl->snd_nxt += (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
}

/* Take the server's segments: in-order data is kept, FIN noted. Returns
 * how many segments arrived, or -1 for a RST or a bad checksum. */
static int client_recv(struct fake_nic *f, struct fake_client *cl, uint32_t *syn_seq)
{
	uint8_t fr[FAKE_FRAME_MAX];
	int segs = 0;

	while (fake_take(f, fr) != 0) {
		const uint8_t *ip = fr + ETH_HDR, *t = ip + IP_HDR;
		size_t tl, hl, dl;
		uint32_t seq, sum;

		if (be16(fr + 12) != 0x0800 || ip[9] != 6)
			continue;
		tl = be16(ip + 2) - IP_HDR;
		hl = (size_t)(t[12] >> 4) * 4;
		dl = tl - hl;
		sum = pseudo_sum(FAKE_OUR_IP, FAKE_PEER_IP, 6, tl);
		if (fake_csum(t, tl, sum) != 0 || (t[13] & TCP_RST))
			return -1;
		segs++;
		cl->segments++;
		seq = be32(t + 4);
		if (t[13] & TCP_SYN) {
			*syn_seq = seq;
			continue;
		}
		if (seq != cl->rcv_nxt)
			continue;           /* a retransmission or out of order */
		if (dl > 0) {
			size_t keep = cl->resp_max - cl->resp_len;

			if (keep > dl)
				keep = dl;
			memcpy(cl->resp + cl->resp_len, t + hl, keep);
			cl->resp_len += keep;
			cl->total += dl;
			cl->rcv_nxt += (uint32_t)dl;
		}
		if (t[13] & TCP_FIN) {
			cl->fin = 1;
			cl->rcv_nxt++;
		}
	}
	return segs;
}

int fake_tcp_recv(struct fake_nic *f, struct fake_client *cl)
{
	uint32_t syn_seq = 0;

	return client_recv(f, cl, &syn_seq);
}

int fake_tcp_connect(struct fake_nic *f, struct fake_client *cl)
{
	uint32_t syn_seq = 0;

	cl->snd_nxt = 1000;
	cl->rcv_nxt = 0;
	client_send(f, cl, TCP_SYN, NULL, 0);
	if (client_recv(f, cl, &syn_seq) < 1)
		return -1;
	cl->rcv_nxt = syn_seq + 1;
	return 0;
}

int fake_http_get(struct fake_nic *f, struct fake_client *cl, const char *request)
{
	uint32_t syn_seq = 0;

	if (fake_tcp_connect(f, cl) < 0)
		return -1;
	client_send(f, cl, TCP_ACK | TCP_PSH, request, strlen(request));
	if (cl->extra != NULL)
		client_send(f, cl, TCP_ACK | TCP_PSH, cl->extra, strlen(cl->extra));
	/* one acknowledgement per millisecond of virtual time; a stalled
	 * server gives up after 5000 rounds */
	for (unsigned idle = 0; !cl->fin && idle < 5000; idle++) {
		int n;

		t_run_for(1 * MS);
		n = client_recv(f, cl, &syn_seq);
		if (n < 0)
			return -1;
		if (n > 0)
			idle = 0;
		client_send(f, cl, TCP_ACK, NULL, 0);
	}
	if (!cl->fin)
		return -1;
	client_send(f, cl, TCP_ACK | TCP_FIN, NULL, 0);
	t_run_for(10 * MS);
	return 0;
}

const uint8_t *fake_dhcp_take(struct fake_nic *f, uint8_t *buf, size_t *len)
{
	size_t n;

	while ((n = fake_take(f, buf)) != 0) {
		const uint8_t *ip = buf + ETH_HDR;

		if (n < ETH_HDR + IP_HDR + 8 + BOOTP_OPTIONS || be16(buf + 12) != 0x0800 ||
		    ip[9] != 17 || be16(ip + IP_HDR + 2) != 67)
			continue;
		*len = n - ETH_HDR - IP_HDR - 8;
		return ip + IP_HDR + 8;
	}
	return NULL;
}

void fake_dhcp_reply(const struct fake_nic *f, uint8_t m[FAKE_DHCP_LEN], uint32_t xid,
		     uint8_t type)
{
	uint8_t *o = m + BOOTP_OPTIONS;

	memset(m, 0, FAKE_DHCP_LEN);
	m[0] = 2;                           /* BOOTREPLY */
	m[1] = 1;
	m[2] = 6;
	put32(m + BOOTP_XID, xid);
	put32(m + BOOTP_YIADDR, FAKE_OFFERED);
	memcpy(m + BOOTP_CHADDR, f->mac, 6);
	put32(m + BOOTP_COOKIE, 0x63825363);
	*o++ = 53; *o++ = 1; *o++ = type;
	*o++ = 54; *o++ = 4; put32(o, FAKE_PEER_IP); o += 4;
	*o++ = 51; *o++ = 4; put32(o, 3600); o += 4;
	*o++ = 1;  *o++ = 4; put32(o, 0xffffff00); o += 4;
	*o++ = 3;  *o++ = 4; put32(o, FAKE_PEER_IP); o += 4;
	*o++ = 6;  *o++ = 4; put32(o, FAKE_DNS_SERVER); o += 4;
	*o++ = 255;
}

size_t fake_dhcp_frame(const struct fake_nic *f, uint8_t *frame, const uint8_t *m, size_t len)
{
	return fake_udp(frame, f->mac, FAKE_PEER_IP, 0xffffffffu, 67, 68, m, len);
}
