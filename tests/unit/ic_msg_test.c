/*
 * Unit tests of the integration-component framework (drivers/ic.c) and the
 * heartbeat, shutdown and time-sync services with hostile input (docs/style.md
 * §15): header checks against crafted lengths, version negotiation against
 * every release's lists and malformed lists, the services' answers, and a
 * fuzz loop that feeds mutated packets through the channel callback.
 *
 * The code under test is compiled into this file; the VMBus channel and the
 * shutdown sequence are replaced by the recorders below.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/harness.h"

/* Our fakes under names of their own: other tests fake the channel too. */
#define vmbus_chan_send         ict_chan_send
#define vmbus_chan_recv_begin   ict_chan_recv_begin
#define vmbus_chan_recv_next    ict_chan_recv_next
#define vmbus_chan_recv_end     ict_chan_recv_end
#define vmbus_chan_open         ict_chan_open
#define vmbus_chan_close        ict_chan_close
#define vmbus_chan_out_drained  ict_chan_out_drained
#define vmbus_device_channel    ict_device_channel
#define vmbus_device_priv       ict_device_priv
#define vmbus_device_set_priv   ict_device_set_priv
#define vmbus_device_set_ready  ict_device_set_ready
#define shutdown_start          ict_shutdown_start
#define shutdown_in_progress    ict_shutdown_in_progress
#define shutdown_register_app   ict_shutdown_register_app

#include "drivers/ic.c"
#include "drivers/ic_heartbeat.c"
#include "drivers/ic_shutdown.c"
#include "drivers/ic_timesync.c"
#include "kernel/wallclock.h"

/* ---- the fake channel: one queued packet in, the replies out ---- */

static uint8_t fk_in[IC_MAX_PACKET + 64];
static uint32_t fk_in_len;           /* payload bytes of the queued packet; 0: none */
static uint8_t fk_out[IC_MAX_PACKET];
static uint32_t fk_out_len;
static int fk_replies;

int vmbus_chan_send(struct vmbus_channel *c, const void *data, uint32_t len,
		    uint64_t trans_id, uint16_t flags)
{
	(void)c;
	(void)trans_id;
	(void)flags;
	if (len > sizeof(fk_out))
		return -EMSGSIZE;
	memcpy(fk_out, data, len);
	fk_out_len = len;
	fk_replies++;
	return 0;
}

void vmbus_chan_recv_begin(struct vmbus_channel *c, struct vmbus_ring_iter *it)
{
	(void)c;
	(void)it;
}

/* As the ring does: the packet (a 16-byte descriptor, then the payload)
 * is copied into buf; data points at the payload inside buf. */
int vmbus_chan_recv_next(struct vmbus_channel *c, struct vmbus_ring_iter *it, void *buf,
			 uint32_t bufsz, struct vmbus_pkt *pkt)
{
	uint32_t len8 = (fk_in_len + 7) & ~7u;

	(void)c;
	(void)it;
	if (!fk_in_len)
		return 0;
	if (16 + len8 > bufsz) {
		fk_in_len = 0;
		return -EMSGSIZE;
	}
	memset(buf, 0, 16 + len8);
	memcpy((uint8_t *)buf + 16, fk_in, fk_in_len);
	memset(pkt, 0, sizeof(*pkt));
	pkt->type = VMBUS_PKT_DATA_INBAND;
	pkt->raw = buf;
	pkt->raw_len = 16 + len8;
	pkt->data = (uint8_t *)buf + 16;
	pkt->data_len = len8;
	fk_in_len = 0;
	return 1;
}

bool vmbus_chan_recv_end(struct vmbus_channel *c, struct vmbus_ring_iter *it)
{
	(void)c;
	(void)it;
	return false;
}

int vmbus_chan_open(struct vmbus_channel *c, const struct vmbus_chan_open_args *a)
{
	(void)c;
	(void)a;
	return 0;
}
int vmbus_chan_close(struct vmbus_channel *c) { (void)c; return 0; }
bool vmbus_chan_out_drained(struct vmbus_channel *c) { (void)c; return true; }
struct vmbus_channel *vmbus_device_channel(struct vmbus_device *d) { (void)d; return NULL; }
void *vmbus_device_priv(struct vmbus_device *d) { (void)d; return NULL; }
void vmbus_device_set_priv(struct vmbus_device *d, void *p) { (void)d; (void)p; }
void vmbus_device_set_ready(struct vmbus_device *d) { (void)d; }

