/*
 * keelsim's deterministic scheduler: runs one scenario variant for one seed.
 *
 * Every step it collects what could happen now -- host work (a guest
 * message to process, a message to deliver into the SynIC slot, a signalled
 * channel, due timed events), pending guest interrupts, runnable guest work
 * queues, a due guest timer -- and lets the seed's random stream pick one.
 * Each step costs a random sliver of virtual time; when nothing can run,
 * time jumps to the next host event, guest timer or scenario action. The
 * same seed therefore always produces the same trace (and hash).
 *
 * Invariants checked at every step: no host-side violation, no work-queue
 * deadlock report. At the end: rescinded channels released, no GPADL
 * outliving its channel, no lost signal (host_check_final), guest memory
 * given to channels freed (pages in use vs. live GPADLs), then the
 * scenario's expectations; after vmbus_fini every guest page is free.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosted/hosted.h"
#include "kernel/log.h"
#include "sim/sim.h"

#define MAX_CAND 256

enum cand_kind { C_HOST, C_IRQ, C_GUEST, C_TIMER };

struct cand {
	int kind;
	struct host_work hw;
	void *q;
	const char *name;
};

static struct {
	struct sim_rng rng;
	struct host *h;
	const struct sim_scenario *sc;
	const struct sim_guest_ops *g;
	struct host_profile *prof;
	size_t base_pages;
	bool base_set;
	int devidx[SIM_MAX_DEVS];
	uint64_t ready_at[SIM_MAX_DEVS];
	int trig_index[SIM_MAX_TRIGGERS];
	bool acted[SIM_MAX_ACTIONS];
	char action_text[SIM_MAX_ACTIONS][80];
	jmp_buf panic_jmp;
	bool in_seed;
	char panic_msg[512];
	struct sim_result *res;
	bool failed;
	/* expect baseline: the level after the first release, and checks made */
	bool bl_set, opts_verbose;
	uint64_t bl_freed;
	size_t bl_heap, bl_pages, bl_heap_last;
	uint64_t bl_checks;
} S;

/* ASan's heap counter (absent without ASan: pages only). */
size_t __sanitizer_get_current_allocated_bytes(void) __attribute__((weak));

/* ---- failure ---- */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	if (S.failed)
		return;
	S.failed = true;
	va_start(ap, fmt);
	vsnprintf(S.res->why, sizeof(S.res->why), fmt, ap);
	va_end(ap);
}

static void panic_hook(const char *msg)
{
	snprintf(S.panic_msg, sizeof(S.panic_msg), "%s", msg);
	if (S.in_seed)
		longjmp(S.panic_jmp, 1);
	abort();
}

/* ---- the host's environment and the hosted platform's host model ---- */

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

static uint64_t env_rand(void *ctx)
{
	(void)ctx;
	return sim_rng_next(&S.rng);
}

static void env_trace(void *ctx, int kind, uint32_t a, uint32_t b, uint64_t c)
{
	(void)ctx;
	sim_trace_add(kind, a, b, c, NULL);
}

static void m_cpuid(void *ctx, uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	host_cpuid(ctx, leaf, sub, out);
}

static uint64_t m_rdmsr(void *ctx, uint32_t msr)
{
	return host_rdmsr(ctx, msr);
}

static void m_wrmsr(void *ctx, uint32_t msr, uint64_t v)
{
	host_wrmsr(ctx, msr, v);
}

static uint64_t m_mmio_read(void *ctx, uint64_t gpa, unsigned size)
{
	return host_mmio_read(ctx, gpa, size);
}

static void m_mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	host_mmio_write(ctx, gpa, size, val);
}

static uint64_t m_hypercall(void *ctx, uint64_t c, uint64_t in, uint64_t out)
{
	uint64_t r = host_hypercall(ctx, c, in, out);

	/* Baseline for the memory invariant: what the guest holds before VMBus. */
	if (!S.base_set && (c & 0xFFFF) == 0x5C) {
		S.base_set = true;
		S.base_pages = hosted_gmem_pages_in_use();
	}
	return r;
}

int sim_storage_read(int nth, uint64_t off, void *buf, size_t len)
{
	int n = S.h ? host_device_count(S.h) : 0;

	for (int i = 0; i < n; i++) {
		int r = host_device_read(S.h, i, off, buf, len);

		if (r != -ENOTSUP && nth-- == 0)
			return r;
	}
	return -ENODEV;
}

