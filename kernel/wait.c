/*
 * Waiting: wait queues, the one suspend path every blocking call goes
 * through, wq_wait_event and wq_sleep (kernel/wq.h).
 *
 * The pattern of every blocking call, written once in wait_until(): mask
 * interrupts; check the condition; if it does not hold and the deadline has
 * not passed, wait_suspend() puts the fiber on the waitq, arms its timeout,
 * runs the deadlock check and switches to the scheduler; on wakeup loop and
 * check again. Checking and enqueueing under one mask means an interrupt
 * handler cannot complete in between and lose the wakeup. Completions,
 * mutexes, flushes, events and sleeps differ only in their condition.
 */
#include <errno.h>
#include <stdint.h>

#include "kernel/fiber.h"
#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/wq.h"
#include "kernel/wq_internal.h"

void waitq_init(struct waitq *wqh, const char *name)
{
	wqh->name = name;
	wqh->completer = NULL;
	wqh->wq_head = wqh->wq_tail = NULL;
}

void waitq_set_completer(struct waitq *wqh, struct wq *completer)
{
	wqh->completer = completer;
}

static void waitq_append(struct waitq *wqh, struct fiber *f)
{
	f->f_wnext = NULL;
	if (wqh->wq_tail)
		wqh->wq_tail->f_wnext = f;
	else
		wqh->wq_head = f;
	wqh->wq_tail = f;
	f->f_waitq = wqh;
}

static void waitq_remove(struct waitq *wqh, struct fiber *f)
{
	struct fiber **pp = &wqh->wq_head, *prev = NULL;

	while (*pp && *pp != f) {
		prev = *pp;
		pp = &(*pp)->f_wnext;
	}
	if (*pp != f)
		return;
	*pp = f->f_wnext;
	if (wqh->wq_tail == f)
		wqh->wq_tail = prev;
	f->f_wnext = NULL;
	f->f_waitq = NULL;
}

/* WAITING -> READY: off its waitq, timeout disarmed, onto its queue's ready list. */
void wait_wake_fiber(struct fiber *f)
{
	struct wq *q = f->f_wq;

	if (f->f_state != FIBER_WAITING)
		return;
	if (f->f_waitq)
		waitq_remove(f->f_waitq, f);
	timer_event_cancel(&f->f_timeout);
	fiber_transition(f, FIBER_READY);
	f->f_rnext = NULL;
	if (q->q_ready_tail)
		q->q_ready_tail->f_rnext = f;
	else
		q->q_ready_head = f;
	q->q_ready_tail = f;
	wq_core.nwaiting--;
	wq_core.stall_reported = false;
}

void waitq_wake_one_locked(struct waitq *wqh)
{
	if (wqh->wq_head)
		wait_wake_fiber(wqh->wq_head);
}

void waitq_wake_all_locked(struct waitq *wqh)
{
	while (wqh->wq_head)
		wait_wake_fiber(wqh->wq_head);
}

void waitq_wake_all(struct waitq *wqh)
{
	uint64_t s = plat_irq_save();

	waitq_wake_all_locked(wqh);
	plat_irq_restore(s);
}

/*
 * Does a waiting fiber have a timeout? Its wait then ends on its own (a host
 * that never answers is a slow error path, not a hang), so the stall check
 * stays quiet. Interrupts masked.
 */
bool wait_any_timeout(void)
{
	const struct wq *q = wq_core.queues;

	if (!q)
		return false;
	do {
		for (const struct fiber *f = q->q_active; f; f = f->f_qnext)
			if (f->f_state == FIBER_WAITING && f->f_deadline != UINT64_MAX)
				return true;
		q = q->q_next;
	} while (q != wq_core.queues);
	return false;
}

uint64_t wait_deadline(uint64_t timeout_ns)
{
	uint64_t now = plat_now_ns();

	if (timeout_ns == WQ_FOREVER || now + timeout_ns < now)
		return UINT64_MAX;
	return now + timeout_ns;
}

