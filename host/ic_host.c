/*
 * The simulated host's integration components, as Hyper-V drives them
 * (docs/protocols/ic.md): the framework half. Every IC is a device type
 * ("heartbeat", "shutdown", "timesync", "kvp"); on open the host speaks
 * first with NEGOTIATE listing the release's framework and message
 * versions, then the service (host/ic_host_services.c) sends its requests
 * and checks every answer. An answer that breaks the protocol is a
 * violation; an answer that never comes is counted when its timeout passes.
 *
 *   CLOSED --open--> NEGOTIATING --{1,1,fw,msg}--> READY
 *                         |  --{0,0}--> REFUSED      (re-open: NEGOTIATING)
 *                         +--timeout--> (stays; counted: neg-timeouts)
 *
 * Device parameters (every IC type):
 *   release=NAME         version lists of a Windows release (ich_releases)
 *   fw-versions=A.B,...  override the framework list
 *   versions=A.B,...     override the service's message list
 *   timeout=TIME         answer timeout of every request (default 10s)
 *   malformed=KIND       after negotiation send a malformed message:
 *                        short, bad-pipe, pipe-len, ic-len, counts,
 *                        neg-overflow, unknown-type, short-body,
 *                        not-request, or all of them
 *   malformed-at=TIME    not before this virtual time
 *   renegotiate-at=TIME  NEGOTIATE again once (a host restarting the
 *                        service): the guest must answer and go on
 * Faults on answers use the scenario's triggers: "on packet DEV drop" makes
 * the host ignore the guest's answer (a guest that never answers).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/ic_host.h"
#include "include/hyperv/vmbus_guids.h"

/*
 * Version lists per release. Windows Server 2008 speaks framework 1.0 and
 * message version 1.0 only; 2008 R2 adds framework 3.0; 2012 moves the
 * services to 3.0 and KVP to 4.0; 2012 R2 KVP 5.0 and shutdown 3.1;
 * 2016 and later shutdown 3.2 and time sync 4.0 (Linux hv_util.c and
 * hv_kvp.c name these versions by release). openvmm: OpenVMM's lists.
 */
static const struct ich_release ich_releases[] = {
	{ "ws2008", { {1, 0} }, { {1, 0} }, { {1, 0} }, { {1, 0} }, { {1, 0} } },
	{ "ws2008r2", { {1, 0}, {3, 0} }, { {1, 0}, {3, 0} }, { {1, 0}, {3, 0} },
	  { {1, 0}, {3, 0} }, { {3, 0} } },
	{ "ws2012", { {1, 0}, {3, 0} }, { {3, 0} }, { {3, 0} }, { {3, 0} }, { {4, 0} } },
	{ "ws2012r2", { {1, 0}, {3, 0} }, { {3, 0} }, { {3, 0}, {3, 1} }, { {3, 0} },
	  { {4, 0}, {5, 0} } },
	{ "ws2016", { {1, 0}, {3, 0} }, { {1, 0}, {3, 0} }, { {3, 0}, {3, 1}, {3, 2} },
	  { {3, 0}, {4, 0} }, { {4, 0}, {5, 0} } },
	{ "ws2019", { {1, 0}, {3, 0} }, { {1, 0}, {3, 0} }, { {3, 0}, {3, 1}, {3, 2} },
	  { {3, 0}, {4, 0} }, { {4, 0}, {5, 0} } },
	{ "ws2022", { {1, 0}, {3, 0} }, { {1, 0}, {3, 0} }, { {1, 0}, {3, 0}, {3, 1}, {3, 2} },
	  { {1, 0}, {3, 0}, {4, 0} }, { {3, 0}, {4, 0}, {5, 0} } },
	{ "openvmm", { {1, 0}, {3, 0} }, { {1, 0}, {3, 0} }, { {1, 0}, {3, 0}, {3, 1}, {3, 2} },
	  { {4, 0} }, { {3, 0}, {4, 0}, {5, 0} } },
};

