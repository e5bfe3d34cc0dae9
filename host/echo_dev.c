/*
 * The echo device host: answers every ECHO request with its payload, and a
 * CREATE_SUBCHANNELS request (modelled on storvsc's, docs/protocols/storage.md §11) with
 * sub-channel offers plus a completion, in the order the host profile says.
 * Protocol: include/hyperv/echo_wire.h.
 *
 * Device parameters (scenario "device echo NAME key=value ..."):
 *   max-subchannels=N   sub-channels granted at most (default 4, <= 64)
 *   reply-delay=D       host latency added to every completion (ns, or with
 *                       a unit: 10us, 10ms)
 *
 * Replies wait in a per-channel FIFO: they leave in order when due and when
 * the host->guest ring has room (a full ring blocks the FIFO until the guest
 * signals, docs/protocols/vmbus.md §5.5, §8.7).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "host/host_priv.h"
#include "include/hyperv/echo_wire.h"

struct echo_reply {
	struct echo_reply *next;
	uint64_t due;
	uint64_t trans_id;
	uint32_t len;
	uint8_t data[];
};

struct echo_chan {
	struct echo_reply *head, **tail;
	bool subchannels_done;      /* one CREATE_SUBCHANNELS per open */
};

struct echo_dev {
	uint32_t max_sub;
	uint64_t reply_delay;
	uint64_t echoes;
};

int host_parse_ns(const char *s, uint64_t *out);

static int echo_param(struct host_dev *d, const char *key, const char *val)
{
	struct echo_dev *e = d->priv;
	char *end;

	if (!strcmp(key, "max-subchannels")) {
		unsigned long n = strtoul(val, &end, 0);

		if (*end || n > 64)
			return -EINVAL;
		e->max_sub = (uint32_t)n;
		return 0;
	}
	if (!strcmp(key, "reply-delay"))
		return host_parse_ns(val, &e->reply_delay);
	return -EINVAL;
}

static struct echo_chan *echo_chan(struct host_chan *c)
{
	return *host_chan_priv(c);
}

static void echo_free_replies(struct echo_chan *ec)
{
	while (ec->head) {
		struct echo_reply *r = ec->head;

		ec->head = r->next;
		free(r);
	}
	ec->tail = &ec->head;
}

static uint32_t echo_open(struct host_dev *d, struct host_chan *c)
{
	struct echo_chan *ec = echo_chan(c);

	(void)d;
	if (!ec) {
		ec = calloc(1, sizeof(*ec));
		if (!ec)
			return ECHO_STATUS_UNSUCCESSFUL;
		*host_chan_priv(c) = ec;
	}
	echo_free_replies(ec);
	ec->subchannels_done = false;
	return 0;
}

static void echo_close(struct host_dev *d, struct host_chan *c)
{
	struct echo_chan *ec = echo_chan(c);

	(void)d;
	if (ec) {
		echo_free_replies(ec);
		free(ec);
		*host_chan_priv(c) = NULL;
	}
}

/* Send what is due, in order, until the ring is full. */
static void echo_flush(struct host_dev *d, struct host_chan *c)
{
	struct echo_chan *ec = echo_chan(c);
	uint64_t now = host_now(d->h);

	while (ec && ec->head) {
		struct echo_reply *r = ec->head;

		if (r->due > now) {
			host_dev_tick_after(c, r->due - now);
			return;
		}
		if (host_dev_send(c, VMBUS_PKT_COMP, 0, r->trans_id, r->data, r->len) < 0)
			return;            /* full: ticked when the guest frees space */
		ec->head = r->next;
		if (!ec->head)
			ec->tail = &ec->head;
		free(r);
	}
}

static void echo_queue(struct host_dev *d, struct host_chan *c, uint64_t trans_id,
		       const void *data, uint32_t len, uint64_t delay)
{
	struct echo_chan *ec = echo_chan(c);
	struct echo_reply *r = malloc(sizeof(*r) + len);

	if (!r || !ec) {
		free(r);
		return;
	}
	r->next = NULL;
	r->due = host_now(d->h) + delay;
	r->trans_id = trans_id;
	r->len = len;
	memcpy(r->data, data, len);
	if (!ec->tail)
		ec->tail = &ec->head;
	*ec->tail = r;
	ec->tail = &r->next;
}

