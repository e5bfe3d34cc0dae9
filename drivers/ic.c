/*
 * The integration-component framework: one channel per service, host speaks
 * first (docs/protocols/ic.md "Life of an IC").
 *
 *   probe: open the channel; ready.
 *   host NEGOTIATE  -> pick a framework and a message version both sides
 *                      speak, answer {1, 1, fw, msg} (or {0, 0}: none).
 *   host request    -> checked, handed to the service, answered in place
 *                      with flags TRANSACTION | RESPONSE.
 *
 * Every packet is copied out of the ring (vmbus_chan_recv_next) into
 * ic->buf, checked there, then used: a bad pipe or IC header is counted
 * and dropped, a bad body is answered E_FAIL so the host is not left
 * waiting (Linux's choice, docs/protocols/ic.md "Validation").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/ic.h"
#include "kernel/log.h"
#include "vmbus/vmbus.h"

/* 16 KiB per direction as Linux's util driver: 4 pages each way. */
#define IC_RING_PAGES 4

const struct ic_version ic_fw_versions[] = { IC_VER(3, 0), IC_VER(1, 0) };
const int ic_nfw_versions = 2;

/* ---- parsers ---- */

int ic_msg_check(const uint8_t *p, uint32_t len, uint32_t *body_len)
{
	struct ic_msg m;

	if (len < sizeof(m))
		return -EINVAL;
	memcpy(&m, p, sizeof(m));
	if (m.pipe.type != IC_PIPE_DATA || m.pipe.size > len - sizeof(m.pipe) ||
	    m.pipe.size < sizeof(m.ic) || m.ic.size > m.pipe.size - sizeof(m.ic))
		return -EINVAL;
	*body_len = m.ic.size;
	return 0;
}

static bool ver_listed(const uint8_t *list, uint32_t n, struct ic_version v)
{
	for (uint32_t i = 0; i < n; i++) {
		struct ic_version h;

		memcpy(&h, list + i * sizeof(h), sizeof(h));
		if (h.major == v.major && h.minor == v.minor)
			return true;
	}
	return false;
}

int ic_negotiate_pick(const uint8_t *body, uint32_t len,
		      const struct ic_version *fw_pref, int nfw,
		      const struct ic_version *msg_pref, int nmsg,
		      struct ic_version *fw, struct ic_version *msg)
{
	struct ic_negotiate n;
	const uint8_t *fw_list, *msg_list;
	int f = -1, m = -1;

	if (len < sizeof(n))
		return -EINVAL;
	memcpy(&n, body, sizeof(n));
	if (n.fw_count > IC_NEG_MAX_COUNT || n.msg_count > IC_NEG_MAX_COUNT ||
	    sizeof(n) + 4u * ((uint32_t)n.fw_count + n.msg_count) > len)
		return -EINVAL;
	fw_list = body + sizeof(n);
	msg_list = fw_list + 4u * n.fw_count;
	for (int i = 0; i < nfw && f < 0; i++)
		if (ver_listed(fw_list, n.fw_count, fw_pref[i]))
			f = i;
	for (int i = 0; i < nmsg && m < 0; i++)
		if (ver_listed(msg_list, n.msg_count, msg_pref[i]))
			m = i;
	if (f < 0 || m < 0)
		return -ENOTSUP;
	*fw = fw_pref[f];
	*msg = msg_pref[m];
	return 0;
}

/* ---- the channel callback (vmbus_event queue: never waits) ---- */

const char *ic_name(const struct ic_dev *ic)
{
	return ic->svc->name;
}

/*
 * NEGOTIATE: a reset of the service (docs/protocols/ic.md "Negotiation").
 * The body is rewritten to the answer; returns its length, or -EINVAL for
 * a malformed NEGOTIATE, which is dropped and leaves the state as it was.
 */
static int ic_on_negotiate(struct ic_dev *ic, uint8_t *body, uint32_t len)
{
	struct ic_negotiate_resp r;
	int err;

	memset(&r, 0, sizeof(r));
	err = ic_negotiate_pick(body, len, ic_fw_versions, ic_nfw_versions,
				ic->svc->versions, ic->svc->nversions, &r.fw, &r.msg);
	if (err == -EINVAL || len < sizeof(r))
		return -EINVAL;
	ic->negotiated = err == 0;
	if (err) {
		/* Linux's answer to "nothing in common": both counts 0. */
		pr_warn("ic: %s: no common version\n", ic_name(ic));
		memset(&r, 0, sizeof(r));
	} else {
		r.n.fw_count = 1;
		r.n.msg_count = 1;
		ic->fw = r.fw;
		ic->msg = r.msg;
		ic->n.negotiations++;
		pr_info("ic: %s: fw %u.%u, msg %u.%u\n", ic_name(ic),
			r.fw.major, r.fw.minor, r.msg.major, r.msg.minor);
	}
	if (ic->svc->reset)
		ic->svc->reset(ic);
	memcpy(body, &r, sizeof(r));
	return err ? (int)sizeof(r.n) : (int)sizeof(r);
}

