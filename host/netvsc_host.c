/*
 * The simulated network host (NetVSP), device type "network": NVSP over
 * VMBus as Hyper-V and OpenVMM's netvsp behave (OpenVMM
 * vm/devices/net/netvsp/src/lib.rs: initialize, process_ring_buffer,
 * process_endpoint_rx; Linux drivers/net/hyperv for the guest's side):
 * version negotiation, the NDIS config and version, receive and send
 * buffers, SEND_RNDIS_PKT from send-buffer sections (RNDIS answers in
 * host/rndis_host.c, frames to the L2 peer in host/netpeer.c), delivery of
 * RNDIS messages into receive sub-allocations through transfer-page packets,
 * sub-channels in the profile's order and the send indirection table.
 *
 * Device parameters: see nvh_params[] and docs/scenarios.md "Network device".
 *
 * Everything the host sends waits in one queue ordered by due time and
 * leaves in order when due, when the ring has room and, for transfer-page
 * packets, when a receive sub-allocation is free (the guest's completion
 * frees it). Data frames wait while the guest's packet filter is 0.
 *
 * Guest input is untrusted: what a real host would refuse to parse is a
 * host-side violation that fails the run, and so is a guest that completes
 * a transfer-page packet twice, completes one never sent, or calls a packet
 * with a range outside its receive buffer a success.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_priv.h"
#include "host/netvsc_host.h"
#include "include/hyperv/nvsp.h"
#include "include/hyperv/rndis.h"
#include "include/hyperv/vmbus_guids.h"

enum nvh_kind { NVH_COMP, NVH_INBAND, NVH_XFER };

/* One packet owed to the guest: an NVSP completion, an in-band message, or
 * an RNDIS message to deliver through a receive sub-allocation. */
struct nvh_item {
	struct nvh_item *next;
	uint64_t due, seq, trans_id;
	enum nvh_kind kind;
	uint16_t sub;                  /* completions: the channel the request came on */
	uint32_t chantype;
	uint32_t len;
	uint8_t data[];
};

struct nvh_state {
	struct nvh_dev p;
	struct nvh_item *q;
	uint64_t seq;
};

static struct nvh_dev *nvh(struct host_dev *d)
{
	return d->priv;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* ---- parameters ---- */

static int parse_versions(struct nvh_dev *n, const char *val)
{
	static const struct { const char *name; uint32_t v; } names[] = {
		{ "6.1", NVSP_VERSION_61 }, { "6", NVSP_VERSION_6 }, { "5", NVSP_VERSION_5 },
		{ "4", NVSP_VERSION_4 }, { "2", NVSP_VERSION_2 }, { "1", NVSP_VERSION_1 },
	};
	char buf[64], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", val);
	n->nversions = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(tok, names[i].name))
				break;
		if (i == sizeof(names) / sizeof(names[0]) || n->nversions >= NVH_MAX_VERSIONS)
			return -EINVAL;
		n->versions[n->nversions++] = names[i].v;
	}
	return n->nversions ? 0 : -EINVAL;
}

