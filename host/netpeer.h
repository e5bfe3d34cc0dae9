/*
 * The L2 peer behind the simulated NIC (host/netpeer.c): a machine on the
 * virtual switch that answers ARP requests for its address and ICMP echo
 * requests sent to it, so a scenario can show a ping end to end.
 * keel-host's built-in peer (host/netpeer_probe.h) uses it for the same
 * answers at its own address.
 */
#ifndef KEEL_HOST_NETPEER_H
#define KEEL_HOST_NETPEER_H

#include <stdint.h>

#define NETPEER_IP  0x0A000001u           /* 10.0.0.1 */

struct netpeer {
	uint8_t mac[6];
	uint32_t ip;                       /* host order */
	uint64_t arps, pings;              /* requests answered */
};

void netpeer_init(struct netpeer *p, int index);
/* A frame from the guest; returns the length of the answer written to out
 * (at most cap bytes), or 0 when the frame asks nothing of the peer. */
uint32_t netpeer_input(struct netpeer *p, const uint8_t *frame, uint32_t len,
		       uint8_t *out, uint32_t cap);

#endif
