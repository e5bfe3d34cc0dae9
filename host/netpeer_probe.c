/*
 * The built-in peer's visit to the guest (host/netpeer_probe.h): the lease,
 * the pings, the page. Every guest frame goes to each part in turn, each
 * with its own checks; what none of them wants is counted and dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "host/netpeer_probe.h"
#include "host/netpeer_wire.h"

#define MS                  1000000ull
#define PROBE_SETTLE_NS     (500 * MS)  /* after the ACK, before the first ping */
#define PING_INTERVAL_NS    (200 * MS)
#define PING_QUIET_NS       (2000 * MS) /* after the last request */
#define PING_PAYLOAD        56u
#define HTTP_RETRY_NS       (1000 * MS)
#define HTTP_GIVE_UP_NS     (60000 * MS)
#define HTTP_LPORT          40000u
#define ICMP_ECHO_REPLY     0u
#define ICMP_ECHO_REQUEST   8u

const char *np_ip_str(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xFF, (ip >> 8) & 0xFF,
		 ip & 0xFF);
	return buf;
}

void np_probe_init(struct np_probe *p, const struct np_probe_io *io)
{
	memset(p, 0, sizeof(*p));
	p->io = *io;
	netpeer_init(&p->arp, 0);
	p->arp.ip = NP_PEER_IP;
	np_dhcp_init(&p->dhcp, p->arp.mac, NP_PEER_IP, NP_LEASE_IP, NP_NETMASK);
	p->ping_id = 0x4b50;            /* "KP" */
	p->phase = NPP_LEASE;
}

void np_probe_start(struct np_probe *p, uint64_t now)
{
	(void)now;
	p->started = true;
}

static void probe_send(struct np_probe *p, const uint8_t *frame, uint32_t len)
{
	if (len)
		p->io.send(p->io.ctx, frame, len);
}

/* ---- PING ---- */

static void ping_send(struct np_probe *p, uint64_t now)
{
	uint8_t out[NP_FRAME_MAX], *icmp;
	uint32_t off = np_ipv4_frame(out, sizeof(out), p->dhcp.client_mac, p->arp.mac,
				     NP_PEER_IP, NP_LEASE_IP, NP_PROTO_ICMP, 8 + PING_PAYLOAD);

	if (!off)
		return;
	icmp = out + off;
	icmp[0] = ICMP_ECHO_REQUEST;
	icmp[1] = 0;
	np_put16(icmp + 2, 0);
	np_put16(icmp + 4, p->ping_id);
	np_put16(icmp + 6, (uint16_t)(p->ping_sent + 1));
	for (uint32_t i = 0; i < PING_PAYLOAD; i++)
		icmp[8 + i] = (uint8_t)(0x20 + i);
	np_put16(icmp + 2, np_fold(np_sum(icmp, 8 + PING_PAYLOAD, 0)));
	p->ping_sent++;
	p->ping_next_at = now + PING_INTERVAL_NS;
	p->ping_quiet_at = now + PING_QUIET_NS;
	probe_send(p, out, off + 8 + PING_PAYLOAD);
}

/* An echo reply from the lease address to one of our requests, once. */
static bool ping_input(struct np_probe *p, const uint8_t *frame, uint32_t len)
{
	struct np_ipv4 ip;
	uint16_t seq;

	if (np_ipv4_parse(frame, len, &ip) < 0 || ip.proto != NP_PROTO_ICMP ||
	    ip.src != NP_LEASE_IP || ip.dst != NP_PEER_IP || ip.l4_len < 8 ||
	    ip.l4[0] != ICMP_ECHO_REPLY || np_fold(np_sum(ip.l4, ip.l4_len, 0)) != 0 ||
	    np_be16(ip.l4 + 4) != p->ping_id)
		return false;
	seq = np_be16(ip.l4 + 6);
	if (seq >= 1 && seq <= p->ping_sent && !p->ping_seen[seq - 1]) {
		p->ping_seen[seq - 1] = true;
		p->ping_replies++;
	}
	return true;
}

/* ---- HTTP ---- */

static void http_connect(struct np_probe *p, uint64_t now)
{
	static const char fmt[] = "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: keel-host\r\n"
				  "Connection: close\r\n\r\n";
	char req[160], a[16];
	uint8_t out[NP_FRAME_MAX];
	struct np_tcp_params tp = {
		.lmac = p->arp.mac, .rmac = p->dhcp.client_mac,
		.lip = NP_PEER_IP, .rip = NP_LEASE_IP,
		.lport = (uint16_t)(HTTP_LPORT + p->http_tries), .rport = NP_HTTP_PORT,
		.iss = 0x6b65656cu + p->http_tries * 0x01000000u,       /* "keel" */
		.req = req, .rx = p->http_keep, .rx_cap = sizeof(p->http_keep),
	};

	tp.req_len = (uint32_t)snprintf(req, sizeof(req), fmt, np_ip_str(NP_LEASE_IP, a));
	p->http_tries++;
	p->http_retry_at = 0;
	probe_send(p, out, np_tcp_connect(&p->tcp, &tp, now, out, sizeof(out)));
}

