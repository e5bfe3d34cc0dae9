/*
 * The built-in peer's visit to the guest (keel-host --nic peer): a machine
 * on the guest's link that leases it an address (host/netpeer_dhcp.c),
 * answers ARP for its own (host/netpeer.c), pings the guest and fetches
 * its web page (host/netpeer_tcp.c, host/netpeer_http.c), and reports each
 * step's result. It knows nothing of VMBus: frames come in through
 * np_probe_input and go out through io->send, so keel-host and the
 * hosted unit tests drive the same code.
 *
 * Addresses (those of QEMU's user network, familiar to its users): the
 * peer is 10.0.2.2, the guest's lease 10.0.2.15/24, router the peer.
 *
 * Phases, one transition function (netpeer_probe.c probe_transition):
 *
 *   LEASE --bound and started--> PING --all answered or 2 s quiet--> HTTP
 *   HTTP --answer read, refused NP_HTTP_TRIES times, or 60 s--> DONE
 *
 * "started" is np_probe_start: keel-host calls it once Keel reports ready,
 * so the results follow Keel's ready line.
 */
#ifndef KEEL_HOST_NETPEER_PROBE_H
#define KEEL_HOST_NETPEER_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "host/netpeer.h"
#include "host/netpeer_dhcp.h"
#include "host/netpeer_http.h"
#include "host/netpeer_tcp.h"

#define NP_PEER_IP      0x0A000202u     /* 10.0.2.2 */
#define NP_LEASE_IP     0x0A00020Fu     /* 10.0.2.15 */
#define NP_NETMASK      0xFFFFFF00u
#define NP_PING_COUNT   5u
#define NP_HTTP_PORT    80u
#define NP_HTTP_TRIES   30u             /* refused: httpd may not listen yet */
#define NP_HTTP_KEEP    4096u           /* the answer's first bytes, for the title */

enum np_probe_phase { NPP_LEASE, NPP_PING, NPP_HTTP, NPP_DONE };

struct np_probe;
struct np_probe_io {
	void *ctx;
	void (*send)(void *ctx, const uint8_t *frame, uint32_t len);   /* to the guest */
	/* a phase ended; its results are in p */
	void (*report)(void *ctx, const struct np_probe *p, enum np_probe_phase ended);
};

struct np_probe {
	enum np_probe_phase phase;
	struct np_probe_io io;
	struct netpeer arp;             /* ARP and echo answers for the peer's address */
	struct np_dhcp dhcp;
	bool started;
	uint64_t bound_at;              /* when the lease was acknowledged */
	/* PING */
	uint16_t ping_id;
	uint32_t ping_sent, ping_replies;
	bool ping_seen[NP_PING_COUNT];
	uint64_t ping_next_at, ping_quiet_at;
	/* HTTP */
	struct np_tcp tcp;
	uint32_t http_tries;
	uint64_t http_retry_at, http_give_up_at;
	int http_error;                 /* 0, or why the fetch failed */
	uint8_t http_keep[NP_HTTP_KEEP];
	struct np_http_answer http;
	/* frames from the guest that the peer did not understand */
	uint64_t ignored;
};

void np_probe_init(struct np_probe *p, const struct np_probe_io *io);
/* Keel is ready: ping and fetch once the lease is bound. */
void np_probe_start(struct np_probe *p, uint64_t now);
/* A frame from the guest (untrusted; copied by the parsers before use). */
void np_probe_input(struct np_probe *p, const uint8_t *frame, uint32_t len, uint64_t now);
/* Timed work; returns when it wants to run next (0: only on input). */
uint64_t np_probe_run(struct np_probe *p, uint64_t now);
/* "10.0.2.15" into buf (16 bytes). */
const char *np_ip_str(uint32_t ip, char buf[16]);

#endif
