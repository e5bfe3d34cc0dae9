/*
 * apps/iperf3_msg.c: the iperf3 server's JSON messages (apps/iperf3.h,
 * docs/protocols/iperf3.md "Messages"): the client's parameters and
 * results read with apps/iperf3_json.h, the server's results written.
 * The client's text is untrusted: every value is range-checked, absent
 * optional members take iperf3's defaults, and anything the server cannot
 * honour is refused with a reason for the log.
 */
#include "apps/iperf3.h"

#include <errno.h>
#include <stdio.h>

#include "apps/iperf3_json.h"

/* An optional boolean member; absent is false. */
static int msg_bool(struct iperf3_json obj, const char *key, bool *out)
{
	struct iperf3_json v;
	int rc = iperf3_json_get(obj, key, &v);

	if (rc == -ENOENT) {
		*out = false;
		return 0;
	}
	return rc < 0 ? rc : iperf3_json_bool(v, out);
}

/* An optional unsigned member in 0..max; absent is dflt. */
static int msg_uint(struct iperf3_json obj, const char *key, uint64_t dflt, uint64_t max,
		    uint64_t *out)
{
	struct iperf3_json v;
	int rc = iperf3_json_get(obj, key, &v);

	if (rc == -ENOENT) {
		*out = dflt;
		return 0;
	}
	return rc < 0 ? rc : iperf3_json_uint(v, max, out);
}

int iperf3_params_parse(const char *json, size_t len, struct iperf3_params *out,
			const char **why)
{
	struct iperf3_json obj = { json, len };
	bool udp, sctp, bidir, reverse;
	uint64_t parallel, time_s, omit_s;

	*why = "malformed parameters";
	if (msg_bool(obj, "udp", &udp) < 0 || msg_bool(obj, "sctp", &sctp) < 0 ||
	    msg_bool(obj, "bidirectional", &bidir) < 0 || msg_bool(obj, "reverse", &reverse) < 0)
		return -EINVAL;
	if (udp || sctp) {
		*why = udp ? "UDP tests are not supported (TCP only)"
			   : "SCTP tests are not supported (TCP only)";
		return -EPROTONOSUPPORT;
	}
	if (bidir) {
		*why = "--bidir is not supported (one direction per test)";
		return -EPROTONOSUPPORT;
	}
	if (msg_uint(obj, "parallel", 1, UINT32_MAX, &parallel) < 0 ||
	    parallel < 1 || parallel > IPERF3_MAX_STREAMS) {
		*why = "-P out of range (1 to 4 streams)";
		return -EINVAL;
	}
	if (msg_uint(obj, "time", 0, IPERF3_MAX_TIME_S, &time_s) < 0 ||
	    msg_uint(obj, "omit", 0, IPERF3_MAX_TIME_S, &omit_s) < 0) {
		*why = "-t or -O out of range (at most 3600 s)";
		return -EINVAL;
	}
	out->reverse = reverse;
	out->parallel = (unsigned)parallel;
	out->time_s = (unsigned)time_s;
	out->omit_s = (unsigned)omit_s;
	*why = "";
	return 0;
}

int iperf3_results_parse(const char *json, size_t len, uint64_t *bytes)
{
	struct iperf3_json obj = { json, len }, streams, s, b;
	uint64_t sum = 0;
	unsigned i;
	int rc;

	if (iperf3_json_get(obj, "streams", &streams) < 0)
		return -EINVAL;
	for (i = 0; (rc = iperf3_json_elem(streams, i, &s)) == 0; i++) {
		uint64_t n;

		if (iperf3_json_get(s, "bytes", &b) < 0 ||
		    iperf3_json_uint(b, UINT64_MAX - sum, &n) < 0)
			return -EINVAL;
		sum += n;
	}
	if (rc != -ENOENT)
		return -EINVAL;
	*bytes = sum;
	return 0;
}

unsigned iperf3_stream_id(unsigned i)
{
	return i == 0 ? 1 : i + 2;
}

size_t iperf3_results_format(char *buf, size_t max, const struct iperf3_stream_result *s,
			     unsigned n)
{
	size_t used;
	int k;

	/* The CPU figures are required members; Keel does not measure them. */
	k = snprintf(buf, max, "{\"cpu_util_total\":0,\"cpu_util_user\":0,"
		     "\"cpu_util_system\":0,\"sender_has_retransmits\":0,\"streams\":[");
	if (k < 0 || (size_t)k >= max)
		return 0;
	used = (size_t)k;
	for (unsigned i = 0; i < n; i++) {
		k = snprintf(buf + used, max - used,
			     "%s{\"id\":%u,\"bytes\":%llu,\"retransmits\":0,\"jitter\":0,"
			     "\"errors\":0,\"packets\":0,\"start_time\":%llu.%06llu,"
			     "\"end_time\":%llu.%06llu}",
			     i > 0 ? "," : "", iperf3_stream_id(i),
			     (unsigned long long)s[i].bytes,
			     (unsigned long long)(s[i].start_ns / 1000000000u),
			     (unsigned long long)(s[i].start_ns % 1000000000u / 1000u),
			     (unsigned long long)(s[i].end_ns / 1000000000u),
			     (unsigned long long)(s[i].end_ns % 1000000000u / 1000u));
		if (k < 0 || (size_t)k >= max - used)
			return 0;
		used += (size_t)k;
	}
	k = snprintf(buf + used, max - used, "]}");
	if (k < 0 || (size_t)k >= max - used)
		return 0;
	return used + (size_t)k;
}