static int parse_u32(const char *val, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(val, &end, 0);

	if (*end || end == val || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int add_link_event(struct nvh_dev *n, const char *val, uint32_t status)
{
	uint64_t at;

	if (n->nlink >= NVH_MAX_LINK_EV || host_parse_ns(val, &at))
		return -EINVAL;
	n->link[n->nlink++] = (struct nvh_link_ev){ .at = at, .status = status };
	return 0;
}

static int nvh_param(struct host_dev *d, const char *key, const char *val)
{
	struct nvh_dev *n = nvh(d);

	if (!strcmp(key, "versions"))
		return parse_versions(n, val);
	if (!strcmp(key, "link")) {
		if (strcmp(val, "up") && strcmp(val, "down"))
			return -EINVAL;
		n->link_up = !strcmp(val, "up");
		return 0;
	}
	if (!strcmp(key, "link-down"))
		return add_link_event(n, val, RNDIS_STATUS_MEDIA_DISCONNECT);
	if (!strcmp(key, "link-up"))
		return add_link_event(n, val, RNDIS_STATUS_MEDIA_CONNECT);
	if (!strcmp(key, "network-change"))
		return add_link_event(n, val, RNDIS_STATUS_NETWORK_CHANGE);
	if (!strcmp(key, "max-subchannels"))
		return parse_u32(val, 64, &n->max_sub);
	if (!strcmp(key, "bad-range"))
		return parse_u32(val, 1u << 30, &n->bad_range);
	if (!strcmp(key, "query-delay"))
		return host_parse_ns(val, &n->query_delay);
	if (!strcmp(key, "dup-frames"))
		return parse_u32(val, NVH_BATCH, &n->dup_frames) ? -EINVAL :
		       (n->dup_frames ? 0 : -EINVAL);
	if (!strcmp(key, "pings"))
		return parse_u32(val, 1u << 30, &n->pings_wanted);
	if (!strcmp(key, "tx-channels"))
		return parse_u32(val, 64, &n->tx_channels_wanted);
	if (!strcmp(key, "section-size"))
		return parse_u32(val, NVH_SECTION, &n->section) ? -EINVAL :
		       (n->section >= 256 ? 0 : -EINVAL);
	if (!strcmp(key, "read-stall"))
		return host_parse_ns(val, &n->read_stall);
	if (!strcmp(key, "max-frame"))
		return parse_u32(val, 9216, &n->max_frame) ? -EINVAL :
		       (n->max_frame >= 1514 ? 0 : -EINVAL);
	if (!strcmp(key, "rx-channels"))
		return parse_u32(val, 64, &n->rx_channels_wanted);
	if (!strcmp(key, "flood"))
		return parse_u32(val, 1u << 30, &n->flood_left);
	if (!strcmp(key, "flood-size"))
		return parse_u32(val, 1514, &n->flood_size) ? -EINVAL :
		       (n->flood_size >= 60 ? 0 : -EINVAL);
	return -EINVAL;
}

static int nvh_init_defaults(struct host_dev *d)
{
	static const uint32_t all[] = { NVSP_VERSION_61, NVSP_VERSION_6, NVSP_VERSION_5,
					NVSP_VERSION_4, NVSP_VERSION_2, NVSP_VERSION_1 };
	struct nvh_dev *n = nvh(d);

	memcpy(n->versions, all, sizeof(all));
	n->nversions = (int)(sizeof(all) / sizeof(all[0]));
	n->link_up = true;
	n->speed = 100000000u;                  /* 10 Gbit/s in 100 bit/s units */
	n->max_sub = 4;
	n->section = NVH_SECTION;
	n->dup_frames = 1;
	n->flood_size = 60;
	n->mac[0] = 0x00;
	n->mac[1] = 0x15;
	n->mac[2] = 0x5d;
	n->mac[5] = (uint8_t)(d->index + 1);
	netpeer_init(&n->peer, d->index);
	return 0;
}

/* ---- the send queue ---- */

static void q_free(struct host_dev *d)
{
	struct nvh_state *s = d->priv;

	while (s->q) {
		struct nvh_item *it = s->q;

		s->q = it->next;
		free(it);
	}
}

static void q_add(struct host_dev *d, enum nvh_kind kind, uint64_t trans_id, uint32_t chantype,
		  const void *data, uint32_t len, uint64_t delay, uint16_t sub)
{
	struct nvh_state *s = d->priv;
	struct nvh_item *it = malloc(sizeof(*it) + len), **pp;

	if (!it)
		return;
	it->due = host_now(d->h) + delay;
	it->seq = ++s->seq;
	it->trans_id = trans_id;
	it->kind = kind;
	it->sub = sub;
	it->chantype = chantype;
	it->len = len;
	memcpy(it->data, data, len);
	for (pp = &s->q; *pp && (*pp)->due <= it->due; pp = &(*pp)->next)
		;
	it->next = *pp;
	*pp = it;
}

void nvh_queue(struct host_dev *d, uint32_t chantype, const void *msg, uint32_t len,
	       uint64_t delay)
{
	q_add(d, NVH_XFER, 0, chantype, msg, len, delay, 0);
}

static int free_slot(struct nvh_dev *n, uint32_t from)
{
	for (uint32_t i = from; i < n->nslots && i < NVH_MAX_SLOTS; i++)
		if (!n->slot_id[i])
			return (int)i;
	return -1;
}

/*
 * A received frame in its sub-allocation as OpenVMM writes it (buffers.rs
 * write_header): RNDIS header and rndis_packet, a checksum PPI right after
 * it, the frame at +256; msg_len and the range are the whole sub-allocation,
 * only data_len says how long the frame is.
 */
static uint32_t data_layout(const struct nvh_dev *n, const struct nvh_item *it, uint8_t *out)
{
	struct rndis_hdr h = { RNDIS_MSG_PACKET, n->sub_alloc };
	struct rndis_packet p = {
		.data_offset = NVH_FRAME_OFFSET - RNDIS_HDR_SIZE, .data_len = it->len,
		.per_pkt_info_offset = sizeof(p), .per_pkt_info_len = NVH_PPI_SIZE,
	};
	struct rndis_ppi ppi = { NVH_PPI_SIZE, RNDIS_PPI_CHECKSUM, sizeof(ppi) };
	uint32_t csum = 0x28;                   /* TCP and IP checksums good, as offload reports */

	memset(out, 0, n->sub_alloc);
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), &p, sizeof(p));
	memcpy(out + sizeof(h) + sizeof(p), &ppi, sizeof(ppi));
	memcpy(out + sizeof(h) + sizeof(p) + sizeof(ppi), &csum, sizeof(csum));
	memcpy(out + NVH_FRAME_OFFSET, it->data, it->len);
	return n->sub_alloc;
}

/*
 * Deliver k queued messages in one transfer-page packet, one range and one
 * free sub-allocation each (OpenVMM batches data frames this way; control
 * messages go one per packet). The bad-range fault bends the first range of
 * the Nth packet outside the buffer. 0 sent, -EAGAIN not now.
 */
