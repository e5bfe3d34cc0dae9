/*
 * The simulated host's IC services (docs/protocols/ic.md), each as Hyper-V
 * drives it once the framework (host/ic_host.c) has negotiated:
 *
 * heartbeat  a sequence number every interval=TIME (default 2s), beats=N
 *            of them (0: forever); the answer must be seq + 1; no answer
 *            before the timeout: counted as lost (Hyper-V: "no contact").
 * shutdown   at=TIME one request {reason=N, timeout-s=N, flags=N,
 *            text=WORD}; again=TIME a second one (refused by the host
 *            itself while the first is unanswered, as OpenVMM does); a
 *            request due before negotiation is counted as not-ready.
 * timesync   SYNC right after negotiation, then SAMPLE every=TIME (5s),
 *            samples=N samples in all (3); the host clock is start=SECONDS
 *            (Unix) at virtual time 0, or the embedder's real clock
 *            (host_env wall_ns, keel-host) when no start= is given;
 *            latency=TIME between reading the
 *            clock and sending (the guest must correct by the reference
 *            time from version 4.0); the next sample waits for the answer.
 * kvp        script=basic at=TIME: SET, GET, ENUMERATE on every pool,
 *            DELETE, and the refusals; every answer is checked.
 *            script=limits: sizes at and past the record's limits, bad
 *            encodings, pools and indexes out of range, short bodies
 *            (host/ic_host_kvp_limits.c).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/ic_host.h"

static int parse_u32(const char *val, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(val, &end, 0);

	if (*end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* ---- heartbeat ---- */

static int hb_param(struct ich *x, const char *key, const char *val)
{
	if (!strcmp(key, "interval"))
		return host_parse_ns(val, &x->interval);
	if (!strcmp(key, "beats"))
		return parse_u32(val, &x->limit);
	return -EINVAL;
}

static void hb_start(struct ich *x)
{
	if (!x->interval)
		x->interval = 2ull * 1000000000ull;
	x->next_at = ich_now(x);
	ich_wake_at(x, x->next_at);
}

static void hb_tick(struct ich *x)
{
	struct ic_heartbeat m;

	if (x->state != ICH_READY || x->outstanding || ich_now(x) < x->next_at ||
	    (x->limit && x->step >= (int)x->limit))
		return;
	memset(&m, 0, sizeof(m));
	x->seq += 0x100;            /* the host's own numbering: the guest adds 1 */
	m.seq = x->seq;
	x->step++;
	x->next_at = ich_now(x) + x->interval;
	ich_describe(x, "heartbeat seq=%llu", (unsigned long long)m.seq);
	if (ich_send(x, IC_MSG_HEARTBEAT, &m, sizeof(m), 0) == 0)
		ich_wake_at(x, x->next_at);
}

static void hb_reply(struct ich *x, const struct ic_hdr *h, const uint8_t *body, uint32_t len)
{
	uint64_t seq;

	if (h->status != IC_S_OK || len < sizeof(seq)) {
		ich_violation(x, "heartbeat answer failed or short");
		return;
	}
	memcpy(&seq, body, sizeof(seq));
	if (seq != x->seq + 1) {
		ich_violation(x, "heartbeat answer is not the sequence number plus one");
		return;
	}
	x->counters[ICC_HEARTBEATS]++;
	x->last_answer_at = ich_now(x);
	x->last_answer_seq = seq;
	ich_note(x, "seq=%llu", (unsigned long long)seq);
	host_dev_trace(x->d, x->c, IC_MSG_HEARTBEAT, seq);
	ich_wake_at(x, x->next_at);
}

static void hb_timeout(struct ich *x)
{
	x->counters[ICC_LOST]++;             /* Hyper-V: heartbeat "No contact" */
	ich_wake_at(x, x->next_at);
}

const struct ich_svc ich_heartbeat = {
	.msg_type = IC_MSG_HEARTBEAT,
	.rel_off = offsetof(struct ich_release, hb), .rel_count = 3,
	.param = hb_param, .start = hb_start, .tick = hb_tick,
	.reply = hb_reply, .timeout = hb_timeout,
};

