/*
 * The built-in peer's IPv4 framing (host/netpeer_wire.h): the checked parse
 * of a guest frame and the headers of the peer's own packets.
 */
#include <errno.h>
#include <string.h>

#include "host/netpeer_wire.h"

uint32_t np_sum(const uint8_t *data, uint32_t len, uint32_t sum)
{
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += np_be16(data + i);
	if (len & 1)
		sum += (uint32_t)data[len - 1] << 8;
	return sum;
}

uint16_t np_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

int np_ipv4_parse(const uint8_t *frame, uint32_t len, struct np_ipv4 *ip)
{
	const uint8_t *h = frame + NP_ETH_HDR;
	uint32_t ihl, tot;

	if (len < NP_ETH_HDR + NP_IP_HDR || np_be16(frame + 12) != NP_ETH_IPV4 ||
	    (h[0] >> 4) != 4)
		return -EINVAL;
	ihl = (h[0] & 0xFu) * 4u;
	tot = np_be16(h + 2);
	/* the total length bounds the payload; a frame may carry padding */
	if (ihl < NP_IP_HDR || tot < ihl || tot > len - NP_ETH_HDR)
		return -EINVAL;
	if ((np_be16(h + 6) & 0x3FFFu) != 0 || np_fold(np_sum(h, ihl, 0)) != 0)
		return -EINVAL;         /* a fragment, or a damaged header */
	ip->src_mac = frame + 6;
	ip->src = np_be32(h + 12);
	ip->dst = np_be32(h + 16);
	ip->proto = h[9];
	ip->l4 = h + ihl;
	ip->l4_len = tot - ihl;
	ip->l4_sum = np_sum(h + 12, 8, 0) + ip->proto + ip->l4_len;
	return 0;
}

uint32_t np_ipv4_frame(uint8_t *out, uint32_t cap, const uint8_t *dst_mac,
		       const uint8_t *src_mac, uint32_t src, uint32_t dst, uint8_t proto,
		       uint32_t payload_len)
{
	uint8_t *h = out + NP_ETH_HDR;

	if (payload_len > NP_FRAME_MAX - NP_ETH_HDR - NP_IP_HDR ||
	    cap < NP_ETH_HDR + NP_IP_HDR + payload_len)
		return 0;
	memcpy(out, dst_mac, 6);
	memcpy(out + 6, src_mac, 6);
	np_put16(out + 12, NP_ETH_IPV4);
	memset(h, 0, NP_IP_HDR);
	h[0] = 0x45;
	np_put16(h + 2, (uint16_t)(NP_IP_HDR + payload_len));
	/* an atomic datagram (don't fragment): its identification field is
	 * free to be zero (RFC 6864 4.1) */
	np_put16(h + 4, 0);
	np_put16(h + 6, 0x4000);
	h[8] = 64;
	h[9] = proto;
	np_put32(h + 12, src);
	np_put32(h + 16, dst);
	np_put16(h + 10, np_fold(np_sum(h, NP_IP_HDR, 0)));
	return NP_ETH_HDR + NP_IP_HDR;
}

uint32_t np_pseudo_sum(const uint8_t *out, uint32_t payload_len)
{
	const uint8_t *h = out + NP_ETH_HDR;

	return np_sum(h + 12, 8, 0) + h[9] + payload_len;
}