/* ---- the fake shutdown sequence ---- */

static int fk_sd_started;
static enum shutdown_action fk_sd_action;
static uint64_t fk_sd_deadline;

int shutdown_start(enum shutdown_action a, uint64_t deadline_ns)
{
	fk_sd_started++;
	fk_sd_action = a;
	fk_sd_deadline = deadline_ns;
	return 0;
}
bool shutdown_in_progress(void) { return fk_sd_started > 0; }
void shutdown_register_app(struct shutdown_app *app) { (void)app; }

/* ---- building and delivering requests ---- */

static struct ic_dev fk_ic;

static void fk_setup(const struct ic_service *svc, void *priv)
{
	memset(&fk_ic, 0, sizeof(fk_ic));
	fk_ic.svc = svc;
	fk_ic.svc_priv = priv;
	fk_replies = 0;
	fk_out_len = 0;
	fk_sd_started = 0;
}

/* Build a host request: pipe header, IC header, body. Returns its length. */
static uint32_t mk_msg(uint8_t *p, uint16_t type, struct ic_version msgv, const void *body,
		       uint32_t blen)
{
	struct ic_msg m;

	memset(&m, 0, sizeof(m));
	m.pipe.type = IC_PIPE_DATA;
	m.pipe.size = (uint32_t)sizeof(m.ic) + blen;
	m.ic.fw = IC_VER(3, 0);
	m.ic.type = type;
	m.ic.msg = msgv;
	m.ic.size = (uint16_t)blen;
	m.ic.flags = IC_FLAGS_REQUEST;
	memcpy(p, &m, sizeof(m));
	memcpy(p + sizeof(m), body, blen);
	return (uint32_t)sizeof(m) + blen;
}

/* Deliver one packet through the channel callback. */
static void deliver(const uint8_t *p, uint32_t len)
{
	memcpy(fk_in, p, len);
	fk_in_len = len;
	ic_on_event(NULL, &fk_ic);
}

static uint32_t mk_negotiate(uint8_t *p, const struct ic_version *fw, int nfw,
			     const struct ic_version *msg, int nmsg)
{
	uint8_t body[8 + 4 * 16];
	struct ic_negotiate n = { (uint16_t)nfw, (uint16_t)nmsg, 0 };

	memcpy(body, &n, sizeof(n));
	memcpy(body + 8, fw, 4u * (uint32_t)nfw);
	memcpy(body + 8 + 4 * nfw, msg, 4u * (uint32_t)nmsg);
	return mk_msg(p, IC_MSG_NEGOTIATE, IC_VER(0, 0), body, 8u + 4u * (uint32_t)(nfw + nmsg));
}

static const struct ic_version fw_both[] = { IC_VER(1, 0), IC_VER(3, 0) };

static int negotiate(const struct ic_version *msg, int nmsg)
{
	uint8_t p[256];
	uint32_t n = mk_negotiate(p, fw_both, 2, msg, nmsg);

	deliver(p, n);
	return fk_ic.negotiated ? 0 : -1;
}

/* ---- tests ---- */

static int t_ic_msg_check(void)
{
	static const struct {
		uint32_t len, pipe_type, pipe_size;
		uint16_t ic_size;
		int ok;
	} cases[] = {
		{ 27, 1, 20, 0, 0 },           /* shorter than the headers */
		{ 28, 1, 20, 0, 1 },           /* headers only */
		{ 36, 2, 28, 8, 0 },           /* not a data pipe packet */
		{ 36, 1, 29, 8, 0 },           /* pipe size past the packet */
		{ 36, 1, 19, 0, 0 },           /* pipe size below the IC header */
		{ 36, 1, 28, 9, 0 },           /* IC size past the pipe size */
		{ 36, 1, 28, 8, 1 },
		{ 40, 1, 28, 8, 1 },           /* ring padding after the message */
		{ 36, 1, 0xFFFFFFFFu, 8, 0 },  /* wrapping sizes */
		{ 36, 1, 28, 0xFFFF, 0 },
	};
	uint8_t p[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ic_msg m;
		uint32_t body = 12345;
		int r;

		memset(p, 0, sizeof(p));
		memset(&m, 0, sizeof(m));
		m.pipe.type = cases[i].pipe_type;
		m.pipe.size = cases[i].pipe_size;
		m.ic.size = cases[i].ic_size;
		memcpy(p, &m, sizeof(m));
		r = ic_msg_check(p, cases[i].len, &body);
		if (cases[i].ok) {
			CHECK_EQ(r, 0);
			CHECK_EQ(body, cases[i].ic_size);
		} else {
			CHECK_EQ(r, -EINVAL);
		}
	}
	return 0;
}

