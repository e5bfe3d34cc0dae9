/*
 * Work-queue bench (`make bench`, row format: name, median ns/op, and a
 * yardstick measured in the same run). Built -O2 without sanitizers against
 * the same kernel/ sources as the tests, on the hosted platform.
 *
 *   wq queue+run empty item   wq_queue + wq_run_once of an item that does
 *                             nothing (two fiber switches and the bookkeeping)
 *   wq wait+wake round trip   an item waits on a waitq, the driver wakes it
 *                             and runs it again (two switches)
 *   fiber switch              one fiber_switch (half a ping-pong)
 *     beside: swapcontext     one swapcontext (half a ping-pong)
 *   timer insert+expire       timer_event_arm + clock step + timer_expired
 *   core reset + 10 queues    what keelsim pays per seed: wq_init,
 *                             timer_init, 10 queues each running an item
 *                             that sleeps once (fiber stacks reused)
 *   beside all: a plain call  an out-of-line call through a pointer
 */
#define _DEFAULT_SOURCE 1

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

#include "hosted/hosted.h"
#include "kernel/fiber.h"
#include "kernel/stack.h"
#include "kernel/timer.h"
#include "kernel/wq.h"

#define BATCHES 15

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median over BATCHES of (time of `iters` calls of fn) / iters. */
static double median_ns(void (*fn)(long iters), long iters)
{
	double v[BATCHES];
	int i;

	fn(iters / 10);     /* warm up */
	for (i = 0; i < BATCHES; i++) {
		uint64_t t0 = wall_ns();

		fn(iters);
		v[i] = (double)(wall_ns() - t0) / (double)iters;
	}
	qsort(v, BATCHES, sizeof(v[0]), cmp_double);
	return v[BATCHES / 2];
}

static void row(const char *name, double ns, const char *beside, double bns)
{
	printf("  %-38s %8.1f ns/op   (%s: %.1f ns)\n", name, ns, beside, bns);
}

/* ---- yardsticks --------------------------------------------------------- */

static volatile long sink;

__attribute__((noinline)) static void plain(long x)
{
	sink += x;
	__asm__ volatile("" ::: "memory");
}

static void (*volatile plain_ptr)(long) = plain;

static void b_plain(long iters)
{
	long i;

	for (i = 0; i < iters; i++)
		plain_ptr(i);
}

static ucontext_t uc_main, uc_other;

static void uc_loop(void)
{
	for (;;)
		swapcontext(&uc_other, &uc_main);
}

static void b_swapcontext(long iters)
{
	long i;

	for (i = 0; i < iters; i++)
		swapcontext(&uc_main, &uc_other);   /* there and back: 2 switches */
}

/* ---- raw fiber switch ----------------------------------------------------- */

static void *raw_main_sp, *raw_other_sp;

static void raw_loop(void)
{
	for (;;)
		fiber_switch(&raw_other_sp, raw_main_sp);
}

static void b_fiber_switch(long iters)
{
	long i;

	for (i = 0; i < iters; i++)
		fiber_switch(&raw_main_sp, raw_other_sp);   /* 2 switches */
}

/* The frame fiber_switch pops: six registers, then "returns" into raw_loop
 * with the stack aligned as if raw_loop had been called. */
static void raw_prepare(void *lo, size_t size)
{
	uint64_t *sp = (uint64_t *)(((uintptr_t)lo + size) & ~(uintptr_t)15);
	int i;

	*--sp = 0;
	*--sp = (uint64_t)(uintptr_t)raw_loop;
	for (i = 0; i < 6; i++)
		*--sp = 0;
	raw_other_sp = sp;
}

/* ---- work queues ---------------------------------------------------------- */

static struct wq *bq;
static struct work empty_work, waiter_work;
static struct waitq bwq;
static bool waiter_go;

static void empty_fn(struct work *w)
{
	(void)w;
}

static void b_queue_run(long iters)
{
	long i;

	for (i = 0; i < iters; i++) {
		wq_queue(bq, &empty_work);
		wq_run_once(bq);
	}
}

