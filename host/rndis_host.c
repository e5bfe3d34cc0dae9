/*
 * RNDIS answers of the simulated network host, as OpenVMM's netvsp gives
 * them (vm/devices/net/netvsp/src/lib.rs handle_rndis_control_message,
 * handle_oid_query, handle_oid_set): INITIALIZE_CMPLT (version 1.0,
 * connectionless 802.3, 8 packets per message, alignment 2^3), QUERY of
 * the MAC, maximum frame size, link speed, media state, packet filter and
 * RSS capabilities (anything else: STATUS_NOT_SUPPORTED), SET of the packet filter and of
 * the offload and RSS parameters; HALT is
 * only noted (a revoke before filter 0 and HALT is a violation). Every answer goes back through the receive buffer (control
 * channel type) after the section's completion.
 */
#include <string.h>

#include "host/host_priv.h"
#include "host/netvsc_host.h"
#include "include/hyperv/nvsp.h"
#include "include/hyperv/rndis.h"

struct rndis_answer {
	struct rndis_hdr h;
	uint32_t body[4 + 11];                /* the largest body plus a 6-byte value */
} __attribute__((packed));

static void answer(struct host_dev *d, uint32_t type, const void *body, uint32_t blen,
		   uint64_t delay)
{
	struct rndis_answer a;

	memset(&a, 0, sizeof(a));
	a.h.msg_type = type;
	a.h.msg_len = RNDIS_HDR_SIZE + blen;
	memcpy(a.body, body, blen);
	nvh_queue(d, NVSP_RNDIS_CHANNEL_CONTROL, &a, a.h.msg_len, delay);
}

static void on_init(struct host_dev *d, struct host_chan *c, uint32_t req_id)
{
	struct nvh_dev *n = d->priv;
	struct rndis_init_cmplt ic = {
		.req_id = req_id, .status = RNDIS_STATUS_SUCCESS, .major_ver = 1,
		.device_flags = 1, .max_pkt_per_msg = 8, .max_xfer_size = 0xEFFFFFFFu,
		.pkt_alignment_factor = 3,
	};

	if (n->rndis_init) {
		host_dev_violation(d, c, "second RNDIS INITIALIZE");
		return;
	}
	n->rndis_init = true;
	answer(d, RNDIS_MSG_INIT_C, &ic, sizeof(ic), 0);
}

static void on_query(struct host_dev *d, uint32_t req_id, uint32_t oid)
{
	struct nvh_dev *n = d->priv;
	struct {
		struct rndis_query_cmplt q;
		uint8_t v[sizeof(struct rndis_rss_caps)];
	} __attribute__((packed)) r = { { req_id, RNDIS_STATUS_SUCCESS, 4, 16 }, { 0 } };
	struct rndis_rss_caps caps = { RNDIS_RSS_CAPS_TYPE, 2, sizeof(caps), 0x301, 1, 0, 128 };
	uint32_t v32 = 0;

	switch (oid) {
	case RNDIS_OID_802_3_PERMANENT_ADDRESS:
		memcpy(r.v, n->mac, 6);
		r.q.info_buflen = 6;
		break;
	case RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE:
		v32 = n->frame_mtu - 14;
		break;
	case RNDIS_OID_GEN_LINK_SPEED:
		v32 = n->speed;
		break;
	case RNDIS_OID_GEN_MEDIA_CONNECT_STATUS:
		v32 = n->link_up ? RNDIS_MEDIA_CONNECTED : RNDIS_MEDIA_DISCONNECTED;
		break;
	case RNDIS_OID_GEN_CURRENT_PACKET_FILTER:
		v32 = n->filter;
		break;
	case RNDIS_OID_GEN_RSS_CAPABILITIES:
		caps.n_queues = n->max_sub + 1;  /* OpenVMM: max_queues */
		memcpy(r.v, &caps, sizeof(caps));
		r.q.info_buflen = sizeof(caps);
		break;
	default:
		r.q.status = RNDIS_STATUS_NOT_SUPPORTED;
		r.q.info_buflen = 0;
		r.q.info_buf_offset = 0;
		break;
	}
	if (r.q.info_buflen == 4)
		memcpy(r.v, &v32, 4);
	/* query-delay: answers after the filter was set (the running NIC) are late. */
	answer(d, RNDIS_MSG_QUERY_C, &r, (uint32_t)sizeof(r.q) + r.q.info_buflen,
	       n->filter ? n->query_delay : 0);
}

/* OID_TCP_OFFLOAD_PARAMETERS: count the SETs that leave every checksum off
 * (the guest computes them), as `expect host DEV offload-off N` reads. */
static void on_offload(struct nvh_dev *n, const uint8_t *v, uint32_t len)
{
	struct rndis_offload_params p = { 0 };

	memcpy(&p, v, len < sizeof(p) ? len : sizeof(p));
	if (p.type == RNDIS_OFFLOAD_OBJECT_TYPE && p.ip4_csum == RNDIS_OFFLOAD_OFF &&
	    p.tcp4_csum == RNDIS_OFFLOAD_OFF && p.udp4_csum == RNDIS_OFFLOAD_OFF &&
	    p.tcp6_csum == RNDIS_OFFLOAD_OFF && p.udp6_csum == RNDIS_OFFLOAD_OFF)
		n->offload_off_sets++;
}