static const char *const ich_counter_names[ICC_COUNT] = {
	[ICC_NEGOTIATED] = "negotiated", [ICC_REFUSED] = "refused",
	[ICC_NEG_TIMEOUTS] = "neg-timeouts", [ICC_TIMEOUTS] = "timeouts",
	[ICC_FAILED] = "failed", [ICC_MALFORMED_SENT] = "malformed-sent",
	[ICC_HEARTBEATS] = "heartbeats", [ICC_LOST] = "lost",
	[ICC_SHUTDOWN_OK] = "shutdown-ok", [ICC_SHUTDOWN_FAILED] = "shutdown-failed",
	[ICC_NOT_READY] = "not-ready", [ICC_IN_PROGRESS] = "in-progress",
	[ICC_SAMPLES] = "samples", [ICC_KVP_STEPS] = "kvp-steps",
	[ICC_AUTO_ITEMS] = "auto-items",
};

/* ---- what the service code uses ---- */

uint64_t ich_now(const struct ich *x)
{
	return host_now(x->d->h);
}

void ich_wake_at(struct ich *x, uint64_t when)
{
	uint64_t now = ich_now(x);

	if (x->c)
		host_dev_tick_after(x->c, when > now ? when - now : 0);
}

void ich_violation(struct ich *x, const char *what)
{
	host_dev_violation(x->d, x->c, what);
}

/* ---- the exchange log: one line per request, written when it ends ---- */

void ich_describe(struct ich *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->desc, sizeof(x->desc), fmt, ap);
	va_end(ap);
	x->desc_fresh = true;
}

void ich_note(struct ich *x, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->note, sizeof(x->note), fmt, ap);
	va_end(ap);
}

uint64_t ich_wall_ns(const struct ich *x, uint64_t at)
{
	const struct host_env *env = &x->d->h->env;
	uint64_t now = ich_now(x);

	if (!env->wall_ns)
		return 0;
	return env->wall_ns(env->ctx) - (now > at ? now - at : 0);
}

const char *host_ic_status_name(uint32_t status)
{
	switch (status) {
	case IC_S_OK: return "S_OK";
	case IC_E_FAIL: return "E_FAIL";
	case IC_E_NO_MORE_ITEMS: return "E_NO_MORE_ITEMS";
	case IC_E_NOT_SUPPORTED: return "E_NOT_SUPPORTED";
	case IC_E_NOT_FOUND: return "E_NOT_FOUND";
	default: return NULL;
	}
}

/* "ic: shutdown: request flags=0x0 reason="..." -> S_OK" (result: the
 * answer's status, or NULL: none came). Heartbeats are routine (detail 1). */
static void ich_log_exchange(struct ich *x, bool answered, uint32_t st_val)
{
	const uint32_t *status = answered ? &st_val : NULL;
	const struct host_env *env = &x->d->h->env;
	const char *name = status ? host_ic_status_name(*status) : NULL;
	char line[384], st[24];

	if (!env->log)
		return;
	if (status && !name)
		snprintf(st, sizeof(st), "0x%08x", *status);
	snprintf(line, sizeof(line), "ic: %s: %s -> %s%s%s", x->d->ops->type, x->out_desc,
		 !status ? "no answer (timeout)" : name ? name : st, x->note[0] ? " " : "",
		 x->note);
	env->log(env->ctx, x->out_type == IC_MSG_HEARTBEAT, line);
	x->note[0] = 0;
}

int ich_parse_versions(const char *val, struct ic_version *out, int max)
{
	int n = 0;

	while (*val) {
		char *end;
		unsigned long ma = strtoul(val, &end, 10), mi;

		if (*end != '.' || n >= max || ma > 0xffff)
			return -EINVAL;
		mi = strtoul(end + 1, &end, 10);
		if ((*end && *end != ',') || mi > 0xffff)
			return -EINVAL;
		out[n++] = IC_VER((uint16_t)ma, (uint16_t)mi);
		val = *end ? end + 1 : end;
	}
	return n ? n : -EINVAL;
}

/* Frame and send one host message: {1, len}, IC header with the chosen
 * versions (0.0 before negotiation), flags TRANSACTION | REQUEST. */
static int ich_send_raw(struct ich *x, const struct ic_hdr *h, const void *body, uint32_t len)
{
	uint8_t buf[IC_MAX_PACKET];
	struct ic_msg m;

	if (!x->c || sizeof(m) + len > sizeof(buf))
		return -EPIPE;
	m.pipe.type = IC_PIPE_DATA;
	m.pipe.size = (uint32_t)sizeof(m.ic) + len;
	m.ic = *h;
	memcpy(buf, &m, sizeof(m));
	memcpy(buf + sizeof(m), body, len);
	return host_dev_send(x->c, VMBUS_PKT_DATA_INBAND, 0, 0, buf, (uint32_t)sizeof(m) + len);
}

