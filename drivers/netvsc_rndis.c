/*
 * RNDIS on the synthetic NIC: INITIALIZE, QUERY and SET requests and their
 * responses, offloads off, and status indications (link up and down, network change,
 * link speed). Follows Linux rndis_filter_init_device,
 * rndis_filter_query_device, rndis_filter_set_packet_filter,
 * rndis_filter_receive_response and netvsc_linkstatus_callback.
 *
 * Requests go out in a send-buffer section with channel type "control"
 * (netvsc_tx.c); responses arrive in the receive buffer and reach
 * netvsc_rndis_control after netvsc_rx.c copied and netvsc_parse_rndis
 * checked them. One request is outstanding at a time; a response is taken
 * only when its request id and type match it.
 */
#include <errno.h>
#include <string.h>

#include "drivers/netvsc.h"
#include "kernel/log.h"
#include "kernel/platform.h"

/* Send msg (its req_id already set) and wait for the response of type
 * `expect`. Woken by netvsc_rndis_control (vmbus_event) or
 * netvsc_rndis_abort (a rescind, a failed channel, teardown); else the
 * timeout ends it. Only teardown itself asks once `dying` is set. */
static int rndis_call(struct netvsc_dev *nd, const void *msg, uint32_t len, uint32_t req_id,
		      uint32_t expect)
{
	struct netvsc_rreq *r = &nd->rreq;
	int err;

	if (r->req_id || (nd->dying && !nd->halting))
		return -EBUSY;
	completion_reinit(&r->done);
	r->req_id = req_id;
	r->expect = expect;
	r->err = -ETIMEDOUT;
	r->len = 0;
	err = netvsc_tx_rndis(nd, msg, len, NVSP_RNDIS_CHANNEL_CONTROL);
	if (err) {
		r->req_id = 0;
		return err;
	}
	err = completion_wait(&r->done, NETVSC_CTL_TIMEOUT_NS);
	r->req_id = 0;
	return err ? err : r->err;
}

static uint32_t next_id(struct netvsc_dev *nd)
{
	uint32_t id = nd->next_req_id++;

	if (nd->next_req_id == 0)
		nd->next_req_id = 1;     /* 0 means "none outstanding" */
	return id;
}

void netvsc_rndis_abort(struct netvsc_dev *nd, int err)
{
	if (!nd->rreq.req_id)
		return;
	nd->rreq.req_id = 0;
	nd->rreq.err = err;
	complete_one(&nd->rreq.done);
}

/*
 * lwIP computes and checks every checksum itself and sends no large
 * segments, so the host is told that nothing is offloaded (Linux
 * netvsc_set_features turns offloads on and off with the same OID): the
 * capabilities do not matter then. Revision and size follow the NVSP
 * version as Linux rndis_filter_set_offload_params does. A host that
 * refuses the OID offloads nothing by default.
 */
static int rndis_offload_off(struct netvsc_dev *nd)
{
	struct rndis_offload_params p = {
		.type = RNDIS_OFFLOAD_OBJECT_TYPE, .revision = 3, .size = sizeof(p),
		.ip4_csum = RNDIS_OFFLOAD_OFF, .tcp4_csum = RNDIS_OFFLOAD_OFF,
		.udp4_csum = RNDIS_OFFLOAD_OFF, .tcp6_csum = RNDIS_OFFLOAD_OFF,
		.udp6_csum = RNDIS_OFFLOAD_OFF, .lso_v2_ip4 = RNDIS_OFFLOAD_OFF,
		.lso_v2_ip6 = RNDIS_OFFLOAD_OFF, .rsc_ip4 = RNDIS_OFFLOAD_OFF,
		.rsc_ip6 = RNDIS_OFFLOAD_OFF,
	};

	if (nd->nvsp_ver <= NVSP_VERSION_4) {
		p.revision = 2;
		p.size = RNDIS_OFFLOAD_SIZE_REV2;
	}
	return netvsc_rndis_set(nd, RNDIS_OID_TCP_OFFLOAD_PARAMETERS, &p, p.size);
}

int netvsc_rndis_init(struct netvsc_dev *nd)
{
	struct {
		struct rndis_hdr h;
		struct rndis_init_req b;
	} RNDIS_PACKED m = {
		{ RNDIS_MSG_INIT, sizeof(m) },
		{ .major_ver = 1, .minor_ver = 0, .max_xfer_size = 0x4000 },
	};
	uint32_t media = RNDIS_MEDIA_DISCONNECTED, frame = 0, speed = 0;
	int err;

	m.b.req_id = next_id(nd);
	err = rndis_call(nd, &m, sizeof(m), m.b.req_id, RNDIS_MSG_INIT_C);
	if (err)
		return err;
	err = netvsc_rndis_query(nd, RNDIS_OID_802_3_PERMANENT_ADDRESS, nd->mac, NETDEV_MAC_LEN);
	if (err)
		return err;
	/* Optional answers: a host that refuses them leaves the defaults. */
	if (!netvsc_rndis_query(nd, RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE, &frame, sizeof(frame)) &&
	    frame >= 68 && frame < nd->mtu)
		nd->mtu = frame;                /* Linux lowers its MTU to it */
	if (!netvsc_rndis_query(nd, RNDIS_OID_GEN_LINK_SPEED, &speed, sizeof(speed)))
		nd->speed_bps = (uint64_t)speed * 100;
	err = netvsc_rndis_query(nd, RNDIS_OID_GEN_MEDIA_CONNECT_STATUS, &media, sizeof(media));
	if (err == -ENODEV || err == -ETIMEDOUT)
		return err;
	nd->link_up = media == RNDIS_MEDIA_CONNECTED;
	err = rndis_offload_off(nd);
	return err == -ENODEV || err == -ETIMEDOUT ? err : 0;
}