/* OID_GEN_RECEIVE_SCALE_PARAMETERS: header, table and key inside the value,
 * every entry a channel the host granted; counted as `rss-sets`. */
static uint32_t on_rss(struct nvh_dev *n, const uint8_t *v, uint32_t len)
{
	struct rndis_rss_params p;

	if (len < sizeof(p))
		return RNDIS_STATUS_INVALID_DATA;
	memcpy(&p, v, sizeof(p));
	if (p.type != RNDIS_RSS_PARAMS_TYPE || p.table_bytes == 0 || p.table_bytes % 4 ||
	    p.table_offset > len || p.table_bytes > len - p.table_offset ||
	    p.key_bytes != RNDIS_RSS_KEY_BYTES || p.key_offset > len ||
	    p.key_bytes > len - p.key_offset)
		return RNDIS_STATUS_INVALID_DATA;
	for (uint32_t i = 0; i < p.table_bytes; i += 4) {
		uint32_t q;

		memcpy(&q, v + p.table_offset + i, 4);
		if (q > n->granted)
			return RNDIS_STATUS_INVALID_DATA;
	}
	n->rss_sets++;
	return RNDIS_STATUS_SUCCESS;
}

static void on_set(struct host_dev *d, const uint8_t *msg, uint32_t len,
		   const struct rndis_oid_req *s)
{
	struct nvh_dev *n = d->priv;
	struct rndis_set_cmplt r = { s->req_id, RNDIS_STATUS_SUCCESS };
	uint32_t blen = len - RNDIS_HDR_SIZE;

	if (s->info_buf_offset > blen || s->info_buflen > blen - s->info_buf_offset) {
		r.status = RNDIS_STATUS_INVALID_DATA;
	} else if (s->oid == RNDIS_OID_GEN_RSS_PARAMETERS) {
		r.status = on_rss(n, msg + RNDIS_HDR_SIZE + s->info_buf_offset, s->info_buflen);
	} else if (s->oid == RNDIS_OID_TCP_OFFLOAD_PARAMETERS &&
		   s->info_buflen >= RNDIS_OFFLOAD_SIZE_REV2) {
		on_offload(n, msg + RNDIS_HDR_SIZE + s->info_buf_offset, s->info_buflen);
	} else if (s->oid == RNDIS_OID_GEN_CURRENT_PACKET_FILTER && s->info_buflen == 4) {
		memcpy(&n->filter, msg + RNDIS_HDR_SIZE + s->info_buf_offset, 4);
		/* read-stall: the NIC is up; its rings are not read for a while */
		for (int k = 0; n->filter && !n->filter_was_set && n->read_stall && k <= d->nsub; k++)
			if (d->chan[k])
				host_dev_hold_reads(d->chan[k], n->read_stall);
		n->filter_was_set = n->filter_was_set || n->filter;
	} else {
		r.status = RNDIS_STATUS_NOT_SUPPORTED;
	}
	answer(d, RNDIS_MSG_SET_C, &r, sizeof(r), 0);
}

void nvh_rndis_control(struct host_dev *d, struct host_chan *c, const uint8_t *msg,
		       uint32_t len)
{
	struct nvh_dev *n = d->priv;
	struct rndis_hdr h;
	struct rndis_oid_req o = { 0 };
	uint32_t req_id;

	memcpy(&h, msg, sizeof(h));
	if (h.msg_len < RNDIS_HDR_SIZE + 4 || h.msg_len > len) {
		host_dev_violation(d, c, "RNDIS control message length disagrees with its section");
		return;
	}
	memcpy(&req_id, msg + RNDIS_HDR_SIZE, sizeof(req_id));
	if ((h.msg_type == RNDIS_MSG_QUERY || h.msg_type == RNDIS_MSG_SET) &&
	    h.msg_len < RNDIS_HDR_SIZE + sizeof(o)) {
		host_dev_violation(d, c, "short RNDIS QUERY/SET");
		return;
	}
	memcpy(&o, msg + RNDIS_HDR_SIZE, h.msg_len >= RNDIS_HDR_SIZE + sizeof(o) ? sizeof(o) : 4);
	switch (h.msg_type) {
	case RNDIS_MSG_INIT:
		on_init(d, c, req_id);
		break;
	case RNDIS_MSG_QUERY:
		on_query(d, req_id, o.oid);
		break;
	case RNDIS_MSG_SET:
		on_set(d, msg, h.msg_len, &o);
		break;
	case RNDIS_MSG_HALT:
		n->halted = true;               /* OpenVMM ignores it; the order is checked */
		break;
	default:
		host_dev_violation(d, c, "RNDIS message type the host does not take");
		break;
	}
}