/* ---- shutdown ---- */

static int sd_param(struct ich *x, const char *key, const char *val)
{
	if (!strcmp(key, "at"))
		return host_parse_ns(val, &x->at);
	if (!strcmp(key, "again"))
		return host_parse_ns(val, &x->again_at);
	if (!strcmp(key, "flags"))
		return parse_u32(val, &x->flags);
	if (!strcmp(key, "reason"))
		return parse_u32(val, &x->reason);
	if (!strcmp(key, "timeout-s"))
		return parse_u32(val, &x->timeout_s);
	if (!strcmp(key, "text")) {
		if (strlen(val) >= sizeof(x->text))
			return -EINVAL;
		strcpy(x->text, val);
		return 0;
	}
	return -EINVAL;
}

static void sd_send(struct ich *x)
{
	static struct ic_shutdown m;

	memset(&m, 0, sizeof(m));
	m.reason = x->reason ? x->reason : IC_SHUTDOWN_REASON_PLANNED;
	m.timeout_s = x->timeout_s;
	m.flags = x->flags;
	for (size_t i = 0; x->text[i]; i++)          /* ASCII -> UTF-16LE; '_' is a blank */
		m.message[2 * i] = (uint8_t)(x->text[i] == '_' ? ' ' : x->text[i]);
	ich_describe(x, "request flags=0x%x reason=\"%s\"", m.flags, x->text);
	if (ich_send(x, IC_MSG_SHUTDOWN, &m, sizeof(m), 0) == 0)
		host_dev_trace(x->d, x->c, IC_MSG_SHUTDOWN, x->flags);
}

static void sd_start(struct ich *x)
{
	if (x->at)
		ich_wake_at(x, x->at);
	if (x->again_at)
		ich_wake_at(x, x->again_at);
}

static void sd_tick(struct ich *x)
{
	uint64_t now = ich_now(x);

	if (x->at && !x->sent_first && now >= x->at) {
		x->sent_first = true;
		if (x->state != ICH_READY)
			x->counters[ICC_NOT_READY]++;
		else
			sd_send(x);
	}
	if (x->again_at && !x->sent_again && now >= x->again_at) {
		x->sent_again = true;
		if (x->outstanding)
			x->counters[ICC_IN_PROGRESS]++;
		else if (x->state == ICH_READY)
			sd_send(x);
	}
}

static void sd_reply(struct ich *x, const struct ic_hdr *h, const uint8_t *body, uint32_t len)
{
	(void)body;
	if (len < sizeof(struct ic_shutdown)) {
		ich_violation(x, "shutdown answer shorter than the request");
		return;
	}
	x->counters[h->status == IC_S_OK ? ICC_SHUTDOWN_OK : ICC_SHUTDOWN_FAILED]++;
	host_dev_trace(x->d, x->c, IC_MSG_SHUTDOWN, h->status);
}

const struct ich_svc ich_shutdown = {
	.msg_type = IC_MSG_SHUTDOWN,
	.rel_off = offsetof(struct ich_release, sd), .rel_count = 4,
	.param = sd_param, .start = sd_start, .tick = sd_tick, .reply = sd_reply,
};

/* ---- time sync ---- */

static int ts_param(struct ich *x, const char *key, const char *val)
{
	if (!strcmp(key, "every"))
		return host_parse_ns(val, &x->interval);
	if (!strcmp(key, "latency"))
		return host_parse_ns(val, &x->latency);
	if (!strcmp(key, "samples"))
		return parse_u32(val, &x->limit);
	if (!strcmp(key, "back"))
		return host_parse_ns(val, &x->back);
	if (!strcmp(key, "start")) {
		uint32_t s;
		int err = parse_u32(val, &s);

		x->start_s = s;
		return err;
	}
	return -EINVAL;
}