bool sim_may_wake(void *arg)
{
	struct host_work w[4];

	(void)arg;
	if (!S.h)
		return true;
	if (host_ready(S.h, w, 4) || host_next_deadline(S.h) || hosted_irq_pending())
		return true;
	for (int i = 0; i < S.sc->nacts; i++)
		if (!S.acted[i])
			return true;
	return false;
}

/* ---- setup ---- */

static int setup_host(void)
{
	const struct sim_scenario *sc = S.sc;
	struct host_env env = {
		.ctx = NULL, .gmem = env_gmem, .now_ns = env_now, .raise_irq = env_irq,
		.rand = env_rand, .trace = env_trace,
	};
	const struct host_profile *base = host_profile_find(sc->profile);
	char why[160];

	if (!base) {
		fail("unknown profile %s", sc->profile);
		return -1;
	}
	if (!S.prof)
		S.prof = malloc(host_profile_size());
	memcpy(S.prof, base, host_profile_size());
	for (int i = 0; i < sc->nswitches; i++)
		if (host_profile_switch(S.prof, sc->sw_keys[i], sc->sw_vals[i]) < 0) {
			fail("bad switch %s %s", sc->sw_keys[i], sc->sw_vals[i]);
			return -1;
		}
	S.h = host_create(&env, S.prof);
	if (!S.h) {
		fail("host_create failed");
		return -1;
	}
	if (sim_scenario_apply(sc, S.h, S.devidx, S.trig_index, why, sizeof(why)) < 0) {
		fail("%s", why);
		return -1;
	}
	return 0;
}

/* ---- scenario actions ---- */

static void run_actions(void)
{
	const struct sim_scenario *sc = S.sc;
	uint64_t now = hosted_now_ns();

	for (int i = 0; i < sc->nacts; i++) {
		const struct sim_action *a = &sc->acts[i];
		int di = a->dev[0] ? host_device_find(S.h, a->dev) : -1;

		if (S.acted[i] || a->at > now)
			continue;
		S.acted[i] = true;
		switch (a->kind) {
		case SA_OFFER:
			snprintf(S.action_text[i], 80, "offer %s", a->dev);
			host_offer(S.h, di);
			break;
		case SA_RESCIND:
			snprintf(S.action_text[i], 80, "rescind %s%s", a->dev,
				 a->subidx >= 0 ? " (one channel)" : "");
			host_rescind(S.h, di, a->subidx);
			break;
		case SA_UNLOAD:
			snprintf(S.action_text[i], 80, "unload (guest stops VMBus)");
			if (S.g->stop)
				S.g->stop();
			break;
		case SA_MALFORMED:
			snprintf(S.action_text[i], 80, "malformed %s", a->arg);
			host_inject_malformed(S.h, a->arg);
			break;
		case SA_IBUF:
			snprintf(S.action_text[i], 80, "next %llu posts get INSUFFICIENT_BUFFERS",
				 (unsigned long long)a->num);
			host_set_insufficient_buffers(S.h, (uint32_t)a->num);
			break;
		case SA_POST_FAIL:
			snprintf(S.action_text[i], 80, "posts fail %llu/1000",
				 (unsigned long long)a->num);
			host_set_post_fail_permille(S.h, (unsigned)a->num);
			break;
		}
		sim_trace_add(ST_ACTION, 0, 0, 0, S.action_text[i]);
	}
}

static uint64_t next_action_time(void)
{
	uint64_t t = 0;

	for (int i = 0; i < S.sc->nacts; i++)
		if (!S.acted[i] && (!t || S.sc->acts[i].at < t))
			t = S.sc->acts[i].at ? S.sc->acts[i].at : 1;
	return t;
}

/* ---- readiness (for "expect ready DEV by T") ---- */

