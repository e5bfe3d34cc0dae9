/*
 * The built-in peer's TCP client (host/netpeer_tcp.h; RFC 9293 3.10, the
 * event processing, cut down to one active open). A guest segment is
 * checked (IPv4 framing by np_ipv4_parse, then ports, header length and
 * checksum) before any field steers the connection.
 */
#include <errno.h>
#include <string.h>

#include "host/netpeer_tcp.h"
#include "host/netpeer_wire.h"

#define TCP_FIN         0x01u
#define TCP_SYN         0x02u
#define TCP_RST         0x04u
#define TCP_PSH         0x08u
#define TCP_ACK         0x10u
#define TCP_WINDOW      65535u          /* we take everything in order */
#define TCP_MSS         1460u
#define TCP_RTO_NS      500000000ull    /* first retransmission after 0.5 s */
#define TCP_RTO_MAX_NS  8000000000ull
#define TCP_RETRIES     8u

/* A segment after the checks. */
struct tcp_seg {
	uint32_t seq, ack;
	uint8_t flags;
	const uint8_t *data;
	uint32_t dlen;
};

static int seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static int seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }

const char *np_tcp_state_name(enum np_tcp_state s)
{
	static const char *const names[] = {
		[NPT_CLOSED] = "closed", [NPT_SYN_SENT] = "SYN sent",
		[NPT_ESTABLISHED] = "established", [NPT_FIN_WAIT_1] = "FIN wait 1",
		[NPT_FIN_WAIT_2] = "FIN wait 2", [NPT_CLOSING] = "closing",
		[NPT_LAST_ACK] = "last ACK", [NPT_DONE] = "done", [NPT_FAILED] = "failed",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* One segment from us: seq, flags, data; the ACK field is rcv_nxt. */
static uint32_t tcp_emit(struct np_tcp *c, uint8_t *out, uint32_t cap, uint8_t flags,
			 uint32_t seq, const uint8_t *data, uint32_t dlen)
{
	uint32_t hlen = NP_TCP_HDR + (flags & TCP_SYN ? 4u : 0u), off;
	uint8_t *t;

	off = np_ipv4_frame(out, cap, c->rmac, c->lmac, c->lip, c->rip, NP_PROTO_TCP,
			    hlen + dlen);
	if (!off)
		return 0;
	t = out + off;
	memset(t, 0, hlen);
	np_put16(t, c->lport);
	np_put16(t + 2, c->rport);
	np_put32(t + 4, seq);
	np_put32(t + 8, flags & TCP_ACK ? c->rcv_nxt : 0);
	t[12] = (uint8_t)(hlen / 4 << 4);
	t[13] = flags;
	np_put16(t + 14, TCP_WINDOW);
	if (flags & TCP_SYN) {
		t[20] = 2;                      /* MSS option */
		t[21] = 4;
		np_put16(t + 22, TCP_MSS);
	}
	if (dlen)
		memcpy(t + hlen, data, dlen);
	np_put16(t + 16, np_fold(np_sum(t, hlen + dlen, np_pseudo_sum(out, hlen + dlen))));
	c->segs_out++;
	return off + hlen + dlen;
}

/* Everything from snd_una on: the SYN, or what is left of the request
 * and our FIN once sent. */
static uint32_t tcp_outstanding(struct np_tcp *c, uint8_t *out, uint32_t cap)
{
	uint32_t sent, from;
	uint8_t flags;

	if (c->state == NPT_SYN_SENT)
		return tcp_emit(c, out, cap, TCP_SYN, c->iss, NULL, 0);
	sent = c->snd_una - (c->iss + 1);       /* request bytes acknowledged */
	from = sent < c->req_len ? sent : c->req_len;
	flags = TCP_ACK | (from < c->req_len ? TCP_PSH : 0) | (c->fin_sent ? TCP_FIN : 0);
	return tcp_emit(c, out, cap, flags, c->snd_una, c->req + from, c->req_len - from);
}

static void tcp_arm(struct np_tcp *c, uint64_t now)
{
	c->rto_at = c->snd_una != c->snd_nxt ? now + c->rto_ns : 0;
}

static void tcp_fail(struct np_tcp *c, int error)
{
	c->state = NPT_FAILED;
	c->error = error;
	c->rto_at = 0;
}

uint32_t np_tcp_connect(struct np_tcp *c, const struct np_tcp_params *p, uint64_t now,
			uint8_t *out, uint32_t cap)
{
	memset(c, 0, sizeof(*c));
	if (!p->lmac || !p->rmac || p->req_len > NP_TCP_REQ_MAX || (p->req_len && !p->req) ||
	    (p->rx_cap && !p->rx)) {
		tcp_fail(c, -EINVAL);
		return 0;
	}
	memcpy(c->lmac, p->lmac, 6);
	memcpy(c->rmac, p->rmac, 6);
	c->lip = p->lip;
	c->rip = p->rip;
	c->lport = p->lport;
	c->rport = p->rport;
	c->iss = p->iss;
	if (p->req_len)
		memcpy(c->req, p->req, p->req_len);
	c->req_len = p->req_len;
	c->rx = p->rx;
	c->rx_cap = p->rx_cap;
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	c->rto_ns = TCP_RTO_NS;
	c->state = NPT_SYN_SENT;
	tcp_arm(c, now);
	return tcp_outstanding(c, out, cap);
}

/* Copy, then check: a segment of this connection with a good checksum. */
static int tcp_parse(const struct np_tcp *c, const uint8_t *frame, uint32_t len,
		     struct tcp_seg *s)
{
	struct np_ipv4 ip;
	uint32_t doff;

	if (np_ipv4_parse(frame, len, &ip) < 0 || ip.proto != NP_PROTO_TCP ||
	    ip.src != c->rip || ip.dst != c->lip || ip.l4_len < NP_TCP_HDR)
		return -EINVAL;
	doff = (uint32_t)(ip.l4[12] >> 4) * 4u;
	if (doff < NP_TCP_HDR || doff > ip.l4_len || np_be16(ip.l4) != c->rport ||
	    np_be16(ip.l4 + 2) != c->lport)
		return -EINVAL;
	/* the guest computes every checksum itself (no offload is offered) */
	if (np_fold(np_sum(ip.l4, ip.l4_len, ip.l4_sum)) != 0)
		return -EINVAL;
	s->seq = np_be32(ip.l4 + 4);
	s->ack = np_be32(ip.l4 + 8);
	s->flags = ip.l4[13];
	s->data = ip.l4 + doff;
	s->dlen = ip.l4_len - doff;
	return 0;
}

/* SYN_SENT: only a SYN+ACK for our SYN moves us on. */
static uint32_t tcp_syn_sent(struct np_tcp *c, const struct tcp_seg *s, uint64_t now,
			     uint8_t *out, uint32_t cap)
{
	if ((s->flags & TCP_ACK) && s->ack != c->iss + 1) {
		c->dropped++;
		return 0;
	}
	if (s->flags & TCP_RST) {
		if (s->flags & TCP_ACK)
			tcp_fail(c, -ECONNREFUSED);
		return 0;
	}
	if (!(s->flags & TCP_SYN) || !(s->flags & TCP_ACK)) {
		c->dropped++;
		return 0;
	}
	c->rcv_nxt = s->seq + 1;
	c->snd_una = c->iss + 1;
	c->snd_nxt = c->snd_una + c->req_len;
	c->state = NPT_ESTABLISHED;
	c->retries = 0;
	c->rto_ns = TCP_RTO_NS;
	tcp_arm(c, now);
	return tcp_outstanding(c, out, cap);     /* the ACK carries the request */
}

/* The in-order part of a segment's data (RFC 9293 3.10.7.4 "seventh"):
 * kept, counted and acknowledged. Returns 1 when its FIN is next in order. */
static int tcp_take_data(struct np_tcp *c, const struct tcp_seg *s)
{
	uint32_t skip, n;

	if (seq_lt(c->rcv_nxt, s->seq))
		return 0;                       /* a gap before it: dropped, ACK repeated */
	skip = c->rcv_nxt - s->seq;
	if (skip > s->dlen)
		return 0;                       /* old */
	n = s->dlen - skip;
	if (c->rx_len < c->rx_cap) {
		uint32_t k = c->rx_cap - c->rx_len < n ? c->rx_cap - c->rx_len : n;

		memcpy(c->rx + c->rx_len, s->data + skip, k);
		c->rx_len += k;
	}
	c->rx_total += n;
	c->rcv_nxt += n;
	if (s->flags & TCP_FIN) {
		c->rcv_nxt++;
		return 1;
	}
	return 0;
}

/* After the segment's ACK and data: where the connection goes. */
static uint32_t tcp_advance(struct np_tcp *c, int fin_in, int need_ack, uint64_t now,
			    uint8_t *out, uint32_t cap)
{
	int fin_acked = c->fin_sent && c->snd_una == c->snd_nxt;

	switch (c->state) {
	case NPT_ESTABLISHED:
		if (!fin_in)
			break;
		c->fin_sent = 1;                /* the server is done: so are we */
		c->snd_nxt++;
		c->state = NPT_LAST_ACK;
		tcp_arm(c, now);
		return tcp_outstanding(c, out, cap);
	case NPT_FIN_WAIT_1:
		if (fin_acked)
			c->state = fin_in ? NPT_DONE : NPT_FIN_WAIT_2;
		else if (fin_in)
			c->state = NPT_CLOSING;
		break;
	case NPT_FIN_WAIT_2:
		if (fin_in)
			c->state = NPT_DONE;
		break;
	case NPT_CLOSING:
	case NPT_LAST_ACK:
		if (fin_acked)
			c->state = NPT_DONE;
		break;
	default:
		break;
	}
	return need_ack ? tcp_emit(c, out, cap, TCP_ACK, c->snd_nxt, NULL, 0) : 0;
}

/* A synchronized state: RST, ACK, data, FIN, in RFC 9293's order. */
static uint32_t tcp_synced(struct np_tcp *c, const struct tcp_seg *s, uint64_t now,
			   uint8_t *out, uint32_t cap)
{
	int need_ack = 0, fin_in = 0;

	if (s->flags & TCP_RST) {
		/* only an RST at the edge of the window is believed (RFC 5961 3.2) */
		if (s->seq == c->rcv_nxt)
			tcp_fail(c, -ECONNRESET);
		else
			c->dropped++;
		return 0;
	}
	if (s->flags & TCP_SYN)                 /* a repeated SYN+ACK: our ACK was lost */
		return tcp_emit(c, out, cap, TCP_ACK, c->snd_nxt, NULL, 0);
	if (!(s->flags & TCP_ACK)) {
		c->dropped++;
		return 0;
	}
	if (seq_lt(c->snd_nxt, s->ack))        /* acknowledges what we never sent */
		return tcp_emit(c, out, cap, TCP_ACK, c->snd_nxt, NULL, 0);
	if (seq_lt(c->snd_una, s->ack)) {
		c->snd_una = s->ack;
		c->retries = 0;
		c->rto_ns = TCP_RTO_NS;
		tcp_arm(c, now);
	}
	if (s->dlen || (s->flags & TCP_FIN)) {
		need_ack = 1;
		if (c->state != NPT_CLOSING && c->state != NPT_LAST_ACK)
			fin_in = tcp_take_data(c, s);
	}
	return tcp_advance(c, fin_in, need_ack, now, out, cap);
}

uint32_t np_tcp_input(struct np_tcp *c, const uint8_t *frame, uint32_t len, uint64_t now,
		      uint8_t *out, uint32_t cap)
{
	struct tcp_seg s;

	if (tcp_parse(c, frame, len, &s) < 0) {
		c->dropped++;
		return 0;
	}
	c->segs_in++;
	switch (c->state) {
	case NPT_SYN_SENT:
		return tcp_syn_sent(c, &s, now, out, cap);
	case NPT_ESTABLISHED:
	case NPT_FIN_WAIT_1:
	case NPT_FIN_WAIT_2:
	case NPT_CLOSING:
	case NPT_LAST_ACK:
		return tcp_synced(c, &s, now, out, cap);
	case NPT_DONE:
		/* the server repeats its FIN when our last ACK was lost */
		if ((s.flags & TCP_FIN) && seq_le(s.seq + s.dlen + 1, c->rcv_nxt))
			return tcp_emit(c, out, cap, TCP_ACK, c->snd_nxt, NULL, 0);
		return 0;
	case NPT_CLOSED:
	case NPT_FAILED:
		return 0;
	default:
		tcp_fail(c, -EPROTO);           /* a state this file never sets */
		return 0;
	}
}

uint32_t np_tcp_poll(struct np_tcp *c, uint64_t now, uint8_t *out, uint32_t cap)
{
	if (!c->rto_at || now < c->rto_at)
		return 0;
	if (++c->retries > TCP_RETRIES) {
		tcp_fail(c, -ETIMEDOUT);
		return 0;
	}
	c->rto_ns = c->rto_ns * 2 > TCP_RTO_MAX_NS ? TCP_RTO_MAX_NS : c->rto_ns * 2;
	c->rto_at = now + c->rto_ns;
	c->retransmits++;
	return tcp_outstanding(c, out, cap);
}

uint64_t np_tcp_deadline(const struct np_tcp *c)
{
	return c->rto_at;
}

uint32_t np_tcp_close(struct np_tcp *c, uint64_t now, uint8_t *out, uint32_t cap)
{
	if (c->state != NPT_ESTABLISHED)
		return 0;
	c->fin_sent = 1;
	c->snd_nxt++;
	c->state = NPT_FIN_WAIT_1;
	tcp_arm(c, now);
	return tcp_outstanding(c, out, cap);
}
