/*
 * VMBus bench rows, printed by `make bench` (bench-vmbus):
 *
 *   ring 64B / ring 4KiB  vmbus/ring.c send + receive through the iterator
 *                         (descriptor, copy-out, validation, indices, the
 *                         signalling barriers) beside a bare copy loop that
 *                         moves the same bytes over the same ring layout
 *                         (descriptor + payload + trailer in, descriptor +
 *                         payload out) for the same packet count, in
 *                         alternating slices of one run, in CPU time; the
 *                         ratio is the figure, min/median/max of 5 runs
 *                         (goal: median >= 0.8).
 *   64 echo devices       guest CPU time from vmbus_start to 64 echo devices
 *                         ready, against the simulated host (host time apart).
 *   8 devices x 10 ms     virtual time to all-ready when every echo reply
 *                         comes 10 ms late (goal <= 12 ms; a synchronous
 *                         probe would take 80 ms).
 *
 * Timing goals are benchmarks, never unit tests: this prints, it
 * does not fail on a slow machine.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/echo.h"
#include "host/host.h"
#include "hosted/hosted.h"
#include "kernel/log.h"
#include "kernel/timer.h"
#include "kernel/wq.h"
#include "vmbus/ring.h"
#include "vmbus/vmbus.h"

static double bench_now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- ring rows ---- */

#define RING_PAGES 65   /* 256 KiB of data, like a storvsc/netvsc ring */

static _Alignas(4096) uint8_t ring_mem[RING_PAGES * 4096];
static uint64_t rx_buf[(4096 + 64) / 8];
static volatile uint64_t sink;

/* Copy n bytes into the ring at off, in two pieces when they wrap. */
static uint32_t bare_put(uint8_t *data, uint32_t size, uint32_t off, const void *src, uint32_t n)
{
	uint32_t first = size - off < n ? size - off : n;

	memcpy(data + off, src, first);
	if (first < n)
		memcpy(data, (const uint8_t *)src + first, n - first);
	return off + n >= size ? off + n - size : off + n;
}

/* The same bytes moved without any of the protocol: descriptor, payload
 * and trailer copied in with wrap (len is a multiple of 8 here: no
 * padding), descriptor and payload copied out, indices advanced. */
static void bare_copy(uint8_t *data, uint32_t size, uint32_t *w, uint32_t *r,
		      const uint8_t *payload, uint32_t len, uint8_t *out)
{
	uint32_t total = ((16 + len + 7) & ~7u) + 8, first;
	uint64_t desc[2] = { 0x0002000600000000ull | ((uint64_t)(total / 8) << 32), 1 };
	uint64_t trailer = (uint64_t)*w << 32;

	*w = bare_put(data, size, *w, desc, 16);
	*w = bare_put(data, size, *w, payload, len);
	*w = bare_put(data, size, *w, &trailer, 8);
	/* read back */
	first = size - *r < total - 8 ? size - *r : total - 8;
	memcpy(out, data + *r, first);
	if (first < total - 8)
		memcpy(out + first, data, total - 8 - first);
	*r = *r + total >= size ? *r + total - size : *r + total;
	sink += out[16];
}

static int ratio_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One send + one receive pass through vmbus/ring.c per packet. */
static void ring_slice(struct vmbus_ring *w, struct vmbus_ring *r, const struct vmbus_iov *iov,
		       unsigned first, unsigned n)
{
	struct vmbus_ring_iter it;
	struct vmbus_pkt p;
	bool sig;

	for (unsigned i = first; i < first + n; i++) {
		vmbus_ring_write(w, VMBUS_PKT_DATA_INBAND, 0, i + 1, NULL, 0, iov, 1, &sig);
		vmbus_ring_iter_begin(&it, r);
		if (vmbus_ring_iter_next(&it, rx_buf, sizeof(rx_buf), &p) == 1)
			sink += p.data[0];
		vmbus_ring_iter_end(&it, &sig);
	}
}

#define BENCH_SLICES 50

static void bench_ring(uint32_t len, unsigned iters)
{
	static uint8_t payload[4096], out[4096 + 64];
	struct vmbus_ring w, r;
	struct vmbus_iov iov = { payload, len };
	double t0, t_ring, t_bare, ratio[5];
	unsigned slice = iters / BENCH_SLICES;
	uint32_t bw = 0, br = 0;

	memset(payload, 0x5A, sizeof(payload));
	vmbus_ring_init(&w, ring_mem, RING_PAGES);
	r = w;
	/* Five runs; each moves `iters` packets through the ring and `iters`
	 * through the bare copy, in slices that alternate, timed in this
	 * thread's CPU time: a shared machine's preemptions and neighbours
	 * then weigh on both loops alike, and time spent waiting for a CPU
	 * counts for neither. The ratio of each run's totals is one sample. */
	for (int round = 0; round < 5; round++) {
		t_ring = t_bare = 0;
		for (unsigned s = 0; s < BENCH_SLICES; s++) {
			t0 = bench_now(CLOCK_THREAD_CPUTIME_ID);
			ring_slice(&w, &r, &iov, s * slice, slice);
			t_ring += bench_now(CLOCK_THREAD_CPUTIME_ID) - t0;
			t0 = bench_now(CLOCK_THREAD_CPUTIME_ID);
			for (unsigned i = 0; i < slice; i++)
				bare_copy(w.data, w.data_size, &bw, &br, payload, len, out);
			t_bare += bench_now(CLOCK_THREAD_CPUTIME_ID) - t0;
		}
		ratio[round] = t_bare / t_ring;
	}
	qsort(ratio, 5, sizeof(ratio[0]), ratio_cmp);
	printf("bench-vmbus ring %4u B: send+receive %.2f Mpkt/s %.2f GB/s; bare copy of the same "
	       "%u B in, %u B out %.2f Mpkt/s %.2f GB/s (last run, CPU time); "
	       "ring/copy throughput ratio min %.2f median %.2f max %.2f of 5 runs of %u packets "
	       "each (goal: median >= 0.8)\n", len, iters / t_ring / 1e6,
	       iters * (double)len / t_ring / 1e9, 16 + len + 8, 16 + len, iters / t_bare / 1e6,
	       iters * (double)len / t_bare / 1e9, ratio[0], ratio[2], ratio[4], iters);
}

