/*
 * keel-host's built-in network peer (--nic peer): the network device's
 * wire ends in a small machine inside keel-host (host/netpeer_probe.h)
 * instead of a TAP device, so networking shows without root. The peer
 * leases Keel 10.0.2.15, then, once Keel reports ready, pings it and
 * fetches its web page (apps/httpd.c), and prints each result as a plain
 * line on keel-host's log and on the terminal (standard error):
 *
 *   keel-host: peer: Keel is 10.0.2.15 (DHCP lease from the built-in peer 10.0.2.2)
 *   keel-host: peer: ping 10.0.2.15: 5/5 replies
 *   keel-host: peer: GET http://10.0.2.15/ -> HTTP/1.1 200 OK, 294 bytes, "Keel"
 *
 * Guest -> peer: the network host hands each frame to peer_from_guest.
 * Peer -> guest: frames wait in a small queue here and go to the device
 * while it takes them (host_net_can_receive), from the event loop, never
 * from inside the host library's own packet handling.
 *
 * "Ready" is Keel's `keel: ready` point, which it writes into the boot
 * trace header in the shared region (include/keelhost/trace.h ready_ns).
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/netpeer_probe.h"
#include "host/netpeer_wire.h"
#include "include/keelhost/trace.h"
#include "keelhost/keelhost.h"

#define PEER_QUEUE 64                   /* frames waiting for the guest */

struct kh_peer {
	struct keelhost *kh;
	struct np_probe probe;
	int dev;
	struct {
		uint8_t data[NP_FRAME_MAX];
		uint32_t len;
	} q[PEER_QUEUE];
	unsigned head, count;
	uint64_t deadline;              /* the probe's next timer (kh_mono_ns), 0 none */
	uint64_t to_guest, from_guest, dropped;
};

/* The probe's frames to the guest: queued, delivered by kh_peer_service. */
static void peer_to_guest(void *ctx, const uint8_t *frame, uint32_t len)
{
	struct kh_peer *pe = ctx;
	unsigned tail = (pe->head + pe->count) % PEER_QUEUE;

	if (pe->count == PEER_QUEUE || len > NP_FRAME_MAX) {
		pe->dropped++;          /* as a full switch port would */
		return;
	}
	memcpy(pe->q[tail].data, frame, len);
	pe->q[tail].len = len;
	pe->count++;
}

static void peer_from_guest(void *ctx, const uint8_t *frame, uint32_t len)
{
	struct kh_peer *pe = ctx;

	pe->from_guest++;
	np_probe_input(&pe->probe, frame, len, kh_mono_ns());
}

/* One result line, on the log and on the terminal (raw while QEMU owns
 * it: the carriage return keeps the line at the left edge). */
static void peer_say(struct keelhost *kh, const char *line)
{
	kh_log(kh, "keel-host: peer: %s", line);
	if (kh->log != stdout && kh->log != stderr)
		fprintf(stderr, "keel-host: peer: %s%s", line, isatty(2) ? "\r\n" : "\n");
}

static void peer_http_line(const struct np_probe *p, char *line, size_t cap)
{
	char a[16];
	int n = snprintf(line, cap, "GET http://%s/ -> ", np_ip_str(NP_LEASE_IP, a));

	if (n < 0 || (size_t)n >= cap)
		return;
	if (p->http_error == -ECONNREFUSED)
		snprintf(line + n, cap - (size_t)n, "connection refused (%u tries): is httpd "
			 "running (app=httpd)?", p->http_tries);
	else if (p->http_error)
		snprintf(line + n, cap - (size_t)n, "failed: %s (TCP %s)",
			 strerror(-p->http_error), np_tcp_state_name(p->tcp.state));
	else
		snprintf(line + n, cap - (size_t)n, "%s, %llu bytes, \"%s\"", p->http.status_line,
			 (unsigned long long)p->http.body_bytes, p->http.title);
}

static void peer_report(void *ctx, const struct np_probe *p, enum np_probe_phase ended)
{
	struct kh_peer *pe = ctx;
	char line[256], a[16], b[16];

	switch (ended) {
	case NPP_LEASE:
		snprintf(line, sizeof(line), "Keel is %s (DHCP lease from the built-in peer %s)",
			 np_ip_str(p->dhcp.lease_ip, a), np_ip_str(p->dhcp.server_ip, b));
		break;
	case NPP_PING:
		snprintf(line, sizeof(line), "ping %s: %u/%u replies", np_ip_str(NP_LEASE_IP, a),
			 p->ping_replies, p->ping_sent);
		break;
	case NPP_HTTP:
		peer_http_line(p, line, sizeof(line));
		break;
	default:
		return;
	}
	peer_say(pe->kh, line);
}