static int send_xfer(struct host_dev *d, struct host_chan *c, struct nvh_item *const *its,
		     uint32_t k)
{
	struct nvh_dev *n = nvh(d);
	struct {
		struct nvsp_xfer_hdr h;
		struct nvsp_xfer_range r[NVH_BATCH];
		struct nvsp_rndis_pkt m;
	} __attribute__((packed)) pkt;
	static uint8_t buf[256 + 9216 + 36];   /* the largest sub-allocation (9216-byte frames) */
	struct host_gpadl *g = gpadl_find(d->h, n->rx_gpadl);
	int slots[NVH_BATCH];
	uint32_t hdr = (uint32_t)(sizeof(pkt.h) + k * sizeof(pkt.r[0])), from = 0;
	bool bad = n->bad_range && n->xfer_seq + 1 == n->bad_range;
	uint64_t id;
	int err;

	if (!g || g->state != HG_CREATED || n->sub_alloc > sizeof(buf))
		return -EPIPE;
	for (uint32_t i = 0; i < k; i++) {
		slots[i] = free_slot(n, from);
		if (slots[i] < 0)
			return -EAGAIN;
		from = (uint32_t)slots[i] + 1;
	}
	memset(&pkt, 0, sizeof(pkt));
	pkt.h.xfer_pageset_id = n->rx_id;
	pkt.h.range_cnt = k;
	for (uint32_t i = 0; i < k; i++) {
		uint32_t len = its[i]->len;
		const void *msg = its[i]->data;

		if (its[i]->chantype == NVSP_RNDIS_CHANNEL_DATA) {
			len = data_layout(n, its[i], buf);
			msg = buf;
		}
		if (len > n->sub_alloc)
			return -EPIPE;
		pkt.r[i].byte_count = len;
		pkt.r[i].byte_offset = (uint32_t)slots[i] * n->sub_alloc;
		if (gpadl_copy(d->h, g, pkt.r[i].byte_offset, (void *)msg, len, true))
			return -EPIPE;
	}
	if (bad)
		pkt.r[0].byte_offset = n->rx_size + 4096;      /* outside the buffer */
	/* The NVSP message follows the ranges actually used. */
	memcpy((uint8_t *)&pkt + hdr, &(struct nvsp_rndis_pkt){ NVSP_MSG1_SEND_RNDIS_PKT,
	       its[0]->chantype, NVSP_SECTION_NONE, 0 }, sizeof(pkt.m));
	id = (n->xfer_seq + 1) << 16 | (uint64_t)slots[0];
	err = host_dev_send_hdr(c, VMBUS_PKT_DATA_USING_XFER_PAGES,
				VMBUS_PKT_FLAG_COMPLETION_REQUESTED, id, hdr,
				&pkt, hdr + (uint32_t)sizeof(pkt.m));
	if (err)
		return err;
	n->xfer_seq++;
	for (uint32_t i = 0; i < k; i++) {
		n->slot_id[slots[i]] = id;
		n->slot_bad[slots[i]] = bad;
		n->slot_sub[slots[i]] = (uint8_t)host_chan_subidx(c);
		if (its[i]->chantype == NVSP_RNDIS_CHANNEL_DATA)
			n->frames_out++;
	}
	n->bad_pending = n->bad_pending || bad;
	host_dev_trace(d, c, NVSP_MSG1_SEND_RNDIS_PKT, id);
	return 0;
}

/* Data frames due now, up to NVH_BATCH, go in one packet. */
static uint32_t batch(struct nvh_item *first, uint64_t now, struct nvh_item **its)
{
	uint32_t k = 0;

	for (struct nvh_item *it = first; it && k < NVH_BATCH; it = it->next) {
		if (it->due > now || it->kind != NVH_XFER ||
		    it->chantype != NVSP_RNDIS_CHANNEL_DATA || (k && first->chantype != it->chantype))
			break;
		its[k++] = it;
	}
	if (k == 0)
		its[k++] = first;
	return k;
}

/* Data frames go round the open channels, one transfer-page packet each
 * (OpenVMM delivers each queue's frames on its own channel); control
 * messages stay on the primary. */
static struct host_chan *rx_chan(struct host_dev *d, const struct nvh_item *it)
{
	struct nvh_dev *n = nvh(d);
	uint32_t k;

	if (it->chantype != NVSP_RNDIS_CHANNEL_DATA || !n->sub_open)
		return d->chan[0];
	for (int tries = 0; tries <= d->nsub; tries++) {
		k = n->rx_rr++ % (uint32_t)(d->nsub + 1);
		if (k == 0 || ((n->sub_open >> k) & 1))
			return d->chan[k];
	}
	return d->chan[0];
}

static uint32_t queued_frames(const struct nvh_state *s);

/* The bench load (flood=N): once the guest set a packet filter, the host
 * keeps up to NVH_WIRE_QUEUE broadcast frames of flood-size bytes queued
 * until N went out, as a busy wire would; the guest's stack drops them. */
static void flood_fill(struct host_dev *d)
{
	struct nvh_dev *n = nvh(d);
	uint8_t f[1514];
	uint32_t k;

	if (!n->flood_left || !n->filter || !n->rx_known || n->rx_revoked)
		return;
	memset(f, 0xFF, 6);
	memcpy(f + 6, n->peer.mac, 6);
	f[12] = 0x88;                           /* local experimental ethertype */
	f[13] = 0xB5;
	memset(f + 14, 0x5A, sizeof(f) - 14);
	for (k = queued_frames(d->priv); n->flood_left && k < NVH_WIRE_QUEUE; k++, n->flood_left--)
		nvh_queue(d, NVSP_RNDIS_CHANNEL_DATA, f, n->flood_size, 0);
}

/* Send what is due, in order, until something has to wait. */
static void q_flush(struct host_dev *d)
{
	struct nvh_state *s = d->priv;
	struct nvh_dev *n = nvh(d);
	struct host_chan *c = d->chan[0];
	uint64_t now = host_now(d->h);

	flood_fill(d);

	while (c && s->q) {
		struct nvh_item *it = s->q, *its[NVH_BATCH];
		uint32_t k = 1;
		int err;

		if (it->due > now) {
			host_dev_tick_after(c, it->due - now);
			return;
		}
		if (it->kind == NVH_COMP && !d->chan[it->sub]) {
			err = -EPIPE;           /* its sub-channel is gone */
		} else if (it->kind == NVH_COMP) {
			err = host_dev_send(d->chan[it->sub], VMBUS_PKT_COMP, 0, it->trans_id, it->data,
					    it->len);
		} else if (it->kind == NVH_INBAND) {
			err = host_dev_send(c, VMBUS_PKT_DATA_INBAND, 0, 0, it->data, it->len);
		} else if (!n->rx_known || n->rx_revoked) {
			err = -EPIPE;           /* nowhere to put it: dropped */
		} else if (it->chantype == NVSP_RNDIS_CHANNEL_DATA && n->filter == 0) {
			return;                 /* held until the guest sets a filter */
		} else {
			k = batch(it, now, its);
			err = send_xfer(d, rx_chan(d, it), its, k);
		}
		if (err == -EAGAIN)
			return;                 /* ring full or no sub-allocation: later */
		while (k--) {
			it = s->q;
			s->q = it->next;
			free(it);
		}
	}
}

