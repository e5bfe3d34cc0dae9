/*
 * Work queues: queues, work items and the scheduler (kernel/wq.h;
 * docs/architecture.md "Work queues"). Waiting lives in wait.c, the
 * deadlock report in deadlock.c, fibers in fiber.c.
 *
 * A queue is runnable when one of its fibers was woken (ready list), or
 * when it has a pending item that may start (not already running elsewhere)
 * and fewer than max_active items in progress. wq_run_once gives woken
 * fibers precedence over new items, so a queue finishes what it started
 * before it starts more.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/fiber.h"
#include "kernel/log.h"
#include "kernel/platform.h"
#include "kernel/timer.h"
#include "kernel/wq.h"
#include "kernel/wq_internal.h"

struct wq_core wq_core;

#ifdef KEEL_TEST_HOOKS
wq_trace_fn wq_trace_hook;

void wq_set_trace_hook(wq_trace_fn fn)
{
	wq_trace_hook = fn;
}
#endif

/* ---- work items ------------------------------------------------------- */

void work_init(struct work *w, work_fn fn, const char *name)
{
	memset(w, 0, sizeof(*w));
	w->fn = fn;
	w->name = name;
	w->state = WORK_IDLE;
}

bool work_pending(const struct work *w)
{
	return w->state == WORK_PENDING;
}

bool work_running(const struct work *w)
{
	return w->w_fiber && w->w_fiber->f_work == w;
}

bool work_busy(const struct work *w)
{
	return work_pending(w) || work_running(w);
}

static void fifo_append(struct wq *q, struct work *w)
{
	w->w_next = NULL;
	if (q->q_tail)
		q->q_tail->w_next = w;
	else
		q->q_head = w;
	q->q_tail = w;
	q->q_npending++;
	w->w_wq = q;
	w->w_seq = ++q->q_seq;
}

static void fifo_remove(struct wq *q, struct work *w)
{
	struct work **pp = &q->q_head, *prev = NULL;

	while (*pp && *pp != w) {
		prev = *pp;
		pp = &(*pp)->w_next;
	}
	kassert(*pp == w);
	*pp = w->w_next;
	if (q->q_tail == w)
		q->q_tail = prev;
	w->w_next = NULL;
	q->q_npending--;
}

enum work_event {
	WE_QUEUE,     /* wq_queue */
	WE_CANCEL,    /* wq_cancel */
	WE_START,     /* fiber f takes the pending instance */
};

/*
 * The one transition function of a work item (diagram in kernel/wq.h).
 * Interrupts masked. Returns whether the event changed the item (what
 * wq_queue and wq_cancel report). There is no "returned" event: after fn
 * returns the item may be gone.
 */
static bool work_transition(struct work *w, enum work_event ev, struct wq *q,
			    struct fiber *f)
{
	switch (w->state) {
	case WORK_IDLE:
		if (ev == WE_CANCEL)
			return false;
		if (ev != WE_QUEUE)
			break;
		fifo_append(q, w);
		w->state = WORK_PENDING;
		return true;
	case WORK_PENDING:
		if (ev == WE_QUEUE)
			return false;
		if (ev == WE_CANCEL) {
			fifo_remove(w->w_wq, w);
			w->state = WORK_IDLE;
			return true;
		}
		if (ev != WE_START)
			break;
		fifo_remove(w->w_wq, w);
		w->state = WORK_IDLE;
		w->w_fiber = f;
		f->f_work = w;
		f->f_seq = w->w_seq;
		return true;
	}
	panic("work '%s': event %d in state %d", w->name ? w->name : "?", (int)ev,
	      (int)w->state);
}

bool wq_queue(struct wq *q, struct work *w)
{
	uint64_t s = plat_irq_save();
	bool queued;

	kassert(q && w && w->fn);
	queued = work_transition(w, WE_QUEUE, q, NULL);
	if (queued)
		wq_core.stall_reported = false;
	plat_irq_restore(s);
	return queued;
}

bool wq_cancel(struct work *w)
{
	uint64_t s = plat_irq_save();
	bool r = work_transition(w, WE_CANCEL, NULL, NULL);

	plat_irq_restore(s);
	return r;
}

/* ---- delayed work ----------------------------------------------------- */

static void delayed_work_expired(struct timer_event *ev)
{
	struct delayed_work *dw = wq_container_of(ev, struct delayed_work, dw_timer);

	dw->dw_armed = false;
	wq_queue(dw->dw_wq, &dw->work);
}

