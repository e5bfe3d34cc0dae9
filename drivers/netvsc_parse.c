/*
 * Checks of host data for the synthetic NIC (API and sources in
 * drivers/netvsc_parse.h). Every function reads only the bytes it is given
 * (a private copy the caller made), through memcpy so that no alignment is
 * assumed, and says yes or no; the caller counts and drops.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "drivers/netvsc_parse.h"
#include "include/hyperv/rndis.h"

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* ---- NVSP completions (Linux netvsc_send_completion length checks) ---- */

static const struct {
	uint8_t type;                   /* every type here is below 256 */
	uint8_t min_len;
} nvsp_comp_len[] = {
	{ NVSP_MSG_INIT_COMPLETE, sizeof(struct nvsp_init_complete) },
	{ NVSP_MSG1_SEND_RECV_BUF_COMPLETE, sizeof(struct nvsp_recv_buf_complete) },
	{ NVSP_MSG1_SEND_SEND_BUF_COMPLETE, sizeof(struct nvsp_send_buf_complete) },
	{ NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, sizeof(struct nvsp_rndis_pkt_complete) },
	{ NVSP_MSG5_SUBCHANNEL, sizeof(struct nvsp_subchannel) },
};

uint32_t netvsc_nvsp_comp_min(uint32_t type)
{
	for (size_t i = 0; i < sizeof(nvsp_comp_len) / sizeof(nvsp_comp_len[0]); i++)
		if (nvsp_comp_len[i].type == type)
			return nvsp_comp_len[i].min_len;
	return 0;
}

/* ---- transfer-page packets (Linux netvsc_receive) ---- */

int netvsc_parse_xfer(const uint8_t *raw, uint32_t raw_len, uint32_t data_off,
		      uint16_t want_id, struct netvsc_xfer *x)
{
	const uint32_t hdr_end = NVSP_XFER_HDR_OFFSET + sizeof(struct nvsp_xfer_hdr);
	struct nvsp_xfer_hdr h;
	struct nvsp_rndis_pkt np;

	if (raw_len < hdr_end || data_off < hdr_end || data_off > raw_len)
		return -EINVAL;
	memcpy(&h, raw + NVSP_XFER_HDR_OFFSET, sizeof(h));
	if (h.xfer_pageset_id != want_id)
		return -EINVAL;
	/* The ranges sit between the header and the NVSP message. */
	if (h.range_cnt == 0 || h.range_cnt > NVSP_XFER_MAX_RANGES ||
	    h.range_cnt > (data_off - hdr_end) / sizeof(struct nvsp_xfer_range))
		return -EINVAL;
	if (raw_len - data_off < sizeof(np))
		return -EINVAL;
	memcpy(&np, raw + data_off, sizeof(np));
	if (np.msg_type != NVSP_MSG1_SEND_RNDIS_PKT || np.channel_type > NVSP_RNDIS_CHANNEL_CONTROL)
		return -EINVAL;
	x->pageset_id = h.xfer_pageset_id;
	x->nranges = h.range_cnt;
	x->ranges = (const struct nvsp_xfer_range *)(const void *)(raw + hdr_end);
	x->channel_type = np.channel_type;
	return 0;
}

bool netvsc_range_ok(const struct nvsp_xfer_range *r, uint32_t buf_size,
		     uint32_t sub_alloc, uint32_t copy_max)
{
	struct nvsp_xfer_range v;

	memcpy(&v, r, sizeof(v));
	return v.byte_offset <= buf_size && v.byte_count <= buf_size - v.byte_offset &&
	       v.byte_count <= sub_alloc && v.byte_count <= copy_max &&
	       v.byte_count >= RNDIS_HDR_SIZE;
}

/* ---- RNDIS (Linux rndis_filter_receive and friends) ---- */

/* Per-packet information: every element inside the area, none shorter than
 * its header (a zero size would loop forever), data inside the element. */
static int parse_ppis(const uint8_t *body, uint32_t blen, uint32_t off, uint32_t len)
{
	if (off == 0)
		return 0;
	if (off < sizeof(struct rndis_packet) || off > blen || len > blen - off)
		return -EINVAL;
	while (len > 0) {
		struct rndis_ppi p;

		if (len < sizeof(p))
			return -EINVAL;
		memcpy(&p, body + off, sizeof(p));
		if (p.size < sizeof(p) || p.size > len || p.ppi_offset < sizeof(p) ||
		    p.ppi_offset > p.size)
			return -EINVAL;
		off += p.size;
		len -= p.size;
	}
	return 0;
}

static int parse_packet(const uint8_t *body, uint32_t blen, struct netvsc_rndis_msg *m)
{
	struct rndis_packet p;

	if (blen < sizeof(p))
		return -EINVAL;
	memcpy(&p, body, sizeof(p));
	if (p.data_offset >= blen || p.data_len > blen - p.data_offset || p.data_len == 0)
		return -EINVAL;
	if (parse_ppis(body, blen, p.per_pkt_info_offset, p.per_pkt_info_len))
		return -EINVAL;
	m->data_off = RNDIS_HDR_SIZE + p.data_offset;
	m->data_len = p.data_len;
	return 0;
}

