/*
 * apps/iperf3.c: an iperf3-compatible throughput server (apps/iperf3.h),
 * following docs/protocols/iperf3.md. Every connection to the port runs
 * iperf3_serve on the app's queue and starts with the client's cookie:
 * a new one on an idle server is a control connection, the running test's
 * cookie is one of its data streams, anything else while busy is refused.
 *
 * One test at a time, whose states the control handler alone changes
 * (iperf3_transition):
 *
 *        cookie, idle          parameters accepted       -P streams connected
 *   IDLE ------------> PARAMS ---------------------> STREAMS -----------------> RUNNING
 *    ^                   |                              |                          |
 *    |                   +------ refused, error, timeout, CLIENT_TERMINATE --------+
 *    |                                                  v                          | TEST_END
 *    +------------------------------------------------ ENDED <---- RESULTS <-------+
 *               streams stopped and returned                  results exchanged
 *
 * The stream handlers count what they receive (or, with -R, send) until
 * the control handler sets v_stop; it waits for them to return before the
 * server is idle again.
 */
#include "apps/iperf3.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apps/conn.h"
#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/wq.h"

/* Each wait for the client during the handshake and the results. */
#define IPERF3_IO_NS     (10 * WQ_NS_PER_S)
/* A receiving stream looks at v_stop at least this often. */
#define IPERF3_POLL_NS   (100 * WQ_NS_PER_MS)
/* One block handed to a slow reader (-R) before the stream gives up. */
#define IPERF3_SEND_NS   (2 * WQ_NS_PER_S)
/* Stream handlers stop within IPERF3_SEND_NS; this bounds the wait. */
#define IPERF3_STOP_NS   (5 * WQ_NS_PER_S)
/* TEST_END is awaited -t (+ -O) plus this; or IPERF3_UNTIMED_S for -n/-k. */
#define IPERF3_GRACE_S   10
#define IPERF3_UNTIMED_S 300
#define IPERF3_BLOCK     (16u * 1024)

enum iperf3_state { IPERF3_IDLE, IPERF3_PARAMS, IPERF3_STREAMS, IPERF3_RUNNING,
		    IPERF3_RESULTS, IPERF3_ENDED };
enum iperf3_event { IPERF3_EV_CLAIM, IPERF3_EV_PARAMS_OK, IPERF3_EV_STREAMS_READY,
		    IPERF3_EV_TEST_END, IPERF3_EV_STOP, IPERF3_EV_IDLE };

struct iperf3_stream {
	uint64_t s_bytes;              /* received, or queued for sending (-R) */
};

/* The server: one per start, living as long as its listener. Every field
 * is touched on the app's queue only (one CPU, cooperative: no lock). */
struct iperf3_server {
	enum iperf3_state v_state;
	unsigned v_test;               /* generation: a late stream of an older
					  test leaves the current one alone */
	char v_cookie[IPERF3_COOKIE_LEN];
	struct iperf3_params v_params;
	unsigned v_nstreams;           /* connected */
	unsigned v_running;            /* stream handlers not yet returned */
	bool v_stop;                   /* streams stop counting and return */
	uint64_t v_start_ns, v_end_ns;
	struct iperf3_stream v_streams[IPERF3_MAX_STREAMS];
	struct waitq v_wait;           /* the control waits on streams and back */
	char v_json[IPERF3_JSON_MAX];  /* the control's messages, in and out */
};

static void iperf3_transition(struct iperf3_server *v, enum iperf3_event ev)
{
	enum iperf3_state from = v->v_state;

	switch (ev) {
	case IPERF3_EV_CLAIM:
		if (from == IPERF3_IDLE)
			v->v_state = IPERF3_PARAMS;
		break;
	case IPERF3_EV_PARAMS_OK:
		if (from == IPERF3_PARAMS)
			v->v_state = IPERF3_STREAMS;
		break;
	case IPERF3_EV_STREAMS_READY:
		if (from == IPERF3_STREAMS)
			v->v_state = IPERF3_RUNNING;
		break;
	case IPERF3_EV_TEST_END:
		if (from == IPERF3_RUNNING)
			v->v_state = IPERF3_RESULTS;
		break;
	case IPERF3_EV_STOP:
		if (from != IPERF3_IDLE)
			v->v_state = IPERF3_ENDED;
		break;
	case IPERF3_EV_IDLE:
		if (from == IPERF3_ENDED)
			v->v_state = IPERF3_IDLE;
		break;
	default:
		break;
	}
	if (v->v_state == from)
		pr_err("iperf3: bug: event %d in state %d", ev, from);
	waitq_wake_all(&v->v_wait);
}