/* Every release's lists pick the newest version both sides speak. */
static int t_ic_negotiate_releases(void)
{
	static const struct {
		struct ic_version fw[2];
		int nfw;
		struct ic_version msg[4];
		int nmsg;
		struct ic_version want_fw, want_msg;  /* shutdown's preferences */
	} cases[] = {
		{ { {1, 0} }, 1, { {1, 0} }, 1, {1, 0}, {1, 0} },                   /* ws2008 */
		{ { {1, 0}, {3, 0} }, 2, { {1, 0}, {3, 0} }, 2, {3, 0}, {3, 0} },   /* ws2008r2 */
		{ { {1, 0}, {3, 0} }, 2, { {3, 0}, {3, 1} }, 2, {3, 0}, {3, 1} },   /* ws2012r2 */
		{ { {1, 0}, {3, 0} }, 2, { {3, 0}, {3, 1}, {3, 2} }, 3, {3, 0}, {3, 2} },
		{ { {3, 0}, {1, 0} }, 2, { {3, 2}, {1, 0}, {3, 0}, {3, 1} }, 4, {3, 0}, {3, 2} },
	};
	uint8_t body[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ic_negotiate n = { (uint16_t)cases[i].nfw, (uint16_t)cases[i].nmsg, 0 };
		struct ic_version fw, msg;
		uint32_t len = 8u + 4u * (uint32_t)(cases[i].nfw + cases[i].nmsg);

		memcpy(body, &n, sizeof(n));
		memcpy(body + 8, cases[i].fw, 4u * (uint32_t)cases[i].nfw);
		memcpy(body + 8 + 4 * cases[i].nfw, cases[i].msg, 4u * (uint32_t)cases[i].nmsg);
		CHECK_EQ(ic_negotiate_pick(body, len, ic_fw_versions, ic_nfw_versions,
					   sd_versions, 4, &fw, &msg), 0);
		CHECK_EQ(fw.major, cases[i].want_fw.major);
		CHECK_EQ(fw.minor, cases[i].want_fw.minor);
		CHECK_EQ(msg.major, cases[i].want_msg.major);
		CHECK_EQ(msg.minor, cases[i].want_msg.minor);
	}
	return 0;
}

static int t_ic_negotiate_hostile(void)
{
	uint8_t body[8 + 4 * 202];
	struct ic_negotiate n;
	struct ic_version fw, msg;
	static const struct ic_version ts4[] = { {4, 0} }, v9[] = { {9, 0} };

	memset(body, 0, sizeof(body));
	/* shorter than the counts */
	CHECK_EQ(ic_negotiate_pick(body, 7, ic_fw_versions, 2, hb_versions, 2, &fw, &msg),
		 -EINVAL);
	/* counts over 100 (even with room for them) */
	n = (struct ic_negotiate){ 101, 1, 0 };
	memcpy(body, &n, sizeof(n));
	CHECK_EQ(ic_negotiate_pick(body, sizeof(body), ic_fw_versions, 2, hb_versions, 2,
				   &fw, &msg), -EINVAL);
	/* lists longer than the body */
	n = (struct ic_negotiate){ 2, 2, 0 };
	memcpy(body, &n, sizeof(n));
	CHECK_EQ(ic_negotiate_pick(body, 8 + 12, ic_fw_versions, 2, hb_versions, 2, &fw, &msg),
		 -EINVAL);
	/* no common message version: OpenVMM's time-sync list for heartbeat */
	n = (struct ic_negotiate){ 1, 1, 0 };
	memcpy(body, &n, sizeof(n));
	memcpy(body + 8, &ic_fw_versions[0], 4);
	memcpy(body + 12, ts4, 4);
	CHECK_EQ(ic_negotiate_pick(body, 16, ic_fw_versions, 2, hb_versions, 2, &fw, &msg),
		 -ENOTSUP);
	/* ... but time sync speaks it */
	CHECK_EQ(ic_negotiate_pick(body, 16, ic_fw_versions, 2, ts_versions, 3, &fw, &msg), 0);
	CHECK_EQ(msg.major, 4);
	/* versions Keel does not speak: answered with both counts 0 */
	fk_setup(&ic_heartbeat, NULL);
	CHECK(negotiate(v9, 1) < 0);
	CHECK_EQ(fk_replies, 1);
	memcpy(&n, fk_out + sizeof(struct ic_msg), sizeof(n));
	CHECK_EQ(n.fw_count, 0);
	CHECK_EQ(n.msg_count, 0);
	return 0;
}