/* QUERY with an input buffer (`in`, up to 32 bytes); at most *len bytes of
 * answer into out, *len set to what came. */
int netvsc_rndis_query_in(struct netvsc_dev *nd, uint32_t oid, const void *in, uint32_t inlen,
			  void *out, uint32_t *len)
{
	struct {
		struct rndis_hdr h;
		struct rndis_oid_req b;
		uint8_t in[32];
	} RNDIS_PACKED m = {
		{ RNDIS_MSG_QUERY, 0 },
		{ .oid = oid, .info_buflen = inlen, .info_buf_offset = sizeof(struct rndis_oid_req) },
		{ 0 },
	};
	uint32_t size = (uint32_t)(sizeof(m.h) + sizeof(m.b)) + inlen;
	int err;

	if (inlen > sizeof(m.in))
		return -EINVAL;
	if (inlen)
		memcpy(m.in, in, inlen);
	m.h.msg_len = size;
	m.b.req_id = next_id(nd);
	err = rndis_call(nd, &m, size, m.b.req_id, RNDIS_MSG_QUERY_C);
	if (err)
		return err;
	if (nd->rreq.len > *len)
		return -EPROTO;
	*len = nd->rreq.len;
	memcpy(out, nd->rreq.resp, *len);
	return 0;
}

/* QUERY: `len` bytes of answer, exactly (a MAC is 6 bytes, a value 4). */
int netvsc_rndis_query(struct netvsc_dev *nd, uint32_t oid, void *out, uint32_t len)
{
	uint32_t got = len;
	int err = netvsc_rndis_query_in(nd, oid, NULL, 0, out, &got);

	return err ? err : (got == len ? 0 : -EPROTO);
}

int netvsc_rndis_set(struct netvsc_dev *nd, uint32_t oid, const void *val, uint32_t len)
{
	struct {
		struct rndis_hdr h;
		struct rndis_oid_req b;
		uint8_t v[NETVSC_RNDIS_SET_MAX];
	} RNDIS_PACKED m = {
		{ RNDIS_MSG_SET, 0 },
		{ .oid = oid, .info_buflen = len, .info_buf_offset = sizeof(struct rndis_oid_req) },
		{ 0 },
	};
	uint32_t size = (uint32_t)(sizeof(m.h) + sizeof(m.b)) + len;

	if (len > sizeof(m.v))
		return -EINVAL;
	memcpy(m.v, val, len);
	m.h.msg_len = size;
	m.b.req_id = next_id(nd);
	return rndis_call(nd, &m, size, m.b.req_id, RNDIS_MSG_SET_C);
}

/*
 * Teardown on a primary that is still open (docs/protocols/network.md §16;
 * Linux rndis_filter_close_device, rndis_filter_halt_device): packet filter
 * 0, so the host stops delivering frames, then HALT, which has no answer.
 * The caller revokes the buffers next.
 */
void netvsc_rndis_halt(struct netvsc_dev *nd)
{
	struct {
		struct rndis_hdr h;
		struct rndis_halt_req b;
	} RNDIS_PACKED m = { { RNDIS_MSG_HALT, sizeof(m) }, { 0 } };
	uint32_t filter = 0;

	if (!nd->filter_on || nd->ch[0].state != NCH_OPEN || vmbus_chan_rescinded(nd->ch[0].c))
		return;
	nd->halting = true;
	netvsc_rndis_set(nd, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, &filter, sizeof(filter));
	nd->halting = false;
	nd->filter_on = false;
	m.b.req_id = next_id(nd);
	netvsc_tx_rndis(nd, &m, sizeof(m), NVSP_RNDIS_CHANNEL_CONTROL);
}

/* INDICATE_STATUS (Linux netvsc_linkstatus_callback). */
static void rndis_indicate(struct netvsc_dev *nd, const uint8_t *msg,
			   const struct netvsc_rndis_msg *m)
{
	uint32_t speed;

	switch (m->status) {
	case RNDIS_STATUS_MEDIA_CONNECT:
		netvsc_link_event(nd, true);
		break;
	case RNDIS_STATUS_MEDIA_DISCONNECT:
		netvsc_link_event(nd, false);
		break;
	case RNDIS_STATUS_NETWORK_CHANGE:
		/* Bounce the link so the stack renews its address (Linux). */
		netvsc_link_event(nd, false);
		netvsc_link_event(nd, true);
		break;
	case RNDIS_STATUS_LINK_SPEED_CHANGE:
		if (m->data_len >= sizeof(speed)) {
			memcpy(&speed, msg + m->data_off, sizeof(speed));
			nd->speed_bps = (uint64_t)speed * 100;
		}
		break;
	default:
		break;                          /* offload config and others: ignored */
	}
}

void netvsc_rndis_control(struct netvsc_dev *nd, const uint8_t *msg,
			  const struct netvsc_rndis_msg *m)
{
	struct netvsc_rreq *r = &nd->rreq;

	if (m->type == RNDIS_MSG_INDICATE) {
		rndis_indicate(nd, msg, m);
		return;
	}
	if (!r->req_id || m->req_id != r->req_id || m->type != r->expect) {
		nd->n_unknown_ids++;            /* late, duplicate or never asked */
		return;
	}
	if (m->status != RNDIS_STATUS_SUCCESS) {
		r->err = -EIO;
	} else if (m->data_len > sizeof(r->resp)) {
		r->err = -EMSGSIZE;
	} else {
		memcpy(r->resp, msg + m->data_off, m->data_len);
		r->len = m->data_len;
		r->err = 0;
	}
	r->req_id = 0;
	complete_one(&r->done);
}