static void reply(struct host_dev *d, struct host_chan *c, uint64_t trans_id, const void *msg,
		  uint32_t len, uint64_t delay)
{
	uint8_t buf[NVSP_MSG_SIZE_V61] = { 0 };
	struct nvh_dev *n = nvh(d);
	/* 28 bytes below 6.1, 40 from 6.1 on (OpenVMM PACKET_SIZE_V1/V61). */
	uint32_t size = n->version >= NVSP_VERSION_61 ? NVSP_MSG_SIZE_V61 : NVSP_MSG_SIZE_V1;

	if (len > size)
		size = len;
	memcpy(buf, msg, len);
	q_add(d, NVH_COMP, trans_id, 0, buf, size, delay, host_chan_subidx(c));
}

/* ---- link events ---- */

static void link_events(struct host_dev *d)
{
	struct nvh_dev *n = nvh(d);
	uint64_t now = host_now(d->h), next = 0;

	for (int i = 0; i < n->nlink; i++) {
		struct nvh_link_ev *e = &n->link[i];
		struct {
			struct rndis_hdr h;
			struct rndis_indicate s;
		} __attribute__((packed)) m;

		if (e->done)
			continue;
		if (e->at > now) {
			if (!next || e->at < next)
				next = e->at;
			continue;
		}
		e->done = true;
		if (e->status != RNDIS_STATUS_NETWORK_CHANGE)
			n->link_up = e->status == RNDIS_STATUS_MEDIA_CONNECT;
		memset(&m, 0, sizeof(m));
		m.h.msg_type = RNDIS_MSG_INDICATE;
		m.h.msg_len = sizeof(m);
		m.s.status = e->status;
		nvh_queue(d, NVSP_RNDIS_CHANNEL_CONTROL, &m, sizeof(m), 0);
	}
	if (next && d->chan[0])
		host_dev_tick_after(d->chan[0], next - now);
}

/* ---- NVSP requests ---- */

static void nvh_transition(struct host_dev *d, enum nvh_init to)
{
	struct nvh_dev *n = nvh(d);

	if ((to == NVH_WAIT_BUFFERS && n->init != NVH_WAIT_INIT) ||
	    (to == NVH_READY && n->init != NVH_WAIT_BUFFERS)) {
		host_dev_violation(d, d->chan[0], "NVSP init out of order");
		return;
	}
	n->init = to;
}

static void on_init(struct host_dev *d, struct host_chan *c, uint64_t id, const uint8_t *p,
		    uint64_t delay)
{
	struct nvh_dev *n = nvh(d);
	struct nvsp_init req;
	struct nvsp_init_complete ic = { .msg_type = NVSP_MSG_INIT_COMPLETE,
					 .max_mdl_chain_len = 34 };

	memcpy(&req, p, sizeof(req));
	if (n->init != NVH_WAIT_INIT) {
		host_dev_violation(d, c, "NVSP INIT after a version was accepted");
		return;
	}
	for (int i = 0; i < n->nversions; i++) {
		if (n->versions[i] == req.min_protocol_ver) {
			n->version = req.min_protocol_ver;
			ic.status = NVSP_STAT_SUCCESS;
			ic.negotiated_protocol_ver = n->version == NVSP_VERSION_1 ? 2 : 0xFFFFFFFFu;
			nvh_transition(d, NVH_WAIT_BUFFERS);
			break;
		}
	}
	reply(d, c, id, &ic, sizeof(ic), delay);
}

static struct host_gpadl *chan_gpadl(struct host_dev *d, struct host_chan *c, uint32_t handle)
{
	struct host_gpadl *g = gpadl_find(d->h, handle);

	if (!g || g->state != HG_CREATED || g->relid != host_chan_relid(c))
		return NULL;
	return g;
}

static void on_recv_buf(struct host_dev *d, struct host_chan *c, uint64_t id, const uint8_t *p,
			uint64_t delay)
{
	struct nvh_dev *n = nvh(d);
	struct nvsp_send_buf req;
	struct nvsp_recv_buf_complete rc = { .msg_type = NVSP_MSG1_SEND_RECV_BUF_COMPLETE,
					     .status = NVSP_STAT_FAIL };
	struct host_gpadl *g;

	memcpy(&req, p, sizeof(req));
	if (n->version >= NVSP_VERSION_2 && !n->ndis_config) {
		host_dev_violation(d, c, "receive buffer before the NDIS config (NVSP >= 2)");
		return;
	}
	if (n->rx_known) {
		host_dev_violation(d, c, "second receive buffer");
		return;
	}
	g = chan_gpadl(d, c, req.gpadl_handle);
	n->sub_alloc = 256 + n->frame_mtu + 36;         /* OpenVMM buffers.rs */
	if (g && (uint64_t)g->npfns * HV_PAGE_SIZE >= 16u * n->sub_alloc) {
		n->rx_gpadl = req.gpadl_handle;
		n->rx_id = req.id;        /* comes back in every transfer-page packet */
		n->rx_size = g->npfns * HV_PAGE_SIZE;
		n->nslots = n->rx_size / n->sub_alloc;
		if (n->nslots > NVH_MAX_SLOTS)
			n->nslots = NVH_MAX_SLOTS;
		n->rx_known = true;
		rc.status = NVSP_STAT_SUCCESS;
		rc.num_sections = 1;
		rc.section[0].sub_alloc_size = n->sub_alloc;
		rc.section[0].num_sub_allocs = n->rx_size / n->sub_alloc;
		rc.section[0].end_offset = n->sub_alloc * rc.section[0].num_sub_allocs;
		nvh_transition(d, NVH_READY);
	}
	reply(d, c, id, &rc, sizeof(rc), delay);
}

