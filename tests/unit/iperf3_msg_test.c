/*
 * tests/unit/iperf3_msg_test.c: the iperf3 server's messages
 * (apps/iperf3_msg.c, apps/iperf3_json.c): the parameters iperf3 3.12
 * sends for -t, -R -P 3, -u, --bidir and -n, refused and malformed ones,
 * the client's results, and the server's own results read back.
 */
#include <errno.h>
#include <string.h>

#include "apps/iperf3.h"
#include "apps/iperf3_json.h"
#include "tests/unit/harness.h"

static int parse(const char *json, struct iperf3_params *p, const char **why)
{
	/* no NUL after the message: the reader must stay inside len */
	char buf[IPERF3_JSON_MAX];
	size_t n = strlen(json);

	memcpy(buf, json, n);
	memset(buf + n, '}', sizeof(buf) - n);
	return iperf3_params_parse(buf, n, p, why);
}

/* The messages iperf3 3.12 sent in an experiment (-t 10; -R -P 3; -n 1M -O 2). */
static int iperf3_params_client(void)
{
	struct iperf3_params p;
	const char *why;

	CHECK_EQ(parse("{\"tcp\":true,\"omit\":0,\"time\":10,\"num\":0,\"blockcount\":0,"
		       "\"parallel\":1,\"len\":131072,\"pacing_timer\":1000,"
		       "\"client_version\":\"3.12\"}", &p, &why), 0);
	CHECK(!p.reverse && p.parallel == 1 && p.time_s == 10 && p.omit_s == 0);
	CHECK_EQ(parse("{\"tcp\":true,\"omit\":0,\"time\":10,\"num\":0,\"blockcount\":0,"
		       "\"parallel\":3,\"reverse\":true,\"len\":131072,\"pacing_timer\":1000,"
		       "\"client_version\":\"3.12\"}", &p, &why), 0);
	CHECK(p.reverse && p.parallel == 3);
	CHECK_EQ(parse("{\"tcp\":true,\"omit\":2,\"time\":0,\"num\":1048576,\"blockcount\":0,"
		       "\"parallel\":1,\"len\":131072}", &p, &why), 0);
	CHECK(p.time_s == 0 && p.omit_s == 2);
	/* white space, a nested member and a string holding brackets, quotes
	 * and the names of keys are skipped */
	CHECK_EQ(parse(" {\n \"title\" : \"x \\\"parallel\\\":9 ]}\" , \"extra\":{\"parallel\":8,"
		       "\"a\":[1,{\"b\":2}]}, \"parallel\" : 2 ,\"reverse\":false }\n",
		       &p, &why), 0);
	CHECK(p.parallel == 2 && !p.reverse);
	return 0;
}

static int iperf3_params_refused(void)
{
	struct iperf3_params p;
	const char *why;

	CHECK_EQ(parse("{\"udp\":true,\"time\":10,\"parallel\":1,\"bandwidth\":10000000}",
		       &p, &why), -EPROTONOSUPPORT);
	CHECK(strstr(why, "UDP") != NULL);
	CHECK_EQ(parse("{\"tcp\":true,\"parallel\":1,\"bidirectional\":true}", &p, &why),
		 -EPROTONOSUPPORT);
	CHECK_EQ(parse("{\"sctp\":1,\"parallel\":1}", &p, &why), -EPROTONOSUPPORT);
	CHECK_EQ(parse("{\"parallel\":5}", &p, &why), -EINVAL);
	CHECK(strstr(why, "-P") != NULL);
	CHECK_EQ(parse("{\"parallel\":0}", &p, &why), -EINVAL);
	CHECK_EQ(parse("{\"parallel\":-1}", &p, &why), -EINVAL);
	CHECK_EQ(parse("{\"parallel\":99999999999999999999999}", &p, &why), -EINVAL);
	CHECK_EQ(parse("{\"parallel\":1,\"time\":3601}", &p, &why), -EINVAL);
	CHECK_EQ(parse("{\"parallel\":1,\"time\":\"10\"}", &p, &why), -EINVAL);
	return 0;
}