/* ---- the control connection's messages ------------------------------- */

/* Exactly n bytes: 0, or -ETIMEDOUT / -ECONNRESET (also when it closes). */
static int iperf3_read_full(struct conn *c, void *buf, size_t n, uint64_t timeout_ns)
{
	uint64_t start = plat_now_ns();
	size_t got = 0;

	while (got < n) {
		uint64_t spent = plat_now_ns() - start;
		int k;

		if (spent >= timeout_ns)
			return -ETIMEDOUT;
		k = conn_read(c, (char *)buf + got, n - got, timeout_ns - spent);
		if (k <= 0)
			return k == 0 ? -ECONNRESET : k;
		got += (size_t)k;
	}
	return 0;
}

static int iperf3_send_state(struct conn *c, int state)
{
	uint8_t b = (uint8_t)state;

	return conn_write(c, &b, 1, IPERF3_IO_NS);
}

/* SERVER_ERROR, then the client's error number and an errno of 0. */
static int iperf3_send_error(struct conn *c)
{
	uint8_t m[9] = { (uint8_t)IPERF3_SERVER_ERROR, 0, 0, 0, IPERF3_ERR_UNIMPLEMENTED };

	return conn_write(c, m, sizeof(m), IPERF3_IO_NS);
}

/* A message: its length (4 bytes, big-endian), then the JSON, into
 * v_json. The length is checked before anything else is read. */
static int iperf3_read_json(struct conn *c, struct iperf3_server *v, size_t *len)
{
	uint8_t be[4];
	uint32_t n;
	int rc = iperf3_read_full(c, be, sizeof(be), IPERF3_IO_NS);

	if (rc < 0)
		return rc;
	n = (uint32_t)be[0] << 24 | (uint32_t)be[1] << 16 | (uint32_t)be[2] << 8 | be[3];
	if (n == 0 || n > IPERF3_JSON_MAX)
		return -EMSGSIZE;
	*len = n;
	return iperf3_read_full(c, v->v_json, n, IPERF3_IO_NS);
}

static int iperf3_send_json(struct conn *c, const char *json, size_t len)
{
	uint8_t be[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
			  (uint8_t)len };
	int rc = conn_write(c, be, sizeof(be), IPERF3_IO_NS);

	return rc < 0 ? rc : conn_write(c, json, len, IPERF3_IO_NS);
}

/* ---- data streams ------------------------------------------------------ */

static bool iperf3_stopped(const struct iperf3_server *v, unsigned test)
{
	return v->v_stop || v->v_test != test;
}

static bool iperf3_may_send(void *arg)
{
	const struct iperf3_server *v = arg;

	return v->v_state == IPERF3_RUNNING || v->v_stop;
}

static void iperf3_stream_recv(struct iperf3_server *v, struct conn *c,
			       struct iperf3_stream *s, uint8_t *buf, unsigned test)
{
	while (!iperf3_stopped(v, test)) {
		int n = conn_read(c, buf, IPERF3_BLOCK, IPERF3_POLL_NS);

		if (n == -ETIMEDOUT)
			continue;
		if (n <= 0)
			break;
		if (!iperf3_stopped(v, test))
			s->s_bytes += (uint64_t)n;
	}
}

static void iperf3_stream_send(struct iperf3_server *v, struct conn *c,
			       struct iperf3_stream *s, uint8_t *buf, unsigned test)
{
	/* woken by iperf3_transition (RUNNING, or the test's end) */
	if (wq_wait_event(&v->v_wait, iperf3_may_send, v, IPERF3_IO_NS) < 0)
		return;
	while (!iperf3_stopped(v, test) &&
	       conn_write(c, buf, IPERF3_BLOCK, IPERF3_SEND_NS) == 0)
		s->s_bytes += IPERF3_BLOCK;
}

static void iperf3_stream(struct iperf3_server *v, struct conn *c)
{
	unsigned test = v->v_test;
	struct iperf3_stream *s;
	uint8_t *buf;

	if (v->v_nstreams >= v->v_params.parallel) {
		pr_warn("iperf3: a stream beyond -P %u refused", v->v_params.parallel);
		return;
	}
	buf = calloc(1, IPERF3_BLOCK);
	if (buf == NULL)
		return;             /* the control's wait for the streams times out */
	s = &v->v_streams[v->v_nstreams++];
	s->s_bytes = 0;
	v->v_running++;
	waitq_wake_all(&v->v_wait);
	if (v->v_params.reverse)
		iperf3_stream_send(v, c, s, buf, test);
	else
		iperf3_stream_recv(v, c, s, buf, test);
	if (v->v_test == test) {
		v->v_running--;
		waitq_wake_all(&v->v_wait);
	}
	free(buf);
}