/* Read the host clock now: the sample is sent latency later. */
static void ts_schedule(struct ich *x, uint64_t sample_at)
{
	x->sent_at = sample_at;
	x->next_at = sample_at + x->latency;
	ich_wake_at(x, x->next_at);
}

static void ts_start(struct ich *x)
{
	if (!x->interval)
		x->interval = 5ull * 1000000000ull;
	if (!x->limit)
		x->limit = 3;
	if (!x->start_s && !ich_wall_ns(x, 0))
		x->start_s = 1796454000;       /* 2026-12-05 07:00:00 UTC */
	x->step = 0;
	ts_schedule(x, ich_now(x));
}

static void ts_tick(struct ich *x)
{
	uint64_t t = x->sent_at;
	/* back=TIME: the host's clock is set back by TIME after the first sample
	 * (an administrator correcting it); the guest must follow */
	uint64_t back = x->step >= 1 ? x->back : 0;
	uint64_t wall = x->start_s ? 0 : ich_wall_ns(x, t);
	uint64_t unix_ns = (wall ? wall : x->start_s * 1000000000ull + t) - back;
	uint64_t parent = unix_ns / 100 + IC_TS_1601_TO_1970;
	uint8_t flags = x->step == 0 ? IC_TS_SYNC : IC_TS_SAMPLE;

	if (x->state != ICH_READY || x->outstanding || x->step >= (int)x->limit ||
	    ich_now(x) < x->next_at)
		return;
	ich_describe(x, "%s host clock %llu.%03u UTC", x->step == 0 ? "sync" : "sample",
		     (unsigned long long)(unix_ns / 1000000000ull),
		     (unsigned)(unix_ns / 1000000ull % 1000));
	if (x->msg_chosen.major >= 4) {
		struct ic_timesync_v4 m = { .parent_time = parent, .vm_ref_time = t / 100,
					    .flags = flags };
		ich_send(x, IC_MSG_TIMESYNC, &m, sizeof(m), 0);
	} else {
		struct ic_timesync_v1 m = { .parent_time = parent, .flags = flags };
		ich_send(x, IC_MSG_TIMESYNC, &m, sizeof(m), 0);
	}
	x->step++;
}

static void ts_reply(struct ich *x, const struct ic_hdr *h, const uint8_t *body, uint32_t len)
{
	(void)body;
	(void)len;
	if (h->status != IC_S_OK) {
		ich_violation(x, "time sync answer failed");
		return;
	}
	x->counters[ICC_SAMPLES]++;
	host_dev_trace(x->d, x->c, IC_MSG_TIMESYNC, (uint64_t)x->step);
	if (x->step < (int)x->limit)
		ts_schedule(x, ich_now(x) + x->interval);
}

const struct ich_svc ich_timesync = {
	.msg_type = IC_MSG_TIMESYNC,
	.rel_off = offsetof(struct ich_release, ts), .rel_count = 3,
	.param = ts_param, .start = ts_start, .tick = ts_tick, .reply = ts_reply,
};

/* ---- KVP ---- */

/* "gr\u00fc\u00dfe \U0001F600": non-ASCII and a surrogate pair */
static const uint16_t kvp_motto[] = { 'g', 'r', 0xFC, 0xDF, 'e', ' ', 0xD83D, 0xDE00, 0 };

enum kvp_step_kind { KS_SET, KS_GET, KS_ENUM, KS_DELETE, KS_ENUM_AUTO };

