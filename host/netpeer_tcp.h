/*
 * The built-in peer's TCP client (RFC 9293), enough for one HTTP exchange
 * with the guest: connect, send one request (at most one segment), take
 * the answer in order and acknowledge it, close when the server closes.
 *
 * Why a small client of its own rather than lwIP built for Linux: the peer
 * makes one connection to a server it knows, on a link that loses nothing,
 * and keel-host stays one self-contained program with no third-party
 * stack to fetch and build before it links. What it must still get right,
 * it does: sequence and acknowledgement numbers with wrap-around, in-order
 * delivery only (a segment out of order is dropped and the last ACK
 * repeated), checksums both ways, and retransmission of what is
 * unacknowledged (SYN, request, FIN) on a timeout that doubles.
 *
 * States, one transition per segment or timeout (netpeer_tcp.c):
 *
 *   SYN_SENT --SYN+ACK / send ACK+request--> ESTABLISHED
 *   ESTABLISHED --FIN / send FIN+ACK--> LAST_ACK --ACK of our FIN--> DONE
 *   ESTABLISHED --np_tcp_close / send FIN--> FIN_WAIT_1
 *   FIN_WAIT_1 --ACK of our FIN--> FIN_WAIT_2 --FIN / send ACK--> DONE
 *   FIN_WAIT_1 --FIN, ours not acked / send ACK--> CLOSING --ACK--> DONE
 *   any --RST, or retries spent--> FAILED (error -ECONNREFUSED,
 *          -ECONNRESET or -ETIMEDOUT)
 * DONE skips TIME_WAIT: the port is never used again by this client.
 */
#ifndef KEEL_HOST_NETPEER_TCP_H
#define KEEL_HOST_NETPEER_TCP_H

#include <stdint.h>

#define NP_TCP_REQ_MAX  512u            /* the request: one segment */

enum np_tcp_state {
	NPT_CLOSED, NPT_SYN_SENT, NPT_ESTABLISHED, NPT_FIN_WAIT_1, NPT_FIN_WAIT_2,
	NPT_CLOSING, NPT_LAST_ACK, NPT_DONE, NPT_FAILED,
};

struct np_tcp {
	enum np_tcp_state state;
	int error;                      /* FAILED: why (negative errno) */
	uint8_t lmac[6], rmac[6];
	uint32_t lip, rip;              /* host order */
	uint16_t lport, rport;
	/* send side: [iss] SYN, [iss+1, iss+1+req_len) the request, then FIN */
	uint32_t iss, snd_una, snd_nxt;
	uint8_t req[NP_TCP_REQ_MAX];
	uint32_t req_len;
	int fin_sent;
	/* receive side */
	uint32_t rcv_nxt;
	uint8_t *rx;                    /* the answer's first rx_cap bytes */
	uint32_t rx_cap, rx_len;
	uint64_t rx_total;              /* every byte received in order */
	/* retransmission */
	uint64_t rto_at;                /* 0: nothing outstanding */
	uint64_t rto_ns;
	uint32_t retries;
	uint64_t segs_in, segs_out, retransmits, dropped;
};

/* Everything the connection needs; rx (rx_cap bytes) keeps the answer's
 * beginning. */
struct np_tcp_params {
	const uint8_t *lmac, *rmac;
	uint32_t lip, rip;
	uint16_t lport, rport;
	uint32_t iss;
	const void *req;
	uint32_t req_len;
	uint8_t *rx;
	uint32_t rx_cap;
};

/* Start a connection: the SYN is written to out; its length, or 0 on bad
 * parameters (c is then FAILED with -EINVAL). */
uint32_t np_tcp_connect(struct np_tcp *c, const struct np_tcp_params *p, uint64_t now,
			uint8_t *out, uint32_t cap);
/* A frame from the guest: the segment to send in answer (its length), or
 * 0. Frames of other connections, bad checksums and segments out of order
 * are dropped (counted). */
uint32_t np_tcp_input(struct np_tcp *c, const uint8_t *frame, uint32_t len, uint64_t now,
		      uint8_t *out, uint32_t cap);
/* Retransmission: a segment to send when the timer ran out, or 0. */
uint32_t np_tcp_poll(struct np_tcp *c, uint64_t now, uint8_t *out, uint32_t cap);
/* When np_tcp_poll wants to run next (0: no timer). */
uint64_t np_tcp_deadline(const struct np_tcp *c);
/* Close from our side (ESTABLISHED only): the FIN, or 0. */
uint32_t np_tcp_close(struct np_tcp *c, uint64_t now, uint8_t *out, uint32_t cap);
const char *np_tcp_state_name(enum np_tcp_state s);

#endif
