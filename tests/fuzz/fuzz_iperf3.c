/*
 * Fuzz target "iperf3": the iperf3 server's readers of client text
 * (apps/iperf3_msg.c over apps/iperf3_json.c). Any client that reaches port
 * 5201 writes the parameters and results messages: untrusted JSON of up to
 * IPERF3_JSON_MAX bytes.
 *
 * Input: the bytes of one message, copied to an exact-size buffer without a
 * NUL (as the server holds it), read as parameters and as results; then the
 * server's own results message, written from numbers taken from the input,
 * must read back as the sum of its streams.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apps/iperf3.h"
#include "apps/iperf3_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

/* The server's results for streams whose byte counts come from the input:
 * they must read back (a writer and reader that disagree is a crash). */
static void fuzz_roundtrip(const uint8_t *d, size_t n)
{
	struct iperf3_stream_result r[IPERF3_MAX_STREAMS];
	char out[IPERF3_JSON_MAX];
	uint64_t want = 0, got = 0;
	unsigned k = n > 0 ? d[0] % (IPERF3_MAX_STREAMS + 1) : 0;
	size_t len;

	for (unsigned i = 0; i < k; i++) {
		uint64_t b = 0;

		for (unsigned j = 0; j < 5; j++)
			b = b << 8 | (1 + i * 5 + j < n ? d[1 + i * 5 + j] : 0);
		r[i].bytes = b;
		r[i].start_ns = b % 1000;
		r[i].end_ns = b;
		want += b;
	}
	len = iperf3_results_format(out, sizeof(out), r, k);
	if (len == 0 || len >= sizeof(out))
		abort();
	if (iperf3_results_parse(out, len, &got) != 0 || got != want)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *msg = malloc(n ? n : 1);
	struct iperf3_params p;
	struct iperf3_json obj, v;
	const char *why = NULL;
	uint64_t bytes;
	int rc;

	if (msg == NULL)
		abort();
	memcpy(msg, d, n);
	rc = iperf3_params_parse(msg, n, &p, &why);
	if (why == NULL)
		abort();
	if (rc == 0 && (p.parallel < 1 || p.parallel > IPERF3_MAX_STREAMS ||
			p.time_s > IPERF3_MAX_TIME_S || p.omit_s > IPERF3_MAX_TIME_S))
		abort();
	if (rc != 0 && rc != -EINVAL && rc != -EPROTONOSUPPORT)
		abort();
	rc = iperf3_results_parse(msg, n, &bytes);
	if (rc != 0 && rc != -EINVAL)
		abort();
	/* whatever a member or element span is, it lies inside the input */
	obj = (struct iperf3_json){ msg, n };
	if (iperf3_json_get(obj, "streams", &v) == 0 &&
	    (v.j_p < msg || v.j_p + v.j_n > msg + n))
		abort();
	if (iperf3_json_elem(obj, 1, &v) == 0 && (v.j_p < msg || v.j_p + v.j_n > msg + n))
		abort();
	fuzz_roundtrip(d, n);
	free(msg);
	return 0;
}