/* Count a bad input; log the first one only (a hostile host could flood
 * the log otherwise). */
static void ic_malformed(struct ic_dev *ic, const char *what, uint32_t val)
{
	if (ic->n.malformed++ == 0)
		pr_warn("ic: %s: malformed %s (%u)\n", ic_name(ic), what, val);
}

static void ic_reply(struct ic_dev *ic, struct ic_msg *m, uint32_t body_len,
		     uint64_t trans_id)
{
	m->pipe.type = IC_PIPE_DATA;
	m->pipe.size = (uint32_t)sizeof(m->ic) + body_len;
	m->ic.size = (uint16_t)body_len;
	m->ic.flags = IC_FLAGS_RESPONSE;
	if (vmbus_chan_send(ic->chan, m, (uint32_t)sizeof(*m) + body_len, trans_id, 0)) {
		ic->n.send_failed++;
		return;
	}
	ic->n.replies++;
}

static void ic_on_packet(struct ic_dev *ic, uint32_t len, uint64_t trans_id)
{
	uint8_t *p = (uint8_t *)ic->buf;
	struct ic_msg *m = (struct ic_msg *)p;
	uint8_t *body = p + sizeof(*m);
	uint32_t body_len, out_len;
	int64_t st;

	if (ic_msg_check(p, len, &body_len)) {
		ic_malformed(ic, "header", len);
		return;
	}
	if (!(m->ic.flags & IC_FLAG_REQUEST) || (m->ic.flags & IC_FLAG_RESPONSE)) {
		/* not a host request: nothing to answer */
		ic_malformed(ic, "flags", m->ic.flags);
		return;
	}
	out_len = body_len;
	if (m->ic.type == IC_MSG_NEGOTIATE) {
		int r = ic_on_negotiate(ic, body, body_len);

		if (r < 0) {                 /* dropped; the agreed versions stay */
			ic_malformed(ic, "NEGOTIATE", body_len);
			return;
		}
		out_len = (uint32_t)r;
		m->ic.status = IC_S_OK;
	} else if (m->ic.type != ic->svc->msg_type || !ic->negotiated) {
		ic->n.unexpected++;
		m->ic.status = IC_E_FAIL;
	} else {
		st = ic->svc->handle(ic, body, body_len, &out_len);
		if (st < 0) {
			ic_malformed(ic, "body", body_len);
			st = IC_E_FAIL;
			out_len = body_len;
		}
		m->ic.status = (uint32_t)st;
	}
	ic_reply(ic, m, out_len, trans_id);
	if (m->ic.type == ic->svc->msg_type && m->ic.status == IC_S_OK && ic->svc->after_reply)
		ic->svc->after_reply(ic);
}

static void ic_on_event(struct vmbus_channel *c, void *arg)
{
	struct ic_dev *ic = arg;
	struct vmbus_ring_iter it;
	struct vmbus_pkt pkt;
	int r;

	do {
		vmbus_chan_recv_begin(c, &it);
		while ((r = vmbus_chan_recv_next(c, &it, ic->buf, sizeof(ic->buf), &pkt)) != 0) {
			if (r < 0) {
				/* too long for one page, or a bad ring */
				ic_malformed(ic, "packet", (uint32_t)-r);
				if (r == -EIO)
					break;
				continue;
			}
			ic->n.msgs++;
			if (pkt.type != VMBUS_PKT_DATA_INBAND) {
				ic->n.unexpected++;
				continue;
			}
			/* the payload is inside ic->buf: move it to the front */
			memmove(ic->buf, pkt.data, pkt.data_len);
			ic_on_packet(ic, pkt.data_len, pkt.trans_id);
		}
	} while (vmbus_chan_recv_end(c, &it));
}

/* ---- probe and remove (device queue) ---- */

int ic_probe(struct vmbus_device *dev, const struct ic_service *svc, void *svc_priv)
{
	struct ic_dev *ic = calloc(1, sizeof(*ic));
	struct vmbus_chan_open_args a = {
		.out_pages = IC_RING_PAGES, .in_pages = IC_RING_PAGES,
		.cb = ic_on_event,
	};
	int err;

	if (!ic)
		return -ENOMEM;
	ic->svc = svc;
	ic->dev = dev;
	ic->chan = vmbus_device_channel(dev);
	ic->svc_priv = svc_priv;
	a.cb_arg = ic;
	vmbus_device_set_priv(dev, ic);
	err = vmbus_chan_open(ic->chan, &a);
	if (err) {
		pr_err("ic: %s: open failed (%d)\n", svc->name, err);
		goto fail;
	}
	vmbus_device_set_ready(dev);
	return 0;
fail:
	vmbus_device_set_priv(dev, NULL);
	free(ic);
	return err;
}

void ic_remove(struct vmbus_device *dev)
{
	struct ic_dev *ic = vmbus_device_priv(dev);

	if (!ic)
		return;
	vmbus_chan_close(ic->chan);
	vmbus_device_set_priv(dev, NULL);
	free(ic);
}
