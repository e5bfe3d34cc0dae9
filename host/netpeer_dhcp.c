/*
 * The built-in peer's DHCP server (host/netpeer_dhcp.h). A request is
 * copied out of the guest's frame into a fixed BOOTP buffer, checked
 * (op, hardware type and length, magic cookie, a message type option whose
 * options all lie inside the packet) and only then answered.
 */
#include <errno.h>
#include <string.h>

#include "host/netpeer_dhcp.h"
#include "host/netpeer_wire.h"

#define DHCP_SERVER_PORT 67u
#define DHCP_CLIENT_PORT 68u
#define BOOTP_FIXED      236u           /* op .. file, before the cookie */
#define BOOTP_MAX        576u           /* what a client must accept (RFC 2131 2) */
#define BOOTP_XID        4u
#define BOOTP_FLAGS      10u
#define BOOTP_CIADDR     12u
#define BOOTP_YIADDR     16u
#define BOOTP_SIADDR     20u
#define BOOTP_CHADDR     28u
#define DHCP_COOKIE      0x63825363u
#define OPT_PAD          0u
#define OPT_NETMASK      1u
#define OPT_ROUTER       3u
#define OPT_REQUESTED_IP 50u
#define OPT_LEASE_TIME   51u
#define OPT_MSG_TYPE     53u
#define OPT_SERVER_ID    54u
#define OPT_END          255u

enum dhcp_msg { DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK, DHCPNAK,
		DHCPRELEASE };

/* A request, copied and checked. */
struct dhcp_req {
	uint8_t m[BOOTP_MAX];
	uint32_t len;
	uint8_t type;
	uint32_t requested, server_id;  /* 0 when absent */
};

void np_dhcp_init(struct np_dhcp *d, const uint8_t mac[6], uint32_t server_ip,
		  uint32_t lease_ip, uint32_t netmask)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->server_mac, mac, 6);
	d->server_ip = server_ip;
	d->lease_ip = lease_ip;
	d->netmask = netmask;
	d->lease_s = 86400;
}

/* The options of r->m: the message type, requested address and server id.
 * 0, or -EINVAL when an option runs past the packet or no type is given. */
static int dhcp_options(struct dhcp_req *r)
{
	uint32_t i = BOOTP_FIXED + 4;

	while (i < r->len && r->m[i] != OPT_END) {
		uint8_t code = r->m[i], olen;

		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (i + 2 > r->len || i + 2u + r->m[i + 1] > r->len)
			return -EINVAL;
		olen = r->m[i + 1];
		if (code == OPT_MSG_TYPE && olen == 1)
			r->type = r->m[i + 2];
		else if (code == OPT_REQUESTED_IP && olen == 4)
			r->requested = np_be32(r->m + i + 2);
		else if (code == OPT_SERVER_ID && olen == 4)
			r->server_id = np_be32(r->m + i + 2);
		i += 2u + olen;
	}
	return r->type ? 0 : -EINVAL;
}

/* Copy the BOOTP request out of the frame, then check it. */
static int dhcp_parse(const uint8_t *frame, uint32_t len, struct dhcp_req *r)
{
	struct np_ipv4 ip;
	uint32_t ulen;

	memset(r, 0, sizeof(*r));
	if (np_ipv4_parse(frame, len, &ip) < 0 || ip.proto != NP_PROTO_UDP ||
	    ip.l4_len < NP_UDP_HDR || np_be16(ip.l4 + 2) != DHCP_SERVER_PORT ||
	    np_be16(ip.l4) != DHCP_CLIENT_PORT)
		return -EINVAL;
	ulen = np_be16(ip.l4 + 4);
	if (ulen < NP_UDP_HDR || ulen > ip.l4_len)
		return -EINVAL;
	r->len = ulen - NP_UDP_HDR;
	if (r->len < BOOTP_FIXED + 4 || r->len > sizeof(r->m))
		return -EINVAL;
	memcpy(r->m, ip.l4 + NP_UDP_HDR, r->len);
	if (r->m[0] != 1 || r->m[1] != 1 || r->m[2] != 6 ||
	    np_be32(r->m + BOOTP_FIXED) != DHCP_COOKIE)
		return -EINVAL;         /* a BOOTREQUEST from Ethernet, with DHCP options */
	return dhcp_options(r);
}

/* The diagram is in netpeer_dhcp.h; returns the answer's message type, or
 * 0 for none. */
