/*
 * The real guest on the simulated host for the message harnesses
 * (tests/fuzz/fuzz_guest.h). The same wiring as keelsim (sim/sched.c,
 * sim/guest_keel.c), without the scheduler: the harness decides what runs.
 * Every input starts from the state a fresh boot has: nothing of the last
 * run (queues, disks, knobs) may leak into the next one, or a finding
 * would depend on what ran before it.
 */
#include <stdlib.h>
#include <string.h>

#include "drivers/block.h"
#include "drivers/echo.h"
#include "drivers/netvsc.h"
#include "drivers/storvsc.h"
#include "hosted/hosted.h"
#include "kernel/log.h"
#include "kernel/timer.h"
#include "kernel/wq.h"
#include "sim/netdev_sim.h"
#include "tests/fuzz/fuzz_guest.h"
#include "vmbus/vmbus.h"

#define FZ_RAM (32ull << 20)

static struct host *fz_host;
static struct host_profile *fz_prof;

static void *env_gmem(void *ctx, uint64_t gpa, size_t len)
{
	(void)ctx;
	return hosted_gmem(gpa, len);
}

static uint64_t env_now(void *ctx)
{
	(void)ctx;
	return hosted_now_ns();
}

static void env_irq(void *ctx, int vector)
{
	(void)ctx;
	hosted_raise_irq(vector);
}

static void m_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	host_cpuid(ctx, leaf, sub, out);
}

static uint64_t m_rdmsr(void *ctx, uint32_t msr) { return host_rdmsr(ctx, msr); }
static void m_wrmsr(void *ctx, uint32_t msr, uint64_t v) { host_wrmsr(ctx, msr, v); }

static uint64_t m_hypercall(void *ctx, uint64_t c, uint64_t in, uint64_t out)
{
	return host_hypercall(ctx, c, in, out);
}

/* The stall check may always hope for the host: it is driven from outside. */
static bool may_wake(void *arg)
{
	(void)arg;
	return true;
}

static const char *const ic_types[4] = { "heartbeat", "shutdown", "timesync", "kvp" };

struct host *fz_guest_start(const struct fz_setup *s)
{
	static struct host_model model = {
		.cpuid = m_cpuid, .rdmsr = m_rdmsr, .wrmsr = m_wrmsr, .hypercall = m_hypercall,
	};
	struct host_env env = {
		.gmem = env_gmem, .now_ns = env_now, .raise_irq = env_irq,
	};
	const struct host_profile *base = host_profile_find(s->profile);
	int dev;

	if (!base || hosted_init(FZ_RAM) < 0)
		return NULL;
	if (!fz_prof)
		fz_prof = malloc(host_profile_size());
	if (!fz_prof)
		abort();
	memcpy(fz_prof, base, host_profile_size());
	fz_host = host_create(&env, fz_prof);
	if (!fz_host)
		abort();
	if (s->echo) {
		dev = host_device_add(fz_host, "echo", "echo0");
		if (dev < 0 || host_device_param(fz_host, dev, "max-subchannels", "4") < 0)
			abort();
	}
	if (s->storage) {
		dev = host_device_add(fz_host, "storage", "disk0");
		if (dev < 0 || host_device_param(fz_host, dev, "size", "64K") < 0)
			abort();
	}
	if (s->network && host_device_add(fz_host, "network", "net0") < 0)
		abort();
	for (int i = 0; s->ic && i < 4; i++)
		if (host_device_add(fz_host, ic_types[i], ic_types[i]) < 0)
			abort();
	model.ctx = fz_host;
	hosted_set_host_model(&model);
	wq_init();
	timer_init();
	wq_set_deadlock_action(WQ_DEADLOCK_RECORD);
	wq_set_may_wake(may_wake, NULL);
	blk_reset();                    /* a run that crashed had no fz_guest_stop */
	echo_subchannels_wanted = s->echo_subchannels;
	echo_packets_per_channel = 2;
	storvsc_guest_switch("disk-report=no");
	if (vmbus_start() < 0)
		abort();
	return fz_host;
}

void fz_guest_stop(void)
{
	vmbus_fini();
	blk_reset();                    /* the disks went with the devices */
	netvsc_knobs_reset();
	netdev_sim_reset();
	storvsc_knobs_reset();
	vmbus_legacy_single_queue = false;
	echo_subchannels_wanted = 0;
	echo_packets_per_channel = 4;
	wq_init();                      /* drop queues and fibers of this run */
	timer_init();
	hosted_set_host_model(NULL);
	host_destroy(fz_host);
	fz_host = NULL;
}

void fz_guest_run_idle(void)
{
	for (int guard = 0; guard < 1000; guard++) {
		wq_run_until_idle();
		if (!hosted_irq_pending())
			return;
		hosted_deliver_irqs();
	}
}

void fz_guest_advance(uint64_t ns)
{
	uint64_t until = hosted_now_ns() + ns;

	for (int guard = 0; guard < 1000; guard++) {
		uint64_t t;

		fz_guest_run_idle();
		t = hosted_timer_deadline();
		if (!t || t > until)
			break;
		if (t > hosted_now_ns())
			hosted_set_now_ns(t);
		hosted_fire_timer();
	}
	if (until > hosted_now_ns())
		hosted_set_now_ns(until);
}