static struct ic_hdr ich_hdr(const struct ich *x, uint16_t type, uint32_t len, uint32_t status)
{
	struct ic_hdr h;

	memset(&h, 0, sizeof(h));
	if (type != IC_MSG_NEGOTIATE) {
		h.fw = x->fw_chosen;
		h.msg = x->msg_chosen;
	}
	h.type = type;
	h.size = (uint16_t)len;
	h.status = status;
	h.flags = IC_FLAGS_REQUEST;
	return h;
}

/* A request that expects one answer before the timeout. */
int ich_send(struct ich *x, uint16_t type, const void *body, uint32_t len, uint32_t status)
{
	struct ic_hdr h = ich_hdr(x, type, len, status);
	int err = ich_send_raw(x, &h, body, len);

	if (err)
		return err;
	if (x->desc_fresh)
		memcpy(x->out_desc, x->desc, sizeof(x->out_desc));
	else
		snprintf(x->out_desc, sizeof(x->out_desc), "message type %u", type);
	x->desc_fresh = false;
	x->note[0] = 0;
	x->outstanding = true;
	x->out_type = type;
	x->out_len = len;
	x->out_deadline = ich_now(x) + x->timeout;
	ich_wake_at(x, x->out_deadline);
	return 0;
}

/* ---- negotiation ---- */

static void ich_negotiate(struct ich *x)
{
	uint8_t body[sizeof(struct ic_negotiate) + 4 * 2 * ICH_MAX_VERSIONS];
	struct ic_negotiate n = { (uint16_t)x->nfw, (uint16_t)x->nmsg, 0 };
	uint32_t len = sizeof(n);

	memcpy(body, &n, sizeof(n));
	memcpy(body + len, x->fw, 4u * (uint32_t)x->nfw);
	len += 4u * (uint32_t)x->nfw;
	memcpy(body + len, x->msgv, 4u * (uint32_t)x->nmsg);
	len += 4u * (uint32_t)x->nmsg;
	x->state = ICH_NEGOTIATING;
	ich_describe(x, "negotiate (%d framework, %d message versions offered)", x->nfw,
		     x->nmsg);
	ich_send(x, IC_MSG_NEGOTIATE, body, len, 0);
}

static bool ich_offered(const struct ic_version *list, int n, struct ic_version v)
{
	for (int i = 0; i < n; i++)
		if (list[i].major == v.major && list[i].minor == v.minor)
			return true;
	return false;
}

static void ich_on_negotiate(struct ich *x, const uint8_t *body, uint32_t len)
{
	struct ic_negotiate_resp r;

	if (x->state != ICH_NEGOTIATING) {
		ich_violation(x, "NEGOTIATE answer without a NEGOTIATE outstanding");
		return;
	}
	if (len < sizeof(r.n)) {
		ich_violation(x, "NEGOTIATE answer shorter than its counts");
		return;
	}
	memset(&r, 0, sizeof(r));
	memcpy(&r, body, len < sizeof(r) ? len : sizeof(r));
	if (r.n.fw_count == 0 && r.n.msg_count == 0) {
		x->state = ICH_REFUSED;
		x->counters[ICC_REFUSED]++;
		ich_note(x, "(no common version)");
		host_dev_trace(x->d, x->c, IC_MSG_NEGOTIATE, 0);
		return;
	}
	if (r.n.fw_count != 1 || r.n.msg_count != 1 || len < sizeof(r)) {
		ich_violation(x, "NEGOTIATE answer must list exactly one framework and one "
			      "message version");
		return;
	}
	if (!ich_offered(x->fw, x->nfw, r.fw) || !ich_offered(x->msgv, x->nmsg, r.msg)) {
		ich_violation(x, "guest chose a version the host did not offer");
		return;
	}
	x->fw_chosen = r.fw;
	x->msg_chosen = r.msg;
	x->state = ICH_READY;
	ich_note(x, "framework %u.%u message %u.%u", r.fw.major, r.fw.minor, r.msg.major,
		 r.msg.minor);
	x->counters[ICC_NEGOTIATED]++;
	host_dev_trace(x->d, x->c, IC_MSG_NEGOTIATE, (uint64_t)r.msg.major << 16 | r.msg.minor);
	if (x->svc->start)
		x->svc->start(x);
	if (x->malformed[0])
		ich_wake_at(x, x->malformed_at);
	if (x->renegotiate_at && !x->renegotiated)
		ich_wake_at(x, x->renegotiate_at);
	if (x->dm.state == ICD_QUEUED)
		ich_wake_at(x, ich_now(x));
}