static void on_send_buf(struct host_dev *d, struct host_chan *c, uint64_t id, const uint8_t *p,
			uint64_t delay)
{
	struct nvh_dev *n = nvh(d);
	struct nvsp_send_buf req;
	struct nvsp_send_buf_complete sc = { .msg_type = NVSP_MSG1_SEND_SEND_BUF_COMPLETE,
					     .status = NVSP_STAT_FAIL };
	struct host_gpadl *g;

	memcpy(&req, p, sizeof(req));
	if (n->tx_known) {
		host_dev_violation(d, c, "second send buffer");
		return;
	}
	g = chan_gpadl(d, c, req.gpadl_handle);
	if (g && g->npfns * HV_PAGE_SIZE >= n->section) {
		n->tx_gpadl = req.gpadl_handle;
		n->tx_size = g->npfns * HV_PAGE_SIZE;
		n->tx_known = true;
		sc.status = NVSP_STAT_SUCCESS;
		sc.section_size = n->section;
	}
	reply(d, c, id, &sc, sizeof(sc), delay);
}

/* A PACKET_MSG from the guest: its frame goes to the peer; an answer comes
 * back as a received frame. Returns the NVSP status for the completion. */
static uint32_t guest_frame(struct host_dev *d, const uint8_t *msg, uint32_t len)
{
	struct nvh_dev *n = nvh(d);
	struct rndis_packet rp;
	uint8_t frame[1514];
	uint32_t blen, flen;

	if (len < RNDIS_HDR_SIZE + sizeof(rp) || rd32(msg + 4) > len)
		return NVSP_STAT_FAIL;
	blen = rd32(msg + 4) - RNDIS_HDR_SIZE;
	memcpy(&rp, msg + RNDIS_HDR_SIZE, sizeof(rp));
	if (blen < sizeof(rp) || rp.data_offset >= blen || rp.data_len == 0 ||
	    rp.data_len > blen - rp.data_offset || rp.vc_handle || rp.oob_data_len)
		return NVSP_STAT_FAIL;              /* OpenVMM handle_rndis_packet_message */
	n->frames_in++;
	if (n->port.send) {
		/* An attached wire takes every frame; its answers come back
		 * through host_net_receive. */
		n->port.send(n->port.ctx, msg + RNDIS_HDR_SIZE + rp.data_offset, rp.data_len);
		return NVSP_STAT_SUCCESS;
	}
	flen = netpeer_input(&n->peer, msg + RNDIS_HDR_SIZE + rp.data_offset, rp.data_len,
			     frame, sizeof(frame));
	for (uint32_t i = 0; flen && i < n->dup_frames; i++)
		nvh_queue(d, NVSP_RNDIS_CHANNEL_DATA, frame, flen, 0);
	return NVSP_STAT_SUCCESS;
}

static void on_rndis_pkt(struct host_dev *d, struct host_chan *c, uint64_t id, const uint8_t *p,
			 uint64_t delay, bool answer)
{
	struct nvh_dev *n = nvh(d);
	struct nvsp_rndis_pkt req;
	struct nvsp_rndis_pkt_complete pc = { NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, NVSP_STAT_SUCCESS };
	static uint8_t msg[NVH_SECTION];
	struct host_gpadl *g;

	memcpy(&req, p, sizeof(req));
	if (!n->rx_known || (n->version >= NVSP_VERSION_2 && !n->ndis_config)) {
		host_dev_violation(d, c, "SEND_RNDIS_PKT before the NDIS config and receive buffer");
		return;
	}
	if (!n->tx_known || req.section_index == NVSP_SECTION_NONE ||
	    req.section_index >= n->tx_size / n->section || req.section_size > n->section ||
	    req.section_size < RNDIS_HDR_SIZE || req.channel_type > NVSP_RNDIS_CHANNEL_CONTROL) {
		host_dev_violation(d, c, "SEND_RNDIS_PKT names no valid send-buffer section");
		return;
	}
	g = chan_gpadl(d, d->chan[0], n->tx_gpadl);
	if (!g || gpadl_copy(d->h, g, (uint64_t)req.section_index * n->section, msg,
			     req.section_size, false))
		return;
	if (req.channel_type == NVSP_RNDIS_CHANNEL_CONTROL && host_chan_subidx(c) != 0) {
		host_dev_violation(d, c, "RNDIS control message on a sub-channel");
		return;
	}
	if (req.channel_type == NVSP_RNDIS_CHANNEL_CONTROL) {
		if (answer)
			nvh_rndis_control(d, c, msg, req.section_size);
		n->rndis_msgs++;
	} else {
		pc.status = guest_frame(d, msg, req.section_size);
		n->tx_chan_mask |= 1ull << (host_chan_subidx(c) & 63);
	}
	if (answer)
		reply(d, c, id, &pc, sizeof(pc), delay);
}