static const struct kvp_step {
	uint8_t kind, op, pool;
	const char *key;
	const char *value;          /* ASCII value, or NULL: kvp_motto */
	uint32_t index;
	uint32_t status;            /* expected */
} kvp_script[] = {
	{ KS_SET, IC_KVP_SET, IC_KVP_POOL_EXTERNAL, "HostName", "hyperv-host", 0, IC_S_OK },
	{ KS_SET, IC_KVP_SET, IC_KVP_POOL_EXTERNAL, "Motto", NULL, 0, IC_S_OK },
	{ KS_GET, IC_KVP_GET, IC_KVP_POOL_EXTERNAL, "Motto", NULL, 0, IC_S_OK },
	{ KS_ENUM, IC_KVP_ENUMERATE, IC_KVP_POOL_EXTERNAL, "HostName", "hyperv-host", 0, IC_S_OK },
	{ KS_ENUM, IC_KVP_ENUMERATE, IC_KVP_POOL_EXTERNAL, "Motto", NULL, 1, IC_S_OK },
	{ KS_ENUM, IC_KVP_ENUMERATE, IC_KVP_POOL_EXTERNAL, NULL, NULL, 2, IC_E_NO_MORE_ITEMS },
	{ KS_ENUM_AUTO, IC_KVP_ENUMERATE, IC_KVP_POOL_AUTO, NULL, NULL, 0, IC_S_OK },
	{ KS_GET, IC_KVP_GET, IC_KVP_POOL_AUTO, "OSName", NULL, 0, IC_E_FAIL },
	{ KS_DELETE, IC_KVP_DELETE, IC_KVP_POOL_EXTERNAL, "Motto", NULL, 0, IC_S_OK },
	{ KS_GET, IC_KVP_GET, IC_KVP_POOL_EXTERNAL, "Motto", NULL, 0, IC_E_NOT_FOUND },
	{ KS_SET, IC_KVP_SET, IC_KVP_POOL_AUTO, "OSName", "Other", 0, IC_E_FAIL },
	{ KS_GET, IC_KVP_GET, IC_KVP_POOL_GUEST, "Nope", NULL, 0, IC_E_NOT_FOUND },
};
#define KVP_NSTEPS (int)(sizeof(kvp_script) / sizeof(kvp_script[0]))

static int kvp_param(struct ich *x, const char *key, const char *val)
{
	if (!strcmp(key, "at"))
		return host_parse_ns(val, &x->at);
	if (!strcmp(key, "script") && !strcmp(val, "basic"))
		return x->limit = 1, 0;
	if (!strcmp(key, "script") && !strcmp(val, "limits"))
		return x->limit = 2, 0;
	return -EINVAL;
}

/* A string as UTF-16 into dst; returns bytes with the terminator. */
static uint32_t kvp_u16(uint16_t *dst, const char *ascii)
{
	uint32_t n = 0;

	if (!ascii) {
		memcpy(dst, kvp_motto, sizeof(kvp_motto));
		return sizeof(kvp_motto);
	}
	for (; ascii[n]; n++)
		dst[n] = (uint8_t)ascii[n];
	dst[n] = 0;
	return 2 * (n + 1);
}

static void kvp_start(struct ich *x)
{
	x->step = 0;
	x->os_seen = false;
	x->seq = 0;                  /* auto-pool enumeration index */
	if (x->limit)
		ich_wake_at(x, x->at);
}

static void kvp_tick(struct ich *x)
{
	static struct ic_kvp_enumerate m;
	const struct kvp_step *s;
	uint16_t tmp[IC_KVP_VAL_BYTES / 2];

	if (x->state != ICH_READY || x->outstanding || !x->limit || ich_now(x) < x->at)
		return;
	if (x->limit == 2) {
		if (x->step < kvpl_steps())
			kvpl_tick(x);
		return;
	}
	if (x->step >= KVP_NSTEPS)
		return;
	s = &kvp_script[x->step];
	ich_describe(x, "script step %d: op %u pool %u key \"%s\"", x->step, s->op, s->pool,
		     s->key ? s->key : "");
	memset(&m, 0, sizeof(m));
	m.h.op = s->op;
	m.h.pool = s->pool;
	if (s->kind == KS_DELETE) {
		struct ic_kvp_delete del;

		memset(&del, 0, sizeof(del));
		del.h = m.h;
		del.key_size = kvp_u16(tmp, s->key);
		memcpy(del.key, tmp, del.key_size);
		ich_send(x, IC_MSG_KVP, &del, sizeof(del), 0);
		return;
	}
	if (s->kind == KS_ENUM || s->kind == KS_ENUM_AUTO) {
		m.index = s->kind == KS_ENUM_AUTO ? (uint32_t)x->seq : s->index;
		ich_send(x, IC_MSG_KVP, &m, sizeof(m), 0);
		return;
	}
	/* GET and SET: the value record right after the 4-byte header */
	struct ic_kvp_getset *gs = (struct ic_kvp_getset *)&m;

	gs->v.key_size = kvp_u16(tmp, s->key);
	memcpy(gs->v.key, tmp, gs->v.key_size);
	if (s->kind == KS_SET) {
		gs->v.type = IC_KVP_REG_SZ;
		gs->v.value_size = kvp_u16(tmp, s->value);
		memcpy(gs->v.value, tmp, gs->v.value_size);
	}
	ich_send(x, IC_MSG_KVP, gs, sizeof(*gs), 0);
}