static int iperf3_params_malformed(void)
{
	static const char *const bad[] = {
		"", "{", "[]", "{\"parallel\"", "{\"parallel\":", "{\"parallel\":1",
		"{\"parallel\" 1}", "{\"title\":\"never ends, \"parallel\":1",
		"{\"a\":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]],\"parallel\":1}",
		"{\"a\":1 \"parallel\":1}", "{\"reverse\":yes,\"parallel\":1}",
		"{\"reverse\":\"true\",\"parallel\":1}", "{,}", "{\"parallel\":1,}",
	};
	struct iperf3_params p;
	const char *why;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i], &p, &why);

		if (rc != -EINVAL) {
			fprintf(stderr, "  '%s' gave %d\n", bad[i], rc);
			return 1;
		}
	}
	return 0;
}

static int iperf3_results_client(void)
{
	const char *r = "{\"cpu_util_total\":1.5,\"cpu_util_user\":0.2,\"cpu_util_system\":1.3,"
			"\"sender_has_retransmits\":1,\"congestion_used\":\"cubic\",\"streams\":["
			"{\"id\":1,\"bytes\":113215700,\"retransmits\":0,\"jitter\":0,\"errors\":0,"
			"\"packets\":0,\"start_time\":0,\"end_time\":10.000046},"
			"{\"id\":3,\"bytes\":300,\"retransmits\":0,\"end_time\":10}]}";
	uint64_t b = 0;

	CHECK_EQ(iperf3_results_parse(r, strlen(r), &b), 0);
	CHECK_EQ(b, 113216000);
	CHECK_EQ(iperf3_results_parse("{\"streams\":[]}", 14, &b), 0);
	CHECK_EQ(b, 0);
	CHECK_EQ(iperf3_results_parse("{\"streams\":[{\"id\":1}]}", 22, &b), -EINVAL);
	CHECK_EQ(iperf3_results_parse("{\"streams\":{}}", 14, &b), -EINVAL);
	r = "{\"streams\":[{\"bytes\":18446744073709551615},{\"bytes\":1}]}";
	CHECK_EQ(iperf3_results_parse(r, strlen(r), &b), -EINVAL);     /* the sum overflows */
	return 0;
}

/* The server's results: the members the client requires, its stream ids
 * 1, 3, 4, 5, and the byte counts read back. */
static int iperf3_results_server(void)
{
	struct iperf3_stream_result s[4] = {
		{ 1000, 0, 5000123456ull }, { 2000, 0, 5000123456ull },
		{ 3000, 0, 5000123456ull }, { 4000, 0, 5000123456ull },
	};
	struct iperf3_json obj, streams, e, v;
	char buf[IPERF3_JSON_MAX];
	uint64_t u;
	size_t n = iperf3_results_format(buf, sizeof(buf), s, 4);
	static const char *const keys[] = { "cpu_util_total", "cpu_util_user", "cpu_util_system",
					    "sender_has_retransmits", "streams" };

	CHECK(n > 0);
	obj = (struct iperf3_json){ buf, n };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		CHECK_EQ(iperf3_json_get(obj, keys[i], &v), 0);
	CHECK_EQ(iperf3_json_get(obj, "streams", &streams), 0);
	for (unsigned i = 0; i < 4; i++) {
		CHECK_EQ(iperf3_json_elem(streams, i, &e), 0);
		CHECK_EQ(iperf3_json_get(e, "id", &v), 0);
		CHECK_EQ(iperf3_json_uint(v, 100, &u), 0);
		CHECK_EQ(u, (i == 0 ? 1 : i + 2));
		CHECK_EQ(iperf3_json_get(e, "end_time", &v), 0);
		CHECK(v.j_n == 8 && memcmp(v.j_p, "5.000123", 8) == 0);
		CHECK_EQ(iperf3_json_get(e, "jitter", &v), 0);
	}
	CHECK_EQ(iperf3_json_elem(streams, 4, &e), -ENOENT);
	CHECK_EQ(iperf3_results_parse(buf, n, &u), 0);
	CHECK_EQ(u, 10000);
	CHECK_EQ(iperf3_results_format(buf, 100, s, 4), 0);            /* does not fit */
	return 0;
}

const struct unit_test iperf3_msg_tests[] = {
	{ "iperf3_params_client", iperf3_params_client, QUICK },
	{ "iperf3_params_refused", iperf3_params_refused, QUICK },
	{ "iperf3_params_malformed", iperf3_params_malformed, QUICK },
	{ "iperf3_results_client", iperf3_results_client, QUICK },
	{ "iperf3_results_server", iperf3_results_server, QUICK },
	{ NULL, NULL, QUICK },
};