static void on_subchannel(struct host_dev *d, struct host_chan *c, uint64_t id, const uint8_t *p,
			  uint64_t delay, int act, uint64_t arg)
{
	struct nvh_dev *n = nvh(d);
	struct nvsp_subchannel req, rep = { NVSP_MSG5_SUBCHANNEL, NVSP_STAT_FAIL, 0 };
	bool first = host_dev_subchan_offers_first(d);
	uint32_t grant;

	memcpy(&req, p, sizeof(req));
	if (host_chan_subidx(c) != 0 || n->version < NVSP_VERSION_5 || n->subchannels_done ||
	    req.op_or_status != NVSP_SUBCHANNEL_ALLOCATE || req.num_subchannels == 0 ||
	    (act == HTA_STATUS && arg)) {
		reply(d, c, id, &rep, sizeof(rep), delay);
		return;
	}
	n->subchannels_done = true;
	grant = req.num_subchannels < n->max_sub ? req.num_subchannels : n->max_sub;
	if (grant > (uint32_t)(64 - d->nsub))
		grant = (uint32_t)(64 - d->nsub);
	if (first)
		grant = (uint32_t)host_dev_offer_subchannels(d, (int)grant);
	n->granted = grant;
	rep.op_or_status = NVSP_STAT_SUCCESS;
	rep.num_subchannels = grant;
	reply(d, c, id, &rep, sizeof(rep), delay);
	q_flush(d);
	if (!first)
		host_dev_offer_subchannels(d, (int)grant);
}

/* The send table, once every granted sub-channel is open (OpenVMM sends it
 * once, entry i = i mod channels, right after the 12-byte body). */
static void send_table(struct host_dev *d)
{
	struct nvh_dev *n = nvh(d);
	struct {
		struct nvsp_indirection_table t;
		uint32_t e[NVSP_SEND_TABLE_ENTRIES];
	} __attribute__((packed)) m = { { NVSP_MSG5_SEND_INDIRECTION_TABLE,
					  NVSP_SEND_TABLE_ENTRIES, sizeof(m.t) }, { 0 } };

	for (uint32_t i = 0; i < NVSP_SEND_TABLE_ENTRIES; i++)
		m.e[i] = i % (n->granted + 1);
	n->table_sent = true;
	q_add(d, NVH_INBAND, 0, 0, &m, sizeof(m), 0, 0);
}

/* The guest's completion of one of our transfer-page packets. */
static void on_guest_comp(struct host_dev *d, struct host_chan *c, uint64_t id, const uint8_t *p,
			  uint32_t plen)
{
	struct nvh_dev *n = nvh(d);
	struct nvsp_rndis_pkt_complete pc;
	uint32_t slot = (uint32_t)(id & 0xFFFF);

	if (plen < sizeof(pc)) {
		host_dev_violation(d, c, "short SEND_RNDIS_PKT_COMPLETE");
		return;
	}
	memcpy(&pc, p, sizeof(pc));
	if (pc.msg_type != NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE || slot >= NVH_MAX_SLOTS ||
	    n->slot_id[slot] != id) {
		host_dev_violation(d, c, "completion for a transfer-page packet never sent "
				   "or already completed");
		return;
	}
	if (n->slot_sub[slot] != host_chan_subidx(c)) {
		host_dev_violation(d, c, "transfer-page packet completed on another channel "
				   "than the one it came on");
		return;
	}
	n->rx_chan_mask |= 1ull << (host_chan_subidx(c) & 63);
	if (n->slot_bad[slot] && pc.status == NVSP_STAT_SUCCESS) {
		host_dev_violation(d, c, "guest completed a packet whose range lies outside its "
				   "receive buffer as a success");
		return;
	}
	if (n->slot_bad[slot]) {
		n->bad_completions++;
		n->bad_pending = false;
	}
	/* Every sub-allocation of that packet comes back (OpenVMM
	 * release_recv_buffers). */
	for (uint32_t i = slot; i < n->nslots && i < NVH_MAX_SLOTS; i++) {
		if (n->slot_id[i] == id) {
			n->slot_id[i] = 0;
			n->slot_bad[i] = false;
		}
	}
}

/* {type, minimum length, needs a completion flag} (docs/style.md §4). */
static const struct {
	uint32_t type;
	uint32_t min_len;
	bool wants_comp;
} nvh_reqs[] = {
	{ NVSP_MSG_INIT, sizeof(struct nvsp_init), true },
	{ NVSP_MSG1_SEND_NDIS_VERSION, sizeof(struct nvsp_ndis_version), false },
	{ NVSP_MSG2_SEND_NDIS_CONFIG, sizeof(struct nvsp_ndis_config), false },
	{ NVSP_MSG1_SEND_RECV_BUF, sizeof(struct nvsp_send_buf), true },
	{ NVSP_MSG1_SEND_SEND_BUF, sizeof(struct nvsp_send_buf), true },
	{ NVSP_MSG1_REVOKE_RECV_BUF, sizeof(struct nvsp_revoke_buf), false },
	{ NVSP_MSG1_REVOKE_SEND_BUF, sizeof(struct nvsp_revoke_buf), false },
	{ NVSP_MSG1_SEND_RNDIS_PKT, sizeof(struct nvsp_rndis_pkt), true },
	{ NVSP_MSG5_SUBCHANNEL, sizeof(struct nvsp_subchannel), true },
};