static int t_ic_heartbeat(void)
{
	uint8_t p[128];
	struct ic_heartbeat hb;
	struct ic_msg m;
	uint64_t seq;

	fk_setup(&ic_heartbeat, NULL);
	/* before NEGOTIATE: refused, so the host is not left waiting */
	memset(&hb, 0, sizeof(hb));
	hb.seq = 41;
	deliver(p, mk_msg(p, IC_MSG_HEARTBEAT, IC_VER(3, 0), &hb, sizeof(hb)));
	CHECK_EQ(fk_replies, 1);
	memcpy(&m, fk_out, sizeof(m));
	CHECK_EQ(m.ic.status, IC_E_FAIL);
	CHECK_EQ(negotiate(hb_versions, 2), 0);
	CHECK_EQ(fk_ic.msg.major, 3);
	/* the answer: seq + 1, flags TRANSACTION | RESPONSE, same length */
	deliver(p, mk_msg(p, IC_MSG_HEARTBEAT, IC_VER(3, 0), &hb, sizeof(hb)));
	memcpy(&m, fk_out, sizeof(m));
	memcpy(&seq, fk_out + sizeof(m), sizeof(seq));
	CHECK_EQ(seq, 42);
	CHECK_EQ(m.ic.flags, IC_FLAGS_RESPONSE);
	CHECK_EQ(m.ic.status, IC_S_OK);
	CHECK_EQ(m.ic.size, sizeof(hb));
	CHECK_EQ(m.pipe.size, sizeof(m.ic) + sizeof(hb));
	/* only the sequence number is required (the host may send less) */
	deliver(p, mk_msg(p, IC_MSG_HEARTBEAT, IC_VER(3, 0), &hb, 8));
	memcpy(&seq, fk_out + sizeof(m), sizeof(seq));
	CHECK_EQ(seq, 42);
	/* shorter than that: E_FAIL, counted */
	deliver(p, mk_msg(p, IC_MSG_HEARTBEAT, IC_VER(3, 0), &hb, 7));
	memcpy(&m, fk_out, sizeof(m));
	CHECK_EQ(m.ic.status, IC_E_FAIL);
	CHECK_EQ(fk_ic.n.malformed, 1);
	/* a malformed NEGOTIATE leaves the agreed versions alone, unanswered */
	int before = fk_replies;
	struct ic_negotiate bad = { 101, 1, 0 };

	deliver(p, mk_msg(p, IC_MSG_NEGOTIATE, IC_VER(0, 0), &bad, sizeof(bad)));
	CHECK_EQ(fk_replies, before);
	CHECK(fk_ic.negotiated);
	return 0;
}