/* ---- whole-guest rows against the host library ---- */

static struct host *H;
static double guest_cpu, host_cpu;

static void *e_gmem(void *c, uint64_t g, size_t l) { (void)c; return hosted_gmem(g, l); }
static uint64_t e_now(void *c) { (void)c; return hosted_now_ns(); }
static void e_irq(void *c, int v) { (void)c; hosted_raise_irq(v); }
static void m_cpuid(void *c, uint32_t l, uint32_t s, uint32_t o[4]) { (void)c; host_cpuid(H, l, s, o); }
static uint64_t m_rdmsr(void *c, uint32_t m) { (void)c; return host_rdmsr(H, m); }
static void m_wrmsr(void *c, uint32_t m, uint64_t v) { (void)c; host_wrmsr(H, m, v); }
static uint64_t m_hcall(void *c, uint64_t a, uint64_t b, uint64_t d)
{
	(void)c;
	return host_hypercall(H, a, b, d);
}

/* Run guest and host until all ready (or nothing left). Guest time is the
 * thread CPU time spent in guest steps (host calls made from inside the
 * guest, hypercalls, are counted as guest: they are its exits). */
static bool bench_run(uint64_t limit_ns, uint64_t *ready_at)
{
	for (unsigned long steps = 0; steps < 10000000; steps++) {
		struct wq *q[1];
		struct host_work hw[1];
		double t0 = bench_now(CLOCK_THREAD_CPUTIME_ID);

		if (vmbus_all_ready()) {
			*ready_at = hosted_now_ns();
			return true;
		}
		if (wq_runnable(q, 1) > 0) {
			wq_run_once(q[0]);
			guest_cpu += bench_now(CLOCK_THREAD_CPUTIME_ID) - t0;
			continue;
		}
		if (hosted_irq_pending()) {
			hosted_deliver_irqs();
			guest_cpu += bench_now(CLOCK_THREAD_CPUTIME_ID) - t0;
			continue;
		}
		if (host_ready(H, hw, 1) > 0) {
			host_run(H, &hw[0]);
			host_cpu += bench_now(CLOCK_THREAD_CPUTIME_ID) - t0;
			continue;
		}
		uint64_t a = wq_next_deadline(), b = host_next_deadline(H);
		uint64_t t = a && (!b || a < b) ? a : b;
		if (!t || t > limit_ns)
			return false;
		if (t > hosted_now_ns())
			hosted_set_now_ns(t);
		hosted_fire_timer();
		host_run(H, &(struct host_work){ .kind = HW_TIMED });
	}
	return false;
}

static int bench_devices(int ndev, const char *reply_delay, uint64_t *ready_at)
{
	struct host_env env = { .gmem = e_gmem, .now_ns = e_now, .raise_irq = e_irq };
	struct host_model m = {
		.cpuid = m_cpuid, .rdmsr = m_rdmsr, .wrmsr = m_wrmsr, .hypercall = m_hcall,
	};
	bool ok;

	hosted_init(256u << 20);
	log_set_level(LOG_WARNING);
	wq_init();
	timer_init();
	wq_set_deadlock_action(WQ_DEADLOCK_LOG);
	H = host_create(&env, host_profile_find("ws2022"));
	if (!H)
		return -1;
	for (int i = 0; i < ndev; i++) {
		char name[16];
		int d;

		snprintf(name, sizeof(name), "e%d", i);
		d = host_device_add(H, "echo", name);
		if (reply_delay)
			host_device_param(H, d, "reply-delay", reply_delay);
	}
	hosted_set_host_model(&m);
	guest_cpu = host_cpu = 0;
	vmbus_start();
	ok = bench_run(10ull * 1000000000ull, ready_at);
	vmbus_fini();
	host_destroy(H);
	wq_init();
	return ok ? 0 : -1;
}

int main(void)
{
	uint64_t ready_at = 0;

	bench_ring(64, 500000);
	bench_ring(4096, 100000);

	double best = 1e9, best_host = 0;
	for (int k = 0; k < 5; k++) {
		if (bench_devices(64, NULL, &ready_at)) {
			printf("bench-vmbus 64 echo devices: did not become ready\n");
			break;
		}
		if (guest_cpu < best) {
			best = guest_cpu;
			best_host = host_cpu;
		}
	}
	printf("bench-vmbus 64 echo devices: guest CPU %.3f ms from vmbus_start to all ready "
	       "(host model %.3f ms, best of 5)\n", best * 1e3, best_host * 1e3);

	if (bench_devices(8, "10ms", &ready_at) == 0)
		printf("bench-vmbus 8 devices x 10 ms host latency: all ready at %.3f ms virtual "
		       "(goal <= 12 ms; synchronous probes would take 80 ms)\n", ready_at / 1e6);
	else
		printf("bench-vmbus 8 devices x 10 ms host latency: did not become ready\n");
	wq_fini();
	hosted_fini();
	return 0;
}
