/*
 * Integration-service requests on demand (host/host.h "integration services
 * on demand"): what an operator asks of a running guest through keel-host's
 * control socket, the way Stop-VM, Restart-VM and the KVP WMI methods ask a
 * Hyper-V guest (docs/protocols/ic.md "Shutdown", "KVP").
 *
 * One request per IC device at a time, carried by struct ich_demand:
 *
 *   IDLE/DONE/FAILED --host_ic_request--> QUEUED --sent--> SENT --answer--> DONE
 *                                            ^               |--timeout, close--> FAILED
 *                                            +-- kvp-list: next item --+
 *
 * A queued request waits until the channel is negotiated and the device's
 * own request (a heartbeat, a scripted step) is answered; the framework
 * (host/ic_host.c ich_tick) offers it the channel before the service.
 * kvp-list enumerates the auto pool (the guest's intrinsic items), then the
 * guest pool, item by item until E_NO_MORE_ITEMS. Strings travel as UTF-16;
 * here they are ASCII, other characters read as '?'.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "host/ic_host.h"

/* ---- strings ---- */

/* ASCII -> UTF-16LE units with the terminator; returns bytes. */
static uint32_t icc_widen(uint16_t *dst, const char *s, size_t max_units)
{
	size_t n = 0;

	for (; s[n] && n + 1 < max_units; n++)
		dst[n] = (uint8_t)s[n];
	dst[n] = 0;
	return 2u * ((uint32_t)n + 1);
}

/* bytes UTF-16LE units -> ASCII, '?' for what is not ASCII. */
static void icc_narrow(char *dst, size_t cap, const uint8_t *src, uint32_t bytes)
{
	size_t n = 0;

	for (uint32_t i = 0; i + 1 < bytes && n + 1 < cap; i += 2) {
		uint16_t u = (uint16_t)(src[i] | src[i + 1] << 8);

		if (!u)
			break;
		dst[n++] = u >= 0x20 && u < 0x7f ? (char)u : '?';
	}
	dst[n] = 0;
}

static const char *icc_pool_name(uint8_t pool)
{
	return pool == IC_KVP_POOL_AUTO ? "auto" : pool == IC_KVP_POOL_GUEST ? "guest"
									     : "external";
}

/* ---- sending ---- */

static int icc_send_shutdown(struct ich *x)
{
	static struct ic_shutdown m;       /* 2 KiB of text: not on the stack */
	uint16_t text[IC_SHUTDOWN_MSG_BYTES / 2];
	uint32_t n;

	memset(&m, 0, sizeof(m));
	m.reason = IC_SHUTDOWN_REASON_PLANNED;
	m.flags = x->dm.req == HIR_RESTART ? IC_SHUTDOWN_RESTART : 0;
	n = icc_widen(text, x->dm.a, sizeof(x->dm.a));
	memcpy(m.message, text, n);
	ich_describe(x, "request flags=0x%x reason=\"%s\"", m.flags, x->dm.a);
	return ich_send(x, IC_MSG_SHUTDOWN, &m, sizeof(m), 0);
}

static int icc_send_kvp(struct ich *x)
{
	static struct ic_kvp_enumerate m;  /* the largest KVP request */
	struct ic_kvp_getset *gs = (struct ic_kvp_getset *)&m;
	uint16_t tmp[IC_KVP_VAL_BYTES / 2];

	memset(&m, 0, sizeof(m));
	if (x->dm.req == HIR_KVP_LIST) {
		m.h.op = IC_KVP_ENUMERATE;
		m.h.pool = x->dm.pool;
		m.index = x->dm.index;
		ich_describe(x, "enumerate pool=%s index=%u", icc_pool_name(m.h.pool), m.index);
		return ich_send(x, IC_MSG_KVP, &m, sizeof(m), 0);
	}
	gs->h.op = IC_KVP_SET;
	gs->h.pool = IC_KVP_POOL_EXTERNAL;
	gs->v.type = IC_KVP_REG_SZ;
	gs->v.key_size = icc_widen(tmp, x->dm.a, IC_KVP_KEY_BYTES / 2);
	memcpy(gs->v.key, tmp, gs->v.key_size);
	gs->v.value_size = icc_widen(tmp, x->dm.b, IC_KVP_VAL_BYTES / 2);
	memcpy(gs->v.value, tmp, gs->v.value_size);
	ich_describe(x, "set pool=external key=\"%s\" value=\"%s\"", x->dm.a, x->dm.b);
	return ich_send(x, IC_MSG_KVP, gs, sizeof(*gs), 0);
}

bool ichd_tick(struct ich *x)
{
	int err;

	if (x->dm.state != ICD_QUEUED || x->state != ICH_READY || x->outstanding)
		return false;
	err = x->dm.req == HIR_SHUTDOWN || x->dm.req == HIR_RESTART ? icc_send_shutdown(x)
								      : icc_send_kvp(x);
	if (err == -EAGAIN) {
		/* the guest has not yet consumed the previous one: the ring is full */
		ich_wake_at(x, ich_now(x) + 1000000);
		return false;
	}
	if (err) {
		ichd_end(x, "the channel refused the request");
		return false;
	}
	x->dm.state = ICD_SENT;
	return true;
}

/* ---- answers ---- */

void ichd_end(struct ich *x, const char *why)
{
	x->dm.state = ICD_FAILED;
	ich_note(x, "(%s)", why);
	ich_wake_at(x, ich_now(x));        /* the service's own requests go on */
}

static void icc_done(struct ich *x, uint32_t status)
{
	x->dm.state = ICD_DONE;
	x->dm.status = status;
	ich_wake_at(x, ich_now(x));
}