int kh_peer_open(struct keelhost *kh)
{
	struct kh_peer *pe = calloc(1, sizeof(*pe));
	struct host_net_port port = { .ctx = pe, .send = peer_from_guest };
	struct np_probe_io io = { .ctx = pe, .send = peer_to_guest, .report = peer_report };
	int di = kh_nic_device(kh);

	if (!pe)
		return -ENOMEM;
	if (di < 0 || host_net_attach(kh->h, di, &port) < 0) {
		kh_log(kh, "keel-host: no network device for the built-in peer");
		free(pe);
		return -EINVAL;
	}
	pe->kh = kh;
	pe->dev = di;
	np_probe_init(&pe->probe, &io);
	kh->peer = pe;
	kh_log(kh, "keel-host: device %s: network, wire the built-in peer 10.0.2.2 "
	       "(DHCP, ping, HTTP)", host_device_name(kh->h, di));
	return 0;
}

/* Keel's `keel: ready`, from the boot trace header it keeps in the shared
 * region; a guest without the trace counts as ready once it is served. */
static bool peer_guest_ready(struct keelhost *kh)
{
	const struct kh_trace_head *h =
		(const void *)((const uint8_t *)kh->mb + KH_TRACE_OFFSET);

	if (kh->state != KH_SERVING)
		return false;
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != KH_TRACE_MAGIC)
		return true;
	return __atomic_load_n(&h->ready_ns, __ATOMIC_ACQUIRE) != 0;
}

/* From the event loop: start once Keel is ready, run the probe's timers,
 * deliver queued frames while the device takes them. */
void kh_peer_service(struct keelhost *kh)
{
	struct kh_peer *pe = kh->peer;
	uint64_t now = kh_mono_ns();

	if (!pe)
		return;
	if (!pe->probe.started && peer_guest_ready(kh)) {
		kh_log(kh, "keel-host: peer: Keel reported ready: checks start once it has "
		       "its lease");
		np_probe_start(&pe->probe, now);
	}
	pe->deadline = np_probe_run(&pe->probe, now);
	while (pe->count && host_net_can_receive(kh->h, pe->dev)) {
		if (host_net_receive(kh->h, pe->dev, pe->q[pe->head].data,
				     pe->q[pe->head].len) == 0)
			pe->to_guest++;
		else
			pe->dropped++;
		pe->head = (pe->head + 1) % PEER_QUEUE;
		pe->count--;
	}
}

/* poll() timeout in ms for the peer: its next timer, frames waiting for
 * room (checked often), or waiting for Keel's ready (checked each 50 ms). */
int kh_peer_timeout_ms(struct keelhost *kh)
{
	struct kh_peer *pe = kh->peer;
	uint64_t now = kh_mono_ns();

	if (!pe || pe->probe.phase == NPP_DONE)
		return 1000;
	if (pe->count)
		return 1;
	if (!pe->probe.started)
		return 50;
	if (!pe->deadline)
		return 1000;
	if (pe->deadline <= now)
		return 0;
	return pe->deadline - now > 1000000000ull ? 1000 :
	       (int)((pe->deadline - now + 999999) / 1000000);
}

void kh_peer_summary(struct keelhost *kh)
{
	struct kh_peer *pe = kh->peer;

	if (!pe)
		return;
	kh_log(kh, "keel-host: peer: frames to the guest %llu, from the guest %llu, dropped "
	       "%llu; DHCP discover %llu request %llu ack %llu nak %llu; TCP segments in "
	       "%llu out %llu, retransmitted %llu",
	       (unsigned long long)pe->to_guest, (unsigned long long)pe->from_guest,
	       (unsigned long long)pe->dropped,
	       (unsigned long long)pe->probe.dhcp.discovers,
	       (unsigned long long)pe->probe.dhcp.requests,
	       (unsigned long long)pe->probe.dhcp.acks, (unsigned long long)pe->probe.dhcp.naks,
	       (unsigned long long)pe->probe.tcp.segs_in, (unsigned long long)pe->probe.tcp.segs_out,
	       (unsigned long long)pe->probe.tcp.retransmits);
	if (pe->probe.phase != NPP_DONE)
		kh_log(kh, "keel-host: peer: stopped before its checks ended (Keel %s)",
		       pe->probe.started ? "ready" : "never reported ready");
}

void kh_peer_close(struct keelhost *kh)
{
	free(kh->peer);
	kh->peer = NULL;
}