/* ---- the control connection -------------------------------------------- */

static bool iperf3_streams_connected(void *arg)
{
	const struct iperf3_server *v = arg;

	return v->v_nstreams >= v->v_params.parallel;
}

static bool iperf3_streams_returned(void *arg)
{
	const struct iperf3_server *v = arg;

	return v->v_running == 0;
}

/* Read the client's state bytes until TEST_END: 0, -ECANCELED
 * (CLIENT_TERMINATE), -ETIMEDOUT, -ECONNRESET. */
static int iperf3_wait_end(struct iperf3_server *v, struct conn *c)
{
	const struct iperf3_params *p = &v->v_params;
	uint64_t secs = p->time_s != 0 ? (uint64_t)p->time_s + p->omit_s + IPERF3_GRACE_S
				       : IPERF3_UNTIMED_S;
	uint64_t deadline = plat_now_ns() + secs * WQ_NS_PER_S;

	for (;;) {
		uint64_t now = plat_now_ns();
		int8_t b;
		int n;

		if (now >= deadline)
			return -ETIMEDOUT;
		n = conn_read(c, &b, 1, deadline - now);
		if (n <= 0)
			return n == 0 ? -ECONNRESET : n;
		if (b == IPERF3_TEST_END)
			return 0;
		if (b == IPERF3_CLIENT_TERMINATE)
			return -ECANCELED;
	}
}

/* Stop the streams and wait for their handlers (woken by iperf3_stream). */
static void iperf3_stop_streams(struct iperf3_server *v)
{
	v->v_stop = true;
	waitq_wake_all(&v->v_wait);
	if (wq_wait_event(&v->v_wait, iperf3_streams_returned, v, IPERF3_STOP_NS) < 0)
		pr_warn("iperf3: %u stream(s) still running after the test", v->v_running);
}

/* The one-line result in Keel's log; Mbit/s with two decimals in integers
 * (bytes * 800000 / ns is exact up to 2.3e13 bytes, beyond -t 3600 at
 * 40 Gbit/s). */
static void iperf3_log_result(const struct iperf3_server *v, uint64_t client_bytes)
{
	uint64_t bytes = 0, ns = v->v_end_ns - v->v_start_ns;
	uint64_t centi;

	for (unsigned i = 0; i < v->v_nstreams; i++)
		bytes += v->v_streams[i].s_bytes;
	if (ns == 0)
		ns = 1;
	centi = bytes * 800000u / ns;
	pr_info("iperf3: result: %s %llu bytes in %llu.%03llu s, %llu.%02llu Mbit/s "
		"(%s, %u stream%s, TCP; the client counted %llu)",
		v->v_params.reverse ? "sent" : "received", (unsigned long long)bytes,
		(unsigned long long)(ns / WQ_NS_PER_S),
		(unsigned long long)(ns % WQ_NS_PER_S / WQ_NS_PER_MS),
		(unsigned long long)(centi / 100), (unsigned long long)(centi % 100),
		v->v_params.reverse ? "Keel->client" : "client->Keel", v->v_nstreams,
		v->v_nstreams == 1 ? "" : "s", (unsigned long long)client_bytes);
}

/* EXCHANGE_RESULTS: the client's results in, the server's out, then
 * DISPLAY_RESULTS and the client's IPERF_DONE. */
static int iperf3_exchange_results(struct iperf3_server *v, struct conn *c)
{
	struct iperf3_stream_result r[IPERF3_MAX_STREAMS];
	uint64_t client_bytes = 0;
	size_t len;
	int8_t done;
	int rc;

	rc = iperf3_send_state(c, IPERF3_EXCHANGE_RESULTS);
	if (rc == 0)
		rc = iperf3_read_json(c, v, &len);
	if (rc < 0)
		return rc;
	if (iperf3_results_parse(v->v_json, len, &client_bytes) < 0)
		pr_warn("iperf3: the client's results are malformed");
	for (unsigned i = 0; i < v->v_nstreams; i++) {
		r[i].bytes = v->v_streams[i].s_bytes;
		r[i].start_ns = 0;
		r[i].end_ns = v->v_end_ns - v->v_start_ns;
	}
	len = iperf3_results_format(v->v_json, sizeof(v->v_json), r, v->v_nstreams);
	if (len == 0)
		return -EMSGSIZE;
	rc = iperf3_send_json(c, v->v_json, len);
	if (rc == 0)
		rc = iperf3_send_state(c, IPERF3_DISPLAY_RESULTS);
	if (rc == 0)
		rc = iperf3_read_full(c, &done, 1, IPERF3_IO_NS);
	if (rc < 0)
		return rc;
	if (done != IPERF3_IPERF_DONE)
		pr_warn("iperf3: state %d from the client instead of IPERF_DONE", done);
	iperf3_log_result(v, client_bytes);
	return 0;
}

