/*
 * Fuzz target "net": Ethernet frames from the host into the network stack
 * (net/netdev.c netdev_input, then lwIP's Ethernet, ARP, IPv4, IPv6, ICMP,
 * UDP, TCP and DHCP parsers) through the fake NIC of the unit tests
 * (tests/unit/net_fake.c), with httpd listening on port 80 and the
 * address 10.0.0.2/24, so a TCP segment to port 80 reaches a socket.
 *
 * Input: records of a 16-bit little-endian length and that many bytes
 * (the last record takes what is left), each one frame in an exact-size
 * copy; after each frame the stack runs until idle and 10 ms of virtual
 * time pass, and what it sent is thrown away. The stack is started once
 * and kept across inputs, like a guest that receives frames forever; a
 * crash, sanitizer report or kernel assertion is a finding.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apps/conn.h"
#include "hosted/hosted.h"
#include "kernel/log.h"
#include "kernel/timer.h"
#include "kernel/wq.h"
#include "net/net.h"
#include "tests/unit/harness.h"
#include "tests/unit/net_fake.h"

#define FRAME_STEP_NS (10ull * 1000 * 1000)

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

static bool start(void)
{
	log_set_level(LOG_ERR);
	if (hosted_init(64u << 20) != 0)
		return false;
	wq_init();
	timer_init();
	return net_config_set_ip("10.0.0.2/24,10.0.0.1") == 0 && fake_start(&nic) == 0 &&
	       app_start("httpd", NULL) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static bool started;
	static uint8_t out[FAKE_FRAME_MAX];

	if (!started) {
		if (!start())
			abort();
		started = true;
	}
	while (n >= 2) {
		size_t len = d[0] | (size_t)d[1] << 8;
		uint8_t *f;

		d += 2, n -= 2;
		if (len > n)
			len = n;
		f = malloc(len ? len : 1);
		memcpy(f, d, len);
		netdev_input(nic.nd, f, len);
		free(f);
		t_run_until(hosted_now_ns() + FRAME_STEP_NS);
		while (fake_take(&nic, out) != 0)
			;
		d += len, n -= len;
	}
	return 0;
}