static int t_ic_shutdown_flags(void)
{
	static const struct {
		uint32_t flags, status;
		int started;
		enum shutdown_action action;
	} cases[] = {
		{ 0, IC_S_OK, 1, SHUTDOWN_POWER_OFF },
		{ IC_SHUTDOWN_FORCE, IC_S_OK, 1, SHUTDOWN_POWER_OFF },
		{ IC_SHUTDOWN_RESTART, IC_S_OK, 1, SHUTDOWN_RESTART },
		{ IC_SHUTDOWN_RESTART | IC_SHUTDOWN_FORCE, IC_S_OK, 1, SHUTDOWN_RESTART },
		{ IC_SHUTDOWN_HIBERNATE, IC_E_FAIL, 0, 0 },
		{ IC_SHUTDOWN_HIBERNATE | IC_SHUTDOWN_FORCE, IC_E_FAIL, 0, 0 },
		{ 8, IC_E_FAIL, 0, 0 },
		{ 0xFFFFFFFFu, IC_E_FAIL, 0, 0 },
	};
	static uint8_t p[2200];
	static struct ic_shutdown sdm;
	struct ic_sd st;
	struct ic_msg m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&st, 0, sizeof(st));
		fk_setup(&ic_shutdown, &st);
		CHECK_EQ(negotiate(sd_versions, 4), 0);
		memset(&sdm, 0, sizeof(sdm));
		sdm.flags = cases[i].flags;
		sdm.timeout_s = 7;
		deliver(p, mk_msg(p, IC_MSG_SHUTDOWN, IC_VER(3, 2), &sdm, sizeof(sdm)));
		memcpy(&m, fk_out, sizeof(m));
		CHECK_EQ(m.ic.status, cases[i].status);
		CHECK_EQ(fk_sd_started, cases[i].started);
		if (cases[i].started) {
			CHECK_EQ(fk_sd_action, cases[i].action);
			CHECK_EQ(fk_sd_deadline, 7ull * 1000000000ull);
		}
	}
	/* too short for the message: refused, nothing started */
	memset(&st, 0, sizeof(st));
	fk_setup(&ic_shutdown, &st);
	CHECK_EQ(negotiate(sd_versions, 4), 0);
	deliver(p, mk_msg(p, IC_MSG_SHUTDOWN, IC_VER(3, 2), &sdm, sizeof(sdm) - 1));
	memcpy(&m, fk_out, sizeof(m));
	CHECK_EQ(m.ic.status, IC_E_FAIL);
	CHECK_EQ(fk_sd_started, 0);
	return 0;
}

static int t_ic_timesync_convert(void)
{
	struct ts_sample s = { 0 };
	uint64_t ns;
	char buf[40];

	/* 1970-01-01: the 1601 offset itself */
	s.parent = IC_TS_1601_TO_1970;
	CHECK_EQ(ts_host_now(&s, 0, &ns), 0);
	CHECK_EQ(ns, 0);
	/* before 1970: refused */
	s.parent = IC_TS_1601_TO_1970 - 1;
	CHECK_EQ(ts_host_now(&s, 0, &ns), -EINVAL);
	/* v4: corrected by the reference time that passed (10 MHz ticks) */
	s.parent = IC_TS_1601_TO_1970 + 951782400ull * 10000000ull;   /* 2000-02-29 */
	s.has_ref = true;
	s.ref = 1000;
	CHECK_EQ(ts_host_now(&s, 1000 + 5000000, &ns), 0);          /* + 0.5 s */
	CHECK_EQ(ns, 951782400500000000ull);
	CHECK(!strcmp(wallclock_format(ns, buf, sizeof(buf)), "2000-02-29 00:00:00.500"));
	/* a reference time in the future: refused */
	CHECK_EQ(ts_host_now(&s, 999, &ns), -EINVAL);
	/* absurd parent times do not overflow */
	s.has_ref = false;
	s.parent = UINT64_MAX;
	CHECK_EQ(ts_host_now(&s, 0, &ns), -EINVAL);
	CHECK(!strcmp(wallclock_format(4107542400ull * 1000000000ull, buf, sizeof(buf)),
		      "2100-03-01 00:00:00.000"));
	CHECK(!strcmp(wallclock_format(0, buf, sizeof(buf)), "1970-01-01 00:00:00.000"));
	return 0;
}

static uint64_t fk_ref;
static uint64_t fk_rdmsr(void *ctx, uint32_t msr)
{
	(void)ctx;
	return msr == HV_MSR_TIME_REF_COUNT ? fk_ref : 0;
}

/* Through the channel: SYNC steps the clock, v4 layout by the negotiated
 * version, probes and short bodies change nothing. */