static int guest_dev_for(int si, const struct sim_gdev *gd, int n)
{
	struct vmbus_guid inst;

	if (host_device_instance(S.h, S.devidx[si], &inst) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (!memcmp(gd[i].instance.b, inst.b, 16))
			return i;
	return -1;
}

static void sample_ready(void)
{
	static struct sim_gdev gd[SIM_MAX_DEVS * 2];
	int n;

	if (!S.g->list)
		return;
	n = S.g->list(gd, SIM_MAX_DEVS * 2);
	if (n > SIM_MAX_DEVS * 2)
		n = SIM_MAX_DEVS * 2;
	for (int i = 0; i < S.sc->ndevs; i++) {
		int k;

		if (S.ready_at[i])
			continue;
		k = guest_dev_for(i, gd, n);
		if (k >= 0 && gd[k].ready)
			S.ready_at[i] = hosted_now_ns() ? hosted_now_ns() : 1;
	}
}

/* ---- one step ---- */

static int collect(struct cand *c)
{
	struct host_work hw[64];
	void *qs[64];
	const char *names[64];
	int n = 0, k;

	k = host_ready(S.h, hw, 64);
	for (int i = 0; i < k; i++)
		c[n++] = (struct cand){ .kind = C_HOST, .hw = hw[i] };
	if (hosted_irq_pending())
		c[n++] = (struct cand){ .kind = C_IRQ };
	if (hosted_timer_deadline() && hosted_timer_deadline() <= hosted_now_ns())
		c[n++] = (struct cand){ .kind = C_TIMER };
	k = S.g->runnable(qs, names, 64);
	if (k > 64)
		k = 64;
	for (int i = 0; i < k; i++)
		c[n++] = (struct cand){ .kind = C_GUEST, .q = qs[i], .name = names[i] };
	return n;
}

static void run_cand(const struct cand *c)
{
	switch (c->kind) {
	case C_HOST:
		sim_trace_add(ST_HOST_WORK, c->hw.kind, c->hw.arg, 0, NULL);
		host_run(S.h, &c->hw);
		break;
	case C_IRQ:
		sim_trace_add(ST_IRQ, (uint32_t)hosted_irq_pending(), 0, 0, NULL);
		hosted_deliver_irqs();
		break;
	case C_TIMER:
		sim_trace_add(ST_TIMER, 0, 0, 0, NULL);
		hosted_fire_timer();
		break;
	case C_GUEST:
		sim_trace_add(ST_GUEST_RUN, 0, 0, 0, c->name);
		S.g->run(c->q);
		break;
	}
}

int sim_guest_power;

static bool expected(int kind)
{
	for (int i = 0; i < S.sc->nexps; i++)
		if (S.sc->exps[i].kind == kind)
			return true;
	return false;
}

static bool check_step(void)
{
	const char *v = host_violation(S.h);

	if (v && !expected(SE_VIOLATION)) {
		char recent[2048];

		host_recent_guest_msgs(S.h, recent, sizeof(recent));
		fail("host-side violation: %s\n recent guest messages:\n%s", v, recent);
		return false;
	}
	if (v)
		return false;                   /* expected: the run has made its point */
	if (S.g->deadlocks && S.g->deadlocks() && !expected(SE_DEADLOCK)) {
		fail("work-queue deadlock report:\n%s", S.g->deadlock_report());
		return false;
	}
	return true;
}

/*
 * expect baseline: at rest between two cycles (a device was freed, the host
 * has its next event pending, the guest holds no VMBus object), guest pages
 * and heap bytes (host included: at such a point its per-channel state is
 * gone too, one timed event is pending) must equal what they were at the
 * first such point. Anything a release leaves behind grows them cycle by
 * cycle. The last rest (nothing pending) is left to the leak check at fini.
 */
static void check_baseline(void)
{
	uint32_t objects;
	uint64_t freed;
	size_t heap, pages = hosted_gmem_pages_in_use();

	if (!expected(SE_BASELINE) || !S.g->held || S.g->held(&objects, &freed) < 0)
		return;
	if (objects || freed == S.bl_freed || !host_next_deadline(S.h))
		return;
	S.bl_freed = freed;
	/* The captured guest log is the harness's heap, and grows with every
	 * cycle's lines: keep only this cycle's (its buffer keeps its size). */
	hosted_log_clear();
	heap = __sanitizer_get_current_allocated_bytes ?
	       __sanitizer_get_current_allocated_bytes() : 0;
	if (!S.bl_set) {
		S.bl_set = true;
		S.bl_heap = S.bl_heap_last = heap;
		S.bl_pages = pages;
		return;
	}
	S.bl_checks++;
	S.bl_heap_last = heap;
	if (heap != S.bl_heap || pages != S.bl_pages)
		fail("baseline: after %llu device(s) freed, %zu heap bytes and %zu guest pages in "
		     "use; after the first: %zu bytes, %zu pages", (unsigned long long)freed, heap,
		     pages, S.bl_heap, S.bl_pages);
}

/* Returns false when the run must stop. */
static bool advance_time(bool *quiescent)
{
	uint64_t t = 0, cand[3] = {
		host_next_deadline(S.h), hosted_timer_deadline(), next_action_time(),
	};

	for (int i = 0; i < 3; i++)
		if (cand[i] && (!t || cand[i] < t))
			t = cand[i];
	if (!t) {
		*quiescent = true;
		return false;
	}
	if (t > S.sc->until)
		return false;
	if (t > hosted_now_ns()) {
		hosted_set_now_ns(t);
		sim_trace_add(ST_TIME, 0, 0, t, NULL);
	}
	return true;
}

static void run_loop(bool *quiescent)
{
	static struct cand c[MAX_CAND];
	uint64_t steps = 0;

	for (;;) {
		int n;

		run_actions();
		if (!check_step())
			return;
		n = collect(c);
		if (n == 0) {
			sample_ready();
			check_baseline();
			if (S.g->stall_check)
				S.g->stall_check();
			if (!check_step())
				return;
			if (!advance_time(quiescent))
				return;
			continue;
		}
		run_cand(&c[sim_rng_below(&S.rng, (uint32_t)n)]);
		if (++steps > S.sc->max_steps) {
			fail("no end after %llu steps (livelock?)", (unsigned long long)steps);
			return;
		}
		if ((steps & 63) == 0)
			sample_ready();
		if (S.sc->step_cost_ns) {
			uint64_t dt = sim_rng_below(&S.rng, S.sc->step_cost_ns + 1);

			if (dt)
				hosted_set_now_ns(hosted_now_ns() + dt);
		}
		S.res->steps = steps;
	}
}

/* ---- expectations ---- */

static int dev_index(const char *name)
{
	for (int i = 0; i < S.sc->ndevs; i++)
		if (!strcmp(S.sc->devs[i].name, name))
			return i;
	return -1;
}

static uint64_t dev_sum(int di, int what, bool subs_only)
{
	uint64_t s = 0;
	int nsub = (int)host_chan_query(S.h, di, 0, HQ_SUBCHANNELS);

	for (int k = subs_only ? 1 : 0; k <= nsub; k++) {
		int64_t v = host_chan_query(S.h, di, k, what);

		if (v > 0)
			s += (uint64_t)v;
	}
	return s;
}

static void check_expect(const struct sim_expect *e, bool quiescent)
{
	int si = e->dev[0] && strcmp(e->dev, "all") ? dev_index(e->dev) : -1;
	int di = si >= 0 ? S.devidx[si] : -1;
	static struct sim_gdev gd[SIM_MAX_DEVS * 2];

	if (e->dev[0] && strcmp(e->dev, "all") && si < 0) {
		fail("line %d: expectation names unknown device %s", e->line, e->dev);
		return;
	}
	switch (e->kind) {
	case SE_READY:
		for (int i = 0; i < S.sc->ndevs; i++) {
			if (si >= 0 && i != si)
				continue;
			if (!S.ready_at[i])
				fail("line %d: device %s never became ready", e->line,
				     S.sc->devs[i].name);
			else if (e->by && S.ready_at[i] > e->by)
				fail("line %d: device %s ready at %llu ns, expected by %llu",
				     e->line, S.sc->devs[i].name,
				     (unsigned long long)S.ready_at[i], (unsigned long long)e->by);
		}
		break;
	case SE_NOT_READY:
		if (S.ready_at[si])
			fail("line %d: device %s became ready", e->line, e->dev);
		break;
	case SE_RELEASED:
		if ((uint64_t)host_chan_query(S.h, di, 0, HQ_RELEASES) < e->num)
			fail("line %d: device %s: RELID_RELEASED %lld times, expected >= %llu",
			     e->line, e->dev, (long long)host_chan_query(S.h, di, 0, HQ_RELEASES),
			     (unsigned long long)e->num);
		break;
	case SE_OPENED:
		if ((uint64_t)host_chan_query(S.h, di, 0, HQ_OPENS) < e->num)
			fail("line %d: device %s opened %lld times, expected >= %llu", e->line,
			     e->dev, (long long)host_chan_query(S.h, di, 0, HQ_OPENS),
			     (unsigned long long)e->num);
		break;
	case SE_ECHOES:
		if (dev_sum(di, HQ_PACKETS, false) < e->num)
			fail("line %d: device %s: host served %llu packets, expected >= %llu",
			     e->line, e->dev, (unsigned long long)dev_sum(di, HQ_PACKETS, false),
			     (unsigned long long)e->num);
		break;
	case SE_SUBCHANNELS:
		if ((uint64_t)host_chan_query(S.h, di, 0, HQ_SUBCHANNELS) != e->num)
			fail("line %d: device %s has %lld sub-channels, expected %llu", e->line,
			     e->dev, (long long)host_chan_query(S.h, di, 0, HQ_SUBCHANNELS),
			     (unsigned long long)e->num);
		break;
	case SE_SUBCHANNELS_OPEN:
		if (dev_sum(di, HQ_OPENS, true) < e->num)
			fail("line %d: device %s: %llu sub-channel opens, expected >= %llu", e->line,
			     e->dev, (unsigned long long)dev_sum(di, HQ_OPENS, true),
			     (unsigned long long)e->num);
		break;
	case SE_MASKED_SIGNALS:
		if (dev_sum(di, HQ_MASKED_SIGNALS, false) > e->num)
			fail("line %d: device %s signalled the host %llu times while the host's "
			     "interrupt_mask was set, expected <= %llu", e->line, e->dev,
			     (unsigned long long)dev_sum(di, HQ_MASKED_SIGNALS, false),
			     (unsigned long long)e->num);
		break;
	case SE_VERSION:
		if (host_version(S.h) != e->num)
			fail("line %d: negotiated version 0x%x, expected 0x%llx", e->line,
			     host_version(S.h), (unsigned long long)e->num);
		break;
	case SE_CONNECTED:
		if (!host_connected(S.h))
			fail("line %d: the guest is not connected at the end", e->line);
		break;
	case SE_UNLOADED:
		if (!host_unloaded(S.h))
			fail("line %d: no UNLOAD completed", e->line);
		break;
	case SE_DEADLOCK:
		if (!S.g->deadlocks || !S.g->deadlocks()) {
			fail("line %d: expected a deadlock report, none came", e->line);
			break;
		}
		for (int k = 0; k < e->ntexts; k++)
			if (!strstr(S.g->deadlock_report(), e->texts[k])) {
				fail("line %d: the deadlock report does not say \"%s\":\n%s",
				     e->line, e->texts[k], S.g->deadlock_report());
				break;
			}
		break;
	case SE_VIOLATION:
		if (!host_violation(S.h))
			fail("line %d: expected a host-side violation, none came", e->line);
		else if (e->text[0] && !strstr(host_violation(S.h), e->text))
			fail("line %d: expected a violation saying \"%s\", got: %s", e->line,
			     e->text, host_violation(S.h));
		break;
	case SE_DROPPED:
		if (!S.g->dropped || S.g->dropped() < e->num)
			fail("line %d: guest dropped %llu host messages, expected >= %llu", e->line,
			     (unsigned long long)(S.g->dropped ? S.g->dropped() : 0),
			     (unsigned long long)e->num);
		break;
	case SE_DEVICES: {
		int n = S.g->list ? S.g->list(gd, SIM_MAX_DEVS * 2) : 0;

		if ((uint64_t)n != e->num)
			fail("line %d: guest lists %d devices, expected %llu", e->line, n,
			     (unsigned long long)e->num);
		break;
	}
	case SE_QUIESCENT:
		if (!quiescent)
			fail("line %d: the run did not come to rest by %llu ns", e->line,
			     (unsigned long long)S.sc->until);
		break;
	case SE_NO_HANG:
	case SE_NO_VIOLATION:
		break;                          /* checked for every run */
	case SE_BASELINE:
		if (!S.bl_checks)
			fail("line %d: expect baseline: no device was freed twice at rest", e->line);
		else if (S.opts_verbose)
			printf("baseline: %llu checks, heap %zu bytes after the first release, %zu "
			       "after the last; guest pages %zu\n", (unsigned long long)S.bl_checks,
			       S.bl_heap, S.bl_heap_last, S.bl_pages);
		break;
	case SE_HOST_COUNTER: {
		uint64_t v = 0;

		if (host_device_counter(S.h, di, e->text, &v) < 0)
			fail("line %d: device %s has no counter '%s'", e->line, e->dev, e->text);
		else if (v < e->num)
			fail("line %d: device %s: %s = %llu, expected >= %llu", e->line, e->dev,
			     e->text, (unsigned long long)v, (unsigned long long)e->num);
		break;
	}
	case SE_LOG: {
		const char *at = hosted_log_captured();

		for (int k = 0; k < e->ntexts && at; k++) {
			const char *hit = strstr(at, e->texts[k]);

			if (!hit && k == 0)
				fail("line %d: the guest never logged \"%s\"", e->line, e->texts[k]);
			else if (!hit)
				fail("line %d: the guest did not log \"%s\" after \"%s\"", e->line,
				     e->texts[k], e->texts[k - 1]);
			at = hit ? hit + strlen(e->texts[k]) : NULL;
		}
		break;
	}
	case SE_POWER_OFF:
	case SE_RESET: {
		int want = e->kind == SE_POWER_OFF ? SIM_POWER_OFF : SIM_POWER_RESET;

		if (sim_guest_power != want)
			fail("line %d: the guest did not %s the machine", e->line,
			     want == SIM_POWER_OFF ? "power off" : "reset");
		break;
	}
	case SE_PCI:
	case SE_NO_PCI: {
		static char list[8192];

		list[0] = 0;
		if (S.g->pci_list)
			S.g->pci_list(list, sizeof(list));
		if ((e->kind == SE_PCI) != (strstr(list, e->text) != NULL))
			fail("line %d: the PCI listing %s \"%s\":\n%s", e->line,
			     e->kind == SE_PCI ? "lacks" : "holds", e->text, list);
		break;
	}
	case SE_TRIGGERED:
		for (int i = 0; i < S.sc->ntrigs; i++)
			if (!host_trigger_fired(S.h, S.trig_index[i]))
				fail("line %d: trigger #%d (on %s %s) never fired", e->line, i + 1,
				     host_msgtype_name(S.sc->trigs[i].key), S.sc->trigs[i].dev);
		break;
	}
}

/* --verbose: when each device became ready ("ready DEV at N ns", virtual
 * time; tests/vpci/bench.sh reads them) and the guest's PCI listing at the
 * end of the run between marker lines (tests/vpci/lspci.sh compares it
 * with lspci's, field by field). */
static void print_pci_list(void)
{
	static char list[8192];

	if (!S.opts_verbose)
		return;
	for (int i = 0; i < S.sc->ndevs; i++)
		if (S.ready_at[i])
			printf("ready %s at %llu ns\n", S.sc->devs[i].name,
			       (unsigned long long)S.ready_at[i]);
	if (!S.g->pci_list)
		return;
	list[0] = 0;
	S.g->pci_list(list, sizeof(list));
	printf("pci listing at the end:\n%send of pci listing\n", list);
}

static void final_checks(bool quiescent)
{
	char why[1024];

	print_pci_list();

	if (S.failed)
		return;
	if (host_check_final(S.h, why, sizeof(why)) < 0 && !expected(SE_VIOLATION)) {
		char recent[2048];

		host_recent_guest_msgs(S.h, recent, sizeof(recent));
		fail("%s\n recent guest messages:\n%s", why, recent);
		return;
	}
	if (!expected(SE_VIOLATION) && S.base_set && !host_unloaded(S.h) &&
	    host_connected(S.h)) {
		size_t in_use = hosted_gmem_pages_in_use();
		size_t allowed = S.base_pages + host_gpadl_pages(S.h) + S.sc->mem_slack;

		if (in_use > allowed)
			fail("guest memory not freed: %zu pages in use, %zu before VMBus + %u under "
			     "live GPADLs + %u slack", in_use, S.base_pages, host_gpadl_pages(S.h),
			     S.sc->mem_slack);
	}
	/* No hang: at rest, nothing may be left in the host's queues. */
	if (quiescent && !S.sc->allow_hang &&
	    (host_pending_host_msgs(S.h) || host_pending_guest_msgs(S.h))) {
		fail("hang: the run came to rest with %u host message(s) never taken from the "
		     "SynIC slot (slot not emptied or no EOM, docs/protocols/vmbus.md §2.4) and %u guest "
		     "message(s) unprocessed", host_pending_host_msgs(S.h),
		     host_pending_guest_msgs(S.h));
		return;
	}
	sample_ready();
	for (int i = 0; i < S.sc->nexps && !S.failed; i++)
		check_expect(&S.sc->exps[i], quiescent);
}

/* ---- one seed ---- */

int sim_global_init(size_t ram)
{
	hosted_set_panic_hook(panic_hook);
	return hosted_init(ram);
}

void sim_global_fini(void)
{
	free(S.prof);
	S.prof = NULL;
	hosted_fini();
}

void sim_run_seed(const struct sim_scenario *sc, uint64_t seed, const struct sim_opts *o,
		  struct sim_result *res)
{
	static const struct host_model model = {
		.cpuid = m_cpuid, .rdmsr = m_rdmsr, .wrmsr = m_wrmsr, .hypercall = m_hypercall,
		.mmio_read = m_mmio_read, .mmio_write = m_mmio_write,
	};
	struct host_model m = model;
	bool quiescent = false, started = false;

	memset(res, 0, sizeof(*res));
	memset(S.ready_at, 0, sizeof(S.ready_at));
	memset(S.acted, 0, sizeof(S.acted));
	S.sc = sc;
	S.res = res;
	S.failed = false;
	S.base_set = false;
	S.bl_set = false;
	S.bl_freed = 0;
	S.bl_checks = 0;
	S.opts_verbose = o->verbose;
	S.h = NULL;
	S.g = !strcmp(sc->guest, "test") || !sim_have_keel_guest ? &sim_guest_test
								  : &sim_guest_keel;
	sim_rng_seed(&S.rng, seed);
	sim_trace_reset(o->trace);
	hosted_log_set_echo(o->trace || o->verbose);
	/* expect log reads info lines too: capture them whatever the options */
	log_set_level(o->trace || o->verbose ? LOG_DEBUG :
		      expected(SE_LOG) ? LOG_INFO : LOG_WARNING);
	hosted_log_capture(!(o->trace || o->verbose) || expected(SE_LOG));
	sim_guest_power = SIM_POWER_ON;
	hosted_log_clear();
	/* a run that cannot start still says why (report), like any other */
	if (hosted_init(sc->ram) < 0) {
		fail("hosted_init failed");
		goto report;
	}
	if (setup_host() < 0)
		goto report;
	m.ctx = S.h;
	hosted_set_host_model(&m);
	S.in_seed = true;
	if (setjmp(S.panic_jmp)) {
		S.in_seed = false;
		res->panicked = true;
		fail("guest panic: %s", S.panic_msg);
		res->hash = sim_trace_hash();
		goto report;                    /* state is unreliable: no teardown */
	}
	for (int i = 0; i < sc->nguest_switches; i++)
		if (!S.g->guest_switch || S.g->guest_switch(sc->guest_switch[i]) < 0) {
			fail("unknown guest switch %s", sc->guest_switch[i]);
			goto teardown;
		}
	if (S.g->start() < 0) {
		fail("guest start failed");
		goto teardown;
	}
	started = true;
	run_loop(&quiescent);
	final_checks(quiescent);
teardown:
	res->hash = sim_trace_hash();
	res->end_ns = hosted_now_ns();
report:
	if (S.failed && !o->quiet) {
		printf("FAIL %s%s%s%s seed %llu: %s\n", sc->file, sc->variant[0] ? " [" : "",
		       sc->variant, sc->variant[0] ? "]" : "", (unsigned long long)seed, res->why);
		if (!o->trace) {
			const char *log = hosted_log_captured();
			size_t L = strlen(log);

			printf(" last 200 trace lines:\n");
			sim_trace_dump_last(200);
			if (L)
				printf(" guest log (warnings and errors, tail):\n%s\n",
				       L > 4000 ? log + L - 4000 : log);
		}
		printf(" replay: keelsim %s --seed %llu --trace\n", sc->file,
		       (unsigned long long)seed);
	}
	if (S.in_seed) {
		bool was_failed = S.failed;

		S.in_seed = false;
		if (started && S.g->fini)
			S.g->fini();
		if (started && hosted_gmem_pages_in_use() != 0)
			fail("guest leaked %zu pages after fini", hosted_gmem_pages_in_use());
		if (S.failed && !was_failed && !o->quiet)
			printf("FAIL %s%s%s%s seed %llu: %s\n", sc->file, sc->variant[0] ? " [" : "",
			       sc->variant, sc->variant[0] ? "]" : "",
			       (unsigned long long)seed, res->why);
	}
	hosted_set_host_model(NULL);
	host_destroy(S.h);
	S.h = NULL;
	res->pass = !S.failed;
}