/* ---- faults: malformed host messages ---- */

static const char *const ich_malformed_kinds[] = {
	"short", "bad-pipe", "pipe-len", "ic-len", "counts", "neg-overflow",
	"unknown-type", "short-body", "not-request",
};
#define ICH_NMALFORMED (sizeof(ich_malformed_kinds) / sizeof(ich_malformed_kinds[0]))

static void ich_send_malformed(struct ich *x, unsigned k)
{
	uint8_t buf[64];
	struct ic_msg m;
	struct ic_negotiate n = { 0, 0, 0 };
	uint32_t len = sizeof(m) + 8;

	memset(buf, 0, sizeof(buf));
	m.pipe.type = IC_PIPE_DATA;
	m.pipe.size = sizeof(m.ic) + 8;
	m.ic = ich_hdr(x, x->svc->msg_type, 8, 0);
	switch (k) {
	case 0: len = 20; break;                               /* short */
	case 1: m.pipe.type = 2; break;                        /* bad-pipe */
	case 2: m.pipe.size = 4000; break;                     /* pipe-len */
	case 3: m.ic.size = 4000; break;                       /* ic-len */
	case 4: n.fw_count = 101; n.msg_count = 1;             /* counts */
		m.ic.type = IC_MSG_NEGOTIATE; break;
	case 5: n.fw_count = 2; n.msg_count = 2;               /* neg-overflow */
		m.ic.type = IC_MSG_NEGOTIATE; break;
	case 6: m.ic.type = 9; break;                          /* unknown-type */
	case 7: m.ic.size = 2; m.pipe.size = sizeof(m.ic) + 2;     /* short-body */
		len = sizeof(m) + 2; break;
	default: m.ic.flags = IC_FLAGS_RESPONSE; break;        /* not-request */
	}
	memcpy(buf, &m, sizeof(m));
	memcpy(buf + sizeof(m), &n, sizeof(n));
	if (host_dev_send(x->c, VMBUS_PKT_DATA_INBAND, 0, 0, buf, len) == 0)
		x->counters[ICC_MALFORMED_SENT]++;
}

static void ich_malformed_due(struct ich *x)
{
	if (!x->malformed[0] || x->malformed_done || x->state != ICH_READY ||
	    ich_now(x) < x->malformed_at)
		return;
	x->malformed_done = true;
	for (unsigned k = 0; k < ICH_NMALFORMED; k++)
		if (!strcmp(x->malformed, "all") || !strcmp(x->malformed, ich_malformed_kinds[k]))
			ich_send_malformed(x, k);
}

/* ---- device ops ---- */

static int ich_param(struct host_dev *d, const char *key, const char *val)
{
	struct ich *x = d->priv;
	int n;

	if (!strcmp(key, "release")) {
		for (size_t i = 0; i < sizeof(ich_releases) / sizeof(ich_releases[0]); i++) {
			const struct ich_release *r = &ich_releases[i];
			const struct ic_version *l = (const void *)((const char *)r +
								    x->svc->rel_off);

			if (strcmp(r->name, val))
				continue;
			for (x->nfw = 0; x->nfw < 3 && r->fw[x->nfw].major; x->nfw++)
				x->fw[x->nfw] = r->fw[x->nfw];
			for (x->nmsg = 0; x->nmsg < x->svc->rel_count && l[x->nmsg].major; x->nmsg++)
				x->msgv[x->nmsg] = l[x->nmsg];
			return 0;
		}
		return -EINVAL;
	}
	if (!strcmp(key, "fw-versions") || !strcmp(key, "versions")) {
		bool fw = key[0] == 'f';

		n = ich_parse_versions(val, fw ? x->fw : x->msgv, ICH_MAX_VERSIONS);
		if (n < 0)
			return n;
		*(fw ? &x->nfw : &x->nmsg) = n;
		return 0;
	}
	if (!strcmp(key, "timeout"))
		return host_parse_ns(val, &x->timeout);
	if (!strcmp(key, "malformed-at"))
		return host_parse_ns(val, &x->malformed_at);
	if (!strcmp(key, "renegotiate-at"))
		return host_parse_ns(val, &x->renegotiate_at);
	if (!strcmp(key, "malformed")) {
		bool ok = !strcmp(val, "all");

		for (unsigned k = 0; k < ICH_NMALFORMED; k++)
			ok |= !strcmp(val, ich_malformed_kinds[k]);
		if (!ok || strlen(val) >= sizeof(x->malformed))
			return -EINVAL;
		strcpy(x->malformed, val);
		return 0;
	}
	return x->svc->param ? x->svc->param(x, key, val) : -EINVAL;
}