/* QUERY_C: the information buffer lies inside the body. */
static int parse_query_c(const uint8_t *body, uint32_t blen, struct netvsc_rndis_msg *m)
{
	struct rndis_query_cmplt q;

	if (blen < sizeof(q))
		return -EINVAL;
	memcpy(&q, body, sizeof(q));
	m->req_id = q.req_id;
	m->status = q.status;
	if (q.status != RNDIS_STATUS_SUCCESS)
		return 0;                       /* no data with a failure */
	if (q.info_buf_offset < sizeof(q) || q.info_buf_offset > blen ||
	    q.info_buflen > blen - q.info_buf_offset)
		return -EINVAL;
	m->data_off = RNDIS_HDR_SIZE + q.info_buf_offset;
	m->data_len = q.info_buflen;
	return 0;
}

/* INDICATE_STATUS: the status buffer is checked against the bytes received,
 * not msg_len, which older vSwitches set without the buffer (Linux
 * netvsc_linkstatus_callback). */
static int parse_indicate(const uint8_t *body, uint32_t blen, uint32_t avail,
			  struct netvsc_rndis_msg *m)
{
	struct rndis_indicate s;

	if (blen < sizeof(s))
		return -EINVAL;
	memcpy(&s, body, sizeof(s));
	m->status = s.status;
	if (s.status_buflen == 0)
		return 0;
	if (s.status_buf_offset < sizeof(s) || s.status_buf_offset > avail ||
	    s.status_buflen > avail - s.status_buf_offset)
		return -EINVAL;
	m->data_off = RNDIS_HDR_SIZE + s.status_buf_offset;
	m->data_len = s.status_buflen;
	return 0;
}

int netvsc_parse_rndis(const uint8_t *msg, uint32_t count, struct netvsc_rndis_msg *m)
{
	const uint8_t *body = msg + RNDIS_HDR_SIZE;
	uint32_t blen;

	memset(m, 0, sizeof(*m));
	if (count < RNDIS_HDR_SIZE)
		return -EINVAL;
	m->type = rd32(msg);
	m->len = rd32(msg + 4);
	if (m->len < RNDIS_HDR_SIZE || m->len > count)
		return -EINVAL;
	blen = m->len - RNDIS_HDR_SIZE;
	switch (m->type) {
	case RNDIS_MSG_PACKET:
		return parse_packet(body, blen, m);
	case RNDIS_MSG_INIT_C:
		if (blen < sizeof(struct rndis_init_cmplt))
			return -EINVAL;
		break;
	case RNDIS_MSG_QUERY_C:
		return parse_query_c(body, blen, m);
	case RNDIS_MSG_SET_C:
	case RNDIS_MSG_KEEPALIVE_C:
		if (blen < sizeof(struct rndis_set_cmplt))
			return -EINVAL;
		break;
	case RNDIS_MSG_INDICATE:
		return parse_indicate(body, blen, count - RNDIS_HDR_SIZE, m);
	default:
		return -EINVAL;
	}
	m->req_id = rd32(body);
	m->status = rd32(body + 4);
	return 0;
}

/* ---- SEND_INDIRECTION_TABLE (Linux netvsc_send_table) ---- */

/*
 * docs/protocols/network.md §5 (SEND_INDIRECTION_TABLE): the table sits
 * `offset` bytes from the message start (OpenVMM: right after the 12-byte
 * body). Hosts speaking
 * NVSP 6 or older may put it at 40 whatever `offset` says; Linux reads it
 * there when the message is long enough, and so do we. Either way the
 * table must lie inside the message.
 */
int netvsc_parse_send_table(const uint8_t *msg, uint32_t len, uint32_t nvsp_ver,
			    uint32_t nchan, uint8_t *table)
{
	const uint32_t tbytes = NVSP_SEND_TABLE_ENTRIES * 4;
	struct nvsp_indirection_table t;
	uint32_t off;

	if (len < sizeof(t) || nchan == 0)
		return -EINVAL;
	memcpy(&t, msg, sizeof(t));
	if (t.count != NVSP_SEND_TABLE_ENTRIES)
		return -EINVAL;
	off = t.offset;
	if (nvsp_ver <= NVSP_VERSION_6 && len >= NVSP_SEND_TABLE_OFFSET_V6 + tbytes)
		off = NVSP_SEND_TABLE_OFFSET_V6;
	if (off < sizeof(t) || off > len || len - off < tbytes)
		return -EINVAL;
	for (uint32_t i = 0; i < NVSP_SEND_TABLE_ENTRIES; i++) {
		uint32_t e = rd32(msg + off + 4 * i);

		if (e >= nchan)
			return -EINVAL;         /* a channel we do not have */
		table[i] = (uint8_t)e;
	}
	return 0;
}