/* One enumerated item: copy, check the sizes against the record, keep. */
static void icc_kvp_item(struct ich *x, const uint8_t *body, uint32_t len)
{
	static struct ic_kvp_enumerate m;
	struct host_kvp_item *it;

	memset(&m, 0, sizeof(m));
	memcpy(&m, body, len < sizeof(m) ? len : sizeof(m));
	if (len < offsetof(struct ic_kvp_enumerate, v.value) ||
	    m.v.key_size > IC_KVP_KEY_BYTES || m.v.value_size > IC_KVP_VAL_BYTES) {
		ich_violation(x, "KVP item's sizes exceed its record");
		return;
	}
	if (x->dm.nitems >= HOST_KVP_MAX_ITEMS)
		return;                        /* listed, not kept */
	it = &x->dm.items[x->dm.nitems++];
	it->pool = x->dm.pool;
	icc_narrow(it->key, sizeof(it->key), (const uint8_t *)m.v.key, m.v.key_size);
	if (m.v.type == IC_KVP_REG_U32 && m.v.value_size >= 4) {
		uint32_t v;

		memcpy(&v, m.v.value, 4);
		snprintf(it->value, sizeof(it->value), "%u", v);
	} else {
		icc_narrow(it->value, sizeof(it->value), m.v.value, m.v.value_size);
	}
	ich_note(x, "%s=\"%s\"", it->key, it->value);
}

void ichd_reply(struct ich *x, const struct ic_hdr *h, const uint8_t *body, uint32_t len)
{
	if (x->dm.req != HIR_KVP_LIST) {
		if (x->dm.req != HIR_KVP_PUSH)
			x->counters[h->status == IC_S_OK ? ICC_SHUTDOWN_OK : ICC_SHUTDOWN_FAILED]++;
		icc_done(x, h->status);
		return;
	}
	if (h->status == IC_S_OK) {
		icc_kvp_item(x, body, len);
		x->dm.index++;
	} else if (h->status == IC_E_NO_MORE_ITEMS && x->dm.pool == IC_KVP_POOL_AUTO) {
		x->dm.pool = IC_KVP_POOL_GUEST;    /* the intrinsic items, then the guest's */
		x->dm.index = 0;
	} else {
		icc_done(x, h->status == IC_E_NO_MORE_ITEMS ? IC_S_OK : h->status);
		return;
	}
	x->dm.state = ICD_QUEUED;
	ich_wake_at(x, ich_now(x));
}

/* ---- the embedder's API ---- */

static struct ich *icc_dev(struct host *h, int dev, const struct host_dev_ops *ops)
{
	if (dev < 0 || dev >= h->ndevs || h->devs[dev]->ops != ops)
		return NULL;
	return h->devs[dev]->priv;
}

int host_ic_find(const struct host *h, const char *type)
{
	for (int i = 0; i < h->ndevs; i++)
		if (!strcmp(h->devs[i]->ops->type, type))
			return i;
	return -ENOENT;
}

int host_ic_request(struct host *h, int dev, int req, const char *a, const char *b)
{
	bool sd = req == HIR_SHUTDOWN || req == HIR_RESTART;
	struct ich *x = icc_dev(h, dev, sd ? &ic_shutdown_dev_ops : &ic_kvp_dev_ops);

	if (!x || req < HIR_SHUTDOWN || req > HIR_KVP_LIST)
		return -ENODEV;
	if (x->dm.state == ICD_QUEUED || x->dm.state == ICD_SENT)
		return -EBUSY;
	if (strlen(a ? a : "") >= sizeof(x->dm.a) || strlen(b ? b : "") >= sizeof(x->dm.b))
		return -EINVAL;
	memset(&x->dm, 0, sizeof(x->dm));
	x->dm.req = req;
	snprintf(x->dm.a, sizeof(x->dm.a), "%s", a ? a : "");
	snprintf(x->dm.b, sizeof(x->dm.b), "%s", b ? b : "");
	x->dm.pool = IC_KVP_POOL_AUTO;
	x->dm.state = ICD_QUEUED;
	ich_wake_at(x, ich_now(x));        /* no channel yet: negotiation wakes it */
	return 0;
}

int host_ic_result(struct host *h, int dev, uint32_t *status)
{
	struct ich *x = icc_dev(h, dev, &ic_shutdown_dev_ops);

	if (!x)
		x = icc_dev(h, dev, &ic_kvp_dev_ops);
	if (!x)
		return -ENODEV;
	*status = x->dm.status;
	switch (x->dm.state) {
	case ICD_IDLE: return HIS_IDLE;
	case ICD_QUEUED: case ICD_SENT: return HIS_PENDING;
	case ICD_DONE: return HIS_DONE;
	default: return HIS_FAILED;
	}
}

int host_ic_kvp_items(struct host *h, int dev, const struct host_kvp_item **items)
{
	struct ich *x = icc_dev(h, dev, &ic_kvp_dev_ops);

	if (!x)
		return -ENODEV;
	*items = x->dm.items;
	return x->dm.nitems;
}

int host_ic_heartbeat(struct host *h, int dev, struct host_ic_heartbeat *out)
{
	struct ich *x = icc_dev(h, dev, &ic_heartbeat_dev_ops);

	if (!x)
		return -ENODEV;
	out->negotiated = x->state == ICH_READY;
	out->count = x->counters[ICC_HEARTBEATS];
	out->lost = x->counters[ICC_LOST];
	out->last_seq = x->last_answer_seq;
	out->last_at = x->last_answer_at;
	return 0;
}