static void nvh_request(struct host_dev *d, struct host_chan *c,
			const struct vmbus_pkt_desc *desc, const uint8_t *p, uint32_t plen)
{
	struct nvh_dev *n = nvh(d);
	uint32_t type = rd32(p);
	uint64_t delay = 0, arg = 0;
	size_t i;
	int act;

	for (i = 0; i < sizeof(nvh_reqs) / sizeof(nvh_reqs[0]); i++)
		if (nvh_reqs[i].type == type)
			break;
	if (i == sizeof(nvh_reqs) / sizeof(nvh_reqs[0])) {
		host_dev_violation(d, c, "unknown NVSP message type");
		return;
	}
	if (plen < nvh_reqs[i].min_len ||
	    (nvh_reqs[i].wants_comp && (!(desc->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED) ||
					desc->trans_id == 0))) {
		host_dev_violation(d, c, "NVSP request too short or without a completion flag");
		return;
	}
	if (type != NVSP_MSG_INIT && n->init == NVH_WAIT_INIT) {
		host_dev_violation(d, c, "NVSP message before a version was accepted");
		return;
	}
	act = host_dev_trigger(d, c, type == NVSP_MSG5_SUBCHANNEL ? HOST_STEP_SUBCHANNELS :
			       HOST_STEP_PACKET, &arg);
	if (act == HTA_DROP)
		return;
	if (act == HTA_RESCIND) {
		host_rescind(d->h, d->index, host_chan_subidx(c));
		return;
	}
	if (act == HTA_DELAY)
		delay = arg;
	switch (type) {
	case NVSP_MSG_INIT:
		if (act != HTA_NEVER_ANSWER)
			on_init(d, c, desc->trans_id, p, delay);
		break;
	case NVSP_MSG2_SEND_NDIS_CONFIG: {
		struct nvsp_ndis_config cfg;

		memcpy(&cfg, p, sizeof(cfg));
		/* OpenVMM accepts 1514..9216 and uses 1514 for anything else. */
		n->frame_mtu = cfg.mtu >= 1514 && cfg.mtu <= 9216 ? cfg.mtu : 1514;
		if (n->max_frame && n->frame_mtu > n->max_frame)
			n->frame_mtu = n->max_frame;    /* this host's own limit */
		n->ndis_config = true;
		break;
	}
	case NVSP_MSG1_SEND_NDIS_VERSION:
		n->ndis_version = true;
		break;
	case NVSP_MSG1_SEND_RECV_BUF:
		if (act != HTA_NEVER_ANSWER)
			on_recv_buf(d, c, desc->trans_id, p, delay);
		break;
	case NVSP_MSG1_SEND_SEND_BUF:
		if (act != HTA_NEVER_ANSWER)
			on_send_buf(d, c, desc->trans_id, p, delay);
		break;
	case NVSP_MSG1_REVOKE_RECV_BUF:
		/* docs/protocols/network.md §16: filter 0 and HALT come first. */
		if (n->filter || (n->filter_was_set && !n->halted))
			host_dev_violation(d, c, "receive buffer revoked before packet filter 0 "
					   "and RNDIS HALT");
		n->rx_revoked = true;
		break;
	case NVSP_MSG1_REVOKE_SEND_BUF:
		n->tx_known = false;
		break;
	case NVSP_MSG1_SEND_RNDIS_PKT:
		on_rndis_pkt(d, c, desc->trans_id, p, delay, act != HTA_NEVER_ANSWER);
		break;
	case NVSP_MSG5_SUBCHANNEL:
		if (act != HTA_NEVER_ANSWER)
			on_subchannel(d, c, desc->trans_id, p, delay, act, arg);
		break;
	}
}

static void nvh_packet(struct host_dev *d, struct host_chan *c,
		       const struct vmbus_pkt_desc *desc, const uint8_t *pkt, uint32_t len)
{
	const uint8_t *p = pkt + desc->offset8 * 8u;
	uint32_t plen = len - desc->offset8 * 8u;

	if (desc->type == VMBUS_PKT_COMP) {
		on_guest_comp(d, c, desc->trans_id, p, plen);
	} else if (desc->type != VMBUS_PKT_DATA_INBAND) {
		host_dev_violation(d, c, "packet type other than in-band or completion");
		return;
	} else if (plen < 32) {
		/* Hyper-V ignores NVSP requests under 32 bytes (FreeBSD
		 * HN_NVS_REQSIZE_MIN): a guest that sends one hangs there. */
		host_dev_violation(d, c, "NVSP request shorter than 32 bytes");
		return;
	} else if (host_chan_subidx(c) != 0 && rd32(p) != NVSP_MSG1_SEND_RNDIS_PKT) {
		/* Data frames may use any channel (vRSS); the rest is the primary's. */
		host_dev_violation(d, c, "NVSP request on a sub-channel");
		return;
	} else {
		nvh_request(d, c, desc, p, plen);
	}
	q_flush(d);
}

/* ---- channel life ---- */

static void nvh_reset(struct host_dev *d)
{
	struct nvh_dev *n = nvh(d);

	q_free(d);
	n->init = NVH_WAIT_INIT;
	n->version = 0;
	n->ndis_config = n->ndis_version = n->rndis_init = n->subchannels_done = false;
	n->rx_known = n->rx_revoked = n->tx_known = false;
	n->frame_mtu = 1514;
	n->filter = 0;
	n->filter_was_set = n->halted = false;
	n->granted = n->sub_opened = 0;
	n->sub_open = 0;
	n->table_sent = false;
	memset(n->slot_id, 0, sizeof(n->slot_id));
	memset(n->slot_bad, 0, sizeof(n->slot_bad));
	/* A close may overtake a completion already in the ring. */
	n->bad_pending = false;
}

