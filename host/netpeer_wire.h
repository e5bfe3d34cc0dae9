/*
 * The built-in network peer's wire formats (keel-host --nic peer): the
 * Ethernet, IPv4 (RFC 791), ICMP (RFC 792), UDP (RFC 768) and TCP
 * (RFC 9293) header offsets its modules read and write, big-endian field
 * helpers, the Internet checksum (RFC 1071), and the one checked parser of
 * an IPv4 frame from the guest (host/netpeer_wire.c).
 *
 * Everything from the guest is untrusted: np_ipv4_parse checks every length
 * before the caller reads a field, and callers read only inside the view it
 * returns.
 */
#ifndef KEEL_HOST_NETPEER_WIRE_H
#define KEEL_HOST_NETPEER_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#define NP_ETH_HDR      14u
#define NP_ETH_IPV4     0x0800u
#define NP_ETH_ARP      0x0806u
#define NP_IP_HDR       20u             /* what we send: no options */
#define NP_UDP_HDR      8u
#define NP_TCP_HDR      20u
#define NP_FRAME_MAX    1514u           /* Ethernet without FCS at MTU 1500 */
#define NP_PROTO_ICMP   1u
#define NP_PROTO_TCP    6u
#define NP_PROTO_UDP    17u

static inline uint16_t np_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t np_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void np_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void np_put32(uint8_t *p, uint32_t v)
{
	np_put16(p, (uint16_t)(v >> 16));
	np_put16(p + 2, (uint16_t)v);
}

/* An IPv4 packet inside a guest frame, checked: the header, its options
 * and the payload lie inside the frame; the payload is what the IP total
 * length says (Ethernet padding excluded). */
struct np_ipv4 {
	const uint8_t *src_mac;
	uint32_t src, dst;              /* host order */
	uint8_t proto;
	const uint8_t *l4;              /* the payload */
	uint32_t l4_len;
	uint32_t l4_sum;                /* pseudo-header sum for l4's checksum */
};

/* 0, or -EINVAL for anything but an unfragmented IPv4 packet with a good
 * header checksum. */
int np_ipv4_parse(const uint8_t *frame, uint32_t len, struct np_ipv4 *ip);

/* The one's-complement sum of data added to sum, not yet folded. */
uint32_t np_sum(const uint8_t *data, uint32_t len, uint32_t sum);
/* Fold and complement: the checksum field's value. */
uint16_t np_fold(uint32_t sum);

/* Ethernet and IPv4 headers for a packet of payload_len bytes of proto;
 * returns the offset of the payload (the caller writes it), or 0 when the
 * packet would not fit in cap. */
uint32_t np_ipv4_frame(uint8_t *out, uint32_t cap, const uint8_t *dst_mac,
		       const uint8_t *src_mac, uint32_t src, uint32_t dst, uint8_t proto,
		       uint32_t payload_len);
/* The TCP/UDP pseudo-header sum (RFC 9293 3.1) of a packet np_ipv4_frame
 * wrote into out. */
uint32_t np_pseudo_sum(const uint8_t *out, uint32_t payload_len);

#endif