struct fiber *wait_current(const char *what)
{
	struct fiber *f = wq_core.current;

	if (!f)
		panic("%s: waiting outside a work item", what);
	return f;
}

/*
 * Suspend the current fiber until woken (or its deadline passes).
 * Interrupts are masked by the caller and stay masked on return. Returns 0
 * when woken or timed out (the caller re-checks), -EDEADLK when the deadlock
 * check found a cycle (nothing was suspended).
 */
int wait_suspend(struct waitq *wqh, const struct wait_desc *d, uint64_t deadline)
{
	struct fiber *f = wait_current("wait");

	f->f_wait = *d;
	f->f_deadline = deadline;
	fiber_transition(f, FIBER_WAITING);
	if (wqh)
		waitq_append(wqh, f);
	wq_core.nwaiting++;
	if (deadlock_check_cycle(f)) {
		if (wqh)
			waitq_remove(wqh, f);
		fiber_transition(f, FIBER_RUNNING);
		wq_core.nwaiting--;
		return -EDEADLK;
	}
	if (deadline != UINT64_MAX) {
		f->f_timeout.te_kind = d->kind == WAIT_SLEEP ? TIMER_EV_WAKE
							     : TIMER_EV_TIMEOUT;
		timer_event_arm(&f->f_timeout, deadline);
	}
	WQ_TRACE(WAIT, f->f_wq, f->f_work->name,
		 d->kind == WAIT_EVENT && d->obj.wqh ? d->obj.wqh->name : NULL);
	fiber_yield(f);
	/* wq_run_once set us RUNNING; wait_wake_fiber took us off wqh. */
	return 0;
}

/*
 * The one wait loop (interrupts masked by the caller, still masked on
 * return): until done() says the wait is over, check the deadline, then
 * suspend on the waitq done() names (it may change between rounds: a flushed
 * item's instance moves from its queue's FIFO to a fiber). Returns 0,
 * -ETIMEDOUT, or -EDEADLK when the deadlock check found a cycle.
 */
int wait_until(const struct wait_desc *d, uint64_t deadline,
	       bool (*done)(void *arg, struct waitq **wqh), void *arg)
{
	for (;;) {
		struct waitq *wqh = NULL;
		int r;

		if (done(arg, &wqh))
			return 0;
		if (plat_now_ns() >= deadline)
			return -ETIMEDOUT;
		r = wait_suspend(wqh, d, deadline);
		if (r < 0)
			return r;
	}
}

struct event_wait {
	struct waitq *wqh;
	bool (*cond)(void *arg);
	void *arg;
};

static bool event_done(void *arg, struct waitq **wqh)
{
	const struct event_wait *ew = arg;

	*wqh = ew->wqh;
	return ew->cond(ew->arg);
}

int wq_wait_event(struct waitq *wqh, bool (*cond)(void *arg), void *arg,
		  uint64_t timeout_ns)
{
	uint64_t deadline = wait_deadline(timeout_ns);
	struct wait_desc d = { .kind = WAIT_EVENT, .obj.wqh = wqh };
	struct event_wait ew = { .wqh = wqh, .cond = cond, .arg = arg };
	uint64_t s = plat_irq_save();
	int r;

	wait_current("wq_wait_event");
	r = wait_until(&d, deadline, event_done, &ew);
	plat_irq_restore(s);
	return r;
}

/* A sleep waits on no waitq: only the clock ends it. */
static bool sleep_done(void *arg, struct waitq **wqh)
{
	const uint64_t *deadline = arg;

	*wqh = NULL;
	return plat_now_ns() >= *deadline;
}

int wq_sleep(uint64_t ns)
{
	uint64_t deadline = wait_deadline(ns);
	struct wait_desc d = { .kind = WAIT_SLEEP };
	uint64_t s = plat_irq_save();

	wait_current("wq_sleep");
	kassert(deadline != UINT64_MAX);
	(void)wait_until(&d, deadline, sleep_done, &deadline);  /* a sleep closes no cycle */
	plat_irq_restore(s);
	return 0;
}
