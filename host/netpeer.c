/*
 * The L2 peer (host/netpeer.h): answers ARP (RFC 826) requests for its IPv4
 * address and ICMP echo requests (RFC 792) addressed to it, as any host on
 * the guest's virtual switch would. Frames from the guest are untrusted:
 * every length is checked before a field is read.
 */
#include <string.h>

#include "host/netpeer.h"

#define ETH_HDR     14u
#define ETH_ARP     0x0806u
#define ETH_IPV4    0x0800u
#define ARP_LEN     28u
#define IP_MIN      20u
#define ICMP_ECHO   8u
#define ICMP_REPLY  0u

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The Internet checksum (RFC 1071). */
static uint16_t inet_sum(const uint8_t *p, uint32_t len)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i + 1 < len; i += 2)
		s += be16(p + i);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)~s;
}

void netpeer_init(struct netpeer *p, int index)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };

	memset(p, 0, sizeof(*p));
	memcpy(p->mac, mac, sizeof(mac));
	p->mac[4] = (uint8_t)index;
	p->ip = NETPEER_IP;
}

static uint32_t arp_answer(struct netpeer *p, const uint8_t *f, uint32_t len, uint8_t *out)
{
	const uint8_t *a = f + ETH_HDR;

	if (len < ETH_HDR + ARP_LEN || be16(a) != 1 || be16(a + 2) != ETH_IPV4 || a[4] != 6 ||
	    a[5] != 4 || be16(a + 6) != 1 || be32(a + 24) != p->ip)
		return 0;
	memcpy(out, f + 6, 6);                  /* to the asker */
	memcpy(out + 6, p->mac, 6);
	put16(out + 12, ETH_ARP);
	put16(out + 14, 1);
	put16(out + 16, ETH_IPV4);
	out[18] = 6;
	out[19] = 4;
	put16(out + 20, 2);                     /* reply */
	memcpy(out + 22, p->mac, 6);
	put32(out + 28, p->ip);
	memcpy(out + 32, a + 8, 10);            /* the asker's MAC and IP */
	p->arps++;
	return ETH_HDR + ARP_LEN;
}

static uint32_t icmp_answer(struct netpeer *p, const uint8_t *f, uint32_t len, uint8_t *out,
			    uint32_t cap)
{
	const uint8_t *ip = f + ETH_HDR;
	uint32_t ihl, tot;
	uint8_t *oip, *icmp;

	if (len < ETH_HDR + IP_MIN || (ip[0] >> 4) != 4)
		return 0;
	ihl = (ip[0] & 0xFu) * 4u;
	tot = be16(ip + 2);
	if (ihl < IP_MIN || tot < ihl + 8 || tot > len - ETH_HDR || ETH_HDR + tot > cap ||
	    ip[9] != 1 || be32(ip + 16) != p->ip || ip[ihl] != ICMP_ECHO)
		return 0;
	memcpy(out, f + 6, 6);
	memcpy(out + 6, p->mac, 6);
	put16(out + 12, ETH_IPV4);
	oip = out + ETH_HDR;
	memcpy(oip, ip, tot);
	memcpy(oip + 12, ip + 16, 4);           /* swap addresses */
	memcpy(oip + 16, ip + 12, 4);
	oip[8] = 64;
	put16(oip + 10, 0);
	put16(oip + 10, inet_sum(oip, ihl));
	icmp = oip + ihl;
	icmp[0] = ICMP_REPLY;
	put16(icmp + 2, 0);
	put16(icmp + 2, inet_sum(icmp, tot - ihl));
	p->pings++;
	return ETH_HDR + tot;
}

uint32_t netpeer_input(struct netpeer *p, const uint8_t *frame, uint32_t len, uint8_t *out,
		       uint32_t cap)
{
	if (len < ETH_HDR || cap < ETH_HDR + ARP_LEN)
		return 0;
	switch (be16(frame + 12)) {
	case ETH_ARP:
		return arp_answer(p, frame, len, out);
	case ETH_IPV4:
		return icmp_answer(p, frame, len, out, cap);
	default:
		return 0;
	}
}