/* The record's value equals the step's (UTF-16, terminator included). */
static bool kvp_value_is(const struct ic_kvp_value *v, const char *ascii)
{
	uint16_t tmp[IC_KVP_VAL_BYTES / 2];
	uint32_t n = kvp_u16(tmp, ascii);

	return v->type == IC_KVP_REG_SZ && v->value_size == n && !memcmp(v->value, tmp, n);
}

static bool kvp_key_is(const struct ic_kvp_value *v, const char *ascii)
{
	uint16_t tmp[IC_KVP_KEY_BYTES / 2];
	uint32_t n = kvp_u16(tmp, ascii);

	return v->key_size == n && !memcmp(v->key, tmp, n);
}

static void kvp_reply(struct ich *x, const struct ic_hdr *h, const uint8_t *body, uint32_t len)
{
	static struct ic_kvp_enumerate m;
	const struct kvp_step *s;
	const struct ic_kvp_value *v;
	char why[96];

	if (x->limit == 2) {
		kvpl_reply(x, h, body, len);
		return;
	}
	s = &kvp_script[x->step];
	memset(&m, 0, sizeof(m));
	memcpy(&m, body, len < sizeof(m) ? len : sizeof(m));
	v = s->kind == KS_ENUM || s->kind == KS_ENUM_AUTO ? &m.v
							  : &((struct ic_kvp_getset *)&m)->v;
	if (s->kind == KS_ENUM_AUTO) {
		if (h->status == IC_E_NO_MORE_ITEMS && x->seq > 0) {
			if (!x->os_seen) {
				ich_violation(x, "KVP auto pool without OSName = Keel");
				return;
			}
			x->step++;               /* the whole auto pool was listed */
			ich_wake_at(x, ich_now(x));
			return;
		}
		if (h->status != IC_S_OK || v->type != IC_KVP_REG_SZ || v->key_size < 4) {
			ich_violation(x, "KVP auto-pool item malformed");
			return;
		}
		x->counters[ICC_AUTO_ITEMS]++;
		if (kvp_key_is(v, "OSName") && kvp_value_is(v, "Keel"))
			x->os_seen = true;
		x->seq++;
		ich_wake_at(x, ich_now(x));
		return;
	}
	if (h->status != s->status ||
	    (h->status == IC_S_OK && (s->kind == KS_GET || s->kind == KS_ENUM) &&
	     !kvp_value_is(v, s->value)) ||
	    (h->status == IC_S_OK && s->kind == KS_ENUM && !kvp_key_is(v, s->key))) {
		snprintf(why, sizeof(why), "KVP script step %d: status 0x%x or value differs",
			 x->step, h->status);
		ich_violation(x, why);
		return;
	}
	x->counters[ICC_KVP_STEPS]++;
	x->step++;
	ich_wake_at(x, ich_now(x));
}

const struct ich_svc ich_kvp = {
	.msg_type = IC_MSG_KVP,
	.rel_off = offsetof(struct ich_release, kvp), .rel_count = 3,
	.param = kvp_param, .start = kvp_start, .tick = kvp_tick, .reply = kvp_reply,
};