static uint32_t ich_open(struct host_dev *d, struct host_chan *c)
{
	struct ich *x = d->priv;

	if (host_chan_subidx(c))
		return 0;
	x->c = c;
	x->outstanding = false;
	x->malformed_done = false;
	/* the host speaks first, once the channel is open (the next tick) */
	x->state = ICH_NEGOTIATING;
	x->neg_due = true;
	host_dev_tick_after(c, 0);
	if (x->at)              /* a service request due, negotiated or not */
		ich_wake_at(x, x->at);
	return 0;
}

static void ich_close(struct host_dev *d, struct host_chan *c)
{
	struct ich *x = d->priv;

	if (x->c != c)
		return;
	x->c = NULL;
	x->state = ICH_CLOSED;
	x->outstanding = false;
	x->neg_due = false;
	if (x->dm.state == ICD_SENT)
		ichd_end(x, "channel closed");
}

/* Check the guest's answer: pipe and IC headers, flags, transaction id. */
static int ich_check_answer(struct ich *x, const uint8_t *p, uint32_t plen, struct ic_hdr *h)
{
	struct ic_msg m;

	if (plen < sizeof(m)) {
		ich_violation(x, "IC answer shorter than its headers");
		return -EINVAL;
	}
	memcpy(&m, p, sizeof(m));
	if (m.pipe.type != IC_PIPE_DATA || m.pipe.size > plen - sizeof(m.pipe) ||
	    m.pipe.size < sizeof(m.ic) || m.ic.size > m.pipe.size - sizeof(m.ic)) {
		ich_violation(x, "IC answer's pipe header disagrees with the packet");
		return -EINVAL;
	}
	if ((m.ic.flags & IC_FLAGS_RESPONSE) != IC_FLAGS_RESPONSE ||
	    (m.ic.flags & IC_FLAG_REQUEST) || m.ic.trans_id != 0) {
		ich_violation(x, "IC answer without TRANSACTION|RESPONSE flags or with a "
			      "transaction id");
		return -EINVAL;
	}
	*h = m.ic;
	return 0;
}

static void ich_packet(struct host_dev *d, struct host_chan *c,
		       const struct vmbus_pkt_desc *desc, const uint8_t *pkt, uint32_t len)
{
	struct ich *x = d->priv;
	const uint8_t *p = pkt + desc->offset8 * 8u;
	uint32_t plen = len - desc->offset8 * 8u;
	struct ic_hdr h;
	uint64_t arg = 0;
	int act;

	if (desc->type != VMBUS_PKT_DATA_INBAND || desc->flags) {
		host_dev_violation(d, c, "IC answers are in-band packets without flags");
		return;
	}
	if (ich_check_answer(x, p, plen, &h))
		return;
	act = host_dev_trigger(d, c, HOST_STEP_PACKET, &arg);
	if (act == HTA_DROP || act == HTA_NEVER_ANSWER)
		return;                       /* as if the guest never answered */
	if (h.type == IC_MSG_NEGOTIATE && x->outstanding && x->out_type == IC_MSG_NEGOTIATE) {
		x->outstanding = false;
		ich_on_negotiate(x, p + sizeof(struct ic_msg), h.size);
		ich_log_exchange(x, true, h.status);
		return;
	}
	/* a short body answered E_FAIL is the answer to the malformed
	 * short-body message, unless the outstanding request was that short
	 * itself (the KVP limits script) */
	if (h.status == IC_E_FAIL && (h.type != x->svc->msg_type || !x->outstanding ||
				      (h.size < 8 && h.size != x->out_len))) {
		x->counters[ICC_FAILED]++;    /* the answer to a malformed request */
		return;
	}
	if (x->state != ICH_READY || !x->outstanding || h.type != x->out_type) {
		ich_violation(x, "IC answer that answers no request");
		return;
	}
	if (h.fw.major != x->fw_chosen.major || h.msg.major != x->msg_chosen.major ||
	    h.fw.minor != x->fw_chosen.minor || h.msg.minor != x->msg_chosen.minor) {
		ich_violation(x, "IC answer with versions other than the negotiated ones");
		return;
	}
	x->outstanding = false;
	if (x->dm.state == ICD_SENT)
		ichd_reply(x, &h, p + sizeof(struct ic_msg), h.size);
	else
		x->svc->reply(x, &h, p + sizeof(struct ic_msg), h.size);
	ich_log_exchange(x, true, h.status);
}