static uint32_t nvh_open(struct host_dev *d, struct host_chan *c)
{
	struct nvh_dev *n = nvh(d);

	if (host_chan_subidx(c) == 0) {
		nvh_reset(d);
		link_events(d);
		return 0;
	}
	n->sub_opened++;
	n->sub_open |= 1ull << (host_chan_subidx(c) & 63);
	if (n->granted && n->sub_opened == n->granted && !n->table_sent)
		send_table(d);
	q_flush(d);
	return 0;
}

static void nvh_close(struct host_dev *d, struct host_chan *c)
{
	nvh(d)->sub_open &= ~(1ull << (host_chan_subidx(c) & 63));
	if (host_chan_subidx(c) == 0)
		nvh_reset(d);
}

/* A rescinded sub-channel takes no more frames. */
static void nvh_close_sub(struct host_dev *d, struct host_chan *c)
{
	if (host_chan_subidx(c) != 0)
		nvh(d)->sub_open &= ~(1ull << (host_chan_subidx(c) & 63));
}

static void nvh_tick(struct host_dev *d, struct host_chan *c)
{
	(void)c;
	link_events(d);
	q_flush(d);
}

static void nvh_destroy(struct host_dev *d)
{
	q_free(d);
}

/* expect host DEV offload-off N (host/rndis_host.c on_offload). */
static int nvh_counter(struct host_dev *d, const char *key, uint64_t *out)
{
	if (!strcmp(key, "frames-in")) {
		*out = nvh(d)->frames_in;
		return 0;
	}
	if (!strcmp(key, "rss-sets")) {
		*out = nvh(d)->rss_sets;
		return 0;
	}
	if (strcmp(key, "offload-off"))
		return -ENOENT;
	*out = nvh(d)->offload_off_sets;
	return 0;
}

static int nvh_check_final(struct host_dev *d, char *why, size_t cap)
{
	struct nvh_dev *n = nvh(d);

	if (n->peer.pings < n->pings_wanted) {
		snprintf(why, cap, "device %s: the peer answered %llu ping(s), expected >= %u",
			 d->name, (unsigned long long)n->peer.pings, n->pings_wanted);
		return -1;
	}
	if (__builtin_popcountll(n->rx_chan_mask) < (int)n->rx_channels_wanted) {
		snprintf(why, cap, "device %s: the guest completed frames on %d channel(s), "
			 "expected >= %u", d->name, __builtin_popcountll(n->rx_chan_mask),
			 n->rx_channels_wanted);
		return -1;
	}
	if (__builtin_popcountll(n->tx_chan_mask) < (int)n->tx_channels_wanted) {
		snprintf(why, cap, "device %s: the guest's frames came on %d channel(s), expected >= %u",
			 d->name, __builtin_popcountll(n->tx_chan_mask), n->tx_channels_wanted);
		return -1;
	}
	if (n->bad_pending) {
		snprintf(why, cap, "device %s: the packet with the bad range was never completed "
			 "on the open channel", d->name);
		return -1;
	}
	return 0;
}

/* ---- an attached wire (host/host.h host_net_attach) ---- */

static struct host_dev *net_dev(struct host *h, int dev)
{
	if (dev < 0 || dev >= h->ndevs || h->devs[dev]->ops != &netvsc_dev_ops)
		return NULL;
	return h->devs[dev];
}

int host_net_attach(struct host *h, int dev, const struct host_net_port *port)
{
	struct host_dev *d = net_dev(h, dev);

	if (!d || !port->send)
		return -EINVAL;
	nvh(d)->port = *port;
	return 0;
}

/* Data frames waiting in the send queue. */
static uint32_t queued_frames(const struct nvh_state *s)
{
	uint32_t k = 0;

	for (const struct nvh_item *it = s->q; it; it = it->next)
		k += it->kind == NVH_XFER && it->chantype == NVSP_RNDIS_CHANNEL_DATA;
	return k;
}

bool host_net_can_receive(struct host *h, int dev)
{
	struct host_dev *d = net_dev(h, dev);
	struct nvh_dev *n = d ? nvh(d) : NULL;

	return n && d->chan[0] && n->init == NVH_READY && n->rx_known && !n->rx_revoked &&
	       n->filter != 0 && queued_frames(d->priv) < NVH_WIRE_QUEUE;
}

int host_net_receive(struct host *h, int dev, const uint8_t *frame, uint32_t len)
{
	struct host_dev *d = net_dev(h, dev);

	if (!d || len < 14 || len > nvh(d)->frame_mtu)
		return -EINVAL;
	if (!host_net_can_receive(h, dev))
		return -EAGAIN;
	nvh_queue(d, NVSP_RNDIS_CHANNEL_DATA, frame, len, 0);
	/* delivered by the device's tick, in the host's own work loop */
	host_dev_tick_after(d->chan[0], 0);
	return 0;
}

const struct host_dev_ops netvsc_dev_ops = {
	.type = "network",
	.class_guid = VMBUS_CLASS_NETWORK,
	.priv_size = sizeof(struct nvh_state),
	.init = nvh_init_defaults,
	.keys = "versions link link-down link-up network-change max-subchannels bad-range "
		"query-delay dup-frames pings tx-channels section-size read-stall max-frame "
		"rx-channels flood flood-size",
	.param = nvh_param,
	.on_open = nvh_open,
	.on_packet = nvh_packet,
	.on_close = nvh_close,
	.on_rescind = nvh_close_sub,
	.tick = nvh_tick,
	.destroy = nvh_destroy,
	.check_final = nvh_check_final,
	.counter = nvh_counter,
};