/* The test itself, from PARAMS; *why names the step that failed. */
static int iperf3_run_test(struct iperf3_server *v, struct conn *c, const char **why)
{
	size_t len;
	int rc;

	*why = "no parameters";
	rc = iperf3_send_state(c, IPERF3_PARAM_EXCHANGE);
	if (rc == 0)
		rc = iperf3_read_json(c, v, &len);
	if (rc < 0)
		return rc;
	rc = iperf3_params_parse(v->v_json, len, &v->v_params, why);
	if (rc < 0) {
		iperf3_send_error(c);
		return rc;
	}
	iperf3_transition(v, IPERF3_EV_PARAMS_OK);
	*why = "the streams did not connect";
	rc = iperf3_send_state(c, IPERF3_CREATE_STREAMS);
	/* woken by iperf3_stream as each connects */
	if (rc == 0)
		rc = wq_wait_event(&v->v_wait, iperf3_streams_connected, v, IPERF3_IO_NS);
	if (rc < 0)
		return rc;
	v->v_start_ns = plat_now_ns();
	iperf3_transition(v, IPERF3_EV_STREAMS_READY);
	*why = "no TEST_END from the client";
	rc = iperf3_send_state(c, IPERF3_TEST_START);
	if (rc == 0)
		rc = iperf3_send_state(c, IPERF3_TEST_RUNNING);
	if (rc == 0)
		rc = iperf3_wait_end(v, c);
	v->v_end_ns = plat_now_ns();
	if (rc == -ECANCELED)
		*why = "the client ended the test (CLIENT_TERMINATE)";
	if (rc < 0)
		return rc;
	iperf3_stop_streams(v);
	iperf3_transition(v, IPERF3_EV_TEST_END);
	*why = "the results exchange failed";
	return iperf3_exchange_results(v, c);
}

static void iperf3_control(struct iperf3_server *v, struct conn *c, const char *cookie)
{
	const char *why = "";
	int rc;

	iperf3_transition(v, IPERF3_EV_CLAIM);
	v->v_test++;
	memcpy(v->v_cookie, cookie, IPERF3_COOKIE_LEN);
	memset(&v->v_params, 0, sizeof(v->v_params));
	v->v_nstreams = 0;
	v->v_running = 0;
	v->v_stop = false;
	rc = iperf3_run_test(v, c, &why);
	if (rc < 0)
		pr_warn("iperf3: test refused or ended early: %s (%d)", why, rc);
	iperf3_transition(v, IPERF3_EV_STOP);
	iperf3_stop_streams(v);
	iperf3_transition(v, IPERF3_EV_IDLE);
}

static void iperf3_serve(struct conn *c, void *arg)
{
	struct iperf3_server *v = arg;
	char cookie[IPERF3_COOKIE_LEN];

	if (iperf3_read_full(c, cookie, sizeof(cookie), IPERF3_IO_NS) < 0)
		return;
	if (v->v_state == IPERF3_STREAMS && memcmp(cookie, v->v_cookie, sizeof(cookie)) == 0) {
		iperf3_stream(v, c);
	} else if (v->v_state != IPERF3_IDLE) {
		pr_info("iperf3: busy with a test: another client refused (ACCESS_DENIED)");
		iperf3_send_state(c, IPERF3_ACCESS_DENIED);
	} else {
		iperf3_control(v, c, cookie);
	}
}

static int iperf3_start(struct app *app)
{
	const char *opt = app_option(app, "port");
	unsigned long port = IPERF3_DEFAULT_PORT;
	struct iperf3_server *v;
	int rc;

	if (opt != NULL) {
		char *end;

		port = strtoul(opt, &end, 10);
		if (*end != '\0' || port == 0 || port > 65535) {
			pr_err("iperf3: bad port '%s'", opt);
			return -EINVAL;
		}
	}
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	waitq_init(&v->v_wait, "iperf3");
	rc = conn_listen(app, (uint16_t)port, iperf3_serve, v, WQ_NS_PER_S);
	if (rc < 0) {
		/* after a timeout the listener may still come up and use v */
		if (rc != -ETIMEDOUT)
			free(v);
		return rc;
	}
	pr_info("iperf3: listening on port %lu (TCP, up to %d streams)", port,
		IPERF3_MAX_STREAMS);
	return 0;
}

KEEL_APP(iperf3, iperf3_start);