static bool go_cond(void *arg)
{
	bool *go = arg;
	bool r = *go;

	*go = false;
	return r;
}

static void waiter_fn(struct work *w)
{
	(void)w;
	for (;;)
		wq_wait_event(&bwq, go_cond, &waiter_go, WQ_FOREVER);
}

static void b_wait_wake(long iters)
{
	long i;

	for (i = 0; i < iters; i++) {
		waiter_go = true;
		waitq_wake_all(&bwq);
		wq_run_once(bq);
	}
}

/* ---- timers --------------------------------------------------------------- */

static struct timer_event bev, later[64];
static long expired;

static void bev_expire(struct timer_event *ev)
{
	(void)ev;
	expired++;
}

static void b_timer(long iters)
{
	long i;

	for (i = 0; i < iters; i++) {
		uint64_t now = hosted_now_ns();

		timer_event_arm(&bev, now + 1);
		hosted_set_now_ns(now + 1);
		hosted_fire_timer();
	}
}

static struct work reset_items[10];

static void reset_item_fn(struct work *w)
{
	(void)w;
	wq_sleep(1000);
}

static void b_reset(long iters)
{
	long i;
	int k;

	for (i = 0; i < iters; i++) {
		wq_init();
		timer_init();
		for (k = 0; k < 10; k++) {
			work_init(&reset_items[k], reset_item_fn, "item");
			wq_queue(wq_create("q", 1), &reset_items[k]);
		}
		wq_run_until_idle();
		hosted_set_now_ns(hosted_now_ns() + 1000);
		hosted_fire_timer();
		wq_run_until_idle();
	}
}

int main(void)
{
	static char uc_stack[64 * 1024];
	const size_t raw_size = 64 * 1024;
	void *raw_stack;
	double call, ns;
	int i;

	if (hosted_init(4u << 20) != 0)
		return 1;
	wq_init();
	timer_init();

	call = median_ns(b_plain, 2000000);

	getcontext(&uc_other);
	uc_other.uc_stack.ss_sp = uc_stack;
	uc_other.uc_stack.ss_size = sizeof(uc_stack);
	uc_other.uc_link = NULL;
	makecontext(&uc_other, uc_loop, 0);
	raw_stack = stack_alloc(raw_size, "bench");
	raw_prepare(raw_stack, raw_size);

	printf("work queues (median of %d batches; hosted, -O2, no sanitizers):\n", BATCHES);

	bq = wq_create("bench", 1);
	work_init(&empty_work, empty_fn, "empty");
	ns = median_ns(b_queue_run, 200000);
	row("wq queue+run empty item", ns, "plain call", call);

	waitq_init(&bwq, "bench");
	work_init(&waiter_work, waiter_fn, "waiter");
	waiter_go = false;
	wq_queue(bq, &waiter_work);
	wq_run_once(bq);                       /* now waiting */
	ns = median_ns(b_wait_wake, 200000);
	row("wq wait+wake round trip", ns, "plain call", call);

	ns = median_ns(b_fiber_switch, 1000000) / 2;
	row("fiber switch", ns, "swapcontext", median_ns(b_swapcontext, 500000) / 2);

	timer_event_init(&bev, bev_expire, "bench", TIMER_EV_WAKE);
	ns = median_ns(b_timer, 500000);
	row("timer insert+expire (list empty)", ns, "plain call", call);
	for (i = 0; i < 64; i++) {
		timer_event_init(&later[i], bev_expire, "later", TIMER_EV_WAKE);
		timer_event_arm(&later[i], UINT64_MAX / 2 + (uint64_t)i);
	}
	ns = median_ns(b_timer, 200000);
	row("timer insert+expire (64 armed later)", ns, "plain call", call);

	ns = median_ns(b_reset, 20000);
	row("core reset + 10 queues, 10 items", ns, "plain call", call);

	stack_free(raw_stack, raw_size);
	wq_fini();
	hosted_fini();
	return expired > 0 ? 0 : 1;
}