static void echo_subchannels(struct host_dev *d, struct host_chan *c, uint64_t trans_id,
			     const uint8_t *p, uint32_t plen, uint64_t delay, int act,
			     uint64_t arg)
{
	struct echo_dev *e = d->priv;
	struct echo_chan *ec = echo_chan(c);
	struct echo_msg_subchannels req, resp;
	uint32_t want, grant = 0;
	bool first = host_dev_subchan_offers_first(d);

	if (plen < sizeof(req)) {
		host_dev_violation(d, c, "short CREATE_SUBCHANNELS request");
		return;
	}
	memcpy(&req, p, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	resp.hdr.type = ECHO_MSG_SUBCHANNELS_COMPLETE;
	want = req.count;
	if (host_chan_subidx(c) != 0 || want == 0 || ec->subchannels_done) {
		resp.hdr.status = ECHO_STATUS_INVALID_PARAMETER;
		echo_queue(d, c, trans_id, &resp, sizeof(resp), delay);
		echo_flush(d, c);
		return;
	}
	ec->subchannels_done = true;
	if (act == HTA_STATUS && arg) {
		resp.hdr.status = (uint32_t)arg;
		echo_queue(d, c, trans_id, &resp, sizeof(resp), delay);
		echo_flush(d, c);
		return;
	}
	grant = want < e->max_sub ? want : e->max_sub;
	if (grant > (uint32_t)(64 - d->nsub))
		grant = (uint32_t)(64 - d->nsub);
	if (first)
		grant = (uint32_t)host_dev_offer_subchannels(d, (int)grant);
	resp.count = (uint16_t)grant;
	echo_queue(d, c, trans_id, &resp, sizeof(resp), delay);
	echo_flush(d, c);
	if (!first)
		host_dev_offer_subchannels(d, (int)grant);
	host_dev_trace(d, c, ECHO_MSG_CREATE_SUBCHANNELS, grant);
}

static void echo_packet(struct host_dev *d, struct host_chan *c,
			const struct vmbus_pkt_desc *desc, const uint8_t *pkt, uint32_t len)
{
	struct echo_dev *e = d->priv;
	const uint8_t *p = pkt + desc->offset8 * 8u;
	uint32_t plen = len - desc->offset8 * 8u;
	struct echo_msg_hdr hdr;
	uint64_t delay = e->reply_delay, arg = 0;
	int act;

	if (desc->type != VMBUS_PKT_DATA_INBAND) {
		host_dev_violation(d, c, "non in-band packet (echo takes in-band requests only)");
		return;
	}
	if (!(desc->flags & VMBUS_PKT_FLAG_COMPLETION_REQUESTED) || desc->trans_id == 0) {
		host_dev_violation(d, c, "request without completion flag or with trans_id 0");
		return;
	}
	if (plen < sizeof(hdr)) {
		host_dev_violation(d, c, "request shorter than its header");
		return;
	}
	memcpy(&hdr, p, sizeof(hdr));
	act = host_dev_trigger(d, c, hdr.type == ECHO_MSG_CREATE_SUBCHANNELS ?
				  HOST_STEP_SUBCHANNELS : HOST_STEP_PACKET, &arg);
	if (act == HTA_DROP || act == HTA_NEVER_ANSWER)
		return;
	if (act == HTA_DELAY)
		delay += arg;
	if (act == HTA_RESCIND) {
		host_rescind(d->h, d->index, host_chan_subidx(c));
		return;
	}
	switch (hdr.type) {
	case ECHO_MSG_ECHO: {
		struct echo_msg_echo req;
		uint8_t out[sizeof(struct echo_msg_echo) + ECHO_MAX_PAYLOAD];

		if (plen < sizeof(req)) {
			host_dev_violation(d, c, "short ECHO request");
			return;
		}
		memcpy(&req, p, sizeof(req));
		if (req.len > ECHO_MAX_PAYLOAD || sizeof(req) + req.len > plen) {
			host_dev_violation(d, c, "ECHO length field disagrees with the packet");
			return;
		}
		req.hdr.type = ECHO_MSG_ECHO_COMPLETE;
		req.hdr.status = act == HTA_STATUS ? (uint32_t)arg : ECHO_STATUS_SUCCESS;
		memcpy(out, &req, sizeof(req));
		memcpy(out + sizeof(req), p + sizeof(req), req.len);
		echo_queue(d, c, desc->trans_id, out, (uint32_t)sizeof(req) + req.len, delay);
		e->echoes++;
		break;
	}
	case ECHO_MSG_CREATE_SUBCHANNELS:
		echo_subchannels(d, c, desc->trans_id, p, plen, delay, act, arg);
		return;
	default: {
		struct echo_msg_hdr r = { .type = hdr.type, .status = ECHO_STATUS_INVALID_PARAMETER };

		echo_queue(d, c, desc->trans_id, &r, sizeof(r), delay);
		break;
	}
	}
	echo_flush(d, c);
}

static void echo_tick(struct host_dev *d, struct host_chan *c)
{
	echo_flush(d, c);
}

static int echo_init_defaults(struct host_dev *d)
{
	struct echo_dev *e = d->priv;

	e->max_sub = 4;
	return 0;
}

const struct host_dev_ops echo_dev_ops = {
	.type = "echo",
	.class_guid = ECHO_CLASS_GUID_INIT,
	.priv_size = sizeof(struct echo_dev),
	.init = echo_init_defaults,
	.keys = "max-subchannels reply-delay",
	.param = echo_param,
	.on_open = echo_open,
	.on_packet = echo_packet,
	.on_close = echo_close,
	.tick = echo_tick,
	.destroy = NULL,
};