static void ich_tick(struct host_dev *d, struct host_chan *c)
{
	struct ich *x = d->priv;

	if (x->c != c)
		return;
	if (x->neg_due) {
		x->neg_due = false;
		ich_negotiate(x);
	}
	if (x->outstanding && ich_now(x) >= x->out_deadline) {
		x->outstanding = false;
		ich_log_exchange(x, false, 0);
		if (x->out_type == IC_MSG_NEGOTIATE) {
			x->counters[ICC_NEG_TIMEOUTS]++;
		} else {
			x->counters[ICC_TIMEOUTS]++;
			if (x->dm.state == ICD_SENT)
				ichd_end(x, "no answer before the timeout");
			else if (x->svc->timeout)
				x->svc->timeout(x);
		}
	}
	ich_malformed_due(x);
	if (x->renegotiate_at && !x->renegotiated && x->state == ICH_READY && !x->outstanding &&
	    ich_now(x) >= x->renegotiate_at) {
		x->renegotiated = true;
		ich_negotiate(x);
		return;
	}
	if (ichd_tick(x))
		return;                       /* an operator's request goes first */
	if (x->svc->tick)
		x->svc->tick(x);
}

static int ich_counter(struct host_dev *d, const char *key, uint64_t *out)
{
	struct ich *x = d->priv;

	for (int i = 0; i < ICC_COUNT; i++)
		if (!strcmp(key, ich_counter_names[i])) {
			*out = x->counters[i];
			return 0;
		}
	return -ENOENT;
}

static int ich_init(struct host_dev *d, const struct ich_svc *svc)
{
	struct ich *x = d->priv;

	x->svc = svc;
	x->d = d;
	x->timeout = 10ull * 1000000000ull;
	return ich_param(d, "release", "ws2022");
}

/* The keys ich_param takes itself; each type adds its service's (the
 * svc->param functions of host/ic_host_services.c). */
#define ICH_KEYS "release fw-versions versions timeout malformed-at renegotiate-at malformed "

#define ICH_TYPE(ident, tname, guid, svcp, svckeys)                            \
	static int ident##_init(struct host_dev *d) { return ich_init(d, &svcp); } \
	const struct host_dev_ops ident = {                                    \
		.type = tname, .class_guid = guid, .priv_size = sizeof(struct ich), \
		.init = ident##_init, .keys = ICH_KEYS svckeys, .param = ich_param, \
		.on_open = ich_open, .on_packet = ich_packet, .on_close = ich_close, \
		.tick = ich_tick, .counter = ich_counter,                           \
	}

ICH_TYPE(ic_heartbeat_dev_ops, "heartbeat", VMBUS_CLASS_HEARTBEAT, ich_heartbeat,
	 "interval beats");
ICH_TYPE(ic_shutdown_dev_ops, "shutdown", VMBUS_CLASS_SHUTDOWN, ich_shutdown,
	 "at again flags reason timeout-s text");
ICH_TYPE(ic_timesync_dev_ops, "timesync", VMBUS_CLASS_TIMESYNC, ich_timesync,
	 "every latency samples back start");
ICH_TYPE(ic_kvp_dev_ops, "kvp", VMBUS_CLASS_KVP, ich_kvp, "at script");
