/*
 * Timers: one-shot and periodic (the callback returns its next delay),
 * deadline order, callbacks in work context, deferred deletion.
 */
#include <string.h>

#include "tests/unit/harness.h"

struct tt {
	struct timer timer;
	int id;
	int calls;
	int max_calls;          /* periodic: return period until this many */
	uint64_t period;
	uint64_t at[8];
	bool in_work_ok;
};

static uint64_t tt_fn(struct timer *t)
{
	struct tt *x = wq_container_of(t, struct tt, timer);

	if (x->calls < 8)
		x->at[x->calls] = hosted_now_ns();
	x->calls++;
	x->in_work_ok = wq_in_work() && !hosted_in_irq() &&
			!strcmp(wq_name(wq_current()), "timer");
	t_log(x->id);
	return x->calls < x->max_calls ? x->period : 0;
}

static void tt_init(struct tt *x, int id, int max_calls, uint64_t period)
{
	memset(x, 0, sizeof(*x));
	timer_setup(&x->timer, tt_fn, "tt");
	x->id = id;
	x->max_calls = max_calls;
	x->period = period;
}

/* Deadline order, not arming order; callbacks in the timer queue's items. */
static int t_timer_order(void)
{
	struct tt a, b, c;

	tt_init(&a, 1, 1, 0);
	tt_init(&b, 2, 1, 0);
	tt_init(&c, 3, 1, 0);
	CHECK(timer_start(&a.timer, 30 * MS));
	CHECK(timer_start(&b.timer, 10 * MS));
	CHECK(timer_start(&c.timer, 20 * MS));
	CHECK_EQ(wq_next_deadline(), 10 * MS);
	t_run_all();
	CHECK_EQ(t_nevents, 3);
	CHECK_EQ(t_events[0], 2);
	CHECK_EQ(t_events[1], 3);
	CHECK_EQ(t_events[2], 1);
	CHECK_EQ(a.at[0], 30 * MS);
	CHECK(a.in_work_ok && b.in_work_ok);
	CHECK(!timer_pending(&a.timer));
	return 0;
}

/* Periodic: 3 calls 10 ms apart, then "no more". */
static int t_timer_periodic(void)
{
	struct tt p;

	tt_init(&p, 1, 3, 10 * MS);
	timer_start(&p.timer, 5 * MS);
	t_run_until(100 * MS);
	CHECK_EQ(p.calls, 3);
	CHECK_EQ(p.at[0], 5 * MS);
	CHECK_EQ(p.at[1], 15 * MS);
	CHECK_EQ(p.at[2], 25 * MS);
	CHECK_EQ(wq_next_deadline(), 0);
	return 0;
}

/* timer_stop: an armed timer never fires; re-arm moves the deadline. */
static int t_timer_stop(void)
{
	struct tt a, b;

	tt_init(&a, 1, 1, 0);
	tt_init(&b, 2, 100, 1 * MS);
	timer_start(&a.timer, 5 * MS);
	CHECK(timer_stop(&a.timer));
	CHECK(!timer_stop(&a.timer));
	timer_start(&b.timer, 1 * MS);
	CHECK(timer_start(&b.timer, 2 * MS));   /* moved */
	t_run_until(4 * MS);
	CHECK_EQ(a.calls, 0);
	CHECK_EQ(b.at[0], 2 * MS);
	CHECK_EQ(b.calls, 3);                   /* 2, 3, 4 ms */
	CHECK(timer_stop(&b.timer));
	t_run_until(20 * MS);
	CHECK_EQ(b.calls, 3);
	return 0;
}

/* Stop from inside the callback: deletion deferred, return value ignored. */
static uint64_t self_stop_fn(struct timer *t)
{
	struct tt *x = wq_container_of(t, struct tt, timer);

	x->calls++;
	timer_stop(t);
	return 1 * MS;          /* ignored: stopped while running */
}

static int t_timer_stop_running(void)
{
	struct tt a;

	tt_init(&a, 1, 0, 0);
	timer_setup(&a.timer, self_stop_fn, "self-stop");
	timer_start(&a.timer, 1 * MS);
	t_run_until(10 * MS);
	CHECK_EQ(a.calls, 1);
	CHECK_EQ(wq_next_deadline(), 0);
	return 0;
}

const struct unit_test timer_tests[] = {
	{ "timer_order", t_timer_order, QUICK },
	{ "timer_periodic", t_timer_periodic, QUICK },
	{ "timer_stop", t_timer_stop, QUICK },
	{ "timer_stop_running", t_timer_stop_running, QUICK },
	{ NULL, NULL, QUICK },
};
