/*
 * tests/bench/bench_net.c: the network stack's CPU cost, hosted and -O2:
 * httpd serves /download/N through apps/conn.c, lwIP and net/netdev.c to a
 * TCP client played by tests/unit/net_fake.c (every frame copied in and
 * out, as a NIC driver would). Virtual time drives lwIP's timers; the
 * figure is process CPU time per MiB, which is what a real NIC would leave
 * to the stack.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "apps/conn.h"
#include "net/net.h"
#include "tests/unit/harness.h"
#include "tests/unit/net_fake.h"

#define BENCH_MIB 16

static struct fake_nic nic;

/* The unit-test runner's loop (tests/unit/main.c), for net_fake.c. */
void t_run_until(uint64_t until)
{
	for (;;) {
		uint64_t d;

		wq_run_until_idle();
		if (hosted_irq_pending()) {
			hosted_deliver_irqs();
			continue;
		}
		d = hosted_timer_deadline();
		if (d && d <= until) {
			if (d > hosted_now_ns())
				hosted_set_now_ns(d);
			hosted_fire_timer();
			continue;
		}
		break;
	}
	if (until != WQ_FOREVER && until > hosted_now_ns())
		hosted_set_now_ns(until);
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	static uint8_t head[4096];
	struct fake_client cl = { .resp = head, .resp_max = sizeof(head) };
	uint8_t f[FAKE_FRAME_MAX];
	double t0, t1;
	char req[64];

	log_set_level(LOG_WARNING);
	if (hosted_init(64u << 20) != 0)
		return 1;
	wq_init();
	timer_init();
	if (net_config_set_ip("10.0.0.2/24,10.0.0.1") < 0 || fake_start(&nic) < 0 ||
	    app_start("httpd", NULL) < 0)
		return 1;
	t_run();
	fake_give(&nic, f, fake_arp_request(f, FAKE_PEER_IP, FAKE_OUR_IP));
	while (fake_take(&nic, f) != 0)
		;
	snprintf(req, sizeof(req), "GET /download/%d HTTP/1.1\r\n\r\n", BENCH_MIB);
	t0 = cpu_s();
	if (fake_http_get(&nic, &cl, req) < 0 ||
	    cl.total < ((uint64_t)BENCH_MIB << 20)) {
		fprintf(stderr, "bench-net: download failed\n");
		return 1;
	}
	t1 = cpu_s();
	printf("net: httpd /download/%d over lwIP + fake NIC (hosted -O2): "
	       "%.1f MiB/s of CPU, %.2f us per segment, %llu segments\n",
	       BENCH_MIB, BENCH_MIB / (t1 - t0),
	       (t1 - t0) * 1e6 / (double)cl.segments, (unsigned long long)cl.segments);
	return 0;
}