/* The connection ended (or the phase ran out of time): read the answer. */
static void http_finish(struct np_probe *p)
{
	if (p->tcp.state == NPT_DONE &&
	    np_http_read(p->http_keep, p->tcp.rx_len, p->tcp.rx_total, &p->http) < 0)
		p->http_error = -EBADMSG;
}

/* Whether HTTP is over: done, failed for good, or out of time. */
static bool http_over(struct np_probe *p, uint64_t now)
{
	if (p->tcp.state == NPT_DONE) {
		http_finish(p);
		return true;
	}
	if (now >= p->http_give_up_at) {
		p->http_error = -ETIMEDOUT;
		return true;
	}
	if (p->tcp.state != NPT_FAILED)
		return false;
	if (p->tcp.error == -ECONNREFUSED && p->http_tries < NP_HTTP_TRIES) {
		if (!p->http_retry_at)
			p->http_retry_at = now + HTTP_RETRY_NS;
		else if (now >= p->http_retry_at)
			http_connect(p, now);
		return false;
	}
	p->http_error = p->tcp.error;
	return true;
}

/* ---- phases ---- */

/* The diagram is in netpeer_probe.h. */
static void probe_transition(struct np_probe *p, uint64_t now)
{
	enum np_probe_phase old = p->phase;

	switch (old) {
	case NPP_LEASE:
		if (!p->started || p->dhcp.state != NPD_BOUND || now < p->bound_at + PROBE_SETTLE_NS)
			return;
		p->phase = NPP_PING;
		p->ping_next_at = now;
		break;
	case NPP_PING:
		if (p->ping_replies < NP_PING_COUNT &&
		    (p->ping_sent < NP_PING_COUNT || now < p->ping_quiet_at))
			return;
		p->phase = NPP_HTTP;
		p->http_give_up_at = now + HTTP_GIVE_UP_NS;
		http_connect(p, now);
		break;
	case NPP_HTTP:
		if (!http_over(p, now))
			return;
		p->phase = NPP_DONE;
		break;
	case NPP_DONE:
		return;
	default:
		p->phase = NPP_DONE;    /* a phase this file never sets */
		return;
	}
	if (p->io.report)
		p->io.report(p->io.ctx, p, old);
}

void np_probe_input(struct np_probe *p, const uint8_t *frame, uint32_t len, uint64_t now)
{
	uint8_t out[NP_FRAME_MAX];
	enum np_dhcp_state was = p->dhcp.state;
	uint32_t n;

	if ((n = netpeer_input(&p->arp, frame, len, out, sizeof(out))) != 0) {
		probe_send(p, out, n);
	} else if ((n = np_dhcp_input(&p->dhcp, frame, len, out, sizeof(out))) != 0) {
		if (p->dhcp.state == NPD_BOUND && was != NPD_BOUND)
			p->bound_at = now;
		probe_send(p, out, n);
	} else if (p->phase == NPP_PING && ping_input(p, frame, len)) {
		/* counted */
	} else if (p->phase == NPP_HTTP && p->tcp.state != NPT_CLOSED) {
		probe_send(p, out, np_tcp_input(&p->tcp, frame, len, now, out, sizeof(out)));
	} else {
		p->ignored++;
	}
	probe_transition(p, now);
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

uint64_t np_probe_run(struct np_probe *p, uint64_t now)
{
	uint8_t out[NP_FRAME_MAX];

	probe_transition(p, now);
	switch (p->phase) {
	case NPP_LEASE:
		return p->started && p->dhcp.state == NPD_BOUND ? p->bound_at + PROBE_SETTLE_NS : 0;
	case NPP_PING:
		if (p->ping_sent < NP_PING_COUNT && now >= p->ping_next_at)
			ping_send(p, now);
		probe_transition(p, now);
		if (p->phase != NPP_PING)
			return now;
		return p->ping_sent < NP_PING_COUNT ? p->ping_next_at : p->ping_quiet_at;
	case NPP_HTTP:
		probe_send(p, out, np_tcp_poll(&p->tcp, now, out, sizeof(out)));
		probe_transition(p, now);
		if (p->phase != NPP_HTTP)
			return 0;
		return earliest(earliest(np_tcp_deadline(&p->tcp), p->http_retry_at),
				p->http_give_up_at);
	default:
		return 0;
	}
}
