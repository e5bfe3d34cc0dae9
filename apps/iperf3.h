/*
 * apps/iperf3.h: an iperf3-compatible throughput server (apps/iperf3.c):
 * the protocol's numbers (docs/protocols/iperf3.md) and its messages
 * (apps/iperf3_msg.c: the client's parameters and results read, the
 * server's results written), apart from the server so that the unit tests
 * and the fuzz target reach them without a network.
 *
 * What it serves: TCP tests only, one at a time, 1..IPERF3_MAX_STREAMS
 * parallel streams (-P), either direction (-R: Keel sends), ended by the
 * client (-t, -n, -k). Options: app.iperf3.port=N (default 5201).
 */
#ifndef KEEL_APPS_IPERF3_H
#define KEEL_APPS_IPERF3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPERF3_DEFAULT_PORT 5201
/* The cookie: 36 printable characters and a NUL, on every connection. */
#define IPERF3_COOKIE_LEN   37
/* Longest parameters or results message accepted or written. */
#define IPERF3_JSON_MAX     4096
#define IPERF3_MAX_STREAMS  4
/* -t above this is refused (the server's wait for the end is bounded). */
#define IPERF3_MAX_TIME_S   3600

/* docs/protocols/iperf3.md "States": one byte on the control connection. */
enum iperf3_state_byte {
	IPERF3_TEST_START       = 1,
	IPERF3_TEST_RUNNING     = 2,
	IPERF3_TEST_END         = 4,     /* client */
	IPERF3_PARAM_EXCHANGE   = 9,
	IPERF3_CREATE_STREAMS   = 10,
	IPERF3_SERVER_TERMINATE = 11,
	IPERF3_CLIENT_TERMINATE = 12,    /* client */
	IPERF3_EXCHANGE_RESULTS = 13,
	IPERF3_DISPLAY_RESULTS  = 14,
	IPERF3_IPERF_DONE       = 16,    /* client */
	IPERF3_SERVER_ERROR     = -2,    /* then two 4-byte codes */
	IPERF3_ACCESS_DENIED    = -1,
};
/* The client's own error number sent after SERVER_ERROR: it prints it as
 * "an option you are trying to set is not implemented yet". */
#define IPERF3_ERR_UNIMPLEMENTED 13

/* What the server takes from the client's parameters. */
struct iperf3_params {
	bool reverse;           /* -R: Keel sends */
	unsigned parallel;      /* 1..IPERF3_MAX_STREAMS */
	unsigned time_s;        /* -t; 0 when -n or -k ends the test */
	unsigned omit_s;        /* -O: counted here anyway, said in the log */
};

/* Parse the parameters message (json, len bytes, no NUL needed): 0, or
 * -EPROTONOSUPPORT (UDP, SCTP, --bidir) or -EINVAL (malformed, out of
 * range); *why then says which, for the log. */
int iperf3_params_parse(const char *json, size_t len, struct iperf3_params *out,
			const char **why);

/* The client's results message: the sum of its streams' "bytes" (what it
 * sent, or with -R received) into *bytes. 0, -EINVAL. */
int iperf3_results_parse(const char *json, size_t len, uint64_t *bytes);

/* One of the server's streams, for its results message. */
struct iperf3_stream_result {
	uint64_t bytes;
	uint64_t start_ns, end_ns;     /* from the test's start */
};

/* The id the client gives its stream number i (from 0): the client
 * numbers its streams 1, 3, 4, 5, ... (docs/protocols/iperf3.md
 * "Results"), and matches the server's by id. */
unsigned iperf3_stream_id(unsigned i);

/* Write the server's results message for n streams into buf (max bytes):
 * its length, or 0 when it does not fit. */
size_t iperf3_results_format(char *buf, size_t max, const struct iperf3_stream_result *s,
			     unsigned n);

#endif