void delayed_work_init(struct delayed_work *dw, work_fn fn, const char *name)
{
	work_init(&dw->work, fn, name);
	timer_event_init(&dw->dw_timer, delayed_work_expired, name, TIMER_EV_WAKE);
	dw->dw_wq = NULL;
	dw->dw_armed = false;
}

bool wq_queue_delayed(struct wq *q, struct delayed_work *dw, uint64_t delay_ns)
{
	uint64_t s = plat_irq_save();
	bool r = false;

	if (dw->dw_armed || dw->work.state == WORK_PENDING)
		goto out;
	if (delay_ns == 0) {
		r = wq_queue(q, &dw->work);
		goto out;
	}
	dw->dw_wq = q;
	dw->dw_armed = true;
	timer_event_arm(&dw->dw_timer, plat_now_ns() + delay_ns);
	wq_core.stall_reported = false;
	r = true;
out:
	plat_irq_restore(s);
	return r;
}

bool wq_cancel_delayed(struct delayed_work *dw)
{
	uint64_t s = plat_irq_save();
	bool r = false;

	if (dw->dw_armed) {
		timer_event_cancel(&dw->dw_timer);
		dw->dw_armed = false;
		r = true;
	}
	if (work_transition(&dw->work, WE_CANCEL, NULL, NULL))
		r = true;
	plat_irq_restore(s);
	return r;
}

/* ---- queues ----------------------------------------------------------- */

struct wq *wq_create(const char *name, int max_active)
{
	struct wq *q;
	uint64_t s;

	kassert(wq_core.initialised && max_active >= 1);
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->name = name;
	q->max_active = max_active;
	waitq_init(&q->q_progress, name);
	s = plat_irq_save();
	if (wq_core.queues) {
		struct wq *first = wq_core.queues, *last = first->q_prev;

		q->q_prev = last;
		q->q_next = first;
		last->q_next = q;
		first->q_prev = q;
	} else {
		q->q_prev = q->q_next = q;
		wq_core.queues = q;
	}
	plat_irq_restore(s);
	return q;
}

void wq_destroy(struct wq *q)
{
	uint64_t s;

	if (!q)
		return;
	s = plat_irq_save();
	if (q->q_nactive || q->q_progress.wq_head)
		panic("wq_destroy('%s'): %d items still running or flushers waiting",
		      q->name, q->q_nactive);
	while (q->q_head)
		work_transition(q->q_head, WE_CANCEL, NULL, NULL);
	if (q->q_next == q) {
		wq_core.queues = NULL;
	} else {
		q->q_prev->q_next = q->q_next;
		q->q_next->q_prev = q->q_prev;
		if (wq_core.queues == q)
			wq_core.queues = q->q_next;
	}
	if (wq_core.rr_last == q)
		wq_core.rr_last = NULL;
	plat_irq_restore(s);
	free(q);
}

const char *wq_name(const struct wq *q)
{
	return q ? q->name : "(none)";
}

/* The first pending item that is not running already (an item never runs
 * twice at once). */
struct work *wq_first_startable(const struct wq *q)
{
	struct work *w;

	for (w = q->q_head; w; w = w->w_next)
		if (!work_running(w))
			return w;
	return NULL;
}

bool wq_queue_runnable(const struct wq *q)
{
	if (q->q_ready_head)
		return true;
	return q->q_nactive < q->max_active && wq_first_startable(q);
}

/* Lowest queue sequence still pending or running on q. */
uint64_t wq_min_outstanding(const struct wq *q)
{
	uint64_t min = q->q_head ? q->q_head->w_seq : UINT64_MAX;
	const struct fiber *f;

	for (f = q->q_active; f; f = f->f_qnext)
		if (f->f_seq < min)
			min = f->f_seq;
	return min;
}

/* ---- running items ---------------------------------------------------- */

static void active_add(struct wq *q, struct fiber *f)
{
	f->f_qprev = NULL;
	f->f_qnext = q->q_active;
	if (q->q_active)
		q->q_active->f_qprev = f;
	q->q_active = f;
	q->q_nactive++;
}

static void active_remove(struct wq *q, struct fiber *f)
{
	if (f->f_qprev)
		f->f_qprev->f_qnext = f->f_qnext;
	else
		q->q_active = f->f_qnext;
	if (f->f_qnext)
		f->f_qnext->f_qprev = f->f_qprev;
	f->f_qnext = f->f_qprev = NULL;
	q->q_nactive--;
}

