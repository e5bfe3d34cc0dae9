/*
 * tests/unit/net_fake.h: a fake NIC driver for the network tests. It
 * attaches through net/netdev.h like a real driver, keeps every frame the
 * stack sends, and lets a test play the peer with hand-built frames
 * (Ethernet, ARP, IPv4, ICMP, UDP, TCP; checksums computed here).
 */
#ifndef KEEL_TEST_NET_FAKE_H
#define KEEL_TEST_NET_FAKE_H

#include <stddef.h>
#include <stdint.h>

#include "net/netdev.h"

#define FAKE_FRAMES   512
#define FAKE_FRAME_MAX 1600

struct fake_nic {
	struct netdev *nd;
	uint8_t mac[6];
	uint8_t frames[FAKE_FRAMES][FAKE_FRAME_MAX];
	size_t lens[FAKE_FRAMES];
	unsigned head, count;          /* sent frames not yet taken */
	unsigned dropped;              /* the ring was full */
	int stopped;                   /* while set, xmit answers -EAGAIN (no room) */
	unsigned refused;              /* frames answered -EAGAIN while stopped */
};

extern const uint8_t fake_peer_mac[6];
#define FAKE_PEER_IP 0x0a000001u   /* 10.0.0.1, host byte order */
#define FAKE_OUR_IP  0x0a000002u   /* 10.0.0.2 (ip= in the tests that set it) */

/* net_start, then attach a NIC (link up) and run until idle. 0 or -1. */
int fake_start(struct fake_nic *f);
/* Take the oldest frame the stack sent; its length, 0 when none. */
size_t fake_take(struct fake_nic *f, uint8_t *buf);
/* Feed one frame to the stack as received, and run. */
void fake_give(struct fake_nic *f, const uint8_t *frame, size_t len);

/* Builders: each writes a whole frame into buf and returns its length. */
size_t fake_arp_request(uint8_t *buf, uint32_t sender_ip, uint32_t target_ip);
size_t fake_ipv4(uint8_t *buf, const uint8_t *dst_mac, uint32_t src, uint32_t dst,
		 uint8_t proto, const uint8_t *payload, size_t len);
size_t fake_udp(uint8_t *buf, const uint8_t *dst_mac, uint32_t src, uint32_t dst,
		uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len);
size_t fake_tcp(uint8_t *buf, const uint8_t *dst_mac, uint32_t src, uint32_t dst,
		uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		uint8_t flags, const uint8_t *payload, size_t len);

/* IPv6 with an ICMPv6 payload whose checksum field (offset 2) is filled in
 * here (RFC 4443 pseudo-header); hop limit 255 as ND requires. */
size_t fake_icmp6(uint8_t *buf, const uint8_t *dst_mac, const uint8_t src[16],
		  const uint8_t dst[16], uint8_t *icmp, size_t len);

/* A TCP client played by hand-built segments: connects from 10.0.0.1:40000
 * to port 80 of 10.0.0.2, sends `request`, acknowledges everything in order
 * and collects the answer (the first resp_max bytes; total counts all)
 * until the server's FIN. 0, or -1 (reset, bad checksum, no answer). */
struct fake_client {
	uint32_t snd_nxt, rcv_nxt;
	int fin;
	uint8_t *resp;
	size_t resp_max, resp_len;
	uint64_t total, segments;
	const char *extra;          /* sent right after the request, if set */
};
int fake_http_get(struct fake_nic *f, struct fake_client *cl, const char *request);
/* The handshake alone (SYN, SYN-ACK; the ACK rides on the next segment). */
int fake_tcp_connect(struct fake_nic *f, struct fake_client *cl);
/* Take the server's segments as fake_http_get does: how many, or -1. */
int fake_tcp_recv(struct fake_nic *f, struct fake_client *cl);

/* DHCP (RFC 2131): the BOOTP offsets, what the scripted server offers
 * (10.0.0.50/24, router and server 10.0.0.1, DNS 10.0.0.53, 1 h lease). */
#define BOOTP_XID     4
#define BOOTP_YIADDR  16
#define BOOTP_CHADDR  28
#define BOOTP_COOKIE  236
#define BOOTP_OPTIONS 240
#define FAKE_DHCP_LEN 300
#define FAKE_OFFERED    0x0a000032u
#define FAKE_DNS_SERVER 0x0a000035u
/* The next DHCP message the stack sent (UDP 68 -> 67): its BOOTP part
 * inside buf, or NULL; *len its length. */
const uint8_t *fake_dhcp_take(struct fake_nic *f, uint8_t *buf, size_t *len);
/* A server reply of DHCP message type `type` (2 OFFER, 5 ACK) into m. */
void fake_dhcp_reply(const struct fake_nic *f, uint8_t m[FAKE_DHCP_LEN], uint32_t xid,
		     uint8_t type);
/* m as a broadcast UDP frame from the server, 67 -> 68. */
size_t fake_dhcp_frame(const struct fake_nic *f, uint8_t *frame, const uint8_t *m, size_t len);

/* Accessors on a received frame (big-endian fields). */
static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
/* The Internet checksum (RFC 1071) of data, starting from sum. */
uint16_t fake_csum(const uint8_t *data, size_t len, uint32_t sum);

#define ETH_HDR 14
#define IP_HDR  20
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

#endif
