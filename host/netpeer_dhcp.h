/*
 * The built-in peer's DHCP server (RFC 2131, options RFC 2132): one lease
 * for one client on the peer's link. The guest's DISCOVER gets an OFFER of
 * the lease address, its REQUEST for that address from this server an ACK
 * (anything else a NAK), its RELEASE frees the lease.
 *
 * Lease states, one transition function (netpeer_dhcp.c dhcp_transition):
 *
 *   FREE --DISCOVER--> OFFERED --REQUEST (ours)--> BOUND
 *     ^                   |                          |
 *     +---- RELEASE ------+------ RELEASE -----------+
 *   A DISCOVER or REQUEST in any state is answered afresh (the guest
 *   rebooted, or its interface came back).
 */
#ifndef KEEL_HOST_NETPEER_DHCP_H
#define KEEL_HOST_NETPEER_DHCP_H

#include <stdint.h>

enum np_dhcp_state { NPD_FREE, NPD_OFFERED, NPD_BOUND };

struct np_dhcp {
	uint8_t server_mac[6];
	uint32_t server_ip, lease_ip, netmask;  /* host order; the router is the server */
	uint32_t lease_s;                       /* lease time offered */
	enum np_dhcp_state state;
	uint8_t client_mac[6];                  /* the last client (valid once OFFERED) */
	uint64_t discovers, requests, acks, naks, dropped;
};

void np_dhcp_init(struct np_dhcp *d, const uint8_t mac[6], uint32_t server_ip,
		  uint32_t lease_ip, uint32_t netmask);
/* A frame from the guest: the answer's length written to out (at most cap
 * bytes), or 0 when the frame is no DHCP request for this server. */
uint32_t np_dhcp_input(struct np_dhcp *d, const uint8_t *frame, uint32_t len,
		       uint8_t *out, uint32_t cap);

#endif