/* On the fiber: run the item the scheduler gave it, then give it back. */
void wq_fiber_run_item(struct fiber *f)
{
	struct work *w = f->f_work;
	struct wq *q = f->f_wq;
	const char *name = w->name;   /* w may be freed by its own function */

	/* The scheduler switched here with interrupts masked; run the item
	 * with the scheduler's own state (enabled in wq_run_loop). */
	plat_irq_restore(wq_core.sched_irq);
	w->fn(w);
	/* From here on w may be freed: only the fiber is touched. */
	(void)plat_irq_save();   /* the scheduler restores its own state */
	WQ_TRACE(END, q, name, NULL);
	active_remove(q, f);
	/* Flushers of q and of w re-check their marks. */
	waitq_wake_all_locked(&q->q_progress);
	fiber_put(f);
}

void wq_run_once(struct wq *q)
{
	uint64_t s = plat_irq_save();
	struct fiber *f = q->q_ready_head;
	struct work *w;

	kassert(!wq_core.current);
	if (f) {
		q->q_ready_head = f->f_rnext;
		if (!q->q_ready_head)
			q->q_ready_tail = NULL;
		f->f_rnext = NULL;
		WQ_TRACE(RESUME, q, f->f_work->name, NULL);
	} else {
		w = q->q_nactive < q->max_active ? wq_first_startable(q) : NULL;
		if (!w)
			goto out;
		f = fiber_get();
		if (!f)
			goto out;
		work_transition(w, WE_START, NULL, f);
		f->f_wq = q;
		active_add(q, f);
		WQ_TRACE(START, q, w->name, NULL);
	}
	fiber_transition(f, FIBER_RUNNING);
	wq_core.current = f;
	wq_core.rr_last = q;
	wq_core.sched_irq = s;
	fiber_resume(f);
	wq_core.current = NULL;
out:
	plat_irq_restore(s);
}

int wq_runnable(struct wq **out, int max)
{
	struct wq *start, *q;
	int n = 0;

	if (!wq_core.queues)
		return 0;
	start = wq_core.rr_last ? wq_core.rr_last->q_next : wq_core.queues;
	q = start;
	do {
		if (wq_queue_runnable(q)) {
			if (n < max)
				out[n] = q;
			n++;
		}
		q = q->q_next;
	} while (q != start);
	return n;
}

bool wq_idle(void)
{
	struct wq *q = wq_core.queues;

	if (!q)
		return true;
	do {
		if (wq_queue_runnable(q))
			return false;
		q = q->q_next;
	} while (q != wq_core.queues);
	return true;
}

uint64_t wq_next_deadline(void)
{
	return timer_next_deadline();
}

unsigned long wq_run_until_idle(void)
{
	unsigned long n = 0;
	struct wq *q;

	while (wq_runnable(&q, 1) > 0) {
		wq_run_once(q);
		n++;
	}
	wq_check_stall();
	return n;
}

_Noreturn void wq_run_loop(void)
{
	for (;;) {
		struct wq *q;
		uint64_t s;

		if (wq_runnable(&q, 1) > 0) {
			wq_run_once(q);
			continue;
		}
		wq_check_stall();
		/* Check and halt with interrupts masked, so a wakeup between the
		 * check and the halt is not lost: plat_idle enables and halts. */
		s = plat_irq_save();
		if (wq_idle()) {
			plat_timer_arm(timer_next_deadline());
			plat_idle();
		}
		plat_irq_restore(s);
	}
}

/* ---- the running item ------------------------------------------------- */

bool wq_in_work(void)
{
	return wq_core.current != NULL;
}

struct work *wq_current_work(void)
{
	return wq_core.current ? wq_core.current->f_work : NULL;
}

struct wq *wq_current(void)
{
	return wq_core.current ? wq_core.current->f_wq : NULL;
}

/* ---- init ------------------------------------------------------------- */

static void wq_discard(void)
{
	struct wq *q = wq_core.queues, *next;

	kassert(!wq_core.current);
	if (q) {
		q->q_prev->q_next = NULL;
		for (; q; q = next) {
			next = q->q_next;
			free(q);
		}
	}
	timer_events_reset();
	fiber_reset_all();
}

void wq_init(void)
{
	enum wq_deadlock_action action = wq_core.dl_action;
	bool (*may_wake)(void *) = wq_core.may_wake;
	void *arg = wq_core.may_wake_arg;

	if (wq_core.initialised)
		wq_discard();
	memset(&wq_core, 0, sizeof(wq_core));
	wq_core.dl_action = action;
	wq_core.may_wake = may_wake;
	wq_core.may_wake_arg = arg;
	deadlock_reset();
	wq_core.initialised = true;
}

void wq_fini(void)
{
	if (wq_core.initialised)
		wq_discard();
	fiber_free_all();
	memset(&wq_core, 0, sizeof(wq_core));
	deadlock_reset();
}