static uint8_t dhcp_transition(struct np_dhcp *d, const struct dhcp_req *r)
{
	bool ours = r->requested ? r->requested == d->lease_ip :
		    np_be32(r->m + BOOTP_CIADDR) == d->lease_ip;

	switch (r->type) {
	case DHCPDISCOVER:
		d->discovers++;
		memcpy(d->client_mac, r->m + BOOTP_CHADDR, 6);
		d->state = NPD_OFFERED;
		return DHCPOFFER;
	case DHCPREQUEST:
		d->requests++;
		if (r->server_id && r->server_id != d->server_ip)
			return 0;       /* the client chose another server */
		if (!ours) {
			d->naks++;
			return DHCPNAK;
		}
		memcpy(d->client_mac, r->m + BOOTP_CHADDR, 6);
		d->state = NPD_BOUND;
		d->acks++;
		return DHCPACK;
	case DHCPRELEASE:
	case DHCPDECLINE:
		d->state = NPD_FREE;
		return 0;
	default:
		d->dropped++;
		return 0;
	}
}

static uint32_t put_opt32(uint8_t *o, uint8_t code, uint32_t v)
{
	o[0] = code;
	o[1] = 4;
	np_put32(o + 2, v);
	return 6;
}

/* The answer: BOOTREPLY to the client's MAC, broadcast at IP level (the
 * client has no address yet; RFC 2131 4.1). */
static uint32_t dhcp_answer(struct np_dhcp *d, const struct dhcp_req *r, uint8_t type,
			    uint8_t *out, uint32_t cap)
{
	uint32_t blen = 300, off, n;    /* the classic BOOTP minimum */
	uint16_t sum;
	uint8_t *m, *u;

	off = np_ipv4_frame(out, cap, r->m + BOOTP_CHADDR, d->server_mac, d->server_ip,
			    0xFFFFFFFFu, NP_PROTO_UDP, NP_UDP_HDR + blen);
	if (!off)
		return 0;
	u = out + off;
	m = u + NP_UDP_HDR;
	memset(m, 0, blen);
	m[0] = 2;                                       /* BOOTREPLY */
	m[1] = 1;
	m[2] = 6;
	memcpy(m + BOOTP_XID, r->m + BOOTP_XID, 4);
	memcpy(m + BOOTP_FLAGS, r->m + BOOTP_FLAGS, 2);
	if (type != DHCPNAK) {
		np_put32(m + BOOTP_YIADDR, d->lease_ip);
		np_put32(m + BOOTP_SIADDR, d->server_ip);
	}
	memcpy(m + BOOTP_CHADDR, r->m + BOOTP_CHADDR, 16);
	np_put32(m + BOOTP_FIXED, DHCP_COOKIE);
	n = BOOTP_FIXED + 4;
	m[n++] = OPT_MSG_TYPE;
	m[n++] = 1;
	m[n++] = type;
	n += put_opt32(m + n, OPT_SERVER_ID, d->server_ip);
	if (type != DHCPNAK) {
		n += put_opt32(m + n, OPT_LEASE_TIME, d->lease_s);
		n += put_opt32(m + n, OPT_NETMASK, d->netmask);
		n += put_opt32(m + n, OPT_ROUTER, d->server_ip);
	}
	m[n] = OPT_END;                 /* the rest of blen stays padding */
	np_put16(u, DHCP_SERVER_PORT);
	np_put16(u + 2, DHCP_CLIENT_PORT);
	np_put16(u + 4, (uint16_t)(NP_UDP_HDR + blen));
	np_put16(u + 6, 0);
	sum = np_fold(np_sum(u, NP_UDP_HDR + blen, np_pseudo_sum(out, NP_UDP_HDR + blen)));
	np_put16(u + 6, sum ? sum : 0xFFFF);    /* 0 would mean "no checksum" */
	return off + NP_UDP_HDR + blen;
}

uint32_t np_dhcp_input(struct np_dhcp *d, const uint8_t *frame, uint32_t len,
		       uint8_t *out, uint32_t cap)
{
	enum np_dhcp_state was = d->state;
	struct dhcp_req r;
	uint32_t n = 0;
	uint8_t type;

	if (dhcp_parse(frame, len, &r) < 0)
		return 0;
	type = dhcp_transition(d, &r);
	if (type)
		n = dhcp_answer(d, &r, type, out, cap);
	if (type == DHCPACK && !n)
		d->state = was;         /* no ACK left here: nothing is leased */
	return n;
}