static int t_ic_timesync_apply(void)
{
	struct host_model hm = { .rdmsr = fk_rdmsr };
	static const struct ic_version v4[] = { {4, 0} }, v3[] = { {3, 0} };
	uint8_t p[128];
	struct ic_timesync_v4 m4;
	struct ic_timesync_v1 m1;
	struct ic_msg m;

	hosted_set_host_model(&hm);
	wallclock_reset();
	fk_setup(&ic_timesync, NULL);
	CHECK_EQ(negotiate(v4, 1), 0);
	memset(&m4, 0, sizeof(m4));
	m4.parent_time = IC_TS_1601_TO_1970 + 1796454000ull * 10000000ull;
	m4.vm_ref_time = 100;
	fk_ref = 100 + 500000;                      /* 50 ms in the ring */
	m4.flags = IC_TS_PROBE;
	deliver(p, mk_msg(p, IC_MSG_TIMESYNC, IC_VER(4, 0), &m4, sizeof(m4)));
	CHECK(!wallclock_valid());
	m4.flags = IC_TS_SYNC;
	deliver(p, mk_msg(p, IC_MSG_TIMESYNC, IC_VER(4, 0), &m4, sizeof(m4) - 1));
	CHECK(!wallclock_valid());                  /* short: refused */
	memcpy(&m, fk_out, sizeof(m));
	CHECK_EQ(m.ic.status, IC_E_FAIL);
	deliver(p, mk_msg(p, IC_MSG_TIMESYNC, IC_VER(4, 0), &m4, sizeof(m4)));
	CHECK(wallclock_valid());
	CHECK_EQ(wallclock_now() / 1000000ull, 1796454000050ull);
	/* a year backwards is refused */
	m4.parent_time -= 400ull * 86400ull * 10000000ull;
	deliver(p, mk_msg(p, IC_MSG_TIMESYNC, IC_VER(4, 0), &m4, sizeof(m4)));
	CHECK_EQ(wallclock_now() / 1000000ull, 1796454000050ull);
	/* version 3: the 25-byte layout, no correction */
	wallclock_reset();
	fk_setup(&ic_timesync, NULL);
	CHECK_EQ(negotiate(v3, 1), 0);
	memset(&m1, 0, sizeof(m1));
	m1.parent_time = IC_TS_1601_TO_1970 + 1796454000ull * 10000000ull;
	m1.flags = IC_TS_SAMPLE;                    /* never set: a sample sets it */
	deliver(p, mk_msg(p, IC_MSG_TIMESYNC, IC_VER(3, 0), &m1, sizeof(m1)));
	CHECK_EQ(wallclock_now() / 1000000ull, 1796454000000ull);
	hosted_set_host_model(NULL);
	return 0;
}

/* Mutated packets through the whole callback: never a crash, never a reply
 * longer than the packet or without the response flags. */
static int t_ic_fuzz(void)
{
	static uint8_t p[IC_MAX_PACKET];
	struct ic_heartbeat hb = { .seq = 7 };
	uint32_t seed = 12345;
	const struct ic_service *svcs[] = { &ic_heartbeat, &ic_timesync, &ic_shutdown };
	struct ic_sd st;

	for (int round = 0; round < 30000; round++) {
		uint32_t len, k;

		if (round % 1000 == 0) {
			memset(&st, 0, sizeof(st));
			fk_setup(svcs[(round / 1000) % 3], &st);
			negotiate(ts_versions, 3);
		}
		len = round % 3 ? mk_msg(p, (uint16_t)(round % 6), IC_VER(3, 0), &hb, sizeof(hb))
				: mk_negotiate(p, fw_both, 2, sd_versions, 4);
		for (k = 0; k < 1u + (uint32_t)round % 5; k++) {
			seed = seed * 1103515245u + 12345u;
			p[(seed >> 8) % len] = (uint8_t)(seed >> 20);
		}
		seed = seed * 1103515245u + 12345u;
		if (round % 7 == 0)
			len = (seed >> 8) % (len + 1);
		fk_out_len = 0;
		deliver(p, len);
		if (fk_out_len) {
			struct ic_msg m;

			CHECK(fk_out_len >= sizeof(m));
			memcpy(&m, fk_out, sizeof(m));
			CHECK_EQ(m.ic.flags, IC_FLAGS_RESPONSE);
			CHECK(fk_out_len <= ((len + 7) & ~7u));
			CHECK_EQ(m.pipe.size + 8, fk_out_len);
		}
	}
	return 0;
}

const struct unit_test ic_msg_tests[] = {
	{ "ic_msg_check", t_ic_msg_check, QUICK },
	{ "ic_negotiate_releases", t_ic_negotiate_releases, QUICK },
	{ "ic_negotiate_hostile", t_ic_negotiate_hostile, QUICK },
	{ "ic_heartbeat", t_ic_heartbeat, QUICK },
	{ "ic_shutdown_flags", t_ic_shutdown_flags, QUICK },
	{ "ic_timesync_convert", t_ic_timesync_convert, QUICK },
	{ "ic_timesync_apply", t_ic_timesync_apply, QUICK },
	{ "ic_fuzz", t_ic_fuzz, QUICK },
	{ NULL, NULL, QUICK },
};
